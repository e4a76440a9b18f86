/* tp_fdecho.c - a test actor that waits on a file descriptor: it reads
 * decimal numbers (separated by white space) from an fd, a FIFO or one TCP
 * connection and forwards each as a u64 to `out`; or, with mode "write",
 * writes each u64 taken from `in` as a line to an fd. For the tests of
 * steady_readable / steady_writable: solo and in a troupe, end of input,
 * full pipes, bad fds, shutdown while parked, restarts.
 *
 *   source: fd      read the fd numbered by `fd` (a pipe end the test holds)
 *           path    open `path` (a FIFO) for reading at init
 *           listen  listen on 127.0.0.1 port 0, log the port, accept one
 *                   connection and read it
 *   on_eof: end     at end of input log it and return (the graph may end)
 *           ignore  keep waiting on the ended fd (the spin detector's case)
 *   fail_at: N      fail once, after forwarding N values (state keeps the
 *                   unread bytes, so nothing is lost across the restart)
 *   read_size: N    read at most N bytes at a time (1 to 256)
 *
 * In read mode, values arriving on the optional `in` are forwarded too: the
 * wait is "the fd is readable OR an item is available".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <steady/steady.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { IN, OUT };

struct echo_state {
    char buf[256]; /* bytes read, not yet forwarded */
    size_t len;
    uint64_t forwarded; /* values sent to out */
    bool failed;        /* fail_at already happened */
};

struct echo_ctx {
    int fd;        /* what run reads or writes; -1 until accepted */
    int listen_fd; /* source listen: the listening socket, else -1 */
    bool owned;    /* fd was opened here (closed in destroy) */
};

static int init(struct steady_actor *a)
{
    const char *source = steady_param_str(a, "source");
    struct echo_ctx *c = calloc(1, sizeof(*c));

    if (!c)
        return steady_fail(a, "out of memory");
    if (steady_param_int(a, "read_size") < 1 ||
        steady_param_int(a, "read_size") > 256) {
        free(c);
        return steady_fail(a, "read_size must be 1 to 256");
    }
    c->fd = (int)steady_param_int(a, "fd");
    c->listen_fd = -1;
    steady_set_ctx(a, c);
    if (strcmp(source, "path") == 0) {
        c->fd = open(steady_param_str(a, "path"),
                     O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (c->fd < 0)
            return steady_fail(a, "cannot open '%s': %s",
                               steady_param_str(a, "path"), strerror(errno));
        c->owned = true;
    } else if (strcmp(source, "listen") == 0) {
        struct sockaddr_in sa = { .sin_family = AF_INET };
        socklen_t len = sizeof(sa);

        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        c->listen_fd =
            socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c->listen_fd < 0 ||
            bind(c->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
            listen(c->listen_fd, 1) < 0 ||
            getsockname(c->listen_fd, (struct sockaddr *)&sa, &len) < 0)
            return steady_fail(a, "cannot listen on 127.0.0.1: %s",
                               strerror(errno));
        c->fd = -1;
        steady_info(a, "listening on 127.0.0.1 port %u",
                    (unsigned)ntohs(sa.sin_port));
    } else if (strcmp(source, "fd") != 0) {
        return steady_fail(a, "source must be fd, path or listen, got '%s'",
                           source);
    } else if (c->fd >= 0) {
        /* the test's pipe end: reads and writes must not block the actor */
        int fl = fcntl(c->fd, F_GETFL);

        if (fl >= 0)
            fcntl(c->fd, F_SETFL, fl | O_NONBLOCK);
    }
    return 0;
}

static void destroy(struct steady_actor *a)
{
    struct echo_ctx *c = steady_ctx(a);

    if (!c)
        return;
    if (c->listen_fd >= 0) {
        close(c->listen_fd);
        if (c->fd >= 0)
            close(c->fd);
    } else if (c->owned) {
        close(c->fd);
    }
    free(c);
}

/* Waits for the one connection of source listen. False when cut short. */
static bool accept_one(struct steady_actor *a, struct echo_ctx *c)
{
    if (c->fd < 0)
        steady_info(a, "waiting for a connection");
    while (c->fd < 0) {
        if (!steady_await_all(a, steady_readable(a, c->listen_fd)))
            return false;
        c->fd = accept4(c->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (c->fd < 0 && errno != EAGAIN && errno != EINTR)
            steady_panic(a, "accept: %s", strerror(errno));
        if (c->fd >= 0)
            steady_info(a, "accepted a connection");
    }
    return true;
}

/* Forwards every complete number in the state's buffer (at end of input,
 * the last one too). False when out is gone or shutdown cut a send short. */
static bool forward(struct steady_actor *a, struct echo_state *s, bool eof)
{
    int64_t fail_at = steady_param_int(a, "fail_at");

    for (;;) {
        size_t i = 0, end;
        uint64_t v = 0;

        while (i < s->len && (s->buf[i] < '0' || s->buf[i] > '9'))
            i++;
        for (end = i; end < s->len && s->buf[end] >= '0' && s->buf[end] <= '9';
             end++)
            v = v * 10 + (uint64_t)(s->buf[end] - '0');
        if (end == i || (end == s->len && !eof)) {
            /* no number, or one that may go on in the next read */
            memmove(s->buf, s->buf + i, s->len - i);
            s->len -= i;
            return true;
        }
        if (steady_connected(a, OUT) &&
            !steady_send(a, OUT, &v, STEADY_SATURATION_AWAIT))
            return false;
        memmove(s->buf, s->buf + end, s->len - end);
        s->len -= end;
        s->forwarded++;
        if (fail_at > 0 && !s->failed && s->forwarded == (uint64_t)fail_at) {
            s->failed = true;
            steady_panic(a, "failing once after %llu values, as asked",
                         (unsigned long long)s->forwarded);
        }
    }
}

static int read_loop(struct steady_actor *a, struct echo_ctx *c)
{
    struct echo_state *s = steady_state(a);
    bool ignore_eof = strcmp(steady_param_str(a, "on_eof"), "ignore") == 0;
    size_t read_size = (size_t)steady_param_int(a, "read_size");
    bool ended = false;

    if (c->listen_fd >= 0 && !accept_one(a, c)) {
        steady_info(a, "stopped before a connection");
        return 0;
    }
    steady_info(a, "reading fd %d", c->fd);
    /* what a failed run read but did not forward yet */
    if (s->len) {
        if (!forward(a, s, false))
            return 0;
        steady_info(a, "got %llu values so far",
                    (unsigned long long)s->forwarded);
    }
    while (steady_running(a)) {
        uint64_t v, before;
        ssize_t n;

        if (!steady_await_any(a, steady_readable(a, c->fd),
                              steady_avail(a, IN, 1)))
            continue; /* cut short: steady_running decides */
        while (steady_try_take(a, IN, &v))
            if (steady_connected(a, OUT))
                steady_send(a, OUT, &v, STEADY_SATURATION_AWAIT);
        if (s->len == sizeof(s->buf))
            steady_panic(a, "a number longer than %zu digits", s->len);
        n = read(c->fd, s->buf + s->len,
                 read_size < sizeof(s->buf) - s->len ? read_size
                                                     : sizeof(s->buf) - s->len);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue; /* woken by the input, or spuriously */
        if (n < 0)
            steady_panic(a, "read fd %d: %s", c->fd, strerror(errno));
        if (n == 0 && ignore_eof) {
            /* the bug the spin detector is for: waiting on at its end */
            if (!ended)
                steady_info(a, "end of input ignored");
            ended = true;
            continue;
        }
        s->len += (size_t)n;
        before = s->forwarded;
        if (!forward(a, s, n == 0))
            break;
        if (n == 0) {
            steady_info(a, "end of input after %llu values",
                        (unsigned long long)s->forwarded);
            return 0;
        }
        if (s->forwarded != before)
            steady_info(a, "got %llu values so far",
                        (unsigned long long)s->forwarded);
    }
    steady_info(a, "stopped after %llu values",
                (unsigned long long)s->forwarded);
    return 0;
}

/* Mode write: each u64 from `in` as a line on the fd, waiting for room in
 * the fd (and for an item) together. */
static int write_loop(struct steady_actor *a, struct echo_ctx *c)
{
    uint64_t written = 0;

    steady_info(a, "writing fd %d", c->fd);
    while (steady_running(a)) {
        char line[32];
        uint64_t v;
        ssize_t n;
        int len;

        if (!steady_await_all(a, steady_avail(a, IN, 1),
                              steady_writable(a, c->fd)))
            continue;
        if (!steady_try_peek(a, IN, &v))
            continue;
        len = snprintf(line, sizeof(line), "%llu\n", (unsigned long long)v);
        /* a pipe that is writable takes a line this short whole */
        n = write(c->fd, line, (size_t)len);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (n < 0) {
            steady_info(a, "write fd %d: %s; stopping after %llu values", c->fd,
                        strerror(errno), (unsigned long long)written);
            return 0;
        }
        steady_try_take(a, IN, &v);
        written++;
    }
    steady_info(a, "wrote %llu values", (unsigned long long)written);
    return 0;
}

static int run(struct steady_actor *a)
{
    struct echo_ctx *c = steady_ctx(a);

    if (strcmp(steady_param_str(a, "mode"), "write") == 0)
        return write_loop(a, c);
    return read_loop(a, c);
}

static const struct steady_port_desc ports[] = {
    [IN] = { .name = "in",
             .dir = STEADY_IN,
             .type_name = "u64",
             .elem_size = sizeof(uint64_t) },
    [OUT] = { .name = "out",
              .dir = STEADY_OUT,
              .type_name = "u64",
              .elem_size = sizeof(uint64_t) },
};

static const struct steady_param_desc params[] = {
    { .name = "source",
      .type = STEADY_PARAM_STRING,
      .default_value = "fd",
      .doc = "fd, path or listen" },
    { .name = "fd",
      .type = STEADY_PARAM_INT,
      .default_value = "-1",
      .doc = "the fd to read (or write), for source fd" },
    { .name = "path",
      .type = STEADY_PARAM_STRING,
      .default_value = "",
      .doc = "the FIFO to read, for source path" },
    { .name = "mode",
      .type = STEADY_PARAM_STRING,
      .default_value = "read",
      .doc = "read (numbers to out) or write (in to lines)" },
    { .name = "on_eof",
      .type = STEADY_PARAM_STRING,
      .default_value = "end",
      .doc = "end (return) or ignore (keep waiting)" },
    { .name = "read_size",
      .type = STEADY_PARAM_INT,
      .default_value = "256",
      .doc = "bytes read at a time, 1 to 256" },
    { .name = "fail_at",
      .type = STEADY_PARAM_INT,
      .default_value = "0",
      .doc = "fail once after this many values (0: never)" },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "tp_fdecho",
    .version = "1.0",
    .summary = "forwards numbers read from an fd, a FIFO or a socket",
    .ports = STEADY_PORTS(ports),
    .params = STEADY_PARAMS(params),
    .state_size = sizeof(struct echo_state),
    .init = init,
    .run = run,
    .destroy = destroy,
};

STEADY_PLUGIN_DEFINE(desc)

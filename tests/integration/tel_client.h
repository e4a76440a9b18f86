/* tel_client.h - what the telemetry tests need besides cmocka: a tiny
 * HTTP/1.1 client over a real socket, running an outside program with its
 * output in a file, and the two the telemetry tests run: promtool and
 * headless Chromium (tools/deps.sh installs both). Every wait is bounded.
 * Header-only so each integration test stays one file. */
#ifndef STEADY_TEST_TEL_CLIENT_H
#define STEADY_TEST_TEL_CLIENT_H

#include "host_run.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

struct http_reply {
    int status;    /* 200, 404, ...; -1 when the request failed */
    char *headers; /* the header block, NUL-terminated */
    char *body;    /* NUL-terminated */
    size_t body_len;
};

static inline void http_reply_free(struct http_reply *r)
{
    free(r->headers);
    free(r->body);
    memset(r, 0, sizeof(*r));
}

/* The value of header `name` (case-insensitive) copied into buf, or NULL. */
static inline const char *http_header(const struct http_reply *r,
                                      const char *name, char *buf, size_t len)
{
    size_t n = strlen(name);

    for (const char *p = r->headers; p && *p; p = strchr(p, '\n')) {
        if (*p == '\n')
            p++;
        if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
            const char *v = p + n + 1;
            size_t vlen;

            while (*v == ' ')
                v++;
            vlen = strcspn(v, "\r\n");
            snprintf(buf, len, "%.*s", (int)vlen, v);
            return buf;
        }
        if (!strchr(p, '\n'))
            break;
    }
    return NULL;
}

/* A socket connected to 127.0.0.1:port with timeout_ms on every send and
 * receive, or -1. */
static inline int http_connect(int port, int timeout_ms)
{
    struct sockaddr_in a = { .sin_family = AF_INET,
                             .sin_port = htons((uint16_t)port) };
    struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return -1;
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Splits buf[0..len) (NUL-terminated) into status, headers and body. */
static inline struct http_reply http_parse(const char *buf, size_t len)
{
    struct http_reply r = { .status = -1 };
    const char *end = strstr(buf, "\r\n\r\n");

    if (!end || sscanf(buf, "HTTP/1.%*d %d", &r.status) != 1) {
        r.status = -1;
        return r;
    }
    r.headers = strndup(buf, (size_t)(end - buf) + 2);
    r.body_len = len - (size_t)(end + 4 - buf);
    r.body = strndup(end + 4, r.body_len);
    return r;
}

/* Sends the bytes req[0..req_len) as they are (NUL bytes included) to
 * 127.0.0.1:port and reads the reply until the server closes the
 * connection. Waits at most timeout_ms per read. */
static inline struct http_reply http_raw(int port, const char *req,
                                         size_t req_len, int timeout_ms)
{
    struct http_reply r = { .status = -1 };
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int fd = http_connect(port, timeout_ms);

    if (fd < 0)
        return r;
    if (send(fd, req, req_len, MSG_NOSIGNAL) != (ssize_t)req_len)
        goto out;
    for (;;) {
        ssize_t n;

        if (cap - len < 4096) {
            char *p = realloc(buf, cap ? cap * 2 : 65536);

            if (!p)
                goto out;
            buf = p;
            cap = cap ? cap * 2 : 65536;
        }
        n = recv(fd, buf + len, cap - len - 1, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            goto out; /* timed out */
        if (n == 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    r = http_parse(buf, len);
out:
    free(buf);
    close(fd);
    return r;
}

/* Sends `METHOD PATH` to 127.0.0.1:port and reads the whole reply (the
 * request asks the server to close the connection). Waits at most
 * timeout_ms per read. */
static inline struct http_reply http_request(int port, const char *method,
                                             const char *path, int timeout_ms)
{
    char req[512];

    snprintf(req, sizeof(req),
             "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n"
             "Content-Length: 0\r\n\r\n",
             method, path, port);
    return http_raw(port, req, strlen(req), timeout_ms);
}

/* One request over a connection kept alive (fd from http_connect): sends
 * `METHOD PATH` and reads exactly one reply, its body sized by
 * Content-Length. The connection stays open for the next request unless
 * the reply says "Connection: close". */
static inline struct http_reply http_exchange(int fd, const char *method,
                                              const char *path)
{
    struct http_reply r = { .status = -1 };
    char req[512], *buf = NULL, *end = NULL, num[32];
    size_t len = 0, cap = 0, want = 0;

    snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
             method, path);
    if (send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req))
        return r;
    for (;;) {
        ssize_t n;

        if (end && len >= want)
            break;
        if (cap - len < 4096) {
            char *p = realloc(buf, cap ? cap * 2 : 65536);

            if (!p)
                goto out;
            buf = p;
            cap = cap ? cap * 2 : 65536;
        }
        n = recv(fd, buf + len, cap - len - 1, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            goto out; /* timed out, or closed before the whole reply */
        len += (size_t)n;
        buf[len] = '\0';
        if (!end && (end = strstr(buf, "\r\n\r\n"))) {
            struct http_reply head = http_parse(buf, len);
            const char *cl =
                http_header(&head, "Content-Length", num, sizeof(num));

            want = (size_t)(end + 4 - buf);
            if (cl && strcmp(method, "HEAD") != 0)
                want += strtoul(cl, NULL, 10);
            http_reply_free(&head);
        }
    }
    buf[want] = '\0';
    r = http_parse(buf, want);
out:
    free(buf);
    return r;
}

static inline struct http_reply http_get(int port, const char *path)
{
    return http_request(port, "GET", path, 10000);
}

/* Runs argv[0] (a path) with stdin from in_path (or /dev/null) and stdout
 * and stderr into out_path, in its own process group. Waits at most
 * timeout_ms, then kills the group. Returns its exit status, -1 on
 * timeout, -2 when it could not start. */
static inline int run_program(char *const argv[], const char *in_path,
                              const char *out_path, int timeout_ms)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    struct pollfd p;
    pid_t pid;
    int st, pidfd, rc;

    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, in_path ? in_path : "/dev/null",
                                     O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out_path,
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    rc = posix_spawn(&pid, argv[0], &fa, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc != 0)
        return -2;
    pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    p = (struct pollfd){ .fd = pidfd, .events = POLLIN };
    if (pidfd >= 0 && poll(&p, 1, timeout_ms) == 0) {
        kill(-pid, SIGKILL);
        waitpid(pid, &st, 0);
        close(pidfd);
        return -1;
    }
    waitpid(pid, &st, 0);
    kill(-pid, SIGKILL); /* helpers it left behind (chromium) */
    if (pidfd >= 0)
        close(pidfd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static inline int write_file_text(const char *path, const char *text,
                                  size_t len)
{
    FILE *f = fopen(path, "w");
    size_t n;

    if (!f)
        return -1;
    n = fwrite(text, 1, len, f);
    fclose(f);
    return n == len ? 0 : -1;
}

/* ---- promtool and chromium ------------------------------------------- */

#define PROMTOOL "/usr/bin/promtool"
#define CHROMIUM "/usr/bin/chromium"

/* `promtool check metrics` on text[0..len): its exit status (-1 on a
 * timeout, -2 when it could not run) and, in *said (caller frees), all it
 * printed; a clean pass is 0 and nothing said. */
static inline int promtool_check(const char *text, size_t len, char **said)
{
    char in[] = "/tmp/steady-metrics-XXXXXX", out[64];
    char *argv[] = { PROMTOOL, "check", "metrics", NULL };
    int fd = mkstemp(in), rc;

    *said = NULL;
    if (fd < 0)
        return -2;
    close(fd);
    snprintf(out, sizeof(out), "%s.out", in);
    rc = write_file_text(in, text, len) == 0 ? run_program(argv, in, out, 30000)
                                             : -2;
    *said = read_file_text(out);
    unlink(in);
    unlink(out);
    return rc;
}

/* Loads url in headless Chromium for 4 s of page time; dumps the DOM into
 * dom_path or, when png_path is set, saves a screenshot there. Returns
 * Chromium's exit status (-2 when it could not start). */
static inline int chromium_run(const char *url, const char *dom_path,
                               const char *png_path)
{
    char profile[] = "/tmp/steady-chromium-XXXXXX", shot[4200], user[600];
    char *argv[16];
    int n = 0, rc;

    if (!mkdtemp(profile))
        return -2;
    snprintf(user, sizeof(user), "--user-data-dir=%s", profile);
    argv[n++] = CHROMIUM;
    argv[n++] = "--headless";
    argv[n++] = "--no-sandbox";
    argv[n++] = "--disable-gpu";
    argv[n++] = "--disable-quic";
    argv[n++] = "--no-first-run";
    argv[n++] = "--disable-background-networking";
    argv[n++] = "--disable-component-update";
    argv[n++] = "--disable-sync";
    argv[n++] = user;
    argv[n++] = "--virtual-time-budget=4000";
    argv[n++] = "--window-size=1280,900";
    if (png_path) {
        snprintf(shot, sizeof(shot), "--screenshot=%s", png_path);
        argv[n++] = shot;
    } else {
        argv[n++] = "--dump-dom";
    }
    argv[n++] = (char *)url;
    argv[n] = NULL;
    rc = run_program(argv, NULL, png_path ? "/dev/null" : dom_path, 90000);
    {
        char *rm[] = { "/bin/rm", "-rf", profile, NULL };

        run_program(rm, NULL, "/dev/null", 30000);
    }
    return rc;
}

/* What a host logs once its telemetry serves (with --telemetry
 * 127.0.0.1:0 the port is the system's pick). */
#define TEL_URL_PREFIX "telemetry: dashboard http://127.0.0.1:"

/* The telemetry port the host h says it serves on, waiting up to
 * timeout_ms for it to say so; 0 when it does not (the caller fails the
 * test with host_read_output(h)). */
static inline int host_telemetry_port(struct host_run *h, int timeout_ms)
{
    char *out, *at;
    int port = 0;

    if (!host_await_output(h, TEL_URL_PREFIX, timeout_ms))
        return 0;
    out = host_read_output(h);
    at = out ? strstr(out, TEL_URL_PREFIX) : NULL;
    if (at)
        port = atoi(at + strlen(TEL_URL_PREFIX));
    free(out);
    return port > 0 ? port : 0;
}

/* The value of `series` (name and labels, as written) in Prometheus text,
 * or `absent` when the text has no such sample. */
static inline double prom_value(const char *text, const char *series,
                                double absent)
{
    size_t len = strlen(series);

    for (const char *p = text; p && *p; p = strchr(p, '\n')) {
        if (*p == '\n')
            p++;
        if (strncmp(p, series, len) == 0 && p[len] == ' ')
            return strtod(p + len + 1, NULL);
    }
    return absent;
}

/* A port on 127.0.0.1 that was free a moment ago (bound and let go), for
 * a server that cannot be told to take port 0 and say which it got; the
 * caller retries when another program took it in between. 0 on failure. */
static inline int pick_free_port(void)
{
    struct sockaddr_in a = { .sin_family = AF_INET };
    socklen_t alen = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = 0;

    if (fd < 0)
        return 0;
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &alen) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

#endif

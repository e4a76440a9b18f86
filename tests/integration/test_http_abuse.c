/* test_http_abuse.c - the telemetry server of the real host binary under
 * hostile clients, over loopback: slowloris and a connection flood while a
 * client keeps fetching /metrics (on fresh connections and kept alive) and
 * the pipeline keeps its exact sequence; the request deadline; keep-alive;
 * and the requests that once reached /metrics by a back door (%00, a raw
 * NUL, conflicting Content-Length). Bounded in connections and time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the headers above */
#include "host_run.h"
#include "tel_client.h"

#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <time.h>
/* after cmocka.h: it asserts */
#include "sequence.h"

#define STANDARD STEADY_SOURCE_DIR "/graphs/standard.yaml"

/* The server's figures (runtime/src/http.c) that these tests lean on. */
#define HEADER_DEADLINE_MS 5000 /* a whole request must arrive in this */
#define KEEP_PER_IP        32   /* connections one address keeps */

/* The abuse: how many connections of each kind the attacker holds open
 * (reopening what the server cuts, at most OPENS_PER_S a second), for how
 * long, and the most the client may wait for any one answer. The first
 * three can be set with STEADY_HTTP_ABUSE="SLOW IDLE SECONDS" for a longer
 * or larger run by hand. */
#define SLOW_CONNS      48 /* more than one address keeps */
#define IDLE_CONNS      300
#define ATTACK_ADDRS    8 /* 127.0.0.1 (the client's own) to .8 */
#define OPENS_PER_S     400
#define ABUSE_MS        12000 /* longer than the deadline: slow ones recur */
#define ANSWER_BOUND_MS 2000

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

/* The host a test started, killed by the teardown if a failed assertion
 * left it running. */
static struct host_run *live_host;

static int kill_live_host(void **state)
{
    (void)state;
    if (live_host && live_host->status == -1 && live_host->pid > 0) {
        kill(live_host->pid, SIGKILL);
        host_wait(live_host, 10000);
        free(live_host->output);
    }
    live_host = NULL;
    return 0;
}

/* Starts `steady run standard.yaml` with telemetry on 127.0.0.1:0 and
 * returns the port it logs. */
static int start_host(struct host_run *h)
{
    const char *args[] = { "run",         STANDARD,      "--rate",
                           "20",          "--beats",     "1000000",
                           "--telemetry", "127.0.0.1:0", NULL };
    const char *prefix = "metrics http://127.0.0.1:";
    char *out, *at;
    int port;

    assert_int_equal(host_start(h, args), 0);
    live_host = h;
    assert_true(host_await_output(h, prefix, 15000));
    out = host_read_output(h);
    at = strstr(out, prefix);
    assert_non_null(at);
    port = atoi(at + strlen(prefix));
    free(out);
    assert_true(port > 0);
    return port;
}

/* SIGINT, a clean exit, every message delivered in order, and `logged`
 * (unless NULL) in the output. */
static void stop_host_logged(struct host_run *h, const char *logged)
{
    /* some messages through first, so that the sequence says something
     * (on a loaded machine a beat can come before any value is sent) */
    assert_true(host_await_output(h, "[heartbeat] beat 2", 10000));
    assert_true(host_await_output(h, "[logger] Msg Value(1)", 20000));
    kill(h->pid, SIGINT);
    live_host = NULL;
    assert_int_equal(host_wait(h, 30000), 0);
    assert_non_null(strstr(h->output, "stopped cleanly"));
    if (logged && !strstr(h->output, logged))
        fail_msg("the host did not log '%s'", logged);
    assert_true(assert_exact_sequence(h->output) > 0);
    free(h->output);
}

static void stop_host(struct host_run *h)
{
    stop_host_logged(h, NULL);
}

static struct http_reply raw(int port, const char *req, size_t len)
{
    return http_raw(port, req, len, 10000);
}

/* ---- back doors ------------------------------------------------------ */

/* libmicrohttpd decodes %00 to a NUL that ended the path the server
 * compared: "/metrics%00x" was served as /metrics. */
static void test_escaped_nul_is_not_metrics(void **state)
{
    static const char req[] = "GET /metrics%00x HTTP/1.1\r\nHost: h\r\n"
                              "Connection: close\r\n\r\n";
    struct host_run h;
    struct http_reply r;
    int port;

    (void)state;
    port = start_host(&h);
    r = raw(port, req, sizeof(req) - 1);
    assert_int_equal(r.status, 404);
    http_reply_free(&r);
    /* other escapes still decode */
    r = http_get(port, "/%6detrics");
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "graph_info{graph=\"standard\"} 1"));
    http_reply_free(&r);
    stop_host(&h);
}

/* A raw NUL byte in the request line: the server saw the C string up to
 * it, "/metrics". */
static void test_raw_nul_in_target_is_400(void **state)
{
    static const char in_path[] = "GET /metrics\0x HTTP/1.1\r\nHost: h\r\n"
                                  "Connection: close\r\n\r\n";
    static const char in_query[] = "GET /metrics?a\0b HTTP/1.1\r\nHost: h\r\n"
                                   "Connection: close\r\n\r\n";
    static const char at_end[] = "GET /metrics\0 HTTP/1.1\r\nHost: h\r\n"
                                 "Connection: close\r\n\r\n";
    const char *reqs[] = { in_path, in_query, at_end };
    size_t lens[] = { sizeof(in_path) - 1, sizeof(in_query) - 1,
                      sizeof(at_end) - 1 };
    struct host_run h;
    int port;

    (void)state;
    port = start_host(&h);
    for (size_t i = 0; i < 3; i++) {
        struct http_reply r = raw(port, reqs[i], lens[i]);

        if (r.status != 400)
            fail_msg("request %zu: status %d, expected 400", i, r.status);
        assert_non_null(strstr(r.body, "NUL"));
        http_reply_free(&r);
    }
    stop_host(&h);
}

/* Two Content-Length values: libmicrohttpd used the first, a proxy in
 * front may use the other (request smuggling). */
static void test_conflicting_content_length_is_400(void **state)
{
    static const char conflict[] = "GET /metrics HTTP/1.1\r\nHost: h\r\n"
                                   "Content-Length: 0\r\nContent-Length: 5\r\n"
                                   "Connection: close\r\n\r\nhello";
    static const char same[] = "GET /metrics HTTP/1.1\r\nHost: h\r\n"
                               "Content-Length: 0\r\nContent-Length: 0\r\n"
                               "Connection: close\r\n\r\n";
    static const char body[] = "GET /metrics HTTP/1.1\r\nHost: h\r\n"
                               "Content-Length: 5\r\n"
                               "Connection: close\r\n\r\nhello";
    struct host_run h;
    struct http_reply r;
    int port;

    (void)state;
    port = start_host(&h);
    r = raw(port, conflict, sizeof(conflict) - 1);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "conflicting Content-Length"));
    http_reply_free(&r);
    /* the same value twice is one length (RFC 9110, 8.6) */
    r = raw(port, same, sizeof(same) - 1);
    assert_int_equal(r.status, 200);
    http_reply_free(&r);
    r = raw(port, body, sizeof(body) - 1);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "no body"));
    http_reply_free(&r);
    stop_host(&h);
}

/* ---- keep-alive ------------------------------------------------------ */

/* Every response used to close the connection. */
static void test_keep_alive_serves_several_requests(void **state)
{
    const char *paths[] = { "/metrics", "/nowhere", "/graph.dot", "/metrics" };
    const int want[] = { 200, 404, 200, 200 };
    struct host_run h;
    char buf[64];
    int port, fd;

    (void)state;
    port = start_host(&h);
    fd = http_connect(port, 10000);
    assert_true(fd >= 0);
    for (size_t i = 0; i < 4; i++) {
        struct http_reply r = http_exchange(fd, "GET", paths[i]);

        if (r.status != want[i])
            fail_msg("request %zu (%s) on one connection: status %d, "
                     "expected %d",
                     i, paths[i], r.status, want[i]);
        if (http_header(&r, "Connection", buf, sizeof(buf)))
            assert_string_not_equal(buf, "close");
        http_reply_free(&r);
    }
    close(fd);
    stop_host(&h);
}

/* ---- deadlines ------------------------------------------------------- */

/* Reads until the server closes fd or until_ms; returns when it closed
 * (0: not by then) and whether any reply bytes came first. */
static uint64_t await_close(int fd, uint64_t until_ms, bool *answered)
{
    char buf[256];

    *answered = false;
    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        uint64_t now = now_ms();
        ssize_t n;

        if (now >= until_ms)
            return 0;
        if (poll(&p, 1, (int)(until_ms - now)) <= 0)
            continue;
        n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n > 0) {
            *answered = true;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        return now_ms();
    }
}

/* A header line every second used to keep a request open for ever (the
 * idle timeout restarts with every byte). The whole request must arrive
 * within the deadline; the connection is closed then, with no answer. */
static void test_slow_headers_cut_at_deadline(void **state)
{
    static const char line0[] = "GET /metrics HTTP/1.1\r\nHost: h\r\n";
    struct host_run h;
    uint64_t start, closed = 0, idle_closed;
    bool answered = false, idle_answered;
    int port, fd, idle;

    (void)state;
    port = start_host(&h);
    fd = http_connect(port, 1000);
    idle = http_connect(port, 1000);
    assert_true(fd >= 0 && idle >= 0);
    start = now_ms();
    assert_int_equal(send(fd, line0, sizeof(line0) - 1, MSG_NOSIGNAL),
                     (ssize_t)(sizeof(line0) - 1));
    for (int i = 0; i < 10 && !closed; i++) {
        char line[32];
        int len = snprintf(line, sizeof(line), "X-Slow-%d: 1\r\n", i);

        closed = await_close(fd, start + (uint64_t)(i + 1) * 1000, &answered);
        if (!closed && send(fd, line, (size_t)len, MSG_NOSIGNAL) != len)
            closed = now_ms(); /* reset between two polls */
    }
    /* a connection that never sends a byte goes the same way */
    idle_closed =
        await_close(idle, start + HEADER_DEADLINE_MS + 2000, &idle_answered);
    close(fd);
    close(idle);
    assert_false(answered);
    if (!closed)
        fail_msg("a request trickling in a header line a second was still "
                 "open after 10 s");
    if (closed - start < HEADER_DEADLINE_MS - 500 ||
        closed - start > HEADER_DEADLINE_MS + 2000)
        fail_msg("slow request closed after %llu ms, expected about %d",
                 (unsigned long long)(closed - start), HEADER_DEADLINE_MS);
    assert_false(idle_answered);
    assert_true(idle_closed > 0);
    stop_host(&h);
}

/* ---- abuse ----------------------------------------------------------- */

struct attacker {
    int port;
    int n_slow, n_idle;
    atomic_bool stop;
    /* attacker thread only until joined */
    unsigned long long opened, cut, answered;
    uint64_t longest_slow_ms; /* longest a slow connection stayed open */
};

struct slot {
    int fd;
    int host; /* the source address is 127.0.0.host */
    bool slow;
    uint64_t opened_ms, next_line_ms;
    int lines;
};

/* A connection to 127.0.0.1:port from 127.0.0.`host`, or -1. */
static int connect_from(int host, int port)
{
    struct sockaddr_in from = { .sin_family = AF_INET };
    struct sockaddr_in to = { .sin_family = AF_INET,
                              .sin_port = htons((uint16_t)port) };
    struct timeval tv = { 0, 200 * 1000 };
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return -1;
    from.sin_addr.s_addr = htonl(0x7f000000u | (uint32_t)host);
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (bind(fd, (struct sockaddr *)&from, sizeof(from)) < 0 ||
        connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void open_slot(struct attacker *a, struct slot *s, uint64_t now)
{
    static const char line0[] = "GET /metrics HTTP/1.1\r\nHost: h\r\n";

    s->fd = connect_from(s->host, a->port);
    if (s->fd < 0)
        return;
    a->opened++;
    s->opened_ms = now;
    s->next_line_ms = now + 1000;
    s->lines = 0;
    if (s->slow)
        send(s->fd, line0, sizeof(line0) - 1, MSG_NOSIGNAL);
}

static void close_slot(struct attacker *a, struct slot *s, uint64_t now)
{
    if (s->slow && now - s->opened_ms > a->longest_slow_ms)
        a->longest_slow_ms = now - s->opened_ms;
    close(s->fd);
    s->fd = -1;
}

/* Holds n_slow slowloris connections (a header line every second) and
 * n_idle silent ones from ATTACK_ADDRS addresses, the client's among them,
 * so that both the per-address and the overall caps are hit, reopening
 * what the server
 * cuts, at most OPENS_PER_S a second, until told to stop. */
static void *attack(void *arg)
{
    struct attacker *a = arg;
    size_t n = (size_t)(a->n_slow + a->n_idle);
    struct slot *slots = calloc(n, sizeof(*slots));
    struct pollfd *pf = calloc(n, sizeof(*pf));
    uint64_t tick = now_ms();
    int budget = 0;

    if (!slots || !pf)
        goto out;
    for (size_t i = 0; i < n; i++) {
        slots[i].fd = -1;
        slots[i].slow = i < (size_t)a->n_slow;
        slots[i].host = 1 + (int)(i % ATTACK_ADDRS);
    }
    while (!atomic_load(&a->stop)) {
        uint64_t now = now_ms();
        char buf[256];

        if (now - tick >= 100) { /* refill the open budget every 100 ms */
            tick = now;
            budget = OPENS_PER_S / 10;
        }
        for (size_t i = 0; i < n; i++) {
            struct slot *s = &slots[i];

            if (s->fd < 0 && budget > 0) {
                budget--;
                open_slot(a, s, now);
            }
            if (s->fd >= 0 && s->slow && now >= s->next_line_ms) {
                int len =
                    snprintf(buf, sizeof(buf), "X-Slow-%d: 1\r\n", s->lines++);

                s->next_line_ms += 1000;
                if (send(s->fd, buf, (size_t)len, MSG_NOSIGNAL) != len) {
                    a->cut++;
                    close_slot(a, s, now);
                }
            }
            pf[i] = (struct pollfd){ .fd = s->fd, .events = POLLIN };
        }
        if (poll(pf, (nfds_t)n, 20) <= 0)
            continue;
        now = now_ms();
        for (size_t i = 0; i < n; i++) {
            ssize_t got;

            if (slots[i].fd < 0 || !pf[i].revents)
                continue;
            got = recv(slots[i].fd, buf, sizeof(buf), MSG_DONTWAIT);
            if (got > 0)
                a->answered++; /* the server answered an attack: counted */
            if (got < 0 && errno == EAGAIN)
                continue;
            a->cut++;
            close_slot(a, &slots[i], now);
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (slots[i].fd >= 0)
            close(slots[i].fd);
    }
out:
    free(slots);
    free(pf);
    return NULL;
}

/* One /metrics answer, retrying a connection the server refused or cut,
 * until deadline_ms. Returns how long it took, or 0 when it never came. */
static uint64_t fetch_fresh(int port, uint64_t deadline_ms)
{
    uint64_t start = now_ms();

    while (now_ms() < deadline_ms) {
        struct http_reply r = http_request(port, "GET", "/metrics", 1000);
        bool ok = r.status == 200 &&
                  strstr(r.body, "graph_info{graph=\"standard\"} 1");

        http_reply_free(&r);
        if (ok)
            return now_ms() - start + 1;
    }
    return 0;
}

/* Three /metrics answers over one kept-alive connection, 100 ms apart (an
 * idle connection of the flood lives less than that), opened (and
 * reopened, if refused or cut before the first answer) until deadline_ms.
 * Returns how long it took, or 0 when the three never came. */
static uint64_t fetch_kept_alive(int port, uint64_t deadline_ms)
{
    uint64_t start = now_ms();

    while (now_ms() < deadline_ms) {
        int fd = http_connect(port, 1000), got = 0;

        while (fd >= 0 && got < 3) {
            struct http_reply r = http_exchange(fd, "GET", "/metrics");
            bool ok = r.status == 200 &&
                      strstr(r.body, "graph_info{graph=\"standard\"} 1");

            http_reply_free(&r);
            if (!ok)
                break;
            if (++got < 3)
                sleep_ms(100);
        }
        if (fd >= 0)
            close(fd);
        if (got == 3)
            return now_ms() - start + 1;
        /* a flood must not cost a client its kept-alive connection:
         * only a cut before the first answer is retried */
        if (got > 0)
            return 0;
    }
    return 0;
}

/* The lock-out: 64 slowloris connections let 1 of 160 probes through in
 * 40 s, 5,000 idle ones 1 of 42. Now every probe is answered within
 * ANSWER_BOUND_MS, on a fresh connection and over keep-alive, and the
 * pipeline is not disturbed. */
static void test_abuse_keeps_answering(void **state)
{
    struct attacker a = { .n_slow = SLOW_CONNS, .n_idle = IDLE_CONNS };
    const char *env = getenv("STEADY_HTTP_ABUSE");
    int seconds = ABUSE_MS / 1000;
    struct host_run h;
    struct rlimit rl;
    pthread_t thread;
    uint64_t end, worst_fresh = 0, worst_kept = 0;
    unsigned fresh = 0, kept = 0;
    char failed[256] = "";

    (void)state;
    if (env && (sscanf(env, "%d %d %d", &a.n_slow, &a.n_idle, &seconds) != 3 ||
                a.n_slow < 0 || a.n_idle < 0 || seconds < 1))
        fail_msg("STEADY_HTTP_ABUSE='%s': expected \"SLOW IDLE SECONDS\", "
                 "such as \"64 5000 40\"",
                 env);
    /* the attacker's sockets must fit this process's descriptor limit */
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_cur < (rlim_t)(a.n_slow + a.n_idle + 64) &&
        rl.rlim_max != rl.rlim_cur) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur < (rlim_t)(a.n_slow + a.n_idle + 64))
        a.n_idle = (int)rl.rlim_cur - a.n_slow - 64;
    assert_true(a.n_slow + a.n_idle >= KEEP_PER_IP);

    a.port = start_host(&h);
    assert_int_equal(pthread_create(&thread, NULL, attack, &a), 0);
    sleep_ms(500); /* the first wave is in */
    end = now_ms() + (uint64_t)seconds * 1000u;
    /* no assertion while the attacker runs: it uses `a` on this stack */
    while (!failed[0] && now_ms() < end) {
        uint64_t took = fetch_fresh(a.port, now_ms() + ANSWER_BOUND_MS);

        if (!took)
            snprintf(failed, sizeof(failed),
                     "no /metrics answer on a fresh connection within %d ms "
                     "(%u answered before)",
                     ANSWER_BOUND_MS, fresh);
        worst_fresh = took > worst_fresh ? took : worst_fresh;
        fresh++;
        took = failed[0] ? 1
                         : fetch_kept_alive(a.port, now_ms() + ANSWER_BOUND_MS);
        if (!took)
            snprintf(failed, sizeof(failed),
                     "no three /metrics answers over one kept-alive "
                     "connection within %d ms (%u rounds before)",
                     ANSWER_BOUND_MS, kept);
        worst_kept = took > worst_kept ? took : worst_kept;
        kept++;
        sleep_ms(50);
    }
    atomic_store(&a.stop, true);
    pthread_join(thread, NULL);
    if (failed[0])
        fail_msg("%s", failed);
    fprintf(stderr,
            "note: %d slow + %d idle connections for %d s: %u fresh answers "
            "(slowest %llu ms), %u kept-alive rounds of 3 (slowest %llu ms); "
            "attacker opened %llu connections, %llu cut, %llu answered; a "
            "slow one lived at most %llu ms\n",
            a.n_slow, a.n_idle, seconds, fresh, (unsigned long long)worst_fresh,
            kept, (unsigned long long)worst_kept, a.opened, a.cut, a.answered,
            (unsigned long long)a.longest_slow_ms);
    /* the attack really was one: the server had to cut, and the slow
     * requests never got an answer nor outlived the deadline */
    assert_true(a.opened > (unsigned long long)(a.n_slow + a.n_idle));
    assert_true(a.cut > 0);
    assert_int_equal(a.answered, 0);
    assert_true(a.longest_slow_ms <= HEADER_DEADLINE_MS + 2000);
    assert_true(fresh >= (unsigned)seconds);
    /* the operator hears of it, once per 10 s at most */
    stop_host_logged(&h, "telemetry: closed ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_escaped_nul_is_not_metrics,
                                  kill_live_host),
        cmocka_unit_test_teardown(test_raw_nul_in_target_is_400,
                                  kill_live_host),
        cmocka_unit_test_teardown(test_conflicting_content_length_is_400,
                                  kill_live_host),
        cmocka_unit_test_teardown(test_keep_alive_serves_several_requests,
                                  kill_live_host),
        cmocka_unit_test_teardown(test_slow_headers_cut_at_deadline,
                                  kill_live_host),
        cmocka_unit_test_teardown(test_abuse_keeps_answering, kill_live_host),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

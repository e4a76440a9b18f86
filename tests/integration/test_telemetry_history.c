/* test_telemetry_history.c - /history.json on the real host: its shape
 * (timestamps, per channel rate, fill and latency, per actor mCPU and
 * load, all the same length), its bounds (a history of 10 points stops at
 * 10 and keeps its stated size in bytes while the run goes on), `since`,
 * the refusals of a bad query, and the graph keys that size it
 * (tests/graphs/telemetry/history.yaml). Every wait is bounded. */
#include "host_run.h"
#include "tel_client.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h first. */
#include <cmocka.h>

#define HISTORY STEADY_SOURCE_DIR "/tests/graphs/telemetry/history.yaml"

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

static int start_host(struct host_run *h, const char *graph)
{
    const char *args[] = { "run", graph, "--telemetry", "127.0.0.1:0", NULL };
    int port;

    assert_int_equal(host_start(h, args), 0);
    if (!(port = host_telemetry_port(h, 15000)))
        fail_msg("the host did not start telemetry:\n%s", host_read_output(h));
    return port;
}

static void stop_host(struct host_run *h)
{
    kill(h->pid, SIGINT);
    if (host_wait(h, 30000) != 0)
        fail_msg("the host exited with %d:\n%s", h->status, h->output);
    free(h->output);
}

/* A whole number after "key": in json. */
static long long json_int(const char *json, const char *key)
{
    char k[64];
    const char *p;

    snprintf(k, sizeof(k), "\"%s\":", key);
    p = strstr(json, k);
    if (!p)
        fail_msg("no %s in %s", k, json);
    return strtoll(p + strlen(k), NULL, 10);
}

/* The numbers of the array after the n-th (0-based) "key": in json, into
 * v (at most max; null reads as -1). Returns how many there are. */
static int json_array(const char *json, const char *key, int nth, double *v,
                      int max)
{
    char k[64];
    const char *p = json;
    int n = 0;

    snprintf(k, sizeof(k), "\"%s\":[", key);
    for (int i = 0; i <= nth; i++) {
        p = strstr(p, k);
        if (!p)
            fail_msg("no %d-th %s in %s", nth, k, json);
        p += strlen(k);
    }
    while (*p && *p != ']') {
        char *end;
        double x;

        if (strncmp(p, "null", 4) == 0) {
            x = -1;
            end = (char *)p + 4;
        } else {
            x = strtod(p, &end);
            if (end == p)
                fail_msg("not a number at %.40s", p);
        }
        if (n < max)
            v[n] = x;
        n++;
        p = end;
        if (*p == ',')
            p++;
    }
    return n;
}

static char *history(int port, const char *query)
{
    char path[128];
    struct http_reply r;
    char type[64], *body;

    snprintf(path, sizeof(path), "/history.json%s", query);
    r = http_get(port, path);
    if (r.status != 200)
        fail_msg("GET %s: %d %s", path, r.status, r.body ? r.body : "");
    assert_non_null(http_header(&r, "Content-Type", type, sizeof(type)));
    assert_string_equal(type, "application/json");
    body = r.body;
    r.body = NULL;
    http_reply_free(&r);
    return body;
}

static void test_history_shape_and_bounds(void **state)
{
    static const char *const series[] = { "mcpu", "load", "rate", "fill",
                                          "latency_ms" };
    struct host_run h;
    double t[32], v[32];
    char *j;
    long long bytes, last = 0;
    int port, n;

    (void)state;
    port = start_host(&h, HISTORY);
    j = history(port, "");
    bytes = json_int(j, "bytes");
    assert_true(bytes > 0);
    assert_int_equal(json_int(j, "points_max"), 10);
    assert_non_null(strstr(j, "{\"graph\":\"history\",\"step_s\":0.2,"));
    free(j);
    /* 15 points: past the 10 kept (3 s at 200 ms a point) */
    for (int waited = 0; waited < 20000 && last < 15; waited += 100) {
        j = history(port, "");
        last = json_int(j, "last_seq");
        if (last < 15) {
            free(j);
            sleep_ms(100);
        }
    }
    if (last < 15)
        fail_msg("the history reached only %lld points in 20 s", last);
    /* capped: ten points, the newest, and the same memory as at first */
    assert_int_equal(json_int(j, "points_max"), 10);
    assert_int_equal(json_int(j, "bytes"), bytes);
    assert_int_equal(json_int(j, "first_seq"), last - 9);
    n = json_array(j, "t", 0, t, 32);
    assert_int_equal(n, 10);
    for (int i = 1; i < n; i++) {
        /* one point every 200 ms, give or take a late frame */
        if (t[i] - t[i - 1] < 0.15 || t[i] - t[i - 1] > 0.5)
            fail_msg("points %d and %d are %.3f s apart", i - 1, i,
                     t[i] - t[i - 1]);
    }
    /* every series has one value per point: 2 of each per actor kind,
     * 3 per channel */
    for (size_t s = 0; s < 5; s++) {
        for (int k = 0; k < (s < 2 ? 4 : 2); k++)
            assert_int_equal(json_array(j, series[s], k, v, 32), 10);
    }
    /* ticker -> drain: 50 items a second, nearly empty; filler -> holder:
     * full, nothing taken, latency stalled (null) */
    json_array(j, "rate", 0, v, 32);
    {
        double sum = 0;

        for (int i = 0; i < 10; i++) {
            if (v[i] < 0 || v[i] > 100)
                fail_msg("ticker -> drain at %g a second", v[i]);
            sum += v[i];
        }
        /* 50 a second; a loaded machine delays the ticks, not more */
        if (sum / 10 < 10 || sum / 10 > 60)
            fail_msg("ticker -> drain at %g a second on average", sum / 10);
    }
    json_array(j, "fill", 0, v, 32);
    for (int i = 0; i < 10; i++)
        assert_true(v[i] >= 0 && v[i] <= 20);
    json_array(j, "fill", 1, v, 32);
    for (int i = 0; i < 10; i++)
        assert_true(v[i] == 100);
    json_array(j, "latency_ms", 1, v, 32);
    for (int i = 0; i < 10; i++)
        assert_true(v[i] == -1);
    json_array(j, "load", 0, v, 32);
    for (int i = 0; i < 10; i++)
        assert_true(v[i] >= 0 && v[i] <= 100);
    assert_non_null(strstr(j, "\"from\":\"filler\",\"from_port\":\"out\","
                              "\"to\":\"holder\",\"to_port\":\"in\","
                              "\"type\":\"u64\",\"capacity\":8,"));
    free(j);
    stop_host(&h);
}

static void test_history_since_and_bad_queries(void **state)
{
    static const char *const bad[] = {
        "/history.json?since=x",
        "/history.json?since=-1",
        "/history.json?since=",
        "/history.json?since=1e3",
        "/history.json?since=99999999999999999999999",
        "/history.json?sinse=1",
        "/history.json?since",
        "/history.json?since=1&since=2",
        "/history.json?since=1&since",
    };
    struct host_run h;
    struct http_reply r;
    char path[64];
    long long last = 0;
    char *j;
    int port;

    (void)state;
    port = start_host(&h, HISTORY);
    for (int waited = 0; waited < 20000 && last < 2; waited += 100) {
        j = history(port, "");
        last = json_int(j, "last_seq");
        free(j);
        sleep_ms(100);
    }
    assert_true(last >= 2);
    /* since the newest: nothing yet, or only what came since */
    snprintf(path, sizeof(path), "?since=%lld", last);
    j = history(port, path);
    assert_true(json_int(j, "first_seq") == last + 1);
    assert_true(json_int(j, "last_seq") - last <= 2);
    free(j);
    snprintf(path, sizeof(path), "?since=%lld", last - 1);
    j = history(port, path);
    assert_int_equal(json_int(j, "first_seq"), last);
    free(j);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        r = http_get(port, bad[i]);
        if (r.status != 400)
            fail_msg("GET %s: %d, expected 400", bad[i], r.status);
        assert_non_null(strstr(r.body, "400 bad request: "));
        http_reply_free(&r);
    }
    /* too much to hold: 600 arguments fill libmicrohttpd's 32 KiB per
     * connection while it splits them (0.9.75 then closes the connection
     * without an answer), a 40 KiB number overflows it at once (414); the
     * server stays up and answers the next request */
    {
        static const char tail[] = " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                   "Connection: close\r\n\r\n";
        size_t cap = 64 * 1024, len;
        char *req = malloc(cap);

        assert_non_null(req);
        len = (size_t)snprintf(req, cap, "GET /history.json?since=1");
        for (int i = 0; i < 600; i++)
            len += (size_t)snprintf(req + len, cap - len, "&a%d=1", i);
        len += (size_t)snprintf(req + len, cap - len, "%s", tail);
        r = http_raw(port, req, len, 10000);
        if (r.status != -1 && (r.status < 400 || r.status > 499))
            fail_msg("600 query arguments: %d %s", r.status,
                     r.body ? r.body : "");
        http_reply_free(&r);
        len = (size_t)snprintf(req, cap, "GET /history.json?since=");
        memset(req + len, '9', 40 * 1024);
        len += 40 * 1024;
        len += (size_t)snprintf(req + len, cap - len, "%s", tail);
        r = http_raw(port, req, len, 10000);
        if (r.status != 414 && r.status != 400)
            fail_msg("a 40 KiB since: %d, expected 414 or 400", r.status);
        http_reply_free(&r);
        free(req);
        j = history(port, "");
        assert_true(json_int(j, "last_seq") >= last);
        free(j);
    }
    r = http_request(port, "HEAD", "/history.json", 10000);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 0);
    http_reply_free(&r);
    stop_host(&h);
}

/* telemetry.history_s and history_step_ms are checked like other keys. */
static void test_history_keys_checked(void **state)
{
    static const struct {
        const char *yaml;
        int status;
        const char *says;
    } cases[] = {
        { "telemetry: { history_step_ms: 50 }\n", 2,
          "history_step_ms (50) is shorter than one frame (frame_ms 100)" },
        { "telemetry: { history_s: -1 }\n", 2, "history_s" },
        { "telemetry: { history_s: lots }\n", 2, "history_s" },
        { "telemetry: { history_size: 10 }\n", 2, "history_size" },
        /* frames longer than the default step: the step is a frame */
        { "telemetry: { frame_ms: 5000, window_s: 20 }\n", 0, ": ok" },
        { "telemetry: { history_s: 0 }\n", 0, ": ok" },
    };
    char path[] = "/tmp/steady-history-XXXXXX.yaml";

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[512];
        const char *args[] = { "check", path, NULL };
        struct host_run h;
        int fd = mkstemps(path, 5);

        assert_true(fd >= 0);
        close(fd);
        snprintf(text, sizeof(text),
                 "graph: g\n%sactors:\n  a: { plugin: tp_hold, params: "
                 "{ role: tick } }\n  b: { plugin: tp_hold, params: "
                 "{ role: drain } }\nchannels:\n  - a.out -> b.in\n",
                 cases[i].yaml);
        assert_int_equal(write_file_text(path, text, strlen(text)), 0);
        assert_int_equal(host_run(&h, args, 30000), cases[i].status);
        if (!strstr(h.output, cases[i].says))
            fail_msg("'%s' says:\n%s", cases[i].yaml, h.output);
        free(h.output);
        unlink(path);
        strcpy(path, "/tmp/steady-history-XXXXXX.yaml");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_history_shape_and_bounds),
        cmocka_unit_test(test_history_since_and_bad_queries),
        cmocka_unit_test(test_history_keys_checked),
    };

    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}

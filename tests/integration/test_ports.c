/* test_ports.c - bundles and any-typed ports through the real host: a
 * fan-out then fan-in (through an any-typed copy) that ends by itself with
 * every value exactly once, solo and in a troupe; a fan-in whose first
 * input ends early while the others go on; a fan-in idle on a bundle at
 * no CPU; restarts of the fan-out and the fan-in that lose nothing; what
 * `steady check` prints about the wiring; and the telemetry of bundle
 * channels (one edge each, unique series that promtool accepts). */
#include "host_run.h"
#include "tel_client.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <steady/runtime.h>
#include <sys/resource.h>
#include <time.h>
/* cmocka.h needs the headers above */
#include <cmocka.h>

#define GRAPHS STEADY_SOURCE_DIR "/tests/graphs/ports/"

static void expect_text(const char *out, const char *text)
{
    if (!strstr(out, text))
        fail_msg("output lacks '%s':\n%s", text, out);
}

/* Runs a graph that ends by itself; returns its output (free it). */
static char *run_to_end(const char *graph, const char *const *extra)
{
    const char *args[16] = { "run", graph };
    struct host_run h;
    size_t n = 2;
    int rc;

    while (extra && *extra && n < 15)
        args[n++] = *extra++;
    args[n] = NULL;
    rc = host_run(&h, args, 120000);
    if (rc != 0)
        fail_msg("%s exited %d:\n%s", graph, rc, h.output);
    expect_text(h.output, "ended by itself: every actor has finished");
    return h.output;
}

static void test_fan_out_fan_in_ends_with_every_value(void **state)
{
    char *out = run_to_end(GRAPHS "fan.yaml", NULL);

    (void)state;
    expect_text(out, "[fanout] moved 30000 values to 3 channels");
    expect_text(out, "[copy] carries 'u64' (8 bytes)");
    expect_text(out, "[copy] copied 10000 items");
    expect_text(out, "[fanin] took 30000 values from 3 channels (in[0]: "
                     "10000, in[1]: 10000, in[2]: 10000), sum 449985000, 0 "
                     "out of order");
    expect_text(out, "[fanin] exactly 0..29999: yes");
    free(out);
}

static void test_fan_out_fan_in_in_a_troupe(void **state)
{
    const char *more[] = { "--count", "50000", NULL };
    char *out = run_to_end(GRAPHS "fan_troupe.yaml", more);

    (void)state;
    expect_text(out, "4 actors on 2 threads");
    expect_text(out, "[fanin] took 50000 values from 3 channels (in[0]: "
                     "16667, in[1]: 16667, in[2]: 16666)");
    expect_text(out, "[fanin] exactly 0..49999: yes");
    free(out);
}

/* The first input ends after 10 values; the fan-in goes on with the
 * others and ends when the last one does. */
static void test_fan_in_goes_on_after_one_input_ends(void **state)
{
    char *out = run_to_end(GRAPHS "fanin_early.yaml", NULL);
    const char *first, *later;

    (void)state;
    first = strstr(out, "[fanin] in[0] ended after 10 values");
    later = strstr(out, "[fanin] in[1] ended after 100000 values");
    assert_non_null(first);
    assert_non_null(later);
    assert_true(first < later);
    expect_text(out, "[fanin] in[2] ended after 20000 values");
    expect_text(out, "[fanin] took 120010 values from 3 channels (in[0]: 10, "
                     "in[1]: 100000, in[2]: 20000)");
    expect_text(out, "[fanin] exactly 0..120009: yes");
    free(out);
}

/* Explicit bundle indices that reverse the file's order, through the
 * host: split's out[1] (listed first) takes the odd items, fanin's in[1]
 * (listed first) the 3 values of 'late'. */
static void test_explicit_bundle_indices_through_the_host(void **state)
{
    char *out = run_to_end(GRAPHS "indexed.yaml", NULL);

    (void)state;
    expect_text(out, "[odd] took 3 items, sum 9");
    expect_text(out, "[even] took 3 items, sum 6");
    expect_text(out, "[fanin] in[1] ended after 3 values");
    expect_text(out, "[fanin] in[0] ended after 5 values");
    expect_text(out, "[fanin] took 8 values from 2 channels (in[0]: 5, "
                     "in[1]: 3)");
    free(out);
}

static double children_cpu_ms(void)
{
    struct rusage ru;

    getrusage(RUSAGE_CHILDREN, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

/* One input ended, the other beating ten times in a second: the wait on
 * the bundle sleeps in between. */
static void test_fan_in_idles_on_its_bundle(void **state)
{
    const char *args[] = { "run", GRAPHS "fanin_idle.yaml", NULL };
    struct host_run h;
    double before = children_cpu_ms(), used;

    (void)state;
    assert_int_equal(host_run(&h, args, 60000), 0);
    used = children_cpu_ms() - before;
    expect_text(h.output, "[fanin] in[0] ended after 10 values");
    expect_text(h.output, "[fanin] took 20 values from 2 channels (in[0]: "
                          "10, in[1]: 10)");
    assert_null(strstr(h.output, "spinning"));
    /* generous for sanitizer builds on a loaded machine: a spinning fan-in
     * uses about 1000 ms here */
    if (used > 600)
        fail_msg("the graph used %.0f ms of CPU in about 1 s:\n%s", used,
                 h.output);
    free(h.output);
}

/* The fan-out fails after 5000 values and the fan-in after 12000 (about);
 * both restart with their channels, nothing is lost or doubled, and the
 * round robin goes on where it stopped. */
static void test_restarts_of_bundle_actors_lose_nothing(void **state)
{
    char *out = run_to_end(GRAPHS "fan_restart.yaml", NULL);

    (void)state;
    expect_text(out, "[fanout] failed: injected failure at 5000; restart 1");
    expect_text(out, "[fanin] failed: injected failure after ");
    expect_text(out, "[fanin] took 20000 values from 3 channels (in[0]: "
                     "6667, in[1]: 6667, in[2]: 6666), sum 199990000, 0 out "
                     "of order");
    expect_text(out, "[fanin] exactly 0..19999: yes");
    free(out);
}

/* check names each bundle channel's index and each resolved type;
 * conflicting types are refused with both sources. */
static void test_check_shows_the_resolved_wiring(void **state)
{
    const char *ok[] = { "check", GRAPHS "fan.yaml", NULL };
    const char *bad[] = {
        "check", STEADY_SOURCE_DIR "/tests/graphs/bad/any_conflict.yaml", NULL
    };
    struct host_run h;

    (void)state;
    assert_int_equal(host_run(&h, ok, 60000), 0);
    expect_text(h.output, "fan.yaml: ok, graph 'fan': 4 actors, 5 channels\n"
                          "  actor 'copy': any-typed ports carry type u64 (8 "
                          "bytes)\n"
                          "  channel fanout.out[0] -> fanin.in[0]: type u64 "
                          "(8 bytes), capacity 64\n"
                          "  channel fanout.out[1] -> copy.in: type u64 (8 "
                          "bytes), capacity 8; any-typed: copy.in\n"
                          "  channel copy.out -> fanin.in[1]: type u64 (8 "
                          "bytes), capacity 64; any-typed: copy.out\n"
                          "  channel fanout.out[2] -> fanin.in[2]: type u64 "
                          "(8 bytes), capacity 64\n");
    free(h.output);
    assert_int_equal(host_run(&h, bad, 60000), 2);
    expect_text(h.output, "any_conflict.yaml:9:5: conflicting types for the "
                          "any-typed ports of actor 'copy': wide.in takes "
                          "'wide' (16 bytes) here, but src.out sends 'u64' (8 "
                          "bytes) (channel at 8:5)");
    free(h.output);
}

/* ---- telemetry -------------------------------------------------------- */

struct running {
    struct steady_runtime *rt;
    pthread_t thread;
    int rc;
    char err[1024];
};

static void *run_thread(void *arg)
{
    struct running *g = arg;

    g->rc = steady_runtime_run(g->rt, g->err, sizeof(g->err));
    return NULL;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

/* The series of every sample line (name and labels) appears once. */
static void assert_series_unique(const char *text)
{
    char *copy = strdup(text), *line, *save = NULL;
    const char *seen[512];
    size_t n = 0;

    assert_non_null(copy);
    for (line = strtok_r(copy, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *space = strrchr(line, ' ');

        if (line[0] == '#' || !space)
            continue;
        *space = '\0';
        for (size_t i = 0; i < n; i++)
            if (strcmp(seen[i], line) == 0)
                fail_msg("series '%s' appears twice", line);
        assert_true(n < 512);
        seen[n++] = line;
    }
    free(copy);
}

/* promtool check metrics passes the text without a remark: bundle
 * indices in port labels follow the conventions too. */
static void assert_promtool_accepts(const char *text, size_t len)
{
    char *said = NULL;
    int rc = promtool_check(text, len, &said);

    if (rc != 0 || (said && said[0]))
        fail_msg("promtool check metrics (exit %d): %s", rc, said);
    free(said);
}

static void test_bundle_channels_in_telemetry(void **state)
{
    const char *const overrides[] = { "count", "0", NULL }; /* endless */
    struct steady_runtime_options opt = { 0 };
    struct http_reply m = { 0 }, dot;
    struct running g;
    struct timespec until;
    int port = 0;

    (void)state;
    opt.plugin_path = STEADY_TEST_PLUGIN_DIR;
    opt.overrides = overrides;
    opt.n_overrides = 1;
    opt.telemetry = "127.0.0.1:0";
    memset(&g, 0, sizeof(g));
    if (steady_runtime_load(GRAPHS "fan.yaml", &opt, &g.rt, g.err,
                            sizeof(g.err)) < 0)
        fail_msg("load: %s", g.err);
    assert_int_equal(pthread_create(&g.thread, NULL, run_thread, &g), 0);
    for (int waited = 0; waited < 10000 && !port; waited += 10) {
        port = steady_runtime_telemetry_port(g.rt);
        sleep_ms(10);
    }
    assert_true(port > 0);
    /* until the first frame is published */
    for (int waited = 0; waited < 20000; waited += 50) {
        http_reply_free(&m);
        m = http_get(port, "/metrics");
        if (m.status == 200 && m.body &&
            strstr(m.body, "from_port=\"out[2]\",to_port=\"in[2]\"} "))
            break;
        sleep_ms(50);
    }
    assert_int_equal(m.status, 200);
    expect_text(m.body, "{from=\"fanout\",to=\"fanin\",from_port=\"out[0]\","
                        "to_port=\"in[0]\"}");
    expect_text(m.body, "{from=\"fanout\",to=\"copy\",from_port=\"out[1]\","
                        "to_port=\"in\"}");
    expect_text(m.body, "{from=\"copy\",to=\"fanin\",from_port=\"out\","
                        "to_port=\"in[1]\"}");
    expect_text(m.body, "{from=\"seq\",to=\"fanout\"}");
    assert_series_unique(m.body);
    assert_promtool_accepts(m.body, m.body_len);
    dot = http_get(port, "/graph.dot");
    assert_int_equal(dot.status, 200);
    expect_text(dot.body, "label=\"out[0] -> in[0]: u64\\n");
    expect_text(dot.body, "label=\"out[2] -> in[2]: u64\\n");
    expect_text(dot.body, "label=\"out -> in[1]: u64\\n");
    http_reply_free(&dot);
    http_reply_free(&m);

    steady_runtime_request_shutdown(g.rt);
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 30;
    if (pthread_timedjoin_np(g.thread, NULL, &until) != 0)
        fail_msg("the graph did not stop within 30 s");
    if (g.rc != 0)
        fail_msg("the graph stopped with an error: %s", g.err);
    steady_runtime_destroy(g.rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fan_out_fan_in_ends_with_every_value),
        cmocka_unit_test(test_fan_out_fan_in_in_a_troupe),
        cmocka_unit_test(test_fan_in_goes_on_after_one_input_ends),
        cmocka_unit_test(test_explicit_bundle_indices_through_the_host),
        cmocka_unit_test(test_fan_in_idles_on_its_bundle),
        cmocka_unit_test(test_restarts_of_bundle_actors_lose_nothing),
        cmocka_unit_test(test_check_shows_the_resolved_wiring),
        cmocka_unit_test(test_bundle_channels_in_telemetry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_host.c - the `steady` binary on real graphs: the standard pipeline
 * end to end (nothing lost, nothing reordered), check, signals, shutdown
 * timeouts, failing actors and bad command lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the headers above */
#include "host_run.h"

#include <cmocka.h>
#include <sys/stat.h>
/* after cmocka.h: it asserts */
#include "sequence.h"

#define STANDARD    STEADY_SOURCE_DIR "/graphs/standard.yaml"
#define TEST_GRAPHS STEADY_SOURCE_DIR "/tests/graphs"

static void test_run_standard_exact_sequence(void **state)
{
    const char *args[] = { "run",     STANDARD, "--rate", "100",
                           "--beats", "5",      NULL };
    struct host_run h;

    (void)state;
    assert_int_equal(host_run(&h, args, 20000), 0);
    assert_non_null(strstr(h.output, "[heartbeat] beat 0"));
    assert_non_null(strstr(h.output, "[heartbeat] beat 4"));
    assert_non_null(strstr(h.output, "stopped cleanly"));
    assert_true(assert_exact_sequence(h.output) > 0);
    free(h.output);
}

static void test_run_troupe_same_sequence(void **state)
{
    const char *args[] = { "run",     STEADY_SOURCE_DIR "/graphs/troupe.yaml",
                           "--rate",  "100",
                           "--beats", "5",
                           NULL };
    struct host_run h;

    (void)state;
    assert_int_equal(host_run(&h, args, 20000), 0);
    assert_non_null(strstr(h.output, "[heartbeat] beat 4"));
    assert_non_null(strstr(h.output, "graph 'troupe' stopped cleanly"));
    assert_true(assert_exact_sequence(h.output) > 0);
    free(h.output);
}

static void test_run_robust_restarts_lose_nothing(void **state)
{
    const char *args[] = { "run", STEADY_SOURCE_DIR "/graphs/robust.yaml",
                           "--rate", "40", NULL };
    struct host_run h;

    (void)state;
    assert_int_equal(host_run(&h, args, 30000), 0);
    assert_non_null(strstr(h.output, "[heartbeat] failed: injected failure "
                                     "before beat 7; restart 1"));
    assert_non_null(strstr(h.output, "[generator] failed: injected failure "
                                     "before sending 200; restart 1"));
    assert_non_null(strstr(h.output, "[worker] failed: injected failure "
                                     "converting 700; restart 1"));
    assert_non_null(strstr(h.output, "[logger] failed: injected failure "
                                     "before logging 1000; restart 1"));
    /* past every failure point, and still no gap and no repeat */
    assert_true(assert_exact_sequence(h.output) > 1000);
    free(h.output);
}

static void test_run_sigint_drains_everything(void **state)
{
    const char *args[] = { "run",     STANDARD, "--rate", "20",
                           "--beats", "100000", NULL };
    struct host_run h;

    (void)state;
    assert_int_equal(host_start(&h, args), 0);
    assert_true(host_await_output(&h, "[heartbeat] beat 2", 10000));
    kill(h.pid, SIGINT);
    assert_int_equal(host_wait(&h, 20000), 0);
    assert_non_null(strstr(h.output, "shutting down"));
    assert_non_null(strstr(h.output, "stopped cleanly"));
    assert_exact_sequence(h.output);
    free(h.output);
}

static void test_run_shutdown_timeout_names_actors(void **state)
{
    const char *args[] = { "run", TEST_GRAPHS "/stubborn.yaml", NULL };
    struct host_run h;

    (void)state;
    assert_int_equal(host_run(&h, args, 20000), 1);
    assert_non_null(strstr(h.output, "shutdown timed out after 300 ms"));
    assert_non_null(strstr(h.output, "actor 'first' has not exited"));
    assert_non_null(strstr(h.output, "actor 'second' has not exited"));
    assert_non_null(strstr(h.output, "stubborn by design"));
    assert_non_null(strstr(h.output, "1 item(s) on 'in'"));
    assert_non_null(strstr(h.output, "input 'in' is open and holds 0 "
                                     "items"));
    free(h.output);
}

static void test_run_second_signal_forces_exit(void **state)
{
    const char *args[] = { "run", TEST_GRAPHS "/stubborn_long.yaml",
                           "--log-level", "debug", NULL };
    struct host_run h;

    (void)state;
    assert_int_equal(host_start(&h, args), 0);
    assert_true(host_await_output(&h, "starting", 10000));
    kill(h.pid, SIGINT);
    assert_true(host_await_output(&h, "waiting up to 60000 ms", 10000));
    /* the second signal only once both wait in shutdown (their debug line
     * comes after what the report reads is recorded): not before */
    assert_true(host_await_output(&h, "[first] in shutdown, it waits", 10000));
    assert_true(host_await_output(&h, "[second] in shutdown, it waits", 10000));
    kill(h.pid, SIGTERM);
    assert_int_equal(host_wait(&h, 20000), 130);
    assert_non_null(strstr(h.output, "forced stop"));
    /* they sleep in await since before the shutdown and have not voted;
     * what they wait on is known */
    assert_non_null(strstr(h.output, "actor 'first' has not exited: "));
    assert_non_null(strstr(h.output, "actor 'second' has not exited: "));
    assert_non_null(strstr(h.output, "waits for all of: 1 item(s) on 'in'"));
    assert_non_null(strstr(h.output, "stopped by a second signal; 2 actors "
                                     "still running: first, second"));
    free(h.output);
}

static void test_run_init_failure_is_reported(void **state)
{
    const char *args[] = { "run", TEST_GRAPHS "/failinit.yaml", NULL };
    struct host_run h;

    (void)state;
    assert_int_equal(host_run(&h, args, 20000), 1);
    assert_non_null(strstr(h.output, "actor 'picky' (plugin tp_failinit) "
                                     "failed to start: init refuses: on "
                                     "purpose"));
    free(h.output);
}

/* The heartbeat declares rate_ms >= 1 and beats >= 1: `--rate 0` and
 * `--beats 0` are refused before anything starts, by check and by run,
 * pointing at where the arg is used. */
static void test_params_out_of_range_refused(void **state)
{
    const char *check_rate[] = { "check", STANDARD, "--rate", "0", NULL };
    const char *check_beats[] = { "check", STANDARD, "--beats=0", NULL };
    const char *run_rate[] = { "run", STANDARD, "--rate", "0", NULL };
    const char *const *cases[] = { check_rate, run_rate };
    struct host_run h;

    (void)state;
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(host_run(&h, cases[i], 20000), 2);
        if (!strstr(h.output,
                    "steady: " STANDARD ":23:24: actor 'heartbeat': rate_ms "
                    "must be in 1..31536000000, got 0 (from --rate on the "
                    "command line, via $rate)\n"))
            fail_msg("unexpected output:\n%s", h.output);
        assert_null(strstr(h.output, "starting"));
        free(h.output);
    }
    assert_int_equal(host_run(&h, check_beats, 20000), 2);
    if (!strstr(h.output, "steady: " STANDARD ":23:38: actor 'heartbeat': "
                          "beats must be at least 1, got 0 (from --beats on "
                          "the command line, via $beats)\n"))
        fail_msg("unexpected output:\n%s", h.output);
    free(h.output);
}

static void test_check_standard_ok(void **state)
{
    const char *args[] = { "check", STANDARD, NULL };
    struct host_run h;

    (void)state;
    assert_int_equal(host_run(&h, args, 20000), 0);
    assert_non_null(strstr(h.output, "ok, graph 'standard': 4 actors, 3 "
                                     "channels"));
    free(h.output);
}

static void test_check_bad_graph_exit_2(void **state)
{
    const char *args[] = { "check", TEST_GRAPHS "/bad/unknown_port.yaml",
                           NULL };
    struct host_run h;

    (void)state;
    assert_int_equal(host_run(&h, args, 20000), 2);
    assert_non_null(strstr(h.output, "unknown_port.yaml:"));
    assert_non_null(strstr(h.output, "no port"));
    free(h.output);
}

static void test_run_unknown_flag_suggests(void **state)
{
    const char *args[] = { "run", STANDARD, "--rat", "5", NULL };
    struct host_run h;

    (void)state;
    assert_int_equal(host_run(&h, args, 20000), 2);
    assert_non_null(strstr(h.output, "--rat"));
    assert_non_null(strstr(h.output, "--rate"));
    free(h.output);
}

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    char buf[65536];
    size_t n;

    assert_non_null(in);
    assert_non_null(out);
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    fclose(out);
}

/* plugin: sub/x.so in a graph means next to the graph file, wherever the
 * host runs from. */
static void test_check_plugin_path_relative_to_graph(void **state)
{
    char dir[] = "/tmp/steady-rel-XXXXXX";
    char sub[64], so[96], graph[96];
    const char *args[] = { "check", graph, NULL };
    struct host_run h;
    FILE *f;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(sub, sizeof(sub), "%s/sub", dir);
    snprintf(so, sizeof(so), "%s/tp_sleeper.so", sub);
    snprintf(graph, sizeof(graph), "%s/g.yaml", dir);
    assert_int_equal(mkdir(sub, 0777), 0);
    copy_file(STEADY_TEST_PLUGIN_DIR "/tp_sleeper.so", so);
    f = fopen(graph, "w");
    assert_non_null(f);
    fputs("graph: rel\nactors:\n  s: { plugin: sub/tp_sleeper.so }\n", f);
    fclose(f);
    assert_int_equal(host_run(&h, args, 20000), 0);
    assert_non_null(strstr(h.output, "ok, graph 'rel': 1 actor"));
    free(h.output);
    unlink(graph);
    unlink(so);
    rmdir(sub);
    rmdir(dir);
}

static void test_cli_usage_errors(void **state)
{
    const char *no_cmd[] = { NULL };
    const char *bad_cmd[] = { "launch", STANDARD, NULL };
    const char *bad_level[] = { "--log-level", "loud", "run", STANDARD, NULL };
    const char *no_file[] = { "run", "/nonexistent/graph.yaml", NULL };
    const char *bad_tel[] = { "check", STANDARD, "--telemetry", "nowhere",
                              NULL };
    struct host_run h;

    (void)state;
    assert_int_equal(host_run(&h, no_cmd, 20000), 2);
    assert_non_null(strstr(h.output, "Usage"));
    free(h.output);
    assert_int_equal(host_run(&h, bad_cmd, 20000), 2);
    assert_non_null(strstr(h.output, "unknown command 'launch'"));
    free(h.output);
    assert_int_equal(host_run(&h, bad_level, 20000), 2);
    assert_non_null(strstr(h.output, "--log-level 'loud'"));
    free(h.output);
    assert_int_equal(host_run(&h, no_file, 20000), 2);
    assert_non_null(strstr(h.output, "/nonexistent/graph.yaml"));
    free(h.output);
    assert_int_equal(host_run(&h, bad_tel, 20000), 2);
    assert_non_null(strstr(h.output, "--telemetry"));
    free(h.output);
}

static void test_cli_help_and_version(void **state)
{
    const char *help[] = { "--help", NULL };
    const char *version[] = { "--version", NULL };
    struct host_run h;

    (void)state;
    assert_int_equal(host_run(&h, help, 20000), 0);
    assert_non_null(strstr(h.output, "steady run GRAPH"));
    assert_non_null(strstr(h.output, "Exit status"));
    free(h.output);
    assert_int_equal(host_run(&h, version, 20000), 0);
    assert_non_null(strstr(h.output, "plugin ABI 1."));
    free(h.output);
}

static void test_inspect_describes_worker(void **state)
{
    const char *args[] = { "inspect", "worker", NULL };
    const char *missing[] = { "inspect", "wroker", NULL };
    struct host_run h;

    (void)state;
    assert_int_equal(host_run(&h, args, 20000), 0);
    assert_non_null(strstr(h.output, "values"));
    assert_non_null(strstr(h.output, "fizzbuzz_msg"));
    free(h.output);
    assert_int_equal(host_run(&h, missing, 20000), 2);
    assert_non_null(strstr(h.output, "did you mean 'worker'"));
    free(h.output);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_standard_exact_sequence),
        cmocka_unit_test(test_run_troupe_same_sequence),
        cmocka_unit_test(test_run_robust_restarts_lose_nothing),
        cmocka_unit_test(test_run_sigint_drains_everything),
        cmocka_unit_test(test_run_shutdown_timeout_names_actors),
        cmocka_unit_test(test_run_second_signal_forces_exit),
        cmocka_unit_test(test_run_init_failure_is_reported),
        cmocka_unit_test(test_params_out_of_range_refused),
        cmocka_unit_test(test_check_standard_ok),
        cmocka_unit_test(test_check_bad_graph_exit_2),
        cmocka_unit_test(test_run_unknown_flag_suggests),
        cmocka_unit_test(test_check_plugin_path_relative_to_graph),
        cmocka_unit_test(test_cli_usage_errors),
        cmocka_unit_test(test_cli_help_and_version),
        cmocka_unit_test(test_inspect_describes_worker),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

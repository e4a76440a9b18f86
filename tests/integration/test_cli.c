/* test_cli.c - the host's command line on inputs that once broke it: many
 * graph args in both spellings (a heap overflow), values that are missing
 * or are options, numbers in surprising bases, durations whose nanoseconds
 * do not fit, and ports with a sign. Each is run or refused with exit 2 and
 * a message, never a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the headers above */
#include "host_run.h"

#include <cmocka.h>

#define STANDARD STEADY_SOURCE_DIR "/graphs/standard.yaml"

static void expect(const char *const *args, int status, const char *text)
{
    struct host_run h;

    /* `plugins` checks every test plugin in a process of its own: about a
     * second each under a sanitizer on a loaded machine */
    assert_int_equal(host_run(&h, args, 90000), status);
    if (text && !strstr(h.output, text))
        fail_msg("output lacks '%s':\n%s", text, h.output);
    free(h.output);
}

/* The command: exit 139 (heap-buffer-overflow) before. */
static void test_four_equals_overrides_refused_cleanly(void **state)
{
    const char *args[] = { "check", STANDARD, "--a=1", "--b=2",
                           "--c=3", "--d=4",  NULL };

    (void)state;
    expect(args, 2, "unknown flag '--a'");
}

static void test_many_overrides_work(void **state)
{
    const char *args[64];
    size_t n = 0;

    (void)state;
    args[n++] = "check";
    args[n++] = STANDARD;
    while (n < 56) {
        args[n++] = "--rate=7";
        args[n++] = "--beats";
        args[n++] = "9";
    }
    args[n] = NULL;
    expect(args, 0, "ok, graph 'standard'");
}

static void test_missing_and_option_values(void **state)
{
    const char *last[] = { "check", STANDARD, "--beats", NULL };
    const char *opt_last[] = { "check", STANDARD, "--state-dir", NULL };
    const char *as_value[] = {
        "check", STANDARD, "--rate", "--beats", "3", NULL
    };

    (void)state;
    expect(last, 2, "steady: --beats needs a value");
    expect(opt_last, 2, "steady: --state-dir needs a value");
    expect(as_value, 2, "--rate needs a value, got the option '--beats'");
}

/* Base 0 read 010 as 8 and 0x10 as 16 without a word. */
static void test_int_numbers_decimal_or_0x(void **state)
{
    const char *octal[] = { "check", STANDARD, "--beats", "010", NULL };
    const char *hex[] = { "run", STANDARD,      "--beats", "0x3", "--rate",
                          "10",  "--telemetry", "off",     NULL };

    (void)state;
    expect(octal, 2,
           "param 'beats' takes an integer such as 42 (decimal, "
           "or hex with 0x such as 0x2a; no leading 0), got '010' "
           "(from $beats)");
    expect(hex, 0, "sent 3 beats");
}

/* 18446744073710 ms in ns wrapped to a few ms: beats fired at once. Now
 * the heartbeat's declared range refuses it before anything runs. */
static void test_huge_duration_refused(void **state)
{
    const char *args[] = { "run",         STANDARD, "--rate", "18446744073710",
                           "--telemetry", "off",    NULL };

    (void)state;
    expect(args, 2,
           "actor 'heartbeat': rate_ms must be in 1..31536000000, got "
           "18446744073710 (from --rate on the command line, via $rate)");
}

/* What the bundled plugins declare shows in `steady inspect`. */
static void test_inspect_shows_limits_and_docs(void **state)
{
    const char *heartbeat[] = { "inspect", "heartbeat", NULL };
    const char *worker[] = { "inspect", "worker", "--json", NULL };

    (void)state;
    expect(heartbeat, 0,
           "  out   out  u64       8  required  the beat count, 0, 1, ..., "
           "one every rate_ms\n");
    expect(heartbeat, 0,
           "  rate_ms          int   1000     1..31536000000  milliseconds "
           "between beats");
    expect(heartbeat, 0, "  beats            int   120      >= 1   ");
    expect(worker, 0,
           "{ \"name\": \"batch\", \"type\": \"int\", \"default\": \"0\", "
           "\"required\": false, \"doc\": ");
    expect(worker, 0, "\"min\": 0, \"max\": null, \"one_of\": null }");
}

/* The stock actors' descriptions: any-typed ports, bundles, port docs
 * and param ranges, as a user reads them. */
static void test_inspect_describes_the_stock_actors(void **state)
{
    const char *seq[] = { "inspect", "seq", NULL };
    const char *tee[] = { "inspect", "tee", NULL };
    const char *merge[] = { "inspect", "merge", NULL };
    const char *split[] = { "inspect", "split", NULL };
    const char *sink[] = { "inspect", "sink", NULL };
    const char *print[] = { "inspect", "print", NULL };
    const char *tee_json[] = { "inspect", "tee", "--json", NULL };

    (void)state;
    expect(seq, 0,
           "  out   out  u64       8  required  start, start+1, ..., then "
           "end of stream\n");
    expect(seq, 0, "  start  int   0        >= 0   the first value\n");
    expect(seq, 0,
           "  count  int   0        >= 0   values to send before ending "
           "(0: endless)\n");
    expect(tee, 0,
           "  in    in   any     any  required         items of any "
           "type\n");
    expect(tee, 0,
           "  out   out  any     any  required bundle  a copy of "
           "every item on each channel\n");
    expect(tee, 0, "params: none\n");
    expect(merge, 0,
           "  in    in   any     any  required bundle  items of "
           "any type, from any number of channels\n");
    expect(merge, 0,
           "  out   out  any     any  required         every "
           "input item, inputs interleaved fairly\n");
    expect(split, 0,
           "  out   out  any     any  required bundle  item i "
           "goes to channel i mod n\n");
    expect(sink, 0,
           "  in    in   any     any  required  items of any type, "
           "all taken and counted\n");
    expect(print, 0,
           "  in    in   any     any  required  items of any type, "
           "each logged at info\n");
    expect(print, 0,
           "  max_bytes  int   64       1..65536  bytes of a text "
           "or hex item shown");
    expect(tee_json, 0, "\"any_type\": true");
    expect(tee_json, 0, "\"bundle\": true");
}

static void test_port_digits_only(void **state)
{
    const char *plus[] = { "check", STANDARD, "--telemetry", "127.0.0.1:+5",
                           NULL };
    const char *zero[] = { "check", STANDARD, "--telemetry", "127.0.0.1:05",
                           NULL };
    char graph[] = "/tmp/steady-port-XXXXXX";
    const char *graph_plus[] = { "check", graph, NULL };
    int fd = mkstemp(graph);
    static const char text[] =
        "graph: port\ntelemetry: { listen: \"127.0.0.1:+9900\" }\n"
        "actors:\n  s: { plugin: tp_sleeper }\n";

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, sizeof(text) - 1), sizeof(text) - 1);
    close(fd);
    expect(plus, 2, "--telemetry: expected ADDR:PORT");
    expect(zero, 2, "got '127.0.0.1:05'");
    /* the graph file's telemetry.listen goes through the same parser */
    expect(graph_plus, 2,
           "telemetry listen port must be 0 to 65535, got "
           "'+9900'");
    unlink(graph);
}

/* Finding plugins: the list, one plugin as JSON, each command's help. */
static void test_plugins_inspect_json_and_help(void **state)
{
    const char *list[] = { "plugins", NULL };
    const char *inspect_all[] = { "inspect", NULL };
    const char *json[] = { "inspect", "worker", "--json", NULL };
    const char *missing[] = { "inspect", "wroker", NULL };
    const char *run_help[] = { "run", "--help", NULL };
    const char *scaffold_help[] = { "new-plugin", "-h", NULL };
    const char *json_run[] = { "run", STANDARD, "--json", NULL };

    (void)state;
    expect(list, 0, "(steady inspect NAME for details)");
    expect(list, 0, "heartbeat        1.0      sends a beat every rate_ms");
    expect(inspect_all, 0, "worker.so");
    expect(json, 0,
           "\"name\": \"values\", \"direction\": \"in\", "
           "\"type\": \"u64\", \"size\": 8, \"required\": true");
    expect(json, 0, "\"channel_layout\": 3");
    expect(json, 0, "\"name\": \"batch\", \"type\": \"int\"");
    expect(missing, 2, "did you mean 'worker'?");
    expect(run_help, 0, "Usage: steady run GRAPH");
    expect(scaffold_help, 0, "Usage: steady new-plugin NAME [DIR]");
    expect(json_run, 2, "--json is an option of inspect, not of run");
}

/* --log-level debug says where each actor came from, its final params
 * and the wiring. */
static void test_debug_log_shows_the_plan(void **state)
{
    const char *args[] = { "check",       STANDARD, "--beats", "7",
                           "--log-level", "debug",  NULL };

    (void)state;
    expect(args, 0, "actor 'heartbeat': plugin heartbeat 1.0 from ");
    expect(args, 0, "/heartbeat.so; params: rate_ms=1000, beats=7");
    expect(args, 0,
           "channel worker.out -> logger.in: type fizzbuzz_msg (8 "
           "bytes), capacity 64");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plugins_inspect_json_and_help),
        cmocka_unit_test(test_debug_log_shows_the_plan),
        cmocka_unit_test(test_four_equals_overrides_refused_cleanly),
        cmocka_unit_test(test_many_overrides_work),
        cmocka_unit_test(test_missing_and_option_values),
        cmocka_unit_test(test_int_numbers_decimal_or_0x),
        cmocka_unit_test(test_huge_duration_refused),
        cmocka_unit_test(test_inspect_shows_limits_and_docs),
        cmocka_unit_test(test_inspect_describes_the_stock_actors),
        cmocka_unit_test(test_port_digits_only),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

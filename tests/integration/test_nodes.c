/* test_nodes.c - a graph spread over two nodes, and a durable channel, run
 * by the real host against a real nats-server (JetStream, loopback, a free
 * port, a temporary store; stopped at the end even when a test fails):
 * the two-node standard graph logs exactly fizzbuzz(0..N-1); so it does,
 * over all runs together, with state folders and snapshots, across a kill
 * -9 of the downstream node, of the upstream node, and a restart of the
 * server; so does a durable channel inside one node across a kill -9; a
 * node waits for its missing neighbour and says so; a server that does not
 * answer, or a bad URL, is refused at start (exit 2) naming it; a shutdown
 * notice sent while a node is down reaches it when it comes back (either
 * node), and a graph that ended through one leaves none for the next run.
 */
#include "host_run.h"
#include "nats_server.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h first. */
#include <cmocka.h>
/* after cmocka.h: it asserts */
#include "sequence.h"

#define GRAPH        STEADY_SOURCE_DIR "/graphs/standard_2nodes.yaml"
#define DURABLE      STEADY_SOURCE_DIR "/tests/graphs/nodes/standard_durable.yaml"
#define BACKPRESSURE STEADY_SOURCE_DIR "/tests/graphs/nodes/backpressure.yaml"
#define NOTICE       STEADY_SOURCE_DIR "/tests/graphs/nodes/standard_notice.yaml"
#define NOTICE_SENT                                                     \
    "shutdown notice sent on 'steady.standard_notice.control' (stream " \
    "'steady_standard_notice_control')"
#define NOTICE_RECEIVED                                                     \
    "shutdown notice received on 'steady.standard_notice.control' (stream " \
    "'steady_standard_notice_control')"

/* Generous: sanitizers and a loaded machine slow everything down. */
#define RUN_MS  90000
#define SEEN_MS 30000

struct fixture {
    struct nats_server nats;
    char dir[64];       /* state folders and the log file */
    char log_file[128]; /* dir/fizzbuzz.log */
};

static struct fixture fx;

static void rm_rf(const char *path)
{
    char cmd[256];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", path);
}

static int setup(void **state)
{
    (void)state;
    memset(&fx, 0, sizeof(fx));
    if (nats_server_start(&fx.nats) < 0)
        return -1;
    snprintf(fx.dir, sizeof(fx.dir), "/tmp/steady-nodes-XXXXXX");
    if (!mkdtemp(fx.dir))
        return -1;
    snprintf(fx.log_file, sizeof(fx.log_file), "%s/fizzbuzz.log", fx.dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    nats_server_stop(&fx.nats);
    if (fx.dir[0])
        rm_rf(fx.dir);
    return 0;
}

/* Starts node `node` (NULL: a graph of one node) of `graph` with the
 * fixture's server, state folder and log file (NULL: the log). */
static void start_node(struct host_run *h, const char *graph, const char *node,
                       bool to_file)
{
    const char *args[32];
    size_t n = 0;

    args[n++] = "run";
    args[n++] = graph;
    if (node) {
        args[n++] = "--node";
        args[n++] = node;
    }
    args[n++] = "--nats";
    args[n++] = fx.nats.url;
    args[n++] = "--state-dir";
    args[n++] = fx.dir;
    args[n++] = "--rate";
    args[n++] = "20";
    args[n++] = "--beats";
    args[n++] = "100";
    args[n++] = "--checkpoint-ms";
    args[n++] = "100";
    if (to_file) {
        args[n++] = "--log_file";
        args[n++] = fx.log_file;
    }
    args[n++] = "--telemetry";
    args[n++] = "off";
    args[n] = NULL;
    assert_int_equal(host_start(h, args), 0);
}

/* kill -9: the node is gone, its output dropped. */
static void kill9(struct host_run *h)
{
    kill(h->pid, SIGKILL);
    host_wait(h, 10000);
    free(h->output);
    h->output = NULL;
}

/* Waits until the node says `text`; else fails with `failure` and what the
 * node said so far. */
static void await_says(struct host_run *h, const char *text,
                       const char *failure)
{
    if (!host_await_output(h, text, SEEN_MS)) {
        char *out = host_read_output(h);
        fail_msg("%s:\n%s", failure, out);
    }
}

/* The upstream node created the stream (its publisher's init) and runs. */
static void await_started(struct host_run *h)
{
    await_says(h, "starting:", "the node did not start");
}

/* Waits until the log file holds at least `bytes`. */
static void await_file(size_t bytes)
{
    struct stat st;

    for (int waited = 0; waited < SEEN_MS; waited += 10) {
        if (stat(fx.log_file, &st) == 0 && (size_t)st.st_size >= bytes)
            return;
        nats_server_sleep_ms_(10);
    }
    fail_msg("%s did not reach %zu bytes", fx.log_file, bytes);
}

/* N from the last "[generator] sent N values" of out. */
static unsigned long long generator_sent(const char *out)
{
    const char *at = NULL, *p = out;
    unsigned long long n = 0;

    while ((p = strstr(p, "[generator] sent "))) {
        at = p;
        p++;
    }
    if (!at || sscanf(at, "[generator] sent %llu", &n) != 1)
        fail_msg("no '[generator] sent N' in:\n%s", out);
    return n;
}

/* The log file holds exactly fizzbuzz(0..n-1), one per line. */
static void assert_file_sequence(unsigned long long n)
{
    char *text = read_file_text(fx.log_file), *p = text, want[64];
    unsigned long long i = 0;

    assert_true(n > 0);
    while (*p) {
        char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);

        fizzbuzz_text(i, want, sizeof(want));
        if (len != strlen(want) || strncmp(p, want, len) != 0)
            fail_msg("line %llu is '%.*s', expected '%s'", i, (int)len, p,
                     want);
        i++;
        p += len + (eol ? 1 : 0);
    }
    free(text);
    if (i != n)
        fail_msg("the log file has %llu messages, the generator sent %llu", i,
                 n);
}

static void assert_clean(struct host_run *h, const char *who)
{
    if (host_wait(h, RUN_MS) != 0) {
        /* the whole output: cmocka cuts a message at 1 KB */
        fprintf(stderr, "%s exited with %d:\n%s\n", who, h->status, h->output);
        fail_msg("%s exited with %d (output above)", who, h->status);
    }
}

/* Both nodes ended cleanly (`up_name` and `down_name` say which run of
 * each a failure is about) and the log file holds exactly what upstream's
 * generator sent. */
static void assert_both_clean_exact(struct host_run *up, const char *up_name,
                                    struct host_run *down,
                                    const char *down_name)
{
    assert_clean(up, up_name);
    assert_clean(down, down_name);
    assert_file_sequence(generator_sent(up->output));
}

/* The generator's count upstream and the logger's lines downstream, read
 * together, are exactly fizzbuzz(0..N-1). */
static void assert_outputs_exact(const struct host_run *up,
                                 const struct host_run *down)
{
    size_t len = strlen(up->output) + strlen(down->output) + 1;
    char *all = malloc(len);

    assert_non_null(all);
    snprintf(all, len, "%s%s", up->output, down->output);
    assert_true(assert_exact_sequence(all) > 0);
    free(all);
}

static void free_both(struct host_run *up, struct host_run *down)
{
    free(up->output);
    free(down->output);
}

/* Waits `ms`, then the node must still be running. */
static void assert_still_running_after(const struct host_run *h, int ms)
{
    nats_server_sleep_ms_(ms);
    assert_int_equal(kill(h->pid, 0), 0);
}

/* How a test starts node `node` of its two-node graph. */
typedef void (*start_fn)(struct host_run *h, const char *node);

/* The standard two-node graph, logging to the fixture's file. */
static void start_logging_node(struct host_run *h, const char *node)
{
    start_node(h, GRAPH, node, true);
}

/* Starts upstream, waits until it runs, starts downstream and waits until
 * the log file holds `bytes`: both nodes are well into the run. */
static void start_both(start_fn start, struct host_run *up,
                       struct host_run *down, size_t bytes)
{
    start(up, "upstream");
    await_started(up);
    start(down, "downstream");
    await_file(bytes);
}

/* Starts node `node` of the notice graph, which runs until it is asked to
 * stop, with the fixture's server, state folder and log file. */
static void start_notice_node(struct host_run *h, const char *node)
{
    const char *args[] = { "run",        NOTICE,      "--node",      node,
                           "--nats",     fx.nats.url, "--state-dir", fx.dir,
                           "--log_file", fx.log_file, "--telemetry", "off",
                           NULL };

    assert_int_equal(host_start(h, args), 0);
}

static void assert_says(const struct host_run *h, const char *who,
                        const char *text)
{
    if (!strstr(h->output, text))
        fail_msg("%s did not say \"%s\":\n%s", who, text, h->output);
}

/* The size of the log file now. */
static size_t file_size(void)
{
    struct stat st;

    return stat(fx.log_file, &st) == 0 ? (size_t)st.st_size : 0;
}

/* The node, still running, has not been stopped by a notice. */
static void assert_no_notice_yet(const struct host_run *h, const char *who)
{
    char *out = host_read_output(h);

    if (strstr(out, "shutdown notice received"))
        fail_msg("%s took a notice of an earlier run:\n%s", who, out);
    free(out);
}

/* Both nodes of the notice graph run on from where they were: neither is
 * stopped by a notice of an earlier run; then a SIGTERM upstream ends the
 * graph. The sequence over all runs is exact. */
static void run_notice_graph_again(void)
{
    struct host_run up, down;

    start_both(start_notice_node, &up, &down, file_size() + 4000);
    assert_still_running_after(&up, 1000);
    assert_int_equal(kill(down.pid, 0), 0);
    assert_no_notice_yet(&up, "upstream");
    assert_no_notice_yet(&down, "downstream");
    kill(up.pid, SIGTERM);
    assert_both_clean_exact(&up, "upstream (next run)", &down,
                            "downstream (next run)");
    assert_says(&down, "downstream (next run)", NOTICE_RECEIVED);
    free_both(&up, &down);
}

static void test_two_nodes_exact(void **state)
{
    struct host_run up, down;

    (void)state;
    start_node(&up, GRAPH, "upstream", false);
    await_started(&up);
    start_node(&down, GRAPH, "downstream", false);
    assert_clean(&up, "upstream");
    assert_clean(&down, "downstream");
    assert_outputs_exact(&up, &down);
    /* the stream and the drain in order, as the log says */
    assert_non_null(strstr(up.output, "created stream "
                                      "'steady_standard_2nodes_worker-out'"));
    assert_non_null(strstr(down.output, "end of stream"));
    free_both(&up, &down);
}

static void test_kill_downstream(void **state)
{
    struct host_run up, down;

    (void)state;
    start_both(start_logging_node, &up, &down, 4000);
    kill9(&down);
    start_logging_node(&down, "downstream");
    assert_both_clean_exact(&up, "upstream", &down, "downstream (restarted)");
    free_both(&up, &down);
}

static void test_kill_upstream(void **state)
{
    struct host_run up, down;

    (void)state;
    start_both(start_logging_node, &up, &down, 4000);
    kill9(&up);
    start_logging_node(&up, "upstream");
    assert_both_clean_exact(&up, "upstream (restarted)", &down, "downstream");
    free_both(&up, &down);
}

static void test_nats_restart(void **state)
{
    struct host_run up, down;

    (void)state;
    start_both(start_logging_node, &up, &down, 4000);
    assert_int_equal(nats_server_restart(&fx.nats), 0);
    assert_both_clean_exact(&up, "upstream", &down, "downstream");
    free_both(&up, &down);
}

static void test_durable_kill(void **state)
{
    struct host_run h;

    (void)state;
    start_node(&h, DURABLE, NULL, true);
    await_file(4000);
    kill9(&h);
    start_node(&h, DURABLE, NULL, true);
    assert_clean(&h, "the durable graph (restarted)");
    assert_file_sequence(generator_sent(h.output));
    free(h.output);
}

/* The durable graph run twice without a state folder (state in memory
 * only): the second run's message ids must not be the first run's, which
 * the server still remembers for de-duplication (it would drop every
 * message and the logger would wait for ever). */
static void test_durable_rerun_without_state(void **state)
{
    const char *args[] = { "run",         DURABLE,      "--nats",
                           fx.nats.url,   "--rate",     "20",
                           "--beats",     "10",         "--checkpoint-ms",
                           "off",         "--log_file", fx.log_file,
                           "--telemetry", "off",        NULL };
    struct host_run h;

    (void)state;
    for (int run = 0; run < 2; run++) {
        assert_int_equal(host_start(&h, args), 0);
        assert_clean(&h, run ? "the second run" : "the first run");
        /* the logger starts its file afresh without a state folder */
        assert_file_sequence(generator_sent(h.output));
        free(h.output);
    }
}

/* Upstream alone: its stream fills, and it waits for the consumer, saying
 * so, rather than failing; the downstream node then takes it all. */
static void test_missing_neighbour_waits(void **state)
{
    struct host_run up, down;

    (void)state;
    start_logging_node(&up, "upstream");
    await_says(&up, "waiting for its consumer",
               "upstream did not say it waits");
    assert_still_running_after(&up, 500);
    start_logging_node(&down, "downstream");
    assert_both_clean_exact(&up, "upstream", &down, "downstream");
    free_both(&up, &down);
}

/* The consuming node may start first: it makes the stream and waits. */
static void test_downstream_first(void **state)
{
    struct host_run up, down;

    (void)state;
    start_logging_node(&down, "downstream");
    await_says(&down, "created stream", "downstream did not make its stream");
    /* still running, waiting for the producer */
    assert_int_equal(kill(down.pid, 0), 0);
    start_logging_node(&up, "upstream");
    assert_both_clean_exact(&up, "upstream", &down, "downstream");
    free_both(&up, &down);
}

/* Variable-size messages cross a durable channel whole and in order. */
static void test_durable_varsize(void **state)
{
    struct host_run h;
    const char *args[] = { "run",
                           STEADY_SOURCE_DIR
                           "/tests/graphs/nodes/text_durable.yaml",
                           "--nats", fx.nats.url, NULL };

    (void)state;
    if (host_run(&h, args, RUN_MS) != 0)
        fail_msg("exited with %d:\n%s", h.status, h.output);
    assert_non_null(strstr(h.output, "took 200 messages"));
    assert_non_null(strstr(h.output, "last 199, 0 bad"));
    free(h.output);
}

/* SIGTERM on the consuming node: the notice reaches the producing node,
 * which stops, and the graph drains in order through the link. */
static void test_shutdown_from_downstream(void **state)
{
    struct host_run up, down;
    /* its own state folder: the graph's default one is shared */
    const char *up_args[] = { "run",         GRAPH,         "--node",
                              "upstream",    "--nats",      fx.nats.url,
                              "--rate",      "1000",        "--beats",
                              "1000",        "--state-dir", fx.dir,
                              "--telemetry", "off",         NULL };
    const char *down_args[] = { "run",         GRAPH,    "--node",
                                "downstream",  "--nats", fx.nats.url,
                                "--state-dir", fx.dir,   "--telemetry",
                                "off",         NULL };

    (void)state;
    assert_int_equal(host_start(&up, up_args), 0);
    await_started(&up);
    assert_int_equal(host_start(&down, down_args), 0);
    await_says(&down, "[logger] Msg", "downstream logged nothing");
    kill(down.pid, SIGTERM);
    assert_clean(&down, "downstream");
    assert_clean(&up, "upstream");
    assert_non_null(strstr(up.output, "shutdown notice received"));
    assert_outputs_exact(&up, &down);
    free_both(&up, &down);
}

/* The downstream node is down (killed) when the upstream node is asked to
 * stop: upstream drains into the link and ends; its notice waits in the
 * control stream, and the downstream node, started again, gets it, drains
 * to the end-of-stream marker and ends (its own source, which ends only on
 * shutdown, would keep it running otherwise). Then a next run of both
 * nodes is not stopped by that notice. */
static void test_notice_reaches_downstream_that_was_down(void **state)
{
    struct host_run up, down;

    (void)state;
    start_both(start_notice_node, &up, &down, 4000);
    kill9(&down);
    kill(up.pid, SIGTERM);
    assert_clean(&up, "upstream");
    assert_says(&up, "upstream", NOTICE_SENT);
    start_notice_node(&down, "downstream");
    assert_clean(&down, "downstream (started again)");
    assert_says(&down, "downstream (started again)", NOTICE_RECEIVED);
    assert_says(&down, "downstream (started again)", "end of stream");
    assert_file_sequence(generator_sent(up.output));
    free_both(&up, &down);
    run_notice_graph_again();
}

/* The upstream node is down (killed) when the downstream node is asked to
 * stop: downstream waits in its drain for the end-of-stream marker instead
 * of failing; upstream, started again, gets the notice, drains and ends,
 * and so does downstream. The killed run may have stored more than the
 * restored one makes before the notice stops it; the next run makes that
 * again, dropped as duplicates: exact over all runs. */
static void test_notice_reaches_upstream_that_was_down(void **state)
{
    struct host_run up, down;

    (void)state;
    start_both(start_notice_node, &up, &down, 4000);
    kill9(&up);
    kill(down.pid, SIGTERM);
    await_says(&down, NOTICE_SENT, "downstream sent no notice");
    /* still there, waiting for its neighbour */
    assert_still_running_after(&down, 1000);
    start_notice_node(&up, "upstream");
    assert_clean(&up, "upstream (started again)");
    assert_clean(&down, "downstream");
    assert_says(&up, "upstream (started again)", NOTICE_RECEIVED);
    free_both(&up, &down);
    run_notice_graph_again();
}

/* A graph that ended through a notice (from downstream, with both nodes
 * up) leaves none behind for the next run of either node. */
static void test_notice_not_left_for_next_run(void **state)
{
    struct host_run up, down;

    (void)state;
    start_both(start_notice_node, &up, &down, 4000);
    kill(down.pid, SIGTERM);
    assert_clean(&down, "downstream");
    assert_clean(&up, "upstream");
    assert_says(&down, "downstream", NOTICE_SENT);
    assert_says(&up, "upstream", NOTICE_RECEIVED);
    assert_file_sequence(generator_sent(up.output));
    free_both(&up, &down);
    run_notice_graph_again();
}

/* VmRSS of a process in KiB, or -1 (/proc files have no size: read by
 * line). */
static long rss_kib(pid_t pid)
{
    char path[64], line[256];
    long kib = -1;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    f = fopen(path, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "VmRSS: %ld", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

/* A consumer on the far node that never takes: the producer waits once
 * the link holds the channel's capacity, and its memory stays flat. */
static void test_backpressure_keeps_producer_flat(void **state)
{
    struct host_run up, down;
    const char *up_args[] = { "run",    BACKPRESSURE, "--node", "up",
                              "--nats", fx.nats.url,  NULL };
    const char *down_args[] = { "run",    BACKPRESSURE, "--node", "down",
                                "--nats", fx.nats.url,  NULL };
    long before, after;

    (void)state;
    assert_int_equal(host_start(&up, up_args), 0);
    await_started(&up);
    assert_int_equal(host_start(&down, down_args), 0);
    await_says(&up, "waiting for its consumer", "the producer did not wait");
    nats_server_sleep_ms_(1000);
    before = rss_kib(up.pid);
    nats_server_sleep_ms_(3000);
    after = rss_kib(up.pid);
    assert_true(before > 0);
    /* a producer unbounded by the link would hold millions of messages
     * after 3 s (hundreds of MiB); allow the allocator, and a sanitizer's
     * quarantine of freed memory, their noise */
    if (after - before > 16 * 1024)
        fail_msg("the producer grew from %ld KiB to %ld KiB", before, after);
    kill9(&down);
    kill9(&up);
}

static void test_unreachable_server(void **state)
{
    struct host_run h;
    const char *dead[] = { "run",         GRAPH,    "--node",
                           "upstream",    "--nats", "nats://127.0.0.1:1",
                           "--telemetry", "off",    NULL };
    const char *bad[] = { "run",         GRAPH,    "--node",
                          "upstream",    "--nats", "http://127.0.0.1:4222",
                          "--telemetry", "off",    NULL };

    (void)state;
    assert_int_equal(host_run(&h, dead, 30000), 2);
    assert_non_null(strstr(h.output, "nats://127.0.0.1:1"));
    assert_non_null(strstr(h.output, "does not answer"));
    free(h.output);
    assert_int_equal(host_run(&h, bad, 30000), 2);
    assert_non_null(strstr(h.output, "http://127.0.0.1:4222"));
    assert_non_null(strstr(h.output, "unknown scheme"));
    free(h.output);
}

static void test_run_without_node_lists_nodes(void **state)
{
    struct host_run h;
    const char *args[] = { "run", GRAPH, "--telemetry", "off", NULL };
    const char *unknown[] = { "check", GRAPH, "--node", "downstrem", NULL };

    (void)state;
    assert_int_equal(host_run(&h, args, 30000), 2);
    assert_non_null(strstr(h.output, "2 nodes (upstream, downstream)"));
    assert_non_null(strstr(h.output, "--node upstream"));
    free(h.output);
    assert_int_equal(host_run(&h, unknown, 30000), 2);
    assert_non_null(strstr(h.output, "did you mean 'downstream'?"));
    free(h.output);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_run_without_node_lists_nodes,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreachable_server, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_two_nodes_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shutdown_from_downstream, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_missing_neighbour_waits, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_downstream_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kill_downstream, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kill_upstream, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nats_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_durable_kill, setup, teardown),
        cmocka_unit_test_setup_teardown(test_durable_rerun_without_state, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_durable_varsize, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backpressure_keeps_producer_flat,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_notice_reaches_downstream_that_was_down, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_notice_reaches_upstream_that_was_down, setup, teardown),
        cmocka_unit_test_setup_teardown(test_notice_not_left_for_next_run,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

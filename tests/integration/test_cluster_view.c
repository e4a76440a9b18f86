/* test_cluster_view.c - the whole graph of a multi-node run, seen from any
 * node: the two-node standard graph against a real nats-server (loopback,
 * a free port, a temporary store, stopped at the end even when a test
 * fails). Each node's /cluster.dot and /cluster.svg show every node's
 * actors in a cluster per node and the channel between the nodes as one
 * edge with the link's figures; the bridges' own figures are on /metrics;
 * the dashboard shows it in headless Chromium; a node that goes away is
 * shown as silent; a graph of one node says where its whole picture is.
 */
#include "nats_server.h"
#include "tel_client.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h first. */
#include <cmocka.h>

#define GRAPH    STEADY_SOURCE_DIR "/graphs/standard_2nodes.yaml"
#define STANDARD STEADY_SOURCE_DIR "/graphs/standard.yaml"
#define SEEN_MS  30000

static struct nats_server server;
static char dir[64];

static int setup(void **state)
{
    (void)state;
    if (nats_server_start(&server) < 0)
        return -1;
    snprintf(dir, sizeof(dir), "/tmp/steady-cluster-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[128];

    (void)state;
    nats_server_stop(&server);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return 0;
}

/* Starts `node` of the two-node graph, running until stopped, and returns
 * its telemetry port. */
static int start_node(struct host_run *h, const char *node)
{
    const char *args[] = { "run",         GRAPH,         "--node",
                           node,          "--nats",      server.url,
                           "--state-dir", dir,           "--rate",
                           "20",          "--beats",     "100000",
                           "--telemetry", "127.0.0.1:0", NULL };
    int port;

    assert_int_equal(host_start(h, args), 0);
    if (!(port = host_telemetry_port(h, SEEN_MS)))
        fail_msg("node %s did not start telemetry:\n%s", node,
                 host_read_output(h));
    return port;
}

/* Fetches `path` until its body holds every one of want[] (NULL-ended)
 * and none of avoid (may be NULL), within SEEN_MS; fails showing the last
 * body otherwise. Returns the last reply (free it). */
static struct http_reply await_body(int port, const char *path,
                                    const char *const *want, const char *avoid)
{
    struct http_reply r = { 0 };

    for (int waited = 0; waited < SEEN_MS; waited += 100) {
        bool all = true;

        http_reply_free(&r);
        r = http_get(port, path);
        for (size_t i = 0; all && want[i]; i++)
            all = r.status == 200 && r.body && strstr(r.body, want[i]);
        if (all && (!avoid || !strstr(r.body, avoid)))
            return r;
        nats_server_sleep_ms_(100);
    }
    fail_msg("%s on port %d never showed what was expected; last answer "
             "(%d):\n%s",
             path, port, r.status, r.body ? r.body : "");
    return r;
}

static void stop_node(struct host_run *h)
{
    kill(h->pid, SIGTERM);
    host_wait(h, SEEN_MS);
}

/* Stopped with its one SIGTERM, the node drained and exited 0; its whole
 * output on failure. Frees the output. */
static void assert_stopped_cleanly(struct host_run *h, const char *node)
{
    if (h->status != 0) {
        fprintf(stderr, "node %s exited %d; its output:\n%s\n", node, h->status,
                h->output ? h->output : "");
        fail_msg("node %s exited %d, not 0", node, h->status);
    }
    free(h->output);
    h->output = NULL;
}

/* Both nodes show the whole graph: every actor in its node's cluster, the
 * bridges folded into one edge worker -> logger with the link's line. */
static void test_whole_graph_from_both_nodes(void **state)
{
    static const char *const whole[] = { "label=\"node downstream",
                                         "label=\"node upstream",
                                         "\"heartbeat\" [",
                                         "\"generator\" [",
                                         "\"worker\" [",
                                         "\"logger\" [",
                                         "\"worker\" -> \"logger\"",
                                         "over NATS: ",
                                         " redelivered",
                                         NULL };
    static const char *const svg[] = { "<svg", "node upstream",
                                       "node downstream", "over NATS: ", NULL };
    struct host_run down, up;
    struct http_reply r;
    int pd, pu;

    (void)state;
    pd = start_node(&down, "downstream");
    pu = start_node(&up, "upstream");
    /* no bridge is left once both halves are known */
    r = await_body(pd, "/cluster.dot", whole, "nats_pub-");
    assert_null(strstr(r.body, "nats_sub-"));
    assert_non_null(strstr(r.body, "node downstream (here)"));
    http_reply_free(&r);
    r = await_body(pu, "/cluster.dot", whole, "nats_sub-");
    assert_non_null(strstr(r.body, "node upstream (here)"));
    http_reply_free(&r);
    r = await_body(pd, "/cluster.svg", svg, NULL);
    http_reply_free(&r);
    /* each node's own picture still draws its half, bridge and all */
    r = http_get(pd, "/graph.dot");
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "remote: worker.out on node upstream"));
    assert_null(strstr(r.body, "\"heartbeat\""));
    http_reply_free(&r);
    /* the bridges' own figures, per node, for Prometheus */
    {
        static const char *const down_m[] = {
            "actor_count_total{node=\"downstream\",actor_name=\"nats_sub-"
            "worker-out\",figure=\"redelivered\"}",
            "actor_figure{node=\"downstream\",actor_name=\"nats_sub-worker-"
            "out\",figure=\"ack_pending\"}",
            NULL
        };
        static const char *const up_m[] = {
            "actor_count_total{node=\"upstream\",actor_name=\"nats_pub-worker-"
            "out\",figure=\"resent\"}",
            "actor_figure{node=\"upstream\",actor_name=\"nats_pub-worker-"
            "out\",figure=\"unacked\"}",
            NULL
        };
        char *said = NULL;

        r = await_body(pd, "/metrics", down_m, NULL);
        if (promtool_check(r.body, r.body_len, &said) != 0)
            fail_msg("promtool refused downstream's /metrics:\n%s", said);
        free(said);
        http_reply_free(&r);
        r = await_body(pu, "/metrics", up_m, NULL);
        http_reply_free(&r);
    }
    /* the dashboard in a real browser: the whole graph at #whole */
    {
        char url[128], dom[] = "/tmp/steady-cluster-dom-XXXXXX";
        int fd = mkstemp(dom);
        char *text;

        assert_true(fd >= 0);
        close(fd);
        snprintf(url, sizeof(url), "http://127.0.0.1:%d/#whole", pd);
        assert_int_equal(chromium_run(url, dom, NULL), 0);
        text = read_file_text(dom);
        unlink(dom);
        if (!strstr(text, "node upstream") ||
            !strstr(text, "node downstream (here)") ||
            !strstr(text, ">this node</button>") ||
            !strstr(text, "over NATS: "))
            fail_msg("the dashboard shows no whole graph:\n%.4000s", text);
        free(text);
    }
    /* a shutdown asked of one node reaches the other, which drains and
     * ends by itself (a signal of ours could come after its run ended,
     * and a signal then means "leave now": exit 130) */
    stop_node(&up);
    host_wait(&down, SEEN_MS);
    if (down.status == 0 &&
        !strstr(down.output, "shutdown notice received on "))
        fail_msg("downstream ended without the notice:\n%s", down.output);
    assert_stopped_cleanly(&up, "upstream");
    assert_stopped_cleanly(&down, "downstream");
}

/* A node that stops publishing is shown as silent by the others. */
static void test_gone_node_is_silent(void **state)
{
    static const char *const seen[] = { "label=\"node upstream\"", NULL };
    static const char *const silent[] = { "label=\"node upstream (silent ",
                                          "\"worker\" [", NULL };
    struct host_run down, up;
    struct http_reply r;
    int pd;

    (void)state;
    pd = start_node(&down, "downstream");
    start_node(&up, "upstream");
    r = await_body(pd, "/cluster.dot", seen, NULL);
    http_reply_free(&r);
    kill(up.pid, SIGKILL);
    host_wait(&up, SEEN_MS);
    r = await_body(pd, "/cluster.dot", silent, NULL);
    http_reply_free(&r);
    stop_node(&down);
    free(up.output);
    free(down.output);
}

/* A graph of one node has no cluster view; the answer says where to look. */
static void test_one_node_graph(void **state)
{
    const char *args[] = { "run",         STANDARD,      "--beats", "1000",
                           "--telemetry", "127.0.0.1:0", NULL };
    struct host_run h;
    struct http_reply r;
    int port;

    (void)state;
    assert_int_equal(host_start(&h, args), 0);
    if (!(port = host_telemetry_port(&h, SEEN_MS)))
        fail_msg("the host did not start telemetry:\n%s", host_read_output(&h));
    r = http_get(port, "/cluster.svg");
    assert_int_equal(r.status, 503);
    assert_non_null(strstr(r.body, "/graph.svg"));
    http_reply_free(&r);
    stop_node(&h);
    assert_int_equal(h.status, 0);
    free(h.output);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_node_graph),
        cmocka_unit_test_setup_teardown(test_whole_graph_from_both_nodes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_gone_node_is_silent, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

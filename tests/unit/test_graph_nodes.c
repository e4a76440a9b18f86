/* test_graph_nodes.c - graphs spread over nodes and durable channels: the
 * `node:`, `nats:` and `durable:` keys, loading as one node (other nodes'
 * actors stood in for, their plugins never opened), graph_split's bridges
 * with their names and params, and each graph under tests/graphs/nodes/bad/
 * refused at the exact FILE:LINE:COL.
 */
#include "graph.h"
#include "graph_nodes.h"
#include "loader.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h first. */
#include <cmocka.h>

#define GRAPHS STEADY_SOURCE_DIR "/tests/graphs/nodes/"

static struct plugin_registry *reg;
static char err[2048];
static const struct graph_bridges fake = { "tp_natspub", "tp_natssub" };

static int setup(void **state)
{
    (void)state;
    reg = plugin_registry_create(STEADY_TEST_PLUGIN_DIR);
    return reg ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    plugin_registry_destroy(reg);
    return 0;
}

static struct graph *load_as(const char *file, const char *node)
{
    struct graph_load_options opt = { node, NULL };
    struct graph *g;

    err[0] = '\0';
    g = graph_load_node(file, NULL, 0, &opt, reg, err, sizeof(err));
    if (!g)
        fail_msg("unexpected error: %s", err);
    return g;
}

static const struct graph_actor *actor(const struct graph *g, const char *name)
{
    for (size_t i = 0; i < g->n_actors; i++)
        if (strcmp(g->actors[i].name, name) == 0)
            return &g->actors[i];
    fail_msg("no actor '%s'", name);
    return NULL;
}

/* The text of a bridge's param as it will run. */
static const union param_value *param(const struct graph_actor *a,
                                      const char *name)
{
    int i = plugin_param_index(a->plugin->desc, name);

    if (i < 0)
        fail_msg("no param '%s'", name);
    return &a->params[i];
}

static void test_whole_graph_lists_nodes(void **state)
{
    struct graph *g = load_as(GRAPHS "two.yaml", NULL);

    (void)state;
    assert_int_equal(g->n_nodes, 2);
    assert_string_equal(g->nodes[0], "a");
    assert_string_equal(g->nodes[1], "b");
    assert_string_equal(g->nats.url, "nats://127.0.0.1:4222");
    assert_string_equal(g->nats.creds, "/etc/steady/user.creds");
    assert_string_equal(g->nats.tls_ca, "/etc/steady/ca.pem");
    assert_null(g->nats.tls_cert);
    assert_false(actor(g, "sink")->remote);
    assert_string_equal(actor(g, "sink")->node, "b");
    assert_true(graph_channel_crosses(g, &g->channels[1]));
    assert_false(graph_channel_crosses(g, &g->channels[0]));
    graph_destroy(g);
}

static void test_nats_flag_wins(void **state)
{
    struct graph_load_options opt = { NULL, "nats://10.0.0.9:4333" };
    struct graph *g = graph_load_node(GRAPHS "two.yaml", NULL, 0, &opt, reg,
                                      err, sizeof(err));

    (void)state;
    assert_non_null(g);
    assert_string_equal(g->nats.url, "nats://10.0.0.9:4333");
    graph_destroy(g);
}

static void test_split_consumer_node(void **state)
{
    struct graph *g = load_as(GRAPHS "two.yaml", "b");
    const struct graph_actor *sub;

    (void)state;
    assert_true(actor(g, "src")->remote);
    assert_true(actor(g, "copy")->remote);
    assert_int_equal(graph_split(g, reg, &fake, err, sizeof(err)), 0);
    assert_int_equal(g->n_actors, 2);
    assert_string_equal(g->actors[0].name, "sink");
    sub = actor(g, "nats_sub-copy-out");
    assert_true(sub->bridge);
    /* either end may start first: both can make the stream, alike */
    assert_true(param(sub, "create_stream")->b);
    assert_string_equal(sub->node, "b");
    assert_string_equal(sub->any_type, "u64");
    assert_int_equal(sub->any_size, 8);
    assert_string_equal(param(sub, "subject")->s, "steady.two_nodes.copy.out");
    assert_string_equal(param(sub, "stream")->s, "steady_two_nodes_copy-out");
    assert_string_equal(param(sub, "durable")->s, "steady_two_nodes_copy-out");
    assert_string_equal(param(sub, "control")->s, "steady.two_nodes.control");
    assert_string_equal(param(sub, "control_stream")->s,
                        "steady_two_nodes_control");
    assert_string_equal(param(sub, "url")->s, "nats://127.0.0.1:4222");
    assert_string_equal(param(sub, "creds")->s, "/etc/steady/user.creds");
    assert_string_equal(param(sub, "tls_ca")->s, "/etc/steady/ca.pem");
    assert_true(param(sub, "jetstream")->b);
    assert_true(param(sub, "eos")->b);
    assert_int_equal(g->n_channels, 1);
    assert_int_equal(g->channels[0].capacity, 16);
    assert_string_equal(g->actors[g->channels[0].from.actor].name,
                        "nats_sub-copy-out");
    assert_string_equal(g->actors[g->channels[0].to.actor].name, "sink");
    graph_destroy(g);
}

static void test_split_producer_node(void **state)
{
    struct graph *g = load_as(GRAPHS "two.yaml", "a");
    const struct graph_actor *pub;

    (void)state;
    assert_true(actor(g, "sink")->remote);
    assert_int_equal(graph_split(g, reg, &fake, err, sizeof(err)), 0);
    assert_int_equal(g->n_actors, 3);
    pub = actor(g, "nats_pub-copy-out");
    assert_true(param(pub, "msg_id")->b);
    assert_true(param(pub, "create_stream")->b);
    assert_int_equal(param(pub, "max_msgs")->i, 16);
    assert_string_equal(param(pub, "subject")->s, "steady.two_nodes.copy.out");
    /* every bridge of the graph shares one control stream */
    assert_string_equal(param(pub, "control_stream")->s,
                        "steady_two_nodes_control");
    assert_string_equal(pub->any_type, "u64");
    assert_int_equal(g->n_channels, 2);
    assert_string_equal(g->actors[g->channels[1].from.actor].name, "copy");
    assert_string_equal(g->actors[g->channels[1].to.actor].name,
                        "nats_pub-copy-out");
    graph_destroy(g);
}

/* Another node's plugin need not exist here, nor its params make sense. */
static void test_remote_plugin_never_opened(void **state)
{
    struct graph *g = load_as(GRAPHS "absent.yaml", "a");

    (void)state;
    assert_true(actor(g, "far")->remote);
    assert_int_equal(graph_split(g, reg, &fake, err, sizeof(err)), 0);
    assert_int_equal(g->n_actors, 2);
    assert_string_equal(actor(g, "nats_pub-src-out")->any_type, "u64");
    graph_destroy(g);
    /* while the whole graph, which opens every plugin, is refused */
    assert_null(graph_load_node(GRAPHS "absent.yaml", NULL, 0, NULL, reg, err,
                                sizeof(err)));
    assert_non_null(strstr(err, "not_installed_here"));
}

static void test_durable_on_one_node(void **state)
{
    struct graph *g = load_as(GRAPHS "durable.yaml", NULL);

    (void)state;
    assert_true(g->channels[0].durable);
    assert_int_equal(graph_split(g, reg, &fake, err, sizeof(err)), 0);
    assert_int_equal(g->n_actors, 4);
    assert_int_equal(g->n_channels, 2);
    assert_int_equal(param(actor(g, "nats_pub-src-out"), "max_msgs")->i, 8);
    assert_int_equal(param(actor(g, "nats_sub-src-out"), "max_msgs")->i, 8);
    assert_string_equal(param(actor(g, "nats_sub-src-out"), "stream")->s,
                        "steady_durable_src-out");
    /* a durable graph's shutdown is kept too, for a kill in its drain */
    assert_string_equal(
        param(actor(g, "nats_sub-src-out"), "control_stream")->s,
        "steady_durable_control");
    graph_destroy(g);
}

static void test_plain_graph_untouched(void **state)
{
    struct graph *g;

    (void)state;
    err[0] = '\0';
    g = graph_load(STEADY_SOURCE_DIR "/tests/graphs/varsize/plain.yaml", NULL,
                   0, reg, err, sizeof(err));
    assert_non_null(g);
    size_t actors = g->n_actors, channels = g->n_channels;
    /* no bridge plugin is even looked for */
    static const struct graph_bridges none = { "no_such_pub", "no_such_sub" };
    assert_int_equal(graph_split(g, reg, &none, err, sizeof(err)), 0);
    assert_int_equal(g->n_actors, actors);
    assert_int_equal(g->n_channels, channels);
    graph_destroy(g);
}

static void test_bridge_name_taken(void **state)
{
    struct graph *g = load_as(GRAPHS "collide.yaml", "a");

    (void)state;
    assert_int_equal(graph_split(g, reg, &fake, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "collide.yaml:8:5:"));
    assert_non_null(strstr(err, "'nats_pub-src-out'"));
    /* refused: the graph is as loaded */
    assert_int_equal(g->n_actors, 3);
    graph_destroy(g);
}

static void test_bridge_plugin_missing(void **state)
{
    static const struct graph_bridges none = { "no_such_pub", "tp_natssub" };
    struct graph *g = load_as(GRAPHS "two.yaml", "a");

    (void)state;
    assert_int_equal(graph_split(g, reg, &none, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "no_such_pub"));
    graph_destroy(g);
    /* a plugin without the params steady sets is named as such */
    static const struct graph_bridges wrong = { "tp_anycopy", "tp_natssub" };
    g = load_as(GRAPHS "two.yaml", "a");
    assert_int_equal(graph_split(g, reg, &wrong, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "tp_anycopy"));
    graph_destroy(g);
}

static void test_unknown_node(void **state)
{
    struct graph_load_options opt = { "bb", NULL };

    (void)state;
    assert_null(graph_load_node(GRAPHS "two.yaml", NULL, 0, &opt, reg, err,
                                sizeof(err)));
    assert_non_null(strstr(err, "two.yaml:9:"));
    assert_non_null(strstr(err, "--node 'bb'"));
    assert_non_null(strstr(err, "did you mean 'b'?"));
    opt.node = "x";
    assert_null(graph_load_node(GRAPHS "durable.yaml", NULL, 0, &opt, reg, err,
                                sizeof(err)));
    assert_non_null(strstr(err, "names no nodes"));
}

struct bad_case {
    const char *file;
    int line, col;
    const char *words[2];
};

static const struct bad_case bad_cases[] = {
    { "no_nats.yaml", 6, 5, { "goes from node 'a' to node 'b'", "--nats" } },
    { "durable_no_nats.yaml", 6, 5, { "is durable", "--nats URL" } },
    { "durable_not_bool.yaml", 7, 44, { "'durable' takes true or false" } },
    { "missing_node.yaml", 5, 3, { "actor 'sink' says no 'node:'", "4:17" } },
    { "troupe_across.yaml", 5, 3, { "troupe 't'", "one thread of one node" } },
    { "bad_node_name.yaml", 3, 17, { "bad node name 'a b'" } },
    { "nats_typo.yaml", 2, 9, { "unknown key 'uri'", "did you mean 'url'?" } },
    { "nats_empty_url.yaml", 2, 14, { "'nats.url' must not be empty" } },
    { "tls_half.yaml", 4, 8, { "both 'cert' and 'key'" } },
    { "types_across.yaml",
      7,
      5,
      { "sends variable-size 'text' messages", "takes 'u64'" } },
};

static void test_bad_graphs(void **state)
{
    char file[512], prefix[600];

    (void)state;
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const struct bad_case *b = &bad_cases[i];

        snprintf(file, sizeof(file), GRAPHS "bad/%s", b->file);
        err[0] = '\0';
        assert_null(graph_load(file, NULL, 0, reg, err, sizeof(err)));
        snprintf(prefix, sizeof(prefix), "%s:%d:%d: ", file, b->line, b->col);
        if (strncmp(err, prefix, strlen(prefix)) != 0)
            fail_msg("expected prefix '%s'\n got '%s'", prefix, err);
        for (size_t w = 0; w < 2 && b->words[w]; w++)
            if (!strstr(err, b->words[w]))
                fail_msg("expected '%s' in '%s'", b->words[w], err);
    }
}

/* Every file in bad/ is in the table, so none goes untested. */
static void test_bad_graphs_all_listed(void **state)
{
    DIR *dir = opendir(GRAPHS "bad");
    struct dirent *e;

    (void)state;
    assert_non_null(dir);
    while ((e = readdir(dir))) {
        bool listed = e->d_name[0] == '.';

        for (size_t i = 0;
             !listed && i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++)
            listed = strcmp(bad_cases[i].file, e->d_name) == 0;
        if (!listed)
            fail_msg("bad/%s is not in bad_cases", e->d_name);
    }
    closedir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_graph_lists_nodes),
        cmocka_unit_test(test_nats_flag_wins),
        cmocka_unit_test(test_split_consumer_node),
        cmocka_unit_test(test_split_producer_node),
        cmocka_unit_test(test_remote_plugin_never_opened),
        cmocka_unit_test(test_durable_on_one_node),
        cmocka_unit_test(test_plain_graph_untouched),
        cmocka_unit_test(test_bridge_name_taken),
        cmocka_unit_test(test_bridge_plugin_missing),
        cmocka_unit_test(test_unknown_node),
        cmocka_unit_test(test_bad_graphs),
        cmocka_unit_test(test_bad_graphs_all_listed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

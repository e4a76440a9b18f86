/* test_ports.c - bundles and any-typed ports in the graph loader: bundle
 * channels numbered in file order or by explicit index, max_wired and
 * plain ports, types of
 * any-typed ports resolved along chains from either side, conflicts and
 * unresolvable channels refused at FILE:LINE:COL naming both sources; and
 * the telemetry picture of bundle channels (one edge each, labels that
 * tell them apart). The bad graphs with one error each are in
 * tests/graphs/bad/ (test_graph.c); these are the combinations.
 */
#include "dot.h"
#include "graph.h"
#include "loader.h"
#include "metrics.h"
#include "strbuf.h"
#include "telemetry.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h first. */
#include <cmocka.h>

static struct plugin_registry *reg;
static char err[2048];
static char tmpdir[64];
static char tmpfiles[64][128];
static size_t n_tmpfiles;

static int setup(void **state)
{
    (void)state;
    reg = plugin_registry_create(STEADY_TEST_PLUGIN_DIR);
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_ports.XXXXXX");
    return reg && mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    plugin_registry_destroy(reg);
    for (size_t i = 0; i < n_tmpfiles; i++)
        unlink(tmpfiles[i]);
    rmdir(tmpdir);
    return 0;
}

/* Writes text to a new file in the temporary folder; returns its path. */
static const char *write_tmp(const char *name, const char *text)
{
    char *path = tmpfiles[n_tmpfiles];
    FILE *f;

    assert_true(n_tmpfiles < sizeof(tmpfiles) / sizeof(tmpfiles[0]));
    snprintf(path, sizeof(tmpfiles[0]), "%s/%s", tmpdir, name);
    n_tmpfiles++;
    f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    fclose(f);
    return path;
}

static struct graph *load_ok(const char *file)
{
    struct graph *g = graph_load(file, NULL, 0, reg, err, sizeof(err));

    if (!g)
        fail_msg("unexpected error: %s", err);
    return g;
}

/* Loading fails at FILE:LINE:COL with each of the NULL-terminated words. */
static void expect_error(const char *file, int line, int col, ...)
{
    char prefix[512];
    const char *word;
    va_list ap;
    struct graph *g = graph_load(file, NULL, 0, reg, err, sizeof(err));

    if (g)
        fail_msg("%s loaded but should not", file);
    snprintf(prefix, sizeof(prefix), "%s:%d:%d: ", file, line, col);
    if (strncmp(err, prefix, strlen(prefix)) != 0)
        fail_msg("expected prefix '%s'\n got '%s'", prefix, err);
    va_start(ap, col);
    while ((word = va_arg(ap, const char *)))
        if (!strstr(err, word))
            fail_msg("expected '%s' in '%s'", word, err);
    va_end(ap);
}

static const struct graph_actor *actor(const struct graph *g, const char *name)
{
    for (size_t i = 0; i < g->n_actors; i++)
        if (strcmp(g->actors[i].name, name) == 0)
            return &g->actors[i];
    fail_msg("no actor '%s'", name);
    return NULL;
}

static void expect_channel(const struct graph *g, size_t i, const char *from,
                           const char *to, const char *type, size_t size)
{
    char f[256], t[256];

    assert_true(i < g->n_channels);
    assert_string_equal(
        graph_endpoint_name(g, &g->channels[i].from, f, sizeof(f)), from);
    assert_string_equal(
        graph_endpoint_name(g, &g->channels[i].to, t, sizeof(t)), to);
    assert_string_equal(g->channels[i].type_name, type);
    assert_int_equal(g->channels[i].elem_size, size);
}

/* ---- bundles ---------------------------------------------------------- */

/* A bundle's channels are numbered 0.. in the order the file lists them,
 * on both sides, whatever the other lines between them. */
static void test_bundle_indices_follow_file_order(void **state)
{
    const char *f = write_tmp("order.yaml", "graph: order\n"
                                            "actors:\n"
                                            "  src: { plugin: tp_src }\n"
                                            "  fanout: { plugin: tp_fanout }\n"
                                            "  fanin: { plugin: tp_fanin }\n"
                                            "  sink: { plugin: tp_sink }\n"
                                            "channels:\n"
                                            "  - fanout.out -> sink.in\n"
                                            "  - src.out -> fanout.in\n"
                                            "  - fanout.out -> fanin.in\n"
                                            "  - fanout.out -> sink.extra\n"
                                            "  - fanout.out -> fanin.in\n");
    struct graph *g = load_ok(f);

    (void)state;
    assert_int_equal(g->n_channels, 5);
    expect_channel(g, 0, "fanout.out[0]", "sink.in", "u64", 8);
    expect_channel(g, 1, "src.out", "fanout.in", "u64", 8);
    expect_channel(g, 2, "fanout.out[1]", "fanin.in[0]", "u64", 8);
    expect_channel(g, 3, "fanout.out[2]", "sink.extra", "u64", 8);
    expect_channel(g, 4, "fanout.out[3]", "fanin.in[1]", "u64", 8);
    assert_int_equal(g->channels[4].from.index, 3);
    assert_int_equal(g->channels[4].to.index, 1);
    assert_int_equal(g->channels[1].from.index, 0); /* plain ports: 0 */
    assert_null(actor(g, "fanout")->any_type);
    graph_destroy(g);
}

/* max_wired is a limit, not a count: up to it loads; a plain port, even
 * on a plugin with bundles, still takes one channel. */
static void test_bundle_limits_and_plain_ports(void **state)
{
    const char *four = write_tmp("four.yaml", "graph: four\n"
                                              "actors:\n"
                                              "  src: { plugin: tp_src }\n"
                                              "  fo: { plugin: tp_fanout }\n"
                                              "  fi: { plugin: tp_fanin }\n"
                                              "channels:\n"
                                              "  - src.out -> fo.in\n"
                                              "  - fo.out -> fi.in\n"
                                              "  - fo.out -> fi.in\n"
                                              "  - fo.out -> fi.in\n"
                                              "  - fo.out -> fi.in\n");
    const char *twice = write_tmp("twice.yaml", "graph: twice\n"
                                                "actors:\n"
                                                "  a: { plugin: tp_src }\n"
                                                "  b: { plugin: tp_src }\n"
                                                "  fo: { plugin: tp_fanout }\n"
                                                "  fi: { plugin: tp_fanin }\n"
                                                "channels:\n"
                                                "  - fo.out -> fi.in\n"
                                                "  - a.out -> fo.in\n"
                                                "  - b.out -> fo.in\n");
    const char *one = write_tmp("one.yaml", "graph: one\n"
                                            "actors:\n"
                                            "  src: { plugin: tp_src }\n"
                                            "  fi: { plugin: tp_fanin }\n"
                                            "channels: [ src.out -> fi.in ]\n");
    struct graph *g;

    (void)state;
    g = load_ok(four);
    assert_int_equal(g->n_channels, 5);
    expect_channel(g, 4, "fo.out[3]", "fi.in[3]", "u64", 8);
    graph_destroy(g);
    expect_error(twice, 10, 14,
                 "port 'fo.in' is already connected by the channel at 9:5",
                 NULL);
    g = load_ok(one); /* a required bundle with one channel */
    expect_channel(g, 0, "src.out", "fi.in[0]", "u64", 8);
    graph_destroy(g);
}

/* Explicit indices name each channel's place in its bundle, whatever the
 * order of the lines, in both forms; the bundle as a whole is 0..n-1 and
 * the telemetry labels carry the written index. */
static void test_bundle_explicit_indices(void **state)
{
    const char *f = write_tmp("explicit.yaml",
                              "graph: explicit\n"
                              "actors:\n"
                              "  src: { plugin: tp_src }\n"
                              "  fo: { plugin: tp_fanout }\n"
                              "  fi: { plugin: tp_fanin }\n"
                              "  sink: { plugin: tp_sink }\n"
                              "channels:\n"
                              "  - fo.out[3] -> fi.in[2]\n"
                              "  - src.out -> fo.in\n"
                              "  - from: fo.out[1]\n"
                              "    to: sink.in\n"
                              "  - { from: 'fo.out[0]', to: \"fi.in[0]\" }\n"
                              "  - \" fo.out[2]  ->  fi.in[1] \"\n");
    struct graph *g = load_ok(f);
    struct tel_snapshot *s;

    (void)state;
    assert_int_equal(g->n_channels, 5);
    expect_channel(g, 0, "fo.out[3]", "fi.in[2]", "u64", 8);
    expect_channel(g, 1, "src.out", "fo.in", "u64", 8);
    expect_channel(g, 2, "fo.out[1]", "sink.in", "u64", 8);
    expect_channel(g, 3, "fo.out[0]", "fi.in[0]", "u64", 8);
    expect_channel(g, 4, "fo.out[2]", "fi.in[1]", "u64", 8);
    s = tel_snapshot_create(g);
    assert_non_null(s);
    assert_string_equal(s->channels[0].from_port, "out[3]");
    assert_string_equal(s->channels[0].to_port, "in[2]");
    assert_string_equal(s->channels[2].from_port, "out[1]");
    assert_string_equal(s->channels[3].to_port, "in[0]");
    tel_snapshot_destroy(s);
    graph_destroy(g);
}

/* The index faults in combination (each alone is a file in
 * tests/graphs/bad/): of several, the earliest channel's is told; a big
 * index on a bundle without max_wired is a gap, not an overflow; a plain
 * port refuses even [0]; a bad index on a good port is told before a
 * second channel on a plain port. */
static void test_bundle_index_faults(void **state)
{
    const char *head = "graph: faults\n"
                       "actors:\n"
                       "  a: { plugin: tp_src }\n"
                       "  b: { plugin: tp_src }\n"
                       "  fi: { plugin: tp_fanin }\n"
                       "channels:\n";
    char text[1024];
    const char *f;

    (void)state;
    snprintf(text, sizeof(text), "%s%s", head,
             "  - a.out -> fi.in[4000000000]\n"
             "  - b.out -> fi.in[0]\n");
    f = write_tmp("huge.yaml", text);
    expect_error(f, 7, 20,
                 "bundle 'fi.in' has 2 channels, so its indices run from 0 "
                 "to 1; index 4000000000 leaves 1 without a channel",
                 NULL);
    snprintf(text, sizeof(text), "%s%s", head,
             "  - a.out -> fi.in[99999999999]\n");
    f = write_tmp("toohuge.yaml", text);
    expect_error(f, 7, 20, "the index of bundle 'fi.in' must be a whole",
                 "got '99999999999'", NULL);
    snprintf(text, sizeof(text), "%s%s", head,
             "  - a.out -> fi.in[1]\n"
             "  - b.out -> fi.in[1]\n");
    f = write_tmp("dupfirst.yaml", text);
    expect_error(f, 8, 20, "index 1 of bundle 'fi.in' is already taken", NULL);
    snprintf(text, sizeof(text), "%s%s", head, "  - a.out -> fi.in[+1]\n");
    f = write_tmp("plus.yaml", text);
    expect_error(f, 7, 20, "must be a whole number", "got '+1'", NULL);
    snprintf(text, sizeof(text), "%s%s", head, "  - a.out -> fi.in[]\n");
    f = write_tmp("empty.yaml", text);
    expect_error(f, 7, 20, "must be a whole number", "got ''", NULL);
    snprintf(text, sizeof(text), "%s%s", head, "  - a.out -> fi.in[0]x\n");
    f = write_tmp("trailing.yaml", text);
    expect_error(f, 7, 14, "expected 'actor.port' or 'actor.port[index]'",
                 NULL);
    snprintf(text, sizeof(text), "%s%s", head, "  - a.out -> fi.[0]\n");
    f = write_tmp("noport.yaml", text);
    expect_error(f, 7, 14, "expected 'actor.port' or 'actor.port[index]'",
                 NULL);
    snprintf(text, sizeof(text), "%s%s", head, "  - a.out[0] -> fi.in\n");
    f = write_tmp("plain0.yaml", text);
    expect_error(f, 7, 10, "port 'a.out' is not a bundle", NULL);
    snprintf(text, sizeof(text), "%s%s", head,
             "  - a.out -> fi.in\n"
             "  - b.out -> fi.in[1]\n");
    f = write_tmp("mixed.yaml", text);
    expect_error(f, 8, 14,
                 "bundle 'fi.in' is wired without an index by the channel "
                 "at 7:5 but with one here",
                 NULL);
}

/* An ABI 1.0 descriptor has no port_info: whatever lies past its size is
 * not read, and its ports are plain. */
static void test_abi10_ports_are_plain(void **state)
{
    const char *f = write_tmp("abi10.yaml", "graph: abi10\n"
                                            "actors:\n"
                                            "  old: { plugin: tp_abi10b }\n"
                                            "  fi: { plugin: tp_fanin }\n"
                                            "channels:\n"
                                            "  - old.out -> fi.in\n"
                                            "  - old.out -> fi.in\n");

    (void)state;
    expect_error(f, 7, 5,
                 "port 'old.out' is already connected by the channel at 6:5",
                 NULL);
}

/* ---- any-typed ports -------------------------------------------------- */

/* A chain of any-typed copies takes the type of the typed port at its
 * head, whatever order the lines come in. */
static void test_any_chain_from_upstream(void **state)
{
    const char *f = write_tmp("chain.yaml", "graph: chain\n"
                                            "actors:\n"
                                            "  src: { plugin: tp_src }\n"
                                            "  c1: { plugin: tp_anycopy }\n"
                                            "  c2: { plugin: tp_anycopy }\n"
                                            "  c3: { plugin: tp_anycopy }\n"
                                            "  sink: { plugin: tp_sink }\n"
                                            "channels:\n"
                                            "  - c3.out -> sink.in\n"
                                            "  - c2.out -> c3.in\n"
                                            "  - c1.out -> c2.in\n"
                                            "  - src.out -> c1.in\n");
    struct graph *g = load_ok(f);

    (void)state;
    for (size_t i = 0; i < g->n_channels; i++) {
        assert_string_equal(g->channels[i].type_name, "u64");
        assert_int_equal(g->channels[i].elem_size, 8);
    }
    assert_string_equal(actor(g, "c1")->any_type, "u64");
    assert_string_equal(actor(g, "c3")->any_type, "u64");
    assert_int_equal(actor(g, "c2")->any_size, 8);
    assert_null(actor(g, "src")->any_type); /* no any-typed port */
    graph_destroy(g);
}

/* The type comes from the consumer's side too: copies whose input is left
 * unconnected take what the typed port downstream takes, through a chain;
 * a copy with nothing wired at all stays unresolved. */
static void test_any_chain_from_downstream(void **state)
{
    const char *f = write_tmp("down.yaml", "graph: down\n"
                                           "actors:\n"
                                           "  c1: { plugin: tp_anycopy }\n"
                                           "  c2: { plugin: tp_anycopy }\n"
                                           "  wide: { plugin: tp_wide }\n"
                                           "  idle: { plugin: tp_anycopy }\n"
                                           "channels:\n"
                                           "  - c1.out -> c2.in\n"
                                           "  - c2.out -> wide.in\n");
    struct graph *g = load_ok(f);

    (void)state;
    expect_channel(g, 0, "c1.out", "c2.in", "wide", 16);
    expect_channel(g, 1, "c2.out", "wide.in", "wide", 16);
    assert_string_equal(actor(g, "c1")->any_type, "wide");
    assert_int_equal(actor(g, "c1")->any_size, 16);
    assert_null(actor(g, "idle")->any_type);
    graph_destroy(g);
}

/* Types meeting in the middle of a chain: the message names the typed
 * ports at both ends and where each came in. */
static void test_any_conflict_through_a_chain(void **state)
{
    const char *f = write_tmp("meet.yaml", "graph: meet\n"
                                           "actors:\n"
                                           "  src: { plugin: tp_src }\n"
                                           "  c1: { plugin: tp_anycopy }\n"
                                           "  c2: { plugin: tp_anycopy }\n"
                                           "  wide: { plugin: tp_wide }\n"
                                           "channels:\n"
                                           "  - src.out -> c1.in\n"
                                           "  - c1.out -> c2.in\n"
                                           "  - c2.out -> wide.in\n");

    (void)state;
    expect_error(f, 10, 5, "any-typed ports of actor 'c2'",
                 "wide.in takes 'wide' (16 bytes) here",
                 "src.out sends 'u64' (8 bytes) (channel at 8:5)", NULL);
}

/* An any-typed actor wired only to itself, or a ring of them, has no type
 * to take. */
static void test_any_unresolvable(void **state)
{
    const char *loop = write_tmp("loop.yaml", "graph: loop\n"
                                              "actors:\n"
                                              "  c: { plugin: tp_anycopy }\n"
                                              "channels: [ c.out -> c.in ]\n");

    (void)state;
    expect_error(loop, 4, 13, "the type of c.out -> c.in cannot be resolved",
                 "no typed port reaches them", NULL);
}

/* A variable-size type travels through any-typed ports faithfully (size
 * STEADY_VARSIZE, not a fixed size), and such a channel is refused for
 * now wherever it ends up. */
static void test_any_carries_varsize_faithfully(void **state)
{
    const char *f = write_tmp("text.yaml", "graph: text\n"
                                           "actors:\n"
                                           "  c1: { plugin: tp_anycopy }\n"
                                           "  c2: { plugin: tp_anycopy }\n"
                                           "  text: { plugin: tp_textsrc }\n"
                                           "channels:\n"
                                           "  - c1.out -> c2.in\n"
                                           "  - text.out -> c1.in\n");

    struct graph *g;

    (void)state;
    g = load_ok(f);
    expect_channel(g, 0, "c1.out", "c2.in", "text", STEADY_VARSIZE);
    expect_channel(g, 1, "text.out", "c1.in", "text", STEADY_VARSIZE);
    graph_destroy(g);
}

/* A long chain resolves in about linear time (no pass per link). */
static void test_any_long_chain_is_fast(void **state)
{
    enum { N = 4000 };
    size_t cap = 64 * N + 256, used = 0;
    char *text = malloc(cap);
    struct timespec t0, t1;
    struct graph *g;
    double ms;

    (void)state;
    assert_non_null(text);
    used += (size_t)snprintf(text + used, cap - used,
                             "graph: long\nactors:\n  src: { plugin: tp_src "
                             "}\n  sink: { plugin: tp_sink }\n");
    for (int i = 0; i < N; i++)
        used += (size_t)snprintf(text + used, cap - used,
                                 "  c%d: { plugin: tp_anycopy }\n", i);
    used += (size_t)snprintf(text + used, cap - used, "channels:\n");
    /* from the sink back to the source: the worst order for passes */
    used += (size_t)snprintf(text + used, cap - used,
                             "  - c%d.out -> sink.in\n", N - 1);
    for (int i = N - 1; i > 0; i--)
        used += (size_t)snprintf(text + used, cap - used,
                                 "  - c%d.out -> c%d.in\n", i - 1, i);
    used += (size_t)snprintf(text + used, cap - used, "  - src.out -> c0.in\n");
    assert_true(used < cap);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    g = load_ok(write_tmp("long.yaml", text));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
         (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    assert_int_equal(g->n_channels, N + 1);
    assert_string_equal(actor(g, "c0")->any_type, "u64");
    assert_string_equal(g->channels[0].type_name, "u64");
    /* generous for sanitizer builds; a quadratic resolution takes far more */
    if (ms > 5000)
        fail_msg("loading a chain of %d took %.0f ms", N, ms);
    graph_destroy(g);
    free(text);
}

/* ---- telemetry --------------------------------------------------------- */

/* Whether every sample line of Prometheus text (name and labels) is
 * unique. */
static void assert_series_unique(const char *text)
{
    char *copy = strdup(text), *line, *save = NULL;
    char **seen = calloc(4096, sizeof(*seen));
    size_t n = 0;

    assert_non_null(copy);
    assert_non_null(seen);
    for (line = strtok_r(copy, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *space = strrchr(line, ' ');

        if (line[0] == '#' || !space)
            continue;
        *space = '\0';
        for (size_t i = 0; i < n; i++)
            if (strcmp(seen[i], line) == 0)
                fail_msg("series '%s' appears twice", line);
        assert_true(n < 4096);
        seen[n++] = line;
    }
    assert_true(n > 0);
    free(seen);
    free(copy);
}

/* Two channels of one bundle between the same two actors are two edges
 * with their own counters, told apart by their ports' bundle indices in
 * the metric labels and the DOT. */
static void test_telemetry_labels_tell_bundle_channels_apart(void **state)
{
    const char *f = write_tmp("tel.yaml", "graph: tel\n"
                                          "actors:\n"
                                          "  src: { plugin: tp_src }\n"
                                          "  fo: { plugin: tp_fanout }\n"
                                          "  c: { plugin: tp_anycopy }\n"
                                          "  fi: { plugin: tp_fanin }\n"
                                          "channels:\n"
                                          "  - src.out -> fo.in\n"
                                          "  - fo.out -> fi.in\n"
                                          "  - fo.out -> c.in\n"
                                          "  - fo.out -> fi.in\n"
                                          "  - c.out -> fi.in\n");
    struct graph *g = load_ok(f);
    struct tel_snapshot *s = tel_snapshot_create(g);
    struct strbuf b = { 0 };

    (void)state;
    assert_non_null(s);
    assert_false(s->channels[0].show_ports);
    assert_string_equal(s->channels[0].from_port, "out");
    assert_true(s->channels[1].show_ports);
    assert_string_equal(s->channels[1].from_port, "out[0]");
    assert_string_equal(s->channels[1].to_port, "in[0]");
    assert_string_equal(s->channels[2].from_port, "out[1]");
    assert_string_equal(s->channels[2].to_port, "in");
    assert_string_equal(s->channels[3].from_port, "out[2]");
    assert_string_equal(s->channels[3].to_port, "in[1]");
    assert_string_equal(s->channels[4].from_port, "out");
    assert_string_equal(s->channels[4].to_port, "in[2]");
    /* an any-typed end shows the type resolved at load, not "*" */
    assert_string_equal(s->channels[2].type, s->channels[0].type);
    assert_string_equal(s->channels[4].type, s->channels[0].type);
    assert_string_not_equal(s->channels[4].type, "*");
    for (size_t i = 0; i < s->n_channels; i++)
        s->channels[i].taken = 100 + i; /* each edge its own counters */

    metrics_write(&b, s);
    assert_false(strbuf_failed(&b));
    assert_series_unique(b.data);
    assert_non_null(strstr(b.data,
                           "{from=\"fo\",to=\"fi\",from_port=\"out[0]\","
                           "to_port=\"in[0]\"} 101\n"));
    assert_non_null(strstr(b.data,
                           "{from=\"fo\",to=\"fi\",from_port=\"out[2]\","
                           "to_port=\"in[1]\"} 103\n"));
    strbuf_fini(&b);

    dot_write(&b, s);
    assert_false(strbuf_failed(&b));
    /* each edge names its ports, a bundle's with the channel's index */
    assert_non_null(strstr(b.data,
                           "\"fo\" -> \"fi\" [id=\"c1\", label=\"out[0] "
                           "-> in[0]: "));
    assert_non_null(strstr(b.data,
                           "\"fo\" -> \"fi\" [id=\"c3\", label=\"out[2] "
                           "-> in[1]: "));
    assert_non_null(
        strstr(b.data, "\"c\" -> \"fi\" [id=\"c4\", label=\"out -> in[2]: "));
    strbuf_fini(&b);
    tel_snapshot_destroy(s);
    graph_destroy(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bundle_indices_follow_file_order),
        cmocka_unit_test(test_bundle_limits_and_plain_ports),
        cmocka_unit_test(test_bundle_explicit_indices),
        cmocka_unit_test(test_bundle_index_faults),
        cmocka_unit_test(test_abi10_ports_are_plain),
        cmocka_unit_test(test_any_chain_from_upstream),
        cmocka_unit_test(test_any_chain_from_downstream),
        cmocka_unit_test(test_any_conflict_through_a_chain),
        cmocka_unit_test(test_any_unresolvable),
        cmocka_unit_test(test_any_carries_varsize_faithfully),
        cmocka_unit_test(test_any_long_chain_is_fast),
        cmocka_unit_test(test_telemetry_labels_tell_bundle_channels_apart),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}

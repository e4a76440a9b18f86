/* test_tel_cluster.c - the whole graph of a multi-node run, without NATS:
 * a node's telemetry summary on the wire (tel_wire: every field comes back
 * as it went, and hostile bytes are refused with a message, never read
 * past their end), the table of the other nodes' summaries (tel_cluster:
 * another graph's, this node's own and one node too many refused) and the
 * merge (a channel carried by a pair of NATS bridges drawn once from its
 * producer to its consumer with the link's figures; nodes as clusters;
 * silent nodes said so), and the actors' own figures as the picture and
 * /metrics show them, whatever values a far node sends.
 *
 * With STEADY_TEL_WIRE_SEEDS=DIR set, also writes the fuzz target's seed
 * corpus (tests/fuzz/corpus/tel_wire) into DIR; test_seed_corpus_is_current
 * says when the committed seeds no longer match.
 */
#include "dot.h"
#include "dot_layout.h"
#include "metrics.h"
#include "strbuf.h"
#include "svg.h"
#include "tel_cluster.h"
#include "telemetry.h"

#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h first. */
#include <cmocka.h>

#define SEEDS    STEADY_SOURCE_DIR "/tests/fuzz/corpus/tel_wire"
#define SEC      1000000000ull
#define CPU_MARK 0x1122334455667788ull /* actor 0's cpu_ns, found in bytes */

/* ---- snapshots made by hand ---------------------------------------------- */

static struct tel_figure figure(const char *name, bool count, double value)
{
    struct tel_figure f = { .count = count, .value = value };

    snprintf(f.name, sizeof(f.name), "%s", name);
    return f;
}

/* Everything the wire carries, each field with a value of its own. */
static struct tel_actor full_actors[3];
static struct tel_channel full_channels[3];
static const char *full_troupes[] = { "pair" };
static struct tel_snapshot full;

static void make_full(void)
{
    full_actors[0] = (struct tel_actor){
        .name = "parser",
        .troupe = "pair",
        .state = TEL_FAILED,
        .alert = ALERT_ORANGE,
        .cpu_ns = CPU_MARK,
        .mcpu = 512.25,
        .load = 0.1,
        .restarts = 4000000000u,
        .n_figures = 8,
    };
    full_actors[0].figures[0] = figure("queue_depth", false, -2.5);
    full_actors[0].figures[1] = figure("rejected_lines", true, 12345678901.0);
    full_actors[0].figures[2] = figure("fig_marker", false, 1e-300);
    full_actors[0].figures[3] = figure("zero", true, 0);
    full_actors[0].figures[4] = figure("inf", false, INFINITY);
    full_actors[0].figures[5] = figure("a", false, 3);
    full_actors[0].figures[6] = figure("b", true, 9007199254740992.0);
    full_actors[0].figures[7] =
        figure("a_name_of_thirty_one_characters", true, 1);
    full_actors[1] = (struct tel_actor){
        .name = "bad?name",
        .troupe = "pair",
        .state = TEL_RUNNING,
        .alert = ALERT_NONE,
        .mcpu = 0,
        .load = 100,
    };
    full_actors[2] = (struct tel_actor){
        .name = "nats_pub-parser-out",
        .remote = "sink.in on node down",
        .state = TEL_RESTARTING,
        .alert = ALERT_RED,
        .cpu_ns = 7,
        .restarts = 1,
        .n_figures = 2,
    };
    full_actors[2].figures[0] = figure("unacked", false, 3);
    full_actors[2].figures[1] = figure("resent", true, 2);
    full_channels[0] = (struct tel_channel){
        .from = "parser",
        .to = "bad?name",
        .from_port = "out[1]",
        .to_port = "in",
        .type = "u64",
        .show_ports = true,
        .capacity = 1024,
        .percentile = 95,
        .sent = 100,
        .taken = 90,
        .dropped = 3,
        .bytes = 800,
        .inflight = 7,
        .avg_rate = 10.5,
        .avg_bytes_rate = 84,
        .avg_filled = 0.7,
        .pct_filled = 12.5,
        .latency_ms = INFINITY,
        .alert = ALERT_YELLOW,
    };
    full_channels[1] = (struct tel_channel){
        .from = "parser",
        .to = "nats_pub-parser-out",
        .from_port = "text",
        .to_port = "in",
        .type = "bytes",
        .varsize = true,
        .capacity = UINT64_MAX,
        .percentile = 1,
        .sent = UINT64_MAX - 1,
        .bytes = 1ull << 40,
        .latency_ms = 0.25,
        .alert = ALERT_RED,
    };
    full_channels[2] = (struct tel_channel){
        .from = "bad?name",
        .to = "parser",
        .from_port = "out",
        .to_port = "back",
        .type = "u64",
        .show_ports = true,
        .varsize = true,
        .capacity = 2,
        .percentile = 99,
        .avg_filled = 100,
        .alert = ALERT_ORANGE,
    };
    full = (struct tel_snapshot){
        .graph = "pipeline",
        .node = "up",
        .seq = 987654321,
        .window_s = 10,
        .uptime_s = 12345.678,
        .log_dropped = 5, /* not on the wire */
        .n_actors = 3,
        .n_channels = 3,
        .n_troupes = 1,
        .actors = full_actors,
        .channels = full_channels,
        .troupes = full_troupes,
    };
}

/* The bytes of s (caller frees). */
static char *encode(const struct tel_snapshot *s, size_t *len)
{
    struct strbuf b = { 0 };

    tel_wire_encode(&b, s);
    assert_false(strbuf_failed(&b));
    return strbuf_take(&b, len);
}

/* tel_wire_decode of a copy of exactly len bytes (ASan sees a read past
 * the end); err gets the message on refusal, which must be there. */
static struct tel_snapshot *decode(const void *data, size_t len, char *err,
                                   size_t errlen)
{
    void *copy = malloc(len ? len : 1);
    struct tel_snapshot *s;

    assert_non_null(copy);
    memcpy(copy, data, len);
    err[0] = '\0';
    s = tel_wire_decode(copy, len, err, errlen);
    free(copy);
    if (!s && !err[0])
        fail_msg("a refusal without a message (%zu bytes)", len);
    return s;
}

/* The message of refusing data[0..len). */
static void refused(const void *data, size_t len, const char *want)
{
    char err[256];
    struct tel_snapshot *s = decode(data, len, err, sizeof(err));

    if (s) {
        tel_snapshot_destroy(s);
        fail_msg("accepted; wanted a refusal saying '%s'", want);
    }
    if (!strstr(err, want))
        fail_msg("refused with '%s'; wanted '%s'", err, want);
}

static size_t find(const char *buf, size_t len, const void *what, size_t n)
{
    const char *at = memmem(buf, len, what, n);

    assert_non_null(at);
    assert_null(memmem(at + 1, len - (size_t)(at - buf) - 1, what, n));
    return (size_t)(at - buf);
}

/* Where actor 0's state byte is: right before its alert and cpu_ns. */
static size_t state_at(const char *buf, size_t len)
{
    unsigned char mark[8];

    for (int i = 0; i < 8; i++)
        mark[i] = (unsigned char)(CPU_MARK >> (8 * i));
    return find(buf, len, mark, 8) - 2;
}

/* Where the actor count is: after the magic, version, graph and node
 * names, seq, window and uptime. */
static size_t counts_at(const struct tel_snapshot *s)
{
    return 4 + 2 + strlen(s->graph) + 2 + strlen(s->node) + 3 * 8;
}

static void put_le(char *at, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        at[i] = (char)(v >> (8 * i));
}

/* ---- the round trip ---------------------------------------------------- */

static bool same_double(double a, double b)
{
    return memcmp(&a, &b, sizeof(a)) == 0;
}

static void assert_same_str(const char *got, const char *want)
{
    /* NULL and "" are the same on the wire */
    assert_string_equal(got ? got : "", want ? want : "");
}

static void assert_same_actor(const struct tel_snapshot *d,
                              const struct tel_actor *got,
                              const struct tel_actor *want)
{
    assert_string_equal(got->name, want->name);
    if (want->troupe) {
        assert_non_null(got->troupe);
        assert_string_equal(got->troupe, want->troupe);
        assert_true(got->troupe_index >= 0 &&
                    (size_t)got->troupe_index < d->n_troupes);
        assert_string_equal(d->troupes[got->troupe_index], want->troupe);
    } else {
        assert_null(got->troupe);
    }
    if (want->remote)
        assert_string_equal(got->remote, want->remote);
    else
        assert_null(got->remote);
    assert_int_equal(got->state, want->state);
    assert_int_equal(got->alert, want->alert);
    assert_true(got->cpu_ns == want->cpu_ns);
    assert_true(same_double(got->mcpu, want->mcpu));
    assert_true(same_double(got->load, want->load));
    assert_int_equal(got->restarts, want->restarts);
    assert_int_equal(got->n_figures, want->n_figures);
    for (size_t k = 0; k < want->n_figures; k++) {
        assert_string_equal(got->figures[k].name, want->figures[k].name);
        assert_int_equal(got->figures[k].count, want->figures[k].count);
        if (!same_double(got->figures[k].value, want->figures[k].value))
            fail_msg("figure %s: %.17g, not %.17g", want->figures[k].name,
                     got->figures[k].value, want->figures[k].value);
    }
    /* what the wire does not carry comes back empty */
    assert_null(got->alerts);
    assert_int_equal(got->n_alerts, 0);
    assert_int_equal(got->stat[MEASURE_MCPU].n_pct, 0);
}

static void assert_same_channel(const struct tel_channel *got,
                                const struct tel_channel *want)
{
    assert_string_equal(got->from, want->from);
    assert_string_equal(got->to, want->to);
    assert_same_str(got->from_port, want->from_port);
    assert_same_str(got->to_port, want->to_port);
    assert_same_str(got->type, want->type);
    assert_int_equal(got->show_ports, want->show_ports);
    assert_int_equal(got->varsize, want->varsize);
    assert_int_equal(got->alert, want->alert);
    assert_int_equal(got->percentile, want->percentile);
    assert_true(got->capacity == want->capacity);
    assert_true(got->sent == want->sent);
    assert_true(got->taken == want->taken);
    assert_true(got->dropped == want->dropped);
    assert_true(got->bytes == want->bytes);
    assert_true(got->inflight == want->inflight);
    assert_true(same_double(got->avg_rate, want->avg_rate));
    assert_true(same_double(got->avg_bytes_rate, want->avg_bytes_rate));
    assert_true(same_double(got->avg_filled, want->avg_filled));
    assert_true(same_double(got->pct_filled, want->pct_filled));
    assert_true(same_double(got->latency_ms, want->latency_ms));
    assert_null(got->alerts);
    assert_null(got->names_owned);
    assert_null(got->link);
}

static void assert_same_snapshot(const struct tel_snapshot *got,
                                 const struct tel_snapshot *want)
{
    assert_string_equal(got->graph, want->graph);
    assert_string_equal(got->node, want->node);
    assert_true(got->seq == want->seq);
    assert_true(same_double(got->window_s, want->window_s));
    assert_true(same_double(got->uptime_s, want->uptime_s));
    assert_int_equal(got->log_dropped, 0);
    assert_false(got->clusters_are_nodes);
    assert_int_equal(got->n_actors, want->n_actors);
    assert_int_equal(got->n_channels, want->n_channels);
    assert_int_equal(got->n_troupes, want->n_troupes);
    for (size_t t = 0; t < want->n_troupes; t++)
        assert_string_equal(got->troupes[t], want->troupes[t]);
    for (size_t i = 0; i < want->n_actors; i++)
        assert_same_actor(got, &got->actors[i], &want->actors[i]);
    for (size_t i = 0; i < want->n_channels; i++)
        assert_same_channel(&got->channels[i], &want->channels[i]);
}

static void test_round_trip_keeps_every_field(void **state)
{
    char err[256], *bytes, *again;
    size_t len, len2;
    struct tel_snapshot *d;

    (void)state;
    make_full();
    bytes = encode(&full, &len);
    d = decode(bytes, len, err, sizeof(err));
    if (!d)
        fail_msg("refused: %s", err);
    assert_same_snapshot(d, &full);
    /* and the decoded snapshot encodes to the same bytes */
    again = encode(d, &len2);
    assert_int_equal(len2, len);
    assert_memory_equal(again, bytes, len);
    tel_snapshot_destroy(d);
    free(again);
    free(bytes);
}

static void test_round_trip_of_nothing(void **state)
{
    struct tel_snapshot empty = { .graph = "g", .node = "n" };
    char err[256], *bytes;
    size_t len;
    struct tel_snapshot *d;

    (void)state;
    bytes = encode(&empty, &len);
    d = decode(bytes, len, err, sizeof(err));
    if (!d)
        fail_msg("refused: %s", err);
    assert_same_snapshot(d, &empty);
    assert_int_equal(d->n_troupes, 0);
    tel_snapshot_destroy(d);
    free(bytes);
}

/* A name longer than the wire's 4096 bytes goes out cut there. */
static void test_long_name_cut_at_4096(void **state)
{
    char *name = malloc(5001), err[256], *bytes;
    struct tel_actor a = { .name = name };
    struct tel_snapshot s = {
        .graph = "g", .node = "n", .n_actors = 1, .actors = &a
    };
    struct tel_snapshot *d;
    size_t len;

    (void)state;
    assert_non_null(name);
    memset(name, 'x', 5000);
    name[5000] = '\0';
    bytes = encode(&s, &len);
    d = decode(bytes, len, err, sizeof(err));
    if (!d)
        fail_msg("refused: %s", err);
    assert_int_equal(strlen(d->actors[0].name), 4096);
    tel_snapshot_destroy(d);
    free(bytes);
    free(name);
}

/* ---- hostile bytes ----------------------------------------------------- */

static void test_every_truncation_refused(void **state)
{
    char *bytes;
    size_t len;

    (void)state;
    make_full();
    bytes = encode(&full, &len);
    for (size_t n = 0; n < len; n++) {
        char err[256];
        struct tel_snapshot *d = decode(bytes, n, err, sizeof(err));

        if (d)
            fail_msg("the first %zu of %zu bytes were accepted", n, len);
        if (n >= 4 && !strstr(err, "bad telemetry summary"))
            fail_msg("%zu bytes: '%s'", n, err);
    }
    free(bytes);
}

static void test_wrong_magic_refused(void **state)
{
    char *bytes;
    size_t len;

    (void)state;
    make_full();
    bytes = encode(&full, &len);
    bytes[2] = 'X';
    refused(bytes, len, "not a telemetry summary");
    refused("", 0, "not a telemetry summary");
    refused("STW", 3, "not a telemetry summary");
    free(bytes);
}

static void test_other_version_named(void **state)
{
    char *bytes, err[256];
    size_t len;

    (void)state;
    make_full();
    bytes = encode(&full, &len);
    assert_int_equal(bytes[3], 1);
    bytes[3] = 7;
    assert_null(decode(bytes, len, err, sizeof(err)));
    assert_string_equal(err, "telemetry summary version 7 (this node reads "
                             "1): run the same steady on every node");
    free(bytes);
}

static void test_enum_out_of_range_refused(void **state)
{
    char *bytes;
    size_t len, at;

    (void)state;
    make_full();
    bytes = encode(&full, &len);
    at = state_at(bytes, len);
    assert_int_equal(bytes[at], TEL_FAILED);
    bytes[at] = TEL_N_STATES;
    refused(bytes, len, "bad telemetry summary: an unknown state");
    bytes[at] = TEL_FAILED;
    assert_int_equal(bytes[at + 1], ALERT_ORANGE);
    bytes[at + 1] = ALERT_RED + 1;
    refused(bytes, len, "an unknown alert");
    bytes[at + 1] = (char)0xff;
    refused(bytes, len, "an unknown alert");
    free(bytes);
}

/* Actor 0's figure count, and a figure's kind. */
static void test_figure_fields_out_of_range_refused(void **state)
{
    char *bytes;
    size_t len, at;

    (void)state;
    make_full();
    bytes = encode(&full, &len);
    /* state, alert, cpu_ns, mcpu, load, restarts, then the figure count */
    at = state_at(bytes, len) + 2 + 4 * 8;
    assert_int_equal(bytes[at], 8);
    bytes[at] = 9;
    refused(bytes, len, "too many figures");
    bytes[at] = 8;
    at = find(bytes, len, "fig_marker", 10) + 10;
    assert_int_equal(bytes[at], 0);
    bytes[at] = 2;
    refused(bytes, len, "a bad figure kind");
    free(bytes);
}

static void test_channel_fields_out_of_range_refused(void **state)
{
    struct tel_channel c = { .from = "a", .to = "b", .percentile = 99 };
    struct tel_snapshot s = {
        .graph = "g", .node = "n", .n_channels = 1, .channels = &c
    };
    char *bytes;
    size_t len, at;

    (void)state;
    bytes = encode(&s, &len);
    /* five names ("a", "b", three empty), then flags, alert, percentile */
    at = counts_at(&s) + 16 + 3 + 3 + 2 + 2 + 2;
    assert_int_equal(bytes[at + 2], 99);
    bytes[at] = 4;
    refused(bytes, len, "bad channel flags");
    bytes[at] = 3;
    bytes[at + 1] = ALERT_RED + 1;
    refused(bytes, len, "an unknown alert");
    bytes[at + 1] = ALERT_RED;
    bytes[at + 2] = 100;
    refused(bytes, len, "a percentile out of range");
    bytes[at + 2] = 99;
    free(bytes);
}

static void test_control_character_refused(void **state)
{
    char *bytes;
    size_t len, at;

    (void)state;
    make_full();
    bytes = encode(&full, &len);
    /* "bad?name" is an actor's name and a channel's two ends */
    at = (size_t)((char *)memmem(bytes, len, "bad?name", 8) - bytes);
    for (int c = 0; c < 0x20; c++) {
        bytes[at + 3] = (char)c;
        refused(bytes, len, "a name with a control character");
    }
    bytes[at + 3] = 0x7f;
    refused(bytes, len, "a name with a control character");
    /* bytes above 0x7f (UTF-8) are fine */
    bytes[at + 3] = (char)0xc3;
    {
        char err[256];
        struct tel_snapshot *d = decode(bytes, len, err, sizeof(err));

        if (!d)
            fail_msg("refused: %s", err);
        tel_snapshot_destroy(d);
    }
    free(bytes);
}

static void test_bytes_after_the_end_refused(void **state)
{
    char *bytes;
    size_t len;

    (void)state;
    make_full();
    bytes = encode(&full, &len);
    bytes = realloc(bytes, len + 1);
    assert_non_null(bytes);
    bytes[len] = 0;
    refused(bytes, len + 1, "bytes after the end");
    free(bytes);
}

static void test_counts_beyond_length_refused(void **state)
{
    static const uint64_t hostile[] = { 1000, 1ull << 32, UINT64_MAX / 8,
                                        UINT64_MAX };
    char *bytes;
    size_t len, at;

    (void)state;
    make_full();
    bytes = encode(&full, &len);
    at = counts_at(&full);
    for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
        put_le(bytes + at, hostile[i]);
        refused(bytes, len, "more actors or channels than its length holds");
        put_le(bytes + at, 3);
        put_le(bytes + at + 8, hostile[i]);
        refused(bytes, len, "more actors or channels than its length holds");
        put_le(bytes + at + 8, 3);
    }
    /* a count one above the truth but within the length: truncated */
    put_le(bytes + at + 8, 4);
    refused(bytes, len, "truncated");
    free(bytes);
}

/* A figure name of 32 characters (the most is 31) made by hand: the
 * encoder never writes one. */
static void test_figure_name_too_long_refused(void **state)
{
    char *bytes, *longer;
    size_t len, at;

    (void)state;
    make_full();
    bytes = encode(&full, &len);
    at = find(bytes, len, "a_name_of_thirty_one_characters", 31);
    assert_int_equal(bytes[at - 2], 31);
    longer = malloc(len + 1);
    assert_non_null(longer);
    memcpy(longer, bytes, at + 31);
    longer[at - 2] = 32;
    longer[at + 31] = 's';
    memcpy(longer + at + 32, bytes + at + 31, len - at - 31);
    refused(longer, len + 1, "a figure name too long");
    free(longer);
    free(bytes);
}

/* A string longer than the wire allows (4096) is refused, not skipped:
 * skipping would read its bytes as the fields after it. */
static void test_string_too_long_refused(void **state)
{
    struct tel_actor a = { .name = "a", .state = TEL_RUNNING };
    struct tel_snapshot s = {
        .graph = "g", .node = "n", .n_actors = 1, .actors = &a
    };
    char *bytes, *hostile;
    size_t len, at;

    (void)state;
    bytes = encode(&s, &len);
    /* the actor's troupe: its name, then an empty troupe */
    at = counts_at(&s) + 16 + 3;
    assert_int_equal(bytes[at], 0);
    assert_int_equal(bytes[at + 1], 0);
    /* 4097 bytes of troupe name that are the rest of a valid actor and
     * padding after */
    hostile = calloc(1, len + 4097);
    assert_non_null(hostile);
    memcpy(hostile, bytes, len);
    hostile[at] = (char)(4097 & 0xff);
    hostile[at + 1] = (char)(4097 >> 8);
    refused(hostile, len, "a string longer than 4096 bytes");
    refused(hostile, len + 4097, "a string longer than 4096 bytes");
    free(hostile);
    free(bytes);
}

static void test_no_node_refused(void **state)
{
    struct tel_snapshot s = { .graph = "g", .node = NULL };
    char *bytes;
    size_t len;

    (void)state;
    bytes = encode(&s, &len);
    refused(bytes, len, "no node named");
    free(bytes);
}

/* ---- the table of the other nodes' summaries ---------------------------- */

/* s's summary put into c at now_ns: tel_cluster_put's result, err set. */
static int put(struct tel_cluster *c, const struct tel_snapshot *s,
               uint64_t now_ns, char *err, size_t errlen)
{
    size_t len;
    char *bytes = encode(s, &len);
    int rc;

    err[0] = '\0';
    rc = tel_cluster_put(c, bytes, len, now_ns, err, errlen);
    free(bytes);
    return rc;
}

static void test_put_refuses_other_graph_and_own_node(void **state)
{
    struct tel_cluster *c = tel_cluster_create("pipeline", "up");
    struct tel_snapshot s = { .graph = "other", .node = "down" };
    char err[256];

    (void)state;
    assert_non_null(c);
    assert_int_equal(put(c, &s, 0, err, sizeof(err)), -1);
    assert_string_equal(err, "a summary of graph 'other'");
    s.graph = "pipeline";
    s.node = "up";
    assert_int_equal(put(c, &s, 0, err, sizeof(err)), -1);
    assert_string_equal(err, "a summary of this node 'up'");
    assert_int_equal(tel_cluster_put(c, "junk", 4, 0, err, sizeof(err)), -1);
    assert_string_equal(err, "not a telemetry summary");
    assert_int_equal(tel_cluster_count(c), 0);
    s.node = "down";
    assert_int_equal(put(c, &s, 0, err, sizeof(err)), 0);
    assert_int_equal(put(c, &s, 1, err, sizeof(err)), 0);
    assert_int_equal(tel_cluster_count(c), 1);
    tel_cluster_destroy(c);
}

static void test_put_refuses_one_node_too_many(void **state)
{
    struct tel_cluster *c = tel_cluster_create("pipeline", "up");
    struct tel_snapshot s = { .graph = "pipeline" };
    char node[32], err[256];

    (void)state;
    assert_non_null(c);
    for (int i = 0; i < TEL_CLUSTER_MAX_NODES; i++) {
        snprintf(node, sizeof(node), "n%d", i);
        s.node = node;
        assert_int_equal(put(c, &s, 0, err, sizeof(err)), 0);
    }
    assert_int_equal(tel_cluster_count(c), TEL_CLUSTER_MAX_NODES);
    s.node = "one_more";
    assert_int_equal(put(c, &s, 0, err, sizeof(err)), -1);
    assert_string_equal(err, "more than 64 nodes report; 'one_more' is left "
                             "out");
    /* the nodes already known still report */
    s.node = "n17";
    assert_int_equal(put(c, &s, 5, err, sizeof(err)), 0);
    assert_int_equal(tel_cluster_count(c), TEL_CLUSTER_MAX_NODES);
    tel_cluster_destroy(c);
}

/* ---- the merge ---------------------------------------------------------- */

/* Node "up": seq -> nats_pub-seq-out (the bridge standing for sink.in on
 * node down, with its figures). */
static struct tel_actor up_actors[2];
static struct tel_channel up_channels[1];
static const char *up_troupes[] = { "t1" };
static struct tel_snapshot up;
/* Node "down": nats_sub-seq-out -> sink. */
static struct tel_actor down_actors[2];
static struct tel_channel down_channels[1];
static struct tel_snapshot down;

static void make_nodes(void)
{
    up_actors[0] = (struct tel_actor){ .name = "seq",
                                       .troupe = "t1",
                                       .state = TEL_RUNNING,
                                       .mcpu = 10,
                                       .n_figures = 1 };
    up_actors[0].figures[0] = figure("made", true, 1000);
    up_actors[1] = (struct tel_actor){ .name = "nats_pub-seq-out",
                                       .remote = "sink.in on node down",
                                       .state = TEL_RUNNING,
                                       .n_figures = 3 };
    up_actors[1].figures[0] = figure("unacked", false, 3);
    up_actors[1].figures[1] = figure("resent", true, 2);
    up_actors[1].figures[2] = figure("refused_full", true, 1);
    up_channels[0] = (struct tel_channel){ .from = "seq",
                                           .to = "nats_pub-seq-out",
                                           .from_port = "out",
                                           .to_port = "in",
                                           .type = "u64",
                                           .capacity = 64,
                                           .percentile = 80,
                                           .sent = 1000,
                                           .taken = 990,
                                           .inflight = 10,
                                           .avg_rate = 100,
                                           .avg_filled = 10,
                                           .pct_filled = 20,
                                           .latency_ms = 5,
                                           .alert = ALERT_YELLOW };
    up = (struct tel_snapshot){ .graph = "pipeline",
                                .node = "up",
                                .seq = 42,
                                .window_s = 10,
                                .uptime_s = 60,
                                .n_actors = 2,
                                .n_channels = 1,
                                .n_troupes = 1,
                                .actors = up_actors,
                                .channels = up_channels,
                                .troupes = up_troupes };
    down_actors[0] = (struct tel_actor){ .name = "nats_sub-seq-out",
                                         .remote = "seq.out on node up",
                                         .state = TEL_RUNNING,
                                         .n_figures = 3 };
    down_actors[0].figures[0] = figure("redelivered", true, 4);
    down_actors[0].figures[1] = figure("stream_pending", false, 7);
    down_actors[0].figures[2] = figure("ack_pending", false, 2);
    down_actors[1] =
        (struct tel_actor){ .name = "sink", .state = TEL_RUNNING, .mcpu = 20 };
    down_channels[0] = (struct tel_channel){ .from = "nats_sub-seq-out",
                                             .to = "sink",
                                             .from_port = "out",
                                             .to_port = "in",
                                             .type = "u64",
                                             .capacity = 32,
                                             .percentile = 80,
                                             .sent = 980,
                                             .taken = 975,
                                             .inflight = 5,
                                             .avg_rate = 97.5,
                                             .avg_filled = 30,
                                             .pct_filled = 15,
                                             .latency_ms = 7,
                                             .alert = ALERT_ORANGE };
    down = (struct tel_snapshot){ .graph = "pipeline",
                                  .node = "down",
                                  .seq = 7,
                                  .window_s = 10,
                                  .n_actors = 2,
                                  .n_channels = 1,
                                  .actors = down_actors,
                                  .channels = down_channels };
}

static const struct tel_actor *actor_named(const struct tel_snapshot *s,
                                           const char *name)
{
    for (size_t i = 0; i < s->n_actors; i++)
        if (strcmp(s->actors[i].name, name) == 0)
            return &s->actors[i];
    return NULL;
}

/* Up's cluster with down's summary received at received_ns. */
static struct tel_cluster *cluster_with_down(uint64_t received_ns)
{
    struct tel_cluster *c = tel_cluster_create("pipeline", "up");
    char err[256];

    assert_non_null(c);
    if (put(c, &down, received_ns, err, sizeof(err)) != 0)
        fail_msg("put: %s", err);
    return c;
}

static void test_merge_joins_the_bridge_pair(void **state)
{
    struct tel_cluster *c;
    struct tel_snapshot *m;
    const struct tel_actor *seq, *sink;
    const struct tel_channel *ch;

    (void)state;
    make_nodes();
    c = cluster_with_down(100 * SEC);
    m = tel_cluster_merge(c, &up, 101 * SEC);
    assert_non_null(m);
    assert_true(m->clusters_are_nodes);
    assert_string_equal(m->graph, "pipeline");
    assert_string_equal(m->node, "up");
    assert_int_equal(m->seq, 42);
    /* the bridges are left out: seq and sink only */
    assert_int_equal(m->n_actors, 2);
    seq = actor_named(m, "seq");
    sink = actor_named(m, "sink");
    assert_non_null(seq);
    assert_non_null(sink);
    assert_null(seq->remote);
    assert_true(seq->mcpu == 10);
    assert_int_equal(seq->n_figures, 1);
    assert_string_equal(seq->figures[0].name, "made");
    assert_true(sink->mcpu == 20);
    /* nodes as clusters, this one said so */
    assert_int_equal(m->n_troupes, 2);
    assert_string_equal(m->troupes[0], "up (here)");
    assert_string_equal(m->troupes[1], "down");
    assert_string_equal(seq->troupe, "up (here)");
    assert_int_equal(seq->troupe_index, 0);
    assert_string_equal(sink->troupe, "down");
    assert_int_equal(sink->troupe_index, 1);
    /* one channel, producer to consumer */
    assert_int_equal(m->n_channels, 1);
    ch = &m->channels[0];
    assert_string_equal(ch->from, "seq");
    assert_string_equal(ch->from_port, "out");
    assert_string_equal(ch->to, "sink");
    assert_string_equal(ch->to_port, "in");
    assert_string_equal(ch->type, "u64");
    assert_int_equal(ch->sent, 1000);
    assert_int_equal(ch->taken, 975);
    assert_int_equal(ch->capacity, 64 + 32);
    /* both halves, the publisher's window, the stream, the unacked */
    assert_int_equal(ch->inflight, 10 + 5 + 3 + 7 + 2);
    assert_true(ch->avg_rate == 97.5);
    assert_true(ch->avg_filled == 20);
    assert_true(ch->pct_filled == 20);
    assert_true(ch->latency_ms == 12);
    assert_int_equal(ch->alert, ALERT_ORANGE);
    assert_non_null(ch->link);
    assert_string_equal(ch->link,
                        "over NATS: 3 unacked, 7 in the stream, 2 resent, 4 "
                        "redelivered\n"
                        "stream full: 1 publishes refused");
    tel_snapshot_destroy(m);
    tel_cluster_destroy(c);
}

static void test_merge_says_a_node_is_silent(void **state)
{
    struct tel_cluster *c;
    struct tel_snapshot *m;

    (void)state;
    make_nodes();
    c = cluster_with_down(100 * SEC);
    /* just under the limit: not silent yet */
    m = tel_cluster_merge(c, &up, 100 * SEC + TEL_CLUSTER_SILENT_NS - 1);
    assert_non_null(m);
    assert_string_equal(m->troupes[1], "down");
    tel_snapshot_destroy(m);
    m = tel_cluster_merge(c, &up, 100 * SEC + TEL_CLUSTER_SILENT_NS + 5 * SEC);
    assert_non_null(m);
    assert_string_equal(m->troupes[1], "down (silent 8 s)");
    assert_string_equal(actor_named(m, "sink")->troupe, "down (silent 8 s)");
    /* still joined: its last summary stands */
    assert_int_equal(m->n_channels, 1);
    tel_snapshot_destroy(m);
    /* a clock behind the receipt reads as just heard */
    m = tel_cluster_merge(c, &up, 0);
    assert_non_null(m);
    assert_string_equal(m->troupes[1], "down");
    tel_snapshot_destroy(m);
    tel_cluster_destroy(c);
}

static void test_merge_without_the_far_node_keeps_the_bridge(void **state)
{
    struct tel_cluster *c = tel_cluster_create("pipeline", "up");
    struct tel_snapshot *m;
    const struct tel_actor *bridge;

    (void)state;
    assert_non_null(c);
    make_nodes();
    m = tel_cluster_merge(c, &up, 0);
    assert_non_null(m);
    assert_int_equal(m->n_troupes, 1);
    assert_string_equal(m->troupes[0], "up (here)");
    assert_int_equal(m->n_actors, 2);
    bridge = actor_named(m, "nats_pub-seq-out");
    assert_non_null(bridge);
    assert_string_equal(bridge->remote, "sink.in on node down");
    assert_int_equal(bridge->n_figures, 3);
    assert_string_equal(bridge->troupe, "up (here)");
    assert_int_equal(m->n_channels, 1);
    assert_string_equal(m->channels[0].from, "seq");
    assert_string_equal(m->channels[0].to, "nats_pub-seq-out");
    assert_int_equal(m->channels[0].inflight, 10);
    assert_null(m->channels[0].link);
    tel_snapshot_destroy(m);
    tel_cluster_destroy(c);
}

/* A node that knows the consumer's half only: the sub bridge stays. */
static void test_merge_seen_from_the_consumer(void **state)
{
    struct tel_cluster *c = tel_cluster_create("pipeline", "down");
    struct tel_snapshot *m;
    char err[256];

    (void)state;
    assert_non_null(c);
    make_nodes();
    m = tel_cluster_merge(c, &down, 0);
    assert_non_null(m);
    assert_int_equal(m->n_actors, 2);
    assert_non_null(actor_named(m, "nats_sub-seq-out"));
    assert_int_equal(m->n_channels, 1);
    assert_string_equal(m->channels[0].from, "nats_sub-seq-out");
    tel_snapshot_destroy(m);
    /* once up reports, the same join as seen from up */
    assert_int_equal(put(c, &up, 0, err, sizeof(err)), 0);
    m = tel_cluster_merge(c, &down, 0);
    assert_non_null(m);
    assert_string_equal(m->troupes[0], "down (here)");
    assert_string_equal(m->troupes[1], "up");
    assert_int_equal(m->n_actors, 2);
    assert_null(actor_named(m, "nats_sub-seq-out"));
    assert_null(actor_named(m, "nats_pub-seq-out"));
    assert_int_equal(m->n_channels, 1);
    assert_string_equal(m->channels[0].from, "seq");
    assert_string_equal(m->channels[0].to, "sink");
    assert_non_null(strstr(m->channels[0].link,
                           "3 unacked, 7 in the stream, 2 resent, 4 "
                           "redelivered"));
    tel_snapshot_destroy(m);
    tel_cluster_destroy(c);
}

/* A durable channel: both bridges on one node, joined the same way. */
static void test_merge_joins_a_durable_pair(void **state)
{
    struct tel_actor actors[4] = {
        { .name = "a", .state = TEL_RUNNING },
        { .name = "nats_pub-a-out", .remote = "b.in", .state = TEL_RUNNING },
        { .name = "nats_sub-a-out", .remote = "a.out", .state = TEL_RUNNING },
        { .name = "b", .state = TEL_RUNNING },
    };
    struct tel_channel channels[2] = {
        { .from = "a",
          .to = "nats_pub-a-out",
          .from_port = "out",
          .to_port = "in",
          .type = "u64",
          .capacity = 8,
          .sent = 5,
          .taken = 5 },
        { .from = "nats_sub-a-out",
          .to = "b",
          .from_port = "out",
          .to_port = "in",
          .type = "u64",
          .capacity = 8,
          .sent = 4,
          .taken = 3,
          .inflight = 1 },
    };
    struct tel_snapshot one = { .graph = "durable",
                                .node = "only",
                                .n_actors = 4,
                                .n_channels = 2,
                                .actors = actors,
                                .channels = channels };
    struct tel_cluster *c = tel_cluster_create("durable", "only");
    struct tel_snapshot *m;

    (void)state;
    assert_non_null(c);
    actors[1].n_figures = 1;
    actors[1].figures[0] = figure("unacked", false, 2);
    actors[2].n_figures = 1;
    actors[2].figures[0] = figure("redelivered", true, 6);
    m = tel_cluster_merge(c, &one, 0);
    assert_non_null(m);
    assert_int_equal(m->n_actors, 2);
    assert_string_equal(m->actors[0].name, "a");
    assert_string_equal(m->actors[1].name, "b");
    assert_int_equal(m->n_channels, 1);
    assert_string_equal(m->channels[0].from, "a");
    assert_string_equal(m->channels[0].to, "b");
    assert_int_equal(m->channels[0].taken, 3);
    assert_int_equal(m->channels[0].inflight, 0 + 1 + 2);
    assert_string_equal(m->channels[0].link,
                        "over NATS: 2 unacked, 0 in the stream, 0 resent, 6 "
                        "redelivered\n"
                        "stream full: 0 publishes refused");
    tel_snapshot_destroy(m);
    tel_cluster_destroy(c);
}

static void test_merged_picture_names_nodes(void **state)
{
    struct tel_cluster *c;
    struct tel_snapshot *m;
    struct strbuf b = { 0 };
    char *dot;

    (void)state;
    make_nodes();
    c = cluster_with_down(0);
    m = tel_cluster_merge(c, &up, 0);
    assert_non_null(m);
    dot_write(&b, m);
    assert_false(strbuf_failed(&b));
    dot = strbuf_take(&b, NULL);
    assert_non_null(strstr(dot, "label=\"node up (here)\""));
    assert_non_null(strstr(dot, "label=\"node down\""));
    assert_null(strstr(dot, "troupe "));
    assert_null(strstr(dot, "nats_pub-"));
    assert_null(strstr(dot, "nats_sub-"));
    /* the actors' own figures, and the link's line under the edge */
    assert_non_null(strstr(dot, "\\nmade: 1,000"));
    assert_non_null(
        strstr(dot, "\\nover NATS: 3 unacked, 7 in the stream, 2 resent, 4 "
                    "redelivered\\nstream full: 1 publishes "
                    "refused"));
    free(dot);
    /* a node's own picture still says troupe */
    dot_write(&b, &up);
    dot = strbuf_take(&b, NULL);
    assert_non_null(strstr(dot, "label=\"troupe t1\""));
    assert_null(strstr(dot, "label=\"node "));
    free(dot);
    tel_snapshot_destroy(m);
    tel_cluster_destroy(c);
}

static char *render(void (*fn)(struct strbuf *, const struct tel_snapshot *),
                    const struct tel_snapshot *s)
{
    struct strbuf b = { 0 };

    fn(&b, s);
    assert_false(strbuf_failed(&b));
    return strbuf_take(&b, NULL);
}

static void has(const char *text, const char *want)
{
    if (!strstr(text, want))
        fail_msg("no '%s' in:\n%s", want, text);
}

/* Figures as a far node may send them: counts beyond 2^64, below zero or
 * not a number, and values below zero. A count is drawn within 0 and
 * 2^64 - 1 (the cast of anything else is undefined), a value with its
 * sign (and, as every number of the picture, 0 when not finite). */
static void test_figures_drawn_whatever_their_values(void **state)
{
    struct tel_actor a = { .name = "far", .state = TEL_RUNNING };
    struct tel_snapshot s = {
        .graph = "g", .node = "n", .window_s = 1, .n_actors = 1, .actors = &a
    };
    char *dot;

    (void)state;
    a.n_figures = 8;
    a.figures[0] = figure("huge", true, 1e30);
    a.figures[1] = figure("two_to_64", true, 18446744073709551616.0);
    a.figures[2] = figure("below", true, -5);
    a.figures[3] = figure("nan", true, NAN);
    a.figures[4] = figure("largest", true, 18446744073709549568.0);
    a.figures[5] = figure("minus", false, -2.5);
    a.figures[6] = figure("value_nan", false, NAN);
    a.figures[7] = figure("value_inf", false, -INFINITY);
    dot = render(dot_write, &s);
    has(dot, "\\nhuge: 18,446,744,073,709,551,615\\n");
    has(dot, "\\ntwo_to_64: 18,446,744,073,709,551,615\\n");
    has(dot, "\\nbelow: 0\\n");
    has(dot, "\\nnan: 0\\n");
    has(dot, "\\nlargest: 18,446,744,073,709,549,568\\n");
    has(dot, "\\nminus: -2.5\\n");
    has(dot, "\\nvalue_nan: 0.0\\n");
    has(dot, "\\nvalue_inf: 0.0\"");
    free(dot);
}

/* A far publisher's unacked that is no count of messages (beyond range,
 * below zero, NaN) adds nothing to the joined channel's in-flight. */
static void test_hostile_unacked_adds_nothing(void **state)
{
    static const double hostile[] = { 1e30, -3, NAN, INFINITY };
    struct tel_cluster *c = tel_cluster_create("pipeline", "down");
    char err[256];

    (void)state;
    assert_non_null(c);
    make_nodes();
    for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
        struct tel_snapshot *m;

        up_actors[1].figures[0].value = hostile[i];
        assert_int_equal(put(c, &up, 0, err, sizeof(err)), 0);
        m = tel_cluster_merge(c, &down, 0);
        assert_non_null(m);
        assert_int_equal(m->n_channels, 1);
        /* the halves, the stream and the unacknowledged only */
        assert_int_equal(m->channels[0].inflight, 10 + 5 + 7 + 2);
        tel_snapshot_destroy(m);
    }
    tel_cluster_destroy(c);
}

/* On a node of a multi-node graph, the figures' samples carry the node
 * as every other sample does. */
static void test_figures_on_metrics_carry_the_node(void **state)
{
    char *text;

    (void)state;
    make_full();
    text = render(metrics_write, &full);
    has(text, "# TYPE actor_figure gauge\n");
    has(text, "# TYPE actor_count_total counter\n");
    has(text, "\nactor_figure{node=\"up\",actor_name=\"parser\",figure="
              "\"queue_depth\"} -2.5\n");
    has(text, "\nactor_count_total{node=\"up\",actor_name=\"parser\","
              "figure=\"rejected_lines\"} 12345678901\n");
    has(text, "\nactor_figure{node=\"up\",actor_name=\"parser\",figure="
              "\"inf\"} +Inf\n");
    has(text, "\nactor_count_total{node=\"up\",actor_name=\"nats_pub-"
              "parser-out\",figure=\"resent\"} 2\n");
    free(text);
}

/* The picture of m as /cluster.svg draws it: laid out by Graphviz, then
 * drawn on the layout. Caller frees. */
static char *draw_svg(const struct tel_snapshot *m)
{
    struct dot_gv *gv = dot_gv_create();
    struct dot_layout *l;
    struct svg_template *tpl;
    struct strbuf b = { 0 };
    char err[256] = "";

    assert_non_null(gv);
    l = dot_layout_create(gv, m, dot_labels_of(m), err, sizeof(err));
    if (!l)
        fail_msg("layout: %s", err);
    assert_true(dot_layout_fits(l, m, NULL));
    tpl = svg_template_create(l, m);
    assert_non_null(tpl);
    svg_write(&b, tpl, m);
    assert_false(strbuf_failed(&b));
    svg_template_destroy(tpl);
    dot_layout_destroy(l);
    dot_gv_destroy(gv);
    return strbuf_take(&b, NULL);
}

static void test_merged_svg_names_nodes(void **state)
{
    struct tel_cluster *c;
    struct tel_snapshot *m;
    char *svg;

    (void)state;
    make_nodes();
    c = cluster_with_down(0);
    m = tel_cluster_merge(c, &up, 0);
    assert_non_null(m);
    svg = draw_svg(m);
    has(svg, ">node up (here)</text>");
    has(svg, ">node down</text>");
    assert_null(strstr(svg, ">troupe "));
    has(svg, "data-from=\"seq\" data-to=\"sink\"");
    has(svg, ">over NATS: 3 unacked, 7 in the stream, 2 resent, 4 "
             "redelivered</text>");
    has(svg, ">stream full: 1 publishes refused</text>");
    free(svg);
    tel_snapshot_destroy(m);
    tel_cluster_destroy(c);
}

/* A far node's summary may name what it likes: channels between actors it
 * does not list, an actor of the same name as one of this node's, a node
 * name with quotes, a sub bridge with no pub anywhere and a pub with two
 * channels into it. Merged, written and drawn without harm. */
static void test_odd_far_summary_drawn(void **state)
{
    struct tel_actor far_actors[3] = {
        { .name = "seq", .state = TEL_RUNNING },
        { .name = "nats_sub-nobody", .state = TEL_RUNNING },
        { .name = "nats_pub-twice", .state = TEL_RUNNING },
    };
    struct tel_channel far_channels[4] = {
        { .from = "ghost", .to = "phantom", .type = "u64" },
        { .from = "nats_sub-nobody", .to = "ghost", .type = "u64" },
        { .from = "seq", .to = "nats_pub-twice", .type = "u64" },
        { .from = "ghost", .to = "nats_pub-twice", .type = "u64" },
    };
    struct tel_snapshot far = { .graph = "pipeline",
                                .node = "we\"ird\\",
                                .n_actors = 3,
                                .n_channels = 4,
                                .actors = far_actors,
                                .channels = far_channels };
    struct tel_actor here_actors[2] = {
        { .name = "nats_sub-twice", .state = TEL_RUNNING },
        { .name = "out", .state = TEL_RUNNING },
    };
    struct tel_channel here_channels[1] = {
        { .from = "nats_sub-twice",
          .to = "out",
          .from_port = "out",
          .to_port = "in",
          .type = "u64" },
    };
    struct tel_snapshot here = { .graph = "pipeline",
                                 .node = "here",
                                 .n_actors = 2,
                                 .n_channels = 1,
                                 .actors = here_actors,
                                 .channels = here_channels };
    struct tel_cluster *c = tel_cluster_create("pipeline", "here");
    struct tel_snapshot *m;
    struct strbuf b = { 0 };
    char err[256], *text;

    (void)state;
    assert_non_null(c);
    make_nodes();
    if (put(c, &far, 0, err, sizeof(err)) != 0)
        fail_msg("put: %s", err);
    m = tel_cluster_merge(c, &here, 0);
    assert_non_null(m);
    /* both channels into nats_pub-twice join the one out of its pair */
    assert_int_equal(m->n_channels, 4);
    assert_int_equal(m->n_actors, 3); /* out, seq, nats_sub-nobody */
    dot_write(&b, m);
    assert_false(strbuf_failed(&b));
    text = strbuf_take(&b, NULL);
    has(text, "label=\"node we\\\"ird\\\\\"");
    free(text);
    text = draw_svg(m);
    has(text, ">node we&quot;ird\\</text>");
    free(text);
    tel_snapshot_destroy(m);
    tel_cluster_destroy(c);
}

/* Summaries arrive on one thread while pictures are merged on another. */
struct putter {
    struct tel_cluster *c;
    char *bytes;
    size_t len;
};

static void *put_many(void *arg)
{
    struct putter *p = arg;
    char err[256];

    for (int i = 0; i < 300; i++)
        if (tel_cluster_put(p->c, p->bytes, p->len, (uint64_t)i, err,
                            sizeof(err)) != 0)
            return (void *)1;
    return NULL;
}

static void test_put_and_merge_on_two_threads(void **state)
{
    struct putter p;
    pthread_t th;
    void *rc;

    (void)state;
    make_nodes();
    p.c = tel_cluster_create("pipeline", "up");
    assert_non_null(p.c);
    p.bytes = encode(&down, &p.len);
    assert_int_equal(pthread_create(&th, NULL, put_many, &p), 0);
    for (int i = 0; i < 300; i++) {
        struct tel_snapshot *m = tel_cluster_merge(p.c, &up, 0);

        assert_non_null(m);
        /* before down's first summary the bridge stands; after, the join */
        assert_true(m->n_actors == 2);
        assert_int_equal(m->n_channels, 1);
        tel_snapshot_destroy(m);
    }
    assert_int_equal(pthread_join(th, &rc), 0);
    assert_null(rc);
    assert_int_equal(tel_cluster_count(p.c), 1);
    free(p.bytes);
    tel_cluster_destroy(p.c);
}

/* ---- the fuzz target's seeds ------------------------------------------- */

/* Valid summaries: the full one, both nodes of the merge, a durable pair's
 * node and an empty one. */
static void seeds(struct tel_snapshot *out, const char **names, size_t *n)
{
    static struct tel_actor durable_actors[2];
    static struct tel_channel durable_channels[2];

    make_full();
    make_nodes();
    durable_actors[0] = (struct tel_actor){ .name = "nats_pub-a-out",
                                            .remote = "b.in",
                                            .n_figures = 1 };
    durable_actors[0].figures[0] = figure("unacked", false, 2);
    durable_actors[1] = (struct tel_actor){ .name = "nats_sub-a-out",
                                            .remote = "a.out",
                                            .n_figures = 1 };
    durable_actors[1].figures[0] = figure("redelivered", true, 6);
    durable_channels[0] = (struct tel_channel){ .from = "a",
                                                .to = "nats_pub-a-out",
                                                .from_port = "out",
                                                .to_port = "in",
                                                .type = "u64",
                                                .capacity = 8 };
    durable_channels[1] = (struct tel_channel){ .from = "nats_sub-a-out",
                                                .to = "b",
                                                .from_port = "out",
                                                .to_port = "in",
                                                .type = "u64",
                                                .capacity = 8 };
    *n = 0;
    names[*n] = "full";
    out[(*n)++] = full;
    names[*n] = "node_up";
    out[(*n)++] = up;
    names[*n] = "node_down";
    out[(*n)++] = down;
    names[*n] = "durable_pair";
    out[(*n)++] = (struct tel_snapshot){ .graph = "pipeline",
                                         .node = "durable",
                                         .n_actors = 2,
                                         .n_channels = 2,
                                         .actors = durable_actors,
                                         .channels = durable_channels };
    names[*n] = "empty";
    out[(*n)++] = (struct tel_snapshot){ .graph = "pipeline", .node = "n" };
}

static void test_seed_corpus_is_current(void **state)
{
    struct tel_snapshot s[8];
    const char *names[8], *dir = getenv("STEADY_TEL_WIRE_SEEDS");
    size_t n;

    (void)state;
    seeds(s, names, &n);
    for (size_t i = 0; i < n; i++) {
        char path[4200], *bytes, *have = NULL;
        size_t len, have_len = 0;
        FILE *f;

        bytes = encode(&s[i], &len);
        if (dir) {
            snprintf(path, sizeof(path), "%s/%s.bin", dir, names[i]);
            f = fopen(path, "wb");
            assert_non_null(f);
            assert_int_equal(fwrite(bytes, 1, len, f), len);
            fclose(f);
        }
        snprintf(path, sizeof(path), SEEDS "/%s.bin", names[i]);
        f = fopen(path, "rb");
        if (f) {
            have = malloc(len + 1);
            assert_non_null(have);
            have_len = fread(have, 1, len + 1, f);
            fclose(f);
        }
        if (!have || have_len != len || memcmp(have, bytes, len) != 0)
            fail_msg("%s is not the summary this steady writes: "
                     "STEADY_TEL_WIRE_SEEDS=" SEEDS
                     " build/bin/test_tel_cluster "
                     "writes the seeds anew",
                     path);
        free(have);
        free(bytes);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_keeps_every_field),
        cmocka_unit_test(test_round_trip_of_nothing),
        cmocka_unit_test(test_long_name_cut_at_4096),
        cmocka_unit_test(test_every_truncation_refused),
        cmocka_unit_test(test_wrong_magic_refused),
        cmocka_unit_test(test_other_version_named),
        cmocka_unit_test(test_enum_out_of_range_refused),
        cmocka_unit_test(test_figure_fields_out_of_range_refused),
        cmocka_unit_test(test_channel_fields_out_of_range_refused),
        cmocka_unit_test(test_control_character_refused),
        cmocka_unit_test(test_bytes_after_the_end_refused),
        cmocka_unit_test(test_counts_beyond_length_refused),
        cmocka_unit_test(test_figure_name_too_long_refused),
        cmocka_unit_test(test_string_too_long_refused),
        cmocka_unit_test(test_no_node_refused),
        cmocka_unit_test(test_put_refuses_other_graph_and_own_node),
        cmocka_unit_test(test_put_refuses_one_node_too_many),
        cmocka_unit_test(test_merge_joins_the_bridge_pair),
        cmocka_unit_test(test_merge_says_a_node_is_silent),
        cmocka_unit_test(test_merge_without_the_far_node_keeps_the_bridge),
        cmocka_unit_test(test_merge_seen_from_the_consumer),
        cmocka_unit_test(test_merge_joins_a_durable_pair),
        cmocka_unit_test(test_merged_picture_names_nodes),
        cmocka_unit_test(test_merged_svg_names_nodes),
        cmocka_unit_test(test_odd_far_summary_drawn),
        cmocka_unit_test(test_figures_drawn_whatever_their_values),
        cmocka_unit_test(test_hostile_unacked_adds_nothing),
        cmocka_unit_test(test_figures_on_metrics_carry_the_node),
        cmocka_unit_test(test_put_and_merge_on_two_threads),
        cmocka_unit_test(test_seed_corpus_is_current),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_graph.c - the graph file loader: a good graph loads with every field
 * right, and each graph under tests/graphs/bad/ is refused with the exact
 * FILE:LINE:COL of the offending node and a message that says what to fix.
 */
#include "graph.h"
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
#include <unistd.h>
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h first. */
#include <cmocka.h>

#define GRAPHS STEADY_SOURCE_DIR "/tests/graphs/"

static struct plugin_registry *reg;

/* An alert watches `measure`'s `stat`, above or below its value. */
static void assert_alert(const struct graph_alert *al,
                         enum graph_measure measure, enum graph_stat stat,
                         bool below)
{
    assert_int_equal(al->measure, measure);
    assert_int_equal(al->stat, stat);
    assert_int_equal(al->below, below);
}
static char err[2048];

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

static struct graph *load(const char *file, const struct graph_override *ov,
                          size_t n)
{
    err[0] = '\0';
    return graph_load(file, ov, n, reg, err, sizeof(err));
}

static struct graph *load_ok(const char *file, const struct graph_override *ov,
                             size_t n)
{
    struct graph *g = load(file, ov, n);
    if (!g)
        print_error("unexpected error: %s\n", err);
    assert_non_null(g);
    return g;
}

/* Asserts that loading fails with "FILE:LINE:COL: " and each of the
 * (NULL-terminated) words in the message. */
static void expect_error(const char *file, const struct graph_override *ov,
                         size_t n, int line, int col, ...)
{
    char prefix[1024];
    const char *word;
    va_list ap;

    struct graph *g = load(file, ov, n);
    if (g)
        print_error("%s loaded but should not\n", file);
    assert_null(g);
    snprintf(prefix, sizeof(prefix), "%s:%d:%d: ", file, line, col);
    if (strncmp(err, prefix, strlen(prefix)) != 0)
        print_error("expected prefix '%s'\n got '%s'\n", prefix, err);
    assert_true(strncmp(err, prefix, strlen(prefix)) == 0);
    va_start(ap, col);
    while ((word = va_arg(ap, const char *))) {
        if (!strstr(err, word))
            print_error("expected '%s' in '%s'\n", word, err);
        assert_non_null(strstr(err, word));
    }
    va_end(ap);
}

static long actor_index(const struct graph *g, const char *name)
{
    for (size_t i = 0; i < g->n_actors; i++)
        if (strcmp(g->actors[i].name, name) == 0)
            return (long)i;
    return -1;
}

static const union param_value *param(const struct graph *g, const char *actor,
                                      const char *name)
{
    long a = actor_index(g, actor);
    assert_true(a >= 0);
    int i = plugin_param_index(g->actors[a].plugin->desc, name);
    assert_true(i >= 0);
    return &g->actors[a].params[i];
}

static void test_graph_load_good(void **state)
{
    (void)state;
    struct graph *g = load_ok(GRAPHS "good.yaml", NULL, 0);
    char buf[64];

    assert_string_equal(g->name, "good");
    assert_string_equal(g->file, GRAPHS "good.yaml");
    assert_int_equal(g->n_actors, 4);
    assert_string_equal(g->actors[0].name, "src");
    assert_string_equal(g->actors[1].name, "src2");
    assert_string_equal(g->actors[2].name, "sink");
    assert_string_equal(g->actors[3].name, "needs");
    assert_string_equal(g->actors[0].plugin->desc->name, "tp_src");
    assert_string_equal(g->actors[2].plugin->desc->name, "tp_sink");
    assert_int_equal(g->actors[2].pos.line, 29);
    assert_int_equal(g->actors[2].pos.col, 3);

    /* params: $args substituted and typed; defaults filled in */
    assert_int_equal(param(g, "src", "count")->i, 5);
    assert_string_equal(param(g, "src", "label")->s, "first source");
    assert_int_equal(param(g, "src2", "count")->i, 10);
    assert_string_equal(param(g, "src2", "label")->s, "src");
    assert_true(param(g, "sink", "verbose")->b);
    assert_true(param(g, "sink", "scale")->d == 2.5);
    assert_int_equal(param(g, "needs", "must")->i, -7);

    /* schedule */
    assert_null(g->actors[0].troupe);
    assert_int_equal(g->actors[0].cpu, -1);
    assert_string_equal(g->actors[1].troupe, "io");
    assert_int_equal(g->actors[1].cpu, 1);
    assert_string_equal(g->actors[2].troupe, "io");

    /* actor alerts: the defaults unless the actor gives its own */
    assert_int_equal(g->actors[0].n_alerts, 1);
    assert_alert(&g->actors[0].alerts[0], MEASURE_MCPU, STAT_AVG, false);
    assert_int_equal(g->actors[0].alerts[0].color, ALERT_YELLOW);
    assert_true(g->actors[0].alerts[0].value == 800);
    assert_int_equal(g->actors[2].n_alerts, 1);
    assert_alert(&g->actors[2].alerts[0], MEASURE_LOAD, STAT_AVG, false);
    assert_int_equal(g->actors[2].alerts[0].color, ALERT_RED);

    /* channels, in both forms */
    assert_int_equal(g->n_channels, 2);
    const struct graph_channel *c0 = &g->channels[0], *c1 = &g->channels[1];
    assert_string_equal(graph_endpoint_name(g, &c0->from, buf, sizeof(buf)),
                        "src.out");
    assert_string_equal(graph_endpoint_name(g, &c0->to, buf, sizeof(buf)),
                        "sink.in");
    assert_int_equal(c0->capacity, 32);
    assert_int_equal(c0->percentile, 90);
    assert_int_equal(c0->n_alerts, 2);
    assert_alert(&c0->alerts[0], MEASURE_FILLED, STAT_AVG, false);
    assert_int_equal(c0->alerts[0].color, ALERT_RED);
    assert_true(c0->alerts[0].value == 90);
    assert_int_equal(c0->alerts[1].color, ALERT_ORANGE);
    assert_int_equal(c0->pos.line, 36);
    assert_int_equal(c0->pos.col, 5);
    assert_string_equal(graph_endpoint_name(g, &c1->from, buf, sizeof(buf)),
                        "src2.out");
    assert_string_equal(graph_endpoint_name(g, &c1->to, buf, sizeof(buf)),
                        "sink.extra");
    assert_int_equal(c1->from.actor, 1);
    assert_int_equal(c1->to.actor, 2);
    assert_int_equal(c1->to.port, 1);
    assert_int_equal(c1->capacity, 128);
    assert_int_equal(c1->percentile, 50);
    assert_int_equal(c1->n_alerts, 1);
    assert_alert(&c1->alerts[0], MEASURE_RATE, STAT_AVG, true);
    assert_int_equal(c1->alerts[0].color, ALERT_YELLOW);

    /* telemetry and the rest */
    assert_true(g->telemetry.enabled);
    assert_string_equal(g->telemetry.address, "0.0.0.0");
    assert_int_equal(g->telemetry.port, 0);
    assert_false(g->telemetry.port_is_default);
    assert_int_equal(g->telemetry.frame_ms, 50);
    assert_int_equal(g->telemetry.window_s, 5);
    assert_int_equal(g->shutdown_timeout_ms, 2000);
    assert_int_equal(g->n_args, 3);
    assert_string_equal(g->args[0].name, "count");
    assert_string_equal(g->args[0].value, "5");
    assert_true(g->args[0].used);
    assert_int_equal(g->args[0].pos.line, 6);
    graph_destroy(g);
}

static void test_graph_load_overrides(void **state)
{
    (void)state;
    const struct graph_override ov[] = {
        { "count", "42" },
        { "scale", "-0.25" },
        { "count", "43" }, /* the last one wins */
    };
    struct graph *g = load_ok(GRAPHS "good.yaml", ov, 3);

    assert_int_equal(param(g, "src", "count")->i, 43);
    assert_true(param(g, "sink", "scale")->d == -0.25);
    assert_true(param(g, "sink", "verbose")->b); /* not overridden */
    assert_string_equal(g->args[0].value, "43");
    graph_destroy(g);
}

static void test_graph_load_defaults(void **state)
{
    (void)state;
    struct graph *g = load_ok(GRAPHS "minimal.yaml", NULL, 0);

    assert_true(g->telemetry.enabled);
    assert_string_equal(g->telemetry.address, "127.0.0.1");
    assert_int_equal(g->telemetry.port, 9900);
    assert_true(g->telemetry.port_is_default);
    assert_int_equal(g->telemetry.frame_ms, 100);
    assert_int_equal(g->telemetry.window_s, 10);
    assert_int_equal(g->shutdown_timeout_ms, 5000);
    assert_int_equal(g->n_args, 0);
    assert_int_equal(g->n_channels, 1);
    assert_int_equal(g->channels[0].capacity, 64);
    assert_int_equal(g->channels[0].percentile, 80);
    assert_int_equal(g->channels[0].n_alerts, 0);
    assert_int_equal(g->actors[0].n_alerts, 0);
    assert_int_equal(param(g, "src", "count")->i, 10);
    assert_string_equal(param(g, "src", "label")->s, "src");
    assert_false(param(g, "sink", "verbose")->b);
    assert_true(param(g, "sink", "scale")->d == 1.0);
    graph_destroy(g);
}

/* stats: lists (defaults, replaced per measure) and the STAT_MEASURE_DIR
 * triggers with their percentile and devs. */
static void test_graph_load_stats_and_triggers(void **state)
{
    (void)state;
    struct graph *g = load_ok(GRAPHS "telemetry/stats.yaml", NULL, 0);
    const struct graph_channel *c0 = &g->channels[0], *c1 = &g->channels[1];
    const struct graph_actor *ticker = &g->actors[2];
    const unsigned spread = 1u << STAT_MIN | 1u << STAT_MAX | 1u << STAT_STDDEV;

    /* defaults.channel.stats */
    assert_int_equal(c0->stats[MEASURE_FILLED].shown, spread);
    assert_int_equal(c0->stats[MEASURE_FILLED].n_percentiles, 2);
    assert_int_equal(c0->stats[MEASURE_FILLED].percentiles[0], 5000);
    assert_int_equal(c0->stats[MEASURE_FILLED].percentiles[1], 9990);
    assert_int_equal(c0->stats[MEASURE_RATE].shown, 1u << STAT_MAX);
    assert_int_equal(c0->stats[MEASURE_RATE].percentiles[0], 9500);
    assert_int_equal(c0->stats[MEASURE_LATENCY].shown, 1u << STAT_MAX);
    assert_int_equal(c0->stats[MEASURE_LATENCY].n_percentiles, 0);
    /* a channel's own list replaces that measure only */
    assert_int_equal(c1->stats[MEASURE_RATE].shown, spread);
    assert_int_equal(c1->stats[MEASURE_RATE].n_percentiles, 1);
    assert_int_equal(c1->stats[MEASURE_RATE].percentiles[0], 5000);
    assert_int_equal(c1->stats[MEASURE_FILLED].n_percentiles, 2);
    /* actors: defaults.actor.stats, ticker replaces mcpu */
    assert_int_equal(g->actors[0].stats[MEASURE_MCPU].shown,
                     1u << STAT_MAX | 1u << STAT_STDDEV);
    assert_int_equal(g->actors[0].stats[MEASURE_LOAD].percentiles[0], 9000);
    assert_int_equal(ticker->stats[MEASURE_MCPU].shown, 1u << STAT_MIN);
    assert_int_equal(ticker->stats[MEASURE_LOAD].n_percentiles, 1);

    /* triggers */
    assert_int_equal(ticker->n_alerts, 2);
    assert_alert(&ticker->alerts[0], MEASURE_MCPU, STAT_MAX, true);
    assert_true(ticker->alerts[0].value == 100000);
    assert_int_equal(ticker->alerts[0].color, ALERT_YELLOW);
    assert_alert(&ticker->alerts[1], MEASURE_LOAD, STAT_PERCENTILE, false);
    assert_int_equal(ticker->alerts[1].percentile, 5000);
    assert_alert(&c0->alerts[0], MEASURE_FILLED, STAT_MIN, false);
    assert_alert(&c0->alerts[1], MEASURE_FILLED, STAT_STDDEVS, true);
    assert_true(c0->alerts[1].devs == 2);
    assert_true(c0->alerts[1].value == 50);
    assert_int_equal(c0->alerts[1].color, ALERT_ORANGE);
    assert_alert(&c1->alerts[0], MEASURE_RATE, STAT_PERCENTILE, true);
    assert_int_equal(c1->alerts[0].percentile, 5000);
    assert_alert(&c1->alerts[1], MEASURE_RATE, STAT_STDDEV, false);
    assert_int_equal(c1->alerts[1].percentile, 0);
    graph_destroy(g);

    /* no stats: anywhere: nothing shown besides the averages */
    g = load_ok(GRAPHS "minimal.yaml", NULL, 0);
    for (int m = 0; m < GRAPH_N_MEASURES; m++) {
        assert_int_equal(g->channels[0].stats[m].shown, 0);
        assert_int_equal(g->channels[0].stats[m].n_percentiles, 0);
        assert_int_equal(g->actors[0].stats[m].shown, 0);
    }
    graph_destroy(g);
}

static void test_graph_load_telemetry_off(void **state)
{
    (void)state;
    struct graph *g = load_ok(GRAPHS "off.yaml", NULL, 0);

    assert_false(g->telemetry.enabled);
    assert_false(g->telemetry.port_is_default);
    assert_int_equal(g->n_channels, 0);
    graph_destroy(g);
}

/* Every bad graph: where the error points and what it must say. */
struct bad_case {
    const char *file;
    int line, col;
    const char *words[3];
};

static const struct bad_case bad_cases[] = {
    { "unknown_key.yaml",
      6,
      1,
      { "unknown key 'chanels'; did you mean 'channels'?" } },
    { "unknown_actor_key.yaml",
      6,
      5,
      { "unknown key 'parms'; did you mean 'params'?" } },
    { "duplicate_key.yaml",
      6,
      5,
      { "duplicate key 'plugin'", "first at 5:5" } },
    { "duplicate_actor.yaml",
      6,
      3,
      { "duplicate actor 'src'", "first at 4:3" } },
    { "not_a_map.yaml", 4, 3, { "'actors' must be a map, got a list" } },
    { "not_a_list.yaml", 7, 3, { "'channels' must be a list, got a map" } },
    { "not_a_scalar.yaml",
      7,
      14,
      { "param 'count' must be a scalar, got a list" } },
    { "top_level_list.yaml",
      2,
      1,
      { "top level must be a map", "got a list" } },
    { "missing_graph.yaml", 2, 1, { "missing 'graph'" } },
    { "missing_actors.yaml", 2, 1, { "missing 'actors'" } },
    { "missing_plugin.yaml", 4, 3, { "actor 'src' has no 'plugin'" } },
    { "unknown_plugin.yaml",
      4,
      18,
      { "unknown plugin 'tp_srcc'", "did you mean 'tp_src'?" } },
    { "bad_actor_name.yaml",
      4,
      3,
      { "bad actor name 'my.src'", "letters, digits" } },
    { "bad_troupe_name.yaml", 4, 34, { "bad troupe name 'io group'" } },
    { "troupe_cpu_conflict.yaml",
      5,
      45,
      { "troupe 'io' to cpu 1", "actor 'src' pins it to cpu 0" } },
    { "unknown_actor.yaml",
      7,
      16,
      { "unknown actor 'snk'; did you mean 'sink'?" } },
    { "unknown_port.yaml",
      7,
      31,
      { "actor 'sink' has no port 'inn'; did you mean 'in'?" } },
    { "unknown_port_far.yaml",
      7,
      9,
      { "actor 'src' has no port 'values'; its ports are 'out'" } },
    { "bad_endpoint.yaml", 7, 5, { "expected 'actor.port', got 'src'" } },
    { "bad_channel.yaml",
      7,
      5,
      { "'actor.port -> actor.port'", "got 'src.out => sink.in'" } },
    { "wrong_direction.yaml",
      7,
      5,
      { "'sink.in' is an input port", "from an output to an input" } },
    { "port_used_twice.yaml",
      8,
      5,
      { "port 'src.out' is already connected", "channel at 7:5" } },
    { "required_unconnected.yaml",
      5,
      3,
      { "actor 'sink'", "required input 'in'", "unconnected" } },
    { "type_mismatch.yaml",
      7,
      5,
      { "src.out sends 'u64' (8 bytes) but wide.in takes 'wide' (16 "
        "bytes)" } },
    { "bundle_over_max_wired.yaml",
      13,
      5,
      { "bundle 'fanout.out' takes at most 4 channels",
        "max_wired of plugin 'tp_fanout'", "its 5th (the first is at 9:5)" } },
    { "bundle_index_not_bundle.yaml",
      7,
      12,
      { "port 'src.out' is not a bundle", "takes no index; write 'src.out'" } },
    { "bundle_index_duplicate.yaml",
      11,
      16,
      { "index 1 of bundle 'fanout.out' is already taken by the channel at "
        "9:5",
        "take the indices 0 to 2, one each" } },
    { "bundle_index_gap.yaml",
      10,
      22,
      { "bundle 'fanout.out' has 2 channels, so its indices run from 0 to 1",
        "index 2 leaves 1 without a channel" } },
    { "bundle_index_over_max_wired.yaml",
      9,
      16,
      { "bundle 'fanout.out' takes at most 4 channels (max_wired of plugin "
        "'tp_fanout'), so its indices run from 0 to 3; got 4" } },
    { "bundle_index_negative.yaml",
      7,
      24,
      { "the index of bundle 'sink.in' must be a whole number", "got '-1'" } },
    { "bundle_index_not_a_number.yaml",
      9,
      22,
      { "the index of bundle 'fanout.out' must be a whole number from 0 to "
        "3, got 'one'" } },
    { "bundle_index_mixed.yaml",
      9,
      14,
      { "bundle 'sink.in' is wired with an index by the channel at 8:5 but "
        "without one here",
        "give every channel of a bundle an index" } },
    { "bundle_index_syntax.yaml",
      7,
      16,
      { "expected 'actor.port' or 'actor.port[index]', got 'sink.in[0'" } },
    { "bundle_required_unconnected.yaml",
      4,
      3,
      { "actor 'fanin' leaves its required input bundle 'in'",
        "wire at least one channel to it" } },
    { "any_conflict.yaml",
      9,
      5,
      { "conflicting types for the any-typed ports of actor 'copy'",
        "wide.in takes 'wide' (16 bytes) here",
        "src.out sends 'u64' (8 bytes) (channel at 8:5)" } },
    { "any_unresolved.yaml",
      8,
      5,
      { "the type of one.out -> two.in cannot be resolved",
        "both ends are any-typed", "wire a typed port to 'one' or 'two'" } },
    { "capacity_zero.yaml",
      7,
      45,
      { "capacity must be a whole number from 1 to 1073741824", "got '0'" } },
    { "capacity_not_a_number.yaml", 5, 15, { "capacity", "got 'lots'" } },
    { "capacity_too_large.yaml",
      7,
      45,
      { "capacity", "got '99999999999999999999999'" } },
    { "ring_too_large.yaml",
      7,
      40,
      { "capacity 536870912", "16-byte 'wide'", "4 GiB" } },
    { "unknown_arg.yaml",
      6,
      44,
      { "unknown arg '$cout'; did you mean '$count'?" } },
    { "unknown_param.yaml",
      4,
      36,
      { "plugin 'tp_src' has no param 'cont'; did you mean 'count'?" } },
    { "unknown_param_far.yaml",
      4,
      36,
      { "no param 'colour'; its params are 'count', 'label'" } },
    { "param_type.yaml",
      4,
      43,
      { "param 'count' takes an integer", "got 'ten'" } },
    { "param_type_arg.yaml",
      9,
      24,
      { "param 'verbose' takes true or false", "got 'very'", "(from $loud)" } },
    { "param_range_int.yaml",
      4,
      47,
      { "actor 'pass': count must be in 1..1000, got 0" } },
    { "param_range_double.yaml",
      6,
      22,
      { "actor 'pass': ratio must be in 0..1, got 1.5" } },
    { "param_one_of.yaml",
      7,
      13,
      { "actor 'pass': mode must be one of 'fast', 'safe', 'slow', got "
        "'fsat'; did you mean 'fast'?" } },
    { "param_range_arg.yaml",
      7,
      47,
      { "actor 'pass': floor must be at least -5, got -6 (from $floor, set "
        "at 5:3)" } },
    { "missing_param.yaml",
      4,
      3,
      { "actor 'needy' needs param 'must'", "no default" } },
    { "bad_listen.yaml",
      4,
      21,
      { "telemetry listen port must be 0 to 65535", "got '99999'" } },
    { "bad_frame_ms.yaml",
      4,
      13,
      { "frame_ms must be a whole number from 1 to 10000", "got '0'" } },
    { "bad_percentile.yaml",
      7,
      47,
      { "percentile must be a whole number from 1 to 99", "got '100'" } },
    { "bad_cpu.yaml",
      4,
      56,
      { "cpu must be a whole number from 0 to 1023", "got '-1'" } },
    { "bad_restart_key.yaml",
      7,
      24,
      { "unknown key 'within'", "did you mean 'within_s'?" } },
    { "bad_restart_max.yaml",
      5,
      21,
      { "restart max must be a whole number from 0 to 1000000",
        "got 'lots'" } },
    { "bad_state_dir.yaml", 3, 12, { "'state_dir' must be a scalar" } },
    { "alert_wrong_kind.yaml",
      6,
      17,
      { "alert 'avg_mcpu_above' watches actors, not channels" } },
    { "bad_alert_color.yaml",
      8,
      51,
      { "unknown color 'rad'; did you mean 'red'?" } },
    { "two_documents.yaml", 5, 1, { "one YAML document" } },
    { "bad_stats_key.yaml",
      9,
      14,
      { "unknown key 'fill'; did you mean 'filled'?" } },
    { "bad_stats_actor_key.yaml",
      7,
      14,
      { "unknown key 'filled'; expected one of 'mcpu', 'load'" } },
    { "bad_stats_word.yaml",
      6,
      21,
      { "unknown statistic 'stdev'; did you mean 'stddev'?" } },
    { "bad_stats_percentile.yaml",
      7,
      56,
      { "bad percentile 'p100'", "above 0 and below 100",
        "such as p95 or p99.9" } },
    { "bad_stats_twice.yaml", 5, 31, { "'max' is listed twice for load" } },
    { "bad_stats_not_a_list.yaml",
      8,
      13,
      { "stats of mcpu must be a list such as [max, stddev, p95], got a "
        "scalar" } },
    { "bad_stats_percentiles.yaml",
      10,
      57,
      { "more than 8 percentiles for latency" } },
    { "bad_alert_trigger.yaml",
      10,
      17,
      { "unknown alert 'max_filed_above'; did you mean 'max_filled_above'?" } },
    { "bad_alert_trigger_far.yaml",
      8,
      17,
      { "unknown alert 'whenever'", "STAT_MEASURE_above or _below",
        "as in avg_filled_above" } },
    { "bad_alert_devs.yaml",
      11,
      38,
      { "'devs' applies to stddevs_* alerts, not 'stddev_filled_above'",
        "did you mean 'stddevs_filled_above'?" } },
    { "bad_alert_no_devs.yaml",
      6,
      9,
      { "alert 'stddevs_rate_below' needs 'devs'" } },
    { "bad_alert_devs_zero.yaml",
      8,
      43,
      { "an alert's devs must be a number above 0 and at most 100",
        "got '0'" } },
    { "bad_alert_percentile.yaml",
      10,
      55,
      { "an alert's percentile must be a number above 0 and below 100",
        "got '100'" } },
    { "bad_alert_percentile_kind.yaml",
      10,
      33,
      { "'percentile' applies to percentile_* alerts, not "
        "'max_rate_above'" } },
    { "bad_stack_kib.yaml",
      4,
      53,
      { "stack_kib must be a whole number from 64 to 1048576", "got '16'" } },
};

static void test_graph_load_bad_graphs(void **state)
{
    (void)state;
    char file[512];

    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const struct bad_case *b = &bad_cases[i];
        snprintf(file, sizeof(file), GRAPHS "bad/%s", b->file);
        expect_error(file, NULL, 0, b->line, b->col, b->words[0], b->words[1],
                     b->words[2], NULL);
    }
}

/* Every file in bad/ is in the table, so none goes untested. */
static void test_graph_bad_graphs_all_listed(void **state)
{
    (void)state;
    DIR *dir = opendir(GRAPHS "bad");
    struct dirent *de;
    size_t n = 0;

    assert_non_null(dir);
    while ((de = readdir(dir))) {
        const char *name = de->d_name;
        bool listed = false;
        if (name[0] == '.')
            continue;
        for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++)
            listed = listed || strcmp(bad_cases[i].file, name) == 0;
        listed = listed || strcmp(name, "yaml_syntax.yaml") == 0;
        if (!listed)
            print_error("%s is not in bad_cases\n", name);
        assert_true(listed);
        n++;
    }
    closedir(dir);
    assert_true(n > 30);
}

/* libyaml's own message and mark, prefixed by the file. */
static void test_graph_load_yaml_syntax(void **state)
{
    (void)state;
    const char *file = GRAPHS "bad/yaml_syntax.yaml";
    struct graph *g = load(file, NULL, 0);

    assert_null(g);
    assert_true(strncmp(err, file, strlen(file)) == 0);
    assert_non_null(strstr(err, ": bad YAML: "));
    assert_non_null(strstr(err, "flow mapping"));
    int line = 0, col = 0;
    assert_int_equal(sscanf(err + strlen(file), ":%d:%d:", &line, &col), 2);
    assert_int_equal(line, 5);
}

static void test_graph_load_unknown_flag(void **state)
{
    (void)state;
    const struct graph_override typo[] = { { "cont", "3" } };
    const struct graph_override far[] = { { "zzzzzz", "3" } };

    /* points at the file's `args:` */
    expect_error(GRAPHS "good.yaml", typo, 1, 5, 1,
                 "unknown flag '--cont'; did you mean '--count'?", NULL);
    expect_error(GRAPHS "good.yaml", far, 1, 5, 1, "unknown flag '--zzzzzz'",
                 "'--count', '--loud', '--scale'", NULL);
    /* no args at all: 1:1 */
    expect_error(GRAPHS "minimal.yaml", typo, 1, 1, 1,
                 "unknown flag '--cont'; the graph declares no args", NULL);
}

/* An override's text is typed where the arg is used. */
static void test_graph_load_override_wrong_type(void **state)
{
    (void)state;
    const struct graph_override ov[] = { { "count", "abc" } };

    expect_error(GRAPHS "good.yaml", ov, 1, 27, 22,
                 "param 'count' takes an integer", "got 'abc'", "(from $count)",
                 NULL);
}

/* Values at the edges of the declared limits load; one past them, from
 * the command line, is refused where the arg is used, naming the flag. */
static void test_graph_load_limits(void **state)
{
    const struct graph_override edge[] = { { "count", "1" },
                                           { "mode", "fast" } };
    const struct graph_override low[] = { { "count", "0" } };
    const struct graph_override high[] = { { "--count", "0x3e9" } };
    const struct graph_override word[] = { { "mode", "sloow" } };
    struct graph *g;

    (void)state;
    g = load_ok(GRAPHS "ranges.yaml", NULL, 0);
    assert_int_equal(param(g, "pass", "count")->i, 1000);
    assert_string_equal(param(g, "pass", "mode")->s, "slow");
    assert_int_equal(param(g, "pass", "ceiling")->i, 16);
    graph_destroy(g);
    g = load_ok(GRAPHS "ranges.yaml", edge, 2);
    assert_int_equal(param(g, "pass", "count")->i, 1);
    graph_destroy(g);
    expect_error(GRAPHS "ranges.yaml", low, 1, 10, 22,
                 "actor 'pass': count must be in 1..1000, got 0 (from --count "
                 "on the command line, via $count)",
                 NULL);
    expect_error(GRAPHS "ranges.yaml", high, 1, 10, 22,
                 "count must be in 1..1000, got 0x3e9 (from --count", NULL);
    expect_error(GRAPHS "ranges.yaml", word, 1, 10, 46,
                 "actor 'pass': mode must be one of 'fast', 'safe', 'slow', "
                 "got 'sloow'; did you mean 'slow'? (from --mode on the "
                 "command line, via $mode)",
                 NULL);
}

static void test_graph_load_no_file(void **state)
{
    (void)state;
    const char *file = GRAPHS "no_such_graph.yaml";

    assert_null(load(file, NULL, 0));
    char want[600];
    snprintf(want, sizeof(want), "%s: cannot open: No such file or directory",
             file);
    assert_string_equal(err, want);
    /* a directory opens but cannot be read */
    assert_null(load(GRAPHS, NULL, 0));
    assert_non_null(strstr(err, "cannot read"));
}

static void test_graph_destroy_null(void **state)
{
    (void)state;
    graph_destroy(NULL);
}

/* ---- odd inputs, written to a temporary file ------------------------- */

static char tmpdir[64];
static char tmpfiles[64][128];
static size_t n_tmpfiles;

static const char *write_tmp(const char *name, const char *text, size_t len)
{
    char *path = tmpfiles[n_tmpfiles];

    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_graph.XXXXXX");
        assert_non_null(mkdtemp(tmpdir));
    }
    assert_true(n_tmpfiles < sizeof(tmpfiles) / sizeof(tmpfiles[0]));
    snprintf(path, sizeof(tmpfiles[0]), "%s/%s", tmpdir, name);
    n_tmpfiles++;
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    fclose(f);
    return path;
}

#define TMP(name, text) write_tmp(name, text, sizeof(text) - 1)

/* What the minimal graph needs after the part under test. */
#define BODY                        \
    "actors:\n"                     \
    "  src: { plugin: tp_src }\n"   \
    "  sink: { plugin: tp_sink }\n" \
    "channels: [ src.out -> sink.in ]\n"

static void test_graph_load_odd_files(void **state)
{
    (void)state;
    const char *f;

    f = TMP("empty.yaml", "");
    expect_error(f, NULL, 0, 1, 1, "empty graph file", NULL);
    f = TMP("comment.yaml", "# nothing here\n");
    expect_error(f, NULL, 0, 1, 1, "empty graph file", NULL);
    f = TMP("scalar.yaml", "hello\n");
    expect_error(f, NULL, 0, 1, 1, "top level must be a map", "got a scalar",
                 NULL);
    f = TMP("nul.yaml", "graph: \"a\\0b\"\n" BODY);
    expect_error(f, NULL, 0, 1, 8, "NUL", NULL);
    f = write_tmp("utf8.yaml", "graph: \xff\xfe\n", 10);
    expect_error(f, NULL, 0, 1, 8, "bad YAML", NULL);
    f = TMP("alias.yaml", "graph: a\n"
                          "actors: &a\n"
                          "  x: *a\n");
    expect_error(f, NULL, 0, 3, 3, "unknown key 'x'", NULL);
    f = TMP("undefined_alias.yaml", "graph: *nope\n" BODY);
    expect_error(f, NULL, 0, 1, 8, "bad YAML", "undefined alias", NULL);
    f = TMP("merge.yaml", "graph: m\n"
                          "x: &base { plugin: tp_src }\n" BODY);
    expect_error(f, NULL, 0, 2, 1, "unknown key 'x'", NULL);
    f = TMP("merge2.yaml", "graph: m\n"
                           "actors:\n"
                           "  src: { <<: { plugin: tp_src } }\n");
    expect_error(f, NULL, 0, 3, 10, "merge keys", NULL);
    f = TMP("huge_int.yaml", "graph: h\n"
                             "actors:\n"
                             "  n: { plugin: tp_needs, params: { must: "
                             "-99999999999999999999 } }\n");
    expect_error(f, NULL, 0, 3, 42, "param 'must' takes an integer", NULL);
    f = TMP("empty_actors.yaml", "graph: e\nactors:\n");
    expect_error(f, NULL, 0, 2, 8, "'actors' is empty", NULL);
    f = TMP("empty_name.yaml", "graph: ''\n" BODY);
    expect_error(f, NULL, 0, 1, 8, "'graph' must not be empty", NULL);
    f = TMP("key_list.yaml", "graph: k\n? [a, b]\n: c\n" BODY);
    expect_error(f, NULL, 0, 2, 3, "expected a scalar key", NULL);
    f = TMP("listen.yaml", "graph: l\ntelemetry: { listen: 'nowhere' }\n" BODY);
    expect_error(f, NULL, 0, 2, 22, "\"ADDR:PORT\"", NULL);
    f = TMP("listen_addr.yaml",
            "graph: l\ntelemetry: { listen: 'example:80' }\n" BODY);
    expect_error(f, NULL, 0, 2, 22, "not an IPv4 or IPv6 address", NULL);
    f = TMP("window.yaml",
            "graph: w\ntelemetry: { frame_ms: 5000, window_s: 2 }\n" BODY);
    expect_error(f, NULL, 0, 2, 40, "window_s (2 s) is shorter", NULL);
    f = TMP("deep.yaml", "graph: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
                         "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n" BODY);
    expect_error(f, NULL, 0, 1, 8, "'graph' must be a scalar", NULL);
    f = TMP("tabs.yaml", "graph: t\nactors:\n\tsrc: { plugin: tp_src }\n");
    expect_error(f, NULL, 0, 3, 1, "bad YAML", NULL);
}

/* Anchors used the ordinary way, IPv6 and localhost listen addresses. */
static void test_graph_load_anchors_and_listen(void **state)
{
    (void)state;
    struct graph *g;
    const char *f;

    f = TMP("anchors.yaml", "graph: a\n"
                            "telemetry: { listen: '[::1]:9901' }\n"
                            "actors:\n"
                            "  s1: { plugin: tp_src, params: &p "
                            "{ count: 7 } }\n"
                            "  s2: { plugin: tp_src, params: *p }\n"
                            "  k1: { plugin: tp_sink }\n"
                            "  k2: { plugin: tp_sink }\n"
                            "channels: [ s1.out -> k1.in, s2.out -> k2.in ]\n");
    g = load_ok(f, NULL, 0);
    assert_int_equal(param(g, "s2", "count")->i, 7);
    assert_string_equal(g->telemetry.address, "::1");
    assert_int_equal(g->telemetry.port, 9901);
    graph_destroy(g);

    f = TMP("localhost.yaml",
            "graph: l\ntelemetry: { listen: localhost:0 }\n" BODY);
    g = load_ok(f, NULL, 0);
    assert_string_equal(g->telemetry.address, "127.0.0.1");
    assert_int_equal(g->telemetry.port, 0);
    assert_int_equal(g->channels[0].pos.line, 6);
    graph_destroy(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_graph_load_good),
        cmocka_unit_test(test_graph_load_overrides),
        cmocka_unit_test(test_graph_load_defaults),
        cmocka_unit_test(test_graph_load_telemetry_off),
        cmocka_unit_test(test_graph_load_stats_and_triggers),
        cmocka_unit_test(test_graph_load_bad_graphs),
        cmocka_unit_test(test_graph_bad_graphs_all_listed),
        cmocka_unit_test(test_graph_load_yaml_syntax),
        cmocka_unit_test(test_graph_load_unknown_flag),
        cmocka_unit_test(test_graph_load_override_wrong_type),
        cmocka_unit_test(test_graph_load_limits),
        cmocka_unit_test(test_graph_load_no_file),
        cmocka_unit_test(test_graph_destroy_null),
        cmocka_unit_test(test_graph_load_odd_files),
        cmocka_unit_test(test_graph_load_anchors_and_listen),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    for (size_t i = 0; i < n_tmpfiles; i++)
        unlink(tmpfiles[i]);
    if (tmpdir[0])
        rmdir(tmpdir);
    return rc;
}

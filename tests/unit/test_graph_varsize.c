/* test_graph_varsize.c - the graph file's variable-size channels and
 * overflow policies: `bytes` and `overflow` on a channel and in
 * defaults.channel, and each graph under tests/graphs/varsize/bad/ refused
 * at the exact FILE:LINE:COL with a message that says what to fix (a wrong
 * value, variable-size joined to fixed-size, a plugin built against channel
 * layout 1 on a channel it cannot handle).
 */
#include "graph.h"
#include "graph_impl.h"
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

#define GRAPHS STEADY_SOURCE_DIR "/tests/graphs/varsize/"

static struct plugin_registry *reg;
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

static struct graph *load_ok(const char *file)
{
    struct graph *g;

    err[0] = '\0';
    g = graph_load(file, NULL, 0, reg, err, sizeof(err));
    if (!g)
        fail_msg("unexpected error: %s", err);
    return g;
}

static void test_bytes_and_overflow_from_defaults(void **state)
{
    struct graph *g = load_ok(GRAPHS "defaults.yaml");

    (void)state;
    assert_int_equal(g->n_channels, 2);
    assert_int_equal(g->channels[0].capacity, 8);
    assert_int_equal(g->channels[0].bytes, 4096);
    assert_int_equal(g->channels[0].overflow, STEADY_OVERFLOW_DROP_NEWEST);
    /* a channel's own key wins over the default */
    assert_int_equal(g->channels[1].overflow, STEADY_OVERFLOW_BLOCK);
    graph_destroy(g);
}

static void test_defaults_when_unsaid(void **state)
{
    struct graph *g = load_ok(GRAPHS "plain.yaml");

    (void)state;
    assert_int_equal(g->channels[0].capacity, 32);
    assert_int_equal(g->channels[0].bytes, GRAPH_DEFAULT_BYTES);
    assert_int_equal(g->channels[0].bytes, 65536);
    assert_int_equal(g->channels[0].overflow, STEADY_OVERFLOW_BLOCK);
    graph_destroy(g);
}

static void test_channel_keys(void **state)
{
    struct graph *g = load_ok(GRAPHS "text.yaml");

    (void)state;
    assert_int_equal(g->channels[0].capacity, 16);
    assert_int_equal(g->channels[0].bytes, 3000);
    graph_destroy(g);
    g = load_ok(GRAPHS "drop_oldest.yaml");
    assert_int_equal(g->channels[0].overflow, STEADY_OVERFLOW_DROP_OLDEST);
    graph_destroy(g);
    g = load_ok(GRAPHS "drop_newest.yaml");
    assert_int_equal(g->channels[0].overflow, STEADY_OVERFLOW_DROP_NEWEST);
    graph_destroy(g);
}

/* A layout-1 plugin loads and takes part in plain channels. */
static void test_layout1_plugin_on_plain_channels(void **state)
{
    struct graph *g = load_ok(GRAPHS "layout1_plain.yaml");

    (void)state;
    assert_int_equal(g->actors[1].plugin->channel_layout, 1);
    assert_int_equal(g->n_channels, 2);
    graph_destroy(g);
}

struct bad_case {
    const char *file;
    int line, col;
    const char *words[3];
};

static const struct bad_case bad_cases[] = {
    { "bytes_zero.yaml",
      7,
      42,
      { "bytes must be a whole number from 1 to 1073741824", "got '0'" } },
    { "bytes_huge.yaml", 7, 42, { "bytes must be", "got '99999999999'" } },
    { "bytes_not_a_number.yaml", 4, 21, { "bytes must be", "got '64k'" } },
    { "bytes_on_fixed.yaml",
      7,
      55,
      { "'bytes' bounds a variable-size channel",
        "carries 'u64' items of 8 bytes" } },
    { "overflow_typo.yaml",
      7,
      45,
      { "unknown overflow policy 'drop_olderst'",
        "did you mean 'drop_oldest'?" } },
    { "overflow_unknown.yaml",
      7,
      45,
      { "unknown overflow policy 'sometimes'",
        "expected one of 'block', 'drop_oldest', 'drop_newest'" } },
    { "overflow_not_a_scalar.yaml", 7, 45, { "overflow policy" } },
    { "defaults_overflow_typo.yaml",
      4,
      24,
      { "unknown overflow policy 'blok'", "did you mean 'block'?" } },
    { "varsize_to_fixed.yaml",
      7,
      5,
      { "src.out sends variable-size 'text' messages",
        "sink.in takes 'u64' items of 8 bytes",
        "two variable-size ports or two fixed-size ones" } },
    { "fixed_to_varsize.yaml",
      7,
      5,
      { "src.out sends 'u64' items of 8 bytes",
        "sink.in takes variable-size 'text' messages" } },
    { "varsize_ring_too_large.yaml",
      7,
      45,
      { "capacity 1073741824 of variable-size 'text' messages", "4 GiB" } },
    { "layout1_text.yaml",
      8,
      5,
      { "old.text cannot use this channel: it carries variable-size "
        "messages",
        "plugin 'tp_layout1'", "built against channel layout 1" } },
    { "layout1_drop.yaml",
      7,
      44,
      { "old.in cannot use this channel: it drops items when full",
        "rebuild the plugin against this SDK (channel layout 3)" } },
    { "layout1_drop_default.yaml",
      9,
      5,
      { "old.out cannot use this channel", "drops items when full" } },
};

static void test_bad_graphs(void **state)
{
    char file[512], prefix[600];

    (void)state;
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const struct bad_case *b = &bad_cases[i];
        struct graph *g;

        snprintf(file, sizeof(file), GRAPHS "bad/%s", b->file);
        err[0] = '\0';
        g = graph_load(file, NULL, 0, reg, err, sizeof(err));
        if (g)
            fail_msg("%s loaded but should not", file);
        snprintf(prefix, sizeof(prefix), "%s:%d:%d: ", file, b->line, b->col);
        if (strncmp(err, prefix, strlen(prefix)) != 0)
            fail_msg("expected prefix '%s'\n got '%s'", prefix, err);
        for (int w = 0; w < 3 && b->words[w]; w++)
            if (!strstr(err, b->words[w]))
                fail_msg("expected '%s' in '%s'", b->words[w], err);
    }
}

/* Every file in bad/ is in the table, so none goes untested. */
static void test_bad_graphs_all_listed(void **state)
{
    DIR *dir = opendir(GRAPHS "bad");
    struct dirent *de;
    size_t n = 0;

    (void)state;
    assert_non_null(dir);
    while ((de = readdir(dir))) {
        bool listed = false;

        if (de->d_name[0] == '.')
            continue;
        for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++)
            listed = listed || strcmp(bad_cases[i].file, de->d_name) == 0;
        if (!listed)
            fail_msg("%s is not in bad_cases", de->d_name);
        n++;
    }
    closedir(dir);
    assert_int_equal(n, sizeof(bad_cases) / sizeof(bad_cases[0]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bytes_and_overflow_from_defaults),
        cmocka_unit_test(test_defaults_when_unsaid),
        cmocka_unit_test(test_channel_keys),
        cmocka_unit_test(test_layout1_plugin_on_plain_channels),
        cmocka_unit_test(test_bad_graphs),
        cmocka_unit_test(test_bad_graphs_all_listed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

/* test_graph_limits.c - hostile graph files, generated here: deep nesting,
 * megabytes of long names with a misspelled reference, very long keys and
 * scalars, thousands of anchors, args and pinned troupes. Each is refused
 * with a clear FILE:LINE:COL message (or loads) within a bound of CPU time;
 * before the bounds, some of these took from seconds to hours.
 *
 * The time bound is CPU time, so a busy machine does not fail it, scaled for
 * sanitizer builds; STEADY_TEST_TIME_SCALE=N multiplies it further, 0 skips
 * the timing (the behaviour is still checked).
 */
#include "graph.h"
#include "graph_impl.h"
#include "loader.h"
#include "suggest.h"
#include "yaml_doc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h first. */
#include <cmocka.h>

#if defined(__SANITIZE_THREAD__)
#define SANITIZER_SLOWDOWN 20.0
#elif defined(__SANITIZE_ADDRESS__)
#define SANITIZER_SLOWDOWN 8.0
#else
#define SANITIZER_SLOWDOWN 1.0
#endif

/* CPU seconds a hostile file may take in a release build: a second, plus a
 * quarter of a second per MB (loading takes about 0.2 s per MB of the
 * densest files today; these took from 5 s to hours before). */
#define BOUND_S        1.0
#define BOUND_S_PER_MB 0.25

static struct plugin_registry *reg;
static char err[4096];
static char dir[64];
static char path[128];
static double time_scale;

static int setup(void **state)
{
    const char *env = getenv("STEADY_TEST_TIME_SCALE");

    (void)state;
    time_scale = SANITIZER_SLOWDOWN * (env && *env ? atof(env) : 1.0);
    snprintf(dir, sizeof(dir), "/tmp/test_graph_limits.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof(path), "%s/hostile.yaml", dir);
    reg = plugin_registry_create(STEADY_TEST_PLUGIN_DIR);
    return reg ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    plugin_registry_destroy(reg);
    unlink(path);
    rmdir(dir);
    return 0;
}

/* ---- writing the file ------------------------------------------------- */

static FILE *out;

static void begin(void)
{
    out = fopen(path, "wb");
    assert_non_null(out);
}

static void put(const char *fmt, ...) STEADY_PRINTF(1, 2);

static void put(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    assert_true(vfprintf(out, fmt, ap) >= 0);
    va_end(ap);
}

static void repeat(const char *s, size_t times)
{
    static char chunk[1 << 16];
    size_t len = strlen(s), per = sizeof(chunk) / len;

    for (size_t i = 0; i < per; i++)
        memcpy(chunk + i * len, s, len);
    while (times) {
        size_t n = times < per ? times : per;
        assert_int_equal(fwrite(chunk, len, n, out), n);
        times -= n;
    }
}

static void end(void)
{
    assert_int_equal(fclose(out), 0);
    out = NULL;
}

/* A name of `len` letters, different for each i and far from the others. */
static void name_of(char *buf, size_t len, unsigned i)
{
    uint64_t x = 0x9e3779b97f4a7c15u * (i + 1);
    for (size_t k = 0; k < len; k++) {
        x ^= x >> 29;
        x *= 0xbf58476d1ce4e5b9u;
        buf[k] = (char)('a' + (x >> 59) % 26);
    }
    buf[len] = '\0';
}

/* ---- loading it ------------------------------------------------------- */

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Loads the file, checks the time it took, returns the graph or NULL with
 * the message in err. */
static struct graph *load_timed(const char *what)
{
    struct stat st;
    double start, took, bound, mb;
    struct graph *g;

    assert_int_equal(stat(path, &st), 0);
    mb = (double)st.st_size / (1 << 20);
    bound = (BOUND_S + BOUND_S_PER_MB * mb) * time_scale;
    err[0] = '\0';
    start = cpu_now();
    g = graph_load(path, NULL, 0, reg, err, sizeof(err));
    took = cpu_now() - start;
    print_message("%s (%.1f MB): %.3f s of CPU\n", what, mb, took);
    if (time_scale > 0 && took > bound)
        fail_msg("%s took %.2f s of CPU, over %.1f s", what, took, bound);
    return g;
}

/* Asserts the load fails at LINE:COL with `text` in the message. */
static void expect_refused(const char *what, int line, int col,
                           const char *text)
{
    char prefix[256];
    struct graph *g = load_timed(what);

    if (g)
        fail_msg("%s loaded but should not", what);
    snprintf(prefix, sizeof(prefix), "%s:%d:%d: ", path, line, col);
    if (strncmp(err, prefix, strlen(prefix)) != 0 || !strstr(err, text))
        fail_msg("%s: expected '%s...%s', got '%.300s'", what, prefix, text,
                 err);
}

#define BODY                        \
    "actors:\n"                     \
    "  src: { plugin: tp_src }\n"   \
    "  sink: { plugin: tp_sink }\n" \
    "channels: [ src.out -> sink.in ]\n"

/* ---- nesting ---------------------------------------------------------- */

static void test_nesting_flow_lists(void **state)
{
    (void)state;
    /* 160 KB of '[' took 38 s: the scanner's work per token grows with
     * the depth. */
    begin();
    put("graph: ");
    repeat("[", 160000);
    end();
    expect_refused("160 KB of '['", 1, 8 + YAML_DOC_MAX_DEPTH - 1,
                   "nesting deeper than 64 levels of lists and maps");
}

static void test_nesting_flow_maps(void **state)
{
    (void)state;
    begin();
    repeat("{a: ", 40000);
    end();
    expect_refused("40000 '{a: '", 1, 1 + 4 * YAML_DOC_MAX_DEPTH,
                   "nesting deeper than 64 levels");
}

static void test_nesting_block(void **state)
{
    (void)state;
    begin();
    put("graph: g\nactors:\n");
    for (int i = 0; i < 3000; i++)
        put("%*sa%d:\n", 2 + i, "", i);
    end();
    /* the root map is level 1 and level N starts at line N + 1 */
    expect_refused("3000 nested block maps", YAML_DOC_MAX_DEPTH + 2,
                   YAML_DOC_MAX_DEPTH + 2, "nesting deeper than 64");

    begin();
    repeat("- ", 100000);
    put("x\n");
    end();
    expect_refused("100000 '- '", 1, 1 + 2 * YAML_DOC_MAX_DEPTH,
                   "nesting deeper than 64");
}

static void test_nesting_at_the_bound_loads(void **state)
{
    (void)state;
    struct graph *g;

    /* 64 levels in all: the root map, `graph`'s 62 lists and a map */
    begin();
    put("graph: g\nargs: { x: 1 }\nunused: ");
    repeat("[", YAML_DOC_MAX_DEPTH - 2);
    put("{a: 1}");
    repeat("]", YAML_DOC_MAX_DEPTH - 2);
    put("\n" BODY);
    end();
    expect_refused("64 levels", 3, 1, "unknown key 'unused'");

    begin();
    put("graph: g\n" BODY);
    end();
    g = load_timed("minimal");
    assert_non_null(g);
    graph_destroy(g);
}

/* ---- long names and the suggestion search ----------------------------- */

/* ~6 MB: 6000 actors with names of 1000 letters, then a channel naming one
 * of them with its last letter wrong. The suggestion search compared every
 * name with every other letter by letter (8 s here, 193 s in a slower
 * build); names longer than SUGGEST_MAX_LEN are no longer compared. */
static void test_long_names_misspelled_actor(void **state)
{
    (void)state;
    static char name[1001], wrong[1001];

    begin();
    put("graph: long\nactors:\n");
    for (unsigned i = 0; i < 6000; i++) {
        name_of(name, 1000, i);
        put("  %s: { plugin: tp_src }\n", name);
    }
    name_of(wrong, 1000, 17);
    wrong[999] = wrong[999] == 'x' ? 'y' : 'x';
    name_of(name, 1000, 3);
    put("channels:\n  - %s.out -> %s.in\n", name, wrong);
    end();
    expect_refused("6 MB of long names, misspelled actor", 6004, 5 + 1000 + 8,
                   "unknown actor '");
    assert_null(strstr(err, "did you mean"));
}

/* The same file with the actor right and the port misspelled: the
 * suggestion still comes, quickly. */
static void test_long_names_misspelled_port(void **state)
{
    (void)state;
    static char name[1001], other[1001];

    begin();
    put("graph: long\nactors:\n");
    for (unsigned i = 0; i < 6000; i++) {
        name_of(name, 1000, i);
        put("  %s: { plugin: %s }\n", name, i % 2 ? "tp_sink" : "tp_src");
    }
    name_of(name, 1000, 0);
    name_of(other, 1000, 1);
    put("channels:\n  - %s.out -> %s.inn\n", name, other);
    end();
    expect_refused("6 MB of long names, misspelled port", 6004,
                   5 + 1000 + 8 + 1000 + 1, "did you mean 'in'?");
}

/* Names near the comparison bound: 50000 actors of 60 letters (~4 MB)
 * and a reference one letter off, which is still suggested. */
static void test_many_names_at_the_bound(void **state)
{
    (void)state;
    static char name[SUGGEST_MAX_LEN + 1], wrong[SUGGEST_MAX_LEN + 1];

    begin();
    put("graph: many\nactors:\n");
    for (unsigned i = 0; i < 50000; i++) {
        name_of(name, 60, i);
        put("  %s: { plugin: tp_src }\n", name);
    }
    name_of(wrong, 60, 45000);
    strcpy(name, wrong);
    wrong[30] = wrong[30] == 'x' ? 'y' : 'x';
    put("channels:\n  - %s.out -> nowhere.in\n", wrong);
    end();
    expect_refused("50000 names of 60 letters", 50004, 5, "did you mean '");
    assert_non_null(strstr(err, name));
}

static void test_long_key_and_scalar(void **state)
{
    (void)state;
    struct graph *g;

    /* A 4 MB key (only an explicit '?' key may pass 1024 characters) */
    begin();
    put("graph: g\n? ");
    repeat("k", 4 << 20);
    put("\n: 1\n" BODY);
    end();
    expect_refused("4 MB key", 2, 3, "unknown key 'kkkk");

    /* A 4 MB scalar is only text: the graph loads. */
    begin();
    put("graph: ");
    repeat("n", 4 << 20);
    put("\n" BODY);
    end();
    g = load_timed("4 MB graph name");
    if (!g)
        fail_msg("4 MB graph name: %.300s", err);
    assert_int_equal(strlen(g->name), 4 << 20);
    graph_destroy(g);

    /* A 4 MB $reference to an arg that does not exist */
    begin();
    put("graph: g\nargs: { rate: 1 }\nactors:\n"
        "  src: { plugin: tp_src, params: { count: $");
    repeat("r", 4 << 20);
    put(" } }\n  sink: { plugin: tp_sink }\n"
        "channels: [ src.out -> sink.in ]\n");
    end();
    expect_refused("4 MB $reference", 4, 43, "unknown arg '$rrrr");
}

static void test_size_cap(void **state)
{
    (void)state;
    char want[256];

    begin();
    put("graph: g\n" BODY "#");
    repeat("-", YAML_DOC_MAX_BYTES);
    end();
    assert_null(load_timed("over 16 MiB"));
    snprintf(want, sizeof(want), "%s: too large for a graph file (over 16 MiB)",
             path);
    assert_string_equal(err, want);

    /* exactly at the cap: read and checked */
    begin();
    put("graph: g\n" BODY "#");
    repeat("-", YAML_DOC_MAX_BYTES - strlen("graph: g\n" BODY "#"));
    end();
    struct graph *g = load_timed("exactly 16 MiB");
    if (!g)
        fail_msg("exactly 16 MiB: %.300s", err);
    graph_destroy(g);
}

/* ---- many of a kind: each lookup used to scan all the others ----------- */

static void test_many_anchors_and_aliases(void **state)
{
    (void)state;
    struct graph *g;

    /* libyaml's own loader looked each anchor up in a list: 470 KB of
     * anchors took 4 s, 16 MB would take hours. */
    begin();
    put("graph: g\nactors:\n");
    for (unsigned i = 0; i < 50000; i++)
        put("  s%u: &p%u { plugin: tp_src }\n  k%u: { plugin: tp_sink }\n", i,
            i, i);
    put("channels:\n");
    for (unsigned i = 0; i < 50000; i++)
        put("  - &c%u s%u.out -> k%u.in\n", i, i, i);
    put("unused: [");
    for (unsigned i = 0; i < 50000; i++)
        put("*p%u, *c%u, ", i, 49999 - i);
    put("]\n");
    end();
    expect_refused("100000 anchors, 100000 aliases", 150004, 1,
                   "unknown key 'unused'");

    begin();
    put("graph: g\nx: &a 1\ny: &a 2\n");
    end();
    expect_refused("anchor twice", 3, 4,
                   "anchor '&a' is defined twice "
                   "(first at 2:4)");
    begin();
    put("graph: *nope\n");
    end();
    expect_refused("undefined alias", 1, 8, "undefined alias '*nope'");

    /* an anchor used the ordinary way still works */
    begin();
    put("graph: g\nactors:\n"
        "  s1: &s { plugin: tp_src, params: { count: 3 } }\n"
        "  s2: *s\n"
        "  k1: { plugin: tp_sink }\n  k2: { plugin: tp_sink }\n"
        "channels: [ s1.out -> k1.in, s2.out -> k2.in ]\n");
    end();
    g = load_timed("aliased actor");
    if (!g)
        fail_msg("aliased actor: %.300s", err);
    assert_int_equal(g->n_actors, 4);
    assert_int_equal(g->actors[1].params[0].i, 3);
    graph_destroy(g);
}

/* A long common prefix makes every string comparison count. */
#define ARG "the_rate_of_source_"

static void test_many_args_and_references(void **state)
{
    (void)state;
    struct graph *g;

    /* 40000 args, each used by one actor: each was found by a linear
     * search, about 4 s. */
    begin();
    put("graph: g\nargs:\n");
    for (unsigned i = 0; i < 40000; i++)
        put("  %s%u: %u\n", ARG, i, i);
    put("actors:\n");
    for (unsigned i = 0; i < 40000; i++) {
        put("  s%u: { plugin: tp_src, params: { count: $%s%u } }\n", i, ARG,
            39999 - i);
        put("  k%u: { plugin: tp_sink }\n", i);
    }
    put("channels:\n");
    for (unsigned i = 0; i < 40000; i++)
        put("  - s%u.out -> k%u.in\n", i, i);
    end();
    g = load_timed("40000 args and references");
    if (!g)
        fail_msg("40000 args: %.300s", err);
    assert_int_equal(g->n_actors, 80000);
    assert_int_equal(g->actors[0].params[0].i, 39999);
    assert_int_equal(g->actors[79998].params[0].i, 0);
    graph_destroy(g);
}

#define TROUPE "the_troupe_on_cpu_"

static void test_many_pinned_troupe_members(void **state)
{
    (void)state;

    /* Each pinned member was compared with every actor before it. */
    begin();
    put("graph: g\nactors:\n");
    for (unsigned i = 0; i < 60000; i++)
        put("  a%u: { plugin: tp_sink, troupe: %s%u, cpu: %u }\n", i, TROUPE,
            i % 7, i % 7);
    put("  last: { plugin: tp_sink, troupe: %s3, cpu: 4 }\n", TROUPE);
    end();
    expect_refused(
        "60000 pinned troupe members", 60003,
        (int)strlen("  last: { plugin: tp_sink, troupe: " TROUPE "3, cpu: ") +
            1,
        "actor 'last' pins troupe '" TROUPE "3' to cpu 4 but "
        "actor 'a3' pins it to cpu 3");
}

static void test_alert_lists_bounded(void **state)
{
    (void)state;

    /* The defaults are copied into every actor: 100000 alerts times
     * 100000 actors would be hundreds of gigabytes. */
    begin();
    put("graph: g\ndefaults: { actor: { alerts: [\n");
    for (int i = 0; i < 1000; i++)
        put("  { when: avg_load_above, value: %d, color: red },\n", i);
    put("] } }\n" BODY);
    end();
    expect_refused("1000 default alerts", 2 + GRAPH_MAX_ALERTS + 1, 3,
                   "more than 32 alerts in one list");
}

/* ---- the bounded edit distance ---------------------------------------- */

static void test_suggest_distance_within_matches_exact(void **state)
{
    (void)state;
    char a[24], b[24];
    unsigned seed = 1;

    /* Small alphabets make near and far pairs alike. */
    for (int t = 0; t < 200000; t++) {
        size_t la = (size_t)rand_r(&seed) % 20, lb = (size_t)rand_r(&seed) % 20;
        int letters = 1 + rand_r(&seed) % 4;
        size_t max = (size_t)rand_r(&seed) % 8, exact, within;

        for (size_t i = 0; i < la; i++)
            a[i] = (char)('a' + rand_r(&seed) % letters);
        a[la] = '\0';
        for (size_t i = 0; i < lb; i++)
            b[i] = (char)('a' + rand_r(&seed) % letters);
        b[lb] = '\0';
        exact = suggest_distance(a, b);
        within = suggest_distance_within(a, b, max);
        if (within != (exact <= max ? exact : max + 1))
            fail_msg("'%s' '%s' max %zu: exact %zu, within %zu", a, b, max,
                     exact, within);
    }
}

static void test_suggest_length_bound(void **state)
{
    (void)state;
    char word[SUGGEST_MAX_LEN + 2], near[SUGGEST_MAX_LEN + 2];
    const char *names[1];

    memset(word, 'a', sizeof(word) - 1);
    word[sizeof(word) - 1] = '\0';
    strcpy(near, word);
    near[0] = 'b';
    names[0] = near;
    /* one letter off, but longer than the bound: not compared */
    assert_null(suggest_closest(word, names, 1));
    assert_int_equal(suggest_distance_within(word, near, 3), 4);
    /* at the bound: compared */
    word[SUGGEST_MAX_LEN] = near[SUGGEST_MAX_LEN] = '\0';
    assert_ptr_equal(suggest_closest(word, names, 1), near);
    /* ties still go to the earlier candidate, closer ones win */
    const char *list[] = { "wroker", "worker", "workers", "worke" };
    assert_string_equal(suggest_closest("workr", list, 4), "worker");
    assert_string_equal(suggest_closest("wroker", list, 4), "wroker");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nesting_flow_lists),
        cmocka_unit_test(test_nesting_flow_maps),
        cmocka_unit_test(test_nesting_block),
        cmocka_unit_test(test_nesting_at_the_bound_loads),
        cmocka_unit_test(test_long_names_misspelled_actor),
        cmocka_unit_test(test_long_names_misspelled_port),
        cmocka_unit_test(test_many_names_at_the_bound),
        cmocka_unit_test(test_long_key_and_scalar),
        cmocka_unit_test(test_size_cap),
        cmocka_unit_test(test_many_anchors_and_aliases),
        cmocka_unit_test(test_many_args_and_references),
        cmocka_unit_test(test_many_pinned_troupe_members),
        cmocka_unit_test(test_alert_lists_bounded),
        cmocka_unit_test(test_suggest_distance_within_matches_exact),
        cmocka_unit_test(test_suggest_length_bound),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

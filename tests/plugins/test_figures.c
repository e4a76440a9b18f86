/* test_figures.c - an actor's own figures through a real plugin
 * (tests/testplugins/tp_figures.c): steady_figure_set and steady_count_add
 * return 0 for good names, in init and in run, and -1 for a bad name, a
 * ninth figure and a name used as the other kind, with one warning per
 * actor however many calls are refused. (How telemetry shows them:
 * tests/integration/test_telemetry_figures.c.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
/* cmocka.h needs the headers above */
#include <cmocka.h>
#include <steady/actor.h>
#include <steady/testing.h>

#define NOT_SHOWN "; it is not shown"

/* tp_figures as `figures` making the calls of `init_ops` and `ops`, run
 * until it logged them. */
static struct steady_test *run_ops(const char *init_ops, const char *ops)
{
    struct steady_test *t =
        steady_test_load(STEADY_TEST_PLUGIN_DIR "/tp_figures.so", "figures");

    assert_non_null(t);
    assert_int_equal(steady_test_set_param(t, "init_ops", init_ops), 0);
    assert_int_equal(steady_test_set_param(t, "ops", ops), 0);
    assert_int_equal(steady_test_start(t), 0);
    if (!steady_test_await_log(t, "figures done", 5000))
        fail_msg("no 'figures done' in:\n%s", steady_test_log(t));
    return t;
}

static void stop(struct steady_test *t)
{
    steady_test_request_shutdown(t);
    assert_int_equal(steady_test_wait(t, 5000), 0);
    steady_test_destroy(t);
}

/* The log has the line "op OP -> RC". */
static void returned(struct steady_test *t, const char *op, int rc)
{
    char line[320];

    snprintf(line, sizeof(line), "op %s -> %d\n", op, rc);
    if (!strstr(steady_test_log(t), line))
        fail_msg("no '%.*s' in:\n%s", (int)strlen(line) - 1, line,
                 steady_test_log(t));
}

static int occurrences(const char *text, const char *what)
{
    int n = 0;

    for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
        n++;
    return n;
}

/* The log has the warning `text` NOT_SHOWN. */
static void warned(struct steady_test *t, const char *text)
{
    char line[320];

    snprintf(line, sizeof(line), "%s" NOT_SHOWN, text);
    if (!strstr(steady_test_log(t), line))
        fail_msg("no '%s' in:\n%s", line, steady_test_log(t));
}

/* The log has the warning `text` NOT_SHOWN and no other: one warning per
 * actor however many calls were refused. */
static void warned_once(struct steady_test *t, const char *text)
{
    assert_int_equal(occurrences(steady_test_log(t), NOT_SHOWN), 1);
    warned(t, text);
}

static void test_good_names_return_zero(void **unused)
{
    struct steady_test *t;

    (void)unused;
    t = run_ops("set:queue_depth=2.5",
                "add:rejected=3 add:rejected=4 set:queue_depth=-1 "
                "set:a=0 add:x9_=1 set:a_name_of_thirty_one_characters=1");
    returned(t, "set:queue_depth=2.5", 0);
    returned(t, "add:rejected=3", 0);
    returned(t, "add:rejected=4", 0);
    returned(t, "set:queue_depth=-1", 0);
    returned(t, "set:a=0", 0);
    returned(t, "add:x9_=1", 0);
    returned(t, "set:a_name_of_thirty_one_characters=1", 0);
    assert_int_equal(occurrences(steady_test_log(t), NOT_SHOWN), 0);
    stop(t);
}

static void test_bad_names_refused_warned_once(void **unused)
{
    static const char *const bad[] = {
        "set:Queue=1",     "set:1st=1",
        "set:has-dash=1",  "add:has.dot=1",
        "set:=1",          "add:-=1",
        "set:_lead=1",     "set:a_name_that_has_thirty_two_chars=1",
        "set:sp\xc3\xa9=1"
    };
    struct steady_test *t;
    char ops[1024] = "";

    (void)unused;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        strcat(ops, bad[i]);
        strcat(ops, " ");
    }
    strcat(ops, "set:fine=1");
    t = run_ops("", ops);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        returned(t, bad[i], -1);
    returned(t, "set:fine=1", 0);
    /* one warning, for the first */
    warned_once(t, "figure 'Queue' is not a figure name: snake_case, "
                   "[a-z][a-z0-9_]*, at most 31 characters");
    stop(t);
}

static void test_ninth_figure_refused(void **unused)
{
    struct steady_test *t;

    (void)unused;
    t = run_ops("set:f1=1 add:f2=1 set:f3=1 add:f4=1",
                "set:f5=1 add:f6=1 set:f7=1 add:f8=1 set:f9=1 add:f10=1 "
                "add:f8=5 set:f1=2");
    returned(t, "set:f1=1", 0);
    returned(t, "add:f8=1", 0);
    returned(t, "set:f9=1", -1);
    returned(t, "add:f10=1", -1);
    /* the eight it has still take calls */
    returned(t, "add:f8=5", 0);
    returned(t, "set:f1=2", 0);
    warned_once(t, "figure 'f9' would be one figure too many (at most 8 per "
                   "actor)");
    stop(t);
}

static void test_other_kind_refused(void **unused)
{
    struct steady_test *t;

    (void)unused;
    t = run_ops("set:level=1 add:lines=1",
                "add:level=1 set:lines=2 set:level=3 add:lines=4");
    returned(t, "add:level=1", -1);
    returned(t, "set:lines=2", -1);
    returned(t, "set:level=3", 0);
    returned(t, "add:lines=4", 0);
    warned_once(t, "figure 'level' is a value (steady_figure_set), not a "
                   "count");
    stop(t);
}

static void test_count_declared_first_refuses_a_value(void **unused)
{
    struct steady_test *t;

    (void)unused;
    t = run_ops("", "add:lines=1 set:lines=2");
    returned(t, "set:lines=2", -1);
    warned(t, "figure 'lines' is a count (steady_count_add), not a value");
    stop(t);
}

/* The limits the header states are the ones the calls keep. */
static void test_header_limits(void **unused)
{
    (void)unused;
    assert_int_equal(STEADY_FIGURE_NAME_MAX, 31);
    assert_int_equal(STEADY_MAX_FIGURES, 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_names_return_zero),
        cmocka_unit_test(test_bad_names_refused_warned_once),
        cmocka_unit_test(test_ninth_figure_refused),
        cmocka_unit_test(test_other_kind_refused),
        cmocka_unit_test(test_count_declared_first_refuses_a_value),
        cmocka_unit_test(test_header_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_loader.c - the plugin loader against real shared objects: every
 * refusal class, a good plugin's fields, the registry's search path and
 * suggestions, `steady inspect`'s description, and the edit distance.
 */
#include "inspect.h"
#include "loader.h"
#include "suggest.h"

#include <dlfcn.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* cmocka.h needs the standard headers above included first. */
#include <cmocka.h>

#define TP(name) STEADY_TEST_PLUGIN_DIR "/" name ".so"

static char err[1024];

/* Opens path expecting a refusal; checks out stayed untouched and the
 * message names the file and contains reason. */
static void expect_refusal(const char *path, const char *reason)
{
    struct loaded_plugin p = { (char *)"untouched", (void *)&p, NULL };

    err[0] = '\0';
    assert_int_equal(plugin_open(path, &p, err, sizeof(err)), -1);
    assert_string_equal(p.path, "untouched");
    assert_ptr_equal(p.handle, &p);
    assert_null(p.desc);
    assert_non_null(strstr(err, path));
    assert_int_equal(strncmp(err, path, strlen(path)), 0);
    if (!strstr(err, reason))
        fail_msg("message '%s' lacks '%s'", err, reason);
    assert_null(strchr(err, '\n'));
}

/* Opens path expecting success; on failure shows the loader's reason. */
static void expect_open(const char *path, struct loaded_plugin *p)
{
    err[0] = '\0';
    if (plugin_open(path, p, err, sizeof(err)) != 0)
        fail_msg("%s", err);
}

/* ---- plugin_open refusals ---- */

static void test_plugin_open_missing_file(void **state)
{
    (void)state;
    expect_refusal(TP("tp_does_not_exist"), "cannot load");
    assert_non_null(strstr(err, "No such file"));
}

static void test_plugin_open_no_entry(void **state)
{
    (void)state;
    expect_refusal(TP("tp_noentry"),
                   "does not export steady_plugin_entry; is it a steady "
                   "plugin? (define it with STEADY_PLUGIN_DEFINE)");
}

static void test_plugin_open_null_entry(void **state)
{
    (void)state;
    expect_refusal(TP("tp_nullentry"), "returned NULL");
}

static void test_plugin_open_wrong_abi(void **state)
{
    (void)state;
    expect_refusal(TP("tp_wrongabi"), "built for steady ABI 2.x, this host "
                                      "runs 1.x; rebuild the plugin");
}

static void test_plugin_open_wrong_channel_layout(void **state)
{
    (void)state;
    expect_refusal(TP("tp_wronglayout"),
                   "built against channel layout 99, this host uses channel "
                   "layout 1; rebuild the plugin");
}

static void test_plugin_open_records_channel_layout(void **state)
{
    struct loaded_plugin p = { 0 };
    char why[512];
    void *layout;

    (void)state;
    assert_int_equal(plugin_open(TP("tp_good"), &p, why, sizeof(why)), 0);
    layout = dlsym(p.handle, STEADY_PLUGIN_LAYOUT_SYMBOL);
    assert_non_null(layout);
    assert_int_equal(*(const uint32_t *)layout, STEADY_CHANNEL_LAYOUT);
    plugin_close(&p);
}

static void test_plugin_open_short_descriptor(void **state)
{
    char want[64];

    (void)state;
    snprintf(want, sizeof(want), "descriptor is 16 bytes, at least %zu",
             (size_t)STEADY_PLUGIN_MIN_SIZE);
    expect_refusal(TP("tp_short"), want);
}

static void test_plugin_open_no_run(void **state)
{
    (void)state;
    expect_refusal(TP("tp_norun"), "has no run function");
}

static void test_plugin_open_duplicate_port(void **state)
{
    (void)state;
    expect_refusal(TP("tp_dupport"), "port 'data' is declared twice");
}

static void test_plugin_open_bad_param_default(void **state)
{
    (void)state;
    expect_refusal(TP("tp_badparam"),
                   "param 'count' has default 'abc', which is not a valid "
                   "int");
}

/* ---- plugin_open success ---- */

static void test_plugin_open_good(void **state)
{
    struct loaded_plugin p = { 0 };
    const struct steady_plugin *d;

    (void)state;
    expect_open(TP("tp_good"), &p);
    assert_string_equal(p.path, TP("tp_good"));
    assert_non_null(p.handle);
    d = p.desc;
    assert_non_null(d);
    assert_int_equal(STEADY_ABI_MAJOR_OF(d->abi_version), STEADY_ABI_MAJOR);
    assert_string_equal(d->name, "tp_good");
    assert_string_equal(d->version, "1.2.3");
    assert_int_equal(d->n_ports, 2);
    assert_string_equal(d->ports[0].name, "in");
    assert_int_equal(d->ports[0].dir, STEADY_IN);
    assert_string_equal(d->ports[0].type_name, "u64");
    assert_int_equal(d->ports[0].elem_size, 8);
    assert_true(d->ports[0].required);
    assert_int_equal(d->ports[1].dir, STEADY_OUT);
    assert_false(d->ports[1].required);
    assert_int_equal(d->n_params, 4);
    assert_string_equal(d->params[1].name, "ratio");
    assert_int_equal(d->params[1].type, STEADY_PARAM_DOUBLE);
    assert_string_equal(d->params[1].default_value, "0.5");
    assert_non_null(d->run);
    assert_null(d->init);
    plugin_close(&p);
    assert_null(p.handle);
    assert_null(p.path);
    plugin_close(NULL);
}

static void test_plugin_open_failing_init_is_accepted(void **state)
{
    struct loaded_plugin p = { 0 };

    (void)state;
    expect_open(TP("tp_failinit"), &p);
    assert_non_null(p.desc->init);
    plugin_close(&p);
}

static void test_plugin_open_null_err_buffer(void **state)
{
    struct loaded_plugin p = { 0 };

    (void)state;
    assert_int_equal(plugin_open(TP("tp_norun"), &p, NULL, 0), -1);
}

/* ---- lookups by name ---- */

static void test_plugin_port_index_found_and_absent(void **state)
{
    struct loaded_plugin p = { 0 };

    (void)state;
    expect_open(TP("tp_good"), &p);
    assert_int_equal(plugin_port_index(p.desc, "in"), 0);
    assert_int_equal(plugin_port_index(p.desc, "out"), 1);
    assert_int_equal(plugin_port_index(p.desc, "nope"), -1);
    plugin_close(&p);
}

static void test_plugin_param_index_found_and_absent(void **state)
{
    struct loaded_plugin p = { 0 };

    (void)state;
    expect_open(TP("tp_good"), &p);
    assert_int_equal(plugin_param_index(p.desc, "count"), 0);
    assert_int_equal(plugin_param_index(p.desc, "label"), 3);
    assert_int_equal(plugin_param_index(p.desc, "Count"), -1);
    plugin_close(&p);
}

/* ---- the registry ---- */

static void test_plugin_registry_get_by_name(void **state)
{
    struct plugin_registry *reg;
    const struct loaded_plugin *p;

    (void)state;
    unsetenv("STEADY_PLUGIN_PATH");
    reg = plugin_registry_create("/nonexistent/dir:" STEADY_TEST_PLUGIN_DIR);
    assert_non_null(reg);
    assert_string_equal(plugin_registry_search_path(reg),
                        "/nonexistent/dir:" STEADY_TEST_PLUGIN_DIR
                        ":" STEADY_BUILD_PLUGIN_DIR);
    p = plugin_registry_get(reg, "tp_good", err, sizeof(err));
    if (!p)
        fail_msg("%s", err);
    assert_string_equal(p->desc->name, "tp_good");
    assert_string_equal(p->path, TP("tp_good"));
    plugin_registry_destroy(reg);
    plugin_registry_destroy(NULL);
}

static void test_plugin_registry_get_same_plugin_once(void **state)
{
    struct plugin_registry *reg;
    const struct loaded_plugin *a, *b, *c;

    (void)state;
    reg = plugin_registry_create(STEADY_TEST_PLUGIN_DIR);
    assert_non_null(reg);
    a = plugin_registry_get(reg, "tp_good", err, sizeof(err));
    if (!a)
        fail_msg("%s", err);
    b = plugin_registry_get(reg, "tp_good", err, sizeof(err));
    /* The same file through another spelling of its path. */
    c = plugin_registry_get(reg,
                            STEADY_TEST_PLUGIN_DIR "/../testplugins/"
                                                   "tp_good.so",
                            err, sizeof(err));
    assert_non_null(a);
    assert_ptr_equal(a, b);
    assert_ptr_equal(a, c);
    assert_ptr_not_equal(
        a, plugin_registry_get(reg, "tp_failinit", err, sizeof(err)));
    plugin_registry_destroy(reg);
}

static void test_plugin_registry_get_by_path(void **state)
{
    struct plugin_registry *reg;
    const struct loaded_plugin *p;

    (void)state;
    reg = plugin_registry_create(NULL);
    assert_non_null(reg);
    p = plugin_registry_get(reg, TP("tp_good"), err, sizeof(err));
    if (!p)
        fail_msg("%s", err);
    assert_string_equal(p->desc->name, "tp_good");
    plugin_registry_destroy(reg);
}

static void test_plugin_registry_get_broken_by_name(void **state)
{
    struct plugin_registry *reg;

    (void)state;
    reg = plugin_registry_create(STEADY_TEST_PLUGIN_DIR);
    assert_non_null(reg);
    assert_null(plugin_registry_get(reg, "tp_wrongabi", err, sizeof(err)));
    assert_non_null(strstr(err, TP("tp_wrongabi")));
    assert_non_null(strstr(err, "ABI 2.x"));
    /* A refused plugin is not remembered as opened. */
    assert_null(plugin_registry_get(reg, "tp_wrongabi", err, sizeof(err)));
    plugin_registry_destroy(reg);
}

static void test_plugin_registry_get_unknown_suggests(void **state)
{
    struct plugin_registry *reg;

    (void)state;
    unsetenv("STEADY_PLUGIN_PATH");
    reg = plugin_registry_create(STEADY_TEST_PLUGIN_DIR);
    assert_non_null(reg);
    assert_null(plugin_registry_get(reg, "tp_goood", err, sizeof(err)));
    assert_non_null(strstr(
        err, "unknown plugin 'tp_goood' (searched: " STEADY_TEST_PLUGIN_DIR
             ":" STEADY_BUILD_PLUGIN_DIR ")"));
    if (!strstr(err, "; did you mean 'tp_good'?"))
        fail_msg("no suggestion in '%s'", err);
    plugin_registry_destroy(reg);
}

static void test_plugin_registry_get_unknown_without_suggestion(void **state)
{
    struct plugin_registry *reg;

    (void)state;
    reg = plugin_registry_create(STEADY_TEST_PLUGIN_DIR);
    assert_non_null(reg);
    assert_null(plugin_registry_get(reg, "zzzzzzzzzz", err, sizeof(err)));
    assert_non_null(strstr(err, "unknown plugin 'zzzzzzzzzz' (searched: "));
    assert_null(strstr(err, "did you mean"));
    plugin_registry_destroy(reg);
}

static void test_plugin_registry_get_env_path(void **state)
{
    struct plugin_registry *reg;
    const struct loaded_plugin *p;

    (void)state;
    assert_int_equal(setenv("STEADY_PLUGIN_PATH",
                            "/nonexistent/a:" STEADY_TEST_PLUGIN_DIR, 1),
                     0);
    reg = plugin_registry_create("/nonexistent/b");
    unsetenv("STEADY_PLUGIN_PATH");
    assert_non_null(reg);
    /* The caller's dirs first, then the environment, then the build's. */
    assert_string_equal(plugin_registry_search_path(reg),
                        "/nonexistent/b:/nonexistent/a:" STEADY_TEST_PLUGIN_DIR
                        ":" STEADY_BUILD_PLUGIN_DIR);
    p = plugin_registry_get(reg, "tp_good", err, sizeof(err));
    if (!p)
        fail_msg("%s", err);
    assert_string_equal(p->path, TP("tp_good"));
    plugin_registry_destroy(reg);
}

static void test_plugin_registry_get_path_missing(void **state)
{
    struct plugin_registry *reg;

    (void)state;
    reg = plugin_registry_create(STEADY_TEST_PLUGIN_DIR);
    assert_non_null(reg);
    assert_null(plugin_registry_get(reg, "missing.so", err, sizeof(err)));
    assert_int_equal(strncmp(err, "missing.so: cannot load", 23), 0);
    plugin_registry_destroy(reg);
}

/* ---- plugin_describe ---- */

static void test_plugin_describe_good(void **state)
{
    struct loaded_plugin p = { 0 };
    char *text = NULL;
    size_t len = 0;
    FILE *out;

    (void)state;
    expect_open(TP("tp_good"), &p);
    out = open_memstream(&text, &len);
    assert_non_null(out);
    inspect_plugin(&p, out);
    fclose(out);
    assert_non_null(strstr(text, "tp_good"));
    assert_non_null(strstr(text, "1.2.3"));
    assert_non_null(strstr(text, "a well-formed plugin for loader tests"));
    assert_non_null(strstr(text, TP("tp_good")));
    assert_non_null(strstr(text, "abi      1.0"));
    assert_non_null(strstr(text, "16 bytes"));
    assert_non_null(strstr(text, "  in    in   u64       8  required\n"));
    assert_non_null(strstr(text, "  out   out  u64       8  optional\n"));
    assert_non_null(strstr(text, "  count    int     10       how many"));
    assert_non_null(strstr(text, "  ratio    double  0.5      a fraction"));
    assert_non_null(strstr(text, "  verbose  bool    false    log every"));
    assert_non_null(strstr(text, "  label    string  x        shown in logs"));
    free(text);
    plugin_close(&p);
}

/* ---- suggest ---- */

static void test_suggest_distance_basics(void **state)
{
    (void)state;
    assert_int_equal(suggest_distance("", ""), 0);
    assert_int_equal(suggest_distance("abc", ""), 3);
    assert_int_equal(suggest_distance("", "abc"), 3);
    assert_int_equal(suggest_distance("same", "same"), 0);
    assert_int_equal(suggest_distance("kitten", "sitting"), 3);
    assert_int_equal(suggest_distance("sitting", "kitten"), 3);
    assert_int_equal(suggest_distance("worker", "wokrer"), 2);
    assert_int_equal(suggest_distance("generator", "genrator"), 1);
}

static void test_suggest_closest_basics(void **state)
{
    const char *const names[] = { "heartbeat", "generator", NULL, "worker",
                                  "logger" };
    const size_t n = sizeof(names) / sizeof(names[0]);

    (void)state;
    assert_string_equal(suggest_closest("genrator", names, n), "generator");
    assert_string_equal(suggest_closest("wroker", names, n), "worker");
    assert_string_equal(suggest_closest("loger", names, n), "logger");
    assert_null(suggest_closest("scheduler", names, n));
    assert_null(suggest_closest("x", names, n));
    assert_null(suggest_closest("anything", names, 0));
    /* Longer words tolerate a third of their length. */
    const char *const longer[] = { "percentile_filled_above" };
    assert_string_equal(suggest_closest("percentil_fild_abve", longer, 1),
                        "percentile_filled_above");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plugin_open_missing_file),
        cmocka_unit_test(test_plugin_open_no_entry),
        cmocka_unit_test(test_plugin_open_null_entry),
        cmocka_unit_test(test_plugin_open_wrong_abi),
        cmocka_unit_test(test_plugin_open_wrong_channel_layout),
        cmocka_unit_test(test_plugin_open_records_channel_layout),
        cmocka_unit_test(test_plugin_open_short_descriptor),
        cmocka_unit_test(test_plugin_open_no_run),
        cmocka_unit_test(test_plugin_open_duplicate_port),
        cmocka_unit_test(test_plugin_open_bad_param_default),
        cmocka_unit_test(test_plugin_open_good),
        cmocka_unit_test(test_plugin_open_failing_init_is_accepted),
        cmocka_unit_test(test_plugin_open_null_err_buffer),
        cmocka_unit_test(test_plugin_port_index_found_and_absent),
        cmocka_unit_test(test_plugin_param_index_found_and_absent),
        cmocka_unit_test(test_plugin_registry_get_by_name),
        cmocka_unit_test(test_plugin_registry_get_same_plugin_once),
        cmocka_unit_test(test_plugin_registry_get_by_path),
        cmocka_unit_test(test_plugin_registry_get_broken_by_name),
        cmocka_unit_test(test_plugin_registry_get_unknown_suggests),
        cmocka_unit_test(test_plugin_registry_get_unknown_without_suggestion),
        cmocka_unit_test(test_plugin_registry_get_env_path),
        cmocka_unit_test(test_plugin_registry_get_path_missing),
        cmocka_unit_test(test_plugin_describe_good),
        cmocka_unit_test(test_suggest_distance_basics),
        cmocka_unit_test(test_suggest_closest_basics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

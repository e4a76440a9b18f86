/* test_cli_args.c - the command-line parser on its own: any number of graph
 * args in both spellings, options before and after the command, missing
 * values, options mistaken for values, unknown options and commands, and
 * help/version. The parser must never print or exit, only return.
 */
#include "cli_args.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* cmocka.h needs the standard headers above included first. */
#include <cmocka.h>

static char err[1024];

/* Parses a NULL-terminated list of words after "steady". */
static int parse_words(struct cli_args *out, const char *const *words)
{
    char *argv[512];
    int argc = 0;

    argv[argc++] = (char *)"steady";
    while (*words && argc < 511)
        argv[argc++] = (char *)*words++;
    argv[argc] = NULL;
    return cli_args_parse(out, argc, argv, err, sizeof(err));
}

static void expect_bad(const char *const *words, const char *message)
{
    struct cli_args a;

    assert_int_equal(parse_words(&a, words), CLI_ARGS_BAD);
    if (!strstr(err, message))
        fail_msg("message '%s' lacks '%s'", err, message);
    assert_null(strchr(err, '\n'));
    cli_args_free(&a);
}

static void expect_override(const struct cli_args *a, size_t i,
                            const char *name, const char *value)
{
    assert_true(i < a->n_overrides);
    assert_string_equal(a->overrides[2 * i], name);
    assert_string_equal(a->overrides[2 * i + 1], value);
}

/* The crash: four --name=value took eight slots of four. */
static void test_cli_args_four_equals_overrides(void **state)
{
    const char *words[] = { "check", "g.yaml", "--a=1", "--b=2",
                            "--c=3", "--d=4",  NULL };
    struct cli_args a;

    (void)state;
    assert_int_equal(parse_words(&a, words), CLI_ARGS_OK);
    assert_string_equal(a.command, "check");
    assert_string_equal(a.target, "g.yaml");
    assert_int_equal(a.n_overrides, 4);
    expect_override(&a, 0, "a", "1");
    expect_override(&a, 3, "d", "4");
    cli_args_free(&a);
}

/* Hundreds of args, both spellings mixed, before and after the command. */
static void test_cli_args_many_overrides_mixed(void **state)
{
    static char names[400][32];
    const char *words[512];
    struct cli_args a;
    size_t n = 0;

    (void)state;
    for (int i = 0; i < 400; i++) {
        if (i == 10)
            words[n++] = "run";
        if (i == 11)
            words[n++] = "graph.yaml";
        if (i % 3 == 0) {
            snprintf(names[i], sizeof(names[i]), "--n%d=%d", i, i);
            words[n++] = names[i];
        } else if (i % 3 == 1) {
            snprintf(names[i], sizeof(names[i]), "--n%d", i);
            words[n++] = names[i];
            words[n++] = "-1"; /* a negative value is a value */
        } else {
            snprintf(names[i], sizeof(names[i]), "--n%d=", i);
            words[n++] = names[i];
        }
        if (n > 500)
            break;
    }
    words[n] = NULL;
    assert_int_equal(parse_words(&a, words), CLI_ARGS_OK);
    assert_string_equal(a.command, "run");
    assert_string_equal(a.target, "graph.yaml");
    for (size_t i = 0; i < a.n_overrides; i++) {
        char name[32];

        snprintf(name, sizeof(name), "n%zu", i);
        assert_string_equal(a.overrides[2 * i], name);
        if (i % 3 == 1)
            assert_string_equal(a.overrides[2 * i + 1], "-1");
        else if (i % 3 == 2)
            assert_string_equal(a.overrides[2 * i + 1], "");
        else
            assert_int_equal(atoi(a.overrides[2 * i + 1]), (int)i);
    }
    assert_true(a.n_overrides > 300);
    cli_args_free(&a);
}

static void test_cli_args_options_both_spellings(void **state)
{
    const char *words[] = { "--log-level=debug",
                            "run",
                            "--telemetry",
                            "127.0.0.1:0",
                            "g.yaml",
                            "--plugin-path=/p:/q",
                            "--state-dir",
                            "/tmp/s",
                            "--rate=--odd",
                            NULL };
    struct cli_args a;

    (void)state;
    assert_int_equal(parse_words(&a, words), CLI_ARGS_OK);
    assert_true(a.has_log_level);
    assert_int_equal(a.log_level, STEADY_LOG_DEBUG);
    assert_string_equal(a.telemetry, "127.0.0.1:0");
    assert_string_equal(a.plugin_path, "/p:/q");
    assert_string_equal(a.state_dir, "/tmp/s");
    assert_string_equal(a.target, "g.yaml");
    assert_int_equal(a.n_overrides, 1);
    /* a value that starts with -- is given with = */
    expect_override(&a, 0, "rate", "--odd");
    cli_args_free(&a);
}

static void test_cli_args_missing_values(void **state)
{
    const char *end_arg[] = { "run", "g.yaml", "--rate", NULL };
    const char *end_opt[] = { "run", "g.yaml", "--telemetry", NULL };
    const char *opt_as_value[] = { "run",     "g.yaml", "--rate",
                                   "--beats", "3",      NULL };
    const char *level_as_value[] = { "--log-level", "--state-dir", "d",
                                     "run",         "g.yaml",      NULL };
    const char *no_name[] = { "run", "g.yaml", "--=3", NULL };

    (void)state;
    expect_bad(end_arg, "--rate needs a value");
    expect_bad(end_opt, "--telemetry needs a value");
    expect_bad(opt_as_value, "--rate needs a value, got the option "
                             "'--beats'; write --rate=VALUE");
    expect_bad(level_as_value, "--log-level needs a value");
    expect_bad(no_name, "no name before '='");
}

static void test_cli_args_unknown_and_misplaced(void **state)
{
    const char *dash[] = { "run", "g.yaml", "-x", NULL };
    const char *cmd[] = { "launch", "g.yaml", NULL };
    const char *no_target[] = { "run", NULL };
    const char *near_cmd[] = { "chek", "g.yaml", NULL };
    const char *plugins_arg[] = { "plugins", "worker", NULL };
    const char *json_run[] = { "run", "g.yaml", "--json", NULL };
    const char *scaffold_no_name[] = { "new-plugin", NULL };
    const char *scaffold_extra[] = { "new-plugin", "x", "d", "more", NULL };
    const char *extra[] = { "run", "g.yaml", "h.yaml", NULL };
    const char *inspect_arg[] = { "inspect", "worker", "--rate", "5", NULL };
    const char *level[] = { "--log-level", "loud", "run", "g.yaml", NULL };

    (void)state;
    expect_bad(dash, "unknown option '-x'");
    expect_bad(cmd, "unknown command 'launch' (run, check, inspect, plugins "
                    "or new-plugin)");
    expect_bad(near_cmd, "unknown command 'chek'; did you mean 'check'?");
    expect_bad(plugins_arg, "unexpected argument 'worker'");
    expect_bad(json_run, "--json is an option of inspect, not of run");
    expect_bad(scaffold_no_name, "'new-plugin' needs the plugin's NAME");
    expect_bad(scaffold_extra, "unexpected argument 'more'");
    expect_bad(no_target, "'run' needs a graph file");
    expect_bad(extra, "unexpected argument 'h.yaml'");
    expect_bad(inspect_arg, "inspect takes no --rate");
    expect_bad(level, "--log-level 'loud' is not one of");
}

static void test_cli_args_help_version_and_nothing(void **state)
{
    const char *none[] = { NULL };
    const char *only_opts[] = { "--log-level", "warn", NULL };
    const char *help_late[] = { "run", "g.yaml", "--rate", "5", "-h", NULL };
    const char *version[] = { "--version", "--bogus", NULL };
    const char *bad_then_help[] = { "-x", "--help", NULL };
    struct cli_args a;

    (void)state;
    assert_int_equal(parse_words(&a, none), CLI_ARGS_NO_COMMAND);
    cli_args_free(&a);
    assert_int_equal(parse_words(&a, only_opts), CLI_ARGS_NO_COMMAND);
    cli_args_free(&a);
    assert_int_equal(parse_words(&a, help_late), CLI_ARGS_HELP);
    cli_args_free(&a);
    assert_int_equal(parse_words(&a, version), CLI_ARGS_VERSION);
    cli_args_free(&a);
    /* words are taken in order: the mistake comes first */
    assert_int_equal(parse_words(&a, bad_then_help), CLI_ARGS_BAD);
    cli_args_free(&a);
    /* no argv at all, and freeing twice */
    assert_int_equal(cli_args_parse(&a, 0, NULL, err, sizeof(err)),
                     CLI_ARGS_NO_COMMAND);
    cli_args_free(&a);
    cli_args_free(&a);
    cli_args_free(NULL);
}

static void test_cli_args_new_commands(void **state)
{
    const char *list[] = { "inspect", NULL };
    const char *json[] = { "inspect", "worker", "--json", NULL };
    const char *plugins[] = { "plugins", "--plugin-path", "/x", NULL };
    const char *scaffold[] = { "new-plugin", "scaler", "dir/scaler", NULL };
    const char *cmd_help[] = { "inspect", "--help", NULL };
    const char *help_first[] = { "--help", "new-plugin", NULL };
    struct cli_args a;

    (void)state;
    assert_int_equal(parse_words(&a, list), CLI_ARGS_OK);
    assert_null(a.target);
    cli_args_free(&a);
    assert_int_equal(parse_words(&a, json), CLI_ARGS_OK);
    assert_true(a.json);
    assert_string_equal(a.target, "worker");
    cli_args_free(&a);
    assert_int_equal(parse_words(&a, plugins), CLI_ARGS_OK);
    assert_string_equal(a.plugin_path, "/x");
    cli_args_free(&a);
    assert_int_equal(parse_words(&a, scaffold), CLI_ARGS_OK);
    assert_string_equal(a.target, "scaler");
    assert_string_equal(a.dir, "dir/scaler");
    cli_args_free(&a);
    assert_int_equal(parse_words(&a, cmd_help), CLI_ARGS_HELP);
    assert_string_equal(a.command, "inspect");
    cli_args_free(&a);
    assert_int_equal(parse_words(&a, help_first), CLI_ARGS_HELP);
    assert_string_equal(a.command, "new-plugin");
    cli_args_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_args_four_equals_overrides),
        cmocka_unit_test(test_cli_args_many_overrides_mixed),
        cmocka_unit_test(test_cli_args_options_both_spellings),
        cmocka_unit_test(test_cli_args_missing_values),
        cmocka_unit_test(test_cli_args_unknown_and_misplaced),
        cmocka_unit_test(test_cli_args_help_version_and_nothing),
        cmocka_unit_test(test_cli_args_new_commands),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

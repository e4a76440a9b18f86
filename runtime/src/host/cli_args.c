/* cli_args.c - parsing the `steady` command line (see cli_args.h). Options
 * may come before or after the command; every option that takes a value
 * takes it as "--opt VALUE" or "--opt=VALUE".
 */
#include "cli_args.h"

#include "suggest.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int bad(char *err, size_t errlen, const char *fmt, ...)
    STEADY_PRINTF(3, 4);
static int bad(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (errlen) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return CLI_ARGS_BAD;
}

/* The value that follows argv[*i] ("--opt VALUE"), or NULL with err set. A
 * following word that is itself an option is not taken as the value: it is
 * far more likely that the value was forgotten. Such a value can still be
 * given as --opt=VALUE. */
static const char *next_value(int argc, char *const *argv, int *i,
                              const char *opt, char *err, size_t errlen)
{
    const char *v;

    if (*i + 1 >= argc || !argv[*i + 1]) {
        bad(err, errlen, "%s needs a value (%s VALUE or %s=VALUE)", opt, opt,
            opt);
        return NULL;
    }
    v = argv[*i + 1];
    if (strncmp(v, "--", 2) == 0 && v[2]) {
        bad(err, errlen,
            "%s needs a value, got the option '%s'; write %s=VALUE for a "
            "value that starts with --",
            opt, v, opt);
        return NULL;
    }
    ++*i;
    return v;
}

/* If argv[*i] is the option `name` ("--name" or "--name=VALUE"), sets *value
 * and returns 1; 0 if it is another word; -1 with err set when the value is
 * missing. */
static int option(int argc, char *const *argv, int *i, const char *name,
                  const char **value, char *err, size_t errlen)
{
    const char *a = argv[*i];
    size_t len = strlen(name);

    if (strncmp(a, name, len) != 0)
        return 0;
    if (a[len] == '=') {
        *value = a + len + 1;
        return 1;
    }
    if (a[len] != '\0')
        return 0;
    *value = next_value(argc, argv, i, name, err, errlen);
    return *value ? 1 : -1;
}

/* A graph arg: --name VALUE or --name=VALUE. */
static int graph_arg(struct cli_args *out, int argc, char *const *argv, int *i,
                     char *err, size_t errlen)
{
    const char *a = argv[*i];
    const char *eq = strchr(a + 2, '=');
    const char *name, *value;

    if (eq) {
        char *copy;

        if (eq == a + 2)
            return bad(err, errlen,
                       "'%s' has no name before '='; write --NAME=VALUE", a);
        copy = strndup(a + 2, (size_t)(eq - a - 2));
        if (!copy)
            return bad(err, errlen, "out of memory reading the command line");
        out->owned[out->n_owned++] = copy;
        name = copy;
        value = eq + 1;
    } else {
        name = a + 2;
        value = next_value(argc, argv, i, a, err, errlen);
        if (!value)
            return CLI_ARGS_BAD;
    }
    out->overrides[2 * out->n_overrides] = name;
    out->overrides[2 * out->n_overrides + 1] = value;
    out->n_overrides++;
    return CLI_ARGS_OK;
}

/* The commands, in the order `steady --help` lists them. */
static const char *const commands[] = { "run", "check", "inspect", "plugins",
                                        "new-plugin" };
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static bool is(const char *command, const char *name)
{
    return strcmp(command, name) == 0;
}

static int check_command(const struct cli_args *out, char *err, size_t errlen)
{
    const char *c = out->command;
    size_t known = N_COMMANDS;

    if (!c)
        return CLI_ARGS_NO_COMMAND;
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (is(c, commands[i]))
            known = i;
    if (known == N_COMMANDS) {
        const char *near = suggest_closest(c, commands, N_COMMANDS);

        if (near)
            return bad(err, errlen, "unknown command '%s'; did you mean '%s'?",
                       c, near);
        return bad(err, errlen,
                   "unknown command '%s' (run, check, inspect, plugins or "
                   "new-plugin)",
                   c);
    }
    if ((is(c, "run") || is(c, "check")) && !out->target)
        return bad(err, errlen, "'%s' needs a graph file", c);
    if (is(c, "new-plugin") && !out->target)
        return bad(err, errlen,
                   "'new-plugin' needs the plugin's NAME (and an optional "
                   "DIR)");
    if (is(c, "plugins") && out->target)
        return bad(err, errlen, "unexpected argument '%s'", out->target);
    if (out->dir && !is(c, "new-plugin"))
        return bad(err, errlen, "unexpected argument '%s'", out->dir);
    if (out->json && !is(c, "inspect"))
        return bad(err, errlen, "--json is an option of inspect, not of %s", c);
    if (!is(c, "run") && !is(c, "check") && (out->node || out->nats))
        return bad(err, errlen, "%s is an option of run and check, not of %s",
                   out->node ? "--node" : "--nats", c);
    if (!is(c, "run") && !is(c, "check") && out->n_overrides)
        return bad(err, errlen, "%s takes no --%s", c, out->overrides[0]);
    return CLI_ARGS_OK;
}

int cli_args_parse(struct cli_args *out, int argc, char *const *argv, char *err,
                   size_t errlen)
{
    size_t slots;

    memset(out, 0, sizeof(*out));
    if (errlen)
        err[0] = '\0';
    if (argc < 1 || !argv)
        return CLI_ARGS_NO_COMMAND;
    /* every graph arg uses at least one word, so argc pairs always fit */
    slots = (size_t)argc;
    out->overrides = calloc(2 * slots, sizeof(*out->overrides));
    out->owned = calloc(slots, sizeof(*out->owned));
    if (!out->overrides || !out->owned)
        return bad(err, errlen, "out of memory reading the command line");
    for (int i = 1; i < argc && argv[i]; i++) {
        const char *a = argv[i];
        const char *v = NULL;
        int r;

        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            /* the rest only tells which command's help: keep reading */
            out->help = true;
            continue;
        }
        if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0)
            return CLI_ARGS_VERSION;
        if ((r = option(argc, argv, &i, "--log-level", &v, err, errlen))) {
            if (r < 0)
                return CLI_ARGS_BAD;
            if (steady_log_level_parse(v, &out->log_level) < 0)
                return bad(err, errlen,
                           "--log-level '%s' is not one of "
                           "error|warn|info|debug|trace",
                           v);
            out->has_log_level = true;
        } else if ((r = option(argc, argv, &i, "--plugin-path", &v, err,
                               errlen))) {
            if (r < 0)
                return CLI_ARGS_BAD;
            out->plugin_path = v;
        } else if ((r = option(argc, argv, &i, "--telemetry", &v, err,
                               errlen))) {
            if (r < 0)
                return CLI_ARGS_BAD;
            out->telemetry = v;
        } else if ((r = option(argc, argv, &i, "--state-dir", &v, err,
                               errlen))) {
            if (r < 0)
                return CLI_ARGS_BAD;
            out->state_dir = v;
        } else if ((r = option(argc, argv, &i, "--node", &v, err, errlen))) {
            if (r < 0)
                return CLI_ARGS_BAD;
            if (!*v)
                return bad(err, errlen, "--node needs a node's name");
            out->node = v;
        } else if ((r = option(argc, argv, &i, "--nats", &v, err, errlen))) {
            if (r < 0)
                return CLI_ARGS_BAD;
            if (!*v)
                return bad(err, errlen,
                           "--nats needs the NATS server's URL, such as "
                           "nats://127.0.0.1:4222");
            out->nats = v;
        } else if ((r = option(argc, argv, &i, "--checkpoint-ms", &v, err,
                               errlen))) {
            if (r < 0)
                return CLI_ARGS_BAD;
            out->checkpoint_ms = v;
        } else if (strcmp(a, "--json") == 0) {
            out->json = true;
        } else if (strcmp(a, "--allow-writable-plugins") == 0) {
            out->allow_writable_plugins = true;
        } else if (strncmp(a, "--", 2) == 0 && a[2]) {
            if (graph_arg(out, argc, argv, &i, err, errlen) != CLI_ARGS_OK)
                return out->help ? CLI_ARGS_HELP : CLI_ARGS_BAD;
        } else if (a[0] == '-' && a[1]) {
            if (out->help)
                continue;
            return bad(err, errlen, "unknown option '%s'", a);
        } else if (!out->command) {
            out->command = a;
        } else if (!out->target) {
            out->target = a;
        } else if (!out->dir && is(out->command, "new-plugin")) {
            out->dir = a;
        } else if (!out->help) {
            return bad(err, errlen, "unexpected argument '%s'", a);
        }
    }
    if (out->help)
        return CLI_ARGS_HELP;
    return check_command(out, err, errlen);
}

void cli_args_free(struct cli_args *a)
{
    if (!a)
        return;
    for (size_t i = 0; a->owned && i < a->n_owned; i++)
        free(a->owned[i]);
    free(a->owned);
    free(a->overrides);
    memset(a, 0, sizeof(*a));
}

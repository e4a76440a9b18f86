/* main.c - the `steady` command: acts on the parsed command line
 * (cli_args.c) by calling <steady/runtime.h>; the process's signals and
 * exit are in process.c, the help texts in usage.c.
 */
#include "cli_args.h"
#include "process.h"
#include "usage.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <steady/channel.h>
#include <steady/log.h>
#include <steady/plugin.h>
#include <steady/runtime.h>
#include <string.h>

/* ---- commands ---------------------------------------------------------- */

static int run_or_check(const struct cli_args *cli)
{
    struct steady_runtime_options opt = {
        .plugin_path = cli->plugin_path,
        .overrides = cli->overrides,
        .n_overrides = cli->n_overrides,
        .telemetry = cli->telemetry,
        .state_dir = cli->state_dir,
        .node = cli->node,
        .nats = cli->nats,
        .checkpoint_ms = cli->checkpoint_ms,
        /* check reads state files but never locks or writes the folder */
        .check_only = strcmp(cli->command, "check") == 0,
        .allow_writable_plugins = cli->allow_writable_plugins,
    };
    bool run = strcmp(cli->command, "run") == 0;
    struct steady_runtime *rt;
    char err[2048];
    int rc;

    process_signals_loading_run(run);
    rc = steady_runtime_load(cli->target, &opt, &rt, err, sizeof(err));
    if (rc < 0) {
        process_signals_loading_run(false);
        process_say("steady: %s\n", err);
        return EXIT_USAGE;
    }
    if (!run) {
        char what[256];

        steady_runtime_describe(rt, what, sizeof(what));
        printf("%s: ok, %s\n", cli->target, what);
        steady_runtime_describe_resolved(rt, stdout);
        steady_runtime_destroy(rt);
        return EXIT_CLEAN;
    }
    process_signals_attach(rt);
    process_signals_loading_run(false);
    rc = steady_runtime_run(rt, err, sizeof(err));
    if (rc < 0) {
        int status =
            process_signals_count() > 1 ? EXIT_FORCED : EXIT_RUN_FAILED;

        process_signals_run_over(status);
        process_say("steady: %s\n", err);
        /* actor threads may still run: leave without tearing them down */
        process_leave(status);
    }
    process_signals_run_over(EXIT_CLEAN);
    steady_runtime_destroy(rt);
    return EXIT_CLEAN;
}

/* inspect [PLUGIN] [--json], and plugins. */
static int describe(const struct cli_args *cli)
{
    char err[2048];
    int rc;

    /* the describe calls take no options: the flag goes the env's way */
    if (cli->allow_writable_plugins)
        setenv("STEADY_ALLOW_WRITABLE_PLUGINS", "1", 1);
    if (!cli->target)
        rc = steady_list_plugins(cli->plugin_path, stdout, err, sizeof(err));
    else if (cli->json)
        rc = steady_inspect_json(cli->target, cli->plugin_path, stdout, err,
                                 sizeof(err));
    else
        rc = steady_inspect(cli->target, cli->plugin_path, stdout, err,
                            sizeof(err));
    if (rc < 0) {
        process_say("steady: %s\n", err);
        return EXIT_USAGE;
    }
    return EXIT_CLEAN;
}

static int new_plugin(const struct cli_args *cli)
{
    char err[2048];

    if (steady_scaffold_plugin(cli->target, cli->dir, stdout, err,
                               sizeof(err)) < 0) {
        process_say("steady: new-plugin: %s\n", err);
        return EXIT_USAGE;
    }
    return EXIT_CLEAN;
}

int main(int argc, char **argv)
{
    const char *env = getenv("STEADY_LOG");
    enum steady_log_level level;
    struct cli_args cli;
    char err[1024];
    int rc;

    if (process_signals_start() < 0) {
        fprintf(stderr, "steady: cannot set up signal handling: %s\n",
                strerror(errno));
        return EXIT_RUN_FAILED;
    }
    rc = cli_args_parse(&cli, argc, argv, err, sizeof(err));
    if (rc == CLI_ARGS_OK && env && *env &&
        steady_log_level_parse(env, &level) < 0) {
        snprintf(err, sizeof(err),
                 "STEADY_LOG='%s' is not one of error|warn|info|debug|trace",
                 env);
        rc = CLI_ARGS_BAD;
    }
    switch (rc) {
    case CLI_ARGS_OK:
        break;
    case CLI_ARGS_HELP:
        usage_print(stdout, cli.command);
        cli_args_free(&cli);
        return EXIT_CLEAN;
    case CLI_ARGS_VERSION:
        printf("steady %s (plugin ABI %u.%u, channel layout %u)\n",
               steady_version(), STEADY_ABI_MAJOR, STEADY_ABI_MINOR,
               (unsigned)STEADY_CHANNEL_LAYOUT);
        cli_args_free(&cli);
        return EXIT_CLEAN;
    case CLI_ARGS_NO_COMMAND: {
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        if (f) {
            usage_print(f, NULL);
            fclose(f);
            steady_log_text(text);
            free(text);
        }
        cli_args_free(&cli);
        return EXIT_USAGE;
    }
    default:
        process_say("steady: %s\nTry 'steady --help'.\n", err);
        cli_args_free(&cli);
        return EXIT_USAGE;
    }
    /* the flag wins over the environment */
    if (env && *env)
        steady_log_set_level(level);
    if (cli.has_log_level)
        steady_log_set_level(cli.log_level);
    if (strcmp(cli.command, "inspect") == 0 ||
        strcmp(cli.command, "plugins") == 0)
        rc = describe(&cli);
    else if (strcmp(cli.command, "new-plugin") == 0)
        rc = new_plugin(&cli);
    else
        rc = run_or_check(&cli);
    cli_args_free(&cli);
    (void)steady_log_flush(1000);
    return rc;
}

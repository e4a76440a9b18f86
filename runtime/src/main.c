/* main.c - the `steady` command: run or check a graph file, describe a
 * plugin. Only argument handling and signals live here; the work is done
 * through <steady/runtime.h>.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <steady/log.h>
#include <steady/plugin.h>
#include <steady/runtime.h>
#include <string.h>
#include <unistd.h>

/* Exit statuses, documented in --help and the README. */
enum {
    EXIT_CLEAN = 0,
    EXIT_RUN_FAILED = 1, /* an actor failed, or shutdown timed out */
    EXIT_USAGE = 2,      /* bad flags, bad graph, bad plugin */
    EXIT_FORCED = 130,   /* a second signal cut shutdown short */
};

static const char usage[] =
    "Usage:\n"
    "  steady run GRAPH [--ARG VALUE]...  run a graph until it stops\n"
    "  steady check GRAPH [--ARG VALUE]... validate a graph; run nothing\n"
    "  steady inspect PLUGIN              describe a plugin's ports, params "
    "and ABI\n"
    "  steady --help | --version\n"
    "\n"
    "GRAPH is a YAML file (see graphs/standard.yaml). --ARG VALUE overrides "
    "an entry\n"
    "of the graph's `args:` (e.g. --rate 500 --beats 60); a flag naming no "
    "arg is an\n"
    "error. PLUGIN is a name looked up on the plugin path (never in the "
    "current\n"
    "folder) or a path with a '/' to a .so.\n"
    "\n"
    "Options (before or after the command):\n"
    "  --log-level LEVEL     error|warn|info|debug|trace (env STEADY_LOG; "
    "default info)\n"
    "  --plugin-path DIRS    extra plugin folders, ':'-separated, searched "
    "first\n"
    "                        (then env STEADY_PLUGIN_PATH, then the build's "
    "plugins/)\n"
    "  --telemetry ADDR:PORT|off  where to serve telemetry (overrides the "
    "graph)\n"
    "  --state-dir DIR       keep actors' persistent state in DIR across "
    "runs\n"
    "                        (overrides the graph's state_dir:)\n"
    "  --allow-writable-plugins  load plugins that others than their owner "
    "could\n"
    "                        change (env STEADY_ALLOW_WRITABLE_PLUGINS=1); "
    "refused\n"
    "                        by default\n"
    "  -h, --help            this text\n"
    "  -V, --version         version and plugin ABI\n"
    "\n"
    "Signals: SIGINT/SIGTERM request a graceful shutdown (every actor "
    "drains and\n"
    "stops); a second one stops waiting and reports who had not finished.\n"
    "\n"
    "Exit status: 0 clean stop; 1 an actor failed or shutdown timed out; 2 "
    "bad\n"
    "command line, graph or plugin; 130 forced by a second signal.\n";

static struct steady_runtime *running_rt;
static volatile sig_atomic_t signals_seen;

static void on_signal(int sig)
{
    static const char first[] =
        "\nsteady: shutting down (signal again to force)\n";
    static const char second[] = "\nsteady: forced stop\n";

    (void)sig;
    signals_seen++;
    if (!running_rt)
        return;
    if (signals_seen == 1) {
        (void)!write(STDERR_FILENO, first, sizeof(first) - 1);
        steady_runtime_request_shutdown(running_rt);
    } else {
        (void)!write(STDERR_FILENO, second, sizeof(second) - 1);
        steady_runtime_force_stop(running_rt);
    }
}

static void install_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

struct cli {
    const char *command;
    const char *target; /* GRAPH or PLUGIN */
    const char *plugin_path;
    const char *telemetry;
    const char *state_dir;
    bool allow_writable_plugins;
    const char **overrides; /* name, value pairs */
    char **owned;           /* names cut out of --name=value */
    size_t n_owned;
    size_t n_overrides;
};

static int fail_usage(const char *fmt, ...) STEADY_PRINTF(1, 2);
static int fail_usage(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "steady: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'steady --help'.\n");
    return -1;
}

/* Takes the value of an option given as "--opt VALUE" or "--opt=VALUE". */
static const char *option_value(int argc, char **argv, int *i, const char *name)
{
    size_t len = strlen(name);

    if (strncmp(argv[*i], name, len) != 0)
        return NULL;
    if (argv[*i][len] == '=')
        return argv[*i] + len + 1;
    if (argv[*i][len] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        fail_usage("option %s needs a value", name);
        exit(EXIT_USAGE);
    }
    return argv[++*i];
}

static int parse_args(int argc, char **argv, struct cli *cli)
{
    enum steady_log_level level;
    const char *env = getenv("STEADY_LOG");

    if (env && *env && steady_log_level_parse(env, &level) == 0)
        steady_log_set_level(level);
    else if (env && *env)
        return fail_usage("STEADY_LOG='%s' is not one of "
                          "error|warn|info|debug|trace",
                          env);
    cli->overrides = calloc((size_t)argc, sizeof(*cli->overrides));
    cli->owned = calloc((size_t)argc, sizeof(*cli->owned));
    if (!cli->overrides || !cli->owned)
        return -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v;

        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage, stdout);
            exit(EXIT_CLEAN);
        }
        if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
            printf("steady %s (plugin ABI %u.%u)\n", steady_version(),
                   STEADY_ABI_MAJOR, STEADY_ABI_MINOR);
            exit(EXIT_CLEAN);
        }
        if ((v = option_value(argc, argv, &i, "--log-level"))) {
            if (steady_log_level_parse(v, &level) < 0)
                return fail_usage("--log-level '%s' is not one of "
                                  "error|warn|info|debug|trace",
                                  v);
            steady_log_set_level(level);
        } else if ((v = option_value(argc, argv, &i, "--plugin-path"))) {
            cli->plugin_path = v;
        } else if ((v = option_value(argc, argv, &i, "--telemetry"))) {
            cli->telemetry = v;
        } else if ((v = option_value(argc, argv, &i, "--state-dir"))) {
            cli->state_dir = v;
        } else if (strcmp(a, "--allow-writable-plugins") == 0) {
            cli->allow_writable_plugins = true;
        } else if (strncmp(a, "--", 2) == 0 && a[2]) {
            /* a graph arg: --name VALUE or --name=VALUE */
            const char *eq = strchr(a + 2, '=');

            if (eq) {
                char *name = strndup(a + 2, (size_t)(eq - a - 2));

                if (!name)
                    return -1;
                cli->owned[cli->n_owned++] = name;
                cli->overrides[2 * cli->n_overrides] = name;
                cli->overrides[2 * cli->n_overrides + 1] = eq + 1;
            } else if (i + 1 < argc) {
                cli->overrides[2 * cli->n_overrides] = a + 2;
                cli->overrides[2 * cli->n_overrides + 1] = argv[++i];
            } else {
                return fail_usage("%s needs a value", a);
            }
            cli->n_overrides++;
        } else if (a[0] == '-' && a[1]) {
            return fail_usage("unknown option '%s'", a);
        } else if (!cli->command) {
            cli->command = a;
        } else if (!cli->target) {
            cli->target = a;
        } else {
            return fail_usage("unexpected argument '%s'", a);
        }
    }
    if (!cli->command) {
        fputs(usage, stderr);
        return -1;
    }
    if (strcmp(cli->command, "run") != 0 &&
        strcmp(cli->command, "check") != 0 &&
        strcmp(cli->command, "inspect") != 0)
        return fail_usage("unknown command '%s' (run, check or inspect)",
                          cli->command);
    if (!cli->target)
        return fail_usage("'%s' needs a file or plugin name", cli->command);
    if (strcmp(cli->command, "inspect") == 0 && cli->n_overrides)
        return fail_usage("inspect takes no --%s", cli->overrides[0]);
    return 0;
}

static int run_or_check(const struct cli *cli)
{
    struct steady_runtime_options opt = {
        .plugin_path = cli->plugin_path,
        .overrides = cli->overrides,
        .n_overrides = cli->n_overrides,
        .telemetry = cli->telemetry,
        .state_dir = cli->state_dir,
        .allow_writable_plugins = cli->allow_writable_plugins,
    };
    struct steady_runtime *rt;
    char err[2048];

    if (steady_runtime_load(cli->target, &opt, &rt, err, sizeof(err)) < 0) {
        fprintf(stderr, "steady: %s\n", err);
        return EXIT_USAGE;
    }
    if (strcmp(cli->command, "check") == 0) {
        char what[256];

        steady_runtime_describe(rt, what, sizeof(what));
        printf("%s: ok, %s\n", cli->target, what);
        steady_runtime_destroy(rt);
        return EXIT_CLEAN;
    }
    running_rt = rt;
    install_signals();
    if (steady_runtime_run(rt, err, sizeof(err)) < 0) {
        fprintf(stderr, "steady: %s\n", err);
        fflush(NULL);
        /* actor threads may still run: leave without tearing them down */
        _exit(signals_seen > 1 ? EXIT_FORCED : EXIT_RUN_FAILED);
    }
    running_rt = NULL;
    steady_runtime_destroy(rt);
    return EXIT_CLEAN;
}

static void cli_free(struct cli *cli)
{
    for (size_t i = 0; i < cli->n_owned; i++)
        free(cli->owned[i]);
    free(cli->owned);
    free(cli->overrides);
}

int main(int argc, char **argv)
{
    struct cli cli = { 0 };
    char err[1024];
    int rc;

    if (parse_args(argc, argv, &cli) < 0) {
        rc = EXIT_USAGE;
    } else if (strcmp(cli.command, "inspect") == 0) {
        /* steady_inspect takes no options: the flag goes the env's way */
        if (cli.allow_writable_plugins)
            setenv("STEADY_ALLOW_WRITABLE_PLUGINS", "1", 1);
        rc = steady_inspect(cli.target, cli.plugin_path, stdout, err,
                            sizeof(err));
        if (rc < 0)
            fprintf(stderr, "steady: %s\n", err);
        rc = rc < 0 ? EXIT_USAGE : EXIT_CLEAN;
    } else {
        rc = run_or_check(&cli);
    }
    cli_free(&cli);
    return rc;
}

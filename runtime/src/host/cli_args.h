/* cli_args.h - the `steady` command line turned into a struct, with no side
 * effects: nothing is printed, nothing exits, no environment is read. The
 * host acts on the result; unit tests and the fuzzer drive it directly.
 */
#ifndef STEADY_CLI_ARGS_H
#define STEADY_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <steady/log.h>

enum cli_args_result {
    CLI_ARGS_OK = 0,     /* a command to carry out */
    CLI_ARGS_HELP,       /* -h or --help: print the usage of `command` (or
                            the general one when NULL), exit 0 */
    CLI_ARGS_VERSION,    /* -V or --version came first */
    CLI_ARGS_NO_COMMAND, /* no command at all: usage on stderr, exit 2 */
    CLI_ARGS_BAD,        /* err says what is wrong: exit 2 */
};

struct cli_args {
    const char *command; /* run, check, inspect, plugins or new-plugin */
    const char *target;  /* GRAPH, PLUGIN (optional for inspect) or NAME */
    const char *dir;     /* new-plugin's DIR; NULL: ./NAME */
    bool help;           /* -h or --help was given */
    bool json;           /* inspect --json */
    bool allow_writable_plugins; /* --allow-writable-plugins */
    const char *plugin_path;
    const char *telemetry;
    const char *state_dir;
    const char *node;          /* --node NAME: the node of the graph to run */
    const char *nats;          /* --nats URL: the NATS server, over nats.url */
    const char *checkpoint_ms; /* --checkpoint-ms N|off */
    bool has_log_level;        /* --log-level was given */
    enum steady_log_level log_level;
    /* Graph args: name, value, name, value, ...; n_overrides pairs. Names
     * and values point into argv or into `owned`. */
    const char **overrides;
    size_t n_overrides;
    char **owned; /* names cut out of --name=value */
    size_t n_owned;
};

/* Parses argv[1..argc-1] into *out (zeroed first). Strings point into argv,
 * which must outlive *out. Any number of graph args is accepted. Returns a
 * cli_args_result; on CLI_ARGS_BAD err holds one line naming the flag and
 * what would be right (no "steady: " prefix). Call cli_args_free whatever
 * the result. Any thread; touches nothing global. */
int cli_args_parse(struct cli_args *out, int argc, char *const *argv, char *err,
                   size_t errlen);

/* Frees what cli_args_parse allocated; the struct may be parsed into again.
 * A zeroed struct is fine. */
void cli_args_free(struct cli_args *a);

#endif

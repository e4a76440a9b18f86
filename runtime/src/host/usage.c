/* usage.c - the help texts of the `steady` command: one general page and
 * one page per command, in a table, so that `steady COMMAND --help`
 * answers with that command's usage.
 */
#include "usage.h"

#include <stddef.h>
#include <string.h>

static const char general[] =
    "Usage:\n"
    "  steady run GRAPH [--ARG VALUE]...    run a graph until it stops\n"
    "  steady check GRAPH [--ARG VALUE]...  validate a graph; run nothing\n"
    "  steady inspect [PLUGIN] [--json]     describe a plugin (none: list "
    "them)\n"
    "  steady plugins                       list the plugins on the search "
    "path\n"
    "  steady new-plugin NAME [DIR]         write an out-of-tree plugin "
    "project\n"
    "  steady --help | --version | COMMAND --help\n"
    "\n"
    "Options (before or after the command):\n"
    "  --log-level LEVEL     error|warn|info|debug|trace (env STEADY_LOG; "
    "default info);\n"
    "                        debug shows which .so each actor came from, "
    "its params\n"
    "                        and the wiring\n"
    "  --plugin-path DIRS    extra plugin folders, ':'-separated, searched "
    "first\n"
    "                        (then env STEADY_PLUGIN_PATH, then the bundled "
    "plugins)\n"
    "  --telemetry ADDR:PORT|off  where to serve telemetry (overrides the "
    "graph);\n"
    "                        PORT is 0 (any free port) or 1-65535, digits "
    "only\n"
    "  --state-dir DIR       keep actors' persistent state in DIR across "
    "runs\n"
    "                        (overrides the graph's state_dir:)\n"
    "  --node NAME           run the actors of node NAME of a graph spread "
    "over\n"
    "                        nodes (its state in DIR/NAME of --state-dir)\n"
    "  --nats URL            the NATS server (JetStream on) that carries "
    "cross-node\n"
    "                        and durable channels (overrides the graph's "
    "nats.url)\n"
    "  --checkpoint-ms N|off  snapshot the whole process (states and "
    "channels)\n"
    "                        into the state_dir every N ms, 10-3600000 "
    "(overrides\n"
    "                        the graph's checkpoint_ms:; needs a state_dir)\n"
    "  --allow-writable-plugins  load plugins that others than their owner "
    "could\n"
    "                        change (env STEADY_ALLOW_WRITABLE_PLUGINS=1); "
    "refused\n"
    "                        by default\n"
    "  -h, --help            this text (after a command: that command's)\n"
    "  -V, --version         version, plugin ABI and channel layout\n"
    "\n"
    "Numbers: int params are decimal (42, -7) or hex with 0x (0x2a); a "
    "leading 0\n"
    "(010) is refused rather than read as octal. Durations in ms are at "
    "most\n"
    "31536000000 (365 days).\n"
    "\n"
    "Signals: SIGINT, SIGTERM and SIGHUP request a graceful shutdown (every "
    "actor\n"
    "drains and saves its state; an init still running gets the shutdown "
    "timeout);\n"
    "a second one forces the stop and reports who had not finished. SIGHUP "
    "may mean\n"
    "reload in a later version. SIGUSR1 and SIGUSR2 are logged and "
    "ignored; SIGPIPE\n"
    "is ignored (a closed stdout or stderr never stops the graph).\n"
    "\n"
    "Exit status: 0 clean stop; 1 an actor failed (in init, run or destroy, "
    "or by\n"
    "calling exit), shutdown timed out, or an actor's state was not saved; "
    "2 bad\n"
    "command line, graph, plugin or state folder; 130 forced by a second "
    "signal (or\n"
    "a signal during check or inspect).\n";

struct command_help {
    const char *name;
    const char *text;
};

static const struct command_help commands[] = {
    { "run",
      "Usage: steady run GRAPH [--ARG VALUE]... [OPTIONS]\n"
      "\n"
      "Loads GRAPH (a YAML file, see graphs/standard.yaml), checks it, starts "
      "every\n"
      "actor and runs until the graph stops: an actor asks for shutdown, "
      "every actor\n"
      "ends, or a signal. --ARG VALUE (or --ARG=VALUE) overrides an entry of "
      "the\n"
      "graph's `args:` (e.g. --rate 500 --beats 60); a flag naming no arg is "
      "an error.\n"
      "A value that starts with -- is given as --ARG=VALUE.\n"
      "\n"
      "A graph whose actors say `node:` runs one node per process: --node "
      "NAME runs\n"
      "that node's actors, and each channel to or from another node (or "
      "marked\n"
      "durable: true) is carried through NATS JetStream at nats.url or "
      "--nats URL.\n"
      "Without --node such a graph is refused with the list of its nodes.\n"
      "\n"
      "Options: --log-level, --plugin-path, --telemetry ADDR:PORT|off, "
      "--state-dir DIR,\n"
      "--node NAME, --nats URL (see steady --help). Exit status: 0 clean stop, "
      "1 an actor failed or "
      "shutdown\n"
      "timed out, 2 bad graph or plugin, 130 forced by a second signal.\n" },
    { "check",
      "Usage: steady check GRAPH [--ARG VALUE]... [OPTIONS]\n"
      "\n"
      "Runs every check `run` does before starting (YAML, keys, plugins and "
      "their\n"
      "descriptors, ports, types, params, capacities, telemetry, troupes) and "
      "runs\n"
      "nothing. Prints 'GRAPH: ok, ...' (then, indented, the type each "
      "any-typed\n"
      "actor resolved to and each bundle or any-typed channel with its "
      "indices)\n"
      "and exits 0, or prints FILE:LINE:COL: what is wrong (with a "
      "suggestion where\n"
      "one exists) and exits 2.\n"
      "A graph spread over nodes is checked whole (every plugin, the types "
      "across\n"
      "nodes), then as each node would run it (with its NATS bridges). With "
      "--node\n"
      "NAME only that node's view is checked: other nodes' plugins need not "
      "be\n"
      "installed here.\n" },
    { "inspect",
      "Usage: steady inspect [PLUGIN] [--json] [--plugin-path DIRS]\n"
      "\n"
      "Describes a plugin: name, version, summary, file, ABI, channel layout, "
      "state\n"
      "size, its ports (direction, element type and size, required, bundle, "
      "doc) and\n"
      "its params (type, default, range or allowed values, doc). PLUGIN is a "
      "name on\n"
      "the plugin path or a path to a .so.\n"
      "--json prints the same as one JSON object. Without PLUGIN: the same "
      "list as\n"
      "`steady plugins`. Exit status 2 when the plugin cannot be found or is "
      "refused.\n" },
    { "plugins",
      "Usage: steady plugins [--plugin-path DIRS]\n"
      "\n"
      "Lists every plugin on the search path (--plugin-path, then "
      "STEADY_PLUGIN_PATH,\n"
      "then the bundled plugins' folder) with its version, summary and file. "
      "A file\n"
      "that cannot be loaded is listed with the reason; a plugin hidden by "
      "one of the\n"
      "same name in an earlier folder is marked as shadowed.\n" },
    { "new-plugin",
      "Usage: steady new-plugin NAME [DIR]\n"
      "\n"
      "Writes an out-of-tree plugin project into DIR (default ./NAME, which "
      "must not\n"
      "exist): NAME.c, a commented plugin with one input, one output, a param "
      "with a\n"
      "range, persistent state and end-of-input handling; test_NAME.c, its "
      "cmocka\n"
      "tests through <steady/testing.h>; NAME.yaml, a graph using it with the "
      "bundled\n"
      "plugins; and a CMakeLists.txt using find_package(steady). NAME must be "
      "a C\n"
      "identifier. Then:\n"
      "  cd NAME && cmake -S . -B build && cmake --build build && ctest "
      "--test-dir build\n"
      "  steady run NAME.yaml --plugin-path build/plugins\n" },
};

int usage_known_command(const char *command)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (command && strcmp(commands[i].name, command) == 0)
            return 1;
    return 0;
}

void usage_print(FILE *out, const char *command)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (command && strcmp(commands[i].name, command) == 0) {
            fputs(commands[i].text, out);
            return;
        }
    }
    fputs(general, out);
}

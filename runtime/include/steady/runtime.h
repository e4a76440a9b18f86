/* steady/runtime.h - embedding the host: load a graph file, run it until it
 * stops, stop it from outside. The `steady` command is a thin CLI over this.
 */
#ifndef STEADY_RUNTIME_H
#define STEADY_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <steady/export.h>

#ifdef __cplusplus
extern "C" {
#endif

struct steady_runtime;

struct steady_runtime_options {
    const char *plugin_path;      /* extra plugin dirs, ':'-separated; NULL */
    const char *const *overrides; /* name, value, name, value, ... */
    size_t n_overrides;           /* number of pairs */
    const char *telemetry; /* NULL: as the graph says; "off"; "ADDR:PORT" */
    const char *state_dir; /* NULL: as the graph says (state_dir:) */
    /* Validate only (`steady check`): state files are read and checked,
     * but the state folder is neither created nor locked nor written. A
     * runtime loaded this way must not be run. */
    bool check_only;
    /* Open plugins that others than their owner (or root) could change, as
     * env STEADY_ALLOW_WRITABLE_PLUGINS=1 does; refused when false. */
    bool allow_writable_plugins;
    /* 0.3: a graph spread over nodes. `node` (--node) selects the actors
     * this process runs; NULL for a graph that names no nodes (refused,
     * listing them, for one that does, unless check_only). `nats` (--nats)
     * is the NATS server's URL, replacing the graph's nats.url; NULL: the
     * file's. Appended: a caller built against 0.2 passes a struct that
     * ends before them only through a zero-initialised copy of its own. */
    const char *node;
    const char *nats;
    /* A process snapshot every N ms (graph key checkpoint_ms): NULL as the
     * graph says, "off", or N from 10 to 3600000; needs a state_dir. */
    const char *checkpoint_ms;
};

/* Loads and checks a graph file, opens its plugins and builds its actors
 * and channels; nothing runs yet. With a state_dir (and no check_only) it
 * also locks that folder until steady_runtime_destroy or the process ends,
 * and loads each actor's saved state. Returns 0, or -1 with one line in err
 * ("FILE:LINE:COL: what is wrong" for graph mistakes). The caller owns *out. */
STEADY_EXPORT int steady_runtime_load(const char *file,
                                      const struct steady_runtime_options *opt,
                                      struct steady_runtime **out, char *err,
                                      size_t errlen);

/* Initialises every actor (on a thread of its own, so that a shutdown
 * request or a forced stop is honoured even while an init blocks), runs
 * each on its thread, returns when all have stopped and have run their
 * destroy. 0 on a clean stop, and when shutdown was requested before the
 * actors started (then none runs); -1 with a one-line reason in err when an
 * actor failed in init, run or destroy, a thread could not be created, an
 * actor's state could not be saved when it stopped, or shutdown timed out (the
 * actors still running and why are logged first). While it runs, exit() called
 * from an actor's code ends the process with status 1 after naming the actor.
 * After a -1, threads may still be running: exit the process. Call once. */
STEADY_EXPORT int steady_runtime_run(struct steady_runtime *rt, char *err,
                                     size_t errlen);

/* Asks every actor to shut down. Async-signal-safe; any thread. */
STEADY_EXPORT void steady_runtime_request_shutdown(struct steady_runtime *rt);
/* Makes steady_runtime_run give up waiting at once and report who had not
 * finished. Async-signal-safe; any thread. */
STEADY_EXPORT void steady_runtime_force_stop(struct steady_runtime *rt);

/* The port the telemetry server listens on, once steady_runtime_run has
 * bound it (before any actor initialises); 0 when telemetry is off or not
 * bound yet. With "ADDR:0" this is the port the system chose. Any thread. */
STEADY_EXPORT int
steady_runtime_telemetry_port(const struct steady_runtime *rt);

/* Frees a runtime whose run returned 0 (or that never ran). NULL is fine. */
STEADY_EXPORT void steady_runtime_destroy(struct steady_runtime *rt);

/* One-line summary of a loaded graph: "graph 'standard': 4 actors, 3
 * channels". */
STEADY_EXPORT void steady_runtime_describe(const struct steady_runtime *rt,
                                           char *buf, size_t len);

/* Writes to out, one indented line each, what the loader resolved beyond
 * the file's text: the type each actor's any-typed ports carry, and each
 * channel with a bundle or any-typed end ("channel split.out[1] ->
 * sink.in: type u64 (8 bytes), capacity 64"). Nothing for a graph with
 * neither. `steady check` prints it under its summary. */
STEADY_EXPORT void
steady_runtime_describe_resolved(const struct steady_runtime *rt, FILE *out);

/* Prints a plugin's descriptor (ports, params, ABI) to out. PLUGIN is a
 * name on the search path or a path. 0, or -1 with the reason in err. */
STEADY_EXPORT int steady_inspect(const char *plugin, const char *plugin_path,
                                 FILE *out, char *err, size_t errlen);

/* The same as one JSON object (ports with direction, type, size, doc and
 * bundle; params with type, default, doc and limits; state size; ABI and
 * channel layout). */
STEADY_EXPORT int steady_inspect_json(const char *plugin,
                                      const char *plugin_path, FILE *out,
                                      char *err, size_t errlen);

/* Lists every plugin on the search path (plugin_path, then
 * STEADY_PLUGIN_PATH, then the bundled plugins' folder) with its version,
 * summary and file; files that cannot be loaded are listed with the reason.
 * 0, or -1 with the reason in err. */
STEADY_EXPORT int steady_list_plugins(const char *plugin_path, FILE *out,
                                      char *err, size_t errlen);

/* Writes an out-of-tree plugin project for a plugin called `name` (a C
 * identifier) into the new folder `dir` (NULL: ./name): the plugin, a
 * CMakeLists.txt using find_package(steady), a cmocka test and a graph.
 * Refuses an existing folder. Says what it made on out. 0, or -1 with the
 * reason in err (nothing is left behind). */
STEADY_EXPORT int steady_scaffold_plugin(const char *name, const char *dir,
                                         FILE *out, char *err, size_t errlen);

STEADY_EXPORT const char *steady_version(void);

#ifdef __cplusplus
}
#endif

#endif

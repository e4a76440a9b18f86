/* runner.h - the steps of a run, one by one, for the graph test harness of
 * libsteady-testing (runtime/testing/test_graph.c): open a graph file, build
 * it with some actors stood in for (the caller holds the far end of their
 * channels), start it, wait for it with a deadline. steady_runtime_load is
 * runner_open then runner_build with nobody stood in; steady_runtime_run is
 * runner_start then runner_wait with no deadline.
 *
 * Private: in no installed header. The functions are exported from
 * libsteady-runtime for libsteady-testing only. One thread at a time calls
 * them (the test's); steady_runtime_request_shutdown works as documented.
 */
#ifndef STEADY_RUNNER_H
#define STEADY_RUNNER_H

#include "actor_impl.h"
#include "graph.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <steady/runtime.h>

#define RUNNER_API __attribute__((visibility("default")))

/* Loads and checks `file` as steady_runtime_load does, opening every plugin,
 * but builds nothing yet: no actor, channel or state. 0, or -1 with one
 * line in err. The caller owns *out (steady_runtime_destroy). */
RUNNER_API int runner_open(const char *file,
                           const struct steady_runtime_options *opt,
                           struct steady_runtime **out, char *err,
                           size_t errlen);

/* The checked graph, from runner_open until steady_runtime_destroy. */
RUNNER_API const struct graph *runner_graph(const struct steady_runtime *rt);

/* Builds the actors and channels of an opened runtime, once. stood_in (NULL:
 * none) has one flag per graph actor: a stood-in actor is not created, so
 * it never runs, and every end of a channel on its ports is bound to the
 * runtime's host waker (runner_set(rt)->host), which the caller waits on;
 * the channel keeps the capacity and type the file gives. With stand-ins,
 * telemetry must be off (it reads every actor). 0, or -1 with err set. */
RUNNER_API int runner_build(struct steady_runtime *rt, const bool *stood_in,
                            char *err, size_t errlen);

/* After runner_build: graph channel i (graph->channels[i]), and graph
 * actor i (NULL for a stood-in one). Owned by the runtime. */
RUNNER_API struct steady_channel *runner_channel(struct steady_runtime *rt,
                                                 size_t i);
RUNNER_API struct steady_actor *runner_actor(struct steady_runtime *rt,
                                             size_t i);
/* The actors the runtime runs: its shutdown flag and host waker. */
RUNNER_API struct actor_set *runner_set(struct steady_runtime *rt);

/* Once shutdown is requested (by anyone), an actor stood in for counts as
 * one that has voted yes: every channel it produces into is closed, and
 * what was sent into it stays to be drained. runner_wait does this as soon
 * as it sees the request; a caller waiting on its own calls it too.
 * Returns whether shutdown was requested. */
RUNNER_API bool runner_settle_stand_ins(struct steady_runtime *rt);

/* Initialises every actor and starts them on their threads, as
 * steady_runtime_run does before it waits. The inits are given until
 * init_until_ns (now_ns() clock; 0: no limit). Returns 0 when the actors
 * run, or when shutdown was requested before they started (none runs and
 * runner_wait then returns 0); -1 with err set when an actor failed in
 * init, the inits ran past init_until_ns, or a thread could not be
 * created. Once. */
RUNNER_API int runner_start(struct steady_runtime *rt, uint64_t init_until_ns,
                            char *err, size_t errlen);

/* Waits until every actor has exited, then joins their threads and runs
 * every destroy: returns 0 on a clean stop (as steady_runtime_run), -1 with
 * err set on a failure (an actor failed, a destroy failed, a state was not
 * saved). Returns 1 when until_ns (now_ns() clock; 0: no limit) came first,
 * and -1 when shutdown has taken longer than the graph's
 * shutdown_timeout_ms or the run was forced to stop (err names the actors
 * still running and why): then threads still run, and a later call only
 * waits for them to exit, returning 1 until they have, then that -1
 * again. Once stopped, every call returns the same result. */
RUNNER_API int runner_wait(struct steady_runtime *rt, uint64_t until_ns,
                           char *err, size_t errlen);

/* True while a thread the runtime started may still run (an init that ran
 * past runner_start's limit, actors not yet joined by runner_wait): the
 * runtime must not be destroyed then. */
RUNNER_API bool runner_busy(struct steady_runtime *rt);

#endif

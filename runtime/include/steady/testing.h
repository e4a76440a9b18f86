/* steady/testing.h - run one actor from a real plugin .so in a test, or a
 * whole graph file with some actors stood in for by the test (below).
 *
 * The harness loads the plugin, lets the test set params and wire each port
 * to a channel whose other end the test holds, feeds and closes inputs,
 * runs the actor on its own thread, and hands back what it sent and what it
 * logged. Every wait is bounded by a timeout. Call from the test's thread.
 *
 *     struct steady_test *t = steady_test_load("worker", NULL);
 *     steady_test_connect(t, "values", 16);
 *     ...
 *     steady_test_feed(t, "values", items, 6);
 *     steady_test_close_input(t, "values");
 *     assert_int_equal(steady_test_run(t, 2000), 0);
 *     n = steady_test_take(t, "out", got, 16);
 */
#ifndef STEADY_TESTING_H
#define STEADY_TESTING_H

#include <stdbool.h>
#include <stddef.h>
#include <steady/channel.h>
#include <steady/export.h>
#include <steady/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

struct steady_test;

/* Loads `plugin` (a name found on STEADY_PLUGIN_PATH and the build's plugin
 * folder, or a path to a .so) as an actor called `actor_name` (NULL: the
 * plugin's name). Returns NULL and prints the reason to stderr on failure. */
STEADY_EXPORT struct steady_test *steady_test_load(const char *plugin,
                                                   const char *actor_name);
/* Stops the actor if it still runs (requesting shutdown, then waiting a
 * bounded time), destroys it and frees everything. NULL is fine. */
STEADY_EXPORT void steady_test_destroy(struct steady_test *t);

STEADY_EXPORT const struct steady_plugin *
steady_test_plugin(const struct steady_test *t);

/* Sets a param from its YAML text, checked against the plugin's table and
 * the param's declared limits as `steady check` checks it. Unset params take
 * their defaults. Returns 0, or -1 with a message on stderr (a value outside
 * the limits: "rate_ms must be in 1..3600000, got 0", also returned by
 * steady_test_error until the actor starts). Before start only. */
STEADY_EXPORT int steady_test_set_param(struct steady_test *t, const char *name,
                                        const char *value);

/* Wires the named port to a new channel of `capacity` whose other end the
 * test holds. Ports not connected stay unconnected. A bundle (a port
 * declared STEADY_PORT_MANY) may be connected several times: each call
 * adds its next channel, 0, 1, ... as a graph's lines would; a plain port
 * connected twice is an error. An any-typed port needs
 * steady_test_connect_typed. Returns the channel (owned by the harness) or
 * NULL with a message on stderr. Before start only. */
STEADY_EXPORT struct steady_channel *
steady_test_connect(struct steady_test *t, const char *port, size_t capacity);
/* ABI 1.1: steady_test_connect with the element type named, as the channel
 * a graph wires to an any-typed port (STEADY_TYPE_ANY) gives it. Every
 * any-typed port of the actor carries one type, so a second type is an
 * error; the actor reads it with steady_port_type/steady_port_elem_size.
 * On a typed port the type must be the declared one. */
STEADY_EXPORT struct steady_channel *
steady_test_connect_typed(struct steady_test *t, const char *port,
                          size_t capacity, const char *type_name,
                          size_t elem_size);

/* The calls below act on channel 0 of a bundle; their _at forms (ABI 1.1)
 * on channel i (an error with a message when there is no channel i). */

/* ABI 1.1: wires a variable-size port (elem_size STEADY_VARSIZE) to a new
 * channel of at most max_msgs messages and max_bytes bytes, as the graph
 * file's capacity and bytes would. Returns the channel (owned by the
 * harness), or NULL with a message on stderr (a fixed-size port, already
 * wired, after start, a zero bound). Before start only. */
STEADY_EXPORT struct steady_channel *
steady_test_connect_varsize(struct steady_test *t, const char *port,
                            size_t max_msgs, size_t max_bytes);
/* ABI 1.1: the overflow policy of a connected port's channel, as the graph
 * file's `overflow:` would set it. 0, or -1 with a message on stderr.
 * Before start only. */
STEADY_EXPORT int steady_test_set_overflow(struct steady_test *t,
                                           const char *port,
                                           enum steady_overflow policy);

/* Sends n items into an input port's channel without waiting; returns how
 * many fit. */
STEADY_EXPORT size_t steady_test_feed(struct steady_test *t, const char *port,
                                      const void *items, size_t n);
STEADY_EXPORT size_t steady_test_feed_at(struct steady_test *t,
                                         const char *port, unsigned i,
                                         const void *items, size_t n);
/* Closes an input port's channel (every channel of a bundle), as its
 * producer exiting would; the _at form closes channel i alone. */
STEADY_EXPORT void steady_test_close_input(struct steady_test *t,
                                           const char *port);
STEADY_EXPORT void steady_test_close_input_at(struct steady_test *t,
                                              const char *port, unsigned i);
/* Takes up to max items from an output port's channel without waiting. */
STEADY_EXPORT size_t steady_test_take(struct steady_test *t, const char *port,
                                      void *items, size_t max);
STEADY_EXPORT size_t steady_test_take_at(struct steady_test *t,
                                         const char *port, unsigned i,
                                         void *items, size_t max);
/* ABI 1.1: one message (of any length on a variable-size channel, of the
 * element size on a fixed-size one) into an input port's channel without
 * waiting; false when it does not fit now or ever (errno EAGAIN or
 * EMSGSIZE). */
STEADY_EXPORT bool steady_test_feed_msg(struct steady_test *t, const char *port,
                                        const void *msg, size_t len);
/* ABI 1.1: takes the next message from an output port's channel without
 * waiting: copies at most max bytes of it into buf and sets *len to its
 * whole length. False when there is none. */
STEADY_EXPORT bool steady_test_take_msg(struct steady_test *t, const char *port,
                                        void *buf, size_t max, size_t *len);
/* Waits until at least n items (messages) are available on an output port
 * (or it is closed), at most timeout_ms; returns how many are available. */
STEADY_EXPORT size_t steady_test_await_output(struct steady_test *t,
                                              const char *port, size_t n,
                                              unsigned timeout_ms);
STEADY_EXPORT size_t steady_test_await_output_at(struct steady_test *t,
                                                 const char *port, unsigned i,
                                                 size_t n, unsigned timeout_ms);

/* Restart policy of the actor under test (default: none, so a failure
 * ends the run and steady_test_wait returns -1): at most max restarts
 * within within_s seconds, each after backoff_ms. Before start. */
STEADY_EXPORT void steady_test_set_restart(struct steady_test *t, unsigned max,
                                           unsigned within_s,
                                           unsigned backoff_ms);
/* How many times the supervisor restarted the actor so far. */
STEADY_EXPORT unsigned steady_test_restarts(const struct steady_test *t);

/* Runs init and starts run on a new thread. Returns 0, or init's -1 (its
 * message is in steady_test_error). */
STEADY_EXPORT int steady_test_start(struct steady_test *t);
/* Waits at most timeout_ms for run to return. Returns run's result (0 or
 * negative), or 1 if it is still running at the deadline. */
STEADY_EXPORT int steady_test_wait(struct steady_test *t, unsigned timeout_ms);
/* start, then wait. */
STEADY_EXPORT int steady_test_run(struct steady_test *t, unsigned timeout_ms);

/* Requests shutdown as the host would on a signal. */
STEADY_EXPORT void steady_test_request_shutdown(struct steady_test *t);
/* True once the actor itself asked for shutdown. */
STEADY_EXPORT bool
steady_test_shutdown_requested_by_actor(const struct steady_test *t);

/* Everything the actor logged, one message per line without prefixes; owned
 * by the harness, valid until the next harness call. */
STEADY_EXPORT const char *steady_test_log(struct steady_test *t);
STEADY_EXPORT bool steady_test_log_contains(struct steady_test *t,
                                            const char *text);
/* Waits until the actor's log contains `text`, at most timeout_ms; true
 * if it does. */
STEADY_EXPORT bool steady_test_await_log(struct steady_test *t,
                                         const char *text, unsigned timeout_ms);
/* The failure message from init or run (steady_fail/steady_panic), or
 * before start why steady_test_set_param refused a value, or "". */
STEADY_EXPORT const char *steady_test_error(const struct steady_test *t);
/* The actor's persistent state (state_size bytes). */
STEADY_EXPORT void *steady_test_state(struct steady_test *t);

/* ---- graph tests ---------------------------------------------------------
 * A whole graph file run for real, with chosen actors stood in for by the
 * test: the test feeds what a stood-in actor would send and takes what
 * would reach it, through the very channels the file declares (capacity,
 * type); every other actor runs from its real .so, solo or in its troupe,
 * under its restart policy, as `steady run` would run it. Telemetry is off.
 * Every wait is bounded by a timeout. Call from one thread (the test's).
 *
 *     struct steady_test_graph *g = steady_test_graph_load(
 *         "graphs/standard.yaml", (const char *[]){ "--rate", "5", NULL });
 *     steady_test_graph_stand_in(g, "generator");
 *     steady_test_graph_stand_in(g, "logger");
 *     steady_test_graph_start(g);
 *     steady_test_graph_feed(g, "generator.out", values, 6);
 *     steady_test_graph_await_output(g, "logger.in", 6, 2000);
 *     n = steady_test_graph_take(g, "logger.in", got, 16);
 *     steady_test_graph_request_shutdown(g);
 *     rc = steady_test_graph_wait(g, 5000);      (0: stopped cleanly)
 *     steady_test_graph_destroy(g);
 *
 * A channel is named by either of its ends, "ACTOR.PORT" as the file
 * writes it, or as "FROM.PORT -> TO.PORT" when a port carries several
 * channels (a bundle). One of its ends must be an actor stood in for: the
 * test feeds and closes a channel whose producer is stood in for, and takes
 * from one whose consumer is. Items are of the channel's element size.
 *
 * Misuse (an unknown actor, port or channel; feeding a channel a real actor
 * produces into; taking from one a real actor consumes; standing in after
 * start) prints one line saying why to stderr and returns NULL or -1. */

struct steady_test_graph;

/* Loads and checks a graph file as `steady check` does and opens its
 * plugins; nothing runs yet. args is NULL or a NULL-terminated list of
 * command-line options: "--NAME", "VALUE" (or "--NAME=VALUE") overrides the
 * graph's args: NAME; "--plugin-path", "DIR[:DIR]" is searched first (then
 * STEADY_PLUGIN_PATH, then the bundled plugins); "--state-dir", "DIR";
 * "--allow-writable-plugins"; "--start-timeout-ms", "MS" bounds the inits
 * at start (default 10000). Returns NULL and prints the reason
 * ("FILE:LINE:COL: ...") to stderr on failure. */
STEADY_EXPORT struct steady_test_graph *
steady_test_graph_load(const char *file, const char *const *args);
/* Stops the graph if it runs (as steady_test_graph_request_shutdown, and
 * what reaches stood-in actors is no longer taken), waits a bounded time
 * for it, runs every destroy and frees everything. An actor that does not
 * stop within the graph's shutdown timeout and 10 s more is named on
 * stderr and the process aborts. NULL is fine. */
STEADY_EXPORT void steady_test_graph_destroy(struct steady_test_graph *g);

/* The test stands in for `actor`: it is not loaded into a thread nor
 * initialised, and the test holds the other end of each of its channels.
 * Before start only. 0, or -1 with a message on stderr. */
STEADY_EXPORT int steady_test_graph_stand_in(struct steady_test_graph *g,
                                             const char *actor);

/* Builds the channels, initialises every actor not stood in for and starts
 * them. 0, or -1 with the reason in steady_test_graph_error: an actor
 * failed in init, or the inits took longer than --start-timeout-ms (then
 * destroy waits for the one still in init). Once. */
STEADY_EXPORT int steady_test_graph_start(struct steady_test_graph *g);

/* Sends up to n items into a channel whose producer is stood in for,
 * without waiting; returns how many fit (0 when it is full), or -1. */
STEADY_EXPORT long steady_test_graph_feed(struct steady_test_graph *g,
                                          const char *channel,
                                          const void *items, size_t n);
/* Waits until there is room for n items (capped at the capacity), or the
 * consumer is gone, at most timeout_ms; returns the room, or -1. */
STEADY_EXPORT long steady_test_graph_await_room(struct steady_test_graph *g,
                                                const char *channel, size_t n,
                                                unsigned timeout_ms);
/* Closes such a channel, as the stood-in actor ending would. 0, or -1. */
STEADY_EXPORT int steady_test_graph_close(struct steady_test_graph *g,
                                          const char *channel);

/* Takes up to max items from a channel whose consumer is stood in for,
 * without waiting; returns how many it took, or -1. */
STEADY_EXPORT long steady_test_graph_take(struct steady_test_graph *g,
                                          const char *channel, void *items,
                                          size_t max);
/* Waits until at least n items are there (or the channel is closed), at
 * most timeout_ms; returns how many are there, or -1. */
STEADY_EXPORT long steady_test_graph_await_output(struct steady_test_graph *g,
                                                  const char *channel, size_t n,
                                                  unsigned timeout_ms);
/* 1 when a channel whose consumer is stood in for is closed (its producer
 * ended) and holds nothing more, 0 when not, -1 on misuse. */
STEADY_EXPORT int steady_test_graph_ended(struct steady_test_graph *g,
                                          const char *channel);

/* Requests shutdown, as a signal to the host would. From then on the
 * actors stood in for count as having voted yes: their channels are closed
 * (what was fed stays and is drained), so feed before. */
STEADY_EXPORT void
steady_test_graph_request_shutdown(struct steady_test_graph *g);
/* Waits at most timeout_ms for every actor that runs to exit. Returns 0
 * when the graph stopped cleanly (after a shutdown, or by itself at end of
 * stream), 1 when it still runs at the deadline, -1 when it failed: an
 * actor failed (past its restart policy), a destroy failed, or shutdown
 * took longer than the graph's shutdown_timeout_ms; the reason, naming the
 * actors, is in steady_test_graph_error. After a shutdown timed out, the
 * actors still running may end later: wait returns 1 until they have, then
 * that -1 again (destroy lets them go). */
STEADY_EXPORT int steady_test_graph_wait(struct steady_test_graph *g,
                                         unsigned timeout_ms);
/* Why start or wait failed, or "". Owned by g. */
STEADY_EXPORT const char *
steady_test_graph_error(const struct steady_test_graph *g);

/* How many times the supervisor restarted `actor` so far, or -1 (unknown,
 * stood in for, or not started). */
STEADY_EXPORT int steady_test_graph_restarts(struct steady_test_graph *g,
                                             const char *actor);

/* What `actor` logged (NULL: the runtime's own lines), one message per line
 * without prefixes; owned by g, valid until the next call. NULL for an
 * unknown actor. Lines are told apart by actor name: harnesses alive at
 * the same time with actors of the same name see each other's lines. */
STEADY_EXPORT const char *steady_test_graph_log(struct steady_test_graph *g,
                                                const char *actor);
STEADY_EXPORT bool steady_test_graph_log_contains(struct steady_test_graph *g,
                                                  const char *actor,
                                                  const char *text);
/* Waits until the actor's log contains `text`, at most timeout_ms. */
STEADY_EXPORT bool steady_test_graph_await_log(struct steady_test_graph *g,
                                               const char *actor,
                                               const char *text,
                                               unsigned timeout_ms);

#ifdef __cplusplus
}
#endif

#endif

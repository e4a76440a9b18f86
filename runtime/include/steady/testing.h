/* steady/testing.h - run one actor from a real plugin .so in a test.
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

/* Sets a param from its YAML text, checked against the plugin's table.
 * Unset params take their defaults. Returns 0, or -1 with a message on
 * stderr. Before start only. */
STEADY_EXPORT int steady_test_set_param(struct steady_test *t, const char *name,
                                        const char *value);

/* Wires the named port to a new channel of `capacity` whose other end the
 * test holds. Ports not connected stay unconnected. Returns the channel
 * (owned by the harness) or NULL. Before start only. */
STEADY_EXPORT struct steady_channel *
steady_test_connect(struct steady_test *t, const char *port, size_t capacity);

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
/* Closes an input port's channel, as its producer exiting would. */
STEADY_EXPORT void steady_test_close_input(struct steady_test *t,
                                           const char *port);
/* Takes up to max items from an output port's channel without waiting. */
STEADY_EXPORT size_t steady_test_take(struct steady_test *t, const char *port,
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
/* The failure message from init or run (steady_fail/steady_panic), or "". */
STEADY_EXPORT const char *steady_test_error(const struct steady_test *t);
/* The actor's persistent state (state_size bytes). */
STEADY_EXPORT void *steady_test_state(struct steady_test *t);

#ifdef __cplusplus
}
#endif

#endif

/* steady/actor.h - what an actor's code calls: the running loop and its
 * shutdown vote, waits, channel operations by port, params, persistent state,
 * logging and failure.
 *
 * Every function here takes the actor handle the runtime passed to init or
 * run, and may only be called from that actor's own thread (or, in a troupe,
 * its own coroutine). Ports are indices into the plugin's port table.
 *
 * The one loop to write:
 *
 *     while (steady_running(a)) {
 *         if (!steady_await_all(a, steady_avail(a, IN, 1),
 *                               steady_vacant(a, OUT, 1)))
 *             continue;   (cut short: back to steady_running, which decides)
 *         ... take, compute, send ...
 *     }
 *     ... what to do at the end (log a total) ...
 *     return 0;
 *
 * It never spins: a wait returns false at once only when shutdown was
 * requested or a condition can never be met any more (an input ended, an
 * output lost its consumer), and steady_running then ends the actor: at
 * shutdown once its vote is yes, and without any shutdown once every input
 * is closed and drained (end of stream), or once its latest wait was cut
 * short because a condition of it can never be met again (an input ended
 * with fewer items than it waits for, one of two inputs waited for
 * together ended, an output lost its consumer): the same wait would return
 * at once for ever. Items then left in its inputs stay there, and the log
 * says so; an actor that wants such a tail takes it when the wait returns
 * false, before going back to steady_running (or votes no with
 * steady_set_vote until it is done). A source (no connected
 * input) runs until shutdown, until run returns, or until its wait for
 * room can never be met. Returning from run closes the actor's outputs,
 * so the end of the stream flows downstream; a graph whose actors have
 * all finished ends by itself. A loop that keeps waiting after its waits
 * stopped waiting is named in the log by the spin detector.
 */
#ifndef STEADY_ACTOR_H
#define STEADY_ACTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <steady/channel.h>
#include <steady/export.h>
#include <steady/log.h>

#ifdef __cplusplus
extern "C" {
#endif

struct steady_actor;

/* ---- lifecycle ------------------------------------------------------- */

/* True while the actor should keep going. False once every connected input
 * (every channel of a bundle) is closed and drained (end of stream; with a vote
 * function set below, only when it agrees too), and false when the actor's
 * latest wait was cut short outside shutdown, since a condition of it can
 * never be met again (with a vote function, only when it agrees; see the
 * top of this file). Once shutdown has been
 * requested the actor votes on every call: by default "yes" when every input is
 * closed and empty, or with the vote function; without a vote function it
 * also ends when its latest wait can never be met again (its output's
 * consumer left, an input ended short), which would otherwise return at
 * once until the shutdown timeout. On the first false the runtime
 * closes the actor's outputs and this returns false from then on. */
STEADY_EXPORT bool steady_running(struct steady_actor *a);

/* An actor's own shutdown vote; returns true when the actor is done. `why`
 * (may be ignored) takes a short reason when it says no, reported if shutdown
 * times out. */
typedef bool (*steady_vote_fn)(struct steady_actor *a, char *why, size_t len);
STEADY_EXPORT void steady_set_vote(struct steady_actor *a, steady_vote_fn vote);

/* Asks the whole graph to shut down. Safe from any actor at any time. */
STEADY_EXPORT void steady_request_shutdown(struct steady_actor *a);
STEADY_EXPORT bool steady_shutdown_requested(const struct steady_actor *a);

/* ---- waits ------------------------------------------------------------
 * A condition is built by one of the functions below and passed to
 * steady_await_all or steady_await_any. A condition is either met, or
 * settled (it cannot be met any more, or shutdown makes it moot):
 *   avail(port, n)  met: n units to take; settled: the input is closed.
 *   vacant(port, n) met: room for n units; settled: the consumer is gone,
 *                   or shutdown is requested and this actor's vote is yes.
 *   periodic(ms)    met: the next tick of a drift-free period (one per
 *                   actor); settled: shutdown requested.
 *   timeout(ms)     met: ms after the await began; settled: shutdown.
 * A periodic or timeout longer than STEADY_WAIT_MAX_MS waits that long.
 * await_all returns once every condition is met or settled, true when all
 * are met. await_any returns once one is met (true) or all are settled
 * (false). A false return means "cut short": re-check steady_running. An
 * idle wait uses no CPU. */
enum steady_cond_kind {
    STEADY_COND_AVAIL,
    STEADY_COND_VACANT,
    STEADY_COND_PERIODIC,
    STEADY_COND_TIMEOUT,
    /* ABI 1.1 */
    STEADY_COND_AVAIL_AT,  /* one channel of a bundle */
    STEADY_COND_VACANT_AT, /* one channel of a bundle */
    STEADY_COND_READABLE,  /* a file descriptor */
    STEADY_COND_WRITABLE,  /* a file descriptor */
    /* snapshots (see steady_snapshot_next) */
    STEADY_COND_SNAPSHOT, /* snapshot number ns is safely written */
};

/* The longest wait, in ms (365 days); longer ones are clamped to it, so
 * that no conversion to nanoseconds overflows. */
#define STEADY_WAIT_MAX_MS UINT64_C(31536000000)

struct steady_cond {
    enum steady_cond_kind kind;
    unsigned port;
    size_t n;    /* units, for avail/vacant; the fd, for readable/writable */
    uint64_t ns; /* period or timeout; the channel index for the _at forms */
};

STEADY_EXPORT struct steady_cond steady_avail(struct steady_actor *a,
                                              unsigned port, size_t n);
STEADY_EXPORT struct steady_cond steady_vacant(struct steady_actor *a,
                                               unsigned port, size_t n);
STEADY_EXPORT struct steady_cond steady_periodic(struct steady_actor *a,
                                                 uint64_t ms);
STEADY_EXPORT struct steady_cond steady_timeout(struct steady_actor *a,
                                                uint64_t ms);

/* ABI 1.1 ---------------------------------------------------------------
 * Bundles (ports declared STEADY_PORT_MANY): steady_avail(a, bundle, n) is
 * met when any of its channels has n units (settled when all are closed and
 * drained); steady_vacant(a, bundle, n) when every channel whose consumer is
 * still there has room for n (settled when none is). The _at forms wait on
 * channel i of the bundle alone, like avail/vacant on a plain port (a
 * channel past the last one behaves as an unconnected port: settled). A
 * wait on a bundle sleeps until a producer (consumer) of any of its
 * channels publishes, idle at zero CPU like any other wait.
 * On a variable-size channel avail counts messages and vacant counts bytes
 * (met when a message of n bytes fits).
 *   readable(fd)  met: fd can be read without blocking (or has hung up,
 *                 or is in error: read() then says so, 0 at end of file);
 *                 settled: shutdown requested and the fd not ready.
 *   writable(fd)  met: fd can be written without blocking (or is in error,
 *                 say its reader is gone: write() then fails); settled:
 *                 shutdown requested and the fd not ready.
 * File descriptor waits idle at zero CPU and, in a troupe, let the troupe's
 * other members run. A negative fd, or one that is not open when the wait
 * looks at it, fails the actor (steady_panic naming the fd); keep an fd
 * open while it is waited on. A readable fd stays met until it is read, and
 * an ended one (read() returned 0) forever: stop waiting on it then (close
 * it, or return from run), or the spin detector names the loop. */
STEADY_EXPORT struct steady_cond
steady_avail_at(struct steady_actor *a, unsigned port, unsigned i, size_t n);
STEADY_EXPORT struct steady_cond
steady_vacant_at(struct steady_actor *a, unsigned port, unsigned i, size_t n);
STEADY_EXPORT struct steady_cond steady_readable(struct steady_actor *a,
                                                 int fd);
STEADY_EXPORT struct steady_cond steady_writable(struct steady_actor *a,
                                                 int fd);

STEADY_EXPORT bool steady_await(struct steady_actor *a, bool all,
                                const struct steady_cond *conds, size_t n);

#ifndef __cplusplus
/* C: the conditions become an array compound literal, counted by sizeof
 * (which does not evaluate them a second time). */
#define STEADY_CONDS_(...) ((const struct steady_cond[]){ __VA_ARGS__ })
#define STEADY_NCONDS_(...) \
    (sizeof(STEADY_CONDS_(__VA_ARGS__)) / sizeof(struct steady_cond))
#define steady_await_all(a, ...)                        \
    steady_await((a), true, STEADY_CONDS_(__VA_ARGS__), \
                 STEADY_NCONDS_(__VA_ARGS__))
#define steady_await_any(a, ...)                         \
    steady_await((a), false, STEADY_CONDS_(__VA_ARGS__), \
                 STEADY_NCONDS_(__VA_ARGS__))
#else
/* C++ has no compound literals: the conditions become an initializer list
 * (see steady_await_list_ at the end of this header). */
#define steady_await_all(a, ...) steady_await_list_((a), true, { __VA_ARGS__ })
#define steady_await_any(a, ...) steady_await_list_((a), false, { __VA_ARGS__ })
#endif

/* ---- channels by port -------------------------------------------------
 * The channel wired to a port, or NULL when an optional port is not
 * connected. The steady_channel_* functions of <steady/channel.h> work on it
 * directly (the batch and zero-copy API lives there). */
STEADY_EXPORT struct steady_channel *steady_port(struct steady_actor *a,
                                                 unsigned port);
STEADY_EXPORT bool steady_connected(struct steady_actor *a, unsigned port);

/* ABI 1.1: channels wired to a port (0 or 1 for a plain port, 0..n for a
 * bundle), channel i of it (NULL past the end), and the element type the
 * port carries once the graph resolved it (an any-typed port learns its
 * type here): the type name, and the element size (STEADY_VARSIZE for a
 * variable-size channel; an any-typed port with nothing wired to any of the
 * actor's any-typed ports stays STEADY_TYPE_ANY, size 0). The single-item
 * calls below, given a bundle, act on its channel 0; use steady_port_at and
 * <steady/channel.h> for the others. */
STEADY_EXPORT unsigned steady_wired(struct steady_actor *a, unsigned port);
STEADY_EXPORT struct steady_channel *steady_port_at(struct steady_actor *a,
                                                    unsigned port, unsigned i);
STEADY_EXPORT const char *steady_port_type(struct steady_actor *a,
                                           unsigned port);
STEADY_EXPORT size_t steady_port_elem_size(struct steady_actor *a,
                                           unsigned port);

/* ABI 1.1: messages of any kind on a plain port or channel 0 of a bundle
 * (see <steady/channel.h>: on a fixed-size channel len is elem_size).
 * steady_send_msg copies one message in, false when there is no room now;
 * a message the channel can never hold is also false, logged once at error
 * naming the actor, port, length and the channel's byte capacity.
 * steady_peek_msg returns the next message in place (NULL when empty) and
 * steady_take_msg takes it. */
STEADY_EXPORT bool steady_send_msg(struct steady_actor *a, unsigned port,
                                   const void *msg, size_t len);
STEADY_EXPORT const void *steady_peek_msg(struct steady_actor *a, unsigned port,
                                          size_t *len);
STEADY_EXPORT void steady_take_msg(struct steady_actor *a, unsigned port);

/* Single items; full or empty is false, not an error. An unconnected port
 * behaves as closed and empty. */
STEADY_EXPORT bool steady_try_send(struct steady_actor *a, unsigned port,
                                   const void *item);
STEADY_EXPORT bool steady_try_take(struct steady_actor *a, unsigned port,
                                   void *item);
STEADY_EXPORT bool steady_try_peek(struct steady_actor *a, unsigned port,
                                   void *item);
STEADY_EXPORT size_t steady_avail_count(struct steady_actor *a, unsigned port);
STEADY_EXPORT size_t steady_vacant_count(struct steady_actor *a, unsigned port);
STEADY_EXPORT bool steady_is_closed_and_empty(struct steady_actor *a,
                                              unsigned port);

/* Peek-before-commit: peek the next item, process it, then take it. If the
 * actor fails in between, the item is still there after the restart. An
 * item that keeps being peeked but never taken is a showstopper (it may be
 * what makes the actor fail): steady_peek_count says how many times the
 * current head item was peeked (across restarts), steady_is_showstopper
 * compares it with a threshold, and steady_dead_letter takes it and logs it
 * at warn (actor, port, type, bytes) so the actor can move on. */
STEADY_EXPORT unsigned steady_peek_count(struct steady_actor *a, unsigned port);
STEADY_EXPORT bool steady_is_showstopper(struct steady_actor *a, unsigned port,
                                         unsigned threshold);
STEADY_EXPORT bool steady_dead_letter(struct steady_actor *a, unsigned port,
                                      const char *why);

/* Saturation policy of steady_send: wait for room, or warn (once per
 * saturation episode, with the port's name) and then wait. */
enum steady_saturation {
    STEADY_SATURATION_AWAIT = 0,
    STEADY_SATURATION_WARN = 1,
};

/* Sends one item, waiting for room. Returns true once sent, false when the
 * wait was cut short (the consumer is gone, or shutdown is requested and
 * this actor's vote is yes) and the item was not sent. */
STEADY_EXPORT bool steady_send(struct steady_actor *a, unsigned port,
                               const void *item, enum steady_saturation policy);

/* Closes an output early (every channel of a bundle; close one with
 * steady_channel_close(steady_port_at(...))); the runtime closes all
 * outputs on exit anyway. */
STEADY_EXPORT void steady_close(struct steady_actor *a, unsigned port);

/* ---- params, state, context ------------------------------------------
 * Params are typed and checked by the graph loader against the plugin's
 * table before init runs; asking for a name the table lacks, or with the
 * wrong type, is a plugin bug and fails the actor. Strings are owned by the
 * runtime and live as long as the actor. */
STEADY_EXPORT int64_t steady_param_int(struct steady_actor *a,
                                       const char *name);
STEADY_EXPORT double steady_param_double(struct steady_actor *a,
                                         const char *name);
STEADY_EXPORT bool steady_param_bool(struct steady_actor *a, const char *name);
STEADY_EXPORT const char *steady_param_str(struct steady_actor *a,
                                           const char *name);

/* The plugin's state_size bytes: zeroed at first start, kept unchanged
 * across restarts. NULL when state_size is 0. */
STEADY_EXPORT void *steady_state(struct steady_actor *a);
/* Whether the state outlives this process: true when the graph keeps it in
 * a state_dir (saved there, or in its snapshots, and restored by the next
 * start), false when it lives in memory only and a new process starts
 * from zero (in the one-actor harness of <steady/testing.h>: true, the
 * test keeps the state). A plugin that names what it sends outside by a
 * count in its state (message ids) must not reuse those names when this
 * is false. */
STEADY_EXPORT bool steady_state_persists(const struct steady_actor *a);

/* Writes the state to the graph's state_dir now (crash-safe: a reader sees
 * the old or the new state, never a mix). The runtime also saves it when
 * the actor stops or fails. 0, or -1 (logged) on an I/O error; 0 and no-op
 * when the graph keeps no state_dir, and when it takes snapshots
 * (checkpoint_ms): the next snapshot holds the state. */
STEADY_EXPORT int steady_checkpoint(struct steady_actor *a);

/* Snapshots. With a state_dir and `checkpoint_ms:` in the graph, the
 * runtime takes a consistent snapshot of the process every checkpoint_ms:
 * each actor is held at its next wait (a waiting actor is already there),
 * and the states of all actors and the contents of every channel are
 * written together, atomically. After a kill -9 the next run resumes from
 * the last snapshot: nothing a channel held is lost, nothing inside the
 * process is done twice. Snapshots are numbered 1, 2, ...
 * A plugin that tells the outside world it has something (acknowledges a
 * message queue, reports a file length) does so only once a snapshot
 * covers it: what the actor did before a wait belongs to the snapshot that
 * steady_snapshot_next named at that moment, which covers it once
 * steady_snapshot_done reaches that number. Both are 0 when snapshots are
 * off. steady_snapshotted(a, n) is met once snapshot n is done (at once
 * when snapshots are off), settled at shutdown. A clean stop writes a last
 * snapshot before the plugins' destroy, so destroy sees it done. Any
 * thread of the actor's own; they never block. */
STEADY_EXPORT uint64_t steady_snapshot_next(struct steady_actor *a);
STEADY_EXPORT uint64_t steady_snapshot_done(struct steady_actor *a);
STEADY_EXPORT struct steady_cond steady_snapshotted(struct steady_actor *a,
                                                    uint64_t n);

/* ---- figures for telemetry -------------------------------------------
 * An actor's own measures beside the runtime's (a bridge's redeliveries, a
 * parser's rejected lines, a cache's size): shown under the actor's box in
 * the picture and exported on /metrics, a value as
 * actor_figure{actor="A",figure="NAME"} (gauge) and a count as
 * actor_count_total{actor="A",figure="NAME"} (counter). NAME is snake_case
 * ([a-z][a-z0-9_]*, at most STEADY_FIGURE_NAME_MAX characters) and one
 * actor has at most STEADY_MAX_FIGURES of them; the first use of a name
 * declares it (a value or a count, for good). Call from the actor's own
 * code (init or run); a count and a value survive restarts of the run.
 * Costs a few compares and one atomic store. Returns 0, or -1 for a bad
 * name, one more than the limit or a name used as the other kind (logged
 * once per actor). */
#define STEADY_FIGURE_NAME_MAX 31
#define STEADY_MAX_FIGURES     8
STEADY_EXPORT int steady_figure_set(struct steady_actor *a, const char *name,
                                    double value);
STEADY_EXPORT int steady_count_add(struct steady_actor *a, const char *name,
                                   uint64_t n);

/* A per-instance pointer the plugin owns (set in init, freed in destroy). */
STEADY_EXPORT void steady_set_ctx(struct steady_actor *a, void *ctx);
STEADY_EXPORT void *steady_ctx(struct steady_actor *a);

STEADY_EXPORT const char *steady_actor_name(const struct steady_actor *a);

/* ---- failure ----------------------------------------------------------
 * steady_fail records why init or run failed and returns -1, for
 * `return steady_fail(a, "rate_ms must be positive, got %d", r);`.
 * steady_panic ends the current run at once with that reason (no return);
 * the supervisor decides whether to restart. */
STEADY_EXPORT int steady_fail(struct steady_actor *a, const char *fmt, ...)
    STEADY_PRINTF(2, 3);
STEADY_EXPORT STEADY_NORETURN void steady_panic(struct steady_actor *a,
                                                const char *fmt, ...)
    STEADY_PRINTF(2, 3);
#define steady_assert(a, cond)                                         \
    ((cond) ? (void)0                                                  \
            : steady_panic((a), "assertion failed: %s (%s:%d)", #cond, \
                           __FILE__, __LINE__))

#ifdef __cplusplus
}

#include <initializer_list>

/* steady_await_all/any in C++: the list lives until the end of the full
 * expression, which covers the call. */
inline bool steady_await_list_(struct steady_actor *a, bool all,
                               std::initializer_list<struct steady_cond> c)
{
    return steady_await(a, all, c.begin(), c.size());
}
#endif

#endif

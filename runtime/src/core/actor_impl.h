/* actor_impl.h - an actor instance as the runtime sees it, and the set of
 * actors that shut down together. Shared by actor.c (the API plugins call),
 * the schedulers that run actors, the host runner and the test harness.
 */
#ifndef STEADY_ACTOR_IMPL_H
#define STEADY_ACTOR_IMPL_H

#include "param.h"
#include "restart.h"
#include "state_store.h"
#include "wake.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <steady/actor.h>
#include <steady/plugin.h>

struct fd_wait;

/* Where an actor is, for a snapshot (snapshot.c): only while it is not
 * SNAP_RUNNING may the coordinator read its state and its channels. */
enum snap_where {
    SNAP_RUNNING = 0, /* in its own code: not at a safe point */
    SNAP_WAITING,     /* parked in a wait (or a back-off) */
    SNAP_HELD,        /* stopped at a wait until the hold is lifted */
    SNAP_GONE,        /* finished for good: touches nothing any more */
};

/* What actors share with the snapshot coordinator. `hold` sits alone on
 * its line: every await reads it (relaxed) and only the coordinator
 * writes it, once a checkpoint. */
struct snap_ctl {
    _Alignas(128) _Atomic uint32_t hold; /* nonzero: stop at the next wait */
    _Alignas(128) bool on; /* snapshots are taken (set before start) */
    _Atomic uint64_t next; /* release: the snapshot not yet copied */
    _Atomic uint64_t done; /* release: the last snapshot safely written */
    struct waker coord;    /* woken when an actor is held, or gone */
};

/* Actors that shut down together: a running graph, or one actor under test. */
struct actor_set {
    _Atomic bool shutdown;          /* release: shutdown was requested */
    _Atomic bool shutdown_by_actor; /* an actor (not the host) asked */
    struct steady_actor **actors;
    size_t n_actors;
    struct waker host; /* woken on shutdown requests and actor exits */
    struct snap_ctl snap;
};

enum actor_status {
    ACTOR_CREATED = 0,
    ACTOR_RUNNING,
    ACTOR_EXITED, /* run returned 0 */
    ACTOR_FAILED, /* run returned < 0 or panicked */
};

struct actor_port {
    struct steady_channel *ch; /* channel 0; NULL: not connected */
    /* Every channel wired to the port, n_wired of them: one at most for a
     * plain port, any number for a bundle (fan-in, fan-out), in the order
     * the graph lists them. Owned array, borrowed channels. */
    struct steady_channel **chs;
    unsigned n_wired;
    bool bundle; /* declared STEADY_PORT_MANY */
    const struct steady_port_desc *desc;
    /* The element type it carries: the declared one, or for an any-typed
     * port the one the graph resolved (STEADY_TYPE_ANY until then).
     * Borrowed. */
    const char *type_name;
    size_t elem_size;
    /* Showstopper detection on inputs: how often the item at position
     * peek_pos was peeked without being taken. Survives restarts. */
    uint64_t peek_pos;
    uint32_t peeks;
    /* steady_send_msg logged a message too large for this channel */
    bool msg_size_logged;
};

/* One of an actor's own figures (steady_figure_set, steady_count_add). */
struct actor_figure {
    char name[STEADY_FIGURE_NAME_MAX + 1];
    bool count;            /* a count (counter), else a value (gauge) */
    _Atomic uint64_t bits; /* the count, or the value's bits */
};

struct steady_actor {
    char *name;
    const struct steady_plugin *plugin;
    const union param_value *params; /* one per plugin param; borrowed */
    struct actor_port *ports;        /* plugin->n_ports */
    void *state;                     /* plugin->state_size bytes, owned */
    void *ctx;                       /* the plugin's own */
    struct actor_set *set;
    struct waker *waker; /* what wakes this actor: its own or its troupe's */
    struct waker own_waker;
    /* Sleeps until the waker moves past `seen` or the deadline. Solo: a
     * futex wait; in a troupe: a switch to the next runnable member. */
    void (*park)(struct steady_actor *a, uint32_t seen, uint64_t deadline_ns);
    void *park_ctx; /* the scheduler's own, for park */
    /* Set by the await only while it calls park: the fds park also wakes
     * on (fd_wait.h). NULL: the waker alone. */
    struct fd_wait *park_fds;
    struct fd_wait *fdw; /* owned; the fd conditions of the latest await
                            that had any; NULL before */

    /* Only the actor's own thread touches these. */
    steady_vote_fn vote;
    bool initialised;
    bool done; /* voted yes, or its inputs ended; outputs closed */
    /* An input was seen closed (a wait on it settled): steady_running then
     * checks for end of stream, which costs nothing before. */
    bool input_closed_seen;
    /* The latest wait was cut short (during shutdown too), one of its
     * conditions (`dead_cond`) can never be met again: an input ended with
     * fewer items than it waits for, an output lost its consumer, a port
     * has no channel. The same wait would return at once for ever, so
     * steady_running ends the actor (unless its own vote says no). */
    bool wait_dead;
    struct steady_cond dead_cond;
    /* Dead letters set aside so far: the first few are logged whole, then
     * only a count now and then, so a stream of bad items cannot flood the
     * log. */
    uint64_t dead_letters;
    /* Spin detector: waits cut short in a row outside shutdown, the
     * channel positions when the streak began, and whether it warned. */
    uint32_t cut_short_streak;
    uint64_t streak_positions;
    bool spin_warned;
    uint64_t period_ns;
    uint64_t next_tick_ns;
    jmp_buf *panic_jump; /* set while init or run executes */

    /* Written by the actor, read by the host after it exited or under
     * diag_lock. */
    _Atomic int status; /* enum actor_status; release: error is written */
    char error[512];    /* why init or run failed */
    pthread_mutex_t diag_lock;
    char vote_why[256];    /* under diag_lock: its last "no" vote's reason */
    char wait_why[256];    /* under diag_lock: what it sleeps on in shutdown */
    uint64_t last_warn_ns; /* saturation warnings, at most one a second */

    /* CPU accounting, read by telemetry from another thread. The actor runs
     * in slices (one per solo run, one per switch-in inside a troupe). */
    _Atomic int cpu_clock;        /* CPU clock of the hosting thread */
    _Atomic uint64_t cpu_ns_done; /* CPU used in finished slices */
    _Atomic uint64_t slice_start; /* cpu_clock reading at slice start */
    _Atomic bool in_slice;        /* release: cpu_clock, slice_start set */
    _Atomic uint32_t restarts;    /* runs restarted by the supervisor */

    /* Its own figures: written by the actor (one store each), read by
     * telemetry. n_figures is released after a new figure's name is set. */
    struct actor_figure figures[STEADY_MAX_FIGURES];
    _Atomic unsigned n_figures;
    bool figure_warned;

    /* Snapshots (snapshot.c). where: enum snap_where, written by the
     * actor, read by the coordinator (release/acquire: what the actor did
     * before is visible); snap_armed: it waits in steady_snapshotted. */
    _Atomic int snap_where;
    _Atomic bool snap_armed;
    bool snap_finished; /* restored as finished: it does not run again */

    /* Supervision, on the actor's own thread. */
    struct restart_policy policy;
    uint64_t *restart_times; /* ring of the last policy.max restart times */
    size_t n_restart_times;
    char *state_path; /* owned; where state persists; NULL: memory only */
    /* The one-actor test harness keeps the state (the test reads and sets
     * it as a state_dir would): steady_state_persists says true. */
    bool state_kept_by_test;
    struct state_dir *state_dir; /* borrowed; NULL: state in memory only */
    struct state_id state_id;    /* whose state the saved file is */
    /* Written by the actor's thread, read by the host after it exited:
     * why the last save failed, "" after a save that succeeded. */
    char state_error[512];
};

/* ---- actor_figures.c ---- */
/* The actor's figures declared so far (acquire: their names are set);
 * figures[0..n) may be read from any thread, their value with
 * actor_figure_value. */
unsigned actor_figure_count(const struct steady_actor *a);
double actor_figure_value(const struct actor_figure *f);

/* ---- actor.c ---- */
struct steady_actor *actor_create(const char *name,
                                  const struct steady_plugin *plugin,
                                  const union param_value *params,
                                  struct actor_set *set);
/* Wires a port to one more channel (a bundle's next index; a plain port
 * takes one) and sets the channel's waker for this side. Before start. 0,
 * or -1 when out of memory. */
int actor_bind_port(struct steady_actor *a, unsigned port,
                    struct steady_channel *ch);
/* The type every any-typed port of the actor carries, as the graph (or the
 * test harness) resolved it; type_name is borrowed and must outlive the
 * actor. Before start. */
void actor_set_any_type(struct steady_actor *a, const char *type_name,
                        size_t elem_size);
/* Runs the plugin's init. 0, or -1 with a->error set. */
int actor_init(struct steady_actor *a);
/* Runs the plugin's run once on the calling thread (or coroutine),
 * catching a panic. Returns run's result, -1 after a panic (a->error says
 * why). Channels are left as they are, so a supervisor may run it again. */
int actor_run_once(struct steady_actor *a);
/* The actor is finished for good: closes its outputs, tells its producers
 * the inputs are gone, records the status and wakes the host. */
void actor_finish(struct steady_actor *a, int rc);
/* Runs the plugin's destroy when init succeeded (once), catching a panic.
 * 0, or -1 with a->error set. */
int actor_fini(struct steady_actor *a);
/* actor_fini (a failure is logged) and free. NULL is fine. */
void actor_destroy(struct steady_actor *a);
/* The actor whose code the calling thread runs now (init, run or destroy),
 * or NULL; *phase (may be NULL) gets "init", "run" or "destroy". */
struct steady_actor *actor_current(const char **phase);
/* Copies what keeps the actor from exiting into buf, for shutdown reports. */
void actor_describe_wait(struct steady_actor *a, char *buf, size_t len);

/* Which actor's code this thread runs now and in which phase ("init",
 * "run", "destroy"); NULL: none. */
void actor_set_current(struct steady_actor *a, const char *phase);

/* For the parts of the actor API in other files (await.c, actor_ports.c):
 * shutdown was requested; the actor's vote (recording a "no" reason when
 * record); a diagnostic field written under diag_lock. */
bool actor_shutting_down(const struct steady_actor *a);
bool actor_vote(struct steady_actor *a, bool record);
/* Every connected input is closed and drained (false with none). */
bool actor_inputs_ended(struct steady_actor *a);
void actor_set_diag(struct steady_actor *a, char *field, const char *text);

/* ---- await.c ---- */
/* Why channel condition `c` is settled, as a phrase ("input 'in' has
 * ended"), for the log. */
void await_why_settled(struct steady_actor *a, const struct steady_cond *c,
                       char *buf, size_t len);

/* ---- actor_ports.c ---- */
/* The port, checked to exist and to have that direction (a panic
 * otherwise); its channel, NULL when not connected. */
struct actor_port *actor_port_of(struct steady_actor *a, unsigned port,
                                 enum steady_port_dir dir);
struct steady_channel *actor_in(struct steady_actor *a, unsigned port);
struct steady_channel *actor_out(struct steady_actor *a, unsigned port);
/* Channel i of a port, NULL past the last one. */
static inline struct steady_channel *actor_port_at(const struct actor_port *p,
                                                   size_t i)
{
    return i < p->n_wired ? p->chs[i] : NULL;
}
/* "in" for a plain port, "in[2]" for channel 2 of a bundle: for messages. */
const char *actor_port_label(const struct actor_port *p, size_t i, char *buf,
                             size_t len);

/* ---- actor_cpu.c ----
 * CPU accounting: the hosting thread calls begin when the actor starts
 * running on it and end when it stops (or is switched out). */
void actor_slice_begin(struct steady_actor *a);
void actor_slice_end(struct steady_actor *a);
/* CPU time the actor has used so far, in ns. Any thread. */
uint64_t actor_cpu_ns(struct steady_actor *a);

void actor_set_init(struct actor_set *set);

/* ---- snapshot.c, the actor's side ----
 * Called where the actor may be held: at the start of every await (the
 * fast path is one relaxed load), around every park, and before it
 * finishes. Only on the actor's own thread. */
void snap_hold_self(struct steady_actor *a);
static inline void snap_point(struct steady_actor *a)
{
    if (atomic_load_explicit(&a->set->snap.hold, memory_order_relaxed))
        snap_hold_self(a);
}
/* a->park, with the actor marked as waiting meanwhile (a safe point). */
void snap_park(struct steady_actor *a, uint32_t seen, uint64_t deadline_ns);
/* The actor touches nothing any more (after actor_finish's closes). */
void snap_gone(struct steady_actor *a);
/* Requests shutdown of every actor in the set. Async-signal-safe. */
void actor_set_request_shutdown(struct actor_set *set, bool by_actor);

#endif

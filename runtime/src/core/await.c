/* await.c - the wait engine of <steady/actor.h>: conditions (items
 * available, room vacant, on a port, on every channel of a bundle or on one
 * of them; a periodic tick, a timeout, a file descriptor) combined as all-of
 * or any-of, and steady_send, which waits for room. The engine asks each
 * channel once per condition (channel_poll_*), announces what it sleeps on
 * through the channel (channel_arm_*), fences only when a peer on another
 * thread may publish concurrently, and parks the actor on its waker: a
 * futex for a solo actor (poll when it also waits on fds, see fd_wait.c),
 * a switch to the next member inside a troupe.
 * Everything here runs on the actor's own thread.
 */
#include "actor_impl.h"
#include "channel_impl.h"
#include "fd_wait.h"

#include <stdio.h>
#include <string.h>

struct steady_cond steady_avail(struct steady_actor *a, unsigned port, size_t n)
{
    (void)a;
    return (struct steady_cond){ .kind = STEADY_COND_AVAIL,
                                 .port = port,
                                 .n = n ? n : 1 };
}

struct steady_cond steady_vacant(struct steady_actor *a, unsigned port,
                                 size_t n)
{
    (void)a;
    return (struct steady_cond){ .kind = STEADY_COND_VACANT,
                                 .port = port,
                                 .n = n ? n : 1 };
}

/* The _at forms carry the channel's index in `ns`, which only timers use:
 * struct steady_cond is ABI and has no field to spare. */
struct steady_cond steady_avail_at(struct steady_actor *a, unsigned port,
                                   unsigned i, size_t n)
{
    (void)a;
    return (struct steady_cond){
        .kind = STEADY_COND_AVAIL_AT, .port = port, .n = n ? n : 1, .ns = i
    };
}

struct steady_cond steady_vacant_at(struct steady_actor *a, unsigned port,
                                    unsigned i, size_t n)
{
    (void)a;
    return (struct steady_cond){
        .kind = STEADY_COND_VACANT_AT, .port = port, .n = n ? n : 1, .ns = i
    };
}

/* ms to ns without overflow: longer waits are clamped to the longest. */
static uint64_t wait_ns(uint64_t ms)
{
    return (ms < STEADY_WAIT_MAX_MS ? ms : STEADY_WAIT_MAX_MS) * 1000000u;
}

struct steady_cond steady_periodic(struct steady_actor *a, uint64_t ms)
{
    (void)a;
    return (struct steady_cond){ .kind = STEADY_COND_PERIODIC,
                                 .ns = wait_ns(ms ? ms : 1) };
}

struct steady_cond steady_timeout(struct steady_actor *a, uint64_t ms)
{
    (void)a;
    return (struct steady_cond){ .kind = STEADY_COND_TIMEOUT,
                                 .ns = wait_ns(ms) };
}

struct wait_state {
    uint64_t start_ns;      /* when the await began, for timeouts */
    uint64_t now_ns;        /* 0 until first needed in a pass */
    bool done;              /* the await may return */
    bool result;            /* what it returns */
    bool tick_met;          /* a periodic condition was met */
    uint64_t deadline_ns;   /* earliest timer still pending; 0 none */
    enum channel_arm fence; /* the strongest fence the announcements ask
                               for before the re-check (channel_impl.h) */
    size_t n_fds;           /* fd conditions (prepared in a->fdw) */
    size_t met;             /* conditions met in the last pass */
    size_t dead;            /* 1 + the index of the first channel condition
                               settled outside shutdown (it can never be met
                               again); 0 none */
};

static uint64_t pass_now(struct wait_state *w)
{
    if (!w->now_ns)
        w->now_ns = now_ns();
    return w->now_ns;
}

static void note_deadline(struct wait_state *w, uint64_t at)
{
    if (!w->deadline_ns || at < w->deadline_ns)
        w->deadline_ns = at;
}

static void note_arm(struct wait_state *w, enum channel_arm k)
{
    if (k > w->fence)
        w->fence = k;
}

/* The channels a channel condition looks at: every channel of the port
 * (one for a plain port, none when unconnected), or channel `ns` alone for
 * the _at forms (none past the last). */
static const struct actor_port *cond_channels(struct steady_actor *a,
                                              const struct steady_cond *c,
                                              size_t *first, size_t *count)
{
    bool input =
        c->kind == STEADY_COND_AVAIL || c->kind == STEADY_COND_AVAIL_AT;
    const struct actor_port *p =
        actor_port_of(a, c->port, input ? STEADY_IN : STEADY_OUT);

    if (c->kind == STEADY_COND_AVAIL || c->kind == STEADY_COND_VACANT) {
        *first = 0;
        *count = p->n_wired;
    } else {
        *first = (size_t)c->ns;
        *count = c->ns < p->n_wired ? 1 : 0;
    }
    return p;
}

/* Items available on the condition's channels: met when any one has n,
 * settled when every one is closed with fewer (or there is none). `arm`
 * announces the wait on each one still open, so that whichever producer
 * publishes first wakes us. */
static enum channel_poll poll_avail(struct steady_actor *a,
                                    const struct steady_cond *c,
                                    struct wait_state *w, bool arm)
{
    size_t first, count, settled = 0;
    const struct actor_port *p = cond_channels(a, c, &first, &count);

    for (size_t k = first; k < first + count; k++) {
        switch (channel_poll_avail(p->chs[k], c->n)) {
        case CHANNEL_MET:
            return CHANNEL_MET;
        case CHANNEL_SETTLED:
            a->input_closed_seen = true; /* steady_running checks */
            settled++;
            break;
        case CHANNEL_UNMET:
            if (arm)
                note_arm(w, channel_arm_avail(p->chs[k], c->n, a->waker));
            break;
        }
    }
    return settled == count ? CHANNEL_SETTLED : CHANNEL_UNMET;
}

/* Room on the condition's channels: met when every one whose consumer is
 * still there has room for n, settled when none has a consumer (or there
 * is none). `arm` announces the wait on each one short of room. */
static enum channel_poll poll_vacant(struct steady_actor *a,
                                     const struct steady_cond *c,
                                     struct wait_state *w, bool arm)
{
    size_t first, count, gone = 0, short_of_room = 0;
    const struct actor_port *p = cond_channels(a, c, &first, &count);

    for (size_t k = first; k < first + count; k++) {
        switch (channel_poll_vacant(p->chs[k], c->n)) {
        case CHANNEL_MET:
            break;
        case CHANNEL_SETTLED:
            gone++;
            break;
        case CHANNEL_UNMET:
            short_of_room++;
            if (arm)
                note_arm(w, channel_arm_vacant(p->chs[k], c->n, a->waker));
            break;
        }
    }
    if (gone == count)
        return CHANNEL_SETTLED;
    return short_of_room ? CHANNEL_UNMET : CHANNEL_MET;
}

/* Snapshot n is safely written (or snapshots are off, or n is 0). */
static bool snap_covered(struct steady_actor *a, uint64_t n)
{
    const struct snap_ctl *s = &a->set->snap;

    /* acquire: pairs with the coordinator's store of done */
    return !s->on || n == 0 ||
           atomic_load_explicit(&s->done, memory_order_acquire) >= n;
}

/* One look at every condition. `arm` announces the unmet channel
 * conditions to the other side so that it wakes us. */
static void evaluate(struct steady_actor *a, bool all,
                     const struct steady_cond *conds, size_t n,
                     struct wait_state *w, bool arm)
{
    bool stopping = actor_shutting_down(a);
    size_t met = 0, settled = 0;

    w->now_ns = 0;
    w->deadline_ns = 0;
    w->tick_met = false;
    w->fence = CHANNEL_ARM_LOCAL;
    w->dead = 0;
    if (w->n_fds)
        fd_wait_poll(a); /* one system call for all of them */
    for (size_t i = 0, fd_k = 0; i < n; i++) {
        const struct steady_cond *c = &conds[i];
        enum channel_poll p;

        switch (c->kind) {
        case STEADY_COND_AVAIL:
        case STEADY_COND_AVAIL_AT:
            p = poll_avail(a, c, w, arm);
            if (p == CHANNEL_MET)
                met++;
            else if (p == CHANNEL_SETTLED)
                settled++;
            if (p == CHANNEL_SETTLED && !w->dead)
                w->dead = i + 1;
            break;
        case STEADY_COND_VACANT:
        case STEADY_COND_VACANT_AT:
            p = poll_vacant(a, c, w, arm);
            if (p == CHANNEL_MET)
                met++;
            else if (p == CHANNEL_SETTLED || (stopping && actor_vote(a, false)))
                settled++;
            if (p == CHANNEL_SETTLED && !w->dead)
                w->dead = i + 1;
            break;
        case STEADY_COND_PERIODIC:
            if (stopping) {
                settled++;
                break;
            }
            if (a->period_ns != c->ns || !a->next_tick_ns) {
                a->period_ns = c->ns;
                a->next_tick_ns = pass_now(w) + c->ns;
            }
            if (pass_now(w) >= a->next_tick_ns) {
                met++;
                w->tick_met = true;
            } else {
                note_deadline(w, a->next_tick_ns);
            }
            break;
        case STEADY_COND_TIMEOUT:
            if (stopping)
                settled++;
            else if (pass_now(w) >= w->start_ns + c->ns)
                met++;
            else
                note_deadline(w, w->start_ns + c->ns);
            break;
        case STEADY_COND_SNAPSHOT:
            if (snap_covered(a, c->ns)) {
                met++;
            } else if (stopping) {
                settled++;
            } else if (arm) {
                /* the coordinator runs on another thread: fence, re-check */
                atomic_store_explicit(&a->snap_armed, true,
                                      memory_order_relaxed);
                /* its side fences with wake_fence_light */
                note_arm(w, CHANNEL_ARM_MEMBARRIER);
            }
            break;
        case STEADY_COND_READABLE:
        case STEADY_COND_WRITABLE:
            /* met wins over shutdown, so an actor may still read what is
             * there; parked, the fd wakes it through park_fds */
            if (fd_wait_ready(a, fd_k++))
                met++;
            else if (stopping)
                settled++;
            break;
        default:
            steady_panic(a, "unknown wait condition kind %d", (int)c->kind);
        }
    }
    w->met = met;
    if (all) {
        w->done = met + settled == n;
        w->result = met == n;
    } else {
        w->done = met > 0 || settled == n;
        w->result = met > 0;
    }
}

static void disarm(struct steady_actor *a, const struct steady_cond *conds,
                   size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct steady_cond *c = &conds[i];
        const struct actor_port *p;
        size_t first, count;

        switch (c->kind) {
        case STEADY_COND_SNAPSHOT:
            atomic_store_explicit(&a->snap_armed, false, memory_order_relaxed);
            break;
        case STEADY_COND_AVAIL:
        case STEADY_COND_AVAIL_AT:
            p = cond_channels(a, c, &first, &count);
            for (size_t k = first; k < first + count; k++)
                channel_disarm_avail(p->chs[k]);
            break;
        case STEADY_COND_VACANT:
        case STEADY_COND_VACANT_AT:
            p = cond_channels(a, c, &first, &count);
            for (size_t k = first; k < first + count; k++)
                channel_disarm_vacant(p->chs[k]);
            break;
        default:
            break;
        }
    }
}

/* How messages name a channel condition's channels: "'in'" for a plain
 * port, "'in[2]'" for one channel of a bundle, "every channel of 'in'"
 * (avail: "any channel of 'in'") for a whole bundle. */
static const char *cond_label(struct steady_actor *a,
                              const struct steady_cond *c, char *buf,
                              size_t len)
{
    const struct actor_port *p = &a->ports[c->port];
    char name[96];

    if (c->kind == STEADY_COND_AVAIL_AT || c->kind == STEADY_COND_VACANT_AT)
        snprintf(buf, len, "'%s'",
                 actor_port_label(p, (size_t)c->ns, name, sizeof(name)));
    else if (p->bundle)
        snprintf(buf, len, "%s channel of '%s'",
                 c->kind == STEADY_COND_AVAIL ? "any" : "every", p->desc->name);
    else
        snprintf(buf, len, "'%s'", p->desc->name);
    return buf;
}

/* In shutdown, say what this actor sleeps on, for the timeout report. */
static void note_wait(struct steady_actor *a, bool all,
                      const struct steady_cond *conds, size_t n)
{
    char buf[256];
    size_t used = 0;
    bool changed;

    used += (size_t)snprintf(buf, sizeof(buf),
                             "it waits for %s of:", all ? "all" : "any");
    for (size_t i = 0; i < n && used < sizeof(buf); i++) {
        const struct steady_cond *c = &conds[i];
        char port[128];

        switch (c->kind) {
        case STEADY_COND_AVAIL:
        case STEADY_COND_AVAIL_AT:
            cond_label(a, c, port, sizeof(port));
            used += (size_t)snprintf(buf + used, sizeof(buf) - used,
                                     "%s %zu item(s) on %s", i ? "," : "", c->n,
                                     port);
            break;
        case STEADY_COND_VACANT:
        case STEADY_COND_VACANT_AT:
            cond_label(a, c, port, sizeof(port));
            used += (size_t)snprintf(buf + used, sizeof(buf) - used,
                                     "%s room for %zu on %s", i ? "," : "",
                                     c->n, port);
            break;
        case STEADY_COND_SNAPSHOT:
            used += (size_t)snprintf(buf + used, sizeof(buf) - used,
                                     "%s snapshot %llu", i ? "," : "",
                                     (unsigned long long)c->ns);
            break;
        case STEADY_COND_READABLE:
        case STEADY_COND_WRITABLE:
            used += (size_t)snprintf(
                buf + used, sizeof(buf) - used, "%s fd %d to be %s",
                i ? "," : "", (int)(unsigned)c->n,
                c->kind == STEADY_COND_READABLE ? "readable" : "writable");
            break;
        default:
            used += (size_t)snprintf(buf + used, sizeof(buf) - used,
                                     "%s a timer", i ? "," : "");
            break;
        }
    }
    pthread_mutex_lock(&a->diag_lock);
    changed = strcmp(a->wait_why, buf) != 0;
    pthread_mutex_unlock(&a->diag_lock);
    if (!changed)
        return;
    actor_set_diag(a, a->wait_why, buf);
    /* after set_diag: a report made once this line is out names the wait */
    steady_debug(a, "in shutdown, %s", buf);
}

/* ---- the spin detector ----------------------------------------------
 * A loop that keeps waiting after its waits stopped waiting burns a core.
 * The documented loop cannot (steady_running ends the actor once its
 * inputs end), but a loop written otherwise can: after SPIN_STREAK waits
 * in a row cut short outside shutdown with no item moved on any port, the
 * actor gets one warning naming it and saying what to change.
 * A wait met by a file descriptor counts as progress (the actor reads or
 * writes it, which the runtime cannot see), like an avail met: an fd that
 * is readable but never read loops the actor's own way. One case is
 * unmistakable and counts like a wait cut short: a wait met only by fds
 * that have reached their end (hung up with nothing left to read, or in
 * error), which a loop that missed read() returning 0 waits on forever. */
#define SPIN_STREAK 100000u

static uint64_t positions(struct steady_actor *a)
{
    uint64_t sum = 0;

    for (size_t i = 0; i < a->plugin->n_ports; i++) {
        const struct actor_port *p = &a->ports[i];

        for (unsigned k = 0; k < p->n_wired; k++)
            sum += steady_channel_sent_total(p->chs[k]) +
                   steady_channel_taken_total(p->chs[k]);
    }
    return sum;
}

static void why_cut_short(struct steady_actor *a,
                          const struct steady_cond *conds, size_t n, char *buf,
                          size_t len)
{
    struct wait_state w = { 0 };

    snprintf(buf, len, "a condition can never be met");
    for (size_t i = 0; i < n; i++) {
        const struct steady_cond *c = &conds[i];
        char port[128];
        size_t first, count;
        bool input =
            c->kind == STEADY_COND_AVAIL || c->kind == STEADY_COND_AVAIL_AT;

        if (!input && c->kind != STEADY_COND_VACANT &&
            c->kind != STEADY_COND_VACANT_AT)
            continue;
        if ((input ? poll_avail(a, c, &w, false)
                   : poll_vacant(a, c, &w, false)) != CHANNEL_SETTLED)
            continue;
        cond_channels(a, c, &first, &count);
        if (a->ports[c->port].bundle &&
            (c->kind == STEADY_COND_AVAIL || c->kind == STEADY_COND_VACANT)) {
            const char *name = a->ports[c->port].desc->name;

            if (!count)
                snprintf(buf, len, "%s '%s' has no channel",
                         input ? "input" : "output", name);
            else if (input)
                snprintf(buf, len, "every channel of input '%s' has ended",
                         name);
            else
                snprintf(buf, len,
                         "no channel of output '%s' has a consumer any more",
                         name);
            return;
        }
        cond_label(a, c, port, sizeof(port));
        if (input && count && c->n > 1 &&
            channel_avail(a->ports[c->port].chs[first]))
            snprintf(buf, len,
                     "input %s has ended with %zu item(s), fewer than the %zu "
                     "it waits for",
                     port, channel_avail(a->ports[c->port].chs[first]), c->n);
        else if (input)
            snprintf(buf, len, "input %s has %s", port,
                     count ? "ended" : "no channel");
        else
            snprintf(buf, len, "output %s has %s", port,
                     count ? "no consumer any more" : "no channel");
        return;
    }
}

void await_why_settled(struct steady_actor *a, const struct steady_cond *c,
                       char *buf, size_t len)
{
    why_cut_short(a, c, 1, buf, len);
}

/* The warning for a streak of waits met only by fd `fd` at its end. */
static void warn_fd_spin(struct steady_actor *a, int fd, bool readable)
{
    steady_warn(a,
                "spinning: %u waits in a row returned at once with no item "
                "moved, met only by fd %d, which %s. Stop waiting on an fd "
                "once %s (close it, or return from run)",
                a->cut_short_streak, fd,
                readable ? "has hung up with nothing left to read"
                         : "is in error (its reader is gone?)",
                readable ? "read() returns 0" : "write() fails");
}

/* `ended_fd` >= 0: the wait was met only by that fd at its end (see
 * above), `ended_readable` says how it was waited on. */
static void watch_for_spin(struct steady_actor *a, bool result, int ended_fd,
                           bool ended_readable, const struct steady_cond *conds,
                           size_t n)
{
    char why[256];

    if (ended_fd >= 0)
        result = false; /* a wait that returned at once to no avail */
    if (result || a->spin_warned || actor_shutting_down(a)) {
        a->cut_short_streak = 0;
        return;
    }
    if (a->cut_short_streak++ == 0) {
        a->streak_positions = positions(a);
        return;
    }
    if (a->cut_short_streak < SPIN_STREAK)
        return;
    if (positions(a) != a->streak_positions) {
        a->cut_short_streak = 0; /* it moves items: busy, not spinning */
        return;
    }
    a->spin_warned = true;
    if (ended_fd >= 0) {
        warn_fd_spin(a, ended_fd, ended_readable);
        return;
    }
    why_cut_short(a, conds, n, why, sizeof(why));
    steady_warn(a,
                "spinning: %u waits in a row returned at once (cut short) "
                "with no item moved, because %s. Loop on steady_running(a) "
                "and go back to it when a wait returns false (the actor then "
                "ends, as its wait can never be met again), or return from "
                "run",
                a->cut_short_streak, why);
}

bool steady_await(struct steady_actor *a, bool all,
                  const struct steady_cond *conds, size_t n)
{
    struct wait_state w = { 0 };
    bool fds = false, ended_readable = false;
    int ended_fd = -1;

    /* a snapshot may be copying: stop here until it is done */
    snap_point(a);
    for (size_t i = 0; i < n; i++) {
        if (conds[i].kind == STEADY_COND_TIMEOUT && !w.start_ns)
            w.start_ns = now_ns();
        fds |= fd_cond(&conds[i]);
    }
    if (fds)
        w.n_fds = fd_wait_prepare(a, conds, n);
    evaluate(a, all, conds, n, &w, false);
    if (w.n_fds)
        fd_wait_after(a, !w.done);
    if (!w.done) {
        for (;;) {
            uint32_t seen = waker_seq(a->waker);

            evaluate(a, all, conds, n, &w, true);
            if (w.done)
                break;
            if (w.fence != CHANNEL_ARM_LOCAL) {
                /* announcements before the re-check */
                channel_fence_for(w.fence);
                evaluate(a, all, conds, n, &w, false);
                if (w.done)
                    break;
            }
            if (actor_shutting_down(a))
                note_wait(a, all, conds, n);
            a->park_fds = w.n_fds ? fd_wait_park(a) : NULL;
            snap_park(a, seen, w.deadline_ns);
            a->park_fds = NULL;
            if (w.n_fds)
                fd_wait_unpark(a);
        }
        disarm(a, conds, n);
    }
    if (w.tick_met && w.result) {
        /* drift-free: the next tick is a period after the last one, unless
         * we fell a whole period behind */
        a->next_tick_ns += a->period_ns;
        if (a->next_tick_ns <= pass_now(&w))
            a->next_tick_ns = pass_now(&w) + a->period_ns;
    }
    if (w.n_fds && w.result)
        ended_fd = fd_wait_ended(a, w.met, &ended_readable);
    watch_for_spin(a, w.result, ended_fd, ended_readable, conds, n);
    /* a false return with a channel condition settled for good (an input
     * ended short, an output's consumer gone): the documented loop goes
     * back to steady_running, which ends the actor instead of letting the
     * same wait return at once for ever, during shutdown too */
    a->wait_dead = !w.result && w.dead;
    if (a->wait_dead)
        a->dead_cond = conds[w.dead - 1];
    return w.result;
}

bool steady_send(struct steady_actor *a, unsigned port, const void *item,
                 enum steady_saturation policy)
{
    struct steady_channel *ch = actor_out(a, port);

    /* a varsize channel takes messages (steady_send_msg): waiting for room
     * would never end */
    if (!ch || steady_channel_is_varsize(ch))
        return false;
    if (steady_channel_try_send(ch, item))
        return true;
    if (policy == STEADY_SATURATION_WARN) {
        uint64_t now = now_ns();

        if (now - a->last_warn_ns >= 1000000000u) {
            a->last_warn_ns = now;
            steady_warn(a,
                        "output '%s' is full (capacity %zu); waiting "
                        "for room",
                        a->ports[port].desc->name, steady_channel_capacity(ch));
        }
    }
    for (;;) {
        /* channel 0 alone: on a bundle, steady_vacant waits for them all */
        bool room = steady_await_all(a, steady_vacant_at(a, port, 0, 1));

        if (steady_channel_try_send(ch, item))
            return true;
        if (!room)
            return false;
    }
}

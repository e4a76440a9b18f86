/* await.c - the wait engine of <steady/actor.h>: conditions (items
 * available, room vacant, a periodic tick, a timeout) combined as all-of or
 * any-of, and steady_send, which waits for room. The engine asks each
 * channel once per condition (channel_poll_*), announces what it sleeps on
 * through the channel (channel_arm_*), fences only when a peer on another
 * thread may publish concurrently, and parks the actor on its waker: a
 * futex for a solo actor, a switch to the next member inside a troupe.
 * Everything here runs on the actor's own thread.
 */
#include "actor_impl.h"
#include "channel_impl.h"

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
    uint64_t start_ns;    /* when the await began, for timeouts */
    uint64_t now_ns;      /* 0 until first needed in a pass */
    bool done;            /* the await may return */
    bool result;          /* what it returns */
    bool tick_met;        /* a periodic condition was met */
    uint64_t deadline_ns; /* earliest timer still pending; 0 none */
    bool armed_remote;    /* announced to a channel whose other side is on
                             another thread */
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
    w->armed_remote = false;
    for (size_t i = 0; i < n; i++) {
        const struct steady_cond *c = &conds[i];
        struct steady_channel *ch;
        enum channel_poll p;

        switch (c->kind) {
        case STEADY_COND_AVAIL:
            ch = actor_in(a, c->port);
            p = ch ? channel_poll_avail(ch, c->n) : CHANNEL_SETTLED;
            if (p == CHANNEL_SETTLED && ch)
                a->input_closed_seen = true; /* steady_running checks */
            if (p == CHANNEL_MET)
                met++;
            else if (p == CHANNEL_SETTLED)
                settled++;
            else if (arm && channel_arm_avail(ch, c->n, a->waker))
                w->armed_remote = true;
            break;
        case STEADY_COND_VACANT:
            ch = actor_out(a, c->port);
            p = ch ? channel_poll_vacant(ch, c->n) : CHANNEL_SETTLED;
            if (p == CHANNEL_MET)
                met++;
            else if (p == CHANNEL_SETTLED || (stopping && actor_vote(a, false)))
                settled++;
            else if (arm && channel_arm_vacant(ch, c->n, a->waker))
                w->armed_remote = true;
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
        default:
            steady_panic(a, "unknown wait condition kind %d", (int)c->kind);
        }
    }
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
        struct steady_channel *ch = a->ports[conds[i].port].ch;

        if (!ch)
            continue;
        if (conds[i].kind == STEADY_COND_AVAIL)
            channel_disarm_avail(ch);
        else if (conds[i].kind == STEADY_COND_VACANT)
            channel_disarm_vacant(ch);
    }
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
        const char *port =
            c->kind == STEADY_COND_AVAIL || c->kind == STEADY_COND_VACANT
                ? a->ports[c->port].desc->name
                : "";

        switch (c->kind) {
        case STEADY_COND_AVAIL:
            used += (size_t)snprintf(buf + used, sizeof(buf) - used,
                                     "%s %zu item(s) on '%s'", i ? "," : "",
                                     c->n, port);
            break;
        case STEADY_COND_VACANT:
            used += (size_t)snprintf(buf + used, sizeof(buf) - used,
                                     "%s room for %zu on '%s'", i ? "," : "",
                                     c->n, port);
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
 * actor gets one warning naming it and saying what to change. */
#define SPIN_STREAK 100000u

static uint64_t positions(struct steady_actor *a)
{
    uint64_t sum = 0;

    for (size_t i = 0; i < a->plugin->n_ports; i++) {
        struct steady_channel *ch = a->ports[i].ch;

        if (ch)
            sum +=
                steady_channel_sent_total(ch) + steady_channel_taken_total(ch);
    }
    return sum;
}

static void why_cut_short(struct steady_actor *a,
                          const struct steady_cond *conds, size_t n, char *buf,
                          size_t len)
{
    snprintf(buf, len, "a condition can never be met");
    for (size_t i = 0; i < n; i++) {
        struct steady_channel *ch = a->ports[conds[i].port].ch;

        if (conds[i].kind == STEADY_COND_AVAIL &&
            (!ch || channel_poll_avail(ch, conds[i].n) == CHANNEL_SETTLED)) {
            snprintf(buf, len, "input '%s' has %s",
                     a->ports[conds[i].port].desc->name,
                     ch ? "ended" : "no channel");
            return;
        }
        if (conds[i].kind == STEADY_COND_VACANT &&
            (!ch || channel_poll_vacant(ch, conds[i].n) == CHANNEL_SETTLED)) {
            snprintf(buf, len, "output '%s' has %s",
                     a->ports[conds[i].port].desc->name,
                     ch ? "no consumer any more" : "no channel");
            return;
        }
    }
}

static void watch_for_spin(struct steady_actor *a, bool result,
                           const struct steady_cond *conds, size_t n)
{
    char why[160];

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
    why_cut_short(a, conds, n, why, sizeof(why));
    steady_warn(a,
                "spinning: %u waits in a row returned at once (cut short) "
                "with no item moved, because %s. Loop on steady_running(a) "
                "and go back to it when a wait returns false (the actor then "
                "ends once its inputs have ended), or return from run",
                a->cut_short_streak, why);
}

bool steady_await(struct steady_actor *a, bool all,
                  const struct steady_cond *conds, size_t n)
{
    struct wait_state w = { 0 };

    for (size_t i = 0; i < n; i++)
        if (conds[i].kind == STEADY_COND_TIMEOUT) {
            w.start_ns = now_ns();
            break;
        }
    evaluate(a, all, conds, n, &w, false);
    if (!w.done) {
        for (;;) {
            uint32_t seen = waker_seq(a->waker);

            evaluate(a, all, conds, n, &w, true);
            if (w.done)
                break;
            if (w.armed_remote) {
                wake_fence_heavy(); /* announcements before the re-check */
                evaluate(a, all, conds, n, &w, false);
                if (w.done)
                    break;
            }
            if (actor_shutting_down(a))
                note_wait(a, all, conds, n);
            a->park(a, seen, w.deadline_ns);
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
    watch_for_spin(a, w.result, conds, n);
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
        bool room = steady_await_all(a, steady_vacant(a, port, 1));

        if (steady_channel_try_send(ch, item))
            return true;
        if (!room)
            return false;
    }
}

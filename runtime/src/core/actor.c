/* actor.c - the API an actor's code calls (<steady/actor.h>): the running
 * loop and shutdown vote, waits on channels and timers, channel operations by
 * port, params, state and failure. Everything here runs on the actor's own
 * thread, except actor_set_request_shutdown and actor_describe_wait.
 */
#include "actor_impl.h"
#include "channel_impl.h"
#include "state_store.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- the set of actors that shut down together ---- */

void actor_set_init(struct actor_set *set)
{
    memset(set, 0, sizeof(*set));
    atomic_init(&set->shutdown, false);
    atomic_init(&set->shutdown_by_actor, false);
    waker_init(&set->host);
}

void actor_set_request_shutdown(struct actor_set *set, bool by_actor)
{
    if (by_actor)
        atomic_store_explicit(&set->shutdown_by_actor, true,
                              memory_order_relaxed);
    /* release, then wake: an actor that sees the new waker count sees the
     * flag too */
    atomic_store_explicit(&set->shutdown, true, memory_order_release);
    for (size_t i = 0; i < set->n_actors; i++)
        waker_wake(set->actors[i]->waker);
    waker_wake(&set->host);
}

/* ---- lifecycle (runtime side) ---- */

/* Which actor's code this thread runs, for reports about code that ends
 * the process (exit in a plugin). A troupe thread switches it with its
 * members, through the slices. */
static _Thread_local struct steady_actor *current_actor;
static _Thread_local const char *current_phase;

struct steady_actor *actor_current(const char **phase)
{
    if (phase)
        *phase = current_phase;
    return current_actor;
}

static void solo_park(struct steady_actor *a, uint32_t seen,
                      uint64_t deadline_ns)
{
    waker_wait(a->waker, seen, deadline_ns);
}

struct steady_actor *actor_create(const char *name,
                                  const struct steady_plugin *plugin,
                                  const union param_value *params,
                                  struct actor_set *set)
{
    struct steady_actor *a = calloc(1, sizeof(*a));

    if (!a)
        return NULL;
    a->name = strdup(name);
    a->ports = calloc(plugin->n_ports ? plugin->n_ports : 1, sizeof(*a->ports));
    if (plugin->state_size)
        a->state = calloc(1, plugin->state_size);
    if (!a->name || !a->ports || (plugin->state_size && !a->state)) {
        free(a->name);
        free(a->ports);
        free(a->state);
        free(a);
        return NULL;
    }
    for (size_t i = 0; i < plugin->n_ports; i++)
        a->ports[i].desc = &plugin->ports[i];
    a->plugin = plugin;
    a->params = params;
    a->set = set;
    waker_init(&a->own_waker);
    a->waker = &a->own_waker;
    a->park = solo_park;
    atomic_init(&a->status, ACTOR_CREATED);
    pthread_mutex_init(&a->diag_lock, NULL);
    return a;
}

void actor_bind_port(struct steady_actor *a, unsigned port,
                     struct steady_channel *ch)
{
    a->ports[port].ch = ch;
    if (a->ports[port].desc->dir == STEADY_IN)
        ch->rx_waker = a->waker;
    else
        ch->tx_waker = a->waker;
}

int actor_init(struct steady_actor *a)
{
    struct steady_actor *outer = current_actor;
    const char *outer_phase = current_phase;
    jmp_buf jump;
    volatile int rc = 0;

    if (!a->plugin->init) {
        a->initialised = true;
        return 0;
    }
    current_actor = a;
    current_phase = "init";
    a->panic_jump = &jump;
    if (setjmp(jump) == 0)
        rc = a->plugin->init(a);
    else
        rc = -1;
    a->panic_jump = NULL;
    current_actor = outer;
    current_phase = outer_phase;
    if (rc < 0) {
        if (!a->error[0])
            snprintf(a->error, sizeof(a->error), "init returned %d", rc);
        return -1;
    }
    a->initialised = true;
    return 0;
}

int actor_run_once(struct steady_actor *a)
{
    jmp_buf jump;
    volatile int rc = 0;

    atomic_store_explicit(&a->status, ACTOR_RUNNING, memory_order_relaxed);
    a->error[0] = '\0';
    a->panic_jump = &jump;
    if (setjmp(jump) == 0)
        rc = a->plugin->run(a);
    else
        rc = -1;
    a->panic_jump = NULL;
    if (rc < 0 && !a->error[0])
        snprintf(a->error, sizeof(a->error), "run returned %d", rc);
    return rc;
}

static void close_outputs(struct steady_actor *a)
{
    for (size_t i = 0; i < a->plugin->n_ports; i++)
        if (a->ports[i].ch && a->ports[i].desc->dir == STEADY_OUT)
            steady_channel_close(a->ports[i].ch);
}

void actor_finish(struct steady_actor *a, int rc)
{
    a->done = true;
    close_outputs(a);
    for (size_t i = 0; i < a->plugin->n_ports; i++)
        if (a->ports[i].ch && a->ports[i].desc->dir == STEADY_IN)
            channel_mark_rx_gone(a->ports[i].ch);
    /* release: a->error is complete before the host reads the status */
    atomic_store_explicit(&a->status, rc < 0 ? ACTOR_FAILED : ACTOR_EXITED,
                          memory_order_release);
    waker_wake(&a->set->host);
}

int actor_fini(struct steady_actor *a)
{
    struct steady_actor *outer = current_actor;
    const char *outer_phase = current_phase;
    jmp_buf jump;
    volatile int rc = 0;

    if (!a->initialised)
        return 0;
    /* once, whatever happens: destroy is paired with one successful init */
    a->initialised = false;
    if (!a->plugin->destroy)
        return 0;
    current_actor = a;
    current_phase = "destroy";
    a->error[0] = '\0';
    a->panic_jump = &jump;
    if (setjmp(jump) == 0)
        a->plugin->destroy(a);
    else
        rc = -1;
    a->panic_jump = NULL;
    current_actor = outer;
    current_phase = outer_phase;
    return rc;
}

void actor_destroy(struct steady_actor *a)
{
    if (!a)
        return;
    if (actor_fini(a) < 0)
        steady_error(NULL, "actor '%s' (plugin %s) failed in destroy: %s",
                     a->name, a->plugin->name, a->error);
    pthread_mutex_destroy(&a->diag_lock);
    free(a->restart_times);
    free(a->state_path);
    free(a->state);
    free(a->ports);
    free(a->name);
    free(a);
}

/* What the inputs hold, from atomic counters only (any thread): the facts
 * behind the default vote. */
static void describe_inputs(struct steady_actor *a, char *buf, size_t len)
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < a->plugin->n_ports && used < len; i++) {
        struct steady_channel *ch = a->ports[i].ch;
        uint64_t held;

        if (!ch || a->ports[i].desc->dir != STEADY_IN)
            continue;
        held = steady_channel_sent_total(ch) - steady_channel_taken_total(ch);
        used += (size_t)snprintf(
            buf + used, len - used, "%sinput '%s' is %s and holds %llu item%s",
            used ? ", " : "", a->ports[i].desc->name,
            channel_closed(ch) ? "closed" : "open", (unsigned long long)held,
            held == 1 ? "" : "s");
    }
}

void actor_describe_wait(struct steady_actor *a, char *buf, size_t len)
{
    char inputs[256];

    describe_inputs(a, inputs, sizeof(inputs));
    pthread_mutex_lock(&a->diag_lock);
    if (a->vote_why[0] && a->wait_why[0])
        snprintf(buf, len, "its vote is no (%s); %s", a->vote_why, a->wait_why);
    else if (a->vote_why[0])
        snprintf(buf, len, "its vote is no (%s)", a->vote_why);
    else if (a->wait_why[0])
        snprintf(buf, len, "%s%s%s", a->wait_why, inputs[0] ? "; " : "",
                 inputs);
    else
        snprintf(buf, len,
                 "it has not called steady_running since "
                 "shutdown was requested (busy in its own code?)%s%s",
                 inputs[0] ? "; " : "", inputs);
    pthread_mutex_unlock(&a->diag_lock);
}

static void set_diag(struct steady_actor *a, char *field, const char *text)
{
    pthread_mutex_lock(&a->diag_lock);
    snprintf(field, sizeof(a->vote_why), "%s", text);
    pthread_mutex_unlock(&a->diag_lock);
}

/* ---- CPU accounting ---- */

static uint64_t clock_ns(clockid_t clock)
{
    struct timespec ts;

    if (clock_gettime(clock, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A slice is the actor's run on this thread: its code is what runs. */
static void set_current(struct steady_actor *a)
{
    current_actor = a;
    current_phase = a ? "run" : NULL;
}

void actor_slice_begin(struct steady_actor *a)
{
    clockid_t clock;

    set_current(a);
    if (pthread_getcpuclockid(pthread_self(), &clock) != 0)
        return;
    atomic_store_explicit(&a->cpu_clock, (int)clock, memory_order_relaxed);
    atomic_store_explicit(&a->slice_start, clock_ns(clock),
                          memory_order_relaxed);
    /* release: the clock and start above are set */
    atomic_store_explicit(&a->in_slice, true, memory_order_release);
}

void actor_slice_end(struct steady_actor *a)
{
    clockid_t clock;
    uint64_t used;

    set_current(NULL);
    if (!atomic_load_explicit(&a->in_slice, memory_order_relaxed))
        return;
    clock =
        (clockid_t)atomic_load_explicit(&a->cpu_clock, memory_order_relaxed);
    used = clock_ns(clock) -
           atomic_load_explicit(&a->slice_start, memory_order_relaxed);
    atomic_fetch_add_explicit(&a->cpu_ns_done, used, memory_order_relaxed);
    atomic_store_explicit(&a->in_slice, false, memory_order_release);
}

uint64_t actor_cpu_ns(struct steady_actor *a)
{
    uint64_t done = atomic_load_explicit(&a->cpu_ns_done, memory_order_relaxed);

    /* acquire: pairs with the release in actor_slice_begin */
    if (atomic_load_explicit(&a->in_slice, memory_order_acquire)) {
        clockid_t clock = (clockid_t)atomic_load_explicit(&a->cpu_clock,
                                                          memory_order_relaxed);
        uint64_t now = clock_ns(clock);
        uint64_t start =
            atomic_load_explicit(&a->slice_start, memory_order_relaxed);

        if (now > start)
            done += now - start;
    }
    return done;
}

/* ---- persistent state ---- */

int steady_checkpoint(struct steady_actor *a)
{
    if (!a->state_dir || !a->plugin->state_size)
        return 0;
    if (state_save(a->state_dir, &a->state_id, a->state, a->state_error,
                   sizeof(a->state_error)) < 0) {
        steady_error(a, "state not saved: %s", a->state_error);
        return -1;
    }
    a->state_error[0] = '\0';
    return 0;
}

/* ---- failure ---- */

int steady_fail(struct steady_actor *a, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(a->error, sizeof(a->error), fmt, ap);
    va_end(ap);
    return -1;
}

void steady_panic(struct steady_actor *a, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(a->error, sizeof(a->error), fmt, ap);
    va_end(ap);
    steady_error(a, "panic: %s", a->error);
    if (a->panic_jump)
        longjmp(*a->panic_jump, 1);
    /* outside init and run there is nothing to unwind to */
    abort();
}

/* ---- ports ---- */

static struct actor_port *port_of(struct steady_actor *a, unsigned port,
                                  enum steady_port_dir dir)
{
    if (port >= a->plugin->n_ports)
        steady_panic(a, "port %u does not exist (plugin '%s' has %zu)", port,
                     a->plugin->name, a->plugin->n_ports);
    if (a->ports[port].desc->dir != dir)
        steady_panic(a, "port '%s' is an %s, used as an %s",
                     a->ports[port].desc->name,
                     dir == STEADY_IN ? "output" : "input",
                     dir == STEADY_IN ? "input" : "output");
    return &a->ports[port];
}

static struct steady_channel *in_ch(struct steady_actor *a, unsigned port)
{
    return port_of(a, port, STEADY_IN)->ch;
}

static struct steady_channel *out_ch(struct steady_actor *a, unsigned port)
{
    return port_of(a, port, STEADY_OUT)->ch;
}

struct steady_channel *steady_port(struct steady_actor *a, unsigned port)
{
    if (port >= a->plugin->n_ports)
        steady_panic(a, "port %u does not exist", port);
    return a->ports[port].ch;
}

bool steady_connected(struct steady_actor *a, unsigned port)
{
    return steady_port(a, port) != NULL;
}

bool steady_try_send(struct steady_actor *a, unsigned port, const void *item)
{
    struct steady_channel *ch = out_ch(a, port);

    return ch && steady_channel_try_send(ch, item);
}

bool steady_try_take(struct steady_actor *a, unsigned port, void *item)
{
    struct steady_channel *ch = in_ch(a, port);

    return ch && steady_channel_try_take(ch, item);
}

bool steady_try_peek(struct steady_actor *a, unsigned port, void *item)
{
    struct steady_channel *ch = in_ch(a, port);
    struct actor_port *p = &a->ports[port];
    uint64_t at;

    if (!ch || !steady_channel_try_peek(ch, item))
        return false;
    /* the same position peeked again, across restarts too, means the item
     * was not taken: the last run may have died processing it */
    at = steady_channel_taken_total(ch);
    if (p->peeks && p->peek_pos == at) {
        p->peeks++;
    } else {
        p->peek_pos = at;
        p->peeks = 1;
    }
    return true;
}

unsigned steady_peek_count(struct steady_actor *a, unsigned port)
{
    struct steady_channel *ch = in_ch(a, port);
    struct actor_port *p = &a->ports[port];

    if (!ch || !p->peeks || p->peek_pos != steady_channel_taken_total(ch))
        return 0;
    return p->peeks;
}

bool steady_is_showstopper(struct steady_actor *a, unsigned port,
                           unsigned threshold)
{
    return threshold && steady_peek_count(a, port) >= threshold;
}

bool steady_dead_letter(struct steady_actor *a, unsigned port, const char *why)
{
    struct steady_channel *ch = in_ch(a, port);
    unsigned char item[64];
    char hex[2 * sizeof(item) + 4];
    size_t size, shown;
    unsigned peeks = steady_peek_count(a, port);

    if (!ch)
        return false;
    size = steady_channel_elem_size(ch);
    shown = size < sizeof(item) ? size : sizeof(item);
    if (size <= sizeof(item)) {
        if (!steady_channel_try_take(ch, item))
            return false;
    } else {
        struct steady_span spans[2];

        if (!steady_channel_borrow_read(ch, spans, 1))
            return false;
        memcpy(item, spans[0].ptr, shown);
        steady_channel_commit_take(ch, 1);
    }
    for (size_t i = 0; i < shown; i++)
        snprintf(hex + 2 * i, 3, "%02x", item[i]);
    if (shown < size)
        strcpy(hex + 2 * shown, "...");
    steady_warn(a,
                "dead letter on '%s' after %u peek%s: %s; item (%zu bytes, "
                "'%s') %s",
                a->ports[port].desc->name, peeks, peeks == 1 ? "" : "s",
                why ? why : "set aside", size, steady_channel_type_name(ch),
                hex);
    a->ports[port].peeks = 0;
    return true;
}

size_t steady_avail_count(struct steady_actor *a, unsigned port)
{
    struct steady_channel *ch = in_ch(a, port);

    return ch ? channel_avail(ch) : 0;
}

size_t steady_vacant_count(struct steady_actor *a, unsigned port)
{
    struct steady_channel *ch = out_ch(a, port);

    return ch ? channel_vacant(ch) : 0;
}

bool steady_is_closed_and_empty(struct steady_actor *a, unsigned port)
{
    struct steady_channel *ch = in_ch(a, port);

    return !ch || steady_channel_is_closed_and_empty(ch);
}

void steady_close(struct steady_actor *a, unsigned port)
{
    struct steady_channel *ch = out_ch(a, port);

    if (ch)
        steady_channel_close(ch);
}

/* ---- shutdown ---- */

static bool shutting_down(const struct steady_actor *a)
{
    /* acquire: pairs with the release in actor_set_request_shutdown */
    return atomic_load_explicit(&a->set->shutdown, memory_order_acquire);
}

static bool default_vote(struct steady_actor *a, char *why, size_t len)
{
    for (size_t i = 0; i < a->plugin->n_ports; i++) {
        struct steady_channel *ch = a->ports[i].ch;
        size_t left;

        if (!ch || a->ports[i].desc->dir != STEADY_IN)
            continue;
        if (!channel_closed(ch)) {
            snprintf(why, len, "input '%s' is still open",
                     a->ports[i].desc->name);
            return false;
        }
        left = channel_avail(ch);
        if (left) {
            snprintf(why, len, "input '%s' still holds %zu item%s",
                     a->ports[i].desc->name, left, left == 1 ? "" : "s");
            return false;
        }
    }
    return true;
}

static bool vote(struct steady_actor *a, bool record)
{
    char why[256] = "";
    bool yes = a->vote ? a->vote(a, why, sizeof(why))
                       : default_vote(a, why, sizeof(why));

    if (!yes && record) {
        if (!why[0])
            snprintf(why, sizeof(why), "its own vote function says no");
        set_diag(a, a->vote_why, why);
    }
    return yes;
}

bool steady_running(struct steady_actor *a)
{
    if (!shutting_down(a))
        return true;
    if (a->done)
        return false;
    if (!vote(a, true))
        return true;
    a->done = true;
    close_outputs(a);
    return false;
}

void steady_set_vote(struct steady_actor *a, steady_vote_fn fn)
{
    a->vote = fn;
}

void steady_request_shutdown(struct steady_actor *a)
{
    actor_set_request_shutdown(a->set, true);
}

bool steady_shutdown_requested(const struct steady_actor *a)
{
    return shutting_down(a);
}

/* ---- waits ---- */

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

static size_t clamp_units(const struct steady_channel *ch, size_t n)
{
    /* asking for more than fits could never be met */
    return n > ch->capacity ? ch->capacity : n;
}

static void note_deadline(struct wait_state *w, uint64_t at)
{
    if (!w->deadline_ns || at < w->deadline_ns)
        w->deadline_ns = at;
}

/* A peer woken through our own waker runs on our thread (a troupe mate):
 * it cannot publish while we check, so no fence is needed for it. */
static void arm_avail(struct steady_actor *a, struct steady_channel *ch,
                      size_t need, struct wait_state *w)
{
    channel_want_avail(ch, need);
    if (ch->tx_waker != a->waker)
        w->armed_remote = true;
}

static void arm_vacant(struct steady_actor *a, struct steady_channel *ch,
                       size_t need, struct wait_state *w)
{
    channel_want_vacant(ch, need);
    if (ch->rx_waker != a->waker)
        w->armed_remote = true;
}

/* One look at every condition. `arm` announces the unmet channel
 * conditions to the other side so that it wakes us. */
static void evaluate(struct steady_actor *a, bool all,
                     const struct steady_cond *conds, size_t n,
                     struct wait_state *w, bool arm)
{
    bool stopping = shutting_down(a);
    size_t met = 0, settled = 0;

    w->now_ns = 0;
    w->deadline_ns = 0;
    w->tick_met = false;
    w->armed_remote = false;
    for (size_t i = 0; i < n; i++) {
        const struct steady_cond *c = &conds[i];
        struct steady_channel *ch;
        size_t need;

        switch (c->kind) {
        case STEADY_COND_AVAIL:
            ch = in_ch(a, c->port);
            if (!ch) {
                settled++;
                break;
            }
            need = clamp_units(ch, c->n);
            /* closed before avail: a close publishes the final items */
            if (channel_closed(ch))
                channel_avail(ch) >= need ? met++ : settled++;
            else if (channel_avail(ch) >= need)
                met++;
            else if (arm)
                arm_avail(a, ch, need, w);
            break;
        case STEADY_COND_VACANT:
            ch = out_ch(a, c->port);
            if (!ch || channel_rx_gone(ch)) {
                settled++;
                break;
            }
            need = clamp_units(ch, c->n);
            if (channel_vacant(ch) >= need)
                met++;
            else if (stopping && vote(a, false))
                settled++;
            else if (arm)
                arm_vacant(a, ch, need, w);
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
            channel_want_avail(ch, 0);
        else if (conds[i].kind == STEADY_COND_VACANT)
            channel_want_vacant(ch, 0);
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
    set_diag(a, a->wait_why, buf);
    /* after set_diag: a report made once this line is out names the wait */
    steady_debug(a, "in shutdown, %s", buf);
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
                fence_heavy(); /* announcements before the re-check */
                evaluate(a, all, conds, n, &w, false);
                if (w.done)
                    break;
            }
            if (shutting_down(a))
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
    return w.result;
}

bool steady_send(struct steady_actor *a, unsigned port, const void *item,
                 enum steady_saturation policy)
{
    struct steady_channel *ch = out_ch(a, port);

    if (!ch)
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
                        a->ports[port].desc->name, ch->capacity);
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

/* ---- params, state, context ---- */

static const union param_value *param(struct steady_actor *a, const char *name,
                                      enum steady_param_type type)
{
    static const char *const type_names[] = { "int", "double", "bool",
                                              "string" };

    for (size_t i = 0; i < a->plugin->n_params; i++) {
        const struct steady_param_desc *p = &a->plugin->params[i];

        if (strcmp(p->name, name) != 0)
            continue;
        if (p->type != type)
            steady_panic(a, "param '%s' is declared %s but read as %s", name,
                         type_names[p->type], type_names[type]);
        return &a->params[i];
    }
    steady_panic(a, "param '%s' is not in plugin '%s''s table", name,
                 a->plugin->name);
}

int64_t steady_param_int(struct steady_actor *a, const char *name)
{
    return param(a, name, STEADY_PARAM_INT)->i;
}

double steady_param_double(struct steady_actor *a, const char *name)
{
    return param(a, name, STEADY_PARAM_DOUBLE)->d;
}

bool steady_param_bool(struct steady_actor *a, const char *name)
{
    return param(a, name, STEADY_PARAM_BOOL)->b;
}

const char *steady_param_str(struct steady_actor *a, const char *name)
{
    return param(a, name, STEADY_PARAM_STRING)->s;
}

void *steady_state(struct steady_actor *a)
{
    return a->state;
}

void steady_set_ctx(struct steady_actor *a, void *ctx)
{
    a->ctx = ctx;
}

void *steady_ctx(struct steady_actor *a)
{
    return a->ctx;
}

const char *steady_actor_name(const struct steady_actor *a)
{
    return a->name;
}

/* actor.c - an actor's life (create, wire, init, run, finish, destroy) and
 * the parts of <steady/actor.h> about it: the running loop and shutdown
 * vote, failure, params, state and context. Waits are in await.c, channel
 * operations by port in actor_ports.c, CPU accounting in actor_cpu.c.
 * Everything here runs on the actor's own thread, except
 * actor_set_request_shutdown and actor_describe_wait.
 */
#include "actor_impl.h"
#include "channel_impl.h"
#include "fd_wait.h"
#include "port_info.h"
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
    atomic_init(&set->snap.hold, 0);
    atomic_init(&set->snap.next, 0);
    atomic_init(&set->snap.done, 0);
    waker_init(&set->snap.coord);
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

void actor_set_current(struct steady_actor *a, const char *phase)
{
    current_actor = a;
    current_phase = phase;
}

struct steady_actor *actor_current(const char **phase)
{
    if (phase)
        *phase = current_phase;
    return current_actor;
}

static void solo_park(struct steady_actor *a, uint32_t seen,
                      uint64_t deadline_ns)
{
    if (a->park_fds)
        fd_wait_sleep(a, a->park_fds, seen, deadline_ns);
    else
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
    for (size_t i = 0; i < plugin->n_ports; i++) {
        a->ports[i].desc = &plugin->ports[i];
        a->ports[i].bundle = plugin_port_is_bundle(plugin, i);
        a->ports[i].type_name = plugin->ports[i].type_name;
        a->ports[i].elem_size = plugin->ports[i].elem_size;
    }
    a->plugin = plugin;
    a->params = params;
    a->set = set;
    waker_init(&a->own_waker);
    a->waker = &a->own_waker;
    a->park = solo_park;
    atomic_init(&a->status, ACTOR_CREATED);
    atomic_init(&a->snap_where, SNAP_RUNNING);
    atomic_init(&a->snap_armed, false);
    atomic_init(&a->n_figures, 0);
    for (size_t i = 0; i < STEADY_MAX_FIGURES; i++)
        atomic_init(&a->figures[i].bits, 0);
    pthread_mutex_init(&a->diag_lock, NULL);
    return a;
}

int actor_bind_port(struct steady_actor *a, unsigned port,
                    struct steady_channel *ch)
{
    struct actor_port *p = &a->ports[port];
    unsigned n = p->n_wired;

    /* doubling at each power of two: a bundle of many channels is wired in
     * linear time */
    if ((n & (n - 1)) == 0) {
        struct steady_channel **chs =
            realloc(p->chs, (n ? 2 * (size_t)n : 1) * sizeof(*chs));

        if (!chs)
            return -1;
        p->chs = chs;
    }
    p->chs[p->n_wired++] = ch;
    p->ch = p->chs[0];
    if (p->desc->dir == STEADY_IN)
        channel_bind_rx(ch, a->waker);
    else
        channel_bind_tx(ch, a->waker);
    return 0;
}

void actor_set_any_type(struct steady_actor *a, const char *type_name,
                        size_t elem_size)
{
    for (size_t i = 0; i < a->plugin->n_ports; i++) {
        if (!plugin_port_is_any(a->ports[i].desc))
            continue;
        a->ports[i].type_name = type_name;
        a->ports[i].elem_size = elem_size;
    }
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
    a->wait_dead = false; /* a wait of an earlier run says nothing */
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

/* Every channel of every output, bundle members included. */
static void close_outputs(struct steady_actor *a)
{
    for (size_t i = 0; i < a->plugin->n_ports; i++) {
        const struct actor_port *p = &a->ports[i];

        if (p->desc->dir != STEADY_OUT)
            continue;
        for (unsigned k = 0; k < p->n_wired; k++)
            steady_channel_close(p->chs[k]);
    }
}

void actor_finish(struct steady_actor *a, int rc)
{
    /* closing changes channels: not while a snapshot copies them */
    snap_point(a);
    a->done = true;
    close_outputs(a);
    for (size_t i = 0; i < a->plugin->n_ports; i++) {
        const struct actor_port *p = &a->ports[i];

        if (p->desc->dir != STEADY_IN)
            continue;
        for (unsigned k = 0; k < p->n_wired; k++)
            channel_mark_rx_gone(p->chs[k]);
    }
    /* release: a->error is complete before the host reads the status */
    atomic_store_explicit(&a->status, rc < 0 ? ACTOR_FAILED : ACTOR_EXITED,
                          memory_order_release);
    snap_gone(a);
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
    fd_wait_free(a->fdw);
    waker_fini(&a->own_waker);
    free(a->restart_times);
    free(a->state_path);
    free(a->state);
    for (size_t i = 0; i < a->plugin->n_ports; i++)
        free(a->ports[i].chs);
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
        const struct actor_port *p = &a->ports[i];

        if (p->desc->dir != STEADY_IN)
            continue;
        for (unsigned k = 0; k < p->n_wired && used < len; k++) {
            struct steady_channel *ch = p->chs[k];
            uint64_t held =
                steady_channel_sent_total(ch) - steady_channel_taken_total(ch);
            char name[128];

            used += (size_t)snprintf(
                buf + used, len - used,
                "%sinput '%s' is %s and holds %llu item%s", used ? ", " : "",
                actor_port_label(p, k, name, sizeof(name)),
                channel_closed(ch) ? "closed" : "open",
                (unsigned long long)held, held == 1 ? "" : "s");
        }
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

void actor_set_diag(struct steady_actor *a, char *field, const char *text)
{
    pthread_mutex_lock(&a->diag_lock);
    snprintf(field, sizeof(a->vote_why), "%s", text);
    pthread_mutex_unlock(&a->diag_lock);
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

/* ---- shutdown ---- */

bool actor_shutting_down(const struct steady_actor *a)
{
    /* acquire: pairs with the release in actor_set_request_shutdown */
    return atomic_load_explicit(&a->set->shutdown, memory_order_acquire);
}

static bool default_vote(struct steady_actor *a, char *why, size_t len)
{
    char name[128];

    for (size_t i = 0; i < a->plugin->n_ports; i++) {
        const struct actor_port *p = &a->ports[i];

        if (p->desc->dir != STEADY_IN)
            continue;
        for (unsigned k = 0; k < p->n_wired; k++) {
            struct steady_channel *ch = p->chs[k];
            size_t left;

            if (!channel_closed(ch)) {
                snprintf(why, len, "input '%s' is still open",
                         actor_port_label(p, k, name, sizeof(name)));
                return false;
            }
            left = channel_avail(ch);
            if (left) {
                snprintf(why, len, "input '%s' still holds %zu item%s",
                         actor_port_label(p, k, name, sizeof(name)), left,
                         left == 1 ? "" : "s");
                return false;
            }
        }
    }
    return true;
}

bool actor_vote(struct steady_actor *a, bool record)
{
    char why[256] = "";
    bool yes = a->vote ? a->vote(a, why, sizeof(why))
                       : default_vote(a, why, sizeof(why));

    if (!yes && record) {
        if (!why[0])
            snprintf(why, sizeof(why), "its own vote function says no");
        actor_set_diag(a, a->vote_why, why);
    }
    return yes;
}

bool actor_inputs_ended(struct steady_actor *a)
{
    size_t inputs = 0;

    for (size_t i = 0; i < a->plugin->n_ports; i++) {
        const struct actor_port *p = &a->ports[i];

        if (p->desc->dir != STEADY_IN)
            continue;
        for (unsigned k = 0; k < p->n_wired; k++) {
            if (!channel_closed(p->chs[k]) || channel_avail(p->chs[k]))
                return false;
            inputs++;
        }
    }
    return inputs > 0;
}

/* End of stream: an actor with inputs ends once every one of them (every
 * channel of a bundle) is closed and drained (and its own vote, if it has one,
 * agrees), without any shutdown; its outputs close, so the end flows
 * downstream. Sources (no connected input) run until they return or shutdown.
 */
static bool stream_ended(struct steady_actor *a)
{
    if (!a->input_closed_seen || !actor_inputs_ended(a))
        return false;
    return !a->vote || actor_vote(a, false);
}

/* The latest wait was cut short for good (see wait_dead): the
 * documented loop would wait the same way again and return at once for
 * ever, so the actor ends, as at end of stream, unless its own vote says
 * no. Items still in its inputs stay there, which the log says. */
static bool wait_dead_end(struct steady_actor *a)
{
    char why[256], name[128] = "";
    size_t left = 0;

    if (!a->wait_dead || (a->vote && !actor_vote(a, false)))
        return false;
    await_why_settled(a, &a->dead_cond, why, sizeof(why));
    for (size_t i = 0; i < a->plugin->n_ports; i++) {
        const struct actor_port *p = &a->ports[i];

        if (p->desc->dir != STEADY_IN)
            continue;
        for (unsigned k = 0; k < p->n_wired; k++) {
            size_t n = channel_avail(p->chs[k]);

            if (n && !left)
                actor_port_label(p, k, name, sizeof(name));
            left += n;
        }
    }
    if (!left)
        steady_info(a, "ends: its wait can never be met any more, because %s",
                    why);
    else
        steady_warn(a,
                    "ends with %zu item(s) left in its inputs (the first in "
                    "'%s'): its wait can never be met any more, because %s",
                    left, name, why);
    return true;
}

bool steady_running(struct steady_actor *a)
{
    if (a->done)
        return false;
    if (!actor_shutting_down(a)) {
        if (stream_ended(a))
            steady_debug(a, "every input has ended: the actor ends");
        else if (!wait_dead_end(a))
            return true;
    } else if (!actor_vote(a, true) && !wait_dead_end(a)) {
        /* draining; but a wait that can never be met again (its output's
         * consumer left during shutdown, its input ended short) would
         * return at once until the shutdown timeout: that ends it too */
        return true;
    }
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
    return actor_shutting_down(a);
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

bool steady_state_persists(const struct steady_actor *a)
{
    return a->state_path != NULL || a->state_kept_by_test;
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

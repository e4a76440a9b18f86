/* testing.c - the test harness of <steady/testing.h>: one actor from a real
 * plugin .so, its ports wired to channels the test holds (a bundle port to
 * as many as the test connects, any-typed ports to the type the test
 * names), run on a thread, its log captured. Every wait is bounded.
 */
#include "actor_impl.h"
#include "channel_impl.h"
#include "loader.h"
#include "param.h"
#include "port_info.h"
#include "supervisor.h"
#include "test_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <steady/testing.h>
#include <string.h>
#include <time.h>

/* The channels the test wired to one port, in order (index i is the
 * bundle's channel i); a plain port has one at most. */
struct test_port {
    struct steady_channel **chs;
    unsigned n;
};

struct steady_test {
    struct plugin_registry *registry;
    const struct loaded_plugin *plugin; /* owned by registry */
    const struct steady_plugin *desc;
    uint32_t channel_layout; /* the plugin's; 1 takes plain channels only */
    struct actor_set set;
    struct steady_actor *actor;
    union param_value *params; /* one per desc param */
    bool *param_set;
    struct test_port *ports; /* one per port */
    struct waker waker;      /* the test's side of every channel */
    char *any_type;          /* what the any-typed ports carry; NULL: unset */
    size_t any_size;
    pthread_t thread;
    bool started;
    bool joined;
    int rc;
    struct test_log *log; /* what the actor logged */
    char *log_copy;       /* returned by steady_test_log */
};

struct steady_test *steady_test_load(const char *plugin, const char *name)
{
    struct steady_test *t = calloc(1, sizeof(*t));
    const struct loaded_plugin *lp;
    char err[1024];
    size_t np;

    if (!t)
        return NULL;
    t->registry = plugin_registry_create(NULL);
    if (!t->registry)
        goto err_free;
    lp = plugin_registry_get(t->registry, plugin, err, sizeof(err));
    plugin_registry_loaded(t->registry);
    if (!lp) {
        fprintf(stderr, "steady_test_load: %s\n", err);
        goto err_free;
    }
    t->plugin = lp;
    t->desc = lp->desc;
    t->channel_layout = lp->channel_layout;
    np = t->desc->n_params ? t->desc->n_params : 1;
    t->params = calloc(np, sizeof(*t->params));
    t->param_set = calloc(np, sizeof(*t->param_set));
    t->ports =
        calloc(t->desc->n_ports ? t->desc->n_ports : 1, sizeof(*t->ports));
    if (!t->params || !t->param_set || !t->ports)
        goto err_free;
    actor_set_init(&t->set);
    waker_init(&t->waker);
    t->log = test_log_attach(name ? name : t->desc->name);
    if (!t->log)
        goto err_free;
    t->actor =
        actor_create(name ? name : t->desc->name, t->desc, t->params, &t->set);
    if (!t->actor)
        goto err_free;
    /* steady_test_state stands for the state_dir: what a test sets there
     * is what a restarted process would find */
    t->actor->state_kept_by_test = true;
    t->set.actors = &t->actor;
    t->set.n_actors = 1;
    return t;

err_free:
    test_log_detach(t->log);
    free(t->params);
    free(t->param_set);
    free(t->ports);
    plugin_registry_destroy(t->registry);
    free(t);
    return NULL;
}

const struct steady_plugin *steady_test_plugin(const struct steady_test *t)
{
    return t->desc;
}

int steady_test_set_param(struct steady_test *t, const char *name,
                          const char *value)
{
    int i = plugin_param_index(t->desc, name);
    union param_value v;

    if (t->started) {
        fprintf(stderr,
                "steady_test_set_param: the actor has started; set params "
                "before steady_test_start\n");
        return -1;
    }
    if (i < 0) {
        fprintf(stderr,
                "steady_test_set_param: plugin '%s' has no param "
                "'%s'\n",
                t->desc->name, name);
        return -1;
    }
    if (param_parse(t->desc->params[i].type, value, &v) < 0) {
        fprintf(stderr, "steady_test_set_param: '%s' is not %s\n", value,
                param_type_hint(t->desc->params[i].type));
        return -1;
    }
    /* the check `steady check` makes; the reason also stays readable
     * through steady_test_error until the actor starts */
    if (param_limit_check(&t->desc->params[i], &t->plugin->limits[i], &v, value,
                          t->actor->error, sizeof(t->actor->error)) < 0) {
        fprintf(stderr, "steady_test_set_param: %s\n", t->actor->error);
        param_value_free(t->desc->params[i].type, &v);
        return -1;
    }
    if (t->param_set[i])
        param_value_free(t->desc->params[i].type, &t->params[i]);
    t->params[i] = v;
    t->param_set[i] = true;
    return 0;
}

static int port_index(struct steady_test *t, const char *port, const char *who)
{
    int i = plugin_port_index(t->desc, port);

    if (i < 0)
        fprintf(stderr, "%s: plugin '%s' has no port '%s'\n", who,
                t->desc->name, port);
    return i;
}

/* Wires port i to a new channel of the given type, the test holding the
 * other end. The checks are the caller's. */
/* Bytes of a variable-size channel connected by steady_test_connect_typed,
 * which has no say in it: 64 KiB, as a graph's default. */
#define TEST_DEFAULT_BYTES ((size_t)64 * 1024)

static struct steady_channel *wire(struct steady_test *t, int i,
                                   size_t capacity, const char *type_name,
                                   size_t elem_size, size_t max_bytes,
                                   const char *who)
{
    const struct steady_port_desc *pd = &t->desc->ports[i];
    struct test_port *tp = &t->ports[i];
    struct steady_channel **chs;
    struct steady_channel *ch;

    if (elem_size == STEADY_VARSIZE && t->channel_layout < 2) {
        fprintf(stderr,
                "%s: plugin '%s' was built against channel layout %u, which "
                "does not know variable-size channels; rebuild it\n",
                who, t->desc->name, (unsigned)t->channel_layout);
        return NULL;
    }
    if (elem_size == STEADY_VARSIZE)
        ch = steady_channel_create_varsize(capacity, max_bytes, type_name);
    else
        ch = steady_channel_create(capacity, elem_size, type_name);
    chs = realloc(tp->chs, (tp->n + 1) * sizeof(*chs));
    if (!ch || !chs) {
        fprintf(stderr,
                "%s: cannot create a channel of %zu items of %zu bytes for "
                "port '%s'\n",
                who, capacity, elem_size, pd->name);
        steady_channel_destroy(ch);
        if (chs)
            tp->chs = chs;
        return NULL;
    }
    tp->chs = chs;
    if (t->channel_layout < 3)
        channel_pin_fence(ch);
    if (actor_bind_port(t->actor, (unsigned)i, ch) < 0) {
        fprintf(stderr, "%s: out of memory\n", who);
        steady_channel_destroy(ch);
        return NULL;
    }
    tp->chs[tp->n++] = ch;
    if (pd->dir == STEADY_IN)
        channel_bind_tx(ch, &t->waker);
    else
        channel_bind_rx(ch, &t->waker);
    return ch;
}

/* The port by name, if it can take one more channel now. */
static int connectable(struct steady_test *t, const char *port, const char *who)
{
    int i = port_index(t, port, who);

    if (i < 0)
        return -1;
    if (t->started) {
        fprintf(stderr, "%s: the actor has started; connect ports before\n",
                who);
        return -1;
    }
    if (t->ports[i].n && !plugin_port_is_bundle(t->desc, (size_t)i)) {
        fprintf(stderr,
                "%s: port '%s' is already connected (only a bundle, a port "
                "declared STEADY_PORT_MANY, takes several channels)\n",
                who, port);
        return -1;
    }
    return i;
}

struct steady_channel *steady_test_connect(struct steady_test *t,
                                           const char *port, size_t capacity)
{
    const char *who = "steady_test_connect";
    int i = connectable(t, port, who);
    const struct steady_port_desc *pd;

    if (i < 0)
        return NULL;
    pd = &t->desc->ports[i];
    if (plugin_port_is_any(pd)) {
        fprintf(stderr,
                "%s: port '%s' is any-typed ('" STEADY_TYPE_ANY "'): give "
                "it a type with steady_test_connect_typed(t, \"%s\", "
                "capacity, type_name, elem_size)\n",
                who, port, port);
        return NULL;
    }
    if (pd->elem_size == STEADY_VARSIZE) {
        fprintf(stderr,
                "%s: port '%s' carries variable-size messages; use "
                "steady_test_connect_varsize\n",
                who, port);
        return NULL;
    }
    return wire(t, i, capacity, pd->type_name, pd->elem_size, 0, who);
}

struct steady_channel *steady_test_connect_varsize(struct steady_test *t,
                                                   const char *port,
                                                   size_t max_msgs,
                                                   size_t max_bytes)
{
    const char *who = "steady_test_connect_varsize";
    int i = connectable(t, port, who);
    const struct steady_port_desc *pd;

    if (i < 0)
        return NULL;
    pd = &t->desc->ports[i];
    if (plugin_port_is_any(pd) || pd->elem_size != STEADY_VARSIZE) {
        fprintf(stderr,
                "%s: port '%s' carries '%s' items of %zu bytes; use "
                "steady_test_connect%s\n",
                who, port, pd->type_name, pd->elem_size,
                plugin_port_is_any(pd) ? "_typed" : "");
        return NULL;
    }
    if (!max_msgs || !max_bytes) {
        fprintf(stderr, "%s: port '%s' needs at least 1 message and 1 byte\n",
                who, port);
        return NULL;
    }
    return wire(t, i, max_msgs, pd->type_name, STEADY_VARSIZE, max_bytes, who);
}

struct steady_channel *steady_test_connect_typed(struct steady_test *t,
                                                 const char *port,
                                                 size_t capacity,
                                                 const char *type_name,
                                                 size_t elem_size)
{
    const char *who = "steady_test_connect_typed";
    int i = connectable(t, port, who);
    const struct steady_port_desc *pd;
    struct steady_channel *ch;
    char *copy;

    if (i < 0)
        return NULL;
    pd = &t->desc->ports[i];
    if (!type_name || !*type_name || strcmp(type_name, STEADY_TYPE_ANY) == 0) {
        fprintf(stderr,
                "%s: port '%s' needs a concrete type name (such as \"u64\"), "
                "got '%s'\n",
                who, port, type_name ? type_name : "(null)");
        return NULL;
    }
    if (!plugin_port_is_any(pd)) {
        if (strcmp(pd->type_name, type_name) != 0 ||
            pd->elem_size != elem_size) {
            fprintf(stderr,
                    "%s: port '%s' is declared '%s' (%zu bytes), not '%s' "
                    "(%zu bytes)\n",
                    who, port, pd->type_name, pd->elem_size, type_name,
                    elem_size);
            return NULL;
        }
        return wire(t, i, capacity, pd->type_name, pd->elem_size,
                    TEST_DEFAULT_BYTES, who);
    }
    /* one type for every any-typed port of the actor, as in a graph */
    if (t->any_type &&
        (strcmp(t->any_type, type_name) != 0 || t->any_size != elem_size)) {
        fprintf(stderr,
                "%s: port '%s' given '%s' (%zu bytes), but the actor's "
                "any-typed ports already carry '%s' (%zu bytes); they all "
                "carry one type\n",
                who, port, type_name, elem_size, t->any_type, t->any_size);
        return NULL;
    }
    ch = wire(t, i, capacity, type_name, elem_size, TEST_DEFAULT_BYTES, who);
    if (!ch || t->any_type)
        return ch;
    copy = strdup(type_name);
    if (!copy) {
        fprintf(stderr, "%s: out of memory\n", who);
        return NULL;
    }
    t->any_type = copy;
    t->any_size = elem_size;
    actor_set_any_type(t->actor, t->any_type, t->any_size);
    return ch;
}

/* Channel i of a connected port of that direction, or NULL with a
 * message. */
static struct steady_channel *wired(struct steady_test *t, const char *port,
                                    unsigned index, enum steady_port_dir dir,
                                    const char *who)
{
    int i = port_index(t, port, who);

    if (i < 0)
        return NULL;
    if (t->desc->ports[i].dir != dir || !t->ports[i].n) {
        fprintf(stderr, "%s: port '%s' is not a connected %s\n", who, port,
                dir == STEADY_IN ? "input" : "output");
        return NULL;
    }
    if (index >= t->ports[i].n) {
        fprintf(stderr,
                "%s: port '%s' has %u channel%s; there is no channel %u\n", who,
                port, t->ports[i].n, t->ports[i].n == 1 ? "" : "s", index);
        return NULL;
    }
    return t->ports[i].chs[index];
}

size_t steady_test_feed(struct steady_test *t, const char *port,
                        const void *items, size_t n)
{
    struct steady_channel *ch =
        wired(t, port, 0, STEADY_IN, "steady_test_feed");

    return ch ? steady_channel_send_many(ch, items, n) : 0;
}

int steady_test_set_overflow(struct steady_test *t, const char *port,
                             enum steady_overflow policy)
{
    const char *who = "steady_test_set_overflow";
    int i = port_index(t, port, who);

    if (i < 0)
        return -1;
    if (!t->ports[i].n || t->started) {
        fprintf(stderr,
                "%s: port '%s' must be connected and the actor not "
                "started\n",
                who, port);
        return -1;
    }
    if (policy != STEADY_OVERFLOW_BLOCK && t->channel_layout < 2) {
        fprintf(stderr,
                "%s: plugin '%s' was built against channel layout %u, which "
                "does not know overflow policies; rebuild it\n",
                who, t->desc->name, (unsigned)t->channel_layout);
        return -1;
    }
    for (unsigned k = 0; k < t->ports[i].n; k++) {
        if (steady_channel_set_overflow(t->ports[i].chs[k], policy) < 0) {
            fprintf(stderr, "%s: policy %d refused\n", who, (int)policy);
            return -1;
        }
    }
    return 0;
}

bool steady_test_feed_msg(struct steady_test *t, const char *port,
                          const void *msg, size_t len)
{
    struct steady_channel *ch =
        wired(t, port, 0, STEADY_IN, "steady_test_feed_msg");

    return ch && steady_channel_send_msg(ch, msg, len);
}

bool steady_test_take_msg(struct steady_test *t, const char *port, void *buf,
                          size_t max, size_t *len)
{
    struct steady_channel *ch =
        wired(t, port, 0, STEADY_OUT, "steady_test_take_msg");
    const void *msg;
    size_t n = 0;

    msg = ch ? steady_channel_peek_msg(ch, &n) : NULL;
    if (!msg)
        return false;
    if (n && max)
        memcpy(buf, msg, n < max ? n : max);
    if (len)
        *len = n;
    steady_channel_take_msg(ch);
    return true;
}

size_t steady_test_feed_at(struct steady_test *t, const char *port, unsigned i,
                           const void *items, size_t n)
{
    struct steady_channel *ch =
        wired(t, port, i, STEADY_IN, "steady_test_feed_at");

    return ch ? steady_channel_send_many(ch, items, n) : 0;
}

void steady_test_close_input(struct steady_test *t, const char *port)
{
    int i = port_index(t, port, "steady_test_close_input");

    if (i < 0)
        return;
    if (t->desc->ports[i].dir != STEADY_IN || !t->ports[i].n) {
        fprintf(stderr,
                "steady_test_close_input: port '%s' is not a connected "
                "input\n",
                port);
        return;
    }
    for (unsigned k = 0; k < t->ports[i].n; k++)
        steady_channel_close(t->ports[i].chs[k]);
}

void steady_test_close_input_at(struct steady_test *t, const char *port,
                                unsigned i)
{
    struct steady_channel *ch =
        wired(t, port, i, STEADY_IN, "steady_test_close_input_at");

    if (ch)
        steady_channel_close(ch);
}

size_t steady_test_take(struct steady_test *t, const char *port, void *items,
                        size_t max)
{
    struct steady_channel *ch =
        wired(t, port, 0, STEADY_OUT, "steady_test_take");

    return ch ? steady_channel_take_many(ch, items, max) : 0;
}

size_t steady_test_take_at(struct steady_test *t, const char *port, unsigned i,
                           void *items, size_t max)
{
    struct steady_channel *ch =
        wired(t, port, i, STEADY_OUT, "steady_test_take_at");

    return ch ? steady_channel_take_many(ch, items, max) : 0;
}

/* Waits for n items on ch (NULL: 0 at once), at most timeout_ms. */
static size_t await_output(struct steady_test *t, struct steady_channel *ch,
                           size_t n, unsigned timeout_ms)
{
    uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000u;

    if (!ch)
        return 0;
    for (;;) {
        uint32_t seen = waker_seq(&t->waker);

        channel_fence_for(channel_arm_avail(ch, n, &t->waker));
        if (channel_poll_avail(ch, n) != CHANNEL_UNMET ||
            now_ns() >= deadline) {
            channel_disarm_avail(ch);
            return channel_avail(ch);
        }
        waker_wait(&t->waker, seen, deadline);
    }
}

size_t steady_test_await_output(struct steady_test *t, const char *port,
                                size_t n, unsigned timeout_ms)
{
    return await_output(
        t, wired(t, port, 0, STEADY_OUT, "steady_test_await_output"), n,
        timeout_ms);
}

size_t steady_test_await_output_at(struct steady_test *t, const char *port,
                                   unsigned i, size_t n, unsigned timeout_ms)
{
    return await_output(
        t, wired(t, port, i, STEADY_OUT, "steady_test_await_output_at"), n,
        timeout_ms);
}

static void *test_thread(void *arg)
{
    struct steady_test *t = arg;

    actor_slice_begin(t->actor);
    supervisor_run(t->actor);
    actor_slice_end(t->actor);
    return NULL;
}

void steady_test_set_restart(struct steady_test *t, unsigned max,
                             unsigned within_s, unsigned backoff_ms)
{
    t->actor->policy.max = max;
    t->actor->policy.within_s = within_s ? within_s : 1;
    t->actor->policy.backoff_ms = backoff_ms;
}

unsigned steady_test_restarts(const struct steady_test *t)
{
    return atomic_load_explicit(&t->actor->restarts, memory_order_relaxed);
}

int steady_test_start(struct steady_test *t)
{
    t->actor->error[0] = '\0'; /* a refused steady_test_set_param's */
    for (size_t i = 0; i < t->desc->n_params; i++) {
        const struct steady_param_desc *p = &t->desc->params[i];

        if (t->param_set[i])
            continue;
        if (param_parse(p->type, p->default_value, &t->params[i]) < 0) {
            snprintf(t->actor->error, sizeof(t->actor->error),
                     "param '%s' is required (no default)", p->name);
            return -1;
        }
        t->param_set[i] = true;
    }
    if (actor_init(t->actor) < 0)
        return -1;
    if (pthread_create(&t->thread, NULL, test_thread, t) != 0) {
        snprintf(t->actor->error, sizeof(t->actor->error),
                 "cannot start the actor's thread");
        return -1;
    }
    t->started = true;
    return 0;
}

int steady_test_wait(struct steady_test *t, unsigned timeout_ms)
{
    uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000u;

    if (!t->started)
        return -1;
    while (!t->joined) {
        uint32_t seen = waker_seq(&t->set.host);
        int st = atomic_load_explicit(&t->actor->status, memory_order_acquire);

        if (st >= ACTOR_EXITED) {
            pthread_join(t->thread, NULL);
            t->joined = true;
            t->rc = st == ACTOR_FAILED ? -1 : 0;
            break;
        }
        if (now_ns() >= deadline)
            return 1;
        waker_wait(&t->set.host, seen, deadline);
    }
    return t->rc;
}

int steady_test_run(struct steady_test *t, unsigned timeout_ms)
{
    int rc = steady_test_start(t);

    return rc < 0 ? rc : steady_test_wait(t, timeout_ms);
}

void steady_test_request_shutdown(struct steady_test *t)
{
    actor_set_request_shutdown(&t->set, false);
}

bool steady_test_shutdown_requested_by_actor(const struct steady_test *t)
{
    return atomic_load_explicit(&t->set.shutdown_by_actor,
                                memory_order_relaxed);
}

const char *steady_test_log(struct steady_test *t)
{
    free(t->log_copy);
    t->log_copy = test_log_copy(t->log);
    return t->log_copy ? t->log_copy : "";
}

bool steady_test_log_contains(struct steady_test *t, const char *text)
{
    return test_log_contains(t->log, text);
}

bool steady_test_await_log(struct steady_test *t, const char *text,
                           unsigned timeout_ms)
{
    return test_log_await(t->log, text, timeout_ms);
}

const char *steady_test_error(const struct steady_test *t)
{
    /* the status load orders the error after the actor's last write */
    if (t->started && !t->joined &&
        atomic_load_explicit(&t->actor->status, memory_order_acquire) <
            ACTOR_EXITED)
        return "";
    return t->actor->error;
}

void *steady_test_state(struct steady_test *t)
{
    return t->actor->state;
}

void steady_test_destroy(struct steady_test *t)
{
    if (!t)
        return;
    if (t->started && !t->joined) {
        steady_test_request_shutdown(t);
        /* inputs nobody closes would keep the actor's vote at "no" */
        for (size_t i = 0; i < t->desc->n_ports; i++)
            for (unsigned k = 0; k < t->ports[i].n; k++)
                if (t->desc->ports[i].dir == STEADY_IN)
                    steady_channel_close(t->ports[i].chs[k]);
        if (steady_test_wait(t, 10000) == 1) {
            fprintf(stderr,
                    "steady_test_destroy: actor '%s' did not stop "
                    "within 10 s of shutdown; aborting\n",
                    t->actor->name);
            abort();
        }
    }
    test_log_detach(t->log);
    actor_destroy(t->actor);
    for (size_t i = 0; i < t->desc->n_params; i++)
        if (t->param_set[i])
            param_value_free(t->desc->params[i].type, &t->params[i]);
    for (size_t i = 0; i < t->desc->n_ports; i++) {
        for (unsigned k = 0; k < t->ports[i].n; k++)
            steady_channel_destroy(t->ports[i].chs[k]);
        free(t->ports[i].chs);
    }
    free(t->params);
    free(t->param_set);
    free(t->ports);
    free(t->any_type);
    free(t->log_copy);
    plugin_registry_destroy(t->registry);
    free(t);
}

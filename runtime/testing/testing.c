/* testing.c - the test harness of <steady/testing.h>: one actor from a real
 * plugin .so, its ports wired to channels the test holds, run on a thread,
 * its log captured. Every wait is bounded.
 */
#include "actor_impl.h"
#include "channel_impl.h"
#include "loader.h"
#include "param.h"
#include "supervisor.h"

#include <stdio.h>
#include <stdlib.h>
#include <steady/testing.h>
#include <string.h>
#include <time.h>

struct steady_test {
    struct plugin_registry *registry;
    const struct steady_plugin *desc;
    uint32_t channel_layout; /* the plugin's; 1 takes plain channels only */
    struct actor_set set;
    struct steady_actor *actor;
    union param_value *params; /* one per desc param */
    bool *param_set;
    struct steady_channel **channels; /* one per port, NULL if unwired */
    struct waker waker;               /* the test's side of every channel */
    pthread_t thread;
    bool started;
    bool joined;
    int rc;
    char *log; /* under harness_lock */
    size_t log_len, log_cap;
    char *log_copy; /* returned by steady_test_log */
    struct steady_test *next_live;
};

/* Harnesses whose actors' log lines are being captured. */
static pthread_mutex_t harness_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t log_grew = PTHREAD_COND_INITIALIZER; /* harness_lock */
static struct steady_test *live;

static void capture(void *user, enum steady_log_level level,
                    const char *actor_name, const char *msg)
{
    (void)user;
    pthread_mutex_lock(&harness_lock);
    for (struct steady_test *t = live; t; t = t->next_live) {
        size_t need = strlen(msg) + 2;

        if (strcmp(t->actor->name, actor_name) != 0)
            continue;
        if (t->log_len + need > t->log_cap) {
            size_t cap = (t->log_cap + need) * 2;
            char *grown = realloc(t->log, cap);

            if (!grown)
                continue;
            t->log = grown;
            t->log_cap = cap;
        }
        memcpy(t->log + t->log_len, msg, need - 2);
        t->log_len += need - 2;
        t->log[t->log_len++] = '\n';
        t->log[t->log_len] = '\0';
    }
    pthread_cond_broadcast(&log_grew);
    pthread_mutex_unlock(&harness_lock);
    if (getenv("STEADY_TEST_VERBOSE"))
        fprintf(stderr, "%-5s [%s] %s\n", steady_log_level_name(level),
                actor_name, msg);
}

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
    t->desc = lp->desc;
    t->channel_layout = lp->channel_layout;
    np = t->desc->n_params ? t->desc->n_params : 1;
    t->params = calloc(np, sizeof(*t->params));
    t->param_set = calloc(np, sizeof(*t->param_set));
    t->channels =
        calloc(t->desc->n_ports ? t->desc->n_ports : 1, sizeof(*t->channels));
    if (!t->params || !t->param_set || !t->channels)
        goto err_free;
    actor_set_init(&t->set);
    waker_init(&t->waker);
    t->actor =
        actor_create(name ? name : t->desc->name, t->desc, t->params, &t->set);
    if (!t->actor)
        goto err_free;
    t->set.actors = &t->actor;
    t->set.n_actors = 1;

    steady_log_set_sink(capture, NULL);
    if (!steady_log_enabled(STEADY_LOG_DEBUG))
        steady_log_set_level(STEADY_LOG_DEBUG);
    pthread_mutex_lock(&harness_lock);
    t->next_live = live;
    live = t;
    pthread_mutex_unlock(&harness_lock);
    return t;

err_free:
    free(t->params);
    free(t->param_set);
    free(t->channels);
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

static bool is_varsize_port(const struct steady_port_desc *pd)
{
    return pd->elem_size == STEADY_VARSIZE &&
           strcmp(pd->type_name, STEADY_TYPE_ANY) != 0;
}

/* Wires port i to ch, whose other end the test holds. */
static void wire(struct steady_test *t, int i, struct steady_channel *ch)
{
    const struct steady_port_desc *pd = &t->desc->ports[i];

    t->channels[i] = ch;
    actor_bind_port(t->actor, (unsigned)i, ch);
    if (pd->dir == STEADY_IN)
        channel_bind_tx(ch, &t->waker);
    else
        channel_bind_rx(ch, &t->waker);
}

struct steady_channel *steady_test_connect(struct steady_test *t,
                                           const char *port, size_t capacity)
{
    int i = port_index(t, port, "steady_test_connect");
    const struct steady_port_desc *pd;
    struct steady_channel *ch;

    if (i < 0 || t->channels[i] || t->started)
        return NULL;
    pd = &t->desc->ports[i];
    if (is_varsize_port(pd)) {
        fprintf(stderr,
                "steady_test_connect: port '%s' carries variable-size "
                "messages; use steady_test_connect_varsize\n",
                port);
        return NULL;
    }
    ch = steady_channel_create(capacity, pd->elem_size, pd->type_name);
    if (!ch)
        return NULL;
    wire(t, i, ch);
    return ch;
}

struct steady_channel *steady_test_connect_varsize(struct steady_test *t,
                                                   const char *port,
                                                   size_t max_msgs,
                                                   size_t max_bytes)
{
    const char *who = "steady_test_connect_varsize";
    int i = port_index(t, port, who);
    const struct steady_port_desc *pd;
    struct steady_channel *ch;

    if (i < 0 || t->channels[i] || t->started)
        return NULL;
    pd = &t->desc->ports[i];
    if (!is_varsize_port(pd)) {
        fprintf(stderr,
                "%s: port '%s' carries '%s' items of %zu bytes; use "
                "steady_test_connect\n",
                who, port, pd->type_name, pd->elem_size);
        return NULL;
    }
    if (t->channel_layout < 2) {
        fprintf(stderr,
                "%s: plugin '%s' was built against channel layout %u, which "
                "does not know variable-size channels; rebuild it\n",
                who, t->desc->name, (unsigned)t->channel_layout);
        return NULL;
    }
    ch = steady_channel_create_varsize(max_msgs, max_bytes, pd->type_name);
    if (!ch) {
        fprintf(stderr,
                "%s: cannot make a channel of %zu messages and %zu "
                "bytes\n",
                who, max_msgs, max_bytes);
        return NULL;
    }
    wire(t, i, ch);
    return ch;
}

int steady_test_set_overflow(struct steady_test *t, const char *port,
                             enum steady_overflow policy)
{
    const char *who = "steady_test_set_overflow";
    int i = port_index(t, port, who);

    if (i < 0)
        return -1;
    if (!t->channels[i] || t->started) {
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
    if (steady_channel_set_overflow(t->channels[i], policy) < 0) {
        fprintf(stderr, "%s: policy %d refused\n", who, (int)policy);
        return -1;
    }
    return 0;
}

static struct steady_channel *wired(struct steady_test *t, const char *port,
                                    enum steady_port_dir dir, const char *who)
{
    int i = port_index(t, port, who);

    if (i < 0)
        return NULL;
    if (t->desc->ports[i].dir != dir || !t->channels[i]) {
        fprintf(stderr, "%s: port '%s' is not a connected %s\n", who, port,
                dir == STEADY_IN ? "input" : "output");
        return NULL;
    }
    return t->channels[i];
}

size_t steady_test_feed(struct steady_test *t, const char *port,
                        const void *items, size_t n)
{
    struct steady_channel *ch = wired(t, port, STEADY_IN, "steady_test_feed");

    return ch ? steady_channel_send_many(ch, items, n) : 0;
}

bool steady_test_feed_msg(struct steady_test *t, const char *port,
                          const void *msg, size_t len)
{
    struct steady_channel *ch =
        wired(t, port, STEADY_IN, "steady_test_feed_msg");

    return ch && steady_channel_send_msg(ch, msg, len);
}

bool steady_test_take_msg(struct steady_test *t, const char *port, void *buf,
                          size_t max, size_t *len)
{
    struct steady_channel *ch =
        wired(t, port, STEADY_OUT, "steady_test_take_msg");
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

void steady_test_close_input(struct steady_test *t, const char *port)
{
    struct steady_channel *ch =
        wired(t, port, STEADY_IN, "steady_test_close_input");

    if (ch)
        steady_channel_close(ch);
}

size_t steady_test_take(struct steady_test *t, const char *port, void *items,
                        size_t max)
{
    struct steady_channel *ch = wired(t, port, STEADY_OUT, "steady_test_take");

    return ch ? steady_channel_take_many(ch, items, max) : 0;
}

size_t steady_test_await_output(struct steady_test *t, const char *port,
                                size_t n, unsigned timeout_ms)
{
    struct steady_channel *ch =
        wired(t, port, STEADY_OUT, "steady_test_await_output");
    uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000u;

    if (!ch)
        return 0;
    for (;;) {
        uint32_t seen = waker_seq(&t->waker);

        if (channel_arm_avail(ch, n, &t->waker))
            wake_fence_heavy();
        if (channel_poll_avail(ch, n) != CHANNEL_UNMET ||
            now_ns() >= deadline) {
            channel_disarm_avail(ch);
            return channel_avail(ch);
        }
        waker_wait(&t->waker, seen, deadline);
    }
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
    pthread_mutex_lock(&harness_lock);
    free(t->log_copy);
    t->log_copy = strdup(t->log ? t->log : "");
    pthread_mutex_unlock(&harness_lock);
    return t->log_copy ? t->log_copy : "";
}

bool steady_test_log_contains(struct steady_test *t, const char *text)
{
    return strstr(steady_test_log(t), text) != NULL;
}

bool steady_test_await_log(struct steady_test *t, const char *text,
                           unsigned timeout_ms)
{
    struct timespec deadline;
    bool found;

    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&harness_lock);
    while (!(found = t->log && strstr(t->log, text)) &&
           pthread_cond_timedwait(&log_grew, &harness_lock, &deadline) == 0)
        ;
    if (!found)
        found = t->log && strstr(t->log, text);
    pthread_mutex_unlock(&harness_lock);
    return found;
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
        /* outputs nobody drains would keep the actor's vote at "no" */
        for (size_t i = 0; i < t->desc->n_ports; i++)
            if (t->channels[i] && t->desc->ports[i].dir == STEADY_IN)
                steady_channel_close(t->channels[i]);
        if (steady_test_wait(t, 10000) == 1) {
            fprintf(stderr,
                    "steady_test_destroy: actor '%s' did not stop "
                    "within 10 s of shutdown; aborting\n",
                    t->actor->name);
            abort();
        }
    }
    bool last;

    pthread_mutex_lock(&harness_lock);
    for (struct steady_test **p = &live; *p; p = &(*p)->next_live)
        if (*p == t) {
            *p = t->next_live;
            break;
        }
    last = live == NULL;
    pthread_mutex_unlock(&harness_lock);
    /* outside harness_lock: the sink runs under the log lock and takes
     * harness_lock, so the order is always log lock first */
    if (last)
        steady_log_set_sink(NULL, NULL);
    actor_destroy(t->actor);
    for (size_t i = 0; i < t->desc->n_params; i++)
        if (t->param_set[i])
            param_value_free(t->desc->params[i].type, &t->params[i]);
    for (size_t i = 0; i < t->desc->n_ports; i++)
        steady_channel_destroy(t->channels[i]);
    free(t->params);
    free(t->param_set);
    free(t->channels);
    free(t->log);
    free(t->log_copy);
    plugin_registry_destroy(t->registry);
    free(t);
}

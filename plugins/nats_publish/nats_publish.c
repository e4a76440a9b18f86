/* nats_publish.c - publishes each item of its input (any type) on a NATS
 * subject, through JetStream with acknowledgement when asked. Also the
 * producer half of a channel carried between nodes.
 *
 * JetStream: a window of messages is in flight at once (asynchronous
 * publishes, bounded by `window` and the stream's max_msgs, so in flight is
 * bounded by the stream, not by memory). Order is kept through failures:
 * every message but the first of a round says which message must be the
 * stream's last before it (Nats-Expected-Last-Msg-Id), so once one fails
 * (the stream is full, the server went away) every later one fails too,
 * and the window is sent again from the first failure after a back-off
 * (which starts afresh once the stream takes one again). A full stream
 * also halves how many may be in flight, which then grows by one per
 * window acknowledged: under backpressure the refused rounds stay small.
 * Items stay in the input channel until NATS acknowledged them (fixed-size
 * items, and variable-size ones when snapshots are on, one at a time), so
 * a snapshot never loses one; message ids from the persistent count of
 * acknowledged messages let the server drop a replay after a kill -9. */
#include "nats_link.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { IN };

/* A wait for any of input, client and timer does not end when the input
 * closes (a settled condition among others that may still be met), so such
 * a wait also ends after this long to look again: a few wake-ups a second
 * while idle. */
#define INPUT_RECHECK_MS 250

struct pub_state {
    /* messages acknowledged, the end-of-stream marker not included: the
     * n-th message of the stream's data has id n, whatever markers came
     * before it, so a replay after a kill -9 lines up with what was
     * stored even when the replay ends sooner (a shutdown) */
    uint64_t published;
};

enum entry_state { E_NEW, E_FLIGHT, E_ACKED, E_FAILED };

struct entry {
    char *data;
    size_t len, cap;
    enum entry_state st;
    bool taken; /* already taken from the input (varsize, snapshots off) */
    bool eos;   /* the end-of-stream marker */
};

struct result {
    uint64_t seq;
    bool ok;
    natsStatus status;
    jsErrCode code;
    char text[96];
};

struct pub {
    struct nats_link l;
    const char *type;
    size_t size;
    bool varsize, msg_id, hold; /* hold: items stay in the input until acked */
    int64_t ack_wait_ms;
    char nonce[24];
    /* the window: a ring of wcap entries, wn of them used from whead */
    struct entry *win;
    size_t wcap, whead, wn, wsent; /* wsent: entries sent this round */
    size_t inflight;               /* published, result not yet seen */
    /* most in flight now (at most wcap): halved when the stream refuses a
     * round as full, one more per `open` acknowledged (acks counts them) */
    size_t open, acks;
    bool round_failed;
    uint64_t backoff_ms, retry_at_ms;
    bool said_full, said_error;
    /* this round's failures: a full stream; another cause than a full
     * stream or a predecessor refused before */
    bool round_full, round_other;
    bool eos_done;
    /* results from libnats's thread */
    pthread_mutex_t lock;
    struct result *res;
    size_t nres, rescap;
};

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct entry *at(struct pub *p, size_t j)
{
    return &p->win[(p->whead + j) % p->wcap];
}

/* The message id of the window's entry j (a message of a run without
 * msg_id, or whose state does not outlive the process, gets a per-run
 * nonce, so that ids still order but never match an earlier run's). The
 * end-of-stream marker after n messages has id
 * "...-<n+1>-eos": never a data message's id, so that a marker sent after
 * a replay cut short (the earlier run had stored more) is not taken for
 * a duplicate of data, and the data after it keeps its ids. */
static void msg_id(struct steady_actor *a, struct pub *p, size_t j, char *buf,
                   size_t len)
{
    struct pub_state *s = steady_state(a);
    uint64_t seq = s->published + j + 1;
    const char *eos = at(p, j)->eos ? "-eos" : "";

    if (p->msg_id)
        snprintf(buf, len, "%s-%" PRIu64 "%s", p->l.subject, seq, eos);
    else
        snprintf(buf, len, "%s-%s-%" PRIu64 "%s", p->l.subject, p->nonce, seq,
                 eos);
}

/* The window position of an id msg_id made: its last number. */
static uint64_t seq_of_id(const char *id)
{
    const char *end, *d;

    if (!id)
        return 0;
    end = id + strlen(id);
    if (end - id > 4 && strcmp(end - 4, "-eos") == 0)
        end -= 4;
    for (d = end; d > id && d[-1] >= '0' && d[-1] <= '9';)
        d--;
    return d < end ? strtoull(d, NULL, 10) : 0;
}

/* libnats's thread: one call per asynchronous publish. */
static void on_ack(jsCtx *js, natsMsg *m, jsPubAck *pa, jsPubAckErr *pae,
                   void *closure)
{
    struct pub *p = closure;
    const char *id = NULL;
    struct result r = { .ok = pa != NULL && pae == NULL };
    bool first;

    (void)js;
    natsMsgHeader_Get(m, "Nats-Msg-Id", &id);
    r.seq = seq_of_id(id);
    if (pae) {
        r.status = pae->Err;
        r.code = pae->ErrCode;
        snprintf(r.text, sizeof(r.text), "%s",
                 pae->ErrText ? pae->ErrText : natsStatus_GetText(pae->Err));
    }
    natsMsg_Destroy(m);
    pthread_mutex_lock(&p->lock);
    /* the actor takes every result each time it looks (collect, after
     * emptying the eventfd): only the first result since owes it a
     * wake-up, not each one (a syscall per message) */
    first = p->nres == 0;
    if (p->nres < p->rescap)
        p->res[p->nres++] = r;
    pthread_mutex_unlock(&p->lock);
    if (first)
        nats_link_kick(&p->l);
}

static bool stream_full(const struct result *r)
{
    return strstr(r->text, "maximum messages") ||
           strstr(r->text, "maximum bytes");
}

/* Takes the acknowledged entries at the head of the window. */
static void advance(struct steady_actor *a, struct pub *p)
{
    struct pub_state *s = steady_state(a);
    size_t n = 0;

    while (p->wn && at(p, 0)->st == E_ACKED) {
        struct entry *e = at(p, 0);

        if (e->eos)
            p->eos_done = true; /* the last: published stays */
        else if (!e->taken && !p->varsize)
            n++;
        else if (!e->taken)
            steady_take_msg(a, IN);
        if (!e->eos)
            s->published++;
        p->whead = (p->whead + 1) % p->wcap;
        p->wn--;
        p->wsent--;
    }
    if (n)
        steady_channel_commit_take(steady_port(a, IN), n);
}

/* Applies the results libnats delivered since the last look. */
static void collect(struct steady_actor *a, struct pub *p)
{
    struct pub_state *s = steady_state(a);
    struct result batch[64];
    size_t n;

    do {
        pthread_mutex_lock(&p->lock);
        n = p->nres < 64 ? p->nres : 64;
        memcpy(batch, p->res, n * sizeof(*batch));
        memmove(p->res, p->res + n, (p->nres - n) * sizeof(*batch));
        p->nres -= n;
        pthread_mutex_unlock(&p->lock);
        for (size_t i = 0; i < n; i++) {
            struct result *r = &batch[i];
            size_t j = (size_t)(r->seq - s->published - 1);

            if (r->seq <= s->published || j >= p->wn)
                continue; /* not ours (cannot happen: one per publish) */
            p->inflight--;
            if (r->ok) {
                at(p, j)->st = E_ACKED;
                /* the stream took one: it has room again, so the next
                 * refusal backs off from the start (not from where the
                 * last episode left it, up to 200 ms each time) */
                if (!p->round_failed)
                    p->backoff_ms = 0;
                if (++p->acks >= p->open) {
                    p->acks = 0;
                    if (p->open < p->wcap)
                        p->open++;
                }
                continue;
            }
            at(p, j)->st = E_FAILED;
            if (!p->round_failed && stream_full(r)) {
                /* every message in flight behind this one is refused
                 * too, and sent again: fewer next time */
                p->open = p->open > 1 ? p->open / 2 : 1;
                p->acks = 0;
            }
            if (!p->round_failed && stream_full(r) && !p->said_full) {
                steady_info(a,
                            "stream '%s' is full: waiting for its "
                            "consumer (backpressure)",
                            p->l.stream);
                p->said_full = true;
            } else if (!p->round_failed && !stream_full(r) &&
                       r->code != JSStreamWrongLastMsgIDErr && !p->said_error) {
                steady_warn(a, "publish on '%s' failed (%s): retrying",
                            p->l.subject, r->text);
                p->said_error = true;
            }
            /* a round refused by a full stream (and the messages after it
             * then refused for their expected predecessor) is
             * backpressure, not a loss: telemetry counts it apart */
            if (!p->round_failed)
                p->round_full = p->round_other = false;
            if (stream_full(r))
                p->round_full = true;
            else if (r->code != JSStreamWrongLastMsgIDErr)
                p->round_other = true;
            p->round_failed = true;
        }
    } while (n == 64);
    advance(a, p);
    if (p->round_failed && p->inflight == 0) {
        /* every message after the first failure failed too (or timed out,
         * then the resend is a duplicate the server drops): send them all
         * again, in order, after a back-off */
        uint64_t again = 0;

        for (size_t j = 0; j < p->wn; j++)
            if (at(p, j)->st != E_ACKED) {
                again += at(p, j)->st != E_NEW;
                at(p, j)->st = E_NEW;
            }
        steady_count_add(
            a, p->round_full && !p->round_other ? "refused_full" : "resent",
            again);
        p->wsent = 0;
        while (p->wsent < p->wn && at(p, p->wsent)->st == E_ACKED)
            p->wsent++;
        p->round_failed = false;
        p->backoff_ms = p->backoff_ms ? p->backoff_ms * 2 : 2;
        if (p->backoff_ms > 200)
            p->backoff_ms = 200;
        p->retry_at_ms = now_ms() + p->backoff_ms;
    }
}

static int copy_into(struct entry *e, const void *data, size_t len)
{
    if (len > e->cap) {
        char *d = realloc(e->data, len);

        if (!d)
            return -1;
        e->data = d;
        e->cap = len;
    }
    if (len)
        memcpy(e->data, data, len);
    e->len = len;
    return 0;
}

/* Moves items from the input into the window. */
static int fill(struct steady_actor *a, struct pub *p)
{
    struct steady_channel *in = steady_port(a, IN);

    if (!p->varsize) {
        struct steady_span sp[2];
        size_t got = steady_channel_borrow_read(in, sp, p->wcap);

        for (size_t k = p->wn; k < got; k++) {
            const char *item =
                k < sp[0].n ? (const char *)sp[0].ptr + k * p->size
                            : (const char *)sp[1].ptr + (k - sp[0].n) * p->size;
            struct entry *e = at(p, p->wn);

            if (copy_into(e, item, p->size) < 0)
                return steady_fail(a, "out of memory for the window");
            e->st = E_NEW;
            e->taken = e->eos = false;
            p->wn++;
        }
        return 0;
    }
    while (p->wn < (p->hold ? 1 : p->wcap)) {
        size_t len;
        const void *m = steady_peek_msg(a, IN, &len);
        struct entry *e;

        if (!m)
            break;
        e = at(p, p->wn);
        if (copy_into(e, m, len) < 0)
            return steady_fail(a, "out of memory for a %zu-byte message", len);
        e->st = E_NEW;
        e->eos = false;
        e->taken = !p->hold;
        if (e->taken)
            steady_take_msg(a, IN);
        p->wn++;
    }
    return 0;
}

static natsMsg *make_msg(struct pub *p, const struct entry *e)
{
    natsMsg *m = NULL;

    if (natsMsg_Create(&m, p->l.subject, NULL, e->data, (int)e->len) != NATS_OK)
        return NULL;
    if (nats_link_set_type(m, p->type, p->size) < 0 ||
        (e->eos && natsMsgHeader_Set(m, NATS_LINK_HDR_EOS, "1") != NATS_OK)) {
        natsMsg_Destroy(m);
        return NULL;
    }
    return m;
}

/* Publishes the window's unsent entries, in order. */
static void send_new(struct steady_actor *a, struct pub *p)
{
    char id[256], prev[256];

    if (p->retry_at_ms && now_ms() < p->retry_at_ms)
        return;
    p->retry_at_ms = 0;
    while (p->wsent < p->wn && !p->round_failed && p->inflight < p->open) {
        struct entry *e = at(p, p->wsent);
        jsPubOptions o;
        natsMsg *m = make_msg(p, e);
        natsStatus st;

        if (!m) {
            steady_warn(a, "out of memory for a NATS message");
            p->retry_at_ms = now_ms() + 100;
            return;
        }
        jsPubOptions_Init(&o);
        msg_id(a, p, p->wsent, id, sizeof(id));
        o.MsgId = id;
        o.MaxWait = p->ack_wait_ms;
        /* the first of a round expects nothing: nothing of ours is in
         * flight before it */
        if (p->inflight > 0) {
            msg_id(a, p, p->wsent - 1, prev, sizeof(prev));
            o.ExpectLastMsgId = prev;
        }
        if (p->l.stream[0])
            o.ExpectStream = p->l.stream;
        st = js_PublishMsgAsync(p->l.js, &m, &o);
        natsMsg_Destroy(m); /* NULL when the library took it */
        if (st != NATS_OK) {
            /* not sent at all (say the reconnect buffer is full): retry
             * from here once the ones in flight are settled */
            p->round_failed = true;
            if (p->inflight == 0)
                collect(a, p);
            return;
        }
        e->st = E_FLIGHT;
        p->inflight++;
        p->wsent++;
    }
}

static bool input_done(struct steady_actor *a)
{
    return steady_is_closed_and_empty(a, IN);
}

static bool vote(struct steady_actor *a, char *why, size_t len)
{
    struct pub *p = steady_ctx(a);

    if (!input_done(a)) {
        snprintf(why, len, "input not drained");
        return false;
    }
    if (p->wn || (p->l.eos && !p->eos_done)) {
        snprintf(why, len, "%zu message(s) not yet acknowledged by NATS at %s",
                 p->wn, p->l.url);
        return false;
    }
    return true;
}

/* Creates the stream when asked and missing; learns its max_msgs. */
static int ensure_stream(struct steady_actor *a, struct pub *p)
{
    int64_t max = 0;

    if (nats_link_stream(a, &p->l, &max) < 0)
        return -1;
    if (max > 0 && (size_t)max < p->wcap)
        p->wcap = (size_t)max;
    return 0;
}

static void destroy(struct steady_actor *a)
{
    struct pub *p = steady_ctx(a);

    if (!p)
        return;
    if (p->l.js) {
        /* no acknowledgement callback may run once we are gone: wait for
         * the ones due, then take over those that will never come */
        jsPubOptions o;
        natsMsgList pending = { 0 };

        jsPubOptions_Init(&o);
        o.MaxWait = 1000;
        if (js_PublishAsyncComplete(p->l.js, &o) != NATS_OK &&
            js_PublishAsyncGetPendingList(&pending, p->l.js) == NATS_OK)
            natsMsgList_Destroy(&pending);
    }
    nats_link_finish(a, &p->l);
    nats_link_close(&p->l, 2000);
    for (size_t i = 0; p->win && i < p->wcap; i++)
        free(p->win[i].data);
    free(p->win);
    free(p->res);
    pthread_mutex_destroy(&p->lock);
    free(p);
    steady_set_ctx(a, NULL);
}

static int init(struct steady_actor *a)
{
    struct pub *p = calloc(1, sizeof(*p));
    jsOptions jo;
    struct timespec ts;

    if (!p)
        return steady_fail(a, "out of memory");
    pthread_mutex_init(&p->lock, NULL);
    steady_set_ctx(a, p);
    p->type = steady_port_type(a, IN);
    p->size = steady_port_elem_size(a, IN);
    p->varsize = p->size == STEADY_VARSIZE;
    if (strcmp(p->type, STEADY_TYPE_ANY) == 0)
        return steady_fail(a, "input 'in' has no type: wire it to a channel");
    /* ids from the count in the state only when the state outlives the
     * process: a new process counting from 0 again would send ids the
     * server still remembers, and it would drop every message as a
     * duplicate (within its duplicate window) */
    p->msg_id = steady_param_bool(a, "msg_id") && steady_state_persists(a);
    if (steady_param_bool(a, "msg_id") && !p->msg_id)
        steady_debug(a, "no state_dir: message ids carry this run's nonce, "
                        "so a replay after a kill is not de-duplicated");
    p->ack_wait_ms = steady_param_int(a, "ack_wait_ms");
    p->wcap = (size_t)steady_param_int(a, "window");
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(p->nonce, sizeof(p->nonce), "%lx%lx", (long)ts.tv_sec,
             (long)ts.tv_nsec);
    jsOptions_Init(&jo);
    /* never stall in a publish: our window stays below this */
    jo.PublishAsync.MaxPending = 1 << 20;
    jo.PublishAsync.AckHandler = on_ack;
    jo.PublishAsync.AckHandlerClosure = p;
    jo.Wait = 5000;
    if (nats_link_open(a, &p->l, &jo) < 0)
        goto err;
    if (p->l.jetstream && ensure_stream(a, p) < 0)
        goto err;
    /* fixed-size items in flight stay in the input: no more than it holds */
    if (!p->varsize && steady_port(a, IN) &&
        steady_channel_capacity(steady_port(a, IN)) < p->wcap)
        p->wcap = steady_channel_capacity(steady_port(a, IN));
    p->open = p->wcap;
    p->win = calloc(p->wcap, sizeof(*p->win));
    p->rescap = p->wcap * 2;
    p->res = calloc(p->rescap, sizeof(*p->res));
    if (!p->win || !p->res) {
        steady_fail(a, "out of memory for a window of %zu", p->wcap);
        goto err;
    }
    return 0;
err:
    destroy(a);
    return -1;
}

/* Core NATS: publish and take, one item at a time (no acknowledgement:
 * what the server has not passed on when it goes away is lost). */
static int run_core(struct steady_actor *a, struct pub *p)
{
    struct pub_state *s = steady_state(a);
    bool eos_sent = false;

    while (steady_running(a) || !eos_sent) {
        size_t len;
        const void *m;
        struct entry e = { 0 };
        natsMsg *msg;

        nats_link_drain(&p->l);
        nats_link_service(a, &p->l);
        if (input_done(a)) {
            if (!eos_sent && p->l.eos) {
                e.eos = true;
                msg = make_msg(p, &e);
                if (!msg || natsConnection_PublishMsg(p->l.nc, msg) != NATS_OK)
                    steady_warn(a, "end-of-stream marker not sent");
                natsMsg_Destroy(msg);
                natsConnection_FlushTimeout(p->l.nc, 2000);
            }
            eos_sent = true;
            continue;
        }
        /* the timeout notices the input's end: a closed input settles
         * its condition, which does not end a wait for any of several */
        if (!steady_await_any(a, steady_avail(a, IN, 1),
                              steady_readable(a, p->l.efd),
                              steady_timeout(a, INPUT_RECHECK_MS)))
            continue;
        m = steady_peek_msg(a, IN, &len);
        if (!m)
            continue;
        e.data = (char *)m;
        e.len = len;
        msg = make_msg(p, &e);
        if (msg && natsConnection_PublishMsg(p->l.nc, msg) == NATS_OK) {
            steady_take_msg(a, IN);
            s->published++;
        } else {
            /* the reconnect buffer is full: the server is away */
            natsMsg_Destroy(msg);
            steady_await_any(a, steady_readable(a, p->l.efd),
                             steady_timeout(a, 100));
            continue;
        }
        natsMsg_Destroy(msg);
    }
    natsConnection_FlushTimeout(p->l.nc, 2000);
    return 0;
}

static int run_js(struct steady_actor *a, struct pub *p)
{
    steady_set_vote(a, vote);
    /* shown from the start */
    steady_count_add(a, "resent", 0);
    steady_count_add(a, "refused_full", 0);
    while (steady_running(a)) {
        bool room;
        uint64_t wait_ms = 0;

        nats_link_drain(&p->l);
        nats_link_service(a, &p->l);
        collect(a, p);
        if (fill(a, p) < 0)
            return -1;
        /* telemetry: taken from the input and not yet stored by JetStream */
        steady_figure_set(a, "unacked", (double)p->wn);
        if (p->l.eos && !p->eos_done && input_done(a) && p->wn < p->wcap &&
            (p->wn == 0 || !at(p, p->wn - 1)->eos)) {
            struct entry *e = at(p, p->wn);

            e->len = 0;
            e->st = E_NEW;
            e->eos = true;
            e->taken = true;
            p->wn++;
        }
        send_new(a, p);
        if (p->wsent == p->wn && !p->inflight && !p->round_failed &&
            (p->backoff_ms || p->said_full || p->said_error)) {
            /* everything went through: the episode is over (a new one
             * is said again) */
            p->backoff_ms = 0;
            p->said_full = p->said_error = false;
        }
        if (input_done(a) && p->wn == 0 && (!p->l.eos || p->eos_done))
            continue; /* all done: steady_running ends the actor */
        room = p->wn < (p->varsize && p->hold ? 1 : p->wcap);
        if (p->retry_at_ms) {
            uint64_t now = now_ms();

            wait_ms = p->retry_at_ms > now ? p->retry_at_ms - now : 0;
        }
        if (wait_ms)
            steady_await_any(a, steady_readable(a, p->l.efd),
                             steady_timeout(a, wait_ms));
        else if (room && !input_done(a))
            steady_await_any(a, steady_readable(a, p->l.efd),
                             steady_avail(a, IN, p->varsize ? 1 : p->wn + 1),
                             steady_timeout(a, INPUT_RECHECK_MS));
        else
            steady_await_any(a, steady_readable(a, p->l.efd));
        if (steady_shutdown_requested(a) &&
            (p->wn || (p->l.eos && !p->eos_done)))
            /* in shutdown the waits above are cut short: draining the
             * window must not spin */
            nats_link_nap(&p->l, wait_ms ? (int)wait_ms : 20);
    }
    return 0;
}

static int run(struct steady_actor *a)
{
    struct pub *p = steady_ctx(a);
    struct pub_state *s = steady_state(a);
    int rc;

    /* with snapshots on, a variable-size message stays in the input until
     * acknowledged (so one at a time); fixed-size items always do */
    p->hold = !p->varsize || steady_snapshot_next(a) != 0;
    rc = p->l.jetstream ? run_js(a, p) : run_core(a, p);
    steady_info(a, "published %" PRIu64 " messages on '%s'", s->published,
                p->l.subject);
    nats_link_run_over(a, &p->l);
    return rc;
}

static const struct steady_port_desc ports[] = {
    [IN] = { "in", STEADY_IN, STEADY_TYPE_ANY, 0, true },
};

static const struct steady_port_info port_info[] = {
    [IN] = { .doc = "items of any type, each published as one message "
                    "(headers Steady-Type and Steady-Size name the type)" },
};

static const struct steady_param_desc params[] = {
    NATS_LINK_PARAMS,
    NATS_LINK_STREAM_PARAMS,
    { "msg_id", STEADY_PARAM_BOOL, "true",
      "message ids '<subject>-<n>' from the persistent count, so a replay "
      "is dropped (without a state_dir each run's ids carry a nonce)" },
    { "window", STEADY_PARAM_INT, "256",
      "JetStream: most messages in flight (at most the stream's max_msgs)" },
    { "ack_wait_ms", STEADY_PARAM_INT, "5000",
      "JetStream: wait this long for an acknowledgement, then resend" },
};

static const struct steady_param_limits limits[] = {
    NATS_LINK_LIMITS,
    NATS_LINK_STREAM_LIMITS,
    { 0 },
    { .min = "1", .max = "65536" },
    { .min = "100", .max = "600000" },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "nats_publish",
    .version = "1.0",
    .summary = "publishes items (any type) on a NATS subject, JetStream "
               "optional",
    .ports = STEADY_PORTS(ports),
    .params = STEADY_PARAMS(params),
    .state_size = sizeof(struct pub_state),
    .init = init,
    .run = run,
    .destroy = destroy,
    .port_info = port_info,
    .param_limits = limits,
};

STEADY_PLUGIN_DEFINE(desc)

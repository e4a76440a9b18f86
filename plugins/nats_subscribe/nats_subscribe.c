/* nats_subscribe.c - sends each message of a NATS subject (core NATS, or a
 * durable JetStream pull consumer) into its output, any type. Also the
 * consumer half of a channel carried between nodes.
 *
 * A client thread fetches, never more than the output has room for, and
 * hands the messages over through a queue and an eventfd; the actor never
 * waits in libnats. JetStream: the persistent state keeps the stream
 * sequence of the last message sent into the output; a redelivery at or
 * below it is dropped. A message is acknowledged only once a snapshot
 * covers its send (steady_snapshot_next/done); with snapshots off, once it
 * is in the output. The durable consumer is made afresh at start and after
 * each reconnection, so that what was delivered but not acknowledged comes
 * again first, in stream order. */
#include "nats_link.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { OUT };

struct sub_state {
    uint64_t last_sent; /* stream sequence of the last message sent out */
    uint64_t received;  /* messages sent into the output */
};

struct held {
    uint64_t snap; /* acknowledge once this snapshot is done */
    natsMsg *m;
};

struct sub {
    struct nats_link l;
    const char *type;
    size_t size;
    bool varsize, snapshots;
    char durable[128];
    char stream[128]; /* the stream the consumer reads */
    int64_t ack_wait_ms;
    int max_pending;
    natsSubscription *sub;
    /* subscriptions replaced while the connection could not confirm that
     * its reader was done with them: destroyed once it is closed */
    natsSubscription **retired;
    size_t nretired;
    pthread_t thread;
    bool thread_started;
    /* shared with the client thread, under lock */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    size_t want; /* messages the actor has room for; 0: none asked */
    bool stop, reset;
    natsMsg **q; /* fetched, in order, from qhead */
    size_t qhead, qn, qcap;
    char err[640]; /* the thread's fatal error, "" if none */
    /* the actor's */
    struct held *held;
    size_t hhead, hn, hcap;
    uint64_t covered; /* sequences up to this one are safely acknowledged */
    bool ended;
};

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

/* Lets go of the current subscription. libnats 3.4.1's reader looks a
 * subscription up without holding a reference and locks it afterwards, so
 * one destroyed while a message for it is being read is used after it was
 * freed. Unsubscribing takes it out of the reader's table; a flush (the
 * server's answer comes after every message sent before it) then shows
 * that the reader is past it. Without that answer (the server is away) it
 * is kept until the connection has closed. Client thread. */
static void retire_sub(struct sub *p)
{
    natsSubscription **r;

    if (!p->sub)
        return;
    natsSubscription_Unsubscribe(p->sub);
    if (natsConnection_FlushTimeout(p->l.nc, 2000) == NATS_OK) {
        natsSubscription_Destroy(p->sub);
    } else if ((r = realloc(p->retired, (p->nretired + 1) * sizeof(*r)))) {
        p->retired = r;
        p->retired[p->nretired++] = p->sub;
    }
    /* else out of memory: leaked rather than freed under the reader */
    p->sub = NULL;
}

/* Makes the durable pull consumer anew (deleting the old one), so that
 * delivery restarts at the stream's first unacknowledged message. Client
 * thread, or init. 0, or -1 with err set. */
static int make_consumer(struct sub *p, char *err, size_t len)
{
    jsSubOptions so;
    jsErrCode jerr = 0;
    natsStatus s;

    retire_sub(p);
    jsSubOptions_Init(&so);
    so.Stream = p->stream;
    so.Config.Durable = p->durable;
    so.Config.AckPolicy = js_AckExplicit;
    so.Config.AckWait = p->ack_wait_ms * 1000000;
    so.Config.MaxAckPending = p->max_pending;
    so.Config.DeliverPolicy = js_DeliverAll;
    js_DeleteConsumer(p->l.js, p->stream, p->durable, NULL, &jerr);
    s = js_PullSubscribe(&p->sub, p->l.js, p->l.subject, p->durable, NULL, &so,
                         &jerr);
    if (s == NATS_OK)
        return 0;
    snprintf(err, len, "consumer '%s' on '%s' (stream '%s') at %s: %s",
             p->durable, p->l.subject, p->stream, p->l.url,
             nats_GetLastError(NULL));
    p->sub = NULL;
    return -1;
}

/* Fetches at most n messages into list, waiting at most 100 ms for them.
 * Client thread. */
static natsStatus fetch(struct sub *p, natsMsgList *list, int n)
{
    jsFetchRequest r;
    natsStatus s;
    int pending = 0;

    if (!p->l.jetstream) {
        natsMsg *m = NULL;

        list->Msgs = calloc((size_t)n, sizeof(natsMsg *));
        list->Count = 0;
        if (!list->Msgs)
            return NATS_NO_MEMORY;
        s = natsSubscription_NextMsg(&m, p->sub, 250);
        while (s == NATS_OK) {
            list->Msgs[list->Count++] = m;
            if (list->Count == n)
                break;
            s = natsSubscription_NextMsg(&m, p->sub, 1);
        }
        return list->Count ? NATS_OK : s;
    }
    /* one kind of request only: libnats 3.4.1 miscounts (and overruns
     * its list) when a no-wait fetch meets messages an earlier, expired
     * long poll delivered late */
    (void)r;
    /* Even so, a fetch that starts with c such messages already here
     * asks the server for n - c more but then waits for n - c in all:
     * with c > n - c it collects past its list of n (heap overflow; fixed
     * in libnats 3.10, nats.c commit 8099b5c). Ask for at least twice
     * what is here (and two that may land meanwhile): no more arrive
     * than the consumer's max_ack_pending, which the queue holds. */
    if (natsSubscription_GetPending(p->sub, &pending, NULL) == NATS_OK &&
        pending > 0 && n < 2 * pending + 2)
        n = 2 * pending + 2;
    return natsSubscription_Fetch(list, p->sub, n, 100, NULL);
}

static void *client_thread(void *arg)
{
    struct sub *p = arg;

    pthread_mutex_lock(&p->lock);
    while (!p->stop) {
        natsMsgList list = { 0 };
        natsStatus s;
        int n;

        if (p->reset) {
            char err[640];

            pthread_mutex_unlock(&p->lock);
            if (make_consumer(p, err, sizeof(err)) < 0) {
                /* the server may be on its way back: try again */
                sleep_ms(250);
                pthread_mutex_lock(&p->lock);
                continue;
            }
            pthread_mutex_lock(&p->lock);
            p->reset = false;
            continue;
        }
        if (p->want == 0 || p->qn > 0 || !p->sub) {
            pthread_cond_wait(&p->cond, &p->lock);
            continue;
        }
        n = (int)p->want;
        pthread_mutex_unlock(&p->lock);
        s = fetch(p, &list, n);
        if (s != NATS_OK) {
            natsMsgList_Destroy(&list);
            list.Msgs = NULL;
            list.Count = 0;
        }
        pthread_mutex_lock(&p->lock);
        if (p->reset) {
            /* fetched from the consumer about to be replaced, whose
             * subscription these messages point into: the new consumer
             * delivers them again */
            pthread_mutex_unlock(&p->lock);
            natsMsgList_Destroy(&list);
            pthread_mutex_lock(&p->lock);
        } else if (s == NATS_OK && list.Count > 0) {
            for (int i = 0; i < list.Count; i++) {
                if (p->qn == p->qcap)
                    break; /* cannot happen: qcap >= want */
                p->q[(p->qhead + p->qn++) % p->qcap] = list.Msgs[i];
                list.Msgs[i] = NULL;
            }
            p->want = 0;
            pthread_mutex_unlock(&p->lock);
            natsMsgList_Destroy(&list);
            nats_link_kick(&p->l);
            pthread_mutex_lock(&p->lock);
        } else if (s != NATS_TIMEOUT && s != NATS_NOT_FOUND && s != NATS_OK) {
            /* the connection is away or the consumer went with a server
             * that lost its store: wait a little and try again */
            pthread_mutex_unlock(&p->lock);
            natsMsgList_Destroy(&list);
            sleep_ms(100);
            pthread_mutex_lock(&p->lock);
        } else {
            pthread_mutex_unlock(&p->lock);
            natsMsgList_Destroy(&list);
            pthread_mutex_lock(&p->lock);
        }
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

static void ack_now(struct sub *p, natsMsg *m)
{
    if (p->l.jetstream)
        natsMsg_Ack(m, NULL);
    natsMsg_Destroy(m);
}

/* Acknowledges m now or once the snapshot that covers its send is done.
 * `old`: a redelivery of a message sent before. */
static int ack_later(struct steady_actor *a, struct sub *p, natsMsg *m,
                     uint64_t seq, bool old)
{
    uint64_t snap = p->snapshots ? steady_snapshot_next(a) : 0;

    if (!p->l.jetstream || snap == 0 || (old && seq <= p->covered)) {
        ack_now(p, m);
        return 0;
    }
    if (p->hn == p->hcap) {
        size_t cap = p->hcap ? p->hcap * 2 : 64;
        struct held *h = malloc(cap * sizeof(*h));

        if (!h) {
            natsMsg_Destroy(m); /* redelivered later, dropped then */
            return steady_fail(a, "out of memory for held acknowledgements");
        }
        for (size_t i = 0; i < p->hn; i++)
            h[i] = p->held[(p->hhead + i) % p->hcap];
        free(p->held);
        p->held = h;
        p->hhead = 0;
        p->hcap = cap;
    }
    p->held[(p->hhead + p->hn++) % p->hcap] = (struct held){ snap, m };
    return 0;
}

/* After a reconnection: lets go of every message of the current consumer
 * (they point into its subscription, which the client thread destroys
 * when it makes the consumer anew) and asks for the new one. Nothing is
 * lost: the new consumer delivers from the stream's first unacknowledged
 * message, so what was queued comes again, and what was sent but held for
 * a snapshot comes again as a redelivery, acknowledged then. Actor thread;
 * the client thread queues nothing more until it has made the consumer. */
static void restart_delivery(struct steady_actor *a, struct sub *p)
{
    pthread_mutex_lock(&p->lock);
    while (p->qn) {
        natsMsg_Destroy(p->q[p->qhead]);
        p->qhead = (p->qhead + 1) % p->qcap;
        p->qn--;
    }
    p->want = 0;
    p->reset = true;
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->lock);
    while (p->hn) {
        natsMsg_Destroy(p->held[p->hhead].m);
        p->hhead = (p->hhead + 1) % p->hcap;
        p->hn--;
    }
    steady_figure_set(a, "ack_pending", 0);
}

/* Acknowledges what the snapshots done so far cover. */
static void ack_covered(struct steady_actor *a, struct sub *p)
{
    uint64_t done = p->snapshots ? steady_snapshot_done(a) : 0;

    while (p->hn && p->held[p->hhead].snap <= done) {
        ack_now(p, p->held[p->hhead].m);
        p->hhead = (p->hhead + 1) % p->hcap;
        p->hn--;
    }
    /* telemetry: delivered, waiting for a snapshot to acknowledge */
    if (p->l.jetstream)
        steady_figure_set(a, "ack_pending", (double)p->hn);
}

/* Checks the type headers against the output; -1 (failed) on a mismatch. */
static int check_type(struct steady_actor *a, struct sub *p, natsMsg *m,
                      size_t len)
{
    const char *type = NULL, *size = NULL;

    if (natsMsgHeader_Get(m, NATS_LINK_HDR_TYPE, &type) == NATS_OK && type) {
        size_t got = 0;

        if (natsMsgHeader_Get(m, NATS_LINK_HDR_SIZE, &size) == NATS_OK && size)
            got = (size_t)strtoull(size, NULL, 10);
        if (strcmp(type, p->type) != 0 || got != p->size)
            return steady_fail(a,
                               "subject '%s': expected type %s (size %zu), "
                               "received %s (size %zu)",
                               p->l.subject, p->type, p->size, type, got);
    }
    if (!p->varsize && len != p->size)
        return steady_fail(a,
                           "subject '%s': expected type %s (size %zu), "
                           "received a message of %zu bytes",
                           p->l.subject, p->type, p->size, len);
    if (p->varsize && len > steady_channel_byte_capacity(steady_port(a, OUT)))
        return steady_fail(a,
                           "subject '%s': a message of %zu bytes is larger "
                           "than the output (type %s) can hold (%zu bytes)",
                           p->l.subject, len, p->type,
                           steady_channel_byte_capacity(steady_port(a, OUT)));
    return 0;
}

/* Handles the queue's head; 1 when taken, 0 when it waits for `*need`
 * bytes (units) of room, -1 on failure. */
static int handle(struct steady_actor *a, struct sub *p, natsMsg *m,
                  size_t *need)
{
    struct sub_state *s = steady_state(a);
    const char *eos = NULL;
    uint64_t seq = s->last_sent + 1;
    size_t len = (size_t)natsMsg_GetDataLength(m);

    if (p->l.jetstream) {
        jsMsgMetaData *meta = NULL;

        if (natsMsg_GetMetaData(&meta, m) != NATS_OK)
            return steady_fail(a,
                               "subject '%s': a message without "
                               "JetStream metadata",
                               p->l.subject);
        seq = meta->Sequence.Stream;
        if (meta->NumDelivered > 1)
            steady_count_add(a, "redelivered", 1);
        /* telemetry: what the stream still holds for us, as of this
         * delivery (the link's in-flight inside JetStream) */
        steady_figure_set(a, "stream_pending", (double)meta->NumPending);
        jsMsgMetaData_Destroy(meta);
        if (seq <= s->last_sent) {
            /* sent before (a redelivery): acknowledge, never send again */
            return ack_later(a, p, m, seq, true) < 0 ? -1 : 1;
        }
    }
    if (natsMsgHeader_Get(m, NATS_LINK_HDR_EOS, &eos) == NATS_OK && eos &&
        p->l.eos) {
        s->last_sent = seq;
        p->ended = true;
        steady_info(a, "end of stream on '%s'", p->l.subject);
        return ack_later(a, p, m, seq, false) < 0 ? -1 : 1;
    }
    if (check_type(a, p, m, len) < 0) {
        natsMsg_Destroy(m);
        return -1;
    }
    if (!steady_send_msg(a, OUT, natsMsg_GetData(m), len)) {
        *need = p->varsize ? len : 1;
        return 0;
    }
    s->last_sent = seq;
    s->received++;
    *need = 1;
    return ack_later(a, p, m, seq, false) < 0 ? -1 : 1;
}

/* Moves what the client thread fetched into the output. -1 on failure. */
static int deliver(struct steady_actor *a, struct sub *p, size_t *need)
{
    for (;;) {
        natsMsg *m;
        int rc;

        pthread_mutex_lock(&p->lock);
        m = p->qn ? p->q[p->qhead] : NULL;
        pthread_mutex_unlock(&p->lock);
        if (!m || p->ended)
            return 0;
        rc = handle(a, p, m, need);
        if (rc == 0)
            return 0;
        pthread_mutex_lock(&p->lock);
        p->qhead = (p->qhead + 1) % p->qcap;
        p->qn--;
        pthread_mutex_unlock(&p->lock);
        if (rc < 0)
            return -1;
    }
}

/* Asks the client thread for as many messages as the output has room for
 * (and the consumer's max ack pending allows). Returns whether the output
 * had no room: then the caller waits for room, decided from this same
 * look (a second look could see room the consumer made just after this
 * one, and wait only on a client that was asked for nothing). */
static bool ask(struct steady_actor *a, struct sub *p)
{
    struct steady_channel *out = steady_port(a, OUT);
    size_t room = p->varsize ? (steady_channel_vacant_bytes(out) ? 16 : 0)
                             : steady_channel_vacant(out);
    size_t cap =
        (size_t)p->max_pending > p->hn ? (size_t)p->max_pending - p->hn : 0;
    bool full = room == 0;

    if (room > cap)
        room = cap;
    if (room > p->qcap)
        room = p->qcap;
    pthread_mutex_lock(&p->lock);
    if (p->qn == 0 && room > 0 && p->want == 0) {
        p->want = room;
        pthread_cond_signal(&p->cond);
    }
    pthread_mutex_unlock(&p->lock);
    return full;
}

static void destroy(struct steady_actor *a)
{
    struct sub *p = steady_ctx(a);

    if (!p)
        return;
    if (p->thread_started) {
        pthread_mutex_lock(&p->lock);
        p->stop = true;
        pthread_cond_signal(&p->cond);
        pthread_mutex_unlock(&p->lock);
        pthread_join(p->thread, NULL);
    }
    while (p->qn) {
        natsMsg_Destroy(p->q[p->qhead]);
        p->qhead = (p->qhead + 1) % p->qcap;
        p->qn--;
    }
    while (p->hn) {
        /* not covered by a snapshot: redelivered next time, dropped then */
        natsMsg_Destroy(p->held[p->hhead].m);
        p->hhead = (p->hhead + 1) % p->hcap;
        p->hn--;
    }
    nats_link_finish(a, &p->l);
    nats_link_close(&p->l, 2000);
    /* the connection has closed: no reader can touch these any more */
    natsSubscription_Destroy(p->sub);
    for (size_t i = 0; i < p->nretired; i++)
        natsSubscription_Destroy(p->retired[i]);
    free(p->retired);
    free(p->q);
    free(p->held);
    pthread_cond_destroy(&p->cond);
    pthread_mutex_destroy(&p->lock);
    free(p);
    steady_set_ctx(a, NULL);
}

/* A consumer name from the actor's name: letters, digits, - and _. */
static void default_durable(struct steady_actor *a, char *buf, size_t len)
{
    const char *name = steady_actor_name(a);
    size_t i = 0;

    for (; name[i] && i + 1 < len; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') || c == '-' || c == '_';

        buf[i] = ok ? c : '_';
    }
    buf[i] = '\0';
}

static int init(struct steady_actor *a)
{
    struct sub *p = calloc(1, sizeof(*p));
    struct sub_state *s = steady_state(a);
    struct steady_channel *out = steady_port(a, OUT);
    const char *durable = steady_param_str(a, "durable");
    jsOptions jo;
    char err[640];
    natsStatus st;

    if (!p)
        return steady_fail(a, "out of memory");
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->cond, NULL);
    steady_set_ctx(a, p);
    p->type = steady_port_type(a, OUT);
    p->size = steady_port_elem_size(a, OUT);
    p->varsize = p->size == STEADY_VARSIZE;
    if (strcmp(p->type, STEADY_TYPE_ANY) == 0 || !out) {
        steady_fail(a, "output 'out' has no type: wire it to a channel");
        goto err;
    }
    p->ack_wait_ms = steady_param_int(a, "ack_wait_ms");
    p->max_pending = (int)steady_channel_capacity(out);
    if (p->max_pending > steady_param_int(a, "max_ack_pending"))
        p->max_pending = (int)steady_param_int(a, "max_ack_pending");
    p->qcap = (size_t)p->max_pending;
    p->q = calloc(p->qcap, sizeof(*p->q));
    if (!p->q) {
        steady_fail(a, "out of memory");
        goto err;
    }
    if (*durable)
        snprintf(p->durable, sizeof(p->durable), "%s", durable);
    else
        default_durable(a, p->durable, sizeof(p->durable));
    jsOptions_Init(&jo);
    jo.Wait = 5000;
    if (nats_link_open(a, &p->l, &jo) < 0)
        goto err;
    snprintf(p->stream, sizeof(p->stream), "%s", p->l.stream);
    if (p->l.jetstream && !p->stream[0]) {
        steady_fail(a,
                    "stream must be named with jetstream: true (the "
                    "stream that holds '%s')",
                    p->l.subject);
        goto err;
    }
    if (p->l.jetstream) {
        jsStreamInfo *si = NULL;
        jsErrCode jerr = 0;

        /* either end of a link may start first: both may create the
         * stream, with the same settings */
        if (nats_link_stream(a, &p->l, NULL) < 0)
            goto err;
        if (make_consumer(p, err, sizeof(err)) < 0) {
            steady_fail(a, "%s", err);
            goto err;
        }
        /* a stream made anew restarts its sequences: what the state says
         * was sent then belongs to the old one */
        if (js_GetStreamInfo(&si, p->l.js, p->stream, NULL, &jerr) == NATS_OK &&
            si->State.LastSeq < s->last_sent) {
            steady_warn(a,
                        "stream '%s' ends at %" PRIu64 " but %" PRIu64
                        " was sent before: a new stream, starting over",
                        p->stream, si->State.LastSeq, s->last_sent);
            s->last_sent = 0;
        }
        jsStreamInfo_Destroy(si);
    } else if ((st = natsConnection_SubscribeSync(&p->sub, p->l.nc,
                                                  p->l.subject)) != NATS_OK) {
        steady_fail(a, "subscribe to '%s' at %s: %s", p->l.subject, p->l.url,
                    natsStatus_GetText(st));
        goto err;
    }
    if (pthread_create(&p->thread, NULL, client_thread, p) != 0) {
        steady_fail(a, "cannot start the NATS client thread");
        goto err;
    }
    p->thread_started = true;
    return 0;
err:
    destroy(a);
    return -1;
}

/* With eos on a JetStream link, the output ends with the stream: a
 * shutdown (requested here, or by a notice from the producer's node) waits
 * for the producer's end-of-stream marker, so that everything sent before
 * it is delivered, in order, and the graph drains across nodes. */
static bool vote(struct steady_actor *a, char *why, size_t len)
{
    struct sub *p = steady_ctx(a);

    if (!p->l.jetstream || !p->l.eos || p->ended)
        return true;
    snprintf(why, len, "waiting for the end-of-stream marker on '%s'",
             p->l.subject);
    return false;
}

static int run(struct steady_actor *a)
{
    struct sub *p = steady_ctx(a);
    struct sub_state *s = steady_state(a);
    size_t need = 1;
    int rc = 0;

    steady_set_vote(a, vote);

    p->snapshots = steady_snapshot_next(a) != 0;
    /* redeliveries of what was sent before are acknowledged only after
     * the next snapshot: an actor restarted inside the process may have
     * sent them after the last one */
    p->covered = 0;
    if (p->l.jetstream) /* shown from the start */
        steady_count_add(a, "redelivered", 0);
    while (!p->ended && steady_running(a)) {
        struct steady_cond c[4];
        size_t n = 0;
        bool blocked, full;

        nats_link_drain(&p->l);
        nats_link_service(a, &p->l);
        if (steady_channel_consumer_gone(steady_port(a, OUT))) {
            steady_info(a, "the output's consumer has gone");
            break;
        }
        if (p->l.back && p->l.jetstream) {
            /* reconnected: deliveries lost on the way come again first */
            p->l.back = false;
            restart_delivery(a, p);
        }
        ack_covered(a, p);
        if (deliver(a, p, &need) < 0) {
            rc = -1;
            break;
        }
        if (p->ended)
            break;
        full = ask(a, p);
        pthread_mutex_lock(&p->lock);
        /* waiting for room: with messages in hand, or none asked for
         * because the output is full */
        blocked = p->qn > 0 || (p->want == 0 && full);
        pthread_mutex_unlock(&p->lock);
        c[n++] = steady_readable(a, p->l.efd);
        if (blocked) {
            c[n++] = steady_vacant(a, OUT, need);
            /* a consumer that went settles vacant, which does not end a
             * wait for any of several: look again now and then */
            c[n++] = steady_timeout(a, 250);
        }
        if (p->hn)
            c[n++] = steady_snapshotted(a, p->held[p->hhead].snap);
        /* in shutdown every wait is cut short: nap on the client instead
         * of spinning while the end-of-stream marker is awaited */
        if (!steady_await(a, false, c, n))
            nats_link_nap(&p->l, 20);
    }
    if (p->ended) {
        /* the end-of-stream marker: everything before it is out; close,
         * then acknowledge what the snapshots cover */
        steady_close(a, OUT);
        while (p->hn && steady_await_all(
                            a, steady_snapshotted(a, p->held[p->hhead].snap)))
            ack_covered(a, p);
    }
    ack_covered(a, p);
    if (rc == 0)
        steady_info(a, "received %" PRIu64 " messages on '%s'", s->received,
                    p->l.subject);
    nats_link_run_over(a, &p->l);
    return rc;
}

static const struct steady_port_desc ports[] = {
    [OUT] = { "out", STEADY_OUT, STEADY_TYPE_ANY, 0, true },
};

static const struct steady_port_info port_info[] = {
    [OUT] = { .doc = "each message's payload, of the channel's type (a "
                     "message naming another type fails the actor)" },
};

static const struct steady_param_desc params[] = {
    NATS_LINK_PARAMS,
    NATS_LINK_STREAM_PARAMS,
    { "durable", STEADY_PARAM_STRING, "",
      "JetStream durable pull consumer (\"\": the actor's name); made anew "
      "at start" },
    { "ack_wait_ms", STEADY_PARAM_INT, "30000",
      "JetStream: redeliver what is not acknowledged within this (keep it "
      "above checkpoint_ms)" },
    { "max_ack_pending", STEADY_PARAM_INT, "65536",
      "JetStream: most messages unacknowledged (also at most the output's "
      "capacity)" },
};

static const struct steady_param_limits limits[] = {
    NATS_LINK_LIMITS,
    NATS_LINK_STREAM_LIMITS,
    { 0 },
    { .min = "100", .max = "3600000" },
    { .min = "1", .max = "1000000" },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "nats_subscribe",
    .version = "1.0",
    .summary = "sends each message of a NATS subject or JetStream consumer "
               "to its output",
    .ports = STEADY_PORTS(ports),
    .params = STEADY_PARAMS(params),
    .state_size = sizeof(struct sub_state),
    .init = init,
    .run = run,
    .destroy = destroy,
    .port_info = port_info,
    .param_limits = limits,
};

STEADY_PLUGIN_DEFINE(desc)

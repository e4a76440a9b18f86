/* peer_nats.c - u64 values across NATS JetStream: through steady's
 * nats_publish and nats_subscribe plugins (run by libsteady-testing, fed
 * and drained by this thread), and a plain libnats JetStream publisher and
 * pull subscriber doing the same work, both against one nats-server started
 * here (loopback, a free port, a temporary store) and stopped after. */
#include "../../tests/integration/nats_server.h"
#include "bench.h"

#include <inttypes.h>
#include <nats/nats.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <steady/testing.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct nats_server server;
static bool server_up;
static int stream_no;

/* One server for the whole run, stopped at exit (nats_server.h). */
static int need_server(struct bench_result *r)
{
    if (server_up)
        return 0;
    if (nats_server_start(&server) < 0) {
        bench_fail(r, "nats-server not installed or not starting");
        return -1;
    }
    server_up = true;
    return 0;
}

const char *bench_nats_url(struct bench_result *r)
{
    return need_server(r) < 0 ? NULL : server.url;
}

void bench_nats_drop_stream(const char *name)
{
    natsConnection *nc = NULL;
    jsCtx *js = NULL;
    jsOptions jo;

    if (!server_up)
        return;
    jsOptions_Init(&jo);
    jo.Wait = 5000;
    if (natsConnection_ConnectTo(&nc, server.url) == NATS_OK &&
        natsConnection_JetStream(&js, nc, &jo) == NATS_OK)
        js_DeleteStream(js, name, NULL, NULL);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

    return a < b ? -1 : a > b;
}

/* p50 and p99 of n latencies in ns, as µs. */
static void percentiles(uint64_t *lat, size_t n, struct bench_result *r)
{
    qsort(lat, n, sizeof(*lat), cmp_u64);
    r->value = (double)lat[n / 2] / 1e3;
    r->value2 = (double)lat[n * 99 / 100] / 1e3;
    r->ok = true;
}

/* The two plugins on a new stream (its name in stream, to be deleted
 * after); -1 (r failed) on an error. */
static int steady_pair(struct steady_test **pub, struct steady_test **sub,
                       char stream[32], struct bench_result *r)
{
    char subj[32];

    stream_no++;
    snprintf(subj, sizeof(subj), "bench.s%d", stream_no);
    snprintf(stream, 32, "BENCHS%d", stream_no);
    *pub = steady_test_load("nats_publish", "bench_pub");
    *sub = steady_test_load("nats_subscribe", "bench_sub");
    if (!*pub || !*sub || steady_test_set_param(*pub, "url", server.url) ||
        steady_test_set_param(*pub, "subject", subj) ||
        steady_test_set_param(*pub, "jetstream", "true") ||
        steady_test_set_param(*pub, "stream", stream) ||
        steady_test_set_param(*pub, "create_stream", "true") ||
        !steady_test_connect_typed(*pub, "in", 1024, "u64", 8) ||
        steady_test_set_param(*sub, "url", server.url) ||
        steady_test_set_param(*sub, "subject", subj) ||
        steady_test_set_param(*sub, "jetstream", "true") ||
        steady_test_set_param(*sub, "stream", stream) ||
        !steady_test_connect_typed(*sub, "out", 1024, "u64", 8) ||
        steady_test_start(*pub) || steady_test_start(*sub)) {
        bench_fail(r, "plugins did not start: %.60s",
                   *pub ? steady_test_error(*pub) : "nats_publish not found");
        steady_test_destroy(*pub);
        steady_test_destroy(*sub);
        return -1;
    }
    return 0;
}

void bench_nats_steady(const struct bench_cfg *cfg, struct bench_result *r)
{
    struct steady_test *pub, *sub;
    uint64_t n = cfg->quick ? 2000 : 200000, fed = 0, got = 0;
    uint64_t buf[1024], t0;
    char stream[32];

    if (need_server(r) < 0 || steady_pair(&pub, &sub, stream, r) < 0)
        return;
    t0 = bench_now_ns();
    while (got < n) {
        size_t k = 0, m;

        while (fed < n && k < 1024)
            buf[k++] = fed++;
        m = steady_test_feed(pub, "in", buf, k);
        fed -= k - m;
        m = steady_test_take(sub, "out", buf, 1024);
        got += m;
        if (!m)
            steady_test_await_output(sub, "out", 1, 2000);
        if (got < n && bench_now_ns() - t0 > 60e9) {
            bench_fail(r, "%llu of %llu arrived in 60 s",
                       (unsigned long long)got, (unsigned long long)n);
            break;
        }
    }
    if (got == n) {
        r->value = (double)n / ((double)(bench_now_ns() - t0) / 1e9);
        r->ok = true;
    }
    steady_test_close_input(pub, "in");
    steady_test_destroy(sub);
    steady_test_destroy(pub);
    bench_nats_drop_stream(stream);
}

void bench_nats_steady_lat(const struct bench_cfg *cfg, struct bench_result *r)
{
    struct steady_test *pub, *sub;
    size_t n = cfg->quick ? 50 : 5000;
    uint64_t *lat = calloc(n, sizeof(*lat));
    char stream[32];

    if (!lat || need_server(r) < 0 || steady_pair(&pub, &sub, stream, r) < 0) {
        free(lat);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t v = bench_now_ns(), back;

        steady_test_feed(pub, "in", &v, 1);
        if (steady_test_await_output(sub, "out", 1, 5000) == 0 ||
            steady_test_take(sub, "out", &back, 1) != 1) {
            bench_fail(r, "no message back within 5 s");
            break;
        }
        lat[i] = bench_now_ns() - back;
        if (i + 1 == n)
            percentiles(lat, n, r);
    }
    free(lat);
    steady_test_close_input(pub, "in");
    steady_test_destroy(sub);
    steady_test_destroy(pub);
    bench_nats_drop_stream(stream);
}

/* ---- plain libnats --------------------------------------------------- */

/* What a hand-written JetStream pair does for the same job, set up as the
 * plugins set themselves up on channels of 1024: a stream made as
 * nats_publish makes it (file storage, work queue, max_msgs 1024, discard
 * new, a duplicate window), a publisher on its own connection with at most
 * 256 acknowledged publishes in flight, each with a message id, publishing
 * again what the server refused (the stream full), and a durable pull
 * subscriber on its own connection that may hold 1024 unacknowledged
 * messages, fetches what there is and acknowledges each. Unlike the
 * plugins it does not keep order across a refusal (the subscriber counts
 * distinct values). Fresh names each run, the stream deleted after. */
#define PLAIN_WINDOW   256
#define PLAIN_CAPACITY 1024
/* after a refusal, wait this long before publishing it again */
#define PLAIN_RETRY_NS 1000000u

struct plain {
    natsConnection *pnc, *snc; /* the publisher's, the subscriber's */
    jsCtx *pjs, *sjs;
    natsSubscription *sub;
    bool made; /* the stream exists: delete it at the end */
    char subj[64], stream[64], consumer[64];
    uint64_t n; /* values to publish: 0 .. n-1 */
    /* the publisher's window, shared with libnats's acknowledgement
     * thread */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    size_t inflight;
    uint64_t acked, refused_at;
    uint64_t retry[PLAIN_WINDOW]; /* refused values, to publish again */
    size_t nretry;
    bool stop, lost;
};

/* libnats's thread: the server's answer to one publish. */
static void plain_acked(jsCtx *js, natsMsg *m, jsPubAck *pa, jsPubAckErr *pae,
                        void *closure)
{
    struct plain *p = closure;
    uint64_t v = 0;

    (void)js;
    if (natsMsg_GetDataLength(m) == 8)
        memcpy(&v, natsMsg_GetData(m), 8);
    pthread_mutex_lock(&p->lock);
    p->inflight--;
    if (pa && !pae) {
        p->acked++;
    } else if (p->nretry < PLAIN_WINDOW) {
        p->retry[p->nretry++] = v;
        p->refused_at = bench_now_ns();
    } else {
        p->lost = true; /* cannot happen: refused ones were in flight */
    }
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->lock);
    natsMsg_Destroy(m);
}

/* Waits on the window at most ms. Under p->lock. */
static void plain_wait(struct plain *p, unsigned ms)
{
    struct timespec until;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += (long)ms * 1000000L;
    until.tv_sec += until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    pthread_cond_timedwait(&p->cond, &p->lock, &until);
}

/* The publisher's thread: 0 .. n-1 as 8-byte messages, refused ones
 * again after a pause, until all are acknowledged or told to stop. */
static void *plain_publish(void *arg)
{
    struct plain *p = arg;
    uint64_t next = 0;

    pthread_mutex_lock(&p->lock);
    while (!p->stop && p->acked < p->n) {
        jsPubOptions o;
        char id[96];
        uint64_t v;
        natsStatus st;

        if (p->inflight >= PLAIN_WINDOW || (!p->nretry && next == p->n)) {
            plain_wait(p, 100);
            continue;
        }
        if (p->nretry && bench_now_ns() - p->refused_at < PLAIN_RETRY_NS) {
            plain_wait(p, 1);
            continue;
        }
        v = p->nretry ? p->retry[--p->nretry] : next++;
        p->inflight++;
        pthread_mutex_unlock(&p->lock);
        jsPubOptions_Init(&o);
        snprintf(id, sizeof(id), "%s-%" PRIu64, p->subj, v + 1);
        o.MsgId = id;
        o.MaxWait = 5000;
        st = js_PublishAsync(p->pjs, p->subj, &v, 8, &o);
        pthread_mutex_lock(&p->lock);
        if (st != NATS_OK) {
            p->inflight--;
            p->retry[p->nretry++] = v;
            p->refused_at = bench_now_ns();
        }
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

static void plain_close(struct plain *p)
{
    if (p->pjs) {
        /* no acknowledgement may come once p is gone: wait for the ones
         * due, then take over those that will never come */
        jsPubOptions o;
        natsMsgList pending = { 0 };

        jsPubOptions_Init(&o);
        o.MaxWait = 2000;
        if (js_PublishAsyncComplete(p->pjs, &o) != NATS_OK &&
            js_PublishAsyncGetPendingList(&pending, p->pjs) == NATS_OK)
            natsMsgList_Destroy(&pending);
    }
    natsSubscription_Destroy(p->sub);
    /* the stream goes with its consumer */
    if (p->made && p->sjs)
        js_DeleteStream(p->sjs, p->stream, NULL, NULL);
    jsCtx_Destroy(p->sjs);
    jsCtx_Destroy(p->pjs);
    natsConnection_Destroy(p->snc);
    natsConnection_Destroy(p->pnc);
    pthread_cond_destroy(&p->cond);
    pthread_mutex_destroy(&p->lock);
}

/* Two connections, the stream and the pull consumer, all named afresh. */
static int plain_open(struct plain *p, uint64_t n, struct bench_result *r)
{
    jsOptions po, so;
    jsStreamConfig sc;
    jsSubOptions sub;
    jsErrCode jerr = 0;
    const char *subjects[1];

    memset(p, 0, sizeof(*p));
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->cond, NULL);
    p->n = n;
    stream_no++;
    snprintf(p->subj, sizeof(p->subj), "bench.%d.p%d", (int)getpid(),
             stream_no);
    snprintf(p->stream, sizeof(p->stream), "BENCHP_%d_%d", (int)getpid(),
             stream_no);
    snprintf(p->consumer, sizeof(p->consumer), "benchp%d", stream_no);
    subjects[0] = p->subj;
    jsOptions_Init(&po);
    po.Wait = 5000;
    po.PublishAsync.AckHandler = plain_acked;
    po.PublishAsync.AckHandlerClosure = p;
    jsOptions_Init(&so);
    so.Wait = 5000;
    jsStreamConfig_Init(&sc);
    sc.Name = p->stream;
    sc.Subjects = subjects;
    sc.SubjectsLen = 1;
    sc.Retention = js_WorkQueuePolicy;
    sc.Storage = js_FileStorage;
    sc.MaxMsgs = PLAIN_CAPACITY;
    sc.Discard = js_DiscardNew;
    sc.Duplicates = 120 * (int64_t)1000000000;
    jsSubOptions_Init(&sub);
    sub.Stream = p->stream;
    sub.Config.Durable = p->consumer;
    sub.Config.AckPolicy = js_AckExplicit;
    sub.Config.AckWait = 30 * (int64_t)1000000000;
    /* the server's default (1000) is below a fetch of 1024: each such
     * fetch would wait out its time for the last few */
    sub.Config.MaxAckPending = PLAIN_CAPACITY;
    if (natsConnection_ConnectTo(&p->pnc, server.url) != NATS_OK ||
        natsConnection_ConnectTo(&p->snc, server.url) != NATS_OK ||
        natsConnection_JetStream(&p->pjs, p->pnc, &po) != NATS_OK ||
        natsConnection_JetStream(&p->sjs, p->snc, &so) != NATS_OK ||
        js_AddStream(NULL, p->sjs, &sc, NULL, &jerr) != NATS_OK)
        goto err;
    p->made = true;
    if (js_PullSubscribe(&p->sub, p->sjs, p->subj, p->consumer, NULL, &sub,
                         &jerr) != NATS_OK)
        goto err;
    return 0;
err:
    bench_fail(r, "libnats: %.60s", nats_GetLastError(NULL));
    plain_close(p);
    return -1;
}

void bench_nats_plain(const struct bench_cfg *cfg, struct bench_result *r)
{
    struct plain p;
    uint64_t n = cfg->quick ? 2000 : 200000, got = 0, t0, deadline;
    uint8_t *seen = calloc(n, 1);
    pthread_t th;

    if (!seen || need_server(r) < 0 || plain_open(&p, n, r) < 0) {
        free(seen);
        return;
    }
    t0 = bench_now_ns();
    deadline = t0 + (cfg->quick ? 20 : 60) * (uint64_t)1000000000;
    if (pthread_create(&th, NULL, plain_publish, &p) != 0) {
        bench_fail(r, "no thread");
        plain_close(&p);
        free(seen);
        return;
    }
    while (got < n && bench_now_ns() < deadline) {
        natsMsgList list = { 0 };

        if (natsSubscription_Fetch(&list, p.sub, PLAIN_CAPACITY, 100, NULL) !=
            NATS_OK)
            continue;
        for (int i = 0; i < list.Count; i++) {
            uint64_t v = n;

            if (natsMsg_GetDataLength(list.Msgs[i]) == 8)
                memcpy(&v, natsMsg_GetData(list.Msgs[i]), 8);
            if (v < n && !seen[v]) {
                seen[v] = 1;
                got++;
            }
            natsMsg_Ack(list.Msgs[i], NULL);
        }
        natsMsgList_Destroy(&list);
    }
    if (got == n) {
        r->value = (double)n / ((double)(bench_now_ns() - t0) / 1e9);
        r->ok = true;
    } else {
        bench_fail(r, "%llu of %llu arrived in %d s", (unsigned long long)got,
                   (unsigned long long)n, cfg->quick ? 20 : 60);
    }
    pthread_mutex_lock(&p.lock);
    p.stop = true;
    pthread_cond_signal(&p.cond);
    pthread_mutex_unlock(&p.lock);
    pthread_join(th, NULL);
    plain_close(&p);
    free(seen);
}

void bench_nats_plain_lat(const struct bench_cfg *cfg, struct bench_result *r)
{
    struct plain p;
    size_t n = cfg->quick ? 50 : 5000;
    uint64_t *lat = calloc(n, sizeof(*lat));

    if (!lat || need_server(r) < 0 || plain_open(&p, n, r) < 0) {
        free(lat);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        natsMsgList list = { 0 };
        uint64_t v = bench_now_ns();
        jsPubOptions o;
        char id[96];

        jsPubOptions_Init(&o);
        snprintf(id, sizeof(id), "%s-%zu", p.subj, i + 1);
        o.MsgId = id;
        o.MaxWait = 5000;
        pthread_mutex_lock(&p.lock);
        p.inflight++;
        pthread_mutex_unlock(&p.lock);
        if (js_PublishAsync(p.pjs, p.subj, &v, 8, &o) != NATS_OK ||
            natsSubscription_Fetch(&list, p.sub, 1, 5000, NULL) != NATS_OK) {
            bench_fail(r, "no message back within 5 s");
            break;
        }
        memcpy(&v, natsMsg_GetData(list.Msgs[0]), 8);
        natsMsg_Ack(list.Msgs[0], NULL);
        natsMsgList_Destroy(&list);
        lat[i] = bench_now_ns() - v;
        if (i + 1 == n)
            percentiles(lat, n, r);
    }
    free(lat);
    plain_close(&p);
}

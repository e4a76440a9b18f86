/* peer_nats.c - u64 values across NATS JetStream: through steady's
 * nats_publish and nats_subscribe plugins (run by libsteady-testing, fed
 * and drained by this thread), and a plain libnats JetStream publisher and
 * pull subscriber doing the same work, both against one nats-server started
 * here (loopback, a free port, a temporary store) and stopped after. */
#include "../../tests/integration/nats_server.h"
#include "bench.h"

#include <nats/nats.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <steady/testing.h>
#include <string.h>

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

/* The two plugins on a new stream; NULL (r failed) on an error. */
static int steady_pair(struct steady_test **pub, struct steady_test **sub,
                       struct bench_result *r)
{
    char subj[32], stream[32];

    stream_no++;
    snprintf(subj, sizeof(subj), "bench.s%d", stream_no);
    snprintf(stream, sizeof(stream), "BENCHS%d", stream_no);
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

    if (need_server(r) < 0 || steady_pair(&pub, &sub, r) < 0)
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
        if (!m && steady_test_await_output(sub, "out", 1, 2000) == 0 &&
            bench_now_ns() - t0 > 60e9) {
            bench_fail(r, "stalled after %llu", (unsigned long long)got);
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
}

void bench_nats_steady_lat(const struct bench_cfg *cfg, struct bench_result *r)
{
    struct steady_test *pub, *sub;
    size_t n = cfg->quick ? 50 : 5000;
    uint64_t *lat = calloc(n, sizeof(*lat));

    if (!lat || need_server(r) < 0 || steady_pair(&pub, &sub, r) < 0) {
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
}

/* ---- plain libnats --------------------------------------------------- */

struct plain {
    natsConnection *nc;
    jsCtx *js;
    natsSubscription *sub;
    char subj[32], stream[32];
};

static void plain_close(struct plain *p)
{
    natsSubscription_Destroy(p->sub);
    jsCtx_Destroy(p->js);
    natsConnection_Destroy(p->nc);
}

/* A connection, a JetStream context whose async publishes stall at 256 in
 * flight, a stream as the plugin makes it, and a pull consumer. */
static int plain_open(struct plain *p, struct bench_result *r)
{
    jsOptions jo;
    jsStreamConfig sc;
    jsSubOptions so;
    jsErrCode jerr = 0;
    const char *subjects[1];

    memset(p, 0, sizeof(*p));
    stream_no++;
    snprintf(p->subj, sizeof(p->subj), "bench.p%d", stream_no);
    snprintf(p->stream, sizeof(p->stream), "BENCHP%d", stream_no);
    subjects[0] = p->subj;
    jsOptions_Init(&jo);
    jo.PublishAsync.MaxPending = 256;
    jsStreamConfig_Init(&sc);
    sc.Name = p->stream;
    sc.Subjects = subjects;
    sc.SubjectsLen = 1;
    sc.Retention = js_WorkQueuePolicy;
    sc.Storage = js_FileStorage;
    jsSubOptions_Init(&so);
    so.Stream = p->stream;
    so.Config.AckPolicy = js_AckExplicit;
    if (natsConnection_ConnectTo(&p->nc, server.url) != NATS_OK ||
        natsConnection_JetStream(&p->js, p->nc, &jo) != NATS_OK ||
        js_AddStream(NULL, p->js, &sc, NULL, &jerr) != NATS_OK ||
        js_PullSubscribe(&p->sub, p->js, p->subj, "bench", NULL, &so, &jerr) !=
            NATS_OK) {
        bench_fail(r, "libnats: %.60s", nats_GetLastError(NULL));
        plain_close(p);
        return -1;
    }
    return 0;
}

struct plain_sender {
    struct plain *p;
    uint64_t n;
    bool failed;
};

static void *plain_send(void *arg)
{
    struct plain_sender *s = arg;

    for (uint64_t i = 0; i < s->n; i++)
        if (js_PublishAsync(s->p->js, s->p->subj, &i, 8, NULL) != NATS_OK)
            s->failed = true;
    js_PublishAsyncComplete(s->p->js, NULL);
    return NULL;
}

void bench_nats_plain(const struct bench_cfg *cfg, struct bench_result *r)
{
    struct plain p;
    struct plain_sender s = { .p = &p, .n = cfg->quick ? 2000 : 200000 };
    pthread_t th;
    uint64_t got = 0, t0;

    if (need_server(r) < 0 || plain_open(&p, r) < 0)
        return;
    t0 = bench_now_ns();
    if (pthread_create(&th, NULL, plain_send, &s) != 0) {
        bench_fail(r, "no thread");
        plain_close(&p);
        return;
    }
    while (got < s.n) {
        natsMsgList list = { 0 };

        if (natsSubscription_Fetch(&list, p.sub, 1024, 2000, NULL) != NATS_OK) {
            if (bench_now_ns() - t0 > 60e9)
                break;
            continue;
        }
        for (int i = 0; i < list.Count; i++)
            natsMsg_Ack(list.Msgs[i], NULL);
        got += (uint64_t)list.Count;
        natsMsgList_Destroy(&list);
    }
    pthread_join(th, NULL);
    if (got == s.n && !s.failed) {
        r->value = (double)s.n / ((double)(bench_now_ns() - t0) / 1e9);
        r->ok = true;
    } else {
        bench_fail(r, "%llu of %llu arrived", (unsigned long long)got,
                   (unsigned long long)s.n);
    }
    plain_close(&p);
}

void bench_nats_plain_lat(const struct bench_cfg *cfg, struct bench_result *r)
{
    struct plain p;
    size_t n = cfg->quick ? 50 : 5000;
    uint64_t *lat = calloc(n, sizeof(*lat));

    if (!lat || need_server(r) < 0 || plain_open(&p, r) < 0) {
        free(lat);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        natsMsgList list = { 0 };
        uint64_t v = bench_now_ns();

        if (js_PublishAsync(p.js, p.subj, &v, 8, NULL) != NATS_OK ||
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
    js_PublishAsyncComplete(p.js, NULL);
    free(lat);
    plain_close(&p);
}

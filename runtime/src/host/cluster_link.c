/* cluster_link.c - telemetry summaries between the nodes of a graph, on
 * core NATS (a summary is only worth its latest copy: nothing to keep).
 * One thread publishes this node's summary every period; libnats's
 * thread hands the others' to the telemetry as they arrive.
 */
#include "cluster_link.h"

#include "clock.h"

#include <errno.h>
#include <nats/nats.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <steady/log.h>
#include <string.h>

struct cluster_link {
    struct telemetry *t;
    natsConnection *nc;
    natsSubscription *sub;
    char subject[512]; /* ours: steady.G.telemetry.NODE */
    char wildcard[512];
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping; /* under lock */
    bool closed;   /* under lock: libnats's closed callback ran */
    bool said_bad; /* a bad summary was logged (libnats's thread) */
    bool said_big; /* a publish failure was logged (our thread) */
};

static const char *last_error(natsStatus s)
{
    const char *text = nats_GetLastError(NULL);

    return text && *text ? text : natsStatus_GetText(s);
}

static void on_summary(natsConnection *nc, natsSubscription *sub, natsMsg *m,
                       void *closure)
{
    struct cluster_link *l = closure;
    char err[256];

    (void)nc;
    (void)sub;
    if (strcmp(natsMsg_GetSubject(m), l->subject) != 0 &&
        telemetry_cluster_put(l->t, natsMsg_GetData(m),
                              (size_t)natsMsg_GetDataLength(m), err,
                              sizeof(err)) < 0 &&
        !l->said_bad) {
        /* once: a node of another steady version would say it a second */
        l->said_bad = true;
        steady_warn(NULL, "telemetry: %s on '%s' left out", err,
                    natsMsg_GetSubject(m));
    }
    natsMsg_Destroy(m);
}

static void on_closed(natsConnection *nc, void *closure)
{
    struct cluster_link *l = closure;

    (void)nc;
    pthread_mutex_lock(&l->lock);
    l->closed = true;
    pthread_cond_broadcast(&l->wake);
    pthread_mutex_unlock(&l->lock);
}

static void publish(struct cluster_link *l)
{
    struct strbuf b = { 0 };
    natsStatus s;

    telemetry_summary(l->t, &b);
    if (strbuf_failed(&b) || !b.len) {
        strbuf_fini(&b);
        return;
    }
    s = natsConnection_Publish(l->nc, l->subject, b.data, (int)b.len);
    if (s != NATS_OK && s != NATS_CONNECTION_CLOSED && !l->said_big) {
        /* a server away is waited for (the buffer keeps it); a summary
         * over the server's max_payload never goes */
        l->said_big = s == NATS_MAX_PAYLOAD;
        if (l->said_big)
            steady_warn(NULL,
                        "telemetry: this node's summary (%zu bytes) is "
                        "larger than the NATS server takes; the other "
                        "nodes do not see it",
                        b.len);
    }
    strbuf_fini(&b);
}

static void *run(void *arg)
{
    struct cluster_link *l = arg;

    pthread_setname_np(pthread_self(), "steady-cluster");
    pthread_mutex_lock(&l->lock);
    while (!l->stopping) {
        struct timespec until =
            clock_timespec(now_ns() + CLUSTER_LINK_PERIOD_MS * 1000000ull);

        pthread_mutex_unlock(&l->lock);
        publish(l);
        pthread_mutex_lock(&l->lock);
        while (!l->stopping &&
               pthread_cond_timedwait(&l->wake, &l->lock, &until) == 0)
            ;
    }
    pthread_mutex_unlock(&l->lock);
    return NULL;
}

static int set_options(const struct graph *g, natsOptions *o,
                       struct cluster_link *l, char *err, size_t errlen)
{
    const struct graph_nats *n = &g->nats;
    natsStatus s = natsOptions_SetURL(o, n->url);

    if (s == NATS_OK)
        s = natsOptions_SetName(o, "steady telemetry");
    if (s == NATS_OK)
        s = natsOptions_SetMaxReconnect(o, -1);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectWait(o, 250);
    if (s == NATS_OK)
        s = natsOptions_SetRetryOnFailedConnect(o, true, NULL, NULL);
    if (s == NATS_OK)
        s = natsOptions_SetClosedCB(o, on_closed, l);
    if (s == NATS_OK && n->creds && *n->creds)
        s = natsOptions_SetUserCredentialsFromFiles(o, n->creds, NULL);
    if (s == NATS_OK &&
        ((n->tls_ca && *n->tls_ca) || (n->tls_cert && *n->tls_cert))) {
        s = natsOptions_SetSecure(o, true);
        if (s == NATS_OK && n->tls_ca && *n->tls_ca)
            s = natsOptions_LoadCATrustedCertificates(o, n->tls_ca);
        if (s == NATS_OK && n->tls_cert && *n->tls_cert)
            s = natsOptions_LoadCertificatesChain(o, n->tls_cert, n->tls_key);
    }
    if (s != NATS_OK) {
        snprintf(err, errlen, "NATS at %s: %s", n->url, last_error(s));
        return -1;
    }
    return 0;
}

struct cluster_link *cluster_link_start(const struct graph *g,
                                        struct telemetry *t, char *err,
                                        size_t errlen)
{
    struct cluster_link *l = calloc(1, sizeof(*l));
    natsOptions *o = NULL;
    natsStatus s;
    sigset_t block, old;
    pthread_condattr_t attr;
    int e;

    if (!l) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    l->t = t;
    pthread_mutex_init(&l->lock, NULL);
    pthread_condattr_init(&attr);
    /* deadlines are CLOCK_MONOTONIC, as now_ns() */
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&l->wake, &attr);
    pthread_condattr_destroy(&attr);
    snprintf(l->subject, sizeof(l->subject), "steady.%s.telemetry.%s", g->name,
             g->node);
    snprintf(l->wildcard, sizeof(l->wildcard), "steady.%s.telemetry.*",
             g->name);
    /* libnats's threads, started here, must not take the host's signals */
    sigfillset(&block);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    if (natsOptions_Create(&o) != NATS_OK) {
        snprintf(err, errlen, "out of memory");
        goto err;
    }
    if (set_options(g, o, l, err, errlen) < 0)
        goto err;
    s = natsConnection_Connect(&l->nc, o);
    if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED) {
        snprintf(err, errlen, "NATS at %s: %s", g->nats.url, last_error(s));
        l->nc = NULL;
        goto err;
    }
    s = natsConnection_Subscribe(&l->sub, l->nc, l->wildcard, on_summary, l);
    if (s != NATS_OK) {
        snprintf(err, errlen, "NATS at %s: subscribing to '%s': %s",
                 g->nats.url, l->wildcard, last_error(s));
        goto err;
    }
    e = pthread_create(&l->thread, NULL, run, l);
    if (e) {
        snprintf(err, errlen, "cannot start a thread: %s", strerror(e));
        goto err;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    natsOptions_Destroy(o);
    return l;
err:
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    natsOptions_Destroy(o);
    l->thread = pthread_self(); /* not started: stop must not join */
    cluster_link_stop(l);
    return NULL;
}

void cluster_link_stop(struct cluster_link *l)
{
    struct timespec until;

    if (!l)
        return;
    pthread_mutex_lock(&l->lock);
    l->stopping = true;
    pthread_cond_broadcast(&l->wake);
    pthread_mutex_unlock(&l->lock);
    if (!pthread_equal(l->thread, pthread_self()))
        pthread_join(l->thread, NULL);
    if (l->sub) {
        /* no summary callback runs once the drain completed */
        if (natsSubscription_Drain(l->sub) == NATS_OK)
            natsSubscription_WaitForDrainCompletion(l->sub, 2000);
        natsSubscription_Destroy(l->sub);
    }
    if (l->nc) {
        natsConnection_Close(l->nc);
        /* the closed callback is libnats's last for this connection */
        until = clock_timespec(now_ns() + 5000000000ull);
        pthread_mutex_lock(&l->lock);
        while (!l->closed &&
               pthread_cond_timedwait(&l->wake, &l->lock, &until) == 0)
            ;
        pthread_mutex_unlock(&l->lock);
        natsConnection_Destroy(l->nc);
    }
    pthread_cond_destroy(&l->wake);
    pthread_mutex_destroy(&l->lock);
    free(l);
}

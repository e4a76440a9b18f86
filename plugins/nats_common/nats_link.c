/* nats_link.c - the connection both NATS plugins keep: connect once at init
 * (a clear failure naming the URL), then reconnect for ever, waking the
 * actor through an eventfd on each change; and shutdown notices on the
 * control subject, on core NATS or kept in a JetStream stream that each
 * listening actor reads through a durable consumer of its own.
 *
 * The control stream keeps a notice until every consumer of it took it
 * (interest retention), so an actor that is down when a notice is sent
 * gets it when it comes back, and a notice every live listener took is
 * gone: it cannot stop a later run. A consumer made at an actor's first
 * start begins with the notices sent from then on. */
#include "nats_link.h"

#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

void nats_link_kick(struct nats_link *l)
{
    uint64_t one = 1;

    /* EAGAIN: the counter is already set, the actor will wake anyway */
    if (write(l->efd, &one, sizeof(one)) < 0)
        return;
}

void nats_link_drain(struct nats_link *l)
{
    uint64_t n;

    if (read(l->efd, &n, sizeof(n)) < 0)
        return; /* EAGAIN: nothing was pending */
}

void nats_link_nap(struct nats_link *l, int ms)
{
    struct pollfd p = { .fd = l->efd, .events = POLLIN };

    if (poll(&p, 1, ms) < 0)
        return;
}

static void on_disconnected(natsConnection *nc, void *closure)
{
    struct nats_link *l = closure;

    (void)nc;
    atomic_store_explicit(&l->down, true, memory_order_relaxed);
    atomic_fetch_add_explicit(&l->changes, 1, memory_order_relaxed);
    nats_link_kick(l);
}

static void on_reconnected(natsConnection *nc, void *closure)
{
    struct nats_link *l = closure;

    (void)nc;
    atomic_store_explicit(&l->down, false, memory_order_relaxed);
    atomic_fetch_add_explicit(&l->changes, 1, memory_order_relaxed);
    nats_link_kick(l);
}

/* libnats's last callback for a connection: after it, none touches l. */
static void on_closed(natsConnection *nc, void *closure)
{
    struct nats_link *l = closure;

    (void)nc;
    pthread_mutex_lock(&l->closed_lock);
    l->closed = true;
    pthread_cond_signal(&l->closed_cond);
    pthread_mutex_unlock(&l->closed_lock);
}

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether m is a notice this actor sent. */
static bool from_us(const struct nats_link *l, natsMsg *m)
{
    const char *origin = NULL;

    return natsMsgHeader_Get(m, NATS_LINK_HDR_ORIGIN, &origin) == NATS_OK &&
           origin && strcmp(origin, l->origin) == 0;
}

static void ack(natsMsg *m)
{
    natsMsg_Ack(m, NULL);
    natsMsg_Destroy(m);
}

/* Requests shutdown for a notice heard, once (not when we announced this
 * shutdown ourselves), then acknowledges the notice held. The actor, or
 * the control callback once the actor's run is over. */
static void act_on_notice(struct nats_link *l)
{
    natsMsg *m;
    bool first;

    pthread_mutex_lock(&l->ctl_lock);
    m = l->held;
    l->held = NULL;
    first = !l->acted;
    l->acted = true;
    pthread_mutex_unlock(&l->ctl_lock);
    if (first) {
        steady_request_shutdown(l->actor);
        if (*l->control_stream)
            steady_info(l->actor,
                        "shutdown notice received on '%s' (stream '%s')",
                        l->control, l->control_stream);
        else
            steady_info(l->actor, "shutdown notice received on '%s'",
                        l->control);
    }
    if (m)
        ack(m);
}

/* A notice from elsewhere; m (control stream; NULL on core NATS) is to be
 * acknowledged once acted on. libnats's thread. */
static void heard(struct nats_link *l, natsMsg *m)
{
    bool now;

    pthread_mutex_lock(&l->ctl_lock);
    if (l->finishing) {
        /* this run is over: the notice is moot for it */
        pthread_mutex_unlock(&l->ctl_lock);
        if (m)
            ack(m);
        return;
    }
    if (m && !l->held) {
        l->held = m;
        m = NULL;
    }
    /* under the lock: nats_link_run_over either sees this or is seen */
    atomic_store_explicit(&l->remote_stop, true, memory_order_relaxed);
    now = l->run_over;
    pthread_mutex_unlock(&l->ctl_lock);
    if (m)
        ack(m); /* one held notice is enough to keep the news */
    if (now)
        act_on_notice(l);
    else
        nats_link_kick(l);
}

static void on_control(natsConnection *nc, natsSubscription *sub, natsMsg *m,
                       void *closure)
{
    struct nats_link *l = closure;

    (void)nc;
    (void)sub;
    if (!from_us(l, m))
        heard(l, NULL);
    natsMsg_Destroy(m);
}

/* A notice through our consumer of the control stream: ours is taken and
 * dropped, another is kept until acted on. */
static void on_control_js(natsConnection *nc, natsSubscription *sub, natsMsg *m,
                          void *closure)
{
    struct nats_link *l = closure;

    (void)nc;
    (void)sub;
    if (from_us(l, m))
        ack(m);
    else
        heard(l, m);
}

/* libnats's thread: the control stream's answer to our notice. */
static void on_notice_stored(jsCtx *js, natsMsg *m, jsPubAck *pa,
                             jsPubAckErr *pae, void *closure)
{
    struct nats_link *l = closure;

    (void)js;
    natsMsg_Destroy(m);
    if (pa && !pae) {
        /* said here: the actor's run may be over already */
        steady_info(l->actor, "shutdown notice sent on '%s' (stream '%s')",
                    l->control, l->control_stream);
        atomic_store_explicit(&l->notice, NATS_LINK_NOTICE_STORED,
                              memory_order_relaxed);
    } else {
        atomic_store_explicit(&l->notice, NATS_LINK_NOTICE_FAILED,
                              memory_order_relaxed);
    }
    nats_link_kick(l);
}

/* libnats's own words for the last error, for a message. */
static const char *last_error(natsStatus s)
{
    const char *text = nats_GetLastError(NULL);

    return text && *text ? text : natsStatus_GetText(s);
}

/* Fills opts from the params; -1 (failed) on a file the client refuses. */
static int set_options(struct steady_actor *a, struct nats_link *l,
                       natsOptions *opts)
{
    const char *creds = steady_param_str(a, "creds");
    const char *ca = steady_param_str(a, "tls_ca");
    const char *cert = steady_param_str(a, "tls_cert");
    const char *key = steady_param_str(a, "tls_key");
    natsStatus s;

    s = natsOptions_SetURL(opts, l->url);
    if (s != NATS_OK)
        return steady_fail(a, "bad NATS url '%s': %s", l->url, last_error(s));
    /* at start a server must be there (init fails otherwise); later, wait
     * for it for ever, keeping what is published meanwhile in a buffer */
    natsOptions_SetTimeout(opts, 2000);
    natsOptions_SetMaxReconnect(opts, -1);
    natsOptions_SetReconnectWait(opts, 250);
    natsOptions_SetReconnectJitter(opts, 100, 1000);
    natsOptions_SetReconnectBufSize(opts, 32 * 1024 * 1024);
    natsOptions_SetDisconnectedCB(opts, on_disconnected, l);
    natsOptions_SetReconnectedCB(opts, on_reconnected, l);
    natsOptions_SetClosedCB(opts, on_closed, l);
    if (*creds && (s = natsOptions_SetUserCredentialsFromFiles(
                       opts, creds, NULL)) != NATS_OK)
        return steady_fail(a, "creds '%s' refused: %s", creds, last_error(s));
    if (*ca || *cert || *key) {
        if (!*cert != !*key)
            return steady_fail(a, "tls_cert and tls_key go together (got %s)",
                               *cert ? "tls_cert only" : "tls_key only");
        s = natsOptions_SetSecure(opts, true);
        if (s == NATS_OK && *ca)
            s = natsOptions_LoadCATrustedCertificates(opts, ca);
        if (s == NATS_OK && *cert)
            s = natsOptions_LoadCertificatesChain(opts, cert, key);
        if (s != NATS_OK)
            return steady_fail(a,
                               "TLS files refused (tls_ca '%s', tls_cert "
                               "'%s', tls_key '%s'): %s",
                               ca, cert, key, last_error(s));
    }
    return 0;
}

/* Keeps the shared object holding function fn mapped for good. */
static void pin_object_of(void (*fn)(void))
{
    Dl_info info;
    void *h, *addr;

    /* ISO C has no cast from a function pointer to void *: copy it */
    memcpy(&addr, &fn, sizeof(addr));
    if (dladdr(addr, &info) && info.dli_fname &&
        (h = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE)))
        dlclose(h); /* drops our reference; RTLD_NODELETE stays */
}

/* libnats starts threads of its own that outlive every connection, and
 * runs our callbacks on them: the last one (closed) may still be returning
 * through this plugin's code when destroy has seen it and the host unloads
 * the plugin. So neither libnats nor this plugin is ever unmapped once a
 * connection was made (a plugin rebuilt at the same path needs a new
 * process to be loaded). */
static void pin_code(void)
{
    pin_object_of((void (*)(void))natsConnection_Connect);
    pin_object_of((void (*)(void))nats_link_drain);
}

/* This actor's consumer name of the control stream: control_durable, or
 * the actor's name with what NATS refuses in one replaced by '_'. */
static int control_durable(struct steady_actor *a, struct nats_link *l)
{
    const char *given = steady_param_str(a, "control_durable");
    const char *name = *given ? given : steady_actor_name(a);
    size_t i = 0;

    if (strlen(name) >= sizeof(l->ctl_durable))
        return steady_fail(a,
                           "the consumer name of control stream '%s' "
                           "('%.40s...') is longer than %zu characters; set "
                           "control_durable",
                           l->control_stream, name, sizeof(l->ctl_durable) - 1);
    for (; name[i]; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') || c == '-' || c == '_';

        l->ctl_durable[i] = ok ? c : '_';
    }
    l->ctl_durable[i] = '\0';
    return 0;
}

/* Creates the control stream when missing, with the same settings from
 * every side. 0, or steady_fail's -1. */
static int control_stream_ensure(struct steady_actor *a, struct nats_link *l)
{
    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;
    natsStatus s;
    const char *subjects[1] = { l->control };

    s = js_GetStreamInfo(&si, l->ctl_js, l->control_stream, NULL, &jerr);
    if (s == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr) {
        jsStreamConfig c;

        jsStreamConfig_Init(&c);
        c.Name = l->control_stream;
        c.Subjects = subjects;
        c.SubjectsLen = 1;
        /* a notice goes once every consumer took it: none is left to
         * stop a later run, while one sent to an actor that is down
         * waits for it */
        c.Retention = js_InterestPolicy;
        c.Storage = js_FileStorage;
        c.MaxMsgs = NATS_LINK_CONTROL_MAX_MSGS;
        c.Discard = js_DiscardOld;
        jerr = 0;
        s = js_AddStream(&si, l->ctl_js, &c, NULL, &jerr);
        if (s == NATS_OK)
            steady_info(a,
                        "created stream '%s' (subject '%s', max_msgs %d, "
                        "file storage, interest retention, discard old) "
                        "for shutdown notices",
                        l->control_stream, l->control,
                        NATS_LINK_CONTROL_MAX_MSGS);
    }
    jsStreamInfo_Destroy(si);
    if (s != NATS_OK)
        return steady_fail(a, "control stream '%s' at %s: %s (error %d)",
                           l->control_stream, l->url, last_error(s), (int)jerr);
    return 0;
}

/* Makes this actor's durable push consumer of the control stream at its
 * first start (new notices only), then binds to it. 0, or steady_fail's
 * -1. */
static int control_consumer_open(struct steady_actor *a, struct nats_link *l)
{
    jsConsumerInfo *ci = NULL;
    jsErrCode jerr = 0;
    jsSubOptions so;
    natsStatus s;

    s = js_GetConsumerInfo(&ci, l->ctl_js, l->control_stream, l->ctl_durable,
                           NULL, &jerr);
    if (s == NATS_NOT_FOUND || jerr == JSConsumerNotFoundErr) {
        jsConsumerConfig cc;
        natsInbox *inbox = NULL;

        if (natsInbox_Create(&inbox) != NATS_OK)
            return steady_fail(a, "out of memory for an inbox");
        jsConsumerConfig_Init(&cc);
        cc.Durable = l->ctl_durable;
        cc.DeliverSubject = inbox;
        cc.DeliverPolicy = js_DeliverNew;
        cc.AckPolicy = js_AckExplicit;
        cc.AckWait = (int64_t)NATS_LINK_CONTROL_ACK_WAIT_MS * 1000000;
        cc.FilterSubject = l->control;
        jerr = 0;
        s = js_AddConsumer(&ci, l->ctl_js, l->control_stream, &cc, NULL, &jerr);
        natsInbox_Destroy(inbox);
        if (s == NATS_OK)
            steady_info(a,
                        "created consumer '%s' of stream '%s' (notices from "
                        "now on)",
                        l->ctl_durable, l->control_stream);
        else if (jerr == JSConsumerNameExistErr)
            s = NATS_OK; /* made meanwhile by another start of ours */
    }
    jsConsumerInfo_Destroy(ci);
    if (s != NATS_OK)
        return steady_fail(a,
                           "consumer '%s' of control stream '%s' at %s: %s "
                           "(error %d)",
                           l->ctl_durable, l->control_stream, l->url,
                           last_error(s), (int)jerr);
    jsSubOptions_Init(&so);
    so.Stream = l->control_stream;
    so.Consumer = l->ctl_durable;
    so.ManualAck = true;
    jerr = 0;
    s = js_Subscribe(&l->ctl_sub, l->ctl_js, l->control, on_control_js, l, NULL,
                     &so, &jerr);
    if (s != NATS_OK) {
        l->ctl_sub = NULL;
        return steady_fail(a,
                           "listening on '%s' through consumer '%s' of "
                           "stream '%s' at %s: %s (is another process "
                           "running as actor '%s'? control_durable names "
                           "another consumer)",
                           l->control, l->ctl_durable, l->control_stream,
                           l->url, last_error(s), steady_actor_name(a));
    }
    return 0;
}

/* Listens on the control subject: core NATS, or through the control
 * stream. 0, or steady_fail's -1. */
static int control_open(struct steady_actor *a, struct nats_link *l)
{
    jsOptions jo;
    natsStatus s;

    if (!*l->control_stream) {
        if (*steady_param_str(a, "control_durable"))
            return steady_fail(a, "control_durable needs control_stream");
        s = natsConnection_Subscribe(&l->ctl_sub, l->nc, l->control, on_control,
                                     l);
        if (s != NATS_OK) {
            l->ctl_sub = NULL;
            return steady_fail(a, "control subject '%s' at %s: %s", l->control,
                               l->url, last_error(s));
        }
        return 0;
    }
    if (control_durable(a, l) < 0)
        return -1;
    jsOptions_Init(&jo);
    jo.Wait = 2000;
    jo.PublishAsync.AckHandler = on_notice_stored;
    jo.PublishAsync.AckHandlerClosure = l;
    s = natsConnection_JetStream(&l->ctl_js, l->nc, &jo);
    if (s != NATS_OK) {
        l->ctl_js = NULL;
        return steady_fail(a, "JetStream context at %s: %s", l->url,
                           last_error(s));
    }
    if (control_stream_ensure(a, l) < 0)
        return -1;
    return control_consumer_open(a, l);
}

int nats_link_open(struct steady_actor *a, struct nats_link *l,
                   jsOptions *js_opts)
{
    natsOptions *opts = NULL;
    natsStatus s;
    struct timespec ts;

    pin_code();
    memset(l, 0, sizeof(*l));
    l->efd = -1;
    l->actor = a;
    l->url = steady_param_str(a, "url");
    l->subject = steady_param_str(a, "subject");
    l->stream = steady_param_str(a, "stream");
    l->control = steady_param_str(a, "control");
    l->control_stream = steady_param_str(a, "control_stream");
    l->jetstream = steady_param_bool(a, "jetstream");
    l->eos = steady_param_bool(a, "eos");
    atomic_init(&l->notice, NATS_LINK_NOTICE_NONE);
    pthread_mutex_init(&l->closed_lock, NULL);
    pthread_cond_init(&l->closed_cond, NULL);
    pthread_mutex_init(&l->ctl_lock, NULL);
    clock_gettime(CLOCK_REALTIME, &ts);
    /* unique to this start first (a process restarted in a container has
     * the same pid), then who, for a reader; also the notice's message id,
     * so a notice sent again is stored once */
    snprintf(l->origin, sizeof(l->origin), "%" PRIx64 "-%ld-%s",
             ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) ^
                 ((uint64_t)(uintptr_t)l << 20),
             (long)getpid(), steady_actor_name(a));
    if (!*l->subject) {
        steady_fail(a, "subject must not be empty");
        goto err;
    }
    if (*l->control_stream && !*l->control) {
        steady_fail(a,
                    "control_stream '%s' needs a control subject (param "
                    "control) for its notices",
                    l->control_stream);
        goto err;
    }
    if (!*l->control && *steady_param_str(a, "control_durable")) {
        steady_fail(a, "control_durable needs control and control_stream");
        goto err;
    }
    l->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (l->efd < 0) {
        steady_fail(a, "eventfd: %s", strerror(errno));
        goto err;
    }
    if (natsOptions_Create(&opts) != NATS_OK) {
        steady_fail(a, "out of memory for NATS options");
        goto err;
    }
    if (set_options(a, l, opts) < 0)
        goto err;
    s = natsConnection_Connect(&l->nc, opts);
    if (s != NATS_OK) {
        steady_fail(a, "cannot connect to NATS at %s: %s", l->url,
                    last_error(s));
        l->nc = NULL;
        goto err;
    }
    natsOptions_Destroy(opts);
    opts = NULL;
    if (l->jetstream &&
        (s = natsConnection_JetStream(&l->js, l->nc, js_opts)) != NATS_OK) {
        steady_fail(a, "JetStream context at %s: %s", l->url, last_error(s));
        goto err;
    }
    if (*l->control && control_open(a, l) < 0)
        goto err;
    return 0;
err:
    natsOptions_Destroy(opts);
    nats_link_close(l, 0);
    return -1;
}

void nats_link_close(struct nats_link *l, int timeout_ms)
{
    struct timespec until;

    if (l->ctl_sub) {
        natsMsg *m;

        /* heard but never acted on (the run did not begin): back to the
         * server, which delivers it again to the next start */
        pthread_mutex_lock(&l->ctl_lock);
        m = l->held;
        l->held = NULL;
        pthread_mutex_unlock(&l->ctl_lock);
        if (m) {
            natsMsg_Nak(m, NULL);
            natsMsg_Destroy(m);
        }
        /* no control callback runs once the drain completed (a consumer
         * we bound to, not made by this call, stays on the server) */
        if (natsSubscription_Drain(l->ctl_sub) == NATS_OK)
            natsSubscription_WaitForDrainCompletion(l->ctl_sub, 2000);
        natsSubscription_Destroy(l->ctl_sub);
        l->ctl_sub = NULL;
    }
    if (l->ctl_js || l->nc) {
        natsMsg *m;

        /* held during the drain: the server delivers it again after its
         * acknowledgement wait */
        pthread_mutex_lock(&l->ctl_lock);
        m = l->held;
        l->held = NULL;
        pthread_mutex_unlock(&l->ctl_lock);
        natsMsg_Destroy(m);
    }
    if (l->ctl_js) {
        /* no acknowledgement callback may run once we are gone */
        jsPubOptions o;
        natsMsgList pending = { 0 };

        jsPubOptions_Init(&o);
        o.MaxWait = 1000;
        if (js_PublishAsyncComplete(l->ctl_js, &o) != NATS_OK &&
            js_PublishAsyncGetPendingList(&pending, l->ctl_js) == NATS_OK)
            natsMsgList_Destroy(&pending);
        jsCtx_Destroy(l->ctl_js);
        l->ctl_js = NULL;
    }
    if (l->js) {
        jsCtx_Destroy(l->js);
        l->js = NULL;
    }
    if (l->nc) {
        if (timeout_ms > 0)
            natsConnection_FlushTimeout(l->nc, timeout_ms);
        natsConnection_Close(l->nc);
        /* the closed callback is libnats's last for this connection: wait
         * for it before l (its closure) goes away */
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 5;
        pthread_mutex_lock(&l->closed_lock);
        while (!l->closed && pthread_cond_timedwait(
                                 &l->closed_cond, &l->closed_lock, &until) == 0)
            ;
        pthread_mutex_unlock(&l->closed_lock);
        natsConnection_Destroy(l->nc);
        l->nc = NULL;
    }
    if (l->efd >= 0) {
        close(l->efd);
        l->efd = -1;
    }
    pthread_mutex_destroy(&l->ctl_lock);
    pthread_cond_destroy(&l->closed_cond);
    pthread_mutex_destroy(&l->closed_lock);
}

/* Sends our shutdown notice: on core NATS once (whoever listens now hears
 * it); through the control stream until the stream stored it, each try
 * with the same message id so that the stream keeps one. Actor. */
static void send_stop(struct steady_actor *a, struct nats_link *l)
{
    int st = atomic_load_explicit(&l->notice, memory_order_relaxed);
    natsMsg *m = NULL;
    jsPubOptions o;
    natsStatus s;

    if (st == NATS_LINK_NOTICE_FAILED && *l->control_stream &&
        !l->said_unsent) {
        steady_warn(a,
                    "shutdown notice on '%s' not yet stored by stream '%s' "
                    "at %s: trying again",
                    l->control, l->control_stream, l->url);
        l->said_unsent = true;
    }
    if (st == NATS_LINK_NOTICE_STORED || st == NATS_LINK_NOTICE_FLIGHT ||
        (st == NATS_LINK_NOTICE_FAILED && now_ms() < l->resend_at_ms))
        return;
    if (natsMsg_Create(&m, l->control, NULL, "shutdown", 8) != NATS_OK ||
        natsMsgHeader_Set(m, NATS_LINK_HDR_ORIGIN, l->origin) != NATS_OK) {
        natsMsg_Destroy(m);
        steady_warn(a, "out of memory for the shutdown notice on '%s'",
                    l->control);
        atomic_store_explicit(&l->notice, NATS_LINK_NOTICE_FAILED,
                              memory_order_relaxed);
        l->resend_at_ms = now_ms() + 250;
        return;
    }
    if (!*l->control_stream) {
        if (natsConnection_PublishMsg(l->nc, m) != NATS_OK)
            steady_warn(a, "could not send the shutdown notice on '%s'",
                        l->control);
        else
            steady_info(a, "shutdown notice sent on '%s'", l->control);
        natsMsg_Destroy(m);
        natsConnection_FlushTimeout(l->nc, 500);
        /* once, stored or not: core NATS keeps nothing */
        atomic_store_explicit(&l->notice, NATS_LINK_NOTICE_STORED,
                              memory_order_relaxed);
        return;
    }
    jsPubOptions_Init(&o);
    o.MaxWait = 2000;
    o.MsgId = l->origin;
    o.ExpectStream = l->control_stream;
    /* before the publish: its answer may come before the call returns */
    atomic_store_explicit(&l->notice, NATS_LINK_NOTICE_FLIGHT,
                          memory_order_relaxed);
    s = js_PublishMsgAsync(l->ctl_js, &m, &o);
    natsMsg_Destroy(m); /* NULL when the library took it */
    if (s != NATS_OK)
        atomic_store_explicit(&l->notice, NATS_LINK_NOTICE_FAILED,
                              memory_order_relaxed);
    l->resend_at_ms = now_ms() + 250;
}

void nats_link_service(struct steady_actor *a, struct nats_link *l)
{
    unsigned changes = atomic_load_explicit(&l->changes, memory_order_relaxed);

    l->ran = true;
    if (changes != l->changes_seen) {
        bool down = atomic_load_explicit(&l->down, memory_order_relaxed);

        l->changes_seen = changes;
        if (!down)
            l->back = true;
        if (down && !l->said_down) {
            steady_warn(a, "waiting for NATS at %s", l->url);
            l->said_down = true;
        } else if (!down && l->said_down) {
            steady_info(a, "NATS at %s is back", l->url);
            l->said_down = false;
        }
    }
    if (!*l->control)
        return;
    if (atomic_load_explicit(&l->remote_stop, memory_order_relaxed))
        act_on_notice(l);
    if (!l->sending && steady_shutdown_requested(a)) {
        /* ours to announce unless a notice brought it */
        pthread_mutex_lock(&l->ctl_lock);
        l->sending = !l->acted;
        l->acted = true;
        pthread_mutex_unlock(&l->ctl_lock);
        if (!l->sending)
            return;
    }
    if (l->sending)
        send_stop(a, l);
}

void nats_link_run_over(struct steady_actor *a, struct nats_link *l)
{
    bool pending;

    nats_link_service(a, l);
    pthread_mutex_lock(&l->ctl_lock);
    l->run_over = true;
    pending = l->held ||
              (atomic_load_explicit(&l->remote_stop, memory_order_relaxed) &&
               !l->acted);
    pthread_mutex_unlock(&l->ctl_lock);
    if (pending)
        act_on_notice(l);
}

/* Waits at most ms for this actor's consumer to have taken every notice the
 * control stream holds for it; the callback drops them meanwhile. */
static void sweep(struct steady_actor *a, struct nats_link *l, int ms)
{
    int64_t deadline = now_ms() + ms;

    for (;;) {
        jsConsumerInfo *ci = NULL;
        jsErrCode jerr = 0;
        natsStatus s = js_GetConsumerInfo(&ci, l->ctl_js, l->control_stream,
                                          l->ctl_durable, NULL, &jerr);
        bool done =
            s != NATS_OK || (ci->NumPending == 0 && ci->NumAckPending == 0);

        jsConsumerInfo_Destroy(ci);
        if (done)
            return;
        if (now_ms() >= deadline) {
            steady_debug(a,
                         "consumer '%s' of stream '%s' still has notices "
                         "to take",
                         l->ctl_durable, l->control_stream);
            return;
        }
        nats_link_nap(l, 20);
    }
}

void nats_link_finish(struct steady_actor *a, struct nats_link *l)
{
    natsMsg *m;

    if (!l->ctl_js)
        return;
    if (l->sending) {
        jsPubOptions o;

        /* the run ended before the stream answered: wait for it, and try
         * once more if it refused or did not answer */
        jsPubOptions_Init(&o);
        o.MaxWait = 3000;
        js_PublishAsyncComplete(l->ctl_js, &o);
        if (atomic_load_explicit(&l->notice, memory_order_relaxed) ==
            NATS_LINK_NOTICE_FAILED) {
            l->resend_at_ms = 0;
            send_stop(a, l);
            js_PublishAsyncComplete(l->ctl_js, &o);
        }
        if (atomic_load_explicit(&l->notice, memory_order_relaxed) !=
            NATS_LINK_NOTICE_STORED)
            steady_warn(a,
                        "shutdown notice on '%s' not stored by stream "
                        "'%s' at %s: nodes that are down will not hear of "
                        "this shutdown",
                        l->control, l->control_stream, l->url);
    }
    if (!l->ran)
        return; /* a notice held is for the next start */
    /* this run is over: what the stream holds for us now belongs to it
     * (our own notice too), not to the next run */
    pthread_mutex_lock(&l->ctl_lock);
    l->finishing = true;
    m = l->held;
    l->held = NULL;
    pthread_mutex_unlock(&l->ctl_lock);
    if (m)
        ack(m);
    sweep(a, l, 2000);
}

int nats_link_set_type(natsMsg *m, const char *type, size_t size)
{
    char buf[24];

    snprintf(buf, sizeof(buf), "%zu", size);
    if (natsMsgHeader_Set(m, NATS_LINK_HDR_TYPE, type) != NATS_OK ||
        natsMsgHeader_Set(m, NATS_LINK_HDR_SIZE, buf) != NATS_OK)
        return -1;
    return 0;
}

int nats_link_stream(struct steady_actor *a, struct nats_link *l,
                     int64_t *max_msgs)
{
    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;
    natsStatus s;
    const char *subjects[1] = { l->subject };
    int64_t max = steady_param_int(a, "max_msgs");

    if (!l->stream[0]) {
        if (steady_param_bool(a, "create_stream"))
            return steady_fail(a, "create_stream needs a stream name");
        return 0;
    }
    s = js_GetStreamInfo(&si, l->js, l->stream, NULL, &jerr);
    if (s == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr) {
        jsStreamConfig c;

        if (!steady_param_bool(a, "create_stream"))
            return steady_fail(a,
                               "stream '%s' does not exist at %s (set "
                               "create_stream: true to create it)",
                               l->stream, l->url);
        jsStreamConfig_Init(&c);
        c.Name = l->stream;
        c.Subjects = subjects;
        c.SubjectsLen = 1;
        c.Retention = js_WorkQueuePolicy;
        c.Storage = js_FileStorage;
        c.MaxMsgs = max;
        c.Discard = js_DiscardNew;
        c.Duplicates = steady_param_int(a, "dup_window_ms") * 1000000;
        s = js_AddStream(&si, l->js, &c, NULL, &jerr);
        if (s == NATS_OK)
            steady_info(a,
                        "created stream '%s' (subject '%s', max_msgs %" PRId64
                        ", file storage, work queue, discard new)",
                        l->stream, l->subject, max);
    }
    if (s != NATS_OK) {
        jsStreamInfo_Destroy(si);
        return steady_fail(a, "stream '%s' at %s: %s (error %d)", l->stream,
                           l->url, nats_GetLastError(NULL), (int)jerr);
    }
    if (max_msgs)
        *max_msgs = si->Config ? si->Config->MaxMsgs : 0;
    jsStreamInfo_Destroy(si);
    return 0;
}

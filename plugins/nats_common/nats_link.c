/* nats_link.c - the connection both NATS plugins keep: connect once at init
 * (a clear failure naming the URL), then reconnect for ever, waking the
 * actor through an eventfd on each change; and shutdown notices on the
 * control subject. */
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

static void on_control(natsConnection *nc, natsSubscription *sub, natsMsg *m,
                       void *closure)
{
    struct nats_link *l = closure;
    const char *origin = NULL;

    (void)nc;
    (void)sub;
    if (natsMsgHeader_Get(m, NATS_LINK_HDR_ORIGIN, &origin) != NATS_OK ||
        !origin || strcmp(origin, l->origin) != 0) {
        atomic_store_explicit(&l->remote_stop, true, memory_order_relaxed);
        nats_link_kick(l);
    }
    natsMsg_Destroy(m);
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
    if (*creds &&
        (s = natsOptions_SetUserCredentialsFromFiles(opts, creds, NULL)) !=
            NATS_OK)
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
            return steady_fail(a, "TLS files refused (tls_ca '%s', tls_cert "
                                  "'%s', tls_key '%s'): %s",
                               ca, cert, key, last_error(s));
    }
    return 0;
}

/* libnats starts threads of its own that outlive every connection; were
 * the library unloaded with the plugin, they would run unmapped code. Pin
 * it (not the plugin, which stays reloadable) in memory for good. */
static void pin_libnats(void)
{
    natsStatus (*fn)(natsConnection **, natsOptions *) = natsConnection_Connect;
    Dl_info info;
    void *h, *addr;

    /* ISO C has no cast from a function pointer to void *: copy it */
    memcpy(&addr, &fn, sizeof(addr));
    if (dladdr(addr, &info) && info.dli_fname &&
        (h = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE)))
        dlclose(h); /* drops our reference; RTLD_NODELETE stays */
}

int nats_link_open(struct steady_actor *a, struct nats_link *l,
                   jsOptions *js_opts)
{
    natsOptions *opts = NULL;
    natsStatus s;
    struct timespec ts;

    pin_libnats();
    memset(l, 0, sizeof(*l));
    l->efd = -1;
    l->url = steady_param_str(a, "url");
    l->subject = steady_param_str(a, "subject");
    l->stream = steady_param_str(a, "stream");
    l->control = steady_param_str(a, "control");
    l->jetstream = steady_param_bool(a, "jetstream");
    l->eos = steady_param_bool(a, "eos");
    pthread_mutex_init(&l->closed_lock, NULL);
    pthread_cond_init(&l->closed_cond, NULL);
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(l->origin, sizeof(l->origin), "%ld-%s-%" PRIx64, (long)getpid(),
             steady_actor_name(a),
             (uint64_t)ts.tv_nsec ^ (uint64_t)(uintptr_t)l);
    if (!*l->subject) {
        steady_fail(a, "subject must not be empty");
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
    if (*l->control &&
        (s = natsConnection_Subscribe(&l->ctl_sub, l->nc, l->control,
                                      on_control, l)) != NATS_OK) {
        steady_fail(a, "control subject '%s' at %s: %s", l->control, l->url,
                    last_error(s));
        goto err;
    }
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
        /* no control callback runs once the drain completed */
        if (natsSubscription_Drain(l->ctl_sub) == NATS_OK)
            natsSubscription_WaitForDrainCompletion(l->ctl_sub, 2000);
        natsSubscription_Destroy(l->ctl_sub);
        l->ctl_sub = NULL;
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
        while (!l->closed &&
               pthread_cond_timedwait(&l->closed_cond, &l->closed_lock,
                                      &until) == 0)
            ;
        pthread_mutex_unlock(&l->closed_lock);
        natsConnection_Destroy(l->nc);
        l->nc = NULL;
    }
    if (l->efd >= 0) {
        close(l->efd);
        l->efd = -1;
    }
    pthread_cond_destroy(&l->closed_cond);
    pthread_mutex_destroy(&l->closed_lock);
}

/* Sends our shutdown notice (core NATS: whoever listens now hears it). */
static void send_stop(struct steady_actor *a, struct nats_link *l)
{
    natsMsg *m = NULL;

    if (natsMsg_Create(&m, l->control, NULL, "shutdown", 8) != NATS_OK ||
        natsMsgHeader_Set(m, NATS_LINK_HDR_ORIGIN, l->origin) != NATS_OK ||
        natsConnection_PublishMsg(l->nc, m) != NATS_OK)
        steady_warn(a, "could not send the shutdown notice on '%s'",
                    l->control);
    else
        steady_info(a, "shutdown notice sent on '%s'", l->control);
    natsMsg_Destroy(m);
    natsConnection_FlushTimeout(l->nc, 500);
}

void nats_link_service(struct steady_actor *a, struct nats_link *l)
{
    unsigned changes =
        atomic_load_explicit(&l->changes, memory_order_relaxed);

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
    if (atomic_load_explicit(&l->remote_stop, memory_order_relaxed) &&
        !l->stop_from_remote && !l->stop_sent) {
        l->stop_from_remote = true;
        steady_info(a, "shutdown notice received on '%s'", l->control);
        steady_request_shutdown(a);
    }
    if (steady_shutdown_requested(a) && !l->stop_from_remote && !l->stop_sent) {
        l->stop_sent = true;
        send_stop(a, l);
    }
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

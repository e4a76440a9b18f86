/* nats_link.h - what nats_publish and nats_subscribe share: the connection
 * to NATS (URL, credentials, TLS, reconnecting for ever), the eventfd that
 * libnats's threads use to wake the actor, the control subject that carries
 * shutdown between processes, and the headers that say what a message is.
 * Compiled into each of the two plugins; only they link libnats. */
#ifndef STEADY_NATS_LINK_H
#define STEADY_NATS_LINK_H

#include <nats/nats.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <steady/steady.h>

/* Headers every message carries. */
#define NATS_LINK_HDR_TYPE "Steady-Type" /* element type name */
#define NATS_LINK_HDR_SIZE "Steady-Size" /* element size, 0: variable */
#define NATS_LINK_HDR_EOS  "Steady-Eos"  /* "1" on the end-of-stream marker */
/* On a control notice: who sent it, so that an actor ignores its own. */
#define NATS_LINK_HDR_ORIGIN "Steady-Origin"

/* Params both plugins declare, in this order, first in their tables. */
#define NATS_LINK_PARAMS                                                       \
    { "url", STEADY_PARAM_STRING, "nats://127.0.0.1:4222",                 \
      "NATS server URL (several: comma-separated); unreachable at start "      \
      "fails init" },                                                          \
        { "subject", STEADY_PARAM_STRING, NULL, "the subject (required)" },    \
        { "jetstream", STEADY_PARAM_BOOL, "false",                             \
          "through JetStream (stored, acknowledged) instead of core NATS" },   \
        { "stream", STEADY_PARAM_STRING, "",                               \
          "JetStream stream (subscribe: required; publish: \"\" for any that holds the subject)" }, \
        { "eos", STEADY_PARAM_BOOL, "false",                                   \
          "carry end of stream: a marker message after the last one" },        \
        { "control", STEADY_PARAM_STRING, "",                              \
          "subject carrying shutdown between processes (\"\": none)" },        \
        { "creds", STEADY_PARAM_STRING, "",                                \
          "NATS credentials file (\"\": none)" },                              \
        { "tls_ca", STEADY_PARAM_STRING, "",                               \
          "CA certificates file to verify the server (\"\": no TLS)" },        \
        { "tls_cert", STEADY_PARAM_STRING, "",                             \
          "client certificate file for TLS (with tls_key)" },                  \
        { "tls_key", STEADY_PARAM_STRING, "",                              \
          "client private key file for TLS (with tls_cert)" }
#define NATS_LINK_N_PARAMS 10
#define NATS_LINK_LIMITS   { 0 }, { 0 }, { 0 }, { 0 }, { 0 }, { 0 }, { 0 }, \
        { 0 }, { 0 }, { 0 }

struct nats_link {
    natsConnection *nc;
    jsCtx *js; /* NULL without jetstream */
    int efd;   /* eventfd: libnats's threads wake the actor through it */
    const char *url, *subject, *stream, *control;
    bool jetstream, eos;
    char origin[40]; /* this actor's id on control notices */
    natsSubscription *ctl_sub;
    /* set by libnats's threads, read by the actor; each publishes nothing
     * but itself (the eventfd write that follows orders the wake-up) */
    _Atomic bool down;         /* disconnected, not yet reconnected */
    _Atomic bool remote_stop;  /* a control notice from elsewhere came */
    _Atomic unsigned changes;  /* disconnections + reconnections seen */
    unsigned changes_seen;     /* actor: changes already logged */
    bool said_down;            /* actor: "waiting for NATS" logged */
    bool back;                 /* actor: reconnected since last cleared */
    bool stop_sent;            /* actor: our shutdown notice went out */
    bool stop_from_remote;     /* actor: shutdown came from a notice */
    pthread_mutex_t closed_lock;
    pthread_cond_t closed_cond;
    bool closed; /* libnats's last callback for this connection ran */
};

/* Reads the link params, connects (failing with a message naming the URL
 * when the server cannot be reached or the URL is bad), gets a JetStream
 * context when asked (js_opts may be NULL), subscribes to the control
 * subject. On failure everything is undone and steady_fail's -1 returned. */
int nats_link_open(struct steady_actor *a, struct nats_link *l,
                   jsOptions *js_opts);
/* Closes the control subscription and the connection (after a flush of at
 * most timeout_ms) and waits for libnats's last callback. NULL-safe on a
 * zeroed link. */
void nats_link_close(struct nats_link *l, int timeout_ms);

/* Wakes the actor (any thread). */
void nats_link_kick(struct nats_link *l);
/* Empties the eventfd (actor). */
void nats_link_drain(struct nats_link *l);
/* The actor's part of connection and control events: logs a lost and a
 * regained connection once each, requests shutdown when a notice came,
 * and sends ours once when shutdown was requested here. */
void nats_link_service(struct steady_actor *a, struct nats_link *l);
/* During shutdown, when every wait is cut short: sleeps on the eventfd at
 * most ms, so that a drain waiting for the server does not spin. */
void nats_link_nap(struct nats_link *l, int ms);

/* Sets the type headers of a message for the port's type. 0 or -1. */
int nats_link_set_type(natsMsg *m, const char *type, size_t size);

#endif

/* nats_link.h - what nats_publish and nats_subscribe share: the connection
 * to NATS (URL, credentials, TLS, reconnecting for ever), the eventfd that
 * libnats's threads use to wake the actor, the control subject that carries
 * shutdown between processes (on core NATS, or kept in a JetStream stream
 * so that a process that is down hears it when it comes back), and the
 * headers that say what a message is. Compiled into each of the two
 * plugins; only they link libnats. */
#ifndef STEADY_NATS_LINK_H
#define STEADY_NATS_LINK_H

#include <nats/nats.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <steady/steady.h>

/* Headers every message carries. */
#define NATS_LINK_HDR_TYPE   "Steady-Type" /* element type name */
#define NATS_LINK_HDR_SIZE   "Steady-Size" /* element size, 0: variable */
#define NATS_LINK_HDR_EOS    "Steady-Eos"  /* "1" on the end-of-stream marker */
/* On a control notice: who sent it, so that an actor ignores its own. */
#define NATS_LINK_HDR_ORIGIN "Steady-Origin"

/* Params both plugins declare, in this order, first in their tables. */
#define NATS_LINK_PARAMS                                                       \
    { "url", STEADY_PARAM_STRING, "nats://127.0.0.1:4222",                     \
      "NATS server URL (several: comma-separated); unreachable at start "      \
      "fails init" },                                                          \
        { "subject", STEADY_PARAM_STRING, NULL, "the subject (required)" },    \
        { "jetstream", STEADY_PARAM_BOOL, "false",                             \
          "through JetStream (stored, acknowledged) instead of core NATS" },   \
        { "stream", STEADY_PARAM_STRING, "",                                   \
          "JetStream stream (subscribe: required; publish: \"\" for any that " \
          "holds the subject)" },                                              \
        { "eos", STEADY_PARAM_BOOL, "false",                                   \
          "carry end of stream: a marker message after the last one" },        \
        { "control", STEADY_PARAM_STRING, "",                                  \
          "subject carrying shutdown between processes (\"\": none)" },        \
        { "control_stream", STEADY_PARAM_STRING, "",                           \
          "JetStream stream keeping the control notices, so a process that "   \
          "is down gets them when it is back (made when missing: interest "    \
          "retention, max_msgs 256, discard old, file storage); \"\": core "   \
          "NATS, heard only by who listens then" },                            \
        { "control_durable", STEADY_PARAM_STRING, "",                          \
          "with control_stream: this actor's durable consumer of it (\"\": "   \
          "the actor's name); made at first start, new notices only" },        \
        { "creds", STEADY_PARAM_STRING, "",                                    \
          "NATS credentials file (\"\": none)" },                              \
        { "tls_ca", STEADY_PARAM_STRING, "",                                   \
          "CA certificates file to verify the server (\"\": no TLS)" },        \
        { "tls_cert", STEADY_PARAM_STRING, "",                                 \
          "client certificate file for TLS (with tls_key)" },                  \
    {                                                                          \
        "tls_key", STEADY_PARAM_STRING, "",                                    \
            "client private key file for TLS (with tls_cert)"                  \
    }
#define NATS_LINK_N_PARAMS 12
#define NATS_LINK_LIMITS                                                  \
    { 0 }, { 0 }, { 0 }, { 0 }, { 0 }, { 0 }, { 0 }, { 0 }, { 0 }, { 0 }, \
        { 0 },                                                            \
    {                                                                     \
        0                                                                 \
    }

/* JetStream stream params both plugins declare, after NATS_LINK_PARAMS. */
#define NATS_LINK_STREAM_PARAMS                                             \
    { "create_stream", STEADY_PARAM_BOOL, "false",                          \
      "create `stream` when missing: file storage, work queue, max_msgs, "  \
      "discard new, dup_window_ms" },                                       \
        { "max_msgs", STEADY_PARAM_INT, "1024",                             \
          "max_msgs of a stream created here (as a link: the channel "      \
          "capacity)" },                                                    \
    {                                                                       \
        "dup_window_ms", STEADY_PARAM_INT, "120000",                        \
            "duplicate window of a stream created here (replays within it " \
            "are dropped)"                                                  \
    }
#define NATS_LINK_STREAM_LIMITS                 \
    { 0 }, { .min = "1", .max = "1000000000" }, \
    {                                           \
        .min = "1000", .max = "86400000"        \
    }

/* The control stream's bounds, the same from every side (JetStream takes
 * a second creation with the same settings as the same stream). */
#define NATS_LINK_CONTROL_MAX_MSGS    256
#define NATS_LINK_CONTROL_ACK_WAIT_MS 30000

/* Where our own notice is, through the control stream. */
enum nats_link_notice {
    NATS_LINK_NOTICE_NONE,   /* not sent */
    NATS_LINK_NOTICE_FLIGHT, /* published, acknowledgement awaited */
    NATS_LINK_NOTICE_STORED, /* the stream has it */
    NATS_LINK_NOTICE_FAILED, /* refused or timed out: to send again */
};

struct nats_link {
    natsConnection *nc;
    jsCtx *js; /* NULL without jetstream */
    int efd;   /* eventfd: libnats's threads wake the actor through it */
    const char *url, *subject, *stream, *control, *control_stream;
    bool jetstream, eos;
    char origin[96];       /* this start's id on control notices */
    char ctl_durable[200]; /* its consumer of control_stream */
    struct steady_actor *actor;
    natsSubscription *ctl_sub;
    jsCtx *ctl_js; /* with control_stream: notices through it */
    /* set by libnats's threads, read by the actor; each publishes nothing
     * but itself (the eventfd write that follows orders the wake-up) */
    _Atomic bool down;        /* disconnected, not yet reconnected */
    _Atomic bool remote_stop; /* a control notice from elsewhere came */
    _Atomic unsigned changes; /* disconnections + reconnections seen */
    _Atomic int notice;       /* enum nats_link_notice of ours */
    unsigned changes_seen;    /* actor: changes already logged */
    bool said_down;           /* actor: "waiting for NATS" logged */
    bool back;                /* actor: reconnected since last cleared */
    bool ran;                 /* actor: its run began */
    bool sending;             /* actor: this shutdown is ours to announce */
    bool said_unsent;         /* actor: "not yet stored" logged */
    int64_t resend_at_ms;     /* actor: when a failed notice goes again */
    /* a notice heard and what was done about it, shared by the actor and
     * the control callback */
    pthread_mutex_t ctl_lock;
    natsMsg *held;  /* heard, acknowledged once acted on (control_stream) */
    bool acted;     /* shutdown came from a notice, or ours is sent */
    bool run_over;  /* the actor's run returned: the callback acts itself */
    bool finishing; /* destroy: a notice is taken and dropped */
    pthread_mutex_t closed_lock;
    pthread_cond_t closed_cond;
    bool closed; /* libnats's last callback for this connection ran */
};

/* Reads the link params, connects (failing with a message naming the URL
 * when the server cannot be reached or the URL is bad), gets a JetStream
 * context when asked (js_opts may be NULL), listens on the control subject
 * (with control_stream: creates the stream when missing and this actor's
 * durable consumer of it at its first start, then binds to it). On failure
 * everything is undone and steady_fail's -1 returned. */
int nats_link_open(struct steady_actor *a, struct nats_link *l,
                   jsOptions *js_opts);
/* The end of the actor's run (call it as run returns): sends our notice if
 * shutdown was requested here and it is not out yet, acts on a notice
 * heard meanwhile, and from then on lets the control callback request
 * shutdown itself, as the node may still run other actors. */
void nats_link_run_over(struct steady_actor *a, struct nats_link *l);
/* Before nats_link_close, in destroy: waits (bounded) for our notice to be
 * stored, and, when the run ran, for this actor's consumer to have taken
 * every notice already in the control stream, so that none of this run's
 * is left to stop the next one. */
void nats_link_finish(struct steady_actor *a, struct nats_link *l);
/* Closes the control subscription and the connection (after a flush of at
 * most timeout_ms) and waits for libnats's last callback. NULL-safe on a
 * zeroed link. A notice heard but not acted on (the run never began) is
 * handed back to the server, which delivers it again next time. */
void nats_link_close(struct nats_link *l, int timeout_ms);

/* With jetstream and a stream named: creates it when missing and
 * create_stream is set (file storage, work queue, max_msgs, discard new,
 * dup_window_ms; the same settings from both ends are one stream), else
 * fails naming it. *max_msgs (may be NULL) gets the stream's max_msgs.
 * 0, or steady_fail's -1. */
int nats_link_stream(struct steady_actor *a, struct nats_link *l,
                     int64_t *max_msgs);

/* Wakes the actor (any thread). */
void nats_link_kick(struct nats_link *l);
/* Empties the eventfd (actor). */
void nats_link_drain(struct nats_link *l);
/* The actor's part of connection and control events: logs a lost and a
 * regained connection once each, requests shutdown when a notice came
 * (then acknowledges it), and sends ours once when shutdown was requested
 * here (through the control stream: again until it is stored). */
void nats_link_service(struct steady_actor *a, struct nats_link *l);
/* During shutdown, when every wait is cut short: sleeps on the eventfd at
 * most ms, so that a drain waiting for the server does not spin. */
void nats_link_nap(struct nats_link *l, int ms);

/* Sets the type headers of a message for the port's type. 0 or -1. */
int nats_link_set_type(natsMsg *m, const char *type, size_t size);

#endif

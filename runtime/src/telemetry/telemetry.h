/* telemetry.h - live figures of a running graph. A collector thread samples
 * every actor's CPU and every channel's counters once a frame into a rolling
 * window, evaluates the graph's alerts and publishes a snapshot; the HTTP
 * server (http.c) serves it as a dashboard, DOT, SVG and Prometheus text.
 *
 * Actors never wait on any of this: the collector only reads their atomic
 * counters, and the only lock is between the collector and HTTP threads.
 * The snapshot, window and alert parts are pure so unit tests can drive them.
 */
#ifndef STEADY_TELEMETRY_H
#define STEADY_TELEMETRY_H

#include "graph.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct steady_actor;
struct steady_channel;

/* ---- one published picture of the graph ----------------------------- */

enum tel_state {
    TEL_STARTING,   /* initialised, not yet running */
    TEL_RUNNING,    /* running */
    TEL_RESTARTING, /* restarted by its supervisor within the last second */
    TEL_STOPPED,    /* finished cleanly */
    TEL_FAILED,     /* finished with an error */
};
#define TEL_N_STATES 5

struct tel_actor {
    const char *name; /* borrowed from the graph */
    const struct graph_alert *alerts;
    size_t n_alerts;
    enum tel_state state;
    uint64_t cpu_ns;   /* CPU used since start */
    double mcpu;       /* average over the window; 1024 = one core */
    double load;       /* percent of the whole graph's CPU in the window */
    uint32_t restarts; /* runs restarted by the supervisor */
    enum alert_color alert;
    /* A bridge carrying a channel over NATS: the far end it stands for
     * ("logger.in on node downstream"), borrowed; NULL for the others. */
    const char *remote;
};

struct tel_channel {
    const char *from, *to; /* actor names, borrowed */
    /* Port names, "out" or "out[1]" for channel 1 of a bundle; borrowed,
     * or from names_owned. */
    const char *from_port, *to_port;
    char *names_owned; /* NULL, or the bundle labels above (freed with the
                          snapshot) */
    /* Another channel joins the same two actors, or an end is a bundle:
     * the ports (with bundle indices) tell the channels apart. */
    bool show_ports;
    const struct graph_alert *alerts;
    size_t n_alerts;
    uint64_t capacity;
    int percentile;        /* 1..99: which fill percentile is shown */
    bool varsize;          /* carries variable-size messages */
    uint64_t sent;         /* items sent since start (dropped ones too) */
    uint64_t taken;        /* items taken since start */
    uint64_t dropped;      /* items the overflow policy dropped */
    uint64_t bytes;        /* payload bytes sent since start */
    uint64_t inflight;     /* sent - taken - dropped at the sample */
    double avg_rate;       /* items taken per second over the window */
    double avg_bytes_rate; /* payload bytes sent per second, same window */
    double avg_filled;     /* average fill over the window, percent */
    double pct_filled;     /* the percentile of the fill, percent */
    double latency_ms;     /* average inflight / rate; INFINITY when stalled */
    enum alert_color alert;
};

struct tel_snapshot {
    const char *graph;    /* the graph's name, borrowed */
    const char *node;     /* the node this process runs (--node), or NULL */
    uint64_t seq;         /* frames sampled so far; 0 = nothing yet */
    double window_s;      /* time the averages cover (grows to window_s) */
    double uptime_s;      /* since telemetry started */
    uint64_t log_dropped; /* log lines dropped so far (steady_log_dropped) */
    size_t n_actors;
    size_t n_channels;
    struct tel_actor *actors;
    struct tel_channel *channels;
};

/* A snapshot of g with names, capacities and alerts filled in and every
 * figure zero. NULL when out of memory. Any thread. */
struct tel_snapshot *tel_snapshot_create(const struct graph *g);
void tel_snapshot_destroy(struct tel_snapshot *s);

const char *tel_state_name(enum tel_state s);
/* "none", "yellow", "orange", "red" */
const char *tel_color_name(enum alert_color c);

/* ---- the rolling window (pure) -------------------------------------- */

/* Counters read at one instant; arrays of n_actors and n_channels. */
struct tel_reading {
    uint64_t t_ns;            /* CLOCK_MONOTONIC */
    const uint64_t *cpu_ns;   /* per actor, CPU used so far */
    const uint64_t *taken;    /* per channel, taken so far */
    const uint64_t *inflight; /* per channel, at most its capacity */
    const uint64_t *bytes;    /* per channel, payload bytes sent so far */
};

struct tel_window;

/* How many frames a window of window_s seconds holds when sampled every
 * frame_ms, at most TEL_MAX_FRAMES; *period_ms gets the sampling period
 * actually used (frame_ms, or longer when the cap applies). */
#define TEL_MAX_FRAMES 10000
size_t tel_window_frames(int frame_ms, int window_s, int *period_ms);
/* A window of `frames` intervals (frames + 1 readings). capacities has
 * n_channels entries and is copied. NULL when out of memory. */
struct tel_window *tel_window_create(size_t frames, size_t n_actors,
                                     size_t n_channels,
                                     const uint64_t *capacities);
void tel_window_destroy(struct tel_window *w);
/* Adds a reading, dropping the oldest once the window is full. */
void tel_window_push(struct tel_window *w, const struct tel_reading *r);
/* Sets window_s, and per actor mcpu and load, and per channel avg_rate,
 * avg_bytes_rate, avg_filled, pct_filled (at each channel's `percentile`)
 * and latency_ms from the readings in the window. The snapshot has the
 * window's shape. */
void tel_window_figures(const struct tel_window *w, struct tel_snapshot *s);

/* ---- alerts (pure) -------------------------------------------------- */

/* The most severe colour among the alerts that hold, or ALERT_NONE: red
 * over orange over yellow, whatever their order in the graph file. */
enum alert_color tel_alert_actor(const struct tel_actor *a);
enum alert_color tel_alert_channel(const struct tel_channel *c);
/* Sets every actor's and channel's `alert`. No alert holds before the
 * window covers any time. */
void tel_alerts_apply(struct tel_snapshot *s);

/* ---- the running service -------------------------------------------- */

struct telemetry;

/* Binds the HTTP server as g->telemetry says (port 0: any free port; the
 * default port 9900, when taken, moves to the next free one and says so)
 * and serves an empty picture until telemetry_start. The actors and
 * channels (g's order) are borrowed and must outlive the telemetry.
 * Returns NULL with one line in err (e.g. the port is in use). Call only
 * when g->telemetry.enabled. */
struct telemetry *telemetry_create(const struct graph *g,
                                   struct steady_actor *const *actors,
                                   struct steady_channel *const *channels,
                                   char *err, size_t errlen);
/* The port the server listens on. Any thread. */
int telemetry_port(const struct telemetry *t);
/* Starts the collector thread and logs the dashboard and metrics URLs.
 * 0, or -1 with err set. Call once, after the actors started. */
int telemetry_start(struct telemetry *t, char *err, size_t errlen);
/* Stops the collector and the server; idempotent. */
void telemetry_stop(struct telemetry *t);
/* Stops and frees. NULL is fine. */
void telemetry_destroy(struct telemetry *t);

#endif

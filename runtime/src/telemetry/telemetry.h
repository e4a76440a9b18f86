/* telemetry.h - live figures of a running graph. A collector thread samples
 * every actor's CPU and every channel's counters once a frame into a rolling
 * window, computes the statistics over it, evaluates the graph's alerts and
 * publishes a snapshot; the HTTP server (http.c) serves it as a dashboard,
 * DOT, SVG and Prometheus text, and answers health and readiness probes.
 *
 * Actors never wait on any of this: the collector only reads their atomic
 * counters, and the only lock is between the collector and HTTP threads.
 * The snapshot, window and alert parts are pure so unit tests can drive them.
 */
#ifndef STEADY_TELEMETRY_H
#define STEADY_TELEMETRY_H

#include "graph.h"
#include "strbuf.h"

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

/* One measure's spread over the window, besides its average (which lives
 * in the record: mcpu, load, avg_filled, avg_rate, latency_ms). Samples
 * are one per frame: fill at each reading, rate, latency, CPU and load
 * over each interval between two readings. */
struct tel_stats {
    double min, max;
    double stddev; /* population standard deviation of the samples */
    size_t n;      /* samples */
    /* What the graph file shows (`stats:`): bits 1u << STAT_MIN, STAT_MAX,
     * STAT_STDDEV, and the first n_pct_shown percentiles. */
    unsigned shown;
    size_t n_pct_shown;
    /* Something needs the spread of this measure (shown, or an alert on
     * its min, max or deviation): compute it every frame. Without it and
     * without percentiles to find, only the average is (the spread is
     * then 0), which keeps a large graph's telemetry cheap. */
    bool wanted;
    /* Percentiles computed: those shown, then those only alerts watch.
     * pct_at is in hundredths of a percent; both arrays live in the
     * snapshot (NULL when n_pct is 0). */
    size_t n_pct;
    const uint16_t *pct_at;
    double *pct;
};

/* The percentile an actor's percentile alert watches when it names none
 * (a channel's watches its `percentile`). */
#define TEL_ACTOR_PERCENTILE 8000

/* One of an actor's own figures (steady_figure_set, steady_count_add). */
struct tel_figure {
    char name[32]; /* STEADY_FIGURE_NAME_MAX + 1 */
    bool count;    /* a count (counter), else a value (gauge) */
    double value;
};

struct tel_actor {
    const char *name;   /* borrowed from the graph */
    const char *troupe; /* borrowed; NULL when solo */
    int troupe_index;   /* into tel_snapshot.troupes when troupe is set */
    const struct graph_alert *alerts;
    size_t n_alerts;
    enum tel_state state;
    uint64_t cpu_ns;   /* CPU used since start */
    double mcpu;       /* average over the window; 1024 = one core */
    double load;       /* percent of the whole graph's CPU in the window */
    uint32_t restarts; /* runs restarted by the supervisor */
    struct tel_stats stat[GRAPH_N_MEASURES]; /* MEASURE_MCPU and _LOAD */
    enum alert_color alert;
    /* A bridge carrying a channel over NATS: the far end it stands for
     * ("logger.in on node downstream"), borrowed; NULL for the others. */
    const char *remote;
    size_t n_figures;
    struct tel_figure figures[8]; /* STEADY_MAX_FIGURES */
};

struct tel_channel {
    const char *from, *to; /* actor names, borrowed */
    /* Port names, "out" or "out[1]" for channel 1 of a bundle; borrowed,
     * or from names_owned. */
    const char *from_port, *to_port;
    char *names_owned; /* NULL, or the bundle labels above (freed with the
                          snapshot) */
    const char *type;  /* element type name, borrowed */
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
    struct tel_stats stat[GRAPH_N_MEASURES]; /* MEASURE_FILLED.._LATENCY */
    enum alert_color alert;
    /* In the whole graph of a multi-node run: the channel crosses NATS,
     * and this line says how the link does ("over NATS: 3 unacked, 0
     * resent, 1 redelivered"); NULL otherwise. */
    const char *link;
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
    size_t n_troupes;
    struct tel_actor *actors;
    struct tel_channel *channels;
    void *pool;           /* the percentiles' arrays, owned */
    const char **troupes; /* [n_troupes], in the order they first appear */
    /* The clusters are nodes, not troupes (the whole graph of a multi-node
     * run, tel_cluster.h): the picture names them "node ...". */
    bool clusters_are_nodes;
};

/* A snapshot of g with names, capacities, alerts and which statistics to
 * compute filled in, and every figure zero. The fill percentile of each
 * channel's `percentile` is the first of its MEASURE_FILLED percentiles,
 * shown always. NULL when out of memory. Any thread. */
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
    /* Per channel, the average inflight over the frame that ends here
     * (tel_subsamples_mean); NULL: the frame counts as `inflight`. */
    const double *avg_inflight;
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
 * and latency_ms from the readings in the window, and every record's stat[]
 * (spread and percentiles of each measure). The snapshot has the window's
 * shape. Uses scratch memory of w: one thread at a time. */
void tel_window_figures(const struct tel_window *w, struct tel_snapshot *s);

/* ---- statistics (pure) ---------------------------------------------- */

/* Sets st's n, min, max, stddev and its n_pct percentiles from the samples
 * v[0..n), which it sorts in place when it has percentiles to find (and
 * leaves in their order otherwise). An infinite sample (a stalled
 * channel's latency) counts in min, max and the percentiles but not in the
 * deviation. Everything is 0 when n is 0. */
void tel_stats_compute(struct tel_stats *st, double *v, size_t n);
/* The nearest-rank percentile p (hundredths of a percent, 1..9999) of
 * sorted[0..n): the smallest sample with at least p / 10000 of them at or
 * below it. 0 when n is 0. */
double tel_percentile(const double *sorted, size_t n, unsigned p);

/* ---- readings between frames (pure, tel_subsample.c) ---------------- */

/* A channel's fill is read at several instants within each frame, one at
 * a random time in each of K equal parts of it, and the frame counts their
 * average: a graph whose rhythm matches frame_ms is not seen at the same
 * phase every time. Only `inflight` is read then (a few relaxed atomic loads
 * per channel); CPU clocks and totals are read once a frame. Each wake-up costs
 * the collector CPU, so a frame after one in which no channel moved plans a
 * single reading: still at a random instant, so still unbiased. */
#define TEL_MAX_SUBSAMPLES 16
struct tel_subsamples;

/* K for a frame: about one reading per 12.5 ms, 1 to TEL_MAX_SUBSAMPLES. */
unsigned tel_subsample_count(uint64_t frame_ns);
/* k readings per frame for n_channels; seed picks the random instants.
 * NULL when out of memory. */
struct tel_subsamples *tel_subsamples_create(size_t n_channels, unsigned k,
                                             uint64_t seed);
void tel_subsamples_destroy(struct tel_subsamples *s);
/* Starts a frame [start_ns, start_ns + frame_ns): forgets the readings of
 * the last one and draws k instants (1 to the k it was created with). */
void tel_subsamples_plan(struct tel_subsamples *s, uint64_t start_ns,
                         uint64_t frame_ns, unsigned k);
/* The next planned instant not yet read, or UINT64_MAX. */
uint64_t tel_subsamples_due(const struct tel_subsamples *s);
/* Adds a reading of every channel's inflight taken at now_ns, which stands
 * for every planned instant up to now_ns. */
void tel_subsamples_add(struct tel_subsamples *s, uint64_t now_ns,
                        const uint64_t *inflight);
/* Readings added since the frame was planned. */
unsigned tel_subsamples_taken(const struct tel_subsamples *s);
/* Per channel, the average of this frame's readings into out; `fallback`
 * when none was taken (the collector was held up all frame). */
void tel_subsamples_mean(const struct tel_subsamples *s,
                         const uint64_t *fallback, double *out);

/* ---- history (pure, tel_history.c) --------------------------------- */

/* The last minutes at a coarser step than the frames: one point every
 * step_frames readings, holding per channel the step's rate, average fill
 * and latency, per actor its mCPU and load. A fixed ring: memory is set at
 * creation and never grows. */
#define TEL_HISTORY_MAX_BYTES (32u * 1024u * 1024u)
struct tel_history;

/* Points a history of history_s seconds at one point per step_ms holds,
 * fewer when they would take more than max_bytes. 0: no history. */
size_t tel_history_points(int history_s, int step_ms, size_t n_actors,
                          size_t n_channels, size_t max_bytes);
/* NULL when out of memory or points is 0. capacities is copied. */
struct tel_history *tel_history_create(size_t points, unsigned step_frames,
                                       double step_s, size_t n_actors,
                                       size_t n_channels,
                                       const uint64_t *capacities);
void tel_history_destroy(struct tel_history *h);
/* Adds a frame's reading; returns true when it closed a point. */
bool tel_history_push(struct tel_history *h, const struct tel_reading *r);
/* Points kept at most, points held, and the seq of the newest (1, 2, ...
 * over the whole run; 0 before the first). NULL reads as empty. */
size_t tel_history_capacity(const struct tel_history *h);
size_t tel_history_count(const struct tel_history *h);
uint64_t tel_history_last_seq(const struct tel_history *h);
/* Bytes the history holds, fixed from creation. */
size_t tel_history_bytes(const struct tel_history *h);
/* Appends /history.json: the points whose seq is above `since` (0: all),
 * named after s (h's shape); origin_unix_ms is the wall clock at t = 0.
 * h may be NULL (no history): empty series. */
void tel_history_json(const struct tel_history *h, const struct tel_snapshot *s,
                      uint64_t since, int64_t origin_unix_ms, struct strbuf *b);

/* ---- alerts (pure) -------------------------------------------------- */

/* The most severe colour among the alerts that hold, or ALERT_NONE: red
 * over orange over yellow, whatever their order in the graph file. An
 * alert on the average reads the record's average; one on a percentile
 * reads stat[].pct (the fill percentile of the channel's `percentile` is
 * pct_filled); a stddevs alert holds when the average plus (above) or
 * minus (below) devs standard deviations passes the value. Comparisons
 * are strict; NaN never holds. */
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

/* ---- the whole graph of a multi-node run (telemetry_cluster.c) -------
 * Each node sends the others a summary of its latest snapshot; any node
 * then serves the whole graph as /cluster.dot and /cluster.svg. The
 * transport is the host's (NATS); these only make and take summaries. */

/* Appends the summary of the latest snapshot to b (tel_wire_encode). Any
 * thread. */
void telemetry_summary(struct telemetry *t, struct strbuf *b);
/* Takes another node's summary: 0, or -1 with the reason in err. Any
 * thread. */
int telemetry_cluster_put(struct telemetry *t, const void *data, size_t len,
                          char *err, size_t errlen);

#endif

/* telemetry.c - the running telemetry service: a collector thread that
 * samples actors and channels once a frame and publishes a snapshot, the
 * HTTP routes that render the latest snapshot, and SVG layout on demand
 * (done on the collector thread: Graphviz is not thread-safe).
 */
#include "actor_impl.h"
#include "dashboard.h"
#include "dot.h"
#include "dot_layout.h"
#include "http.h"
#include "metrics.h"
#include "svg.h"
#include "telemetry_impl.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <steady/channel.h>
#include <steady/log.h>
#include <string.h>
#include <time.h>

#define DEFAULT_PORT  9900
#define SVG_WAIT_MS   3000 /* longest a request waits for a fresh SVG */
#define RESTARTING_NS 1000000000ull /* "restarting" for 1 s after one */

/* ---- sampling (collector thread) ------------------------------------- */

static enum tel_state actor_state(struct telemetry *t, size_t i, uint64_t now)
{
    switch (atomic_load_explicit(&t->actors[i]->status, memory_order_acquire)) {
    case ACTOR_CREATED:
        return TEL_STARTING;
    case ACTOR_EXITED:
        return TEL_STOPPED;
    case ACTOR_FAILED:
        return TEL_FAILED;
    default:
        break;
    }
    if (t->restarted_ns[i] && now - t->restarted_ns[i] < RESTARTING_NS)
        return TEL_RESTARTING;
    return TEL_RUNNING;
}

/* sent - taken - dropped of a channel, taken and dropped read first: what
 * was sent by the later read is at least their sum. Atomic loads only. */
static uint64_t read_inflight(struct steady_channel *ch, uint64_t *taken_out,
                              uint64_t *sent_out, uint64_t *dropped_out)
{
    uint64_t taken = steady_channel_taken_total(ch);
    uint64_t dropped = steady_channel_dropped_total(ch);
    uint64_t sent = steady_channel_sent_total(ch);
    uint64_t cap = steady_channel_capacity(ch);
    uint64_t gone = taken + dropped;

    if (sent < gone)
        sent = gone;
    if (taken_out)
        *taken_out = taken;
    if (sent_out)
        *sent_out = sent;
    if (dropped_out)
        *dropped_out = dropped;
    return sent - gone < cap ? sent - gone : cap;
}

/* A reading of every channel's fill between two frames: atomic loads
 * only, like the frame's own. */
static void subsample(struct telemetry *t, uint64_t now)
{
    for (size_t i = 0; i < t->n_channels; i++)
        t->sub_inflight[i] = read_inflight(t->channels[i], NULL, NULL, NULL);
    tel_subsamples_add(t->subs, now, t->sub_inflight);
}

/* The actor's own figures (steady_figure_set, steady_count_add). */
static void read_figures(const struct steady_actor *a, struct tel_actor *ta)
{
    unsigned n = actor_figure_count(a);

    _Static_assert(
        sizeof(ta->figures) / sizeof(ta->figures[0]) == STEADY_MAX_FIGURES &&
            sizeof(ta->figures[0].name) == STEADY_FIGURE_NAME_MAX + 1,
        "tel_figure mirrors actor_figure");
    for (unsigned i = 0; i < n; i++) {
        memcpy(ta->figures[i].name, a->figures[i].name,
               sizeof(ta->figures[i].name));
        ta->figures[i].count = a->figures[i].count;
        ta->figures[i].value = actor_figure_value(&a->figures[i]);
    }
    ta->n_figures = n;
}

/* Reads every counter once, without touching any lock an actor uses. */
static void sample(struct telemetry *t)
{
    struct tel_snapshot *s = t->work;
    struct tel_reading *r = &t->reading;
    uint64_t now = now_ns();

    for (size_t i = 0; i < t->n_actors; i++) {
        struct steady_actor *a = t->actors[i];
        uint64_t cpu = actor_cpu_ns(a);
        uint32_t restarts =
            atomic_load_explicit(&a->restarts, memory_order_relaxed);

        /* a slice that ends between two reads can make the running total
         * dip for a moment; CPU used never goes down */
        if (cpu > t->cpu_ns[i])
            t->cpu_ns[i] = cpu;
        if (restarts != t->restarts[i]) {
            t->restarts[i] = restarts;
            t->restarted_ns[i] = now;
        }
        s->actors[i].cpu_ns = t->cpu_ns[i];
        s->actors[i].restarts = restarts;
        s->actors[i].state = actor_state(t, i, now);
        read_figures(a, &s->actors[i]);
    }
    t->moved = false;
    for (size_t i = 0; i < t->n_channels; i++) {
        uint64_t taken, sent, dropped;

        t->inflight[i] = read_inflight(t->channels[i], &taken, &sent, &dropped);
        t->moved |= taken != t->taken[i] || sent != t->sent[i];
        t->taken[i] = taken;
        t->sent[i] = sent;
        t->bytes[i] = steady_channel_bytes_sent_total(t->channels[i]);
        s->channels[i].sent = sent;
        s->channels[i].taken = taken;
        s->channels[i].dropped = dropped;
        s->channels[i].bytes = t->bytes[i];
        s->channels[i].inflight = t->inflight[i];
    }
    /* the frame's fill is the average of the readings within it, never
     * the reading at its edge: that one is in step with the frames */
    tel_subsamples_mean(t->subs, t->inflight, t->avg_inflight);
    r->t_ns = now;
    r->cpu_ns = t->cpu_ns;
    r->taken = t->taken;
    r->inflight = t->inflight;
    r->avg_inflight = t->avg_inflight;
    r->bytes = t->bytes;
    tel_window_push(t->window, r);
    tel_window_figures(t->window, s);
    tel_alerts_apply(s);
    s->uptime_s = (double)(now - t->start_ns) / 1e9;
    s->log_dropped = steady_log_dropped();
}

/* Swaps the freshly filled snapshot in and adds the frame to the history.
 * Called with the lock held. */
static void publish(struct telemetry *t)
{
    struct tel_snapshot *old = t->published;

    tel_history_push(t->history, &t->reading);
    t->work->seq = old->seq + 1;
    t->published = t->work;
    t->work = old;
    /* a request waiting for a picture looks again */
    pthread_cond_broadcast(&t->svg_ready);
}

/* Makes the layout the HTTP threads asked for. Called with the lock held;
 * drops it while Graphviz works so HTTP threads keep serving. Only this
 * thread swaps `published`, so it reads it unlocked meanwhile. */
static void make_layout(struct telemetry *t)
{
    char **labels = t->layout_wanted;
    struct dot_layout *l = NULL;
    struct svg_template *tpl = NULL;
    char err[256] = "";
    uint64_t seq = t->published->seq, start = now_ns();

    t->layout_wanted = NULL;
    pthread_mutex_unlock(&t->lock);
    if (t->graphviz) {
        l = dot_layout_create(t->graphviz, t->published, labels, err,
                              sizeof(err));
    } else {
        dot_labels_free(labels, t->n_actors + t->n_channels);
        snprintf(err, sizeof(err), "Graphviz could not start");
    }
    if (l && !(tpl = svg_template_create(l, t->published))) {
        dot_layout_destroy(l);
        l = NULL;
        snprintf(err, sizeof(err), "out of memory");
    }
    if (l)
        steady_debug(NULL, "telemetry: laid the picture out in %.1f ms",
                     (double)(now_ns() - start) / 1e6);
    pthread_mutex_lock(&t->lock);
    if (l) {
        svg_template_destroy(t->svg_template);
        dot_layout_destroy(t->layout);
        t->layout = l;
        t->svg_template = tpl;
        t->svg_seq = 0; /* drawn on the old layout */
        t->svg_error[0] = '\0';
    } else {
        t->layout_failed = seq + 1;
        snprintf(t->svg_error, sizeof(t->svg_error), "%s", err);
    }
    t->layouts++;
    pthread_cond_broadcast(&t->svg_ready);
}

static void *collector(void *arg)
{
    struct telemetry *t = arg;
    uint64_t next = now_ns();
    bool svg_failed_logged = false;

    t->graphviz = dot_gv_create();
    if (!t->graphviz)
        steady_warn(NULL, "telemetry: Graphviz could not start; /graph.svg "
                          "and the dashboard picture are unavailable");
    pthread_setname_np(pthread_self(), "steady-tel");
    pthread_mutex_lock(&t->lock);
    while (!t->stopping) {
        uint64_t now = now_ns();
        uint64_t due = tel_subsamples_due(t->subs);
        struct timespec until;

        if (now >= next) {
            pthread_mutex_unlock(&t->lock);
            sample(t);
            pthread_mutex_lock(&t->lock);
            publish(t);
            next += t->frame_ns;
            if (next <= now) /* fell behind (suspended?): skip, don't burst */
                next = now + t->frame_ns;
            /* a quiet graph gets one reading a frame: wake-ups cost */
            tel_subsamples_plan(t->subs, next - t->frame_ns, t->frame_ns,
                                t->moved ? t->subs_per_frame : 1);
            continue;
        }
        if (now >= due) {
            pthread_mutex_unlock(&t->lock);
            subsample(t, now);
            pthread_mutex_lock(&t->lock);
            continue;
        }
        if (t->layout_wanted) {
            make_layout(t);
            if (t->svg_error[0] && !svg_failed_logged) {
                steady_warn(NULL, "telemetry: cannot render /graph.svg: %s",
                            t->svg_error);
                svg_failed_logged = true;
            }
            continue;
        }
        if (t->cluster_wanted) {
            telemetry_cluster_draw(t);
            continue;
        }
        until = clock_timespec(due < next ? due : next);
        pthread_cond_timedwait(&t->wake, &t->lock, &until);
    }
    pthread_mutex_unlock(&t->lock);
    dot_gv_destroy(t->graphviz);
    t->graphviz = NULL;
    return NULL;
}

/* ---- HTTP routes (server threads) ------------------------------------ */

static int serve_dashboard(void *user, struct strbuf *body)
{
    (void)user;
    dashboard_write(body);
    return 0;
}

static int serve_dot(void *user, struct strbuf *body)
{
    struct telemetry *t = user;

    pthread_mutex_lock(&t->lock);
    dot_write(body, t->published);
    pthread_mutex_unlock(&t->lock);
    return 0;
}

static int serve_metrics(void *user, struct strbuf *body)
{
    struct telemetry *t = user;

    pthread_mutex_lock(&t->lock);
    metrics_write(body, t->published);
    pthread_mutex_unlock(&t->lock);
    return 0;
}

/* Draws the published snapshot on the kept layout when its labels still
 * fit; otherwise asks the collector for a new layout (once per snapshot
 * when Graphviz fails). Called with the lock held. Returns true when the
 * SVG of the published snapshot is there. */
static bool draw_svg(struct telemetry *t)
{
    char **grown = NULL;

    if (t->svg.len && t->svg_seq == t->published->seq)
        return true;
    if (dot_layout_fits(t->layout, t->published, &grown)) {
        strbuf_reset(&t->svg);
        svg_write(&t->svg, t->svg_template, t->published);
        if (strbuf_failed(&t->svg)) {
            strbuf_fini(&t->svg);
            snprintf(t->svg_error, sizeof(t->svg_error), "out of memory");
            t->svg_seq = 0;
            return false;
        }
        t->svg_seq = t->published->seq;
        return true;
    }
    if (!grown || t->layout_failed == t->published->seq + 1) {
        dot_labels_free(grown, t->n_actors + t->n_channels);
        return false;
    }
    if (t->layout_wanted)
        dot_labels_free(grown, t->n_actors + t->n_channels);
    else
        t->layout_wanted = grown;
    pthread_cond_signal(&t->wake);
    return false;
}

/* The SVG of the latest snapshot, drawn on the kept layout, or on a new
 * one the collector makes (waiting for it a bounded time). The server
 * answers from before the collector starts (it binds before actors
 * initialise), so a request in that window waits for the collector too
 * rather than getting an instant 503. */
static int serve_svg(void *user, struct strbuf *body)
{
    struct telemetry *t = user;
    struct timespec until = clock_timespec(now_ns() + SVG_WAIT_MS * 1000000ull);
    int rc = 0;

    pthread_mutex_lock(&t->lock);
    while (!t->stopping && !draw_svg(t)) {
        uint64_t layouts = t->layouts, seq = t->published->seq;
        int e = 0;

        if (t->layout_failed == seq + 1)
            break;
        /* a layout is on its way, or the collector has not started */
        while (!t->stopping && t->layouts == layouts &&
               t->published->seq == seq && e != ETIMEDOUT)
            e = pthread_cond_timedwait(&t->svg_ready, &t->lock, &until);
        if (e == ETIMEDOUT)
            break;
    }
    if (t->svg.len) {
        strbuf_append(body, t->svg.data, t->svg.len);
    } else {
        strbuf_printf(body, "503 no picture yet: %s\n",
                      t->svg_error[0] ? t->svg_error
                                      : "telemetry is starting or stopping");
        rc = -1;
    }
    pthread_mutex_unlock(&t->lock);
    return rc;
}

/* ---- health and readiness (server threads) ----------------------------
 * Read straight from the actors' status words (atomics), not from the
 * collector's snapshot: a probe gets the truth of this instant, also
 * before the collector starts (the server answers while actors
 * initialise) and after it stopped. */

/* Appends "'a', 'b'" naming the actors whose status matches `want`
 * (at most a few, then "and N more"); returns how many matched. */
static size_t name_actors(struct telemetry *t, struct strbuf *body,
                          bool (*want)(int status))
{
    enum { NAMED = 8 };
    size_t n = 0;

    for (size_t i = 0; i < t->n_actors; i++) {
        struct steady_actor *a = t->actors[i];

        if (!want(atomic_load_explicit(&a->status, memory_order_acquire)))
            continue;
        if (n < NAMED)
            strbuf_printf(body, "%s'%s'", n ? ", " : "", a->name);
        n++;
    }
    if (n > NAMED)
        strbuf_printf(body, " and %zu more", n - NAMED);
    return n;
}

static bool not_started(int status)
{
    return status == ACTOR_CREATED;
}

/* 200 while no actor has failed for good (its supervisor gave up, or it
 * may not restart); 503 naming each that has, with its last failure. */
static int serve_health(void *user, struct strbuf *body)
{
    struct telemetry *t = user;
    size_t failed = 0;

    for (size_t i = 0; i < t->n_actors; i++) {
        struct steady_actor *a = t->actors[i];

        /* acquire: a->error is complete once the status says failed */
        if (atomic_load_explicit(&a->status, memory_order_acquire) !=
            ACTOR_FAILED)
            continue;
        if (failed++ == 0)
            strbuf_puts(body, "503 unhealthy: ");
        else
            strbuf_puts(body, "; ");
        strbuf_printf(body, "actor '%s' failed for good: %s", a->name,
                      a->error);
    }
    if (failed) {
        strbuf_puts(body, "\n");
        return -1;
    }
    strbuf_printf(body, "ok: %zu actor%s, none failed\n", t->n_actors,
                  t->n_actors == 1 ? "" : "s");
    return 0;
}

/* 200 once every actor has started running (after every init) and while
 * no shutdown is under way; 503 saying which is not the case. */
static int serve_ready(void *user, struct strbuf *body)
{
    struct telemetry *t = user;
    struct strbuf names = { 0 };
    size_t waiting;
    bool stopping =
        t->n_actors && atomic_load_explicit(&t->actors[0]->set->shutdown,
                                            memory_order_acquire);

    waiting = name_actors(t, &names, not_started);
    if (waiting) {
        strbuf_printf(body,
                      "503 not ready: %zu of %zu actor%s running; waiting "
                      "for %s\n",
                      t->n_actors - waiting, t->n_actors,
                      t->n_actors == 1 ? "" : "s",
                      names.data ? names.data : "");
    } else if (stopping) {
        strbuf_puts(body, "503 not ready: the graph is shutting down\n");
    } else {
        strbuf_printf(body, "ready: %zu actor%s running\n", t->n_actors,
                      t->n_actors == 1 ? "" : "s");
    }
    strbuf_fini(&names);
    return waiting || stopping ? -1 : 0;
}

/* /history.json[?since=SEQ]: the points after SEQ (the last_seq of an
 * earlier answer), or all of them. */
static int serve_history(void *user, const struct http_query *q,
                         struct strbuf *body)
{
    static const char *const known[] = { "since" };
    struct telemetry *t = user;
    const char *since_text = http_query_arg(q, "since");
    const char *unknown = http_query_unknown(q, known, 1);
    unsigned long long since = 0;

    if (unknown) {
        strbuf_printf(body,
                      "400 bad request: /history.json takes only 'since', "
                      "not '%.64s'\n",
                      unknown);
        return HTTP_BAD_QUERY;
    }
    /* "?since" with no value, or two of them, is a client's mistake, not a
     * request for everything or for either one */
    switch (http_query_count(q, "since")) {
    case 0:
        break;
    case 1:
        if (since_text)
            break;
        strbuf_puts(body, "400 bad request: since needs a value, the "
                          "last_seq of an earlier answer (since=12)\n");
        return HTTP_BAD_QUERY;
    default:
        strbuf_puts(body, "400 bad request: since is given more than once; "
                          "give it once\n");
        return HTTP_BAD_QUERY;
    }
    if (since_text) {
        char *end;

        errno = 0;
        since = strtoull(since_text, &end, 10);
        if (!*since_text || *end || errno || since_text[0] == '-' ||
            since_text[0] == '+' || since_text[0] == ' ') {
            strbuf_printf(body,
                          "400 bad request: since must be a whole number "
                          "(the last_seq of an earlier answer), got "
                          "'%.64s'\n",
                          since_text);
            return HTTP_BAD_QUERY;
        }
    }
    pthread_mutex_lock(&t->lock);
    tel_history_json(t->history, t->published, since, t->origin_unix_ms, body);
    pthread_mutex_unlock(&t->lock);
    return 0;
}

static const struct http_route routes[] = {
    { "/", "text/html; charset=utf-8", serve_dashboard, NULL },
    { "/graph.dot", "text/vnd.graphviz; charset=utf-8", serve_dot, NULL },
    { "/graph.svg", "image/svg+xml", serve_svg, NULL },
    { "/metrics", METRICS_CONTENT_TYPE, serve_metrics, NULL },
    { "/health", "text/plain; charset=utf-8", serve_health, NULL },
    { "/ready", "text/plain; charset=utf-8", serve_ready, NULL },
    { "/history.json", "application/json", NULL, serve_history },
    { "/cluster.dot", "text/vnd.graphviz; charset=utf-8",
      telemetry_serve_cluster_dot, NULL },
    { "/cluster.svg", "image/svg+xml", telemetry_serve_cluster_svg, NULL },
};

/* ---- lifecycle ------------------------------------------------------- */

/* "[::1]" (as --telemetry passes it) -> "::1"; "localhost" -> 127.0.0.1. */
static void normalize_address(const char *in, char *out, size_t len)
{
    size_t n = strlen(in);

    if (n >= 2 && in[0] == '[' && in[n - 1] == ']')
        snprintf(out, len, "%.*s", (int)(n - 2), in + 1);
    else if (strcmp(in, "localhost") == 0)
        snprintf(out, len, "127.0.0.1");
    else
        snprintf(out, len, "%s", in);
}

static int init_sync(struct telemetry *t)
{
    pthread_condattr_t attr;

    if (pthread_condattr_init(&attr) != 0)
        return -1;
    /* deadlines are CLOCK_MONOTONIC, as now_ns() */
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->wake, &attr);
    pthread_cond_init(&t->svg_ready, &attr);
    pthread_condattr_destroy(&attr);
    return 0;
}

static void free_parts(struct telemetry *t)
{
    tel_window_destroy(t->window);
    tel_snapshot_destroy(t->work);
    tel_snapshot_destroy(t->published);
    free(t->cpu_ns);
    free(t->restarts);
    free(t->restarted_ns);
    free(t->taken);
    free(t->sent);
    free(t->inflight);
    free(t->bytes);
    free(t->sub_inflight);
    free(t->avg_inflight);
    tel_subsamples_destroy(t->subs);
    tel_history_destroy(t->history);
    svg_template_destroy(t->svg_template);
    dot_layout_destroy(t->layout);
    dot_labels_free(t->layout_wanted, t->n_actors + t->n_channels);
    strbuf_fini(&t->svg);
    telemetry_cluster_fini(t);
}

/* The history: telemetry.history_s at one point per history_step_ms,
 * rounded to whole frames, within TEL_HISTORY_MAX_BYTES. */
static int alloc_history(struct telemetry *t, const struct graph *g,
                         int period_ms, const uint64_t *caps)
{
    const struct graph_telemetry *cfg = &g->telemetry;
    unsigned step_frames =
        (unsigned)((cfg->history_step_ms + period_ms / 2) / period_ms);
    int step_ms;
    size_t want, points;

    if (cfg->history_s <= 0)
        return 0;
    if (step_frames < 1)
        step_frames = 1;
    step_ms = (int)step_frames * period_ms;
    want = tel_history_points(cfg->history_s, step_ms, g->n_actors,
                              g->n_channels, SIZE_MAX);
    points = tel_history_points(cfg->history_s, step_ms, g->n_actors,
                                g->n_channels, TEL_HISTORY_MAX_BYTES);
    if (points < 2)
        points = 2;
    t->history = tel_history_create(points, step_frames, step_ms / 1000.0,
                                    g->n_actors, g->n_channels, caps);
    if (!t->history)
        return -1;
    if (points < want)
        steady_info(NULL,
                    "telemetry: keeping %zu history points (%.0f s) instead "
                    "of %zu to stay within %u MiB",
                    points, (double)points * step_ms / 1000.0, want,
                    TEL_HISTORY_MAX_BYTES >> 20);
    return 0;
}

static int alloc_parts(struct telemetry *t, const struct graph *g,
                       int *period_ms)
{
    size_t na = g->n_actors ? g->n_actors : 1;
    size_t nc = g->n_channels ? g->n_channels : 1;
    uint64_t *caps = calloc(nc, sizeof(*caps));
    size_t frames = tel_window_frames(g->telemetry.frame_ms,
                                      g->telemetry.window_s, period_ms);

    t->frame_ns = (uint64_t)*period_ms * 1000000u;
    t->cpu_ns = calloc(na, sizeof(*t->cpu_ns));
    t->restarts = calloc(na, sizeof(*t->restarts));
    t->restarted_ns = calloc(na, sizeof(*t->restarted_ns));
    t->taken = calloc(nc, sizeof(*t->taken));
    t->sent = calloc(nc, sizeof(*t->sent));
    t->inflight = calloc(nc, sizeof(*t->inflight));
    t->bytes = calloc(nc, sizeof(*t->bytes));
    t->sub_inflight = calloc(nc, sizeof(*t->sub_inflight));
    t->avg_inflight = calloc(nc, sizeof(*t->avg_inflight));
    t->subs_per_frame = tel_subsample_count(t->frame_ns);
    t->subs = tel_subsamples_create(g->n_channels, t->subs_per_frame,
                                    now_ns() ^ (uint64_t)(uintptr_t)t);
    t->work = tel_snapshot_create(g);
    t->published = tel_snapshot_create(g);
    if (caps) {
        for (size_t i = 0; i < g->n_channels; i++)
            caps[i] = g->channels[i].capacity;
        t->window = tel_window_create(frames, g->n_actors, g->n_channels, caps);
        if (alloc_history(t, g, *period_ms, caps) < 0) {
            free(caps);
            return -1;
        }
    }
    free(caps);
    if (!t->cpu_ns || !t->restarts || !t->restarted_ns || !t->taken ||
        !t->sent || !t->bytes || !t->inflight || !t->sub_inflight ||
        !t->avg_inflight || !t->subs || !t->work || !t->published || !t->window)
        return -1;
    return 0;
}

struct telemetry *telemetry_create(const struct graph *g,
                                   struct steady_actor *const *actors,
                                   struct steady_channel *const *channels,
                                   char *err, size_t errlen)
{
    const struct graph_telemetry *cfg = &g->telemetry;
    struct telemetry *t = calloc(1, sizeof(*t));
    int period_ms = cfg->frame_ms;
    /* the default port moves on when taken, so a second graph on the same
     * machine still gets a dashboard; a port the user chose does not */
    bool next_free = cfg->port_is_default || cfg->port == DEFAULT_PORT;

    if (!t) {
        snprintf(err, errlen, "telemetry: out of memory");
        return NULL;
    }
    t->graph = g;
    t->actors = actors;
    t->channels = channels;
    t->n_actors = g->n_actors;
    t->n_channels = g->n_channels;
    if (init_sync(t) < 0 || alloc_parts(t, g, &period_ms) < 0 ||
        telemetry_cluster_init(t, g) < 0) {
        snprintf(err, errlen, "telemetry: out of memory");
        goto err_free_parts;
    }
    if (period_ms != cfg->frame_ms)
        steady_info(NULL,
                    "telemetry: sampling every %d ms instead of %d ms to "
                    "keep a %d s window within %d frames",
                    period_ms, cfg->frame_ms, cfg->window_s, TEL_MAX_FRAMES);
    normalize_address(cfg->address, t->address, sizeof(t->address));
    t->http = http_start(t->address, cfg->port, next_free, routes,
                         sizeof(routes) / sizeof(routes[0]), t, err, errlen);
    if (!t->http)
        goto err_free_parts;
    t->port = http_port(t->http);
    if (cfg->port > 0 && t->port != cfg->port)
        steady_warn(NULL, "telemetry: port %d is in use; serving on port %d",
                    cfg->port, t->port);
    return t;

err_free_parts:
    free_parts(t);
    pthread_cond_destroy(&t->svg_ready);
    pthread_cond_destroy(&t->wake);
    pthread_mutex_destroy(&t->lock);
    free(t);
    return NULL;
}

int telemetry_port(const struct telemetry *t)
{
    return t->port;
}

int telemetry_start(struct telemetry *t, char *err, size_t errlen)
{
    const char *addr = t->address;
    bool v6 = strchr(addr, ':') != NULL;
    sigset_t block, old;
    struct timespec wall;
    int e;

    t->start_ns = now_ns();
    clock_gettime(CLOCK_REALTIME, &wall);
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    pthread_mutex_lock(&t->lock);
    /* HTTP threads already answer: /history.json reads it under the lock */
    t->origin_unix_ms =
        (int64_t)wall.tv_sec * 1000 + (int64_t)wall.tv_nsec / 1000000;
    e = pthread_create(&t->thread, NULL, collector, t);
    t->thread_started = e == 0;
    pthread_mutex_unlock(&t->lock);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (e) {
        snprintf(err, errlen, "telemetry: cannot start its thread: %s",
                 strerror(e));
        return -1;
    }
    steady_info(NULL,
                "telemetry: dashboard http://%s%s%s:%d/ metrics "
                "http://%s%s%s:%d/metrics",
                v6 ? "[" : "", addr, v6 ? "]" : "", telemetry_port(t),
                v6 ? "[" : "", addr, v6 ? "]" : "", telemetry_port(t));
    return 0;
}

void telemetry_stop(struct telemetry *t)
{
    if (!t || t->stopped)
        return;
    t->stopped = true;
    pthread_mutex_lock(&t->lock);
    t->stopping = true;
    pthread_cond_broadcast(&t->wake);
    pthread_cond_broadcast(&t->svg_ready);
    pthread_mutex_unlock(&t->lock);
    http_stop(t->http);
    t->http = NULL;
    if (t->thread_started)
        pthread_join(t->thread, NULL);
}

void telemetry_destroy(struct telemetry *t)
{
    if (!t)
        return;
    telemetry_stop(t);
    free_parts(t);
    pthread_cond_destroy(&t->svg_ready);
    pthread_cond_destroy(&t->wake);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

/* dot.c - renders a telemetry snapshot as DOT text in the seed's look
 * (black background, white boxes, grey edges, alert colours) and lays it
 * out to SVG with libgvc, on the telemetry thread only.
 */
#include "dot.h"

#include <dlfcn.h>
#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <steady/log.h>
#include <string.h>

const char *dot_color(enum alert_color c)
{
    /* no alert draws in the seed's grey */
    return c == ALERT_NONE ? "grey" : tel_color_name(c);
}

/* Appends text for use inside a DOT "..." string. */
static void put_escaped(struct strbuf *b, const char *text)
{
    for (const char *p = text; *p; p++) {
        if (*p == '"' || *p == '\\')
            strbuf_append(b, "\\", 1);
        if (*p == '\n')
            strbuf_append(b, " ", 1);
        else
            strbuf_append(b, p, 1);
    }
}

/* 1234567 -> "1,234,567", as the seed prints totals. */
static void put_count(struct strbuf *b, uint64_t n)
{
    char digits[24];
    int len = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)n);

    for (int i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            strbuf_append(b, ",", 1);
        strbuf_append(b, &digits[i], 1);
    }
}

static void put_latency(struct strbuf *b, double ms)
{
    if (isinf(ms))
        strbuf_puts(b, "stalled");
    else if (ms >= 1000.0)
        strbuf_printf(b, "%.2f s", ms / 1000.0);
    else if (ms >= 10.0)
        strbuf_printf(b, "%.0f ms", ms);
    else
        strbuf_printf(b, "%.2f ms", ms);
}

/* 123456.0 -> "120.6 KiB" */
static void put_bytes(struct strbuf *b, double n)
{
    static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
    int u = -1;

    while (n >= 1024.0 && u < 3) {
        n /= 1024.0;
        u++;
    }
    if (u < 0)
        strbuf_printf(b, "%.0f B", n);
    else
        strbuf_printf(b, "%.1f %s", n, units[u]);
}

static void put_actor(struct strbuf *b, const struct tel_snapshot *s,
                      const struct tel_actor *a)
{
    strbuf_puts(b, "\"");
    put_escaped(b, a->name);
    strbuf_puts(b, "\" [label=\"");
    /* a NATS bridge is drawn as the far actor it stands for */
    if (a->remote) {
        strbuf_puts(b, "remote: ");
        put_escaped(b, a->remote);
        strbuf_puts(b, "\\nvia NATS (");
        put_escaped(b, a->name);
        strbuf_puts(b, ")");
    } else {
        put_escaped(b, a->name);
    }
    strbuf_printf(b, "\\nWindow %.1f secs\\nAvg load: %.0f %%\\n", s->window_s,
                  a->load);
    strbuf_printf(b, "Avg mCPU: %04.0f\\n", a->mcpu);
    if (a->restarts)
        strbuf_printf(b, "Restarts: %u\\n", a->restarts);
    if (a->state != TEL_RUNNING)
        strbuf_printf(b, "State: %s\\n", tel_state_name(a->state));
    strbuf_puts(b, "\", tooltip=\"");
    put_escaped(b, a->name);
    strbuf_printf(b,
                  ": %s, CPU %.3f s, %.0f mCPU, load %.1f %%, alert %s\", "
                  "color=%s, penwidth=3%s];\n",
                  tel_state_name(a->state), (double)a->cpu_ns / 1e9, a->mcpu,
                  a->load, tel_color_name(a->alert), dot_color(a->alert),
                  a->remote ? ", style=\"filled,dashed\", fillcolor=gray80"
                            : "");
}

static void put_channel(struct strbuf *b, const struct tel_snapshot *s,
                        const struct tel_channel *c)
{
    strbuf_puts(b, "\"");
    put_escaped(b, c->from);
    strbuf_puts(b, "\" -> \"");
    put_escaped(b, c->to);
    strbuf_puts(b, "\" [label=\"");
    if (c->show_ports) {
        put_escaped(b, c->from_port);
        strbuf_puts(b, " -> ");
        put_escaped(b, c->to_port);
        strbuf_puts(b, "\\n");
    }
    strbuf_printf(b, "Window %.1f secs\\nfilled %d%%ile %.0f %%\\n",
                  s->window_s, c->percentile, c->pct_filled);
    strbuf_puts(b, "Capacity: ");
    put_count(b, c->capacity);
    strbuf_puts(b, " Total: ");
    put_count(b, c->taken);
    strbuf_puts(b, "\\nAvg rate: ");
    put_count(b, (uint64_t)llround(c->avg_rate));
    strbuf_puts(b, " per sec\\n");
    /* bytes say something only when messages vary in size */
    if (c->varsize) {
        strbuf_puts(b, "Avg bytes: ");
        put_bytes(b, c->avg_bytes_rate);
        strbuf_puts(b, " per sec\\n");
    }
    if (c->dropped) {
        strbuf_puts(b, "Dropped: ");
        put_count(b, c->dropped);
        strbuf_puts(b, "\\n");
    }
    strbuf_puts(b, "Latency: ");
    put_latency(b, c->latency_ms);
    strbuf_puts(b, "\\n\", tooltip=\"");
    put_escaped(b, c->from);
    strbuf_puts(b, ".");
    put_escaped(b, c->from_port);
    strbuf_puts(b, " -> ");
    put_escaped(b, c->to);
    strbuf_puts(b, ".");
    put_escaped(b, c->to_port);
    strbuf_printf(b,
                  ": inflight %llu of %llu, avg fill %.1f %%, sent %llu, "
                  "taken %llu, dropped %llu, bytes %llu, alert %s\", "
                  "color=%s, penwidth=%d];\n",
                  (unsigned long long)c->inflight,
                  (unsigned long long)c->capacity, c->avg_filled,
                  (unsigned long long)c->sent, (unsigned long long)c->taken,
                  (unsigned long long)c->dropped, (unsigned long long)c->bytes,
                  tel_color_name(c->alert), dot_color(c->alert),
                  c->alert ? 2 : 1);
}

void dot_write(struct strbuf *b, const struct tel_snapshot *s)
{
    strbuf_puts(b, "digraph G {\n"
                   "rankdir=LR;\n"
                   "graph [nodesep=.5, ranksep=2.5];\n"
                   "node [margin=0.1];\n"
                   "node [style=filled, fillcolor=white, fontcolor=black];\n"
                   "edge [color=white, fontcolor=white];\n"
                   "graph [bgcolor=black];\n");
    for (size_t i = 0; i < s->n_actors; i++)
        put_actor(b, s, &s->actors[i]);
    for (size_t i = 0; i < s->n_channels; i++)
        put_channel(b, s, &s->channels[i]);
    strbuf_puts(b, "}\n");
}

/* ---- SVG ------------------------------------------------------------- */

/* Graphviz's plugins, loaded by hand: the dot layout and the core
 * renderers (svg). Reading the plugin config instead would leak it, pull
 * in pango (and its threads) for font metrics, and fail where the config
 * was never generated. */
static const char *const plugin_names[] = { "dot_layout", "core" };
#define N_PLUGINS (sizeof(plugin_names) / sizeof(plugin_names[0]))

struct dot_svg {
    GVC_t *gvc;
    void *libs[N_PLUGINS];
    char symbols[N_PLUGINS][64];
    lt_symlist_t builtins[N_PLUGINS + 1]; /* NULL-terminated; gvc keeps it */
};

/* Graphviz reports problems through a global hook; keep them out of the
 * host's stderr and in the debug log. */
static int graphviz_said(char *msg)
{
    size_t len = strlen(msg);

    while (len && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
        len--;
    steady_debug(NULL, "telemetry: graphviz: %.*s", (int)len, msg);
    return 0;
}

/* 0 when every plugin is loaded into r->builtins. They stay mapped for
 * good (RTLD_NODELETE): the dot layout keeps scratch buffers in statics. */
static int load_plugins(struct dot_svg *r)
{
    for (size_t i = 0; i < N_PLUGINS; i++) {
        char path[512];

        snprintf(path, sizeof(path), "%s/libgvplugin_%s.so.%s",
                 STEADY_GRAPHVIZ_PLUGIN_DIR, plugin_names[i],
                 STEADY_GRAPHVIZ_PLUGIN_ABI);
        snprintf(r->symbols[i], sizeof(r->symbols[i]),
                 "gvplugin_%s_LTX_library", plugin_names[i]);
        r->libs[i] = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
        if (!r->libs[i])
            return -1;
        r->builtins[i].name = r->symbols[i];
        r->builtins[i].address = dlsym(r->libs[i], r->symbols[i]);
        if (!r->builtins[i].address)
            return -1;
    }
    return 0;
}

static void unload_plugins(struct dot_svg *r)
{
    for (size_t i = 0; i < N_PLUGINS; i++) {
        if (r->libs[i])
            dlclose(r->libs[i]);
        r->libs[i] = NULL;
    }
}

/* Graphviz keeps process-wide state (cgraph's shared string dictionary,
 * its error hooks), so two graphs' collectors in one process (an embedder,
 * the tests) must not call it at the same time: every call into it goes
 * under this lock. */
static pthread_mutex_t graphviz_lock = PTHREAD_MUTEX_INITIALIZER;

static struct dot_svg *svg_create_locked(void);

struct dot_svg *dot_svg_create(void)
{
    struct dot_svg *r;

    pthread_mutex_lock(&graphviz_lock);
    r = svg_create_locked();
    pthread_mutex_unlock(&graphviz_lock);
    return r;
}

static struct dot_svg *svg_create_locked(void)
{
    struct dot_svg *r = calloc(1, sizeof(*r));

    if (!r)
        return NULL;
    agseterrf(graphviz_said);
    agseterr(AGERR);
    if (load_plugins(r) == 0) {
        r->gvc = gvContextPlugins(r->builtins, 0);
    } else {
        /* another layout of the plugin folder: let Graphviz find them */
        steady_debug(NULL,
                     "telemetry: graphviz plugins not in %s (%s); "
                     "using the installed configuration",
                     STEADY_GRAPHVIZ_PLUGIN_DIR, dlerror());
        unload_plugins(r);
        r->gvc = gvContext();
    }
    if (!r->gvc)
        goto err_unload;
    return r;

err_unload:
    unload_plugins(r);
    free(r);
    return NULL;
}

void dot_svg_destroy(struct dot_svg *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&graphviz_lock);
    gvFreeContext(r->gvc);
    unload_plugins(r);
    pthread_mutex_unlock(&graphviz_lock);
    free(r);
}

static int render_locked(struct dot_svg *r, const char *dot, struct strbuf *out,
                         char *err, size_t errlen);

int dot_svg_render(struct dot_svg *r, const char *dot, struct strbuf *out,
                   char *err, size_t errlen)
{
    int rc;

    pthread_mutex_lock(&graphviz_lock);
    rc = render_locked(r, dot, out, err, errlen);
    pthread_mutex_unlock(&graphviz_lock);
    return rc;
}

static int render_locked(struct dot_svg *r, const char *dot, struct strbuf *out,
                         char *err, size_t errlen)
{
    graph_t *g = agmemread(dot);
    char *data = NULL;
    unsigned int len = 0;
    int rc = -1;

    if (!g) {
        snprintf(err, errlen, "graphviz could not parse the DOT text");
        return -1;
    }
    if (gvLayout(r->gvc, g, "dot") != 0) {
        snprintf(err, errlen,
                 "graphviz has no 'dot' layout (is libgvc6 configured? "
                 "run 'dot -c' as root)");
        goto err_close_graph;
    }
    if (gvRenderData(r->gvc, g, "svg", &data, &len) != 0 || !data) {
        snprintf(err, errlen, "graphviz could not render SVG");
        goto err_free_layout;
    }
    strbuf_append(out, data, len);
    gvFreeRenderData(data);
    rc = 0;

err_free_layout:
    gvFreeLayout(r->gvc, g);
err_close_graph:
    agclose(g);
    return rc;
}

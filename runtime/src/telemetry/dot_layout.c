/* dot_layout.c - lays a graph out with libgvc's `dot` and keeps where
 * everything went (see dot_layout.h). Graphviz writes the positions back
 * into the graph as attributes (pos, width, height, lp, bb: attach_attrs,
 * as its own "dot" output does); they are read from there, so nothing here
 * depends on Graphviz's internal structures.
 */
#include "dot_layout.h"

#include "dot.h"

#include <dlfcn.h>
#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <steady/log.h>
#include <string.h>

#define PAD 4.0 /* points of margin around the picture, as Graphviz draws */

/* ---- labels and whether a layout still fits -------------------------- */

void dot_labels_free(char **labels, size_t n)
{
    if (!labels)
        return;
    for (size_t i = 0; i < n; i++)
        free(labels[i]);
    free(labels);
}

char **dot_labels_of(const struct tel_snapshot *s)
{
    size_t n = s->n_actors + s->n_channels;
    char **labels = calloc(n ? n : 1, sizeof(*labels));

    if (!labels)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        struct strbuf b = { 0 };

        if (i < s->n_actors)
            dot_actor_label(&b, s, &s->actors[i], true);
        else
            dot_channel_label(&b, s, &s->channels[i - s->n_actors], true);
        labels[i] = strbuf_take(&b, NULL);
        if (!labels[i]) {
            dot_labels_free(labels, n);
            return NULL;
        }
    }
    return labels;
}

static size_t count_lines(const char *text)
{
    size_t n = 1;

    for (const char *p = text; *p; p++)
        n += *p == '\n';
    return n;
}

/* Whether every line of `now` is no longer than the same line of `was`
 * (same number of lines). */
static bool label_fits(const char *now, const char *was)
{
    if (count_lines(now) != count_lines(was))
        return false;
    while (*now || *was) {
        size_t a = strcspn(now, "\n"), b = strcspn(was, "\n");

        if (a > b)
            return false;
        now += a + (now[a] == '\n');
        was += b + (was[b] == '\n');
    }
    return true;
}

/* Per line the longer of now and was; now as it is when the numbers of
 * lines differ. NULL when out of memory. */
static char *label_grow(const char *now, const char *was)
{
    struct strbuf b = { 0 };

    if (count_lines(now) != count_lines(was))
        return strdup(now);
    while (*now || *was) {
        size_t a = strcspn(now, "\n"), c = strcspn(was, "\n");

        if (b.len)
            strbuf_puts(&b, "\n");
        strbuf_append(&b, a >= c ? now : was, a >= c ? a : c);
        now += a + (now[a] == '\n');
        was += c + (was[c] == '\n');
    }
    return strbuf_take(&b, NULL);
}

bool dot_layout_fits(const struct dot_layout *l, const struct tel_snapshot *s,
                     char ***grown)
{
    size_t n = s->n_actors + s->n_channels;
    char **now;
    bool fits = true;

    if (grown)
        *grown = NULL;
    if (l && (l->n_actors != s->n_actors || l->n_channels != s->n_channels ||
              l->n_troupes != s->n_troupes))
        l = NULL; /* another graph: start afresh */
    now = dot_labels_of(s);
    if (!now)
        return l != NULL; /* out of memory: keep what there is */
    for (size_t i = 0; i < n && l && fits; i++)
        fits = label_fits(now[i], l->labels[i]);
    if (l && fits) {
        dot_labels_free(now, n);
        return true;
    }
    for (size_t i = 0; i < n && l; i++) {
        char *g = label_grow(now[i], l->labels[i]);

        if (!g) {
            dot_labels_free(now, n);
            return false;
        }
        free(now[i]);
        now[i] = g;
    }
    if (grown)
        *grown = now;
    else
        dot_labels_free(now, n);
    return false;
}

/* ---- Graphviz -------------------------------------------------------- */

/* Graphviz's plugins, loaded by hand: the dot layout and the core
 * renderers (whose "dot" output writes the positions back). Reading the
 * plugin config instead would leak it, pull in pango (and its threads)
 * for font metrics, and fail where the config was never generated. */
static const char *const plugin_names[] = { "dot_layout", "core" };
#define N_PLUGINS (sizeof(plugin_names) / sizeof(plugin_names[0]))

struct dot_gv {
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

/* 0 when every plugin is loaded into gv->builtins. They stay mapped for
 * good (RTLD_NODELETE): the dot layout keeps scratch buffers in statics. */
static int load_plugins(struct dot_gv *gv)
{
    for (size_t i = 0; i < N_PLUGINS; i++) {
        char path[512];

        snprintf(path, sizeof(path), "%s/libgvplugin_%s.so.%s",
                 STEADY_GRAPHVIZ_PLUGIN_DIR, plugin_names[i],
                 STEADY_GRAPHVIZ_PLUGIN_ABI);
        snprintf(gv->symbols[i], sizeof(gv->symbols[i]),
                 "gvplugin_%s_LTX_library", plugin_names[i]);
        gv->libs[i] = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
        if (!gv->libs[i])
            return -1;
        gv->builtins[i].name = gv->symbols[i];
        gv->builtins[i].address = dlsym(gv->libs[i], gv->symbols[i]);
        if (!gv->builtins[i].address)
            return -1;
    }
    return 0;
}

static void unload_plugins(struct dot_gv *gv)
{
    for (size_t i = 0; i < N_PLUGINS; i++) {
        if (gv->libs[i])
            dlclose(gv->libs[i]);
        gv->libs[i] = NULL;
    }
}

/* Graphviz keeps process-wide state (cgraph's shared string dictionary,
 * its error hooks), so two graphs' collectors in one process (an embedder,
 * the tests) must not call it at the same time: every call into it goes
 * under this lock. */
static pthread_mutex_t graphviz_lock = PTHREAD_MUTEX_INITIALIZER;

static struct dot_gv *gv_create_locked(void)
{
    struct dot_gv *gv = calloc(1, sizeof(*gv));

    if (!gv)
        return NULL;
    agseterrf(graphviz_said);
    agseterr(AGERR);
    if (load_plugins(gv) == 0) {
        gv->gvc = gvContextPlugins(gv->builtins, 0);
    } else {
        /* another layout of the plugin folder: let Graphviz find them */
        steady_debug(NULL,
                     "telemetry: graphviz plugins not in %s (%s); "
                     "using the installed configuration",
                     STEADY_GRAPHVIZ_PLUGIN_DIR, dlerror());
        unload_plugins(gv);
        gv->gvc = gvContext();
    }
    if (!gv->gvc)
        goto err_unload;
    return gv;

err_unload:
    unload_plugins(gv);
    free(gv);
    return NULL;
}

struct dot_gv *dot_gv_create(void)
{
    struct dot_gv *gv;

    pthread_mutex_lock(&graphviz_lock);
    gv = gv_create_locked();
    pthread_mutex_unlock(&graphviz_lock);
    return gv;
}

void dot_gv_destroy(struct dot_gv *gv)
{
    if (!gv)
        return;
    pthread_mutex_lock(&graphviz_lock);
    gvFreeContext(gv->gvc);
    unload_plugins(gv);
    pthread_mutex_unlock(&graphviz_lock);
    free(gv);
}

/* ---- reading the positions back ---------------------------------------- */

struct frame {
    double llx, ury; /* Graphviz's bounding box: left and top */
};

static struct dot_point to_svg(const struct frame *f, double x, double y)
{
    return (struct dot_point){ x - f->llx + PAD, f->ury - y + PAD };
}

static const char *attr(void *obj, const char *name)
{
    const char *v = agget(obj, (char *)name);

    return v && *v ? v : NULL;
}

/* "x,y" into p. */
static bool read_point(const struct frame *f, const char *text,
                       struct dot_point *p)
{
    double x, y;

    if (!text || sscanf(text, "%lf,%lf", &x, &y) != 2)
        return false;
    *p = to_svg(f, x, y);
    return true;
}

/* The index in "a12" after its letter, or -1. */
static long id_index(void *obj, char letter, size_t n)
{
    const char *id = attr(obj, "id");
    char *end;
    long i;

    if (!id || id[0] != letter)
        return -1;
    i = strtol(id + 1, &end, 10);
    return *end || i < 0 || (size_t)i >= n ? -1 : i;
}

/* An edge's "pos": [s,x,y ][e,x,y ]x,y x,y ... (the first spline only). */
static int read_spline(const struct frame *f, const char *pos,
                       struct dot_edge *e)
{
    size_t n = 0, cap = 0;

    while (pos && *pos && *pos != ';') {
        size_t len = strcspn(pos, " ;");
        char tok[64];

        snprintf(tok, sizeof(tok), "%.*s", (int)(len < 63 ? len : 63), pos);
        if (tok[0] == 'e' && tok[1] == ',') {
            e->has_head = read_point(f, tok + 2, &e->head);
        } else if (tok[0] != 's') {
            if (n == cap) {
                size_t grow = cap ? 2 * cap : 8;
                struct dot_point *p = realloc(e->pts, grow * sizeof(*e->pts));

                if (!p)
                    return -1;
                e->pts = p;
                cap = grow;
            }
            if (read_point(f, tok, &e->pts[n]))
                n++;
        }
        pos += len;
        while (*pos == ' ')
            pos++;
    }
    /* a Bezier is its start and three points per piece */
    e->n_pts = n >= 4 ? n - (n - 1) % 3 : 0;
    return 0;
}

static void read_cluster(const struct frame *f, Agraph_t *sg,
                         struct dot_layout *l)
{
    long t = id_index(sg, 't', l->n_troupes);
    double x0, y0, x1, y1;
    const char *bb = attr(sg, "bb");

    if (t >= 0 && bb &&
        sscanf(bb, "%lf,%lf,%lf,%lf", &x0, &y0, &x1, &y1) == 4) {
        struct dot_point a = to_svg(f, x0, y1), b = to_svg(f, x1, y0);
        struct dot_cluster *c = &l->troupes[t];

        c->x0 = a.x;
        c->y0 = a.y;
        c->x1 = b.x;
        c->y1 = b.y;
        c->has_label = read_point(f, attr(sg, "lp"), &c->label);
    }
    for (Agraph_t *in = agfstsubg(sg); in; in = agnxtsubg(in))
        read_cluster(f, in, l);
}

static int read_layout(Agraph_t *g, struct dot_layout *l)
{
    const char *bb = attr(g, "bb");
    double x0, y0, x1, y1;
    struct frame f;

    if (!bb || sscanf(bb, "%lf,%lf,%lf,%lf", &x0, &y0, &x1, &y1) != 4)
        return -1;
    f.llx = x0;
    f.ury = y1;
    l->width = x1 - x0 + 2 * PAD;
    l->height = y1 - y0 + 2 * PAD;
    for (Agnode_t *n = agfstnode(g); n; n = agnxtnode(g, n)) {
        long a = id_index(n, 'a', l->n_actors);
        const char *w = attr(n, "width"), *h = attr(n, "height");
        struct dot_point c;

        if (a < 0 || !read_point(&f, attr(n, "pos"), &c) || !w || !h)
            continue;
        l->actors[a] =
            (struct dot_box){ c.x, c.y, atof(w) * 72.0, atof(h) * 72.0 };
        for (Agedge_t *e = agfstout(g, n); e; e = agnxtout(g, e)) {
            long i = id_index(e, 'c', l->n_channels);
            struct dot_edge *de;

            if (i < 0)
                continue;
            de = &l->channels[i];
            if (read_spline(&f, attr(e, "pos"), de) < 0)
                return -1;
            de->has_label = read_point(&f, attr(e, "lp"), &de->label);
        }
    }
    for (Agraph_t *sg = agfstsubg(g); sg; sg = agnxtsubg(sg))
        read_cluster(&f, sg, l);
    return 0;
}

/* ---- laying out ------------------------------------------------------- */

static struct dot_layout *layout_locked(struct dot_gv *gv, const char *dot,
                                        struct dot_layout *l, char *err,
                                        size_t errlen)
{
    graph_t *g = agmemread(dot);

    if (!g) {
        snprintf(err, errlen, "graphviz could not parse the DOT text");
        goto err_free;
    }
    if (gvLayout(gv->gvc, g, "dot") != 0) {
        snprintf(err, errlen,
                 "graphviz has no 'dot' layout (is libgvc6 configured? "
                 "run 'dot -c' as root)");
        goto err_close_graph;
    }
    /* the positions, as attributes (what Graphviz's own "dot" output
     * does first; rendering it would leak a little each time) */
    attach_attrs(g);
    if (read_layout(g, l) < 0) {
        snprintf(err, errlen, "graphviz gave no bounding box");
        goto err_free_layout;
    }
    gvFreeLayout(gv->gvc, g);
    agclose(g);
    return l;

err_free_layout:
    gvFreeLayout(gv->gvc, g);
err_close_graph:
    agclose(g);
err_free:
    dot_layout_destroy(l);
    return NULL;
}

struct dot_layout *dot_layout_create(struct dot_gv *gv,
                                     const struct tel_snapshot *s,
                                     char **labels, char *err, size_t errlen)
{
    struct dot_layout *l = calloc(1, sizeof(*l));
    struct strbuf dot = { 0 };

    if (!l || !labels) {
        snprintf(err, errlen, "out of memory");
        free(l);
        dot_labels_free(labels, s->n_actors + s->n_channels);
        return NULL;
    }
    l->n_actors = s->n_actors;
    l->n_channels = s->n_channels;
    l->n_troupes = s->n_troupes;
    l->labels = labels;
    l->actors = calloc(s->n_actors ? s->n_actors : 1, sizeof(*l->actors));
    l->channels =
        calloc(s->n_channels ? s->n_channels : 1, sizeof(*l->channels));
    l->troupes = calloc(s->n_troupes ? s->n_troupes : 1, sizeof(*l->troupes));
    dot_write_shaped(&dot, s, labels);
    if (!l->actors || !l->channels || !l->troupes || strbuf_failed(&dot)) {
        snprintf(err, errlen, "out of memory");
        strbuf_fini(&dot);
        dot_layout_destroy(l);
        return NULL;
    }
    pthread_mutex_lock(&graphviz_lock);
    l = layout_locked(gv, dot.data, l, err, errlen);
    pthread_mutex_unlock(&graphviz_lock);
    strbuf_fini(&dot);
    return l;
}

void dot_layout_destroy(struct dot_layout *l)
{
    if (!l)
        return;
    for (size_t i = 0; l->channels && i < l->n_channels; i++)
        free(l->channels[i].pts);
    free(l->actors);
    free(l->channels);
    free(l->troupes);
    dot_labels_free(l->labels, l->n_actors + l->n_channels);
    free(l);
}

/* svg.c - draws snapshots on a kept layout as SVG (see svg.h), in the look
 * Graphviz's own SVG has for the same DOT text. The template holds every
 * piece the layout fixes, formatted once; a frame adds text, colours and
 * widths.
 */
#include "svg.h"

#include "dot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FONT_FAMILY "Helvetica,Arial,sans-serif"
#define NODE_FONT   16.0
#define EDGE_FONT   14.0
#define LINE        1.2 /* line height, in font sizes (Graphviz's) */
#define ARROW       10.0

struct svg_element {
    char *open;   /* the group up to the first thing a frame changes */
    char **lines; /* [n_lines]: "<text ...>" where each label line goes */
    size_t n_lines;
    char *path; /* an edge's "d", NULL when it has no spline */
};

struct svg_template {
    const struct dot_layout *l;
    char *head;                   /* <svg>, background and clusters */
    struct svg_element *actors;   /* [l->n_actors] */
    struct svg_element *channels; /* [l->n_channels] */
};

/* Text for SVG content or a "..." attribute. With `title`, '-' reads as
 * Graphviz writes it in titles ("a&#45;&gt;b"). */
static void put_text(struct strbuf *b, const char *text, size_t len, bool title)
{
    const char *special = title ? "&<>\"-" : "&<>\"";

    while (len) {
        size_t run = strcspn(text, special);

        if (run > len)
            run = len;
        strbuf_append(b, text, run);
        text += run;
        len -= run;
        if (!len || !*text)
            break;
        switch (*text) {
        case '&':
            strbuf_puts(b, "&amp;");
            break;
        case '<':
            strbuf_puts(b, "&lt;");
            break;
        case '>':
            strbuf_puts(b, "&gt;");
            break;
        case '"':
            strbuf_puts(b, "&quot;");
            break;
        default:
            strbuf_puts(b, "&#45;");
        }
        text++;
        len--;
    }
}

static void put_str(struct strbuf *b, const char *text, bool title)
{
    put_text(b, text ? text : "", text ? strlen(text) : 0, title);
}

/* ---- the template ---------------------------------------------------------
 */

static size_t count_lines(const char *label)
{
    size_t n = 1;

    for (const char *p = label; *p; p++)
        n += *p == '\n';
    return n;
}

/* Where each of the n lines of a label centred on (x, y) goes. */
static char **line_openers(size_t n, double x, double y, double size,
                           const char *color)
{
    char **lines = calloc(n ? n : 1, sizeof(*lines));
    double top = y - (double)n * size * LINE / 2;

    for (size_t i = 0; lines && i < n; i++) {
        struct strbuf b = { 0 };

        strbuf_printf(&b,
                      "<text text-anchor=\"middle\" x=\"%.2f\" y=\"%.2f\" "
                      "font-size=\"%.0f\" fill=\"%s\">",
                      x, top + ((double)i + 0.8) * size * LINE, size, color);
        lines[i] = strbuf_take(&b, NULL);
        if (!lines[i]) {
            for (size_t j = 0; j < i; j++)
                free(lines[j]);
            free(lines);
            return NULL;
        }
    }
    return lines;
}

static void put_path(struct strbuf *b, const struct dot_edge *e)
{
    strbuf_printf(b, "M%.2f,%.2f", e->pts[0].x, e->pts[0].y);
    for (size_t i = 1; i + 2 < e->n_pts; i += 3)
        strbuf_printf(b, " C%.2f,%.2f %.2f,%.2f %.2f,%.2f", e->pts[i].x,
                      e->pts[i].y, e->pts[i + 1].x, e->pts[i + 1].y,
                      e->pts[i + 2].x, e->pts[i + 2].y);
}

static void put_cluster(struct strbuf *b, const struct dot_layout *l,
                        const struct tel_snapshot *s, size_t t)
{
    const struct dot_cluster *c = &l->troupes[t];

    strbuf_printf(b, "<g id=\"t%zu\" class=\"cluster\" data-troupe=\"", t);
    put_str(b, s->troupes[t], false);
    strbuf_puts(b, "\"><title>cluster_");
    put_str(b, s->troupes[t], true);
    strbuf_printf(b,
                  "</title>\n<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
                  "height=\"%.2f\" rx=\"8\" fill=\"none\" stroke=\"#8a8a8a\" "
                  "stroke-dasharray=\"6,3\"/>\n",
                  c->x0, c->y0, c->x1 - c->x0, c->y1 - c->y0);
    /* the name in the box's top left corner, in the margin the DOT text
     * leaves: where Graphviz puts a cluster's label in a left-to-right
     * layout, an edge label can meet it */
    strbuf_printf(b,
                  "<text text-anchor=\"start\" x=\"%.2f\" y=\"%.2f\" "
                  "font-size=\"%.0f\" fill=\"#c8c8c8\">%s ",
                  c->x0 + 8, c->y0 + EDGE_FONT + 2, EDGE_FONT,
                  s->clusters_are_nodes ? "node" : "troupe");
    put_str(b, s->troupes[t], false);
    strbuf_puts(b, "</text>\n");
    strbuf_puts(b, "</g>\n");
}

static int channel_element(struct svg_element *el, const struct dot_layout *l,
                           const struct tel_snapshot *s, size_t i)
{
    const struct tel_channel *c = &s->channels[i];
    const struct dot_edge *e = &l->channels[i];
    struct strbuf b = { 0 };

    strbuf_printf(&b,
                  "<g id=\"c%zu\" class=\"edge\" data-channel=\"%zu\" "
                  "data-from=\"",
                  i, i);
    put_str(&b, c->from, false);
    strbuf_puts(&b, "\" data-to=\"");
    put_str(&b, c->to, false);
    strbuf_puts(&b, "\"><title>");
    put_str(&b, c->from, true);
    strbuf_puts(&b, "&#45;&gt;");
    put_str(&b, c->to, true);
    strbuf_puts(&b, "</title>\n");
    if (e->n_pts >= 4) {
        struct strbuf d = { 0 };

        put_path(&d, e);
        el->path = strbuf_take(&d, NULL);
        if (!el->path) {
            strbuf_fini(&b);
            return -1;
        }
        strbuf_puts(&b, "<path class=\"hit\" fill=\"none\" "
                        "stroke=\"transparent\" stroke-width=\"14\" d=\"");
        strbuf_puts(&b, el->path);
        strbuf_puts(&b, "\"/>\n");
    }
    el->open = strbuf_take(&b, NULL);
    if (e->has_label) {
        el->n_lines = count_lines(l->labels[l->n_actors + i]);
        el->lines = line_openers(el->n_lines, e->label.x, e->label.y, EDGE_FONT,
                                 "white");
    }
    return el->open && (!e->has_label || el->lines) ? 0 : -1;
}

static int actor_element(struct svg_element *el, const struct dot_layout *l,
                         const struct tel_snapshot *s, size_t i)
{
    const struct dot_box *box = &l->actors[i];
    struct strbuf b = { 0 };

    strbuf_printf(&b, "<g id=\"a%zu\" class=\"node\" data-actor=\"", i);
    put_str(&b, s->actors[i].name, false);
    strbuf_puts(&b, "\"><title>");
    put_str(&b, s->actors[i].name, true);
    strbuf_printf(&b,
                  "</title>\n<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
                  "height=\"%.2f\" fill=\"white\" stroke=\"",
                  box->x - box->w / 2, box->y - box->h / 2, box->w, box->h);
    el->open = strbuf_take(&b, NULL);
    el->n_lines = count_lines(l->labels[i]);
    el->lines = line_openers(el->n_lines, box->x, box->y, NODE_FONT, "black");
    return el->open && el->lines ? 0 : -1;
}

static void element_fini(struct svg_element *el)
{
    free(el->open);
    free(el->path);
    for (size_t i = 0; el->lines && i < el->n_lines; i++)
        free(el->lines[i]);
    free(el->lines);
}

struct svg_template *svg_template_create(const struct dot_layout *l,
                                         const struct tel_snapshot *s)
{
    struct svg_template *t = calloc(1, sizeof(*t));
    struct strbuf head = { 0 };
    int rc = 0;

    if (!t)
        return NULL;
    t->l = l;
    t->actors = calloc(l->n_actors ? l->n_actors : 1, sizeof(*t->actors));
    t->channels =
        calloc(l->n_channels ? l->n_channels : 1, sizeof(*t->channels));
    if (!t->actors || !t->channels)
        goto err_free;
    strbuf_printf(&head,
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" "
                  "width=\"%.0fpt\" height=\"%.0fpt\" "
                  "viewBox=\"0.00 0.00 %.2f %.2f\" class=\"steady-graph\" "
                  "font-family=\"" FONT_FAMILY "\">\n"
                  "<g id=\"graph0\" class=\"graph\">\n<title>",
                  l->width, l->height, l->width, l->height);
    put_str(&head, s->graph, true);
    strbuf_printf(&head,
                  "</title>\n<rect class=\"background\" fill=\"black\" "
                  "stroke=\"none\" x=\"0\" y=\"0\" width=\"%.2f\" "
                  "height=\"%.2f\"/>\n",
                  l->width, l->height);
    for (size_t i = 0; i < s->n_troupes && i < l->n_troupes; i++)
        put_cluster(&head, l, s, i);
    t->head = strbuf_take(&head, NULL);
    for (size_t i = 0; i < l->n_channels && i < s->n_channels && rc == 0; i++)
        rc = channel_element(&t->channels[i], l, s, i);
    for (size_t i = 0; i < l->n_actors && i < s->n_actors && rc == 0; i++)
        rc = actor_element(&t->actors[i], l, s, i);
    if (!t->head || rc < 0)
        goto err_free;
    return t;

err_free:
    svg_template_destroy(t);
    return NULL;
}

void svg_template_destroy(struct svg_template *t)
{
    if (!t)
        return;
    for (size_t i = 0; t->actors && i < t->l->n_actors; i++)
        element_fini(&t->actors[i]);
    for (size_t i = 0; t->channels && i < t->l->n_channels; i++)
        element_fini(&t->channels[i]);
    free(t->actors);
    free(t->channels);
    free(t->head);
    free(t);
}

/* ---- a frame --------------------------------------------------------------
 */

/* The label's lines, each where the template puts it. */
static void put_lines(struct strbuf *b, const struct svg_element *el,
                      const char *label)
{
    for (size_t i = 0; i < el->n_lines && el->lines; i++) {
        size_t len = strcspn(label, "\n");

        strbuf_puts(b, el->lines[i]);
        put_text(b, label, len, false);
        strbuf_puts(b, "</text>\n");
        label += len + (label[len] == '\n');
    }
}

/* The arrowhead from the spline's end to the tip: as wide as the line. */
static void put_arrow(struct strbuf *b, const struct dot_edge *e,
                      const char *color, double width)
{
    struct dot_point p = e->pts[e->n_pts - 1], t = e->head;
    double dx = t.x - p.x, dy = t.y - p.y, len = sqrt(dx * dx + dy * dy);
    double half = width * 1.5 > ARROW * 0.35 ? width * 1.5 : ARROW * 0.35;

    if (len <= 0)
        return;
    dx /= len;
    dy /= len;
    strbuf_printf(b,
                  "<polygon fill=\"%s\" stroke=\"%s\" points=\"%.2f,%.2f "
                  "%.2f,%.2f %.2f,%.2f %.2f,%.2f\"/>\n",
                  color, color, t.x, t.y, p.x - dy * half, p.y + dx * half,
                  p.x + dy * half, p.y - dx * half, t.x, t.y);
}

static void put_channel(struct strbuf *b, const struct svg_template *t,
                        const struct tel_snapshot *s, size_t i,
                        struct strbuf *label)
{
    const struct tel_channel *c = &s->channels[i];
    const struct dot_edge *e = &t->l->channels[i];
    const struct svg_element *el = &t->channels[i];
    char buf[8];
    const char *color = dot_channel_color(c, buf);
    double width = dot_channel_penwidth(c);

    strbuf_puts(b, el->open);
    if (el->path) {
        strbuf_printf(b,
                      "<path fill=\"none\" stroke=\"%s\" "
                      "stroke-width=\"%.1f\" d=\"",
                      color, width);
        strbuf_puts(b, el->path);
        strbuf_puts(b, "\"><title>");
        strbuf_reset(label);
        dot_channel_tooltip(label, c, " \xe2\x86\x92 ");
        put_str(b, label->data, false);
        strbuf_puts(b, "</title></path>\n");
        if (e->has_head)
            put_arrow(b, e, color, width);
    }
    if (el->lines) {
        strbuf_reset(label);
        dot_channel_label(label, s, c, false);
        put_lines(b, el, label->data ? label->data : "");
    }
    strbuf_puts(b, "</g>\n");
}

static void put_actor(struct strbuf *b, const struct svg_template *t,
                      const struct tel_snapshot *s, size_t i,
                      struct strbuf *label)
{
    const struct tel_actor *a = &s->actors[i];
    const struct svg_element *el = &t->actors[i];

    strbuf_puts(b, el->open);
    strbuf_puts(b, dot_color(a->alert));
    strbuf_puts(b, "\" stroke-width=\"3\"><title>");
    strbuf_reset(label);
    dot_actor_tooltip(label, a);
    put_str(b, label->data, false);
    strbuf_puts(b, "</title></rect>\n");
    strbuf_reset(label);
    dot_actor_label(label, s, a, false);
    put_lines(b, el, label->data ? label->data : "");
    strbuf_puts(b, "</g>\n");
}

void svg_write(struct strbuf *b, const struct svg_template *t,
               const struct tel_snapshot *s)
{
    struct strbuf label = { 0 };

    strbuf_puts(b, t->head);
    /* edges under the boxes, as Graphviz draws them */
    for (size_t i = 0; i < s->n_channels && i < t->l->n_channels; i++)
        put_channel(b, t, s, i, &label);
    for (size_t i = 0; i < s->n_actors && i < t->l->n_actors; i++)
        put_actor(b, t, s, i, &label);
    strbuf_puts(b, "</g>\n</svg>\n");
    strbuf_fini(&label);
}

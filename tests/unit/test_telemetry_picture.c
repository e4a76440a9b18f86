/* test_telemetry_picture.c - the picture, from a fabricated snapshot: the
 * numbers as the picture and the tables write them (one table of cases,
 * shared with the dashboard test), the DOT text (troupes as clusters,
 * ports and element type on edges, the seed's labels, colours by alert or
 * by fill), the label shapes a layout is made for and when a layout stops
 * fitting, and a real layout by libgvc drawn to SVG from its template.
 */
#include "../integration/format_cases.h"
#include "dot.h"
#include "dot_layout.h"
#include "strbuf.h"
#include "svg.h"
#include "tel_format.h"
#include "telemetry.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h first. */
#include <cmocka.h>
/* after cmocka.h: it asserts */
#include "tel_fixture.h"

static struct tel_actor actors[4];
static struct tel_channel channels[3];
static const char *troupes[1] = { "out" };
static struct tel_snapshot snap;
static const struct graph_alert red_alert = {
    .measure = MEASURE_FILLED, .stat = STAT_AVG, .value = 90, .color = ALERT_RED
};

/* gen and sink solo, logger and we"ird\ in troupe "out"; gen -> sink
 * twice (one with an alert that holds, one without alerts), sink -> the
 * weird one. */
static int setup(void **state)
{
    (void)state;
    tel_fixture_fab(&snap, actors, 4, channels, 3);
    actors[2] = (struct tel_actor){ .name = "logger",
                                    .troupe = "out",
                                    .troupe_index = 0,
                                    .state = TEL_RUNNING,
                                    .mcpu = 0.44 };
    actors[3] = (struct tel_actor){ .name = "we\"ird\\<&>",
                                    .troupe = "out",
                                    .troupe_index = 0,
                                    .state = TEL_FAILED };
    channels[0].type = "u64";
    channels[0].alerts = &red_alert;
    channels[0].n_alerts = 1;
    channels[1].type = "fizzbuzz_msg";
    channels[2] = (struct tel_channel){ .from = "sink",
                                        .to = "we\"ird\\<&>",
                                        .from_port = "out",
                                        .to_port = "in",
                                        .type = "u64",
                                        .capacity = 64,
                                        .percentile = 80 };
    snap.n_troupes = 1;
    snap.troupes = troupes;
    return 0;
}

/* ---- numbers ------------------------------------------------------------- */

static void test_format_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_FORMAT_CASES; i++) {
        const struct format_case *c = &format_cases[i];
        struct strbuf n = { 0 }, l = { 0 }, k = { 0 }, y = { 0 }, u = { 0 };

        tel_fmt_num(&n, c->v);
        tel_fmt_latency(&l, c->v);
        tel_fmt_bytes(&y, c->v);
        tel_fmt_cpu(&u, c->v);
        if (isfinite(c->v) && c->v >= 0)
            tel_fmt_count(&k, (uint64_t)c->v);
        if (strcmp(n.data, c->num) != 0 || strcmp(l.data, c->latency) != 0 ||
            strcmp(k.data ? k.data : "", c->count) != 0 ||
            strcmp(y.data, c->bytes) != 0 || strcmp(u.data, c->cpu) != 0)
            fail_msg("%s: '%s' '%s' '%s' '%s' '%s', expected '%s' '%s' '%s' "
                     "'%s' '%s'",
                     c->in, n.data, l.data, k.data ? k.data : "", y.data,
                     u.data, c->num, c->latency, c->count, c->bytes, c->cpu);
        strbuf_fini(&n);
        strbuf_fini(&l);
        strbuf_fini(&k);
        strbuf_fini(&y);
        strbuf_fini(&u);
    }
}

/* ---- DOT ----------------------------------------------------------------- */

static void test_dot_seed_style_and_labels(void **state)
{
    char *text = tel_render(dot_write, &snap);

    (void)state;
    assert_true(strncmp(text, "digraph G {\nrankdir=LR;\n", 24) == 0);
    assert_has(text, "node [style=filled, fillcolor=white, fontcolor=black];");
    assert_has(text, "edge [color=white, fontcolor=white];");
    assert_has(text, "graph [bgcolor=black];");
    /* mCPU as the tables write it, not the seed's 0512 */
    assert_has(text, "\"gen\" [id=\"a0\", label=\"gen\\nWindow 10.0 secs\\n"
                     "Avg load: 67 %\\nAvg mCPU: 512\\nRestarts: 2\"");
    assert_has(text, "\"sink\" [id=\"a1\", label=\"sink\\nWindow 10.0 secs\\n"
                     "Avg load: 33 %\\nAvg mCPU: 3.2\\nState: stopped\"");
    assert_has(text, "label=\"logger\\nWindow 10.0 secs\\nAvg load: 0.0 %\\n"
                     "Avg mCPU: 0.4\"");
    assert_has(text, "\"we\\\"ird\\\\<&>\" [id=\"a3\", label=\"we\\\"ird\\\\<&>"
                     "\\nWindow");
    assert_has(text, "State: failed");
    /* every edge names its ports and element type */
    assert_has(text, "\"gen\" -> \"sink\" [id=\"c0\", label=\"a -> x: u64\\n"
                     "Window 10.0 secs\\nfilled 90%ile 70 %\\nCapacity: 1,000 "
                     "Total: 1,234,567\\nAvg rate: 4,321 per sec\\nLatency: "
                     "100 ms\"");
    assert_has(text, "[id=\"c1\", label=\"b -> y: fizzbuzz_msg\\n");
    assert_has(text, "Latency: stalled");
    assert_has(text, "[id=\"c2\", label=\"out -> in: u64\\nWindow 10.0 secs\\n"
                     "filled 80%ile 0.0 %\\nCapacity: 64 Total: 0\\n");
    /* hovering reads the numbers as the labels and the tables write them */
    assert_has(text, "tooltip=\"gen: running, CPU 1.50 s, mCPU 512, load 67 "
                     "%, alert orange\"");
    assert_has(text, "tooltip=\"gen.a -> sink.x: inflight 433 of 1,000, avg "
                     "fill 43 %, sent 1,235,000, taken 1,234,567, alert red\"");
    assert_has(text, "tooltip=\"we\\\"ird\\\\<&>: failed, CPU 0.0 ms");
    assert_true(text[strlen(text) - 2] == '}');
    free(text);
}

static void test_dot_troupes_are_clusters(void **state)
{
    char *text = tel_render(dot_write, &snap);
    const char *cluster, *end, *gen, *logger, *weird;

    (void)state;
    cluster = strstr(text, "subgraph \"cluster_out\" {\nid=\"t0\"; "
                           "label=\"troupe out\";");
    assert_non_null(cluster);
    end = strstr(cluster, "\n}\n");
    gen = strstr(text, "\n\"gen\" [");
    logger = strstr(text, "\n\"logger\" [");
    weird = strstr(text, "\n\"we\\\"ird");
    assert_non_null(end);
    /* members inside, solo actors outside, each node on its own line */
    assert_true(logger > cluster && logger < end);
    assert_true(weird > cluster && weird < end);
    assert_true(gen && (gen < cluster || gen > end));
    /* no troupes, no clusters */
    snap.n_troupes = 0;
    actors[2].troupe = actors[3].troupe = NULL;
    free(text);
    text = tel_render(dot_write, &snap);
    assert_null(strstr(text, "subgraph"));
    assert_has(text, "\n\"logger\" [");
    free(text);
}

static void test_dot_colours_by_alert_or_fill(void **state)
{
    char *text = tel_render(dot_write, &snap), buf[8];
    struct tel_channel c = { .capacity = 10 };

    (void)state;
    /* alerts: the alert's colour; actors grey without one */
    assert_has(text, "alert orange\", color=orange, penwidth=3];");
    assert_has(text, "alert none\", color=grey, penwidth=3];");
    assert_has(text, "alert red\", color=red, penwidth=2.0];");
    /* no alerts configured: by fill (full: magenta, thick); idle: grey */
    assert_has(text, "alert none\", color=\"#e040fb\", penwidth=4.0];");
    assert_has(text, "alert none\", color=grey, penwidth=1.0];");
    free(text);
    assert_string_equal(dot_channel_color(&c, buf), "grey");
    c.avg_rate = 5; /* moving, empty */
    assert_string_equal(dot_channel_color(&c, buf), "#26c6da");
    assert_true(dot_channel_penwidth(&c) == 1.5);
    c.avg_filled = 50;
    assert_string_equal(dot_channel_color(&c, buf), "#5c6bff");
    c.avg_filled = 100;
    assert_string_equal(dot_channel_color(&c, buf), "#e040fb");
    assert_true(dot_channel_penwidth(&c) == 4);
    c.avg_rate = 0; /* stuck full is not idle */
    c.inflight = 10;
    assert_string_equal(dot_channel_color(&c, buf), "#e040fb");
    /* alerts configured, none holds: grey, as the seed draws */
    c.alerts = &red_alert;
    c.n_alerts = 1;
    assert_string_equal(dot_channel_color(&c, buf), "grey");
    c.alert = ALERT_YELLOW;
    assert_string_equal(dot_channel_color(&c, buf), "yellow");
    assert_string_equal(dot_color(ALERT_NONE), "grey");
}

/* The statistics lines `stats:` asks for, in the numbers' shared format,
 * and a variable-size channel's bytes and a dropping channel's drops. */
static void test_dot_statistics_bytes_and_drops(void **state)
{
    char *text, **shapes;

    (void)state;
    tel_fixture_show_stats(&channels[0], &actors[0], &actors[1]);
    channels[2].varsize = true;
    channels[2].avg_bytes_rate = 123456;
    channels[2].dropped = 1234;
    text = tel_render(dot_write, &snap);
    assert_has(text, "Avg mCPU: 512\\nmCPU: min 2.0, max 1,024\\n"
                     "Restarts: 2\"");
    assert_has(text, "Avg mCPU: 3.2\\nload: 50%ile 13 %\\nState: "
                     "stopped\"");
    /* the channel's `percentile` has its own line already */
    assert_has(text, "Latency: 100 ms\\nfilled: max 100 %, sd 12 %, "
                     "50%ile 40 %, 99.9%ile 100 %\\nrate: min 10/s, "
                     "95%ile 5,000/s\\nlatency: max stalled, sd 250 ms, "
                     "99%ile stalled\"");
    assert_has(text, "Total: 0\\nAvg rate: 0.0 per sec\\nAvg bytes: 120.6 "
                     "KiB per sec\\nDropped: 1,234\\nLatency: 0.00 ms\"");
    free(text);
    /* the shapes a layout is made for have the same lines */
    shapes = dot_labels_of(&snap);
    assert_non_null(shapes);
    assert_string_equal(shapes[0], "gen\nWindow 00.0 secs\nAvg load: "
                                   "0000 %\nAvg mCPU: 00000\nmCPU: min "
                                   "00.0, max 0,000\nRestarts: 0000");
    assert_non_null(strstr(shapes[6], "\nAvg bytes: 0000.0 KiB per sec\n"
                                      "Dropped: 000000000,000\n"));
    assert_non_null(strstr(shapes[4], "\nlatency: max 0000.00 ms, sd "
                                      "0000.00 ms, 99%ile 0000.00 ms"));
    dot_labels_free(shapes, snap.n_actors + snap.n_channels);
}

/* ---- shapes and fitting -------------------------------------------------- */

static struct dot_layout *fake_layout(void)
{
    struct dot_layout *l = calloc(1, sizeof(*l));

    assert_non_null(l);
    l->n_actors = snap.n_actors;
    l->n_channels = snap.n_channels;
    l->n_troupes = snap.n_troupes;
    l->labels = dot_labels_of(&snap);
    assert_non_null(l->labels);
    return l;
}

static void test_shapes_fit_and_grow(void **state)
{
    struct dot_layout *l;
    char **shapes = dot_labels_of(&snap), **grown = NULL;
    size_t n = snap.n_actors + snap.n_channels;

    (void)state;
    assert_non_null(shapes);
    /* digits as zeros, numbers padded to what they usually reach */
    assert_string_equal(shapes[0], "gen\nWindow 00.0 secs\nAvg load: "
                                   "0000 %\nAvg mCPU: 00000\nRestarts: 0000");
    assert_string_equal(shapes[4], "a -> x: u64\nWindow 00.0 secs\n"
                                   "filled 90%ile 0000 %\n"
                                   "Capacity: 0,000 Total: 00000,000,000\n"
                                   "Avg rate: 00000,000 per sec\n"
                                   "Latency: 0000.00 ms");
    dot_labels_free(shapes, n);
    l = fake_layout();
    assert_true(dot_layout_fits(l, &snap, NULL));
    /* figures that move within their widths keep the layout */
    channels[0].taken = 7;
    channels[0].avg_rate = 0.5;
    actors[1].state = TEL_RESTARTING; /* no wider than "restarting" */
    assert_true(dot_layout_fits(l, &snap, &grown));
    assert_null(grown);
    /* a total past a billion does not fit: the new layout grows it */
    channels[0].taken = 12345678901234ull;
    assert_false(dot_layout_fits(l, &snap, &grown));
    assert_non_null(grown);
    assert_non_null(strstr(grown[4], "Total: 00,000,000,000,000\n"));
    /* ... and keeps every other line as wide as before */
    assert_string_equal(grown[0], l->labels[0]);
    dot_labels_free(grown, n);
    channels[0].taken = 7;
    /* a line that appears (restarts) needs a new layout too */
    actors[2].restarts = 1;
    assert_false(dot_layout_fits(l, &snap, &grown));
    assert_non_null(strstr(grown[2], "\nRestarts: 0000"));
    dot_labels_free(grown, n);
    /* another graph (one actor fewer): start afresh */
    actors[2].restarts = 0;
    snap.n_channels = 2;
    assert_false(dot_layout_fits(l, &snap, NULL));
    assert_false(dot_layout_fits(NULL, &snap, &grown));
    assert_non_null(grown);
    dot_labels_free(grown, snap.n_actors + snap.n_channels);
    snap.n_channels = 3;
    dot_layout_destroy(l);
}

/* ---- a real layout, drawn -------------------------------------------------
 */

static void assert_inside(const struct dot_layout *l, double x, double y)
{
    if (x < 0 || y < 0 || x > l->width || y > l->height)
        fail_msg("(%.1f, %.1f) outside the %.1f x %.1f picture", x, y, l->width,
                 l->height);
}

static size_t count_of(const char *text, const char *what)
{
    size_t n = 0;

    for (const char *p = text; (p = strstr(p, what)); p++)
        n++;
    return n;
}

static void test_layout_and_svg(void **state)
{
    struct dot_gv *gv = dot_gv_create();
    struct dot_layout *l;
    struct svg_template *tpl;
    struct strbuf svg = { 0 };
    char err[256] = "";
    const struct dot_cluster *c;

    (void)state;
    assert_non_null(gv);
    l = dot_layout_create(gv, &snap, dot_labels_of(&snap), err, sizeof(err));
    if (!l)
        fail_msg("layout: %s", err);
    assert_true(l->width > 100 && l->height > 100);
    for (size_t i = 0; i < l->n_actors; i++) {
        assert_true(l->actors[i].w > 50 && l->actors[i].h > 40);
        assert_inside(l, l->actors[i].x, l->actors[i].y);
    }
    for (size_t i = 0; i < l->n_channels; i++) {
        assert_true(l->channels[i].n_pts >= 4);
        assert_true((l->channels[i].n_pts - 1) % 3 == 0);
        assert_true(l->channels[i].has_head && l->channels[i].has_label);
        assert_inside(l, l->channels[i].head.x, l->channels[i].head.y);
    }
    /* the troupe's box holds its members' boxes */
    c = &l->troupes[0];
    for (size_t i = 2; i < 4; i++) {
        const struct dot_box *b = &l->actors[i];

        assert_true(b->x - b->w / 2 >= c->x0 && b->x + b->w / 2 <= c->x1);
        assert_true(b->y - b->h / 2 >= c->y0 && b->y + b->h / 2 <= c->y1);
    }
    assert_true(c->has_label);
    tpl = svg_template_create(l, &snap);
    assert_non_null(tpl);
    svg_write(&svg, tpl, &snap);
    assert_false(strbuf_failed(&svg));
    assert_has(svg.data, "<svg xmlns=\"http://www.w3.org/2000/svg\"");
    assert_has(svg.data, "<rect class=\"background\" fill=\"black\"");
    assert_has(svg.data, "<g id=\"t0\" class=\"cluster\" data-troupe=\"out\">"
                         "<title>cluster_out</title>");
    assert_has(svg.data, ">troupe out</text>");
    assert_has(svg.data, "<g id=\"a0\" class=\"node\" data-actor=\"gen\">"
                         "<title>gen</title>");
    assert_has(svg.data, "<title>gen&#45;&gt;sink</title>");
    assert_has(svg.data, "data-actor=\"we&quot;ird\\&lt;&amp;&gt;\">");
    assert_has(svg.data, ">Avg mCPU: 512</text>");
    assert_has(svg.data, ">a -&gt; x: u64</text>");
    assert_has(svg.data, ">Latency: stalled</text>");
    assert_has(svg.data, "stroke=\"orange\" stroke-width=\"3\"");
    assert_has(svg.data, "<path fill=\"none\" stroke=\"red\"");
    assert_has(svg.data, "<path fill=\"none\" stroke=\"#e040fb\"");
    assert_has(svg.data, "<path class=\"hit\"");
    /* the hints write numbers as the labels and the tables do */
    assert_has(svg.data, "<title>gen: running, CPU 1.50 s, mCPU 512, load 67 "
                         "%, alert orange</title></rect>");
    assert_has(svg.data, "<title>gen.a \xe2\x86\x92 sink.x: inflight 433 of "
                         "1,000, avg fill 43 %, sent 1,235,000, taken "
                         "1,234,567, alert red</title></path>");
    assert_has(svg.data, "<title>we&quot;ird\\&lt;&amp;&gt;: failed, CPU "
                         "0.0 ms, mCPU 0.0, load 0.0 %, alert none</title>");
    assert_int_equal(count_of(svg.data, "<g "), count_of(svg.data, "</g>"));
    assert_int_equal(count_of(svg.data, "class=\"node\""), 4);
    assert_int_equal(count_of(svg.data, "class=\"edge\""), 3);
    assert_int_equal(count_of(svg.data, "<polygon"), 3);
    /* the next frame: new numbers, the same template */
    actors[0].mcpu = 7.25;
    channels[2].taken = 99;
    strbuf_reset(&svg);
    svg_write(&svg, tpl, &snap);
    assert_has(svg.data, ">Avg mCPU: 7.3</text>");
    assert_has(svg.data, ">Capacity: 64 Total: 99</text>");
    strbuf_fini(&svg);
    svg_template_destroy(tpl);
    dot_layout_destroy(l);
    /* laid out again with the same context: no state leaks between runs */
    l = dot_layout_create(gv, &snap, dot_labels_of(&snap), err, sizeof(err));
    assert_non_null(l);
    dot_layout_destroy(l);
    dot_gv_destroy(gv);
}

static void test_layout_of_an_empty_graph(void **state)
{
    struct tel_snapshot empty = { .graph = "none" };
    struct dot_gv *gv = dot_gv_create();
    struct dot_layout *l;
    struct svg_template *tpl;
    struct strbuf svg = { 0 };
    char err[256] = "";

    (void)state;
    assert_non_null(gv);
    l = dot_layout_create(gv, &empty, dot_labels_of(&empty), err, sizeof(err));
    if (l) {
        tpl = svg_template_create(l, &empty);
        assert_non_null(tpl);
        svg_write(&svg, tpl, &empty);
        assert_has(svg.data, "</svg>");
        svg_template_destroy(tpl);
    } else {
        assert_true(err[0] != '\0');
    }
    strbuf_fini(&svg);
    dot_layout_destroy(l);
    dot_gv_destroy(gv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_cases),
        cmocka_unit_test_setup(test_dot_seed_style_and_labels, setup),
        cmocka_unit_test_setup(test_dot_troupes_are_clusters, setup),
        cmocka_unit_test_setup(test_dot_colours_by_alert_or_fill, setup),
        cmocka_unit_test_setup(test_dot_statistics_bytes_and_drops, setup),
        cmocka_unit_test_setup(test_shapes_fit_and_grow, setup),
        cmocka_unit_test_setup(test_layout_and_svg, setup),
        cmocka_unit_test(test_layout_of_an_empty_graph),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_telemetry.c - the telemetry server on real graphs, over real
 * sockets: the standard graph's four actors and three channels in
 * /graph.dot and /graph.svg, totals that grow, Prometheus text that
 * promtool accepts, alert colours on a channel held full, 404/405/HEAD,
 * ports in use, the logged URLs, and the dashboard in headless Chromium
 * (screenshots land in the build's artifacts/ folder). Every wait is
 * bounded; everything binds 127.0.0.1. */
#include "host_run.h"
#include "tel_client.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <steady/log.h>
#include <steady/runtime.h>
#include <sys/stat.h>
#include <time.h>
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h first. */
#include <cmocka.h>

#define STANDARD   STEADY_SOURCE_DIR "/graphs/standard.yaml"
#define TEL_GRAPHS STEADY_SOURCE_DIR "/tests/graphs/telemetry/"
#define ARTIFACTS  STEADY_BINARY_DIR "/artifacts"

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

/* ---- a graph running in this process --------------------------------- */

struct running {
    struct steady_runtime *rt;
    pthread_t thread;
    int rc;
    char err[1024];
};

static void *run_thread(void *arg)
{
    struct running *g = arg;

    g->rc = steady_runtime_run(g->rt, g->err, sizeof(g->err));
    return NULL;
}

/* Loads `file` with `overrides` (name, value, ..., NULL) and telemetry
 * `tel`, runs it on a thread and waits (bounded) until it listens. */
static void start_graph(struct running *g, const char *file,
                        const char *const *overrides, const char *tel)
{
    struct steady_runtime_options opt = { 0 };
    char err[1024];
    size_t n = 0;

    while (overrides && overrides[2 * n])
        n++;
    opt.plugin_path = STEADY_TEST_PLUGIN_DIR;
    opt.overrides = overrides;
    opt.n_overrides = n;
    opt.telemetry = tel;
    memset(g, 0, sizeof(*g));
    if (steady_runtime_load(file, &opt, &g->rt, err, sizeof(err)) < 0)
        fail_msg("load %s: %s", file, err);
    assert_int_equal(pthread_create(&g->thread, NULL, run_thread, g), 0);
    for (int waited = 0; waited < 10000; waited += 10) {
        if (steady_runtime_telemetry_port(g->rt) > 0)
            return;
        sleep_ms(10);
    }
    fail_msg("telemetry of %s did not start listening within 10 s", file);
}

/* Requests shutdown and waits (bounded) for the run to return. */
static int stop_graph(struct running *g)
{
    struct timespec until;

    steady_runtime_request_shutdown(g->rt);
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 30;
    if (pthread_timedjoin_np(g->thread, NULL, &until) != 0)
        fail_msg("the graph did not stop within 30 s");
    if (g->rc != 0)
        fail_msg("the graph stopped with an error: %s", g->err);
    steady_runtime_destroy(g->rt);
    return g->rc;
}

/* ---- reading the replies --------------------------------------------- */

static struct http_reply get_ok(int port, const char *path,
                                const char *content_type)
{
    struct http_reply r = http_get(port, path);
    char type[128];

    if (r.status != 200)
        fail_msg("GET %s: status %d: %s", path, r.status, r.body ? r.body : "");
    assert_non_null(http_header(&r, "Content-Type", type, sizeof(type)));
    if (strncmp(type, content_type, strlen(content_type)) != 0)
        fail_msg("GET %s: Content-Type '%s', expected '%s'", path, type,
                 content_type);
    return r;
}

/* The value of the sample `series` (name and labels exactly as written)
 * in Prometheus text, or -1 when absent. */
static double metric(const char *text, const char *series)
{
    return prom_value(text, series, -1);
}

static double metric_now(int port, const char *series)
{
    struct http_reply r = get_ok(port, "/metrics", "text/plain");
    double v = metric(r.body, series);

    http_reply_free(&r);
    return v;
}

/* Polls /metrics until `series` reaches at least `want` (bounded). */
static void await_metric(int port, const char *series, double want,
                         int timeout_ms)
{
    double v = -1;

    for (int waited = 0; waited <= timeout_ms; waited += 50) {
        v = metric_now(port, series);
        if (v >= want)
            return;
        sleep_ms(50);
    }
    fail_msg("%s stayed at %g, expected at least %g", series, v, want);
}

/* Every sample belongs to a family announced by # HELP and # TYPE. */
static void assert_help_and_type(const char *text)
{
    char help[64][64], type[64][64];
    size_t n_help = 0, n_type = 0, samples = 0;
    const char *p = text;

    while (*p) {
        size_t len = strcspn(p, "\n");
        char name[64];

        if (sscanf(p, "# HELP %63s", name) == 1 && n_help < 64)
            snprintf(help[n_help++], 64, "%s", name);
        else if (sscanf(p, "# TYPE %63s", name) == 1 && n_type < 64)
            snprintf(type[n_type++], 64, "%s", name);
        else if (len && *p != '#') {
            bool has_help = false, has_type = false;

            snprintf(name, sizeof(name), "%.*s", (int)strcspn(p, "{ "), p);
            for (size_t i = 0; i < n_help; i++)
                has_help |= strcmp(help[i], name) == 0;
            for (size_t i = 0; i < n_type; i++)
                has_type |= strcmp(type[i], name) == 0;
            if (!has_help || !has_type)
                fail_msg("sample of '%s' without # HELP and # TYPE", name);
            samples++;
        }
        p += len + (p[len] == '\n');
    }
    assert_true(samples > 0);
}

static uint64_t dot_edge_total(const char *dot, const char *edge)
{
    const char *e = strstr(dot, edge);
    const char *total;
    uint64_t n = 0;

    if (!e)
        fail_msg("no edge %s in the DOT", edge);
    total = strstr(e, "Total: ");
    assert_non_null(total);
    for (const char *p = total + 7; (*p >= '0' && *p <= '9') || *p == ',';
         p++) {
        if (*p != ',')
            n = n * 10 + (uint64_t)(*p - '0');
    }
    return n;
}

/* The attribute list of a node or edge statement in DOT text. */
static void dot_statement(const char *dot, const char *head, char *buf,
                          size_t len)
{
    char key[128];
    const char *s;

    snprintf(key, sizeof(key), "\n%s [", head);
    s = strstr(dot, key);
    if (!s)
        fail_msg("no statement %s in:\n%s", head, dot);
    snprintf(buf, len, "%.*s", (int)strcspn(s + 1, "\n"), s + 1);
}

static void assert_dot_color(const char *dot, const char *head,
                             const char *color)
{
    char stmt[1024], want[64];

    dot_statement(dot, head, stmt, sizeof(stmt));
    snprintf(want, sizeof(want), ", color=%s,", color);
    if (!strstr(stmt, want))
        fail_msg("%s is not %s: %s", head, color, stmt);
}

/* ---- promtool and chromium ------------------------------------------- */

static bool have(const char *path)
{
    return access(path, X_OK) == 0;
}

/* promtool check metrics passes the text without a remark. */
static void assert_promtool_accepts(const char *text, size_t len)
{
    char *said = NULL;
    int rc;

    if (!have(PROMTOOL))
        fail_msg("%s is missing; tools/deps.sh installs it (Debian package "
                 "prometheus)",
                 PROMTOOL);
    rc = promtool_check(text, len, &said);
    if (rc != 0 || (said && said[0]))
        fail_msg("promtool check metrics (exit %d): %s", rc, said);
    free(said);
}

static int chromium(const char *url, const char *dom_path, const char *png_path)
{
    return chromium_run(url, dom_path, png_path);
}

/* The dashboard's DOM after a few refreshes, or NULL when Chromium is
 * missing. Caller frees. */
static char *dashboard_dom(int port)
{
    char url[64], dom[] = "/tmp/steady-dom-XXXXXX";
    char *text;
    int fd = mkstemp(dom);

    assert_true(fd >= 0);
    close(fd);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
    if (chromium(url, dom, NULL) != 0) {
        text = read_file_text(dom);
        unlink(dom);
        fail_msg("chromium --dump-dom failed: %.2000s", text);
    }
    text = read_file_text(dom);
    unlink(dom);
    return text;
}

static void screenshot(int port, const char *name)
{
    char url[64], path[512];
    struct stat st;

    mkdir(ARTIFACTS, 0755);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
    snprintf(path, sizeof(path), "%s/%s", ARTIFACTS, name);
    unlink(path);
    assert_int_equal(chromium(url, NULL, path), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size > 10000); /* a picture, not a blank page */
}

/* The updates counter the page keeps on <body>. */
static int dom_updates(const char *dom)
{
    const char *u = strstr(dom, "data-updates=\"");

    return u ? atoi(u + strlen("data-updates=\"")) : -1;
}

/* The inline SVG of the page, copied. */
static char *dom_svg(const char *dom)
{
    const char *s = strstr(dom, "<svg");
    const char *e = s ? strstr(s, "</svg>") : NULL;

    if (!s || !e)
        fail_msg("the dashboard shows no SVG picture");
    return strndup(s, (size_t)(e - s));
}

/* ---- tests ----------------------------------------------------------- */

static const char *const fast_standard[] = { "rate", "20", "beats", "1000000",
                                             NULL };

static void test_standard_graph_dot_and_svg(void **state)
{
    static const char *const actors[] = { "heartbeat", "generator", "worker",
                                          "logger" };
    static const char *const edges[] = { "\"heartbeat\" -> \"worker\"",
                                         "\"generator\" -> \"worker\"",
                                         "\"worker\" -> \"logger\"" };
    struct running g;
    struct http_reply dot, svg;
    int port;

    (void)state;
    start_graph(&g, STANDARD, fast_standard, "127.0.0.1:0");
    port = steady_runtime_telemetry_port(g.rt);
    await_metric(port, "take_total{from=\"generator\",to=\"worker\"}", 1,
                 10000);
    dot = get_ok(port, "/graph.dot", "text/vnd.graphviz");
    assert_non_null(strstr(dot.body, "digraph G {"));
    assert_non_null(strstr(dot.body, "graph [bgcolor=black];"));
    for (size_t i = 0; i < 4; i++) {
        char head[64], stmt[1024], label[128];

        snprintf(head, sizeof(head), "\"%s\"", actors[i]);
        dot_statement(dot.body, head, stmt, sizeof(stmt));
        snprintf(label, sizeof(label), "label=\"%s\\nWindow ", actors[i]);
        assert_non_null(strstr(stmt, label));
        assert_non_null(strstr(stmt, "\\nAvg load: "));
        assert_non_null(strstr(stmt, "\\nAvg mCPU: "));
        assert_non_null(strstr(stmt, "color=grey"));
    }
    for (size_t i = 0; i < 3; i++) {
        char stmt[1024];

        dot_statement(dot.body, edges[i], stmt, sizeof(stmt));
        /* the ports and the element type head the label */
        assert_non_null(strstr(stmt, "label=\"out -> "));
        assert_non_null(strstr(stmt, "\\nWindow "));
        assert_non_null(strstr(stmt, "\\nfilled 80%ile "));
        assert_non_null(strstr(stmt, "Capacity: 64 Total: "));
        assert_non_null(strstr(stmt, "Avg rate: "));
    }
    assert_null(strstr(dot.body, "\"generator\" -> \"logger\""));

    svg = get_ok(port, "/graph.svg", "image/svg+xml");
    assert_non_null(strstr(svg.body, "<svg"));
    for (size_t i = 0; i < 4; i++) {
        char title[64];

        snprintf(title, sizeof(title), "<title>%s</title>", actors[i]);
        assert_non_null(strstr(svg.body, title));
    }
    assert_non_null(strstr(svg.body, "<title>generator&#45;&gt;worker"));
    http_reply_free(&dot);
    http_reply_free(&svg);
    assert_int_equal(stop_graph(&g), 0);
}

static void test_standard_graph_totals_grow(void **state)
{
    const char *sent = "send_total{from=\"generator\",to=\"worker\"}";
    const char *taken = "take_total{from=\"worker\",to=\"logger\"}";
    struct running g;
    struct http_reply d1, d2;
    double s1, t1, s2, t2;
    uint64_t dt1, dt2;
    int port;

    (void)state;
    start_graph(&g, STANDARD, fast_standard, "127.0.0.1:0");
    port = steady_runtime_telemetry_port(g.rt);
    await_metric(port, taken, 1, 10000);
    s1 = metric_now(port, sent);
    t1 = metric_now(port, taken);
    d1 = get_ok(port, "/graph.dot", "text/vnd.graphviz");
    sleep_ms(500); /* 25 beats at --rate 20, five frames */
    s2 = metric_now(port, sent);
    t2 = metric_now(port, taken);
    d2 = get_ok(port, "/graph.dot", "text/vnd.graphviz");
    assert_true(s2 > s1);
    assert_true(t2 > t1);
    dt1 = dot_edge_total(d1.body, "\"worker\" -> \"logger\"");
    dt2 = dot_edge_total(d2.body, "\"worker\" -> \"logger\"");
    assert_true(dt2 > dt1);
    assert_true(metric_now(port, "avg_rate{from=\"worker\",to=\"logger\"}") >
                0);
    http_reply_free(&d1);
    http_reply_free(&d2);
    assert_int_equal(stop_graph(&g), 0);
}

static void test_metrics_families_and_promtool(void **state)
{
    static const char *const families[] = {
        "avg_load",    "avg_mcpu",          "actor_restarts_total",
        "inflight",    "send_total",        "take_total",
        "capacity",    "avg_rate",          "avg_filled",
        "alert_level", "percentile_filled", "avg_latency_seconds",
    };
    struct running g;
    struct http_reply m;
    int port;

    (void)state;
    start_graph(&g, STANDARD, fast_standard, "127.0.0.1:0");
    port = steady_runtime_telemetry_port(g.rt);
    await_metric(port, "take_total{from=\"worker\",to=\"logger\"}", 1, 10000);
    m = get_ok(port, "/metrics", "text/plain; version=0.0.4");
    assert_help_and_type(m.body);
    for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
        char help[64], type[64];

        snprintf(help, sizeof(help), "# HELP %s ", families[i]);
        snprintf(type, sizeof(type), "# TYPE %s ", families[i]);
        if (!strstr(m.body, help) || !strstr(m.body, type))
            fail_msg("family %s missing", families[i]);
    }
    assert_true(metric(m.body, "avg_mcpu{actor_name=\"logger\"}") >= 0);
    assert_true(metric(m.body, "avg_load{actor_name=\"heartbeat\"}") >= 0);
    assert_true(metric(m.body, "actor_restarts_total{actor_name=\"worker\"}") ==
                0);
    assert_true(metric(m.body, "capacity{from=\"generator\",to=\"worker\"}") ==
                64);
    assert_true(metric(m.body, "percentile_filled{from=\"generator\","
                               "to=\"worker\",p=\"8000\"}") >= 0);
    assert_true(metric(m.body, "inflight{from=\"heartbeat\",to=\"worker\"}") >=
                0);
    assert_true(metric(m.body, "actor_state{actor_name=\"generator\","
                               "state=\"running\"}") == 1);
    assert_promtool_accepts(m.body, m.body_len);
    http_reply_free(&m);
    assert_int_equal(stop_graph(&g), 0);
}

static void test_alert_colours_when_held_full(void **state)
{
    struct running g;
    struct http_reply dot, svg, m;
    int port;

    (void)state;
    start_graph(&g, TEL_GRAPHS "held.yaml", NULL, "127.0.0.1:0");
    port = steady_runtime_telemetry_port(g.rt);
    /* window_s 1: the full channel's average fill passes 90 % within it */
    await_metric(port, "alert_level{from=\"filler\",to=\"holder\"}", 3, 10000);
    await_metric(port, "alert_level{actor_name=\"ticker\"}", 1, 10000);
    m = get_ok(port, "/metrics", "text/plain");
    assert_true(metric(m.body, "inflight{from=\"filler\",to=\"holder\"}") == 8);
    assert_true(metric(m.body, "avg_filled{from=\"filler\",to=\"holder\"}") >
                90);
    assert_true(metric(m.body, "percentile_filled{from=\"filler\","
                               "to=\"holder\",p=\"8000\"}") == 100);
    assert_true(metric(m.body, "alert_level{from=\"ticker\",to=\"drain\"}") ==
                2);
    assert_true(metric(m.body, "alert_level{actor_name=\"filler\"}") == 0);
    /* items wait and none are taken: the latency is unbounded */
    assert_non_null(strstr(m.body, "avg_latency_seconds{from=\"filler\","
                                   "to=\"holder\"} +Inf\n"));

    dot = get_ok(port, "/graph.dot", "text/vnd.graphviz");
    assert_dot_color(dot.body, "\"filler\" -> \"holder\"", "red");
    assert_dot_color(dot.body, "\"ticker\" -> \"drain\"", "orange");
    assert_dot_color(dot.body, "\"ticker\"", "yellow");
    assert_dot_color(dot.body, "\"filler\"", "grey");
    svg = get_ok(port, "/graph.svg", "image/svg+xml");
    assert_non_null(strstr(svg.body, "stroke=\"red\""));
    assert_non_null(strstr(svg.body, "stroke=\"orange\""));
    assert_non_null(strstr(svg.body, "stroke=\"yellow\""));
    http_reply_free(&m);
    http_reply_free(&dot);
    http_reply_free(&svg);
    assert_int_equal(stop_graph(&g), 0);
}

static void test_methods_paths_and_head(void **state)
{
    static const char *const paths[] = { "/", "/graph.dot", "/graph.svg",
                                         "/metrics" };
    struct running g;
    struct http_reply r;
    char buf[128];
    int port;

    (void)state;
    start_graph(&g, STANDARD, fast_standard, "127.0.0.1:0");
    port = steady_runtime_telemetry_port(g.rt);
    r = http_get(port, "/nope");
    assert_int_equal(r.status, 404);
    http_reply_free(&r);
    r = http_get(port, "/metrics/extra");
    assert_int_equal(r.status, 404);
    http_reply_free(&r);
    r = http_request(port, "POST", "/", 10000);
    assert_int_equal(r.status, 405);
    assert_non_null(http_header(&r, "Allow", buf, sizeof(buf)));
    assert_string_equal(buf, "GET, HEAD");
    http_reply_free(&r);
    r = http_request(port, "DELETE", "/metrics", 10000);
    assert_int_equal(r.status, 405);
    http_reply_free(&r);
    r = http_request(port, "PUT", "/nope", 10000);
    assert_int_equal(r.status, 405);
    http_reply_free(&r);
    for (size_t i = 0; i < 4; i++) {
        r = http_request(port, "HEAD", paths[i], 10000);
        if (r.status != 200)
            fail_msg("HEAD %s: %d", paths[i], r.status);
        assert_int_equal(r.body_len, 0);
        assert_non_null(http_header(&r, "Content-Length", buf, sizeof(buf)));
        assert_true(atol(buf) > 0);
        assert_non_null(http_header(&r, "Content-Type", buf, sizeof(buf)));
        http_reply_free(&r);
    }
    /* the dashboard needs nothing from the network */
    r = get_ok(port, "/", "text/html");
    assert_non_null(strstr(r.body, "/graph.svg"));
    assert_non_null(strstr(r.body, "/metrics"));
    assert_null(strstr(r.body, "http://"));
    assert_null(strstr(r.body, "https://"));
    http_reply_free(&r);
    assert_int_equal(stop_graph(&g), 0);
}

static void test_port_in_use_is_an_error(void **state)
{
    struct sockaddr_in a = { .sin_family = AF_INET };
    socklen_t alen = sizeof(a);
    struct steady_runtime_options opt = { 0 };
    const char *const ov[] = { "rate", "20", "beats", "5" };
    struct steady_runtime *rt;
    char err[1024], tel[64], want[128];
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    (void)state;
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(fd, 1), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    snprintf(tel, sizeof(tel), "127.0.0.1:%d", ntohs(a.sin_port));
    opt.telemetry = tel;
    opt.overrides = ov;
    opt.n_overrides = 2;
    assert_int_equal(steady_runtime_load(STANDARD, &opt, &rt, err, sizeof(err)),
                     0);
    assert_int_equal(steady_runtime_run(rt, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s is already in use", tel);
    if (!strstr(err, want))
        fail_msg("unexpected error: %s", err);
    assert_int_equal(steady_runtime_telemetry_port(rt), 0);
    steady_runtime_destroy(rt);
    close(fd);
}

/* ---- the default port moves on -- */

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_text[8192];

static void log_capture(void *user, enum steady_log_level level,
                        const char *who, const char *msg)
{
    size_t used;

    (void)user;
    (void)level;
    pthread_mutex_lock(&log_lock);
    used = strlen(log_text);
    snprintf(log_text + used, sizeof(log_text) - used, "[%s] %s\n", who, msg);
    pthread_mutex_unlock(&log_lock);
}

static void test_default_port_taken_moves_on(void **state)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(9900) };
    struct running g;
    char want[128];
    int fd = socket(AF_INET, SOCK_STREAM, 0), port;
    bool mine;

    (void)state;
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    /* Hold 9900 ourselves; if something else already holds it, it is
     * taken all the same. */
    mine =
        bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(fd, 1) == 0;
    if (!mine && errno != EADDRINUSE)
        fail_msg("cannot probe port 9900: %s", strerror(errno));
    log_text[0] = '\0';
    steady_log_set_sink(log_capture, NULL);
    start_graph(&g, TEL_GRAPHS "default_port.yaml", NULL, NULL);
    port = steady_runtime_telemetry_port(g.rt);
    steady_log_set_sink(NULL, NULL);
    if (!mine && port == 9900) {
        /* whoever held it let go before the graph started */
        stop_graph(&g);
        close(fd);
        skip();
    }
    assert_true(port > 9900 && port < 10000);
    snprintf(want, sizeof(want),
             "telemetry: port 9900 is in use; serving on port %d", port);
    pthread_mutex_lock(&log_lock);
    if (!strstr(log_text, want))
        fail_msg("no '%s' in the log:\n%s", want, log_text);
    pthread_mutex_unlock(&log_lock);
    assert_true(metric_now(port, "capacity{from=\"ticker\",to=\"drain\"}") ==
                64);
    assert_int_equal(stop_graph(&g), 0);
    close(fd);
}

static void test_telemetry_off(void **state)
{
    struct running g = { 0 };
    struct steady_runtime_options opt = { 0 };
    const char *const ov[] = { "rate", "10", "beats", "3" };

    (void)state;
    opt.telemetry = "off";
    opt.overrides = ov;
    opt.n_overrides = 2;
    assert_int_equal(
        steady_runtime_load(STANDARD, &opt, &g.rt, g.err, sizeof(g.err)), 0);
    assert_int_equal(steady_runtime_run(g.rt, g.err, sizeof(g.err)), 0);
    assert_int_equal(steady_runtime_telemetry_port(g.rt), 0);
    steady_runtime_destroy(g.rt);
}

static void test_host_logs_urls(void **state)
{
    const char *args[] = { "run",         STANDARD,      "--rate",
                           "20",          "--beats",     "1000000",
                           "--telemetry", "127.0.0.1:0", NULL };
    const char *prefix = "telemetry: dashboard http://127.0.0.1:";
    struct host_run h;
    struct http_reply r;
    char *out, *at, want[128];
    int port = 0;

    (void)state;
    assert_int_equal(host_start(&h, args), 0);
    assert_true(host_await_output(&h, prefix, 15000));
    out = host_read_output(&h);
    at = strstr(out, prefix);
    assert_non_null(at);
    port = atoi(at + strlen(prefix));
    assert_true(port > 0);
    snprintf(want, sizeof(want), "%s%d/ metrics http://127.0.0.1:%d/metrics",
             prefix, port, port);
    assert_non_null(strstr(out, want));
    free(out);
    r = http_get(port, "/metrics");
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "graph_info{graph=\"standard\"} 1"));
    http_reply_free(&r);
    kill(h.pid, SIGINT);
    assert_int_equal(host_wait(&h, 30000), 0);
    free(h.output);
}

static void test_dashboard_in_chromium(void **state)
{
    static const char *const actors[] = { "filler", "holder", "ticker",
                                          "drain" };
    struct running g;
    char *dom, *svg;
    int port;

    (void)state;
    if (!have(CHROMIUM)) {
        fprintf(stderr,
                "note: %s not installed; dashboard check skipped "
                "(tools/deps.sh installs it)\n",
                CHROMIUM);
        skip();
    }
    start_graph(&g, TEL_GRAPHS "held.yaml", NULL, "127.0.0.1:0");
    port = steady_runtime_telemetry_port(g.rt);
    await_metric(port, "alert_level{from=\"filler\",to=\"holder\"}", 3, 10000);
    dom = dashboard_dom(port);
    /* the page refreshed itself several times within 4 s of page time */
    if (dom_updates(dom) < 3)
        fail_msg("the dashboard updated %d times:\n%.3000s", dom_updates(dom),
                 dom);
    svg = dom_svg(dom);
    for (size_t i = 0; i < 4; i++) {
        char title[64];

        snprintf(title, sizeof(title), "<title>%s</title>", actors[i]);
        if (!strstr(svg, title))
            fail_msg("actor %s missing from the picture", actors[i]);
    }
    assert_non_null(strstr(svg, "stroke=\"red\""));
    assert_non_null(
        strstr(dom, "<h1>steady \xc2\xb7 <span id=\"name\">held</span>"));
    /* rows carry the alert colour; the arrow is U+2192 */
    assert_non_null(
        strstr(dom, "<tr class=\"alert-red\"><td>filler \xe2\x86\x92 holder"));
    assert_non_null(strstr(
        dom, "<tr class=\"alert-orange\"><td>ticker \xe2\x86\x92 drain"));
    assert_non_null(strstr(dom, "<tr class=\"alert-yellow\"><td>ticker</td>"));
    assert_non_null(strstr(dom, "class=\"live\""));
    free(svg);
    free(dom);
    screenshot(port, "telemetry-dashboard-alerts.png");
    assert_int_equal(stop_graph(&g), 0);

    start_graph(&g, STANDARD, fast_standard, "127.0.0.1:0");
    port = steady_runtime_telemetry_port(g.rt);
    await_metric(port, "take_total{from=\"worker\",to=\"logger\"}", 1, 10000);
    sleep_ms(1000); /* a second of figures in the window */
    screenshot(port, "telemetry-dashboard.png");
    assert_int_equal(stop_graph(&g), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_standard_graph_dot_and_svg),
        cmocka_unit_test(test_standard_graph_totals_grow),
        cmocka_unit_test(test_metrics_families_and_promtool),
        cmocka_unit_test(test_alert_colours_when_held_full),
        cmocka_unit_test(test_methods_paths_and_head),
        cmocka_unit_test(test_port_in_use_is_an_error),
        cmocka_unit_test(test_default_port_taken_moves_on),
        cmocka_unit_test(test_telemetry_off),
        cmocka_unit_test(test_host_logs_urls),
        cmocka_unit_test(test_dashboard_in_chromium),
    };

    /* the standard graph logs every message at info: keep the test quiet */
    steady_log_set_level(STEADY_LOG_WARN);
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}

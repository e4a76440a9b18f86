/* test_prometheus.c - a real Prometheus server (Debian's `prometheus`,
 * which tools/deps.sh installs) scrapes a running standard graph every
 * second on loopback, from a temporary config and data folder; its HTTP
 * API's answers (a rate of send_total, the CPU gauge, inflight) are
 * checked against what the graph itself serves. The server and the graph
 * are stopped and the folder removed at the end, also when a check fails
 * (the teardown), and the server dies with this process (PDEATHSIG).
 * Every wait has a deadline; the whole test takes about 15 s.
 */
#include "host_run.h"
#include "tel_client.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h first. */
#include <cmocka.h>

#define PROMETHEUS "/usr/bin/prometheus"
#define STANDARD   STEADY_SOURCE_DIR "/graphs/standard.yaml"
/* Channel generator -> worker, as the labels write it. */
#define GW         "{from=\"generator\",to=\"worker\"}"
#define GW_QUERY   "{from=\"generator\",to=\"worker\",job=\"steady\"}"

/* What the teardown stops and removes. */
static struct {
    pid_t pid; /* the Prometheus server; 0: none */
    int pidfd;
    int port;
    char dir[64]; /* config, data and log; "" when none */
    struct host_run graph;
    bool graph_running;
    int graph_port;
} t;

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

static bool exited(int pidfd)
{
    struct pollfd p = { .fd = pidfd, .events = POLLIN };

    return pidfd >= 0 && poll(&p, 1, 0) > 0;
}

/* ---- the graph ----------------------------------------------------------- */

/* The standard graph at 50 beats a second, quiet, on a free port. */
static void start_graph(void)
{
    for (int attempt = 0; attempt < 3; attempt++) {
        char tel[64];
        const char *args[] = { "run",         STANDARD,  "--rate",      "20",
                               "--beats",     "1000000", "--telemetry", tel,
                               "--log-level", "warn",    NULL };

        t.graph_port = pick_free_port();
        assert_true(t.graph_port > 0);
        snprintf(tel, sizeof(tel), "127.0.0.1:%d", t.graph_port);
        assert_int_equal(host_start(&t.graph, args), 0);
        t.graph_running = true;
        for (int waited = 0; waited < 20000; waited += 20) {
            struct http_reply r = http_get(t.graph_port, "/ready");
            int status = r.status;

            http_reply_free(&r);
            if (status == 200)
                return;
            if (exited(t.graph.pidfd))
                break; /* the port was taken in between: another one */
            sleep_ms(20);
        }
        host_wait(&t.graph, 10000);
        t.graph_running = false;
        free(t.graph.output);
        t.graph.output = NULL;
    }
    fail_msg("the standard graph did not get ready on a free port");
}

/* The value of `series` in the graph's own /metrics, NAN when absent. */
static double graph_metric(const char *series)
{
    struct http_reply r = http_get(t.graph_port, "/metrics");
    size_t len = strlen(series);
    double v = NAN;

    if (r.status != 200)
        fail_msg("graph /metrics: %d", r.status);
    for (const char *p = r.body; p && *p; p = strchr(p, '\n')) {
        if (*p == '\n')
            p++;
        if (strncmp(p, series, len) == 0 && p[len] == ' ')
            v = strtod(p + len + 1, NULL);
    }
    http_reply_free(&r);
    return v;
}

/* ---- the Prometheus server --------------------------------------------- */

static void write_config(void)
{
    char path[128], text[512];
    int n;

    snprintf(path, sizeof(path), "%s/prometheus.yml", t.dir);
    n = snprintf(text, sizeof(text),
                 "global:\n"
                 "  scrape_interval: 1s\n"
                 "  scrape_timeout: 1s\n"
                 "  evaluation_interval: 1s\n"
                 "scrape_configs:\n"
                 "  - job_name: steady\n"
                 "    static_configs:\n"
                 "      - targets: ['127.0.0.1:%d']\n",
                 t.graph_port);
    assert_int_equal(write_file_text(path, text, (size_t)n), 0);
}

/* Forks the server on t.port, its output in DIR/prometheus.log. It gets
 * SIGKILL if this process dies first, so a crashed or timed-out test
 * leaves no server behind. */
static void spawn_server(void)
{
    char config[128], data[128], listen[64], log[128];
    pid_t pid;

    snprintf(config, sizeof(config), "--config.file=%s/prometheus.yml", t.dir);
    snprintf(data, sizeof(data), "--storage.tsdb.path=%s/data", t.dir);
    snprintf(listen, sizeof(listen), "--web.listen-address=127.0.0.1:%d",
             t.port);
    snprintf(log, sizeof(log), "%s/prometheus.log", t.dir);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() == 1)
            _exit(127); /* the parent is gone already */
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execl(PROMETHEUS, PROMETHEUS, config, data, listen, "--log.level=warn",
              (char *)NULL);
        _exit(127);
    }
    t.pid = pid;
    t.pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
}

static void stop_server(void)
{
    int st;

    if (t.pid <= 0)
        return;
    kill(t.pid, SIGTERM);
    if (t.pidfd >= 0) {
        struct pollfd p = { .fd = t.pidfd, .events = POLLIN };

        if (poll(&p, 1, 15000) == 0)
            kill(t.pid, SIGKILL);
        close(t.pidfd);
    }
    waitpid(t.pid, &st, 0);
    t.pid = 0;
    t.pidfd = -1;
}

/* Starts the server and waits (bounded) until /-/ready answers 200. */
static void start_server(void)
{
    char tmpl[] = "/tmp/steady-prometheus-XXXXXX";

    assert_non_null(mkdtemp(tmpl));
    snprintf(t.dir, sizeof(t.dir), "%s", tmpl);
    write_config();
    for (int attempt = 0; attempt < 3; attempt++) {
        t.port = pick_free_port();
        assert_true(t.port > 0);
        spawn_server();
        for (int waited = 0; waited < 30000; waited += 50) {
            struct http_reply r = http_get(t.port, "/-/ready");
            int status = r.status;

            http_reply_free(&r);
            if (status == 200)
                return;
            if (exited(t.pidfd))
                break; /* the port was taken in between: another one */
            sleep_ms(50);
        }
        stop_server();
    }
    {
        char log[128], *text;

        snprintf(log, sizeof(log), "%s/prometheus.log", t.dir);
        text = read_file_text(log);
        fail_msg("prometheus did not get ready: %.3000s", text);
    }
}

/* ---- its HTTP API ----------------------------------------------------- */

static void url_encode(const char *in, char *out, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;

    for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
        if (n + 4 >= len)
            break;
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
            (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-') {
            out[n++] = (char)*p;
        } else {
            out[n++] = '%';
            out[n++] = hex[*p >> 4];
            out[n++] = hex[*p & 15];
        }
    }
    out[n] = '\0';
}

/* Runs an instant query; returns how many series answered and the value
 * of the first in *v (NAN when none). Fails the test on an API error. */
static int query(const char *q, double *v)
{
    char enc[360], path[400]; /* http_request sends at most 512 bytes */
    struct http_reply r;
    const char *at;
    int n = 0;

    url_encode(q, enc, sizeof(enc));
    snprintf(path, sizeof(path), "/api/v1/query?query=%s", enc);
    r = http_get(t.port, path);
    if (r.status != 200 || !strstr(r.body, "\"status\":\"success\""))
        fail_msg("query %s: %d %s", q, r.status, r.body ? r.body : "");
    *v = NAN;
    /* "value":[1690000000.123,"3200.5"], once per series */
    for (at = strstr(r.body, "\"value\":["); at;
         at = strstr(at + 1, "\"value\":[")) {
        const char *quote = strchr(at + 9, '"');

        if (n++ == 0 && quote)
            *v = strtod(quote + 1, NULL);
    }
    http_reply_free(&r);
    return n;
}

/* Polls `q` until it answers with at least `want` (bounded). */
static double await_query(const char *q, double want, int timeout_ms)
{
    double v = NAN;

    for (int waited = 0; waited <= timeout_ms; waited += 250) {
        if (query(q, &v) > 0 && v >= want)
            return v;
        sleep_ms(250);
    }
    fail_msg("%s stayed at %g, expected at least %g", q, v, want);
    return v;
}

static bool close_to(double a, double b, double rel, double abs_tol)
{
    double big = fabs(a) > fabs(b) ? fabs(a) : fabs(b);

    return fabs(a - b) <= rel * big + abs_tol;
}

/* ---- the test -------------------------------------------------------------
 */

static void test_prometheus_scrapes_the_graph(void **state)
{
    double v, p_rate, g_rate, p_cpu, g_cpu, p_cpu_s, g_cpu_s, p_max, p_avg;
    double g_fill;
    const char *actors[] = { "heartbeat", "generator", "worker", "logger" };

    (void)state;
    if (access(PROMETHEUS, X_OK) != 0)
        fail_msg("%s is missing; tools/deps.sh installs it (Debian package "
                 "prometheus)",
                 PROMETHEUS);
    start_graph();
    start_server();
    /* the target is up: Prometheus took the exposition as it is */
    await_query("up{job=\"steady\"}", 1, 20000);
    /* six scrapes a second apart: five seconds to take rates over */
    await_query("count_over_time(send_total" GW_QUERY "[20s])", 6, 30000);

    /* 1. The rate of send_total over the last 5 s, against the graph's
     * own average rate over its 10 s window (items taken per second;
     * equal to those sent while the channel stays full). The graph runs
     * at a steady 64 values a beat, 50 beats a second: within 25 %. */
    assert_int_equal(query("rate(send_total" GW_QUERY "[5s])", &p_rate), 1);
    g_rate = graph_metric("avg_rate" GW);
    if (!(g_rate > 1000) || !close_to(p_rate, g_rate, 0.25, 0))
        fail_msg("rate(send_total[5s]) %g, the graph's avg_rate %g", p_rate,
                 g_rate);

    /* 2. The CPU gauge: Prometheus's latest scrape (at most a second old)
     * of every actor's avg_mcpu, summed, against the graph's own now;
     * both average the same 10 s window, a second apart: within 30 % plus
     * 2 mCPU. The CPU counter it scraped is at most what the graph says
     * now, and behind by less than the half second of CPU this graph
     * cannot use in the second since. */
    assert_int_equal(query("sum(avg_mcpu{job=\"steady\"})", &p_cpu), 1);
    assert_int_equal(
        query("sum(actor_cpu_seconds_total{job=\"steady\"})", &p_cpu_s), 1);
    g_cpu = g_cpu_s = 0;
    for (size_t i = 0; i < 4; i++) {
        char series[128];

        snprintf(series, sizeof(series), "avg_mcpu{actor_name=\"%s\"}",
                 actors[i]);
        v = graph_metric(series);
        assert_false(isnan(v));
        g_cpu += v;
        snprintf(series, sizeof(series),
                 "actor_cpu_seconds_total{actor_name=\"%s\"}", actors[i]);
        v = graph_metric(series);
        assert_false(isnan(v));
        g_cpu_s += v;
    }
    if (!(g_cpu > 0) || !close_to(p_cpu, g_cpu, 0.30, 2))
        fail_msg("sum(avg_mcpu) %g in Prometheus, %g in the graph", p_cpu,
                 g_cpu);
    if (!(p_cpu_s > 0) || p_cpu_s > g_cpu_s + 1e-6 || g_cpu_s - p_cpu_s > 0.5)
        fail_msg("sum(actor_cpu_seconds_total) %g in Prometheus, %g in the "
                 "graph",
                 p_cpu_s, g_cpu_s);

    /* 3. inflight: the generator keeps its channel full, so the most
     * Prometheus saw in it is exactly the capacity the graph reports, and
     * the 80th percentile of what it scraped, in percent of that, is the
     * graph's own 80th percentile fill within 10 points. (Not the
     * averages: a scrape that catches the channel in the moment after the
     * worker took a beat's worth moves an average of six scrapes by 16
     * points.) */
    assert_int_equal(query("max_over_time(inflight" GW_QUERY "[10s])", &p_max),
                     1);
    assert_true(p_max == graph_metric("capacity" GW));
    assert_int_equal(query("quantile_over_time(0.8, inflight" GW_QUERY
                           "[10s]) / 64 * 100",
                           &p_avg),
                     1);
    g_fill = graph_metric("percentile_filled{from=\"generator\",to=\"worker\","
                          "p=\"8000\"}");
    if (!close_to(p_avg, g_fill, 0, 10))
        fail_msg("inflight's 80th percentile was %g %% of capacity in "
                 "Prometheus, the graph's percentile_filled %g %%",
                 p_avg, g_fill);
    fprintf(stderr,
            "note: Prometheus / graph: send rate %.1f / %.1f per s, mCPU "
            "%.2f / %.2f, CPU %.4f / %.4f s, inflight max %.0f, 80th fill "
            "%.1f / %.1f %%\n",
            p_rate, g_rate, p_cpu, g_cpu, p_cpu_s, g_cpu_s, p_max, p_avg,
            g_fill);
}

static int teardown(void **state)
{
    char *rm[] = { "/bin/rm", "-rf", t.dir, NULL };

    (void)state;
    stop_server();
    if (t.dir[0])
        run_program(rm, NULL, "/dev/null", 30000);
    t.dir[0] = '\0';
    if (t.graph_running) {
        kill(t.graph.pid, SIGINT);
        if (host_wait(&t.graph, 30000) != 0)
            fprintf(stderr, "the graph stopped with %d:\n%s\n", t.graph.status,
                    t.graph.output);
        free(t.graph.output);
        t.graph_running = false;
    }
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_prometheus_scrapes_the_graph, teardown),
    };

    t.pidfd = -1;
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_telemetry_stats.c - the graph file's `stats:` lists and alert
 * triggers through the real `steady` host: `steady check` takes the good
 * graph and refuses hostile ones at FILE:LINE:COL, and a running graph
 * (tests/graphs/telemetry/stats.yaml) exports the statistics it asks for
 * in /metrics (promtool passes them without a remark), writes them in the
 * /graph.dot labels and the dashboard's tables, and colours by the new
 * triggers. Every wait is bounded; loopback only.
 */
#include "host_run.h"
#include "tel_client.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h first. */
#include <cmocka.h>

#define GRAPHS STEADY_SOURCE_DIR "/tests/graphs/"
#define STATS  GRAPHS "telemetry/stats.yaml"
#define SHOT   STEADY_BINARY_DIR "/artifacts/telemetry-dashboard-stats.png"

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

static void assert_has(const char *text, const char *want)
{
    if (!strstr(text, want))
        fail_msg("missing '%s' in:\n%s", want, text);
}

static double metric(const char *text, const char *series)
{
    return prom_value(text, series, NAN);
}

static struct http_reply get_ok(int port, const char *path)
{
    struct http_reply r = http_get(port, path);

    if (r.status != 200)
        fail_msg("GET %s: %d %s", path, r.status, r.body ? r.body : "");
    return r;
}

/* Polls /metrics until `series` equals `want` (bounded). */
static void await_metric(int port, const char *series, double want)
{
    double v = NAN;

    for (int waited = 0; waited <= 15000; waited += 50) {
        struct http_reply r = get_ok(port, "/metrics");

        v = metric(r.body, series);
        http_reply_free(&r);
        if (v == want)
            return;
        sleep_ms(50);
    }
    fail_msg("%s stayed at %g, expected %g", series, v, want);
}

/* ---- steady check ------------------------------------------------------ */

static void test_check_takes_good_and_refuses_hostile(void **state)
{
    static const struct {
        const char *file;
        const char *said; /* after "steady: FILE:" */
    } hostile[] = {
        { "bad/bad_stats_key.yaml",
          "9:14: unknown key 'fill'; did you mean 'filled'?" },
        { "bad/bad_stats_word.yaml",
          "6:21: unknown statistic 'stdev'; did you mean 'stddev'?" },
        { "bad/bad_alert_trigger.yaml",
          "10:17: unknown alert 'max_filed_above'; did you mean "
          "'max_filled_above'?" },
        { "bad/bad_alert_devs.yaml",
          "11:38: 'devs' applies to stddevs_* alerts, not "
          "'stddev_filled_above'; did you mean 'stddevs_filled_above'?" },
        { "bad/bad_alert_no_devs.yaml",
          "6:9: alert 'stddevs_rate_below' needs 'devs'" },
    };
    const char *good[] = { "check", STATS, NULL };
    const char *legacy[] = { "check", STEADY_SOURCE_DIR "/graphs/standard.yaml",
                             NULL };
    struct host_run h;

    (void)state;
    assert_int_equal(host_run(&h, good, 30000), 0);
    assert_has(h.output, "ok, graph 'stats': 4 actors, 2 channels");
    free(h.output);
    /* today's { when: avg_filled_above, value: 90, color: red } form */
    assert_int_equal(host_run(&h, legacy, 30000), 0);
    free(h.output);
    for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
        char file[512], want[1024];
        const char *args[] = { "check", file, NULL };

        snprintf(file, sizeof(file), GRAPHS "%s", hostile[i].file);
        snprintf(want, sizeof(want), "steady: %s:%s", file, hostile[i].said);
        assert_int_equal(host_run(&h, args, 30000), 2);
        assert_has(h.output, want);
        free(h.output);
    }
}

/* ---- a running graph ------------------------------------------------- */

static int logged_port(struct host_run *h)
{
    int port;

    if (!(port = host_telemetry_port(h, 20000)))
        fail_msg("no telemetry URL in the log:\n%s", host_read_output(h));
    return port;
}

#define FH "{from=\"filler\",to=\"holder\""
#define TD "{from=\"ticker\",to=\"drain\""

static void assert_metrics(int port)
{
    struct http_reply m = get_ok(port, "/metrics");
    char *said = NULL;
    int rc;

    /* held full: every frame reads 100 % */
    assert_true(metric(m.body, "min_filled" FH "}") == 100);
    assert_true(metric(m.body, "max_filled" FH "}") == 100);
    assert_true(metric(m.body, "stddev_filled" FH "}") == 0);
    /* the channel's percentile first, then the others stats: lists */
    assert_has(m.body, "percentile_filled" FH ",p=\"8000\"} 100\n"
                       "percentile_filled" FH ",p=\"5000\"} 100\n"
                       "percentile_filled" FH ",p=\"9990\"} 100\n");
    assert_true(metric(m.body, "percentile_filled" TD ",p=\"9990\"}") >= 0);
    /* nothing leaves it: no rate, latency stalled */
    assert_true(metric(m.body, "max_rate" FH "}") == 0);
    assert_true(metric(m.body, "percentile_rate" FH ",p=\"9500\"}") == 0);
    assert_has(m.body, "max_latency_seconds" FH "} +Inf\n");
    /* ticker -> drain: its own rate list (min, max, stddev, p50) */
    assert_true(metric(m.body, "max_rate" TD "}") > 0);
    assert_true(metric(m.body, "min_rate" TD "}") >= 0);
    assert_true(metric(m.body, "stddev_rate" TD "}") >= 0);
    /* (the median may be 0: the ticks and frames share a 20 ms period) */
    assert_true(metric(m.body, "percentile_rate" TD ",p=\"5000\"}") >= 0);
    assert_true(isnan(metric(m.body, "percentile_rate" TD ",p=\"9500\"}")));
    assert_true(isnan(metric(m.body, "min_rate" FH "}")));
    /* actors: the defaults (mcpu max and stddev, load p90); ticker's own
     * mcpu list (min) */
    assert_true(metric(m.body, "max_mcpu{actor_name=\"filler\"}") >= 0);
    assert_true(metric(m.body, "stddev_mcpu{actor_name=\"drain\"}") >= 0);
    assert_true(metric(m.body, "min_mcpu{actor_name=\"ticker\"}") >= 0);
    assert_true(isnan(metric(m.body, "max_mcpu{actor_name=\"ticker\"}")));
    assert_true(metric(m.body, "percentile_load{actor_name=\"ticker\","
                               "p=\"9000\"}") >= 0);
    /* the 50th ticker's alert watches is computed, not exported */
    assert_true(isnan(metric(m.body, "percentile_load{actor_name=\"ticker\","
                                     "p=\"5000\"}")));
    rc = promtool_check(m.body, m.body_len, &said);
    if (rc != 0 || (said && said[0]))
        fail_msg("promtool check metrics (exit %d): %s", rc, said);
    free(said);
    http_reply_free(&m);
}

static void assert_dot(int port)
{
    struct http_reply d = get_ok(port, "/graph.dot");

    /* in the numbers' shared format (tel_format.c) */
    assert_has(d.body, "\\nfilled: min 100 %, max 100 %, sd 0.0 %, "
                       "50%ile 100 %, 99.9%ile 100 %\\nrate: max 0.0/s, "
                       "95%ile 0.0/s\\nlatency: max stalled\", tooltip=");
    assert_has(d.body, "\\nrate: min ");
    assert_has(d.body, "\\nmCPU: min ");
    assert_has(d.body, "\\nload: 90%ile ");
    http_reply_free(&d);
}

/* The dashboard's tables carry the statistics, as /graph.dot writes them. */
static void assert_dashboard(int port)
{
    char url[64], dom[] = "/tmp/steady-dom-XXXXXX";
    char *text;
    int fd = mkstemp(dom), rc;
    struct stat st;

    assert_true(fd >= 0);
    close(fd);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
    rc = chromium_run(url, dom, NULL);
    text = read_file_text(dom);
    unlink(dom);
    if (rc != 0)
        fail_msg("chromium --dump-dom failed (%d): %.2000s", rc, text);
    assert_has(text, "<th class=\"stats\">statistics</th>");
    assert_has(text, "<div class=\"stat\">filled: min 100 %, max 100 %, "
                     "sd 0.0 %, 50%ile 100 %, 99.9%ile 100 %</div>"
                     "<div class=\"stat\">rate: max 0.0/s, 95%ile 0.0/s</div>"
                     "<div class=\"stat\">latency: max stalled</div>");
    assert_has(text, "<div class=\"stat\">mCPU: min ");
    assert_has(text, "<div class=\"stat\">load: 90%ile ");
    free(text);
    /* a picture to look at: BUILD/artifacts/telemetry-dashboard-stats.png */
    mkdir(STEADY_BINARY_DIR "/artifacts", 0755);
    unlink(SHOT);
    assert_int_equal(chromium_run(url, NULL, SHOT), 0);
    assert_int_equal(stat(SHOT, &st), 0);
    assert_true(st.st_size > 10000);
}

static void test_statistics_exported_drawn_and_watched(void **state)
{
    const char *args[] = { "run", STATS, "--telemetry", "127.0.0.1:0", NULL };
    struct host_run h;
    int port;

    (void)state;
    assert_int_equal(host_start(&h, args), 0);
    port = logged_port(&h);
    /* min_filled_above 99 holds once the first, emptier frames rolled out
     * of the 1 s window: red, over stddevs_filled_below (which cannot) */
    await_metric(port, "alert_level" FH "}", 3);
    /* the median rate per frame (about 50/s) is below 1000: orange; the
     * deviation is never above a million */
    await_metric(port, "alert_level" TD "}", 2);
    /* ticker's highest mCPU in a frame is below 100000: yellow */
    await_metric(port, "alert_level{actor_name=\"ticker\"}", 1);
    assert_metrics(port);
    assert_dot(port);
    if (access(CHROMIUM, X_OK) != 0)
        fail_msg("%s is missing; tools/deps.sh installs it", CHROMIUM);
    assert_dashboard(port);
    kill(h.pid, SIGINT);
    assert_int_equal(host_wait(&h, 30000), 0);
    free(h.output);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_takes_good_and_refuses_hostile),
        cmocka_unit_test(test_statistics_exported_drawn_and_watched),
    };

    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}

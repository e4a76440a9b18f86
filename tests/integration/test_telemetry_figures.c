/* test_telemetry_figures.c - actors' own figures (steady_figure_set,
 * steady_count_add) as the real host shows them: on /metrics as
 * actor_figure (gauge) and actor_count_total (counter) with the values
 * the actors reported (a count kept across a restart of the run, a value
 * below zero, a value set in init), which promtool accepts; and as lines
 * of the actor's label in /graph.dot and /graph.svg. A refused figure
 * shows nowhere. Graph: tests/graphs/telemetry/figures.yaml. Every wait is
 * bounded. */
#include "host_run.h"
#include "tel_client.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h first. */
#include <cmocka.h>

#define FIGURES    STEADY_SOURCE_DIR "/tests/graphs/telemetry/figures.yaml"
#define URL_PREFIX "telemetry: dashboard http://127.0.0.1:"
/* after the restart: 3 + 4 in each of the two runs */
#define REJECTED \
    "actor_count_total{actor_name=\"counter\",figure=\"rejected_lines\"} 14\n"
#define HITS "actor_count_total{actor_name=\"gauge\",figure=\"hits\"} 1\n"

static struct host_run host;
static int port;

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

static int start(void **state)
{
    const char *args[] = { "run", FIGURES, "--telemetry", "127.0.0.1:0", NULL };
    char *out, *at;

    (void)state;
    if (host_start(&host, args) != 0)
        return -1;
    if (!host_await_output(&host, URL_PREFIX, 15000)) {
        out = host_read_output(&host);
        fprintf(stderr, "the host did not start telemetry:\n%s", out);
        free(out);
        return -1;
    }
    out = host_read_output(&host);
    at = strstr(out, URL_PREFIX);
    port = at ? atoi(at + strlen(URL_PREFIX)) : 0;
    free(out);
    return port > 0 ? 0 : -1;
}

static int stop(void **state)
{
    (void)state;
    kill(host.pid, SIGINT);
    if (host_wait(&host, 30000) != 0) {
        fprintf(stderr, "the host exited with %d:\n%s", host.status,
                host.output);
        free(host.output);
        return -1;
    }
    free(host.output);
    return 0;
}

static char *get_body(const char *path)
{
    struct http_reply r = http_get(port, path);
    char *body;

    if (r.status != 200)
        fail_msg("GET %s: %d %s", path, r.status, r.body ? r.body : "");
    body = r.body;
    r.body = NULL;
    http_reply_free(&r);
    return body;
}

/* /metrics once the counter's second run and the gauge's run have
 * reported (at most 15 s). */
static char *metrics_after_restart(void)
{
    for (int waited = 0; waited < 15000; waited += 50) {
        char *m = get_body("/metrics");

        if (strstr(m, REJECTED) && strstr(m, HITS))
            return m;
        free(m);
        sleep_ms(50);
    }
    fail_msg("no '%s' and '%s' within 15 s:\n%s", REJECTED, HITS,
             host_read_output(&host));
    return NULL;
}

static void has(const char *text, const char *want)
{
    if (!strstr(text, want))
        fail_msg("no '%s' in:\n%s", want, text);
}

static int occurrences(const char *text, const char *what)
{
    int n = 0;

    for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
        n++;
    return n;
}

static void test_metrics_have_the_figures(void **state)
{
    char *m = metrics_after_restart();

    (void)state;
    has(m, "# TYPE actor_figure gauge\n");
    has(m, "# TYPE actor_count_total counter\n");
    assert_int_equal(occurrences(m, "# TYPE actor_figure "), 1);
    assert_int_equal(occurrences(m, "# TYPE actor_count_total "), 1);
    has(m, "\nactor_figure{actor_name=\"counter\",figure=\"queue_depth\"} "
           "2.5\n");
    has(m, "\nactor_figure{actor_name=\"counter\",figure=\"ratio\"} 0.125\n");
    has(m, "\nactor_figure{actor_name=\"gauge\",figure=\"cache_size\"} "
           "-2.5\n");
    has(m, "\n" REJECTED);
    has(m, "\n" HITS);
    /* five figure samples: the refused one is not among them */
    assert_int_equal(occurrences(m, "\nactor_figure{"), 3);
    assert_int_equal(occurrences(m, "\nactor_count_total{"), 2);
    assert_null(strstr(m, "figure=\"Bad\""));
    /* the restart is counted as ever, beside the figures */
    has(m, "actor_restarts_total{actor_name=\"counter\"} 1\n");
    free(m);
}

static void test_promtool_accepts_the_figures(void **state)
{
    char *m, *said;
    int rc;

    (void)state;
    if (access(PROMTOOL, X_OK) != 0)
        skip();
    m = metrics_after_restart();
    rc = promtool_check(m, strlen(m), &said);
    if (rc != 0 || (said && strstr(said, "actor_")))
        fail_msg("promtool check metrics: %d\n%s", rc, said ? said : "");
    free(said);
    free(m);
}

static void test_picture_shows_the_figures(void **state)
{
    char *m = metrics_after_restart(), *dot, *svg;

    (void)state;
    free(m);
    dot = get_body("/graph.dot");
    /* in declaration order, after the restarts line (and before the
     * state line while it is "restarting"); a value with one decimal */
    has(dot, "\\nRestarts: 1\\nqueue_depth: 2.5\\nrejected_lines: 14\\n"
             "ratio: 0.1");
    has(dot, "\\ncache_size: -2.5\\nhits: 1");
    assert_null(strstr(dot, "Bad"));
    free(dot);
    svg = get_body("/graph.svg");
    has(svg, ">rejected_lines: 14</text>");
    has(svg, ">cache_size: -2.5</text>");
    free(svg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metrics_have_the_figures),
        cmocka_unit_test(test_promtool_accepts_the_figures),
        cmocka_unit_test(test_picture_shows_the_figures),
    };
    return cmocka_run_group_tests(tests, start, stop);
}

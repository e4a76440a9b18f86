/* test_telemetry_probes.c - /health and /ready, as Kubernetes probes ask
 * them, through the real `steady` host: /ready is 503 while actors
 * initialise and 200 once all run; /health is 200 while an actor fails
 * and restarts, 503 naming it once its supervisor gave up, and /ready says
 * the graph is shutting down then. Every wait is bounded; loopback only.
 */
#include "host_run.h"
#include "tel_client.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h first. */
#include <cmocka.h>

#define TEL_GRAPHS STEADY_SOURCE_DIR "/tests/graphs/telemetry/"

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

static void assert_text_reply(const struct http_reply *r, int status,
                              const char *body)
{
    char type[128];

    if (r->status != status || !r->body || strcmp(r->body, body) != 0)
        fail_msg("expected %d '%s', got %d '%s'", status, body, r->status,
                 r->body ? r->body : "");
    assert_non_null(http_header(r, "Content-Type", type, sizeof(type)));
    assert_string_equal(type, "text/plain; charset=utf-8");
}

static bool host_exited(const struct host_run *h)
{
    struct pollfd p = { .fd = h->pidfd, .events = POLLIN };

    return poll(&p, 1, 0) > 0;
}

/* The port the host logged, waiting for the line (bounded). */
static int logged_port(struct host_run *h)
{
    int port;

    if (!(port = host_telemetry_port(h, 20000)))
        fail_msg("no telemetry URL in the log:\n%s", host_read_output(h));
    return port;
}

static void test_ready_waits_for_every_init(void **state)
{
    struct host_run h;
    struct http_reply r = { .status = -1 };
    char tel[64];
    int port = 0, not_ready = 0;

    (void)state;
    /* the host must be told the port: it logs it only after the inits */
    for (int attempt = 0; attempt < 3 && r.status < 0; attempt++) {
        const char *args[] = { "run", TEL_GRAPHS "probes_init.yaml",
                               "--telemetry", tel, NULL };

        port = pick_free_port();
        assert_true(port > 0);
        snprintf(tel, sizeof(tel), "127.0.0.1:%d", port);
        assert_int_equal(host_start(&h, args), 0);
        for (int waited = 0; waited < 10000 && r.status < 0; waited += 10) {
            r = http_get(port, "/ready");
            if (r.status < 0)
                sleep_ms(10);
            if (host_exited(&h))
                break; /* another program took the port first */
        }
        if (r.status < 0) {
            host_wait(&h, 10000);
            free(h.output);
        }
    }
    /* 'slow' is in its 3 s init: nobody runs yet */
    assert_text_reply(&r, 503,
                      "503 not ready: 0 of 2 actors running; waiting for "
                      "'quick', 'slow'\n");
    http_reply_free(&r);
    r = http_get(port, "/health");
    assert_text_reply(&r, 200, "ok: 2 actors, none failed\n");
    http_reply_free(&r);
    for (int waited = 0; waited < 20000; waited += 20) {
        r = http_get(port, "/ready");
        if (r.status != 503)
            break;
        not_ready++;
        http_reply_free(&r);
        sleep_ms(20);
    }
    assert_text_reply(&r, 200, "ready: 2 actors running\n");
    http_reply_free(&r);
    assert_true(not_ready > 0);
    /* HEAD, as some probes ask */
    r = http_request(port, "HEAD", "/ready", 10000);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 0);
    http_reply_free(&r);
    kill(h.pid, SIGINT);
    assert_int_equal(host_wait(&h, 30000), 0);
    free(h.output);
}

static void test_health_after_an_actor_fails_for_good(void **state)
{
    const char *args[] = { "run", TEL_GRAPHS "probes_fail.yaml", "--telemetry",
                           "127.0.0.1:0", NULL };
    const char *restarts = "actor_restarts_total{actor_name=\"counter\"}";
    struct host_run h;
    struct http_reply r;
    double n = -1;
    int port;

    (void)state;
    assert_int_equal(host_start(&h, args), 0);
    port = logged_port(&h);
    /* the first failure is counted at once; the restart comes 4 s later */
    for (int waited = 0; waited < 10000 && n < 1; waited += 10) {
        r = http_get(port, "/metrics");
        n = r.status == 200 ? prom_value(r.body, restarts, -1) : -1;
        http_reply_free(&r);
        if (n < 1)
            sleep_ms(10);
    }
    assert_true(n == 1);
    /* failing and restarting is not failed for good */
    r = http_get(port, "/health");
    assert_text_reply(&r, 200, "ok: 4 actors, none failed\n");
    http_reply_free(&r);
    r = http_get(port, "/ready");
    assert_text_reply(&r, 200, "ready: 4 actors running\n");
    http_reply_free(&r);
    /* the second failure exhausts the policy */
    for (int waited = 0; waited < 20000; waited += 20) {
        r = http_get(port, "/health");
        if (r.status != 200)
            break;
        http_reply_free(&r);
        sleep_ms(20);
    }
    assert_text_reply(&r, 503,
                      "503 unhealthy: actor 'counter' failed for good: fails "
                      "on every run, as configured (gave up after 1 restart "
                      "within 60 s)\n");
    http_reply_free(&r);
    /* the host, seeing the failure, asks the graph to stop (a moment
     * later); the stubborn pair holds it up */
    for (int waited = 0; waited < 5000; waited += 20) {
        r = http_get(port, "/ready");
        if (r.status != 200)
            break;
        http_reply_free(&r);
        sleep_ms(20);
    }
    assert_text_reply(&r, 503, "503 not ready: the graph is shutting down\n");
    http_reply_free(&r);
    /* and the next frame shows it in /metrics */
    for (int waited = 0; waited < 5000 && n != 0; waited += 20) {
        r = http_get(port, "/metrics");
        n = prom_value(r.body,
                       "actor_state{actor_name=\"counter\","
                       "state=\"failed\"}",
                       -1) == 1
                ? 0
                : -1;
        http_reply_free(&r);
        if (n != 0)
            sleep_ms(20);
    }
    assert_true(n == 0);
    assert_int_equal(host_wait(&h, 30000), 1);
    assert_non_null(strstr(h.output, "actor 'counter' failed: fails on every "
                                     "run, as configured"));
    assert_non_null(strstr(h.output, "shutdown timed out after 3000 ms"));
    free(h.output);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ready_waits_for_every_init),
        cmocka_unit_test(test_health_after_an_actor_fails_for_good),
    };

    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}

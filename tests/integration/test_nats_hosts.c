/* test_nats_hosts.c - the NATS bridges in the real host against a real
 * nats-server: both ends in one troupe through JetStream with the
 * end-of-stream marker ending the graph; a shutdown on one host crossing
 * to another through the control subject; an unreachable server failing
 * the start with the URL named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
/* cmocka.h needs the headers above */
#include "host_run.h"
#include "nats_server.h"

#include <cmocka.h>

static struct nats_server server;

static int setup(void **state)
{
    (void)state;
    return nats_server_start(&server);
}

static int teardown(void **state)
{
    (void)state;
    nats_server_stop(&server);
    return 0;
}

/* Writes a graph into a new temporary file named in path (which must hold
 * "/tmp/steady-nats-g-XXXXXX.yaml"). */
static void write_graph(char *path, const char *fmt, ...)
{
    int fd = mkstemps(path, 5);
    FILE *f;
    va_list ap;

    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    assert_non_null(f);
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fclose(f);
}

static void show_on_failure(const struct host_run *h, int want)
{
    if (h->status != want) {
        /* whole, not through cmocka's message, which cuts long ones */
        fprintf(stderr, "exit %d (wanted %d); output:\n%s\n", h->status, want,
                h->output ? h->output : "");
        fail_msg("exit %d (wanted %d)", h->status, want);
    }
}

/* seq -> nats_publish ... JetStream ... nats_subscribe -> sink, all in
 * one troupe: every actor waits on the client without blocking the
 * others, and the end-of-stream marker ends the graph by itself. */
static void test_troupe_round_trip(void **state)
{
    char path[] = "/tmp/steady-nats-g-XXXXXX.yaml";
    const char *args[] = { "run", path, NULL };
    struct host_run h;

    (void)state;
    write_graph(path,
                "graph: nats_troupe\n"
                "telemetry: { listen: \"off\" }\n"
                "actors:\n"
                "  seq: { plugin: seq, params: { count: 3000 }, troupe: t }\n"
                "  pub:\n"
                "    plugin: nats_publish\n"
                "    troupe: t\n"
                "    params: { url: \"%s\", subject: tr.u64, jetstream: true,\n"
                "              stream: TR, create_stream: true, eos: true,\n"
                "              max_msgs: 64 }\n"
                "  sub:\n"
                "    plugin: nats_subscribe\n"
                "    troupe: t\n"
                "    params: { url: \"%s\", subject: tr.u64, jetstream: true,\n"
                "              stream: TR, eos: true }\n"
                "  sink: { plugin: tp_checker, troupe: t }\n"
                "channels:\n"
                "  - seq.out -> pub.in\n"
                "  - { from: sub.out, to: sink.in, capacity: 16 }\n",
                server.url, server.url);
    host_run(&h, args, 60000);
    unlink(path); /* before any check can end the test */
    show_on_failure(&h, 0);
    assert_non_null(strstr(h.output, "published 3001 messages on 'tr.u64'"));
    assert_non_null(strstr(h.output, "received 3000 messages on 'tr.u64'"));
    assert_non_null(strstr(h.output, "checked 3000 values in order"));
    free(h.output);
    unlink(path);
}

/* Two hosts: a shutdown asked of the first (SIGTERM) reaches the second
 * through the control subject; both stop cleanly. Both ends mark the end
 * of stream, so the subscriber drains what the publisher still sends in
 * its shutdown: without it a subscriber that stops at the notice leaves a
 * publisher whose stream is full (a slow sink) unable to drain, and its
 * host ends at the shutdown timeout. */
static void test_control_crosses_hosts(void **state)
{
    char pa[] = "/tmp/steady-nats-g-XXXXXX.yaml";
    char pb[] = "/tmp/steady-nats-g-XXXXXX.yaml";
    const char *args_a[] = { "run", pa, NULL };
    const char *args_b[] = { "run", pb, NULL };
    struct host_run a, b;

    (void)state;
    write_graph(pb,
                "graph: nats_down\n"
                "telemetry: { listen: \"off\" }\n"
                "actors:\n"
                "  sub:\n"
                "    plugin: nats_subscribe\n"
                "    params: { url: \"%s\", subject: ctl.u64, control: "
                "ctl.stop,\n"
                "              jetstream: true, stream: CTL, eos: true }\n"
                "  sink: { plugin: tp_checker }\n"
                "channels:\n"
                "  - sub.out -> sink.in\n",
                server.url);
    write_graph(pa,
                "graph: nats_up\n"
                "telemetry: { listen: \"off\" }\n"
                "actors:\n"
                "  seq: { plugin: seq }\n"
                "  pub:\n"
                "    plugin: nats_publish\n"
                "    params: { url: \"%s\", subject: ctl.u64, control: "
                "ctl.stop,\n"
                "              jetstream: true, stream: CTL, create_stream: "
                "true,\n"
                "              eos: true }\n"
                "channels:\n"
                "  - seq.out -> pub.in\n",
                server.url);
    /* the first host creates the stream the second reads */
    assert_int_equal(host_start(&a, args_a), 0);
    assert_true(host_await_output(&a, "created stream 'CTL'", 10000));
    assert_int_equal(host_start(&b, args_b), 0);
    /* both run: give the subscriber's start a moment, then stop the
     * first host only */
    nats_server_sleep_ms_(1500);
    kill(a.pid, SIGTERM);
    host_wait(&a, 20000);
    host_wait(&b, 20000);
    unlink(pa);
    unlink(pb);
    show_on_failure(&a, 0);
    show_on_failure(&b, 0);
    assert_non_null(strstr(a.output, "shutdown notice sent on 'ctl.stop'"));
    assert_non_null(strstr(b.output, "shutdown notice received on 'ctl.stop'"));
    free(a.output);
    free(b.output);
    unlink(pa);
    unlink(pb);
}

/* No server at the URL: init fails naming it, and the host exits
 * non-zero as for any failed init. */
static void test_unreachable_server(void **state)
{
    char path[] = "/tmp/steady-nats-g-XXXXXX.yaml";
    const char *args[] = { "run", path, NULL };
    char want[96];
    struct host_run h;
    int port = nats_server_free_port_();

    (void)state;
    write_graph(path,
                "graph: nats_none\n"
                "telemetry: { listen: \"off\" }\n"
                "actors:\n"
                "  seq: { plugin: seq }\n"
                "  pub:\n"
                "    plugin: nats_publish\n"
                "    params: { url: \"nats://127.0.0.1:%d\", subject: x }\n"
                "channels:\n"
                "  - seq.out -> pub.in\n",
                port);
    host_run(&h, args, 30000);
    unlink(path);
    assert_true(h.status != 0 && h.status != -1);
    snprintf(want, sizeof(want),
             "cannot connect to NATS at nats://127.0.0.1:%d", port);
    if (!strstr(h.output, want))
        fail_msg("no '%s' in:\n%s", want, h.output);
    free(h.output);
    unlink(path);
}

/* `steady inspect` documents every param and port of both bridges. */
static void test_inspect_docs(void **state)
{
    const char *pub[] = { "inspect", "nats_publish", NULL };
    const char *sub[] = { "inspect", "nats_subscribe", NULL };
    static const char *const common[] = {
        "url",      "subject",       "jetstream",     "stream",   "eos",
        "control",  "creds",         "tls_ca",        "tls_cert", "tls_key",
        "max_msgs", "dup_window_ms", "create_stream", NULL
    };
    struct host_run h;

    (void)state;
    host_run(&h, pub, 30000);
    show_on_failure(&h, 0);
    for (int i = 0; common[i]; i++)
        assert_non_null(strstr(h.output, common[i]));
    assert_non_null(strstr(h.output, "msg_id"));
    assert_non_null(strstr(h.output, "window"));
    assert_non_null(strstr(h.output, "each published as one message"));
    free(h.output);
    host_run(&h, sub, 30000);
    show_on_failure(&h, 0);
    for (int i = 0; common[i]; i++)
        assert_non_null(strstr(h.output, common[i]));
    assert_non_null(strstr(h.output, "durable"));
    assert_non_null(strstr(h.output, "max_ack_pending"));
    assert_non_null(strstr(h.output, "fails the actor"));
    free(h.output);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_troupe_round_trip),
        cmocka_unit_test(test_control_crosses_hosts),
        cmocka_unit_test(test_unreachable_server),
        cmocka_unit_test(test_inspect_docs),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}

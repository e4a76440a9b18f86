/* test_telemetry_node.c - telemetry of one node of a graph spread over
 * nodes: every Prometheus sample carries node="NAME" (and promtool says
 * nothing more of it than of the same text without), none without a node;
 * a NATS bridge is drawn as the remote actor it stands for.
 */
#include "dot.h"
#include "metrics.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h first. */
#include <cmocka.h>
/* after cmocka.h: it asserts */
#include "tel_fixture.h"

#define PROMTOOL "/usr/bin/promtool"

static struct tel_actor actors[2];
static struct tel_channel channels[1];
static struct tel_snapshot snap;

static int setup(void **state)
{
    (void)state;
    actors[0] = (struct tel_actor){ .name = "logger", .state = TEL_RUNNING };
    actors[1] = (struct tel_actor){ .name = "nats_sub-worker-out",
                                    .state = TEL_RUNNING,
                                    .remote = "worker.out on node upstream" };
    channels[0] = (struct tel_channel){ .from = "nats_sub-worker-out",
                                        .to = "logger",
                                        .from_port = "out",
                                        .to_port = "in",
                                        .capacity = 64,
                                        .percentile = 80,
                                        .sent = 10,
                                        .taken = 9,
                                        .inflight = 1 };
    snap = (struct tel_snapshot){ .graph = "standard_2nodes",
                                  .node = "down\"stream",
                                  .window_s = 1,
                                  .n_actors = 2,
                                  .n_channels = 1,
                                  .actors = actors,
                                  .channels = channels };
    return 0;
}

static void test_every_sample_has_the_node(void **state)
{
    char *text = tel_render(metrics_write, &snap), *line, *save = NULL;
    size_t samples = 0;

    (void)state;
    for (line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#')
            continue;
        samples++;
        if (!strstr(line, "{node=\"down\\\"stream\""))
            fail_msg("no node label first in '%s'", line);
    }
    assert_true(samples > 20);
    free(text);
}

static void test_labels_kept_after_node(void **state)
{
    char *text = tel_render(metrics_write, &snap);

    (void)state;
    assert_non_null(strstr(text, "inflight{node=\"down\\\"stream\",from="
                                 "\"nats_sub-worker-out\",to=\"logger\"} 1\n"));
    assert_non_null(strstr(text, "telemetry_window_seconds{node=\"down\\\""
                                 "stream\"} "));
    free(text);
}

static void test_no_node_no_label(void **state)
{
    char *text;

    (void)state;
    snap.node = NULL;
    text = tel_render(metrics_write, &snap);
    assert_null(strstr(text, "node=\""));
    free(text);
    snap.node = "down\"stream";
}

/* promtool's remarks on the labelled text are those on the plain one. */
static char *promtool(const char *text)
{
    char path[] = "/tmp/steady-metrics-XXXXXX", cmd[256], *out = NULL;
    size_t cap = 0, len = 0;
    int fd = mkstemp(path);
    FILE *p;

    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    snprintf(cmd, sizeof(cmd), PROMTOOL " check metrics < %s 2>&1", path);
    p = popen(cmd, "r");
    assert_non_null(p);
    for (;;) {
        if (len + 512 > cap) {
            cap = 2 * cap + 1024;
            out = realloc(out, cap);
            assert_non_null(out);
        }
        size_t n = fread(out + len, 1, cap - len - 1, p);
        if (n == 0)
            break;
        len += n;
    }
    out[len] = '\0';
    pclose(p);
    unlink(path);
    return out;
}

static void test_promtool_says_nothing_new(void **state)
{
    char *labelled, *plain, *said_labelled, *said_plain;

    (void)state;
    if (access(PROMTOOL, X_OK) != 0)
        skip();
    labelled = tel_render(metrics_write, &snap);
    snap.node = NULL;
    plain = tel_render(metrics_write, &snap);
    snap.node = "down\"stream";
    said_labelled = promtool(labelled);
    said_plain = promtool(plain);
    assert_string_equal(said_labelled, said_plain);
    free(labelled);
    free(plain);
    free(said_labelled);
    free(said_plain);
}

static void test_bridge_drawn_remote(void **state)
{
    char *dot = tel_render(dot_write, &snap);

    (void)state;
    assert_non_null(strstr(dot, "\"nats_sub-worker-out\" [id="));
    assert_non_null(strstr(dot, "label=\"remote: worker.out on node "
                                "upstream\\nvia NATS (nats_sub-worker-out)"));
    assert_non_null(strstr(dot, "style=\"filled,dashed\""));
    /* the node's own actor is drawn as ever */
    assert_non_null(strstr(dot, "label=\"logger\\n"));
    free(dot);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_sample_has_the_node),
        cmocka_unit_test(test_labels_kept_after_node),
        cmocka_unit_test(test_no_node_no_label),
        cmocka_unit_test(test_promtool_says_nothing_new),
        cmocka_unit_test(test_bridge_drawn_remote),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}

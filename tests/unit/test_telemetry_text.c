/* test_telemetry_text.c - what telemetry serves, from a fabricated
 * snapshot: the Prometheus text (HELP and TYPE for every family, each
 * family's samples together, the seed's names and labels, escaping, +Inf).
 * The picture (DOT, layout, SVG) is in test_telemetry_picture.c.
 */
#include "metrics.h"
#include "strbuf.h"
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

static struct tel_actor actors[3];
static struct tel_channel channels[3];
static struct tel_snapshot snap;

static int setup(void **state)
{
    (void)state;
    memset(actors, 0, sizeof(actors));
    memset(channels, 0, sizeof(channels));
    actors[0] = (struct tel_actor){ .name = "gen",
                                    .state = TEL_RUNNING,
                                    .cpu_ns = 1500000000u,
                                    .mcpu = 512.4,
                                    .load = 66.6,
                                    .restarts = 2,
                                    .alert = ALERT_ORANGE };
    actors[1] = (struct tel_actor){
        .name = "sink", .state = TEL_STOPPED, .mcpu = 3.2, .load = 33.4
    };
    actors[2] = (struct tel_actor){ .name = "we\"ird\\", .state = TEL_FAILED };
    channels[0] = (struct tel_channel){ .from = "gen",
                                        .to = "sink",
                                        .from_port = "a",
                                        .to_port = "x",
                                        .show_ports = true,
                                        .capacity = 1000,
                                        .percentile = 90,
                                        .sent = 1235000,
                                        .taken = 1234567,
                                        .inflight = 433,
                                        .avg_rate = 4321.4,
                                        .avg_filled = 43.3,
                                        .pct_filled = 70,
                                        .latency_ms = 100.2,
                                        .alert = ALERT_RED };
    channels[1] = (struct tel_channel){ .from = "gen",
                                        .to = "sink",
                                        .from_port = "b",
                                        .to_port = "y",
                                        .show_ports = true,
                                        .capacity = 8,
                                        .percentile = 80,
                                        .sent = 8,
                                        .inflight = 8,
                                        .avg_filled = 100,
                                        .pct_filled = 100,
                                        .latency_ms = INFINITY,
                                        .alert = ALERT_YELLOW };
    channels[2] = (struct tel_channel){ .from = "sink",
                                        .to = "we\"ird\\",
                                        .from_port = "out",
                                        .to_port = "in",
                                        .capacity = 64,
                                        .percentile = 80 };
    snap = (struct tel_snapshot){ .graph = "fab",
                                  .seq = 7,
                                  .window_s = 10.04,
                                  .n_actors = 3,
                                  .n_channels = 3,
                                  .actors = actors,
                                  .channels = channels };
    return 0;
}

static char *render(void (*fn)(struct strbuf *, const struct tel_snapshot *))
{
    struct strbuf b = { 0 };

    fn(&b, &snap);
    assert_false(strbuf_failed(&b));
    return strbuf_take(&b, NULL);
}

static void assert_has(const char *text, const char *want)
{
    if (!strstr(text, want))
        fail_msg("missing '%s' in:\n%s", want, text);
}

/* ---- Prometheus ------------------------------------------------------ */

static void test_metrics_every_family_has_help_and_type(void **state)
{
    char *text = render(metrics_write);
    char done[64][64] = { { 0 } }, current[64] = "";
    size_t n_done = 0;

    (void)state;
    /* walk the text: a family is announced by HELP then TYPE, its samples
     * follow together, and it never comes back once another started */
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char name[64];

        if (sscanf(line, "# HELP %63s", name) == 1) {
            for (size_t i = 0; i < n_done; i++)
                if (strcmp(done[i], name) == 0)
                    fail_msg("family %s announced twice", name);
            snprintf(done[n_done++], 64, "%s", name);
            snprintf(current, sizeof(current), "%s", name);
            line = strtok(NULL, "\n");
            assert_non_null(line);
            {
                char type_line[96];

                snprintf(type_line, sizeof(type_line), "# TYPE %s ", current);
                if (strncmp(line, type_line, strlen(type_line)) != 0)
                    fail_msg("HELP of %s not followed by its TYPE: %s", current,
                             line);
                assert_true(strcmp(line + strlen(type_line), "gauge") == 0 ||
                            strcmp(line + strlen(type_line), "counter") == 0);
            }
            continue;
        }
        assert_true(line[0] != '#');
        snprintf(name, sizeof(name), "%.*s", (int)strcspn(line, "{ "), line);
        if (strcmp(name, current) != 0)
            fail_msg("sample of %s outside its family (in %s)", name, current);
    }
    assert_true(n_done >= 14);
    free(text);
}

static void test_metrics_seed_names_and_labels(void **state)
{
    char *text = render(metrics_write);

    (void)state;
    assert_has(text, "# TYPE avg_load gauge\n");
    assert_has(text, "avg_load{actor_name=\"gen\"} 66.6\n");
    assert_has(text, "# TYPE avg_mCPU gauge\n");
    assert_has(text, "avg_mCPU{actor_name=\"gen\"} 512.4\n");
    assert_has(text, "graph_node_restarts{actor_name=\"gen\"} 2\n");
    assert_has(text, "actor_cpu_seconds_total{actor_name=\"gen\"} 1.5\n");
    assert_has(text, "# TYPE send_total counter\n");
    assert_has(text, "# TYPE take_total counter\n");
    /* two channels join gen and sink: their ports tell them apart */
    assert_has(text, "send_total{from=\"gen\",to=\"sink\",from_port=\"a\","
                     "to_port=\"x\"} 1235000\n");
    assert_has(text, "take_total{from=\"gen\",to=\"sink\",from_port=\"a\","
                     "to_port=\"x\"} 1234567\n");
    assert_has(text, "inflight{from=\"gen\",to=\"sink\",from_port=\"b\","
                     "to_port=\"y\"} 8\n");
    assert_has(text, "percentile_filled{from=\"gen\",to=\"sink\","
                     "from_port=\"a\",to_port=\"x\",p=\"9000\"} 70\n");
    assert_has(text, "percentile_filled{from=\"sink\",to=\"we\\\"ird\\\\\","
                     "p=\"8000\"} 0\n");
    assert_has(text, "capacity{from=\"sink\",to=\"we\\\"ird\\\\\"} 64\n");
    assert_has(text, "avg_rate{from=\"gen\",to=\"sink\",from_port=\"a\","
                     "to_port=\"x\"} 4321.4\n");
    assert_has(text, "avg_filled{from=\"gen\",to=\"sink\",from_port=\"b\","
                     "to_port=\"y\"} 100\n");
    assert_has(text, "avg_latency_seconds{from=\"gen\",to=\"sink\","
                     "from_port=\"b\",to_port=\"y\"} +Inf\n");
    assert_has(text, "avg_latency_seconds{from=\"gen\",to=\"sink\","
                     "from_port=\"a\",to_port=\"x\"} 0.1002\n");
    assert_has(text, "actor_state{actor_name=\"sink\",state=\"stopped\"} 1\n");
    assert_has(text, "actor_state{actor_name=\"sink\",state=\"running\"} 0\n");
    assert_has(text, "actor_state{actor_name=\"we\\\"ird\\\\\","
                     "state=\"failed\"} 1\n");
    assert_has(text, "alert_level{actor_name=\"gen\"} 2\n");
    assert_has(text, "alert_level{actor_name=\"sink\"} 0\n");
    assert_has(text, "alert_level{from=\"gen\",to=\"sink\",from_port=\"a\","
                     "to_port=\"x\"} 3\n");
    assert_has(text, "alert_level{from=\"gen\",to=\"sink\",from_port=\"b\","
                     "to_port=\"y\"} 1\n");
    assert_has(text, "telemetry_window_seconds 10.040\n");
    assert_has(text, "graph_info{graph=\"fab\"} 1\n");
    free(text);
}

static void test_strbuf_grows_and_hands_over(void **state)
{
    struct strbuf b = { 0 };
    char *text;
    size_t len = 0;

    (void)state;
    for (int i = 0; i < 1000; i++)
        strbuf_printf(&b, "%04d,", i);
    assert_int_equal(b.len, 5000);
    text = strbuf_take(&b, &len);
    assert_int_equal(len, 5000);
    assert_true(strncmp(text, "0000,0001,", 10) == 0);
    assert_null(b.data);
    free(text);
    text = strbuf_take(&b, &len);
    assert_string_equal(text, "");
    assert_int_equal(len, 0);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_metrics_every_family_has_help_and_type,
                               setup),
        cmocka_unit_test_setup(test_metrics_seed_names_and_labels, setup),
        cmocka_unit_test(test_strbuf_grows_and_hands_over),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

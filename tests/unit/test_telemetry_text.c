/* test_telemetry_text.c - what telemetry serves, from a fabricated
 * snapshot: the Prometheus text (HELP and TYPE for every family, each
 * family's samples together, the seed's names and labels, escaping, +Inf,
 * the statistics families, bytes and drops). The picture (DOT, its
 * statistics lines, layout, SVG) is in test_telemetry_picture.c.
 */
#include "metrics.h"

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

static struct tel_actor actors[3];
static struct tel_channel channels[3];
static struct tel_snapshot snap;

static int setup(void **state)
{
    (void)state;
    tel_fixture_fab(&snap, actors, 3, channels, 3);
    actors[2] = (struct tel_actor){ .name = "we\"ird\\", .state = TEL_FAILED };
    channels[0].show_ports = true;
    channels[1].show_ports = true;
    channels[1].alert = ALERT_YELLOW;
    channels[2] = (struct tel_channel){ .from = "sink",
                                        .to = "we\"ird\\",
                                        .from_port = "out",
                                        .to_port = "in",
                                        .capacity = 64,
                                        .percentile = 80,
                                        .varsize = true,
                                        .sent = 1300,
                                        .dropped = 1234,
                                        .bytes = 5000000,
                                        .avg_bytes_rate = 123456.0 };
    return 0;
}

/* ---- Prometheus ------------------------------------------------------ */

static void test_metrics_every_family_has_help_and_type(void **state)
{
    char *text = tel_render(metrics_write, &snap);
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
    char *text = tel_render(metrics_write, &snap);

    (void)state;
    assert_has(text, "# TYPE avg_load gauge\n");
    assert_has(text, "avg_load{actor_name=\"gen\"} 66.6\n");
    /* the seed's avg_mCPU, in snake_case; restarts count up: a counter */
    assert_has(text, "# TYPE avg_mcpu gauge\n");
    assert_has(text, "avg_mcpu{actor_name=\"gen\"} 512.4\n");
    assert_has(text, "# TYPE actor_restarts_total counter\n");
    assert_has(text, "actor_restarts_total{actor_name=\"gen\"} 2\n");
    assert_null(strstr(text, "\navg_mCPU"));
    assert_null(strstr(text, "graph_node_restarts"));
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
    /* no statistics shown: none of their families, not even a header */
    assert_null(strstr(text, "min_"));
    assert_null(strstr(text, "max_"));
    assert_null(strstr(text, "stddev_"));
    assert_null(strstr(text, "percentile_rate"));
    assert_null(strstr(text, "percentile_mcpu"));
    free(text);
}

static void test_metrics_statistics_families(void **state)
{
    char *text;

    (void)state;
    tel_fixture_show_stats(&channels[0], &actors[0], &actors[1]);
    text = tel_render(metrics_write, &snap);
    /* the channel's `percentile` first, then the others shown */
    assert_has(text, "percentile_filled{from=\"gen\",to=\"sink\","
                     "from_port=\"a\",to_port=\"x\",p=\"9000\"} 70\n"
                     "percentile_filled{from=\"gen\",to=\"sink\","
                     "from_port=\"a\",to_port=\"x\",p=\"5000\"} 40\n"
                     "percentile_filled{from=\"gen\",to=\"sink\","
                     "from_port=\"a\",to_port=\"x\",p=\"9990\"} 99.5\n");
    assert_has(text, "# TYPE max_filled gauge\nmax_filled{from=\"gen\","
                     "to=\"sink\",from_port=\"a\",to_port=\"x\"} 100\n#");
    assert_has(text, "stddev_filled{from=\"gen\",to=\"sink\","
                     "from_port=\"a\",to_port=\"x\"} 12.25\n");
    assert_null(strstr(text, "min_filled"));
    assert_has(text, "min_rate{from=\"gen\",to=\"sink\",from_port=\"a\","
                     "to_port=\"x\"} 10\n");
    /* a percentile only an alert watches is not exported */
    assert_has(text, "percentile_rate{from=\"gen\",to=\"sink\","
                     "from_port=\"a\",to_port=\"x\",p=\"9500\"} 5000\n");
    assert_null(strstr(text, "p=\"2500\""));
    /* latency in seconds; a stalled frame is +Inf */
    assert_has(text, "max_latency_seconds{from=\"gen\",to=\"sink\","
                     "from_port=\"a\",to_port=\"x\"} +Inf\n");
    assert_has(text, "stddev_latency_seconds{from=\"gen\",to=\"sink\","
                     "from_port=\"a\",to_port=\"x\"} 0.25\n");
    assert_has(text, "percentile_latency_seconds{from=\"gen\",to=\"sink\","
                     "from_port=\"a\",to_port=\"x\",p=\"9900\"} +Inf\n");
    assert_has(text, "# TYPE min_mcpu gauge\nmin_mcpu{actor_name=\"gen\"} "
                     "2\n#");
    assert_has(text, "max_mcpu{actor_name=\"gen\"} 1023.6\n");
    assert_null(strstr(text, "stddev_mcpu"));
    assert_has(text, "# TYPE percentile_load gauge\npercentile_load{"
                     "actor_name=\"sink\",p=\"5000\"} 12.5\n#");
    free(text);
}

/* Bytes beside items, and drops, per channel. */
static void test_metrics_bytes_and_drops(void **state)
{
    char *text = tel_render(metrics_write, &snap);

    (void)state;
    assert_has(text, "# TYPE channel_bytes_sent_total counter\n");
    assert_has(text, "# TYPE channel_bytes_per_second gauge\n");
    assert_has(text, "# TYPE channel_dropped_total counter\n");
    assert_has(text, "# HELP channel_dropped_total Items the channel's "
                     "overflow policy dropped");
    assert_has(text, "channel_bytes_sent_total{from=\"sink\",to=\"we\\\"ird"
                     "\\\\\"} 5000000\n");
    assert_has(text, "channel_bytes_per_second{from=\"sink\",to=\"we\\\"ird"
                     "\\\\\"} 123456\n");
    assert_has(text, "channel_dropped_total{from=\"sink\",to=\"we\\\"ird"
                     "\\\\\"} 1234\n");
    assert_has(text, "channel_dropped_total{from=\"gen\",to=\"sink\","
                     "from_port=\"a\",to_port=\"x\"} 0\n");
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
        cmocka_unit_test_setup(test_metrics_bytes_and_drops, setup),
        cmocka_unit_test_setup(test_metrics_statistics_families, setup),
        cmocka_unit_test(test_strbuf_grows_and_hands_over),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

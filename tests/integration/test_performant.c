/* test_performant.c - graphs/performant.yaml (and its troupe variant) run
 * to completion through the host with a few beats, and the logger's totals
 * are exact: N equals what the generator sent, and the Fizz, Buzz, FizzBuzz
 * and plain-value counts equal those of 0..N-1. */
#include "host_run.h"

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the headers above */
#include <cmocka.h>

/* Reads "Logger: N messages processed (F:f, B:b, FB:fb, V:v)". */
static void read_totals(const char *out, uint64_t t[5])
{
    const char *at = strstr(out, "Logger: ");
    int got;

    /* the totals line is the last "Logger: " line */
    for (const char *p = at; p; p = strstr(p + 1, "Logger: "))
        at = p;
    assert_non_null(at);
    got = sscanf(at,
                 "Logger: %" SCNu64 " messages processed (F:%" SCNu64
                 ", B:%" SCNu64 ", FB:%" SCNu64 ", V:%" SCNu64 ")",
                 &t[0], &t[1], &t[2], &t[3], &t[4]);
    assert_int_equal(got, 5);
}

/* beats: enough for the generator to finish its first batch (2^19 values)
 * even under ThreadSanitizer on a loaded machine. */
static void check_run(const char *graph, const char *beats)
{
    char path[512];
    const char *args[] = { "run",         path,  "--beats", beats,
                           "--telemetry", "off", NULL };
    struct host_run h;
    uint64_t t[5], sent, fb;
    const char *at;

    snprintf(path, sizeof(path), "%s/graphs/%s", STEADY_SOURCE_DIR, graph);
    assert_int_equal(host_run(&h, args, 60000), 0);
    read_totals(h.output, t);
    at = strstr(h.output, "[generator] sent ");
    assert_non_null(at);
    sent = strtoull(at + strlen("[generator] sent "), NULL, 10);
    /* nothing lost: every value sent was counted, and there were many */
    assert_int_equal(t[0], sent);
    assert_true(sent > 1000);
    /* k in 0..N-1 is a multiple of d for ceil(N / d) values of k */
    fb = (sent + 14) / 15;
    assert_int_equal(t[3], fb);
    assert_int_equal(t[1], (sent + 2) / 3 - fb);
    assert_int_equal(t[2], (sent + 4) / 5 - fb);
    assert_int_equal(t[4], sent - t[1] - t[2] - t[3]);
    assert_non_null(strstr(h.output, "stopped cleanly"));
    free(h.output);
}

static void test_performant_totals_exact(void **state)
{
    (void)state;
    check_run("performant.yaml", "200");
}

static void test_performant_troupe_totals_exact(void **state)
{
    (void)state;
    check_run("performant_troupe.yaml", "200");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_performant_totals_exact),
        cmocka_unit_test(test_performant_troupe_totals_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

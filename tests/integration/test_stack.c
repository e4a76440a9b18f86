/* test_stack.c - actors' stacks through the host: a frame larger than a
 * troupe member's fiber stack (or a solo actor's thread stack) is reported
 * as that actor's failure, naming it, with exit status 1; stack_kib gives
 * it room; a fault elsewhere stays an ordinary crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the headers above */
#include "host_run.h"

#include <cmocka.h>

#define STACK_GRAPHS STEADY_SOURCE_DIR "/tests/graphs/stack/"

/* Runs `steady run GRAPH`; returns its status, output in *out. */
static int run_graph(const char *graph, char **out)
{
    const char *args[] = { "run", graph, NULL };
    struct host_run h;
    int rc = host_run(&h, args, 30000);

    *out = h.output;
    return rc;
}

/* The last non-empty line of text. */
/* Whether text has line as one of its lines. The report is written by the
 * fault handler itself, so log lines the writer thread had queued may still
 * come out around it: its place among the last lines is not fixed. */
static bool has_line(const char *text, const char *line)
{
    size_t n = strlen(line);

    for (const char *at = strstr(text, line); at; at = strstr(at + 1, line))
        if ((at == text || at[-1] == '\n') && (at[n] == '\n' || !at[n]))
            return true;
    return false;
}

static void test_troupe_overflow_names_the_actor(void **state)
{
    char *out;
    int rc;

    (void)state;
    rc = run_graph(STACK_GRAPHS "deep_troupe.yaml", &out);
    if (rc != 1)
        fail_msg("exit %d, output:\n%s", rc, out);
    assert_true(has_line(
        out, "steady: actor 'deep' failed: stack overflow (its 256 KiB fiber "
             "stack in troupe 'pair' is too small; raise stack_kib for it); "
             "the process cannot safely continue and exits with status 1"));
    assert_null(strstr(out, "deep frame fine"));
    free(out);
}

static void test_troupe_with_stack_kib_runs(void **state)
{
    static const char *const graphs[] = { STACK_GRAPHS "deep_troupe_big.yaml",
                                          STACK_GRAPHS "deep_defaults.yaml" };
    char *out;

    (void)state;
    for (size_t i = 0; i < 2; i++) {
        int rc = run_graph(graphs[i], &out);
        if (rc != 0 || !strstr(out, "[deep] deep frame fine") ||
            !strstr(out, "stopped cleanly"))
            fail_msg("%s: exit %d, output:\n%s", graphs[i], rc, out);
        free(out);
    }
}

static void test_solo_overflow_names_the_actor(void **state)
{
    char *out;
    int rc;

    (void)state;
    rc = run_graph(STACK_GRAPHS "deep_solo.yaml", &out);
    if (rc != 1)
        fail_msg("exit %d, output:\n%s", rc, out);
    assert_true(has_line(out,
                         "steady: actor 'deep' failed: stack overflow (its "
                         "256 KiB thread stack is too small; raise stack_kib "
                         "for it); the process cannot safely continue and "
                         "exits with status 1"));
    free(out);
}

static void test_other_faults_stay_crashes(void **state)
{
    char *out;
    int rc;

    (void)state;
    rc = run_graph(STACK_GRAPHS "null_write.yaml", &out);
    /* killed by SIGSEGV as before, or a sanitizer's report and its exit
     * status (1 for ASan and UBSan, 66 for TSan) */
    if (strstr(out, "stack overflow") ||
        !(rc == 128 + SIGSEGV ||
          (rc > 0 && (strstr(out, "SEGV") || strstr(out, "runtime error")))))
        fail_msg("exit %d, output:\n%s", rc, out);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_troupe_overflow_names_the_actor),
        cmocka_unit_test(test_troupe_with_stack_kib_runs),
        cmocka_unit_test(test_solo_overflow_names_the_actor),
        cmocka_unit_test(test_other_faults_stay_crashes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

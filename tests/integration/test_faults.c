/* test_faults.c - plugins and systems that misbehave, through the real host:
 * a plugin calling exit() from init or run, a panic in destroy, and a
 * thread that cannot be created. Each ends with steady's own status and a
 * last line naming who and why; none waits out the shutdown timeout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the headers above */
#include "host_run.h"

#include <cmocka.h>

#define STANDARD STEADY_SOURCE_DIR "/graphs/standard.yaml"
#define TROUPE   STEADY_SOURCE_DIR "/graphs/troupe.yaml"
#define FAULTS   STEADY_SOURCE_DIR "/tests/graphs/faults/faults.yaml"

static uint64_t ms_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* exit(3) in a plugin used to become steady's exit status 3, unexplained. */
static void test_exit_in_run_is_the_actors_failure(void **state)
{
    const char *args[] = { "run", FAULTS, "--mode", "exit_run", NULL };
    struct host_run h;

    (void)state;
    assert_int_equal(host_run(&h, args, 20000), 1);
    assert_non_null(strstr(h.output, "steady: actor 'rogue' (plugin "
                                     "tp_faults) failed: it called exit() "
                                     "in run"));
    free(h.output);
}

static void test_exit_in_init_is_the_actors_failure(void **state)
{
    const char *args[] = { "run", FAULTS, "--mode", "exit_init", NULL };
    struct host_run h;

    (void)state;
    assert_int_equal(host_run(&h, args, 20000), 1);
    assert_non_null(strstr(h.output, "steady: actor 'rogue' (plugin "
                                     "tp_faults) failed: it called exit() "
                                     "in init"));
    free(h.output);
}

/* A panic in destroy used to abort after "stopped cleanly". */
static void test_panic_in_destroy_is_reported(void **state)
{
    const char *args[] = { "run", FAULTS, "--mode", "panic_destroy", NULL };
    struct host_run h;

    (void)state;
    assert_int_equal(host_start(&h, args), 0);
    assert_true(host_await_output(&h, "starting: 2 actors", 10000));
    kill(h.pid, SIGINT);
    assert_int_equal(host_wait(&h, 20000), 1);
    assert_non_null(strstr(h.output, "[calm] destroyed"));
    assert_non_null(strstr(h.output, "steady: actor 'rogue' (plugin "
                                     "tp_faults) failed in destroy: destroy "
                                     "cannot let go of its resources"));
    assert_null(strstr(h.output, "stopped cleanly"));
    free(h.output);
}

/* A thread that cannot be created: the reason at once, the started actors
 * drained, the never-started ones not reported as busy. */
static void check_thread_failure(const char *graph, const char *lane,
                                 const char *message)
{
    const char *args[] = { "run", graph,         "--rate", "20", "--beats",
                           "50",  "--telemetry", "off",    NULL };
    struct host_run h;
    uint64_t start = ms_now();

    setenv("STEADY_TEST_FAIL_THREAD", lane, 1);
    assert_int_equal(host_start(&h, args), 0);
    unsetenv("STEADY_TEST_FAIL_THREAD");
    assert_int_equal(host_wait(&h, 20000), 1);
    /* the default shutdown timeout is 5000 ms: it is not waited out */
    assert_true(ms_now() - start < 4500);
    assert_non_null(strstr(h.output, message));
    assert_null(strstr(h.output, "has not exited"));
    assert_null(strstr(h.output, "timed out"));
    assert_null(strstr(h.output, "stopped cleanly"));
    free(h.output);
}

static void test_thread_failure_solo(void **state)
{
    (void)state;
    check_thread_failure(STANDARD, "worker",
                         "steady: cannot start a thread for actor 'worker': "
                         "Resource temporarily unavailable");
}

static void test_thread_failure_troupe(void **state)
{
    (void)state;
    check_thread_failure(TROUPE, "pipeline",
                         "steady: cannot start a thread for troupe "
                         "'pipeline': Resource temporarily unavailable");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exit_in_run_is_the_actors_failure),
        cmocka_unit_test(test_exit_in_init_is_the_actors_failure),
        cmocka_unit_test(test_panic_in_destroy_is_reported),
        cmocka_unit_test(test_thread_failure_solo),
        cmocka_unit_test(test_thread_failure_troupe),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

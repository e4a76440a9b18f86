/* Tests of the generator plugin, loaded from the built generator.so: it
 * counts 0, 1, 2, ... into its output, and its counter is persistent state.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
/* cmocka.h needs the headers above */
#include <cmocka.h>
#include <steady/testing.h>

/* The generator's persistent state: the next value, i.e. the number sent. */
struct generator_state {
    uint64_t next;
};

/* Loads the generator with its output wired to a ring of `capacity`; the
 * test's end of that ring goes to *out when out is not NULL. */
static struct steady_test *load(size_t capacity, struct steady_channel **out)
{
    struct steady_test *t = steady_test_load("generator", NULL);
    assert_non_null(t);
    struct steady_channel *ch = steady_test_connect(t, "out", capacity);
    assert_non_null(ch);
    if (out)
        *out = ch;
    return t;
}

/* Takes n values (waiting for them) and checks they are first, first+1, ... */
static void take_counting(struct steady_test *t, uint64_t first, size_t n)
{
    uint64_t got[8];
    assert_true(n <= 8);
    assert_true(steady_test_await_output(t, "out", n, 2000) >= n);
    assert_int_equal(steady_test_take(t, "out", got, n), n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(got[i], first + i);
}

static void test_run_sends_counting_up(void **unused)
{
    (void)unused;
    struct steady_test *t = load(8, NULL);
    assert_int_equal(steady_test_start(t), 0);
    take_counting(t, 0, 8);
    /* Taking made room: the count goes on where it left off. */
    take_counting(t, 8, 8);
    take_counting(t, 16, 3);
    steady_test_request_shutdown(t);
    assert_int_equal(steady_test_wait(t, 2000), 0);
    steady_test_destroy(t);
}

static void test_run_state_counts_everything_sent(void **unused)
{
    (void)unused;
    struct steady_channel *out;
    struct steady_test *t = load(8, &out);
    assert_int_equal(steady_test_start(t), 0);
    take_counting(t, 0, 8);
    take_counting(t, 8, 4);
    steady_test_request_shutdown(t);
    assert_int_equal(steady_test_wait(t, 2000), 0);

    /* What is left in the ring continues the count, and the state's counter
     * is exactly the number of values sent. */
    uint64_t rest[8];
    size_t n = steady_test_take(t, "out", rest, 8);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(rest[i], 12 + i);
    assert_true(steady_channel_is_closed_and_empty(out));
    const struct generator_state *state = steady_test_state(t);
    assert_non_null(state);
    assert_int_equal(state->next, 12 + n);
    assert_int_equal(state->next, steady_channel_sent_total(out));
    steady_test_destroy(t);
}

static void test_run_continues_from_state(void **unused)
{
    (void)unused;
    struct steady_test *t = load(8, NULL);
    /* As after a restart: the state the runtime hands back is kept. */
    struct generator_state *state = steady_test_state(t);
    assert_non_null(state);
    state->next = 1000;
    assert_int_equal(steady_test_start(t), 0);
    take_counting(t, 1000, 8);
    steady_test_request_shutdown(t);
    assert_int_equal(steady_test_wait(t, 2000), 0);
    steady_test_destroy(t);
}

/* The declared limits refuse it before anything runs. */
static void test_limits_refuse_zero_batch(void **unused)
{
    (void)unused;
    struct steady_test *t = load(8, NULL);
    assert_int_equal(steady_test_set_param(t, "batch", "0"), -1);
    assert_string_equal(steady_test_error(t),
                        "batch must be at least 1, got 0");
    steady_test_destroy(t);
}

static void test_run_counts_across_ring_wrap(void **unused)
{
    (void)unused;
    struct steady_test *t = load(8, NULL);
    assert_int_equal(steady_test_set_param(t, "batch", "3"), 0);
    assert_int_equal(steady_test_start(t), 0);
    /* Taking 5 at a time from a ring of 8 makes the free region wrap, so the
     * generator writes through both spans. */
    for (uint64_t first = 0; first < 40; first += 5)
        take_counting(t, first, 5);
    steady_test_request_shutdown(t);
    assert_int_equal(steady_test_wait(t, 2000), 0);
    steady_test_destroy(t);
}

/* A panic mid-stream: the supervisor restarts the generator with its state
 * and channel, and the count continues with no gap and no repeat. */
static void test_run_restart_continues_count(void **unused)
{
    (void)unused;
    struct steady_test *t = load(8, NULL);
    assert_int_equal(steady_test_set_param(t, "fail_at", "5"), 0);
    steady_test_set_restart(t, 1, 60, 0);
    assert_int_equal(steady_test_start(t), 0);
    take_counting(t, 0, 5);
    take_counting(t, 5, 8);
    take_counting(t, 13, 8);
    assert_int_equal(steady_test_restarts(t), 1);
    assert_true(steady_test_log_contains(t, "injected failure before sending "
                                            "5"));
    steady_test_request_shutdown(t);
    assert_int_equal(steady_test_wait(t, 2000), 0);
    steady_test_destroy(t);
}

/* Without a restart policy the failure ends the run with its reason. */
static void test_run_failure_without_policy_ends_run(void **unused)
{
    (void)unused;
    struct steady_test *t = load(8, NULL);
    assert_int_equal(steady_test_set_param(t, "fail_at", "3"), 0);
    assert_int_equal(steady_test_start(t), 0);
    take_counting(t, 0, 3);
    assert_int_equal(steady_test_wait(t, 2000), -1);
    assert_string_equal(steady_test_error(t),
                        "injected failure before sending 3");
    steady_test_destroy(t);
}

/* fail_every panics once before each positive multiple, fail_at once at its
 * value, each restart continuing the count with no gap and no repeat. */
static void test_run_fail_every_continues_count(void **unused)
{
    (void)unused;
    struct steady_test *t = load(8, NULL);
    assert_int_equal(steady_test_set_param(t, "fail_every", "4"), 0);
    assert_int_equal(steady_test_set_param(t, "fail_at", "6"), 0);
    steady_test_set_restart(t, 100, 60, 0);
    assert_int_equal(steady_test_start(t), 0);
    for (uint64_t first = 0; first < 40; first += 8)
        take_counting(t, first, 8);
    /* 4, 6, 8, ..., 36 were sent, so each had its failure */
    assert_true(steady_test_restarts(t) >= 10);
    assert_true(steady_test_log_contains(t, "injected failure before sending "
                                            "4\n"));
    assert_true(steady_test_log_contains(t, "injected failure before sending "
                                            "6\n"));
    assert_true(steady_test_log_contains(t, "injected failure before sending "
                                            "36\n"));
    assert_false(steady_test_log_contains(t, "injected failure before sending "
                                             "0\n"));
    assert_false(steady_test_log_contains(t, "injected failure before sending "
                                             "5\n"));
    steady_test_request_shutdown(t);
    assert_int_equal(steady_test_wait(t, 2000), 0);
    steady_test_destroy(t);
}

static void test_limits_refuse_negative_fail_every(void **unused)
{
    (void)unused;
    struct steady_test *t = load(8, NULL);
    assert_int_equal(steady_test_set_param(t, "fail_every", "-2"), -1);
    assert_string_equal(steady_test_error(t),
                        "fail_every must be at least 0, got -2");
    steady_test_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_sends_counting_up),
        cmocka_unit_test(test_run_restart_continues_count),
        cmocka_unit_test(test_run_fail_every_continues_count),
        cmocka_unit_test(test_limits_refuse_negative_fail_every),
        cmocka_unit_test(test_run_failure_without_policy_ends_run),
        cmocka_unit_test(test_run_state_counts_everything_sent),
        cmocka_unit_test(test_run_continues_from_state),
        cmocka_unit_test(test_limits_refuse_zero_batch),
        cmocka_unit_test(test_run_counts_across_ring_wrap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

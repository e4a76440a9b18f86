/* test_bundle_waits.c - the core's side of bundles, on an actor built here
 * from a descriptor with a bundle input, a bundle output and any-typed
 * ports, whose waits run on the test's own thread: avail on a bundle met by
 * any channel and settled only when all have ended, vacant met when every
 * channel with a consumer has room and settled when none has, the _at forms,
 * wake-ups from another thread on any channel, end of stream and close
 * over every channel, and the resolved type of any-typed ports.
 */
#include "actor_impl.h"
#include "channel_impl.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h first. */
#include <cmocka.h>

enum { IN, OUT, ANY_IN, ANY_OUT, PLAIN };

static int run(struct steady_actor *a)
{
    (void)a;
    return 0;
}

static const struct steady_port_desc ports[] = {
    [IN] = { "in", STEADY_IN, "u64", 8, true },
    [OUT] = { "out", STEADY_OUT, "u64", 8, true },
    [ANY_IN] = { "any_in", STEADY_IN, STEADY_TYPE_ANY, 0, false },
    [ANY_OUT] = { "any_out", STEADY_OUT, STEADY_TYPE_ANY, 0, false },
    [PLAIN] = { "plain", STEADY_IN, "u64", 8, false },
};

static const struct steady_port_info port_info[] = {
    [IN] = { .flags = STEADY_PORT_MANY },
    [OUT] = { .flags = STEADY_PORT_MANY },
    [ANY_IN] = { 0 },
    [ANY_OUT] = { 0 },
    [PLAIN] = { 0 },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "bundles",
    .version = "1",
    .summary = "bundles under test",
    .ports = STEADY_PORTS(ports),
    .run = run,
    .port_info = port_info,
};

#define N 3

struct fixture {
    struct actor_set set;
    struct steady_actor *a;
    struct steady_channel *in[N], *out[N];
};

static int setup(void **state)
{
    static struct fixture f;

    memset(&f, 0, sizeof(f));
    actor_set_init(&f.set);
    f.a = actor_create("bundles", &desc, NULL, &f.set);
    if (!f.a)
        return -1;
    f.set.actors = &f.a;
    f.set.n_actors = 1;
    for (int i = 0; i < N; i++) {
        f.in[i] = steady_channel_create(4, 8, "u64");
        f.out[i] = steady_channel_create(2, 8, "u64");
        if (!f.in[i] || !f.out[i] || actor_bind_port(f.a, IN, f.in[i]) < 0 ||
            actor_bind_port(f.a, OUT, f.out[i]) < 0)
            return -1;
    }
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    actor_destroy(f->a);
    for (int i = 0; i < N; i++) {
        steady_channel_destroy(f->in[i]);
        steady_channel_destroy(f->out[i]);
    }
    return 0;
}

static uint64_t ms_now(void)
{
    return now_ns() / 1000000u;
}

/* Waits for one condition: true when met, false when settled. */
static bool await_one(struct steady_actor *a, struct steady_cond c)
{
    return steady_await(a, true, &c, 1);
}

/* Waits for the condition or `ms`, whichever comes first. */
static bool await_or_timeout(struct steady_actor *a, struct steady_cond c,
                             uint64_t ms)
{
    struct steady_cond conds[2] = { c, steady_timeout(a, ms) };

    return steady_await(a, false, conds, 2);
}

/* The condition stays unmet (and unsettled) for `ms`: the wait for it or
 * a timeout ends only with the timeout. */
static bool unmet_for(struct steady_actor *a, struct steady_cond c, uint64_t ms)
{
    uint64_t start = ms_now();

    return await_or_timeout(a, c, ms) && ms_now() - start >= ms;
}

static void put(struct steady_channel *ch, uint64_t v)
{
    assert_true(steady_channel_try_send(ch, &v));
}

static void test_wiring_and_types(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(steady_wired(f->a, IN), N);
    assert_int_equal(steady_wired(f->a, OUT), N);
    assert_int_equal(steady_wired(f->a, PLAIN), 0);
    assert_ptr_equal(steady_port_at(f->a, IN, 2), f->in[2]);
    assert_ptr_equal(steady_port(f->a, IN), f->in[0]); /* channel 0 */
    assert_null(steady_port_at(f->a, IN, N));
    assert_null(steady_port_at(f->a, PLAIN, 0));
    assert_string_equal(steady_port_type(f->a, IN), "u64");
    assert_int_equal(steady_port_elem_size(f->a, IN), 8);
    /* any-typed: unresolved until told, then every any-typed port */
    assert_string_equal(steady_port_type(f->a, ANY_IN), STEADY_TYPE_ANY);
    actor_set_any_type(f->a, "pair", 16);
    assert_string_equal(steady_port_type(f->a, ANY_IN), "pair");
    assert_string_equal(steady_port_type(f->a, ANY_OUT), "pair");
    assert_int_equal(steady_port_elem_size(f->a, ANY_OUT), 16);
    assert_string_equal(steady_port_type(f->a, OUT), "u64"); /* typed stays */
}

/* Met by any channel; single-item calls act on channel 0. */
static void test_avail_met_by_any_channel(void **state)
{
    struct fixture *f = *state;
    uint64_t v = 0;

    assert_true(unmet_for(f->a, steady_avail(f->a, IN, 1), 20));
    put(f->in[2], 42);
    assert_true(await_one(f->a, steady_avail(f->a, IN, 1)));
    assert_false(steady_try_take(f->a, IN, &v)); /* channel 0 is empty */
    assert_int_equal(steady_avail_count(f->a, IN), 0);
    assert_true(await_one(f->a, steady_avail_at(f->a, IN, 2, 1)));
    assert_true(unmet_for(f->a, steady_avail_at(f->a, IN, 1, 1), 10));
    /* n units on one channel, not summed over the bundle */
    put(f->in[1], 1);
    assert_true(unmet_for(f->a, steady_avail(f->a, IN, 2), 10));
    put(f->in[1], 2);
    assert_true(await_one(f->a, steady_avail(f->a, IN, 2)));
    put(f->in[0], 7);
    assert_true(steady_try_take(f->a, IN, &v));
    assert_int_equal(v, 7);
}

/* Settled only once every channel is closed and drained; a channel past
 * the last one behaves as an unconnected port. */
static void test_avail_settled_when_all_ended(void **state)
{
    struct fixture *f = *state;
    uint64_t v;

    steady_channel_close(f->in[0]);
    steady_channel_close(f->in[1]);
    /* in[2] is open: the bundle wait still waits (no spinning on the two
     * that ended) */
    assert_true(unmet_for(f->a, steady_avail(f->a, IN, 1), 30));
    assert_false(actor_inputs_ended(f->a));
    assert_false(await_one(f->a, steady_avail_at(f->a, IN, 0, 1)));
    assert_false(await_one(f->a, steady_avail_at(f->a, IN, 7, 1)));
    put(f->in[2], 5);
    steady_channel_close(f->in[2]);
    /* closed but not drained: met, and not the end */
    assert_true(await_one(f->a, steady_avail(f->a, IN, 1)));
    assert_false(actor_inputs_ended(f->a));
    assert_true(steady_channel_try_take(f->in[2], &v));
    assert_false(await_one(f->a, steady_avail(f->a, IN, 1)));
    assert_true(actor_inputs_ended(f->a));
    assert_true(f->a->input_closed_seen);
    /* end of stream: steady_running ends the actor and closes every output
     * channel */
    assert_false(steady_running(f->a));
    for (int i = 0; i < N; i++)
        assert_true(steady_channel_is_closed(f->out[i]));
}

/* Met when every channel that has a consumer has room; settled when none
 * has. */
static void test_vacant_every_live_channel(void **state)
{
    struct fixture *f = *state;

    assert_true(await_one(f->a, steady_vacant(f->a, OUT, 2)));
    put(f->out[1], 1);
    assert_true(unmet_for(f->a, steady_vacant(f->a, OUT, 2), 10));
    assert_true(await_one(f->a, steady_vacant(f->a, OUT, 1)));
    assert_true(await_one(f->a, steady_vacant_at(f->a, OUT, 0, 2)));
    put(f->out[1], 2); /* full */
    assert_true(unmet_for(f->a, steady_vacant(f->a, OUT, 1), 10));
    /* its consumer leaves: the others decide */
    channel_mark_rx_gone(f->out[1]);
    assert_true(await_one(f->a, steady_vacant(f->a, OUT, 1)));
    assert_false(await_one(f->a, steady_vacant_at(f->a, OUT, 1, 1)));
    channel_mark_rx_gone(f->out[0]);
    channel_mark_rx_gone(f->out[2]);
    assert_false(await_one(f->a, steady_vacant(f->a, OUT, 1))); /* settled */
    assert_false(await_one(f->a, steady_vacant_at(f->a, OUT, N, 1)));
}

struct later {
    struct steady_channel *ch;
    int delay_ms;
    bool take; /* take one item instead of sending one */
};

static void *act_later(void *arg)
{
    struct later *l = arg;
    struct timespec ts = { 0, (long)l->delay_ms * 1000000L };
    uint64_t v = 1;

    nanosleep(&ts, NULL);
    if (l->take)
        (void)steady_channel_try_take(l->ch, &v);
    else
        (void)steady_channel_try_send(l->ch, &v);
    return NULL;
}

/* steady_close on a bundle closes every channel; steady_send waits for
 * room on channel 0 alone (channel 1 stays full throughout). */
static void test_close_and_send_on_a_bundle(void **state)
{
    struct fixture *f = *state;
    struct later l = { f->out[0], 30, true };
    pthread_t t;
    uint64_t v = 9;

    put(f->out[0], 1);
    put(f->out[0], 2);
    put(f->out[1], 1);
    put(f->out[1], 2);
    assert_int_equal(pthread_create(&t, NULL, act_later, &l), 0);
    assert_true(steady_send(f->a, OUT, &v, STEADY_SATURATION_AWAIT));
    pthread_join(t, NULL);
    assert_int_equal(steady_channel_sent_total(f->out[0]), 3);
    assert_int_equal(steady_channel_sent_total(f->out[1]), 2);
    steady_close(f->a, OUT);
    for (int i = 0; i < N; i++)
        assert_true(steady_channel_is_closed(f->out[i]));
}

/* A sleeping bundle wait is woken by a publish on any of its channels,
 * from another thread, long before its timeout. */
static void test_wakes_on_any_channel_from_another_thread(void **state)
{
    struct fixture *f = *state;

    for (int i = 0; i < N; i++) {
        struct later l = { f->in[i], 30, false };
        pthread_t t;
        uint64_t start = ms_now(), v;

        channel_bind_tx(f->in[i], NULL); /* the producer: another thread */
        assert_int_equal(pthread_create(&t, NULL, act_later, &l), 0);
        assert_true(await_or_timeout(f->a, steady_avail(f->a, IN, 1), 10000));
        assert_true(ms_now() - start < 5000);
        pthread_join(t, NULL);
        assert_true(steady_channel_try_take(f->in[i], &v));
    }
    for (int i = 0; i < N; i++) {
        struct later l = { f->out[i], 30, true };
        pthread_t t;
        uint64_t start = ms_now();

        channel_bind_rx(f->out[i], NULL);
        put(f->out[i], 1);
        put(f->out[i], 2);
        assert_int_equal(pthread_create(&t, NULL, act_later, &l), 0);
        assert_true(
            await_or_timeout(f->a, steady_vacant_at(f->a, OUT, i, 1), 10000));
        assert_true(ms_now() - start < 5000);
        pthread_join(t, NULL);
        (void)steady_channel_take_many(f->out[i], (uint64_t[2]){ 0 }, 2);
    }
}

/* In shutdown the default vote waits for every channel of the bundle, and
 * says which one holds it. */
static void test_vote_names_the_channel(void **state)
{
    struct fixture *f = *state;

    put(f->in[1], 3);
    for (int i = 0; i < N; i++)
        steady_channel_close(f->in[i]);
    actor_set_request_shutdown(&f->set, false);
    assert_true(steady_running(f->a));
    assert_non_null(strstr(f->a->vote_why, "input 'in[1]' still holds 1 item"));
    (void)steady_channel_take_many(f->in[1], (uint64_t[1]){ 0 }, 1);
    assert_false(steady_running(f->a));
}

/* ---- the spin detector ---- */

static char warned[1024];

static void keep_warning(void *user, enum steady_log_level level,
                         const char *actor_name, const char *msg)
{
    (void)user;
    if (level == STEADY_LOG_WARN && !warned[0])
        snprintf(warned, sizeof(warned), "[%s] %s", actor_name, msg);
}

/* Waits again and again on a condition that has settled, as a loop that
 * ignores steady_running would, until the detector speaks (it does after
 * 100000 waits); returns what it said. */
static const char *spin_on(struct steady_actor *a, struct steady_cond c)
{
    warned[0] = '\0';
    steady_log_set_sink(keep_warning, NULL);
    for (int i = 0; i < 200000 && !warned[0]; i++)
        assert_false(await_one(a, c));
    steady_log_set_sink(NULL, NULL);
    return warned;
}

static void test_spin_detector_names_the_bundle(void **state)
{
    struct fixture *f = *state;
    const char *said;

    for (int i = 0; i < N; i++)
        steady_channel_close(f->in[i]);
    said = spin_on(f->a, steady_avail(f->a, IN, 1));
    if (!strstr(said, "[bundles] spinning: ") ||
        !strstr(said, "because every channel of input 'in' has ended"))
        fail_msg("the detector said '%s'", said);
}

static void test_spin_detector_names_the_channel(void **state)
{
    struct fixture *f = *state;
    const char *said;

    channel_mark_rx_gone(f->out[2]);
    said = spin_on(f->a, steady_vacant_at(f->a, OUT, 2, 1));
    if (!strstr(said, "because output 'out[2]' has no consumer any more"))
        fail_msg("the detector said '%s'", said);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_wiring_and_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_avail_met_by_any_channel, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_avail_settled_when_all_ended,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_vacant_every_live_channel, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_close_and_send_on_a_bundle, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_wakes_on_any_channel_from_another_thread, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vote_names_the_channel, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_spin_detector_names_the_bundle,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_spin_detector_names_the_channel,
                                        setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

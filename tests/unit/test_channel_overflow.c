/* test_channel_overflow.c - unit tests of the overflow policies of
 * <steady/channel.h> (layout 2): drop_newest and drop_oldest on fixed-size
 * and variable-size channels, every call that sends or takes, the drop
 * counter and the order of what is kept, and two-thread stresses in which
 * the producer never waits while the consumer takes (run under TSan by the
 * tsan stage: a slot must never be read while it is rewritten).
 */
#include "channel_impl.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <steady/channel.h>
#include <string.h>
#include <time.h>

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define STRESS_ITEMS 100000u
#else
#define STRESS_ITEMS 1000000u
#endif

/* last: cmocka needs setjmp.h, stdarg.h, stddef.h and stdint.h first */
#include <cmocka.h>

#define STALL_NS (10ull * 1000000000ull)

static struct steady_channel *dropping(size_t capacity,
                                       enum steady_overflow policy)
{
    struct steady_channel *ch =
        steady_channel_create(capacity, sizeof(uint64_t), "u64");

    assert_non_null(ch);
    assert_int_equal(steady_channel_set_overflow(ch, policy), 0);
    assert_int_equal(steady_channel_overflow(ch), policy);
    return ch;
}

static struct steady_channel *dropping_vs(size_t max_msgs, size_t max_bytes,
                                          enum steady_overflow policy)
{
    struct steady_channel *ch =
        steady_channel_create_varsize(max_msgs, max_bytes, "text");

    assert_non_null(ch);
    assert_int_equal(steady_channel_set_overflow(ch, policy), 0);
    return ch;
}

static void send_range(struct steady_channel *ch, uint64_t from, uint64_t to)
{
    for (uint64_t v = from; v < to; v++)
        assert_true(steady_channel_try_send(ch, &v)); /* never refused */
}

static void expect_items(struct steady_channel *ch, uint64_t from, uint64_t to)
{
    uint64_t v;

    for (uint64_t want = from; want < to; want++) {
        assert_true(steady_channel_try_take(ch, &v));
        assert_int_equal(v, want);
    }
    assert_false(steady_channel_try_take(ch, &v));
}

/* sent = taken + dropped + in flight, whatever the policy */
static void expect_counts(struct steady_channel *ch, uint64_t sent,
                          uint64_t taken, uint64_t dropped)
{
    assert_int_equal(steady_channel_sent_total(ch), sent);
    assert_int_equal(steady_channel_taken_total(ch), taken);
    assert_int_equal(steady_channel_dropped_total(ch), dropped);
    assert_int_equal(sent - taken - dropped, steady_channel_avail(ch));
}

static uint64_t clock_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- setting the policy ---- */

static void test_set_overflow_checks(void **state)
{
    struct steady_channel *ch = steady_channel_create(4, 8, "u64");
    uint64_t v = 1;

    (void)state;
    assert_int_equal(steady_channel_overflow(ch), STEADY_OVERFLOW_BLOCK);
    errno = 0;
    assert_int_equal(steady_channel_set_overflow(ch, (enum steady_overflow)7),
                     -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(
        steady_channel_set_overflow(ch, STEADY_OVERFLOW_DROP_NEWEST), 0);
    /* back to block frees the spare area and clears the mode */
    assert_int_equal(steady_channel_set_overflow(ch, STEADY_OVERFLOW_BLOCK), 0);
    assert_int_equal(ch->mode, 0);
    assert_null(ch->spare);
    assert_true(steady_channel_try_send(ch, &v));
    errno = 0;
    assert_int_equal(
        steady_channel_set_overflow(ch, STEADY_OVERFLOW_DROP_OLDEST), -1);
    assert_int_equal(errno, EBUSY);
    assert_int_equal(steady_channel_overflow(ch), STEADY_OVERFLOW_BLOCK);
    steady_channel_destroy(ch);
}

/* ---- drop_newest ---- */

static void test_drop_newest_keeps_the_first(void **state)
{
    struct steady_channel *ch = dropping(4, STEADY_OVERFLOW_DROP_NEWEST);

    (void)state;
    send_range(ch, 0, 10);
    expect_counts(ch, 10, 0, 6);
    /* a send never waits: room is always met while the consumer is there */
    assert_int_equal(steady_channel_vacant(ch), 4);
    assert_int_equal(channel_poll_vacant(ch, 4), CHANNEL_MET);
    expect_items(ch, 0, 4);
    expect_counts(ch, 10, 4, 6);
    send_range(ch, 10, 12);
    expect_items(ch, 10, 12);
    channel_mark_rx_gone(ch);
    assert_int_equal(channel_poll_vacant(ch, 1), CHANNEL_SETTLED);
    steady_channel_destroy(ch);
}

static void test_drop_newest_batches(void **state)
{
    struct steady_channel *ch = dropping(4, STEADY_OVERFLOW_DROP_NEWEST);
    uint64_t items[10];
    struct steady_span s[2];
    uint64_t v;

    (void)state;
    for (uint64_t i = 0; i < 10; i++)
        items[i] = i;
    /* every item is accepted; what does not fit is dropped */
    assert_int_equal(steady_channel_send_many(ch, items, 10), 10);
    expect_counts(ch, 10, 0, 6);
    /* a zero-copy send into a full channel gets the spare area */
    assert_int_equal(steady_channel_borrow_write(ch, s, 3), 3);
    assert_ptr_equal(s[0].ptr, ch->spare);
    memset(s[0].ptr, 0xff, 3 * sizeof(uint64_t));
    steady_channel_commit_send(ch, 2);
    expect_counts(ch, 12, 0, 8);
    /* a message into a full channel is accepted and dropped */
    v = 99;
    assert_true(steady_channel_send_msg(ch, &v, 8));
    expect_counts(ch, 13, 0, 9);
    /* the ring was never touched by the dropped ones */
    assert_int_equal(steady_channel_take_many(ch, items, 10), 4);
    for (uint64_t i = 0; i < 4; i++)
        assert_int_equal(items[i], i);
    /* with room again the borrow is in the ring and is sent */
    assert_int_equal(steady_channel_borrow_write(ch, s, 1), 1);
    assert_ptr_not_equal(s[0].ptr, ch->spare);
    *(uint64_t *)s[0].ptr = 7;
    steady_channel_commit_send(ch, 1);
    expect_items(ch, 7, 8);
    expect_counts(ch, 14, 5, 9);
    steady_channel_destroy(ch);
}

static void test_drop_newest_varsize(void **state)
{
    struct steady_channel *ch =
        dropping_vs(8, 100, STEADY_OVERFLOW_DROP_NEWEST);
    char msg[3][40], *p;
    size_t len;

    (void)state;
    for (int i = 0; i < 3; i++)
        snprintf(msg[i], sizeof(msg[i]), "message %d of forty bytes", i);
    assert_true(steady_channel_send_msg(ch, msg[0], 40));
    assert_true(steady_channel_send_msg(ch, msg[1], 40));
    /* no room for 40 more bytes: accepted and dropped */
    assert_true(steady_channel_send_msg(ch, msg[2], 40));
    p = steady_channel_reserve(ch, 30);
    assert_ptr_equal(p, ch->spare);
    steady_channel_commit_reserved(ch, 30);
    /* still refused: a message larger than the channel */
    errno = 0;
    assert_false(steady_channel_send_msg(ch, msg, 101));
    assert_int_equal(errno, EMSGSIZE);
    assert_int_equal(steady_channel_dropped_total(ch), 2);
    assert_int_equal(steady_channel_sent_total(ch), 4);
    assert_int_equal(steady_channel_bytes_sent_total(ch), 150);
    assert_int_equal(steady_channel_vacant_bytes(ch), 100);
    assert_int_equal(channel_poll_vacant(ch, 100), CHANNEL_MET);
    p = (char *)steady_channel_peek_msg(ch, &len);
    assert_int_equal(len, 40);
    assert_memory_equal(p, msg[0], 40);
    steady_channel_take_msg(ch);
    p = (char *)steady_channel_peek_msg(ch, &len);
    assert_memory_equal(p, msg[1], 40);
    steady_channel_take_msg(ch);
    assert_null(steady_channel_peek_msg(ch, &len));
    steady_channel_destroy(ch);
}

/* ---- drop_oldest ---- */

static void test_drop_oldest_keeps_the_newest(void **state)
{
    struct steady_channel *ch = dropping(4, STEADY_OVERFLOW_DROP_OLDEST);
    uint64_t v;

    (void)state;
    send_range(ch, 0, 10);
    expect_counts(ch, 10, 0, 6);
    assert_int_equal(steady_channel_vacant(ch), 4);
    assert_int_equal(channel_poll_vacant(ch, 4), CHANNEL_MET);
    assert_true(steady_channel_try_peek(ch, &v));
    assert_int_equal(v, 6);
    expect_items(ch, 6, 10);
    expect_counts(ch, 10, 4, 6);
    steady_channel_destroy(ch);
}

static void test_drop_oldest_batches(void **state)
{
    struct steady_channel *ch = dropping(5, STEADY_OVERFLOW_DROP_OLDEST);
    uint64_t items[12];
    struct steady_span s[2];

    (void)state;
    for (uint64_t i = 0; i < 12; i++)
        items[i] = i;
    /* more than the capacity at once: the newest five stay, in order */
    assert_int_equal(steady_channel_send_many(ch, items, 12), 12);
    expect_counts(ch, 12, 0, 7);
    /* borrowing room for 3 drops the 3 oldest */
    assert_int_equal(steady_channel_borrow_write(ch, s, 3), 3);
    for (size_t k = 0, v = 100; k < 2; k++)
        for (size_t i = 0; i < s[k].n; i++)
            ((uint64_t *)s[k].ptr)[i] = v++;
    steady_channel_commit_send(ch, 3);
    expect_counts(ch, 15, 0, 10);
    assert_int_equal(steady_channel_take_many(ch, items, 12), 5);
    assert_int_equal(items[0], 10);
    assert_int_equal(items[1], 11);
    assert_int_equal(items[2], 100);
    assert_int_equal(items[4], 102);
    expect_counts(ch, 15, 5, 10);
    steady_channel_destroy(ch);
}

/* A borrowed read is a copy: the producer may drop what it holds, and the
 * commit then takes only what is still there. */
static void test_drop_oldest_borrow_read_is_a_copy(void **state)
{
    struct steady_channel *ch = dropping(4, STEADY_OVERFLOW_DROP_OLDEST);
    struct steady_span s[2];
    const uint64_t *got;

    (void)state;
    send_range(ch, 0, 4);
    assert_int_equal(steady_channel_borrow_read(ch, s, 3), 3);
    assert_int_equal(s[1].n, 0);
    got = s[0].ptr;
    /* the producer drops 0, 1 and 2 and reuses their slots */
    send_range(ch, 4, 7);
    assert_int_equal(got[0], 0);
    assert_int_equal(got[1], 1);
    assert_int_equal(got[2], 2);
    steady_channel_commit_take(ch, 3); /* all three were dropped already */
    expect_counts(ch, 7, 0, 3);
    assert_int_equal(steady_channel_borrow_read(ch, s, 2), 2);
    assert_int_equal(((const uint64_t *)s[0].ptr)[0], 3);
    send_range(ch, 7, 8);              /* drops 3 */
    steady_channel_commit_take(ch, 2); /* takes 4 only */
    expect_counts(ch, 8, 1, 4);
    expect_items(ch, 5, 8);
    steady_channel_destroy(ch);
}

/* Peek before commit on a dropping channel: the message stays readable
 * however long it is held; a take after the producer dropped it takes
 * nothing (not the next one). */
static void test_drop_oldest_peek_msg(void **state)
{
    struct steady_channel *ch = dropping(2, STEADY_OVERFLOW_DROP_OLDEST);
    const uint64_t *p;
    uint64_t v;
    size_t len;

    (void)state;
    send_range(ch, 0, 2);
    p = steady_channel_peek_msg(ch, &len);
    assert_int_equal(len, 8);
    assert_int_equal(*p, 0);
    /* the same message peeked again: the same copy */
    assert_ptr_equal(steady_channel_peek_msg(ch, &len), p);
    send_range(ch, 2, 3); /* drops 0 */
    assert_int_equal(*p, 0);
    steady_channel_take_msg(ch); /* 0 is gone already */
    expect_counts(ch, 3, 0, 1);
    p = steady_channel_peek_msg(ch, &len);
    assert_int_equal(*p, 1);
    steady_channel_take_msg(ch);
    expect_counts(ch, 3, 1, 1);
    /* a take without a peek takes the next */
    steady_channel_take_msg(ch);
    expect_counts(ch, 3, 2, 1);
    assert_false(steady_channel_try_take(ch, &v));
    steady_channel_destroy(ch);
}

static void test_drop_oldest_varsize_keeps_newest(void **state)
{
    struct steady_channel *ch =
        dropping_vs(8, 100, STEADY_OVERFLOW_DROP_OLDEST);
    char msg[40];
    const char *p;
    size_t len;

    (void)state;
    for (int i = 0; i < 10; i++) {
        memset(msg, 'a' + i, sizeof(msg));
        assert_true(steady_channel_send_msg(ch, msg, sizeof(msg)));
    }
    /* 40-byte messages 8-byte aligned: two fit in 100 bytes */
    assert_int_equal(steady_channel_avail(ch), 2);
    assert_int_equal(steady_channel_dropped_total(ch), 8);
    p = steady_channel_peek_msg(ch, &len);
    assert_int_equal(len, 40);
    assert_int_equal(p[0], 'i');
    assert_int_equal(p[39], 'i');
    steady_channel_take_msg(ch);
    /* a message of the whole capacity drops everything else */
    memset(msg, 'z', sizeof(msg));
    p = steady_channel_reserve(ch, 100);
    assert_non_null(p);
    memset((char *)p, 'Z', 100);
    steady_channel_commit_reserved(ch, 100);
    assert_int_equal(steady_channel_dropped_total(ch), 9);
    p = steady_channel_peek_msg(ch, &len);
    assert_int_equal(len, 100);
    assert_int_equal(p[99], 'Z');
    steady_channel_take_msg(ch);
    assert_int_equal(steady_channel_taken_total(ch), 2);
    assert_int_equal(steady_channel_sent_total(ch), 11);
    steady_channel_destroy(ch);
}

/* ---- two threads ---- */

struct stress {
    struct steady_channel *ch;
    uint64_t n;
    bool varsize;
    _Atomic bool give_up;
};

static size_t msg_len(uint64_t v)
{
    return (size_t)(8 + (v * 2654435761u >> 7) % 200);
}

/* Items sent and neither taken nor dropped, as the counters say (any
 * thread may read them). */
static uint64_t in_flight(const struct steady_channel *ch)
{
    uint64_t taken = steady_channel_taken_total(ch);
    uint64_t dropped = steady_channel_dropped_total(ch);

    return steady_channel_sent_total(ch) - taken - dropped;
}

/* Never waits for room: a dropping channel accepts every send. It sends in
 * bursts of BURST and lets the consumer drain between them (at most a
 * few ms), so that takes and drops race all the time. */
#define BURST 64

static void *producer(void *arg)
{
    struct stress *st = arg;
    unsigned char buf[256];

    for (uint64_t v = 0; v < st->n; v++) {
        if (atomic_load_explicit(&st->give_up, memory_order_relaxed))
            break;
        if (v % BURST == 0) {
            uint64_t until = clock_ns() + 5000000u;

            while (in_flight(st->ch) > 2 && clock_ns() < until)
                sched_yield();
        }
        if (st->varsize) {
            size_t len = msg_len(v);

            for (size_t j = 8; j < len; j++)
                buf[j] = (unsigned char)(v + j);
            memcpy(buf, &v, 8);
            if (!steady_channel_send_msg(st->ch, buf, len))
                break;
        } else if (v % 7 == 0) {
            uint64_t pair[2] = { v, v + 1 };

            steady_channel_send_many(st->ch, pair, v + 1 < st->n ? 2 : 1);
            v += v + 1 < st->n ? 1 : 0;
        } else if (!steady_channel_try_send(st->ch, &v)) {
            break;
        }
    }
    steady_channel_close(st->ch);
    return NULL;
}

/* Takes in every way the policy allows; checks that what arrives is in
 * order (nothing reordered, no item twice) and intact. Returns how many
 * arrived, or fills why. */
static uint64_t consumer(struct stress *st, uint64_t *last, char *why,
                         size_t len)
{
    uint64_t got = 0, next = 0, polls = 0, since = 0;

    for (unsigned turn = 0;; turn++) {
        uint64_t v[4];
        size_t n = 0;

        if (st->varsize) {
            size_t ml;
            const unsigned char *p = steady_channel_peek_msg(st->ch, &ml);

            if (p) {
                memcpy(&v[0], p, 8);
                if (ml != msg_len(v[0])) {
                    snprintf(why, len, "message %" PRIu64 " is %zu bytes", v[0],
                             ml);
                    return got;
                }
                for (size_t j = 8; j < ml; j++)
                    if (p[j] != (unsigned char)(v[0] + j)) {
                        snprintf(why, len, "message %" PRIu64 " is torn", v[0]);
                        return got;
                    }
                steady_channel_take_msg(st->ch);
                n = 1;
            }
        } else if (turn % 3 == 0) {
            n = steady_channel_try_take(st->ch, &v[0]) ? 1 : 0;
        } else if (turn % 3 == 1) {
            n = steady_channel_take_many(st->ch, v, 4);
        } else {
            struct steady_span s[2];

            n = steady_channel_borrow_read(st->ch, s, 3);
            if (n)
                memcpy(v, s[0].ptr, s[0].n * 8);
            if (s[1].n)
                memcpy(v + s[0].n, s[1].ptr, s[1].n * 8);
            steady_channel_commit_take(st->ch, n);
        }
        for (size_t i = 0; i < n; i++) {
            if (v[i] < next) {
                snprintf(why, len, "%" PRIu64 " after %" PRIu64, v[i],
                         next - 1);
                return got;
            }
            next = v[i] + 1;
            got++;
        }
        if (n) {
            polls = 0;
            continue;
        }
        if (steady_channel_is_closed_and_empty(st->ch))
            break;
        if (polls++ == 0) {
            since = clock_ns();
        } else if (polls % 256 == 0 && clock_ns() - since > STALL_NS) {
            snprintf(why, len, "nothing for 10 s after %" PRIu64, next);
            return got;
        }
        sched_yield();
    }
    *last = next - 1;
    return got;
}

static void run_stress(enum steady_overflow policy, bool varsize)
{
    struct stress st;
    pthread_t t;
    uint64_t got, last = 0;
    char why[160] = "";

    memset(&st, 0, sizeof(st));
    st.n = varsize ? STRESS_ITEMS / 4 : STRESS_ITEMS;
    st.varsize = varsize;
    st.ch = varsize ? dropping_vs(16, 1024, policy) : dropping(16, policy);
    atomic_init(&st.give_up, false);
    assert_int_equal(pthread_create(&t, NULL, producer, &st), 0);
    got = consumer(&st, &last, why, sizeof(why));
    if (why[0])
        atomic_store_explicit(&st.give_up, true, memory_order_relaxed);
    pthread_join(t, NULL);
    if (why[0])
        fail_msg("consumer: %s", why);
    print_message(
        "%s %s: %" PRIu64 " of %" PRIu64 " taken, %" PRIu64 " dropped\n",
        varsize ? "varsize" : "fixed",
        policy == STEADY_OVERFLOW_DROP_OLDEST ? "drop_oldest" : "drop_newest",
        got, st.n, steady_channel_dropped_total(st.ch));
    /* every item was either taken or dropped, and counted so; an item
     * the consumer read (a peek or a borrowed span is a copy) but that the
     * producer dropped before the take counts as dropped */
    assert_int_equal(steady_channel_taken_total(st.ch) +
                         steady_channel_dropped_total(st.ch),
                     st.n);
    assert_true(got >= steady_channel_taken_total(st.ch));
    assert_true(got - steady_channel_taken_total(st.ch) <= st.n / 10);
    assert_int_equal(steady_channel_sent_total(st.ch), st.n);
    /* drop_oldest never drops the newest: the last item arrives */
    if (policy == STEADY_OVERFLOW_DROP_OLDEST)
        assert_int_equal(last, st.n - 1);
    steady_channel_destroy(st.ch);
}

static void test_stress_drop_oldest(void **state)
{
    (void)state;
    run_stress(STEADY_OVERFLOW_DROP_OLDEST, false);
}

static void test_stress_drop_newest(void **state)
{
    (void)state;
    run_stress(STEADY_OVERFLOW_DROP_NEWEST, false);
}

static void test_stress_drop_oldest_varsize(void **state)
{
    (void)state;
    run_stress(STEADY_OVERFLOW_DROP_OLDEST, true);
}

static void test_stress_drop_newest_varsize(void **state)
{
    (void)state;
    run_stress(STEADY_OVERFLOW_DROP_NEWEST, true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_overflow_checks),
        cmocka_unit_test(test_drop_newest_keeps_the_first),
        cmocka_unit_test(test_drop_newest_batches),
        cmocka_unit_test(test_drop_newest_varsize),
        cmocka_unit_test(test_drop_oldest_keeps_the_newest),
        cmocka_unit_test(test_drop_oldest_batches),
        cmocka_unit_test(test_drop_oldest_borrow_read_is_a_copy),
        cmocka_unit_test(test_drop_oldest_peek_msg),
        cmocka_unit_test(test_drop_oldest_varsize_keeps_newest),
        cmocka_unit_test(test_stress_drop_oldest),
        cmocka_unit_test(test_stress_drop_newest),
        cmocka_unit_test(test_stress_drop_oldest_varsize),
        cmocka_unit_test(test_stress_drop_newest_varsize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

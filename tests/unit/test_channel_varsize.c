/* test_channel_varsize.c - unit tests of variable-size message channels
 * (<steady/channel.h>, layout 2): bounds by messages and by bytes, the ring
 * wrapping by skipping its tail, exact fits, messages too big, zero-length
 * messages, reserve and commit, peek and take, close and drain, the wait
 * protocol, the message calls on fixed-size channels, and a two-thread
 * stress with messages of varying sizes whose content is checked.
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
#define STRESS_MSGS 200000u
#else
#define STRESS_MSGS 2000000u
#endif

/* last: cmocka needs setjmp.h, stdarg.h, stddef.h and stdint.h first */
#include <cmocka.h>

/* A side that sees no progress for this long fails instead of hanging. */
#define STALL_NS (10ull * 1000000000ull)

static struct steady_channel *vs_channel(size_t max_msgs, size_t max_bytes)
{
    struct steady_channel *ch =
        steady_channel_create_varsize(max_msgs, max_bytes, "bytes");

    assert_non_null(ch);
    return ch;
}

/* Byte j of message number `seq`: a pattern both sides compute. */
static unsigned char pattern(uint64_t seq, size_t j)
{
    return (unsigned char)(seq * 131u + j * 7u + 1u);
}

static void fill(unsigned char *p, uint64_t seq, size_t len)
{
    for (size_t j = 0; j < len; j++)
        p[j] = pattern(seq, j);
}

static bool matches(const unsigned char *p, uint64_t seq, size_t len)
{
    for (size_t j = 0; j < len; j++)
        if (p[j] != pattern(seq, j))
            return false;
    return true;
}

static bool send_seq(struct steady_channel *ch, uint64_t seq, size_t len)
{
    unsigned char buf[4096];

    assert_true(len <= sizeof(buf));
    fill(buf, seq, len);
    return steady_channel_send_msg(ch, buf, len);
}

/* Takes the next message, checking it is `seq` of `len` bytes. */
static void expect_msg(struct steady_channel *ch, uint64_t seq, size_t len)
{
    size_t got = SIZE_MAX;
    const unsigned char *p = steady_channel_peek_msg(ch, &got);

    assert_non_null(p);
    assert_int_equal(got, len);
    assert_true(matches(p, seq, len));
    steady_channel_take_msg(ch);
}

/* Where a message lies, relative to the byte storage. */
static size_t offset_in_ring(const struct steady_channel *ch, const void *p)
{
    return (size_t)((const unsigned char *)p - ch->slots);
}

static uint64_t clock_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint32_t lcg_next(uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u;
    return *state >> 8;
}

/* ---- creation ---- */

static void test_create_varsize_bounds(void **state)
{
    struct steady_channel *ch;

    (void)state;
    assert_null(steady_channel_create_varsize(0, 100, "bytes"));
    assert_null(steady_channel_create_varsize(4, 0, "bytes"));
    assert_null(steady_channel_create_varsize((size_t)1 << 41, 100, "b"));
    assert_null(steady_channel_create_varsize(4, (size_t)1 << 41, "b"));
    ch = vs_channel(5, 1000);
    assert_true(steady_channel_is_varsize(ch));
    assert_int_equal(steady_channel_capacity(ch), 5);
    assert_int_equal(steady_channel_elem_size(ch), 0); /* STEADY_VARSIZE */
    assert_int_equal(steady_channel_byte_capacity(ch), 1000);
    assert_string_equal(steady_channel_type_name(ch), "bytes");
    assert_int_equal(steady_channel_overflow(ch), STEADY_OVERFLOW_BLOCK);
    /* storage: a power of two of bytes and of message places */
    assert_int_equal(ch->byte_mask + 1, 1024);
    assert_int_equal(ch->mask + 1, 8);
    steady_channel_destroy(ch);

    ch = steady_channel_create(4, 8, "u64");
    assert_false(steady_channel_is_varsize(ch));
    assert_int_equal(steady_channel_byte_capacity(ch), 32);
    steady_channel_destroy(ch);
}

/* ---- one thread ---- */

static void test_send_peek_take(void **state)
{
    struct steady_channel *ch = vs_channel(4, 256);
    const char *p;
    size_t len = 0;

    (void)state;
    assert_null(steady_channel_peek_msg(ch, &len));
    assert_true(steady_channel_send_msg(ch, "hello", 5));
    assert_true(steady_channel_send_msg(ch, "steady world", 12));
    assert_int_equal(steady_channel_avail(ch), 2);
    p = steady_channel_peek_msg(ch, &len);
    assert_non_null(p);
    assert_int_equal(len, 5);
    assert_memory_equal(p, "hello", 5);
    /* a peek does not take: the same message again, in the same place */
    assert_ptr_equal(steady_channel_peek_msg(ch, &len), p);
    assert_int_equal(steady_channel_avail(ch), 2);
    steady_channel_take_msg(ch);
    p = steady_channel_peek_msg(ch, &len);
    assert_int_equal(len, 12);
    assert_memory_equal(p, "steady world", 12);
    steady_channel_take_msg(ch);
    assert_null(steady_channel_peek_msg(ch, &len));
    /* a take on an empty channel does nothing */
    steady_channel_take_msg(ch);
    assert_int_equal(steady_channel_taken_total(ch), 2);
    assert_int_equal(steady_channel_sent_total(ch), 2);
    assert_int_equal(steady_channel_bytes_sent_total(ch), 17);
    steady_channel_destroy(ch);
}

static void test_zero_length_message(void **state)
{
    struct steady_channel *ch = vs_channel(3, 64);
    size_t len = 99;

    (void)state;
    for (int i = 0; i < 3; i++)
        assert_true(steady_channel_send_msg(ch, NULL, 0));
    /* the count bound holds for empty messages too */
    errno = 0;
    assert_false(steady_channel_send_msg(ch, NULL, 0));
    assert_int_equal(errno, EAGAIN);
    assert_int_equal(steady_channel_avail(ch), 3);
    for (int i = 0; i < 3; i++) {
        /* present, so not NULL, however empty */
        assert_non_null(steady_channel_peek_msg(ch, &len));
        assert_int_equal(len, 0);
        steady_channel_take_msg(ch);
    }
    assert_null(steady_channel_peek_msg(ch, &len));
    assert_int_equal(steady_channel_sent_total(ch), 3);
    assert_int_equal(steady_channel_bytes_sent_total(ch), 0);
    steady_channel_destroy(ch);
}

static void test_zero_length_between_others(void **state)
{
    struct steady_channel *ch = vs_channel(8, 64);
    size_t len = 99;
    const char *p;

    (void)state;
    assert_true(steady_channel_send_msg(ch, NULL, 0));
    assert_true(steady_channel_send_msg(ch, "x", 1));
    assert_true(steady_channel_send_msg(ch, NULL, 0));
    assert_int_equal(steady_channel_avail(ch), 3);
    assert_non_null(steady_channel_peek_msg(ch, &len));
    assert_int_equal(len, 0);
    steady_channel_take_msg(ch);
    p = steady_channel_peek_msg(ch, &len);
    assert_int_equal(len, 1);
    assert_int_equal(p[0], 'x');
    steady_channel_take_msg(ch);
    assert_non_null(steady_channel_peek_msg(ch, &len));
    assert_int_equal(len, 0);
    steady_channel_take_msg(ch);
    assert_null(steady_channel_peek_msg(ch, &len));
    assert_int_equal(steady_channel_bytes_sent_total(ch), 1);
    steady_channel_destroy(ch);
}

static void test_too_big_is_refused(void **state)
{
    struct steady_channel *ch = vs_channel(4, 100);
    unsigned char buf[200];

    (void)state;
    memset(buf, 7, sizeof(buf));
    errno = 0;
    assert_false(steady_channel_send_msg(ch, buf, 101));
    assert_int_equal(errno, EMSGSIZE);
    errno = 0;
    assert_null(steady_channel_reserve(ch, 200));
    assert_int_equal(errno, EMSGSIZE);
    /* refused even when empty, and nothing was sent */
    assert_int_equal(steady_channel_avail(ch), 0);
    assert_int_equal(steady_channel_sent_total(ch), 0);
    /* exactly the byte capacity fits an empty channel */
    assert_true(send_seq(ch, 1, 100));
    /* then nothing more fits: that is "no room now", not "too big" */
    errno = 0;
    assert_false(send_seq(ch, 2, 1));
    assert_int_equal(errno, EAGAIN);
    assert_int_equal(steady_channel_vacant_bytes(ch), 0);
    expect_msg(ch, 1, 100);
    assert_int_equal(steady_channel_vacant_bytes(ch), 100);
    steady_channel_destroy(ch);
}

/* Two messages that fill the bytes exactly; the third waits for a take. */
static void test_exact_fit(void **state)
{
    struct steady_channel *ch = vs_channel(8, 128);

    (void)state;
    assert_int_equal(ch->byte_mask + 1, 128);
    assert_true(send_seq(ch, 0, 64));
    assert_int_equal(steady_channel_vacant_bytes(ch), 64);
    assert_true(send_seq(ch, 1, 64));
    assert_int_equal(steady_channel_vacant_bytes(ch), 0);
    assert_int_equal(steady_channel_vacant(ch), 0); /* bytes, on varsize */
    errno = 0;
    assert_false(send_seq(ch, 2, 1));
    assert_int_equal(errno, EAGAIN);
    /* an empty message takes no bytes: a free message place suffices */
    assert_true(send_seq(ch, 2, 0));
    expect_msg(ch, 0, 64);
    expect_msg(ch, 1, 64);
    expect_msg(ch, 2, 0);
    steady_channel_destroy(ch);
}

/* A message that would run past the end of the byte ring starts at its
 * beginning instead: always one contiguous region. */
static void test_wrap_skips_the_tail(void **state)
{
    struct steady_channel *ch = vs_channel(8, 100);
    unsigned char *p;
    size_t len;

    (void)state;
    assert_int_equal(ch->byte_mask + 1, 128);
    assert_true(send_seq(ch, 0, 40)); /* bytes 0..40 */
    assert_true(send_seq(ch, 1, 40)); /* 40..80 */
    /* 80..120 would span 120 > 100 bytes from the oldest */
    assert_false(send_seq(ch, 2, 40));
    assert_int_equal(steady_channel_vacant_bytes(ch), 20);
    expect_msg(ch, 0, 40);
    assert_true(send_seq(ch, 2, 40)); /* 80..120, 80 bytes from 40 */
    expect_msg(ch, 1, 40);
    /* 120 + 40 > 128: skip to the next lap, 128..168; at most 128..180
     * (100 bytes from 80) would fit there, 8 before the lap ends */
    assert_int_equal(steady_channel_vacant_bytes(ch), 52);
    p = steady_channel_reserve(ch, 40);
    assert_non_null(p);
    assert_int_equal(offset_in_ring(ch, p), 0);
    fill(p, 3, 40);
    steady_channel_commit_reserved(ch, 40);
    p = (unsigned char *)steady_channel_peek_msg(ch, &len);
    assert_int_equal(offset_in_ring(ch, p), 80);
    expect_msg(ch, 2, 40);
    p = (unsigned char *)steady_channel_peek_msg(ch, &len);
    assert_int_equal(offset_in_ring(ch, p), 0);
    expect_msg(ch, 3, 40);
    assert_null(steady_channel_peek_msg(ch, &len));
    steady_channel_destroy(ch);
}

static void test_message_count_bound(void **state)
{
    struct steady_channel *ch = vs_channel(3, 1000);

    (void)state;
    for (uint64_t i = 0; i < 3; i++)
        assert_true(send_seq(ch, i, 10));
    assert_int_equal(steady_channel_vacant_bytes(ch), 0);
    errno = 0;
    assert_false(send_seq(ch, 3, 10));
    assert_int_equal(errno, EAGAIN);
    assert_null(steady_channel_reserve(ch, 1));
    assert_int_equal(steady_channel_avail(ch), 3);
    expect_msg(ch, 0, 10);
    assert_true(send_seq(ch, 3, 10));
    for (uint64_t i = 1; i < 4; i++)
        expect_msg(ch, i, 10);
    steady_channel_destroy(ch);
}

static void test_reserve_commit_shorter(void **state)
{
    struct steady_channel *ch = vs_channel(4, 256);
    unsigned char *p, *q;
    size_t len;

    (void)state;
    p = steady_channel_reserve(ch, 50);
    assert_non_null(p);
    /* nothing is visible before the commit */
    assert_int_equal(steady_channel_avail(ch), 0);
    assert_null(steady_channel_peek_msg(ch, &len));
    fill(p, 9, 10);
    steady_channel_commit_reserved(ch, 10);
    /* a second commit without a reservation does nothing */
    steady_channel_commit_reserved(ch, 10);
    assert_int_equal(steady_channel_avail(ch), 1);
    /* the next message starts after the 10 bytes, 8-byte aligned */
    q = steady_channel_reserve(ch, 5);
    assert_int_equal(offset_in_ring(ch, q), 16);
    /* a commit longer than the reservation is cut to it */
    memcpy(q, "abcde", 5);
    steady_channel_commit_reserved(ch, 500);
    expect_msg(ch, 9, 10);
    q = (unsigned char *)steady_channel_peek_msg(ch, &len);
    assert_int_equal(len, 5);
    assert_memory_equal(q, "abcde", 5);
    assert_int_equal(steady_channel_bytes_sent_total(ch), 15);
    steady_channel_destroy(ch);
}

static void test_messages_are_aligned(void **state)
{
    struct steady_channel *ch = vs_channel(64, 4096);
    size_t len;

    (void)state;
    for (uint64_t i = 0; i < 40; i++)
        assert_true(send_seq(ch, i, (size_t)(i * 3 % 17)));
    for (uint64_t i = 0; i < 40; i++) {
        const void *p = steady_channel_peek_msg(ch, &len);

        assert_int_equal((uintptr_t)p % 8, 0);
        expect_msg(ch, i, (size_t)(i * 3 % 17));
    }
    steady_channel_destroy(ch);
}

/* Fixed-size calls fail on a varsize channel; the counts mean messages
 * (avail) and bytes (vacant). */
static void test_fixed_calls_fail_on_varsize(void **state)
{
    struct steady_channel *ch = vs_channel(4, 64);
    struct steady_span s[2];
    uint64_t v = 1, buf[4];

    (void)state;
    assert_false(steady_channel_try_send(ch, &v));
    assert_int_equal(steady_channel_send_many(ch, buf, 2), 0);
    assert_int_equal(steady_channel_borrow_write(ch, s, 2), 0);
    assert_int_equal(s[0].n + s[1].n, 0);
    steady_channel_commit_send(ch, 2); /* nothing borrowed: nothing sent */
    assert_int_equal(steady_channel_avail(ch), 0);
    assert_int_equal(steady_channel_vacant(ch), 64);
    assert_true(steady_channel_send_msg(ch, &v, 8));
    assert_false(steady_channel_try_take(ch, &v));
    assert_false(steady_channel_try_peek(ch, &v));
    assert_int_equal(steady_channel_take_many(ch, buf, 4), 0);
    assert_int_equal(steady_channel_borrow_read(ch, s, 4), 0);
    steady_channel_commit_take(ch, 1);
    assert_int_equal(steady_channel_avail(ch), 1);
    assert_memory_equal(steady_channel_peek_msg(ch, NULL), &v, 8);
    steady_channel_destroy(ch);
}

/* The message calls on a fixed-size channel: a message is one item. */
static void test_message_calls_on_fixed(void **state)
{
    struct steady_channel *ch = steady_channel_create(2, 8, "u64");
    uint64_t v = 42, w = 0;
    const uint64_t *p;
    uint64_t *slot;
    size_t len = 0;

    (void)state;
    errno = 0;
    assert_false(steady_channel_send_msg(ch, &v, 4));
    assert_int_equal(errno, EMSGSIZE);
    assert_null(steady_channel_reserve(ch, 9));
    assert_int_equal(errno, EMSGSIZE);
    assert_int_equal(steady_channel_vacant_bytes(ch), 8);
    assert_true(steady_channel_send_msg(ch, &v, 8));
    slot = steady_channel_reserve(ch, 8);
    assert_non_null(slot);
    *slot = 43;
    steady_channel_commit_reserved(ch, 8);
    errno = 0;
    assert_null(steady_channel_reserve(ch, 8));
    assert_int_equal(errno, EAGAIN);
    assert_int_equal(steady_channel_vacant_bytes(ch), 0);
    p = steady_channel_peek_msg(ch, &len);
    assert_int_equal(len, 8);
    assert_int_equal(*p, 42);
    steady_channel_take_msg(ch);
    assert_true(steady_channel_try_take(ch, &w));
    assert_int_equal(w, 43);
    assert_null(steady_channel_peek_msg(ch, &len));
    assert_int_equal(steady_channel_bytes_sent_total(ch), 16);
    steady_channel_destroy(ch);
}

static void test_close_and_drain(void **state)
{
    struct steady_channel *ch = vs_channel(8, 256);

    (void)state;
    for (uint64_t i = 0; i < 3; i++)
        assert_true(send_seq(ch, i, 20));
    steady_channel_close(ch);
    assert_true(steady_channel_is_closed(ch));
    assert_int_equal(channel_poll_avail(ch, 1), CHANNEL_MET);
    /* 5 messages will never come: settled, with 3 still to drain */
    assert_int_equal(channel_poll_avail(ch, 5), CHANNEL_SETTLED);
    for (uint64_t i = 0; i < 3; i++) {
        assert_false(steady_channel_is_closed_and_empty(ch));
        expect_msg(ch, i, 20);
    }
    assert_true(steady_channel_is_closed_and_empty(ch));
    assert_int_equal(channel_poll_avail(ch, 1), CHANNEL_SETTLED);
    steady_channel_destroy(ch);
}

/* vacant(n) on a varsize channel: a message of n bytes fits now. */
static void test_poll_vacant_counts_bytes(void **state)
{
    struct steady_channel *ch = vs_channel(8, 100);

    (void)state;
    assert_int_equal(channel_poll_vacant(ch, 100), CHANNEL_MET);
    /* more than can ever fit counts as the most that can */
    assert_int_equal(channel_poll_vacant(ch, 5000), CHANNEL_MET);
    assert_true(send_seq(ch, 0, 60));
    /* the next message starts at 64 (8-byte aligned) */
    assert_int_equal(steady_channel_vacant_bytes(ch), 36);
    assert_int_equal(channel_poll_vacant(ch, 36), CHANNEL_MET);
    assert_int_equal(channel_poll_vacant(ch, 37), CHANNEL_UNMET);
    assert_int_equal(channel_poll_vacant(ch, 5000), CHANNEL_UNMET);
    channel_mark_rx_gone(ch);
    assert_int_equal(channel_poll_vacant(ch, 37), CHANNEL_SETTLED);
    steady_channel_destroy(ch);
}

/* The consumer wakes a producer that sleeps for n bytes only once a
 * message of n bytes fits; the producer wakes a consumer that sleeps for
 * n messages at the n-th. */
static void test_wake_protocol(void **state)
{
    struct steady_channel *ch = vs_channel(8, 128);
    struct waker rx, tx;

    (void)state;
    waker_init(&rx);
    waker_init(&tx);
    channel_bind_rx(ch, &rx);
    channel_bind_tx(ch, &tx);

    assert_true(channel_arm_avail(ch, 2, &rx));
    assert_true(send_seq(ch, 0, 30));
    assert_int_equal(waker_seq(&rx), 0);
    assert_true(send_seq(ch, 1, 30));
    assert_int_equal(waker_seq(&rx), 1);
    assert_true(send_seq(ch, 2, 30));
    assert_true(send_seq(ch, 3, 30)); /* 4 x 32 (aligned) = 128 */
    assert_int_equal(waker_seq(&rx), 1);

    /* the producer waits for 64 bytes: one take frees 32, two free 64 */
    assert_int_equal(channel_poll_vacant(ch, 64), CHANNEL_UNMET);
    assert_true(channel_arm_vacant(ch, 64, &tx));
    expect_msg(ch, 0, 30);
    assert_int_equal(waker_seq(&tx), 0);
    expect_msg(ch, 1, 30);
    assert_int_equal(waker_seq(&tx), 1);
    assert_int_equal(atomic_load(&ch->tx_want), 0);
    assert_int_equal(channel_poll_vacant(ch, 64), CHANNEL_MET);

    /* a message the ring tail cannot hold: the wake waits for a lap */
    assert_true(send_seq(ch, 4, 60)); /* 128..188 */
    assert_true(channel_arm_vacant(ch, 60, &tx));
    expect_msg(ch, 2, 30);
    assert_int_equal(waker_seq(&tx), 1);
    expect_msg(ch, 3, 30);
    assert_int_equal(waker_seq(&tx), 2);
    channel_disarm_vacant(ch);
    expect_msg(ch, 4, 60);
    steady_channel_destroy(ch);
}

/* Many sizes on one thread, across many laps of the byte ring, with the
 * channel kept between half full and full. */
static void test_wrap_many_sizes(void **state)
{
    struct steady_channel *ch = vs_channel(16, 1000);
    uint32_t seed = 7;
    uint64_t sent = 0, taken = 0, bytes = 0;
    size_t lens[64];

    (void)state;
    while (taken < 20000) {
        size_t len = lcg_next(&seed) % 4 == 0 ? lcg_next(&seed) % 1001
                                              : lcg_next(&seed) % 120;

        while (sent < 20000 && send_seq(ch, sent, len)) {
            lens[sent % 64] = len;
            bytes += len;
            sent++;
            len = lcg_next(&seed) % 300;
        }
        assert_true(sent - taken <= 16);
        for (unsigned k = lcg_next(&seed) % 4 + 1; k && taken < sent; k--) {
            expect_msg(ch, taken, lens[taken % 64]);
            taken++;
        }
    }
    assert_int_equal(steady_channel_bytes_sent_total(ch), bytes);
    assert_int_equal(steady_channel_sent_total(ch), 20000);
    steady_channel_destroy(ch);
}

/* ---- two threads ---- */

struct stress {
    struct steady_channel *ch;
    uint64_t n;
    size_t max_len;
    uint64_t bytes;      /* the producer's total, read after the join */
    const char *failure; /* the producer's */
    _Atomic bool give_up;
};

static size_t stress_len(uint64_t seq, size_t max_len)
{
    uint64_t x = seq * 2654435761u;

    /* mostly small, some large, now and then the largest and empty */
    if (seq % 97 == 0)
        return max_len;
    if (seq % 89 == 0)
        return 0;
    return (size_t)(x % 8 == 0 ? (x >> 8) % (max_len + 1) : (x >> 8) % 64);
}

static bool stalled(uint64_t *since, unsigned *polls)
{
    if ((*polls)++ == 0)
        *since = clock_ns();
    else if (*polls % 256 == 0 && clock_ns() - *since > STALL_NS)
        return true;
    sched_yield();
    return false;
}

/* Sends by copy and by reserve/commit in turn; some reservations are
 * larger than what is committed. */
static void *stress_producer(void *arg)
{
    struct stress *st = arg;
    unsigned char buf[4096];
    uint64_t since = 0;
    unsigned polls = 0;

    for (uint64_t seq = 0; seq < st->n;) {
        size_t len = stress_len(seq, st->max_len);
        bool ok;

        if (seq % 3 == 0) {
            fill(buf, seq, len);
            ok = steady_channel_send_msg(st->ch, buf, len);
        } else {
            size_t extra = seq % 3 == 1 && len < st->max_len ? 1 : 0;
            unsigned char *p = steady_channel_reserve(st->ch, len + extra);

            ok = p != NULL;
            if (ok) {
                fill(p, seq, len);
                steady_channel_commit_reserved(st->ch, len);
            }
        }
        if (ok) {
            st->bytes += len;
            seq++;
            polls = 0;
            continue;
        }
        if (errno != EAGAIN) {
            st->failure = "producer: a send failed other than EAGAIN";
            break;
        }
        if (atomic_load_explicit(&st->give_up, memory_order_relaxed)) {
            st->failure = "producer: the consumer gave up";
            break;
        }
        if (stalled(&since, &polls)) {
            st->failure = "producer: no room for 10 s";
            break;
        }
    }
    steady_channel_close(st->ch);
    return NULL;
}

static void test_stress_varying_sizes(void **state)
{
    struct stress st;
    pthread_t producer;
    uint64_t seq = 0, since = 0, bytes = 0;
    unsigned polls = 0;
    char why[160] = "";

    (void)state;
    memset(&st, 0, sizeof(st));
    st.n = STRESS_MSGS;
    st.max_len = 1500;
    /* room for a few messages only: the ring wraps all the time */
    st.ch = vs_channel(32, 4000);
    atomic_init(&st.give_up, false);
    assert_int_equal(pthread_create(&producer, NULL, stress_producer, &st), 0);
    for (;;) {
        size_t len = SIZE_MAX;
        const unsigned char *p = steady_channel_peek_msg(st.ch, &len);

        if (!p) {
            if (steady_channel_is_closed_and_empty(st.ch))
                break;
            if (stalled(&since, &polls)) {
                snprintf(why, sizeof(why), "no message for 10 s after %" PRIu64,
                         seq);
                break;
            }
            continue;
        }
        polls = 0;
        if (len != stress_len(seq, st.max_len) || !matches(p, seq, len) ||
            (uintptr_t)p % 8) {
            snprintf(why, sizeof(why), "message %" PRIu64 " (%zu bytes) wrong",
                     seq, len);
            break;
        }
        bytes += len;
        seq++;
        steady_channel_take_msg(st.ch);
    }
    if (why[0])
        atomic_store_explicit(&st.give_up, true, memory_order_relaxed);
    pthread_join(producer, NULL);
    if (why[0])
        fail_msg("consumer: %s", why);
    if (st.failure)
        fail_msg("%s", st.failure);
    assert_int_equal(seq, st.n);
    assert_int_equal(bytes, st.bytes);
    assert_int_equal(steady_channel_bytes_sent_total(st.ch), st.bytes);
    assert_int_equal(steady_channel_taken_total(st.ch), st.n);
    steady_channel_destroy(st.ch);
}

/* A producer that sleeps for room is woken by the consumer's takes (the
 * wake check reading btail and message places from the other thread). */
struct sleeper {
    struct steady_channel *ch;
    struct waker w;
    uint64_t n;
    const char *failure;
};

static void *sleeping_producer(void *arg)
{
    struct sleeper *sp = arg;
    unsigned char buf[512];

    for (uint64_t seq = 0; seq < sp->n;) {
        size_t len = stress_len(seq, 500);
        uint64_t deadline = clock_ns() + STALL_NS;

        fill(buf, seq, len);
        while (channel_poll_vacant(sp->ch, len) != CHANNEL_MET) {
            uint32_t seen = waker_seq(&sp->w);

            if (channel_arm_vacant(sp->ch, len, &sp->w))
                wake_fence_heavy();
            if (channel_poll_vacant(sp->ch, len) == CHANNEL_MET)
                break;
            if (clock_ns() > deadline) {
                sp->failure = "producer: not woken for 10 s";
                steady_channel_close(sp->ch);
                return NULL;
            }
            waker_wait(&sp->w, seen, deadline);
        }
        channel_disarm_vacant(sp->ch);
        if (!steady_channel_send_msg(sp->ch, buf, len)) {
            sp->failure = "producer: room was met but the send failed";
            break;
        }
        seq++;
    }
    steady_channel_close(sp->ch);
    return NULL;
}

static void test_stress_sleeping_producer(void **state)
{
    struct sleeper sp;
    struct waker rx;
    pthread_t producer;
    uint64_t seq = 0;
    char why[160] = "";

    (void)state;
    memset(&sp, 0, sizeof(sp));
    sp.n = STRESS_MSGS / 20;
    sp.ch = vs_channel(4, 600);
    waker_init(&sp.w);
    waker_init(&rx);
    channel_bind_tx(sp.ch, &sp.w);
    channel_bind_rx(sp.ch, &rx);
    assert_int_equal(pthread_create(&producer, NULL, sleeping_producer, &sp),
                     0);
    for (;;) {
        size_t len;
        const unsigned char *p;
        uint64_t deadline = clock_ns() + STALL_NS;

        /* the consumer sleeps too, for one message */
        while (channel_poll_avail(sp.ch, 1) == CHANNEL_UNMET) {
            uint32_t seen = waker_seq(&rx);

            if (channel_arm_avail(sp.ch, 1, &rx))
                wake_fence_heavy();
            if (channel_poll_avail(sp.ch, 1) != CHANNEL_UNMET)
                break;
            if (clock_ns() > deadline) {
                snprintf(why, sizeof(why), "consumer not woken after %" PRIu64,
                         seq);
                break;
            }
            waker_wait(&rx, seen, deadline);
        }
        channel_disarm_avail(sp.ch);
        if (why[0])
            break;
        p = steady_channel_peek_msg(sp.ch, &len);
        if (!p)
            break; /* closed and drained */
        if (len != stress_len(seq, 500) || !matches(p, seq, len)) {
            snprintf(why, sizeof(why), "message %" PRIu64 " wrong", seq);
            break;
        }
        steady_channel_take_msg(sp.ch);
        seq++;
    }
    pthread_join(producer, NULL);
    if (why[0])
        fail_msg("%s", why);
    if (sp.failure)
        fail_msg("%s", sp.failure);
    assert_int_equal(seq, sp.n);
    steady_channel_destroy(sp.ch);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_varsize_bounds),
        cmocka_unit_test(test_send_peek_take),
        cmocka_unit_test(test_zero_length_message),
        cmocka_unit_test(test_zero_length_between_others),
        cmocka_unit_test(test_too_big_is_refused),
        cmocka_unit_test(test_exact_fit),
        cmocka_unit_test(test_wrap_skips_the_tail),
        cmocka_unit_test(test_message_count_bound),
        cmocka_unit_test(test_reserve_commit_shorter),
        cmocka_unit_test(test_messages_are_aligned),
        cmocka_unit_test(test_fixed_calls_fail_on_varsize),
        cmocka_unit_test(test_message_calls_on_fixed),
        cmocka_unit_test(test_close_and_drain),
        cmocka_unit_test(test_poll_vacant_counts_bytes),
        cmocka_unit_test(test_wake_protocol),
        cmocka_unit_test(test_wrap_many_sizes),
        cmocka_unit_test(test_stress_varying_sizes),
        cmocka_unit_test(test_stress_sleeping_producer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_channel.c - unit tests of the SPSC ring of <steady/channel.h>: the
 * single-item, batch and zero-copy calls on one thread (with white-box checks
 * of the storage), then producer/consumer stress on two threads.
 */
#include "channel_impl.h"

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

/* Sanitized builds run the stress tests with fewer items. */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define STRESS_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#ifndef STRESS_SANITIZED
#define STRESS_SANITIZED 1
#endif
#endif
#ifdef STRESS_SANITIZED
#define STRESS_DEFAULT_ITEMS 2000000u
#else
#define STRESS_DEFAULT_ITEMS 20000000u
#endif

/* last: cmocka needs setjmp.h, stdarg.h, stddef.h and stdint.h first */
#include <cmocka.h>

/* A side that sees no progress for this long fails instead of hanging. */
#define STALL_NS (10ull * 1000000000ull)

static struct steady_channel *u64_channel(size_t capacity)
{
    struct steady_channel *ch =
        steady_channel_create(capacity, sizeof(uint64_t), "u64");

    assert_non_null(ch);
    return ch;
}

/* Number of slots the ring really allocated (a power of two). */
static size_t storage_slots(const struct steady_channel *ch)
{
    return ch->mask + 1;
}

static uint64_t take_u64(struct steady_channel *ch)
{
    uint64_t v = UINT64_MAX;

    assert_true(steady_channel_try_take(ch, &v));
    return v;
}

/* Fixed-seed generator for batch sizes: the same run every time. */
static uint32_t lcg_next(uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u;
    return *state >> 8;
}

static uint64_t clock_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- create / destroy ---- */

static void test_create_rejects_zero(void **state)
{
    (void)state;
    assert_null(steady_channel_create(0, 8, "u64"));
    assert_null(steady_channel_create(4, 0, "u64"));
    assert_null(steady_channel_create(0, 0, "u64"));
}

static void test_create_capacity_one(void **state)
{
    struct steady_channel *ch = u64_channel(1);
    uint64_t v = 7;

    (void)state;
    assert_int_equal(steady_channel_capacity(ch), 1);
    assert_int_equal(steady_channel_vacant(ch), 1);
    assert_true(steady_channel_try_send(ch, &v));
    v = 8;
    assert_false(steady_channel_try_send(ch, &v));
    assert_int_equal(steady_channel_vacant(ch), 0);
    assert_int_equal(steady_channel_avail(ch), 1);
    assert_int_equal(take_u64(ch), 7);
    assert_false(steady_channel_try_take(ch, &v));
    /* one at a time, many times: the single slot is reused */
    for (uint64_t i = 0; i < 100; i++) {
        assert_true(steady_channel_try_send(ch, &i));
        assert_false(steady_channel_try_send(ch, &i));
        assert_int_equal(take_u64(ch), i);
    }
    steady_channel_destroy(ch);
}

static void test_create_odd_capacities(void **state)
{
    static const size_t caps[] = { 3, 5, 1000 };
    static const size_t slots[] = { 4, 8, 1024 };

    (void)state;
    for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
        struct steady_channel *ch = u64_channel(caps[c]);
        uint64_t v;

        assert_int_equal(steady_channel_capacity(ch), caps[c]);
        assert_int_equal(storage_slots(ch), slots[c]);
        /* twice: the second time the positions no longer start at 0 */
        for (int round = 0; round < 2; round++) {
            for (uint64_t i = 0; i < caps[c]; i++)
                assert_true(steady_channel_try_send(ch, &i));
            v = 0;
            assert_false(steady_channel_try_send(ch, &v));
            assert_int_equal(steady_channel_avail(ch), caps[c]);
            assert_int_equal(steady_channel_vacant(ch), 0);
            for (uint64_t i = 0; i < caps[c]; i++)
                assert_int_equal(take_u64(ch), i);
            assert_false(steady_channel_try_take(ch, &v));
        }
        steady_channel_destroy(ch);
    }
}

static void test_create_reports_type(void **state)
{
    char name[] = "struct sample";
    struct steady_channel *ch = steady_channel_create(10, 24, name);

    (void)state;
    assert_non_null(ch);
    assert_int_equal(steady_channel_capacity(ch), 10);
    assert_int_equal(steady_channel_elem_size(ch), 24);
    /* the name is copied, not borrowed */
    name[0] = 'X';
    assert_string_equal(steady_channel_type_name(ch), "struct sample");
    steady_channel_destroy(ch);
}

static void test_destroy_null(void **state)
{
    (void)state;
    steady_channel_destroy(NULL);
}

/* ---- empty and full ---- */

static void test_try_take_empty(void **state)
{
    struct steady_channel *ch = u64_channel(6);
    struct steady_span spans[2];
    uint64_t v = 42;
    uint64_t buf[4];

    (void)state;
    assert_false(steady_channel_try_take(ch, &v));
    assert_false(steady_channel_try_peek(ch, &v));
    assert_int_equal(v, 42); /* untouched */
    assert_int_equal(steady_channel_avail(ch), 0);
    assert_int_equal(steady_channel_vacant(ch), 6);
    assert_int_equal(steady_channel_take_many(ch, buf, 4), 0);
    assert_int_equal(steady_channel_borrow_read(ch, spans, 4), 0);
    assert_int_equal(spans[0].n + spans[1].n, 0);
    assert_false(steady_channel_is_closed(ch));
    assert_false(steady_channel_is_closed_and_empty(ch));

    /* empty again after a send and a take */
    assert_true(steady_channel_try_send(ch, &v));
    assert_int_equal(take_u64(ch), 42);
    assert_false(steady_channel_try_take(ch, &v));
    assert_false(steady_channel_try_peek(ch, &v));
    assert_int_equal(steady_channel_avail(ch), 0);
    assert_int_equal(steady_channel_vacant(ch), 6);
    steady_channel_destroy(ch);
}

static void check_full(size_t cap)
{
    struct steady_channel *ch = u64_channel(cap);
    struct steady_span spans[2];
    uint64_t v = 999;

    for (uint64_t i = 0; i < cap; i++) {
        assert_int_equal(steady_channel_vacant(ch), cap - i);
        assert_true(steady_channel_try_send(ch, &i));
    }
    assert_false(steady_channel_try_send(ch, &v));
    assert_int_equal(steady_channel_vacant(ch), 0);
    assert_int_equal(steady_channel_avail(ch), cap);
    assert_int_equal(steady_channel_send_many(ch, &v, 1), 0);
    assert_int_equal(steady_channel_borrow_write(ch, spans, 4), 0);
    assert_int_equal(spans[0].n + spans[1].n, 0);

    assert_int_equal(take_u64(ch), 0);
    assert_int_equal(steady_channel_vacant(ch), 1);
    assert_true(steady_channel_try_send(ch, &v));
    assert_false(steady_channel_try_send(ch, &v));
    for (uint64_t i = 1; i < cap; i++)
        assert_int_equal(take_u64(ch), i);
    assert_int_equal(take_u64(ch), 999);
    assert_false(steady_channel_try_take(ch, &v));
    steady_channel_destroy(ch);
}

static void test_try_send_full(void **state)
{
    (void)state;
    check_full(5);
    check_full(8);
    check_full(1);
}

/* ---- FIFO across many wraps ---- */

/* Irregular fill/drain rounds against a model of the queue, trying more than
 * fits and more than there is. */
static void check_fifo_rounds(size_t cap, unsigned rounds)
{
    struct steady_channel *ch = u64_channel(cap);
    uint64_t next_send = 0;
    uint64_t next_take = 0;
    uint32_t seed = 0x5eed0000u + (uint32_t)cap;
    uint64_t v;

    for (unsigned r = 0; r < rounds; r++) {
        size_t sends = lcg_next(&seed) % (cap + 2);
        size_t takes = lcg_next(&seed) % (cap + 2);

        for (size_t i = 0; i < sends; i++) {
            bool room = next_send - next_take < cap;

            assert_int_equal(steady_channel_try_send(ch, &next_send), room);
            if (room)
                next_send++;
        }
        assert_int_equal(steady_channel_avail(ch), next_send - next_take);
        assert_int_equal(steady_channel_vacant(ch),
                         cap - (next_send - next_take));
        for (size_t i = 0; i < takes; i++) {
            bool any = next_take < next_send;

            v = UINT64_MAX;
            assert_int_equal(steady_channel_try_take(ch, &v), any);
            if (any)
                assert_int_equal(v, next_take++);
        }
    }
    /* many trips around the storage, not just the first lap */
    assert_true(next_send > 50 * storage_slots(ch));
    while (next_take < next_send)
        assert_int_equal(take_u64(ch), next_take++);
    assert_false(steady_channel_try_take(ch, &v));
    steady_channel_destroy(ch);
}

static void test_try_take_fifo_wraps(void **state)
{
    (void)state;
    check_fifo_rounds(5, 2000);
    check_fifo_rounds(7, 2000);
    check_fifo_rounds(8, 2000);
}

/* ---- peek ---- */

static void test_try_peek_does_not_take(void **state)
{
    struct steady_channel *ch = u64_channel(3);
    uint64_t v;

    (void)state;
    /* several laps so the peeked slot is not always slot 0 */
    for (uint64_t i = 0; i < 20; i++) {
        uint64_t a = 10 * i;
        uint64_t b = 10 * i + 1;

        assert_true(steady_channel_try_send(ch, &a));
        assert_true(steady_channel_try_send(ch, &b));
        v = 0;
        assert_true(steady_channel_try_peek(ch, &v));
        assert_int_equal(v, a);
        assert_true(steady_channel_try_peek(ch, &v));
        assert_int_equal(v, a);
        assert_int_equal(steady_channel_avail(ch), 2);
        assert_int_equal(steady_channel_taken_total(ch), 2 * i);
        assert_int_equal(take_u64(ch), a);
        assert_true(steady_channel_try_peek(ch, &v));
        assert_int_equal(v, b);
        assert_int_equal(take_u64(ch), b);
        assert_false(steady_channel_try_peek(ch, &v));
    }
    steady_channel_destroy(ch);
}

/* ---- element sizes ---- */

static void pattern(unsigned char *p, size_t size, uint64_t index)
{
    for (size_t j = 0; j < size; j++)
        p[j] = (unsigned char)(index * 131u + j * 17u + size);
}

/* Items of `size` bytes come out byte-exactly, and a send writes its own
 * slot and nothing else. */
static void check_elem_size(size_t size)
{
    struct steady_channel *ch = steady_channel_create(5, size, "bytes");
    size_t bytes;
    unsigned char item[64];
    unsigned char want[64];
    unsigned char batch[5 * 64];
    uint64_t next_send = 0;
    uint64_t next_take = 0;

    assert_non_null(ch);
    assert_int_equal(steady_channel_elem_size(ch), size);
    bytes = storage_slots(ch) * size;
    memset(ch->slots, 0xa5, bytes);
    pattern(item, size, next_send++);
    assert_true(steady_channel_try_send(ch, item));
    assert_memory_equal(ch->slots, item, size);
    for (size_t j = size; j < bytes; j++)
        assert_int_equal(ch->slots[j], 0xa5);

    for (int round = 0; round < 40; round++) {
        size_t n = steady_channel_vacant(ch);

        /* alternate single sends and send_many */
        if (round % 2) {
            for (size_t i = 0; i < n; i++)
                pattern(batch + i * size, size, next_send + i);
            assert_int_equal(steady_channel_send_many(ch, batch, n), n);
            next_send += n;
        } else {
            for (size_t i = 0; i < n; i++) {
                pattern(item, size, next_send++);
                assert_true(steady_channel_try_send(ch, item));
            }
        }
        /* drain all but round % 3 items, alternating take and take_many */
        n = (size_t)(next_send - next_take) - (size_t)(round % 3);
        if (round % 4 < 2) {
            for (size_t i = 0; i < n; i++) {
                memset(item, 0, sizeof(item));
                assert_true(steady_channel_try_take(ch, item));
                pattern(want, size, next_take++);
                assert_memory_equal(item, want, size);
            }
        } else {
            assert_int_equal(steady_channel_take_many(ch, batch, n), n);
            for (size_t i = 0; i < n; i++) {
                pattern(want, size, next_take++);
                assert_memory_equal(batch + i * size, want, size);
            }
        }
    }
    assert_true(next_send > 10 * storage_slots(ch));
    steady_channel_destroy(ch);
}

static void test_try_send_elem_sizes(void **state)
{
    (void)state;
    check_elem_size(1);
    check_elem_size(3);
    check_elem_size(8);
    check_elem_size(16);
    check_elem_size(24);
}

struct sample {
    double x;
    double y;
    uint64_t id;
};

struct pair16 {
    uint64_t seq;
    uint32_t lo;
    uint32_t hi;
};

static void test_try_send_structs(void **state)
{
    struct steady_channel *c24 =
        steady_channel_create(3, sizeof(struct sample), "struct sample");
    struct steady_channel *c16 =
        steady_channel_create(3, sizeof(struct pair16), "struct pair16");

    (void)state;
    assert_non_null(c24);
    assert_non_null(c16);
    assert_int_equal(sizeof(struct sample), 24);
    assert_int_equal(sizeof(struct pair16), 16);
    for (uint64_t i = 0; i < 50; i++) {
        struct sample s = { .x = 0.5 * (double)i,
                            .y = -1.0 / (double)(i + 1),
                            .id = i * 0x0101010101010101ull };
        struct pair16 p = { .seq = i,
                            .lo = (uint32_t)(i * 3),
                            .hi = ~(uint32_t)i };
        struct sample s_out;
        struct pair16 p_out;

        assert_true(steady_channel_try_send(c24, &s));
        assert_true(steady_channel_try_send(c16, &p));
        memset(&s_out, 0, sizeof(s_out));
        memset(&p_out, 0, sizeof(p_out));
        assert_true(steady_channel_try_take(c24, &s_out));
        assert_true(steady_channel_try_take(c16, &p_out));
        assert_memory_equal(&s_out, &s, sizeof(s));
        assert_memory_equal(&p_out, &p, sizeof(p));
        assert_true(s_out.x == s.x && s_out.y == s.y);
        assert_int_equal(s_out.id, s.id);
        assert_int_equal(p_out.seq, i);
        assert_int_equal(p_out.hi, ~(uint32_t)i);
    }
    steady_channel_destroy(c24);
    steady_channel_destroy(c16);
}

/* ---- close ---- */

static void test_close_drains_first(void **state)
{
    struct steady_channel *ch = u64_channel(5);
    uint64_t v;

    (void)state;
    for (uint64_t i = 0; i < 3; i++)
        assert_true(steady_channel_try_send(ch, &i));
    assert_false(steady_channel_is_closed(ch));
    steady_channel_close(ch);
    assert_true(steady_channel_is_closed(ch));
    assert_false(steady_channel_is_closed_and_empty(ch));
    assert_int_equal(take_u64(ch), 0);
    assert_false(steady_channel_is_closed_and_empty(ch));
    assert_int_equal(take_u64(ch), 1);
    assert_false(steady_channel_is_closed_and_empty(ch));
    assert_int_equal(take_u64(ch), 2);
    assert_true(steady_channel_is_closed_and_empty(ch));
    assert_false(steady_channel_try_take(ch, &v));
    /* a second close changes nothing */
    steady_channel_close(ch);
    assert_true(steady_channel_is_closed(ch));
    assert_true(steady_channel_is_closed_and_empty(ch));
    steady_channel_destroy(ch);
}

static void test_close_empty(void **state)
{
    struct steady_channel *ch = u64_channel(4);

    (void)state;
    assert_false(steady_channel_is_closed_and_empty(ch));
    steady_channel_close(ch);
    assert_true(steady_channel_is_closed(ch));
    assert_true(steady_channel_is_closed_and_empty(ch));
    steady_channel_destroy(ch);
}

static void test_close_full_after_wrap(void **state)
{
    struct steady_channel *ch = u64_channel(5);
    uint64_t buf[5];

    (void)state;
    /* move the positions past the end of the storage, then fill up */
    for (uint64_t i = 0; i < 6; i++) {
        assert_true(steady_channel_try_send(ch, &i));
        assert_int_equal(take_u64(ch), i);
    }
    for (uint64_t i = 0; i < 5; i++)
        assert_true(steady_channel_try_send(ch, &i));
    steady_channel_close(ch);
    assert_false(steady_channel_is_closed_and_empty(ch));
    assert_int_equal(steady_channel_take_many(ch, buf, 5), 5);
    for (uint64_t i = 0; i < 5; i++)
        assert_int_equal(buf[i], i);
    assert_true(steady_channel_is_closed_and_empty(ch));
    steady_channel_destroy(ch);
}

/* ---- send_many / take_many ---- */

static void test_send_many_partial(void **state)
{
    struct steady_channel *ch = u64_channel(5);
    uint64_t in[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };
    uint64_t out[10];

    (void)state;
    assert_int_equal(steady_channel_send_many(ch, in, 8), 5);
    assert_int_equal(steady_channel_send_many(ch, in + 5, 3), 0);
    assert_int_equal(steady_channel_take_many(ch, out, 2), 2);
    assert_int_equal(out[0], 0);
    assert_int_equal(out[1], 1);
    /* room for two; the ring's storage (8 slots) is not yet crossed */
    assert_int_equal(steady_channel_send_many(ch, in + 5, 3), 2);
    memset(out, 0, sizeof(out));
    assert_int_equal(steady_channel_take_many(ch, out, 10), 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(out[i], 2 + i);
    assert_int_equal(steady_channel_take_many(ch, out, 10), 0);
    assert_int_equal(steady_channel_send_many(ch, in, 0), 0);
    assert_int_equal(steady_channel_avail(ch), 0);
    steady_channel_destroy(ch);
}

/* Batches of irregular sizes against a model; the batches straddle the end
 * of the storage in most rounds. */
static void check_many_rounds(size_t cap)
{
    struct steady_channel *ch = u64_channel(cap);
    uint64_t in[32];
    uint64_t out[32];
    uint64_t next_send = 0;
    uint64_t next_take = 0;
    uint32_t seed = 77u + (uint32_t)cap;

    assert_true(cap < 32);
    for (int r = 0; r < 3000; r++) {
        size_t n = lcg_next(&seed) % (cap + 3);
        size_t in_flight = (size_t)(next_send - next_take);
        size_t fit = cap - in_flight < n ? cap - in_flight : n;
        size_t got;

        for (size_t i = 0; i < n; i++)
            in[i] = next_send + i;
        assert_int_equal(steady_channel_send_many(ch, in, n), fit);
        next_send += fit;

        n = lcg_next(&seed) % (cap + 3);
        in_flight = (size_t)(next_send - next_take);
        fit = in_flight < n ? in_flight : n;
        memset(out, 0xff, sizeof(out));
        got = steady_channel_take_many(ch, out, n);
        assert_int_equal(got, fit);
        for (size_t i = 0; i < got; i++)
            assert_int_equal(out[i], next_take++);
        /* nothing written past what was taken */
        if (got < 32)
            assert_int_equal(out[got], UINT64_MAX);
    }
    assert_true(next_send > 100 * storage_slots(ch));
    steady_channel_destroy(ch);
}

static void test_take_many_wraps(void **state)
{
    (void)state;
    check_many_rounds(5);
    check_many_rounds(7);
    check_many_rounds(8);
    check_many_rounds(1);
}

/* ---- zero-copy spans ---- */

/* Advances an empty channel's positions by n. */
static void advance(struct steady_channel *ch, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        assert_true(steady_channel_try_send(ch, &i));
        assert_int_equal(take_u64(ch), i);
    }
}

static void test_borrow_write_wraps(void **state)
{
    struct steady_channel *ch = u64_channel(8);
    struct steady_span w[2];
    struct steady_span r[2];
    uint64_t *slots = (uint64_t *)(void *)ch->slots;
    uint64_t v;

    (void)state;
    advance(ch, 6);
    assert_int_equal(steady_channel_borrow_write(ch, w, 8), 8);
    assert_ptr_equal(w[0].ptr, slots + 6);
    assert_int_equal(w[0].n, 2);
    assert_ptr_equal(w[1].ptr, slots);
    assert_int_equal(w[1].n, 6);
    for (size_t i = 0; i < w[0].n; i++)
        ((uint64_t *)w[0].ptr)[i] = 100 + i;
    for (size_t i = 0; i < w[1].n; i++)
        ((uint64_t *)w[1].ptr)[i] = 100 + w[0].n + i;
    /* not visible before the commit */
    assert_int_equal(steady_channel_avail(ch), 0);
    assert_false(steady_channel_try_peek(ch, &v));
    steady_channel_commit_send(ch, 8);
    assert_int_equal(steady_channel_avail(ch), 8);
    assert_int_equal(steady_channel_vacant(ch), 0);

    assert_int_equal(steady_channel_borrow_read(ch, r, 8), 8);
    assert_ptr_equal(r[0].ptr, slots + 6);
    assert_int_equal(r[0].n, 2);
    assert_ptr_equal(r[1].ptr, slots);
    assert_int_equal(r[1].n, 6);
    assert_int_equal(((uint64_t *)r[0].ptr)[0], 100);
    assert_int_equal(((uint64_t *)r[0].ptr)[1], 101);
    for (size_t i = 0; i < r[1].n; i++)
        assert_int_equal(((uint64_t *)r[1].ptr)[i], 102 + i);
    /* borrowing does not take */
    assert_int_equal(steady_channel_avail(ch), 8);
    steady_channel_commit_take(ch, 8);
    assert_int_equal(steady_channel_avail(ch), 0);
    assert_int_equal(steady_channel_vacant(ch), 8);
    assert_int_equal(steady_channel_sent_total(ch), 14);
    assert_int_equal(steady_channel_taken_total(ch), 14);
    steady_channel_destroy(ch);
}

/* Capacity 5 in 8 slots: the wrap and the clamp to capacity together. */
static void test_borrow_write_wraps_odd_capacity(void **state)
{
    struct steady_channel *ch = u64_channel(5);
    struct steady_span s[2];
    uint64_t *slots = (uint64_t *)(void *)ch->slots;
    uint64_t out[5];

    (void)state;
    advance(ch, 6);
    assert_int_equal(steady_channel_borrow_write(ch, s, 10), 5);
    assert_ptr_equal(s[0].ptr, slots + 6);
    assert_int_equal(s[0].n, 2);
    assert_ptr_equal(s[1].ptr, slots);
    assert_int_equal(s[1].n, 3);
    ((uint64_t *)s[0].ptr)[0] = 50;
    ((uint64_t *)s[0].ptr)[1] = 51;
    for (size_t i = 0; i < 3; i++)
        ((uint64_t *)s[1].ptr)[i] = 52 + i;
    steady_channel_commit_send(ch, 5);
    assert_int_equal(steady_channel_vacant(ch), 0);
    assert_int_equal(steady_channel_borrow_read(ch, s, 10), 5);
    assert_int_equal(s[0].n, 2);
    assert_int_equal(s[1].n, 3);
    assert_ptr_equal(s[1].ptr, slots);
    assert_int_equal(steady_channel_take_many(ch, out, 5), 5);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(out[i], 50 + i);
    steady_channel_destroy(ch);
}

static void test_commit_take_partial(void **state)
{
    struct steady_channel *ch = u64_channel(16);
    struct steady_span s[2];
    uint64_t *first;

    (void)state;
    for (uint64_t i = 0; i < 12; i++)
        assert_true(steady_channel_try_send(ch, &i));
    assert_int_equal(steady_channel_borrow_read(ch, s, 10), 10);
    assert_int_equal(s[0].n, 10);
    first = s[0].ptr;
    for (size_t i = 0; i < 10; i++)
        assert_int_equal(first[i], i);
    steady_channel_commit_take(ch, 3);
    assert_int_equal(steady_channel_avail(ch), 9);
    assert_int_equal(steady_channel_taken_total(ch), 3);
    assert_int_equal(steady_channel_borrow_read(ch, s, 10), 9);
    assert_ptr_equal(s[0].ptr, first + 3);
    assert_int_equal(((uint64_t *)s[0].ptr)[0], 3);
    assert_int_equal(take_u64(ch), 3);
    steady_channel_destroy(ch);
}

static void test_commit_send_partial(void **state)
{
    struct steady_channel *ch = u64_channel(16);
    struct steady_span s[2];
    uint64_t *first;

    (void)state;
    assert_int_equal(steady_channel_borrow_write(ch, s, 10), 10);
    first = s[0].ptr;
    for (size_t i = 0; i < 10; i++)
        first[i] = 200 + i;
    steady_channel_commit_send(ch, 3);
    assert_int_equal(steady_channel_avail(ch), 3);
    assert_int_equal(steady_channel_vacant(ch), 13);
    assert_int_equal(steady_channel_sent_total(ch), 3);
    /* the next borrow starts right after the committed three */
    assert_int_equal(steady_channel_borrow_write(ch, s, 10), 10);
    assert_ptr_equal(s[0].ptr, first + 3);
    ((uint64_t *)s[0].ptr)[0] = 7;
    steady_channel_commit_send(ch, 1);
    assert_int_equal(take_u64(ch), 200);
    assert_int_equal(take_u64(ch), 201);
    assert_int_equal(take_u64(ch), 202);
    assert_int_equal(take_u64(ch), 7);
    assert_int_equal(steady_channel_avail(ch), 0);
    steady_channel_destroy(ch);
}

static void test_borrow_read_clamped(void **state)
{
    struct steady_channel *ch = u64_channel(6);
    struct steady_span s[2];

    (void)state;
    assert_int_equal(steady_channel_borrow_write(ch, s, 100), 6);
    assert_int_equal(s[0].n + s[1].n, 6);
    for (size_t i = 0; i < s[0].n; i++)
        ((uint64_t *)s[0].ptr)[i] = i;
    steady_channel_commit_send(ch, 4);
    assert_int_equal(steady_channel_borrow_write(ch, s, 100), 2);
    assert_int_equal(s[0].n + s[1].n, 2);
    assert_int_equal(steady_channel_borrow_read(ch, s, 100), 4);
    assert_int_equal(s[0].n + s[1].n, 4);
    assert_int_equal(steady_channel_borrow_read(ch, s, 3), 3);
    assert_int_equal(s[0].n + s[1].n, 3);
    /* max 0 borrows nothing on either side */
    assert_int_equal(steady_channel_borrow_read(ch, s, 0), 0);
    assert_int_equal(s[0].n + s[1].n, 0);
    assert_int_equal(steady_channel_borrow_write(ch, s, 0), 0);
    assert_int_equal(s[0].n + s[1].n, 0);
    steady_channel_destroy(ch);
}

static void test_commit_zero_is_noop(void **state)
{
    struct steady_channel *ch = u64_channel(4);
    struct steady_span s[2];
    uint64_t v = 5;

    (void)state;
    assert_true(steady_channel_try_send(ch, &v));
    assert_int_equal(steady_channel_borrow_write(ch, s, 2), 2);
    steady_channel_commit_send(ch, 0);
    assert_int_equal(steady_channel_borrow_read(ch, s, 2), 1);
    steady_channel_commit_take(ch, 0);
    assert_int_equal(steady_channel_avail(ch), 1);
    assert_int_equal(steady_channel_vacant(ch), 3);
    assert_int_equal(steady_channel_sent_total(ch), 1);
    assert_int_equal(steady_channel_taken_total(ch), 0);
    assert_int_equal(take_u64(ch), 5);
    steady_channel_destroy(ch);
}

static void test_close_with_borrowed_read(void **state)
{
    struct steady_channel *ch = u64_channel(4);
    struct steady_span s[2];
    uint64_t *items;

    (void)state;
    advance(ch, 2); /* so the borrowed region wraps */
    for (uint64_t i = 0; i < 4; i++)
        assert_true(steady_channel_try_send(ch, &i));
    assert_int_equal(steady_channel_borrow_read(ch, s, 4), 4);
    assert_int_equal(s[0].n, 2);
    assert_int_equal(s[1].n, 2);
    steady_channel_close(ch);
    items = s[0].ptr;
    assert_int_equal(items[0], 0);
    assert_int_equal(items[1], 1);
    items = s[1].ptr;
    assert_int_equal(items[0], 2);
    assert_int_equal(items[1], 3);
    assert_true(steady_channel_is_closed(ch));
    assert_false(steady_channel_is_closed_and_empty(ch));
    steady_channel_commit_take(ch, 3);
    assert_false(steady_channel_is_closed_and_empty(ch));
    assert_int_equal(take_u64(ch), 3);
    assert_true(steady_channel_is_closed_and_empty(ch));
    steady_channel_destroy(ch);
}

static void test_borrow_write_uncommitted_invisible(void **state)
{
    struct steady_channel *ch = u64_channel(4);
    struct steady_span s[2];
    uint64_t v = 0;

    (void)state;
    assert_int_equal(steady_channel_borrow_write(ch, s, 3), 3);
    for (size_t i = 0; i < 3; i++)
        ((uint64_t *)s[0].ptr)[i] = 90 + i;
    assert_int_equal(steady_channel_avail(ch), 0);
    assert_false(steady_channel_try_take(ch, &v));
    assert_false(steady_channel_try_peek(ch, &v));
    assert_int_equal(steady_channel_borrow_read(ch, s, 3), 0);
    assert_int_equal(steady_channel_sent_total(ch), 0);
    /* closing without a commit sends nothing */
    steady_channel_close(ch);
    assert_true(steady_channel_is_closed_and_empty(ch));
    steady_channel_destroy(ch);
}

/* ---- counters ---- */

static void test_sent_total_counts(void **state)
{
    struct steady_channel *ch = u64_channel(3);
    struct steady_span s[2];
    uint64_t buf[3] = { 1, 2, 3 };

    (void)state;
    assert_int_equal(steady_channel_sent_total(ch), 0);
    assert_int_equal(steady_channel_taken_total(ch), 0);
    assert_true(steady_channel_try_send(ch, buf));
    assert_true(steady_channel_try_send(ch, buf));
    assert_int_equal(steady_channel_sent_total(ch), 2);
    assert_int_equal(steady_channel_taken_total(ch), 0);
    take_u64(ch);
    assert_int_equal(steady_channel_taken_total(ch), 1);
    assert_int_equal(steady_channel_send_many(ch, buf, 3), 2);
    assert_int_equal(steady_channel_sent_total(ch), 4);
    assert_int_equal(steady_channel_take_many(ch, buf, 3), 3);
    assert_int_equal(steady_channel_taken_total(ch), 4);
    /* counts keep growing past the capacity and the storage */
    for (uint64_t i = 0; i < 100; i++) {
        assert_int_equal(steady_channel_borrow_write(ch, s, 2), 2);
        steady_channel_commit_send(ch, 2);
        assert_int_equal(steady_channel_borrow_read(ch, s, 3), 2);
        steady_channel_commit_take(ch, 1);
        take_u64(ch);
    }
    assert_int_equal(steady_channel_sent_total(ch), 204);
    assert_int_equal(steady_channel_taken_total(ch), 204);
    steady_channel_destroy(ch);
}

/* ---- two-thread stress ----
 * The producer runs on its own thread and never asserts: it records a
 * failure and always closes the channel. The consumer runs on the test's
 * thread, checks every item, and asserts only after joining the producer. */

struct stress {
    struct steady_channel *ch;
    uint64_t n;
    _Atomic bool give_up; /* the consumer failed: the producer stops */
    const char *failure;  /* the producer's, read after the join */
    char msg[160];        /* the consumer's */
};

/* Tracks how long one side has been idle. */
struct idle {
    unsigned polls;
    uint64_t since_ns;
};

static void idle_reset(struct idle *idle)
{
    idle->polls = 0;
}

/* One idle poll: yields, and returns true once idle for STALL_NS. */
static bool idle_too_long(struct idle *idle)
{
    if (idle->polls++ == 0)
        idle->since_ns = clock_ns();
    else if (idle->polls % 256 == 0 && clock_ns() - idle->since_ns > STALL_NS)
        return true;
    sched_yield();
    return false;
}

/* Common part of every producer's wait: false when it must stop. */
static bool producer_wait(struct stress *st, struct idle *idle)
{
    if (atomic_load_explicit(&st->give_up, memory_order_relaxed)) {
        st->failure = "producer stopped: the consumer gave up";
        return false;
    }
    if (idle_too_long(idle)) {
        st->failure = "producer: no room for 10 s";
        return false;
    }
    return true;
}

static void *produce_single(void *arg)
{
    struct stress *st = arg;
    struct idle idle = { 0, 0 };

    for (uint64_t i = 0; i < st->n;) {
        if (steady_channel_try_send(st->ch, &i)) {
            i++;
            idle_reset(&idle);
        } else if (!producer_wait(st, &idle)) {
            break;
        }
    }
    steady_channel_close(st->ch);
    return NULL;
}

/* Fills spans in place with random-ish batch sizes and sometimes commits
 * only a prefix of what it borrowed. */
static void *produce_spans(void *arg)
{
    struct stress *st = arg;
    struct idle idle = { 0, 0 };
    uint32_t seed = 12345;
    struct steady_span s[2];

    for (uint64_t next = 0; next < st->n;) {
        size_t want = lcg_next(&seed) % 300 + 1;
        size_t got;
        size_t commit;
        uint64_t v = next;

        if (want > st->n - next)
            want = (size_t)(st->n - next);
        got = steady_channel_borrow_write(st->ch, s, want);
        if (got == 0) {
            if (!producer_wait(st, &idle))
                break;
            continue;
        }
        idle_reset(&idle);
        if (got > want || s[0].n + s[1].n != got) {
            st->failure = "producer: borrow_write spans do not add up";
            break;
        }
        for (int k = 0; k < 2; k++)
            for (size_t i = 0; i < s[k].n; i++) {
                uint64_t *slot = (uint64_t *)s[k].ptr + 2 * i;

                slot[0] = v;
                slot[1] = ~v;
                v++;
            }
        commit = lcg_next(&seed) % 4 ? got : lcg_next(&seed) % got + 1;
        steady_channel_commit_send(st->ch, commit);
        next += commit;
    }
    steady_channel_close(st->ch);
    return NULL;
}

static void *produce_many(void *arg)
{
    struct stress *st = arg;
    struct idle idle = { 0, 0 };
    uint32_t seed = 999;
    uint64_t buf[150];

    for (uint64_t next = 0; next < st->n;) {
        size_t want = lcg_next(&seed) % 150 + 1;
        size_t got;

        if (want > st->n - next)
            want = (size_t)(st->n - next);
        for (size_t i = 0; i < want; i++)
            buf[i] = next + i;
        got = steady_channel_send_many(st->ch, buf, want);
        if (got > want) {
            st->failure = "producer: send_many sent more than asked";
            break;
        }
        next += got;
        if (got)
            idle_reset(&idle);
        else if (!producer_wait(st, &idle))
            break;
    }
    steady_channel_close(st->ch);
    return NULL;
}

/* The consumers return how many items arrived in order, or fill st->msg and
 * return early on the first wrong one. */
static uint64_t consume_single(struct stress *st)
{
    struct idle idle = { 0, 0 };
    uint64_t expect = 0;
    uint64_t v;

    for (;;) {
        if (steady_channel_try_take(st->ch, &v)) {
            if (v != expect) {
                snprintf(st->msg, sizeof(st->msg),
                         "item %" PRIu64 " is %" PRIu64, expect, v);
                return expect;
            }
            expect++;
            idle_reset(&idle);
        } else if (steady_channel_is_closed_and_empty(st->ch)) {
            return expect;
        } else if (idle_too_long(&idle)) {
            snprintf(st->msg, sizeof(st->msg),
                     "no item for 10 s after %" PRIu64, expect);
            return expect;
        }
    }
}

static uint64_t consume_spans(struct stress *st)
{
    struct idle idle = { 0, 0 };
    uint32_t seed = 54321;
    uint64_t expect = 0;
    struct steady_span s[2];

    for (;;) {
        size_t want = lcg_next(&seed) % 300 + 1;
        size_t got = steady_channel_borrow_read(st->ch, s, want);
        size_t commit;
        uint64_t v = expect;

        if (got == 0) {
            if (steady_channel_is_closed_and_empty(st->ch))
                return expect;
            if (idle_too_long(&idle)) {
                snprintf(st->msg, sizeof(st->msg),
                         "no item for 10 s after %" PRIu64, expect);
                return expect;
            }
            continue;
        }
        idle_reset(&idle);
        if (got > want || s[0].n + s[1].n != got ||
            (s[1].n && s[1].ptr != (void *)st->ch->slots)) {
            snprintf(st->msg, sizeof(st->msg),
                     "borrow_read(%zu) gave %zu as %zu + %zu", want, got,
                     s[0].n, s[1].n);
            return expect;
        }
        for (int k = 0; k < 2; k++)
            for (size_t i = 0; i < s[k].n; i++) {
                const uint64_t *slot = (const uint64_t *)s[k].ptr + 2 * i;

                if (slot[0] != v || slot[1] != ~v) {
                    snprintf(st->msg, sizeof(st->msg),
                             "item %" PRIu64 " is %" PRIu64 "/%" PRIx64, v,
                             slot[0], slot[1]);
                    return expect;
                }
                v++;
            }
        commit = lcg_next(&seed) % 4 ? got : lcg_next(&seed) % got + 1;
        steady_channel_commit_take(st->ch, commit);
        expect += commit;
    }
}

static uint64_t consume_many(struct stress *st)
{
    struct idle idle = { 0, 0 };
    uint32_t seed = 4242;
    uint64_t expect = 0;
    uint64_t buf[150];

    for (;;) {
        size_t want = lcg_next(&seed) % 150 + 1;
        size_t got = steady_channel_take_many(st->ch, buf, want);

        if (got > want) {
            snprintf(st->msg, sizeof(st->msg), "take_many(%zu) took %zu", want,
                     got);
            return expect;
        }
        for (size_t i = 0; i < got; i++) {
            if (buf[i] != expect) {
                snprintf(st->msg, sizeof(st->msg),
                         "item %" PRIu64 " is %" PRIu64, expect, buf[i]);
                return expect;
            }
            expect++;
        }
        if (got) {
            idle_reset(&idle);
        } else if (steady_channel_is_closed_and_empty(st->ch)) {
            return expect;
        } else if (idle_too_long(&idle)) {
            snprintf(st->msg, sizeof(st->msg),
                     "no item for 10 s after %" PRIu64, expect);
            return expect;
        }
    }
}

static uint64_t stress_items(void)
{
    const char *env = getenv("STEADY_STRESS_ITEMS");
    char *end;
    unsigned long long n;

    if (!env || !*env)
        return STRESS_DEFAULT_ITEMS;
    n = strtoull(env, &end, 10);
    if (*end || n == 0)
        fail_msg("STEADY_STRESS_ITEMS=%s: expected a positive count", env);
    return n;
}

static void run_stress(const char *what, size_t capacity, size_t elem_size,
                       void *(*produce)(void *),
                       uint64_t (*consume)(struct stress *))
{
    struct stress st;
    pthread_t producer;
    uint64_t start;
    uint64_t got;
    double ms;

    memset(&st, 0, sizeof(st));
    st.n = stress_items();
    st.ch = steady_channel_create(capacity, elem_size, "stress");
    assert_non_null(st.ch);
    atomic_init(&st.give_up, false);
    start = clock_ns();
    assert_int_equal(pthread_create(&producer, NULL, produce, &st), 0);
    got = consume(&st);
    if (st.msg[0])
        atomic_store_explicit(&st.give_up, true, memory_order_relaxed);
    pthread_join(producer, NULL);
    ms = (double)(clock_ns() - start) / 1e6;
    print_message("%s: %" PRIu64 " items, capacity %zu, %.0f ms\n", what, got,
                  capacity, ms);

    if (st.msg[0])
        fail_msg("%s: consumer: %s", what, st.msg);
    if (st.failure)
        fail_msg("%s: %s", what, st.failure);
    assert_int_equal(got, st.n);
    assert_int_equal(steady_channel_sent_total(st.ch), st.n);
    assert_int_equal(steady_channel_taken_total(st.ch), st.n);
    assert_true(steady_channel_is_closed_and_empty(st.ch));
    steady_channel_destroy(st.ch);
}

/* Single items on a power-of-two capacity: a slot released before it is
 * read out would be the very slot the producer writes next when full. */
static void test_try_take_stress(void **state)
{
    (void)state;
    run_stress("try_send/try_take", 64, sizeof(uint64_t), produce_single,
               consume_single);
}

/* In-place batches on a capacity that is not a power of two, 16-byte
 * items. */
static void test_borrow_read_stress(void **state)
{
    (void)state;
    run_stress("borrow/commit spans", 1000, 2 * sizeof(uint64_t), produce_spans,
               consume_spans);
}

/* Copied batches of up to 150 items through 128 slots: most are partial. */
static void test_take_many_stress(void **state)
{
    (void)state;
    run_stress("send_many/take_many", 128, sizeof(uint64_t), produce_many,
               consume_many);
}

/* ---- inline fast paths ---- */

/* The exported copies of the header's inline calls (what C++, -O0 or a
 * function pointer gets) behave exactly like the inlined ones. */
static void test_exported_copies_match_inline(void **state)
{
    bool (*volatile send)(struct steady_channel *, const void *) =
        steady_channel_try_send;
    bool (*volatile take)(struct steady_channel *, void *) =
        steady_channel_try_take;
    bool (*volatile peek)(struct steady_channel *, void *) =
        steady_channel_try_peek;
    size_t (*volatile avail)(struct steady_channel *) = steady_channel_avail;
    size_t (*volatile vacant)(struct steady_channel *) = steady_channel_vacant;
    struct steady_channel *ch = u64_channel(3);
    uint64_t v;

    (void)state;
    for (uint64_t i = 0; i < 10; i++) {
        assert_int_equal(vacant(ch), 3);
        assert_true(send(ch, &i));
        v = i + 1;
        assert_true(steady_channel_try_send(ch, &v));
        assert_int_equal(avail(ch), 2);
        assert_int_equal(vacant(ch), 1);
        assert_true(peek(ch, &v));
        assert_int_equal(v, i);
        assert_true(take(ch, &v));
        assert_int_equal(v, i);
        assert_int_equal(take_u64(ch), i + 1);
        assert_false(take(ch, &v));
        assert_false(peek(ch, &v));
    }
    for (uint64_t i = 0; i < 3; i++)
        assert_true(send(ch, &i));
    assert_false(send(ch, &v));
    steady_channel_destroy(ch);
}

/* After publishing, the fast paths wake a sleeper exactly when what it
 * announced it waits for is there, and withdraw the announcement. */
static void test_fast_paths_wake_announced_sleeper(void **state)
{
    struct steady_channel *ch = u64_channel(4);
    struct waker rx, tx;
    uint64_t v = 1;

    (void)state;
    waker_init(&rx);
    waker_init(&tx);
    channel_bind_rx(ch, &rx);
    channel_bind_tx(ch, &tx);

    /* the consumer sleeps until 2 items are there */
    assert_true(channel_arm_avail(ch, 2, &rx));
    assert_true(steady_channel_try_send(ch, &v));
    assert_int_equal(waker_seq(&rx), 0);
    assert_true(steady_channel_try_send(ch, &v));
    assert_int_equal(waker_seq(&rx), 1);
    assert_int_equal(atomic_load(&ch->rx_want), 0);
    /* nobody announced: no wake */
    assert_true(steady_channel_try_send(ch, &v));
    assert_int_equal(waker_seq(&rx), 1);

    /* the producer sleeps until there is room for 2 */
    assert_true(steady_channel_try_send(ch, &v));
    assert_true(channel_arm_vacant(ch, 2, &tx));
    assert_true(steady_channel_try_take(ch, &v));
    assert_int_equal(waker_seq(&tx), 0);
    assert_true(steady_channel_try_take(ch, &v));
    assert_int_equal(waker_seq(&tx), 1);
    assert_int_equal(atomic_load(&ch->tx_want), 0);

    /* the batch commits do the same */
    assert_true(channel_arm_avail(ch, 1, &rx));
    steady_channel_send_many(ch, &v, 1);
    assert_int_equal(waker_seq(&rx), 2);
    assert_true(channel_arm_vacant(ch, 3, &tx)); /* 3 items in, room for 1 */
    assert_int_equal(steady_channel_take_many(ch, &v, 1), 1);
    assert_int_equal(waker_seq(&tx), 1);
    assert_int_equal(steady_channel_take_many(ch, &v, 1), 1);
    assert_int_equal(waker_seq(&tx), 2);
    steady_channel_destroy(ch);
}

/* One consumer sleep on ch after `items` more were taken since the last. */
static enum channel_arm sleep_after(struct steady_channel *ch, struct waker *rx,
                                    size_t items)
{
    uint64_t v = 0;
    enum channel_arm k;

    for (size_t i = 0; i < items; i++) {
        assert_true(steady_channel_try_send(ch, &v));
        assert_true(steady_channel_try_take(ch, &v));
    }
    k = channel_arm_avail(ch, 1, rx);
    channel_disarm_avail(ch);
    return k;
}

/* A channel whose consumer keeps sleeping after few items turns to full
 * fences (a membarrier per sleep would cost more than a fence per
 * publish); one that moves batches between sleeps, or is pinned, keeps its
 * light fence; a peer on the same waker needs no fence at all. */
static void test_fence_turns_full_when_sleeps_are_frequent(void **state)
{
    struct steady_channel *ch = u64_channel(1024);
    struct waker rx, tx;
    uint64_t v = 7;

    (void)state;
    waker_init(&rx);
    waker_init(&tx);
    channel_bind_rx(ch, &rx);
    channel_bind_tx(ch, &tx);
    if (!channel_light_fence(ch)) {
        /* no expedited membarrier here: full fences from the start */
        assert_int_equal(sleep_after(ch, &rx, 1), CHANNEL_ARM_FENCE);
        steady_channel_destroy(ch);
        return;
    }
    /* 15 short runs, then a batch: the count starts again */
    for (int i = 0; i < 15; i++)
        assert_int_equal(sleep_after(ch, &rx, 1), CHANNEL_ARM_MEMBARRIER);
    assert_int_equal(sleep_after(ch, &rx, 300), CHANNEL_ARM_MEMBARRIER);
    assert_true(channel_light_fence(ch));
    for (int i = 0; i < 15; i++)
        assert_int_equal(sleep_after(ch, &rx, 255), CHANNEL_ARM_MEMBARRIER);
    assert_true(channel_light_fence(ch));
    /* the 16th in a row turns it (with a membarrier of its own, since the
     * wait may end without sleeping); the next ones fence in full */
    assert_int_equal(sleep_after(ch, &rx, 0), CHANNEL_ARM_MEMBARRIER);
    assert_false(channel_light_fence(ch));
    assert_int_equal(sleep_after(ch, &rx, 1), CHANNEL_ARM_FENCE);
    assert_int_equal(channel_arm_vacant(ch, 1, &tx), CHANNEL_ARM_FENCE);
    channel_disarm_vacant(ch);
    /* and a publish still wakes the sleeper */
    assert_int_equal(channel_arm_avail(ch, 1, &rx), CHANNEL_ARM_FENCE);
    assert_true(steady_channel_try_send(ch, &v));
    assert_int_equal(waker_seq(&rx), 1);
    steady_channel_destroy(ch);

    /* pinned (a side built against layout 1 or 2): never */
    ch = u64_channel(1024);
    channel_bind_rx(ch, &rx);
    channel_bind_tx(ch, &tx);
    channel_pin_fence(ch);
    for (int i = 0; i < 40; i++)
        assert_int_equal(sleep_after(ch, &rx, 1), CHANNEL_ARM_MEMBARRIER);
    assert_true(channel_light_fence(ch));
    steady_channel_destroy(ch);

    /* both sides on one waker (troupe mates): no fence, no count */
    ch = u64_channel(1024);
    channel_bind_rx(ch, &rx);
    channel_bind_tx(ch, &rx);
    for (int i = 0; i < 40; i++)
        assert_int_equal(sleep_after(ch, &rx, 1), CHANNEL_ARM_LOCAL);
    assert_true(channel_light_fence(ch));
    steady_channel_destroy(ch);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exported_copies_match_inline),
        cmocka_unit_test(test_fast_paths_wake_announced_sleeper),
        cmocka_unit_test(test_fence_turns_full_when_sleeps_are_frequent),
        cmocka_unit_test(test_create_rejects_zero),
        cmocka_unit_test(test_create_capacity_one),
        cmocka_unit_test(test_create_odd_capacities),
        cmocka_unit_test(test_create_reports_type),
        cmocka_unit_test(test_destroy_null),
        cmocka_unit_test(test_try_take_empty),
        cmocka_unit_test(test_try_send_full),
        cmocka_unit_test(test_try_take_fifo_wraps),
        cmocka_unit_test(test_try_peek_does_not_take),
        cmocka_unit_test(test_try_send_elem_sizes),
        cmocka_unit_test(test_try_send_structs),
        cmocka_unit_test(test_close_drains_first),
        cmocka_unit_test(test_close_empty),
        cmocka_unit_test(test_close_full_after_wrap),
        cmocka_unit_test(test_send_many_partial),
        cmocka_unit_test(test_take_many_wraps),
        cmocka_unit_test(test_borrow_write_wraps),
        cmocka_unit_test(test_borrow_write_wraps_odd_capacity),
        cmocka_unit_test(test_commit_take_partial),
        cmocka_unit_test(test_commit_send_partial),
        cmocka_unit_test(test_borrow_read_clamped),
        cmocka_unit_test(test_commit_zero_is_noop),
        cmocka_unit_test(test_close_with_borrowed_read),
        cmocka_unit_test(test_borrow_write_uncommitted_invisible),
        cmocka_unit_test(test_sent_total_counts),
        cmocka_unit_test(test_try_take_stress),
        cmocka_unit_test(test_borrow_read_stress),
        cmocka_unit_test(test_take_many_stress),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

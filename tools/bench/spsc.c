/* spsc.c - steady's ring between two threads pinned to two CPUs: single
 * items through try_send/try_take, and batches filled and read in place
 * through the span API. The consumer checks every value.
 */
#include "bench.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <steady/channel.h>

struct pair {
    struct steady_channel *ch;
    uint64_t n;
    _Atomic int ready; /* both threads pinned and waiting */
};

static void start_line(struct pair *p)
{
    atomic_fetch_add_explicit(&p->ready, 1, memory_order_acq_rel);
    while (atomic_load_explicit(&p->ready, memory_order_acquire) < 2)
        ;
}

/* Each side copies what it needs out of `struct pair` first: the pair lives
 * on the consumer's stack, and reading it in the loop would share a cache
 * line with the consumer's locals. */
static void *send_single(void *arg)
{
    struct pair *p = arg;
    struct steady_channel *ch = p->ch;
    uint64_t n = p->n;

    bench_pin(0);
    start_line(p);
    for (uint64_t i = 0; i < n;)
        if (steady_channel_try_send(ch, &i))
            i++;
    return NULL;
}

static void *send_batch(void *arg)
{
    struct pair *p = arg;
    struct steady_channel *ch = p->ch;
    uint64_t n = p->n;
    struct steady_span s[2];

    bench_pin(0);
    start_line(p);
    for (uint64_t next = 0; next < n;) {
        uint64_t left = n - next;
        size_t got = steady_channel_borrow_write(
            ch, s, left < BENCH_BATCH ? (size_t)left : BENCH_BATCH);

        for (int k = 0; k < 2; k++) {
            uint64_t *v = s[k].ptr;

            for (size_t i = 0; i < s[k].n; i++)
                v[i] = next + i;
            next += s[k].n;
        }
        steady_channel_commit_send(ch, got);
    }
    return NULL;
}

/* Runs `sender` on another thread against the consumer `take`; returns the
 * consumer's time in ns, or 0 when a value came out wrong. */
static uint64_t run_pair(struct pair *p, void *(*sender)(void *),
                         bool (*take)(struct pair *))
{
    pthread_t t;
    uint64_t t0;
    bool good;

    atomic_init(&p->ready, 0);
    if (pthread_create(&t, NULL, sender, p) != 0)
        return 0;
    bench_pin(1);
    start_line(p);
    t0 = bench_now_ns();
    good = take(p);
    t0 = bench_now_ns() - t0;
    pthread_join(t, NULL);
    return good ? t0 : 0;
}

static bool take_single(struct pair *p)
{
    struct steady_channel *ch = p->ch;
    uint64_t n = p->n;
    uint64_t v, bad = 0;

    for (uint64_t i = 0; i < n;)
        if (steady_channel_try_take(ch, &v))
            bad |= v ^ i++;
    return bad == 0;
}

static bool take_batch(struct pair *p)
{
    struct steady_channel *ch = p->ch;
    uint64_t n = p->n;
    struct steady_span s[2];
    uint64_t bad = 0;

    for (uint64_t next = 0; next < n;) {
        size_t got = steady_channel_borrow_read(ch, s, BENCH_BATCH);

        for (int k = 0; k < 2; k++) {
            const uint64_t *v = s[k].ptr;

            for (size_t i = 0; i < s[k].n; i++)
                bad |= v[i] ^ (next + i);
            next += s[k].n;
        }
        steady_channel_commit_take(ch, got);
    }
    return bad == 0;
}

static void measure(const struct bench_cfg *cfg, struct bench_result *r,
                    size_t slots, uint64_t n, void *(*sender)(void *),
                    bool (*take)(struct pair *))
{
    struct pair p = { .n = cfg->quick ? n / 256 : n };
    uint64_t ns;

    p.ch = steady_channel_create(slots, sizeof(uint64_t), "u64");
    if (!p.ch) {
        bench_fail(r, "out of memory");
        return;
    }
    ns = run_pair(&p, sender, take);
    steady_channel_destroy(p.ch);
    if (!ns) {
        bench_fail(r, "values arrived wrong");
        return;
    }
    r->value = (double)p.n * 1e9 / (double)ns;
    r->ok = true;
}

void bench_spsc_single(const struct bench_cfg *cfg, struct bench_result *r)
{
    measure(cfg, r, BENCH_SINGLE_SLOTS, UINT64_C(100000000), send_single,
            take_single);
}

void bench_spsc_batch(const struct bench_cfg *cfg, struct bench_result *r)
{
    measure(cfg, r, BENCH_BATCH_SLOTS, UINT64_C(4000000000), send_batch,
            take_batch);
}

/* peer_ck.c - the single-item SPSC job of spsc.c done by Concurrency Kit's
 * ck_ring (enqueue_spsc / dequeue_spsc) with as many slots, for the ratio.
 * Built without libck-dev, it reports "not installed".
 */
#include "bench.h"

#ifdef STEADY_BENCH_HAVE_CK

#include <ck_ring.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

struct ck_pair {
    struct ck_ring ring;
    struct ck_ring_buffer *buf;
    uint64_t n;
    _Atomic int ready;
};

static void ck_start_line(struct ck_pair *p)
{
    atomic_fetch_add_explicit(&p->ready, 1, memory_order_acq_rel);
    while (atomic_load_explicit(&p->ready, memory_order_acquire) < 2)
        ;
}

static void *ck_send(void *arg)
{
    struct ck_pair *p = arg;
    struct ck_ring_buffer *buf = p->buf;
    uint64_t n = p->n;

    bench_pin(0);
    ck_start_line(p);
    for (uint64_t i = 0; i < n;)
        if (ck_ring_enqueue_spsc(&p->ring, buf, (void *)(uintptr_t)i))
            i++;
    return NULL;
}

void bench_ck_single(const struct bench_cfg *cfg, struct bench_result *r)
{
    /* aligned_alloc wants a size that is a multiple of the alignment */
    struct ck_pair *p = aligned_alloc(64, (sizeof(*p) + 63) / 64 * 64);
    pthread_t t;
    uint64_t t0, n, bad = 0;
    struct ck_ring_buffer *buf;
    void *v;

    if (!p) {
        bench_fail(r, "out of memory");
        return;
    }
    p->n = cfg->quick ? UINT64_C(100000000) / 256 : UINT64_C(100000000);
    p->buf = aligned_alloc(64, sizeof(*p->buf) * BENCH_SINGLE_SLOTS);
    if (!p->buf)
        goto err_free_pair;
    ck_ring_init(&p->ring, BENCH_SINGLE_SLOTS);
    atomic_init(&p->ready, 0);
    if (pthread_create(&t, NULL, ck_send, p) != 0)
        goto err_free_buf;
    bench_pin(1);
    ck_start_line(p);
    buf = p->buf;
    n = p->n;
    t0 = bench_now_ns();
    for (uint64_t i = 0; i < n;)
        if (ck_ring_dequeue_spsc(&p->ring, buf, &v))
            bad |= (uint64_t)(uintptr_t)v ^ i++;
    t0 = bench_now_ns() - t0;
    pthread_join(t, NULL);
    if (bad)
        bench_fail(r, "values arrived wrong");
    r->value = (double)p->n * 1e9 / (double)t0;
    r->ok = !bad;
    free(p->buf);
    free(p);
    return;

err_free_buf:
    free(p->buf);
err_free_pair:
    free(p);
    bench_fail(r, "could not start");
}

#else

void bench_ck_single(const struct bench_cfg *cfg, struct bench_result *r)
{
    (void)cfg;
    bench_fail(r, "not installed");
}

#endif

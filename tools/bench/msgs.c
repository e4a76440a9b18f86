/* msgs.c - variable-size messages between two pinned threads (the
 * producer reserves each one in place and copies its bytes in before the
 * commit, the consumer reads it in place with peek_msg and checks its
 * sequence number before take_msg), beside a plain memcpy of the same
 * blocks on one thread, in the same run: the cost of the channel over
 * copying the bytes.
 */
#include "bench.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <steady/channel.h>
#include <string.h>

/* The ring: 1024 messages, 256 KiB (in a core's L2 beside the source). */
#define MSG_SLOTS 1024
#define MSG_BYTES (256u << 10)
#define SRC_BYTES (1u << 20)

struct msg_run {
    struct steady_channel *ch;
    const unsigned char *src; /* SRC_BYTES to copy messages from */
    size_t len;
    uint64_t n;
    _Atomic int ready;
};

static void start_line(struct msg_run *m)
{
    atomic_fetch_add_explicit(&m->ready, 1, memory_order_acq_rel);
    while (atomic_load_explicit(&m->ready, memory_order_acquire) < 2)
        ;
}

/* Message i is len bytes of the source from a moving offset, with i in its
 * first 8 bytes. */
static void *send_msgs(void *arg)
{
    struct msg_run *m = arg;
    struct steady_channel *ch = m->ch;
    size_t len = m->len, off = 0;
    uint64_t n = m->n;

    bench_pin(0);
    start_line(m);
    for (uint64_t i = 0; i < n;) {
        unsigned char *at = steady_channel_reserve(ch, len);

        if (!at)
            continue;
        memcpy(at, m->src + off, len);
        memcpy(at, &i, sizeof(i));
        steady_channel_commit_reserved(ch, len);
        off = (off + len) & (SRC_BYTES / 2 - 1);
        i++;
    }
    return NULL;
}

static bool take_msgs(struct msg_run *m)
{
    struct steady_channel *ch = m->ch;
    uint64_t n = m->n, bad = 0, v;
    size_t len;

    for (uint64_t i = 0; i < n;) {
        const unsigned char *at = steady_channel_peek_msg(ch, &len);

        if (!at)
            continue;
        memcpy(&v, at, sizeof(v));
        bad |= (v ^ i) | (len ^ m->len);
        steady_channel_take_msg(ch);
        i++;
    }
    return bad == 0;
}

static uint64_t msgs_for(const struct bench_cfg *cfg, size_t len)
{
    /* about 4 GB moved, at least a million messages */
    uint64_t n = (UINT64_C(4) << 30) / len;

    if (n < 1000000)
        n = 1000000;
    if (n > 40000000)
        n = 40000000;
    return cfg->quick ? n / 1024 : n;
}

void bench_msgs(const struct bench_cfg *cfg, size_t len, struct bench_result *r)
{
    struct msg_run m = { .len = len };
    unsigned char *src = malloc(SRC_BYTES);
    pthread_t t;
    uint64_t ns;
    bool good;

    if (!src) {
        bench_fail(r, "out of memory");
        return;
    }
    for (size_t i = 0; i < SRC_BYTES; i++)
        src[i] = (unsigned char)(i * 31);
    m.src = src;
    m.n = msgs_for(cfg, len);
    m.ch = steady_channel_create_varsize(MSG_SLOTS, MSG_BYTES, "bytes");
    atomic_init(&m.ready, 0);
    if (!m.ch || pthread_create(&t, NULL, send_msgs, &m) != 0) {
        steady_channel_destroy(m.ch);
        free(src);
        bench_fail(r, "cannot start");
        return;
    }
    bench_pin(1);
    start_line(&m);
    ns = bench_now_ns();
    good = take_msgs(&m);
    ns = bench_now_ns() - ns;
    pthread_join(t, NULL);
    steady_channel_destroy(m.ch);
    free(src);
    if (!good) {
        bench_fail(r, "messages arrived wrong");
        return;
    }
    r->value = (double)m.n * 1e9 / (double)ns; /* messages/s */
    r->value2 = r->value * (double)len;        /* bytes/s */
    r->ok = true;
}

void bench_memcpy(const struct bench_cfg *cfg, size_t len,
                  struct bench_result *r)
{
    unsigned char *src = malloc(SRC_BYTES), *dst = malloc(MSG_BYTES);
    uint64_t n = msgs_for(cfg, len), ns, sum = 0;
    size_t off = 0, at = 0;

    if (!src || !dst) {
        free(src);
        free(dst);
        bench_fail(r, "out of memory");
        return;
    }
    memset(src, 7, SRC_BYTES);
    bench_pin(1);
    ns = bench_now_ns();
    /* the same blocks from the same source into a buffer the size of the
     * ring, each one read back as the consumer reads its number */
    for (uint64_t i = 0; i < n; i++) {
        if (at + len > MSG_BYTES)
            at = 0;
        memcpy(dst + at, src + off, len);
        /* the copy must happen: dst escapes here as it would to a reader */
        __asm__ volatile("" : : "r"(dst) : "memory");
        sum += dst[at];
        at += (len + 7) & ~(size_t)7;
        off = (off + len) & (SRC_BYTES / 2 - 1);
    }
    ns = bench_now_ns() - ns;
    free(src);
    free(dst);
    if (sum != 7 * n) {
        bench_fail(r, "memcpy went wrong");
        return;
    }
    r->value = (double)n * 1e9 / (double)ns;
    r->value2 = r->value * (double)len;
    r->ok = true;
}

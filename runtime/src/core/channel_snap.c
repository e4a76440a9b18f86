/* channel_snap.c - one channel in a snapshot: its positions, counters,
 * flags and contents as bytes, and back. Saved while both its actors are
 * held (nobody moves a position), restored before anything runs. The raw
 * positions are kept, so items go back into the very slots (and, for
 * variable-size messages, the very byte places) they had: the ring's
 * invariants hold after a restore as they held when it was saved.
 *
 * A record, little-endian:
 *   u64 head, tail, btail, bytes_sent, dropped, rx_taken
 *   u32 flags (1 closed, 2 consumer gone), u32 0
 *   fixed size: (tail - head) items of elem_size bytes
 *   varsize: per message u64 start, u64 len, its bytes, zeros up to 8
 */
#include "snapshot.h"

#include "channel_impl.h"

#include <stdio.h>
#include <string.h>

#define REC_FIXED 56u
#define F_CLOSED  1u
#define F_RX_GONE 2u
#define ALIGN8(n) (((n) + 7u) & ~(size_t)7u)
/* channel.c's bounds and message alignment */
#define MAX_BOUND ((uint64_t)1 << 40)
#define MSG_ALIGN 8u

struct steady__msg {
    uint64_t start;
    uint64_t len;
};

static uint64_t get64(const unsigned char *p)
{
    uint64_t v = 0;

    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static bool varsize(const struct steady_channel *ch)
{
    return ch->mode & STEADY__MODE_VARSIZE;
}

static uint64_t load(const _Atomic uint64_t *v)
{
    return atomic_load_explicit(v, memory_order_acquire);
}

void channel_snap_geom(const struct steady_channel *ch, struct snap_geom *g)
{
    memset(g, 0, sizeof(*g));
    g->varsize = varsize(ch);
    g->overflow = (uint32_t)steady_channel_overflow(ch);
    g->capacity = ch->capacity;
    g->elem_size = ch->elem_size;
    g->max_bytes = g->varsize ? ch->max_bytes : 0;
}

/* The byte ring a varsize channel of max_bytes has (channel.c's rule). */
static uint64_t ring_bytes(uint64_t max_bytes)
{
    uint64_t bytes = STEADY_CACHE_LINE;

    while (bytes < max_bytes)
        bytes <<= 1;
    return bytes;
}

size_t channel_snap_size(const struct steady_channel *ch)
{
    uint64_t head = load(&ch->head), tail = load(&ch->tail);
    size_t n = REC_FIXED;

    if (!varsize(ch))
        return n + (size_t)(tail - head) * ch->elem_size;
    for (uint64_t p = head; p != tail; p++)
        n += 16 + ALIGN8((size_t)ch->msgs[p & ch->mask].len);
    return n;
}

size_t channel_snap_save(const struct steady_channel *ch, unsigned char *out)
{
    uint64_t head = load(&ch->head), tail = load(&ch->tail);
    unsigned char *p = out;
    uint32_t flags = 0;

    if (atomic_load_explicit(&ch->closed, memory_order_acquire))
        flags |= F_CLOSED;
    if (atomic_load_explicit(&ch->rx_gone, memory_order_acquire))
        flags |= F_RX_GONE;
    put64(p, head);
    put64(p + 8, tail);
    put64(p + 16, load(&ch->btail));
    put64(p + 24, load(&ch->bytes_sent));
    put64(p + 32, load(&ch->dropped));
    put64(p + 40, load(&ch->rx_taken));
    put64(p + 48, flags);
    p += REC_FIXED;
    for (uint64_t pos = head; pos != tail; pos++) {
        if (!varsize(ch)) {
            memcpy(p, steady__channel_slot(ch, pos), ch->elem_size);
            p += ch->elem_size;
            continue;
        }
        const struct steady__msg *m = &ch->msgs[pos & ch->mask];

        put64(p, m->start);
        put64(p + 8, m->len);
        memcpy(p + 16, ch->slots + (m->start & ch->byte_mask), (size_t)m->len);
        memset(p + 16 + m->len, 0, ALIGN8((size_t)m->len) - (size_t)m->len);
        p += 16 + ALIGN8((size_t)m->len);
    }
    return (size_t)(p - out);
}

int channel_snap_check(const struct snap_geom *g, const unsigned char *p,
                       size_t len, size_t *used, char *why, size_t whylen)
{
    uint64_t head, tail, btail, n, lap, first = 0, end = 0, flags;
    size_t at = REC_FIXED;

    if (len < REC_FIXED) {
        snprintf(why, whylen, "its record is cut short");
        return -1;
    }
    head = get64(p);
    tail = get64(p + 8);
    btail = get64(p + 16);
    flags = get64(p + 48);
    n = tail - head;
    if (tail < head || n > g->capacity || flags > (F_CLOSED | F_RX_GONE)) {
        snprintf(why, whylen,
                 "its positions (head %llu, tail %llu) or flags do not fit "
                 "a channel of capacity %llu",
                 (unsigned long long)head, (unsigned long long)tail,
                 (unsigned long long)g->capacity);
        return -1;
    }
    if (!g->varsize) {
        if (g->elem_size == 0 || n > (len - at) / g->elem_size) {
            snprintf(why, whylen, "its %llu item(s) are cut short",
                     (unsigned long long)n);
            return -1;
        }
        *used = at + (size_t)n * (size_t)g->elem_size;
        return 0;
    }
    lap = ring_bytes(g->max_bytes);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t start, mlen;

        if (len - at < 16) {
            snprintf(why, whylen, "message %llu is cut short",
                     (unsigned long long)i);
            return -1;
        }
        start = get64(p + at);
        mlen = get64(p + at + 8);
        at += 16;
        if (mlen > g->max_bytes || ALIGN8((size_t)mlen) > len - at) {
            snprintf(why, whylen, "message %llu is cut short or too long",
                     (unsigned long long)i);
            return -1;
        }
        if (i == 0)
            first = start;
        /* channel.c's invariants: aligned, one region, in order, all of
         * them within max_bytes of the oldest one's start */
        if (start % MSG_ALIGN || (start & (lap - 1)) + mlen > lap ||
            (i && start < end) || start > UINT64_MAX - mlen ||
            start + mlen - first > g->max_bytes) {
            snprintf(why, whylen, "message %llu lies where none can",
                     (unsigned long long)i);
            return -1;
        }
        end = start + mlen;
        at += ALIGN8((size_t)mlen);
    }
    if (n && btail != end) {
        snprintf(why, whylen, "its byte position does not match its "
                              "messages");
        return -1;
    }
    *used = at;
    return 0;
}

void channel_snap_load(struct steady_channel *ch, const unsigned char *p,
                       bool fresh)
{
    uint64_t head = get64(p), tail = get64(p + 8);
    uint64_t flags = get64(p + 48);
    const unsigned char *at = p + REC_FIXED;

    for (uint64_t pos = head; pos != tail; pos++) {
        if (!varsize(ch)) {
            memcpy(steady__channel_slot(ch, pos), at, ch->elem_size);
            at += ch->elem_size;
            continue;
        }
        struct steady__msg *m = &ch->msgs[pos & ch->mask];

        m->start = get64(at);
        m->len = get64(at + 8);
        memcpy(ch->slots + (m->start & ch->byte_mask), at + 16, (size_t)m->len);
        at += 16 + ALIGN8((size_t)m->len);
    }
    atomic_store_explicit(&ch->head, head, memory_order_relaxed);
    atomic_store_explicit(&ch->tail, tail, memory_order_relaxed);
    atomic_store_explicit(&ch->btail, get64(p + 16), memory_order_relaxed);
    atomic_store_explicit(&ch->bytes_sent, get64(p + 24), memory_order_relaxed);
    atomic_store_explicit(&ch->dropped, get64(p + 32), memory_order_relaxed);
    atomic_store_explicit(&ch->rx_taken, get64(p + 40), memory_order_relaxed);
    ch->head_seen = head;
    ch->tail_seen = tail;
    if (!fresh) {
        atomic_store_explicit(&ch->closed, (flags & F_CLOSED) != 0,
                              memory_order_relaxed);
        atomic_store_explicit(&ch->rx_gone, (flags & F_RX_GONE) != 0,
                              memory_order_relaxed);
    }
    /* published to the actors' threads by their creation */
}

/* channel.c - the bounded SPSC ring of <steady/channel.h>: creation, the
 * batch and zero-copy calls, close, and the exported copies of the inline
 * fast paths.
 *
 * Each side keeps a cached copy of the other side's position and reloads it
 * only when the cache says "full" or "empty", so a batch touches the shared
 * lines a constant number of times. After publishing, a side checks whether
 * the other is asleep waiting for what was just published and wakes it.
 */
#include "channel_impl.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* The layout is ABI (see <steady/channel.h>): these are the offsets that
 * plugins built against STEADY_CHANNEL_LAYOUT 1 have compiled in. A change
 * here must bump STEADY_CHANNEL_LAYOUT. */
_Static_assert(STEADY_CHANNEL_LAYOUT == 1, "update the pinned offsets");
_Static_assert(offsetof(struct steady_channel, slots) == 0, "layout 1");
_Static_assert(offsetof(struct steady_channel, capacity) == 8, "layout 1");
_Static_assert(offsetof(struct steady_channel, mask) == 16, "layout 1");
_Static_assert(offsetof(struct steady_channel, elem_size) == 24, "layout 1");
_Static_assert(offsetof(struct steady_channel, light_fence) == 32, "layout 1");
_Static_assert(offsetof(struct steady_channel, tail) == 128, "layout 1");
_Static_assert(offsetof(struct steady_channel, head_seen) == 136, "layout 1");
_Static_assert(offsetof(struct steady_channel, head) == 256, "layout 1");
_Static_assert(offsetof(struct steady_channel, tail_seen) == 264, "layout 1");
_Static_assert(offsetof(struct steady_channel, rx_want) == 384, "layout 1");
_Static_assert(offsetof(struct steady_channel, tx_want) == 392, "layout 1");
_Static_assert(offsetof(struct steady_channel, closed) == 400, "layout 1");
_Static_assert(offsetof(struct steady_channel, rx_gone) == 401, "layout 1");
_Static_assert(sizeof(struct steady_channel) == 512, "layout 1");

/* The one external definition of each inline function of the header, for
 * callers that do not inline (C++, -O0, taking the address). */
extern inline void steady__channel_fence(const struct steady_channel *ch);
extern inline void *steady__channel_slot(const struct steady_channel *ch,
                                         uint64_t pos);
extern inline void steady__channel_copy(const struct steady_channel *ch,
                                        void *dst, const void *src);
extern inline size_t steady_channel_vacant(struct steady_channel *ch);
extern inline size_t steady_channel_avail(struct steady_channel *ch);
extern inline bool steady_channel_try_send(struct steady_channel *ch,
                                           const void *item);
extern inline bool steady_channel_try_peek(struct steady_channel *ch,
                                           void *item);
extern inline bool steady_channel_try_take(struct steady_channel *ch,
                                           void *item);

struct steady_channel *steady_channel_create(size_t capacity, size_t elem_size,
                                             const char *type_name)
{
    struct steady_channel *ch;
    size_t slots = 1;
    size_t bytes;

    if (capacity == 0 || elem_size == 0 || capacity > ((size_t)1 << 40))
        return NULL;
    while (slots < capacity)
        slots <<= 1;
    if (slots > SIZE_MAX / elem_size)
        return NULL;
    bytes = slots * elem_size;
    bytes =
        (bytes + STEADY_CACHE_LINE - 1) / STEADY_CACHE_LINE * STEADY_CACHE_LINE;

    wake_fences_init();
    ch = aligned_alloc(STEADY_CACHE_LINE, sizeof(*ch));
    if (!ch)
        return NULL;
    memset(ch, 0, sizeof(*ch));
    ch->slots = aligned_alloc(STEADY_CACHE_LINE, bytes);
    ch->type_name = strdup(type_name ? type_name : "");
    if (!ch->slots || !ch->type_name)
        goto err_free;
    ch->capacity = capacity;
    ch->mask = slots - 1;
    ch->elem_size = elem_size;
    ch->light_fence =
        atomic_load_explicit(&wake_fence_light_is_free, memory_order_acquire);
    atomic_init(&ch->tail, 0);
    atomic_init(&ch->head, 0);
    atomic_init(&ch->rx_want, 0);
    atomic_init(&ch->tx_want, 0);
    atomic_init(&ch->closed, false);
    atomic_init(&ch->rx_gone, false);
    return ch;

err_free:
    free(ch->slots);
    free(ch->type_name);
    free(ch);
    return NULL;
}

void steady_channel_destroy(struct steady_channel *ch)
{
    if (!ch)
        return;
    free(ch->slots);
    free(ch->type_name);
    free(ch);
}

size_t steady_channel_capacity(const struct steady_channel *ch)
{
    return ch->capacity;
}

size_t steady_channel_elem_size(const struct steady_channel *ch)
{
    return ch->elem_size;
}

const char *steady_channel_type_name(const struct steady_channel *ch)
{
    return ch->type_name;
}

void steady__channel_wake_rx(struct steady_channel *ch)
{
    uint64_t tail = atomic_load_explicit(&ch->tail, memory_order_relaxed);
    uint64_t want = atomic_load_explicit(&ch->rx_want, memory_order_relaxed);

    /* still short of what the consumer waits for: let it sleep */
    if (want == 0 ||
        tail - atomic_load_explicit(&ch->head, memory_order_relaxed) < want)
        return;
    /* exchange: of several publishes racing here only one wakes */
    if (atomic_exchange_explicit(&ch->rx_want, 0, memory_order_relaxed) &&
        ch->rx_waker)
        waker_wake(ch->rx_waker);
}

void steady__channel_wake_tx(struct steady_channel *ch)
{
    uint64_t head = atomic_load_explicit(&ch->head, memory_order_relaxed);
    uint64_t want = atomic_load_explicit(&ch->tx_want, memory_order_relaxed);
    uint64_t tail = atomic_load_explicit(&ch->tail, memory_order_relaxed);

    /* still short of the room the producer waits for: let it sleep */
    if (want == 0 || ch->capacity - (size_t)(tail - head) < want)
        return;
    if (atomic_exchange_explicit(&ch->tx_want, 0, memory_order_relaxed) &&
        ch->tx_waker)
        waker_wake(ch->tx_waker);
}

/* ---- producer ---- */

size_t steady_channel_borrow_write(struct steady_channel *ch,
                                   struct steady_span spans[2], size_t max)
{
    uint64_t tail = atomic_load_explicit(&ch->tail, memory_order_relaxed);
    size_t room = ch->capacity - (size_t)(tail - ch->head_seen);
    size_t at = (size_t)(tail & ch->mask);
    size_t first;

    if (room < max)
        room = steady_channel_vacant(ch);
    if (room > max)
        room = max;
    first = ch->mask + 1 - at;
    if (first > room)
        first = room;
    spans[0].ptr = ch->slots + at * ch->elem_size;
    spans[0].n = first;
    spans[1].ptr = ch->slots;
    spans[1].n = room - first;
    return room;
}

void steady_channel_commit_send(struct steady_channel *ch, size_t n)
{
    uint64_t tail = atomic_load_explicit(&ch->tail, memory_order_relaxed);

    if (n == 0)
        return;
    /* release: publishes the n slots filled in place */
    atomic_store_explicit(&ch->tail, tail + n, memory_order_release);
    steady__channel_fence(ch); /* the tail store before the rx_want load */
    if (atomic_load_explicit(&ch->rx_want, memory_order_relaxed))
        steady__channel_wake_rx(ch);
}

size_t steady_channel_send_many(struct steady_channel *ch, const void *items,
                                size_t n)
{
    struct steady_span s[2];
    size_t got = steady_channel_borrow_write(ch, s, n);

    if (got == 0)
        return 0;
    memcpy(s[0].ptr, items, s[0].n * ch->elem_size);
    if (s[1].n)
        memcpy(s[1].ptr, (const uint8_t *)items + s[0].n * ch->elem_size,
               s[1].n * ch->elem_size);
    steady_channel_commit_send(ch, got);
    return got;
}

void steady_channel_close(struct steady_channel *ch)
{
    if (atomic_exchange_explicit(&ch->closed, true, memory_order_acq_rel))
        return;
    /* a wake bumps the consumer's counter, so even a consumer that is
     * between its check and its sleep returns at once */
    if (ch->rx_waker)
        waker_wake(ch->rx_waker);
}

void channel_mark_rx_gone(struct steady_channel *ch)
{
    if (atomic_exchange_explicit(&ch->rx_gone, true, memory_order_acq_rel))
        return;
    if (ch->tx_waker)
        waker_wake(ch->tx_waker);
}

/* ---- consumer ---- */

size_t steady_channel_borrow_read(struct steady_channel *ch,
                                  struct steady_span spans[2], size_t max)
{
    uint64_t head = atomic_load_explicit(&ch->head, memory_order_relaxed);
    size_t avail = (size_t)(ch->tail_seen - head);
    size_t at = (size_t)(head & ch->mask);
    size_t first;

    if (avail < max)
        avail = steady_channel_avail(ch);
    if (avail > max)
        avail = max;
    first = ch->mask + 1 - at;
    if (first > avail)
        first = avail;
    spans[0].ptr = ch->slots + at * ch->elem_size;
    spans[0].n = first;
    spans[1].ptr = ch->slots;
    spans[1].n = avail - first;
    return avail;
}

void steady_channel_commit_take(struct steady_channel *ch, size_t n)
{
    uint64_t head = atomic_load_explicit(&ch->head, memory_order_relaxed);

    if (n == 0)
        return;
    /* release: the n slots are read out and may be reused */
    atomic_store_explicit(&ch->head, head + n, memory_order_release);
    steady__channel_fence(ch); /* the head store before the tx_want load */
    if (atomic_load_explicit(&ch->tx_want, memory_order_relaxed))
        steady__channel_wake_tx(ch);
}

size_t steady_channel_take_many(struct steady_channel *ch, void *items,
                                size_t n)
{
    struct steady_span s[2];
    size_t got = steady_channel_borrow_read(ch, s, n);

    if (got == 0)
        return 0;
    memcpy(items, s[0].ptr, s[0].n * ch->elem_size);
    if (s[1].n)
        memcpy((uint8_t *)items + s[0].n * ch->elem_size, s[1].ptr,
               s[1].n * ch->elem_size);
    steady_channel_commit_take(ch, got);
    return got;
}

bool steady_channel_consumer_gone(const struct steady_channel *ch)
{
    return channel_rx_gone(ch);
}

bool steady_channel_is_closed(const struct steady_channel *ch)
{
    return channel_closed(ch);
}

bool steady_channel_is_closed_and_empty(struct steady_channel *ch)
{
    /* closed first: everything sent before the close is then visible */
    return channel_closed(ch) && steady_channel_avail(ch) == 0;
}

uint64_t steady_channel_sent_total(const struct steady_channel *ch)
{
    return atomic_load_explicit(&ch->tail, memory_order_relaxed);
}

uint64_t steady_channel_taken_total(const struct steady_channel *ch)
{
    return atomic_load_explicit(&ch->head, memory_order_relaxed);
}

/* ---- the wait protocol (channel_impl.h) ---- */

void channel_bind_rx(struct steady_channel *ch, struct waker *w)
{
    ch->rx_waker = w;
}

void channel_bind_tx(struct steady_channel *ch, struct waker *w)
{
    ch->tx_waker = w;
}

static size_t clamp_need(const struct steady_channel *ch, size_t need)
{
    return need > ch->capacity ? ch->capacity : need;
}

enum channel_poll channel_poll_avail(struct steady_channel *ch, size_t need)
{
    need = clamp_need(ch, need);
    /* closed before avail: a close publishes the final items */
    if (channel_closed(ch))
        return channel_avail(ch) >= need ? CHANNEL_MET : CHANNEL_SETTLED;
    return channel_avail(ch) >= need ? CHANNEL_MET : CHANNEL_UNMET;
}

enum channel_poll channel_poll_vacant(struct steady_channel *ch, size_t need)
{
    if (channel_rx_gone(ch))
        return CHANNEL_SETTLED;
    return channel_vacant(ch) >= clamp_need(ch, need) ? CHANNEL_MET
                                                      : CHANNEL_UNMET;
}

bool channel_arm_avail(struct steady_channel *ch, size_t need,
                       const struct waker *self)
{
    /* relaxed: the caller's heavy fence (or its thread, for a troupe mate)
     * orders it before the re-check */
    atomic_store_explicit(&ch->rx_want, clamp_need(ch, need),
                          memory_order_relaxed);
    return ch->tx_waker != self;
}

bool channel_arm_vacant(struct steady_channel *ch, size_t need,
                        const struct waker *self)
{
    atomic_store_explicit(&ch->tx_want, clamp_need(ch, need),
                          memory_order_relaxed);
    return ch->rx_waker != self;
}

void channel_disarm_avail(struct steady_channel *ch)
{
    atomic_store_explicit(&ch->rx_want, 0, memory_order_relaxed);
}

void channel_disarm_vacant(struct steady_channel *ch)
{
    atomic_store_explicit(&ch->tx_want, 0, memory_order_relaxed);
}

/* channel_impl.h - the ring's layout, shared by channel.c and the parts of
 * the runtime that wait on channels (actor waits, wiring, telemetry).
 *
 * Positions are free-running 64-bit counts (they never wrap in practice);
 * the slot of position p is p & mask. Storage is rounded up to a power of
 * two but at most `capacity` items are ever in flight.
 */
#ifndef STEADY_CHANNEL_IMPL_H
#define STEADY_CHANNEL_IMPL_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <steady/channel.h>

#include "wake.h"

#define STEADY_CACHE_LINE 64

struct steady_channel {
    /* Read-only after creation. */
    uint8_t *slots;
    size_t capacity;
    size_t mask;
    size_t elem_size;
    char *type_name;
    /* Set while wiring, before any actor runs: whom to wake. */
    struct waker *rx_waker; /* the consumer's */
    struct waker *tx_waker; /* the producer's */

    /* Producer's line. */
    alignas(STEADY_CACHE_LINE) _Atomic uint64_t tail; /* release: slots
                                                         before it are
                                                         written */
    uint64_t head_seen; /* producer's cached copy of head */

    /* Consumer's line. */
    alignas(STEADY_CACHE_LINE) _Atomic uint64_t head; /* release: slots
                                                         before it are free */
    uint64_t tail_seen; /* consumer's cached copy of tail */

    /* Wake-up line: written only around sleeps and at close, read on every
     * publish. */
    alignas(STEADY_CACHE_LINE) _Atomic uint64_t rx_want; /* consumer sleeps
                                                            until this many
                                                            are available;
                                                            0 = awake */
    _Atomic uint64_t tx_want; /* producer sleeps until this much room */
    _Atomic bool closed;      /* release: the producer sends no more */
    _Atomic bool rx_gone;     /* release: the consumer takes no more */
};

/* Consumer side: items available, refreshing the cached tail. */
static inline size_t channel_avail(struct steady_channel *ch)
{
    uint64_t head = atomic_load_explicit(&ch->head, memory_order_relaxed);

    /* acquire: the slots up to tail are written */
    ch->tail_seen = atomic_load_explicit(&ch->tail, memory_order_acquire);
    return (size_t)(ch->tail_seen - head);
}

/* Producer side: room left, refreshing the cached head. */
static inline size_t channel_vacant(struct steady_channel *ch)
{
    uint64_t tail = atomic_load_explicit(&ch->tail, memory_order_relaxed);

    /* acquire: the slots before head have been read out */
    ch->head_seen = atomic_load_explicit(&ch->head, memory_order_acquire);
    return ch->capacity - (size_t)(tail - ch->head_seen);
}

static inline bool channel_closed(const struct steady_channel *ch)
{
    return atomic_load_explicit(&ch->closed, memory_order_acquire);
}

static inline bool channel_rx_gone(const struct steady_channel *ch)
{
    return atomic_load_explicit(&ch->rx_gone, memory_order_acquire);
}

/* Announce that the consumer (producer) will sleep until n units are
 * available (vacant); 0 withdraws. The caller runs fence_heavy() after
 * announcing and re-checks before sleeping. */
static inline void channel_want_avail(struct steady_channel *ch, size_t n)
{
    atomic_store_explicit(&ch->rx_want, n, memory_order_relaxed);
}
static inline void channel_want_vacant(struct steady_channel *ch, size_t n)
{
    atomic_store_explicit(&ch->tx_want, n, memory_order_relaxed);
}

/* The consumer will take no more (its actor exited): producers waiting for
 * room are told so. */
void channel_mark_rx_gone(struct steady_channel *ch);

#endif

/* channel_impl.h - what the parts of the runtime that wait on channels
 * (actor waits, wiring, telemetry) use beyond <steady/channel.h>, whose
 * inline section holds the ring's layout.
 */
#ifndef STEADY_CHANNEL_IMPL_H
#define STEADY_CHANNEL_IMPL_H

#include "wake.h"

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <steady/channel.h>

#define STEADY_CACHE_LINE STEADY_CHANNEL_LINE

/* struct steady_channel itself is in <steady/channel.h>, for the inline fast
 * paths. */

/* Consumer side: items available, refreshing the cached tail. */
static inline size_t channel_avail(struct steady_channel *ch)
{
    return steady_channel_avail(ch);
}

/* Producer side: room left, refreshing the cached head. */
static inline size_t channel_vacant(struct steady_channel *ch)
{
    return steady_channel_vacant(ch);
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

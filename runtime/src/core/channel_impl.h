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

/* ---- the wait protocol ------------------------------------------------
 * A side that waits asks the channel (poll), announces what it sleeps on
 * (arm), and withdraws the announcement when it wakes (disarm); the other
 * side checks the announcement after publishing and wakes it. The channel
 * knows each side's waker from the wiring (bind). */

/* What a waiting side finds. */
enum channel_poll {
    CHANNEL_UNMET = 0, /* not yet: arm and sleep */
    CHANNEL_MET,       /* enough items (room) now */
    CHANNEL_SETTLED,   /* never: closed with fewer items left, or the
                          consumer is gone */
};

/* Wiring, before anything runs: the consumer's (producer's) waker. */
void channel_bind_rx(struct steady_channel *ch, struct waker *w);
void channel_bind_tx(struct steady_channel *ch, struct waker *w);

/* Consumer side: are `need` items (messages) available? Producer side: is
 * there room for `need` items, or on a variable-size channel for a message
 * of `need` bytes (always, on a dropping channel, while the consumer is
 * there)? A need above the capacity (the byte capacity) counts as the
 * capacity: more could never be met. */
enum channel_poll channel_poll_avail(struct steady_channel *ch, size_t need);
enum channel_poll channel_poll_vacant(struct steady_channel *ch, size_t need);

/* Announces that this side, woken through `self`, sleeps until `need` items
 * (room) are there. Returns true when the other side wakes it from another
 * thread: the caller must then run wake_fence_heavy() and poll again before it
 * sleeps. A peer on the caller's own waker runs on its thread (a troupe
 * mate), cannot publish while the caller checks, and needs no fence. */
bool channel_arm_avail(struct steady_channel *ch, size_t need,
                       const struct waker *self);
bool channel_arm_vacant(struct steady_channel *ch, size_t need,
                        const struct waker *self);
/* Withdraws the announcement, once awake. */
void channel_disarm_avail(struct steady_channel *ch);
void channel_disarm_vacant(struct steady_channel *ch);

/* The consumer will take no more (its actor exited): producers waiting for
 * room are told so. */
void channel_mark_rx_gone(struct steady_channel *ch);

#endif

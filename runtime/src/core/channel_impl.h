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

/* What a side that announced a sleep must do before it re-checks and
 * sleeps, by the other side's thread and the channel's fences (ordered:
 * the strongest need of several channels wins). */
enum channel_arm {
    CHANNEL_ARM_LOCAL,     /* the other side is on this thread: nothing */
    CHANNEL_ARM_FENCE,     /* a full fence (the publisher fences in full) */
    CHANNEL_ARM_MEMBARRIER /* wake_fence_heavy() (the publisher's fence is
                              a compiler barrier) */
};

/* Announces that this side, woken through `self`, sleeps until `need` items
 * (room) are there, and says how to fence before polling again and
 * sleeping (channel_fence_for). A peer on the caller's own waker runs on
 * its thread (a troupe mate), cannot publish while the caller checks, and
 * needs no fence. A side that keeps sleeping after few items turns the
 * channel to full fences (channel.c). */
enum channel_arm channel_arm_avail(struct steady_channel *ch, size_t need,
                                   const struct waker *self);
enum channel_arm channel_arm_vacant(struct steady_channel *ch, size_t need,
                                    const struct waker *self);
/* Runs the fence an announcement asked for. */
void channel_fence_for(enum channel_arm k);
/* While wiring: the channel keeps the fences it was created with (one of
 * its sides was built against channel layout 1 or 2, whose inlined code
 * reads light_fence as a plain byte). */
void channel_pin_fence(struct steady_channel *ch);
/* Does the publish side still fence with a compiler barrier only? */
bool channel_light_fence(struct steady_channel *ch);
/* Withdraws the announcement, once awake. */
void channel_disarm_avail(struct steady_channel *ch);
void channel_disarm_vacant(struct steady_channel *ch);

/* The consumer will take no more (its actor exited): producers waiting for
 * room are told so. */
void channel_mark_rx_gone(struct steady_channel *ch);

#endif

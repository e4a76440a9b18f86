/* steady/channel.h - a bounded single-producer single-consumer ring.
 *
 * One thread sends, one thread takes; any capacity from 1. Full or empty is
 * false, not an error. No lock and no system call on the fast path: a waiting
 * actor is woken by the other side only when it is actually asleep. The
 * batch functions borrow the ring's memory as at most two spans (the region
 * may wrap) so items can be produced or consumed in place.
 */
#ifndef STEADY_CHANNEL_H
#define STEADY_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <steady/export.h>

#ifdef __cplusplus
extern "C" {
#endif

struct steady_channel;

/* Creates a channel of `capacity` items of `elem_size` bytes each, typed
 * `type_name` (copied). Returns NULL on a zero size or when out of memory.
 * Any thread; the caller owns the channel. */
STEADY_EXPORT struct steady_channel *
steady_channel_create(size_t capacity, size_t elem_size, const char *type_name);
/* Frees a channel nobody uses any more. NULL is fine. */
STEADY_EXPORT void steady_channel_destroy(struct steady_channel *ch);

STEADY_EXPORT size_t steady_channel_capacity(const struct steady_channel *ch);
STEADY_EXPORT size_t steady_channel_elem_size(const struct steady_channel *ch);
STEADY_EXPORT const char *
steady_channel_type_name(const struct steady_channel *ch);

/* ---- producer side (one thread) ---- */
STEADY_EXPORT bool steady_channel_try_send(struct steady_channel *ch,
                                           const void *item);
/* Copies up to n items in; returns how many fit. */
STEADY_EXPORT size_t steady_channel_send_many(struct steady_channel *ch,
                                              const void *items, size_t n);
STEADY_EXPORT size_t steady_channel_vacant(struct steady_channel *ch);
/* No more sends; the consumer sees closed-and-empty after draining. */
STEADY_EXPORT void steady_channel_close(struct steady_channel *ch);

/* ---- consumer side (one thread) ---- */
STEADY_EXPORT bool steady_channel_try_take(struct steady_channel *ch,
                                           void *item);
/* Copies the next item out without taking it. */
STEADY_EXPORT bool steady_channel_try_peek(struct steady_channel *ch,
                                           void *item);
/* Copies up to n items out; returns how many were taken. */
STEADY_EXPORT size_t steady_channel_take_many(struct steady_channel *ch,
                                              void *items, size_t n);
STEADY_EXPORT size_t steady_channel_avail(struct steady_channel *ch);
STEADY_EXPORT bool steady_channel_is_closed(const struct steady_channel *ch);
STEADY_EXPORT bool
steady_channel_is_closed_and_empty(struct steady_channel *ch);

/* ---- zero copy ----
 * A span is `n` consecutive items starting at `ptr`. The borrow functions
 * fill spans[0] and spans[1] (spans[1].n is 0 unless the region wraps) with
 * at most `max` items and return the total. Nothing moves until the commit,
 * which must not exceed what was borrowed. */
struct steady_span {
    void *ptr;
    size_t n;
};
STEADY_EXPORT size_t steady_channel_borrow_read(struct steady_channel *ch,
                                                struct steady_span spans[2],
                                                size_t max);
STEADY_EXPORT void steady_channel_commit_take(struct steady_channel *ch,
                                              size_t n);
STEADY_EXPORT size_t steady_channel_borrow_write(struct steady_channel *ch,
                                                 struct steady_span spans[2],
                                                 size_t max);
STEADY_EXPORT void steady_channel_commit_send(struct steady_channel *ch,
                                              size_t n);

/* ---- counters (any thread; a snapshot, for telemetry) ---- */
STEADY_EXPORT uint64_t steady_channel_sent_total(const struct steady_channel *ch);
STEADY_EXPORT uint64_t steady_channel_taken_total(const struct steady_channel *ch);

#ifdef __cplusplus
}
#endif

#endif

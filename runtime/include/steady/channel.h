/* steady/channel.h - a bounded single-producer single-consumer ring.
 *
 * One thread sends, one thread takes; any capacity from 1. Full or empty is
 * false, not an error. No lock and no system call on the fast path: a waiting
 * actor is woken by the other side only when it is actually asleep. The
 * batch functions borrow the ring's memory as at most two spans (the region
 * may wrap) so items can be produced or consumed in place. The single-item
 * calls and the counts are inline (C99 `inline`, with one exported copy in
 * libsteady), so that a send or a take costs a few instructions.
 */
#ifndef STEADY_CHANNEL_H
#define STEADY_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <steady/export.h>

#ifdef __cplusplus
/* C++ sees the ring as opaque and calls the exported copies. */
#define STEADY_CHANNEL_INLINE
extern "C" {
#else
#define STEADY_CHANNEL_INLINE inline
#endif

struct steady_channel;

/* The version of struct steady_channel's layout below; it changes whenever a
 * field the inline fast paths read moves or changes meaning. Layout 2 adds
 * the `mode` byte (variable-size and dropping channels) without moving any
 * field of layout 1; the host still loads plugins built against layout 1
 * and wires them only to plain channels (mode 0), which they handle
 * correctly. Layout 3 moves nothing either: `light_fence` may turn false
 * once while the channel runs, so the fast paths read it atomically; a
 * channel wired to a plugin built against layout 1 or 2 keeps it as it
 * was created. */
#define STEADY_CHANNEL_LAYOUT 3

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
/* Copies one item in; false when full. */
STEADY_EXPORT STEADY_CHANNEL_INLINE bool
steady_channel_try_send(struct steady_channel *ch, const void *item);
/* Copies up to n items in; returns how many fit. */
STEADY_EXPORT size_t steady_channel_send_many(struct steady_channel *ch,
                                              const void *items, size_t n);
/* Room for this many items now. On a dropping channel (see overflow below)
 * the capacity: a send never waits there. On a variable-size channel the
 * bytes a message may have to fit now (steady_channel_vacant_bytes). */
STEADY_EXPORT STEADY_CHANNEL_INLINE size_t
steady_channel_vacant(struct steady_channel *ch);
/* No more sends; the consumer sees closed-and-empty after draining. */
STEADY_EXPORT void steady_channel_close(struct steady_channel *ch);

/* ---- consumer side (one thread) ---- */
/* Copies the next item out and takes it; false when empty. */
STEADY_EXPORT STEADY_CHANNEL_INLINE bool
steady_channel_try_take(struct steady_channel *ch, void *item);
/* Copies the next item out without taking it. */
STEADY_EXPORT STEADY_CHANNEL_INLINE bool
steady_channel_try_peek(struct steady_channel *ch, void *item);
/* Copies up to n items out; returns how many were taken. */
STEADY_EXPORT size_t steady_channel_take_many(struct steady_channel *ch,
                                              void *items, size_t n);
/* Items ready to take now (messages, on a variable-size channel). */
STEADY_EXPORT STEADY_CHANNEL_INLINE size_t
steady_channel_avail(struct steady_channel *ch);
STEADY_EXPORT bool steady_channel_is_closed(const struct steady_channel *ch);
STEADY_EXPORT bool
steady_channel_is_closed_and_empty(struct steady_channel *ch);
/* True once the consumer has ended (it takes no more): what is sent is
 * never taken. Producers that feed several channels skip such ones. */
STEADY_EXPORT bool
steady_channel_consumer_gone(const struct steady_channel *ch);

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

/* ---- variable-size messages (layout 2) ----
 * A varsize channel carries messages of any length from 0 bytes, bounded
 * both by a number of messages and by a number of bytes, with the same
 * guarantees as a fixed-size one (SPSC, no lock and no system call on the
 * fast path, close and drain, wake-ups). A message is always one contiguous
 * region. Fixed-size calls (try_send, borrow_write, ...) on a varsize channel
 * fail (false / 0). The message calls below work on both kinds, so an
 * any-typed actor handles every channel the same way; on a fixed-size
 * channel a message is one item and its length must be elem_size. */

/* Creates a varsize channel holding at most `max_msgs` messages and
 * `max_bytes` bytes of them. NULL on a zero bound, a bound above 2^40, or
 * when out of memory. Each message starts on an 8-byte boundary (so a
 * record can be read in place) and the bytes bound counts a message from
 * its start to the end of the one before, padding and skipped ring tail
 * included; a message of up to max_bytes always fits an empty channel. */
STEADY_EXPORT struct steady_channel *
steady_channel_create_varsize(size_t max_msgs, size_t max_bytes,
                              const char *type_name);
STEADY_EXPORT bool steady_channel_is_varsize(const struct steady_channel *ch);
/* Bytes a varsize channel holds at most (the largest message that can ever
 * fit); elem_size * capacity for a fixed-size one. */
STEADY_EXPORT size_t
steady_channel_byte_capacity(const struct steady_channel *ch);

/* Producer: borrows room for one message of `len` bytes and returns where
 * to write it, or NULL: errno EAGAIN when there is no room now, EMSGSIZE
 * when the channel can never hold `len` bytes (or len != elem_size on a
 * fixed-size channel). Nothing is visible until the commit, whose `len` may
 * be smaller than reserved. */
STEADY_EXPORT void *steady_channel_reserve(struct steady_channel *ch,
                                           size_t len);
STEADY_EXPORT void steady_channel_commit_reserved(struct steady_channel *ch,
                                                  size_t len);
/* Copies one message in; false (errno as for reserve) when it does not fit. */
STEADY_EXPORT bool steady_channel_send_msg(struct steady_channel *ch,
                                           const void *msg, size_t len);
/* Bytes a message may have to fit now (0 when no message slot is free; the
 * byte capacity on a dropping channel, where a send never waits). */
STEADY_EXPORT size_t steady_channel_vacant_bytes(struct steady_channel *ch);

/* Consumer: the next message in place and its length, without taking it,
 * or NULL when empty. The pointer stays valid until the take. (On a
 * drop_oldest channel it points to the consumer's private copy: the
 * producer may discard the original meanwhile.) */
STEADY_EXPORT const void *steady_channel_peek_msg(struct steady_channel *ch,
                                                  size_t *len);
/* Takes (drops) the message the last peek_msg returned (the next one when
 * there was no peek; nothing when a drop_oldest producer discarded the
 * peeked one meanwhile). */
STEADY_EXPORT void steady_channel_take_msg(struct steady_channel *ch);

/* ---- overflow policy (layout 2) ----
 * What a send does when the channel is full: wait for room (the default),
 * drop the oldest item to make room, or drop the new item. A dropping
 * channel never makes its producer wait; each drop is counted. A dropped
 * send still succeeds (true): the item was accepted and then discarded.
 * The order of what is kept never changes. drop_oldest discards items the
 * consumer has not taken, so its consumer works under a small lock and
 * reads through a private copy (peeks and borrowed spans point into it);
 * a drop_newest channel lends a private area as large as the ring to a
 * zero-copy send that will be dropped. */
enum steady_overflow {
    STEADY_OVERFLOW_BLOCK = 0,
    STEADY_OVERFLOW_DROP_OLDEST = 1,
    STEADY_OVERFLOW_DROP_NEWEST = 2,
};
/* Sets the policy; before any item is sent (while wiring). 0, or -1 on a
 * bad value (errno EINVAL), once items were sent (EBUSY) or when out of
 * memory. */
STEADY_EXPORT int steady_channel_set_overflow(struct steady_channel *ch,
                                              enum steady_overflow policy);
STEADY_EXPORT enum steady_overflow
steady_channel_overflow(const struct steady_channel *ch);

/* ---- counters (any thread; a snapshot, for telemetry) ---- */
STEADY_EXPORT uint64_t
steady_channel_sent_total(const struct steady_channel *ch);
STEADY_EXPORT uint64_t
steady_channel_taken_total(const struct steady_channel *ch);
/* Bytes of message payload sent (every kind), and items dropped by the
 * overflow policy. Sent counts every send, dropped or not, so that sent =
 * taken + dropped + in flight. */
STEADY_EXPORT uint64_t
steady_channel_bytes_sent_total(const struct steady_channel *ch);
STEADY_EXPORT uint64_t
steady_channel_dropped_total(const struct steady_channel *ch);

/* ---- not API: what the inline fast paths below need ---- */
/* Wake the consumer (producer) if it sleeps waiting for no more than is now
 * available (vacant). Called after publishing, when it announced a sleep. */
STEADY_EXPORT void steady__channel_wake_rx(struct steady_channel *ch);
STEADY_EXPORT void steady__channel_wake_tx(struct steady_channel *ch);
/* The inline calls on a channel whose mode is not 0 (layout 2). */
STEADY_EXPORT size_t steady__channel_vacant_mode(struct steady_channel *ch);
STEADY_EXPORT bool steady__channel_try_send_mode(struct steady_channel *ch,
                                                 const void *item);
STEADY_EXPORT bool steady__channel_try_peek_mode(struct steady_channel *ch,
                                                 void *item);
STEADY_EXPORT bool steady__channel_try_take_mode(struct steady_channel *ch,
                                                 void *item);

#ifdef __cplusplus
}
#else

#include <stdatomic.h>
#include <string.h>

/* The ring's layout is here only so that the calls above can be inlined (as
 * ck_ring does); its fields are not API, but their offsets are ABI: every
 * plugin that inlines a fast path has them compiled in. channel.c pins them
 * with static assertions, each plugin records the layout it was built
 * against (STEADY_PLUGIN_DEFINE exports steady_plugin_channel_layout), and
 * the host refuses a plugin built against a layout it does not know.
 * Positions are free-running 64-bit counts; the slot of position p is
 * p & mask. Storage is rounded up to a power of two but at most `capacity`
 * items are ever in flight.
 *
 * Layout 2 only fills padding: `mode` beside light_fence, which the inline
 * calls test before anything else (0 for a plain channel, whose fast path
 * is that of layout 1), and the fields that only channel.c reads. */
#define STEADY_CHANNEL_LINE      128

/* Bits of `mode`; 0 is a plain fixed-size channel that blocks when full. */
#define STEADY__MODE_VARSIZE     1u /* messages of varying length */
#define STEADY__MODE_DROP_OLDEST 2u /* overflow: drop_oldest */
#define STEADY__MODE_DROP_NEWEST 4u /* overflow: drop_newest */

struct steady__msg; /* a varsize message's place in the byte ring */

struct steady_channel {
    /* Read-only after creation. */
    unsigned char *slots; /* items; the bytes of a varsize channel */
    size_t capacity;      /* items (messages) in flight at most */
    size_t mask;
    size_t elem_size;         /* STEADY_VARSIZE (0) for a varsize channel */
    _Atomic bool light_fence; /* the publish-side fence can be a compiler
                                 barrier (the sleeper runs an expedited
                                 membarrier); layout 3: may turn false once
                                 while running, never back */
    /* Layout 2: STEADY__MODE_*, set while wiring. */
    unsigned char mode;
    char *type_name;
    /* Set while wiring, before any actor runs: whom to wake (struct waker *
     * of the runtime's wake.h). */
    void *rx_waker; /* the consumer's */
    void *tx_waker; /* the producer's */
    /* Layout 2, read only by channel.c. */
    struct steady__msg *msgs; /* varsize: where message p lies, [mask + 1] */
    size_t byte_mask;         /* varsize: bytes of storage - 1 */
    size_t max_bytes;         /* varsize: the bytes bound */
    unsigned char *spare;     /* dropping: the private area (see overflow) */
    bool fence_pinned; /* layout 3, set while wiring: light_fence stays as
                          created (a side's plugin reads it non-atomically) */

    /* Producer's line. */
    _Alignas(STEADY_CHANNEL_LINE) _Atomic uint64_t tail; /* release: slots
                                                            before it are
                                                            written */
    uint64_t head_seen; /* producer's cached copy of head */
    /* Layout 2, producer side, read only by channel.c. */
    _Atomic uint64_t btail;      /* varsize: byte position where the last
                                    message sent ends (written before tail,
                                    so a reader of tail sees it) */
    uint64_t res_start;          /* the reservation: where it starts */
    size_t res_len;              /* its length; SIZE_MAX: none */
    bool res_spare;              /* it was lent from `spare` (dropped) */
    _Atomic uint64_t bytes_sent; /* varsize: payload bytes sent */
    _Atomic uint64_t dropped;    /* items dropped by the overflow policy */
    /* Layout 3, producer side, read only by channel.c: the producer's
     * sleeps for room under a membarrier (see channel_arm_vacant) */
    uint64_t tx_slept_at;  /* tail at the last one */
    uint32_t tx_short_run; /* how many in a row came after few items */

    /* Consumer's line. */
    _Alignas(STEADY_CHANNEL_LINE) _Atomic uint64_t head; /* release: slots
                                                            before it are
                                                            free */
    uint64_t tail_seen; /* consumer's cached copy of tail */
    /* Layout 2, consumer side, read only by channel.c. */
    uint64_t rx_copied;        /* drop_oldest: position + 1 of the first
                                  item copied into `spare`, 0 none */
    size_t rx_copied_n;        /* how many items were copied */
    _Atomic uint64_t rx_taken; /* drop_oldest: items the consumer took
                                  (head also moves for drops) */
    /* Layout 3, consumer side, read only by channel.c: as tx_* above */
    uint64_t rx_slept_at;  /* head at the consumer's last such sleep */
    uint32_t rx_short_run; /* how many in a row came after few items */

    /* Wake-up line: written only around sleeps and at close, read on every
     * publish. */
    _Alignas(STEADY_CHANNEL_LINE) _Atomic uint64_t rx_want; /* consumer
                                                               sleeps until
                                                               this many are
                                                               available;
                                                               0 = awake */
    _Atomic uint64_t tx_want; /* producer sleeps until this much room */
    _Atomic bool closed;      /* release: the producer sends no more */
    _Atomic bool rx_gone;     /* release: the consumer takes no more */
    _Atomic bool drop_lock;   /* layout 2, drop_oldest only: held by either
                                 side around moving head or reading slots */
};

/* The fence between publishing a position and reading the other side's
 * announcement (the "want" fields): a full fence, or only a compiler
 * barrier when sleepers fence for us with membarrier. */
STEADY_EXPORT STEADY_CHANNEL_INLINE void
steady__channel_fence(const struct steady_channel *ch)
{
    /* the publish stays before this load: a side that still reads true
     * published before the membarrier that turned it false */
    atomic_signal_fence(memory_order_seq_cst);
    if (atomic_load_explicit(&ch->light_fence, memory_order_relaxed))
        atomic_signal_fence(memory_order_seq_cst);
    else
        atomic_thread_fence(memory_order_seq_cst);
}

STEADY_EXPORT STEADY_CHANNEL_INLINE void *
steady__channel_slot(const struct steady_channel *ch, uint64_t pos)
{
    return ch->slots + (size_t)(pos & ch->mask) * ch->elem_size;
}

/* memcpy of one item; the common 8-byte item becomes a single move. */
STEADY_EXPORT STEADY_CHANNEL_INLINE void
steady__channel_copy(const struct steady_channel *ch, void *dst,
                     const void *src)
{
    if (ch->elem_size == 8)
        memcpy(dst, src, 8);
    else
        memcpy(dst, src, ch->elem_size);
}

STEADY_CHANNEL_INLINE size_t steady_channel_vacant(struct steady_channel *ch)
{
    uint64_t tail;

    if (ch->mode)
        return steady__channel_vacant_mode(ch);
    tail = atomic_load_explicit(&ch->tail, memory_order_relaxed);
    /* acquire: the slots before head have been read out */
    ch->head_seen = atomic_load_explicit(&ch->head, memory_order_acquire);
    return ch->capacity - (size_t)(tail - ch->head_seen);
}

STEADY_CHANNEL_INLINE size_t steady_channel_avail(struct steady_channel *ch)
{
    uint64_t head = atomic_load_explicit(&ch->head, memory_order_relaxed);

    /* acquire: the slots up to tail are written */
    ch->tail_seen = atomic_load_explicit(&ch->tail, memory_order_acquire);
    return (size_t)(ch->tail_seen - head);
}

STEADY_CHANNEL_INLINE bool steady_channel_try_send(struct steady_channel *ch,
                                                   const void *item)
{
    uint64_t tail;

    if (ch->mode)
        return steady__channel_try_send_mode(ch, item);
    tail = atomic_load_explicit(&ch->tail, memory_order_relaxed);
    /* the cached head says full: look at the real one */
    if (tail - ch->head_seen >= ch->capacity && steady_channel_vacant(ch) == 0)
        return false;
    steady__channel_copy(ch, steady__channel_slot(ch, tail), item);
    /* release: publishes the slot just written */
    atomic_store_explicit(&ch->tail, tail + 1, memory_order_release);
    steady__channel_fence(ch); /* the tail store before the rx_want load */
    if (atomic_load_explicit(&ch->rx_want, memory_order_relaxed))
        steady__channel_wake_rx(ch);
    return true;
}

STEADY_CHANNEL_INLINE bool steady_channel_try_peek(struct steady_channel *ch,
                                                   void *item)
{
    uint64_t head;

    if (ch->mode & (STEADY__MODE_VARSIZE | STEADY__MODE_DROP_OLDEST))
        return steady__channel_try_peek_mode(ch, item);
    head = atomic_load_explicit(&ch->head, memory_order_relaxed);
    /* the cached tail says empty: look at the real one */
    if (head == ch->tail_seen && steady_channel_avail(ch) == 0)
        return false;
    steady__channel_copy(ch, item, steady__channel_slot(ch, head));
    return true;
}

STEADY_CHANNEL_INLINE bool steady_channel_try_take(struct steady_channel *ch,
                                                   void *item)
{
    uint64_t head;

    if (ch->mode & (STEADY__MODE_VARSIZE | STEADY__MODE_DROP_OLDEST))
        return steady__channel_try_take_mode(ch, item);
    head = atomic_load_explicit(&ch->head, memory_order_relaxed);
    if (head == ch->tail_seen && steady_channel_avail(ch) == 0)
        return false;
    steady__channel_copy(ch, item, steady__channel_slot(ch, head));
    /* release: the slot is read out and may be reused */
    atomic_store_explicit(&ch->head, head + 1, memory_order_release);
    steady__channel_fence(ch); /* the head store before the tx_want load */
    if (atomic_load_explicit(&ch->tx_want, memory_order_relaxed))
        steady__channel_wake_tx(ch);
    return true;
}

#endif /* __cplusplus */

#endif

/* channel.c - the bounded SPSC ring of <steady/channel.h>: creation, the
 * batch, zero-copy and message calls, overflow policies, close, and the
 * exported copies of the inline fast paths.
 *
 * Each side keeps a cached copy of the other side's position and reloads it
 * only when the cache says "full" or "empty", so a batch touches the shared
 * lines a constant number of times. After publishing, a side checks whether
 * the other is asleep waiting for what was just published and wakes it.
 *
 * Layout 2 adds variable-size messages and dropping overflow policies
 * without moving a field of layout 1 (plugins inline the fast paths):
 *
 * - `mode` (read-only once wired) sits beside light_fence on the line the
 *   fast paths read anyway. The inline calls test it first and come here
 *   (*_mode) when it is not 0, so a plain channel's hot path gains one
 *   predictable branch and nothing else. Plugins built against layout 1
 *   do not test it: the graph wires them only to channels of mode 0.
 * - A varsize channel is two rings. `msgs` holds, per message position,
 *   where its bytes start (a free-running byte position) and how many;
 *   `slots` holds the bytes, a power of two of them at least max_bytes.
 *   tail and head count messages, so avail, close and drain, rx_want and
 *   the counters mean for messages what they mean for items. A message
 *   starts 8-byte aligned where the last one ended, or at the start of the
 *   ring's next lap when it would not fit before the end (the rest of the
 *   lap is skipped), so it is always one region; it fits when from the
 *   oldest message's start to its own end there are at most max_bytes.
 *   Only the producer writes msgs and bytes, and only past tail; the
 *   consumer reads them after acquiring tail, as it reads a slot.
 * - A producer waiting for vacant(n) on a varsize channel announces n
 *   bytes in tx_want; the consumer's wake check recomputes the fit from
 *   btail, which the producer writes before tail. A later btail only makes
 *   a fit harder, so a stale one can wake early (the producer re-checks)
 *   but never miss a wake-up.
 * - drop_newest: a send that finds no room is counted and discarded; the
 *   consumer's side is untouched (its fast path stays inline). A zero-copy
 *   send that will be dropped writes into `spare`.
 * - drop_oldest: the producer discards the consumer's oldest items, so
 *   both sides take drop_lock, a spinlock that exists only on such
 *   channels: the producer around moving head past what it drops, the
 *   consumer around every read of the ring and its move of head. A slot is
 *   thus never read while it is rewritten: the producer writes only past
 *   tail, and reaches an old slot only after moving head past it under the
 *   lock, while the consumer reads only at head or later, under the lock.
 *   A peek or a borrowed span is a copy in the consumer's `spare`, valid
 *   however long the consumer holds it; the take then moves head only past
 *   what was not dropped meanwhile.
 * - A dropping channel never lets its producer wait (poll_vacant is met
 *   while the consumer is there), so tx_want is never armed on one.
 */
#include "channel_impl.h"

#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* The layout is ABI (see <steady/channel.h>): these are the offsets that
 * plugins built against STEADY_CHANNEL_LAYOUT 1 and 2 have compiled in.
 * Layout 2 adds `mode` in what was padding; no field of layout 1 moved. A
 * change here must bump STEADY_CHANNEL_LAYOUT. */
_Static_assert(STEADY_CHANNEL_LAYOUT == 3, "update the pinned offsets");
_Static_assert(sizeof(_Atomic bool) == 1, "layout 3: light_fence stays a byte");
_Static_assert(offsetof(struct steady_channel, slots) == 0, "layout 1");
_Static_assert(offsetof(struct steady_channel, capacity) == 8, "layout 1");
_Static_assert(offsetof(struct steady_channel, mask) == 16, "layout 1");
_Static_assert(offsetof(struct steady_channel, elem_size) == 24, "layout 1");
_Static_assert(offsetof(struct steady_channel, light_fence) == 32, "layout 1");
_Static_assert(offsetof(struct steady_channel, mode) == 33, "layout 2");
_Static_assert(offsetof(struct steady_channel, tail) == 128, "layout 1");
_Static_assert(offsetof(struct steady_channel, head_seen) == 136, "layout 1");
_Static_assert(offsetof(struct steady_channel, head) == 256, "layout 1");
_Static_assert(offsetof(struct steady_channel, tail_seen) == 264, "layout 1");
_Static_assert(offsetof(struct steady_channel, rx_want) == 384, "layout 1");
_Static_assert(offsetof(struct steady_channel, tx_want) == 392, "layout 1");
_Static_assert(offsetof(struct steady_channel, closed) == 400, "layout 1");
_Static_assert(offsetof(struct steady_channel, rx_gone) == 401, "layout 1");
_Static_assert(sizeof(struct steady_channel) == 512, "layout 1");
/* The fields only this file reads stay off the lines of the other side. */
_Static_assert(offsetof(struct steady_channel, spare) < 128, "read-only line");
_Static_assert(offsetof(struct steady_channel, dropped) < 256, "producer");
_Static_assert(offsetof(struct steady_channel, rx_taken) < 384, "consumer");
_Static_assert(offsetof(struct steady_channel, fence_pinned) < 128,
               "read-only line");
_Static_assert(offsetof(struct steady_channel, tx_short_run) < 256, "producer");
_Static_assert(offsetof(struct steady_channel, rx_short_run) < 384, "consumer");

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

/* Where a varsize message lies in the byte ring. */
struct steady__msg {
    uint64_t start; /* free-running byte position of its first byte */
    uint64_t len;
};

#define MSG_ALIGN  8u
#define NO_RESERVE SIZE_MAX
#define NO_PLACE   UINT64_MAX
/* Above this a bound is a typo (and slot arithmetic could overflow). */
#define MAX_BOUND  ((size_t)1 << 40)

static bool is_varsize(const struct steady_channel *ch)
{
    return ch->mode & STEADY__MODE_VARSIZE;
}

static bool drops_oldest(const struct steady_channel *ch)
{
    return ch->mode & STEADY__MODE_DROP_OLDEST;
}

static bool drops_newest(const struct steady_channel *ch)
{
    return ch->mode & STEADY__MODE_DROP_NEWEST;
}

static bool drops(const struct steady_channel *ch)
{
    return ch->mode & (STEADY__MODE_DROP_OLDEST | STEADY__MODE_DROP_NEWEST);
}

static size_t round_line(size_t bytes)
{
    return (bytes + STEADY_CACHE_LINE - 1) / STEADY_CACHE_LINE *
           STEADY_CACHE_LINE;
}

/* ---- creation -------------------------------------------------------- */

/* A zeroed channel with `bytes` of storage (a multiple of the line). */
static struct steady_channel *channel_alloc(size_t bytes, const char *type_name)
{
    struct steady_channel *ch;

    wake_fences_init();
    ch = aligned_alloc(STEADY_CACHE_LINE, sizeof(*ch));
    if (!ch)
        return NULL;
    memset(ch, 0, sizeof(*ch));
    ch->slots = aligned_alloc(STEADY_CACHE_LINE, bytes);
    ch->type_name = strdup(type_name ? type_name : "");
    if (!ch->slots || !ch->type_name) {
        free(ch->slots);
        free(ch->type_name);
        free(ch);
        return NULL;
    }
    atomic_init(
        &ch->light_fence,
        atomic_load_explicit(&wake_fence_light_is_free, memory_order_acquire));
    ch->res_len = NO_RESERVE;
    atomic_init(&ch->tail, 0);
    atomic_init(&ch->head, 0);
    atomic_init(&ch->btail, 0);
    atomic_init(&ch->bytes_sent, 0);
    atomic_init(&ch->dropped, 0);
    atomic_init(&ch->rx_taken, 0);
    atomic_init(&ch->rx_want, 0);
    atomic_init(&ch->tx_want, 0);
    atomic_init(&ch->closed, false);
    atomic_init(&ch->rx_gone, false);
    atomic_init(&ch->drop_lock, false);
    return ch;
}

struct steady_channel *steady_channel_create(size_t capacity, size_t elem_size,
                                             const char *type_name)
{
    struct steady_channel *ch;
    size_t slots = 1;

    if (capacity == 0 || elem_size == 0 || capacity > MAX_BOUND)
        return NULL;
    while (slots < capacity)
        slots <<= 1;
    if (slots > SIZE_MAX / elem_size - STEADY_CACHE_LINE)
        return NULL;
    ch = channel_alloc(round_line(slots * elem_size), type_name);
    if (!ch)
        return NULL;
    ch->capacity = capacity;
    ch->mask = slots - 1;
    ch->elem_size = elem_size;
    return ch;
}

struct steady_channel *steady_channel_create_varsize(size_t max_msgs,
                                                     size_t max_bytes,
                                                     const char *type_name)
{
    struct steady_channel *ch;
    size_t slots = 1, bytes = STEADY_CACHE_LINE;

    if (max_msgs == 0 || max_bytes == 0 || max_msgs > MAX_BOUND ||
        max_bytes > MAX_BOUND)
        return NULL;
    while (slots < max_msgs)
        slots <<= 1;
    while (bytes < max_bytes)
        bytes <<= 1;
    ch = channel_alloc(bytes, type_name);
    if (!ch)
        return NULL;
    ch->msgs = calloc(slots, sizeof(*ch->msgs));
    if (!ch->msgs) {
        steady_channel_destroy(ch);
        return NULL;
    }
    ch->capacity = max_msgs;
    ch->mask = slots - 1;
    ch->elem_size = 0; /* STEADY_VARSIZE of <steady/plugin.h> */
    ch->byte_mask = bytes - 1;
    ch->max_bytes = max_bytes;
    ch->mode = STEADY__MODE_VARSIZE;
    return ch;
}

void steady_channel_destroy(struct steady_channel *ch)
{
    if (!ch)
        return;
    free(ch->slots);
    free(ch->msgs);
    free(ch->spare);
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

bool steady_channel_is_varsize(const struct steady_channel *ch)
{
    return is_varsize(ch);
}

size_t steady_channel_byte_capacity(const struct steady_channel *ch)
{
    return is_varsize(ch) ? ch->max_bytes : ch->capacity * ch->elem_size;
}

int steady_channel_set_overflow(struct steady_channel *ch,
                                enum steady_overflow policy)
{
    unsigned char bit;
    size_t bytes;

    switch (policy) {
    case STEADY_OVERFLOW_BLOCK:
        bit = 0;
        break;
    case STEADY_OVERFLOW_DROP_OLDEST:
        bit = STEADY__MODE_DROP_OLDEST;
        break;
    case STEADY_OVERFLOW_DROP_NEWEST:
        bit = STEADY__MODE_DROP_NEWEST;
        break;
    default:
        errno = EINVAL;
        return -1;
    }
    /* the policy changes what the positions mean: only while wiring */
    if (atomic_load_explicit(&ch->tail, memory_order_relaxed) != 0 ||
        ch->res_len != NO_RESERVE) {
        errno = EBUSY;
        return -1;
    }
    if (bit && !ch->spare) {
        /* a whole ring of items, or the largest message */
        bytes = steady_channel_byte_capacity(ch);
        ch->spare = aligned_alloc(STEADY_CACHE_LINE, round_line(bytes));
        if (!ch->spare) {
            errno = ENOMEM;
            return -1;
        }
    } else if (!bit) {
        free(ch->spare);
        ch->spare = NULL;
    }
    ch->mode = (unsigned char)((ch->mode & STEADY__MODE_VARSIZE) | bit);
    return 0;
}

enum steady_overflow steady_channel_overflow(const struct steady_channel *ch)
{
    if (drops_oldest(ch))
        return STEADY_OVERFLOW_DROP_OLDEST;
    if (drops_newest(ch))
        return STEADY_OVERFLOW_DROP_NEWEST;
    return STEADY_OVERFLOW_BLOCK;
}

/* ---- shared pieces --------------------------------------------------- */

/* drop_oldest's lock: tiny critical sections (a move of head, a copy out),
 * so spin, yielding once the holder seems to have been preempted. Never
 * held across a wait, so troupe mates cannot deadlock on it. */
static void drop_lock(struct steady_channel *ch)
{
    for (unsigned spins = 0;; spins++) {
        if (!atomic_load_explicit(&ch->drop_lock, memory_order_relaxed) &&
            !atomic_exchange_explicit(&ch->drop_lock, true,
                                      memory_order_acquire))
            return;
        if (spins >= 64)
            sched_yield();
    }
}

static void drop_unlock(struct steady_channel *ch)
{
    atomic_store_explicit(&ch->drop_lock, false, memory_order_release);
}

/* Producer: counts items the policy dropped (the only writer). */
static void count_drops(struct steady_channel *ch, uint64_t n)
{
    atomic_store_explicit(
        &ch->dropped,
        atomic_load_explicit(&ch->dropped, memory_order_relaxed) + n,
        memory_order_relaxed);
}

/* Consumer of a drop_oldest channel: counts items it took (head also moves
 * for drops). Under drop_lock. */
static void count_taken(struct steady_channel *ch, uint64_t n)
{
    atomic_store_explicit(
        &ch->rx_taken,
        atomic_load_explicit(&ch->rx_taken, memory_order_relaxed) + n,
        memory_order_relaxed);
}

/* Producer: room in a fixed-size ring, refreshing the cached head. */
static size_t ring_room(struct steady_channel *ch)
{
    uint64_t tail = atomic_load_explicit(&ch->tail, memory_order_relaxed);

    /* acquire: the slots before head have been read out */
    ch->head_seen = atomic_load_explicit(&ch->head, memory_order_acquire);
    return ch->capacity - (size_t)(tail - ch->head_seen);
}

/* Producer: publishes everything before `tail` and wakes a consumer that
 * waits for it. */
static void publish_tail(struct steady_channel *ch, uint64_t tail)
{
    /* release: publishes the slots (and message places) before tail */
    atomic_store_explicit(&ch->tail, tail, memory_order_release);
    steady__channel_fence(ch); /* the tail store before the rx_want load */
    if (atomic_load_explicit(&ch->rx_want, memory_order_relaxed))
        steady__channel_wake_rx(ch);
}

/* Consumer: frees everything before `head` and wakes a producer that waits
 * for room. */
static void publish_head(struct steady_channel *ch, uint64_t head)
{
    /* release: the slots before head are read out and may be reused */
    atomic_store_explicit(&ch->head, head, memory_order_release);
    steady__channel_fence(ch); /* the head store before the tx_want load */
    if (atomic_load_explicit(&ch->tx_want, memory_order_relaxed))
        steady__channel_wake_tx(ch);
}

/* Consumer: is the channel empty? Refreshes the cached tail only when it
 * says so. */
static bool rx_empty(struct steady_channel *ch, uint64_t head)
{
    return head == ch->tail_seen && steady_channel_avail(ch) == 0;
}

/* drop_oldest, consumer, under drop_lock: items at head or later. The
 * producer may have moved head past the cached tail (even up to tail, when
 * it dropped everything), so the cache is refreshed every time. */
static size_t locked_avail(struct steady_channel *ch)
{
    return steady_channel_avail(ch);
}

/* drop_oldest, producer: makes room for `need` items (at most the
 * capacity) by moving head past the oldest ones, under the lock. */
static void make_room(struct steady_channel *ch, size_t need)
{
    uint64_t tail = atomic_load_explicit(&ch->tail, memory_order_relaxed);
    uint64_t head;
    size_t room;

    if (need > ch->capacity)
        need = ch->capacity;
    if (ch->capacity - (size_t)(tail - ch->head_seen) >= need ||
        ring_room(ch) >= need)
        return;
    drop_lock(ch);
    /* under the lock the consumer does not move head */
    head = atomic_load_explicit(&ch->head, memory_order_relaxed);
    room = ch->capacity - (size_t)(tail - head);
    if (room < need) {
        head += need - room;
        atomic_store_explicit(&ch->head, head, memory_order_release);
        count_drops(ch, need - room);
    }
    ch->head_seen = head;
    drop_unlock(ch);
}

/* ---- the wake checks (called by the inline paths) -------------------- */

static struct steady__msg *msg_at(const struct steady_channel *ch, uint64_t pos)
{
    return &ch->msgs[pos & ch->mask];
}

/* Where a message of len bytes (at most max_bytes) starts if sent now,
 * given where the last message ends (btail) and where the oldest one in
 * flight starts (bhead, unused when the channel is empty); NO_PLACE when
 * it does not fit now. A larger btail never makes a fit easier. */
static uint64_t msg_place(const struct steady_channel *ch, uint64_t btail,
                          uint64_t bhead, bool empty, size_t len)
{
    uint64_t start = (btail + MSG_ALIGN - 1) & ~(uint64_t)(MSG_ALIGN - 1);

    /* one region: skip the rest of the lap when it does not fit there */
    if ((start & ch->byte_mask) + len > ch->byte_mask + 1)
        start = (start | ch->byte_mask) + 1;
    if (empty || start + len - bhead <= ch->max_bytes)
        return start;
    return NO_PLACE;
}

/* Consumer: would a message of len bytes fit now? */
static bool msg_room_seen_by_rx(struct steady_channel *ch, uint64_t len)
{
    uint64_t head = atomic_load_explicit(&ch->head, memory_order_relaxed);
    /* acquire: the message places before tail, and a btail at least as
     * late as that tail's */
    uint64_t tail = atomic_load_explicit(&ch->tail, memory_order_acquire);
    uint64_t btail = atomic_load_explicit(&ch->btail, memory_order_relaxed);

    if (tail - head >= ch->capacity)
        return false;
    if (len > ch->max_bytes)
        len = ch->max_bytes;
    return msg_place(ch, btail, head == tail ? 0 : msg_at(ch, head)->start,
                     head == tail, (size_t)len) != NO_PLACE;
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
    if (want == 0)
        return;
    if (is_varsize(ch) ? !msg_room_seen_by_rx(ch, want)
                       : ch->capacity - (size_t)(tail - head) < want)
        return;
    if (atomic_exchange_explicit(&ch->tx_want, 0, memory_order_relaxed) &&
        ch->tx_waker)
        waker_wake(ch->tx_waker);
}

/* ---- the inline calls on channels of mode != 0 ------------------------ */

size_t steady__channel_vacant_mode(struct steady_channel *ch)
{
    if (is_varsize(ch))
        return steady_channel_vacant_bytes(ch);
    return ch->capacity; /* dropping: a send never waits */
}

/* Producer: one item into a fixed-size ring; false when it is full. */
static bool send_item(struct steady_channel *ch, const void *item)
{
    uint64_t tail = atomic_load_explicit(&ch->tail, memory_order_relaxed);

    if (tail - ch->head_seen >= ch->capacity && ring_room(ch) == 0)
        return false;
    steady__channel_copy(ch, steady__channel_slot(ch, tail), item);
    publish_tail(ch, tail + 1);
    return true;
}

bool steady__channel_try_send_mode(struct steady_channel *ch, const void *item)
{
    if (is_varsize(ch))
        return false; /* fixed-size calls fail on a varsize channel */
    if (drops_oldest(ch))
        make_room(ch, 1);
    if (!send_item(ch, item))
        count_drops(ch, 1); /* drop_newest: accepted, then discarded */
    return true;
}

/* drop_oldest, consumer: copies the item at head out, under the lock. */
static bool locked_copy_out(struct steady_channel *ch, void *item, bool take)
{
    uint64_t head;
    bool got = false;

    drop_lock(ch);
    head = atomic_load_explicit(&ch->head, memory_order_relaxed);
    if (locked_avail(ch)) {
        steady__channel_copy(ch, item, steady__channel_slot(ch, head));
        if (take) {
            atomic_store_explicit(&ch->head, head + 1, memory_order_release);
            count_taken(ch, 1);
            ch->rx_copied = 0;
        }
        got = true;
    }
    drop_unlock(ch);
    return got;
}

bool steady__channel_try_peek_mode(struct steady_channel *ch, void *item)
{
    return !is_varsize(ch) && locked_copy_out(ch, item, false);
}

bool steady__channel_try_take_mode(struct steady_channel *ch, void *item)
{
    return !is_varsize(ch) && locked_copy_out(ch, item, true);
}

/* ---- producer -------------------------------------------------------- */

/* The writable region of a fixed-size ring, at most max items. */
static size_t borrow_ring_write(struct steady_channel *ch,
                                struct steady_span spans[2], size_t max)
{
    uint64_t tail = atomic_load_explicit(&ch->tail, memory_order_relaxed);
    size_t room = ch->capacity - (size_t)(tail - ch->head_seen);
    size_t at = (size_t)(tail & ch->mask);
    size_t first;

    if (room < max)
        room = ring_room(ch);
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

static size_t no_spans(struct steady_span spans[2])
{
    spans[0].ptr = spans[1].ptr = NULL;
    spans[0].n = spans[1].n = 0;
    return 0;
}

size_t steady_channel_borrow_write(struct steady_channel *ch,
                                   struct steady_span spans[2], size_t max)
{
    size_t got;

    if (!ch->mode)
        return borrow_ring_write(ch, spans, max);
    if (is_varsize(ch))
        return no_spans(spans);
    ch->res_spare = false;
    if (drops_oldest(ch))
        make_room(ch, max);
    got = borrow_ring_write(ch, spans, max);
    if (got || !drops_newest(ch) || max == 0)
        return got;
    /* drop_newest and full: lend the spare area; the commit drops it */
    got = max < ch->capacity ? max : ch->capacity;
    spans[0].ptr = ch->spare;
    spans[0].n = got;
    spans[1].ptr = ch->spare;
    spans[1].n = 0;
    ch->res_spare = true;
    return got;
}

void steady_channel_commit_send(struct steady_channel *ch, size_t n)
{
    uint64_t tail = atomic_load_explicit(&ch->tail, memory_order_relaxed);

    if (ch->res_spare) {
        ch->res_spare = false;
        count_drops(ch, n);
        return;
    }
    if (n == 0 || is_varsize(ch))
        return;
    publish_tail(ch, tail + n);
}

/* Copies n items into the spans of a borrow. */
static void fill_spans(const struct steady_channel *ch,
                       const struct steady_span s[2], const void *items)
{
    memcpy(s[0].ptr, items, s[0].n * ch->elem_size);
    if (s[1].n)
        memcpy(s[1].ptr, (const uint8_t *)items + s[0].n * ch->elem_size,
               s[1].n * ch->elem_size);
}

/* send_many on a dropping channel: every item is accepted. drop_newest
 * keeps what fits now and drops the rest; drop_oldest sends in chunks of
 * at most the capacity, each making room by dropping the oldest, so the
 * newest `capacity` items stay, in order. */
static size_t send_many_dropping(struct steady_channel *ch, const void *items,
                                 size_t n)
{
    struct steady_span s[2];
    size_t done = 0, got;

    if (drops_newest(ch)) {
        got = borrow_ring_write(ch, s, n);
        fill_spans(ch, s, items);
        if (got)
            publish_tail(ch,
                         atomic_load_explicit(&ch->tail, memory_order_relaxed) +
                             got);
        if (n > got)
            count_drops(ch, n - got);
        return n;
    }
    while (done < n) {
        size_t chunk = n - done < ch->capacity ? n - done : ch->capacity;

        make_room(ch, chunk);
        got = borrow_ring_write(ch, s, chunk);
        fill_spans(ch, s, (const uint8_t *)items + done * ch->elem_size);
        publish_tail(ch, atomic_load_explicit(&ch->tail, memory_order_relaxed) +
                             got);
        done += got;
    }
    return n;
}

size_t steady_channel_send_many(struct steady_channel *ch, const void *items,
                                size_t n)
{
    struct steady_span s[2];
    size_t got;

    if (ch->mode)
        return is_varsize(ch) || n == 0 ? 0 : send_many_dropping(ch, items, n);
    got = borrow_ring_write(ch, s, n);
    if (got == 0)
        return 0;
    fill_spans(ch, s, items);
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

/* ---- consumer -------------------------------------------------------- */

/* The readable region of a fixed-size ring, at most max items. */
static size_t borrow_ring_read(struct steady_channel *ch,
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

/* Copies the items of a borrow out, contiguously. */
static void drain_spans(const struct steady_channel *ch, void *items,
                        const struct steady_span s[2])
{
    memcpy(items, s[0].ptr, s[0].n * ch->elem_size);
    if (s[1].n)
        memcpy((uint8_t *)items + s[0].n * ch->elem_size, s[1].ptr,
               s[1].n * ch->elem_size);
}

size_t steady_channel_borrow_read(struct steady_channel *ch,
                                  struct steady_span spans[2], size_t max)
{
    struct steady_span ring[2];
    uint64_t head;
    size_t got;

    if (!(ch->mode & (STEADY__MODE_VARSIZE | STEADY__MODE_DROP_OLDEST)))
        return borrow_ring_read(ch, spans, max);
    if (is_varsize(ch))
        return no_spans(spans);
    /* drop_oldest: a copy the producer cannot discard under the reader */
    drop_lock(ch);
    head = atomic_load_explicit(&ch->head, memory_order_relaxed);
    locked_avail(ch);
    got = borrow_ring_read(ch, ring, max);
    drain_spans(ch, ch->spare, ring);
    ch->rx_copied = got ? head + 1 : 0;
    ch->rx_copied_n = got;
    drop_unlock(ch);
    spans[0].ptr = ch->spare;
    spans[0].n = got;
    spans[1].ptr = ch->spare;
    spans[1].n = 0;
    return got;
}

/* drop_oldest, consumer: takes up to n items from where the copy in spare
 * began (from head when there is none), skipping what the producer dropped
 * meanwhile. */
static void locked_commit_take(struct steady_channel *ch, size_t n)
{
    uint64_t head, end;

    drop_lock(ch);
    head = atomic_load_explicit(&ch->head, memory_order_relaxed);
    if (ch->rx_copied) {
        end = ch->rx_copied - 1 + (n < ch->rx_copied_n ? n : ch->rx_copied_n);
    } else {
        size_t avail = locked_avail(ch);

        end = head + (n < avail ? n : avail);
    }
    if (end > head) {
        atomic_store_explicit(&ch->head, end, memory_order_release);
        count_taken(ch, end - head);
    }
    ch->rx_copied = 0;
    drop_unlock(ch);
}

void steady_channel_commit_take(struct steady_channel *ch, size_t n)
{
    uint64_t head = atomic_load_explicit(&ch->head, memory_order_relaxed);

    if (ch->mode & (STEADY__MODE_VARSIZE | STEADY__MODE_DROP_OLDEST)) {
        if (!is_varsize(ch))
            locked_commit_take(ch, n);
        return;
    }
    if (n == 0)
        return;
    publish_head(ch, head + n);
}

size_t steady_channel_take_many(struct steady_channel *ch, void *items,
                                size_t n)
{
    struct steady_span s[2];
    uint64_t head;
    size_t got;

    if (ch->mode & (STEADY__MODE_VARSIZE | STEADY__MODE_DROP_OLDEST)) {
        if (is_varsize(ch))
            return 0;
        drop_lock(ch);
        head = atomic_load_explicit(&ch->head, memory_order_relaxed);
        locked_avail(ch);
        got = borrow_ring_read(ch, s, n);
        drain_spans(ch, items, s);
        if (got) {
            atomic_store_explicit(&ch->head, head + got, memory_order_release);
            count_taken(ch, got);
        }
        ch->rx_copied = 0;
        drop_unlock(ch);
        return got;
    }
    got = borrow_ring_read(ch, s, n);
    if (got == 0)
        return 0;
    drain_spans(ch, items, s);
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

/* ---- messages (both kinds) -------------------------------------------- */

/* Producer: where a message of len bytes goes now, reloading head only
 * when the cached one says it does not fit; NO_PLACE when there is no room
 * now. */
static uint64_t msg_fit(struct steady_channel *ch, size_t len)
{
    uint64_t tail = atomic_load_explicit(&ch->tail, memory_order_relaxed);
    uint64_t btail = atomic_load_explicit(&ch->btail, memory_order_relaxed);

    for (bool fresh = false;; fresh = true) {
        uint64_t head = ch->head_seen;

        if (tail - head < ch->capacity) {
            /* msgs[head] is the producer's own writing, not yet reused */
            uint64_t at =
                msg_place(ch, btail, head == tail ? 0 : msg_at(ch, head)->start,
                          head == tail, len);

            if (at != NO_PLACE)
                return at;
        }
        if (fresh)
            return NO_PLACE;
        /* acquire: the bytes of the messages before head are read out */
        ch->head_seen = atomic_load_explicit(&ch->head, memory_order_acquire);
    }
}

/* drop_oldest, producer: drops the oldest messages until one of len bytes
 * (at most max_bytes, so it fits an empty channel) fits; where it goes. */
static uint64_t msg_make_room(struct steady_channel *ch, size_t len)
{
    uint64_t tail = atomic_load_explicit(&ch->tail, memory_order_relaxed);
    uint64_t btail = atomic_load_explicit(&ch->btail, memory_order_relaxed);
    uint64_t head, dropped = 0, at;

    drop_lock(ch);
    head = atomic_load_explicit(&ch->head, memory_order_relaxed);
    for (;;) {
        if (tail - head < ch->capacity) {
            at =
                msg_place(ch, btail, head == tail ? 0 : msg_at(ch, head)->start,
                          head == tail, len);
            if (at != NO_PLACE)
                break;
        }
        head++; /* not empty here: an empty channel always fits */
        dropped++;
    }
    if (dropped) {
        atomic_store_explicit(&ch->head, head, memory_order_release);
        count_drops(ch, dropped);
    }
    ch->head_seen = head;
    drop_unlock(ch);
    return at;
}

size_t steady_channel_vacant_bytes(struct steady_channel *ch)
{
    uint64_t tail, btail, head, bhead, start, next;
    size_t best = 0, lap = ch->byte_mask + 1;

    if (!is_varsize(ch))
        return drops(ch) || ring_room(ch) > 0 ? ch->elem_size : 0;
    if (drops(ch))
        return ch->max_bytes;
    tail = atomic_load_explicit(&ch->tail, memory_order_relaxed);
    btail = atomic_load_explicit(&ch->btail, memory_order_relaxed);
    head = ch->head_seen =
        atomic_load_explicit(&ch->head, memory_order_acquire);
    if (tail - head >= ch->capacity)
        return 0;
    if (head == tail)
        return ch->max_bytes;
    bhead = msg_at(ch, head)->start;
    start = (btail + MSG_ALIGN - 1) & ~(uint64_t)(MSG_ALIGN - 1);
    /* where the last message ends, or at the next lap: the larger fit */
    if (start - bhead <= ch->max_bytes) {
        best = ch->max_bytes - (size_t)(start - bhead);
        if (best > lap - (size_t)(start & ch->byte_mask))
            best = lap - (size_t)(start & ch->byte_mask);
    }
    next = (start | ch->byte_mask) + 1;
    if (next - bhead <= ch->max_bytes &&
        ch->max_bytes - (size_t)(next - bhead) > best)
        best = ch->max_bytes - (size_t)(next - bhead);
    return best;
}

void *steady_channel_reserve(struct steady_channel *ch, size_t len)
{
    struct steady_span s[2];
    uint64_t at;

    if (!is_varsize(ch)) {
        if (len != ch->elem_size) {
            errno = EMSGSIZE;
            return NULL;
        }
        if (steady_channel_borrow_write(ch, s, 1) == 0) {
            errno = EAGAIN;
            return NULL;
        }
        ch->res_len = len;
        return s[0].ptr;
    }
    if (len > ch->max_bytes) {
        errno = EMSGSIZE;
        return NULL;
    }
    ch->res_spare = false;
    at = msg_fit(ch, len);
    if (at == NO_PLACE) {
        if (drops_newest(ch)) {
            /* accepted, then discarded at the commit */
            ch->res_spare = true;
            ch->res_len = len;
            return ch->spare;
        }
        if (!drops_oldest(ch)) {
            errno = EAGAIN;
            return NULL;
        }
        at = msg_make_room(ch, len);
    }
    ch->res_start = at;
    ch->res_len = len;
    return ch->slots + (at & ch->byte_mask);
}

void steady_channel_commit_reserved(struct steady_channel *ch, size_t len)
{
    size_t reserved = ch->res_len;
    uint64_t tail;
    struct steady__msg *m;

    if (reserved == NO_RESERVE)
        return;
    ch->res_len = NO_RESERVE;
    if (!is_varsize(ch)) {
        steady_channel_commit_send(ch, 1);
        return;
    }
    if (len > reserved)
        len = reserved;
    atomic_store_explicit(
        &ch->bytes_sent,
        atomic_load_explicit(&ch->bytes_sent, memory_order_relaxed) + len,
        memory_order_relaxed);
    if (ch->res_spare) {
        ch->res_spare = false;
        count_drops(ch, 1);
        return;
    }
    tail = atomic_load_explicit(&ch->tail, memory_order_relaxed);
    m = msg_at(ch, tail);
    m->start = ch->res_start;
    m->len = len;
    /* before tail: whoever acquires tail sees at least this btail */
    atomic_store_explicit(&ch->btail, ch->res_start + len,
                          memory_order_relaxed);
    publish_tail(ch, tail + 1);
}

bool steady_channel_send_msg(struct steady_channel *ch, const void *msg,
                             size_t len)
{
    void *at = steady_channel_reserve(ch, len);

    if (!at)
        return false;
    if (len)
        memcpy(at, msg, len);
    steady_channel_commit_reserved(ch, len);
    return true;
}

/* The message (item) at head: where it lies and its length. The consumer
 * has seen it published. */
static const void *msg_in_ring(const struct steady_channel *ch, uint64_t head,
                               size_t *len)
{
    const struct steady__msg *m;

    if (!is_varsize(ch)) {
        *len = ch->elem_size;
        return steady__channel_slot(ch, head);
    }
    m = msg_at(ch, head);
    *len = (size_t)m->len;
    return ch->slots + (m->start & ch->byte_mask);
}

const void *steady_channel_peek_msg(struct steady_channel *ch, size_t *len)
{
    uint64_t head = atomic_load_explicit(&ch->head, memory_order_relaxed);
    const void *at;
    size_t n, ignored;

    if (!len)
        len = &ignored;
    if (!drops_oldest(ch))
        return rx_empty(ch, head) ? NULL : msg_in_ring(ch, head, len);
    /* drop_oldest: a copy, kept while the same message stays at head */
    drop_lock(ch);
    head = atomic_load_explicit(&ch->head, memory_order_relaxed);
    if (!locked_avail(ch)) {
        drop_unlock(ch);
        return NULL;
    }
    at = msg_in_ring(ch, head, &n);
    if (ch->rx_copied != head + 1) {
        memcpy(ch->spare, at, n);
        ch->rx_copied = head + 1;
        ch->rx_copied_n = 1;
    }
    drop_unlock(ch);
    *len = n;
    return ch->spare;
}

void steady_channel_take_msg(struct steady_channel *ch)
{
    uint64_t head = atomic_load_explicit(&ch->head, memory_order_relaxed);

    if (!drops_oldest(ch)) {
        if (!rx_empty(ch, head))
            publish_head(ch, head + 1);
        return;
    }
    /* the copy of a message dropped meanwhile: nothing left to take */
    drop_lock(ch);
    head = atomic_load_explicit(&ch->head, memory_order_relaxed);
    if ((!ch->rx_copied || ch->rx_copied - 1 == head) && locked_avail(ch)) {
        atomic_store_explicit(&ch->head, head + 1, memory_order_release);
        count_taken(ch, 1);
    }
    ch->rx_copied = 0;
    drop_unlock(ch);
}

/* ---- counters -------------------------------------------------------- */

uint64_t steady_channel_sent_total(const struct steady_channel *ch)
{
    uint64_t tail = atomic_load_explicit(&ch->tail, memory_order_relaxed);

    /* drop_newest discards sends that never enter the ring */
    if (drops_newest(ch))
        tail += atomic_load_explicit(&ch->dropped, memory_order_relaxed);
    return tail;
}

uint64_t steady_channel_taken_total(const struct steady_channel *ch)
{
    /* drop_oldest moves head for drops too */
    if (drops_oldest(ch))
        return atomic_load_explicit(&ch->rx_taken, memory_order_relaxed);
    return atomic_load_explicit(&ch->head, memory_order_relaxed);
}

uint64_t steady_channel_bytes_sent_total(const struct steady_channel *ch)
{
    if (is_varsize(ch))
        return atomic_load_explicit(&ch->bytes_sent, memory_order_relaxed);
    return steady_channel_sent_total(ch) * ch->elem_size;
}

uint64_t steady_channel_dropped_total(const struct steady_channel *ch)
{
    return atomic_load_explicit(&ch->dropped, memory_order_relaxed);
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

/* A varsize producer's need is bytes: at most the largest message, and at
 * least 1 (0 in tx_want means awake). */
static size_t clamp_bytes(const struct steady_channel *ch, size_t need)
{
    if (need == 0)
        return 1;
    return need > ch->max_bytes ? ch->max_bytes : need;
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
    if (drops(ch))
        return CHANNEL_MET; /* a send never waits */
    if (is_varsize(ch))
        return msg_fit(ch, clamp_bytes(ch, need)) != NO_PLACE ? CHANNEL_MET
                                                              : CHANNEL_UNMET;
    return ring_room(ch) >= clamp_need(ch, need) ? CHANNEL_MET : CHANNEL_UNMET;
}

/* A sleep announced on a light-fenced channel costs the sleeper an
 * expedited membarrier, which interrupts every core running the process
 * (tens of microseconds on a virtual machine), so that the other side's
 * publishes need only a compiler barrier. That pays while the channel moves
 * many items per sleep; a channel whose sides sleep and wake item by item
 * pays a membarrier per item instead. After FENCE_SHORT_RUNS sleeps in a
 * row on one side with fewer than FENCE_FEW_ITEMS moved since the last,
 * the channel turns to full fences on both sides (an mfence per publish,
 * tens of nanoseconds) for good.
 *
 * The switch is safe without stopping anyone: the store of false is
 * followed at once by a membarrier (not left to the caller, whose wait may
 * end without sleeping). The other side's publish either read true before
 * the membarrier, so its store was ordered before it and every later
 * re-check sees it, or reads false after it and fences in full itself. The
 * other side's own sleeps that read false pair with this side's
 * publishes, all after the store (release/acquire) or covered by it. */
#define FENCE_FEW_ITEMS  256
#define FENCE_SHORT_RUNS 16

static enum channel_arm note_light_sleep(struct steady_channel *ch,
                                         uint64_t pos, uint64_t *slept_at,
                                         uint32_t *short_run)
{
    *short_run = pos - *slept_at < FENCE_FEW_ITEMS ? *short_run + 1 : 0;
    *slept_at = pos;
    if (*short_run >= FENCE_SHORT_RUNS && !ch->fence_pinned &&
        atomic_load_explicit(&ch->light_fence, memory_order_relaxed)) {
        atomic_store_explicit(&ch->light_fence, false, memory_order_release);
        wake_fence_heavy(); /* completes the switch */
    }
    return CHANNEL_ARM_MEMBARRIER;
}

static enum channel_arm arm_kind(struct steady_channel *ch, bool same_thread)
{
    if (same_thread)
        return CHANNEL_ARM_LOCAL;
    return atomic_load_explicit(&ch->light_fence, memory_order_acquire)
               ? CHANNEL_ARM_MEMBARRIER
               : CHANNEL_ARM_FENCE;
}

enum channel_arm channel_arm_avail(struct steady_channel *ch, size_t need,
                                   const struct waker *self)
{
    enum channel_arm k = arm_kind(ch, ch->tx_waker == self);

    /* relaxed: the caller's fence (or its thread, for a troupe mate)
     * orders it before the re-check */
    atomic_store_explicit(&ch->rx_want, clamp_need(ch, need),
                          memory_order_relaxed);
    if (k != CHANNEL_ARM_MEMBARRIER)
        return k;
    return note_light_sleep(
        ch, atomic_load_explicit(&ch->head, memory_order_relaxed),
        &ch->rx_slept_at, &ch->rx_short_run);
}

enum channel_arm channel_arm_vacant(struct steady_channel *ch, size_t need,
                                    const struct waker *self)
{
    enum channel_arm k = arm_kind(ch, ch->rx_waker == self);

    atomic_store_explicit(&ch->tx_want,
                          is_varsize(ch) ? clamp_bytes(ch, need)
                                         : clamp_need(ch, need),
                          memory_order_relaxed);
    if (k != CHANNEL_ARM_MEMBARRIER)
        return k;
    return note_light_sleep(
        ch, atomic_load_explicit(&ch->tail, memory_order_relaxed),
        &ch->tx_slept_at, &ch->tx_short_run);
}

void channel_pin_fence(struct steady_channel *ch)
{
    ch->fence_pinned = true;
}

bool channel_light_fence(struct steady_channel *ch)
{
    return atomic_load_explicit(&ch->light_fence, memory_order_relaxed);
}

void channel_fence_for(enum channel_arm k)
{
    if (k == CHANNEL_ARM_MEMBARRIER)
        wake_fence_heavy();
    else if (k == CHANNEL_ARM_FENCE)
        atomic_thread_fence(memory_order_seq_cst);
}

void channel_disarm_avail(struct steady_channel *ch)
{
    atomic_store_explicit(&ch->rx_want, 0, memory_order_relaxed);
}

void channel_disarm_vacant(struct steady_channel *ch)
{
    atomic_store_explicit(&ch->tx_want, 0, memory_order_relaxed);
}

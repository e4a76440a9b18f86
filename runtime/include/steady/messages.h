/* steady/messages.h - message types that several plugins share: the
 * standard element type names, and the FizzBuzz message the worker sends
 * the logger. A port's type_name is what both ends of a channel must agree
 * on, so plugins that exchange these messages name them with the macros
 * below rather than with string literals of their own.
 *
 * Header only (nothing here is in libsteady); C11 and C++17.
 */
#ifndef STEADY_MESSAGES_H
#define STEADY_MESSAGES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- standard element type names -------------------------------------
 * Fixed-size, elem_size = sizeof the C type: */
#define STEADY_TYPE_U64   "u64" /* uint64_t */
#define STEADY_TYPE_I64   "i64" /* int64_t */
#define STEADY_TYPE_F64   "f64" /* double */
/* Variable-size, elem_size = STEADY_VARSIZE: each message is as long as it
 * is (see the message calls of <steady/channel.h>). */
#define STEADY_TYPE_TEXT  "text"  /* text */
#define STEADY_TYPE_BYTES "bytes" /* opaque bytes */

/* ---- the FizzBuzz message ---------------------------------------------
 * What the worker sends the logger: a FizzBuzz kind and the value it was
 * computed from, packed into 8 bytes so that it travels through a channel
 * by value. The type name and this layout are what graphs, state files and
 * out-of-tree plugins rely on: they do not change. */
#define STEADY_TYPE_FIZZBUZZ "fizzbuzz_msg"

enum steady_fizzbuzz_kind {
    STEADY_FIZZBUZZ_VALUE = 0,    /* neither a multiple of 3 nor of 5 */
    STEADY_FIZZBUZZ_FIZZ = 1,     /* a multiple of 3 only */
    STEADY_FIZZBUZZ_BUZZ = 2,     /* a multiple of 5 only */
    STEADY_FIZZBUZZ_FIZZBUZZ = 3, /* a multiple of 15, 0 included */
};

/* The kind in the top 2 bits, the value in the low 62 bits for every kind,
 * so that a reader can always tell which value a message came from. */
struct steady_fizzbuzz_msg {
    uint64_t bits;
};

#ifdef __cplusplus
static_assert(sizeof(struct steady_fizzbuzz_msg) == 8,
              "steady_fizzbuzz_msg is 8 bytes");
#else
_Static_assert(sizeof(struct steady_fizzbuzz_msg) == 8,
               "steady_fizzbuzz_msg is 8 bytes");
#endif

#define STEADY_FIZZBUZZ_KIND_SHIFT 62
#define STEADY_FIZZBUZZ_VALUE_MASK \
    ((UINT64_C(1) << STEADY_FIZZBUZZ_KIND_SHIFT) - 1)

/* The message for v. The kind is computed from v itself; the value kept is
 * v modulo 2^62. Branch-free: v is a multiple of d (odd) exactly when
 * v * d^-1 mod 2^64 is at most (2^64 - 1) / d, so a kind costs two
 * multiplications and no division; the Fizz bit is bit 0 of the kind, the
 * Buzz bit bit 1. */
static inline struct steady_fizzbuzz_msg steady_fizzbuzz_of(uint64_t v)
{
    uint64_t fizz = v * UINT64_C(0xAAAAAAAAAAAAAAAB) <= UINT64_MAX / 3;
    uint64_t buzz = v * UINT64_C(0xCCCCCCCCCCCCCCCD) <= UINT64_MAX / 5;
    struct steady_fizzbuzz_msg m = { (fizz | buzz << 1)
                                         << STEADY_FIZZBUZZ_KIND_SHIFT |
                                     (v & STEADY_FIZZBUZZ_VALUE_MASK) };
    return m;
}

/* Converts n values to messages, src to dst (which may be the same). */
static inline void steady_fizzbuzz_convert(struct steady_fizzbuzz_msg *dst,
                                           const uint64_t *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = steady_fizzbuzz_of(src[i]);
}

/* Adds the kinds of n messages to counts[], indexed by enum
 * steady_fizzbuzz_kind. Counts the Fizz bits, the Buzz bits and both,
 * which vectorises, and derives the four kinds from those. */
static inline void steady_fizzbuzz_count(const struct steady_fizzbuzz_msg *m,
                                         size_t n, uint64_t counts[4])
{
    uint64_t fizz = 0, buzz = 0, both = 0;

    for (size_t i = 0; i < n; i++) {
        uint64_t k = m[i].bits >> STEADY_FIZZBUZZ_KIND_SHIFT;

        fizz += k & 1;
        buzz += k >> 1;
        both += k & (k >> 1);
    }
    counts[STEADY_FIZZBUZZ_FIZZBUZZ] += both;
    counts[STEADY_FIZZBUZZ_FIZZ] += fizz - both;
    counts[STEADY_FIZZBUZZ_BUZZ] += buzz - both;
    counts[STEADY_FIZZBUZZ_VALUE] += n - fizz - buzz + both;
}

static inline enum steady_fizzbuzz_kind
steady_fizzbuzz_kind(struct steady_fizzbuzz_msg m)
{
    return (enum steady_fizzbuzz_kind)(m.bits >> STEADY_FIZZBUZZ_KIND_SHIFT);
}

static inline uint64_t steady_fizzbuzz_value(struct steady_fizzbuzz_msg m)
{
    return m.bits & STEADY_FIZZBUZZ_VALUE_MASK;
}

/* Writes "FizzBuzz", "Fizz", "Buzz" or "Value(N)" into buf (len bytes,
 * always NUL-terminated when len > 0). Returns what snprintf returns: the
 * length the text needs, so a result >= len means it was cut. */
static inline int steady_fizzbuzz_format(struct steady_fizzbuzz_msg m,
                                         char *buf, size_t len)
{
    switch (steady_fizzbuzz_kind(m)) {
    case STEADY_FIZZBUZZ_FIZZBUZZ:
        return snprintf(buf, len, "FizzBuzz");
    case STEADY_FIZZBUZZ_FIZZ:
        return snprintf(buf, len, "Fizz");
    case STEADY_FIZZBUZZ_BUZZ:
        return snprintf(buf, len, "Buzz");
    case STEADY_FIZZBUZZ_VALUE:
    default:
        return snprintf(buf, len, "Value(%llu)",
                        (unsigned long long)steady_fizzbuzz_value(m));
    }
}

#ifdef __cplusplus
}
#endif

#endif

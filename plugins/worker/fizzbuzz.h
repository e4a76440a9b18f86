/* worker/fizzbuzz.h - the message the worker sends the logger: a FizzBuzz
 * kind and the value it was computed from, packed into 8 bytes so that it
 * travels through a channel by value.
 */
#ifndef STEADY_PLUGINS_FIZZBUZZ_H
#define STEADY_PLUGINS_FIZZBUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Element type name both ends of a worker -> logger channel declare. */
#define FIZZBUZZ_TYPE "fizzbuzz_msg"

enum fizzbuzz_kind {
    FIZZBUZZ_VALUE = 0,    /* neither a multiple of 3 nor of 5 */
    FIZZBUZZ_FIZZ = 1,     /* a multiple of 3 only */
    FIZZBUZZ_BUZZ = 2,     /* a multiple of 5 only */
    FIZZBUZZ_FIZZBUZZ = 3, /* a multiple of 15, 0 included */
};

/* The kind in the top 2 bits, the value in the low 62 bits for every kind,
 * so that a reader can always tell which value a message came from. */
struct fizzbuzz_msg {
    uint64_t bits;
};

_Static_assert(sizeof(struct fizzbuzz_msg) == 8, "fizzbuzz_msg is 8 bytes");

#define FIZZBUZZ_KIND_SHIFT 62
#define FIZZBUZZ_VALUE_MASK ((UINT64_C(1) << FIZZBUZZ_KIND_SHIFT) - 1)

/* The message for v. The kind is computed from v itself; the value kept is
 * v modulo 2^62. Branch-free: v is a multiple of d (odd) exactly when
 * v * d^-1 mod 2^64 is at most (2^64 - 1) / d, so a kind costs two
 * multiplications and no division; the Fizz bit is bit 0 of the kind, the
 * Buzz bit bit 1. */
static inline struct fizzbuzz_msg fizzbuzz_of(uint64_t v)
{
    uint64_t fizz = v * UINT64_C(0xAAAAAAAAAAAAAAAB) <= UINT64_MAX / 3;
    uint64_t buzz = v * UINT64_C(0xCCCCCCCCCCCCCCCD) <= UINT64_MAX / 5;
    struct fizzbuzz_msg m = { (fizz | buzz << 1) << FIZZBUZZ_KIND_SHIFT |
                              (v & FIZZBUZZ_VALUE_MASK) };
    return m;
}

/* Converts n values to messages, src to dst (which may be the same). */
static inline void fizzbuzz_convert(struct fizzbuzz_msg *dst,
                                    const uint64_t *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = fizzbuzz_of(src[i]);
}

/* Adds the kinds of n messages to counts[], indexed by enum fizzbuzz_kind.
 * Counts the Fizz bits, the Buzz bits and both, which vectorises, and
 * derives the four kinds from those. */
static inline void fizzbuzz_count(const struct fizzbuzz_msg *m, size_t n,
                                  uint64_t counts[4])
{
    uint64_t fizz = 0, buzz = 0, both = 0;

    for (size_t i = 0; i < n; i++) {
        uint64_t k = m[i].bits >> FIZZBUZZ_KIND_SHIFT;

        fizz += k & 1;
        buzz += k >> 1;
        both += k & (k >> 1);
    }
    counts[FIZZBUZZ_FIZZBUZZ] += both;
    counts[FIZZBUZZ_FIZZ] += fizz - both;
    counts[FIZZBUZZ_BUZZ] += buzz - both;
    counts[FIZZBUZZ_VALUE] += n - fizz - buzz + both;
}

static inline enum fizzbuzz_kind fizzbuzz_kind(struct fizzbuzz_msg m)
{
    return (enum fizzbuzz_kind)(m.bits >> FIZZBUZZ_KIND_SHIFT);
}

static inline uint64_t fizzbuzz_value(struct fizzbuzz_msg m)
{
    return m.bits & FIZZBUZZ_VALUE_MASK;
}

/* Writes "FizzBuzz", "Fizz", "Buzz" or "Value(N)" into buf (len bytes,
 * always NUL-terminated when len > 0). Returns what snprintf returns: the
 * length the text needs, so a result >= len means it was cut. */
static inline int fizzbuzz_format(struct fizzbuzz_msg m, char *buf, size_t len)
{
    switch (fizzbuzz_kind(m)) {
    case FIZZBUZZ_FIZZBUZZ:
        return snprintf(buf, len, "FizzBuzz");
    case FIZZBUZZ_FIZZ:
        return snprintf(buf, len, "Fizz");
    case FIZZBUZZ_BUZZ:
        return snprintf(buf, len, "Buzz");
    case FIZZBUZZ_VALUE:
    default:
        return snprintf(buf, len, "Value(%llu)",
                        (unsigned long long)fizzbuzz_value(m));
    }
}

#endif

/* clock.h - the one monotonic clock every part of steady measures with,
 * and the unit conversions around it. Header-only: every layer may use it.
 */
#ifndef STEADY_CLOCK_H
#define STEADY_CLOCK_H

#include <stdint.h>
#include <time.h>

#define NS_PER_US UINT64_C(1000)
#define NS_PER_MS UINT64_C(1000000)
#define NS_PER_S  UINT64_C(1000000000)

/* CLOCK_MONOTONIC in nanoseconds. */
static inline uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* An instant in nanoseconds as a timespec (for absolute deadlines of
 * futexes and condition variables on CLOCK_MONOTONIC). */
static inline struct timespec clock_timespec(uint64_t ns)
{
    struct timespec ts = { (time_t)(ns / NS_PER_S), (long)(ns % NS_PER_S) };

    return ts;
}

#endif

/* util.c - steady-bench's small helpers: clock, pinning, formatting. */
#include "bench.h"

#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

uint64_t bench_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int bench_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    return n > 0 ? (int)n : 1;
}

void bench_pin(int cpu)
{
    cpu_set_t set;

    CPU_ZERO(&set);
    CPU_SET(cpu % bench_cpus(), &set);
    /* best effort: an unpinned run is only slower */
    (void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

void bench_unpin(void)
{
    cpu_set_t set;

    CPU_ZERO(&set);
    for (int i = 0; i < bench_cpus() && i < CPU_SETSIZE; i++)
        CPU_SET(i, &set);
    (void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

void bench_fmt_rate(char *buf, size_t len, double per_s)
{
    if (per_s >= 1e9)
        snprintf(buf, len, "%.2f G/s", per_s / 1e9);
    else if (per_s >= 1e6)
        snprintf(buf, len, "%.1f M/s", per_s / 1e6);
    else
        snprintf(buf, len, "%.1f k/s", per_s / 1e3);
}

void bench_fail(struct bench_result *r, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(r->note, sizeof(r->note), fmt, ap);
    va_end(ap);
    r->ok = false;
}

/* bench_wake - steady-bench's wake-up probe, receiving side: sleeps until a
 * timestamp arrives, notes how long ago it was sent, and at the end logs
 * "wake-up latency over N samples: p50 X ns, p99 Y ns, max Z ns".
 */
#include <stdlib.h>
#include <steady/steady.h>
#include <time.h>

enum { IN };

static const struct steady_port_desc ports[] = {
    [IN] = { "in", STEADY_IN, "u64", sizeof(uint64_t), true },
};

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

    return a < b ? -1 : a > b;
}

static void report(struct steady_actor *a, uint64_t *lat, size_t n)
{
    if (n == 0) {
        steady_info(a, "wake-up latency over 0 samples");
        return;
    }
    qsort(lat, n, sizeof(*lat), cmp_u64);
    steady_info(a,
                "wake-up latency over %zu samples: p50 %llu ns, p99 %llu "
                "ns, max %llu ns",
                n, (unsigned long long)lat[n / 2],
                (unsigned long long)lat[n * 99 / 100],
                (unsigned long long)lat[n - 1]);
}

static int run(struct steady_actor *a)
{
    size_t cap = 1024, n = 0;
    uint64_t *lat = malloc(cap * sizeof(*lat));

    if (!lat)
        return steady_fail(a, "out of memory");
    while (steady_running(a)) {
        bool ready = steady_await_all(a, steady_avail(a, IN, 1));
        struct timespec ts;
        uint64_t now, stamp;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
        while (steady_try_take(a, IN, &stamp)) {
            if (n == cap) {
                uint64_t *more = realloc(lat, 2 * cap * sizeof(*lat));

                if (!more)
                    break;
                lat = more;
                cap *= 2;
            }
            lat[n++] = now - stamp;
        }
        if (!ready && steady_is_closed_and_empty(a, IN))
            break;
    }
    report(a, lat, n);
    free(lat);
    return 0;
}

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "bench_wake",
    .version = "1.0",
    .summary = "measures how long a send takes to wake it (latency probe)",
    .ports = STEADY_PORTS(ports),
    .run = run,
};

STEADY_PLUGIN_DEFINE(desc)

/* pingpong - bounces a counter between two actors to measure the cost of a
 * message round trip (and so of a wake-up or a troupe switch). The one with
 * `serve: false` starts: it sends, waits for the echo, and after `rounds`
 * round trips reports the time per round trip and requests shutdown. */
#include <steady/steady.h>
#include <time.h>

enum { IN, OUT };

static const struct steady_port_desc ports[] = {
    [IN] = { "in", STEADY_IN, STEADY_TYPE_U64, sizeof(uint64_t), true },
    [OUT] = { "out", STEADY_OUT, STEADY_TYPE_U64, sizeof(uint64_t), true },
};

static const struct steady_port_info port_info[] = {
    [IN] = { .doc = "the counter, from the other side" },
    [OUT] = { .doc = "the counter, to the other side" },
};

enum { SERVE, ROUNDS };

static const struct steady_param_desc params[] = {
    [SERVE] = { "serve", STEADY_PARAM_BOOL, "true",
                "true: echo what arrives; false: start, count and report" },
    [ROUNDS] = { "rounds", STEADY_PARAM_INT, "100000",
                 "round trips the starter makes before requesting "
                 "shutdown" },
};

/* Checked by the host before init (and by `steady check`). */
static const struct steady_param_limits limits[] = {
    [SERVE] = { 0 },
    [ROUNDS] = { .min = "1" },
};

static int echo(struct steady_actor *a)
{
    uint64_t v;

    while (steady_running(a)) {
        if (!steady_await_all(a, steady_avail(a, IN, 1),
                              steady_vacant(a, OUT, 1)))
            continue;
        if (steady_try_take(a, IN, &v))
            steady_try_send(a, OUT, &v);
    }
    return 0;
}

static int start(struct steady_actor *a)
{
    uint64_t rounds = (uint64_t)steady_param_int(a, "rounds");
    uint64_t v = 0, back;
    struct timespec t0, t1;
    double ns;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (v < rounds && steady_running(a)) {
        if (!steady_send(a, OUT, &v, STEADY_SATURATION_AWAIT))
            break;
        if (!steady_await_all(a, steady_avail(a, IN, 1)))
            break;
        steady_try_take(a, IN, &back);
        if (back != v)
            return steady_fail(a, "sent %llu, got %llu back",
                               (unsigned long long)v, (unsigned long long)back);
        v++;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 +
         (double)(t1.tv_nsec - t0.tv_nsec);
    steady_info(a, "%llu round trips in %.3f s: %.0f ns per round trip",
                (unsigned long long)v, ns / 1e9, v ? ns / (double)v : 0.0);
    /* in a cycle every vote waits for an input to close: close ours first
     * so the echo can finish, then ours can */
    steady_close(a, OUT);
    steady_request_shutdown(a);
    while (steady_running(a))
        if (steady_await_all(a, steady_avail(a, IN, 1)))
            steady_try_take(a, IN, &back);
    return 0;
}

static int run(struct steady_actor *a)
{
    return steady_param_bool(a, "serve") ? echo(a) : start(a);
}

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "pingpong",
    .version = "1.0",
    .summary = "bounces a counter to time message round trips",
    .ports = STEADY_PORTS(ports),
    .params = STEADY_PARAMS(params),
    .run = run,
    .port_info = port_info,
    .param_limits = limits,
};

STEADY_PLUGIN_DEFINE(desc)

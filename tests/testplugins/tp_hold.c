/* tp_hold.c - a u64 test actor for telemetry tests, whose `role` param
 * picks what it does: "fill" sends 0, 1, 2, ... as fast as room allows;
 * "hold" never takes (its input stays full) and agrees to shut down at
 * once; "drain" takes everything; "tick" sends one item every period_ms.
 */
#include <steady/actor.h>
#include <steady/plugin.h>
#include <string.h>

enum { IN, OUT };

static const struct steady_port_desc ports[] = {
    [IN] = { "in", STEADY_IN, "u64", sizeof(uint64_t), false },
    [OUT] = { "out", STEADY_OUT, "u64", sizeof(uint64_t), false },
};

static const struct steady_param_desc params[] = {
    { "role", STEADY_PARAM_STRING, "hold", "fill, hold, drain or tick" },
    { "period_ms", STEADY_PARAM_INT, "10", "ms between items for tick" },
};

static int init(struct steady_actor *a)
{
    const char *role = steady_param_str(a, "role");

    if (strcmp(role, "fill") != 0 && strcmp(role, "hold") != 0 &&
        strcmp(role, "drain") != 0 && strcmp(role, "tick") != 0)
        return steady_fail(a,
                           "role must be fill, hold, drain or tick, got "
                           "'%s'",
                           role);
    if (steady_param_int(a, "period_ms") < 1)
        return steady_fail(a, "period_ms must be at least 1");
    return 0;
}

/* A holder leaves its input full, so the default vote (inputs drained)
 * would never agree. */
static bool vote_yes(struct steady_actor *a, char *why, size_t len)
{
    (void)a;
    (void)why;
    (void)len;
    return true;
}

static void fill(struct steady_actor *a)
{
    uint64_t next = 0;

    while (steady_running(a)) {
        if (!steady_await_all(a, steady_vacant(a, OUT, 1)))
            continue;
        while (steady_try_send(a, OUT, &next))
            next++;
    }
}

static void hold(struct steady_actor *a)
{
    steady_set_vote(a, vote_yes);
    while (steady_running(a))
        steady_await_any(a, steady_timeout(a, 1000));
}

static void drain(struct steady_actor *a)
{
    uint64_t v;

    while (steady_running(a)) {
        if (!steady_await_all(a, steady_avail(a, IN, 1)))
            continue;
        while (steady_try_take(a, IN, &v))
            ;
    }
}

static void tick(struct steady_actor *a)
{
    uint64_t period = (uint64_t)steady_param_int(a, "period_ms");
    uint64_t next = 0;

    while (steady_running(a)) {
        if (!steady_await_all(a, steady_periodic(a, period),
                              steady_vacant(a, OUT, 1)))
            continue;
        if (steady_try_send(a, OUT, &next))
            next++;
    }
}

static int run(struct steady_actor *a)
{
    const char *role = steady_param_str(a, "role");

    if (strcmp(role, "fill") == 0)
        fill(a);
    else if (strcmp(role, "drain") == 0)
        drain(a);
    else if (strcmp(role, "tick") == 0)
        tick(a);
    else
        hold(a);
    return 0;
}

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "tp_hold",
    .version = "1.0",
    .summary = "telemetry test actor: fill, hold, drain or tick",
    .ports = STEADY_PORTS(ports),
    .params = STEADY_PARAMS(params),
    .init = init,
    .run = run,
};

STEADY_PLUGIN_DEFINE(desc)

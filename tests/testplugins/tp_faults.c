/* tp_faults.c - an actor that misbehaves the way a careless plugin would,
 * as its `mode` param says, for tests of how the host survives and reports
 * it: an init that never returns or takes init_ms, exit() called from init
 * or run, a panic in destroy. Otherwise it idles until shutdown. */
#include <stdlib.h>
#include <steady/steady.h>
#include <string.h>
#include <time.h>

static const char *mode(struct steady_actor *a)
{
    return steady_param_str(a, "mode");
}

static void sleep_ms(int64_t ms)
{
    struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 };

    while (nanosleep(&ts, &ts) != 0)
        ;
}

static int init(struct steady_actor *a)
{
    steady_info(a, "init begins (%s)", mode(a));
    if (strcmp(mode(a), "block_init") == 0)
        for (;;)
            sleep_ms(3600 * 1000); /* deaf to shutdown, as a stuck init is */
    if (strcmp(mode(a), "exit_init") == 0)
        exit(3);
    sleep_ms(steady_param_int(a, "init_ms"));
    steady_info(a, "init done");
    return 0;
}

static int run(struct steady_actor *a)
{
    if (strcmp(mode(a), "exit_run") == 0) {
        steady_info(a, "calling exit(3)");
        exit(3);
    }
    while (steady_running(a))
        steady_await_all(a, steady_timeout(a, 1000));
    return 0;
}

static void destroy(struct steady_actor *a)
{
    if (strcmp(mode(a), "panic_destroy") == 0)
        steady_panic(a, "destroy cannot let go of its resources");
    steady_info(a, "destroyed");
}

static const struct steady_param_desc params[] = {
    { "mode", STEADY_PARAM_STRING, "none",
      "none, block_init, exit_init, exit_run or panic_destroy" },
    { "init_ms", STEADY_PARAM_INT, "0", "how long init takes" },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "tp_faults",
    .version = "1.0",
    .summary = "misbehaves as asked, for the host's tests",
    .params = STEADY_PARAMS(params),
    .init = init,
    .run = run,
    .destroy = destroy,
};

STEADY_PLUGIN_DEFINE(desc)

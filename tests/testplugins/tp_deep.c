/* tp_deep.c - an actor whose run makes one call with a 1 MiB stack frame,
 * then stops the graph: more than a troupe member's default 256 KiB stack
 * holds, so the overflow must be reported as this actor's failure; with
 * stack_kib large enough it runs to the end. With null_write it instead
 * faults outside any stack, which must stay an ordinary crash.
 */
#include <steady/steady.h>
#include <string.h>

#define FRAME (1024 * 1024)

/* noinline: the frame is this function's, entered from run */
__attribute__((noinline)) static unsigned deep(unsigned seed)
{
    volatile unsigned char frame[FRAME];
    unsigned sum = 0;

    for (size_t i = 0; i < FRAME; i += 4096)
        frame[i] = (unsigned char)(seed + i);
    for (size_t i = 0; i < FRAME; i += 4096)
        sum += frame[i];
    return sum;
}

static int run(struct steady_actor *a)
{
    if (steady_param_bool(a, "null_write")) {
        volatile int *volatile nowhere = NULL;
        *nowhere = 1;
    }
    steady_info(a, "going deep");
    steady_info(a, "deep frame fine (%u)", deep(7));
    steady_request_shutdown(a);
    while (steady_running(a))
        steady_await_all(a, steady_timeout(a, 1000));
    return 0;
}

static const struct steady_param_desc params[] = {
    { "null_write", STEADY_PARAM_BOOL, "false",
      "write through a NULL pointer instead" },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "tp_deep",
    .version = "1.0",
    .summary = "needs a stack of more than 1 MiB",
    .params = STEADY_PARAMS(params),
    .run = run,
};

STEADY_PLUGIN_DEFINE(desc)

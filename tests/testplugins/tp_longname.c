/* tp_longname.c - a plugin whose name is 100 characters long, with
 * persistent state: each run counts itself and stops the graph. State
 * files once cut plugin names at 63 characters, so it never resumed. */
#include <steady/steady.h>

#define LONG_NAME                                              \
    "tp_longname_0123456789_0123456789_0123456789_0123456789_" \
    "0123456789_0123456789_0123456789_0123456789x"

struct longname_state {
    uint64_t runs; /* runs of the graph so far */
};

static int run(struct steady_actor *a)
{
    struct longname_state *s = steady_state(a);

    s->runs++;
    steady_info(a, "run %llu", (unsigned long long)s->runs);
    steady_request_shutdown(a);
    while (steady_running(a))
        steady_await_all(a, steady_timeout(a, 1000));
    return 0;
}

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = LONG_NAME,
    .version = "1.0",
    .summary = "counts its runs in persistent state under a long name",
    .state_size = sizeof(struct longname_state),
    .run = run,
};

_Static_assert(sizeof(LONG_NAME) - 1 == 100, "a name of 100 characters");

STEADY_PLUGIN_DEFINE(desc)

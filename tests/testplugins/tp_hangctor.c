/* tp_hangctor.c - a plugin whose constructor never returns: the preflight's
 * time limit must end the check and refuse it.
 */
#include <steady/plugin.h>
#include <unistd.h>

__attribute__((constructor)) static void hang_on_load(void)
{
    for (;;)
        pause();
}

static int hangctor_run(struct steady_actor *a)
{
    (void)a;
    return 0;
}

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER, .name = "tp_hangctor",
    .version = "1.0",     .summary = "never finishes loading",
    .run = hangctor_run,
};

STEADY_PLUGIN_DEFINE(desc)

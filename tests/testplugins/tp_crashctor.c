/* tp_crashctor.c - a plugin whose constructor dies of SIGBUS as soon as the
 * file is opened: the preflight must refuse it without the host (or the
 * test process) ever mapping it.
 */
#include <signal.h>
#include <steady/plugin.h>

__attribute__((constructor)) static void crash_on_load(void)
{
    raise(SIGBUS);
}

static int crashctor_run(struct steady_actor *a)
{
    (void)a;
    return 0;
}

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER, .name = "tp_crashctor",
    .version = "1.0",     .summary = "dies of SIGBUS while being loaded",
    .run = crashctor_run,
};

STEADY_PLUGIN_DEFINE(desc)

/* tp_wronglayout.c - a plugin whose descriptor is fine but which says it was
 * built against another channel layout: the loader must refuse it, because
 * its inlined channel fast paths would read the wrong fields. Written out by
 * hand instead of STEADY_PLUGIN_DEFINE to claim layout 99. */
#include <steady/steady.h>

static int run(struct steady_actor *a)
{
    (void)a;
    return 0;
}

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER, .name = "tp_wronglayout",
    .version = "1.0",     .summary = "claims channel layout 99",
    .run = run,
};

STEADY_EXPORT const struct steady_plugin *steady_plugin_entry(void);
STEADY_EXPORT const struct steady_plugin *steady_plugin_entry(void)
{
    return &desc;
}

STEADY_EXPORT extern const uint32_t steady_plugin_channel_layout;
const uint32_t steady_plugin_channel_layout = 99;

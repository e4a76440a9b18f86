/* tp_nullentry.c - deliberately broken: exports the entry point, but it
 * returns no descriptor.
 */
#include <stddef.h>
#include <steady/plugin.h>

STEADY_EXPORT const struct steady_plugin *steady_plugin_entry(void);

STEADY_EXPORT const struct steady_plugin *steady_plugin_entry(void)
{
    return NULL;
}

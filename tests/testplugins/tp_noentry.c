/* tp_noentry.c - deliberately broken: a shared object that exports a
 * function but not steady_plugin_entry, as a stray library would.
 */
#include <steady/export.h>

STEADY_EXPORT int tp_noentry_answer(void);

STEADY_EXPORT int tp_noentry_answer(void)
{
    return 42;
}

/* tp_exitctor.c - a plugin whose constructor calls exit(3): loading it in
 * the host would end the host with the plugin's status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <steady/plugin.h>

__attribute__((constructor)) static void exit_on_load(void)
{
    fprintf(stderr, "tp_exitctor: leaving from a constructor\n");
    exit(3);
}

static int exitctor_run(struct steady_actor *a)
{
    (void)a;
    return 0;
}

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER, .name = "tp_exitctor",
    .version = "1.0",     .summary = "exits while being loaded",
    .run = exitctor_run,
};

STEADY_PLUGIN_DEFINE(desc)

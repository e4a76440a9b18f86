/* tp_failinit.c - a valid plugin whose init always fails, for tests of how
 * the runtime reports and cleans up after a refused start.
 */
#include <steady/actor.h>
#include <steady/plugin.h>

static int failinit_init(struct steady_actor *a)
{
    return steady_fail(a, "init refuses: %s", "on purpose");
}

static int failinit_run(struct steady_actor *a)
{
    (void)a;
    return 0;
}

static const struct steady_port_desc ports[] = {
    { .name = "in",
      .dir = STEADY_IN,
      .type_name = "u64",
      .elem_size = 8,
      .required = false },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,  .name = "tp_failinit",
    .version = "1.0",      .summary = "init always fails",
    .ports = ports,        .n_ports = sizeof(ports) / sizeof(ports[0]),
    .init = failinit_init, .run = failinit_run,
};

STEADY_PLUGIN_DEFINE(desc)

/* tp_ranged.c - a well-formed plugin that declares the ABI 1.1 extras: a
 * one-line doc per port and limits on its params (an int range, one-sided
 * bounds, a double range, a string's allowed values), for the loader,
 * graph, harness and inspect tests. Passes what it takes on unchanged.
 */
#include <steady/steady.h>

enum { IN, OUT };

static int ranged_run(struct steady_actor *a)
{
    uint64_t v;

    while (steady_running(a)) {
        if (!steady_await_all(a, steady_avail(a, IN, 1),
                              steady_vacant(a, OUT, 1)))
            continue;
        if (steady_try_take(a, IN, &v))
            steady_try_send(a, OUT, &v);
    }
    return 0;
}

static const struct steady_port_desc ports[] = {
    [IN] = { .name = "in",
             .dir = STEADY_IN,
             .type_name = STEADY_TYPE_U64,
             .elem_size = sizeof(uint64_t),
             .required = false },
    [OUT] = { .name = "out",
              .dir = STEADY_OUT,
              .type_name = STEADY_TYPE_U64,
              .elem_size = sizeof(uint64_t),
              .required = false },
};

static const struct steady_port_info port_info[] = {
    [IN] = { .doc = "values to pass on" },
    [OUT] = { .doc = "the same values, in order" },
};

static const struct steady_param_desc params[] = {
    { .name = "count",
      .type = STEADY_PARAM_INT,
      .default_value = "10",
      .doc = "how many" },
    { .name = "ratio",
      .type = STEADY_PARAM_DOUBLE,
      .default_value = "0.5",
      .doc = "a fraction" },
    { .name = "mode",
      .type = STEADY_PARAM_STRING,
      .default_value = "fast",
      .doc = "how to pass" },
    { .name = "floor",
      .type = STEADY_PARAM_INT,
      .default_value = "0",
      .doc = "bounded below only" },
    { .name = "ceiling",
      .type = STEADY_PARAM_INT,
      .default_value = "0",
      .doc = "bounded above only" },
    { .name = "verbose",
      .type = STEADY_PARAM_BOOL,
      .default_value = "false",
      .doc = "any bool" },
};

static const struct steady_param_limits limits[] = {
    { .min = "1", .max = "1000" },  /* count */
    { .min = "0", .max = "1" },     /* ratio */
    { .one_of = "fast|safe|slow" }, /* mode */
    { .min = "-5" },                /* floor */
    { .max = "0x10" },              /* ceiling */
    { 0 },                          /* verbose */
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "tp_ranged",
    .version = "1.0",
    .summary = "passes values on; declares port docs and param limits",
    .ports = ports,
    .n_ports = sizeof(ports) / sizeof(ports[0]),
    .params = params,
    .n_params = sizeof(params) / sizeof(params[0]),
    .run = ranged_run,
    .port_info = port_info,
    .param_limits = limits,
};

STEADY_PLUGIN_DEFINE(desc)

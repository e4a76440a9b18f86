/* tp_described.c - a well-formed plugin with every kind of port ABI 1.1
 * can describe, for `steady inspect`: a bundle with a limit, an optional
 * bundle without one, an any-typed port, a variable-size port, and a port
 * with no doc. It is only described, never wired.
 */
#include <steady/steady.h>

static int described_run(struct steady_actor *a)
{
    (void)a;
    return 0;
}

static const struct steady_port_desc ports[] = {
    { .name = "ins",
      .dir = STEADY_IN,
      .type_name = STEADY_TYPE_U64,
      .elem_size = sizeof(uint64_t),
      .required = true },
    { .name = "taps",
      .dir = STEADY_OUT,
      .type_name = STEADY_TYPE_U64,
      .elem_size = sizeof(uint64_t) },
    { .name = "copy", .dir = STEADY_OUT, .type_name = STEADY_TYPE_ANY },
    { .name = "lines",
      .dir = STEADY_OUT,
      .type_name = STEADY_TYPE_TEXT,
      .elem_size = STEADY_VARSIZE },
    { .name = "plain",
      .dir = STEADY_IN,
      .type_name = STEADY_TYPE_F64,
      .elem_size = sizeof(double) },
};

static const struct steady_port_info port_info[] = {
    { .doc = "values, merged", .flags = STEADY_PORT_MANY, .max_wired = 4 },
    { .doc = "a copy to each", .flags = STEADY_PORT_MANY },
    { .doc = "whatever comes in" },
    { .doc = "one line per value" },
    { 0 },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER, .name = "tp_described",
    .version = "1.0",     .summary = "ports of every kind, for inspect",
    .ports = ports,       .n_ports = sizeof(ports) / sizeof(ports[0]),
    .run = described_run, .port_info = port_info,
};

STEADY_PLUGIN_DEFINE(desc)

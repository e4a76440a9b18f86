/* tp_natssub.c - a stand-in for nats_subscribe in the graph split's tests: the
 * same port and params (the ones steady sets on the bridges it inserts),
 * no NATS. Its run does nothing.
 */
#include <steady/plugin.h>

static int run(struct steady_actor *a)
{
    (void)a;
    return 0;
}

static const struct steady_port_desc ports[] = {
    { "out", STEADY_OUT, STEADY_TYPE_ANY, 0, true },
};

static const struct steady_param_desc params[] = {
    { "url", STEADY_PARAM_STRING, "nats://127.0.0.1:4222", "server" },
    { "subject", STEADY_PARAM_STRING, NULL, "subject" },
    { "jetstream", STEADY_PARAM_BOOL, "false", "through JetStream" },
    { "stream", STEADY_PARAM_STRING, "", "stream" },
    { "durable", STEADY_PARAM_STRING, "", "durable consumer name" },
    { "create_stream", STEADY_PARAM_BOOL, "false", "create the stream" },
    { "max_msgs", STEADY_PARAM_INT, "0", "stream bound" },
    { "eos", STEADY_PARAM_BOOL, "false", "end-of-stream marker" },
    { "control", STEADY_PARAM_STRING, "", "shutdown notices" },
    { "control_stream", STEADY_PARAM_STRING, "", "stream keeping them" },
    { "creds", STEADY_PARAM_STRING, "", "credentials file" },
    { "tls_ca", STEADY_PARAM_STRING, "", "CA file" },
    { "tls_cert", STEADY_PARAM_STRING, "", "client certificate" },
    { "tls_key", STEADY_PARAM_STRING, "", "client key" },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "tp_natssub",
    .version = "1.0",
    .summary = "stands in for nats_subscribe in tests",
    .ports = STEADY_PORTS(ports),
    .params = STEADY_PARAMS(params),
    .run = run,
};

STEADY_PLUGIN_DEFINE(desc)

/* tp_figures.c - reports figures of its own (steady_figure_set,
 * steady_count_add) as its params say, and logs what each call returned,
 * for the tests of the figures API and of how telemetry shows them.
 *
 * `init_ops` (in init) and `ops` (at each start of run) are lists of calls
 * separated by spaces: "set:NAME=VALUE" sets a value, "add:NAME=N" adds
 * to a count; NAME "-" stands for a NULL name. Each call logs
 * "op OP -> RC", then "figures done". With `fail_once` the first run then
 * fails (its state remembers it), so that a restart runs `ops` again.
 * Otherwise it waits for shutdown. */
#include <stdlib.h>
#include <steady/steady.h>
#include <string.h>

struct figures_state {
    bool failed; /* the first run failed as asked */
};

/* One call: "set:NAME=VALUE" or "add:NAME=N" in op[0..len). */
static void do_op(struct steady_actor *a, const char *op, size_t len)
{
    char text[256], *name, *value;
    int rc;

    if (len >= sizeof(text) || len < 5 || op[3] != ':') {
        steady_warn(a, "op %.*s: not set:NAME=VALUE or add:NAME=N", (int)len,
                    op);
        return;
    }
    memcpy(text, op, len);
    text[len] = '\0';
    name = text + 4;
    value = strchr(name, '=');
    if (!value) {
        steady_warn(a, "op %s: no '='", text);
        return;
    }
    *value++ = '\0';
    if (strncmp(text, "set", 3) == 0)
        rc = steady_figure_set(a, strcmp(name, "-") ? name : NULL,
                               strtod(value, NULL));
    else
        rc = steady_count_add(a, strcmp(name, "-") ? name : NULL,
                              strtoull(value, NULL, 10));
    steady_info(a, "op %.*s -> %d", (int)len, op, rc);
}

static void do_ops(struct steady_actor *a, const char *ops)
{
    while (ops && *ops) {
        size_t n;

        ops += strspn(ops, " ");
        n = strcspn(ops, " ");
        if (n)
            do_op(a, ops, n);
        ops += n;
    }
}

static int init(struct steady_actor *a)
{
    do_ops(a, steady_param_str(a, "init_ops"));
    return 0;
}

static int run(struct steady_actor *a)
{
    struct figures_state *s = steady_state(a);

    do_ops(a, steady_param_str(a, "ops"));
    steady_info(a, "figures done");
    if (steady_param_bool(a, "fail_once") && !s->failed) {
        s->failed = true;
        steady_panic(a, "fails once after its figures, as configured");
    }
    while (steady_running(a))
        steady_await_all(a, steady_timeout(a, 1000));
    return 0;
}

static const struct steady_param_desc params[] = {
    { .name = "init_ops",
      .type = STEADY_PARAM_STRING,
      .default_value = "",
      .doc = "calls made in init: set:NAME=VALUE or add:NAME=N, spaced" },
    { .name = "ops",
      .type = STEADY_PARAM_STRING,
      .default_value = "",
      .doc = "calls made at each start of run, as init_ops" },
    { .name = "fail_once",
      .type = STEADY_PARAM_BOOL,
      .default_value = "false",
      .doc = "fail the first run after its calls" },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "tp_figures",
    .version = "1.0",
    .summary = "reports figures of its own as told",
    .params = STEADY_PARAMS(params),
    .state_size = sizeof(struct figures_state),
    .init = init,
    .run = run,
};

STEADY_PLUGIN_DEFINE(desc)

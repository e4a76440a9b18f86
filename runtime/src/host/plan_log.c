/* plan_log.c - the answer to "what exactly is this graph about to run?":
 * which .so each actor was loaded from, its params after defaults, $args
 * and command-line overrides, where it runs, and the wiring.
 */
#include "plan_log.h"

#include <inttypes.h>
#include <stdio.h>
#include <steady/log.h>
#include <string.h>

/* Appends "name=value" for every param of actor a to buf. */
static void format_params(const struct graph_actor *a, char *buf, size_t len)
{
    const struct steady_plugin *d = a->plugin->desc;
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < d->n_params && used < len; i++) {
        const union param_value *v = &a->params[i];
        const char *sep = i ? ", " : "";
        int n = 0;

        switch (d->params[i].type) {
        case STEADY_PARAM_INT:
            n = snprintf(buf + used, len - used, "%s%s=%" PRId64, sep,
                         d->params[i].name, v->i);
            break;
        case STEADY_PARAM_DOUBLE:
            n = snprintf(buf + used, len - used, "%s%s=%g", sep,
                         d->params[i].name, v->d);
            break;
        case STEADY_PARAM_BOOL:
            n = snprintf(buf + used, len - used, "%s%s=%s", sep,
                         d->params[i].name, v->b ? "true" : "false");
            break;
        case STEADY_PARAM_STRING:
            n = snprintf(buf + used, len - used, "%s%s=\"%s\"", sep,
                         d->params[i].name, v->s ? v->s : "");
            break;
        }
        if (n < 0)
            break;
        used += (size_t)n;
    }
    if (!d->n_params)
        snprintf(buf, len, "none");
}

void plan_log_debug(const struct graph *g)
{
    char params[1024], from[256], to[256], cpu[16];

    if (!steady_log_enabled(STEADY_LOG_DEBUG))
        return;
    for (size_t i = 0; i < g->n_actors; i++) {
        const struct graph_actor *a = &g->actors[i];
        const struct steady_plugin *d = a->plugin->desc;

        format_params(a, params, sizeof(params));
        if (a->cpu >= 0)
            snprintf(cpu, sizeof(cpu), "%d", a->cpu);
        else
            snprintf(cpu, sizeof(cpu), "any");
        steady_debug(NULL,
                     "actor '%s': plugin %s %s from %s; params: %s; %s%s%s, "
                     "cpu %s",
                     a->name, d->name, d->version ? d->version : "-",
                     a->plugin->path, params, a->troupe ? "troupe '" : "solo",
                     a->troupe ? a->troupe : "", a->troupe ? "'" : "", cpu);
    }
    for (size_t i = 0; i < g->n_channels; i++) {
        const struct graph_channel *c = &g->channels[i];
        const struct steady_port_desc *p =
            &g->actors[c->from.actor].plugin->desc->ports[c->from.port];

        steady_debug(NULL,
                     "channel %s -> %s: type %s (%zu bytes), capacity %zu",
                     graph_endpoint_name(g, &c->from, from, sizeof(from)),
                     graph_endpoint_name(g, &c->to, to, sizeof(to)),
                     p->type_name, p->elem_size, c->capacity);
    }
}

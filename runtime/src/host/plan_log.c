/* plan_log.c - the answer to "what exactly is this graph about to run?":
 * which .so each actor was loaded from, its params after defaults, $args
 * and command-line overrides, where it runs, and the wiring with each
 * bundle channel's index and each any-typed port's resolved type.
 */
#include "plan_log.h"

#include "port_info.h"

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

/* "u64 (8 bytes)", "text (variable size)". */
static const char *type_text(const char *name, size_t size, char *buf,
                             size_t len)
{
    if (size == STEADY_VARSIZE)
        snprintf(buf, len, "%s (variable size)", name);
    else
        snprintf(buf, len, "%s (%zu bytes)", name, size);
    return buf;
}

static bool is_any(const struct graph *g, const struct graph_endpoint *e)
{
    return plugin_port_is_any(
        &g->actors[e->actor].plugin->desc->ports[e->port]);
}

static bool is_bundle(const struct graph *g, const struct graph_endpoint *e)
{
    return plugin_port_is_bundle(g->actors[e->actor].plugin->desc, e->port);
}

/* "channel a.out[1] -> b.in: type u64 (8 bytes), capacity 64", naming
 * the ends whose type was resolved ("; any-typed: b.in"). */
static void describe_channel(const struct graph *g,
                             const struct graph_channel *c, char *buf,
                             size_t len)
{
    char from[256], to[256], type[300];
    bool from_any = is_any(g, &c->from), to_any = is_any(g, &c->to);

    graph_endpoint_name(g, &c->from, from, sizeof(from));
    graph_endpoint_name(g, &c->to, to, sizeof(to));
    snprintf(buf, len, "channel %s -> %s: type %s, capacity %zu%s%s%s%s", from,
             to, type_text(c->type_name, c->elem_size, type, sizeof(type)),
             c->capacity, from_any || to_any ? "; any-typed: " : "",
             from_any ? from : "", from_any && to_any ? ", " : "",
             to_any ? to : "");
}

void plan_write_resolved(const struct graph *g, FILE *out)
{
    char line[2048], type[300];

    for (size_t i = 0; i < g->n_actors; i++) {
        const struct graph_actor *a = &g->actors[i];

        if (a->any_type)
            fprintf(out, "  actor '%s': any-typed ports carry type %s\n",
                    a->name,
                    type_text(a->any_type, a->any_size, type, sizeof(type)));
    }
    for (size_t i = 0; i < g->n_channels; i++) {
        const struct graph_channel *c = &g->channels[i];

        if (!is_any(g, &c->from) && !is_any(g, &c->to) &&
            !is_bundle(g, &c->from) && !is_bundle(g, &c->to))
            continue;
        describe_channel(g, c, line, sizeof(line));
        fprintf(out, "  %s\n", line);
    }
}

void plan_log_debug(const struct graph *g)
{
    char params[1024], line[2048], type[300], cpu[16];

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
        if (a->any_type)
            steady_debug(
                NULL, "actor '%s': any-typed ports carry type %s", a->name,
                type_text(a->any_type, a->any_size, type, sizeof(type)));
    }
    for (size_t i = 0; i < g->n_channels; i++) {
        describe_channel(g, &g->channels[i], line, sizeof(line));
        steady_debug(NULL, "%s", line);
    }
}

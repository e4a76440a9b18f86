/* inspect.c - describes an opened plugin for `steady inspect`: its identity,
 * ABI, and its ports and params as aligned plain-text tables.
 */
#include "inspect.h"

#include "param.h"

#include <string.h>

static const char *or_dash(const char *s)
{
    return s && *s ? s : "-";
}

static int max_int(int a, int b)
{
    return a > b ? a : b;
}

static int width(const char *s)
{
    return (int)strlen(s);
}

static void describe_ports(const struct steady_plugin *d, FILE *out)
{
    int wn = width("name"), wt = width("type");

    if (d->n_ports == 0) {
        fprintf(out, "\nports: none\n");
        return;
    }
    for (size_t i = 0; i < d->n_ports; i++) {
        wn = max_int(wn, width(d->ports[i].name));
        wt = max_int(wt, width(d->ports[i].type_name));
    }
    fprintf(out, "\nports:\n");
    fprintf(out, "  %-*s  %-3s  %-*s  %5s  %s\n", wn, "name", "dir", wt, "type",
            "size", "use");
    for (size_t i = 0; i < d->n_ports; i++) {
        const struct steady_port_desc *p = &d->ports[i];
        fprintf(out, "  %-*s  %-3s  %-*s  %5zu  %s\n", wn, p->name,
                p->dir == STEADY_IN ? "in" : "out", wt, p->type_name,
                p->elem_size, p->required ? "required" : "optional");
    }
}

/* How a default is shown: an empty string default would otherwise vanish. */
static const char *shown_default(const struct steady_param_desc *p)
{
    if (!p->default_value)
        return "(required)";
    if (!*p->default_value)
        return "\"\"";
    return p->default_value;
}

static void describe_params(const struct steady_plugin *d, FILE *out)
{
    int wn = width("name"), wt = width("type"), wd = width("default");

    if (d->n_params == 0) {
        fprintf(out, "\nparams: none\n");
        return;
    }
    for (size_t i = 0; i < d->n_params; i++) {
        wn = max_int(wn, width(d->params[i].name));
        wt = max_int(wt, width(param_type_name(d->params[i].type)));
        wd = max_int(wd, width(shown_default(&d->params[i])));
    }
    fprintf(out, "\nparams:\n");
    fprintf(out, "  %-*s  %-*s  %-*s  %s\n", wn, "name", wt, "type", wd,
            "default", "doc");
    for (size_t i = 0; i < d->n_params; i++) {
        const struct steady_param_desc *p = &d->params[i];
        /* No trailing blanks when a param has no doc. */
        if (p->doc && *p->doc)
            fprintf(out, "  %-*s  %-*s  %-*s  %s\n", wn, p->name, wt,
                    param_type_name(p->type), wd, shown_default(p), p->doc);
        else
            fprintf(out, "  %-*s  %-*s  %s\n", wn, p->name, wt,
                    param_type_name(p->type), shown_default(p));
    }
}

void plugin_describe(const struct loaded_plugin *p, FILE *out)
{
    const struct steady_plugin *d = p->desc;

    fprintf(out, "plugin   %s\n", d->name);
    fprintf(out, "version  %s\n", or_dash(d->version));
    fprintf(out, "summary  %s\n", or_dash(d->summary));
    fprintf(out, "file     %s\n", p->path);
    fprintf(out, "abi      %u.%u (host %u.%u)\n",
            (unsigned)STEADY_ABI_MAJOR_OF(d->abi_version),
            (unsigned)(d->abi_version & 0xffffu), (unsigned)STEADY_ABI_MAJOR,
            (unsigned)STEADY_ABI_MINOR);
    fprintf(out, "state    %zu bytes\n", d->state_size);
    describe_ports(d, out);
    describe_params(d, out);
}

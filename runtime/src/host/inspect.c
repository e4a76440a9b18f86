/* inspect.c - describes plugins: `steady inspect PLUGIN` (aligned
 * plain-text tables, or JSON with --json) and `steady plugins` (every
 * plugin on the search path, one line each).
 */
#include "inspect.h"

#include "param.h"

#include <dirent.h>
#include <dlfcn.h>
#include <inttypes.h>
#include <stdlib.h>
#include <steady/channel.h>
#include <steady/runtime.h>
#include <string.h>
#include <unistd.h>

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

/* The channel layout the plugin was built against (1 when it predates the
 * symbol); the loader takes 1 and this host's. */
static unsigned plugin_layout(const struct loaded_plugin *p)
{
    const uint32_t *layout = dlsym(p->handle, STEADY_PLUGIN_LAYOUT_SYMBOL);

    return layout ? (unsigned)*layout : 1u;
}

static bool port_any_typed(const struct steady_port_desc *p)
{
    return strcmp(p->type_name, STEADY_TYPE_ANY) == 0;
}

/* "any" for an any-typed port, else its type name. */
static const char *port_type(const struct steady_port_desc *p)
{
    return port_any_typed(p) ? "any" : p->type_name;
}

/* "8", "any" or "variable-size" into buf. */
static const char *port_size(const struct steady_port_desc *p, char *buf,
                             size_t len)
{
    if (port_any_typed(p))
        snprintf(buf, len, "any");
    else if (p->elem_size == STEADY_VARSIZE)
        snprintf(buf, len, "variable-size");
    else
        snprintf(buf, len, "%zu", p->elem_size);
    return buf;
}

/* "required", "optional", "required bundle", "optional bundle (at most
 * 4)" into buf. */
static const char *port_use(const struct steady_port_desc *p,
                            const struct steady_port_info *pi, char *buf,
                            size_t len)
{
    const char *need = p->required ? "required" : "optional";

    if (!(pi->flags & STEADY_PORT_MANY))
        snprintf(buf, len, "%s", need);
    else if (pi->max_wired)
        snprintf(buf, len, "%s bundle (at most %u)", need, pi->max_wired);
    else
        snprintf(buf, len, "%s bundle", need);
    return buf;
}

static void describe_ports(const struct loaded_plugin *lp, FILE *out)
{
    const struct steady_plugin *d = lp->desc;
    int wn = width("name"), wt = width("type"), ws = 5; /* as in 0.2 */
    int wu = width("use");
    char size[32], use[64];

    if (d->n_ports == 0) {
        fprintf(out, "\nports: none\n");
        return;
    }
    for (size_t i = 0; i < d->n_ports; i++) {
        const struct steady_port_desc *p = &d->ports[i];

        wn = max_int(wn, width(p->name));
        wt = max_int(wt, width(port_type(p)));
        ws = max_int(ws, width(port_size(p, size, sizeof(size))));
        wu = max_int(wu,
                     width(port_use(p, &lp->port_info[i], use, sizeof(use))));
    }
    fprintf(out, "\nports:\n");
    fprintf(out, "  %-*s  %-3s  %-*s  %*s  %-*s  %s\n", wn, "name", "dir", wt,
            "type", ws, "size", wu, "use", "doc");
    for (size_t i = 0; i < d->n_ports; i++) {
        const struct steady_port_desc *p = &d->ports[i];
        const char *doc = lp->port_info[i].doc;

        port_size(p, size, sizeof(size));
        port_use(p, &lp->port_info[i], use, sizeof(use));
        /* No trailing blanks when a port has no doc. */
        if (doc && *doc)
            fprintf(out, "  %-*s  %-3s  %-*s  %*s  %-*s  %s\n", wn, p->name,
                    p->dir == STEADY_IN ? "in" : "out", wt, port_type(p), ws,
                    size, wu, use, doc);
        else
            fprintf(out, "  %-*s  %-3s  %-*s  %*s  %s\n", wn, p->name,
                    p->dir == STEADY_IN ? "in" : "out", wt, port_type(p), ws,
                    size, use);
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

/* The limits of param i as inspect shows them: "1..3600000", ">= 1",
 * "fast|safe", or "-" for any value of its type. */
static const char *shown_range(const struct loaded_plugin *lp, size_t i,
                               char *buf, size_t len)
{
    param_limit_text(&lp->limits[i], buf, len);
    return or_dash(buf);
}

static void describe_params(const struct loaded_plugin *lp, FILE *out)
{
    const struct steady_plugin *d = lp->desc;
    int wn = width("name"), wt = width("type"), wd = width("default");
    int wr = width("range");
    char range[512];

    if (d->n_params == 0) {
        fprintf(out, "\nparams: none\n");
        return;
    }
    for (size_t i = 0; i < d->n_params; i++) {
        wn = max_int(wn, width(d->params[i].name));
        wt = max_int(wt, width(param_type_name(d->params[i].type)));
        wd = max_int(wd, width(shown_default(&d->params[i])));
        wr = max_int(wr, width(shown_range(lp, i, range, sizeof(range))));
    }
    fprintf(out, "\nparams:\n");
    fprintf(out, "  %-*s  %-*s  %-*s  %-*s  %s\n", wn, "name", wt, "type", wd,
            "default", wr, "range", "doc");
    for (size_t i = 0; i < d->n_params; i++) {
        const struct steady_param_desc *p = &d->params[i];

        shown_range(lp, i, range, sizeof(range));
        /* No trailing blanks when a param has no doc. */
        if (p->doc && *p->doc)
            fprintf(out, "  %-*s  %-*s  %-*s  %-*s  %s\n", wn, p->name, wt,
                    param_type_name(p->type), wd, shown_default(p), wr,
                    or_dash(range), p->doc);
        else
            fprintf(out, "  %-*s  %-*s  %-*s  %s\n", wn, p->name, wt,
                    param_type_name(p->type), wd, shown_default(p),
                    or_dash(range));
    }
}

void inspect_plugin(const struct loaded_plugin *p, FILE *out)
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
    fprintf(out, "layout   channel layout %u (host %u)%s\n", plugin_layout(p),
            (unsigned)STEADY_CHANNEL_LAYOUT,
            plugin_layout(p) < 2 ? "; plain channels only (no variable-size "
                                   "or dropping ones)"
                                 : "");
    fprintf(out, "state    %zu bytes\n", d->state_size);
    describe_ports(p, out);
    describe_params(p, out);
}

/* ---- JSON ------------------------------------------------------------ */

static void json_string(FILE *out, const char *s)
{
    if (!s) {
        fputs("null", out);
        return;
    }
    fputc('"', out);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        switch (*c) {
        case '"':
            fputs("\\\"", out);
            break;
        case '\\':
            fputs("\\\\", out);
            break;
        case '\n':
            fputs("\\n", out);
            break;
        case '\t':
            fputs("\\t", out);
            break;
        default:
            if (*c < 0x20)
                fprintf(out, "\\u%04x", *c);
            else
                fputc(*c, out);
        }
    }
    fputc('"', out);
}

/* A bound as a JSON number: an int exactly, a double in the fewest digits
 * that read back the same. */
static void json_bound(FILE *out, enum steady_param_type type, bool has,
                       const union param_value *v)
{
    char text[40];

    if (!has) {
        fputs("null", out);
        return;
    }
    if (type == STEADY_PARAM_INT) {
        fprintf(out, "%" PRId64, v->i);
        return;
    }
    snprintf(text, sizeof(text), "%.15g", v->d);
    if (strtod(text, NULL) != v->d)
        snprintf(text, sizeof(text), "%.17g", v->d);
    fputs(text, out);
}

/* "min": N|null, "max": N|null, "one_of": [...]|null */
static void json_limits(FILE *out, const struct steady_param_desc *prm,
                        const struct param_limit *l)
{
    fputs("\"min\": ", out);
    json_bound(out, prm->type, l->has_min, &l->min);
    fputs(", \"max\": ", out);
    json_bound(out, prm->type, l->has_max, &l->max);
    fputs(", \"one_of\": ", out);
    if (!l->one_of) {
        fputs("null", out);
        return;
    }
    fputc('[', out);
    for (size_t i = 0; i < l->n_one_of; i++) {
        if (i)
            fputs(", ", out);
        json_string(out, l->one_of[i]);
    }
    fputc(']', out);
}

void inspect_plugin_json(const struct loaded_plugin *p, FILE *out)
{
    const struct steady_plugin *d = p->desc;

    fputs("{\n  \"name\": ", out);
    json_string(out, d->name);
    fputs(",\n  \"version\": ", out);
    json_string(out, d->version);
    fputs(",\n  \"summary\": ", out);
    json_string(out, d->summary);
    fputs(",\n  \"file\": ", out);
    json_string(out, p->path);
    fprintf(out,
            ",\n  \"abi\": { \"major\": %u, \"minor\": %u, "
            "\"host_major\": %u, \"host_minor\": %u },\n",
            (unsigned)STEADY_ABI_MAJOR_OF(d->abi_version),
            (unsigned)(d->abi_version & 0xffffu), (unsigned)STEADY_ABI_MAJOR,
            (unsigned)STEADY_ABI_MINOR);
    fprintf(out, "  \"channel_layout\": %u,\n", plugin_layout(p));
    fprintf(out, "  \"state_size\": %zu,\n  \"ports\": [", d->state_size);
    for (size_t i = 0; i < d->n_ports; i++) {
        const struct steady_port_desc *port = &d->ports[i];

        const struct steady_port_info *pi = &p->port_info[i];

        fputs(i ? ",\n    { \"name\": " : "\n    { \"name\": ", out);
        json_string(out, port->name);
        fprintf(out, ", \"direction\": \"%s\", \"type\": ",
                port->dir == STEADY_IN ? "in" : "out");
        json_string(out, port_type(port));
        /* the keys of 0.2 first, in their order; then those of ABI 1.1 */
        fprintf(out,
                ", \"size\": %zu, \"required\": %s, \"any_type\": %s, "
                "\"variable_size\": %s, \"bundle\": %s, \"max_wired\": %u, "
                "\"doc\": ",
                port->elem_size, port->required ? "true" : "false",
                port_any_typed(port) ? "true" : "false",
                !port_any_typed(port) && port->elem_size == STEADY_VARSIZE
                    ? "true"
                    : "false",
                pi->flags & STEADY_PORT_MANY ? "true" : "false", pi->max_wired);
        json_string(out, pi->doc);
        fputs(" }", out);
    }
    fputs(d->n_ports ? "\n  ],\n  \"params\": [" : "],\n  \"params\": [", out);
    for (size_t i = 0; i < d->n_params; i++) {
        const struct steady_param_desc *prm = &d->params[i];

        fputs(i ? ",\n    { \"name\": " : "\n    { \"name\": ", out);
        json_string(out, prm->name);
        fprintf(out, ", \"type\": \"%s\", \"default\": ",
                param_type_name(prm->type));
        json_string(out, prm->default_value);
        fprintf(out, ", \"required\": %s, \"doc\": ",
                prm->default_value ? "false" : "true");
        json_string(out, prm->doc);
        fputs(", ", out);
        json_limits(out, prm, &p->limits[i]);
        fputs(" }", out);
    }
    fputs(d->n_params ? "\n  ]\n}\n" : "]\n}\n", out);
}

/* Opens `plugin` on the search path and describes it with `describe`. */
static int describe_one(const char *plugin, const char *plugin_path,
                        void (*describe)(const struct loaded_plugin *, FILE *),
                        FILE *out, char *err, size_t errlen)
{
    struct plugin_registry *reg = plugin_registry_create(plugin_path);
    const struct loaded_plugin *p;

    if (!reg) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    p = plugin_registry_get(reg, plugin, err, errlen);
    if (p)
        describe(p, out);
    plugin_registry_destroy(reg);
    return p ? 0 : -1;
}

int steady_inspect(const char *plugin, const char *plugin_path, FILE *out,
                   char *err, size_t errlen)
{
    return describe_one(plugin, plugin_path, inspect_plugin, out, err, errlen);
}

int steady_inspect_json(const char *plugin, const char *plugin_path, FILE *out,
                        char *err, size_t errlen)
{
    return describe_one(plugin, plugin_path, inspect_plugin_json, out, err,
                        errlen);
}

/* ---- the plugins on the search path ---------------------------------- */

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The NAME.so files of one folder, sorted; NULL with *n 0 when none. */
static char **folder_plugins(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **names = NULL;

    *n = 0;
    if (!d)
        return NULL;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        char **grown;

        if (len <= 3 || strcmp(de->d_name + len - 3, ".so") != 0)
            continue;
        grown = realloc(names, (*n + 1) * sizeof(*names));
        if (!grown)
            break;
        names = grown;
        names[*n] = strdup(de->d_name);
        if (names[*n])
            (*n)++;
    }
    closedir(d);
    if (names)
        qsort(names, *n, sizeof(*names), compare_names);
    return names;
}

/* Whether NAME.so is in a folder searched before folder `upto`. */
static bool shadowed(char *const *dirs, size_t upto, const char *file)
{
    char path[4096];

    for (size_t i = 0; i < upto; i++) {
        snprintf(path, sizeof(path), "%s/%s", dirs[i], file);
        if (access(path, F_OK) == 0)
            return true;
    }
    return false;
}

int steady_list_plugins(const char *plugin_path, FILE *out, char *err,
                        size_t errlen)
{
    struct plugin_registry *reg = plugin_registry_create(plugin_path);
    char *joined, *save = NULL, *tok;
    char *dirs[64];
    size_t n_dirs = 0, listed = 0, refused = 0;

    if (!reg || !(joined = strdup(plugin_registry_search_path(reg)))) {
        plugin_registry_destroy(reg);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (tok = strtok_r(joined, ":", &save); tok && n_dirs < 64;
         tok = strtok_r(NULL, ":", &save))
        dirs[n_dirs++] = tok;
    fprintf(out, "plugin path: %s\n", plugin_registry_search_path(reg));
    for (size_t i = 0; i < n_dirs; i++) {
        size_t n;
        char **files = folder_plugins(dirs[i], &n);

        for (size_t j = 0; j < n; j++) {
            char path[4096], why[1024];
            const struct loaded_plugin *p;

            /* through the registry: one checking process for every file,
             * not one each */
            snprintf(path, sizeof(path), "%s/%s", dirs[i], files[j]);
            p = plugin_registry_get(reg, path, why, sizeof(why));
            if (!p) {
                fprintf(out, "  %-16.*s  refused: %s\n",
                        (int)(strlen(files[j]) - 3), files[j], why);
                refused++;
            } else {
                fprintf(out, "  %-16s %-8s %s%s\n    %s\n", p->desc->name,
                        or_dash(p->desc->version), or_dash(p->desc->summary),
                        shadowed(dirs, i, files[j])
                            ? " (shadowed by an earlier folder)"
                            : "",
                        path);
                listed++;
            }
            free(files[j]);
        }
        free(files);
    }
    fprintf(out, "%zu plugin%s", listed, listed == 1 ? "" : "s");
    if (refused)
        fprintf(out, ", %zu refused", refused);
    fputs(" (steady inspect NAME for details)\n", out);
    free(joined);
    plugin_registry_destroy(reg);
    return 0;
}

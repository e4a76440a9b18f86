/* loader.c - opens plugin shared objects, checks their descriptor against
 * this host's ABI before anything calls into them, and keeps the set of
 * opened plugins a graph uses (see loader.h).
 */
#include "loader.h"

#include "param.h"
#include "plugin_dirs.h"
#include "suggest.h"

#include <dirent.h>
#include <dlfcn.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct plugin_registry {
    char **dirs; /* search directories, in order */
    size_t n_dirs;
    char *joined; /* dirs joined with ':', for messages */
    /* Each opened plugin is its own allocation so that the pointers handed
     * out stay valid while the array grows. */
    struct registry_entry {
        char *real; /* realpath of the file, the identity of a plugin */
        struct loaded_plugin *plugin;
    } * entries;
    size_t n_entries, cap_entries;
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    STEADY_PRINTF(3, 4);

/* Messages go to the caller's buffer only; err may be NULL. */
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (!err || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static bool empty(const char *s)
{
    return !s || !*s;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

/* ---- checking a descriptor ---------------------------------------- */

static int check_ports(const char *path, const struct steady_plugin *d,
                       char *err, size_t errlen)
{
    if (d->n_ports > 0 && !d->ports) {
        set_err(err, errlen,
                "%s: plugin '%s' declares %zu ports but its ports array is "
                "NULL",
                path, d->name, d->n_ports);
        return -1;
    }
    for (size_t i = 0; i < d->n_ports; i++) {
        const struct steady_port_desc *p = &d->ports[i];
        unsigned dir = (unsigned)p->dir;

        if (empty(p->name)) {
            set_err(err, errlen, "%s: plugin '%s': port #%zu has no name", path,
                    d->name, i);
            return -1;
        }
        if (empty(p->type_name)) {
            set_err(err, errlen,
                    "%s: plugin '%s': port '%s' has no element type name", path,
                    d->name, p->name);
            return -1;
        }
        if (p->elem_size == 0) {
            set_err(err, errlen,
                    "%s: plugin '%s': port '%s' has element size 0", path,
                    d->name, p->name);
            return -1;
        }
        if (dir != STEADY_IN && dir != STEADY_OUT) {
            set_err(err, errlen,
                    "%s: plugin '%s': port '%s' has direction %u, expected "
                    "STEADY_IN or STEADY_OUT",
                    path, d->name, p->name, dir);
            return -1;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(d->ports[j].name, p->name) == 0) {
                set_err(err, errlen,
                        "%s: plugin '%s': port '%s' is declared twice (#%zu "
                        "and #%zu)",
                        path, d->name, p->name, j, i);
                return -1;
            }
        }
    }
    return 0;
}

static int check_params(const char *path, const struct steady_plugin *d,
                        char *err, size_t errlen)
{
    if (d->n_params > 0 && !d->params) {
        set_err(err, errlen,
                "%s: plugin '%s' declares %zu params but its params array "
                "is NULL",
                path, d->name, d->n_params);
        return -1;
    }
    for (size_t i = 0; i < d->n_params; i++) {
        const struct steady_param_desc *p = &d->params[i];
        unsigned type = (unsigned)p->type;
        union param_value v;

        if (empty(p->name)) {
            set_err(err, errlen, "%s: plugin '%s': param #%zu has no name",
                    path, d->name, i);
            return -1;
        }
        if (type > STEADY_PARAM_STRING) {
            set_err(err, errlen,
                    "%s: plugin '%s': param '%s' has unknown type %u", path,
                    d->name, p->name, type);
            return -1;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(d->params[j].name, p->name) == 0) {
                set_err(err, errlen,
                        "%s: plugin '%s': param '%s' is declared twice (#%zu "
                        "and #%zu)",
                        path, d->name, p->name, j, i);
                return -1;
            }
        }
        /* A default must parse the way a value from the graph would, or
         * every actor that leaves it out would fail at start. */
        if (p->default_value) {
            if (param_parse(p->type, p->default_value, &v) < 0) {
                set_err(err, errlen,
                        "%s: plugin '%s': param '%s' has default '%s', "
                        "which is not a valid %s (expected %s)",
                        path, d->name, p->name, p->default_value,
                        param_type_name(p->type), param_type_hint(p->type));
                return -1;
            }
            param_value_free(p->type, &v);
        }
    }
    return 0;
}

static int check_descriptor(const char *path, const struct steady_plugin *d,
                            char *err, size_t errlen)
{
    uint32_t major = STEADY_ABI_MAJOR_OF(d->abi_version);

    /* Only the two fields that never move may be read before these checks
     * pass: anything else may sit elsewhere in another ABI. */
    if (major != STEADY_ABI_MAJOR) {
        set_err(err, errlen,
                "%s: built for steady ABI %u.x, this host runs %u.x; rebuild "
                "the plugin",
                path, (unsigned)major, (unsigned)STEADY_ABI_MAJOR);
        return -1;
    }
    if (d->descriptor_size < STEADY_PLUGIN_MIN_SIZE) {
        set_err(err, errlen,
                "%s: descriptor is %u bytes, at least %zu expected", path,
                (unsigned)d->descriptor_size, (size_t)STEADY_PLUGIN_MIN_SIZE);
        return -1;
    }
    if (empty(d->name)) {
        set_err(err, errlen, "%s: descriptor has no name", path);
        return -1;
    }
    if (!d->run) {
        set_err(err, errlen, "%s: plugin '%s' has no run function", path,
                d->name);
        return -1;
    }
    if (check_ports(path, d, err, errlen) < 0)
        return -1;
    return check_params(path, d, err, errlen);
}

/* The inline channel fast paths compiled into the plugin read the fields
 * of struct steady_channel at fixed offsets: they must be this host's. */
static int check_channel_layout(const char *path, void *handle, char *err,
                                size_t errlen)
{
    const uint32_t *layout = dlsym(handle, STEADY_PLUGIN_LAYOUT_SYMBOL);
    uint32_t built = layout ? *layout : 1; /* before the symbol: layout 1 */

    if (built == STEADY_CHANNEL_LAYOUT)
        return 0;
    set_err(err, errlen,
            "%s: built against channel layout %u, this host uses channel "
            "layout %u; rebuild the plugin against this steady's headers",
            path, (unsigned)built, (unsigned)STEADY_CHANNEL_LAYOUT);
    return -1;
}

/* ---- one plugin file ----------------------------------------------- */

int plugin_open(const char *path, struct loaded_plugin *out, char *err,
                size_t errlen)
{
    char local[PATH_MAX];
    const char *open_path = path;
    steady_plugin_entry_fn entry;
    const struct steady_plugin *desc;
    void *handle, *sym;
    char *copy;

    /* dlopen looks a bare "x.so" up in the system library path; a user who
     * names a file means the one in the current directory. */
    if (!strchr(path, '/')) {
        if (snprintf(local, sizeof(local), "./%s", path) >=
            (int)sizeof(local)) {
            set_err(err, errlen, "%s: path too long", path);
            return -1;
        }
        open_path = local;
    }
    handle = dlopen(open_path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char *why = dlerror();
        set_err(err, errlen, "%s: cannot load: %s", path,
                why ? why : "unknown dlopen error");
        return -1;
    }
    sym = dlsym(handle, STEADY_PLUGIN_ENTRY_SYMBOL);
    if (!sym) {
        set_err(err, errlen,
                "%s: does not export " STEADY_PLUGIN_ENTRY_SYMBOL
                "; is it a steady plugin? (define it with "
                "STEADY_PLUGIN_DEFINE)",
                path);
        goto err_close_handle;
    }
    /* ISO C has no object-to-function pointer cast; POSIX guarantees the
     * representations match, so copy the bits. */
    memcpy(&entry, &sym, sizeof(entry));
    desc = entry();
    if (!desc) {
        set_err(err, errlen,
                "%s: " STEADY_PLUGIN_ENTRY_SYMBOL "() returned NULL", path);
        goto err_close_handle;
    }
    if (check_descriptor(path, desc, err, errlen) < 0 ||
        check_channel_layout(path, handle, err, errlen) < 0)
        goto err_close_handle;
    copy = strdup(path);
    if (!copy) {
        set_err(err, errlen, "%s: out of memory", path);
        goto err_close_handle;
    }
    out->path = copy;
    out->handle = handle;
    out->desc = desc;
    return 0;

err_close_handle:
    dlclose(handle);
    return -1;
}

void plugin_close(struct loaded_plugin *p)
{
    if (!p)
        return;
    if (p->handle)
        dlclose(p->handle);
    free(p->path);
    p->path = NULL;
    p->handle = NULL;
    p->desc = NULL;
}

int plugin_port_index(const struct steady_plugin *desc, const char *name)
{
    for (size_t i = 0; i < desc->n_ports; i++)
        if (strcmp(desc->ports[i].name, name) == 0)
            return (int)i;
    return -1;
}

int plugin_param_index(const struct steady_plugin *desc, const char *name)
{
    for (size_t i = 0; i < desc->n_params; i++)
        if (strcmp(desc->params[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* ---- the registry -------------------------------------------------- */

/* Appends each non-empty ':'-separated part of list, skipping repeats. */
static int add_dirs(struct plugin_registry *reg, const char *list)
{
    const char *p = list;

    while (p && *p) {
        const char *end = strchr(p, ':');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        bool seen = false;

        for (size_t i = 0; i < reg->n_dirs && len; i++)
            if (strlen(reg->dirs[i]) == len &&
                memcmp(reg->dirs[i], p, len) == 0)
                seen = true;
        if (len && !seen) {
            char **dirs = realloc(reg->dirs, (reg->n_dirs + 1) * sizeof(*dirs));
            if (!dirs)
                return -1;
            reg->dirs = dirs;
            dirs[reg->n_dirs] = strndup(p, len);
            if (!dirs[reg->n_dirs])
                return -1;
            reg->n_dirs++;
        }
        p = end ? end + 1 : NULL;
    }
    return 0;
}

static int join_dirs(struct plugin_registry *reg)
{
    size_t len = 1;
    char *s;

    for (size_t i = 0; i < reg->n_dirs; i++)
        len += strlen(reg->dirs[i]) + 1;
    s = malloc(len);
    if (!s)
        return -1;
    s[0] = '\0';
    for (size_t i = 0; i < reg->n_dirs; i++) {
        if (i)
            strcat(s, ":");
        strcat(s, reg->dirs[i]);
    }
    reg->joined = s;
    return 0;
}

/* The bundled plugins' folders, found relative to the installed or built
 * libraries (plugin_dirs.c). */
static int add_default_dirs(struct plugin_registry *reg)
{
    char dirs[3 * PATH_MAX];

    plugin_dirs_default(dirs, sizeof(dirs));
    return add_dirs(reg, dirs);
}

struct plugin_registry *plugin_registry_create(const char *search_path)
{
    struct plugin_registry *reg = calloc(1, sizeof(*reg));

    if (!reg)
        return NULL;
    if (add_dirs(reg, search_path) < 0 ||
        add_dirs(reg, getenv("STEADY_PLUGIN_PATH")) < 0 ||
        add_default_dirs(reg) < 0 || join_dirs(reg) < 0)
        goto err_free_reg;
    return reg;

err_free_reg:
    plugin_registry_destroy(reg);
    return NULL;
}

void plugin_registry_destroy(struct plugin_registry *reg)
{
    if (!reg)
        return;
    for (size_t i = 0; i < reg->n_entries; i++) {
        plugin_close(reg->entries[i].plugin);
        free(reg->entries[i].plugin);
        free(reg->entries[i].real);
    }
    free(reg->entries);
    for (size_t i = 0; i < reg->n_dirs; i++)
        free(reg->dirs[i]);
    free(reg->dirs);
    free(reg->joined);
    free(reg);
}

const char *plugin_registry_search_path(const struct plugin_registry *reg)
{
    return reg->joined;
}

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Collects the NAME of every NAME.so in the search directories. */
static int list_plugin_names(const struct plugin_registry *reg, char ***out,
                             size_t *n_out)
{
    char **names = NULL;
    size_t n = 0;

    for (size_t i = 0; i < reg->n_dirs; i++) {
        DIR *dir = opendir(reg->dirs[i]);
        struct dirent *de;

        if (!dir)
            continue; /* a missing directory just holds no plugins */
        while ((de = readdir(dir))) {
            size_t len = strlen(de->d_name);
            char **grown;

            if (len <= 3 || !ends_with(de->d_name, ".so"))
                continue;
            grown = realloc(names, (n + 1) * sizeof(*names));
            if (!grown || !(grown[n] = strndup(de->d_name, len - 3))) {
                names = grown ? grown : names;
                closedir(dir);
                goto err_free_names;
            }
            names = grown;
            n++;
        }
        closedir(dir);
    }
    *out = names;
    *n_out = n;
    return 0;

err_free_names:
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return -1;
}

static void report_unknown(const struct plugin_registry *reg, const char *name,
                           char *err, size_t errlen)
{
    char **names = NULL;
    size_t n = 0;
    const char *near = NULL;

    if (list_plugin_names(reg, &names, &n) == 0)
        near = suggest_closest(name, (const char *const *)names, n);
    if (near)
        set_err(err, errlen,
                "unknown plugin '%s' (searched: %s); did you mean '%s'?", name,
                reg->joined, near);
    else
        set_err(err, errlen, "unknown plugin '%s' (searched: %s)", name,
                reg->joined);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Opens path unless a plugin with the same realpath is already open. */
static const struct loaded_plugin *open_once(struct plugin_registry *reg,
                                             const char *path, char *err,
                                             size_t errlen)
{
    struct loaded_plugin *p;
    char *real = realpath(path, NULL);

    if (!real) {
        /* Let dlopen say why in its own words. */
        struct loaded_plugin tmp;
        if (plugin_open(path, &tmp, err, errlen) == 0) {
            plugin_close(&tmp);
            set_err(err, errlen, "%s: cannot resolve the file's real path",
                    path);
        }
        return NULL;
    }
    for (size_t i = 0; i < reg->n_entries; i++) {
        if (strcmp(reg->entries[i].real, real) == 0) {
            free(real);
            return reg->entries[i].plugin;
        }
    }
    if (reg->n_entries == reg->cap_entries) {
        size_t cap = reg->cap_entries ? reg->cap_entries * 2 : 8;
        struct registry_entry *grown =
            realloc(reg->entries, cap * sizeof(*grown));
        if (!grown)
            goto err_out_of_memory;
        reg->entries = grown;
        reg->cap_entries = cap;
    }
    p = calloc(1, sizeof(*p));
    if (!p)
        goto err_out_of_memory;
    if (plugin_open(path, p, err, errlen) < 0)
        goto err_free_plugin;
    reg->entries[reg->n_entries].real = real;
    reg->entries[reg->n_entries].plugin = p;
    reg->n_entries++;
    return p;

err_free_plugin:
    free(p);
    free(real);
    return NULL;
err_out_of_memory:
    set_err(err, errlen, "%s: out of memory", path);
    free(real);
    return NULL;
}

const struct loaded_plugin *plugin_registry_get(struct plugin_registry *reg,
                                                const char *ref, char *err,
                                                size_t errlen)
{
    char path[PATH_MAX];

    if (strchr(ref, '/') || ends_with(ref, ".so"))
        return open_once(reg, ref, err, errlen);
    if (*ref) {
        for (size_t i = 0; i < reg->n_dirs; i++) {
            int len =
                snprintf(path, sizeof(path), "%s/%s.so", reg->dirs[i], ref);
            if (len > 0 && (size_t)len < sizeof(path) && is_file(path))
                return open_once(reg, path, err, errlen);
        }
    }
    report_unknown(reg, ref, err, errlen);
    return NULL;
}

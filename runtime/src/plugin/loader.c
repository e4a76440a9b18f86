/* loader.c - opens plugin shared objects, checks their descriptor against
 * this host's ABI before anything calls into them, and keeps the set of
 * opened plugins a graph uses (see loader.h).
 */
#include "loader.h"

#include "err.h"
#include "param.h"
#include "param_limits.h"
#include "plugin_dirs.h"
#include "preflight.h"
#include "suggest.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <link.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct plugin_registry {
    char **dirs; /* search directories, in order */
    size_t n_dirs;
    char *joined;        /* dirs joined with ':', for messages */
    unsigned open_flags; /* PLUGIN_OPEN_* for every plugin opened */
    /* checks every plugin of this registry in one process; NULL until the
     * first check and after plugin_registry_loaded */
    struct preflight_scanner *scanner;
    /* Each opened plugin is its own allocation so that the pointers handed
     * out stay valid while the array grows. */
    struct registry_entry {
        char *real; /* realpath of the file, the identity of a plugin */
        struct loaded_plugin *plugin;
    } * entries;
    size_t n_entries, cap_entries;
};

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

/* The port flags this host knows; any other bit is a plugin built for a
 * later ABI minor that means something this host would ignore. */
#define KNOWN_PORT_FLAGS ((unsigned)STEADY_PORT_MANY)

static bool any_typed(const struct steady_port_desc *p)
{
    return strcmp(p->type_name, STEADY_TYPE_ANY) == 0;
}

/* Element size 0 means variable-size messages (STEADY_VARSIZE) and is what
 * an any-typed port declares, both of ABI 1.1; before it, 0 is a mistake. */
static int check_elem_size(const char *path, const struct steady_plugin *d,
                           const struct steady_port_desc *p, char *err,
                           size_t errlen)
{
    bool abi_1_1 = (d->abi_version & 0xffffu) >= 1;

    if (any_typed(p) && p->elem_size != 0) {
        err_set(err, errlen,
                "%s: plugin '%s': port '%s' is any-typed (STEADY_TYPE_ANY) "
                "but has element size %zu; give it 0",
                path, d->name, p->name, p->elem_size);
        return -1;
    }
    if (p->elem_size == 0 && !abi_1_1) {
        err_set(err, errlen,
                "%s: plugin '%s': port '%s' has element size 0 (any-typed "
                "and variable-size ports need ABI 1.1)",
                path, d->name, p->name);
        return -1;
    }
    return 0;
}

/* The ABI 1.1 port_info table, when the descriptor has one. */
static int check_port_info(const char *path, const struct steady_plugin *d,
                           char *err, size_t errlen)
{
    if (!PLUGIN_DESC_HAS(d, port_info) || !d->port_info)
        return 0;
    for (size_t i = 0; i < d->n_ports; i++) {
        const struct steady_port_info *pi = &d->port_info[i];
        const char *name = d->ports[i].name;

        if (pi->flags & ~KNOWN_PORT_FLAGS) {
            err_set(err, errlen,
                    "%s: plugin '%s': port '%s' has unknown flag bits %#x "
                    "(this host knows STEADY_PORT_MANY, %#x); rebuild the "
                    "plugin against this steady's headers",
                    path, d->name, name, pi->flags & ~KNOWN_PORT_FLAGS,
                    KNOWN_PORT_FLAGS);
            return -1;
        }
        if (pi->max_wired && !(pi->flags & STEADY_PORT_MANY)) {
            err_set(err, errlen,
                    "%s: plugin '%s': port '%s' sets max_wired %u but is "
                    "not a bundle; add STEADY_PORT_MANY to its flags or "
                    "leave max_wired 0",
                    path, d->name, name, pi->max_wired);
            return -1;
        }
    }
    return 0;
}

static int check_ports(const char *path, const struct steady_plugin *d,
                       char *err, size_t errlen)
{
    if (d->n_ports > 0 && !d->ports) {
        err_set(err, errlen,
                "%s: plugin '%s' declares %zu ports but its ports array is "
                "NULL",
                path, d->name, d->n_ports);
        return -1;
    }
    for (size_t i = 0; i < d->n_ports; i++) {
        const struct steady_port_desc *p = &d->ports[i];
        unsigned dir = (unsigned)p->dir;

        if (empty(p->name)) {
            err_set(err, errlen, "%s: plugin '%s': port #%zu has no name", path,
                    d->name, i);
            return -1;
        }
        if (empty(p->type_name)) {
            err_set(err, errlen,
                    "%s: plugin '%s': port '%s' has no element type name", path,
                    d->name, p->name);
            return -1;
        }
        if (check_elem_size(path, d, p, err, errlen) < 0)
            return -1;
        if (dir != STEADY_IN && dir != STEADY_OUT) {
            err_set(err, errlen,
                    "%s: plugin '%s': port '%s' has direction %u, expected "
                    "STEADY_IN or STEADY_OUT",
                    path, d->name, p->name, dir);
            return -1;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(d->ports[j].name, p->name) == 0) {
                err_set(err, errlen,
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
        err_set(err, errlen,
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
            err_set(err, errlen, "%s: plugin '%s': param #%zu has no name",
                    path, d->name, i);
            return -1;
        }
        if (type > STEADY_PARAM_STRING) {
            err_set(err, errlen,
                    "%s: plugin '%s': param '%s' has unknown type %u", path,
                    d->name, p->name, type);
            return -1;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(d->params[j].name, p->name) == 0) {
                err_set(err, errlen,
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
                err_set(err, errlen,
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

/* A plugin's name ends up in messages, logs, telemetry and state files:
 * bounded, and nothing in it that would break a line. */
static int check_name(const char *path, const char *name, char *err,
                      size_t errlen)
{
    size_t len = strnlen(name, STEADY_PLUGIN_NAME_MAX + 1);

    if (len > STEADY_PLUGIN_NAME_MAX) {
        err_set(err, errlen,
                "%s: plugin name '%.32s...' is longer than %d bytes; "
                "shorten it",
                path, name, STEADY_PLUGIN_NAME_MAX);
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x20 || c == 0x7f) {
            err_set(err, errlen,
                    "%s: plugin name has a control character (byte 0x%02x "
                    "at offset %zu); use printable characters",
                    path, c, i);
            return -1;
        }
    }
    return 0;
}

/* Reads every string the host will print or compare, so that a pointer a
 * corrupt relocation bent faults here, in the scanner, rather than in the
 * host later. Returns the total length, which the caller ignores. */
static size_t touch_strings(const struct steady_plugin *d)
{
    size_t n = strlen(d->name);

    n += d->version ? strlen(d->version) : 0;
    n += d->summary ? strlen(d->summary) : 0;
    for (size_t i = 0; i < d->n_ports; i++)
        n += strlen(d->ports[i].name) + strlen(d->ports[i].type_name);
    for (size_t i = 0; i < d->n_params; i++) {
        const struct steady_param_desc *p = &d->params[i];
        n += strlen(p->name);
        n += p->default_value ? strlen(p->default_value) : 0;
        n += p->doc ? strlen(p->doc) : 0;
    }
    /* the limits are read by param_limit_parse, the docs only by inspect */
    for (size_t i = 0;
         PLUGIN_DESC_HAS(d, port_info) && d->port_info && i < d->n_ports; i++)
        n += d->port_info[i].doc ? strlen(d->port_info[i].doc) : 0;
    return n;
}

struct code_probe {
    uintptr_t addr;
    bool found;
};

static int probe_object(struct dl_phdr_info *info, size_t size, void *data)
{
    struct code_probe *p = data;

    (void)size;
    for (size_t i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t start = info->dlpi_addr + ph->p_vaddr;

        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && p->addr >= start &&
            p->addr - start < ph->p_memsz) {
            p->found = true;
            return 1;
        }
    }
    return 0;
}

/* A callback must point into the code of some loaded object; anything else
 * is a corrupt descriptor that would crash the actor's thread. */
static int check_code(const char *path, const struct steady_plugin *d,
                      const char *what, const void *fn_bits, char *err,
                      size_t errlen)
{
    struct code_probe probe = { 0, false };

    memcpy(&probe.addr, fn_bits, sizeof(probe.addr));
    if (!probe.addr)
        return 0;
    dl_iterate_phdr(probe_object, &probe);
    if (!probe.found) {
        err_set(err, errlen,
                "%s: plugin '%s': its %s function is at %#lx, outside any "
                "loaded code; the file is corrupt",
                path, d->name, what, (unsigned long)probe.addr);
        return -1;
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
        err_set(err, errlen,
                "%s: built for steady ABI %u.x, this host runs %u.x; rebuild "
                "the plugin",
                path, (unsigned)major, (unsigned)STEADY_ABI_MAJOR);
        return -1;
    }
    if (d->descriptor_size < STEADY_PLUGIN_MIN_SIZE) {
        err_set(err, errlen,
                "%s: descriptor is %u bytes, at least %zu expected", path,
                (unsigned)d->descriptor_size, (size_t)STEADY_PLUGIN_MIN_SIZE);
        return -1;
    }
    if (empty(d->name)) {
        err_set(err, errlen, "%s: descriptor has no name", path);
        return -1;
    }
    if (check_name(path, d->name, err, errlen) < 0)
        return -1;
    if (!d->run) {
        err_set(err, errlen, "%s: plugin '%s' has no run function", path,
                d->name);
        return -1;
    }
    if (check_ports(path, d, err, errlen) < 0 ||
        check_port_info(path, d, err, errlen) < 0 ||
        check_params(path, d, err, errlen) < 0)
        return -1;
    {
        /* volatile: the lengths are not used, the reads must happen */
        volatile size_t touched = touch_strings(d);
        (void)touched;
    }
    _Static_assert(sizeof(d->run) == sizeof(uintptr_t), "code pointers");
    if (check_code(path, d, "run", &d->run, err, errlen) < 0 ||
        check_code(path, d, "init", &d->init, err, errlen) < 0 ||
        check_code(path, d, "destroy", &d->destroy, err, errlen) < 0)
        return -1;
    return 0;
}

static void free_extras(struct loaded_plugin *p)
{
    for (size_t i = 0; p->limits && i < p->desc->n_params; i++)
        param_limit_free(&p->limits[i]);
    free(p->limits);
    free(p->port_info);
    p->limits = NULL;
    p->port_info = NULL;
}

/* Copies the port_info table and parses the param limits of a checked
 * descriptor into out->port_info and out->limits (each entry zero where the
 * descriptor gives nothing), refusing limits that make no sense. out->desc
 * is set; on failure nothing is left allocated. */
static int read_extras(const char *path, struct loaded_plugin *out, char *err,
                       size_t errlen)
{
    const struct steady_plugin *d = out->desc;
    const struct steady_param_limits *limits =
        PLUGIN_DESC_HAS(d, param_limits) ? d->param_limits : NULL;
    char why[768];

    if (d->n_ports) {
        out->port_info = calloc(d->n_ports, sizeof(*out->port_info));
        if (!out->port_info)
            goto err_out_of_memory;
        if (PLUGIN_DESC_HAS(d, port_info) && d->port_info)
            memcpy(out->port_info, d->port_info,
                   d->n_ports * sizeof(*out->port_info));
    }
    if (d->n_params) {
        out->limits = calloc(d->n_params, sizeof(*out->limits));
        if (!out->limits)
            goto err_out_of_memory;
    }
    for (size_t i = 0; limits && i < d->n_params; i++) {
        if (param_limit_parse(&d->params[i], &limits[i], &out->limits[i], why,
                              sizeof(why)) < 0) {
            err_set(err, errlen, "%s: plugin '%s': %s", path, d->name, why);
            free_extras(out);
            return -1;
        }
    }
    return 0;

err_out_of_memory:
    err_set(err, errlen, "%s: out of memory", path);
    free_extras(out);
    return -1;
}

/* The inline channel fast paths compiled into the plugin read the fields
 * of struct steady_channel at fixed offsets: they must be at the same place
 * in this host. Layout 2 moved none of layout 1's, so both load; the graph
 * keeps layout-1 code away from channels it would mishandle. */
static int check_channel_layout(const char *path, void *handle, uint32_t *out,
                                char *err, size_t errlen)
{
    const uint32_t *layout = dlsym(handle, STEADY_PLUGIN_LAYOUT_SYMBOL);
    uint32_t built = layout ? *layout : 1; /* before the symbol: layout 1 */

    if (built >= PLUGIN_MIN_CHANNEL_LAYOUT && built <= STEADY_CHANNEL_LAYOUT) {
        *out = built;
        return 0;
    }
    err_set(err, errlen,
            "%s: built against channel layout %u, this host takes channel "
            "layouts %u to %u; rebuild the plugin against this steady's "
            "headers",
            path, (unsigned)built, (unsigned)PLUGIN_MIN_CHANNEL_LAYOUT,
            (unsigned)STEADY_CHANNEL_LAYOUT);
    return -1;
}

/* ---- one plugin file ----------------------------------------------- */

/* plugin_open_flags with the scanner to use (NULL: one for this file). */
static int open_file(const char *path, unsigned flags,
                     struct preflight_scanner *scanner,
                     struct loaded_plugin *out, char *err, size_t errlen)
{
    char local[PATH_MAX];
    const char *open_path = path;
    steady_plugin_entry_fn entry;
    const struct steady_plugin *desc;
    struct loaded_plugin extras = { 0 }; /* port_info and limits, until done */
    void *handle, *sym;
    uint32_t layout;
    char *copy;

    /* dlopen looks a bare "x.so" up in the system library path; a caller
     * that names a file here means that file, relative to the current
     * directory. (Looking names up is plugin_registry_get's business.) */
    if (!strchr(path, '/')) {
        if (snprintf(local, sizeof(local), "./%s", path) >=
            (int)sizeof(local)) {
            err_set(err, errlen, "%s: path too long", path);
            return -1;
        }
        open_path = local;
    }
    /* Everything that could crash or fool this process happens first in
     * the scanner; only a file that passed is mapped here. */
    if (!(flags & PLUGIN_OPEN_NO_PREFLIGHT) &&
        preflight_plugin(open_path, flags & PLUGIN_OPEN_ALLOW_WRITABLE, scanner,
                         err, errlen) < 0) {
        /* the messages name open_path: say it the caller's way */
        if (open_path == local && err && strncmp(err, "./", 2) == 0)
            memmove(err, err + 2, strlen(err + 2) + 1);
        return -1;
    }
    handle = dlopen(open_path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char *why = dlerror();
        size_t len = strlen(open_path);

        /* dlerror often starts with the path again */
        if (why && strncmp(why, open_path, len) == 0 &&
            strncmp(why + len, ": ", 2) == 0)
            why += len + 2;
        err_set(err, errlen, "%s: cannot load: %s", path,
                why ? why : "unknown dlopen error");
        return -1;
    }
    sym = dlsym(handle, STEADY_PLUGIN_ENTRY_SYMBOL);
    if (!sym) {
        err_set(err, errlen,
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
        err_set(err, errlen,
                "%s: " STEADY_PLUGIN_ENTRY_SYMBOL "() returned NULL", path);
        goto err_close_handle;
    }
    if (check_descriptor(path, desc, err, errlen) < 0 ||
        check_channel_layout(path, handle, &layout, err, errlen) < 0)
        goto err_close_handle;
    extras.desc = desc;
    if (read_extras(path, &extras, err, errlen) < 0)
        goto err_close_handle;
    copy = strdup(path);
    if (!copy) {
        err_set(err, errlen, "%s: out of memory", path);
        goto err_free_extras;
    }
    out->path = copy;
    out->handle = handle;
    out->desc = desc;
    out->port_info = extras.port_info;
    out->limits = extras.limits;
    out->channel_layout = layout;
    return 0;

err_free_extras:
    free_extras(&extras);
err_close_handle:
    dlclose(handle);
    return -1;
}

int plugin_open_flags(const char *path, unsigned flags,
                      struct loaded_plugin *out, char *err, size_t errlen)
{
    return open_file(path, flags, NULL, out, err, errlen);
}

int plugin_open(const char *path, struct loaded_plugin *out, char *err,
                size_t errlen)
{
    return plugin_open_flags(
        path,
        preflight_writable_allowed_by_env() ? PLUGIN_OPEN_ALLOW_WRITABLE : 0,
        out, err, errlen);
}

void plugin_close(struct loaded_plugin *p)
{
    if (!p)
        return;
    if (p->desc)
        free_extras(p);
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
    if (preflight_writable_allowed_by_env())
        reg->open_flags |= PLUGIN_OPEN_ALLOW_WRITABLE;
    return reg;

err_free_reg:
    plugin_registry_destroy(reg);
    return NULL;
}

void plugin_registry_destroy(struct plugin_registry *reg)
{
    if (!reg)
        return;
    preflight_scanner_destroy(reg->scanner);
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

void plugin_registry_loaded(struct plugin_registry *reg)
{
    preflight_scanner_destroy(reg->scanner);
    reg->scanner = NULL;
}

void plugin_registry_allow_writable(struct plugin_registry *reg, bool allow)
{
    if (allow)
        reg->open_flags |= PLUGIN_OPEN_ALLOW_WRITABLE;
    else
        reg->open_flags &= ~(unsigned)PLUGIN_OPEN_ALLOW_WRITABLE;
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
    char **names = NULL, *bare = strdup(name);
    size_t n = 0;
    const char *near = NULL;
    struct stat st;

    if (bare && ends_with(bare, ".so"))
        bare[strlen(bare) - 3] = '\0';
    if (bare && list_plugin_names(reg, &names, &n) == 0)
        near = suggest_closest(bare, (const char *const *)names, n);
    /* a file of that name here: say why it is not taken, first */
    if (*name && stat(name, &st) == 0)
        err_set(err, errlen,
                "unknown plugin '%s' (searched: %s); a name is looked up on "
                "the plugin path only, never in the current folder: give a "
                "path with a '/' to load a file",
                name, reg->joined);
    else if (near)
        err_set(err, errlen,
                "unknown plugin '%s' (searched: %s); did you mean '%s'?", name,
                reg->joined, near);
    else
        err_set(err, errlen, "unknown plugin '%s' (searched: %s)", name,
                reg->joined);
    free(bare);
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
        err_set(err, errlen, "%s: cannot load: %s", path, strerror(errno));
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
    if (!reg->scanner && !(reg->scanner = preflight_scanner_create())) {
        free(p);
        goto err_out_of_memory;
    }
    if (open_file(path, reg->open_flags, reg->scanner, p, err, errlen) < 0)
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
    err_set(err, errlen, "%s: out of memory", path);
    free(real);
    return NULL;
}

const struct loaded_plugin *plugin_registry_get(struct plugin_registry *reg,
                                                const char *ref, char *err,
                                                size_t errlen)
{
    const char *suffix = ends_with(ref, ".so") ? "" : ".so";
    char path[PATH_MAX];

    /* A path is opened as given. A name, with or without ".so", is only
     * ever looked up in the search directories: never in the current
     * directory, which would make what runs depend on where steady was
     * started from. */
    if (strchr(ref, '/'))
        return open_once(reg, ref, err, errlen);
    if (*ref) {
        for (size_t i = 0; i < reg->n_dirs; i++) {
            int len = snprintf(path, sizeof(path), "%s/%s%s", reg->dirs[i], ref,
                               suffix);
            if (len > 0 && (size_t)len < sizeof(path) && is_file(path))
                return open_once(reg, path, err, errlen);
        }
    }
    report_unknown(reg, ref, err, errlen);
    return NULL;
}

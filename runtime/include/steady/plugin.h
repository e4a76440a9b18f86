/* steady/plugin.h - the plugin descriptor: what a plugin shared object
 * exports so the host can load, check, describe and run it.
 *
 * A plugin exports exactly one symbol, steady_plugin_entry, returning a
 * pointer to a static const struct steady_plugin. The first two fields never
 * move; new fields are only ever appended, so a host can read an older, smaller
 * descriptor as long as it is at least STEADY_PLUGIN_MIN_SIZE bytes.
 */
#ifndef STEADY_PLUGIN_H
#define STEADY_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <steady/channel.h>
#include <steady/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ABI: the major changes when an existing field or callback changes meaning;
 * the minor when fields are appended. The host refuses another major. */
#define STEADY_ABI_MAJOR 1
#define STEADY_ABI_MINOR 1
#define STEADY_ABI_VERSION \
    ((uint32_t)(STEADY_ABI_MAJOR << 16 | STEADY_ABI_MINOR))
#define STEADY_ABI_MAJOR_OF(v) ((uint32_t)(v) >> 16)

/* The symbol the loader looks up with dlsym. */
#define STEADY_PLUGIN_ENTRY_SYMBOL  "steady_plugin_entry"
/* The channel layout the plugin was built against (STEADY_CHANNEL_LAYOUT of
 * <steady/channel.h>), exported by STEADY_PLUGIN_DEFINE. A plugin without it
 * predates the symbol and was built against layout 1. */
#define STEADY_PLUGIN_LAYOUT_SYMBOL "steady_plugin_channel_layout"

struct steady_actor;

enum steady_port_dir {
    STEADY_IN = 0,  /* the actor takes from this port */
    STEADY_OUT = 1, /* the actor sends to this port */
};

struct steady_port_desc {
    const char *name; /* unique within the plugin, e.g. "values" */
    enum steady_port_dir dir;
    const char *type_name; /* element type; both ends of a channel agree */
    size_t elem_size;      /* bytes per element; both ends agree */
    bool required;         /* the graph must connect it */
};

/* ABI 1.1: a port whose type_name is STEADY_TYPE_ANY (and elem_size 0)
 * takes whatever type the channel wired to it carries, fixed-size or
 * variable-size. The graph loader resolves it from the other end of the
 * channel; every any-typed port of one actor takes the same type, so a type
 * flows through an any-typed actor (seq -> tee -> sink is u64 throughout).
 * The actor learns the type at run time (steady_port_type). */
#define STEADY_TYPE_ANY "*"
/* ABI 1.1: elem_size of a port whose messages vary in length (bytes, text,
 * encoded records); type_name still names what they are ("bytes", "text"). */
#define STEADY_VARSIZE  ((size_t)0)

/* ABI 1.1: per-port extras, a table parallel to `ports` (entry i describes
 * ports[i]; exactly n_ports entries, or NULL for none). */
enum steady_port_flags {
    /* A bundle: the graph wires any number of channels to this port (fan-in
     * for an input, fan-out for an output), numbered 0.. in the order the
     * graph file lists them, or as it writes them ("merge.in[1]").
     * `required` means at least one. */
    STEADY_PORT_MANY = 1u << 0,
};

struct steady_port_info {
    const char *doc;    /* one line, shown by `steady inspect`; may be NULL */
    unsigned flags;     /* STEADY_PORT_* */
    unsigned max_wired; /* bundles: most channels the graph may wire, 0 for
                           no limit */
};

enum steady_param_type {
    STEADY_PARAM_INT = 0,    /* int64_t */
    STEADY_PARAM_DOUBLE = 1, /* double */
    STEADY_PARAM_BOOL = 2,   /* true/false */
    STEADY_PARAM_STRING = 3, /* NUL-terminated text */
};

struct steady_param_desc {
    const char *name;
    enum steady_param_type type;
    const char *default_value; /* as YAML text; NULL makes it required */
    const char *doc;           /* one line, shown by `steady inspect` */
};

/* ABI 1.1: the values a param accepts, a table parallel to `params` (entry
 * i limits params[i]; exactly n_params entries, or NULL for none). Bounds
 * are YAML text of the param's type, inclusive, NULL for none; the loader
 * refuses a plugin whose bounds do not parse or whose default is outside
 * them. `steady check` refuses a value outside them at FILE:LINE:COL naming
 * the range, and `steady inspect` shows them. */
struct steady_param_limits {
    const char *min;    /* int and double params */
    const char *max;    /* int and double params */
    const char *one_of; /* string params: the allowed values, "a|b|c"
                           (none empty, none repeated) */
};

struct steady_plugin {
    /* --- never move --- */
    uint32_t abi_version;     /* STEADY_ABI_VERSION the plugin was built with */
    uint32_t descriptor_size; /* sizeof(struct steady_plugin) at build time */
    /* --- ABI 1.0 --- */
    const char *name;    /* plugin name, as used by `plugin:`; at most
                            STEADY_PLUGIN_NAME_MAX bytes, printable */
    const char *version; /* the plugin's own version, free text */
    const char *summary; /* one line */
    const struct steady_port_desc *ports;
    size_t n_ports;
    const struct steady_param_desc *params;
    size_t n_params;
    size_t state_size; /* bytes of persistent state the runtime keeps */
    /* Once per actor instance before start: read params, set up a context
     * with steady_set_ctx(). Return 0, or steady_fail(a, ...) on error. May
     * be NULL. */
    int (*init)(struct steady_actor *a);
    /* The actor's body; see <steady/actor.h>. 0 on a clean stop, negative
     * (steady_fail) on failure. Required. */
    int (*run)(struct steady_actor *a);
    /* Paired with every successful init; frees the context. May be NULL. */
    void (*destroy)(struct steady_actor *a);
    /* --- ABI 1.1 (read only when descriptor_size covers them) --- */
    const struct steady_port_info *port_info;       /* NULL or n_ports */
    const struct steady_param_limits *param_limits; /* NULL or n_params */
};

/* Smallest descriptor the host accepts: everything up to and including run
 * and destroy of ABI 1.0. */
#define STEADY_PLUGIN_MIN_SIZE                 \
    (offsetof(struct steady_plugin, destroy) + \
     sizeof(((struct steady_plugin *)0)->destroy))

/* Longest plugin name the host accepts, in bytes without the NUL. */
#define STEADY_PLUGIN_NAME_MAX 255

#define STEADY_PORTS(array)  (array), (sizeof(array) / sizeof((array)[0]))
#define STEADY_PARAMS(array) (array), (sizeof(array) / sizeof((array)[0]))

/* Defines the entry point for a descriptor:
 *     static const struct steady_plugin plugin = { STEADY_PLUGIN_HEADER, ...};
 *     STEADY_PLUGIN_DEFINE(plugin)
 */
#define STEADY_PLUGIN_HEADER STEADY_ABI_VERSION, sizeof(struct steady_plugin)
#define STEADY_PLUGIN_DEFINE(desc)                                       \
    STEADY_EXPORT const struct steady_plugin *steady_plugin_entry(void); \
    STEADY_EXPORT const struct steady_plugin *steady_plugin_entry(void)  \
    {                                                                    \
        return &(desc);                                                  \
    }                                                                    \
    STEADY_EXPORT extern const uint32_t steady_plugin_channel_layout;    \
    const uint32_t steady_plugin_channel_layout = STEADY_CHANNEL_LAYOUT;

typedef const struct steady_plugin *(*steady_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif

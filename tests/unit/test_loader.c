/* test_loader.c - the plugin loader against real shared objects: every
 * refusal class, a good plugin's fields, the registry's search path and
 * suggestions, `steady inspect`'s description, and the edit distance.
 */
#include "inspect.h"
#include "loader.h"
#include "preflight.h"
#include "suggest.h"

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <link.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
/* cmocka.h needs the standard headers above included first. */
#include <cmocka.h>

#define TP(name) STEADY_TEST_PLUGIN_DIR "/" name ".so"

/* TP for a name known only at run time, into path. */
static const char *tp_path(char *path, size_t len, const char *name)
{
    snprintf(path, len, "%s/%s.so", STEADY_TEST_PLUGIN_DIR, name);
    return path;
}

static char err[1024];

/* Opens path expecting a refusal; checks out stayed untouched and the
 * message names the file and contains reason. */
static void expect_refusal(const char *path, const char *reason)
{
    struct loaded_plugin p = { .path = (char *)"untouched",
                               .handle = (void *)&p };

    err[0] = '\0';
    assert_int_equal(plugin_open(path, &p, err, sizeof(err)), -1);
    assert_string_equal(p.path, "untouched");
    assert_ptr_equal(p.handle, &p);
    assert_null(p.desc);
    assert_null(p.port_info);
    assert_null(p.limits);
    assert_non_null(strstr(err, path));
    assert_int_equal(strncmp(err, path, strlen(path)), 0);
    if (!strstr(err, reason))
        fail_msg("message '%s' lacks '%s'", err, reason);
    assert_null(strchr(err, '\n'));
}

/* Opens path expecting success; on failure shows the loader's reason. */
static void expect_open(const char *path, struct loaded_plugin *p)
{
    err[0] = '\0';
    if (plugin_open(path, p, err, sizeof(err)) != 0)
        fail_msg("%s", err);
}

/* ---- plugin_open refusals ---- */

static void test_plugin_open_missing_file(void **state)
{
    (void)state;
    expect_refusal(TP("tp_does_not_exist"), "cannot load");
    assert_non_null(strstr(err, "No such file"));
}

static void test_plugin_open_no_entry(void **state)
{
    (void)state;
    expect_refusal(TP("tp_noentry"),
                   "does not export steady_plugin_entry; is it a steady "
                   "plugin? (define it with STEADY_PLUGIN_DEFINE)");
}

static void test_plugin_open_null_entry(void **state)
{
    (void)state;
    expect_refusal(TP("tp_nullentry"), "returned NULL");
}

static void test_plugin_open_wrong_abi(void **state)
{
    (void)state;
    expect_refusal(TP("tp_wrongabi"), "built for steady ABI 2.x, this host "
                                      "runs 1.x; rebuild the plugin");
}

static void test_plugin_open_wrong_channel_layout(void **state)
{
    (void)state;
    expect_refusal(TP("tp_wronglayout"),
                   "built against channel layout 99, this host takes channel "
                   "layouts 1 to 3; rebuild the plugin");
}

/* Layout 2 moved no field of layout 1: such plugins still load, with their
 * layout recorded for the graph's checks. */
static void test_plugin_open_accepts_layout_1(void **state)
{
    struct loaded_plugin p = { 0 };
    char why[512];

    (void)state;
    assert_int_equal(plugin_open(TP("tp_layout1"), &p, why, sizeof(why)), 0);
    assert_int_equal(p.channel_layout, 1);
    plugin_close(&p);
}

static void test_plugin_open_records_channel_layout(void **state)
{
    struct loaded_plugin p = { 0 };
    char why[512];
    void *layout;

    (void)state;
    assert_int_equal(plugin_open(TP("tp_good"), &p, why, sizeof(why)), 0);
    layout = dlsym(p.handle, STEADY_PLUGIN_LAYOUT_SYMBOL);
    assert_non_null(layout);
    assert_int_equal(*(const uint32_t *)layout, STEADY_CHANNEL_LAYOUT);
    assert_int_equal(p.channel_layout, STEADY_CHANNEL_LAYOUT);
    plugin_close(&p);
}

static void test_plugin_open_short_descriptor(void **state)
{
    char want[64];

    (void)state;
    snprintf(want, sizeof(want), "descriptor is 16 bytes, at least %zu",
             (size_t)STEADY_PLUGIN_MIN_SIZE);
    expect_refusal(TP("tp_short"), want);
}

static void test_plugin_open_no_run(void **state)
{
    (void)state;
    expect_refusal(TP("tp_norun"), "has no run function");
}

static void test_plugin_open_duplicate_port(void **state)
{
    (void)state;
    expect_refusal(TP("tp_dupport"), "port 'data' is declared twice");
}

static void test_plugin_open_bad_param_default(void **state)
{
    (void)state;
    expect_refusal(TP("tp_badparam"),
                   "param 'count' has default 'abc', which is not a valid "
                   "int");
}

/* ---- the ABI 1.1 extras: param limits and port info ---- */

static void test_plugin_open_limits_refused(void **state)
{
    static const struct {
        const char *plugin, *reason;
    } cases[] = {
        { "tp_lim_badmin", "plugin 'tp_lim_badmin': param 'count' has min "
                           "'1x', which is not a valid int (expected an "
                           "integer" },
        { "tp_lim_badmax", "param 'ratio' has max 'lots', which is not a "
                           "valid double (expected a number such as 0.5)" },
        { "tp_lim_minmax", "param 'count' has min 10 above its max 5" },
        { "tp_lim_onbool", "param 'verbose' is a bool but has a min; min and "
                           "max apply to int and double params only" },
        { "tp_lim_onstring", "param 'label' is a string but has a max; min "
                             "and max apply to int and double params only" },
        { "tp_lim_oneofint", "param 'count' is an int but has one_of; one_of "
                             "applies to string params only" },
        { "tp_lim_emptyvalue", "param 'mode' has an empty value in one_of "
                               "\"a||b\"" },
        { "tp_lim_dupvalue", "param 'mode' lists 'a' twice in one_of "
                             "\"a|b|a\"" },
        { "tp_lim_default", "param 'count' has a default outside its "
                            "limits: count must be in 1..100, got 0" },
        { "tp_lim_defaultstr", "param 'mode' has a default outside its "
                               "limits: mode must be one of 'fast', 'safe', "
                               "got 'fsat'; did you mean 'fast'?" },
        { "tp_port_flags", "plugin 'tp_port_flags': port 'in' has unknown "
                           "flag bits 0x6 (this host knows STEADY_PORT_MANY, "
                           "0x1)" },
        { "tp_port_maxwired", "port 'in' sets max_wired 3 but is not a "
                              "bundle; add STEADY_PORT_MANY" },
    };
    char path[512];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_refusal(tp_path(path, sizeof(path), cases[i].plugin),
                       cases[i].reason);
}

/* A 1.0 descriptor ends before port_info and param_limits: what lies past
 * its end (here, tables that would be refused) is never read. */
static void test_plugin_open_abi10_has_no_extras(void **state)
{
    struct loaded_plugin p = { 0 };

    (void)state;
    expect_open(TP("tp_abi10"), &p);
    assert_non_null(p.port_info);
    assert_int_equal(p.port_info[0].flags, 0);
    assert_null(p.port_info[0].doc);
    assert_non_null(p.limits);
    assert_false(param_limited(&p.limits[0]));
    plugin_close(&p);
}

static void test_plugin_open_keeps_limits(void **state)
{
    struct loaded_plugin p = { 0 };
    const struct param_limit *l;

    (void)state;
    expect_open(TP("tp_ranged"), &p);
    assert_string_equal(p.port_info[0].doc, "values to pass on");
    assert_string_equal(p.port_info[1].doc, "the same values, in order");
    l = &p.limits[0]; /* count: 1..1000 */
    assert_true(l->has_min && l->has_max);
    assert_int_equal(l->min.i, 1);
    assert_int_equal(l->max.i, 1000);
    l = &p.limits[1]; /* ratio: 0..1 */
    assert_true(l->min.d == 0.0 && l->max.d == 1.0);
    l = &p.limits[2]; /* mode: fast|safe|slow */
    assert_int_equal(l->n_one_of, 3);
    assert_string_equal(l->one_of[0], "fast");
    assert_string_equal(l->one_of[2], "slow");
    assert_false(l->has_min || l->has_max);
    l = &p.limits[3]; /* floor: >= -5 */
    assert_true(l->has_min && !l->has_max);
    assert_int_equal(l->min.i, -5);
    l = &p.limits[4]; /* ceiling: <= 0x10 */
    assert_true(!l->has_min && l->has_max);
    assert_int_equal(l->max.i, 16);
    assert_false(param_limited(&p.limits[5])); /* verbose */
    plugin_close(&p);
    assert_null(p.limits);
    assert_null(p.port_info);
}

static void test_param_limit_check_messages(void **state)
{
    struct loaded_plugin p = { 0 };
    const struct steady_param_desc *d;
    union param_value v;
    char why[512];

    (void)state;
    expect_open(TP("tp_ranged"), &p);
    d = p.desc->params;
    v.i = 0;
    assert_int_equal(
        param_limit_check(&d[0], &p.limits[0], &v, "0", why, sizeof(why)), -1);
    assert_string_equal(why, "count must be in 1..1000, got 0");
    v.i = 1000; /* bounds are inclusive */
    assert_int_equal(
        param_limit_check(&d[0], &p.limits[0], &v, "1000", why, sizeof(why)),
        0);
    v.d = 1.5;
    assert_int_equal(
        param_limit_check(&d[1], &p.limits[1], &v, "1.5", why, sizeof(why)),
        -1);
    assert_string_equal(why, "ratio must be in 0..1, got 1.5");
    v.s = (char *)"fsat";
    assert_int_equal(
        param_limit_check(&d[2], &p.limits[2], &v, "fsat", why, sizeof(why)),
        -1);
    assert_string_equal(why, "mode must be one of 'fast', 'safe', 'slow', "
                             "got 'fsat'; did you mean 'fast'?");
    v.s = (char *)"turbo";
    assert_int_equal(
        param_limit_check(&d[2], &p.limits[2], &v, "turbo", why, sizeof(why)),
        -1);
    assert_string_equal(why, "mode must be one of 'fast', 'safe', 'slow', got "
                             "'turbo'");
    v.s = (char *)"safe";
    assert_int_equal(
        param_limit_check(&d[2], &p.limits[2], &v, "safe", why, sizeof(why)),
        0);
    v.i = -6;
    assert_int_equal(
        param_limit_check(&d[3], &p.limits[3], &v, "-6", why, sizeof(why)), -1);
    assert_string_equal(why, "floor must be at least -5, got -6");
    v.i = 17;
    assert_int_equal(
        param_limit_check(&d[4], &p.limits[4], &v, "0x11", why, sizeof(why)),
        -1);
    assert_string_equal(why, "ceiling must be at most 0x10, got 0x11");
    v.i = INT64_MIN; /* no lower bound */
    assert_int_equal(
        param_limit_check(&d[4], &p.limits[4], &v, "x", why, sizeof(why)), 0);
    v.b = true;
    assert_int_equal(
        param_limit_check(&d[5], &p.limits[5], &v, "true", why, sizeof(why)),
        0);
    plugin_close(&p);
}

/* ---- plugin_open success ---- */

static void test_plugin_open_good(void **state)
{
    struct loaded_plugin p = { 0 };
    const struct steady_plugin *d;

    (void)state;
    expect_open(TP("tp_good"), &p);
    assert_string_equal(p.path, TP("tp_good"));
    assert_non_null(p.handle);
    d = p.desc;
    assert_non_null(d);
    assert_int_equal(STEADY_ABI_MAJOR_OF(d->abi_version), STEADY_ABI_MAJOR);
    assert_string_equal(d->name, "tp_good");
    assert_string_equal(d->version, "1.2.3");
    assert_int_equal(d->n_ports, 2);
    assert_string_equal(d->ports[0].name, "in");
    assert_int_equal(d->ports[0].dir, STEADY_IN);
    assert_string_equal(d->ports[0].type_name, "u64");
    assert_int_equal(d->ports[0].elem_size, 8);
    assert_true(d->ports[0].required);
    assert_int_equal(d->ports[1].dir, STEADY_OUT);
    assert_false(d->ports[1].required);
    assert_int_equal(d->n_params, 4);
    assert_string_equal(d->params[1].name, "ratio");
    assert_int_equal(d->params[1].type, STEADY_PARAM_DOUBLE);
    assert_string_equal(d->params[1].default_value, "0.5");
    assert_non_null(d->run);
    assert_null(d->init);
    plugin_close(&p);
    assert_null(p.handle);
    assert_null(p.path);
    plugin_close(NULL);
}

static void test_plugin_open_failing_init_is_accepted(void **state)
{
    struct loaded_plugin p = { 0 };

    (void)state;
    expect_open(TP("tp_failinit"), &p);
    assert_non_null(p.desc->init);
    plugin_close(&p);
}

static void test_plugin_open_null_err_buffer(void **state)
{
    struct loaded_plugin p = { 0 };

    (void)state;
    assert_int_equal(plugin_open(TP("tp_norun"), &p, NULL, 0), -1);
}

/* ---- lookups by name ---- */

static void test_plugin_port_index_found_and_absent(void **state)
{
    struct loaded_plugin p = { 0 };

    (void)state;
    expect_open(TP("tp_good"), &p);
    assert_int_equal(plugin_port_index(p.desc, "in"), 0);
    assert_int_equal(plugin_port_index(p.desc, "out"), 1);
    assert_int_equal(plugin_port_index(p.desc, "nope"), -1);
    plugin_close(&p);
}

static void test_plugin_param_index_found_and_absent(void **state)
{
    struct loaded_plugin p = { 0 };

    (void)state;
    expect_open(TP("tp_good"), &p);
    assert_int_equal(plugin_param_index(p.desc, "count"), 0);
    assert_int_equal(plugin_param_index(p.desc, "label"), 3);
    assert_int_equal(plugin_param_index(p.desc, "Count"), -1);
    plugin_close(&p);
}

/* ---- the registry ---- */

static void test_plugin_registry_get_by_name(void **state)
{
    struct plugin_registry *reg;
    const struct loaded_plugin *p;

    (void)state;
    unsetenv("STEADY_PLUGIN_PATH");
    reg = plugin_registry_create("/nonexistent/dir:" STEADY_TEST_PLUGIN_DIR);
    assert_non_null(reg);
    assert_string_equal(plugin_registry_search_path(reg),
                        "/nonexistent/dir:" STEADY_TEST_PLUGIN_DIR
                        ":" STEADY_BUILD_PLUGIN_DIR);
    p = plugin_registry_get(reg, "tp_good", err, sizeof(err));
    if (!p)
        fail_msg("%s", err);
    assert_string_equal(p->desc->name, "tp_good");
    assert_string_equal(p->path, TP("tp_good"));
    plugin_registry_destroy(reg);
    plugin_registry_destroy(NULL);
}

static void test_plugin_registry_get_same_plugin_once(void **state)
{
    struct plugin_registry *reg;
    const struct loaded_plugin *a, *b, *c;

    (void)state;
    reg = plugin_registry_create(STEADY_TEST_PLUGIN_DIR);
    assert_non_null(reg);
    a = plugin_registry_get(reg, "tp_good", err, sizeof(err));
    if (!a)
        fail_msg("%s", err);
    b = plugin_registry_get(reg, "tp_good", err, sizeof(err));
    /* The same file through another spelling of its path. */
    c = plugin_registry_get(reg,
                            STEADY_TEST_PLUGIN_DIR "/../testplugins/"
                                                   "tp_good.so",
                            err, sizeof(err));
    assert_non_null(a);
    assert_ptr_equal(a, b);
    assert_ptr_equal(a, c);
    assert_ptr_not_equal(
        a, plugin_registry_get(reg, "tp_failinit", err, sizeof(err)));
    plugin_registry_destroy(reg);
}

static void test_plugin_registry_get_by_path(void **state)
{
    struct plugin_registry *reg;
    const struct loaded_plugin *p;

    (void)state;
    reg = plugin_registry_create(NULL);
    assert_non_null(reg);
    p = plugin_registry_get(reg, TP("tp_good"), err, sizeof(err));
    if (!p)
        fail_msg("%s", err);
    assert_string_equal(p->desc->name, "tp_good");
    plugin_registry_destroy(reg);
}

static void test_plugin_registry_get_broken_by_name(void **state)
{
    struct plugin_registry *reg;

    (void)state;
    reg = plugin_registry_create(STEADY_TEST_PLUGIN_DIR);
    assert_non_null(reg);
    assert_null(plugin_registry_get(reg, "tp_wrongabi", err, sizeof(err)));
    assert_non_null(strstr(err, TP("tp_wrongabi")));
    assert_non_null(strstr(err, "ABI 2.x"));
    /* A refused plugin is not remembered as opened. */
    assert_null(plugin_registry_get(reg, "tp_wrongabi", err, sizeof(err)));
    plugin_registry_destroy(reg);
}

static void test_plugin_registry_get_unknown_suggests(void **state)
{
    struct plugin_registry *reg;

    (void)state;
    unsetenv("STEADY_PLUGIN_PATH");
    reg = plugin_registry_create(STEADY_TEST_PLUGIN_DIR);
    assert_non_null(reg);
    assert_null(plugin_registry_get(reg, "tp_goood", err, sizeof(err)));
    assert_non_null(strstr(
        err, "unknown plugin 'tp_goood' (searched: " STEADY_TEST_PLUGIN_DIR
             ":" STEADY_BUILD_PLUGIN_DIR ")"));
    if (!strstr(err, "; did you mean 'tp_good'?"))
        fail_msg("no suggestion in '%s'", err);
    plugin_registry_destroy(reg);
}

static void test_plugin_registry_get_unknown_without_suggestion(void **state)
{
    struct plugin_registry *reg;

    (void)state;
    reg = plugin_registry_create(STEADY_TEST_PLUGIN_DIR);
    assert_non_null(reg);
    assert_null(plugin_registry_get(reg, "zzzzzzzzzz", err, sizeof(err)));
    assert_non_null(strstr(err, "unknown plugin 'zzzzzzzzzz' (searched: "));
    assert_null(strstr(err, "did you mean"));
    plugin_registry_destroy(reg);
}

static void test_plugin_registry_get_env_path(void **state)
{
    struct plugin_registry *reg;
    const struct loaded_plugin *p;

    (void)state;
    assert_int_equal(setenv("STEADY_PLUGIN_PATH",
                            "/nonexistent/a:" STEADY_TEST_PLUGIN_DIR, 1),
                     0);
    reg = plugin_registry_create("/nonexistent/b");
    unsetenv("STEADY_PLUGIN_PATH");
    assert_non_null(reg);
    /* The caller's dirs first, then the environment, then the build's. */
    assert_string_equal(plugin_registry_search_path(reg),
                        "/nonexistent/b:/nonexistent/a:" STEADY_TEST_PLUGIN_DIR
                        ":" STEADY_BUILD_PLUGIN_DIR);
    p = plugin_registry_get(reg, "tp_good", err, sizeof(err));
    if (!p)
        fail_msg("%s", err);
    assert_string_equal(p->path, TP("tp_good"));
    plugin_registry_destroy(reg);
}

static void test_plugin_registry_get_path_missing(void **state)
{
    struct plugin_registry *reg;

    (void)state;
    reg = plugin_registry_create(STEADY_TEST_PLUGIN_DIR);
    assert_non_null(reg);
    /* a bare "x.so" is a name on the search path, not a file here */
    assert_null(plugin_registry_get(reg, "missing.so", err, sizeof(err)));
    assert_non_null(strstr(err, "unknown plugin 'missing.so' (searched: "));
    assert_null(plugin_registry_get(reg, "./missing.so", err, sizeof(err)));
    assert_int_equal(strncmp(err, "./missing.so: cannot load", 25), 0);
    assert_non_null(strstr(err, "No such file"));
    plugin_registry_destroy(reg);
}

/* ---- preflight: broken, foreign, writable and misplaced files ---- */

#define REAL_PLUGIN STEADY_BUILD_PLUGIN_DIR "/generator.so"

/* An instruction that traps, written over a function's first bytes. */
#if defined(__x86_64__) || defined(__i386__)
static const unsigned char trap_insn[] = { 0x0f, 0x0b }; /* ud2 */
#else
static const unsigned char trap_insn[] = { 0, 0, 0, 0 }; /* udf #0 (arm64) */
#endif

static char tmpdir[64];

static void tmp_make(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/steady-loader-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
}

/* tmpdir/name in one of a few rotating buffers: copy it to keep it. */
static const char *tmp_path(const char *name)
{
    static char buf[4][256];
    static int next;
    char *p = buf[next++ % 4];

    snprintf(p, sizeof(buf[0]), "%s/%s", tmpdir, name);
    return p;
}

static int remove_one(const char *path, const struct stat *st, int flag,
                      struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    chmod(path, 0700);
    return remove(path);
}

static void tmp_remove(void)
{
    chmod(tmpdir, 0700);
    assert_int_equal(nftw(tmpdir, remove_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static unsigned char *read_all(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf;
    long len;

    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    len = ftell(f);
    assert_true(len > 0);
    rewind(f);
    buf = malloc((size_t)len);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    *size = (size_t)len;
    return buf;
}

static void write_file(const char *path, const void *buf, size_t n, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, buf, n), (ssize_t)n);
    assert_int_equal(fchmod(fd, mode), 0);
    close(fd);
}

static void copy_plugin(const char *from, const char *to, mode_t mode)
{
    size_t n;
    unsigned char *buf = read_all(from, &n);

    write_file(to, buf, n, mode);
    free(buf);
}

/* Where the native-class ELF image `b` keeps things. */
static ElfW(Ehdr) * ehdr_of(unsigned char *b)
{
    return (ElfW(Ehdr) *)b;
}

static ElfW(Phdr) * phdr_of(unsigned char *b, int type)
{
    ElfW(Ehdr) *e = ehdr_of(b);

    for (size_t i = 0; i < e->e_phnum; i++) {
        ElfW(Phdr) *p = (ElfW(Phdr) *)(b + e->e_phoff) + i;
        if ((int)p->p_type == type)
            return p;
    }
    return NULL;
}

/* The dynamic entry with `tag`, in the file image; NULL when absent. */
static ElfW(Dyn) * dyn_of(unsigned char *b, ElfW(Sxword) tag)
{
    ElfW(Phdr) *p = phdr_of(b, PT_DYNAMIC);

    assert_non_null(p);
    for (ElfW(Dyn) *d = (ElfW(Dyn) *)(b + p->p_offset); d->d_tag != DT_NULL;
         d++)
        if (d->d_tag == tag)
            return d;
    return NULL;
}

/* File offset of a dynamic symbol's code; 0 when not found. */
static size_t symbol_offset(unsigned char *b, const char *name)
{
    ElfW(Ehdr) *e = ehdr_of(b);
    ElfW(Shdr) *sh = (ElfW(Shdr) *)(b + e->e_shoff);

    for (size_t i = 0; i < e->e_shnum; i++) {
        ElfW(Sym) *sym = (ElfW(Sym) *)(b + sh[i].sh_offset);
        const char *strs = (const char *)b + sh[sh[i].sh_link].sh_offset;

        if (sh[i].sh_type != SHT_DYNSYM)
            continue;
        for (size_t j = 0; j < sh[i].sh_size / sizeof(*sym); j++) {
            if (strcmp(strs + sym[j].st_name, name) != 0)
                continue;
            for (size_t k = 0; k < e->e_phnum; k++) {
                ElfW(Phdr) *p = (ElfW(Phdr) *)(b + e->e_phoff) + k;
                if (p->p_type == PT_LOAD && sym[j].st_value >= p->p_vaddr &&
                    sym[j].st_value < p->p_vaddr + p->p_filesz)
                    return (size_t)(sym[j].st_value - p->p_vaddr + p->p_offset);
            }
        }
    }
    return 0;
}

static void test_preflight_truncated_copies(void **state)
{
    /* lengths from the start; negative ones count back from the end */
    static const long cuts[] = { 0,     1,    3,    4,    15,   16,    19,
                                 20,    52,   63,   64,   65,   120,   500,
                                 1000,  4095, 4096, 4097, 8192, 10000, 12288,
                                 -4096, -999, -100, -8,   -1 };
    unsigned char *full;
    size_t size;

    (void)state;
    tmp_make();
    full = read_all(REAL_PLUGIN, &size);
    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
        size_t n = cuts[i] < 0 ? size - (size_t)-cuts[i] : (size_t)cuts[i];
        char name[64];
        const char *path;

        assert_true(n < size);
        snprintf(name, sizeof(name), "cut%zu.so", n);
        path = tmp_path(name);
        write_file(path, full, n, 0644);
        expect_refusal(path, ": refused: ");
        if (n >= 64 && !strstr(err, "truncated or corrupt"))
            fail_msg("%zu bytes: '%s'", n, err);
    }
    free(full);
    tmp_remove();
}

/* Each corruption is one a real file could carry, and each would crash or
 * fool a plain dlopen; all are refused with the reason. */
static void test_preflight_corrupt_copies(void **state)
{
    enum {
        BAD_CLASS,
        BAD_ORDER,
        EXEC_TYPE,
        REL_TYPE,
        PHOFF,
        PHENTSIZE,
        LOAD_OFFSET,
        LOAD_SIZES,
        NO_DYNAMIC,
        DT_STR,
        DT_SYM,
        DT_RELA_,
        DT_INIT_ARRAY_,
        DT_GNU_HASH_,
        ENTRY_TRAP,
        N_CASES
    };
    static const char *const want[N_CASES] = {
        [BAD_CLASS] = "corrupt ELF: unknown class 3",
        [BAD_ORDER] = "corrupt ELF: unknown byte order 9",
        [EXEC_TYPE] = "an executable, not a shared object",
        [REL_TYPE] = "an object file (.o), not a shared object",
        [PHOFF] = "refused: ",
        [PHENTSIZE] = "program headers of 7 bytes",
        [LOAD_OFFSET] = "truncated or corrupt: its ELF headers describe",
        [LOAD_SIZES] = "holds more bytes in the file than in memory",
        [NO_DYNAMIC] = "it has no dynamic section",
        [DT_STR] = "crashed while being checked (SIG",
        [DT_SYM] = "crashed while being checked (SIG",
        [DT_RELA_] = "crashed while being checked (SIG",
        [DT_INIT_ARRAY_] = "crashed while being checked (SIG",
        [DT_GNU_HASH_] = "crashed while being checked (SIG",
        [ENTRY_TRAP] = "crashed while being checked (SIGILL)",
    };
    static const ElfW(Sxword) tags[N_CASES] = {
        [DT_STR] = DT_STRTAB,         [DT_SYM] = DT_SYMTAB,
        [DT_RELA_] = DT_RELA,         [DT_INIT_ARRAY_] = DT_INIT_ARRAY,
        [DT_GNU_HASH_] = DT_GNU_HASH,
    };
    unsigned char *full, *b;
    size_t size, applied = 0;

    (void)state;
    tmp_make();
    full = read_all(REAL_PLUGIN, &size);
    b = malloc(size);
    assert_non_null(b);
    for (int c = 0; c < N_CASES; c++) {
        ElfW(Ehdr) *e = ehdr_of(b);
        char name[32];
        const char *path;

        memcpy(b, full, size);
        switch (c) {
        case BAD_CLASS:
            b[EI_CLASS] = 3;
            break;
        case BAD_ORDER:
            b[EI_DATA] = 9;
            break;
        case EXEC_TYPE:
            e->e_type = ET_EXEC;
            break;
        case REL_TYPE:
            e->e_type = ET_REL;
            break;
        case PHOFF:
            e->e_phoff = (ElfW(Off)) - 100;
            break;
        case PHENTSIZE:
            e->e_phentsize = 7;
            break;
        case LOAD_OFFSET:
            phdr_of(b, PT_LOAD)->p_offset += 64u << 20;
            break;
        case LOAD_SIZES:
            phdr_of(b, PT_LOAD)->p_memsz = 1;
            break;
        case NO_DYNAMIC:
            phdr_of(b, PT_DYNAMIC)->p_type = PT_NULL;
            break;
        case ENTRY_TRAP: {
            size_t off = symbol_offset(b, STEADY_PLUGIN_ENTRY_SYMBOL);
            assert_true(off > 0);
            memcpy(b + off, trap_insn, sizeof(trap_insn));
            break;
        }
        default: {
            /* a dynamic-section pointer bent far outside the file: the
             * dynamic loader follows it and faults */
            ElfW(Dyn) *d = dyn_of(b, tags[c]);
            if (!d)
                continue; /* this build's linker did not emit it */
            d->d_un.d_ptr = (ElfW(Addr))0x7fff00000000ull;
            break;
        }
        }
        snprintf(name, sizeof(name), "corrupt%d.so", c);
        path = tmp_path(name);
        write_file(path, b, size, 0644);
        expect_refusal(path, want[c]);
        applied++;
    }
    assert_true(applied >= N_CASES - 2);
    free(b);
    free(full);
    tmp_remove();
}

/* Random single-byte changes in the headers and the dynamic section: the
 * file is refused or, where the byte did not matter, loads; the test
 * process survives every one. */
static void test_preflight_random_corruptions(void **state)
{
    unsigned char *full, *b;
    size_t size, region, refused = 0;
    uint64_t x = 0x9e3779b97f4a7c15ull;

    (void)state;
    tmp_make();
    full = read_all(REAL_PLUGIN, &size);
    b = malloc(size);
    assert_non_null(b);
    memcpy(b, full, size);
    region =
        phdr_of(b, PT_DYNAMIC)->p_offset + phdr_of(b, PT_DYNAMIC)->p_filesz;
    assert_true(region <= size);
    for (int i = 0; i < 24; i++) {
        struct loaded_plugin p = { 0 };
        char name[32];
        const char *path;

        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        memcpy(b, full, size);
        /* half in the ELF and program headers, half anywhere up to the end
         * of the dynamic section */
        b[i % 2 ? x % region : x % 512] ^= (unsigned char)(1 + (x >> 32) % 255);
        snprintf(name, sizeof(name), "random%d.so", i);
        path = tmp_path(name);
        write_file(path, b, size, 0644);
        err[0] = '\0';
        if (plugin_open(path, &p, err, sizeof(err)) == 0) {
            plugin_close(&p);
            continue;
        }
        assert_int_equal(strncmp(err, path, strlen(path)), 0);
        refused++;
    }
    assert_true(refused > 0);
    free(b);
    free(full);
    tmp_remove();
}

static void test_preflight_wrong_architecture(void **state)
{
    struct utsname u;
    unsigned char *b;
    size_t size;
    char want[128];
    const bool arm = uname(&u) == 0 && strcmp(u.machine, "aarch64") == 0;

    (void)state;
    tmp_make();
    b = read_all(REAL_PLUGIN, &size);
    ehdr_of(b)->e_machine = arm ? EM_X86_64 : EM_AARCH64;
    write_file(tmp_path("foreign.so"), b, size, 0644);
    snprintf(want, sizeof(want), "refused: ELF for %s, this host is %s",
             arm ? "x86_64" : "aarch64", arm ? "aarch64" : u.machine);
    expect_refusal(tmp_path("foreign.so"), want);
    assert_null(strstr(err, "No such file"));
    free(b);
    if (sizeof(void *) == 8) {
        b = read_all(REAL_PLUGIN, &size);
        b[EI_CLASS] = ELFCLASS32;
        write_file(tmp_path("class32.so"), b, size, 0644);
        expect_refusal(tmp_path("class32.so"),
                       "refused: 32-bit ELF, this host is 64-bit");
        free(b);
    }
    tmp_remove();
}

static void test_preflight_crashing_constructors(void **state)
{
    struct loaded_plugin p = { 0 };

    (void)state;
    expect_refusal(TP("tp_crashctor"),
                   "refused: the plugin crashed while being checked (SIGBUS)");
    expect_refusal(TP("tp_exitctor"), "refused: checking the plugin ended "
                                      "with exit status 3 before a verdict: "
                                      "tp_exitctor: leaving from a "
                                      "constructor");
    assert_int_equal(setenv("STEADY_PLUGIN_CHECK_TIMEOUT_MS", "300", 1), 0);
    expect_refusal(TP("tp_hangctor"),
                   "refused: checking the plugin took longer than 300 ms");
    assert_int_equal(setenv("STEADY_PLUGIN_CHECK_TIMEOUT_MS", "soon", 1), 0);
    preflight_cache_clear();
    expect_refusal(TP("tp_good"), "STEADY_PLUGIN_CHECK_TIMEOUT_MS='soon' is "
                                  "not a whole number of milliseconds");
    unsetenv("STEADY_PLUGIN_CHECK_TIMEOUT_MS");
    /* and the next plugin is checked as usual */
    expect_open(TP("tp_good"), &p);
    plugin_close(&p);
}

/* One scanner serves a registry; a plugin that kills it costs that plugin
 * only, and the next one gets a new scanner. */
static void test_preflight_registry_survives_a_crash(void **state)
{
    struct plugin_registry *reg;
    const struct loaded_plugin *a, *b;

    (void)state;
    preflight_cache_clear();
    reg = plugin_registry_create(STEADY_TEST_PLUGIN_DIR);
    assert_non_null(reg);
    a = plugin_registry_get(reg, "tp_good", err, sizeof(err));
    if (!a)
        fail_msg("%s", err);
    assert_null(plugin_registry_get(reg, "tp_crashctor", err, sizeof(err)));
    assert_non_null(strstr(err, "crashed while being checked (SIGBUS)"));
    b = plugin_registry_get(reg, "tp_failinit", err, sizeof(err));
    if (!b)
        fail_msg("%s", err);
    plugin_registry_loaded(reg);
    plugin_registry_loaded(reg);
    /* a lookup after loading starts another scanner */
    assert_non_null(plugin_registry_get(reg, "tp_sink", err, sizeof(err)));
    plugin_registry_destroy(reg);
}

/* Verdicts are cached by path, size and modification time: the same file
 * is not scanned twice, a changed one is. */
static void test_preflight_verdict_cache(void **state)
{
    struct timespec later[2] = { { 0, UTIME_OMIT }, { 12345, 0 } };
    const char *path;

    (void)state;
    preflight_cache_clear();
    tmp_make();
    path = tmp_path("crash.so");
    copy_plugin(TP("tp_crashctor"), path, 0644);
    expect_refusal(path, "crashed while being checked (SIGBUS)");
    assert_int_equal(setenv("STEADY_PLUGIN_SCANNER", "/nonexistent/scanner", 1),
                     0);
    /* cached: no scanner needed */
    expect_refusal(path, "crashed while being checked (SIGBUS)");
    /* changed: checked again, and a missing scanner refuses */
    assert_int_equal(utimensat(AT_FDCWD, path, later, 0), 0);
    expect_refusal(path, "cannot check the plugin: cannot run "
                         "/nonexistent/scanner: No such file");
    unsetenv("STEADY_PLUGIN_SCANNER");
    tmp_remove();
    preflight_cache_clear();
}

/* Passes are remembered on disk with every file the check mapped, and
 * trusted by a later process only while all of them are unchanged. */
static void test_preflight_disk_cache(void **state)
{
    char cache[256], file[300], plugin[256], *text, *lib;
    struct timespec later[2] = { { 0, UTIME_OMIT }, { 12345, 0 } };
    struct loaded_plugin p = { 0 };
    struct stat st;
    size_t n;

    (void)state;
    tmp_make();
    snprintf(cache, sizeof(cache), "%s", tmp_path("cache"));
    snprintf(file, sizeof(file), "%s/plugin-checks-1", cache);
    snprintf(plugin, sizeof(plugin), "%s", tmp_path("p.so"));
    copy_plugin(TP("tp_good"), plugin, 0644);
    assert_int_equal(setenv("STEADY_PLUGIN_CACHE", cache, 1), 0);
    preflight_cache_clear();
    expect_open(plugin, &p); /* scanned, and remembered */
    plugin_close(&p);
    assert_int_equal(stat(cache, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(stat(file, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    text = (char *)read_all(file, &n);
    text = realloc(text, n + 1);
    assert_non_null(text);
    text[n] = '\0';
    assert_non_null(strstr(text, "/p.so\t"));
    assert_non_null(lib = strstr(text, "/libc.so"));

    /* a later process: no scanner needed */
    assert_int_equal(setenv("STEADY_PLUGIN_SCANNER", "/nonexistent/scanner", 1),
                     0);
    preflight_cache_clear();
    expect_open(plugin, &p);
    plugin_close(&p);

    /* a library it loaded changed: checked again (and here, cannot be) */
    {
        char *field_end = lib, *field;
        while (*field_end != '\t')
            field_end--; /* the tab before the path */
        field = field_end - 1;
        while (*field != '\t')
            field--; /* the tab before its id */
        memset(field + 1, '9', (size_t)(field_end - field - 1));
        write_file(file, text, n, 0600);
    }
    preflight_cache_clear();
    expect_refusal(plugin, "cannot check the plugin: cannot run "
                           "/nonexistent/scanner");
    unsetenv("STEADY_PLUGIN_SCANNER");
    remove(file);
    preflight_cache_clear();
    expect_open(plugin, &p); /* remembered afresh */
    plugin_close(&p);

    /* a cache file others could write is not trusted */
    assert_int_equal(chmod(file, 0666), 0);
    assert_int_equal(setenv("STEADY_PLUGIN_SCANNER", "/nonexistent/scanner", 1),
                     0);
    preflight_cache_clear();
    expect_refusal(plugin, "cannot run /nonexistent/scanner");
    assert_int_equal(chmod(file, 0600), 0);
    preflight_cache_clear();
    expect_open(plugin, &p);
    plugin_close(&p);

    /* the plugin itself changed */
    assert_int_equal(utimensat(AT_FDCWD, plugin, later, 0), 0);
    preflight_cache_clear();
    expect_refusal(plugin, "cannot run /nonexistent/scanner");

    /* refusals are never remembered */
    unsetenv("STEADY_PLUGIN_SCANNER");
    copy_plugin(TP("tp_crashctor"), tmp_path("crash.so"), 0644);
    preflight_cache_clear();
    expect_refusal(tmp_path("crash.so"), "crashed while being checked");
    free(text);
    text = (char *)read_all(file, &n);
    assert_null(memmem(text, n, "crash.so", 8));
    free(text);
    assert_int_equal(setenv("STEADY_PLUGIN_CACHE", "off", 1), 0);
    preflight_cache_clear();
    tmp_remove();
}

static void test_preflight_not_a_regular_file(void **state)
{
    (void)state;
    tmp_make();
    assert_int_equal(mkfifo(tmp_path("fifo.so"), 0600), 0);
    expect_refusal(tmp_path("fifo.so"), "refused: not a regular file");
    assert_int_equal(mkdir(tmp_path("dir.so"), 0700), 0);
    expect_refusal(tmp_path("dir.so"), "refused: not a regular file");
    tmp_remove();
}

/* A bare name is looked up on the search path only, never in the current
 * directory; a path with a '/' is a file. */
static void test_preflight_cwd_is_not_searched(void **state)
{
    struct plugin_registry *reg;
    char cwd[PATH_MAX];

    (void)state;
    tmp_make();
    copy_plugin(TP("tp_good"), tmp_path("cwdonly.so"), 0644);
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(chdir(tmpdir), 0);
    /* empty parts of a path list would mean "here" to a shell: not here */
    assert_int_equal(setenv("STEADY_PLUGIN_PATH", "::", 1), 0);
    reg = plugin_registry_create(":" STEADY_TEST_PLUGIN_DIR ":");
    unsetenv("STEADY_PLUGIN_PATH");
    assert_non_null(reg);
    assert_null(plugin_registry_get(reg, "cwdonly.so", err, sizeof(err)));
    assert_non_null(strstr(err, "unknown plugin 'cwdonly.so'"));
    assert_non_null(strstr(err, "never in the current folder"));
    assert_null(plugin_registry_get(reg, "cwdonly", err, sizeof(err)));
    assert_non_null(strstr(err, "unknown plugin 'cwdonly'"));
    /* named as a file, it loads */
    if (!plugin_registry_get(reg, "./cwdonly.so", err, sizeof(err)))
        fail_msg("%s", err);
    plugin_registry_destroy(reg);
    assert_int_equal(chdir(cwd), 0);
    tmp_remove();
}

static void test_preflight_writable_file_refused(void **state)
{
    struct plugin_registry *reg;
    struct loaded_plugin p = { 0 };
    const char *path;

    (void)state;
    preflight_cache_clear();
    unsetenv("STEADY_ALLOW_WRITABLE_PLUGINS");
    tmp_make();
    path = tmp_path("ww.so");
    copy_plugin(TP("tp_good"), path, 0666);
    expect_refusal(path, "refused: file ");
    assert_non_null(strstr(err, " is writable by group and others (mode "
                                "0666)"));
    assert_non_null(strstr(err, "--allow-writable-plugins"));
    assert_int_equal(chmod(path, 0664), 0);
    expect_refusal(path, "is writable by its group (mode 0664)");
    /* allowed explicitly: by the environment, or on the registry */
    assert_int_equal(setenv("STEADY_ALLOW_WRITABLE_PLUGINS", "1", 1), 0);
    expect_open(path, &p);
    plugin_close(&p);
    assert_int_equal(setenv("STEADY_ALLOW_WRITABLE_PLUGINS", "0", 1), 0);
    expect_refusal(path, "is writable by its group");
    unsetenv("STEADY_ALLOW_WRITABLE_PLUGINS");
    reg = plugin_registry_create(NULL);
    assert_non_null(reg);
    assert_null(plugin_registry_get(reg, path, err, sizeof(err)));
    plugin_registry_allow_writable(reg, true);
    if (!plugin_registry_get(reg, path, err, sizeof(err)))
        fail_msg("%s", err);
    plugin_registry_destroy(reg);
    tmp_remove();
}

static void test_preflight_writable_folder_refused(void **state)
{
    struct loaded_plugin p = { 0 };
    char want[400], sub[256], path[256];

    (void)state;
    unsetenv("STEADY_ALLOW_WRITABLE_PLUGINS");
    tmp_make();
    snprintf(sub, sizeof(sub), "%s", tmp_path("open"));
    assert_int_equal(mkdir(sub, 0700), 0);
    assert_int_equal(chmod(sub, 0777), 0);
    snprintf(path, sizeof(path), "%s", tmp_path("open/x.so"));
    copy_plugin(TP("tp_good"), path, 0644);
    snprintf(want, sizeof(want),
             "refused: folder %s is writable by group and others (mode "
             "0777)",
             sub);
    expect_refusal(path, want);
    /* a symlink from a safe folder does not hide it */
    assert_int_equal(symlink(path, tmp_path("link.so")), 0);
    expect_refusal(tmp_path("link.so"), want);
    /* with the sticky bit, others cannot replace what is in it: fine */
    assert_int_equal(chmod(sub, 01777), 0);
    expect_open(path, &p);
    plugin_close(&p);
    /* and a safe file behind a symlink in a writable folder is refused */
    assert_int_equal(chmod(sub, 0777), 0);
    assert_int_equal(unlink(path), 0);
    copy_plugin(TP("tp_good"), tmp_path("safe.so"), 0644);
    assert_int_equal(symlink(tmp_path("safe.so"), path), 0);
    expect_refusal(path, want);
    tmp_remove();
}

/* Someone else's file is theirs to change (checked when we can make one:
 * as root). */
static void test_preflight_foreign_owner_refused(void **state)
{
    const char *path;

    (void)state;
    if (geteuid() != 0)
        skip();
    tmp_make();
    path = tmp_path("theirs.so");
    copy_plugin(TP("tp_good"), path, 0644);
    assert_int_equal(chown(path, 65534, 65534), 0);
    expect_refusal(path, "belongs to uid 65534, neither you nor root");
    tmp_remove();
}

static void test_plugin_name_limits(void **state)
{
    struct loaded_plugin p = { 0 };
    char *text = NULL;
    size_t len = 0;
    FILE *out;

    (void)state;
    expect_open(TP("tp_longname"), &p);
    assert_int_equal(strlen(p.desc->name), 100);
    out = open_memstream(&text, &len);
    assert_non_null(out);
    inspect_plugin(&p, out);
    fclose(out);
    assert_non_null(strstr(text, p.desc->name));
    free(text);
    plugin_close(&p);
    expect_refusal(TP("tp_toolong"), "plugin name 'tp_toolong_yyyy");
    assert_non_null(strstr(err, "is longer than 255 bytes; shorten it"));
    expect_refusal(TP("tp_ctrlname"),
                   "plugin name has a control character (byte 0x0a at "
                   "offset 7)");
}

/* ---- plugin_describe ---- */

static void test_plugin_describe_good(void **state)
{
    struct loaded_plugin p = { 0 };
    char *text = NULL;
    size_t len = 0;
    FILE *out;

    (void)state;
    expect_open(TP("tp_good"), &p);
    out = open_memstream(&text, &len);
    assert_non_null(out);
    inspect_plugin(&p, out);
    fclose(out);
    assert_non_null(strstr(text, "tp_good"));
    assert_non_null(strstr(text, "1.2.3"));
    assert_non_null(strstr(text, "a well-formed plugin for loader tests"));
    assert_non_null(strstr(text, TP("tp_good")));
    assert_non_null(strstr(text, "abi      1.1"));
    assert_non_null(strstr(text, "16 bytes"));
    assert_non_null(strstr(text, "  in    in   u64       8  required\n"));
    assert_non_null(strstr(text, "  out   out  u64       8  optional\n"));
    /* a plugin that declares no limits: "-" in the range column */
    assert_non_null(strstr(text, "  name     type    default  range  doc\n"));
    assert_non_null(
        strstr(text, "  count    int     10       -      how many"));
    assert_non_null(strstr(text, "  ratio    double  0.5      -      a "
                                 "fraction"));
    assert_non_null(strstr(text, "  verbose  bool    false    -      log "
                                 "every"));
    assert_non_null(strstr(text, "  label    string  x        -      shown in "
                                 "logs"));
    free(text);
    plugin_close(&p);
}

/* Describes the plugin at path as text (json false) or JSON; the caller
 * frees the text. */
static char *describe(const char *path, bool json)
{
    struct loaded_plugin p = { 0 };
    char *text = NULL;
    size_t len = 0;
    FILE *out;

    expect_open(path, &p);
    out = open_memstream(&text, &len);
    assert_non_null(out);
    if (json)
        inspect_plugin_json(&p, out);
    else
        inspect_plugin(&p, out);
    fclose(out);
    plugin_close(&p);
    return text;
}

static void expect_text(const char *text, const char *want)
{
    if (!strstr(text, want))
        fail_msg("'%s' lacks '%s'", text, want);
}

static void test_plugin_describe_limits_and_docs(void **state)
{
    char *text = describe(TP("tp_ranged"), false);

    (void)state;
    expect_text(text, "  name  dir  type   size  use       doc\n"
                      "  in    in   u64       8  optional  values to pass on\n"
                      "  out   out  u64       8  optional  the same values, "
                      "in order\n");
    expect_text(text,
                "  name     type    default  range           doc\n"
                "  count    int     10       1..1000         how many\n"
                "  ratio    double  0.5      0..1            a fraction\n"
                "  mode     string  fast     fast|safe|slow  how to pass\n"
                "  floor    int     0        >= -5           bounded below "
                "only\n"
                "  ceiling  int     0        <= 0x10         bounded above "
                "only\n"
                "  verbose  bool    false    -               any bool\n");
    free(text);
    text = describe(TP("tp_ranged"), true);
    expect_text(text, "{ \"name\": \"in\", \"direction\": \"in\", "
                      "\"type\": \"u64\", \"size\": 8, \"required\": false, "
                      "\"any_type\": false, \"variable_size\": false, "
                      "\"bundle\": false, \"max_wired\": 0, \"doc\": "
                      "\"values to pass on\" }");
    expect_text(text, "{ \"name\": \"count\", \"type\": \"int\", "
                      "\"default\": \"10\", \"required\": false, \"doc\": "
                      "\"how many\", \"min\": 1, \"max\": 1000, \"one_of\": "
                      "null }");
    expect_text(text, "\"name\": \"ratio\", \"type\": \"double\", "
                      "\"default\": \"0.5\", \"required\": false, \"doc\": "
                      "\"a fraction\", \"min\": 0, \"max\": 1, \"one_of\": "
                      "null }");
    expect_text(text, "\"name\": \"mode\", \"type\": \"string\", "
                      "\"default\": \"fast\", \"required\": false, \"doc\": "
                      "\"how to pass\", \"min\": null, \"max\": null, "
                      "\"one_of\": [\"fast\", \"safe\", \"slow\"] }");
    expect_text(text, "\"doc\": \"bounded below only\", \"min\": -5, "
                      "\"max\": null,");
    /* 0x10, as a JSON number */
    expect_text(text, "\"doc\": \"bounded above only\", \"min\": null, "
                      "\"max\": 16,");
    free(text);
}

static void test_plugin_describe_port_kinds(void **state)
{
    char *text = describe(TP("tp_described"), false);

    (void)state;
    expect_text(
        text,
        "  name   dir  type           size  use                          doc\n"
        "  ins    in   u64               8  required bundle (at most 4)  "
        "values, merged\n"
        "  taps   out  u64               8  optional bundle              a "
        "copy to each\n"
        "  copy   out  any             any  optional                     "
        "whatever comes in\n"
        "  lines  out  text  variable-size  optional                     one "
        "line per value\n"
        "  plain  in   f64               8  optional\n\nparams: none\n");
    free(text);
    text = describe(TP("tp_described"), true);
    expect_text(text, "\"name\": \"ins\", \"direction\": \"in\", \"type\": "
                      "\"u64\", \"size\": 8, \"required\": true, "
                      "\"any_type\": false, \"variable_size\": false, "
                      "\"bundle\": true, \"max_wired\": 4, \"doc\": "
                      "\"values, merged\" }");
    expect_text(text, "\"name\": \"taps\", \"direction\": \"out\", "
                      "\"type\": \"u64\", \"size\": 8, \"required\": false, "
                      "\"any_type\": false, \"variable_size\": false, "
                      "\"bundle\": true, \"max_wired\": 0,");
    expect_text(text, "\"name\": \"copy\", \"direction\": \"out\", "
                      "\"type\": \"any\", \"size\": 0, \"required\": false, "
                      "\"any_type\": true, \"variable_size\": false,");
    expect_text(text, "\"name\": \"lines\", \"direction\": \"out\", "
                      "\"type\": \"text\", \"size\": 0, \"required\": "
                      "false, \"any_type\": false, \"variable_size\": true,");
    expect_text(text, "\"max_wired\": 0, \"doc\": null }\n  ],\n  "
                      "\"params\": []\n}\n");
    free(text);
}

/* ---- suggest ---- */

static void test_suggest_distance_basics(void **state)
{
    (void)state;
    assert_int_equal(suggest_distance("", ""), 0);
    assert_int_equal(suggest_distance("abc", ""), 3);
    assert_int_equal(suggest_distance("", "abc"), 3);
    assert_int_equal(suggest_distance("same", "same"), 0);
    assert_int_equal(suggest_distance("kitten", "sitting"), 3);
    assert_int_equal(suggest_distance("sitting", "kitten"), 3);
    assert_int_equal(suggest_distance("worker", "wokrer"), 2);
    assert_int_equal(suggest_distance("generator", "genrator"), 1);
}

static void test_suggest_closest_basics(void **state)
{
    const char *const names[] = { "heartbeat", "generator", NULL, "worker",
                                  "logger" };
    const size_t n = sizeof(names) / sizeof(names[0]);

    (void)state;
    assert_string_equal(suggest_closest("genrator", names, n), "generator");
    assert_string_equal(suggest_closest("wroker", names, n), "worker");
    assert_string_equal(suggest_closest("loger", names, n), "logger");
    assert_null(suggest_closest("scheduler", names, n));
    assert_null(suggest_closest("x", names, n));
    assert_null(suggest_closest("anything", names, 0));
    /* Longer words tolerate a third of their length. */
    const char *const longer[] = { "percentile_filled_above" };
    assert_string_equal(suggest_closest("percentil_fild_abve", longer, 1),
                        "percentile_filled_above");
}

int main(void)
{
    /* every check here scans unless a test turns the disk cache on */
    setenv("STEADY_PLUGIN_CACHE", "off", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plugin_open_missing_file),
        cmocka_unit_test(test_plugin_open_no_entry),
        cmocka_unit_test(test_plugin_open_null_entry),
        cmocka_unit_test(test_plugin_open_wrong_abi),
        cmocka_unit_test(test_plugin_open_wrong_channel_layout),
        cmocka_unit_test(test_plugin_open_accepts_layout_1),
        cmocka_unit_test(test_plugin_open_records_channel_layout),
        cmocka_unit_test(test_plugin_open_short_descriptor),
        cmocka_unit_test(test_plugin_open_no_run),
        cmocka_unit_test(test_plugin_open_duplicate_port),
        cmocka_unit_test(test_plugin_open_bad_param_default),
        cmocka_unit_test(test_plugin_open_limits_refused),
        cmocka_unit_test(test_plugin_open_abi10_has_no_extras),
        cmocka_unit_test(test_plugin_open_keeps_limits),
        cmocka_unit_test(test_param_limit_check_messages),
        cmocka_unit_test(test_plugin_open_good),
        cmocka_unit_test(test_plugin_open_failing_init_is_accepted),
        cmocka_unit_test(test_plugin_open_null_err_buffer),
        cmocka_unit_test(test_plugin_port_index_found_and_absent),
        cmocka_unit_test(test_plugin_param_index_found_and_absent),
        cmocka_unit_test(test_plugin_registry_get_by_name),
        cmocka_unit_test(test_plugin_registry_get_same_plugin_once),
        cmocka_unit_test(test_plugin_registry_get_by_path),
        cmocka_unit_test(test_plugin_registry_get_broken_by_name),
        cmocka_unit_test(test_plugin_registry_get_unknown_suggests),
        cmocka_unit_test(test_plugin_registry_get_unknown_without_suggestion),
        cmocka_unit_test(test_plugin_registry_get_env_path),
        cmocka_unit_test(test_plugin_registry_get_path_missing),
        cmocka_unit_test(test_preflight_truncated_copies),
        cmocka_unit_test(test_preflight_corrupt_copies),
        cmocka_unit_test(test_preflight_random_corruptions),
        cmocka_unit_test(test_preflight_wrong_architecture),
        cmocka_unit_test(test_preflight_crashing_constructors),
        cmocka_unit_test(test_preflight_registry_survives_a_crash),
        cmocka_unit_test(test_preflight_verdict_cache),
        cmocka_unit_test(test_preflight_disk_cache),
        cmocka_unit_test(test_preflight_not_a_regular_file),
        cmocka_unit_test(test_preflight_cwd_is_not_searched),
        cmocka_unit_test(test_preflight_writable_file_refused),
        cmocka_unit_test(test_preflight_writable_folder_refused),
        cmocka_unit_test(test_preflight_foreign_owner_refused),
        cmocka_unit_test(test_plugin_name_limits),
        cmocka_unit_test(test_plugin_describe_good),
        cmocka_unit_test(test_plugin_describe_limits_and_docs),
        cmocka_unit_test(test_plugin_describe_port_kinds),
        cmocka_unit_test(test_suggest_distance_basics),
        cmocka_unit_test(test_suggest_closest_basics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

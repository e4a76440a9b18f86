/* plugin_dirs.c - where the bundled plugins are, found from where this code
 * was loaded from rather than from a path baked in at build time, so that an
 * installed tree still works after it is moved.
 *
 * Installed, the libraries are in LIBDIR and the plugins in
 * LIBDIR/steady/plugins; in a build tree, the libraries are in lib/ (or the
 * code is linked into a binary in bin/) and the plugins in plugins/.
 */
#include "plugin_dirs.h"

#include <dlfcn.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* An object of this file's, whose address dladdr() maps to the file that
 * holds this code (a function's address may not become a void * in ISO C). */
static const char anchor;

static bool is_dir(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int plugin_dirs_default(char *buf, size_t len)
{
    static const char *const below[] = { "steady/plugins", "../plugins" };
    Dl_info info;
    char real[PATH_MAX], dir[PATH_MAX], cand[PATH_MAX + 32];
    size_t used = 0;

    if (len == 0)
        return -1;
    buf[0] = '\0';
    /* the object that holds this function: a steady library, or the binary
     * it is linked into */
    if (!dladdr(&anchor, &info) || !info.dli_fname ||
        !realpath(info.dli_fname, real))
        return 0;
    snprintf(dir, sizeof(dir), "%s", dirname(real));
    for (size_t i = 0; i < sizeof(below) / sizeof(below[0]); i++) {
        int n;

        snprintf(cand, sizeof(cand), "%s/%s", dir, below[i]);
        if (!is_dir(cand) || !realpath(cand, real))
            continue;
        n = snprintf(buf + used, len - used, "%s%s", used ? ":" : "", real);
        if (n < 0 || (size_t)n >= len - used) {
            buf[used] = '\0';
            return -1;
        }
        used += (size_t)n;
    }
    return 0;
}

int plugin_dirs_scanner(char *buf, size_t len)
{
    /* installed: LIBDIR/../libexec/steady; built: lib/../bin, or bin/ for
     * a binary that has this code linked in */
    static const char *const where[] = {
        "../libexec/steady/steady-plugin-scanner",
        "../bin/steady-plugin-scanner",
        "steady-plugin-scanner",
    };
    Dl_info info;
    char real[PATH_MAX], dir[PATH_MAX];

    if (!dladdr(&anchor, &info) || !info.dli_fname ||
        !realpath(info.dli_fname, real))
        return -1;
    snprintf(dir, sizeof(dir), "%s", dirname(real));
    for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
        if (snprintf(buf, len, "%s/%s", dir, where[i]) < (int)len &&
            access(buf, X_OK) == 0)
            return 0;
    }
    return -1;
}

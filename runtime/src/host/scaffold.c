/* scaffold.c - `steady new-plugin NAME [DIR]`: writes an out-of-tree plugin
 * project (a commented plugin, its CMakeLists.txt using find_package(steady),
 * a cmocka test and a graph that uses it with the bundled plugins) from the
 * templates in scaffold/, embedded at build time.
 */
#include "scaffold.h"

#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Generated from the .in templates in scaffold/ (runtime/cmake/embed.cmake). */
extern const char scaffold_plugin_c[], scaffold_test_plugin_c[],
    scaffold_cmakelists[], scaffold_graph_yaml[], scaffold_readme[];

/* One file of the project: its name is prefix, the plugin's name when
 * `named`, then suffix; its template has @NAME@ for the plugin's name. */
struct scaffold_file {
    const char *prefix;
    bool named;
    const char *suffix;
    const char *template_text;
};

static const struct scaffold_file files[] = {
    { "", true, ".c", scaffold_plugin_c },
    { "test_", true, ".c", scaffold_test_plugin_c },
    { "CMakeLists.txt", false, "", scaffold_cmakelists },
    { "", true, ".yaml", scaffold_graph_yaml },
    { "README.md", false, "", scaffold_readme },
};
#define N_FILES (sizeof(files) / sizeof(files[0]))

#define NAME_MAX_LEN 48

/* The name becomes a C identifier prefix, a file name, a CMake project and
 * target, and a plugin name in graph files. */
static int check_name(const char *name, char *err, size_t errlen)
{
    /* CMake reserves these target names */
    static const char *const reserved[] = { "all",     "clean", "help",
                                            "install", "test",  "package" };
    size_t len = strlen(name);

    if (len == 0 || len > NAME_MAX_LEN) {
        err_set(err, errlen, "plugin name '%s' must be 1 to %d characters",
                name, NAME_MAX_LEN);
        return -1;
    }
    if (!(name[0] == '_' || (name[0] >= 'a' && name[0] <= 'z') ||
          (name[0] >= 'A' && name[0] <= 'Z'))) {
        err_set(err, errlen,
                "plugin name '%s' is not a C identifier: it must start with "
                "a letter or '_'",
                name);
        return -1;
    }
    for (size_t i = 1; i < len; i++) {
        char c = name[i];

        if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9'))) {
            err_set(err, errlen,
                    "plugin name '%s' is not a C identifier: '%c' at "
                    "position %zu (use letters, digits and '_', e.g. '%s')",
                    name, c, i + 1, "my_filter");
            return -1;
        }
    }
    for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
        if (strcmp(name, reserved[i]) == 0) {
            err_set(err, errlen,
                    "plugin name '%s' is reserved by CMake; choose another",
                    name);
            return -1;
        }
    }
    return 0;
}

/* Writes the template with every @NAME@ replaced by name, to a new file
 * (never over an existing one). */
static int write_file(const char *path, const char *text, const char *name,
                      char *err, size_t errlen)
{
    static const char marker[] = "@NAME@";
    int fd =
        open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    FILE *f;
    const char *p = text, *m;

    if (fd < 0) {
        err_set(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    f = fdopen(fd, "w");
    if (!f) {
        err_set(err, errlen, "%s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    while ((m = strstr(p, marker))) {
        fwrite(p, 1, (size_t)(m - p), f);
        fputs(name, f);
        p = m + sizeof(marker) - 1;
    }
    fputs(p, f);
    if (ferror(f) | fclose(f)) {
        err_set(err, errlen, "%s: cannot write: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int steady_scaffold_plugin(const char *name, const char *dir, FILE *out,
                           char *err, size_t errlen)
{
    char paths[N_FILES][4096], fname[256];
    size_t written = 0;

    if (check_name(name, err, errlen) < 0)
        return -1;
    if (!dir || !*dir)
        dir = name;
    if (mkdir(dir, 0755) < 0) {
        if (errno == EEXIST)
            err_set(err, errlen,
                    "%s already exists; give a new folder (steady "
                    "new-plugin %s DIR) or remove it first",
                    dir, name);
        else
            err_set(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < N_FILES; i++) {
        snprintf(fname, sizeof(fname), "%s%s%s", files[i].prefix,
                 files[i].named ? name : "", files[i].suffix);
        if (snprintf(paths[i], sizeof(paths[i]), "%s/%s", dir, fname) >=
            (int)sizeof(paths[i])) {
            err_set(err, errlen, "%s: path too long", dir);
            goto err_remove;
        }
        if (write_file(paths[i], files[i].template_text, name, err, errlen) < 0)
            goto err_remove;
        written++;
    }
    fprintf(out,
            "created %s/ with a plugin '%s':\n"
            "  %s/%s.c          the plugin (one input, one output, a param, "
            "state)\n"
            "  %s/test_%s.c     its cmocka tests\n"
            "  %s/%s.yaml       a graph using it with the bundled plugins\n"
            "  %s/CMakeLists.txt\n"
            "next:\n"
            "  cd %s && cmake -S . -B build && cmake --build build && "
            "ctest --test-dir build\n"
            "  steady run %s.yaml --plugin-path build/plugins\n",
            dir, name, dir, name, dir, name, dir, name, dir, dir, name);
    return 0;

err_remove:
    /* leave nothing half-made behind */
    while (written > 0)
        unlink(paths[--written]);
    rmdir(dir);
    return -1;
}

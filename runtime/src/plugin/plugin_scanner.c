/* plugin_scanner.c - steady-plugin-scanner: opens plugins in this throw-away
 * process exactly as a host would (dlopen, entry point, descriptor checks,
 * dlclose) and answers whether each is fine. If a file crashes the dynamic
 * loader or a constructor dies, this process dies instead of the host, which
 * reports how (see preflight.c for the other side).
 *
 *     steady-plugin-scanner         serve requests on fd 3 (from libsteady)
 *     steady-plugin-scanner PATH    check one file, print the verdict
 */
#include "loader.h"
#include "preflight.h"

#include <errno.h>
#include <limits.h>
#include <link.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <steady/export.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* The sanitizer runtimes read these at start-up. Let a crash inside dlopen
 * end this process by its signal, which the host names ("crashed ...
 * (SIGBUS)"), rather than by a sanitizer report and exit 1; and skip leak
 * checks of a process that ends with _exit anyway. */
STEADY_EXPORT const char *__asan_default_options(void);
STEADY_EXPORT const char *__tsan_default_options(void);

static const char sanitizer_options[] =
    "handle_segv=0:handle_sigbus=0:handle_sigill=0:handle_sigfpe=0:"
    "handle_abort=0:detect_leaks=0";

const char *__asan_default_options(void)
{
    return sanitizer_options;
}

const char *__tsan_default_options(void)
{
    return sanitizer_options;
}

struct listing {
    char *buf;
    size_t len, used;
    bool full;
};

/* Appends "\tPATH" for each loaded object that is a file. */
static int list_object(struct dl_phdr_info *info, size_t size, void *data)
{
    struct listing *l = data;
    const char *name = info->dlpi_name;
    size_t n;

    (void)size;
    if (!name || name[0] != '/' || strpbrk(name, "\t\n"))
        return 0;
    n = strlen(name);
    if (l->used + n + 3 > l->len) {
        l->full = true;
        return 1;
    }
    l->buf[l->used++] = '\t';
    memcpy(l->buf + l->used, name, n + 1);
    l->used += n;
    return 0;
}

/* Checks one file; the verdict line into line: "ok", the files mapped,
 * "\n"; or "refused MSG\n". */
static void check(const char *path, char *line, size_t len)
{
    struct loaded_plugin p;
    char err[1024];

    if (plugin_open_flags(path, PLUGIN_OPEN_NO_PREFLIGHT, &p, err,
                          sizeof(err)) < 0) {
        /* one line: a dlerror text may hold a newline */
        for (char *c = err; *c; c++)
            if (*c == '\n' || *c == '\r')
                *c = ' ';
        snprintf(line, len, "%s%s\n", PREFLIGHT_REFUSED, err);
        return;
    }
    /* Every file mapped now, the plugin and what it pulled in: the host
     * trusts a remembered pass only while none of them changed. */
    struct listing list = { line, len, 0, false };
    list.used = (size_t)snprintf(line, len, "ok");
    dl_iterate_phdr(list_object, &list);
    if (list.full)
        snprintf(line, len, "%s\n", PREFLIGHT_OK); /* pass, not kept */
    else
        snprintf(line + list.used, len - list.used, "\n");
    /* The host closes the plugin when done with it: its destructors (a
     * corrupt fini array, say) are part of the check. */
    plugin_close(&p);
}

static int send_all(const char *s)
{
    size_t len = strlen(s);

    while (len) {
        ssize_t n = send(PREFLIGHT_SCANNER_FD, s, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        s += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Reads one NUL-ended path; 0, or -1 at EOF or on a broken request. */
static int next_request(char *path, size_t len)
{
    size_t n = 0;

    /* a byte at a time: requests are short and one at a time, and nothing
     * after the NUL may be swallowed */
    for (;;) {
        ssize_t r = read(PREFLIGHT_SCANNER_FD, path + n, 1);

        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        if (path[n] == '\0')
            return 0;
        if (++n == len)
            return -1;
    }
}

int main(int argc, char **argv)
{
    static char path[PATH_MAX + 1], line[16384];

    if (argc == 2) {
        check(argv[1], line, sizeof(line));
        fputs(line, stdout);
        return strncmp(line, "ok", 2) == 0 ? 0 : 1;
    }
    if (argc != 1) {
        fprintf(stderr, "usage: steady-plugin-scanner [PATH]\n");
        return 2;
    }
    /* Die with the host: a scanner stuck in a constructor must not outlive
     * a host that was killed while waiting for it. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    while (next_request(path, sizeof(path)) == 0) {
        check(path, line, sizeof(line));
        if (send_all(line) < 0)
            break;
    }
    /* _exit: nothing of ours needs tearing down */
    _exit(0);
}

/* preflight.c - checks a plugin file before this process maps it (see
 * preflight.h): permissions, ELF headers read with pread, then a dlopen in
 * a throw-away scanner process whose death cannot take this one with it.
 */
#include "preflight.h"

#include "err.h"
#include "plugin_dirs.h"

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <steady/export.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* ---- ELF ------------------------------------------------------------- */

static const struct {
    unsigned machine;
    const char *name;
} machines[] = {
    { EM_X86_64, "x86_64" },   { EM_386, "i386" },    { EM_AARCH64, "aarch64" },
    { EM_ARM, "arm" },         { EM_RISCV, "riscv" }, { EM_PPC64, "ppc64" },
    { EM_PPC, "ppc" },         { EM_S390, "s390x" },  { EM_MIPS, "mips" },
    { EM_SPARCV9, "sparc64" }, { 258, "loongarch" }, /* EM_LOONGARCH */
};

static const char *machine_name(unsigned m, char *buf, size_t len)
{
    for (size_t i = 0; i < sizeof(machines) / sizeof(machines[0]); i++)
        if (machines[i].machine == m)
            return machines[i].name;
    snprintf(buf, len, "machine %u", m);
    return buf;
}

/* Class, byte order and machine of the code running now, read from the ELF
 * header of the object holding this file (mapped at its load base). False
 * when it cannot be found; the scanner then still catches a foreign file. */
static bool host_elf(unsigned char *class, unsigned char *data,
                     unsigned *machine)
{
    static const char anchor = 0;
    Dl_info info;
    const ElfW(Ehdr) * h;

    if (!dladdr(&anchor, &info) || !info.dli_fbase)
        return false;
    h = info.dli_fbase;
    if (memcmp(h->e_ident, ELFMAG, SELFMAG) != 0)
        return false;
    *class = h->e_ident[EI_CLASS];
    *data = h->e_ident[EI_DATA];
    *machine = h->e_machine;
    return true;
}

static int read_at(int fd, void *buf, size_t n, unsigned long long off)
{
    size_t done = 0;

    while (done < n) {
        ssize_t r =
            pread(fd, (char *)buf + done, n - done, (off_t)(off + done));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        done += (size_t)r;
    }
    return 0;
}

/* end = off + count * size, false when that overflows. */
static bool span_end(unsigned long long off, unsigned long long count,
                     unsigned long long size, unsigned long long *end)
{
    unsigned long long bytes;

    return !__builtin_mul_overflow(count, size, &bytes) &&
           !__builtin_add_overflow(off, bytes, end);
}

static int refuse_foreign(const unsigned char *ident, unsigned machine,
                          const char *path, char *err, size_t errlen)
{
    unsigned char hclass, hdata;
    unsigned hmachine;
    char a[32], b[32];

    if (!host_elf(&hclass, &hdata, &hmachine))
        return 0;
    if (machine != hmachine) {
        err_set(err, errlen, "%s: refused: ELF for %s, this host is %s", path,
                machine_name(machine, a, sizeof(a)),
                machine_name(hmachine, b, sizeof(b)));
        return -1;
    }
    if (ident[EI_CLASS] != hclass &&
        (ident[EI_CLASS] == ELFCLASS32 || ident[EI_CLASS] == ELFCLASS64)) {
        err_set(err, errlen, "%s: refused: %s ELF, this host is %s", path,
                ident[EI_CLASS] == ELFCLASS32 ? "32-bit" : "64-bit",
                hclass == ELFCLASS32 ? "32-bit" : "64-bit");
        return -1;
    }
    if (ident[EI_DATA] != hdata) {
        err_set(err, errlen, "%s: refused: %s-endian ELF, this host is %s",
                path, ident[EI_DATA] == ELFDATA2MSB ? "big" : "little",
                hdata == ELFDATA2MSB ? "big-endian" : "little-endian");
        return -1;
    }
    return 0;
}

static const char *type_hint(unsigned type)
{
    switch (type) {
    case ET_EXEC:
        return "an executable, not a shared object (build it with -shared)";
    case ET_REL:
        return "an object file (.o), not a shared object (link it with "
               "-shared)";
    case ET_CORE:
        return "a core dump, not a shared object";
    default:
        return "not a shared object (ELF type is not ET_DYN)";
    }
}

int preflight_elf(int fd, long long size, const char *path, char *err,
                  size_t errlen)
{
    const unsigned long long fsize = size > 0 ? (unsigned long long)size : 0;
    unsigned char ident[EI_NIDENT + 4];
    unsigned long long need = 0, end;
    bool has_load = false, has_dynamic = false;
    ElfW(Phdr) *ph = NULL;
    ElfW(Ehdr) eh;
    unsigned machine;

    if (fsize < SELFMAG || read_at(fd, ident, SELFMAG, 0) < 0 ||
        memcmp(ident, ELFMAG, SELFMAG) != 0) {
        err_set(err, errlen,
                "%s: refused: not an ELF shared object (%llu bytes, no "
                "ELF magic at its start)",
                path, fsize);
        return -1;
    }
    if (fsize < sizeof(ident) || read_at(fd, ident, sizeof(ident), 0) < 0)
        goto err_truncated_header;
    if (ident[EI_DATA] != ELFDATA2LSB && ident[EI_DATA] != ELFDATA2MSB) {
        err_set(err, errlen, "%s: refused: corrupt ELF: unknown byte order %u",
                path, ident[EI_DATA]);
        return -1;
    }
    /* e_machine sits at bytes 18-19 in both classes: say what the file is
     * for before anything else about it. */
    machine = ident[EI_DATA] == ELFDATA2LSB
                  ? (unsigned)ident[18] | (unsigned)ident[19] << 8
                  : (unsigned)ident[19] | (unsigned)ident[18] << 8;
    if (refuse_foreign(ident, machine, path, err, errlen) < 0)
        return -1;
    if (ident[EI_CLASS] != (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32)) {
        err_set(err, errlen, "%s: refused: corrupt ELF: unknown class %u", path,
                ident[EI_CLASS]);
        return -1;
    }
    if (fsize < sizeof(eh) || read_at(fd, &eh, sizeof(eh), 0) < 0)
        goto err_truncated_header;
    if (eh.e_ident[EI_VERSION] != EV_CURRENT || eh.e_version != EV_CURRENT) {
        err_set(err, errlen, "%s: refused: corrupt ELF: unknown version %u",
                path, (unsigned)eh.e_version);
        return -1;
    }
    if (eh.e_type != ET_DYN) {
        err_set(err, errlen, "%s: refused: %s", path, type_hint(eh.e_type));
        return -1;
    }
    if (eh.e_phentsize != sizeof(ElfW(Phdr)) || eh.e_phnum == 0 ||
        eh.e_phnum == PN_XNUM) {
        err_set(err, errlen,
                "%s: refused: corrupt ELF: %u program headers of %u bytes "
                "(expected at least one of %zu)",
                path, (unsigned)eh.e_phnum, (unsigned)eh.e_phentsize,
                sizeof(ElfW(Phdr)));
        return -1;
    }
    if (!span_end(eh.e_phoff, eh.e_phnum, eh.e_phentsize, &end))
        goto err_corrupt_offsets;
    need = end;
    if (eh.e_shoff) {
        /* Section headers are not needed to load, but a table that ends
         * past the file says the file was cut short. e_shnum 0 with an
         * offset means the count is in section 0 (extended numbering). */
        if (eh.e_shentsize != sizeof(ElfW(Shdr)))
            goto err_corrupt_offsets;
        if (!span_end(eh.e_shoff, eh.e_shnum ? eh.e_shnum : 1, eh.e_shentsize,
                      &end))
            goto err_corrupt_offsets;
        if (end > need)
            need = end;
    }
    if (need > fsize)
        goto err_truncated;
    ph = malloc((size_t)eh.e_phnum * sizeof(*ph));
    if (!ph) {
        err_set(err, errlen, "%s: out of memory", path);
        return -1;
    }
    if (read_at(fd, ph, (size_t)eh.e_phnum * sizeof(*ph), eh.e_phoff) < 0)
        goto err_truncated;
    for (size_t i = 0; i < eh.e_phnum; i++) {
        /* The dynamic loader maps and reads every segment: one that lies
         * past the end of the file is what raises SIGBUS inside dlopen. */
        if (ph[i].p_type == PT_NULL || ph[i].p_filesz == 0)
            continue;
        if (!span_end(ph[i].p_offset, 1, ph[i].p_filesz, &end))
            goto err_corrupt_offsets;
        if (end > need)
            need = end;
        if (ph[i].p_type == PT_LOAD) {
            has_load = true;
            if (ph[i].p_filesz > ph[i].p_memsz) {
                err_set(err, errlen,
                        "%s: refused: corrupt ELF: segment #%zu holds more "
                        "bytes in the file than in memory",
                        path, i);
                goto err_free;
            }
        }
        if (ph[i].p_type == PT_DYNAMIC)
            has_dynamic = true;
    }
    if (need > fsize)
        goto err_truncated;
    if (!has_load || !has_dynamic) {
        err_set(err, errlen,
                "%s: refused: not a loadable shared object (it has no %s)",
                path, has_load ? "dynamic section" : "loadable segment");
        goto err_free;
    }
    free(ph);
    return 0;

err_truncated_header:
    err_set(err, errlen,
            "%s: refused: truncated: %llu bytes, less than an ELF header", path,
            fsize);
    return -1;
err_corrupt_offsets:
    err_set(err, errlen,
            "%s: refused: corrupt ELF: a header or segment offset is out of "
            "range",
            path);
    goto err_free;
err_truncated:
    err_set(err, errlen,
            "%s: refused: truncated or corrupt: its ELF headers describe at "
            "least %llu bytes, the file has %llu",
            path, need, fsize);
err_free:
    free(ph);
    return -1;
}

/* ---- permissions ----------------------------------------------------- */

static const char allow_hint[] = "allow it with --allow-writable-plugins (env "
                                 "STEADY_ALLOW_WRITABLE_PLUGINS=1)";

bool preflight_writable_allowed_by_env(void)
{
    const char *v = getenv("STEADY_ALLOW_WRITABLE_PLUGINS");

    return v && *v && strcmp(v, "0") != 0;
}

/* One file or folder: owned by this user or root, and writable by no one
 * else unless a sticky folder keeps others from replacing its entries. */
static int check_owner_mode(const char *plugin, const char *what,
                            const char *at, char *err, size_t errlen)
{
    uid_t me = geteuid();
    struct stat st;
    mode_t w;

    if (stat(at, &st) < 0) {
        err_set(err, errlen, "%s: cannot check %s %s: %s", plugin, what, at,
                strerror(errno));
        return -1;
    }
    if (st.st_uid != me && st.st_uid != 0) {
        err_set(err, errlen,
                "%s: refused: %s %s belongs to uid %u, neither you nor "
                "root, who could change the code steady runs; chown it, or "
                "%s",
                plugin, what, at, (unsigned)st.st_uid, allow_hint);
        return -1;
    }
    w = st.st_mode & (S_IWGRP | S_IWOTH);
    if (S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX))
        w = 0;
    if (w) {
        err_set(err, errlen,
                "%s: refused: %s %s is writable by %s (mode %04o), who could "
                "change the code steady runs; chmod go-w it, or %s",
                plugin, what, at,
                w == (S_IWGRP | S_IWOTH) ? "group and others"
                : w == S_IWGRP           ? "its group"
                                         : "others",
                (unsigned)(st.st_mode & 07777), allow_hint);
        return -1;
    }
    return 0;
}

/* Every folder from the one holding `real` (an absolute, resolved path) up
 * to the root. */
static int check_folders(const char *plugin, const char *real, char *err,
                         size_t errlen)
{
    char *dir = strdup(real);
    int rc = 0;

    if (!dir) {
        err_set(err, errlen, "%s: out of memory", plugin);
        return -1;
    }
    for (;;) {
        char *slash = strrchr(dir, '/');

        if (!slash)
            break;
        if (slash == dir) {
            rc = check_owner_mode(plugin, "folder", "/", err, errlen);
            break;
        }
        *slash = '\0';
        rc = check_owner_mode(plugin, "folder", dir, err, errlen);
        if (rc < 0)
            break;
    }
    free(dir);
    return rc;
}

int preflight_permissions(const char *path, char *err, size_t errlen)
{
    char *real = realpath(path, NULL);
    char *given = NULL, *given_real = NULL;
    const char *slash;
    size_t len;
    bool same;
    int rc = -1;

    if (!real) {
        err_set(err, errlen, "%s: cannot load: %s", path, strerror(errno));
        return -1;
    }
    if (check_owner_mode(path, "file", real, err, errlen) < 0 ||
        check_folders(path, real, err, errlen) < 0)
        goto out;
    /* A symlink is replaced by whoever can write the folder holding it,
     * which realpath skipped: check that folder's line too. */
    slash = strrchr(path, '/');
    given = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
    if (!given) {
        err_set(err, errlen, "%s: out of memory", path);
        goto out;
    }
    if (!*given) {
        rc = 0; /* "/x.so": the root, checked above */
        goto out;
    }
    given_real = realpath(given, NULL);
    if (!given_real) {
        err_set(err, errlen, "%s: cannot load: %s", path, strerror(errno));
        goto out;
    }
    len = strlen(given_real);
    same = strncmp(real, given_real, len) == 0 && real[len] == '/' &&
           !strchr(real + len + 1, '/');
    rc = 0;
    if (!same &&
        (check_owner_mode(path, "folder", given_real, err, errlen) < 0 ||
         check_folders(path, given_real, err, errlen) < 0))
        rc = -1;
out:
    free(given_real);
    free(given);
    free(real);
    return rc;
}

/* ---- the scanner ----------------------------------------------------- */

struct preflight_scanner {
    pid_t pid; /* 0: not running */
    int sock;  /* our end of the socket pair: requests out, verdicts in */
    int errfd; /* read end of its stderr */
    int pidfd; /* readable once it exits; -1 when the kernel has none */
    char line[16384]; /* the verdict being read */
    size_t n_line;
    char tail[512]; /* last bytes of its stderr during this request */
    size_t n_tail;
};

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int timeout_ms(const char *path, char *err, size_t errlen)
{
    const char *v = getenv("STEADY_PLUGIN_CHECK_TIMEOUT_MS");
    char *end;
    long ms;

    if (!v || !*v)
        return PREFLIGHT_TIMEOUT_MS;
    errno = 0;
    ms = strtol(v, &end, 10);
    if (*v < '0' || *v > '9' || errno || *end || ms < 1 || ms > 3600000) {
        err_set(err, errlen,
                "%s: cannot check the plugin: STEADY_PLUGIN_CHECK_TIMEOUT_MS="
                "'%s' is not a whole number of milliseconds from 1 to 3600000",
                path, v);
        return -1;
    }
    return (int)ms;
}

/* env STEADY_PLUGIN_SCANNER, else the one beside the installed or built
 * libraries (plugin_dirs.c); buf holds it. */
static const char *scanner_path(char *buf, size_t len)
{
    const char *env = getenv("STEADY_PLUGIN_SCANNER");

    if (env && *env)
        return env;
    if (plugin_dirs_scanner(buf, len) < 0)
        snprintf(buf, len,
                 "steady-plugin-scanner (not found beside the "
                 "steady libraries)");
    return buf;
}

struct preflight_scanner *preflight_scanner_create(void)
{
    struct preflight_scanner *s = calloc(1, sizeof(*s));

    if (s)
        s->sock = s->errfd = s->pidfd = -1;
    return s;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Waits for the scanner until `deadline`, killing it then. Returns its wait
 * status, -1 when that cannot be known; *killed says whether it had to be
 * killed. */
static int reap(struct preflight_scanner *s, uint64_t deadline, bool *killed)
{
    int st = -1;

    *killed = false;
    for (;;) {
        struct timespec ms = { 0, 1000000 };
        pid_t r = waitpid(s->pid, &st, WNOHANG);

        if (r == s->pid)
            return st;
        if (r < 0 && errno != EINTR)
            return -1; /* not our child any more (SIGCHLD ignored?) */
        if (now_ms() >= deadline) {
            kill(s->pid, SIGKILL);
            while (waitpid(s->pid, &st, 0) < 0 && errno == EINTR)
                ;
            *killed = true;
            return st;
        }
        nanosleep(&ms, NULL);
    }
}

/* Forgets a scanner that was reaped. */
static void forget(struct preflight_scanner *s)
{
    s->pid = 0;
    close_fd(&s->sock);
    close_fd(&s->errfd);
    close_fd(&s->pidfd);
}

void preflight_scanner_destroy(struct preflight_scanner *s)
{
    bool killed;

    if (!s)
        return;
    if (s->pid) {
        /* end of requests: it exits at once */
        close_fd(&s->sock);
        reap(s, now_ms() + 2000, &killed);
        forget(s);
    }
    free(s);
}

/* Starts the scanner with the socket as fd 3 and its stderr on a pipe;
 * stdin and stdout are /dev/null and nothing else of ours leaks into it.
 *
 * posix_spawn of a separate program, not fork: libsteady also loads plugins
 * inside test processes (testing.c) and embedders that already run threads,
 * and after fork() in a threaded process the child may only call
 * async-signal-safe functions until it execs; dlopen, malloc and the
 * sanitizers' runtimes are not, and can deadlock on a lock another thread
 * held at the fork. A fresh program has no such locks, no inherited signal
 * handlers and no copy of our heap for a plugin's constructor to scribble
 * on. Returns 0 or an errno value. */
static int spawn_scanner(struct preflight_scanner *s)
{
    char buf[PATH_MAX];
    const char *prog = scanner_path(buf, sizeof(buf));
    char *const argv[] = { (char *)prog, NULL };
    int sv[2] = { -1, -1 }, ep[2] = { -1, -1 };
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t all, none;
    int rc;

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return errno;
    if (pipe2(ep, O_CLOEXEC) < 0) {
        rc = errno;
        close(sv[0]);
        close(sv[1]);
        return rc;
    }
    sigfillset(&all);
    sigemptyset(&none);
    rc = posix_spawn_file_actions_init(&fa);
    if (rc)
        goto out_fds;
    rc = posix_spawnattr_init(&attr);
    if (rc) {
        posix_spawn_file_actions_destroy(&fa);
        goto out_fds;
    }
    rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (!rc)
        rc = posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    if (!rc)
        rc = posix_spawn_file_actions_adddup2(&fa, ep[1], 2);
    if (!rc)
        rc = posix_spawn_file_actions_adddup2(&fa, sv[1], PREFLIGHT_SCANNER_FD);
    if (!rc)
        rc = posix_spawn_file_actions_addclosefrom_np(&fa,
                                                      PREFLIGHT_SCANNER_FD + 1);
    /* Default dispositions and an empty mask: a signal we ignore or block
     * must not change how the scanner dies. */
    if (!rc)
        rc = posix_spawnattr_setsigdefault(&attr, &all);
    if (!rc)
        rc = posix_spawnattr_setsigmask(&attr, &none);
    if (!rc)
        rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF |
                                                 POSIX_SPAWN_SETSIGMASK);
    if (!rc)
        rc = posix_spawn(&s->pid, prog, &fa, &attr, argv, environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&fa);
    if (rc) {
        s->pid = 0;
        goto out_fds;
    }
    close(sv[1]);
    close(ep[1]);
    s->sock = sv[0];
    s->errfd = ep[0];
    fcntl(s->errfd, F_SETFL, O_NONBLOCK);
    fcntl(s->sock, F_SETFL, O_NONBLOCK);
    s->pidfd = (int)syscall(SYS_pidfd_open, s->pid, 0);
    return 0;

out_fds:
    close(sv[0]);
    close(sv[1]);
    close(ep[0]);
    close(ep[1]);
    return rc;
}

/* Reads what its stderr holds now, keeping the last sizeof(tail) bytes.
 * False once it reached EOF or failed. */
static bool drain_stderr(struct preflight_scanner *s)
{
    char buf[4096];
    const size_t keep = sizeof(s->tail);

    for (;;) {
        ssize_t n = read(s->errfd, buf, sizeof(buf));
        size_t old;

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 && errno == EAGAIN;
        if ((size_t)n >= keep) {
            memcpy(s->tail, buf + n - keep, keep);
            s->n_tail = keep;
            continue;
        }
        old = s->n_tail + (size_t)n > keep ? keep - (size_t)n : s->n_tail;
        memmove(s->tail, s->tail + s->n_tail - old, old);
        memcpy(s->tail + old, buf, (size_t)n);
        s->n_tail = old + (size_t)n;
    }
}

/* Reads verdict bytes; 1 once a whole line is in, 0 for more to come, -1
 * at EOF (the scanner is gone), 2 for a line too long to be a verdict. */
static int read_verdict(struct preflight_scanner *s)
{
    for (;;) {
        size_t room = sizeof(s->line) - 1 - s->n_line;
        ssize_t n;

        if (room == 0)
            return 2; /* overlong: not a verdict */
        n = recv(s->sock, s->line + s->n_line, room, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno == EAGAIN ? 0 : -1;
        if (n == 0)
            return -1;
        s->n_line += (size_t)n;
        s->line[s->n_line] = '\0';
        if (memchr(s->line, '\n', s->n_line))
            return 1;
    }
}

/* The last non-empty line the scanner printed, made printable: ": line",
 * or "" when it printed nothing. */
static const char *last_line(const struct preflight_scanner *s, char *buf,
                             size_t len)
{
    size_t end = s->n_tail, start;

    while (end > 0 && (s->tail[end - 1] == '\n' || s->tail[end - 1] == ' '))
        end--;
    start = end;
    while (start > 0 && s->tail[start - 1] != '\n')
        start--;
    if (start == end || len < 8)
        return "";
    if (end - start > 240)
        start = end - 240;
    buf[0] = ':';
    buf[1] = ' ';
    for (size_t i = start, j = 2; i < end && j < len - 1; i++, j++) {
        unsigned char c = (unsigned char)s->tail[i];
        buf[j] = c < 0x20 || c == 0x7f ? '?' : (char)c;
        buf[j + 1] = '\0';
    }
    return buf;
}

/* What the end of a scanner that gave no verdict means for the plugin. */
static void report_death(const struct preflight_scanner *s, const char *path,
                         int st, bool timed_out, int limit_ms, char *err,
                         size_t errlen)
{
    char line[256];
    const char *said = last_line(s, line, sizeof(line));

    if (timed_out) {
        err_set(err, errlen,
                "%s: refused: checking the plugin took longer than %d ms "
                "(does a constructor block?); env "
                "STEADY_PLUGIN_CHECK_TIMEOUT_MS sets the limit",
                path, limit_ms);
    } else if (st != -1 && WIFSIGNALED(st)) {
        const char *abbrev = sigabbrev_np(WTERMSIG(st));
        err_set(err, errlen,
                "%s: refused: the plugin crashed while being checked "
                "(%s%s)%s",
                path, abbrev ? "SIG" : "signal ", abbrev ? abbrev : "?", said);
    } else if (st != -1 && WIFEXITED(st)) {
        err_set(err, errlen,
                "%s: refused: checking the plugin ended with exit status %d "
                "before a verdict%s",
                path, WEXITSTATUS(st), said);
    } else {
        err_set(err, errlen,
                "%s: refused: could not learn how checking the plugin "
                "ended (is SIGCHLD ignored?)",
                path);
    }
}

/* Sends one request; restarts a scanner that went away in between (after
 * an earlier refusal killed it, say). Returns 0 or an errno value. */
static int send_request(struct preflight_scanner *s, const char *path)
{
    size_t len = strlen(path) + 1; /* with its NUL: the request's end */

    for (int attempt = 0; attempt < 2; attempt++) {
        const char *p = path;
        size_t left = len;
        int e;

        if (!s->pid && (e = spawn_scanner(s)) != 0)
            return e;
        while (left) {
            /* MSG_NOSIGNAL: a dead scanner is an error, not our SIGPIPE */
            ssize_t n = send(s->sock, p, left, MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && errno == EAGAIN) {
                struct pollfd w = { s->sock, POLLOUT, 0 };
                poll(&w, 1, 100);
                continue;
            }
            if (n <= 0)
                break;
            p += n;
            left -= (size_t)n;
        }
        if (!left)
            return 0;
        close_fd(&s->sock);
        reap(s, now_ms() + 1000, &(bool){ false });
        forget(s);
    }
    return EPIPE;
}

/* Asks the scanner about path: 0 when it says the plugin is fine, -1 when
 * the plugin is refused (the scanner may be gone then), -2 when it could
 * not be checked at all (not the plugin's fault, so not cached). */
static int scan(struct preflight_scanner *s, const char *path, char **deps,
                char *err, size_t errlen)
{
    int limit = timeout_ms(path, err, errlen);
    bool err_open = true, dead = false, timed_out = false;
    uint64_t deadline;
    int e, st, got = 0;

    if (limit < 0)
        return -2;
    if (strlen(path) >= PATH_MAX) {
        err_set(err, errlen, "%s: path too long", path);
        return -2;
    }
    deadline = now_ms() + (uint64_t)limit;
    s->n_line = 0;
    s->n_tail = 0;
    s->line[0] = '\0';
    e = send_request(s, path);
    if (e) {
        char buf[PATH_MAX];
        err_set(err, errlen,
                "%s: cannot check the plugin: cannot run %s: %s (env "
                "STEADY_PLUGIN_SCANNER names the steady-plugin-scanner "
                "program)",
                path, scanner_path(buf, sizeof(buf)), strerror(e));
        return -2;
    }
    while (got == 0) {
        struct pollfd p[3] = { { s->sock, POLLIN, 0 },
                               { err_open ? s->errfd : -1, POLLIN, 0 },
                               { s->pidfd, POLLIN, 0 } };
        uint64_t now = now_ms();
        int n;

        if (now >= deadline) {
            timed_out = true;
            break;
        }
        n = poll(p, 3, (int)(deadline - now));
        if (n < 0 && errno != EINTR)
            break;
        if (n <= 0)
            continue;
        if (p[1].revents)
            err_open = drain_stderr(s);
        if (p[0].revents)
            got = read_verdict(s);
        if (got == 0 && p[2].revents) {
            /* gone, though something it started may hold the socket */
            got = read_verdict(s);
            if (got == 0)
                got = -1;
        }
    }
    if (got == 1 && strncmp(s->line, PREFLIGHT_OK, strlen(PREFLIGHT_OK)) == 0 &&
        (s->line[2] == '\t' || s->line[2] == '\n')) {
        /* what the scanner had mapped, for the cache on disk */
        if (s->line[2] == '\t') {
            s->line[strcspn(s->line, "\n")] = '\0';
            *deps = strdup(s->line + 3);
        }
        return 0;
    }
    if (got == 1 &&
        strncmp(s->line, PREFLIGHT_REFUSED, strlen(PREFLIGHT_REFUSED)) == 0) {
        char *msg = s->line + strlen(PREFLIGHT_REFUSED);
        msg[strcspn(msg, "\n")] = '\0';
        err_set(err, errlen, "%s", msg);
        return -1;
    }
    /* no verdict: it died, hung or talked nonsense; it goes either way */
    dead = got == -1;
    if (timed_out || !dead)
        kill(s->pid, SIGKILL);
    st = reap(s, now_ms() + 1000, &(bool){ false });
    drain_stderr(s); /* what it wrote before it died is still in the pipe */
    forget(s);
    if (got >= 1) {
        err_set(err, errlen,
                "%s: cannot check the plugin: the scanner answered '%.60s'",
                path, s->line);
        return -2;
    }
    report_death(s, path, st, timed_out, limit, err, errlen);
    return -1;
}

/* ---- the verdict cache ----------------------------------------------- */

/* One file as it was when checked. A changed file (new inode, size or
 * modification time) is checked again. */
struct verdict {
    char *real;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    char *why; /* NULL: fine; else the reason, without the path */
};

#define CACHE_MAX 256

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct verdict cache[CACHE_MAX];
static size_t cache_n, cache_next;

static bool same_file(const struct verdict *v, const char *real,
                      const struct stat *st)
{
    return v->real && strcmp(v->real, real) == 0 && v->dev == st->st_dev &&
           v->ino == st->st_ino && v->size == st->st_size &&
           v->mtime.tv_sec == st->st_mtim.tv_sec &&
           v->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

/* 1 with the verdict in err (0 or -1 in *rc) when cached, else 0. */
static int cache_find(const char *path, const char *real, const struct stat *st,
                      int *rc, char *err, size_t errlen)
{
    int found = 0;

    pthread_mutex_lock(&cache_lock);
    for (size_t i = 0; i < cache_n; i++) {
        if (!same_file(&cache[i], real, st))
            continue;
        found = 1;
        *rc = cache[i].why ? -1 : 0;
        if (cache[i].why)
            err_set(err, errlen, "%s: %s", path, cache[i].why);
        break;
    }
    pthread_mutex_unlock(&cache_lock);
    return found;
}

static void cache_put(const char *path, const char *real, const struct stat *st,
                      int rc, const char *err)
{
    struct verdict v = { 0 };
    size_t plen = strlen(path);

    v.real = strdup(real);
    v.dev = st->st_dev;
    v.ino = st->st_ino;
    v.size = st->st_size;
    v.mtime = st->st_mtim;
    if (rc < 0 && err) {
        /* stored without the path, which the next caller may spell
         * differently */
        if (strncmp(err, path, plen) == 0 && strncmp(err + plen, ": ", 2) == 0)
            err += plen + 2;
        v.why = strdup(err);
    }
    if (!v.real || (rc < 0 && !v.why)) {
        free(v.real);
        free(v.why);
        return; /* out of memory: just not cached */
    }
    pthread_mutex_lock(&cache_lock);
    if (cache_n < CACHE_MAX) {
        cache[cache_n++] = v;
    } else {
        free(cache[cache_next].real);
        free(cache[cache_next].why);
        cache[cache_next] = v;
        cache_next = (cache_next + 1) % CACHE_MAX;
    }
    pthread_mutex_unlock(&cache_lock);
}

void preflight_cache_clear(void)
{
    pthread_mutex_lock(&cache_lock);
    for (size_t i = 0; i < cache_n; i++) {
        free(cache[i].real);
        free(cache[i].why);
        cache[i] = (struct verdict){ 0 };
    }
    cache_n = cache_next = 0;
    pthread_mutex_unlock(&cache_lock);
}

/* ---- passes remembered on disk --------------------------------------- */

/* A plugin that passed is remembered across processes, together with every
 * file its check had mapped (the plugin, libsteady, their libraries): it is
 * trusted again without a scan only while all of them are unchanged (same
 * device, inode, size, modification and change time) and the steady version
 * is the same. Only passes are kept: a refusal is always checked afresh.
 * The file is the user's own (folder 0700, file 0600, neither writable by
 * others, or it is not used), so trusting it is trusting the user's files.
 * One line per pass, fields separated by tabs:
 *     VERSION  ID  PLUGIN-REAL-PATH  (ID  PATH)...
 * ID being "dev.ino.size.mtime_s.mtime_ns.ctime_s.ctime_ns". */

#define DISK_NAME      "plugin-checks-1"
#define DISK_MAX_BYTES (1024 * 1024) /* then it starts over */
#define DISK_VERSION   "steady-" STEADY_VERSION

static void format_id(const struct stat *st, char *buf, size_t len)
{
    snprintf(buf, len, "%ju.%ju.%jd.%jd.%ld.%jd.%ld", (uintmax_t)st->st_dev,
             (uintmax_t)st->st_ino, (intmax_t)st->st_size,
             (intmax_t)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
             (intmax_t)st->st_ctim.tv_sec, st->st_ctim.tv_nsec);
}

static bool id_matches(const char *path, const char *id)
{
    struct stat st;
    char now[160];

    if (stat(path, &st) < 0)
        return false;
    format_id(&st, now, sizeof(now));
    return strcmp(now, id) == 0;
}

/* Mine, and writable by no one else. */
static bool private_to_me(const struct stat *st)
{
    return st->st_uid == geteuid() && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

/* The folder, made if missing; NULL when off or not safe to use. Caller
 * frees. */
static char *disk_dir(void)
{
    const char *env = getenv("STEADY_PLUGIN_CACHE");
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    struct stat st;
    char *dir = NULL;

    if (env && (!*env || strcmp(env, "off") == 0))
        return NULL;
    if (env) {
        dir = strdup(env);
    } else if (xdg && *xdg == '/') {
        if (asprintf(&dir, "%s/steady", xdg) < 0)
            dir = NULL;
        mkdir(xdg, 0700);
    } else if (home && *home == '/') {
        char *base = NULL;
        if (asprintf(&base, "%s/.cache", home) >= 0) {
            mkdir(base, 0700);
            if (asprintf(&dir, "%s/steady", base) < 0)
                dir = NULL;
            free(base);
        }
    }
    if (!dir)
        return NULL;
    mkdir(dir, 0700);
    if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || !private_to_me(&st)) {
        free(dir);
        return NULL;
    }
    return dir;
}

/* Opens the file under dir, refusing one that is not ours alone. */
static int disk_open(const char *dir, int flags, struct stat *st)
{
    char path[PATH_MAX];
    int fd;

    if (snprintf(path, sizeof(path), "%s/" DISK_NAME, dir) >= (int)sizeof(path))
        return -1;
    fd = open(path, flags | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
    if (fd < 0)
        return -1;
    if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode) || !private_to_me(st)) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Whether one line vouches for the plugin `real` with identity `id`. */
static bool line_vouches(char *line, const char *real, const char *id)
{
    char *save = NULL, *f[3];
    char *dep_id, *dep;

    for (int i = 0; i < 3; i++)
        if (!(f[i] = strtok_r(i ? NULL : line, "\t", &save)))
            return false;
    if (strcmp(f[0], DISK_VERSION) != 0 || strcmp(f[1], id) != 0 ||
        strcmp(f[2], real) != 0)
        return false;
    while ((dep_id = strtok_r(NULL, "\t", &save))) {
        if (!(dep = strtok_r(NULL, "\t", &save)) || !id_matches(dep, dep_id))
            return false;
    }
    return true;
}

/* True when the file on disk vouches for `real` as it is now. */
static bool disk_find(const char *real, const struct stat *st)
{
    char *dir = disk_dir(), *buf = NULL, *line, *nl;
    struct stat fst;
    char id[160];
    bool found = false;
    int fd;

    if (!dir)
        return false;
    fd = disk_open(dir, O_RDONLY, &fst);
    free(dir);
    if (fd < 0)
        return false;
    if (fst.st_size <= 0 || fst.st_size > DISK_MAX_BYTES ||
        !(buf = malloc((size_t)fst.st_size + 1)) ||
        read_at(fd, buf, (size_t)fst.st_size, 0) < 0)
        goto out;
    buf[fst.st_size] = '\0';
    format_id(st, id, sizeof(id));
    /* a line cut short by a concurrent writer has no '\n': skipped */
    for (line = buf; !found && (nl = strchr(line, '\n')); line = nl + 1) {
        *nl = '\0';
        found = line_vouches(line, real, id);
    }
out:
    free(buf);
    close(fd);
    return found;
}

/* Remembers that `real` passed with `deps` ("\t"-separated paths) mapped.
 * Best effort: a cache that cannot be written is just not used. */
static void disk_put(const char *real, const struct stat *st, const char *deps)
{
    char *dir, *line = NULL, *copy, *dep, *save = NULL;
    size_t len = 0, cap = 0;
    struct stat fst, dst;
    char id[160];
    int fd;

    if (!deps || strchr(real, '\t') || strchr(real, '\n') ||
        !(dir = disk_dir()))
        return;
    copy = strdup(deps);
    format_id(st, id, sizeof(id));
    cap = strlen(DISK_VERSION) + strlen(id) + strlen(real) + 4;
    line = malloc(cap);
    if (!copy || !line)
        goto out;
    len = (size_t)snprintf(line, cap, "%s\t%s\t%s", DISK_VERSION, id, real);
    for (dep = strtok_r(copy, "\t", &save); dep;
         dep = strtok_r(NULL, "\t", &save)) {
        size_t need;
        char *grown;

        if (stat(dep, &dst) < 0)
            goto out; /* gone already: nothing to vouch with */
        format_id(&dst, id, sizeof(id));
        need = len + strlen(id) + strlen(dep) + 3;
        if (!(grown = realloc(line, need)))
            goto out;
        line = grown;
        len += (size_t)snprintf(line + len, need - len, "\t%s\t%s", id, dep);
    }
    line[len++] = '\n'; /* the NUL's room, counted in need */
    fd = disk_open(dir, O_WRONLY | O_CREAT | O_APPEND, &fst);
    if (fd >= 0 && fst.st_size + (off_t)len > DISK_MAX_BYTES)
        (void)!ftruncate(fd, 0); /* start over rather than grow */
    /* one write: concurrent appends from other processes stay whole */
    if (fd >= 0) {
        (void)!write(fd, line, len);
        close(fd);
    }
out:
    free(line);
    free(copy);
    free(dir);
}

/* ---- all of it ------------------------------------------------------- */

int preflight_plugin(const char *path, bool allow_writable,
                     struct preflight_scanner *scanner, char *err,
                     size_t errlen)
{
    struct preflight_scanner *own = NULL;
    char *real = NULL, *deps = NULL;
    struct stat st;
    int fd, rc = -1;

    /* O_NONBLOCK: a FIFO in a plugin's place must not hang the open */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        err_set(err, errlen, "%s: cannot load: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) < 0) {
        err_set(err, errlen, "%s: cannot load: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        err_set(err, errlen, "%s: refused: not a regular file", path);
        goto out;
    }
    real = realpath(path, NULL);
    if (!real) {
        err_set(err, errlen, "%s: cannot load: %s", path, strerror(errno));
        goto out;
    }
    if (!allow_writable && preflight_permissions(path, err, errlen) < 0)
        goto out;
    if (cache_find(path, real, &st, &rc, err, errlen))
        goto out;
    rc = preflight_elf(fd, (long long)st.st_size, path, err, errlen);
    if (rc == 0 && disk_find(real, &st)) {
        cache_put(path, real, &st, 0, NULL);
        goto out;
    }
    if (rc == 0 && !scanner && !(scanner = own = preflight_scanner_create())) {
        err_set(err, errlen, "%s: out of memory", path);
        rc = -2;
    }
    if (rc == 0)
        rc = scan(scanner, path, &deps, err, errlen);
    if (rc == -2) {
        rc = -1;
        goto out;
    }
    cache_put(path, real, &st, rc, err);
    if (rc == 0)
        disk_put(real, &st, deps);
out:
    preflight_scanner_destroy(own);
    free(deps);
    free(real);
    close(fd);
    return rc;
}

/* state_store.c - persistent actor state on disk: reading and saving
 * state files safely, and the state directory they live in (its lock,
 * owner and mode checks, stale temporary files). The bytes of a file are
 * state_format.c's.
 */
#include "state_store.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <steady/log.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STATE_MAGIC    "STEADYST"
#define STATE_FORMAT   2u
#define FIXED_SIZE     32u
#define V1_NAMELEN     64u
#define V1_HEADER_SIZE (FIXED_SIZE + V1_NAMELEN)
#define N_TEXTS        5
#define STATE_SUFFIX   ".state"
#define TMP_INFIX      ".state.tmp"
#define PROBE_NAME     "steady-probe"
#define SNAPSHOT_TMP_PREFIX "steady.snapshot.tmp."

struct state_dir {
    char *path;
    int fd;      /* the folder itself; every file is opened relative to it */
    int lock_fd; /* RUN: the lock file, flock'ed; -1 in CHECK mode */
};

/* Numbers in temporary file names, unique within the process; the pid
 * makes them unique between processes. */
static _Atomic unsigned tmp_counter;

/* ---- files ---- */

static int read_all(int fd, void *buf, size_t n)
{
    size_t done = 0;

    while (done < n) {
        ssize_t r = read(fd, (char *)buf + done, n - done);

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0) {
            errno = EIO; /* shrank while being read */
            return -1;
        }
        done += (size_t)r;
    }
    return 0;
}

static int write_all(int fd, const void *buf, size_t n)
{
    size_t done = 0;

    while (done < n) {
        ssize_t w = write(fd, (const char *)buf + done, n - done);

        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        if (w == 0) {
            errno = ENOSPC;
            return -1;
        }
        done += (size_t)w;
    }
    return 0;
}

static const char *file_kind(mode_t m)
{
    if (S_ISDIR(m))
        return "a folder";
    if (S_ISFIFO(m))
        return "a FIFO";
    if (S_ISSOCK(m))
        return "a socket";
    if (S_ISCHR(m) || S_ISBLK(m))
        return "a device";
    return "not a regular file";
}

int state_load(struct state_dir *d, const struct state_id *id, void *state,
               bool *found, char *note, size_t notelen, char *err,
               size_t errlen)
{
    char file[STATE_ACTOR_NAME_MAX + sizeof(STATE_SUFFIX)];
    char *path = state_dir_file(d, id->actor);
    struct state_record rec;
    unsigned char *buf = NULL;
    size_t max = STATE_HEADER_MAX + id->size;
    struct stat st;
    int fd = -1, rc = -1;

    *found = false;
    note[0] = '\0';
    if (state_id_check(id, err, errlen) < 0) {
        free(path);
        return -1;
    }
    if (!path) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    snprintf(file, sizeof(file), "%s%s", id->actor, STATE_SUFFIX);
    /* no link is followed, and opening a FIFO does not wait for a writer */
    fd = openat(d->fd, file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) {
            rc = 0;
        } else if (errno == ELOOP) {
            snprintf(err, errlen,
                     "%s: is a symbolic link; steady never follows links "
                     "in a state directory: put the file itself there, or "
                     "remove the link to start this actor fresh",
                     path);
        } else {
            snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        }
        goto out;
    }
    if (fstat(fd, &st) < 0) {
        snprintf(err, errlen, "%s: cannot stat: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen,
                 "%s: is %s, not a state file; move it away to start this "
                 "actor fresh",
                 path, file_kind(st.st_mode));
        goto out;
    }
    if (st.st_uid != geteuid()) {
        snprintf(err, errlen,
                 "%s: owned by uid %ld, not by this user (uid %ld); steady "
                 "reads only state files its user wrote",
                 path, (long)st.st_uid, (long)geteuid());
        goto out;
    }
    if ((uint64_t)st.st_size > max) {
        snprintf(err, errlen,
                 "%s: the file is %lld bytes, more than a state file of "
                 "actor '%s' can be (%zu); move it away to start fresh",
                 path, (long long)st.st_size, id->actor, max);
        goto out;
    }
    buf = malloc(st.st_size ? (size_t)st.st_size : 1);
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    if (read_all(fd, buf, (size_t)st.st_size) < 0) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        goto out;
    }
    if (state_parse(buf, (size_t)st.st_size, path, &rec, err, errlen) < 0 ||
        state_match(&rec, id, path, note, notelen, err, errlen) < 0)
        goto out;
    if (id->size)
        memcpy(state, rec.state, id->size);
    *found = true;
    rc = 0;

out:
    free(buf);
    if (fd >= 0)
        close(fd);
    free(path);
    return rc;
}

/* Creates a new temporary file next to `base` in d: a name nobody else
 * uses (O_EXCL), never through a link, readable by this user only. Returns
 * the fd with its name in tmp, or -1 with errno set. */
static int create_tmp(struct state_dir *d, const char *base, char *tmp,
                      size_t tmplen)
{
    for (int tries = 0; tries < 100; tries++) {
        unsigned n =
            atomic_fetch_add_explicit(&tmp_counter, 1, memory_order_relaxed);
        int fd;

        snprintf(tmp, tmplen, "%s.tmp.%ld.%u", base, (long)getpid(), n);
        fd = openat(d->fd, tmp,
                    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    errno = EEXIST;
    return -1;
}

/* Writes name in d crash-safely: a new private temporary file, synced,
 * renamed over the old one, folder synced. */
static int write_file(struct state_dir *d, const char *file, const void *buf,
                      size_t size, char *err, size_t errlen)
{
    char tmp[STATE_ACTOR_NAME_MAX + 64];
    const char *step = "cannot create a temporary file";
    int fd, saved;

    fd = create_tmp(d, file, tmp, sizeof(tmp));
    if (fd < 0) {
        tmp[0] = '\0';
        goto err_report;
    }
    step = "cannot write it";
    if (write_all(fd, buf, size) < 0)
        goto err_unlink;
    step = "cannot sync it";
    if (fsync(fd) < 0)
        goto err_unlink;
    saved = close(fd);
    fd = -1;
    if (saved < 0)
        goto err_unlink;
    /* rename is atomic: the old file or the new one, never half of one;
     * and a link named like the file is replaced, not followed */
    step = "cannot rename the temporary file over it";
    if (renameat(d->fd, tmp, d->fd, file) < 0)
        goto err_unlink;
    /* the rename itself survives a crash once the folder is synced */
    step = "cannot sync the folder";
    if (fsync(d->fd) < 0)
        goto err_report;
    return 0;

err_unlink:
    saved = errno;
    if (fd >= 0)
        close(fd);
    unlinkat(d->fd, tmp, 0);
    errno = saved;
err_report:
    snprintf(err, errlen, "%s/%s: %s: %s", d->path, file, step,
             strerror(errno));
    return -1;
}

int state_dir_write(struct state_dir *d, const char *name, const void *buf,
                    size_t len, char *err, size_t errlen)
{
    return write_file(d, name, buf, len, err, errlen);
}

int state_dir_read(struct state_dir *d, const char *name, uint64_t max,
                   void **out, size_t *len, bool *found, char *err,
                   size_t errlen)
{
    unsigned char *buf = NULL;
    struct stat st;
    int fd, rc = -1;

    *found = false;
    /* no link is followed, and opening a FIFO does not wait for a writer */
    fd = openat(d->fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        if (errno == ELOOP)
            snprintf(err, errlen,
                     "%s/%s: is a symbolic link; steady never follows links "
                     "in a state directory: put the file itself there, or "
                     "remove the link",
                     d->path, name);
        else
            snprintf(err, errlen, "%s/%s: cannot open: %s", d->path, name,
                     strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) < 0) {
        snprintf(err, errlen, "%s/%s: cannot stat: %s", d->path, name,
                 strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s/%s: is %s, not a file steady wrote; move "
                 "it away", d->path, name, file_kind(st.st_mode));
        goto out;
    }
    if (st.st_uid != geteuid()) {
        snprintf(err, errlen,
                 "%s/%s: owned by uid %ld, not by this user (uid %ld); "
                 "steady reads only files its user wrote",
                 d->path, name, (long)st.st_uid, (long)geteuid());
        goto out;
    }
    if ((uint64_t)st.st_size > max) {
        snprintf(err, errlen,
                 "%s/%s: the file is %lld bytes, more than steady writes "
                 "there (%llu); move it away",
                 d->path, name, (long long)st.st_size,
                 (unsigned long long)max);
        goto out;
    }
    buf = malloc(st.st_size ? (size_t)st.st_size : 1);
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    if (read_all(fd, buf, (size_t)st.st_size) < 0) {
        snprintf(err, errlen, "%s/%s: cannot read: %s", d->path, name,
                 strerror(errno));
        free(buf);
        goto out;
    }
    *out = buf;
    *len = (size_t)st.st_size;
    *found = true;
    rc = 0;
out:
    close(fd);
    return rc;
}

bool state_dir_has(const struct state_dir *d, const char *name)
{
    struct stat st;

    return fstatat(d->fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

const char *state_dir_path(const struct state_dir *d)
{
    return d->path;
}

int state_save(struct state_dir *d, const struct state_id *id,
               const void *state, char *err, size_t errlen)
{
    char file[STATE_ACTOR_NAME_MAX + sizeof(STATE_SUFFIX)];
    char tmp[sizeof(file) + 48];
    size_t size = state_file_size(id);
    unsigned char *buf = malloc(size);
    const char *step = "cannot write it";
    int fd = -1, saved;

    if (state_id_check(id, err, errlen) < 0) {
        free(buf);
        return -1;
    }
    snprintf(file, sizeof(file), "%s%s", id->actor, STATE_SUFFIX);
    tmp[0] = '\0';
    if (!buf) {
        errno = ENOMEM;
        goto err_report;
    }
    state_encode(id, state, buf);
    fd = create_tmp(d, file, tmp, sizeof(tmp));
    if (fd < 0) {
        step = "cannot create a temporary file";
        tmp[0] = '\0';
        goto err_report;
    }
    if (write_all(fd, buf, size) < 0)
        goto err_unlink;
    step = "cannot sync it";
    if (fsync(fd) < 0)
        goto err_unlink;
    saved = close(fd);
    fd = -1;
    if (saved < 0)
        goto err_unlink;
    /* rename is atomic: the old file or the new one, never half of one;
     * and a link named like the state file is replaced, not followed */
    step = "cannot rename the temporary file over it";
    if (renameat(d->fd, tmp, d->fd, file) < 0)
        goto err_unlink;
    tmp[0] = '\0';
    /* the rename itself survives a crash once the folder is synced */
    step = "cannot sync the folder";
    if (fsync(d->fd) < 0)
        goto err_report;
    free(buf);
    return 0;

err_unlink:
    saved = errno;
    if (fd >= 0)
        close(fd);
    unlinkat(d->fd, tmp, 0);
    errno = saved;
err_report:
    saved = errno;
    free(buf);
    snprintf(err, errlen, "%s/%s: %s: %s", d->path, file, step,
             strerror(saved));
    return -1;
}

/* ---- the directory ---- */

char *state_dir_file(const struct state_dir *d, const char *actor)
{
    size_t n = strlen(d->path) + strlen(actor) + sizeof("/" STATE_SUFFIX);
    char *path = malloc(n);

    if (path)
        snprintf(path, n, "%s/%s%s", d->path, actor, STATE_SUFFIX);
    return path;
}

/* mkdir -p; the last folder private to this user. */
static int make_dirs(const char *dir, char *err, size_t errlen)
{
    char *buf = strdup(dir);
    char *p;
    size_t len;

    if (!buf) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* "D/" names D: it, not a parent, gets the private mode */
    len = strlen(buf);
    while (len > 1 && buf[len - 1] == '/')
        buf[--len] = '\0';
    for (p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) < 0 && errno != EEXIST)
            goto err_mkdir;
        *p = '/';
    }
    if (mkdir(buf, 0700) < 0 && errno != EEXIST)
        goto err_mkdir;
    free(buf);
    return 0;

err_mkdir:
    snprintf(err, errlen, "state_dir '%s': cannot create '%s': %s", dir, buf,
             strerror(errno));
    free(buf);
    return -1;
}

/* Only this user may change what is in the folder: anyone else who could
 * would choose what the next run resumes from. */
static int check_owner(const struct state_dir *d, char *err, size_t errlen)
{
    struct stat st;

    if (fstat(d->fd, &st) < 0) {
        snprintf(err, errlen, "state_dir '%s': %s", d->path, strerror(errno));
        return -1;
    }
    if (st.st_uid != geteuid()) {
        snprintf(err, errlen,
                 "state_dir '%s' is owned by uid %ld, not by this user (uid "
                 "%ld): use a folder of your own",
                 d->path, (long)st.st_uid, (long)geteuid());
        return -1;
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        const char *who = "others";

        if ((st.st_mode & S_IWGRP) && (st.st_mode & S_IWOTH))
            who = "its group and others";
        else if (st.st_mode & S_IWGRP)
            who = "its group";
        snprintf(err, errlen,
                 "state_dir '%s' is writable by %s (mode %04o), so they "
                 "could replace its state files: chmod go-w '%s'",
                 d->path, who, (unsigned)(st.st_mode & 07777), d->path);
        return -1;
    }
    return 0;
}

/* The pid in a held lock file; 0 when it cannot be read yet. */
static long lock_holder(int fd)
{
    char buf[32];
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    char *end;
    long pid;

    if (n <= 0)
        return 0;
    buf[n] = '\0';
    pid = strtol(buf, &end, 10);
    return end != buf && *end == '\n' && pid > 0 ? pid : 0;
}

/* Writes this process's pid into the lock file it holds, through a
 * descriptor of its own: the one kept for the lock is read-only, so a
 * running graph does not keep the file system from being remounted. */
static int write_pid(struct state_dir *d)
{
    char pid[32];
    int len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
    int fd = openat(d->fd, STATE_LOCK_NAME, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    int rc = -1, saved;

    if (fd < 0)
        return -1;
    if (ftruncate(fd, 0) == 0 && pwrite(fd, pid, (size_t)len, 0) == len)
        rc = 0;
    else if (errno == 0)
        errno = ENOSPC;
    saved = errno;
    if (close(fd) < 0 && rc == 0) {
        rc = -1;
        saved = errno;
    }
    errno = saved;
    return rc;
}

static int take_lock(struct state_dir *d, char *err, size_t errlen)
{
    struct stat st;

    d->lock_fd =
        openat(d->fd, STATE_LOCK_NAME,
               O_RDONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
    if (d->lock_fd < 0) {
        snprintf(err, errlen, "state_dir '%s' cannot be written: %s/%s: %s%s",
                 d->path, d->path, STATE_LOCK_NAME, strerror(errno),
                 errno == ELOOP ? " (a symbolic link; remove it)" : "");
        return -1;
    }
    if (fstat(d->lock_fd, &st) < 0 || !S_ISREG(st.st_mode) ||
        st.st_uid != geteuid()) {
        snprintf(err, errlen,
                 "state_dir '%s': %s/%s is not a regular file of this user; "
                 "remove it",
                 d->path, d->path, STATE_LOCK_NAME);
        return -1;
    }
    if (flock(d->lock_fd, LOCK_EX | LOCK_NB) < 0) {
        long holder = 0;

        if (errno != EWOULDBLOCK) {
            snprintf(err, errlen, "state_dir '%s': cannot lock %s: %s", d->path,
                     STATE_LOCK_NAME, strerror(errno));
            return -1;
        }
        /* the holder writes its pid just after locking: give it a moment */
        for (int i = 0; i < 20 && !(holder = lock_holder(d->lock_fd)); i++)
            nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
        if (holder)
            snprintf(err, errlen, "state_dir %s is in use by pid %ld", d->path,
                     holder);
        else
            snprintf(err, errlen, "state_dir %s is in use by another process",
                     d->path);
        return -1;
    }
    if (write_pid(d) < 0) {
        snprintf(err, errlen, "state_dir '%s' cannot be written: %s/%s: %s",
                 d->path, d->path, STATE_LOCK_NAME, strerror(errno));
        return -1;
    }
    return 0;
}

static bool is_tmp_name(const char *name)
{
    const char *at = strstr(name, TMP_INFIX);

    /* steady.snapshot.tmp.PID.N */
    if (strncmp(name, SNAPSHOT_TMP_PREFIX, sizeof(SNAPSHOT_TMP_PREFIX) - 1) ==
        0)
        return true;

    /* ACTOR.state.tmp (older steady) or ACTOR.state.tmp.PID.N */
    while (at && at[sizeof(TMP_INFIX) - 1] != '\0' &&
           at[sizeof(TMP_INFIX) - 1] != '.')
        at = strstr(at + 1, TMP_INFIX);
    return at && at != name;
}

/* Temporary files left by a save that was cut short (kill -9, power
 * loss): ours only, by name, and only regular files of this user. Runs
 * under the lock, so no save of another process is in flight. */
static void remove_stale_tmp(struct state_dir *d)
{
    int fd = openat(d->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *e;

    if (!dir) {
        if (fd >= 0)
            close(fd);
        return;
    }
    while ((e = readdir(dir))) {
        struct stat st;

        if (!is_tmp_name(e->d_name) ||
            fstatat(d->fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
            !S_ISREG(st.st_mode) || st.st_uid != geteuid())
            continue;
        if (unlinkat(d->fd, e->d_name, 0) == 0)
            steady_info(NULL,
                        "removed %s/%s, left by a save that was cut short",
                        d->path, e->d_name);
    }
    closedir(dir);
}

/* Writes, syncs and removes a file as large as the largest state file, so
 * a read-only or full file system is found before anything runs. */
static int probe_write(struct state_dir *d, size_t size, char *err,
                       size_t errlen)
{
    char tmp[64];
    char *zeros = calloc(1, size ? size : 1);
    int fd, saved;

    if (!zeros) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    fd = create_tmp(d, PROBE_NAME STATE_SUFFIX, tmp, sizeof(tmp));
    if (fd < 0)
        goto err;
    if (write_all(fd, zeros, size) < 0 || fsync(fd) < 0) {
        saved = errno;
        close(fd);
        unlinkat(d->fd, tmp, 0);
        errno = saved;
        goto err;
    }
    close(fd);
    unlinkat(d->fd, tmp, 0);
    free(zeros);
    return 0;

err:
    saved = errno;
    free(zeros);
    snprintf(err, errlen, "state_dir '%s' cannot be written: %s", d->path,
             strerror(saved));
    return -1;
}

int state_dir_open(const char *path, enum state_dir_mode mode,
                   size_t probe_size, struct state_dir **out, char *err,
                   size_t errlen)
{
    struct state_dir *d;

    *out = NULL;
    if (mode == STATE_DIR_RUN && make_dirs(path, err, errlen) < 0)
        return -1;
    d = calloc(1, sizeof(*d));
    if (!d || !(d->path = strdup(path))) {
        free(d);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    d->lock_fd = -1;
    d->fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d->fd < 0) {
        if (mode == STATE_DIR_CHECK && errno == ENOENT) {
            /* nothing to check yet; a run would create it */
            state_dir_close(d);
            return 0;
        }
        snprintf(err, errlen, "state_dir '%s': %s", path, strerror(errno));
        goto err_close;
    }
    if (check_owner(d, err, errlen) < 0)
        goto err_close;
    if (mode == STATE_DIR_RUN) {
        if (take_lock(d, err, errlen) < 0)
            goto err_close;
        remove_stale_tmp(d);
        if (probe_write(d, probe_size, err, errlen) < 0)
            goto err_close;
    }
    *out = d;
    return 0;

err_close:
    state_dir_close(d);
    return -1;
}

void state_dir_close(struct state_dir *d)
{
    if (!d)
        return;
    if (d->lock_fd >= 0)
        close(d->lock_fd); /* releases the flock */
    if (d->fd >= 0)
        close(d->fd);
    free(d->path);
    free(d);
}

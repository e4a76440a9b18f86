/* state_store.c - persistent actor state files (see state_store.h). */
#include "state_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATE_MAGIC   "STEADYST"
#define STATE_FORMAT  1u
#define STATE_NAMELEN 64

/* Fixed little-endian layout on the machines steady runs on; the format
 * number changes if this ever does. */
struct state_header {
    char magic[8];
    uint32_t format;
    uint32_t header_size;
    uint64_t state_size;
    uint64_t checksum; /* FNV-1a 64 of the state bytes */
    char plugin[STATE_NAMELEN];
};

static uint64_t fnv1a(const void *data, size_t n)
{
    const unsigned char *p = data;
    uint64_t h = 1469598103934665603u;

    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211u;
    }
    return h;
}

char *state_path(const char *dir, const char *actor)
{
    size_t n = strlen(dir) + strlen(actor) + sizeof("/.state");
    char *path = malloc(n);

    if (path)
        snprintf(path, n, "%s/%s.state", dir, actor);
    return path;
}

int state_dir_prepare(const char *dir, char *err, size_t errlen)
{
    char buf[4096];
    size_t len = strlen(dir);

    if (len >= sizeof(buf)) {
        snprintf(err, errlen, "state_dir '%s': path too long", dir);
        return -1;
    }
    memcpy(buf, dir, len + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) < 0 && errno != EEXIST)
            goto err_mkdir;
        *p = '/';
    }
    if (mkdir(buf, 0777) < 0 && errno != EEXIST)
        goto err_mkdir;
    if (access(dir, W_OK) < 0) {
        snprintf(err, errlen, "state_dir '%s': %s", dir, strerror(errno));
        return -1;
    }
    return 0;

err_mkdir:
    snprintf(err, errlen, "state_dir '%s': cannot create '%s': %s", dir, buf,
             strerror(errno));
    return -1;
}

static int read_all(int fd, void *buf, size_t n)
{
    size_t done = 0;

    while (done < n) {
        ssize_t r = read(fd, (char *)buf + done, n - done);

        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
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
        if (w <= 0)
            return -1;
        done += (size_t)w;
    }
    return 0;
}

int state_load(const char *path, const char *plugin, void *state, size_t size,
               bool *found, char *err, size_t errlen)
{
    struct state_header h;
    struct stat st;
    void *buf = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    *found = false;
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) < 0 || read_all(fd, &h, sizeof(h)) < 0 ||
        memcmp(h.magic, STATE_MAGIC, 8) != 0) {
        snprintf(err, errlen,
                 "%s: not a steady state file; move it away to "
                 "start this actor fresh",
                 path);
        goto err_close;
    }
    if (h.format != STATE_FORMAT || h.header_size != sizeof(h)) {
        snprintf(err, errlen, "%s: state file format %u, this host reads %u",
                 path, h.format, STATE_FORMAT);
        goto err_close;
    }
    h.plugin[STATE_NAMELEN - 1] = '\0';
    if (strcmp(h.plugin, plugin) != 0) {
        snprintf(err, errlen,
                 "%s: holds state of plugin '%s' but the actor now runs "
                 "plugin '%s'; move it away to start fresh",
                 path, h.plugin, plugin);
        goto err_close;
    }
    if (h.state_size != size ||
        (uint64_t)st.st_size != sizeof(h) + h.state_size) {
        snprintf(err, errlen,
                 "%s: holds %llu bytes of state (file of %lld bytes) but "
                 "plugin '%s' declares %zu; the layout changed, so it is "
                 "not loaded: move it away to start fresh",
                 path, (unsigned long long)h.state_size, (long long)st.st_size,
                 plugin, size);
        goto err_close;
    }
    buf = malloc(size ? size : 1);
    if (!buf || read_all(fd, buf, size) < 0) {
        snprintf(err, errlen, "%s: cannot read the state", path);
        goto err_close;
    }
    if (fnv1a(buf, size) != h.checksum) {
        snprintf(err, errlen,
                 "%s: corrupt (checksum mismatch); move it away "
                 "to start fresh",
                 path);
        goto err_close;
    }
    memcpy(state, buf, size);
    free(buf);
    close(fd);
    *found = true;
    return 0;

err_close:
    free(buf);
    close(fd);
    return -1;
}

int state_save(const char *path, const char *plugin, const void *state,
               size_t size, char *err, size_t errlen)
{
    struct state_header h;
    char tmp[4200];
    char dir[4096];
    const char *slash = strrchr(path, '/');
    int fd;

    memset(&h, 0, sizeof(h));
    memcpy(h.magic, STATE_MAGIC, 8);
    h.format = STATE_FORMAT;
    h.header_size = sizeof(h);
    h.state_size = size;
    h.checksum = fnv1a(state, size);
    snprintf(h.plugin, sizeof(h.plugin), "%s", plugin);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);

    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0)
        goto err_report;
    if (write_all(fd, &h, sizeof(h)) < 0 || write_all(fd, state, size) < 0 ||
        fsync(fd) < 0) {
        close(fd);
        goto err_unlink;
    }
    close(fd);
    /* rename is atomic: the old file or the new one, never half of one */
    if (rename(tmp, path) < 0)
        goto err_unlink;
    /* and the rename itself survives a crash once the folder is synced */
    snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1,
             slash ? path : ".");
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    return 0;

err_unlink : {
    int saved = errno;

    unlink(tmp);
    errno = saved;
}
err_report:
    snprintf(err, errlen, "%s: cannot save state: %s", path, strerror(errno));
    return -1;
}

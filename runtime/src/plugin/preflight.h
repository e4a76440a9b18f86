/* preflight.h - checks a plugin file before this process maps it: that no
 * one but its owner (or root) can change it, that it is a complete shared
 * object for this machine, and that opening it in a separate, short-lived
 * process (steady-plugin-scanner) succeeds. A file that would crash the
 * dynamic loader or a constructor that dies is refused with its path and the
 * reason, and the process asking never maps it.
 *
 * Private to libsteady. Thread-safe (the verdict cache has a lock).
 */
#ifndef STEADY_PREFLIGHT_H
#define STEADY_PREFLIGHT_H

#include <stdbool.h>
#include <stddef.h>

/* How long the scanner may take before it is killed and the plugin refused,
 * unless env STEADY_PLUGIN_CHECK_TIMEOUT_MS says otherwise. */
#define PREFLIGHT_TIMEOUT_MS 10000

/* A scanner process kept to check several plugins in a row: one process
 * start per graph rather than one per plugin. It is started at the first
 * check and stopped by destroy (or replaced after a plugin killed it). */
struct preflight_scanner;

struct preflight_scanner *preflight_scanner_create(void);
void preflight_scanner_destroy(struct preflight_scanner *s);

/* Runs every check on `path` (opened as given; the caller resolves search
 * paths): the permission checks unless allow_writable, the ELF checks, then
 * the scanner (NULL: a scanner for this one check). Verdicts of the last two
 * are cached for this process by real path, device, inode, size and
 * modification time, so a plugin used by many actors or registries is
 * scanned once; passes are also remembered on disk (env
 * STEADY_PLUGIN_CACHE: a folder, or "off"; default
 * $XDG_CACHE_HOME/steady or ~/.cache/steady) with every file the scan had
 * mapped, and trusted in later processes while none of those changed.
 * Returns 0, or -1 with one line in err that starts with path. */
int preflight_plugin(const char *path, bool allow_writable,
                     struct preflight_scanner *scanner, char *err,
                     size_t errlen);

/* The ELF checks alone on an open file of `size` bytes, read with pread
 * (never mapped, so a short file cannot fault): magic, class, byte order and
 * machine of this host, type ET_DYN, and every header, segment and section
 * lying inside the file. 0, or -1 with "PATH: refused: why" in err. */
int preflight_elf(int fd, long long size, const char *path, char *err,
                  size_t errlen);

/* The permission checks alone: the file, and every folder above its real
 * path and above the name as given, must be owned by this user or root and
 * not writable by group or others (a folder with the sticky bit that is
 * owned by root or this user is fine: others cannot replace what is in it).
 * 0, or -1 with the offending file or folder and its mode in err. */
int preflight_permissions(const char *path, char *err, size_t errlen);

/* True when env STEADY_ALLOW_WRITABLE_PLUGINS is set to anything but "" or
 * "0": the user allows plugins that others could change. */
bool preflight_writable_allowed_by_env(void);

/* Forgets every cached verdict (tests). */
void preflight_cache_clear(void);

/* The protocol: the scanner reads paths, each ended by a NUL, from a socket
 * on its fd 3 and answers each with one line on it: PREFLIGHT_OK ("ok"),
 * then a tab before the path of each file it had mapped with the plugin
 * open, then "\n"; or PREFLIGHT_REFUSED and the message. It exits at the
 * socket's EOF. */
#define PREFLIGHT_SCANNER_FD 3
#define PREFLIGHT_OK         "ok"
#define PREFLIGHT_REFUSED    "refused " /* then the message and "\n" */

#endif

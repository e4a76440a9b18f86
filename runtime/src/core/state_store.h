/* state_store.h - an actor's persistent state in a file, so the next run of
 * the same graph resumes from it. A state directory holds one file per
 * actor, ACTOR.state: a header naming whose state it is (graph, actor,
 * plugin name, plugin version and file, state size, checksum) and the state
 * bytes. A run locks the directory, refuses one that others could write,
 * never follows a symbolic link in it, and saves crash-safely: a new
 * private temporary file, synced, renamed over the old one, folder synced,
 * so a reader sees the old state or the new one, never a mix.
 */
#ifndef STEADY_STATE_STORE_H
#define STEADY_STATE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The lock file inside a state directory; it holds the owner's pid. */
#define STATE_LOCK_NAME      "steady.lock"
/* Longest actor name that still makes a state and a temporary file name. */
#define STATE_ACTOR_NAME_MAX 200
/* Largest header (all the names together) a state file may have. */
#define STATE_HEADER_MAX     65536u

/* What a state file belongs to. Every pointer is borrowed and must outlive
 * the use; version and file may be NULL (recorded as ""). */
struct state_id {
    const char *graph;   /* the graph's `graph:` name */
    const char *actor;   /* the actor's name: the file is ACTOR.state */
    const char *plugin;  /* the name the plugin's descriptor declares */
    const char *version; /* the descriptor's version text */
    const char *file;    /* the plugin file that was loaded */
    size_t size;         /* the descriptor's state_size */
};

/* A state file read into memory and checked for consistency, before it is
 * compared with an actor. Text fields point into the parsed buffer and are
 * not NUL-terminated; format 1 files record only the plugin name. */
struct state_record {
    uint32_t format;
    const char *graph, *actor, *plugin, *version, *file;
    size_t graph_len, actor_len, plugin_len, version_len, file_len;
    const void *state;
    uint64_t state_size;
};

struct state_dir;

enum state_dir_mode {
    /* for a run: create the folder (mode 0700) if missing, take its lock
     * for as long as it is open, remove stale temporary files, prove that
     * it can be written */
    STATE_DIR_RUN,
    /* for `steady check`: read only; no folder is created, no lock taken,
     * nothing written. A missing folder opens as NULL. */
    STATE_DIR_CHECK,
};

/* Opens the state directory at path. Refuses, with err naming the folder
 * and what would be right: a folder owned by another user or writable by
 * its group or others, one another process holds (RUN: "state_dir D is in
 * use by pid N"), one that cannot be created or written (RUN: the lock file
 * and a probe file of probe_size bytes are written). 0 with *out set (NULL
 * in CHECK mode when the folder does not exist), or -1. */
int state_dir_open(const char *path, enum state_dir_mode mode,
                   size_t probe_size, struct state_dir **out, char *err,
                   size_t errlen);
/* Releases the lock and frees d. NULL is fine. */
void state_dir_close(struct state_dir *d);
/* "DIR/ACTOR.state", malloc'd, for messages; NULL when out of memory. */
char *state_dir_file(const struct state_dir *d, const char *actor);

/* Any file of the folder, for the process snapshot (snapshot.h). Writes
 * name as state_save writes a state file (temporary file, fsync, rename,
 * folder fsync): 0, or -1 with err naming the file and the reason. */
int state_dir_write(struct state_dir *d, const char *name, const void *buf,
                    size_t len, char *err, size_t errlen);
/* Reads name, refusing as state_load does (a link, not a regular file,
 * another user's, more than max bytes): 0 with *found false when there is
 * none, or with *found true and *buf (malloc'd, the caller frees) and
 * *len; -1 with err. */
int state_dir_read(struct state_dir *d, const char *name, uint64_t max,
                   void **buf, size_t *len, bool *found, char *err,
                   size_t errlen);
/* Whether name exists in d (a link counts: it is not followed). */
bool state_dir_has(const struct state_dir *d, const char *name);
/* The folder's path, for messages. */
const char *state_dir_path(const struct state_dir *d);

/* Checks that id can be saved: the actor name fits a file name and the
 * names fit a header. 0, or -1 with err naming the actor. */
int state_id_check(const struct state_id *id, char *err, size_t errlen);
/* Bytes of the state file that state_save writes for id. */
size_t state_file_size(const struct state_id *id);

/* Reads the actor's state file (if any) into state (id->size bytes);
 * *found says whether there was one. Refuses, with err naming the file and
 * what is wrong: a symbolic link, anything but a regular file (without
 * blocking on a FIFO), a file of another user, one that is not a steady
 * state file or fails its checksum, one written for another graph, actor
 * or plugin, or with another state size: -1, state untouched. On success
 * note holds a line worth a warning ("" if none): the plugin's version or
 * file changed, or the file has the older format. */
int state_load(struct state_dir *d, const struct state_id *id, void *state,
               bool *found, char *note, size_t notelen, char *err,
               size_t errlen);

/* Writes the state atomically (see above). Any thread; saves of different
 * actors may run at once. 0, or -1 with err naming the file and the reason
 * (e.g. "No space left on device"). */
int state_save(struct state_dir *d, const struct state_id *id,
               const void *state, char *err, size_t errlen);

/* The reader on a buffer (the file's whole content): checks magic, format,
 * header, sizes and checksum; never reads outside buf. name is used in
 * messages. 0 with rec filled (pointing into buf), or -1 with err. */
int state_parse(const void *buf, size_t len, const char *name,
                struct state_record *rec, char *err, size_t errlen);
/* Compares a parsed record with the actor it is meant for (see state_load).
 * 0 (note as for state_load), or -1 with err. */
int state_match(const struct state_record *rec, const struct state_id *id,
                const char *name, char *note, size_t notelen, char *err,
                size_t errlen);
/* Encodes a whole state file for id into buf of state_file_size(id)
 * bytes. */
void state_encode(const struct state_id *id, const void *state, void *buf);

#endif

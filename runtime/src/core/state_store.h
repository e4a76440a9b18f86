/* state_store.h - an actor's persistent state in a file, so the next run of
 * the same graph resumes from it. A file is a small header (magic, format,
 * plugin name, state size, checksum) and the state bytes. Saves are
 * crash-safe: written to a temporary file, synced, then renamed over the old
 * one, so a reader sees the old state or the new one, never a mix.
 */
#ifndef STEADY_STATE_STORE_H
#define STEADY_STATE_STORE_H

#include <stdbool.h>
#include <stddef.h>

/* "DIR/ACTOR.state", malloc'd; NULL when out of memory. */
char *state_path(const char *dir, const char *actor);

/* Creates dir (and its parents) if missing. 0, or -1 with err set. */
int state_dir_prepare(const char *dir, char *err, size_t errlen);

/* Reads the state at path into state (size bytes) if the file exists.
 * *found says whether it did. Refuses, with err naming the file and what
 * is wrong, a file that is not a steady state file, was written for another
 * plugin, holds a different size, or fails its checksum: -1. */
int state_load(const char *path, const char *plugin, void *state, size_t size,
               bool *found, char *err, size_t errlen);

/* Writes state atomically (see above). 0, or -1 with err set. */
int state_save(const char *path, const char *plugin, const void *state,
               size_t size, char *err, size_t errlen);

#endif

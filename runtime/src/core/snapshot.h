/* snapshot.h - consistent snapshots of a running process: every actor is
 * held at a wait, the states of all actors and the contents of every
 * channel are copied into one buffer, the actors are released, and the
 * buffer is written as one file, DIR/steady.snapshot, crash-safely (the
 * state store's temporary file, fsync, rename, folder fsync). A run that
 * finds the file resumes from it: states and channel contents restored
 * before any actor runs. The numbers of <steady/actor.h>
 * (steady_snapshot_next, _done) are kept here.
 */
#ifndef STEADY_SNAPSHOT_H
#define STEADY_SNAPSHOT_H

#include "actor_impl.h"
#include "state_store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SNAPSHOT_FILE        "steady.snapshot"
/* The range of checkpoint_ms: below it the pauses would dominate. */
#define SNAPSHOT_MIN_MS      10u
#define SNAPSHOT_MAX_MS      3600000u
/* How long a snapshot waits for every actor to reach a wait. */
#define SNAPSHOT_HOLD_MS     1000u
/* Largest snapshot file read back: 4 GiB. */
#define SNAPSHOT_MAX_BYTES   ((uint64_t)1 << 32)

/* Flags of a snapshot file. */
#define SNAPSHOT_FINAL    1u /* written at a clean stop: a fresh start */
#define SNAPSHOT_SHUTDOWN 2u /* shutdown had been requested */

/* The shape of a channel, as a snapshot records it. */
struct snap_geom {
    uint32_t varsize;  /* 1: variable-size messages */
    uint32_t overflow; /* enum steady_overflow */
    uint64_t capacity; /* items (messages) */
    uint64_t elem_size; /* 0 when varsize */
    uint64_t max_bytes; /* varsize: bytes of messages at most */
};

/* What a snapshot is of: the running graph. Borrowed pointers. */
struct snapshot_desc {
    const char *graph;
    struct steady_actor **actors;
    size_t n_actors;
    struct steady_channel **channels;
    const char *const *channel_names; /* "gen.out -> work.in" */
    size_t n_channels;
};

/* A parsed file; text and bodies point into the parsed buffer. */
struct snap_actor_rec {
    const char *name, *plugin;
    size_t name_len, plugin_len;
    uint64_t state_size;
    bool finished;
    const void *state;
};
struct snap_chan_rec {
    const char *name, *type;
    size_t name_len, type_len;
    struct snap_geom geom;
    const unsigned char *body; /* checked by channel_snap_check */
    size_t body_len;
};
struct snapshot_record {
    uint32_t flags;
    uint64_t number;
    const char *graph;
    size_t graph_len;
    struct snap_actor_rec *actors; /* malloc'd, n_actors */
    size_t n_actors;
    struct snap_chan_rec *channels; /* malloc'd, n_channels */
    size_t n_channels;
};

/* ---- snapshot_format.c: the bytes (pure, no files) ---- */
/* Bytes of the file for d now (every actor and channel must be still). */
size_t snapshot_size(const struct snapshot_desc *d);
/* Encodes the file into buf of snapshot_size(d) bytes. finished[i]: actor
 * i has finished for good. */
void snapshot_encode(const struct snapshot_desc *d, uint64_t number,
                     uint32_t flags, const bool *finished, void *buf);
/* Checks magic, format, lengths, checksum and every channel record; never
 * reads outside buf. 0 with rec filled (free with snapshot_record_fini),
 * or -1 with err naming `name` and what is wrong. */
int snapshot_parse(const void *buf, size_t len, const char *name,
                   struct snapshot_record *rec, char *err, size_t errlen);
void snapshot_record_fini(struct snapshot_record *rec);
/* Compares a parsed file with the running graph: -1 with err naming the
 * first difference and what to do, or 0. */
int snapshot_match(const struct snapshot_record *rec,
                   const struct snapshot_desc *d, const char *name, char *err,
                   size_t errlen);

/* ---- channel_snap.c: one channel's record ---- */
void channel_snap_geom(const struct steady_channel *ch, struct snap_geom *g);
/* Bytes of the channel's record now; both sides must be still. */
size_t channel_snap_size(const struct steady_channel *ch);
/* Writes the record (positions, counters, flags, contents); returns its
 * length. */
size_t channel_snap_save(const struct steady_channel *ch, unsigned char *out);
/* Checks a record for a channel of shape g at p (len bytes there): 0 with
 * *used its length, or -1 with why. Never reads outside p[0..len). */
int channel_snap_check(const struct snap_geom *g, const unsigned char *p,
                       size_t len, size_t *used, char *why, size_t whylen);
/* Restores a checked record into ch (of the same shape), before anything
 * runs. fresh: leave the channel open (a snapshot of a clean stop). */
void channel_snap_load(struct steady_channel *ch, const unsigned char *p,
                       bool fresh);

/* ---- snapshot.c: the coordinator ---- */
struct snapshot;

/* A coordinator for the actors of set (set->snap), writing into dir every
 * period_ms once started. d's arrays are borrowed and must outlive it.
 * NULL when out of memory. */
struct snapshot *snapshot_create(struct actor_set *set,
                                 const struct snapshot_desc *d,
                                 struct state_dir *dir, unsigned period_ms);
/* Reads DIR/steady.snapshot, if there is one, into the actors and
 * channels, before any actor runs. Refuses (exit 2 material) a link, not
 * a regular file, another user's file, a corrupt or truncated file, one of
 * another graph: -1 with err naming the file, what differs and what to
 * do. *found says whether one was restored. */
int snapshot_restore(struct snapshot *s, bool *found, char *err,
                     size_t errlen);
/* The restored snapshot had a shutdown requested: the caller requests it
 * again once the actors run. */
bool snapshot_resumes_shutdown(const struct snapshot *s);
/* Starts the thread that takes a snapshot every period. 0, or -1. */
int snapshot_start(struct snapshot *s, char *err, size_t errlen);
/* Stops and joins that thread (NULL fine). */
void snapshot_stop(struct snapshot *s);
/* Takes one snapshot now: holds every actor (at most hold_ms), copies,
 * releases, writes. 0 written, 1 skipped (an actor did not reach a wait:
 * one warning names it; or an actor has failed), -1 the write failed (err
 * says why; logged). Not while another take runs. */
int snapshot_take(struct snapshot *s, uint32_t flags, uint64_t hold_ms,
                  char *err, size_t errlen);
/* Snapshots written by this coordinator so far. */
uint64_t snapshot_count(const struct snapshot *s);
void snapshot_destroy(struct snapshot *s);

#endif

/* snapshot_format.c - the bytes of a snapshot file: encoding, parsing and
 * matching a parsed file against the running graph. Pure: no files here
 * (snapshot.c does the file system, through the state store).
 *
 * Format 1, little-endian:
 *   0  "STEADYSN"
 *   8  u32 format (1)
 *  12  u32 flags (SNAPSHOT_FINAL, SNAPSHOT_SHUTDOWN)
 *  16  u64 snapshot number (1, 2, ...)
 *  24  u64 file length
 *  32  u64 FNV-1a 64 of every other byte of the file (0-31, 40-end)
 *  40  text graph (u32 length and bytes), u32 actors, u32 channels
 *      per actor: text name, text plugin, u64 state size, u32 flags
 *                 (1: finished)
 *      per channel: text name ("gen.out -> work.in"), text type,
 *                 u32 varsize, u32 overflow, u64 capacity, u64 element
 *                 size, u64 max bytes
 *      every actor's state bytes, in order
 *      every channel's record (channel_snap.c), in order
 */
#include "snapshot.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC      "STEADYSN"
#define FORMAT     1u
#define FIXED      40u
#define FNV_START  1469598103934665603u
#define A_FINISHED 1u

static uint64_t fnv1a(uint64_t h, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211u;
    }
    return h;
}

/* Over everything but the checksum itself: the header too. */
static uint64_t checksum(const unsigned char *b, size_t len)
{
    return fnv1a(fnv1a(FNV_START, b, 32), b + FIXED, len - FIXED);
}

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint64_t get64(const unsigned char *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static size_t text_size(const char *s)
{
    return 4 + strlen(s ? s : "");
}

static unsigned char *put_text(unsigned char *p, const char *s)
{
    size_t n = strlen(s ? s : "");

    put32(p, (uint32_t)n);
    memcpy(p + 4, s ? s : "", n);
    return p + 4 + n;
}

size_t snapshot_size(const struct snapshot_desc *d)
{
    size_t n = FIXED + text_size(d->graph) + 8;

    for (size_t i = 0; i < d->n_actors; i++) {
        const struct steady_actor *a = d->actors[i];

        n += text_size(a->name) + text_size(a->plugin->name) + 12 +
             a->plugin->state_size;
    }
    for (size_t i = 0; i < d->n_channels; i++)
        n += text_size(d->channel_names[i]) +
             text_size(steady_channel_type_name(d->channels[i])) + 32 +
             channel_snap_size(d->channels[i]);
    return n;
}

void snapshot_encode(const struct snapshot_desc *d, uint64_t number,
                     uint32_t flags, const bool *finished, void *buf)
{
    unsigned char *b = buf, *p = b + FIXED;
    size_t len = snapshot_size(d);

    memcpy(b, MAGIC, 8);
    put32(b + 8, FORMAT);
    put32(b + 12, flags);
    put64(b + 16, number);
    put64(b + 24, len);
    p = put_text(p, d->graph);
    put32(p, (uint32_t)d->n_actors);
    put32(p + 4, (uint32_t)d->n_channels);
    p += 8;
    for (size_t i = 0; i < d->n_actors; i++) {
        const struct steady_actor *a = d->actors[i];

        p = put_text(p, a->name);
        p = put_text(p, a->plugin->name);
        put64(p, a->plugin->state_size);
        put32(p + 8, finished && finished[i] ? A_FINISHED : 0);
        p += 12;
    }
    for (size_t i = 0; i < d->n_channels; i++) {
        struct snap_geom g;

        channel_snap_geom(d->channels[i], &g);
        p = put_text(p, d->channel_names[i]);
        p = put_text(p, steady_channel_type_name(d->channels[i]));
        put32(p, g.varsize);
        put32(p + 4, g.overflow);
        put64(p + 8, g.capacity);
        put64(p + 16, g.elem_size);
        put64(p + 24, g.max_bytes);
        p += 32;
    }
    for (size_t i = 0; i < d->n_actors; i++) {
        const struct steady_actor *a = d->actors[i];

        if (a->plugin->state_size)
            memcpy(p, a->state, a->plugin->state_size);
        p += a->plugin->state_size;
    }
    for (size_t i = 0; i < d->n_channels; i++)
        p += channel_snap_save(d->channels[i], p);
    put64(b + 32, checksum(b, len));
}

/* ---- parsing: a cursor that never reads past the end ---- */

struct cursor {
    const unsigned char *p;
    size_t left;
    bool short_;
};

static const unsigned char *take(struct cursor *c, size_t n)
{
    const unsigned char *at = c->p;

    if (c->short_ || n > c->left) {
        c->short_ = true;
        return NULL;
    }
    c->p += n;
    c->left -= n;
    return at;
}

static uint32_t take32(struct cursor *c)
{
    const unsigned char *p = take(c, 4);

    return p ? get32(p) : 0;
}

static uint64_t take64(struct cursor *c)
{
    const unsigned char *p = take(c, 8);

    return p ? get64(p) : 0;
}

static const char *take_text(struct cursor *c, size_t *len)
{
    uint32_t n = take32(c);
    const unsigned char *p = take(c, n);

    *len = p ? n : 0;
    return p ? (const char *)p : "";
}

int snapshot_parse(const void *buf, size_t len, const char *name,
                   struct snapshot_record *rec, char *err, size_t errlen)
{
    const unsigned char *b = buf;
    struct cursor c;
    uint32_t format, na, nc;
    const char *what = "is cut short";

    memset(rec, 0, sizeof(*rec));
    if (len < FIXED || memcmp(b, MAGIC, 8) != 0) {
        snprintf(err, errlen,
                 "%s: not a steady snapshot file; move it away to start "
                 "from the per-actor state files",
                 name);
        return -1;
    }
    format = get32(b + 8);
    if (format != FORMAT) {
        snprintf(err, errlen,
                 "%s: snapshot format %u, this steady reads format %u; "
                 "run the steady that wrote it, or move the file away",
                 name, format, FORMAT);
        return -1;
    }
    if (get64(b + 24) != len) {
        snprintf(err, errlen,
                 "%s: the file is %zu bytes, its header says %llu: it is "
                 "truncated or damaged; move it away to start from the "
                 "per-actor state files",
                 name, len, (unsigned long long)get64(b + 24));
        return -1;
    }
    if (checksum(b, len) != get64(b + 32)) {
        snprintf(err, errlen,
                 "%s: checksum mismatch: the file is damaged; move it away "
                 "to start from the per-actor state files",
                 name);
        return -1;
    }
    rec->flags = get32(b + 12);
    rec->number = get64(b + 16);
    c = (struct cursor){ .p = b + FIXED, .left = len - FIXED };
    rec->graph = take_text(&c, &rec->graph_len);
    na = take32(&c);
    nc = take32(&c);
    /* each entry takes at least 20 bytes: a count beyond that is a lie */
    if (c.short_ || na > c.left / 20 || nc > c.left / 20)
        goto err_short;
    rec->actors = calloc(na ? na : 1, sizeof(*rec->actors));
    rec->channels = calloc(nc ? nc : 1, sizeof(*rec->channels));
    if (!rec->actors || !rec->channels) {
        snprintf(err, errlen, "%s: out of memory", name);
        goto err_free;
    }
    rec->n_actors = na;
    rec->n_channels = nc;
    for (size_t i = 0; i < na; i++) {
        struct snap_actor_rec *a = &rec->actors[i];

        a->name = take_text(&c, &a->name_len);
        a->plugin = take_text(&c, &a->plugin_len);
        a->state_size = take64(&c);
        a->finished = (take32(&c) & A_FINISHED) != 0;
    }
    for (size_t i = 0; i < nc; i++) {
        struct snap_chan_rec *ch = &rec->channels[i];

        ch->name = take_text(&c, &ch->name_len);
        ch->type = take_text(&c, &ch->type_len);
        ch->geom.varsize = take32(&c);
        ch->geom.overflow = take32(&c);
        ch->geom.capacity = take64(&c);
        ch->geom.elem_size = take64(&c);
        ch->geom.max_bytes = take64(&c);
        if (!c.short_ &&
            (ch->geom.varsize > 1 || ch->geom.overflow > 2 ||
             ch->geom.capacity == 0 || ch->geom.capacity > ((uint64_t)1 << 40) ||
             (ch->geom.varsize
                  ? ch->geom.max_bytes == 0 ||
                        ch->geom.max_bytes > ((uint64_t)1 << 40)
                  : ch->geom.elem_size == 0))) {
            what = "describes a channel no steady makes";
            goto err_short;
        }
    }
    for (size_t i = 0; i < na; i++) {
        struct snap_actor_rec *a = &rec->actors[i];

        if (a->state_size > c.left)
            goto err_short;
        a->state = take(&c, (size_t)a->state_size);
    }
    for (size_t i = 0; i < nc && !c.short_; i++) {
        struct snap_chan_rec *ch = &rec->channels[i];
        char why[160];
        size_t used;

        if (channel_snap_check(&ch->geom, c.p, c.left, &used, why,
                               sizeof(why)) < 0) {
            snprintf(err, errlen,
                     "%s: channel %zu: %s; the file is damaged: move it "
                     "away to start from the per-actor state files",
                     name, i, why);
            goto err_free;
        }
        ch->body = take(&c, used);
        ch->body_len = used;
    }
    if (c.short_)
        goto err_short;
    if (c.left) {
        what = "has bytes after its last record";
        goto err_short;
    }
    return 0;

err_short:
    snprintf(err, errlen,
             "%s: the snapshot %s; the file is damaged: move it away to "
             "start from the per-actor state files",
             name, what);
err_free:
    snapshot_record_fini(rec);
    return -1;
}

void snapshot_record_fini(struct snapshot_record *rec)
{
    free(rec->actors);
    free(rec->channels);
    memset(rec, 0, sizeof(*rec));
}

/* ---- matching ---- */

/* Text from a file, printable for a message (at most 100 bytes). */
static const char *printable(char *buf, size_t buflen, const char *s, size_t n)
{
    size_t out = 0;

    for (size_t i = 0; i < n && out + 4 < buflen && out < 100; i++)
        buf[out++] = isprint((unsigned char)s[i]) ? s[i] : '?';
    buf[out] = '\0';
    return buf;
}

static bool same(const char *s, size_t n, const char *want)
{
    return strlen(want) == n && memcmp(s, want, n) == 0;
}

#define REFUSE_TAIL                                                           \
    "; run the graph as it was to resume from the snapshot, or move %s "     \
    "away to start from the per-actor state files (what the channels held " \
    "is then lost)"

int snapshot_match(const struct snapshot_record *rec,
                   const struct snapshot_desc *d, const char *name, char *err,
                   size_t errlen)
{
    char t1[128], t2[128];

    if (!same(rec->graph, rec->graph_len, d->graph)) {
        snprintf(err, errlen,
                 "%s: written for graph '%s', this is graph '%s'" REFUSE_TAIL,
                 name, printable(t1, sizeof(t1), rec->graph, rec->graph_len),
                 d->graph, name);
        return -1;
    }
    if (rec->n_actors != d->n_actors || rec->n_channels != d->n_channels) {
        snprintf(err, errlen,
                 "%s: written for %zu actors and %zu channels, the graph "
                 "has %zu and %zu" REFUSE_TAIL,
                 name, rec->n_actors, rec->n_channels, d->n_actors,
                 d->n_channels, name);
        return -1;
    }
    for (size_t i = 0; i < d->n_actors; i++) {
        const struct snap_actor_rec *r = &rec->actors[i];
        const struct steady_actor *a = d->actors[i];

        if (!same(r->name, r->name_len, a->name)) {
            snprintf(err, errlen,
                     "%s: actor %zu was '%s', it is '%s' now" REFUSE_TAIL,
                     name, i + 1,
                     printable(t1, sizeof(t1), r->name, r->name_len), a->name,
                     name);
            return -1;
        }
        if (!same(r->plugin, r->plugin_len, a->plugin->name) ||
            r->state_size != a->plugin->state_size) {
            snprintf(err, errlen,
                     "%s: actor '%s' ran plugin '%s' with %llu bytes of "
                     "state, it runs '%s' with %zu now" REFUSE_TAIL,
                     name, a->name,
                     printable(t1, sizeof(t1), r->plugin, r->plugin_len),
                     (unsigned long long)r->state_size, a->plugin->name,
                     a->plugin->state_size, name);
            return -1;
        }
    }
    for (size_t i = 0; i < d->n_channels; i++) {
        const struct snap_chan_rec *r = &rec->channels[i];
        struct snap_geom g;

        channel_snap_geom(d->channels[i], &g);
        if (!same(r->name, r->name_len, d->channel_names[i]) ||
            !same(r->type, r->type_len,
                  steady_channel_type_name(d->channels[i]))) {
            snprintf(err, errlen,
                     "%s: channel %zu was %s carrying '%s', it is %s "
                     "carrying '%s' now" REFUSE_TAIL,
                     name, i + 1,
                     printable(t1, sizeof(t1), r->name, r->name_len),
                     printable(t2, sizeof(t2), r->type, r->type_len),
                     d->channel_names[i],
                     steady_channel_type_name(d->channels[i]), name);
            return -1;
        }
        if (memcmp(&r->geom, &g, sizeof(g)) != 0) {
            snprintf(err, errlen,
                     "%s: channel %s had capacity %llu%s (overflow %u), it "
                     "has %llu%s (overflow %u) now" REFUSE_TAIL,
                     name, d->channel_names[i],
                     (unsigned long long)r->geom.capacity,
                     r->geom.varsize ? " messages" : "", r->geom.overflow,
                     (unsigned long long)g.capacity,
                     g.varsize ? " messages" : "", g.overflow, name);
            return -1;
        }
    }
    return 0;
}

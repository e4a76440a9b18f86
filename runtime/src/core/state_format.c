/* state_format.c - the bytes of a persistent state file: encoding, parsing
 * (both formats) and matching a record against the actor that reads it.
 * Pure: no files here (state_store.c does the file system).
 *
 * File format 2, little-endian:
 *   0  "STEADYST"
 *   8  u32 format (2)
 *  12  u32 header size: bytes before the state
 *  16  u64 state size
 *  24  u64 FNV-1a 64 of every byte from offset 32 to the end of the file
 *  32  five texts, each a u32 length and its bytes: graph, actor, plugin,
 *      plugin version, plugin file
 *      the state bytes
 * Format 1 (read, never written) had the same first 32 bytes, then the
 * plugin name in 64 bytes, a checksum of the state only and nothing else.
 */
#include "state_store.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define STATE_MAGIC    "STEADYST"
#define STATE_FORMAT   2u
#define FIXED_SIZE     32u
#define V1_NAMELEN     64u
#define V1_HEADER_SIZE (FIXED_SIZE + V1_NAMELEN)
#define N_TEXTS        5

static uint64_t fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;

    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211u;
    }
    return h;
}

#define FNV_START 1469598103934665603u

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint64_t get64(const unsigned char *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
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

/* Text from a file, made printable for a message: at most 120 bytes,
 * anything but printable ASCII as '?'. */
static const char *printable(char *buf, size_t buflen, const char *s, size_t n)
{
    size_t out = 0;

    for (size_t i = 0; i < n && out + 4 < buflen; i++) {
        if (out >= 120) {
            memcpy(buf + out, "...", 3);
            out += 3;
            break;
        }
        buf[out++] = isprint((unsigned char)s[i]) ? s[i] : '?';
    }
    buf[out] = '\0';
    return buf;
}

static bool text_equal(const char *s, size_t n, const char *c)
{
    return strlen(c) == n && memcmp(s, c, n) == 0;
}

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

/* ---- the format ---- */

static const char *id_text(const struct state_id *id, int i)
{
    const char *t[N_TEXTS] = { id->graph, id->actor, id->plugin, id->version,
                               id->file };

    return or_empty(t[i]);
}

static size_t header_size(const struct state_id *id)
{
    size_t n = FIXED_SIZE;

    for (int i = 0; i < N_TEXTS; i++)
        n += 4 + strlen(id_text(id, i));
    return n;
}

size_t state_file_size(const struct state_id *id)
{
    return header_size(id) + id->size;
}

int state_id_check(const struct state_id *id, char *err, size_t errlen)
{
    if (strlen(id->actor) > STATE_ACTOR_NAME_MAX) {
        snprintf(err, errlen,
                 "actor '%.40s...': a name of %zu characters is too long to "
                 "keep state in a file; at most %d with state_dir",
                 id->actor, strlen(id->actor), STATE_ACTOR_NAME_MAX);
        return -1;
    }
    if (header_size(id) > STATE_HEADER_MAX) {
        snprintf(err, errlen,
                 "actor '%s': its graph, plugin and file names take %zu "
                 "bytes, more than a state file records (%u)",
                 id->actor, header_size(id), STATE_HEADER_MAX);
        return -1;
    }
    return 0;
}

void state_encode(const struct state_id *id, const void *state, void *buf)
{
    unsigned char *p = buf;
    size_t hsize = header_size(id), at = FIXED_SIZE;

    memcpy(p, STATE_MAGIC, 8);
    put32(p + 8, STATE_FORMAT);
    put32(p + 12, (uint32_t)hsize);
    put64(p + 16, id->size);
    for (int i = 0; i < N_TEXTS; i++) {
        const char *t = id_text(id, i);
        size_t n = strlen(t);

        put32(p + at, (uint32_t)n);
        memcpy(p + at + 4, t, n);
        at += 4 + n;
    }
    if (id->size)
        memcpy(p + hsize, state, id->size);
    put64(p + 24,
          fnv1a(FNV_START, p + FIXED_SIZE, hsize - FIXED_SIZE + id->size));
}

static int parse_v1(const unsigned char *p, size_t len, const char *name,
                    struct state_record *rec, char *err, size_t errlen)
{
    uint32_t hsize = get32(p + 12);
    uint64_t ssize = get64(p + 16);
    const char *plugin = (const char *)p + FIXED_SIZE;

    if (hsize != V1_HEADER_SIZE || len < V1_HEADER_SIZE) {
        snprintf(err, errlen,
                 "%s: corrupt: a format 1 header is %u bytes, this one says "
                 "%" PRIu32 " and the file has %zu; move it away to start "
                 "this actor fresh",
                 name, V1_HEADER_SIZE, hsize, len);
        return -1;
    }
    if (ssize != len - V1_HEADER_SIZE) {
        snprintf(err, errlen,
                 "%s: the file is %zu bytes but its header says %u + %" PRIu64
                 " (header + state): truncated or extended; move it away to "
                 "start this actor fresh",
                 name, len, V1_HEADER_SIZE, ssize);
        return -1;
    }
    rec->plugin_len = strnlen(plugin, V1_NAMELEN);
    if (rec->plugin_len == V1_NAMELEN) {
        snprintf(err, errlen,
                 "%s: corrupt: its plugin name is not terminated; move it "
                 "away to start this actor fresh",
                 name);
        return -1;
    }
    if (fnv1a(FNV_START, p + V1_HEADER_SIZE, (size_t)ssize) != get64(p + 24)) {
        snprintf(err, errlen,
                 "%s: corrupt (checksum mismatch); move it away to start "
                 "this actor fresh",
                 name);
        return -1;
    }
    rec->plugin = plugin;
    rec->state = p + V1_HEADER_SIZE;
    rec->state_size = ssize;
    return 0;
}

static int parse_v2(const unsigned char *p, size_t len, const char *name,
                    struct state_record *rec, char *err, size_t errlen)
{
    uint32_t hsize = get32(p + 12);
    uint64_t ssize = get64(p + 16);
    const char **texts[N_TEXTS] = { &rec->graph, &rec->actor, &rec->plugin,
                                    &rec->version, &rec->file };
    size_t *lens[N_TEXTS] = { &rec->graph_len, &rec->actor_len,
                              &rec->plugin_len, &rec->version_len,
                              &rec->file_len };
    size_t at = FIXED_SIZE;

    if (hsize < FIXED_SIZE + 4 * N_TEXTS || hsize > STATE_HEADER_MAX ||
        hsize > len) {
        snprintf(err, errlen,
                 "%s: corrupt: its header says it is %" PRIu32
                 " bytes, which does not fit a file of %zu bytes; move it "
                 "away to start this actor fresh",
                 name, hsize, len);
        return -1;
    }
    if (ssize != len - hsize) {
        snprintf(err, errlen,
                 "%s: the file is %zu bytes but its header says %" PRIu32
                 " + %" PRIu64
                 " (header + state): truncated or extended; move it away to "
                 "start this actor fresh",
                 name, len, hsize, ssize);
        return -1;
    }
    if (fnv1a(FNV_START, p + FIXED_SIZE, len - FIXED_SIZE) != get64(p + 24)) {
        snprintf(err, errlen,
                 "%s: corrupt (checksum mismatch); move it away to start "
                 "this actor fresh",
                 name);
        return -1;
    }
    for (int i = 0; i < N_TEXTS; i++) {
        uint32_t n;

        if (hsize - at < 4 || (n = get32(p + at), hsize - at - 4 < n))
            goto err_texts;
        *texts[i] = (const char *)p + at + 4;
        *lens[i] = n;
        at += 4 + (size_t)n;
    }
    if (at != hsize)
        goto err_texts;
    rec->state = p + hsize;
    rec->state_size = ssize;
    return 0;

err_texts:
    snprintf(err, errlen,
             "%s: corrupt: the names in its header do not fill it; move it "
             "away to start this actor fresh",
             name);
    return -1;
}

int state_parse(const void *buf, size_t len, const char *name,
                struct state_record *rec, char *err, size_t errlen)
{
    const unsigned char *p = buf;
    uint32_t format;

    memset(rec, 0, sizeof(*rec));
    if (len < FIXED_SIZE || memcmp(p, STATE_MAGIC, 8) != 0) {
        snprintf(err, errlen,
                 "%s: not a steady state file; move it away to start this "
                 "actor fresh",
                 name);
        return -1;
    }
    format = get32(p + 8);
    rec->format = format;
    if (format == 1)
        return parse_v1(p, len, name, rec, err, errlen);
    if (format == STATE_FORMAT)
        return parse_v2(p, len, name, rec, err, errlen);
    snprintf(err, errlen,
             "%s: state file format %" PRIu32
             " is not one this host reads (formats 1 and %u)%s; move it "
             "away to start this actor fresh",
             name, format, STATE_FORMAT,
             format > STATE_FORMAT ? ": written by a newer steady?" : "");
    return -1;
}

int state_match(const struct state_record *rec, const struct state_id *id,
                const char *name, char *note, size_t notelen, char *err,
                size_t errlen)
{
    char a[128], b[128], c[128], d[128];

    note[0] = '\0';
    if (rec->format >= 2 &&
        (!text_equal(rec->graph, rec->graph_len, or_empty(id->graph)) ||
         !text_equal(rec->actor, rec->actor_len, or_empty(id->actor)))) {
        snprintf(err, errlen,
                 "%s: holds the state of actor '%s' of graph '%s', not of "
                 "actor '%s' of graph '%s'; give each graph its own "
                 "state_dir, or move the file away to start fresh",
                 name, printable(a, sizeof(a), rec->actor, rec->actor_len),
                 printable(b, sizeof(b), rec->graph, rec->graph_len), id->actor,
                 or_empty(id->graph));
        return -1;
    }
    if (!text_equal(rec->plugin, rec->plugin_len, or_empty(id->plugin))) {
        snprintf(err, errlen,
                 "%s: holds state of plugin '%s' but the actor now runs "
                 "plugin '%s'; move it away to start fresh",
                 name, printable(a, sizeof(a), rec->plugin, rec->plugin_len),
                 or_empty(id->plugin));
        return -1;
    }
    if (rec->state_size != id->size) {
        snprintf(err, errlen,
                 "%s: holds %" PRIu64
                 " bytes of state but plugin '%s' now declares %zu: its "
                 "state layout changed, so it is not loaded; move it away "
                 "to start fresh",
                 name, rec->state_size, or_empty(id->plugin), id->size);
        return -1;
    }
    if (rec->format < 2) {
        snprintf(note, notelen,
                 "%s: format 1 (written by an older steady, without the "
                 "graph's name): loaded; the next save writes format %u",
                 name, STATE_FORMAT);
    } else if (!text_equal(rec->version, rec->version_len,
                           or_empty(id->version)) ||
               !text_equal(rec->file, rec->file_len, or_empty(id->file))) {
        snprintf(note, notelen,
                 "%s: saved by plugin '%s' version '%s' from %s, now "
                 "version '%s' from %s; loaded because the plugin's name "
                 "and state size are the same",
                 name, or_empty(id->plugin),
                 printable(a, sizeof(a), rec->version, rec->version_len),
                 printable(b, sizeof(b), rec->file, rec->file_len),
                 printable(c, sizeof(c), or_empty(id->version),
                           strlen(or_empty(id->version))),
                 printable(d, sizeof(d), or_empty(id->file),
                           strlen(or_empty(id->file))));
    }
    return 0;
}

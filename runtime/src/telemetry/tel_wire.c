/* tel_wire.c - a node's telemetry summary as bytes for the other nodes:
 * the snapshot's names, states, averages and counts, and the actors' own
 * figures. Binary and little-endian, with a magic and a version; strings
 * are a 16-bit length and the bytes. Decoding trusts nothing: a summary
 * comes from another process over the network.
 */
#include "tel_cluster.h"

#include <stdio.h>
#include <stdlib.h>
#include <steady/actor.h>
#include <string.h>

#define MAGIC        "STW"
#define WIRE_VERSION 1
#define MAX_STRING   4096

/* ---- encoding -------------------------------------------------------- */

static void put_u8(struct strbuf *b, unsigned v)
{
    char c = (char)(v & 0xff);

    strbuf_append(b, &c, 1);
}

static void put_u64(struct strbuf *b, uint64_t v)
{
    char c[8];

    for (int i = 0; i < 8; i++)
        c[i] = (char)((v >> (8 * i)) & 0xff);
    strbuf_append(b, c, 8);
}

static void put_f64(struct strbuf *b, double v)
{
    uint64_t u;

    memcpy(&u, &v, sizeof(u));
    put_u64(b, u);
}

/* NULL is written as the empty string. */
static void put_str(struct strbuf *b, const char *text)
{
    size_t n = text ? strlen(text) : 0;

    if (n > MAX_STRING)
        n = MAX_STRING;
    put_u8(b, (unsigned)(n & 0xff));
    put_u8(b, (unsigned)(n >> 8));
    strbuf_append(b, text ? text : "", n);
}

void tel_wire_encode(struct strbuf *b, const struct tel_snapshot *s)
{
    strbuf_append(b, MAGIC, 3);
    put_u8(b, WIRE_VERSION);
    put_str(b, s->graph);
    put_str(b, s->node);
    put_u64(b, s->seq);
    put_f64(b, s->window_s);
    put_f64(b, s->uptime_s);
    put_u64(b, s->n_actors);
    put_u64(b, s->n_channels);
    for (size_t i = 0; i < s->n_actors; i++) {
        const struct tel_actor *a = &s->actors[i];

        put_str(b, a->name);
        put_str(b, a->troupe);
        put_str(b, a->remote);
        put_u8(b, (unsigned)a->state);
        put_u8(b, (unsigned)a->alert);
        put_u64(b, a->cpu_ns);
        put_f64(b, a->mcpu);
        put_f64(b, a->load);
        put_u64(b, a->restarts);
        put_u8(b, (unsigned)a->n_figures);
        for (size_t k = 0; k < a->n_figures; k++) {
            put_str(b, a->figures[k].name);
            put_u8(b, a->figures[k].count);
            put_f64(b, a->figures[k].value);
        }
    }
    for (size_t i = 0; i < s->n_channels; i++) {
        const struct tel_channel *c = &s->channels[i];

        put_str(b, c->from);
        put_str(b, c->to);
        put_str(b, c->from_port);
        put_str(b, c->to_port);
        put_str(b, c->type);
        put_u8(b, (c->show_ports ? 1u : 0u) | (c->varsize ? 2u : 0u));
        put_u8(b, (unsigned)c->alert);
        put_u8(b, (unsigned)c->percentile);
        put_u64(b, c->capacity);
        put_u64(b, c->sent);
        put_u64(b, c->taken);
        put_u64(b, c->dropped);
        put_u64(b, c->bytes);
        put_u64(b, c->inflight);
        put_f64(b, c->avg_rate);
        put_f64(b, c->avg_bytes_rate);
        put_f64(b, c->avg_filled);
        put_f64(b, c->pct_filled);
        put_f64(b, c->latency_ms);
    }
}

/* ---- decoding -------------------------------------------------------- */

struct reader {
    const unsigned char *p, *end;
    char *pool, *pool_end; /* where strings go, NUL-terminated */
    const char *why;       /* the first problem; NULL: none */
};

static bool need(struct reader *r, size_t n, const char *what)
{
    if (r->why)
        return false;
    if ((size_t)(r->end - r->p) < n) {
        r->why = what;
        return false;
    }
    return true;
}

static unsigned get_u8(struct reader *r)
{
    if (!need(r, 1, "truncated"))
        return 0;
    return *r->p++;
}

static uint64_t get_u64(struct reader *r)
{
    uint64_t v = 0;

    if (!need(r, 8, "truncated"))
        return 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)r->p[i] << (8 * i);
    r->p += 8;
    return v;
}

static double get_f64(struct reader *r)
{
    uint64_t u = get_u64(r);
    double v;

    memcpy(&v, &u, sizeof(v));
    return v;
}

/* A string into the pool; NULL when empty and `empty_is_null`. Never
 * NULL otherwise (after an error, ""). Names must not hold control
 * characters: they end up in DOT, SVG and log text. */
static const char *get_str(struct reader *r, bool empty_is_null)
{
    size_t n = get_u8(r);
    char *out;

    n |= (size_t)get_u8(r) << 8;
    /* longer than any encoder writes: refused, not skipped (its bytes
     * would be read as the fields after it) */
    if (!r->why && n > MAX_STRING)
        r->why = "a string longer than 4096 bytes";
    if (r->why || !need(r, n, "truncated"))
        return empty_is_null ? NULL : "";
    if ((size_t)(r->pool_end - r->pool) < n + 1) {
        r->why = "inconsistent string lengths";
        return empty_is_null ? NULL : "";
    }
    for (size_t i = 0; i < n; i++)
        if (r->p[i] < 0x20 || r->p[i] == 0x7f) {
            r->why = "a name with a control character";
            return empty_is_null ? NULL : "";
        }
    out = r->pool;
    memcpy(out, r->p, n);
    out[n] = '\0';
    r->pool += n + 1;
    r->p += n;
    return n == 0 && empty_is_null ? NULL : out;
}

static unsigned get_enum(struct reader *r, unsigned limit, const char *what)
{
    unsigned v = get_u8(r);

    if (!r->why && v >= limit)
        r->why = what;
    return v < limit ? v : 0;
}

/* The troupe list of d, in the order the actors first name them. */
static int collect_troupes(struct tel_snapshot *d)
{
    d->troupes = calloc(d->n_actors ? d->n_actors : 1, sizeof(*d->troupes));
    if (!d->troupes)
        return -1;
    for (size_t i = 0; i < d->n_actors; i++) {
        struct tel_actor *a = &d->actors[i];
        size_t t = 0;

        if (!a->troupe)
            continue;
        while (t < d->n_troupes && strcmp(d->troupes[t], a->troupe) != 0)
            t++;
        if (t == d->n_troupes)
            d->troupes[d->n_troupes++] = a->troupe;
        a->troupe_index = (int)t;
    }
    return 0;
}

static void read_actor(struct reader *r, struct tel_actor *a)
{
    a->name = get_str(r, false);
    a->troupe = get_str(r, true);
    a->remote = get_str(r, true);
    a->state = (enum tel_state)get_enum(r, TEL_N_STATES, "an unknown state");
    a->alert = (enum alert_color)get_enum(r, ALERT_RED + 1, "an unknown alert");
    a->cpu_ns = get_u64(r);
    a->mcpu = get_f64(r);
    a->load = get_f64(r);
    a->restarts = (uint32_t)get_u64(r);
    a->n_figures = get_enum(r, STEADY_MAX_FIGURES + 1, "too many figures");
    for (size_t k = 0; k < a->n_figures && !r->why; k++) {
        const char *name = get_str(r, false);
        size_t n = strlen(name);

        if (n >= sizeof(a->figures[k].name)) {
            if (!r->why)
                r->why = "a figure name too long";
            n = 0;
        }
        memcpy(a->figures[k].name, name, n);
        a->figures[k].name[n] = '\0';
        a->figures[k].count = get_enum(r, 2, "a bad figure kind") == 1;
        a->figures[k].value = get_f64(r);
    }
}

static void read_channel(struct reader *r, struct tel_channel *c)
{
    unsigned flags;

    c->from = get_str(r, false);
    c->to = get_str(r, false);
    c->from_port = get_str(r, false);
    c->to_port = get_str(r, false);
    c->type = get_str(r, false);
    flags = get_enum(r, 4, "bad channel flags");
    c->show_ports = flags & 1;
    c->varsize = (flags & 2) != 0;
    c->alert = (enum alert_color)get_enum(r, ALERT_RED + 1, "an unknown alert");
    c->percentile = (int)get_enum(r, 100, "a percentile out of range");
    c->capacity = get_u64(r);
    c->sent = get_u64(r);
    c->taken = get_u64(r);
    c->dropped = get_u64(r);
    c->bytes = get_u64(r);
    c->inflight = get_u64(r);
    c->avg_rate = get_f64(r);
    c->avg_bytes_rate = get_f64(r);
    c->avg_filled = get_f64(r);
    c->pct_filled = get_f64(r);
    c->latency_ms = get_f64(r);
}

/* Smallest encodings: an actor of empty names and no figures, a channel
 * of empty names. Counts above len / these are refused before any
 * allocation. */
#define MIN_ACTOR   (3 * 2 + 2 + 8 * 4 + 1)
#define MIN_CHANNEL (5 * 2 + 3 + 6 * 8 + 5 * 8)

struct tel_snapshot *tel_wire_decode(const void *data, size_t len, char *err,
                                     size_t errlen)
{
    struct reader r = { data, (const unsigned char *)data + len, NULL, NULL,
                        NULL };
    struct tel_snapshot *d = NULL;
    uint64_t na, nc;

    if (len < 4 || memcmp(data, MAGIC, 3) != 0) {
        snprintf(err, errlen, "not a telemetry summary");
        return NULL;
    }
    if (((const unsigned char *)data)[3] != WIRE_VERSION) {
        snprintf(err, errlen,
                 "telemetry summary version %u (this node reads "
                 "%u): run the same steady on every node",
                 ((const unsigned char *)data)[3], WIRE_VERSION);
        return NULL;
    }
    r.p += 4;
    d = calloc(1, sizeof(*d));
    if (!d || !(d->pool = malloc(len + 1)))
        goto oom;
    r.pool = d->pool;
    r.pool_end = (char *)d->pool + len + 1;
    d->graph = get_str(&r, false);
    d->node = get_str(&r, true);
    d->seq = get_u64(&r);
    d->window_s = get_f64(&r);
    d->uptime_s = get_f64(&r);
    na = get_u64(&r);
    nc = get_u64(&r);
    if (!r.why && (na > len / MIN_ACTOR || nc > len / MIN_CHANNEL))
        r.why = "more actors or channels than its length holds";
    if (r.why)
        goto bad;
    d->n_actors = (size_t)na;
    d->n_channels = (size_t)nc;
    d->actors = calloc(na ? na : 1, sizeof(*d->actors));
    d->channels = calloc(nc ? nc : 1, sizeof(*d->channels));
    if (!d->actors || !d->channels)
        goto oom;
    for (size_t i = 0; i < d->n_actors && !r.why; i++)
        read_actor(&r, &d->actors[i]);
    for (size_t i = 0; i < d->n_channels && !r.why; i++)
        read_channel(&r, &d->channels[i]);
    if (!r.why && r.p != r.end)
        r.why = "bytes after the end";
    if (!r.why && !d->node)
        r.why = "no node named";
    if (r.why)
        goto bad;
    if (collect_troupes(d) < 0)
        goto oom;
    return d;
bad:
    snprintf(err, errlen, "bad telemetry summary: %s", r.why);
    tel_snapshot_destroy(d);
    return NULL;
oom:
    snprintf(err, errlen, "out of memory");
    tel_snapshot_destroy(d);
    return NULL;
}

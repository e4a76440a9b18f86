/* graph_read.c - the small readers every part of the graph loader shares:
 * the first-error-wins message, key checks with suggestions, whole numbers
 * and names.
 */
#include "graph_impl.h"
#include "suggest.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct graph_pos graph_pos_of(const yaml_node_t *n)
{
    struct graph_pos pos = { yaml_doc_line(n), yaml_doc_col(n) };
    return pos;
}

static int vfail(struct graph_ctx *c, struct graph_pos pos, const char *fmt,
                 va_list ap) STEADY_PRINTF(3, 0);

static int vfail(struct graph_ctx *c, struct graph_pos pos, const char *fmt,
                 va_list ap)
{
    if (c->failed)
        return -1;
    c->failed = true;
    if (!c->err || c->errlen == 0)
        return -1;
    int n =
        snprintf(c->err, c->errlen, "%s:%d:%d: ", c->file, pos.line, pos.col);
    if (n >= 0 && (size_t)n < c->errlen)
        vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
    return -1;
}

int graph_fail_pos(struct graph_ctx *c, struct graph_pos pos, const char *fmt,
                   ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(c, pos, fmt, ap);
    va_end(ap);
    return -1;
}

int graph_fail(struct graph_ctx *c, const yaml_node_t *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(c, graph_pos_of(at), fmt, ap);
    va_end(ap);
    return -1;
}

int graph_expect_map(struct graph_ctx *c, const yaml_node_t *n,
                     const char *what)
{
    if (n->type == YAML_MAPPING_NODE)
        return 0;
    return graph_fail(c, n, "%s must be a map, got a %s", what,
                      yaml_doc_kind(n));
}

const char *graph_expect_text(struct graph_ctx *c, const yaml_node_t *n,
                              const char *what)
{
    const char *s = yaml_doc_text(n);
    if (!s)
        graph_fail(c, n, "%s must be a scalar, got a %s", what,
                   yaml_doc_kind(n));
    return s;
}

const char *graph_join_names(char *buf, size_t len, const char *const *names,
                             size_t n)
{
    size_t used = 0;
    if (len == 0)
        return buf;
    buf[0] = '\0';
    if (n == 0)
        snprintf(buf, len, "none");
    for (size_t i = 0; i < n && used < len; i++) {
        int w =
            snprintf(buf + used, len - used, "%s'%s'", i ? ", " : "", names[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    return buf;
}

int graph_cmp_name_ref(const void *pa, const void *pb)
{
    const struct graph_name_ref *a = pa, *b = pb;
    int d = strcmp(a->name, b->name);
    if (d)
        return d;
    return a->index < b->index ? -1 : a->index > b->index;
}

/* The first pair (in file order) whose key repeats an earlier one, and that
 * earlier one; *dup is SIZE_MAX when every key is distinct. */
static int find_duplicate(struct graph_ctx *c, yaml_node_t *map, size_t *dup,
                          size_t *first)
{
    size_t n = yaml_doc_len(map), m = 0;
    struct graph_name_ref *refs;

    *dup = SIZE_MAX;
    if (n < 2)
        return 0;
    refs = malloc(n * sizeof(*refs));
    if (!refs)
        return graph_fail(c, map, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const char *k = yaml_doc_text(yaml_doc_pair_key(&c->doc, map, i));
        if (k)
            refs[m++] = (struct graph_name_ref){ k, i };
    }
    /* Sorting keeps this linear-ish on maps with thousands of actors. */
    qsort(refs, m, sizeof(*refs), graph_cmp_name_ref);
    for (size_t j = 1, run = 0; j < m; j++) {
        if (strcmp(refs[j].name, refs[run].name) != 0) {
            run = j;
            continue;
        }
        if (refs[j].index < *dup) {
            *dup = refs[j].index;
            *first = refs[run].index;
        }
    }
    free(refs);
    return 0;
}

static int unknown_key(struct graph_ctx *c, const yaml_node_t *key,
                       const char *const *known, size_t n_known)
{
    const char *k = yaml_doc_text(key);
    const char *near = suggest_closest(k, known, n_known);
    char list[256];

    if (near)
        return graph_fail(c, key, "unknown key '%s'; did you mean '%s'?", k,
                          near);
    if (strcmp(k, "<<") == 0)
        return graph_fail(c, key,
                          "merge keys ('<<') are not supported; write the "
                          "keys out");
    return graph_fail(c, key, "unknown key '%s'; expected one of %s", k,
                      graph_join_names(list, sizeof(list), known, n_known));
}

int graph_check_keys(struct graph_ctx *c, yaml_node_t *map,
                     const char *dup_what, const char *const *known,
                     size_t n_known)
{
    size_t dup, first = 0;

    if (find_duplicate(c, map, &dup, &first) < 0)
        return -1;
    for (size_t i = 0; i < yaml_doc_len(map); i++) {
        yaml_node_t *key = yaml_doc_pair_key(&c->doc, map, i);
        const char *k = yaml_doc_text(key);
        bool ok = !known;

        if (!k)
            return graph_fail(c, key, "expected a scalar key, got a %s",
                              yaml_doc_kind(key));
        if (i == dup) {
            yaml_node_t *prev = yaml_doc_pair_key(&c->doc, map, first);
            return graph_fail(c, key, "duplicate %s '%s' (first at %d:%d)",
                              dup_what, k, yaml_doc_line(prev),
                              yaml_doc_col(prev));
        }
        for (size_t j = 0; j < n_known && !ok; j++)
            ok = strcmp(k, known[j]) == 0;
        if (!ok)
            return unknown_key(c, key, known, n_known);
    }
    return 0;
}

/* A whole decimal integer, sign allowed, nothing around it. */
int graph_parse_i64(const char *s, int64_t *out)
{
    char *end;

    if (!*s || isspace((unsigned char)*s))
        return -1;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*end || errno)
        return -1;
    *out = v;
    return 0;
}

int graph_read_int(struct graph_ctx *c, const yaml_node_t *n, const char *what,
                   int64_t min, int64_t max, int64_t *out)
{
    const char *s = yaml_doc_text(n);
    int64_t v;

    if (!s)
        return graph_fail(c, n, "%s must be a whole number, got a %s", what,
                          yaml_doc_kind(n));
    if (graph_parse_i64(s, &v) < 0 || v < min || v > max)
        return graph_fail(c, n,
                          "%s must be a whole number from %" PRId64
                          " to %" PRId64 ", got '%s'",
                          what, min, max, s);
    *out = v;
    return 0;
}

bool graph_is_identifier(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
            return false;
    return true;
}

/* ---- words ----------------------------------------------------------- */

/* One of a fixed set of words (an overflow policy, an alert's colour): the
 * closest is suggested, or the whole set listed. */
int graph_read_word(struct graph_ctx *c, const yaml_node_t *n, const char *what,
                    const char *const *words, size_t count, size_t *out)
{
    const char *s = graph_expect_text(c, n, what);
    const char *near;
    char list[256];

    if (!s)
        return -1;
    for (size_t i = 0; i < count; i++) {
        if (strcmp(s, words[i]) == 0) {
            *out = i;
            return 0;
        }
    }
    near = suggest_closest(s, words, count);
    if (near)
        return graph_fail(c, n, "unknown %s '%s'; did you mean '%s'?", what, s,
                          near);
    return graph_fail(c, n, "unknown %s '%s'; expected one of %s", what, s,
                      graph_join_names(list, sizeof(list), words, count));
}

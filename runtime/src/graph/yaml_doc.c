/* yaml_doc.c - reads a YAML file whole (up to 16 MiB), builds a libyaml
 * document from the parser's events (at most 64 levels deep) and reports
 * problems as FILE:LINE:COL messages; plus the node accessors the graph
 * loader uses so that it never indexes libyaml by hand.
 */
#include "yaml_doc.h"

#include <errno.h>
#include <search.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <steady/export.h>
#include <string.h>
#include <strings.h>

static int read_file(const char *file, unsigned char **out, size_t *len,
                     char *err, size_t errlen)
{
    FILE *f = fopen(file, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", file, strerror(errno));
        return -1;
    }
    size_t cap = 4096, n = 0;
    unsigned char *buf = malloc(cap);
    if (!buf)
        goto err_oom;
    for (;;) {
        if (n == cap) {
            /* One byte past the cap tells "too large" from "exactly". */
            size_t bigger_cap = cap * 2 > YAML_DOC_MAX_BYTES + 1
                                    ? YAML_DOC_MAX_BYTES + 1
                                    : cap * 2;
            if (cap == bigger_cap) {
                snprintf(err, errlen,
                         "%s: too large for a graph file (over %u MiB)", file,
                         YAML_DOC_MAX_BYTES >> 20);
                goto err_free_buf;
            }
            unsigned char *bigger = realloc(buf, bigger_cap);
            if (!bigger)
                goto err_oom;
            buf = bigger;
            cap = bigger_cap;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        snprintf(err, errlen, "%s: cannot read: %s", file, strerror(errno));
        goto err_free_buf;
    }
    fclose(f);
    *out = buf;
    *len = n;
    return 0;

err_oom:
    snprintf(err, errlen, "%s: out of memory", file);
err_free_buf:
    free(buf);
    fclose(f);
    return -1;
}

/* libyaml's reader reports bad encodings by byte offset only. */
static void offset_to_pos(const unsigned char *buf, size_t len, size_t offset,
                          int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < offset && i < len; i++) {
        if (buf[i] == '\n') {
            ++*line;
            *col = 1;
        } else {
            ++*col;
        }
    }
}

static void parser_error(const yaml_parser_t *p, const char *file,
                         const unsigned char *buf, size_t len, char *err,
                         size_t errlen)
{
    int line, col;
    if (p->error == YAML_MEMORY_ERROR) {
        snprintf(err, errlen, "%s: out of memory", file);
        return;
    }
    if (p->error == YAML_READER_ERROR) {
        offset_to_pos(buf, len, p->problem_offset, &line, &col);
        snprintf(err, errlen, "%s:%d:%d: bad YAML: %s", file, line, col,
                 p->problem ? p->problem : "unreadable input");
        return;
    }
    line = (int)p->problem_mark.line + 1;
    col = (int)p->problem_mark.column + 1;
    if (p->context)
        snprintf(err, errlen, "%s:%d:%d: bad YAML: %s (%s at %d:%d)", file,
                 line, col, p->problem ? p->problem : "syntax error",
                 p->context, (int)p->context_mark.line + 1,
                 (int)p->context_mark.column + 1);
    else
        snprintf(err, errlen, "%s:%d:%d: bad YAML: %s", file, line, col,
                 p->problem ? p->problem : "syntax error");
}

/* ---- composing the document from parser events ----------------------
 *
 * libyaml's own yaml_parser_load() parses the whole file before anything
 * can look at it, and two of its costs grow with the square of the input:
 * the scanner's work per token grows with the flow nesting depth (160 KB of
 * '[' took 38 s), and every anchor and alias is looked up by a linear search
 * through all anchors so far. Building the document here from the parser's
 * events lets us stop reading at the nesting bound, while libyaml has only
 * scanned a little past it, and keep anchors in a balanced tree. The nodes
 * are made with libyaml's document API, so the result is the same
 * yaml_document_t.
 */

struct anchor {
    char *name;
    int node;
    yaml_mark_t mark;
};

struct frame {
    int node;
    bool is_map;
    int key; /* a map's key waiting for its value, or 0 */
};

struct composer {
    yaml_parser_t parser;
    struct yaml_doc *d;
    const char *file;
    char *err;
    size_t errlen;
    void *anchors; /* tsearch tree of struct anchor */
    struct frame stack[YAML_DOC_MAX_DEPTH];
    size_t depth;
};

static int cmp_anchor(const void *a, const void *b)
{
    return strcmp(((const struct anchor *)a)->name,
                  ((const struct anchor *)b)->name);
}

static void free_anchor(void *p)
{
    struct anchor *a = p;
    free(a->name);
    free(a);
}

static int fail_at(struct composer *c, yaml_mark_t mark, const char *fmt, ...)
    STEADY_PRINTF(3, 4);

static int fail_at(struct composer *c, yaml_mark_t mark, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(c->err, c->errlen, "%s:%d:%d: ", c->file,
                     (int)mark.line + 1, (int)mark.column + 1);

    if (n >= 0 && (size_t)n < c->errlen) {
        va_start(ap, fmt);
        vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int out_of_memory(struct composer *c)
{
    snprintf(c->err, c->errlen, "%s: out of memory", c->file);
    return -1;
}

static int add_anchor(struct composer *c, const char *name, int node,
                      yaml_mark_t mark)
{
    struct anchor *a, **slot;

    if (!name)
        return 0;
    a = malloc(sizeof(*a));
    if (!a || !(a->name = strdup(name))) {
        free(a);
        return out_of_memory(c);
    }
    a->node = node;
    a->mark = mark;
    slot = tsearch(a, &c->anchors, cmp_anchor);
    if (!slot) {
        free_anchor(a);
        return out_of_memory(c);
    }
    if (*slot != a) {
        free_anchor(a);
        /* YAML 1.1, which libyaml reads, does not allow redefining one. */
        return fail_at(c, mark,
                       "bad YAML: anchor '&%s' is defined twice "
                       "(first at %d:%d)",
                       name, (int)(*slot)->mark.line + 1,
                       (int)(*slot)->mark.column + 1);
    }
    return 0;
}

/* Hangs node `id` under the collection being read, or leaves it as the
 * root (the document's first node) at depth 0. */
static int attach(struct composer *c, int id)
{
    struct frame *f;
    int ok;

    if (c->depth == 0)
        return 0;
    f = &c->stack[c->depth - 1];
    if (!f->is_map) {
        ok = yaml_document_append_sequence_item(&c->d->doc, f->node, id);
    } else if (!f->key) {
        f->key = id;
        ok = 1;
    } else {
        ok = yaml_document_append_mapping_pair(&c->d->doc, f->node, f->key, id);
        f->key = 0;
    }
    return ok ? 0 : out_of_memory(c);
}

/* An explicit tag, or NULL for the default one ("!" means the default). */
static const yaml_char_t *tag_or_default(const yaml_char_t *tag)
{
    return tag && strcmp((const char *)tag, "!") != 0 ? tag : NULL;
}

static int on_scalar(struct composer *c, const yaml_event_t *e)
{
    const yaml_char_t *value = e->data.scalar.value;
    size_t length = e->data.scalar.length;
    int id;

    /* A NUL inside a scalar would silently cut the text short everywhere
     * else. */
    if (strlen((const char *)value) != length)
        return fail_at(c, e->start_mark, "text contains a NUL character");
    id = yaml_document_add_scalar(
        &c->d->doc, (yaml_char_t *)tag_or_default(e->data.scalar.tag),
        (yaml_char_t *)value, (int)length, e->data.scalar.style);
    if (!id)
        return out_of_memory(c);
    yaml_document_get_node(&c->d->doc, id)->start_mark = e->start_mark;
    yaml_document_get_node(&c->d->doc, id)->end_mark = e->end_mark;
    if (add_anchor(c, (const char *)e->data.scalar.anchor, id, e->start_mark) <
        0)
        return -1;
    return attach(c, id);
}

static int on_collection_start(struct composer *c, const yaml_event_t *e)
{
    bool is_map = e->type == YAML_MAPPING_START_EVENT;
    const yaml_char_t *anchor, *tag;
    int id;

    /* Stop here: the scanner has read little past this point yet. */
    if (c->depth == YAML_DOC_MAX_DEPTH)
        return fail_at(c, e->start_mark,
                       "nesting deeper than %d levels of lists and maps",
                       YAML_DOC_MAX_DEPTH);
    if (is_map) {
        anchor = e->data.mapping_start.anchor;
        tag = tag_or_default(e->data.mapping_start.tag);
        id = yaml_document_add_mapping(&c->d->doc, (yaml_char_t *)tag,
                                       e->data.mapping_start.style);
    } else {
        anchor = e->data.sequence_start.anchor;
        tag = tag_or_default(e->data.sequence_start.tag);
        id = yaml_document_add_sequence(&c->d->doc, (yaml_char_t *)tag,
                                        e->data.sequence_start.style);
    }
    if (!id)
        return out_of_memory(c);
    yaml_document_get_node(&c->d->doc, id)->start_mark = e->start_mark;
    /* Registered before the items, as libyaml does: "&a [*a]" refers to
     * itself, which the graph loader never walks into. */
    if (add_anchor(c, (const char *)anchor, id, e->start_mark) < 0 ||
        attach(c, id) < 0)
        return -1;
    c->stack[c->depth++] = (struct frame){ id, is_map, 0 };
    return 0;
}

static int on_alias(struct composer *c, const yaml_event_t *e)
{
    struct anchor key = { (char *)e->data.alias.anchor, 0, { 0, 0, 0 } };
    struct anchor **hit = tfind(&key, &c->anchors, cmp_anchor);

    if (!hit)
        return fail_at(c, e->start_mark, "bad YAML: undefined alias '*%s'",
                       (const char *)e->data.alias.anchor);
    return attach(c, (*hit)->node);
}

/* Handles one event; sets *done at the end of the stream. */
static int on_event(struct composer *c, const yaml_event_t *e, bool *done)
{
    switch (e->type) {
    case YAML_DOCUMENT_START_EVENT:
        /* A second document would be silently ignored: refuse it. */
        if (c->d->loaded)
            return fail_at(c, e->start_mark,
                           "a graph file holds one YAML document; a second "
                           "one starts here");
        if (!yaml_document_initialize(&c->d->doc, NULL, NULL, NULL, 1, 1))
            return out_of_memory(c);
        c->d->loaded = true;
        c->d->doc.start_mark = e->start_mark;
        return 0;
    case YAML_DOCUMENT_END_EVENT:
        c->d->doc.end_mark = e->end_mark;
        return 0;
    case YAML_SCALAR_EVENT:
        return on_scalar(c, e);
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        return on_collection_start(c, e);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        c->depth--;
        yaml_document_get_node(&c->d->doc, c->stack[c->depth].node)->end_mark =
            e->end_mark;
        return 0;
    case YAML_ALIAS_EVENT:
        return on_alias(c, e);
    case YAML_STREAM_END_EVENT:
        *done = true;
        return 0;
    default:
        return 0;
    }
}

int yaml_doc_load(struct yaml_doc *d, const char *file, char *err,
                  size_t errlen)
{
    struct composer c = { .d = d, .file = file, .err = err, .errlen = errlen };
    unsigned char *buf;
    size_t len;
    bool done = false;
    int rc = -1;

    memset(d, 0, sizeof(*d));
    if (read_file(file, &buf, &len, err, errlen) < 0)
        return -1;
    if (!yaml_parser_initialize(&c.parser)) {
        snprintf(err, errlen, "%s: out of memory", file);
        goto out_free_buf;
    }
    yaml_parser_set_input_string(&c.parser, buf, len);
    while (!done) {
        yaml_event_t e;
        if (!yaml_parser_parse(&c.parser, &e)) {
            parser_error(&c.parser, file, buf, len, err, errlen);
            goto out_delete_parser;
        }
        int r = on_event(&c, &e, &done);
        yaml_event_delete(&e);
        if (r < 0)
            goto out_delete_parser;
    }
    rc = 0;
out_delete_parser:
    yaml_parser_delete(&c.parser);
    tdestroy(c.anchors, free_anchor);
    if (rc < 0)
        yaml_doc_fini(d);
out_free_buf:
    free(buf);
    return rc;
}

void yaml_doc_fini(struct yaml_doc *d)
{
    if (d->loaded)
        yaml_document_delete(&d->doc);
    d->loaded = false;
}

yaml_node_t *yaml_doc_root(struct yaml_doc *d)
{
    return d->loaded ? yaml_document_get_root_node(&d->doc) : NULL;
}

yaml_node_t *yaml_doc_node(struct yaml_doc *d, int index)
{
    return yaml_document_get_node(&d->doc, index);
}

int yaml_doc_line(const yaml_node_t *n)
{
    return (int)n->start_mark.line + 1;
}

int yaml_doc_col(const yaml_node_t *n)
{
    return (int)n->start_mark.column + 1;
}

const char *yaml_doc_kind(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_MAPPING_NODE:
        return "map";
    case YAML_SEQUENCE_NODE:
        return "list";
    default:
        return "scalar";
    }
}

const char *yaml_doc_text(const yaml_node_t *n)
{
    if (n->type != YAML_SCALAR_NODE)
        return NULL;
    return (const char *)n->data.scalar.value;
}

bool yaml_doc_is_null(const yaml_node_t *n)
{
    if (n->type != YAML_SCALAR_NODE ||
        n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *s = yaml_doc_text(n);
    return s[0] == '\0' || strcmp(s, "~") == 0 || strcasecmp(s, "null") == 0;
}

size_t yaml_doc_len(const yaml_node_t *n)
{
    if (n->type == YAML_MAPPING_NODE)
        return (size_t)(n->data.mapping.pairs.top -
                        n->data.mapping.pairs.start);
    if (n->type == YAML_SEQUENCE_NODE)
        return (size_t)(n->data.sequence.items.top -
                        n->data.sequence.items.start);
    return 0;
}

yaml_node_t *yaml_doc_pair_key(struct yaml_doc *d, const yaml_node_t *map,
                               size_t i)
{
    return yaml_doc_node(d, map->data.mapping.pairs.start[i].key);
}

yaml_node_t *yaml_doc_pair_value(struct yaml_doc *d, const yaml_node_t *map,
                                 size_t i)
{
    return yaml_doc_node(d, map->data.mapping.pairs.start[i].value);
}

yaml_node_t *yaml_doc_item(struct yaml_doc *d, const yaml_node_t *list,
                           size_t i)
{
    return yaml_doc_node(d, list->data.sequence.items.start[i]);
}

/* Index of the first pair whose key is `key`, or SIZE_MAX. */
static size_t find_pair(struct yaml_doc *d, const yaml_node_t *map,
                        const char *key)
{
    if (map->type != YAML_MAPPING_NODE)
        return SIZE_MAX;
    for (size_t i = 0; i < yaml_doc_len(map); i++) {
        const char *k = yaml_doc_text(yaml_doc_pair_key(d, map, i));
        if (k && strcmp(k, key) == 0)
            return i;
    }
    return SIZE_MAX;
}

yaml_node_t *yaml_doc_get(struct yaml_doc *d, const yaml_node_t *map,
                          const char *key)
{
    size_t i = find_pair(d, map, key);
    return i == SIZE_MAX ? NULL : yaml_doc_pair_value(d, map, i);
}

yaml_node_t *yaml_doc_get_key(struct yaml_doc *d, const yaml_node_t *map,
                              const char *key)
{
    size_t i = find_pair(d, map, key);
    return i == SIZE_MAX ? NULL : yaml_doc_pair_key(d, map, i);
}

int yaml_doc_sub_col(const yaml_node_t *n, const char *sub)
{
    const char *text = yaml_doc_text(n);
    int col = yaml_doc_col(n);
    if (!text || sub < text || sub > text + n->data.scalar.length ||
        n->start_mark.line != n->end_mark.line)
        return col;
    size_t written = n->end_mark.column - n->start_mark.column;
    size_t len = n->data.scalar.length;
    size_t quotes;
    if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
        quotes = 0;
    else if (n->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
             n->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE)
        quotes = 1;
    else
        return col;
    /* Escapes or multi-byte characters change the width: stay at the start. */
    if (written != len + 2 * quotes)
        return col;
    return col + (int)quotes + (int)(sub - text);
}

/* yaml_doc.c - reads a YAML file whole, parses it into a libyaml document
 * and reports libyaml's problems as FILE:LINE:COL messages; plus the node
 * accessors the graph loader uses so that it never indexes libyaml by hand.
 */
#include "yaml_doc.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A graph file is a page of text; anything far bigger is a mistake. */
#define MAX_FILE_BYTES (16u << 20)

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
            if (cap >= MAX_FILE_BYTES) {
                snprintf(err, errlen,
                         "%s: too large for a graph file (over %u MiB)", file,
                         MAX_FILE_BYTES >> 20);
                goto err_free_buf;
            }
            unsigned char *bigger = realloc(buf, cap * 2);
            if (!bigger)
                goto err_oom;
            buf = bigger;
            cap *= 2;
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

/* A NUL inside a scalar would silently cut the text short everywhere else. */
static int check_nul(struct yaml_doc *d, const char *file, char *err,
                     size_t errlen)
{
    for (yaml_node_t *n = d->doc.nodes.start; n < d->doc.nodes.top; n++) {
        if (n->type != YAML_SCALAR_NODE)
            continue;
        if (strlen((const char *)n->data.scalar.value) !=
            n->data.scalar.length) {
            snprintf(err, errlen, "%s:%d:%d: text contains a NUL character",
                     file, yaml_doc_line(n), yaml_doc_col(n));
            return -1;
        }
    }
    return 0;
}

int yaml_doc_load(struct yaml_doc *d, const char *file, char *err,
                  size_t errlen)
{
    yaml_parser_t parser;
    yaml_document_t extra;
    unsigned char *buf;
    size_t len;

    memset(d, 0, sizeof(*d));
    if (read_file(file, &buf, &len, err, errlen) < 0)
        return -1;
    if (!yaml_parser_initialize(&parser)) {
        snprintf(err, errlen, "%s: out of memory", file);
        goto err_free_buf;
    }
    yaml_parser_set_input_string(&parser, buf, len);
    if (!yaml_parser_load(&parser, &d->doc)) {
        parser_error(&parser, file, buf, len, err, errlen);
        goto err_delete_parser;
    }
    d->loaded = true;
    /* A second document would be silently ignored: refuse it, and let the
     * parser report any syntax error after the first. */
    if (!yaml_parser_load(&parser, &extra)) {
        parser_error(&parser, file, buf, len, err, errlen);
        goto err_delete_parser;
    }
    if (yaml_document_get_root_node(&extra)) {
        snprintf(err, errlen,
                 "%s:%d:%d: a graph file holds one YAML document; a second "
                 "one starts here",
                 file, (int)extra.start_mark.line + 1,
                 (int)extra.start_mark.column + 1);
        yaml_document_delete(&extra);
        goto err_delete_parser;
    }
    yaml_document_delete(&extra);
    if (check_nul(d, file, err, errlen) < 0)
        goto err_delete_parser;
    yaml_parser_delete(&parser);
    free(buf);
    return 0;

err_delete_parser:
    yaml_parser_delete(&parser);
    yaml_doc_fini(d);
err_free_buf:
    free(buf);
    return -1;
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

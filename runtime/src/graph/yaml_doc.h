/* yaml_doc.h - a YAML file loaded whole with libyaml's document API, and the
 * small node helpers the graph loader walks it with. Positions are 1-based.
 * Private to libsteady.
 */
#ifndef STEADY_YAML_DOC_H
#define STEADY_YAML_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

struct yaml_doc {
    yaml_document_t doc;
    bool loaded; /* doc holds a document to delete */
};

/* Bounds that keep loading any file fast: a graph file is a page of text
 * nested a few levels deep, so anything far beyond is a mistake or an attack
 * (libyaml's scanner slows down with the square of the flow nesting). */
#define YAML_DOC_MAX_BYTES (16u << 20) /* 16 MiB */
#define YAML_DOC_MAX_DEPTH 64          /* lists and maps inside each other */

/* Reads `file` and parses exactly one YAML document from it. Returns 0, or -1
 * with one message in err: "FILE: cannot open: ...", "FILE: too large for a
 * graph file (over 16 MiB)", or "FILE:LINE:COL: " and "bad YAML: ...",
 * "nesting deeper than 64 levels of lists and maps", "text contains a NUL
 * character" or "a graph file holds one YAML document; ...". Reading stops
 * at the first problem. An empty file loads as a document with no root
 * node. After a success the caller calls yaml_doc_fini; a failure leaves
 * nothing to free. */
int yaml_doc_load(struct yaml_doc *d, const char *file, char *err,
                  size_t errlen);
void yaml_doc_fini(struct yaml_doc *d);

/* NULL for an empty document. */
yaml_node_t *yaml_doc_root(struct yaml_doc *d);

/* The node at a libyaml index (as found in maps and lists). */
yaml_node_t *yaml_doc_node(struct yaml_doc *d, int index);

/* 1-based position of a node's first character. */
int yaml_doc_line(const yaml_node_t *n);
int yaml_doc_col(const yaml_node_t *n);

/* "map", "list" or "scalar", for "expected a map, got a list". */
const char *yaml_doc_kind(const yaml_node_t *n);

/* The text of a scalar node, or NULL for a map or list. */
const char *yaml_doc_text(const yaml_node_t *n);

/* True for an empty plain scalar, `~` or `null`: a key written with no value,
 * which optional sections treat as absent. */
bool yaml_doc_is_null(const yaml_node_t *n);

/* Number of pairs of a map or items of a list; 0 for a scalar. */
size_t yaml_doc_len(const yaml_node_t *n);

/* Pair i of a map: its key and value nodes. */
yaml_node_t *yaml_doc_pair_key(struct yaml_doc *d, const yaml_node_t *map,
                               size_t i);
yaml_node_t *yaml_doc_pair_value(struct yaml_doc *d, const yaml_node_t *map,
                                 size_t i);

/* Item i of a list. */
yaml_node_t *yaml_doc_item(struct yaml_doc *d, const yaml_node_t *list,
                           size_t i);

/* The value under scalar key `key` in a map (the first, if repeated), or
 * NULL when the key is absent or `map` is not a map. */
yaml_node_t *yaml_doc_get(struct yaml_doc *d, const yaml_node_t *map,
                          const char *key);

/* The key node of `key` in a map, or NULL (for pointing at "args:"). */
yaml_node_t *yaml_doc_get_key(struct yaml_doc *d, const yaml_node_t *map,
                              const char *key);

/* Byte offset of `sub` inside the text of scalar `n`, mapped to the column
 * where it is written: exact for a scalar written on one line without
 * escapes, else the scalar's own column. */
int yaml_doc_sub_col(const yaml_node_t *n, const char *sub);

#endif

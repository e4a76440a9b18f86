/* suggest.h - "did you mean ...?" for names a user mistyped: plugins,
 * ports, params, graph keys. Private to libsteady.
 */
#ifndef STEADY_SUGGEST_H
#define STEADY_SUGGEST_H

#include <stddef.h>

/* Levenshtein distance between a and b (insertions, deletions and
 * substitutions, byte-wise, case-sensitive). SIZE_MAX if out of memory. */
size_t suggest_distance(const char *a, const char *b);

/* The candidate closest to word, or NULL when none is close enough: within
 * 2 edits, or a third of word's length for longer words, and fewer edits
 * than word has bytes (so "x" never suggests "in"). Ties go to the earlier
 * candidate; NULL entries are skipped. The result points into candidates. */
const char *suggest_closest(const char *word, const char *const *candidates,
                            size_t n);

#endif

/* suggest.h - "did you mean ...?" for names a user mistyped: plugins,
 * ports, params, graph keys. Private to libsteady.
 */
#ifndef STEADY_SUGGEST_H
#define STEADY_SUGGEST_H

#include <stddef.h>

/* Levenshtein distance between a and b (insertions, deletions and
 * substitutions, byte-wise, case-sensitive). SIZE_MAX if out of memory. */
size_t suggest_distance(const char *a, const char *b);

/* Names longer than this are never compared: nobody mistypes a name that
 * long, and the comparison would cost its length squared per candidate. */
#define SUGGEST_MAX_LEN 64

/* Levenshtein distance between a and b when it is at most max, else max + 1
 * (also when either is longer than SUGGEST_MAX_LEN bytes). Works only in a
 * band of width 2 * max + 1 and stops as soon as no cell in a row is within
 * max, without allocating: at most SUGGEST_MAX_LEN * (2 * max + 1) steps. */
size_t suggest_distance_within(const char *a, const char *b, size_t max);

/* The candidate closest to word, or NULL when none is close enough: within
 * 2 edits, or a third of word's length for longer words, and fewer edits
 * than word has bytes (so "x" never suggests "in"). Ties go to the earlier
 * candidate; NULL entries are skipped. A word or candidate longer than
 * SUGGEST_MAX_LEN bytes is not compared, and candidates whose length differs
 * too much are skipped unread, so the whole search costs at most n *
 * SUGGEST_MAX_LEN * 43 steps. The result points into candidates. */
const char *suggest_closest(const char *word, const char *const *candidates,
                            size_t n);

#endif

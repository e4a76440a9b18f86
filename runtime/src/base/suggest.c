/* suggest.c - edit distance and the closest-name lookup behind every
 * "did you mean ...?" in steady's messages.
 */
#include "suggest.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

size_t suggest_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t *row;

    /* One row of the DP table, over the shorter string. */
    if (la < lb) {
        const char *t = a;
        a = b;
        b = t;
        la = lb;
        lb = strlen(b);
    }
    row = malloc((lb + 1) * sizeof(*row));
    if (!row)
        return SIZE_MAX;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0]; /* row[i-1][j-1] */
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j]; /* row[i-1][j] */
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            diag = up;
            row[j] = best;
        }
    }
    size_t d = row[lb];
    free(row);
    return d;
}

size_t suggest_distance_within(const char *a, const char *b, size_t max)
{
    size_t la = strnlen(a, SUGGEST_MAX_LEN + 1);
    size_t lb = strnlen(b, SUGGEST_MAX_LEN + 1);
    size_t row[SUGGEST_MAX_LEN + 1];
    const size_t far = max + 1; /* stands for "more than max" */

    if (la > SUGGEST_MAX_LEN || lb > SUGGEST_MAX_LEN ||
        (la > lb ? la - lb : lb - la) > max)
        return far;
    /* Cells with |i - j| > max are more than max edits apart: only the band
     * around the diagonal is computed, the rest stands at `far`. */
    for (size_t j = 0; j <= lb; j++)
        row[j] = j < far ? j : far;
    for (size_t i = 1; i <= la; i++) {
        size_t lo = i > max ? i - max : 1;
        size_t hi = i + max < lb ? i + max : lb;
        size_t diag = row[lo - 1];                  /* row[i-1][lo-1] */
        size_t left = lo == 1 && i < far ? i : far; /* row[i][lo-1] */
        size_t row_min = left;

        row[lo - 1] = left;
        for (size_t j = lo; j <= hi; j++) {
            size_t up = row[j]; /* row[i-1][j] */
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (left + 1 < best)
                best = left + 1;
            if (best > far)
                best = far;
            diag = up;
            row[j] = left = best;
            if (best < row_min)
                row_min = best;
        }
        if (hi < lb)
            row[hi + 1] = far; /* outside this row's band */
        if (row_min >= far)
            return far;
    }
    return row[lb] < far ? row[lb] : far;
}

const char *suggest_closest(const char *word, const char *const *candidates,
                            size_t n)
{
    size_t len = strnlen(word, SUGGEST_MAX_LEN + 1);
    size_t limit = len / 3 > 2 ? len / 3 : 2;
    const char *best = NULL;

    if (len > SUGGEST_MAX_LEN)
        return NULL;
    /* A suggestion that rewrites the whole word is noise, not help. */
    if (limit >= len)
        limit = len ? len - 1 : 0;
    for (size_t i = 0; i < n; i++) {
        if (!candidates[i])
            continue;
        /* Only a strictly closer candidate can win, so the band narrows as
         * the search finds better ones. */
        size_t d = suggest_distance_within(word, candidates[i], limit);
        if (d <= limit) {
            best = candidates[i];
            if (d == 0)
                break;
            limit = d - 1;
        }
    }
    return best;
}

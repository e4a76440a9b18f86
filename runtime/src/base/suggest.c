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

const char *suggest_closest(const char *word, const char *const *candidates,
                            size_t n)
{
    size_t len = strlen(word);
    size_t limit = len / 3 > 2 ? len / 3 : 2;
    const char *best = NULL;
    size_t best_d = SIZE_MAX;

    /* A suggestion that rewrites the whole word is noise, not help. */
    if (limit >= len)
        limit = len ? len - 1 : 0;
    for (size_t i = 0; i < n; i++) {
        if (!candidates[i])
            continue;
        size_t d = suggest_distance(word, candidates[i]);
        if (d <= limit && d < best_d) {
            best = candidates[i];
            best_d = d;
        }
    }
    return best;
}

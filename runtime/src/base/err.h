/* err.h - the one-line error message an action leaves in its caller's
 * buffer (err.c). */
#ifndef STEADY_ERR_H
#define STEADY_ERR_H

#include <stddef.h>
#include <steady/export.h>

/* Formats a message into err (errlen bytes, truncated to fit); err may be
 * NULL or errlen 0, and then nothing is written. */
void err_set(char *err, size_t errlen, const char *fmt, ...)
    STEADY_PRINTF(3, 4);

#endif

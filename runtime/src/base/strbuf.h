/* strbuf.h - a growable text buffer for the telemetry renderers (DOT,
 * Prometheus text, HTTP bodies). An allocation failure is sticky: later
 * appends do nothing and strbuf_failed() says so once at the end.
 */
#ifndef STEADY_STRBUF_H
#define STEADY_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf {
    char *data; /* NUL-terminated when len > 0; owned */
    size_t len;
    size_t cap;
    bool failed; /* an allocation failed; the text is incomplete */
};

/* An empty buffer needs no init beyond zeroing: struct strbuf b = { 0 }. */
void strbuf_fini(struct strbuf *b);
/* Empties the buffer, keeping its memory. */
void strbuf_reset(struct strbuf *b);
void strbuf_append(struct strbuf *b, const char *text, size_t len);
void strbuf_puts(struct strbuf *b, const char *text);
__attribute__((format(printf, 2, 3))) void strbuf_printf(struct strbuf *b,
                                                         const char *fmt, ...);
/* Hands the text over to the caller (free() it) and empties the buffer.
 * Never NULL unless the buffer failed; an empty text is "". */
char *strbuf_take(struct strbuf *b, size_t *len);
bool strbuf_failed(const struct strbuf *b);

#endif

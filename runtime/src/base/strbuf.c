/* strbuf.c - a growable text buffer with a sticky allocation failure, so
 * renderers can append freely and check once at the end.
 */
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void strbuf_fini(struct strbuf *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}

void strbuf_reset(struct strbuf *b)
{
    b->len = 0;
    b->failed = false;
    if (b->data)
        b->data[0] = '\0';
}

/* Makes room for `more` bytes plus the terminator. */
static bool reserve(struct strbuf *b, size_t more)
{
    size_t want;
    char *p;

    if (b->failed)
        return false;
    if (b->len + more + 1 <= b->cap)
        return true;
    want = b->cap ? b->cap : 256;
    while (want < b->len + more + 1)
        want *= 2;
    p = realloc(b->data, want);
    if (!p) {
        b->failed = true;
        return false;
    }
    b->data = p;
    b->cap = want;
    return true;
}

void strbuf_append(struct strbuf *b, const char *text, size_t len)
{
    if (!reserve(b, len))
        return;
    memcpy(b->data + b->len, text, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void strbuf_puts(struct strbuf *b, const char *text)
{
    strbuf_append(b, text, strlen(text));
}

void strbuf_printf(struct strbuf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !reserve(b, (size_t)n)) {
        b->failed = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

char *strbuf_take(struct strbuf *b, size_t *len)
{
    char *text;

    if (b->failed) {
        strbuf_fini(b);
        return NULL;
    }
    if (!reserve(b, 0)) {
        strbuf_fini(b);
        return NULL;
    }
    b->data[b->len] = '\0'; /* a fresh buffer was never terminated */
    text = b->data;
    if (len)
        *len = b->len;
    memset(b, 0, sizeof(*b));
    return text;
}

bool strbuf_failed(const struct strbuf *b)
{
    return b->failed;
}

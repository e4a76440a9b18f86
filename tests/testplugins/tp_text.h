/* tp_text.h - the text messages tp_textsrc sends and tp_textsink checks:
 * message i is "<i>:" followed by a body whose length and bytes follow
 * from i, so the sink can check each message on its own (also when a
 * dropping channel left gaps). */
#ifndef TP_TEXT_H
#define TP_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Length of the body of message i: 0 to max_body, spread out. */
static inline size_t tp_text_body(uint64_t i, size_t max_body)
{
    return (size_t)((i * 7919u + i / 7) % (max_body + 1));
}

static inline char tp_text_byte(uint64_t i, size_t j)
{
    return (char)('a' + (i + j) % 26);
}

/* Writes message i into buf (at least len bytes, see tp_text_len). */
static inline size_t tp_text_len(uint64_t i, size_t max_body)
{
    return (size_t)snprintf(NULL, 0, "%llu:", (unsigned long long)i) +
           tp_text_body(i, max_body);
}

static inline void tp_text_write(char *buf, uint64_t i, size_t max_body)
{
    char head[24];
    size_t n =
        (size_t)snprintf(head, sizeof(head), "%llu:", (unsigned long long)i);
    size_t body = tp_text_body(i, max_body);

    for (size_t j = 0; j < n; j++)
        buf[j] = head[j];
    for (size_t j = 0; j < body; j++)
        buf[n + j] = tp_text_byte(i, j);
}

/* Checks a message: its number into *i; 0, or -1 when it is not one that
 * tp_text_write wrote. */
static inline int tp_text_check(const char *msg, size_t len, size_t max_body,
                                uint64_t *i)
{
    uint64_t v = 0;
    size_t n = 0, body;

    while (n < len && n < 20 && msg[n] >= '0' && msg[n] <= '9')
        v = v * 10 + (uint64_t)(msg[n++] - '0');
    if (n == 0 || n >= len || msg[n] != ':')
        return -1;
    n++;
    body = tp_text_body(v, max_body);
    if (len != n + body)
        return -1;
    for (size_t j = 0; j < body; j++)
        if (msg[n + j] != tp_text_byte(v, j))
            return -1;
    *i = v;
    return 0;
}

#endif

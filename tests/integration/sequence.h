/* sequence.h - the standard pipeline's promise, checked from the host's
 * output: the logger printed exactly fizzbuzz(0..N-1), N being what the
 * generator reports it sent. Include after cmocka.h. */
#ifndef STEADY_TEST_SEQUENCE_H
#define STEADY_TEST_SEQUENCE_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static inline void fizzbuzz_text(unsigned long long v, char *buf, size_t len)
{
    if (v % 15 == 0)
        snprintf(buf, len, "Msg FizzBuzz");
    else if (v % 3 == 0)
        snprintf(buf, len, "Msg Fizz");
    else if (v % 5 == 0)
        snprintf(buf, len, "Msg Buzz");
    else
        snprintf(buf, len, "Msg Value(%llu)", v);
}

/* Where tag starts in line[0..len), or NULL. */
static inline const char *find_in_line(const char *line, size_t len,
                                       const char *tag)
{
    size_t n = strlen(tag);

    for (size_t k = 0; k + n <= len; k++) {
        if (memcmp(line + k, tag, n) == 0)
            return line + k;
    }
    return NULL;
}

/* Checks that the logger's lines are exactly fizzbuzz(0..N-1), N being what
 * the generator reports it sent. Returns N. Walks the output once, line by
 * line: a strstr over the rest of a megabytes-long output per message is
 * quadratic under the sanitizers, whose strstr measures its whole input. */
static inline unsigned long long assert_exact_sequence(const char *out)
{
    unsigned long long n = 0, i = 0;
    bool have_sent = false;

    for (const char *p = out; *p;) {
        const char *eol = p, *at;
        char want[64];
        size_t len;

        while (*eol && *eol != '\n')
            eol++;
        len = (size_t)(eol - p);
        at = find_in_line(p, len, "[generator] sent ");
        if (at && !have_sent)
            have_sent = sscanf(at, "[generator] sent %llu", &n) == 1;
        at = find_in_line(p, len, "[logger] Msg ");
        if (at) {
            const char *msg = at + strlen("[logger] ");
            size_t mlen = (size_t)(eol - msg);

            fizzbuzz_text(i, want, sizeof(want));
            if (mlen != strlen(want) || strncmp(msg, want, mlen) != 0)
                fail_msg("message %llu is '%.*s', expected '%s'", i, (int)mlen,
                         msg, want);
            i++;
        }
        p = *eol ? eol + 1 : eol;
    }
    if (!have_sent)
        fail_msg("no '[generator] sent N' line in the output");
    assert_int_equal(i, n);
    return n;
}

#endif

/* sequence.h - the standard pipeline's promise, checked from the host's
 * output: the logger printed exactly fizzbuzz(0..N-1), N being what the
 * generator reports it sent. Include after cmocka.h. */
#ifndef STEADY_TEST_SEQUENCE_H
#define STEADY_TEST_SEQUENCE_H

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

/* Checks that the logger's lines are exactly fizzbuzz(0..N-1), N being what
 * the generator reports it sent. Returns N. */
static inline unsigned long long assert_exact_sequence(const char *out)
{
    const char *sent = strstr(out, "[generator] sent ");
    unsigned long long n = 0, i = 0;
    const char *p = out;

    assert_non_null(sent);
    assert_int_equal(sscanf(sent, "[generator] sent %llu", &n), 1);
    while ((p = strstr(p, "[logger] Msg "))) {
        char want[64];
        const char *msg = p + strlen("[logger] ");
        size_t len = strcspn(msg, "\n");

        fizzbuzz_text(i, want, sizeof(want));
        if (len != strlen(want) || strncmp(msg, want, len) != 0) {
            fail_msg("message %llu is '%.*s', expected '%s'", i, (int)len, msg,
                     want);
        }
        i++;
        p = msg + len;
    }
    assert_int_equal(i, n);
    return n;
}

#endif

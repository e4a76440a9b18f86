/* tel_format.c - numbers for people (see tel_format.h). Each rule rounds
 * with floor(x + 0.5) on doubles and prints integers, exactly as
 * dashboard.js does, so that both give the same text for the same value
 * (printf's "%.1f" and JavaScript's toFixed round ties differently).
 */
#include "tel_format.h"

#include <math.h>
#include <stdio.h>

void tel_fmt_count(struct strbuf *b, uint64_t n)
{
    char digits[24];
    int len = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)n);

    for (int i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            strbuf_append(b, ",", 1);
        strbuf_append(b, &digits[i], 1);
    }
}

void tel_fmt_num(struct strbuf *b, double v)
{
    double tenths;

    if (!isfinite(v) || v < 0)
        v = 0;
    tenths = floor(v * 10 + 0.5);
    if (tenths < 100) {
        uint64_t t = (uint64_t)tenths;

        strbuf_printf(b, "%llu.%llu", (unsigned long long)(t / 10),
                      (unsigned long long)(t % 10));
        return;
    }
    if (v >= 1e19)
        v = 1e19 - 1;
    tel_fmt_count(b, (uint64_t)floor(v + 0.5));
}

/* x with two decimals, rounded half up. */
static void put_hundredths(struct strbuf *b, double x)
{
    uint64_t h = (uint64_t)floor(x * 100 + 0.5);

    strbuf_printf(b, "%llu.%02llu", (unsigned long long)(h / 100),
                  (unsigned long long)(h % 100));
}

void tel_fmt_latency(struct strbuf *b, double ms)
{
    if (isinf(ms) && ms > 0) {
        strbuf_puts(b, "stalled");
        return;
    }
    if (!isfinite(ms) || ms < 0)
        ms = 0;
    if (ms >= 1e15)
        ms = 1e15;
    if (ms >= 1000) {
        put_hundredths(b, ms / 1000);
        strbuf_puts(b, " s");
    } else if (ms >= 10) {
        strbuf_printf(b, "%llu ms", (unsigned long long)floor(ms + 0.5));
    } else {
        put_hundredths(b, ms);
        strbuf_puts(b, " ms");
    }
}

void tel_fmt_bytes(struct strbuf *b, double n)
{
    static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
    int u = -1;
    uint64_t tenths;

    if (!isfinite(n) || n < 0)
        n = 0;
    while (n >= 1024 && u < 3) {
        n /= 1024;
        u++;
    }
    if (n >= 1e15)
        n = 1e15;
    if (u < 0) {
        strbuf_printf(b, "%llu B", (unsigned long long)floor(n + 0.5));
        return;
    }
    tenths = (uint64_t)floor(n * 10 + 0.5);
    strbuf_printf(b, "%llu.%llu %s", (unsigned long long)(tenths / 10),
                  (unsigned long long)(tenths % 10), units[u]);
}

void tel_fmt_cpu(struct strbuf *b, double s)
{
    if (!isfinite(s) || s < 0)
        s = 0;
    if (s >= 1e15)
        s = 1e15;
    if (s < 1) {
        tel_fmt_num(b, s * 1000);
        strbuf_puts(b, " ms");
        return;
    }
    put_hundredths(b, s);
    strbuf_puts(b, " s");
}

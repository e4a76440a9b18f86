/* tel_format.h - numbers as the picture and the dashboard's tables write
 * them, so that the two always read the same: dashboard.js carries the
 * same rules, step for step (and a test holds both to one table).
 */
#ifndef STEADY_TEL_FORMAT_H
#define STEADY_TEL_FORMAT_H

#include "strbuf.h"

#include <stdint.h>

/* A figure such as mCPU, load, fill or rate: one decimal below 10 ("0.4",
 * "9.9"), a whole number from 10 on with thousands separated ("10",
 * "1,024"). Rounded half up. Negative or not finite reads as 0. */
void tel_fmt_num(struct strbuf *b, double v);
/* A count: "1,234,567". */
void tel_fmt_count(struct strbuf *b, uint64_t n);
/* A latency given in milliseconds: "stalled" when infinite, "1.25 s" from
 * a second on, "12 ms" from 10 ms on, "0.50 ms" below. */
void tel_fmt_latency(struct strbuf *b, double ms);
/* Bytes (a size, or a rate's count per second): whole bytes below 1 KiB
 * ("512 B"), then one decimal in KiB, MiB, GiB or TiB ("120.6 KiB"). */
void tel_fmt_bytes(struct strbuf *b, double n);
/* CPU time given in seconds: "4.7 ms", "20 ms" below a second (the
 * milliseconds as tel_fmt_num writes them), "1.25 s" from a second on.
 * Negative or not finite reads as 0. */
void tel_fmt_cpu(struct strbuf *b, double s);

#endif

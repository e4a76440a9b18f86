/* format_cases.h - numbers and how the telemetry picture (tel_format.c)
 * and the dashboard's tables (dashboard.js) both write them; the unit test
 * checks the C side, the dashboard test the JavaScript side, so that the
 * two can never drift apart. `in` is what the dashboard's #fmt= link
 * reads. */
#ifndef STEADY_TEST_FORMAT_CASES_H
#define STEADY_TEST_FORMAT_CASES_H

#include <math.h>

struct format_case {
    const char *in;      /* as written in the #fmt= link */
    double v;            /* the same number */
    const char *num;     /* tel_fmt_num: mCPU, load, fill, rate */
    const char *latency; /* tel_fmt_latency, v in milliseconds */
    const char *count;   /* tel_fmt_count of v's whole part ("" if none) */
    const char *bytes;   /* tel_fmt_bytes */
    const char *cpu;     /* tel_fmt_cpu, v in seconds (the hints, CPU) */
};

static const struct format_case format_cases[] = {
    { "0", 0, "0.0", "0.00 ms", "0", "0 B", "0.0 ms" },
    { "0.04", 0.04, "0.0", "0.04 ms", "0", "0 B", "40 ms" },
    { "0.05", 0.05, "0.1", "0.05 ms", "0", "0 B", "50 ms" },
    /* ties: printf's "%.1f" says 0.2, JavaScript's toFixed 0.3 */
    { "0.25", 0.25, "0.3", "0.25 ms", "0", "0 B", "250 ms" },
    { "0.35", 0.35, "0.4", "0.35 ms", "0", "0 B", "350 ms" },
    { "0.95", 0.95, "1.0", "0.95 ms", "0", "1 B", "950 ms" },
    { "1.25", 1.25, "1.3", "1.25 ms", "1", "1 B", "1.25 s" },
    { "9.94", 9.94, "9.9", "9.94 ms", "9", "10 B", "9.94 s" },
    { "9.96", 9.96, "10", "9.96 ms", "9", "10 B", "9.96 s" },
    { "10", 10, "10", "10 ms", "10", "10 B", "10.00 s" },
    { "12.5", 12.5, "13", "13 ms", "12", "13 B", "12.50 s" },
    { "99.5", 99.5, "100", "100 ms", "99", "100 B", "99.50 s" },
    { "999.4", 999.4, "999", "999 ms", "999", "999 B", "999.40 s" },
    { "1000", 1000, "1,000", "1.00 s", "1,000", "1000 B", "1000.00 s" },
    { "1234.5", 1234.5, "1,235", "1.23 s", "1,234", "1.2 KiB", "1234.50 s" },
    { "65535", 65535, "65,535", "65.54 s", "65,535", "64.0 KiB", "65535.00 s" },
    { "1000000", 1e6, "1,000,000", "1000.00 s", "1,000,000", "976.6 KiB",
      "1000000.00 s" },
    { "1500000000", 1.5e9, "1,500,000,000", "1500000.00 s", "1,500,000,000",
      "1.4 GiB", "1500000000.00 s" },
    { "inf", INFINITY, "0.0", "stalled", "", "0 B", "0.0 ms" },
    { "1023.6", 1023.6, "1,024", "1.02 s", "1,023", "1024 B", "1023.60 s" },
    { "1048576", 1048576, "1,048,576", "1048.58 s", "1,048,576", "1.0 MiB",
      "1048576.00 s" },
    { "0.0004", 0.0004, "0.0", "0.00 ms", "0", "0 B", "0.4 ms" },
    { "0.0125", 0.0125, "0.0", "0.01 ms", "0", "0 B", "13 ms" },
    { "-3", -3, "0.0", "0.00 ms", "", "0 B", "0.0 ms" },
};
#define N_FORMAT_CASES (sizeof(format_cases) / sizeof(format_cases[0]))

#endif

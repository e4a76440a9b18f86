/* steady-bench - measures steady beside the peers a user might pick
 * instead, in one run on one machine, and prints one Markdown table: each
 * figure is the median of several runs. --quick runs each measurement once
 * and tiny, only to prove that it works (CI).
 */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef STEADY_HOST_BIN
#define STEADY_HOST_BIN "steady"
#endif
#ifndef STEADY_SOURCE_DIR
#define STEADY_SOURCE_DIR "."
#endif
#ifndef STEADY_BENCH_PLUGIN_DIR
#define STEADY_BENCH_PLUGIN_DIR "."
#endif

typedef void (*measure_fn)(const struct bench_cfg *, struct bench_result *);

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;

    return a < b ? -1 : a > b;
}

/* --only: is `what` one of the measurements asked for? */
static bool selected(const struct bench_cfg *cfg, const char *what)
{
    const char *p = cfg->only;

    if (!p)
        return true;
    while (*p) {
        size_t len = strcspn(p, ",");
        char word[64];

        snprintf(word, sizeof(word), "%.*s", (int)len, p);
        if (len && strstr(what, word))
            return true;
        p += len + (p[len] == ',');
    }
    return false;
}

/* Runs fn cfg->runs times; the result holds the medians, or the note of a
 * run that failed. */
static void median_of(const struct bench_cfg *cfg, const char *what,
                      measure_fn fn, struct bench_result *out)
{
    double v[16], v2[16];
    int n = 0;

    memset(out, 0, sizeof(*out));
    if (!selected(cfg, what)) {
        bench_fail(out, "not measured (--only)");
        return;
    }
    fprintf(stderr, "steady-bench: %s ...", what);
    for (int i = 0; i < cfg->runs; i++) {
        struct bench_result r;

        memset(&r, 0, sizeof(r));
        fn(cfg, &r);
        bench_unpin(); /* the two-thread runs pin this thread */
        if (!r.ok) {
            *out = r;
            fprintf(stderr, " %s\n", r.note);
            return;
        }
        v[n] = r.value;
        v2[n++] = r.value2;
    }
    qsort(v, (size_t)n, sizeof(double), cmp_double);
    qsort(v2, (size_t)n, sizeof(double), cmp_double);
    out->value = v[n / 2];
    out->value2 = v2[n / 2];
    out->ok = true;
    fprintf(stderr, " done\n");
}

/* The measurements that need a bench_cfg-free signature for median_of. */
static void performant_solo(const struct bench_cfg *c, struct bench_result *r)
{
    bench_performant(c, false, 2, r);
}
static void performant_rate1(const struct bench_cfg *c, struct bench_result *r)
{
    bench_performant(c, false, 1, r);
}
static void performant_troupe(const struct bench_cfg *c, struct bench_result *r)
{
    bench_performant(c, true, 2, r);
}
static void telemetry_standard(const struct bench_cfg *c,
                               struct bench_result *r)
{
    bench_telemetry(c, false, r);
}
static void telemetry_performant(const struct bench_cfg *c,
                                 struct bench_result *r)
{
    bench_telemetry(c, true, r);
}

static void msgs_16(const struct bench_cfg *c, struct bench_result *r)
{
    bench_msgs(c, 16, r);
}
static void msgs_256(const struct bench_cfg *c, struct bench_result *r)
{
    bench_msgs(c, 256, r);
}
static void msgs_4096(const struct bench_cfg *c, struct bench_result *r)
{
    bench_msgs(c, 4096, r);
}
static void memcpy_16(const struct bench_cfg *c, struct bench_result *r)
{
    bench_memcpy(c, 16, r);
}
static void memcpy_256(const struct bench_cfg *c, struct bench_result *r)
{
    bench_memcpy(c, 256, r);
}
static void memcpy_4096(const struct bench_cfg *c, struct bench_result *r)
{
    bench_memcpy(c, 4096, r);
}

/* "3.21 GB/s" or "412 MB/s" */
static void fmt_bytes_rate(char *buf, size_t len, double per_s)
{
    if (per_s >= 1e9)
        snprintf(buf, len, "%.2f GB/s", per_s / 1e9);
    else
        snprintf(buf, len, "%.0f MB/s", per_s / 1e6);
}

static const char *rate_or_note(const struct bench_result *r, char *buf,
                                size_t len)
{
    if (!r->ok)
        return r->note;
    bench_fmt_rate(buf, len, r->value);
    return buf;
}

static void row(const char *what, const char *steady, const char *peer,
                const char *ratio, const char *target)
{
    printf("| %s | %s | %s | %s | %s |\n", what, steady, peer, ratio, target);
}

/* "2.31x" when both are there, else "-". */
static const char *ratio(const struct bench_result *a,
                         const struct bench_result *b, char *buf, size_t len)
{
    if (!a->ok || !b->ok || b->value <= 0)
        return "-";
    if (a->value / b->value >= 10)
        snprintf(buf, len, "%.0fx", a->value / b->value);
    else if (a->value / b->value < 0.01) /* "1/1200x", not "0.00x" */
        snprintf(buf, len, "1/%.0fx", b->value / a->value);
    else
        snprintf(buf, len, "%.2fx", a->value / b->value);
    return buf;
}

/* "target: met" or "target: missed"; only the target in quick mode. */
static const char *verdict(const struct bench_cfg *cfg, const char *target,
                           bool ok, bool met, char *buf, size_t len)
{
    if (cfg->quick || !ok)
        snprintf(buf, len, "%s", target);
    else
        snprintf(buf, len, "%s: %s", target, met ? "met" : "missed");
    return buf;
}

static void peer(const char *name, const struct bench_result *r, char *buf,
                 size_t len)
{
    char rate[32];
    const char *what = rate_or_note(r, rate, sizeof(rate));

    snprintf(buf, len, "%.*s: %.*s", 100, name, 100, what);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: steady-bench [--quick] [--runs N] [--host PATH] "
               "[--only WORDS]\n"
               "  --quick     each measurement once and tiny (CI); also "
               "STEADY_BENCH_QUICK=1\n"
               "  --runs N    runs per figure, the median is shown "
               "(default 5)\n"
               "  --host PATH the steady binary (default: this build's)\n"
               "  --only WORDS  only the measurements whose name contains "
               "one of the\n"
               "              comma-separated words, e.g. SPSC,messages\n");
}

static int parse_args(int argc, char **argv, struct bench_cfg *cfg)
{
    const char *env = getenv("STEADY_BENCH_QUICK");

    cfg->quick = env && *env && strcmp(env, "0") != 0;
    cfg->only = NULL;
    cfg->runs = 5;
    cfg->host = STEADY_HOST_BIN;
    cfg->source = STEADY_SOURCE_DIR;
    cfg->plugins = STEADY_BENCH_PLUGIN_DIR;
    cfg->only = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            cfg->quick = true;
        } else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
            cfg->runs = atoi(argv[++i]);
            if (cfg->runs < 1 || cfg->runs > 15) {
                fprintf(stderr, "steady-bench: --runs: 1 to 15, got %s\n",
                        argv[i]);
                return -1;
            }
        } else if (strcmp(argv[i], "--host") == 0 && i + 1 < argc) {
            cfg->host = argv[++i];
        } else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
            cfg->only = argv[++i];
        } else if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            exit(0);
        } else {
            fprintf(stderr, "steady-bench: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return -1;
        }
    }
    if (cfg->quick)
        cfg->runs = 1;
    return 0;
}

int main(int argc, char **argv)
{
    struct bench_cfg cfg;
    char tmp[] = "/tmp/steady-bench-XXXXXX";
    struct bench_result single, ck, batch, solo, rate1, troupe, loop, zmq, gst;
    struct bench_result lat, idle, mem_actor, mem_slot, tel_std, tel_perf;
    struct bench_result snaps;
    struct bench_result msgs[3], copies[3];
    struct bench_result nats, nats_plain, nats_lat, nats_plain_lat, durable;
    static const size_t msg_lens[3] = { 16, 256, 4096 };
    struct bench_result tel_cpu;
    char a[128], b[256], c[32], d[64];

    if (parse_args(argc, argv, &cfg) < 0)
        return 2;
    if (!mkdtemp(tmp)) {
        perror("steady-bench: mkdtemp");
        return 1;
    }
    cfg.tmp = tmp;

    median_of(&cfg, "single-item SPSC", bench_spsc_single, &single);
    median_of(&cfg, "ck_ring SPSC", bench_ck_single, &ck);
    median_of(&cfg, "batched SPSC", bench_spsc_batch, &batch);
    median_of(&cfg, "messages of 16 bytes", msgs_16, &msgs[0]);
    median_of(&cfg, "memcpy of 16 bytes (messages)", memcpy_16, &copies[0]);
    median_of(&cfg, "messages of 256 bytes", msgs_256, &msgs[1]);
    median_of(&cfg, "memcpy of 256 bytes (messages)", memcpy_256, &copies[1]);
    median_of(&cfg, "messages of 4096 bytes", msgs_4096, &msgs[2]);
    median_of(&cfg, "memcpy of 4096 bytes (messages)", memcpy_4096, &copies[2]);
    median_of(&cfg, "performant graph, solo", performant_solo, &solo);
    median_of(&cfg, "performant graph, --rate 1", performant_rate1, &rate1);
    median_of(&cfg, "performant graph, troupe", performant_troupe, &troupe);
    median_of(&cfg, "plain FizzBuzz loop", bench_fizz_loop, &loop);
    median_of(&cfg, "ZeroMQ inproc", bench_zmq, &zmq);
    median_of(&cfg, "GStreamer pipeline", bench_gst, &gst);
    median_of(&cfg, "wake-up latency", bench_latency, &lat);
    median_of(&cfg, "idle CPU", bench_idle_cpu, &idle);
    median_of(&cfg, "memory per actor", bench_mem_actor, &mem_actor);
    median_of(&cfg, "memory per slot", bench_mem_slot, &mem_slot);
    median_of(&cfg, "NATS JetStream plugins", bench_nats_steady, &nats);
    median_of(&cfg, "NATS JetStream plain libnats", bench_nats_plain,
              &nats_plain);
    median_of(&cfg, "NATS JetStream plugins latency", bench_nats_steady_lat,
              &nats_lat);
    median_of(&cfg, "NATS JetStream plain libnats latency",
              bench_nats_plain_lat, &nats_plain_lat);
    median_of(&cfg, "NATS durable channel", bench_durable, &durable);
    median_of(&cfg, "standard graph, telemetry", telemetry_standard, &tel_std);
    median_of(&cfg, "performant graph, telemetry", telemetry_performant,
              &tel_perf);
    median_of(&cfg, "300 actors, telemetry CPU", bench_telemetry_cpu, &tel_cpu);
    median_of(&cfg, "standard graph, snapshots", bench_snapshots, &snaps);

    printf("steady-bench: %d CPUs, median of %d run%s%s\n\n", bench_cpus(),
           cfg.runs, cfg.runs == 1 ? "" : "s",
           cfg.quick ? ", --quick (sizes too small to mean anything)" : "");
    row("measure", "steady", "baseline (same run)", "ratio", "target");
    row("---", "---", "---", "---", "---");

    peer("ck_ring SPSC", &ck, b, sizeof(b));
    row("single-item SPSC msgs/s, 2 threads (u64, "
        "1024 slots, try_send/try_take)",
        rate_or_note(&single, a, sizeof(a)), b, ratio(&single, &ck, c, 32),
        verdict(&cfg, ">= 2x ck_ring", single.ok && ck.ok,
                single.ok && ck.ok && single.value >= 2 * ck.value, d,
                sizeof(d)));
    row("batched SPSC u64/s, 2 threads (65536 slots, spans of 32768)",
        rate_or_note(&batch, a, sizeof(a)), "", "",
        verdict(&cfg, ">= 1000 M/s", batch.ok, batch.value >= 1e9, d,
                sizeof(d)));

    for (int i = 0; i < 3; i++) {
        char what[160], gb[32];
        struct bench_result in_bytes = msgs[i], copy_bytes = copies[i];

        snprintf(what, sizeof(what),
                 "variable-size messages, 2 threads (%zu bytes each; 1024 "
                 "messages / 256 KiB; reserve+memcpy, peek_msg+take_msg)",
                 msg_lens[i]);
        if (msgs[i].ok) {
            bench_fmt_rate(c, sizeof(c), msgs[i].value);
            fmt_bytes_rate(gb, sizeof(gb), msgs[i].value2);
            snprintf(a, sizeof(a), "%s, %s", c, gb);
        }
        if (copies[i].ok)
            fmt_bytes_rate(gb, sizeof(gb), copies[i].value2);
        snprintf(b, sizeof(b), "memcpy of %zu-byte blocks, 1 thread: %s",
                 msg_lens[i], copies[i].ok ? gb : copies[i].note);
        in_bytes.value = msgs[i].value2;
        copy_bytes.value = copies[i].value2;
        row(what, msgs[i].ok ? a : msgs[i].note, b,
            ratio(&in_bytes, &copy_bytes, d, sizeof(d)), "");
    }

    peer("plain FizzBuzz loop, 1 core (compute limit)", &loop, b, sizeof(b));
    row("performant graph end to end msgs/s, all solo (defaults: "
        "rate 2 ms, 2^20 slots, batches of 2^19)",
        rate_or_note(&solo, a, sizeof(a)), b, ratio(&solo, &loop, c, 32),
        verdict(&cfg, ">= 250 M/s and >= 0.6x loop", solo.ok && loop.ok,
                solo.value >= 250e6 && solo.value >= 0.6 * loop.value, d,
                sizeof(d)));
    peer("ZeroMQ inproc PUSH/PULL, 8-byte msgs", &zmq, b, sizeof(b));
    row("", "", b, ratio(&solo, &zmq, c, 32),
        verdict(&cfg, ">= 50x", solo.ok && zmq.ok, solo.value >= 50 * zmq.value,
                d, sizeof(d)));
    peer("GStreamer fakesrc ! queue ! identity ! queue ! fakesink, 8-byte "
         "buffers",
         &gst, b, sizeof(b));
    row("", "", b, ratio(&solo, &gst, c, 32),
        verdict(&cfg, ">= 100x", solo.ok && gst.ok,
                solo.value >= 100 * gst.value, d, sizeof(d)));
    peer("plain FizzBuzz loop", &loop, b, sizeof(b));
    row("performant graph, all solo, --rate 1 (pacing cap 1 M per ms "
        "instead of 1 M per 2 ms)",
        rate_or_note(&rate1, a, sizeof(a)), b, ratio(&rate1, &loop, c, 32), "");
    peer("ZeroMQ inproc PUSH/PULL", &zmq, b, sizeof(b));
    row("", "", b, ratio(&rate1, &zmq, c, 32), "");
    peer("plain FizzBuzz loop", &loop, b, sizeof(b));
    row("performant graph, generator + logger in one troupe",
        rate_or_note(&troupe, a, sizeof(a)), b, ratio(&troupe, &loop, c, 32),
        "");

    if (lat.ok)
        snprintf(a, sizeof(a), "p50 %.1f µs, p99 %.1f µs", lat.value,
                 lat.value2);
    row("wake-up latency, send to blocked receiver running (2 solo actors)",
        lat.ok ? a : lat.note, "", "",
        verdict(&cfg, "p99 < 100 µs", lat.ok, lat.value2 < 100, d, sizeof(d)));
    if (idle.ok)
        snprintf(a, sizeof(a), "%.3f %% of one core", idle.value);
    row("idle CPU, standard graph between beats (1 beat/s)",
        idle.ok ? a : idle.note, "", "",
        verdict(&cfg, "< 1 %", idle.ok, idle.value < 1, d, sizeof(d)));
    if (mem_actor.ok)
        snprintf(a, sizeof(a), "%.1f KiB solo, %.1f KiB in a troupe",
                 mem_actor.value / 1024, mem_actor.value2 / 1024);
    row("resident memory per actor (with its share of a 16-slot channel)",
        mem_actor.ok ? a : mem_actor.note, "", "", "");
    if (mem_slot.ok)
        snprintf(a, sizeof(a), "%.2f bytes", mem_slot.value);
    row("resident memory per channel slot (u64 items)",
        mem_slot.ok ? a : mem_slot.note, "", "", "");
    for (int i = 0; i < 2; i++) {
        const struct bench_result *t = i ? &tel_perf : &tel_std;
        char off[32], on[32];

        if (t->ok) {
            bench_fmt_rate(off, sizeof(off), t->value);
            bench_fmt_rate(on, sizeof(on), t->value2);
            snprintf(a, sizeof(a), "off %s, on %s", off, on);
            snprintf(c, sizeof(c), "%.2fx", t->value2 / t->value);
        }
        /* telemetry reads what the hot path keeps anyway: on a graph
         * that runs flat out it may cost at most 5 % of the throughput */
        row(i ? "performant graph msgs/s, telemetry off / on"
              : "standard graph msgs/s at --rate 1, telemetry off / on",
            t->ok ? a : t->note, "", t->ok ? c : "",
            i ? verdict(&cfg, "on/off >= 0.95", t->ok,
                        t->ok && t->value2 / t->value >= 0.95, d, sizeof(d))
              : "");
    }

    if (tel_cpu.ok)
        snprintf(a, sizeof(a), "%.2f %% of one core (whole process %.1f %%)",
                 tel_cpu.value, tel_cpu.value2);
    row("telemetry CPU, 300 actors in 5 troupes (75 standard pipelines), "
        "polled as the dashboard polls",
        tel_cpu.ok ? a : tel_cpu.note, "", "",
        verdict(&cfg, "< 5 %", tel_cpu.ok, tel_cpu.value < 5, d, sizeof(d)));

    if (snaps.ok) {
        char off[32], on[32];

        bench_fmt_rate(off, sizeof(off), snaps.value);
        bench_fmt_rate(on, sizeof(on), snaps.value2);
        snprintf(a, sizeof(a), "off %s, on %s", off, on);
        snprintf(c, sizeof(c), "%.2fx", snaps.value2 / snaps.value);
    }
    row("standard graph msgs/s at --rate 1, snapshots off / every 100 ms",
        snaps.ok ? a : snaps.note, "", snaps.ok ? c : "", "");

    peer("plain libnats JetStream async publisher + pull subscriber",
         &nats_plain, b, sizeof(b));
    row("u64 across NATS JetStream msgs/s (nats_publish -> server -> "
        "nats_subscribe, windowed, acked; file store, loopback)",
        rate_or_note(&nats, a, sizeof(a)), b, ratio(&nats, &nats_plain, c, 32),
        "");
    peer("batched SPSC in one process (same run)", &batch, b, sizeof(b));
    row("", "", b, ratio(&nats, &batch, c, 32), "");
    if (nats_lat.ok)
        snprintf(a, sizeof(a), "p50 %.0f µs, p99 %.0f µs", nats_lat.value,
                 nats_lat.value2);
    if (nats_plain_lat.ok)
        snprintf(b, sizeof(b), "plain libnats: p50 %.0f µs, p99 %.0f µs",
                 nats_plain_lat.value, nats_plain_lat.value2);
    else
        snprintf(b, sizeof(b), "plain libnats: %s", nats_plain_lat.note);
    if (nats_lat.ok && nats_plain_lat.ok)
        snprintf(c, sizeof(c), "%.2fx", nats_lat.value / nats_plain_lat.value);
    row("u64 across NATS JetStream latency, one at a time (send to taken)",
        nats_lat.ok ? a : nats_lat.note, b,
        nats_lat.ok && nats_plain_lat.ok ? c : "-", "");
    {
        struct bench_result plain = durable;

        plain.value = durable.value2;
        bench_fmt_rate(c, sizeof(c), durable.value2);
        snprintf(b, sizeof(b), "plain channel, same graph: %s", c);
        row("u64 through a durable channel msgs/s (seq -> sink on one "
            "node, capacity 1024, durable: true: nats_publish -> server "
            "-> nats_subscribe)",
            rate_or_note(&durable, a, sizeof(a)), durable.ok ? b : "",
            ratio(&durable, &plain, d, sizeof(d)), "");
    }

    /* the generated graphs */
    for (const char *f = "wakeup.yaml\0pairs.yaml\0slots.yaml\0seqsink.yaml\0"
                         "pipelines.yaml\0";
         *f; f += strlen(f) + 1) {
        char path[sizeof(tmp) + 32];

        snprintf(path, sizeof(path), "%s/%s", tmp, f);
        unlink(path);
    }
    rmdir(tmp);
    if (cfg.only) /* what was measured went well */
        return (!selected(&cfg, "single-item SPSC") || single.ok) &&
                       (!selected(&cfg, "messages of") ||
                        (msgs[0].ok && msgs[1].ok && msgs[2].ok)) &&
                       (!selected(&cfg, "300 actors, telemetry CPU") ||
                        tel_cpu.ok)
                   ? 0
                   : 1;
    return single.ok && batch.ok && solo.ok && lat.ok && idle.ok &&
                   mem_actor.ok && mem_slot.ok && msgs[0].ok && msgs[1].ok &&
                   msgs[2].ok
               ? 0
               : 1;
}

/* bench.h - what the parts of steady-bench share: the run settings, the
 * clock, thread pinning, and one function per measurement. Each measurement
 * does one run and returns its figure; bench.c takes the median of several.
 */
#ifndef STEADY_BENCH_H
#define STEADY_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bench_cfg {
    bool quick;          /* prove it works: tiny sizes, one run */
    const char *only;    /* measure only these (comma-separated); NULL: all */
    int runs;            /* runs per figure; the median is reported */
    const char *host;    /* the steady binary */
    const char *source;  /* the source tree (graphs/) */
    const char *plugins; /* the bench's own plugins */
    const char *tmp;     /* a private folder for generated graphs */
};

/* One run's outcome: ok, or not measurable with a short reason (a peer not
 * installed, a feature not there yet, a failure). */
struct bench_result {
    double value;
    double value2; /* a second figure of the same run (p99, on/off) */
    char note[96]; /* why there is no figure; "" when ok */
    bool ok;
};

uint64_t bench_now_ns(void);
/* Pins the calling thread to one CPU (modulo the CPUs there are). */
void bench_pin(int cpu);
/* Lets the calling thread run on every CPU again (what spawned graphs
 * inherit). */
void bench_unpin(void);
int bench_cpus(void);
/* Formats a rate: "312.4 M/s". */
void bench_fmt_rate(char *buf, size_t len, double per_s);
void bench_fail(struct bench_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* spsc.c: steady's ring between two pinned threads. */
void bench_spsc_single(const struct bench_cfg *cfg, struct bench_result *r);
void bench_spsc_batch(const struct bench_cfg *cfg, struct bench_result *r);
/* Ring sizes used, for the table's labels. */
#define BENCH_SINGLE_SLOTS 1024
#define BENCH_BATCH_SLOTS  65536
#define BENCH_BATCH        32768

/* msgs.c: variable-size messages of len bytes between two pinned threads
 * (value: messages/s, value2: bytes/s), and a plain memcpy of blocks of
 * len bytes on one thread (the same figures) as their baseline. */
void bench_msgs(const struct bench_cfg *cfg, size_t len,
                struct bench_result *r);
void bench_memcpy(const struct bench_cfg *cfg, size_t len,
                  struct bench_result *r);

/* peer_ck.c: Concurrency Kit's ck_ring SPSC doing the single-item job. */
void bench_ck_single(const struct bench_cfg *cfg, struct bench_result *r);
/* peer_zmq.c: ZeroMQ inproc PUSH/PULL, one 8-byte message per value, the
 * receiver counting FizzBuzz kinds. */
void bench_zmq(const struct bench_cfg *cfg, struct bench_result *r);
/* peer_gst.c: fakesrc ! queue ! identity ! queue ! fakesink, 8-byte
 * buffers. */
void bench_gst(const struct bench_cfg *cfg, struct bench_result *r);
/* peer_nats.c: u64 across NATS JetStream through steady's nats_publish and
 * nats_subscribe (value: msgs/s), and through a plain libnats JetStream
 * async publisher and pull subscriber doing the same work; the _lat forms
 * send one value at a time: p50 (value) and p99 (value2) in µs. */
void bench_nats_steady(const struct bench_cfg *cfg, struct bench_result *r);
void bench_nats_plain(const struct bench_cfg *cfg, struct bench_result *r);
void bench_nats_steady_lat(const struct bench_cfg *cfg, struct bench_result *r);
void bench_nats_plain_lat(const struct bench_cfg *cfg, struct bench_result *r);
/* The nats-server the NATS rows share (started on first use, stopped at
 * exit): its URL, or NULL with r failed. */
const char *bench_nats_url(struct bench_result *r);
/* Deletes a JetStream stream on it (best effort). */
void bench_nats_drop_stream(const char *name);
/* fizzloop.c: one core generating, classifying and counting in a loop. */
void bench_fizz_loop(const struct bench_cfg *cfg, struct bench_result *r);

/* graphs.c: real graphs through the steady binary. */
/* graphs/performant.yaml (or its troupe variant) end to end at --rate
 * rate (ms per beat; the default is 2): messages/s. */
void bench_performant(const struct bench_cfg *cfg, bool troupe, int rate,
                      struct bench_result *r);
/* Messages/s of a graph with telemetry off (value) and on (value2). */
void bench_telemetry(const struct bench_cfg *cfg, bool performant,
                     struct bench_result *r);
/* Telemetry threads' CPU in % of one core (value) and the whole
 * process's (value2) on 300 actors in 5 troupes, polled as the dashboard
 * polls (telcpu.c). */
void bench_telemetry_cpu(const struct bench_cfg *cfg, struct bench_result *r);
/* Messages/s of the standard graph at --rate 1 with a state_dir, without
 * snapshots (value) and with one every 100 ms (value2). */
void bench_snapshots(const struct bench_cfg *cfg, struct bench_result *r);
/* u64 values from seq to sink (capacity 1024) through a plain channel
 * (value2) and through the same channel with durable: true (value), on the
 * NATS rows' server: msgs/s. */
void bench_durable(const struct bench_cfg *cfg, struct bench_result *r);
/* Wake-up latency from a send to the blocked receiver running: p50 (value)
 * and p99 (value2), in microseconds. */
void bench_latency(const struct bench_cfg *cfg, struct bench_result *r);
/* CPU of the standard graph while idle between beats, % of one core. */
void bench_idle_cpu(const struct bench_cfg *cfg, struct bench_result *r);
/* Resident bytes per actor: solo (value) and in troupes (value2). */
void bench_mem_actor(const struct bench_cfg *cfg, struct bench_result *r);
/* Resident bytes per u64 channel slot. */
void bench_mem_slot(const struct bench_cfg *cfg, struct bench_result *r);

#endif

/* graphs.c - the measurements that run real graphs through the steady
 * binary: the performant graph (solo and with a troupe), telemetry on and
 * off, wake-up latency between two real actors, idle CPU, and resident
 * memory per actor and per channel slot. Each spawns the host, keeps the
 * few output lines it needs and reads the figures from them.
 */
#include "bench.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define OUT_MAX 8192

/* Output lines worth keeping; everything else (per-message logs) is
 * dropped as it streams by. */
static const char *const keep[] = {
    "Logger: ", "stopped cleanly", "wake-up latency", "logged ",
    "steady:",  "error",           "failed",          "took ",
};

struct host {
    char out[OUT_MAX]; /* kept lines */
    size_t used;
    int status;  /* exit status; -1 killed at the deadline */
    bool served; /* the telemetry port accepted a connection */
    double hwm;  /* peak resident bytes seen (VmHWM) */
};

/* The child's VmHWM from /proc: its own peak RSS. (getrusage's ru_maxrss
 * is no good here: Linux carries it over from the parent across exec.) */
static double peak_rss(pid_t pid)
{
    char path[64], line[128];
    double kb = -1;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    f = fopen(path, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            kb = strtod(line + 6, NULL);
    fclose(f);
    return kb < 0 ? -1 : kb * 1024;
}

static void keep_line(struct host *h, const char *line, size_t len)
{
    bool wanted = false;

    for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
        if (memmem(line, len, keep[i], strlen(keep[i])))
            wanted = true;
    if (!wanted || len + 2 > sizeof(h->out))
        return;
    /* full: the last lines matter most (the closing summary) */
    while (h->used + len + 2 > sizeof(h->out)) {
        char *nl = memchr(h->out, '\n', h->used);
        size_t drop = nl ? (size_t)(nl - h->out) + 1 : h->used;

        memmove(h->out, h->out + drop, h->used - drop);
        h->used -= drop;
    }
    memcpy(h->out + h->used, line, len);
    h->used += len;
    h->out[h->used++] = '\n';
    h->out[h->used] = '\0';
}

static bool port_answers(int port)
{
    struct sockaddr_in sa = { .sin_family = AF_INET,
                              .sin_port = htons((uint16_t)port) };
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    bool ok;

    if (fd < 0)
        return false;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
    close(fd);
    return ok;
}

/* A port nobody listens on now, for the telemetry server. */
static int free_port(void)
{
    struct sockaddr_in sa = { .sin_family = AF_INET };
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int port = -1;

    if (fd < 0)
        return -1;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
        port = ntohs(sa.sin_port);
    close(fd);
    return port;
}

/* Runs `steady run GRAPH ARGS... --plugin-path P` (args NULL-terminated)
 * for at most timeout_s, keeping the interesting lines. With tel_port > 0
 * it also checks whether a telemetry server answers there. 0 when the
 * host exited 0. */
static int run_host(const struct bench_cfg *cfg, const char *graph,
                    const char *const *args, int tel_port, int timeout_s,
                    struct host *h)
{
    const char *argv[32];
    posix_spawn_file_actions_t fa;
    char partial[4096];
    size_t plen = 0, n = 0;
    uint64_t deadline = bench_now_ns() + (uint64_t)timeout_s * 1000000000u;
    int fds[2], st;
    pid_t pid;

    memset(h, 0, sizeof(*h));
    h->status = -1;
    argv[n++] = cfg->host;
    argv[n++] = "run";
    argv[n++] = graph;
    while (*args && n < 28)
        argv[n++] = *args++;
    argv[n++] = "--plugin-path";
    argv[n++] = cfg->plugins;
    argv[n] = NULL;
    if (pipe2(fds, O_CLOEXEC) != 0)
        return -1;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    if (posix_spawn(&pid, cfg->host, &fa, NULL, (char **)argv, environ)) {
        posix_spawn_file_actions_destroy(&fa);
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    for (;;) {
        struct pollfd p = { .fd = fds[0], .events = POLLIN };
        double rss = peak_rss(pid); /* -1 once it has exited */
        ssize_t got;

        if (bench_now_ns() > deadline) {
            kill(pid, SIGKILL);
            break;
        }
        if (tel_port > 0 && !h->served && port_answers(tel_port))
            h->served = true;
        if (rss > h->hwm)
            h->hwm = rss;
        if (poll(&p, 1, 20) <= 0)
            continue;
        got = read(fds[0], partial + plen, sizeof(partial) - plen);
        if (got <= 0)
            break;
        plen += (size_t)got;
        for (char *nl; (nl = memchr(partial, '\n', plen));) {
            size_t len = (size_t)(nl - partial);

            keep_line(h, partial, len);
            memmove(partial, nl + 1, plen - len - 1);
            plen -= len + 1;
        }
        if (plen == sizeof(partial)) /* one absurd line: drop it */
            plen = 0;
    }
    close(fds[0]);
    if (waitpid(pid, &st, 0) == pid && WIFEXITED(st))
        h->status = WEXITSTATUS(st);
    return h->status == 0 ? 0 : -1;
}

/* The number after `key` in the kept output, or -1. */
static double after(const struct host *h, const char *key)
{
    const char *at = strstr(h->out, key);

    return at ? strtod(at + strlen(key), NULL) : -1;
}

/* The last line of output, for a failure note. */
static void fail_with(struct bench_result *r, const struct host *h,
                      const char *what)
{
    const char *line = h->out;
    const char *end;

    for (const char *p = h->out; (end = strchr(p, '\n')) && end[1]; p = end + 1)
        line = end + 1;
    end = strchr(line, '\n');
    bench_fail(r, "%s failed (exit %d): %.*s", what, h->status,
               (int)(end ? end - line : (long)strlen(line)), line);
}

static int write_file(const struct bench_cfg *cfg, const char *name,
                      const char *text, char *path, size_t len)
{
    FILE *f;

    snprintf(path, len, "%s/%s", cfg->tmp, name);
    f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

/* Messages per second of a performant run: the logger's total (from its
 * last line, "Logger: N messages processed ...") / wall time. */
static double performant_rate(const struct host *h)
{
    const char *total = strstr(h->out, " messages processed");
    double s = after(h, "stopped cleanly after ");
    const char *at = total;

    while (at > h->out && at[-1] != ' ')
        at--;
    if (!total || s <= 0)
        return -1;
    return strtod(at, NULL) / s;
}

void bench_performant(const struct bench_cfg *cfg, bool troupe, int rate,
                      struct bench_result *r)
{
    char graph[512], rate_ms[16], beats[16];
    const char *args[] = { "--beats",     beats, "--rate", rate_ms,
                           "--telemetry", "off", NULL };
    struct host h;

    /* two seconds, or 50 ms for --quick */
    snprintf(rate_ms, sizeof(rate_ms), "%d", rate);
    snprintf(beats, sizeof(beats), "%d", (cfg->quick ? 50 : 2000) / rate);
    snprintf(graph, sizeof(graph), "%s/graphs/%s.yaml", cfg->source,
             troupe ? "performant_troupe" : "performant");
    if (run_host(cfg, graph, args, 0, 120, &h) < 0) {
        if (troupe && strstr(h.out, "troupe"))
            bench_fail(r, "n/a (troupes not available)");
        else
            fail_with(r, &h, "performant graph");
        return;
    }
    r->value = performant_rate(&h);
    r->ok = r->value > 0;
    if (!r->ok)
        bench_fail(r, "no totals in the output");
}

/* The standard graph at --rate 1 with a state_dir: no snapshots, then one
 * every 100 ms (each a hold of every actor, a copy and an fsync'd file). */
void bench_snapshots(const struct bench_cfg *cfg, struct bench_result *r)
{
    char graph[512], dir[256], rm[300];
    const char *beats = cfg->quick ? "50" : "1000";
    const char *off[] = { "--beats",     beats,         "--rate",
                          "1",           "--telemetry", "off",
                          "--state-dir", dir,           NULL };
    const char *on[] = { "--beats",         beats, "--rate",      "1",
                         "--telemetry",     "off", "--state-dir", dir,
                         "--checkpoint-ms", "100", NULL };
    struct host h;

    snprintf(graph, sizeof(graph), "%s/graphs/standard.yaml", cfg->source);
    for (int pass = 0; pass < 2; pass++) {
        double secs, rate;

        /* a fresh folder each time: nothing resumes */
        snprintf(dir, sizeof(dir), "%s/snapstate%d", cfg->tmp, pass);
        if (run_host(cfg, graph, pass ? on : off, 0, 120, &h)) {
            fail_with(r, &h, "standard graph");
            return;
        }
        snprintf(rm, sizeof(rm), "rm -rf '%s'", dir);
        if (system(rm) != 0) {
            bench_fail(r, "cannot remove the state folder");
            return;
        }
        secs = after(&h, "stopped cleanly after ");
        rate = secs > 0 ? after(&h, "logged ") / secs : -1;
        if (rate <= 0) {
            bench_fail(r, "no totals in the output");
            return;
        }
        if (pass == 0)
            r->value = rate;
        else
            r->value2 = rate;
    }
    r->ok = true;
}

/* seq -> sink over one channel of 1024 u64, durable or plain; msgs/s, or
 * -1 (r failed). Each durable run has a graph of its own name, so its
 * stream (named from the graph) is new, and deleted after. */
static double seq_sink(const struct bench_cfg *cfg, const char *url, long count,
                       struct bench_result *r)
{
    static int run_no;
    char yaml[1024], graph[512], name[64], stream[96], took[64];
    const char *args[] = { "--telemetry", "off", NULL };
    struct host h;
    double secs;
    int rc;

    snprintf(name, sizeof(name), "bench_%s_%d_%d", url ? "durable" : "plain",
             (int)getpid(), ++run_no);
    snprintf(yaml, sizeof(yaml),
             "graph: %s\n"
             "%s%s%s"
             "actors:\n"
             "  seq: { plugin: seq, params: { count: %ld } }\n"
             "  sink: { plugin: sink }\n"
             "channels:\n"
             "  - { from: seq.out, to: sink.in, capacity: 1024%s }\n",
             name, url ? "nats: { url: \"" : "", url ? url : "",
             url ? "\" }\n" : "", count, url ? ", durable: true" : "");
    if (write_file(cfg, "seqsink.yaml", yaml, graph, sizeof(graph)) < 0) {
        bench_fail(r, "cannot write %s", graph);
        return -1;
    }
    rc = run_host(cfg, graph, args, 0, cfg->quick ? 60 : 180, &h);
    if (url) {
        snprintf(stream, sizeof(stream), "steady_%s_seq-out", name);
        bench_nats_drop_stream(stream);
    }
    if (rc < 0) {
        fail_with(r, &h, url ? "durable seq -> sink" : "seq -> sink");
        return -1;
    }
    snprintf(took, sizeof(took), "took %ld items,", count);
    secs = after(&h, "stopped cleanly after ");
    if (!strstr(h.out, took) || secs <= 0) {
        bench_fail(r, "sink did not take %ld items", count);
        return -1;
    }
    return (double)count / secs;
}

void bench_durable(const struct bench_cfg *cfg, struct bench_result *r)
{
    const char *url = bench_nats_url(r);

    /* the plain channel is some thousand times faster: as many values
     * would be over before the clock could tell */
    if (!url ||
        (r->value2 = seq_sink(cfg, NULL, cfg->quick ? 100000 : 50000000, r)) <
            0 ||
        (r->value = seq_sink(cfg, url, cfg->quick ? 2000 : 200000, r)) < 0)
        return;
    r->ok = true;
}

void bench_telemetry(const struct bench_cfg *cfg, bool performant,
                     struct bench_result *r)
{
    char graph[512], addr[32];
    int port = free_port();
    const char *beats = performant ? (cfg->quick ? "25" : "1000")
                                   : (cfg->quick ? "50" : "1000");
    const char *off[] = { "--beats",     beats,
                          "--rate",      performant ? "2" : "1",
                          "--telemetry", "off",
                          NULL };
    const char *on[] = { "--beats",     beats, "--rate", performant ? "2" : "1",
                         "--telemetry", addr,  NULL };
    struct host h;
    double secs;

    snprintf(graph, sizeof(graph), "%s/graphs/%s.yaml", cfg->source,
             performant ? "performant" : "standard");
    snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
    for (int pass = 0; pass < 2; pass++) {
        double rate;

        if (run_host(cfg, graph, pass ? on : off, pass ? port : 0, 120, &h)) {
            fail_with(r, &h, "graph");
            return;
        }
        if (performant) {
            rate = performant_rate(&h);
        } else {
            secs = after(&h, "stopped cleanly after ");
            rate = secs > 0 ? after(&h, "logged ") / secs : -1;
        }
        if (rate <= 0) {
            bench_fail(r, "no totals in the output");
            return;
        }
        if (pass == 0)
            r->value = rate;
        else
            r->value2 = rate;
    }
    if (!h.served) {
        bench_fail(r, "n/a (telemetry server not available)");
        return;
    }
    r->ok = true;
}

void bench_latency(const struct bench_cfg *cfg, struct bench_result *r)
{
    char yaml[512], graph[512];
    const char *args[] = { NULL };
    struct host h;
    const char *at;

    snprintf(yaml, sizeof(yaml),
             "graph: wakeup\n"
             "telemetry: { listen: \"off\" }\n"
             "actors:\n"
             "  stamp: { plugin: bench_stamp, params: { samples: %d, "
             "period_ms: 1 } }\n"
             "  wake: { plugin: bench_wake }\n"
             "channels:\n"
             "  - stamp.out -> wake.in\n",
             cfg->quick ? 20 : 2000);
    if (write_file(cfg, "wakeup.yaml", yaml, graph, sizeof(graph)) < 0 ||
        run_host(cfg, graph, args, 0, 60, &h) < 0) {
        fail_with(r, &h, "wake-up graph");
        return;
    }
    at = strstr(h.out, "wake-up latency");
    if (!at || !strstr(at, "p99 ")) {
        bench_fail(r, "no latency in the output");
        return;
    }
    r->value = strtod(strstr(at, "p50 ") + 4, NULL) / 1e3;
    r->value2 = strtod(strstr(at, "p99 ") + 4, NULL) / 1e3;
    r->ok = true;
}

void bench_idle_cpu(const struct bench_cfg *cfg, struct bench_result *r)
{
    char graph[512], addr[32];
    const char *args[] = { "--rate",      cfg->quick ? "100" : "1000",
                           "--beats",     cfg->quick ? "6" : "5",
                           "--telemetry", addr,
                           NULL };
    struct host h;
    const char *at;

    snprintf(graph, sizeof(graph), "%s/graphs/standard.yaml", cfg->source);
    snprintf(addr, sizeof(addr), "127.0.0.1:%d", free_port());
    if (run_host(cfg, graph, args, 0, 60, &h) < 0) {
        fail_with(r, &h, "standard graph");
        return;
    }
    at = strstr(h.out, "stopped cleanly");
    at = at ? strstr(at, " ms (") : NULL;
    if (!at) {
        bench_fail(r, "no CPU figure in the output");
        return;
    }
    r->value = strtod(at + 5, NULL);
    r->ok = true;
}

/* Max RSS in bytes of a graph of `pairs` stamp -> wake pairs, solo or
 * spread over two troupes; -1 on failure. */
static double pairs_rss(const struct bench_cfg *cfg, int pairs, bool troupe,
                        struct bench_result *r)
{
    char *yaml = malloc((size_t)pairs * 200 + 256);
    char graph[512];
    const char *args[] = { NULL };
    size_t used;
    struct host h;

    if (!yaml)
        return -1;
    used = (size_t)sprintf(yaml, "graph: pairs\n"
                                 "telemetry: { listen: \"off\" }\n"
                                 "defaults: { channel: { capacity: 16 } }\n"
                                 "actors:\n");
    for (int i = 0; i < pairs; i++)
        used += (size_t)sprintf(
            yaml + used,
            "  s%d: { plugin: bench_stamp, params: { samples: 3, "
            "period_ms: 100 }%s%s }\n  w%d: { plugin: bench_wake%s%s }\n",
            i, troupe ? ", troupe: t" : "", troupe ? (i % 2 ? "1" : "0") : "",
            i, troupe ? ", troupe: t" : "", troupe ? (i % 2 ? "1" : "0") : "");
    used += (size_t)sprintf(yaml + used, "channels:\n");
    for (int i = 0; i < pairs; i++)
        used += (size_t)sprintf(yaml + used, "  - s%d.out -> w%d.in\n", i, i);
    if (write_file(cfg, "pairs.yaml", yaml, graph, sizeof(graph)) < 0 ||
        run_host(cfg, graph, args, 0, 60, &h) < 0) {
        free(yaml);
        fail_with(r, &h, "many-actor graph");
        return -1;
    }
    free(yaml);
    return h.hwm > 0 ? h.hwm : -1;
}

void bench_mem_actor(const struct bench_cfg *cfg, struct bench_result *r)
{
    int few = 10, many = cfg->quick ? 30 : 210;

    for (int troupe = 0; troupe < 2; troupe++) {
        double a = pairs_rss(cfg, few, troupe, r);
        double b = a < 0 ? -1 : pairs_rss(cfg, many, troupe, r);

        if (b < 0) {
            if (!r->note[0])
                bench_fail(r, "no RSS in the output");
            return;
        }
        *(troupe ? &r->value2 : &r->value) = (b - a) / (2.0 * (many - few));
    }
    r->ok = true;
}

/* Max RSS in bytes of the pipeline with both data channels `slots` big. */
static double pipeline_rss(const struct bench_cfg *cfg, long slots,
                           struct bench_result *r)
{
    char yaml[1024], graph[512];
    const char *args[] = { NULL };
    struct host h;

    snprintf(yaml, sizeof(yaml),
             "graph: slots\n"
             "telemetry: { listen: \"off\" }\n"
             "defaults: { channel: { capacity: %ld } }\n"
             "actors:\n"
             "  heartbeat: { plugin: heartbeat, params: { rate_ms: 50, "
             "beats: 6 } }\n"
             "  generator: { plugin: generator, params: { batch: %ld } }\n"
             "  worker: { plugin: worker }\n"
             "  logger: { plugin: logger, params: { summary_ms: 1000 } }\n"
             "channels:\n"
             "  - { from: heartbeat.out, to: worker.heartbeat, capacity: 4 }\n"
             "  - generator.out -> worker.values\n"
             "  - worker.out -> logger.in\n",
             slots, slots);
    if (write_file(cfg, "slots.yaml", yaml, graph, sizeof(graph)) < 0 ||
        run_host(cfg, graph, args, 0, 60, &h) < 0) {
        fail_with(r, &h, "pipeline graph");
        return -1;
    }
    return h.hwm > 0 ? h.hwm : -1;
}

void bench_mem_slot(const struct bench_cfg *cfg, struct bench_result *r)
{
    long few = 1L << 12, many = cfg->quick ? 1L << 18 : 1L << 22;
    double a, b;

    a = pipeline_rss(cfg, few, r);
    b = a < 0 ? -1 : pipeline_rss(cfg, many, r);
    if (b < 0) {
        if (!r->note[0])
            bench_fail(r, "no RSS in the output");
        return;
    }
    r->value = (b - a) / (2.0 * (double)(many - few));
    r->ok = true;
}

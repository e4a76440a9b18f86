/* telcpu.c - what telemetry costs on a big graph with the dashboard open:
 * 75 standard pipelines (300 actors, 225 channels) in 5 troupes, as
 * tools/gen_telemetry_graph.sh writes them, while a client fetches what
 * the dashboard fetches at its pace (/graph.svg and /metrics every 500 ms,
 * /history.json?since=N every second). The figure is the CPU of the
 * telemetry threads (the collector "steady-tel", the HTTP server's
 * "steady-http" and libmicrohttpd's "MHD-*" workers, read from
 * /proc/PID/task) over the wall time, in percent of one core; the whole
 * process's share comes with it.
 */
#include "bench.h"

#include <arpa/inet.h>
#include <dirent.h>
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
#include <time.h>
#include <unistd.h>

extern char **environ;

#define POLL_MS    500  /* the dashboard's refresh */
#define HISTORY_MS 1000 /* and its history's */

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

/* GET path on a fresh connection; the body (malloc'd, NUL-terminated) or
 * NULL when the request failed or took more than 10 s. */
static char *http_get(int port, const char *path, size_t *len_out)
{
    struct sockaddr_in sa = { .sin_family = AF_INET,
                              .sin_port = htons((uint16_t)port) };
    char req[256];
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap), *body;
    uint64_t deadline = bench_now_ns() + 10000000000ull;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0 || !buf)
        goto err;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
        goto err;
    snprintf(req, sizeof(req),
             "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
             path);
    if (write(fd, req, strlen(req)) != (ssize_t)strlen(req))
        goto err;
    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        ssize_t got;

        if (bench_now_ns() > deadline || poll(&p, 1, 1000) < 0)
            goto err;
        if (!(p.revents & (POLLIN | POLLHUP)))
            continue;
        if (len + 4096 > cap) {
            char *more = realloc(buf, cap * 2);

            if (!more)
                goto err;
            buf = more;
            cap *= 2;
        }
        got = read(fd, buf + len, cap - len - 1);
        if (got < 0)
            goto err;
        if (got == 0)
            break;
        len += (size_t)got;
    }
    close(fd);
    buf[len] = '\0';
    body = strstr(buf, "\r\n\r\n");
    if (strncmp(buf, "HTTP/1.1 200", 12) != 0 || !body) {
        free(buf);
        return NULL;
    }
    body += 4;
    memmove(buf, body, len - (size_t)(body - buf) + 1);
    if (len_out)
        *len_out = strlen(buf);
    return buf;

err:
    if (fd >= 0)
        close(fd);
    free(buf);
    return NULL;
}

/* Nanoseconds of CPU the process's threads named steady-tel, steady-http
 * or MHD-* used (tel), and all of its threads (all). -1 on failure. */
static int thread_cpu(pid_t pid, double *tel, double *all)
{
    char path[128];
    DIR *d;
    struct dirent *e;

    snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
    d = opendir(path);
    if (!d)
        return -1;
    *tel = *all = 0;
    while ((e = readdir(d))) {
        char comm[32] = "", file[300];
        unsigned long long ns = 0;
        FILE *f;

        if (e->d_name[0] == '.')
            continue;
        snprintf(file, sizeof(file), "/proc/%d/task/%s/comm", (int)pid,
                 e->d_name);
        f = fopen(file, "r");
        if (f) {
            if (!fgets(comm, sizeof(comm), f))
                comm[0] = '\0';
            fclose(f);
        }
        snprintf(file, sizeof(file), "/proc/%d/task/%s/schedstat", (int)pid,
                 e->d_name);
        f = fopen(file, "r");
        if (!f || fscanf(f, "%llu", &ns) != 1)
            ns = 0;
        if (f)
            fclose(f);
        *all += (double)ns;
        if (strncmp(comm, "steady-tel", 10) == 0 ||
            strncmp(comm, "steady-http", 11) == 0 ||
            strncmp(comm, "MHD", 3) == 0)
            *tel += (double)ns;
    }
    closedir(d);
    return 0;
}

/* The big graph: `pipelines` standard pipelines in `troupes` troupes. */
static int write_graph(const struct bench_cfg *cfg, int pipelines, int troupes,
                       char *path, size_t len)
{
    FILE *f;

    snprintf(path, len, "%s/pipelines.yaml", cfg->tmp);
    f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "graph: pipelines%d\nactors:\n", pipelines);
    for (int i = 0; i < pipelines; i++)
        fprintf(f,
                "  heartbeat%d: { plugin: heartbeat, params: { rate_ms: 100, "
                "beats: 100000000 }, troupe: t%d }\n"
                "  generator%d: { plugin: generator, troupe: t%d }\n"
                "  worker%d: { plugin: worker, troupe: t%d }\n"
                "  logger%d: { plugin: logger, params: { summary_ms: "
                "3600000 }, troupe: t%d }\n",
                i, i % troupes, i, i % troupes, i, i % troupes, i, i % troupes);
    fprintf(f, "channels:\n");
    for (int i = 0; i < pipelines; i++)
        fprintf(f,
                "  - heartbeat%d.out -> worker%d.heartbeat\n"
                "  - generator%d.out -> worker%d.values\n"
                "  - worker%d.out -> logger%d.in\n",
                i, i, i, i, i, i);
    return fclose(f);
}

static void sleep_until(uint64_t t)
{
    uint64_t now = bench_now_ns();

    if (t > now) {
        struct timespec ts = { (time_t)((t - now) / 1000000000u),
                               (long)((t - now) % 1000000000u) };

        nanosleep(&ts, NULL);
    }
}

/* Polls as the dashboard does until `until`; false when a fetch failed. */
static bool poll_like_dashboard(int port, uint64_t until,
                                unsigned long long *last_seq, size_t *bytes)
{
    uint64_t next = bench_now_ns(), next_history = next;

    while (next < until) {
        char path[64];
        size_t len = 0;
        char *svg = http_get(port, "/graph.svg", &len);
        char *metrics = svg ? http_get(port, "/metrics", NULL) : NULL;

        free(svg);
        if (!metrics)
            return false;
        free(metrics);
        *bytes = len;
        if (bench_now_ns() >= next_history) {
            char *h, *at;

            snprintf(path, sizeof(path), "/history.json?since=%llu", *last_seq);
            h = http_get(port, path, NULL);
            if (!h)
                return false;
            at = strstr(h, "\"last_seq\":");
            if (at)
                *last_seq = strtoull(at + 11, NULL, 10);
            free(h);
            next_history += HISTORY_MS * 1000000ull;
        }
        next += POLL_MS * 1000000ull;
        sleep_until(next);
    }
    return true;
}

void bench_telemetry_cpu(const struct bench_cfg *cfg, struct bench_result *r)
{
    int pipelines = cfg->quick ? 5 : 75, troupes = cfg->quick ? 2 : 5;
    int seconds = cfg->quick ? 2 : 20, port = free_port();
    char graph[512], addr[32];
    const char *argv[] = { cfg->host, "run",         graph,  "--telemetry",
                           addr,      "--log-level", "warn", NULL };
    posix_spawn_file_actions_t fa;
    double tel0, all0, tel1, all1;
    unsigned long long seq = 0;
    uint64_t t0, t1;
    size_t svg_bytes = 0;
    char *up;
    pid_t pid;
    int st;

    if (port < 0 ||
        write_graph(cfg, pipelines, troupes, graph, sizeof(graph)) < 0) {
        bench_fail(r, "cannot write the graph");
        return;
    }
    snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    if (posix_spawn(&pid, cfg->host, &fa, NULL, (char **)argv, environ)) {
        posix_spawn_file_actions_destroy(&fa);
        bench_fail(r, "cannot start %s", cfg->host);
        return;
    }
    posix_spawn_file_actions_destroy(&fa);
    /* up, and two seconds of polling first: the first layout, warm caches */
    t0 = bench_now_ns();
    while (!(up = http_get(port, "/metrics", NULL))) {
        if (bench_now_ns() - t0 > 15000000000ull) {
            bench_fail(r, "the telemetry server did not answer in 15 s");
            goto stop;
        }
        sleep_until(bench_now_ns() + 100000000u);
    }
    free(up);
    if (!poll_like_dashboard(port, bench_now_ns() + 2000000000ull, &seq,
                             &svg_bytes) ||
        thread_cpu(pid, &tel0, &all0) < 0) {
        bench_fail(r, "polling failed");
        goto stop;
    }
    t0 = bench_now_ns();
    if (!poll_like_dashboard(port, t0 + (uint64_t)seconds * 1000000000u, &seq,
                             &svg_bytes) ||
        thread_cpu(pid, &tel1, &all1) < 0) {
        bench_fail(r, "polling failed");
        goto stop;
    }
    t1 = bench_now_ns();
    r->value = (tel1 - tel0) * 100.0 / (double)(t1 - t0);
    r->value2 = (all1 - all0) * 100.0 / (double)(t1 - t0);
    r->ok = svg_bytes > 0 && seq > 0;
    if (!r->ok)
        bench_fail(r, "no picture or no history served");

stop:
    kill(pid, SIGINT);
    waitpid(pid, &st, 0);
    unlink(graph);
}

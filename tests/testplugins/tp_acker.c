/* tp_acker.c - stands for a plugin that acknowledges to the outside world
 * (a message queue, say): it takes u64 items, counts them in its state,
 * and tells the outside how many it has taken (a line "ack N" appended to
 * `file`) only once a snapshot covers them: the work done before a wait
 * belongs to the snapshot steady_snapshot_next names then, covered once
 * steady_snapshotted(a, that number) is met. Without snapshots it
 * acknowledges at once. Each run logs "acker starts at N", so a test can
 * check that no run starts below what was acknowledged. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <steady/steady.h>
#include <string.h>
#include <unistd.h>

enum { IN };

struct acker_state {
    uint64_t taken;
};

struct acker {
    int fd;
    uint64_t pending_n;     /* the snapshot that covers pending_taken */
    uint64_t pending_taken; /* 0: nothing waits for a snapshot */
};

static void ack(struct steady_actor *a, uint64_t taken)
{
    struct acker *k = steady_ctx(a);
    char line[40];
    int n = snprintf(line, sizeof(line), "ack %llu\n",
                     (unsigned long long)taken);

    if (write(k->fd, line, (size_t)n) != n)
        steady_panic(a, "cannot write the acknowledgement: %s",
                     strerror(errno));
}

static int init(struct steady_actor *a)
{
    struct acker *k = calloc(1, sizeof(*k));

    if (!k)
        return steady_fail(a, "out of memory");
    k->fd = open(steady_param_str(a, "file"),
                 O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (k->fd < 0) {
        free(k);
        return steady_fail(a, "cannot open %s: %s",
                           steady_param_str(a, "file"), strerror(errno));
    }
    steady_set_ctx(a, k);
    return 0;
}

static void destroy(struct steady_actor *a)
{
    struct acker *k = steady_ctx(a);

    /* the final snapshot is written before destroy: it covers all */
    if (k->pending_n && steady_snapshot_done(a) >= k->pending_n)
        ack(a, k->pending_taken);
    close(k->fd);
    free(k);
}

static int run(struct steady_actor *a)
{
    struct acker_state *s = steady_state(a);
    struct acker *k = steady_ctx(a);
    /* what this run starts from is in the snapshot it resumed from */
    uint64_t acked = s->taken, v;

    steady_info(a, "acker starts at %llu", (unsigned long long)s->taken);
    k->pending_n = 0;
    while (steady_running(a)) {
        struct steady_cond c[2] = { steady_avail(a, IN, 1),
                                    steady_snapshotted(a, k->pending_n) };

        (void)steady_await(a, false, c, k->pending_n ? 2 : 1);
        if (k->pending_n && steady_snapshot_done(a) >= k->pending_n) {
            ack(a, k->pending_taken);
            acked = k->pending_taken;
            k->pending_n = 0;
        }
        while (steady_channel_try_take(steady_port(a, IN), &v))
            s->taken++;
        if (k->pending_n || s->taken == acked)
            continue;
        /* taken before the next wait: covered by the snapshot named now */
        k->pending_n = steady_snapshot_next(a);
        k->pending_taken = s->taken;
        if (!k->pending_n) { /* snapshots off */
            ack(a, s->taken);
            acked = s->taken;
        }
    }
    /* what is left goes with the final snapshot, acknowledged in destroy */
    if (s->taken != acked && !k->pending_n)
        k->pending_n = steady_snapshot_next(a);
    k->pending_taken = s->taken;
    return 0;
}

static const struct steady_port_desc ports[] = {
    [IN] = { "in", STEADY_IN, "u64", sizeof(uint64_t), true },
};

static const struct steady_param_desc params[] = {
    { .name = "file",
      .type = STEADY_PARAM_STRING,
      .default_value = "acks.txt",
      .doc = "where the acknowledgements are appended" },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "tp_acker",
    .version = "1.0",
    .summary = "acknowledges only what a snapshot covers",
    .ports = STEADY_PORTS(ports),
    .params = STEADY_PARAMS(params),
    .state_size = sizeof(struct acker_state),
    .init = init,
    .run = run,
    .destroy = destroy,
};

STEADY_PLUGIN_DEFINE(desc)

/* test_fd_waits.c - actors waiting on sockets and FIFOs through the real
 * host, solo and in a troupe: a member parked on a socket never holds up
 * its mates (they move every item, counted exactly) and still gets its
 * data while they keep the thread busy, across a restart; a FIFO's end of
 * input ends the graph by itself; parked actors idle at (next to) no CPU;
 * a shutdown request wakes them at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the headers above */
#include "host_run.h"

#include <arpa/inet.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

struct dir {
    char path[64];
    char graph[128];
    char fifo[128];
};

/* The running test's folder and host (static in the test), cleaned up by
 * teardown, also when the test fails half-way. */
static struct dir *live_dir;
static struct host_run *live_host;

static void dir_make(struct dir *d)
{
    snprintf(d->path, sizeof(d->path), "/tmp/steady-fd-XXXXXX");
    assert_non_null(mkdtemp(d->path));
    snprintf(d->graph, sizeof(d->graph), "%s/g.yaml", d->path);
    snprintf(d->fifo, sizeof(d->fifo), "%s/fifo", d->path);
    live_dir = d;
}

static void dir_remove(struct dir *d)
{
    unlink(d->graph);
    unlink(d->fifo);
    rmdir(d->path);
    live_dir = NULL;
}

static int start(struct host_run *h, const char *const *args)
{
    int rc = host_start(h, args);

    live_host = rc == 0 ? h : NULL;
    return rc;
}

static int teardown(void **state)
{
    (void)state;
    /* still our unwaited child (a reaped pid may be someone else's) */
    if (live_host && live_host->pid > 0 &&
        waitpid(live_host->pid, NULL, WNOHANG) == 0) {
        kill(live_host->pid, SIGKILL);
        host_wait(live_host, 5000);
    }
    if (live_host) {
        free(live_host->output);
        live_host->output = NULL;
        unlink(live_host->out_path);
    }
    live_host = NULL;
    if (live_dir)
        dir_remove(live_dir);
    return 0;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void await_text(struct host_run *h, const char *text, int ms)
{
    char *out;

    if (host_await_output(h, text, ms))
        return;
    out = host_read_output(h);
    /* the output may be long: its end says most */
    fail_msg("no '%s' in the output:\n%s", text,
             strlen(out) > 4000 ? out + strlen(out) - 4000 : out);
}

static void expect_text(const struct host_run *h, const char *text)
{
    if (!strstr(h->output, text))
        fail_msg("output lacks '%s':\n%s", text, h->output);
}

/* The port an actor logged with "listening on 127.0.0.1 port N". */
static int logged_port(struct host_run *h, const char *actor)
{
    char key[96];
    char *out;
    const char *p;
    int port = -1;

    snprintf(key, sizeof(key), "[%s] listening on 127.0.0.1 port ", actor);
    await_text(h, key, 30000);
    out = host_read_output(h);
    p = strstr(out, key);
    assert_non_null(p);
    assert_int_equal(sscanf(p + strlen(key), "%d", &port), 1);
    free(out);
    return port;
}

static int connect_to(int port)
{
    struct sockaddr_in sa = { .sin_family = AF_INET,
                              .sin_port = htons((uint16_t)port) };
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_true(fd >= 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    return fd;
}

/* N from "[actor] PREFIX N" in the output. */
static unsigned long long logged_count(const struct host_run *h,
                                       const char *actor, const char *prefix)
{
    char key[96];
    const char *p;
    unsigned long long n = 0;

    snprintf(key, sizeof(key), "[%s] %s", actor, prefix);
    p = strstr(h->output, key);
    if (!p)
        fail_msg("output lacks '%s':\n%s", key, h->output);
    assert_int_equal(sscanf(p + strlen(key), "%llu", &n), 1);
    return n;
}

/* seq1 -> mate1 is finite, seq2 -> mate2 endless (it keeps the thread
 * busy); net waits on a socket beside them; with `troupe`, net and both
 * mates share one thread. */
static void write_busy_graph(const char *path, bool troupe)
{
    char text[1024];
    const char *t = troupe ? ", troupe: pair" : "";

    snprintf(text, sizeof(text),
             "graph: fdbusy\n"
             "telemetry: { listen: \"off\" }\n"
             "actors:\n"
             "  seq1: { plugin: seq, params: { count: 300000 } }\n"
             "  seq2: { plugin: seq }\n"
             "  mate1: { plugin: sink%s }\n"
             "  mate2: { plugin: sink%s }\n"
             "  net:\n"
             "    plugin: tp_fdecho\n"
             "    params: { source: listen, fail_at: 2 }\n"
             "    restart: { max: 3, within_s: 60, backoff_ms: 10 }\n"
             "%s"
             "  netsink: { plugin: sink }\n"
             "channels:\n"
             "  - seq1.out -> mate1.in\n"
             "  - seq2.out -> mate2.in\n"
             "  - net.out -> netsink.in\n",
             t, t, troupe ? "    troupe: pair\n" : "");
    write_text(path, text);
}

static void run_busy(bool troupe)
{
    static struct dir d;
    static struct host_run h;
    const char *args[] = { "run", d.graph, NULL };
    unsigned long long sent, took;
    char *out;
    int port, fd;

    dir_make(&d);
    write_busy_graph(d.graph, troupe);
    assert_int_equal(start(&h, args), 0);
    port = logged_port(&h, "net");
    /* net is parked on its listening socket: mate1 still takes all of
     * its 300000 values (0 + 1 + ... + 299999) */
    await_text(&h, "[mate1] took 300000 items, sum 44999850000", 60000);
    out = host_read_output(&h);
    assert_null(strstr(out, "[net] accepted"));
    free(out);
    /* while mate2 keeps the thread busy, net gets what is sent, and
     * after failing at the second value it reads on (restarted) */
    fd = connect_to(port);
    assert_int_equal(write(fd, "5 6 7\n", 6), 6);
    await_text(&h, "[net] got 3 values so far", 30000);
    close(fd);
    await_text(&h, "[net] end of input after 3 values", 30000);
    await_text(&h, "[netsink] took 3 items, sum 18", 30000);
    kill(h.pid, SIGTERM);
    assert_int_equal(host_wait(&h, 30000), 0);
    expect_text(&h, "[net] panic: failing once after 2 values");
    expect_text(&h, "restart 1 (at most 3 within 60 s)");
    expect_text(&h, "stopped cleanly");
    /* exact counts: mate2 took every value seq2 sent */
    sent = logged_count(&h, "seq2", "sent ");
    took = logged_count(&h, "mate2", "took ");
    assert_true(sent > 0);
    assert_int_equal(sent, took);
}

static void test_troupe_member_on_a_socket_lets_mates_run(void **state)
{
    (void)state;
    run_busy(true);
}

static void test_solo_actor_on_a_socket(void **state)
{
    (void)state;
    run_busy(false);
}

/* Three mates whose timers keep the troupe's thread busy without a single
 * wake of its waker: the member parked on a socket is still looked after
 * and gets its data while they run. */
static void test_troupe_busy_on_timers_still_serves_the_socket(void **state)
{
    static struct dir d;
    static struct host_run h;
    const char *args[] = { "run", d.graph, NULL };
    struct timespec pause = { 0, 100 * 1000 * 1000 };
    int fd, port;

    (void)state;
    dir_make(&d);
    write_text(d.graph, "graph: fdtimers\n"
                        "telemetry: { listen: \"off\" }\n"
                        "actors:\n"
                        "  tick1: { plugin: tp_busytick, troupe: busy }\n"
                        "  tick2: { plugin: tp_busytick, troupe: busy }\n"
                        "  tick3: { plugin: tp_busytick, troupe: busy }\n"
                        "  net:\n"
                        "    plugin: tp_fdecho\n"
                        "    params: { source: listen }\n"
                        "    troupe: busy\n");
    assert_int_equal(start(&h, args), 0);
    port = logged_port(&h, "net");
    /* each step once net is (most likely) parked again: a pause to make
     * the test look at the parked case, not a race */
    await_text(&h, "[net] waiting for a connection", 30000);
    nanosleep(&pause, NULL);
    fd = connect_to(port);
    await_text(&h, "[net] reading fd", 30000);
    nanosleep(&pause, NULL);
    assert_int_equal(write(fd, "1 2\n", 4), 4);
    await_text(&h, "[net] got 2 values so far", 30000);
    nanosleep(&pause, NULL);
    close(fd);
    await_text(&h, "[net] end of input after 2 values", 30000);
    kill(h.pid, SIGTERM);
    assert_int_equal(host_wait(&h, 30000), 0);
    expect_text(&h, "[tick1] ticked ");
    expect_text(&h, "[tick2] ticked ");
    expect_text(&h, "stopped cleanly");
}

/* A member whose fd is always readable (a firehose: /dev/zero) is met at
 * once on every wait; it still lets its mate run, which takes every item
 * of a finite stream while the firehose goes on. */
static void test_troupe_firehose_fd_lets_its_mate_run(void **state)
{
    static struct dir d;
    static struct host_run h;
    const char *args[] = { "run", d.graph, NULL };

    (void)state;
    dir_make(&d);
    write_text(d.graph, "graph: fdhose\n"
                        "telemetry: { listen: \"off\" }\n"
                        "actors:\n"
                        "  hose:\n"
                        "    plugin: tp_fdecho\n"
                        "    params: { source: path, path: /dev/zero }\n"
                        "    troupe: pair\n"
                        "  seq: { plugin: seq, params: { count: 100000 } }\n"
                        "  mate: { plugin: sink, troupe: pair }\n"
                        "channels:\n"
                        "  - seq.out -> mate.in\n");
    assert_int_equal(start(&h, args), 0);
    await_text(&h, "[mate] took 100000 items, sum 4999950000", 60000);
    kill(h.pid, SIGTERM);
    assert_int_equal(host_wait(&h, 30000), 0);
    expect_text(&h, "[hose] stopped after 0 values");
    expect_text(&h, "stopped cleanly");
}

/* A FIFO reader and its sink: the end of the FIFO's input ends the
 * reader, which ends the sink, which ends the graph (exit 0). */
static void run_fifo(bool troupe)
{
    static struct dir d;
    static struct host_run h;
    const char *args[] = { "run", d.graph, "--fifo", d.fifo, NULL };
    char text[512];
    int fd;

    dir_make(&d);
    assert_int_equal(mkfifo(d.fifo, 0600), 0);
    snprintf(text, sizeof(text),
             "graph: fdfifo\n"
             "args: { fifo: \"\" }\n"
             "telemetry: { listen: \"off\" }\n"
             "actors:\n"
             "  reader:\n"
             "    plugin: tp_fdecho\n"
             "    params: { source: path, path: $fifo }\n"
             "%s"
             "  total: { plugin: sink%s }\n"
             "channels:\n"
             "  - reader.out -> total.in\n",
             troupe ? "    troupe: io\n" : "", troupe ? ", troupe: io" : "");
    write_text(d.graph, text);
    assert_int_equal(start(&h, args), 0);
    await_text(&h, "[reader] reading fd", 30000);
    /* the reader has it open: a non-blocking open for writing succeeds */
    fd = open(d.fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "1 2 3\n", 6), 6);
    close(fd);
    assert_int_equal(host_wait(&h, 30000), 0);
    expect_text(&h, "[reader] end of input after 3 values");
    expect_text(&h, "[total] took 3 items, sum 6");
    expect_text(&h, "ended by itself");
}

static void test_fifo_end_ends_the_graph_solo(void **state)
{
    (void)state;
    run_fifo(false);
}

static void test_fifo_end_ends_the_graph_in_a_troupe(void **state)
{
    (void)state;
    run_fifo(true);
}

static uint64_t ms_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* CPU time the process has used so far, in ms. */
static double process_cpu_ms(pid_t pid)
{
    clockid_t clock;
    struct timespec ts;

    assert_int_equal(clock_getcpuclockid(pid, &clock), 0);
    assert_int_equal(clock_gettime(clock, &ts), 0);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void test_parked_on_fds_idles_and_stops_promptly(void **state)
{
    static struct dir d;
    static struct host_run h;
    const char *args[] = { "run", d.graph, NULL };
    struct timespec second = { 1, 0 }, settle = { 0, 200 * 1000 * 1000 };
    double before, used;
    uint64_t asked;
    int fd;

    (void)state;
    dir_make(&d);
    /* two listeners (solo, and in a troupe beside a mate waiting on a
     * channel), one of them past accept, parked on its connection */
    write_text(d.graph,
               "graph: fdidle\n"
               "telemetry: { listen: \"off\" }\n"
               "actors:\n"
               "  solo_net: { plugin: tp_fdecho, params: { source: listen } "
               "}\n"
               "  t_net:\n"
               "    plugin: tp_fdecho\n"
               "    params: { source: listen }\n"
               "    troupe: idle\n"
               "  beat:\n"
               "    plugin: heartbeat\n"
               "    params: { rate_ms: 600000, beats: 5, log_every: 0 }\n"
               "  t_mate: { plugin: sink, troupe: idle }\n"
               "channels:\n"
               "  - beat.out -> t_mate.in\n");
    assert_int_equal(start(&h, args), 0);
    logged_port(&h, "solo_net");
    fd = connect_to(logged_port(&h, "t_net"));
    await_text(&h, "[t_net] reading fd", 30000);
    nanosleep(&settle, NULL);
    before = process_cpu_ms(h.pid);
    nanosleep(&second, NULL);
    used = process_cpu_ms(h.pid) - before;
    /* a bound, generous for sanitizer builds on a loaded machine: an
     * actor polling its fd in a loop would use the whole second */
    if (used > 50)
        fail_msg("the idle graph used %.1f ms of CPU in 1 s", used);
    asked = ms_now();
    kill(h.pid, SIGTERM);
    assert_int_equal(host_wait(&h, 30000), 0);
    /* woken by the request, not by a timer (the heartbeat's is minutes) */
    if (ms_now() - asked > 3000)
        fail_msg("stopping took %llu ms:\n%s",
                 (unsigned long long)(ms_now() - asked), h.output);
    expect_text(&h, "[solo_net] stopped before a connection");
    expect_text(&h, "[t_net] stopped after 0 values");
    expect_text(&h, "stopped cleanly");
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_troupe_member_on_a_socket_lets_mates_run,
                                  teardown),
        cmocka_unit_test_teardown(test_solo_actor_on_a_socket, teardown),
        cmocka_unit_test_teardown(
            test_troupe_busy_on_timers_still_serves_the_socket, teardown),
        cmocka_unit_test_teardown(test_troupe_firehose_fd_lets_its_mate_run,
                                  teardown),
        cmocka_unit_test_teardown(test_fifo_end_ends_the_graph_solo, teardown),
        cmocka_unit_test_teardown(test_fifo_end_ends_the_graph_in_a_troupe,
                                  teardown),
        cmocka_unit_test_teardown(test_parked_on_fds_idles_and_stops_promptly,
                                  teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_snapshots.c - process snapshots through the real host: the standard
 * pipeline with a state_dir, a small checkpoint_ms and the logger writing
 * to a file is killed with SIGKILL at several moments (deterministic
 * seeds; each kill comes after progress is seen, never after a bare
 * sleep), restarted each time and finally let end: the file then holds
 * exactly fizzbuzz(0..N-1), nothing missing, nothing twice. The same in a
 * troupe, and for a variable-size channel. Hostile snapshot files
 * (truncated, of another graph, a link, another user's) and bad settings
 * are refused with exit 2.
 */
#include "host_run.h"
#include "remove_tree.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
/* cmocka.h needs the headers above */
#include <cmocka.h>
/* after cmocka.h */
#include "sequence.h"

#define WAIT_MS 60000
#define KILLS   5

struct tmp {
    char dir[64];
    char graph[96];
    char state[96];
    char out[96];
    char snap[128];
};

static void tmp_make(struct tmp *t)
{
    memset(t, 0, sizeof(*t));
    snprintf(t->dir, sizeof(t->dir), "/tmp/steady-snaps-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->graph, sizeof(t->graph), "%s/g.yaml", t->dir);
    snprintf(t->state, sizeof(t->state), "%s/state", t->dir);
    snprintf(t->out, sizeof(t->out), "%s/out.txt", t->dir);
    snprintf(t->snap, sizeof(t->snap), "%s/steady.snapshot", t->state);
}

static void tmp_remove(struct tmp *t)
{
    remove_tree(t->dir);
}

/* The standard pipeline; troupe: every actor in one troupe. */
static void write_standard(const struct tmp *t, bool troupe, int capacity)
{
    FILE *f = fopen(t->graph, "w");
    const char *tr = troupe ? ", troupe: all" : "";

    assert_non_null(f);
    fprintf(f,
            "graph: snapstd\n"
            "args: { rate: 10, beats: 150 }\n"
            "telemetry: { listen: off }\n"
            "state_dir: %s\n"
            "checkpoint_ms: 20\n"
            "defaults: { channel: { capacity: %d } }\n"
            "actors:\n"
            "  heartbeat: { plugin: heartbeat, params: { rate_ms: $rate, "
            "beats: $beats }%s }\n"
            "  generator: { plugin: generator%s }\n"
            "  worker: { plugin: worker%s }\n"
            "  logger: { plugin: logger, params: { file: %s }%s }\n"
            "channels:\n"
            "  - heartbeat.out -> worker.heartbeat\n"
            "  - generator.out -> worker.values\n"
            "  - worker.out -> logger.in\n",
            t->state, capacity, tr, tr, tr, t->out, tr);
    fclose(f);
}

static long file_size(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

static int count_in(const char *text, const char *part)
{
    int n = 0;

    for (const char *p = text; (p = strstr(p, part)); p += strlen(part))
        n++;
    return n;
}

/* Waits until `snaps` snapshots were written in this run and `path` (if
 * any) grew past `size`: progress, with a deadline. */
static void await_progress(struct host_run *h, int snaps, const char *path,
                           long size)
{
    struct timespec step = { 0, 2 * 1000 * 1000 };

    for (int waited = 0; waited < WAIT_MS; waited += 2) {
        char *out = host_read_output(h);
        bool ok = count_in(out, "] snapshot ") >= snaps &&
                  (!path || file_size(path) > size);

        free(out);
        if (ok)
            return;
        nanosleep(&step, NULL);
    }
    fail_msg("no progress within %d ms", WAIT_MS);
}

/* The last few KiB of an output, for failure messages. */
static const char *tail_of(const char *out)
{
    size_t n = strlen(out);

    return n > 3000 ? out + n - 3000 : out;
}

/* Runs `args` KILLS times, killing each run with SIGKILL after progress
 * and a random few ms more, then once to its end. Returns how many runs
 * resumed from a snapshot. */
static int kill_and_resume(const char *const *args, unsigned seed,
                           const char *path, char **last_output)
{
    int resumed = 0, killed = 0, st;
    struct host_run h;

    srand(seed);
    for (int k = 0; k < KILLS; k++) {
        struct timespec jitter = { 0, (long)(rand() % 15) * 1000 * 1000 };

        assert_int_equal(host_start(&h, args), 0);
        await_progress(&h, 1 + rand() % 3, path, path ? file_size(path) : 0);
        nanosleep(&jitter, NULL);
        kill(h.pid, SIGKILL);
        /* on a fast machine a run may end by itself before the kill */
        st = host_wait(&h, WAIT_MS);
        if (st != 0 && st != 128 + SIGKILL)
            fail_msg("a run ended with %d:\n%s", st, tail_of(h.output));
        killed += st == 128 + SIGKILL;
        resumed += strstr(h.output, "resumes from snapshot") != NULL;
        free(h.output);
    }
    /* most kills hit a running graph */
    assert_true(killed >= KILLS - 1);
    if (host_run(&h, args, WAIT_MS) != 0)
        fail_msg("the last run ended with %d:\n%s", h.status,
                 tail_of(h.output));
    resumed += strstr(h.output, "resumes from snapshot") != NULL;
    *last_output = h.output;
    return resumed;
}

/* The file holds exactly fizzbuzz(0..N-1), N > 0. Returns N. */
static unsigned long long assert_file_sequence(const char *path)
{
    char *text = read_file_text(path);
    unsigned long long i = 0;
    char want[64];

    for (const char *p = text; *p;) {
        const char *eol = strchr(p, '\n');

        if (!eol)
            fail_msg("line %llu has no end: '%s'", i, p);
        fizzbuzz_text(i, want, sizeof(want));
        if ((size_t)(eol - p) != strlen(want) ||
            strncmp(p, want, strlen(want)) != 0)
            fail_msg("line %llu is '%.*s', expected '%s'", i, (int)(eol - p), p,
                     want);
        i++;
        p = eol + 1;
    }
    free(text);
    assert_true(i > 0);
    return i;
}

static void standard_killed(bool troupe, unsigned seed)
{
    struct tmp t;
    char *out;
    const char *args[] = { "run", NULL, "--log-level", "debug", NULL };
    unsigned long long n;
    int resumed;

    tmp_make(&t);
    write_standard(&t, troupe, 64);
    args[1] = t.graph;
    resumed = kill_and_resume(args, seed, t.out, &out);
    /* the kills came after snapshots: the runs after them resumed */
    assert_true(resumed >= KILLS);
    n = assert_file_sequence(t.out);
    /* the last run stopped cleanly and says how many it logged in all */
    {
        char line[96];

        snprintf(line, sizeof(line), "[logger] logged %llu messages", n);
        if (!strstr(out, line))
            fail_msg("no '%s' in:\n%s", line, out);
    }
    free(out);
    tmp_remove(&t);
}

static void test_standard_killed_and_resumed(void **state)
{
    (void)state;
    standard_killed(false, 1);
}

static void test_standard_in_a_troupe_killed_and_resumed(void **state)
{
    (void)state;
    standard_killed(true, 2);
}

static void test_varsize_killed_and_resumed(void **state)
{
    struct tmp t;
    FILE *f;
    char *out;
    const char *args[] = { "run", NULL, "--log-level", "debug", NULL };

    (void)state;
    tmp_make(&t);
    f = fopen(t.graph, "w");
    assert_non_null(f);
    fprintf(f,
            "graph: snaptext\n"
            "telemetry: { listen: off }\n"
            "state_dir: %s\n"
            "checkpoint_ms: 20\n"
            "actors:\n"
            "  src: { plugin: tp_textsrc, params: { count: 1500000 } }\n"
            "  sink: { plugin: tp_textsink }\n"
            "channels:\n"
            "  - { from: src.out, to: sink.in, capacity: 32, bytes: 2000 }\n",
            t.state);
    fclose(f);
    args[1] = t.graph;
    assert_true(kill_and_resume(args, 3, NULL, &out) >= KILLS);
    /* every message once, in order: none missing, none repeated */
    if (!strstr(out, "took 1500000 messages") ||
        !strstr(out, "first 0, last 1499999, 0 bad"))
        fail_msg("the sink did not take each message once:\n%s", out);
    free(out);
    tmp_remove(&t);
}

/* The last "ack N" in the acknowledgement file, 0 when none. */
static unsigned long long last_ack(const char *path)
{
    char *text = read_file_text(path);
    unsigned long long n = 0, prev = 0;

    for (const char *p = text; (p = strstr(p, "ack ")); p += 4) {
        n = strtoull(p + 4, NULL, 10);
        /* acknowledgements only go up */
        assert_true(n >= prev);
        prev = n;
    }
    free(text);
    return n;
}

/* What "acker starts at N" said in a run's output. */
static unsigned long long acker_start(const char *out)
{
    const char *at = strstr(out, "acker starts at ");

    if (!at)
        fail_msg("no 'acker starts at' in:\n%s", out);
    return strtoull(at + strlen("acker starts at "), NULL, 10);
}

/* tp_acker acknowledges only what a snapshot covers: no run resumes below
 * what the outside was told, whatever the moment of the kill, and at the
 * clean end everything is acknowledged. */
static void test_acknowledged_only_when_covered(void **state)
{
    struct tmp t;
    struct host_run h;
    FILE *f;
    char acks[128];
    const char *args[] = { "run", NULL, "--log-level", "debug", NULL };

    (void)state;
    tmp_make(&t);
    snprintf(acks, sizeof(acks), "%s/acks.txt", t.dir);
    f = fopen(t.graph, "w");
    assert_non_null(f);
    fprintf(f,
            "graph: snapack\n"
            "telemetry: { listen: off }\n"
            "state_dir: %s\n"
            "checkpoint_ms: 20\n"
            "actors:\n"
            "  src: { plugin: tp_counter, params: { count: 3000000 } }\n"
            "  ack: { plugin: tp_acker, params: { file: %s } }\n"
            "channels:\n"
            "  - { from: src.out, to: ack.in, capacity: 64 }\n",
            t.state, acks);
    fclose(f);
    args[1] = t.graph;
    srand(4);
    for (int k = 0; k < KILLS; k++) {
        struct timespec jitter = { 0, (long)(rand() % 15) * 1000 * 1000 };
        unsigned long long acked = last_ack(acks);

        assert_int_equal(host_start(&h, args), 0);
        /* progress: snapshots written and a new acknowledgement out */
        await_progress(&h, 2 + rand() % 3, acks, file_size(acks));
        nanosleep(&jitter, NULL);
        kill(h.pid, SIGKILL);
        assert_int_equal(host_wait(&h, WAIT_MS), 128 + SIGKILL);
        assert_true(acker_start(h.output) >= acked);
        free(h.output);
    }
    {
        unsigned long long acked = last_ack(acks);

        if (host_run(&h, args, WAIT_MS) != 0)
            fail_msg("the last run ended with %d:\n%s", h.status,
                     tail_of(h.output));
        assert_true(acker_start(h.output) >= acked);
        assert_true(acked > 0);
    }
    /* at the clean end the final snapshot covers everything taken */
    assert_int_equal(last_ack(acks), 3000000);
    free(h.output);
    tmp_remove(&t);
}

/* ---- refusals ---- */

/* A snapshot of the standard graph (one clean run), for the refusals. */
static void make_snapshot(struct tmp *t)
{
    struct host_run h;
    const char *args[] = { "run", t->graph, "--beats", "3", NULL };

    tmp_make(t);
    write_standard(t, false, 64);
    assert_int_equal(host_run(&h, args, WAIT_MS), 0);
    free(h.output);
    assert_true(file_size(t->snap) > 0);
}

static void expect_refused(struct tmp *t, const char *part)
{
    struct host_run h;
    const char *args[] = { "run", t->graph, "--beats", "3", NULL };

    assert_int_equal(host_run(&h, args, WAIT_MS), 2);
    if (!strstr(h.output, part))
        fail_msg("output lacks '%s':\n%s", part, h.output);
    free(h.output);
}

static void test_truncated_snapshot_refused(void **state)
{
    struct tmp t;

    (void)state;
    make_snapshot(&t);
    assert_int_equal(truncate(t.snap, file_size(t.snap) - 3), 0);
    expect_refused(&t, "truncated or damaged");
    tmp_remove(&t);
}

static void test_snapshot_of_another_graph_refused(void **state)
{
    struct tmp t;

    (void)state;
    make_snapshot(&t);
    write_standard(&t, false, 32);
    expect_refused(&t, "had capacity 64");
    expect_refused(&t, "move");
    tmp_remove(&t);
}

static void test_snapshot_link_refused(void **state)
{
    struct tmp t;
    char moved[160];

    (void)state;
    make_snapshot(&t);
    snprintf(moved, sizeof(moved), "%s/elsewhere", t.dir);
    assert_int_equal(rename(t.snap, moved), 0);
    assert_int_equal(symlink(moved, t.snap), 0);
    expect_refused(&t, "is a symbolic link");
    tmp_remove(&t);
}

static void test_snapshot_of_another_user_refused(void **state)
{
    struct tmp t;

    (void)state;
    make_snapshot(&t);
    if (chown(t.snap, 65534, (gid_t)-1) < 0) {
        print_message("skipped: chown to uid 65534: %s\n", strerror(errno));
        tmp_remove(&t);
        skip();
    }
    expect_refused(&t, "owned by uid 65534");
    tmp_remove(&t);
}

static void test_settings_refused(void **state)
{
    struct tmp t;
    struct host_run h;
    FILE *f;
    const char *bad_flag[] = { "run", NULL, "--checkpoint-ms", "5", NULL };
    const char *off[] = { "run", NULL, "--checkpoint-ms", "off", NULL };
    const char *no_dir[] = { "check", NULL, NULL };

    (void)state;
    make_snapshot(&t);
    bad_flag[1] = off[1] = t.graph;
    assert_int_equal(host_run(&h, bad_flag, WAIT_MS), 2);
    assert_non_null(strstr(h.output, "--checkpoint-ms: expected a number"));
    free(h.output);
    /* a snapshot is there and this run would not take any */
    assert_int_equal(host_run(&h, off, WAIT_MS), 2);
    assert_non_null(strstr(h.output, "holds a snapshot of the whole process"));
    free(h.output);
    /* checkpoint_ms without a state_dir: named where it is */
    f = fopen(t.graph, "w");
    assert_non_null(f);
    fprintf(f, "graph: x\ncheckpoint_ms: 100\nactors:\n"
               "  g: { plugin: generator }\n  s: { plugin: sink }\n"
               "channels:\n  - g.out -> s.in\n");
    fclose(f);
    no_dir[1] = t.graph;
    assert_int_equal(host_run(&h, no_dir, WAIT_MS), 2);
    assert_non_null(strstr(h.output, "g.yaml:2:16: checkpoint_ms needs a "
                                     "state_dir"));
    free(h.output);
    tmp_remove(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_standard_killed_and_resumed),
        cmocka_unit_test(test_standard_in_a_troupe_killed_and_resumed),
        cmocka_unit_test(test_varsize_killed_and_resumed),
        cmocka_unit_test(test_acknowledged_only_when_covered),
        cmocka_unit_test(test_truncated_snapshot_refused),
        cmocka_unit_test(test_snapshot_of_another_graph_refused),
        cmocka_unit_test(test_snapshot_link_refused),
        cmocka_unit_test(test_snapshot_of_another_user_refused),
        cmocka_unit_test(test_settings_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_state_dir.c - the state directory through the real host: a resumed
 * run stops, one process at a time, a failed save is an error, links and
 * FIFOs are refused, the folder must be private, stale temporary files go,
 * and state is kept by what identifies an actor. Full and read-only file
 * systems are real tmpfs mounts in a private mount namespace; without the
 * privilege for one, those tests are skipped with a message. */
#include "host_run.h"
#include "remove_tree.h"

#include <dirent.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/stat.h>
/* cmocka.h needs the headers above */
#include <cmocka.h>

#define GRAPHS   STEADY_SOURCE_DIR "/tests/graphs"
#define STANDARD STEADY_SOURCE_DIR "/graphs/standard.yaml"
#define WAIT_MS  30000

static bool have_mounts;     /* a private mount namespace is ours */
static char mounts_why[256]; /* why not, for the skip message */

struct tmp {
    char base[64]; /* mkdtemp'd; a tmpfs is mounted here when asked */
    char dir[96];  /* BASE/s: the state folder */
    bool mounted;
};

static void tmp_make(struct tmp *t)
{
    memset(t, 0, sizeof(*t));
    snprintf(t->base, sizeof(t->base), "/tmp/steady-statedir-XXXXXX");
    assert_non_null(mkdtemp(t->base));
    snprintf(t->dir, sizeof(t->dir), "%s/s", t->base);
}

static void tmp_remove(struct tmp *t)
{
    if (t->mounted) {
        umount2(t->base, MNT_DETACH);
        t->mounted = false;
    }
    chmod(t->dir, 0700);
    (void)!chown(t->dir, geteuid(), (gid_t)-1);
    remove_tree(t->base);
}

/* Mounts a tmpfs of kib KiB on t->base, or skips the test. */
static void tmp_mount(struct tmp *t, unsigned kib)
{
    char opts[64];

    if (!have_mounts) {
        tmp_remove(t);
        print_message("skipped: %s\n", mounts_why);
        skip();
    }
    snprintf(opts, sizeof(opts), "size=%uk,mode=0700", kib);
    if (mount("tmpfs", t->base, "tmpfs", 0, opts) < 0) {
        print_message("skipped: mount tmpfs: %s\n", strerror(errno));
        tmp_remove(t);
        skip();
    }
    t->mounted = true;
}

static void tmp_remount(struct tmp *t, bool read_only)
{
    assert_int_equal(mount(NULL, t->base, NULL,
                           MS_REMOUNT | (read_only ? MS_RDONLY : 0), NULL),
                     0);
}

/* Fills the file system under t->base until it has no room left. */
static void tmp_fill(struct tmp *t)
{
    char path[128], block[4096];
    int fd;

    memset(block, 'f', sizeof(block));
    snprintf(path, sizeof(path), "%s/filler", t->base);
    fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    assert_true(fd >= 0);
    while (write(fd, block, sizeof(block)) > 0)
        ;
    /* and the last partial page */
    while (write(fd, block, 1) > 0)
        ;
    assert_int_equal(errno, ENOSPC);
    close(fd);
}

static char *path_in(const struct tmp *t, const char *name)
{
    static char path[4][160];
    static unsigned next;
    char *p = path[next++ % 4];

    snprintf(p, sizeof(path[0]), "%s/%s", t->dir, name);
    return p;
}

static void expect_in(const char *text, const char *part)
{
    if (!strstr(text, part))
        fail_msg("output lacks '%s':\n%s", part, text);
}

/* The output's last line, without its newline. */
static const char *last_line(char *out)
{
    size_t n = strlen(out);
    char *p;

    while (n && out[n - 1] == '\n')
        out[--n] = '\0';
    p = strrchr(out, '\n');
    return p ? p + 1 : out;
}

static int group_setup(void **state)
{
    (void)state;
    /* a namespace of our own: mounts here are invisible outside and go
     * away with this process (the host children inherit it) */
    if (unshare(CLONE_NEWNS) < 0)
        snprintf(mounts_why, sizeof(mounts_why),
                 "no private mount namespace (unshare: %s)", strerror(errno));
    else if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        snprintf(mounts_why, sizeof(mounts_why),
                 "cannot make mounts private: %s", strerror(errno));
    else
        have_mounts = true;
    return 0;
}

/* ---- a resumed run stops ---- */

/* The second run resumed a heartbeat count already at `beats` and, the
 * stop test being `==`, beat forever. */
static void test_resumed_run_stops(void **state)
{
    struct tmp t;
    struct host_run h;
    const char *args[] = { "run",         STANDARD, "--rate",      "10",
                           "--beats",     "5",      "--state-dir", NULL,
                           "--telemetry", "off",    NULL };

    (void)state;
    tmp_make(&t);
    args[7] = t.dir;
    assert_int_equal(host_run(&h, args, WAIT_MS), 0);
    expect_in(h.output, "[heartbeat] sent 5 beats, requesting shutdown");
    free(h.output);
    /* all 5 sent: the next run sends none and stops at once */
    assert_int_equal(host_run(&h, args, WAIT_MS), 0);
    expect_in(h.output, "[heartbeat] already sent 5 of 5 beats, requesting "
                        "shutdown");
    assert_null(strstr(h.output, "[heartbeat] beat "));
    expect_in(h.output, "stopped cleanly");
    free(h.output);
    /* beats is a total: 8 means 3 more */
    args[5] = "8";
    assert_int_equal(host_run(&h, args, WAIT_MS), 0);
    expect_in(h.output, "[heartbeat] beat 5\n");
    expect_in(h.output, "[heartbeat] beat 7\n");
    assert_null(strstr(h.output, "[heartbeat] beat 8\n"));
    expect_in(h.output, "[heartbeat] sent 8 beats, requesting shutdown");
    free(h.output);
    tmp_remove(&t);
}

/* ---- one process at a time ---- */

static void test_second_process_is_refused(void **state)
{
    struct tmp t;
    struct host_run first, second, check;
    const char *run[] = { "run",         GRAPHS "/supervision/state.yaml",
                          "--count",     "-1",
                          "--state-dir", NULL,
                          "--telemetry", "off",
                          NULL };
    const char *chk[] = { "check", GRAPHS "/supervision/state.yaml",
                          "--state-dir", NULL, NULL };
    char want[256];

    (void)state;
    tmp_make(&t);
    run[5] = t.dir;
    chk[3] = t.dir;
    assert_int_equal(host_start(&first, run), 0);
    assert_true(host_await_output(&first, "starting", WAIT_MS));

    /* a second run refuses at once, naming the holder */
    assert_int_equal(host_run(&second, run, 10000), 2);
    snprintf(want, sizeof(want), "steady: state_dir %s is in use by pid %ld",
             t.dir, (long)first.pid);
    assert_string_equal(last_line(second.output), want);
    assert_null(strstr(second.output, "starting"));
    free(second.output);

    /* check takes no lock, so it works beside a run */
    assert_int_equal(host_run(&check, chk, 10000), 0);
    expect_in(check.output, ": ok, graph 'state'");
    free(check.output);

    kill(first.pid, SIGINT);
    assert_int_equal(host_wait(&first, WAIT_MS), 0);
    free(first.output);
    /* the lock goes with the process */
    run[3] = "10";
    assert_int_equal(host_run(&second, run, WAIT_MS), 0);
    free(second.output);
    tmp_remove(&t);
}

/* ---- a failed save is an error ---- */

static const char *long_run[] = { "run",         STANDARD, "--rate",      "10",
                                  "--beats",     "100000", "--state-dir", NULL,
                                  "--telemetry", "off",    NULL };

/* Runs the standard graph until it beats, lets `spoil` break the file
 * system, stops it with SIGINT and checks that the lost save is the exit
 * status and the last line. */
static void expect_save_lost(struct tmp *t, void (*spoil)(struct tmp *),
                             const char *reason)
{
    struct host_run h;
    const char *line;

    long_run[7] = t->dir;
    assert_int_equal(host_start(&h, long_run), 0);
    assert_true(host_await_output(&h, "[heartbeat] beat 1\n", WAIT_MS));
    spoil(t);
    kill(h.pid, SIGINT);
    assert_int_equal(host_wait(&h, WAIT_MS), 1);
    assert_null(strstr(h.output, "stopped cleanly"));
    line = last_line(h.output);
    if (strncmp(line,
                "steady: state of actor 'heartbeat' (and 3 more) was "
                "not saved: ",
                strlen("steady: state of actor 'heartbeat' (and 3 more) "
                       "was not saved: ")) != 0 ||
        !strstr(line, "heartbeat.state: ") || !strstr(line, reason))
        fail_msg("last line: '%s'", line);
    free(h.output);
}

static void fill(struct tmp *t)
{
    tmp_fill(t);
}

static void make_read_only(struct tmp *t)
{
    tmp_remount(t, true);
}

static void test_full_file_system_at_the_final_save(void **state)
{
    struct tmp t;
    char *left;

    (void)state;
    tmp_make(&t);
    tmp_mount(&t, 256);
    expect_save_lost(&t, fill, "No space left on device");
    /* the next run, still full, is refused before anything runs */
    {
        struct host_run h;

        assert_int_equal(host_run(&h, long_run, WAIT_MS), 2);
        expect_in(last_line(h.output), "state_dir '");
        expect_in(h.output, "' cannot be written: ");
        expect_in(h.output, "No space left on device");
        assert_null(strstr(h.output, "starting"));
        free(h.output);
    }
    /* no temporary file was left behind */
    left = NULL;
    {
        DIR *d = opendir(t.dir);
        struct dirent *e;

        while (d && (e = readdir(d)))
            if (strstr(e->d_name, ".tmp"))
                left = e->d_name;
        assert_null(left);
        closedir(d);
    }
    tmp_remove(&t);
}

static void test_read_only_file_system_at_the_final_save(void **state)
{
    struct tmp t;

    (void)state;
    tmp_make(&t);
    tmp_mount(&t, 1024);
    expect_save_lost(&t, make_read_only, "Read-only file system");
    tmp_remove(&t);
}

static void test_unwritable_state_dir_is_refused_at_start(void **state)
{
    struct tmp t;
    struct host_run h;

    (void)state;
    tmp_make(&t);
    tmp_mount(&t, 1024);
    long_run[7] = t.dir;
    /* a folder that exists, on a file system mounted read-only */
    assert_int_equal(mkdir(t.dir, 0700), 0);
    tmp_remount(&t, true);
    assert_int_equal(host_run(&h, long_run, WAIT_MS), 2);
    expect_in(last_line(h.output), "cannot be written: ");
    expect_in(h.output, "Read-only file system");
    assert_null(strstr(h.output, "starting"));
    free(h.output);
    tmp_remove(&t);
}

/* ---- links, FIFOs, permissions ---- */

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static const char *state_run[] = {
    "run",         GRAPHS "/supervision/state.yaml",
    "--count",     "20",
    "--state-dir", NULL,
    "--telemetry", "off",
    NULL
};

static void test_links_are_refused_and_never_written_through(void **state)
{
    struct tmp t;
    struct host_run h;
    char victim[128];

    (void)state;
    tmp_make(&t);
    snprintf(victim, sizeof(victim), "%s/victim", t.base);
    write_text(victim, "precious");
    state_run[5] = t.dir;
    assert_int_equal(mkdir(t.dir, 0700), 0);

    /* the state file is a link: refused, the target neither read nor
     * written */
    assert_int_equal(symlink(victim, path_in(&t, "counter.state")), 0);
    assert_int_equal(host_run(&h, state_run, WAIT_MS), 2);
    expect_in(last_line(h.output), "counter.state: is a symbolic link; "
                                   "steady never follows links in a state "
                                   "directory");
    free(h.output);
    unlink(path_in(&t, "counter.state"));

    /* the temporary name steady used to write through, planted as a link
     * to the victim: the run saves beside it */
    assert_int_equal(symlink(victim, path_in(&t, "counter.state.tmp")), 0);
    assert_int_equal(host_run(&h, state_run, WAIT_MS), 0);
    free(h.output);
    {
        char *text = read_file_text(victim);
        struct stat st;

        assert_string_equal(text, "precious");
        free(text);
        assert_int_equal(lstat(path_in(&t, "counter.state"), &st), 0);
        assert_true(S_ISREG(st.st_mode));
        assert_int_equal(st.st_mode & 0777, 0600);
    }
    tmp_remove(&t);
}

/* A FIFO as a state file hung start-up in open(). */
static void test_fifo_state_file_is_refused_at_once(void **state)
{
    struct tmp t;
    struct host_run h;

    (void)state;
    tmp_make(&t);
    state_run[5] = t.dir;
    assert_int_equal(mkdir(t.dir, 0700), 0);
    assert_int_equal(mkfifo(path_in(&t, "counter.state"), 0600), 0);
    assert_int_equal(host_run(&h, state_run, 10000), 2);
    expect_in(last_line(h.output), "counter.state: is a FIFO, not a state "
                                   "file");
    free(h.output);
    tmp_remove(&t);
}

static void test_folder_others_can_write_or_own_is_refused(void **state)
{
    struct tmp t;
    struct host_run h;
    char want[256];

    (void)state;
    tmp_make(&t);
    state_run[5] = t.dir;
    assert_int_equal(mkdir(t.dir, 0700), 0);
    assert_int_equal(chmod(t.dir, 0707), 0);
    assert_int_equal(host_run(&h, state_run, WAIT_MS), 2);
    snprintf(want, sizeof(want),
             "steady: state_dir '%s' is writable by others (mode 0707)", t.dir);
    expect_in(last_line(h.output), want);
    free(h.output);
    assert_int_equal(chmod(t.dir, 0770), 0);
    assert_int_equal(host_run(&h, state_run, WAIT_MS), 2);
    expect_in(last_line(h.output), "is writable by its group (mode 0770)");
    free(h.output);
    assert_int_equal(chmod(t.dir, 0700), 0);
    if (chown(t.dir, 65534, (gid_t)-1) < 0) {
        print_message("skipped the owner case: chown to uid 65534: %s\n",
                      strerror(errno));
    } else {
        assert_int_equal(host_run(&h, state_run, WAIT_MS), 2);
        snprintf(want, sizeof(want),
                 "steady: state_dir '%s' is owned by uid 65534, not by this "
                 "user (uid %ld)",
                 t.dir, (long)geteuid());
        expect_in(last_line(h.output), want);
        free(h.output);
    }
    tmp_remove(&t);
}

/* A save cut short by kill -9 left ACTOR.state.tmp behind for good. */
static void test_stale_temporary_files_are_removed_at_start(void **state)
{
    struct tmp t;
    struct host_run h;
    struct stat st;

    (void)state;
    tmp_make(&t);
    state_run[5] = t.dir;
    assert_int_equal(mkdir(t.dir, 0700), 0);
    write_text(path_in(&t, "counter.state.tmp"), "old");
    write_text(path_in(&t, "counter.state.tmp.4242.7"), "cut short");
    write_text(path_in(&t, "notes.txt"), "mine");
    assert_int_equal(host_run(&h, state_run, WAIT_MS), 0);
    expect_in(h.output, "counter.state.tmp, left by a save that was cut "
                        "short");
    free(h.output);
    assert_int_equal(lstat(path_in(&t, "counter.state.tmp"), &st), -1);
    assert_int_equal(lstat(path_in(&t, "counter.state.tmp.4242.7"), &st), -1);
    assert_int_equal(lstat(path_in(&t, "notes.txt"), &st), 0);
    tmp_remove(&t);
}

/* ---- what identifies an actor's state ---- */

static void test_long_plugin_name_keeps_its_state(void **state)
{
    struct tmp t;
    struct host_run h;
    const char *args[] = { "run",         GRAPHS "/state/longname.yaml",
                           "--state-dir", NULL,
                           "--telemetry", "off",
                           NULL };

    (void)state;
    tmp_make(&t);
    args[3] = t.dir;
    assert_int_equal(host_run(&h, args, WAIT_MS), 0);
    expect_in(h.output, "[counter] run 1\n");
    free(h.output);
    assert_int_equal(host_run(&h, args, WAIT_MS), 0);
    expect_in(h.output, "[counter] run 2\n");
    free(h.output);
    tmp_remove(&t);
}

static void test_state_is_keyed_by_graph_actor_and_plugin(void **state)
{
    struct tmp t;
    struct host_run h;
    const char *other[] = { "run",         GRAPHS "/state/other.yaml",
                            "--state-dir", NULL,
                            "--telemetry", "off",
                            NULL };
    const char *impostor[] = { "run",         GRAPHS "/state/impostor.yaml",
                               "--count",     "30",
                               "--state-dir", NULL,
                               "--telemetry", "off",
                               NULL };

    (void)state;
    tmp_make(&t);
    state_run[5] = t.dir;
    other[3] = t.dir;
    impostor[5] = t.dir;
    assert_int_equal(host_run(&h, state_run, WAIT_MS), 0);
    free(h.output);

    /* another graph, same actor names, same plugins: not its state */
    assert_int_equal(host_run(&h, other, WAIT_MS), 2);
    expect_in(last_line(h.output), "counter.state: holds the state of actor "
                                   "'counter' of graph 'state', not of actor "
                                   "'counter' of graph 'other'");
    free(h.output);

    /* the same actor of the same graph, now from another file calling
     * itself tp_counter: loaded (same name and size), and said so */
    assert_int_equal(host_run(&h, impostor, WAIT_MS), 0);
    expect_in(h.output,
              "counter.state: saved by plugin 'tp_counter' version "
              "'1.0' from " STEADY_TEST_PLUGIN_DIR
              "/tp_counter.so, now version '9.9-impostor' "
              "from " STEADY_TEST_PLUGIN_DIR "/tp_impostor.so; loaded because");
    expect_in(h.output, "[counter] resuming at 20");
    free(h.output);
    tmp_remove(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resumed_run_stops),
        cmocka_unit_test(test_second_process_is_refused),
        cmocka_unit_test(test_full_file_system_at_the_final_save),
        cmocka_unit_test(test_read_only_file_system_at_the_final_save),
        cmocka_unit_test(test_unwritable_state_dir_is_refused_at_start),
        cmocka_unit_test(test_links_are_refused_and_never_written_through),
        cmocka_unit_test(test_fifo_state_file_is_refused_at_once),
        cmocka_unit_test(test_folder_others_can_write_or_own_is_refused),
        cmocka_unit_test(test_stale_temporary_files_are_removed_at_start),
        cmocka_unit_test(test_long_plugin_name_keeps_its_state),
        cmocka_unit_test(test_state_is_keyed_by_graph_actor_and_plugin),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}

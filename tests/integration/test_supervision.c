/* test_supervision.c - failures and restarts through the real host: actors
 * restarted with state and channels kept (solo and in a troupe), a policy
 * that gives up, showstopper detection, persistent state across runs,
 * refused state files and a kill -9 during checkpoints. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
/* cmocka.h needs the headers above */
#include "host_run.h"

#include <cmocka.h>

#define GRAPHS STEADY_SOURCE_DIR "/tests/graphs/supervision"

static int count_of(const char *text, const char *needle)
{
    int n = 0;

    for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static void expect_restarts_keep_everything(const char *graph)
{
    const char *args[] = { "run", graph, NULL };
    struct host_run h;

    assert_int_equal(host_run(&h, args, 30000), 0);
    assert_non_null(strstr(h.output, "[counter] failed: injected failure "
                                     "at 300; restart 1"));
    assert_non_null(strstr(h.output, "[checker] failed: injected failure "
                                     "holding 600; restart 1"));
    /* each value exactly once, in order, across both restarts */
    assert_non_null(strstr(h.output, "checked 1000 values in order"));
    free(h.output);
}

static void test_restart_solo_keeps_state_and_items(void **state)
{
    (void)state;
    expect_restarts_keep_everything(GRAPHS "/restart.yaml");
}

static void test_restart_in_troupe_with_blocked_member(void **state)
{
    (void)state;
    expect_restarts_keep_everything(GRAPHS "/restart_troupe.yaml");
}

static void test_restart_policy_gives_up(void **state)
{
    const char *args[] = { "run", GRAPHS "/giveup.yaml", NULL };
    struct host_run h;

    (void)state;
    assert_int_equal(host_run(&h, args, 30000), 1);
    assert_int_equal(count_of(h.output, "[counter] failed: fails on every "
                                        "run"),
                     2);
    assert_non_null(strstr(h.output,
                           "steady: actor 'counter' failed: fails on every "
                           "run, as configured (gave up after 2 restarts "
                           "within 60 s)"));
    free(h.output);
}

static void test_showstopper_becomes_dead_letter(void **state)
{
    const char *args[] = { "run", GRAPHS "/poison.yaml", NULL };
    struct host_run h;

    (void)state;
    assert_int_equal(host_run(&h, args, 30000), 0);
    /* peeks 1 and 2 fail (a panic line and a restart line each); peek 3
     * reaches the threshold */
    assert_int_equal(count_of(h.output, "poisoned by 42"), 2 * 2);
    assert_non_null(strstr(h.output, "dead letter on 'in' after 3 peeks: "
                                     "poison value; item (8 bytes, 'u64') "
                                     "2a00000000000000"));
    assert_non_null(strstr(h.output, "checked 99 values in order, next 100"));
    free(h.output);
}

static void make_state_dir(char *dir, size_t len)
{
    snprintf(dir, len, "/tmp/steady-state-XXXXXX");
    assert_non_null(mkdtemp(dir));
}

static void remove_state_dir(const char *dir)
{
    char path[512];

    snprintf(path, sizeof(path), "%s/counter.state", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/checker.state", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/counter.state.tmp", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/steady.lock", dir);
    unlink(path);
    rmdir(dir);
}

static void test_state_dir_resumes_next_run(void **state)
{
    char dir[64];
    struct host_run h;

    (void)state;
    make_state_dir(dir, sizeof(dir));
    {
        const char *args[] = { "run",         GRAPHS "/state.yaml",
                               "--state-dir", dir,
                               "--count",     "100",
                               NULL };

        assert_int_equal(host_run(&h, args, 30000), 0);
        assert_non_null(strstr(h.output, "checked 100 values in order"));
        free(h.output);
    }
    {
        const char *args[] = { "run",         GRAPHS "/state.yaml",
                               "--state-dir", dir,
                               "--count",     "250",
                               NULL };

        assert_int_equal(host_run(&h, args, 30000), 0);
        assert_non_null(strstr(h.output, "[counter] resuming at 100"));
        assert_non_null(strstr(h.output, "actor 'checker' resumes from"));
        /* the checker's expectation carried over too: no gap, no repeat */
        assert_non_null(strstr(h.output, "checked 250 values in order, next "
                                         "250"));
        free(h.output);
    }
    remove_state_dir(dir);
}

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
}

static void test_state_file_refused_when_bad(void **state)
{
    char dir[64], path[128], other[128];
    struct host_run h;
    const char *check[] = { "check", GRAPHS "/state.yaml", "--state-dir", NULL,
                            NULL };
    const char *run[] = {
        "run", GRAPHS "/state.yaml", "--state-dir", NULL, "--count", "10", NULL
    };

    (void)state;
    make_state_dir(dir, sizeof(dir));
    check[3] = dir;
    run[3] = dir;
    snprintf(path, sizeof(path), "%s/counter.state", dir);
    snprintf(other, sizeof(other), "%s/checker.state", dir);

    write_file(path, "garbage, not a state file", 25);
    assert_int_equal(host_run(&h, check, 30000), 2);
    assert_non_null(strstr(h.output, "counter.state: not a steady state "
                                     "file"));
    free(h.output);

    /* a real run leaves valid files; the checker's is another actor's */
    unlink(path);
    assert_int_equal(host_run(&h, run, 30000), 0);
    free(h.output);
    assert_int_equal(rename(other, path), 0);
    assert_int_equal(host_run(&h, check, 30000), 2);
    assert_non_null(strstr(h.output, "counter.state: holds the state of "
                                     "actor 'checker' of graph 'state', not "
                                     "of actor 'counter' of graph 'state'"));
    free(h.output);

    /* bytes added after the state: the sizes no longer add up */
    unlink(path);
    assert_int_equal(host_run(&h, run, 30000), 0);
    free(h.output);
    {
        FILE *f = fopen(path, "a");

        assert_non_null(f);
        fputs("extra", f);
        fclose(f);
    }
    assert_int_equal(host_run(&h, check, 30000), 2);
    assert_non_null(strstr(h.output, "counter.state: the file is "));
    assert_non_null(strstr(h.output, "(header + state): truncated or "
                                     "extended"));
    free(h.output);
    remove_state_dir(dir);
}

static void test_kill_during_checkpoints_leaves_whole_state(void **state)
{
    char dir[64], path[128];
    const char *args[] = {
        "run", GRAPHS "/state.yaml", "--state-dir", NULL, "--count",
        "-1",  "--checkpoint",       "true",        NULL
    };
    const char *again[] = {
        "run", GRAPHS "/state.yaml", "--state-dir", NULL, "--count", "1", NULL
    };
    struct stat st;

    (void)state;
    make_state_dir(dir, sizeof(dir));
    args[3] = dir;
    again[3] = dir;
    snprintf(path, sizeof(path), "%s/counter.state", dir);
    for (int round = 0; round < 3; round++) {
        struct host_run h;
        int waited = 0;

        assert_int_equal(host_start(&h, args), 0);
        /* checkpoints run back to back; kill in the middle of them */
        while (stat(path, &st) != 0 && waited++ < 2000)
            usleep(1000);
        assert_int_equal(stat(path, &st), 0);
        usleep(20000 + 7000 * round);
        kill(h.pid, SIGKILL);
        assert_int_equal(host_wait(&h, 10000), 128 + SIGKILL);
        free(h.output);

        /* the file left behind loads (checksum) and is whole (pattern) */
        assert_int_equal(host_run(&h, again, 30000), 0);
        assert_non_null(strstr(h.output, "[counter] resuming at"));
        assert_null(strstr(h.output, "torn"));
        free(h.output);
        /* and no temporary file of a save cut short stays behind */
        {
            DIR *d = opendir(dir);
            struct dirent *e;

            assert_non_null(d);
            while ((e = readdir(d)))
                if (strstr(e->d_name, ".tmp"))
                    fail_msg("left behind: %s", e->d_name);
            closedir(d);
        }
    }
    remove_state_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_restart_solo_keeps_state_and_items),
        cmocka_unit_test(test_restart_in_troupe_with_blocked_member),
        cmocka_unit_test(test_restart_policy_gives_up),
        cmocka_unit_test(test_showstopper_becomes_dead_letter),
        cmocka_unit_test(test_state_dir_resumes_next_run),
        cmocka_unit_test(test_state_file_refused_when_bad),
        cmocka_unit_test(test_kill_during_checkpoints_leaves_whole_state),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

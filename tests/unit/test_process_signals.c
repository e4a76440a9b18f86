/* test_process_signals.c - what a drain signal (SIGINT, SIGTERM, SIGHUP)
 * does to the `steady` process outside a run: before any graph runs (check,
 * inspect) it leaves "interrupted" with 130; once a run has ended, it
 * leaves with that run's own status, so an orchestrator that signals a node
 * already ending (a shutdown notice reached it) does not turn a clean run
 * into 130. Each case runs in a child process, which the signal ends. */
#include "process.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
/* cmocka.h needs the standard headers above included first. */
#include <cmocka.h>

enum { NO_RUN = -1 };

struct outcome {
    int status; /* exit status, or -1 if the child did not exit by itself */
    char text[1024];
};

/* A child that starts the signal thread, says the run ended with
 * run_status (NO_RUN: no run at all), sends itself `signo` and waits to be
 * ended by it. */
static void signal_child(int run_status, int signo, struct outcome *out)
{
    char path[] = "/tmp/steady-proc-sig-XXXXXX";
    int fd = mkstemp(path);
    int st = 0;
    pid_t pid;
    FILE *f;
    size_t n;

    assert_true(fd >= 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct timespec ten_s = { 10, 0 };

        dup2(fd, 2);
        if (process_signals_start() < 0)
            _exit(98);
        if (run_status != NO_RUN)
            process_signals_run_over(run_status);
        kill(getpid(), signo);
        nanosleep(&ten_s, NULL); /* the signal thread leaves before this */
        _exit(99);
    }
    close(fd);
    assert_int_equal(waitpid(pid, &st, 0), pid);
    out->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    f = fopen(path, "r");
    assert_non_null(f);
    n = fread(out->text, 1, sizeof(out->text) - 1, f);
    out->text[n] = '\0';
    fclose(f);
    unlink(path);
}

static void test_signal_without_run_interrupts(void **state)
{
    struct outcome o;

    (void)state;
    signal_child(NO_RUN, SIGINT, &o);
    assert_int_equal(o.status, EXIT_FORCED);
    assert_non_null(strstr(o.text, "steady: SIGINT: interrupted"));
}

static void test_signal_after_clean_run_keeps_zero(void **state)
{
    struct outcome o;

    (void)state;
    signal_child(EXIT_CLEAN, SIGTERM, &o);
    assert_int_equal(o.status, EXIT_CLEAN);
    assert_non_null(strstr(o.text, "SIGTERM after the run had ended: "
                                   "leaving with its status (0)"));
    assert_null(strstr(o.text, "interrupted"));
}

static void test_signal_after_failed_run_keeps_failure(void **state)
{
    struct outcome o;

    (void)state;
    signal_child(EXIT_RUN_FAILED, SIGHUP, &o);
    assert_int_equal(o.status, EXIT_RUN_FAILED);
    assert_non_null(strstr(o.text, "SIGHUP after the run had ended: "
                                   "leaving with its status (1)"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signal_without_run_interrupts),
        cmocka_unit_test(test_signal_after_clean_run_keeps_zero),
        cmocka_unit_test(test_signal_after_failed_run_keeps_failure),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* host_run.h - runs the real `steady` binary for integration tests: output
 * captured to a file, every wait bounded by a deadline. Header-only so each
 * integration test stays one file. */
#ifndef STEADY_TEST_HOST_RUN_H
#define STEADY_TEST_HOST_RUN_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

struct host_run {
    pid_t pid;
    int pidfd;
    char out_path[64]; /* stdout and stderr together */
    int status;        /* exit code, or 128+signal; -1 still running */
    char *output;      /* after host_wait */
};

/* Starts `steady ARGS...` (NULL-terminated) with the test plugin folder on
 * STEADY_PLUGIN_PATH. Returns 0 or -1. */
static inline int host_start(struct host_run *h, const char *const *args)
{
    const char *argv[64];
    size_t n = 0;
    pid_t parent;
    int fd;

    memset(h, 0, sizeof(*h));
    h->status = -1;
    snprintf(h->out_path, sizeof(h->out_path), "/tmp/steady-host-XXXXXX");
    fd = mkstemp(h->out_path);
    if (fd < 0)
        return -1;
    argv[n++] = STEADY_HOST_BIN;
    while (*args && n < 62)
        argv[n++] = *args++;
    argv[n] = NULL;
    setenv("STEADY_PLUGIN_PATH", STEADY_TEST_PLUGIN_DIR, 1);
    parent = getpid();
    h->pid = fork();
    if (h->pid < 0) {
        close(fd);
        return -1;
    }
    if (h->pid == 0) {
        /* a test that fails an assertion skips its clean-up: the host must
         * not outlive the test process and keep running unattended */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
        execve(STEADY_HOST_BIN, (char *const *)argv, environ);
        _exit(127);
    }
    close(fd);
    h->pidfd = (int)syscall(SYS_pidfd_open, h->pid, 0);
    return 0;
}

/* The whole of a file, NUL-terminated; "" when missing. Caller frees. */
static inline char *read_file_text(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf;
    long len;

    if (!f)
        return strdup("");
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = calloc(1, (size_t)(len > 0 ? len : 0) + 1);
    if (buf && len > 0 && fread(buf, 1, (size_t)len, f) != (size_t)len)
        buf[0] = '\0';
    fclose(f);
    return buf;
}

static inline char *host_read_output(const struct host_run *h)
{
    return read_file_text(h->out_path);
}

/* Waits at most timeout_ms for the host to exit; kills it after that.
 * Returns its exit status (128+signal if killed by one), -1 on timeout. */
static inline int host_wait(struct host_run *h, int timeout_ms)
{
    struct pollfd p = { .fd = h->pidfd, .events = POLLIN };
    int st;

    if (h->pidfd >= 0 && poll(&p, 1, timeout_ms) == 0) {
        kill(h->pid, SIGKILL);
        waitpid(h->pid, &st, 0);
        h->status = -1;
    } else {
        waitpid(h->pid, &st, 0);
        h->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    }
    if (h->pidfd >= 0)
        close(h->pidfd);
    free(h->output);
    h->output = host_read_output(h);
    unlink(h->out_path);
    return h->status;
}

/* Waits until the output so far contains `text`, at most timeout_ms. */
static inline bool host_await_output(struct host_run *h, const char *text,
                                     int timeout_ms)
{
    struct timespec step = { 0, 5 * 1000 * 1000 };

    for (int waited = 0; waited <= timeout_ms; waited += 5) {
        char *out = host_read_output(h);
        bool found = out && strstr(out, text);

        free(out);
        if (found)
            return true;
        nanosleep(&step, NULL);
    }
    return false;
}

/* Runs to completion: start, wait. Returns the exit status. */
static inline int host_run(struct host_run *h, const char *const *args,
                           int timeout_ms)
{
    if (host_start(h, args) < 0)
        return -2;
    return host_wait(h, timeout_ms);
}

#endif

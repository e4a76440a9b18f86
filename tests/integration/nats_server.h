/* nats_server.h - a real nats-server with JetStream for tests: loopback, a
 * free port, a temporary store, in its own process group; stopped (SIGTERM,
 * then SIGKILL, reaped, its folder removed) by the test's teardown and, if
 * the test dies first, at exit. It can be stopped and started again on the
 * same port and store, for tests that restart the server mid-stream.
 * Header-only like tel_client.h, for plugin and integration tests alike.
 *
 *     struct nats_server s;
 *     assert_int_equal(nats_server_start(&s), 0);   (s.url: nats://...)
 *     ... nats_server_restart(&s) ...
 *     nats_server_stop(&s);
 *
 * nats-server is a test dependency (tools/deps.sh, set `nats`): a machine
 * without it fails the test, saying how to install it. */
#ifndef STEADY_TEST_NATS_SERVER_H
#define STEADY_TEST_NATS_SERVER_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

struct nats_server {
    pid_t pid;       /* the server (and its process group); 0 when stopped */
    int port;        /* 127.0.0.1:port, kept across restarts */
    char dir[64];    /* temporary folder: store/ and server.log */
    char url[64];    /* nats://127.0.0.1:port */
    char bin[256];   /* the nats-server found */
    char log[96];    /* dir/server.log */
};

/* Servers still running, so that exit stops them even when a test fails
 * before its teardown (cmocka's fail ends the test through longjmp, but
 * an abort or exit elsewhere does not run teardowns). */
#define NATS_SERVER_MAX 8
static struct nats_server *nats_server_live_[NATS_SERVER_MAX];

static inline long nats_server_ms_(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static inline void nats_server_sleep_ms_(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

/* Ends the process (group) and reaps it; keeps the folder. */
static inline void nats_server_halt_(struct nats_server *s)
{
    int st;
    long deadline;

    if (s->pid <= 0)
        return;
    kill(-s->pid, SIGTERM);
    deadline = nats_server_ms_() + 5000;
    while (waitpid(s->pid, &st, WNOHANG) == 0) {
        if (nats_server_ms_() > deadline) {
            kill(-s->pid, SIGKILL);
            waitpid(s->pid, &st, 0);
            break;
        }
        nats_server_sleep_ms_(5);
    }
    s->pid = 0;
}

static inline void nats_server_rmdir_(const char *dir)
{
    char cmd[128];

    if (!dir[0])
        return;
    /* the store holds nested folders of the server's own making */
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "nats_server: could not remove %s\n", dir);
}

static inline void nats_server_atexit_(void)
{
    for (int i = 0; i < NATS_SERVER_MAX; i++) {
        struct nats_server *s = nats_server_live_[i];

        if (!s)
            continue;
        nats_server_halt_(s);
        nats_server_rmdir_(s->dir);
        nats_server_live_[i] = NULL;
    }
}

static inline void nats_server_track_(struct nats_server *s, bool on)
{
    static bool registered;

    if (!registered) {
        atexit(nats_server_atexit_);
        registered = true;
    }
    for (int i = 0; on && i < NATS_SERVER_MAX; i++)
        if (nats_server_live_[i] == s)
            return; /* a restart: tracked already */
    for (int i = 0; i < NATS_SERVER_MAX; i++) {
        if (on && !nats_server_live_[i]) {
            nats_server_live_[i] = s;
            return;
        }
        if (!on && nats_server_live_[i] == s) {
            nats_server_live_[i] = NULL;
            return;
        }
    }
}

/* The nats-server binary: $NATS_SERVER, then PATH, then /usr/sbin and
 * /usr/bin (Debian installs it in /usr/sbin, off a user's PATH). */
static inline int nats_server_find_(char *out, size_t len)
{
    const char *env = getenv("NATS_SERVER");
    const char *path = getenv("PATH");
    char dirs[4096];

    if (env && access(env, X_OK) == 0) {
        snprintf(out, len, "%s", env);
        return 0;
    }
    snprintf(dirs, sizeof(dirs), "%s:/usr/sbin:/usr/bin", path ? path : "");
    for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d;
         d = strtok_r(NULL, ":", &save)) {
        snprintf(out, len, "%s/nats-server", d);
        if (access(out, X_OK) == 0)
            return 0;
    }
    fprintf(stderr, "nats_server: nats-server is not installed (the tests "
                    "need it: `bash tools/deps.sh nats` or apt-get install "
                    "nats-server)\n");
    return -1;
}

/* A port free on 127.0.0.1 now (the kernel's pick for port 0). */
static inline int nats_server_free_port_(void)
{
    struct sockaddr_in sa = { .sin_family = AF_INET };
    socklen_t sl = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

    if (fd < 0)
        return -1;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
        port = ntohs(sa.sin_port);
    close(fd);
    return port;
}

/* True once the server answers a client with its INFO line. */
static inline bool nats_server_answers_(int port)
{
    struct sockaddr_in sa = { .sin_family = AF_INET };
    struct timeval tv = { 0, 200 * 1000 };
    char buf[8] = { 0 };
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    bool ok = false;

    if (fd < 0)
        return false;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
        recv(fd, buf, 4, MSG_WAITALL) == 4)
        ok = memcmp(buf, "INFO", 4) == 0;
    close(fd);
    return ok;
}

/* Starts the server on s->port with store s->dir/store and waits (10 s at
 * most) until it answers. 0, or -1 with the reason on stderr. */
static inline int nats_server_spawn_(struct nats_server *s)
{
    char port[16], store[96];
    const char *argv[] = { s->bin, "-js",   "-a",  "127.0.0.1", "-p", port,
                           "-sd",  store,   "-l",  s->log,      NULL };
    posix_spawnattr_t attr;
    posix_spawn_file_actions_t fa;
    long deadline;
    int st, rc;

    snprintf(port, sizeof(port), "%d", s->port);
    snprintf(store, sizeof(store), "%s/store", s->dir);
    posix_spawnattr_init(&attr);
    /* its own group, so that a stop reaches anything it forks */
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    rc = posix_spawn(&s->pid, s->bin, &fa, &attr, (char **)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        fprintf(stderr, "nats_server: cannot run %s: %s\n", s->bin,
                strerror(rc));
        s->pid = 0;
        return -1;
    }
    nats_server_track_(s, true);
    deadline = nats_server_ms_() + 10000;
    while (!nats_server_answers_(s->port)) {
        if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
            fprintf(stderr, "nats_server: %s exited at start (see %s)\n",
                    s->bin, s->log);
            s->pid = 0;
            return -1;
        }
        if (nats_server_ms_() > deadline) {
            fprintf(stderr, "nats_server: no answer on port %d in 10 s\n",
                    s->port);
            nats_server_halt_(s);
            return -1;
        }
        nats_server_sleep_ms_(10);
    }
    return 0;
}

/* Starts a new server: a free port, a new temporary folder. 0, or -1 with
 * the reason on stderr (nothing left behind). */
static inline int nats_server_start(struct nats_server *s)
{
    memset(s, 0, sizeof(*s));
    if (nats_server_find_(s->bin, sizeof(s->bin)) < 0)
        return -1;
    snprintf(s->dir, sizeof(s->dir), "/tmp/steady-nats-XXXXXX");
    if (!mkdtemp(s->dir)) {
        fprintf(stderr, "nats_server: mkdtemp: %s\n", strerror(errno));
        s->dir[0] = '\0';
        return -1;
    }
    snprintf(s->log, sizeof(s->log), "%s/server.log", s->dir);
    /* another process may take the port between the pick and the bind:
     * pick again then */
    for (int tries = 0; tries < 5; tries++) {
        s->port = nats_server_free_port_();
        snprintf(s->url, sizeof(s->url), "nats://127.0.0.1:%d", s->port);
        if (s->port > 0 && nats_server_spawn_(s) == 0)
            return 0;
    }
    nats_server_rmdir_(s->dir);
    nats_server_track_(s, false);
    s->dir[0] = '\0';
    return -1;
}

/* Stops the server process only (SIGTERM, then SIGKILL after 5 s); the
 * port and the store stay for nats_server_resume. */
static inline void nats_server_pause(struct nats_server *s)
{
    nats_server_halt_(s);
}

/* Starts it again on the same port and store. 0, or -1. */
static inline int nats_server_resume(struct nats_server *s)
{
    long deadline = nats_server_ms_() + 5000;

    if (s->pid > 0)
        return 0;
    /* the port may linger briefly after the old server closed it */
    while (nats_server_spawn_(s) != 0) {
        if (nats_server_ms_() > deadline)
            return -1;
        nats_server_sleep_ms_(100);
    }
    return 0;
}

/* pause, then resume. */
static inline int nats_server_restart(struct nats_server *s)
{
    nats_server_pause(s);
    return nats_server_resume(s);
}

/* Stops the server and removes its folder. Safe to call twice. */
static inline void nats_server_stop(struct nats_server *s)
{
    nats_server_halt_(s);
    nats_server_rmdir_(s->dir);
    s->dir[0] = '\0';
    nats_server_track_(s, false);
}

#endif

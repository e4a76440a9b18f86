/* log.c - levelled, whole-line logging to stderr or an installed sink.
 *
 * Lines for stderr go into one bounded in-memory queue that a writer thread
 * drains, so an actor that logs never waits on stderr itself. The policy:
 * - one FIFO and one writer: lines are never reordered or interleaved;
 * - when the queue is full, a logging call waits for room while stderr
 *   takes text; once one write to stderr has been stuck for LOG_STALL_MS
 *   (nobody reads the pipe, a stopped terminal), lines are dropped and
 *   counted instead, until stderr moves again;
 * - a closed stderr (EPIPE, EBADF) drops and counts too, never kills;
 * - at exit the queue is flushed, giving up after LOG_STALL_MS without
 *   progress.
 * If the writer thread cannot be started, lines are written directly.
 */
#include "actor_impl.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <steady/log.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define LOG_QUEUE_BYTES (256u * 1024u)
#define LOG_STALL_MS    1000u
#define LOG_WRITE_CHUNK 4096u
#define MS              1000000ull

static _Atomic int log_level = STEADY_LOG_INFO;

static const char *const level_names[] = { "error", "warn", "info", "debug",
                                           "trace" };

/* The queue: bytes [tail, head) of a ring of LOG_QUEUE_BYTES, as running
 * totals. Producers append under `lock`; the writer reads [tail, head)
 * without it (producers never touch that region) and advances tail under
 * it. */
static struct {
    pthread_once_t once;
    pthread_mutex_t lock;
    pthread_cond_t has_text; /* signalled when head moves */
    pthread_cond_t moved;    /* broadcast when tail moves */
    char *buf;               /* NULL: no writer, write directly */
    uint64_t head, tail;
    uint64_t writing_since; /* now_ns() when the write in progress began */
    steady_log_sink_fn sink;
    void *sink_user;
    _Atomic uint64_t dropped; /* lines not written; relaxed: a counter */
} q = {
    .once = PTHREAD_ONCE_INIT,
    .lock = PTHREAD_MUTEX_INITIALIZER,
};

void steady_log_set_level(enum steady_log_level level)
{
    atomic_store_explicit(&log_level, (int)level, memory_order_relaxed);
}

enum steady_log_level steady_log_get_level(void)
{
    return (enum steady_log_level)atomic_load_explicit(&log_level,
                                                       memory_order_relaxed);
}

bool steady_log_enabled(enum steady_log_level level)
{
    return (int)level <= atomic_load_explicit(&log_level, memory_order_relaxed);
}

int steady_log_level_parse(const char *text, enum steady_log_level *out)
{
    for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
        if (text && strcasecmp(text, level_names[i]) == 0) {
            *out = (enum steady_log_level)i;
            return 0;
        }
    }
    return -1;
}

const char *steady_log_level_name(enum steady_log_level level)
{
    if ((unsigned)level >= sizeof(level_names) / sizeof(level_names[0]))
        return "?";
    return level_names[level];
}

static uint64_t count_lines(const char *text, size_t len)
{
    uint64_t n = 0;

    for (size_t i = 0; i < len; i++)
        n += text[i] == '\n';
    return n ? n : 1;
}

static void drop(const char *text, size_t len)
{
    atomic_fetch_add_explicit(&q.dropped, count_lines(text, len),
                              memory_order_relaxed);
}

/* One write(2) of up to len bytes to stderr: bytes written, or -1 when
 * stderr is gone. A non-blocking stderr is waited on, not spun on. */
static ssize_t write_stderr(const char *p, size_t len)
{
    for (;;) {
        ssize_t n = write(STDERR_FILENO, p, len);
        struct pollfd pfd = { .fd = STDERR_FILENO, .events = POLLOUT };

        if (n >= 0)
            return n;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return -1;
        (void)poll(&pfd, 1, 100);
    }
}

static void *writer_main(void *arg)
{
    sigset_t all;

    (void)arg;
    /* signals are the host's business, not this thread's */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    pthread_mutex_lock(&q.lock);
    for (;;) {
        size_t off, len;
        ssize_t n;

        while (q.head == q.tail)
            pthread_cond_wait(&q.has_text, &q.lock);
        off = (size_t)(q.tail % LOG_QUEUE_BYTES);
        len = (size_t)(q.head - q.tail);
        if (len > LOG_QUEUE_BYTES - off)
            len = LOG_QUEUE_BYTES - off;
        /* small writes: writing_since then says how long stderr has taken
         * nothing, not how long a big write has been going */
        if (len > LOG_WRITE_CHUNK)
            len = LOG_WRITE_CHUNK;
        q.writing_since = now_ns();
        pthread_mutex_unlock(&q.lock);
        n = write_stderr(q.buf + off, len);
        if (n <= 0) {
            drop(q.buf + off, len);
            n = (ssize_t)len;
        }
        pthread_mutex_lock(&q.lock);
        q.writing_since = 0;
        q.tail += (uint64_t)n;
        pthread_cond_broadcast(&q.moved);
    }
    return NULL;
}

static void flush_at_exit(void)
{
    (void)steady_log_flush(LOG_STALL_MS);
}

/* A forked child has no writer thread: it writes directly. The lock is
 * held across fork so the child does not inherit it taken. */
static void before_fork(void)
{
    pthread_mutex_lock(&q.lock);
}

static void after_fork_parent(void)
{
    pthread_mutex_unlock(&q.lock);
}

static void after_fork_child(void)
{
    pthread_mutex_init(&q.lock, NULL);
    q.buf = NULL; /* the parent's queue; its text is the parent's to write */
    q.head = q.tail = 0;
    q.writing_since = 0;
}

static void start_writer(void)
{
    pthread_condattr_t ca;
    pthread_attr_t attr;
    pthread_t t;
    sigset_t all, old;
    int e;

    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&q.has_text, &ca);
    pthread_cond_init(&q.moved, &ca);
    pthread_condattr_destroy(&ca);
    q.buf = malloc(LOG_QUEUE_BYTES);
    if (!q.buf)
        return;
    /* created with every signal blocked, so none lands on it even before
     * it blocks them itself */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    e = pthread_create(&t, &attr, writer_main, NULL);
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (e) {
        free(q.buf);
        q.buf = NULL;
        return;
    }
    pthread_setname_np(t, "steady-log");
    pthread_atfork(before_fork, after_fork_parent, after_fork_child);
    atexit(flush_at_exit);
}

static void abs_deadline(struct timespec *ts, uint64_t at_ns)
{
    ts->tv_sec = (time_t)(at_ns / 1000000000u);
    ts->tv_nsec = (long)(at_ns % 1000000000u);
}

/* Appends len bytes (whole lines) to the queue, or drops them. Called with
 * q.lock held; may wait on it while the writer makes progress. */
static void enqueue_locked(const char *text, size_t len)
{
    size_t off, first;

    if (!q.buf) {
        /* no writer thread: the old way, straight to stderr */
        size_t done = 0;

        while (done < len) {
            ssize_t n = write_stderr(text + done, len - done);

            if (n <= 0) {
                drop(text + done, len - done);
                break;
            }
            done += (size_t)n;
        }
        return;
    }
    if (len > LOG_QUEUE_BYTES) {
        drop(text, len);
        return;
    }
    while (LOG_QUEUE_BYTES - (q.head - q.tail) < len) {
        uint64_t now = now_ns();
        struct timespec ts;

        if (q.writing_since && now - q.writing_since >= LOG_STALL_MS * MS) {
            drop(text, len); /* stderr is stuck: do not wait with it */
            return;
        }
        /* woken when the writer moves; re-judged at least every 100 ms */
        abs_deadline(&ts, now + 100 * MS);
        pthread_cond_timedwait(&q.moved, &q.lock, &ts);
    }
    off = (size_t)(q.head % LOG_QUEUE_BYTES);
    first = len < LOG_QUEUE_BYTES - off ? len : LOG_QUEUE_BYTES - off;
    memcpy(q.buf + off, text, first);
    memcpy(q.buf, text + first, len - first);
    q.head += len;
    pthread_cond_signal(&q.has_text);
}

void steady_log_text(const char *text)
{
    if (!text || !*text)
        return;
    pthread_once(&q.once, start_writer);
    pthread_mutex_lock(&q.lock);
    enqueue_locked(text, strlen(text));
    pthread_mutex_unlock(&q.lock);
}

int steady_log_flush(unsigned stall_ms)
{
    uint64_t target, last_tail, last_move;
    int rc = 0;

    pthread_once(&q.once, start_writer);
    pthread_mutex_lock(&q.lock);
    target = q.head;
    last_tail = q.tail;
    last_move = now_ns();
    while (q.buf && q.tail < target) {
        uint64_t now = now_ns();
        struct timespec ts;

        if (q.tail != last_tail) {
            last_tail = q.tail;
            last_move = now;
        } else if (now - last_move >= (uint64_t)stall_ms * MS) {
            rc = -1; /* no progress for stall_ms: stderr is stuck */
            break;
        }
        abs_deadline(&ts, now + 20 * MS);
        pthread_cond_timedwait(&q.moved, &q.lock, &ts);
    }
    pthread_mutex_unlock(&q.lock);
    return rc;
}

uint64_t steady_log_dropped(void)
{
    return atomic_load_explicit(&q.dropped, memory_order_relaxed);
}

void steady_log_set_sink(steady_log_sink_fn sink, void *user)
{
    pthread_once(&q.once, start_writer);
    pthread_mutex_lock(&q.lock);
    q.sink = sink;
    q.sink_user = user;
    pthread_mutex_unlock(&q.lock);
}

void steady_vlog(const struct steady_actor *a, enum steady_log_level level,
                 const char *fmt, va_list ap)
{
    char msg[1024], line[1536];
    const char *who = a ? a->name : "steady";
    struct timespec ts;
    struct tm tm;
    int len;

    if (!steady_log_enabled(level))
        return;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    pthread_once(&q.once, start_writer);

    pthread_mutex_lock(&q.lock);
    /* stamped under the lock, so lines appear in time order */
    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    if (q.sink) {
        q.sink(q.sink_user, level, who, msg);
    } else {
        len =
            snprintf(line, sizeof(line), "%02d:%02d:%02d.%03ld %-5s [%s] %s\n",
                     tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
                     steady_log_level_name(level), who, msg);
        if (len < 0)
            len = 0;
        if ((size_t)len >= sizeof(line)) {
            /* a very long actor name: cut, but keep the line a line */
            len = (int)sizeof(line) - 1;
            line[len - 1] = '\n';
        }
        enqueue_locked(line, (size_t)len);
    }
    pthread_mutex_unlock(&q.lock);
}

void steady_log(const struct steady_actor *a, enum steady_log_level level,
                const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    steady_vlog(a, level, fmt, ap);
    va_end(ap);
}

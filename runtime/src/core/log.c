/* log.c - levelled, whole-line logging to stderr or an installed sink. */
#include "actor_impl.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <steady/log.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static _Atomic int log_level = STEADY_LOG_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static steady_log_sink_fn log_sink; /* under log_lock */
static void *log_sink_user;         /* under log_lock */

static const char *const level_names[] = { "error", "warn", "info", "debug",
                                           "trace" };

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

void steady_log_set_sink(steady_log_sink_fn sink, void *user)
{
    pthread_mutex_lock(&log_lock);
    log_sink = sink;
    log_sink_user = user;
    pthread_mutex_unlock(&log_lock);
}

void steady_vlog(const struct steady_actor *a, enum steady_log_level level,
                 const char *fmt, va_list ap)
{
    char msg[1024];
    const char *who = a ? a->name : "steady";
    struct timespec ts;
    struct tm tm;

    if (!steady_log_enabled(level))
        return;
    vsnprintf(msg, sizeof(msg), fmt, ap);

    pthread_mutex_lock(&log_lock);
    /* stamped under the lock, so lines appear in time order */
    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    if (log_sink) {
        log_sink(log_sink_user, level, who, msg);
    } else {
        fprintf(stderr, "%02d:%02d:%02d.%03ld %-5s [%s] %s\n", tm.tm_hour,
                tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
                steady_log_level_name(level), who, msg);
    }
    pthread_mutex_unlock(&log_lock);
}

void steady_log(const struct steady_actor *a, enum steady_log_level level,
                const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    steady_vlog(a, level, fmt, ap);
    va_end(ap);
}

/* steady/log.h - levelled logging that names the actor. Lines go to stderr
 * as "HH:MM:SS.mmm LEVEL [actor] message" unless a sink is installed (the
 * test harness installs one to capture an actor's log). A logging call never
 * waits on stderr for long: lines go through a bounded queue that a writer
 * thread drains; when stderr stops taking text, lines are dropped and
 * counted (steady_log_dropped) rather than blocking the caller.
 */
#ifndef STEADY_LOG_H
#define STEADY_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <steady/export.h>

#ifdef __cplusplus
extern "C" {
#endif

struct steady_actor;

enum steady_log_level {
    STEADY_LOG_ERROR = 0,
    STEADY_LOG_WARN = 1,
    STEADY_LOG_INFO = 2,
    STEADY_LOG_DEBUG = 3,
    STEADY_LOG_TRACE = 4,
};

/* Logs from an actor (a may be NULL for the host). Thread-safe; whole lines
 * are never interleaved. */
STEADY_EXPORT void steady_log(const struct steady_actor *a,
                              enum steady_log_level level, const char *fmt, ...)
    STEADY_PRINTF(3, 4);
STEADY_EXPORT void steady_vlog(const struct steady_actor *a,
                               enum steady_log_level level, const char *fmt,
                               va_list ap) STEADY_PRINTF(3, 0);

#define steady_error(a, ...) steady_log((a), STEADY_LOG_ERROR, __VA_ARGS__)
#define steady_warn(a, ...)  steady_log((a), STEADY_LOG_WARN, __VA_ARGS__)
#define steady_info(a, ...)  steady_log((a), STEADY_LOG_INFO, __VA_ARGS__)
#define steady_debug(a, ...) steady_log((a), STEADY_LOG_DEBUG, __VA_ARGS__)
#define steady_trace(a, ...) steady_log((a), STEADY_LOG_TRACE, __VA_ARGS__)

/* Process-wide threshold; messages above it are dropped cheaply. */
STEADY_EXPORT void steady_log_set_level(enum steady_log_level level);
STEADY_EXPORT enum steady_log_level steady_log_get_level(void);
STEADY_EXPORT bool steady_log_enabled(enum steady_log_level level);

/* Parses "error|warn|info|debug|trace"; returns 0 or -1 if unknown. */
STEADY_EXPORT int steady_log_level_parse(const char *text,
                                         enum steady_log_level *out);
STEADY_EXPORT const char *steady_log_level_name(enum steady_log_level level);

/* A sink receives each formatted message (without the time and level
 * prefix) instead of stderr. actor_name is "steady" for the host. Called
 * under the log lock, so a sink must not log. NULL restores stderr. */
typedef void (*steady_log_sink_fn)(void *user, enum steady_log_level level,
                                   const char *actor_name, const char *msg);
STEADY_EXPORT void steady_log_set_sink(steady_log_sink_fn sink, void *user);

/* Queues `text` for stderr as it is (no time, level or name), in order with
 * the log lines; for a host's own messages. Same policy as log lines. Any
 * thread. */
STEADY_EXPORT void steady_log_text(const char *text);
/* Waits until everything queued so far has reached stderr. Gives up when
 * stderr has taken nothing for stall_ms: returns 0 when all was written,
 * -1 when it gave up. Runs by itself at exit with 1000 ms. Any thread. */
STEADY_EXPORT int steady_log_flush(unsigned stall_ms);
/* Lines dropped since the process started because stderr did not take them
 * (stuck for a second or more, or closed). Any thread. */
STEADY_EXPORT uint64_t steady_log_dropped(void);

#ifdef __cplusplus
}
#endif

#endif

/* restart.h - a supervisor's restart policy, as the graph file states it
 * per actor (restart: { max, within_s, backoff_ms }).
 */
#ifndef STEADY_RESTART_H
#define STEADY_RESTART_H

/* How a failing actor is restarted: at most `max` restarts within any
 * `within_s` seconds, each after `backoff_ms`. max 0: never restart. */
struct restart_policy {
    unsigned max;
    unsigned within_s;
    unsigned backoff_ms;
};

#define RESTART_DEFAULT_MAX      5
#define RESTART_DEFAULT_WITHIN_S 60
#define RESTART_DEFAULT_BACKOFF  100

#endif

/* tp_loops.c - actors written with the documented loop and nothing else,
 * in the shapes whose waits can stop waiting for good while the actor's
 * inputs have not ended (param `mode`):
 *   batch: waits for `batch` items on in, takes that many;
 *   zip:   waits for an item on in and on in2, takes one of each;
 *   pass:  waits for an item on in and room on out, moves it;
 *   few:   takes `count` items and returns (its producer loses its
 *          consumer);
 *   tail:  as batch, but when its wait returns false it takes what is
 *          left before going back to steady_running (nothing is left
 *          behind);
 *   vote:  as batch, with a vote that says no until it has seen its wait
 *          cut short three times, then takes the tail (the vote keeps it
 *          going meanwhile).
 *   quit:  takes nothing; once its input is full it says so, and it
 *          returns as soon as shutdown is requested (its producer loses
 *          its consumer during shutdown, with items it cannot deliver).
 * None may spin: steady_running ends each once its wait can never be met
 * again. Each logs how many items it took. */
#include <stdio.h>
#include <steady/steady.h>
#include <string.h>

enum { IN, IN2, OUT };
enum { MODE, BATCH, COUNT };

static bool tail_taken; /* vote: one actor of this plugin per process */

static bool vote_tail(struct steady_actor *a, char *why, size_t len)
{
    (void)a;
    if (!tail_taken)
        snprintf(why, len, "its tail is not taken yet");
    return tail_taken;
}

static int run(struct steady_actor *a)
{
    const char *mode = steady_param_str(a, "mode");
    size_t batch = (size_t)steady_param_int(a, "batch");
    uint64_t count = (uint64_t)steady_param_int(a, "count");
    uint64_t took = 0, v;
    unsigned cut_short = 0;

    if (strcmp(mode, "vote") == 0)
        steady_set_vote(a, vote_tail);
    while (steady_running(a)) {
        if (strcmp(mode, "vote") == 0) {
            if (!steady_await_all(a, steady_avail(a, IN, batch))) {
                if (++cut_short == 3) {
                    while (steady_try_take(a, IN, &v))
                        took++;
                    tail_taken = true;
                }
                continue;
            }
            for (size_t i = 0; i < batch; i++)
                took += steady_try_take(a, IN, &v);
            continue;
        }
        if (strcmp(mode, "quit") == 0) {
            if (steady_shutdown_requested(a))
                break;
            if (steady_await_all(a, steady_avail(a, IN, batch)) && !cut_short++)
                steady_info(a, "its input holds %zu items", batch);
            (void)steady_await_all(a, steady_timeout(a, 100));
            continue;
        }
        if (strcmp(mode, "batch") == 0 || strcmp(mode, "tail") == 0) {
            if (!steady_await_all(a, steady_avail(a, IN, batch))) {
                /* the tail, if asked for, then steady_running decides */
                while (strcmp(mode, "tail") == 0 && steady_try_take(a, IN, &v))
                    took++;
                continue;
            }
            for (size_t i = 0; i < batch; i++)
                took += steady_try_take(a, IN, &v);
        } else if (strcmp(mode, "zip") == 0) {
            if (!steady_await_all(a, steady_avail(a, IN, 1),
                                  steady_avail(a, IN2, 1)))
                continue;
            took += steady_try_take(a, IN, &v);
            took += steady_try_take(a, IN2, &v);
        } else if (strcmp(mode, "pass") == 0) {
            if (!steady_await_all(a, steady_avail(a, IN, 1),
                                  steady_vacant(a, OUT, 1)))
                continue;
            if (steady_try_take(a, IN, &v)) {
                took++;
                (void)steady_try_send(a, OUT, &v);
            }
        } else {
            if (took == count)
                break;
            if (!steady_await_all(a, steady_avail(a, IN, 1)))
                continue;
            took += steady_try_take(a, IN, &v);
        }
    }
    steady_info(a, "took %llu items", (unsigned long long)took);
    if (cut_short && strcmp(mode, "quit") != 0)
        steady_info(a, "cut short %u times", cut_short);
    return 0;
}

static const struct steady_port_desc ports[] = {
    [IN] = { "in", STEADY_IN, STEADY_TYPE_U64, sizeof(uint64_t), true },
    [IN2] = { "in2", STEADY_IN, STEADY_TYPE_U64, sizeof(uint64_t), false },
    [OUT] = { "out", STEADY_OUT, STEADY_TYPE_U64, sizeof(uint64_t), false },
};

static const struct steady_param_desc params[] = {
    [MODE] = { "mode", STEADY_PARAM_STRING, "pass", "the loop's shape" },
    [BATCH] = { "batch", STEADY_PARAM_INT, "5", "items per wait (batch)" },
    [COUNT] = { "count", STEADY_PARAM_INT, "3", "items to take (few)" },
};

static const struct steady_param_limits limits[] = {
    [MODE] = { .one_of = "batch|tail|vote|zip|pass|few|quit" },
    [BATCH] = { .min = "1", .max = "1000" },
    [COUNT] = { .min = "0" },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "tp_loops",
    .version = "1.0",
    .summary = "the documented loop where a wait stops waiting for good",
    .ports = STEADY_PORTS(ports),
    .params = STEADY_PARAMS(params),
    .run = run,
    .param_limits = limits,
};

STEADY_PLUGIN_DEFINE(desc)

/* heartbeat - every rate_ms sends its beat count (0, 1, ...) and, once it
 * has sent `beats` of them, asks the whole graph to shut down. The count is
 * persistent state, so a restart does not send beats twice, and with a
 * state_dir `beats` is a total over runs: a resumed run sends the rest, and
 * one with none left asks for shutdown at once. fail_at_beat and
 * fail_every_beat inject failures, for supervision tests and tools/soak.sh.
 */
#include <steady/steady.h>

enum { OUT };

static const struct steady_port_desc ports[] = {
    [OUT] = { "out", STEADY_OUT, STEADY_TYPE_U64, sizeof(uint64_t), true },
};

static const struct steady_port_info port_info[] = {
    [OUT] = { .doc = "the beat count, 0, 1, ..., one every rate_ms" },
};

enum { RATE_MS, BEATS, LOG_EVERY, FAIL_AT_BEAT, FAIL_EVERY_BEAT };

static const struct steady_param_desc params[] = {
    [RATE_MS] = { "rate_ms", STEADY_PARAM_INT, "1000",
                  "milliseconds between beats (at most 365 days)" },
    [BEATS] = { "beats", STEADY_PARAM_INT, "120",
                "beats to send in all, then request shutdown; with a "
                "state_dir a total over runs: a resumed run sends only the "
                "rest" },
    [LOG_EVERY] = { "log_every", STEADY_PARAM_INT, "1",
                    "log every Nth beat at info (1: each beat; 0: none)" },
    [FAIL_AT_BEAT] = { "fail_at_beat", STEADY_PARAM_INT, "-1",
                       "failure injection: panic once just before sending "
                       "this beat (-1: never)" },
    [FAIL_EVERY_BEAT] = { "fail_every_beat", STEADY_PARAM_INT, "0",
                          "failure injection: panic once just before "
                          "sending each positive multiple of this beat (0: "
                          "never)" },
};

/* Checked by the host before init (and by `steady check`). The period
 * becomes nanoseconds: bounded so that it cannot wrap. */
static const struct steady_param_limits limits[] = {
    [RATE_MS] = { .min = "1", .max = "31536000000" },
    [BEATS] = { .min = "1" },
    [LOG_EVERY] = { .min = "0" },
    [FAIL_AT_BEAT] = { .min = "-1" },
    [FAIL_EVERY_BEAT] = { .min = "0" },
};
_Static_assert(31536000000 == STEADY_WAIT_MAX_MS, "rate_ms's max");

struct heartbeat_state {
    uint64_t beat;      /* the next beat to send; equals the number sent */
    uint64_t failed_at; /* 1 + the last beat it panicked at; 0: none yet */
};

static int run(struct steady_actor *a)
{
    struct heartbeat_state *state = steady_state(a);
    uint64_t rate_ms = (uint64_t)steady_param_int(a, "rate_ms");
    uint64_t beats = (uint64_t)steady_param_int(a, "beats");
    int64_t fail_at = steady_param_int(a, "fail_at_beat");
    int64_t every = steady_param_int(a, "fail_every_beat");
    uint64_t log_every = (uint64_t)steady_param_int(a, "log_every");

    while (steady_running(a)) {
        /* >=, not ==: a count resumed from an earlier run, or from a run
         * with a larger `beats`, may already be past it */
        if (state->beat >= beats) {
            steady_info(a,
                        "already sent %llu of %llu beats, requesting "
                        "shutdown",
                        (unsigned long long)state->beat,
                        (unsigned long long)beats);
            steady_request_shutdown(a);
            continue;
        }
        /* The first tick comes one period after the first wait. */
        if (!steady_await_all(a, steady_periodic(a, rate_ms)))
            continue;
        /* beats only go up: one below failed_at has failed already */
        if (((fail_at >= 0 && state->beat == (uint64_t)fail_at) ||
             (every > 0 && state->beat > 0 &&
              state->beat % (uint64_t)every == 0)) &&
            state->beat >= state->failed_at) {
            state->failed_at = state->beat + 1;
            steady_panic(a, "injected failure before beat %llu",
                         (unsigned long long)state->beat);
        }
        if (!steady_send(a, OUT, &state->beat, STEADY_SATURATION_WARN))
            break; /* nobody takes beats any more */
        if (log_every && state->beat % log_every == 0)
            steady_info(a, "beat %llu", (unsigned long long)state->beat);
        state->beat++;
        if (state->beat >= beats) {
            steady_info(a, "sent %llu beats, requesting shutdown",
                        (unsigned long long)state->beat);
            steady_request_shutdown(a);
        }
    }
    return 0;
}

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "heartbeat",
    .version = "1.0",
    .summary = "sends a beat every rate_ms, then requests shutdown",
    .ports = STEADY_PORTS(ports),
    .params = STEADY_PARAMS(params),
    .state_size = sizeof(struct heartbeat_state),
    .run = run,
    .port_info = port_info,
    .param_limits = limits,
};

STEADY_PLUGIN_DEFINE(desc)

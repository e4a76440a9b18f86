/* generator - sends 0, 1, 2, ... as fast as the consumer makes room. The
 * counter is persistent state, so a restarted generator carries on where it
 * stopped instead of starting again at 0. fail_at and fail_every inject
 * failures, for supervision tests and tools/soak.sh.
 */
#include <steady/steady.h>

enum { OUT };

static const struct steady_port_desc ports[] = {
    [OUT] = { "out", STEADY_OUT, STEADY_TYPE_U64, sizeof(uint64_t), true },
};

static const struct steady_port_info port_info[] = {
    [OUT] = { .doc = "0, 1, 2, ... as fast as room allows" },
};

enum { BATCH, FAIL_AT, FAIL_EVERY };

static const struct steady_param_desc params[] = {
    [BATCH] = { "batch", STEADY_PARAM_INT, "1024",
                "most values written per wake-up" },
    [FAIL_AT] = { "fail_at", STEADY_PARAM_INT, "-1",
                  "failure injection: panic once just before sending this "
                  "value (-1: never)" },
    [FAIL_EVERY] = { "fail_every", STEADY_PARAM_INT, "0",
                     "failure injection: panic once just before sending "
                     "each positive multiple of this (0: never)" },
};

/* Checked by the host before init (and by `steady check`). */
static const struct steady_param_limits limits[] = {
    [BATCH] = { .min = "1" },
    [FAIL_AT] = { .min = "-1" },
    [FAIL_EVERY] = { .min = "0" },
};

struct generator_state {
    uint64_t next;      /* the next value to send; equals the number sent */
    uint64_t failed_at; /* 1 + the last value it panicked at; 0: none yet */
};

/* The first value at or after `from` that is to fail: fail_at, or a positive
 * multiple of every; UINT64_MAX when there is none. */
static uint64_t next_failure(int64_t fail_at, int64_t every, uint64_t from)
{
    uint64_t f = UINT64_MAX;

    if (fail_at >= 0 && (uint64_t)fail_at >= from)
        f = (uint64_t)fail_at;
    if (every > 0) {
        uint64_t e = (uint64_t)every;
        uint64_t m = from <= e ? e : from + (e - from % e) % e;

        if (m >= from && m < f) /* m < from: the multiple wrapped */
            f = m;
    }
    return f;
}

/* Writes next, next+1, ... straight into the ring's free space. */
static size_t fill(struct steady_channel *out, uint64_t next, size_t max)
{
    struct steady_span spans[2];
    size_t n = steady_channel_borrow_write(out, spans, max);
    for (int s = 0; s < 2; s++) {
        uint64_t *v = spans[s].ptr;
        for (size_t i = 0; i < spans[s].n; i++)
            v[i] = next++;
    }
    steady_channel_commit_send(out, n);
    return n;
}

static int run(struct steady_actor *a)
{
    struct generator_state *state = steady_state(a);
    struct steady_channel *out = steady_port(a, OUT);
    size_t batch = (size_t)steady_param_int(a, "batch");
    int64_t fail_at = steady_param_int(a, "fail_at");
    int64_t every = steady_param_int(a, "fail_every");

    while (steady_running(a)) {
        size_t max = batch;

        if (!steady_await_all(a, steady_vacant(a, OUT, 1)))
            continue;
        if (fail_at >= 0 || every > 0) {
            /* values below failed_at have had their failure already */
            uint64_t fail =
                next_failure(fail_at, every,
                             state->next > state->failed_at ? state->next
                                                            : state->failed_at);

            if (fail == state->next) {
                state->failed_at = state->next + 1;
                steady_panic(a, "injected failure before sending %llu",
                             (unsigned long long)state->next);
            }
            /* stop the batch just short of the value that fails */
            if (fail - state->next < max)
                max = (size_t)(fail - state->next);
        }
        state->next += fill(out, state->next, max);
    }
    steady_info(a, "sent %llu values", (unsigned long long)state->next);
    return 0;
}

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "generator",
    .version = "1.0",
    .summary = "sends 0, 1, 2, ... as fast as room allows",
    .ports = STEADY_PORTS(ports),
    .params = STEADY_PARAMS(params),
    .state_size = sizeof(struct generator_state),
    .run = run,
    .port_info = port_info,
    .param_limits = limits,
};

STEADY_PLUGIN_DEFINE(desc)

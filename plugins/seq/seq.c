/* seq.c - a finite (or endless) source: sends start, start+1, ... as u64,
 * `count` values (0: endless), then returns, which closes its output so
 * that the end of the stream flows downstream and a graph of finite
 * sources ends by itself. Its position is persistent state, so a restart
 * or a resumed run goes on where it stopped. */
#include <steady/steady.h>

enum { OUT };

struct seq_state {
    uint64_t sent; /* values sent so far */
};

static int run(struct steady_actor *a)
{
    struct seq_state *s = steady_state(a);
    uint64_t start = (uint64_t)steady_param_int(a, "start");
    uint64_t count = (uint64_t)steady_param_int(a, "count");
    struct steady_channel *out = steady_port(a, OUT);

    while (steady_running(a) && (count == 0 || s->sent < count)) {
        struct steady_span spans[2];
        uint64_t left = count ? count - s->sent : UINT64_MAX;
        size_t n;

        if (!steady_await_all(a, steady_vacant(a, OUT, 1)))
            continue; /* cut short: steady_running decides */
        /* fill the room in place, up to what is left to send */
        n = steady_channel_borrow_write(
            out, spans, left < SIZE_MAX ? (size_t)left : SIZE_MAX);
        for (int k = 0; k < 2; k++) {
            uint64_t *v = spans[k].ptr;

            for (size_t i = 0; i < spans[k].n; i++)
                v[i] = start + s->sent + i + (k ? spans[0].n : 0);
        }
        steady_channel_commit_send(out, n);
        s->sent += n;
    }
    steady_info(a, "sent %llu values", (unsigned long long)s->sent);
    return 0;
}

static const struct steady_port_desc ports[] = {
    [OUT] = { "out", STEADY_OUT, STEADY_TYPE_U64, sizeof(uint64_t), true },
};

static const struct steady_port_info port_info[] = {
    [OUT] = { .doc = "start, start+1, ..., then end of stream" },
};

enum { START, COUNT };

static const struct steady_param_desc params[] = {
    [START] = { "start", STEADY_PARAM_INT, "0", "the first value" },
    [COUNT] = { "count", STEADY_PARAM_INT, "0",
                "values to send before ending (0: endless)" },
};

/* Checked by the host before init (and by `steady check`); values are
 * u64, so they start at 0 or above. */
static const struct steady_param_limits limits[] = {
    [START] = { .min = "0" },
    [COUNT] = { .min = "0" },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "seq",
    .version = "1.0",
    .summary = "sends start, start+1, ... (count values, 0 endless), then ends",
    .ports = STEADY_PORTS(ports),
    .params = STEADY_PARAMS(params),
    .state_size = sizeof(struct seq_state),
    .run = run,
    .port_info = port_info,
    .param_limits = limits,
};

STEADY_PLUGIN_DEFINE(desc)

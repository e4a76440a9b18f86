/* worker - on each heartbeat moves every value it can (as many as are
 * available and as fit) to the logger as FizzBuzz messages, converting
 * straight from one ring into the other, at once or in chunks of `batch`.
 * Once the heartbeat has stopped it drains what is left: no value is lost or
 * reordered. fail_at and fail_every inject failures, for supervision tests
 * and tools/soak.sh.
 */
#include <steady/steady.h>

enum { HEARTBEAT, VALUES, OUT };

static const struct steady_port_desc ports[] = {
    [HEARTBEAT] = { "heartbeat", STEADY_IN, STEADY_TYPE_U64, sizeof(uint64_t),
                    true },
    [VALUES] = { "values", STEADY_IN, STEADY_TYPE_U64, sizeof(uint64_t), true },
    [OUT] = { "out", STEADY_OUT, STEADY_TYPE_FIZZBUZZ,
              sizeof(struct steady_fizzbuzz_msg), true },
};

static const struct steady_port_info port_info[] = {
    [HEARTBEAT] = { .doc = "beats: each one moves what is waiting" },
    [VALUES] = { .doc = "the values to convert" },
    [OUT] = { .doc = "their FizzBuzz messages, in order" },
};

enum { BATCH, FAIL_AT, FAIL_EVERY };

static const struct steady_param_desc params[] = {
    [BATCH] = { "batch", STEADY_PARAM_INT, "0",
                "0: move everything in one commit per beat; N: in chunks of "
                "at most N, each committed at once so that generator and "
                "logger work meanwhile" },
    [FAIL_AT] = { "fail_at", STEADY_PARAM_INT, "-1",
                  "failure injection: panic once while converting this "
                  "value, before anything of its batch is committed (-1: "
                  "never)" },
    [FAIL_EVERY] = { "fail_every", STEADY_PARAM_INT, "0",
                     "failure injection: panic once while converting each "
                     "positive multiple of this (0: never), as fail_at "
                     "does" },
};

/* Checked by the host before init (and by `steady check`). */
static const struct steady_param_limits limits[] = {
    [BATCH] = { .min = "0" },
    [FAIL_AT] = { .min = "-1" },
    [FAIL_EVERY] = { .min = "0" },
};

struct worker_state {
    uint64_t failed_at; /* 1 + the last value it panicked at; 0: none yet */
};

/* The failure injection params; both off: at < 0 and every == 0. */
struct injection {
    int64_t at;
    int64_t every;
};

static bool injection_on(const struct injection *inj)
{
    return inj->at >= 0 || inj->every > 0;
}

/* Panics once at each value of src[0..n) that fail_at or fail_every name.
 * Values arrive in increasing order, so one that is not above the last
 * failure has had its failure already (it is met again after a restart). */
static void fail_if_asked(struct steady_actor *a, const struct injection *inj,
                          const uint64_t *src, size_t n)
{
    struct worker_state *state = steady_state(a);

    for (size_t i = 0; i < n; i++) {
        uint64_t v = src[i];
        bool named = (inj->at >= 0 && v == (uint64_t)inj->at) ||
                     (inj->every > 0 && v > 0 && v % (uint64_t)inj->every == 0);

        if (named && v >= state->failed_at) {
            state->failed_at = v + 1;
            steady_panic(a, "injected failure converting %llu",
                         (unsigned long long)v);
        }
    }
}

/* Converts at most max values straight from the values ring into the out
 * ring, with no copy in between, and returns how many moved. The borrowed
 * regions are each up to two spans; they are walked as the contiguous
 * pieces where both are unbroken, each converted in one tight loop. */
static size_t move_values(struct steady_actor *a, const struct injection *inj,
                          size_t max)
{
    struct steady_channel *in = steady_port(a, VALUES);
    struct steady_channel *out = steady_port(a, OUT);
    struct steady_span src[2], dst[2];
    size_t si = 0, so = 0, di = 0, dof = 0;

    size_t n = steady_channel_borrow_read(in, src, max);
    n = steady_channel_borrow_write(out, dst, n);
    for (size_t done = 0; done < n;) {
        size_t len = n - done;
        const uint64_t *from;

        if (so == src[si].n) {
            si++;
            so = 0;
        }
        if (dof == dst[di].n) {
            di++;
            dof = 0;
        }
        if (len > src[si].n - so)
            len = src[si].n - so;
        if (len > dst[di].n - dof)
            len = dst[di].n - dof;
        from = (const uint64_t *)src[si].ptr + so;
        if (injection_on(inj))
            fail_if_asked(a, inj, from, len);
        steady_fizzbuzz_convert((struct steady_fizzbuzz_msg *)dst[di].ptr + dof,
                                from, len);
        so += len;
        dof += len;
        done += len;
    }
    /* commit only now: a failure above leaves the values in place for the
     * restarted run, and nothing half-sent */
    steady_channel_commit_send(out, n);
    steady_channel_commit_take(in, n);
    return n;
}

/* Moves what is available now (as far as it fits), in one go or in chunks
 * of `batch`, and returns how many moved. */
static size_t move_available(struct steady_actor *a,
                             const struct injection *inj, size_t batch)
{
    size_t todo, moved = 0;

    if (batch == 0)
        return move_values(a, inj, SIZE_MAX);
    todo = steady_avail_count(a, VALUES);
    while (moved < todo) {
        size_t left = todo - moved;
        size_t n = move_values(a, inj, left < batch ? left : batch);

        if (n == 0)
            break; /* the logger's ring is full */
        moved += n;
    }
    return moved;
}

static int run(struct steady_actor *a)
{
    struct injection inj = { steady_param_int(a, "fail_at"),
                             steady_param_int(a, "fail_every") };
    size_t batch = (size_t)steady_param_int(a, "batch");
    uint64_t beat = 0;

    while (steady_running(a)) {
        bool beating = steady_await_all(a, steady_avail(a, HEARTBEAT, 1));
        bool ready = beating;
        if (beating) {
            steady_try_take(a, HEARTBEAT, &beat);
        } else {
            /* The heartbeat has closed: drain, waiting for values and room
             * rather than spinning. */
            ready = steady_await_all(a, steady_avail(a, VALUES, 1),
                                     steady_vacant(a, OUT, 1));
        }
        size_t n = move_available(a, &inj, batch);
        if (!ready && n == 0)
            break; /* values drained, or nobody takes them: nothing is left
                      (in shutdown too, where the default vote would wait
                      for values that nobody can take) */
        if (beating)
            steady_debug(a, "beat %llu: moved %zu", (unsigned long long)beat,
                         n);
        else
            steady_debug(a, "drain: moved %zu", n);
    }
    return 0;
}

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "worker",
    .version = "1.0",
    .summary = "on each heartbeat turns waiting values into FizzBuzz messages",
    .ports = STEADY_PORTS(ports),
    .params = STEADY_PARAMS(params),
    .state_size = sizeof(struct worker_state),
    .run = run,
    .port_info = port_info,
    .param_limits = limits,
};

STEADY_PLUGIN_DEFINE(desc)

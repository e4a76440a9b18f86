/* tp_checker.c - takes u64 values with peek-before-commit and checks they
 * arrive as 0, 1, 2, ... with no gap and no repeat (its expectation is
 * persistent state, so it holds across restarts and runs). It can fail once
 * while holding a peeked item (fail_at), and treats `poison` as an item that
 * always makes it fail until showstopper detection sets it aside after
 * `threshold` peeks. */
#include <steady/steady.h>

enum { IN };

struct checker_state {
    uint64_t expected;  /* the next value that must arrive */
    uint64_t failed_at; /* 1 + the value it already failed at; 0: none */
    uint64_t checked;   /* values checked in this and earlier runs */
};

static int run(struct steady_actor *a)
{
    struct checker_state *s = steady_state(a);
    int64_t fail_at = steady_param_int(a, "fail_at");
    int64_t poison = steady_param_int(a, "poison");
    unsigned threshold = (unsigned)steady_param_int(a, "threshold");
    uint64_t v;

    while (steady_running(a)) {
        if (!steady_await_all(a, steady_avail(a, IN, 1)))
            continue;
        if (!steady_try_peek(a, IN, &v))
            continue;
        if (poison >= 0 && v == (uint64_t)poison) {
            if (steady_is_showstopper(a, IN, threshold)) {
                steady_dead_letter(a, IN, "poison value");
                s->expected = v + 1;
                continue;
            }
            steady_panic(a, "poisoned by %llu", (unsigned long long)v);
        }
        if (fail_at >= 0 && v == (uint64_t)fail_at && s->failed_at != v + 1) {
            s->failed_at = v + 1;
            steady_panic(a, "injected failure holding %llu",
                         (unsigned long long)v);
        }
        if (v != s->expected)
            return steady_fail(a, "expected %llu, got %llu",
                               (unsigned long long)s->expected,
                               (unsigned long long)v);
        steady_try_take(a, IN, &v);
        s->expected++;
        s->checked++;
    }
    steady_info(a, "checked %llu values in order, next %llu",
                (unsigned long long)s->checked,
                (unsigned long long)s->expected);
    return 0;
}

static const struct steady_port_desc ports[] = {
    { "in", STEADY_IN, "u64", 8, true },
};

static const struct steady_param_desc params[] = {
    { "fail_at", STEADY_PARAM_INT, "-1",
      "panic once while holding this value peeked" },
    { "poison", STEADY_PARAM_INT, "-1", "a value that always fails" },
    { "threshold", STEADY_PARAM_INT, "3",
      "peeks after which a value is a showstopper" },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "tp_checker",
    .version = "1.0",
    .summary = "checks values arrive in order, once",
    .ports = ports,
    .n_ports = sizeof(ports) / sizeof(ports[0]),
    .params = params,
    .n_params = sizeof(params) / sizeof(params[0]),
    .state_size = sizeof(struct checker_state),
    .run = run,
};

STEADY_PLUGIN_DEFINE(desc)

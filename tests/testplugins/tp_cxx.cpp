// tp_cxx.cpp - a plugin written in C++17: multiplies each u64 it takes by
// `factor` and counts them in persistent state. It includes every public
// header, so building it (-Wall -Wextra -Wpedantic -Werror) proves that the
// headers compile as C++; tests/plugins/test_cxx_plugin.c runs it.
#include <steady/messages.h>
#include <steady/runtime.h>
#include <steady/steady.h>
#include <steady/testing.h>

#include <cstdint>

namespace {

enum { IN, OUT };

struct doubler_state {
    uint64_t seen; // items multiplied so far, across restarts and runs
};

class Multiplier {
public:
    explicit Multiplier(int64_t factor) : factor_(factor) {}
    uint64_t operator()(uint64_t v) const
    {
        return v * static_cast<uint64_t>(factor_);
    }

private:
    int64_t factor_;
};

int init(struct steady_actor *a)
{
    if (steady_param_int(a, "factor") < 1)
        return steady_fail(a, "factor must be at least 1");
    return 0;
}

int run(struct steady_actor *a)
{
    auto *s = static_cast<doubler_state *>(steady_state(a));
    const Multiplier times(steady_param_int(a, "factor"));

    while (steady_running(a)) {
        uint64_t v;

        if (!steady_await_all(a, steady_avail(a, IN, 1),
                              steady_vacant(a, OUT, 1)))
            continue; // cut short: steady_running decides
        if (!steady_try_take(a, IN, &v))
            continue;
        v = times(v);
        steady_send(a, OUT, &v, STEADY_SATURATION_AWAIT);
        s->seen++;
    }
    steady_info(a, "multiplied %llu items",
                static_cast<unsigned long long>(s->seen));
    return 0;
}

const struct steady_port_desc ports[] = {
    { "in", STEADY_IN, "u64", 8, true },
    { "out", STEADY_OUT, "u64", 8, true },
};

const struct steady_param_desc params[] = {
    { "factor", STEADY_PARAM_INT, "2", "what each item is multiplied by" },
};

const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    "tp_cxx",
    "1.0",
    "multiplies u64 items; written in C++",
    STEADY_PORTS(ports),
    STEADY_PARAMS(params),
    sizeof(doubler_state),
    init,
    run,
    nullptr,
    nullptr, /* ABI 1.1: port_info */
    nullptr, /* ABI 1.1: param_limits */
};

} // namespace

extern "C" {
STEADY_PLUGIN_DEFINE(desc)
}

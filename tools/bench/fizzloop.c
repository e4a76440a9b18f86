/* fizzloop.c - the compute limit: one core generating 0, 1, 2, ...,
 * turning each value into its FizzBuzz message and counting the kinds, in
 * one plain loop with the same <steady/messages.h> code the worker and
 * logger use (so each value is classified on its own, as the worker must).
 */
#include "bench.h"

#include <steady/messages.h>

void bench_fizz_loop(const struct bench_cfg *cfg, struct bench_result *r)
{
    uint64_t n = cfg->quick ? UINT64_C(1) << 20 : UINT64_C(1) << 30;
    uint64_t counts[4] = { 0, 0, 0, 0 };
    uint64_t t0 = bench_now_ns();

    for (uint64_t v = 0; v < n; v++)
        counts[steady_fizzbuzz_kind(steady_fizzbuzz_of(v))]++;
    t0 = bench_now_ns() - t0;
    /* checking the counts also keeps the loop from being optimised away */
    if (counts[STEADY_FIZZBUZZ_FIZZBUZZ] != (n + 14) / 15 ||
        counts[STEADY_FIZZBUZZ_FIZZ] != (n + 2) / 3 - (n + 14) / 15) {
        bench_fail(r, "wrong count");
        return;
    }
    r->value = (double)n * 1e9 / (double)t0;
    r->ok = true;
}

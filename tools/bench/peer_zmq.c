/* peer_zmq.c - ZeroMQ doing the performant graph's job: a sender thread
 * pushes 0, 1, 2, ... as one 8-byte message each through inproc PUSH/PULL,
 * the receiver turns each into its FizzBuzz message and counts the kinds.
 * Built without libzmq3-dev, it reports "not installed".
 */
#include "bench.h"

#ifdef STEADY_BENCH_HAVE_ZMQ

#include <pthread.h>
#include <steady/messages.h>
#include <zmq.h>

struct zmq_job {
    void *push;
    uint64_t n;
    int failed;
};

static void *zmq_sender(void *arg)
{
    struct zmq_job *j = arg;

    bench_pin(0);
    for (uint64_t i = 0; i < j->n; i++)
        if (zmq_send(j->push, &i, sizeof(i), 0) != sizeof(i)) {
            j->failed = 1;
            break;
        }
    return NULL;
}

void bench_zmq(const struct bench_cfg *cfg, struct bench_result *r)
{
    struct zmq_job j = { .n = cfg->quick ? 20000 : 5000000 };
    uint64_t counts[4] = { 0, 0, 0, 0 };
    void *ctx = zmq_ctx_new();
    void *pull = NULL;
    pthread_t t;
    uint64_t t0;

    if (!ctx)
        goto err;
    pull = zmq_socket(ctx, ZMQ_PULL);
    j.push = zmq_socket(ctx, ZMQ_PUSH);
    if (!pull || !j.push || zmq_bind(pull, "inproc://steady-bench") != 0 ||
        zmq_connect(j.push, "inproc://steady-bench") != 0)
        goto err_close;
    bench_pin(1);
    t0 = bench_now_ns();
    if (pthread_create(&t, NULL, zmq_sender, &j) != 0)
        goto err_close;
    for (uint64_t i = 0; i < j.n; i++) {
        uint64_t v;
        struct steady_fizzbuzz_msg m;

        if (zmq_recv(pull, &v, sizeof(v), 0) != sizeof(v)) {
            j.failed = 1;
            break;
        }
        m = steady_fizzbuzz_of(v);
        steady_fizzbuzz_count(&m, 1, counts);
    }
    t0 = bench_now_ns() - t0;
    pthread_join(t, NULL);
    if (j.failed || counts[STEADY_FIZZBUZZ_FIZZBUZZ] != (j.n + 14) / 15)
        goto err_close;
    r->value = (double)j.n * 1e9 / (double)t0;
    r->ok = true;
    zmq_close(j.push);
    zmq_close(pull);
    zmq_ctx_term(ctx);
    return;

err_close:
    if (j.push)
        zmq_close(j.push);
    if (pull)
        zmq_close(pull);
    zmq_ctx_term(ctx);
err:
    bench_fail(r, "failed: %s", zmq_strerror(zmq_errno()));
}

#else

void bench_zmq(const struct bench_cfg *cfg, struct bench_result *r)
{
    (void)cfg;
    bench_fail(r, "not installed");
}

#endif

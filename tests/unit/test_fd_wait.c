/* test_fd_wait.c - unit tests of the sleep that wakes on a waker or on file
 * descriptors (waker_poll, wake.h) and of a troupe's union of fds
 * (fd_wait.h): an fd event, a wake from another thread, a deadline, a wake
 * that came before the sleep, no lost or stale wake-ups, and the futex
 * sleeper beside the poll sleeper.
 */
#include "fd_wait.h"
#include "wake.h"

#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
/* last: cmocka needs the headers above */
#include <cmocka.h>

static uint64_t ms_since(uint64_t start_ns)
{
    return (now_ns() - start_ns) / NS_PER_MS;
}

static struct waker *poll_waker(void)
{
    struct waker *w = calloc(1, sizeof(*w));

    assert_non_null(w);
    waker_init(w);
    assert_int_equal(waker_poll_prepare(w), 0);
    /* once: the second call keeps the eventfd */
    int efd = atomic_load(&w->efd);
    assert_int_equal(waker_poll_prepare(w), 0);
    assert_int_equal(atomic_load(&w->efd), efd);
    return w;
}

static void free_waker(struct waker *w)
{
    waker_fini(w);
    assert_int_equal(atomic_load(&w->efd), -1);
    free(w);
}

static void test_poll_returns_on_fd_event(void **unused)
{
    struct waker *w = poll_waker();
    struct pollfd fds[2];
    int p[2];
    uint64_t start = now_ns();

    (void)unused;
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    assert_int_equal(write(p[1], "x", 1), 1);
    fds[1] = (struct pollfd){ .fd = p[0], .events = POLLIN };
    assert_int_equal(
        waker_poll(w, waker_seq(w), now_ns() + 10 * NS_PER_S, fds, 2), 1);
    assert_true(fds[1].revents & POLLIN);
    assert_int_equal(fds[0].revents, 0);
    assert_true(ms_since(start) < 5000);
    close(p[0]);
    close(p[1]);
    free_waker(w);
}

static void test_poll_times_out_at_deadline(void **unused)
{
    struct waker *w = poll_waker();
    struct pollfd fds[2];
    int p[2];
    uint64_t start = now_ns();

    (void)unused;
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    fds[1] = (struct pollfd){ .fd = p[0], .events = POLLIN };
    assert_int_equal(
        waker_poll(w, waker_seq(w), now_ns() + 50 * NS_PER_MS, fds, 2), 0);
    assert_true(ms_since(start) >= 49);
    close(p[0]);
    close(p[1]);
    free_waker(w);
}

static void test_poll_does_not_sleep_after_a_wake(void **unused)
{
    struct waker *w = poll_waker();
    struct pollfd fds[1];
    uint32_t seen = waker_seq(w);
    uint64_t start = now_ns();

    (void)unused;
    waker_wake(w); /* between reading seq and sleeping */
    assert_int_equal(waker_poll(w, seen, now_ns() + 10 * NS_PER_S, fds, 1), 0);
    assert_true(ms_since(start) < 5000);
    free_waker(w);
}

struct waking {
    struct waker *w;
    uint64_t delay_ms;
};

static void *wake_later(void *arg)
{
    struct waking *k = arg;

    usleep((useconds_t)(k->delay_ms * 1000));
    waker_wake(k->w);
    return NULL;
}

static void test_poll_wakes_on_waker_from_another_thread(void **unused)
{
    struct waker *w = poll_waker();
    struct waking k = { w, 50 };
    struct pollfd fds[1];
    pthread_t th;
    uint32_t seen = waker_seq(w);
    uint64_t start = now_ns();

    (void)unused;
    assert_int_equal(pthread_create(&th, NULL, wake_later, &k), 0);
    assert_int_equal(waker_poll(w, seen, now_ns() + 20 * NS_PER_S, fds, 1), 0);
    assert_true(ms_since(start) < 10000);
    assert_int_not_equal(waker_seq(w), seen);
    pthread_join(th, NULL);
    /* the eventfd was drained: the next sleep waits for its deadline */
    start = now_ns();
    assert_int_equal(
        waker_poll(w, waker_seq(w), now_ns() + 50 * NS_PER_MS, fds, 1), 0);
    assert_true(ms_since(start) >= 49);
    free_waker(w);
}

/* Many wakes against many sleeps, each sleep bounded: every wake is seen
 * (the final counter matches) and no sleep hangs. */
static void *wake_many(void *arg)
{
    struct waker *w = arg;

    for (int i = 0; i < 2000; i++) {
        waker_wake(w);
        if (i % 64 == 0)
            usleep(100);
    }
    return NULL;
}

static void test_poll_loses_no_wake(void **unused)
{
    struct waker *w = poll_waker();
    struct pollfd fds[1];
    pthread_t th;
    uint32_t seen = waker_seq(w);
    uint64_t start = now_ns();

    (void)unused;
    assert_int_equal(pthread_create(&th, NULL, wake_many, w), 0);
    while (seen != 2000 && ms_since(start) < 20000) {
        /* no deadline: only a wake ends the sleep */
        waker_poll(w, seen, 0, fds, 1);
        seen = waker_seq(w);
    }
    pthread_join(th, NULL);
    assert_int_equal(waker_seq(w), 2000);
    free_waker(w);
}

static void *futex_sleeper(void *arg)
{
    struct waker *w = arg;
    uint32_t seen = waker_seq(w);

    while (waker_seq(w) == seen)
        waker_wait(w, seen, now_ns() + 10 * NS_PER_S);
    return NULL;
}

/* A futex sleeper on a waker that also has an eventfd is still woken. */
static void test_futex_sleeper_beside_eventfd(void **unused)
{
    struct waker *w = poll_waker();
    pthread_t th;
    uint64_t start = now_ns();

    (void)unused;
    assert_int_equal(pthread_create(&th, NULL, futex_sleeper, w), 0);
    /* wake until the sleeper is gone (it may not sleep yet at the first) */
    while (pthread_tryjoin_np(th, NULL) != 0) {
        assert_true(ms_since(start) < 10000);
        waker_wake(w);
        usleep(1000);
    }
    free_waker(w);
}

static void test_union_marks_the_owner(void **unused)
{
    struct waker *w = poll_waker();
    struct fd_wait a = { 0 }, b = { 0 };
    struct fd_union u = { 0 };
    struct pollfd pa[2], pb[3];
    int p1[2], p2[2];

    (void)unused;
    assert_int_equal(pipe2(p1, O_CLOEXEC), 0);
    assert_int_equal(pipe2(p2, O_CLOEXEC), 0);
    pa[1] = (struct pollfd){ .fd = p1[0], .events = POLLIN };
    pb[1] = (struct pollfd){ .fd = p2[0], .events = POLLIN };
    pb[2] = (struct pollfd){ .fd = p2[1], .events = POLLOUT };
    a.pfds = pa;
    a.n = 1;
    b.pfds = pb;
    b.n = 2;
    /* nothing ready but b's writable end */
    fd_union_reset(&u);
    assert_int_equal(fd_union_add(&u, &a, 4), 0);
    assert_int_equal(fd_union_add(&u, &b, 7), 0);
    assert_int_equal(u.n, 4);
    assert_int_equal(fd_union_wait(&u, w, waker_seq(w), 0, false), 1);
    assert_false(fd_union_ready(&u, 1));
    assert_false(fd_union_ready(&u, 2));
    assert_true(fd_union_ready(&u, 3));
    assert_int_equal(u.owner[3], 7);
    /* asleep on the union: a's pipe wakes it, and says it is a's */
    fd_union_reset(&u);
    assert_int_equal(fd_union_add(&u, &a, 4), 0);
    assert_int_equal(write(p1[1], "x", 1), 1);
    assert_int_equal(
        fd_union_wait(&u, w, waker_seq(w), now_ns() + 10 * NS_PER_S, true), 1);
    assert_true(fd_union_ready(&u, 1));
    assert_int_equal(u.owner[1], 4);
    fd_union_free(&u);
    fd_union_free(&u); /* twice is fine */
    close(p1[0]);
    close(p1[1]);
    close(p2[0]);
    close(p2[1]);
    free_waker(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_poll_returns_on_fd_event),
        cmocka_unit_test(test_poll_times_out_at_deadline),
        cmocka_unit_test(test_poll_does_not_sleep_after_a_wake),
        cmocka_unit_test(test_poll_wakes_on_waker_from_another_thread),
        cmocka_unit_test(test_poll_loses_no_wake),
        cmocka_unit_test(test_futex_sleeper_beside_eventfd),
        cmocka_unit_test(test_union_marks_the_owner),
    };

    wake_fences_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_fd_waits.c - steady_readable and steady_writable through a real
 * actor (testplugins/tp_fdecho.so) on pipes and socket pairs the test
 * holds: readable, combined with a channel, writable once a full pipe
 * drains, hang-up and end of input, bad fds, shutdown while parked, the
 * spin detector on an ended fd, and a restart that loses nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* cmocka.h needs the headers above */
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <steady/testing.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t ms_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void make_pipe(int p[2])
{
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
}

static void put(int fd, const char *text)
{
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
}

static struct steady_test *load_reader(int fd)
{
    char num[16];
    struct steady_test *t =
        steady_test_load(STEADY_TEST_PLUGIN_DIR "/tp_fdecho.so", "echo");

    assert_non_null(t);
    snprintf(num, sizeof(num), "%d", fd);
    assert_int_equal(steady_test_set_param(t, "fd", num), 0);
    return t;
}

static void await_log(struct steady_test *t, const char *text)
{
    if (!steady_test_await_log(t, text, 10000))
        fail_msg("log has no '%s':\n%s", text, steady_test_log(t));
}

/* Takes exactly the expected values from out, waiting (bounded). */
static void expect_out(struct steady_test *t, const uint64_t *want, size_t n)
{
    uint64_t got[64];
    size_t have;

    assert_true(n <= 64);
    have = steady_test_await_output(t, "out", n, 10000);
    if (have < n)
        fail_msg("out has %zu values, expected %zu:\n%s", have, n,
                 steady_test_log(t));
    assert_int_equal(steady_test_take(t, "out", got, 64), n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(got[i], want[i]);
}

static void test_readable_forwards_what_arrives(void **unused)
{
    static const uint64_t first[] = { 1, 2, 3 }, then[] = { 40, 50 };
    int p[2];
    struct steady_test *t;

    (void)unused;
    make_pipe(p);
    t = load_reader(p[0]);
    steady_test_connect(t, "out", 16);
    assert_int_equal(steady_test_start(t), 0);
    await_log(t, "reading fd");
    put(p[1], "1 2 3\n");
    expect_out(t, first, 3);
    /* "5" may go on: it waits for the next read, which says "0" */
    put(p[1], "40 5");
    await_log(t, "got 4 values so far");
    put(p[1], "0\n");
    expect_out(t, then, 2);
    /* hang-up: the last value without a separator, then end of input */
    close(p[1]);
    assert_int_equal(steady_test_wait(t, 10000), 0);
    assert_true(steady_test_log_contains(t, "end of input after 5 values"));
    steady_test_destroy(t);
    close(p[0]);
}

static void test_readable_combines_with_a_channel(void **unused)
{
    static const uint64_t from_in[] = { 99 }, from_fd[] = { 7 };
    uint64_t v = 99;
    int p[2];
    struct steady_test *t;

    (void)unused;
    make_pipe(p);
    t = load_reader(p[0]);
    steady_test_connect(t, "in", 4);
    steady_test_connect(t, "out", 16);
    assert_int_equal(steady_test_start(t), 0);
    await_log(t, "reading fd");
    /* parked on "fd readable OR an item": the item wakes it */
    assert_int_equal(steady_test_feed(t, "in", &v, 1), 1);
    expect_out(t, from_in, 1);
    put(p[1], "7 ");
    expect_out(t, from_fd, 1);
    steady_test_request_shutdown(t);
    steady_test_close_input(t, "in");
    assert_int_equal(steady_test_wait(t, 10000), 0);
    steady_test_destroy(t);
    close(p[0]);
    close(p[1]);
}

static void test_hang_up_ends_input(void **unused)
{
    static const uint64_t want[] = { 8 };
    int p[2];
    struct steady_test *t;

    (void)unused;
    make_pipe(p);
    t = load_reader(p[0]);
    steady_test_connect(t, "out", 4);
    put(p[1], "8");
    close(p[1]);
    assert_int_equal(steady_test_run(t, 10000), 0);
    expect_out(t, want, 1);
    assert_true(steady_test_log_contains(t, "end of input after 1 values"));
    steady_test_destroy(t);
    close(p[0]);
}

static void test_socket_shutdown_is_end_of_input(void **unused)
{
    static const uint64_t want[] = { 3, 4 };
    int sv[2];
    struct steady_test *t;

    (void)unused;
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    t = load_reader(sv[0]);
    steady_test_connect(t, "out", 4);
    assert_int_equal(steady_test_start(t), 0);
    await_log(t, "reading fd");
    put(sv[1], "3 4");
    assert_int_equal(shutdown(sv[1], SHUT_WR), 0);
    assert_int_equal(steady_test_wait(t, 10000), 0);
    expect_out(t, want, 2);
    steady_test_destroy(t);
    close(sv[0]);
    close(sv[1]);
}

/* Reads from fd (non-blocking) until `want` bytes came, at most 10 s. */
static size_t read_all(int fd, char *buf, size_t want)
{
    size_t have = 0;
    uint64_t deadline = ms_now() + 10000;

    while (have < want && ms_now() < deadline) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        ssize_t n;

        if (poll(&p, 1, 100) <= 0)
            continue;
        n = read(fd, buf + have, want - have);
        if (n > 0)
            have += (size_t)n;
    }
    return have;
}

static void test_writable_waits_for_a_full_pipe(void **unused)
{
    uint64_t values[10];
    char num[16], lines[64], *junk;
    size_t filled = 0, expect_len = 0;
    int p[2];
    struct steady_test *t;
    uint64_t start;

    (void)unused;
    make_pipe(p);
    /* fill the pipe: the actor's first write must wait for room */
    assert_int_equal(fcntl(p[1], F_SETFL, O_NONBLOCK), 0);
    junk = calloc(1, 1 << 20);
    assert_non_null(junk);
    for (;;) {
        ssize_t n = write(p[1], junk, 4096);

        if (n < 0) {
            assert_int_equal(errno, EAGAIN);
            break;
        }
        filled += (size_t)n;
    }
    t = steady_test_load(STEADY_TEST_PLUGIN_DIR "/tp_fdecho.so", "echo");
    assert_non_null(t);
    snprintf(num, sizeof(num), "%d", p[1]);
    assert_int_equal(steady_test_set_param(t, "fd", num), 0);
    assert_int_equal(steady_test_set_param(t, "mode", "write"), 0);
    steady_test_connect(t, "in", 16);
    for (uint64_t i = 0; i < 10; i++) {
        values[i] = i;
        expect_len += 2;
    }
    assert_int_equal(steady_test_feed(t, "in", values, 10), 10);
    assert_int_equal(steady_test_start(t), 0);
    await_log(t, "writing fd");
    /* a while parked on "item AND fd writable": nothing goes through */
    start = ms_now();
    while (ms_now() - start < 100)
        usleep(10000);
    assert_false(steady_test_log_contains(t, "wrote"));
    /* drain the filler: room appears, the actor writes the ten lines */
    assert_int_equal(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
    assert_int_equal(read_all(p[0], junk, filled), filled);
    assert_int_equal(read_all(p[0], lines, expect_len), expect_len);
    assert_memory_equal(lines, "0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n", expect_len);
    /* end of the input stream ends the actor */
    steady_test_close_input(t, "in");
    assert_int_equal(steady_test_wait(t, 10000), 0);
    assert_true(steady_test_log_contains(t, "wrote 10 values"));
    steady_test_destroy(t);
    free(junk);
    close(p[0]);
    close(p[1]);
}

/* CPU time of this whole process so far, in ms. */
static double cpu_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* await_all(item, fd writable) with the fd writable and no item: the met
 * fd is left out of the sleep, which waits for the item alone (a sleep
 * that included it would return at once, again and again). */
static void test_met_fd_does_not_spin_an_await_all(void **unused)
{
    struct timespec pause = { 1, 0 };
    uint64_t v = 3;
    char num[16], line[8];
    double before, used;
    int p[2];
    struct steady_test *t;

    (void)unused;
    make_pipe(p);
    t = steady_test_load(STEADY_TEST_PLUGIN_DIR "/tp_fdecho.so", "echo");
    assert_non_null(t);
    snprintf(num, sizeof(num), "%d", p[1]);
    assert_int_equal(steady_test_set_param(t, "fd", num), 0);
    assert_int_equal(steady_test_set_param(t, "mode", "write"), 0);
    steady_test_connect(t, "in", 4);
    assert_int_equal(steady_test_start(t), 0);
    await_log(t, "writing fd");
    before = cpu_ms();
    nanosleep(&pause, NULL);
    used = cpu_ms() - before;
    /* a bound, generous for sanitizers: a spinning wait uses hundreds of
     * ms even on a loaded machine, a sleeping one next to nothing */
    if (used > 50)
        fail_msg("waiting used %.1f ms of CPU in 1 s", used);
    /* and the item still wakes it */
    assert_int_equal(steady_test_feed(t, "in", &v, 1), 1);
    assert_int_equal(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
    assert_int_equal(read_all(p[0], line, 2), 2);
    assert_memory_equal(line, "3\n", 2);
    steady_test_close_input(t, "in");
    assert_int_equal(steady_test_wait(t, 10000), 0);
    steady_test_destroy(t);
    close(p[0]);
    close(p[1]);
}

static void test_writable_is_met_when_the_reader_is_gone(void **unused)
{
    uint64_t v = 5;
    char num[16];
    int p[2];
    struct steady_test *t;

    (void)unused;
    make_pipe(p);
    close(p[0]);
    t = steady_test_load(STEADY_TEST_PLUGIN_DIR "/tp_fdecho.so", "echo");
    assert_non_null(t);
    snprintf(num, sizeof(num), "%d", p[1]);
    assert_int_equal(steady_test_set_param(t, "fd", num), 0);
    assert_int_equal(steady_test_set_param(t, "mode", "write"), 0);
    steady_test_connect(t, "in", 4);
    assert_int_equal(steady_test_feed(t, "in", &v, 1), 1);
    /* met (in error), so the write is tried and fails at once */
    assert_int_equal(steady_test_run(t, 10000), 0);
    assert_true(steady_test_log_contains(t, "Broken pipe; stopping after 0"));
    steady_test_destroy(t);
    close(p[1]);
}

/* An fd number that was open and is closed now. High, so that nothing
 * the harness or the runtime opens next (lowest numbers first) takes it. */
static int closed_fd(void)
{
    int p[2], fd = 900;

    make_pipe(p);
    assert_int_equal(dup2(p[0], fd), fd);
    close(p[0]);
    close(p[1]);
    close(fd);
    assert_int_equal(fcntl(fd, F_GETFD), -1);
    return fd;
}

static void test_bad_fd_fails_the_actor(void **unused)
{
    char want[128];
    struct steady_test *t;
    int fd;

    (void)unused;
    t = load_reader(0);
    fd = closed_fd();
    {
        char num[16];

        snprintf(num, sizeof(num), "%d", fd);
        assert_int_equal(steady_test_set_param(t, "fd", num), 0);
    }
    assert_int_equal(steady_test_run(t, 10000), -1);
    snprintf(want, sizeof(want),
             "waits for fd %d to be readable, but fd %d is not open", fd, fd);
    if (!strstr(steady_test_error(t), want))
        fail_msg("error is '%s'", steady_test_error(t));
    steady_test_destroy(t);
}

static void test_negative_fd_fails_the_actor(void **unused)
{
    struct steady_test *t;

    (void)unused;
    t = load_reader(-1);
    assert_int_equal(steady_test_run(t, 10000), -1);
    if (!strstr(steady_test_error(t), "waits for fd -1 to be readable, but "
                                      "-1 is not a file descriptor"))
        fail_msg("error is '%s'", steady_test_error(t));
    steady_test_destroy(t);
}

static void test_shutdown_wakes_a_parked_reader(void **unused)
{
    int p[2];
    struct steady_test *t;
    uint64_t start;

    (void)unused;
    make_pipe(p);
    t = load_reader(p[0]);
    steady_test_connect(t, "out", 4);
    assert_int_equal(steady_test_start(t), 0);
    await_log(t, "reading fd");
    usleep(50000); /* parked by now, most likely; a bound, not a race */
    start = ms_now();
    steady_test_request_shutdown(t);
    assert_int_equal(steady_test_wait(t, 10000), 0);
    /* woken by the request, not by a timer: a generous bound */
    assert_true(ms_now() - start < 2000);
    assert_true(steady_test_log_contains(t, "stopped after 0 values"));
    steady_test_destroy(t);
    close(p[0]);
    close(p[1]);
}

static void test_spin_detector_names_an_ended_fd(void **unused)
{
    char want[128];
    int p[2];
    struct steady_test *t;

    (void)unused;
    make_pipe(p);
    t = load_reader(p[0]);
    assert_int_equal(steady_test_set_param(t, "on_eof", "ignore"), 0);
    steady_test_connect(t, "out", 4);
    put(p[1], "1\n");
    close(p[1]);
    assert_int_equal(steady_test_start(t), 0);
    await_log(t, "end of input ignored");
    if (!steady_test_await_log(t, "spinning: ", 60000))
        fail_msg("no spin warning:\n%s", steady_test_log(t));
    snprintf(want, sizeof(want),
             "met only by fd %d, which has hung up with nothing left to "
             "read. Stop waiting on an fd once read() returns 0",
             p[0]);
    if (!steady_test_log_contains(t, want))
        fail_msg("log lacks '%s':\n%s", want, steady_test_log(t));
    steady_test_request_shutdown(t);
    assert_int_equal(steady_test_wait(t, 10000), 0);
    steady_test_destroy(t);
    close(p[0]);
}

/* A wait met by an fd with data left is progress, not spinning, even
 * once the fd has hung up: an actor reading a hung-up pipe byte by byte,
 * more times than the detector's streak, is not named. */
static void test_reading_a_hung_up_pipe_is_not_spinning(void **unused)
{
    enum { BYTES = 120000 };
    int p[2];
    struct steady_test *t;
    char *digits = malloc(BYTES);

    (void)unused;
    assert_non_null(digits);
    make_pipe(p);
    t = load_reader(p[0]);
    assert_int_equal(steady_test_set_param(t, "read_size", "1"), 0);
    for (int i = 0; i < BYTES; i += 2) {
        digits[i] = '1';
        digits[i + 1] = ' ';
    }
    assert_true(fcntl(p[1], F_SETPIPE_SZ, 1 << 17) >= BYTES);
    assert_int_equal(write(p[1], digits, BYTES), BYTES);
    close(p[1]);
    /* out unconnected: no item moves, so only the fd's data counts */
    assert_int_equal(steady_test_run(t, 60000), 0);
    assert_true(steady_test_log_contains(t, "end of input after 60000 values"));
    assert_false(steady_test_log_contains(t, "spinning"));
    steady_test_destroy(t);
    free(digits);
    close(p[0]);
}

static void test_restart_keeps_reading_the_fd(void **unused)
{
    static const uint64_t want[] = { 1, 2, 3, 4 };
    int p[2];
    struct steady_test *t;

    (void)unused;
    make_pipe(p);
    t = load_reader(p[0]);
    assert_int_equal(steady_test_set_param(t, "fail_at", "2"), 0);
    steady_test_set_restart(t, 3, 60, 10);
    steady_test_connect(t, "out", 16);
    assert_int_equal(steady_test_start(t), 0);
    await_log(t, "reading fd");
    put(p[1], "1 2 3 4\n");
    expect_out(t, want, 4);
    assert_int_equal(steady_test_restarts(t), 1);
    close(p[1]);
    assert_int_equal(steady_test_wait(t, 10000), 0);
    assert_true(steady_test_log_contains(t, "end of input after 4 values"));
    steady_test_destroy(t);
    close(p[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_readable_forwards_what_arrives),
        cmocka_unit_test(test_readable_combines_with_a_channel),
        cmocka_unit_test(test_hang_up_ends_input),
        cmocka_unit_test(test_socket_shutdown_is_end_of_input),
        cmocka_unit_test(test_writable_waits_for_a_full_pipe),
        cmocka_unit_test(test_met_fd_does_not_spin_an_await_all),
        cmocka_unit_test(test_writable_is_met_when_the_reader_is_gone),
        cmocka_unit_test(test_bad_fd_fails_the_actor),
        cmocka_unit_test(test_negative_fd_fails_the_actor),
        cmocka_unit_test(test_shutdown_wakes_a_parked_reader),
        cmocka_unit_test(test_spin_detector_names_an_ended_fd),
        cmocka_unit_test(test_reading_a_hung_up_pipe_is_not_spinning),
        cmocka_unit_test(test_restart_keeps_reading_the_fd),
    };

    /* the writer whose reader is gone gets EPIPE, not a signal */
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}

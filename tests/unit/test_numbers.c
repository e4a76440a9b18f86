/* test_numbers.c - numbers from users: int params (decimal, explicit 0x hex,
 * no leading zero, int64 range), telemetry ports (digits only, 0 or 1 to
 * 65535) and wait lengths (clamped so that no ms-to-ns conversion wraps).
 */
#include "listen.h"
#include "param.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* cmocka.h needs the standard headers above included first. */
#include <cmocka.h>
#include <steady/actor.h>

static void expect_int(const char *text, int64_t want)
{
    union param_value v = { .i = 12345 };
    int64_t got = 12345;

    if (param_parse_int(text, &got) < 0)
        fail_msg("'%s' refused, expected %lld", text, (long long)want);
    assert_int_equal(got, want);
    assert_int_equal(param_parse(STEADY_PARAM_INT, text, &v), 0);
    assert_int_equal(v.i, want);
}

static void expect_no_int(const char *text)
{
    union param_value v = { .i = 12345 };
    int64_t got = 12345;

    if (param_parse_int(text, &got) == 0)
        fail_msg("'%s' accepted as %lld", text, (long long)got);
    assert_int_equal(got, 12345); /* untouched */
    assert_int_equal(param_parse(STEADY_PARAM_INT, text, &v), -1);
    assert_int_equal(v.i, 12345);
}

static void test_int_decimal_and_hex(void **state)
{
    (void)state;
    expect_int("0", 0);
    expect_int("-0", 0);
    expect_int("8", 8);
    expect_int("10", 10);
    expect_int("+42", 42);
    expect_int("-7", -7);
    expect_int("0x10", 16);
    expect_int("0X2a", 42);
    expect_int("-0x10", -16);
    expect_int("9223372036854775807", INT64_MAX);
    expect_int("-9223372036854775808", INT64_MIN);
    expect_int("0x7fffffffffffffff", INT64_MAX);
    expect_int("18446744073710", INT64_C(18446744073710));
}

static void test_int_refusals(void **state)
{
    (void)state;
    /* base 0 read these as octal 8 and 0: no guessing now */
    expect_no_int("010");
    expect_no_int("00");
    expect_no_int("-010");
    expect_no_int("0o10");
    expect_no_int("0b101");
    expect_no_int("0x");
    expect_no_int("0xg");
    expect_no_int("");
    expect_no_int("+");
    expect_no_int("-");
    expect_no_int(" 5");
    expect_no_int("5 ");
    expect_no_int("1e3");
    expect_no_int("1.0");
    expect_no_int("ten");
    expect_no_int("++5");
    expect_no_int("9223372036854775808");
    expect_no_int("-9223372036854775809");
    expect_no_int("0x8000000000000000");
    expect_no_int("99999999999999999999999");
}

static void expect_port(const char *s, int want)
{
    char addr[64];
    int port = -1;

    assert_int_equal(listen_parse(s, addr, sizeof(addr), &port),
                     LISTEN_ADDRESS);
    assert_int_equal(port, want);
}

static void expect_bad_port(const char *s)
{
    char addr[64];
    int port = -1;

    if (listen_parse(s, addr, sizeof(addr), &port) != LISTEN_BAD_PORT)
        fail_msg("'%s' not refused as a bad port", s);
    assert_int_equal(port, -1);
}

static void test_listen_ports(void **state)
{
    (void)state;
    expect_port("127.0.0.1:0", 0);
    expect_port("127.0.0.1:1", 1);
    expect_port("127.0.0.1:9900", 9900);
    expect_port("[::1]:65535", 65535);
    expect_bad_port("127.0.0.1:+5");
    expect_bad_port("127.0.0.1:-0");
    expect_bad_port("127.0.0.1: 5");
    expect_bad_port("127.0.0.1:5 ");
    expect_bad_port("127.0.0.1:05");
    expect_bad_port("127.0.0.1:00");
    expect_bad_port("127.0.0.1:0x10");
    expect_bad_port("127.0.0.1:65536");
    expect_bad_port("127.0.0.1:99999999999999999999");
    expect_bad_port("127.0.0.1:");
}

/* A wait of 2^64 / 10^6 ms or more used to wrap to a few ns: fire at once. */
static void test_wait_lengths_clamped(void **state)
{
    struct steady_cond c;

    (void)state;
    c = steady_periodic(NULL, 1000);
    assert_int_equal(c.ns, UINT64_C(1000000000));
    c = steady_periodic(NULL, 0);
    assert_int_equal(c.ns, UINT64_C(1000000));
    c = steady_periodic(NULL, UINT64_C(18446744073710));
    assert_int_equal(c.ns, STEADY_WAIT_MAX_MS * 1000000u);
    c = steady_timeout(NULL, UINT64_MAX);
    assert_int_equal(c.ns, STEADY_WAIT_MAX_MS * 1000000u);
    c = steady_timeout(NULL, STEADY_WAIT_MAX_MS);
    assert_int_equal(c.ns, STEADY_WAIT_MAX_MS * 1000000u);
    /* and what the clamp gives still leaves centuries before a wrap */
    assert_true(STEADY_WAIT_MAX_MS * 1000000u < UINT64_MAX / 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_int_decimal_and_hex),
        cmocka_unit_test(test_int_refusals),
        cmocka_unit_test(test_listen_ports),
        cmocka_unit_test(test_wait_lengths_clamped),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

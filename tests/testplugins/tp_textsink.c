/* tp_textsink.c - takes the text messages of tp_textsrc from a
 * variable-size port, checks each one (content, length, order), and logs
 * a summary when its input ends: how many, how many bytes, the first and
 * last message numbers, and how many were wrong. Peek before commit: it
 * can fail once at a message it has peeked (`fail_at`), which is still
 * there after the restart. `wait_closed` waits until its input is closed
 * and `delay_ms` some more before taking anything (to let a dropping
 * channel drop, and a test read the drop counter); `log_each` logs every
 * message. */
#include "tp_text.h"

#include <steady/steady.h>

enum { IN };

struct textsink_state {
    uint64_t taken, bytes, bad;
    uint64_t first, last; /* message numbers */
    bool delayed;
    bool failed; /* the fail_at failure happened */
};

static int run(struct steady_actor *a)
{
    struct textsink_state *s = steady_state(a);
    size_t max_body = (size_t)steady_param_int(a, "max_len");
    int64_t delay_ms = steady_param_int(a, "delay_ms");
    bool wait_closed = steady_param_bool(a, "wait_closed");
    int64_t fail_at = steady_param_int(a, "fail_at");
    bool log_each = steady_param_bool(a, "log_each");

    if (!s->delayed) {
        s->delayed = true;
        /* a test plugin may poll: 10 ms steps, ended by shutdown too */
        while (wait_closed && !steady_channel_is_closed(steady_port(a, IN)) &&
               steady_await_all(a, steady_timeout(a, 10)))
            ;
        if (delay_ms > 0)
            steady_await_all(a, steady_timeout(a, (uint64_t)delay_ms));
    }
    while (steady_running(a)) {
        const char *msg;
        size_t len;
        uint64_t i;

        if (!steady_await_all(a, steady_avail(a, IN, 1)))
            continue; /* cut short: steady_running decides */
        msg = steady_peek_msg(a, IN, &len);
        if (!msg)
            continue;
        if (tp_text_check(msg, len, max_body, &i) < 0 ||
            (s->taken && i <= s->last)) {
            if (s->bad++ == 0)
                steady_error(a,
                             "message after %llu is wrong (%zu bytes: "
                             "'%.*s')",
                             (unsigned long long)s->last, len,
                             (int)(len < 40 ? len : 40), msg);
            steady_take_msg(a, IN);
            continue;
        }
        if (fail_at >= 0 && i == (uint64_t)fail_at && !s->failed) {
            s->failed = true;
            steady_panic(a, "failing at message %llu as asked",
                         (unsigned long long)i);
        }
        if (log_each)
            steady_info(a, "got %llu (%zu bytes)", (unsigned long long)i, len);
        if (s->taken++ == 0)
            s->first = i;
        s->last = i;
        s->bytes += len;
        steady_take_msg(a, IN);
    }
    steady_info(a,
                "took %llu messages, %llu bytes, first %llu, last %llu, %llu "
                "bad",
                (unsigned long long)s->taken, (unsigned long long)s->bytes,
                (unsigned long long)s->first, (unsigned long long)s->last,
                (unsigned long long)s->bad);
    return 0;
}

static const struct steady_port_desc ports[] = {
    [IN] = { .name = "in",
             .dir = STEADY_IN,
             .type_name = "text",
             .elem_size = STEADY_VARSIZE,
             .required = true },
};

static const struct steady_param_desc params[] = {
    { .name = "max_len",
      .type = STEADY_PARAM_INT,
      .default_value = "300",
      .doc = "longest body the source sends (to check lengths)" },
    { .name = "delay_ms",
      .type = STEADY_PARAM_INT,
      .default_value = "0",
      .doc = "wait this long before taking anything" },
    { .name = "wait_closed",
      .type = STEADY_PARAM_BOOL,
      .default_value = "false",
      .doc = "take nothing until the input is closed" },
    { .name = "fail_at",
      .type = STEADY_PARAM_INT,
      .default_value = "-1",
      .doc = "fail once after peeking this message (-1: never)" },
    { .name = "log_each",
      .type = STEADY_PARAM_BOOL,
      .default_value = "false",
      .doc = "log every message taken" },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "tp_textsink",
    .version = "1.0",
    .summary = "takes and checks numbered text messages; logs a summary",
    .ports = STEADY_PORTS(ports),
    .params = STEADY_PARAMS(params),
    .state_size = sizeof(struct textsink_state),
    .run = run,
};

STEADY_PLUGIN_DEFINE(desc)

/* print.c - logs each item at info, for any type: u64, i64 and f64 as
 * numbers, text as text (non-printable bytes escaped), anything else as
 * hex. Long items are cut at `max_bytes`, saying how long they were. Meant
 * for looking at a stream while building a graph, so it takes one item at
 * a time and logs it before taking the next. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <steady/steady.h>
#include <string.h>

enum { IN };

struct print_state {
    uint64_t printed;
};

enum shape { SHAPE_U64, SHAPE_I64, SHAPE_F64, SHAPE_TEXT, SHAPE_HEX };

static enum shape shape_of(const char *type, size_t elem_size)
{
    if (elem_size == 8 && strcmp(type, STEADY_TYPE_U64) == 0)
        return SHAPE_U64;
    if (elem_size == 8 && strcmp(type, STEADY_TYPE_I64) == 0)
        return SHAPE_I64;
    if (elem_size == 8 && strcmp(type, STEADY_TYPE_F64) == 0)
        return SHAPE_F64;
    if (strcmp(type, STEADY_TYPE_TEXT) == 0)
        return SHAPE_TEXT;
    return SHAPE_HEX;
}

/* Writes m as text or hex into buf (at most max bytes of m shown). */
static void render(enum shape shape, const unsigned char *m, size_t len,
                   size_t max, char *buf, size_t cap)
{
    size_t shown = len < max ? len : max, at = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < shown && at + 8 < cap; i++) {
        int w;

        if (shape == SHAPE_TEXT && m[i] >= 0x20 && m[i] < 0x7f && m[i] != '\\')
            w = snprintf(buf + at, cap - at, "%c", m[i]);
        else if (shape == SHAPE_TEXT)
            w = snprintf(buf + at, cap - at, "\\x%02x", m[i]);
        else
            w = snprintf(buf + at, cap - at, "%s%02x", i ? " " : "", m[i]);
        at += (size_t)w;
    }
    if (shown < len)
        snprintf(buf + at, cap - at, "... (%zu bytes)", len);
}

static int run(struct steady_actor *a)
{
    struct print_state *s = steady_state(a);
    const char *type = steady_port_type(a, IN);
    enum shape shape = shape_of(type, steady_port_elem_size(a, IN));
    size_t max = (size_t)steady_param_int(a, "max_bytes");
    /* 4 bytes per shown byte at most ("\xff"), plus the tail note */
    size_t cap = max * 4 + 64;
    char *buf = malloc(cap);

    if (!buf)
        return steady_fail(a, "out of memory for a %zu-byte line", cap);
    while (steady_running(a)) {
        const unsigned char *m;
        size_t len;
        uint64_t u;
        double d;

        if (!steady_await_all(a, steady_avail(a, IN, 1)))
            continue; /* cut short: steady_running decides */
        m = steady_peek_msg(a, IN, &len);
        if (!m)
            continue;
        switch (shape) {
        case SHAPE_U64:
            memcpy(&u, m, 8);
            steady_info(a, "%" PRIu64, u);
            break;
        case SHAPE_I64:
            memcpy(&u, m, 8);
            steady_info(a, "%" PRId64, (int64_t)u);
            break;
        case SHAPE_F64:
            memcpy(&d, m, 8);
            steady_info(a, "%.17g", d);
            break;
        default:
            render(shape, m, len, max, buf, cap);
            steady_info(a, "%s", buf);
        }
        steady_take_msg(a, IN);
        s->printed++;
    }
    free(buf);
    steady_info(a, "printed %llu items of %s", (unsigned long long)s->printed,
                type);
    return 0;
}

static const struct steady_port_desc ports[] = {
    [IN] = { "in", STEADY_IN, STEADY_TYPE_ANY, 0, true },
};

static const struct steady_port_info port_info[] = {
    [IN] = { .doc = "items of any type, each logged at info" },
};

static const struct steady_param_desc params[] = {
    { "max_bytes", STEADY_PARAM_INT, "64",
      "bytes of a text or hex item shown; longer ones are cut" },
};

static const struct steady_param_limits limits[] = {
    { .min = "1", .max = "65536" },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "print",
    .version = "1.0",
    .summary = "logs each item: numbers as values, text as text, else hex",
    .ports = STEADY_PORTS(ports),
    .params = STEADY_PARAMS(params),
    .state_size = sizeof(struct print_state),
    .run = run,
    .port_info = port_info,
    .param_limits = limits,
};

STEADY_PLUGIN_DEFINE(desc)

/* fuzz_param.c - param text as each param type: any text is a value of
 * that type or refused, a string comes back unchanged, and an unknown type
 * is refused without touching the output. The same input, read as the
 * lines of a param's declared limits, a default and a value, must never
 * crash param_limits.c, and limits it accepts hold what they promise.
 */
#include "param.h"
#include "param_limits.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const enum steady_param_type types[] = {
    STEADY_PARAM_INT,
    STEADY_PARAM_DOUBLE,
    STEADY_PARAM_BOOL,
    STEADY_PARAM_STRING,
};

/* The input's lines: type digit, min, max, one_of, default, value; "~"
 * (or a missing line) for NULL. */
static void fuzz_limits(char *text)
{
    char *field[6] = { NULL };
    char *save = NULL, *line = strtok_r(text, "\n", &save);
    struct steady_param_desc desc = { "p", STEADY_PARAM_INT, NULL, NULL };
    struct steady_param_limits lim = { NULL, NULL, NULL };
    struct param_limit parsed;
    union param_value v;
    char why[256], shown[64];

    for (int i = 0; i < 6 && line; i++, line = strtok_r(NULL, "\n", &save))
        field[i] = strcmp(line, "~") == 0 ? NULL : line;
    if (!field[0])
        return;
    desc.type = types[(unsigned char)field[0][0] % 4];
    lim.min = field[1];
    lim.max = field[2];
    lim.one_of = field[3];
    desc.default_value = field[4];
    if (param_limit_parse(&desc, &lim, &parsed, why, sizeof(why)) < 0) {
        if (param_limited(&parsed) || !memchr(why, '\0', sizeof(why)))
            abort(); /* refused: nothing kept, a message */
        return;
    }
    param_limit_text(&parsed, shown, sizeof(shown));
    /* a default the limits accepted passes their check */
    if (desc.default_value &&
        param_parse(desc.type, desc.default_value, &v) == 0) {
        if (param_limit_check(&desc, &parsed, &v, desc.default_value, why,
                              sizeof(why)) != 0)
            abort();
        param_value_free(desc.type, &v);
    }
    if (field[5] && param_parse(desc.type, field[5], &v) == 0) {
        int rc =
            param_limit_check(&desc, &parsed, &v, field[5], why, sizeof(why));
        bool low = false, high = false;

        if (desc.type == STEADY_PARAM_INT) {
            low = parsed.has_min && v.i < parsed.min.i;
            high = parsed.has_max && v.i > parsed.max.i;
        } else if (desc.type == STEADY_PARAM_DOUBLE) {
            low = parsed.has_min && v.d < parsed.min.d;
            high = parsed.has_max && v.d > parsed.max.d;
        } else if (desc.type == STEADY_PARAM_STRING && parsed.one_of) {
            low = true; /* "not among them", unless found */
            for (size_t i = 0; i < parsed.n_one_of; i++)
                low = low && strcmp(v.s, parsed.one_of[i]) != 0;
        }
        if ((rc == 0) == (low || high))
            abort();
        param_value_free(desc.type, &v);
    }
    param_limit_free(&parsed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    union param_value v;

    if (!text)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        memset(&v, 0, sizeof(v));
        if (param_parse(types[i], text, &v) < 0)
            continue;
        if (types[i] == STEADY_PARAM_STRING && strcmp(v.s, text) != 0)
            abort();
        if (types[i] == STEADY_PARAM_DOUBLE && !isfinite(v.d))
            abort();
        /* the hint and the name exist for every type */
        if (!param_type_name(types[i]) || !param_type_hint(types[i]))
            abort();
        param_value_free(types[i], &v);
    }
    memset(&v, 0x5a, sizeof(v));
    if (param_parse((enum steady_param_type)99, text, &v) == 0)
        abort();
    fuzz_limits(text);
    free(text);
    return 0;
}

/* fuzz_param.c - param text as each param type: any text is a value of
 * that type or refused, a string comes back unchanged, and an unknown type
 * is refused without touching the output.
 */
#include "param.h"

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
    free(text);
    return 0;
}

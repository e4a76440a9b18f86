/* param.h - typed plugin params: parsing YAML scalar text into a value of a
 * declared type. Shared by the plugin loader (defaults), the graph loader
 * (values and $args) and the test harness (steady_test_set_param).
 */
#ifndef STEADY_PARAM_H
#define STEADY_PARAM_H

#include <stdbool.h>
#include <stdint.h>
#include <steady/plugin.h>

/* One param's value, typed by its steady_param_desc. */
union param_value {
    int64_t i;
    double d;
    bool b;
    char *s; /* owned by whoever parsed it */
};

/* Parses `text` as `type` into *out (a string is strdup'd). Returns 0, or
 * -1 when the text is not a valid value of that type (out untouched). */
int param_parse(enum steady_param_type type, const char *text,
                union param_value *out);
/* An int param: decimal ("42", "-7", "+3") or hex with an explicit 0x
 * ("0x2a"), nothing around it; a leading 0 ("010") is refused rather than
 * read as octal. 0, or -1 when not such a number or out of int64 range. */
int param_parse_int(const char *text, int64_t *out);
/* Frees what param_parse allocated. */
void param_value_free(enum steady_param_type type, union param_value *v);
/* "int", "double", "bool", "string". */
const char *param_type_name(enum steady_param_type type);
/* What a valid value looks like, for messages: "an integer such as 42". */
const char *param_type_hint(enum steady_param_type type);

#endif

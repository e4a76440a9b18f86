/* param.c - parsing param text into typed values (see param.h). */
#include "param.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const bool_true[] = { "true", "True", "TRUE", "yes", "Yes",
                                         "YES",  "on",   "On",   "ON" };
static const char *const bool_false[] = { "false", "False", "FALSE", "no", "No",
                                          "NO",    "off",   "Off",   "OFF" };

static int parse_bool(const char *text, bool *out)
{
    for (size_t i = 0; i < sizeof(bool_true) / sizeof(bool_true[0]); i++) {
        if (strcmp(text, bool_true[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcmp(text, bool_false[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

static int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return 99;
}

int param_parse_int(const char *text, int64_t *out)
{
    const char *p = text;
    bool negative = false;
    uint64_t limit, v = 0;
    unsigned base = 10;

    if (*p == '+' || *p == '-')
        negative = *p++ == '-';
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    } else if (p[0] == '0' && p[1] != '\0') {
        return -1; /* 010: octal to C, 10 to YAML 1.2; refused, not guessed */
    }
    if (!*p)
        return -1;
    /* the magnitude of INT64_MIN is one more than INT64_MAX's */
    limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; *p; p++) {
        unsigned d = (unsigned)digit_value(*p);

        if (d >= base || v > (limit - d) / base)
            return -1;
        v = v * base + d;
    }
    if (negative)
        *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    else
        *out = (int64_t)v;
    return 0;
}

int param_parse(enum steady_param_type type, const char *text,
                union param_value *out)
{
    char *end;
    union param_value v;

    if (!text)
        return -1;
    errno = 0;
    switch (type) {
    case STEADY_PARAM_INT:
        if (param_parse_int(text, &v.i) < 0)
            return -1;
        break;
    case STEADY_PARAM_DOUBLE:
        v.d = strtod(text, &end);
        if (end == text || *end || errno || !isfinite(v.d))
            return -1;
        break;
    case STEADY_PARAM_BOOL:
        if (parse_bool(text, &v.b) < 0)
            return -1;
        break;
    case STEADY_PARAM_STRING:
        v.s = strdup(text);
        if (!v.s)
            return -1;
        break;
    default:
        return -1;
    }
    *out = v;
    return 0;
}

void param_value_free(enum steady_param_type type, union param_value *v)
{
    if (type == STEADY_PARAM_STRING) {
        free(v->s);
        v->s = NULL;
    }
}

const char *param_type_name(enum steady_param_type type)
{
    switch (type) {
    case STEADY_PARAM_INT:
        return "int";
    case STEADY_PARAM_DOUBLE:
        return "double";
    case STEADY_PARAM_BOOL:
        return "bool";
    case STEADY_PARAM_STRING:
        return "string";
    }
    return "?";
}

const char *param_type_hint(enum steady_param_type type)
{
    switch (type) {
    case STEADY_PARAM_INT:
        return "an integer such as 42 (decimal, or hex with 0x such as "
               "0x2a; no leading 0)";
    case STEADY_PARAM_DOUBLE:
        return "a number such as 0.5";
    case STEADY_PARAM_BOOL:
        return "true or false";
    case STEADY_PARAM_STRING:
        return "text";
    }
    return "?";
}

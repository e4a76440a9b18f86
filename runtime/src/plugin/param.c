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
        v.i = strtoll(text, &end, 0);
        if (end == text || *end || errno)
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
        return "an integer such as 42";
    case STEADY_PARAM_DOUBLE:
        return "a number such as 0.5";
    case STEADY_PARAM_BOOL:
        return "true or false";
    case STEADY_PARAM_STRING:
        return "text";
    }
    return "?";
}

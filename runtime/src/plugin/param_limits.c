/* param_limits.c - parsing, checking and describing the values a param
 * accepts (see param_limits.h).
 */
#include "param_limits.h"

#include "err.h"
#include "suggest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "an int", "a double", "a bool", "a string" */
static const char *a_type(enum steady_param_type type)
{
    return type == STEADY_PARAM_INT      ? "an int"
           : type == STEADY_PARAM_DOUBLE ? "a double"
           : type == STEADY_PARAM_BOOL   ? "a bool"
                                         : "a string";
}

static bool is_number(enum steady_param_type type)
{
    return type == STEADY_PARAM_INT || type == STEADY_PARAM_DOUBLE;
}

/* a < b for a number param's values. */
static bool below(enum steady_param_type type, const union param_value *a,
                  const union param_value *b)
{
    return type == STEADY_PARAM_INT ? a->i < b->i : a->d < b->d;
}

static int parse_bound(const struct steady_param_desc *p, const char *what,
                       const char *text, union param_value *out, char *why,
                       size_t whylen)
{
    if (param_parse(p->type, text, out) == 0)
        return 0;
    err_set(why, whylen,
            "param '%s' has %s '%s', which is not a valid %s (expected %s)",
            p->name, what, text, param_type_name(p->type),
            param_type_hint(p->type));
    return -1;
}

/* Splits "a|b|c" into l->one_of, refusing an empty or repeated value. */
static int split_one_of(const struct steady_param_desc *p, const char *list,
                        struct param_limit *l, char *why, size_t whylen)
{
    size_t n = 1;
    const char *s = list;

    for (const char *c = list; *c; c++)
        n += *c == '|';
    l->one_of = calloc(n, sizeof(*l->one_of));
    if (!l->one_of) {
        err_set(why, whylen, "param '%s': out of memory", p->name);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const char *end = strchr(s, '|');
        size_t len = end ? (size_t)(end - s) : strlen(s);

        if (len == 0) {
            err_set(why, whylen,
                    "param '%s' has an empty value in one_of \"%s\"; "
                    "separate non-empty values with '|'",
                    p->name, list);
            return -1;
        }
        l->one_of[i] = strndup(s, len);
        if (!l->one_of[i]) {
            err_set(why, whylen, "param '%s': out of memory", p->name);
            return -1;
        }
        l->n_one_of = i + 1;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(l->one_of[j], l->one_of[i]) == 0) {
                err_set(why, whylen,
                        "param '%s' lists '%s' twice in one_of \"%s\"", p->name,
                        l->one_of[i], list);
                return -1;
            }
        }
        s = end ? end + 1 : s + len;
    }
    return 0;
}

static int read_limits(const struct steady_param_desc *p,
                       const struct steady_param_limits *l,
                       struct param_limit *out, char *why, size_t whylen)
{
    if ((l->min || l->max) && !is_number(p->type)) {
        err_set(why, whylen,
                "param '%s' is %s but has a %s; min and max apply to int "
                "and double params only",
                p->name, a_type(p->type), l->min ? "min" : "max");
        return -1;
    }
    if (l->one_of && p->type != STEADY_PARAM_STRING) {
        err_set(why, whylen,
                "param '%s' is %s but has one_of; one_of applies to string "
                "params only",
                p->name, a_type(p->type));
        return -1;
    }
    if (l->min) {
        if (parse_bound(p, "min", l->min, &out->min, why, whylen) < 0)
            return -1;
        out->has_min = true;
        out->min_text = l->min;
    }
    if (l->max) {
        if (parse_bound(p, "max", l->max, &out->max, why, whylen) < 0)
            return -1;
        out->has_max = true;
        out->max_text = l->max;
    }
    if (out->has_min && out->has_max && below(p->type, &out->max, &out->min)) {
        err_set(why, whylen, "param '%s' has min %s above its max %s", p->name,
                l->min, l->max);
        return -1;
    }
    if (l->one_of && split_one_of(p, l->one_of, out, why, whylen) < 0)
        return -1;
    return 0;
}

/* A default outside the limits would make every actor that leaves the
 * param out fail its check. */
static int check_default(const struct steady_param_desc *p,
                         const struct param_limit *l, char *why, size_t whylen)
{
    union param_value v;
    char reason[512];
    int rc;

    if (!p->default_value || param_parse(p->type, p->default_value, &v) < 0)
        return 0; /* required, or refused as a bad default by the loader */
    rc = param_limit_check(p, l, &v, p->default_value, reason, sizeof(reason));
    param_value_free(p->type, &v);
    if (rc < 0)
        err_set(why, whylen, "param '%s' has a default outside its limits: %s",
                p->name, reason);
    return rc;
}

int param_limit_parse(const struct steady_param_desc *p,
                      const struct steady_param_limits *l,
                      struct param_limit *out, char *why, size_t whylen)
{
    struct param_limit parsed = { 0 };

    if (l && (read_limits(p, l, &parsed, why, whylen) < 0 ||
              check_default(p, &parsed, why, whylen) < 0)) {
        param_limit_free(&parsed);
        *out = (struct param_limit){ 0 };
        return -1;
    }
    *out = parsed;
    return 0;
}

void param_limit_free(struct param_limit *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n_one_of; i++)
        free(l->one_of[i]);
    free(l->one_of);
    *l = (struct param_limit){ 0 };
}

bool param_limited(const struct param_limit *l)
{
    return l->has_min || l->has_max || l->one_of;
}

/* "'a', 'b', 'c'" into buf. */
static const char *quoted_list(const struct param_limit *l, char *buf,
                               size_t len)
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < l->n_one_of && used < len; i++) {
        int w = snprintf(buf + used, len - used, "%s'%s'", i ? ", " : "",
                         l->one_of[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    return buf;
}

int param_limit_check(const struct steady_param_desc *p,
                      const struct param_limit *l, const union param_value *v,
                      const char *text, char *why, size_t whylen)
{
    char list[512];
    const char *near;

    if (p->type == STEADY_PARAM_STRING && l->one_of) {
        for (size_t i = 0; i < l->n_one_of; i++)
            if (strcmp(v->s, l->one_of[i]) == 0)
                return 0;
        near =
            suggest_closest(v->s, (const char *const *)l->one_of, l->n_one_of);
        err_set(why, whylen, "%s must be one of %s, got '%s'%s%s%s", p->name,
                quoted_list(l, list, sizeof(list)), text,
                near ? "; did you mean '" : "", near ? near : "",
                near ? "'?" : "");
        return -1;
    }
    if (!is_number(p->type) || !((l->has_min && below(p->type, v, &l->min)) ||
                                 (l->has_max && below(p->type, &l->max, v))))
        return 0;
    if (l->has_min && l->has_max)
        err_set(why, whylen, "%s must be in %s..%s, got %s", p->name,
                l->min_text, l->max_text, text);
    else if (l->has_min)
        err_set(why, whylen, "%s must be at least %s, got %s", p->name,
                l->min_text, text);
    else
        err_set(why, whylen, "%s must be at most %s, got %s", p->name,
                l->max_text, text);
    return -1;
}

const char *param_limit_text(const struct param_limit *l, char *buf, size_t len)
{
    size_t used = 0;

    if (len == 0)
        return buf;
    buf[0] = '\0';
    if (l->has_min && l->has_max)
        snprintf(buf, len, "%s..%s", l->min_text, l->max_text);
    else if (l->has_min)
        snprintf(buf, len, ">= %s", l->min_text);
    else if (l->has_max)
        snprintf(buf, len, "<= %s", l->max_text);
    for (size_t i = 0; i < l->n_one_of && used < len; i++) {
        int w = snprintf(buf + used, len - used, "%s%s", i ? "|" : "",
                         l->one_of[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    return buf;
}

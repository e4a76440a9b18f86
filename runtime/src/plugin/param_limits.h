/* param_limits.h - the values a param accepts (the ABI 1.1 param_limits of
 * <steady/plugin.h>): parsed and checked once when a plugin is loaded, then
 * used by the graph loader and the test harness to refuse a value, and by
 * `steady inspect` to show them.
 */
#ifndef STEADY_PARAM_LIMITS_H
#define STEADY_PARAM_LIMITS_H

#include "param.h"

#include <stdbool.h>
#include <stddef.h>
#include <steady/plugin.h>

/* One param's limits, parsed. All zero: it accepts any value of its type. */
struct param_limit {
    bool has_min, has_max;
    union param_value min, max;      /* .i for an int param, .d for a double */
    const char *min_text, *max_text; /* as declared; owned by the plugin */
    char **one_of;   /* string params: the allowed values (owned); NULL: any */
    size_t n_one_of; /* entries of one_of */
};

/* Parses the limits `l` (NULL: none) of param p and checks them against
 * it: bounds that parse as p's type, min <= max, min/max on int and double
 * params only, one_of on string params only with no empty or repeated
 * value, and p's default inside them. Returns 0 with *out filled (free it
 * with param_limit_free), or -1 with a one-line reason naming the param in
 * why (out zeroed, nothing to free). */
int param_limit_parse(const struct steady_param_desc *p,
                      const struct steady_param_limits *l,
                      struct param_limit *out, char *why, size_t whylen);
/* Frees what param_limit_parse allocated; NULL is fine. */
void param_limit_free(struct param_limit *l);

/* Whether l limits anything. */
bool param_limited(const struct param_limit *l);

/* Checks value v of param p (parsed from `text`, as written, for the
 * message) against l. Returns 0, or -1 with a one-line reason in why:
 * "rate_ms must be in 1..3600000, got 0", "beats must be at least 1, got
 * 0", "mode must be one of 'fast', 'safe', got 'fsat'; did you mean
 * 'fast'?". */
int param_limit_check(const struct steady_param_desc *p,
                      const struct param_limit *l, const union param_value *v,
                      const char *text, char *why, size_t whylen);

/* The limits as shown by `steady inspect`: "1..3600000", ">= 1", "<= 10",
 * "fast|safe", or "" when l limits nothing. Returns buf. */
const char *param_limit_text(const struct param_limit *l, char *buf,
                             size_t len);

#endif

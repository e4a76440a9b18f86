/* graph_stats.c - what telemetry shows and watches, as the graph file says:
 * `stats:` lists (which statistics of fill, rate, latency, CPU and load are
 * shown besides the average) and `alerts:` lists, whose triggers are named
 * STAT_MEASURE_above or _below, as in `avg_filled_above`.
 */
#include "graph_impl.h"
#include "suggest.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* In enum graph_measure and enum graph_stat order. */
static const char *const measure_names[GRAPH_N_MEASURES] = { "filled", "rate",
                                                             "latency", "mcpu",
                                                             "load" };
static const char *const stat_names[GRAPH_N_STATS] = {
    "avg", "min", "max", "stddev", "percentile", "stddevs"
};
/* In enum alert_color order, from ALERT_YELLOW. */
static const char *const alert_colors[] = { "yellow", "orange", "red" };

static const char *const alert_keys[] = { "when", "value", "color",
                                          "percentile", "devs" };
static const char *const channel_stat_keys[] = { "filled", "rate", "latency" };
static const char *const actor_stat_keys[] = { "mcpu", "load" };
/* What a `stats:` list may name besides percentiles (pNN). */
static const char *const stat_words[] = { "avg", "min", "max", "stddev" };

/* Every trigger name, STAT_MEASURE_DIR, at index
 * (stat * GRAPH_N_MEASURES + measure) * 2 + below. */
#define N_TRIGGERS      (GRAPH_N_STATS * GRAPH_N_MEASURES * 2)
#define TRIGGER_NAME_SZ 32

struct trigger_names {
    char text[N_TRIGGERS][TRIGGER_NAME_SZ];
    const char *list[N_TRIGGERS];
};

static void trigger_names_init(struct trigger_names *t)
{
    for (size_t s = 0; s < GRAPH_N_STATS; s++) {
        for (size_t m = 0; m < GRAPH_N_MEASURES; m++) {
            for (size_t below = 0; below < 2; below++) {
                size_t i = (s * GRAPH_N_MEASURES + m) * 2 + below;

                snprintf(t->text[i], TRIGGER_NAME_SZ, "%s_%s_%s", stat_names[s],
                         measure_names[m], below ? "below" : "above");
                t->list[i] = t->text[i];
            }
        }
    }
}

static bool is_channel_measure(size_t m)
{
    return m < GRAPH_N_CHANNEL_MEASURES;
}

/* ---- percentiles ------------------------------------------------------ */

/* "95", "99.9", "99.99": above 0 and below 100, at most two decimals, in
 * hundredths of a percent. 0 or -1. */
static int parse_percentile(const char *s, uint16_t *out)
{
    unsigned whole = 0, frac = 0, digits = 0, decimals = 0;

    for (; isdigit((unsigned char)*s) && digits < 3; s++, digits++)
        whole = whole * 10 + (unsigned)(*s - '0');
    if (digits == 0)
        return -1;
    if (*s == '.') {
        for (s++; isdigit((unsigned char)*s) && decimals < 2; s++, decimals++)
            frac = frac * 10 + (unsigned)(*s - '0');
        if (decimals == 0)
            return -1;
        if (decimals == 1)
            frac *= 10;
    }
    if (*s || whole * 100 + frac == 0 || whole * 100 + frac >= 10000)
        return -1;
    *out = (uint16_t)(whole * 100 + frac);
    return 0;
}

#define PERCENTILE_RULE "above 0 and below 100 with at most two decimals"

/* ---- stats: lists ------------------------------------------------------ */

static int read_stat_word(struct graph_ctx *c, const yaml_node_t *n,
                          const char *measure, struct graph_stats *st)
{
    const char *w = graph_expect_text(c, n, "a statistic");
    const char *near;
    uint16_t p;

    if (!w)
        return -1;
    for (size_t i = 0; i < COUNT(stat_words); i++) {
        unsigned bit = 1u << i;

        if (strcmp(w, stat_words[i]) != 0)
            continue;
        /* the average is always shown; naming it is harmless */
        if (i != STAT_AVG && (st->shown & bit))
            return graph_fail(c, n, "'%s' is listed twice for %s", w, measure);
        if (i != STAT_AVG)
            st->shown |= bit;
        return 0;
    }
    if (w[0] == 'p' && isdigit((unsigned char)w[1])) {
        if (parse_percentile(w + 1, &p) < 0)
            return graph_fail(
                c, n,
                "bad percentile '%s': write p and a number " PERCENTILE_RULE
                ", such as p95 or p99.9",
                w);
        for (unsigned i = 0; i < st->n_percentiles; i++)
            if (st->percentiles[i] == p)
                return graph_fail(c, n, "'%s' is listed twice for %s", w,
                                  measure);
        if (st->n_percentiles == GRAPH_MAX_PERCENTILES)
            return graph_fail(c, n, "more than %d percentiles for %s",
                              GRAPH_MAX_PERCENTILES, measure);
        st->percentiles[st->n_percentiles++] = p;
        return 0;
    }
    near = suggest_closest(w, stat_words, COUNT(stat_words));
    if (near)
        return graph_fail(c, n, "unknown statistic '%s'; did you mean '%s'?", w,
                          near);
    return graph_fail(c, n,
                      "unknown statistic '%s'; expected avg, min, max, "
                      "stddev or a percentile such as p95",
                      w);
}

int graph_read_stats(struct graph_ctx *c, yaml_node_t *n, bool for_channel,
                     struct graph_stats *out)
{
    const char *const *keys = for_channel ? channel_stat_keys : actor_stat_keys;
    size_t n_keys =
        for_channel ? COUNT(channel_stat_keys) : COUNT(actor_stat_keys);

    if (yaml_doc_is_null(n))
        return 0;
    if (n->type != YAML_MAPPING_NODE)
        return graph_fail(c, n,
                          "stats must be a map such as { %s: [max, stddev, "
                          "p95] }, got a %s",
                          keys[0], yaml_doc_kind(n));
    if (graph_check_keys(c, n, "key", keys, n_keys) < 0)
        return -1;
    for (size_t i = 0; i < yaml_doc_len(n); i++) {
        const char *name = yaml_doc_text(yaml_doc_pair_key(&c->doc, n, i));
        yaml_node_t *list = yaml_doc_pair_value(&c->doc, n, i);
        struct graph_stats st = { 0 };
        size_t m = 0;

        while (strcmp(measure_names[m], name) != 0)
            m++; /* graph_check_keys let only known names through */
        if (!yaml_doc_is_null(list)) {
            if (list->type != YAML_SEQUENCE_NODE)
                return graph_fail(c, list,
                                  "stats of %s must be a list such as [max, "
                                  "stddev, p95], got a %s",
                                  name, yaml_doc_kind(list));
            for (size_t j = 0; j < yaml_doc_len(list); j++)
                if (read_stat_word(c, yaml_doc_item(&c->doc, list, j), name,
                                   &st) < 0)
                    return -1;
        }
        out[m] = st;
    }
    return 0;
}

/* ---- alerts ------------------------------------------------------------ */

/* A trigger name that is not one: suggest the closest, or explain the
 * grammar (the full list of 60 would not help). */
static int unknown_trigger(struct graph_ctx *c, const yaml_node_t *n,
                           const struct trigger_names *t)
{
    const char *s = yaml_doc_text(n);
    const char *near = suggest_closest(s, t->list, N_TRIGGERS);

    if (near)
        return graph_fail(c, n, "unknown alert '%s'; did you mean '%s'?", s,
                          near);
    return graph_fail(
        c, n,
        "unknown alert '%s'; an alert is STAT_MEASURE_above or "
        "_below, STAT one of avg, min, max, stddev, percentile, "
        "stddevs, MEASURE one of filled, rate, latency (channels), "
        "mcpu, load (actors), as in avg_filled_above",
        s);
}

/* A number, nothing around it, finite, at least min (above it when
 * min_open) and at most max. */
static int read_number(struct graph_ctx *c, const yaml_node_t *n,
                       const char *what, double min, double max, bool min_open,
                       double *out)
{
    const char *s = graph_expect_text(c, n, what);
    char *end;
    double v;

    if (!s)
        return -1;
    errno = 0;
    v = strtod(s, &end);
    if (!*s || isspace((unsigned char)*s) || *end || errno || !isfinite(v) ||
        v < min || (min_open && v == min) || v > max) {
        if (isfinite(max))
            return graph_fail(c, n,
                              "%s must be a number %s %g and at most %g, got "
                              "'%s'",
                              what, min_open ? "above" : "of at least", min,
                              max, s);
        return graph_fail(c, n, "%s must be a number %s %g, got '%s'", what,
                          min_open ? "above" : "of at least", min, s);
    }
    *out = v;
    return 0;
}

static int read_alert(struct graph_ctx *c, yaml_node_t *n, bool for_channel,
                      const struct trigger_names *t, struct graph_alert *out)
{
    yaml_node_t *when, *value, *color, *pct, *devs;
    size_t idx, hue, stat, measure;
    const char *name;

    if (n->type != YAML_MAPPING_NODE)
        return graph_fail(c, n,
                          "an alert must be a map such as { when: "
                          "avg_filled_above, value: 90, color: red }, got a %s",
                          yaml_doc_kind(n));
    if (graph_check_keys(c, n, "key", alert_keys, COUNT(alert_keys)) < 0)
        return -1;
    when = yaml_doc_get(&c->doc, n, "when");
    value = yaml_doc_get(&c->doc, n, "value");
    color = yaml_doc_get(&c->doc, n, "color");
    pct = yaml_doc_get(&c->doc, n, "percentile");
    devs = yaml_doc_get(&c->doc, n, "devs");
    if (!when || !value || !color)
        return graph_fail(c, n, "an alert needs '%s'",
                          !when    ? "when"
                          : !value ? "value"
                                   : "color");
    name = graph_expect_text(c, when, "an alert's 'when'");
    if (!name)
        return -1;
    for (idx = 0; idx < N_TRIGGERS; idx++)
        if (strcmp(name, t->list[idx]) == 0)
            break;
    if (idx == N_TRIGGERS)
        return unknown_trigger(c, when, t);
    stat = idx / 2 / GRAPH_N_MEASURES;
    measure = idx / 2 % GRAPH_N_MEASURES;
    if (for_channel && !is_channel_measure(measure))
        return graph_fail(c, when, "alert '%s' watches actors, not channels",
                          name);
    if (!for_channel && is_channel_measure(measure))
        return graph_fail(c, when, "alert '%s' watches channels, not actors",
                          name);
    *out = (struct graph_alert){ .measure = (enum graph_measure)measure,
                                 .stat = (enum graph_stat)stat,
                                 .below = idx % 2 == 1 };
    if (read_number(c, value, "an alert's value", 0, HUGE_VAL, false,
                    &out->value) < 0)
        return -1;
    if (pct && stat != STAT_PERCENTILE)
        return graph_fail(c, yaml_doc_get_key(&c->doc, n, "percentile"),
                          "'percentile' applies to percentile_* alerts, not "
                          "'%s'",
                          name);
    if (pct) {
        const char *s = graph_expect_text(c, pct, "an alert's percentile");

        if (!s)
            return -1;
        if (parse_percentile(s, &out->percentile) < 0)
            return graph_fail(
                c, pct,
                "an alert's percentile must be a number " PERCENTILE_RULE
                ", such as 95 or 99.9, got "
                "'%s'",
                s);
    }
    if (devs && stat == STAT_STDDEV)
        return graph_fail(c, yaml_doc_get_key(&c->doc, n, "devs"),
                          "'devs' applies to stddevs_* alerts, not '%s'; did "
                          "you mean 'stddevs_%s'?",
                          name, name + strlen("stddev_"));
    if (devs && stat != STAT_STDDEVS)
        return graph_fail(c, yaml_doc_get_key(&c->doc, n, "devs"),
                          "'devs' applies to stddevs_* alerts, not '%s'", name);
    if (stat == STAT_STDDEVS && !devs)
        return graph_fail(c, n,
                          "alert '%s' needs 'devs': how many standard "
                          "deviations from the average, such as 2",
                          name);
    if (devs &&
        read_number(c, devs, "an alert's devs", 0, 100, true, &out->devs) < 0)
        return -1;
    if (graph_read_word(c, color, "color", alert_colors, COUNT(alert_colors),
                        &hue) < 0)
        return -1;
    out->color = (enum alert_color)(ALERT_YELLOW + hue);
    return 0;
}

int graph_read_alerts(struct graph_ctx *c, yaml_node_t *n, bool for_channel,
                      struct graph_alert **out, size_t *n_out)
{
    struct trigger_names *names;
    struct graph_alert *alerts;
    size_t len;

    *out = NULL;
    *n_out = 0;
    if (yaml_doc_is_null(n))
        return 0;
    if (n->type != YAML_SEQUENCE_NODE)
        return graph_fail(c, n, "alerts must be a list, got a %s",
                          yaml_doc_kind(n));
    len = yaml_doc_len(n);
    if (len == 0)
        return 0;
    if (len > GRAPH_MAX_ALERTS)
        return graph_fail(c, yaml_doc_item(&c->doc, n, GRAPH_MAX_ALERTS),
                          "more than %d alerts in one list", GRAPH_MAX_ALERTS);
    alerts = calloc(len, sizeof(*alerts));
    names = malloc(sizeof(*names));
    if (!alerts || !names) {
        free(alerts);
        free(names);
        return graph_fail(c, n, "out of memory");
    }
    trigger_names_init(names);
    for (size_t i = 0; i < len; i++) {
        if (read_alert(c, yaml_doc_item(&c->doc, n, i), for_channel, names,
                       &alerts[i]) < 0) {
            free(alerts);
            free(names);
            return -1;
        }
    }
    free(names);
    *out = alerts;
    *n_out = len;
    return 0;
}

int graph_copy_alerts(const struct graph_alert *src, size_t n,
                      struct graph_alert **out, size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    if (n == 0)
        return 0;
    *out = malloc(n * sizeof(*src));
    if (!*out)
        return -1;
    memcpy(*out, src, n * sizeof(*src));
    *n_out = n;
    return 0;
}

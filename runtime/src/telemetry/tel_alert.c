/* tel_alert.c - which of the graph file's alerts hold for each actor and
 * channel of a snapshot; the most severe wins. Pure: no threads, no clocks.
 */
#include "telemetry.h"

#include <math.h>

/* The percentile p of st, NaN when it was not computed. */
static double percentile_of(const struct tel_stats *st, uint16_t p)
{
    for (size_t i = 0; i < st->n_pct; i++)
        if (st->pct_at[i] == p)
            return st->pct[i];
    return NAN;
}

/* The statistic an alert watches, given the measure's average and
 * statistics; default_p is the percentile an alert naming none watches,
 * and at_default its value when known without the list. */
static double watched(const struct graph_alert *al, double avg,
                      const struct tel_stats *st, uint16_t default_p,
                      double at_default)
{
    uint16_t p;

    switch (al->stat) {
    case STAT_AVG:
        return avg;
    case STAT_MIN:
        return st->min;
    case STAT_MAX:
        return st->max;
    case STAT_STDDEV:
        return st->stddev;
    case STAT_PERCENTILE:
        p = al->percentile ? al->percentile : default_p;
        return p == default_p && !isnan(at_default) ? at_default
                                                    : percentile_of(st, p);
    case STAT_STDDEVS:
        /* the band avg +- devs * stddev reaching past the value */
        return al->below ? avg - al->devs * st->stddev
                         : avg + al->devs * st->stddev;
    }
    return NAN;
}

static bool holds(const struct graph_alert *al, double v)
{
    /* NaN compares false both ways: a statistic not computed never holds */
    return al->below ? v < al->value : v > al->value;
}

static enum alert_color raise_to(enum alert_color c,
                                 const struct graph_alert *al, double v)
{
    return holds(al, v) && al->color > c ? al->color : c;
}

enum alert_color tel_alert_actor(const struct tel_actor *a)
{
    enum alert_color c = ALERT_NONE;

    for (size_t i = 0; i < a->n_alerts; i++) {
        const struct graph_alert *al = &a->alerts[i];
        double avg;

        if (al->measure == MEASURE_MCPU)
            avg = a->mcpu;
        else if (al->measure == MEASURE_LOAD)
            avg = a->load;
        else
            continue; /* channel measures: the loader refuses them here */
        c = raise_to(
            c, al,
            watched(al, avg, &a->stat[al->measure], TEL_ACTOR_PERCENTILE, NAN));
    }
    return c;
}

enum alert_color tel_alert_channel(const struct tel_channel *c)
{
    enum alert_color color = ALERT_NONE;
    uint16_t default_p = (uint16_t)(c->percentile * 100);

    for (size_t i = 0; i < c->n_alerts; i++) {
        const struct graph_alert *al = &c->alerts[i];
        double avg, at_default = NAN;

        switch (al->measure) {
        case MEASURE_FILLED:
            avg = c->avg_filled;
            at_default = c->pct_filled;
            break;
        case MEASURE_RATE:
            avg = c->avg_rate;
            break;
        case MEASURE_LATENCY:
            avg = c->latency_ms;
            break;
        default:
            continue; /* actor measures: the loader refuses them here */
        }
        color = raise_to(
            color, al,
            watched(al, avg, &c->stat[al->measure], default_p, at_default));
    }
    return color;
}

void tel_alerts_apply(struct tel_snapshot *s)
{
    bool live = s->window_s > 0;

    for (size_t i = 0; i < s->n_actors; i++)
        s->actors[i].alert = live ? tel_alert_actor(&s->actors[i]) : ALERT_NONE;
    for (size_t i = 0; i < s->n_channels; i++)
        s->channels[i].alert =
            live ? tel_alert_channel(&s->channels[i]) : ALERT_NONE;
}

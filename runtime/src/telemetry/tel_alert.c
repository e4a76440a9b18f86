/* tel_alert.c - which of the graph file's alerts hold for each actor and
 * channel of a snapshot; the most severe wins. Pure: no threads, no clocks.
 */
#include "telemetry.h"

#include <math.h>

static bool holds(const struct graph_alert *al, double value)
{
    if (al->when == ALERT_AVG_RATE_BELOW)
        return value < al->value;
    return value > al->value;
}

static enum alert_color worst(const struct graph_alert *alerts, size_t n,
                              const double *values)
{
    enum alert_color c = ALERT_NONE;

    for (size_t i = 0; i < n; i++) {
        if (holds(&alerts[i], values[alerts[i].when]) && alerts[i].color > c)
            c = alerts[i].color;
    }
    return c;
}

enum alert_color tel_alert_actor(const struct tel_actor *a)
{
    double values[ALERT_AVG_LOAD_ABOVE + 1] = { 0 };

    values[ALERT_AVG_MCPU_ABOVE] = a->mcpu;
    values[ALERT_AVG_LOAD_ABOVE] = a->load;
    /* channel metrics on an actor never hold: the loader refuses them */
    values[ALERT_AVG_RATE_BELOW] = INFINITY;
    return worst(a->alerts, a->n_alerts, values);
}

enum alert_color tel_alert_channel(const struct tel_channel *c)
{
    double values[ALERT_AVG_LOAD_ABOVE + 1] = { 0 };

    values[ALERT_AVG_FILLED_ABOVE] = c->avg_filled;
    values[ALERT_PERCENTILE_FILLED_ABOVE] = c->pct_filled;
    values[ALERT_AVG_RATE_BELOW] = c->avg_rate;
    values[ALERT_AVG_LATENCY_ABOVE] = c->latency_ms;
    return worst(c->alerts, c->n_alerts, values);
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

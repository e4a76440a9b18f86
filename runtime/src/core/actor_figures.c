/* actor_figures.c - an actor's own figures for telemetry (a bridge's
 * redeliveries, a parser's rejected lines): named values and counts the
 * actor writes with one atomic store and the collector reads from its
 * thread. Only the actor declares a figure, so the names need no lock:
 * a name is written before n_figures is released over it.
 */
#include "actor_impl.h"

#include <stdio.h>
#include <steady/log.h>
#include <string.h>

static bool valid_name(const char *name)
{
    size_t n = 0;

    if (!name || !(*name >= 'a' && *name <= 'z'))
        return false;
    for (const char *p = name; *p; p++, n++) {
        bool ok =
            (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_';

        if (!ok || n == STEADY_FIGURE_NAME_MAX)
            return false;
    }
    return true;
}

/* The figure called name, declared now when it is new; NULL (warned once)
 * when it cannot be. */
static struct actor_figure *figure(struct steady_actor *a, const char *name,
                                   bool count)
{
    unsigned n = atomic_load_explicit(&a->n_figures, memory_order_relaxed);
    const char *why = NULL;
    struct actor_figure *f;

    for (unsigned i = 0; i < n; i++) {
        f = &a->figures[i];
        if (strcmp(f->name, name) != 0)
            continue;
        if (f->count == count)
            return f;
        why = count ? "is a value (steady_figure_set), not a count"
                    : "is a count (steady_count_add), not a value";
        goto refuse;
    }
    if (!valid_name(name)) {
        why = "is not a figure name: snake_case, [a-z][a-z0-9_]*, at most "
              "31 characters";
        goto refuse;
    }
    if (n == STEADY_MAX_FIGURES) {
        why = "would be one figure too many (at most 8 per actor)";
        goto refuse;
    }
    f = &a->figures[n];
    snprintf(f->name, sizeof(f->name), "%s", name);
    f->count = count;
    atomic_store_explicit(&f->bits, 0, memory_order_relaxed);
    /* release: the name and kind above are visible with the count */
    atomic_store_explicit(&a->n_figures, n + 1, memory_order_release);
    return f;
refuse:
    if (!a->figure_warned) {
        a->figure_warned = true;
        steady_warn(a, "figure '%.64s' %s; it is not shown",
                    name ? name : "(null)", why);
    }
    return NULL;
}

int steady_figure_set(struct steady_actor *a, const char *name, double value)
{
    struct actor_figure *f = figure(a, name, false);
    uint64_t bits;

    if (!f)
        return -1;
    memcpy(&bits, &value, sizeof(bits));
    atomic_store_explicit(&f->bits, bits, memory_order_relaxed);
    return 0;
}

int steady_count_add(struct steady_actor *a, const char *name, uint64_t n)
{
    struct actor_figure *f = figure(a, name, true);

    if (!f)
        return -1;
    /* only the actor writes: a load and a store, not a locked add */
    atomic_store_explicit(
        &f->bits, atomic_load_explicit(&f->bits, memory_order_relaxed) + n,
        memory_order_relaxed);
    return 0;
}

unsigned actor_figure_count(const struct steady_actor *a)
{
    return atomic_load_explicit(&a->n_figures, memory_order_acquire);
}

double actor_figure_value(const struct actor_figure *f)
{
    uint64_t bits = atomic_load_explicit(&f->bits, memory_order_relaxed);
    double v;

    if (f->count)
        return (double)bits;
    memcpy(&v, &bits, sizeof(v));
    return v;
}

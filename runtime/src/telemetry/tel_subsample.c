/* tel_subsample.c - when, within a frame, the collector reads how full the
 * channels are, and the frame's average of those readings. One reading at
 * a random instant in each of K equal parts of the frame (stratified,
 * jittered sampling): the average is an unbiased estimate of the frame's
 * time-averaged fill whatever the rhythm of the graph, where one reading
 * at the frame's edge sees the same phase of a periodic graph every time
 * (a burst every frame_ms read just after it arrives looks like a channel
 * always full). Pure: the caller passes the times and the readings.
 */
#include "telemetry.h"

#include <stdlib.h>

#define SUB_PERIOD_NS 12500000ull /* about one reading per 12.5 ms */

struct tel_subsamples {
    size_t n_channels;
    unsigned k;       /* readings per frame at most */
    unsigned planned; /* readings planned for this frame, 1..k */
    unsigned next;    /* the first planned reading not yet taken */
    unsigned taken;   /* readings added this frame */
    uint64_t rng;     /* xorshift64* state, never 0 */
    uint64_t *at_ns;  /* [k]: the planned instants, ascending */
    uint64_t *sum;    /* [n_channels]: inflight summed over the readings */
};

unsigned tel_subsample_count(uint64_t frame_ns)
{
    uint64_t k = (frame_ns + SUB_PERIOD_NS / 2) / SUB_PERIOD_NS;

    if (k < 1)
        k = 1;
    return k > TEL_MAX_SUBSAMPLES ? TEL_MAX_SUBSAMPLES : (unsigned)k;
}

struct tel_subsamples *tel_subsamples_create(size_t n_channels, unsigned k,
                                             uint64_t seed)
{
    struct tel_subsamples *s = calloc(1, sizeof(*s));

    if (!s)
        return NULL;
    s->n_channels = n_channels;
    s->k = k < 1 ? 1 : k > TEL_MAX_SUBSAMPLES ? TEL_MAX_SUBSAMPLES : k;
    s->next = s->planned = 0; /* nothing planned yet */
    s->rng = seed ? seed : 0x9e3779b97f4a7c15ull;
    s->at_ns = calloc(s->k, sizeof(*s->at_ns));
    s->sum = calloc(n_channels ? n_channels : 1, sizeof(*s->sum));
    if (!s->at_ns || !s->sum) {
        tel_subsamples_destroy(s);
        return NULL;
    }
    return s;
}

void tel_subsamples_destroy(struct tel_subsamples *s)
{
    if (!s)
        return;
    free(s->at_ns);
    free(s->sum);
    free(s);
}

/* xorshift64*: plenty for placing readings, and no system call. */
static uint64_t draw(struct tel_subsamples *s)
{
    s->rng ^= s->rng >> 12;
    s->rng ^= s->rng << 25;
    s->rng ^= s->rng >> 27;
    return s->rng * 0x2545f4914f6cdd1dull;
}

void tel_subsamples_plan(struct tel_subsamples *s, uint64_t start_ns,
                         uint64_t frame_ns, unsigned k)
{
    uint64_t part;

    s->planned = k < 1 ? 1 : k > s->k ? s->k : k;
    part = frame_ns / s->planned;
    for (unsigned i = 0; i < s->planned; i++) {
        /* uniform in [0, part): the top 53 bits as a fraction */
        double u = (double)(draw(s) >> 11) / 9007199254740992.0;

        s->at_ns[i] = start_ns + i * part + (uint64_t)(u * (double)part);
    }
    s->next = 0;
    s->taken = 0;
    for (size_t c = 0; c < s->n_channels; c++)
        s->sum[c] = 0;
}

uint64_t tel_subsamples_due(const struct tel_subsamples *s)
{
    return s->next < s->planned ? s->at_ns[s->next] : UINT64_MAX;
}

void tel_subsamples_add(struct tel_subsamples *s, uint64_t now_ns,
                        const uint64_t *inflight)
{
    /* a collector held up past several instants reads once for them all:
     * the readings stay at instants the graph cannot predict */
    while (s->next < s->planned && s->at_ns[s->next] <= now_ns)
        s->next++;
    for (size_t c = 0; c < s->n_channels; c++)
        s->sum[c] += inflight[c];
    s->taken++;
}

unsigned tel_subsamples_taken(const struct tel_subsamples *s)
{
    return s->taken;
}

void tel_subsamples_mean(const struct tel_subsamples *s,
                         const uint64_t *fallback, double *out)
{
    for (size_t c = 0; c < s->n_channels; c++)
        out[c] = s->taken ? (double)s->sum[c] / (double)s->taken
                          : (double)fallback[c];
}

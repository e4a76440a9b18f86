/* fuzz_snapshot_file.c - the snapshot reader on any bytes: snapshot_parse
 * must accept or refuse with a message, never read outside the buffer or
 * crash; every channel record it accepts is then restored into a real
 * channel of the shape the file names (when small enough to make), which
 * must stay inside that channel's memory. Each input is tried as it is and
 * with its checksum and length made right, so that mutations get past them
 * to the records. */
#include "snapshot.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const uint8_t *data, size_t size)
{
    struct snapshot_record rec;
    char err[1024];

    if (snapshot_parse(data, size, "fuzz.snapshot", &rec, err, sizeof(err)) <
        0)
        return;
    for (size_t i = 0; i < rec.n_actors; i++)
        if ((const uint8_t *)rec.actors[i].state < data ||
            (const uint8_t *)rec.actors[i].state + rec.actors[i].state_size >
                data + size)
            abort();
    for (size_t i = 0; i < rec.n_channels; i++) {
        const struct snap_geom *g = &rec.channels[i].geom;
        struct steady_channel *ch;

        if (g->capacity > 4096 || g->elem_size > 4096 ||
            g->max_bytes > 65536)
            continue;
        ch = g->varsize ? steady_channel_create_varsize(
                              (size_t)g->capacity, (size_t)g->max_bytes, "t")
                        : steady_channel_create((size_t)g->capacity,
                                                (size_t)g->elem_size, "t");
        if (!ch)
            continue;
        channel_snap_load(ch, rec.channels[i].body, false);
        steady_channel_destroy(ch);
    }
    snapshot_record_fini(&rec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *fixed;
    uint64_t h = 1469598103934665603u;

    check(data, size);
    if (size < 40)
        return 0;
    fixed = malloc(size);
    if (!fixed)
        return 0;
    memcpy(fixed, data, size);
    for (int i = 0; i < 8; i++)
        fixed[24 + i] = (uint8_t)((uint64_t)size >> (8 * i));
    for (size_t i = 0; i < size; i++) {
        if (i >= 32 && i < 40)
            continue; /* the checksum itself */
        h ^= fixed[i];
        h *= 1099511628211u;
    }
    for (int i = 0; i < 8; i++)
        fixed[32 + i] = (uint8_t)(h >> (8 * i));
    check(fixed, size);
    free(fixed);
    return 0;
}

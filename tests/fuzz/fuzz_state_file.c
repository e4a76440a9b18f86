/* fuzz_state_file.c - the state-file reader on any bytes: state_parse must
 * accept or refuse with a message, never read outside the buffer or crash;
 * what it accepts is compared with an actor the way a load does, once with
 * a fixed actor and once with one whose state size matches the file. Each
 * input is tried as it is and with its format 2 checksum made right, so
 * that mutations get past the checksum to the header's names and sizes. */
#include "state_store.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const uint8_t *data, size_t size)
{
    struct state_id id = {
        .graph = "state",
        .actor = "counter",
        .plugin = "tp_counter",
        .version = "1.0",
        .file = "/plugins/tp_counter.so",
        .size = 16,
    };
    struct state_record rec;
    char err[1024], note[1024];

    if (state_parse(data, size, "fuzz.state", &rec, err, sizeof(err)) < 0)
        return;
    /* the state bytes lie inside the input */
    if ((const uint8_t *)rec.state < data ||
        (const uint8_t *)rec.state + rec.state_size > data + size)
        abort();
    for (int pass = 0; pass < 2; pass++) {
        if (state_match(&rec, &id, "fuzz.state", note, sizeof(note), err,
                        sizeof(err)) == 0 &&
            id.size) {
            unsigned char *copy = malloc(id.size);

            if (!copy)
                return;
            memcpy(copy, rec.state, id.size);
            free(copy);
        }
        id.size = (size_t)rec.state_size;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *fixed;
    uint64_t h = 1469598103934665603u;

    check(data, size);
    if (size < 32)
        return 0;
    fixed = malloc(size);
    if (!fixed)
        return 0;
    memcpy(fixed, data, size);
    for (size_t i = 32; i < size; i++) {
        h ^= fixed[i];
        h *= 1099511628211u;
    }
    for (int i = 0; i < 8; i++)
        fixed[24 + i] = (uint8_t)(h >> (8 * i));
    check(fixed, size);
    free(fixed);
    return 0;
}

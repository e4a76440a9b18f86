/* fuzz_elf.c - the plugin pre-flight's ELF header checks on any bytes: a
 * clean verdict (0, or -1 with a one-line reason), never a crash, a read
 * past the file or an unbounded allocation.
 */
#include "preflight.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[1024];
    int fd = memfd_create("fuzz-elf", MFD_CLOEXEC);
    size_t done = 0;

    if (fd < 0)
        return 0;
    while (done < size) {
        ssize_t n = write(fd, data + done, size - done);
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    err[0] = '\0';
    if (done == size &&
        preflight_elf(fd, (long long)size, "fuzz.so", err, sizeof(err)) < 0 &&
        (strncmp(err, "fuzz.so: ", 9) != 0 || strchr(err, '\n')))
        abort(); /* a refusal always names the file, on one line */
    close(fd);
    return 0;
}

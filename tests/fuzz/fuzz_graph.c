/* fuzz_graph.c - the graph loader: any bytes as a graph file must give a
 * checked graph or one clean error message, never a crash, a leak or a hang.
 * The file lives in a memfd, so no input touches the disk; plugins come
 * from the test plugins and the build's plugins (the registry adds those).
 */
#include "graph.h"
#include "loader.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct plugin_registry *reg;
static int fd = -1;
static char path[64];

/* Once per process: plugins stay open across inputs, as in one host. */
static void setup(void)
{
    reg = plugin_registry_create(STEADY_TEST_PLUGIN_DIR);
    fd = memfd_create("fuzz_graph.yaml", MFD_CLOEXEC);
    if (!reg || fd < 0) {
        perror("fuzz_graph: setup");
        abort();
    }
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[1024];
    struct graph *g;

    if (!reg)
        setup();
    if (ftruncate(fd, 0) < 0 ||
        (size && pwrite(fd, data, size, 0) != (ssize_t)size)) {
        perror("fuzz_graph: writing the input");
        abort();
    }
    err[0] = '\0';
    g = graph_load(path, NULL, 0, reg, err, sizeof(err));
    /* The contract: a graph, or a message that names the file. */
    if (!g && strncmp(err, path, strlen(path)) != 0) {
        fprintf(stderr, "fuzz_graph: error without the file name: '%s'\n", err);
        abort();
    }
    graph_destroy(g);
    return 0;
}

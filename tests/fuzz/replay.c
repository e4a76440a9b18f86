/* replay.c - runs a fuzz target's LLVMFuzzerTestOneInput over files, without
 * libFuzzer: every stage of the test suite (release, ASan, TSan) replays
 * each target's seed corpus and its regressions (inputs that once crashed
 * or were slow) as an ordinary test.
 *
 *     fuzz_replay_NAME [--max-seconds S] FILE_OR_FOLDER...
 *
 * Each input is copied to a buffer of exactly its size, so that ASan sees a
 * read past its end. An input that takes more than S seconds of CPU (default
 * 2, times 10 under a sanitizer, times STEADY_TEST_TIME_SCALE; 0 turns the
 * check off) fails the run, as libFuzzer's -timeout would. A folder that
 * does not exist holds no inputs.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZER_SLOWDOWN 10.0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZER_SLOWDOWN 10.0
#endif
#endif
#ifndef SANITIZER_SLOWDOWN
#define SANITIZER_SLOWDOWN 1.0
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static double max_seconds = 2.0;
static size_t n_inputs;
static double slowest;
static char slowest_name[4096];

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int replay_file(const char *file)
{
    FILE *f = fopen(file, "rb");
    uint8_t *data = NULL;
    size_t size = 0, cap = 0;
    double start, took;

    if (!f) {
        fprintf(stderr, "replay: %s: %s\n", file, strerror(errno));
        return -1;
    }
    for (;;) {
        if (size == cap) {
            uint8_t *bigger = realloc(data, cap ? cap * 2 : 4096);
            if (!bigger) {
                fprintf(stderr, "replay: %s: out of memory\n", file);
                free(data);
                fclose(f);
                return -1;
            }
            data = bigger;
            cap = cap ? cap * 2 : 4096;
        }
        size_t got = fread(data + size, 1, cap - size, f);
        size += got;
        if (got == 0)
            break;
    }
    fclose(f);
    /* The last name printed before a crash is the input that crashed. */
    printf("replay: %s\n", file);
    fflush(stdout);
    /* exactly `size` bytes, so that a read past the end is caught */
    uint8_t *exact = malloc(size ? size : 1);
    if (!exact) {
        free(data);
        return -1;
    }
    memcpy(exact, data, size);
    free(data);
    start = cpu_now();
    LLVMFuzzerTestOneInput(exact, size);
    took = cpu_now() - start;
    free(exact);
    n_inputs++;
    if (took > slowest) {
        slowest = took;
        snprintf(slowest_name, sizeof(slowest_name), "%s", file);
    }
    if (max_seconds > 0 && took > max_seconds) {
        fprintf(stderr, "replay: %s took %.2f s of CPU, over %.2f s\n", file,
                took, max_seconds);
        return -1;
    }
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files of a folder in name order, so runs are repeatable. */
static int replay_folder(const char *folder)
{
    DIR *dir = opendir(folder);
    struct dirent *de;
    char **names = NULL;
    size_t n = 0;
    int rc = 0;

    if (!dir) {
        if (errno == ENOENT)
            return 0;
        fprintf(stderr, "replay: %s: %s\n", folder, strerror(errno));
        return -1;
    }
    while ((de = readdir(dir))) {
        char **grown;
        if (de->d_name[0] == '.')
            continue;
        grown = realloc(names, (n + 1) * sizeof(*names));
        if (!grown || !(grown[n] = strdup(de->d_name))) {
            names = grown ? grown : names;
            rc = -1;
            break;
        }
        names = grown;
        n++;
    }
    closedir(dir);
    if (n)
        qsort(names, n, sizeof(*names), cmp_names);
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        struct stat st;

        snprintf(path, sizeof(path), "%s/%s", folder, names[i]);
        if (rc == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
            replay_file(path) < 0)
            rc = -1;
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    const char *scale = getenv("STEADY_TEST_TIME_SCALE");
    int rc = 0, first = 1;
    struct stat st;

    if (argc > 2 && strcmp(argv[1], "--max-seconds") == 0) {
        max_seconds = atof(argv[2]);
        first = 3;
    }
    max_seconds *= SANITIZER_SLOWDOWN * (scale && *scale ? atof(scale) : 1.0);
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    for (int i = first; i < argc; i++) {
        if (stat(argv[i], &st) == 0 && S_ISREG(st.st_mode))
            rc |= replay_file(argv[i]);
        else
            rc |= replay_folder(argv[i]);
    }
    printf("replay: %zu inputs, %s; slowest %.3f s of CPU (%s)\n", n_inputs,
           rc ? "FAILED" : "all passed", slowest,
           slowest_name[0] ? slowest_name : "none");
    return rc ? 1 : 0;
}

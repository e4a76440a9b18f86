/* test_troupes.c - grouped scheduling at scale through the host: a graph of
 * 300 actors in 5 troupes starts, runs and stops cleanly, every pair
 * checking its values arrive in order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the headers above */
#include "host_run.h"

#include <cmocka.h>
#include <dirent.h>

static void write_big_graph(const char *path, int pairs, int troupes)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fprintf(f, "graph: big\ntelemetry: { listen: \"off\" }\n"
               "defaults: { channel: { capacity: 16 } }\nactors:\n");
    for (int i = 0; i < pairs; i++) {
        fprintf(f,
                "  c%d: { plugin: tp_counter, params: { count: 200 }, "
                "troupe: t%d }\n",
                i, i % troupes);
        fprintf(f, "  k%d: { plugin: tp_checker, troupe: t%d }\n", i,
                i % troupes);
    }
    fprintf(f, "channels:\n");
    for (int i = 0; i < pairs; i++)
        fprintf(f, "  - c%d.out -> k%d.in\n", i, i);
    fclose(f);
}

static void test_big_graph_in_troupes_starts_and_stops(void **state)
{
    char path[] = "/tmp/steady-big-XXXXXX.yaml";
    const char *args[] = { "run", path, NULL };
    struct host_run h;
    int fd = mkstemps(path, 5);
    const char *p;
    int checked = 0;

    (void)state;
    assert_true(fd >= 0);
    close(fd);
    write_big_graph(path, 150, 5);
    assert_int_equal(host_run(&h, args, 60000), 0);
    unlink(path);
    assert_non_null(strstr(h.output, "300 actors on 5 threads"));
    assert_non_null(strstr(h.output, "graph 'big' stopped cleanly"));
    /* every checker saw its counter's values in order, none failed */
    for (p = h.output; (p = strstr(p, "values in order")); p++)
        checked++;
    assert_int_equal(checked, 150);
    assert_null(strstr(h.output, "expected "));
    free(h.output);
}

/* The allowed CPUs of the process's thread named `name`, from /proc. */
static bool thread_cpus(pid_t pid, const char *name, char *cpus, size_t len)
{
    char path[300], line[256];
    struct dirent *e;
    DIR *tasks;
    bool found = false;

    snprintf(path, sizeof(path), "/proc/%d/task", pid);
    tasks = opendir(path);
    if (!tasks)
        return false;
    while (!found && (e = readdir(tasks))) {
        FILE *f;
        bool match = false;

        snprintf(path, sizeof(path), "/proc/%d/task/%s/comm", pid, e->d_name);
        if (e->d_name[0] == '.' || !(f = fopen(path, "r")))
            continue;
        if (fgets(line, sizeof(line), f))
            match = strncmp(line, name, strlen(name)) == 0 &&
                    line[strlen(name)] == '\n';
        fclose(f);
        if (!match)
            continue;
        snprintf(path, sizeof(path), "/proc/%d/task/%s/status", pid, e->d_name);
        if (!(f = fopen(path, "r")))
            break;
        while (!found && fgets(line, sizeof(line), f))
            found = sscanf(line, "Cpus_allowed_list: %63s", cpus) == 1;
        fclose(f);
    }
    closedir(tasks);
    (void)len;
    return found;
}

/* Waits at most 5 s for the thread to exist with the wanted CPU list. */
static bool await_thread_cpus(pid_t pid, const char *name, const char *want)
{
    char cpus[64] = "";

    for (int i = 0; i < 1000; i++) {
        if (thread_cpus(pid, name, cpus, sizeof(cpus)) &&
            strcmp(cpus, want) == 0)
            return true;
        usleep(5000);
    }
    fprintf(stderr, "thread '%s' of %d: cpus '%s', wanted '%s'\n", name,
            (int)pid, cpus, want);
    return false;
}

static void test_cpu_pins_solo_and_troupe_threads(void **state)
{
    const char *args[] = { "run", STEADY_SOURCE_DIR "/tests/graphs/pinned.yaml",
                           NULL };
    struct host_run h;

    (void)state;
    assert_int_equal(host_start(&h, args), 0);
    assert_true(
        host_await_output(&h, "starting: 3 actors on 2 threads", 10000));
    /* "starting" is logged just before the threads start and get pinned */
    assert_true(await_thread_cpus(h.pid, "alone", "1"));
    assert_true(await_thread_cpus(h.pid, "pair", "0"));
    kill(h.pid, SIGINT);
    assert_int_equal(host_wait(&h, 20000), 0);
    assert_null(strstr(h.output, "cannot pin"));
    free(h.output);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_big_graph_in_troupes_starts_and_stops),
        cmocka_unit_test(test_cpu_pins_solo_and_troupe_threads),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

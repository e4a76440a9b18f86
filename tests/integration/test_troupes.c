/* test_troupes.c - grouped scheduling at scale through the host: a graph of
 * 300 actors in 5 troupes starts, runs and stops cleanly, every pair
 * checking its values arrive in order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "host_run.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_big_graph_in_troupes_starts_and_stops),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

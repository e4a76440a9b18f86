/* test_plugins.c - the `steady` binary against plugin files that are
 * broken, misplaced or open to others: each is refused with exit 2 and a
 * message naming the file and the reason, and the host never dies of one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the headers above */
#include "host_run.h"

#include <cmocka.h>
#include <elf.h>
#include <limits.h>
#include <sys/stat.h>

#define GENERATOR STEADY_BUILD_PLUGIN_DIR "/generator.so"

static char tmp[64];

static void make_tmp(void)
{
    snprintf(tmp, sizeof(tmp), "/tmp/steady-plugins-XXXXXX");
    assert_non_null(mkdtemp(tmp));
}

/* tmp/name into buf. */
static const char *at(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", tmp, name);
    return buf;
}

/* Copies a file, keeping its first `keep` bytes (all when 0), with mode. */
static void copy_file(const char *from, const char *to, size_t keep,
                      mode_t mode)
{
    FILE *in = fopen(from, "rb");
    FILE *out = fopen(to, "wb");
    char buf[65536];
    size_t n, done = 0;

    assert_non_null(in);
    assert_non_null(out);
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
        if (keep && done + n > keep)
            n = keep - done;
        assert_int_equal(fwrite(buf, 1, n, out), n);
        done += n;
        if (keep && done == keep)
            break;
    }
    fclose(in);
    fclose(out);
    assert_int_equal(chmod(to, mode), 0);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void rm_tmp(void)
{
    char cmd[128];

    /* the folder holds only what this file wrote into it */
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    assert_int_equal(system(cmd), 0);
}

/* Runs `steady ARGS` to the end; the output must hold every non-NULL want
 * and the exit status be `status`. */
static void expect_run(const char *const *args, int status, const char *want1,
                       const char *want2)
{
    struct host_run h;
    int rc = host_run(&h, args, 30000);

    if (rc != status || (want1 && !strstr(h.output, want1)) ||
        (want2 && !strstr(h.output, want2)))
        fail_msg("exit %d (wanted %d), output:\n%s", rc, status, h.output);
    free(h.output);
}

static void test_check_refuses_truncated_and_crashing_plugins(void **state)
{
    char graph[128], so[128];
    const char *args[] = { "check", graph, NULL };

    (void)state;
    make_tmp();
    at(graph, sizeof(graph), "g.yaml");
    copy_file(GENERATOR, at(so, sizeof(so), "cut.so"), 4096, 0644);
    write_text(graph, "graph: cut\nactors:\n  gen: { plugin: ./cut.so }\n");
    expect_run(args, 2, "g.yaml:3:18: ",
               "cut.so: refused: truncated or "
               "corrupt: its ELF headers describe");
    write_text(graph, "graph: crash\nactors:\n  c: { plugin: tp_crashctor }\n");
    expect_run(args, 2, "g.yaml:3:16: ",
               "tp_crashctor.so: refused: the plugin crashed while being "
               "checked (SIGBUS)");
    rm_tmp();
}

static void test_inspect_wrong_architecture(void **state)
{
    char so[128];
    const char *args[] = { "inspect", so, NULL };
    FILE *f;
    uint16_t arm = EM_AARCH64, x86 = EM_X86_64, mine;

    (void)state;
    make_tmp();
    copy_file(GENERATOR, at(so, sizeof(so), "foreign.so"), 0, 0644);
    f = fopen(so, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, 18, SEEK_SET), 0); /* e_machine */
    assert_int_equal(fread(&mine, 2, 1, f), 1);
    assert_int_equal(fseek(f, 18, SEEK_SET), 0);
    assert_int_equal(fwrite(mine == arm ? &x86 : &arm, 2, 1, f), 1);
    fclose(f);
    expect_run(args, 2,
               mine == arm ? "refused: ELF for x86_64, this host is"
                           : "refused: ELF for aarch64, this host is",
               NULL);
    rm_tmp();
}

/* What runs never depends on the folder steady was started from. */
static void test_check_never_loads_from_the_current_folder(void **state)
{
    char cwd[PATH_MAX], here[128], graphs[128], graph[160], path[160];
    const char *args[] = { "check", graph, NULL };

    (void)state;
    make_tmp();
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(mkdir(at(here, sizeof(here), "here"), 0700), 0);
    assert_int_equal(mkdir(at(graphs, sizeof(graphs), "graphs"), 0700), 0);
    snprintf(path, sizeof(path), "%s/sub", here);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/sub/tp_sleeper.so", here);
    copy_file(STEADY_TEST_PLUGIN_DIR "/tp_sleeper.so", path, 0, 0644);
    snprintf(path, sizeof(path), "%s/tp_cwd.so", here);
    copy_file(STEADY_TEST_PLUGIN_DIR "/tp_sleeper.so", path, 0, 0644);
    assert_int_equal(chdir(here), 0);

    /* sub/x.so is next to the graph file, not in the current folder */
    snprintf(graph, sizeof(graph), "%s/rel.yaml", graphs);
    write_text(graph, "graph: rel\nactors:\n  s: { plugin: sub/tp_sleeper.so "
                      "}\n");
    expect_run(args, 2, "rel.yaml:3:16: ",
               "/graphs/sub/tp_sleeper.so: cannot load: No such file");
    /* a bare x.so is a name on the plugin path */
    snprintf(graph, sizeof(graph), "%s/bare.yaml", graphs);
    write_text(graph, "graph: bare\nactors:\n  s: { plugin: tp_cwd.so }\n");
    expect_run(args, 2, "unknown plugin 'tp_cwd.so'",
               "never in the current folder");
    /* and a graph in the current folder finds sub/x.so next to it */
    snprintf(graph, sizeof(graph), "rel.yaml");
    write_text(graph, "graph: rel\nactors:\n  s: { plugin: sub/tp_sleeper.so "
                      "}\n");
    expect_run(args, 0, "ok, graph 'rel': 1 actor", NULL);
    assert_int_equal(chdir(cwd), 0);
    rm_tmp();
}

static void test_writable_plugin_needs_the_flag(void **state)
{
    char so[128], graph[128];
    const char *inspect[] = { "inspect", so, NULL };
    const char *inspect_ok[] = { "inspect", so, "--allow-writable-plugins",
                                 NULL };
    const char *check[] = { "check", graph, NULL };
    const char *check_ok[] = { "--allow-writable-plugins", "check", graph,
                               NULL };

    (void)state;
    unsetenv("STEADY_ALLOW_WRITABLE_PLUGINS");
    make_tmp();
    copy_file(STEADY_TEST_PLUGIN_DIR "/tp_sleeper.so",
              at(so, sizeof(so), "ww.so"), 0, 0666);
    at(graph, sizeof(graph), "g.yaml");
    write_text(graph, "graph: ww\nactors:\n  gen: { plugin: ./ww.so }\n");
    expect_run(inspect, 2, "ww.so: refused: file ",
               "is writable by group and others (mode 0666)");
    expect_run(inspect_ok, 0, "plugin   tp_sleeper", NULL);
    expect_run(check, 2, "g.yaml:3:18: ", "--allow-writable-plugins");
    expect_run(check_ok, 0, "ok, graph 'ww': 1 actor", NULL);
    assert_int_equal(setenv("STEADY_ALLOW_WRITABLE_PLUGINS", "1", 1), 0);
    expect_run(check, 0, "ok, graph 'ww': 1 actor", NULL);
    unsetenv("STEADY_ALLOW_WRITABLE_PLUGINS");
    rm_tmp();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_refuses_truncated_and_crashing_plugins),
        cmocka_unit_test(test_inspect_wrong_architecture),
        cmocka_unit_test(test_check_never_loads_from_the_current_folder),
        cmocka_unit_test(test_writable_plugin_needs_the_flag),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

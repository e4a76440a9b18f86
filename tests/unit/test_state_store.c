/* test_state_store.c - state files and the state directory: round trips
 * with names of any length, what a file must match to be loaded, the
 * messages for each kind of bad file, links and FIFOs refused, the lock,
 * ownership and mode checks, stale temporary files, and a reader that
 * never reads outside its buffer.
 */
#include "state_store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
/* cmocka.h needs the standard headers above included first. */
#include <cmocka.h>

static char err[2048], note[2048];

struct fixture {
    char dir[64];
    char path[128]; /* DIR/s: the state folder itself, created by open */
};

static int rm_entry(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    snprintf(f->dir, sizeof(f->dir), "/tmp/steady-state-unit-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof(f->path), "%s/s", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    chmod(f->path, 0700);
    nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

static struct state_dir *open_run(const char *path)
{
    struct state_dir *d = NULL;

    err[0] = '\0';
    if (state_dir_open(path, STATE_DIR_RUN, 4096, &d, err, sizeof(err)) < 0)
        fail_msg("%s", err);
    assert_non_null(d);
    return d;
}

static void expect_in(const char *text, const char *part)
{
    if (!strstr(text, part))
        fail_msg("'%s' lacks '%s'", text, part);
}

/* DIR/s/name; two calls may share one expression (four buffers). */
static char *file_in(const struct fixture *f, const char *name)
{
    static char path[4][256];
    static unsigned next;
    char *p = path[next++ % 4];

    snprintf(p, sizeof(path[0]), "%s/%s", f->path, name);
    return p;
}

static void write_bytes(const char *path, const void *data, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, n), (ssize_t)n);
    close(fd);
}

static size_t read_bytes(const char *path, void *buf, size_t n)
{
    int fd = open(path, O_RDONLY);
    ssize_t r;

    assert_true(fd >= 0);
    r = read(fd, buf, n);
    close(fd);
    assert_true(r >= 0);
    return (size_t)r;
}

static const struct state_id base_id = {
    .graph = "g",
    .actor = "counter",
    .plugin = "tp_counter",
    .version = "1.0",
    .file = "/plugins/tp_counter.so",
    .size = 16,
};

static int load(struct state_dir *d, const struct state_id *id, void *out,
                bool *found)
{
    err[0] = note[0] = '\0';
    return state_load(d, id, out, found, note, sizeof(note), err, sizeof(err));
}

/* ---- round trips ---- */

static void test_save_then_load(void **state)
{
    struct fixture *f = *state;
    struct state_dir *d = open_run(f->path);
    unsigned char in[16] = "0123456789abcde", out[16] = { 0 };
    struct stat st;
    bool found = true;
    DIR *dir;
    struct dirent *e;
    int files = 0;

    assert_int_equal(load(d, &base_id, out, &found), 0);
    assert_false(found);
    assert_int_equal(state_save(d, &base_id, in, err, sizeof(err)), 0);
    assert_int_equal(load(d, &base_id, out, &found), 0);
    assert_true(found);
    assert_string_equal(note, "");
    assert_memory_equal(in, out, sizeof(in));
    /* private to this user, in a private folder, nothing else left */
    assert_int_equal(stat(file_in(f, "counter.state"), &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
    dir = opendir(f->path);
    while ((e = readdir(dir)))
        if (e->d_name[0] != '.')
            files++;
    closedir(dir);
    assert_int_equal(files, 2); /* counter.state and steady.lock */
    state_dir_close(d);
}

/* Names of 64 characters and more used to be cut at 63 in the file, so a
 * long-named plugin never found its state again. */
static void test_long_plugin_names_keep_their_state(void **state)
{
    struct fixture *f = *state;
    struct state_dir *d = open_run(f->path);
    static const size_t lens[] = { 63, 64, 65, 100, 1000, 20000 };
    unsigned char in[16] = "long names work", out[16];
    bool found;

    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        char *name = malloc(lens[i] + 1);
        struct state_id id = base_id;

        memset(name, 'p', lens[i]);
        name[lens[i]] = '\0';
        id.plugin = name;
        assert_int_equal(state_id_check(&id, err, sizeof(err)), 0);
        assert_int_equal(state_save(d, &id, in, err, sizeof(err)), 0);
        memset(out, 0, sizeof(out));
        assert_int_equal(load(d, &id, out, &found), 0);
        assert_true(found);
        assert_memory_equal(in, out, sizeof(in));
        /* the same long name but for its last character is another
         * plugin */
        name[lens[i] - 1] = 'q';
        assert_int_equal(load(d, &id, out, &found), -1);
        expect_in(err, "holds state of plugin 'ppp");
        free(name);
    }
    state_dir_close(d);
}

static void test_names_too_long_are_refused(void **state)
{
    struct state_id id = base_id;
    char actor[STATE_ACTOR_NAME_MAX + 2];
    char *plugin = malloc(STATE_HEADER_MAX + 1);

    (void)state;
    memset(actor, 'a', sizeof(actor) - 1);
    actor[sizeof(actor) - 1] = '\0';
    id.actor = actor;
    assert_int_equal(state_id_check(&id, err, sizeof(err)), -1);
    expect_in(err, "a name of 201 characters is too long to keep state in a "
                   "file; at most 200");
    id = base_id;
    memset(plugin, 'p', STATE_HEADER_MAX);
    plugin[STATE_HEADER_MAX] = '\0';
    id.plugin = plugin;
    assert_int_equal(state_id_check(&id, err, sizeof(err)), -1);
    expect_in(err, "actor 'counter': its graph, plugin and file names take");
    free(plugin);
}

/* ---- what a file must match ---- */

static void test_state_of_another_graph_actor_plugin_or_size(void **state)
{
    struct fixture *f = *state;
    struct state_dir *d = open_run(f->path);
    unsigned char in[16] = { 1 }, out[16] = { 0 };
    struct state_id id;
    bool found;

    assert_int_equal(state_save(d, &base_id, in, err, sizeof(err)), 0);

    /* another graph whose actor has the same name and whose plugin calls
     * itself the same: not its state */
    id = base_id;
    id.graph = "other";
    id.file = "/elsewhere/impostor.so";
    assert_int_equal(load(d, &id, out, &found), -1);
    expect_in(err, "counter.state: holds the state of actor 'counter' of "
                   "graph 'g', not of actor 'counter' of graph 'other'; "
                   "give each graph its own state_dir");
    assert_false(found);

    /* the file renamed to another actor's name */
    assert_int_equal(
        rename(file_in(f, "counter.state"), file_in(f, "other.state")), 0);
    id = base_id;
    id.actor = "other";
    assert_int_equal(load(d, &id, out, &found), -1);
    expect_in(err, "holds the state of actor 'counter' of graph 'g', not of "
                   "actor 'other' of graph 'g'");
    assert_int_equal(
        rename(file_in(f, "other.state"), file_in(f, "counter.state")), 0);

    id = base_id;
    id.plugin = "generator";
    assert_int_equal(load(d, &id, out, &found), -1);
    expect_in(err, "holds state of plugin 'tp_counter' but the actor now "
                   "runs plugin 'generator'");

    id = base_id;
    id.size = 24;
    assert_int_equal(load(d, &id, out, &found), -1);
    expect_in(err, "holds 16 bytes of state but plugin 'tp_counter' now "
                   "declares 24: its state layout changed, so it is not "
                   "loaded");
    /* nothing was loaded by any refusal */
    for (size_t i = 0; i < sizeof(out); i++)
        assert_int_equal(out[i], 0);
    state_dir_close(d);
}

static void test_new_plugin_version_or_file_loads_with_a_note(void **state)
{
    struct fixture *f = *state;
    struct state_dir *d = open_run(f->path);
    unsigned char in[16] = { 7 }, out[16] = { 0 };
    struct state_id id = base_id;
    bool found;

    assert_int_equal(state_save(d, &base_id, in, err, sizeof(err)), 0);
    id.version = "2.0";
    id.file = "/new/tp_counter.so";
    assert_int_equal(load(d, &id, out, &found), 0);
    assert_true(found);
    assert_int_equal(out[0], 7);
    expect_in(note, "saved by plugin 'tp_counter' version '1.0' from "
                    "/plugins/tp_counter.so, now version '2.0' from "
                    "/new/tp_counter.so; loaded because the plugin's name "
                    "and state size are the same");
    state_dir_close(d);
}

/* ---- bad files, each with a message that says what is wrong ---- */

static unsigned char *encode(const struct state_id *id, const void *state,
                             size_t *len)
{
    unsigned char *buf = malloc(state_file_size(id));

    state_encode(id, state, buf);
    *len = state_file_size(id);
    return buf;
}

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static int parse(const void *buf, size_t len, struct state_record *rec)
{
    err[0] = '\0';
    return state_parse(buf, len, "F", rec, err, sizeof(err));
}

/* It said "state file format 1, this host reads 1" for a header of the
 * wrong size, and "holds 16 bytes ... declares 16" for a file of the wrong
 * length. */
static void test_messages_name_what_really_differs(void **state)
{
    unsigned char st[16] = { 0 };
    struct state_record rec;
    size_t len;
    unsigned char *buf = encode(&base_id, st, &len);

    (void)state;
    assert_int_equal(parse(buf, len, &rec), 0);
    assert_int_equal(rec.format, 2);
    assert_int_equal(rec.state_size, 16);

    /* one byte short, and one byte too many */
    assert_int_equal(parse(buf, len - 1, &rec), -1);
    expect_in(err, "F: the file is ");
    expect_in(err, "(header + state): truncated or extended");
    assert_null(strstr(err, "reads 2"));
    {
        unsigned char *more = calloc(1, len + 1);

        memcpy(more, buf, len);
        assert_int_equal(parse(more, len + 1, &rec), -1);
        expect_in(err, "(header + state): truncated or extended");
        free(more);
    }

    /* a header size that cannot be */
    put32(buf + 12, 9999999);
    assert_int_equal(parse(buf, len, &rec), -1);
    expect_in(err, "F: corrupt: its header says it is 9999999 bytes, which "
                   "does not fit a file of");
    assert_null(strstr(err, "format 2, this host reads 2"));

    /* a format from the future */
    put32(buf + 8, 3);
    assert_int_equal(parse(buf, len, &rec), -1);
    expect_in(err, "F: state file format 3 is not one this host reads "
                   "(formats 1 and 2): written by a newer steady?");
    free(buf);
}

static void test_corruption_is_caught_by_the_checksum(void **state)
{
    unsigned char st[16] = "the state bytes";
    struct state_record rec;
    size_t len;
    unsigned char *buf = encode(&base_id, st, &len);

    (void)state;
    for (size_t i = 32; i < len; i++) {
        buf[i] ^= 0x20;
        assert_int_equal(parse(buf, len, &rec), -1);
        buf[i] ^= 0x20;
    }
    buf[len - 1] ^= 1;
    assert_int_equal(parse(buf, len, &rec), -1);
    expect_in(err, "F: corrupt (checksum mismatch)");
    free(buf);
}

/* Every prefix of a valid file and a buffer of every length of junk: the
 * reader refuses and stays inside the buffer (ASan watches). */
static void test_reader_stays_inside_its_buffer(void **state)
{
    unsigned char st[16] = { 3 };
    struct state_record rec;
    size_t len;
    unsigned char *buf = encode(&base_id, st, &len);

    (void)state;
    for (size_t n = 0; n < len; n++) {
        unsigned char *copy = malloc(n ? n : 1);

        memcpy(copy, buf, n);
        assert_int_equal(parse(copy, n, &rec), -1);
        free(copy);
    }
    /* text lengths that point past the header */
    for (size_t at = 32; at + 4 <= 52; at += 4) {
        unsigned char *copy = malloc(len);

        memcpy(copy, buf, len);
        put32(copy + at, 0xfffffff0u);
        assert_int_equal(parse(copy, len, &rec), -1);
        free(copy);
    }
    free(buf);
}

/* Format 1 files (fixed 64-byte plugin name, checksum of the state only)
 * are still read, and replaced by format 2 at the next save. */
static void test_format_1_is_read(void **state)
{
    struct fixture *f = *state;
    struct state_dir *d = open_run(f->path);
    unsigned char v1[96 + 16] = { 0 }, out[16] = { 0 };
    uint64_t h = 1469598103934665603u;
    bool found;

    memcpy(v1, "STEADYST", 8);
    put32(v1 + 8, 1);
    put32(v1 + 12, 96);
    v1[16] = 16;
    memcpy(v1 + 32, "tp_counter", 10);
    for (int i = 0; i < 16; i++)
        v1[96 + i] = (unsigned char)(i + 1);
    for (int i = 0; i < 16; i++) {
        h ^= v1[96 + i];
        h *= 1099511628211u;
    }
    for (int i = 0; i < 8; i++)
        v1[24 + i] = (unsigned char)(h >> (8 * i));
    write_bytes(file_in(f, "counter.state"), v1, sizeof(v1));
    assert_int_equal(load(d, &base_id, out, &found), 0);
    assert_true(found);
    assert_memory_equal(out, v1 + 96, 16);
    expect_in(note, "format 1 (written by an older steady, without the "
                    "graph's name): loaded; the next save writes format 2");

    /* its header size is checked against format 1's, not the host's */
    put32(v1 + 12, 100);
    write_bytes(file_in(f, "counter.state"), v1, sizeof(v1));
    assert_int_equal(load(d, &base_id, out, &found), -1);
    expect_in(err, "corrupt: a format 1 header is 96 bytes, this one says "
                   "100");
    state_dir_close(d);
}

/* ---- not regular files, links ---- */

static void test_fifo_is_refused_without_blocking(void **state)
{
    struct fixture *f = *state;
    struct state_dir *d = open_run(f->path);
    unsigned char out[16];
    bool found;

    assert_int_equal(mkfifo(file_in(f, "counter.state"), 0600), 0);
    alarm(10); /* a blocking open would hang here: fail instead */
    assert_int_equal(load(d, &base_id, out, &found), -1);
    alarm(0);
    expect_in(err, "counter.state: is a FIFO, not a state file");
    unlink(file_in(f, "counter.state"));
    assert_int_equal(mkdir(file_in(f, "counter.state"), 0700), 0);
    assert_int_equal(load(d, &base_id, out, &found), -1);
    expect_in(err, "counter.state: is a folder, not a state file");
    /* and a save cannot replace a folder: it says so, leaves no temp */
    assert_int_equal(state_save(d, &base_id, out, err, sizeof(err)), -1);
    expect_in(err, "counter.state: cannot rename the temporary file over "
                   "it: ");
    state_dir_close(d);
}

static void test_links_are_never_followed(void **state)
{
    struct fixture *f = *state;
    struct state_dir *d = open_run(f->path);
    char victim[128], got[64];
    unsigned char in[16] = "new state", out[16];
    struct stat st;
    bool found;

    snprintf(victim, sizeof(victim), "%s/victim", f->dir);
    write_bytes(victim, "precious", 8);

    /* a state file that is a link: refused, not read */
    assert_int_equal(symlink(victim, file_in(f, "counter.state")), 0);
    assert_int_equal(load(d, &base_id, out, &found), -1);
    expect_in(err, "counter.state: is a symbolic link; steady never follows "
                   "links in a state directory");
    /* a save replaces the link itself */
    assert_int_equal(state_save(d, &base_id, in, err, sizeof(err)), 0);
    assert_int_equal(lstat(file_in(f, "counter.state"), &st), 0);
    assert_true(S_ISREG(st.st_mode));

    /* the temporary name steady used to use, planted as a link */
    assert_int_equal(symlink(victim, file_in(f, "counter.state.tmp")), 0);
    assert_int_equal(state_save(d, &base_id, in, err, sizeof(err)), 0);
    assert_int_equal(read_bytes(victim, got, sizeof(got)), 8);
    assert_memory_equal(got, "precious", 8);
    assert_int_equal(load(d, &base_id, out, &found), 0);
    assert_memory_equal(out, in, sizeof(in));
    state_dir_close(d);
}

/* ---- the folder ---- */

static void test_stale_temporary_files_are_removed(void **state)
{
    struct fixture *f = *state;
    struct state_dir *d = open_run(f->path);
    char victim[128];
    struct stat st;

    state_dir_close(d);
    snprintf(victim, sizeof(victim), "%s/victim", f->dir);
    write_bytes(victim, "precious", 8);
    write_bytes(file_in(f, "a.state.tmp"), "x", 1);
    write_bytes(file_in(f, "a.state.tmp.123.4"), "x", 1);
    write_bytes(file_in(f, "b.state"), "x", 1);
    write_bytes(file_in(f, "notes.state.tmpfile"), "x", 1);
    write_bytes(file_in(f, ".state.tmp"), "x", 1);
    assert_int_equal(symlink(victim, file_in(f, "c.state.tmp.5.6")), 0);
    assert_int_equal(mkdir(file_in(f, "d.state.tmp.7.8"), 0700), 0);

    d = open_run(f->path);
    assert_int_equal(lstat(file_in(f, "a.state.tmp"), &st), -1);
    assert_int_equal(lstat(file_in(f, "a.state.tmp.123.4"), &st), -1);
    /* not ours by name, or not a regular file: left alone */
    assert_int_equal(lstat(file_in(f, "b.state"), &st), 0);
    assert_int_equal(lstat(file_in(f, "notes.state.tmpfile"), &st), 0);
    assert_int_equal(lstat(file_in(f, ".state.tmp"), &st), 0);
    assert_int_equal(lstat(file_in(f, "c.state.tmp.5.6"), &st), 0);
    assert_int_equal(lstat(file_in(f, "d.state.tmp.7.8"), &st), 0);
    assert_int_equal(stat(victim, &st), 0);
    assert_int_equal(st.st_size, 8);
    state_dir_close(d);
}

static void test_one_run_at_a_time(void **state)
{
    struct fixture *f = *state;
    struct state_dir *d = open_run(f->path), *second = NULL, *check = NULL;
    char want[256];

    assert_int_equal(
        state_dir_open(f->path, STATE_DIR_RUN, 0, &second, err, sizeof(err)),
        -1);
    assert_null(second);
    snprintf(want, sizeof(want), "state_dir %s is in use by pid %ld", f->path,
             (long)getpid());
    assert_string_equal(err, want);
    /* checking reads only and takes no lock */
    assert_int_equal(
        state_dir_open(f->path, STATE_DIR_CHECK, 0, &check, err, sizeof(err)),
        0);
    assert_non_null(check);
    state_dir_close(check);
    state_dir_close(d);
    /* closed: free again */
    d = open_run(f->path);
    state_dir_close(d);
}

static void test_check_creates_nothing(void **state)
{
    struct fixture *f = *state;
    struct state_dir *d = (struct state_dir *)f;
    struct stat st;

    assert_int_equal(
        state_dir_open(f->path, STATE_DIR_CHECK, 0, &d, err, sizeof(err)), 0);
    assert_null(d);
    assert_int_equal(stat(f->path, &st), -1);
    assert_int_equal(errno, ENOENT);
}

static void expect_dir_refused(const char *path, const char *why)
{
    enum state_dir_mode modes[] = { STATE_DIR_RUN, STATE_DIR_CHECK };

    for (int i = 0; i < 2; i++) {
        struct state_dir *d = NULL;

        assert_int_equal(
            state_dir_open(path, modes[i], 0, &d, err, sizeof(err)), -1);
        assert_null(d);
        expect_in(err, why);
    }
}

static void test_folder_others_could_write_is_refused(void **state)
{
    struct fixture *f = *state;

    state_dir_close(open_run(f->path));
    assert_int_equal(chmod(f->path, 0770), 0);
    expect_dir_refused(f->path, "is writable by its group (mode 0770), so "
                                "they could replace its state files: chmod "
                                "go-w");
    assert_int_equal(chmod(f->path, 0702), 0);
    expect_dir_refused(f->path, "is writable by others (mode 0702)");
    /* the sticky bit does not make it safe */
    assert_int_equal(chmod(f->path, 01777), 0);
    expect_dir_refused(f->path, "is writable by its group and others (mode "
                                "1777)");
    assert_int_equal(chmod(f->path, 0700), 0);
    state_dir_close(open_run(f->path));
}

static void test_folder_of_another_user_is_refused(void **state)
{
    struct fixture *f = *state;
    char want[128];

    state_dir_close(open_run(f->path));
    if (chown(f->path, 65534, (gid_t)-1) < 0) {
        /* only root (or CAP_CHOWN) can give a folder away */
        print_message("skipped: chown to uid 65534 failed: %s\n",
                      strerror(errno));
        skip();
    }
    snprintf(want, sizeof(want),
             "is owned by uid 65534, not by this user (uid %ld)",
             (long)geteuid());
    expect_dir_refused(f->path, want);
    assert_int_equal(chown(f->path, geteuid(), (gid_t)-1), 0);
    /* a state file of another user in one's own folder is refused too */
    {
        struct state_dir *d = open_run(f->path);
        unsigned char st[16] = { 0 };
        bool found;

        assert_int_equal(state_save(d, &base_id, st, err, sizeof(err)), 0);
        assert_int_equal(chown(file_in(f, "counter.state"), 65534, (gid_t)-1),
                         0);
        assert_int_equal(load(d, &base_id, st, &found), -1);
        expect_in(err, "counter.state: owned by uid 65534, not by this user");
        state_dir_close(d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_save_then_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_plugin_names_keep_their_state,
                                        setup, teardown),
        cmocka_unit_test(test_names_too_long_are_refused),
        cmocka_unit_test_setup_teardown(
            test_state_of_another_graph_actor_plugin_or_size, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_new_plugin_version_or_file_loads_with_a_note, setup, teardown),
        cmocka_unit_test(test_messages_name_what_really_differs),
        cmocka_unit_test(test_corruption_is_caught_by_the_checksum),
        cmocka_unit_test(test_reader_stays_inside_its_buffer),
        cmocka_unit_test_setup_teardown(test_format_1_is_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fifo_is_refused_without_blocking,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_links_are_never_followed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_stale_temporary_files_are_removed,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_run_at_a_time, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_check_creates_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_folder_others_could_write_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_folder_of_another_user_is_refused,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

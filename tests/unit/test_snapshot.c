/* test_snapshot.c - process snapshots in the core: the file's encoder and
 * parser (round trip, every truncation, a flipped byte, another graph),
 * channel records of fixed-size and variable-size rings, and the hold and
 * release protocol on real actor threads: every snapshot taken while a
 * producer and a consumer run flat out is consistent (what the producer
 * counts as sent is what the consumer counts as taken plus what the
 * channel holds, in order), an actor that never waits makes a snapshot be
 * skipped within its bound, and steady_snapshotted is met only once the
 * snapshot is on disk.
 */
#include "actor_impl.h"
#include "channel_impl.h"
#include "snapshot.h"
#include "supervisor.h"

#include <ftw.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h first. */
#include <cmocka.h>

/* ---- the actors under test ---- */

enum { OUT };
enum { IN };

struct prod_state {
    uint64_t sent;
};
struct cons_state {
    uint64_t taken;
    uint64_t wrong; /* items that were not the next number */
};
struct ack_state {
    uint64_t acked; /* the last snapshot number seen covered */
    uint64_t early; /* met before done reached the number */
};

static _Atomic bool spin_stop;

static int prod_run(struct steady_actor *a)
{
    struct prod_state *s = steady_state(a);

    while (steady_running(a)) {
        if (!steady_await_all(a, steady_vacant(a, OUT, 1)))
            continue;
        while (steady_channel_try_send(steady_port(a, OUT), &s->sent))
            s->sent++;
    }
    return 0;
}

static int cons_run(struct steady_actor *a)
{
    struct cons_state *s = steady_state(a);
    uint64_t v;

    while (steady_running(a)) {
        (void)steady_await_all(a, steady_avail(a, IN, 1));
        while (steady_channel_try_take(steady_port(a, IN), &v)) {
            if (v != s->taken)
                s->wrong++;
            s->taken++;
        }
    }
    return 0;
}

static int spin_run(struct steady_actor *a)
{
    (void)a;
    while (!atomic_load(&spin_stop))
        ;
    return 0;
}

static int ack_run(struct steady_actor *a)
{
    struct ack_state *s = steady_state(a);

    while (steady_running(a)) {
        uint64_t n = steady_snapshot_next(a);

        if (!steady_await_all(a, steady_snapshotted(a, n)))
            continue;
        if (steady_snapshot_done(a) < n)
            s->early++;
        s->acked = n;
    }
    return 0;
}

static const struct steady_port_desc prod_ports[] = {
    [OUT] = { "out", STEADY_OUT, "u64", 8, true },
};
static const struct steady_port_desc cons_ports[] = {
    [IN] = { "in", STEADY_IN, "u64", 8, true },
};

static const struct steady_plugin prod_desc = {
    STEADY_PLUGIN_HEADER,
    .name = "prod",
    .version = "1",
    .summary = "counts up",
    .ports = STEADY_PORTS(prod_ports),
    .state_size = sizeof(struct prod_state),
    .run = prod_run,
};
static const struct steady_plugin cons_desc = {
    STEADY_PLUGIN_HEADER,
    .name = "cons",
    .version = "1",
    .summary = "checks the count",
    .ports = STEADY_PORTS(cons_ports),
    .state_size = sizeof(struct cons_state),
    .run = cons_run,
};
static const struct steady_plugin spin_desc = {
    STEADY_PLUGIN_HEADER,
    .name = "spin",
    .version = "1",
    .summary = "never waits",
    .run = spin_run,
};
static const struct steady_plugin ack_desc = {
    STEADY_PLUGIN_HEADER,
    .name = "ack",
    .version = "1",
    .summary = "acknowledges covered work",
    .state_size = sizeof(struct ack_state),
    .run = ack_run,
};

/* ---- a small running graph ---- */

#define MAX_ACTORS 3

struct rig {
    struct actor_set set;
    struct steady_actor *actors[MAX_ACTORS];
    size_t n;
    struct steady_channel *ch;
    const char *names[1];
    pthread_t threads[MAX_ACTORS];
    char dir[64];
    struct state_dir *sd;
    struct snapshot *snap;
};

static void *actor_thread(void *arg)
{
    supervisor_run(arg);
    return NULL;
}

static struct steady_actor *add(struct rig *r, const char *name,
                                const struct steady_plugin *p)
{
    struct steady_actor *a = actor_create(name, p, NULL, &r->set);

    assert_non_null(a);
    r->actors[r->n++] = a;
    return a;
}

/* prod -> cons over a channel of capacity cap, plus extra actors. */
static void rig_make(struct rig *r, size_t cap, bool spin, bool ack)
{
    char err[512];
    struct snapshot_desc d;

    memset(r, 0, sizeof(*r));
    actor_set_init(&r->set);
    add(r, "prod", &prod_desc);
    add(r, "cons", &cons_desc);
    if (spin)
        add(r, "spin", &spin_desc);
    if (ack)
        add(r, "ack", &ack_desc);
    r->set.actors = r->actors;
    r->set.n_actors = r->n;
    r->ch = steady_channel_create(cap, 8, "u64");
    assert_non_null(r->ch);
    assert_int_equal(actor_bind_port(r->actors[0], OUT, r->ch), 0);
    assert_int_equal(actor_bind_port(r->actors[1], IN, r->ch), 0);
    r->names[0] = "prod.out -> cons.in";
    snprintf(r->dir, sizeof(r->dir), "/tmp/steady-snap-XXXXXX");
    assert_non_null(mkdtemp(r->dir));
    assert_int_equal(state_dir_open(r->dir, STATE_DIR_RUN, 0, &r->sd, err,
                                    sizeof(err)),
                     0);
    d = (struct snapshot_desc){ .graph = "snap",
                                .actors = r->actors,
                                .n_actors = r->n,
                                .channels = &r->ch,
                                .channel_names = r->names,
                                .n_channels = 1 };
    r->snap = snapshot_create(&r->set, &d, r->sd, 1000);
    assert_non_null(r->snap);
}

static void rig_start(struct rig *r)
{
    for (size_t i = 0; i < r->n; i++) {
        assert_int_equal(actor_init(r->actors[i]), 0);
        assert_int_equal(
            pthread_create(&r->threads[i], NULL, actor_thread, r->actors[i]),
            0);
    }
}

static void rig_stop(struct rig *r)
{
    atomic_store(&spin_stop, true);
    actor_set_request_shutdown(&r->set, false);
    for (size_t i = 0; i < r->n; i++)
        pthread_join(r->threads[i], NULL);
    atomic_store(&spin_stop, false);
}

static int rm_entry(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rig_free(struct rig *r)
{
    snapshot_destroy(r->snap);
    for (size_t i = 0; i < r->n; i++)
        actor_destroy(r->actors[i]);
    steady_channel_destroy(r->ch);
    state_dir_close(r->sd);
    nftw(r->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* The snapshot file, parsed; buf must be freed. */
static void read_snapshot(struct rig *r, struct snapshot_record *rec,
                          void **buf)
{
    char err[512];
    size_t len;
    bool found;

    assert_int_equal(state_dir_read(r->sd, SNAPSHOT_FILE, SNAPSHOT_MAX_BYTES,
                                    buf, &len, &found, err, sizeof(err)),
                     0);
    assert_true(found);
    if (snapshot_parse(*buf, len, "t", rec, err, sizeof(err)) < 0)
        fail_msg("%s", err);
}

static uint64_t get64(const unsigned char *p)
{
    uint64_t v = 0;

    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* ---- the hold and release protocol ---- */

static void test_snapshot_consistent_while_running(void **state)
{
    struct rig r;
    char err[512];
    uint64_t last_sent = 0;

    (void)state;
    rig_make(&r, 16, false, false);
    rig_start(&r);
    for (int k = 1; k <= 30; k++) {
        struct snapshot_record rec;
        struct prod_state ps;
        struct cons_state cs;
        const unsigned char *body;
        uint64_t head, tail;
        void *buf;

        assert_int_equal(snapshot_take(r.snap, 0, 5000, err, sizeof(err)), 0);
        assert_int_equal(steady_snapshot_done(r.actors[0]), (uint64_t)k);
        assert_int_equal(steady_snapshot_next(r.actors[0]), (uint64_t)k + 1);
        read_snapshot(&r, &rec, &buf);
        assert_int_equal(rec.number, (uint64_t)k);
        memcpy(&ps, rec.actors[0].state, sizeof(ps));
        memcpy(&cs, rec.actors[1].state, sizeof(cs));
        body = rec.channels[0].body;
        head = get64(body);
        tail = get64(body + 8);
        /* the one invariant a torn copy breaks */
        assert_int_equal(cs.wrong, 0);
        assert_int_equal(tail, ps.sent);
        assert_int_equal(head, cs.taken);
        for (uint64_t i = 0; i < tail - head; i++)
            assert_int_equal(get64(body + 56 + 8 * i), head + i);
        assert_true(ps.sent >= last_sent);
        last_sent = ps.sent;
        snapshot_record_fini(&rec);
        free(buf);
    }
    rig_stop(&r);
    /* it moved between snapshots: they were not all of an idle graph */
    assert_true(last_sent > 100);
    rig_free(&r);
}

static void test_snapshot_restores_states_and_channel(void **state)
{
    struct rig r, back;
    char err[512];
    bool found;
    struct prod_state *ps;
    struct cons_state *cs;
    uint64_t v, want;

    (void)state;
    rig_make(&r, 8, false, false);
    rig_start(&r);
    for (int k = 0; k < 5; k++)
        assert_int_equal(snapshot_take(r.snap, 0, 5000, err, sizeof(err)), 0);
    rig_stop(&r);
    /* a new graph of the same shape, in the same folder */
    rig_make(&back, 8, false, false);
    state_dir_close(back.sd);
    back.sd = NULL;
    snapshot_destroy(back.snap);
    {
        struct snapshot_desc d = { .graph = "snap",
                                   .actors = back.actors,
                                   .n_actors = back.n,
                                   .channels = &back.ch,
                                   .channel_names = back.names,
                                   .n_channels = 1 };

        back.snap = snapshot_create(&back.set, &d, r.sd, 1000);
        assert_non_null(back.snap);
        if (snapshot_restore(back.snap, &found, err, sizeof(err)) < 0)
            fail_msg("%s", err);
    }
    assert_true(found);
    ps = steady_state(back.actors[0]);
    cs = steady_state(back.actors[1]);
    assert_true(ps->sent > 0);
    /* the channel holds exactly what was sent and not taken, in order */
    assert_int_equal(steady_channel_avail(back.ch), ps->sent - cs->taken);
    want = cs->taken;
    while (steady_channel_try_take(back.ch, &v))
        assert_int_equal(v, want++);
    assert_int_equal(want, ps->sent);
    assert_int_equal(steady_snapshot_done(back.actors[0]), 5);
    assert_int_equal(steady_snapshot_next(back.actors[0]), 6);
    snapshot_destroy(back.snap);
    back.snap = NULL;
    for (size_t i = 0; i < back.n; i++)
        actor_destroy(back.actors[i]);
    steady_channel_destroy(back.ch);
    nftw(back.dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    rig_free(&r);
}

static void test_snapshot_skipped_when_an_actor_never_waits(void **state)
{
    struct rig r;
    char err[512];
    uint64_t t0;
    bool found;
    void *buf = NULL;
    size_t len;

    (void)state;
    rig_make(&r, 16, true, false);
    rig_start(&r);
    t0 = now_ns();
    assert_int_equal(snapshot_take(r.snap, 0, 100, err, sizeof(err)), 1);
    /* within the bound (and a margin for a loaded machine), no file */
    assert_true(now_ns() - t0 < 3000000000u);
    assert_int_equal(state_dir_read(r.sd, SNAPSHOT_FILE, SNAPSHOT_MAX_BYTES,
                                    &buf, &len, &found, err, sizeof(err)),
                     0);
    assert_false(found);
    assert_int_equal(steady_snapshot_done(r.actors[0]), 0);
    assert_int_equal(steady_snapshot_next(r.actors[0]), 1);
    /* the others were released: they still move */
    {
        uint64_t before = steady_channel_sent_total(r.ch);
        uint64_t until = now_ns() + 10000000000u;

        while (steady_channel_sent_total(r.ch) == before && now_ns() < until)
            usleep(1000);
        assert_true(steady_channel_sent_total(r.ch) > before);
    }
    rig_stop(&r);
    rig_free(&r);
}

static void test_snapshotted_met_only_once_written(void **state)
{
    struct rig r;
    char err[512];
    struct ack_state *s;

    (void)state;
    rig_make(&r, 16, false, true);
    s = steady_state(r.actors[2]);
    rig_start(&r);
    for (uint64_t k = 1; k <= 5; k++) {
        uint64_t until = now_ns() + 10000000000u;

        assert_int_equal(snapshot_take(r.snap, 0, 5000, err, sizeof(err)), 0);
        /* the acker saw snapshot k covered; acked is read racily, but only
         * moves up and is checked again after the join */
        while (__atomic_load_n(&s->acked, __ATOMIC_ACQUIRE) < k &&
               now_ns() < until)
            usleep(1000);
    }
    rig_stop(&r);
    assert_int_equal(s->early, 0);
    assert_true(s->acked >= 4);
    rig_free(&r);
}

static void test_snapshot_off_numbers_are_zero(void **state)
{
    struct actor_set set;
    struct steady_actor *a;
    struct steady_cond c;

    (void)state;
    actor_set_init(&set);
    a = actor_create("ack", &ack_desc, NULL, &set);
    assert_non_null(a);
    assert_int_equal(steady_snapshot_next(a), 0);
    assert_int_equal(steady_snapshot_done(a), 0);
    c = steady_snapshotted(a, 7);
    assert_int_equal(c.kind, STEADY_COND_SNAPSHOT);
    /* met at once when snapshots are off */
    assert_true(steady_await(a, true, &c, 1));
    actor_destroy(a);
}

/* ---- the file format ---- */

/* A snapshot of a fixed and a varsize channel with contents, encoded. */
static unsigned char *encode_sample(size_t *len, struct steady_actor **acts,
                                    struct steady_channel **chs,
                                    struct actor_set *set)
{
    static const char *names[2] = { "prod.out -> cons.in", "t.out -> u.in" };
    struct snapshot_desc d;
    unsigned char *buf;
    bool fin[2] = { false, true };

    actor_set_init(set);
    acts[0] = actor_create("prod", &prod_desc, NULL, set);
    acts[1] = actor_create("cons", &cons_desc, NULL, set);
    chs[0] = steady_channel_create(4, 8, "u64");
    chs[1] = steady_channel_create_varsize(3, 100, "text");
    assert_non_null(acts[0]);
    assert_non_null(chs[1]);
    ((struct prod_state *)steady_state(acts[0]))->sent = 42;
    for (uint64_t v = 10; v < 13; v++)
        assert_true(steady_channel_try_send(chs[0], &v));
    {
        uint64_t v;

        assert_true(steady_channel_try_take(chs[0], &v));
    }
    /* wrap the byte ring: messages of 40 bytes in a 128-byte ring */
    for (int i = 0; i < 5; i++) {
        char m[40];
        size_t n;

        memset(m, 'a' + i, sizeof(m));
        assert_true(steady_channel_send_msg(chs[1], m, sizeof(m)));
        if (i < 3) {
            assert_non_null(steady_channel_peek_msg(chs[1], &n));
            steady_channel_take_msg(chs[1]);
        }
    }
    d = (struct snapshot_desc){ .graph = "g",
                                .actors = acts,
                                .n_actors = 2,
                                .channels = chs,
                                .channel_names = names,
                                .n_channels = 2 };
    *len = snapshot_size(&d);
    buf = malloc(*len);
    assert_non_null(buf);
    snapshot_encode(&d, 9, SNAPSHOT_SHUTDOWN, fin, buf);
    return buf;
}

static void test_format_round_trip(void **state)
{
    struct actor_set set;
    struct steady_actor *acts[2];
    struct steady_channel *chs[2], *fresh[2];
    struct snapshot_record rec;
    struct snapshot_desc d;
    const char *names[2] = { "prod.out -> cons.in", "t.out -> u.in" };
    char err[512];
    size_t len, n;
    unsigned char *buf = encode_sample(&len, acts, chs, &set);
    uint64_t v;
    const char *m;

    (void)state;
    if (snapshot_parse(buf, len, "t", &rec, err, sizeof(err)) < 0)
        fail_msg("%s", err);
    assert_int_equal(rec.number, 9);
    assert_int_equal(rec.flags, SNAPSHOT_SHUTDOWN);
    assert_int_equal(rec.n_actors, 2);
    assert_false(rec.actors[0].finished);
    assert_true(rec.actors[1].finished);
    d = (struct snapshot_desc){ .graph = "g",
                                .actors = acts,
                                .n_actors = 2,
                                .channels = chs,
                                .channel_names = names,
                                .n_channels = 2 };
    assert_int_equal(snapshot_match(&rec, &d, "t", err, sizeof(err)), 0);
    fresh[0] = steady_channel_create(4, 8, "u64");
    fresh[1] = steady_channel_create_varsize(3, 100, "text");
    channel_snap_load(fresh[0], rec.channels[0].body, false);
    channel_snap_load(fresh[1], rec.channels[1].body, false);
    assert_int_equal(steady_channel_taken_total(fresh[0]), 1);
    assert_int_equal(steady_channel_sent_total(fresh[0]), 3);
    assert_true(steady_channel_try_take(fresh[0], &v));
    assert_int_equal(v, 11);
    assert_true(steady_channel_try_take(fresh[0], &v));
    assert_int_equal(v, 12);
    assert_false(steady_channel_try_take(fresh[0], &v));
    for (int i = 3; i < 5; i++) {
        m = steady_channel_peek_msg(fresh[1], &n);
        assert_non_null(m);
        assert_int_equal(n, 40);
        assert_int_equal(m[0], 'a' + i);
        assert_int_equal(m[39], 'a' + i);
        steady_channel_take_msg(fresh[1]);
    }
    assert_null(steady_channel_peek_msg(fresh[1], &n));
    /* the restored ring goes on working past its wrap */
    for (int i = 0; i < 6; i++) {
        char out[40];

        memset(out, 'x', sizeof(out));
        assert_true(steady_channel_send_msg(fresh[1], out, 30));
        m = steady_channel_peek_msg(fresh[1], &n);
        assert_int_equal(n, 30);
        steady_channel_take_msg(fresh[1]);
    }
    snapshot_record_fini(&rec);
    for (int i = 0; i < 2; i++) {
        steady_channel_destroy(fresh[i]);
        steady_channel_destroy(chs[i]);
        actor_destroy(acts[i]);
    }
    free(buf);
}

static void test_format_refuses_damage(void **state)
{
    struct actor_set set;
    struct steady_actor *acts[2];
    struct steady_channel *chs[2];
    struct snapshot_record rec;
    char err[512];
    size_t len;
    unsigned char *buf = encode_sample(&len, acts, chs, &set);

    (void)state;
    /* every truncation */
    for (size_t cut = 0; cut < len; cut++) {
        assert_int_equal(snapshot_parse(buf, cut, "t", &rec, err, sizeof(err)),
                         -1);
        assert_non_null(strstr(err, "t: "));
    }
    /* every flipped byte: the checksum or the header catches it */
    for (size_t i = 0; i < len; i++) {
        buf[i] ^= 0x40;
        assert_int_equal(snapshot_parse(buf, len, "t", &rec, err, sizeof(err)),
                         -1);
        buf[i] ^= 0x40;
    }
    assert_int_equal(snapshot_parse(buf, len, "t", &rec, err, sizeof(err)), 0);
    snapshot_record_fini(&rec);
    for (int i = 0; i < 2; i++) {
        steady_channel_destroy(chs[i]);
        actor_destroy(acts[i]);
    }
    free(buf);
}

static void test_format_refuses_another_graph(void **state)
{
    struct actor_set set;
    struct steady_actor *acts[2], *other;
    struct steady_channel *chs[2], *bigger;
    struct snapshot_record rec;
    struct snapshot_desc d;
    const char *names[2] = { "prod.out -> cons.in", "t.out -> u.in" };
    char err[512];
    size_t len;
    unsigned char *buf = encode_sample(&len, acts, chs, &set);

    (void)state;
    assert_int_equal(snapshot_parse(buf, len, "F", &rec, err, sizeof(err)), 0);
    d = (struct snapshot_desc){ .graph = "h",
                                .actors = acts,
                                .n_actors = 2,
                                .channels = chs,
                                .channel_names = names,
                                .n_channels = 2 };
    assert_int_equal(snapshot_match(&rec, &d, "F", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "graph 'g', this is graph 'h'"));
    assert_non_null(strstr(err, "move F away"));
    d.graph = "g";
    d.n_channels = 1;
    assert_int_equal(snapshot_match(&rec, &d, "F", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "2 channels"));
    d.n_channels = 2;
    other = actor_create("cons", &spin_desc, NULL, &set);
    d.actors = (struct steady_actor *[]){ acts[0], other };
    assert_int_equal(snapshot_match(&rec, &d, "F", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "actor 'cons' ran plugin 'cons'"));
    d.actors = acts;
    bigger = steady_channel_create(8, 8, "u64");
    d.channels = (struct steady_channel *[]){ bigger, chs[1] };
    assert_int_equal(snapshot_match(&rec, &d, "F", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "had capacity 4"));
    snapshot_record_fini(&rec);
    steady_channel_destroy(bigger);
    actor_destroy(other);
    for (int i = 0; i < 2; i++) {
        steady_channel_destroy(chs[i]);
        actor_destroy(acts[i]);
    }
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_round_trip),
        cmocka_unit_test(test_format_refuses_damage),
        cmocka_unit_test(test_format_refuses_another_graph),
        cmocka_unit_test(test_snapshot_off_numbers_are_zero),
        cmocka_unit_test(test_snapshot_consistent_while_running),
        cmocka_unit_test(test_snapshot_restores_states_and_channel),
        cmocka_unit_test(test_snapshot_skipped_when_an_actor_never_waits),
        cmocka_unit_test(test_snapshotted_met_only_once_written),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* fd_wait.c - waits on file descriptors (see fd_wait.h): the readable and
 * writable conditions, their poll while an await looks at its conditions,
 * the solo actor's sleep on them beside its waker, and a troupe's union of
 * its parked members' fds.
 *
 * poll(2) rather than epoll: a wait names its fds anew each time (nothing
 * to register or forget when an fd closes between waits), the same fd may
 * appear twice, and regular files work (always ready). An await names a
 * handful of fds, and a troupe polls the union of what its parked members
 * wait on, so poll's cost in the number of fds does not matter here.
 */
#include "fd_wait.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

/* The fd travels in the condition's n (the struct's layout is ABI). */
static struct steady_cond fd_cond_make(enum steady_cond_kind kind, int fd)
{
    return (struct steady_cond){ .kind = kind, .n = (size_t)(unsigned)fd };
}

static int cond_fd(const struct steady_cond *c)
{
    return (int)(unsigned)c->n;
}

struct steady_cond steady_readable(struct steady_actor *a, int fd)
{
    (void)a;
    return fd_cond_make(STEADY_COND_READABLE, fd);
}

struct steady_cond steady_writable(struct steady_actor *a, int fd)
{
    (void)a;
    return fd_cond_make(STEADY_COND_WRITABLE, fd);
}

static const char *what(const struct pollfd *p)
{
    return p->events & POLLIN ? "readable" : "writable";
}

static int grow(struct fd_wait *f, size_t n)
{
    struct pollfd *p;

    if (n <= f->cap)
        return 0;
    p = realloc(f->pfds, (n + 1) * sizeof(*p));
    if (!p)
        return -1;
    f->pfds = p;
    f->cap = n;
    return 0;
}

size_t fd_wait_prepare(struct steady_actor *a, const struct steady_cond *conds,
                       size_t n)
{
    struct fd_wait *f = a->fdw;
    size_t count = 0, k = 0;

    for (size_t i = 0; i < n; i++)
        if (fd_cond(&conds[i]))
            count++;
    if (!count)
        return 0;
    if (!f) {
        f = calloc(1, sizeof(*f));
        if (!f)
            steady_panic(a, "no memory to wait on %zu file descriptor%s", count,
                         count == 1 ? "" : "s");
        a->fdw = f;
    }
    f->n = 0;
    if (grow(f, count) < 0)
        steady_panic(a, "no memory to wait on %zu file descriptor%s", count,
                     count == 1 ? "" : "s");
    for (size_t i = 0; i < n; i++) {
        const struct steady_cond *c = &conds[i];
        int fd = cond_fd(c);
        bool rd = c->kind == STEADY_COND_READABLE;

        if (!fd_cond(c))
            continue;
        if (fd < 0)
            steady_panic(a,
                         "waits for fd %d to be %s, but %d is not a file "
                         "descriptor",
                         fd, rd ? "readable" : "writable", fd);
        /* POLLRDHUP tells a socket whose peer stopped sending (end of
         * file) from one with data: the spin detector needs it */
        f->pfds[1 + k++] = (struct pollfd){
            .fd = fd, .events = rd ? (short)(POLLIN | POLLRDHUP) : POLLOUT
        };
    }
    if (waker_poll_prepare(a->waker) < 0)
        steady_panic(a, "cannot wait on fd %d: no eventfd to sleep on: %s",
                     f->pfds[1].fd, strerror(errno));
    f->n = count;
    return count;
}

void fd_wait_poll(struct steady_actor *a)
{
    struct fd_wait *f = a->fdw;
    int rc;

    do
        rc = poll(f->pfds + 1, (nfds_t)f->n, 0);
    while (rc < 0 && errno == EINTR);
    if (rc < 0)
        steady_panic(a, "cannot poll fd %d%s: %s", f->pfds[1].fd,
                     f->n > 1 ? " and the other fds it waits on" : "",
                     strerror(errno));
    for (size_t k = 1; k <= f->n; k++)
        if (f->pfds[k].revents & POLLNVAL)
            steady_panic(a,
                         "waits for fd %d to be %s, but fd %d is not open "
                         "(closed before the wait?)",
                         f->pfds[k].fd, what(&f->pfds[k]), f->pfds[k].fd);
}

bool fd_wait_ready(const struct steady_actor *a, size_t k)
{
    /* only asked-for events, POLLHUP and POLLERR come back (POLLNVAL
     * panicked): any is "met" */
    return a->fdw->pfds[1 + k].revents != 0;
}

/* The fd has reached its end: a wait on it will always be met at once,
 * and nothing can be done with it but close it. */
static bool ended(const struct pollfd *p)
{
    int left = 0;

    if (p->events & POLLOUT)
        return p->revents & (POLLERR | POLLHUP);
    if (!(p->revents & (POLLHUP | POLLRDHUP | POLLERR)))
        return false;
    /* hung up, but what was sent before may still be there to read */
    if (!(p->revents & POLLIN))
        return true;
    return ioctl(p->fd, FIONREAD, &left) == 0 && left == 0;
}

int fd_wait_ended(const struct steady_actor *a, size_t met, bool *readable)
{
    const struct fd_wait *f = a->fdw;
    size_t n_ended = 0;
    int fd = -1;

    if (!f || !met)
        return -1;
    for (size_t k = 1; k <= f->n; k++) {
        if (!f->pfds[k].revents)
            continue;
        if (!ended(&f->pfds[k]))
            return -1; /* met by an fd with something to do */
        if (!n_ended++) {
            fd = f->pfds[k].fd;
            *readable = f->pfds[k].events & POLLIN;
        }
    }
    return n_ended == met ? fd : -1;
}

void fd_wait_after(struct steady_actor *a, bool waited)
{
    struct fd_wait *f = a->fdw;

    /* a solo actor has its thread to itself */
    if (waited || a->waker == &a->own_waker) {
        f->at_once = 0;
        return;
    }
    if (++f->at_once < FD_YIELD_EVERY)
        return;
    f->at_once = 0;
    /* parked on a counter value already past: runnable again as soon as
     * the troupe's other members had their turn */
    a->park(a, waker_seq(a->waker) - 1, 0);
}

struct fd_wait *fd_wait_park(struct steady_actor *a)
{
    struct fd_wait *f = a->fdw;
    size_t watched = 0;

    /* poll skips a negative fd (and leaves its revents 0): ~fd hides a
     * met one from the sleep, troupe's union included, and keeps it */
    for (size_t k = 1; k <= f->n; k++) {
        if (f->pfds[k].revents)
            f->pfds[k].fd = ~f->pfds[k].fd;
        else
            watched++;
    }
    return watched ? f : NULL;
}

void fd_wait_unpark(struct steady_actor *a)
{
    struct fd_wait *f = a->fdw;

    for (size_t k = 1; k <= f->n; k++)
        if (f->pfds[k].fd < 0)
            f->pfds[k].fd = ~f->pfds[k].fd;
}

void fd_wait_sleep(struct steady_actor *a, struct fd_wait *f, uint32_t seen,
                   uint64_t deadline_ns)
{
    uint64_t soon;

    if (waker_poll(a->waker, seen, deadline_ns, f->pfds, f->n + 1) >= 0)
        return;
    /* poll itself failed (out of memory): a short sleep without the fds
     * rather than none; the await polls them again when it wakes, and a
     * lasting error ends the run there */
    soon = now_ns() + NS_PER_MS;
    waker_wait(a->waker, seen,
               deadline_ns && deadline_ns < soon ? deadline_ns : soon);
}

void fd_wait_free(struct fd_wait *f)
{
    if (!f)
        return;
    free(f->pfds);
    free(f);
}

/* ---- a troupe's union ---- */

void fd_union_reset(struct fd_union *u)
{
    u->n = 1;
}

int fd_union_add(struct fd_union *u, const struct fd_wait *f, size_t owner)
{
    size_t need;

    if (u->n == 0)
        u->n = 1; /* [0] is the waker's */
    need = u->n + f->n;
    if (need > u->cap) {
        size_t cap = need * 2;
        struct pollfd *p = realloc(u->pfds, cap * sizeof(*p));
        size_t *o;

        if (!p)
            return -1;
        u->pfds = p;
        o = realloc(u->owner, cap * sizeof(*o));
        if (!o)
            return -1;
        u->owner = o;
        u->cap = cap;
    }
    memcpy(&u->pfds[u->n], &f->pfds[1], f->n * sizeof(*u->pfds));
    for (size_t j = 0; j < f->n; j++)
        u->owner[u->n + j] = owner;
    u->n += f->n;
    return 0;
}

int fd_union_wait(struct fd_union *u, struct waker *w, uint32_t seen,
                  uint64_t deadline_ns, bool sleep)
{
    int rc;

    if (sleep)
        return waker_poll(w, seen, deadline_ns, u->pfds, u->n);
    do
        rc = poll(u->pfds + 1, (nfds_t)(u->n - 1), 0);
    while (rc < 0 && errno == EINTR);
    return rc;
}

void fd_union_free(struct fd_union *u)
{
    free(u->pfds);
    free(u->owner);
    u->pfds = NULL;
    u->owner = NULL;
    u->n = u->cap = 0;
}

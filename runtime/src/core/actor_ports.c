/* actor_ports.c - channel operations by port (<steady/actor.h>): sends
 * and takes that check the port's direction, peek counting with the
 * showstopper test, dead letters, counts and close; the channels of a
 * bundle and the type a port resolved to. On the actor's thread.
 */
#include "actor_impl.h"
#include "channel_impl.h"

#include <stdio.h>
#include <string.h>

struct actor_port *actor_port_of(struct steady_actor *a, unsigned port,
                                 enum steady_port_dir dir)
{
    if (port >= a->plugin->n_ports)
        steady_panic(a, "port %u does not exist (plugin '%s' has %zu)", port,
                     a->plugin->name, a->plugin->n_ports);
    if (a->ports[port].desc->dir != dir)
        steady_panic(a, "port '%s' is an %s, used as an %s",
                     a->ports[port].desc->name,
                     dir == STEADY_IN ? "output" : "input",
                     dir == STEADY_IN ? "input" : "output");
    return &a->ports[port];
}

struct steady_channel *actor_in(struct steady_actor *a, unsigned port)
{
    return actor_port_of(a, port, STEADY_IN)->ch;
}

struct steady_channel *actor_out(struct steady_actor *a, unsigned port)
{
    return actor_port_of(a, port, STEADY_OUT)->ch;
}

struct steady_channel *steady_port(struct steady_actor *a, unsigned port)
{
    if (port >= a->plugin->n_ports)
        steady_panic(a, "port %u does not exist", port);
    return a->ports[port].ch;
}

bool steady_connected(struct steady_actor *a, unsigned port)
{
    return steady_port(a, port) != NULL;
}

unsigned steady_wired(struct steady_actor *a, unsigned port)
{
    if (port >= a->plugin->n_ports)
        steady_panic(a, "port %u does not exist", port);
    return a->ports[port].n_wired;
}

struct steady_channel *steady_port_at(struct steady_actor *a, unsigned port,
                                      unsigned i)
{
    if (port >= a->plugin->n_ports)
        steady_panic(a, "port %u does not exist", port);
    return actor_port_at(&a->ports[port], i);
}

const char *steady_port_type(struct steady_actor *a, unsigned port)
{
    if (port >= a->plugin->n_ports)
        steady_panic(a, "port %u does not exist", port);
    return a->ports[port].type_name;
}

size_t steady_port_elem_size(struct steady_actor *a, unsigned port)
{
    if (port >= a->plugin->n_ports)
        steady_panic(a, "port %u does not exist", port);
    return a->ports[port].elem_size;
}

const char *actor_port_label(const struct actor_port *p, size_t i, char *buf,
                             size_t len)
{
    if (p->bundle)
        snprintf(buf, len, "%s[%zu]", p->desc->name, i);
    else
        snprintf(buf, len, "%s", p->desc->name);
    return buf;
}

bool steady_try_send(struct steady_actor *a, unsigned port, const void *item)
{
    struct steady_channel *ch = actor_out(a, port);

    return ch && steady_channel_try_send(ch, item);
}

bool steady_try_take(struct steady_actor *a, unsigned port, void *item)
{
    struct steady_channel *ch = actor_in(a, port);

    return ch && steady_channel_try_take(ch, item);
}

bool steady_try_peek(struct steady_actor *a, unsigned port, void *item)
{
    struct steady_channel *ch = actor_in(a, port);
    struct actor_port *p = &a->ports[port];
    uint64_t at;

    if (!ch || !steady_channel_try_peek(ch, item))
        return false;
    /* the same position peeked again, across restarts too, means the item
     * was not taken: the last run may have died processing it */
    at = steady_channel_taken_total(ch);
    if (p->peeks && p->peek_pos == at) {
        p->peeks++;
    } else {
        p->peek_pos = at;
        p->peeks = 1;
    }
    return true;
}

unsigned steady_peek_count(struct steady_actor *a, unsigned port)
{
    struct steady_channel *ch = actor_in(a, port);
    struct actor_port *p = &a->ports[port];

    if (!ch || !p->peeks || p->peek_pos != steady_channel_taken_total(ch))
        return 0;
    return p->peeks;
}

bool steady_is_showstopper(struct steady_actor *a, unsigned port,
                           unsigned threshold)
{
    return threshold && steady_peek_count(a, port) >= threshold;
}

/* Dead letters logged whole, each; after them a count at powers of two. */
#define DEAD_LETTERS_LOGGED 10

bool steady_dead_letter(struct steady_actor *a, unsigned port, const char *why)
{
    struct steady_channel *ch = actor_in(a, port);
    unsigned char item[64];
    char hex[2 * sizeof(item) + 4];
    size_t size, shown;
    unsigned peeks = steady_peek_count(a, port);
    uint64_t n;

    if (!ch)
        return false;
    size = steady_channel_elem_size(ch);
    shown = size < sizeof(item) ? size : sizeof(item);
    if (steady_channel_is_varsize(ch)) {
        const void *msg = steady_channel_peek_msg(ch, &size);

        if (!msg)
            return false;
        shown = size < sizeof(item) ? size : sizeof(item);
        memcpy(item, msg, shown);
        steady_channel_take_msg(ch);
    } else if (size <= sizeof(item)) {
        if (!steady_channel_try_take(ch, item))
            return false;
    } else {
        struct steady_span spans[2];

        if (!steady_channel_borrow_read(ch, spans, 1))
            return false;
        memcpy(item, spans[0].ptr, shown);
        steady_channel_commit_take(ch, 1);
    }
    a->ports[port].peeks = 0;
    n = ++a->dead_letters;
    if (n > DEAD_LETTERS_LOGGED) {
        if ((n & (n - 1)) == 0) /* a power of two: now and then */
            steady_warn(a,
                        "%llu dead letters so far (the latest on '%s': %s); "
                        "after the first %d each is no longer logged",
                        (unsigned long long)n, a->ports[port].desc->name,
                        why ? why : "set aside", DEAD_LETTERS_LOGGED);
        return true;
    }
    for (size_t i = 0; i < shown; i++)
        snprintf(hex + 2 * i, 3, "%02x", item[i]);
    if (shown < size)
        strcpy(hex + 2 * shown, "...");
    steady_warn(a,
                "dead letter on '%s' after %u peek%s: %s; item (%zu bytes, "
                "'%s') %s",
                a->ports[port].desc->name, peeks, peeks == 1 ? "" : "s",
                why ? why : "set aside", size, steady_channel_type_name(ch),
                hex);
    return true;
}

size_t steady_avail_count(struct steady_actor *a, unsigned port)
{
    struct steady_channel *ch = actor_in(a, port);

    return ch ? channel_avail(ch) : 0;
}

size_t steady_vacant_count(struct steady_actor *a, unsigned port)
{
    struct steady_channel *ch = actor_out(a, port);

    return ch ? channel_vacant(ch) : 0;
}

bool steady_is_closed_and_empty(struct steady_actor *a, unsigned port)
{
    struct steady_channel *ch = actor_in(a, port);
    bool ended = !ch || steady_channel_is_closed_and_empty(ch);

    if (ended && ch)
        a->input_closed_seen = true;
    return ended;
}

void steady_close(struct steady_actor *a, unsigned port)
{
    const struct actor_port *p = actor_port_of(a, port, STEADY_OUT);

    /* the port: every channel of a bundle */
    for (unsigned k = 0; k < p->n_wired; k++)
        steady_channel_close(p->chs[k]);
}

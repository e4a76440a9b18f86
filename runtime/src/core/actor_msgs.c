/* actor_msgs.c - the message calls of <steady/actor.h> (ABI 1.1): one
 * message in or out by port, on a variable-size channel or (a message being
 * one item) a fixed-size one, with the peek count of steady_try_peek for
 * the showstopper test. On the actor's thread.
 */
#include "actor_impl.h"
#include "channel_impl.h"

#include <errno.h>

bool steady_send_msg(struct steady_actor *a, unsigned port, const void *msg,
                     size_t len)
{
    struct steady_channel *ch = actor_out(a, port);
    struct actor_port *p = &a->ports[port];
    int saved;

    if (!ch)
        return false;
    if (steady_channel_send_msg(ch, msg, len))
        return true;
    saved = errno;
    /* a message that can never fit is a bug of the sender or a channel
     * set too small: say so once, not at every retry */
    if (saved == EMSGSIZE && !p->msg_size_logged) {
        p->msg_size_logged = true;
        if (steady_channel_is_varsize(ch))
            steady_error(a,
                         "message of %zu bytes on output '%s' can never be "
                         "sent: its channel holds at most %zu bytes (raise "
                         "the channel's 'bytes:' in the graph file)",
                         len, p->desc->name, steady_channel_byte_capacity(ch));
        else
            steady_error(a,
                         "message of %zu bytes on output '%s' can never be "
                         "sent: its channel carries '%s' items of %zu bytes "
                         "(byte capacity %zu)",
                         len, p->desc->name, steady_channel_type_name(ch),
                         steady_channel_elem_size(ch),
                         steady_channel_byte_capacity(ch));
    }
    errno = saved;
    return false;
}

const void *steady_peek_msg(struct steady_actor *a, unsigned port, size_t *len)
{
    struct steady_channel *ch = actor_in(a, port);
    struct actor_port *p = &a->ports[port];
    const void *msg;
    uint64_t at;

    if (!ch)
        return NULL;
    msg = steady_channel_peek_msg(ch, len);
    if (!msg)
        return NULL;
    /* as steady_try_peek: the same position peeked again, across restarts
     * too, means the message was not taken */
    at = steady_channel_taken_total(ch);
    if (p->peeks && p->peek_pos == at) {
        p->peeks++;
    } else {
        p->peek_pos = at;
        p->peeks = 1;
    }
    return msg;
}

void steady_take_msg(struct steady_actor *a, unsigned port)
{
    struct steady_channel *ch = actor_in(a, port);

    if (ch)
        steady_channel_take_msg(ch);
}

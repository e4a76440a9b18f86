/* tp_textsrc.c - sends `count` text messages of varying length (see
 * tp_text.h) on a variable-size port, then ends, so the graph ends by
 * itself. By default it writes each message in place (reserve and
 * commit); `copy` sends copies with steady_send_msg. `big` first tries one
 * message of that many bytes, which a channel with fewer bytes refuses. */
#include "tp_text.h"

#include <errno.h>
#include <stdlib.h>
#include <steady/steady.h>

enum { OUT };

struct textsrc_state {
    uint64_t next;  /* the next message to send */
    uint64_t bytes; /* bytes sent so far */
    bool big_done;
};

static int run(struct steady_actor *a)
{
    struct textsrc_state *s = steady_state(a);
    struct steady_channel *out = steady_port(a, OUT);
    uint64_t count = (uint64_t)steady_param_int(a, "count");
    size_t max_body = (size_t)steady_param_int(a, "max_len");
    int64_t big_param = steady_param_int(a, "big");
    size_t big = big_param > 0 ? (size_t)big_param : 0;
    bool copy = steady_param_bool(a, "copy");
    char *buf = malloc(max_body + 32 > big ? max_body + 32 : big);

    if (!buf)
        return steady_fail(a, "out of memory");
    if (big > 0 && !s->big_done) {
        s->big_done = true;
        for (size_t j = 0; j < big; j++)
            buf[j] = 'B';
        if (steady_send_msg(a, OUT, buf, big))
            steady_info(a, "the big message of %zu bytes was sent", big);
    }
    while (s->next < count && steady_running(a)) {
        size_t len = tp_text_len(s->next, max_body);
        char *at = buf;

        if (!steady_await_all(a, steady_vacant(a, OUT, len)))
            continue;
        if (!copy && !(at = steady_channel_reserve(out, len))) {
            if (errno == EMSGSIZE)
                break;
            continue;
        }
        tp_text_write(at, s->next, max_body);
        if (!copy) {
            steady_channel_commit_reserved(out, len);
        } else if (!steady_send_msg(a, OUT, buf, len)) {
            if (errno == EMSGSIZE)
                break;
            continue;
        }
        s->next++;
        s->bytes += len;
    }
    free(buf);
    steady_info(a, "sent %llu messages, %llu bytes",
                (unsigned long long)s->next, (unsigned long long)s->bytes);
    if (s->next < count && !steady_shutdown_requested(a))
        return steady_fail(a, "message %llu of %zu bytes can never be sent",
                           (unsigned long long)s->next,
                           tp_text_len(s->next, max_body));
    return 0;
}

static const struct steady_port_desc ports[] = {
    [OUT] = { .name = "out",
              .dir = STEADY_OUT,
              .type_name = "text",
              .elem_size = STEADY_VARSIZE,
              .required = true },
};

static const struct steady_param_desc params[] = {
    { .name = "count",
      .type = STEADY_PARAM_INT,
      .default_value = "100",
      .doc = "messages to send" },
    { .name = "max_len",
      .type = STEADY_PARAM_INT,
      .default_value = "300",
      .doc = "longest body of a message, in bytes" },
    { .name = "copy",
      .type = STEADY_PARAM_BOOL,
      .default_value = "false",
      .doc = "send copies (steady_send_msg) instead of writing in place" },
    { .name = "big",
      .type = STEADY_PARAM_INT,
      .default_value = "0",
      .doc = "first try one message of this many bytes (0: none)" },
};

static const struct steady_plugin desc = {
    STEADY_PLUGIN_HEADER,
    .name = "tp_textsrc",
    .version = "1.0",
    .summary = "sends numbered text messages of varying length, then ends",
    .ports = STEADY_PORTS(ports),
    .params = STEADY_PARAMS(params),
    .state_size = sizeof(struct textsrc_state),
    .run = run,
};

STEADY_PLUGIN_DEFINE(desc)

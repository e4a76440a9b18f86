/* nats_probe.c - a TCP connection to the NATS server, with a deadline, so
 * that `steady run` refuses at once (exit 2) to start a node whose server
 * does not answer, naming the address. The bridges connect for real; this
 * only tells a typo or a server not started from a slow network.
 */
#include "nats_probe.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* 0 when host:port accepts a connection within timeout_ms; -1 with why. */
static int try_connect(const char *host, const char *port, int timeout_ms,
                       char *why, size_t len)
{
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
    int rc, last = ECONNREFUSED;

    rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        snprintf(why, len, "cannot resolve '%s': %s", host, gai_strerror(rc));
        return -1;
    }
    for (ai = res; ai; ai = ai->ai_next) {
        int fd = socket(ai->ai_family,
                        ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                        ai->ai_protocol);
        struct pollfd p = { .fd = fd, .events = POLLOUT };
        socklen_t elen = sizeof(last);

        if (fd < 0)
            continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            close(fd);
            freeaddrinfo(res);
            return 0;
        }
        last = errno;
        if (errno == EINPROGRESS) {
            if (poll(&p, 1, timeout_ms) == 1 &&
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &last, &elen) == 0 &&
                last == 0) {
                close(fd);
                freeaddrinfo(res);
                return 0;
            }
            if (last == EINPROGRESS || last == 0)
                last = ETIMEDOUT;
        }
        close(fd);
    }
    freeaddrinfo(res);
    snprintf(why, len, "%s", strerror(last));
    return -1;
}

/* Splits one server of the list into host and port (4222 by default). */
static void split(const char *s, size_t n, char *host, size_t hlen, char *port,
                  size_t plen)
{
    const char *end = s + n, *sep = memmem(s, n, "://", 3), *at, *colon;

    if (sep)
        s = sep + 3;
    at = memchr(s, '@', (size_t)(end - s));
    if (at)
        s = at + 1;
    colon = memchr(s, ':', (size_t)(end - s));
    snprintf(host, hlen, "%.*s", (int)((colon ? colon : end) - s), s);
    if (colon)
        snprintf(port, plen, "%.*s", (int)(end - colon - 1), colon + 1);
    else
        snprintf(port, plen, "4222");
}

int nats_probe(const char *url, int timeout_ms, char *err, size_t errlen)
{
    const char *s = url;
    char host[256], port[16], why[512] = "";

    for (;;) {
        size_t n = strcspn(s, ",");

        split(s, n, host, sizeof(host), port, sizeof(port));
        if (try_connect(host, port, timeout_ms, why, sizeof(why)) == 0)
            return 0;
        if (!s[n])
            break;
        s += n + 1;
    }
    snprintf(err, errlen,
             "the NATS server at '%s' does not answer (%s); start it with "
             "JetStream (nats-server -js) or give its address in nats.url "
             "or --nats URL",
             url, why);
    return -1;
}

/* listen.c - telemetry listen addresses (see listen.h). */
#include "listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum listen_result listen_parse(const char *s, char *addr, size_t addrlen,
                                int *port)
{
    const char *colon = strrchr(s, ':');
    const char *host = s;
    unsigned char bin[16];
    size_t host_len;
    char *end;
    long p;

    if (strcmp(s, "off") == 0)
        return LISTEN_OFF;
    if (!colon || colon == s)
        return LISTEN_BAD_FORM;
    errno = 0;
    p = strtol(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end || errno || p < 0 || p > 65535)
        return LISTEN_BAD_PORT;
    host_len = (size_t)(colon - s);
    if (host_len >= 2 && host[0] == '[' && host[host_len - 1] == ']') {
        host++;
        host_len -= 2;
    }
    if (host_len == 0 || host_len >= addrlen)
        return LISTEN_BAD_ADDRESS;
    memcpy(addr, host, host_len);
    addr[host_len] = '\0';
    if (strcmp(addr, "localhost") == 0) {
        if (addrlen < sizeof("127.0.0.1"))
            return LISTEN_BAD_ADDRESS;
        strcpy(addr, "127.0.0.1");
    }
    if (inet_pton(AF_INET, addr, bin) != 1 &&
        inet_pton(AF_INET6, addr, bin) != 1)
        return LISTEN_BAD_ADDRESS;
    *port = (int)p;
    return LISTEN_ADDRESS;
}

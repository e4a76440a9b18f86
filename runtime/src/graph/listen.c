/* listen.c - telemetry listen addresses (see listen.h). */
#include "listen.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

/* A port: "0", or 1 to 65535 in decimal digits only (no sign, space or
 * leading zero). -1 otherwise. */
static long parse_port(const char *s)
{
    long p = 0;

    if (s[0] == '0')
        return s[1] ? -1 : 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        p = p * 10 + (*s - '0');
        if (p > 65535)
            return -1;
    }
    return p;
}

enum listen_result listen_parse(const char *s, char *addr, size_t addrlen,
                                int *port)
{
    const char *colon = strrchr(s, ':');
    const char *host = s;
    unsigned char bin[16];
    size_t host_len;
    long p;

    if (strcmp(s, "off") == 0)
        return LISTEN_OFF;
    if (!colon || colon == s)
        return LISTEN_BAD_FORM;
    p = parse_port(colon + 1);
    if (p < 0)
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

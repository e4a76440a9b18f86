/* fuzz_listen.c - the telemetry listen-address parser, with the buffer as
 * large as the graph loader gives it and as small as the text: any text
 * gives one of the results, and an address is a valid one, NUL-terminated
 * inside the buffer, with a port from 0 to 65535.
 */
#include "listen.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const char *s, size_t addrlen)
{
    char *addr = malloc(addrlen); /* exact size: ASan sees any overflow */
    unsigned char bin[16];
    int port = -1;

    if (!addr)
        abort();
    switch (listen_parse(s, addr, addrlen, &port)) {
    case LISTEN_ADDRESS:
        if (port < 0 || port > 65535 || strnlen(addr, addrlen) == addrlen ||
            (inet_pton(AF_INET, addr, bin) != 1 &&
             inet_pton(AF_INET6, addr, bin) != 1)) {
            fprintf(stderr, "fuzz_listen: '%s' gave address '%.*s' port %d\n",
                    s, (int)addrlen, addr, port);
            abort();
        }
        break;
    case LISTEN_OFF:
        if (strcmp(s, "off") != 0)
            abort();
        break;
    case LISTEN_BAD_FORM:
    case LISTEN_BAD_PORT:
    case LISTEN_BAD_ADDRESS:
        break;
    default:
        abort();
    }
    free(addr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);

    if (!s)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    check(s, 64);
    check(s, size + 1);
    if (size > 1)
        check(s, size / 2);
    free(s);
    return 0;
}

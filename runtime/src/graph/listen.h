/* listen.h - parses a telemetry listen address, "ADDR:PORT" or "off", the
 * same way for the graph file's telemetry.listen and for --telemetry.
 */
#ifndef STEADY_LISTEN_H
#define STEADY_LISTEN_H

#include <stddef.h>

enum listen_result {
    LISTEN_ADDRESS,     /* addr and port are set */
    LISTEN_OFF,         /* "off" */
    LISTEN_BAD_FORM,    /* not ADDR:PORT */
    LISTEN_BAD_PORT,    /* port not 0, or 1..65535 in digits only */
    LISTEN_BAD_ADDRESS, /* not an IPv4 or IPv6 address (or localhost) */
};

/* Parses s. IPv6 may be bracketed ("[::1]:9900"); "localhost" becomes
 * 127.0.0.1. addr receives the address without brackets. */
enum listen_result listen_parse(const char *s, char *addr, size_t addrlen,
                                int *port);

#endif

/* nats_probe.h - whether the NATS server a graph names answers at all,
 * before any actor starts: an unreachable server or an address that does
 * not resolve is a usage error (exit 2) naming it, not an actor's failure.
 */
#ifndef STEADY_NATS_PROBE_H
#define STEADY_NATS_PROBE_H

#include <stddef.h>

/* Tries a TCP connection to each server of `url` (a checked, comma-
 * separated NATS URL list) for at most timeout_ms each; 0 once one
 * answers, -1 with err naming the URL and why otherwise. */
int nats_probe(const char *url, int timeout_ms, char *err, size_t errlen);

#endif

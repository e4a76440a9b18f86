/* http.h - the telemetry HTTP server on libmicrohttpd: a fixed table of
 * GET/HEAD routes on one listening address, connections kept alive. Any
 * other method is refused with 405, any other path with 404, a request
 * with a NUL byte in its target, a body or two Content-Lengths with 400.
 * Slow, silent and surplus connections are cut (limits in http.c).
 */
#ifndef STEADY_HTTP_H
#define STEADY_HTTP_H

#include "strbuf.h"

#include <stdbool.h>
#include <stddef.h>

/* The query arguments of the request being answered ("?since=12"). */
struct http_query;

struct http_route {
    const char *path;         /* exact, such as "/metrics" */
    const char *content_type; /* of the body */
    /* Appends the body and returns 0, or returns -1 with the reason as the
     * body (served as 503). Runs on a server thread, several at once. */
    int (*fill)(void *user, struct strbuf *body);
    /* Instead of fill, for a route that reads query arguments: as fill,
     * and may also return HTTP_BAD_QUERY with the reason as the body
     * (served as 400). */
    int (*fill_query)(void *user, const struct http_query *q,
                      struct strbuf *body);
};
#define HTTP_BAD_QUERY (-2)

/* The decoded value of query argument `name`, or NULL when absent. */
const char *http_query_arg(const struct http_query *q, const char *name);
/* How many times query argument `name` is given, with a value or without
 * ("?since" has none: http_query_arg reads it as NULL). */
size_t http_query_count(const struct http_query *q, const char *name);
/* The first query argument whose name is not among known[0..n), or NULL. */
const char *http_query_unknown(const struct http_query *q,
                               const char *const *known, size_t n);

struct http_server;

/* Listens on address:port (IPv4 or IPv6; port 0 = any free port) and
 * serves routes (borrowed, with user) on its own threads (a few workers and
 * a deadline keeper). When the port is
 * taken and next_free is set, tries the next 99 ports. Returns NULL with
 * one line in err. SIGINT and SIGTERM stay blocked on the server threads. */
struct http_server *http_start(const char *address, int port, bool next_free,
                               const struct http_route *routes, size_t n_routes,
                               void *user, char *err, size_t errlen);
/* The port actually bound. */
int http_port(const struct http_server *s);
/* Closes the listener and every connection, waits for the server threads
 * and frees. NULL is fine. */
void http_stop(struct http_server *s);

#endif

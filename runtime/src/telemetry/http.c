/* http.c - the telemetry HTTP server: binds its own listening socket (so a
 * port in use is reported as such, and port 0 gives the port the OS chose),
 * hands it to libmicrohttpd and routes GET/HEAD requests to the table.
 */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <steady/log.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define HTTP_PORT_TRIES 100 /* ports tried when next_free is set */

struct http_server {
    struct MHD_Daemon *daemon;
    const struct http_route *routes;
    size_t n_routes;
    void *user;
    int port;
};

/* libmicrohttpd's own complaints (a client vanished, ...) are debug. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    size_t len;

    (void)cls;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    len = strlen(msg);
    while (len && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
        msg[--len] = '\0';
    steady_debug(NULL, "telemetry: http: %s", msg);
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status,
                             const char *type, char *body, size_t len,
                             bool must_free)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        len, body, must_free ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ok;

    if (!r) {
        if (must_free)
            free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    ok = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result reply_text(struct MHD_Connection *conn, unsigned status,
                                  const char *text)
{
    return reply(conn, status, "text/plain; charset=utf-8", (char *)text,
                 strlen(text), false);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **req_state)
{
    struct http_server *s = cls;
    struct strbuf body = { 0 };
    const struct http_route *route = NULL;
    char *text;
    size_t len = 0;
    int rc;

    (void)version;
    (void)upload;
    (void)upload_size;
    (void)req_state;
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
        strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
                          "405 method not allowed: use GET or HEAD\n");
    for (size_t i = 0; i < s->n_routes; i++) {
        if (strcmp(url, s->routes[i].path) == 0)
            route = &s->routes[i];
    }
    if (!route)
        return reply_text(conn, MHD_HTTP_NOT_FOUND,
                          "404 not found: try /, /graph.dot, /graph.svg or "
                          "/metrics\n");
    rc = route->fill(s->user, &body);
    text = strbuf_take(&body, &len);
    if (!text)
        return reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
                          "500 out of memory\n");
    if (rc < 0)
        return reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
                     "text/plain; charset=utf-8", text, len, true);
    return reply(conn, MHD_HTTP_OK, route->content_type, text, len, true);
}

/* Binds a listening socket. 0 with *fd set, or the errno of what failed. */
static int listen_on(const char *address, int port, bool v6, int *fd)
{
    struct sockaddr_storage ss;
    socklen_t sslen;
    int one = 1, sock, e;

    memset(&ss, 0, sizeof(ss));
    if (v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        inet_pton(AF_INET6, address, &a->sin6_addr);
        sslen = sizeof(*a);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;

        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)port);
        inet_pton(AF_INET, address, &a->sin_addr);
        sslen = sizeof(*a);
    }
    sock = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sock < 0)
        return errno;
    /* lets a restarted host rebind over connections in TIME_WAIT; Linux
     * still refuses a second listener on the same port */
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(sock, (struct sockaddr *)&ss, sslen) < 0 || listen(sock, 64) < 0) {
        e = errno;
        close(sock);
        return e;
    }
    *fd = sock;
    return 0;
}

static int bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        return -1;
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

struct http_server *http_start(const char *address, int port, bool next_free,
                               const struct http_route *routes, size_t n_routes,
                               void *user, char *err, size_t errlen)
{
    struct http_server *s;
    unsigned char probe[16];
    bool v6 = inet_pton(AF_INET6, address, probe) == 1;
    int tries = next_free && port > 0 ? HTTP_PORT_TRIES : 1;
    int fd = -1, e = 0, p = port;
    sigset_t block, old;

    if (!v6 && inet_pton(AF_INET, address, probe) != 1) {
        snprintf(err, errlen, "telemetry: '%s' is not an IPv4 or IPv6 address",
                 address);
        return NULL;
    }
    for (int i = 0; i < tries && p <= 65535; i++, p++) {
        e = listen_on(address, p, v6, &fd);
        if (e != EADDRINUSE)
            break;
    }
    if (e == EADDRINUSE && tries > 1) {
        snprintf(err, errlen,
                 "telemetry: ports %d to %d on %s are all in use; set "
                 "telemetry.listen or --telemetry to a free port, 0 for any, "
                 "or off",
                 port, p - 1, address);
        return NULL;
    }
    if (e == EADDRINUSE) {
        snprintf(err, errlen,
                 "telemetry: %s%s%s:%d is already in use (another steady?); "
                 "pick another port with telemetry.listen or --telemetry, "
                 "use port 0 for any free port, or 'off'",
                 v6 ? "[" : "", address, v6 ? "]" : "", port);
        return NULL;
    }
    if (e) {
        snprintf(err, errlen, "telemetry: cannot listen on %s%s%s:%d: %s",
                 v6 ? "[" : "", address, v6 ? "]" : "", p, strerror(e));
        return NULL;
    }
    s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "telemetry: out of memory");
        goto err_close_fd;
    }
    s->routes = routes;
    s->n_routes = n_routes;
    s->user = user;
    s->port = bound_port(fd);
    /* the server's threads inherit this mask: signals are the host's */
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    s->daemon = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
            MHD_USE_POLL | MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0),
        0, NULL, NULL, on_request, s, MHD_OPTION_LISTEN_SOCKET, fd,
        MHD_OPTION_CONNECTION_LIMIT, 64u, MHD_OPTION_CONNECTION_TIMEOUT, 10u,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_END);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!s->daemon) {
        /* the socket may or may not have been closed by libmicrohttpd:
         * rather leak it on this rare path than close a reused fd */
        snprintf(err, errlen, "telemetry: libmicrohttpd failed to start");
        free(s);
        return NULL;
    }
    return s;

err_close_fd:
    close(fd);
    return NULL;
}

int http_port(const struct http_server *s)
{
    return s->port;
}

void http_stop(struct http_server *s)
{
    if (!s)
        return;
    /* closes the listening socket it was given, and every connection */
    MHD_stop_daemon(s->daemon);
    free(s);
}

/* http.c - the telemetry HTTP server: binds its own listening socket (so a
 * port in use is reported as such, and port 0 gives the port the OS chose),
 * hands it to libmicrohttpd and routes GET/HEAD requests to the table.
 * Hostile clients are bounded: caps on connections per address and in all,
 * a deadline for each request and response, and requests that could reach
 * a route by a back door (NUL bytes, two Content-Lengths) refused.
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
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HTTP_PORT_TRIES 100 /* ports tried when next_free is set */

/* What one client may hold; the README's "The telemetry server" section
 * states the same figures. */
#define HTTP_THREADS    4   /* epoll workers; a /graph.svg wait blocks one */
#define HTTP_MAX_CONNS  256 /* libmicrohttpd's hard cap, all clients */
#define HTTP_MAX_PER_IP 128 /* the same, one address: room for cut ones */
#define HTTP_KEEP_PER_IP                                \
    32 /* a newcomer past this cuts one (on_connection) \
        */
#define HTTP_HEADER_MS     5000  /* a whole request must arrive in this */
#define HTTP_RESPONSE_MS   30000 /* a whole response must be sent in this */
#define HTTP_IDLE_S        10    /* no byte either way for this long: close */
#define HTTP_CONN_MEMORY   (32u * 1024u) /* request + headers, per connection */
/* cuts are logged at most this often, so an attack cannot flood the log,
 * and as a warning when there were this many */
#define HTTP_CUT_REPORT_NS 10000000000ull
#define HTTP_CUT_WARN      10

/* One accepted connection, from libmicrohttpd's "started" notification to
 * its "closed" one (which comes before libmicrohttpd closes the socket, so
 * fd stays valid while the entry is listed). */
struct http_conn {
    struct http_conn *prev, *next; /* in http_server.conns, under lock */
    int fd;
    unsigned char ip[16]; /* the client's address, for the per-IP cap */
    bool v6;
    bool busy;          /* under lock: whole request in, response going out */
    bool served;        /* under lock: has finished a request */
    bool cut;           /* under lock: shut down by us, closing */
    uint64_t since_ns;  /* under lock: accepted, or the last response done */
    uint64_t busy_ns;   /* under lock: when the response was queued */
    size_t raw_url_len; /* server thread: request target as received */
};

struct http_server {
    struct MHD_Daemon *daemon;
    const struct http_route *routes;
    size_t n_routes;
    void *user;
    int port;

    /* The deadline keeper: a thread that cuts connections whose request or
     * response is overdue. Shared with libmicrohttpd's threads. */
    pthread_mutex_t lock;
    pthread_cond_t wake;     /* keeper: stop, or a deadline came closer */
    struct http_conn conns;  /* list head, in order of arrival */
    size_t n_conns;          /* under lock: listed and not cut */
    uint64_t keeper_wake_ns; /* under lock: when the keeper wakes; 0 awake */
    bool stopping;           /* under lock */
    uint64_t cut_slow;       /* under lock: cut for a deadline, unreported */
    uint64_t cut_surplus;    /* under lock: cut over a cap, unreported */
    unsigned keep_total;     /* past this a newcomer cuts the oldest */
    unsigned keep_per_ip;    /* same, among one address's connections */
    pthread_t keeper;
    bool keeper_started;
};

static uint64_t mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

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

/* ---- connection bookkeeping and deadlines ---------------------------- */

/* A connection's deadline is now `due`: wakes the keeper if it sleeps
 * past that. Called with the lock held. */
static void due_at(struct http_server *s, uint64_t due)
{
    if (s->keeper_wake_ns && due < s->keeper_wake_ns) {
        s->keeper_wake_ns = due;
        pthread_cond_signal(&s->wake);
    }
}

/* Why the deadlines are ours and not libmicrohttpd's: its connection
 * timeout (MHD_OPTION_CONNECTION_TIMEOUT) counts from the last byte that
 * moved, so a client sending one header line every few seconds never
 * reaches it. libmicrohttpd 0.9.75 has no request deadline and no way to
 * close a connection from outside its callbacks, so steady tracks every
 * connection from MHD_OPTION_NOTIFY_CONNECTION, learns from the request
 * handler and MHD_OPTION_NOTIFY_COMPLETED when a request is in and when its
 * response is done, and cuts an overdue connection with shutdown(2) on its
 * socket: libmicrohttpd then sees the end of the stream on its own thread
 * and closes and frees the connection itself. shutdown, unlike close,
 * never frees the descriptor, and the "closed" notification (which removes
 * the entry under the same lock) comes before libmicrohttpd closes it, so
 * the descriptor cut is always the connection's own. */
static void cut(struct http_server *s, struct http_conn *c)
{
    c->cut = true;
    s->n_conns--;
    shutdown(c->fd, SHUT_RDWR);
}

static bool same_ip(const struct http_conn *a, const struct http_conn *b)
{
    return a->v6 == b->v6 && memcmp(a->ip, b->ip, sizeof(a->ip)) == 0;
}

/* Which connection goes first when room is needed: one that has never
 * finished a request (a silent or trickling client, or one that just came
 * and is as new as the newcomer), then one kept alive between requests,
 * then one whose response is going out; within each, the one that has
 * waited longest. An idle or slowloris flood thus loses its own
 * connections before anyone's kept-alive one or a response under way. */
static bool goes_before(const struct http_conn *a, const struct http_conn *b)
{
    int ra = a->busy ? 2 : a->served ? 1 : 0;
    int rb = b->busy ? 2 : b->served ? 1 : 0;

    if (ra != rb)
        return ra < rb;
    return (a->busy ? a->busy_ns : a->since_ns) <
           (b->busy ? b->busy_ns : b->since_ns);
}

/* Cuts the first to go (as above) among the connections of `like`'s
 * address, or of every address when like is NULL. */
static void cut_first(struct http_server *s, const struct http_conn *like)
{
    struct http_conn *first = NULL;

    for (struct http_conn *c = s->conns.next; c != &s->conns; c = c->next) {
        if (c->cut || (like && !same_ip(c, like)))
            continue;
        if (!first || goes_before(c, first))
            first = c;
    }
    if (first) {
        cut(s, first);
        s->cut_surplus++;
    }
}

static void client_ip(struct MHD_Connection *conn, struct http_conn *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;

    if (sa && sa->sa_family == AF_INET6) {
        memcpy(c->ip, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
        c->v6 = true;
    } else if (sa && sa->sa_family == AF_INET) {
        memcpy(c->ip, &((const struct sockaddr_in *)sa)->sin_addr, 4);
    }
}

/* A newcomer is always let in (libmicrohttpd's own caps permitting): a
 * client that connects and asks at once must not wait behind connections
 * that do neither. Room is made by cutting the first to go (goes_before)
 * of the newcomer's address when that address holds its share, and of
 * every address when the server holds its share. */
static void on_connection(void *cls, struct MHD_Connection *conn,
                          void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct http_server *s = cls;
    struct http_conn *c = *socket_context;
    const union MHD_ConnectionInfo *fd_info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    size_t same = 0;

    if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        if (!c)
            return;
        pthread_mutex_lock(&s->lock);
        c->prev->next = c->next;
        c->next->prev = c->prev;
        if (!c->cut)
            s->n_conns--;
        pthread_mutex_unlock(&s->lock);
        free(c);
        *socket_context = NULL;
        return;
    }
    if (code != MHD_CONNECTION_NOTIFY_STARTED || !fd_info)
        return;
    c = calloc(1, sizeof(*c));
    if (!c) {
        /* untracked means no deadline: refuse rather than serve it */
        shutdown(fd_info->connect_fd, SHUT_RDWR);
        return;
    }
    c->fd = fd_info->connect_fd;
    client_ip(conn, c);
    c->since_ns = mono_ns();
    pthread_mutex_lock(&s->lock);
    for (struct http_conn *o = s->conns.next; o != &s->conns; o = o->next)
        same += !o->cut && same_ip(o, c);
    if (same >= s->keep_per_ip)
        cut_first(s, c);
    if (s->n_conns >= s->keep_total)
        cut_first(s, NULL);
    c->prev = s->conns.prev;
    c->next = &s->conns;
    c->prev->next = c;
    s->conns.prev = c;
    s->n_conns++;
    due_at(s, c->since_ns + HTTP_HEADER_MS * 1000000ull);
    pthread_mutex_unlock(&s->lock);
    *socket_context = c;
}

static struct http_conn *conn_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

    return ci ? ci->socket_context : NULL;
}

/* The whole request is in (or refused): from now on the response deadline
 * applies. */
static void mark_busy(struct http_server *s, struct http_conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&s->lock);
    c->busy = true;
    c->busy_ns = mono_ns();
    pthread_mutex_unlock(&s->lock);
}

/* A response is done (or the request failed): with keep-alive, the next
 * request's deadline starts now. */
static void on_completed(void *cls, struct MHD_Connection *conn,
                         void **req_state, enum MHD_RequestTerminationCode code)
{
    struct http_server *s = cls;
    struct http_conn *c = conn_of(conn);

    (void)req_state;
    if (!c)
        return;
    pthread_mutex_lock(&s->lock);
    c->busy = false;
    c->served = c->served || code == MHD_REQUEST_TERMINATED_COMPLETED_OK;
    c->since_ns = mono_ns();
    due_at(s, c->since_ns + HTTP_HEADER_MS * 1000000ull);
    pthread_mutex_unlock(&s->lock);
}

/* The deadline keeper: sleeps until the earliest deadline, cuts what is
 * overdue, and reports cuts now and then. */
static void *keeper(void *arg)
{
    struct http_server *s = arg;
    uint64_t reported_ns = 0;

    pthread_mutex_lock(&s->lock);
    while (!s->stopping) {
        uint64_t now = mono_ns(), next = UINT64_MAX;

        for (struct http_conn *c = s->conns.next; c != &s->conns; c = c->next) {
            uint64_t due = c->busy ? c->busy_ns + HTTP_RESPONSE_MS * 1000000ull
                                   : c->since_ns + HTTP_HEADER_MS * 1000000ull;

            if (c->cut)
                continue;
            if (due <= now) {
                cut(s, c);
                /* a kept-alive connection left idle is closed as usual */
                s->cut_slow += c->busy || !c->served;
            } else if (due < next) {
                next = due;
            }
        }
        if ((s->cut_slow || s->cut_surplus) &&
            now - reported_ns >= HTTP_CUT_REPORT_NS) {
            uint64_t slow = s->cut_slow, surplus = s->cut_surplus;

            s->cut_slow = s->cut_surplus = 0;
            reported_ns = now;
            pthread_mutex_unlock(&s->lock);
            /* a browser's stray preconnection now and then is no news */
            steady_log(NULL,
                       slow + surplus >= HTTP_CUT_WARN ? STEADY_LOG_WARN
                                                       : STEADY_LOG_DEBUG,
                       "telemetry: closed %llu slow connection(s) (a request "
                       "not in within %d s or a response not out within "
                       "%d s) and %llu past the caps (%u per address, %u in "
                       "all)",
                       (unsigned long long)slow, HTTP_HEADER_MS / 1000,
                       HTTP_RESPONSE_MS / 1000, (unsigned long long)surplus,
                       s->keep_per_ip, s->keep_total);
            pthread_mutex_lock(&s->lock);
            continue;
        }
        if ((s->cut_slow || s->cut_surplus) &&
            reported_ns + HTTP_CUT_REPORT_NS < next)
            next = reported_ns + HTTP_CUT_REPORT_NS;
        s->keeper_wake_ns = next;
        if (next == UINT64_MAX) {
            pthread_cond_wait(&s->wake, &s->lock);
        } else {
            struct timespec until = { (time_t)(next / 1000000000u),
                                      (long)(next % 1000000000u) };

            pthread_cond_timedwait(&s->wake, &s->lock, &until);
        }
        s->keeper_wake_ns = 0;
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/* ---- requests -------------------------------------------------------- */

static int hex_digit(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Decodes %HH in place, as libmicrohttpd's own unescaper does, except
 * %00: libmicrohttpd would decode it to a NUL that ends the C string the
 * handler sees, so "/metrics%00x" would be served as "/metrics". Kept as
 * the three characters, it matches no route (404). */
static size_t unescape(void *cls, struct MHD_Connection *conn, char *text)
{
    char *out = text;

    (void)cls;
    (void)conn;
    for (const char *in = text; *in; in++) {
        int hi = in[0] == '%' ? hex_digit(in[1]) : -1;
        int lo = hi >= 0 ? hex_digit(in[2]) : -1;

        if (lo >= 0 && (hi | lo) != 0) {
            *out++ = (char)(hi * 16 + lo);
            in += 2;
        } else {
            *out++ = *in;
        }
    }
    *out = '\0';
    return (size_t)(out - text);
}

/* Called with the request target as received, before libmicrohttpd splits
 * off the query and unescapes it. Its length is what the NUL check in
 * on_request compares against. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct http_conn *c = conn_of(conn);

    (void)cls;
    if (c)
        c->raw_url_len = uri ? strlen(uri) : SIZE_MAX;
    return NULL;
}

/* A raw NUL byte in the request target: libmicrohttpd 0.9.75 keeps the
 * request line's length to itself and hands the handler C strings, so
 * "GET /metrics<NUL>x HTTP/1.1" would look like "/metrics". The target and
 * the version sit in one buffer, "TARGET VERSION" with the space turned
 * into the target's terminator, so the target is whole exactly when the
 * version starts right after strlen(target) + 1. A missing version (an
 * HTTP/0.9-style request line) fails the test too, which is right. Should
 * a later libmicrohttpd lay the line out otherwise, every request would be
 * refused, which integration_test_http_abuse (200s and keep-alive) shows
 * at once rather than letting a NUL through. */
static bool target_has_nul(const struct http_conn *c, const char *url,
                           const char *version)
{
    return !c || c->raw_url_len == SIZE_MAX ||
           url + c->raw_url_len + 1 != version;
}

struct body_check {
    const char *length; /* the first Content-Length */
    bool conflicting;   /* a later one differs */
    bool has_body;      /* a Content-Length other than 0, or chunked */
};

static enum MHD_Result check_header(void *cls, enum MHD_ValueKind kind,
                                    const char *key, const char *value)
{
    struct body_check *b = cls;

    (void)kind;
    if (!value)
        return MHD_YES;
    if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0)
        b->has_body = true;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) != 0)
        return MHD_YES;
    if (b->length && strcmp(b->length, value) != 0)
        b->conflicting = true;
    if (!b->length)
        b->length = value;
    if (value[strspn(value, "0")] != '\0' || !*value)
        b->has_body = true;
    return MHD_YES;
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

/* The first call (headers in) only checks the request; the response goes
 * out on the second (whole request in). libmicrohttpd closes the
 * connection after a response queued on the first call, so answering
 * there would cost keep-alive; refusals are answered there on purpose. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **req_state)
{
    struct http_server *s = cls;
    struct http_conn *c = conn_of(conn);
    struct strbuf body = { 0 };
    const struct http_route *route = NULL;
    struct body_check bc = { 0 };
    char *text;
    size_t len = 0;
    int rc;

    (void)upload;
    if (!*req_state) {
        *req_state = s; /* later calls for this request see it set */
        if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
            strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
            mark_busy(s, c);
            return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
                              "405 method not allowed: use GET or HEAD\n");
        }
        if (target_has_nul(c, url, version)) {
            mark_busy(s, c);
            return reply_text(conn, MHD_HTTP_BAD_REQUEST,
                              "400 bad request: a NUL byte in the request "
                              "target\n");
        }
        MHD_get_connection_values(conn, MHD_HEADER_KIND, check_header, &bc);
        if (bc.conflicting || bc.has_body) {
            mark_busy(s, c);
            return reply_text(conn, MHD_HTTP_BAD_REQUEST,
                              bc.conflicting
                                  ? "400 bad request: conflicting "
                                    "Content-Length headers\n"
                                  : "400 bad request: a GET or HEAD request "
                                    "has no body\n");
        }
        return MHD_YES;
    }
    if (*upload_size) { /* unreachable: a body was refused above */
        *upload_size = 0;
        return MHD_YES;
    }
    mark_busy(s, c);
    for (size_t i = 0; i < s->n_routes; i++) {
        if (strcmp(url, s->routes[i].path) == 0)
            route = &s->routes[i];
    }
    if (!route)
        return reply_text(conn, MHD_HTTP_NOT_FOUND,
                          "404 not found: try /, /graph.dot, /graph.svg, "
                          "/metrics, /history.json, /health or /ready\n");
    if (route->fill_query)
        rc = route->fill_query(s->user, (const struct http_query *)conn, &body);
    else
        rc = route->fill(s->user, &body);
    text = strbuf_take(&body, &len);
    if (!text)
        return reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
                          "500 out of memory\n");
    if (rc == HTTP_BAD_QUERY)
        return reply(conn, MHD_HTTP_BAD_REQUEST, "text/plain; charset=utf-8",
                     text, len, true);
    if (rc < 0)
        return reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
                     "text/plain; charset=utf-8", text, len, true);
    return reply(conn, MHD_HTTP_OK, route->content_type, text, len, true);
}

/* A struct http_query is the connection itself: arguments are read from
 * libmicrohttpd while the request is being answered. */
const char *http_query_arg(const struct http_query *q, const char *name)
{
    return MHD_lookup_connection_value((struct MHD_Connection *)(uintptr_t)q,
                                       MHD_GET_ARGUMENT_KIND, name);
}

struct arg_count {
    const char *name;
    size_t n;
};

static enum MHD_Result count_arg(void *cls, enum MHD_ValueKind kind,
                                 const char *key, const char *value)
{
    struct arg_count *a = cls;

    (void)kind;
    (void)value;
    if (strcmp(key, a->name) == 0)
        a->n++;
    return MHD_YES;
}

size_t http_query_count(const struct http_query *q, const char *name)
{
    struct arg_count a = { name, 0 };

    MHD_get_connection_values((struct MHD_Connection *)(uintptr_t)q,
                              MHD_GET_ARGUMENT_KIND, count_arg, &a);
    return a.n;
}

struct unknown_arg {
    const char *const *known;
    size_t n;
    const char *found;
};

static enum MHD_Result check_arg(void *cls, enum MHD_ValueKind kind,
                                 const char *key, const char *value)
{
    struct unknown_arg *u = cls;

    (void)kind;
    (void)value;
    for (size_t i = 0; i < u->n; i++) {
        if (strcmp(key, u->known[i]) == 0)
            return MHD_YES;
    }
    u->found = key;
    return MHD_NO;
}

const char *http_query_unknown(const struct http_query *q,
                               const char *const *known, size_t n)
{
    struct unknown_arg u = { known, n, NULL };

    MHD_get_connection_values((struct MHD_Connection *)(uintptr_t)q,
                              MHD_GET_ARGUMENT_KIND, check_arg, &u);
    return u.found;
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
    /* a short queue on purpose: in a flood the kernel drops surplus SYNs,
     * mostly the flood's; a long one (SOMAXCONN) hands the server bursts
     * larger than a per-address share, and a fresh client's connection
     * accepted in one was cut before its request was read (5,000 idle
     * connections: 1 probe in 10 lost, against 1 in 170 with 64) */
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

/* The hard cap on connections, lowered when the descriptor limit is low
 * so that libmicrohttpd refuses a connection before accept(2) starts
 * failing for the rest of the process. */
static unsigned conn_limit(void)
{
    struct rlimit rl;
    unsigned limit = HTTP_MAX_CONNS;

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        rl.rlim_cur / 2 < limit)
        limit = rl.rlim_cur / 2 > 8 ? (unsigned)(rl.rlim_cur / 2) : 8;
    return limit;
}

static int init_sync(struct http_server *s)
{
    pthread_condattr_t attr;

    if (pthread_condattr_init(&attr) != 0)
        return -1;
    /* deadlines are CLOCK_MONOTONIC, as mono_ns() */
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->wake, &attr);
    pthread_condattr_destroy(&attr);
    s->conns.next = s->conns.prev = &s->conns;
    return 0;
}

static void stop_keeper(struct http_server *s)
{
    if (!s->keeper_started)
        return;
    pthread_mutex_lock(&s->lock);
    s->stopping = true;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->keeper, NULL);
    s->keeper_started = false;
}

static void free_server(struct http_server *s)
{
    /* libmicrohttpd reported every connection closed before this */
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* Starts libmicrohttpd on the bound socket. Why this thread model: with a
 * thread per connection (what steady used first) every slow client holds a
 * thread and the connection cap is reached by doing nothing. A few epoll
 * workers serve any number of connections; more than one, because a
 * /graph.svg request waits for the layout (up to 3 s) on its worker. */
static struct MHD_Daemon *start_daemon(struct http_server *s, int fd, bool v6)
{
    unsigned limit = conn_limit();
    unsigned per_ip = limit / 2 < HTTP_MAX_PER_IP ? limit / 2 : HTTP_MAX_PER_IP;
    unsigned poller = MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES
                          ? MHD_USE_EPOLL
                          : MHD_USE_POLL;

    /* what the caps leave above these is room for connections cut and not
     * yet closed: libmicrohttpd counts them until their worker sees it */
    s->keep_total = limit * 3 / 4;
    s->keep_per_ip =
        per_ip / 4 < HTTP_KEEP_PER_IP ? per_ip / 4 : HTTP_KEEP_PER_IP;
    return MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | poller | MHD_USE_ERROR_LOG |
            (v6 ? MHD_USE_IPv6 : 0),
        0, NULL, NULL, on_request, s, MHD_OPTION_LISTEN_SOCKET, fd,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)HTTP_THREADS,
        MHD_OPTION_CONNECTION_LIMIT, limit, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        per_ip, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_IDLE_S,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, s, MHD_OPTION_UNESCAPE_CALLBACK,
        unescape, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_END);
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
    char name[16];

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
    if (!s || init_sync(s) < 0) {
        free(s);
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
    /* and its name: "steady-http" in top -H, for the CPU it uses */
    if (pthread_getname_np(pthread_self(), name, sizeof(name)) != 0)
        name[0] = '\0';
    pthread_setname_np(pthread_self(), "steady-http");
    e = pthread_create(&s->keeper, NULL, keeper, s);
    s->keeper_started = e == 0;
    if (s->keeper_started)
        s->daemon = start_daemon(s, fd, v6);
    if (name[0])
        pthread_setname_np(pthread_self(), name);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (e) {
        snprintf(err, errlen, "telemetry: cannot start a thread: %s",
                 strerror(e));
        free_server(s);
        goto err_close_fd;
    }
    if (!s->daemon) {
        /* the socket may or may not have been closed by libmicrohttpd:
         * rather leak it on this rare path than close a reused fd */
        snprintf(err, errlen, "telemetry: libmicrohttpd failed to start");
        stop_keeper(s);
        free_server(s);
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
    /* the keeper goes first, so nothing is cut while libmicrohttpd closes
     * the listening socket it was given and every connection */
    stop_keeper(s);
    MHD_stop_daemon(s->daemon);
    free_server(s);
}

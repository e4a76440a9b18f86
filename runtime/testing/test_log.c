/* test_log.c - captures log lines per actor name for the harnesses of
 * <steady/testing.h>, through the one log sink a process has.
 */
#include "test_log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <steady/log.h>
#include <string.h>
#include <time.h>

struct test_log {
    char *name;
    char *text; /* under lock */
    size_t len, cap;
    struct test_log *next;
};

/* Captures attached now. The sink runs under the log lock and takes this
 * one, so whoever holds this lock never logs nor sets the sink. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t grew = PTHREAD_COND_INITIALIZER; /* under lock */
static struct test_log *attached;
/* Held around attaching and detaching, so that installing and removing the
 * sink follow the list; taken before the log lock, never by the sink. */
static pthread_mutex_t attach_lock = PTHREAD_MUTEX_INITIALIZER;

static void append(struct test_log *l, const char *msg)
{
    size_t n = strlen(msg);

    if (l->len + n + 2 > l->cap) {
        size_t cap = (l->cap + n + 2) * 2;
        char *grown = realloc(l->text, cap);

        if (!grown)
            return;
        l->text = grown;
        l->cap = cap;
    }
    memcpy(l->text + l->len, msg, n);
    l->len += n;
    l->text[l->len++] = '\n';
    l->text[l->len] = '\0';
}

static void sink(void *user, enum steady_log_level level,
                 const char *actor_name, const char *msg)
{
    (void)user;
    pthread_mutex_lock(&lock);
    for (struct test_log *l = attached; l; l = l->next)
        if (strcmp(l->name, actor_name) == 0)
            append(l, msg);
    pthread_cond_broadcast(&grew);
    pthread_mutex_unlock(&lock);
    if (getenv("STEADY_TEST_VERBOSE"))
        fprintf(stderr, "%-5s [%s] %s\n", steady_log_level_name(level),
                actor_name, msg);
}

struct test_log *test_log_attach(const char *name)
{
    struct test_log *l = calloc(1, sizeof(*l));

    if (!l)
        return NULL;
    l->name = strdup(name);
    if (!l->name) {
        free(l);
        return NULL;
    }
    pthread_mutex_lock(&attach_lock);
    /* outside `lock`: setting the sink takes the log lock */
    steady_log_set_sink(sink, NULL);
    if (!steady_log_enabled(STEADY_LOG_DEBUG))
        steady_log_set_level(STEADY_LOG_DEBUG);
    pthread_mutex_lock(&lock);
    l->next = attached;
    attached = l;
    pthread_mutex_unlock(&lock);
    pthread_mutex_unlock(&attach_lock);
    return l;
}

void test_log_detach(struct test_log *l)
{
    bool last;

    if (!l)
        return;
    pthread_mutex_lock(&attach_lock);
    pthread_mutex_lock(&lock);
    for (struct test_log **p = &attached; *p; p = &(*p)->next)
        if (*p == l) {
            *p = l->next;
            break;
        }
    last = attached == NULL;
    pthread_mutex_unlock(&lock);
    if (last)
        steady_log_set_sink(NULL, NULL);
    pthread_mutex_unlock(&attach_lock);
    free(l->name);
    free(l->text);
    free(l);
}

char *test_log_copy(struct test_log *l)
{
    char *copy;

    pthread_mutex_lock(&lock);
    copy = strdup(l->text ? l->text : "");
    pthread_mutex_unlock(&lock);
    return copy;
}

bool test_log_contains(struct test_log *l, const char *text)
{
    bool found;

    pthread_mutex_lock(&lock);
    found = l->text && strstr(l->text, text);
    pthread_mutex_unlock(&lock);
    return found;
}

bool test_log_await(struct test_log *l, const char *text, unsigned timeout_ms)
{
    struct timespec deadline;
    bool found;

    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&lock);
    while (!(found = l->text && strstr(l->text, text)) &&
           pthread_cond_timedwait(&grew, &lock, &deadline) == 0)
        ;
    if (!found)
        found = l->text && strstr(l->text, text);
    pthread_mutex_unlock(&lock);
    return found;
}

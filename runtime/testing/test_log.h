/* test_log.h - the log capture that the harnesses of libsteady-testing
 * share: one sink for the process hands each line to every capture
 * attached for its actor's name. Private to libsteady-testing.
 */
#ifndef STEADY_TEST_LOG_H
#define STEADY_TEST_LOG_H

#include <stdbool.h>

/* The lines logged under one name, one message per line without
 * prefixes. */
struct test_log;

/* Starts capturing what is logged under `name` (an actor's name, or
 * "steady" for the host's own lines). The first capture installs the sink
 * and raises the log level to debug; STEADY_TEST_VERBOSE=1 in the
 * environment also prints every line to stderr. NULL when out of memory. */
struct test_log *test_log_attach(const char *name);
/* Stops capturing; the last capture removes the sink. NULL is fine. */
void test_log_detach(struct test_log *l);

/* A copy of everything captured so far, which the caller frees; NULL when
 * out of memory. */
char *test_log_copy(struct test_log *l);
bool test_log_contains(struct test_log *l, const char *text);
/* Waits until the capture contains `text`, at most timeout_ms; true if it
 * does. */
bool test_log_await(struct test_log *l, const char *text, unsigned timeout_ms);

#endif

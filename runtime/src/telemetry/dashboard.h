/* dashboard.h - the telemetry dashboard page (dashboard.c). */
#ifndef STEADY_DASHBOARD_H
#define STEADY_DASHBOARD_H

#include "strbuf.h"

/* Appends the whole HTML page to b. Any thread. */
void dashboard_write(struct strbuf *b);

#endif

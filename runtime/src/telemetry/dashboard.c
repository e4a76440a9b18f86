/* dashboard.c - the telemetry dashboard served at "/": one self-contained
 * HTML page (no network access needed) that redraws the server-rendered
 * SVG of the graph and the actor and channel tables from /metrics twice a
 * second, with alert colours. The page is edited as real files in
 * dashboard/ (index.html, dashboard.css, dashboard.js); the build inlines
 * the stylesheet and the script into the page and embeds the result as
 * dashboard_page (cmake/embed_dashboard.cmake).
 */
#include "dashboard.h"

#include <stddef.h>

/* Generated at build time. */
extern const char dashboard_page[];
extern const size_t dashboard_page_len;

void dashboard_write(struct strbuf *b)
{
    strbuf_append(b, dashboard_page, dashboard_page_len);
}

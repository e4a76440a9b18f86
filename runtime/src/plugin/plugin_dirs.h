/* plugin_dirs.h - the folders of the bundled plugins (plugin_dirs.c). */
#ifndef STEADY_PLUGIN_DIRS_H
#define STEADY_PLUGIN_DIRS_H

#include <stdbool.h>
#include <stddef.h>

/* Writes the existing default plugin folders, ':'-separated, into buf
 * ("" when none is found). Returns 0, or -1 when buf is too small (buf then
 * holds the folders that fit). Any thread. */
int plugin_dirs_default(char *buf, size_t len);

/* Writes the path of steady-plugin-scanner (preflight.c), found beside the
 * installed or built libraries, into buf. 0, or -1 when there is none. */
int plugin_dirs_scanner(char *buf, size_t len);

#endif

/* usage.h - what `steady --help` and `steady COMMAND --help` print
 * (usage.c). */
#ifndef STEADY_USAGE_H
#define STEADY_USAGE_H

#include <stdio.h>

/* Whether `command` is one of steady's commands. */
int usage_known_command(const char *command);
/* Prints the help of one command, or the general help when command is NULL
 * or unknown. */
void usage_print(FILE *out, const char *command);

#endif

/* scaffold.h - the out-of-tree plugin project generator (scaffold.c); its
 * entry point, steady_scaffold_plugin, is declared in <steady/runtime.h>. */
#ifndef STEADY_SCAFFOLD_H
#define STEADY_SCAFFOLD_H

#include <steady/runtime.h>

#endif

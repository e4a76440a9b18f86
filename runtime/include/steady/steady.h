/* steady/steady.h - everything a plugin needs: the descriptor, the actor
 * API, channels and logging. */
#ifndef STEADY_STEADY_H
#define STEADY_STEADY_H

#include <steady/actor.h>
#include <steady/channel.h>
#include <steady/log.h>
#include <steady/plugin.h>

#endif

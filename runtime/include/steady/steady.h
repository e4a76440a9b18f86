/* steady/steady.h - everything a plugin needs: the descriptor, the actor
 * API, channels, logging and the shared message types. */
#ifndef STEADY_STEADY_H
#define STEADY_STEADY_H

#include <steady/actor.h>
#include <steady/channel.h>
#include <steady/log.h>
#include <steady/messages.h>
#include <steady/plugin.h>

#endif

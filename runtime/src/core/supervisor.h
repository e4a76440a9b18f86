/* supervisor.h - runs an actor until it is finished for good, restarting it
 * after a failure under its restart policy, with its channels and
 * persistent state kept.
 */
#ifndef STEADY_SUPERVISOR_H
#define STEADY_SUPERVISOR_H

#include "actor_impl.h"

/* Runs a's run on the calling thread (or troupe fiber). On a failure
 * (steady_panic, a failed steady_assert, run returning < 0) it logs the
 * reason, saves the state and, while the policy allows, waits the back-off
 * and runs it again; otherwise, and after a clean return, it finishes the
 * actor (actor_finish). */
void supervisor_run(struct steady_actor *a);

#endif

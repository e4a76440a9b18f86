/* remove_tree.h - removes a test's temporary folder with all it holds,
 * depth first; links are removed, never followed. Header-only like
 * host_run.h, for unit and integration tests alike. */
#ifndef STEADY_TEST_REMOVE_TREE_H
#define STEADY_TEST_REMOVE_TREE_H

#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>

static inline int remove_tree_entry_(const char *path, const struct stat *st,
                                     int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Removes path and everything below it; what cannot be removed stays. */
static inline void remove_tree(const char *path)
{
    nftw(path, remove_tree_entry_, 16, FTW_DEPTH | FTW_PHYS);
}

#endif

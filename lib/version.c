// SPDX-License-Identifier: GPL-2.0
/*
 * The one definition of the version string. Only this object is built with
 * -DWLBS_VERSION, so a new VERSION rebuilds one file, not the tree.
 */
#include "version.h"

#ifndef WLBS_VERSION
#error "WLBS_VERSION comes from ./VERSION through the Makefile"
#endif

const char wlbs_version[] = WLBS_VERSION;

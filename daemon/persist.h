/* SPDX-License-Identifier: GPL-2.0 */
/* The persisted stop/suspend (state file under state_dir). */
#ifndef WLBSD_PERSIST_H
#define WLBSD_PERSIST_H

#include "core/hoststate.h"

struct wlbsd;

enum hs_persist wlbsd_persist_load(const struct wlbsd *d);
int wlbsd_persist_save(const struct wlbsd *d);

#endif /* WLBSD_PERSIST_H */

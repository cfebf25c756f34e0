/* SPDX-License-Identifier: GPL-2.0 */
/* The daemon's life: start, reload, stop. */
#ifndef WLBSD_LIFECYCLE_H
#define WLBSD_LIFECYCLE_H

#include <stddef.h>

struct wlbsd;

/* Re-reads the configuration; on error keeps the running one and says why in @err. */
int wlbsd_reload(struct wlbsd *d, char *err, size_t errlen);

#endif /* WLBSD_LIFECYCLE_H */

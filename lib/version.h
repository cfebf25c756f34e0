/* SPDX-License-Identifier: GPL-2.0 */
/* The release, from ./VERSION (the Makefile passes it to version.c only). */
#ifndef WLBS_VERSION_H
#define WLBS_VERSION_H

/* "0.1": what --version, the start event and `wlbs display` say; debian/changelog agrees. */
extern const char wlbs_version[];

#endif /* WLBS_VERSION_H */

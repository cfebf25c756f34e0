/* SPDX-License-Identifier: GPL-2.0 */
#ifndef WLBS_LIB_PORT_RULES_H
#define WLBS_LIB_PORT_RULES_H

#include "wlbs/common.h"

/*
 * Fills @out from @t: for each protocol and port, rule + 1 when the first
 * rule of @t covering it serves every cluster IP (WLBS_VIP_ALL), so it is
 * what wlbs_find_rule() picks for any of them; WLBS_PORT_NO_RULE when no
 * rule covers it; WLBS_PORT_WALK when the first one is one cluster IP's.
 */
void wlbs_port_rules_fill(const struct wlbs_tables *t, struct wlbs_port_rules *out);

#endif

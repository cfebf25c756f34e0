/* SPDX-License-Identifier: GPL-2.0 */
/* What hoststate.c calls in hs_check.c (one way: no calls back); not for other callers. */
#ifndef WLBSD_HS_INTERNAL_H
#define WLBSD_HS_INTERNAL_H

#include "core/hoststate.h"

/* A start the failing check holds back (no --force): answered in @resp, and remembered. */
bool hs_start_held(struct hs *hs, const struct wlbs_ctl_request *req,
		   struct wlbs_ctl_response *resp);
/* The operator's word on the host's state: the check's own stop and a waiting start end. */
void hs_operator_spoke(struct hs *hs, const struct wlbs_ctl_request *req);
/* What the health check has to do with the state query reports. */
void hs_append_check(const struct hs *hs, struct wlbs_ctl_response *resp);

#endif

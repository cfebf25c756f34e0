// SPDX-License-Identifier: GPL-2.0
/* WLBS status code names. */
#include <errno.h>
#include <stddef.h>
#include <strings.h>

#include "wlbs/status.h"

#define S(x)                                                                                       \
	{                                                                                          \
		x, #x                                                                              \
	}
static const struct {
	int code;
	const char *name;
} status_names[] = {
    S(WLBS_OK),
    S(WLBS_ALREADY),
    S(WLBS_DRAIN_STOP),
    S(WLBS_BAD_PARAMS),
    S(WLBS_NOT_FOUND),
    S(WLBS_STOPPED),
    S(WLBS_CONVERGING),
    S(WLBS_CONVERGED),
    S(WLBS_DEFAULT),
    S(WLBS_DRAINING),
    S(WLBS_LOCAL_ONLY),
    S(WLBS_SUSPENDED),
    S(WLBS_MEDIA_DISCONNECTED),
    S(WLBS_REBOOT),
    S(WLBS_INIT_ERROR),
    S(WLBS_BAD_PASSW),
    S(WLBS_IO_ERROR),
    S(WLBS_TIMEOUT),
    S(WLBS_PORT_OVERLAP),
    S(WLBS_BAD_PORT_PARAMS),
    S(WLBS_MAX_PORT_RULES),
    S(WLBS_CHECK_FAILING),
};
#undef S

const char *wlbs_status_name(int code)
{
	for (size_t i = 0; i < sizeof(status_names) / sizeof(status_names[0]); i++)
		if (status_names[i].code == code)
			return status_names[i].name;
	return NULL;
}

int wlbs_status_from_name(const char *name)
{
	if (!name)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(status_names) / sizeof(status_names[0]); i++) {
		const char *n = status_names[i].name;

		if (!strcasecmp(n, name) || !strcasecmp(n + 5, name))
			return status_names[i].code;
	}
	return -EINVAL;
}

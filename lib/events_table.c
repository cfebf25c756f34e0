// SPDX-License-Identifier: GPL-2.0
/*
 * Event kind names and journal MESSAGE_IDs: generated once at random (uuid4)
 * and fixed for good; systemd/wlbs.catalog explains each ID (a unit test
 * checks the two agree).
 */
#include <stdio.h>

#include "events_table.h"

struct kind_desc {
	const char *name;
	const char *id;
};

static const struct kind_desc kinds[WLBS_EV_MAX] = {
    [WLBS_EV_START] = {"start", "0fe9c4ad699741dbac37afcd3c407a09"},
    [WLBS_EV_EXIT] = {"exit", "b42f51f057ac44e18bfefb2ad397f24d"},
    [WLBS_EV_HOST_JOINED] = {"host-joined", "bbd72d710ee7459da938dbc942f422c7"},
    [WLBS_EV_HOST_LEFT] = {"host-left", "9cbbe8c9dd0643a8bd04dda136e11f5f"},
    [WLBS_EV_CONVERGED] = {"converged", "f639753ce85c423194672f6459783544"},
    [WLBS_EV_PARTITION] = {"partition", "89cd787a5338447b8f19074ea874e204"},
    [WLBS_EV_PARTITION_HEALED] = {"partition-healed", "1b01d08c21654852be297bef00c9b10e"},
    [WLBS_EV_DUP_PRIORITY] = {"duplicate-priority", "fe78938c7979433c95a0c8c3e25588a6"},
    [WLBS_EV_RULES_DIFFER] = {"rules-differ", "f9add868123b496ea09c89ef1040899a"},
    [WLBS_EV_BAD_AUTH] = {"bad-auth", "588904469cd34df18665b40942f0c886"},
    [WLBS_EV_VIP_CLAIMED] = {"vip-claimed", "8bfaebd607994b95bc7e63e9dd255d91"},
    [WLBS_EV_COMMAND] = {"command", "2b33409a477946df990e70e4f3b21cfc"},
    [WLBS_EV_RELOAD] = {"reload", "19d51cf509d34fb8a55a5d947d896388"},
    [WLBS_EV_RELOAD_REFUSED] = {"reload-refused", "7267043ba3984edca7fd5f7317491a71"},
    [WLBS_EV_DRAIN_DONE] = {"drain-done", "9da51e377e8b478cb83b32b66e8f54a4"},
    [WLBS_EV_REMOTE_OFF] = {"remote-off", "39d66128d50d4f9d82783291c8a14bfa"},
    [WLBS_EV_KEY_MISMATCH] = {"key-mismatch", "0d82a8d3de3a42c3a7177e6e5c8c492f"},
    [WLBS_EV_CONFLICT_CLEARED] = {"conflict-cleared", "7bf88c1946e446b0ab6e7f60850c01fd"},
    [WLBS_EV_CHECK_FAILED] = {"check-failed", "6448caf7ccec4cbfbb008dc5fb868c67"},
    [WLBS_EV_CHECK_PASSED] = {"check-passed", "8db987a5cf644e3890e6126d59f35318"},
    [WLBS_EV_SERVING_ANYWAY] = {"serving-anyway", "9092be87911c4d8da0dff75875798c39"},
    [WLBS_EV_CHECK_STOP] = {"check-stop", "3d213f1a1b2f48c7a343ae98cf66862e"},
};

const char *ev_kind_name(int kind)
{
	return kind > 0 && kind < WLBS_EV_MAX ? kinds[kind].name : NULL;
}

const char *ev_kind_message_id(int kind)
{
	return kind > 0 && kind < WLBS_EV_MAX ? kinds[kind].id : NULL;
}

/* Appends "a" or "a-b" for the run of priorities [a, b]. */
static size_t put_run(char *buf, size_t len, size_t at, const char *sep, int a, int b)
{
	int n;

	if (at >= len)
		return at;
	n = a == b ? snprintf(buf + at, len - at, "%s%d", sep, a)
		   : snprintf(buf + at, len - at, "%s%d-%d", sep, a, b);
	return n < 0 ? at : at + (size_t)n;
}

char *members_str(uint64_t mask, char *buf, size_t len)
{
	const char *sep = "";
	size_t at = 0;
	int p = 1, q;

	if (!len)
		return buf;
	buf[0] = 0;
	if (!mask) {
		snprintf(buf, len, "none");
		return buf;
	}
	while (p <= 64) {
		if (!(mask & (1ull << (p - 1)))) {
			p++;
			continue;
		}
		for (q = p; q < 64 && (mask & (1ull << q)); q++)
			;
		/* A pair reads better as "1, 2" than as "1-2". */
		if (q == p + 1) {
			at = put_run(buf, len, at, sep, p, p);
			sep = ", ";
			at = put_run(buf, len, at, sep, q, q);
		} else {
			at = put_run(buf, len, at, sep, p, q);
		}
		sep = ", ";
		p = q + 1;
	}
	return buf;
}

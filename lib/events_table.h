/* SPDX-License-Identifier: GPL-2.0 */
/* Names and journal MESSAGE_IDs of the event kinds (daemon and CLI share them). */
#ifndef WLBS_EVENTS_TABLE_H
#define WLBS_EVENTS_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "wlbs/events.h"

/* "host-joined"...; NULL outside 1..WLBS_EV_MAX-1. */
const char *ev_kind_name(int kind);
/* 32 lower-case hex digits (journal MESSAGE_ID=); NULL outside the range. */
const char *ev_kind_message_id(int kind);

/*
 * Host priorities of @mask as ranges, "1-4, 6" ("none" for 0). Needs at most
 * MEMBERS_STR_MAX bytes (every other host of 64: 32 numbers and separators).
 */
#define MEMBERS_STR_MAX 200
char *members_str(uint64_t mask, char *buf, size_t len);

#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * The per-check state machine and what the cluster side asks of all checks.
 * Pure: no I/O, no clock (the caller passes the time), so every transition
 * is unit-tested (tests/unit/test_health.c).
 */
#include <stdio.h>
#include <string.h>

#include "health/health.h"

void health_state_init(struct health_check_state *s, const struct cfg_check *def, uint64_t now_ms)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%.31s", def->name);
	s->type = def->type;
	s->rules_mask = def->rules;
	s->action = def->action;
	s->since_ms = now_ms;
	s->last_ms = -1;
	snprintf(s->last_error, sizeof(s->last_error), "not run yet");
}

static bool set_healthy(struct health_check_state *s, bool healthy, uint64_t now_ms)
{
	bool first = !s->ever_ran;

	s->ever_ran = true;
	if (s->healthy == healthy && !first)
		return false;
	/* The first verdict is a transition even when unhealthy: from "not yet run". */
	s->healthy = healthy;
	s->since_ms = now_ms;
	s->transitions++;
	return true;
}

bool health_state_result(struct health_check_state *s, const struct cfg_check *def, bool ok,
			 uint64_t now_ms, int64_t took_ms, const char *err)
{
	bool first = !s->ever_ran;

	s->last_ms = took_ms;
	if (ok) {
		s->successes++;
		s->fails = 0;
		s->last_error[0] = '\0';
	} else {
		s->fails++;
		s->successes = 0;
		snprintf(s->last_error, sizeof(s->last_error), "%s", err && *err ? err : "failed");
	}
	/* The first result decides at once: a (re)start serves within one probe. */
	if (first)
		return set_healthy(s, ok, now_ms);
	if (ok && !s->healthy && s->successes >= def->rise)
		return set_healthy(s, true, now_ms);
	if (!ok && s->healthy && s->fails >= def->fall)
		return set_healthy(s, false, now_ms);
	return false;
}

/* Unhealthy checks' rules, of those whose action is in @actions (bit per action). */
static uint32_t rules_of(const struct health *h, unsigned int actions)
{
	uint32_t mask = 0;

	for (unsigned int i = 0; i < h->n; i++)
		if (!h->st[i].healthy && (actions & (1u << h->st[i].action)))
			mask |= h->st[i].rules_mask;
	return mask;
}

uint32_t health_failing_rules(const struct health *h)
{
	return rules_of(h, (1u << CFG_ACT_DRAIN) | (1u << CFG_ACT_DISABLE));
}

uint32_t health_disable_rules(const struct health *h)
{
	return rules_of(h, 1u << CFG_ACT_DISABLE);
}

/*
 * Only a check that has run and failed: a stop is a drainstop of the whole
 * host, too much to do for a check whose first probe has not answered yet.
 */
bool health_wants_stop(const struct health *h)
{
	for (unsigned int i = 0; i < h->n; i++)
		if (h->st[i].ever_ran && !h->st[i].healthy && h->st[i].action == CFG_ACT_STOP)
			return true;
	return false;
}

unsigned int health_count(const struct health *h)
{
	return h->n;
}

const struct health_check_state *health_get(const struct health *h, unsigned int i)
{
	return i < h->n ? &h->st[i] : NULL;
}

uint64_t health_changed(const struct health *h)
{
	return h->changed;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The event log: the ring keeps the last EV_RING events whole (a 3000-char
 * text is not cut, in the ring nor on stderr), repeats beyond the burst are
 * counted into one "(N similar ... suppressed)" summary, member lists read as
 * ranges at any size, the auto target follows JOURNAL_STREAM, and every event
 * kind has a name, a unique MESSAGE_ID and an entry in the journal catalog.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "events.c"

static long fake_now;
static long fake_clock(void)
{
	return fake_now;
}

static int setup(void **state)
{
	(void)state;
	ev_reset();
	ev_set_target("stderr");
	fake_now = 1000;
	ev_clock = fake_clock;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ev_reset();
	return 0;
}

static void test_ring_keeps_the_last_events(void **state)
{
	const struct ev_record *r;
	uint64_t s;

	(void)state;
	assert_int_equal(ev_last_seq(), 0);
	assert_null(ev_get(0));
	assert_null(ev_get(1));
	/* Kinds in turn so the rate limit does not count them. */
	for (s = 1; s <= EV_RING + 6; s++) {
		ev_emit((enum wlbs_event_kind)(1 + s % (WLBS_EV_MAX - 1)), LOG_INFO,
			&(struct ev_fields){.host = (uint8_t)(s % 64 + 1)}, "event %llu",
			(unsigned long long)s);
		if (s % 9 == 0)
			fake_now += EV_WINDOW_S;
	}
	assert_int_equal(ev_last_seq(), EV_RING + 6);
	assert_null(ev_get(6));
	r = ev_get(7);
	assert_non_null(r);
	assert_int_equal(r->seq, 7);
	assert_string_equal(r->text, "event 7");
	r = ev_get(EV_RING + 6);
	assert_non_null(r);
	assert_string_equal(r->text, "event 70");
	assert_int_equal(r->host, 70 % 64 + 1);
	assert_null(ev_get(EV_RING + 7));
}

static void test_long_text_is_not_cut(void **state)
{
	char big[3001], *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f = tmpfile();
	int saved = dup(STDERR_FILENO);

	(void)state;
	memset(big, 'x', 3000);
	big[3000] = 0;
	big[2999] = 'Z'; /* the end is there */
	assert_non_null(f);
	fflush(stderr);
	dup2(fileno(f), STDERR_FILENO);
	ev_emit(WLBS_EV_RELOAD_REFUSED, LOG_WARNING, NULL, "reload refused: %s", big);
	log_info("a log line of %zu chars: %s", strlen(big), big);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);

	assert_int_equal(strlen(ev_get(1)->text), strlen("reload refused: ") + 3000);
	rewind(f);
	n = getline(&line, &cap, f);
	assert_int_equal(n, strlen("<4>reload refused: ") + 3000 + 1);
	assert_int_equal(line[n - 2], 'Z');
	n = getline(&line, &cap, f);
	assert_true(n > 3000);
	assert_int_equal(line[n - 2], 'Z');
	free(line);
	fclose(f);
}

static void test_repeats_are_summarised(void **state)
{
	const struct ev_record *r;
	int i;

	(void)state;
	for (i = 0; i < EV_BURST + 5; i++)
		ev_emit(WLBS_EV_HOST_LEFT, LOG_INFO, NULL, "host %d left", i);
	/* Another kind is not held back by this one. */
	ev_emit(WLBS_EV_HOST_JOINED, LOG_INFO, NULL, "host 9 joined");
	assert_int_equal(ev_last_seq(), EV_BURST + 1);
	ev_flush(); /* the window is not over: nothing yet */
	assert_int_equal(ev_last_seq(), EV_BURST + 1);
	fake_now += EV_WINDOW_S;
	ev_flush();
	assert_int_equal(ev_last_seq(), EV_BURST + 2);
	r = ev_get(ev_last_seq());
	assert_int_equal(r->kind, WLBS_EV_HOST_LEFT);
	assert_string_equal(r->text, "(5 similar host-left events suppressed)");
	/* A new window writes again, and a flush with nothing suppressed adds nothing. */
	ev_emit(WLBS_EV_HOST_LEFT, LOG_INFO, NULL, "host 1 left again");
	assert_string_equal(ev_get(ev_last_seq())->text, "host 1 left again");
	fake_now += EV_WINDOW_S;
	ev_flush();
	assert_string_equal(ev_get(ev_last_seq())->text, "host 1 left again");
}

static void test_members_read_as_ranges(void **state)
{
	char buf[MEMBERS_STR_MAX], want[MEMBERS_STR_MAX] = "";
	int p;

	(void)state;
	assert_string_equal(members_str(0, buf, sizeof(buf)), "none");
	assert_string_equal(members_str(0x1, buf, sizeof(buf)), "1");
	assert_string_equal(members_str(0x3, buf, sizeof(buf)), "1, 2");
	assert_string_equal(members_str(0x2f, buf, sizeof(buf)), "1-4, 6");
	assert_string_equal(members_str(~0ull, buf, sizeof(buf)), "1-64");
	assert_string_equal(members_str(1ull << 63, buf, sizeof(buf)), "64");
	assert_string_equal(
	    members_str(0xffffull << 16 | 1ull << 40 | 3ull << 62, buf, sizeof(buf)),
	    "17-32, 41, 63, 64");
	/* Every other host of 64: 32 numbers, none lost (not cut at 16 or 32 hosts). */
	for (p = 1; p <= 63; p += 2)
		snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s%d",
			 p > 1 ? ", " : "", p);
	assert_string_equal(members_str(0x5555555555555555ull, buf, sizeof(buf)), want);
	want[0] = 0;
	for (p = 2; p <= 64; p += 2)
		snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s%d",
			 p > 2 ? ", " : "", p);
	assert_string_equal(members_str(0xaaaaaaaaaaaaaaaaull, buf, sizeof(buf)), want);
	assert_true(strlen(buf) < MEMBERS_STR_MAX);
}

static void test_auto_target_follows_journal_stream(void **state)
{
	struct stat st;
	char js[64];

	(void)state;
	assert_int_equal(fstat(STDERR_FILENO, &st), 0);
	snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", js, 1);
	assert_int_equal(ev_set_target("auto"), 0);
	assert_true(use_journal);
	snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino + 1);
	setenv("JOURNAL_STREAM", js, 1);
	assert_int_equal(ev_set_target("auto"), 0);
	assert_false(use_journal);
	unsetenv("JOURNAL_STREAM");
	assert_int_equal(ev_set_target("auto"), 0);
	assert_false(use_journal);
	assert_int_equal(ev_set_target("journal"), 0);
	assert_true(use_journal);
	assert_int_equal(ev_set_target("syslog"), -EINVAL);
	assert_int_equal(ev_set_target("stderr"), 0);
	assert_false(use_journal);
}

/* The catalog source, from the top of the tree (make check-unit runs there) or from here. */
static char *read_catalog(void)
{
	static const char *const paths[] = {"systemd/wlbs.catalog.in",
					    "../../systemd/wlbs.catalog.in"};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = NULL;
	unsigned int i;

	for (i = 0; i < 2 && !f; i++)
		f = fopen(paths[i], "re");
	assert_non_null(f);
	assert_int_equal(getdelim(&buf, &len, 0, f) > 0, 1);
	fclose(f);
	return buf;
}

static void test_every_kind_has_an_id_and_a_catalog_entry(void **state)
{
	char *cat = read_catalog(), *line, *save = NULL, head[64];
	int k, j, entries = 0;

	(void)state;
	assert_null(ev_kind_name(0));
	assert_null(ev_kind_name(WLBS_EV_MAX));
	assert_null(ev_kind_message_id(WLBS_EV_MAX));
	for (k = 1; k < WLBS_EV_MAX; k++) {
		const char *id = ev_kind_message_id(k), *entry;

		assert_non_null(ev_kind_name(k));
		assert_non_null(id);
		assert_int_equal(strlen(id), 32);
		assert_int_equal(strspn(id, "0123456789abcdef"), 32);
		for (j = 1; j < k; j++) {
			assert_string_not_equal(id, ev_kind_message_id(j));
			assert_string_not_equal(ev_kind_name(k), ev_kind_name(j));
		}
		snprintf(head, sizeof(head), "\n-- %s\nSubject: ", id);
		entry = strstr(cat, head);
		if (!entry)
			fail_msg("event kind %s (%s) has no catalog entry", ev_kind_name(k), id);
		assert_non_null(strstr(entry, "\nDefined-By: wlbs\n"));
	}
	/* ...and the catalog has no entry for an ID that is not a kind. */
	for (line = strtok_r(cat, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "-- ", 3))
			continue;
		entries++;
		for (k = 1; k < WLBS_EV_MAX && strcmp(line + 3, ev_kind_message_id(k)); k++)
			;
		if (k == WLBS_EV_MAX)
			fail_msg("catalog entry %s is no event kind", line + 3);
	}
	assert_int_equal(entries, WLBS_EV_MAX - 1);
	free(cat);
}

/* journalctl itself accepts the catalog: every ID is listed after --update-catalog. */
static void test_journalctl_accepts_the_catalog(void **state)
{
	char dir[] = "/tmp/wlbs-catalog.XXXXXX", cmd[512], *cat = read_catalog(), line[256];
	int k, found = 0;
	FILE *f, *p;

	(void)state;
	if (system("command -v journalctl >/dev/null 2>&1")) {
		free(cat);
		skip();
	}
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/usr/lib/systemd/catalog", dir);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s/usr/lib/systemd/catalog/wlbs.catalog", dir);
	f = fopen(cmd, "we");
	assert_non_null(f);
	fputs(cat, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "journalctl --root=%s --update-catalog && journalctl --root=%s --list-catalog",
		 dir, dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p))
		for (k = 1; k < WLBS_EV_MAX; k++)
			if (!strncmp(line, ev_kind_message_id(k), 32) && strstr(line, " wlbs: "))
				found++;
	assert_int_equal(pclose(p), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	free(cat);
	assert_int_equal(found, WLBS_EV_MAX - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_ring_keeps_the_last_events, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_long_text_is_not_cut, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_repeats_are_summarised, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_members_read_as_ranges, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_auto_target_follows_journal_stream, setup,
					    teardown),
	    cmocka_unit_test(test_every_kind_has_an_id_and_a_catalog_entry),
	    cmocka_unit_test(test_journalctl_accepts_the_catalog),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: GPL-2.0 */
/* Seed files for the fuzzers: one mode byte, then a real frame (WLBS_FUZZ_SEEDS=DIR). */
#ifndef WLBS_FUZZ_SEED_H
#define WLBS_FUZZ_SEED_H

#include <stdint.h>
#include <stdio.h>

static inline void write_seed(const char *dir, const char *name, uint8_t mode, const uint8_t *frame,
			      size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f)
		return;
	fputc(mode, f);
	fwrite(frame, 1, len, f);
	fclose(f);
}

#endif

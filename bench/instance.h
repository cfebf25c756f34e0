/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A wlbs fast path under test: this build's (the skeleton) or another
 * build's wlbs.bpf.o (--before), loaded side by side so that one run
 * measures both. Tables are reached through the layout each object has.
 */
#ifndef WLBS_BENCH_INSTANCE_H
#define WLBS_BENCH_INSTANCE_H

#include <stddef.h>
#include <stdint.h>

#include "wlbs/common.h"

struct bpf_object;
struct bpf_map;

struct instance {
	struct bpf_object *obj; /* NULL: the skeleton's (not ours to close) */
	int xdp_fd;
	int clock_fd;
	struct wlbs_cfg *cfg;
	struct wlbs_tables *tables; /* both generations */
	uint8_t *owners;	    /* owner table mmap */
	size_t owner_stride;	    /* bytes per bucket entry */
	size_t owners_len;
	uint64_t *held; /* held bits mmap, NULL when the build has none */
	size_t held_len;
	uint32_t *hint; /* connection hint mmap, NULL when the build has none */
	size_t hint_len;
	struct wlbs_port_rules *port_rules; /* both generations, NULL when the build has none */
	size_t port_rules_len;
	uint8_t *conns; /* connection counts mmap */
	size_t conn_width;
	size_t conns_len;
	void *bss; /* our mapping of another build's .bss */
	size_t bss_len;
};

/* Maps the owner, count, held, hint and port tables (the last three may be NULL) into @in. */
int instance_map_tables(struct instance *in, struct bpf_map *owners, struct bpf_map *conns,
			struct bpf_map *held, struct bpf_map *hint, struct bpf_map *port_rules);
/* Loads another build's object; its .bss must have this build's wlbs_cfg/wlbs_tables layout. */
int instance_load(struct instance *in, const char *path, size_t bss_size, size_t tables_off);
void instance_close(struct instance *in);

void instance_set_owner(struct instance *in, uint32_t rule, uint32_t bucket, uint8_t owner);
void instance_set_conns(struct instance *in, uint32_t slot, int32_t n);
/* Every connection hint slot to @n (a build without the hint: nothing). */
void instance_set_hints(struct instance *in, uint32_t n);

#endif

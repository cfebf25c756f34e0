// SPDX-License-Identifier: GPL-2.0
/* A wlbs fast path under test: see instance.h. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "instance.h"

static void *map_all(struct bpf_map *map, size_t *len)
{
	void *p;

	*len = (size_t)bpf_map__value_size(map) * bpf_map__max_entries(map);
	p = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(map), 0);
	return p == MAP_FAILED ? NULL : p;
}

int instance_map_tables(struct instance *in, struct bpf_map *owners, struct bpf_map *conns,
			struct bpf_map *held, struct bpf_map *hint, struct bpf_map *port_rules)
{
	/* One entry per bucket (before the tables were compacted) or one per rule. */
	in->owner_stride = bpf_map__max_entries(owners) == WLBS_OWNER_TABLES
			       ? bpf_map__value_size(owners) / WLBS_BUCKETS
			       : bpf_map__value_size(owners);
	in->conn_width = bpf_map__max_entries(conns) == WLBS_CONN_TABLES
			     ? bpf_map__value_size(conns) / WLBS_BUCKETS
			     : bpf_map__value_size(conns);
	in->owners = map_all(owners, &in->owners_len);
	in->conns = map_all(conns, &in->conns_len);
	in->held = held ? map_all(held, &in->held_len) : NULL;
	in->hint = hint ? map_all(hint, &in->hint_len) : NULL;
	in->port_rules = port_rules ? map_all(port_rules, &in->port_rules_len) : NULL;
	if (!in->owners || !in->conns || (held && !in->held) || (hint && !in->hint) ||
	    (port_rules && (!in->port_rules || in->port_rules_len != WLBS_PORT_RULES_SIZE)) ||
	    (hint && in->hint_len != WLBS_HINT_SIZE) ||
	    (in->conn_width != 4 && in->conn_width != 8))
		return -EINVAL;
	return 0;
}

int instance_load(struct instance *in, const char *path, size_t bss_size, size_t tables_off)
{
	struct bpf_map *map, *bss = NULL, *owners, *conns;
	struct bpf_program *prog;
	void *data;
	int err;

	memset(in, 0, sizeof(*in));
	in->obj = bpf_object__open_file(path, NULL);
	if (!in->obj)
		return -errno;
	err = bpf_object__load(in->obj);
	if (err)
		return err;
	bpf_object__for_each_map(map, in->obj) if (strstr(bpf_map__name(map), ".bss")) bss = map;
	prog = bpf_object__find_program_by_name(in->obj, "wlbs_xdp");
	/* Our own mapping: outside a skeleton, libbpf's copy is not the map's memory. */
	data = bss ? map_all(bss, &in->bss_len) : NULL;
	if (!prog || !data || bpf_map__value_size(bss) != bss_size)
		return -EPROTO;
	in->bss = data;
	in->xdp_fd = bpf_program__fd(prog);
	prog = bpf_object__find_program_by_name(in->obj, "wlbs_clock");
	in->clock_fd = prog ? bpf_program__fd(prog) : -1;
	in->cfg = data;
	in->tables = (struct wlbs_tables *)((char *)data + tables_off);
	owners = bpf_object__find_map_by_name(in->obj, "wlbs_owners");
	conns = bpf_object__find_map_by_name(in->obj, "wlbs_conns");
	return owners && conns
		   ? instance_map_tables(in, owners, conns,
					 bpf_object__find_map_by_name(in->obj, "wlbs_held"),
					 bpf_object__find_map_by_name(in->obj, "wlbs_conn_hint"),
					 bpf_object__find_map_by_name(in->obj, "wlbs_port_rules"))
		   : -EPROTO;
}

void instance_close(struct instance *in)
{
	if (in->owners)
		munmap(in->owners, in->owners_len);
	if (in->conns)
		munmap(in->conns, in->conns_len);
	if (in->bss)
		munmap(in->bss, in->bss_len);
	if (in->held)
		munmap(in->held, in->held_len);
	if (in->hint)
		munmap(in->hint, in->hint_len);
	if (in->port_rules)
		munmap(in->port_rules, in->port_rules_len);
	bpf_object__close(in->obj);
	memset(in, 0, sizeof(*in));
}

void instance_set_owner(struct instance *in, uint32_t rule, uint32_t bucket, uint8_t owner)
{
	in->owners[(size_t)wlbs_owner_slot(0, rule, bucket) * in->owner_stride] = owner;
}

void instance_set_conns(struct instance *in, uint32_t slot, int32_t n)
{
	int64_t wide = n;

	if (in->conn_width == 8)
		memcpy(in->conns + (size_t)slot * 8, &wide, 8);
	else
		memcpy(in->conns + (size_t)slot * 4, &n, 4);
	if (in->held && n)
		in->held[slot / 64] |= 1ull << (slot % 64);
	else if (in->held)
		in->held[slot / 64] &= ~(1ull << (slot % 64));
}

void instance_set_hints(struct instance *in, uint32_t n)
{
	size_t i;

	for (i = 0; in->hint && i < WLBS_HINT_SLOTS; i++)
		in->hint[i] = n;
}

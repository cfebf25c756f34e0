-- SPDX-License-Identifier: GPL-2.0
--
-- Wireshark dissector for wlbs' wire formats (Wireshark 4.0 Lua API):
--
--   ethertype 0x886F, magic "WLBH"   convergence heartbeat   include/wlbs/heartbeat.h
--   ethertype 0x886F, magic "WLBD"   rules descriptor        include/wlbs/rules_desc.h
--   UDP 2504 and 1717, magic "WLBR"  remote control envelope include/wlbs/remote.h
--     around a control message "WLBC" (request, or response with typed
--     records)                                              include/wlbs/control.h,
--                                                            control_records.h
--
-- NLB's own heartbeats use the same ethertype: Wireshark's msnlb dissector
-- owns 0x886F, so this one takes the table entry over and hands every frame
-- without a wlbs magic back to it. The layouts and names below follow the
-- headers named above; a change there needs a change here (the netns test
-- tests/netns/test_wireshark.sh reads real frames with this file).
--
-- Installed into Wireshark's global Lua plugin directory by `make install`;
-- by hand: `tshark -X lua_script:contrib/wireshark/wlbs.lua -r capture.pcap -V`.
-- Filters: wlbs, wlbs.hb, wlbs.rd, wlbs.rc, wlbs.ctl and their fields
-- (wlbs.hb.host == 2, wlbs.hb.view.host == 3, wlbs.ctl.status == 1000, ...).

-- Loaded twice (the package's copy and -X lua_script:): the first one stays.
local loaded_ok, loaded = pcall(Dissector.get, "wlbs")
if loaded_ok and loaded then
	if report_failure then
		report_failure("wlbs.lua: a wlbs dissector is already loaded; this copy is skipped")
	end
	return
end

local wlbs = Proto("wlbs", "wlbs (Network Load Balancing for Linux)")

local ETH_P_HEARTBEAT = 0x886F
local UDP_PORTS = { 2504, 1717 }
local MAGIC_HB, MAGIC_RD, MAGIC_RC, MAGIC_CTL = 0x574c4248, 0x574c4244, 0x574c4252, 0x574c4243
local HB_VERSION, RD_VERSION, RC_VERSION, CTL_VERSION = 4, 1, 1, 2
local HB_LEN, HB_RULES_OFF, HB_DIRTY_OFF, HB_AUTH_OFF = 1256, 72, 200, 1224
local HB_DIRTY_BYTES, AUTH_LEN, MAX_RULES = 1024, 32, 32
local RD_HDR_LEN, RD_RULE_LEN = 40, 40
local RC_HDR_LEN, RC_MAC_LEN, RC_NONCE_LEN = 32, 32, 16
local CTL_HDR_LEN, CTL_REQ_LEN, CTL_RESP_LEN, CTL_MSG_MAX = 12, 40, 64, 4064

-- ---- value names (the headers' enums) ------------------------------------

local fp_state_names = { [0] = "stopped", [1] = "running", [2] = "draining" }
local cmd_names = {
	[0] = "undecodable", [1] = "query", [2] = "start", [3] = "stop", [4] = "drainstop",
	[5] = "suspend", [6] = "resume", [7] = "enable", [8] = "disable", [9] = "drain",
	[10] = "display", [11] = "params", [12] = "reload", [13] = "queryport", [14] = "stats",
}
local status_names = {
	[1000] = "WLBS_OK", [1001] = "WLBS_ALREADY", [1002] = "WLBS_DRAIN_STOP",
	[1003] = "WLBS_BAD_PARAMS", [1004] = "WLBS_NOT_FOUND", [1005] = "WLBS_STOPPED",
	[1006] = "WLBS_CONVERGING", [1007] = "WLBS_CONVERGED", [1008] = "WLBS_DEFAULT",
	[1009] = "WLBS_DRAINING", [1012] = "WLBS_LOCAL_ONLY", [1013] = "WLBS_SUSPENDED",
	[1014] = "WLBS_MEDIA_DISCONNECTED", [1050] = "WLBS_REBOOT", [1100] = "WLBS_INIT_ERROR",
	[1101] = "WLBS_BAD_PASSW", [1102] = "WLBS_IO_ERROR", [1103] = "WLBS_TIMEOUT",
	[1150] = "WLBS_PORT_OVERLAP", [1151] = "WLBS_BAD_PORT_PARAMS", [1152] = "WLBS_MAX_PORT_RULES", [1200] = "WLBS_CHECK_FAILING",
}
local host_state_names = {
	[0] = "stopped", [1] = "converging", [2] = "converged", [3] = "draining", [4] = "suspended",
}
local cause_names = {
	[0] = "none", [1] = "host started", [2] = "new member", [3] = "member lost",
	[4] = "duplicate host priority", [5] = "different number of port rules",
	[6] = "different port rules", [7] = "bad configuration", [8] = "configuration reloaded",
	[9] = "listening", [10] = "excluded: other port rules", [11] = "bad key",
	[12] = "hears nobody", [13] = "cluster IP conflict", [14] = "one-way loss",
	[15] = "not in the leader's view", [16] = "yields to the other partition",
}
local rule_state_names = { [0] = "none", [1] = "enabled", [2] = "disabled", [3] = "draining" }
local msg_type_names = { [1] = "request", [2] = "response" }
local rec_kind_names = {
	[1] = "host", [2] = "params", [3] = "addr", [4] = "rule", [5] = "packets", [6] = "stats",
	[7] = "event", [8] = "conflict", [9] = "check",
}
local rule_mode_names = { [0] = "multiple", [1] = "single", [2] = "disabled" }
local affinity_names = { [0] = "none", [1] = "single", [2] = "classc" }
local proto_names = { [1] = "tcp", [2] = "udp", [3] = "both" }
local cluster_mode_names = { [0] = "multicast", [1] = "igmp", [2] = "unicast" }
local initial_state_names = { [0] = "started", [1] = "stopped", [2] = "suspended" }
local xdp_mode_names = { [0] = "auto", [1] = "native", [2] = "generic" }
local addr_role_names = { [1] = "cluster IP", [2] = "dedicated IP" }
local conflict_names = { [1] = "rules", [2] = "cluster IP claimed" }
local check_type_names = { [0] = "tcp", [1] = "http", [2] = "exec" }
local check_action_names = { [0] = "drain", [1] = "disable", [2] = "stop" }
local slot_names = { [32] = "no rule", [33] = "not cluster" }
local event_kind_names = {
	[0] = "none", [1] = "start", [2] = "exit", [3] = "host-joined", [4] = "host-left",
	[5] = "converged", [6] = "partition", [7] = "partition-healed", [8] = "duplicate-priority",
	[9] = "rules-differ", [10] = "bad-auth", [11] = "vip-claimed", [12] = "command",
	[13] = "reload", [14] = "reload-refused", [15] = "drain-done", [16] = "remote-off",
	[17] = "key-mismatch", [18] = "conflict-cleared", [19] = "check-failed",
	[20] = "check-passed", [21] = "serving-anyway", [22] = "check-stop",
}
local syslog_prio_names = {
	[0] = "emerg", [1] = "alert", [2] = "crit", [3] = "err", [4] = "warning", [5] = "notice",
	[6] = "info", [7] = "debug",
}
-- enum wlbs_reason (common.h): index of a packets counter.
local reason_names = {
	[0] = "not-cluster", "heartbeat", "owned", "held", "default", "frag-pass", "not-owner",
	"dirty", "stopped", "stale", "rule-disabled", "not-default", "frag-drop", "malformed",
	"arp-reply", "arp-drop", "nd-reply", "nd-drop", "control", "frag-early", "neigh-pass",
	"foreign-synack", "hairpin",
}
-- enum wlbs_hb_drop (control_records.h) and enum remote_verdict (lib/remote_auth.h).
local hb_drop_names = {
	[0] = "malformed", "version", "foreign", "unauth", "badauth", "stale", "queue-full",
}
local remote_verdict_names = {
	[0] = "ok", "bad-request", "other-host", "bad-password", "stale", "future", "replay",
	"busy", "truncated", "oversized", "version", "garbage",
}

-- ---- fields ----------------------------------------------------------------

local F = {}
local fields = {}
local function field(key, pf)
	F[key] = pf
	fields[#fields + 1] = pf
	return pf
end

-- Heartbeat.
field("hb", ProtoField.none("wlbs.hb", "Heartbeat"))
field("hb_magic", ProtoField.uint32("wlbs.hb.magic", "Magic", base.HEX))
field("hb_version", ProtoField.uint8("wlbs.hb.version", "Version"))
field("hb_host", ProtoField.uint8("wlbs.hb.host", "Host priority"))
field("hb_state", ProtoField.uint8("wlbs.hb.state", "State", base.DEC, fp_state_names))
field("hb_flags", ProtoField.uint8("wlbs.hb.flags", "Flags", base.HEX))
field("hb_f_conv", ProtoField.bool("wlbs.hb.flags.converged", "Converged", 8, nil, 0x01))
field("hb_f_listen", ProtoField.bool("wlbs.hb.flags.listening", "Listening", 8, nil, 0x02))
field("hb_f_excl", ProtoField.bool("wlbs.hb.flags.excluded", "Excluded", 8, nil, 0x04))
field("hb_f_auth", ProtoField.bool("wlbs.hb.flags.auth", "Authenticator set", 8, nil, 0x08))
field("hb_f_known", ProtoField.bool("wlbs.hb.flags.known_owners", "Known owners", 8, nil, 0x10))
field("hb_f_uncovered", ProtoField.bool("wlbs.hb.flags.uncovered", "Holds connections no rule covers",
	8, nil, 0x20))
field("hb_cluster", ProtoField.uint32("wlbs.hb.cluster_id", "Cluster id", base.HEX))
field("hb_fp", ProtoField.uint32("wlbs.hb.fingerprint", "Rules fingerprint", base.HEX))
field("hb_seed", ProtoField.uint32("wlbs.hb.hash_seed", "Hash seed", base.HEX))
field("hb_nrules", ProtoField.uint8("wlbs.hb.n_rules", "Port rules"))
field("hb_leader", ProtoField.uint8("wlbs.hb.leader", "Leader"))
field("hb_min_serving", ProtoField.uint8("wlbs.hb.min_serving", "min_serving"))
field("hb_reserved", ProtoField.uint8("wlbs.hb.reserved", "Reserved", base.HEX))
field("hb_leader_age", ProtoField.uint32("wlbs.hb.leader_age_ms", "Leader news age (ms)"))
field("hb_uptime", ProtoField.uint32("wlbs.hb.uptime_ms", "Uptime (ms)"))
field("hb_nonce", ProtoField.uint64("wlbs.hb.nonce", "Boot nonce", base.HEX))
field("hb_seq", ProtoField.uint64("wlbs.hb.seq", "Sequence"))
field("hb_heard", ProtoField.uint64("wlbs.hb.heard", "Heard", base.HEX))
field("hb_heard_host", ProtoField.uint8("wlbs.hb.heard.host", "Heard host"))
field("hb_view", ProtoField.uint64("wlbs.hb.view", "View", base.HEX))
field("hb_view_host", ProtoField.uint8("wlbs.hb.view.host", "View member"))
field("hb_digest", ProtoField.uint64("wlbs.hb.digest", "View digest", base.HEX))
field("hb_rule", ProtoField.none("wlbs.hb.rule", "Rule"))
field("hb_rule_weight", ProtoField.uint8("wlbs.hb.rule.weight", "Load weight"))
field("hb_rule_flags", ProtoField.uint8("wlbs.hb.rule.flags", "Rule flags", base.HEX))
field("hb_rule_equal", ProtoField.bool("wlbs.hb.rule.flags.equal", "Equal load", 8, nil, 0x1))
field("hb_rule_off", ProtoField.bool("wlbs.hb.rule.flags.off", "Takes no new connections", 8,
	nil, 0x2))
field("hb_rule_unhealthy", ProtoField.bool("wlbs.hb.rule.flags.unhealthy",
	"A health check guarding it fails", 8, nil, 0x4))
field("hb_rule_prio", ProtoField.uint8("wlbs.hb.rule.handling_prio", "Handling priority"))
field("hb_rule_reserved", ProtoField.uint8("wlbs.hb.rule.reserved", "Reserved", base.HEX))
field("hb_dirty", ProtoField.bytes("wlbs.hb.dirty", "Dirty bucket bitmap"))
field("hb_dirty_count", ProtoField.uint16("wlbs.hb.dirty.count", "Dirty buckets"))
field("hb_dirty_list", ProtoField.string("wlbs.hb.dirty.buckets", "Dirty buckets"))
field("hb_auth", ProtoField.bytes("wlbs.hb.auth", "Authenticator"))
field("hb_auth_present", ProtoField.bool("wlbs.hb.auth.present", "Authenticator present"))

-- Rules descriptor.
field("rd", ProtoField.none("wlbs.rd", "Rules descriptor"))
field("rd_magic", ProtoField.uint32("wlbs.rd.magic", "Magic", base.HEX))
field("rd_version", ProtoField.uint8("wlbs.rd.version", "Version"))
field("rd_host", ProtoField.uint8("wlbs.rd.host", "Host priority"))
field("rd_nrules", ProtoField.uint8("wlbs.rd.n_rules", "Port rules"))
field("rd_flags", ProtoField.uint8("wlbs.rd.flags", "Flags", base.HEX))
field("rd_f_auth", ProtoField.bool("wlbs.rd.flags.auth", "Authenticator set", 8, nil, 0x01))
field("rd_cluster", ProtoField.uint32("wlbs.rd.cluster_id", "Cluster id", base.HEX))
field("rd_fp", ProtoField.uint32("wlbs.rd.fingerprint", "Rules fingerprint", base.HEX))
field("rd_seed", ProtoField.uint32("wlbs.rd.hash_seed", "Hash seed", base.HEX))
field("rd_reserved", ProtoField.uint32("wlbs.rd.reserved", "Reserved", base.HEX))
field("rd_nonce", ProtoField.uint64("wlbs.rd.nonce", "Boot nonce", base.HEX))
field("rd_seq", ProtoField.uint64("wlbs.rd.seq", "Sequence"))
field("rd_rule", ProtoField.none("wlbs.rd.rule", "Rule"))
field("rd_rule_vip", ProtoField.ipv6("wlbs.rd.rule.vip", "Cluster IP"))
field("rd_rule_vip4", ProtoField.ipv4("wlbs.rd.rule.vip4", "Cluster IP (IPv4)"))
field("rd_rule_allvip", ProtoField.bool("wlbs.rd.rule.all_vips", "Every cluster IP"))
field("rd_rule_lo", ProtoField.uint16("wlbs.rd.rule.port_lo", "First port"))
field("rd_rule_hi", ProtoField.uint16("wlbs.rd.rule.port_hi", "Last port"))
field("rd_rule_proto", ProtoField.uint8("wlbs.rd.rule.proto", "Protocol", base.DEC, proto_names))
field("rd_rule_mode", ProtoField.uint8("wlbs.rd.rule.mode", "Mode", base.DEC, rule_mode_names))
field("rd_rule_aff", ProtoField.uint8("wlbs.rd.rule.affinity", "Affinity", base.DEC,
	affinity_names))
field("rd_rule_reserved", ProtoField.uint8("wlbs.rd.rule.reserved", "Reserved", base.HEX))
field("rd_rule_name", ProtoField.string("wlbs.rd.rule.name", "Name"))
field("rd_auth", ProtoField.bytes("wlbs.rd.auth", "Authenticator"))
field("rd_auth_present", ProtoField.bool("wlbs.rd.auth.present", "Authenticator present"))

-- Remote control envelope.
field("rc", ProtoField.none("wlbs.rc", "Remote control"))
field("rc_magic", ProtoField.uint32("wlbs.rc.magic", "Magic", base.HEX))
field("rc_version", ProtoField.uint8("wlbs.rc.version", "Version"))
field("rc_flags", ProtoField.uint8("wlbs.rc.flags", "Flags", base.HEX))
field("rc_f_resp", ProtoField.bool("wlbs.rc.flags.response", "Response", 8, nil, 0x1))
field("rc_f_noauth", ProtoField.bool("wlbs.rc.flags.noauth", "Not authenticated (NOAUTH)", 8,
	nil, 0x2))
field("rc_host", ProtoField.uint8("wlbs.rc.host", "Host"))
field("rc_pad", ProtoField.uint8("wlbs.rc.pad", "Padding", base.HEX))
field("rc_ts_ms", ProtoField.uint64("wlbs.rc.timestamp_ms", "Timestamp (ms since the epoch)"))
field("rc_ts", ProtoField.absolute_time("wlbs.rc.timestamp", "Timestamp", base.UTC))
field("rc_nonce", ProtoField.bytes("wlbs.rc.nonce", "Nonce"))
field("rc_mac", ProtoField.bytes("wlbs.rc.mac", "MAC"))
field("rc_mac_present", ProtoField.bool("wlbs.rc.mac.present", "MAC present"))
field("rc_request_in", ProtoField.framenum("wlbs.rc.request_in", "Request in frame",
	base.NONE, frametype.REQUEST))
field("rc_response_in", ProtoField.framenum("wlbs.rc.response_in", "Response in frame",
	base.NONE, frametype.RESPONSE))

-- Control message.
field("ctl", ProtoField.none("wlbs.ctl", "Control message"))
field("ctl_magic", ProtoField.uint32("wlbs.ctl.magic", "Magic", base.HEX))
field("ctl_version", ProtoField.uint8("wlbs.ctl.version", "Version"))
field("ctl_type", ProtoField.uint8("wlbs.ctl.type", "Type", base.DEC, msg_type_names))
field("ctl_length", ProtoField.uint16("wlbs.ctl.length", "Length"))
field("ctl_id", ProtoField.uint32("wlbs.ctl.request_id", "Request id", base.HEX))
field("ctl_command", ProtoField.uint16("wlbs.ctl.command", "Command", base.DEC, cmd_names))
field("ctl_target", ProtoField.uint16("wlbs.ctl.target", "Target", base.HEX))
field("ctl_t_all", ProtoField.bool("wlbs.ctl.target.allports", "Every port", 16, nil, 0x1))
field("ctl_t_port", ProtoField.bool("wlbs.ctl.target.port", "The rule(s) of port", 16, nil, 0x2))
field("ctl_t_vip", ProtoField.bool("wlbs.ctl.target.vip", "Only cluster IP vip", 16, nil, 0x4))
field("ctl_port", ProtoField.uint16("wlbs.ctl.port", "Port"))
field("ctl_host", ProtoField.uint8("wlbs.ctl.host", "Host"))
field("ctl_pad", ProtoField.bytes("wlbs.ctl.pad", "Padding"))
field("ctl_vip", ProtoField.ipv6("wlbs.ctl.vip", "Cluster IP"))
field("ctl_vip4", ProtoField.ipv4("wlbs.ctl.vip4", "Cluster IP (IPv4)"))
field("ctl_index", ProtoField.uint16("wlbs.ctl.index", "First record wanted"))
field("ctl_flags", ProtoField.uint16("wlbs.ctl.flags", "Flags", base.HEX))
field("ctl_f_default", ProtoField.bool("wlbs.ctl.flags.default", "Default host", 16, nil, 0x1))
field("ctl_f_conv", ProtoField.bool("wlbs.ctl.flags.converged", "Converged", 16, nil, 0x2))
field("ctl_f_pers", ProtoField.bool("wlbs.ctl.flags.state_persisted", "State from the state file",
	16, nil, 0x4))
field("ctl_status", ProtoField.uint32("wlbs.ctl.status", "Status", base.DEC, status_names))
field("ctl_status_name", ProtoField.string("wlbs.ctl.status.name", "Status name"))
field("ctl_state", ProtoField.uint8("wlbs.ctl.state", "State", base.DEC, host_state_names))
field("ctl_cause", ProtoField.uint8("wlbs.ctl.cause", "Last convergence cause", base.DEC,
	cause_names))
field("ctl_rule_state", ProtoField.uint8("wlbs.ctl.rule_state", "Rule state", base.DEC,
	rule_state_names))
field("ctl_members", ProtoField.uint64("wlbs.ctl.members", "Members", base.HEX))
field("ctl_member", ProtoField.uint8("wlbs.ctl.members.host", "Member"))
field("ctl_held", ProtoField.uint64("wlbs.ctl.held", "Connections held"))
field("ctl_acc", ProtoField.uint64("wlbs.ctl.rule_accepted", "Rule: packets accepted"))
field("ctl_drop", ProtoField.uint64("wlbs.ctl.rule_dropped", "Rule: packets dropped"))
field("ctl_text_len", ProtoField.uint16("wlbs.ctl.text_len", "Text length"))
field("ctl_count", ProtoField.uint16("wlbs.ctl.count", "Records here"))
field("ctl_total", ProtoField.uint16("wlbs.ctl.total", "Records in the answer"))
field("ctl_next", ProtoField.uint16("wlbs.ctl.next", "Next page's first record"))
field("ctl_text", ProtoField.string("wlbs.ctl.text", "Text"))
field("ctl_reserved", ProtoField.uint16("wlbs.ctl.reserved", "Reserved", base.HEX))
field("ctl_req_flags", ProtoField.uint16("wlbs.ctl.req_flags", "Request flags", base.HEX))
field("ctl_req_force", ProtoField.bool("wlbs.ctl.req_flags.force", "Force (start at once)", 16,
	nil, 0x1))
field("ctl_trailing", ProtoField.bytes("wlbs.ctl.trailing", "Bytes after the message"))
field("rec", ProtoField.none("wlbs.rec", "Record"))
field("rec_kind", ProtoField.uint16("wlbs.rec.kind", "Kind", base.DEC, rec_kind_names))
field("rec_size", ProtoField.uint16("wlbs.rec.size", "Size"))
field("rec_host", ProtoField.uint8("wlbs.rec.host_list", "Host"))

-- Records: per kind, {offset, type, name, label, extra}. Types: u8 u16 u32 u64
-- i32 i64 (integers; extra: value names or a flags list), hosts (u64 host
-- bitmap), str (NUL-padded), ip6 (v4-mapped shown as IPv4 too), mac, time
-- (int64 seconds), pad; counters(n, names, count field) are u64 arrays.
local REC = {
	[1] = { size = 120,
		{ 0, "str", "version", "wlbsd version", 32 },
		{ 32, "str", "ifname", "Interface", 16 },
		{ 48, "hosts", "view", "View" },
		{ 56, "hosts", "heard", "Heard" },
		{ 64, "hosts", "conflicts", "Hosts with other rules or seed" },
		{ 72, "hosts", "duplicates", "Priorities claimed twice" },
		{ 80, "hosts", "damped", "Damped (flapping)" },
		{ 88, "hosts", "deaf", "Members that do not hear this host" },
		{ 96, "i64", "held", "Connections held" },
		{ 104, "u32", "n_rules", "Port rules" },
		{ 108, "u32", "n_events", "Events kept" },
		{ 112, "u8", "priority", "Host priority" },
		{ 113, "u8", "leader", "Leader", "none" },
		{ 114, "u8", "excluded", "Excluded because", cause_names },
		{ 115, "u8", "flags", "Flags", { { 0x01, "key_set", "Key set" },
			{ 0x02, "key_mismatch", "Key mismatch" }, { 0x04, "native", "Native XDP" },
			{ 0x08, "adopted", "Adopted fast path" }, { 0x10, "converged", "Converged" },
			{ 0x20, "persisted", "State from the state file" } } },
		{ 116, "pad", "pad", "Padding", 4 },
	},
	[2] = { size = 576,
		{ 0, "str", "ifname", "Interface", 16 },
		{ 16, "str", "key_file", "Key file", 256 },
		{ 272, "str", "secret_file", "Remote secret file", 256 },
		{ 528, "u32", "heartbeat_period_ms", "Heartbeat period (ms)" },
		{ 532, "u32", "heartbeat_tolerance", "Heartbeat tolerance" },
		{ 536, "u32", "detection_ms", "Detection bound (ms)" },
		{ 540, "u32", "cleanup_delay_ms", "Cleanup delay (ms)" },
		{ 544, "u32", "hash_seed", "Hash seed" },
		{ 548, "u32", "remote_rate_limit", "Remote requests/s per source" },
		{ 552, "u32", "remote_time_window_s", "Remote clock window (s)" },
		{ 556, "u16", "remote_port", "Remote port" },
		{ 558, "u8", "priority", "Host priority" },
		{ 559, "u8", "cluster_mode", "Cluster mode", cluster_mode_names },
		{ 560, "mac", "cluster_mac", "Cluster MAC" },
		{ 566, "u8", "initial_state", "Initial state", initial_state_names },
		{ 567, "u8", "xdp_mode", "XDP mode", xdp_mode_names },
		{ 568, "u8", "flags", "Flags", { { 0x01, "persist", "Persist state" },
			{ 0x02, "seed_set", "Hash seed set" }, { 0x04, "mac_set", "Cluster MAC set" },
			{ 0x08, "remote", "Remote control" }, { 0x10, "convoy", "Also UDP 1717" },
			{ 0x20, "mac_valid", "Cluster MAC valid" } } },
		{ 569, "u8", "n_vips", "Cluster IPs" },
		{ 570, "u8", "n_dips", "Dedicated IPs" },
		{ 571, "u8", "n_rules", "Port rules" },
		{ 572, "pad", "pad", "Padding", 4 },
	},
	[3] = { size = 24,
		{ 0, "ip6", "addr", "Address" },
		{ 16, "u8", "role", "Role", addr_role_names },
		{ 17, "u8", "prefix", "Prefix length" },
		{ 18, "u8", "v4", "IPv4" },
		{ 19, "pad", "pad", "Padding", 5 },
	},
	[4] = { size = 72,
		{ 0, "str", "name", "Name", 32 },
		{ 32, "ip6", "vip", "Cluster IP", "every cluster IP" },
		{ 48, "i64", "held", "Connections held" },
		{ 56, "u16", "port_lo", "First port" },
		{ 58, "u16", "port_hi", "Last port" },
		{ 60, "u8", "slot", "Stats slot" },
		{ 61, "u8", "proto", "Protocol", proto_names },
		{ 62, "u8", "mode", "Mode", rule_mode_names },
		{ 63, "u8", "affinity", "Affinity", affinity_names },
		{ 64, "u8", "equal_load", "Equal load" },
		{ 65, "u8", "load_weight", "Load weight" },
		{ 66, "u8", "handling_priority", "Handling priority" },
		{ 67, "u8", "rule_state", "Rule state", rule_state_names },
		{ 68, "u8", "vip_v4", "Cluster IP is IPv4" },
		{ 69, "pad", "pad", "Padding", 3 },
	},
	[5] = { size = 296,
		{ 0, "str", "rule", "Rule", 32 },
		{ 32, "u8", "slot", "Slot", { partial = slot_names } },
		{ 33, "u8", "n_reasons", "Reasons counted" },
		{ 34, "pad", "pad", "Padding", 6 },
		{ 40, "counters", "packets", "Packets by reason", 32, reason_names, 33 },
	},
	[6] = { size = 544,
		{ 0, "u64", "hb_sent", "Heartbeats sent" },
		{ 8, "u64", "hb_received", "Heartbeats accepted" },
		{ 16, "counters", "hb_dropped", "Heartbeats dropped by reason", 8, hb_drop_names, 282 },
		{ 80, "counters", "remote", "Remote requests by verdict", 16, remote_verdict_names, 283 },
		{ 208, "u64", "remote_answered", "Remote answers sent" },
		{ 216, "u64", "remote_retransmitted", "Remote answers resent" },
		{ 224, "u64", "remote_rate_limited", "Remote datagrams rate-limited" },
		{ 232, "u64", "remote_errors_suppressed", "Remote error answers suppressed" },
		{ 240, "u64", "convergences", "Convergences" },
		{ 248, "u64", "convergence_last_us", "Last convergence (us)" },
		{ 256, "hosts", "members", "Members" },
		{ 264, "u32", "frag_entries", "Fragment table entries" },
		{ 268, "u32", "frag_max", "Fragment table size" },
		{ 272, "u32", "remote_rate", "Remote requests/s per source" },
		{ 276, "u32", "remote_window_s", "Remote clock window (s)" },
		{ 280, "u16", "remote_port", "Remote port" },
		{ 282, "u8", "n_hb_drops", "Heartbeat drop reasons" },
		{ 283, "u8", "n_remote", "Remote verdicts" },
		{ 284, "u8", "flags", "Flags", { { 0x1, "remote", "Remote control serving" },
			{ 0x2, "convoy", "Also UDP 1717" } } },
		{ 285, "pad", "pad", "Padding", 3 },
		{ 288, "str", "remote_status", "Remote control status", 256 },
	},
	[7] = { size = 552,
		{ 0, "u64", "seq", "Sequence" },
		{ 8, "time", "when", "When" },
		{ 16, "hosts", "members", "Members" },
		{ 24, "i32", "rule", "Rule (index + 1)", "none" },
		{ 28, "u16", "kind", "Event kind", event_kind_names },
		{ 30, "u8", "prio", "Syslog priority", syslog_prio_names },
		{ 31, "u8", "host", "Host", "none" },
		{ 32, "u8", "flags", "Flags", { { 0x1, "cut", "Text cut" } } },
		{ 33, "pad", "pad", "Padding", 7 },
		{ 40, "str", "text", "Text", 512 },
	},
	[8] = { size = 520,
		{ 0, "u8", "type", "Type", conflict_names },
		{ 1, "u8", "host", "Other host", "none" },
		{ 2, "pad", "pad", "Padding", 6 },
		{ 8, "str", "text", "Text", 512 },
	},
	[9] = { size = 336,
		{ 0, "str", "name", "Name", 32 },
		{ 32, "u64", "in_state_ms", "Time in this state (ms)" },
		{ 40, "u64", "transitions", "Transitions" },
		{ 48, "i64", "last_ms", "Last probe (ms, -1 = none)" },
		{ 56, "u32", "fails", "Consecutive failures" },
		{ 60, "u32", "successes", "Consecutive successes" },
		{ 64, "u32", "rules", "Guarded rules (bits)" },
		{ 68, "u32", "serving", "Kept served by min_serving (bits)" },
		{ 72, "u8", "type", "Type", check_type_names },
		{ 73, "u8", "action", "Action", check_action_names },
		{ 74, "u8", "flags", "Flags", { { 0x1, "healthy", "Healthy" }, { 0x2, "ran", "Ran" },
			{ 0x4, "serving", "Serving anyway (min_serving)" } } },
		{ 75, "u8", "min_serving", "Cluster's min_serving" },
		{ 76, "pad", "pad", "Padding", 4 },
		{ 80, "str", "last_error", "Last error", 256 },
	},
}

local int_ctor = {
	u8 = ProtoField.uint8, u16 = ProtoField.uint16, u32 = ProtoField.uint32,
	u64 = ProtoField.uint64, i32 = ProtoField.int32, i64 = ProtoField.int64,
}
local int_len = { u8 = 1, u16 = 2, u32 = 4, u64 = 8, i32 = 4, i64 = 8 }

for kind, spec in pairs(REC) do
	local pfx = "wlbs.rec." .. rec_kind_names[kind] .. "."
	for _, d in ipairs(spec) do
		local off, ty, name, label, extra = d[1], d[2], d[3], d[4], d[5]
		local abbr = pfx .. name
		if int_ctor[ty] then
			if type(extra) == "table" and type(extra[1]) == "table" then
				d.pf = field(abbr, int_ctor[ty](abbr, label, base.HEX))
				d.bits = {}
				for _, b in ipairs(extra) do
					d.bits[#d.bits + 1] = field(abbr .. "." .. b[2],
						ProtoField.bool(abbr .. "." .. b[2], b[3], 8 * int_len[ty], nil, b[1]))
				end
			elseif type(extra) == "table" and extra.partial then
				d.pf = field(abbr, int_ctor[ty](abbr, label, base.DEC))
				d.special = extra.partial -- names of a few values, shown beside them
			elseif type(extra) == "table" then
				d.pf = field(abbr, int_ctor[ty](abbr, label, base.DEC, extra))
			else
				d.pf = field(abbr, int_ctor[ty](abbr, label, base.DEC))
				d.zero = extra -- what 0 means, shown beside it
			end
		elseif ty == "hosts" then
			d.pf = field(abbr, ProtoField.uint64(abbr, label, base.HEX))
		elseif ty == "str" then
			d.pf = field(abbr, ProtoField.string(abbr, label))
		elseif ty == "ip6" then
			d.pf = field(abbr, ProtoField.ipv6(abbr, label))
			d.pf4 = field(abbr .. "4", ProtoField.ipv4(abbr .. "4", label .. " (IPv4)"))
		elseif ty == "mac" then
			d.pf = field(abbr, ProtoField.ether(abbr, label))
		elseif ty == "time" then
			d.pf = field(abbr, ProtoField.absolute_time(abbr, label, base.UTC))
		elseif ty == "pad" then
			d.pf = field(abbr, ProtoField.bytes(abbr, label))
		elseif ty == "counters" then
			d.pf = field(abbr, ProtoField.none(abbr, label))
			d.pf_item = field(abbr .. ".count", ProtoField.uint64(abbr .. ".count", label))
		end
	end
end

wlbs.fields = fields

-- ---- expert info -------------------------------------------------------------

local E = {
	magic = ProtoExpert.new("wlbs.bad_magic", "Bad magic", expert.group.MALFORMED,
		expert.severity.ERROR),
	version = ProtoExpert.new("wlbs.bad_version", "Version this dissector does not know",
		expert.group.PROTOCOL, expert.severity.WARN),
	length = ProtoExpert.new("wlbs.bad_length", "Bad length", expert.group.MALFORMED,
		expert.severity.ERROR),
	value = ProtoExpert.new("wlbs.bad_value", "Field out of range or padding not zero",
		expert.group.PROTOCOL, expert.severity.WARN),
	noauth = ProtoExpert.new("wlbs.noauth", "Answer without MAC: the request's MAC was wrong",
		expert.group.SECURITY, expert.severity.WARN),
	unauth = ProtoExpert.new("wlbs.unauthenticated", "No authenticator",
		expert.group.SECURITY, expert.severity.NOTE),
	record = ProtoExpert.new("wlbs.bad_record", "Bad record", expert.group.MALFORMED,
		expert.severity.ERROR),
}
wlbs.experts = { E.magic, E.version, E.length, E.value, E.noauth, E.unauth, E.record }

-- ---- helpers ---------------------------------------------------------------

-- "1-3, 5" for a sorted list of numbers (at most @max ranges, then "...").
local function ranges(list, max)
	local out, i = {}, 1
	while i <= #list do
		if max and #out == max then
			out[#out + 1] = "..."
			break
		end
		local j = i
		while j < #list and list[j + 1] == list[j] + 1 do j = j + 1 end
		out[#out + 1] = (i == j) and tostring(list[i]) or (list[i] .. "-" .. list[j])
		i = j + 1
	end
	return #out > 0 and table.concat(out, ", ") or "none"
end

-- Host priorities set in the 8-byte big-endian bitmap at @r (bit p-1 = host p).
local function mask_hosts(r)
	local hi, lo, hosts = r:range(0, 4):uint(), r:range(4, 4):uint(), {}
	for p = 1, 64 do
		local w, b = lo, p - 1
		if p > 32 then w, b = hi, p - 33 end
		if math.floor(w / 2 ^ b) % 2 == 1 then hosts[#hosts + 1] = p end
	end
	return hosts
end

-- A host bitmap: the u64 item "(hosts 1-2)" and one generated item per host.
local function add_hosts(tree, pf, pf_host, r)
	local hosts = mask_hosts(r)
	local item = tree:add(pf, r)
	item:append_text(" (hosts " .. ranges(hosts) .. ")")
	for _, p in ipairs(hosts) do
		item:add(pf_host, p):set_generated()
	end
	return hosts
end

local popcount = {}
for v = 0, 255 do
	local n, x = 0, v
	while x > 0 do n, x = n + x % 2, math.floor(x / 2) end
	popcount[v] = n
end

local function all_ff(r)
	local ba = r:bytes()
	for i = 0, ba:len() - 1 do
		if ba:get_index(i) ~= 0xff then return false end
	end
	return true
end

local function all_zero(r)
	local ba = r:bytes()
	for i = 0, ba:len() - 1 do
		if ba:get_index(i) ~= 0 then return false end
	end
	return true
end

-- Adds a reserved/padding field and flags it when it is not zero.
local function add_reserved(tree, pf, r)
	local item = tree:add(pf, r)
	if not all_zero(r) then item:add_proto_expert_info(E.value, "Not zero") end
	return item
end

-- An integer field; @zero (if any) says what 0 means ("none").
local function add_zero(tree, pf, r, zero)
	local item = tree:add(pf, r)
	if zero and r:uint() == 0 then item:append_text(" (" .. zero .. ")") end
	return item
end

local function add_flags(tree, pf, bits, r)
	local item = tree:add(pf, r)
	for _, b in ipairs(bits) do item:add(b, r) end
	return item
end

-- A 16-byte address: IPv6 field, and the IPv4 one when it is v4-mapped;
-- returns it as text.
local function add_addr(tree, pf6, pf4, r)
	local item = tree:add(pf6, r)
	local b = r:bytes()
	local mapped = b:get_index(10) == 0xff and b:get_index(11) == 0xff
	for i = 0, 9 do
		if b:get_index(i) ~= 0 then mapped = false end
	end
	if mapped then
		local v4 = tostring(r:range(12, 4):ipv4())
		tree:add(pf4, r:range(12, 4))
		item:append_text(" (" .. v4 .. ")")
		return v4
	end
	return "[" .. tostring(r:ipv6()) .. "]"
end

local function name_of(names, v)
	return names[v] or ("unknown (" .. v .. ")")
end

-- ---- heartbeat ---------------------------------------------------------------

local function dissect_hb(tvb, pinfo, tree)
	local len = tvb:len()
	local t = tree:add(F.hb, tvb:range(0, math.min(len, HB_LEN)))
	t:add(F.hb_magic, tvb:range(0, 4))
	if len < HB_LEN then
		t:add_proto_expert_info(E.length, string.format(
			"Heartbeat of %d bytes, expected %d", len, HB_LEN))
		pinfo.cols.info = "Heartbeat (truncated)"
		if len < 8 then return len end
	end
	local version = tvb:range(4, 1):uint()
	local vi = t:add(F.hb_version, tvb:range(4, 1))
	if version < HB_VERSION - 1 or version > HB_VERSION then
		vi:add_proto_expert_info(E.version, string.format(
			"Heartbeat version %d; this dissector knows %d and %d", version, HB_VERSION - 1,
			HB_VERSION))
	end
	local host = tvb:range(5, 1):uint()
	local state = tvb:range(6, 1):uint()
	local hi = t:add(F.hb_host, tvb:range(5, 1))
	if host < 1 or host > 64 then hi:add_proto_expert_info(E.value, "Not 1..64") end
	t:add(F.hb_state, tvb:range(6, 1))
	local fr = tvb:range(7, 1)
	add_flags(t, F.hb_flags, { F.hb_f_conv, F.hb_f_listen, F.hb_f_excl, F.hb_f_auth,
		F.hb_f_known, F.hb_f_uncovered }, fr)
	if len < HB_LEN then return len end
	t:add(F.hb_cluster, tvb:range(8, 4))
	t:add(F.hb_fp, tvb:range(12, 4))
	t:add(F.hb_seed, tvb:range(16, 4))
	local n_rules = tvb:range(20, 1):uint()
	local ni = t:add(F.hb_nrules, tvb:range(20, 1))
	if n_rules > MAX_RULES then
		ni:add_proto_expert_info(E.value, "More than " .. MAX_RULES .. " rules")
		n_rules = MAX_RULES
	end
	local leader = tvb:range(21, 1):uint()
	add_zero(t, F.hb_leader, tvb:range(21, 1), "none")
	t:add(F.hb_min_serving, tvb:range(22, 1))
	add_reserved(t, F.hb_reserved, tvb:range(23, 1))
	t:add(F.hb_leader_age, tvb:range(24, 4))
	t:add(F.hb_uptime, tvb:range(28, 4))
	t:add(F.hb_nonce, tvb:range(32, 8))
	local seq = tvb:range(40, 8):uint64()
	t:add(F.hb_seq, tvb:range(40, 8))
	local heard = add_hosts(t, F.hb_heard, F.hb_heard_host, tvb:range(48, 8))
	local view = add_hosts(t, F.hb_view, F.hb_view_host, tvb:range(56, 8))
	t:add(F.hb_digest, tvb:range(64, 8))
	for i = 0, n_rules - 1 do
		local r = tvb:range(HB_RULES_OFF + 4 * i, 4)
		local rt = t:add(F.hb_rule, r)
		local w, fl, prio = r:range(0, 1):uint(), r:range(1, 1):uint(), r:range(2, 1):uint()
		local eq = fl % 2 == 1
		local off = math.floor(fl / 2) % 2 == 1
		local sick = math.floor(fl / 4) % 2 == 1
		rt:append_text(string.format(" %d: weight %s, handling priority %d%s%s", i,
			eq and "equal" or tostring(w), prio, off and ", off" or "",
			sick and ", unhealthy" or ""))
		rt:add(F.hb_rule_weight, r:range(0, 1))
		add_flags(rt, F.hb_rule_flags, { F.hb_rule_equal, F.hb_rule_off, F.hb_rule_unhealthy },
			r:range(1, 1))
		rt:add(F.hb_rule_prio, r:range(2, 1))
		add_reserved(rt, F.hb_rule_reserved, r:range(3, 1))
	end
	if not all_zero(tvb:range(HB_RULES_OFF + 4 * n_rules, 4 * (MAX_RULES - n_rules))) then
		t:add_proto_expert_info(E.value, "Rule entries past n_rules are not zero")
	end
	local dr = tvb:range(HB_DIRTY_OFF, HB_DIRTY_BYTES)
	local di = t:add(F.hb_dirty, dr)
	local ba, count, dirty = dr:bytes(), 0, {}
	for i = 0, HB_DIRTY_BYTES - 1 do
		local v = ba:get_index(i)
		if v ~= 0 then
			count = count + popcount[v]
			for b = 0, 7 do
				if math.floor(v / 2 ^ b) % 2 == 1 then dirty[#dirty + 1] = 8 * i + b end
			end
		end
	end
	di:set_text(string.format("Dirty bucket bitmap: %d of 8192 buckets dirty", count))
	di:add(F.hb_dirty_count, dr, count):set_generated()
	if count > 0 then di:add(F.hb_dirty_list, dr, ranges(dirty, 32)):set_generated() end
	local ar = tvb:range(HB_AUTH_OFF, AUTH_LEN)
	local present = not all_zero(ar)
	local ai = t:add(F.hb_auth, ar)
	ai:add(F.hb_auth_present, ar, present):set_generated()
	local flag_auth = math.floor(fr:uint() / 8) % 2 == 1
	if flag_auth ~= present then
		ai:add_proto_expert_info(E.value, "Flag AUTH and the authenticator disagree")
	elseif not present then
		ai:add_proto_expert_info(E.unauth, "Heartbeat without authenticator (no key_file)")
	end
	if len > HB_LEN then
		t:add_proto_expert_info(E.length, string.format(
			"Heartbeat of %d bytes, expected %d", len, HB_LEN))
	end
	t:append_text(string.format(", host %d, %s, view %s", host,
		name_of(fp_state_names, state), ranges(view)))
	pinfo.cols.info = string.format("Heartbeat host %d %s, view %s, leader %s, heard %s, seq %s",
		host, name_of(fp_state_names, state), ranges(view),
		leader == 0 and "none" or tostring(leader), ranges(heard), tostring(seq))
	return HB_LEN
end

-- ---- rules descriptor --------------------------------------------------------

local function dissect_rd(tvb, pinfo, tree)
	local len = tvb:len()
	local t = tree:add(F.rd, tvb:range(0, len))
	t:add(F.rd_magic, tvb:range(0, 4))
	if len < RD_HDR_LEN + AUTH_LEN then
		t:add_proto_expert_info(E.length, string.format(
			"Rules descriptor of %d bytes, at least %d", len, RD_HDR_LEN + AUTH_LEN))
		pinfo.cols.info = "Rules descriptor (truncated)"
		return len
	end
	local version = tvb:range(4, 1):uint()
	local vi = t:add(F.rd_version, tvb:range(4, 1))
	if version ~= RD_VERSION then
		vi:add_proto_expert_info(E.version, string.format(
			"Rules descriptor version %d; this dissector knows %d", version, RD_VERSION))
	end
	local host = tvb:range(5, 1):uint()
	t:add(F.rd_host, tvb:range(5, 1))
	local n = tvb:range(6, 1):uint()
	local ni = t:add(F.rd_nrules, tvb:range(6, 1))
	add_flags(t, F.rd_flags, { F.rd_f_auth }, tvb:range(7, 1))
	t:add(F.rd_cluster, tvb:range(8, 4))
	t:add(F.rd_fp, tvb:range(12, 4))
	t:add(F.rd_seed, tvb:range(16, 4))
	add_reserved(t, F.rd_reserved, tvb:range(20, 4))
	t:add(F.rd_nonce, tvb:range(24, 8))
	t:add(F.rd_seq, tvb:range(32, 8))
	local want = RD_HDR_LEN + RD_RULE_LEN * n + AUTH_LEN
	if n > MAX_RULES or want ~= len then
		ni:add_proto_expert_info(E.length, string.format(
			"%d rules need %d bytes, the descriptor has %d", n, want, len))
		n = math.min(n, math.floor((len - RD_HDR_LEN - AUTH_LEN) / RD_RULE_LEN))
	end
	local names = {}
	for i = 0, n - 1 do
		local r = tvb:range(RD_HDR_LEN + RD_RULE_LEN * i, RD_RULE_LEN)
		local rt = t:add(F.rd_rule, r)
		local vip = "*"
		if all_ff(r:range(0, 16)) then
			rt:add(F.rd_rule_allvip, r:range(0, 16), true)
		else
			vip = add_addr(rt, F.rd_rule_vip, F.rd_rule_vip4, r:range(0, 16))
		end
		local lo, hi = r:range(16, 2):uint(), r:range(18, 2):uint()
		rt:add(F.rd_rule_lo, r:range(16, 2))
		rt:add(F.rd_rule_hi, r:range(18, 2))
		rt:add(F.rd_rule_proto, r:range(20, 1))
		rt:add(F.rd_rule_mode, r:range(21, 1))
		rt:add(F.rd_rule_aff, r:range(22, 1))
		add_reserved(rt, F.rd_rule_reserved, r:range(23, 1))
		local name = r:range(24, 16):stringz()
		rt:add(F.rd_rule_name, r:range(24, 16), name)
		rt:append_text(string.format(" %d: %s %s:%d-%d/%s %s", i, name, tostring(vip), lo, hi,
			name_of(proto_names, r:range(20, 1):uint()),
			name_of(rule_mode_names, r:range(21, 1):uint())))
		names[#names + 1] = name
	end
	local ar = tvb:range(len - AUTH_LEN, AUTH_LEN)
	local ai = t:add(F.rd_auth, ar)
	ai:add(F.rd_auth_present, ar, not all_zero(ar)):set_generated()
	t:append_text(string.format(", host %d, %d rule(s)", host, n))
	pinfo.cols.info = string.format("Rules descriptor host %d, %d rule(s): %s", host, n,
		table.concat(names, ", "))
	return len
end

-- ---- control message ---------------------------------------------------------

local function dissect_record(tvb, off, tree)
	local kind, size = tvb:range(off, 2):uint(), tvb:range(off + 2, 2):uint()
	local spec = REC[kind]
	local avail = tvb:len() - off - 4
	local rt = tree:add(F.rec, tvb:range(off, math.min(avail, size) + 4))
	rt:append_text(": " .. name_of(rec_kind_names, kind))
	rt:add(F.rec_kind, tvb:range(off, 2))
	local si = rt:add(F.rec_size, tvb:range(off + 2, 2))
	if size > avail then
		si:add_proto_expert_info(E.record, string.format(
			"Record of %d bytes, only %d left", size, avail))
		return nil
	end
	if not spec then
		rt:add_proto_expert_info(E.record, "Unknown record kind " .. kind)
		return off + 4 + size
	end
	if size ~= spec.size then
		si:add_proto_expert_info(E.record, string.format(
			"A %s record has %d bytes", rec_kind_names[kind], spec.size))
		return off + 4 + size
	end
	local r = tvb:range(off + 4, size)
	local summary = {}
	for _, d in ipairs(spec) do
		local o, ty = d[1], d[2]
		if int_len[ty] then
			local fr = r:range(o, int_len[ty])
			if d.bits then
				add_flags(rt, d.pf, d.bits, fr)
			else
				local item = add_zero(rt, d.pf, fr, d.zero)
				local v = d.special and fr:uint()
				if v and d.special[v] then item:append_text(" (" .. d.special[v] .. ")") end
			end
		elseif ty == "hosts" then
			local item = rt:add(d.pf, r:range(o, 8))
			local hosts = mask_hosts(r:range(o, 8))
			item:append_text(" (hosts " .. ranges(hosts) .. ")")
			for _, p in ipairs(hosts) do item:add(F.rec_host, p):set_generated() end
		elseif ty == "str" then
			local s = r:range(o, d[5]):stringz()
			rt:add(d.pf, r:range(o, d[5]), s)
			if d[3] == "name" or d[3] == "rule" or d[3] == "version" then
				summary[#summary + 1] = s
			end
		elseif ty == "ip6" then
			if d[5] and all_zero(r:range(o, 16)) then
				rt:add(d.pf, r:range(o, 16)):append_text(" (" .. d[5] .. ")")
			else
				add_addr(rt, d.pf, d.pf4, r:range(o, 16))
			end
		elseif ty == "mac" then
			rt:add(d.pf, r:range(o, 6))
		elseif ty == "time" then
			local secs = r:range(o, 8):int64():tonumber()
			rt:add(d.pf, r:range(o, 8), NSTime.new(secs, 0))
		elseif ty == "pad" then
			add_reserved(rt, d.pf, r:range(o, d[5]))
		elseif ty == "counters" then
			local n, names = d[5], d[6]
			local used = r:range(d[7], 1):uint()
			local ct = rt:add(d.pf, r:range(o, 8 * n))
			ct:set_text(string.format("%s (%d counted)", d[4], used))
			for i = 0, math.min(used, n) - 1 do
				local cr = r:range(o + 8 * i, 8)
				ct:add(d.pf_item, cr):set_text(string.format("%s: %s",
					names[i] or ("#" .. i), tostring(cr:uint64())))
			end
		end
	end
	if #summary > 0 then rt:append_text(" " .. table.concat(summary, " ")) end
	return off + 4 + size
end

-- Dissects the control message at the start of @tvb; returns its length and
-- a summary {type, command, status, host, state}.
local function dissect_ctl(tvb, pinfo, tree)
	local len = tvb:len()
	local t = tree:add(F.ctl, tvb:range(0, len))
	local info = {}
	if len < CTL_HDR_LEN then
		t:add_proto_expert_info(E.length, "Control message shorter than its 12-byte header")
		return len, info
	end
	local mi = t:add(F.ctl_magic, tvb:range(0, 4))
	if tvb:range(0, 4):uint() ~= MAGIC_CTL then
		mi:add_proto_expert_info(E.magic, "Not \"WLBC\"")
		return len, info
	end
	local version, mtype = tvb:range(4, 1):uint(), tvb:range(5, 1):uint()
	local vi = t:add(F.ctl_version, tvb:range(4, 1))
	if version ~= CTL_VERSION then
		vi:add_proto_expert_info(E.version, string.format(
			"Control protocol version %d; this dissector knows %d", version, CTL_VERSION))
	end
	local ti = t:add(F.ctl_type, tvb:range(5, 1))
	local mlen = tvb:range(6, 2):uint()
	local li = t:add(F.ctl_length, tvb:range(6, 2))
	t:add(F.ctl_id, tvb:range(8, 4))
	local want = mtype == 1 and CTL_REQ_LEN or CTL_RESP_LEN
	if mtype ~= 1 and mtype ~= 2 then
		ti:add_proto_expert_info(E.value, "Neither request nor response")
		return len, info
	end
	if mlen < want or mlen > len or (mtype == 1 and mlen ~= CTL_REQ_LEN) or mlen > CTL_MSG_MAX then
		li:add_proto_expert_info(E.length, string.format(
			"Length %d: a %s is %s bytes, %d are here", mlen, msg_type_names[mtype],
			mtype == 1 and "40" or "64..4064", len))
		if len < want then return len, info end
		mlen = math.max(want, math.min(mlen, len))
	end
	t:set_len(mlen)
	info.command = tvb:range(12, 2):uint()
	t:add(F.ctl_command, tvb:range(12, 2))
	if mtype == 1 then
		add_flags(t, F.ctl_target, { F.ctl_t_all, F.ctl_t_port, F.ctl_t_vip }, tvb:range(14, 2))
		t:add(F.ctl_port, tvb:range(16, 2))
		add_zero(t, F.ctl_host, tvb:range(18, 1), "any")
		info.host = tvb:range(18, 1):uint()
		add_reserved(t, F.ctl_pad, tvb:range(19, 1))
		if all_zero(tvb:range(20, 16)) then
			t:add(F.ctl_vip, tvb:range(20, 16)):append_text(" (none)")
		else
			add_addr(t, F.ctl_vip, F.ctl_vip4, tvb:range(20, 16))
		end
		t:add(F.ctl_index, tvb:range(36, 2))
		add_flags(t, F.ctl_req_flags, { F.ctl_req_force }, tvb:range(38, 2))
		t:append_text(": request " .. name_of(cmd_names, info.command))
		return mlen, info
	end
	add_flags(t, F.ctl_flags, { F.ctl_f_default, F.ctl_f_conv, F.ctl_f_pers }, tvb:range(14, 2))
	info.status = tvb:range(16, 4):uint()
	t:add(F.ctl_status, tvb:range(16, 4))
	t:add(F.ctl_status_name, tvb:range(16, 4), name_of(status_names, info.status)):set_generated()
	info.host, info.state = tvb:range(20, 1):uint(), tvb:range(21, 1):uint()
	t:add(F.ctl_host, tvb:range(20, 1))
	t:add(F.ctl_state, tvb:range(21, 1))
	t:add(F.ctl_cause, tvb:range(22, 1))
	t:add(F.ctl_rule_state, tvb:range(23, 1))
	info.members = add_hosts(t, F.ctl_members, F.ctl_member, tvb:range(24, 8))
	t:add(F.ctl_held, tvb:range(32, 8))
	t:add(F.ctl_acc, tvb:range(40, 8))
	t:add(F.ctl_drop, tvb:range(48, 8))
	local text_len = tvb:range(56, 2):uint()
	local tli = t:add(F.ctl_text_len, tvb:range(56, 2))
	local count = tvb:range(58, 2):uint()
	t:add(F.ctl_count, tvb:range(58, 2))
	t:add(F.ctl_total, tvb:range(60, 2))
	add_zero(t, F.ctl_next, tvb:range(62, 2), "last page")
	if CTL_RESP_LEN + text_len > mlen then
		tli:add_proto_expert_info(E.length, "Text runs past the message")
		return mlen, info
	end
	if text_len > 0 then
		local tr = tvb:range(CTL_RESP_LEN, text_len)
		t:add(F.ctl_text, tr)
		info.text = tr:string()
	end
	local off = CTL_RESP_LEN + text_len
	local recs = tvb:range(0, mlen):tvb()
	for _ = 1, count do
		if off + 4 > mlen then
			t:add_proto_expert_info(E.record, "Fewer records than count")
			break
		end
		off = dissect_record(recs, off, t)
		if not off then break end
	end
	if off and off < mlen then
		t:add_proto_expert_info(E.length, string.format(
			"%d bytes after the last record", mlen - off))
	end
	t:append_text(string.format(": response %s, %s", name_of(cmd_names, info.command),
		name_of(status_names, info.status)))
	return mlen, info
end

-- ---- remote control envelope -------------------------------------------------

-- Request frame by nonce, and the first answer's frame per (nonce, host).
local requests, answers = {}, {}

local function dissect_rc(tvb, pinfo, tree)
	local len = tvb:len()
	local t = tree:add(F.rc, tvb:range(0, len))
	t:add(F.rc_magic, tvb:range(0, 4))
	if len < RC_HDR_LEN then
		t:add_proto_expert_info(E.length, string.format(
			"Datagram of %d bytes, shorter than the 32-byte envelope", len))
		pinfo.cols.info = "Remote control (truncated)"
		return len
	end
	local version = tvb:range(4, 1):uint()
	local vi = t:add(F.rc_version, tvb:range(4, 1))
	if version ~= RC_VERSION then
		vi:add_proto_expert_info(E.version, string.format(
			"Envelope version %d; this dissector knows %d", version, RC_VERSION))
	end
	local flags = tvb:range(5, 1):uint()
	local response, noauth = flags % 2 == 1, math.floor(flags / 2) % 2 == 1
	local fi = add_flags(t, F.rc_flags, { F.rc_f_resp, F.rc_f_noauth }, tvb:range(5, 1))
	if flags > 3 then fi:add_proto_expert_info(E.value, "Unknown flags") end
	local host = tvb:range(6, 1):uint()
	add_zero(t, F.rc_host, tvb:range(6, 1), response and nil or "every host")
	add_reserved(t, F.rc_pad, tvb:range(7, 1))
	local ms = tvb:range(8, 8)
	t:add(F.rc_ts_ms, ms)
	local msn = ms:range(0, 4):uint() * 4294967296 + ms:range(4, 4):uint()
	t:add(F.rc_ts, ms, NSTime.new(math.floor(msn / 1000), (msn % 1000) * 1000000))
	local nr = tvb:range(16, RC_NONCE_LEN)
	t:add(F.rc_nonce, nr)

	local mac_len = noauth and 0 or RC_MAC_LEN
	local ctl_tvb = tvb:range(RC_HDR_LEN, math.max(0, len - RC_HDR_LEN - mac_len))
	local mlen, info = 0, {}
	if len - RC_HDR_LEN - mac_len > 0 then
		mlen, info = dissect_ctl(ctl_tvb:tvb(), pinfo, t)
	else
		t:add_proto_expert_info(E.length, "No control message")
	end
	if not response and info.host and info.host ~= host then
		t:add_proto_expert_info(E.value, string.format(
			"The request addresses host %d, the envelope host %d", info.host, host))
	end
	local want = RC_HDR_LEN + mlen + mac_len
	if want ~= len then
		t:add_proto_expert_info(E.length, string.format(
			"Envelope %d + message %d + MAC %d = %d bytes, the datagram has %d",
			RC_HDR_LEN, mlen, mac_len, want, len))
	end
	if noauth then
		local item = t:add(F.rc_mac_present, false)
		item:set_generated()
		item:add_proto_expert_info(E.noauth)
	elseif len >= RC_HDR_LEN + RC_MAC_LEN then
		local ar = tvb:range(len - RC_MAC_LEN, RC_MAC_LEN)
		t:add(F.rc_mac, ar)
		t:add(F.rc_mac_present, ar, true):set_generated()
	end

	-- Request <-> response links (first pass records, every pass shows).
	local nonce = tostring(nr:bytes())
	if not response then
		if not pinfo.visited and not requests[nonce] then requests[nonce] = pinfo.number end
		for key, frame in pairs(answers) do
			if key:sub(1, #nonce) == nonce then
				t:add(F.rc_response_in, frame):set_generated()
			end
		end
	else
		local key = nonce .. "/" .. host
		if not pinfo.visited and not answers[key] then answers[key] = pinfo.number end
		if requests[nonce] then t:add(F.rc_request_in, requests[nonce]):set_generated() end
	end

	local cmd = info.command and name_of(cmd_names, info.command) or "?"
	if not response then
		pinfo.cols.info = string.format("Request %s to %s", cmd,
			host == 0 and "every host" or ("host " .. host))
	else
		local s = string.format("Response %s from host %d: %s", cmd, host,
			info.status and name_of(status_names, info.status) or "?")
		if noauth then
			s = s .. " (NOAUTH)"
		else
			if info.state then s = s .. ", " .. name_of(host_state_names, info.state) end
			if info.members then s = s .. ", members " .. ranges(info.members) end
		end
		pinfo.cols.info = s
	end
	t:append_text(string.format(", %s, host %d", response and "response" or "request", host))
	return len
end

-- ---- registration ------------------------------------------------------------

local eth_table = DissectorTable.get("ethertype")
-- Whoever had 0x886F before us (Wireshark's MS NLB heartbeat dissector).
local previous = eth_table:get_dissector(ETH_P_HEARTBEAT)

function wlbs.init()
	requests, answers = {}, {}
end

-- A remote control datagram: the wlbs tree, or a bad magic under it.
local function dissect_udp(tvb, pinfo, tree)
	local len = tvb:len()
	pinfo.cols.protocol = "WLBS"
	local t = tree:add(wlbs, tvb:range(0, len))
	if len < 4 or tvb:range(0, 4):uint() ~= MAGIC_RC then
		t:add_proto_expert_info(E.magic, "Not a wlbs remote control envelope (\"WLBR\")")
		pinfo.cols.info = "Remote control port, not wlbs (bad magic)"
		return len
	end
	return dissect_rc(tvb, pinfo, t)
end

function wlbs.dissector(tvb, pinfo, tree)
	local len = tvb:len()
	-- Called from the UDP port table (2504, 1717) or the ethertype table (0x886F).
	if pinfo.match_uint ~= ETH_P_HEARTBEAT then return dissect_udp(tvb, pinfo, tree) end
	local magic = len >= 4 and tvb:range(0, 4):uint() or nil
	if magic == MAGIC_HB or magic == MAGIC_RD then
		pinfo.cols.protocol = "WLBS"
		local t = tree:add(wlbs, tvb:range(0, len))
		if magic == MAGIC_HB then return dissect_hb(tvb, pinfo, t) end
		return dissect_rd(tvb, pinfo, t)
	end
	-- Not ours: NLB's heartbeat (or anything else on 0x886F).
	if previous then return previous:call(tvb, pinfo, tree) end
	return 0
end

-- Remote control on another port ([remote] port = N): an envelope of version 1
-- holding a control message.
local function heur_udp(tvb, pinfo, tree)
	if tvb:len() < RC_HDR_LEN + CTL_HDR_LEN or tvb:range(0, 4):uint() ~= MAGIC_RC or
		tvb:range(4, 1):uint() ~= RC_VERSION or
		tvb:range(RC_HDR_LEN, 4):uint() ~= MAGIC_CTL then
		return false
	end
	dissect_udp(tvb, pinfo, tree)
	return true
end

eth_table:add(ETH_P_HEARTBEAT, wlbs)
local udp_table = DissectorTable.get("udp.port")
for _, p in ipairs(UDP_PORTS) do udp_table:add(p, wlbs) end
wlbs:register_heuristic("udp", heur_udp)

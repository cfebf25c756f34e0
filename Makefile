# wlbs: Network Load Balancing for Linux. `make help` lists the targets.
BUILD    ?= build
PREFIX   ?= /usr/local
# prometheus-node-exporter's textfile collector directory (Debian's default).
TEXTFILE_DIR ?= /var/lib/prometheus/node-exporter
# Wireshark's global Lua plugin directory (`tshark -G folders`: "Global Lua Plugins"),
# outside PREFIX: Wireshark looks only there.
MULTIARCH ?= $(or $(DEB_HOST_MULTIARCH),$(shell $(CC) -print-multiarch 2>/dev/null))
WIRESHARK_LUA_DIR ?= /usr/lib/$(MULTIARCH)/wireshark/plugins
DESTDIR  ?=
CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# Debian packages, one a line with what needs it; `make deps` installs the three lists.
# debian/control agrees (tests/check-deps.sh, make check-deps): Build-Depends is
# BUILD_PKGS without build-essential's (gcc, make) plus debhelper's own entries;
# Depends is ${misc:Depends}, ${shlibs:Depends} and RUNTIME_PKGS.
# To build wlbsd, wlbs and the BPF objects (the package build needs no more).
BUILD_PKGS :=
BUILD_PKGS += bpftool          # vmlinux.h from the kernel's BTF, skeletons
BUILD_PKGS += clang            # the BPF objects (-target bpf), the fuzz targets
BUILD_PKGS += gcc
BUILD_PKGS += libbpf-dev
BUILD_PKGS += libelf-dev
BUILD_PKGS += libinih-dev
BUILD_PKGS += libjson-c-dev
BUILD_PKGS += libmnl-dev
BUILD_PKGS += libsodium-dev
BUILD_PKGS += libsystemd-dev
BUILD_PKGS += make
BUILD_PKGS += pkg-config
BUILD_PKGS += zlib1g-dev       # -lz, libbpf's
# What the installed binaries need beside their libraries (${shlibs:Depends}):
# nothing, as wlbsd speaks netlink itself and runs no program.
RUNTIME_PKGS :=
# What the tests need beyond the build (make check, check-deb, check-timing, bench).
TEST_PKGS :=
TEST_PKGS += ansible-core      # test_ansible: the rolling-maintenance playbook
TEST_PKGS += clang-format      # check-format, format
TEST_PKGS += debhelper         # make deb (debhelper-compat, dh-sequence-installsysusers)
TEST_PKGS += dpkg-dev          # make deb: dpkg-buildpackage; check-deb: dpkg-parsechangelog
TEST_PKGS += ethtool           # bench-peers: GRO (NAPI) on the receiver's veth
TEST_PKGS += iproute2          # ip, tc, ss: test_netlink, the BPF and netns tests
TEST_PKGS += iptables          # bench-peers: xt_cluster
TEST_PKGS += iputils-ping      # test_default_host, test_unicast
TEST_PKGS += libcmocka-dev     # check-unit, check-bpf
TEST_PKGS += lintian           # make deb, check-deb
TEST_PKGS += nftables          # test_changes: heartbeat loss on the bridge
TEST_PKGS += procps            # sysctl (test_netlink), pgrep (test_systemd)
TEST_PKGS += prometheus        # test_stats: promtool check metrics
TEST_PKGS += python3           # check-layout, the netns client, fuzz seeds
TEST_PKGS += python3-jsonschema # check-answer.py: control answers against their schema
TEST_PKGS += strace            # test_systemd: wlbsd's system calls under its unit
TEST_PKGS += stress-ng         # test_hb_timing_under_load, check-timing
TEST_PKGS += systemd           # check-systemd: systemd-analyze verify, security
TEST_PKGS += tshark            # test_wireshark: dumpcap, and tshark with contrib/wireshark/wlbs.lua
# libFuzzer's runtime (check-fuzz, fuzz) for the clang installed, which names it:
# libclang-rt-<major>-dev (Debian 12's default clang is 14). Installed after the
# lists above, as clang comes with them.
CLANG_MAJOR  = $(firstword $(subst ., ,$(shell $(CLANG) -dumpversion 2>/dev/null)))
FUZZ_RT_PKG  = libclang-rt-$(or $(CLANG_MAJOR),$(error $(CLANG) not found, make deps installs it))-dev

PKGS      := libbpf libmnl libsodium inih json-c libsystemd
WARN      := -Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wshadow
CFLAGS    ?= -O2 -g
ALL_CFLAGS := $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -Iinclude -Ilib -I$(BUILD) \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS      := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lelf -lz -lm
DEPFLAGS  := -MMD -MP
# The BPF target architecture (bpf_tracing.h's PT_REGS) from the build machine.
ARCH      ?= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' \
	-e 's/ppc64le/powerpc/' -e 's/mips.*/mips/' -e 's/riscv64/riscv/' \
	-e 's/loongarch64/loongarch/' -e 's/s390x/s390/' -e 's/armv.*/arm/')
BPF_CFLAGS := -target bpf -mcpu=v3 -O2 -g -Wall -Wno-unused-function -D__TARGET_ARCH_$(ARCH) \
	-I$(BUILD) -Iinclude -Ibpf

# The release, in one place; debian/changelog must agree (tests/check-deb.sh).
VERSION    := $(shell cat VERSION)
VERSION_DEF := -DWLBS_VERSION='"$(VERSION)"'

BPF_SRCS   := $(wildcard bpf/*.bpf.c)
BPF_OBJS   := $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))

LIB_OBJS    := $(patsubst %.c,$(BUILD)/%.o,$(wildcard lib/*.c))
# The daemon by folder: core/ is the pure library; the rest is its shell.
DAEMON_INC  := -Idaemon
CORE_OBJS   := $(patsubst %.c,$(BUILD)/%.o,$(wildcard daemon/core/*.c))
DAEMON_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(filter-out daemon/main.c,\
	$(wildcard daemon/*.c daemon/config/*.c daemon/net/*.c daemon/ctl/*.c daemon/health/*.c)))
DAEMON_LIBS := $(BUILD)/libwlbsd.a $(BUILD)/libwlbscore.a $(BUILD)/libwlbs.a
CLI_OBJS    := $(patsubst %.c,$(BUILD)/%.o,$(filter-out cli/main.c,$(wildcard cli/*.c)))
UNIT_TESTS  := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
BPF_TEST_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/bpf/*.c))
SIM_SRCS    := $(wildcard tests/sim/*.c)
SIM_OBJS    := $(patsubst %.c,$(BUILD)/%.o,$(SIM_SRCS))

.DELETE_ON_ERROR:
.SECONDARY: $(BPF_OBJS)
.PHONY: all deps deps-lists deb check check-deb check-deps check-format check-unit check-bpf check-netns check-sim check-systemd check-fuzz check-layout \
	check-scale check-timing check-bench bench bench-peers demo fuzz install uninstall clean help format

# The netns tests attach floor.bpf.o (a pass-through XDP program) to the bridge side.
all: $(BUILD)/wlbsd $(BUILD)/wlbs $(BPF_OBJS)

help:
	@echo 'make            build wlbsd, wlbs and the BPF objects into $(BUILD)/'
	@echo 'make deps       install the Debian packages to build, run and test (apt)'
	@echo 'make check      every test: unit, BPF, simulation, systemd, netns (root)'
	@echo 'make check-unit|check-bpf|check-sim|check-netns|check-systemd  one layer'
	@echo 'make check-deb  build the package; lintian, contents, maintainer scripts, and its'
	@echo '                binaries running a converged host (root)'
	@echo 'make check-sim-long  2,000 simulated overload runs per timing (minutes)'
	@echo 'make check-overload  after CPU stalls and a frame flood at 10 ms x 2 the cluster'
	@echo '                re-forms within T*K + 4T + 1 s, 10 runs in a row (root)'
	@echo 'make check-layout  no include or call cycle; daemon/core/ stays pure'
	@echo 'make check-man|check-completion  man pages and bash completion cover every'
	@echo '                command, option and config key'
	@echo 'make check-format  clang-format clean (make format rewrites the tree)'
	@echo 'make check-deps debian/control agrees with the Makefile package lists'
	@echo 'make demo       a 3-host cluster in network namespaces, explained (root)'
	@echo 'make check-scale  32 hosts converge and share traffic (root; SCALE_HOSTS=N)'
	@echo 'make check-timing 10 minutes of stress-ng --cpu 2 at the fastest documented'
	@echo '                heartbeat timing: no membership change (root; HB_SOAK_SECONDS=N)'
	@echo 'make bench      fast-path cost per traffic class, one frame and 65,536 flows, vs the'
	@echo '                minimal bucket filter and an XDP_PASS floor (root; BENCH_ARGS='
	@echo '                "--before OLD/wlbs.bpf.o" measures another build in the same rounds)'
	@echo 'make check-bench  the bench runs, every class on its path (a few seconds; root)'
	@echo 'make bench-peers  receiver CPU per frame of a UDP and a TCP flood on a veth: wlbs'
	@echo '                vs no filter, nftables jhash, xt_cluster, XDP_DROP (root;'
	@echo '                PEERS_ROUNDS=N PEERS_SECONDS=S)'
	@echo 'make deb        the Debian package into $(BUILD)/deb/ (lintian-clean)'
	@echo 'make install    install binaries, unit and example config (DESTDIR, PREFIX)'
	@echo 'V=1             show full commands'

# apt-get install those of $(1) that are missing, so a second run does no network I/O.
apt_install = missing=$$(for p in $(1); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "  APT      "$$missing; \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# The fuzzer's runtime second: its name comes from the clang the first step installed.
deps: deps-lists
	$(Q)$(call apt_install,$(FUZZ_RT_PKG))
deps-lists:
	$(Q)$(call apt_install,$(BUILD_PKGS) $(RUNTIME_PKGS) $(TEST_PKGS))

# --- BPF -------------------------------------------------------------------
$(BUILD)/vmlinux.h: | $(BUILD)
	$(call msg,BTF,$@)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BUILD)/vmlinux.h | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

# --- userspace -------------------------------------------------------------
$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(DEPFLAGS) -c $< -o $@

# Only an object that includes a skeleton depends on it (and so on clang,
# bpftool and this machine's BTF): found by grep, as a fresh tree has no .d.
skels_of   = $(addprefix $(BUILD)/,$(shell grep -ho '[a-z_]*\.skel\.h' $(1)))
SKEL_USERS := $(shell grep -l '\.skel\.h"' daemon/*.c daemon/*/*.c tests/bpf/*.c)
define skel_dep
$(patsubst %.c,$(BUILD)/%.o,$(1)): $(call skels_of,$(1))
endef
$(foreach f,$(SKEL_USERS),$(eval $(call skel_dep,$(f))))

# Only version.o carries the version: a new VERSION rebuilds one object.
$(BUILD)/lib/version.o: ALL_CFLAGS += $(VERSION_DEF)
$(BUILD)/lib/version.o $(BUILD)/fuzz/lib/version.o: VERSION

$(BUILD)/libwlbs.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/daemon/%.o: ALL_CFLAGS += $(DAEMON_INC)
$(BUILD)/tests/%.o: ALL_CFLAGS += $(DAEMON_INC) -Itests/bpf

$(BUILD)/libwlbscore.a: $(CORE_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/libwlbsd.a: $(DAEMON_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# CPPFLAGS and LDFLAGS: dpkg-buildflags' hardening (fortify, relro, now) in a package build.
$(BUILD)/wlbsd: $(BUILD)/daemon/main.o $(DAEMON_LIBS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/wlbs: $(BUILD)/cli/main.o $(CLI_OBJS) $(BUILD)/libwlbs.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD):
	@mkdir -p $@

# --- man pages and bash completion ---------------------------------------------
# scdoc sources in man/, built with the programs. Both are checked against what
# the programs accept: wlbs __complete (the table `wlbs help` prints) and
# wlbsd --list-keys (the parser's key table); the completion asks wlbs itself.
BUILD_PKGS += scdoc           # the man pages
TEST_PKGS  += man-db          # check-man: man -l (and groff, which it depends on)
MAN_PAGES := $(patsubst man/%.scd,$(BUILD)/man/%,$(wildcard man/*.scd))
COMPLETION_DIR ?= $(PREFIX)/share/bash-completion/completions
.PHONY: check-man check-completion install-man uninstall-man

all: $(MAN_PAGES)

$(BUILD)/man/%: man/%.scd
	@mkdir -p $(@D)
	$(call msg,SCDOC,$@)
	$(Q)scdoc <$< >$@

check-man: $(BUILD)/wlbs $(BUILD)/wlbsd $(MAN_PAGES)
	$(Q)tests/check-man.sh $(BUILD)

check-completion: $(BUILD)/wlbs $(BUILD)/wlbsd
	$(Q)tests/check-completion.sh $(BUILD)

# systemd-analyze verify opens the unit's Documentation= man pages.
check-systemd: $(MAN_PAGES)

install: install-man
install-man: $(MAN_PAGES)
	install -d $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man8
	for p in $(MAN_PAGES); do \
		install -m 0644 $$p $(DESTDIR)$(PREFIX)/share/man/man$${p##*.}/; done
	install -D -m 0644 completion/wlbs.bash $(DESTDIR)$(COMPLETION_DIR)/wlbs
	ln -sf wlbs $(DESTDIR)$(COMPLETION_DIR)/wlbsd

uninstall: uninstall-man
uninstall-man:
	rm -f $(patsubst $(BUILD)/man/%,$(DESTDIR)$(PREFIX)/share/man/man5/%,$(filter %.5,$(MAN_PAGES))) \
		$(patsubst $(BUILD)/man/%,$(DESTDIR)$(PREFIX)/share/man/man8/%,$(filter %.8,$(MAN_PAGES))) \
		$(DESTDIR)$(COMPLETION_DIR)/wlbs $(DESTDIR)$(COMPLETION_DIR)/wlbsd

# --- tests -----------------------------------------------------------------
# A unit test includes the .c it tests (to reach static functions) and links
# the rest of the daemon, CLI and lib code it needs from the archives.
$(BUILD)/tests/%: tests/unit/%.c $(DAEMON_LIBS) $(CLI_OBJS)
	@mkdir -p $(@D)
	$(call msg,TEST,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(DAEMON_INC) -Wno-missing-prototypes $(DEPFLAGS) -MF $@.d -MT $@ \
		-o $@ $< $(CLI_OBJS) $(DAEMON_LIBS) $(LIBS) -lcmocka

$(BUILD)/bpf_test: $(BPF_TEST_OBJS) $(DAEMON_LIBS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIBS) -lcmocka

$(BUILD)/bench: bench/bench.c bench/instance.c bench/instance.h $(BUILD)/tests/bpf/frames.o \
		$(BUILD)/libwlbs.a $(call skels_of,bench/bench.c)
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/bpf $(DEPFLAGS) -MF $@.d -MT $@ -o $@ $< bench/instance.c \
		$(BUILD)/tests/bpf/frames.o $(BUILD)/libwlbs.a $(LIBS)

# make bench-peers' traffic generator (bench/peers.sh).
$(BUILD)/flood: bench/flood.c $(BUILD)/flood.skel.h
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -MF $@.d -MT $@ -o $@ $< $(LIBS)

$(BUILD)/sim: $(SIM_OBJS) $(BUILD)/libwlbscore.a $(BUILD)/libwlbs.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

check: deps
	$(Q)$(MAKE) --no-print-directory check-format check-deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory check-layout check-unit check-bpf check-bench check-systemd check-fuzz
	$(Q)$(MAKE) --no-print-directory check-man check-completion
	$(Q)$(MAKE) --no-print-directory check-sim
	$(Q)$(MAKE) --no-print-directory check-netns
	$(Q)$(MAKE) --no-print-directory check-deb

check-unit: $(UNIT_TESTS)
	$(Q)tests/run-unit.sh $(UNIT_TESTS)

# Exit 77 = skipped (not root); the runners turn it into a failure when CI=true.
check-bpf: $(BUILD)/bpf_test
	$(Q)tests/bpf/run.sh $(BUILD)/bpf_test || [ $$? -eq 77 ]

check-sim:
	$(Q)if [ -n "$(SIM_SRCS)" ]; then $(MAKE) --no-print-directory $(BUILD)/sim && \
		$(BUILD)/sim $(SIM_ARGS); fi

# More overload runs (issue 15) than `make check` does: 2,000 of up to 60 rounds
# at each of 10 ms x 2 and 100 ms x 5, from other seeds (about 5 minutes on the
# 2-core VM). More random seeds: make check-sim SIM_ARGS="--seeds 100000".
.PHONY: check-sim-long
check-sim-long: $(BUILD)/sim
	$(Q)$(BUILD)/sim --seeds 0 --first 200000 --overload 2000 --rounds 60 --measure 0

# No include cycle, no call cycle between the daemon's files, core/ pure.
check-layout: $(BUILD)/daemon/main.o $(DAEMON_OBJS) $(CORE_OBJS) $(LIB_OBJS)
	$(Q)python3 tests/check-layout.py . $^

check-systemd:
	$(Q)tests/check-systemd.sh
	$(Q)tests/check-hardening.sh

# The Debian package, built by dpkg-buildpackage in a copy of the tracked and new
# files (the working tree's changes, never build/; outside git: every file but
# build/), into $(DEB_DIR)/; lintian must report no error. The package build sees
# none of this make's variables: its `make clean` would remove a BUILD=/elsewhere.
DEB_DIR := $(BUILD)/deb
deb:
	$(call msg,DEB,$(DEB_DIR))
	$(Q)rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/src
	$(Q){ git ls-files -z -co --exclude-standard 2>/dev/null || \
		find . \( -path ./$(BUILD) -o -path ./.git \) -prune -o ! -type d -print0; } | \
		tar --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -C $(DEB_DIR)/src -xf -
	$(Q)cd $(DEB_DIR)/src && env -u BUILD -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		DEB_BUILD_OPTIONS="parallel=$$(nproc) $${DEB_BUILD_OPTIONS:-}" \
		dpkg-buildpackage -us -uc -b >../build.log 2>&1 || { tail -n 40 ../build.log; exit 1; }
	$(Q)lintian --fail-on error $(DEB_DIR)/*.changes

# Builds the package and runs it: lintian, version agreement, contents,
# maintainer scripts, the installed binaries (a converged host: root).
check-deb: deb all
	$(Q)tests/check-deb.sh $(DEB_DIR)

# Two tests at a time (they mostly wait on timers); the timing-bound ones run alone.
check-netns: all
	$(Q)NETNS_JOBS=$(or $(NETNS_JOBS),2) tests/netns/run.sh $(NETNS_TESTS) || [ $$? -eq 77 ]

# 32 hosts in namespaces converge; every connection answered exactly once (root).
check-scale: all
	$(Q)tests/netns/scale.sh $(or $(SCALE_HOSTS),32) || [ $$? -eq 77 ]

# The soak behind the fastest heartbeat timing in docs/convergence.md (20 ms x 6):
# 3 hosts, stress-ng --cpu 2, control requests, no membership change in 10 minutes
# (root; not in `make check`, which runs the same test for 20 s).
check-timing: all
	$(Q)HB_FAST_PERIOD_MS=$(or $(HB_FAST_PERIOD_MS),20) \
		HB_FAST_TOLERANCE=$(or $(HB_FAST_TOLERANCE),6) \
		HB_SOAK_SECONDS=$(or $(HB_SOAK_SECONDS),600) \
		NETNS_TEST_TIMEOUT=$$(( $(or $(HB_SOAK_SECONDS),600) + 120 )) \
		NETNS_VERBOSE=1 tests/netns/run.sh test_hb_timing_under_load || [ $$? -eq 77 ]

# After an overload the cluster re-forms within the documented bound (issue 15):
# tests/netns/test_overload.sh 10 times in a row, stopping at the first failure
# (root; about 3 minutes). OVL_SECONDS, OVL_BURST_MS vary the load.
.PHONY: check-overload
check-overload: all
	$(Q)for i in 1 2 3 4 5 6 7 8 9 10; do \
		NETNS_VERBOSE=1 tests/netns/run.sh test_overload_quiet_reforms \
			>$(BUILD)/check-overload.log 2>&1; rc=$$?; \
		grep -E '^(PASS|FAIL) |overload: re-formed' $(BUILD)/check-overload.log | \
			sed "s/^ */run $$i: /"; \
		if [ $$rc -eq 77 ]; then echo 'check-overload: skipped (needs root)'; exit 0; fi; \
		if [ $$rc -ne 0 ]; then cat $(BUILD)/check-overload.log; exit $$rc; fi; \
	done; echo 'check-overload: 10/10 passed'

# A 3-host cluster in namespaces, traffic, drainstop, explained (root).
demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)demo/demo.sh

# Remote control parser/verifier, the heartbeat path (codec and convergence
# core, as wlbsd receives a frame) and the rules descriptor path (codec and
# difference text) under libFuzzer (clang and its runtime, FUZZ_RT_PKG):
# lib/ and core/ built again, instrumented; a short run in `make check`, a long
# one with `make fuzz` (FUZZ_SECONDS=N).
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
	-std=gnu11 -D_GNU_SOURCE -Iinclude -Ilib $(DAEMON_INC) $(DEPFLAGS)
FUZZ_CORE_OBJS := $(patsubst %.c,$(BUILD)/fuzz/%.o,$(wildcard daemon/core/*.c))
FUZZ_LIB_OBJS  := $(patsubst %.c,$(BUILD)/fuzz/%.o,$(wildcard lib/*.c))

$(BUILD)/fuzz/%.o: %.c
	@mkdir -p $(@D)
	$(call msg,FUZZ-CC,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -c $< -o $@

$(BUILD)/fuzz/lib/version.o: FUZZ_CFLAGS += $(VERSION_DEF)
$(BUILD)/fuzz/libwlbscore.a: $(FUZZ_CORE_OBJS)
$(BUILD)/fuzz/libwlbs.a: $(FUZZ_LIB_OBJS)
$(BUILD)/fuzz/libwlbscore.a $(BUILD)/fuzz/libwlbs.a:
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

.SECONDARY: $(patsubst %.c,$(BUILD)/fuzz/%.o,$(wildcard tests/fuzz/*.c))
$(BUILD)/fuzz_%: $(BUILD)/fuzz/tests/fuzz/fuzz_%.o $(BUILD)/fuzz/libwlbscore.a $(BUILD)/fuzz/libwlbs.a
	$(call msg,FUZZ-LD,$@)
	$(Q)$(CLANG) -fsanitize=fuzzer,address,undefined -o $@ $^ -lsodium

check-fuzz: $(BUILD)/fuzz_remote $(BUILD)/fuzz_heartbeat $(BUILD)/fuzz_rules_desc
	$(Q)tests/fuzz/run.sh $(BUILD)/fuzz_remote 20
	$(Q)tests/fuzz/run.sh $(BUILD)/fuzz_heartbeat 15
	$(Q)tests/fuzz/run.sh $(BUILD)/fuzz_rules_desc 10

fuzz: $(BUILD)/fuzz_remote $(BUILD)/fuzz_heartbeat $(BUILD)/fuzz_rules_desc
	$(Q)tests/fuzz/run.sh $(BUILD)/fuzz_remote $(or $(FUZZ_SECONDS),600)
	$(Q)tests/fuzz/run.sh $(BUILD)/fuzz_heartbeat $(or $(FUZZ_SECONDS),600)
	$(Q)tests/fuzz/run.sh $(BUILD)/fuzz_rules_desc $(or $(FUZZ_SECONDS),600)

bench: $(BUILD)/bench
	$(Q)$(BUILD)/bench --json $(BUILD)/bench.json $(BENCH_ARGS)

# The bench runs and every class takes the path it is about (a few seconds; root).
check-bench: $(BUILD)/bench
	$(Q)if [ "$$(id -u)" -ne 0 ] && [ "$${CI:-}" != true ]; then echo "check-bench: skipped (root)"; \
	elif $(BUILD)/bench --rounds 3 --repeat 20000 >$(BUILD)/check-bench.log 2>&1; then \
		echo "check-bench: PASS"; else cat $(BUILD)/check-bench.log; exit 1; fi

# wlbs and its peers dropping two thirds of a flood on a veth, in interleaved
# rounds (bench/peers.sh; root, not in `make check`). Writes build/bench-peers.json.
bench-peers: all $(BUILD)/flood
	$(Q)PEERS_ROUNDS=$(or $(PEERS_ROUNDS),5) PEERS_SECONDS=$(or $(PEERS_SECONDS),3) \
		bench/peers.sh || [ $$? -eq 77 ]

# The C sources: tracked ones, or outside git every one but the build's.
FORMAT_SRCS = $(or $(shell git ls-files '*.c' '*.h' 2>/dev/null),\
	$(shell find . -path ./$(BUILD) -prune -o -name '*.[ch]' -print))
CLANG_FORMAT ?= clang-format

format:
	$(Q)$(CLANG_FORMAT) -i $(FORMAT_SRCS)

# Every C file as .clang-format has it (kernel style); make format fixes them.
check-format:
	$(Q)$(CLANG_FORMAT) --dry-run -Werror $(FORMAT_SRCS) || \
		{ echo "check-format: FAILED (make format rewrites them)"; exit 1; }

# debian/control's Build-Depends and Depends agree with BUILD_PKGS and RUNTIME_PKGS.
check-deps:
	$(Q)tests/check-deps.sh debian/control "$(BUILD_PKGS)" "$(RUNTIME_PKGS)"

install: all
	install -D -m 0755 $(BUILD)/wlbsd $(DESTDIR)$(PREFIX)/sbin/wlbsd
	install -D -m 0755 $(BUILD)/wlbs $(DESTDIR)$(PREFIX)/sbin/wlbs
	install -d $(DESTDIR)/lib/systemd/system
	sed -e 's|@SBINDIR@|$(PREFIX)/sbin|g' -e 's|@DOCDIR@|$(PREFIX)/share/doc/wlbs|g' \
		systemd/wlbsd.service.in >$(DESTDIR)/lib/systemd/system/wlbsd.service
	install -d $(DESTDIR)/usr/lib/systemd/catalog
	sed -e 's|@DOCDIR@|$(PREFIX)/share/doc/wlbs|g' \
		systemd/wlbs.catalog.in >$(DESTDIR)/usr/lib/systemd/catalog/wlbs.catalog
	-[ -n "$(DESTDIR)" ] || journalctl --update-catalog
	sed -e 's|@SBINDIR@|$(PREFIX)/sbin|g' -e 's|@DOCDIR@|$(PREFIX)/share/doc/wlbs|g' \
		-e 's|@TEXTFILE_DIR@|$(TEXTFILE_DIR)|g' systemd/wlbs-metrics.service.in \
		>$(DESTDIR)/lib/systemd/system/wlbs-metrics.service
	install -m 0644 systemd/wlbs-metrics.timer $(DESTDIR)/lib/systemd/system/wlbs-metrics.timer
	install -D -m 0644 docs/wlbs-answer.schema.json \
		$(DESTDIR)$(PREFIX)/share/doc/wlbs/wlbs-answer.schema.json
	install -D -m 0644 README.md $(DESTDIR)$(PREFIX)/share/doc/wlbs/README.md
	for f in $(wildcard examples/ansible/*.yml examples/ansible/roles/wlbs/*/*); do \
		install -D -m 0644 $$f $(DESTDIR)$(PREFIX)/share/doc/wlbs/$$f || exit 1; done
	install -D -m 0644 contrib/wireshark/wlbs.lua $(DESTDIR)$(WIRESHARK_LUA_DIR)/wlbs.lua
	install -D -m 0644 wlbs.conf.example $(DESTDIR)/etc/wlbs/wlbs.conf.example
	install -D -m 0644 systemd/wlbs.sysusers $(DESTDIR)/usr/lib/sysusers.d/wlbs.conf
	-[ -n "$(DESTDIR)" ] || systemd-sysusers wlbs.conf

uninstall:
	-$(PREFIX)/sbin/wlbsd --uninstall
	rm -f $(DESTDIR)$(PREFIX)/sbin/wlbsd $(DESTDIR)$(PREFIX)/sbin/wlbs \
		$(DESTDIR)/lib/systemd/system/wlbsd.service \
		$(DESTDIR)/usr/lib/systemd/catalog/wlbs.catalog \
		$(DESTDIR)/lib/systemd/system/wlbs-metrics.service \
		$(DESTDIR)/lib/systemd/system/wlbs-metrics.timer \
		$(DESTDIR)$(WIRESHARK_LUA_DIR)/wlbs.lua

clean:
	rm -rf $(BUILD)

# Not the package build's copy of the tree ($(DEB_DIR)), nor a directory such as sysusers.d.
-include $(shell find $(BUILD) -path $(DEB_DIR) -prune -o -name '*.d' -type f -print 2>/dev/null)

# wlbs: Network Load Balancing for Linux. `make help` lists the targets.
BUILD    ?= build
PREFIX   ?= /usr/local
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

# Debian packages the build and every test need (make deps installs them).
DEB_PKGS := clang llvm gcc make pkg-config libbpf-dev bpftool libelf-dev zlib1g-dev \
	gcc-multilib libmnl-dev libsodium-dev libinih-dev libjson-c-dev libsystemd-dev \
	libcmocka-dev iproute2 iputils-ping python3 systemd procps libclang-rt-14-dev ansible-core \
	stress-ng

PKGS      := libbpf libmnl libsodium inih json-c libsystemd
WARN      := -Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wshadow
CFLAGS    ?= -O2 -g
ALL_CFLAGS := $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -Iinclude -Ilib -I$(BUILD) \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS      := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lelf -lz -lm
BPF_CFLAGS := -target bpf -O2 -g -Wall -Wno-unused-function -D__TARGET_ARCH_x86 \
	-I$(BUILD) -Iinclude -Ibpf

BPF_SRCS   := $(wildcard bpf/*.bpf.c)
BPF_OBJS   := $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
SKELS      := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
BPF_HDRS   := $(wildcard bpf/*.h) $(wildcard include/wlbs/*.h)
HDRS       := $(wildcard include/wlbs/*.h lib/*.h daemon/*.h cli/*.h)

LIB_OBJS    := $(patsubst %.c,$(BUILD)/%.o,$(wildcard lib/*.c))
DAEMON_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(filter-out daemon/main.c,$(wildcard daemon/*.c)))
CLI_OBJS    := $(patsubst %.c,$(BUILD)/%.o,$(filter-out cli/main.c,$(wildcard cli/*.c)))
UNIT_TESTS  := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
BPF_TEST_SRCS := $(wildcard tests/bpf/*.c)
SIM_SRCS    := $(wildcard tests/sim/*.c)

.DELETE_ON_ERROR:
.SECONDARY: $(BPF_OBJS)
.PHONY: all deps check check-unit check-bpf check-netns check-sim check-systemd check-fuzz \
	check-scale check-timing bench demo fuzz install uninstall clean help format

all: $(BUILD)/wlbsd $(BUILD)/wlbs

help:
	@echo 'make            build wlbsd, wlbs and the BPF objects into $(BUILD)/'
	@echo 'make deps       install the Debian packages the build and tests need'
	@echo 'make check      every test: unit, BPF, simulation, systemd, netns (root)'
	@echo 'make check-unit|check-bpf|check-sim|check-netns|check-systemd  one layer'
	@echo 'make demo       a 3-host cluster in network namespaces, explained (root)'
	@echo 'make check-scale  32 hosts converge and share traffic (root; SCALE_HOSTS=N)'
	@echo 'make check-timing 10 minutes of stress-ng --cpu 2 at the fastest documented'
	@echo '                heartbeat timing: no membership change (root; HB_SOAK_SECONDS=N)'
	@echo 'make bench      fast-path cost per traffic class vs an XDP_PASS floor'
	@echo 'make install    install binaries, unit and example config (DESTDIR, PREFIX)'
	@echo 'V=1             show full commands'

# Installs only what is missing, so a second run does no network I/O.
deps:
	$(Q)missing=$$(for p in $(DEB_PKGS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "  APT      $$missing"; \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# --- BPF -------------------------------------------------------------------
$(BUILD)/vmlinux.h: | $(BUILD)
	$(call msg,BTF,$@)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) $(BUILD)/vmlinux.h | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

# --- userspace -------------------------------------------------------------
$(BUILD)/%.o: %.c $(HDRS) $(SKELS)
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/libwlbs.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/libwlbsd.a: $(DAEMON_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/wlbsd: $(BUILD)/daemon/main.o $(BUILD)/libwlbsd.a $(BUILD)/libwlbs.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/wlbs: $(BUILD)/cli/main.o $(CLI_OBJS) $(BUILD)/libwlbs.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

$(BUILD):
	@mkdir -p $@

# --- tests -----------------------------------------------------------------
# A unit test includes the .c it tests (to reach static functions) and links
# the rest of the daemon, CLI and lib code it needs from the archives.
$(BUILD)/tests/%: tests/unit/%.c $(HDRS) $(SKELS) $(BUILD)/libwlbsd.a $(BUILD)/libwlbs.a $(CLI_OBJS)
	@mkdir -p $(@D)
	$(call msg,TEST,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -o $@ $< $(CLI_OBJS) \
		$(BUILD)/libwlbsd.a $(BUILD)/libwlbs.a $(LIBS) -lcmocka

$(BUILD)/bpf_test: $(BPF_TEST_SRCS) $(HDRS) $(wildcard tests/bpf/*.h) $(SKELS) $(BUILD)/libwlbsd.a $(BUILD)/libwlbs.a
	$(call msg,TEST,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/bpf -o $@ $(BPF_TEST_SRCS) $(BUILD)/libwlbsd.a \
		$(BUILD)/libwlbs.a $(LIBS) -lcmocka

$(BUILD)/bench: bench/bench.c $(wildcard tests/bpf/frames.c tests/bpf/*.h) $(HDRS) $(SKELS)
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/bpf -o $@ bench/bench.c tests/bpf/frames.c $(LIBS)

$(BUILD)/sim: $(SIM_SRCS) $(HDRS) $(BUILD)/libwlbsd.a $(BUILD)/libwlbs.a
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $(SIM_SRCS) $(BUILD)/libwlbsd.a $(BUILD)/libwlbs.a $(LIBS)

check: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory check-unit check-bpf check-systemd check-fuzz
	$(Q)$(MAKE) --no-print-directory check-sim
	$(Q)$(MAKE) --no-print-directory check-netns

check-unit: $(UNIT_TESTS)
	$(Q)tests/run-unit.sh $(UNIT_TESTS)

# Exit 77 = skipped (not root); the runners turn it into a failure when CI=true.
check-bpf: $(BUILD)/bpf_test
	$(Q)tests/bpf/run.sh $(BUILD)/bpf_test || [ $$? -eq 77 ]

check-sim:
	$(Q)if [ -n "$(SIM_SRCS)" ]; then $(MAKE) --no-print-directory $(BUILD)/sim && \
		$(BUILD)/sim $(SIM_ARGS); fi

check-systemd:
	$(Q)tests/check-systemd.sh

check-netns: all
	$(Q)tests/netns/run.sh $(NETNS_TESTS) || [ $$? -eq 77 ]

# 32 hosts in namespaces converge; every connection answered exactly once (root).
check-scale: all
	$(Q)tests/netns/scale.sh $(or $(SCALE_HOSTS),32) || [ $$? -eq 77 ]

# The soak behind the fastest heartbeat timing in docs/convergence.md (20 ms x 6):
# 3 hosts, stress-ng --cpu 2, control requests, no membership change in 10 minutes
# (root; not in `make check`, which runs the same test for 20 s at 10 ms x 3).
check-timing: all
	$(Q)HB_FAST_PERIOD_MS=$(or $(HB_FAST_PERIOD_MS),20) \
		HB_FAST_TOLERANCE=$(or $(HB_FAST_TOLERANCE),6) \
		HB_SOAK_SECONDS=$(or $(HB_SOAK_SECONDS),600) \
		NETNS_TEST_TIMEOUT=$$(( $(or $(HB_SOAK_SECONDS),600) + 120 )) \
		NETNS_VERBOSE=1 tests/netns/run.sh test_hb_timing_under_load || [ $$? -eq 77 ]

# A 3-host cluster in namespaces, traffic, drainstop, explained (root).
demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)demo/demo.sh

# Remote control parser/verifier under libFuzzer (clang, libclang-rt-14-dev):
# a short run in `make check`, a long one with `make fuzz` (FUZZ_SECONDS=N).
FUZZ_SRCS := tests/fuzz/fuzz_remote.c lib/remote_auth.c lib/ctl_codec.c lib/status.c
$(BUILD)/fuzz_remote: $(FUZZ_SRCS) $(HDRS) | $(BUILD)
	$(call msg,FUZZ-CC,$@)
	$(Q)$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-std=gnu11 -D_GNU_SOURCE -Iinclude -Ilib -o $@ $(FUZZ_SRCS) -lsodium

# The heartbeat path: codec and convergence core, as wlbsd receives a frame.
FUZZ_HB_SRCS := tests/fuzz/fuzz_heartbeat.c lib/hb_codec.c daemon/convergence.c \
	daemon/conv_peers.c daemon/conv_map.c daemon/bucketmap.c
$(BUILD)/fuzz_heartbeat: $(FUZZ_HB_SRCS) $(HDRS) | $(BUILD)
	$(call msg,FUZZ-CC,$@)
	$(Q)$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-std=gnu11 -D_GNU_SOURCE -Iinclude -Ilib -Idaemon -o $@ $(FUZZ_HB_SRCS) -lsodium

check-fuzz: $(BUILD)/fuzz_remote $(BUILD)/fuzz_heartbeat
	$(Q)tests/fuzz/run.sh $(BUILD)/fuzz_remote 20
	$(Q)tests/fuzz/run.sh $(BUILD)/fuzz_heartbeat 15

fuzz: $(BUILD)/fuzz_remote $(BUILD)/fuzz_heartbeat
	$(Q)tests/fuzz/run.sh $(BUILD)/fuzz_remote $(or $(FUZZ_SECONDS),600)
	$(Q)tests/fuzz/run.sh $(BUILD)/fuzz_heartbeat $(or $(FUZZ_SECONDS),600)

bench: $(BUILD)/bench
	$(Q)$(BUILD)/bench --json $(BUILD)/bench.json $(BENCH_ARGS)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

install: all
	install -D -m 0755 $(BUILD)/wlbsd $(DESTDIR)$(PREFIX)/sbin/wlbsd
	install -D -m 0755 $(BUILD)/wlbs $(DESTDIR)$(PREFIX)/sbin/wlbs
	install -d $(DESTDIR)/lib/systemd/system
	sed -e 's|@SBINDIR@|$(PREFIX)/sbin|g' -e 's|@DOCDIR@|$(PREFIX)/share/doc/wlbs|g' \
		systemd/wlbsd.service.in >$(DESTDIR)/lib/systemd/system/wlbsd.service
	install -D -m 0644 README.md $(DESTDIR)$(PREFIX)/share/doc/wlbs/README.md
	install -D -m 0644 examples/ansible/rolling-maintenance.yml \
		$(DESTDIR)$(PREFIX)/share/doc/wlbs/examples/ansible/rolling-maintenance.yml
	install -D -m 0644 wlbs.conf.example $(DESTDIR)/etc/wlbs/wlbs.conf.example

uninstall:
	-$(PREFIX)/sbin/wlbsd --uninstall
	rm -f $(DESTDIR)$(PREFIX)/sbin/wlbsd $(DESTDIR)$(PREFIX)/sbin/wlbs \
		$(DESTDIR)/lib/systemd/system/wlbsd.service

clean:
	rm -rf $(BUILD)

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The Debian package `make deb` built, as a machine would get it:
#  - lintian reports no error; its version is ./VERSION and debian/changelog's;
#  - it holds what the unit, the docs and the group need, the man pages and the
#    bash completion, /etc only as conffile;
#  - its maintainer scripts: postinst creates group wlbs (sysusers) and enables
#    the unit; prerm on remove runs `wlbsd --uninstall` and survives its
#    failure, not on upgrade; postrm purge removes /var/lib/wlbs;
#  - the installed unit passes systemd-analyze verify, security <= 3.5;
#  - the Ansible role's task installing a .deb accepts it (check mode);
#  - the installed binaries say the version, accept the example config and
#    (root) run a converged host in namespaces (tests/netns test_stop_start).
# usage: check-deb.sh DEB_DIR
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { echo "FAIL  $*"; failed=$((failed + 1)); }
expect() { if [ "$2" = "$3" ]; then ok; else bad "$1: expected '$3', got '$2'"; fi; }

deb=$(ls "$dir"/wlbs_*.deb 2>/dev/null | head -n 1)
[ -f "$deb" ] || { echo "check-deb: no wlbs_*.deb in $dir" >&2; exit 1; }
version=$(cat "$top/VERSION")

if out=$(lintian --fail-on error "$dir"/wlbs_*.changes 2>&1); then ok; else bad "lintian: $out"; fi
expect "debian/changelog version" "$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)" "$version"
expect "package version" "$(dpkg-deb -f "$deb" Version)" "$version"

root=$tmp/root
dpkg-deb -x "$deb" "$root"
for f in usr/sbin/wlbsd usr/sbin/wlbs lib/systemd/system/wlbsd.service \
	usr/lib/sysusers.d/wlbs.conf etc/wlbs/wlbs.conf.example usr/share/doc/wlbs/README.md \
	usr/share/doc/wlbs/copyright \
	usr/share/bash-completion/completions/wlbs usr/share/bash-completion/completions/wlbsd \
	"usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/wireshark/plugins/wlbs.lua"; do
	if [ -e "$root/$f" ]; then ok; else bad "package lacks /$f"; fi
done
# Every man page of man/, compressed by dh_compress.
for m in "$top"/man/*.scd; do
	m=${m##*/}
	m=${m%.scd}
	if [ -e "$root/usr/share/man/man${m##*.}/$m.gz" ]; then ok; else bad "package lacks man page $m"; fi
done
# The Ansible playbooks and the role, every file of them.
for f in "$top"/examples/ansible/*.yml "$top"/examples/ansible/roles/wlbs/*/*; do
	f=usr/share/doc/wlbs/examples/ansible/${f#"$top"/examples/ansible/}
	if [ -f "$root/$f" ]; then ok; else bad "package lacks /$f"; fi
done
# Whatever else of systemd/ the Makefile installs (metrics timer, catalog) comes along.
for u in "$top"/systemd/*.timer; do
	[ -e "$u" ] || continue
	if [ -e "$root/lib/systemd/system/${u##*/}" ]; then ok; else bad "package lacks ${u##*/}"; fi
done
for c in "$top"/systemd/*.catalog.in; do
	[ -e "$c" ] || continue
	c=${c##*/}
	if [ -e "$root/usr/lib/systemd/catalog/${c%.in}" ]; then ok; else bad "package lacks $c"; fi
done
dpkg-deb -e "$deb" "$tmp/ctl"
expect "conffiles" "$(cat "$tmp/ctl/conffiles")" /etc/wlbs/wlbs.conf.example
if [ -n "$(find "$root/etc" -type f ! -name wlbs.conf.example)" ]; then
	bad "files in /etc beside the example: $(find "$root/etc" -type f)"
else ok; fi

# Maintainer scripts against a scratch root (DPKG_ROOT), with a wlbsd that
# records its arguments and fails, and systemd's helpers that record theirs.
stub=$tmp/stub
mkdir -p "$stub/usr/sbin" "$stub/usr/lib/sysusers.d" "$stub/etc" "$stub/var/lib/wlbs" "$tmp/bin"
cp "$root/usr/lib/sysusers.d/wlbs.conf" "$stub/usr/lib/sysusers.d/"
# shellcheck disable=SC2016 # $0 and $* are the stub's
printf '#!/bin/sh\necho "$0 $*" >>%s/calls\nexit 1\n' "$tmp" >"$stub/usr/sbin/wlbsd"
for h in deb-systemd-helper deb-systemd-invoke systemctl; do
	printf '#!/bin/sh\necho "%s $*" >>%s/calls\n' "$h" "$tmp" >"$tmp/bin/$h"
done
chmod +x "$stub/usr/sbin/wlbsd" "$tmp/bin"/*
run_script() { PATH=$tmp/bin:$PATH DPKG_ROOT=$stub sh "$tmp/ctl/$1" "$2" >"$tmp/out" 2>&1; }
: >"$tmp/calls"
if run_script postinst configure; then ok; else bad "postinst configure: $(cat "$tmp/out")"; fi
if grep -q '^wlbs:' "$stub/etc/group" 2>/dev/null; then ok; else bad "postinst: no group wlbs"; fi
if grep -q "enable wlbsd.service" "$tmp/calls"; then ok; else bad "postinst: unit not enabled"; fi
: >"$tmp/calls"
if run_script prerm upgrade && [ ! -s "$tmp/calls" ]; then ok; else
	bad "prerm upgrade ran: $(cat "$tmp/calls")"; fi
if run_script prerm remove; then ok; else bad "prerm remove failed with wlbsd's failure"; fi
expect "prerm remove" "$(grep wlbsd "$tmp/calls")" \
	"$stub/usr/sbin/wlbsd --uninstall --state-dir $stub/var/lib/wlbs"
touch "$stub/var/lib/wlbs/installed-eth0"
run_script postrm remove
if [ -e "$stub/var/lib/wlbs/installed-eth0" ]; then ok; else bad "postrm remove removed the records"; fi
run_script postrm purge
if [ ! -e "$stub/var/lib/wlbs" ]; then ok; else bad "postrm purge left /var/lib/wlbs"; fi

# The unit as installed: verify wants ExecStart= to exist, so it points into the root.
sed "s|/usr/sbin/|$root/usr/sbin/|g" "$root/lib/systemd/system/wlbsd.service" >"$tmp/wlbsd.service"
if out=$(MANPATH=$root/usr/share/man systemd-analyze verify "$tmp/wlbsd.service" 2>&1) && ! grep -q wlbsd <<<"$out"; then
	ok
else bad "systemd-analyze verify: $out"; fi
score=$(systemd-analyze security --offline=yes "$root/lib/systemd/system/wlbsd.service" 2>&1 |
	sed -n 's/.*Overall exposure level for wlbsd.service: \([0-9.]*\).*/\1/p')
if awk -v s="${score:-99}" 'BEGIN { exit !(s <= 3.5) }'; then ok; else bad "exposure ${score:-?} > 3.5"; fi

expect "wlbs --version" "$("$root/usr/sbin/wlbs" --version)" "wlbs $version"
expect "wlbsd --version" "$("$root/usr/sbin/wlbsd" --version)" "wlbsd $version"
if out=$("$root/usr/sbin/wlbsd" --check-config -c "$root/etc/wlbs/wlbs.conf.example" 2>&1); then
	ok
else bad "installed wlbsd --check-config on the example: $out"; fi

# The Ansible role's install task in check mode against this machine: it reads
# the package and would install it (or finds it installed); nothing changes.
if command -v ansible-playbook >/dev/null; then
	printf 'wlbs_cluster:\n  hosts:\n    localhost:\n      ansible_connection: local\n' \
		>"$tmp/inventory.yml"
	out=$(ANSIBLE_NOCOLOR=1 ANSIBLE_LOCAL_TEMP=$tmp/ansible ansible-playbook \
		-i "$tmp/inventory.yml" -e ansible_python_interpreter=/usr/bin/python3 \
		-e "wlbs_package_deb=$(realpath "$deb") wlbs_package_deb_dest=$(realpath "$dir")" \
		--check --tags wlbs_package "$top/examples/ansible/site.yml" 2>&1)
	if sed -n '/^TASK \[wlbs : Install the .deb\]/,/^$/p' <<<"$out" |
		grep -qE '^(changed|ok): \[localhost\]'; then ok; else bad "the role's .deb task: $out"; fi
fi

# A converged host, run by the installed binaries (netns tests: root only).
if [ "$(id -u)" -eq 0 ]; then
	mkdir "$tmp/build"
	ln -s "$root/usr/sbin/wlbsd" "$root/usr/sbin/wlbs" "$top/build/floor.bpf.o" "$tmp/build/"
	if BUILD=$tmp/build "$top/tests/netns/run.sh" test_stop_start >"$tmp/netns.log" 2>&1; then
		ok
	else bad "installed binaries in namespaces: $(cat "$tmp/netns.log")"; fi
else
	[ "${CI:-}" = true ] && bad "the namespace run needs root"
	echo "check-deb: namespace run skipped (not root)"
fi
echo "deb: $passed passed, $failed failed ($(basename "$deb"), $(du -k "$deb" | cut -f1) KiB)"
[ "$failed" -eq 0 ]

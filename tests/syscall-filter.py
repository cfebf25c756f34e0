#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The system calls a unit's SystemCallFilter= allows, one per line.

usage: syscall-filter.py UNIT            the allow-list, groups expanded
       syscall-filter.py UNIT NAME...    exit 1 naming each NAME it refuses

Groups (@system-service, ...) are expanded with systemd-analyze syscall-filter,
so the answer is the one of the systemd on this machine. Only allow-lists
(no leading ~) are handled: that is what wlbsd.service uses.
"""
import subprocess
import sys


def groups():
    """Every group of this systemd: name -> its lines (calls and @groups)."""
    out = subprocess.run(["systemd-analyze", "syscall-filter"], capture_output=True,
                         text=True, check=True).stdout
    table, cur = {}, None
    for line in out.splitlines():
        if line.startswith("@"):
            cur = table.setdefault(line.split()[0], [])
        elif cur is not None and line.strip() and not line.strip().startswith("#"):
            cur.append(line.strip())
    return table


def expand(names, table, seen=None):
    seen = set() if seen is None else seen
    calls = set()
    for n in names:
        if n.startswith("@"):
            if n in seen:
                continue
            seen.add(n)
            calls |= expand(table.get(n, []), table, seen)
        else:
            calls.add(n)
    return calls


def allowed(unit):
    names = []
    for line in open(unit, encoding="utf-8"):
        key, _, value = line.strip().partition("=")
        if key != "SystemCallFilter":
            continue
        if value.startswith("~"):
            sys.exit(f"{unit}: a deny-list filter ({line.strip()}) is not handled")
        names += value.split()
    if not names:
        sys.exit(f"{unit}: no SystemCallFilter=")
    return expand(names, groups())


def main():
    calls = allowed(sys.argv[1])
    if len(sys.argv) == 2:
        print("\n".join(sorted(calls)))
        return 0
    refused = [n for n in sys.argv[2:] if n not in calls]
    for n in refused:
        print(f"{sys.argv[1]}: SystemCallFilter= refuses {n}", file=sys.stderr)
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())

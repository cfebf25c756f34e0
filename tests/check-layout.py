#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The tree reads as the architecture, and stays so (make check-layout).

Fails (exit 1) on:
  - an include cycle among the project's own files (#include "..." and
    <...> that resolve inside the tree, searched as the Makefile's -I flags);
  - a daemon/core/ file that includes a project file outside core/,
    include/wlbs/ and the lib/ codecs, or a system header that does I/O:
    the core stays pure (no sockets, no files, no logging);
  - cli/ or lib/ including daemon code (the CLI never links it);
  - given object files (make passes the daemon's and lib's): a call cycle
    between them (nm), or a core object calling out of core/ and lib/.

usage: check-layout.py ROOT [BUILD/daemon/... .o | BUILD/lib/... .o ...]
"""
import os
import re
import subprocess
import sys

# The Makefile's -I order (after the including file's own folder).
SEARCH = ["include", "lib", "daemon", "bpf", "tests/bpf"]
SOURCES = ["include", "bpf", "lib", "daemon", "cli", "tests", "bench"]
# System headers a pure core has no business with.
IO_HEADERS = re.compile(r"^(unistd|fcntl|poll|dirent|sys/(socket|ioctl|epoll|stat|mman)|"
                        r"net/if|netinet/.*|linux/.*|bpf/.*|systemd/.*|libmnl/.*)\.h$")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def sources(root):
    for top in SOURCES:
        for d, _, files in os.walk(os.path.join(root, top)):
            for f in sorted(files):
                if f.endswith((".c", ".h")):
                    yield os.path.relpath(os.path.join(d, f), root)


def resolve(root, src, kind, name):
    dirs = ([os.path.dirname(src)] if kind == '"' else []) + SEARCH
    for d in dirs:
        p = os.path.normpath(os.path.join(d, name))
        if os.path.isfile(os.path.join(root, p)):
            return p
    return None


def find_cycle(graph):
    """One cycle of graph (node -> successors) as a list of nodes, or None."""
    state, stack = {}, []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in graph.get(n, ()):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in state:
                c = visit(m)
                if c:
                    return c
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state:
            c = visit(n)
            if c:
                return c
    return None


def cycles(graph):
    """Cycles, one after another: a reported one's nodes leave the next search."""
    found, seen = [], set()
    while True:
        sub = {n: [m for m in graph.get(n, ()) if m not in seen] for n in graph if n not in seen}
        c = find_cycle(sub)
        if not c:
            return found
        found.append(c)
        seen.update(c)


def core_allows(path):
    return (path.startswith(("daemon/core/", "include/wlbs/")) or
            re.fullmatch(r"lib/\w+_codec\.h", path) is not None)


def check_includes(root):
    errors, graph = [], {}
    for src in sources(root):
        with open(os.path.join(root, src), errors="replace") as f:
            text = f.read()
        graph[src] = []
        for kind, name in INCLUDE.findall(text):
            dep = resolve(root, src, kind, name)
            if dep:
                graph[src].append(dep)
            core = src.startswith("daemon/core/")
            if core and dep and not core_allows(dep):
                errors.append(f"{src}: includes {dep}: core/ stays pure "
                              "(core/, include/wlbs/, lib/ codecs only)")
            elif core and not dep and IO_HEADERS.match(name):
                errors.append(f"{src}: includes <{name}>: core/ does no I/O")
            if src.startswith(("cli/", "lib/")) and dep and dep.startswith("daemon/"):
                errors.append(f"{src}: includes {dep}: the CLI and lib/ never use daemon code")
    errors += ["include cycle: " + " -> ".join(c) for c in cycles(graph)]
    return errors


def check_calls(objs):
    defs, uses = {}, {}
    for o in objs:
        out = subprocess.run(["nm", o], capture_output=True, text=True, check=True).stdout
        uses[o] = set()
        for line in out.splitlines():
            p = line.split()
            if len(p) == 3 and p[1] in "TDBR":
                defs[p[2]] = o
            elif len(p) == 2 and p[0] == "U":
                uses[o].add(p[1])
    graph = {o: sorted({defs[s] for s in uses[o] if defs.get(s, o) != o}) for o in objs}
    errors = []
    for o, deps in sorted(graph.items()):
        for d in deps:
            if "/daemon/core/" in o and not re.search(r"/(daemon/core|lib)/", d):
                errors.append(f"{o}: calls into {d}: core/ calls only core/ and lib/")
    errors += ["call cycle: " + " -> ".join(c) for c in cycles(graph)]
    return errors


def main(argv):
    root = argv[0] if argv else "."
    errors = check_includes(root) + check_calls(argv[1:])
    for e in errors:
        print("check-layout: " + e, file=sys.stderr)
    if not errors:
        print("check-layout: no include or call cycle, core/ pure")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

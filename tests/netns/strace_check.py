#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""What wlbsd.service's sandbox would refuse, read from strace -f -y logs.

Reads each LOG from the execve of wlbsd or wlbs on (what setpriv did before
is not the daemon's) and fails, naming each, on:
  - a system call SystemCallFilter= does not allow (tests/syscall-filter.py);
  - a write (open for writing or creating, mkdir, unlink, rename, bind of a
    socket path) outside the WRITABLE prefixes: ProtectSystem=strict with
    ReadWritePaths=, StateDirectory=, RuntimeDirectory=, PrivateTmp=;
  - an open of a device PrivateDevices= does not provide, or of the kernel log;
  - an open of another process's /proc/PID (ProtectProc=invisible).

usage: strace_check.py UNIT WRITABLE[:WRITABLE...] LOG...
"""
import os
import re
import subprocess
import sys

CALL = re.compile(r"^(\d+)\s+(?:<\.\.\. )?([a-z_0-9]+)(\(| resumed>)")
EXEC = re.compile(r'execve\("[^"]*/wlbsd?"')
# One path argument: "path", or a dirfd shown by -y as 3</dir> then "name".
PATH_ARG = re.compile(r'(?:(\d+)<([^>]*)>|AT_FDCWD), "([^"]*)"|\("([^"]*)"')
WRITE_CALLS = {"mkdir", "mkdirat", "unlink", "unlinkat", "rename", "renameat", "renameat2",
               "rmdir", "symlink", "symlinkat", "link", "linkat", "chmod", "fchmodat"}
PRIVATE_DEVICES = {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
                   "/dev/tty", "/dev/ptmx", "/dev/pts/ptmx"}


def allowed(unit):
    top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    out = subprocess.run([os.path.join(top, "syscall-filter.py"), unit], capture_output=True,
                         text=True, check=True).stdout
    return set(out.split())


def path_of(line):
    m = PATH_ARG.search(line)
    if not m:
        return None
    if m.group(4) is not None:
        return m.group(4)
    name = m.group(3)
    if m.group(2) and not name.startswith("/"):
        return os.path.join(m.group(2), name)
    return name


def check(log, calls, writable, problems):
    started = False
    pids = set()
    for line in open(log, encoding="utf-8", errors="replace"):
        if not started:
            started = bool(EXEC.search(line)) and "= 0" in line
            continue
        m = CALL.match(line)
        if not m or " resumed>" in line:
            continue
        pid, name = m.group(1), m.group(2)
        pids.add(pid)
        if name not in calls:
            problems.add(f"system call {name} (SystemCallFilter=)")
        path = path_of(line)
        if not path:
            continue
        writes = name in WRITE_CALLS or (
            name in ("open", "openat", "creat") and re.search(r"O_WRONLY|O_RDWR|O_CREAT", line))
        if name == "bind" and "sun_path=" in line:
            path = re.search(r'sun_path="([^"]*)"', line).group(1)
            writes = True
        # mkdir -p of a directory that is there: EEXIST comes before EROFS.
        writes = writes and "= -1 EEXIST" not in line
        if writes and not any(path == w or path.startswith(w.rstrip("/") + "/")
                              for w in writable):
            problems.add(f"write to {path} ({name}; ProtectSystem=strict)")
        if name in ("open", "openat"):
            if path.startswith("/dev/") and path not in PRIVATE_DEVICES:
                problems.add(f"device {path} (PrivateDevices=)")
            if path in ("/proc/kmsg", "/dev/kmsg"):
                problems.add(f"kernel log {path} (ProtectKernelLogs=)")
            p = re.match(r"/proc/(\d+)(/|$)", path)
            if p and p.group(1) not in pids:
                problems.add(f"another process's {path} (ProtectProc=invisible)")
    if not started:
        problems.add(f"{log}: no execve of wlbsd or wlbs")


def main():
    unit, writable, logs = sys.argv[1], sys.argv[2].split(":"), sys.argv[3:]
    calls = allowed(unit)
    problems = set()
    for log in logs:
        check(log, calls, writable, problems)
    for p in sorted(problems):
        print(f"sandbox: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

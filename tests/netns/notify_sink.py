#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""systemd's side of sd_notify(3), for machines without systemd as PID 1.

Binds an AF_UNIX datagram socket at PATH (what NOTIFY_SOCKET names) and
appends every assignment of every datagram to LOG, one line each:
"<CLOCK_MONOTONIC ms> KEY=VALUE", flushed at once so a test reads it live.
Writes READY_FILE once bound. Runs until killed.

usage: notify_sink.py PATH LOG READY_FILE
"""
import os
import socket
import sys
import time


def main():
    path, log, ready = sys.argv[1:4]
    if os.path.exists(path):
        os.unlink(path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    with open(ready, "w") as f:
        f.write(f"{os.getpid()}\n")
    with open(log, "a", buffering=1) as out:
        while True:
            data = s.recv(4096)
            ms = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000000
            for line in data.decode("utf-8", "replace").split("\n"):
                if line:
                    out.write(f"{ms} {line}\n")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Captures wlbs heartbeats (ethertype 0x886F) on one interface for a while.

Run inside a namespace of the netns tests (the client sees every heartbeat the
bridge floods). Timestamps are the kernel's (SO_TIMESTAMPNS), so a busy
capture process does not distort them. Prints, at the end:

  dst MAC COUNT          one line per destination MAC seen
  host N frames=C p50=MS p99=MS max=MS     inter-arrival per sender (host
                                           priority, payload byte 5), in ms
  total frames=C p50=MS p99=MS max=MS      all senders together

With --frames FILE it also writes "TIME_NS HOST DST_MAC" per frame.
Exit 0 when at least one heartbeat was seen, 1 otherwise.
"""
import argparse
import select
import socket
import struct
import sys
import time

ETH_P_HB = 0x886F
SO_TIMESTAMPNS = 35


def pct(vals, p):
    if not vals:
        return 0.0
    vals = sorted(vals)
    return vals[min(len(vals) - 1, int(round(p / 100.0 * (len(vals) - 1))))]


def mac(b):
    return ":".join("%02x" % x for x in b)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iface", default="eth0")
    ap.add_argument("--duration", type=float, default=1.0)
    ap.add_argument("--frames", help="write every frame to this file")
    a = ap.parse_args()

    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_HB))
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.bind((a.iface, ETH_P_HB))
    dsts, last, gaps, frames = {}, {}, {}, []
    end = time.monotonic() + a.duration
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        if not select.select([s], [], [], left)[0]:
            continue
        data, anc, _, addr = s.recvmsg(2048, 256)
        if addr[2] == socket.PACKET_OUTGOING or len(data) < 20:
            continue
        if data[14:18] == b"WLBD":  # a rules descriptor (same ethertype), not a heartbeat
            continue
        ts = None
        for level, typ, val in anc:
            if level == socket.SOL_SOCKET and typ == SO_TIMESTAMPNS:
                sec, nsec = struct.unpack("qq", val[:16])
                ts = sec * 1000000000 + nsec
        if ts is None:
            ts = time.time_ns()
        dst, host = mac(data[0:6]), data[14 + 5]
        dsts[dst] = dsts.get(dst, 0) + 1
        if host in last:
            gaps.setdefault(host, []).append((ts - last[host]) / 1e6)
        last[host] = ts
        frames.append((ts, host, dst))
    if a.frames:
        with open(a.frames, "w") as f:
            for ts, host, dst in frames:
                f.write("%d %d %s\n" % (ts, host, dst))
    for dst, n in sorted(dsts.items()):
        print("dst %s %d" % (dst, n))
    every = []
    for host in sorted(gaps):
        g = gaps[host]
        every += g
        print("host %d frames=%d p50=%.2f p99=%.2f max=%.2f"
              % (host, len(g) + 1, pct(g, 50), pct(g, 99), max(g)))
    print("total frames=%d p50=%.2f p99=%.2f max=%.2f"
          % (len(frames), pct(every, 50), pct(every, 99), max(every) if every else 0))
    return 0 if frames else 1


if __name__ == "__main__":
    sys.exit(main())

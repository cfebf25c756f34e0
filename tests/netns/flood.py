#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Frame flood for the overload test (test_overload.sh), run in the client namespace.

  flood.py --dst-mac MAC --dst IP --src IP... --duration S [--ifname eth0]

Sends TCP SYNs to --dst (ports 7000-7099) from the --src addresses and random
source ports, as raw Ethernet frames to --dst-mac (the cluster MAC: the bridge
floods them to every host), as fast as one process can, for --duration seconds.
Prints "sent N in S s" at the end.
"""
import argparse
import ipaddress
import random
import socket
import struct
import time


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def syn(src_mac, dst_mac, src, dst, sport, dport):
    s, d = ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed
    tcp = struct.pack("!HHIIBBHHH", sport, dport, random.getrandbits(32), 0, 5 << 4, 0x02,
                      64240, 0, 0)
    tcp = tcp[:16] + struct.pack("!H", csum(s + d + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, s, d)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return dst_mac + src_mac + b"\x08\x00" + ip + tcp


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dst-mac", required=True)
    p.add_argument("--dst", required=True)
    p.add_argument("--src", action="append", required=True)
    p.add_argument("--duration", type=float, required=True)
    p.add_argument("--ifname", default="eth0")
    a = p.parse_args()
    with open(f"/sys/class/net/{a.ifname}/address") as f:
        src_mac = bytes.fromhex(f.read().strip().replace(":", ""))
    dst_mac = bytes.fromhex(a.dst_mac.replace(":", ""))
    frames = [syn(src_mac, dst_mac, random.choice(a.src), a.dst, random.randint(1024, 65535),
                  random.randint(7000, 7099)) for _ in range(4096)]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.ifname, 0))
    sent, t0 = 0, time.monotonic()
    end = t0 + a.duration
    while time.monotonic() < end:
        for f in frames[(sent // 256) % 16 * 256:][:256]:
            try:
                s.send(f)
            except OSError:
                pass  # a full queue: the point is the load
        sent += 256
    print(f"sent {sent} in {time.monotonic() - t0:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

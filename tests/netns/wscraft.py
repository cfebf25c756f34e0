#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Writes a pcap of frames the wlbs Wireshark dissector must tell apart from
real wlbs traffic (tests/netns/test_wireshark.sh):

  1  an MS NLB heartbeat (ethertype 0x886F, NLB's signature 0xC0DE01BF,
     little-endian as NLB sends it): must still go to Wireshark's msnlb
  2  a wlbs heartbeat cut to 100 bytes: bad length
  3  a wlbs heartbeat of version 9 (whole): bad version
  4  a UDP datagram to port 2504 that is no remote control envelope: bad magic
  5  a rules descriptor whose n_rules does not match its length: bad length
  6  a remote control query (MAC zero) to UDP port 12504 (no dissector there): found by the heuristic

usage: wscraft.py OUT.pcap
"""
import os
import re
import struct
import sys
import time

ETH_P_HB = 0x886F
NLB_SIGNATURE = 0xC0DE01BF
SRC_MAC = bytes.fromhex("02bf0a000003")
DST_MAC = bytes.fromhex("03bfc6120064")


def eth(ethertype, payload, dst=DST_MAC, src=SRC_MAC):
    return dst + src + struct.pack("!H", ethertype) + payload


def ip_checksum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def udp4(src, dst, sport, dport, payload):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload  # no checksum
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                      bytes(map(int, src.split("."))), bytes(map(int, dst.split("."))))
    hdr = hdr[:10] + struct.pack("!H", ip_checksum(hdr)) + hdr[12:]
    return eth(0x0800, hdr + udp, dst=bytes.fromhex("02bf0a000001"))


def nlb_heartbeat():
    # signature, version, unique host id 3, cluster IP 10.0.0.100, host IP 10.0.0.3
    # (NLB writes its integers little-endian), then zeroed maps.
    hdr = struct.pack("<III", NLB_SIGNATURE, 0x00000204, 3)
    hdr += bytes([10, 0, 0, 100]) + bytes([10, 0, 0, 3])
    return eth(ETH_P_HB, hdr + bytes(1480))  # NLB fills a 1500-byte payload


def hb_version():
    # The current heartbeat version, from the header the daemon is built with.
    top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    with open(os.path.join(top, "include", "wlbs", "heartbeat.h")) as f:
        return int(re.search(r"^#define WLBS_HB_VERSION (\d+)$", f.read(), re.M).group(1))


def wlbs_heartbeat(version=None, length=1256):
    version = hb_version() if version is None else version
    hb = bytearray(1256)
    struct.pack_into("!IBBBB", hb, 0, 0x574C4248, version, 4, 1, 0x01)
    struct.pack_into("!B", hb, 21, 4)
    struct.pack_into("!QQ", hb, 48, 1 << 3, 1 << 3)
    return eth(ETH_P_HB, bytes(hb[:length]))


def rules_descriptor_bad():
    # says 2 rules, carries 1: header 40 + 40 + authenticator 32
    rd = bytearray(40 + 40 + 32)
    struct.pack_into("!IBBBB", rd, 0, 0x574C4244, 1, 4, 2, 0)
    return eth(ETH_P_HB, bytes(rd))


def remote_query():
    env = struct.pack("!IBBBBQ", 0x574C4252, 1, 0, 0, 0, 1700000000000) + bytes(range(16))
    req = struct.pack("!IBBHIHHHBB", 0x574C4243, 2, 1, 40, 0x1234, 1, 0, 0, 0, 0) + bytes(20)
    return udp4("198.18.0.200", "198.18.0.100", 40001, 12504, env + req + bytes(32))


def main():
    frames = [
        nlb_heartbeat(),
        wlbs_heartbeat(length=100),
        wlbs_heartbeat(version=9),
        udp4("198.18.0.200", "198.18.0.100", 40000, 2504, b"NLB remote control? " + bytes(60)),
        rules_descriptor_bad(),
        remote_query(),
    ]
    now = int(time.time())
    with open(sys.argv[1], "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", now, i * 1000, len(fr), len(fr)))
            f.write(fr)


if __name__ == "__main__":
    main()

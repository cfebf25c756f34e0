#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Raw UDP helper of the remote control netns tests (test_remote.sh).

  capture  receives one datagram on --port (what `wlbs` sends, when it is pointed
           at this address) and writes its bytes to --out; never answers.
  send     sends the bytes of --in (optionally cut to --truncate bytes) to --dst
           --port from --src, then prints "answers=N sizes=..." for what came back
           within --wait seconds.
  junk     from --src: every truncation of --in (0..len-1 bytes), --random random
           datagrams of 0..300 bytes, one oversized datagram (--in padded to 2000
           bytes) and --in with a wrong envelope version; prints "sent=N answers=M".
Every wait is bounded.
"""
import argparse
import os
import random
import select
import socket
import sys
import time


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def collect(s, wait):
    sizes = []
    end = time.monotonic() + wait
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([s], [], [], left)
        if not r:
            break
        try:
            sizes.append(len(s.recv(65535)))
        except OSError:
            pass  # ICMP port unreachable
    return sizes


def sender(args):
    s = socket.socket(family(args.dst), socket.SOCK_DGRAM)
    s.bind((args.src, 0))
    return s


def cmd_capture(args):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", args.port))
    with open(args.ready, "w") as f:
        f.write("ready\n")
    r, _, _ = select.select([s], [], [], args.timeout)
    if not r:
        print("capture: nothing received", file=sys.stderr)
        return 1
    data = s.recv(65535)
    with open(args.out, "wb") as f:
        f.write(data)
    print("captured=%d" % len(data))
    return 0


def cmd_send(args):
    data = open(args.__dict__["in"], "rb").read()
    if args.truncate is not None:
        data = data[: args.truncate]
    s = sender(args)
    s.sendto(data, (args.dst, args.port))
    sizes = collect(s, args.wait)
    print("answers=%d sizes=%s" % (len(sizes), ",".join(map(str, sizes))))
    return 0


def cmd_junk(args):
    data = open(args.__dict__["in"], "rb").read()
    rnd = random.Random(args.seed)
    s = sender(args)
    sent = 0
    for n in range(len(data)):
        s.sendto(data[:n], (args.dst, args.port))
        sent += 1
    for _ in range(args.random):
        s.sendto(bytes(rnd.getrandbits(8) for _ in range(rnd.randrange(301))),
                 (args.dst, args.port))
        sent += 1
    s.sendto(data + bytes(2000 - len(data)), (args.dst, args.port))
    bad = bytearray(data)
    bad[4] = 9
    s.sendto(bytes(bad), (args.dst, args.port))
    sent += 2
    sizes = collect(s, args.wait)
    print("sent=%d answers=%d" % (sent, len(sizes)))
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("capture")
    c.add_argument("--port", type=int, required=True)
    c.add_argument("--out", required=True)
    c.add_argument("--ready", required=True)
    c.add_argument("--timeout", type=float, default=10)
    for name in ("send", "junk"):
        c = sub.add_parser(name)
        c.add_argument("--dst", required=True)
        c.add_argument("--port", type=int, default=2504)
        c.add_argument("--src", default="0.0.0.0")
        c.add_argument("--in", required=True)
        c.add_argument("--wait", type=float, default=1.0)
        if name == "send":
            c.add_argument("--truncate", type=int)
        else:
            c.add_argument("--random", type=int, default=200)
            c.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    return {"capture": cmd_capture, "send": cmd_send, "junk": cmd_junk}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())

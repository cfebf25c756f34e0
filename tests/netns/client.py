#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Test client run inside the client namespace of the netns tests.

  connect      one connection per --src; prints "SRC RESULT" per line, RESULT being
               the host id that answered, "none" (no answer: timed out), "refused"
               (RST), "silent" (connected, no id) or "error:ERRNO".
  probe-until  connects again and again until a result is what --want asks
               (ok: a host answered, fail: no answer); prints "elapsed=S result=R".
               Exit 0 when reached, 1 at the deadline, 2 on a RST while waiting for
               "fail" (a stopped cluster must stay silent, not refuse).
  stream       holds one connection to a streaming server and keeps --status up to
               date with "HOST COUNT STATE" (STATE: open, closed, eof, error:...).
               SIGTERM closes the connection cleanly.
  arp          sends one ARP request for --target and prints every reply for it:
               "reply SENDER_MAC eth_src=FRAME_SOURCE_MAC".
Every wait is bounded by a timeout or deadline.
"""
import argparse
import errno
import os
import signal
import socket
import struct
import sys
import time


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def attempt(src, dst, port, timeout):
    s = socket.socket(family(dst), socket.SOCK_STREAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((src, 0))
        s.settimeout(timeout)
        try:
            s.connect((dst, port))
        except socket.timeout:
            return "none"
        except ConnectionRefusedError:
            return "refused"
        except OSError as e:
            return "error:" + errno.errorcode.get(e.errno, str(e.errno))
        buf = b""
        try:
            while not buf.endswith(b"\n") and len(buf) < 64:
                chunk = s.recv(64)
                if not chunk:
                    break
                buf += chunk
        except (socket.timeout, OSError):
            pass
        line = buf.decode(errors="replace").strip()
        return line if line else "silent"
    finally:
        s.close()


def cmd_connect(a):
    for src in a.src:
        print(f"{src} {attempt(src, a.dst, a.port, a.timeout)}", flush=True)
    return 0


def cmd_probe_until(a):
    start = time.monotonic()
    deadline = start + a.deadline
    i = 0
    result = "none"
    while True:
        t = time.monotonic()
        if t > deadline:
            print(f"elapsed={t - start:.3f} result={result} deadline", flush=True)
            return 1
        result = attempt(a.src[i % len(a.src)], a.dst, a.port, a.timeout)
        i += 1
        ok = result not in ("none", "refused", "silent") and not result.startswith("error")
        if a.want == "ok" and ok:
            print(f"elapsed={t - start:.3f} result={result}", flush=True)
            return 0
        if a.want == "fail" and result == "none":
            print(f"elapsed={t - start:.3f} result={result}", flush=True)
            return 0
        if a.want == "fail" and result == "refused":
            print(f"elapsed={t - start:.3f} result={result}", flush=True)
            return 2
        time.sleep(max(0.0, a.interval - (time.monotonic() - t)))


def write_status(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text + "\n")
    os.replace(tmp, path)


def cmd_stream(a):
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    host, count, state = "-", 0, "connecting"
    write_status(a.status, f"{host} {count} {state}")
    s = socket.socket(family(a.dst), socket.SOCK_STREAM)
    s.bind((a.src, 0))
    s.settimeout(a.timeout)
    try:
        s.connect((a.dst, a.port))
    except OSError as e:
        write_status(a.status, f"- 0 error:{e.__class__.__name__}")
        return 1
    s.settimeout(0.2)  # wake up for SIGTERM and the deadline
    end = time.monotonic() + a.duration
    buf = b""
    state = "open"
    while not stop and time.monotonic() < end:
        try:
            chunk = s.recv(4096)
        except socket.timeout:
            continue
        except OSError as e:
            state = "error:" + errno.errorcode.get(e.errno, str(e.errno))
            break
        if not chunk:
            state = "eof"
            break
        buf += chunk
        *lines, buf = buf.split(b"\n")
        for line in lines:
            if host == "-":
                host = line.decode(errors="replace").strip()
            else:
                count += 1
        write_status(a.status, f"{host} {count} {state}")
    if state == "open":
        state = "closed"
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    s.close()
    write_status(a.status, f"{host} {count} {state}")
    return 0


def cmd_arp(a):
    with open(f"/sys/class/net/{a.ifname}/address") as f:
        mac = bytes.fromhex(f.read().strip().replace(":", ""))
    spa = socket.inet_aton(a.src)
    tpa = socket.inet_aton(a.target)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
    s.bind((a.ifname, 0x0806))
    frame = (b"\xff" * 6 + mac + struct.pack("!H", 0x0806) +
             struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac + spa + b"\0" * 6 + tpa)
    s.send(frame)
    end = time.monotonic() + a.wait
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            data = s.recv(2048)
        except socket.timeout:
            break
        if len(data) < 42:
            continue
        op = struct.unpack("!H", data[20:22])[0]
        if op == 2 and data[28:32] == tpa:
            print(f"reply {data[22:28].hex(':')} eth_src={data[6:12].hex(':')}", flush=True)
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("connect", "probe-until", "stream"):
        q = sub.add_parser(name)
        q.add_argument("--dst", required=True)
        q.add_argument("--port", type=int, required=True)
        q.add_argument("--timeout", type=float, default=1.0)
        if name == "stream":
            q.add_argument("--src", required=True)
            q.add_argument("--status", required=True)
            q.add_argument("--duration", type=float, default=60)
        else:
            q.add_argument("--src", action="append", required=True)
        if name == "probe-until":
            q.add_argument("--want", choices=("ok", "fail"), required=True)
            q.add_argument("--deadline", type=float, default=3)
            q.add_argument("--interval", type=float, default=0.1)
    q = sub.add_parser("arp")
    q.add_argument("--ifname", default="eth0")
    q.add_argument("--src", required=True)
    q.add_argument("--target", required=True)
    q.add_argument("--wait", type=float, default=1.0)
    a = p.parse_args()
    return {"connect": cmd_connect, "probe-until": cmd_probe_until, "stream": cmd_stream,
            "arp": cmd_arp}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())

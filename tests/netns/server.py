#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Test server run inside a host namespace of the netns tests.

On --port every connection gets one line, the host id ("h1\n"), and is closed.
On --stream-port a connection gets the host id, then "tick N\n" every
--interval seconds until the peer closes it (or --max-seconds pass): a
long-lived transfer whose progress the client can count.
On each --also-port (repeatable) connections are served as on --port.
On --pattern-port the client sends "BYTES RATE\n"; the server answers the host
id, then BYTES bytes of a known pattern (client.py's pattern_block) at RATE
bytes/s, and closes: a paced transfer the client checks byte for byte.
On --udp-port every datagram is recorded in --udp-log as "ID LEN ok|bad"
(client.py fragments' payload: "wlbs-frag ID\n" and a pattern of ID), and
--udp-ready is created once the socket is bound.
All listen on :: with IPv4 mapped, so one socket serves IPv4 and IPv6.
"""
import argparse
import hashlib
import os
import select
import signal
import socket
import sys
import threading
import time


def listener(port):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port))
    s.listen(128)
    return s


def serve_id(conn, host_id):
    try:
        conn.sendall(f"{host_id}\n".encode())
        conn.shutdown(socket.SHUT_WR)
        conn.settimeout(2)
        while conn.recv(256):  # let the client close first: no TIME_WAIT games
            pass
    except OSError:
        pass
    finally:
        conn.close()


def serve_stream(conn, host_id, interval, max_seconds):
    end = time.monotonic() + max_seconds
    n = 0
    try:
        conn.sendall(f"{host_id}\n".encode())
        while time.monotonic() < end:
            readable, _, _ = select.select([conn], [], [], interval)
            if readable and not conn.recv(256):
                break  # the client closed
            n += 1
            conn.sendall(f"tick {n}\n".encode())
    except OSError:
        pass
    finally:
        conn.close()


def pattern_block(k):
    """Block k of the pattern (same as client.py): 4096 bytes, different per block."""
    return hashlib.sha256(b"wlbs%d" % k).digest() * 128


def serve_pattern(conn, host_id):
    try:
        conn.settimeout(2)
        req = b""
        while not req.endswith(b"\n") and len(req) < 64:
            chunk = conn.recv(64)
            if not chunk:
                return
            req += chunk
        total, rate = (int(x) for x in req.split())
        conn.settimeout(10)
        conn.sendall(f"{host_id}\n".encode())
        start = time.monotonic()
        sent = 0
        while sent < total:
            block = pattern_block(sent // 4096)[:min(4096, total - sent)]
            conn.sendall(block)
            sent += len(block)
            time.sleep(max(0.0, start + sent / rate - time.monotonic()))
        conn.shutdown(socket.SHUT_WR)
        while conn.recv(256):
            pass
    except (OSError, ValueError):
        pass
    finally:
        conn.close()


def frag_payload(i, size):
    """client.py's frag_payload: datagram I's expected bytes."""
    head = b"wlbs-frag %d\n" % i
    body = hashlib.sha256(head).digest() * (size // 32 + 1)
    return (head + body)[:size]


def udp_record(port, path):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE: no loss to a burst
    s.bind(("::", port))

    def run():
        with open(path, "a") as log:
            while True:
                data = s.recv(65535)
                try:
                    i = int(data.split(b"\n", 1)[0].split()[1])
                except (IndexError, ValueError):
                    log.write(f"- {len(data)} bad\n")
                else:
                    ok = data == frag_payload(i, len(data))
                    log.write(f"{i} {len(data)} {'ok' if ok else 'bad'}\n")
                log.flush()

    threading.Thread(target=run, daemon=True).start()


def accept_loop(sock, handler, args):
    while True:
        try:
            conn, _ = sock.accept()
        except OSError:
            return
        threading.Thread(target=handler, args=(conn, *args), daemon=True).start()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--id", required=True, help="host id sent to every client")
    p.add_argument("--port", type=int, default=7000)
    p.add_argument("--stream-port", type=int, default=7001)
    p.add_argument("--interval", type=float, default=0.05)
    p.add_argument("--max-seconds", type=float, default=120)
    p.add_argument("--also-port", type=int, action="append", default=[],
                   help="another port served like --port")
    p.add_argument("--pattern-port", type=int, help="port of the paced pattern transfer")
    p.add_argument("--ready", help="file created once every port listens")
    p.add_argument("--udp-port", type=int, help="UDP port whose datagrams are recorded")
    p.add_argument("--udp-log", help="where --udp-port's datagrams are recorded")
    a = p.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    socks = [listener(a.port), listener(a.stream_port)]
    threading.Thread(target=accept_loop, args=(socks[0], serve_id, (a.id,)),
                     daemon=True).start()
    threading.Thread(target=accept_loop,
                     args=(socks[1], serve_stream, (a.id, a.interval, a.max_seconds)),
                     daemon=True).start()
    for port in a.also_port:
        threading.Thread(target=accept_loop, args=(listener(port), serve_id, (a.id,)),
                         daemon=True).start()
    if a.pattern_port:
        threading.Thread(target=accept_loop,
                         args=(listener(a.pattern_port), serve_pattern, (a.id,)),
                         daemon=True).start()
    if a.udp_port:
        udp_record(a.udp_port, a.udp_log)
    if a.ready:
        with open(a.ready, "w") as f:
            f.write(f"{os.getpid()}\n")
    # Bounded life: a forgotten server never outlives a test run by much.
    time.sleep(a.max_seconds + 60)
    return 0


if __name__ == "__main__":
    sys.exit(main())

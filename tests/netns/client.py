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
  arp          sends one ARP request for --target (a neighbour solicitation for an
               IPv6 --target) and prints every reply for it:
               "reply SENDER_MAC eth_src=FRAME_SOURCE_MAC".
  spread       --per-src connections from every --src, source ports --port-base,
               --port-base+1, ... (explicit, so a run can be repeated), --parallel at
               a time, while capturing every SYN-ACK and RST the cluster IP sends.
               Prints "SRC SPORT RESULT synack=HOSTS rst=N" per connection (HOSTS:
               the senders' MACs named by --mac NAME=MAC, "-" for none) and, last,
               "summary total= ok= none= refused= other= twice= rst= mismatch= NAME=COUNT..."
               (twice: SYN-ACKs from more than one host; mismatch: the SYN-ACK came
               from another host than the one that answered).
  rate         --rate new connections per second for --duration seconds (sources
               --src in turn, source ports from --port-base), each with --timeout;
               prints "failed T SRC RESULT" per failure (T: when it was
               tried, seconds after the start) and "summary total= ok=
               failed= ..."; exit 0 only when every connection was answered.
  pattern      one connection (--src, --sport) to a pattern server: asks for --bytes
               bytes at --rate bytes/s, checks every byte and the length; keeps
               --status up to date with "HOST RECEIVED STATE", STATE ending as "ok",
               "short", "bad@OFFSET" or "error:...". Exit 0 only for "ok".
  fragments    --count UDP datagrams of --size bytes to --dst:--port, datagram I from
               --src[I % N] port --sport-base+I, each cut into IP fragments by hand
               (--frag-size bytes of UDP data each, IPv4 or IPv6 fragment header) and
               sent as raw frames to --dst-mac in the order --orders gives
               (ORDER:N,...: inorder, reverse = last fragment first, random, dup =
               reverse with the middle fragment twice and the last once more after
               the first). The payload starts "wlbs-frag ID\n" (server.py checks it).
               Prints "sent=N frames=M ORDER=N...".
  frag-send    the bytes of --in as one UDP datagram from --src:--sport, fragmented
               like fragments (--order), then prints "answers=N" for the datagrams
               that came back to --src:--sport within --wait seconds.
  outbound     run on a cluster host: one connection per --dst, bound to --bind and
               local port --lport-base+I, to --dst[I]:--port (an echo-server); sends
               a paced pattern for --seconds while checking the echo, then half-closes
               and checks the rest. Prints "LPORT DST RESULT BYTES" per connection
               (RESULT ok, refused, timeout, reset, short, bad@OFFSET, error:...) and,
               last, "summary total= ok= failed="; --stagger spreads the starts.
  echo-server  run in the client namespace: echoes every connection on --port (all
               addresses, IPv4 and IPv6) and counts TCP RSTs to or from the cluster IPs
               (--vip, repeatable) on --ifname; keeps --status up to date with
               "conns=N rst_in=N rst_out=N" (in: sent by the cluster).
probe-until also takes --tuple SRC:PORT (repeatable) to probe explicit flows, and
--host H: with --want ok, only an answer from host H counts.
Every wait is bounded by a timeout or deadline.
"""
import argparse
import errno
import hashlib
import os
import random
import select
import signal
import socket
import struct
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def attempt(src, dst, port, timeout, sport=0):
    s = socket.socket(family(dst), socket.SOCK_STREAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if sport:
            # An explicit flow is reused by later runs: close with a RST, so that
            # neither side keeps it in TIME_WAIT.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.bind((src, sport))
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
        if a.tuple:
            src, sport = split_tuple(a.tuple[i % len(a.tuple)])
        else:
            src, sport = a.src[i % len(a.src)], 0
        result = attempt(src, a.dst, a.port, a.timeout, sport)
        i += 1
        ok = result not in ("none", "refused", "silent") and not result.startswith("error")
        ok = ok and (not a.host or result == a.host)
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


def split_tuple(t):
    addr, _, port = t.rpartition(":")
    return addr.strip("[]"), int(port)


class Capture:
    """SYN-ACKs and RSTs the cluster IP sends to the client, per client flow."""

    def __init__(self, ifname, vip, macs):
        self.vip4 = socket.inet_aton(vip) if ":" not in vip else None
        self.vip6 = socket.inet_pton(socket.AF_INET6, vip) if ":" in vip else None
        self.macs = macs
        self.synack = {}
        self.rst = {}
        self.stop = False
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
        self.sock.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)  # SO_RCVBUFFORCE
        self.sock.bind((ifname, 3))
        self.sock.settimeout(0.05)
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def flow(self, data):
        """(client addr, client port, tcp flags) of a TCP frame from the VIP, or None."""
        et = struct.unpack("!H", data[12:14])[0]
        if et == 0x0800 and self.vip4 and len(data) >= 34 and data[23] == 6:
            if data[26:30] != self.vip4:
                return None
            off = 14 + (data[14] & 0xF) * 4
            dst = socket.inet_ntoa(data[30:34])
        elif et == 0x86DD and self.vip6 and len(data) >= 54 and data[20] == 6:
            if data[22:38] != self.vip6:
                return None
            off = 54
            dst = socket.inet_ntop(socket.AF_INET6, data[38:54])
        else:
            return None
        if len(data) < off + 14:
            return None
        return dst, struct.unpack("!H", data[off + 2:off + 4])[0], data[off + 13]

    def run(self):
        while not self.stop:
            try:
                data, addr = self.sock.recvfrom(256)
            except socket.timeout:
                continue
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            f = self.flow(data)
            if not f:
                continue
            key = (f[0], f[1])
            if f[2] & 0x12 == 0x12:
                mac = data[6:12].hex(":")
                self.synack.setdefault(key, set()).add(self.macs.get(mac, mac))
            if f[2] & 0x04:
                self.rst[key] = self.rst.get(key, 0) + 1

    def close(self):
        time.sleep(0.2)  # late duplicates
        self.stop = True
        self.thread.join()
        self.sock.close()


def cmd_spread(a):
    macs = {}
    for m in a.mac or []:
        name, _, mac = m.partition("=")
        macs[mac.lower()] = name
    flows = [(src, a.port_base + j) for j in range(a.per_src) for src in a.src]
    cap = Capture(a.ifname, a.dst, macs)
    with ThreadPoolExecutor(max_workers=a.parallel) as ex:
        results = list(ex.map(lambda f: attempt(f[0], a.dst, a.port, a.timeout, f[1]), flows))
    cap.close()
    n = {"total": 0, "ok": 0, "none": 0, "refused": 0, "other": 0, "twice": 0, "rst": 0,
         "mismatch": 0}
    hosts = {}
    for (src, sport), res in zip(flows, results):
        key = (src, sport)
        senders = sorted(cap.synack.get(key, ()))
        rst = cap.rst.get(key, 0)
        print(f"{src} {sport} {res} synack={','.join(senders) or '-'} rst={rst}")
        n["total"] += 1
        if res in ("none", "refused"):
            n[res] += 1
        elif res == "silent" or res.startswith("error"):
            n["other"] += 1
        else:
            n["ok"] += 1
            hosts[res] = hosts.get(res, 0) + 1
            if senders and senders != [res]:
                n["mismatch"] += 1
        n["twice"] += len(senders) > 1
        n["rst"] += rst > 0
    counts = " ".join(f"{h}={c}" for h, c in sorted(hosts.items()))
    print("summary " + " ".join(f"{k}={v}" for k, v in n.items()) + (" " + counts if counts else ""),
          flush=True)
    return 0


def pattern_block(k):
    """Block k of the pattern stream: 4096 bytes that differ from block to block."""
    return hashlib.sha256(b"wlbs%d" % k).digest() * 128


def cmd_pattern(a):
    host, got, state = "-", 0, "connecting"
    write_status(a.status, f"{host} {got} {state}")
    s = socket.socket(family(a.dst), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a.src, a.sport))
    s.settimeout(a.timeout)
    try:
        s.connect((a.dst, a.port))
        s.sendall(f"{a.bytes} {a.rate}\n".encode())
    except OSError as e:
        write_status(a.status, f"- 0 error:{e.__class__.__name__}")
        return 1
    s.settimeout(0.2)
    end = time.monotonic() + a.duration
    buf = b""
    state = "open"
    while time.monotonic() < end:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            continue
        except OSError as e:
            state = "error:" + errno.errorcode.get(e.errno, str(e.errno))
            break
        if not chunk:
            state = "ok" if got == a.bytes else "short"
            break
        buf += chunk
        if host == "-":
            if b"\n" not in buf:
                continue
            line, buf = buf.split(b"\n", 1)
            host = line.decode(errors="replace").strip()
        while buf:  # check whole or partial blocks as they come
            k, off = divmod(got, 4096)
            want = pattern_block(k)[off:off + len(buf)]
            if buf[:len(want)] != want:
                bad = next(i for i in range(len(want)) if buf[i] != want[i])
                state = f"bad@{got + bad}"
                break
            got += len(want)
            buf = buf[len(want):]
        if state != "open":
            break
        if got > a.bytes:
            state = "long"
            break
        write_status(a.status, f"{host} {got} {state}")
    if state == "open":
        state = "timeout"
    s.close()
    write_status(a.status, f"{host} {got} {state}")
    return 0 if state == "ok" else 1


def icmp6_csum(src, dst, msg):
    data = src + dst + struct.pack("!I3xB", len(msg), 58) + msg
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return struct.pack("!H", ~total & 0xFFFF)


def neigh_request(mac, src, target):
    """(ethertype, frame) of an ARP request, or a neighbour solicitation for IPv6."""
    if ":" not in target:
        frame = (b"\xff" * 6 + mac + struct.pack("!H", 0x0806) +
                 struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac + socket.inet_aton(src) +
                 b"\0" * 6 + socket.inet_aton(target))
        return 0x0806, frame
    s6 = socket.inet_pton(socket.AF_INET6, src)
    t6 = socket.inet_pton(socket.AF_INET6, target)
    d6 = bytes.fromhex("ff0200000000000000000001ff") + t6[13:]
    msg = struct.pack("!BBHI", 135, 0, 0, 0) + t6 + bytes([1, 1]) + mac
    msg = msg[:2] + icmp6_csum(s6, d6, msg) + msg[4:]
    ip6 = struct.pack("!IHBB", 0x60000000, len(msg), 58, 255) + s6 + d6
    return 0x86DD, b"\x33\x33" + d6[12:] + mac + struct.pack("!H", 0x86DD) + ip6 + msg


def neigh_reply(data, target):
    """The link-layer address a reply for @target gives, or None."""
    if ":" not in target:
        if len(data) >= 42 and struct.unpack("!H", data[20:22])[0] == 2 and \
                data[28:32] == socket.inet_aton(target):
            return data[22:28]
        return None
    t6 = socket.inet_pton(socket.AF_INET6, target)
    if len(data) >= 86 and data[20] == 58 and data[54] == 136 and data[62:78] == t6 and \
            data[78] == 2:
        return data[80:86]
    return None


def cmd_rate(a):
    """--rate new connections per second for --duration s, each with --timeout."""
    n = int(a.rate * a.duration)
    results = {}
    lock = threading.Lock()

    def one(i):
        src = a.src[i % len(a.src)]
        res = attempt(src, a.dst, a.port, a.timeout, a.port_base + i // len(a.src))
        ok = res not in ("none", "refused", "silent") and not res.startswith("error")
        with lock:
            key = "ok" if ok else res
            results[key] = results.get(key, 0) + 1
        if not ok:  # when it was tried, s after the start
            print(f"failed {i / a.rate:.3f} {src} {res}", flush=True)

    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=int(a.rate * a.timeout) + 8) as ex:
        for i in range(n):
            delay = start + i / a.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            ex.submit(one, i)
    fails = n - results.get("ok", 0)
    print(f"summary total={n} ok={results.get('ok', 0)} failed={fails} " +
          " ".join(f"{k}={v}" for k, v in sorted(results.items()) if k != "ok"), flush=True)
    return 0 if fails == 0 else 1


def cmd_arp(a):
    with open(f"/sys/class/net/{a.ifname}/address") as f:
        mac = bytes.fromhex(f.read().strip().replace(":", ""))
    proto, frame = neigh_request(mac, a.src, a.target)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(proto))
    s.bind((a.ifname, proto))
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
        lladdr = neigh_reply(data, a.target)
        if lladdr:
            print(f"reply {lladdr.hex(':')} eth_src={data[6:12].hex(':')}", flush=True)
    return 0


# ---- hand-made IP fragments (fragments, frag-send) ---------------------------

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ifmac(ifname):
    with open(f"/sys/class/net/{ifname}/address") as f:
        return bytes.fromhex(f.read().strip().replace(":", ""))


def udp_fragments(src, dst, sport, dport, payload, frag_size, ipid):
    """The Ethernet payloads (ethertype, bytes) of one UDP datagram cut into fragments."""
    v6 = ":" in dst
    fam = socket.AF_INET6 if v6 else socket.AF_INET
    s, d = socket.inet_pton(fam, src), socket.inet_pton(fam, dst)
    ulen = 8 + len(payload)
    if v6:
        pseudo = s + d + struct.pack("!IxxxB", ulen, 17)
    else:
        pseudo = s + d + struct.pack("!xBH", 17, ulen)
    c = csum(pseudo + struct.pack("!HHHH", sport, dport, ulen, 0) + payload) or 0xFFFF
    dgram = struct.pack("!HHHH", sport, dport, ulen, c) + payload
    frag_size -= frag_size % 8
    out = []
    for off in range(0, len(dgram), frag_size):
        chunk = dgram[off:off + frag_size]
        more = off + frag_size < len(dgram)
        if v6:
            fh = struct.pack("!BBHI", 17, 0, off | more, ipid)
            hdr = struct.pack("!IHBB", 6 << 28, len(fh) + len(chunk), 44, 64) + s + d
            out.append((0x86DD, hdr + fh + chunk))
        else:
            hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(chunk), ipid & 0xFFFF,
                              (more << 13) | (off // 8), 64, 17, 0, s, d)
            hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
            out.append((0x0800, hdr + chunk))
    return out


def frag_order(n, order, rnd):
    """Indexes of n fragments in the order named."""
    if order == "inorder":
        return list(range(n))
    if order == "reverse":
        return list(range(n - 1, -1, -1))
    if order == "random":
        idx = list(range(n))
        while n > 1 and idx == sorted(idx):
            rnd.shuffle(idx)
        return idx
    if order == "dup":
        rev = list(range(n - 1, -1, -1))
        return rev[:n // 2 + 1] + [rev[n // 2]] + rev[n // 2 + 1:] + [n - 1]
    raise ValueError(order)


class FrameSender:
    def __init__(self, ifname, dst_mac):
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        self.sock.bind((ifname, 0))
        self.head = bytes.fromhex(dst_mac.replace(":", "")) + ifmac(ifname)
        self.frames = 0

    def send(self, frags, order):
        for i in order:
            et, data = frags[i]
            self.sock.send(self.head + struct.pack("!H", et) + data)
            self.frames += 1


def frag_payload(i, size):
    head = b"wlbs-frag %d\n" % i
    body = hashlib.sha256(head).digest() * (size // 32 + 1)
    return (head + body)[:size]


def cmd_fragments(a):
    rnd = random.Random(a.seed)
    orders = []
    for spec in a.orders.split(","):
        name, _, n = spec.partition(":")
        orders += [name] * int(n)
    tx = FrameSender(a.ifname, a.dst_mac)
    counts = {}
    for i in range(a.count):
        src = a.src[i % len(a.src)]
        order = orders[i % len(orders)]
        frags = udp_fragments(src, a.dst, a.sport_base + i, a.port, frag_payload(i, a.size),
                              a.frag_size, a.ipid_base + i)
        tx.send(frags, frag_order(len(frags), order, rnd))
        counts[order] = counts.get(order, 0) + 1
        time.sleep(a.gap)
    print(f"sent={a.count} frames={tx.frames} " +
          " ".join(f"{k}={v}" for k, v in sorted(counts.items())), flush=True)
    return 0


def cmd_frag_send(a):
    with open(a.__dict__["in"], "rb") as f:
        data = f.read()
    rx = socket.socket(family(a.dst), socket.SOCK_DGRAM)
    rx.bind((a.src, a.sport))
    frags = udp_fragments(a.src, a.dst, a.sport, a.port, data, a.frag_size, a.ipid)
    tx = FrameSender(a.ifname, a.dst_mac)
    tx.send(frags, frag_order(len(frags), a.order, random.Random(a.ipid)))
    n = 0
    end = time.monotonic() + a.wait
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([rx], [], [], left)
        if not r:
            break
        try:
            rx.recv(65535)
            n += 1
        except OSError:
            pass
    print(f"answers={n} fragments={len(frags)} bytes={len(data)}", flush=True)
    return 0


# ---- connections from a cluster IP (outbound, echo-server) -------------------

def outbound_one(a, lport, dst):
    time.sleep((lport - a.lport_base) * a.stagger)
    s = socket.socket(family(dst), socket.SOCK_STREAM)
    sent = got = 0
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((a.bind, lport))
        s.settimeout(a.timeout)
        try:
            s.connect((dst, a.port))
        except socket.timeout:
            return "timeout", 0
        except ConnectionRefusedError:
            return "refused", 0
        except OSError as e:
            return "error:" + errno.errorcode.get(e.errno, str(e.errno)), 0
        s.setblocking(False)
        stream = hashlib.sha256(b"out%d" % lport).digest() * 128  # 4096 bytes, per port
        start = time.monotonic()
        end = start + a.seconds
        closed = False
        deadline = end + a.timeout + 2
        while time.monotonic() < deadline:
            now = time.monotonic()
            if not closed and now >= end:
                s.shutdown(socket.SHUT_WR)
                closed = True
            want = not closed and sent < (now - start) * a.rate
            r, w, _ = select.select([s], [s] if want else [], [], 0.02)
            if w:
                try:
                    n = s.send(stream[sent % 4096:] + stream[:sent % 4096][:4096])
                    sent += n
                except BlockingIOError:
                    pass
            if r:
                chunk = s.recv(65536)
                if not chunk:
                    return ("ok" if got == sent else "short"), got
                k0 = got % 4096
                want = ((stream[k0:] + stream[:k0]) * (len(chunk) // 4096 + 1))[:len(chunk)]
                if chunk != want:
                    bad = next(k for k in range(len(chunk)) if chunk[k] != want[k])
                    return f"bad@{got + bad}", got
                got += len(chunk)
        return "timeout", got
    except ConnectionResetError:
        return "reset", got
    except OSError as e:
        return "error:" + errno.errorcode.get(e.errno, str(e.errno)), got
    finally:
        s.close()


def cmd_outbound(a):
    conns = [(a.lport_base + i, dst) for i, dst in enumerate(a.dst)]
    with ThreadPoolExecutor(max_workers=len(conns)) as ex:
        results = list(ex.map(lambda c: outbound_one(a, *c), conns))
    ok = 0
    for (lport, dst), (res, n) in zip(conns, results):
        print(f"{lport} {dst} {res} {n}")
        ok += res == "ok"
    print(f"summary total={len(conns)} ok={ok} failed={len(conns) - ok}", flush=True)
    return 0


class RstCount:
    """TCP RSTs from (in) and to (out) the cluster IPs, seen on the client's NIC."""

    def __init__(self, ifname, vips):
        self.vips = {socket.inet_pton(family(v), v) for v in vips}
        self.rst_in = self.rst_out = 0
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
        self.sock.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)  # SO_RCVBUFFORCE
        self.sock.bind((ifname, 3))
        self.sock.settimeout(0.05)
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        while True:
            try:
                data, addr = self.sock.recvfrom(256)
            except socket.timeout:
                continue
            et = struct.unpack("!H", data[12:14])[0]
            if et == 0x0800 and len(data) >= 34 and data[23] == 6:
                src, dst, off = data[26:30], data[30:34], 14 + (data[14] & 0xF) * 4
            elif et == 0x86DD and len(data) >= 54 and data[20] == 6:
                src, dst, off = data[22:38], data[38:54], 54
            else:
                continue
            if len(data) < off + 14 or not data[off + 13] & 0x04:
                continue
            if src in self.vips and addr[2] != socket.PACKET_OUTGOING:
                self.rst_in += 1
            elif dst in self.vips and addr[2] == socket.PACKET_OUTGOING:
                self.rst_out += 1


def echo_conn(conn, stats):
    stats["conns"] += 1
    try:
        conn.settimeout(30)
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            conn.sendall(chunk)
    except OSError:
        pass
    finally:
        conn.close()


def cmd_echo_server(a):
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    rst = RstCount(a.ifname, a.vip)
    stats = {"conns": 0}
    ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    ls.bind(("::", a.port))
    ls.listen(128)
    threading.Thread(target=accept_loop, args=(ls, echo_conn, stats), daemon=True).start()
    end = time.monotonic() + a.duration
    while time.monotonic() < end:
        write_status(a.status, f"conns={stats['conns']} rst_in={rst.rst_in} rst_out={rst.rst_out}")
        time.sleep(0.1)
    return 0


def accept_loop(sock, handler, stats):
    while True:
        try:
            conn, _ = sock.accept()
        except OSError:
            return
        threading.Thread(target=handler, args=(conn, stats), daemon=True).start()


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
            q.add_argument("--src", action="append", required=name != "probe-until")
        if name == "probe-until":
            q.add_argument("--tuple", action="append", help="SRC:PORT, instead of --src")
            q.add_argument("--want", choices=("ok", "fail"), required=True)
            q.add_argument("--deadline", type=float, default=3)
            q.add_argument("--interval", type=float, default=0.1)
            q.add_argument("--host", help="with --want ok: only this host's answer counts")
    q = sub.add_parser("spread")
    q.add_argument("--dst", required=True)
    q.add_argument("--port", type=int, required=True)
    q.add_argument("--src", action="append", required=True)
    q.add_argument("--per-src", type=int, default=1)
    q.add_argument("--port-base", type=int, default=20000)
    q.add_argument("--parallel", type=int, default=16)
    q.add_argument("--timeout", type=float, default=1.0)
    q.add_argument("--ifname", default="eth0")
    q.add_argument("--mac", action="append", help="NAME=MAC: names a SYN-ACK sender")
    q = sub.add_parser("pattern")
    q.add_argument("--dst", required=True)
    q.add_argument("--port", type=int, required=True)
    q.add_argument("--src", required=True)
    q.add_argument("--sport", type=int, default=0)
    q.add_argument("--bytes", type=int, required=True)
    q.add_argument("--rate", type=int, default=65536)
    q.add_argument("--status", required=True)
    q.add_argument("--timeout", type=float, default=2.0)
    q.add_argument("--duration", type=float, default=60)
    q = sub.add_parser("rate")
    q.add_argument("--dst", required=True)
    q.add_argument("--port", type=int, required=True)
    q.add_argument("--src", action="append", required=True)
    q.add_argument("--rate", type=float, default=100)
    q.add_argument("--duration", type=float, required=True)
    q.add_argument("--timeout", type=float, default=1.0)
    q.add_argument("--port-base", type=int, default=40000)
    q = sub.add_parser("arp")
    q.add_argument("--ifname", default="eth0")
    q.add_argument("--src", required=True)
    q.add_argument("--target", required=True)
    q.add_argument("--wait", type=float, default=1.0)
    q = sub.add_parser("fragments")
    q.add_argument("--dst", required=True)
    q.add_argument("--dst-mac", required=True)
    q.add_argument("--port", type=int, required=True)
    q.add_argument("--src", action="append", required=True)
    q.add_argument("--sport-base", type=int, default=30000)
    q.add_argument("--count", type=int, default=200)
    q.add_argument("--size", type=int, default=3000)
    q.add_argument("--frag-size", type=int, default=1200)
    q.add_argument("--orders", default="reverse:1")
    q.add_argument("--ipid-base", type=int, default=4000)
    q.add_argument("--seed", type=int, default=8)
    q.add_argument("--gap", type=float, default=0.002, help="seconds between datagrams")
    q.add_argument("--ifname", default="eth0")
    q = sub.add_parser("frag-send")
    q.add_argument("--dst", required=True)
    q.add_argument("--dst-mac", required=True)
    q.add_argument("--port", type=int, default=2504)
    q.add_argument("--src", required=True)
    q.add_argument("--sport", type=int, required=True)
    q.add_argument("--in", required=True)
    q.add_argument("--frag-size", type=int, default=48)
    q.add_argument("--order", default="inorder")
    q.add_argument("--ipid", type=int, default=777)
    q.add_argument("--wait", type=float, default=1.5)
    q.add_argument("--ifname", default="eth0")
    q = sub.add_parser("outbound")
    q.add_argument("--bind", required=True)
    q.add_argument("--lport-base", type=int, required=True)
    q.add_argument("--dst", action="append", required=True)
    q.add_argument("--port", type=int, required=True)
    q.add_argument("--seconds", type=float, default=2.0)
    q.add_argument("--rate", type=int, default=65536, help="bytes/s per connection")
    q.add_argument("--timeout", type=float, default=3.0)
    q.add_argument("--stagger", type=float, default=0.0,
                   help="connection I starts I * STAGGER seconds late")
    q = sub.add_parser("echo-server")
    q.add_argument("--port", type=int, required=True)
    q.add_argument("--vip", action="append", required=True)
    q.add_argument("--status", required=True)
    q.add_argument("--ifname", default="eth0")
    q.add_argument("--duration", type=float, default=120)
    a = p.parse_args()
    if a.cmd == "probe-until" and not (a.src or a.tuple):
        p.error("probe-until needs --src or --tuple")
    return {"connect": cmd_connect, "probe-until": cmd_probe_until, "stream": cmd_stream,
            "arp": cmd_arp, "spread": cmd_spread, "pattern": cmd_pattern, "rate": cmd_rate,
            "fragments": cmd_fragments, "frag-send": cmd_frag_send, "outbound": cmd_outbound,
            "echo-server": cmd_echo_server}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A stand-in journald for tests: binds the native protocol socket
(AF_UNIX SOCK_DGRAM, /run/systemd/journal/socket in the caller's private
mount namespace), decodes every entry and appends it as one JSON object per
line to --out. Decodes both field forms ("KEY=value\\n", and "KEY\\n" + 64-bit
little-endian length + value + "\\n" for values with newlines or binary), and
entries too large for a datagram that libsystemd passes as a sealed memfd
(SCM_RIGHTS, empty datagram). A field given twice becomes a list.

`journal_sink.py count --file F --event NAME [--field KEY=VALUE] [--message-re RE]
--ids lib/events_table.c` prints how many entries of event NAME (WLBS_EVENT=)
match, after checking that every entry of NAME carries NAME's MESSAGE_ID
(from events_table.c): exit 3 when one does not.
"""
import argparse
import re
import array
import json
import os
import socket
import struct
import sys


def decode(buf):
    fields = {}
    i = 0
    while i < len(buf):
        nl = buf.find(b"\n", i)
        if nl < 0:
            raise ValueError("entry ends inside a field")
        line = buf[i:nl]
        eq = line.find(b"=")
        if eq >= 0:
            key, val = line[:eq], line[eq + 1:]
            i = nl + 1
        else:
            key = line
            (n,) = struct.unpack_from("<Q", buf, nl + 1)
            start = nl + 1 + 8
            val = buf[start:start + n]
            if len(val) != n or buf[start + n:start + n + 1] != b"\n":
                raise ValueError("bad binary field " + key.decode(errors="replace"))
            i = start + n + 1
        k = key.decode()
        v = val.decode(errors="replace")
        if k in fields:
            if not isinstance(fields[k], list):
                fields[k] = [fields[k]]
            fields[k].append(v)
        else:
            fields[k] = v
    return fields


def count(argv):
    ap = argparse.ArgumentParser(prog="journal_sink.py count")
    ap.add_argument("--file", required=True)
    ap.add_argument("--event", required=True)
    ap.add_argument("--field", action="append", default=[])
    ap.add_argument("--message-re")
    ap.add_argument("--ids", required=True)
    a = ap.parse_args(argv)
    ids = dict(re.findall(r'\{"([a-z-]+)", "([0-9a-f]{32})"\}', open(a.ids).read()))
    want = dict(f.split("=", 1) for f in a.field)
    n = 0
    try:
        lines = open(a.file).read().splitlines()
    except FileNotFoundError:
        lines = []
    for line in lines:
        e = json.loads(line)
        if e.get("WLBS_EVENT") != a.event:
            continue
        if e.get("MESSAGE_ID") != ids.get(a.event):
            print("entry of %s with MESSAGE_ID %s, want %s: %s"
                  % (a.event, e.get("MESSAGE_ID"), ids.get(a.event), line), file=sys.stderr)
            sys.exit(3)
        if any(e.get(k) != v for k, v in want.items()):
            continue
        if a.message_re and not re.search(a.message_re, e.get("MESSAGE", "")):
            continue
        n += 1
    print(n)


def main():
    if sys.argv[1:2] == ["count"]:
        count(sys.argv[2:])
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--socket", default="/run/systemd/journal/socket")
    ap.add_argument("--out", required=True)
    ap.add_argument("--ready", help="file written once the socket is bound")
    a = ap.parse_args()
    try:
        os.unlink(a.socket)
    except FileNotFoundError:
        pass
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind(a.socket)
    if a.ready:
        with open(a.ready, "w") as f:
            f.write("%d\n" % os.getpid())
    out = open(a.out, "a", buffering=1)
    fdsize = array.array("i").itemsize
    while True:
        data, anc, _flags, _addr = s.recvmsg(1 << 24, socket.CMSG_SPACE(4 * fdsize))
        fds = []
        for level, kind, cdata in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                arr = array.array("i")
                arr.frombytes(cdata[: len(cdata) - len(cdata) % fdsize])
                fds.extend(arr)
        via = "datagram"
        for fd in fds:
            with os.fdopen(fd, "rb") as f:
                f.seek(0)
                data = f.read()
            via = "memfd"
        try:
            entry = decode(data)
        except (ValueError, struct.error) as e:
            entry = {"_SINK_ERROR": str(e)}
        entry["_SINK_VIA"] = via
        out.write(json.dumps(entry) + "\n")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)

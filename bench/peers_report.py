#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The table of make bench-peers from its samples (bench/peers.sh writes them).

usage: peers_report.py [--json FILE] SAMPLES.tsv [MORE.tsv...] (several: the
median of each run's medians, e.g. three runs of make bench-peers).

Each sample is one line of key=value: round, peer, flood (udp or tcp), and
build/flood's output (frames sent, the generator CPU's /proc/stat deltas in
clock ticks) plus h1's counter deltas (kept = Ip InDelivers). Per sample:
receiver ns per frame = the run time of h1's NAPI thread / frames h1
received (rx_packets). Per peer and flood: the median of the rounds and
their min-max; the ratio to wlbs is the median of the per-round ratios (each
round measures every peer within a minute). Prints the table, the per dropped
frame comparison (wlbs0 against xdpdrop) and the issue's goals; --json FILE
writes the same.
"""
import argparse
import json
import statistics
import sys

PEER_NAMES = {
    "none": "no filter",
    "nft": "nftables netdev jhash",
    "xt": "xt_cluster (conntrack)",
    "xdpdrop": "bare XDP_DROP",
    "wlbs": "wlbs (owns 1/3)",
    "wlbs0": "wlbs, weight 0 (owns none)",
    "minimal0": "minimal filter (owns none)",
    "before0": "PEERS_BEFORE's wlbs, weight 0",
}
FLOODS = ("udp", "tcp")
BUSY = ("user", "nice", "system", "irq", "softirq")
GOAL_NFT = 2.0  # nftables jhash costs at least this many times wlbs
GOAL_DROP = 1.3  # wlbs per dropped frame at most this many times XDP_DROP


def parse(path):
    samples = []
    with open(path) as f:
        for line in f:
            kv = dict(w.split("=", 1) for w in line.split() if "=" in w)
            if not kv:
                continue
            s = {k: (v if k in ("peer", "flood", "mode") else float(v)) for k, v in kv.items()}
            tick_ns = 1e9 / s["clk_tck"]
            # The frames the receiver took (a few heartbeats beside them).
            rx = s["rx_packets"]
            if rx <= 0 or s["frames"] <= 0 or s["ns"] <= 0:
                continue
            ticks = s["ns"] / tick_ns
            s.update(
                rx_ns=s["rx_runtime_ns"] / rx,
                gen_ns=s["self_runtime_ns"] / s["frames"],
                kept_share=s["kept"] / rx,
                mfps=rx / s["ns"] * 1e3,
                # Shares of the elapsed time: the receiver thread, the generator,
                # softirq on the generator's CPU (receiver work outside the thread).
                rx_busy=s["rx_runtime_ns"] / s["ns"],
                gen_busy=s["self_runtime_ns"] / s["ns"],
                gen_softirq=s["softirq"] / ticks,
                steal_share=(s["steal"] + s["rx_steal"]) / (2 * ticks),
                lost=max(0.0, s["frames"] - rx) + s["backlog_dropped"],
                total=s["frames"],
            )
            samples.append(s)
    return samples


def stats(xs):
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "n": len(xs)}


def summarize(samples):
    by = {}
    for s in samples:
        by.setdefault((s["peer"], s["flood"]), []).append(s)
    peers = [p for p in PEER_NAMES if any(k[0] == p for k in by)]
    peers += sorted({k[0] for k in by} - set(peers))
    out = {}
    for p in peers:
        for fl in FLOODS:
            ss = by.get((p, fl))
            if not ss:
                continue
            d = {
                "rx_ns": stats([s["rx_ns"] for s in ss]),
                "kept_share": stats([s["kept_share"] for s in ss]),
                "mframes_per_s": stats([s["mfps"] for s in ss]),
                "rx_busy": stats([s["rx_busy"] for s in ss]),
                "gen_ns": stats([s["gen_ns"] for s in ss]),
                "gen_busy": stats([s["gen_busy"] for s in ss]),
                "gen_softirq": stats([s["gen_softirq"] for s in ss]),
                "steal_share": stats([s["steal_share"] for s in ss]),
                "lost_frames": sum(s["lost"] for s in ss),
                "frames": sum(s["total"] for s in ss),
            }
            dropped = 1 - d["kept_share"]["median"]
            d["rx_ns_per_dropped"] = d["rx_ns"]["median"] / dropped if dropped > 0.01 else None
            wl = {s["round"]: s["rx_ns"] for s in by.get(("wlbs", fl), [])}
            ratios = [s["rx_ns"] / wl[s["round"]] for s in ss if wl.get(s["round"])]
            d["ratio_to_wlbs"] = stats(ratios) if ratios else None
            # This build's drop path over another's (PEERS_BEFORE), round by round.
            b0 = {s["round"]: s["rx_ns"] for s in by.get(("before0", fl), [])}
            ratios = [s["rx_ns"] / b0[s["round"]] for s in ss if b0.get(s["round"])]
            d["ratio_to_before0"] = stats(ratios) if p == "wlbs0" and ratios else None
            out.setdefault(p, {})[fl] = d
    return peers, out


def combine(runs):
    """Several runs: the samples together (the checks), and for the table the
    median (min-max) of the runs' medians."""
    samples = []
    for i, r in enumerate(runs):
        for x in r:
            samples.append(dict(x, round=(i + 1) * 1000 + x["round"]))
    peers, out = summarize(samples)
    per_run = [summarize(r)[1] for r in runs]
    for p in peers:
        for fl, d in out[p].items():
            ds = [o[p][fl] for o in per_run if fl in o.get(p, {})]
            d["rx_ns"] = stats([x["rx_ns"]["median"] for x in ds])
            d["kept_share"] = stats([x["kept_share"]["median"] for x in ds])
            rs = [x["ratio_to_wlbs"]["median"] for x in ds if x["ratio_to_wlbs"]]
            d["ratio_to_wlbs"] = stats(rs) if rs else None
            rs = [x["ratio_to_before0"]["median"] for x in ds if x["ratio_to_before0"]]
            d["ratio_to_before0"] = stats(rs) if rs else None
            pd = [x["rx_ns_per_dropped"] for x in ds if x["rx_ns_per_dropped"] is not None]
            d["rx_ns_per_dropped"] = statistics.median(pd) if pd else None
    return samples, peers, out


def fmt_range(st, f="{:.0f}"):
    return (f + " (" + f + "-" + f + ")").format(st["median"], st["min"], st["max"])


def ratio(num, den):
    return num / den if num is not None and den else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("samples", nargs="+", help="build/bench-peers.tsv; several: runs combined")
    ap.add_argument("--json")
    a = ap.parse_args()
    runs = [parse(f) for f in a.samples]
    if not all(runs):
        print("peers_report: no samples in " + " ".join(a.samples), file=sys.stderr)
        return 1
    if len(runs) == 1:
        samples = runs[0]
        peers, out = summarize(samples)
        rounds = len({s["round"] for s in samples})
        what = "%d rounds" % rounds
    else:
        samples, peers, out = combine(runs)
        rounds = len({s["round"] for s in samples})
        what = "the medians of %d runs (%d rounds)" % (len(runs), rounds)
    secs = statistics.median(s["ns"] for s in samples) / 1e9

    print("\nReceiver CPU time per frame (run time of h1's NAPI thread / frames received), "
          "ns: median (min-max) of %s of %.0f s; kept: frames that reached UDP/TCP; "
          "x wlbs: median of the per-round ratios to wlbs" % (what, secs))
    hdr = "%-27s | %-18s %6s %6s | %-18s %6s %6s" % (
        "peer", "UDP ns/frame", "kept", "x wlbs", "TCP ns/frame", "kept", "x wlbs")
    print(hdr)
    print("-" * len(hdr))
    for p in peers:
        cells = []
        for fl in FLOODS:
            d = out[p].get(fl)
            if not d:
                cells.append("%-18s %6s %6s" % ("-", "", ""))
                continue
            r = d["ratio_to_wlbs"]
            cells.append("%-18s %5.1f%% %6s" % (
                fmt_range(d["rx_ns"]), 100 * d["kept_share"]["median"],
                "%.2f" % r["median"] if r else "-"))
        print("%-27s | %s | %s" % (PEER_NAMES.get(p, p), cells[0], cells[1]))

    same = all(s["cpu"] == s.get("rx_cpu", -1) for s in samples)
    print("\nGenerator (flood): %.0f ns of its own per frame sent (median; %.0f-%.0f), "
          "%.1f%% of the frames sent lost before the receiver; %.2f-%.2f Mframes/s received; "
          "the receiver thread ran %.0f%% of the time, the generator %.0f%%%s; softirq on "
          "the generator's CPU %.1f%% (receiver work outside its thread)" % (
              statistics.median(s["gen_ns"] for s in samples),
              min(s["gen_ns"] for s in samples), max(s["gen_ns"] for s in samples),
              100 * sum(s["lost"] for s in samples) / sum(s["total"] for s in samples),
              min(s["mfps"] for s in samples), max(s["mfps"] for s in samples),
              100 * statistics.median(s["rx_busy"] for s in samples),
              100 * statistics.median(s["gen_busy"] for s in samples),
              " (same CPU)" if same else "",
              100 * statistics.median(s["gen_softirq"] for s in samples)))

    goals = {}
    print("\nPer dropped frame (ns/frame / share dropped):")
    for fl in FLOODS:
        w0 = out.get("wlbs0", {}).get(fl)
        xd = out.get("xdpdrop", {}).get(fl)
        w = out.get("wlbs", {}).get(fl)
        nft = out.get("nft", {}).get(fl)
        r_drop = ratio(w0 and w0["rx_ns_per_dropped"], xd and xd["rx_ns_per_dropped"])
        r_nft = nft["ratio_to_wlbs"]["median"] if nft and nft["ratio_to_wlbs"] else None
        goals[fl] = {"nft_over_wlbs": r_nft, "nft_goal": GOAL_NFT,
                     "wlbs0_over_xdpdrop": r_drop, "drop_goal": GOAL_DROP}
        if w0 and xd:
            print("  %s: wlbs0 %.0f, XDP_DROP %.0f: %.2fx" % (
                fl.upper(), w0["rx_ns_per_dropped"], xd["rx_ns_per_dropped"], r_drop))
        if w and w0 and xd and nft and 0 < w["kept_share"]["median"] < 1:
            # What the kept share costs (the same stack for every peer that keeps it) bounds
            # the nftables ratio: even a drop as cheap as XDP_DROP's leaves the kept frames.
            k = w["kept_share"]["median"]
            kept_ns = (w["rx_ns"]["median"] - (1 - k) * w0["rx_ns_per_dropped"]) / k
            ideal = k * kept_ns + (1 - k) * xd["rx_ns_per_dropped"]
            goals[fl]["kept_ns"] = kept_ns
            goals[fl]["nft_over_ideal"] = nft["rx_ns"]["median"] / ideal
            print("  %s: a kept frame costs %.0f ns (wlbs's figures); a filter that keeps as much "
                  "and drops at XDP_DROP's cost would reach %.2fx against nftables" % (
                      fl.upper(), kept_ns, goals[fl]["nft_over_ideal"]))
        if w0 and w0.get("ratio_to_before0"):
            r = w0["ratio_to_before0"]
            goals[fl]["wlbs0_over_before0"] = r["median"]
            print("  %s: wlbs0 over PEERS_BEFORE's (per round): x %.2f (%.2f-%.2f)" % (
                fl.upper(), r["median"], r["min"], r["max"]))
        m0 = out.get("minimal0", {}).get(fl)
        if m0 and xd:
            r_min = ratio(m0["rx_ns_per_dropped"], xd["rx_ns_per_dropped"])
            goals[fl]["minimal0_over_xdpdrop"] = r_min
            print("  %s: minimal filter %.0f, XDP_DROP %.0f: %.2fx (the limit of the design)" % (
                fl.upper(), m0["rx_ns_per_dropped"], xd["rx_ns_per_dropped"], r_min))
    print("\nGoals (issue 14): nftables jhash >= %.1fx wlbs; wlbs <= %.1fx XDP_DROP per "
          "dropped frame" % (GOAL_NFT, GOAL_DROP))
    for fl in FLOODS:
        g = goals[fl]
        a_ok = g["nft_over_wlbs"] is not None and g["nft_over_wlbs"] >= GOAL_NFT
        b_ok = g["wlbs0_over_xdpdrop"] is not None and g["wlbs0_over_xdpdrop"] <= GOAL_DROP
        g["met"] = a_ok and b_ok
        print("  %s: nft/wlbs %s (%s), wlbs0/XDP_DROP %s (%s)" % (
            fl.upper(),
            "%.2f" % g["nft_over_wlbs"] if g["nft_over_wlbs"] is not None else "-",
            "met" if a_ok else "MISSED",
            "%.2f" % g["wlbs0_over_xdpdrop"] if g["wlbs0_over_xdpdrop"] is not None else "-",
            "met" if b_ok else "MISSED"))

    warn = []
    for p in peers:
        for fl, d in out[p].items():
            busy = d["rx_busy"]["median"] + (d["gen_busy"]["median"] if same else 0)
            if busy < 0.8:
                warn.append("%s %s: the receiver%s ran only %.0f%% of the time (other tasks "
                            "on the CPU?)" % (p, fl, " and the generator" if same else "",
                                              100 * busy))
            if d["lost_frames"] > 0.01 * d["frames"]:
                warn.append("%s %s: %.1f%% of the frames sent did not reach the receiver (its "
                            "ring was full)" % (p, fl, 100 * d["lost_frames"] / d["frames"]))
            if d["gen_softirq"]["median"] > 0.05:
                warn.append("%s %s: softirq %.0f%% on the generator's CPU: receiver work "
                            "outside the NAPI thread?" % (p, fl, 100 * d["gen_softirq"]["median"]))
            if d["steal_share"]["median"] > 0.1:
                warn.append("%s %s: the hypervisor took %.0f%% of the CPUs (steal)" % (
                    p, fl, 100 * d["steal_share"]["median"]))
    for w in warn:
        print("warning: " + w)

    if a.json:
        with open(a.json, "w") as f:
            json.dump({"rounds": rounds, "seconds": secs, "peers": out, "goals": goals,
                       "samples": samples}, f, indent=1, sort_keys=True)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Issue 8's performance targets, measured side by side with SQLite's own shell.

    python3 benches/perf.py [--accounts 10000] [--runs 15]

Builds the release binary (statically linked, as shipped on Linux, and the
default dynamic build for comparison), generates realistic wallets (a year of signups,
packs, monthly and yearly subscriptions, cancels and daily spending), and
prints each target with the measured figure and its sqlite3 floor.
Needs python3 and the sqlite3 shell (apt-get install sqlite3). Whole-process
wall time, median of repeated runs; peak memory from wait4 for each process.
"""

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The release binary as shipped on Linux: glibc linked statically, which
# saves ~0.4 ms of process start-up per command (no dynamic loader, no
# shared libraries to map). The default dynamic build is measured beside it.
TARGET = "x86_64-unknown-linux-gnu"
BIN = os.path.join(ROOT, "target", TARGET, "release", "wallet")
BIN_DYNAMIC = os.path.join(ROOT, "target", "release", "wallet")


def build():
    env = dict(os.environ, RUSTFLAGS="-C target-feature=+crt-static")
    subprocess.run(["cargo", "build", "--release", "--quiet", "--target", TARGET], cwd=ROOT, check=True, env=env)
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)


def run(argv, stdin=None, capture=False):
    """Runs argv; returns (seconds, peak RSS bytes, stdout)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    out = proc.stdout.read() if capture else b""
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(argv)}\n{err.decode()}")
    return elapsed, usage.ru_maxrss * 1024, out


# Peak memory is measured from a small, fresh python3 process: on exec, Linux
# counts the spawning process's own memory (this script holds a large
# scenario) into the child's peak.
MEASURE = ("import os, subprocess, sys\n"
           "p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
           "_, status, usage = os.wait4(p.pid, 0)\n"
           "print(os.waitstatus_to_exitcode(status), usage.ru_maxrss * 1024)")


def peak_memory(argv):
    out = subprocess.run(["python3", "-c", MEASURE] + argv, capture_output=True, text=True, check=True).stdout
    code, peak = map(int, out.split())
    if code != 0:
        sys.exit(f"failed ({code}): {' '.join(argv)}")
    return peak


def copy(src, dst):
    """Copies a wallet and waits until the copy is on disk: otherwise the first
    fsync of the command measured writes out the whole copy."""
    shutil.copy(src, dst)
    os.sync()


# Untimed runs before each timed series, the same for sqlite3 and the wallet.
# Right after the year's replay had written some 280 MB, account show's first
# 10 runs had a median of 3.4 ms and the ones after 2.6-2.7 ms (the file was in
# the OS cache throughout; the cause is not known). In perf.py's order the
# warm-up changed little (account show 1.90x before it, 1.84x with it).
WARM_UP = 5


def median_time(argv, runs):
    for _ in range(WARM_UP):
        run(argv)
    return statistics.median(run(argv)[0] for _ in range(runs))


def year_of_activity(accounts, seed=1):
    """A scenario: `accounts` customers over a year of daily activity."""
    rng = random.Random(seed)
    lines = ["init --now 2026-01-01T09:00:00Z"]
    plans = ["licenses-5-monthly", "licenses-5-monthly", "licenses-20-monthly", "licenses-5-yearly"]
    handles = [f"c{i:06d}" for i in range(accounts)]
    joins = sorted((rng.randrange(0, 60), h) for h in handles)  # everyone joins in the first two months
    subscribers = set()
    day_joins = {}
    for day, h in joins:
        day_joins.setdefault(day, []).append(h)
    active = []
    for day in range(365):
        for h in day_joins.get(day, []):
            lines.append(f"account add {h}")
            lines.append(f"buy {h} credits-1000")
            if rng.random() < 0.6:
                lines.append(f"subscribe {h} {rng.choice(plans)}")
                subscribers.add(h)
            active.append(h)
        # Each day a quarter of the customers make a few images; some license and edit.
        for h in rng.sample(active, len(active) // 4) if active else []:
            style = "artist:monet" if h in subscribers and rng.random() < 0.5 else "base"
            lines.append(f"generate {h} --style {style} --count {rng.randrange(1, 4)}")
        if day == 200:
            for h in rng.sample(sorted(subscribers), len(subscribers) // 10):
                lines.append(f"cancel {h}")
        lines.append("advance-clock 1d")
    return lines


def light_accounts(accounts):
    lines = ["init --now 2026-01-01T09:00:00Z"]
    for i in range(accounts):
        h = f"c{i:06d}"
        lines += [f"account add {h}", f"buy {h} license", f"generate {h} --count 2"]
    return lines


def write(path, lines):
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    if not shutil.which("sqlite3"):
        sys.exit("needs the sqlite3 shell: apt-get install sqlite3")
    build()
    tmp = tempfile.mkdtemp(prefix="wallet-perf-")
    rows = []

    def report(target, figure, floor, verdict):
        rows.append((target, figure, floor, verdict))
        print(f"{target:<58} {figure:<28} {floor:<30} {verdict}", flush=True)

    print(f"{'target':<58} {'wallet':<28} {'sqlite3 floor':<30} verdict")

    # 1. Replay a year of activity into a new file wallet.
    scenario = os.path.join(tmp, "year.scenario")
    lines = year_of_activity(args.accounts)
    write(scenario, lines)
    db = os.path.join(tmp, "year.sqlite3")
    elapsed, _, _ = run([BIN, "--db", db, "replay", "--quiet", scenario])
    n = len(lines)
    entries = int(subprocess.run(["sqlite3", db, "select count(*) from ledger"], capture_output=True,
                                 text=True).stdout)
    bulk = os.path.join(tmp, "bulk.sqlite3")
    schema = subprocess.run(["sqlite3", db, ".schema"], capture_output=True, text=True).stdout
    sql = (f"PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=OFF; {schema}\n"
           f"BEGIN; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {entries}) "
           "INSERT INTO ledger (operation_id, account_id, lot_id, asset, delta, reason, at) "
           "SELECT i, i % 1000 + 1, i, 'credits', -1, 'generate', i FROM n; COMMIT;")
    start = time.perf_counter()
    subprocess.run(["sqlite3", bulk], input=sql, text=True, check=True, capture_output=True)
    floor = time.perf_counter() - start
    rate = n / elapsed
    report(f"replay a year, {args.accounts} accounts, into a new file",
           f"{n} lines in {elapsed:.1f}s = {rate:,.0f}/s",
           f"{entries:,} ledger rows in {floor:.1f}s", f"{'met' if rate >= 50_000 else 'MISSED'} (≥50,000/s; "
           f"{elapsed / floor:.1f}× the bulk insert)")
    report("  ledger entries in that wallet", f"{entries:,}", "", "over a million" if entries > 1_000_000 else "")

    # 2. balance and account show on that wallet vs sqlite3 select 1.
    # The floor is timed just before and just after each series, and the lower
    # of the two is the one compared with: the machine's speed drifts.
    os.sync()
    select_one = ["sqlite3", "-readonly", db, "select 1"]
    handle = "c%06d" % (args.accounts // 2)
    for cmd in (["balance", handle], ["account", "show", handle]):
        before = median_time(select_one, args.runs)
        t = median_time([BIN, "--db", db] + cmd, args.runs)
        one = min(before, median_time(select_one, args.runs))
        report(f"{' '.join(cmd[:-1])} ACCOUNT ({args.accounts} accounts)", f"{t * 1000:.2f} ms",
               f"{one * 1000:.2f} ms (select 1)", f"{'met' if t <= 2 * one else 'MISSED'} ({t / one:.2f}×, ≤2×)")
        dynamic = median_time([BIN_DYNAMIC, "--db", db] + cmd, args.runs)
        report("  the same, default dynamically linked build", f"{dynamic * 1000:.2f} ms", "",
               f"({dynamic / one:.2f}×)")

    # 3. Independence of the number of accounts: 1,000 vs 100,000.
    times = {}
    for count in (1_000, 100_000):
        path = os.path.join(tmp, f"light{count}.sqlite3")
        sc = os.path.join(tmp, f"light{count}.scenario")
        write(sc, light_accounts(count))
        run([BIN, "--db", path, "replay", "--quiet", sc])
        os.sync()  # the replay's last checkpoint is written out before timing reads
        times[count] = median_time([BIN, "--db", path, "balance", "c%06d" % (count // 2)], args.runs)
    ratio = times[100_000] / times[1_000]
    report("balance ACCOUNT, 1,000 vs 100,000 accounts",
           f"{times[1_000] * 1000:.2f} vs {times[100_000] * 1000:.2f} ms", "",
           f"{'met' if abs(ratio - 1) <= 0.2 else 'MISSED'} ({(ratio - 1) * 100:+.0f}%, within 20%)")

    # 4. advance-clock 12mo over 10,000 monthly subscriptions.
    subs = os.path.join(tmp, "subs.scenario")
    sub_lines = ["init --now 2026-01-01T00:00:00Z"]
    for i in range(10_000):
        if i % 400 == 0 and i:
            sub_lines.append("advance-clock 1d")
        sub_lines += [f"account add s{i:05d}", f"subscribe s{i:05d} licenses-5-monthly", f"generate s{i:05d} --count 5"]
    write(subs, sub_lines)
    base = os.path.join(tmp, "subs-base.sqlite3")
    run([BIN, "--db", base, "replay", "--quiet", subs])
    samples = []
    for _ in range(3):
        db12 = os.path.join(tmp, "subs.sqlite3")
        copy(base, db12)
        elapsed, _, out = run([BIN, "--db", db12, "--json", "advance-clock", "12mo"], capture=True)
        samples.append(elapsed)
    deliveries = json.loads(out)["counts"]["delivery"]
    t = statistics.median(samples)
    report("advance-clock 12mo, 10,000 monthly subscriptions", f"{deliveries:,} deliveries in {t:.2f}s = "
           f"{deliveries / t:,.0f}/s", "", f"{'met' if deliveries / t >= 30_000 else 'MISSED'} (≥30,000/s)")

    # 5. One mutating command with synchronous=FULL vs one sqlite3 insert on a WAL file.
    one_db = os.path.join(tmp, "one.sqlite3")
    subprocess.run(["sqlite3", one_db, "PRAGMA journal_mode=WAL; CREATE TABLE t (x)"], check=True, capture_output=True)
    insert = ["sqlite3", one_db, "PRAGMA synchronous=FULL; INSERT INTO t VALUES (1)"]
    rich = os.path.join(tmp, "gen.sqlite3")
    copy(base, rich)
    generate = [BIN, "--db", rich, "generate", "s05000"]
    # fsync latency on these machines comes in bursts: warm both up, then
    # alternate them so that each sees the same disk.
    for _ in range(3):
        run(insert)
        run(generate)
    pairs = [(run(insert)[0], run(generate)[0]) for _ in range(args.runs)]
    ins = statistics.median(i for i, _ in pairs)
    gen = statistics.median(g for _, g in pairs)
    report("generate ACCOUNT (synchronous=FULL)", f"{gen * 1000:.2f} ms", f"{ins * 1000:.2f} ms (one insert)",
           f"{'met' if gen <= 1.5 * ins else 'MISSED'} ({gen / ins:.2f}×, ≤1.5×)")

    # 6. Peak memory of every command on the year wallet.
    peaks = {}
    for cmd in (["balance", handle], ["account", "show", handle], ["history", handle], ["images", handle],
                ["balance"], ["account", "list"], ["verify"], ["generate", handle], ["advance-clock", "1mo"]):
        peaks[" ".join(cmd)] = peak_memory([BIN, "--db", db] + cmd)
    replay_db = os.path.join(tmp, "again.sqlite3")
    peaks["replay (the year)"] = peak_memory([BIN, "--db", replay_db, "replay", "--quiet", scenario])
    copy(base, os.path.join(tmp, "subs.sqlite3"))
    peaks["advance-clock 12mo (10,000 subscriptions)"] = peak_memory(
        [BIN, "--db", os.path.join(tmp, "subs.sqlite3"), "advance-clock", "12mo"])
    worst = max(peaks, key=peaks.get)
    report("peak memory, every command", f"max {peaks[worst] / 2**20:.1f} MB ({worst})", "",
           f"{'met' if peaks[worst] < 64 * 2**20 else 'MISSED'} (<64 MB)")
    for name, p in sorted(peaks.items()):
        print(f"    {name:<40} {p / 2**20:6.1f} MB")
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()

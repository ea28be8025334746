"""Full-batch vs mini-batch training at scale: peak memory and throughput (events per
second) of TensorGCN edge classification on synthetic graphs (10^6 nodes, T = 64, up to
5 * 10^7 events), each run in fresh processes (train_distributed.py) whose address space
is capped at 16 GB each (the first step is a warm-up, not timed); a mode's sweep stops
at its first size that does not fit, which gives the largest graph that trains within
16 GB in that mode. Mini-batch runs with one
and with two processes (torchrun, gloo; every rank holds the graph).

    python benchmarks/bench_space_time.py            # the sweep (about 15 minutes)
    python benchmarks/bench_space_time.py --quick    # a smoke test
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

from harness import parser, print_table, write_record

SCRIPT = Path(__file__).resolve().parent / "train_distributed.py"
CAP_BYTES = 16 * 2**30
# One machine: gloo on loopback, and one thread per process (as torchrun sets it), so
# that 1 and 2 processes compare 1 and 2 cores without oversubscribed OpenMP threads.
ENVIRONMENT = {**os.environ, "GLOO_SOCKET_IFNAME": "lo", "OMP_NUM_THREADS": "1"}
MODES = {"full batch": ("full", 1), "mini-batch": ("mini", 1), "mini-batch, 2 processes": ("mini", 2)}


def _cap_address_space() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CAP_BYTES, CAP_BYTES))


def one_run(mode: str, processes: int, nodes: int, events: int, snapshots: int,
            steps: int, timeout: float) -> dict:
    """One training run in fresh processes; its record, or why it failed."""
    with tempfile.TemporaryDirectory() as tmp:
        record = Path(tmp) / "record.json"
        launcher = [sys.executable] if processes == 1 else [
            sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(processes)]
        command = [*launcher, str(SCRIPT), "--mode", mode, "--nodes", str(nodes), "--events", str(events),
                   "--snapshots", str(snapshots), "--epochs", "2" if mode == "full" else "1",
                   "--steps", str(steps),
                   "--batch-edges", "4096", "--record", str(record)]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   text=True, preexec_fn=_cap_address_space, env=ENVIRONMENT)
        try:
            _, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            # SIGTERM: torchrun stops its workers (they run in sessions of their own)
            process.terminate()
            try:
                process.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
            return {"note": f"over the {timeout:.0f} s time limit"}
        if process.returncode != 0 or not record.is_file():
            lines = (stderr or "").strip().splitlines()
            reason = next((line for line in reversed(lines) if "Error" in line), lines[-1] if lines else "")
            return {"note": f"did not fit: {reason.strip()[:90]}"}
        return json.loads(record.read_text())


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--events", type=int, nargs="+", default=[10**6, 3 * 10**6, 10**7, 2 * 10**7, 5 * 10**7])
    args = p.parse_args()
    if args.quick:
        nodes, snapshots, sizes, steps, timeout = 2_000, 8, [10_000], 3, 90  # runs in ~5 s
    else:
        nodes, snapshots, sizes, steps, timeout = 10**6, 64, args.events, 20, 1800
    rows, largest = [], {}
    for label, (mode, processes) in MODES.items():
        for events in sizes:
            result = one_run(mode, processes, nodes, events, snapshots, steps, timeout)
            rows.append({"mode": label, "nodes": nodes, "T": snapshots, "events": events, **{
                k: result.get(k) for k in ("build_s", "train_s", "events_per_s",
                                           "peak_rss_gb_per_process", "note")}})
            print_table(rows[-1:])
            if "note" in result:
                break
            largest[label] = events
    print_table(rows, "full batch vs mini-batch training (peak resident memory per process, GB)")
    print_table([{"mode": m, "largest events within 16 GB": largest.get(m)} for m in MODES])
    name = args.name or Path(__file__).stem + ("-quick" if args.quick else "")
    config = {"nodes": nodes, "snapshots": snapshots, "bandwidth": 20, "edge_life": 1,
              "model": "1 layer, 2 -> 16, edge head", "mini_batch": "4096 events, full fan-out",
              "steps": steps, "threads_per_process": 1,
              "address_space_cap_gb_per_process": CAP_BYTES / 2**30,
              "largest_events_within_16_gb": largest}
    print(f"\nrecord: {write_record(name, rows, config, args.out)}")


if __name__ == "__main__":
    main()

"""Raw file -> windowed, symmetrized, edge-life, normalized, M-transformed (b = 20)
sparse tensor (the block-diagonal CSR that TMGCNConv consumes): Bitcoin OTC from its
raw file, and synthetic edge lists up to 10^7 events over 10^6 nodes (T = 64), each in
a fresh child process, with its wall time and peak resident memory (the target: under
a minute and 8 GB; the child's address space is capped at 16 GB as a safety net).

    python benchmarks/bench_datasets.py            # the full table
    python benchmarks/bench_datasets.py --quick    # a smoke test
"""
from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from harness import measure, parser, print_table, write_record

from pyg_tensorgcn.data import from_temporal_edges
from pyg_tensorgcn.mprod import banded

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
PAPER = {"symmetrize": True, "edge_life": 10, "self_loops": True, "normalize": True}
MEMORY_TARGET_GB, ADDRESS_SPACE_CAP = 8, 16 * 2**30


def pipeline(graph):
    return graph.block_adjacency(banded(graph.num_snapshots, 20), **PAPER)


def bitcoin_rows(repeat: int) -> list[dict]:
    from pyg_tensorgcn.datasets import BitcoinOTC

    raw = SHARED / "bitcoin-otc" / "soc-sign-bitcoinotc.csv"
    if not raw.is_file():
        return [{"input": "Bitcoin OTC", "note": f"raw file not found at {raw}"}]
    with tempfile.TemporaryDirectory() as root:
        (Path(root) / "raw").mkdir()
        shutil.copy(raw, Path(root) / "raw")
        start = time.perf_counter()
        graph = BitcoinOTC(root, log=False)[0]
        read_s = time.perf_counter() - start
        cold = time.perf_counter()
        out = pipeline(graph)
        cold_s = time.perf_counter() - cold
        warm_s = measure(lambda: pipeline(graph), repeat=repeat)
    return [{"input": "Bitcoin OTC", "events": graph.num_events, "nodes": graph.num_nodes,
             "T": graph.num_snapshots, "read_s": read_s, "cold_s": cold_s, "warm_s": warm_s,
             "nnz_out": out.nnz}]


def synthetic_child(events: int, nodes: int, T: int) -> dict:
    """Runs inside the capped child: build the edge list, then time the pipeline."""
    g = torch.Generator().manual_seed(0)
    src, dst = torch.randint(nodes, (2, events), generator=g)
    time_ = torch.rand(events, generator=g, dtype=torch.float64) * T
    start = time.perf_counter()
    graph = from_temporal_edges(src, dst, time_, num_windows=T, num_nodes=nodes)
    del src, dst, time_  # the graph holds the events now
    out = pipeline(graph)
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    return {"seconds": time.perf_counter() - start, "nnz_out": out.nnz, "peak_rss_gb": peak_gb,
            "under_1_min_and_8_gb": time.perf_counter() - start < 60 and peak_gb < MEMORY_TARGET_GB}


def synthetic_rows(sizes: list[tuple[int, int, int]]) -> list[dict]:
    rows = []
    for events, nodes, T in sizes:
        code = (f"import json, resource; resource.setrlimit(resource.RLIMIT_AS, ({ADDRESS_SPACE_CAP}, "
                f"{ADDRESS_SPACE_CAP})); from bench_datasets import synthetic_child; "
                f"print(json.dumps(synthetic_child({events}, {nodes}, {T})))")
        done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parent,
                              capture_output=True, text=True)
        row = {"input": "synthetic", "events": events, "nodes": nodes, "T": T}
        if done.returncode == 0:
            row.update(json.loads(done.stdout.strip().splitlines()[-1]))
        else:
            row["note"] = f"failed: {done.stderr.strip().splitlines()[-1][:80]}"
        rows.append(row)
    return rows


def main() -> None:
    args = parser(__doc__).parse_args()
    if args.quick:
        sizes, repeat = [(10_000, 1_000, 8)], 1
    else:
        sizes, repeat = [(10**5, 10**4, 64), (10**6, 10**5, 64), (10**7, 10**6, 64)], 5
    bitcoin = bitcoin_rows(repeat)
    print_table(bitcoin, "Bitcoin OTC: raw file -> processed graph, then the paper's tensor (seconds)")
    synthetic = synthetic_rows(sizes)
    print_table(synthetic, "synthetic edge lists: events -> the paper's tensor (target: < 60 s, < 8 GB)")
    name = args.name or Path(__file__).stem + ("-quick" if args.quick else "")
    config = {"preprocessing": PAPER, "bandwidth": 20, "sizes": sizes,
              "memory_target_gb": MEMORY_TARGET_GB, "address_space_cap_gb": 16}
    print(f"\nrecord: {write_record(name, bitcoin + synthetic, config, args.out)}")


if __name__ == "__main__":
    main()

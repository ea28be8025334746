"""Raw file -> windowed, symmetrized, edge-life, normalized, M-transformed (b = 20)
sparse tensor: Bitcoin OTC from its raw file, and synthetic edge lists up to
10^7 events over 10^6 nodes (T = 64), each in a child process capped at 8 GB
of address space, with its wall time and peak resident memory.

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
MEMORY_CAP = 8 * 2**30


def pipeline(graph):
    return graph.transformed_adjacency(banded(graph.num_snapshots, 20), **PAPER)


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
             "nnz_out": out._nnz()}]


def synthetic_child(events: int, nodes: int, T: int) -> dict:
    """Runs inside the capped child: build the edge list, then time the pipeline."""
    g = torch.Generator().manual_seed(0)
    src, dst = torch.randint(nodes, (2, events), generator=g)
    time_ = torch.rand(events, generator=g, dtype=torch.float64) * T
    start = time.perf_counter()
    graph = from_temporal_edges(src, dst, time_, num_windows=T, num_nodes=nodes)
    out = pipeline(graph)
    return {"seconds": time.perf_counter() - start, "nnz_out": out._nnz()}


def synthetic_rows(sizes: list[tuple[int, int, int]]) -> list[dict]:
    rows = []
    for events, nodes, T in sizes:
        code = (f"import json, resource; resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_CAP}, "
                f"{MEMORY_CAP})); from bench_datasets import synthetic_child; "
                f"print(json.dumps(synthetic_child({events}, {nodes}, {T})))")
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parent,
                              capture_output=True, text=True)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        row = {"input": "synthetic", "events": events, "nodes": nodes, "T": T}
        if done.returncode == 0:
            row.update(json.loads(done.stdout.strip().splitlines()[-1]))
            row["peak_rss_gb"] = peak / 1e6 if peak > before else None
        else:
            row["note"] = f"failed under the 8 GB cap: {done.stderr.strip().splitlines()[-1][:80]}"
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
    print_table(synthetic, "synthetic edge lists: events -> the paper's tensor, capped at 8 GB")
    name = args.name or Path(__file__).stem + ("-quick" if args.quick else "")
    config = {"preprocessing": PAPER, "bandwidth": 20, "sizes": sizes, "memory_cap_gb": 8}
    print(f"\nrecord: {write_record(name, bitcoin + synthetic, config, args.out)}")


if __name__ == "__main__":
    main()

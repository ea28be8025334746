"""GPU check: TMGCNConv on CUDA against the CPU result (itself tested against the dense
definition) for every transform, float32 and float64, forward and gradients; then one
layer's forward + backward at scale (T = 64, N up to 10^6, 10^7 non-zeros) on the card.

    python benchmarks/gpu_check.py      # prints a table, writes results/gpu_check.json
"""
from __future__ import annotations

import sys
from pathlib import Path

import torch
from bench_layer import random_adjacency
from harness import measure, parser, print_table, write_record

from pyg_tensorgcn.data import BlockAdjacency
from pyg_tensorgcn.mprod import banded, dct, dft, identity
from pyg_tensorgcn.nn import TMGCNConv


def correctness_rows() -> list[dict]:
    rows = []
    g = torch.Generator().manual_seed(0)
    T, N = 6, 40
    edge_index = torch.randint(N, (2, 300), generator=g)
    edge_time = torch.randint(T, (300,), generator=g)
    for M in (banded(T, 3), dct(T), dft(T), identity(T)):
        for dtype in (torch.float32, torch.float64):
            conv = TMGCNConv(3, 4, transform=M, symmetrize=True, inverse=True).to(dtype=dtype)
            x = torch.randn(T, N, 3, dtype=dtype, generator=g)
            cpu = conv(x, edge_index, edge_time)
            cpu.sum().backward()
            cpu_grad = conv.weight.grad.clone()
            conv.zero_grad()
            gpu_conv = conv.to("cuda")
            gpu = gpu_conv(x.cuda(), edge_index.cuda(), edge_time.cuda())
            gpu.sum().backward()
            tol = 1e-4 if dtype == torch.float32 else 1e-10
            rows.append({"transform": repr(M), "dtype": str(dtype).split(".")[-1],
                         "max |gpu - cpu|": (gpu.cpu() - cpu).abs().max().item(),
                         "max |grad diff|": (gpu_conv.weight.grad.cpu() - cpu_grad).abs().max().item(),
                         "ok": bool(torch.allclose(gpu.cpu(), cpu, atol=tol, rtol=tol))})
            conv.to("cpu")
    return rows


def scale_rows(sizes) -> list[dict]:
    rows = []
    for N, nnz in sizes:
        adjacency = random_adjacency(64, N, nnz)
        block = BlockAdjacency.from_coo(adjacency).to("cuda")
        conv = TMGCNConv(4, 4, transform=banded(64, 20)).cuda()
        x = torch.randn(64, N, 4, device="cuda")

        def step(conv=conv, x=x, block=block):
            conv.zero_grad()
            conv(x, block).sum().backward()

        torch.cuda.reset_peak_memory_stats()
        seconds = measure(step, repeat=10)
        rows.append({"T": 64, "N": N, "nnz": adjacency._nnz(), "fwd+bwd_ms": 1e3 * seconds,
                     "peak_gpu_gb": torch.cuda.max_memory_allocated() / 1e9})
    return rows


def main() -> None:
    args = parser(__doc__).parse_args()
    if not torch.cuda.is_available():
        print("gpu_check: no CUDA device here; run it where `torch.cuda.is_available()`")
        sys.exit(0 if args.quick else 1)
    card = torch.cuda.get_device_name()
    correctness = correctness_rows()
    print_table(correctness, f"TMGCNConv on {card} vs CPU")
    sizes = [(10**4, 10**5)] if args.quick else [(10**4, 10**5), (10**5, 10**6), (10**6, 10**7)]
    scale = scale_rows(sizes)
    print_table(scale, f"one layer, forward + backward on {card}")
    name = args.name or Path(__file__).stem + ("-quick" if args.quick else "")
    print(write_record(name, correctness + scale, {"card": card}, args.out))
    if not all(row["ok"] for row in correctness):
        sys.exit(1)


if __name__ == "__main__":
    main()

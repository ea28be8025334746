"""Time of each M-transform on dense (T, N, F) tensors, and of the sparse adjacency
transform with the banded path against the dense tube path.

    python benchmarks/bench_transforms.py            # the full table
    python benchmarks/bench_transforms.py --quick    # a smoke test
"""
from __future__ import annotations

from pathlib import Path

import torch
from harness import measure, parser, peak_rss_gb, print_table, write_record

from pyg_tensorgcn.mprod import banded, dct, dft, identity, m_transform, matrix

BANDWIDTH = 20
# The dense tube path needs a (T, U) matrix; skip it past this many entries.
MAX_TUBE_ENTRIES = 3 * 10**8


def dense_rows(sizes: list[int], N: int, F: int, repeat: int) -> list[dict]:
    rows = []
    for T in sizes:
        x = torch.randn(T, N, F)
        transforms = {
            "banded (window path)": banded(T, BANDWIDTH, method="window"),
            "banded (banded path)": banded(T, BANDWIDTH, method="banded"),
            "banded (dense path)": banded(T, BANDWIDTH, method="dense"),
            "banded (auto)": banded(T, BANDWIDTH),
            "dct": dct(T),
            "dft": dft(T),
            "identity": identity(T),
            "matrix": matrix(torch.eye(T) + 0.01 * torch.randn(T, T)),
        }
        for name, M in transforms.items():
            rows.append({
                "T": T,
                "N x F": f"{N}x{F}",
                "transform": name,
                "apply_ms": 1e3 * measure(lambda M=M, x=x: M.apply(x), repeat=repeat),
                "inverse_ms": 1e3 * measure(lambda M=M, x=x: M.inverse(x), repeat=repeat),
            })
    return rows


def random_adjacency(T: int, N: int, nnz: int) -> torch.Tensor:
    index = torch.stack([torch.randint(0, T, (nnz,)), torch.randint(0, N, (nnz,)),
                         torch.randint(0, N, (nnz,))])
    values = torch.rand(nnz)
    return torch.sparse_coo_tensor(index, values, (T, N, N), check_invariants=False).coalesce()


def sparse_rows(sizes: list[int], N: int, nnz: int, repeat: int) -> list[dict]:
    rows = []
    for T in sizes:
        A = random_adjacency(T, N, nnz)
        tubes = torch.unique(A.indices()[1] * N + A.indices()[2]).numel()
        times = {}
        for method in ("banded", "dense", "auto"):
            if method == "dense" and T * tubes > MAX_TUBE_ENTRIES:
                times[method] = None
                continue
            M = banded(T, BANDWIDTH, method=method)
            times[method] = measure(lambda M=M, A=A: m_transform(A, M), repeat=repeat)
        out_nnz = m_transform(A, banded(T, BANDWIDTH))._nnz()
        rows.append({
            "T": T, "N": N, "nnz in": A._nnz(), "nnz out": out_nnz,
            "banded_path_s": times["banded"], "dense_path_s": times["dense"],
            "auto_s": times["auto"],
            "dense/banded": times["dense"] / times["banded"] if times["dense"] else None,
        })
    return rows


def main() -> None:
    args = parser(__doc__).parse_args()
    torch.manual_seed(0)
    if args.quick:
        config = {"T": [16, 64], "N": 64, "F": 4, "sparse_N": 500, "nnz": 2000, "repeat": 1}
    else:
        config = {"T": [16, 128, 256, 512, 1024], "N": 4096, "F": 16, "sparse_N": 100_000,
                  "nnz": 1_000_000, "repeat": 5}
    config["bandwidth"] = BANDWIDTH
    dense = dense_rows(config["T"], config["N"], config["F"], config["repeat"])
    print_table(dense, "dense (T, N, F) tensors: milliseconds per call (median)")
    sparse = sparse_rows(config["T"], config["sparse_N"], config["nnz"], config["repeat"])
    print_table(sparse, f"sparse (T, N, N) adjacency, banded b={BANDWIDTH}: seconds per call")
    name = args.name or Path(__file__).stem + ("-quick" if args.quick else "")
    path = write_record(name, dense + sparse, {**config, "peak_rss_gb": peak_rss_gb()}, args.out)
    print(f"\nrecord: {path}  (peak RSS {peak_rss_gb():.2f} GB)")


if __name__ == "__main__":
    main()

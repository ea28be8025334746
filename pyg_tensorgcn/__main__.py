"""``python -m pyg_tensorgcn``: a short demo on the embedded synthetic dataset (no file,
no network), until the ``tensorgcn`` command exists: build TensorGCN's transformed
adjacency tensor of a drifting stochastic block model, then compress the graph's
degree-feature tensor with the truncated t-SVDM under several transforms."""
from __future__ import annotations

import time

import torch

from .datasets import DynamicSBM
from .mprod import banded, dct, dft, identity, m_product, m_transpose, tsvdm


def main() -> None:
    graph = DynamicSBM(num_nodes=500, num_snapshots=64, events_per_snapshot=2000)[0]
    print(f"DynamicSBM: {graph}")
    M = banded(graph.num_snapshots, 20)
    start = time.perf_counter()
    A_hat = graph.transformed_adjacency(M, symmetrize=True, edge_life=10, self_loops=True,
                                        normalize=True)
    print(f"transformed adjacency {M!r}: {A_hat._nnz():,} non-zeros of shape "
          f"{tuple(A_hat.shape)} in {time.perf_counter() - start:.3f} s")

    X = graph.degree_features()  # (T, N, 2)
    tubes = X.permute(0, 2, 1).contiguous()  # (T, 2, N): each snapshot's features as rows
    print("\nt-SVDM of the (T, 2, N) degree tensor, rank 1:")
    print(f"{'transform':<22} {'relative error':>15}")
    T = graph.num_snapshots
    for transform in (identity(T), dct(T), dft(T), M):
        U, S, V = tsvdm(tubes, transform, 1)
        approx = m_product(m_product(U, S, transform), m_transpose(V, transform), transform)
        error = torch.linalg.norm(tubes - approx) / torch.linalg.norm(tubes)
        print(f"{transform!r:<22} {error.item():>15.4f}")


if __name__ == "__main__":
    main()

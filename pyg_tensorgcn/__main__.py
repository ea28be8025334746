"""``python -m pyg_tensorgcn``: a short demo of the ⋆_M algebra on a synthetic
dynamic graph (replaced by the ``tensorgcn`` command once it exists)."""
from __future__ import annotations

import torch

from .mprod import banded, dct, dft, identity, m_product, m_transpose, tsvdm


def main() -> None:
    torch.manual_seed(0)
    T, n = 32, 40
    drift = torch.linspace(0, 1, T).view(T, 1, 1)
    base = torch.randn(2, n, 3)
    A = (1 - drift) * (base[0] @ base[0].T) + drift * (base[1] @ base[1].T)
    A = A + 0.1 * torch.randn(T, n, n)
    print(f"synthetic slowly drifting tensor: shape {tuple(A.shape)} (T, n, n)")
    print(f"{'transform':<22} {'rank':>4} {'relative error':>15}")
    for M in (identity(T), dct(T), dft(T), banded(T, 4)):
        for rank in (3, 6):
            U, S, V = tsvdm(A, M, rank)
            approx = m_product(m_product(U, S, M), m_transpose(V, M), M)
            error = torch.linalg.norm(A - approx) / torch.linalg.norm(A)
            print(f"{M!r:<22} {rank:>4} {error.item():>15.4f}")


if __name__ == "__main__":
    main()

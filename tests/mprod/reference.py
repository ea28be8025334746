"""Transforms under test and the mode product written from its definition."""
import torch

from pyg_tensorgcn.mprod import banded, dct, dft, identity, matrix

T = 7


def make_transforms():
    torch.manual_seed(0)
    q, _ = torch.linalg.qr(torch.randn(T, T, dtype=torch.float64))
    return {
        "banded": banded(T, 3),
        "banded-forced-band": banded(T, 3, method="banded"),
        "banded-harmonic": banded(T, 4, weights="harmonic"),
        "banded-sum": banded(T, 2, weights="sum"),
        "dct": dct(T),
        "dft": dft(T),
        "identity": identity(T),
        "matrix": matrix(torch.randn(T, T, dtype=torch.float64) + 4 * torch.eye(T)),
        "matrix-orthogonal": matrix(3.0 * q),
        "matrix-learnable": matrix(
            torch.tril(torch.rand(T, T, dtype=torch.float64)) + torch.eye(T), learnable=True
        ),
    }


TRANSFORMS = make_transforms()


def mode_product(mat, x, dim):
    """The definition: out[.., t, ..] = sum_k mat[t, k] x[.., k, ..], written with einsum."""
    x = x.movedim(dim, -1).to(torch.promote_types(x.dtype, mat.dtype))
    return torch.einsum("tk,...k->...t", mat.to(x.dtype), x).movedim(-1, dim)

r"""Proper orthogonal decomposition and the discrete empirical interpolation method
(Chaturantabut and Sorensen, "Nonlinear model reduction via discrete empirical
interpolation", SISC 2010; Q-DEIM by pivoted QR, Drmač and Gugercin, SISC 2016).

For a basis :math:`U \in \mathbb{R}^{n \times m}` of a nonlinear term's snapshots and
interpolation indices :math:`p` (:math:`P = I_{:, p}`), DEIM approximates
:math:`f \approx U (P^\top U)^{-1} P^\top f` from :math:`m` entries of :math:`f`, with

.. math::
    \|f - U (P^\top U)^{-1} P^\top f\|_2 \le \|(P^\top U)^{-1}\|_2 \,
    \|(I - U U^\top) f\|_2,

so :math:`\|(P^\top U)^{-1}\|_2` is the error constant every function reports.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.linalg
import torch
from torch import Tensor

__all__ = ["POD", "Interpolation", "pod", "deim", "qdeim", "interpolate"]


class POD(NamedTuple):
    """``basis`` ``(n, m)`` orthonormal columns, ``singular_values`` of all snapshots."""

    basis: Tensor
    singular_values: Tensor


class Interpolation(NamedTuple):
    """The chosen ``indices`` ``(m,)`` and the error constant ``||(P^T U)^{-1}||_2``."""

    indices: Tensor
    error_constant: float


def pod(snapshots: Tensor, rank: int | None = None, energy: float | None = None) -> POD:
    r"""The leading left singular vectors of ``snapshots`` ``(n, s)`` (one column per
    snapshot): ``rank`` of them, or the fewest whose squared singular values hold at
    least the fraction ``energy`` of the total (exactly one of the two)."""
    if snapshots.dim() != 2:
        raise ValueError(f"snapshots must be a matrix (n, s), got {tuple(snapshots.shape)}")
    if (rank is None) == (energy is None):
        raise ValueError(f"give exactly one of rank= and energy=, got rank={rank}, energy={energy}")
    U, S, _ = torch.linalg.svd(snapshots, full_matrices=False)
    if energy is not None:
        if not 0 < energy <= 1:
            raise ValueError(f"energy must lie in (0, 1], got {energy}")
        captured = torch.cumsum(S.pow(2), 0) / S.pow(2).sum()
        rank = int(torch.searchsorted(captured, torch.tensor(energy, dtype=S.dtype))) + 1
    if not 1 <= rank <= S.numel():
        raise ValueError(f"rank must lie in [1, {S.numel()}], got {rank}")
    return POD(U[:, :rank], S)


def _error_constant(U: Tensor, indices: Tensor) -> float:
    return torch.linalg.matrix_norm(torch.linalg.inv(U[indices]), ord=2).item()


def deim(U: Tensor) -> Interpolation:
    """The greedy DEIM indices of the basis ``U`` ``(n, m)``: each new index is where the
    interpolation of the next basis vector by the previous ones errs most."""
    indices = [int(torch.argmax(U[:, 0].abs()))]
    for j in range(1, U.size(1)):  # a loop over the m basis vectors, each step vectorized
        c = torch.linalg.solve(U[indices, :j], U[indices, j])
        residual = U[:, j] - U[:, :j] @ c
        indices.append(int(torch.argmax(residual.abs())))
    index = torch.tensor(indices, device=U.device)
    return Interpolation(index, _error_constant(U, index))


def qdeim(U: Tensor) -> Interpolation:
    """Q-DEIM: the first ``m`` column pivots of the pivoted QR of ``U^T`` (scipy)."""
    _, _, pivots = scipy.linalg.qr(U.detach().cpu().numpy().T, pivoting=True, mode="economic")
    index = torch.from_numpy(np.ascontiguousarray(pivots[: U.size(1)])).to(U.device)
    return Interpolation(index, _error_constant(U, index))


def interpolate(U: Tensor, indices: Tensor, sampled: Tensor) -> Tensor:
    r"""The DEIM reconstruction :math:`U (P^\top U)^{-1} f_p` from the sampled entries
    ``sampled`` ``(m, ...)`` (= ``f[indices]``) -> ``(n, ...)``."""
    return U @ torch.linalg.solve(U[indices], sampled)

r"""Sparse adjacency tensors of dynamic graphs and TensorGCN's preprocessing steps.

Each step of the protocol (Malik et al., SDM 2021) is a pure function on a
sparse COO tensor of shape ``(T, N, N)`` that returns a coalesced one, so a
layer or a dataset can call the steps it needs and tests can check each one:

1. :func:`temporal_adjacency`: events -> counts per snapshot (multi-edges add up);
2. :func:`symmetrize`: :math:`B_t = (A_t + A_t^\top) / 2`;
3. :func:`edge_life`: :math:`B_t \leftarrow \sum_{s=t-l+1}^{t} B_s` (a sum);
4. :func:`add_self_loops`: :math:`B_t + I`;
5. :func:`gcn_normalize`: :math:`D_t^{-1/2} B_t D_t^{-1/2}` with :math:`D_t` the row sums.
"""
from __future__ import annotations

import torch
from torch import Tensor

from ..mprod import banded, m_transform

__all__ = ["temporal_adjacency", "symmetrize", "edge_life", "add_self_loops", "gcn_normalize"]


def _coalesced(indices: Tensor, values: Tensor, shape: tuple[int, int, int]) -> Tensor:
    return torch.sparse_coo_tensor(indices, values, shape, check_invariants=False).coalesce()


def temporal_adjacency(
    edge_index: Tensor,
    edge_time: Tensor,
    num_snapshots: int,
    num_nodes: int,
    edge_weight: Tensor | None = None,
    dtype: torch.dtype = torch.float32,
) -> Tensor:
    r"""The ``(T, N, N)`` adjacency tensor of timed edges:
    :math:`A[t, i, j] = \sum` of the weights (default 1) of the events
    :math:`i \to j` in snapshot :math:`t`, so repeated edges become counts.

    Args:
        edge_index (Tensor): ``(2, E)`` source and target nodes.
        edge_time (Tensor): ``(E,)`` snapshot of each event, in ``[0, T)``.
        num_snapshots (int): :math:`T`.
        num_nodes (int): :math:`N`.
        edge_weight (Tensor, optional): ``(E,)`` weights. (default: ones)
        dtype (torch.dtype, optional): value dtype. (default: ``torch.float32``)

    Example:
        >>> A = temporal_adjacency(torch.tensor([[0, 0], [1, 1]]), torch.tensor([2, 2]), 3, 2)
        >>> A.to_dense()[2]
        tensor([[0., 2.],
                [0., 0.]])
    """
    if edge_weight is None:
        edge_weight = torch.ones(edge_time.numel(), dtype=dtype, device=edge_index.device)
    indices = torch.cat([edge_time.view(1, -1), edge_index]).long()
    return _coalesced(indices, edge_weight.to(dtype), (num_snapshots, num_nodes, num_nodes))


def symmetrize(A: Tensor) -> Tensor:
    r""":math:`B_t = (A_t + A_t^\top) / 2` for every slice of a sparse ``(T, N, N)`` tensor."""
    A = A.coalesce()
    t, i, j = A.indices()
    indices = torch.cat([A.indices(), torch.stack([t, j, i])], dim=1)
    return _coalesced(indices, torch.cat([A.values(), A.values()]) / 2, A.shape)


def edge_life(A: Tensor, life: int) -> Tensor:
    r"""Each slice becomes the sum of the last ``life`` slices,
    :math:`B_t = \sum_{s = \max(0, t - l + 1)}^{t} A_s` (``life=1`` is the identity)."""
    if not isinstance(life, int) or life < 1:
        raise ValueError(f"edge_life must be a positive int, got {life!r}")
    if life == 1:
        return A.coalesce()
    return m_transform(A.coalesce(), banded(A.size(0), life, weights="sum"))


def add_self_loops(A: Tensor, fill_value: float = 1.0) -> Tensor:
    r""":math:`A_t + \text{fill\_value} \cdot I` for every slice (existing loops add up)."""
    T, N, _ = A.shape
    loops = torch.arange(N, device=A.device).repeat(T)
    times = torch.arange(T, device=A.device).repeat_interleave(N)
    indices = torch.cat([A.coalesce().indices(), torch.stack([times, loops, loops])], dim=1)
    values = torch.cat([A.coalesce().values(), A.values().new_full((T * N,), fill_value)])
    return _coalesced(indices, values, A.shape)


def gcn_normalize(A: Tensor) -> Tensor:
    r""":math:`D_t^{-1/2} A_t D_t^{-1/2}` with :math:`D_t` the row sums of slice
    :math:`t` (rows that sum to zero stay zero)."""
    A = A.coalesce()
    T, N, _ = A.shape
    t, i, j = A.indices()
    degree = A.values().new_zeros(T * N).index_add_(0, t * N + i, A.values())
    inv_sqrt = degree.pow(-0.5).masked_fill_(degree <= 0, 0.0)
    values = inv_sqrt[t * N + i] * A.values() * inv_sqrt[t * N + j]
    return torch.sparse_coo_tensor(A.indices(), values, A.shape, is_coalesced=True, check_invariants=False)

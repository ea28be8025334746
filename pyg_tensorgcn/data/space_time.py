r"""The space-time graph of a :math:`\star_M` layer.

A TMGCNConv layer is message passing on a graph whose vertices are the pairs
:math:`(t, i)` (vertex id :math:`v = tN + i`): *time edges* :math:`(k, i) \to (t, i)`
with weight :math:`M[t, k]` carry :math:`\hat{X} = X \times_3 M`, and *space edges*
:math:`(t, j) \to (t, i)` with weight :math:`\hat{A}_t[i, j]` carry the aggregation
:math:`\hat{A}_t \hat{X}_t`. Exposed as a plain PyG :class:`Data`, PyG's samplers
(``NeighborLoader``) and distributed machinery apply unchanged.
"""
from __future__ import annotations

import torch
from torch import Tensor
from torch_geometric.data import Data

from ..mprod import MTransform

__all__ = ["space_time_graph", "to_vertex", "from_vertex", "TIME_EDGE", "SPACE_EDGE"]

TIME_EDGE, SPACE_EDGE = 0, 1


def to_vertex(t: Tensor, node: Tensor, num_nodes: int) -> Tensor:
    """Vertex ids of the pairs ``(t, node)``: ``t * N + node``."""
    return t * num_nodes + node


def from_vertex(vertex: Tensor, num_nodes: int) -> tuple[Tensor, Tensor]:
    """The pairs ``(t, node)`` of vertex ids."""
    return vertex // num_nodes, vertex % num_nodes


def space_time_graph(adjacency_hat: Tensor, transform: MTransform, x: Tensor | None = None) -> Data:
    r"""The space-time graph of a transformed adjacency tensor.

    Args:
        adjacency_hat (Tensor): sparse ``(T, N, N)`` :math:`\hat{\mathcal{A}}`.
        transform (MTransform): the :math:`M` (real); its non-zeros give the time edges.
        x (Tensor, optional): ``(T, N, F)`` features, stored as ``x`` ``(T * N, F)``.

    Returns:
        :class:`Data` with ``edge_index`` ``(2, E)`` (messages flow from row 0 to row 1),
        ``edge_weight`` ``(E,)``, ``edge_type`` ``(E,)`` (:data:`TIME_EDGE` or
        :data:`SPACE_EDGE`), ``vertex_snapshot`` and ``vertex_node`` ``(T * N,)`` of
        every vertex (not ``time`` or ``snapshot``, which PyG's temporal samplers,
        partitioner and ``Data.snapshot`` already use), and
        ``num_snapshots`` / ``num_space_nodes``.
    """
    if transform.is_complex:
        raise ValueError(f"the space-time graph needs a real transform, got {transform!r}")
    T, N, _ = adjacency_hat.shape
    if transform.num_snapshots != T:
        raise ValueError(f"{transform!r} does not match the adjacency's {T} snapshots")
    A = adjacency_hat.coalesce()
    t, i, j = A.indices()
    space = torch.stack([to_vertex(t, j, N), to_vertex(t, i, N)])  # (t, j) -> (t, i)
    mat = transform.matrix.detach().to(A.device)
    rows, cols = torch.nonzero(mat, as_tuple=True)  # M[t, k] != 0: (k, i) -> (t, i)
    nodes = torch.arange(N, device=A.device)
    time_src = to_vertex(cols.repeat_interleave(N), nodes.repeat(cols.numel()), N)
    time_dst = to_vertex(rows.repeat_interleave(N), nodes.repeat(rows.numel()), N)
    vertex = torch.arange(T * N, device=A.device)
    time_of, node_of = from_vertex(vertex, N)
    return Data(
        x=x.reshape(T * N, -1) if x is not None else None,
        edge_index=torch.cat([torch.stack([time_src, time_dst]), space], dim=1),
        edge_weight=torch.cat([mat[rows, cols].to(A.dtype).repeat_interleave(N), A.values()]),
        edge_type=torch.cat([torch.full((time_src.numel(),), TIME_EDGE, device=A.device),
                             torch.full((t.numel(),), SPACE_EDGE, device=A.device)]),
        vertex_snapshot=time_of, vertex_node=node_of, num_nodes=T * N, num_snapshots=T, num_space_nodes=N,
    )

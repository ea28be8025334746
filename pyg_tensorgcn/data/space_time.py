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
from .block_adjacency import BlockAdjacency

__all__ = ["space_time_graph", "to_vertex", "from_vertex", "TIME_EDGE", "SPACE_EDGE"]

TIME_EDGE, SPACE_EDGE = 0, 1


def to_vertex(t: Tensor, node: Tensor, num_nodes: int) -> Tensor:
    """Vertex ids of the pairs ``(t, node)``: ``t * N + node``."""
    return t * num_nodes + node


def from_vertex(vertex: Tensor, num_nodes: int) -> tuple[Tensor, Tensor]:
    """The pairs ``(t, node)`` of vertex ids."""
    return vertex // num_nodes, vertex % num_nodes


def space_time_graph(adjacency_hat: Tensor | BlockAdjacency, transform: MTransform,
                     x: Tensor | None = None, time_edges: bool = True) -> Data:
    r"""The space-time graph of a transformed adjacency tensor.

    Args:
        adjacency_hat (Tensor or BlockAdjacency): :math:`\hat{\mathcal{A}}`, sparse
            ``(T, N, N)`` or a :class:`BlockAdjacency` (which streams to any size).
        transform (MTransform): the :math:`M` (real); its non-zeros give the time edges.
        x (Tensor, optional): ``(T, N, F)`` features, stored as ``x`` ``(T * N, F)``.
        time_edges (bool, optional): add the time edges that carry
            :math:`\hat{X} = X \times_3 M`. With ``False`` the graph has space edges
            only and ``x`` holds :math:`\hat{X}` already (``x_is_transformed=True``): for
            a fixed :math:`M` this saves :math:`N \cdot \operatorname{nnz}(M)` edges
            (for :math:`N = 10^6`, :math:`T = 64`, :math:`b = 20`: about
            :math:`10^9`) and one sampling hop. (default: ``True``)

    Returns:
        :class:`Data` with ``edge_index`` ``(2, E)`` (messages flow from row 0 to row 1),
        ``edge_weight`` ``(E,)``, ``edge_type`` ``(E,)`` uint8 (:data:`TIME_EDGE` or
        :data:`SPACE_EDGE`), ``vertex_snapshot`` and ``vertex_node`` ``(T * N,)`` of
        every vertex (not ``time`` or ``snapshot``, which PyG's temporal samplers,
        partitioner and ``Data.snapshot`` already use), ``num_snapshots`` /
        ``num_space_nodes`` and ``x_is_transformed``.
    """
    if transform.is_complex:
        raise ValueError(f"the space-time graph needs a real transform, got {transform!r}")
    T, N, _ = adjacency_hat.shape
    if transform.num_snapshots != T:
        raise ValueError(f"{transform!r} does not match the adjacency's {T} snapshots")
    if isinstance(adjacency_hat, BlockAdjacency):
        space = torch.stack([adjacency_hat.col.long(), adjacency_hat.rows()])  # (t, j) -> (t, i)
        space_weight = adjacency_hat.values.detach()
    else:
        A = adjacency_hat.coalesce()
        t, i, j = A.indices()
        space, space_weight = torch.stack([to_vertex(t, j, N), to_vertex(t, i, N)]), A.values()
    device = space.device
    edge_index, edge_weight, edge_type = [space], [space_weight], [SPACE_EDGE]
    if time_edges:
        mat = transform.matrix.detach().to(device)
        rows, cols = torch.nonzero(mat, as_tuple=True)  # M[t, k] != 0: (k, i) -> (t, i)
        nodes = torch.arange(N, device=device)
        time_src = to_vertex(cols.repeat_interleave(N), nodes.repeat(cols.numel()), N)
        time_dst = to_vertex(rows.repeat_interleave(N), nodes.repeat(rows.numel()), N)
        edge_index.insert(0, torch.stack([time_src, time_dst]))
        edge_weight.insert(0, mat[rows, cols].to(space_weight.dtype).repeat_interleave(N))
        edge_type.insert(0, TIME_EDGE)
    elif x is not None:
        x = transform.apply(x)
    vertex = torch.arange(T * N, device=device)
    time_of, node_of = from_vertex(vertex, N)
    return Data(
        x=x.reshape(T * N, -1) if x is not None else None,
        edge_index=torch.cat(edge_index, dim=1),
        edge_weight=torch.cat(edge_weight),
        edge_type=torch.cat([torch.full((e.size(1),), kind, dtype=torch.uint8, device=device)
                             for e, kind in zip(edge_index, edge_type)]),
        vertex_snapshot=time_of, vertex_node=node_of, num_nodes=T * N, num_snapshots=T,
        num_space_nodes=N, x_is_transformed=not time_edges,
    )

r"""TensorGCN on (sampled) space-time graphs: mini-batch training with PyG's samplers."""
from __future__ import annotations

import torch
from torch import Tensor, nn
from torch_geometric.data import Data

from ..data.space_time import SPACE_EDGE, TIME_EDGE
from .tensorgcn import TensorGCN

__all__ = ["space_time_forward", "num_hops", "SpaceTimeTensorGCN"]


def num_hops(model: TensorGCN, time_edges: bool = True) -> int:
    """Message-passing hops of ``model`` on the space-time graph: one time hop (the
    M-transform of the input; none when the graph holds transformed features,
    ``time_edges=False``), then one space hop per layer. A ``NeighborLoader`` with
    ``num_neighbors=[-1] * num_hops(model)`` reproduces the full-batch output exactly."""
    return int(time_edges) + len(model.convs)


def _propagate(h: Tensor, batch: Data, edge_type: int) -> Tensor:
    mask = batch.edge_type == edge_type
    src, dst = batch.edge_index[:, mask]
    out = torch.zeros_like(h)
    return out.index_add_(0, dst, batch.edge_weight[mask].unsqueeze(1).to(h.dtype) * h[src])


def space_time_forward(model: TensorGCN, batch: Data) -> Tensor:
    r"""``model`` evaluated on a space-time (sub)graph from
    :func:`~pyg_tensorgcn.data.space_time_graph`: ``(V, F_out)`` for the graph's
    vertices, exact for every vertex whose :func:`num_hops`-hop neighbourhood the graph
    holds (the seed vertices of a full-fan-out ``NeighborLoader`` batch).

    The model's parameters are used as they are, so training on batches trains the
    same model that :meth:`TensorGCN.forward` evaluates; ``inverse=True`` is not
    supported (:math:`M^{-1}` is not banded).
    """
    # X^ = X x_3 M along the time edges, unless the graph holds X^ already
    h = batch.x if getattr(batch, "x_is_transformed", False) else _propagate(batch.x, batch, TIME_EDGE)
    for k, conv in enumerate(model.convs):
        if conv.inverse:
            raise ValueError("space_time_forward does not support inverse=True")
        if k > 0:
            h = model.dropout(model.act(h))
        weight = conv.weight
        if weight.dim() == 3:  # per-snapshot weights: W^_t for the vertex's own t
            weight_hat = conv.transform.apply(weight)
            z = torch.bmm(h.unsqueeze(1), weight_hat[batch.vertex_snapshot]).squeeze(1)
        else:
            z = h @ weight
        h = _propagate(z, batch, SPACE_EDGE)
        if conv.bias is not None:
            h = h + conv.bias
    return h


class SpaceTimeTensorGCN(nn.Module):
    """A :class:`TensorGCN` as a module on space-time (sub)graphs, ``forward(batch)`` =
    :func:`space_time_forward`; wrap it in ``DistributedDataParallel`` for data-parallel
    mini-batch training."""

    def __init__(self, model: TensorGCN) -> None:
        super().__init__()
        self.model = model

    def forward(self, batch: Data) -> Tensor:
        return space_time_forward(self.model, batch)

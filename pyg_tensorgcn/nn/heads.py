"""Task heads on node embeddings of shape ``(T, N, F)``: edge classification and link
prediction for the edges (or candidate pairs) of given snapshots."""
from __future__ import annotations

from typing import Literal

import torch
from torch import Tensor, nn
from torch_geometric.nn import MLP

__all__ = ["EdgeClassifier", "LinkPredictor"]


def _endpoint_rows(z: Tensor, edge_label_index: Tensor,
                   edge_label_time: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """``z`` as rows ``t * N + node`` ``(T * N, F)`` (complex parts side by side) and the
    rows of every edge's source and destination, each ``(E,)``."""
    if z.dim() != 3:
        raise ValueError(f"z must have shape (T, N, F), got {tuple(z.shape)}")
    if edge_label_index.dim() != 2 or edge_label_index.size(0) != 2:
        raise ValueError(f"edge_label_index must have shape (2, E), got {tuple(edge_label_index.shape)}")
    if edge_label_time.shape != edge_label_index.shape[1:]:
        raise ValueError(f"edge_label_time must have shape ({edge_label_index.size(1)},), "
                         f"got {tuple(edge_label_time.shape)}")
    if edge_label_time.numel():
        low, high = int(edge_label_time.min()), int(edge_label_time.max())
        if low < 0 or high >= z.size(0):
            raise ValueError(f"edge_label_time must lie in [0, {z.size(0)}), got values in [{low}, {high}]")
    if z.is_complex():  # the DFT's transform domain: real and imaginary parts as features
        z = torch.cat([z.real, z.imag], dim=-1)
    src, dst = edge_label_time * z.size(1) + edge_label_index
    return z.reshape(-1, z.size(-1)), src, dst


def _endpoints(z: Tensor, edge_label_index: Tensor, edge_label_time: Tensor) -> tuple[Tensor, Tensor]:
    """The embeddings ``z[t, src]`` and ``z[t, dst]`` of every edge, each ``(E, F)``."""
    flat, src, dst = _endpoint_rows(z, edge_label_index, edge_label_time)
    return flat.index_select(0, src), flat.index_select(0, dst)


class EdgeClassifier(nn.Module):
    r"""Classifies the edges of given snapshots from their endpoints' embeddings.

    ``hidden_channels=None`` is TensorGCN's reference head,
    :math:`[z_{src} \,\|\, z_{dst}]\, U`; otherwise an MLP on the concatenation.

    Args:
        in_channels (int): embedding size :math:`F` (twice it for complex embeddings).
        num_classes (int): output classes.
        hidden_channels (int, optional): hidden size of the MLP variant.
        num_layers (int, optional): MLP layers. (default: ``2``)
        dropout (float, optional): MLP dropout. (default: ``0.0``)
        bias (bool, optional): learn additive biases (the reference head has none).
            (default: ``True``)

    Shapes:
        ``z`` ``(T, N, F)``, ``edge_label_index`` ``(2, E)``, ``edge_label_time``
        ``(E,)`` -> logits ``(E, num_classes)``.
    """

    def __init__(self, in_channels: int, num_classes: int, hidden_channels: int | None = None,
                 num_layers: int = 2, dropout: float = 0.0, bias: bool = True) -> None:
        super().__init__()
        if hidden_channels is None:
            self.net = nn.Linear(2 * in_channels, num_classes, bias=bias)
        else:
            self.net = MLP([2 * in_channels] + [hidden_channels] * (num_layers - 1) + [num_classes],
                           dropout=dropout, norm=None, bias=bias)

    def reset_parameters(self) -> None:
        self.net.reset_parameters()

    def forward(self, z: Tensor, edge_label_index: Tensor, edge_label_time: Tensor) -> Tensor:
        src, dst = _endpoints(z, edge_label_index, edge_label_time)
        return self.net(torch.cat([src, dst], dim=-1))


class LinkPredictor(nn.Module):
    r"""Scores candidate edges (a logit per pair) from their endpoints' embeddings.

    Scorers: ``"concat"``, :math:`w^\top [z_{src} \| z_{dst}] + b`; ``"hadamard"``,
    :math:`w^\top (z_{src} \odot z_{dst}) + b`; ``"dot"``, :math:`z_{src}^\top z_{dst}`
    (no parameters).

    Args:
        in_channels (int): embedding size :math:`F`.
        scorer (str, optional): ``"concat"``, ``"hadamard"`` or ``"dot"``. (default: ``"hadamard"``)
        bias (bool, optional): learn the additive :math:`b`. (default: ``True``)

    Shapes:
        ``z`` ``(T, N, F)``, ``edge_label_index`` ``(2, E)``, ``edge_label_time``
        ``(E,)`` -> scores ``(E,)``.
    """

    def __init__(self, in_channels: int,
                 scorer: Literal["concat", "hadamard", "dot"] = "hadamard", bias: bool = True) -> None:
        super().__init__()
        widths = {"concat": 2 * in_channels, "hadamard": in_channels, "dot": None}
        if scorer not in widths:
            raise ValueError(f"scorer must be 'concat', 'hadamard' or 'dot', got {scorer!r}")
        self.scorer = scorer
        self.lin = nn.Linear(widths[scorer], 1, bias=bias) if widths[scorer] else None

    def reset_parameters(self) -> None:
        if self.lin is not None:
            self.lin.reset_parameters()

    def forward(self, z: Tensor, edge_label_index: Tensor, edge_label_time: Tensor) -> Tensor:
        if self.scorer == "concat":
            # w^T [z_src || z_dst] = w_src^T z_src + w_dst^T z_dst: project the rows once
            # and gather two numbers per pair, not 2F (training scores 20 pairs per edge).
            flat, src, dst = _endpoint_rows(z, edge_label_index, edge_label_time)
            projected = flat @ self.lin.weight.view(2, flat.size(1)).T  # (T * N, 2)
            score = projected[:, 0].index_select(0, src) + projected[:, 1].index_select(0, dst)
            return score if self.lin.bias is None else score + self.lin.bias
        src, dst = _endpoints(z, edge_label_index, edge_label_time)
        if self.scorer == "dot":
            return (src * dst).sum(-1)
        return self.lin(src * dst).squeeze(-1)

"""Static GCN: two PyG GCNConv layers applied to every snapshot, weights shared over time."""
from __future__ import annotations

import torch
from torch import Tensor, nn
from torch_geometric.nn import GCNConv

from pyg_tensorgcn.tasks import SplitData, TrainConfig


def snapshot_union(split: str, data: SplitData, cache: dict, symmetrize: bool) -> Tensor:
    """All snapshots of the window as one disjoint graph on W * N nodes (node t * N + i),
    so one GCNConv call processes every snapshot with the same weights."""
    if split not in cache:
        graph = data.graph
        src, dst = graph.edge_index
        offset = graph.edge_time * graph.num_nodes
        edge_index = torch.stack([src + offset, dst + offset])
        if symmetrize:
            edge_index = torch.cat([edge_index, edge_index.flip(0)], dim=1)
        cache[split] = edge_index
    return cache[split]


class StaticGCN(nn.Module):
    def __init__(self, config: TrainConfig, train: SplitData) -> None:
        super().__init__()
        in_channels = train.x.size(-1)
        self.conv1 = GCNConv(in_channels, config.hidden_channels)
        self.conv2 = GCNConv(config.hidden_channels, config.out_channels)
        self.symmetrize = config.symmetrize
        self._edges: dict[str, Tensor] = {}

    def forward(self, split: str, data: SplitData) -> Tensor:
        W, N, F = data.x.shape
        edge_index = snapshot_union(split, data, self._edges, self.symmetrize)
        h = torch.relu(self.conv1(data.x.reshape(W * N, F), edge_index))
        return self.conv2(h, edge_index).view(W, N, -1)

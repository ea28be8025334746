"""WD-GCN (Manessi et al., 2020): a GCN on every snapshot followed by an LSTM that runs
over time for every node; the task head is trained with it (the reference code's head
was a fixed random projection)."""
from __future__ import annotations

import torch
from torch import Tensor, nn
from torch_geometric.nn import GCNConv

from pyg_tensorgcn.tasks import SplitData, TrainConfig

from .gcn import snapshot_union


class WDGCN(nn.Module):
    def __init__(self, config: TrainConfig, train: SplitData) -> None:
        super().__init__()
        in_channels = train.x.size(-1)
        self.conv = GCNConv(in_channels, config.hidden_channels)
        self.lstm = nn.LSTM(config.hidden_channels, config.out_channels)
        self.symmetrize = config.symmetrize
        self._edges: dict[str, Tensor] = {}

    def forward(self, split: str, data: SplitData) -> Tensor:
        W, N, F = data.x.shape
        edge_index = snapshot_union(split, data, self._edges, self.symmetrize)
        h = torch.relu(self.conv(data.x.reshape(W * N, F), edge_index)).view(W, N, -1)
        out, _ = self.lstm(h)  # time-major: every node is a sequence of W steps
        return out

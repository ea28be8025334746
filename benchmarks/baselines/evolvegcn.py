"""EvolveGCN-O and EvolveGCN-H (Pareja et al., AAAI 2020), from torch-geometric-temporal,
the implementation users pick.

Their layers keep the evolved GCN weight as state across calls (``self.weight``), so
one call per snapshot walks the weight through time. Each pass over a window (every
training epoch and every evaluation) starts from the learned initial weight with
``reinitialize_weight()`` and steps through the window's snapshots in order, which is
how the model is defined and trained; carrying the state over from the previous epoch
would backpropagate into a freed graph and leak memory.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from pyg_tensorgcn.tasks import SplitData, TrainConfig


class _Evolving(nn.Module):
    def __init__(self, config: TrainConfig, train: SplitData, layer: nn.Module) -> None:
        super().__init__()
        self.lin = nn.Linear(train.x.size(-1), config.out_channels)
        self.layer = layer
        self._snapshots: dict[str, list[Tensor]] = {}

    def forward(self, split: str, data: SplitData) -> Tensor:
        if split not in self._snapshots:
            edges = [s.edge_index for s in data.graph]
            self._snapshots[split] = [torch.cat([e, e.flip(0)], 1) for e in edges]
        self.layer.reinitialize_weight()
        h = self.lin(data.x)
        return torch.stack([self.layer(h[t], edge_index)
                            for t, edge_index in enumerate(self._snapshots[split])])


class EvolveGCNO(_Evolving):
    def __init__(self, config: TrainConfig, train: SplitData) -> None:
        from torch_geometric_temporal.nn.recurrent import EvolveGCNO as Layer

        super().__init__(config, train, Layer(config.out_channels))


class EvolveGCNH(_Evolving):
    def __init__(self, config: TrainConfig, train: SplitData) -> None:
        from torch_geometric_temporal.nn.recurrent import EvolveGCNH as Layer

        super().__init__(config, train, Layer(train.num_nodes, config.out_channels))

"""A seeded synthetic dynamic stochastic block model: the embedded default dataset."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ..data import DynamicGraph
from ._base import TemporalGraphDataset


class DynamicSBM(TemporalGraphDataset):
    r"""A dynamic stochastic block model with drifting communities; needs no file.

    :math:`N` nodes start in :math:`K` random communities; at every snapshot a
    fraction ``drift`` of them moves to a random community. Each snapshot has
    ``events_per_snapshot`` events from uniform sources; with probability
    ``p_intra`` the target is drawn from the source's current community,
    otherwise uniformly. ``edge_label`` is 1 when both ends share a community at
    that time and 0 otherwise (the minority for ``p_intra`` above about 0.5), so
    a model must track the communities through time to classify the edges.
    Splits in snapshots: 70% / 15% / 15%.

    Args:
        root (str, optional): a folder to cache the processed graph in;
            ``None`` keeps it in memory only. (default: ``None``)
        num_nodes (int, optional): :math:`N`. (default: ``300``)
        num_communities (int, optional): :math:`K`. (default: ``4``)
        num_snapshots (int, optional): :math:`T`. (default: ``40``)
        events_per_snapshot (int, optional): events in each snapshot. (default: ``600``)
        p_intra (float, optional): probability of an intra-community event.
            (default: ``0.75``)
        drift (float, optional): fraction of nodes that change community per
            snapshot. (default: ``0.02``)
        seed (int, optional): the random seed. (default: ``0``)
    """

    def __init__(
        self,
        root: str | None = None,
        num_nodes: int = 300,
        num_communities: int = 4,
        num_snapshots: int = 40,
        events_per_snapshot: int = 600,
        p_intra: float = 0.75,
        drift: float = 0.02,
        seed: int = 0,
        transform: Callable | None = None,
        pre_transform: Callable | None = None,
        force_reload: bool = False,
        log: bool = False,
    ) -> None:
        for name, value in (("num_nodes", num_nodes), ("num_communities", num_communities),
                            ("num_snapshots", num_snapshots),
                            ("events_per_snapshot", events_per_snapshot)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        for name, value in (("p_intra", p_intra), ("drift", drift)):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must lie in [0, 1], got {value!r}")
        self.params = {"num_nodes": num_nodes, "num_communities": num_communities,
                       "num_snapshots": num_snapshots, "events_per_snapshot": events_per_snapshot,
                       "p_intra": float(p_intra), "drift": float(drift), "seed": seed}
        self._in_memory = root is None
        if self._in_memory:  # no raw or processed files at all
            super(TemporalGraphDataset, self).__init__(None, transform, pre_transform, log=log)
            graph = self.read() if pre_transform is None else pre_transform(self.read())
            self.data, self.slices = self.collate([graph])
        else:
            super().__init__(root, transform, pre_transform, force_reload, log)

    @property
    def raw_file_names(self) -> list[str]:
        return []

    @property
    def has_download(self) -> bool:
        return False

    @property
    def has_process(self) -> bool:
        return not self._in_memory

    def options(self) -> dict[str, Any]:
        return dict(self.params)

    def read(self) -> DynamicGraph:
        p = self.params
        N, K, T, E = p["num_nodes"], p["num_communities"], p["num_snapshots"], p["events_per_snapshot"]
        g = torch.Generator().manual_seed(p["seed"])
        community = torch.empty(T, N, dtype=torch.long)
        community[0] = torch.randint(K, (N,), generator=g)
        for t in range(1, T):
            moves = torch.rand(N, generator=g) < p["drift"]
            community[t] = torch.where(moves, torch.randint(K, (N,), generator=g), community[t - 1])
        time = torch.arange(T).repeat_interleave(E)
        src = torch.randint(N, (T * E,), generator=g)
        # An intra-community target: a uniform member of the source's community at time t,
        # found through the nodes sorted by (time, community).
        group = time * K + community[time, src]
        node_group = (community + K * torch.arange(T).unsqueeze(1)).flatten()
        order = torch.argsort(node_group, stable=True)
        size = torch.bincount(node_group, minlength=T * K)
        start = torch.cumsum(size, 0) - size
        pick = start[group] + (torch.rand(T * E, generator=g) * size[group]).long()
        intra = order[pick] % N
        uniform = torch.randint(N, (T * E,), generator=g)
        dst = torch.where(torch.rand(T * E, generator=g) < p["p_intra"], intra, uniform)
        label = (community[time, src] == community[time, dst]).long()
        return DynamicGraph(edge_index=torch.stack([src, dst]), edge_time=time, num_nodes=N,
                            num_snapshots=T, edge_label=label, community=community)

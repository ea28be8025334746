"""The tensors of one split, ready for training or scoring: the window's transformed
adjacency and features, and the target edges (with fixed negatives for link prediction)."""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from ..data import BlockAdjacency, DynamicGraph
from ..mprod import MTransform
from ..nn import tmgcn_norm
from .splits import SPLIT_NAMES, Split, TaskName

__all__ = ["SplitData", "prepare_split", "link_split", "link_candidates", "sample_negatives"]

NEGATIVES_PER_POSITIVE = 19


@dataclass
class SplitData:
    """Everything a model needs for one split.

    Attributes:
        adjacency: the window's transformed adjacency, ``(W, N, N)``.
        x: the window's node features, ``(W, N, F)``.
        index: ``(2, E)`` target edges (link prediction: positives only).
        time: ``(E,)`` the embedding snapshot, relative to the window, of each target.
        label: ``(E,)`` class labels (link prediction: ones).
        num_nodes: :math:`N`.
        window_start: the graph's snapshot index of the window's first snapshot.
        graph: the window itself, its events re-based to it (for models that read
            raw edges, such as the baselines).
        candidates: link prediction only, ``(index, time, label)`` of the scored
            candidates (positives and fixed negatives; training resamples its
            negatives every epoch and uses these only to score the split).
    """

    adjacency: BlockAdjacency
    x: Tensor
    index: Tensor
    time: Tensor
    label: Tensor
    num_nodes: int
    window_start: int = 0
    graph: DynamicGraph | None = None
    candidates: tuple[Tensor, Tensor, Tensor] | None = None

    def to(self, device: torch.device | str) -> SplitData:
        candidates = tuple(t.to(device) for t in self.candidates) if self.candidates else None
        return SplitData(self.adjacency.to(device), self.x.to(device), self.index.to(device),
                         self.time.to(device), self.label.to(device), self.num_nodes,
                         self.window_start, self.graph.to(device) if self.graph else None,
                         candidates)


def link_targets(graph: DynamicGraph, drop_label: int | None = None) -> tuple[Tensor, Tensor]:
    """The distinct ``(t, src, dst)`` positives of every snapshot as ``(index, time)``;
    events with ``edge_label == drop_label`` are left out (Chess drops draws)."""
    keep = torch.ones(graph.num_events, dtype=torch.bool)
    if drop_label is not None:
        keep = graph.edge_label != drop_label
    N = graph.num_nodes
    key = (graph.edge_time[keep] * N + graph.edge_index[0, keep]) * N + graph.edge_index[1, keep]
    key = torch.unique(key)
    return torch.stack([key // N % N, key % N]), key // (N * N)


def sample_negatives(
    positive_index: Tensor, positive_time: Tensor, num_nodes: int, generator: torch.Generator,
    per_positive: int = NEGATIVES_PER_POSITIVE,
) -> tuple[Tensor, Tensor]:
    """``per_positive`` uniform pairs of ``N x N`` for every positive, in the same
    snapshot, rejecting the positives of that snapshot (resampled until none is left).
    The pairs are drawn by the CPU ``generator`` (the same ones on every device) and
    returned on the positives' device."""
    N, device = num_nodes, positive_index.device
    sources = positive_time * N + positive_index[0]
    positive_keys = torch.sort(sources * N + positive_index[1]).values
    time = positive_time.repeat_interleave(per_positive)
    pairs = torch.randint(N, (2, time.numel()), generator=generator).to(device)
    if not time.numel():
        return pairs, time
    has_positive = torch.zeros((int(time.max()) + 1) * N, dtype=torch.bool, device=device)
    has_positive[sources] = True  # (t, src) with some positive: the only possible clashes
    suspects = torch.arange(time.numel(), device=device)
    while True:  # a few rounds at most: positives are a tiny fraction of N x N
        suspects = suspects[has_positive[time[suspects] * N + pairs[0, suspects]]]
        keys = (time[suspects] * N + pairs[0, suspects]) * N + pairs[1, suspects]
        found = torch.searchsorted(positive_keys, keys).clamp(max=positive_keys.numel() - 1)
        suspects = suspects[positive_keys[found] == keys]
        if not suspects.numel():
            return pairs, time
        pairs[:, suspects] = torch.randint(N, (2, suspects.numel()), generator=generator).to(device)


def link_candidates(index: Tensor, time: Tensor, num_nodes: int,
                    generator: torch.Generator) -> tuple[Tensor, Tensor, Tensor]:
    """Positives followed by their sampled negatives: ``(index, time, label)``."""
    neg_index, neg_time = sample_negatives(index, time, num_nodes, generator)
    label = torch.cat([torch.ones(time.numel()), torch.zeros(neg_time.numel())]).to(time.device)
    return torch.cat([index, neg_index], 1), torch.cat([time, neg_time]), label


def link_split(graph: DynamicGraph, split: Split, negative_seed: int = 0,
               drop_label: int | None = None) -> tuple[Tensor, Tensor, tuple[Tensor, Tensor, Tensor]]:
    """A link-prediction split's positives ``(index, time)``, with ``time`` the
    embedding snapshot (target - 1) relative to the window, and its scored candidates
    (positives, then negatives fixed by ``negative_seed``; distinct per split)."""
    index, time = link_targets(graph, drop_label)
    scored = (time >= split.target_start) & (time < split.target_end)
    index, time = index[:, scored], time[scored] - 1 - split.window_start  # embedding at t - 1
    offset = SPLIT_NAMES.index(split.name)
    generator = torch.Generator().manual_seed(1000 * negative_seed + offset)
    return index, time, link_candidates(index, time, graph.num_nodes, generator)


def prepare_split(
    graph: DynamicGraph,
    split: Split,
    task: TaskName,
    transform: MTransform,
    preprocessing: dict,
    negative_seed: int = 0,
    drop_label: int | None = None,
    features: str = "degree",
) -> SplitData:
    """The :class:`SplitData` of ``split``: the window's adjacency is preprocessed and
    M-transformed once. ``features="degree"`` gives the window's in/out degrees (the
    reference, ``F = 2``), ``"identity"`` one-hot node ids (``F = N``; small graphs)."""
    window = graph.window(split.window_start, split.window_end)
    adjacency = tmgcn_norm(window.edge_index, window.edge_time, window.num_nodes, transform,
                           **preprocessing)
    if features == "degree":
        x = window.degree_features()
    elif features == "identity":
        x = torch.eye(graph.num_nodes).expand(window.num_snapshots, -1, -1)
    else:
        raise ValueError(f"features must be 'degree' or 'identity', got {features!r}")
    if task == "edge-classification":
        scored = (graph.edge_time >= split.target_start) & (graph.edge_time < split.target_end)
        return SplitData(adjacency, x, graph.edge_index[:, scored],
                         graph.edge_time[scored] - split.window_start,
                         graph.edge_label[scored], graph.num_nodes, split.window_start, window)
    index, time, candidates = link_split(graph, split, negative_seed, drop_label)
    return SplitData(adjacency, x, index, time, torch.ones(time.numel()), graph.num_nodes,
                     split.window_start, window, candidates)

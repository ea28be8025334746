"""EdgeBank (Poursafaei et al., NeurIPS 2022, as in TGB): predict an edge if it was seen
before. It learns nothing, so it is the honest floor of link prediction.

TGB's EdgeBank remembers directed pairs. On the Bitcoin graphs a user rates another
once, so no directed pair recurs and that memory scores like chance (MAP 0.05); the
undirected variant remembers a pair in either direction (a rating answered later),
the same symmetrized view of the graph every model here is trained on."""
from __future__ import annotations

import time
from typing import Any

import torch

from pyg_tensorgcn import metrics
from pyg_tensorgcn.tasks import DATASETS, SPLIT_NAMES, link_split, load_graph, sliding_windows


def edgebank_record(dataset: str, root: str | None, seed: int = 0,
                    undirected: bool = False) -> dict[str, Any]:
    """A record in :func:`pyg_tensorgcn.tasks.run`'s format: every split's candidates
    (the same fixed negatives as the learned models) scored 1 when the pair occurred in
    any snapshot before the target's, else 0 (unlimited memory); with ``undirected``,
    ``(u, v)`` and ``(v, u)`` are one pair."""
    started = time.perf_counter()
    graph = load_graph(dataset, root)
    spec = DATASETS[dataset]
    splits = sliding_windows(graph.num_snapshots, *spec.splits, "link-prediction")
    N = graph.num_nodes

    def pair_key(index: torch.Tensor) -> torch.Tensor:
        if undirected:
            index = torch.sort(index, dim=0).values
        return index[0] * N + index[1]

    key = pair_key(graph.edge_index)
    pairs, inverse = torch.unique(key, return_inverse=True)
    first_seen = torch.full((pairs.numel(),), graph.num_snapshots, dtype=torch.long)
    first_seen.scatter_reduce_(0, inverse, graph.edge_time, reduce="amin")
    scores = {}
    for name in SPLIT_NAMES:
        _, _, (index, time_, label) = link_split(graph, splits[name],
                                                 drop_label=spec.link_drop_label)
        target = time_ + 1 + splits[name].window_start
        candidate_key = pair_key(index)
        slot = torch.searchsorted(pairs, candidate_key).clamp(max=pairs.numel() - 1)
        seen = (pairs[slot] == candidate_key) & (first_seen[slot] < target)
        scores[name] = metrics.link_prediction_scores(seen.double(), label, time_)
    return {"dataset": dataset, "task": "link-prediction", "seed": seed,
            "model": "edgebank-undirected" if undirected else "edgebank",
            "config": {}, "selected": {}, "metrics": scores,
            "timings": {"train_s": 0.0, "epoch_s": 0.0, "to_selected_epoch_s": 0.0,
                        "preprocess_s": time.perf_counter() - started}}

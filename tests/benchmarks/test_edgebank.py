"""EdgeBank against its definition: a candidate (u, v) of target snapshot t scores 1
exactly when (u, v) (or, undirected, either orientation) is an event before t."""
import sys
from pathlib import Path

import pytest
import torch

from pyg_tensorgcn import metrics
from pyg_tensorgcn.tasks import DATASETS, SPLIT_NAMES, link_split, load_graph, sliding_windows

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from baselines import edgebank_record


@pytest.mark.parametrize("undirected", [False, True])
def test_edgebank_scores_pairs_seen_before_the_target(undirected):
    graph = load_graph("dynamic-sbm", None)
    T, N = graph.num_snapshots, graph.num_nodes
    seen = torch.zeros(T + 1, N, N, dtype=torch.bool)  # seen[t]: an event before snapshot t
    src, dst = graph.edge_index
    seen[graph.edge_time + 1, src, dst] = True
    if undirected:
        seen[graph.edge_time + 1, dst, src] = True
    seen = seen.cumsum(0) > 0
    record = edgebank_record("dynamic-sbm", None, undirected=undirected)
    splits = sliding_windows(T, *DATASETS["dynamic-sbm"].splits, "link-prediction")
    for name in SPLIT_NAMES:
        _, _, (index, time, label) = link_split(graph, splits[name])
        target = time + 1 + splits[name].window_start
        expected = metrics.link_prediction_scores(seen[target, index[0], index[1]].double(),
                                                  label, time)
        assert record["metrics"][name] == pytest.approx(expected)
    assert record["metrics"]["test"]["map"] > 0.05  # SBM pairs recur: better than chance

import networkx as nx
import pytest
import torch
from torch_geometric.data import TemporalData

from pyg_tensorgcn.data import (
    DynamicGraph,
    from_dynamic_graph_temporal_signal,
    from_networkx,
    from_snapshots,
    from_temporal_data,
    from_temporal_edges,
    to_dynamic_graph_temporal_signal,
    to_networkx,
    to_snapshots,
    to_temporal_data,
)

SRC = [0, 1, 2, 0, 3, 1, 2]
DST = [1, 2, 3, 1, 0, 0, 1]
TIME = [0.0, 3.0, 9.9, 10.0, 25.0, 29.9, 31.0]


def test_fixed_windows_keep_full_windows_only():
    g = from_temporal_edges(SRC, DST, TIME, label=[1, 0, 1, 1, 0, 1, 0], window=10.0)
    assert g.num_snapshots == 3  # floor((31 - 0) / 10)
    assert g.edge_time.tolist() == [0, 0, 0, 1, 2, 2]
    assert g.num_dropped_events == 1
    assert g.edge_label.tolist() == [1, 0, 1, 1, 0, 1]
    assert g.window_start.tolist() == [0.0, 10.0, 20.0]
    assert g.num_nodes == 4


def test_repeated_edges_in_a_window_are_counted():
    g = from_temporal_edges([0, 0, 0], [1, 1, 1], [0.0, 1.0, 20.0], window=10.0)
    assert g.adjacency().to_dense()[0, 0, 1] == 2


def test_num_windows_and_per_timestamp():
    g = from_temporal_edges(SRC, DST, TIME, num_windows=4)
    assert g.num_snapshots == 4 and g.num_dropped_events == 0
    assert g.edge_time.tolist() == [0, 0, 1, 1, 3, 3, 3]
    g = from_temporal_edges(SRC, DST, [5, 5, 7, 7, 7, 9, 9], per_timestamp=True, num_nodes=10)
    assert g.num_snapshots == 3 and g.edge_time.tolist() == [0, 0, 1, 1, 1, 2, 2]
    assert g.num_nodes == 10


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({}, "exactly one of window=, num_windows= or per_timestamp=True"),
        ({"window": 10.0, "per_timestamp": True}, "exactly one of"),
        ({"window": 100.0}, "less than one window of 100"),
        ({"window": -1.0}, "window must be positive"),
        ({"num_windows": 0}, "num_windows must be a positive int, got 0"),
    ],
)
def test_bad_windowing(kwargs, message):
    with pytest.raises(ValueError, match=message):
        from_temporal_edges(SRC, DST, TIME, **kwargs)


def test_mismatched_lengths():
    with pytest.raises(ValueError, match=r"time must have shape \(7,\) like src, got \(3,\)"):
        from_temporal_edges(SRC, DST, [1.0, 2.0, 3.0], per_timestamp=True)


def example():
    return from_temporal_edges(SRC, DST, TIME, label=[1, 0, 1, 1, 0, 1, 0], window=10.0)


def assert_same_events(a: DynamicGraph, b: DynamicGraph):
    assert a.num_snapshots == b.num_snapshots and a.num_nodes == b.num_nodes
    torch.testing.assert_close(a.adjacency().to_dense(), b.adjacency().to_dense())


def test_temporal_data_round_trip():
    g = example()
    data = to_temporal_data(g)
    assert isinstance(data, TemporalData)
    back = from_temporal_data(data)
    assert_same_events(g, back)
    assert back.edge_label.tolist() == g.edge_label.tolist()


def test_snapshot_list_round_trip():
    g = example()
    g.x = torch.randn(g.num_snapshots, g.num_nodes, 3)
    back = from_snapshots(to_snapshots(g))
    assert_same_events(g, back)
    torch.testing.assert_close(back.x, g.x)
    with pytest.raises(ValueError, match="at least one snapshot"):
        from_snapshots([])


def test_networkx_round_trip():
    g = example()
    graphs = to_networkx(g)
    assert len(graphs) == 3 and all(isinstance(h, nx.MultiDiGraph) for h in graphs)
    assert graphs[0].number_of_edges() == 3
    assert_same_events(g, from_networkx(graphs))


def test_dynamic_graph_temporal_signal_round_trip():
    pytest.importorskip("torch_geometric_temporal")
    g = example()
    g.x = torch.randn(g.num_snapshots, g.num_nodes, 2)
    signal = to_dynamic_graph_temporal_signal(g)
    assert signal.snapshot_count == 3
    back = from_dynamic_graph_temporal_signal(signal)
    torch.testing.assert_close(back.x, g.x)
    torch.testing.assert_close(back.adjacency().to_dense(), g.adjacency().to_dense())

import pytest
import torch
from torch_geometric.data import Data

from pyg_tensorgcn.data import DynamicGraph


def small_graph(**extra):
    edge_index = torch.tensor([[0, 1, 2, 0, 3], [1, 2, 3, 3, 0]])
    edge_time = torch.tensor([0, 0, 1, 2, 2])
    return DynamicGraph(edge_index=edge_index, edge_time=edge_time, num_nodes=4,
                        edge_label=torch.tensor([1, 0, 1, 1, 0]), **extra)


def test_basic_attributes():
    g = small_graph(x=torch.randn(3, 4, 2))
    assert g.num_snapshots == 3 and g.num_nodes == 4 and g.num_events == 5
    assert "num_snapshots=3" in repr(g)


def test_snapshots_and_iteration():
    g = small_graph(x=torch.arange(24.0).view(3, 4, 2))
    snaps = list(g)
    assert len(snaps) == 3 and all(type(s) is Data for s in snaps)
    assert snaps[2].edge_index.tolist() == [[0, 3], [3, 0]]
    assert snaps[2].edge_label.tolist() == [1, 0]
    torch.testing.assert_close(snaps[1].x, g.x[1])
    assert g.snapshot(-1).edge_index.tolist() == snaps[2].edge_index.tolist()
    with pytest.raises(IndexError, match="snapshot 3 is out of range for 3 snapshots"):
        g.snapshot(3)


def test_window_rebases_time():
    g = small_graph(x=torch.randn(3, 4, 2), window_start=torch.tensor([0.0, 10.0, 20.0]))
    w = g.window(1, 3)
    assert w.num_snapshots == 2 and w.edge_time.tolist() == [0, 1, 1]
    assert w.edge_label.tolist() == [1, 1, 0]
    torch.testing.assert_close(w.x, g.x[1:3])
    assert w.window_start.tolist() == [10.0, 20.0]
    with pytest.raises(ValueError, match=r"0 <= start < end <= 3, got \(2, 5\)"):
        g.window(2, 5)


def test_degree_features_against_dense():
    g = small_graph()
    A = g.adjacency().to_dense()
    expected = torch.stack([A.sum(1), A.sum(2)], dim=-1)  # in-degree, out-degree
    torch.testing.assert_close(g.degree_features(), expected)


def test_subgraphs():
    g = small_graph(x=torch.randn(3, 4, 2))
    sub = g.subgraph(torch.tensor([0, 1, 3]))
    assert sub.num_nodes == 3
    assert sub.edge_index.tolist() == [[0, 0, 2], [1, 2, 0]]
    assert sub.edge_time.tolist() == [0, 2, 2]
    assert sub.x.shape == (3, 3, 2)
    only = g.edge_subgraph(torch.tensor([True, False, False, False, True]))
    assert only.edge_label.tolist() == [1, 0] and only.num_nodes == 4


def test_to_device_and_clone():
    g = small_graph().to("cpu")
    assert isinstance(g, DynamicGraph) and g.clone().num_snapshots == 3


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"edge_time": torch.tensor([0, 1])}, r"edge_time must have shape \(5,\)"),
        ({"edge_time": torch.tensor([0, 0, 1, 2, 9]), "num_snapshots": 3},
         r"edge_time must lie in \[0, 3\), got values in \[0, 9\]"),
        ({"edge_time": torch.tensor([0.0, 0, 1, 2, 2])}, "edge_time must be torch.long"),
        ({"num_nodes": 3}, "edge_index holds node 3 but num_nodes=3"),
        ({"x": torch.randn(2, 4, 1)}, r"x must have shape \(T=3, N=4, F\), got \(2, 4, 1\)"),
        ({"edge_label": torch.ones(4)}, r"edge_label must have 5 rows .* got \(4,\)"),
    ],
)
def test_bad_input(kwargs, message):
    base = {"edge_index": torch.tensor([[0, 1, 2, 0, 3], [1, 2, 3, 3, 0]]),
            "edge_time": torch.tensor([0, 0, 1, 2, 2]), "num_nodes": 4}
    with pytest.raises(ValueError, match=message):
        DynamicGraph(**{**base, **kwargs})

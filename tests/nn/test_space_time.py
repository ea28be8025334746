import pytest
import torch

from pyg_tensorgcn.data import DynamicGraph, from_vertex, space_time_graph, to_vertex
from pyg_tensorgcn.mprod import banded
from pyg_tensorgcn.nn import TensorGCN, num_hops, space_time_forward

from .test_tmgcn_conv import N, T, random_graph

OPTIONS = {"symmetrize": True, "self_loops": True, "normalize": True}


def graph_of_setup():
    edge_index, edge_time = random_graph(seed=12)
    return DynamicGraph(edge_index=edge_index, edge_time=edge_time, num_nodes=N, num_snapshots=T)


def setup(weights="shared", num_layers=2, time_edges=True):
    torch.manual_seed(0)
    graph = graph_of_setup()
    edge_index, edge_time = graph.edge_index, graph.edge_time
    M = banded(T, 3)
    model = TensorGCN(3, 8, 4, num_layers=num_layers, transform=M, weights=weights,
                      symmetrize=True).double()
    x = torch.randn(T, N, 3, dtype=torch.float64)
    full = model(x, edge_index, edge_time).reshape(T * N, -1)
    st = graph.space_time_graph(M, x=x, dtype=torch.float64, time_edges=time_edges, **OPTIONS)
    return model, st, full


def test_space_time_graph_structure():
    _, st, _ = setup()
    assert st.num_nodes == T * N and st.x.shape == (T * N, 3)
    t, node = from_vertex(torch.arange(T * N), N)
    assert torch.equal(to_vertex(t, node, N), torch.arange(T * N))
    time_edges = st.edge_type == 0
    src_t, _ = from_vertex(st.edge_index[0, time_edges], N)
    dst_t, _ = from_vertex(st.edge_index[1, time_edges], N)
    assert ((dst_t - src_t >= 0) & (dst_t - src_t < 3)).all()  # banded: b = 3 per vertex
    assert int(time_edges.sum()) == int((banded(T, 3).matrix != 0).sum()) * N
    coo = space_time_graph(graph_of_setup().transformed_adjacency(banded(T, 3), dtype=torch.float64,
                                                                  **OPTIONS), banded(T, 3))
    assert torch.equal(coo.edge_index, st.edge_index) and torch.equal(coo.edge_type, st.edge_type)
    torch.testing.assert_close(coo.edge_weight, st.edge_weight)


def test_without_time_edges_the_graph_holds_transformed_features():
    _, st, _ = setup(time_edges=False)
    _, with_time, _ = setup()
    assert st.x_is_transformed and bool((st.edge_type == 1).all())
    assert st.num_edges == int((with_time.edge_type == 1).sum())
    torch.testing.assert_close(st.x, banded(T, 3).apply(with_time.x.view(T, N, -1)).view(T * N, -1))


@pytest.mark.parametrize("time_edges", [True, False])
@pytest.mark.parametrize("weights", ["shared", "per_snapshot"])
def test_whole_space_time_graph_gives_the_full_batch_output(weights, time_edges):
    model, st, full = setup(weights, time_edges=time_edges)
    torch.testing.assert_close(space_time_forward(model, st), full)


@pytest.mark.parametrize("time_edges", [True, False])
@pytest.mark.parametrize("num_layers", [1, 2])
def test_neighbor_loader_with_full_fan_out_is_exact(num_layers, time_edges):
    pytest.importorskip("torch_sparse")
    from torch_geometric.loader import NeighborLoader

    model, st, full = setup(num_layers=num_layers, time_edges=time_edges)
    loader = NeighborLoader(st, num_neighbors=[-1] * num_hops(model, time_edges), batch_size=7,
                            shuffle=True,
                            input_nodes=torch.arange(T * N))
    seen = 0
    for batch in loader:
        out = space_time_forward(model, batch)[: batch.batch_size]
        torch.testing.assert_close(out, full[batch.n_id[: batch.batch_size]])
        seen += batch.batch_size
    assert seen == T * N


def test_rejects_complex_transforms():
    from pyg_tensorgcn.mprod import dft

    with pytest.raises(ValueError, match="needs a real transform"):
        space_time_graph(torch.eye(2).expand(3, 2, 2).to_sparse(), dft(3))

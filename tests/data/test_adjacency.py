import pytest
import torch

from pyg_tensorgcn.data import (
    DynamicGraph,
    add_self_loops,
    edge_life,
    gcn_normalize,
    symmetrize,
    temporal_adjacency,
)
from pyg_tensorgcn.mprod import banded, dct

T, N = 6, 5


@pytest.fixture
def graph():
    g = torch.Generator().manual_seed(1)
    E = 30
    edge_index = torch.randint(N, (2, E), generator=g)
    edge_index[:, :3] = torch.tensor([[0, 0, 0], [1, 1, 1]])  # a repeated edge
    edge_time = torch.randint(T, (E,), generator=g)
    edge_time[:3] = 2
    return DynamicGraph(edge_index=edge_index, edge_time=edge_time, num_nodes=N, num_snapshots=T)


def dense_counts(graph):
    A = torch.zeros(T, N, N, dtype=torch.float64)
    for (i, j), t in zip(graph.edge_index.T.tolist(), graph.edge_time.tolist()):
        A[t, i, j] += 1
    return A


def dense_pipeline(A, life):
    B = (A + A.transpose(1, 2)) / 2
    B = torch.stack([B[max(0, t - life + 1): t + 1].sum(0) for t in range(T)])
    B = B + torch.eye(N, dtype=A.dtype)
    d = B.sum(2).pow(-0.5)
    return d.unsqueeze(2) * B * d.unsqueeze(1)


def test_counts(graph):
    A = temporal_adjacency(graph.edge_index, graph.edge_time, T, N, dtype=torch.float64)
    assert A.is_sparse and A.is_coalesced()
    torch.testing.assert_close(A.to_dense(), dense_counts(graph))
    assert A.to_dense()[2, 0, 1] >= 3


def test_each_step_against_dense(graph):
    A = temporal_adjacency(graph.edge_index, graph.edge_time, T, N, dtype=torch.float64)
    D = A.to_dense()
    torch.testing.assert_close(symmetrize(A).to_dense(), (D + D.transpose(1, 2)) / 2)
    summed = torch.stack([D[max(0, t - 2): t + 1].sum(0) for t in range(T)])
    torch.testing.assert_close(edge_life(A, 3).to_dense(), summed)
    torch.testing.assert_close(edge_life(A, 1).to_dense(), D)
    torch.testing.assert_close(add_self_loops(A).to_dense(), D + torch.eye(N, dtype=D.dtype))
    rows = D.sum(2)
    scale = torch.where(rows > 0, rows.pow(-0.5), 0.0)
    expected = scale.unsqueeze(2) * D * scale.unsqueeze(1)
    torch.testing.assert_close(gcn_normalize(A).to_dense(), expected)


def test_paper_pipeline_and_transform(graph):
    A = graph.adjacency(symmetrize=True, edge_life=4, self_loops=True, normalize=True,
                        dtype=torch.float64)
    expected = dense_pipeline(dense_counts(graph), 4)
    torch.testing.assert_close(A.to_dense(), expected)
    for M in (banded(T, 3), dct(T)):
        hat = graph.transformed_adjacency(M, symmetrize=True, edge_life=4, self_loops=True,
                                          normalize=True, dtype=torch.float64)
        torch.testing.assert_close(hat.to_dense(), torch.einsum("tk,kij->tij", M.matrix, expected))


def test_weighted_adjacency_uses_edge_weight(graph):
    graph.edge_weight = torch.arange(graph.num_events, dtype=torch.float)
    dense = torch.zeros(T, N, N)
    dense.index_put_((graph.edge_time, *graph.edge_index), graph.edge_weight, accumulate=True)
    torch.testing.assert_close(graph.adjacency().to_dense(), dense)
    torch.testing.assert_close(graph.adjacency(weighted=False).to_dense(),
                               dense_counts(graph).float())


def test_bad_edge_life():
    A = torch.zeros(2, 2, 2).to_sparse()
    with pytest.raises(ValueError, match="edge_life must be a positive int, got 0"):
        edge_life(A, 0)

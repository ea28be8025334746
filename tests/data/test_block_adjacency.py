import itertools

import pytest
import torch

from pyg_tensorgcn.data import BlockAdjacency, DynamicGraph, transformed_block_adjacency
from pyg_tensorgcn.mprod import banded, dct, dft, identity, m_transform, matrix

T, N = 9, 6


@pytest.fixture
def graph():
    g = torch.Generator().manual_seed(3)
    E = 70
    edge_index = torch.randint(N, (2, E), generator=g)
    edge_index[:, :4] = torch.tensor([[2, 2, 3, 3], [2, 2, 1, 1]])  # loop events, repeats
    return DynamicGraph(edge_index=edge_index, edge_time=torch.randint(T, (E,), generator=g),
                        edge_weight=torch.rand(E, generator=g, dtype=torch.float64),
                        num_nodes=N, num_snapshots=T)


# Row ranges that do not move forward monotonically: row 2 reaches back to column 0,
# row 4 forward to column 7 (the builder widens them and stores explicit zeros).
IRREGULAR = torch.eye(T, dtype=torch.float64) * 2
IRREGULAR[2, 0], IRREGULAR[4, 7] = 0.5, -0.25
TRANSFORMS = [banded(T, 3), banded(T, 4, weights="harmonic"), banded(T, 2, weights="sum"),
              dct(T), dft(T), identity(T), matrix(IRREGULAR)]
OPTIONS = [dict(zip(["symmetrize", "edge_life", "self_loops", "normalize", "weighted"], values))
           for values in itertools.product([False, True], [1, 3], [False, True], [False, True],
                                           [False, True])]


@pytest.mark.parametrize("transform", TRANSFORMS, ids=repr)
def test_equals_the_sparse_transform_of_the_preprocessed_tensor(graph, transform):
    """The streamed slices equal A x_3 M with A from the step-by-step COO pipeline,
    for every transform and every combination of the preprocessing options."""
    for options in OPTIONS:
        expected = m_transform(graph.adjacency(**options, dtype=torch.float64), transform)
        block = graph.block_adjacency(transform, **options, dtype=torch.float64)
        torch.testing.assert_close(block.to_coo().to_dense(), expected.to_dense(),
                                   msg=lambda m, o=options: f"{o}: {m}")


def test_csr_structure_and_symmetry(graph):
    block = graph.block_adjacency(banded(T, 3), symmetrize=True, edge_life=2, self_loops=True,
                                  normalize=True)
    assert block.symmetric and block.crow.dtype == block.col.dtype == torch.int32
    dense = block.csr().to_dense()
    torch.testing.assert_close(dense, dense.T)
    torch.testing.assert_close(block.csr(transposed=True).to_dense(), dense.T)
    rows = block.rows()
    assert torch.all(rows // N == block.col.long() // N)  # block diagonal
    keys = rows * T * N + block.col.long()
    assert torch.all(keys[1:] > keys[:-1])  # row-major, no duplicates
    directed = graph.block_adjacency(banded(T, 3), edge_life=2)
    assert not directed.symmetric
    torch.testing.assert_close(directed.csr(transposed=True).to_dense(), directed.csr().to_dense().T)


def test_coo_round_trip(graph):
    coo = graph.transformed_adjacency(dct(T), symmetrize=True, self_loops=True)
    block = BlockAdjacency.from_coo(coo)
    assert torch.equal(block.to_coo().indices(), coo.indices())
    torch.testing.assert_close(block.to_coo().values(), coo.values())


def test_progress_bar_and_float32(graph, capsys):
    block = graph.block_adjacency(banded(T, 3), normalize=True, self_loops=True, progress=True)
    assert block.values.dtype == torch.float32
    assert "M-transform" in capsys.readouterr().err


def test_learnable_transform_keeps_gradients(graph):
    M = matrix(torch.eye(T) + torch.tril(torch.rand(T, T)) * 0.1, learnable=True)
    block = graph.block_adjacency(M, symmetrize=True, self_loops=True, normalize=True)
    block.values.sum().backward()
    assert M.weight.grad is not None and M.weight.grad.abs().sum() > 0


@pytest.mark.parametrize("change, message", [
    ({"edge_time": torch.full((3,), T)}, "edge_time must lie in"),
    ({"edge_index": torch.tensor([[0, 1, N], [1, 2, 0]])}, "edge_index must lie in"),
    ({"edge_index": torch.zeros(3, 3, dtype=torch.long)}, "edge_index must have shape"),
    ({"edge_time": torch.zeros(2, dtype=torch.long)}, "edge_time must have shape"),
    ({"edge_weight": torch.ones(5)}, "edge_weight must have shape"),
    ({"edge_life": 0}, "edge_life must be a positive int"),
])
def test_bad_input(change, message):
    arguments = {"edge_index": torch.tensor([[0, 1, 2], [1, 2, 0]]),
                 "edge_time": torch.tensor([0, 1, 2]), "edge_weight": None, "edge_life": 1}
    arguments.update(change)
    with pytest.raises(ValueError, match=message):
        transformed_block_adjacency(arguments["edge_index"], arguments["edge_time"], N, banded(T, 2),
                                    arguments["edge_weight"], edge_life=arguments["edge_life"])


def test_block_adjacency_checks_its_parts():
    with pytest.raises(ValueError, match="expected crow of shape"):
        BlockAdjacency(torch.zeros(4, dtype=torch.int32), torch.zeros(0, dtype=torch.int32),
                       torch.zeros(0), num_snapshots=2, num_nodes=2)

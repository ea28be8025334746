import itertools

import pytest
import torch

import pyg_tensorgcn.data.block_product as product
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


def _random_slices(compact: bool, symmetric: bool, dtype: torch.dtype) -> torch.Tensor:
    """A dense (T, 12, 12) tensor: entries from nodes 0-3 to nodes 2-5 (most rows and
    columns empty: the block gets a compact structure), or between all nodes."""
    g = torch.Generator().manual_seed(0)
    entries, sources, targets = (8, range(4), range(2, 6)) if compact else (40, range(12), range(12))
    dense = torch.zeros(T, 12, 12, dtype=dtype)
    t = torch.randint(T, (T * entries,), generator=g)
    i, j = (torch.tensor(nodes)[torch.randint(len(nodes), (T * entries,), generator=g)]
            for nodes in (sources, targets))
    dense[t, i, j] = torch.randn(T * entries, generator=g, dtype=dtype)
    return dense + dense.transpose(1, 2) if symmetric else dense


@pytest.fixture(params=["one block", "a block per snapshot"])
def blocks(request, monkeypatch):
    """The product in one block, or (the CPU's at scale) in blocks of whole snapshots,
    here one snapshot each."""
    if request.param != "one block":
        monkeypatch.setattr(product, "BLOCK_BYTES", 1)
    return request.param


@pytest.mark.parametrize("compact", [True, False])
@pytest.mark.parametrize("symmetric", [False, True])
@pytest.mark.parametrize("dtype", [torch.float64, torch.complex128])
@pytest.mark.parametrize("features", [(3, 2), (2, 3), None])
def test_matmul_equals_the_dense_product_and_its_gradients(compact, symmetric, dtype, features,
                                                           blocks):
    """A_t Z_t (W) and its gradients in the values, Z and W equal dense autograd, with and
    without the compact structure (which a graph with mostly empty rows gets), in one
    block and in many."""
    dense = _random_slices(compact, symmetric, dtype)
    block = BlockAdjacency.from_coo(dense.to_sparse(), symmetric=symmetric)
    assert (block.rows_used is not None) == compact
    if compact:
        assert torch.equal(block.rows_used, (dense.abs().sum(2) > 0).flatten().nonzero()[:, 0])
        assert torch.equal(block.cols_used, (dense.abs().sum(1) > 0).flatten().nonzero()[:, 0])
    f_in, f_out = features or (3, 3)
    z = torch.randn(T, 12, f_in, dtype=torch.float64, requires_grad=True)
    weight = torch.randn(f_in, f_out, dtype=torch.float64, requires_grad=True)
    block.values.requires_grad_(True)

    out = block.matmul(z, weight if features else None)
    expected = dense.to_sparse().to_dense().requires_grad_(True)
    reference = expected @ z.to(dtype)
    reference = reference @ weight.to(dtype) if features else reference
    torch.testing.assert_close(out, reference)
    grad = torch.randn_like(out)
    inputs = (block.values, z, weight) if features else (block.values, z)
    grads = torch.autograd.grad(out, inputs, grad)
    expected_grads = torch.autograd.grad(reference, (expected, *inputs[1:]), grad)
    mask = dense != 0
    torch.testing.assert_close(grads[0], expected_grads[0][mask])
    for got, want in zip(grads[1:], expected_grads[1:]):
        torch.testing.assert_close(got, want.real if not got.is_complex() else want)


@pytest.mark.parametrize("compact", [True, False])
@pytest.mark.parametrize("transform", [banded(T, 3, method="window"), banded(T, 3, method="dense"),
                                       dct(T)], ids=["window", "dense", "dct"])
@pytest.mark.parametrize("weight_first", [True, False])
def test_matmul_transforms_the_features_it_reads(compact, transform, weight_first, blocks):
    """With a transform, the product is A_t (Z x_3 M)_t W (a compact structure reads only
    some rows of the transform, by apply_rows), gradients included."""
    dense = _random_slices(compact, symmetric=False, dtype=torch.float64)
    block = BlockAdjacency.from_coo(dense.to_sparse())
    f_in, f_out = (4, 1) if weight_first else (2, 3)
    z = torch.randn(T, 12, f_in, dtype=torch.float64, requires_grad=True)
    weight = torch.randn(f_in, f_out, dtype=torch.float64, requires_grad=True)
    out = block.matmul(z, weight, transform=transform)
    reference = dense @ transform.apply(z) @ weight
    torch.testing.assert_close(out, reference)
    grad = torch.randn_like(out)
    for got, want in zip(torch.autograd.grad(out, (z, weight), grad),
                         torch.autograd.grad(reference, (z, weight), grad)):
        torch.testing.assert_close(got, want)


def test_matmul_of_an_empty_matrix():
    block = BlockAdjacency.from_coo(torch.zeros(T, N, N).to_sparse())
    assert block.rows_used is not None and block.rows_used.numel() == 0
    z = torch.randn(T, N, 3, requires_grad=True)
    out = block.matmul(z, torch.randn(3, 2))
    assert out.shape == (T, N, 2) and not out.any()
    out.sum().backward()
    assert not z.grad.any()

import re
from pathlib import Path

import pytest
import torch

import pyg_tensorgcn.nn.tmgcn_conv as tmgcn_conv
from pyg_tensorgcn.data import BlockAdjacency
from pyg_tensorgcn.mprod import banded
from pyg_tensorgcn.nn import EdgeClassifier, LinkPredictor, TensorGCN, tmgcn_norm

from .test_tmgcn_conv import F_IN, N, T, random_graph


def test_stack_equals_its_layers_composed_in_the_transform_domain():
    M = banded(T, 3)
    model = TensorGCN(F_IN, 8, 4, num_layers=3, transform=M, act="tanh", inverse=True,
                      symmetrize=True)
    edge_index, edge_time = random_graph(seed=2)
    x = torch.randn(T, N, F_IN)
    block = tmgcn_norm(edge_index, edge_time, N, M, symmetrize=True)
    first, middle, last = model.convs
    h = torch.tanh(first(x, block))
    h = torch.tanh(middle(h, block, x_is_transformed=True))
    expected = last(h, block, x_is_transformed=True)
    assert not first.inverse and last.inverse
    torch.testing.assert_close(model(x, edge_index, edge_time), expected)


def test_adjacency_is_transformed_once_per_forward(monkeypatch):
    calls = []
    original = tmgcn_conv.tmgcn_norm
    monkeypatch.setattr(tmgcn_conv, "tmgcn_norm", lambda *a, **k: calls.append(1) or original(*a, **k))
    model = TensorGCN(F_IN, 8, 4, num_layers=3, num_snapshots=T, bandwidth=2)
    edge_index, edge_time = random_graph()
    model(torch.randn(T, N, F_IN), edge_index, edge_time)
    assert len(calls) == 1
    assert all(conv.transform is model.convs[0].transform for conv in model.convs)


def test_lazy_transform_is_shared_by_every_layer():
    model = TensorGCN(F_IN, 8, 4, num_layers=2, transform="dct")
    edge_index, edge_time = random_graph()
    model(torch.randn(T, N, F_IN), edge_index, edge_time)
    assert model.convs[0].transform is model.convs[1].transform
    assert "dct(T=5)" in repr(model)


def test_dft_needs_one_layer():
    with pytest.raises(ValueError, match="complex, where the activation"):
        TensorGCN(2, 4, 4, num_layers=2, transform="dft")


def test_edge_classifier_reference_head():
    z = torch.randn(T, N, 6)
    index = torch.tensor([[0, 1, 2], [3, 4, 5]])
    time = torch.tensor([0, 4, 2])
    head = EdgeClassifier(6, 3)
    expected = torch.cat([z[time, index[0]], z[time, index[1]]], -1) @ head.net.weight.T + head.net.bias
    torch.testing.assert_close(head(z, index, time), expected)
    assert EdgeClassifier(6, 3, hidden_channels=16)(z, index, time).shape == (3, 3)


@pytest.mark.parametrize("scorer", ["concat", "hadamard", "dot"])
def test_link_predictor_scorers(scorer):
    z = torch.randn(T, N, 6)
    index = torch.tensor([[0, 1], [3, 4]])
    time = torch.tensor([1, 3])
    head = LinkPredictor(6, scorer)
    src, dst = z[time, index[0]], z[time, index[1]]
    if scorer == "dot":
        expected = (src * dst).sum(-1)
    else:
        features = torch.cat([src, dst], -1) if scorer == "concat" else src * dst
        expected = (features @ head.lin.weight.T + head.lin.bias).squeeze(-1)
    torch.testing.assert_close(head(z, index, time), expected)


def test_head_errors():
    z = torch.randn(T, N, 6)
    with pytest.raises(ValueError, match=r"edge_label_time must lie in \[0, 5\), got values in \[9, 9\]"):
        EdgeClassifier(6, 2)(z, torch.tensor([[0], [1]]), torch.tensor([9]))
    with pytest.raises(ValueError, match=r"edge_label_index must have shape \(2, E\)"):
        LinkPredictor(6)(z, torch.tensor([0, 1]), torch.tensor([0]))
    with pytest.raises(ValueError, match="scorer must be"):
        LinkPredictor(6, "cosine")


def test_block_adjacency_to_keeps_index_dtype():
    block = tmgcn_norm(*random_graph(), N, banded(T, 2))
    moved = block.to(torch.float64)
    assert isinstance(moved, BlockAdjacency) and moved.values.dtype == torch.float64
    assert moved.crow.dtype == torch.int32 and block.values.dtype == torch.float32


def test_readme_training_loop_learns_well_above_chance():
    """Runs the README's training example verbatim (so it cannot rot)."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    code = re.search(r"<!-- training-example -->\n```python\n(.*?)```", readme, re.S).group(1)
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)
    assert scope["balanced_accuracy"] > 0.75  # chance is 0.5


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("weights", ["shared", "per_snapshot"])
def test_precomputed_aggregation_gives_the_same_output(num_layers, weights):
    model = TensorGCN(F_IN, 8, 5, num_layers=num_layers, num_snapshots=T, bandwidth=2,
                      weights=weights, symmetrize=True, inverse=True)
    edge_index, edge_time = random_graph(seed=4)
    x = torch.randn(T, N, F_IN)
    block = tmgcn_norm(edge_index, edge_time, N, model.convs[0].transform, symmetrize=True)
    h = model.aggregate(x, block)
    torch.testing.assert_close(model(h, block, x_is_aggregated=True), model(x, block))


@pytest.mark.parametrize("num_layers", [1, 2, 3])
@pytest.mark.parametrize("weights", ["shared", "per_snapshot"])
@pytest.mark.parametrize("symmetrize", [False, True])
def test_readout_equals_the_rows_of_the_full_output_and_their_gradients(num_layers, weights,
                                                                        symmetrize):
    """readout() computes every layer only at the rows the next one reads: its output
    and its parameter gradients equal those of the full forward pass at those rows."""
    torch.manual_seed(0)
    model = TensorGCN(F_IN, 8, 5, num_layers=num_layers, num_snapshots=T, bandwidth=2,
                      weights=weights, symmetrize=symmetrize, act="tanh")
    edge_index, edge_time = random_graph(seed=5)
    block = tmgcn_norm(edge_index, edge_time, N, model.convs[0].transform,
                       symmetrize=symmetrize, add_self_loops=False)
    h = model.aggregate(torch.randn(T, N, F_IN), block)
    rows = torch.tensor([1, 9, 10, 22, T * N - 1])
    plan = model.readout_plan(block, rows)
    assert len(plan) == num_layers - 1
    if plan:  # the lower layers need more rows, but not all of them
        assert plan[0].cols.numel() < T * N
    out = model.readout(h, rows, plan)
    expected = model(h, block, x_is_aggregated=True).reshape(T * N, -1)[rows]
    torch.testing.assert_close(out, expected)
    grad = torch.randn_like(out)
    parameters = list(model.parameters())
    torch.testing.assert_close(torch.autograd.grad(out, parameters, grad),
                               torch.autograd.grad(expected, parameters, grad))


def test_restrict_checks_its_rows():
    block = tmgcn_norm(*random_graph(), N, banded(T, 2))
    for rows in (torch.tensor([3, 1]), torch.tensor([0, T * N]), torch.tensor([[1]])):
        with pytest.raises(ValueError, match="rows must be sorted, distinct block rows"):
            block.restrict(rows)
    with pytest.raises(ValueError, match="expected z of shape"):
        block.restrict(torch.tensor([1, 2])).matmul(torch.ones(T * N, 2))
    model = TensorGCN(F_IN, 8, 5, num_layers=2, num_snapshots=T, inverse=True)
    with pytest.raises(ValueError, match="undefined with inverse=True"):
        model.readout(torch.ones(T, N, F_IN), torch.tensor([0]), [])

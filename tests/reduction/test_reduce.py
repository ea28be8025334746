import pytest
import torch

from pyg_tensorgcn.mprod import dct
from pyg_tensorgcn.nn import TNN, images_to_tensor
from pyg_tensorgcn.reduction import ResidualNet, reduce


@pytest.fixture
def residual_net():
    torch.manual_seed(0)
    return ResidualNet(10, 12, 3, num_layers=3, h=0.5).double(), torch.randn(64, 10, dtype=torch.float64)


@pytest.mark.parametrize("method", ["deim", "qdeim"])
def test_full_width_reproduces_the_residual_network(residual_net, method):
    model, x = residual_net
    reduced, reports = reduce(model, x, m=12, method=method)
    torch.testing.assert_close(reduced(x), model(x))
    assert len(reports) == 3 and all(r.output_error < 1e-10 for r in reports)
    assert all(sorted(r.indices) == list(range(12)) for r in reports)


def test_fewer_terms_approximate_and_cost_less(residual_net):
    model, x = residual_net
    reduced, reports = reduce(model, x, m=6)
    report = reports[0]
    assert report.flops_after < report.flops_before and report.m == 6
    assert len(report.singular_values) == 12 and report.error_constant >= 1
    assert 0 < report.output_error < 0.5
    relative = torch.linalg.norm(reduced(x) - model(x)) / torch.linalg.norm(model(x))
    assert relative < 0.5
    assert model.layers[0].__class__.__name__ == "ResidualLayer"  # the original is untouched


@pytest.mark.parametrize("stable", [False, True])
def test_full_width_reproduces_the_tnn(stable):
    torch.manual_seed(0)
    n = 4
    model = TNN(n, 3, dct(n), num_layers=2, stable=stable, h=0.5).double()
    A = images_to_tensor(torch.randn(40, n, n, dtype=torch.float64))
    reduced, reports = reduce(model, A, m=n * n)
    torch.testing.assert_close(reduced(A), model(A))
    assert len(reports) == 2 and max(r.output_error for r in reports) < 1e-8
    partial, _ = reduce(model, A, m=8)
    assert partial(A).shape == (40, 3)


def test_reduce_rejects_other_models_and_bad_m(residual_net):
    model, x = residual_net
    with pytest.raises(ValueError, match=r"m must lie in \[1, 12\], got 13"):
        reduce(model, x, m=13)
    with pytest.raises(ValueError, match="supports ResidualNet and TNN models, got Linear"):
        reduce(torch.nn.Linear(3, 3), x, m=2)
    with pytest.raises(ValueError, match="method must be 'deim' or 'qdeim'"):
        reduce(model, x, m=2, method="svd")

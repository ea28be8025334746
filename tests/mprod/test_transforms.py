import math

import pytest
import torch

from pyg_tensorgcn.mprod import banded, dct, dft, matrix

from .reference import TRANSFORMS, T, mode_product


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_apply_and_inverse_match_the_matrix(M, dim):
    shape = [3, 4, 5]
    shape[dim] = T
    x = torch.randn(*shape, dtype=torch.float64)
    mat = M.matrix.detach()
    assert mat.shape == (T, T)
    torch.testing.assert_close(M.apply(x, dim=dim), mode_product(mat, x, dim))
    inv = torch.linalg.inv(mat.to(torch.complex128 if mat.is_complex() else torch.float64))
    torch.testing.assert_close(M.inverse(x, dim=dim), mode_product(inv, x, dim))
    roundtrip = M.inverse(M.apply(x, dim=dim), dim=dim)
    torch.testing.assert_close(roundtrip.real if roundtrip.is_complex() else roundtrip, x)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_dtype_is_preserved(M, dtype):
    x = torch.randn(T, 3, dtype=dtype)
    out = M.apply(x)
    assert out.dtype == (torch.complex64 if dtype == torch.float32 else torch.complex128) \
        if M.is_complex else out.dtype == dtype
    assert M.inverse(x).real.dtype == dtype


@pytest.mark.parametrize("b", [1, 3, 20])
def test_banded_is_the_protocol_matrix(b):
    Tb = 25
    mat = banded(Tb, b).matrix
    for t in range(Tb):
        for k in range(Tb):
            expected = 1 / min(t + 1, b) if t - b < k <= t else 0.0
            assert mat[t, k].item() == pytest.approx(expected)
    torch.testing.assert_close(mat.sum(1), torch.ones(Tb, dtype=torch.float64))
    harmonic = banded(Tb, b, weights="harmonic").matrix
    t, k = 10, 10 - min(b, 3) + 1
    assert harmonic[t, k].item() == pytest.approx(1 / (t - k + 1))
    assert harmonic[t, t - b].item() == 0.0
    window_sum = banded(Tb, b, weights="sum").matrix
    torch.testing.assert_close(window_sum, torch.tril(torch.ones(Tb, Tb)).triu(-b + 1).double())


@pytest.mark.parametrize("weights", ["mean", "sum", "harmonic"])
@pytest.mark.parametrize("T, b", [(200, 20), (300, 4), (6, 9)])  # 300: the window is re-summed
def test_banded_paths_agree(weights, T, b):
    x = torch.randn(T, 5, 2, dtype=torch.float64)
    dense = banded(T, b, weights, method="dense").apply(x)
    methods = ["banded"] if weights == "harmonic" else ["banded", "window"]
    for method in methods:
        M = banded(T, b, weights, method=method)
        torch.testing.assert_close(M.apply(x), dense)
        torch.testing.assert_close(M.apply(x.transpose(0, 1), dim=1), dense.transpose(0, 1))
        rows = torch.arange(0, T * 5, 3)
        torch.testing.assert_close(M.apply_rows(x, rows), dense.flatten(0, 1)[rows])


@pytest.mark.parametrize("rows", [None, torch.tensor([0, 4, 5, 9, 13])])
def test_window_path_gradients(rows):
    """The window path's backward (the window run backwards) against finite differences,
    for the whole transform and for some rows of it."""
    M = banded(7, 3, method="window")
    x = torch.randn(7, 2, 2, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(M.apply if rows is None else lambda x: M.apply_rows(x, rows), (x,))


def test_auto_picks_the_window_for_large_slices_then_the_band_for_long_tubes():
    large, small = torch.zeros(64, 4096), torch.zeros(64, 8)
    assert banded(64, 20).path(large) == "window"
    assert banded(64, 20, weights="harmonic").path(large) == "dense"
    assert banded(64, 20).path(small) == "dense"
    assert banded(1024, 20).path(torch.zeros(1024, 8)) == "banded"


def test_apply_rows_of_every_transform(M):
    x = torch.randn(T, 4, 3, dtype=torch.float64)
    rows = torch.tensor([0, 3, 4, 10, 4 * T - 1])
    torch.testing.assert_close(M.apply_rows(x, rows), M.apply(x).flatten(0, 1)[rows])


def test_orthogonal_scale():
    assert dct(T).orthogonal_scale == 1.0
    assert dft(T).orthogonal_scale == pytest.approx(math.sqrt(T))
    assert TRANSFORMS["matrix-orthogonal"].orthogonal_scale == pytest.approx(3.0)
    assert banded(T, 3).orthogonal_scale is None
    assert TRANSFORMS["matrix"].orthogonal_scale is None


def test_repr():
    assert repr(banded(135, 20)) == "banded(T=135, b=20)"
    assert repr(banded(9, 2, weights="harmonic")) == "banded(T=9, b=2, weights='harmonic')"
    assert repr(dct(4)) == "dct(T=4)"


def test_learnable_matrix_is_a_parameter_with_gradients():
    M = matrix(torch.eye(4) + 0.1 * torch.randn(4, 4), learnable=True)
    assert [name for name, _ in M.named_parameters()] == ["weight"]
    M.apply(torch.randn(4, 3)).sum().backward()
    assert M.weight.grad is not None and M.weight.grad.abs().sum() > 0


def test_module_apply_with_a_function_still_recurses():
    seen = []
    dct(3).apply(lambda module: seen.append(type(module).__name__))
    assert seen == ["DCTTransform"]


def test_to_moves_buffers():
    M = banded(5, 2).to(dtype=torch.float32)
    assert M.band.dtype == torch.float32 and M.matrix.dtype == torch.float32


@pytest.mark.parametrize(
    "bad, message",
    [
        (torch.ones(3, 4), r"square \(T, T\) tensor, got \(3, 4\)"),
        (torch.ones(2, 3, 3), r"got \(2, 3, 3\)"),
        (torch.ones(3, 3), r"singular or badly conditioned: condition number"),
        (torch.diag(torch.tensor([1.0, 1e-12])), r"condition number 1e\+12"),
    ],
)
def test_bad_matrix_is_rejected(bad, message):
    with pytest.raises(ValueError, match=message):
        matrix(bad)


def test_bad_arguments():
    with pytest.raises(ValueError, match="bandwidth must be a positive int, got 0"):
        banded(5, 0)
    with pytest.raises(ValueError, match="weights must be 'mean', 'harmonic' or 'sum'"):
        banded(5, 2, weights="median")
    with pytest.raises(ValueError, match=r"expects 5 snapshots along dim 0, got .* \(4, 2\)"):
        banded(5, 2).apply(torch.ones(4, 2))
    with pytest.raises(ValueError, match="dim=3 is out of range"):
        dct(5).apply(torch.ones(5, 2), dim=3)
    with pytest.raises(ValueError, match="method='window' needs rows constant on the band"):
        banded(5, 2, weights="harmonic", method="window")
    with pytest.raises(ValueError, match=r"rows must be sorted integer indices in \[0, 10\)"):
        banded(5, 2).apply_rows(torch.ones(5, 2, 3), torch.tensor([3, 1]))
    with pytest.raises(ValueError, match=r"rows must be sorted integer indices in \[0, 10\)"):
        banded(5, 2).apply_rows(torch.ones(5, 2, 3), torch.tensor([10]))
    with pytest.raises(ValueError, match=r"expected x of shape \(T, n, ...\), got \(5,\)"):
        banded(5, 2).apply_rows(torch.ones(5), torch.tensor([1]))

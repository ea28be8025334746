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


def test_banded_paths_agree_and_auto_picks_the_band_for_long_tubes():
    x = torch.randn(200, 6, dtype=torch.float64)
    fast, slow = banded(200, 20, method="banded"), banded(200, 20, method="dense")
    torch.testing.assert_close(fast.apply(x), slow.apply(x))
    assert banded(1024, 20).uses_band and not banded(128, 20).uses_band


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

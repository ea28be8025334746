import math

import pytest
import torch

from pyg_tensorgcn.reduction import deim, interpolate, pod, qdeim

x = torch.linspace(0, 1, 200, dtype=torch.float64)


def family(mu):
    """A smooth nonlinear parametrized function (the paper's kind of test function)."""
    return (1 - x) * torch.cos(3 * math.pi * mu * (x + 1)) * torch.exp(-(1 + x) * mu)


def snapshots(mus):
    return torch.stack([family(mu) for mu in mus], dim=1)


@pytest.mark.parametrize("method", [deim, qdeim])
@pytest.mark.parametrize("m", [4, 8, 12])
def test_interpolation_error_respects_the_deim_bound(method, m):
    U = pod(snapshots(torch.linspace(1, math.pi, 51).tolist()), rank=m).basis
    chosen = method(U)
    assert chosen.indices.shape == (m,) and len(set(chosen.indices.tolist())) == m
    assert chosen.error_constant >= 1.0
    for mu in (1.17, 2.05, 2.9):  # parameters not among the snapshots
        f = family(mu)
        error = torch.linalg.norm(f - interpolate(U, chosen.indices, f[chosen.indices]))
        projection_error = torch.linalg.norm(f - U @ (U.T @ f))
        assert error <= chosen.error_constant * projection_error * (1 + 1e-10)
        assert error >= projection_error * (1 - 1e-10)  # no interpolant beats the projection


def test_full_rank_interpolation_is_exact():
    A = torch.randn(6, 6, dtype=torch.float64)
    U = pod(A, rank=6).basis
    chosen = deim(U)
    f = torch.randn(6, dtype=torch.float64)
    torch.testing.assert_close(interpolate(U, chosen.indices, f[chosen.indices]), f)


def test_deim_picks_the_largest_entries_of_a_permuted_identity():
    U = torch.eye(5, dtype=torch.float64)[:, [3, 0, 4]]
    assert deim(U).indices.tolist() == [3, 0, 4]
    assert deim(U).error_constant == pytest.approx(1.0)


def test_pod_energy_and_errors():
    S = snapshots(torch.linspace(1, math.pi, 30).tolist())
    result = pod(S, energy=0.999)
    share = result.singular_values.pow(2).cumsum(0) / result.singular_values.pow(2).sum()
    k = result.basis.size(1)
    assert share[k - 1] >= 0.999 and share[k - 2] < 0.999  # the fewest that hold the energy
    with pytest.raises(ValueError, match="exactly one of rank= and energy="):
        pod(S)
    with pytest.raises(ValueError, match=r"rank must lie in \[1, 30\], got 31"):
        pod(S, rank=31)

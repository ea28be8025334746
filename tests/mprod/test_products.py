import pytest
import torch

from pyg_tensorgcn.mprod import (
    dft,
    facewise,
    identity,
    m_identity,
    m_inverse,
    m_inverse_transform,
    m_product,
    m_transform,
    m_transpose,
    tsvdm,
)

from .reference import TRANSFORMS, T, mode_product

ORTHOGONAL = [name for name, tr in TRANSFORMS.items() if tr.orthogonal_scale is not None]


def rand(*shape):
    return torch.randn(*shape, dtype=torch.float64)


def product_by_definition(A, B, M):
    """(A^ facewise B^) x_3 M^{-1}, every step an einsum over the dense matrix."""
    mat = M.matrix.detach()
    mat = mat.to(torch.complex128 if mat.is_complex() else torch.float64)
    hat = torch.einsum("tij,tjk->tik", mode_product(mat, A, 0), mode_product(mat, B, 0))
    out = mode_product(torch.linalg.inv(mat), hat, 0)
    return out.real if out.is_complex() else out


def test_m_product_matches_the_definition(M):
    A, B = rand(T, 3, 4), rand(T, 4, 2)
    C = m_product(A, B, M)
    assert C.shape == (T, 3, 2) and C.dtype == torch.float64
    torch.testing.assert_close(C, product_by_definition(A, B, M))


def test_associativity(M):
    A, B, C = rand(T, 2, 3), rand(T, 3, 4), rand(T, 4, 2)
    torch.testing.assert_close(
        m_product(m_product(A, B, M), C, M), m_product(A, m_product(B, C, M), M)
    )


def test_identity_tensor(M):
    A = rand(T, 3, 4)
    torch.testing.assert_close(m_product(m_identity(3, M, dtype=torch.float64), A, M), A)
    torch.testing.assert_close(m_product(A, m_identity(4, M, dtype=torch.float64), M), A)


def test_transpose_reverses_products(M):
    A, B = rand(T, 3, 4), rand(T, 4, 2)
    left = m_transpose(m_product(A, B, M), M)
    right = m_product(m_transpose(B, M), m_transpose(A, M), M)
    assert left.shape == (T, 2, 3)
    torch.testing.assert_close(left, right)


def test_inverse(M):
    A = rand(T, 3, 3) + 3 * torch.eye(3, dtype=torch.float64)
    eye = m_identity(3, M, dtype=torch.float64)
    torch.testing.assert_close(m_product(m_inverse(A, M), A, M), eye)
    torch.testing.assert_close(m_product(A, m_inverse(A, M), M), eye)


def test_identity_transform_gives_the_facewise_product():
    A, B = rand(T, 3, 4), rand(T, 4, 2)
    expected = torch.stack([A[t] @ B[t] for t in range(T)])
    torch.testing.assert_close(m_product(A, B, identity(T)), expected)
    torch.testing.assert_close(facewise(A, B), expected)


def test_dft_gives_the_t_product_by_circular_convolution():
    A, B = rand(T, 3, 4), rand(T, 4, 2)
    expected = torch.stack(
        [sum(A[k] @ B[(t - k) % T] for k in range(T)) for t in range(T)]
    )
    C = m_product(A, B, dft(T))
    assert not C.is_complex()
    torch.testing.assert_close(C, expected)


def test_dft_transpose_is_the_t_transpose():
    A = rand(T, 3, 4)
    expected = torch.cat([A[:1], A[1:].flip(0)]).transpose(1, 2)
    torch.testing.assert_close(m_transpose(A, dft(T)), expected)


@pytest.mark.parametrize("name", ORTHOGONAL)
@pytest.mark.parametrize("rank", [1, 2, 4])
def test_tsvdm_attains_the_eckart_young_error(name, rank):
    M = TRANSFORMS[name]
    A = rand(T, 5, 4)
    U, S, V = tsvdm(A, M, rank)
    assert U.shape == (T, 5, rank) and S.shape == (T, rank, rank) and V.shape == (T, 4, rank)
    assert not U.is_complex()
    approx = m_product(m_product(U, S, M), m_transpose(V, M), M)
    sigma = torch.linalg.svdvals(mode_product(M.matrix.detach(), A, 0))
    discarded = sigma[:, rank:].pow(2).sum().sqrt() / M.orthogonal_scale
    torch.testing.assert_close(torch.linalg.norm(A - approx), discarded)


def test_tsvdm_full_rank_reconstructs(M):
    A = rand(T, 4, 3)
    U, S, V = tsvdm(A, M, 3)
    torch.testing.assert_close(m_product(m_product(U, S, M), m_transpose(V, M), M), A)


def random_sparse(T_, n, nnz, dtype=torch.float64, seed=0):
    g = torch.Generator().manual_seed(seed)
    idx = torch.stack([torch.randint(0, s, (nnz,), generator=g) for s in (T_, n, n)])
    values = torch.rand(nnz, generator=g, dtype=dtype)
    return torch.sparse_coo_tensor(idx, values, (T_, n, n), check_invariants=True)


def test_sparse_transform_equals_the_dense_one(M):
    A = random_sparse(T, 6, 25)
    for forward, dense in ((m_transform, M.apply), (m_inverse_transform, M.inverse)):
        out = forward(A, M)
        assert out.is_sparse and out.is_coalesced()
        torch.testing.assert_close(out.to_dense(), dense(A.to_dense(), 0))


@pytest.mark.parametrize("method", ["auto", "banded", "dense"])
def test_sparse_banded_paths_agree_and_keep_the_band_sparse(method):
    from pyg_tensorgcn.mprod import banded

    M = banded(40, 5, method=method)
    A = random_sparse(40, 9, 300)
    torch.testing.assert_close(m_transform(A, M).to_dense(), M.apply(A.to_dense()))
    A = torch.sparse_coo_tensor(torch.tensor([[0], [1], [2]]), torch.tensor([1.0]), (10, 4, 4))
    out = m_transform(A, banded(10, 3, method=method))
    assert out.indices()[0].tolist() == [0, 1, 2]
    torch.testing.assert_close(out.values(), torch.tensor([1.0, 1 / 2, 1 / 3]))


def test_gradcheck_m_product(M):
    A = rand(T, 2, 3).requires_grad_()
    B = rand(T, 3, 2).requires_grad_()
    assert torch.autograd.gradcheck(lambda a, b: m_product(a, b, M), (A, B))


def test_gradcheck_sparse_transform(M):
    A = random_sparse(T, 5, 12).coalesce()
    values = A.values().clone().requires_grad_()

    def transformed(v):
        sparse = torch.sparse_coo_tensor(A.indices(), v, A.shape, is_coalesced=True)
        out = m_transform(sparse, M).to_dense()
        return torch.view_as_real(out) if out.is_complex() else out

    assert torch.autograd.gradcheck(transformed, (values,))


def test_learnable_matrix_gets_gradients_through_the_sparse_transform():
    from pyg_tensorgcn.mprod import matrix

    M = matrix(torch.eye(T, dtype=torch.float64), learnable=True)
    A = random_sparse(T, 5, 12)
    m_transform(A, M).to_dense().pow(2).sum().backward()
    # Off-diagonal entries of M are zero, yet they must receive gradients.
    assert (M.weight.grad - torch.diag(M.weight.grad.diagonal())).abs().sum() > 0


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda M: m_product(rand(T, 2, 3), rand(T + 1, 3, 2), M),
            r"got A \(7, 2, 3\) and B \(8, 3, 2\)",
        ),
        (
            lambda M: m_product(rand(T, 2, 3), rand(T, 4, 2), M),
            r"got A \(7, 2, 3\) and B \(7, 4, 2\)",
        ),
        (
            lambda M: m_product(rand(T, 2), rand(T, 2, 2), M),
            r"A must be a third-order tensor .* got \(7, 2\)",
        ),
        (
            lambda M: m_product(rand(5, 2, 2), rand(5, 2, 2), M),
            r"expects 7 snapshots .* \(5, 2, 2\)",
        ),
        (lambda M: m_inverse(rand(T, 2, 3), M), r"square slices \(T, n, n\), got \(7, 2, 3\)"),
        (lambda M: tsvdm(rand(T, 2, 3), M, 3), r"rank must be an int in \[1, 2\]"),
        (lambda M: m_transform(rand(T, 2, 2).to_sparse(1), M), r"3 sparse dimensions"),
    ],
)
def test_bad_input_names_the_shapes(call, message):
    with pytest.raises(ValueError, match=message):
        call(TRANSFORMS["banded"])

r"""The :math:`\star_M` product and its algebra (Kilmer, Horesh, Avron, Newman,
"Tensor-tensor algebra for optimal representation and compression of
multiway data", PNAS 2021).

Tensors are time first: a tensor of size :math:`n_1 \times n_2 \times T` has
shape ``(T, n1, n2)``. For an invertible :math:`M`,

.. math::
    \mathcal{A} \star_M \mathcal{B} =
    \big(\hat{\mathcal{A}} \triangle \hat{\mathcal{B}}\big) \times_3 M^{-1},
    \qquad \hat{\mathcal{A}} = \mathcal{A} \times_3 M,

where :math:`\triangle` multiplies matching frontal slices. Every function is
differentiable and keeps the dtype and device of its input. With the DFT the
transform domain is complex; results of real inputs are returned real.
"""
from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from .transforms import BandedTransform, MTransform

__all__ = [
    "TSVDM",
    "facewise",
    "m_identity",
    "m_inverse",
    "m_inverse_transform",
    "m_product",
    "m_transform",
    "m_transpose",
    "tsvdm",
]


def m_transform(A: Tensor, M: MTransform) -> Tensor:
    r"""The M-transform along time, :math:`\hat{\mathcal{A}} = \mathcal{A} \times_3 M`.

    Works on dense tensors of shape ``(T, ...)`` and on sparse COO tensors of
    shape ``(T, n1, n2)``; for the latter slice :math:`t` of the result is
    :math:`\sum_k M[t, k] A_k`, computed tube by tube over the union of the
    slices' sparsity patterns, or, for a :class:`BandedTransform`, by copying
    each non-zero into the :math:`b` slices it reaches when that is smaller
    (``method="banded"`` / ``"dense"`` forces either path). Both are
    vectorized and return a coalesced tensor.

    Args:
        A (Tensor): ``(T, ...)`` dense, or ``(T, n1, n2)`` sparse COO.
        M (MTransform): the transform.

    Returns:
        Tensor of the same shape and layout; complex for the DFT.

    Example:
        >>> from pyg_tensorgcn.mprod import banded, m_transform
        >>> A = torch.ones(3, 2, 2)
        >>> m_transform(A, banded(3, bandwidth=2))[:, 0, 0]
        tensor([1., 1., 1.])
    """
    if A.is_sparse:
        A = _check_sparse(A, M)
        if isinstance(M, BandedTransform) and _band_expansion_is_smaller(A, M):
            return _sparse_band_expand(A, M)
        return _sparse_tube_map(A, M)
    return M.apply(A, dim=0)


def m_inverse_transform(A: Tensor, M: MTransform) -> Tensor:
    r"""The inverse transform :math:`\mathcal{A} \times_3 M^{-1}`, dense or sparse
    COO, shapes as in :func:`m_transform`.

    The result stays complex for the DFT (a tensor in the transform domain need
    not come from a real one); take ``.real`` where you know it does.
    """
    if A.is_sparse:
        return _sparse_tube_map(_check_sparse(A, M), M, inverse=True)
    return M.inverse(A, dim=0)


def _check_sparse(A: Tensor, M: MTransform) -> Tensor:
    if A.layout != torch.sparse_coo or A.dim() != 3 or A.sparse_dim() != 3:
        raise ValueError(
            "expected a sparse COO tensor of shape (T, n1, n2) with 3 sparse "
            f"dimensions, got layout {A.layout} and shape {tuple(A.shape)}"
        )
    if not (A.dtype.is_floating_point or A.dtype.is_complex):
        raise ValueError(f"expected floating-point values, got dtype {A.dtype}")
    M._check_tubes(A, 0)
    return A.coalesce()


def _tube_keys(A: Tensor) -> Tensor:
    _, i, j = A.indices()
    return i * A.size(2) + j


def _band_expansion_is_smaller(A: Tensor, M: BandedTransform) -> bool:
    if M.method in ("banded", "dense"):
        return M.method == "banded"
    num_tubes = torch.unique(_tube_keys(A)).numel()
    return M.bandwidth * A._nnz() <= M.num_snapshots * num_tubes


def _sparse_band_expand(A: Tensor, M: BandedTransform) -> Tensor:
    """Banded M on a coalesced sparse tensor: non-zero (k, i, j) of A adds
    ``M[k + d, k] * A[k, i, j]`` to (k + d, i, j) for d < b, then duplicates sum."""
    T, n1, n2 = A.shape
    k = A.indices()[0]
    offsets = torch.arange(M.bandwidth, device=A.device)
    entry, offset = (k.unsqueeze(1) + offsets < T).nonzero(as_tuple=True)
    t = k[entry] + offset
    band = M.band.to(device=A.device, dtype=A.values().real.dtype)
    values = A.values()[entry] * band[t, offset]
    keys, position = torch.unique(t * (n1 * n2) + _tube_keys(A)[entry], return_inverse=True)
    summed = values.new_zeros(keys.numel()).index_add(0, position, values)
    indices = torch.stack([keys // (n1 * n2), keys // n2 % n1, keys % n2])
    return torch.sparse_coo_tensor(indices, summed, A.shape, is_coalesced=True, check_invariants=False)


def _sparse_tube_map(A: Tensor, M: MTransform, inverse: bool = False) -> Tensor:
    """Apply ``M`` (or its inverse) to every tube of a coalesced sparse ``(T, n1, n2)`` tensor.

    The tubes that hold a non-zero in any slice are gathered into a dense
    ``(T, U)`` matrix, mapped in one call (the transform picks its banded or
    dense path), and scattered back, dropping exact zeros unless ``M`` has
    learnable parameters (then every entry of a touched tube carries a gradient).
    """
    T, _, n2 = A.shape
    tubes, position = torch.unique(_tube_keys(A), return_inverse=True)
    dense = A.values().new_zeros(T, tubes.numel())
    dense = dense.index_put((A.indices()[0], position), A.values())
    mapped = M.inverse(dense, 0) if inverse else M.apply(dense, 0)
    learnable = any(p.requires_grad for p in M.parameters())
    keep = torch.ones_like(mapped, dtype=torch.bool) if learnable else mapped != 0
    out_t, out_u = keep.nonzero(as_tuple=True)
    key = tubes[out_u]
    indices = torch.stack([out_t, key // n2, key % n2])
    return torch.sparse_coo_tensor(
        indices, mapped[out_t, out_u], A.shape, is_coalesced=True, check_invariants=False
    )


def _check_third_order(name: str, A: Tensor) -> None:
    if not isinstance(A, Tensor) or A.dim() != 3:
        shape = tuple(A.shape) if isinstance(A, Tensor) else type(A).__name__
        raise ValueError(f"{name} must be a third-order tensor (T, n1, n2), got {shape}")


def _real_if_real(result: Tensor, *inputs: Tensor) -> Tensor:
    """Drop the (vanishing) imaginary part of a DFT result of real inputs."""
    if result.is_complex() and not any(x.is_complex() for x in inputs):
        return result.real
    return result


def _check_product_shapes(A: Tensor, B: Tensor) -> None:
    _check_third_order("A", A)
    _check_third_order("B", B)
    if A.size(0) != B.size(0) or A.size(2) != B.size(1):
        raise ValueError(
            "the product needs A (T, l, p) and B (T, p, m), "
            f"got A {tuple(A.shape)} and B {tuple(B.shape)}"
        )


def facewise(A: Tensor, B: Tensor) -> Tensor:
    r"""The facewise product :math:`\mathcal{A} \triangle \mathcal{B}`:
    ``C[t] = A[t] @ B[t]``.

    Shapes:
        ``(T, l, p)`` and ``(T, p, m)`` -> ``(T, l, m)``.
    """
    _check_product_shapes(A, B)
    if A.is_complex() != B.is_complex():
        A, B = (A.to(B.dtype), B) if B.is_complex() else (A, B.to(A.dtype))
    return torch.matmul(A, B)


def m_product(A: Tensor, B: Tensor, M: MTransform) -> Tensor:
    r"""The :math:`\star_M` product
    :math:`(\hat{\mathcal{A}} \triangle \hat{\mathcal{B}}) \times_3 M^{-1}`.

    Shapes:
        ``(T, l, p)`` and ``(T, p, m)`` -> ``(T, l, m)``.

    Example:
        >>> from pyg_tensorgcn.mprod import identity, m_product
        >>> A, B = torch.randn(4, 2, 3), torch.randn(4, 3, 5)
        >>> torch.allclose(m_product(A, B, identity(4)), A @ B)
        True
    """
    _check_product_shapes(A, B)
    product = facewise(M.apply(A), M.apply(B))
    return _real_if_real(M.inverse(product), A, B)


def m_transpose(A: Tensor, M: MTransform) -> Tensor:
    r"""The :math:`\star_M` transpose: the tensor whose transform-domain slices
    are the conjugate transposes :math:`\hat{A}_t^H`.

    For a real :math:`M` it is the facewise transpose; for the DFT it is the
    classical t-transpose (slices 1..T-1 also reversed).

    Shapes:
        ``(T, n1, n2)`` -> ``(T, n2, n1)``.
    """
    _check_third_order("A", A)
    if not M.is_complex:
        M._check_tubes(A, 0)
        return A.transpose(1, 2)
    return _real_if_real(M.inverse(M.apply(A).mH), A)


def m_identity(
    n: int,
    M: MTransform,
    *,
    dtype: torch.dtype | None = None,
    device: torch.device | str | None = None,
) -> Tensor:
    r"""The identity tensor :math:`\mathcal{I}` of :math:`\star_M`: every
    transform-domain slice is :math:`I_n`, so
    :math:`\mathcal{I} \star_M \mathcal{A} = \mathcal{A}`.

    Shapes:
        ``(T, n, n)``.
    """
    eye = torch.eye(n, dtype=dtype, device=device)
    hat = eye.expand(M.num_snapshots, n, n).contiguous()
    return _real_if_real(M.inverse(hat), hat)


def m_inverse(A: Tensor, M: MTransform) -> Tensor:
    r"""The :math:`\star_M` inverse: :math:`\mathcal{A}^{-1} \star_M \mathcal{A} = \mathcal{I}`,
    by inverting every transform-domain slice.

    Shapes:
        ``(T, n, n)`` -> ``(T, n, n)``.
    """
    _check_third_order("A", A)
    if A.size(1) != A.size(2):
        raise ValueError(f"m_inverse needs square slices (T, n, n), got {tuple(A.shape)}")
    return _real_if_real(M.inverse(torch.linalg.inv(M.apply(A))), A)


class TSVDM(NamedTuple):
    r"""Factors of :math:`\mathcal{A} \approx \mathcal{U} \star_M \mathcal{S}
    \star_M \mathcal{V}^\top` in the spatial domain: ``U`` (T, n1, k),
    ``S`` (T, k, k) f-diagonal, ``V`` (T, n2, k)."""

    U: Tensor
    S: Tensor
    V: Tensor


def tsvdm(A: Tensor, M: MTransform, rank: int) -> TSVDM:
    r"""The truncated t-SVDM: the SVD of every transform-domain slice, keeping
    the ``rank`` largest singular values of each.

    When :math:`M = c\,Q` with :math:`Q` orthogonal (``M.orthogonal_scale``) it
    is optimal (Eckart-Young): :math:`\|\mathcal{A} - \mathcal{A}_k\|_F =
    \frac{1}{c}\big(\sum_t \sum_{i > k} \hat{\sigma}_{t,i}^2\big)^{1/2}`.

    Args:
        A (Tensor): ``(T, n1, n2)``.
        M (MTransform): the transform.
        rank (int): :math:`1 \le k \le \min(n_1, n_2)`.

    Returns:
        :class:`TSVDM` ``(U, S, V)``; real for a real ``A``, the DFT included
        (the factors of conjugate slice pairs are kept conjugate).
    """
    _check_third_order("A", A)
    if not isinstance(rank, int) or not 1 <= rank <= min(A.shape[1:]):
        raise ValueError(
            f"rank must be an int in [1, {min(A.shape[1:])}] for A of shape "
            f"{tuple(A.shape)}, got {rank!r}"
        )
    U, S, Vh = torch.linalg.svd(M.apply(A), full_matrices=False)
    if M.is_complex:
        mirror = (-torch.arange(M.num_snapshots, device=A.device)) % M.num_snapshots
        upper = torch.arange(M.num_snapshots, device=A.device) > mirror
        U = torch.where(upper.view(-1, 1, 1), U[mirror].conj(), U)
        Vh = torch.where(upper.view(-1, 1, 1), Vh[mirror].conj(), Vh)
        S = torch.where(upper.view(-1, 1), S[mirror], S)
    U, S, Vh = U[..., :rank], S[..., :rank], Vh[..., :rank, :]
    S = torch.diag_embed(S).to(U.dtype)
    return TSVDM(
        *(_real_if_real(M.inverse(x), A) for x in (U, S, Vh.mH))
    )

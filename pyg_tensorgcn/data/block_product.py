r"""The sparse-dense product behind :meth:`BlockAdjacency.matmul`: one autograd
function for :math:`A (X W)` or :math:`(A X) W` and its gradients in :math:`X`,
:math:`W` and the values of :math:`A`, whose backward multiplies by a precomputed
transpose instead of differentiating through sparse operations.

On the CPU the product runs in blocks of whole snapshots (the matrix is block
diagonal, so a block of snapshots reads and writes only its own rows), each block's
features about :data:`BLOCK_BYTES`: its temporaries stay in the cache, and the
allocator recycles them instead of mapping (and page-faulting) fresh memory for
every product. Only the dense output and input gradient are allocated whole.
Other devices run one block.
"""
from __future__ import annotations

import warnings
from typing import NamedTuple

import torch
from torch import Tensor

warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta state")

# The most bytes of features (rows or columns of one block, times the widest feature
# dimension) a CPU block holds; glibc recycles freed blocks up to 32 MB instead of
# returning them to the kernel. benchmarks/bench_layer.py measures the effect.
BLOCK_BYTES = 8 * 2**20


class ProductStructure(NamedTuple):
    r"""The CSR structure of a block-diagonal sparse matrix and of its transpose, and
    where its snapshots' rows and columns begin.

    Attributes:
        crow, col: CSR structure over ``shape`` (local row and column indices).
        crow_t, col_t: the transpose's CSR structure.
        transposed_order: the transpose's entries, as positions among the matrix's
            (``None``: a symmetric matrix, the same order).
        shape: ``(rows, cols)``.
        row_bounds, col_bounds: the first row (column) of every snapshot, then
            ``rows`` (``cols``): a block of snapshots ``s0 .. s1 - 1`` is rows
            ``row_bounds[s0] .. row_bounds[s1] - 1`` times its columns.
        out_rows: the output row of every row (``None``: the same), among
        num_out_rows: output rows; the others are zero.
    """

    crow: Tensor
    col: Tensor
    crow_t: Tensor
    col_t: Tensor
    transposed_order: Tensor | None
    shape: tuple[int, int]
    row_bounds: list[int]
    col_bounds: list[int]
    out_rows: Tensor | None
    num_out_rows: int

    def csr(self, values: Tensor, transposed: bool = False) -> Tensor:
        """The whole matrix, or its conjugate transpose, with these ``values``."""
        if not transposed:
            return torch.sparse_csr_tensor(self.crow, self.col, values, self.shape,
                                           check_invariants=False)
        return torch.sparse_csr_tensor(self.crow_t, self.col_t, self.transposed_values(values),
                                       self.shape[::-1], check_invariants=False)

    def transposed_values(self, values: Tensor) -> Tensor:
        """The transpose's values: conjugated, in its order."""
        order = self.transposed_order
        return (values if order is None else values[order]).conj()

    def block(self, values: Tensor, rows: tuple[int, int], cols: tuple[int, int],
               transposed: bool = False) -> Tensor:
        """Rows ``rows`` times columns ``cols`` (or, transposed, the conjugate transpose of
        that block, whose values ``values`` already are), with local indices."""
        crow, col = (self.crow_t, self.col_t) if transposed else (self.crow, self.col)
        (r0, r1), (c0, c1) = (cols, rows) if transposed else (rows, cols)
        e0, e1 = int(crow[r0]), int(crow[r1])
        return torch.sparse_csr_tensor(crow[r0:r1 + 1] - e0, col[e0:e1] - c0, values[e0:e1],
                                       (r1 - r0, c1 - c0), check_invariants=False)

    def blocks(self, feature_bytes: int, device: torch.device) -> list[tuple[int, int, int, int]]:
        """``(r0, r1, c0, c1)`` of every block: groups of whole snapshots whose rows and
        columns each take at most :data:`BLOCK_BYTES` of features (at least one
        snapshot; one block off the CPU)."""
        rows, cols = self.row_bounds, self.col_bounds
        if device.type != "cpu":
            return [(rows[0], rows[-1], cols[0], cols[-1])]
        limit, blocks, start = max(1, BLOCK_BYTES // max(feature_bytes, 1)), [], 0
        for end in range(1, len(rows)):
            last = end == len(rows) - 1
            if last or max(rows[end + 1] - rows[start], cols[end + 1] - cols[start]) > limit:
                blocks.append((rows[start], rows[end], cols[start], cols[end]))
                start = end
        return blocks


def block_product(values: Tensor, x: Tensor, structure: ProductStructure,
                  weight: Tensor | None = None, cols: Tensor | None = None) -> Tensor:
    r""":math:`A Z` or :math:`A Z W` with ``Z = x[cols]`` (``x`` itself when ``cols`` is
    ``None``), placed at the rows ``structure.out_rows`` of ``(num_out_rows, G)``
    zeros. The weight goes before the product or after it, whichever multiplies
    fewer features by :math:`A` over the forward and backward passes.

    Shapes:
        ``values`` ``(nnz,)``, ``x`` ``(X, F)``, ``weight`` ``(F, G)`` ->
        ``(num_out_rows, G)`` (``G = F`` without weight).
    """
    weight_first = weight is not None and _weight_first(weight, x.requires_grad)
    return _BlockProduct.apply(values, x, weight, structure, cols, weight_first)


def _weight_first(weight: Tensor, features_need_grad: bool) -> bool:
    """Whether ``A (Z W)`` multiplies fewer features by ``A`` than ``(A Z) W``, over the
    forward and the backward pass (which needs ``A^T`` for ``W``'s gradient in the
    first order, and in the second only when ``Z`` takes a gradient)."""
    f_in, f_out = weight.shape
    return (f_out if features_need_grad else 2 * f_out) < f_in


def matmul(x: Tensor, weight: Tensor) -> Tensor:
    """``x @ weight`` with mixed real and complex operands promoted."""
    if x.is_complex() != weight.is_complex():
        dtype = x.dtype if x.is_complex() else weight.dtype
        x, weight = x.to(dtype), weight.to(dtype)
    return torch.matmul(x, weight)


def entry_rows(crow: Tensor) -> Tensor:
    """The row of every entry of a CSR matrix, ``(nnz,)`` int64."""
    return torch.repeat_interleave(torch.arange(crow.numel() - 1, device=crow.device),
                                   (crow[1:] - crow[:-1]).long())


class _BlockProduct(torch.autograd.Function):
    """Block by block: ``Z_k = x[cols_k]``, ``Y_k = A_k Z_k (W)``, written to the output
    rows of block ``k``; backward: ``dZ_k = A_k^H dY_k (W^H)`` by the transpose's block,
    ``dW += Z_k^H A_k^H dY_k`` or ``(A_k Z_k)^H dY_k``, ``dvalues = <dY_k[row], Z_k[col]>``."""

    @staticmethod
    def forward(ctx, values: Tensor, x: Tensor, weight: Tensor | None,
                structure: ProductStructure, cols: Tensor | None, weight_first: bool) -> Tensor:
        dtype = torch.promote_types(values.dtype, x.dtype if weight is None
                                    else torch.promote_types(x.dtype, weight.dtype))
        need_values, _, need_weight = ctx.needs_input_grad[:3]
        matrix_values = values.to(dtype)
        w = None if weight is None else weight.to(dtype)
        width = x.size(1) if weight is None else weight.size(1)
        new = x.new_zeros if structure.out_rows is not None else x.new_empty
        out = new((structure.num_out_rows, width), dtype=dtype)
        blocks = structure.blocks(max(x.size(1), width) * out.element_size(), x.device)
        kept = []  # per block, what the backward needs: Z_k, and A_k Z_k for W after
        for r0, r1, c0, c1 in blocks:
            z = (x[c0:c1] if cols is None else x.index_select(0, cols[c0:c1])).to(dtype)
            matrix = structure.block(matrix_values, (r0, r1), (c0, c1))
            if w is None:
                y = matrix @ z
            elif weight_first:
                y = matrix @ (z @ w)
            else:
                h = matrix @ z
                y = h @ w
            keep_z = need_values or (weight_first and need_weight)
            kept.append((z if keep_z else None,
                         h if w is not None and not weight_first and need_weight else None))
            if structure.out_rows is None:
                out[r0:r1] = y
            else:
                out.index_copy_(0, structure.out_rows[r0:r1], y)
        ctx.save_for_backward(values, x, weight)
        ctx.structure, ctx.cols, ctx.weight_first = structure, cols, weight_first
        ctx.blocks, ctx.kept, ctx.dtype = blocks, kept, dtype
        return out

    @staticmethod
    def backward(ctx, grad: Tensor):
        values, x, weight = ctx.saved_tensors
        structure, cols, weight_first, dtype = ctx.structure, ctx.cols, ctx.weight_first, ctx.dtype
        need_values, need_x, need_weight = ctx.needs_input_grad[:3]
        w = None if weight is None else weight.to(dtype)
        transposed_values = structure.transposed_values(values.detach().to(dtype))
        grad_values = values.new_empty(values.shape, dtype=dtype) if need_values else None
        grad_weight = torch.zeros_like(w) if need_weight else None
        grad_x = None
        if need_x:
            new = x.new_zeros if cols is not None else x.new_empty
            grad_x = new(x.shape, dtype=dtype)
        for (r0, r1, c0, c1), (z, h) in zip(ctx.blocks, ctx.kept):
            g = grad[r0:r1] if structure.out_rows is None \
                else grad.index_select(0, structure.out_rows[r0:r1])
            g = g.to(dtype)
            if w is not None and not weight_first:
                if need_weight:
                    grad_weight += h.mH @ g
                g = g @ w.mH  # now the gradient of A_k Z_k (W first: of A_k (Z_k W))
            if need_values:
                block = structure.block(values.detach().to(dtype), (r0, r1), (c0, c1))
                a_in = z @ w if weight_first else z
                e0 = int(structure.crow[r0])
                grad_values[e0:e0 + block._nnz()] = \
                    (g[entry_rows(block.crow_indices())] * a_in[block.col_indices()].conj()).sum(-1)
            if need_x or (weight_first and need_weight):
                g_in = structure.block(transposed_values, (r0, r1), (c0, c1), transposed=True) @ g
                if weight_first:
                    if need_weight:
                        grad_weight += z.mH @ g_in
                    g_in = g_in @ w.mH
                if need_x:
                    if cols is None:
                        grad_x[c0:c1] = g_in
                    else:
                        grad_x.index_copy_(0, cols[c0:c1], g_in)
        return (_like(grad_values, values), _like(grad_x, x), _like(grad_weight, weight),
                None, None, None)


def _like(grad: Tensor | None, like: Tensor | None) -> Tensor | None:
    """``grad`` in ``like``'s dtype (the real part for a real input)."""
    if grad is None:
        return None
    if grad.is_complex() and not like.is_complex():
        grad = grad.real
    return grad.to(like.dtype)

r"""The sparse-dense product behind :meth:`BlockAdjacency.matmul`: one autograd
function for :math:`A (X W)` or :math:`(A X) W` and its gradients in :math:`X`,
:math:`W` and the values of :math:`A`, whose backward multiplies by a precomputed
transpose instead of differentiating through sparse operations.

On the CPU the product runs in blocks of whole snapshots (the matrix is block
diagonal, so a block of snapshots reads and writes only its own rows), each block's
features about :data:`BLOCK_BYTES`: its temporaries stay in the cache, and the
allocator recycles them instead of mapping (and page-faulting) fresh memory for
every product. Only the dense output and input gradient are allocated whole, on
Linux with huge pages. Other devices run one block.
"""
from __future__ import annotations

import ctypes
import functools
import sys
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
        out_rows: the output row of every row (``None``: row ``i`` is output row ``i``).
        num_out_rows: the output's rows; those no row maps to are zero.
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
        """The block of rows ``rows`` and columns ``cols`` as a CSR matrix with local
        indices; ``transposed``: that block of the transpose (columns times rows), whose
        values (:meth:`transposed_values`) ``values`` then are."""
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
    ``dW += Z_k^H A_k^H dY_k`` or ``(A_k Z_k)^H dY_k``, ``dvalues = <dY_k[row], Z_k[col]>``.
    Every intermediate goes into a buffer shared by all blocks, except what the
    backward needs (``Z`` when gathered, ``A Z`` for the weight after the product)."""

    @staticmethod
    def forward(ctx, values: Tensor, x: Tensor, weight: Tensor | None,
                structure: ProductStructure, cols: Tensor | None, weight_first: bool) -> Tensor:
        dtype = torch.promote_types(values.dtype, x.dtype if weight is None
                                    else torch.promote_types(x.dtype, weight.dtype))
        need_values, _, need_weight = ctx.needs_input_grad[:3]
        input_dtype, x, matrix_values = x.dtype, x.to(dtype), values.to(dtype)
        w = None if weight is None else _Narrow(weight.to(dtype))
        f_in, width = x.size(1), x.size(1) if weight is None else weight.size(1)
        placed = structure.out_rows is not None
        out = new_large_tensor(x, (structure.num_out_rows, width), zero=placed)
        blocks = structure.blocks(max(f_in, width) * out.element_size(), x.device)
        buffers = _Buffers(x, blocks)
        keep_z = cols is not None and (need_values or (weight_first and need_weight))
        keep_h = w is not None and not weight_first and need_weight
        z_all = new_large_tensor(x, (structure.shape[1], f_in)) if keep_z else None
        h_all = new_large_tensor(x, (structure.shape[0], f_in)) if keep_h else None
        for r0, r1, c0, c1 in blocks:
            z = x[c0:c1]
            if cols is not None:
                z = torch.index_select(x, 0, cols[c0:c1], out=z_all[c0:c1] if keep_z
                                       else buffers.cols("z", c1 - c0, f_in))
            matrix = structure.block(matrix_values, (r0, r1), (c0, c1))
            y = buffers.rows("y", r1 - r0, width) if placed else out[r0:r1]
            if w is None:
                _spmm(matrix, z, out=y)
            elif weight_first:
                _spmm(matrix, w.times(z, buffers.cols("zw", c1 - c0, width)), out=y)
            else:
                h = h_all[r0:r1] if keep_h else buffers.rows("h", r1 - r0, f_in)
                w.times(_spmm(matrix, z, out=h), y)
            if placed:
                out.index_copy_(0, structure.out_rows[r0:r1], y)
        ctx.save_for_backward(values, x if cols is None else None, weight)
        ctx.structure, ctx.cols, ctx.weight_first, ctx.blocks = structure, cols, weight_first, blocks
        ctx.z_all, ctx.h_all, ctx.x_shape, ctx.x_dtype = z_all, h_all, x.shape, input_dtype
        ctx.weight_dtype = None if weight is None else weight.dtype
        return out

    @staticmethod
    def backward(ctx, grad: Tensor):
        values, x, weight = ctx.saved_tensors
        structure, cols, weight_first = ctx.structure, ctx.cols, ctx.weight_first
        z_all = x if cols is None else ctx.z_all
        dtype = grad.dtype
        need_values, need_x, need_weight = ctx.needs_input_grad[:3]
        matrix_values = values.detach().to(dtype)
        weight = None if weight is None else weight.to(dtype)
        w = None if weight is None else _Narrow(weight.mH)  # multiplies by W^H
        through_transpose = need_x or (weight_first and need_weight)
        if through_transpose:
            transposed_values = structure.transposed_values(matrix_values)
        grad_values = values.new_empty(values.shape, dtype=dtype) if need_values else None
        grad_weight = grad.new_zeros(weight.shape) if need_weight else None
        grad_x = None
        if need_x:
            grad_x = new_large_tensor(grad, ctx.x_shape, zero=cols is not None)
        buffers = _Buffers(grad, ctx.blocks)
        f_in, width = ctx.x_shape[1], grad.size(1)
        for r0, r1, c0, c1 in ctx.blocks:
            g = grad[r0:r1]
            if structure.out_rows is not None:
                g = torch.index_select(grad, 0, structure.out_rows[r0:r1],
                                       out=buffers.rows("g", r1 - r0, width))
            if w is not None and not weight_first:
                if need_weight:
                    grad_weight += _gram(ctx.h_all[r0:r1], g)
                g = w.times(g, buffers.rows("gw", r1 - r0, f_in))  # the gradient of A_k Z_k
            if need_values:
                block = structure.block(matrix_values, (r0, r1), (c0, c1))
                z = z_all[c0:c1]
                a_in = z @ weight if weight_first else z
                e0 = int(structure.crow[r0])
                grad_values[e0:e0 + block._nnz()] = \
                    (g[entry_rows(block.crow_indices())] * a_in[block.col_indices()].conj()).sum(-1)
            if through_transpose:
                transposed = structure.block(transposed_values, (r0, r1), (c0, c1), transposed=True)
                direct = need_x and cols is None and not weight_first  # straight into grad_x
                g_in = _spmm(transposed, g, out=grad_x[c0:c1] if direct
                             else buffers.cols("g_in", c1 - c0, g.size(1)))
                if weight_first:
                    if need_weight:
                        grad_weight += _gram(z_all[c0:c1], g_in)
                    if need_x:
                        g_in = w.times(g_in, grad_x[c0:c1] if cols is None
                                       else buffers.cols("g_in_w", c1 - c0, f_in))
                if need_x and cols is not None:
                    grad_x.index_copy_(0, cols[c0:c1], g_in)
        return (_as(grad_values, values.dtype), _as(grad_x, ctx.x_dtype),
                _as(grad_weight, None if weight is None else ctx.weight_dtype), None, None, None)


# Tensors of at least this many bytes get huge pages (below); glibc maps every block this
# large on its own, so the advice reaches no other allocation.
HUGE_PAGE_MIN_BYTES = 32 * 2**20
_HUGE_PAGE = 2 * 2**20
_MADV_HUGEPAGE = 14


def new_large_tensor(like: Tensor, shape: tuple[int, ...], zero: bool = False) -> Tensor:
    """A new tensor (zeros with ``zero``) like ``like``. On Linux, a large CPU tensor asks
    the kernel for transparent huge pages first (``madvise(MADV_HUGEPAGE)``, what PyTorch
    does for every large tensor under ``THP_MEM_ALLOC_ENABLE=1``): its first write then
    faults once per 2 MB instead of once per 4 KB, 0.07 s per GB instead of 0.31 s on the
    benchmark machine. Only the product's dense results and what its backward keeps are
    that large."""
    out = like.new_empty(shape)
    size = out.numel() * out.element_size()
    if out.device.type == "cpu" and size >= HUGE_PAGE_MIN_BYTES and sys.platform == "linux":
        start = -(-out.data_ptr() // _HUGE_PAGE) * _HUGE_PAGE
        end = (out.data_ptr() + size) // _HUGE_PAGE * _HUGE_PAGE
        _libc().madvise(start, end - start, _MADV_HUGEPAGE)  # advice: its result does not matter
    return out.zero_() if zero else out


@functools.cache
def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None)
    libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    return libc


def _spmm(matrix: Tensor, dense: Tensor, out: Tensor) -> Tensor:
    """``matrix @ dense`` (sparse CSR times dense) into ``out``, which is not read
    (``torch.mm(..., out=out)`` computes into fresh memory and copies)."""
    return torch.addmm(out, matrix, dense, beta=0, out=out)


class _Buffers:
    """Memory shared by the blocks of one product: one tensor per name, of the largest
    block's rows (or columns), instead of fresh memory for every block."""

    def __init__(self, like: Tensor, blocks: list[tuple[int, int, int, int]]) -> None:
        self.like, self.buffers = like, {}
        self.max_rows = max(r1 - r0 for r0, r1, _, _ in blocks)
        self.max_cols = max(c1 - c0 for _, _, c0, c1 in blocks)

    def rows(self, name: str, n: int, width: int) -> Tensor:
        return self._get(name, self.max_rows, width)[:n]

    def cols(self, name: str, n: int, width: int) -> Tensor:
        return self._get(name, self.max_cols, width)[:n]

    def _get(self, name: str, rows: int, width: int) -> Tensor:
        if name not in self.buffers:
            self.buffers[name] = self.like.new_empty((rows, width))
        return self.buffers[name]


# Rows per step of a product with a narrow matrix (below): enough that k times its
# width spans a 16-float (one AVX-512 register) row.
NARROW_WIDTH = 16


class _Narrow:
    r"""A small ``(F, G)`` matrix :math:`B` that multiplies tall ``(R, F)`` blocks. With F
    and G of a few, BLAS runs far below the memory's speed (a (4 x 10^5, 4) times (4, 4)
    product: 1.7 ms, against 0.46 ms this way): ``k`` rows at a time, as a
    ``(R / k, kF)`` matrix times :math:`\operatorname{diag}(B, \dots, B)`."""

    def __init__(self, matrix: Tensor) -> None:
        self.matrix = matrix
        self.k = _rows_per_step(*matrix.shape)
        self.diagonal = torch.block_diag(*[matrix] * self.k) if self.k > 1 else None

    def times(self, a: Tensor, out: Tensor) -> Tensor:
        """``a @ B`` into ``out``."""
        k, whole = self.k, _whole_steps(a, out, self.k)
        rows = a.size(0)
        if whole is None:
            return torch.mm(a, self.matrix, out=out)
        torch.mm(a[:whole].view(whole // k, k * a.size(1)), self.diagonal,
                 out=out[:whole].view(whole // k, k * out.size(1)))
        if whole < rows:
            torch.mm(a[whole:], self.matrix, out=out[whole:])
        return out


def _rows_per_step(f: int, g: int) -> int:
    """``k`` of the k-rows-at-a-time products with an ``(f, g)`` matrix."""
    return max(1, NARROW_WIDTH // max(f, g))


def _whole_steps(a: Tensor, b: Tensor, k: int) -> int | None:
    """The rows of ``a`` that whole steps of ``k`` cover, or ``None`` when the products
    cannot step (``k = 1``, or ``a`` and ``b`` are not contiguous to view)."""
    if k == 1 or not (a.is_contiguous() and b.is_contiguous()):
        return None
    return a.size(0) - a.size(0) % k


def _gram(a: Tensor, b: Tensor) -> Tensor:
    """``a^H b`` of tall blocks ``(R, F)`` and ``(R, G)``, as :class:`_Narrow` does it: the
    sum of the diagonal blocks of ``(R / k, kF)^H (R / k, kG)``."""
    (rows, f), g = a.shape, b.size(1)
    k = _rows_per_step(f, g)
    whole = _whole_steps(a, b, k)
    if whole is None:
        return a.mH @ b
    blocks = a[:whole].view(whole // k, k * f).mH @ b[:whole].view(whole // k, k * g)
    out = blocks.view(k, f, k, g).diagonal(dim1=0, dim2=2).sum(-1)
    return out + a[whole:].mH @ b[whole:] if whole < rows else out


def _as(grad: Tensor | None, dtype: torch.dtype | None) -> Tensor | None:
    """``grad`` in its input's ``dtype`` (the real part for a real input)."""
    if grad is None:
        return None
    if grad.is_complex() and not dtype.is_complex:
        grad = grad.real
    return grad.to(dtype)

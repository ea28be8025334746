r"""All snapshots of a transformed adjacency tensor as one block-diagonal sparse matrix."""
from __future__ import annotations

import warnings

import torch
from torch import Tensor

warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta state")

__all__ = ["BlockAdjacency"]


class BlockAdjacency:
    r"""A sparse ``(T, N, N)`` tensor :math:`\hat{\mathcal{A}}` stored as the
    block-diagonal CSR matrix :math:`\operatorname{diag}(\hat{A}_0, \dots, \hat{A}_{T-1})`
    of size :math:`TN \times TN`, so that every snapshot is aggregated in one
    sparse-dense product, :math:`\hat{A}_t Z_t` for all :math:`t` at once.

    The structure of the transpose is precomputed, and the backward pass
    multiplies by it instead of differentiating through sparse operations.
    Gradients also flow into the values (for a learnable :math:`M`).
    Indices are int32 when they fit, halving the memory of int64.

    Args:
        adjacency (Tensor): sparse COO ``(T, N, N)``, real or complex.

    Example:
        >>> A = torch.eye(3).expand(2, 3, 3).to_sparse()
        >>> block = BlockAdjacency(A)
        >>> block.matmul(torch.ones(2, 3, 4)).shape
        torch.Size([2, 3, 4])
    """

    def __init__(self, adjacency: Tensor) -> None:
        if adjacency.layout != torch.sparse_coo or adjacency.dim() != 3:
            raise ValueError(
                "expected a sparse COO adjacency tensor of shape (T, N, N), got layout "
                f"{adjacency.layout} and shape {tuple(adjacency.shape)}"
            )
        T, N, N2 = adjacency.shape
        if N != N2:
            raise ValueError(f"adjacency slices must be square, got shape {tuple(adjacency.shape)}")
        adjacency = adjacency.coalesce()
        t, i, j = adjacency.indices()
        size = T * N
        index_dtype = torch.int32 if max(size, adjacency._nnz()) < 2**31 - 1 else torch.int64
        row, col = t * N + i, t * N + j  # coalesced order is row-major already
        self.num_snapshots, self.num_nodes = T, N
        self.values = adjacency.values()
        self.crow = _compressed(row, size, index_dtype)
        self.col = col.to(index_dtype)
        transposed = torch.argsort(col * size + row)
        self.transposed_order = transposed
        self.crow_t = _compressed(col[transposed], size, index_dtype)
        self.col_t = row[transposed].to(index_dtype)

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(T, N, N)``."""
        return (self.num_snapshots, self.num_nodes, self.num_nodes)

    @property
    def nnz(self) -> int:
        """The number of stored entries over all snapshots."""
        return self.values.numel()

    def to(self, *args, **kwargs) -> BlockAdjacency:
        """Move or cast every tensor (index tensors keep their integer dtype)."""
        out = object.__new__(BlockAdjacency)
        out.__dict__ = {
            k: (v.to(*args, **kwargs) if k == "values" else _move_index(v, *args, **kwargs))
            if isinstance(v, Tensor) else v
            for k, v in self.__dict__.items()
        }
        return out

    def csr(self, transposed: bool = False) -> Tensor:
        """The block-diagonal matrix (or its transpose) as a ``(TN, TN)`` CSR tensor,
        detached from autograd."""
        values = self.values.detach()
        crow, col = (self.crow_t, self.col_t) if transposed else (self.crow, self.col)
        if transposed:
            values = values[self.transposed_order].conj()
        size = self.num_snapshots * self.num_nodes
        return torch.sparse_csr_tensor(crow, col, values, (size, size), check_invariants=False)

    @torch.compiler.disable  # sparse CSR autograd.Function: runs eagerly inside torch.compile
    def matmul(self, z: Tensor) -> Tensor:
        r""":math:`\hat{A}_t Z_t` for every snapshot.

        Shapes:
            ``(T, N, F)`` -> ``(T, N, F)``.
        """
        if z.shape[:2] != (self.num_snapshots, self.num_nodes):
            raise ValueError(
                f"expected features of shape (T={self.num_snapshots}, N={self.num_nodes}, F), "
                f"got {tuple(z.shape)}"
            )
        flat = z.reshape(self.num_snapshots * self.num_nodes, -1)
        return _BlockSpMM.apply(self.values, flat, self).view(*z.shape[:2], -1)

    def __repr__(self) -> str:
        return f"BlockAdjacency(T={self.num_snapshots}, N={self.num_nodes}, nnz={self.nnz})"


def _compressed(sorted_rows: Tensor, size: int, dtype: torch.dtype) -> Tensor:
    counts = torch.bincount(sorted_rows, minlength=size)
    return torch.cat([counts.new_zeros(1), torch.cumsum(counts, 0)]).to(dtype)


def _move_index(index: Tensor, *args, **kwargs) -> Tensor:
    kwargs.pop("dtype", None)
    device = next((a for a in args if isinstance(a, (str, torch.device))), kwargs.get("device"))
    return index.to(device) if device is not None else index


class _BlockSpMM(torch.autograd.Function):
    """out = A @ Z with A the block CSR; backward: dZ = A^H dout (precomputed
    transpose), dvalues[e] = <dout[row_e], Z[col_e]> only when values need it."""

    @staticmethod
    def forward(ctx, values: Tensor, flat: Tensor, block: BlockAdjacency) -> Tensor:
        ctx.block = block
        ctx.save_for_backward(values, flat)
        size = block.num_snapshots * block.num_nodes
        matrix = torch.sparse_csr_tensor(block.crow, block.col, values, (size, size),
                                         check_invariants=False)
        if matrix.dtype != flat.dtype:
            dtype = torch.promote_types(matrix.dtype, flat.dtype)
            matrix, flat = matrix.to(dtype), flat.to(dtype)
        return matrix @ flat

    @staticmethod
    def backward(ctx, grad: Tensor):
        values, flat = ctx.saved_tensors
        block = ctx.block
        grad_values = grad_flat = None
        if ctx.needs_input_grad[1]:
            transposed = block.csr(transposed=True)
            grad_flat = transposed.to(torch.promote_types(transposed.dtype, grad.dtype)) @ grad
            if not flat.is_complex() and grad_flat.is_complex():
                grad_flat = grad_flat.real
            grad_flat = grad_flat.to(flat.dtype)
        if ctx.needs_input_grad[0]:
            rows = torch.repeat_interleave(
                torch.arange(block.crow.numel() - 1, device=grad.device),
                (block.crow[1:] - block.crow[:-1]).long(),
            )
            grad_values = (grad[rows] * flat[block.col.long()].conj()).sum(-1)
            if not values.is_complex() and grad_values.is_complex():
                grad_values = grad_values.real
        return grad_values, grad_flat, None

r"""All snapshots of a transformed adjacency tensor as one block-diagonal sparse matrix,
and TensorGCN's whole preprocessing streamed into it snapshot by snapshot."""
from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from ..mprod import MTransform, m_transform
from .block_product import ProductStructure, block_product, entry_rows

__all__ = ["BlockAdjacency", "BlockRows", "transformed_block_adjacency"]


class BlockAdjacency:
    r"""A sparse ``(T, N, N)`` tensor :math:`\hat{\mathcal{A}}` stored as the
    block-diagonal CSR matrix :math:`\operatorname{diag}(\hat{A}_0, \dots, \hat{A}_{T-1})`
    of size :math:`TN \times TN`, so that all snapshots are aggregated by one
    sparse-dense product, :math:`\hat{A}_t Z_t` for all :math:`t` at once (on the CPU,
    in blocks of whole snapshots sized to the cache; see
    :mod:`pyg_tensorgcn.data.block_product`).

    The backward pass multiplies by the transpose instead of differentiating
    through sparse operations: a symmetric matrix is its own transpose, otherwise
    the structure of the transpose is precomputed. Gradients also flow into the
    values (for a learnable :math:`M`). Indices are int32 when they fit, half the
    memory of COO's int64.

    Large dynamic graphs leave most of the :math:`TN` rows empty (a node is active
    in few snapshots). When at least half of the rows and columns are empty on
    average, the matrix also keeps a *compact* copy of its structure, restricted to
    the non-empty rows (:attr:`rows_used`) and the columns some entry reads
    (:attr:`cols_used`); :meth:`matmul` then gathers, multiplies and scatters only
    those rows, in the forward and the backward pass.

    Build it with :meth:`from_coo`, or from events with
    :func:`transformed_block_adjacency` (which never forms the COO tensor).

    Args:
        crow (Tensor): ``(TN + 1,)`` CSR row pointers.
        col (Tensor): ``(nnz,)`` block-matrix column of every entry, row-major order.
        values (Tensor): ``(nnz,)`` real or complex values.
        num_snapshots (int): :math:`T`.
        num_nodes (int): :math:`N`.
        symmetric (bool, optional): every slice is symmetric (:math:`\hat{A}_t^\top =
            \hat{A}_t`, as after symmetrization with a real or complex :math:`M`),
            which saves storing the transpose. (default: ``False``)

    Example:
        >>> A = torch.eye(3).expand(2, 3, 3).to_sparse()
        >>> block = BlockAdjacency.from_coo(A)
        >>> block.matmul(torch.ones(2, 3, 4)).shape
        torch.Size([2, 3, 4])
    """

    def __init__(self, crow: Tensor, col: Tensor, values: Tensor, num_snapshots: int,
                 num_nodes: int, symmetric: bool = False) -> None:
        size = num_snapshots * num_nodes
        if crow.shape != (size + 1,) or col.shape != values.shape or col.dim() != 1:
            raise ValueError(
                f"expected crow of shape ({size + 1},) and col, values of one shape (nnz,), got "
                f"{tuple(crow.shape)}, {tuple(col.shape)}, {tuple(values.shape)}")
        self.num_snapshots, self.num_nodes, self.symmetric = num_snapshots, num_nodes, symmetric
        self.crow, self.col, self.values = crow, col, values
        if not symmetric:
            rows = entry_rows(crow)
            transposed = torch.argsort(col.long() * size + rows)
            self.transposed_order = transposed
            self.crow_t = _compressed(col.long()[transposed], size, crow.dtype)
            self.col_t = rows[transposed].to(crow.dtype)
        self._compact_structure()

    def _compact_structure(self) -> None:
        """Set :attr:`rows_used` and :attr:`cols_used` (``None`` when compaction would
        not pay) and the compact CSR structure and its transpose's."""
        size = self.num_snapshots * self.num_nodes
        used_row = _nonempty(self.crow)
        used_col = used_row if self.symmetric else _nonempty(self.crow_t)
        num_rows, num_cols = int(used_row.sum()), int(used_col.sum())
        self.rows_used = self.cols_used = None
        if num_rows + num_cols > size:
            return
        dtype, nnz = self.crow.dtype, self.crow[-1:]
        self.rows_used = used_row.nonzero().squeeze(1)
        self.cols_used = used_col.nonzero().squeeze(1)
        starts = torch.arange(self.num_snapshots + 1, device=self.crow.device) * self.num_nodes
        self._compact_bounds = (torch.searchsorted(self.rows_used, starts).tolist(),
                                torch.searchsorted(self.cols_used, starts).tolist())
        self.crow_c = torch.cat([self.crow[self.rows_used], nnz])
        self.col_c = _ranks(used_col)[self.col.long()].to(dtype)
        if not self.symmetric:
            self.crow_tc = torch.cat([self.crow_t[self.cols_used], nnz])
            self.col_tc = _ranks(used_row)[self.col_t.long()].to(dtype)

    @classmethod
    def from_coo(cls, adjacency: Tensor, symmetric: bool = False) -> BlockAdjacency:
        """From a sparse COO tensor of shape ``(T, N, N)``, real or complex."""
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
        index_dtype = _index_dtype(T * N, adjacency._nnz())
        row = t * N + i  # coalesced order is row-major already
        return cls(_compressed(row, T * N, index_dtype), (t * N + j).to(index_dtype),
                   adjacency.values(), T, N, symmetric)

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(T, N, N)``."""
        return (self.num_snapshots, self.num_nodes, self.num_nodes)

    @property
    def nnz(self) -> int:
        """The number of stored entries over all snapshots."""
        return self.values.numel()

    def rows(self) -> Tensor:
        """The block-matrix row of every entry, ``(nnz,)`` int64."""
        return entry_rows(self.crow)

    def to_coo(self) -> Tensor:
        """The sparse COO ``(T, N, N)`` tensor (coalesced)."""
        N = self.num_nodes
        rows, cols = self.rows(), self.col.long()
        indices = torch.stack([rows // N, rows % N, cols % N])
        return torch.sparse_coo_tensor(indices, self.values, self.shape, is_coalesced=True,
                                       check_invariants=False)

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
        """The block-diagonal matrix (or its conjugate transpose) as a ``(TN, TN)`` CSR
        tensor, detached from autograd."""
        return self._structure(compact=False).csr(self.values.detach(), transposed)

    def _structure(self, compact: bool) -> ProductStructure:
        """The CSR structure the products use: of the whole matrix, or the compact one
        (its non-empty rows times the columns read, placed back at :attr:`rows_used`)."""
        size = self.num_snapshots * self.num_nodes
        if compact:
            crow, col, out_rows = self.crow_c, self.col_c, self.rows_used
            crow_t, col_t = (crow, col) if self.symmetric else (self.crow_tc, self.col_tc)
            shape = (out_rows.numel(), self.cols_used.numel())
            row_bounds, col_bounds = self._compact_bounds
        else:
            crow, col, out_rows = self.crow, self.col, None
            crow_t, col_t = (crow, col) if self.symmetric else (self.crow_t, self.col_t)
            shape = (size, size)
            row_bounds = col_bounds = [t * self.num_nodes for t in range(self.num_snapshots + 1)]
        order = None if self.symmetric else self.transposed_order
        return ProductStructure(crow, col, crow_t, col_t, order, shape, row_bounds, col_bounds,
                                out_rows, size)

    @torch.compiler.disable  # sparse CSR autograd.Function: runs eagerly inside torch.compile
    def matmul(self, z: Tensor, weight: Tensor | None = None,
               transform: MTransform | None = None) -> Tensor:
        r""":math:`\hat{A}_t Z_t` for every snapshot, or :math:`\hat{A}_t Z_t W` with a
        ``weight`` :math:`W`, applied before or after the product, whichever
        multiplies fewer features by :math:`\hat{A}` in the forward and backward passes.
        With a ``transform`` :math:`M`, ``z`` holds features still to be transformed:
        the product is :math:`\hat{A}_t \hat{Z}_t (W)` with :math:`\hat{Z} = Z \times_3 M`.

        With a compact structure (see the class), only the rows of ``z`` (or of
        :math:`\hat{Z}`, by :meth:`~pyg_tensorgcn.mprod.MTransform.apply_rows`) that
        some entry reads are read, and only the non-empty rows of the product computed.

        Shapes:
            ``(T, N, F)`` and optional ``(F, G)`` -> ``(T, N, G)`` (``G = F`` without weight).
        """
        if z.shape[:2] != (self.num_snapshots, self.num_nodes):
            raise ValueError(
                f"expected features of shape (T={self.num_snapshots}, N={self.num_nodes}, F), "
                f"got {tuple(z.shape)}"
            )
        size = self.num_snapshots * self.num_nodes
        if weight is not None and weight.shape[0] != z.size(-1):
            raise ValueError(f"weight must have shape ({z.size(-1)}, G), got {tuple(weight.shape)}")
        compact, cols = self.rows_used is not None, None
        if transform is not None and compact:
            x = transform.apply_rows(z, self.cols_used).reshape(self.cols_used.numel(), -1)
        elif transform is not None:
            x = transform.apply(z).reshape(size, -1)
        else:
            x, cols = z.reshape(size, -1), self.cols_used
        out = block_product(self.values, x, self._structure(compact), weight, cols)
        return out.view(*z.shape[:2], -1)

    def restrict(self, rows: Tensor) -> BlockRows:
        r"""The rows ``rows`` of the block matrix, with its columns relabelled to the
        columns those rows read: ``A[rows] @ Z == sub.matmul(Z[sub.cols])``, the part of
        the product a readout of a few (snapshot, node) rows needs.

        Args:
            rows (Tensor): ``(R,)`` sorted, distinct block rows ``t * N + node``.
        """
        size = self.num_snapshots * self.num_nodes
        rows = rows.to(self.crow.device, torch.long)
        if rows.dim() != 1 or (rows.numel() and (rows[0] < 0 or rows[-1] >= size
                                                 or not bool(torch.all(rows[1:] > rows[:-1])))):
            raise ValueError(f"rows must be sorted, distinct block rows in [0, {size}), got "
                             f"a tensor of shape {tuple(rows.shape)}")
        start, end = self.crow[rows].long(), self.crow[rows + 1].long()
        counts = end - start
        entries = torch.repeat_interleave(start - (torch.cumsum(counts, 0) - counts), counts)
        entries += torch.arange(entries.numel(), device=entries.device)
        crow = torch.cat([counts.new_zeros(1), torch.cumsum(counts, 0)]).to(self.crow.dtype)
        col = self.col[entries].long()
        used = torch.zeros(size, dtype=torch.bool, device=col.device)
        used[col] = True
        cols, col = used.nonzero().squeeze(1), _ranks(used)[col].to(self.crow.dtype)
        order = torch.argsort(col, stable=True)
        shape = (rows.numel(), cols.numel())
        structure = ProductStructure(crow, col, _compressed(col[order].long(), cols.numel(), crow.dtype),
                                     entry_rows(crow)[order].to(crow.dtype), order, shape,
                                     [0, shape[0]], [0, shape[1]], None, shape[0])
        return BlockRows(rows, cols, self.values[entries], structure)

    def __repr__(self) -> str:
        return f"BlockAdjacency(T={self.num_snapshots}, N={self.num_nodes}, nnz={self.nnz})"


def transformed_block_adjacency(
    edge_index: Tensor,
    edge_time: Tensor,
    num_nodes: int,
    transform: MTransform,
    edge_weight: Tensor | None = None,
    *,
    symmetrize: bool = False,
    edge_life: int = 1,
    self_loops: bool = False,
    normalize: bool = False,
    dtype: torch.dtype = torch.float32,
    progress: bool = False,
) -> BlockAdjacency:
    r""":math:`\hat{\mathcal{A}} = \mathcal{C} \times_3 M` of timed edges, with
    :math:`\mathcal{C}` the preprocessed adjacency of
    :meth:`pyg_tensorgcn.data.DynamicGraph.adjacency` (same options, same order),
    built slice by slice straight into a :class:`BlockAdjacency`.

    Every distinct ``(row, col)`` pair gets one slot, in row-major order; per slice
    the edge-life sums, degrees and :math:`\hat{A}_t = \sum_k M[t, k] C_k` are
    vectors over the slots, updated by the events entering and leaving and by the
    changes of :math:`M`'s row (two updates per slice for the banded mean), and the
    slots present in slice :math:`t` (events in windows
    :math:`[k_{lo} - l + 1, k_{hi}]` of :math:`M`'s row range) are written out. A
    first pass counts them, so the output is allocated once. Memory: the output,
    about :math:`b` slices of :math:`\mathcal{C}` and a few vectors over the slots;
    never the COO tensor or the band expansion.

    A learnable :math:`M` (one whose matrix requires grad) takes the differentiable
    route instead: the COO tensor, then :func:`~pyg_tensorgcn.mprod.m_transform`.

    Entries of :math:`M` that are zero inside a row's non-zero range (and, for rows
    whose ranges do not move forward monotonically, outside it) are stored as
    explicit zeros.

    Args:
        edge_index (Tensor): ``(2, E)`` events.
        edge_time (Tensor): ``(E,)`` snapshot of each event, in ``[0, T)``.
        num_nodes (int): :math:`N`.
        transform (MTransform): the :math:`M` (``T = transform.num_snapshots``).
        edge_weight (Tensor, optional): ``(E,)`` weights. (default: ones)
        symmetrize, edge_life, self_loops, normalize: the steps of
            :meth:`~pyg_tensorgcn.data.DynamicGraph.adjacency`.
        dtype (torch.dtype, optional): real value dtype (complex for a complex
            :math:`M`). (default: ``torch.float32``)
        progress (bool, optional): show a progress bar. (default: ``False``)
    """
    T = transform.num_snapshots
    _check_events(edge_index, edge_time, num_nodes, T, edge_weight, edge_life)
    if transform.matrix.requires_grad:  # a learnable M: autograd through the sparse transform
        from .dynamic_graph import DynamicGraph

        graph = DynamicGraph(edge_index=edge_index, edge_time=edge_time, num_nodes=num_nodes,
                             num_snapshots=T, edge_weight=edge_weight)
        adjacency = graph.adjacency(symmetrize=symmetrize, edge_life=edge_life,
                                    self_loops=self_loops, normalize=normalize, dtype=dtype)
        return BlockAdjacency.from_coo(m_transform(adjacency, transform), symmetric=symmetrize)
    value_dtype = dtype
    if transform.is_complex:
        value_dtype = torch.complex128 if dtype == torch.float64 else torch.complex64
    stream = _SlotStream(edge_index, edge_time, num_nodes, transform, edge_weight, symmetrize,
                         edge_life, self_loops, normalize, value_dtype)
    from tqdm.auto import tqdm

    bar = tqdm(total=2 * T, desc="M-transform", disable=not progress, leave=False)
    counts = []
    for count in stream.slice_sizes():
        counts.append(count)
        bar.update()
    nnz, size, device = sum(counts), T * num_nodes, edge_index.device
    index_dtype = _index_dtype(size, nnz)
    crow = torch.empty(size + 1, dtype=index_dtype, device=device)
    col = torch.empty(nnz, dtype=index_dtype, device=device)
    values = torch.empty(nnz, dtype=value_dtype, device=device)
    slot_col = stream.slot_col.to(index_dtype)
    offset = 0
    for t, (slots, accumulator) in enumerate(stream.slices()):
        end = offset + slots.numel()
        torch.index_select(slot_col, 0, slots, out=col[offset:end]).add_(t * num_nodes)
        torch.index_select(accumulator, 0, slots, out=values[offset:end])
        # row i of slice t starts at its first present slot at or after the row's first slot
        crow[t * num_nodes:(t + 1) * num_nodes + 1] = offset + torch.searchsorted(slots, stream.row_start)
        offset = end
        bar.update()
    bar.close()
    return BlockAdjacency(crow, col, values, T, num_nodes, symmetric=symmetrize)


class _SlotStream:
    """The state of :func:`transformed_block_adjacency`: one slot per distinct pair
    (row-major), the events grouped by window, and the row ranges of :math:`M`."""

    NEVER, ALWAYS = -(2**30), 2**30

    def __init__(self, edge_index: Tensor, edge_time: Tensor, num_nodes: int,
                 transform: MTransform, edge_weight: Tensor | None, symmetrize: bool,
                 edge_life: int, self_loops: bool, normalize: bool, value_dtype: torch.dtype) -> None:
        N, device = num_nodes, edge_index.device
        src, dst = edge_index.long()
        time = edge_time.long()
        weight = (edge_weight.to(torch.float64) if edge_weight is not None
                  else torch.ones(time.numel(), dtype=torch.float64, device=device))
        if symmetrize:  # (A + A^T) / 2
            src, dst = torch.cat([src, dst]), torch.cat([dst, src])
            time, weight = time.repeat(2), weight.repeat(2) / 2
        keys = src * N + dst
        if self_loops:
            keys = torch.cat([keys, torch.arange(N, device=device) * (N + 1)])
        pairs, slot = torch.unique(keys, return_inverse=True)
        del keys, src, dst
        index_dtype = _index_dtype(N, pairs.numel())
        self.slot_row, self.slot_col = (pairs // N).to(index_dtype), (pairs % N).to(index_dtype)
        self.row_start = _compressed(self.slot_row.long(), N, torch.int64)
        self.loop_slots = slot[time.numel():]
        order = torch.argsort(time, stable=True)
        self.event_slot, self.event_weight = slot[:time.numel()][order], weight[order]
        del slot, pairs
        bounds = torch.bincount(time, minlength=transform.num_snapshots).cumsum(0).tolist()
        self.bounds = [0, *bounds]
        self.num_nodes, self.num_slots, self.value_dtype = N, self.slot_row.numel(), value_dtype
        self.edge_life, self.self_loops, self.normalize = edge_life, self_loops, normalize
        matrix = transform.matrix.detach()
        self.coefficients = matrix.to(device, torch.complex128 if matrix.is_complex() else torch.float64)
        self.low, self.high = _monotone_row_ranges(self.coefficients)
        self.last_seen = torch.empty(self.num_slots, dtype=torch.int32, device=device)
        self.mask = torch.empty(self.num_slots, dtype=torch.bool, device=device)

    def _window(self, k: int) -> tuple[Tensor, Tensor]:
        return (self.event_slot[self.bounds[k]:self.bounds[k + 1]],
                self.event_weight[self.bounds[k]:self.bounds[k + 1]])

    def _advance(self):
        """For every slice ``t``: the windows newly reached (``k .. high_t``), after
        ``last_seen`` (each slot's latest window so far) has seen each of them, then
        ``(t, low_t)``."""
        self.last_seen.fill_(self.NEVER)
        self.last_seen[self.loop_slots] = self.ALWAYS
        done = -1
        for t, (low, high) in enumerate(zip(self.low, self.high)):
            while done < high:
                done += 1
                self.last_seen[self._window(done)[0]] = done
                self.last_seen[self.loop_slots] = self.ALWAYS  # a loop event must not date I
                yield "window", done
            yield "slice", (t, low)

    def _present(self, first_window: int) -> Tensor:
        """Mask of the slots with an event in ``first_window`` or later (or a loop)."""
        return torch.ge(self.last_seen, first_window, out=self.mask)

    def slice_sizes(self):
        """The number of slots present in every slice (events in windows
        ``low_t - l + 1 .. high_t`` of its row range)."""
        for kind, item in self._advance():
            if kind == "slice":
                yield int(torch.count_nonzero(self._present(item[1] - self.edge_life + 1)))

    def slices(self):
        r"""For every slice ``t``: its present slots (sorted) and a vector over all
        slots holding :math:`\sum_k M[t, k] C_k` at them."""
        M, l, device = self.coefficients, self.edge_life, self.coefficients.device
        life = torch.zeros(self.num_slots, dtype=torch.float64, device=device)
        life[self.loop_slots] = 1.0
        row_sum = torch.full((self.num_nodes,), float(self.self_loops), dtype=torch.float64,
                             device=device)
        row_events = torch.full((self.num_nodes,), int(self.self_loops), dtype=torch.int32,
                                device=device)  # zero degree exactly, despite rounding in row_sum
        accumulator = torch.zeros(self.num_slots, dtype=self.value_dtype, device=device)
        previous = torch.zeros_like(M[0])
        kept: dict[int, tuple[Tensor, Tensor]] = {}  # slots and values of C_k
        for kind, item in self._advance():
            if kind == "window":  # C_k from the events entering and leaving the edge life
                k = item
                self._add_events(life, row_sum, row_events, *self._window(k), 1)
                if k >= l:
                    self._add_events(life, row_sum, row_events, *self._window(k - l), -1)
                kept[k] = self._normalized_slice(k, life, row_sum, row_events)
                continue
            t, low = item
            for k in torch.nonzero(M[t] != previous).flatten().tolist():
                slots, values = kept[k]
                accumulator.index_add_(0, slots, values, alpha=(M[t, k] - previous[k]).item())
            previous = M[t]
            for k in [k for k in kept if k < low]:  # no later row reaches back to k
                del kept[k]
            yield torch.nonzero(self._present(low - l + 1)).flatten(), accumulator

    def _add_events(self, life: Tensor, row_sum: Tensor, row_events: Tensor, slots: Tensor,
                    weight: Tensor, sign: int) -> None:
        rows = self.slot_row[slots]
        life.index_add_(0, slots, weight, alpha=sign)
        row_sum.index_add_(0, rows, weight, alpha=sign)
        row_events.index_add_(0, rows, torch.ones_like(rows), alpha=sign)

    def _normalized_slice(self, k: int, life: Tensor, row_sum: Tensor,
                          row_events: Tensor) -> tuple[Tensor, Tensor]:
        """The slots of :math:`C_k` (events in windows ``k - l + 1 .. k``, and the
        diagonal with self loops) and their values, normalized if asked."""
        slots = torch.nonzero(self._present(k - self.edge_life + 1)).flatten()
        values = life.index_select(0, slots)
        if self.normalize:
            inv_sqrt = row_sum.pow(-0.5).masked_fill_((row_sum <= 0) | (row_events == 0), 0.0)
            values *= inv_sqrt.index_select(0, self.slot_row.index_select(0, slots))
            values *= inv_sqrt.index_select(0, self.slot_col.index_select(0, slots))
        return slots.to(self.slot_row.dtype), values.to(self.value_dtype)  # kept: compact


def _monotone_row_ranges(M: Tensor) -> tuple[list[int], list[int]]:
    """Per row of ``M``, the first and last non-zero column, widened so that both move
    forward monotonically (the low end as the suffix minimum, the high end as the
    prefix maximum): the events a slice needs then form one sliding window."""
    nonzero = M != 0
    columns = torch.arange(M.size(1), device=M.device)
    low = torch.where(nonzero, columns, M.size(1)).min(1).values
    high = torch.where(nonzero, columns, -1).max(1).values
    low = torch.flip(torch.cummin(torch.flip(low, [0]), 0).values, [0])
    return low.tolist(), torch.cummax(high, 0).values.tolist()


def _check_events(edge_index: Tensor, edge_time: Tensor, num_nodes: int, num_snapshots: int,
                  edge_weight: Tensor | None, edge_life: int) -> None:
    if edge_index.dim() != 2 or edge_index.size(0) != 2:
        raise ValueError(f"edge_index must have shape (2, E), got {tuple(edge_index.shape)}")
    if edge_time.shape != edge_index.shape[1:]:
        raise ValueError(f"edge_time must have shape ({edge_index.size(1)},), got {tuple(edge_time.shape)}")
    if edge_weight is not None and edge_weight.shape != edge_time.shape:
        raise ValueError(f"edge_weight must have shape ({edge_time.numel()},), "
                         f"got {tuple(edge_weight.shape)}")
    if not isinstance(edge_life, int) or edge_life < 1:
        raise ValueError(f"edge_life must be a positive int, got {edge_life!r}")
    if edge_time.numel():
        if int(edge_time.min()) < 0 or int(edge_time.max()) >= num_snapshots:
            raise ValueError(f"edge_time must lie in [0, {num_snapshots}), got values in "
                             f"[{int(edge_time.min())}, {int(edge_time.max())}]")
        if int(edge_index.min()) < 0 or int(edge_index.max()) >= num_nodes:
            raise ValueError(f"edge_index must lie in [0, {num_nodes}), got values in "
                             f"[{int(edge_index.min())}, {int(edge_index.max())}]")


def _index_dtype(size: int, nnz: int) -> torch.dtype:
    return torch.int32 if max(size, nnz) < 2**31 - 1 else torch.int64


def _nonempty(crow: Tensor) -> Tensor:
    """Which rows of a CSR matrix hold an entry, ``(rows,)`` bool."""
    return crow[1:] > crow[:-1]


def _ranks(used: Tensor) -> Tensor:
    """The position of every used index among the used ones (``(size,)`` int64)."""
    return torch.cumsum(used, 0) - 1


def _compressed(sorted_rows: Tensor, size: int, dtype: torch.dtype) -> Tensor:
    counts = torch.bincount(sorted_rows, minlength=size)
    return torch.cat([counts.new_zeros(1), torch.cumsum(counts, 0)]).to(dtype)


def _move_index(index: Tensor, *args, **kwargs) -> Tensor:
    kwargs.pop("dtype", None)
    device = next((a for a in args if isinstance(a, (str, torch.device))), kwargs.get("device"))
    return index.to(device) if device is not None else index


class BlockRows(NamedTuple):
    """Some rows of a :class:`BlockAdjacency`, from :meth:`BlockAdjacency.restrict`.

    Attributes:
        rows (Tensor): ``(R,)`` the block rows kept.
        cols (Tensor): ``(C,)`` the block columns they read, sorted.
        values (Tensor): their entries (the parent's, so gradients reach it).
        structure: their CSR structure over ``R x C`` and its transpose's.
    """

    rows: Tensor
    cols: Tensor
    values: Tensor
    structure: ProductStructure

    def matmul(self, z: Tensor, weight: Tensor | None = None) -> Tensor:
        """``(A Z)[rows]`` (times ``weight``) from ``z = Z[cols]``: ``(C, F)`` -> ``(R, G)``."""
        if z.dim() != 2 or z.size(0) != self.cols.numel():
            raise ValueError(f"expected z of shape ({self.cols.numel()}, F), the rows of "
                             f"the columns read, got {tuple(z.shape)}")
        return block_product(self.values, z, self.structure, weight)

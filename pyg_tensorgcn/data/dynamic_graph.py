r"""A dynamic graph of :math:`N` nodes over :math:`T` snapshots, as a PyG :class:`Data`."""
from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import torch
from torch import Tensor
from torch_geometric.data import Data

from ..mprod import MTransform
from . import adjacency as adj
from .block_adjacency import BlockAdjacency, transformed_block_adjacency

__all__ = ["DynamicGraph"]

# Attributes with one entry per event, selected together by snapshot(), window()...
EVENT_KEYS = ("edge_index", "edge_time", "edge_weight", "edge_label", "edge_attr")


class DynamicGraph(Data):
    r"""A dynamic graph: timed edges (events) over :math:`T` snapshots of :math:`N` nodes.

    A subclass of PyG's :class:`~torch_geometric.data.Data`, so ``.to(device)``,
    transforms and loaders work. :meth:`adjacency` turns it into the sparse
    ``(T, N, N)`` tensor a :math:`\star_M` layer consumes, with TensorGCN's
    preprocessing steps as options; :meth:`transformed_adjacency` also applies
    an M-transform. Iterating yields the snapshots as plain :class:`Data`.

    Args:
        edge_index (Tensor): ``(2, E)`` source and target of every event.
        edge_time (Tensor): ``(E,)`` long, the snapshot of every event, in ``[0, T)``.
        num_nodes (int): :math:`N`.
        num_snapshots (int, optional): :math:`T`. (default: ``edge_time.max() + 1``)
        x (Tensor, optional): ``(T, N, F)`` node features per snapshot.
        edge_weight (Tensor, optional): ``(E,)`` event weights.
        edge_label (Tensor, optional): ``(E,)`` event labels.
        edge_attr (Tensor, optional): ``(E, D)`` event features.
        window_start (Tensor, optional): ``(T,)`` start time of every snapshot's
            window, in the raw data's time unit.
        **kwargs: further attributes, as for :class:`Data`.
    """

    def __init__(
        self,
        edge_index: Tensor | None = None,
        edge_time: Tensor | None = None,
        num_nodes: int | None = None,
        num_snapshots: int | None = None,
        x: Tensor | None = None,
        edge_weight: Tensor | None = None,
        edge_label: Tensor | None = None,
        edge_attr: Tensor | None = None,
        window_start: Tensor | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(x=x, edge_index=edge_index, edge_attr=edge_attr, **kwargs)
        if edge_index is None:  # PyG builds empty instances when it copies or collates
            return
        self.edge_time = edge_time
        self.edge_weight = edge_weight
        self.edge_label = edge_label
        self.window_start = window_start
        if num_snapshots is None and edge_time is not None and edge_time.numel() > 0:
            num_snapshots = int(edge_time.max()) + 1
        self.num_snapshots = num_snapshots
        if num_nodes is not None:
            self.num_nodes = num_nodes
        self.validate_events()

    def validate_events(self) -> None:
        """Check shapes, dtypes and ranges; raise :class:`ValueError` naming the argument."""
        E = self.edge_index.size(1) if self.edge_index.dim() == 2 else -1
        if self.edge_index.dim() != 2 or self.edge_index.size(0) != 2:
            raise ValueError(f"edge_index must have shape (2, E), got {tuple(self.edge_index.shape)}")
        if self.edge_index.dtype != torch.long:
            raise ValueError(f"edge_index must be torch.long, got {self.edge_index.dtype}")
        if getattr(self, "edge_time", None) is None or self.edge_time.shape != (E,):
            got = tuple(self.edge_time.shape) if "edge_time" in self else None
            raise ValueError(f"edge_time must have shape ({E},) like edge_index, got {got}")
        if self.edge_time.dtype != torch.long:
            raise ValueError(f"edge_time must be torch.long snapshot indices, got {self.edge_time.dtype}")
        T = self.num_snapshots
        if not isinstance(T, int) or T < 1:
            raise ValueError(f"num_snapshots must be a positive int, got {T!r}")
        if E > 0 and (int(self.edge_time.min()) < 0 or int(self.edge_time.max()) >= T):
            raise ValueError(
                f"edge_time must lie in [0, {T}), got values in "
                f"[{int(self.edge_time.min())}, {int(self.edge_time.max())}]"
            )
        N = self.num_nodes
        if E > 0 and int(self.edge_index.max()) >= N:
            raise ValueError(f"edge_index holds node {int(self.edge_index.max())} but num_nodes={N}")
        for key in ("edge_weight", "edge_label", "edge_attr"):
            value = self[key] if key in self else None
            if value is not None and value.size(0) != E:
                raise ValueError(f"{key} must have {E} rows (one per event), got {tuple(value.shape)}")
        if self.x is not None and (self.x.dim() != 3 or self.x.shape[:2] != (T, N)):
            raise ValueError(f"x must have shape (T={T}, N={N}, F), got {tuple(self.x.shape)}")
        window_start = getattr(self, "window_start", None)
        if window_start is not None and window_start.shape != (T,):
            raise ValueError(f"window_start must have shape ({T},), got {tuple(window_start.shape)}")

    def __cat_dim__(self, key: str, value: Any, *args: Any, **kwargs: Any) -> Any:
        if key == "x":  # (T, N, F): batching stacks nodes, the second dimension
            return 1
        if key == "window_start":
            return None
        return super().__cat_dim__(key, value, *args, **kwargs)

    @property
    def num_events(self) -> int:
        """:math:`E`, the number of timed edges."""
        return self.edge_index.size(1)

    def _events(self, mask: Tensor) -> dict[str, Tensor]:
        out = {}
        for key in EVENT_KEYS:
            if key in self and self[key] is not None:
                value = self[key]
                out[key] = value[:, mask] if key == "edge_index" else value[mask]
        return out

    def snapshot(self, t: int) -> Data:
        """Snapshot ``t`` as a plain :class:`Data` (its events, and ``x[t]`` if present)."""
        T = self.num_snapshots
        if not -T <= t < T:
            raise IndexError(f"snapshot {t} is out of range for {T} snapshots")
        t = t % T
        events = self._events(self.edge_time == t)
        del events["edge_time"]
        x = self.x[t] if self.x is not None else None
        return Data(x=x, num_nodes=self.num_nodes, **events)

    def __iter__(self) -> Iterator[Data]:  # type: ignore[override]
        """Iterate over the snapshots, in time order."""
        for t in range(self.num_snapshots):
            yield self.snapshot(t)

    def window(self, start: int, end: int) -> DynamicGraph:
        """Snapshots ``start .. end - 1`` as a new graph whose times start at 0."""
        if not 0 <= start < end <= self.num_snapshots:
            raise ValueError(
                f"window needs 0 <= start < end <= {self.num_snapshots}, got ({start}, {end})"
            )
        events = self._events((self.edge_time >= start) & (self.edge_time < end))
        events["edge_time"] = events["edge_time"] - start
        ws = getattr(self, "window_start", None)
        return DynamicGraph(
            num_nodes=self.num_nodes,
            num_snapshots=end - start,
            x=self.x[start:end] if self.x is not None else None,
            window_start=ws[start:end] if ws is not None else None,
            **events,
        )

    def edge_subgraph(self, subset: Tensor) -> DynamicGraph:
        """The graph with only the events ``subset`` (a mask or indices); all nodes stay."""
        data = copy.copy(self)
        for key, value in self._events(subset).items():
            data[key] = value
        return data

    def subgraph(self, subset: Tensor) -> DynamicGraph:
        """The graph induced by the nodes ``subset`` (a mask or indices), relabelled."""
        mask = torch.zeros(self.num_nodes, dtype=torch.bool, device=self.edge_index.device)
        mask[subset] = True
        relabel = torch.cumsum(mask, 0) - 1
        data = self.edge_subgraph(mask[self.edge_index].all(0))
        data.edge_index = relabel[data.edge_index]
        data.num_nodes = int(mask.sum())
        if self.x is not None:
            data.x = self.x[:, mask]
        return data

    def adjacency(
        self,
        *,
        symmetrize: bool = False,
        edge_life: int = 1,
        self_loops: bool = False,
        normalize: bool = False,
        weighted: bool = True,
        dtype: torch.dtype = torch.float32,
    ) -> Tensor:
        r"""The sparse ``(T, N, N)`` adjacency tensor, TensorGCN's preprocessing
        steps applied in the protocol's order (see :mod:`pyg_tensorgcn.data.adjacency`).

        Args:
            symmetrize (bool, optional): :math:`(A_t + A_t^\top)/2`. (default: ``False``)
            edge_life (int, optional): sum each slice with the previous
                ``edge_life - 1``. (default: ``1``)
            self_loops (bool, optional): add :math:`I`. (default: ``False``)
            normalize (bool, optional): :math:`D^{-1/2} A D^{-1/2}`. (default: ``False``)
            weighted (bool, optional): use ``edge_weight`` (else every event
                counts 1). (default: ``True``)
            dtype (torch.dtype, optional): value dtype. (default: ``torch.float32``)

        The paper's configuration is ``symmetrize=True, edge_life=10,
        self_loops=True, normalize=True``.
        """
        weight = self.edge_weight if weighted and "edge_weight" in self else None
        A = adj.temporal_adjacency(
            self.edge_index, self.edge_time, self.num_snapshots, self.num_nodes, weight, dtype
        )
        if symmetrize:
            A = adj.symmetrize(A)
        A = adj.edge_life(A, edge_life)
        if self_loops:
            A = adj.add_self_loops(A)
        if normalize:
            A = adj.gcn_normalize(A)
        return A

    def transformed_adjacency(self, transform: MTransform, **options: Any) -> Tensor:
        r""":math:`\hat{\mathcal{A}} = \mathcal{A} \times_3 M`, sparse COO ``(T, N, N)``;
        ``options`` as for :meth:`adjacency`."""
        return self.block_adjacency(transform, **options).to_coo()

    def block_adjacency(
        self,
        transform: MTransform,
        *,
        symmetrize: bool = False,
        edge_life: int = 1,
        self_loops: bool = False,
        normalize: bool = False,
        weighted: bool = True,
        dtype: torch.dtype = torch.float32,
        progress: bool = False,
    ) -> BlockAdjacency:
        r"""The transformed adjacency as a :class:`BlockAdjacency`, streamed snapshot by
        snapshot from the events (the memory of the result and about ``bandwidth``
        slices, never of COO); the options as for :meth:`adjacency`, see
        :func:`~pyg_tensorgcn.data.transformed_block_adjacency`."""
        if transform.num_snapshots != self.num_snapshots:
            raise ValueError(f"{transform!r} does not match the graph's {self.num_snapshots} snapshots")
        weight = self.edge_weight if weighted and "edge_weight" in self else None
        return transformed_block_adjacency(
            self.edge_index, self.edge_time, self.num_nodes, transform, weight,
            symmetrize=symmetrize, edge_life=edge_life, self_loops=self_loops, normalize=normalize,
            dtype=dtype, progress=progress)

    def space_time_graph(self, transform: MTransform, x: Tensor | None = None,
                         time_edges: bool = True, **options: Any) -> Data:
        """The space-time graph over ``T * N`` vertices of this graph's transformed
        adjacency (streamed, ``options`` as for :meth:`block_adjacency`); see
        :func:`pyg_tensorgcn.data.space_time_graph`."""
        from .space_time import space_time_graph

        return space_time_graph(self.block_adjacency(transform, **options), transform, x, time_edges)

    def degree_features(self) -> Tensor:
        """The reference node features: in- and out-degree of every node in every
        snapshot (raw event counts, current snapshot only), shape ``(T, N, 2)``."""
        T, N = self.num_snapshots, self.num_nodes
        src, dst = self.edge_index
        ones = torch.ones(self.num_events, device=src.device)
        degree = torch.zeros(2, T * N, device=src.device)
        degree[0].index_add_(0, self.edge_time * N + dst, ones)
        degree[1].index_add_(0, self.edge_time * N + src, ones)
        return degree.view(2, T, N).permute(1, 2, 0).contiguous()

    def __repr__(self) -> str:
        parts = [f"num_nodes={self.num_nodes}", f"num_snapshots={self.num_snapshots}",
                 f"num_events={self.num_events}"]
        parts += [f"{k}={list(v.shape)}" for k, v in self.items()
                  if isinstance(v, Tensor) and k not in ("edge_index", "edge_time")]
        return f"{type(self).__name__}({', '.join(parts)})"


# Processed datasets hold DynamicGraph objects; let torch.load(weights_only=True) read them.
torch.serialization.add_safe_globals([DynamicGraph])

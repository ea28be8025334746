"""Build :class:`DynamicGraph` objects from timed edge lists and convert them to and
from PyG ``TemporalData``, lists of PyG ``Data`` snapshots, torch-geometric-temporal's
``DynamicGraphTemporalSignal`` and networkx graphs."""
from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import networkx as nx
import numpy as np
import torch
from torch import Tensor
from torch_geometric.data import Data, TemporalData

from .dynamic_graph import DynamicGraph

__all__ = [
    "from_temporal_edges",
    "to_temporal_data",
    "from_temporal_data",
    "from_snapshots",
    "to_snapshots",
    "to_dynamic_graph_temporal_signal",
    "from_dynamic_graph_temporal_signal",
    "to_networkx",
    "from_networkx",
]

log = logging.getLogger(__name__)

ArrayLike = Tensor | np.ndarray | Sequence


def _as_tensor(name: str, value: ArrayLike | None, dtype: torch.dtype | None = None) -> Tensor | None:
    if value is None:
        return None
    tensor = torch.as_tensor(np.asarray(value) if not isinstance(value, Tensor) else value)
    if tensor.dim() < 1:
        raise ValueError(f"{name} must be one value per event, got a scalar")
    return tensor.to(dtype) if dtype is not None else tensor


def from_temporal_edges(
    src: ArrayLike,
    dst: ArrayLike,
    time: ArrayLike,
    weight: ArrayLike | None = None,
    label: ArrayLike | None = None,
    *,
    window: float | None = None,
    num_windows: int | None = None,
    per_timestamp: bool = False,
    num_nodes: int | None = None,
    edge_attr: ArrayLike | None = None,
) -> DynamicGraph:
    r"""Group timed edges (events) into snapshots.

    Exactly one windowing rule:

    * ``window``: windows of that length from the first event,
      :math:`T = \lfloor (t_{max} - t_{min}) / w \rfloor` full windows; events past
      the last full window are dropped (TensorGCN's protocol), their number
      logged and kept as ``graph.num_dropped_events``.
    * ``num_windows``: :math:`T` equal windows spanning all events (none dropped).
    * ``per_timestamp``: one snapshot per distinct timestamp.

    Repeated edges inside a window are kept as separate events, so
    :meth:`DynamicGraph.adjacency` counts them.

    Args:
        src, dst (array-like): ``(E,)`` node ids in ``[0, N)``.
        time (array-like): ``(E,)`` event times (any numeric unit).
        weight, label (array-like, optional): ``(E,)`` event weights and labels.
        window (float, optional): window length, in the unit of ``time``.
        num_windows (int, optional): number of equal windows.
        per_timestamp (bool, optional): one snapshot per distinct time.
        num_nodes (int, optional): :math:`N`. (default: largest id + 1)
        edge_attr (array-like, optional): ``(E, D)`` event features.
    """
    src_t = _as_tensor("src", src, torch.long)
    dst_t = _as_tensor("dst", dst, torch.long)
    time_t = _as_tensor("time", time, torch.float64)
    E = src_t.numel()
    for name, value in (("dst", dst_t), ("time", time_t)):
        if value.shape != (E,):
            raise ValueError(f"{name} must have shape ({E},) like src, got {tuple(value.shape)}")
    if E == 0:
        raise ValueError("from_temporal_edges needs at least one event, got none")
    if int(src_t.min()) < 0 or int(dst_t.min()) < 0:
        raise ValueError("src and dst must be non-negative node ids")
    rules = (window is not None) + (num_windows is not None) + bool(per_timestamp)
    if rules != 1:
        raise ValueError(
            "give exactly one of window=, num_windows= or per_timestamp=True, "
            f"got window={window!r}, num_windows={num_windows!r}, per_timestamp={per_timestamp!r}"
        )
    t_min, t_max = float(time_t.min()), float(time_t.max())
    if per_timestamp:
        window_start, snapshot = torch.unique(time_t, return_inverse=True)
    elif window is not None:
        if not window > 0:
            raise ValueError(f"window must be positive, got {window!r}")
        T = int((t_max - t_min) // window)
        if T < 1:
            raise ValueError(
                f"the events span {t_max - t_min:g} time units, less than one window of {window:g}"
            )
        snapshot = torch.floor((time_t - t_min) / window).long()
        window_start = t_min + window * torch.arange(T, dtype=torch.float64)
    else:
        if not isinstance(num_windows, int) or num_windows < 1:
            raise ValueError(f"num_windows must be a positive int, got {num_windows!r}")
        T = num_windows
        width = (t_max - t_min) / T or 1.0
        snapshot = torch.floor((time_t - t_min) / width).long().clamp_(max=T - 1)
        window_start = t_min + width * torch.arange(T, dtype=torch.float64)
    keep = snapshot < window_start.numel()
    dropped = int(E - keep.sum())
    if dropped:
        log.info("dropped %d of %d events past the last full window", dropped, E)
    optional = {
        "edge_weight": _as_tensor("weight", weight),
        "edge_label": _as_tensor("label", label),
        "edge_attr": _as_tensor("edge_attr", edge_attr),
    }
    if num_nodes is None:
        num_nodes = int(torch.maximum(src_t.max(), dst_t.max())) + 1
    graph = DynamicGraph(
        edge_index=torch.stack([src_t, dst_t])[:, keep],
        edge_time=snapshot[keep],
        num_nodes=num_nodes,
        num_snapshots=window_start.numel(),
        window_start=window_start,
        **{k: v[keep] for k, v in optional.items() if v is not None},
    )
    graph.num_dropped_events = dropped
    return graph


def to_temporal_data(graph: DynamicGraph) -> TemporalData:
    """PyG ``TemporalData`` with ``t`` = snapshot index, ``msg`` = ``edge_attr``, ``y`` = ``edge_label``."""
    src, dst = graph.edge_index
    return TemporalData(src=src, dst=dst, t=graph.edge_time, msg=graph.edge_attr,
                        y=getattr(graph, "edge_label", None))


def from_temporal_data(data: TemporalData, **windowing: Any) -> DynamicGraph:
    """A :class:`DynamicGraph` from PyG ``TemporalData`` (``src``, ``dst``, ``t``,
    optional ``msg`` and ``y``); ``windowing`` as for :func:`from_temporal_edges`
    (default ``per_timestamp=True``)."""
    windowing = windowing or {"per_timestamp": True}
    return from_temporal_edges(data.src, data.dst, data.t, label=getattr(data, "y", None),
                               edge_attr=getattr(data, "msg", None), num_nodes=data.num_nodes,
                               **windowing)


def from_snapshots(snapshots: Sequence[Data]) -> DynamicGraph:
    """Stack a list of PyG ``Data`` snapshots (same ``num_nodes``) into a :class:`DynamicGraph`;
    ``x`` is stacked to ``(T, N, F)`` when every snapshot has one."""
    if not snapshots:
        raise ValueError("from_snapshots needs at least one snapshot, got an empty sequence")
    num_nodes = {s.num_nodes for s in snapshots}
    if len(num_nodes) != 1:
        raise ValueError(f"every snapshot must have the same num_nodes, got {sorted(num_nodes)}")
    counts = torch.tensor([s.edge_index.size(1) for s in snapshots])
    events = {
        key: torch.cat([s[key] for s in snapshots], dim=-1 if key == "edge_index" else 0)
        for key in ("edge_index", "edge_weight", "edge_label", "edge_attr")
        if all(key in s and s[key] is not None for s in snapshots)
    }
    xs = [s.x for s in snapshots]
    return DynamicGraph(
        edge_time=torch.arange(len(snapshots)).repeat_interleave(counts),
        num_nodes=num_nodes.pop(),
        num_snapshots=len(snapshots),
        x=torch.stack(xs) if all(x is not None for x in xs) else None,
        **events,
    )


def to_snapshots(graph: DynamicGraph) -> list[Data]:
    """The snapshots as a list of PyG ``Data``."""
    return list(graph)


def to_dynamic_graph_temporal_signal(graph: DynamicGraph):
    """torch-geometric-temporal's ``DynamicGraphTemporalSignal`` (its features are
    ``x[t]``, its targets ``graph.y[t]`` when present). Needs torch-geometric-temporal."""
    from torch_geometric_temporal.signal import DynamicGraphTemporalSignal

    snapshots = list(graph)
    x = graph.x if graph.x is not None else torch.zeros(graph.num_snapshots, graph.num_nodes, 0)
    y = getattr(graph, "y", None)
    y = [None] * graph.num_snapshots if y is None else y
    return DynamicGraphTemporalSignal(
        edge_indices=[s.edge_index.numpy() for s in snapshots],
        edge_weights=[
            (s.edge_weight if "edge_weight" in s else torch.ones(s.num_edges)).numpy()
            for s in snapshots
        ],
        features=[x_t.numpy() for x_t in x],
        targets=[None if y_t is None else np.asarray(y_t) for y_t in y],
    )


def from_dynamic_graph_temporal_signal(signal) -> DynamicGraph:
    """A :class:`DynamicGraph` from a torch-geometric-temporal ``DynamicGraphTemporalSignal``."""
    return from_snapshots(list(signal))


def to_networkx(graph: DynamicGraph) -> list[nx.MultiDiGraph]:
    """One ``networkx.MultiDiGraph`` per snapshot, nodes ``0 .. N-1``, an edge per
    event with its ``weight`` and ``label`` attributes where present."""
    graphs = []
    for snap in graph:
        g = nx.MultiDiGraph()
        g.add_nodes_from(range(graph.num_nodes))
        attrs = {k: snap[k].tolist() for k in ("edge_weight", "edge_label") if k in snap}
        names = [k.removeprefix("edge_") for k in attrs]
        rows = zip(*snap.edge_index.tolist(), *attrs.values())
        g.add_edges_from((u, v, dict(zip(names, rest))) for u, v, *rest in rows)
        graphs.append(g)
    return graphs


def from_networkx(graphs: Sequence[nx.Graph]) -> DynamicGraph:
    """A :class:`DynamicGraph` from one networkx graph per snapshot. Nodes are
    relabelled ``0 .. N-1`` in sorted order of the union of all node sets; the
    edge attributes ``weight`` and ``label`` become ``edge_weight`` and ``edge_label``."""
    nodes = sorted(set().union(*(g.nodes for g in graphs)))
    index = {node: i for i, node in enumerate(nodes)}
    snapshots = []
    for g in graphs:
        edges = list(g.edges(data=True))
        data = Data(
            edge_index=torch.tensor([[index[u] for u, _, _ in edges],
                                     [index[v] for _, v, _ in edges]], dtype=torch.long),
            num_nodes=len(nodes),
        )
        for attr in ("weight", "label"):
            if edges and all(attr in d for _, _, d in edges):
                data[f"edge_{attr}"] = torch.tensor([d[attr] for _, _, d in edges])
        snapshots.append(data)
    return from_snapshots(snapshots)

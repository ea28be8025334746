"""Dynamic graphs as sparse ``(T, N, N)`` adjacency tensors: the :class:`DynamicGraph`
container, TensorGCN's preprocessing steps, builders and conversions."""
from .adjacency import add_self_loops, edge_life, gcn_normalize, symmetrize, temporal_adjacency
from .block_adjacency import BlockAdjacency, BlockRows, transformed_block_adjacency
from .builders import (
    from_dynamic_graph_temporal_signal,
    from_networkx,
    from_snapshots,
    from_temporal_data,
    from_temporal_edges,
    to_dynamic_graph_temporal_signal,
    to_networkx,
    to_snapshots,
    to_temporal_data,
)
from .dynamic_graph import DynamicGraph
from .space_time import from_vertex, space_time_graph, to_vertex

__all__ = [
    "DynamicGraph",
    "BlockAdjacency",
    "BlockRows",
    "transformed_block_adjacency",
    "temporal_adjacency",
    "symmetrize",
    "edge_life",
    "add_self_loops",
    "gcn_normalize",
    "from_temporal_edges",
    "to_temporal_data",
    "from_temporal_data",
    "from_snapshots",
    "to_snapshots",
    "to_dynamic_graph_temporal_signal",
    "from_dynamic_graph_temporal_signal",
    "to_networkx",
    "from_networkx",
    "space_time_graph",
    "to_vertex",
    "from_vertex",
]

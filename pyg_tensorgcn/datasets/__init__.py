"""Temporal graph datasets as :class:`~pyg_tensorgcn.data.DynamicGraph` objects, with
PyG's :class:`~torch_geometric.data.InMemoryDataset` contract. Every file-backed
dataset also works offline from its raw file placed in ``root/raw``."""
from .bitcoin import BitcoinAlpha, BitcoinOTC
from .chess import Chess
from .edge_list import TemporalEdgeList
from .reddit import RedditHyperlinks
from .sbm import DynamicSBM

__all__ = [
    "BitcoinOTC",
    "BitcoinAlpha",
    "Chess",
    "RedditHyperlinks",
    "TemporalEdgeList",
    "DynamicSBM",
]

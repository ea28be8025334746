"""The SNAP Reddit hyperlink network (links between subreddits in post bodies)."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from ._base import DAY, RawSource, TemporalGraphDataset
from .edge_list import TemporalEdgeList


class RedditHyperlinks(TemporalEdgeList):
    r"""Hyperlinks between subreddits (SNAP ``soc-redditHyperlinks-body.tsv``),
    windowed into 14-day snapshots as in TensorGCN (Malik et al., SDM 2021).

    The ~300 MB TSV is streamed in chunks of ``chunk_lines`` lines (bounded memory:
    one chunk of text plus the numeric columns kept). Subreddit names map
    to node ids (``graph.node_names``); ``edge_label`` is 0 for a negative link
    sentiment (the minority) and 1 for a positive one. Splits in snapshots:
    66 / 10 / 10.

    **STATS** reported by the TensorGCN paper for its Reddit graph: 3,818
    nodes, 163,008 edges, 86 graphs, 2 classes. The file is not on this
    project's machines, so these numbers are not checked here; the paper does
    not say how it selected its 3,818 subreddits.

    Args:
        root (str): the dataset folder; the TSV goes into ``root/raw``.
        window_days (float, optional): window length in days. (default: ``14``)
        chunk_lines (int, optional): lines parsed at a time; a line with its 86
            properties is ~0.7 kB, so the default holds ~70 MB of text. (default: ``100_000``)
        transform, pre_transform, force_reload, log: as for
            :class:`~torch_geometric.data.InMemoryDataset`.
    """

    source = RawSource(
        url="https://snap.stanford.edu/data/soc-redditHyperlinks-body.tsv",
        file_name="soc-redditHyperlinks-body.tsv",
        sha256=None,
        packing="plain",
    )

    def __init__(
        self,
        root: str,
        window_days: float = 14.0,
        chunk_lines: int = 100_000,
        transform: Callable | None = None,
        pre_transform: Callable | None = None,
        force_reload: bool = False,
        log: bool = True,
    ) -> None:
        super().__init__(
            root, self.source.file_name,
            src="SOURCE_SUBREDDIT", dst="TARGET_SUBREDDIT", time="TIMESTAMP",
            label="LINK_SENTIMENT", sep="\t", header=True, comment="",
            time_format="datetime", node_ids="names", window=window_days * DAY,
            chunk_lines=chunk_lines, transform=transform, pre_transform=pre_transform,
            force_reload=force_reload, log=log,
        )

    download = TemporalGraphDataset.download

    def labels(self, values: np.ndarray) -> torch.Tensor:
        """``LINK_SENTIMENT`` -1 -> class 0, 1 -> class 1."""
        return torch.from_numpy(values > 0).long()

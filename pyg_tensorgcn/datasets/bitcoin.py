"""The SNAP Bitcoin OTC and Bitcoin Alpha trust networks."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ..data import DynamicGraph, from_temporal_edges
from ._base import DAY, RawSource, TemporalGraphDataset, read_table, stats_doc


class _SignedBitcoin(TemporalGraphDataset):
    r"""Who-trusts-whom ratings (-10 .. 10) between Bitcoin traders, from SNAP,
    windowed into snapshots as in TensorGCN (Malik et al., SDM 2021).

    Node ids are the file's 1-based ids minus one (unused ids stay isolated
    nodes, :math:`N` = the largest id). Each rating is an event with
    ``edge_label`` 0 for a negative rating (the minority, "untrustworthy") and
    1 for a positive one, and ``edge_attr`` the rating itself. Events past the
    last full window are dropped. Splits in snapshots: 95 / 20 / 20.

    Args:
        root (str): the dataset folder; the raw file goes into ``root/raw``.
        window_days (float, optional): window length in days. (default: ``14``)
        transform, pre_transform, force_reload, log: as for
            :class:`~torch_geometric.data.InMemoryDataset`.
    """

    def __init__(
        self,
        root: str,
        window_days: float = 14.0,
        transform: Callable | None = None,
        pre_transform: Callable | None = None,
        force_reload: bool = False,
        log: bool = True,
    ) -> None:
        if not window_days > 0:
            raise ValueError(f"window_days must be positive, got {window_days!r}")
        self.window_days = float(window_days)
        super().__init__(root, transform, pre_transform, force_reload, log)

    def options(self) -> dict[str, Any]:
        return {"window_days": self.window_days}

    def read(self) -> DynamicGraph:
        table = read_table(self.raw_paths[0], 4, delimiter=",")
        ids = torch.from_numpy(table[:, :2]).long()
        if int(ids.min()) < 1:
            raise ValueError(f"{self.raw_paths[0]}: node ids must be 1-based, found {int(ids.min())}")
        rating = torch.from_numpy(table[:, 2]).float()
        return from_temporal_edges(
            ids[:, 0] - 1, ids[:, 1] - 1, table[:, 3],
            label=(rating > 0).long(), edge_attr=rating.view(-1, 1),
            window=self.window_days * DAY, num_nodes=int(ids.max()),
        )


class BitcoinOTC(_SignedBitcoin):
    __doc__ = _SignedBitcoin.__doc__ + stats_doc(6005, 35569, 135, 2, "95 / 20 / 20")

    source = RawSource(
        url="https://snap.stanford.edu/data/soc-sign-bitcoinotc.csv.gz",
        file_name="soc-sign-bitcoinotc.csv",
        sha256="76bd9d8f1d3ff9a1813d9fc8e6902a0ee4d0a2f8c1003842dbc9ec79149ab60c",
    )


class BitcoinAlpha(_SignedBitcoin):
    __doc__ = _SignedBitcoin.__doc__ + stats_doc(7604, 24173, 135, 2, "95 / 20 / 20")

    source = RawSource(
        url="https://snap.stanford.edu/data/soc-sign-bitcoinalpha.csv.gz",
        file_name="soc-sign-bitcoinalpha.csv",
        sha256="1b2a970f327d0ceba0c57bd5919670257cbe4cc0704e2ddac09abc4b08e2ca4d",
    )

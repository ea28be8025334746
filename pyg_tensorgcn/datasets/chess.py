"""The KONECT chess games network."""
from __future__ import annotations

import torch

from ..data import DynamicGraph, from_temporal_edges
from ._base import RawSource, TemporalGraphDataset, read_table, stats_doc


class Chess(TemporalGraphDataset):
    r"""Chess games from KONECT, one snapshot per distinct (monthly) timestamp,
    as in TensorGCN (Malik et al., SDM 2021).

    Player ids are the file's 1-based ids minus one. Games between the same
    white and black player in one snapshot are one event whose outcome is the
    sum of theirs; ``edge_label`` is ``sign(sum) + 1``: 0 black won, 1 draw,
    2 white won, and ``edge_attr`` the summed outcome. Splits in snapshots:
    80 / 10 / 10.

    Args:
        root (str): the dataset folder; ``out.chess`` goes into ``root/raw``.
        transform, pre_transform, force_reload, log: as for
            :class:`~torch_geometric.data.InMemoryDataset`.
    """

    __doc__ = __doc__ + stats_doc(7301, 64958, 100, 3, "80 / 10 / 10")

    source = RawSource(
        url="http://konect.cc/files/download.tsv.chess.tar.bz2",
        file_name="out.chess",
        sha256="3548a96b424286dc067d94fbae261f511d32eb436e50318e0f611be6f8450179",
        packing="tar.bz2:chess/out.chess",
    )

    def read(self) -> DynamicGraph:
        table = torch.from_numpy(read_table(self.raw_paths[0], 4, comments="%"))
        white, black = table[:, 0].long() - 1, table[:, 1].long() - 1
        if int(torch.minimum(white, black).min()) < 0:
            raise ValueError(f"{self.raw_paths[0]}: player ids must be 1-based")
        times, snapshot = torch.unique(table[:, 3], return_inverse=True)
        N = int(torch.maximum(white, black).max()) + 1
        key = (snapshot * N + white) * N + black
        games, event = torch.unique(key, return_inverse=True)
        outcome = torch.zeros(games.numel(), dtype=torch.float64).index_add_(0, event, table[:, 2])
        t = games // (N * N)
        return from_temporal_edges(
            games // N % N, games % N, times[t],
            label=(torch.sign(outcome) + 1).long(), edge_attr=outcome.float().view(-1, 1),
            per_timestamp=True, num_nodes=N,
        )

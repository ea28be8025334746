"""Datasets as data: what the protocol needs to know about each (its class, splits,
classes, the metric that selects models, and how link-prediction positives are made)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..data import DynamicGraph
from ..datasets import BitcoinAlpha, BitcoinOTC, Chess, DynamicSBM, RedditHyperlinks

__all__ = ["DatasetSpec", "DATASETS", "load_graph"]


@dataclass(frozen=True)
class DatasetSpec:
    """One dataset of the protocol.

    Attributes:
        load: ``root -> DynamicGraph`` (``root`` may be ``None`` for generated data).
        splits: train / validation / test snapshots.
        num_classes: edge classes.
        classification_metric: ``"f1_minority"`` (F1 of class 0) or ``"accuracy"``.
        link_drop_label: events with this label are no link-prediction positives
            (Chess: draws, as the reference code does).
        needs_root: whether the dataset reads a raw file.
    """

    load: Callable[[str | None], DynamicGraph]
    splits: tuple[int, int, int]
    num_classes: int
    classification_metric: str = "f1_minority"
    link_drop_label: int | None = None
    needs_root: bool = True


DATASETS: dict[str, DatasetSpec] = {
    "bitcoin-otc": DatasetSpec(lambda root: BitcoinOTC(root, log=False)[0], (95, 20, 20), 2),
    "bitcoin-alpha": DatasetSpec(lambda root: BitcoinAlpha(root, log=False)[0], (95, 20, 20), 2),
    "reddit": DatasetSpec(lambda root: RedditHyperlinks(root, log=False)[0], (66, 10, 10), 2),
    "chess": DatasetSpec(lambda root: Chess(root, log=False)[0], (80, 10, 10), 3,
                         classification_metric="accuracy", link_drop_label=1),
    "dynamic-sbm": DatasetSpec(lambda root: DynamicSBM(root)[0], (28, 6, 6), 2, needs_root=False),
}


def load_graph(name: str, root: str | Path | None) -> DynamicGraph:
    """Load dataset ``name`` from ``root`` (its raw file in ``root/raw``)."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    spec = DATASETS[name]
    if spec.needs_root and root is None:
        raise ValueError(f"dataset {name!r} needs --root, a folder whose raw/ holds its file")
    return spec.load(None if root is None else str(root))

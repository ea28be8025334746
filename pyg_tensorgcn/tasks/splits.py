"""TensorGCN's sliding-window splits: the model always sees ``num_train`` consecutive
snapshots, and each split scores only its own target snapshots."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Split", "sliding_windows", "SPLIT_NAMES"]

SPLIT_NAMES = ("train", "val", "test")
TaskName = Literal["edge-classification", "link-prediction"]


@dataclass(frozen=True)
class Split:
    """One split: the model's input window ``[window_start, window_end)`` and the
    target snapshots ``[target_start, target_end)`` whose edges are scored.

    For edge classification the targets lie inside the window (embeddings at
    ``t`` classify edges at ``t``); for link prediction every target ``t`` is
    predicted from the embedding at ``t - 1``, so the window ends one earlier.
    """

    name: str
    window_start: int
    window_end: int
    target_start: int
    target_end: int

    @property
    def window_length(self) -> int:
        return self.window_end - self.window_start


def sliding_windows(
    num_snapshots: int, num_train: int, num_val: int, num_test: int, task: TaskName
) -> dict[str, Split]:
    """The three splits of ../shared/PROTOCOL.md.

    Targets: train ``[0, S_train)`` (link prediction: ``[1, S_train)``), validation
    ``[S_train, S_train + S_val)``, test the last ``S_test`` snapshots. Windows have
    ``S_train`` snapshots and end at the last target (edge classification) or
    one before it (link prediction).

    Example:
        >>> sliding_windows(135, 95, 20, 20, "edge-classification")["test"]
        Split(name='test', window_start=40, window_end=135, target_start=115, target_end=135)
    """
    if num_train + num_val + num_test != num_snapshots:
        raise ValueError(f"splits {num_train} / {num_val} / {num_test} do not add up to the "
                         f"{num_snapshots} snapshots")
    if min(num_train, num_val, num_test) < 1:
        raise ValueError(f"every split needs a snapshot, got {num_train} / {num_val} / {num_test}")
    if task not in ("edge-classification", "link-prediction"):
        raise ValueError(f"task must be 'edge-classification' or 'link-prediction', got {task!r}")
    shift = 1 if task == "link-prediction" else 0
    targets = {"train": (shift, num_train), "val": (num_train, num_train + num_val),
               "test": (num_train + num_val, num_snapshots)}
    window = num_train - shift
    return {name: Split(name, end - shift - window, end - shift, start, end)
            for name, (start, end) in targets.items()}

"""The TensorGCN evaluation protocol: sliding-window splits, split tensors with fixed
negatives, training with selection on validation only, and the dataset registry."""
from .data import SplitData, link_candidates, link_split, prepare_split, sample_negatives
from .registry import DATASETS, DatasetSpec, load_graph
from .splits import SPLIT_NAMES, Split, sliding_windows
from .training import PRESETS, TensorGCNEncoder, TrainConfig, prepare_splits, preset, run

__all__ = [
    "Split", "sliding_windows", "SPLIT_NAMES", "SplitData", "prepare_split", "prepare_splits",
    "link_split",
    "link_candidates", "TensorGCNEncoder",
    "sample_negatives", "DatasetSpec", "DATASETS", "load_graph", "TrainConfig", "PRESETS",
    "preset", "run",
]

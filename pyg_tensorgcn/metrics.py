r"""Evaluation metrics, vectorized in torch (no loop over edges or snapshots).

Classification: :func:`f1_score` (of one class, e.g. the minority), :func:`accuracy`,
:func:`macro_f1`. Ranking: :func:`average_precision` (scikit-learn's
``average_precision_score`` semantics), :func:`roc_auc`, and the per-snapshot
:func:`mean_average_precision` and :func:`mean_reciprocal_rank` of the TensorGCN
link-prediction protocol.
"""
from __future__ import annotations

import torch
from torch import Tensor

__all__ = [
    "accuracy",
    "f1_score",
    "macro_f1",
    "f1_per_snapshot",
    "average_precision",
    "roc_auc",
    "mean_average_precision",
    "mean_reciprocal_rank",
    "link_prediction_scores",
]


def _check_pair(a: Tensor, b: Tensor, names: tuple[str, str]) -> None:
    if a.dim() != 1 or a.shape != b.shape:
        raise ValueError(f"{names[0]} and {names[1]} must be 1-D of equal length, "
                         f"got {tuple(a.shape)} and {tuple(b.shape)}")


def accuracy(pred: Tensor, target: Tensor) -> float:
    """The fraction of ``pred == target``."""
    _check_pair(pred, target, ("pred", "target"))
    return (pred == target).double().mean().item()


def f1_score(pred: Tensor, target: Tensor, positive: int = 0) -> float:
    """F1 of class ``positive`` (default 0, the minority class of the TensorGCN
    datasets); 0 when the class is neither predicted nor present."""
    _check_pair(pred, target, ("pred", "target"))
    tp = ((pred == positive) & (target == positive)).sum().item()
    predicted, actual = (pred == positive).sum().item(), (target == positive).sum().item()
    return 2 * tp / (predicted + actual) if predicted + actual else 0.0


def f1_per_snapshot(pred: Tensor, target: Tensor, snapshot: Tensor, positive: int = 0) -> dict[int, float]:
    """:func:`f1_score` of every snapshot (keys: the snapshot indices present), vectorized."""
    _check_pair(pred, target, ("pred", "target"))
    keys, group = torch.unique(snapshot, return_inverse=True)

    def count(mask: Tensor) -> Tensor:
        return torch.bincount(group[mask], minlength=keys.numel()).double()

    tp = count((pred == positive) & (target == positive))
    denominator = count(pred == positive) + count(target == positive)
    f1 = torch.where(denominator > 0, 2 * tp / denominator.clamp(min=1), 0.0)
    return dict(zip(keys.tolist(), f1.tolist()))


def macro_f1(pred: Tensor, target: Tensor, num_classes: int) -> float:
    """The unweighted mean of every class's F1."""
    _check_pair(pred, target, ("pred", "target"))
    classes = torch.arange(num_classes, device=pred.device).unsqueeze(1)
    p, t = pred.unsqueeze(0) == classes, target.unsqueeze(0) == classes
    tp = (p & t).sum(1).double()
    denominator = (p.sum(1) + t.sum(1)).double()
    f1 = torch.where(denominator > 0, 2 * tp / denominator.clamp(min=1), 0.0)
    return f1.mean().item()


def _grouped_average_precision(scores: Tensor, labels: Tensor, groups: Tensor) -> tuple[Tensor, Tensor]:
    """Average precision of every group ``0 .. G-1`` (scikit-learn semantics: tied
    scores form one threshold; NaN for a group without positives), and the group sizes."""
    num_groups = int(groups.max()) + 1
    order = torch.argsort(scores, descending=True, stable=True)
    order = order[torch.argsort(groups[order], stable=True)]  # by group, then score descending
    g, s, y = groups[order], scores[order], labels[order].double()
    sizes = torch.bincount(g, minlength=num_groups)
    start = torch.cumsum(sizes, 0) - sizes
    tp = torch.cumsum(y, 0)
    tp = tp - torch.where(start > 0, tp[(start - 1).clamp(min=0)], 0.0)[g]  # within the group
    position = torch.arange(g.numel(), device=g.device) - start[g] + 1
    cut = torch.ones_like(g, dtype=torch.bool)  # the last candidate of each (group, score) run
    cut[:-1] = (g[1:] != g[:-1]) | (s[1:] != s[:-1])
    tp_cut, g_cut, precision = tp[cut], g[cut], tp[cut] / position[cut]
    previous = torch.zeros_like(tp_cut)
    previous[1:] = torch.where(g_cut[1:] == g_cut[:-1], tp_cut[:-1], 0.0)
    ap = torch.zeros(num_groups, dtype=torch.double, device=g.device)
    ap.index_add_(0, g_cut, (tp_cut - previous) * precision)
    positives = torch.zeros_like(ap).index_add_(0, g, y)
    return torch.where(positives > 0, ap / positives.clamp(min=1), torch.nan), sizes


def average_precision(scores: Tensor, labels: Tensor) -> float:
    """Average precision of ``scores`` for binary ``labels`` (1 = positive), as
    ``sklearn.metrics.average_precision_score``."""
    _check_pair(scores, labels, ("scores", "labels"))
    ap, _ = _grouped_average_precision(scores, labels, torch.zeros_like(labels, dtype=torch.long))
    return ap[0].item()


def mean_average_precision(scores: Tensor, labels: Tensor, snapshot: Tensor) -> float:
    """TensorGCN's MAP: the average precision of every snapshot's candidates, averaged
    over snapshots weighted by their number of candidates (snapshots without a
    positive are skipped). ``snapshot`` gives each candidate's snapshot index."""
    _check_pair(scores, labels, ("scores", "labels"))
    _, groups = torch.unique(snapshot, return_inverse=True)
    ap, size = _grouped_average_precision(scores, labels, groups)
    valid = ~torch.isnan(ap)
    return ((ap[valid] * size[valid]).sum() / size[valid].sum()).item()


def mean_reciprocal_rank(scores: Tensor, labels: Tensor, snapshot: Tensor) -> float:
    """The mean over positive candidates of 1 / rank, each positive ranked against
    the negatives of its own snapshot only (other positives never push it down):
    rank = 1 + #negatives scoring higher + #negatives tied / 2."""
    _check_pair(scores, labels, ("scores", "labels"))
    positive = labels.bool()
    _, group = torch.unique(snapshot, return_inverse=True)
    _, level = torch.unique(scores, return_inverse=True)  # dense score ranks, ties equal
    key = group * (int(level.max()) + 2) + level
    negatives = torch.sort(key[~positive]).values
    pos_key = key[positive]
    below = torch.searchsorted(negatives, pos_key, right=False)  # negatives scoring lower...
    below_or_tied = torch.searchsorted(negatives, pos_key, right=True)
    group_end = torch.searchsorted(negatives, (group[positive] + 1) * (int(level.max()) + 2))
    higher = group_end - below_or_tied
    tied = below_or_tied - below
    return (1.0 / (1 + higher + tied / 2)).mean().item()


def roc_auc(scores: Tensor, labels: Tensor) -> float:
    """Area under the ROC curve (Mann-Whitney, tied scores counted half), as
    ``sklearn.metrics.roc_auc_score``."""
    _check_pair(scores, labels, ("scores", "labels"))
    positive = labels.bool()
    P, N = int(positive.sum()), int((~positive).sum())
    if P == 0 or N == 0:
        raise ValueError("roc_auc needs both positive and negative labels")
    _, inverse, counts = torch.unique(scores, return_inverse=True, return_counts=True)
    first_rank = torch.cumsum(counts, 0) - counts  # 0-based rank of each distinct score
    average_rank = first_rank.double() + (counts.double() + 1) / 2
    rank_sum = average_rank[inverse][positive].sum()
    return ((rank_sum - P * (P + 1) / 2) / (P * N)).item()


def link_prediction_scores(scores: Tensor, labels: Tensor, snapshot: Tensor) -> dict[str, float]:
    """The link-prediction metrics of one split's candidates: ``map``, ``mrr`` and ``auc``."""
    return {"map": mean_average_precision(scores, labels, snapshot),
            "mrr": mean_reciprocal_rank(scores, labels, snapshot),
            "auc": roc_auc(scores, labels)}

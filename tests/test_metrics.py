import numpy as np
import pytest
import torch
from sklearn import metrics as sk

from pyg_tensorgcn.metrics import (
    accuracy,
    average_precision,
    f1_score,
    macro_f1,
    mean_average_precision,
    mean_reciprocal_rank,
    roc_auc,
)


def random_scores(seed, n=400, ties=True):
    g = torch.Generator().manual_seed(seed)
    scores = torch.rand(n, generator=g, dtype=torch.float64)
    if ties:  # coarse scores create many ties, the hard case
        scores = (scores * 20).floor() / 20
    labels = (torch.rand(n, generator=g) < 0.2).long()
    snapshot = torch.randint(0, 7, (n,), generator=g)
    return scores, labels, snapshot


@pytest.mark.parametrize("seed", range(5))
def test_classification_metrics_match_sklearn(seed):
    g = torch.Generator().manual_seed(seed)
    target = torch.randint(0, 3, (300,), generator=g)
    pred = torch.where(torch.rand(300, generator=g) < 0.6, target, torch.randint(0, 3, (300,), generator=g))
    assert accuracy(pred, target) == pytest.approx(sk.accuracy_score(target, pred))
    assert macro_f1(pred, target, 3) == pytest.approx(sk.f1_score(target, pred, average="macro"))
    for c in range(3):
        expected = sk.f1_score(target, pred, labels=[c], average="macro")
        assert f1_score(pred, target, positive=c) == pytest.approx(expected)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("ties", [False, True])
def test_ranking_metrics_match_sklearn(seed, ties):
    scores, labels, snapshot = random_scores(seed, ties=ties)
    assert average_precision(scores, labels) == pytest.approx(
        sk.average_precision_score(labels, scores))
    assert roc_auc(scores, labels) == pytest.approx(sk.roc_auc_score(labels, scores))
    per_snapshot, weights = [], []
    for t in snapshot.unique():
        mask = snapshot == t
        if labels[mask].sum() > 0:
            per_snapshot.append(sk.average_precision_score(labels[mask], scores[mask]))
            weights.append(int(mask.sum()))
    expected = np.average(per_snapshot, weights=weights)
    assert mean_average_precision(scores, labels, snapshot) == pytest.approx(expected)


def test_mean_reciprocal_rank_against_its_definition():
    scores, labels, snapshot = random_scores(0)
    reciprocal = []
    for i in torch.nonzero(labels).squeeze(1).tolist():
        negatives = scores[(snapshot == snapshot[i]) & (labels == 0)]
        rank = 1 + (negatives > scores[i]).sum() + (negatives == scores[i]).sum() / 2
        reciprocal.append(1 / rank.item())
    assert mean_reciprocal_rank(scores, labels, snapshot) == pytest.approx(np.mean(reciprocal))


def test_perfect_and_degenerate_cases():
    scores = torch.tensor([0.9, 0.8, 0.1, 0.2])
    labels = torch.tensor([1, 1, 0, 0])
    snapshot = torch.tensor([0, 0, 0, 0])
    assert mean_reciprocal_rank(scores, labels, snapshot) == 1.0
    assert mean_average_precision(scores, labels, snapshot) == 1.0
    assert f1_score(torch.tensor([1, 1]), torch.tensor([1, 1]), positive=0) == 0.0
    with pytest.raises(ValueError, match="needs both positive and negative"):
        roc_auc(scores, torch.ones(4))
    with pytest.raises(ValueError, match=r"must be 1-D of equal length, got \(4,\) and \(3,\)"):
        accuracy(scores, labels[:3])


def test_f1_per_snapshot_matches_sklearn_per_group():
    from pyg_tensorgcn.metrics import f1_per_snapshot

    g = torch.Generator().manual_seed(3)
    target, pred = torch.randint(0, 2, (200,), generator=g), torch.randint(0, 2, (200,), generator=g)
    snapshot = torch.randint(5, 9, (200,), generator=g)
    result = f1_per_snapshot(pred, target, snapshot, positive=0)
    assert sorted(result) == [5, 6, 7, 8]
    for t, value in result.items():
        mask = snapshot == t
        expected = sk.f1_score(target[mask], pred[mask], labels=[0], average="macro")
        assert value == pytest.approx(expected)

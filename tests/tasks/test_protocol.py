import pytest
import torch

from pyg_tensorgcn.mprod import banded
from pyg_tensorgcn.tasks import (
    Split,
    link_candidates,
    load_graph,
    prepare_split,
    preset,
    run,
    sample_negatives,
    sliding_windows,
)
from pyg_tensorgcn.tasks import training as training_module
from pyg_tensorgcn.tasks.training import TensorGCNEncoder, _build

PREPROCESSING = {"symmetrize": True, "edge_life": 2, "add_self_loops": True, "normalize": True}


def test_sliding_windows_follow_the_protocol():
    ec = sliding_windows(135, 95, 20, 20, "edge-classification")
    assert ec["train"] == Split("train", 0, 95, 0, 95)
    assert ec["val"] == Split("val", 20, 115, 95, 115)
    assert ec["test"] == Split("test", 40, 135, 115, 135)
    lp = sliding_windows(135, 95, 20, 20, "link-prediction")
    assert lp["train"] == Split("train", 0, 94, 1, 95)  # targets t from embeddings t - 1
    assert lp["val"] == Split("val", 20, 114, 95, 115)
    assert lp["test"] == Split("test", 40, 134, 115, 135)
    assert {s.window_length for s in lp.values()} == {94}
    with pytest.raises(ValueError, match="do not add up to the 100 snapshots"):
        sliding_windows(100, 95, 20, 20, "edge-classification")


@pytest.fixture(scope="module")
def sbm():
    return load_graph("dynamic-sbm", None)


def test_edge_classification_split_holds_its_target_edges(sbm):
    split = sliding_windows(40, 28, 6, 6, "edge-classification")["val"]
    data = prepare_split(sbm, split, "edge-classification", banded(28, 3), PREPROCESSING)
    in_targets = (sbm.edge_time >= 28) & (sbm.edge_time < 34)
    assert data.index.size(1) == int(in_targets.sum())
    assert torch.equal(data.time + split.window_start, sbm.edge_time[in_targets])
    assert torch.equal(data.label, sbm.edge_label[in_targets])
    assert data.x.shape == (28, sbm.num_nodes, 2) and data.adjacency.shape == (28, 300, 300)


def test_link_prediction_negatives_are_fixed_and_never_positives(sbm):
    split = sliding_windows(40, 28, 6, 6, "link-prediction")["test"]
    first = prepare_split(sbm, split, "link-prediction", banded(27, 3), PREPROCESSING)
    again = prepare_split(sbm, split, "link-prediction", banded(27, 3), PREPROCESSING)
    index, time, label = first.candidates
    assert torch.equal(index, again.candidates[0])  # every model sees the same negatives
    positives = int(label.sum())
    assert positives == first.index.size(1) and label.numel() == 20 * positives
    N = sbm.num_nodes
    positive_keys = set(((first.time * N + first.index[0]) * N + first.index[1]).tolist())
    negative = label == 0
    negative_keys = ((time[negative] * N + index[0, negative]) * N + index[1, negative]).tolist()
    assert not positive_keys & set(negative_keys)
    # targets of snapshot t are scored from the embedding at t - 1
    assert int(first.time.max()) == split.window_length - 1


def test_sample_negatives_rejects_positives_of_a_crowded_snapshot():
    N = 4
    all_but_one = torch.tensor([[i, j] for i in range(N) for j in range(N) if (i, j) != (3, 3)]).T
    time = torch.zeros(all_but_one.size(1), dtype=torch.long)
    pairs, _ = sample_negatives(all_but_one, time, N, torch.Generator().manual_seed(0), per_positive=2)
    assert (pairs == 3).all()  # the only free pair


def test_chess_link_positives_drop_draws():
    from pyg_tensorgcn.data import from_temporal_edges
    from pyg_tensorgcn.tasks.data import link_targets

    graph = from_temporal_edges([0, 1, 2], [1, 2, 0], [0, 0, 1], label=[1, 2, 0], per_timestamp=True)
    index, time = link_targets(graph, drop_label=1)
    assert index.tolist() == [[1, 2], [2, 0]] and time.tolist() == [0, 1]


def test_one_layer_readout_equals_the_full_embedding(sbm):
    config = preset("paper", "edge-classification")
    split = sliding_windows(40, 28, 6, 6, "edge-classification")["train"]
    data = prepare_split(sbm, split, config.task, banded(28, 20), PREPROCESSING)
    model = _build(config, TensorGCNEncoder, data, 2)
    full = model.head(model.embed("train", data), data.index, data.time)
    torch.testing.assert_close(model.edge_logits("train", data), full)


@pytest.mark.parametrize("task", ["edge-classification", "link-prediction"])
def test_run_selects_on_validation_and_scores_test_once(task, monkeypatch):
    scored = []
    original = training_module._scores
    monkeypatch.setattr(training_module, "_scores",
                        lambda model, split, *a: scored.append(split) or original(model, split, *a))
    config = preset("smoke", task, alphas=(0.7, 0.9) if task == "edge-classification" else (0.5,))
    record = run("dynamic-sbm", config, seed=0, progress=False)
    assert scored.count("test") == 1 and scored.count("val") >= 2
    assert set(record["metrics"]) == {"train", "val", "test"}
    assert record["selected"]["epoch"] in (3, 6)
    best_alpha = max(record["validation_by_alpha"], key=record["validation_by_alpha"].get)
    assert str(record["selected"]["alpha"]) == best_alpha
    assert record["timings"]["epoch_s"] > 0 and record["versions"]["torch"]
    metric = "f1_minority" if task == "edge-classification" else "map"
    assert 0.0 <= record["metrics"]["test"][metric] <= 1.0


def test_link_candidates_put_positives_first():
    index = torch.tensor([[0, 1], [1, 2]])
    time = torch.tensor([0, 0])
    all_index, all_time, label = link_candidates(index, time, 5, torch.Generator().manual_seed(0))
    assert label[:2].tolist() == [1.0, 1.0] and label[2:].sum() == 0 and all_index.size(1) == 40
    assert (all_time == 0).all()


@pytest.mark.parametrize("name", ["paper", "budget", "improved"])
def test_paper_preset_initializes_like_the_reference(sbm, name):
    """The paper and budget presets: weights from N(0, 1), no biases (as the authors'
    code); the improved preset: PyG's Glorot initialization with biases."""
    config = preset(name, "edge-classification")
    split = sliding_windows(40, 28, 6, 6, "edge-classification")["train"]
    data = prepare_split(sbm, split, config.task, banded(28, 20), PREPROCESSING)
    torch.manual_seed(0)
    model = _build(config, TensorGCNEncoder, data, 2)
    biases = [n for n, p in [*model.encoder.named_parameters(), *model.head.named_parameters()]
              if "bias" in n]
    weight = model.encoder.model.convs[0].weight
    assert bool(biases) == (name == "improved")
    assert (weight.abs().max() > 1.5) == (name != "improved")  # N(0, 1) vs Glorot's bound
    link = preset(name, "link-prediction")  # link prediction keeps PyG's initialization
    assert (link.init, link.bias) == ("glorot", True)

import shutil
import urllib.error
import urllib.request

import pytest
import torch

from pyg_tensorgcn.data import DynamicGraph
from pyg_tensorgcn.datasets import (
    BitcoinAlpha,
    BitcoinOTC,
    Chess,
    DynamicSBM,
    RedditHyperlinks,
    TemporalEdgeList,
)

# The TensorGCN paper's dataset statistics (../shared/data/README.md): nodes, edges, graphs.
PUBLISHED = {
    BitcoinOTC: ("bitcoin-otc", "soc-sign-bitcoinotc.csv", 6005, 35569, 135, 2),
    BitcoinAlpha: ("bitcoin-alpha", "soc-sign-bitcoinalpha.csv", 7604, 24173, 135, 2),
    Chess: ("chess", "out.chess", 7301, 64958, 100, 3),
}


def place_raw(shared_data, tmp_path, folder, file_name):
    raw = tmp_path / folder / "raw"
    raw.mkdir(parents=True)
    shutil.copy(shared_data / folder / file_name, raw / file_name)
    return tmp_path / folder


@pytest.fixture
def offline(monkeypatch):
    def refuse(*args, **kwargs):
        raise urllib.error.URLError("no network (test)")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)


@pytest.mark.parametrize("cls", list(PUBLISHED), ids=lambda c: c.__name__)
def test_real_dataset_reproduces_the_published_statistics(cls, shared_data, tmp_path, offline):
    folder, file_name, nodes, edges, graphs, classes = PUBLISHED[cls]
    dataset = cls(place_raw(shared_data, tmp_path, folder, file_name), log=False)
    graph = dataset[0]
    assert isinstance(graph, DynamicGraph) and len(dataset) == 1
    assert (graph.num_nodes, graph.num_events, graph.num_snapshots) == (nodes, edges, graphs)
    assert sorted(graph.edge_label.unique().tolist()) == list(range(classes))
    for t in (0, graphs - 1):  # every snapshot is a full window holding events
        assert graph.snapshot(t).num_edges > 0
    assert f"{nodes:,}" in cls.__doc__ and f"{edges:,}" in cls.__doc__


def test_bitcoin_labels_follow_the_rating_sign(shared_data, tmp_path, offline):
    graph = BitcoinOTC(place_raw(shared_data, tmp_path, "bitcoin-otc",
                                 "soc-sign-bitcoinotc.csv"), log=False)[0]
    rating = graph.edge_attr.view(-1)
    assert torch.equal(graph.edge_label, (rating > 0).long())
    assert (graph.edge_label == 0).sum() < (graph.edge_label == 1).sum()  # negatives are rare


def test_processed_file_name_encodes_the_window(shared_data, tmp_path, offline):
    root = place_raw(shared_data, tmp_path, "bitcoin-alpha", "soc-sign-bitcoinalpha.csv")
    two_weeks = BitcoinAlpha(root, log=False)
    one_week = BitcoinAlpha(root, window_days=7, log=False)
    assert two_weeks.processed_file_names != one_week.processed_file_names
    assert one_week[0].num_snapshots == 271 and two_weeks[0].num_snapshots == 135


def test_malformed_raw_file_gives_file_and_row_and_no_processed_file(tmp_path, offline):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "soc-sign-bitcoinotc.csv").write_text("6,2,4,1289241911.7\n6,5,2,1289241941.5\n1,15\n")
    with pytest.raises(ValueError, match=r"soc-sign-bitcoinotc.csv: malformed raw file.*row 3"):
        BitcoinOTC(tmp_path, log=False)
    processed = tmp_path / "processed"
    assert not any(p.suffix == ".pt" and "bitcoinotc" in p.name for p in processed.glob("*"))


def test_missing_file_offline_says_what_to_put_where(tmp_path, offline):
    with pytest.raises(FileNotFoundError, match=r"place the raw file 'out.chess' at .*raw/out.chess"):
        Chess(tmp_path, log=False)


REDDIT_HEADER = "SOURCE_SUBREDDIT\tTARGET_SUBREDDIT\tPOST_ID\tTIMESTAMP\tLINK_SENTIMENT\tPROPERTIES\n"


def reddit_line(src, dst, stamp, sentiment, post="1u4nrps"):
    properties = ",".join(f"{0.1 * k:.3f}" for k in range(86))
    return f"{src}\t{dst}\t{post}\t{stamp}\t{sentiment}\t{properties}\n"


def test_reddit_fixture_in_the_snap_format(tmp_path, offline):
    lines = [
        reddit_line("leagueoflegends", "teamredditteams", "2014-01-01 00:00:00", 1),
        reddit_line("theredlion", "soccer", "2014-01-02 12:30:00", -1),
        reddit_line("leagueoflegends", "soccer", "2014-01-20 08:00:00", 1),
        reddit_line("soccer", "theredlion", "2014-02-05 23:59:59", -1),
        reddit_line("soccer", "leagueoflegends", "2014-02-20 00:00:00", 1),  # past 3 windows
    ]
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "soc-redditHyperlinks-body.tsv").write_text(REDDIT_HEADER + "".join(lines))
    graph = RedditHyperlinks(tmp_path, chunk_lines=2, log=False)[0]
    assert graph.num_snapshots == 3 and graph.num_events == 4
    assert graph.edge_label.tolist() == [1, 0, 1, 0]
    assert graph.edge_time.tolist() == [0, 0, 1, 2]
    names = graph.node_names
    assert sorted(names) == ["leagueoflegends", "soccer", "teamredditteams", "theredlion"]
    src, dst = graph.edge_index
    assert [names[i] for i in src.tolist()] == ["leagueoflegends", "theredlion",
                                                "leagueoflegends", "soccer"]
    assert names[dst[0]] == "teamredditteams"


def test_reddit_truncated_file(tmp_path, offline):
    raw = tmp_path / "raw"
    raw.mkdir()
    good = reddit_line("a", "b", "2014-01-01 00:00:00", 1)
    (raw / "soc-redditHyperlinks-body.tsv").write_text(REDDIT_HEADER + good * 3 + "a\tb\t1u4\n")
    with pytest.raises(ValueError, match=r"soc-redditHyperlinks-body.tsv: malformed line in lines"):
        RedditHyperlinks(tmp_path, log=False)


def test_temporal_edge_list_with_header_and_datetimes(tmp_path):
    source = tmp_path / "calls.csv"
    source.write_text("caller;callee;when;minutes;kind\n"
                      "ann;bob;2020-01-01T10:00:00;3;0\n"
                      "bob;cid;2020-01-01T11:00:00;5;1\n"
                      "cid;ann;2020-01-02T09:00:00;1;1\n")
    dataset = TemporalEdgeList(tmp_path / "ds", str(source), src="caller", dst="callee",
                               time="when", weight="minutes", label="kind", sep=";",
                               header=True, time_format="datetime", node_ids="names",
                               window=43_200.0, log=False)
    graph = dataset[0]
    assert graph.num_nodes == 3 and graph.num_snapshots == 1 and graph.num_events == 2
    assert graph.edge_weight.tolist() == [3.0, 5.0]
    assert graph.edge_label.tolist() == [0, 1]
    with pytest.raises(ValueError, match=r"column 'start' \(time\) not in the header"):
        TemporalEdgeList(tmp_path / "ds2", str(source), time="start", sep=";", header=True,
                         log=False)


def test_temporal_edge_list_bad_values_name_the_column(tmp_path):
    source = tmp_path / "edges.txt"
    source.write_text("0 1 10\n1 2 noon\n")
    with pytest.raises(ValueError, match=r"column 2 \(time\) in the chunk from line 1"):
        TemporalEdgeList(tmp_path / "ds", str(source), sep=" ", log=False)
    assert not list((tmp_path / "ds" / "processed").glob("temporaledgelist*.pt"))


def test_dynamic_sbm_is_seeded_and_needs_no_file(tmp_path):
    a, b = DynamicSBM()[0], DynamicSBM()[0]
    assert torch.equal(a.edge_index, b.edge_index) and torch.equal(a.edge_label, b.edge_label)
    c = DynamicSBM(seed=1)[0]
    assert not torch.equal(a.edge_index, c.edge_index)
    assert a.num_snapshots == 40 and a.num_events == 40 * 600
    same = a.community[a.edge_time, a.edge_index[0]] == a.community[a.edge_time, a.edge_index[1]]
    assert torch.equal(a.edge_label, same.long())
    assert 0.1 < (a.edge_label == 0).float().mean() < 0.4  # the minority class
    cached = DynamicSBM(tmp_path, num_nodes=50, events_per_snapshot=10)
    assert "num_nodes=50" in cached.processed_file_names[0]
    assert torch.equal(DynamicSBM(tmp_path, num_nodes=50, events_per_snapshot=10)[0].edge_index,
                       cached[0].edge_index)
    with pytest.raises(ValueError, match="p_intra must lie in"):
        DynamicSBM(p_intra=1.5)

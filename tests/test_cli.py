import json
import subprocess
import sys

from pyg_tensorgcn.cli import main


def test_train_without_arguments_runs_the_demo(tmp_path, capsys):
    assert main(["train", "--out", str(tmp_path)]) == 0
    summary = capsys.readouterr().out
    assert "dynamic-sbm edge-classification tensorgcn (demo): test f1_minority" in summary
    (record_path,) = tmp_path.glob("*.json")
    record = json.loads(record_path.read_text())
    assert record["preset"] == "demo" and record["config"]["epochs"] == 150
    assert record["metrics"]["test"]["f1_minority"] > 0.6  # the all-minority baseline is ~0.31
    modified = record_path.stat().st_mtime_ns
    assert main(["train", "--out", str(tmp_path)]) == 0  # resumable: the seed is not rerun
    assert record_path.stat().st_mtime_ns == modified

    assert main(["report", str(tmp_path)]) == 0
    table = (tmp_path / "report.md").read_text()
    row = "| dynamic-sbm | edge-classification | tensorgcn | demo | glorot, biases | 1 | f1_minority |"
    assert row in table
    assert list(tmp_path.glob("curves_*.png"))


def test_bad_arguments_give_one_line_and_exit_2(tmp_path):
    for args in (["train", "--dataset", "chess"],
                 ["train", "--dataset", "bitcoin-otc", "--root", str(tmp_path / "missing")],
                 ["report", str(tmp_path)]):
        done = subprocess.run([sys.executable, "-m", "pyg_tensorgcn", *args],
                              capture_output=True, text=True)
        assert done.returncode == 2, args
        assert "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1 and "error" in done.stderr

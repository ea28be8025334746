"""Every benchmark script runs end to end in its --quick mode and writes a record,
so the harness cannot rot. (The numbers of a quick run mean nothing.)"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
SCRIPTS = sorted(p.name for p in BENCHMARKS.glob("bench_*.py"))


@pytest.mark.parametrize("script", SCRIPTS)
def test_benchmark_runs_quick(script, tmp_path):
    done = subprocess.run(
        [sys.executable, script, "--quick", "--out", str(tmp_path)],
        cwd=BENCHMARKS, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    records = list(tmp_path.glob("*.json"))
    assert len(records) == 1
    record = json.loads(records[0].read_text())
    assert record["rows"] and record["machine"]["torch"]
    assert "|" in done.stdout  # the printed table


def test_there_are_benchmarks():
    assert "bench_transforms.py" in SCRIPTS

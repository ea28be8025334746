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
    records = [json.loads(p.read_text()) for p in tmp_path.glob("*.json")]
    assert records
    for record in records:  # harness records hold table rows; run records hold metrics
        assert record.get("rows") or record.get("metrics", {}).get("test")
    assert "|" in done.stdout  # the printed table


def test_there_are_benchmarks():
    assert {"bench_transforms.py", "bench_layer.py", "bench_baselines.py"} <= set(SCRIPTS)

"""Two CPU processes (torchrun, gloo on loopback) average to a single process's gradients."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def test_two_processes_average_to_the_single_process_gradients(tmp_path):
    pytest.importorskip("torch_sparse")  # NeighborLoader's sampler
    single, double = tmp_path / "one.pt", tmp_path / "two.pt"
    script = str(BENCHMARKS / "train_distributed.py")
    for command in (
        [sys.executable, script, "--check-gradients", str(single)],
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
         script, "--check-gradients", str(double)],
    ):
        process = subprocess.Popen(command, cwd=BENCHMARKS, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True, env={**os.environ, "GLOO_SOCKET_IFNAME": "lo"})
        try:
            _, stderr = process.communicate(timeout=300)
        except subprocess.TimeoutExpired:
            process.terminate()  # torchrun stops its workers on SIGTERM; SIGKILL would orphan them
            _, stderr = process.communicate(timeout=60)
            pytest.fail(f"timed out: {stderr[-3000:]}")
        assert process.returncode == 0, stderr[-3000:]
    one, two = torch.load(single), torch.load(double)
    assert one.keys() == two.keys() and len(one) > 4
    for name in one:
        torch.testing.assert_close(two[name], one[name], rtol=1e-5, atol=1e-6, msg=name)

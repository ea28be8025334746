"""Shared benchmark harness: timing, peak memory, printed tables and JSON records.

Every script builds a list of row dicts, prints them with :func:`print_table` and
stores them with :func:`write_record` as ``benchmarks/results/<name>.json``
together with the machine, library versions and the exact command line.
Compare rows measured in the same run (ratios); this machine is shared and noisy.
"""
from __future__ import annotations

import argparse
import ctypes
import json
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch

RESULTS = Path(__file__).resolve().parent / "results"


def measure(fn: Callable[[], Any], *, repeat: int = 5, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` in seconds over ``repeat`` runs after ``warmup``."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _status_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _release_free_heap() -> None:
    """Hand the C heap's free pages back to the kernel (glibc), so that memory freed by
    earlier work in the process is not reused unseen by the next measurement."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


class PeakMemory:
    """Peak extra resident memory (GB) of the code in a ``with`` block, on Linux:
    the heap's free pages are released and the kernel's high-water mark reset on entry
    (``/proc/self/clear_refs``), then compared with the resident size at entry.
    ``gb`` is ``None`` elsewhere."""

    def __enter__(self) -> PeakMemory:
        self.gb = None
        _release_free_heap()
        try:
            with open("/proc/self/clear_refs", "w") as clear:
                clear.write("5")
            self.baseline = _status_kb("VmRSS")
        except OSError:
            self.baseline = None
        return self

    def __exit__(self, *exc: object) -> None:
        peak = _status_kb("VmHWM")
        if self.baseline is not None and peak is not None:
            self.gb = max(peak - self.baseline, 0) / 1e6


def read_bandwidth_gbs(num_bytes: int = 2**30) -> float:
    """Memory read bandwidth in GB/s: a sum over a buffer much larger than the caches."""
    buffer = torch.ones(num_bytes // 4)
    seconds = measure(lambda: buffer.sum(), repeat=5)
    return num_bytes / seconds / 1e9


def peak_rss_gb() -> float:
    """Peak resident memory of this process so far, in GB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "processor": platform.processor() or platform.machine(),
        "cuda": torch.cuda.get_device_name() if torch.cuda.is_available() else None,
        # PyTorch's transparent huge pages for large CPU tensors: a fresh 1 GB tensor then
        # pays about half the page-fault time (benchmarks/README.md)
        "THP_MEM_ALLOC_ENABLE": os.environ.get("THP_MEM_ALLOC_ENABLE"),
    }


def print_table(rows: Sequence[dict[str, Any]], title: str = "") -> None:
    """Print rows as a markdown table (the union of their keys, in order of appearance)."""
    if not rows:
        return
    columns = list(dict.fromkeys(key for row in rows for key in row))
    cells = [[_format(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    if title:
        print(f"\n{title}")
    print("| " + " | ".join(c.ljust(w) for c, w in zip(columns, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells:
        print("| " + " | ".join(v.rjust(w) for v, w in zip(row, widths)) + " |")


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)


def write_record(
    name: str, rows: Sequence[dict[str, Any]], config: dict[str, Any], out: Path = RESULTS
) -> Path:
    """Write ``<out>/<name>.json`` (rows, config, machine, command) and return its path."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.json"
    record = {
        "benchmark": name,
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": machine(),
        "config": config,
        "rows": list(rows),
    }
    path.write_text(json.dumps(record, indent=2) + "\n")
    return path


def parser(description: str) -> argparse.ArgumentParser:
    """The common options: ``--quick`` (tiny sizes, for the CI smoke test), ``--out``
    (the records' folder) and ``--name``."""
    p = argparse.ArgumentParser(description=description,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=RESULTS, help="folder for the JSON record")
    p.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test, not a result")
    p.add_argument("--name", default=None, help="record name (default: the script's, + '-quick')")
    return p


def digits_split(seed: int, dtype: torch.dtype = torch.float32):
    """scikit-learn's bundled 8 x 8 digits (no download), scaled to [0, 1], split 70 / 30."""
    from sklearn.datasets import load_digits

    images, labels = load_digits(return_X_y=True)
    x = torch.tensor(images, dtype=dtype).view(-1, 8, 8) / 16
    y = torch.tensor(labels)
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
    cut = int(0.7 * len(y))
    return (x[order[:cut]], y[order[:cut]]), (x[order[cut:]], y[order[cut:]])


def save_plot(path: Path, draw) -> Path:
    """Draw with ``draw(ax)`` into a PNG at ``path`` (matplotlib, Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.6))
    draw(ax)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path

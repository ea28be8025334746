"""The ``tensorgcn`` command (also ``python -m pyg_tensorgcn``).

    tensorgcn train                      # TensorGCN on the embedded DynamicSBM, under a minute
    tensorgcn train --dataset bitcoin-otc --task edge-classification --root data/bitcoin-otc \\
                    --preset paper --seeds 5 --jobs 2 --out results/
    tensorgcn report results/            # markdown table (mean ± std) and PNG curves
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any


def main_metric(dataset: str, task: str) -> str:
    """The metric a table reports: the dataset's selection metric, MAP for links."""
    from .tasks import DATASETS

    if task == "link-prediction":
        return "map"
    return DATASETS[dataset].classification_metric if dataset in DATASETS else "f1_minority"


def _parser() -> argparse.ArgumentParser:
    from .tasks import DATASETS, PRESETS

    parser = argparse.ArgumentParser(prog="tensorgcn", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train and evaluate under the TensorGCN protocol")
    train.add_argument("--dataset", default="dynamic-sbm", choices=list(DATASETS))
    train.add_argument("--task", default="edge-classification",
                       choices=["edge-classification", "link-prediction"])
    train.add_argument("--model", default="tensorgcn", choices=["tensorgcn"])
    train.add_argument("--preset", default=None, choices=list(PRESETS),
                       help="default: 'demo' on dynamic-sbm, 'paper' elsewhere")
    train.add_argument("--root", default=None, help="dataset folder (its raw file in ROOT/raw)")
    train.add_argument("--seeds", type=int, default=1, help="runs with seeds 0 .. SEEDS-1")
    train.add_argument("--epochs", type=int, default=None, help="override the preset's epochs")
    train.add_argument("--jobs", type=int, default=1, help="seeds run in parallel processes")
    train.add_argument("--out", type=Path, default=Path("results"), help="folder for JSON records")
    train.add_argument("--force", action="store_true", help="rerun seeds whose record exists")
    train.add_argument("--device", default="cpu")
    report = commands.add_parser("report", help="table and curves from a folder of records")
    report.add_argument("results", type=Path)
    return parser


def _record_path(out: Path, args: argparse.Namespace, preset_name: str, seed: int) -> Path:
    return out / f"{args.dataset}_{args.task}_{args.model}_{preset_name}_seed{seed}.json"


def _run_one(job: tuple[dict[str, Any], int, str]) -> dict[str, Any]:
    """One seed, in a worker process: train, select, write the record atomically."""
    import torch

    from .tasks import preset, run

    options, seed, path = job
    torch.set_num_threads(options.pop("threads"))
    config = preset(options["preset"], options["task"], **options["overrides"])
    record = run(options["dataset"], config, seed=seed, root=options["root"],
                 device=options["device"], progress=options["progress"])
    record["preset"] = options["preset"]
    tmp = Path(path + ".tmp")
    tmp.write_text(json.dumps(record, indent=1) + "\n")
    os.replace(tmp, path)
    return record


def train(args: argparse.Namespace) -> int:
    import torch

    from .tasks import DATASETS

    preset_name = args.preset or ("demo" if args.dataset == "dynamic-sbm" else "paper")
    if DATASETS[args.dataset].needs_root and args.root is None:
        raise ValueError(f"--dataset {args.dataset} needs --root DIR with its raw file in DIR/raw")
    if args.root is not None and not Path(args.root).is_dir():
        raise FileNotFoundError(f"--root {args.root} is not a folder")
    if args.seeds < 1 or args.jobs < 1:
        raise ValueError(f"--seeds and --jobs must be positive, got {args.seeds} and {args.jobs}")
    args.out.mkdir(parents=True, exist_ok=True)
    overrides = {} if args.epochs is None else {"epochs": args.epochs}
    threads = max(1, torch.get_num_threads() // args.jobs)
    options = {"dataset": args.dataset, "task": args.task, "preset": preset_name,
               "root": args.root, "device": args.device, "overrides": overrides,
               "progress": args.jobs == 1, "threads": threads}
    jobs, records = [], []
    for seed in range(args.seeds):
        path = _record_path(args.out, args, preset_name, seed)
        if path.exists() and not args.force:  # resumable: finished seeds are kept
            records.append(json.loads(path.read_text()))
            continue
        jobs.append((dict(options), seed, str(path)))
    if args.jobs > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(args.jobs) as pool:
            records += list(pool.map(_run_one, jobs))
    else:
        records += [_run_one(job) for job in jobs]
    metric = main_metric(args.dataset, args.task)
    values = [r["metrics"]["test"][metric] for r in records]
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    print(f"{args.dataset} {args.task} {args.model} ({preset_name}): test {metric} "
          f"{statistics.mean(values):.4f} ± {spread:.4f} over {len(values)} seed(s); "
          f"records in {args.out}")
    return 0


def report(args: argparse.Namespace) -> int:
    records = [json.loads(p.read_text()) for p in sorted(args.results.glob("*.json"))]
    if not records:
        raise FileNotFoundError(f"no JSON records in {args.results}")
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in records:
        groups[(r["dataset"], r["task"], r["model"], r.get("preset", "?"),
                _initialization(r["config"]))].append(r)
    lines = ["| dataset | task | model | preset | initialization | seeds | test metric | mean ± std | "
             "every seed | s / epoch |", "|---|---|---|---|---|---|---|---|---|---|"]
    for (dataset, task, model, preset_name, init), runs in sorted(groups.items()):
        metric = main_metric(dataset, task)
        values = [r["metrics"]["test"][metric] for r in runs]
        spread = statistics.stdev(values) if len(values) > 1 else 0.0
        epoch_s = statistics.mean(r["timings"]["epoch_s"] for r in runs)
        every = ", ".join(f"{v:.4f}" for v in values)
        lines.append(f"| {dataset} | {task} | {model} | {preset_name} | {init} | {len(runs)} | {metric} "
                     f"| {statistics.mean(values):.4f} ± {spread:.4f} | {every} | {epoch_s:.4f} |")
    table = "\n".join(lines) + "\n"
    (args.results / "report.md").write_text(table)
    print(table, end="")
    _plot_curves(groups, args.results)
    return 0


def _initialization(config: dict) -> str:
    """How a run's weights started (records older than the option used Glorot and biases)."""
    bias = "biases" if config.get("bias", True) else "no biases"
    return f"{config.get('init', 'glorot')}, {bias}"


def _plot_curves(groups: dict[tuple, list[dict]], folder: Path) -> None:
    """One PNG per group: the validation metric over epochs, a line per seed and alpha."""
    try:
        import matplotlib
    except ImportError:
        print("matplotlib is not installed: no curves drawn (pip install matplotlib)")
        return
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for key, runs in groups.items():
        fig, ax = plt.subplots(figsize=(6, 3.5))
        for r in runs:
            for alpha, curve in r["curves"].items():
                ax.plot([c["epoch"] for c in curve], [c["val"] for c in curve],
                        lw=1, label=f"seed {r['seed']}, alpha {alpha}")
        ax.set(xlabel="epoch", ylabel="validation metric", title=" / ".join(key))
        if sum(len(r["curves"]) for r in runs) <= 10:
            ax.legend(fontsize=7)
        fig.tight_layout()
        name = "_".join([*key[:-1], key[-1].replace(", ", "-").replace(" ", "-")])
        fig.savefig(folder / f"curves_{name}.png", dpi=110)
        plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return train(args) if args.command == "train" else report(args)
    except (ValueError, FileNotFoundError, OSError, KeyError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"tensorgcn: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

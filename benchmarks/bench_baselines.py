"""TensorGCN against the paper's baselines (static GCN, WD-GCN, EvolveGCN-O/-H from
torch-geometric-temporal, and EdgeBank for link prediction) under one protocol: the
same data, degree features, heads, negatives, seeds and selection on validation.
Each run writes a record (metrics, time per epoch and to the selected epoch, peak extra
memory) into results/baselines/; the table goes into benchmarks/README.md.

    python benchmarks/bench_baselines.py --root-dir DATA --preset budget \
        --include benchmarks/results/reproduction   # the README's table
    python benchmarks/bench_baselines.py --root-dir DATA --datasets bitcoin-otc --seeds 5
    python benchmarks/bench_baselines.py --quick     # every model a few epochs on DynamicSBM
"""
from __future__ import annotations

import json
import statistics
from pathlib import Path

from baselines import ENCODERS, edgebank_record
from harness import RESULTS, PeakMemory, parser, print_table

from pyg_tensorgcn.cli import main_metric
from pyg_tensorgcn.tasks import DATASETS, TensorGCNEncoder, preset, run

MODELS = {"tensorgcn": TensorGCNEncoder, **ENCODERS}
EDGEBANK = ("edgebank", "edgebank-undirected")  # link prediction only, nothing to train
TASKS = ("edge-classification", "link-prediction")
README = Path(__file__).resolve().parent / "README.md"
MARKERS = ("<!-- baselines-table:start -->", "<!-- baselines-table:end -->")


def one_run(model: str, dataset: str, task: str, seed: int, preset_name: str, root: str | None,
            epochs: int | None) -> dict:
    with PeakMemory() as memory:
        if model in EDGEBANK:
            record = edgebank_record(dataset, root, seed, undirected=model == EDGEBANK[1])
        else:
            overrides = {} if epochs is None else {"epochs": epochs}
            record = run(dataset, preset(preset_name, task, **overrides), seed=seed, root=root,
                         encoder=MODELS[model], model_name=model, progress=False)
    record["preset"], record["peak_extra_gb"] = preset_name, memory.gb
    return record


def table(records: list[dict]) -> list[dict]:
    rows, groups = [], {}
    for r in records:
        epochs = r["config"].get("epochs", 0)
        groups.setdefault((r["dataset"], r["task"], r["model"], r["preset"], epochs), []).append(r)
    for (dataset, task, model, preset_name, epochs), runs in sorted(groups.items()):
        metric = main_metric(dataset, task)
        values = [r["metrics"]["test"][metric] for r in runs]
        rows.append({
            "dataset": dataset, "task": task, "model": model, "preset": preset_name,
            "epochs": epochs, "seeds": len(runs), "metric": metric,
            "mean ± std": f"{statistics.mean(values):.4f} ± "
                          f"{statistics.stdev(values) if len(values) > 1 else 0.0:.4f}",
            "s/epoch": statistics.mean(r["timings"]["epoch_s"] for r in runs),
            "train s": statistics.mean(r["timings"]["train_s"] for r in runs),
            "s to selected epoch": statistics.mean(r["timings"]["to_selected_epoch_s"] for r in runs),
            "peak GB": max((r["peak_extra_gb"] for r in runs if "peak_extra_gb" in r), default="-"),
        })
    return rows


def write_readme_table(rows: list[dict]) -> None:
    """Replace the table between the markers of benchmarks/README.md."""
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(f"{row[c]:.4g}" if isinstance(row[c], float) else str(row[c])
                                for c in columns) + " |" for row in rows]
    text = README.read_text()
    start, end = text.index(MARKERS[0]) + len(MARKERS[0]), text.index(MARKERS[1])
    README.write_text(text[:start] + "\n" + "\n".join(lines) + "\n" + text[end:])


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--models", nargs="+", default=[*MODELS, *EDGEBANK])
    p.add_argument("--datasets", nargs="+", default=["bitcoin-otc", "bitcoin-alpha", "chess"])
    p.add_argument("--tasks", nargs="+", default=list(TASKS))
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--preset", default="paper")
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--root-dir", default=None, help="folder with one dataset root per dataset")
    p.add_argument("--include", nargs="*", type=Path, default=[],
                   help="folders of finished records to add to the table (nothing is rerun), "
                        "e.g. benchmarks/results/reproduction")
    args = p.parse_args()
    if args.quick:
        args.datasets, args.seeds, args.preset = ["dynamic-sbm"], 1, "smoke"
    out = args.out if args.out != RESULTS else RESULTS / "baselines"
    out.mkdir(parents=True, exist_ok=True)
    # a run with --epochs is another configuration: its records get their own names
    run_name = args.preset if args.epochs is None else f"{args.preset}-{args.epochs}epochs"
    for dataset in args.datasets:
        root = None if not DATASETS[dataset].needs_root else str(Path(args.root_dir) / dataset)
        for task in args.tasks:
            for model in args.models:
                if model in EDGEBANK and task != "link-prediction":
                    continue
                for seed in range(1 if model in EDGEBANK else args.seeds):
                    path = out / f"{dataset}_{task}_{model}_{run_name}_seed{seed}.json"
                    if path.exists():  # resumable
                        continue
                    record = one_run(model, dataset, task, seed, args.preset, root, args.epochs)
                    path.write_text(json.dumps(record, indent=1) + "\n")
    # the table covers every record of the folder (earlier runs with other options too)
    records = [json.loads(path.read_text()) for folder in [out, *args.include]
               for path in sorted(folder.glob("*_seed*.json"))]
    rows = table(records)
    print_table(rows, "test metric (mean ± std over seeds), cost per epoch, peak extra memory")
    if not args.quick:
        write_readme_table(rows)
    print(f"\nrecords: {out}")


if __name__ == "__main__":
    main()

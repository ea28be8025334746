"""Where a training epoch's time goes, for every model of bench_baselines.py side by side
in one run: the whole step of ``pyg_tensorgcn.tasks.run`` (encoder, head, loss,
backward, optimizer; the ``budget`` preset), the encoder alone (its embeddings of the
whole training window, forward + backward), and for link prediction the sampling of
the epoch's 19 negatives per positive, which every model shares; and the peak extra
resident memory of each model's whole run (data preparation, training, evaluation).

    python benchmarks/bench_epoch.py --root-dir DATA        # Bitcoin OTC, both tasks
    python benchmarks/bench_epoch.py --quick                # DynamicSBM, a smoke test
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch
from bench_baselines import MODELS, TASKS
from harness import PeakMemory, measure, parser, print_table, write_record

from pyg_tensorgcn.tasks import DATASETS, link_candidates, load_graph, prepare_splits, preset, run


def encoder_step(encoder: torch.nn.Module, data) -> Callable[[], None]:
    """One forward + backward of the encoder's embeddings of the training window."""
    def step() -> None:
        encoder.zero_grad()
        encoder("train", data).sum().backward()
    return step


def rows_for(dataset: str, root: str | None, task: str, epochs: int, repeat: int) -> list[dict]:
    """Rows of every model. An epoch's time is the steady state: the training time of a
    run of ``2 * epochs`` minus that of a run of ``epochs``, over ``epochs`` (one-time
    work, such as TensorGCN's propagation of the fixed features, falls out)."""
    configs = [preset("budget", task, epochs=e, eval_every=e) for e in (epochs, 2 * epochs)]
    data = prepare_splits(load_graph(dataset, root), dataset, configs[0])["train"]
    generator = torch.Generator().manual_seed(0)
    negatives_s = measure(lambda: link_candidates(data.index, data.time, data.num_nodes,
                                                  generator), repeat=repeat)
    rows = []
    for model, encoder_class in MODELS.items():
        train_s = []
        for config in configs:
            torch.manual_seed(0)
            with PeakMemory() as memory:  # the longer run's is kept
                record = run(dataset, config, root=root, encoder=encoder_class,
                             model_name=model, progress=False)
            train_s.append(record["timings"]["train_s"])
        rows.append({"dataset": dataset, "task": task, "model": model,
                     "epoch_s": (train_s[1] - train_s[0]) / epochs,
                     "run_peak_extra_gb": memory.gb,
                     "encoder_fwd+bwd_s": measure(encoder_step(encoder_class(configs[0], data),
                                                               data), repeat=repeat),
                     "negatives_s": negatives_s if task == "link-prediction" else None})
    for row in rows:
        row["epoch_x_tensorgcn"] = row["epoch_s"] / rows[0]["epoch_s"]
        row["encoder_x_tensorgcn"] = row["encoder_fwd+bwd_s"] / rows[0]["encoder_fwd+bwd_s"]
    return rows


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--root-dir", default=None, help="folder with one dataset root per dataset")
    p.add_argument("--dataset", default="bitcoin-otc", choices=list(DATASETS))
    p.add_argument("--epochs", type=int, default=20,
                   help="E: runs of E and 2E epochs per model give the time of an epoch")
    args = p.parse_args()
    dataset = "dynamic-sbm" if args.quick else args.dataset
    root = str(Path(args.root_dir) / dataset) if DATASETS[dataset].needs_root else None
    repeat = 2 if args.quick else 5
    rows = [row for task in TASKS
            for row in rows_for(dataset, root, task, 2 if args.quick else args.epochs, repeat)]
    print_table(rows, "one training epoch (seconds; x_tensorgcn: times TensorGCN's)")
    name = args.name or Path(__file__).stem + ("-quick" if args.quick else "")
    print(f"\nrecord: {write_record(name, rows, {'preset': 'budget'}, args.out)}")


if __name__ == "__main__":
    main()

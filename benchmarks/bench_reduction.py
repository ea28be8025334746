"""Accuracy against speedup of DEIM-reduced networks: a stable residual network (width
64) trained on scikit-learn's 8 x 8 digits, every layer reduced to m nonlinear terms
(Q-DEIM, calibrated on the training set), for m from 4 to 64. Speedup = measured
latency of the residual layers before / after; a table and a plot.

    python benchmarks/bench_reduction.py            # the full sweep
    python benchmarks/bench_reduction.py --quick    # a smoke test
"""
from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from harness import digits_split, parser, print_table, save_plot, write_record

from pyg_tensorgcn.reduction import ResidualNet, reduce


def main() -> None:
    args = parser(__doc__).parse_args()
    width, epochs, ms = (16, 5, [4, 16]) if args.quick else (64, 400, [4, 8, 16, 24, 32, 48, 64])
    (x_train, y_train), (x_test, y_test) = digits_split(0)
    x_train, x_test = x_train.flatten(1), x_test.flatten(1)
    torch.manual_seed(0)
    model = ResidualNet(64, width, 10, num_layers=6, h=0.2)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(epochs):
        optimizer.zero_grad()
        F.cross_entropy(model(x_train), y_train).backward()
        optimizer.step()

    def accuracy(net):
        with torch.no_grad():
            return (net(x_test).argmax(-1) == y_test).float().mean().item()

    full = accuracy(model)
    rows = []
    for m in ms:
        reduced, reports = reduce(model, x_train, m=m, method="qdeim")
        before = sum(r.latency_before_s for r in reports)
        after = sum(r.latency_after_s for r in reports)
        rows.append({"m": m, "width": width, "test_accuracy": accuracy(reduced),
                     "full_accuracy": full, "flop_ratio": reports[0].flops_before / reports[0].flops_after,
                     "speedup": before / after,
                     "max_error_constant": max(r.error_constant for r in reports),
                     "max_layer_error": max(r.output_error for r in reports)})
    print_table(rows, f"DEIM-reduced residual network on digits (width {width}, 6 layers)")
    name = args.name or Path(__file__).stem + ("-quick" if args.quick else "")
    path = write_record(name, rows, {"epochs": epochs, "width": width, "method": "qdeim"}, args.out)

    def draw(ax):
        ax.plot([r["flop_ratio"] for r in rows], [r["test_accuracy"] for r in rows], "o-",
                label="by FLOP ratio")
        ax.plot([r["speedup"] for r in rows], [r["test_accuracy"] for r in rows], "x",
                label="by measured latency")
        for r in rows:
            ax.annotate(f"m={r['m']}", (r["flop_ratio"], r["test_accuracy"]), fontsize=7)
        ax.axhline(full, color="gray", ls="--", label="full network")
        ax.set(xscale="log", xlabel="speedup of the residual layers", ylabel="test accuracy",
               title="DEIM reduction: accuracy vs speedup")
        ax.legend(fontsize=8)

    print(f"\nrecord: {path}\nplot: {save_plot(path.with_suffix('.png'), draw)}")


if __name__ == "__main__":
    main()

"""Tensor neural network (DCT, stable forward-Euler steps) against a matrix network of
equal depth on scikit-learn's 8 x 8 digits: test accuracy over 5 seeds and parameter
counts, a table and a plot. (MNIST would need torchvision, which this project does not
install; the script says so when it is missing.)

    python benchmarks/bench_tnn.py            # 5 seeds
    python benchmarks/bench_tnn.py --quick    # a smoke test
"""
from __future__ import annotations

import statistics
from pathlib import Path

import torch
import torch.nn.functional as F
from harness import digits_split, parser, print_table, save_plot, write_record
from torch import nn

from pyg_tensorgcn.mprod import dct
from pyg_tensorgcn.nn import TNN, images_to_tensor


class MatrixNetwork(nn.Module):
    """The matrix counterpart: stable residual steps with dense n^2 x n^2 layers."""

    def __init__(self, n: int, num_classes: int, num_layers: int, h: float) -> None:
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(n * n, n * n) for _ in range(num_layers))
        self.classifier = nn.Linear(n * n, num_classes)
        self.h = h

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x.flatten(1)
        for layer in self.layers:
            y = y + self.h * torch.tanh(layer(y))
        return self.classifier(y)


def train(model: nn.Module, inputs, labels, epochs: int) -> None:
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(epochs):
        optimizer.zero_grad()
        F.cross_entropy(model(inputs), labels).backward()
        optimizer.step()


def accuracy(model: nn.Module, inputs, labels) -> float:
    with torch.no_grad():
        return (model(inputs).argmax(-1) == labels).float().mean().item()


def main() -> None:
    args = parser(__doc__).parse_args()
    seeds, epochs, layers = (range(2), 5, 2) if args.quick else (range(5), 300, 4)
    rows = []
    for seed in seeds:
        (x_train, y_train), (x_test, y_test) = digits_split(seed)
        torch.manual_seed(seed)
        models = {"tNN (DCT)": (TNN(8, 10, dct(8), num_layers=layers, stable=True, h=0.5),
                                images_to_tensor),
                  "matrix network": (MatrixNetwork(8, 10, layers, h=0.5), lambda x: x)}
        for name, (model, prepare) in models.items():
            train(model, prepare(x_train), y_train, epochs)
            layer_params = sum(p.numel() for p in model.layers.parameters()) // layers
            rows.append({"model": name, "seed": seed, "layers": layers,
                         "params_per_layer": layer_params,
                         "params_total": sum(p.numel() for p in model.parameters()),
                         "test_accuracy": accuracy(model, prepare(x_test), y_test)})
    summary = []
    for name in dict.fromkeys(r["model"] for r in rows):
        accs = [r["test_accuracy"] for r in rows if r["model"] == name]
        first = next(r for r in rows if r["model"] == name)
        summary.append({"model": name, "params_per_layer": first["params_per_layer"],
                        "params_total": first["params_total"], "seeds": len(accs),
                        "accuracy_mean": statistics.mean(accs),
                        "accuracy_std": statistics.stdev(accs) if len(accs) > 1 else 0.0})
    print_table(summary, f"digits 8x8, {layers} layers, {epochs} epochs (Adam, full batch)")
    try:
        import torchvision  # noqa: F401
    except ImportError:
        print("MNIST skipped: torchvision is not installed")
    name = args.name or Path(__file__).stem + ("-quick" if args.quick else "")
    path = write_record(name, rows, {"epochs": epochs, "layers": layers, "summary": summary},
                        args.out)

    def draw(ax):
        for entry in summary:
            ax.errorbar(entry["params_total"], entry["accuracy_mean"], yerr=entry["accuracy_std"],
                        fmt="o", capsize=4, label=entry["model"])
        ax.set(xscale="log", xlabel="parameters", ylabel="test accuracy",
               title="digits: tensor vs matrix network")
        ax.legend()

    print(f"\nrecord: {path}\nplot: {save_plot(path.with_suffix('.png'), draw)}")


if __name__ == "__main__":
    main()

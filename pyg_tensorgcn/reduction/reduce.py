r"""DEIM reduction of trained networks: every layer whose nonlinearity is elementwise is
replaced by one that evaluates only ``m`` of its nonlinear terms and interpolates the rest.

Supported layers:

* :class:`ResidualLayer`, the symmetric residual layer
  :math:`Y \leftarrow Y - h A^\top \sigma(A Y + b)`: the reduced layer computes
  :math:`Y - h K \sigma(A_p Y + b_p)` with :math:`K = A^\top U (P^\top U)^{-1}`,
  :math:`2mn` instead of :math:`2n^2` multiply-adds per sample.
* :class:`~pyg_tensorgcn.nn.TLinear` layers inside a :class:`~pyg_tensorgcn.nn.TNN`:
  only the ``m`` selected entries of :math:`\mathcal{W} \star_M \vec{\mathcal{A}} + \vec{\mathcal{B}}`
  are formed (``m`` rows of the transform-domain weights), and the activation's output
  is interpolated from them.
"""
from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import torch
from torch import Tensor, nn
from torch_geometric.nn.resolver import activation_resolver

from ..nn import TNN
from .interpolation import Interpolation, deim, pod, qdeim

__all__ = ["ResidualLayer", "ResidualNet", "LayerReport", "reduce"]


class ResidualLayer(nn.Module):
    r"""The symmetric residual layer :math:`Y \leftarrow Y - h A^\top \sigma(A Y + b)`
    (a forward-Euler step of a stable ODE), for row-vector samples ``Y`` ``(B, n)``.

    Args:
        width (int): :math:`n`.
        h (float, optional): the step. (default: ``0.1``)
        act (str or Callable, optional): :math:`\sigma`, elementwise. (default: ``"tanh"``)
    """

    def __init__(self, width: int, h: float = 0.1, act: str | Any = "tanh") -> None:
        super().__init__()
        self.lin = nn.Linear(width, width)
        self.h, self.act = h, activation_resolver(act)

    def nonlinear(self, Y: Tensor) -> Tensor:
        """The nonlinear term :math:`\\sigma(A Y + b)`, ``(B, n)``."""
        return self.act(self.lin(Y))

    def forward(self, Y: Tensor) -> Tensor:
        return Y - self.h * self.nonlinear(Y) @ self.lin.weight


class ResidualNet(nn.Module):
    """An opening linear map to ``width``, ``num_layers`` :class:`ResidualLayer` steps,
    and a linear classifier: the network the reduction benchmark trains."""

    def __init__(self, in_features: int, width: int, num_classes: int, num_layers: int = 4,
                 h: float = 0.1, act: str | Any = "tanh") -> None:
        super().__init__()
        self.opening = nn.Linear(in_features, width)
        self.layers = nn.ModuleList(ResidualLayer(width, h, act) for _ in range(num_layers))
        self.classifier = nn.Linear(width, num_classes)

    def hidden(self, x: Tensor) -> list[Tensor]:
        """The input of every residual layer."""
        states = [self.opening(x)]
        for layer in self.layers:
            states.append(layer(states[-1]))
        return states[:-1]

    def forward(self, x: Tensor) -> Tensor:
        Y = self.opening(x)
        for layer in self.layers:
            Y = layer(Y)
        return self.classifier(Y)


class _DEIMResidualLayer(nn.Module):
    def __init__(self, layer: ResidualLayer, U: Tensor, chosen: Interpolation) -> None:
        super().__init__()
        p = chosen.indices
        self.h, self.act = layer.h, layer.act
        self.register_buffer("rows", layer.lin.weight.detach()[p].clone())
        self.register_buffer("bias", layer.lin.bias.detach()[p].clone())
        # K^T = (U (P^T U)^{-1})^T A: the lifted interpolant, precomputed
        lift = U @ torch.linalg.inv(U[p])
        self.register_buffer("lift", (lift.T @ layer.lin.weight.detach()).contiguous())

    def forward(self, Y: Tensor) -> Tensor:
        return Y - self.h * self.act(Y @ self.rows.T + self.bias) @ self.lift


class _DEIMTLinear(nn.Module):
    """A TNN layer whose activation is interpolated from ``m`` entries of ``Z``."""

    def __init__(self, layer: nn.Module, act: Callable, stable: bool, h: float, U: Tensor,
                 chosen: Interpolation) -> None:
        super().__init__()
        M = layer.transform
        T, n = M.num_snapshots, layer.out_features
        t, i = chosen.indices // n, chosen.indices % n  # entries of vec(Z) are (t, i)
        w_hat = M.apply(layer.weight.detach())  # (T, n, n_in)
        inverse = torch.linalg.inv(M.matrix.detach().to(w_hat.dtype))  # (T, T)
        self.transform, self.act, self.stable, self.h = M, act, stable, h
        self.register_buffer("rows", w_hat[:, i, :].clone())  # (T, m, n_in)
        self.register_buffer("mix", inverse[t].clone())  # (m, T): Z[t_p] = sum_k Minv[t_p, k] ...
        self.register_buffer("bias", layer.bias.detach()[t, i, 0].clone())
        self.register_buffer("lift", (U @ torch.linalg.inv(U[chosen.indices])).view(T, n, -1))

    def forward(self, A: Tensor) -> Tensor:
        a_hat = self.transform.apply(A)  # (T, n_in, B)
        z = torch.einsum("pk,kpj,kjb->pb", self.mix, self.rows, a_hat) + self.bias.unsqueeze(1)
        step = torch.einsum("tnp,pb->tnb", self.lift, self.act(z))
        return A + self.h * step if self.stable else step


@dataclass
class LayerReport:
    """What reducing one layer did and cost."""

    layer: str
    m: int
    singular_values: list[float]
    indices: list[int]
    error_constant: float
    params_before: int
    params_after: int
    flops_before: int
    flops_after: int
    latency_before_s: float
    latency_after_s: float
    output_error: float
    extra: dict[str, Any] = field(default_factory=dict)


def _latency(layer: nn.Module, x: Tensor, repeat: int = 20, rounds: int = 7) -> float:
    """Seconds per call: the fastest of ``rounds`` rounds of ``repeat`` calls (the
    minimum is the estimate least disturbed by other work on the machine)."""
    timings = []
    with torch.no_grad():
        layer(x)
        for _ in range(rounds):
            start = time.perf_counter()
            for _ in range(repeat):
                layer(x)
            timings.append((time.perf_counter() - start) / repeat)
    return min(timings)


def _params(module: nn.Module) -> int:
    return sum(t.numel() for t in [*module.parameters(), *module.buffers()])


def _report(name: str, m: int, S: Tensor, chosen: Interpolation, old: nn.Module, new: nn.Module,
            x: Tensor, flops: tuple[int, int]) -> LayerReport:
    with torch.no_grad():
        reference, approx = old(x), new(x)
    error = (torch.linalg.norm(reference - approx) / torch.linalg.norm(reference)).item()
    return LayerReport(name, m, S.tolist(), chosen.indices.tolist(), chosen.error_constant,
                       _params(old), _params(new), flops[0], flops[1], _latency(old, x),
                       _latency(new, x), error)


def reduce(
    model: nn.Module,
    calibration_data: Tensor,
    m: int,
    method: Literal["deim", "qdeim"] = "qdeim",
) -> tuple[nn.Module, list[LayerReport]]:
    """A copy of ``model`` whose :class:`ResidualLayer` (in a :class:`ResidualNet`) or
    :class:`~pyg_tensorgcn.nn.TLinear` layers (in a :class:`~pyg_tensorgcn.nn.TNN`)
    evaluate only ``m`` nonlinear terms, and a :class:`LayerReport` per layer.

    Each layer's POD basis comes from its nonlinear term on ``calibration_data`` (the
    model's input, e.g. training samples); ``method`` picks the interpolation indices.

    Args:
        model (ResidualNet or TNN): a trained model (left unchanged).
        calibration_data (Tensor): model inputs, ``(B, F)`` or ``(T, n, B)``.
        m (int): nonlinear terms kept per layer.
        method (str, optional): ``"deim"`` (greedy) or ``"qdeim"`` (pivoted QR).
    """
    select = {"deim": deim, "qdeim": qdeim}
    if method not in select:
        raise ValueError(f"method must be 'deim' or 'qdeim', got {method!r}")
    reduced, reports = copy.deepcopy(model), []
    with torch.no_grad():
        if isinstance(model, ResidualNet):
            n = model.opening.out_features
            if not 1 <= m <= n:
                raise ValueError(f"m must lie in [1, {n}], got {m}")
            for k, (layer, Y) in enumerate(zip(model.layers, model.hidden(calibration_data))):
                basis = pod(layer.nonlinear(Y).T, rank=m)
                chosen = select[method](basis.basis)
                new = _DEIMResidualLayer(layer, basis.basis, chosen)
                reduced.layers[k] = new
                reports.append(_report(f"layers.{k}", m, basis.singular_values, chosen, layer,
                                       new, Y, (2 * n * n, 2 * m * n + m)))
        elif isinstance(model, TNN):
            A = calibration_data
            first = model.layers[0]
            T, n = first.transform.num_snapshots, first.out_features
            if not 1 <= m <= n * T:
                raise ValueError(f"m must lie in [1, {n * T}], got {m}")
            for k, layer in enumerate(model.layers):
                terms = model.act(layer(A))  # (T, n, B): vec per sample = (t, i) entries
                basis = pod(terms.reshape(T * n, -1), rank=m)
                chosen = select[method](basis.basis)
                old = _TNNStep(layer, model.act, model.stable, model.h)
                new = _DEIMTLinear(layer, model.act, model.stable, model.h, basis.basis, chosen)
                reduced.layers[k] = new
                n_in = layer.in_features
                reports.append(_report(f"layers.{k}", m, basis.singular_values, chosen, old, new,
                                       A, (2 * T * n * n_in, 2 * m * T * n_in + 2 * T * n * m)))
                A = old(A)
        else:
            raise ValueError(f"reduce supports ResidualNet and TNN models, got {type(model).__name__}")
    if isinstance(model, TNN):
        reduced = _ReducedTNN(reduced.layers, reduced.classifier)
    return reduced, reports


class _TNNStep(nn.Module):
    """One full TNN step (layer, activation, optional Euler step), for comparison."""

    def __init__(self, layer: nn.Module, act: Callable, stable: bool, h: float) -> None:
        super().__init__()
        self.layer, self.act, self.stable, self.h = layer, act, stable, h

    def forward(self, A: Tensor) -> Tensor:
        step = self.act(self.layer(A))
        return A + self.h * step if self.stable else step


class _ReducedTNN(nn.Module):
    """A TNN whose layers are reduced steps (each applies its own activation)."""

    def __init__(self, steps: nn.ModuleList, classifier: nn.Linear) -> None:
        super().__init__()
        self.layers, self.classifier = steps, classifier

    def forward(self, A: Tensor) -> Tensor:
        for step in self.layers:
            A = step(A)
        return self.classifier(A.permute(2, 0, 1).flatten(1))

r"""Tensor neural networks on the :math:`\star_M` algebra (Newman, Horesh, Avron, Kilmer,
"Stable tensor neural networks for rapid deep learning", 2018).

Layout: an :math:`n \times n` image is the lateral slice :math:`\vec{\mathcal{A}}` of size
:math:`n \times 1 \times n` (its rows are the first mode, its columns the tubes). Time
first, a batch of ``B`` images ``x`` of shape ``(B, n, n)`` is the tensor ``A`` of shape
``(n, n, B)`` with ``A[t, i, b] = x[b, i, t]``: :func:`images_to_tensor` does it. A layer
maps ``(T, in, B)`` to ``(T, out, B)``.
"""
from __future__ import annotations

import itertools
import math
from typing import Any

import torch
from torch import Tensor, nn
from torch_geometric.nn.resolver import activation_resolver

from ..mprod import MTransform, m_product

__all__ = ["TLinear", "TNN", "images_to_tensor"]


def images_to_tensor(images: Tensor) -> Tensor:
    """``(B, n, T)`` images (rows, columns) -> lateral slices stacked, ``(T, n, B)``."""
    if images.dim() != 3:
        raise ValueError(f"images must have shape (B, n, T), got {tuple(images.shape)}")
    return images.permute(2, 1, 0)


class TLinear(nn.Module):
    r"""The tensor linear layer
    :math:`\mathcal{Z} = \mathcal{W} \star_M \vec{\mathcal{A}} + \vec{\mathcal{B}}`.

    :math:`\mathcal{W}` is ``out x in x T`` (stored ``(T, out, in)``): ``out * in * T``
    weights, :math:`n^3` for a square layer on :math:`n \times n` images against the
    :math:`n^4` of a dense layer on the flattened image; the bias :math:`\vec{\mathcal{B}}`
    is ``out x 1 x T`` (:math:`n^2`).

    Args:
        in_features (int): rows of the input slices.
        out_features (int): rows of the output slices.
        transform (MTransform): :math:`M` (``num_snapshots`` is the tube length :math:`T`).
        bias (bool, optional): add :math:`\vec{\mathcal{B}}`. (default: ``True``)

    Shapes:
        ``(T, in_features, B)`` -> ``(T, out_features, B)``.
    """

    def __init__(self, in_features: int, out_features: int, transform: MTransform,
                 bias: bool = True) -> None:
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.transform = transform
        T = transform.num_snapshots
        self.weight = nn.Parameter(torch.empty(T, out_features, in_features))
        self.bias = nn.Parameter(torch.empty(T, out_features, 1)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.in_features * self.transform.num_snapshots)
        nn.init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, A: Tensor) -> Tensor:
        if A.dim() != 3 or A.shape[:2] != (self.transform.num_snapshots, self.in_features):
            raise ValueError(f"expected a tensor of shape (T={self.transform.num_snapshots}, "
                             f"{self.in_features}, B), got {tuple(A.shape)}")
        Z = m_product(self.weight, A, self.transform)
        return Z + self.bias if self.bias is not None else Z

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.in_features}, {self.out_features}, {self.transform!r})"


class TNN(nn.Module):
    r"""A tensor neural network: ``num_layers`` :class:`TLinear` layers of width
    :math:`n` with an activation, then a linear classifier on the unfolded output.

    ``stable=False``: :math:`\vec{\mathcal{A}}_{j+1} = \sigma(\mathcal{W}_j \star_M
    \vec{\mathcal{A}}_j + \vec{\mathcal{B}}_j)`. ``stable=True`` takes forward-Euler steps
    of size :math:`h`, :math:`\vec{\mathcal{A}}_{j+1} = \vec{\mathcal{A}}_j + h\,
    \sigma(\mathcal{W}_j \star_M \vec{\mathcal{A}}_j + \vec{\mathcal{B}}_j)` (the stable
    residual network of the paper); :meth:`regularization` is its smoothness
    (Tikhonov) penalty :math:`\frac{1}{h}\sum_j \|\mathcal{W}_{j+1} - \mathcal{W}_j\|_F^2`.

    Args:
        n (int): image rows (the slices' first mode) and layer width.
        num_classes (int): classifier outputs.
        transform (MTransform): :math:`M`, ``num_snapshots`` = image columns.
        num_layers (int, optional): tensor layers. (default: ``2``)
        act (str or Callable, optional): :math:`\sigma`. (default: ``"tanh"``)
        stable (bool, optional): forward-Euler residual steps. (default: ``False``)
        h (float, optional): the step size. (default: ``0.1``)

    Shapes:
        ``(T, n, B)`` (see :func:`images_to_tensor`) -> logits ``(B, num_classes)``.
    """

    def __init__(self, n: int, num_classes: int, transform: MTransform, num_layers: int = 2,
                 act: str | Any = "tanh", stable: bool = False, h: float = 0.1) -> None:
        super().__init__()
        self.layers = nn.ModuleList(TLinear(n, n, transform) for _ in range(num_layers))
        self.act = activation_resolver(act)
        self.stable, self.h = stable, h
        self.classifier = nn.Linear(n * transform.num_snapshots, num_classes)

    def features(self, A: Tensor) -> Tensor:
        """The last tensor layer's output, ``(T, n, B)``."""
        for layer in self.layers:
            step = self.act(layer(A))
            A = A + self.h * step if self.stable else step
        return A

    def forward(self, A: Tensor) -> Tensor:
        out = self.features(A)
        return self.classifier(out.permute(2, 0, 1).flatten(1))  # unfold each lateral slice

    def regularization(self) -> Tensor:
        """The smoothness penalty over layers (zero for a single layer)."""
        weights = [layer.weight for layer in self.layers]
        penalty = sum((b - a).pow(2).sum() for a, b in itertools.pairwise(weights))
        return torch.as_tensor(penalty, dtype=weights[0].dtype) / self.h

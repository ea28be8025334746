r"""The invertible tube transforms :math:`M` behind the :math:`\star_M` product.

Every transform acts on *tubes*, the vectors along the time dimension. With
the project's time-first layout a third-order tensor of size
:math:`n_1 \times n_2 \times T` is stored as a tensor of shape ``(T, n1, n2)``,
so the mode-3 product :math:`\mathcal{A} \times_3 M` is

.. math::
    \hat{\mathcal{A}}[t] = \sum_k M[t, k] \, \mathcal{A}[k].

All transforms share one interface (:class:`MTransform`): :meth:`~MTransform.apply`
and :meth:`~MTransform.inverse` along any dimension, the dense
:attr:`~MTransform.matrix`, :attr:`~MTransform.num_snapshots` and
:attr:`~MTransform.orthogonal_scale`. They are :class:`torch.nn.Module`
objects, so ``.to(device, dtype)`` works and a learnable :math:`M` is an
ordinary parameter. Build them with :func:`banded`, :func:`dct`, :func:`dft`,
:func:`identity` or :func:`matrix`.
"""
from __future__ import annotations

import math
from typing import Literal

import torch
from torch import Tensor, nn
from torch.autograd.function import once_differentiable

__all__ = [
    "BandedTransform",
    "DCTTransform",
    "DFTTransform",
    "IdentityTransform",
    "MTransform",
    "MatrixTransform",
    "banded",
    "dct",
    "dft",
    "identity",
    "matrix",
]

BandedWeights = Literal["mean", "harmonic", "sum"]
BandedMethod = Literal["auto", "window", "banded", "dense"]

# The banded path makes ``bandwidth`` passes over the data, the dense path one
# GEMM with ``T`` multiply-adds per output entry. ``benchmarks/bench_transforms.py``
# measures the crossovers; the banded path wins once T exceeds this many bands,
BANDED_CROSSOVER = 8
# and the window path (three slice operations per snapshot, whatever the bandwidth)
# wins over both once a slice holds this many entries.
WINDOW_MIN_SLICE = 4096
# The window path's running sum is summed afresh from its window every this many
# snapshots, so that its rounding error stays that of a sum of ``bandwidth`` terms.
WINDOW_REFRESH = 256


def _mode_product(mat: Tensor, x: Tensor, dim: int) -> Tensor:
    """``mat`` (T, T) times ``x`` along ``dim``: out[t] = sum_k mat[t, k] x[k]."""
    if mat.is_complex() and not x.is_complex():
        x = x.to(mat.dtype)
    mat = mat.to(device=x.device, dtype=x.dtype)
    return torch.tensordot(mat, x, dims=([1], [dim])).movedim(0, dim)


class MTransform(nn.Module):
    r"""Base class of the invertible tube transforms :math:`M \in \mathbb{R}^{T \times T}`.

    Subclasses implement :meth:`apply`, :meth:`inverse` and :attr:`matrix`.
    Outputs keep the input's dtype and device; the DFT turns real input into
    complex output (see :class:`DFTTransform`).

    Args:
        num_snapshots (int): :math:`T`, the length of every tube.
    """

    def __init__(self, num_snapshots: int) -> None:
        super().__init__()
        if not isinstance(num_snapshots, int) or num_snapshots < 1:
            raise ValueError(
                f"num_snapshots must be a positive int, got {num_snapshots!r}"
            )
        self.num_snapshots = num_snapshots

    @property
    def matrix(self) -> Tensor:
        """The dense ``(T, T)`` matrix :math:`M`."""
        raise NotImplementedError

    @property
    def orthogonal_scale(self) -> float | None:
        """``c`` if :math:`M = c Q` with :math:`Q` orthogonal (unitary for the DFT),
        else ``None``. So ``orthogonal_scale is not None`` says whether ``M`` is a
        scalar multiple of an orthogonal matrix, the case where the t-SVDM is
        optimal and ``||A||_F = ||A^||_F / c``."""
        return None

    @property
    def is_complex(self) -> bool:
        """Whether the transform domain is complex (only the DFT)."""
        return False

    def apply(self, x, dim: int = 0):  # type: ignore[override]
        r"""Transform the tubes of ``x`` along ``dim``: :math:`x \times_{dim} M`.

        Args:
            x (Tensor): any tensor with ``x.size(dim) == T``.
            dim (int, optional): the time dimension. (default: ``0``)

        ``nn.Module.apply(fn)`` still works: a callable that is not a tensor is
        passed on to it, so ``model.apply(init_fn)`` recurses as usual.
        """
        if not isinstance(x, Tensor) and callable(x):
            return super().apply(x)
        self._check_tubes(x, dim)
        return self._transform(x, dim)

    def apply_rows(self, x: Tensor, rows: Tensor) -> Tensor:
        r"""Some rows of the transform of a time-first tensor:
        ``self.apply(x).flatten(0, 1)[rows]``, for flat indices ``rows = t * n + i``
        (sorted, as the columns a :class:`~pyg_tensorgcn.data.BlockAdjacency` reads).
        The banded window path computes only those rows, one snapshot at a time, and
        never holds the whole transform; the other transforms gather them from it.

        Shapes:
            ``(T, n, ...)`` and ``(R,)`` -> ``(R, ...)``.
        """
        self._check_tubes(x, 0)
        if x.dim() < 2:
            raise ValueError(f"expected x of shape (T, n, ...), got {tuple(x.shape)}")
        size = x.size(0) * x.size(1)
        if rows.dim() != 1 or rows.dtype not in (torch.int32, torch.int64) or (rows.numel() and (
                int(rows[0]) < 0 or int(rows[-1]) >= size or bool(torch.any(rows[1:] < rows[:-1])))):
            raise ValueError(f"rows must be sorted integer indices in [0, {size}), got a "
                             f"{rows.dtype} tensor of shape {tuple(rows.shape)}")
        return self._transform_rows(x, rows.to(device=x.device, dtype=torch.long))

    def _transform_rows(self, x: Tensor, rows: Tensor) -> Tensor:
        return self._transform(x, 0).flatten(0, 1).index_select(0, rows)

    def inverse(self, x: Tensor, dim: int = 0) -> Tensor:
        r"""Undo :meth:`apply`: :math:`x \times_{dim} M^{-1}`, shapes as in :meth:`apply`."""
        self._check_tubes(x, dim)
        return self._inverse_transform(x, dim)

    def _transform(self, x: Tensor, dim: int) -> Tensor:
        return _mode_product(self.matrix, x, dim)

    def _inverse_transform(self, x: Tensor, dim: int) -> Tensor:
        raise NotImplementedError

    def _check_tubes(self, x: Tensor, dim: int) -> None:
        if not isinstance(x, Tensor):
            raise TypeError(f"expected a torch.Tensor, got {type(x).__name__}")
        if not -x.dim() <= dim < x.dim():
            raise ValueError(
                f"dim={dim} is out of range for a tensor of shape {tuple(x.shape)}"
            )
        if x.size(dim) != self.num_snapshots:
            raise ValueError(
                f"{self!r} expects {self.num_snapshots} snapshots along dim {dim}, "
                f"got a tensor of shape {tuple(x.shape)}"
            )

    def __repr__(self) -> str:
        return f"{self._name}(T={self.num_snapshots}{self._repr_args()})"

    _name = "transform"

    def _repr_args(self) -> str:
        return ""


class BandedTransform(MTransform):
    r"""The lower-triangular banded :math:`M` of TensorGCN (Malik et al., SDM 2021).

    .. math::
        M[t, k] = w_{t, t-k} \quad \text{for } t - b < k \le t, \text{ else } 0,

    with ``weights="mean"`` giving :math:`w_{t, d} = 1 / \min(t + 1, b)` (each row
    averages the last :math:`b` snapshots), ``weights="harmonic"`` giving
    :math:`w_{t, d} = 1 / (d + 1)` and ``weights="sum"`` giving :math:`w_{t, d} = 1`
    (the sliding-window sum behind TensorGCN's edge life).

    :meth:`apply` takes one of three paths (``method`` forces one, ``"auto"``
    picks the fastest, see :meth:`path`):

    - ``"window"`` (``"mean"`` and ``"sum"`` weights, whose rows are constant on the
      band): a running window sum over the snapshots, three slice operations per
      snapshot whatever :math:`b`, in the input's precision (summed afresh every
      :data:`WINDOW_REFRESH` snapshots, so rounding does not build up);
      :meth:`~MTransform.apply_rows` then computes only the rows asked for;
    - ``"banded"``: :math:`b` passes of multiply-adds over the data;
    - ``"dense"``: one GEMM with the dense :math:`M`.

    :meth:`inverse` is an exact triangular solve.

    Args:
        num_snapshots (int): :math:`T`.
        bandwidth (int): :math:`b \ge 1`; snapshot :math:`t` mixes
            :math:`t-b+1, \dots, t`.
        weights (str, optional): ``"mean"``, ``"harmonic"`` or ``"sum"``.
            (default: ``"mean"``)
        method (str, optional): ``"auto"``, ``"window"``, ``"banded"`` or
            ``"dense"``. (default: ``"auto"``)
    """

    _name = "banded"

    def __init__(
        self,
        num_snapshots: int,
        bandwidth: int,
        weights: BandedWeights = "mean",
        method: BandedMethod = "auto",
    ) -> None:
        super().__init__(num_snapshots)
        if not isinstance(bandwidth, int) or bandwidth < 1:
            raise ValueError(f"bandwidth must be a positive int, got {bandwidth!r}")
        if weights not in ("mean", "harmonic", "sum"):
            raise ValueError(
                f"weights must be 'mean', 'harmonic' or 'sum', got {weights!r}"
            )
        if method not in ("auto", "window", "banded", "dense"):
            raise ValueError(
                f"method must be 'auto', 'window', 'banded' or 'dense', got {method!r}"
            )
        if method == "window" and weights == "harmonic":
            raise ValueError("method='window' needs rows constant on the band: weights "
                             "'mean' or 'sum', got 'harmonic'")
        self.bandwidth = min(bandwidth, num_snapshots)
        self.weights = weights
        self.method = method
        t = torch.arange(num_snapshots).unsqueeze(1)
        d = torch.arange(self.bandwidth).unsqueeze(0)
        if weights == "mean":
            band = 1.0 / torch.clamp(t + 1, max=self.bandwidth).to(torch.float64)
            band = band.expand(-1, self.bandwidth)
        elif weights == "harmonic":
            band = 1.0 / (d + 1).to(torch.float64).expand(num_snapshots, -1)
        else:
            band = torch.ones(num_snapshots, self.bandwidth, dtype=torch.float64)
        # band[t, d] = M[t, t - d]; entries with t - d < 0 lie outside M.
        self.register_buffer("band", torch.where(d <= t, band, 0.0).contiguous())

    @property
    def matrix(self) -> Tensor:
        T, b = self.num_snapshots, self.bandwidth
        t = torch.arange(T, device=self.band.device)
        d = t.unsqueeze(1) - t.unsqueeze(0)
        inside = (d >= 0) & (d < b)
        return torch.where(inside, self.band[t.unsqueeze(1), d.clamp(0, b - 1)], 0.0)

    def path(self, x: Tensor) -> Literal["window", "banded", "dense"]:
        """The path :meth:`apply` takes for ``x`` (``method``, or with ``"auto"``: the
        window for large slices when the weights allow it and not under
        ``torch.compile``, else the band once :math:`T` exceeds
        :data:`BANDED_CROSSOVER` bands, else the dense GEMM)."""
        if self.method != "auto":
            return self.method
        if (self.weights != "harmonic" and x.numel() >= WINDOW_MIN_SLICE * self.num_snapshots
                and not torch.compiler.is_compiling()):
            return "window"
        return "banded" if self.num_snapshots > BANDED_CROSSOVER * self.bandwidth else "dense"

    def _transform(self, x: Tensor, dim: int) -> Tensor:
        path = self.path(x)
        if path == "dense":
            return _mode_product(self.matrix, x, dim)
        x = x.movedim(dim, 0)
        if path == "window":
            return _WindowSum.apply(x, self.bandwidth, self._row_scale(), None).movedim(0, dim)
        band = self.band.to(device=x.device, dtype=x.real.dtype)
        band = band.reshape(band.shape + (1,) * (x.dim() - 1))
        out = band[:, 0] * x
        for d in range(1, self.bandwidth):
            out[d:].addcmul_(band[d:, d], x[:-d])
        return out.movedim(0, dim)

    def _transform_rows(self, x: Tensor, rows: Tensor) -> Tensor:
        if self.path(x) != "window":
            return super()._transform_rows(x, rows)
        return _WindowSum.apply(x, self.bandwidth, self._row_scale(), rows)

    def _row_scale(self) -> list[float]:
        """``M[t, k]`` on row ``t``'s band, for weights constant on it."""
        return self.band[:, 0].tolist()

    def _inverse_transform(self, x: Tensor, dim: int) -> Tensor:
        moved = x.movedim(dim, 0)
        flat = moved.reshape(self.num_snapshots, -1)
        mat = self.matrix.to(device=x.device, dtype=x.dtype)
        out = torch.linalg.solve_triangular(mat, flat, upper=False)
        return out.reshape(moved.shape).movedim(0, dim)

    def _repr_args(self) -> str:
        weights = "" if self.weights == "mean" else f", weights={self.weights!r}"
        return f", b={self.bandwidth}{weights}"


class DCTTransform(MTransform):
    r"""The orthonormal DCT-II, :math:`M[k, n] = \sqrt{2/T}\, c_k
    \cos\big(\pi (2n + 1) k / 2T\big)` with :math:`c_0 = 1/\sqrt{2}`, else 1.

    Real, orthogonal (``orthogonal_scale == 1``), :math:`M^{-1} = M^\top`.

    Args:
        num_snapshots (int): :math:`T`.
    """

    _name = "dct"

    def __init__(self, num_snapshots: int) -> None:
        super().__init__(num_snapshots)
        T = num_snapshots
        k = torch.arange(T, dtype=torch.float64).unsqueeze(1)
        n = torch.arange(T, dtype=torch.float64).unsqueeze(0)
        mat = math.sqrt(2.0 / T) * torch.cos(math.pi * (2 * n + 1) * k / (2 * T))
        mat[0] /= math.sqrt(2.0)
        self.register_buffer("dct_matrix", mat)

    @property
    def matrix(self) -> Tensor:
        return self.dct_matrix

    @property
    def orthogonal_scale(self) -> float:
        return 1.0

    def _inverse_transform(self, x: Tensor, dim: int) -> Tensor:
        return _mode_product(self.dct_matrix.T, x, dim)


class DFTTransform(MTransform):
    r"""The unnormalized discrete Fourier transform,
    :math:`M[k, n] = e^{-2\pi i kn/T}`, applied with :func:`torch.fft.fft`.

    With this :math:`M` the :math:`\star_M` product is the classical t-product
    of Kilmer and Martin (circular convolution of tubes). :math:`M = \sqrt{T}\,Q`
    with :math:`Q` unitary, so ``orthogonal_scale == sqrt(T)``.

    The transform domain is complex: :meth:`apply` returns a complex tensor and
    :meth:`inverse` a complex tensor whose imaginary part vanishes (up to
    rounding) when the transform-domain tensor is conjugate-symmetric along
    time, as every product of transformed real tensors is. The functions of
    :mod:`pyg_tensorgcn.mprod` drop that imaginary part, so a
    :math:`\star_M` product of real tensors is real.

    Args:
        num_snapshots (int): :math:`T`.
    """

    _name = "dft"

    @property
    def matrix(self) -> Tensor:
        T = self.num_snapshots
        k = torch.arange(T, dtype=torch.float64)
        angle = -2 * math.pi * torch.outer(k, k) / T
        return torch.polar(torch.ones_like(angle), angle)

    @property
    def orthogonal_scale(self) -> float:
        return math.sqrt(self.num_snapshots)

    @property
    def is_complex(self) -> bool:
        return True

    def _transform(self, x: Tensor, dim: int) -> Tensor:
        return torch.fft.fft(x, dim=dim)

    def _inverse_transform(self, x: Tensor, dim: int) -> Tensor:
        return torch.fft.ifft(x, dim=dim)


class IdentityTransform(MTransform):
    r""":math:`M = I`: the :math:`\star_M` product is the facewise product and
    TensorGCN becomes :math:`T` independent GCNs.

    Args:
        num_snapshots (int): :math:`T`.
    """

    _name = "identity"

    @property
    def matrix(self) -> Tensor:
        return torch.eye(self.num_snapshots, dtype=torch.float64)

    @property
    def orthogonal_scale(self) -> float:
        return 1.0

    def _transform(self, x: Tensor, dim: int) -> Tensor:
        return x

    def _inverse_transform(self, x: Tensor, dim: int) -> Tensor:
        return x


class MatrixTransform(MTransform):
    r"""Any invertible real :math:`T \times T` matrix :math:`M`.

    Args:
        mat (Tensor): the ``(T, T)`` matrix.
        learnable (bool, optional): make :math:`M` an :class:`torch.nn.Parameter`
            (trained with the model; its inverse is then a fresh solve per call).
            (default: ``False``)
        max_condition (float, optional): reject :math:`M` whose 2-norm
            condition number exceeds this. (default: ``1e8``)
    """

    _name = "matrix"

    def __init__(
        self, mat: Tensor, learnable: bool = False, max_condition: float = 1e8
    ) -> None:
        if not isinstance(mat, Tensor) or mat.dim() != 2 or mat.size(0) != mat.size(1):
            shape = tuple(mat.shape) if isinstance(mat, Tensor) else type(mat).__name__
            raise ValueError(f"M must be a square (T, T) tensor, got {shape}")
        if mat.is_complex() or not mat.is_floating_point():
            raise ValueError(f"M must be a real floating tensor, got dtype {mat.dtype}")
        super().__init__(mat.size(0))
        cond = torch.linalg.cond(mat.detach().to(torch.float64)).item()
        if not math.isfinite(cond) or cond > max_condition:
            raise ValueError(
                f"M of shape {tuple(mat.shape)} is singular or badly conditioned: "
                f"condition number {cond:.3g} > max_condition={max_condition:.3g}"
            )
        mat = mat.detach().clone()
        self.learnable = learnable
        if learnable:
            self.weight = nn.Parameter(mat)
        else:
            self.register_buffer("weight", mat)
        self._scale = None if learnable else _orthogonal_scale(mat)

    @property
    def matrix(self) -> Tensor:
        return self.weight

    @property
    def orthogonal_scale(self) -> float | None:
        return self._scale

    def _inverse_transform(self, x: Tensor, dim: int) -> Tensor:
        moved = x.movedim(dim, 0)
        flat = moved.reshape(self.num_snapshots, -1)
        mat = self.weight.to(device=x.device, dtype=x.dtype)
        return torch.linalg.solve(mat, flat).reshape(moved.shape).movedim(0, dim)

    def _repr_args(self) -> str:
        return ", learnable=True" if self.learnable else ""


def _orthogonal_scale(mat: Tensor) -> float | None:
    gram = (mat.T @ mat).to(torch.float64)
    c2 = gram.diagonal().mean()
    identity = torch.eye(mat.size(0), dtype=torch.float64, device=mat.device)
    tol = 1e-5 if mat.dtype == torch.float32 else 1e-10
    if torch.allclose(gram / c2, identity, atol=tol):
        return math.sqrt(c2.item())
    return None


class _WindowSum(torch.autograd.Function):
    r""":math:`y_t = c_t \sum_{k=t-b+1}^{t} x_k` along dim 0 (at the flat ``rows`` of
    ``y`` only, when given); its adjoint, :math:`\bar{x}_k = \sum_{t=k}^{k+b-1} c_t
    \bar{y}_t`, is the same window run backwards."""

    @staticmethod
    def forward(ctx, x: Tensor, bandwidth: int, scale: list[float], rows: Tensor | None) -> Tensor:
        ctx.bandwidth, ctx.scale, ctx.shape = bandwidth, scale, x.shape
        ctx.save_for_backward(rows)
        return _window_sum(x, bandwidth, outer=scale, rows=rows)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad: Tensor):
        (rows,) = ctx.saved_tensors
        if rows is not None:
            flat = grad.new_zeros((ctx.shape[0] * ctx.shape[1], *ctx.shape[2:]))
            grad = flat.index_copy_(0, rows, grad).view(ctx.shape)
        return _window_sum(grad, ctx.bandwidth, inner=ctx.scale, reverse=True), None, None, None


def _window_sum(x: Tensor, bandwidth: int, *, inner: list[float] | None = None,
                outer: list[float] | None = None, reverse: bool = False,
                rows: Tensor | None = None) -> Tensor:
    r"""``out[t] = outer[t] * sum(inner[k] * x[k] for k in window(t))`` along dim 0, with
    ``window(t) = t-b+1 .. t`` (``t .. t+b-1`` with ``reverse``): one running sum, to
    which each step adds the snapshot entering and from which it takes the one leaving.
    With ``rows`` (sorted flat indices ``t * n + i``), only those rows of ``out``,
    gathered from the running sum snapshot by snapshot: ``(R, ...)``."""
    T = x.size(0)
    one = [1.0] * T
    inner, outer = inner or one, outer or one
    running = torch.empty_like(x[0], memory_format=torch.contiguous_format)
    if rows is None:
        out = torch.empty_like(x)
    else:
        out = x.new_empty((rows.numel(), *x.shape[2:]))
        bounds = torch.searchsorted(rows, torch.arange(T + 1, device=rows.device) * x.size(1)).tolist()
    step = -1 if reverse else 1
    for count, t in enumerate(range(T - 1, -1, -1) if reverse else range(T)):
        if count % WINDOW_REFRESH == 0:
            running.zero_()
            for k in range(t, t - step * bandwidth, -step):
                if 0 <= k < T:
                    running.add_(x[k], alpha=inner[k])
        else:
            running.add_(x[t], alpha=inner[t])
            leaving = t - step * bandwidth
            if 0 <= leaving < T:
                running.sub_(x[leaving], alpha=inner[leaving])
        if rows is None:
            target = out[t].copy_(running)
        else:
            target = out[bounds[t]:bounds[t + 1]]
            torch.index_select(running, 0, rows[bounds[t]:bounds[t + 1]] - t * x.size(1), out=target)
        if outer[t] != 1:
            target.mul_(outer[t])
    return out


def banded(
    T: int, bandwidth: int, weights: BandedWeights = "mean", method: BandedMethod = "auto"
) -> BandedTransform:
    """TensorGCN's lower-triangular banded ``M`` (see :class:`BandedTransform`)."""
    return BandedTransform(T, bandwidth, weights, method)


def dct(T: int) -> DCTTransform:
    """The orthonormal DCT-II (see :class:`DCTTransform`)."""
    return DCTTransform(T)


def dft(T: int) -> DFTTransform:
    """The unnormalized DFT, giving the classical t-product (see :class:`DFTTransform`)."""
    return DFTTransform(T)


def identity(T: int) -> IdentityTransform:
    """``M = I`` (see :class:`IdentityTransform`)."""
    return IdentityTransform(T)


def matrix(
    M: Tensor, learnable: bool = False, max_condition: float = 1e8
) -> MatrixTransform:
    """Any invertible ``(T, T)`` matrix (see :class:`MatrixTransform`)."""
    return MatrixTransform(M, learnable, max_condition)

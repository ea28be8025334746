r"""TensorGCN: a stack of :class:`TMGCNConv` layers working in the transform domain."""
from __future__ import annotations

import itertools
from typing import Any, Literal

from torch import Tensor, nn
from torch_geometric.nn.resolver import activation_resolver

from ..data import BlockAdjacency, BlockRows
from ..mprod import MTransform
from .tmgcn_conv import Adjacency, TMGCNConv, TransformName, _build_transform

__all__ = ["TensorGCN"]


class TensorGCN(nn.Module):
    r"""The TensorGCN model of Malik, Ubaru, Horesh, Kilmer and Avron (SDM 2021):

    .. math::
        \hat{H}^{(l+1)} = \sigma\big(\hat{\mathcal{A}} \triangle \hat{H}^{(l)} \triangle
        \hat{\mathcal{W}}^{(l)}\big), \qquad \hat{H}^{(0)} = \mathcal{X} \times_3 M,

    every layer a :class:`TMGCNConv` in the transform domain (no :math:`M^{-1}`
    between layers, as in the reference), sharing one transform. The adjacency
    is preprocessed and transformed once per forward pass, not once per layer;
    pass a precomputed one to skip even that. The activation and dropout act
    between layers, not after the last.

    Args:
        in_channels (int): input features.
        hidden_channels (int): features of the hidden layers.
        out_channels (int): output features.
        num_layers (int, optional): number of :class:`TMGCNConv` layers. (default: ``1``)
        transform (str or MTransform, optional): as for :class:`TMGCNConv`.
            (default: ``"banded"``)
        num_snapshots (int, optional): :math:`T` (default: the first input's).
        bandwidth (int, optional): of the banded transform. (default: ``20``)
        act (str or Callable, optional): activation between layers, resolved by
            PyG's ``activation_resolver``. (default: ``"relu"``)
        dropout (float, optional): dropout between layers. (default: ``0.0``)
        inverse (bool, optional): apply :math:`M^{-1}` to the model's output.
            (default: ``False``)
        **conv_kwargs: further options of :class:`TMGCNConv` (``normalize``,
            ``add_self_loops``, ``symmetrize``, ``edge_life``, ``weights``,
            ``cached``, ``bias``).

    Shapes:
        ``(T, N, in_channels)`` -> ``(T, N, out_channels)``.
    """

    def __init__(
        self,
        in_channels: int,
        hidden_channels: int,
        out_channels: int,
        num_layers: int = 1,
        transform: TransformName | MTransform = "banded",
        *,
        num_snapshots: int | None = None,
        bandwidth: int = 20,
        act: str | Any = "relu",
        dropout: float = 0.0,
        inverse: bool = False,
        weights: Literal["shared", "per_snapshot"] = "shared",
        **conv_kwargs: Any,
    ) -> None:
        super().__init__()
        if not isinstance(num_layers, int) or num_layers < 1:
            raise ValueError(f"num_layers must be a positive int, got {num_layers!r}")
        complex_domain = transform.is_complex if isinstance(transform, MTransform) \
            else transform == "dft"
        if complex_domain and num_layers > 1:
            raise ValueError("the DFT's transform domain is complex, where the activation "
                             "between layers is undefined: use num_layers=1 or a real transform")
        if isinstance(transform, str) and num_snapshots is not None:
            transform = _build_transform(transform, num_snapshots, bandwidth)
        channels = [in_channels] + [hidden_channels] * (num_layers - 1) + [out_channels]
        self.convs = nn.ModuleList(
            TMGCNConv(c_in, c_out, transform=transform, bandwidth=bandwidth, weights=weights,
                      num_snapshots=num_snapshots, inverse=inverse and k == num_layers - 1,
                      **conv_kwargs)
            for k, (c_in, c_out) in enumerate(itertools.pairwise(channels))
        )
        self.act = activation_resolver(act) if act is not None else nn.Identity()
        self.dropout = nn.Dropout(dropout)

    def reset_parameters(self) -> None:
        for conv in self.convs:
            conv.reset_parameters()

    def _share_transform(self, num_snapshots: int) -> None:
        transform = self.convs[0]._get_transform(num_snapshots)
        for conv in self.convs[1:]:  # a lazily built transform is shared by every layer
            conv.transform = transform

    def forward(
        self,
        x: Tensor,
        edge_index: Adjacency,
        edge_time: Tensor | None = None,
        edge_weight: Tensor | None = None,
        *,
        x_is_aggregated: bool = False,
    ) -> Tensor:
        """``x`` ``(T, N, F)``; the graph as for :meth:`TMGCNConv.forward`. With
        ``x_is_aggregated=True``, ``x`` is :meth:`aggregate`'s output for the first layer."""
        if x.dim() != 3:
            raise ValueError(f"x must have shape (T, N, F), got {tuple(x.shape)}")
        self._share_transform(x.size(0))
        first = self.convs[0]
        adjacency = None
        if not x_is_aggregated or len(self.convs) > 1:
            adjacency = first.adjacency(edge_index, edge_time, edge_weight, x.size(0),
                                        x.size(1), x.dtype)
        x = first(x, adjacency, x_is_aggregated=x_is_aggregated)
        for conv in self.convs[1:]:
            x = conv(self.dropout(self.act(x)), adjacency, x_is_transformed=True)
        return x

    def readout_plan(self, adjacency: BlockAdjacency, rows: Tensor) -> list[BlockRows]:
        """What :meth:`readout` needs for the output rows ``rows``: for every layer after
        the first, from the second up, the rows of the adjacency it computes (each
        layer's rows are the columns the next one reads). Build it once per graph and
        set of rows."""
        plan: list[BlockRows] = []
        for _ in self.convs[1:]:
            plan.insert(0, adjacency.restrict(rows))
            rows = plan[0].cols
        return plan

    def readout(self, x: Tensor, rows: Tensor, plan: list[BlockRows]) -> Tensor:
        r"""The model's output at the block rows ``rows`` (``t * N + node``) only, from
        :meth:`aggregate`'s ``x`` ``(T, N, F_in)``: the rows of ``forward(x,
        adjacency, x_is_aggregated=True)``, with every layer computed only at the
        rows the next one reads (a readout of few target edges does a fraction of the
        work). ``plan`` is :meth:`readout_plan` ``(adjacency, rows)``. Not with
        ``inverse=True``, which mixes snapshots.

        Shapes:
            ``(T, N, F_in)``, ``(R,)`` -> ``(R, F_out)``.
        """
        if self.convs[-1].inverse:
            raise ValueError("readout() of selected rows is undefined with inverse=True")
        if x.dim() != 3:
            raise ValueError(f"x must have shape (T, N, F), got {tuple(x.shape)}")
        self._share_transform(x.size(0))
        first_rows = plan[0].cols if plan else rows
        h = self.convs[0].combine(x.reshape(-1, x.size(-1))[first_rows], first_rows // x.size(1))
        for conv, block_rows in zip(self.convs[1:], plan):
            h = block_rows.matmul(self.dropout(self.act(h)))
            h = conv.combine(h, block_rows.rows // x.size(1))
        return h

    def aggregate(self, x: Tensor, edge_index: Adjacency, edge_time: Tensor | None = None,
                  edge_weight: Tensor | None = None) -> Tensor:
        """The first layer's :meth:`TMGCNConv.aggregate`: for fixed features and a fixed
        :math:`M`, compute it once and pass it with ``x_is_aggregated=True``."""
        self._share_transform(x.size(0))
        return self.convs[0].aggregate(x, edge_index, edge_time, edge_weight)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.convs[0].in_channels}, "
                f"{self.convs[-1].out_channels}, num_layers={len(self.convs)}, "
                f"transform={self.convs[0].transform or self.convs[0].transform_name!r})")


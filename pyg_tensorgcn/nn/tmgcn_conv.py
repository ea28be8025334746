r"""The :math:`\star_M` graph convolution of TensorGCN."""
from __future__ import annotations

from typing import Literal

import torch
from torch import Tensor
from torch.nn import Parameter
from torch_geometric.nn import MessagePassing
from torch_geometric.nn.inits import glorot, zeros

from ..data import BlockAdjacency, transformed_block_adjacency
from ..data.block_product import matmul as _matmul
from ..mprod import MTransform, banded, dct, dft, identity

__all__ = ["TMGCNConv", "tmgcn_norm"]

TransformName = Literal["banded", "dct", "dft", "identity"]
Adjacency = Tensor | BlockAdjacency


def tmgcn_norm(
    edge_index: Tensor,
    edge_time: Tensor,
    num_nodes: int,
    transform: MTransform,
    edge_weight: Tensor | None = None,
    *,
    normalize: bool = True,
    add_self_loops: bool = True,
    symmetrize: bool = False,
    edge_life: int = 1,
    dtype: torch.dtype = torch.float32,
) -> BlockAdjacency:
    r"""The layer's preprocessing as a function: timed edges -> counts ->
    (symmetrize) -> (edge life) -> (self loops) -> (normalize) -> M-transform,
    returned as a :class:`BlockAdjacency` ready for :class:`TMGCNConv`.

    Args:
        edge_index (Tensor): ``(2, E)``.
        edge_time (Tensor): ``(E,)`` snapshot of each edge, in ``[0, T)``.
        num_nodes (int): :math:`N`.
        transform (MTransform): the :math:`M` (its ``num_snapshots`` is :math:`T`).
        edge_weight (Tensor, optional): ``(E,)`` weights. (default: ones)
        normalize, add_self_loops, symmetrize, edge_life: the steps of
            :meth:`pyg_tensorgcn.data.DynamicGraph.adjacency`.
        dtype (torch.dtype, optional): value dtype. (default: ``torch.float32``)
    """
    if edge_time is None:
        raise ValueError("edge_time is required with an edge_index input: pass the (E,) "
                         "snapshot of every edge, or a precomputed transformed adjacency")
    return transformed_block_adjacency(
        edge_index, edge_time, num_nodes, transform, edge_weight, symmetrize=symmetrize,
        edge_life=edge_life, self_loops=add_self_loops, normalize=normalize, dtype=dtype)


def _build_transform(name: TransformName, num_snapshots: int, bandwidth: int) -> MTransform:
    builders = {"banded": lambda T: banded(T, bandwidth), "dct": dct, "dft": dft,
                "identity": identity}
    return builders[name](num_snapshots)


class TMGCNConv(MessagePassing):
    r"""The tensor-M-product graph convolution from "Dynamic Graph Convolutional
    Networks Using the Tensor M-Product" (Malik, Ubaru, Horesh, Kilmer, Avron,
    SDM 2021):

    .. math::
        \mathcal{Y} = \mathcal{A} \star_M \mathcal{X} \star_M \mathcal{W},
        \qquad \hat{Y}_t = \hat{A}_t \hat{X}_t \hat{W}_t \text{ for every } t,

    computed in the transform domain (:math:`\hat{\cdot} = \cdot \times_3 M`),
    where :math:`\mathcal{A}` is the (normalized, self-looped) adjacency tensor
    with :math:`A_t[i, j]` counting the edges :math:`i \to j` of snapshot
    :math:`t`, so node :math:`i` aggregates over its out-neighbours; symmetrize
    (the paper's setting) or flip ``edge_index`` for the other direction.
    With ``inverse=False`` (the reference model) the output stays in the
    transform domain; ``inverse=True`` returns :math:`\mathcal{Y}` itself.

    All snapshots are aggregated by one block-diagonal sparse-dense product
    (:class:`BlockAdjacency`) whose backward multiplies by a precomputed
    transpose; on the CPU it runs in blocks of whole snapshots sized to the cache
    (a handful for Bitcoin OTC's 135 snapshots), and computes the features'
    M-transform only at the rows it reads.

    Args:
        in_channels (int): input features :math:`F_{in}`.
        out_channels (int): output features :math:`F_{out}`.
        transform (str or MTransform, optional): ``"banded"``, ``"dct"``, ``"dft"``,
            ``"identity"`` (built for ``num_snapshots``, or for the first input's
            :math:`T` when that is ``None``) or any :class:`~pyg_tensorgcn.mprod.MTransform`,
            a learnable one included. (default: ``"banded"``)
        bandwidth (int, optional): :math:`b` of the banded transform. (default: ``20``)
        num_snapshots (int, optional): :math:`T`; required for per-snapshot weights.
        normalize (bool, optional): :math:`D^{-1/2} A D^{-1/2}`. (default: ``True``)
        add_self_loops (bool, optional): add :math:`I` to every slice. (default: ``True``)
        symmetrize (bool, optional): :math:`(A + A^\top)/2`. (default: ``False``)
        edge_life (int, optional): sum each slice with the previous
            ``edge_life - 1``. (default: ``1``)
        weights (str, optional): ``"shared"``, one :math:`F_{in} \times F_{out}`
            matrix for every transform-domain slice (the reference), or
            ``"per_snapshot"``, a tensor :math:`\mathcal{W}` of shape
            ``(T, F_in, F_out)`` used as the definition says. (default: ``"shared"``)
        inverse (bool, optional): apply :math:`M^{-1}` to the output. (default: ``False``)
        cached (bool, optional): keep the preprocessed adjacency of the first call
            (transductive training; ``reset_parameters()`` clears it). (default: ``False``)
        bias (bool, optional): add a learnable bias. (default: ``True``)
        **kwargs: passed to :class:`~torch_geometric.nn.conv.MessagePassing`.

    Shapes:
        - **input:** features ``(T, N, F_in)``; ``edge_index`` ``(2, E)`` with
          ``edge_time`` ``(E,)`` and optional ``edge_weight`` ``(E,)``, or a
          precomputed transformed adjacency: a sparse ``(T, N, N)`` tensor (from
          :meth:`~pyg_tensorgcn.data.DynamicGraph.transformed_adjacency`) or a
          :class:`BlockAdjacency` (:func:`tmgcn_norm`).
        - **output:** ``(T, N, F_out)`` (complex for ``dft`` without ``inverse``).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        *,
        transform: TransformName | MTransform = "banded",
        bandwidth: int = 20,
        num_snapshots: int | None = None,
        normalize: bool = True,
        add_self_loops: bool = True,
        symmetrize: bool = False,
        edge_life: int = 1,
        weights: Literal["shared", "per_snapshot"] = "shared",
        inverse: bool = False,
        cached: bool = False,
        bias: bool = True,
        **kwargs,
    ) -> None:
        kwargs.setdefault("aggr", "add")
        super().__init__(**kwargs)
        if isinstance(transform, MTransform):
            if num_snapshots not in (None, transform.num_snapshots):
                raise ValueError(f"num_snapshots={num_snapshots} does not match {transform!r}")
            num_snapshots = transform.num_snapshots
        elif transform not in ("banded", "dct", "dft", "identity"):
            raise ValueError("transform must be 'banded', 'dct', 'dft', 'identity' or an "
                             f"MTransform, got {transform!r}")
        if weights not in ("shared", "per_snapshot"):
            raise ValueError(f"weights must be 'shared' or 'per_snapshot', got {weights!r}")
        if weights == "per_snapshot" and num_snapshots is None:
            raise ValueError("weights='per_snapshot' needs num_snapshots (or an MTransform)")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.transform_name = None if isinstance(transform, MTransform) else transform
        self.transform = transform if isinstance(transform, MTransform) else None
        self.bandwidth, self.num_snapshots = bandwidth, num_snapshots
        self.preprocessing = {"normalize": normalize, "add_self_loops": add_self_loops,
                              "symmetrize": symmetrize, "edge_life": edge_life}
        self.weights, self.inverse, self.cached = weights, inverse, cached
        self._cached_adjacency: BlockAdjacency | None = None
        shape = (in_channels, out_channels)
        if weights == "per_snapshot":
            shape = (num_snapshots, *shape)
        self.weight = Parameter(torch.empty(shape))
        self.bias = Parameter(torch.empty(out_channels)) if bias else None
        if self.transform is None and num_snapshots is not None:
            self.transform = _build_transform(transform, num_snapshots, bandwidth)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        super().reset_parameters()
        if self.weight.dim() == 3:
            for w in self.weight.data:  # one Glorot init per snapshot
                glorot(w)
        else:
            glorot(self.weight)
        zeros(self.bias)
        self._cached_adjacency = None

    def _get_transform(self, num_snapshots: int) -> MTransform:
        if self.transform is None:
            self.transform = _build_transform(self.transform_name, num_snapshots, self.bandwidth)
        if self.transform.num_snapshots != num_snapshots:
            raise ValueError(
                f"x has {num_snapshots} snapshots but the layer's transform is {self.transform!r}"
            )
        return self.transform

    def adjacency(
        self,
        edge_index: Adjacency,
        edge_time: Tensor | None,
        edge_weight: Tensor | None,
        num_snapshots: int,
        num_nodes: int,
        dtype: torch.dtype = torch.float32,
    ) -> BlockAdjacency:
        """The :class:`BlockAdjacency` for any accepted input, preprocessed by this
        layer's options (and cached when ``cached=True``)."""
        if isinstance(edge_index, BlockAdjacency):
            block = edge_index
        elif self.cached and self._cached_adjacency is not None:
            return self._cached_adjacency
        elif isinstance(edge_index, Tensor) and edge_index.is_sparse:
            block = BlockAdjacency.from_coo(edge_index)
        else:
            transform = self._get_transform(num_snapshots)
            block = tmgcn_norm(edge_index, edge_time, num_nodes, transform, edge_weight,
                               dtype=dtype, **self.preprocessing)
            if self.cached:
                self._cached_adjacency = block
        if block.shape != (num_snapshots, num_nodes, num_nodes):
            raise ValueError(f"the adjacency has shape {block.shape} but x implies "
                             f"(T={num_snapshots}, N={num_nodes}, N={num_nodes})")
        return block

    def forward(
        self,
        x: Tensor,
        edge_index: Adjacency | None = None,
        edge_time: Tensor | None = None,
        edge_weight: Tensor | None = None,
        *,
        x_is_transformed: bool = False,
        x_is_aggregated: bool = False,
    ) -> Tensor:
        r"""Args:
            x (Tensor): ``(T, N, F_in)`` node features; already :math:`\hat{X}` when
                ``x_is_transformed=True`` (as between stacked layers), already
                :math:`\hat{A} \hat{X}` when ``x_is_aggregated=True`` (from
                :meth:`aggregate`, to reuse the propagation of fixed features
                across epochs; the graph arguments are then ignored).
            edge_index (Tensor or BlockAdjacency): see the class's **Shapes**.
            edge_time (Tensor, optional): ``(E,)``, with an ``edge_index`` input.
            edge_weight (Tensor, optional): ``(E,)``, with an ``edge_index`` input.
        """
        if x.dim() != 3 or x.size(-1) != self.in_channels:
            raise ValueError(f"x must have shape (T, N, {self.in_channels}), got {tuple(x.shape)}")
        transform = self._get_transform(x.size(0))
        if x_is_aggregated:
            return self.combine(x)
        weight = transform.apply(self.weight) if self.weight.dim() == 3 else self.weight
        if edge_index is None:
            raise ValueError("edge_index is required unless x_is_aggregated=True")
        block = self.adjacency(edge_index, edge_time, edge_weight, x.size(0), x.size(1),
                               x.real.dtype if x.is_complex() else x.dtype)
        if weight.dim() == 2:  # transformed inside the product: only the rows it reads
            return self._finish(block.matmul(x, weight, None if x_is_transformed else transform),
                                transform, x.is_complex())
        x_hat = x if x_is_transformed else transform.apply(x)
        if self.out_channels <= self.in_channels:  # the cheaper order
            out = self.message_and_aggregate(block, _matmul(x_hat, weight))
        else:
            out = _matmul(self.message_and_aggregate(block, x_hat), weight)
        return self._finish(out, transform, x.is_complex())

    def combine(self, h: Tensor, snapshot: Tensor | None = None) -> Tensor:
        r"""The layer's output from :math:`H = \hat{A} \hat{X}` (see :meth:`aggregate`):
        :math:`H \hat{W}` (then :math:`M^{-1}` and the bias).

        ``h`` is ``(T, N, F_in)``, or only some rows ``(R, F_in)`` with their snapshot
        indices ``snapshot`` ``(R,)``, which gives those rows of the output (for a
        readout that needs few nodes; not with ``inverse=True``, which mixes snapshots).
        """
        transform = self.transform if snapshot is not None else self._get_transform(h.size(0))
        weight = transform.apply(self.weight) if self.weight.dim() == 3 else self.weight
        if snapshot is None:
            return self._finish(_matmul(h, weight), transform, h.is_complex())
        if self.inverse:
            raise ValueError("combine() of selected rows is undefined with inverse=True")
        if weight.dim() == 3:
            out = torch.bmm(h.unsqueeze(1), weight[snapshot]).squeeze(1)
        else:
            out = _matmul(h, weight)
        return out + self.bias if self.bias is not None else out

    def _finish(self, out: Tensor, transform: MTransform, input_is_complex: bool) -> Tensor:
        if self.inverse:
            out = transform.inverse(out)
            out = out.real if out.is_complex() and not input_is_complex else out
        return out + self.bias if self.bias is not None else out

    def aggregate(self, x: Tensor, edge_index: Adjacency, edge_time: Tensor | None = None,
                  edge_weight: Tensor | None = None) -> Tensor:
        r""":math:`\hat{A} \hat{X}`, the part of the layer without parameters when
        :math:`M` is fixed: compute it once for fixed features and call
        ``forward(h, x_is_aggregated=True)`` every epoch (as SGC does)."""
        block = self.adjacency(edge_index, edge_time, edge_weight, x.size(0), x.size(1), x.dtype)
        return block.matmul(x, transform=self._get_transform(x.size(0)))

    def message_and_aggregate(self, adj_t: BlockAdjacency, x: Tensor) -> Tensor:
        """The fused aggregation: one block-diagonal sparse-dense product."""
        return adj_t.matmul(x)

    def __repr__(self) -> str:
        transform = self.transform if self.transform is not None else repr(self.transform_name)
        extra = "" if self.weights == "shared" else ", weights='per_snapshot'"
        extra += ", inverse=True" if self.inverse else ""
        return f"{type(self).__name__}({self.in_channels}, {self.out_channels}, " \
               f"transform={transform}{extra})"


import pytest
import torch
from torch_geometric.nn import GCNConv

from pyg_tensorgcn.data import BlockAdjacency, DynamicGraph
from pyg_tensorgcn.mprod import banded, dct, dft, identity, matrix
from pyg_tensorgcn.nn import TMGCNConv, tmgcn_norm

T, N, F_IN, F_OUT = 5, 7, 3, 4


def transforms():
    torch.manual_seed(0)
    return {
        "banded": banded(T, 3),
        "dct": dct(T),
        "dft": dft(T),
        "identity": identity(T),
        "matrix": matrix(torch.randn(T, T, dtype=torch.float64) + 3 * torch.eye(T)),
        "learnable": matrix(torch.tril(torch.rand(T, T, dtype=torch.float64)) + torch.eye(T),
                            learnable=True),
    }


TRANSFORMS = transforms()


def random_graph(seed=0, symmetric=False):
    g = torch.Generator().manual_seed(seed)
    E = 40
    edge_index = torch.randint(N, (2, E), generator=g)
    edge_index = edge_index[:, edge_index[0] != edge_index[1]]  # no self loops
    edge_time = torch.randint(T, (edge_index.size(1),), generator=g)
    if symmetric:
        edge_index = torch.cat([edge_index, edge_index.flip(0)], dim=1)
        edge_time = torch.cat([edge_time, edge_time])
    return edge_index, edge_time


def dense_oracle(conv, x, edge_index, edge_time, M):
    """sigma-free TMGCNConv from the definition, with dense tensors and einsum."""
    graph = DynamicGraph(edge_index=edge_index, edge_time=edge_time, num_nodes=N, num_snapshots=T)
    A = graph.adjacency(symmetrize=conv.preprocessing["symmetrize"],
                        edge_life=conv.preprocessing["edge_life"],
                        self_loops=conv.preprocessing["add_self_loops"],
                        normalize=conv.preprocessing["normalize"], dtype=torch.float64).to_dense()
    mat = M.matrix.detach()
    mat = mat.to(torch.complex128 if mat.is_complex() else torch.float64)
    A_hat = torch.einsum("tk,kij->tij", mat, A.to(mat.dtype))
    X_hat = torch.einsum("tk,kij->tij", mat, x.to(mat.dtype))
    W = conv.weight.detach()
    if W.dim() == 3:
        W_hat = torch.einsum("tk,kij->tij", mat, W.to(mat.dtype))
        Y_hat = torch.einsum("tij,tjf,tfg->tig", A_hat, X_hat, W_hat)
    else:
        Y_hat = torch.einsum("tij,tjf,fg->tig", A_hat, X_hat, W.to(mat.dtype))
    out = torch.einsum("tk,kij->tij", torch.linalg.inv(mat), Y_hat) if conv.inverse else Y_hat
    if conv.inverse and out.is_complex():
        out = out.real
    return out + conv.bias.detach()


@pytest.mark.parametrize("name", list(TRANSFORMS))
@pytest.mark.parametrize("weights", ["shared", "per_snapshot"])
@pytest.mark.parametrize("inverse", [False, True])
def test_layer_equals_the_dense_definition(name, weights, inverse):
    M = TRANSFORMS[name]
    conv = TMGCNConv(F_IN, F_OUT, transform=M, weights=weights, inverse=inverse,
                     symmetrize=True, edge_life=2).double()
    torch.nn.init.normal_(conv.bias)
    edge_index, edge_time = random_graph()
    x = torch.randn(T, N, F_IN, dtype=torch.float64)
    out = conv(x, edge_index, edge_time)
    assert out.shape == (T, N, F_OUT)
    assert out.is_complex() == (name == "dft" and not inverse)
    torch.testing.assert_close(out, dense_oracle(conv, x, edge_index, edge_time, M))


@pytest.mark.parametrize("out_channels", [2, 6])  # aggregate before or after the weights
def test_identity_transform_equals_independent_gcnconvs(out_channels):
    edge_index, edge_time = random_graph(seed=3, symmetric=True)
    x = torch.randn(T, N, F_IN)
    conv = TMGCNConv(F_IN, out_channels, transform="identity", num_snapshots=T)
    torch.nn.init.normal_(conv.bias)
    gcn = GCNConv(F_IN, out_channels)
    gcn.lin.weight.data = conv.weight.data.T.clone()
    gcn.bias.data = conv.bias.data.clone()
    expected = torch.stack([gcn(x[t], edge_index[:, edge_time == t]) for t in range(T)])
    torch.testing.assert_close(conv(x, edge_index, edge_time), expected)


def test_every_adjacency_input_gives_the_same_output():
    M = banded(T, 3)
    edge_index, edge_time = random_graph(seed=5)
    edge_weight = torch.rand(edge_index.size(1))
    x = torch.randn(T, N, F_IN)
    conv = TMGCNConv(F_IN, F_OUT, transform=M, symmetrize=True, edge_life=3)
    expected = conv(x, edge_index, edge_time, edge_weight)
    graph = DynamicGraph(edge_index=edge_index, edge_time=edge_time, num_nodes=N,
                         edge_weight=edge_weight, num_snapshots=T)
    coo = graph.transformed_adjacency(M, symmetrize=True, edge_life=3, self_loops=True,
                                      normalize=True)
    block = tmgcn_norm(edge_index, edge_time, N, M, edge_weight, symmetrize=True, edge_life=3)
    assert isinstance(block, BlockAdjacency) and block.shape == (T, N, N)
    torch.testing.assert_close(conv(x, coo), expected)
    torch.testing.assert_close(conv(x, block), expected)


def test_gradcheck_float64():
    """Gradients w.r.t. the features, the per-snapshot weights and a learnable M
    (which flows through the sparse M-transform and the block product's values)."""
    M = matrix(torch.tril(torch.rand(T, T, dtype=torch.float64)) + torch.eye(T), learnable=True)
    conv = TMGCNConv(F_IN, 2, transform=M, weights="per_snapshot").double()
    edge_index, edge_time = random_graph(seed=7)
    x = torch.randn(T, N, F_IN, dtype=torch.float64, requires_grad=True)
    weight = conv.weight.detach().clone().requires_grad_()
    m = M.weight.detach().clone().requires_grad_()

    def layer(x, weight, m):
        params = {"weight": weight, "transform.weight": m}
        return torch.func.functional_call(conv, params, (x, edge_index, edge_time))

    assert torch.autograd.gradcheck(layer, (x, weight, m))


def test_torch_compile_matches_eager():
    edge_index, edge_time = random_graph(seed=9)
    x = torch.randn(T, N, F_IN)
    conv = TMGCNConv(F_IN, F_OUT, num_snapshots=T, bandwidth=3)
    compiled = torch.compile(conv)
    torch.testing.assert_close(compiled(x, edge_index, edge_time), conv(x, edge_index, edge_time))


def test_cached_adjacency_follows_gcnconv_rules():
    edge_index, edge_time = random_graph(seed=10)
    x = torch.randn(T, N, F_IN)
    conv = TMGCNConv(F_IN, F_OUT, num_snapshots=T, cached=True)
    first = conv(x, edge_index, edge_time)
    assert conv._cached_adjacency is not None
    other_index, other_time = random_graph(seed=11)
    torch.testing.assert_close(conv(x, other_index, other_time), first)  # the cache is used
    conv.reset_parameters()
    assert conv._cached_adjacency is None


def test_repr_and_lazy_transform():
    assert repr(TMGCNConv(2, 6, transform=banded(135, 20))) == \
        "TMGCNConv(2, 6, transform=banded(T=135, b=20))"
    conv = TMGCNConv(2, 6, transform="dct")
    assert repr(conv) == "TMGCNConv(2, 6, transform='dct')"
    edge_index, edge_time = random_graph()
    conv(torch.randn(T, N, 2), edge_index, edge_time)
    assert repr(conv) == f"TMGCNConv(2, 6, transform=dct(T={T}))"


def test_clear_errors():
    conv = TMGCNConv(F_IN, F_OUT, num_snapshots=T)
    edge_index, edge_time = random_graph()
    with pytest.raises(ValueError, match=r"x must have shape \(T, N, 3\), got \(7, 3\)"):
        conv(torch.randn(N, F_IN), edge_index, edge_time)
    with pytest.raises(ValueError, match=r"edge_time must lie in \[0, 5\)"):
        conv(torch.randn(T, N, F_IN), edge_index, edge_time + 3)
    with pytest.raises(ValueError, match=r"x has 4 snapshots but the layer's transform is banded\(T=5"):
        conv(torch.randn(4, N, F_IN), edge_index, edge_time)
    with pytest.raises(ValueError, match="edge_time is required"):
        conv(torch.randn(T, N, F_IN), edge_index)
    with pytest.raises(ValueError, match="weights='per_snapshot' needs num_snapshots"):
        TMGCNConv(2, 3, weights="per_snapshot")
    with pytest.raises(ValueError, match="transform must be 'banded'"):
        TMGCNConv(2, 3, transform="wavelet")

"""Forward + backward of one TMGCNConv layer (precomputed transformed adjacency, no
preprocessing) against (a) a Python loop of per-snapshot GCNConv calls and (b) the
reference approach, a Python loop of per-slice torch.sparse.mm over COO slices; all
three compute the same Y_t = A^_t X^_t W. Also the time to read the sparse tensor and
the features once from memory, at the bandwidth measured in the same run, the time
to fill a fresh tensor of the output's size (allocated as the layer allocates its
results: on Linux with huge pages), and the time of the features' M-transform
alone (which all three do). Each as a first layer (fixed features X, transformed in the
layer, no gradient to them) and as a stacked layer (its input already transformed, as
TensorGCN passes it between layers, with a gradient to it).

``floor_s`` is a lower bound for any implementation: reading the inputs once plus
writing the dense outputs it must return (Y, and X^'s gradient for a stacked layer)
into fresh tensors, each measured in this run.

    python benchmarks/bench_layer.py            # Bitcoin OTC and synthetic graphs up to N = 10^6
    THP_MEM_ALLOC_ENABLE=1 python benchmarks/bench_layer.py --name bench_layer-thp  # huge pages
    python benchmarks/bench_layer.py --quick    # a smoke test
"""
from __future__ import annotations

import shutil
import tempfile
from functools import partial
from pathlib import Path

import torch
from harness import PeakMemory, measure, parser, print_table, read_bandwidth_gbs, write_record
from torch_geometric.nn import GCNConv

from pyg_tensorgcn.data import BlockAdjacency
from pyg_tensorgcn.data.block_product import new_large_tensor
from pyg_tensorgcn.mprod import banded
from pyg_tensorgcn.nn import TMGCNConv

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def bitcoin_adjacency() -> torch.Tensor | None:
    from pyg_tensorgcn.datasets import BitcoinOTC

    raw = SHARED / "bitcoin-otc" / "soc-sign-bitcoinotc.csv"
    if not raw.is_file():
        return None
    with tempfile.TemporaryDirectory() as root:
        (Path(root) / "raw").mkdir()
        shutil.copy(raw, Path(root) / "raw")
        graph = BitcoinOTC(root, log=False)[0]
    return graph.transformed_adjacency(banded(graph.num_snapshots, 20), symmetrize=True,
                                       edge_life=10, self_loops=True, normalize=True)


def random_adjacency(T: int, N: int, nnz: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(0)
    index = torch.stack([torch.randint(0, size, (nnz,), generator=g) for size in (T, N, N)])
    values = torch.rand(nnz, generator=g) / 10
    return torch.sparse_coo_tensor(index, values, (T, N, N), check_invariants=False).coalesce()


def candidates(adjacency: torch.Tensor, f_in: int, f_out: int, stacked: bool):
    """The three implementations, each a closure doing one forward + backward. A first
    layer reads fixed features X (no gradient) and transforms them; a ``stacked`` layer
    reads the previous layer's output, already transformed, and passes a gradient to it."""
    T, N, _ = adjacency.shape
    M = banded(T, 20)
    conv = TMGCNConv(f_in, f_out, transform=M, bias=False)
    x = torch.randn(T, N, f_in, requires_grad=stacked)
    transformed = (lambda z: z) if stacked else M.apply
    # the gradient a loss downstream hands back: a dense tensor like the output (out.sum()
    # would hand back a stride-0 view of ones, which no real loss produces)
    upstream = torch.randn(T, N, f_out)
    block = BlockAdjacency.from_coo(adjacency)
    slices = list(adjacency.unbind(0))  # the reference: one COO matrix per snapshot
    gcn = GCNConv(f_in, f_out, normalize=False, bias=False)
    gcn.lin.weight.data = conv.weight.data.T.clone()
    t, i, j = adjacency.indices()
    per_snapshot = [(torch.stack([j[t == s], i[t == s]]), adjacency.values()[t == s])
                    for s in range(T)]  # GCNConv aggregates at targets: edge j -> i

    # x.grad = None: a stacked layer hands its gradient on; none accumulates in a leaf
    def ours():
        conv.zero_grad()
        x.grad = None
        conv(x, block, x_is_transformed=stacked).backward(upstream)

    def sparse_mm_loop():
        conv.zero_grad()
        x.grad = None
        x_hat = transformed(x)
        # unbind, not x_hat[s]: indexing's backward would build a full-size gradient per slice
        out = torch.stack([torch.sparse.mm(a, z @ conv.weight) for a, z in zip(slices, x_hat.unbind(0))])
        out.backward(upstream)

    def gcnconv_loop():
        gcn.zero_grad()
        x.grad = None
        x_hat = transformed(x)
        out = torch.stack([gcn(z, e, w) for z, (e, w) in zip(x_hat.unbind(0), per_snapshot)])
        out.backward(upstream)

    with torch.no_grad():  # the three agree before anything is timed
        reference = torch.stack([torch.sparse.mm(a, transformed(x)[s] @ conv.weight)
                                 for s, a in enumerate(slices)])
        torch.testing.assert_close(conv(x, block, x_is_transformed=stacked), reference,
                                   rtol=1e-4, atol=1e-5)
    read_bytes = block.nnz * (block.col.element_size() + 4) + block.crow.numel() * \
        block.crow.element_size() + x.numel() * 4
    return {"TMGCNConv": ours, "loop of sparse.mm (reference)": sparse_mm_loop,
            "loop of GCNConv": gcnconv_loop}, read_bytes


def rows_for(name: str, adjacency: torch.Tensor, f_in: int, f_out: int, repeat: int,
             bandwidth: float) -> list[dict]:
    T, N, _ = adjacency.shape
    # Writing the dense (T, N, F_out) output into fresh memory, allocated as TMGCNConv
    # allocates its results (huge pages on Linux): the page faults of a new tensor, which
    # every method pays at least once per pass (see benchmarks/README.md).
    like = torch.empty(0)
    fresh_output_s = measure(lambda: new_large_tensor(like, (T * N, f_out)).fill_(1.0), repeat=repeat)
    # X^ = X x_3 M alone: the step every first layer starts with (the same code in all three).
    transform_s = measure(partial(banded(T, 20).apply, torch.randn(T, N, f_in)), repeat=repeat)
    rows = []
    for stacked in (False, True):
        methods, read_bytes = candidates(adjacency, f_in, f_out, stacked)
        read_once_s = read_bytes / (bandwidth * 1e9)
        floor_s = read_once_s + (2 if stacked else 1) * fresh_output_s
        times, layer_rows = {}, []
        for method, step in methods.items():
            with PeakMemory() as memory:
                times[method] = measure(step, repeat=repeat, warmup=1)
            layer_rows.append({
                "graph": name, "T": T, "N": N, "nnz": adjacency._nnz(), "F": f"{f_in}->{f_out}",
                "layer": "stacked (X^ in)" if stacked else "first (X in)", "method": method,
                "fwd+bwd_s": times[method], "peak_extra_gb": memory.gb, "read_once_s": read_once_s,
                "fresh_output_s": fresh_output_s, "transform_x_s": transform_s, "floor_s": floor_s})
        for row in layer_rows:
            row["speedup_vs_reference"] = times["loop of sparse.mm (reference)"] / times[row["method"]]
            row["x_read_once"] = times[row["method"]] / read_once_s
        rows += layer_rows
    return rows


def main() -> None:
    args = parser(__doc__).parse_args()
    torch.manual_seed(0)
    bandwidth = read_bandwidth_gbs(2**26 if args.quick else 2**30)
    print(f"memory read bandwidth: {bandwidth:.2f} GB/s")
    rows = []
    if args.quick:
        rows += rows_for("synthetic", random_adjacency(8, 500, 5_000), 4, 4, 1, bandwidth)
    else:
        otc = bitcoin_adjacency()
        if otc is not None:
            rows += rows_for("Bitcoin OTC", otc, 2, 6, 10, bandwidth)
        for N, nnz in ((10**4, 10**5), (10**5, 10**6), (10**6, 10**7)):
            rows += rows_for("synthetic", random_adjacency(64, N, nnz), 4, 4,
                             5 if nnz < 10**7 else 7, bandwidth)
    print_table(rows, "one layer, forward + backward (median seconds; peak extra memory in GB)")
    name = args.name or Path(__file__).stem + ("-quick" if args.quick else "")
    config = {"transform": "banded b=20", "read_bandwidth_gbs": bandwidth}
    print(f"\nrecord: {write_record(name, rows, config, args.out)}")


if __name__ == "__main__":
    main()

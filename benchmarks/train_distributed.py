"""Data-parallel mini-batch training of TensorGCN on the space-time graph, with
torch.distributed (DistributedDataParallel: gloo on CPU, nccl on GPU).

One machine, two processes:
    torchrun --standalone --nproc_per_node 2 benchmarks/train_distributed.py --epochs 5
Several machines (run on each; the rendezvous endpoint is one of them):
    torchrun --nnodes 2 --nproc_per_node 8 --rdzv_backend c10d \\
             --rdzv_endpoint HOST:29400 --rdzv_id tensorgcn benchmarks/train_distributed.py
Every rank holds the whole space-time graph and trains on its shard of each batch of
edges; DDP averages the gradients. `--check-gradients FILE` writes the gradients of one
fixed batch (the tests compare one process with two).
"""
from __future__ import annotations

import argparse
import os

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.parallel import DistributedDataParallel
from torch_geometric.data import Data
from torch_geometric.loader import NeighborLoader

from pyg_tensorgcn.data import DynamicGraph, to_vertex
from pyg_tensorgcn.datasets import DynamicSBM
from pyg_tensorgcn.mprod import banded
from pyg_tensorgcn.nn import SpaceTimeTensorGCN, TensorGCN, num_hops


class EdgeModel(nn.Module):
    """TensorGCN on sampled space-time neighbourhoods plus the reference edge head;
    ``forward`` returns the cross entropy of a batch of edges (event ids)."""

    def __init__(self, graph: DynamicGraph, st: Data, model: TensorGCN) -> None:
        super().__init__()
        self.graph, self.st = graph, st
        self.encoder = SpaceTimeTensorGCN(model)
        self.head = nn.Linear(2 * model.convs[-1].out_channels, 2)
        self.hops = num_hops(model)

    def forward(self, edges: Tensor) -> Tensor:
        g, N = self.graph, self.graph.num_nodes
        src = to_vertex(g.edge_time[edges], g.edge_index[0, edges], N)
        dst = to_vertex(g.edge_time[edges], g.edge_index[1, edges], N)
        seeds, position = torch.unique(torch.cat([src, dst]), return_inverse=True)
        loader = NeighborLoader(self.st, num_neighbors=[-1] * self.hops, input_nodes=seeds,
                                batch_size=seeds.numel())
        batch = next(iter(loader))  # seeds first, in input order; full fan-out: exact
        z = self.encoder(batch)[: seeds.numel()]
        pairs = position.view(2, -1)
        logits = self.head(torch.cat([z[pairs[0]], z[pairs[1]]], dim=-1))
        return F.cross_entropy(logits, g.edge_label[edges])


def build(seed: int = 0) -> EdgeModel:
    graph = DynamicSBM(num_nodes=120, num_snapshots=12, events_per_snapshot=150)[0]
    M = banded(graph.num_snapshots, 4)
    st = graph.space_time_graph(M, x=graph.degree_features(), symmetrize=True,
                                self_loops=True, normalize=True)
    torch.manual_seed(seed)
    return EdgeModel(graph, st, TensorGCN(2, 16, 16, num_layers=2, transform=M, symmetrize=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-edges", type=int, default=256, help="edges per step, all ranks")
    parser.add_argument("--check-gradients", default=None, metavar="FILE")
    args = parser.parse_args()
    distributed = "WORLD_SIZE" in os.environ  # set by torchrun
    if distributed:
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    rank, world = (dist.get_rank(), dist.get_world_size()) if distributed else (0, 1)
    model = build()
    net = DistributedDataParallel(model) if distributed else model
    if args.check_gradients:
        shard = torch.arange(64).chunk(world)[rank]  # equal shards: the mean of the means
        net(shard).backward()
        if rank == 0:
            torch.save({k: p.grad for k, p in model.named_parameters()}, args.check_gradients)
    else:
        optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
        generator = torch.Generator().manual_seed(1)  # the same order on every rank
        for epoch in range(args.epochs):
            order = torch.randperm(model.graph.num_events, generator=generator)
            losses = []
            for edges in order.split(args.batch_edges):
                if edges.numel() < world:
                    continue
                optimizer.zero_grad()
                loss = net(edges.chunk(world)[rank])
                loss.backward()
                optimizer.step()
                losses.append(loss.item())
            if rank == 0:
                print(f"epoch {epoch + 1}: mean batch loss {sum(losses) / len(losses):.4f} "
                      f"({world} process(es))", flush=True)
    if distributed:
        dist.barrier()  # every rank done (rank 0 may still be writing) before teardown
        dist.destroy_process_group()


if __name__ == "__main__":
    main()

"""Edge-classification training of TensorGCN, mini-batch on the space-time graph with
torch.distributed (DistributedDataParallel: gloo on CPU, nccl on GPU), or full batch.

One machine, two processes:
    torchrun --standalone --nproc_per_node 2 benchmarks/train_distributed.py --epochs 5
Several machines (run on each; the rendezvous endpoint is one of them):
    torchrun --nnodes 2 --nproc_per_node 8 --rdzv_backend c10d \\
             --rdzv_endpoint HOST:29400 --rdzv_id tensorgcn benchmarks/train_distributed.py
A synthetic graph at scale, full batch (one process) or mini-batch (any number):
    python benchmarks/train_distributed.py --nodes 1000000 --events 10000000 --mode full

Mini-batch: every rank holds the whole space-time graph (space edges only; the features
are X x_3 M already, see `space_time_graph(time_edges=False)`) and its sampler, and
trains on its shard of each batch of edges with full fan-out (exact); DDP averages the
gradients. Full batch: one step embeds every (snapshot, node) pair with the block CSR
and scores every event. `--check-gradients FILE` writes the gradients of one fixed batch
(the tests compare one process with two); `--record FILE` writes the run's timings and
peak memory as JSON (benchmarks/bench_space_time.py collects them).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import time
from datetime import timedelta

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.parallel import DistributedDataParallel
from torch_geometric.loader import NeighborLoader

from pyg_tensorgcn.data import DynamicGraph, to_vertex
from pyg_tensorgcn.datasets import DynamicSBM
from pyg_tensorgcn.mprod import banded
from pyg_tensorgcn.nn import SpaceTimeTensorGCN, TensorGCN, num_hops

PREPROCESSING = {"symmetrize": True, "self_loops": True, "normalize": True}


class EdgeModel(nn.Module):
    """A TensorGCN encoder plus the reference edge head; ``forward(edges)`` returns the
    cross entropy of a batch of events (ids into the graph)."""

    def __init__(self, graph: DynamicGraph, encoder: TensorGCN, mode: str, bandwidth: int) -> None:
        super().__init__()
        self.graph, self.encoder, self.mode = graph, encoder, mode
        self.head = nn.Linear(2 * encoder.convs[-1].out_channels, 2)
        M = banded(graph.num_snapshots, bandwidth)
        x = graph.degree_features()
        if mode == "full":
            block = graph.block_adjacency(M, **PREPROCESSING)
            self.aggregated = encoder.aggregate(x, block)  # fixed features: once
            self.block = block
        else:
            st = graph.space_time_graph(M, x=x, time_edges=False, **PREPROCESSING)
            self.space_time = SpaceTimeTensorGCN(encoder)
            # built once; `loader(seeds)` samples every seed's full neighbourhood: exact
            self.loader = NeighborLoader(st, num_neighbors=[-1] * num_hops(encoder, time_edges=False),
                                         batch_size=1)

    def forward(self, edges: Tensor) -> Tensor:
        g, N = self.graph, self.graph.num_nodes
        src = to_vertex(g.edge_time[edges], g.edge_index[0, edges], N)
        dst = to_vertex(g.edge_time[edges], g.edge_index[1, edges], N)
        if self.mode == "full":
            z = self.encoder(self.aggregated, self.block, x_is_aggregated=True).flatten(0, 1)
            pairs = torch.stack([src, dst])
        else:
            seeds, position = torch.unique(torch.cat([src, dst]), return_inverse=True)
            batch = self.loader(seeds)  # seeds first, in input order
            z = self.space_time(batch)[: seeds.numel()]
            pairs = position.view(2, -1)
        logits = self.head(torch.cat([z[pairs[0]], z[pairs[1]]], dim=-1))
        return F.cross_entropy(logits, g.edge_label[edges])


def synthetic_graph(nodes: int, snapshots: int, events: int) -> DynamicGraph:
    """Uniformly random events over ``snapshots`` windows, labels from the endpoints."""
    g = torch.Generator().manual_seed(0)
    edge_index = torch.randint(nodes, (2, events), generator=g)
    return DynamicGraph(edge_index=edge_index, edge_time=torch.randint(snapshots, (events,), generator=g),
                        edge_label=edge_index.sum(0) % 2, num_nodes=nodes, num_snapshots=snapshots)


def build(args: argparse.Namespace) -> EdgeModel:
    if args.nodes is None:
        graph = DynamicSBM(num_nodes=120, num_snapshots=12, events_per_snapshot=150)[0]
        bandwidth, layers = 4, 2
    else:
        graph = synthetic_graph(args.nodes, args.snapshots, args.events)
        bandwidth, layers = args.bandwidth, args.layers
    torch.manual_seed(0)
    encoder = TensorGCN(2, args.hidden, args.hidden, num_layers=layers,
                        transform=banded(graph.num_snapshots, bandwidth), symmetrize=True)
    return EdgeModel(graph, encoder, args.mode, bandwidth)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-edges", type=int, default=256, help="edges per step, all ranks")
    parser.add_argument("--steps", type=int, default=None, help="at most this many steps per epoch")
    parser.add_argument("--mode", choices=["mini", "full"], default="mini")
    parser.add_argument("--nodes", type=int, default=None,
                        help="a synthetic graph of this many nodes (default: a small DynamicSBM)")
    parser.add_argument("--snapshots", type=int, default=64)
    parser.add_argument("--events", type=int, default=10**6)
    parser.add_argument("--bandwidth", type=int, default=20)
    parser.add_argument("--layers", type=int, default=1)
    parser.add_argument("--hidden", type=int, default=16)
    parser.add_argument("--check-gradients", default=None, metavar="FILE")
    parser.add_argument("--record", default=None, metavar="FILE")
    args = parser.parse_args()
    distributed = "WORLD_SIZE" in os.environ  # set by torchrun
    if distributed:
        if args.mode == "full":
            parser.error("--mode full runs in one process")
        # a lost peer fails the run after 15 minutes instead of gloo's 30
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo",
                                timeout=timedelta(minutes=15))
    rank, world = (dist.get_rank(), dist.get_world_size()) if distributed else (0, 1)
    started = time.perf_counter()
    model = build(args)
    build_s = time.perf_counter() - started
    net = DistributedDataParallel(model) if distributed else model
    if args.check_gradients:
        shard = torch.arange(64).chunk(world)[rank]  # equal shards: the mean of the means
        net(shard).backward()
        if rank == 0:
            torch.save({k: p.grad for k, p in model.named_parameters()}, args.check_gradients)
    else:
        optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
        generator = torch.Generator().manual_seed(1)  # the same order on every rank
        batch = model.graph.num_events if args.mode == "full" else args.batch_edges
        events_done, train_s, steps = 0, 0.0, 0
        for epoch in range(args.epochs):
            order = torch.randperm(model.graph.num_events, generator=generator)
            losses = []
            for edges in order.split(batch)[: args.steps]:
                if edges.numel() < world:
                    continue
                tick = time.perf_counter()
                optimizer.zero_grad()
                loss = net(edges.chunk(world)[rank])
                loss.backward()
                optimizer.step()
                if steps:  # the first step warms up (lazy initialization): not timed
                    train_s += time.perf_counter() - tick
                    events_done += edges.numel()
                steps += 1
                losses.append(loss.item())
            if rank == 0:
                print(f"epoch {epoch + 1}: mean batch loss {sum(losses) / len(losses):.4f} "
                      f"({world} process(es))", flush=True)
        peak = torch.tensor([resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6])
        if distributed:
            dist.all_reduce(peak, op=dist.ReduceOp.MAX)
        if args.record and rank == 0:
            record = {"mode": args.mode, "processes": world, "nodes": model.graph.num_nodes,
                      "snapshots": model.graph.num_snapshots, "events": model.graph.num_events,
                      "build_s": build_s, "train_s": train_s,
                      "events_per_s": events_done / train_s if train_s else None,
                      "peak_rss_gb_per_process": float(peak)}
            with open(args.record, "w") as f:
                json.dump(record, f)
    if distributed:
        dist.barrier()  # every rank done (rank 0 may still be writing) before teardown
        if dist.get_backend() == "nccl":
            # gloo's teardown can hang one rank after the others have left (a quick CI run
            # waited out its time limit; pytorch/pytorch#75097); exiting frees its sockets
            dist.destroy_process_group()


if __name__ == "__main__":
    main()

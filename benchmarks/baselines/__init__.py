"""The paper's baselines under the same protocol as TensorGCN: each is an encoder factory
for :func:`pyg_tensorgcn.tasks.run` (``Encoder(config, window, in_channels)``, called as
``encoder(split, data)`` -> ``(W, N, out_channels)``), except EdgeBank, which learns nothing."""
from .edgebank import edgebank_record
from .evolvegcn import EvolveGCNH, EvolveGCNO
from .gcn import StaticGCN
from .wdgcn import WDGCN

ENCODERS = {"gcn": StaticGCN, "wd-gcn": WDGCN, "evolvegcn-o": EvolveGCNO, "evolvegcn-h": EvolveGCNH}

__all__ = ["ENCODERS", "StaticGCN", "WDGCN", "EvolveGCNO", "EvolveGCNH", "edgebank_record"]

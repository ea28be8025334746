"""Neural layers and heads: the ⋆_M graph convolution :class:`TMGCNConv`, the
:class:`TensorGCN` model, and task heads."""
from .block_adjacency import BlockAdjacency
from .heads import EdgeClassifier, LinkPredictor
from .tensorgcn import TensorGCN
from .tmgcn_conv import TMGCNConv, tmgcn_norm

__all__ = ["TMGCNConv", "tmgcn_norm", "BlockAdjacency", "TensorGCN", "EdgeClassifier",
           "LinkPredictor"]

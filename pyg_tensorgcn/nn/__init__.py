"""Neural layers and heads: the ⋆_M graph convolution :class:`TMGCNConv`, the
:class:`TensorGCN` model, task heads, and tensor neural networks (:class:`TLinear`,
:class:`TNN`)."""
from .heads import EdgeClassifier, LinkPredictor
from .space_time import SpaceTimeTensorGCN, num_hops, space_time_forward
from .tensorgcn import TensorGCN
from .tmgcn_conv import TMGCNConv, tmgcn_norm
from .tnn import TNN, TLinear, images_to_tensor

__all__ = ["TMGCNConv", "tmgcn_norm", "TensorGCN", "EdgeClassifier",
           "LinkPredictor", "TLinear", "TNN", "images_to_tensor",
           "space_time_forward", "num_hops", "SpaceTimeTensorGCN"]

"""pyg-tensorgcn: the tensor ⋆_M-product framework for dynamic graphs in PyG.

Subpackages, each readable alone:

- :mod:`pyg_tensorgcn.mprod`: the ⋆_M algebra (transforms, products, t-SVDM).
"""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pyg-tensorgcn")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = ["__version__"]

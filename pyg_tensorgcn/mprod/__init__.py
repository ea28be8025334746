r"""The tensor :math:`\star_M`-product algebra, time first: a tensor of size
:math:`n_1 \times n_2 \times T` is a torch tensor of shape ``(T, n1, n2)``."""
from .products import (
    TSVDM,
    facewise,
    m_identity,
    m_inverse,
    m_inverse_transform,
    m_product,
    m_transform,
    m_transpose,
    tsvdm,
)
from .transforms import (
    BandedTransform,
    DCTTransform,
    DFTTransform,
    IdentityTransform,
    MatrixTransform,
    MTransform,
    banded,
    dct,
    dft,
    identity,
    matrix,
)

__all__ = [
    "TSVDM",
    "BandedTransform",
    "DCTTransform",
    "DFTTransform",
    "IdentityTransform",
    "MTransform",
    "MatrixTransform",
    "banded",
    "dct",
    "dft",
    "facewise",
    "identity",
    "m_identity",
    "m_inverse",
    "m_inverse_transform",
    "m_product",
    "m_transform",
    "m_transpose",
    "matrix",
    "tsvdm",
]

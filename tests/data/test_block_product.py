import os
import sys

import pytest
import torch

from pyg_tensorgcn.data.block_product import (
    BLOCK_BYTES,
    HUGE_PAGE_MIN_BYTES,
    ProductStructure,
    _gram,
    _Narrow,
    _spmm,
    new_large_tensor,
)


@pytest.mark.parametrize("rows", [0, 3, 64, 67])  # a whole number of k-row steps, or not
@pytest.mark.parametrize("shape", [(4, 4), (2, 3), (1, 1), (20, 2)])
@pytest.mark.parametrize("dtype", [torch.float64, torch.complex128])
def test_narrow_products_equal_matmul(rows, shape, dtype):
    g = torch.Generator().manual_seed(rows)
    b = torch.randn(*shape, generator=g, dtype=dtype)
    a = torch.randn(rows, shape[0], generator=g, dtype=dtype)
    other = torch.randn(rows, shape[1], generator=g, dtype=dtype)
    out = torch.full((rows, shape[1]), float("nan"), dtype=dtype)
    torch.testing.assert_close(_Narrow(b).times(a, out), a @ b)
    torch.testing.assert_close(_Narrow(b).times(a.T.contiguous().T, out), a @ b)  # strided input
    torch.testing.assert_close(_gram(a, other), a.mH @ other)


def test_spmm_does_not_read_its_output():
    matrix = torch.tensor([[0.0, 2.0], [1.0, 0.0], [0.0, 0.0]]).to_sparse_csr()
    dense = torch.randn(2, 3)
    out = torch.full((3, 3), float("nan"))
    torch.testing.assert_close(_spmm(matrix, dense, out), matrix.to_dense() @ dense)


def _structure(row_bounds, col_bounds):
    empty = torch.zeros(row_bounds[-1] + 1, dtype=torch.int32)
    return ProductStructure(empty, empty[:0], empty, empty[:0], None,
                            (row_bounds[-1], col_bounds[-1]), row_bounds, col_bounds, None,
                            row_bounds[-1])


def test_blocks_group_whole_snapshots_within_the_budget():
    """Greedy groups of consecutive snapshots with at most 8 rows and 8 columns (here
    1 byte per row against the budget), a snapshot alone when it exceeds that."""
    row_bounds = [0, 3, 3, 10, 12, 20, 29]  # rows per snapshot: 3, 0, 7, 2, 8, 9
    col_bounds = [0, 1, 5, 6, 6, 13, 21]  # columns per snapshot: 1, 4, 1, 0, 7, 8
    structure = _structure(row_bounds, col_bounds)
    blocks = structure.blocks(BLOCK_BYTES // 8, torch.device("cpu"))
    assert blocks == [(0, 3, 0, 5), (3, 10, 5, 6), (10, 12, 6, 6), (12, 20, 6, 13), (20, 29, 13, 21)]
    assert structure.blocks(BLOCK_BYTES // 100, torch.device("cpu")) == [(0, 29, 0, 21)]
    assert structure.blocks(1, torch.device("cuda")) == [(0, 29, 0, 21)]  # one block off the CPU


def _vm_flags(address: int) -> list[str]:
    """The VmFlags of the mapping of this process that holds ``address`` (Linux)."""
    with open("/proc/self/smaps") as smaps:
        inside = False
        for line in smaps:
            head = line.split()[0]
            if "-" in head and not head.endswith(":"):
                start, end = (int(part, 16) for part in head.split("-"))
                inside = start <= address < end
            elif inside and head == "VmFlags:":
                return line.split()[1:]
    return []


@pytest.mark.parametrize("zero", [False, True])
def test_large_results_ask_for_huge_pages(zero):
    """A product's large result (zeros when asked) is marked for huge pages (VmFlags 'hg'),
    a small one is left alone."""
    like = torch.ones(1, dtype=torch.float64)
    small = new_large_tensor(like, (10, 3), zero=zero)
    large = new_large_tensor(like, (HUGE_PAGE_MIN_BYTES // 8, 2), zero=zero)
    assert small.shape == (10, 3) and large.shape == (HUGE_PAGE_MIN_BYTES // 8, 2)
    assert large.dtype == torch.float64
    if zero:
        assert not large.any() and not small.any()
    if sys.platform == "linux" and os.path.exists("/proc/self/smaps"):
        assert "hg" in _vm_flags(large.data_ptr() + 4 * 2**20)
        assert "hg" not in _vm_flags(small.data_ptr())

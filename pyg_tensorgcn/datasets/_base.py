"""The shared machinery of the file-backed temporal datasets: fetching and checking
the raw file, reading it with clear errors, and writing the processed file atomically."""
from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from torch_geometric.data import InMemoryDataset

from ..data import DynamicGraph

DAY = 86_400.0


@dataclass(frozen=True)
class RawSource:
    """Where a raw file comes from: the URL, how it is packed, and its checksum."""

    url: str
    file_name: str
    sha256: str | None
    packing: str = "gzip"  # "gzip", "tar.bz2:<member>" or "plain"


def fetch(source: RawSource, raw_dir: str, timeout: float = 60.0) -> Path:
    """Download ``source`` into ``raw_dir``, unpack it and check its SHA-256.

    Without a network the error names the file to place and where."""
    target = Path(raw_dir) / source.file_name
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=raw_dir) as tmp:
        packed = Path(tmp) / "download"
        try:
            with urllib.request.urlopen(source.url, timeout=timeout) as response, \
                    open(packed, "wb") as out:
                shutil.copyfileobj(response, out)
        except (urllib.error.URLError, OSError) as error:
            raise FileNotFoundError(
                f"could not download {source.url} ({error}); without a network, place "
                f"the raw file '{source.file_name}' at {target}"
            ) from error
        unpacked = Path(tmp) / source.file_name
        if source.packing == "gzip":
            with gzip.open(packed, "rb") as src, open(unpacked, "wb") as dst:
                shutil.copyfileobj(src, dst)
        elif source.packing.startswith("tar.bz2:"):
            member = source.packing.split(":", 1)[1]
            with tarfile.open(packed, "r:bz2") as archive:
                extracted = archive.extractfile(member)
                if extracted is None:
                    raise FileNotFoundError(f"{source.url} has no member {member}")
                with open(unpacked, "wb") as dst:
                    shutil.copyfileobj(extracted, dst)
        else:
            packed.rename(unpacked)
        if source.sha256 is not None:
            digest = hashlib.sha256(unpacked.read_bytes()).hexdigest()
            if digest != source.sha256:
                raise ValueError(
                    f"{source.url} unpacked to a file with SHA-256 {digest}, "
                    f"expected {source.sha256}"
                )
        os.replace(unpacked, target)
    return target


def read_table(path: str | os.PathLike, num_columns: int, **loadtxt: Any) -> np.ndarray:
    """Read a numeric table with :func:`numpy.loadtxt` (vectorized, in C); a malformed
    or truncated file raises :class:`ValueError` naming the file and numpy's row."""
    try:
        table = np.loadtxt(path, dtype=np.float64, ndmin=2, **loadtxt)
    except ValueError as error:
        raise ValueError(f"{path}: malformed raw file: {error}") from None
    if table.shape[1] != num_columns:
        raise ValueError(f"{path}: expected {num_columns} columns, got {table.shape[1]}")
    if table.shape[0] == 0:
        raise ValueError(f"{path}: the raw file holds no rows")
    if not np.isfinite(table).all():
        row = int(np.nonzero(~np.isfinite(table).all(1))[0][0])
        raise ValueError(f"{path}: non-finite value in data row {row + 1}")
    return table


def stats_doc(nodes: int, edges: int, graphs: int, classes: int, splits: str) -> str:
    """The docstring's **STATS** table (PyG's convention for datasets)."""
    cells = (f"{nodes:,}", f"{edges:,}", f"{graphs:,}", f"{classes}", splits)
    header = ("#nodes", "#edges", "#graphs", "#classes", "train / val / test")
    rows = "\n".join(
        "        * - " + "\n          - ".join(row) for row in (header, cells)
    )
    return f"""
    **STATS** (as in the TensorGCN paper):

    .. list-table::
        :header-rows: 1

{rows}
    """


def option_tag(**options: Any) -> str:
    """A file-name fragment that encodes every option changing the processed result."""
    return "_".join(f"{k}={v:.12g}" if isinstance(v, float) else f"{k}={v}"
                    for k, v in options.items())


class TemporalGraphDataset(InMemoryDataset):
    """An :class:`~torch_geometric.data.InMemoryDataset` holding one :class:`DynamicGraph`.

    Subclasses set :attr:`source` (or override :meth:`download`), implement
    :meth:`read` (raw files -> graph) and :meth:`options` (what the processed
    file name must encode). Processing writes to a temporary file that replaces
    the processed file only once it is complete.
    """

    source: RawSource | None = None
    version = 1

    def __init__(
        self,
        root: str,
        transform: Callable | None = None,
        pre_transform: Callable | None = None,
        force_reload: bool = False,
        log: bool = True,
    ) -> None:
        super().__init__(root, transform, pre_transform, force_reload=force_reload, log=log)
        self.load(self.processed_paths[0], data_cls=DynamicGraph)

    @property
    def raw_file_names(self) -> list[str]:
        return [self.source.file_name]

    @property
    def processed_file_names(self) -> list[str]:
        tag = option_tag(**self.options())
        return [f"{type(self).__name__.lower()}_v{self.version}{'_' + tag if tag else ''}.pt"]

    def options(self) -> dict[str, Any]:
        """Every option that changes the processed graph."""
        return {}

    def download(self) -> None:
        fetch(self.source, self.raw_dir)

    def read(self) -> DynamicGraph:
        raise NotImplementedError

    def process(self) -> None:
        graph = self.read()
        if self.pre_transform is not None:
            graph = self.pre_transform(graph)
        target = Path(self.processed_paths[0])
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        os.close(fd)
        try:
            self.save([graph], tmp)
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)

    @property
    def graph(self) -> DynamicGraph:
        """The dataset's only graph (``dataset[0]``)."""
        return self[0]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({option_tag(**self.options())})"

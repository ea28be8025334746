"""Any temporal edge list in a CSV/TSV file, read in bounded-memory chunks."""
from __future__ import annotations

import itertools
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch

from ..data import DynamicGraph, from_temporal_edges
from ._base import TemporalGraphDataset

Column = int | str
TimeFormat = Literal["numeric", "datetime"]


class TemporalEdgeList(TemporalGraphDataset):
    r"""A dynamic graph from a delimited text file of timed edges.

    The file is streamed ``chunk_lines`` lines at a time and each chunk parsed
    by numpy in C, so memory stays bounded by the numeric arrays, never by
    Python objects per line. Node ids are integers used as they are
    (``node_ids="integer"``) or any strings mapped to ``0 .. N-1``
    (``node_ids="names"``; ``graph.node_names[i]`` is the name of node ``i``).

    Args:
        root (str): the dataset folder; the file is copied into ``root/raw``.
        path (str): the edge-list file.
        src, dst, time (int or str): column index, or column name when
            ``header=True``. (default: ``0``, ``1``, ``2``)
        weight, label (int or str, optional): columns of event weights and labels.
        sep (str, optional): the delimiter. (default: ``","``)
        header (bool, optional): the first line names the columns. (default: ``False``)
        comment (str, optional): lines starting with it are skipped. (default: ``"%"``)
        time_format (str, optional): ``"numeric"`` (any number, e.g. unix
            seconds) or ``"datetime"`` (ISO 8601 such as ``2013-12-31 16:39:58``,
            turned into unix seconds). (default: ``"numeric"``)
        node_ids (str, optional): ``"integer"`` or ``"names"``. (default: ``"integer"``)
        window, num_windows, per_timestamp: the windowing rule of
            :func:`~pyg_tensorgcn.data.from_temporal_edges` (``window`` in the
            time unit, seconds for datetimes). (default: ``per_timestamp=True``)
        chunk_lines (int, optional): lines parsed at a time. (default: ``1_000_000``)
    """

    def __init__(
        self,
        root: str,
        path: str,
        *,
        src: Column = 0,
        dst: Column = 1,
        time: Column = 2,
        weight: Column | None = None,
        label: Column | None = None,
        sep: str = ",",
        header: bool = False,
        comment: str = "%",
        time_format: TimeFormat = "numeric",
        node_ids: Literal["integer", "names"] = "integer",
        window: float | None = None,
        num_windows: int | None = None,
        per_timestamp: bool = False,
        chunk_lines: int = 1_000_000,
        transform: Callable | None = None,
        pre_transform: Callable | None = None,
        force_reload: bool = False,
        log: bool = True,
    ) -> None:
        if time_format not in ("numeric", "datetime"):
            raise ValueError(f"time_format must be 'numeric' or 'datetime', got {time_format!r}")
        if node_ids not in ("integer", "names"):
            raise ValueError(f"node_ids must be 'integer' or 'names', got {node_ids!r}")
        if window is None and num_windows is None:
            per_timestamp = True
        self.path = Path(path)
        self.columns = {"src": src, "dst": dst, "time": time, "weight": weight, "label": label}
        self.sep, self.header, self.comment = sep, header, comment
        self.time_format, self.node_ids, self.chunk_lines = time_format, node_ids, chunk_lines
        self.windowing = {"window": window, "num_windows": num_windows,
                          "per_timestamp": per_timestamp}
        super().__init__(root, transform, pre_transform, force_reload, log)

    @property
    def raw_file_names(self) -> list[str]:
        return [self.path.name]

    def options(self) -> dict[str, Any]:
        used = {k: v for k, v in {**self.columns, **self.windowing}.items()
                if v is not None and v is not False}
        return {"file": self.path.stem, **used, "time": self.time_format,
                "ids": self.node_ids, "sep": "tab" if self.sep == "\t" else repr(self.sep)}

    def download(self) -> None:
        if not self.path.is_file():
            raise FileNotFoundError(
                f"edge list {self.path} not found; pass an existing file as path= "
                f"or place '{self.path.name}' in {self.raw_dir}"
            )
        Path(self.raw_dir).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.path, Path(self.raw_dir) / self.path.name)

    def _column_indices(self, first_line: str) -> dict[str, int]:
        names = first_line.rstrip("\r\n").split(self.sep) if self.header else None
        indices = {}
        for role, column in self.columns.items():
            if column is None:
                continue
            if isinstance(column, str):
                if names is None or column not in names:
                    raise ValueError(
                        f"{self.raw_paths[0]}: column {column!r} ({role}) not in the header "
                        f"{names if names is not None else '(header=False: use indices)'}"
                    )
                column = names.index(column)
            indices[role] = column
        return indices

    def _chunks(self) -> Iterator[tuple[int, dict[str, np.ndarray]]]:
        """Yield (first line number, {role: string column}) for every chunk."""
        path = self.raw_paths[0]
        with open(path, encoding="utf-8") as lines:
            first = next(lines, None)
            if first is None:
                raise ValueError(f"{path}: the raw file is empty")
            indices = self._column_indices(first)
            roles = list(indices)
            usecols = [indices[r] for r in roles]
            line_no = 1 if self.header else 0
            if not self.header:
                lines = itertools.chain([first], lines)
            while chunk := list(itertools.islice(lines, self.chunk_lines)):
                try:
                    table = np.loadtxt(chunk, dtype=str, delimiter=self.sep, usecols=usecols,
                                       comments=self.comment or None, ndmin=2)
                except ValueError as error:
                    raise ValueError(
                        f"{path}: malformed line in lines {line_no + 1}..{line_no + len(chunk)} "
                        f"(numpy: {error}; its row counts from line {line_no + 1})"
                    ) from None
                yield line_no + 1, {role: table[:, i] for i, role in enumerate(roles)}
                line_no += len(chunk)

    def _numbers(self, values: np.ndarray, role: str, line: int) -> np.ndarray:
        try:
            if role == "time" and self.time_format == "datetime":
                return values.astype("datetime64[s]").astype(np.int64).astype(np.float64)
            return values.astype(np.float64)
        except ValueError as error:
            raise ValueError(
                f"{self.raw_paths[0]}: column {self.columns[role]!r} ({role}) in the chunk "
                f"from line {line}: {error}"
            ) from None

    def labels(self, values: np.ndarray) -> torch.Tensor:
        """Event labels from the label column (integers as they are)."""
        return torch.from_numpy(values).long()

    def read(self) -> DynamicGraph:
        names: dict[str, int] = {}
        parts: dict[str, list[np.ndarray]] = {}
        for line, columns in self._chunks():
            for role, values in columns.items():
                if role in ("src", "dst") and self.node_ids == "names":
                    unique, inverse = np.unique(values, return_inverse=True)
                    ids = np.array([names.setdefault(str(n), len(names)) for n in unique])
                    parsed = ids[inverse].astype(np.int64)
                else:
                    parsed = self._numbers(values, role, line)
                parts.setdefault(role, []).append(parsed)
        if not parts:
            raise ValueError(f"{self.raw_paths[0]}: the raw file holds no rows")
        data = {role: np.concatenate(chunks) for role, chunks in parts.items()}
        src, dst = (torch.from_numpy(data[r]).long() for r in ("src", "dst"))
        graph = from_temporal_edges(
            src, dst, data["time"],
            weight=torch.from_numpy(data["weight"]).float() if "weight" in data else None,
            label=self.labels(data["label"]) if "label" in data else None,
            num_nodes=len(names) if self.node_ids == "names" else None,
            **self.windowing,
        )
        if self.node_ids == "names":
            graph.node_names = sorted(names, key=names.__getitem__)
        return graph

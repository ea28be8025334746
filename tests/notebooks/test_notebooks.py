"""The notebooks run top to bottom (with a small epoch budget), so they never rot."""
import shutil
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def test_quickstart_notebook_runs(shared_data, tmp_path, monkeypatch):
    raw = tmp_path / "bitcoin-otc" / "raw"
    raw.mkdir(parents=True)
    shutil.copy(shared_data / "bitcoin-otc" / "soc-sign-bitcoinotc.csv", raw)
    monkeypatch.setenv("DATA_ROOT", str(tmp_path / "bitcoin-otc"))
    monkeypatch.setenv("EPOCHS", "40")
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's inline backend draws PNGs
    notebook = nbformat.read(NOTEBOOKS / "quickstart.ipynb", as_version=4)
    nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = "".join(o.get("text", "") for cell in notebook.cells for o in cell.get("outputs", []))
    assert "selected epoch" in outputs and "test F1 (minority)" in outputs
    assert any("image/png" in o.get("data", {}) for cell in notebook.cells
               for o in cell.get("outputs", []))

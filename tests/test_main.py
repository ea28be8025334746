import subprocess
import sys

import pytest

from pyg_tensorgcn.__main__ import main


def test_demo_runs_on_the_embedded_dataset(capsys):
    main()
    out = capsys.readouterr().out
    assert "DynamicSBM" in out and "transformed adjacency banded(T=64, b=20)" in out
    assert out.count("relative error") == 1 and "dct(T=64)" in out


def imported_after(statement: str) -> list[str]:
    code = (f"import sys; {statement}; "
            "print(sorted({'torch_geometric_temporal', 'matplotlib', 'pandas'} & set(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return eval(done.stdout)


def test_import_stays_light():
    assert imported_after("import pyg_tensorgcn, pyg_tensorgcn.mprod") == []


@pytest.mark.parametrize("module", ["pyg_tensorgcn.data", "pyg_tensorgcn.datasets"])
def test_graph_modules_import_nothing_heavy_of_their_own(module):
    # torch_geometric itself imports pandas where it is installed; nothing else may come in.
    assert set(imported_after(f"import {module}")) <= set(imported_after("import torch_geometric"))
    assert "torch_geometric_temporal" not in imported_after(f"import {module}")

import subprocess
import sys

import pytest


def imported_after(statement: str) -> list[str]:
    code = (f"import sys; {statement}; "
            "print(sorted({'torch_geometric_temporal', 'matplotlib', 'pandas'} & set(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return eval(done.stdout)


def test_import_stays_light():
    assert imported_after("import pyg_tensorgcn, pyg_tensorgcn.mprod, pyg_tensorgcn.cli") == []


@pytest.mark.parametrize("module", ["pyg_tensorgcn.data", "pyg_tensorgcn.datasets",
                                    "pyg_tensorgcn.nn", "pyg_tensorgcn.tasks"])
def test_graph_modules_import_nothing_heavy_of_their_own(module):
    # torch_geometric itself imports pandas where it is installed; nothing else may come in.
    assert set(imported_after(f"import {module}")) <= set(imported_after("import torch_geometric"))
    assert "torch_geometric_temporal" not in imported_after(f"import {module}")

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The read-only raw datasets beside the checkout (``../shared/data``)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"raw datasets not found at {SHARED_DATA}")
    return SHARED_DATA


os.environ.setdefault("MPLBACKEND", "Agg")

"""``python -m pyg_tensorgcn``: the ``tensorgcn`` command (see :mod:`pyg_tensorgcn.cli`)."""
import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())

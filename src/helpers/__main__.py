"""`python -m helpers …`: the command line lives in helpers.batch.cli."""
from __future__ import annotations

import sys

from .batch.cli import main

if __name__ == "__main__":
    sys.exit(main())

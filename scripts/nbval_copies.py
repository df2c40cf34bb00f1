"""Write output-free copies of the tutorial notebooks for nbval (see the Makefile's tutorial-copies)."""
import sys
from pathlib import Path

import nbformat

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
for src in sys.argv[2:]:
    nb = nbformat.read(src, as_version=4)
    for c in nb.cells:
        if c.cell_type == "code": c.outputs, c.execution_count = [], None
    nbformat.write(nb, out / Path(src).name)

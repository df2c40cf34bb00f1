"""What a notebook user sees in a real Jupyter kernel (nbclient): our warnings as `Category: message` with no source
line, other libraries' warnings untouched, and a long call's stage line shown in place and cleared when it returns."""
import nbformat
from nbclient import NotebookClient


def _run(*cells: str) -> list:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=False).execute()
    return [c.outputs for c in nb.cells]


def test_warnings_and_stage_lines_in_a_kernel():
    warn, other, shown, cleared = _run(
        "import warnings\nfrom mmm_framework.model import DataWarning\nwarnings.warn('spend of TV is constant', DataWarning)",
        "warnings.warn('not ours', RuntimeWarning)",
        "from mmm_framework.analysis import stage_reporter\nsay = stage_reporter()\nsay('Budget plan: compiling...')",
        "say2 = stage_reporter()\nsay2('working'); say2('')")
    err = "".join(o.get("text", "") for o in warn if o.output_type == "stream" and o.name == "stderr")
    assert err == "DataWarning: spend of TV is constant\n", err  # no path, no line number, no echoed source line
    assert "RuntimeWarning: not ours" in other[0].text and ":1:" in other[0].text  # everyone else's warnings as Python writes them
    assert [o.output_type for o in shown] == ["display_data"] and shown[0].data["text/plain"] == "Budget plan: compiling..."
    assert cleared[0].data["text/plain"] == ""  # updated in place, then cleared: nothing stale left in the notebook

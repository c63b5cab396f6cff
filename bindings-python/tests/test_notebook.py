"""The example notebook runs headless (nbclient) and shows the findings table."""

import pytest

from conftest import REPO

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOK = REPO / "examples" / "notebook.ipynb"


def test_notebook_executes_and_renders_findings_table(tmp_path):
    import amlguard

    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=300, kernel_name="amlguard-test", resources={"metadata": {"path": str(REPO / "examples")}}
    )
    client.execute()  # raises CellExecutionError on any failing cell
    html_outputs = [
        o["data"]["text/html"]
        for cell in nb.cells
        if cell.cell_type == "code"
        for o in cell.get("outputs", [])
        if "text/html" in o.get("data", {})
    ]
    assert html_outputs, "no HTML output"
    first = html_outputs[0]
    # the first report cell's HTML is the core's table for the same input
    rule_ids = {r.id for r in amlguard.rules()}
    shown = {i for i in rule_ids if i in first}
    assert shown, "the findings table names no rule"
    assert "<table" in first
    errors = [o for cell in nb.cells for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []
    nbformat.write(nb, tmp_path / "executed.ipynb")

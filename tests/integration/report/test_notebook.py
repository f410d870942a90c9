"""notebooks/explore.ipynb runs top to bottom on the bundled sample and draws its plots; git keeps it clean."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[3] / "notebooks" / "explore.ipynb"


def test_the_committed_notebook_has_no_outputs():
    """Outputs (plots, tables, temp paths) belong to a run, not to git: `make notebook` keeps them in var/."""
    notebook = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert code and all(cell["outputs"] == [] and cell["execution_count"] is None for cell in code)
    imported = set()
    for cell in code:
        for line in "".join(cell["source"]).splitlines():
            if line.startswith("from tweets_etl.transforms."):
                imported |= {name.strip() for name in line.split(" import ", 1)[1].split(",")}
    wanted = {
        "parse_raw_lines",
        "stage_tweets",
        "dedupe_tweets",
        "with_sentiment",
        "with_aspects",
        "with_feedback_type",
    }
    assert wanted <= imported, wanted - imported


@pytest.mark.spark
@pytest.mark.slow
def test_the_notebook_runs_on_the_sample_and_plots(tmp_path, monkeypatch):
    nbformat = pytest.importorskip(
        "nbformat", reason="the notebook extra is not installed (pip install -e '.[dev]')"
    )
    nbclient = pytest.importorskip(
        "nbclient", reason="the notebook extra is not installed (pip install -e '.[dev]')"
    )
    pytest.importorskip("ipykernel", reason="the notebook extra is not installed (pip install -e '.[dev]')")
    pytest.importorskip("matplotlib", reason="the notebook extra is not installed (pip install -e '.[dev]')")
    # The kernel, IPython, Jupyter and matplotlib keep their state under $HOME: the test's, not the user's.
    home = tmp_path / "home"
    for name, folder in (
        ("HOME", home),
        ("IPYTHONDIR", home / ".ipython"),
        ("MPLCONFIGDIR", home / ".config" / "matplotlib"),
        ("JUPYTER_RUNTIME_DIR", home / ".local" / "share" / "jupyter" / "runtime"),
    ):
        folder.mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(name, str(folder))
    monkeypatch.setenv("EXPLORE_SAMPLE_TWEETS", "500")
    monkeypatch.setenv("EXPLORE_WORK_DIR", str(tmp_path / "work"))
    # A CI that exports MPLBACKEND=Agg would silently draw nothing: plots must reach the outputs.
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=240, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    )
    client.execute()  # raises CellExecutionError, naming the cell, if any cell fails

    assert (home / ".ipython" / "profile_default").is_dir()  # the kernel's IPython used the test's folder
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "500 sample tweets" in text and "= 500 tweets +" in text
    images = [o["data"]["image/png"] for o in outputs if "data" in o and "image/png" in o["data"]]
    assert len(images) == 3
    for index, image in enumerate(images):
        png = base64.b64decode(image)
        assert png.startswith(b"\x89PNG") and len(png) > 10_000
        (tmp_path / f"plot-{index}.png").write_bytes(png)

"""Every notebook runs top to bottom: its cells are the library's unit tests and docs examples.

Cells marked `#| slow` (the real fine-tuning of the embedded model) are left out here, as plain `nbdev-test`
leaves them out; they run once per `make test` in the docs build (`test_docs.py`), which fails when any cell fails."""
import subprocess
import pytest
from conftest import ROOT, BIN

NOTEBOOKS = sorted(p.name for p in (ROOT/'nbs').glob('*.ipynb'))

@pytest.mark.parametrize('nb', NOTEBOOKS)
def test_notebook(nb):
    r = subprocess.run([BIN/'nbdev-test', f'nbs/{nb}', '--n-workers', '0'], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, f'{nb} failed:\n{r.stdout[-6000:]}\n{r.stderr[-6000:]}'

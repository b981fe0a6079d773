"Every notebook runs top to bottom: its cells are the library's unit tests and docs examples."
import subprocess
import pytest
from conftest import ROOT, BIN

NOTEBOOKS = sorted(p.name for p in (ROOT/'nbs').glob('*.ipynb'))

@pytest.mark.parametrize('nb', NOTEBOOKS)
def test_notebook(nb):
    r = subprocess.run([BIN/'nbdev-test', f'nbs/{nb}', '--flags', 'slow', '--n-workers', '0'],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, f'{nb} failed:\n{r.stdout[-6000:]}\n{r.stderr[-6000:]}'

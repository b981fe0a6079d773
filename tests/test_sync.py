"The library is exactly what the notebooks export, and the notebooks are clean."
import shutil, subprocess
from conftest import ROOT, BIN

def _project_files(root):
    "Files git tracks, and untracked ones it does not ignore"
    out = subprocess.run(['git', 'ls-files', '-co', '--exclude-standard'], cwd=root, capture_output=True, text=True, check=True)
    return [f for f in out.stdout.splitlines() if (root/f).is_file()]

def test_notebooks_and_library_in_sync(tmp_path):
    files = [f for f in _project_files(ROOT) if f.startswith(('nbs/', 'huggingtweets/')) or f == 'pyproject.toml']
    for f in files:
        (tmp_path/f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT/f, tmp_path/f)
    for cmd in ('nbdev-export', 'nbdev-clean'): subprocess.run([BIN/cmd], cwd=tmp_path, check=True, capture_output=True)
    after = {str(p.relative_to(tmp_path)) for p in tmp_path.rglob('*') if p.is_file() and '__pycache__' not in p.parts}
    changed = sorted(f for f in after if f not in files or (tmp_path/f).read_bytes() != (ROOT/f).read_bytes())
    assert not changed, ('Notebooks and library are not in sync: `nbdev-export` / `nbdev-clean` would change '
                         f'{changed}. Edit the notebooks in nbs/ (never the exported .py files), then run `make sync` and commit.')

def test_readme_is_made_from_the_index_notebook():
    import runpy, json
    readme_text = runpy.run_path(str(ROOT/'tools'/'readme.py'))['readme_text']
    made = readme_text(json.loads((ROOT/'nbs'/'index.ipynb').read_text(encoding='utf-8')))
    assert made.startswith('# huggingtweets\n') and '## Quick start' in made
    assert (ROOT/'README.md').read_text(encoding='utf-8') == made, (
        'README.md is made from nbs/index.ipynb: edit the notebook, then run `make sync` (or `python tools/readme.py`) and commit.')

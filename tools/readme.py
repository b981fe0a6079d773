"""Make `README.md` from `nbs/index.ipynb`, the project's home page: `make sync`, or `python tools/readme.py`.

nbdev's `nbdev-readme` does this through Quarto, which cannot be installed here (see `tools/build_docs.py`), so
this script does its part for a page of prose: the Markdown cells in order, and any code cell that is not
hidden, as a fenced block. `tests/test_sync.py` checks that `README.md` is what this script makes, so the README
and the docs' home page cannot say different things.
"""
import json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_HIDDEN = re.compile(r'^#\|\s*(hide|include:\s*false)\s*$', re.MULTILINE)

def readme_text(nb:dict)->str:
    "The README of the notebook `nb` (as JSON): its Markdown cells and its shown code, in order"
    parts = []
    for c in nb['cells']:
        src = ''.join(c['source']).strip('\n')
        if c['cell_type'] == 'markdown': parts.append(src)
        elif c['cell_type'] == 'code' and src and not _HIDDEN.search(src): parts.append(f'```python\n{src}\n```')
    return '\n\n'.join(parts) + '\n'

def main(root:Path=ROOT)->Path:
    "Write `README.md` from `nbs/index.ipynb`"
    text = readme_text(json.loads((root/'nbs'/'index.ipynb').read_text(encoding='utf-8')))
    (root/'README.md').write_text(text, encoding='utf-8')
    return root/'README.md'

if __name__ == '__main__': print(f'Wrote {main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT)}')

"""The Colab demo notebook, `huggingtweets-demo.ipynb`, runs headless top to bottom; then its wizard goes through
the three steps, as a user's clicks would, on the bundled sample and a tiny model."""
import json, os
from pathlib import Path
import nbformat
from nbclient import NotebookClient
from conftest import ROOT

STEPS = '''
accounts = wizard.download()
assert [a.handle for a in accounts] == ['crumbsandcomets'], wizard.accounts_out.value
bot = wizard.train()
assert bot is not None, wizard.train_out.value
assert (bot.path/'README.md').exists() and (bot.path/'predictions.png').exists() and 'ht-ok' in wizard.train_out.value
samples = wizard.generate()
assert samples and wizard.samples_out.value.count('Share</a>') == len(samples), wizard.samples_out.value
print(bot)
'''

def test_demo_notebook(tmp_path, monkeypatch):
    from huggingtweets.testing import tiny_base
    for k,v in dict(HUGGINGTWEETS_BASE_MODEL=str(tiny_base(tmp_path/'tiny')), HUGGINGTWEETS_EPOCHS='1',
                    HUGGINGTWEETS_MAX_POSTS='100', HUGGINGTWEETS_CACHE=str(tmp_path/'cache'), HUGGINGTWEETS_WANDB='disabled',
                    HUGGINGTWEETS_BOTS_DIR=str(tmp_path/'bots')).items(): monkeypatch.setenv(k, v)
    nb = nbformat.read(ROOT/'huggingtweets-demo.ipynb', as_version=4)
    n = len(nb.cells)
    nb.cells.append(nbformat.v4.new_code_cell(STEPS))
    NotebookClient(nb, timeout=600, kernel_name='python3', resources={'metadata': {'path': str(tmp_path)}}).execute()
    install, wizard = [c for c in nb.cells[:n] if c.cell_type == 'code'][:2]
    assert install.outputs == []  # huggingtweets is installed here: nothing to pip install
    assert 'application/vnd.jupyter.widget-view+json' in wizard.outputs[0]['data']
    printed = ''.join(o.get('text', '') for o in nb.cells[-1].outputs if o.output_type == 'stream' and o.name == 'stdout')
    assert printed.strip().splitlines()[-1] == str(tmp_path/'bots'/'crumbsandcomets')

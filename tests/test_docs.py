"The docs site builds from the notebooks, offline: a page per notebook, the API docs, the examples' outputs, no broken links."
import ast, base64, html, json, re, runpy, subprocess, sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit, unquote
import pytest, yaml
from conftest import ROOT

sys.path.insert(0, str(ROOT/'tools'))
import build_docs as bd

def _notebooks():
    "Every notebook the site must show, found here independently of the build script"
    return sorted(p for p in (ROOT/'nbs').rglob('*.ipynb')
                  if not any(o.startswith(('_', '.')) for o in p.relative_to(ROOT/'nbs').parts))

def _page(nb:Path)->str:
    "nbdev's page name: `00_core.ipynb` -> `core.html`"
    rel = nb.relative_to(ROOT/'nbs')
    return str(rel.with_name(re.sub(r'^\d+[a-zA-Z0-9]*_', '', rel.name.lower())).with_suffix('.html'))

class _Links(HTMLParser):
    "The ids an HTML page defines and the href/src links it holds"
    def __init__(self, text):
        super().__init__()
        self.ids, self.links = set(), []
        self.feed(text)
    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k == 'id' and v: self.ids.add(v)
            if k in ('href', 'src') and v: self.links.append(v)

@pytest.fixture(scope='module')
def site(tmp_path_factory):
    "Build the site as `make docs` does, into a temporary folder; executed notebooks are shared with `make docs` in _proc/exec"
    out = tmp_path_factory.mktemp('docs')
    r = subprocess.run([sys.executable, 'tools/build_docs.py', '--site', str(out/'site'), '--work', str(out/'pages')],
                       cwd=ROOT, capture_output=True, text=True, timeout=1500)
    assert r.returncode == 0, f'The docs site did not build:\n{r.stdout[-6000:]}\n{r.stderr[-6000:]}'
    return out/'site'

def test_every_notebook_has_a_page(site):
    nbs = _notebooks()
    assert nbs and (ROOT/'nbs'/'index.ipynb') in nbs
    for nb in nbs:
        page = site/_page(nb)
        assert page.is_file(), f'{nb.name} has no page {page.name}'
        md = next((''.join(c['source']) for c in json.loads(nb.read_text())['cells'] if c['cell_type'] == 'markdown'), '')
        if title := re.search(r'^#\s+(\S.*?)\s*$', md, re.M):
            assert re.search(rf'<h1 id="[^"]*">{re.escape(html.escape(title.group(1), quote=False))}<', page.read_text()), f'{page.name} lacks its title'
    nav = re.findall(r'<a href="([^"#]+)" class="md-nav__link', (site/'index.html').read_text())
    order = [_page(nb) for nb in sorted(nbs, key=lambda p: (p.stem != 'index', str(p)))]
    seen = [h for h in dict.fromkeys(nav) if h in order]
    assert seen == order, f'the nav is not in notebook order: {seen}'

def test_internal_links_resolve(site):
    base = urlsplit(yaml.safe_load((ROOT/'mkdocs.yml').read_text().split('\nmarkdown_extensions')[0])['site_url']).path
    pages = {p.resolve(): _Links(p.read_text(encoding='utf-8')) for p in site.rglob('*.html')}
    assert len(pages) > len(_notebooks())
    broken, checked = [], 0
    for page, parsed in pages.items():
        for link in parsed.links:
            u = urlsplit(link)
            if u.scheme or u.netloc or link.startswith(('data:', 'mailto:', 'javascript:')): continue
            if u.path.startswith('/'): target = site/unquote(u.path).removeprefix(base).lstrip('/')
            else: target = (page.parent/unquote(u.path)) if u.path else page
            checked += 1
            if target.is_dir(): target = target/'index.html'
            if not target.is_file(): broken.append(f'{page.relative_to(site)}: {link}'); continue
            if u.fragment and target.suffix == '.html' and unquote(u.fragment) not in pages[target.resolve()].ids:
                broken.append(f'{page.relative_to(site)}: {link} (no such anchor)')
    assert checked > 100
    assert not broken, 'Broken links in the site:\n' + '\n'.join(broken)

def test_api_docs_and_examples(site):
    core = (site/'core.html').read_text()
    doc = core[core.index('id="cache_dir"'):]
    assert 'sub-folders inside the cache, created if missing' in doc[:3000], 'the docments of `cache_dir` are missing'
    assert 'The huggingtweets cache folder, or a sub-folder of it' in doc[:3000]
    assert 'cache_dir' in re.search(r'md-nav--secondary.*?</nav>', core, re.S).group(0), 'the symbol is not in the table of contents'
    models = (site/'models.html').read_text()  # its example lists the files of the embedded model folder
    outs = re.findall(r'<pre class="nb-output[^"]*"><code>(.*?)</code></pre>', models, re.S)
    assert any('config.json' in o and 'model.safetensors' in o for o in outs), 'the examples\' outputs are missing'

def test_every_exported_symbol_is_documented(site):
    "Each function and class a module exports (its `__all__`, as in the module index) has its anchor on its page"
    d = runpy.run_path(str(ROOT/'huggingtweets'/'_modidx.py'))['d']
    missing = []
    for mod, syms in d['syms'].items():
        py = ROOT/syms[next(iter(syms))][1] if syms else None
        tree = ast.parse(py.read_text()) if py and py.exists() else None  # a missing module is test_sync's to report
        all_ = next((ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign)
                     and getattr(n.targets[0], 'id', '') == '__all__'), []) if tree else []
        for sym, (url, _) in syms.items():
            name = sym.removeprefix(mod + '.')
            if name not in all_: continue
            page, _, anchor = url.partition('#')
            if f'id="{anchor}"' not in (site/page).read_text(): missing.append(f'{sym} ({url})')
    assert not missing, 'Exported symbols without API docs: ' + ', '.join(missing)

# ---- the build script's parts, on small examples

def test_term_text():
    assert bd.term_text('\x1b[31mred\x1b[0m') == 'red'
    assert bd.term_text('Loading:  10%\rLoading: 100%\r\ndone\n') == 'Loading: 100%\ndone\n'

def test_cell_options():
    assert bd.cell_options('#| echo: false\n#| output: asis\nshow_doc(f)') == ({'echo': 'false', 'output': 'asis'}, 'show_doc(f)')
    assert bd.cell_options('x = 1\n#| not: leading') == ({}, 'x = 1\n#| not: leading')

def test_render_output():
    imgs = {}
    png = base64.b64encode(b'\x89PNG fake').decode()
    assert bd.render_output({'output_type': 'display_data', 'data': {'image/png': png, 'text/plain': '<Figure>'}}, False, 'p_files/cell3', imgs) \
        == '![output](p_files/cell3-1.png){ .nb-output }'
    assert imgs == {'p_files/cell3-1.png': b'\x89PNG fake'}
    assert bd.render_output({'output_type': 'stream', 'name': 'stdout', 'text': ['a < b\n']}, False, 'x', {}) \
        == '<pre class="nb-output"><code>a &lt; b</code></pre>'
    assert 'nb-stderr' in bd.render_output({'output_type': 'stream', 'name': 'stderr', 'text': 'warn\n'}, False, 'x', {})
    assert bd.render_output({'output_type': 'stream', 'name': 'stderr', 'text': '\r\n'}, False, 'x', {}) == ''
    sd = '---\n\n[source](https://x/y.py#LNone)\n\n### Post.from_dict\n\n```python\ndef from_dict(d:__main__.Post)\n```'
    md = bd.render_output({'output_type': 'execute_result', 'data': {'text/markdown': sd}}, True, 'x', {})
    assert '### Post.from_dict { #post.from_dict }' in md and '(https://x/y.py)' in md and 'd:Post' in md
    assert bd.render_output({'output_type': 'execute_result', 'data': {'text/html': '<b>hi</b>', 'text/plain': 'hi'}}, False, 'x', {}) \
        == '<div class="nb-output">\n<b>hi</b>\n</div>'

def test_links():
    s = bd.Site(ROOT/'nbs', {'core.md', 'sub/sources.md'}, {'core.md': {'cache_dir'}, 'sub/sources.md': {'post'}}, 'https://h.io/ht/')
    assets = set()
    md = ('[`cache_dir`](https://h.io/ht/core.html#cache_dir) [`Post.to_dict`](https://h.io/ht/sub/sources.html#post.to_dict) '
          '[core](00_core.ipynb) [web](https://example.com/a.html) [gone](https://h.io/ht/nope.html#x) [pic](styles.css)')
    assert s.links(md, 'index.md', assets) == (
        '[`cache_dir`](core.md#cache_dir) [`Post.to_dict`](sub/sources.md#post) '
        '[core](core.md) [web](https://example.com/a.html) [gone](https://h.io/ht/nope.html#x) [pic](styles.css)')
    assert assets == {(ROOT/'nbs'/'styles.css').resolve()}
    assert s.links('[core](../00_core.ipynb#cache_dir)', 'sub/sources.md', set()) == '[core](../core.md#cache_dir)'

def test_exec_key(tmp_path):
    nb = {'cells': [{'cell_type': 'code', 'source': ['1+1'], 'metadata': {}, 'outputs': [], 'execution_count': None}],
          'metadata': {}, 'nbformat': 4, 'nbformat_minor': 5}
    f = tmp_path/'x.ipynb'
    f.write_text(json.dumps(nb))
    k = bd.exec_key(f, ['slow'])
    nb['cells'][0]['outputs'] = [{'output_type': 'stream', 'name': 'stdout', 'text': ['2']}]
    f.write_text(json.dumps(nb))
    assert bd.exec_key(f, ['slow']) == k, 'outputs do not change what a run prints'
    assert bd.exec_key(f, []) != k
    nb['cells'][0]['source'] = ['1+2']
    f.write_text(json.dumps(nb))
    assert bd.exec_key(f, ['slow']) != k

def _one_cell_notebook(path:Path, source:str)->Path:
    nb = {'cells': [{'cell_type': 'code', 'source': [source], 'metadata': {}, 'outputs': [], 'execution_count': None}],
          'metadata': {}, 'nbformat': 4, 'nbformat_minor': 5}
    path.write_text(json.dumps(nb))
    return path

def test_failing_notebook_names_itself(tmp_path):
    f = _one_cell_notebook(tmp_path/'09_broken.ipynb', 'raise ValueError("boom in the example")')
    err = bd._run_job((f, tmp_path/'out.ipynb', [], 1))
    assert err and '09_broken.ipynb' in err and 'boom in the example' in err
    assert not (tmp_path/'out.ipynb').exists()

def test_notebooks_run_side_by_side_share_the_cores(tmp_path, monkeypatch):
    "Each of n notebooks run at once gets its share of the cores as torch threads"
    monkeypatch.delenv('OMP_NUM_THREADS', raising=False)
    f = _one_cell_notebook(tmp_path/'threads.ipynb', 'import torch; print(torch.get_num_threads())')
    assert bd._run_job((f, tmp_path/'out.ipynb', [], 1)) is None
    assert json.loads((tmp_path/'out.ipynb').read_text())['cells'][0]['outputs'][0]['text'] == ['1\n']
    jobs = []
    monkeypatch.setattr(bd, '_cores', lambda: 8)
    monkeypatch.setattr(bd, '_run_job', jobs.append)
    bd.execute_all([f], tmp_path/'cache', n_workers=2)
    assert [threads for *_, threads in jobs] == [4]

def test_lib_deps(tmp_path):
    "A notebook's cached run depends on the modules it imports, through relative, package and function-local imports"
    lib = tmp_path/'pkg'
    (lib/'sub').mkdir(parents=True)
    files = {'__init__.py': '', 'core.py': 'import os', 'a.py': 'from .core import x', 'b.py': 'def f():\n    from pkg.sub import c',
             'sub/__init__.py': 'from . import c', 'sub/c.py': 'from ..a import y', 'lone.py': 'import json'}
    for k, v in files.items(): (lib/k).write_text(v)
    names = lambda srcs: sorted(str(f.relative_to(lib)) for f in bd.lib_deps(srcs, lib))
    assert names(['from pkg.core import x']) == ['core.py']
    assert names(['%time x = 1\nimport pkg.b as b']) == ['a.py', 'b.py', 'core.py', 'sub/__init__.py', 'sub/c.py']
    assert names(['from pkg import lone', 'import numpy']) == ['__init__.py', 'lone.py']
    assert len(names(['def broken(:'])) == len(files), 'code it cannot parse depends on everything'
    assert bd._read_paths(["p = Path('../tests/conftest.py')", "open('../no/such/file')"], ROOT/'nbs') == [ROOT/'tests'/'conftest.py']

"""Build the documentation site from the notebooks, offline: `make docs`, or `python tools/build_docs.py`.

Quarto, which `nbdev-docs` drives, cannot be installed here, so this script does its part with nbdev's own
machinery and hands the result to mkdocs (Material theme):

1. execute: each notebook in `nbs/` runs top to bottom in a fresh process, as `nbdev-test --flags slow` runs it
   (same shell, same skipped cells, same working folder; offline, and notebooks run side by side share the CPU
   cores as torch threads), with a `show_doc` cell after each exported
   definition (nbdev's `add_show_docs`). Executed notebooks are kept in `_proc/exec/`, keyed by a hash of the
   notebook, the library modules it imports (directly or not), the files it reads and `pyproject.toml`, so a second
   build only re-runs notebooks whose inputs changed.
2. process: nbdev's docs processors (`FilterDefaults`, as `nbdev-proc-nbs` applies them for Quarto) drop
   hidden and exported cells, turn the `# title` / `> subtitle` cell into front matter and link backticked
   symbols to their docs.
3. write: each notebook becomes one Markdown page named as nbdev names it (`00_core.ipynb` -> `core.md`, so
   nbdev's doc links `core.html#cache_dir` resolve), with the API docs, the examples and their outputs;
   pictures go to files beside the page.
4. `mkdocs build --strict` with `mkdocs.yml`, the nav in notebook order (`index.ipynb` first).

Markdown pages (rather than mkdocs-jupyter's HTML rendering of whole notebooks) let mkdocs check every internal
link and anchor, give each symbol an entry in the page's table of contents and in search, and render
`show_doc`'s Markdown with the same extensions as the prose.
"""
import ast, base64, hashlib, html, json, os, posixpath, re, shutil, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fastcore.script import call_parse
from fastcore.xtras import working_directory
from fastcore.nbio import read_nb, write_nb
from nbdev.config import get_config, nbpath2html
from nbdev.doclinks import nbglob
from nbdev.process import NBProcessor
from nbdev.processors import FilterDefaults, add_show_docs

ROOT = Path(__file__).resolve().parent.parent
_EXEC_VERSION = 2  # bump when the execution step changes, to invalidate cached executed notebooks

# ---- 1. execute

def _imports(src:str, mod:str='')->set|None:
    "Modules that Python source `src` (of module `mod`) imports anywhere, even inside functions; None if unparsable"
    src = '\n'.join('' if l.lstrip().startswith(('%', '!')) else l for l in src.splitlines())  # IPython magics
    try: tree = ast.parse(src)
    except SyntaxError: return None
    res, pkg = set(), mod.split('.')[:-1]
    for n in ast.walk(tree):
        if isinstance(n, ast.Import): res |= {a.name for a in n.names}
        elif isinstance(n, ast.ImportFrom):
            base = '.'.join((pkg[:len(pkg)-n.level+1] if n.level else []) + ([n.module] if n.module else []))
            res |= {base} | {f'{base}.{a.name}' for a in n.names}
    return res

def lib_deps(srcs:list,     # Python sources: a notebook's code cells
             lib_path:Path, # the library's folder
            )->set:         # the library's `.py` files they import, directly or through each other
    "The library modules some code depends on"
    lib = lib_path.name
    def _file(m):
        parts = m.split('.')
        if parts[0] != lib: return None
        f = lib_path.joinpath(*parts[1:])
        return next((o for o in (f.with_suffix('.py'), f/'__init__.py') if o.is_file()), None)
    todo, res = [(s, '') for s in srcs], set()
    while todo:
        src, mod = todo.pop()
        mods = _imports(src, mod)
        if mods is None: return {p for p in lib_path.rglob('*.py') if '__pycache__' not in p.parts}  # can't tell: all
        for f in filter(None, map(_file, mods)):
            if f not in res:
                res.add(f)
                todo.append((f.read_text(encoding='utf-8'), '.'.join(f.relative_to(lib_path.parent).with_suffix('').parts)))
    return res

_skip = lambda p: any(o.startswith('.') or o == '__pycache__' for o in p.parts)

def _read_paths(srcs:list, nbs_path:Path)->list[Path]:
    "Files that code reads through relative path literals such as `'../bench/recipes'` (from `nbs_path`)"
    res = []
    for lit in set(re.findall(r"""['"](\.\.?/[^'"\n]*)['"]""", '\n'.join(srcs))):
        f = (nbs_path/lit).resolve()
        if f.is_file(): res.append(f)
        elif f.is_dir(): res += [o for o in f.rglob('*') if o.is_file() and not _skip(o.relative_to(f))][:5000]
    return res

def _dep_files(srcs:list, cfg)->list[Path]:
    "The files whose content decides what a notebook's cells print"
    skip = _skip
    data = [p for p in cfg.lib_path.rglob('*') if p.is_file() and p.suffix != '.py' and not skip(p.relative_to(cfg.lib_path))]
    nbs = [p for p in cfg.nbs_path.rglob('*') if p.is_file() and p.suffix != '.ipynb' and p.name != 'sidebar.yml'
           and not skip(p.relative_to(cfg.nbs_path))]
    init = cfg.lib_path/'__init__.py'
    return sorted(set(data + nbs + [cfg.config_file] + ([init] if init.exists() else []) + list(lib_deps(srcs, cfg.lib_path))
                      + _read_paths(srcs, cfg.nbs_path)))

def _fingerprint(f:Path)->bytes:
    "A file's content, or its size and time when it is big (data archives)"
    st = f.stat()
    return f.read_bytes() if st.st_size < 5_000_000 else f'{st.st_size} {st.st_mtime_ns}'.encode()

def exec_key(nb_path:Path, # a notebook
             flags:list,   # test flags whose cells run
             cfg=None,     # nbdev config (default: the project's)
            )->str:        # hex digest that changes whenever the notebook's executed outputs may change
    "Hash of what a notebook's run depends on: its cells, the library modules they import, data files, `pyproject.toml`"
    cfg = cfg or get_config()
    h = hashlib.sha256(f'{_EXEC_VERSION} {sorted(flags)}'.encode())
    nb = json.loads(Path(nb_path).read_text(encoding='utf-8'))
    h.update(json.dumps(nb.get('metadata', {}).get('nbdev'), sort_keys=True).encode())
    for c in nb['cells']:
        h.update(json.dumps([c['cell_type'], c['source'], c.get('metadata', {}).get('nbdev')], sort_keys=True).encode())
    srcs = [''.join(c['source']) for c in nb['cells'] if c['cell_type'] == 'code']
    exp = re.search(r'^#\|\s*default_exp\s+(\S+)', '\n'.join(srcs), re.M)  # its own module, which it may re-export
    if exp: srcs.append(f'import {cfg.lib_path.name}.{exp.group(1)}')
    for f in _dep_files(srcs, cfg): h.update(os.path.relpath(f, cfg.config_path).encode() + b'\0' + _fingerprint(f) + b'\0')
    return h.hexdigest()

def _execute(src:Path, dst:Path, flags:list)->str|None:
    "Run one notebook with `show_doc` cells added and save it with its outputs; the error text, or None"
    from nbdev.test import _skip_cell  # the predicate `nbdev-test` uses to leave cells out
    from execnb.shell import CaptureShell
    os.environ['IN_TEST'] = '1'
    cfg = get_config()
    sys.path.insert(0, str(cfg.config_path))
    nb = NBProcessor(src, procs=[add_show_docs], rm_directives=False, process=True).nb
    skip = _skip_cell(nb, str(cfg.tst_flags).split(), flags)
    k = CaptureShell(src, profile=bool(cfg.exec_profile))
    k.run_cell('from nbdev.showdoc import show_doc')
    try:
        with working_directory(src.parent): k.run_all(nb, exc_stop=True, preproc=skip, cell_timeout=cfg.cell_timeout or None)
    except BaseException as e: return k.prettytb(fname=src) or f'{src}: {type(e).__name__}: {e}'
    tmp = dst.with_name(f'.{dst.name}.{os.getpid()}')
    write_nb(nb, tmp)
    os.replace(tmp, dst)  # atomic: builds running side by side share the cache

def _execute_main():
    "`_execute` in a process of its own: `python -c ... SRC DST FLAGS`"
    src, dst, flags = sys.argv[1:4]
    if err := _execute(Path(src), Path(dst), flags.split()): sys.exit(err)

def _cores()->int:
    "The CPU cores this process may use"
    return len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count() or 1

def _run_job(job)->str|None:
    "Execute one notebook in a fresh Python process, as `nbdev-test` would: the error text, or None"
    src, dst, flags, threads = job
    code = f'import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import build_docs; build_docs._execute_main()'
    t0 = time.time()
    # offline, as the site is built; a thread per core, as oversubscribed torch threads spin and stall
    env = {'HF_HUB_OFFLINE': '1', 'OMP_NUM_THREADS': str(threads), **os.environ}
    r = subprocess.run([sys.executable, '-c', code, str(src), str(dst), ' '.join(flags)], cwd=ROOT, env=env,
                       capture_output=True, text=True)
    print(f'  {src.name}: {"executed" if r.returncode == 0 else "FAILED"} in {time.time()-t0:.0f} s', flush=True)
    return None if r.returncode == 0 else f'{src.name}:\n' + (r.stdout + r.stderr)[-8000:]

def execute_all(nbs:list,           # notebook paths
                cache:Path,         # folder of executed notebooks
                flags:list=['slow'], # test flags whose cells run
                n_workers:int=2,    # notebooks run at once, each in a fresh process
               )->dict:             # notebook path -> its executed copy
    "Execute the notebooks whose inputs changed since their cached run; the executed copies"
    cache.mkdir(parents=True, exist_ok=True)
    out, jobs, threads = {}, [], max(1, _cores() // max(1, n_workers))
    for nb in nbs:
        dst = cache/f'{nb.stem}-{exec_key(nb, flags)[:20]}.ipynb'
        out[nb] = dst
        if dst.exists(): print(f'  {nb.name}: unchanged, outputs from {dst.relative_to(cache.parent)}')
        else: jobs.append((nb, dst, flags, threads))
    if not jobs: return out
    with ThreadPoolExecutor(max(1, n_workers)) as ex: errors = [e for e in ex.map(_run_job, jobs) if e]
    if errors: sys.exit('The docs need every notebook to run; these failed:\n\n' + '\n\n'.join(errors))
    for nb, dst, *_ in jobs:  # drop superseded runs of the same notebook
        for old in cache.glob(f'{nb.stem}-*.ipynb'):
            if old != dst and re.fullmatch(rf'{re.escape(nb.stem)}-[0-9a-f]{{20}}\.ipynb', old.name): old.unlink(missing_ok=True)
    return out

# ---- 2. process

class DocProcs(FilterDefaults):
    "nbdev's docs processors, less those that add and run `show_doc` cells (done already) and those only Quarto reads"
    skip = {'add_show_docs', 'exec_show_docs', 'insert_warning', 'add_fold'}
    def base_procs(self): return [p for p in super().base_procs() if p.__name__ not in self.skip]

_re_dir = re.compile(r'^#\|\s*([\w-]+)\s*:?\s*(.*?)\s*$')

def cell_options(src:str)->tuple:
    "Split the leading `#| key: value` lines (left for Quarto by nbdev) from the code: (options, code)"
    lines, opts = src.splitlines(), {}
    while lines and (m := _re_dir.match(lines[0])):
        opts[m.group(1)] = m.group(2) or 'true'
        lines.pop(0)
    return opts, '\n'.join(lines).strip('\n')

_re_heading = re.compile(r'^(#{1,6}) +(\S+?) *$', re.MULTILINE)

def _doc_anchors(nb)->set:
    "The anchors the `show_doc` outputs of `nb` define, as nbdev's doc links spell them"
    res = set()
    for c in nb.cells:
        if c.cell_type != 'code' or cell_options(c.source)[0].get('output') != 'asis': continue
        for o in c.get('outputs', []):
            md = o.get('data', {}).get('text/markdown')
            if md: res |= {m.group(2).lower() for m in _re_heading.finditer(''.join(md))}
    return res

def process(src:Path, executed:Path):
    "An executed notebook after nbdev's docs processors, with its front matter in `nb.frontmatter_`"
    nb = read_nb(executed)
    nb.path_ = str(src)
    for c in nb.cells:
        if c.cell_type == 'code' and c.source.startswith('show_doc('): c.has_sd = True
    DocProcs()(nb)
    return nb

# ---- 3. write

class Site:
    "Where each notebook's page lives, and how links between them are written"
    def __init__(self, nbs_path:Path, # the notebooks' folder
                 pages:set,     # every page, as a path relative to the site: `core.md`
                 anchors:dict,  # page -> the anchors of its `show_doc` entries
                 doc_base:str,  # the site's URL in nbdev's doc links (`doc_host` + `doc_baseurl` + '/'), or ''
                ): self.nbs_path, self.page_set, self.anchors, self.doc_base = nbs_path, set(pages), anchors, doc_base

    def _target(self, url:str, page:str)->str|None:
        "The page-relative `.md` link for a link to a page of this site, else None"
        path, _, frag = url.partition('#')
        if self.doc_base and url.startswith(self.doc_base):  # nbdev's doc link: the anchor may name an undocumented method
            rel = path[len(self.doc_base):]
            rel = rel[:-5] + '.md' if rel.endswith('.html') else rel
            if rel not in self.page_set: return None
            known = self.anchors.get(rel, set())
            while frag and frag not in known: frag = frag.rpartition('.')[0]  # `post.from_dict` -> `post` -> page
        elif re.match(r'^[a-zA-Z][\w+.-]*:|^/|^#', url) or not path.endswith(('.ipynb', '.html')): return None
        else:
            rel = posixpath.normpath(posixpath.join(posixpath.dirname(page), path))
            rel = str(nbpath2html(rel).with_suffix('.md')) if rel.endswith('.ipynb') else rel[:-5] + '.md'
            if rel not in self.page_set: return None
        rel = posixpath.relpath(rel, posixpath.dirname(page) or '.')
        return rel + (f'#{frag}' if frag else '')

    def links(self, md:str, page:str, assets:set)->str:
        "`md` with links to notebooks and doc pages pointing at their `.md` pages; local files it shows go to `assets`"
        def sub(m):
            url = m.group(2)
            if (t := self._target(url, page)) is not None: return f'{m.group(1)}{t}{m.group(3)}'
            if not re.match(r'^[a-zA-Z][\w+.-]*:|^/|^#', url):
                f = (self.nbs_path/posixpath.dirname(page)/url.partition('#')[0]).resolve()
                if f.is_file() and self.nbs_path.resolve() in f.parents: assets.add(f)
            return m.group(0)
        return re.sub(r'(\]\()([^)\s]+)((?:\s+"[^"]*")?\))', sub, md)

_re_ansi = re.compile(r'\x1B(?:[@-Z\\-_]|\[[0-?]*[ -/]*[@-~])')

def term_text(s:str)->str:
    "Text as a terminal shows it: colour codes dropped, each line only what follows its last carriage return"
    return '\n'.join(l.rstrip('\r').rpartition('\r')[2] for l in _re_ansi.sub('', s).split('\n'))

def _pre(text:str, cls:str='')->str: return f'<pre class="nb-output{cls}"><code>{html.escape(text)}</code></pre>'
def _txt(x)->str: return ''.join(x) if isinstance(x, list) else (x or '')

def _fenced(code:str, lang:str='python')->str:
    ticks = '`' * max(3, 1 + max((len(m) for m in re.findall(r'`+', code)), default=0))
    return f'{ticks}{lang}\n{code}\n{ticks}'

_re_lnone = re.compile(r'#LNone\)')

def render_output(o, asis:bool, img_stem:str, images:dict, link=lambda md: md)->str:
    "One output of a code cell as Markdown/HTML; pictures are added to `images` (file name -> bytes)"
    kind = o.get('output_type')
    if kind == 'stream':
        text = term_text(_txt(o.get('text'))).strip('\n')
        return _pre(text, ' nb-stderr' if o.get('name') == 'stderr' else '') if text.strip() else ''
    if kind == 'error': return _pre(term_text('\n'.join(o.get('traceback') or [f"{o.get('ename')}: {o.get('evalue')}"])), ' nb-error')
    data = o.get('data', {})
    if 'text/markdown' in data:
        md = link(_re_lnone.sub(')', _txt(data['text/markdown'])))
        if asis:  # `show_doc`: anchors as nbdev's doc links spell them; types of the notebook's own classes unqualified
            md = re.sub(r'\b__main__\.', '', md)
            return _re_heading.sub(lambda m: f'{m.group(1)} {m.group(2)} {{ #{m.group(2).lower()} }}', md)
        return f'<div class="nb-output" markdown="1">\n\n{md}\n\n</div>'
    if 'text/html' in data: return f'<div class="nb-output">\n{_txt(data["text/html"]).strip()}\n</div>'
    for mime, ext in (('image/svg+xml', 'svg'), ('image/png', 'png'), ('image/jpeg', 'jpg'), ('image/gif', 'gif')):
        if mime in data:
            name = f'{img_stem}-{len(images)+1}.{ext}'
            images[name] = _txt(data[mime]).encode() if ext == 'svg' else base64.b64decode(_txt(data[mime]))
            return f'![output]({name}){{ .nb-output }}'
    text = _txt(data.get('text/plain')).strip('\n')
    return _pre(term_text(text)) if text else ''

def render_page(nb, page:str, site:Site, assets:set)->tuple:
    "The Markdown page of a processed notebook and its pictures: (markdown, {file name: bytes})"
    fm, images, parts = nb.frontmatter_ or {}, {}, []
    title = fm.get('title') or Path(page).stem
    meta = {'title': title, **({'description': fm['description']} if fm.get('description') else {})}
    parts.append('---\n' + ''.join(f'{k}: {json.dumps(str(v), ensure_ascii=False)}\n' for k, v in meta.items()) + '---')
    parts.append(f'# {title}')
    if fm.get('description'): parts.append(f'{fm["description"]}\n{{: .description }}')
    img_stem = f'{Path(page).stem}_files/cell'
    for i, c in enumerate(nb.cells):
        if c.cell_type == 'markdown': parts.append(site.links(c.source, page, assets))
        if c.cell_type != 'code': continue
        opts, code = cell_options(c.source)
        if opts.get('include') == 'false': continue
        if code.strip() and opts.get('echo') != 'false': parts.append(_fenced(code))
        if opts.get('output') == 'false': continue
        if opts.get('output') == 'asis' and not any('text/markdown' in o.get('data', {}) for o in c.get('outputs', [])):
            sys.exit(f'{nb.path_}: `{code}` made no Markdown, so its API docs would be missing from {page}. Run it in the notebook to see why.')
        for o in c.get('outputs', []):
            r = render_output(o, opts.get('output') == 'asis', f'{img_stem}{i}', images, lambda md: site.links(md, page, assets))
            if r: parts.append(r)
    return '\n\n'.join(parts) + '\n', images

# ---- 4. the site

def _page_of(nb:Path, nbs_path:Path)->str: return str(nbpath2html(nb.relative_to(nbs_path)).with_suffix('.md'))

def build(site_dir:Path, work:Path, cache:Path, flags:list=['slow'], n_workers:int=2):
    "Execute, process and write every notebook, then build the mkdocs site into `site_dir`"
    cfg = get_config()
    nbs = sorted(nbglob(cfg.nbs_path, as_path=True), key=lambda p: (p.stem != 'index', str(p)))
    pages = {nb: _page_of(nb, cfg.nbs_path) for nb in nbs}
    dup = {p for p in pages.values() if list(pages.values()).count(p) > 1}
    if dup: sys.exit(f'Two notebooks would make the same page {sorted(dup)}: rename one of them.')
    print(f'Executing {len(nbs)} notebooks (cached runs are reused)')
    executed = execute_all(nbs, cache, flags, n_workers)
    print('Writing pages')
    procd = {nb: process(nb, executed[nb]) for nb in nbs}
    anchors = {pages[nb]: _doc_anchors(p) for nb, p in procd.items()}
    doc_base = (cfg.get('doc_host', '') + cfg.get('doc_baseurl', '')).rstrip('/') + '/' if cfg.get('doc_host') else ''
    site = Site(cfg.nbs_path, set(pages.values()), anchors, doc_base)
    if work.exists(): shutil.rmtree(work)
    work.mkdir(parents=True)
    for f in (ROOT/'docs_src').glob('*'):
        if f.is_file(): shutil.copy2(f, work/f.name)
    assets, nav = set(), []
    for nb, p in procd.items():
        md, images = render_page(p, pages[nb], site, assets)
        (work/pages[nb]).parent.mkdir(parents=True, exist_ok=True)
        (work/pages[nb]).write_text(md, encoding='utf-8')
        for name, data in images.items():
            (work/pages[nb]).parent.joinpath(name).parent.mkdir(parents=True, exist_ok=True)
            (work/pages[nb]).parent.joinpath(name).write_bytes(data)
        nav.append({str((p.frontmatter_ or {}).get('title') or Path(pages[nb]).stem): pages[nb]})
    for f in assets:
        dst = work/f.relative_to(cfg.nbs_path.resolve())
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(f, dst)
    _mkdocs(site_dir, work, nav)

def _mkdocs(site_dir:Path, work:Path, nav:list):
    "`mkdocs build --strict` of mkdocs.yml with the pages in `work` and `nav`"
    import logging
    from mkdocs.config import load_config
    from mkdocs.commands.build import build as mk_build
    from mkdocs.exceptions import Abort, ConfigurationError
    logging.basicConfig(format='  mkdocs %(levelname)s: %(message)s')
    logging.getLogger('mkdocs').setLevel(logging.WARNING)
    try: mk_build(load_config(str(ROOT/'mkdocs.yml'), docs_dir=str(work), site_dir=str(site_dir), nav=nav, strict=True))
    except (Abort, ConfigurationError) as e: sys.exit(f'mkdocs could not build the site: {e}')

@call_parse
def main(site:str='site',          # folder the static site is written to
         work:str='_proc/docs',    # folder of the Markdown pages mkdocs reads (rewritten each build)
         cache:str='_proc/exec',   # folder of executed notebooks, reused while their inputs are unchanged
         flags:str='slow',         # test flags whose cells run, as `nbdev-test --flags`
         n_workers:int=2,          # notebooks executed at once, each in its own process
        ):
    "Build the documentation site from nbs/*.ipynb, offline"
    t0 = time.time()
    site, work, cache = (Path(o).resolve() for o in (site, work, cache))
    os.chdir(ROOT)
    build(site, work, cache, flags.split(), n_workers)
    print(f'Built {site} in {time.time()-t0:.0f} s: open {site/"index.html"}')

"The benchmark end to end on a tiny model and two tiny corpora: the files a panel writes, what they hold, and reusing the recipe's runs (no timing assertions)."
import json, os, shutil, subprocess, sys
from pathlib import Path
import pytest
from conftest import ROOT
import huggingtweets.bench as bench
from huggingtweets.bench import default_corpus, in_child, main, parse_variant
from huggingtweets.core import HuggingTweetsError
from huggingtweets.testing import tiny_base

WORDS = ['coffee', 'the sea', 'my dog', 'sourdough', 'the city', 'rainy days', 'long runs', 'the game', 'old books',
         'my garden', 'the night train', 'jazz records', 'the mountains', 'fresh bread', 'my bike', 'the library',
         'summer storms', 'the harbour', 'green tea', 'the market', 'board games', 'the old bridge', 'my notebook', 'the river']
TEMPLATES = ['I love {} so much, it makes every single morning better', 'Nothing beats {} on a slow Sunday with friends',
             'Thinking about {} again tonight, and I regret nothing at all', 'Big news about {} coming this Monday, stay tuned!',
             'Who else is excited about {}? Tell me everything below', 'RT @friend: {} is the best thing in the world']
POSTS = [t.format(w) for w in WORDS for t in TEMPLATES]  # 144 posts, 24 of them retweets; 120 kept
BOB_TEMPLATES = ['@ana claro que sí, lo de {} lo hablamos mañana en la oficina', 'Hoy toca escribir sobre {} y sobre mapas #datos',
                 'No entiendo por qué nadie habla de {} cuando es lo más interesante', '@luis {} otra vez? venga, vale, me apunto',
                 'Pequeño hilo sobre {}: lo que aprendí esta semana en el trabajo']
BOB = [t.format(w) for w in WORDS for t in BOB_TEMPLATES]  # 120 posts, every one kept: another account, another language
RUN_KEYS = {'label', 'settings', 'train', 'generate', 'style'}
TRAIN_KEYS = {'bot', 'time_to_bot', 'cpu_seconds', 'loop_cpu_seconds', 'load_average', 'params', 'gflop_per_second', 'train_seconds', 'train_tokens', 'tokens_per_second', 'steps', 'eval_loss',
              'base_eval_loss', 'block_size', 'batch_size', 'torch_threads', 'gpu_peak_mb', 'peak_rss_mb', 'loop_seconds',
              'loop_eval_seconds', 'planned_steps', 'precision'}
GEN_KEYS = {'how', 'load_seconds', 'seconds', 'all_seconds', 'cpu_seconds', 'forward_passes', 'load_average', 'new_tokens', 'tokens_per_second', 'samples', 'heldout_loss', 'peak_rss_mb',
            'engine', 'heldout_loss_fp32'}
STYLE_KEYS = {'how', 'n', 'seed', 'date', 'posts', 'empty', 'dropped', 'engine', 'load_seconds', 'seconds', 'figures', 'peak_rss_mb'}
MACHINE_TARGETS = ['Time to a bot', 'Time to a bot (stretch)', 'Training loop vs a float32 matmul', 'Held-out loss with one core busy',
                   'Ten samples vs the recipe', 'Ten samples', 'Peak training memory', 'Clean and count 100,000 posts']
WRITING_TARGETS = ['Held-out loss vs the recipe', 'Held-out loss of the generating model vs the float32 bot',
                   'Held-out loss of the generating model vs the recipe', 'Real-vs-bot AUC vs the recipe', 'Real-vs-bot AUC',
                   'Copies of training posts among our posts', 'Our posts sharing their first word']

def _corpus(path:Path, posts:list[str], author:str)->str:
    "A `file:` corpus of `posts`"
    path.write_text(json.dumps([dict(id=i, text=t, created_at=f'2024-01-{1 + i % 28:02d}T10:00:00Z', author=author) for i,t in enumerate(posts)]))
    return f'file:{path}'

@pytest.fixture(scope='module')
def env(tmp_path_factory):
    "A tiny base model, two corpus files (alice: 144 posts, bob: 120), the cache in a folder of their own, and one thread (tiny models run best on one)"
    tmp = tmp_path_factory.mktemp('bench')
    return dict(tmp=tmp, tiny=str(tiny_base(tmp/'tiny', texts=POSTS + BOB)), alice=_corpus(tmp/'alice.json', POSTS, 'alice'),
                bob=_corpus(tmp/'bob.json', BOB, 'bob'), environ=dict(os.environ, HUGGINGTWEETS_CACHE=str(tmp/'cache'), OMP_NUM_THREADS='1'))

def run_cli(env, *args)->subprocess.CompletedProcess:
    "`python -m huggingtweets.bench` on the tiny model, one timed generation call and a small data stage"
    return subprocess.run([sys.executable, '-m', 'huggingtweets.bench', '--base-model', env['tiny'], '--repeats', '1', '--data-posts', '1000', *map(str, args)],
                          cwd=ROOT, env=env['environ'], capture_output=True, text=True, timeout=900)

@pytest.fixture(scope='module')
def panel(env):
    "A panel of the two corpora, alice its reference, with the bots kept: what `make bench` runs, as a command"
    out = env['tmp']/'bench'
    r = run_cli(env, '--corpus', env['alice'], '--corpus', env['bob'], '--out', out, '--keep-bots', env['tmp']/'bots')
    assert r.returncode == 0, r.stderr[-4000:]
    return dict(out=out, stdout=r.stdout)

def check_style(style:dict, how:str):
    "The 200 posts of a run and their style figures"
    assert set(style) == STYLE_KEYS and style['how'] == how and style['n'] == 200 and style['seed'] == 0
    assert 0 < len(style['posts']) <= 200 and style['seconds'] > 0 and style['peak_rss_mb'] > 50
    f = style['figures']
    assert f['n'] == min(len(style['posts']), 120) and set(f['bot']) == set(f['person'])  # as many of the person's posts as there are
    assert (style['dropped'] is None) == (how == 'recipe') == (style['empty'] is not None)

def check_results(out:Path, runs:list[str], corpus:dict, reference:bool)->dict:
    "The two files of one corpus exist and hold every run, every figure and every target"
    res = json.loads((out/'results.json').read_text())
    assert list(res['runs']) == runs and res['reference'] == reference
    assert {'date', 'quick', 'command', 'base_model', 'corpus_spec', 'corpus_name', 'machine', 'load_before', 'load_after',
            'corpus', 'data', 'runs', 'seconds', 'targets', 'reference'} <= set(res)
    assert res['corpus'] == corpus
    assert res['data']['stats']['Tweets downloaded'] == res['data']['posts'] and res['data']['clean_seconds'] > 0
    for name in runs:
        r = res['runs'][name]
        assert set(r) == RUN_KEYS and set(r['train']) == TRAIN_KEYS and set(r['generate']) == GEN_KEYS, name
        assert r['train']['time_to_bot'] >= r['train']['train_seconds'] > 0 and r['train']['train_tokens'] > 0
        assert r['train']['peak_rss_mb'] > 50 and r['generate']['seconds'] > 0 and r['generate']['heldout_loss'] > 0
        assert len(r['generate']['samples']) >= 1 and all(s.startswith('My dream is') for s in r['generate']['samples'])
        check_style(r['style'], r['generate']['how'])
    recipe, ours = res['runs']['recipe'], res['runs']['defaults']
    assert recipe['train']['block_size'] == 1024 and recipe['train']['batch_size'] == 1
    assert recipe['settings']['method'] == 'full' and recipe['generate']['how'] == 'recipe' and len(recipe['generate']['samples']) == 10
    assert ours['settings']['method'] == 'lora' and ours['generate']['how'] == 'ours'
    verdicts = {t['target']: t for t in res['targets']}
    assert list(verdicts) == MACHINE_TARGETS + WRITING_TARGETS
    ratio = verdicts['Ten samples vs the recipe']
    assert ratio['value'] == pytest.approx(recipe['generate']['seconds'] / ours['generate']['seconds'])
    assert ratio['met'] == ((ratio['value'] >= 4) if reference else None)  # the machine's targets: on the reference corpus only
    auc = verdicts['Real-vs-bot AUC vs the recipe']
    assert auc['value'] == pytest.approx(ours['style']['figures']['auc'] - recipe['style']['figures']['auc'])
    assert verdicts['Copies of training posts among our posts']['value'] == ours['style']['figures']['copies']
    assert set(res['matmul']) == {'fp32', 'bf16'}
    md = (out/'results.md').read_text()
    assert md.startswith(f"## Benchmark: {res['corpus_name']}") and "| Original's recipe | Our defaults |" in md
    assert md.count('| Time to a bot (s) |') == 1 and all(t['target'] in md for t in res['targets'])
    assert "| The person's posts |" in md and md.count('; the first ten:') == len(runs)
    assert res['machine']['cpu'] in md
    return res

def test_the_panel_writes_each_corpus_and_the_summary(panel, env):
    out = panel['out']
    alice = check_results(out/'alice', ['recipe', 'defaults', 'busy'], dict(posts=144, kept=120, train_posts=108, valid_posts=12), True)
    bob = check_results(out/'bob', ['recipe', 'defaults'], dict(posts=120, kept=120, train_posts=108, valid_posts=12), False)
    assert alice['runs']['busy']['settings']['busy_cores'] == 1  # the busy run: on the reference corpus only
    assert alice['command'].startswith('python -m huggingtweets.bench') and '--corpus' in alice['command']
    assert Path(alice['runs']['recipe']['train']['bot']) == env['tmp']/'bots'/'alice'/'recipe'  # kept, one folder per corpus
    summary = json.loads((out/'results.json').read_text())
    assert list(summary['corpora']) == ['alice', 'bob'] and summary['reference'] == 'alice'
    assert summary['corpora']['bob']['file'] == 'bob/results.json' and list(summary['corpora']['bob']['runs']) == ['recipe', 'defaults']
    assert summary['corpora']['bob']['runs']['defaults']['auc'] == bob['runs']['defaults']['style']['figures']['auc']
    assert [t['target'] for t in summary['targets']] == MACHINE_TARGETS + WRITING_TARGETS
    for t in summary['targets']:
        mets = {n: next(v['met'] for v in r['targets'] if v['target'] == t['target']) for n,r in (('alice', alice), ('bob', bob))}
        assert {n: v['met'] for n,v in t['by_corpus'].items()} == mets
        assert t['fails_on'] == [n for n,m in mets.items() if m is False] and t['met_on'] == [n for n,m in mets.items() if m]
    md = (out/'results.md').read_text()
    assert md.startswith('## Benchmark panel: alice, bob') and '| Target | Goal | alice | bob | Fails on |' in md
    assert "| **alice** (120 kept, 12 held out) | Original's recipe |" in md and "|  | The person's posts |" in md
    assert '## Benchmark panel: alice, bob' in panel['stdout']  # the summary is printed too

def _strip_style(src:Path, dest:Path)->dict:
    "A copy of an earlier run's results without the recipe's style figures, as runs before issue 19 wrote them"
    res = json.loads(src.read_text())
    del res['runs']['recipe']['style']
    dest.mkdir(parents=True); (dest/'results.json').write_text(json.dumps(res))
    return res

def test_a_panel_reuses_earlier_recipe_runs_corpus_by_corpus(panel, env):
    "Alice's from a folder whose run has no style figures (its kept bot writes them now), bob's from his own file"
    out, earlier = panel['out'], env['tmp']/'earlier'
    alice = _strip_style(out/'alice'/'results.json', earlier/'somewhere')
    bob = json.loads((out/'bob'/'results.json').read_text())
    r = run_cli(env, '--corpus', env['alice'], '--corpus', env['bob'], '--out', env['tmp']/'again', '--no-busy',
                '--recipe-from', earlier, '--recipe-from', out/'bob'/'results.json')
    assert r.returncode == 0, r.stderr[-4000:]
    for name, before, source in (('alice', alice, earlier/'somewhere'/'results.json'), ('bob', bob, out/'bob'/'results.json')):
        later = json.loads((env['tmp']/'again'/name/'results.json').read_text())
        assert list(later['runs']) == ['recipe', 'defaults'] and later['runs']['recipe']['train'] == before['runs']['recipe']['train']
        assert later['recipe_from']['file'] == str(source) and later['recipe_from']['date'] == before['date']
        assert next(t for t in later['targets'] if t['target'] == 'Real-vs-bot AUC vs the recipe')['met'] is not None
        assert f"come from `{source}`" in (env['tmp']/'again'/name/'results.md').read_text()
    late_alice = json.loads((env['tmp']/'again'/'alice'/'results.json').read_text())
    check_style(late_alice['runs']['recipe']['style'], 'recipe')  # written now by the kept bot
    assert late_alice['recipe_from']['style'] == late_alice['runs']['recipe']['style']['date']
    late_bob = json.loads((env['tmp']/'again'/'bob'/'results.json').read_text())
    assert late_bob['runs']['recipe']['style'] == bob['runs']['recipe']['style']  # his run had them
    summary = json.loads((env['tmp']/'again'/'results.json').read_text())
    assert summary['corpora']['bob']['recipe_from']['file'] == str(out/'bob'/'results.json')

@pytest.mark.filterwarnings('ignore::huggingtweets.dataset.NotEnoughTextWarning')  # tiny corpora
def test_a_recipe_run_of_other_data_is_refused_before_any_run(panel, env, tmp_path, monkeypatch, capsys):
    out = panel['out']
    monkeypatch.setenv('HUGGINGTWEETS_CACHE', env['environ']['HUGGINGTWEETS_CACHE'])
    res = json.loads((out/'alice'/'results.json').read_text())
    (tmp_path/'split.json').write_text(json.dumps(dict(res, corpus=dict(res['corpus'], valid_posts=13))))
    for args, says in ((['--corpus', env['bob'], '--recipe-from', out/'alice'/'results.json'], 'measured other data'),
                       (['--corpus', env['alice'], '--recipe-from', tmp_path/'split.json'], 'measured other data'),  # another split
                       (['--corpus', env['bob'], '--recipe-from', out/'alice'], 'holds no recipe run'),
                       (['--corpus', env['alice'], '--corpus', env['bob'], '--recipe-from', out/'results.json'], 'summary of a panel')):
        assert main([*map(str, args), '--base-model', env['tiny'], '--out', str(tmp_path/'refused')]) == 1
        assert says in capsys.readouterr().err, args
        assert not (tmp_path/'refused').exists()

def test_in_child_reports_the_child_peak_memory():
    result, rss = in_child(bytearray, 200_000_000)  # the child holds 200 MB at its peak
    assert len(result) == 200_000_000 and rss > 200

def test_missing_corpus_and_bad_variants_say_what_to_do(tmp_path, capsys):
    with pytest.raises(HuggingTweetsError, match='--corpus SPEC'): default_corpus([tmp_path/'none.json'])
    with pytest.raises(HuggingTweetsError, match='NAME key=value'): parse_variant('fast block_size')
    assert main(['--corpus', f'file:{tmp_path}/none.json', '--out', str(tmp_path/'b')]) == 1
    assert 'there is no file' in capsys.readouterr().err and not (tmp_path/'b').exists()

def test_where_each_run_writes(monkeypatch):
    "The panel into bench, one corpus into bench/CORPUS, a quick run (the reference corpus, no busy run) into bench/quick"
    calls = []
    monkeypatch.setattr(bench, 'run_bench', lambda corpus, out, **kw: calls.append(('one', corpus, out, kw['busy_run'])) or {})
    monkeypatch.setattr(bench, 'run_panel', lambda corpora, out, **kw: calls.append(('panel', corpora, out, kw['busy_run'])) or {})
    monkeypatch.setattr(bench, 'results_markdown', lambda res: '')
    monkeypatch.setattr(bench, 'panel_markdown', lambda res: '')
    monkeypatch.setattr(bench, 'default_corpus', lambda: 'file:ref.json')
    for argv in (['--quick'], [], ['--quick', '--out', 'mine'], ['--corpus', 'file:x/my_posts.json'], ['--corpus', 'a', '--corpus', 'b', '--no-busy']):
        assert main(argv) == 0
    assert calls == [('one', 'file:ref.json', 'bench/quick', False), ('panel', None, 'bench', True), ('one', 'file:ref.json', 'mine', False),
                     ('one', 'file:x/my_posts.json', 'bench/my_posts', True), ('panel', ['a', 'b'], 'bench', False)]

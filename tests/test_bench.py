"The benchmark end to end on a tiny model and a tiny corpus: the files it writes and what they hold (no timing assertions)."
import json, os, subprocess, sys
from pathlib import Path
import pytest
from conftest import ROOT
from huggingtweets.bench import default_corpus, in_child, main, parse_variant, run_bench
from huggingtweets.core import HuggingTweetsError
from huggingtweets.models import tiny_base

WORDS = ['coffee', 'the sea', 'my dog', 'sourdough', 'the city', 'rainy days', 'long runs', 'the game', 'old books',
         'my garden', 'the night train', 'jazz records', 'the mountains', 'fresh bread', 'my bike', 'the library',
         'summer storms', 'the harbour', 'green tea', 'the market', 'board games', 'the old bridge', 'my notebook', 'the river']
TEMPLATES = ['I love {} so much, it makes every single morning better', 'Nothing beats {} on a slow Sunday with friends',
             'Thinking about {} again tonight, and I regret nothing at all', 'Big news about {} coming this Monday, stay tuned!',
             'Who else is excited about {}? Tell me everything below', 'RT @friend: {} is the best thing in the world']
POSTS = [t.format(w) for w in WORDS for t in TEMPLATES]  # 144 posts, 24 of them retweets; 120 kept
RUN_KEYS = {'label', 'settings', 'train', 'generate'}
TRAIN_KEYS = {'bot', 'time_to_bot', 'cpu_seconds', 'loop_cpu_seconds', 'load_average', 'params', 'gflop_per_second', 'train_seconds', 'train_tokens', 'tokens_per_second', 'steps', 'eval_loss',
              'base_eval_loss', 'block_size', 'batch_size', 'torch_threads', 'gpu_peak_mb', 'peak_rss_mb', 'loop_seconds',
              'loop_eval_seconds', 'planned_steps', 'precision'}
GEN_KEYS = {'how', 'load_seconds', 'seconds', 'all_seconds', 'cpu_seconds', 'forward_passes', 'load_average', 'new_tokens', 'tokens_per_second', 'samples', 'heldout_loss', 'peak_rss_mb',
            'engine', 'heldout_loss_fp32'}

@pytest.fixture
def env(tmp_path, monkeypatch):
    "A tiny base model, a corpus file of 144 posts, the cache in `tmp_path`, and one thread (tiny models run best on one)"
    monkeypatch.setenv('HUGGINGTWEETS_CACHE', str(tmp_path/'cache'))
    monkeypatch.setenv('OMP_NUM_THREADS', '1')
    corpus = tmp_path/'alice.json'
    corpus.write_text(json.dumps([dict(id=i, text=t, created_at=f'2024-01-{1 + i % 28:02d}T10:00:00Z', author='alice')
                                  for i,t in enumerate(POSTS)]))
    return dict(tiny=str(tiny_base(tmp_path/'tiny', texts=POSTS)), corpus=f'file:{corpus}')

def check_results(out:Path, runs:list[str]):
    "The two files exist and hold every run, every figure and every target"
    res = json.loads((out/'results.json').read_text())
    assert list(res['runs']) == runs
    assert {'date', 'quick', 'command', 'base_model', 'corpus_spec', 'corpus_name', 'machine', 'load_before', 'load_after',
            'corpus', 'data', 'runs', 'seconds', 'targets'} <= set(res)
    assert res['corpus'] == dict(posts=144, kept=120, train_posts=108, valid_posts=12)
    assert res['data']['stats']['Tweets downloaded'] == res['data']['posts'] and res['data']['clean_seconds'] > 0
    for name in runs:
        r = res['runs'][name]
        assert set(r) == RUN_KEYS and set(r['train']) == TRAIN_KEYS and set(r['generate']) == GEN_KEYS, name
        assert r['train']['time_to_bot'] >= r['train']['train_seconds'] > 0 and r['train']['train_tokens'] > 0
        assert r['train']['peak_rss_mb'] > 50 and r['generate']['seconds'] > 0 and r['generate']['heldout_loss'] > 0
        assert len(r['generate']['samples']) >= 1 and all(s.startswith('My dream is') for s in r['generate']['samples'])
        assert not Path(r['train']['bot']).exists()  # bots go to a temporary folder
    recipe, ours = res['runs']['recipe'], res['runs']['defaults']
    assert recipe['train']['block_size'] == 1024 and recipe['train']['batch_size'] == 1
    assert recipe['settings']['method'] == 'full' and recipe['generate']['how'] == 'recipe' and len(recipe['generate']['samples']) == 10
    assert ours['settings']['method'] == 'lora' and ours['generate']['how'] == 'ours'
    assert [t['target'] for t in res['targets']] == ['Time to a bot', 'Time to a bot (stretch)', 'Held-out loss vs the recipe',
        'Training loop vs a float32 matmul', 'Held-out loss with one core busy', 'Ten samples vs the recipe', 'Ten samples',
        'Held-out loss of the generating model vs the float32 bot', 'Peak training memory', 'Clean and count 100,000 posts']
    ratio = res['targets'][5]
    assert ratio['value'] == pytest.approx(recipe['generate']['seconds'] / ours['generate']['seconds'])
    assert ratio['met'] == (ratio['value'] >= 4)
    assert set(res['matmul']) == {'fp32', 'bf16'}
    busy = res['runs'].get('busy')
    if busy: assert busy['settings']['busy_cores'] == 1 and busy['generate']['heldout_loss_fp32'] > 0
    md = (out/'results.md').read_text()
    assert md.startswith('## Benchmark: alice') and "| Original's recipe | Our defaults |" in md
    assert md.count('| Time to a bot (s) |') == 1 and all(t['target'] in md for t in res['targets'])
    assert res['machine']['cpu'] in md
    return res

def test_the_command_writes_results_json_and_markdown(env, tmp_path):
    "What `make bench` runs, as a command: every run trains and samples in a process of its own"
    out = tmp_path/'bench'
    r = subprocess.run([sys.executable, '-m', 'huggingtweets.bench', '--corpus', env['corpus'], '--base-model', env['tiny'],
                        '--out', str(out), '--repeats', '1', '--data-posts', '1000'],
                       cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-4000:]
    res = check_results(out, ['recipe', 'defaults', 'busy'])
    assert res['command'].startswith('python -m huggingtweets.bench --corpus')
    assert '## Benchmark: alice' in r.stdout  # the table is printed too
    again = subprocess.run([sys.executable, '-m', 'huggingtweets.bench', '--corpus', env['corpus'], '--base-model', env['tiny'],
                            '--out', str(tmp_path/'again'), '--repeats', '1', '--data-posts', '1000', '--no-busy',
                            '--recipe-from', str(out/'results.json')], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-4000:]
    later = json.loads((tmp_path/'again'/'results.json').read_text())
    assert later['runs']['recipe']['train'] == res['runs']['recipe']['train'] and list(later['runs']) == ['recipe', 'defaults']
    assert later['recipe_from'] == dict(file=str(out/'results.json'), date=res['date'])
    assert next(t for t in later['targets'] if t['target'] == 'Held-out loss vs the recipe')['met'] is not None
    assert f"come from `{out/'results.json'}`" in (tmp_path/'again'/'results.md').read_text()

def test_in_child_reports_the_child_peak_memory():
    result, rss = in_child(bytearray, 200_000_000)  # the child holds 200 MB at its peak
    assert len(result) == 200_000_000 and rss > 200

def test_missing_corpus_and_bad_variants_say_what_to_do(tmp_path, capsys):
    with pytest.raises(HuggingTweetsError, match='--corpus SPEC'): default_corpus([tmp_path/'none.json'])
    with pytest.raises(HuggingTweetsError, match='NAME key=value'): parse_variant('fast block_size')
    assert main(['--corpus', f'file:{tmp_path}/none.json', '--out', str(tmp_path/'b')]) == 1
    assert 'there is no file' in capsys.readouterr().err and not (tmp_path/'b').exists()

def test_quick_runs_never_overwrite_the_reference(monkeypatch):
    import huggingtweets.bench as bench
    outs = []
    monkeypatch.setattr(bench, 'run_bench', lambda corpus, quick, base, out, **kw: outs.append(out) or {})
    monkeypatch.setattr(bench, 'results_markdown', lambda res: '')
    for argv in (['--quick'], [], ['--quick', '--out', 'mine']): assert main(argv) == 0
    assert outs == ['bench/quick', 'bench', 'mine']

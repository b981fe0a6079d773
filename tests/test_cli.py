"""The `huggingtweets` command as a user runs it, one test per command that makes or uses a bot: `train`, `generate`,
`report`, `push` and `demo`, each in a process of its own, on a tiny random model (a bot in seconds; what it writes means
nothing). Each test checks what the user sees: the exit code, the messages, the samples and the bot folder."""
import json, os, re, subprocess
from pathlib import Path
import pytest
from conftest import ROOT, BIN
from test_card import Server, hub_handler  # the local stand-in for the Hub API
from huggingtweets.testing import EXAMPLE_POSTS, example_account, tiny_base, tiny_bot

BOT_FILES = {'model.safetensors', 'config.json', 'generation_config.json', 'tokenizer.json', 'huggingtweets.json', 'dataset.json',
             'README.md', 'predictions.png', 'report.json', 'report.png'}

@pytest.fixture
def run(tmp_path):
    "Run `huggingtweets ARGS...` in `tmp_path`, offline, with the cache there and this checkout's code"
    env = {**os.environ, 'HUGGINGTWEETS_CACHE': str(tmp_path/'cache'), 'HF_HOME': str(tmp_path/'hf'), 'WANDB_MODE': 'disabled',
           'HF_HUB_OFFLINE': '1', 'OMP_NUM_THREADS': '1',  # tiny models run fastest on one thread
           'PYTHONPATH': os.pathsep.join(p for p in (str(ROOT), os.environ.get('PYTHONPATH')) if p)}
    env.pop('HF_TOKEN', None)
    def huggingtweets(*args, **extra_env):
        r = subprocess.run([BIN/'huggingtweets', *map(str, args)], cwd=tmp_path, env={**env, **extra_env},
                           capture_output=True, text=True, timeout=600)
        return r.returncode, r.stdout, r.stderr
    return huggingtweets

def test_train_makes_a_finished_bot_folder(run, tmp_path):
    tiny = tiny_base(tmp_path/'tiny')
    (tmp_path/'bots'/'sample').mkdir(parents=True)  # an empty folder is a bot folder yet to be written
    code, out, err = run('train', 'archive:sample', '--base-model', tiny, '-o', 'bots/sample', '--max-tokens', 2048,
                         '--block-size', 16, '--batch-size', 4, '--learning-rate', 1e-2, '--wandb', 'disabled', '--seed', 1)
    assert code == 0, err[-3000:]
    assert 'The bot is in bots/sample: try `huggingtweets generate bots/sample`' in out
    bot = tmp_path/'bots'/'sample'
    assert BOT_FILES <= {p.name for p in bot.iterdir()}
    info = json.loads((bot/'huggingtweets.json').read_text())
    assert info['base_model'] == str(tiny) and info['accounts'][0]['handle'] == 'crumbsandcomets'
    hp = info['hyperparameters']  # the flags reached `train`
    assert (hp['block_size'], hp['batch_size'], hp['learning_rate']) == (16, 4, 1e-2) and info['train_tokens'] <= 2048
    assert "@crumbsandcomets's tweets" in (bot/'README.md').read_text()

def _tree(folder:Path)->dict:
    "Every file under `folder`, with its content"
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob('*') if p.is_file()}

TINY = ('--max-tokens', 2048, '--block-size', 16, '--batch-size', 4, '--wandb', 'disabled')  # a tiny bot in seconds

def test_train_never_overwrites_a_folder_that_is_not_a_bot(run, tmp_path):
    "Issue 20: `train -o proj` deleted proj/checkpoints/ and overwrote proj/README.md, and exited 0; now only `--force` does"
    tiny = tiny_base(tmp_path/'tiny')
    proj = tmp_path/'proj'
    (proj/'checkpoints').mkdir(parents=True)
    (proj/'checkpoints'/'important.txt').write_text('x')
    (proj/'README.md').write_text('notes')
    before = _tree(proj)
    for account in ('archive:sample', 'archive:no-such-archive.zip'):  # refused before any download: the missing archive is never read
        code, out, err = run('train', account, '--base-model', tiny, '-o', 'proj', *TINY)
        assert code == 1 and not out and err.count('\n') == 1, err[-3000:]
        assert err.startswith('error: proj is not a bot folder (it holds checkpoints/, README.md): train into another folder, '
                              'or add --force'), err
    assert _tree(proj) == before
    code, out, err = run('train', 'archive:sample', '--base-model', tiny, '-o', 'proj', '--force', *TINY)
    assert code == 0, err[-3000:]
    assert json.loads((proj/'huggingtweets.json').read_text())['base_model'] == str(tiny) and not (proj/'checkpoints').exists()
    assert (proj/'README.md').read_text() != 'notes'  # forced: the bot's card
    code, out, err = run('train', 'archive:sample', '--base-model', tiny, '-o', 'proj', '--seed', 2, *TINY)  # now a bot folder: trained again
    assert code == 0, err[-3000:]
    assert json.loads((proj/'huggingtweets.json').read_text())['hyperparameters']['seed'] == 2

def test_train_and_demo_refuse_a_home_folder_a_file_and_a_default_folder_that_is_not_a_bot(run, tmp_path):
    home = tmp_path/'home'
    for d in ('.cache', 'Documents', 'Pictures'): (home/d).mkdir(parents=True)
    for f in ('.bashrc', '.profile', 'todo.txt'): (home/f).write_text('mine')
    taken = tmp_path/'bots'/'crumbsandcomets'  # where the sample account's bot goes by default
    taken.mkdir(parents=True)
    (taken/'notes.txt').write_text('mine')
    (tmp_path/'bot.txt').write_text('mine')
    tiny_base(tmp_path/'cache'/'models'/'SmolLM2-135M')  # should the refusals fail, the demo trains a tiny model for seconds
    before = _tree(tmp_path)
    for args in (['train', 'archive:sample', '-o', home, '--base-model', 'no-such-user/no-such-model'], ['demo', '-o', home]):
        code, out, err = run(*args)
        assert code == 1 and err.startswith(f'error: {home} is not a bot folder (it holds Documents/, Pictures/, todo.txt and 3 more)'), err[-3000:]
    code, out, err = run('train', 'archive:sample', '-o', 'bot.txt', '--force')
    assert code == 1 and err.startswith('error: bot.txt is a file, not a folder'), err[-3000:]
    code, out, err = run('train', 'archive:sample', '--base-model', 'no-such-user/no-such-model')  # the folder is the error, not the model
    last = err.splitlines()[-1]  # after the dataset's warning: the default folder is known once the dataset is built
    assert code == 1 and last.startswith('error: bots/crumbsandcomets is not a bot folder (it holds notes.txt)'), err[-3000:]
    assert _tree(tmp_path) == before

def test_generate_prints_the_samples_and_who_wrote_them(run, tmp_path):
    tiny_bot(tmp_path/'alice')
    code, out, err = run('generate', 'alice', 'Coffee first', '-n', 3, '--seed', 1)
    assert code == 0, err[-3000:]
    samples = [l[2:] for l in out.splitlines() if l.startswith('• ')]
    assert len(samples) == 3 and all(s.startswith('Coffee first') for s in samples)
    assert re.search(r'^Written by CTranslate2 \(int8_float32\) in [\d.]+ s$', out, re.M)
    code, out, err = run('generate', 'alice', 'Coffee first', '-n', 3, '--seed', 1, '--json', '--engine', 'transformers')
    assert code == 0, err[-3000:]
    res = json.loads(out)
    assert res['engine'] == 'transformers float32' and res['prompt'] == 'Coffee first' and len(res['samples']) == 3
    code, out, err = run('generate', tmp_path/'nobot', '-n', 1)
    assert code == 1 and err.startswith(f"error: No bot folder at '{tmp_path/'nobot'}'") and not out

def test_report_tells_how_close_a_bot_is(run, tmp_path):
    posts = [f'{p}, day {i}' for i in range(4) for p in EXAMPLE_POSTS]
    tiny_bot(tmp_path/'alice', train=posts[:20], valid=posts[20:])  # an older bot: no report yet
    code, out, err = run('report', 'alice', '-n', 12)
    assert code == 0, err[-3000:]
    text = ' '.join(out.split())  # rich wraps the lines
    assert 'How close is it?' in text and 'Told apart by a classifier' in text and 'Words per post' in text
    assert "Shown one post by the bot and one by the person, a classifier picks out the bot's" in text and 'over 12 posts each' in text
    report = json.loads((tmp_path/'alice'/'report.json').read_text())
    assert report['n'] == 12 and report['person_posts'] == {'held_out': 12, 'training': 0} and (tmp_path/'alice'/'report.png').exists()
    code, out, err = run('report', 'alice', '--json')  # the saved report
    assert code == 0 and json.loads(out) == report, err[-3000:]
    code, out, err = run('report', 'nobot')
    assert code == 1 and err.startswith("error: No bot folder at 'nobot'") and not out

def test_push_publishes_the_bot_to_the_hub(run, tmp_path):
    bot = tiny_bot(tmp_path/'alice')
    hub = Server(None); hub.RequestHandlerClass = hub_handler(hub)
    online = dict(HF_HUB_OFFLINE='0', HF_ENDPOINT=hub.url)
    try:
        code, out, err = run('push', 'alice', 'someone/alice', HF_TOKEN='hf_secret_token', **online)
        no_token = run('push', 'alice', 'someone/alice', **online)
    finally: hub.shutdown()
    assert code == 0, err[-3000:]
    assert out.strip() == f'Pushed to {hub.url}/someone/alice' and 'hf_secret_token' not in out + err
    assert hub.created['name'] == 'alice' and all(auth == 'Bearer hf_secret_token' for _, auth in hub.requests)
    assert hub.files['model.safetensors'] == (bot/'model.safetensors').read_bytes()
    assert "model='someone/alice'" in hub.files['README.md'].decode()
    code, out, err = no_token
    assert code == 1 and err.startswith('error: Cannot push someone/alice: no Hugging Face token') and 'hf auth login' in err

def test_push_asks_for_consent_for_someone_elses_posts(run, tmp_path):
    "A bot of posts not from the pusher's own X archive is pushed only with --i-may-publish; nothing is sent before"
    tiny_bot(tmp_path/'bob', [example_account('bob.bsky.social', 'Bob', 'bsky')])
    hub = Server(None); hub.RequestHandlerClass = hub_handler(hub)
    online = dict(HF_HUB_OFFLINE='0', HF_ENDPOINT=hub.url, HF_TOKEN='hf_secret_token')
    try:
        refused = run('push', 'bob', 'someone/bob', **online)
        sent_before = list(hub.requests)
        code, out, err = run('push', 'bob', 'someone/bob', '--i-may-publish', **online)
    finally: hub.shutdown()
    assert refused[0] == 1 and sent_before == [], refused[2][-3000:]
    assert refused[2].startswith('error: bob imitates @bob.bsky.social, whose posts are not from your own X archive')
    assert 'huggingtweets push --i-may-publish' in refused[2] and refused[2].count('\n') == 1
    assert code == 0 and out.strip() == f'Pushed to {hub.url}/someone/bob', err[-3000:]
    readme = hub.files['README.md'].decode()
    assert '## Out-of-scope use' in readme and 'never written by @bob.bsky.social' in readme

def test_demo_makes_a_bot_of_the_sample_account(run, tmp_path):
    "`demo` trains on the embedded base model; here the cache's copy of it is a tiny model, put where the conversion would write it"
    tiny_base(tmp_path/'cache'/'models'/'SmolLM2-135M')
    code, out, err = run('demo', '-o', 'bots/demo', '--max-minutes', 2)
    assert code == 0, err[-3000:]
    steps = [l for l in out.splitlines() if re.search(r'(1\. Posts|2\. Training|3\. Samples|Done)', l)]
    assert len(steps) == 4 and 'the bundled sample account' in steps[0] and '2 minutes at most' in steps[1]
    assert 'Tweets kept' in out and '349' in out  # the sample account's stats table
    samples = [l for l in out.splitlines() if l.startswith('• ')]
    assert len(samples) == 5 and all(s.startswith('• My dream is') for s in samples)
    assert 'Written by CTranslate2 (int8_float32)' in out
    text = ' '.join(out.split())  # rich wraps the lines
    assert '4. How close is it?' in text and "a classifier picks out the bot's" in text and 'style report: bots/demo/report.png' in out
    assert 'bot folder: bots/demo' in out and 'model card: bots/demo/README.md' in out
    bot = tmp_path/'bots'/'demo'
    assert BOT_FILES <= {p.name for p in bot.iterdir()}
    assert json.loads((bot/'huggingtweets.json').read_text())['base_model'] == 'embedded'

@pytest.mark.parametrize('args, said', [
    (['--port', '70000'], 'argument --port: 70000 is not a port: give a whole number from 1 to 65535'),
    (['--port', '0'], 'argument --port: 0 is not a port'),
    (['--port', 'http'], 'argument --port: http is not a port'),
    (['--max-upload-mb', 'nan'], 'argument --max-upload-mb: nan is not a size: give a number of megabytes above 0, such as 100'),
    (['--max-upload-mb', '-5'], 'argument --max-upload-mb: -5 is not a size'),
    (['--max-upload-mb', 'inf'], 'argument --max-upload-mb: inf is not a size'),
    (['--max-upload-mb', '0'], 'argument --max-upload-mb: 0 is not a size')])
def test_app_checks_its_numbers_as_they_enter(run, args, said):
    code, out, err = run('app', *args)
    assert code == 2 and said in err and 'Traceback' not in err and not out, err[-3000:]
    assert err.strip().splitlines()[-1].startswith('huggingtweets app: error: argument')


@pytest.mark.parametrize('flags, said', [
    (['--epochs', 'nan'], 'argument --epochs: must be a number above 0'), (['--epochs', '-1'], 'argument --epochs: must be a number above 0'),
    (['--epochs', '0'], 'argument --epochs: must be a number above 0'), (['--block-size', '0'], 'argument --block-size: must be a whole number of 2 or more'),
    (['--block-size', '-5'], 'argument --block-size'), (['--batch-size', '0'], 'argument --batch-size: must be a whole number of 1 or more'),
    (['--gradient-accumulation-steps', '0'], 'argument --gradient-accumulation-steps'), (['--lora-rank', '0'], 'argument --lora-rank'),
    (['--learning-rate', 'nan'], 'argument --learning-rate: must be a number above 0'), (['--max-tokens', '0'], 'argument --max-tokens'),
    (['--max-minutes', '-1'], 'argument --max-minutes: must be a number above 0, not \'-1\''), (['--warmup-ratio', '1'], 'argument --warmup-ratio')])
def test_numbers_nobody_checked_are_refused_in_one_line(flags, said, capsys):
    "Issue 20: each number of the hyperparameters table is checked as argparse parses it: one line naming the flag, before any download"
    from huggingtweets.cli import main
    with pytest.raises(SystemExit) as e: main(['train', 'archive:sample', *flags])
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert e.value.code == 2 and said in err and err.startswith('huggingtweets train: error: '), err

def test_a_reader_that_goes_away_ends_the_command_quietly(tmp_path):
    "Issue 20: `huggingtweets download … --json | head -1` said BrokenPipeError and asked for a report"
    env = {**os.environ, 'HUGGINGTWEETS_CACHE': str(tmp_path/'cache'), 'PYTHONPATH': os.pathsep.join(p for p in (str(ROOT), os.environ.get('PYTHONPATH')) if p)}
    p = subprocess.Popen([BIN/'huggingtweets', 'download', 'archive:sample', '--json'], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdout.close()  # the reader is gone before the first line
    err = p.stderr.read().decode(); p.wait(timeout=300)
    assert (p.returncode, err) == (1, ''), err

"Training end to end on tiny models built here: bot folders, resume, two processes, W&B offline runs, no tokens leaked."
import json, os, signal, subprocess, time
from pathlib import Path
import pytest, torch
from safetensors.torch import load_file
from transformers import AutoTokenizer, TrainerCallback, pipeline
from conftest import ROOT, BIN
from huggingtweets.core import HuggingTweetsError
from huggingtweets.testing import tiny_base
from huggingtweets.posts import Profile
from huggingtweets.dataset import BotDataset, CleanAccount
from huggingtweets.train import pack, train
from huggingtweets.control import TrainingStopped
from huggingtweets.botfolder import SAMPLING

THINGS = ['coffee', 'the sea', 'my dog', 'sourdough', 'the city', 'rainy days', 'long runs', 'the game']
TEMPLATES = ['I love {} so much', 'Nothing beats {} on a Sunday', 'Thinking about {} again tonight',
             'Big news about {} coming Monday!', 'Who else is excited about {}?']
POSTS = [t.format(x) for x in THINGS for t in TEMPLATES]  # 40 posts; the held-out ones are new pairs of known words
VALID = POSTS[3::7]
TRAIN = [p for p in POSTS if p not in VALID]
FAST = dict(block_size=16, batch_size=4, learning_rate=1e-2)  # tiny blocks, a high rate: the tiny model learns in seconds
META = dict(name='alice', accounts=[dict(handle='alice', name='Alice', source='archive', avatar_url=None,
                                         stats={'Tweets downloaded': 12, 'Retweets': 1, 'Short tweets': 1, 'Tweets kept': 10},
                                         languages=[], missing=[])])

def dataset(train=TRAIN, valid=VALID, posts=()):
    "A dataset of `train` and `valid` texts from alice, whose record is META's, downloaded as `posts`"
    a = META['accounts'][0]
    alice = CleanAccount(Profile(a['handle'], a['name'], a['source'], a['avatar_url']), list(train) + list(valid),
                         dict(a['stats']), [], [], [], posts=list(posts))
    return BotDataset(META['name'], list(train), list(valid), [alice])

DATA = dataset()

@pytest.fixture
def tiny(tmp_path, monkeypatch):
    "A tiny random base model, with the cache and W&B folders inside `tmp_path`"
    for var, sub in (('HUGGINGTWEETS_CACHE', 'cache'), ('WANDB_DIR', 'wandb'), ('WANDB_DATA_DIR', 'wandb-data'),
                     ('WANDB_CACHE_DIR', 'wandb-cache'), ('WANDB_CONFIG_DIR', 'wandb-config')):
        monkeypatch.setenv(var, str(tmp_path/sub))
    return str(tiny_base(tmp_path/'tiny', texts=POSTS))

def info(bot): return json.loads((Path(bot)/'huggingtweets.json').read_text())

@pytest.mark.parametrize('method', ['lora', 'full'])
def test_bot_folder_loads_with_the_card_snippet(tiny, tmp_path, method):
    bot = train(DATA, tmp_path/'bot', base_model=tiny, method=method, epochs=2, wandb='disabled', **FAST)
    names = {p.name for p in bot.iterdir()}
    assert {'model.safetensors', 'config.json', 'generation_config.json', 'tokenizer.json', 'dataset.json',
            'huggingtweets.json'} <= names
    assert 'checkpoints' not in names and not any('adapter' in n for n in names)
    assert not any('lora' in k for k in load_file(bot/'model.safetensors'))  # merged: loads without peft
    generator = pipeline('text-generation', model=str(bot))
    out = generator("My dream is", num_return_sequences=5)
    assert len(out) == 5 and all(o['generated_text'].startswith('My dream is') for o in out)
    gen = json.loads((bot/'generation_config.json').read_text())
    assert {k: gen[k] for k in SAMPLING} == SAMPLING  # the bot's sampling settings, all written out (checked in 03b_botfolder)
    config = json.loads((bot/'config.json').read_text())
    assert config['prefix'] == '<|endoftext|>' == config['task_specific_params']['text-generation']['prefix']
    assert gen['eos_token_id'] == 0  # stops at the separator
    i = info(bot)
    assert set(i) == {'name', 'accounts', 'base_model', 'base_model_name', 'base_model_url', 'method', 'hyperparameters',
                      'separator', 'eval_loss', 'eval_perplexity', 'base_eval_loss', 'train_seconds', 'train_tokens',
                      'tokens_per_second', 'wandb', 'huggingtweets_version'}
    assert i['name'] == 'alice' and i['accounts'] == META['accounts'] and i['method'] == method
    assert i['base_model'] == tiny and i['base_model_name'] == 'tiny' and i['wandb'] is None
    assert i['eval_loss'] < i['base_eval_loss'] - (0.05 if method == 'lora' else 0.5), (i['eval_loss'], i['base_eval_loss'])
    assert abs(i['eval_perplexity'] - torch.tensor(i['eval_loss']).exp().item()) < 1e-3
    tok = AutoTokenizer.from_pretrained(tiny)
    assert i['train_tokens'] == 2 * sum(map(len, pack(TRAIN, tok, '<|endoftext|>', 16)))  # two epochs of the blocks' tokens, padding not counted
    assert i['tokens_per_second'] == pytest.approx(i['train_tokens'] / i['train_seconds'])
    data = json.loads((bot/'dataset.json').read_text())
    assert data == dict(train=TRAIN, valid=VALID)

class SigintAt(TrainerCallback):
    "Send this process a Ctrl-C at step `step`"
    def __init__(self, step): self.step = step
    def on_step_end(self, args, state, control, **kw):
        if state.global_step == self.step: os.kill(os.getpid(), signal.SIGINT)

class CrashAt(TrainerCallback):
    "Crash at step `step`"
    def __init__(self, step): self.step = step
    def on_step_end(self, args, state, control, **kw):
        if state.global_step == self.step: raise RuntimeError('power cut')

def weights(bot): return load_file(Path(bot)/'model.safetensors')

def test_ctrl_c_and_crash_resume_to_the_same_steps_and_weights(tiny, tmp_path):
    run = lambda out, **kw: train(DATA, tmp_path/out, base_model=tiny, method='full', epochs=2, wandb='disabled', **FAST, **kw)
    whole = run('whole')
    steps = info(whole)['hyperparameters']['steps']
    # Ctrl-C: the step ends, a checkpoint is saved, then KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt): run('cut', callbacks=[SigintAt(3)])
    assert [p.name for p in (tmp_path/'cut'/'checkpoints').glob('checkpoint-*')] == ['checkpoint-3']
    assert not (tmp_path/'cut'/'model.safetensors').exists()
    run('cut', resume=True)
    assert info(tmp_path/'cut')['hyperparameters']['steps'] == steps
    # a crash: the last periodic checkpoint (evaluations at quarters of the run) survives
    with pytest.raises(RuntimeError, match='power cut'): run('crash', callbacks=[CrashAt(steps - 2)])
    saved = sorted(int(p.name.split('-')[1]) for p in (tmp_path/'crash'/'checkpoints').glob('checkpoint-*'))
    assert 1 <= len(saved) <= 2 and 0 < saved[-1] < steps - 2  # the two newest are kept
    run('crash', resume=True)
    assert info(tmp_path/'crash')['hyperparameters']['steps'] == steps
    # the resumed runs saw the same batches in the same order: the same weights
    for other in ('cut', 'crash'):
        a, b = weights(whole), weights(tmp_path/other)
        assert all(torch.allclose(a[k], b[k], atol=1e-5) for k in a), other
    assert info(tmp_path/'cut')['base_eval_loss'] == info(whole)['base_eval_loss']

def test_time_budget_ends_training(tiny, tmp_path):
    seen = []
    def slow_step(p): seen.append(p); time.sleep(0.05)  # 20 epochs: 820 steps, over 40 s on any machine
    bot = train(dataset(TRAIN * 10), tmp_path/'bot', base_model=tiny, max_minutes=0.1, epochs=20, wandb='disabled',
                callbacks=[slow_step], **FAST)
    i = info(bot)
    planned = max(p['max_steps'] for p in seen)
    assert i['hyperparameters']['epochs'] == 20 and i['hyperparameters']['steps'] < planned / 4
    assert i['train_seconds'] < 40
    last = seen[-1]  # the schedule (and the progress) end at the last step
    assert last['step'] == last['max_steps'] == i['hyperparameters']['steps'] and last['remaining'] == 0

DDP_SCRIPT = '''
import json, sys
from huggingtweets.train import train
from huggingtweets.dataset import BotDataset
posts, out, base = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
train(BotDataset('bot', posts[:-6], posts[-6:], []), out, base_model=base, epochs=2, wandb='disabled', block_size=16, batch_size=2, learning_rate=1e-2)
'''

def test_two_processes_with_torchrun(tiny, tmp_path):
    script = tmp_path/'ddp_train.py'
    script.write_text(DDP_SCRIPT)
    env = dict(os.environ, OMP_NUM_THREADS='1')
    r = subprocess.run([BIN/'torchrun', '--standalone', '--nproc_per_node', '2', str(script), json.dumps(POSTS),
                        str(tmp_path/'bot'), tiny], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-5000:]
    i = info(tmp_path/'bot')
    assert i['hyperparameters']['world_size'] == 2 and i['eval_loss'] < i['base_eval_loss']
    assert r.stdout.count('Bot saved in') == 1  # the first process alone writes the bot
    out = pipeline('text-generation', model=str(tmp_path/'bot'))("My dream is", num_return_sequences=5)
    assert len(out) == 5

def _records(run_dir:Path)->list:
    "The records of an offline W&B run's transaction log (LevelDB log format: 32 KiB blocks of chunks)"
    from wandb.proto.wandb_internal_pb2 import Record
    data = next(run_dir.glob('*.wandb')).read_bytes()
    assert data[:4] == b':W&B'
    pos, buf, out = 7, b'', []
    while pos + 7 <= len(data):
        left = 32768 - pos % 32768
        length, kind = int.from_bytes(data[pos+4:pos+6], 'little'), data[pos+6]
        if left < 7 or kind == 0: pos += left; continue  # the block's zero padding
        buf, pos = buf + data[pos+7:pos+7+length], pos + 7 + length
        if kind in (1, 4): out.append(Record.FromString(buf)); buf = b''  # a full record, or its last chunk
    return out

def test_wandb_offline_run_has_config_history_and_artifacts(tiny, tmp_path, capsys):
    raw = {'alice': [dict(id='1', text=p) for p in POSTS]}
    bot = train(dataset(posts=raw['alice']), tmp_path/'bot', base_model=tiny, epochs=2, wandb='offline', **FAST)
    w = info(bot)['wandb']
    assert w['mode'] == 'offline' and w['project'] == 'huggingtweets' and w['run_url'] is None
    runs = list((tmp_path/'wandb'/'wandb').glob(f"offline-run-*-{w['run_id']}"))
    assert len(runs) == 1
    assert f'wandb sync {runs[0]}' in capsys.readouterr().out
    records = _records(runs[0])
    kinds = [r.WhichOneof('record_type') for r in records]
    config = {}  # the config given to wandb.init is in the run record; Trainer adds its own in config records
    for r in records:
        kind = r.WhichOneof('record_type')
        for item in (r.run.config.update if kind == 'run' else r.config.update if kind == 'config' else []):
            config[item.key] = json.loads(item.value_json)
    assert config['accounts'] == META['accounts'] and config['name'] == 'alice'
    assert config['hyperparameters']['lora_rank'] == 16 and config['base_model_name'] == 'tiny'
    assert config['versions']['transformers'] and config['versions']['huggingtweets']
    history = [{i.key or '/'.join(i.nested_key): json.loads(i.value_json) for i in r.history.item} for r in records if r.WhichOneof('record_type') == 'history']
    losses = [h['train/loss'] for h in history if 'train/loss' in h]
    evals = [h['eval/loss'] for h in history if 'eval/loss' in h]
    assert len(losses) == info(bot)['hyperparameters']['steps'] and len(evals) >= 2
    assert evals[0] == pytest.approx(info(bot)['base_eval_loss']) and evals[-1] == pytest.approx(info(bot)['eval_loss'])
    artifacts = {r.artifact.name: r.artifact for r in records if r.WhichOneof('record_type') == 'artifact'}
    assert {'alice-posts', 'alice-dataset', 'base-tiny', 'huggingtweets-alice'} <= set(artifacts), set(artifacts)
    assert artifacts['alice-posts'].type == 'raw_data' and artifacts['alice-dataset'].type == 'dataset'
    files = {e.path for e in artifacts['huggingtweets-alice'].manifest.contents}
    assert {'model.safetensors', 'config.json', 'huggingtweets.json', 'dataset.json'} <= files
    refs = [e.ref for e in artifacts['base-tiny'].manifest.contents]
    assert refs and all(r.startswith(Path(tiny).resolve().as_uri() + '/') for r in refs)
    assert config['learning_rate'] == FAST['learning_rate'] and config['hub_token'] == '<HUB_TOKEN>'  # Trainer's arguments
    assert 'summary' in kinds

FAKE = dict(WANDB_API_KEY='wandbfake' + 'k' * 31, HF_TOKEN='hf_faketoken1234567890abcdef', HUGGING_FACE_HUB_TOKEN='hf_fakehub0987654321',
            X_BEARER_TOKEN='AAAAfakebearer1234567890', TWITTER_BEARER_TOKEN='AAAAfaketwitter1234567890',
            MASTODON_TOKEN='mastofake1234567890', BLUESKY_APP_PASSWORD='bsky-fake-pass-1234')

def test_no_token_in_any_written_file(tiny, tmp_path, monkeypatch, capfd):
    for k, v in FAKE.items(): monkeypatch.setenv(k, v)
    bot = train(dataset(posts=[dict(id='1', text=POSTS[0])]), tmp_path/'bot', base_model=tiny, epochs=2, wandb='offline',
                keep_checkpoints=True, **FAST)
    out, err = capfd.readouterr()
    written = [p for p in tmp_path.rglob('*') if p.is_file()]
    names = {p.name for p in written}  # the run's transaction log and debug logs, checkpoints, the bot, the cache
    assert {'debug-internal.log', 'trainer_state.json', 'training_args.bin', 'huggingtweets.json'} <= names
    assert any(p.suffix == '.wandb' for p in written)
    for name, secret in FAKE.items():
        for p in written: assert secret.encode() not in p.read_bytes(), f'{name} found in {p}'
        assert secret not in out + err, f'{name} printed'

def test_a_fresh_run_keeps_an_unfinished_one_until_restart(tiny, tmp_path):
    run = lambda **kw: train(DATA, tmp_path/'bot', base_model=tiny, wandb='disabled', epochs=2, **FAST, **kw)
    with pytest.raises(TrainingStopped): run(callbacks=[lambda p: p['step'] == 2])
    with pytest.raises(HuggingTweetsError, match='unfinished training \\(up to step 2\\).*--resume.*--restart'): run()
    assert (tmp_path/'bot'/'checkpoints'/'checkpoint-2').is_dir()  # nothing deleted
    with pytest.raises(HuggingTweetsError, match='trained on other posts'):
        train(dataset(TRAIN[1:]), tmp_path/'bot', base_model=tiny, wandb='disabled', epochs=2, resume=True, **FAST)
    run(restart=True)
    assert not (tmp_path/'bot'/'checkpoints').exists() and (tmp_path/'bot'/'model.safetensors').exists()

def test_resume_skips_a_damaged_checkpoint(tiny, tmp_path, capfd):
    run = lambda **kw: train(DATA, tmp_path/'bot', base_model=tiny, method='full', wandb='disabled', epochs=2, **FAST, **kw)
    with pytest.raises(TrainingStopped): run(callbacks=[lambda p: p['step'] == 2])
    with pytest.raises(TrainingStopped): run(resume=True, callbacks=[lambda p: p['step'] == 4])
    ckpts = tmp_path/'bot'/'checkpoints'
    assert sorted(p.name for p in ckpts.glob('checkpoint-*')) == ['checkpoint-2', 'checkpoint-4']
    weights = ckpts/'checkpoint-4'/'model.safetensors'
    weights.write_bytes(weights.read_bytes()[:1000])  # cut short, as by a kill or a full disk
    seen = []
    run(resume=True, callbacks=[seen.append])
    assert seen[0]['step'] == 3  # the first step after the whole checkpoint-2
    assert 'Skipping the damaged checkpoint' in capfd.readouterr().err
    assert info(tmp_path/'bot')['hyperparameters']['steps'] == seen[-1]['max_steps']

def test_a_full_disk_is_one_clear_error_and_keeps_the_last_checkpoint(tiny, tmp_path, monkeypatch):
    import errno
    from transformers import Trainer
    saves, save = [], Trainer._save_optimizer_and_scheduler
    def full_second_time(self, output_dir):
        saves.append(output_dir)
        if len(saves) == 2: raise OSError(errno.ENOSPC, 'No space left on device', output_dir)
        return save(self, output_dir)
    monkeypatch.setattr(Trainer, '_save_optimizer_and_scheduler', full_second_time)
    run = lambda **kw: train(dataset(TRAIN * 3), tmp_path/'bot', base_model=tiny, method='full', wandb='disabled', epochs=2,
                             n_evals=4, **FAST, **kw)
    with pytest.raises(HuggingTweetsError, match='The disk is full: free some space, then continue with --resume from .*checkpoint-'):
        run()
    ckpts = tmp_path/'bot'/'checkpoints'
    assert len(list(ckpts.glob('checkpoint-*'))) == 1 and not (ckpts/'.saving').exists()
    run(resume=True)
    assert (tmp_path/'bot'/'model.safetensors').exists()

def test_a_disk_full_while_a_checkpoint_is_finished_leaves_one_that_resumes(tiny, tmp_path, monkeypatch):
    "Issue 20: the disk fills while `huggingtweets_seconds.json` is written; the advised --resume must work"
    import errno, pathlib
    writes, write_text = [], pathlib.Path.write_text
    def full_second_time(self, data, *a, **kw):
        if self.name == 'huggingtweets_seconds.json' and len(writes := writes_of(self)) == 2:
            write_text(self, '')  # the file is made, then the disk is full
            raise OSError(errno.ENOSPC, 'No space left on device', str(self))
        return write_text(self, data, *a, **kw)
    def writes_of(path): writes.append(path); return writes
    monkeypatch.setattr(pathlib.Path, 'write_text', full_second_time)
    run = lambda **kw: train(dataset(TRAIN * 3), tmp_path/'bot', base_model=tiny, method='full', wandb='disabled', epochs=2,
                             n_evals=4, **FAST, **kw)
    with pytest.raises(HuggingTweetsError, match='The disk is full: free some space, then continue with --resume from .*checkpoint-'):
        run()
    ckpts = tmp_path/'bot'/'checkpoints'
    assert all(json.loads((c/'huggingtweets_seconds.json').read_text())['train_seconds'] >= 0 for c in ckpts.glob('checkpoint-*'))
    run(resume=True)
    assert (tmp_path/'bot'/'model.safetensors').exists()

def test_a_full_disk_as_training_starts_is_one_clear_error(tiny, tmp_path, monkeypatch):
    "Issue 20: a disk already full when `train` starts raised a bare OSError"
    import errno, huggingtweets.train as t
    def full(*a, **kw): raise OSError(errno.ENOSPC, 'No space left on device', str(tmp_path/'bot'/'checkpoints'/'run.json'))
    monkeypatch.setattr(t, 'start_checkpoints', full)
    with pytest.raises(HuggingTweetsError, match=r'The disk is full: free some space, then train again \(no checkpoint was saved yet\)'):
        train(DATA, tmp_path/'bot', base_model=tiny, wandb='disabled', epochs=1, **FAST)

def test_a_time_limit_bounds_the_evaluations(tiny, tmp_path, capsys):
    "Issue 20: --max-minutes bounds the held-out evaluations too: each reads a sample sized by the time left, the same for the base model and the bot"
    import re
    many = [f'{p} number {i}' for i in range(1000) for p in VALID]  # thousands of held-out blocks
    bot = train(dataset(TRAIN, many), tmp_path/'bot', base_model=tiny, wandb='disabled', max_minutes=0.05, **FAST)
    said = re.search(r'Held-out loss of the base model: [\d.]+ \(on ([\d,]+) of the ([\d,]+) held-out blocks, to fit the time limit\)', capsys.readouterr().out)
    n, total = (int(x.replace(',', '')) for x in said.groups())
    assert info(bot)['hyperparameters']['eval_blocks'] == n < total

def test_one_training_per_bot_folder(tiny, tmp_path):
    from filelock import FileLock
    (tmp_path/'bot').mkdir()
    with FileLock(tmp_path/'bot'/'.huggingtweets.lock'):
        with pytest.raises(HuggingTweetsError, match='Another training is writing'):
            train(DATA, tmp_path/'bot', base_model=tiny, wandb='disabled', epochs=1, **FAST)

def test_a_failed_start_leaves_a_folder_that_trains_again(tiny, tmp_path):
    "A run that fails before its first step (a mistyped base model) leaves only its lock: the folder is still ours"
    with pytest.raises(HuggingTweetsError, match='--base-model embedded'):
        train(DATA, tmp_path/'bot', base_model='no-such-user/no-such-model', wandb='disabled', **FAST)
    assert (tmp_path/'bot').exists() and not (tmp_path/'bot'/'huggingtweets.json').exists()
    assert info(train(DATA, tmp_path/'bot', base_model=tiny, wandb='disabled', epochs=1, **FAST))['base_model'] == tiny

def test_train_bot_refuses_a_folder_that_is_not_a_bot_before_writing_anything(tmp_path):
    "The default folder `bots/NAME` is known once the dataset is built; nothing, not even the data's pictures, is written into it"
    from huggingtweets.bot import gather, train_bot
    taken = tmp_path/'bots'/'crumbsandcomets'  # the sample account's default bot folder
    taken.mkdir(parents=True)
    (taken/'notes.txt').write_text('mine')
    with pytest.raises(HuggingTweetsError, match='bots/crumbsandcomets is not a bot folder \\(it holds notes.txt\\)'):
        train_bot(gather(['archive:sample']), bots_dir=tmp_path/'bots', base_model='no-such-user/no-such-model', wandb='disabled')
    assert [p.name for p in taken.iterdir()] == ['notes.txt']

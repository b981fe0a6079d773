"""A bot from the Hub writes as it did where it was made: `generate me/bot` against a local stand-in Hub.

The stand-in is a real HTTP server: `push` uploads to it (as in test_card), and `huggingface_hub.snapshot_download`
fetches from it (repo info, file tree, files), into a Hugging Face cache in a temporary folder."""
import hashlib, http.server, json, os, re, subprocess, sys
from pathlib import Path
import pytest, torch
import huggingface_hub, huggingface_hub.constants
from huggingtweets.botfolder import Bot
from huggingtweets.testing import tiny_base, tiny_bot, EXAMPLE_POSTS
from huggingtweets.card import push
from huggingtweets.core import HuggingTweetsError
from huggingtweets.generate import generate, load_bot
from conftest import BIN
from test_card import Server, hub_handler

torch.set_num_threads(1)  # tiny models run fastest on one thread
COMMIT = 'c' * 40

def hub_server(repos:dict):
    "A stand-in Hub: `push` uploads into `hub.files` (path: bytes); `snapshot_download` fetches `repos[repo_id]` (path: bytes)"
    hub = Server(None)
    class H(hub_handler(hub)):
        def send(self, code, body:bytes, headers=()):
            self.send_response(code)
            for k, v in [('Content-Length', str(len(body))), *headers]: self.send_header(k, v)
            self.end_headers()
            if self.command != 'HEAD': self.wfile.write(body)
        def do_GET(self):
            path = self.path.split('?')[0]
            if m := re.fullmatch(r'/api/models/([^/]+/[^/]+)/(revision|tree)/[^/]+', path):
                files = repos.get(m[1])
                if files is None: return self.send(404, b'{"error": "Repository not found"}', [('X-Error-Code', 'RepoNotFound')])
                body = (dict(id=m[1], sha=COMMIT, siblings=[dict(rfilename=f) for f in files]) if m[2] == 'revision' else
                        [dict(type='file', path=f, size=len(b), oid=hashlib.sha1(b).hexdigest()) for f, b in files.items()])
                return self.send(200, json.dumps(body).encode(), [('Content-Type', 'application/json')])
            if (m := re.fullmatch(r'/([^/]+/[^/]+)/resolve/[^/]+/(.+)', path)) and m[2] in repos.get(m[1], {}):
                body = repos[m[1]][m[2]]
                return self.send(200, body, [('ETag', f'"{hashlib.sha1(body).hexdigest()}"'), ('X-Repo-Commit', COMMIT)])
            self.send(404, b'{"error": "not in the stand-in"}')
        do_HEAD = do_GET
    hub.RequestHandlerClass = H
    return hub

@pytest.fixture
def hub(tmp_path, monkeypatch):
    "The stand-in Hub, as huggingface_hub's endpoint, online, with a Hugging Face cache and a huggingtweets cache of its own"
    repos = {}
    hub = hub_server(repos); hub.repos = repos
    c = huggingface_hub.constants
    for name, value in dict(ENDPOINT=hub.url, HUGGINGFACE_CO_URL_TEMPLATE=hub.url + '/{repo_id}/resolve/{revision}/{filename}',
                            HF_HUB_OFFLINE=False, HF_HUB_CACHE=str(tmp_path/'hf'), HF_TOKEN_PATH=str(tmp_path/'no-token')).items():
        monkeypatch.setattr(c, name, value)
    monkeypatch.setenv('HUGGINGTWEETS_CACHE', str(tmp_path/'cache'))
    monkeypatch.setenv('HF_TOKEN', 'hf_x')
    yield hub
    hub.shutdown()

def greedy(path:Path, settings:dict):
    "Give the bot in `path` greedy sampling settings, so that what it writes shows that they are used"
    f = path/'generation_config.json'
    f.write_text(json.dumps({**json.loads(f.read_text()), **settings}))

def test_generate_a_pushed_bot_from_the_hub(tmp_path, hub):
    posts = [f'{p}, day {i}' for i in range(3) for p in EXAMPLE_POSTS]
    made = tiny_bot(tmp_path/'alice', train=posts[:12], valid=posts[12:])  # written by `write_bot`, as `train` writes it
    greedy(made, dict(do_sample=False, max_length=24))
    [copy] = set(generate(made, n=3, seed=0))  # greedy: the same post each time...
    data = json.loads((made/'dataset.json').read_text())
    (made/'dataset.json').write_text(json.dumps({**data, 'train': data['train'] + [copy]}))  # ...which it now learned from
    push(made, 'me/alice', endpoint=hub.url)
    hub.repos['me/alice'] = hub.files  # what push uploaded is what the Hub serves
    assert {'huggingtweets.json', 'dataset.json', 'model.safetensors'} <= set(hub.repos['me/alice'])

    bot = Bot.open('me/alice')
    assert bot.hub_id == 'me/alice' and bot.path.parent.name == 'snapshots' and bot.path.name == COMMIT
    assert (bot.sampling.do_sample, bot.sampling.max_length, bot.info['name']) == (False, 24, 'alice')
    assert copy in bot.posts['train'] and bot.separator(load_bot(bot)[1]) == '<|endoftext|>'
    s = generate('me/alice', n=3, seed=0, max_rounds=2)
    assert (list(s), s.dropped) == ([], 2 * 4)  # every row wrote the copy, and the filter dropped it
    assert s.engine.startswith('ctranslate2 ')  # converted into the huggingtweets cache, not the snapshot
    assert (bot.cache/'.ctranslate2').is_dir() and str(bot.cache).startswith(str(tmp_path/'cache'))
    assert not (bot.path/'.ctranslate2').exists()

    huggingface_hub.constants.HF_HUB_OFFLINE = True  # the bot is in the cache: no network needed (monkeypatch restores it)
    assert Bot.open('me/alice').path == bot.path

def old_bot(path:Path, sep:str)->Path:
    "A bot in the layout of the original huggingtweets (2020): settings and separator in `config.json`, no record, no posts"
    tiny_base(path, EXAMPLE_POSTS)
    (path/'generation_config.json').unlink()
    config = json.loads((path/'config.json').read_text())
    config['task_specific_params'] = {'text-generation': dict(do_sample=False, max_length=20, min_length=10, prefix=sep)}
    (path/'config.json').write_text(json.dumps(config))
    return path

def test_generate_a_2020_bot_from_the_hub(tmp_path, hub):
    folder = old_bot(tmp_path/'old', sep='!')  # a separator of its own, not the base model's `<|endoftext|>`
    hub.repos['me/old'] = {p.name: p.read_bytes() for p in folder.iterdir()}
    bot = Bot.open('me/old')
    model, tok = load_bot(bot)
    assert (bot.info, bot.posts, bot.sampling.do_sample, bot.sampling.max_length, bot.separator(tok)) == (None, {}, False, 20, '!')
    with pytest.warns(UserWarning, match='me/old has no posts .* copies of its training posts are not dropped'):
        s = generate('me/old', n=3, seed=0)
    assert len(set(s)) == 1 and s.engine == 'ctranslate2 float32'  # greedy; no posts to check int8 on
    seen = []
    hook = model.register_forward_pre_hook(lambda m, args, kw: seen.append(kw['input_ids'][0].tolist()), with_kwargs=True)
    try: generate('me/old', 'Coffee', n=1, seed=0, engine='transformers')
    finally: hook.remove()
    assert seen[0] == tok.encode('!Coffee', add_special_tokens=False)  # the prompt follows the bot's own separator

def test_the_command_says_which_engine_wrote(tmp_path, hub):
    hub.repos['me/old'] = {p.name: p.read_bytes() for p in old_bot(tmp_path/'old', sep='<|endoftext|>').iterdir()}
    env = dict(os.environ, HF_ENDPOINT=hub.url, HF_HUB_OFFLINE='0', HF_HUB_CACHE=str(tmp_path/'hf'), HF_TOKEN='hf_x')
    r = subprocess.run([BIN/'huggingtweets', 'generate', 'me/old', 'Coffee', '-n', '2', '--seed', '0'], env=env,
                       capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert re.search(r'^Written by CTranslate2 \(float32\) in [\d.]+ s', r.stdout, re.M), r.stdout
    assert 'warning: me/old has no posts (dataset.json)' in r.stderr

def test_a_hub_bot_that_cannot_be_had(tmp_path, hub):
    with pytest.raises(HuggingTweetsError, match=r'^There is no bot me/nothing on the Hugging Face Hub, or it is private') as e:
        generate('me/nothing')
    huggingface_hub.constants.HF_HUB_OFFLINE = True
    with pytest.raises(HuggingTweetsError, match=r'^Cannot fetch the bot me/nothing: the Hugging Face Hub cannot be reached') as e:
        generate('me/nothing')
    assert '\n' not in str(e.value) and 'HF_HUB_OFFLINE' in str(e.value)

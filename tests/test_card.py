"""What needs a server or a process: the share image with avatars from a local web server, the predictions table and
the style report in an offline W&B run, and push to a local stand-in for the Hub API. The card itself is checked in `nbs/06_card.ipynb`."""
import base64, errno, glob, http.server, io, json, os, re, sys, threading
from contextlib import contextmanager
from pathlib import Path
import pytest, torch, yaml
from PIL import Image, ImageChops, ImageStat
from huggingtweets.testing import EXAMPLE_POSTS, tiny_bot, example_account
from huggingtweets.report import read_report
from test_train import _records  # reads an offline W&B run's records
import huggingface_hub
from huggingtweets.core import HuggingTweetsError
from huggingtweets.card import predictions_image, push, avatar_color
from huggingtweets.bot import finish_bot

torch.set_num_threads(1)  # tiny models run fastest on one thread

@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch): monkeypatch.setenv('HUGGINGTWEETS_CACHE', str(tmp_path/'cache'))

class Server(http.server.ThreadingHTTPServer):
    "A local HTTP server on 127.0.0.1, in a thread, serving `handler`"
    def __init__(self, handler):
        super().__init__(('127.0.0.1', 0), handler)
        self.url, self.requests, self.files = f'http://127.0.0.1:{self.server_port}', [], {}
        threading.Thread(target=self.serve_forever, daemon=True).start()

@pytest.fixture
def avatar_server():
    buf = io.BytesIO(); Image.new('RGB', (80, 80), (250, 200, 0)).save(buf, 'PNG')
    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a): pass
        def do_GET(self):
            ok = self.path == '/avatar.png'
            self.send_response(200 if ok else 404); self.end_headers()
            if ok: self.wfile.write(buf.getvalue())
    s = Server(H); yield s; s.shutdown()

def test_predictions_image(tmp_path, avatar_server):
    bot = tiny_bot(tmp_path/'b', [example_account('sunny', 'Sunny', 'x', avatar_server.url + '/avatar.png'),
                                  example_account('gone', 'Gone Away', 'x', avatar_server.url + '/missing.png')])
    samples = ['My dream is to bake bread', 'My dream is a quiet train', 'My dream is overtime ' * 10]
    im = Image.open(predictions_image(bot, 'My dream is', samples)).convert('RGB')
    assert im.size == (1200, 628)
    assert len(im.getcolors(1_000_000)) > 50 and max(ImageStat.Stat(im).stddev) > 20  # not blank
    assert im.getpixel((56+56, 36+56)) == (250, 200, 0)  # the avatar, fetched
    assert im.getpixel((56+96+56, 36+90)) == avatar_color('gone')  # initials on a disc where it could not be had
    other = Image.open(predictions_image(bot, 'Something else entirely', samples)).convert('RGB')
    box = ImageChops.difference(im, other).getbbox()
    assert box and 160 <= box[1] and box[3] <= 215  # only the prompt line changed

def test_finish_bot_logs_predictions_and_report_to_the_offline_run(tmp_path, monkeypatch):
    monkeypatch.setenv('WANDB_MODE', 'offline'); monkeypatch.setenv('WANDB_DIR', str(tmp_path)); monkeypatch.setenv('WANDB_SILENT', 'true')
    posts = [f'{p}, day {i}' for i in range(3) for p in EXAMPLE_POSTS]  # 24: enough for the report's classifier
    bot = tiny_bot(tmp_path/'b', train=posts[:12], valid=posts[12:], wandb=dict(mode='offline', project='huggingtweets', run_id='off1', run_url=None))
    samples = finish_bot(bot, seed=0)
    assert len(samples) == 3 and (bot/'README.md').exists() and Image.open(bot/'predictions.png').size == (1200, 628)
    [run] = glob.glob(str(tmp_path/'wandb'/'offline-run-*-off1'))
    [table] = glob.glob(f'{run}/files/media/table/predictions_*.table.json')
    data = json.loads(Path(table).read_text())
    assert data['columns'] == ['prompt', 'sample'] and data['data'] == [['My dream is', s] for s in samples]
    report = read_report(bot)  # the style report: its posts as a table, its figures in the summary
    assert report['n'] == 24 and report['auc'] is not None and '## How close is it?' in (bot/'README.md').read_text()
    [table] = glob.glob(f'{run}/files/media/table/report_posts_*.table.json')
    data = json.loads(Path(table).read_text())
    assert data['columns'] == ['post'] and data['data'] == [[p] for p in report['posts']]
    summary = {i.key: json.loads(i.value_json) for r in _records(Path(run)) if r.WhichOneof('record_type') == 'summary'
               for i in r.summary.update if i.key}
    assert summary['style/auc'] == report['auc'] and summary['style/bot/distinct_2'] == report['bot']['distinct_2']
    assert summary['style/n'] == 24 and summary['style/person_posts/held_out'] == 12

def hub_handler(hub, status=200):
    "Just enough of the Hub API for `create_repo` and `create_commit`, recording what arrives"
    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a): pass
        def reply(self, code, data):
            body = json.dumps(data).encode()
            self.send_response(code); self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
            hub.requests.append((self.path, self.headers.get('Authorization')))
            if status != 200: return self.reply(status, {'error': 'Invalid credentials in Authorization header'})
            if self.path == '/api/repos/create':
                p = json.loads(body); hub.created = p
                return self.reply(200, {'url': f"{hub.url}/{p['organization']}/{p['name']}"})
            if self.path == '/api/validate-yaml':
                yaml.safe_load(json.loads(body)['content'].split('---\n')[1])
                return self.reply(200, {'errors': [], 'warnings': []})
            if m := re.fullmatch(r'/api/models/([^/]+/[^/]+)/preupload/main', self.path):
                files = json.loads(body)['files']
                return self.reply(200, {'files': [{'path': f['path'], 'uploadMode': 'regular', 'shouldIgnore': False} for f in files]})
            if m := re.fullmatch(r'/api/models/([^/]+/[^/]+)/commit/main', self.path):
                for line in body.decode().splitlines():
                    item = json.loads(line)
                    if item['key'] == 'file': hub.files[item['value']['path']] = base64.b64decode(item['value']['content'])
                    if item['key'] == 'header': hub.commit = item['value']['summary']
                return self.reply(200, {'commitUrl': f'{hub.url}/{m[1]}/commit/{"a"*40}', 'commitOid': 'a'*40})
            self.reply(404, {'error': f'not in the stand-in: {self.path}'})
    return H

@pytest.fixture
def online(monkeypatch, tmp_path):
    "No offline mode, no stored login, no HF_TOKEN"
    monkeypatch.setattr(huggingface_hub.constants, 'HF_HUB_OFFLINE', False)
    monkeypatch.delenv('HF_TOKEN', raising=False)
    monkeypatch.setattr(huggingface_hub.constants, 'HF_TOKEN_PATH', str(tmp_path/'no-token'))

@pytest.fixture
def hub():
    "A local stand-in for the Hub API"
    s = Server(None); s.RequestHandlerClass = hub_handler(s); yield s; s.shutdown()

def test_push_to_a_standin_hub(tmp_path, online, monkeypatch):
    hub = Server(None); hub.RequestHandlerClass = hub_handler(hub)
    bot = tiny_bot(tmp_path/'alice')
    for junk in ('checkpoints/checkpoint-10/optimizer.pt', 'checkpoints/checkpoint-10/training_args.bin', 'checkpoints/run.json',
                 '.ctranslate2/int8_float32/model.bin', '.huggingtweets.lock'):
        (bot/junk).parent.mkdir(parents=True, exist_ok=True); (bot/junk).write_bytes(b'x')
    monkeypatch.setenv('HF_TOKEN', 'hf_secret_token')
    try: url = push(bot, 'someone/alice', endpoint=hub.url)
    finally: hub.shutdown()
    assert url == f'{hub.url}/someone/alice'
    assert hub.created['name'] == 'alice' and hub.created['organization'] == 'someone'
    assert all(auth == 'Bearer hf_secret_token' for _, auth in hub.requests)
    assert set(hub.files) == {p.name for p in bot.iterdir() if p.is_file() and not p.name.startswith('.')}  # the bot only
    assert hub.files['model.safetensors'] == (bot/'model.safetensors').read_bytes()
    readme = hub.files['README.md'].decode()
    assert "model='someone/alice'" in readme and 'someone/alice/resolve/main/predictions.png' in readme
    assert 'alice' in hub.commit
    assert "model='someone/alice'" in (bot/'README.md').read_text()  # the folder's card has the Hub id too

def test_push_sends_only_the_bots_own_files(tmp_path, online, hub, capsys):
    secret = tmp_path/'secret_token.txt'; secret.write_text('hf_leaked_token')
    (tmp_path/'elsewhere').mkdir(); (tmp_path/'elsewhere'/'lengths.png').write_text('hf_leaked_token')
    (tmp_path/'bashrc').write_text('export PATH=~/bin:$PATH\n')
    bot = tiny_bot(tmp_path/'alice')
    own = {p.name for p in bot.iterdir()}  # what training wrote
    for junk in ('Documents/taxes.txt', '.ctranslate2/int8_float32/model.bin', 'checkpoints/checkpoint-10/model.safetensors',
                 'checkpoints/checkpoint-10/optimizer.pt', '.env', '.hidden.safetensors'):
        (bot/junk).parent.mkdir(parents=True, exist_ok=True); (bot/junk).write_text('hf_leaked_token')
    for link in ('notes.txt', 'predictions.png'): (bot/link).symlink_to(secret)  # predictions.png is a name the format lists
    (bot/'data').symlink_to(tmp_path/'elsewhere')  # so is data/lengths.png
    (bot/'README.md').symlink_to(tmp_path/'bashrc')
    push(bot, 'someone/alice', token='hf_x', endpoint=hub.url)
    assert set(hub.files) == own | {'README.md'}
    assert not any(b'hf_leaked_token' in v for v in hub.files.values())
    assert "model='someone/alice'" in hub.files['README.md'].decode()  # the card, from memory
    assert (tmp_path/'bashrc').read_text() == 'export PATH=~/bin:$PATH\n'  # not written through the link
    err = capsys.readouterr().err
    assert f'Pushing {len(own) + 1} files' in err and all(re.search(rf'^  {re.escape(f)} +\d', err, re.M) for f in hub.files)
    assert not re.search(r'taxes|notes|predictions|lengths|checkpoint|ctranslate2|hidden|\.env', err)

def test_finish_and_push_make_the_card_once(tmp_path, online, hub, monkeypatch):
    "One `finish_bot` with a push makes the card once, writes it once, sends that text, and parses the record twice"
    import huggingtweets.card as card, huggingtweets.botfolder as botfolder
    monkeypatch.setattr(huggingface_hub.constants, 'ENDPOINT', hub.url); monkeypatch.setenv('HF_TOKEN', 'hf_x')
    monkeypatch.setenv('WANDB_MODE', 'disabled')
    bot = tiny_bot(tmp_path/'alice', [example_account('alice', source='archive')])
    made, parsed, read_json = [], [], botfolder._read_json
    monkeypatch.setattr(card, 'card_text', lambda *a, f=card.card_text: made.append(a) or f(*a))
    monkeypatch.setattr(botfolder, '_read_json', lambda path: parsed.append(path.name) or read_json(path))
    finish_bot(bot, seed=0, hub_id='someone/alice')
    assert len(made) == 1 and parsed.count('huggingtweets.json') <= 2
    assert hub.files['README.md'] == (bot/'README.md').read_bytes() and b"model='someone/alice'" in hub.files['README.md']

_WRITE_EVENTS = ('os.rename', 'os.remove', 'os.rmdir', 'os.mkdir', 'os.symlink', 'os.link', 'os.truncate', 'os.chmod', 'os.utime')
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_read_only = []  # folders nothing may write into: see `read_only`

def _refuse_writes(event:str, args:tuple):
    "An audit hook: writing into a folder of `_read_only` fails as on a read-only file system"
    if not _read_only or (event != 'open' and event not in _WRITE_EVENTS): return
    paths = ([args[0]] if (args[2] or 0) & _WRITE_FLAGS else []) if event == 'open' else args
    for p in paths:
        if isinstance(p, (str, bytes, os.PathLike)) and (os.path.abspath(os.fsdecode(p)) + os.sep).startswith(tuple(_read_only)):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(p))

sys.addaudithook(_refuse_writes)

@contextmanager
def read_only(folder:Path):
    "`folder` read-only while inside: its modes, and the audit hook for root, whom modes do not stop"
    paths = [folder, *folder.rglob('*')]
    modes = {p: p.stat().st_mode for p in paths}
    for p in paths: p.chmod(modes[p] & ~0o222)
    _read_only.append(str(folder.absolute()) + os.sep)
    try: yield
    finally:
        _read_only.remove(str(folder.absolute()) + os.sep)
        for p in paths: p.chmod(modes[p])

def test_push_a_read_only_bot(tmp_path, online, hub, capsys):
    bot = tiny_bot(tmp_path/'alice')
    with read_only(bot):
        with pytest.raises(OSError): (bot/'README.md').write_text('a card')  # it really is read-only
        url = push(bot, 'someone/alice', token='hf_x', endpoint=hub.url)
    assert url == f'{hub.url}/someone/alice' and hub.files['model.safetensors'] == (bot/'model.safetensors').read_bytes()
    assert "model='someone/alice'" in hub.files['README.md'].decode() and not (bot/'README.md').exists()
    assert 'is left as it was' in capsys.readouterr().err

def test_push_errors(tmp_path, online, monkeypatch):
    bot = tiny_bot(tmp_path/'alice')
    with pytest.raises(HuggingTweetsError, match='no Hugging Face token'): push(bot, 'someone/alice')
    hub = Server(None); hub.RequestHandlerClass = hub_handler(hub, status=401)
    try:
        with pytest.raises(HuggingTweetsError, match='write access') as e: push(bot, 'someone/alice', token='hf_secret', endpoint=hub.url)
    finally: hub.shutdown()
    assert 'hf_secret' not in str(e.value)
    with pytest.raises(HuggingTweetsError, match='Could not reach'): push(bot, 'someone/alice', token='hf_x', endpoint='http://127.0.0.1:9')
    snapshot = tiny_bot(tmp_path/'snapshot')  # weights that are links, as in a Hub cache snapshot
    (snapshot/'model.safetensors').rename(tmp_path/'blob'); (snapshot/'model.safetensors').symlink_to(tmp_path/'blob')
    with pytest.raises(HuggingTweetsError, match='no weights of its own'):
        push(snapshot, 'someone/alice', token='hf_x', endpoint='http://127.0.0.1:9')
    monkeypatch.setattr(huggingface_hub.constants, 'HF_HUB_OFFLINE', True)
    with pytest.raises(HuggingTweetsError, match='offline mode'): push(bot, 'someone/alice', token='hf_x')

def test_push_gives_up_on_a_silent_hub(tmp_path, online, monkeypatch):
    import socket, huggingtweets.card as card
    silent = socket.create_server(('127.0.0.1', 0))  # accepts connections, never answers
    monkeypatch.setattr(card, '_HUB_TIMEOUT', 1)
    try:
        with pytest.raises(HuggingTweetsError, match='Could not reach the Hugging Face Hub'):
            push(tiny_bot(tmp_path/'alice'), 'someone/alice', token='hf_x', endpoint=f'http://127.0.0.1:{silent.getsockname()[1]}')
    finally: silent.close()

"""Sources, where a notebook can't hold the test: the bundled sample and the real exports beside the project, each against
counts made here independently of the library; the generator of the sample; connections that never answer or trickle,
through a server of this test's own on 127.0.0.1; and the command line's reading options. Every other behaviour of the
sources is stated in its notebook (nbs/00a_posts, 01_sources, 01a_archives, 01b_files, 01c_apis), where `responses` replays
the recorded API exchanges of nbs/fixtures/sources. No test touches the network."""
import json, re, socket, threading, time, zipfile
from datetime import datetime
import pytest
from conftest import ROOT
from huggingtweets.core import PROMPT, HuggingTweetsError
from huggingtweets import apis
from huggingtweets.posts import Profile
from huggingtweets.sources import download, download_summary
from huggingtweets.archives import read_archive, sample_archive

DATA = ROOT.parent/'shared'/'data'
ALROCAR = DATA/'x_archive'/'alrocar'


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    "Every test gets its own empty cache, and no X token from the environment"
    monkeypatch.setenv('HUGGINGTWEETS_CACHE', str(tmp_path/'cache'))
    monkeypatch.delenv('X_BEARER_TOKEN', raising=False)
    return tmp_path/'cache'


def raw_tweets(js_text):
    "The entries of an archive file, parsed here independently of the library"
    return json.loads(js_text[js_text.index('['):])


def write_zip(path, files):
    with zipfile.ZipFile(path, 'w') as z:
        for k,v in files.items(): z.writestr(k, v)
    return path


def errmsg(f, *a, **kw):
    with pytest.raises(HuggingTweetsError) as e: f(*a, **kw)
    return str(e.value)


def test_sample_archive_every_case():
    z = zipfile.ZipFile(sample_archive())
    entries = [e['tweet'] for e in raw_tweets(z.read('data/tweets.js').decode())]
    profile, posts = read_archive(sample_archive())
    assert profile == Profile('crumbsandcomets', 'Goldie Fitch ☄️🍞', 'archive', None)
    assert len(posts) == len(entries) >= 400
    texts = [p.text for p in posts]
    assert sum(p.is_repost for p in posts) == sum(e['full_text'].startswith('RT @') for e in entries) > 20
    assert sum(p.is_reply for p in posts) == sum('in_reply_to_status_id_str' in e for e in entries) > 20
    assert all(not e['retweeted'] for e in entries)                       # as in real exports: the flag can't be trusted
    assert any('https://t.co/' in t for t in texts) and any(re.search(r'(^|\s)#\w', t) for t in texts)
    assert any(re.search(r'(^|\s)@\w', t) and not t.startswith('RT @') for t in texts)
    for ent in ('&amp;', '&lt;', '&gt;'): assert any(ent in t for t in texts), ent
    assert sum(len(t.split()) <= 2 for t in texts) >= 15                  # very short posts
    assert len(set(texts)) < len(texts) - 10                              # the same post on several days
    notes = raw_tweets(z.read('data/note-tweet.js').decode())
    for n in notes:                                                       # each long post has its full text
        assert n['noteTweet']['core']['text'] in texts
    assert all(a.created_at >= b.created_at for a,b in zip(posts, posts[1:]))
    assert all(p.created_at.tzinfo is not None for p in posts)
    assert sample_archive().stat().st_size < 200_000


def test_sample_generator_is_deterministic(tmp_path):
    import importlib.util
    spec = importlib.util.spec_from_file_location('make_sample', ROOT/'tools'/'make_sample_archive.py')
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    out, n = mod.write(tmp_path/'again.zip')
    assert out.read_bytes() == sample_archive().read_bytes() and n == 428


@pytest.mark.skipif(not ALROCAR.exists(), reason='the real archive is not beside the project')
def test_real_archive_alrocar():
    entries = [e['tweet'] for e in raw_tweets((ALROCAR/'data'/'tweets.js').read_text())]
    profile, posts = download(f'archive:{ALROCAR}')
    s = download_summary(profile, posts)
    assert (s['handle'], s['name'], s['downloaded']) == ('alrocar', 'alrocar 🥘', 820)
    rt_ids = {e['id_str'] for e in entries if e['full_text'].startswith('RT @')}
    assert {p.id for p in posts if p.is_repost} == rt_ids and s['reposts'] == len(rt_ids) == 9
    assert s['replies'] == sum(bool(e.get('in_reply_to_status_id_str')) for e in entries)
    dates = sorted(datetime.strptime(e['created_at'], '%a %b %d %H:%M:%S %z %Y') for e in entries)   # the file is not in date order
    assert (s['first_date'], s['last_date']) == (dates[0].date().isoformat(), dates[-1].date().isoformat())
    assert all(a.created_at >= b.created_at for a,b in zip(posts, posts[1:]))
    from huggingtweets.dataset import clean_account
    assert clean_account(profile, posts).languages == ['es', 'en']  # X tags 470 of its tweets es, 191 en: its card says `language: [es, en]`



@pytest.mark.skipif(not ALROCAR.exists(), reason='the real archive is not beside the project')
def test_real_archive_without_account_js(tmp_path, capsys):
    "The real archive as people share it, account.js removed (it holds their e-mail and phone): the handle from manifest.js, else --handle"
    from huggingtweets.cli import main
    data = tmp_path/'shared'/'data'; data.mkdir(parents=True)
    (data/'tweets.js').write_bytes((ALROCAR/'data'/'tweets.js').read_bytes())
    cut = next(e['tweet'] for e in raw_tweets((data/'tweets.js').read_text()) if e['tweet']['id_str'] == '1712845356000485462')
    full = cut['full_text'].rsplit('Check…', 1)[0] + 'Check the docs to set them up in minutes: https://www.tinybird.co/docs'
    note = {'noteTweet': {'noteTweetId': '1712845355602026496', 'updatedAt': '2023-10-13T14:58:50.000Z', 'createdAt': '2023-10-13T14:58:50.000Z',
                          'core': {'styletags': [], 'urls': [], 'text': full, 'mentions': [], 'cashtags': [], 'hashtags': []}}}
    (data/'note-tweet.js').write_text('window.YTD.note_tweet.part0 = ' + json.dumps([note], indent=2))
    manifest = {'userInfo': {'accountId': '52338276', 'userName': 'alrocar', 'displayName': 'alrocar 🥘'},
                'archiveInfo': {'sizeBytes': '2663845', 'generationDate': '2024-01-02T10:00:00.000Z', 'isPartialArchive': False, 'maxPartSizeBytes': '53687091200'},
                'readmeInfo': {'fileName': 'data/README.txt', 'directory': 'data/', 'name': 'README.txt'},
                'dataTypes': {'tweets': {'files': [{'fileName': 'data/tweets.js', 'globalName': 'YTD.tweets.part0', 'count': '820'}]},
                              'noteTweet': {'files': [{'fileName': 'data/note-tweet.js', 'globalName': 'YTD.note_tweet.part0', 'count': '1'}]}}}
    (data/'manifest.js').write_text('window.__THAR_CONFIG = ' + json.dumps(manifest, indent=2, ensure_ascii=False))
    profile, posts = download(f'archive:{data.parent}')
    assert (profile.handle, profile.name, len(posts)) == ('alrocar', 'alrocar 🥘', 820) and {p.author for p in posts} == {'alrocar'}
    assert next(p.text for p in posts if p.id == '1712845356000485462') == full
    (data/'manifest.js').unlink()
    assert '--handle NAME' in errmsg(download, f'archive:{data.parent}', refresh=True)
    assert main(['download', f'archive:{data.parent}', '--handle', 'alrocar', '--json']) == 0
    r = json.loads(capsys.readouterr().out)[0]
    assert (r['handle'], r['downloaded'], r['reposts']) == ('alrocar', 820, 9)

def local_server(serve):
    "A server on 127.0.0.1 that runs `serve(conn, stop)` for each connection; a context manager giving its port"
    from contextlib import contextmanager
    @contextmanager
    def running():
        srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(8); srv.settimeout(0.1)
        stop = threading.Event()
        def loop():
            while not stop.is_set():
                try: conn, _ = srv.accept()
                except OSError: continue
                threading.Thread(target=serve, args=(conn, stop), daemon=True).start()
        t = threading.Thread(target=loop, daemon=True); t.start()
        try: yield srv.getsockname()[1]
        finally: stop.set(); t.join(); srv.close()
    return running()


def silent(conn, stop):
    "Take the request, never answer"
    conn.recv(65536); stop.wait(); conn.close()


def trickle(conn, stop):
    "Answer 200 with a long body, one byte every 50 ms"
    conn.recv(65536)
    conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n')
    try:
        while not stop.wait(0.05): conn.sendall(b' ')
    except OSError: pass
    conn.close()


@pytest.fixture
def no_proxies(monkeypatch):
    "No proxy from the environment between the tests and their server on 127.0.0.1"
    for k in ('HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'NO_PROXY'):
        for name in (k, k.lower()): monkeypatch.delenv(name, raising=False)


def test_x_waits_no_longer_than_the_timeout_through_a_silent_connection(monkeypatch, no_proxies):
    monkeypatch.setattr(apis, '_TIMEOUT', (0.5, 0.5))
    with local_server(silent) as port:                       # a proxy that takes the connection and never answers
        for k in ('HTTPS_PROXY', 'https_proxy'): monkeypatch.setenv(k, f'http://127.0.0.1:{port}')
        start = time.monotonic()
        msg = errmsg(download, '@ferncrumb', bearer_token='t')
    assert msg.startswith('@ferncrumb: X did not answer in time (ReadTimeout') and msg.endswith('Check your internet connection and run again.')
    assert time.monotonic() - start < 10


def test_bsky_silent_and_trickling_servers_end(monkeypatch, no_proxies):
    monkeypatch.setattr(apis, '_TIMEOUT', (0.5, 0.5))
    monkeypatch.setattr(apis, '_DEADLINE', 1)
    with local_server(silent) as port:
        monkeypatch.setattr(apis, 'BSKY_API', f'http://127.0.0.1:{port}/xrpc')
        assert errmsg(download, 'bsky:orbitalolu').startswith('bsky:orbitalolu.bsky.social: Bluesky did not answer in time (ReadTimeout')
    with local_server(trickle) as port:                      # each byte comes well within the 0.5 s timeout; the whole never does
        monkeypatch.setattr(apis, 'BSKY_API', f'http://127.0.0.1:{port}/xrpc')
        start = time.monotonic()
        msg = errmsg(download, 'bsky:orbitalolu')
    assert msg == ('bsky:orbitalolu.bsky.social: Bluesky did not answer in time (Timeout: no whole reply in 1 s). '
                   'Check your internet connection and run again.')
    assert time.monotonic() - start < 10


PUBLIC, FOLLOWERS = 'https://www.w3.org/ns/activitystreams#Public', 'https://astro.example/users/tessa/followers'


def activity(n, html, to, cc=(), reply=None):
    obj = {'id': f'https://astro.example/users/tessa/statuses/{n}', 'type': 'Note', 'published': f'2024-05-{n:02d}T22:00:00Z', 'content': html,
           'inReplyTo': reply, 'summary': None, 'to': list(to), 'cc': list(cc)}
    return {'id': f'{obj["id"]}/activity', 'type': 'Create', 'actor': 'https://astro.example/users/tessa', 'to': list(to), 'cc': list(cc), 'object': obj}


def outbox():
    items = [activity(1, '<p>Public &amp; <a href="https://t.example/a">https://t.example/a</a></p>', [PUBLIC], [FOLLOWERS]),
             activity(2, '<p>Unlisted reply</p>', [FOLLOWERS], [PUBLIC], reply='https://astro.example/users/tessa/statuses/1'),
             activity(3, '<p>Followers only</p>', [FOLLOWERS], reply='https://astro.example/users/tessa/statuses/1'),
             activity(4, '<p>Direct</p>', ['https://astro.example/users/olu']),
             {'id': 'https://astro.example/users/tessa/statuses/5/activity', 'type': 'Announce', 'published': '2024-05-05T08:00:00Z',
              'to': [PUBLIC], 'cc': [], 'object': 'https://other.example/users/olu/statuses/9'},
             {'id': 'https://astro.example/users/tessa#likes/1', 'type': 'Like', 'object': 'https://x.example/1'}]
    return {'@context': 'https://www.w3.org/ns/activitystreams', 'id': 'outbox.json', 'type': 'OrderedCollection', 'totalItems': 5, 'orderedItems': items}


ACTOR = {'id': 'https://astro.example/users/tessa', 'type': 'Person', 'preferredUsername': 'tessa', 'name': 'Tessa Marr 🌌',
         'icon': {'type': 'Image', 'url': 'avatar.png'}}


def test_cli_train_passes_the_reading_options(tmp_path, monkeypatch):
    "train runs make_bot: it gathers with the reading options, then trains and finishes (both stand-ins here: no training in this file)"
    from huggingtweets import bot, cli
    calls = []
    monkeypatch.setattr(bot, 'train_bot', lambda accounts, out, **kw: calls.append((accounts, out, kw)) or tmp_path/'bot')
    monkeypatch.setattr(bot, 'finish_bot', lambda b, **kw: calls.append((b, kw)))
    (tmp_path/'olu.csv').write_text('msg\n' + ''.join(f'Post number {i} about the northern sky\n' for i in range(30)))
    assert cli.main(['train', f"file:{tmp_path/'olu.csv'}", '--text-field', 'msg', '--handle', 'olu', '--seed', '7', '-o', str(tmp_path/'b')]) == 0
    (accounts, out, kw), (b, fin) = calls
    assert [a.handle for a in accounts] == ['olu'] and len(accounts[0].posts) == 30 and out == tmp_path/'b'
    assert kw['seed'] == 7 and kw['base_model'] == 'embedded' and fin == {'prompt': PROMPT, 'seed': 7, 'hub_id': None, 'may_publish': False} and b == tmp_path/'bot'
    assert cli.main(['train', 'archive:sample', 'archive:sample', 'archive:sample', 'archive:sample']) == 1


def test_cli_reading_options(tmp_path, capsys):
    from huggingtweets.cli import main, parser
    (tmp_path/'olu.csv').write_text('when,msg\n' + ''.join(f'2024-05-{i % 28 + 1:02d} 10:00,Post number {i} about the northern sky tonight\n' for i in range(50)))
    assert main(['download', f"file:{tmp_path/'olu.csv'}", '--json']) == 1
    err = capsys.readouterr().err
    assert "--text-field NAME" in err
    assert '--text-field' in parser()._subparsers._group_actions[0].choices['download'].format_help()
    assert '--text-field' in parser()._subparsers._group_actions[0].choices['train'].format_help()
    assert main(['download', f"file:{tmp_path/'olu.csv'}", '--text-field', 'msg', '--time-field', 'when', '--handle', 'olu', '--max-posts', '40', '--json']) == 0
    r = json.loads(capsys.readouterr().out)[0]
    assert (r['handle'], r['downloaded'], r['first_date'], r['last_date']) == ('olu', 40, '2024-05-06', '2024-05-28')
    (tmp_path/'notes.txt').write_text(''.join(f'Bare line number {i} about the northern sky\n' for i in range(20)))
    assert main(['download', f"file:{tmp_path/'notes.txt'}"]) == 0
    out = capsys.readouterr().out
    assert '20 posts with no dates' in out and 'No authors in the file' in out and 'from None' not in out
    assert main(['download', f"file:{tmp_path/'notes.txt'}", '--json']) == 0
    r = json.loads(capsys.readouterr().out)[0]
    assert (r['first_date'], r['last_date'], r['missing']) == (None, None, ['dates', 'authors'])
    z = write_zip(tmp_path/'m.zip', {'outbox.json': json.dumps(outbox()), 'actor.json': json.dumps(ACTOR)})
    assert main(['download', f'archive:{z}', '--include-private', '--json']) == 0
    assert json.loads(capsys.readouterr().out)[0]['downloaded'] == 5


@pytest.mark.skipif(not DATA.exists(), reason='the real exports are not beside the project')
def test_real_exports_match_independent_counts():
    import csv, libipld
    from urllib.parse import urlparse
    got = {}
    # Bluesky: every block that is a post or repost record, found without the tree
    car = DATA/'bluesky_car'/'bnewbold.robocracy.org.20250310005405.car'
    _, blocks = libipld.decode_car(car.read_bytes())
    recs = [b for b in blocks.values() if isinstance(b, dict) and b.get('$type') in ('app.bsky.feed.post', 'app.bsky.feed.repost')]
    want = (len(recs), sum(r['$type'] == 'app.bsky.feed.repost' for r in recs), sum('reply' in r for r in recs))
    profile, posts = download(f'archive:{car}')
    got['bsky'] = s = download_summary(profile, posts)
    assert (s['downloaded'], s['reposts'], s['replies']) == want == (24, 1, 2)
    name = next(b['displayName'] for b in blocks.values() if isinstance(b, dict) and b.get('$type') == 'app.bsky.actor.profile')
    assert (s['handle'], s['name']) == ('bnewbold.robocracy.org', name)
    dates = sorted(r['createdAt'][:10] for r in recs)
    assert (s['first_date'], s['last_date']) == (dates[0], dates[-1]) == ('2024-02-22', '2025-03-05')
    # Mastodon: the activities addressed to the public collection
    folder = DATA/'mastodon_archive'/'zapdos'
    items = json.loads((folder/'outbox.json').read_text())['orderedItems']
    public = [i for i in items if PUBLIC in i['to'] + i['cc']]
    profile, posts = download(f'archive:{folder}')
    got['mastodon'] = s = download_summary(profile, posts)
    assert (s['downloaded'], s['reposts'], s['replies']) == (len(public), sum(i['type'] == 'Announce' for i in public), sum(bool(i['object'].get('inReplyTo')) for i in public)) == (7, 0, 5)
    actor = json.loads((folder/'actor.json').read_text())
    assert (s['handle'], s['name']) == (f"{actor['preferredUsername']}@{urlparse(actor['id']).netloc}", actor['name'])
    assert download_summary(*download(f'archive:{folder}', include_private=True))['downloaded'] == len(items) == 9
    # the twarc CSV: rows, text starting RT @, tweet_type reply
    path = DATA/'scrapers'/'aoc-tweets.csv'
    with open(path, newline='', encoding='utf-8') as f: rows = list(csv.DictReader(f))
    profile, posts = download(f'file:{path}')
    got['csv'] = s = download_summary(profile, posts)
    assert (s['downloaded'], s['reposts'], s['replies']) == (len(rows), sum(r['text'].startswith('RT @') for r in rows), sum(r['tweet_type'] == 'reply' for r in rows)) == (3211, 1134, 659)
    assert (s['handle'], s['name']) == ('AOC', rows[0]['user_name'])
    by_id = {r['id']: r['text'] for r in rows}
    assert all(p.text == by_id[p.id] for p in posts) and sum('\n' in p.text for p in posts) == sum('\n' in t for t in by_id.values()) > 1000
    # the benchmark JSON: is_retweet, in_reply_to_user_id_str
    path = DATA/'bench'/'realDonaldTrump_2017.json'
    rows = json.loads(path.read_text())
    profile, posts = download(f'file:{path}')
    got['bench'] = s = download_summary(profile, posts)
    assert (s['downloaded'], s['reposts'], s['replies']) == (len(rows), sum(r['is_retweet'] for r in rows), sum(bool(r['in_reply_to_user_id_str']) and not r['is_retweet'] for r in rows)) == (2605, 310, 46)
    assert s['handle'] == 'realDonaldTrump_2017' and s['first_date'] == '2017-01-01'
    print(got)

"""Sources: X archives (zip, folder, parts, legacy names, note tweets, broken inputs), files, and the network sources
(X API through tweepy, Bluesky, Mastodon) replayed from recorded-shape HTTP responses in tests/fixtures/sources.
No test touches the network: `responses` intercepts every request, and fails any request it was not given; the tests
of connections that never answer or trickle talk to a server of their own on 127.0.0.1."""
import json, re, shutil, socket, struct, threading, time, zipfile
from datetime import datetime, timedelta, timezone
import pytest, requests, responses
from responses import matchers
from conftest import ROOT
from carfile import car_bytes, make_car, post
from huggingtweets.core import HuggingTweetsError
from huggingtweets import apis, archives, sources
from huggingtweets.posts import Post, Profile
from huggingtweets.sources import download, download_summary
from huggingtweets.archives import read_archive, sample_archive
from huggingtweets.files import read_file

FIXTURES = ROOT/'tests'/'fixtures'/'sources'
DATA = ROOT.parent/'shared'/'data'
ALROCAR = DATA/'x_archive'/'alrocar'
ACCOUNT_JS = 'window.YTD.account.part0 = [{"account": {"username": "goldie", "accountId": "1", "accountDisplayName": "Goldie F"}}]'


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    "Every test gets its own empty cache, and no X token from the environment"
    monkeypatch.setenv('HUGGINGTWEETS_CACHE', str(tmp_path/'cache'))
    monkeypatch.delenv('X_BEARER_TOKEN', raising=False)
    return tmp_path/'cache'


def replay(rsps, name, only=slice(None), **fill):
    "Register fixture `name`'s exchanges (those in `only`), in order, each checking the query it expects"
    for x in json.loads((FIXTURES/f'{name}.json').read_text())[only]:
        rsps.add(x['method'], x['url'], json=x['body'], status=x['status'], headers={k: v.format(**fill) for k,v in x['headers'].items()},
                 match=[matchers.query_param_matcher(x['query'], strict_match=False)] if 'query' in x else [])


def mock(*names, only=slice(None), **fill):
    "A strict, ordered mock replaying the fixtures `names` one after another"
    rsps = responses.RequestsMock(registry=responses.registries.OrderedRegistry)
    for n in names: replay(rsps, n, only, **fill)
    return rsps


def raw_tweets(js_text):
    "The entries of an archive file, parsed here independently of the library"
    return json.loads(js_text[js_text.index('['):])


def tweet(i, text, when='Sun Dec 31 14:36:59 +0000 2023', wrap=True, **kw):
    t = {'id_str': str(i), 'id': str(i), 'created_at': when, 'full_text': text, 'retweeted': False, **kw}
    return {'tweet': t} if wrap else t


def js(name, items): return f'window.YTD.{name}.part0 = ' + json.dumps(items, indent=2, separators=(',', ' : '))


def write_zip(path, files):
    with zipfile.ZipFile(path, 'w') as z:
        for k,v in files.items(): z.writestr(k, v)
    return path


def errmsg(f, *a, **kw):
    with pytest.raises(HuggingTweetsError) as e: f(*a, **kw)
    return str(e.value)


# ---------------------------------------------------------------- the bundled sample

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


def test_download_archive_sample_and_summary():
    profile, posts = download('archive:sample')
    s = download_summary(profile, posts)
    assert s == {'name': 'Goldie Fitch ☄️🍞', 'handle': 'crumbsandcomets', 'source': 'archive', 'downloaded': 428, 'reposts': 44,
                 'replies': 60, 'first_date': posts[-1].created_at.date().isoformat(), 'last_date': posts[0].created_at.date().isoformat()}
    json.dumps(s)
    assert [p.id for p in download('archive:sample', max_posts=10)[1]] == [p.id for p in posts[:10]]


# ---------------------------------------------------------------- the real export

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


# ---------------------------------------------------------------- archive shapes

def test_archive_folder_and_data_folder_match_zip(tmp_path):
    with zipfile.ZipFile(sample_archive()) as z: z.extractall(tmp_path/'unpacked')
    want = read_archive(sample_archive())
    assert read_archive(tmp_path/'unpacked') == want
    assert read_archive(tmp_path/'unpacked'/'data') == want
    assert download(f'archive:{tmp_path/"unpacked"}') == want


def test_archive_zip_with_a_folder_inside(tmp_path):
    z = write_zip(tmp_path/'a.zip', {'twitter-2024-08-01/data/account.js': ACCOUNT_JS,
                                      'twitter-2024-08-01/data/tweets.js': js('tweets', [tweet(1, 'hello there')])})
    profile, posts = read_archive(z)
    assert profile.handle == 'goldie' and [p.text for p in posts] == ['hello there']


def test_archive_split_parts(tmp_path):
    part0 = [tweet(3, 'newest', 'Tue Jan 02 10:00:00 +0000 2024'), tweet(2, 'middle', 'Mon Jan 01 10:00:00 +0000 2024')]
    part1 = [tweet(2, 'middle', 'Mon Jan 01 10:00:00 +0000 2024'), tweet(1, 'RT @olu: oldest', 'Sun Dec 31 10:00:00 +0000 2023')]
    part2 = [tweet(0, '@olu a reply', 'Sat Dec 30 10:00:00 +0000 2023', in_reply_to_status_id_str='99')]
    d = tmp_path/'arch'/'data'; d.mkdir(parents=True)
    (d/'account.js').write_text(ACCOUNT_JS)
    (d/'tweets.js').write_text(js('tweets', part0))
    (d/'tweets-part1.js').write_text(js('tweets', part1).replace('part0', 'part1'))
    (d/'tweets-part2.js').write_text(js('tweets', part2).replace('part0', 'part2'))
    _, posts = read_archive(tmp_path/'arch')
    assert [(p.id, p.is_repost, p.is_reply) for p in posts] == [('3', False, False), ('2', False, False), ('1', True, False), ('0', False, True)]


def test_archive_legacy_tweet_js_without_wrappers(tmp_path):
    legacy = [tweet(5, 'from 2019 &amp; before', 'Wed Mar 06 08:00:00 +0000 2019', wrap=False)]
    z = write_zip(tmp_path/'old.zip', {'data/account.js': ACCOUNT_JS, 'data/tweet.js': js('tweet', legacy)})
    _, posts = read_archive(z)
    assert posts == [Post('5', 'from 2019 &amp; before', datetime(2019, 3, 6, 8, tzinfo=timezone.utc), 'goldie', 'archive')]


def test_archive_note_tweet_and_avatar(tmp_path):
    long = 'A very long post about rye & comets. ' * 12
    cut = long[:250].rsplit(' ', 1)[0].replace('&', '&amp;') + '… https://t.co/AbCdEf1234'
    notes = [{'noteTweet': {'noteTweetId': '77', 'createdAt': '2024-01-02T10:00:00.000Z', 'core': {'text': long, 'urls': []}}},
             {'noteTweet': {'noteTweetId': '78', 'createdAt': '2024-01-02T10:00:00.000Z', 'core': {'text': 'Another note, same second.'}}}]
    prof = [{'profile': {'description': {'bio': 'hi'}, 'avatarMediaUrl': 'https://pbs.twimg.com/profile_images/1/a.jpg'}}]
    z = write_zip(tmp_path/'n.zip', {'data/account.js': ACCOUNT_JS, 'data/profile.js': js('profile', prof), 'data/note-tweet.js': js('note_tweet', notes),
                                     'data/tweets.js': js('tweets', [tweet(1, cut, 'Tue Jan 02 10:00:00 +0000 2024'), tweet(2, 'short one', 'Tue Jan 02 10:00:00 +0000 2024')])})
    profile, posts = read_archive(z)
    assert profile.avatar_url == 'https://pbs.twimg.com/profile_images/1/a.jpg'
    assert {p.id: p.text for p in posts} == {'1': long, '2': 'short one'}


# ---------------------------------------------------------------- broken archives

def test_archive_bad_json_names_file_and_place(tmp_path):
    bad = js('tweets', [tweet(1, 'ok')]).replace('"ok"', '"ok",,', 1)
    z = write_zip(tmp_path/'bad.zip', {'data/account.js': ACCOUNT_JS, 'data/tweets.js': 'x', 'data/tweets-part1.js': bad})
    z2 = write_zip(tmp_path/'bad2.zip', {'data/account.js': ACCOUNT_JS, 'data/tweets.js': js('tweets', []), 'data/tweets-part1.js': bad})
    msg = errmsg(download, f'archive:{z2}')
    assert msg.startswith(f'archive:{z2}: data/tweets-part1.js is not valid JSON (line 7, column 26: Expecting property name') and 'download it again from X' in msg
    assert 'data/tweets.js is not valid JSON (line 1, column 1' in errmsg(read_archive, z)


def test_archive_missing_tweets_js(tmp_path):
    z = write_zip(tmp_path/'m.zip', {'data/account.js': ACCOUNT_JS, 'data/like.js': js('like', [])})
    assert "no data/tweets.js in it (found ['account.js'])" in errmsg(download, f'archive:{z}')


def test_archive_empty(tmp_path):
    assert 'no data/*.js files' in errmsg(download, f"archive:{write_zip(tmp_path/'e.zip', {})}")
    (tmp_path/'emptydir').mkdir()
    assert 'no data/*.js files' in errmsg(download, f"archive:{tmp_path/'emptydir'}")
    z = write_zip(tmp_path/'none.zip', {'data/account.js': ACCOUNT_JS, 'data/tweets.js': js('tweets', [])})
    assert errmsg(download, f'archive:{z}') == f'archive:{z}: the account has no posts, so there is nothing to learn from. Choose an account that posts.'


def test_archive_partial_zip_and_missing_pieces(tmp_path):
    (tmp_path/'cut.zip').write_bytes(sample_archive().read_bytes()[:30_000])
    assert 'cut.zip is not a complete zip file' in errmsg(download, f"archive:{tmp_path/'cut.zip'}")
    z = write_zip(tmp_path/'noacc.zip', {'data/tweets.js': js('tweets', [tweet(1, 'hi')])})
    assert 'data/account.js is missing' in errmsg(read_archive, z)
    z = write_zip(tmp_path/'field.zip', {'data/account.js': ACCOUNT_JS, 'data/tweets.js': js('tweets', [tweet(1, 'a'), {'tweet': {'id_str': '2', 'full_text': 'b'}}])})
    assert "entry 2 of data/tweets.js is not a tweet X writes (bad or missing 'created_at')" in errmsg(read_archive, z)
    assert 'there is no file or folder at' in errmsg(download, f"archive:{tmp_path/'nope.zip'}")


# ---------------------------------------------------------------- files

def test_files_every_format(tmp_path):
    (tmp_path/'a.txt').write_text('one\n\nRT @x: two\nthree\n')
    assert [(p.text, p.is_repost, p.source) for p in download(f"file:{tmp_path/'a.txt'}")[1]] == [('one', False, 'file'), ('RT @x: two', True, 'file'), ('three', False, 'file')]
    (tmp_path/'b.csv').write_text('id,created_at,full_text,is_retweet,in_reply_to_status_id\n1,2024-01-01T00:00:00Z,old,false,\n2,2024-02-01T00:00:00Z,shared,true,\n3,2024-03-01T00:00:00Z,@a hi,false,55\n')
    assert [(p.id, p.is_repost, p.is_reply) for p in read_file(tmp_path/'b.csv')[1]] == [('3', False, True), ('2', True, False), ('1', False, False)]
    (tmp_path/'c.json').write_text(json.dumps([{'msg': 'hello', 'author': '@olu', 'timestamp': 1715379243}]))
    profile, posts = read_file(tmp_path/'c.json', text_field='msg')
    assert profile.handle == 'olu' and posts[0].created_at == datetime(2024, 5, 10, 22, 14, 3, tzinfo=timezone.utc)
    (tmp_path/'d.jsonl').write_text('{"content": "<p>a &amp; b</p>", "is_reblog": true}\n\n{"text": "plain"}\n')
    assert [(p.text, p.is_repost) for p in read_file(tmp_path/'d.jsonl')[1]] == [('a & b', True), ('plain', False)]


def test_files_errors(tmp_path):
    (tmp_path/'a.csv').write_text('id,body_text\n1,hello\n')
    assert ("no full_text, text, rawContent, content, tweet, tweets, tweet_text, body field in row 1 (it has id, body_text). "
            "Name the field that holds the post's text: --text-field NAME on the command line") in errmsg(download, f"file:{tmp_path/'a.csv'}")
    assert "no 'msg' field in row 1" in errmsg(download, f"file:{tmp_path/'a.csv'}", text_field='msg')
    (tmp_path/'b.jsonl').write_text('{"text": "ok"}\n{"text": }\n')
    assert 'line 2 is not valid JSON (line 1, column 10' in errmsg(download, f"file:{tmp_path/'b.jsonl'}")
    (tmp_path/'c.xlsx').write_text('x')
    assert 'I read .txt, .csv, .json and .jsonl files, not .xlsx' in errmsg(download, f"file:{tmp_path/'c.xlsx'}")
    (tmp_path/'d.txt').write_text('\n\n')
    assert 'has no posts' in errmsg(download, f"file:{tmp_path/'d.txt'}")
    (tmp_path/'e.csv').write_text('text,date\nhi,yesterday-ish\n')
    assert "row 1 has a time I can't read: 'yesterday-ish'" in errmsg(download, f"file:{tmp_path/'e.csv'}")
    assert 'there is no file at' in errmsg(download, f"file:{tmp_path/'missing.txt'}")


# ---------------------------------------------------------------- X API (tweepy), replayed

def test_x_timeline_two_pages_then_offline(cache):
    with mock('x_timeline') as rsps:
        profile, posts = download('@ferncrumb', bearer_token='AAAA-token', progress=False)
        lookup, p1, p2 = [c.request for c in rsps.calls]
    assert lookup.headers['Authorization'] == 'Bearer AAAA-token'
    assert 'pagination_token' not in p1.params and p2.params['pagination_token'] == '7140dibdnow9c7btw3z2vqvx1yp8ivu1d4gcw7cunjvb6'
    assert {'created_at', 'referenced_tweets', 'note_tweet'} <= set(p1.params['tweet.fields'].split(','))
    assert profile == Profile('ferncrumb', 'Fern Adeyemi 🥖', 'x', 'https://pbs.twimg.com/profile_images/1523372014098239488/Zq3v7Hn1_400x400.jpg')
    assert [(p.id, p.is_repost, p.is_reply, p.source, p.author) for p in posts] == [
        ('1789611532205207552', False, False, 'x', 'ferncrumb'), ('1789290417392730377', True, False, 'x', 'ferncrumb'),
        ('1789101533007528231', False, True, 'x', 'ferncrumb'), ('1788330162446631126', False, False, 'x', 'ferncrumb'),
        ('1787931229060886817', False, False, 'x', 'ferncrumb')]
    assert posts[3].text.endswith('my cousin Dayo "helping".') and posts[0].created_at == datetime(2024, 5, 12, 7, 2, 11, tzinfo=timezone.utc)
    assert (cache/'posts'/'x'/'ferncrumb.json').exists()
    with responses.RequestsMock() as rsps:                 # second run: from the cache, no request, no token needed
        assert download('@ferncrumb') == (profile, posts)
        assert len(rsps.calls) == 0


def test_x_token_from_environment(monkeypatch):
    monkeypatch.setenv('X_BEARER_TOKEN', 'ENV-token')
    with mock('x_timeline') as rsps:
        download('x:ferncrumb', progress=False)
        assert rsps.calls[0].request.headers['Authorization'] == 'Bearer ENV-token'


def test_x_max_posts_then_more_resumes_from_cursor():
    with mock('x_timeline', only=slice(0, 2)) as rsps:
        _, posts = download('@ferncrumb', bearer_token='t', max_posts=3, progress=False)
        assert len(posts) == 3 and rsps.calls[1].request.params['max_results'] == '5'
    with mock('x_timeline', only=slice(2, None)):   # only page 2 is asked for
        _, posts = download('@ferncrumb', bearer_token='t', progress=False)
    assert len(posts) == 5


def test_x_interrupted_download_keeps_pages_and_resumes():
    with mock('x_timeline', only=slice(0, 2)) as rsps:
        rsps.add('GET', 'https://api.twitter.com/2/users/1190233844/tweets', body=requests.ConnectionError('Connection reset by peer'))
        msg = errmsg(download, '@ferncrumb', bearer_token='t', progress=False)
    assert msg == ('@ferncrumb: could not reach X (ConnectionError). Check your internet connection and run again. '
                   'The 3 posts that arrived are kept; the next run resumes.')
    with mock('x_timeline', only=slice(2, None)):
        _, posts = download('@ferncrumb', bearer_token='t', progress=False)
    assert len(posts) == 5


def test_x_refresh_fetches_again():
    with mock('x_timeline'): first = download('@ferncrumb', bearer_token='t', progress=False)
    with mock('x_timeline') as rsps:
        assert download('@ferncrumb', bearer_token='t', refresh=True, progress=False) == first
        assert len(rsps.calls) == 3


def test_x_missing_token():
    with responses.RequestsMock():
        msg = errmsg(download, '@ferncrumb')
    assert msg.startswith('@ferncrumb: reading X needs an API bearer token') and 'X_BEARER_TOKEN' in msg and 'archive:PATH' in msg


def test_x_rejected_token_is_never_echoed():
    with mock('x_unauthorized'): msg = errmsg(download, '@ferncrumb', bearer_token='AAAA-very-secret')
    assert msg.startswith('@ferncrumb: X rejected the bearer token (401 Unauthorized)') and 'very-secret' not in msg


def test_x_forbidden_plan():
    with mock('x_forbidden'): msg = errmsg(download, '@ferncrumb', bearer_token='t')
    assert msg.startswith('@ferncrumb: X refused the request (403: ') and 'access level' in msg


def test_x_unknown_suspended_protected():
    with mock('x_user_not_found'):
        assert errmsg(download, '@nobody_here_42', bearer_token='t') == '@nobody_here_42: there is no such account on X. Check the spelling.'
    with mock('x_user_suspended'):
        assert 'User has been suspended: [spamalot]' in errmsg(download, '@spamalot', bearer_token='t')
    with mock('x_user_protected'):
        assert errmsg(download, '@quietbaker', bearer_token='t').startswith('@quietbaker: the account is protected')
    with mock('x_timeline_not_authorized'):
        assert "@quietbaker: the account's posts are protected" in errmsg(download, '@quietbaker', bearer_token='t', progress=False)


def test_x_rate_limited_without_waiting():
    reset = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(minutes=14)
    with mock('x_rate_limited', reset=int(reset.timestamp())):
        msg = errmsg(download, '@ferncrumb', bearer_token='t', wait=False)
    assert msg.startswith(f'@ferncrumb: X says too many requests; the limit resets at {reset:%Y-%m-%d %H:%M:%S} UTC (in 1') and 'wait=True' in msg


def test_x_rate_limited_waits_with_countdown(capsys):
    reset = int(time.time()) + 1
    with mock('x_rate_limited', 'x_timeline', reset=reset) as rsps:
        start = time.monotonic()
        _, posts = download('@ferncrumb', bearer_token='t')
        waited = time.monotonic() - start
        assert len(rsps.calls) == 4
    assert len(posts) == 5 and 0.5 < waited < 5
    err = capsys.readouterr().err
    assert 'X rate limit, waiting until' in err and '@ferncrumb' in err and 'posts' in err   # countdown, then the progress bar


def test_x_network_unreachable():
    with responses.RequestsMock() as rsps:
        rsps.get('https://api.twitter.com/2/users/by/username/ferncrumb', body=requests.ConnectionError("Failed to resolve 'api.twitter.com'"))
        assert errmsg(download, '@ferncrumb', bearer_token='t') == '@ferncrumb: could not reach X (ConnectionError). Check your internet connection and run again.'


def test_x_no_posts():
    with mock('x_no_posts'): assert 'the account has no posts' in errmsg(download, '@ferncrumb', bearer_token='t', progress=False)


# ---------------------------------------------------------------- Bluesky, replayed

def test_bsky_two_pages_pinned_once_and_repost(cache):
    with mock('bsky_feed') as rsps:
        profile, posts = download('bsky:orbitalolu', progress=False)
        _, p1, p2 = [c.request for c in rsps.calls]
    assert p1.params == {'actor': 'did:plc:w4xbfzo7kqfes5zb7r6qv3rw', 'limit': '100'} and p2.params['cursor'] == '2024-05-10T22:01:15.334Z'
    assert profile.handle == 'orbitalolu.bsky.social' and profile.name == 'Olu Bankole 🔭' and profile.avatar_url.startswith('https://cdn.bsky.app/img/avatar/')
    assert [(p.text[:20], p.is_repost, p.is_reply) for p in posts] == [
        ('Aurora from Little H', False, False), ('Kp 8 and climbing. E', True, False), ('Around 150x on a ste', False, True), ('Twenty years of obse', False, False)]
    repost = posts[1]
    assert repost.created_at == datetime(2024, 5, 10, 22, 1, 15, 334000, tzinfo=timezone.utc)   # when it was reposted
    assert repost.id.endswith('app.bsky.feed.repost/3ksbn2awq7c2x') and all(p.author == 'orbitalolu.bsky.social' for p in posts)
    with responses.RequestsMock() as rsps:
        assert download('orbitalolu.bsky.social') == (profile, posts) and len(rsps.calls) == 0


def test_bsky_errors():
    with mock('bsky_not_found'):
        assert errmsg(download, 'bsky:nobody') == 'bsky:nobody.bsky.social: there is no such account on Bluesky. Check the handle (it looks like alice.bsky.social).'
    with mock('bsky_takedown'):
        assert 'AccountTakedown: Account has been suspended' in errmsg(download, 'bsky:gone.example.com')
    with mock('bsky_logged_in_only'):
        assert 'not to show its posts to logged-out readers' in errmsg(download, 'quietstars.bsky.social')
    with mock('bsky_no_posts'):
        assert 'has no posts' in errmsg(download, 'bsky:orbitalolu', progress=False)
    reset = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(minutes=3)
    with mock('bsky_rate_limited', reset=int(reset.timestamp())):
        assert f'Bluesky says too many requests; the limit resets at {reset:%Y-%m-%d %H:%M:%S} UTC' in errmsg(download, 'bsky:orbitalolu', refresh=True, wait=False)
    with responses.RequestsMock() as rsps:
        rsps.get('https://public.api.bsky.app/xrpc/app.bsky.actor.getProfile', body=requests.ConnectTimeout('timed out'))
        assert 'could not reach Bluesky (ConnectTimeout)' in errmsg(download, 'bsky:orbitalolu', refresh=True)


# ---------------------------------------------------------------- Mastodon, replayed

def test_mastodon_link_pagination_html_and_boosts():
    with mock('mastodon_statuses') as rsps:
        profile, posts = download('mastodon:@tessa@astro.example', progress=False)
        urls = [c.request.url for c in rsps.calls]
    assert urls[2].endswith('/statuses?limit=40&max_id=112421300000000001') and urls[3].endswith('max_id=112399000000000123')
    assert profile.handle == 'tessa@astro.example'
    assert [(p.id, p.is_repost, p.is_reply) for p in posts] == [('112421555612345678', False, False), ('112421300000000001', True, False),
                                                                 ('112410000000000456', False, True), ('112399000000000123', False, False)]
    assert posts[1].text == 'Aurora alert for the whole of the UK tonight. Look north after dark! #aurora'
    assert posts[2].text == '@olu thank you! Found it with averted vision.\nTiny smudge, huge joy.'
    assert posts[3].text == "Six months ago I didn't know what a Messier object was. Tonight I saw my twentieth. Clear skies <3"


def test_mastodon_errors():
    with mock('mastodon_not_found'):
        assert errmsg(download, '@nobody@astro.example') == '@nobody@astro.example: there is no such account on astro.example. Check the name and the server.'
    with mock('mastodon_auth_required'):
        assert 'astro.example only lets signed-in users read its accounts' in errmsg(download, '@tessa@astro.example')
    with mock('mastodon_locked'):
        assert errmsg(download, '@hush@astro.example', progress=False).startswith('@hush@astro.example: the account is locked')
    reset = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(minutes=5)
    with mock('mastodon_rate_limited', reset_iso=reset.strftime('%Y-%m-%dT%H:%M:%S.000Z')):
        assert f'astro.example says too many requests; the limit resets at {reset:%Y-%m-%d %H:%M:%S} UTC' in errmsg(download, '@tessa@astro.example', wait=False)
    with responses.RequestsMock() as rsps:
        rsps.get('https://astro.example/api/v1/accounts/lookup', body=requests.ConnectionError('Name or service not known'))
        assert 'could not reach astro.example (ConnectionError)' in errmsg(download, '@tessa@astro.example')


# ---------------------------------------------------------------- hostile input, faults mid-run (issue 12)

def fixture(name): return json.loads((FIXTURES/f'{name}.json').read_text())


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


def test_every_request_has_a_timeout():
    timeouts = []
    for name, spec in (('x_timeline', '@ferncrumb'), ('bsky_feed', 'bsky:orbitalolu'), ('mastodon_statuses', '@tessa@astro.example')):
        with mock(name) as rsps:
            download(spec, bearer_token='t', progress=False)
            timeouts += [c.request.req_kwargs['timeout'] for c in rsps.calls]
    assert timeouts == [apis._TIMEOUT] * 10


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


def test_a_reply_too_big_is_refused(monkeypatch):
    monkeypatch.setattr(apis, '_MAX_REPLY', 1000)
    with responses.RequestsMock() as rsps:
        rsps.get('https://public.api.bsky.app/xrpc/app.bsky.actor.getProfile', body=b'{"handle": "' + b'x' * 5000 + b'"}')
        assert errmsg(download, 'bsky:orbitalolu') == "bsky:orbitalolu.bsky.social: could not read Bluesky's reply (more than 1,000 bytes). Run again later."


def test_a_page_with_nothing_new_ends_the_download():
    "Servers that answer every page with the same posts and cursor: before, each looped forever"
    profile, page = fixture('bsky_feed')[:2]
    with responses.RequestsMock() as rsps:                   # the default registry answers the same every time
        rsps.get(profile['url'], json=profile['body'])
        rsps.get(page['url'], json={**page['body'], 'cursor': 'same'})
        _, posts = download('bsky:orbitalolu', progress=False)
        assert len(rsps.calls) == 3 and len(posts) == len({i['post']['uri'] for i in page['body']['feed']}) == 3
    lookup, statuses = fixture('mastodon_statuses')[:2]
    with responses.RequestsMock() as rsps:                   # the Link header's next page is this page, again and again
        rsps.get(lookup['url'], json=lookup['body'])
        rsps.get(statuses['url'], json=statuses['body'], headers={'Link': statuses['headers']['Link']})
        _, posts = download('@tessa@astro.example', progress=False)
        assert len(rsps.calls) == 3 and len(posts) == 2
    user, tweets = fixture('x_timeline')[:2]
    with responses.RequestsMock() as rsps:                   # the same next_token, forever
        rsps.get(user['url'], json=user['body'])
        rsps.get(tweets['url'], json=tweets['body'])
        _, posts = download('@ferncrumb', bearer_token='t', progress=False)
        assert len(rsps.calls) == 3 and len(posts) == 3


def test_a_reset_years_away_stops_at_once_and_keeps_the_posts(capsys):
    reset = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=3 * 365, hours=12)
    with mock('x_timeline', only=slice(0, 2)) as rsps:
        rsps.add('GET', 'https://api.twitter.com/2/users/1190233844/tweets', status=429, json={'title': 'Too Many Requests'},
                 headers={'x-rate-limit-reset': str(int(reset.timestamp()))})
        start = time.monotonic()
        msg = errmsg(download, '@ferncrumb', bearer_token='t', progress=False)              # wait=True, the default
    assert time.monotonic() - start < 5 and 'rate limit, waiting' not in capsys.readouterr().err
    assert msg == (f'@ferncrumb: X says too many requests; the limit resets at {reset:%Y-%m-%d %H:%M:%S} UTC (in 1,095 days), '
                   'longer than huggingtweets waits (15 min). Run again then. The 3 posts that arrived are kept; the next run resumes.')
    with mock('x_timeline', only=slice(2, None)):
        _, posts = download('@ferncrumb', bearer_token='t', progress=False)
    assert len(posts) == 5


def test_a_limit_that_never_lifts_stops_after_three_waits(monkeypatch):
    waits = []
    monkeypatch.setattr(sources, '_countdown', lambda secs, desc: waits.append(secs))
    with responses.RequestsMock() as rsps:
        rsps.get('https://api.twitter.com/2/users/by/username/ferncrumb', status=429, json={'title': 'Too Many Requests'},
                 headers={'x-rate-limit-reset': str(int(time.time()))})
        msg = errmsg(download, '@ferncrumb', bearer_token='t')
        assert len(rsps.calls) == 4
    assert msg == '@ferncrumb: X still says too many requests after 3 waits. Run again later.' and len(waits) == 3


def test_bad_replies_are_one_line_errors_and_keep_the_posts():
    with mock('bsky_feed', only=slice(0, 2)) as rsps:
        rsps.add('GET', 'https://public.api.bsky.app/xrpc/app.bsky.feed.getAuthorFeed', body='<html>Bad gateway</html>')
        msg = errmsg(download, 'bsky:orbitalolu', progress=False)
    assert msg == ("bsky:orbitalolu.bsky.social: Bluesky sent a reply I can't read (not JSON). Run again later; if it keeps happening, "
                   "Bluesky has changed what it sends. The 3 posts that arrived are kept; the next run resumes.")
    with mock('bsky_feed', only=slice(2, None)):
        assert len(download('bsky:orbitalolu', progress=False)[1]) == 4
    user, tweets = fixture('x_timeline')[:2]
    no_time = json.loads(json.dumps(tweets['body'])); del no_time['data'][1]['created_at']
    with responses.RequestsMock() as rsps:                   # the known crash: AttributeError: 'NoneType' object has no attribute 'isoformat'
        rsps.get(user['url'], json=user['body']); rsps.get(tweets['url'], json=no_time)
        assert "X sent a reply I can't read (bad or missing 'created_at' in item 2 of the tweets)" in errmsg(download, '@ferncrumb', bearer_token='t', refresh=True)
    with responses.RequestsMock() as rsps:                   # tweepy itself fails on an error reply that is a list
        rsps.get(user['url'], status=400, json=['bad'])
        assert "X sent a reply I can't read (AttributeError: 'list' object has no attribute 'get')" in errmsg(download, '@ferncrumb', bearer_token='t', refresh=True)
    lookup, statuses = fixture('mastodon_statuses')[:2]
    with responses.RequestsMock() as rsps:
        rsps.get(lookup['url'], json=lookup['body'])
        rsps.get(statuses['url'], json=statuses['body'], headers={'Link': '<http://elsewhere.example/x>; rel="next"'})
        assert "astro.example sent a reply I can't read (a next page at 'http://elsewhere.example/x')" in errmsg(download, '@tessa@astro.example', progress=False)
    with mock('x_timeline', only=slice(0, 2)) as rsps:
        rsps.add('GET', 'https://api.twitter.com/2/users/1190233844/tweets', body=requests.exceptions.ChunkedEncodingError('Connection broken: IncompleteRead'))
        msg = errmsg(download, '@ferncrumb', bearer_token='t', refresh=True, progress=False)
    assert msg == ("@ferncrumb: could not read X's reply (ChunkedEncodingError: Connection broken: IncompleteRead). Run again later. "
                   "The 3 posts that arrived are kept; the next run resumes.")


def test_a_damaged_cache_is_fetched_again(cache):
    with mock('x_timeline'): first = download('@ferncrumb', bearer_token='t', progress=False)
    for damaged in ('{"profile": 1}', '[]', '{"profile": {"handle": "f", "name": "f", "source": "x", "avatar_url": null}, "account_id": "1", '
                    '"posts": [{"id": "1"}], "cursor": null, "done": true}', '{"posts": ' * 10_000,
                    '{"profile": {"handle": "f", "name": "f", "source": "x", "avatar_url": null}, "account_id": "1", "total": "many", '
                    '"posts": [], "cursor": "c", "done": false}'):
        (cache/'posts'/'x'/'ferncrumb.json').write_text(damaged)
        with mock('x_timeline'): assert download('@ferncrumb', bearer_token='t', progress=False) == first


def test_a_full_disk_is_an_error_that_keeps_what_was_saved(monkeypatch, cache):
    save, saves = sources._save_state, []
    def full_on_third(path, state):
        saves.append(1)
        if len(saves) == 3: raise OSError(28, 'No space left on device')
        save(path, state)
    monkeypatch.setattr(sources, '_save_state', full_on_third)
    with mock('x_timeline'): msg = errmsg(download, '@ferncrumb', bearer_token='t', progress=False)
    assert msg == (f"@ferncrumb: could not write the download cache {cache/'posts'/'x'/'ferncrumb.json'} (No space left on device). Free some disk "
                   "space, or set HUGGINGTWEETS_CACHE to a folder you can write, and run again. The 3 posts that arrived are kept; the next run resumes.")
    monkeypatch.setattr(sources, '_save_state', save)
    with mock('x_timeline', only=slice(2, None)): assert len(download('@ferncrumb', bearer_token='t', progress=False)[1]) == 5


def test_notes_merge_in_linear_time_on_a_big_archive(tmp_path):
    "50,000 tweets and 2,000 note tweets: comparing each note with each post took 15 minutes"
    t0 = datetime(2020, 1, 1, tzinfo=timezone.utc)
    when = lambda i: t0 + timedelta(minutes=i)
    tweets = [tweet(i, f'Post {i}: a long thought on rye &amp; comets… https://t.co/l{i}' if i % 25 == 0 else f'Post {i}: short',
                    when(i).strftime('%a %b %d %H:%M:%S +0000 %Y')) for i in range(50_000)]
    notes = [{'noteTweet': {'noteTweetId': str(i), 'createdAt': (when(i) + timedelta(seconds=30)).isoformat(),
                            'core': {'text': f'Post {i}: a long thought on rye & comets, and on and on.'}}} for i in range(0, 50_000, 25)]
    z = write_zip(tmp_path/'big.zip', {'data/account.js': ACCOUNT_JS, 'data/tweets.js': js('tweets', tweets), 'data/note-tweet.js': js('note_tweet', notes)})
    _, posts = read_archive(z)
    assert len(posts) == 50_000 and len(notes) == 2_000
    for p in posts:
        i = int(p.id)
        assert p.text == (f'Post {i}: a long thought on rye & comets, and on and on.' if i % 25 == 0 else f'Post {i}: short')


def declared_size(zip_bytes:bytes, size:int)->bytes:
    "A zip whose headers say its one big member unpacks to `size` bytes, whatever it holds"
    b = bytearray(zip_bytes)
    for sig, at in ((b'PK\x03\x04', 22), (b'PK\x01\x02', 24)):
        i = -1
        while (i := b.find(sig, i + 1)) >= 0:
            if struct.unpack_from('<I', b, i + at)[0] > 1000: struct.pack_into('<I', b, i + at, size)
    return bytes(b)


def test_zip_bomb_and_size_limits(tmp_path, monkeypatch):
    monkeypatch.setattr(archives, '_MAX_FILE', 1 << 20)
    z = tmp_path/'bomb.zip'
    with zipfile.ZipFile(z, 'w', zipfile.ZIP_DEFLATED) as f: f.writestr('data/account.js', ACCOUNT_JS); f.writestr('data/tweets.js', ' ' * (3 << 20))
    assert z.stat().st_size < 10_000
    assert errmsg(read_archive, z) == (f"archive:{z}: data/tweets.js unpacks to more than 1 MiB, the most huggingtweets reads from one archive file; "
                                       "X's files take about 3 KiB a post. This is not an X archive as X writes it: download it again from X "
                                       "(Settings → Your account → Download an archive of your data).")
    (tmp_path/'liar.zip').write_bytes(declared_size(z.read_bytes(), 100))     # the header says 100 bytes; zipfile stops there
    assert "data/tweets.js" in errmsg(read_archive, tmp_path/'liar.zip')
    monkeypatch.setattr(archives, '_MAX_FILES', (1 << 20) + 500)
    parts = write_zip(tmp_path/'parts.zip', {'data/account.js': ACCOUNT_JS, 'data/tweets.js': ' ' * 1000, 'data/tweets-part1.js': ' ' * (1 << 20)})
    msg = errmsg(read_archive, parts)
    assert 'data/tweets-part1.js unpacks to more than 1,02' in msg and 'KiB, the most huggingtweets reads from one archive, all files together' in msg
    d = tmp_path/'folder'/'data'; d.mkdir(parents=True)
    (d/'account.js').write_text(ACCOUNT_JS); (d/'tweets.js').write_text(' ' * (2 << 20))
    assert 'data/tweets.js unpacks to more than 1 MiB' in errmsg(read_archive, tmp_path/'folder')


def test_zip_features_python_lacks(tmp_path):
    z = write_zip(tmp_path/'a.zip', {'data/account.js': ACCOUNT_JS, 'data/tweets.js': js('tweets', [tweet(1, 'hi')])})
    b = bytearray(z.read_bytes())
    for sig, at in ((b'PK\x03\x04', 8), (b'PK\x01\x02', 10)):   # compression method 99 (AES), which zipfile can't read
        i = -1
        while (i := b.find(sig, i + 1)) >= 0: struct.pack_into('<H', b, i + at, 99)
    (tmp_path/'aes.zip').write_bytes(bytes(b))
    assert "aes.zip uses a zip feature Python can't read" in errmsg(read_archive, tmp_path/'aes.zip')
    d = tmp_path/'f'/'data'; d.mkdir(parents=True)
    (d/'account.js').write_text(ACCOUNT_JS); (d/'tweets.js').write_bytes(b'window.YTD.tweets.part0 = ["\xff"]')
    assert 'data/tweets.js is not UTF-8 text (byte 29)' in errmsg(read_archive, tmp_path/'f')


# ---------------------------------------------------------------- issue 13: Bluesky repository exports (CAR)

DID = 'did:plc:w4xbfzo7kqfes5zb7r6qv3rw'
FOLLOW = {'$type': 'app.bsky.graph.follow', 'subject': 'did:plc:y', 'createdAt': '2024-05-01T00:00:00Z'}


def repo_records(n=3):
    recs = {f'app.bsky.feed.post/3kp{i:03d}': post(f'Post number {i} about the sky', f'2024-05-{i % 28 + 1:02d}T10:00:00Z', reply=i % 3 == 0) for i in range(n)}
    recs['app.bsky.feed.post/3kz'] = post('Wiki: en.wikipedia.org/wiki/Nicolas... and 🔭 bsky.app/profile/olu', '2024-06-01T10:00:00Z',
                                          links=[('en.wikipedia.org/wiki/Nicolas...', 'https://en.wikipedia.org/wiki/Nicolas_Steno'),
                                                 ('bsky.app/profile/olu', 'https://bsky.app/profile/olu.bsky.social')])
    recs['app.bsky.feed.repost/3kr'] = {'$type': 'app.bsky.feed.repost', 'subject': {'uri': 'at://did:plc:x/app.bsky.feed.post/1', 'cid': 'bafy'}, 'createdAt': '2024-06-02T10:00:00Z'}
    recs['app.bsky.actor.profile/self'] = {'$type': 'app.bsky.actor.profile', 'displayName': 'Olu Bankole 🔭'}
    recs['app.bsky.graph.follow/3kf'] = FOLLOW
    recs['com.whtwnd.blog.entry/3kb'] = {'content': 'another app', 'createdAt': 'whenever'}
    return recs


def test_car_posts_reposts_replies_links_and_profile(tmp_path):
    car = make_car(tmp_path/'orbitalolu.bsky.social-20240612.car', DID, repo_records(40))
    profile, posts = download(f'archive:{car}')
    assert profile == Profile('orbitalolu.bsky.social', 'Olu Bankole 🔭', 'bsky')
    assert (len(posts), sum(p.is_repost for p in posts), sum(p.is_reply for p in posts)) == (42, 1, 14)
    assert posts[0].id == f'at://{DID}/app.bsky.feed.repost/3kr' and posts[0].text == '' and posts[0].is_repost
    assert posts[1].text == 'Wiki: https://en.wikipedia.org/wiki/Nicolas_Steno and 🔭 https://bsky.app/profile/olu.bsky.social'
    assert all(p.source == 'bsky' and p.author == 'orbitalolu.bsky.social' for p in posts)
    assert download_summary(profile, posts)['replies'] == 14


def test_car_version_2_commit_handle_from_did_and_flag(tmp_path):
    car = make_car(tmp_path/'repo.car', DID, repo_records(), version=2)
    profile, posts = download(f'archive:{car}')
    assert profile.handle == DID and len(posts) == 5
    assert download(f'archive:{car}', handle='olu.bsky.social')[0] == Profile('olu.bsky.social', 'Olu Bankole 🔭', 'bsky')
    (tmp_path/'no-suffix').write_bytes(car.read_bytes())   # told by its content, not its name
    assert len(read_archive(tmp_path/'no-suffix')[1]) == 5


def test_car_damaged(tmp_path):
    good = car_bytes(DID, repo_records())
    for n in (len(good) - 1, len(good) // 2, 30, 3):
        (tmp_path/'cut.car').write_bytes(good[:n])
        msg = errmsg(download, f"archive:{tmp_path/'cut.car'}")
        assert msg.startswith(f"archive:{tmp_path/'cut.car'}: cut.car is not a complete CAR file (") and 'export it again from Bluesky' in msg and '\n' not in msg
    (tmp_path/'empty.car').write_bytes(b'')
    assert 'empty.car is not a complete CAR file' in errmsg(download, f"archive:{tmp_path/'empty.car'}")
    no_posts = make_car(tmp_path/'follows.car', DID, {'app.bsky.graph.follow/1': FOLLOW, 'app.bsky.actor.profile/self': {'displayName': 'x'}})
    assert 'the repository holds no posts or reposts (2 records of other kinds)' in errmsg(download, f'archive:{no_posts}')
    assert 'holds no posts' in errmsg(download, f"archive:{make_car(tmp_path/'void.car', DID, {})}")
    assert 'version 1; I read versions 2 and 3' in errmsg(read_archive, make_car(tmp_path/'v1.car', DID, repo_records(), version=1))
    # a block left out: the record of the first post
    import libipld
    from carfile import varint
    header, blocks = libipld.decode_car(good)
    hlen = good[0]   # one-byte varint for a small header
    rest, out, want = good[1 + hlen:], good[:1 + hlen], post('Post number 0 about the sky', '2024-05-01T10:00:00Z', reply=True)
    while rest:
        n, i = 0, 0
        while True:
            n |= (rest[i] & 0x7f) << (7 * i)
            i += 1
            if rest[i - 1] < 0x80: break
        block, rest = rest[i:i + n], rest[i + n:]
        if libipld.decode_dag_cbor(block[36:]) != want: out += varint(n) + block
    (tmp_path/'holes.car').write_bytes(out)
    assert "the CAR file lacks the record app.bsky.feed.post/3kp000, so it is not a whole repository export" in errmsg(read_archive, tmp_path/'holes.car')
    bad = dict(repo_records(), **{'app.bsky.feed.post/3kx': {'text': 'no time'}})
    assert "the record app.bsky.feed.post/3kx is not as Bluesky writes it (bad or missing 'createdAt')" in errmsg(read_archive, make_car(tmp_path/'bad.car', DID, bad))


# ---------------------------------------------------------------- issue 13: Mastodon account archives

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


def test_mastodon_archive_zip_and_folder_leave_private_posts_out(tmp_path):
    z = write_zip(tmp_path/'archive-20240516-1a2b.zip', {'outbox.json': json.dumps(outbox()), 'actor.json': json.dumps(ACTOR), 'media_attachments/x.png': b'png'})
    profile, posts = download(f'archive:{z}')
    assert profile == Profile('tessa@astro.example', 'Tessa Marr 🌌', 'mastodon', None)
    assert [(p.text, p.is_repost, p.is_reply) for p in posts] == [('', True, False), ('Unlisted reply', False, True), ('Public & https://t.example/a', False, False)]
    assert all(p.source == 'mastodon' and p.author == 'tessa@astro.example' for p in posts)
    assert [p.text for p in download(f'archive:{z}', include_private=True)[1]] == ['', 'Direct', 'Followers only', 'Unlisted reply', 'Public & https://t.example/a']
    (tmp_path/'unpacked').mkdir(); zipfile.ZipFile(z).extractall(tmp_path/'unpacked')
    assert read_archive(tmp_path/'unpacked') == (profile, posts)
    inside = write_zip(tmp_path/'b.zip', {'archive/outbox.json': json.dumps(outbox())})   # no actor.json: the handle from the activities
    assert read_archive(inside)[0] == Profile('tessa@astro.example', 'tessa', 'mastodon')


def test_mastodon_archive_damaged(tmp_path):
    z = write_zip(tmp_path/'a.zip', {'outbox.json': '{"orderedItems": [{"type": "Create",', 'actor.json': json.dumps(ACTOR)})
    msg = errmsg(download, f'archive:{z}')
    assert msg.startswith(f'archive:{z}: outbox.json is not valid JSON (line 1, column 37') and 'request a new archive from your server' in msg
    assert "outbox.json holds no list of activities ('orderedItems')" in errmsg(read_archive, write_zip(tmp_path/'b.zip', {'outbox.json': '[1, 2]'}))
    assert 'actor.json is not valid JSON' in errmsg(read_archive, write_zip(tmp_path/'c.zip', {'outbox.json': json.dumps(outbox()), 'actor.json': '{'}))
    bad = outbox(); del bad['orderedItems'][0]['object']['published']
    assert "item 1 of outbox.json is not an activity Mastodon writes (bad or missing 'published')" in errmsg(read_archive, write_zip(tmp_path/'d.zip', {'outbox.json': json.dumps(bad)}))
    only_private = {'orderedItems': [activity(3, '<p>Followers only</p>', [FOLLOWERS])]}
    assert 'has no posts' in errmsg(download, f"archive:{write_zip(tmp_path/'e.zip', {'outbox.json': json.dumps(only_private)})}")
    (tmp_path/'f').mkdir(); (tmp_path/'f'/'outbox.json').write_bytes(b'\xff{}')
    assert 'outbox.json is not UTF-8 text (byte 1)' in errmsg(read_archive, tmp_path/'f')


# ---------------------------------------------------------------- issue 13: files as scrapers write them

def test_files_usual_names_in_any_case(tmp_path):
    (tmp_path/'a.csv').write_text('ID,Time,Tweet,Username\n1,2024-05-10T22:00:00Z,hello there,@olu\n2,1715379243512,"two\nlines, kept",@olu\n')
    profile, posts = read_file(tmp_path/'a.csv')
    assert profile == Profile('olu', 'olu', 'file')
    assert [(p.id, p.text, p.created_at) for p in posts] == [('2', 'two\nlines, kept', datetime(2024, 5, 10, 22, 14, 3, 512000, tzinfo=timezone.utc)),
                                                             ('1', 'hello there', datetime(2024, 5, 10, 22, tzinfo=timezone.utc))]
    (tmp_path/'b.json').write_text(json.dumps([{'rawContent': 'snscrape text', 'date': '2023-01-02T03:04:05+00:00', 'user': {'username': 'olu', 'displayname': 'Olu'},
                                                'inReplyToTweetId': 5, 'retweetedTweet': None}]))
    profile, posts = read_file(tmp_path/'b.json')
    assert profile.handle == 'olu' and [(p.text, p.is_reply, p.is_repost) for p in posts] == [('snscrape text', True, False)]
    (tmp_path/'c.csv').write_text('date,time,tweets,retweet\n2020-01-11,21:50:59,first,False\n2020-01-12,08:00:00,second,True\n')
    assert [(p.text, p.created_at.hour, p.is_repost) for p in read_file(tmp_path/'c.csv')[1]] == [('second', 8, True), ('first', 21, False)]
    (tmp_path/'d.csv').write_text('when,msg\n2020-01-11 10:00,hi\n')
    assert read_file(tmp_path/'d.csv', text_field='msg', time_field='WHEN')[1][0].created_at == datetime(2020, 1, 11, 10, tzinfo=timezone.utc)
    assert "no 'posted' field in row 1 (it has when, msg). Name the field that holds the post's time: --time-field NAME" in errmsg(read_file, tmp_path/'d.csv', 'msg', None, 'posted')


def test_files_handle_never_empty(tmp_path):
    (tmp_path/'my posts!.json').write_text(json.dumps([{'text': 'no author here'}]))
    assert read_file(tmp_path/'my posts!.json')[0].handle == 'my_posts'
    (tmp_path/'two.jsonl').write_text('{"text": "a", "author": "olu"}\n{"text": "b", "author": "tessa"}\n')
    assert read_file(tmp_path/'two.jsonl')[0].handle == 'two'
    (tmp_path/'some.jsonl').write_text('{"text": "a", "author": "olu"}\n{"text": "b"}\n')
    assert read_file(tmp_path/'some.jsonl')[0].handle == 'some'
    assert download(f"file:{tmp_path/'two.jsonl'}", handle='@both')[0] == Profile('both', 'both', 'file')
    assert all(p.author == 'both' for p in download(f"file:{tmp_path/'two.jsonl'}", handle='both')[1])


def test_files_bytes_literals_reposts_and_replies(tmp_path):
    rows = [{'created_at': '2019-04-01 10:00:00', 'text': "b'@user Good question \\xe2\\x80\\xa6'", 'in_reply_to_screen_name': 'user'},
            {'created_at': '2019-04-01 09:00:00', 'text': "b'RT @nasa: Look up \\xf0\\x9f\\x94\\xad'"},
            {'created_at': '2019-04-01 08:00:00', 'text': 'b"it\'s fine"', 'in_reply_to_user_id_str': None},
            {'created_at': '2019-04-01 07:00:00', 'text': "b'not \\x closed", 'in_reply_to_status_id': 'nan'}]
    (tmp_path/'dump.json').write_text(json.dumps(rows))
    assert [(p.text, p.is_repost, p.is_reply) for p in read_file(tmp_path/'dump.json')[1]] == [
        ('@user Good question …', False, True), ('RT @nasa: Look up 🔭', True, False), ("it's fine", False, False), ("b'not \\x closed", False, False)]
    (tmp_path/'plain.txt').write_text("b'day to you'\nand a normal post\n")
    assert [p.text for p in read_file(tmp_path/'plain.txt')[1]] == ["b'day to you'", 'and a normal post']
    (tmp_path/'t.csv').write_text('id,text,tweet_type,in_reply_to_user_id,Retweet from\n1,@a quote,quote,99,\n2,@a reply,reply,99,\n3,shared,original,,nasa\n')
    assert [(p.id, p.is_reply, p.is_repost) for p in read_file(tmp_path/'t.csv')[1]] == [('1', False, False), ('2', True, False), ('3', False, True)]


def test_files_and_archives_are_not_cut_at_3200(tmp_path):
    (tmp_path/'many.csv').write_text('text,created_at\n' + ''.join(f'post {i},{1600000000 + i}\n' for i in range(4225)))
    assert len(download(f"file:{tmp_path/'many.csv'}")[1]) == 4225
    assert [p.text for p in download(f"file:{tmp_path/'many.csv'}", max_posts=2)[1]] == ['post 4224', 'post 4223']
    assert len(read_archive(make_car(tmp_path/'big.car', DID, repo_records(3300)))[1]) == 3302
    assert sources.API_MAX_POSTS == 3200
    assert 'max_posts must be a whole number' in errmsg(download, 'archive:sample', max_posts=True)


def test_files_name_an_archive(tmp_path):
    car = make_car(tmp_path/'r.car', DID, repo_records())
    assert f'a .car file is an archive, not a file of posts: name it archive:{car}' in errmsg(download, f'file:{car}')


def test_cli_train_passes_the_reading_options(tmp_path, monkeypatch):
    "train gathers with the reading options, then trains and finishes as make_bot does (both stand-ins here: no training in this file)"
    from huggingtweets import bot, cli
    calls = []
    monkeypatch.setattr(bot, 'train_bot', lambda accounts, out, **kw: calls.append((accounts, out, kw)) or tmp_path/'bot')
    monkeypatch.setattr(bot, 'finish_bot', lambda b, **kw: calls.append((b, kw)))
    (tmp_path/'olu.csv').write_text('msg\n' + ''.join(f'Post number {i} about the northern sky\n' for i in range(30)))
    assert cli.main(['train', f"file:{tmp_path/'olu.csv'}", '--text-field', 'msg', '--handle', 'olu', '--seed', '7', '-o', str(tmp_path/'b')]) == 0
    (accounts, out, kw), (b, fin) = calls
    assert [a.handle for a in accounts] == ['olu'] and len(accounts[0].posts) == 30 and out == tmp_path/'b'
    assert kw['seed'] == 7 and kw['base_model'] == 'embedded' and fin == {'seed': 7, 'hub_id': None} and b == tmp_path/'bot'
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
    z = write_zip(tmp_path/'m.zip', {'outbox.json': json.dumps(outbox()), 'actor.json': json.dumps(ACTOR)})
    assert main(['download', f'archive:{z}', '--include-private', '--json']) == 0
    assert json.loads(capsys.readouterr().out)[0]['downloaded'] == 5


# ---------------------------------------------------------------- issue 13: X edits, Bluesky facets and reposted replies, Mastodon hosts

def test_x_archive_edited_post_counts_once_as_its_last_version(tmp_path):
    ids = ['10', '11', '12']
    first = tweet(10, 'Clear skeis', 'Sun Dec 31 14:00:00 +0000 2023', edit_info={'initial': {'editTweetIds': ids, 'editsRemaining': '3'}})
    edits = [tweet(int(i), t, w, edit_info={'edit': {'initialTweetId': '10', 'editControlInitial': {'editTweetIds': ids}}})
             for i,t,w in [('11', 'Clear skies', 'Sun Dec 31 14:02:00 +0000 2023'), ('12', 'Clear skies tonight!', 'Sun Dec 31 14:05:00 +0000 2023')]]
    plain = tweet(13, 'Never edited', 'Sun Dec 31 15:00:00 +0000 2023', edit_info={'initial': {'editTweetIds': ['13']}})
    z = write_zip(tmp_path/'e.zip', {'data/account.js': ACCOUNT_JS, 'data/tweets.js': js('tweets', [edits[1], plain, first, edits[0]])})
    assert [(p.id, p.text) for p in read_archive(z)[1]] == [('13', 'Never edited'), ('12', 'Clear skies tonight!')]


def test_x_archive_edited_long_post_keeps_its_note(tmp_path):
    long = 'A very long post about rye and comets, with more to say. ' * 8
    ids = ['20', '21']
    v1 = tweet(20, long[:200] + '… https://t.co/AbC', 'Tue Jan 02 10:00:00 +0000 2024', edit_info={'initial': {'editTweetIds': ids}})
    v2 = tweet(21, 'Edited: ' + long[:190] + '… https://t.co/XyZ', 'Tue Jan 02 10:10:00 +0000 2024', edit_info={'edit': {'initialTweetId': '20'}})
    notes = [{'noteTweet': {'createdAt': '2024-01-02T10:00:00.000Z', 'core': {'text': long}}},
             {'noteTweet': {'createdAt': '2024-01-02T10:10:00.000Z', 'core': {'text': 'Edited: ' + long}}}]
    z = write_zip(tmp_path/'n.zip', {'data/account.js': ACCOUNT_JS, 'data/tweets.js': js('tweets', [v2, v1]), 'data/note-tweet.js': js('note_tweet', notes)})
    assert [(p.id, p.text) for p in read_archive(z)[1]] == [('21', 'Edited: ' + long)]


def test_bsky_feed_uses_facet_links_and_a_reposted_reply_is_a_repost(cache):
    body = json.loads((FIXTURES/'bsky_feed.json').read_text())
    feed = [x for x in body if 'getAuthorFeed' in x['url']][0]['body']['feed']
    item = json.loads(json.dumps(feed[0]))
    item['post']['record'] = post('Read en.wikipedia.org/wiki/Aur...', '2024-05-10T22:00:00Z', reply=True, links=[('en.wikipedia.org/wiki/Aur...', 'https://en.wikipedia.org/wiki/Aurora')])
    item['reason'] = {'$type': 'app.bsky.feed.defs#reasonRepost', 'indexedAt': '2024-05-11T00:00:00Z', 'uri': 'at://did:plc:me/app.bsky.feed.repost/1'}
    mine = json.loads(json.dumps(feed[0])); mine['post']['record'] = post('my own reply', '2024-05-10T21:00:00Z', reply=True); mine.pop('reason', None)
    posts, _ = apis._bsky_page({'feed': [item, mine]}, 'olu.bsky.social')
    assert [(p.text, p.is_repost, p.is_reply) for p in posts] == [('Read https://en.wikipedia.org/wiki/Aurora', True, False), ('my own reply', False, True)]
    flagged = [Post('1', 'x', posts[0].created_at, 'o', 'file', is_repost=True, is_reply=True), Post('2', 'y', posts[0].created_at, 'o', 'file', is_reply=True)]
    assert download_summary(Profile('o', 'o', 'file'), flagged)['replies'] == 1


def test_mastodon_on_any_host():
    for spec, server in [('@me@localhost:3000', 'localhost:3000'), ('me@192.168.1.20', '192.168.1.20'), ('mastodon:@me@[::1]:3000', '[::1]:3000'), ('@me@box', 'box')]:
        assert sources.parse_account(spec) == sources.Account('mastodon', 'me', server)
    with responses.RequestsMock() as rsps:
        rsps.get('http://localhost:3000/api/v1/accounts/lookup', json={'id': '1', 'username': 'me', 'display_name': 'Me', 'statuses_count': 1})
        rsps.get('http://localhost:3000/api/v1/accounts/1/statuses', json=[{'id': '9', 'created_at': '2024-05-10T22:00:00Z', 'content': '<p>local post</p>'}])
        profile, posts = download('@me@localhost:3000', progress=False)
    assert profile.handle == 'me@localhost:3000' and [p.text for p in posts] == ['local post']


# ---------------------------------------------------------------- issue 13: the real exports beside the project, against counts made here

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

"""Every reader, fuzzed with Hypothesis (issues 12 and 13): X archives (zip and folder, with `tweets.js`, `note-tweet.js`,
`account.js` and `profile.js` of any shape), Bluesky repository exports (CAR files of records of any shape, and damaged
bytes), Mastodon archives (outbox and actor of any shape, zip and folder), posts files (CSV, JSON, JSONL, TXT, with the
field names of scrapers), and the Bluesky, Mastodon and X parsers of one reply, alone and behind HTTP. Fields come missing, null, wrongly typed or oversized. Whatever comes in,
a reader gives well-formed posts or raises `HuggingTweetsError` with a one-line message, never another exception, and
within the deadline. The `ci` profile is derandomized (the same examples on every run, so CI never flakes) and keeps no
example database; `HYPOTHESIS_PROFILE=dev` explores new examples, more of them."""
import contextlib, csv, html, io, json, math, os, re, tempfile, zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
import pytest, responses
from hypothesis import HealthCheck, event, given, settings, strategies as st
from huggingtweets.core import HuggingTweetsError
from huggingtweets.posts import Post, Profile, parse_time, bsky_text
from huggingtweets.sources import Account, download
from huggingtweets.archives import read_archive, read_bsky_car, read_mastodon_archive, _stem, _with_notes
from huggingtweets.files import read_file
from huggingtweets.apis import _bsky_page, _bsky_profile, _mastodon_page, _mastodon_profile, _x_page, _x_profile
from huggingtweets.testing import car_bytes

settings.register_profile('ci', derandomize=True, database=None, deadline=timedelta(seconds=5), max_examples=60, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
settings.register_profile('dev', parent=settings.get_profile('ci'), derandomize=False, max_examples=600)
settings.load_profile(os.environ.get('HYPOTHESIS_PROFILE', 'ci'))


def examples(n:int)->int:
    "`n` examples under the ci profile, ten times as many under dev"
    return n * settings.default.max_examples // 60


@pytest.fixture(autouse=True, scope='module')
def cache():
    "One cache folder for the module: the downloads below all refresh"
    with tempfile.TemporaryDirectory() as d:
        old = os.environ.get('HUGGINGTWEETS_CACHE')
        os.environ['HUGGINGTWEETS_CACHE'] = d
        yield
        if old is None: del os.environ['HUGGINGTWEETS_CACHE']
        else: os.environ['HUGGINGTWEETS_CACHE'] = old


# ---------------------------------------------------------------- what readers must give

CONTROLS = re.compile('[\x00-\x08\x0b-\x1f\x7f-\x9f]')
BIDI = re.compile('[\u202a-\u202e\u2066-\u2069]')


def valid(s:str, name=False)->bool:
    "Whether `s` is text every later stage can write: valid Unicode, no control characters but newline and tab; a name on one line, without bidi controls"
    s.encode('utf-8')  # raises on a lone surrogate
    return not CONTROLS.search(s) and not (name and (BIDI.search(s) or '\n' in s or '\t' in s))


def well_formed(posts):
    "Posts the later stages can trust"
    for p in posts:
        assert isinstance(p, Post) and all(isinstance(v, str) for v in (p.id, p.text, p.author, p.source))
        assert valid(p.id) and valid(p.text) and valid(p.author, name=True), p
        assert isinstance(p.created_at, datetime) and p.created_at.tzinfo is not None
        assert isinstance(p.is_repost, bool) and isinstance(p.is_reply, bool)
        assert Post.from_dict(json.loads(json.dumps(p.to_dict()))) == p
    sorted(posts, key=lambda p: p.created_at)


def profile_ok(p):
    assert isinstance(p, Profile) and isinstance(p.handle, str) and isinstance(p.name, str)
    assert valid(p.handle, name=True) and valid(p.name, name=True), p
    assert p.avatar_url is None or p.avatar_url.startswith('https://')


def outcome(f, *a, **kw):
    "`f(*a, **kw)`, which must return or raise `HuggingTweetsError` with a one-line message"
    try: got = f(*a, **kw)
    except HuggingTweetsError as e:
        msg = str(e)
        assert msg and '\n' not in msg and '\r' not in msg and len(msg) < 1200, msg
        event(f'{f.__name__}: error')  # --hypothesis-show-statistics tells how often each reader got through
        return None
    event(f'{f.__name__}: ok')
    return got


# ---------------------------------------------------------------- values: good, missing, null, wrongly typed, oversized

big = st.tuples(st.sampled_from([' ', 'a', '…', '<a ', '<a b="', '<!--', '<![CDATA[', '&amp;', 'https://t.co/x ', '\n', '"', '[', '{', '\\', '<', '9', 'é🥖']),
                st.integers(1, 200_000), st.sampled_from(['', 'x', '>'])).map(lambda t: t[0] * t[1] + t[2])  # a run, and what ends it
junk = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(), st.text(max_size=12),
                 st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=4), st.integers(), max_size=3), big)
good_when = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=-11)), timezone(timedelta(hours=14))]))
times = st.one_of(good_when.map(lambda d: d.strftime('%a %b %d %H:%M:%S %z %Y')), good_when.map(lambda d: d.isoformat()),
                  good_when.map(lambda d: d.isoformat().replace('+00:00', 'Z')), st.integers(0, 2**32),
                  st.sampled_from(['0001-01-01T00:00:00+01:00', '9999-12-31T23:59:59-01:00', '', 'nan', '99999999999', 'Sun Dec 31 14:36:59 +2500 2023']),
                  st.integers(-2**40, 2**40), st.floats())
hostile = st.one_of(st.text(st.characters(exclude_categories=()), max_size=40),  # lone surrogates among them
                    st.sampled_from(['… cut \ud83d', '\udc00 tail', 'nul\x00here', '\u202eevil\u202c', '\u2066x\u2069', 'a\r\nb\rc', '\x1b[31mred']))
texts = st.one_of(st.text(max_size=300), big, hostile, st.sampled_from(['RT @olu: hi', '', 'Long post about rye… https://t.co/AbC']))
html_texts = st.one_of(texts, st.lists(st.sampled_from(['<p>', '</p>', '<br>', '<a href="https://x.example/">', '</a>', '<span class="invisible">', '</span>',
                                                        'hi', ' ', '&amp;', '&#', '<', '>', '<!--', '-->', '<![CDATA[', '<a b="', '<?x', '"']), max_size=40).map(''.join))
ids = st.one_of(st.integers(0, 2**63).map(str), st.integers(0, 2**63), st.text(max_size=8))
urls = st.one_of(st.just('https://cdn.example/a.jpg'), st.text(max_size=20))


@st.composite
def obj(draw, **fields):
    "Objects of `fields`: half of them good, the others with up to three fields missing, null, or junk (wrongly typed, oversized)"
    broken = set(draw(st.lists(st.sampled_from(list(fields)), max_size=3))) if draw(st.booleans()) else set()
    out = {}
    for k,v in fields.items():
        how = draw(st.sampled_from(['missing', 'null', 'junk'])) if k in broken else 'good'
        if how != 'missing': out[k] = draw(v) if how == 'good' else None if how == 'null' else draw(junk)
    return out


@st.composite
def either(draw, values):
    "`values`, or one time in ten junk where they belong"
    return draw(junk) if draw(st.integers(0, 9)) == 0 else draw(values)


# ---------------------------------------------------------------- X archives, zip and folder

tweet = obj(id_str=ids, id=ids, created_at=times, full_text=texts, text=texts, in_reply_to_status_id_str=ids, in_reply_to_status_id=ids)
tweets = st.lists(either(st.one_of(tweet.map(lambda t: {'tweet': t}), tweet)), max_size=8)
notes = st.lists(either(st.one_of(obj(createdAt=times, core=obj(text=texts)).map(lambda n: {'noteTweet': n}), obj(createdAt=times, core=obj(text=texts)))), max_size=4)
accounts = either(st.lists(either(st.fixed_dictionaries({'account': obj(username=st.text(min_size=1, max_size=20), accountDisplayName=texts)})), min_size=1, max_size=2))
profiles = either(st.lists(either(st.fixed_dictionaries({'profile': obj(avatarMediaUrl=urls)})), max_size=2))


@st.composite
def js(draw, name, values):
    "The text of an archive file holding `values`: mostly as X writes it; else bare JSON, cut short, or anything"
    written = f'window.YTD.{name}.part0 = ' + json.dumps(draw(values))
    how = draw(st.integers(0, 9))
    if how < 6: return written
    if how == 6: return json.dumps(draw(values))
    if how == 7: return written[:draw(st.integers(0, len(written)))]
    return draw(st.text(max_size=60)) if how == 8 else draw(st.binary(max_size=40))


@st.composite
def matching(draw):
    "tweets.js and note-tweet.js whose notes lengthen some of the tweets, as real archives' do"
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    base = draw(st.lists(st.tuples(texts, st.integers(0, 600)), max_size=8))
    ts = [{'tweet': {'id_str': str(i), 'created_at': (start + timedelta(seconds=s)).strftime('%a %b %d %H:%M:%S +0000 %Y'),
                     'full_text': t[:200] + '… https://t.co/x'}} for i,(t,s) in enumerate(base)]
    ns = []
    for t,s in draw(st.lists(st.sampled_from(base), max_size=4)) if base else []:
        ns.append({'noteTweet': {'createdAt': (start + timedelta(seconds=s + draw(st.integers(-70, 70)))).isoformat(), 'core': {'text': t + draw(texts)}}})
    return {'tweets.js': 'window.YTD.tweets.part0 = ' + json.dumps(ts), 'note-tweet.js': 'window.YTD.note_tweet.part0 = ' + json.dumps(ns)}


archive_files = st.one_of(
    st.fixed_dictionaries({'account.js': js('account', accounts), 'tweets.js': js('tweets', tweets)},
                          optional={'tweets-part1.js': js('tweets', tweets), 'tweet.js': js('tweet', tweets), 'note-tweet.js': js('note_tweet', notes),
                                    'profile.js': js('profile', profiles)}),
    st.tuples(js('account', accounts), matching(), js('profile', profiles)).map(lambda t: {'account.js': t[0], **t[1], 'profile.js': t[2]}))


def write_archive(root:Path, files:dict, as_zip:bool, inside:str)->Path:
    "The archive `files` as a zip or a folder, its `data` folder under `inside`"
    raw = {f'{inside}data/{k}': v.encode() if isinstance(v, str) else v for k,v in files.items()}
    if as_zip:
        with zipfile.ZipFile(root/'a.zip', 'w') as z:
            for k,v in raw.items(): z.writestr(k, v)
        return root/'a.zip'
    for k,v in raw.items(): (root/'a'/k).parent.mkdir(parents=True, exist_ok=True); (root/'a'/k).write_bytes(v)
    return root/'a'


@given(files=archive_files, as_zip=st.booleans(), inside=st.sampled_from(['', 'twitter-2024/']))
@settings(max_examples=examples(400))
def test_archive(files, as_zip, inside):
    with tempfile.TemporaryDirectory() as d:
        got = outcome(read_archive, write_archive(Path(d), files, as_zip, inside))
    if got: profile_ok(got[0]); well_formed(got[1])


@pytest.fixture(scope='module')
def good_zips():
    "A small real archive, zipped with each compression method zipfile writes"
    files = {'data/account.js': 'window.YTD.account.part0 = [{"account": {"username": "goldie"}}]',
             'data/tweets.js': 'window.YTD.tweets.part0 = ' + json.dumps([{'tweet': {'id_str': str(i), 'created_at': 'Sun Dec 31 14:36:59 +0000 2023',
                                                                                      'full_text': f'post {i} ' * 20}} for i in range(30)])}
    out = []
    for method in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA):
        b = io.BytesIO()
        with zipfile.ZipFile(b, 'w', method) as z:
            for k,v in files.items(): z.writestr(k, v)
        out.append(b.getvalue())
    return out


@given(which=st.integers(0, 3), flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=6), cut=st.integers(0, 10**6))
@settings(max_examples=examples(300))
def test_damaged_zip(good_zips, which, flips, cut):
    b = bytearray(good_zips[which])
    for at, v in flips: b[at % len(b)] = v
    with tempfile.TemporaryDirectory() as d:
        (Path(d)/'a.zip').write_bytes(bytes(b[:max(22, cut % (len(b) + 1))] if cut % 3 == 0 else b))
        got = outcome(read_archive, Path(d)/'a.zip')
    if got: profile_ok(got[0]); well_formed(got[1])


# ---------------------------------------------------------------- the note merge: linear, and the same as before

def old_stem(text):
    return html.unescape(re.sub(r'\s*(…|\.\.\.)?\s*(https://t\.co/\w+)?\s*$', '', text))


def old_with_notes(posts, notes):
    "The quadratic merge `_with_notes` replaced, kept to check that it gives the same"
    out = list(posts)
    for n in notes:
        n = n.get('noteTweet', n)
        text, when = n['core']['text'], parse_time(n['createdAt'])
        for i,p in enumerate(out):
            stem = old_stem(p.text)[:80]
            if len(stem) >= 10 and abs((p.created_at - when).total_seconds()) < 60 and html.unescape(text).startswith(stem):
                out[i] = Post(p.id, text, p.created_at, p.author, p.source, p.is_repost, p.is_reply)
                break
    return out


pieces = st.lists(st.sampled_from(['Stars', ' ', '  ', 'bread', '…', '...', '.', ' https://t.co/ab', 'https://t.co/', '&amp;', '&', 'x' * 12, '\n', '\u00a0']),
                  max_size=14).map(''.join)
T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
at = st.tuples(st.integers(0, 240), st.sampled_from([0, 1, -5])).map(lambda t: (T0 + timedelta(seconds=t[0])).astimezone(timezone(timedelta(hours=t[1]))))


@st.composite
def posts_and_notes(draw):
    posts = [Post(str(i), t, d, 'g', 'archive') for i,(t,d) in enumerate(draw(st.lists(st.tuples(pieces, at), max_size=25)))]
    made = []
    for _ in range(draw(st.integers(0, 8))):
        if posts and draw(st.booleans()):   # a note that lengthens one of the posts (or one just like it)
            p = draw(st.sampled_from(posts))
            text, d = old_stem(p.text)[:draw(st.integers(0, 90))] + draw(pieces), p.created_at + timedelta(seconds=draw(st.integers(-61, 61)))
        else: text, d = draw(pieces), draw(at)
        made.append({'noteTweet': {'createdAt': d.isoformat(), 'core': {'text': text}}})
    return posts, made


@given(posts_and_notes())
@settings(max_examples=examples(600))
def test_notes_merge_as_before(pn):
    posts, notes = pn
    assert _with_notes(posts, notes) == old_with_notes(posts, notes)


@given(pieces)
@settings(max_examples=examples(600))
def test_stem_as_before(text):
    assert _stem(text) == old_stem(text)


# ---------------------------------------------------------------- posts files

bytes_literals = st.one_of(st.binary(max_size=40).map(repr), st.text(max_size=20).map(lambda t: repr(t.encode())), st.sampled_from(["b'", 'b""', "b'\\x'", "b'RT @a: \\xf0\\x9f'"]))
rows = st.lists(either(obj(text=texts, full_text=texts, content=html_texts, msg=texts, created_at=times, date=times, timestamp=times, id=ids,
                           author=texts, username=texts, is_retweet=st.booleans(), is_reply=st.sampled_from(['true', '0', 'yes']), in_reply_to_status_id=ids,
                           Tweet=st.one_of(texts, bytes_literals), Time=times, time=st.sampled_from(['10:00:00', '25:99', '']), tweet_type=st.sampled_from(['reply', 'retweet', 'quote', '']),
                           user=st.one_of(texts, obj(screen_name=texts, username=texts, name=texts)), user_name=texts, retweetedTweet=junk,
                           in_reply_to_user_id_str=ids, **{'Retweet from': texts})),
                max_size=6)


def csv_text(rs):
    "The rows as CSV, with a header of every field any row has"
    dicts = [r for r in rs if isinstance(r, dict)]
    fields = sorted({k for r in dicts for k in r})
    out = io.StringIO(); w = csv.DictWriter(out, fields); w.writeheader()
    for r in dicts: w.writerow({k: json.dumps(v) if isinstance(v, (list, dict)) else v for k,v in r.items()})
    return out.getvalue()


file_texts = st.one_of(
    st.tuples(st.just('.json'), st.one_of(rows.map(json.dumps), rows.map(lambda r: json.dumps({'meta': 1, 'posts': r})), junk.map(json.dumps))),
    st.tuples(st.just('.jsonl'), rows.map(lambda rs: '\n'.join(json.dumps(r) for r in rs))),
    st.tuples(st.just('.csv'), rows.map(csv_text)),
    st.tuples(st.just('.txt'), st.one_of(texts, st.lists(texts, max_size=5).map('\n'.join))),
    st.tuples(st.sampled_from(['.json', '.jsonl', '.csv', '.txt', '.ndjson', '.xlsx', '']), st.one_of(st.text(max_size=80), big, st.binary(max_size=80))))


@given(ft=file_texts, field=st.one_of(st.none(), st.sampled_from(['text', 'msg', 'content', 'nope', 'TWEET'])), cut=st.one_of(st.none(), st.integers(0, 300)),
       time_field=st.one_of(st.none(), st.sampled_from(['Time', 'date', 'nope'])), handle=st.one_of(st.none(), st.text(max_size=8)))
@settings(max_examples=examples(400))
def test_file(ft, field, cut, time_field, handle):
    suffix, text = ft
    data = text.encode('utf-8', 'surrogatepass') if isinstance(text, str) else text  # a lone surrogate in a .txt or .csv: bytes that are not UTF-8
    with tempfile.TemporaryDirectory() as d:
        (Path(d)/f'posts{suffix}').write_bytes(data[:cut] if cut is not None else data)
        got = outcome(read_file, Path(d)/f'posts{suffix}', field, None, time_field, handle)
    if got: profile_ok(got[0]); well_formed(got[1]); assert got[0].handle


# ---------------------------------------------------------------- one reply of each network source

rarely = st.sampled_from([True] + [False] * 5)
BSKY, MASTODON, X = Account('bsky', 'olu.bsky.social'), Account('mastodon', 'tessa', 'astro.example'), Account('x', 'ferncrumb')
repost, pin = 'app.bsky.feed.defs#reasonRepost', 'app.bsky.feed.defs#reasonPin'
bsky_item = obj(post=obj(uri=st.text(max_size=20), indexedAt=times, record=obj(text=texts, createdAt=times, reply=st.just({}))),
                reason=obj(**{'$type': st.sampled_from([repost, pin]), 'indexedAt': times, 'uri': st.text(max_size=20)}))
bsky_feed = either(obj(feed=st.lists(either(bsky_item), max_size=5), cursor=st.text(max_size=10)))
bsky_actor = either(obj(handle=st.text(max_size=20), did=st.text(max_size=20), displayName=texts, avatar=urls, postsCount=st.integers(-5, 10**12),
                        labels=st.lists(either(obj(val=st.sampled_from(['!no-unauthenticated'] + ['spam'] * 5))), max_size=2)))
status = obj(id=ids, created_at=times, content=html_texts, reblog=st.one_of(st.none(), obj(content=html_texts)), in_reply_to_id=ids)
statuses = either(st.lists(either(status), max_size=5))
mastodon_account = either(obj(id=ids, username=st.text(max_size=20), display_name=texts, avatar=urls, statuses_count=st.integers(-5, 10**9),
                              locked=rarely, suspended=rarely))
x_errors = st.lists(either(obj(type=st.sampled_from(['https://api.twitter.com/2/problems/resource-not-found', 'https://api.twitter.com/2/problems/not-authorized-for-resource', 'x']),
                               detail=texts, title=texts)), max_size=2)
x_tweet = obj(id=ids, text=texts, created_at=times, note_tweet=obj(text=texts), referenced_tweets=st.lists(either(obj(type=st.sampled_from(['retweeted', 'replied_to', 'quoted']))), max_size=2))
x_tweets = either(obj(data=st.lists(either(x_tweet), max_size=5), errors=x_errors, meta=obj(next_token=st.text(max_size=10))))
x_user = either(obj(data=obj(id=ids, username=st.text(max_size=20), name=texts, profile_image_url=urls, protected=rarely,
                             public_metrics=obj(tweet_count=st.integers(-5, 10**9))), errors=x_errors))


def page_ok(got):
    if got is None: return
    posts, cursor = got if isinstance(got, tuple) else (got, None)
    well_formed(posts)
    assert cursor is None or isinstance(cursor, str) and cursor


def lookup_ok(got):
    if got is None: return
    profile_ok(got[0]); assert isinstance(got[1], str) and (got[2] is None or isinstance(got[2], int) and got[2] >= 0)


@given(bsky_feed, bsky_actor)
@settings(max_examples=examples(400))
def test_bsky_reply(feed, actor):
    page_ok(outcome(_bsky_page, feed, BSKY.name)); lookup_ok(outcome(_bsky_profile, actor, BSKY))


@given(statuses, mastodon_account)
@settings(max_examples=examples(400))
def test_mastodon_reply(page, account):
    page_ok(outcome(_mastodon_page, page, 'tessa@astro.example')); lookup_ok(outcome(_mastodon_profile, account, MASTODON))


@given(x_tweets, x_user)
@settings(max_examples=examples(400))
def test_x_reply(page, user):
    page_ok(outcome(_x_page, page, X)); lookup_ok(outcome(_x_profile, user, X))


# ---------------------------------------------------------------- the same behind HTTP: any status, headers and body

statuses_http = st.sampled_from([200, 200, 200, 400, 401, 403, 404, 410, 418, 429, 500, 503])
headers = obj(**{'ratelimit-reset': st.integers(0, 2**40).map(str), 'X-RateLimit-Reset': times.map(str), 'x-rate-limit-reset': st.integers(0, 2**40).map(str),
                 'Link': st.sampled_from(['<https://astro.example/api/v1/accounts/1/statuses?max_id=1>; rel="next"', '<http://x>; rel="next"', 'junk;;=', '<>'])}
             ).map(lambda h: {k: ' '.join(str(v).split())[:200].encode('ascii', 'replace').decode() for k,v in h.items()})


@st.composite
def reply(draw, bodies):
    "A reply: mostly 200 with one of `bodies`; else any status, headers, and any JSON or bytes"
    status = 200 if draw(st.integers(0, 3)) else draw(statuses_http)
    how = draw(st.integers(0, 9))
    body = json.dumps(draw(bodies)) if how < 8 else json.dumps(draw(junk)) if how == 8 else draw(st.binary(max_size=60))
    return status, draw(headers), body


def served(spec, lookup, page, **kw):
    "Download `spec` from a server that answers each lookup with `lookup` and each page with `page`, (status, headers, body) each"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        for url, (status, hdrs, body) in ((LOOKUP, lookup), (PAGE, page)):
            rsps.add(responses.GET, url, status=status, headers=hdrs, body=body.encode() if isinstance(body, str) else body, content_type='application/json')
        got = outcome(download, spec, refresh=True, wait=False, progress=False, **kw)
    if got: profile_ok(got[0]); well_formed(got[1])


LOOKUP = re.compile(r'https://[^/]+/(xrpc/app\.bsky\.actor\.getProfile|api/v1/accounts/lookup|2/users/by/username/).*')
PAGE = re.compile(r'https://.*')


@given(reply(bsky_actor), reply(bsky_feed))
@settings(max_examples=examples(250))
def test_bsky_over_http(lookup, page): served('bsky:olu.bsky.social', lookup, page)


@given(reply(mastodon_account), reply(statuses))
@settings(max_examples=examples(250))
def test_mastodon_over_http(lookup, page): served('@tessa@astro.example', lookup, page)


@given(reply(x_user), reply(x_tweets))
@settings(max_examples=examples(250))
def test_x_over_http(lookup, page): served('@ferncrumb', lookup, page, bearer_token='t')


# ---------------------------------------------------------------- Bluesky repository exports (CAR)

facet = obj(index=obj(byteStart=st.integers(-3, 300), byteEnd=st.integers(-3, 300)),
            features=st.lists(either(obj(**{'$type': st.sampled_from(['app.bsky.richtext.facet#link', 'app.bsky.richtext.facet#mention']),
                                            'uri': st.one_of(st.just('https://example.com/a'), st.text(max_size=12))})), max_size=2))
post_record = obj(**{'$type': st.just('app.bsky.feed.post'), 'text': texts, 'createdAt': times, 'reply': st.one_of(st.just({'root': {}}), junk),
                     'facets': st.lists(either(facet), max_size=3), 'langs': st.just(['en'])})
rkeys = st.text('abcdefghijklmnopqrstuvwxyz234567', min_size=1, max_size=6)
records = st.dictionaries(st.tuples(st.sampled_from(['app.bsky.feed.post', 'app.bsky.feed.post', 'app.bsky.feed.repost', 'app.bsky.actor.profile',
                                                     'app.bsky.graph.follow', 'com.example.other', 'app.bsky.feed.post/x']), rkeys).map('/'.join),
                          either(st.one_of(post_record, obj(subject=st.just({'uri': 'at://x', 'cid': 'bafy'}), createdAt=times), obj(displayName=texts))), max_size=8)


def cbor_safe(v):
    "`v` with what DAG-CBOR can't hold (floats that are not finite, integers past 64 bits) made text"
    if isinstance(v, dict): return {str(k): cbor_safe(x) for k,x in v.items()}
    if isinstance(v, list): return [cbor_safe(x) for x in v]
    if isinstance(v, str): return v.encode('utf-8', 'replace').decode()  # CBOR text is UTF-8: no lone surrogates
    if isinstance(v, float) and v != v or v in (float('inf'), float('-inf')) or isinstance(v, int) and not isinstance(v, bool) and not -2**63 <= v < 2**64: return str(v)
    return v


@given(recs=records, version=st.sampled_from([3, 3, 2, 1, 'x']), fanout=st.integers(1, 5), name=st.sampled_from(['olu.bsky.social-20240101.car', 'repo.car', 'x']))
@settings(max_examples=examples(300))
def test_car(recs, version, fanout, name):
    with tempfile.TemporaryDirectory() as d:
        (Path(d)/name).write_bytes(car_bytes('did:plc:abc', cbor_safe(recs), version=version, fanout=fanout))
        got = outcome(read_archive, Path(d)/name)
    if got: profile_ok(got[0]); well_formed(got[1]); assert got[0].handle


@pytest.fixture(scope='module')
def good_car():
    recs = {f'app.bsky.feed.post/3k{i:02d}': {'$type': 'app.bsky.feed.post', 'text': f'post {i}', 'createdAt': '2024-05-10T22:14:03Z'} for i in range(20)}
    return car_bytes('did:plc:abc', {**recs, 'app.bsky.actor.profile/self': {'displayName': 'Olu'}})


@given(flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=6), cut=st.integers(0, 10**6))
@settings(max_examples=examples(300))
def test_damaged_car(good_car, flips, cut):
    b = bytearray(good_car)
    for at, v in flips: b[at % len(b)] = v
    with tempfile.TemporaryDirectory() as d:
        (Path(d)/'a.car').write_bytes(bytes(b[:cut % (len(b) + 1)] if cut % 3 == 0 else b))
        got = outcome(read_bsky_car, Path(d)/'a.car')
    if got: profile_ok(got[0]); well_formed(got[1])


@given(rec=st.one_of(post_record, junk))
@settings(max_examples=examples(400))
def test_bsky_text(rec):
    assert isinstance(bsky_text(rec) if isinstance(rec, dict) and isinstance(rec.get('text', ''), (str, type(None))) else '', str)


# ---------------------------------------------------------------- Mastodon archives

audience = st.lists(st.sampled_from(['https://www.w3.org/ns/activitystreams#Public', 'as:Public', 'https://a.example/users/t/followers', 'https://a.example/users/o']), max_size=2)
note = obj(id=st.text(max_size=20), type=st.sampled_from(['Note', 'Question', 'Image']), content=html_texts, published=times, inReplyTo=st.one_of(st.text(max_size=10), junk),
           to=audience, cc=audience)
activity = obj(id=st.text(max_size=20), type=st.sampled_from(['Create', 'Announce', 'Like', 'Delete']), published=times, to=audience, cc=audience,
               object=st.one_of(note, st.text(max_size=20)), actor=st.sampled_from(['https://a.example/users/t', 'http://[::1', '']))
outboxes = either(obj(type=st.just('OrderedCollection'), orderedItems=st.lists(either(activity), max_size=6)))
actors = either(obj(id=st.sampled_from(['https://a.example/users/t', 'http://[bad', '']), preferredUsername=st.text(max_size=10), name=texts, icon=obj(url=urls)))


@st.composite
def json_file(draw, values):
    "A JSON file's text: mostly `values`; else cut short, or anything"
    written = json.dumps(draw(values))
    how = draw(st.integers(0, 9))
    return written if how < 7 else written[:draw(st.integers(0, len(written)))] if how == 7 else draw(st.one_of(st.text(max_size=40), st.binary(max_size=40)))


@given(outbox=json_file(outboxes), actor=st.one_of(st.none(), json_file(actors)), as_zip=st.booleans(), inside=st.sampled_from(['', 'archive/']),
       private=st.booleans())
@settings(max_examples=examples(300))
def test_mastodon_archive(outbox, actor, as_zip, inside, private):
    files = {'outbox.json': outbox, **({'actor.json': actor} if actor is not None else {})}
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)/'a'
        if as_zip:
            with zipfile.ZipFile(Path(d)/'a.zip', 'w') as z:
                for k,v in files.items(): z.writestr(inside + k, v)
            root = Path(d)/'a.zip'
        else:
            root.mkdir()
            for k,v in files.items(): (root/k).write_bytes(v.encode() if isinstance(v, str) else v)
        got = outcome(read_mastodon_archive, root, None, private)
        if got: assert outcome(read_archive, root, None, private) == got
    if got: profile_ok(got[0]); well_formed(got[1]); assert got[0].handle


# ---------------------------------------------------------------- the web app's servers (issue 20)

from huggingtweets.wizard_parts import check_network

PRIVATE = ['10.0.0.0/8', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '0.0.0.0/8',
           '::1/128', 'fc00::/7', 'fe80::/64']  # IPv6 both bracketed and bare

@settings(max_examples=examples(60))
@given(st.sampled_from(PRIVATE).flatmap(lambda n: st.ip_addresses(network=n)), st.one_of(st.none(), st.integers(1, 65535)))
def test_the_app_sends_nothing_to_a_private_server(ip, port):
    "A Mastodon account on any address of this computer or its network is refused, before any request, in one line"
    host = f'[{ip}]' if ip.version == 6 and port is not None else str(ip)
    server = host if port is None else f'{host}:{port}'
    try: check_network(f'@x@{server}')
    except HuggingTweetsError as e:
        assert 'is on this computer or its private network' in str(e) and '\n' not in str(e); return
    from huggingtweets.sources import parse_account  # only an account the sources refuse anyway gets through
    with pytest.raises(HuggingTweetsError): parse_account(f'@x@{server}')


# ---------------------------------------------------------------- untrusted bot folders (issue 20)
# A bot folder can come from anyone: a download, a Hub repo, a colleague. Whatever it holds, generation either writes
# or stops with one clear line that names the file and what is wrong: never code that came with the folder, never
# pickled weights, never a generic error, never advice to switch a protection off.

from huggingtweets.botfolder import INFO, POSTS, bot_info, bot_posts, bot_separator, sampling_config
from huggingtweets.testing import tiny_bot
from huggingtweets.generate import generate

ADVICE_OFF = ('weights_only', 'trust_remote_code', 'report it', 'sentencepiece')  # what no message may say


@pytest.fixture(scope='module')
def template(tmp_path_factory):
    "One tiny bot that each case copies and spoils"
    return tiny_bot(tmp_path_factory.mktemp('bots')/'alice')


def spoiled(template:Path, tmp:Path, spoil)->Path:
    "A copy of `template` that `spoil(folder)` has changed"
    import shutil
    bot = Path(shutil.copytree(template, tmp/'bot'))
    spoil(bot)
    return bot


def edit_json(name:str, **fields):
    "A spoiler that sets `fields` in the folder's JSON file `name` (a value `...` removes the field)"
    def spoil(bot):
        data = json.loads((bot/name).read_text())
        data.update(fields)
        (bot/name).write_text(json.dumps({k: v for k, v in data.items() if v is not ...}))
    return spoil


def write(name:str, text:str):
    "A spoiler that writes `text` into the folder's file `name`"
    return lambda bot: (bot/name).write_text(text)


class Pwn:
    "A pickle that would leave a mark if it were ever unpickled"
    def __reduce__(self): return (Path.write_text, (Path(tempfile.gettempdir())/'huggingtweets-pwned', 'ran'))


def pickled_weights(bot):
    "The weights as a pickle (`pytorch_model.bin`) that runs code when loaded, and no safetensors"
    import torch
    from safetensors.torch import load_file
    weights = load_file(bot/'model.safetensors')
    (bot/'model.safetensors').unlink()
    torch.save({**weights, 'pwn': Pwn()}, bot/'pytorch_model.bin')


def remote_code(bot):
    "A config that asks for the folder's own modelling code, and the code"
    edit_json('config.json', auto_map={'AutoModelForCausalLM': 'modeling_pwn.PwnForCausalLM'})(bot)
    (bot/'modeling_pwn.py').write_text(f"from pathlib import Path\nPath({str(Path(tempfile.gettempdir())/'huggingtweets-pwned')!r}).write_text('ran')\n")


HOSTILE = {  # name: (how the folder is spoiled, what the message must say)
    'pickled weights': (pickled_weights, 'no weights in safetensors files'),
    'remote code': (remote_code, "asks to run the folder's own code"),
    'remote tokenizer code': (edit_json('tokenizer_config.json', auto_map={'AutoTokenizer': ['tok_pwn.Pwn', None]}), "asks to run the folder's own code"),
    'malformed tokenizer': (write('tokenizer.json', '{"version": "1.0", "truncation'), 'tokenizer.json is not valid JSON'),
    'empty tokenizer': (write('tokenizer.json', '{}'), 'tokenizer'),
    'missing tokenizer': (lambda bot: (bot/'tokenizer.json').unlink(), 'has no tokenizer'),
    'record is a list': (write(INFO, '[]'), f'{INFO} holds a list'),
    'record not JSON': (write(INFO, '{"name": "alice",'), f'{INFO} is not valid JSON'),
    'separator a number': (edit_json(INFO, separator=123), "'separator'"),
    'separator no token': (edit_json(INFO, separator='<|nope|>'), 'no token of the bot'),
    'posts wrongly typed': (write(POSTS, json.dumps({'train': 5, 'valid': [1, None]})), f"{POSTS} holds 'train' as a number"),
    'posts of numbers': (write(POSTS, json.dumps({'train': ['ok', 7]})), f"{POSTS} holds 'train'[1] as a number"),
    'posts a list': (write(POSTS, '[1, 2]'), f'{POSTS} holds a list'),
    'config a list': (write('config.json', '[]'), 'config.json holds a list'),
    'generation config a list': (write('generation_config.json', '[]'), 'generation_config.json holds a list'),
    'max_length huge': (edit_json('generation_config.json', max_length=1e9), 'max_length'),
    'max_length past the context': (edit_json('generation_config.json', max_length=5000), 'max_position_embeddings'),
    'temperature NaN': (edit_json('generation_config.json', temperature=float('nan')), 'temperature'),
    'temperature negative': (edit_json('generation_config.json', temperature=-1), 'temperature'),
    'temperature zero': (edit_json('generation_config.json', temperature=0), 'temperature'),
    'top_k negative': (edit_json('generation_config.json', top_k=-5), 'top_k'),
    'top_p above one': (edit_json('generation_config.json', top_p=3), 'top_p'),
    'min_length huge': (edit_json('generation_config.json', min_length=10**9), 'min_length'),
    'eos past the vocabulary': (edit_json('generation_config.json', eos_token_id=10**6), 'eos_token_id'),
    'old sampling settings wrong': (edit_json('config.json', task_specific_params={'text-generation': {'max_length': '160'}}), 'max_length'),
}


def clear(message:str, *must_say:str):
    "A message a user can act on: one line, naming what is wrong, never advising to switch a protection off"
    assert message and '\n' not in message and len(message) < 600, message
    assert not any(w in message for w in ADVICE_OFF), message
    for w in must_say: assert w in message, message


@pytest.mark.parametrize('case', list(HOSTILE))
@pytest.mark.parametrize('engine', ['transformers', 'auto'])
def test_hostile_bot_folder(template, tmp_path, case, engine):
    spoil, says = HOSTILE[case]
    mark = Path(tempfile.gettempdir())/'huggingtweets-pwned'
    mark.unlink(missing_ok=True)
    bot = spoiled(template, tmp_path, spoil)
    with pytest.raises(HuggingTweetsError) as e: generate(bot, n=2, seed=0, engine=engine)
    clear(str(e.value), says)
    assert not mark.exists(), 'code that came with the folder ran'


@st.composite
def json_values(draw, good):
    "`good` values, or any JSON value: wrongly typed, NaN, huge, negative, nested"
    anything = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(), st.text(max_size=8)),
                            lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)), max_leaves=6)
    return draw(st.one_of(good, anything))


record = st.fixed_dictionaries({}, optional={'name': json_values(st.text(max_size=10)), 'separator': json_values(st.just('<|endoftext|>')),
                                             'accounts': json_values(st.lists(st.fixed_dictionaries({}, optional={'handle': json_values(st.text(max_size=5)),
                                                 'name': json_values(st.text(max_size=5)), 'stats': json_values(st.dictionaries(st.text(max_size=5), st.integers()))}), max_size=2))})
posts_file = st.fixed_dictionaries({}, optional={'train': json_values(st.lists(st.text(max_size=20), max_size=3)),
                                                 'valid': json_values(st.lists(st.text(max_size=20), max_size=3))})
sampling_file = st.fixed_dictionaries({}, optional={k: json_values(v) for k, v in dict(
    do_sample=st.booleans(), top_k=st.integers(0, 100), top_p=st.floats(0.01, 1), temperature=st.floats(0.1, 2), max_length=st.integers(20, 1024),
    min_length=st.integers(0, 20), repetition_penalty=st.floats(0.5, 2), no_repeat_ngram_size=st.integers(0, 4),
    eos_token_id=st.integers(0, 10), pad_token_id=st.integers(0, 10)).items()})


@given(info=json_values(record), posts=json_values(posts_file), sampling=json_values(sampling_file))
@settings(max_examples=examples(300))
def test_bot_folder_readers(template, info, posts, sampling):
    "Each reader of a bot folder gives what its callers expect, or one clear error naming the file"
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained(template)
    with tempfile.TemporaryDirectory() as d:
        bot = Path(d)
        for f in ('config.json',): (bot/f).write_text((template/f).read_text())
        for f, v in ((INFO, info), (POSTS, posts), ('generation_config.json', sampling)): (bot/f).write_text(json.dumps(v))
        for read in (bot_info, bot_posts, lambda b: bot_separator(b, tok), sampling_config):
            try: got = read(bot)
            except HuggingTweetsError as e:
                clear(str(e)); assert str(bot) in str(e), str(e)
                continue
            if read is bot_info: assert isinstance(got, dict) and isinstance(got.get('name', ''), str) and isinstance(got.get('accounts', []), list)
            if read is bot_posts: assert all(isinstance(t, str) for k in ('train', 'valid') for t in got.get(k, []))
            if read is sampling_config:
                assert isinstance(got.max_length, int) and 0 < got.max_length <= 1024 and 0 < got.temperature < math.inf
                assert isinstance(got.top_k, int) and got.top_k >= 0 and 0 < got.top_p <= 1 and 0 <= got.min_length <= got.max_length
            if read is not bot_info and read is not bot_posts and read is not sampling_config: assert got in tok.get_vocab()


@contextlib.contextmanager
def read_only(folder:Path):
    "`folder` read-only: by a read-only bind mount for root (who writes through permissions), else by its permissions"
    import subprocess
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in [folder, *folder.rglob('*')]}
        for p in modes: p.chmod(modes[p] & ~0o222)
        try: yield folder
        finally:
            for p, m in modes.items(): p.chmod(m)
        return
    mount = lambda *a: subprocess.run(['mount', *a], capture_output=True).returncode == 0
    if not (mount('--bind', str(folder), str(folder)) and mount('-o', 'remount,bind,ro', str(folder))):
        subprocess.run(['umount', str(folder)], capture_output=True)
        pytest.skip('root cannot make a read-only folder here')
    try: yield folder
    finally: subprocess.run(['umount', '--lazy', str(folder)], check=True)  # the loaded model still maps its weights


def test_read_only_bot_folder(template, tmp_path):
    "A bot in a folder nobody may write writes with the float engine and says why; asked for CTranslate2, it says why not"
    import shutil
    from huggingtweets.convert import CT2_CACHE
    bot = Path(shutil.copytree(template, tmp_path/'bot', ignore=shutil.ignore_patterns(CT2_CACHE)))
    with read_only(bot):
        with pytest.raises(OSError): (bot/'x').write_text('x')
        s = generate(bot, n=2, seed=0)
        assert len(s) == 2 and s.engine.startswith('transformers'), s.engine
        clear(s.engine_note, 'cannot be written', 'copy the bot into a folder you can write to')
        with pytest.raises(HuggingTweetsError) as e: generate(bot, n=2, seed=0, engine='ctranslate2')
        clear(str(e.value), 'cannot be written', 'Use the engine `auto` or `transformers`')
    generate(bot, n=1, seed=0)  # converted while it could be written...
    with read_only(bot):
        assert generate(bot, n=2, seed=0).engine.startswith('ctranslate2')  # ...it keeps its conversion when it no longer can


@pytest.mark.parametrize('argv, says', [
    (['generate', '{bot}', '-n', '-1'], 'The number of posts to write must be a whole number, 1 or more, not -1'),
    (['generate', '{bot}', '-n', '0'], 'not 0'),
    (['generate', '{bot}', '-n', '1e3'], "'1e3' is not a whole number"),
    (['generate', '{bot}', '--seed', str(2**64), '--engine', 'transformers'], f'A seed must be a whole number from 0 to {2**32 - 2}, not {2**64}'),
    (['generate', '{bot}', '--seed', '-1'], 'not -1'),
    (['report', '{bot}', '-n', '-3'], 'not -3'),
    (['report', '{bot}', '--seed', str(2**64)], f'not {2**64}'),
])
def test_generate_numbers(template, argv, says):
    "The numbers of `generate` and `report` are checked as the command line reads them: one line, the rule and the value"
    import subprocess
    from conftest import BIN
    r = subprocess.run([str(BIN/'huggingtweets'), *(a.format(bot=template) for a in argv)], capture_output=True, text=True,
                       env={**os.environ, 'PYTHONPATH': str(Path(__file__).parent.parent)})
    assert r.returncode == 2 and not r.stdout, (r.returncode, r.stdout, r.stderr)
    error = r.stderr.strip().splitlines()[-1]
    assert error.startswith(f'huggingtweets {argv[0]}: error: argument ') and says in error, error


@pytest.mark.parametrize('n, seed, says', [(-1, None, 'not -1'), (0, None, 'not 0'), (2.5, None, 'not 2.5'), (True, None, 'not True'),
                                           (2, 2**64, f'not {2**64}'), (2, -1, 'not -1'), (2, 1.5, 'not 1.5')])
def test_generate_numbers_in_the_library(template, n, seed, says):
    "`generate` itself refuses the same numbers, before it loads anything"
    with pytest.raises(HuggingTweetsError) as e: generate(template, n=n, seed=seed, engine='transformers')
    clear(str(e.value), says)


# ---------------------------------------------------------------- text that is not valid Unicode (issue 20)

def test_lone_surrogate_and_hostile_name(tmp_path):
    "One tweet cut inside an emoji and a display name with a NUL and a right-to-left override: read as valid Unicode, written as UTF-8"
    tweets = [{'tweet': {'id_str': str(i), 'created_at': 'Sun Dec 31 14:36:59 +0000 2023', 'full_text': f'post {i} about bread'}} for i in range(5)]
    tweets[2]['tweet']['full_text'] = 'Long post about rye… cut \ud83d'
    files = {'account.js': 'window.YTD.account.part0 = ' + json.dumps([{'account': {'username': 'goldie\u202e', 'accountDisplayName': 'Goldie\x00 \u202eevil\u202c'}}]),
             'tweets.js': 'window.YTD.tweets.part0 = ' + json.dumps(tweets)}
    archive = write_archive(tmp_path, files, True, "")
    profile, posts = download(f'archive:{archive}')
    test = {p.id: p.text for p in posts}
    assert test['2'] == 'Long post about rye… cut \ufffd' and (profile.handle, profile.name) == ('goldie', 'Goldie evil')
    json.dumps([profile.__dict__, [p.to_dict() for p in posts]], ensure_ascii=False).encode('utf-8')
    from huggingtweets.wizard import Wizard  # the app's step 1 stayed on "Downloading… (1 of 1)" for this archive
    w = Wizard(specs=(f'archive:{archive}',)); w.download()
    shown = w.accounts_out.value
    assert 'Downloading' not in shown and 'goldie' in shown, shown
    json.dumps(shown, ensure_ascii=False).encode('utf-8')  # what the widget sends to the page
    (tmp_path/'posts.jsonl').write_text('\n'.join(json.dumps({'text': t, 'username': 'n', 'user_name': 'N\x00\u2066x'}) for t in ['a \ud83d b', 'nul\x00 here']), encoding='utf-8')
    profile, posts = download(f'file:{tmp_path/"posts.jsonl"}')
    assert sorted(p.text for p in posts) == ['a \ufffd b', 'nul here'] and profile.name == 'Nx'


# ---------------------------------------------------------------- what is not a file, and files too big to read (issue 20)

def returns_soon(f, *a, seconds=10):
    "What `f(*a)` returned or raised, failing the test if it takes longer than `seconds` (a reader blocked on a FIFO never returns)"
    import threading
    got = {}
    def go():
        try: got['value'] = f(*a)
        except BaseException as e: got['error'] = e
    t = threading.Thread(target=go, daemon=True); t.start(); t.join(seconds)
    assert not t.is_alive(), f'{f.__name__}{a} still running after {seconds} s'
    if 'error' in got: raise got['error']
    return got['value']


@pytest.mark.parametrize('spec', ['archive:{}', 'file:{}.jsonl', 'archive:{}.car'])
def test_fifo(tmp_path, spec):
    "A named pipe blocks whoever opens it: every reader refuses it before opening it"
    fifo = Path(spec.format(tmp_path/'pipe').partition(':')[2]); os.mkfifo(fifo)
    with pytest.raises(HuggingTweetsError, match=r'is a named pipe \(FIFO\), not a file or folder'):
        returns_soon(download, spec.format(tmp_path/'pipe'))


def test_oversized_file(tmp_path):
    "A posts file of one line past the limit (sparse: no disk, no memory) is refused before it is read"
    from huggingtweets.posts import MAX_FILE_BYTES
    with open(tmp_path/'one_line.jsonl', 'wb') as f: f.write(b'{"text": "'); f.truncate(500 * 10**6)
    with pytest.raises(HuggingTweetsError, match='one_line.jsonl is more than 256 MiB, the most huggingtweets reads from one file'):
        returns_soon(read_file, tmp_path/'one_line.jsonl', seconds=2)
    assert MAX_FILE_BYTES < 500 * 10**6


def declared(zip_bytes:bytes, sizes:dict)->bytes:
    "A zip whose headers say member NAME unpacks to `sizes[NAME]` bytes, whatever it holds"
    import struct
    b = bytearray(zip_bytes)
    for sig, size_at, name_len_at, name_at in ((b'PK\x03\x04', 22, 26, 30), (b'PK\x01\x02', 24, 28, 46)):
        i = -1
        while (i := b.find(sig, i + 1)) >= 0:
            name = bytes(b[i + name_at:i + name_at + struct.unpack_from('<H', b, i + name_len_at)[0]]).decode()
            if name in sizes: struct.pack_into('<I', b, i + size_at, sizes[name])
    return bytes(b)


def test_zip_of_huge_members(tmp_path):
    "A small zip whose 4 members say they unpack to 500 MB each (2 GB in all) is refused before a byte is unpacked"
    files = {'data/account.js': 'window.YTD.account.part0 = [{"account": {"username": "goldie"}}]',
             **{f'data/tweets{p}.js': ' ' * 1000 for p in ('', '-part1', '-part2', '-part3')}}
    b = io.BytesIO()
    with zipfile.ZipFile(b, 'w', zipfile.ZIP_DEFLATED) as z:
        for k,v in files.items(): z.writestr(k, v)
    (tmp_path/'huge.zip').write_bytes(declared(b.getvalue(), {k: 500 * 10**6 for k in files if 'tweets' in k}))
    assert zipfile.ZipFile(tmp_path/'huge.zip').getinfo('data/tweets.js').file_size == 500 * 10**6
    with pytest.raises(HuggingTweetsError, match='data/tweets.js unpacks to more than 256 MiB, the most huggingtweets reads from one archive file'):
        returns_soon(read_archive, tmp_path/'huge.zip', seconds=2)


# ---------------------------------------------------------------- hostile names through the command (issue 12)
# Names from the data, and folders as the user types them, reach the terminal and the disk. Run as a user runs the
# command, each stays text and stays in its place. The other hostile cases of issue 12 are tested where they live: a Hub
# id with a newline (00_core, 06_card, 08_cli), a mistyped bot folder (05_generate, 08_cli, test_cli.py), training over
# an unfinished one (test_train.py: test_a_fresh_run_keeps_an_unfinished_one_until_restart) and a second training into
# the same folder (test_train.py: test_one_training_per_bot_folder).

from huggingtweets.core import safe_name
from huggingtweets.testing import tiny_base

SUNDAY = [f'Post number {i} about coffee, the sea and my dog, written on a quiet Sunday morning.' for i in range(150)]
FAST = ('--max-tokens', 1024, '--block-size', 32, '--wandb', 'disabled')  # a tiny bot in seconds


def posts_file(path:Path, author:str, texts=SUNDAY)->Path:
    "A JSON posts file of `texts`, each by `author`"
    path.write_text(json.dumps([dict(text=t, author=author, created_at=f'2024-01-{i % 28 + 1:02d}T10:00:00Z') for i,t in enumerate(texts)]))
    return path


def huggingtweets(*args, cwd:Path):
    "Run `huggingtweets ARGS` in `cwd` as a user would, offline: (exit code, stdout, stderr)"
    import subprocess
    from conftest import BIN
    r = subprocess.run([str(BIN/'huggingtweets'), *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=600,
                       env={**os.environ, 'WANDB_MODE': 'disabled', 'HF_HUB_OFFLINE': '1', 'OMP_NUM_THREADS': '1',
                            'PYTHONPATH': str(Path(__file__).parent.parent)})
    return r.returncode, r.stdout, r.stderr


@pytest.fixture(scope='module')
def tiny_model(tmp_path_factory): return str(tiny_base(tmp_path_factory.mktemp('tiny')/'tiny', SUNDAY))


def test_escape_sequences_in_posts_and_names_are_shown_not_run(tmp_path):
    "An author and posts holding terminal escape sequences (retitle, clear the screen): the stats show the name as text"
    evil = ' \x1b]0;owned\x07\x1b[2J'
    code, out, err = huggingtweets('download', f"file:{posts_file(tmp_path/'escapes.json', 'esc' + evil, [p + evil for p in SUNDAY])}", cwd=tmp_path)
    assert code == 0, err[-3000:]
    assert not CONTROLS.search(out + err) and 'esc ]0;owned[2J' in out, (out, err)


def test_an_author_that_is_a_path_names_a_folder_inside_bots(tiny_model, tmp_path):
    "A posts file whose author is the path of someone's folder: the bot goes into bots/, the folder is left alone"
    victim = tmp_path/'some'/'dir'; victim.mkdir(parents=True); (victim/'README.md').write_text('mine')
    code, out, err = huggingtweets('train', f"file:{posts_file(tmp_path/'evil.json', str(victim))}", '--base-model', tiny_model, *FAST, cwd=tmp_path)
    assert code == 0, err[-3000:]
    assert [p.name for p in victim.iterdir()] == ['README.md'] and (victim/'README.md').read_text() == 'mine'
    bot = f'bots/{safe_name(str(victim))}'
    assert (tmp_path/bot/'huggingtweets.json').is_file() and f'The bot is in {bot}:' in out, out


def test_a_folder_named_like_markup_is_shown_as_typed(tiny_model, tmp_path):
    "`-o bots/x[/]y` broke the command's own markup after a successful training: now it is shown as typed"
    code, out, err = huggingtweets('train', f"file:{posts_file(tmp_path/'alice.json', 'alice')}", '-o', 'bots/x[/]y', '--base-model', tiny_model,
                                   *FAST, cwd=tmp_path)
    assert code == 0, err[-3000:]
    assert 'The bot is in bots/x[/]y: try `huggingtweets generate bots/x[/]y`' in out and (tmp_path/'bots/x[/]y'/'huggingtweets.json').is_file(), out

"""The dataset stage on real data, counted independently, and its pictures written as PNG files.

The independent count below re-implements the original huggingtweets rules the way its 2020 notebook wrote
them (four link regexes applied in turn, `html.unescape`, `' '.join(text.split())`, `RT @` retweets, fewer than
three words without `http`/`@`/`#`), plus de-duplication, and reads the X archive's JSON itself."""
import html, json, re, zipfile
from datetime import datetime, timedelta, timezone
import pytest
from PIL import Image
from conftest import ROOT
from huggingtweets.dataset import (clean_account, stats_table, save_plots, build_dataset, check_enough, examples,
                                   KEPT, DOWNLOADED)
from huggingtweets.posts import Post, Profile
from huggingtweets.sources import download

ALROCAR = ROOT.parent/'shared/data/x_archive/alrocar'
SAMPLE = ROOT/'huggingtweets/data/sample_archive.zip'

def original_clean(text):
    "The original's `clean_tweet`: links (four variants), entities, whitespace"
    for w in ('http:', 'https:'):
        text = re.sub(f' {w}\\S+', '', text)
        text = re.sub(f'{w}\\S+ ', '', text)
        text = re.sub(f'\n{w}\\S+', '', text)
        text = re.sub(f'{w}\\S+', '', text)
    return ' '.join(html.unescape(text).split())

def original_boring(text):
    "The original's `boring_tweet`"
    return len([w for w in text.split() if all(b not in w.lower() for b in ('http', '@', '#'))]) < 3

def independent_count(items):
    "Stats and kept texts of `(text, flagged_repost)` pairs, counted without huggingtweets.dataset"
    rt = short = dup = 0
    kept = []
    for text, flagged in items:
        if flagged or text.startswith('RT @'): rt += 1; continue
        t = original_clean(text)
        if original_boring(t): short += 1
        elif t in kept: dup += 1
        else: kept.append(t)
    stats = {'Tweets downloaded': len(items), 'Retweets': rt, 'Short tweets': short, 'Duplicates': dup, 'Tweets kept': len(kept)}
    return stats, kept

def read_archive_tweets(folder):
    "`(full_text, retweeted)` of every tweet in an X archive folder, read straight from its JSON"
    s = (folder/'data/tweets.js').read_text(encoding='utf-8')
    return [(d['tweet']['full_text'], d['tweet'].get('retweeted', False)) for d in json.loads(s[s.index('['):])]

def _x_time(s): return datetime.strptime(s, '%a %b %d %H:%M:%S %z %Y')

def read_sample_tweets(zip_path):
    "`(full_text, retweeted)` of every tweet in a zipped X archive, a long post's text taken from note-tweet.js"
    with zipfile.ZipFile(zip_path) as z: js = {n: z.read(n).decode('utf-8') for n in z.namelist()}
    load = lambda s: json.loads(s[s.index('['):])
    notes = {datetime.fromisoformat(n['noteTweet']['createdAt'].replace('Z', '+00:00')): n['noteTweet']['core']['text']
             for n in load(js.get('data/note-tweet.js', '[]'))}
    tweets = [d['tweet'] for d in load(js['data/tweets.js'])]
    return [(notes.get(_x_time(t['created_at']), t['full_text']), t.get('retweeted', False)) for t in tweets]

def table_numbers(markdown):
    "Row name -> list of numbers, parsed from a printed Markdown stats table"
    rows = [[c.strip() for c in l.strip('|').split('|')] for l in markdown.splitlines()[2:]]
    return {r[0]: [int(c) for c in r[1:]] for r in rows}

def check_table(accounts):
    "The printed table adds up: downloaded = every other row, for every account"
    nums = table_numbers(stats_table(accounts).markdown())
    for i in range(len(accounts)):
        assert nums[DOWNLOADED][i] == sum(v[i] for k,v in nums.items() if k != DOWNLOADED)
    return nums

@pytest.fixture(scope='module')
def alrocar_items():
    if not (ALROCAR/'data/tweets.js').exists(): pytest.skip(f'{ALROCAR} is not here')
    return read_archive_tweets(ALROCAR)

def test_alrocar_posts_independent_count(alrocar_items):
    "clean_account on the archive's tweets (read here) matches the independent count"
    t0 = datetime(2023, 1, 1, tzinfo=timezone.utc)
    posts = [Post(str(i), text, t0 + timedelta(hours=i), 'alrocar', 'archive') for i,(text,_) in enumerate(alrocar_items)]
    acc = clean_account(Profile('alrocar', 'alrocar', 'archive'), posts)
    expected, kept = independent_count(alrocar_items)
    assert (expected[DOWNLOADED], expected['Retweets']) == (820, 9)  # as data/README.md says
    assert acc.stats == expected
    # The original's `https:\S+ ` also ate the space after a link glued to a word ("⬛️https://t.co/x ⬜️" became
    # "⬛️⬜️"); ours leaves the words apart. Apart from spaces the texts are the same.
    assert [t.replace(' ', '') for t in acc.texts] == [t.replace(' ', '') for t in kept]
    assert sum(a != b for a,b in zip(acc.texts, kept)) <= 5
    nums = check_table([acc])
    assert nums[KEPT] == [expected[KEPT]]

def test_save_plots(tmp_path, alrocar_items):
    "The three pictures are written as real PNGs"
    t0 = datetime(2022, 6, 1, tzinfo=timezone.utc)
    posts = [Post(str(i), text, t0 + timedelta(hours=10 * i), 'alrocar', 'archive') for i,(text,_) in enumerate(alrocar_items)]
    acc = clean_account(Profile('alrocar', 'alrocar', 'archive'), posts)
    small = clean_account(Profile('bob', 'Bob', 'file'), posts[:50], drop_replies=True)
    paths = save_plots([acc, small], tmp_path/'bot')
    assert [p.name for p in paths] == ['lengths.png', 'timeline.png', 'stats.png']
    for p in paths:
        im = Image.open(p)
        assert im.format == 'PNG' and im.width >= 600 and im.height >= 150
        colors = {c for _,c in im.convert('RGB').getcolors(1 << 20)}
        assert len(colors) > 20 and (0x2a, 0x9d, 0x8f) in colors  # drawn on, with the kept posts' colour
    assert Image.open(paths[0]).height > Image.open(paths[2]).height  # one panel per account

def test_examples_and_enough(alrocar_items):
    "A real account: eight kept examples, and its amount of text judged"
    t0 = datetime(2023, 1, 1, tzinfo=timezone.utc)
    posts = [Post(str(i), text, t0, 'alrocar', 'archive') for i,(text,_) in enumerate(alrocar_items)]
    acc = clean_account(Profile('alrocar', 'alrocar', 'archive'), posts)
    ex = examples(acc)
    assert len(ex) == 8 and set(ex) <= set(acc.texts)
    warning = check_enough(acc)
    assert (warning is None) == (acc.chars >= 40_000)

@pytest.mark.parametrize('spec', ['archive:sample', 'alrocar'])
def test_download_table_matches_independent_count(spec, tmp_path, monkeypatch, capsys):
    "The table printed for a downloaded archive adds up and matches the independent count of the archive's own JSON"
    monkeypatch.setenv('HUGGINGTWEETS_CACHE', str(tmp_path))
    if spec == 'alrocar':
        if not (ALROCAR/'data/tweets.js').exists(): pytest.skip(f'{ALROCAR} is not here')
        spec, items = f'archive:{ALROCAR}', read_archive_tweets(ALROCAR)
    else: items = read_sample_tweets(SAMPLE)
    profile, posts = download(spec)
    acc = clean_account(profile, posts)
    print(stats_table(acc).markdown())
    nums = check_table([acc])
    expected, kept = independent_count(items)
    assert {k: v[0] for k,v in nums.items()} == expected
    assert sorted(t.replace(' ', '') for t in acc.texts) == sorted(t.replace(' ', '') for t in kept)
    assert 'Tweets kept' in capsys.readouterr().out

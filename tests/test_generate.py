"Generation from a bot folder: defaults, seed, separator, newlines, and the copy filter."
import json, shutil
import pytest, torch
from botfolder import make_bot, SEP
from huggingtweets.generate import generate, load_bot, rows_to_sample, CopyFilter, copy_score

torch.set_num_threads(1)  # tiny models run fastest on one thread

@pytest.fixture(scope='module')
def bot(tmp_path_factory): return make_bot(tmp_path_factory.mktemp('bots')/'alice')

def _plant(bot, tmp_path, texts):
    "A copy of `bot` whose training posts include `texts`"
    planted = shutil.copytree(bot, tmp_path/'planted')
    data = json.loads((planted/'dataset.json').read_text())
    (planted/'dataset.json').write_text(json.dumps({**data, 'train': data['train'] + list(texts)}))
    return planted

def test_seed_repeats_exactly(bot):
    a, b = generate(bot, seed=7), generate(bot, seed=7)
    assert list(a) == list(b) and len(a) == 10
    assert all(s.startswith('My dream is') and '\n' not in s for s in a)
    assert list(generate(bot, seed=8)) != list(a)

def test_custom_prompt_and_count(bot):
    s = generate(bot, 'Coffee first', n=3, seed=1)
    assert len(s) == 3 and all(x.startswith('Coffee first') for x in s)
    assert s.prompt == 'Coffee first' and s.new_tokens > 0 and s.seconds > 0

def test_empty_prompt(bot):
    s = generate(bot, '', n=3, seed=2)
    assert len(s) == 3 and all(x.strip() for x in s)

def test_newlines_cut_unless_allowed(bot):
    free = generate(bot, n=10, seed=3, allow_newlines=True)
    assert any('\n' in s for s in free)  # this random model writes newlines...
    assert not any('\n' in s for s in generate(bot, n=10, seed=3))  # ...which are cut by default

def test_prompt_follows_the_separator(bot):
    model, tok = load_bot(bot)
    seen = []
    hook = model.register_forward_pre_hook(lambda m, args, kw: seen.append(kw['input_ids'][0].tolist()), with_kwargs=True)
    try: generate(bot, 'Coffee first', n=2, seed=0)
    finally: hook.remove()
    assert seen[0] == tok.encode(SEP, add_special_tokens=False) + tok.encode('Coffee first', add_special_tokens=False)

def test_defaults_come_from_the_bot_folder(bot, tmp_path):
    short = shutil.copytree(bot, tmp_path/'short')
    cfg = json.loads((short/'generation_config.json').read_text())
    (short/'generation_config.json').write_text(json.dumps({**cfg, 'max_length': 12, 'min_length': 1}))
    s = generate(short, n=5, seed=0, allow_newlines=True, max_rounds=1)
    _, tok = load_bot(short)
    prompt_len = len(tok.encode(SEP + 'My dream is', add_special_tokens=False))
    rows = rows_to_sample(5)  # the five asked for and the spares
    assert 0 < s.new_tokens <= rows * (12 - prompt_len)  # at most 12 tokens per row, prompt included
    default = generate(bot, n=5, seed=0, allow_newlines=True, max_rounds=1)
    assert default.new_tokens > rows * (12 - prompt_len)

def test_planted_copy_is_dropped_and_replaced(bot, tmp_path):
    first = generate(bot, seed=42)
    planted = _plant(bot, tmp_path, [first[0]])
    again = generate(planted, seed=42)
    assert again.dropped == 1 and first[0] not in again and len(again) == 10
    assert list(again[:9]) == list(first[1:])

def test_rounds_are_bounded(bot, tmp_path):
    first = generate(bot, n=4, seed=5)
    planted = _plant(bot, tmp_path, [first[0], first[2].upper() + '!!', first[3]])  # a near copy counts too
    once = generate(planted, n=4, seed=5, max_rounds=1)  # one spare row cannot make up for three copies
    assert once.dropped == 3 and len(once) == 2 and once[0] == first[1]
    assert not set(once) & {first[0], first[2], first[3]}

def test_copy_measure():
    post = 'Just finished a long run and I feel great!'
    assert copy_score(post.upper(), post) == 1.0
    assert copy_score('Just finished a long run and I feel good', post) >= 0.85
    assert copy_score('Just finished a long book and now I am sad', post) < 0.85
    f = CopyFilter([post])
    assert f(post + ' Pancakes next, then a long nap') and not f('I feel great today') and not f('')

def test_not_a_bot_folder(tmp_path):
    from huggingtweets.core import HuggingTweetsError
    with pytest.raises(HuggingTweetsError, match='No bot folder'): generate(tmp_path/'nothing')

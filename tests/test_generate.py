"Generation from a bot folder, on each engine: defaults, seed, separator, newlines, the copy filter, the engine choice."
import json, shutil, sys
from pathlib import Path
import pytest, torch
from huggingtweets.botfolder import tiny_bot, EXAMPLE_POSTS as TEXTS
SEP = '<|endoftext|>'
import huggingtweets.generate as G
from huggingtweets.core import HuggingTweetsError
from huggingtweets.generate import (generate, heldout_loss, load_bot, load_engine, ct2_model, rows_to_sample, CopyFilter,
                                    copy_score, CT2_CACHE, COMPUTE_TYPE)

torch.set_num_threads(1)  # tiny models run fastest on one thread
ENGINES = ['ctranslate2', 'transformers']

@pytest.fixture(scope='module')
def bot(tmp_path_factory): return tiny_bot(tmp_path_factory.mktemp('bots')/'alice')

def _plant(bot, tmp_path, texts):
    "A copy of `bot` whose training posts include `texts`"
    planted = shutil.copytree(bot, tmp_path/'planted')
    data = json.loads((planted/'dataset.json').read_text())
    (planted/'dataset.json').write_text(json.dumps({**data, 'train': data['train'] + list(texts)}))
    return planted

def _copy(bot, dest):
    "A copy of `bot` without its CTranslate2 conversions"
    return shutil.copytree(bot, dest, ignore=shutil.ignore_patterns(CT2_CACHE))

@pytest.mark.parametrize('engine', ENGINES)
def test_seed_repeats_exactly(bot, engine):
    a, b = generate(bot, seed=7, engine=engine), generate(bot, seed=7, engine=engine)
    assert list(a) == list(b) and len(a) == 10 and a.engine.startswith(engine)
    assert all(s.startswith('My dream is') and '\n' not in s for s in a)
    assert list(generate(bot, seed=8, engine=engine)) != list(a)

def test_auto_is_ctranslate2_on_a_cpu(bot):
    s = generate(bot, n=2, seed=0)
    assert s.engine == f'ctranslate2 {COMPUTE_TYPE}' and s.engine_note == ''
    assert s.to_dict()['engine'] == s.engine

@pytest.mark.parametrize('engine', ENGINES)
def test_custom_prompt_and_count(bot, engine):
    s = generate(bot, 'Coffee first', n=3, seed=1, engine=engine)
    assert len(s) == 3 and all(x.startswith('Coffee first') for x in s)
    assert s.prompt == 'Coffee first' and s.new_tokens > 0 and s.seconds > 0

def test_empty_prompt(bot):
    s = generate(bot, '', n=3, seed=2)
    assert len(s) == 3 and all(x.strip() for x in s)

@pytest.mark.parametrize('engine', ENGINES)
def test_newlines_cut_unless_allowed(bot, engine):
    free = generate(bot, n=10, seed=3, allow_newlines=True, engine=engine)
    assert any('\n' in s for s in free)  # this random model writes newlines...
    assert not any('\n' in s for s in generate(bot, n=10, seed=3, engine=engine))  # ...which are cut by default

def _rows(bot, monkeypatch, engine, allow_newlines):
    "The new tokens of each row that the engine wrote, separators (the end, or padding after it) left out"
    rows, decode = [], G._decode
    monkeypatch.setattr(G, '_decode', lambda tok, prompt, ids, new, *a: rows.extend(map(list, new)) or decode(tok, prompt, ids, new, *a))
    generate(bot, n=10, seed=4, allow_newlines=allow_newlines, engine=engine, max_rounds=1)
    sep_id = load_bot(bot)[1].convert_tokens_to_ids(SEP)
    return [[t for t in r if t != sep_id] for r in rows]

@pytest.mark.parametrize('engine', ENGINES)
def test_each_row_stops_at_its_first_newline(bot, monkeypatch, engine):
    newlines = set(G._newline_ids(load_bot(bot)[1]).tolist())
    rows = _rows(bot, monkeypatch, engine, allow_newlines=False)
    assert all(not newlines & set(r[:-1]) for r in rows)  # nothing written after a newline...
    assert any(r and r[-1] in newlines for r in rows)      # ...and rows did end at one
    free = _rows(bot, monkeypatch, engine, allow_newlines=True)
    assert any(newlines & set(r[:-1]) for r in free)       # allowed, they go on

def test_prompt_follows_the_separator_with_transformers(bot):
    model, tok = load_bot(bot)
    seen = []
    hook = model.register_forward_pre_hook(lambda m, args, kw: seen.append(kw['input_ids'][0].tolist()), with_kwargs=True)
    try: generate(bot, 'Coffee first', n=2, seed=0, engine='transformers')
    finally: hook.remove()
    assert seen[0] == tok.encode(SEP, add_special_tokens=False) + tok.encode('Coffee first', add_special_tokens=False)

def test_prompt_follows_the_separator_with_ctranslate2(bot, monkeypatch):
    seen, new = [], G._ct2_generator
    class Spy:
        def __init__(self, g): self.g = g
        def generate_batch(self, start, **kw): seen.append((start[0], kw)); return self.g.generate_batch(start, **kw)
    monkeypatch.setattr(G, '_ct2_generator', lambda *a, **kw: Spy(new(*a, **kw)))
    generate(bot, 'Coffee first', n=2, seed=0, engine='ctranslate2')
    tok = load_bot(bot)[1]
    start, kw = seen[0]
    assert start == tok.convert_ids_to_tokens(tok.encode(SEP + 'Coffee first', add_special_tokens=False))
    assert (kw['sampling_topk'], kw['sampling_topp'], kw['sampling_temperature']) == (50, 0.95, 1.0)
    assert kw['max_length'] == 160 - len(start) and kw['min_length'] == 10 - len(start)

@pytest.mark.parametrize('engine', ENGINES)
def test_defaults_come_from_the_bot_folder(bot, tmp_path, engine):
    short = shutil.copytree(bot, tmp_path/'short')
    cfg = json.loads((short/'generation_config.json').read_text())
    (short/'generation_config.json').write_text(json.dumps({**cfg, 'max_length': 12, 'min_length': 1}))
    s = generate(short, n=5, seed=0, allow_newlines=True, max_rounds=1, engine=engine)
    _, tok = load_bot(short)
    prompt_len = len(tok.encode(SEP + 'My dream is', add_special_tokens=False))
    rows = rows_to_sample(5)  # the five asked for and the spares
    assert 0 < s.new_tokens <= rows * (12 - prompt_len)  # at most 12 tokens per row, prompt included
    default = generate(bot, n=5, seed=0, allow_newlines=True, max_rounds=1, engine=engine)
    assert default.new_tokens > rows * (12 - prompt_len)

@pytest.mark.parametrize('engine', ENGINES)
def test_planted_copy_is_dropped_and_replaced(bot, tmp_path, engine):
    first = generate(bot, seed=42, engine=engine)
    planted = _plant(bot, tmp_path, [first[0]])
    again = generate(planted, seed=42, engine=engine)
    assert again.dropped == 1 and first[0] not in again and len(again) == 10
    assert list(again[:9]) == list(first[1:]) and again.engine.startswith(engine)

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
    with pytest.raises(HuggingTweetsError, match='No bot folder'): generate(tmp_path/'nothing')
    with pytest.raises(HuggingTweetsError, match='No bot folder'): generate(tmp_path/'nothing', engine='ctranslate2')
    with pytest.raises(HuggingTweetsError, match='Unknown engine'): generate(tmp_path/'nothing', engine='onnx')

def test_without_ctranslate2_auto_falls_back(bot, monkeypatch):
    monkeypatch.setitem(sys.modules, 'ctranslate2', None)  # as if the package were not installed
    s = generate(bot, n=3, seed=0)
    assert s.engine == 'transformers float32' and 'pip install ctranslate2' in s.engine_note and len(s) == 3
    with pytest.raises(HuggingTweetsError, match='CTranslate2 cannot write.*pip install ctranslate2'):
        generate(bot, engine='ctranslate2')

def test_a_gpu_means_transformers(bot, monkeypatch):
    monkeypatch.setattr(G, 'train_device', lambda: 'cuda')
    assert 'GPU' in G._why_not_ct2(bot, auto=True)
    assert G._why_not_ct2(bot, auto=False) is None  # asked for, CTranslate2 still runs on the CPU

def test_a_model_that_does_not_convert_falls_back(bot, tmp_path, monkeypatch):
    other = _copy(bot, tmp_path/'other')
    def refuse(self, *args, **kwargs): raise ValueError('No conversion is registered for the model configuration FooConfig')
    monkeypatch.setattr('ctranslate2.converters.TransformersConverter.convert', refuse)
    s = generate(other, n=2, seed=0)
    assert s.engine == 'transformers float32' and 'FooConfig' in s.engine_note
    with pytest.raises(HuggingTweetsError, match='could not convert'): generate(other, engine='ctranslate2')
    assert not (other/CT2_CACHE/COMPUTE_TYPE).exists()

def _loss_one_by_one(bot, texts):
    "The held-out loss computed plainly: each post alone between separators, no batches, no padding"
    model, tok = load_bot(bot)
    sep, total, count = tok.convert_tokens_to_ids(SEP), 0., 0
    for t in texts:
        ids = torch.tensor([[sep] + tok.encode(t, add_special_tokens=False) + [sep]])
        with torch.no_grad(): logits = model(ids).logits[0, :-1]
        total += torch.nn.functional.cross_entropy(logits, ids[0, 1:], reduction='sum').item()
        count += ids.shape[1] - 1
    return total / count

def test_heldout_loss_agrees_across_engines(bot):
    hf = heldout_loss(bot, TEXTS, 'transformers', batch_size=3)  # batches of posts of different lengths, padded
    assert hf == pytest.approx(_loss_one_by_one(bot, TEXTS), abs=1e-5)
    assert heldout_loss(bot, TEXTS, 'ctranslate2', compute_type='float32') == pytest.approx(hf, abs=1e-4)
    assert heldout_loss(bot, TEXTS) == pytest.approx(hf, abs=0.005)  # int8: another model, nearly the same

def test_new_weights_are_converted_again(bot, tmp_path):
    from transformers import AutoModelForCausalLM
    other = _copy(bot, tmp_path/'retrained')
    before = heldout_loss(other, TEXTS, 'ctranslate2', compute_type='float32')
    model = AutoModelForCausalLM.from_pretrained(other)
    with torch.no_grad(): model.model.embed_tokens.weight.mul_(3)  # another model (the head is tied to these weights)
    model.save_pretrained(other)
    after = heldout_loss(other, TEXTS, 'ctranslate2', compute_type='float32')
    assert after != pytest.approx(before, abs=0.01)
    assert after == pytest.approx(heldout_loss(other, TEXTS, 'transformers'), abs=1e-4)

def test_an_interrupted_conversion_leaves_no_broken_cache(bot, tmp_path, monkeypatch):
    other = _copy(bot, tmp_path/'other')
    def interrupted(self, output_dir, **kwargs):
        Path(output_dir).mkdir(parents=True, exist_ok=True)
        (Path(output_dir)/'model.bin').write_bytes(b'half a model')
        raise KeyboardInterrupt
    with monkeypatch.context() as m:
        m.setattr('ctranslate2.converters.TransformersConverter.convert', interrupted)
        with pytest.raises(KeyboardInterrupt): generate(other, n=2, seed=0)
    assert list((other/CT2_CACHE).iterdir()) == []
    # a folder left by a process that was killed outright has no stamp, so it is converted again
    broken = other/CT2_CACHE/COMPUTE_TYPE
    broken.mkdir()
    (broken/'model.bin').write_bytes(b'half a model')
    assert ct2_model(other) == broken and (broken/'model.bin').stat().st_size > 1000
    assert len(generate(other, n=2, seed=0, engine='ctranslate2')) == 2

def test_push_leaves_the_conversion_out(bot):
    from huggingface_hub.utils import filter_repo_objects
    from huggingtweets.card import _IGNORE
    ct2_model(bot)
    files = [str(p.relative_to(bot)) for p in bot.rglob('*') if p.is_file()]
    kept = list(filter_repo_objects(files, ignore_patterns=_IGNORE))
    assert any(f.startswith(CT2_CACHE) for f in files) and not any(CT2_CACHE in f for f in kept)
    assert 'model.safetensors' in kept and 'config.json' in kept

"""The held-out loss against an independent reference: each post alone, no batches, no padding.

Every other behaviour of generation (seed, separator, newlines, the copy filter, the engine choice and its
fallbacks, the conversion's cache) is stated and checked in `nbs/05_generate.ipynb` and `nbs/05a_convert.ipynb`."""
import pytest, torch
from huggingtweets.testing import tiny_bot, EXAMPLE_POSTS as TEXTS
from huggingtweets.generate import heldout_loss, load_bot

torch.set_num_threads(1)  # tiny models run fastest on one thread
SEP = '<|endoftext|>'

@pytest.fixture(scope='module')
def bot(tmp_path_factory): return tiny_bot(tmp_path_factory.mktemp('bots')/'alice')

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

def test_heldout_loss_matches_a_plain_computation(bot):
    hf = heldout_loss(bot, TEXTS, 'transformers', batch_size=3)  # batches of posts of different lengths, padded
    assert hf == pytest.approx(_loss_one_by_one(bot, TEXTS), abs=1e-5)

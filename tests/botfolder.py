"""Test helper: a bot folder as `huggingtweets.train` writes it, with a tiny random model.

The generation and card tests need bot folders but not a trained model: `huggingtweets.models.tiny_base` (a 2-layer
Llama with hidden size 32 and a small byte-level BPE tokenizer) loads in milliseconds and generates real (random)
text through the real code paths.
Used by tests/test_generate.py, tests/test_card.py and the hidden cells of nbs/05_generate and nbs/06_card.
"""
import json, math
from pathlib import Path
from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig
from huggingtweets.models import tiny_base

SEP = '<|endoftext|>'
GENERATION = dict(do_sample=True, top_p=0.95, temperature=1.0, max_length=160, min_length=10)
TEXTS = ["My dream is to open a tiny bakery by the sea", "Coffee first, then the world",
         "Just finished a long run and I feel great", "Reading about language models on a rainy Sunday",
         "Who else is watching the game tonight?", "New blog post about sourdough starters is up",
         "The train was late again this morning", "I love how the city sounds at night"]

def _save_model(path:Path):
    "A tiny random Llama and its tokenizer, saved with the generation defaults as the training stage saves them"
    tiny_base(path, TEXTS)
    model, tok = AutoModelForCausalLM.from_pretrained(path), AutoTokenizer.from_pretrained(path)
    sep_id = tok.convert_tokens_to_ids(SEP)
    model.config.prefix = SEP
    model.config.task_specific_params = {'text-generation': dict(GENERATION, prefix=SEP)}
    model.generation_config = GenerationConfig(**GENERATION, bos_token_id=sep_id, eos_token_id=sep_id, pad_token_id=sep_id)
    model.save_pretrained(path)

def account(handle, name=None, source='archive', avatar_url=None, downloaded=100, retweets=20, short=10, extra=None):
    "One entry of `huggingtweets.json`'s accounts, with a stats table that adds up"
    extra = extra or {}
    stats = {'Tweets downloaded': downloaded, 'Retweets': retweets, 'Short tweets': short, **extra,
             'Tweets kept': downloaded - retweets - short - sum(extra.values())}
    return dict(handle=handle, name=name or handle.title(), source=source, avatar_url=avatar_url, stats=stats)

def make_bot(path, accounts=None, train=TEXTS[:6], valid=TEXTS[6:], wandb=None, base_model='embedded',
             base_model_name='SmolLM2-135M', base_model_url='https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct',
             method='lora', eval_loss=3.1, base_eval_loss=4.2):
    "Write a bot folder at `path` as the training stage does, with a tiny random model; return its path"
    path = Path(path); path.mkdir(parents=True, exist_ok=True)
    accounts = accounts or [account('alice', 'Alice')]
    _save_model(path)
    (path/'dataset.json').write_text(json.dumps({'train': list(train), 'valid': list(valid)}))
    meta = dict(name='-'.join(sorted(a['handle'] for a in accounts)), accounts=accounts, base_model=base_model,
                base_model_name=base_model_name, base_model_url=base_model_url, method=method,
                hyperparameters=dict(epochs=4, learning_rate=2e-4, lr_scheduler='linear', warmup_ratio=0.1,
                                     gradient_accumulation_steps=1, lora_rank=16),
                separator=SEP, eval_loss=eval_loss, eval_perplexity=math.exp(eval_loss), base_eval_loss=base_eval_loss,
                train_seconds=12.5, train_tokens=4096, tokens_per_second=327.7, wandb=wandb, huggingtweets_version='0.0.1')
    (path/'huggingtweets.json').write_text(json.dumps(meta, indent=2))
    return path

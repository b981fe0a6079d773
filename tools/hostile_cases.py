"""Run the hostile-input cases of issue 12 through the `huggingtweets` command, as a user would, and print a table.

Each case runs the real command in a fresh folder, on a tiny random base model (so training takes seconds), and
reports its exit code, its last line on stderr, whether a traceback was printed, and what it checks on disk.
Usage: `python tools/hostile_cases.py` (about two minutes on 2 cores).
"""
import json, os, subprocess, sys, tempfile, time
from pathlib import Path
from huggingtweets.models import tiny_base

POSTS = [f'Post number {i} about coffee, the sea and my dog, written on a quiet Sunday morning.' for i in range(150)]

def run(*args, cwd, env=None, timeout=600):
    "Run `huggingtweets ARGS` in `cwd`: (exit code, stdout, stderr, seconds)"
    t0 = time.monotonic()
    r = subprocess.run([str(Path(sys.executable).parent/'huggingtweets'), *args], cwd=cwd, capture_output=True, text=True,
                       timeout=timeout, env={**os.environ, 'WANDB_MODE': 'disabled', **(env or {})})
    return r.returncode, r.stdout, r.stderr, time.monotonic() - t0

def posts_file(path:Path, author:str, texts=POSTS)->Path:
    path.write_text(json.dumps([dict(text=t, author=author, created_at=f'2024-01-{i % 28 + 1:02d}T10:00:00Z') for i,t in enumerate(texts)]))
    return path

def main():
    root = Path(tempfile.mkdtemp(prefix='hostile-'))
    tiny = str(tiny_base(root/'tiny', POSTS))
    fast = ['--base-model', tiny, '--block-size', '32', '--max-tokens', '1024', '--wandb', 'disabled']
    rows = []
    def case(name, result, check):
        code, out, err, secs = result
        last = (err.strip().splitlines() or [''])[-1]
        rows.append((name, code, 'Traceback' in err, f'{secs:.0f} s', last[:150], check))

    victim = root/'some'/'dir'; victim.mkdir(parents=True); (victim/'README.md').write_text('mine')
    r = run('train', f'file:{posts_file(root/"evil.json", str(victim))}', *fast, cwd=root)
    case('author "/…/some/dir" in a posts file', r,
         f"victim untouched: {(victim/'README.md').read_text() == 'mine' and not (victim/'checkpoints').exists()}; "
         f"bot in {sorted(p.name for p in (root/'bots').iterdir())}")

    r = run('train', f'file:{posts_file(root/"alice.json", "alice")}', '-o', 'bots/x[/]y', *fast, cwd=root)
    case('-o bots/x[/]y (rich markup)', r, f"stdout ends: {r[1].strip().splitlines()[-1][:60]!r}")

    r = run('train', f'file:{root/"alice.json"}', '--push-to-hub', 'me/bot\nlicense: evil', *fast, cwd=root)
    case('--push-to-hub id with a newline', r, 'no training started' if 'Held-out' not in r[1] + r[2] else 'TRAINED')

    r = run('generate', 'bots/typo', cwd=root)
    case('generate a mistyped bot folder', r, '')

    posts_file(root/'escapes.json', 'esc', [p + ' \x1b]0;owned\x07\x1b[2J' for p in POSTS])
    r = run('download', f'file:{root/"escapes.json"}', cwd=root)
    case('posts with terminal escape sequences', r, f"raw ESC in output: {chr(27) in r[1] + r[2]}")

    bot = root/'bots'/'alice'
    stop_at_2 = (f"from huggingtweets.train import train\nfrom huggingtweets.dataset import BotDataset\n"
                 f"from huggingtweets.core import HuggingTweetsError\n"
                 f"try: train(BotDataset('alice', {POSTS!r}, {POSTS[:5]!r}, []), {str(bot)!r}, base_model={tiny!r}, wandb='disabled', block_size=32, "
                 f"callbacks=[lambda p: p['step'] == 2])\nexcept HuggingTweetsError as e: print(e)")
    subprocess.run([sys.executable, '-c', stop_at_2], capture_output=True, text=True, env={**os.environ, 'WANDB_MODE': 'disabled'})
    r = run('train', f'file:{root/"alice.json"}', '-o', str(bot), *fast, cwd=root)
    case('train again over an unfinished training', r, f"checkpoints kept: {sorted(p.name for p in (bot/'checkpoints').glob('checkpoint-*'))}")

    from filelock import FileLock
    bot.mkdir(parents=True, exist_ok=True)
    with FileLock(bot/'.huggingtweets.lock'):
        r = run('train', f'file:{root/"alice.json"}', '-o', str(bot), *fast, '--restart', cwd=root)
    case('a second training into the same folder', r, '')

    print('| case | exit | traceback | time | last line on stderr | on disk |\n|---|---|---|---|---|---|')
    for row in rows: print('| ' + ' | '.join(str(c).replace('|', '\\|') for c in row) + ' |')

if __name__ == '__main__': main()

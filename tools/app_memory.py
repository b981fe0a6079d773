"""The web app's memory through rounds of a scripted client (issue 12).

Starts the web app (`huggingtweets.appserver.serve`) on a free port with a tiny model, then runs rounds of a client that
does over the kernel's websocket what the page does in a browser: load the page, ask its widgets' states, type the
account (`archive:sample`), press "Download posts" and wait for the stats table, "Train the bot" and wait for the
held-out loss, "Generate" and wait for the samples, then disconnect without shutting its kernel down (as a tab that
crashed would). The client speaks Jupyter's v1 kernel websocket protocol, as Voilà's page does; `--legacy` makes it
speak the older one, which made the server grow to 18.7 GB before issue 12 (the app now refuses it).

A sampler adds up the resident memory (RSS) of the Voilà process and its kernels every 0.2 s. The script prints the
peak of each round and writes the figures as JSON; it exits with 1 when a round fails or a peak is over `--limit-mb`.

    python tools/app_memory.py --rounds 20 --out app_memory.json
"""
import argparse, html, json, os, re, subprocess, sys, tempfile, threading, time, urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT/'tests')]
import psutil
from appclient import Page, free_port  # the page's test client, shared with tests/test_app.py

def start_app(tmp:Path, port:int, **serve_options)->tuple[subprocess.Popen, str]:
    "The web app on `port`, training a tiny model on at most 100 posts: (its process, its address with the token)"
    from huggingtweets.testing import tiny_base
    env = {**os.environ, 'PYTHONPATH': os.pathsep.join([str(ROOT), os.environ.get('PYTHONPATH', '')]).rstrip(os.pathsep),
           'HUGGINGTWEETS_BASE_MODEL': str(tiny_base(tmp/'tiny')), 'HUGGINGTWEETS_EPOCHS': '1', 'HUGGINGTWEETS_MAX_POSTS': '100',
           'HUGGINGTWEETS_CACHE': str(tmp/'cache'), 'HUGGINGTWEETS_WANDB': 'disabled', 'WANDB_MODE': 'disabled', 'HF_HUB_OFFLINE': '1'}
    env.pop('HUGGINGTWEETS_BOTS_DIR', None)
    log = open(tmp/'app.log', 'w')
    proc = subprocess.Popen([sys.executable, '-c', f'from huggingtweets.appserver import serve; serve({port}, **{serve_options!r})'],
                            cwd=tmp, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    for _ in range(480):
        if proc.poll() is not None: sys.exit(f'the app ended early:\n{(tmp/"app.log").read_text()[-3000:]}')
        m = re.search(r'huggingtweets app: (\S+)', (tmp/'app.log').read_text())
        if m:  # the login page answers without starting a kernel
            try: urllib.request.urlopen(f'http://127.0.0.1:{port}/login', timeout=60); return proc, m[1]
            except OSError: pass
        time.sleep(0.5)
    sys.exit(f'the app did not answer:\n{(tmp/"app.log").read_text()[-3000:]}')

def voila_tree(app:subprocess.Popen)->list[psutil.Process]:
    "The Voilà process and its kernels"
    voila = [p for p in psutil.Process(app.pid).children() if re.search(r'voila|huggingtweets\.appserver', ' '.join(p.cmdline()))]
    return voila + [k for v in voila for k in v.children(recursive=True)]

class Sampler(threading.Thread):
    "Adds up the RSS of the Voilà process and its kernels every `every` seconds; `peak()` gives and resets the peak"
    def __init__(self, app, every=0.2):
        super().__init__(daemon=True)
        self.app, self.every, self._peak, self.kernels = app, every, 0, 0
    def run(self):
        while self.app.poll() is None:
            rss, n = 0, 0
            for p in voila_tree(self.app):
                try:
                    if p.status() == psutil.STATUS_ZOMBIE: continue  # ended, not yet reaped: it holds no memory
                    rss += p.memory_info().rss; n += 'ipykernel' in ' '.join(p.cmdline())
                except psutil.Error: pass
            self._peak, self.kernels = max(self._peak, rss), max(self.kernels, n)
            time.sleep(self.every)
    def peak(self)->tuple[int, int]:
        "The peak RSS and the most kernels since the last call"
        out = self._peak, self.kernels
        self._peak = self.kernels = 0
        return out

def short(e:Exception)->str:
    "An error in one line: a refused websocket's status and the reason the server gave"
    why = re.search(r'<pre class="traceback">(.*?)</pre>', str(e), re.S)
    return f'{type(e).__name__}: ' + (f'{e.status_code}: {html.unescape(why[1])}' if why else str(e).split(' -+-+- ')[0])

def one_round(url:str, legacy=False)->dict:
    "The three steps of the wizard on the bundled sample; seconds of each"
    t, out = time.monotonic(), {}
    page = Page(url, legacy)
    try:
        page.type('Account 1', 'archive:sample')
        for button,text,step in (('Download posts', '<td>Tweets kept</td>', 'stats'), ('Train the bot', 'held-out loss', 'training'),
                                 ('Generate', '<table class="ht-samples">', 'samples')):
            page.click(button); page.wait_for(text)
            out[step], t = round(time.monotonic() - t, 1), time.monotonic()
    finally: page.close()
    return out

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--rounds', type=int, default=20)
    ap.add_argument('--out', default='app_memory.json', help='where to write the figures (JSON)')
    ap.add_argument('--limit-mb', type=float, default=1536, help='the most the Voilà process and its kernels may hold')
    ap.add_argument('--legacy', action='store_true', help="speak the older websocket protocol (refused since issue 12)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix='app-memory-') as tmp:
        app, url = start_app(Path(tmp), free_port())
        sampler = Sampler(app); sampler.start()
        time.sleep(1); base, _ = sampler.peak()
        print(f'app at {url.split("?")[0]}; at rest {base / 2**20:,.0f} MB', flush=True)
        rounds, failed = [], None
        try:
            for i in range(1, args.rounds + 1):
                try: steps = one_round(url, args.legacy)
                except Exception as e: steps, failed = {'error': short(e)}, i
                time.sleep(0.5)
                peak, kernels = sampler.peak()
                rounds.append(dict(round=i, peak_mb=round(peak / 2**20), kernels=kernels, seconds=steps))
                print(f'round {i:2d}: peak {peak / 2**20:,.0f} MB, {kernels} kernel(s), {steps}', flush=True)
                if failed: break
        finally:
            os.killpg(app.pid, 2)
            try: app.wait(60)
            except subprocess.TimeoutExpired: os.killpg(app.pid, 9)
        top = max((r['peak_mb'] for r in rounds), default=0)
        result = dict(rounds=rounds, at_rest_mb=round(base / 2**20), max_peak_mb=top, limit_mb=args.limit_mb,
                      legacy=args.legacy, python=sys.version.split()[0])
        Path(args.out).write_text(json.dumps(result, indent=1) + '\n')
        print(f'highest peak {top:,} MB over {len(rounds)} round(s) (limit {args.limit_mb:,.0f} MB); figures in {args.out}')
        if failed: print(f'round {failed} failed: {rounds[-1]["seconds"]["error"]}')
        sys.exit(1 if failed or top > args.limit_mb else 0)

if __name__ == '__main__': main()

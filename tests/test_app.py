"""End to end: the web app (`huggingtweets.appserver.serve`, Voilà) driven in headless Chromium through the three steps,
and refusing what it must refuse: requests without its token, with another Host or from another origin, the older
websocket protocol, local files, a second training, uploads over its limit, and more pages than it serves.

It runs on the bundled sample (`archive:sample`) and a tiny model, so it takes about a minute. Screenshots of each step
go to `$HUGGINGTWEETS_SCREENSHOTS` when set, else to a temporary folder; the test prints where. To refresh the
tutorial's pictures with a real bot, run it with `HUGGINGTWEETS_SCREENSHOTS=nbs/images HUGGINGTWEETS_TEST_BASE_MODEL=embedded
HUGGINGTWEETS_TEST_EPOCHS=3 HUGGINGTWEETS_TEST_MAX_POSTS=3200`. The browser tests are skipped when Debian's chromium is not
installed (`tools/install_browser.sh`, which `make test` runs, installs it); the others drive the page over its websocket
with `appclient.Page`, the test client beside this file.
"""
import copy, json, os, re, signal, subprocess, sys, time, urllib.error, urllib.request, uuid, zipfile
from pathlib import Path
import pytest
from conftest import ROOT
from appclient import Page, V1, free_port

CHROMIUM = '/usr/bin/chromium'
ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync']
EVIL = '<img src=x onerror=alert(1)>'
EVIL_NAME = '<b>Mallory</b> <script>alert("name")</script>'

def hostile_archive(path:Path, n=150)->Path:
    "An X archive like the bundled sample's, of an account whose name and posts are HTML that must show as text"
    from huggingtweets.archives import sample_archive
    with zipfile.ZipFile(sample_archive()) as z: files = {n: z.read(n).decode() for n in z.namelist()}
    def load(name): return json.loads(files[name].split('=', 1)[1])
    def dump(name, var, data): files[name] = f'window.YTD.{var}.part0 = ' + json.dumps(data, indent=1)
    account = load('data/account.js')
    account[0]['account'].update(username='mallory_x', accountDisplayName=EVIL_NAME, accountId='42')
    dump('data/account.js', 'account', account)
    first = load('data/tweets.js')[0]
    tweets = []
    for i in range(n):
        t = copy.deepcopy(first)
        t['tweet'].update(id=str(1000 + i), id_str=str(1000 + i), created_at=f'Mon Jan {i % 28 + 1:02d} 12:00:00 +0000 2024',
                          full_text=f'&lt;img src=x onerror=alert(1)&gt; is post {i} of mine, and it must show as text, never as a picture',
                          entities=dict(hashtags=[], symbols=[], user_mentions=[], urls=[]))
        t['tweet'].pop('edit_info', None)
        tweets.append(t)
    dump('data/tweets.js', 'tweets', tweets)
    dump('data/note-tweet.js', 'note_tweet', [])
    with zipfile.ZipFile(path, 'w') as z:
        for name,text in files.items(): z.writestr(name, text)
    return path

MAX_POSTS = int(os.environ.get('HUGGINGTWEETS_TEST_MAX_POSTS', 100))  # of the 428 of the bundled sample

MAX_UPLOAD_MB = 1

@pytest.fixture(scope='module')
def app(tmp_path_factory):
    "The web app on a free port of 127.0.0.1, training a tiny model: (address with its token, bots folder)"
    tmp = tmp_path_factory.mktemp('app')
    from huggingtweets.testing import tiny_base
    base = os.environ.get('HUGGINGTWEETS_TEST_BASE_MODEL') or str(tiny_base(tmp/'tiny'))
    port = free_port()
    env = {**os.environ, 'HUGGINGTWEETS_BASE_MODEL': base, 'HUGGINGTWEETS_EPOCHS': os.environ.get('HUGGINGTWEETS_TEST_EPOCHS', '1'),
           'HUGGINGTWEETS_MAX_POSTS': str(MAX_POSTS),
           'HUGGINGTWEETS_CACHE': str(tmp/'cache'), 'HUGGINGTWEETS_WANDB': 'disabled', 'WANDB_MODE': 'disabled',
           'HF_HUB_OFFLINE': '1', 'PYTHONPATH': os.pathsep.join(p for p in (str(ROOT), os.environ.get('PYTHONPATH')) if p)}
    env.pop('HUGGINGTWEETS_BOTS_DIR', None)
    log = open(tmp/'app.log', 'w')
    serve = f'serve({port}, max_upload_mb={MAX_UPLOAD_MB}, idle_seconds=10)'
    proc = subprocess.Popen([sys.executable, '-c', f'from huggingtweets.appserver import serve; {serve}'], cwd=tmp, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        for _ in range(240):
            if proc.poll() is not None: pytest.fail(f'the app ended early:\n{(tmp/"app.log").read_text()[-3000:]}')
            m = re.search(rf'huggingtweets app: (http://127\.0\.0\.1:{port}/\?token=[\w-]+) ', (tmp/'app.log').read_text())
            try:
                if m: urllib.request.urlopen(f'http://127.0.0.1:{port}/login', timeout=60); break
            except OSError: pass
            time.sleep(0.5)
        else: pytest.fail(f'the app did not answer on port {port}:\n{(tmp/"app.log").read_text()[-3000:]}')
        yield m[1], tmp/'bots'
    finally:
        import psutil
        started = psutil.Process(proc.pid).children(recursive=True)  # Voilà and its kernels
        proc.send_signal(signal.SIGTERM)  # serve stops Voilà, which shuts its kernels down
        try: proc.wait(60)
        except subprocess.TimeoutExpired: pass
        _, alive = psutil.wait_procs(started, timeout=30)
        try: os.killpg(proc.pid, signal.SIGKILL)  # whatever is left, so that no test leaves processes behind
        except ProcessLookupError: pass
        log.close()
    assert proc.returncode is not None and not alive, f'Voilà or a kernel outlived the app: {alive}'
    assert 'Traceback' not in (tmp/'app.log').read_text(), (tmp/'app.log').read_text()[-5000:]
    token = m[1].split('token=')[1]  # printed once, in the address; in no log line (a 403 of test_strangers_are_refused logged it)
    assert [l for l in (tmp/'app.log').read_text().splitlines() if token in l and not l.startswith('huggingtweets app: ')] == []

@pytest.fixture(scope='module')
def screenshots(tmp_path_factory)->Path:
    out = Path(os.environ.get('HUGGINGTWEETS_SCREENSHOTS') or tmp_path_factory.mktemp('screenshots'))
    out.mkdir(parents=True, exist_ok=True)
    print(f'screenshots in {out}')
    return out

@pytest.fixture
def page(app):
    if not Path(CHROMIUM).exists(): pytest.skip(f'{CHROMIUM} is not installed (run tools/install_browser.sh)')
    pytest.importorskip('playwright.sync_api')
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={'width': 1200, 'height': 900})
        page.dialogs = []
        page.on('dialog', lambda d: (page.dialogs.append(d.message), d.dismiss()))
        yield page
        browser.close()

def shot(page, locator, path):
    "Screenshot one element whole: the app scrolls inside its own pane, so the window is made tall enough first"
    height = int(locator.bounding_box()['height'])
    page.set_viewport_size({'width': 1200, 'height': max(900, height + 100)})
    locator.screenshot(path=path)
    page.set_viewport_size({'width': 1200, 'height': 900})

def test_three_steps(app, page, screenshots):
    url, bots = app
    from playwright.sync_api import expect
    page.goto(url, timeout=180_000)
    step1, step2, step3 = (page.locator(f'.ht-step-{i}') for i in (1, 2, 3))
    expect(step1.get_by_role('button', name='Download posts')).to_be_enabled(timeout=180_000)
    assert 'from huggingtweets.wizard import Wizard' not in page.content()  # code cells are hidden
    fields = step1.locator('.widget-text input')
    expect(fields.nth(0)).to_have_value('archive:sample')
    expect(step2.get_by_role('button', name='Train the bot')).to_be_disabled()
    expect(step3.get_by_role('button', name='Generate')).to_be_disabled()

    # 1. Accounts: the stats table and eight example posts of the bundled sample
    step1.get_by_role('button', name='Download posts').click()
    card = step1.locator('.ht-account')
    expect(card.locator('table')).to_contain_text('Tweets kept', timeout=120_000)
    expect(card.locator('h4')).to_contain_text('@crumbsandcomets')
    expect(card.locator('.ht-posts li')).to_have_count(8)
    rows = dict(r.split('\t') for r in card.locator('tbody tr').evaluate_all(
        "rs => rs.map(r => [...r.cells].map(c => c.innerText).join('\\t'))"))
    assert int(rows['Tweets downloaded']) == min(MAX_POSTS, 428) == sum(int(v) for k,v in rows.items() if k != 'Tweets downloaded')
    shot(page, step1, screenshots/'wizard-1-accounts.png')

    # 2. Train: the progress bar reaches the end, the loss plot and the summary appear
    train = step2.get_by_role('button', name='Train the bot')
    expect(train).to_be_enabled()
    train.click()
    expect(step2.get_by_role('button', name='Cancel')).to_be_enabled(timeout=30_000)
    try: expect(step2.locator('.ht-ok')).to_contain_text('held-out loss', timeout=600_000)
    except AssertionError: raise AssertionError(f'training did not end well; step 2 shows:\n{step2.inner_text()}') from None
    steps = json.loads((bots/'crumbsandcomets'/'huggingtweets.json').read_text())['hyperparameters']['steps']
    expect(step2.locator('.widget-label').filter(has_text=re.compile(r'^Done'))).to_have_text(re.compile(f'^Done: {steps} steps'))
    assert step2.locator('.progress-bar').evaluate('b => b.style.width') == '100%'
    expect(step2.locator('img.widget-image')).to_be_visible()
    expect(step3.locator('code').first).to_have_text(str(bots/'crumbsandcomets'))
    assert (bots/'crumbsandcomets'/'model.safetensors').exists() and (bots/'crumbsandcomets'/'predictions.png').exists()
    shot(page, step2, screenshots/'wizard-2-train.png')

    # 3. Generate: samples with share links; the share image, the style report and the model card are shown
    step3.get_by_role('spinbutton').fill('4')
    step3.get_by_role('button', name='Generate').click()
    samples = step3.locator('.ht-samples tbody tr')
    expect(samples.first).to_be_visible(timeout=120_000)
    assert 1 <= samples.count() <= 4
    for i in range(samples.count()):
        assert samples.nth(i).locator('td').nth(1).inner_text().startswith('My dream is')
        assert samples.nth(i).get_by_role('link', name='Share').get_attribute('href').startswith('https://x.com/intent/post?text=My%20dream%20is')
    image = step3.locator('img.ht-share-image')
    expect(image).to_be_visible()
    assert image.evaluate('i => i.naturalWidth') > 100  # predictions.png, loaded
    report = step3.locator('.ht-report')  # the style report: the sentence, the table and the picture
    expect(report.locator('h4')).to_have_text('How close is it?')
    expect(report.locator('p')).to_contain_text('a classifier picks out the bot')
    assert report.locator('tbody tr').count() >= 8
    expect(step3.locator('img.ht-report-image')).to_be_visible()
    assert step3.locator('img.ht-report-image').evaluate('i => i.naturalWidth') > 100  # report.png, loaded
    shot(page, step3, screenshots/'wizard-3-generate.png')
    step3.get_by_text('Model card (README.md)', exact=True).click()
    card = step3.locator('.jp-RenderedMarkdown')
    expect(card).to_contain_text('@crumbsandcomets')
    shot(page, card, screenshots/'wizard-4-card.png')
    assert page.dialogs == [] and 'Traceback' not in page.content()

def test_hostile_names_and_posts_show_as_text(app, page, tmp_path):
    "An uploaded archive whose name and posts are HTML: they show as text in the cards, samples and model card"
    url, bots = app
    from playwright.sync_api import expect
    page.goto(url, timeout=180_000)
    step1 = page.locator('.ht-step-1')
    expect(step1.get_by_role('button', name='Download posts')).to_be_enabled(timeout=180_000)
    big = tmp_path/'big.zip'
    big.write_bytes(b'PK' + os.urandom(int(MAX_UPLOAD_MB * 1e6)))
    with page.expect_file_chooser() as chooser:  # over the limit: refused in the page, before it is sent
        step1.get_by_role('button', name=re.compile('Upload an archive')).click()
    chooser.value.set_files(str(big))
    expect(step1.locator('.ht-upload-refused')).to_have_text(
        f'big.zip is 1.0 MB; this app takes uploads of up to {MAX_UPLOAD_MB} MB. Zip only the archive\'s data folder '
        '(it holds the posts) and upload that.')
    with page.expect_file_chooser() as chooser:
        step1.get_by_role('button', name=re.compile('Upload an archive')).click()
    chooser.value.set_files(str(hostile_archive(tmp_path/'mallory.zip')))
    fields = step1.locator('.widget-text input')
    expect(fields.nth(0)).to_have_value(re.compile(r'^archive:.*mallory\.zip$'))
    step1.get_by_role('button', name='Download posts').click()
    card = step1.locator('.ht-account')
    expect(card.locator('table')).to_contain_text('Tweets kept', timeout=120_000)
    expect(card.locator('h4')).to_contain_text(EVIL_NAME)
    expect(card.locator('.ht-posts li')).to_have_count(8)
    for text in card.locator('.ht-posts li').all_inner_texts(): assert text.startswith(EVIL), text
    assert page.locator('.ht-account script, .ht-account b').count() == 0
    step2, step3 = page.locator('.ht-step-2'), page.locator('.ht-step-3')
    step2.get_by_role('button', name='Train the bot').click()
    expect(step2.locator('.ht-ok')).to_contain_text('held-out loss', timeout=600_000)
    assert (bots/'mallory_x'/'README.md').exists()
    step3.get_by_text('Model card (README.md)', exact=True).click()
    expect(step3.locator('.jp-RenderedMarkdown')).to_contain_text(EVIL_NAME)
    step3.get_by_role('button', name='Generate').click()
    expect(step3.locator('.ht-samples tbody tr').first).to_be_visible(timeout=120_000)
    assert page.locator('img[src=x]').count() == 0 and page.locator('.ht-step-3 script').count() == 0
    assert page.dialogs == [] and 'Traceback' not in page.content()

def get(url:str, **headers)->tuple[int, str, str]:
    "(status, final address after redirects, body) of a GET"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=120) as r: return r.status, r.url, r.read().decode()
    except urllib.error.HTTPError as e: return e.code, url, e.read().decode()

def websocket_status(url:str, kernel_id:str, query='', **options)->int:
    "The status a kernel websocket request gets: 101 when it opens"
    import websocket
    base = url.split('?')[0].replace('http', 'ws', 1)
    try: websocket.create_connection(f'{base}api/kernels/{kernel_id}/channels?session_id={uuid.uuid4()}&{query}', timeout=60, **options).close()
    except websocket.WebSocketBadStatusException as e: return e.status_code
    return 101

def kernel(url:str, kernel_id:str)->dict|None:
    "What the app says of a kernel (its `connections` among them), or None when it is gone"
    base, token = url.split('?')[0], url.split('token=')[1]
    status, _, body = get(f'{base}api/kernels/{kernel_id}?token={token}')
    return json.loads(body) if status == 200 else None

def test_strangers_are_refused(app):
    "No token or a wrong one, another Host, another origin, the older websocket protocol: refused"
    url, _ = app
    base, token = url.split('?')[0], url.split('token=')[1]
    for address in (base, base + '?token=wrong'):  # sent to the login page; no kernel started
        status, final, body = get(address)
        assert status == 200 and '/login' in final and 'kernelId' not in body, (address, final)
    assert get(url, Host='attacker.example')[0] == 403  # DNS rebinding: even with the token
    assert get(base + 'login', Host='attacker.example')[0] == 403 and get(base + 'login', Host='localhost')[0] == 200
    page = Page(url)
    try:
        kid = page.kernel_id
        assert [get(f'{base}api/kernels/{kid}{q}')[0] for q in ('', '?token=wrong', f'?token={token}')] == [403, 403, 200]
        assert websocket_status(url, kid, subprotocols=[V1]) == 403                        # no token
        assert websocket_status(url, kid, f'token={token}') == 400                         # the older protocol
        assert websocket_status(url, kid, f'token={token}', subprotocols=[V1]) == 101
        # a browser trades the token for a cookie; with the cookie, only the app's own origin may connect
        assert websocket_status(url, kid, cookie=page.cookie, subprotocols=[V1], origin='http://attacker.example') == 403
        assert websocket_status(url, kid, cookie=page.cookie, subprotocols=[V1], origin=base.rstrip('/')) == 101
        import psutil  # the kernel runs without the token
        [k] = [p for p in psutil.process_iter(['cmdline']) if f'kernel-{kid}.json' in ' '.join(p.info['cmdline'] or [])]
        assert 'JUPYTER_TOKEN' not in k.environ() and k.environ()['HUGGINGTWEETS_ALLOW_LOCAL_FILES'] == '0'
        assert k.environ()['HUGGINGTWEETS_ALLOW_LOCAL_NETWORK'] == '0'
    finally: page.close()

def test_local_files_and_second_training_refused(app):
    "The app reads no local file and sends no request to this computer unless allowed, and trains one bot at a time"
    url, bots = app
    from huggingtweets.wizard_parts import training_lock
    page = Page(url)
    try:
        page.type('Account 1', f'file:{ROOT}/README.md')
        page.click('Download posts'); page.wait_for('class="ht-msg ht-error"')
        assert f'file:{ROOT}/README.md: this app reads no files of the computer it runs on' in page.html()
        port = url.split(':')[2].split('/')[0]  # the app's own port: a server on this computer
        page.type('Account 1', f'@x@127.0.0.1:{port}'); page.forget()
        page.click('Download posts'); page.wait_for('class="ht-msg ht-error"')
        assert 'is on this computer or its private network (127.0.0.1)' in page.html(), page.html()[-2000:]
        page.type('Account 1', 'archive:sample'); page.forget()
        page.click('Download posts'); page.wait_for('<td>Tweets kept</td>')
        with training_lock(bots/'.training.lock'):  # this test's process trains, as another page's kernel would
            page.click('Train the bot'); page.wait_for('Another bot is being trained here')
    finally: page.close()

def wait_until(check, what:str):
    for _ in range(240):
        if check(): return
        time.sleep(0.5)
    pytest.fail(what)

def test_kernels_capped_and_culled(app):
    "At most two pages at once: a third takes the place of one that left, or is told to close one; kernels left are culled"
    url, _ = app
    first, second = Page(url), Page(url)  # kernels that earlier tests left make room for these
    status, _, body = get(url)
    assert status == 503 and 'This app has 2 pages open, the most it serves at once; close one, then reload this page' in body
    first.close()
    wait_until(lambda: kernel(url, first.kernel_id)['connections'] == 0, 'the app did not see the page leave')
    third = Page(url)
    assert kernel(url, first.kernel_id) is None and kernel(url, second.kernel_id)
    second.close(); third.close()
    wait_until(lambda: kernel(url, second.kernel_id) is None and kernel(url, third.kernel_id) is None,  # idle_seconds=10
               'the kernels of pages that left were not culled')

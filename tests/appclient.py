"""The web app's page as a test client: what Voilà's page does in a browser, done over the kernel's websocket (Jupyter's
v1 protocol, or the older one with `legacy=True`): load the page, read its widgets' states, type, click, and wait for what
an HTML widget shows. `tests/test_app.py` drives the app with it where no browser is needed, and `tools/app_memory.py`
measures the app's memory through rounds of it."""
import json, re, socket, time, urllib.request, uuid
import websocket
from jupyter_server.services.kernels.connection.base import (deserialize_binary_message, deserialize_msg_from_ws_v1,
                                                             serialize_msg_to_ws_v1)

V1 = 'v1.kernel.websocket.jupyter.org'

def free_port()->int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

class Page:
    "What Voilà's page does over the kernel's websocket: widget states, typing, clicks"
    def __init__(self, url:str, legacy=False, timeout=600):
        self.url, self.legacy, self.timeout = url, legacy, timeout
        with urllib.request.urlopen(url, timeout=120) as r:
            html, self.cookie = r.read().decode(), '; '.join(c.split(';')[0] for c in r.headers.get_all('Set-Cookie') or [])
        self.kernel_id = re.search(r'"kernelId": "([0-9a-f-]+)"', html)[1]
        base, _, query = url.partition('?')
        ws_url = base.replace('http', 'ws', 1) + f'api/kernels/{self.kernel_id}/channels?session_id={uuid.uuid4()}&{query}'
        self.ws = websocket.create_connection(ws_url, subprotocols=None if legacy else [V1], timeout=timeout)
        self.session, self.states = uuid.uuid4().hex, {}
        control = uuid.uuid4().hex
        self.send('comm_open', dict(comm_id=control, target_name='jupyter.widget.control', data={}), {'version': '1.0.0'})
        self.send('comm_msg', dict(comm_id=control, data=dict(method='request_states')))
        while not self.states: self.receive()

    def send(self, msg_type:str, content:dict, metadata=None):
        header = dict(msg_id=uuid.uuid4().hex, username='appclient', session=self.session, msg_type=msg_type, version='5.3',
                      date=time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()))
        if self.legacy:
            self.ws.send(json.dumps(dict(header=header, parent_header={}, metadata=metadata or {}, content=content, channel='shell')))
        else:
            parts = [json.dumps(x).encode() for x in (header, {}, metadata or {}, content)]
            self.ws.send_binary(serialize_msg_to_ws_v1(parts, 'shell'))

    def receive(self):
        "Read one message and follow the widget states it changes"
        data = self.ws.recv()
        if self.legacy: msg = deserialize_binary_message(data) if isinstance(data, bytes) else json.loads(data)
        else:
            _, parts = deserialize_msg_from_ws_v1(data)
            msg = dict(msg_type=json.loads(parts[0])['msg_type'], content=json.loads(parts[3]))
        if msg['msg_type'] != 'comm_msg': return
        data = msg['content']['data']
        if data.get('method') == 'update_states':
            for k,v in data['states'].items(): self.states[k] = v['state']
        elif data.get('method') == 'update': self.states.setdefault(msg['content']['comm_id'], {}).update(data['state'])

    def widget(self, description:str)->str:
        return next(k for k,s in self.states.items() if s.get('description') == description)

    def type(self, description:str, text:str):
        self.send('comm_msg', dict(comm_id=self.widget(description), data=dict(method='update', state=dict(value=text), buffer_paths=[])))
        self.states[self.widget(description)]['value'] = text

    def click(self, description:str):
        "Click a button once it is enabled, as a person would"
        while self.states[self.widget(description)].get('disabled'): self.receive()
        self.send('comm_msg', dict(comm_id=self.widget(description), data=dict(method='custom', content=dict(event='click'))))

    def forget(self):
        "Forget what the HTML widgets show, so that `wait_for` sees only what comes next"
        for s in self.states.values():
            if s.get('_model_name') == 'HTMLModel': s['value'] = ''

    def html(self)->str: return ' '.join(s.get('value', '') for s in self.states.values() if s.get('_model_name') == 'HTMLModel')

    def wait_for(self, text:str):
        "Read messages until an HTML widget shows `text`; an error box ends the round"
        t0 = time.monotonic()
        while text not in self.html():
            if 'class="ht-msg ht-error"' in self.html(): raise RuntimeError(re.sub(r'<[^>]+>', ' ', self.html())[-1500:])
            if time.monotonic() - t0 > self.timeout: raise TimeoutError(f'{text!r} did not appear in {self.timeout} s')
            self.receive()

    def close(self): self.ws.close()

"""Small Bluesky repository exports (CAR files) for the tests and the sources notebook, built with libipld's
DAG-CBOR encoder: a signed-commit block, a Merkle search tree keyed by `collection/rkey`, and the records."""
import hashlib
from pathlib import Path
import libipld


def varint(n:int)->bytes:
    "`n` as an unsigned LEB128 varint, as CAR files frame their header and blocks"
    out = bytearray()
    while True:
        out.append((n & 0x7f) | (0x80 if n > 0x7f else 0))
        n >>= 7
        if not n: return bytes(out)


def encode(value, links=())->bytes:
    "`value` as DAG-CBOR; each CID in `links`, placed in `value` as its bytes, is written as a link (CBOR tag 42)"
    b = libipld.encode_dag_cbor(value)
    for c in links:
        if c: b = b.replace(b'\x58' + bytes([len(c)]) + c, b'\xd8\x2a\x58' + bytes([len(c) + 1]) + b'\x00' + c)
    return b


def add(value, blocks:list, links=())->bytes:
    "Encode `value` as a block, append (CID, bytes) to `blocks`, and return its CID (v1, dag-cbor, sha2-256)"
    data = encode(value, links)
    cid = b'\x01\x71\x12\x20' + hashlib.sha256(data).digest()
    blocks.append((cid, data))
    return cid


def _common(a:bytes, b:bytes)->int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]: n += 1
    return n


def mst_node(entries:list, blocks:list, fanout:int=4)->bytes|None:
    "A search tree of sorted (key, CID) `entries`, at most `fanout` a node, keys prefix-compressed; its root's CID"
    if not entries: return None
    n = len(entries)
    picks = list(range(n)) if n <= fanout else [n * (j + 1) // (fanout + 1) for j in range(fanout)]
    runs = [entries[a + 1:b] for a,b in zip([-1] + picks, picks + [n])]
    left, es, prev = mst_node(runs[0], blocks, fanout), [], b''
    for j,i in enumerate(picks):
        k = entries[i][0].encode(); p = _common(prev, k)
        es.append({'k': k[p:], 'p': p, 't': mst_node(runs[j + 1], blocks, fanout), 'v': entries[i][1]})
        prev = k
    return add({'e': es, 'l': left}, blocks, [left, *(e['t'] for e in es), *(e['v'] for e in es)])


def car_bytes(did:str, records:dict, version:int=3, fanout:int=4)->bytes:
    "A repository export of `did` holding `records` ({'collection/rkey': record}), with a version-`version` commit"
    blocks = []
    entries = sorted((k, add(r, blocks)) for k,r in records.items())
    root = mst_node(entries, blocks, fanout) or add({'e': [], 'l': None}, blocks)
    commit = {'did': did, 'version': version, 'data': root, 'prev': None, 'sig': bytes(64), **({'rev': '3ljlyqit2uk2l'} if version == 3 else {})}
    head = add(commit, blocks, [root])
    header = encode({'version': 1, 'roots': [head]}, [head])
    body = b''.join(varint(len(c) + len(d)) + c + d for c,d in [blocks[-1], *blocks[:-1]])
    return varint(len(header)) + header + body


def make_car(path, did:str, records:dict, **kw)->Path:
    "Write `car_bytes(did, records)` to `path`"
    Path(path).write_bytes(car_bytes(did, records, **kw))
    return Path(path)


def post(text:str, when:str, reply:bool=False, links=(), **kw)->dict:
    "An `app.bsky.feed.post` record; `links` are (shown text, full address) pairs that appear in `text`"
    facets = []
    for shown, uri in links:
        start = text.encode().index(shown.encode())
        facets.append({'index': {'byteStart': start, 'byteEnd': start + len(shown.encode())},
                       'features': [{'$type': 'app.bsky.richtext.facet#link', 'uri': uri}]})
    ref = {'uri': 'at://did:plc:parent/app.bsky.feed.post/3kaaa', 'cid': 'bafyreib2rxk3rh6kzwq'}
    return {'$type': 'app.bsky.feed.post', 'text': text, 'createdAt': when, 'langs': ['en'], **({'facets': facets} if facets else {}),
            **({'reply': {'root': ref, 'parent': ref}} if reply else {}), **kw}

#!/usr/bin/env python3
"""Regenerates testdata/cpython: zlib streams written by CPython's zlib module.

Run from internal/zinflate/testdata: python3 gen_cpython.py
For each input NAME it writes cpython/NAME.in (the data) and cpython/NAME.VARIANT.zlib
(the compressed stream). zinflate's tests check that every stream inflates to its input.
"""
import json
import os
import random
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "cpython")
SESSION = os.path.join(HERE, "..", "..", "..", "fixtures", "bench", "typical-session.json")

rng = random.Random(20240601)

def json_text():
    items = [{"id": i, "name": "item-%d" % i, "tags": ["a", "bb", "ccc"][: i % 3 + 1],
              "price": round(rng.uniform(1, 100), 2), "active": i % 2 == 0} for i in range(12)]
    return json.dumps({"items": items, "page": 1, "user": "alice"}, separators=(",", ":")).encode()

session = open(SESSION, "rb").read().strip()
# A small session: the auth keys and a few short ones (about 250 bytes).
small = json.dumps({k: v for k, v in json.loads(session).items() if k != "cart" and k != "prefs"},
                   separators=(",", ":")).encode()

inputs = {
    "empty": b"",
    "one": b"x",
    "repetitive": b"abc" * 700 + b"a" * 3000 + b"0123456789" * 50,
    "random": rng.randbytes(3000),
    "json": json_text(),
    "session": session,
    "small-session": small,
    "text": b" ".join(rng.choice([b"lorem", b"ipsum", b"dolor", b"sit", b"amet", b"consectetur",
                                   b"adipiscing", b"elit", b"sed", b"do"]) for _ in range(2000)),
    "mixed": b"".join(rng.randbytes(rng.randrange(1, 40)) + b"x" * rng.randrange(0, 300)
                      for _ in range(200)),
}

def variants(data):
    for level in (0, 1, 6, 9):
        yield "L%d" % level, zlib.compress(data, level)
    for wbits in (9, 12):
        c = zlib.compressobj(6, zlib.DEFLATED, wbits)
        yield "W%d" % wbits, c.compress(data) + c.flush()
    c = zlib.compressobj(9, zlib.DEFLATED, 15, 1)  # memLevel 1: many small blocks
    yield "M1", c.compress(data) + c.flush()
    for strategy, name in ((zlib.Z_FIXED, "fixed"), (zlib.Z_HUFFMAN_ONLY, "huffonly"),
                           (zlib.Z_RLE, "rle"), (zlib.Z_FILTERED, "filtered")):
        c = zlib.compressobj(6, zlib.DEFLATED, 15, 8, strategy)
        yield name, c.compress(data) + c.flush()
    # Flushes in the middle: empty stored blocks and byte alignment.
    c = zlib.compressobj(6)
    half = len(data) // 2
    yield "flush", (c.compress(data[:half]) + c.flush(zlib.Z_SYNC_FLUSH) +
                    c.compress(data[half:]) + c.flush(zlib.Z_FULL_FLUSH) + c.flush())

os.makedirs(OUT, exist_ok=True)
for name, data in inputs.items():
    with open(os.path.join(OUT, name + ".in"), "wb") as f:
        f.write(data)
    for v, z in variants(data):
        assert zlib.decompress(z) == data
        with open(os.path.join(OUT, "%s.%s.zlib" % (name, v)), "wb") as f:
            f.write(z)
print("zlib", zlib.ZLIB_RUNTIME_VERSION, "python", sys.version.split()[0], file=sys.stderr)

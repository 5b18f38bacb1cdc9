#!/usr/bin/env python3
"""CPython zlib.compress oracle for internal/zdeflate.

Modes:
  zlib_oracle.py [--out PATH]   write the test-vector corpus (default
                                internal/zdeflate/testdata/vectors.json)
  zlib_oracle.py --check PATH   recompute every vector in PATH with this
                                interpreter's zlib and report mismatches
  zlib_oracle.py --serve        framed stdin/stdout server used by the Go
                                live differential test: each request is a
                                4-byte big-endian length followed by the input;
                                each reply is the same framing around
                                zlib.compress(input).

Large inputs are not stored: a vector may carry a "gen" program (seed + list
of ops) that the Go test replays with the same SplitMix64 generator. Small
outputs are stored in full (base64); large ones as SHA-256 + length.
"""

import base64
import hashlib
import json
import os
import random
import struct
import sys
import zlib

MASK64 = (1 << 64) - 1

# Vocabulary for the "words" op; must match gen_test.go.
WORDS = [
    "the", "session", "user", "id", "cart", "django", "token", "value",
    "expiry", "auth", "hash", "backend", "price", "qty", "sku", "message",
    "csrf", "a", "of", "and", "to", "in", "is", "for", "on", "with", "as",
    "data", "json", "key", "list", "true",
]


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK64

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)


def run_gen(gen):
    """Replay a generator program. Semantics must match gen_test.go."""
    rng = SplitMix64(gen["seed"])
    out = bytearray()
    for op in gen["ops"]:
        kind = op[0]
        if kind == "rand":  # n random bytes, 8 per draw, little endian
            n = op[1]
            buf = bytearray()
            while len(buf) < n:
                buf += struct.pack("<Q", rng.next())
            out += buf[:n]
        elif kind == "alpha":  # n bytes drawn from an alphabet
            n, alphabet = op[1], op[2].encode("latin-1")
            k = len(alphabet)
            out += bytes(alphabet[rng.next() % k] for _ in range(n))
        elif kind == "runs":  # n bytes of runs, run length 1..maxrun
            n, maxrun = op[1], op[2]
            end = len(out) + n
            while len(out) < end:
                b = rng.next() & 0xFF
                r = 1 + rng.next() % maxrun
                out += bytes([b]) * min(r, end - len(out))
        elif kind == "fill":  # n copies of one byte
            out += bytes([op[2]]) * op[1]
        elif kind == "copy":  # LZ77-style copy of n bytes from dist back
            n, dist = op[1], op[2]
            for _ in range(n):
                out.append(out[-dist])
        elif kind == "mut":  # copy with a random byte every ~rate bytes
            n, dist, rate = op[1], op[2], op[3]
            for _ in range(n):
                if rng.next() % rate == 0:
                    out.append(rng.next() & 0xFF)
                else:
                    out.append(out[-dist])
        elif kind == "words":  # n bytes of space-separated words
            n = op[1]
            end = len(out) + n
            while len(out) < end:
                w = WORDS[rng.next() % len(WORDS)].encode() + b" "
                out += w[: end - len(out)]
        elif kind == "hex":
            out += bytes.fromhex(op[1])
        else:
            raise ValueError("unknown op %r" % (kind,))
    return bytes(out)


def session_json(rnd, nitems):
    d = {
        "_auth_user_id": str(rnd.randrange(1, 10**6)),
        "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
        "_auth_user_hash": "%064x" % rnd.getrandbits(256),
        "_session_expiry": rnd.choice([0, 300, 1209600]),
        "cart": [
            {"sku": "%s%04d" % (rnd.choice("WGSX"), rnd.randrange(10000)),
             "qty": rnd.randrange(1, 9),
             "price": round(rnd.random() * 100, 2)}
            for _ in range(nitems)
        ],
        "flash": [rnd.choice(["Saved.", "Welcome back!", "Item added to cart."])
                  for _ in range(rnd.randrange(3))],
    }
    return json.dumps(d, separators=(",", ":")).encode()


def build_corpus():
    vecs = []
    rnd = random.Random(20240611)

    def raw(name, data):
        vecs.append({"name": name, "hex": data.hex()})

    def gen(name, seed, ops):
        vecs.append({"name": name, "gen": {"seed": seed, "ops": ops}})

    raw("empty", b"")
    for b in (0, 1, 0x41, 0x7F, 0x80, 0xFF):
        raw("byte-%02x" % b, bytes([b]))
    for s in [b"a", b"ab", b"abc", b"aaa", b"aaaa", b"abcabc", b"abcabcabc",
              b"hello", b"hello world", b"hello hello hello hello",
              b"{}", b'{"a":1}', b'{"_auth_user_id":"1"}', b"\x00\x00\x00",
              b"The quick brown fox jumps over the lazy dog",
              b"abracadabra abracadabra", b"x" * 10, b"xy" * 10,
              b"0123456789" * 3]:
        raw("short-%d" % len(vecs), s)

    # Random bytes of every length 1..300.
    for n in range(1, 301):
        raw("rand-%d" % n, rnd.randbytes(n))

    # Low-entropy random text of many small lengths.
    for n in list(range(2, 120, 3)) + [200, 257, 258, 259, 260, 261, 262, 263,
                                       500, 1000, 1023, 1024, 1025, 2048, 4096]:
        raw("abc-%d" % n, bytes(rnd.choice(b"abc") for _ in range(n)))
    for n in range(5, 400, 13):
        raw("text-%d" % n, bytes(rnd.choice(b"etaoin shrdlu,.\n") for _ in range(n)))

    # Session-like JSON and its base64 form.
    for i in range(40):
        j = session_json(rnd, rnd.randrange(0, 40))
        raw("session-%d" % i, j)
        if i % 2 == 0:
            raw("session-b64-%d" % i, base64.urlsafe_b64encode(j))
    for i in range(10):
        raw("b64-rand-%d" % i, base64.b64encode(rnd.randbytes(rnd.randrange(10, 3000))))

    # Runs of a single byte.
    for n in (3, 4, 5, 100, 257, 258, 259, 260, 261, 262, 516, 1000, 4096):
        raw("fill-%d" % n, b"z" * n)
    seed = 1000
    for n in (32768, 65536, 70000, 300000, 1 << 20, 5000000):
        gen("fill-%d" % n, seed, [["fill", n, 0]])
        seed += 1

    # Boundary sizes around the symbol buffer, window and slide points.
    sizes = [16382, 16383, 16384, 16385, 32505, 32506, 32507, 32767, 32768,
             32769, 65273, 65274, 65275, 65535, 65536, 65537, 98303, 98304,
             100000, 131072, 300000]
    for n in sizes:
        gen("rand-%d" % n, seed, [["rand", n]])
        seed += 1
        gen("words-%d" % n, seed, [["words", n]])
        seed += 1
        gen("abcd-%d" % n, seed, [["alpha", n, "abcd"]])
        seed += 1
    for n in (16383, 16384, 16385, 65536, 100000, 300000):
        gen("runs-%d" % n, seed, [["runs", n, 40]])
        seed += 1
        gen("lowent-%d" % n, seed, [["alpha", n, "ab"]])
        seed += 1

    # Matches at distances beyond TOO_FAR and near MAX_DIST.
    for dist in (4095, 4096, 4097, 4098, 5000, 8000, 20000, 32505, 32506,
                 32507, 32768):
        for ln in (3, 4, 5, 6, 20, 300):
            gen("far-%d-%d" % (dist, ln), seed,
                [["rand", dist], ["copy", ln, dist], ["rand", 100],
                 ["copy", ln, dist + 7], ["words", 500]])
            seed += 1

    # Long hash chains: many positions sharing the same 3-byte prefixes.
    for n in (1000, 10000, 40000, 70000):
        gen("chains-%d" % n, seed, [["alpha", n, "aaaaaaab"]])
        seed += 1
        gen("chains2-%d" % n, seed,
            [["hex", "616263"], ["alpha", 1, "xyz"], ["copy", n, 4]])
        seed += 1
    for period in (1, 2, 3, 7, 100, 255, 256, 257, 1000):
        gen("period-%d" % period, seed,
            [["rand", period], ["copy", 20000, period]])
        seed += 1

    # Mutated repeats (exercise lazy evaluation and many length codes).
    for rate in (3, 7, 20, 50, 200):
        for dist in (10, 300, 3000, 30000):
            gen("mut-%d-%d" % (rate, dist), seed,
                [["words", dist], ["mut", 8000, dist, rate]])
            seed += 1

    # Mixed large structures.
    for i in range(12):
        r = random.Random(i)
        ops = []
        total = 0
        target = r.choice([5000, 20000, 70000, 150000])
        while total < target:
            k = r.randrange(6)
            n = r.randrange(1, 5000)
            if k == 0:
                ops.append(["rand", n])
            elif k == 1:
                ops.append(["words", n])
            elif k == 2:
                ops.append(["runs", n, r.randrange(1, 300)])
            elif k == 3 and total > 0:
                ops.append(["copy", n, r.randrange(1, min(total, 40000) + 1)])
            elif k == 4 and total > 0:
                ops.append(["mut", n, r.randrange(1, min(total, 40000) + 1), r.randrange(2, 100)])
            else:
                ops.append(["alpha", n, "0123456789abcdef"])
            total += n
        gen("mixed-%d" % i, seed, ops)
        seed += 1
    return vecs


def expected(data):
    out = zlib.compress(data)
    if len(out) <= 3000:
        return {"out": base64.b64encode(out).decode()}
    return {"sha256": hashlib.sha256(out).hexdigest(), "outlen": len(out)}


def input_of(v):
    if "hex" in v:
        return bytes.fromhex(v["hex"])
    return run_gen(v["gen"])


def write(path):
    vecs = build_corpus()
    names = set()
    for v in vecs:
        assert v["name"] not in names, v["name"]
        names.add(v["name"])
        data = input_of(v)
        v["inlen"] = len(data)
        v.update(expected(data))
    doc = {
        "comment": "Generated by scripts/zlib_oracle.py; do not edit.",
        "python": sys.version.split()[0],
        "zlib_version": zlib.ZLIB_VERSION,
        "zlib_runtime_version": zlib.ZLIB_RUNTIME_VERSION,
        "vectors": vecs,
    }
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print("wrote %d vectors to %s (zlib %s)" % (len(vecs), path, zlib.ZLIB_RUNTIME_VERSION))


def check(path):
    with open(path) as f:
        doc = json.load(f)
    bad = 0
    for v in doc["vectors"]:
        data = input_of(v)
        exp = expected(data)
        if len(data) != v["inlen"] or any(v.get(k) != exp[k] for k in exp):
            bad += 1
            print("MISMATCH", v["name"])
    print("python %s zlib %s: %d/%d vectors agree with %s" % (
        sys.version.split()[0], zlib.ZLIB_RUNTIME_VERSION,
        len(doc["vectors"]) - bad, len(doc["vectors"]), path))
    return 1 if bad else 0


def serve():
    rd = sys.stdin.buffer
    wr = sys.stdout.buffer
    while True:
        hdr = rd.read(4)
        if len(hdr) < 4:
            return 0
        (n,) = struct.unpack(">I", hdr)
        data = rd.read(n)
        if len(data) != n:
            return 1
        out = zlib.compress(data)
        wr.write(struct.pack(">I", len(out)))
        wr.write(out)
        wr.flush()


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    default = os.path.join(here, "..", "internal", "zdeflate", "testdata", "vectors.json")
    if len(argv) > 1 and argv[1] == "--serve":
        return serve()
    if len(argv) > 1 and argv[1] == "--check":
        return check(argv[2] if len(argv) > 2 else default)
    if len(argv) > 2 and argv[1] == "--out":
        default = argv[2]
    write(os.path.normpath(default))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""Time real Django on the benchmark session, for comparison with the Go code.

Usage: $(scripts/venv-python 6.1) scripts/bench_django.py [BENCH_DIR]

BENCH_DIR defaults to fixtures/bench next to this script's repository. It
holds typical-session.json (the 1112-byte session JSON),
typical-token-uncompressed.txt and typical-token-compressed.txt, and
optionally secret-key.txt. Each operation is timed with timeit: the loop
count comes from Timer.autorange(), then 7 rounds of that many loops; the
result is the median, in microseconds per operation. Prints one JSON object:
{"django": ..., "python": ..., "results": {name: microseconds}}.
"""

import json
import os
import statistics
import sys
import timeit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import djoracle  # noqa: E402

SECRET_KEY = "django-insecure-perf-anchor-secret-key-0123456789abcdefghijklmnopqrstuv"
SALT = "django.contrib.sessions.SessionStore"
ROUNDS = 7


def read(path):
    with open(path, "rb") as f:
        return f.read()


def median_us(stmt):
    timer = timeit.Timer(stmt)
    loops, _ = timer.autorange()
    times = timer.repeat(repeat=ROUNDS, number=loops)
    return statistics.median(times) / loops * 1e6


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    bench = argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(here),
                                                       "fixtures", "bench")
    key = SECRET_KEY
    key_file = os.path.join(bench, "secret-key.txt")
    if os.path.exists(key_file):
        key = read(key_file).decode("ascii").strip() or key
    djoracle.configure(secret_key=key)

    from django.core import signing

    session_json = read(os.path.join(bench, "typical-session.json")).strip()
    tok_plain = read(os.path.join(bench, "typical-token-uncompressed.txt")).decode().strip()
    tok_z = read(os.path.join(bench, "typical-token-compressed.txt")).decode().strip()

    serializer = signing.JSONSerializer()
    session = serializer.loads(session_json)
    # Sanity: the tokens must be valid for this key and salt.
    assert signing.loads(tok_plain, key=key, salt=SALT) == session
    assert signing.loads(tok_z, key=key, salt=SALT) == session

    ops = {
        "loads_uncompressed": lambda: signing.loads(tok_plain, key=key, salt=SALT),
        "loads_compressed": lambda: signing.loads(tok_z, key=key, salt=SALT),
        "dumps_uncompressed": lambda: signing.dumps(session, key=key, salt=SALT),
        "dumps_compressed": lambda: signing.dumps(session, key=key, salt=SALT,
                                                  compress=True),
        "json_decode": lambda: serializer.loads(session_json),
        "json_encode": lambda: serializer.dumps(session),
    }
    results = {name: round(median_us(fn), 3) for name, fn in ops.items()}
    django_version, python_version = djoracle.versions()
    print(json.dumps({"django": django_version, "python": python_version,
                      "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

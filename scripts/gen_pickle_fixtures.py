#!/usr/bin/env python3
"""Writes fixtures/pickle/python-X.Y.json: CPython pickles of every session value type for
protocols 0-5, pickles of globals the Go decoder must refuse, and (under Django 3.2/4.2)
PickleSerializer session strings. See fixtures/pickle/README.md.

Usage: PYTHONHASHSEED=0 python scripts/gen_pickle_fixtures.py OUTDIR
(scripts/gen_pickle_fixtures runs it under every Python of the matrix.)
"""
import collections
import datetime as dt
import json
import os
import pickle
import platform
import sys
import time
import uuid
import zoneinfo
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pickle_peer  # noqa: E402

UTC = dt.timezone.utc


def cases():
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "fixtures", "bench", "typical-session.json")) as f:
        typical = json.load(f)
    shared = [1, 2]
    yield "none", None
    yield "true", True
    yield "false", False
    for i in [0, 1, 255, 256, 65535, 65536, -1, -256, 2**31 - 1, 2**31, -2**31, -2**31 - 1,
              2**63, -2**63, 2**64, 2**100, -2**100, 2**2031, -2**2031, 2**2048, -2**4000]:
        yield "int %s" % (i if abs(i) < 2**70 else ("2**%d" % i.bit_length() if i > 0 else "-2**%d" % (-i).bit_length())), i
    for x in [0.0, -0.0, 1.5, 1e16, 1e-7, 3.141592653589793, float("nan"), float("inf"), float("-inf"), 1e300]:
        yield "float %r" % x, x
    for s in ["", "a", "\xe9", "hello", "\u20ac", "\U0001f600", "\ud800", "a\nb\\c\r\x00\x1a\t",
              "x" * 255, "x" * 256, "\xff" * 300, "caf\xe9 cr\xe8me \u2713"]:
        yield "str %r" % s[:20], s
    for b in [b"", b"\x00", b"abc", bytes(range(256)), b"x" * 300]:
        yield "bytes %r" % b[:8], b
    yield "bytearray empty", bytearray()
    yield "bytearray abc", bytearray(b"abc\xff")
    yield "list empty", []
    yield "list one", [1]
    yield "list mixed", [1, "a", None, 2.5, True, [], {}]
    yield "list 1000", list(range(1000))
    yield "list 1001", list(range(1001))
    yield "list 300 strings", ["s%d" % i for i in range(300)]
    yield "tuple empty", ()
    yield "tuple 1", (1,)
    yield "tuple 2", (1, "b")
    yield "tuple 3", (1, 2, 3)
    yield "tuple 4", (1, 2, 3, 4)
    yield "tuple nested", ((), ([],), (1, (2,)))
    yield "dict empty", {}
    yield "dict one", {"a": 1}
    yield "dict two", {"a": 1, "b": [2]}
    yield "dict odd keys", {1: "int", (1, 2): "tuple", None: 0, 1.5: "float", False: "bool", b"k": "bytes"}
    yield "dict dollar key", {"$tuple": [1]}
    yield "dict 1000", {"k%d" % i: i for i in range(1000)}
    yield "dict 1001", {"k%d" % i: i for i in range(1001)}
    yield "set empty", set()
    yield "set ints", {1, 2, 3}
    yield "set strs", {"a", "bb", "ccc"}
    yield "set 1000", set(range(1000))
    yield "set 1001", set(range(1001))
    yield "frozenset empty", frozenset()
    yield "frozenset", frozenset({1, "x"})
    yield "set of frozenset", {frozenset({1}), (1, 2)}
    yield "datetime naive", dt.datetime(2024, 1, 2, 3, 4, 5, 6)
    yield "datetime midnight", dt.datetime(2024, 1, 2)
    yield "datetime utc", dt.datetime(2023, 11, 14, 22, 13, 20, 500000, tzinfo=UTC)
    yield "datetime +05:30", dt.datetime(2024, 6, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30)))
    yield "datetime -1us", dt.datetime(2024, 6, 1, 12, 0, tzinfo=dt.timezone(-dt.timedelta(microseconds=1)))
    yield "datetime named", dt.datetime(2024, 6, 1, tzinfo=dt.timezone(dt.timedelta(hours=1), "CET"))
    yield "datetime zoneinfo", dt.datetime(2024, 6, 1, 9, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))
    yield "datetime fold", dt.datetime(2024, 11, 3, 1, 30, fold=1, tzinfo=zoneinfo.ZoneInfo("America/New_York"))
    yield "datetime naive fold", dt.datetime(2024, 11, 3, 1, 30, fold=1)
    yield "datetime no_cache", dt.datetime(2024, 1, 1, tzinfo=zoneinfo.ZoneInfo.no_cache("UTC"))
    yield "datetime min", dt.datetime.min
    yield "datetime max", dt.datetime.max
    yield "datetimes sharing tz", [dt.datetime(2024, 1, 1, tzinfo=UTC), dt.datetime(2024, 1, 2, tzinfo=UTC)]
    yield "date", dt.date(2024, 2, 29)
    yield "date min", dt.date.min
    yield "date max", dt.date.max
    yield "time", dt.time()
    yield "time max", dt.time(23, 59, 59, 999999)
    yield "time utc", dt.time(1, 2, 3, tzinfo=UTC)
    yield "time fold", dt.time(1, 30, fold=1)
    yield "time zoneinfo", dt.time(1, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))
    yield "timedelta zero", dt.timedelta()
    yield "timedelta -1d", dt.timedelta(days=-1)
    yield "timedelta", dt.timedelta(days=1, seconds=2, microseconds=3)
    yield "timedelta max", dt.timedelta.max
    yield "timedelta min", dt.timedelta.min
    for d in ["1.50", "-0", "NaN", "-sNaN", "-Infinity", "1E+3", "123456789012345678901234567890.123", "1E-10", "0E-7"]:
        yield "decimal %s" % d, Decimal(d)
    yield "uuid", uuid.UUID("12345678-1234-5678-1234-567812345678")
    yield "uuid zero", uuid.UUID(int=0)
    yield "uuid max", uuid.UUID(int=2**128 - 1)
    yield "shared list", [shared, shared]
    yield "shared in dict", {"x": shared, "y": (shared, shared)}
    yield "typical session", typical
    yield "session with types", {
        "_auth_user_id": "42",
        "_session_expiry": dt.datetime(2023, 11, 28, 22, 13, 20, tzinfo=UTC),
        "cart": [("W1000", 2, Decimal("9.99")), ("G1037", 1, Decimal("12.50"))],
        "seen": {3, 1, 2},
        "token": uuid.UUID("7d444840-9dc0-11d1-b245-5ffdce74fad2"),
        "avatar": b"\x89PNG\r\n",
        "visits": {dt.date(2024, 1, 1): 3},
        "ttl": dt.timedelta(minutes=30),
    }
    yield "large list", ["i%05d" % i for i in range(7000)]
    yield "large bytes", bytes(range(256)) * 260
    yield "large str", "\u00e9t\u00e9 " * 9400


def refused():
    out = [("collections.OrderedDict", collections.OrderedDict(a=1)),
           ("builtins.complex", complex(1, 2)),
           ("builtins.range", range(3))]
    try:
        import django
        from django.conf import settings
        if not settings.configured:
            settings.configure(USE_I18N=False)
            django.setup()
        from django.utils.translation import gettext_lazy
        out.append(("django.utils.functional._lazy_proxy_unpickle", gettext_lazy("hello")))
    except ImportError:
        pass
    return out


def sessions():
    try:
        import django
    except ImportError:
        return []
    if django.VERSION[0] >= 5:
        return []  # PickleSerializer was removed in 5.0
    from django.conf import settings
    if not settings.configured:
        settings.configure(USE_I18N=False)
    settings.SECRET_KEY = "djsession-pickle-fixture-key"
    settings.SESSION_SERIALIZER = "django.contrib.sessions.serializers.PickleSerializer"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    django.setup()
    import warnings
    warnings.simplefilter("ignore")
    from django.contrib.sessions.backends.cache import SessionStore
    time.time = lambda: 1700000000.25
    data = [
        {"_auth_user_id": "42", "_auth_user_backend": "django.contrib.auth.backends.ModelBackend"},
        {"_session_expiry": dt.datetime(2023, 11, 28, 22, 13, 20, tzinfo=UTC), "cart": [("W1000", 2, Decimal("9.99"))],
         "seen": {1, 2, 3}, "when": dt.date(2024, 1, 1), "id": uuid.UUID(int=7)},
        {"n": list(range(200)), "s": "x" * 500},
    ]
    out = []
    for d in data:
        s = SessionStore()
        enc = s.encode(d)
        assert s.decode(enc) == d
        out.append({"django": django.get_version(), "secret_key": settings.SECRET_KEY,
                    "salt": "django.contrib.sessions.SessionStore", "now": 1700000000.25,
                    "session": pickle_peer.dumps_json(pickle_peer.to_tagged(d)), "encoded": enc})
    return out


def main():
    if os.environ.get("PYTHONHASHSEED") != "0":
        sys.exit("run with PYTHONHASHSEED=0 (set order must be deterministic)")
    outdir = sys.argv[1]
    doc = {"python": platform.python_version(), "cases": [], "refused": [], "sessions": []}
    for name, v in cases():
        tagged = pickle_peer.to_tagged(v)
        back = pickle_peer.from_tagged(json.loads(pickle_peer.dumps_json(tagged)))
        assert pickle_peer.to_tagged(back) == tagged or name.startswith("float nan"), name
        # Pickle the object rebuilt from its tagged form: its strings are fresh objects, as
        # a Go value decoded from the same JSON has distinct strings.
        if "shared" not in name:
            v = back
        doc["cases"].append({"name": name, "value": pickle_peer.dumps_json(tagged),
                             "pickles": {str(p): pickle.dumps(v, p).hex() for p in range(6)}})
    for glob, v in refused():
        doc["refused"].append({"global": glob, "pickles": {str(p): pickle.dumps(v, p).hex() for p in (2, 5)}})
    doc["sessions"] = sessions()
    ver = ".".join(platform.python_version_tuple()[:2])
    path = os.path.join(outdir, "python-%s.json" % ver)
    with open(path, "w") as f:
        f.write(pickle_peer.dumps_json(doc).replace('{"name"', '\n{"name"') + "\n")
    print(path, len(doc["cases"]), "cases,", len(doc["refused"]), "refused,", len(doc["sessions"]), "sessions")


if __name__ == "__main__":
    main()

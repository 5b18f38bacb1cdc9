#!/usr/bin/env python3
"""Writes fixtures/caches/django-<series>.json: the bytes every cache value format of
djsession's caches/ package gets from the real libraries in one Django venv.

Usage: gen_cache_fixtures.py OUTDIR   (run by scripts/gen-cache-fixtures in every venv)
Needs the packages of scripts/venv-extras-caches. See fixtures/caches/README.md.
"""
import datetime as dt
import json
import os
import pickle
import sys
import uuid
import zoneinfo
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cache_formats as cf  # noqa: E402


def values():
    """(name, value) pairs: the session types at the format boundaries."""
    utc = dt.timezone.utc
    session = {
        "_auth_user_id": "42",
        "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
        "_auth_user_hash": "d1b3a6e1c0f5d0f4d4c9a2e4b7c8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6",
        "_session_expiry": 1209600,
        "cart": [{"sku": "A-1", "qty": 2, "price": 9.99}, {"sku": "B-2", "qty": 1, "price": 0.5}],
        "flag": True,
        "nothing": None,
        "lang": "fr",
        "note": "d\u00e9j\u00e0 vu \u20ac \U0001F600",
    }
    out = [("session", session)]
    for i in [0, 1, -1, 127, 128, 255, 256, 65535, 65536, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32,
              2 ** 63 - 1, 2 ** 63, 2 ** 64 - 1, 2 ** 64, 2 ** 70, -31, -32, -33, -128, -129, -32768, -32769,
              -2 ** 31, -2 ** 31 - 1, -2 ** 63, -2 ** 63 - 1, -(2 ** 70), 10 ** 100]:
        out.append(("int %d" % i, i))
    out += [("True", True), ("False", False), ("None", None)]
    for f in [0.0, -0.0, 1.0, 0.1, 1e16, 1e-7, 123456.789, float("inf"), float("-inf")]:
        out.append(("float %r" % f, f))
    for n in [0, 1, 2, 31, 32, 255, 256, 65535, 65536]:
        out.append(("str %d" % n, "x" * n))
    out += [("str unicode", "\u00e9\u20ac\U0001F600\u2028<>&\"\\\x00\x1f\x7f"), ("str digits", "12345"),
            ("str surrogate", "a\ud800b")]
    for n in [0, 1, 15, 16, 255, 256, 65536]:
        out.append(("bytes %d" % n, bytes(range(256)) * (n // 256) + bytes(range(n % 256))))
    out.append(("bytes digits", b"12"))
    out.append(("bytearray", bytearray(b"ab\x00")))
    for n in [0, 1, 15, 16]:
        out.append(("list %d" % n, list(range(n))))
    out += [("list 65535", [0] * 65535), ("list 65536", [0] * 65536)]
    out.append(("tuple", (1, "a", None)))
    out.append(("empty tuple", ()))
    for n in [0, 1, 15, 16]:
        out.append(("dict %d" % n, {"k%d" % i: i for i in range(n)}))
    out.append(("dict int keys", {1: "a", 2.5: "b", True: "c", None: "d"}))
    out.append(("dict bytes key", {b"k": 1}))
    out.append(("dict tuple key", {(1, 2): 1}))
    out.append(("set", {1, 2, 3}))
    out.append(("frozenset", frozenset({"a"})))
    out += [
        ("datetime naive", dt.datetime(2024, 1, 2, 3, 4, 5)),
        ("datetime naive us", dt.datetime(2024, 1, 2, 3, 4, 5, 123456)),
        ("datetime utc", dt.datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=utc)),
        ("datetime offset", dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30)))),
        ("datetime negative offset seconds", dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone(-dt.timedelta(hours=1, seconds=7)))),
        ("datetime zoneinfo", dt.datetime(2024, 7, 1, 12, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))),
        ("datetime zoneinfo fold", dt.datetime(2024, 11, 3, 1, 30, fold=1, tzinfo=zoneinfo.ZoneInfo("America/New_York"))),
        ("date", dt.date(2024, 2, 29)),
        ("time", dt.time(3, 4, 5)),
        ("time us", dt.time(3, 4, 5, 678901)),
        ("time aware", dt.time(3, 4, 5, tzinfo=utc)),
        ("timedelta", dt.timedelta(days=1, seconds=3723, microseconds=5)),
        ("timedelta negative", dt.timedelta(days=-2, seconds=5)),
        ("timedelta zero", dt.timedelta(0)),
        ("Decimal", Decimal("1.50")),
        ("Decimal exp", Decimal("-1E+3")),
        ("UUID", uuid.UUID("12345678-1234-5678-1234-567812345678")),
        ("nested", {"a": [1, (2, 3), {"b": [None, True, 1.5]}], "c": {"d": {"e": "f"}}}),
        ("big session", {"k%d" % i: ["v%d" % i, i, i * 0.5] for i in range(3000)}),
    ]
    if cf.pytz is not None:
        pz = cf.pytz
        paris = pz.timezone("Europe/Paris")
        out += [
            ("datetime pytz utc", dt.datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=pz.utc)),
            ("datetime pytz CET", paris.localize(dt.datetime(2024, 1, 2, 3, 4, 5))),
            ("datetime pytz CEST", paris.localize(dt.datetime(2024, 7, 2, 3, 4, 5))),
            ("datetime pytz fixed", dt.datetime(2024, 1, 2, 3, 4, tzinfo=pz.FixedOffset(90))),
        ]
    return out


def pytz_cases():
    """Pickles holding pytz tzinfos at every protocol, and Django 3.2's timezone.now()."""
    if cf.pytz is None:
        return []
    pz = cf.pytz
    paris = pz.timezone("Europe/Paris")
    ny = pz.timezone("America/New_York")
    cet = paris.localize(dt.datetime(2024, 1, 2, 3, 4, 5))
    cest = paris.localize(dt.datetime(2024, 7, 2, 3, 4, 5))
    cases = [
        ("pytz utc", dt.datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=pz.utc)),
        ("pytz utc twice", [dt.datetime(2024, 1, 2, tzinfo=pz.utc), dt.datetime(2025, 1, 2, tzinfo=pz.utc)]),
        ("pytz zone CET and CEST", {"a": cet, "b": cest, "c": paris.localize(dt.datetime(2024, 2, 2))}),
        ("pytz zone new york", ny.localize(dt.datetime(2024, 11, 3, 1, 30), is_dst=False)),
        ("pytz static zone", dt.datetime(2024, 1, 2, tzinfo=pz.timezone("EST"))),
        ("pytz unlocalized zone", dt.datetime(2024, 1, 2, tzinfo=paris)),
        ("pytz fixed offset", [dt.datetime(2024, 1, 2, tzinfo=pz.FixedOffset(90)),
                               dt.datetime(2024, 1, 2, tzinfo=pz.FixedOffset(-300))]),
        ("pytz bare utc", pz.utc),
    ]
    from django.utils import timezone
    import time
    real = time.time
    time.time = lambda: cf.NOW
    try:
        now = timezone.now()
    finally:
        time.time = real
    later = now + dt.timedelta(days=14)  # a distinct object: shared references are not the point here
    cases.append(("django timezone.now session", {"_auth_user_id": "1", "last_seen": now, "_session_expiry": later}))
    out = []
    for name, v in cases:
        entry = {"name": name, "pickles": {str(p): pickle.dumps(v, p).hex() for p in range(6)}}
        try:
            entry["value"] = json.dumps(cf.to_tagged(v), allow_nan=True)
        except TypeError:
            entry["value"] = None  # a bare tzinfo has no tagged form
        out.append(entry)
    return out


INT_INPUTS = [b"12", b" 12", b"+1", b"-0", b"007", b"1_0", b"1__0", b"_1", b"1_", b"\x0c12\x0b", b"\t-3\r\n",
              b"\x1c12", b"\x8512", b"\xa012", b"", b" ", b"0x10", b"1e3", b"- 1", b"+_1", b"12\x003", b"\x001",
              b"1" * 4300, b"1" * 4301, b"1_" * 4299 + b"1", b"0" * 4301, b"\xef\xbc\x91"]


def int_cases():
    """How each library reads a stored int."""
    out = []
    for data in INT_INPUTS:
        entry = {"data": data.hex()}
        try:
            entry["python"] = str(int(data))
        except ValueError:
            entry["python"] = None
        for lib, flags in (("pylibmc", 4), ("pymemcache", 2)):
            try:
                entry[lib] = str(cf.decode(lib, data, flags))
            except Exception:
                entry[lib] = None
        out.append(entry)
    return out


FLAG_INPUTS = [(b"12", 2), (b"12", 4), (b"\xc3\xa9", 16), (b"\xff", 16), (b"x", 2), (b"\x80\x05K\x01.", 1),
               (b"\x80\x05K\x01.", 3), (b"12", 6), (b"a", 32), (b"a", 64), (b"12", 18), (b"\x80\x05K\x01.", 17),
               (b"ab", 1), (b"1", 8), (b"a", 0), (b"1", 2)]


def flag_cases():
    out = []
    for data, flags in FLAG_INPUTS:
        entry = {"data": data.hex(), "flags": flags}
        for lib in ("pymemcache", "pylibmc"):
            try:
                entry[lib] = json.dumps(cf.to_tagged(cf.decode(lib, data, flags)), allow_nan=True)
            except Exception as e:
                entry[lib] = None
                entry[lib + "_error"] = type(e).__name__
        out.append(entry)
    return out


# Values over 64 KiB are written only in the compressed formats, to keep the fixtures small.
BIG_FORMATS = {"django_redis:pickle:zlib", "django_redis:json:zlib", "django_redis:msgpack:zlib",
               "django_redis:pickle:lz4", "file"}


def is_big(name):
    return name.startswith("big") or name.endswith(" 65535") or name.endswith(" 65536")


def main():
    outdir = sys.argv[1]
    vals = values()
    doc = {"versions": cf.versions(), "now": cf.NOW, "session_key": cf.SESSION_KEY,
           "values": [{"name": n, "value": json.dumps(cf.to_tagged(v), allow_nan=True)} for n, v in vals],
           "formats": {}, "ints": int_cases(), "flags": flag_cases(), "pytz": pytz_cases()}
    tagged = [v["value"] for v in doc["values"]]
    for fmt in cf.formats():
        entries = []
        for i, (name, v) in enumerate(vals):
            if is_big(name) and fmt not in BIG_FORMATS:
                continue
            entry = {"value": i}
            try:
                data, flags, extra = cf.encode(fmt, cf.from_tagged(cf.to_tagged(v)))
            except Exception as e:
                entry["error"] = type(e).__name__
                entries.append(entry)
                continue
            entry["data"] = data.hex()
            if flags is not None:
                entry["flags"] = flags
            entry.update(extra)
            try:
                back = cf.decode(fmt, data, flags)
                if fmt == "file":
                    entry["expiry"] = back["expiry"]
                    back = back["value"]
                back = json.dumps(cf.to_tagged(back), allow_nan=True)
                if back != tagged[i]:  # omitted when the value reads back as it was
                    entry["back"] = back
            except Exception as e:
                entry["back_error"] = type(e).__name__
            entries.append(entry)
        doc["formats"][fmt] = entries
    series = ".".join(cf.django.get_version().split(".")[:2])
    path = os.path.join(outdir, "django-%s.json" % series)
    with open(path, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=False)
        f.write("\n")
    print("wrote %s (%d formats)" % (path, len(doc["formats"])))


if __name__ == "__main__":
    main()

"""The cache value formats of djsession's caches/ package, done by the real libraries.

Shared by scripts/gen_cache_fixtures.py (fixtures/caches/) and scripts/cache_peer.py (the live
peer of caches/live_test.go). Every format is produced by calling the library itself:
Django's RedisSerializer and redis-py's Encoder, django-redis's DefaultClient.encode/decode,
pymemcache's pickle_serde, pylibmc's Client.serialize/deserialize, and Django's DatabaseCache
and FileBasedCache on a scratch SQLite database and directory.

Format names: "redis", "django_redis:<serializer>:<compressor>" (serializer pickle, json or
msgpack; compressor identity, zlib, gzip, lzma, lz4 or zstd), "pymemcache", "pylibmc", "db"
("db-validate": read with validate=True, as Django 6.1 does),
"file".
"""
import atexit
import contextlib
import datetime
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pickle_peer  # noqa: E402

import django  # noqa: E402
from django.conf import settings  # noqa: E402

NOW = 1700000000.25

_tmp = tempfile.mkdtemp(prefix="djsession-cache-fixtures-")
atexit.register(shutil.rmtree, _tmp, ignore_errors=True)  # the scratch database and directory
if not settings.configured:
    settings.configure(
        USE_TZ=True,
        SECRET_KEY="cache-fixtures",
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.path.join(_tmp, "db.sqlite3")}},
        CACHES={
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
            "db": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cache_table",
                   "OPTIONS": {"MAX_ENTRIES": 10 ** 9}},
            "file": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                     "LOCATION": os.path.join(_tmp, "files"), "OPTIONS": {"MAX_ENTRIES": 10 ** 9}},
        },
    )
    django.setup()

try:
    import pytz
except ImportError:  # pragma: no cover
    pytz = None


# --- tagged JSON with Django 3.2's pytz tzinfos (docs/tagged-json.md) ---

_orig_tz_tagged = pickle_peer._tz_tagged
_orig_tz_from = pickle_peer._tz_from


def _tz_tagged(tz):
    if pytz is not None:
        if tz is pytz.utc:
            return {"pytz": "UTC"}
        if isinstance(tz, pytz._FixedOffset):
            return {"pytz_fixed_offset": tz._minutes}
        if isinstance(tz, pytz.tzinfo.DstTzInfo):
            return {"pytz": tz.zone, "offset": pickle_peer._offset_text(tz._utcoffset),
                    "dst": pickle_peer._offset_text(tz._dst), "name": tz._tzname}
        if isinstance(tz, pytz.tzinfo.StaticTzInfo):
            return {"pytz": tz.zone}
    return _orig_tz_tagged(tz)


def _tz_from(t):
    if isinstance(t, dict) and "pytz_fixed_offset" in t:
        return pytz.FixedOffset(t["pytz_fixed_offset"])
    if isinstance(t, dict) and "pytz" in t:
        if "name" not in t:
            return pytz.utc if t["pytz"] == "UTC" else pytz.timezone(t["pytz"])
        secs = lambda s: int(pickle_peer._parse_offset(s).total_seconds())  # noqa: E731
        return pytz._p(t["pytz"], secs(t["offset"]), secs(t["dst"]), t["name"])
    return _orig_tz_from(t)


pickle_peer._tz_tagged = _tz_tagged
pickle_peer._tz_from = _tz_from
to_tagged = pickle_peer.to_tagged
from_tagged = pickle_peer.from_tagged


# --- the formats ---

@contextlib.contextmanager
def quiet_stderr():
    """pylibmc's Client prints C-level warnings on stderr; hide them."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(devnull)
        os.close(saved)


def versions():
    out = {"django": django.get_version(), "python": sys.version.split()[0]}
    for mod in ("redis", "django_redis", "pymemcache", "pylibmc", "msgpack", "lz4", "pyzstd", "pytz"):
        try:
            m = __import__(mod)
            v = getattr(m, "__version__", None) or getattr(m, "VERSION", None)
            out[mod] = ".".join(map(str, v)) if isinstance(v, tuple) else str(v)
        except ImportError:
            out[mod] = None
    return out


def have_redis_cache():
    return django.VERSION >= (4, 0)


def _redis_encoder():
    import redis.connection
    return redis.connection.Encoder("utf-8", "strict", False)


def _django_redis_client(fmt):
    from django_redis.client.default import DefaultClient
    from django.utils.module_loading import import_string
    _, ser, comp = fmt.split(":")
    ser_path = {"pickle": "django_redis.serializers.pickle.PickleSerializer",
                "json": "django_redis.serializers.json.JSONSerializer",
                "msgpack": "django_redis.serializers.msgpack.MSGPackSerializer"}[ser]
    comp_path = "django_redis.compressors.%s.%sCompressor" % (comp, {
        "identity": "Identity", "zlib": "Zlib", "gzip": "Gzip", "lzma": "Lzma", "lz4": "Lz4", "zstd": "ZStd"}[comp])
    client = DefaultClient.__new__(DefaultClient)
    client._serializer = import_string(ser_path)(options={})
    client._compressor = import_string(comp_path)(options={})
    return client


def django_redis_formats():
    import django_redis.compressors as comps
    names = ["identity", "zlib", "lzma", "lz4", "zstd"]
    if os.path.exists(os.path.join(os.path.dirname(comps.__file__), "gzip.py")):
        names.insert(2, "gzip")
    return ["django_redis:%s:%s" % (s, c) for s in ("pickle", "json", "msgpack") for c in names]


_pylibmc_client = None


def _pylibmc():
    global _pylibmc_client
    if _pylibmc_client is None:
        import pylibmc
        with quiet_stderr():
            _pylibmc_client = pylibmc.Client(["127.0.0.1:1"])
    return _pylibmc_client


_db_ready = False


def _db_cache():
    global _db_ready
    from django.core.cache import caches
    if not _db_ready:
        from django.core.management import call_command
        call_command("createcachetable", "cache_table", verbosity=0)
        _db_ready = True
    return caches["db"]


@contextlib.contextmanager
def fixed_time(now):
    import time
    real = time.time
    time.time = lambda: now
    try:
        yield
    finally:
        time.time = real


SESSION_KEY = "abcdefghijklmnopqrstuvwxyz012345"


def encode(fmt, value, timeout=3600):
    """Returns (data bytes, flags or None, extra dict) for value in the format."""
    if fmt == "redis":
        from django.core.cache.backends.redis import RedisSerializer
        return _redis_encoder().encode(RedisSerializer().dumps(value)), None, {}
    if fmt.startswith("django_redis:"):
        return _redis_encoder().encode(_django_redis_client(fmt).encode(value)), None, {}
    if fmt == "pymemcache":
        import pymemcache.serde
        data, flags = pymemcache.serde.pickle_serde.serialize("k", value)
        if isinstance(data, str):
            data = data.encode("ascii")
        return data, flags, {}
    if fmt == "pylibmc":
        with quiet_stderr():
            data, flags = _pylibmc().serialize(value)
        return data, flags, {}
    if fmt in ("db", "db-validate"):
        cache = _db_cache()
        key = "django.contrib.sessions.cache" + SESSION_KEY
        with fixed_time(NOW):
            cache.set(key, value, timeout)
        from django.db import connection
        with connection.cursor() as cur:
            cur.execute("SELECT value, expires FROM cache_table WHERE cache_key = %s", [cache.make_key(key)])
            text, expires = cur.fetchone()
        if not isinstance(expires, str):
            expires = expires.isoformat()
        return text.encode("ascii"), None, {"expires": expires, "now": NOW, "timeout": timeout}
    if fmt == "file":
        from django.core.cache import caches
        cache = caches["file"]
        key = "django.contrib.sessions.cache" + SESSION_KEY
        with fixed_time(NOW):
            cache.set(key, value, timeout)
        full = cache.make_key(key)
        name = cache._key_to_file(key)
        with open(name, "rb") as f:
            data = f.read()
        return data, None, {"key": full, "name": os.path.basename(name), "now": NOW, "timeout": timeout}
    raise ValueError("unknown format %r" % fmt)


def decode(fmt, data, flags=None):
    """Reads data as the library does and returns the Python value."""
    if fmt == "redis":
        from django.core.cache.backends.redis import RedisSerializer
        return RedisSerializer().loads(data)
    if fmt.startswith("django_redis:"):
        return _django_redis_client(fmt).decode(data)
    if fmt == "pymemcache":
        import pymemcache.serde
        return pymemcache.serde.pickle_serde.deserialize("k", data, flags)
    if fmt == "pylibmc":
        if flags & 8:
            import zlib
            data, flags = zlib.decompress(data), flags & ~8
        with quiet_stderr():
            return _pylibmc().deserialize(data, flags)
    if fmt in ("db", "db-validate"):
        import base64
        import pickle
        # "db-validate": as Django 6.1 reads, whatever this Django is.
        validate = fmt == "db-validate" or django.VERSION >= (6, 1)
        return pickle.loads(base64.b64decode(data, validate=validate))
    if fmt == "file":
        # As FileBasedCache reads its files: pickle.load of the expiry from the open
        # file (a buffered reader, which the C unpickler reads ahead of), then the rest.
        import pickle
        import zlib
        name = os.path.join(_tmp, "decode.djcache")
        with open(name, "wb") as f:
            f.write(data)
        with open(name, "rb") as f:
            exp = pickle.load(f)
            if exp is not None:
                # _is_expired compares it with time.time(): TypeError for what is not a
                # number (a damaged file can hold any pickle there).
                exp < time.time()
                exp = float(exp)
            return {"expiry": exp, "value": pickle.loads(zlib.decompress(f.read()))}
    raise ValueError("unknown format %r" % fmt)


def formats():
    out = []
    if have_redis_cache():
        out.append("redis")
    out += django_redis_formats()
    out += ["pymemcache", "pylibmc", "db", "file"]
    return out

#!/usr/bin/env python3
"""Writes fixtures/cachekeys.json: the full cache keys real Django (and django-redis) make
for session keys and raw keys, for `djsession cache-key` to be tested against.

Usage: scripts/venv-python 5.2 | xargs -I{} {} scripts/gen_cache_keys.py [OUT]
       (OUT defaults to fixtures/cachekeys.json; needs django-redis, pymemcache and
       pylibmc in the venv: scripts/venv-extras-caches 5.2)

Every full key comes from Django itself: the session engine's SessionStore(session_key=K)
.cache_key (its cache_key_prefix + K), then the backend's make_key, on backends
instantiated with the CACHES entry (KEY_PREFIX, VERSION). No server is contacted:
make_key does not connect. For FileBasedCache the file name (_key_to_file) is recorded
too, and whether validate_key objects to the full key ("invalid": the memcached backends
raise InvalidCacheKey, Django's others warn, django-redis never checks). Output is deterministic.
"""
import json
import os
import sys
import tempfile
import warnings

import django
from django.conf import settings

settings.configure(
    SECRET_KEY="cachekeys-fixture",
    INSTALLED_APPS=["django.contrib.sessions"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
    USE_TZ=True,
)
django.setup()

from django.contrib.sessions.backends.cache import SessionStore as CacheStore  # noqa: E402
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore  # noqa: E402
from django.core.cache.backends.db import DatabaseCache  # noqa: E402
from django.core.cache.backends.filebased import FileBasedCache  # noqa: E402
from django.core.cache.backends.memcached import PyLibMCCache, PyMemcacheCache  # noqa: E402
from django.core.cache.backends.redis import RedisCache  # noqa: E402
from django_redis.cache import RedisCache as DjangoRedisCache  # noqa: E402

FILE_DIR = os.path.join(tempfile.gettempdir(), "djsession-cachekeys")

# CLI --cache-backend name -> (class, LOCATION)
BACKENDS = {
    "redis": (RedisCache, "redis://127.0.0.1:6379/0"),
    "django-redis": (DjangoRedisCache, "redis://127.0.0.1:6379/0"),
    "pymemcache": (PyMemcacheCache, "127.0.0.1:11211"),
    "pylibmc": (PyLibMCCache, "127.0.0.1:11211"),
    "db": (DatabaseCache, "my_cache_table"),
    "file": (FileBasedCache, FILE_DIR),
}

# (KEY_PREFIX, VERSION); None leaves the setting out (Django's defaults: "" and 1).
SETTINGS = [
    (None, None),
    ("myapp", None),
    ("", 2),
    ("site:1", 7),
    ("pr\u00e9fixe \u20ac", "v2"),
    ("p", "02"),
    ("p", 0),
    ("p", -3),
    ("x" * 40, 12345678901234567890),
]

SESSION_KEYS = ["abcdefgh", "q3f9k2m1z8x7c6v5b4n3m2l1k0j9h8g7"]
RAW_KEYS = ["django.contrib.sessions.cache", "my:key", "caf\u00e9", "sp ace", "k" * 250]


def full_key(backend, key):
    if isinstance(backend, DjangoRedisCache):
        # django-redis makes keys in its client (DefaultClient.make_key), not BaseCache.
        return str(backend.client.make_key(key))
    return backend.make_key(key)


def invalid(backend, key):
    """Whether Django's validate_key objects to the full key: the memcached backends raise
    InvalidCacheKey, the others warn (CacheKeyWarning)."""
    if isinstance(backend, DjangoRedisCache):
        return False  # django-redis never calls validate_key
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            backend.validate_key(key)
        except Exception:
            return True
    return bool(caught)


def case(base, backend, name, user_key, **extra):
    c = dict(base, cache_key=user_key, full_key=full_key(backend, user_key), **extra)
    c["invalid"] = invalid(backend, c["full_key"])
    if name == "file":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            c["file_name"] = os.path.basename(backend._key_to_file(user_key))
    return c


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "cachekeys.json")
    cases = []
    for name, (cls, location) in BACKENDS.items():
        for prefix, version in SETTINGS:
            params = {}
            if prefix is not None:
                params["KEY_PREFIX"] = prefix
            if version is not None:
                params["VERSION"] = version
            backend = cls(location, params)
            base = {"backend": name}
            if prefix is not None:
                base["key_prefix"] = prefix
            if version is not None:
                # The CLI takes VERSION as text: an int as its digits, a str as it is.
                base["version"] = str(version)
                base["version_type"] = type(version).__name__
            for engine, store_cls in (("cache", CacheStore), ("cached_db", CachedDBStore)):
                for sk in SESSION_KEYS:
                    user_key = store_cls(session_key=sk).cache_key
                    cases.append(case(base, backend, name, user_key, engine=engine, key=sk))
            for rk in RAW_KEYS:
                cases.append(case(base, backend, name, rk, raw=True, key=rk))
    doc = {
        "generator": "scripts/gen_cache_keys.py",
        "django": django.get_version(),
        "cases": cases,
    }
    with open(out, "w", encoding="utf-8") as f:  # one case per line
        f.write('{"generator": %s, "django": %s, "cases": [\n' % (json.dumps(doc["generator"]), json.dumps(doc["django"])))
        f.write(",\n".join(json.dumps(c, ensure_ascii=False, sort_keys=True) for c in cases))
        f.write("\n]}\n")
    print("wrote %d cases to %s" % (len(cases), out), file=sys.stderr)


if __name__ == "__main__":
    main()

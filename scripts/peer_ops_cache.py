"""Peer ops for the cache and cached_db session engines (auto-loaded by peer.py).

The caches come from DJSESSION_PEER_SETTINGS (CACHES; for cached_db also DATABASES):
each request names the cache alias the session engine uses ("alias", i.e.
SESSION_CACHE_ALIAS, default "default") and the engine ("engine": "cache" or
"cached_db"); the store is Django's own SessionStore of that engine.

Common request fields: "now" / "time" (the clocks, as in peer_ops_db: float Unix
seconds seen by timezone.now() and signing), "alias", "engine".

Ops:
  cache_session_save    {"key": str|null, "json": dict, "expiry": <as peer_ops_db>,
                         "must_create": bool} -> {"key", "cache_key" (the full key
                         the backend stores it under)}. Django's errors (CreateError,
                         UpdateError, ...) come back as ok=false.
  cache_session_load    {"key"} -> {"found", "key" (after load), "json"}
  cache_session_exists  {"key"} -> {"exists"}
  cache_session_delete  {"key"} -> {}
  cache_make_key        {"key"} -> {"full": caches[alias].make_key(key)}
  cache_get             {"key"} -> {"found", "json"}: caches[alias].get(key) (user key)
  cache_info            {} -> {"backend": class path, "django_redis": version or null}

custom_key_func is a KEY_FUNCTION for the tests ("scripts/peer_ops_cache.custom_key_func"
is importable as "peer_ops_cache.custom_key_func"); RedisClusterClient, a CLIENT_CLASS
for django-redis on a Redis Cluster ("peer_ops_cache.RedisClusterClient").
"""

import importlib

from djoracle import json_text, json_value


def custom_key_func(key, key_prefix, version):
    """A KEY_FUNCTION unlike Django's default: "v<version>/<prefix>/<key>"."""
    return "v%s/%s/%s" % (version, key_prefix, key)


try:
    from django_redis.client import DefaultClient
except ImportError:  # (a venv without django-redis: the cluster alias is then unused)
    DefaultClient = object


class RedisClusterClient(DefaultClient):
    """django-redis's DefaultClient on a Redis Cluster: its LOCATION is a node of the
    cluster, reached through redis-py's cluster client, which sends each key to the node
    that holds its slot. django-redis has no cluster client of its own; this is the usual
    way to run it on one, and every session operation it makes is on a single key."""

    def connect(self, index=0):
        from redis.cluster import RedisCluster

        return RedisCluster.from_url(self._server[index])


_ENGINES = {
    "cache": "django.contrib.sessions.backends.cache",
    "cached_db": "django.contrib.sessions.backends.cached_db",
}


def _store(req):
    engine = req.get("engine") or "cache"
    if engine not in _ENGINES:
        raise ValueError("engine must be cache or cached_db")
    return importlib.import_module(_ENGINES[engine]).SessionStore


class _ctx:
    """SESSION_CACHE_ALIAS and both clocks for one request."""

    def __init__(self, req):
        from django.test.utils import override_settings

        from peer_ops_db import clock

        self.settings = override_settings(SESSION_CACHE_ALIAS=req.get("alias") or "default")
        self.clock = clock(req)

    def __enter__(self):
        self.settings.__enter__()
        self.clock.__enter__()
        return self

    def __exit__(self, *exc):
        self.clock.__exit__(*exc)
        self.settings.__exit__(*exc)
        return False


def op_cache_session_save(req):
    from peer_ops_db import _apply_expiry

    cls = _store(req)
    with _ctx(req):
        s = cls(req.get("key"))
        for k, v in json_value(req.get("json") or "{}").items():
            s[k] = v
        _apply_expiry(s, req.get("expiry"))
        if req.get("key") is None:
            s.save()
        else:
            s.save(must_create=bool(req.get("must_create", False)))
        key = s.session_key
        full = s._cache.make_key(cls.cache_key_prefix + key)
    return {"key": key, "cache_key": str(full)}


def op_cache_session_load(req):
    cls = _store(req)
    with _ctx(req):
        s = cls(req["key"])
        data = s._get_session()
        key = s.session_key
    return {"found": key is not None, "key": key, "json": json_text(dict(data))}


def op_cache_session_exists(req):
    cls = _store(req)
    with _ctx(req):
        return {"exists": bool(cls().exists(req["key"]))}


def op_cache_session_delete(req):
    cls = _store(req)
    with _ctx(req):
        cls(req["key"]).delete()
    return {}


def op_cache_make_key(req):
    from django.core.cache import caches

    return {"full": str(caches[req.get("alias") or "default"].make_key(req["key"]))}


def op_cache_get(req):
    from django.core.cache import caches

    v = caches[req.get("alias") or "default"].get(req["key"])
    return {"found": v is not None, "json": None if v is None else json_text(v)}


def op_cache_info(req):
    from django.core.cache import caches

    c = caches[req.get("alias") or "default"]
    try:
        import django_redis

        dr = ".".join(str(x) for x in django_redis.VERSION)
    except ImportError:
        dr = None
    return {"backend": type(c).__module__ + "." + type(c).__name__, "django_redis": dr}


OPS = {
    "cache_session_save": op_cache_session_save,
    "cache_session_load": op_cache_session_load,
    "cache_session_exists": op_cache_session_exists,
    "cache_session_delete": op_cache_session_delete,
    "cache_make_key": op_cache_make_key,
    "cache_get": op_cache_get,
    "cache_info": op_cache_info,
}

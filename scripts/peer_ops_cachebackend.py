"""Peer ops for Django's cache backends themselves (caches/memcache, caches/dbcache,
caches/filecache live tests): memcached (PyMemcacheCache, PyLibMCCache), DatabaseCache
and FileBasedCache, each built from a CACHES entry sent with the request, the way
django.core.cache builds it: import_string(BACKEND)(LOCATION, other params).

Loaded by peer.py (OPS is merged in). DatabaseCache uses the peer's "default"
database (DJSESSION_PEER_SETTINGS DATABASES). Clocks are the real ones.

Common request fields:
  "cache":   a CACHES entry: {"BACKEND": ..., "LOCATION": ..., "KEY_PREFIX": ...,
             "VERSION": ..., "KEY_FUNCTION": ..., "TIMEOUT": ..., "OPTIONS": ...}.
             KEY_FUNCTION may be "peer_ops_cachebackend.custom_key_func".
  "key":     the user key (before make_key).
  "timeout": absent = the backend default, null = None, else seconds.

Ops:
  cb_set          {cache, key, json, timeout}: cache.set.
  cb_add          {cache, key, json, timeout}: {"added": bool}.
  cb_get          {cache, key}: {"found": bool, "json": text|null}.
  cb_has          {cache, key}: {"has": bool}.
  cb_delete       {cache, key}: {"deleted": bool|null}.
  cb_make_key     {cache, key}: {"full": make_key(key)}.
  cb_set_many_ints {cache, keys}: cache.set(key, i) for each (placement fixtures).
  cb_found        {cache, keys}: {"found": [bool...]}: get of each key finds it.
  cb_mc_raw       {addrs, full_key}: for each "host:port", the meta "mg <key> t f"
                  reply: [{"found": bool, "ttl": int|null, "flags": int|null}].
  cb_createcachetable {table}: createcachetable's create_table on "default".
  cb_db_row       {table, full_key}: {"row": {"value", "expires"}|null} via SQL.
  cb_time         {"time": time.time()}.
  cb_pylibmc_set  {cache, key, pickle_hex, min_compress_len, timeout}: the PyLibMCCache's
                  own pylibmc.Client set(make_key(key), pickle.loads(pickle_hex),
                  get_backend_timeout(timeout), min_compress_len=N), which Django never
                  passes: {"stored": bool, "full": full key}.
  cb_pylibmc_get  {cache, key}: that client's get(make_key(key)): {"found": bool,
                  "type": type name, "pickle_hex": pickle.dumps(value, 5) hex}.
"""

import json
import os
import pickle
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from djoracle import json_text, json_value  # noqa: E402


def custom_key_func(key, key_prefix, version):
    """The custom KEY_FUNCTION of the live tests (mirrored in Go)."""
    return "custom|%s|v%s|%s" % (key_prefix, version, key[::-1])


_caches = {}


def _cache(req):
    from django.utils.module_loading import import_string

    conf = req["cache"]
    ident = json.dumps(conf, sort_keys=True)
    c = _caches.get(ident)
    if c is None:
        params = dict(conf)
        backend = params.pop("BACKEND")
        location = params.pop("LOCATION", "")
        c = _caches[ident] = import_string(backend)(location, params)
        if "PyLibMC" in backend:
            with _quiet_stderr():
                c._cache  # pylibmc 1.6 on Python 3.13 prints harmless noise here
    return c


class _quiet_stderr:
    def __enter__(self):
        sys.stderr.flush()
        self.saved = os.dup(2)
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)
        os.close(null)

    def __exit__(self, *exc):
        os.dup2(self.saved, 2)
        os.close(self.saved)
        return False


def _timeout_kw(req):
    if "timeout" not in req:
        return {}
    return {"timeout": req["timeout"]}


def op_cb_set(req):
    _cache(req).set(req["key"], json_value(req["json"]), **_timeout_kw(req))
    return {}


def op_cb_add(req):
    return {"added": bool(_cache(req).add(req["key"], json_value(req["json"]), **_timeout_kw(req)))}


_MISSING = object()


def op_cb_get(req):
    v = _cache(req).get(req["key"], _MISSING)
    if v is _MISSING:
        return {"found": False, "json": None}
    return {"found": True, "json": json_text(v)}


def op_cb_has(req):
    return {"has": bool(_cache(req).has_key(req["key"]))}


def op_cb_delete(req):
    return {"deleted": _cache(req).delete(req["key"])}


def op_cb_make_key(req):
    return {"full": _cache(req).make_key(req["key"])}


def op_cb_set_many_ints(req):
    c = _cache(req)
    for i, k in enumerate(req["keys"]):
        c.set(k, i, timeout=req.get("timeout", 300))
    return {}


def op_cb_found(req):
    c = _cache(req)
    return {"found": [c.get(k, _MISSING) is not _MISSING for k in req["keys"]]}


def _mg(addr, full_key):
    host, port = addr.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(b"mg " + full_key.encode("utf-8") + b" t f\r\n")
        buf = b""
        while not buf.endswith(b"\r\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
    parts = buf.decode().split()
    if not parts or parts[0] == "EN":
        return {"found": False, "ttl": None, "flags": None}
    out = {"found": True, "ttl": None, "flags": None}
    for tok in parts[1:]:
        if tok.startswith("t"):
            out["ttl"] = int(tok[1:])
        elif tok.startswith("f"):
            out["flags"] = int(tok[1:])
    return out


def op_cb_mc_raw(req):
    return {"servers": [_mg(a, req["full_key"]) for a in req["addrs"]]}


def op_cb_createcachetable(req):
    from django.core.management.commands.createcachetable import Command

    cmd = Command()
    cmd.verbosity = 0
    cmd.create_table("default", req["table"], False)
    return {}


def op_cb_db_row(req):
    from django.db import connection

    q = connection.ops.quote_name
    with connection.cursor() as cur:
        cur.execute("SELECT %s, %s FROM %s WHERE %s = %%s" % (
            q("value"), q("expires"), q(req["table"]), q("cache_key")), [req["full_key"]])
        row = cur.fetchone()
    if row is None:
        return {"row": None}
    return {"row": {"value": row[0], "expires": str(row[1])}}


def op_cb_time(req):
    return {"time": time.time()}


def _pylibmc(req):
    """The CACHES entry's PyLibMCCache, its pylibmc.Client and the validated full key."""
    c = _cache(req)
    if "PyLibMC" not in type(c).__name__:
        raise ValueError("cb_pylibmc_* need a PyLibMCCache, not %s" % type(c).__name__)
    full = c.make_key(req["key"])
    c.validate_key(full)
    return c, c._cache, full


def op_cb_pylibmc_set(req):
    from django.core.cache.backends.base import DEFAULT_TIMEOUT

    c, client, full = _pylibmc(req)
    value = pickle.loads(bytes.fromhex(req["pickle_hex"]))
    timeout = c.get_backend_timeout(req["timeout"] if "timeout" in req else DEFAULT_TIMEOUT)
    stored = client.set(full, value, timeout, min_compress_len=int(req["min_compress_len"]))
    return {"stored": bool(stored), "full": full}


def op_cb_pylibmc_get(req):
    c, client, full = _pylibmc(req)
    v = client.get(full, _MISSING)
    if v is _MISSING:
        return {"found": False, "type": None, "pickle_hex": None}
    return {"found": True, "type": type(v).__name__, "pickle_hex": pickle.dumps(v, 5).hex()}


OPS = {
    "cb_set": op_cb_set,
    "cb_add": op_cb_add,
    "cb_get": op_cb_get,
    "cb_has": op_cb_has,
    "cb_delete": op_cb_delete,
    "cb_make_key": op_cb_make_key,
    "cb_set_many_ints": op_cb_set_many_ints,
    "cb_found": op_cb_found,
    "cb_mc_raw": op_cb_mc_raw,
    "cb_createcachetable": op_cb_createcachetable,
    "cb_db_row": op_cb_db_row,
    "cb_time": op_cb_time,
    "cb_pylibmc_set": op_cb_pylibmc_set,
    "cb_pylibmc_get": op_cb_pylibmc_get,
}

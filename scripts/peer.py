"""Live Django peer: one JSON request per stdin line, one JSON response line each.

Usage: $(scripts/venv-python 4.2) scripts/peer.py

Runs until EOF. Every response is a single line of ASCII JSON, flushed at
once. A request that fails (bad JSON, unknown op, Django raising) gets
{"ok": false, "error": "<exception class>", "message": "..."}; the peer
itself never stops on a bad request. If a request carries "id", the response
echoes it.

Common optional request fields: "key" (signing key / SECRET_KEY; absent or
null = the peer's settings SECRET_KEY), "fallback_keys" (list; absent or
null = not passed, i.e. settings.SECRET_KEY_FALLBACKS, which is []),
"time" (float seconds seen by django.core.signing's time.time(); absent or
null = the real clock). Values travel as Django-JSON text in "json" (read
with JSONSerializer().loads(json.encode('latin-1'))).

Ops: hello, dumps, loads, sign, unsign, encode, decode, json_roundtrip,
session_auth_hash, plus salted_hmac and b62 (helpers), and parse_cookie (a
Cookie header, as a str of latin-1 characters as WSGI and ASGI give it to Django,
read by django.http.cookie.parse_cookie; the result as [name, value] pairs in
the dict's order). See fixtures/README.md.
Modules scripts/peer_ops_*.py add more ops (their OPS dicts are merged in), and
the environment variable DJSESSION_PEER_SETTINGS (a JSON object) overrides
Django settings, so engine tests can point a peer at a database or directory.
"""

import json
import os
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import djoracle  # noqa: E402
from djoracle import at_time, json_text, json_value  # noqa: E402

django = djoracle.configure()

from django.conf import settings  # noqa: E402
from django.core import signing  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.utils import crypto  # noqa: E402

FALLBACKS = djoracle.has_fallback_keys()
DJANGO, PYTHON = djoracle.versions()


class Unsupported(Exception):
    """The requested feature does not exist in this Django version."""


class BadRequest(Exception):
    """The request itself is malformed."""


Unsupported.__module__ = BadRequest.__module__ = "peer"

_STORE_CLASSES = {}


def store_class(name):
    name = name or "SessionStore"
    if not isinstance(name, str):
        raise BadRequest("store_class must be a string")
    cls = _STORE_CLASSES.get(name)
    if cls is None:
        cls = _STORE_CLASSES[name] = djoracle.store_class(name)
    return cls


def need(req, field):
    if field not in req:
        raise BadRequest("missing field %r" % field)
    return req[field]


def fallback_keys(req):
    fb = req.get("fallback_keys")
    if fb is None:
        return None
    if not FALLBACKS:
        raise Unsupported("fallback_keys need Django 4.1+ (this is %s)" % DJANGO)
    if not isinstance(fb, list):
        raise BadRequest("fallback_keys must be a list or null")
    return list(fb)


def secret_settings(req):
    """override_settings for SECRET_KEY (from "key") and fallbacks."""
    kw = {}
    if req.get("key") is not None:
        kw["SECRET_KEY"] = req["key"]
    fb = fallback_keys(req)
    if FALLBACKS:
        kw["SECRET_KEY_FALLBACKS"] = fb if fb is not None else []
    return override_settings(**kw)


def signer_for(req):
    kind = req.get("signer", "Signer")
    classes = {"Signer": signing.Signer, "TimestampSigner": signing.TimestampSigner}
    if kind not in classes:
        raise BadRequest("signer must be Signer or TimestampSigner")
    kwargs = {}
    for field in ("key", "salt", "sep", "algorithm"):
        if req.get(field) is not None:
            kwargs[field] = req[field]
    fb = fallback_keys(req)
    if fb is not None:
        kwargs["fallback_keys"] = fb
    return kind, classes[kind](**kwargs)


def op_hello(req):
    return {"django": DJANGO, "python": PYTHON}


def op_dumps(req):
    value = json_value(need(req, "json"))
    kwargs = {"compress": bool(req.get("compress", False))}
    if req.get("key") is not None:
        kwargs["key"] = req["key"]
    if req.get("salt") is not None:
        kwargs["salt"] = req["salt"]
    with at_time(req.get("time")):
        return {"token": signing.dumps(value, **kwargs)}


def op_loads(req):
    kwargs = {}
    if req.get("key") is not None:
        kwargs["key"] = req["key"]
    if req.get("salt") is not None:
        kwargs["salt"] = req["salt"]
    if req.get("max_age") is not None:
        kwargs["max_age"] = req["max_age"]
    fb = fallback_keys(req)
    if fb is not None:
        kwargs["fallback_keys"] = fb
    with at_time(req.get("time")):
        value = signing.loads(need(req, "token"), **kwargs)
    return {"json": json_text(value)}


def op_sign(req):
    kind, signer = signer_for(req)
    with at_time(req.get("time")):
        return {"output": signer.sign(need(req, "value"))}


def op_unsign(req):
    kind, signer = signer_for(req)
    with at_time(req.get("time")):
        if kind == "TimestampSigner" and req.get("max_age") is not None:
            value = signer.unsign(need(req, "input"), max_age=req["max_age"])
        else:
            value = signer.unsign(need(req, "input"))
    return {"value": value}


def op_encode(req):
    cls = store_class(req.get("store_class"))
    value = json_value(need(req, "json"))
    with secret_settings(req), at_time(req.get("time")):
        output = cls().encode(value)
    return {"output": output}


def op_decode(req):
    cls = store_class(req.get("store_class"))
    with secret_settings(req), at_time(req.get("time")), djoracle.LogCapture() as cap:
        value = cls().decode(need(req, "input"))
    return {"json": json_text(value), "warning": bool(cap.records)}


def op_json_roundtrip(req):
    return {"json": json_text(json_value(need(req, "json")))}


def op_session_auth_hash(req):
    from django.contrib.auth.models import User

    secret = req.get("secret", req.get("key"))
    user = User(username="peer", password=need(req, "password"))
    kw = {} if secret is None else {"SECRET_KEY": secret}
    with override_settings(**kw):
        return {"hash": user.get_session_auth_hash()}


def op_salted_hmac(req):
    mac = crypto.salted_hmac(need(req, "key_salt"), need(req, "value"), req.get("secret"),
                             algorithm=req.get("algorithm", "sha1"))
    return {"hex": mac.hexdigest()}


def op_b62(req):
    if hasattr(signing, "b62_encode"):
        enc, dec = signing.b62_encode, signing.b62_decode
    else:
        from django.utils import baseconv

        enc, dec = baseconv.base62.encode, baseconv.base62.decode
    if "n" in req:
        return {"s": enc(int(req["n"]))}
    return {"n": dec(req["s"])}


def op_parse_cookie(req):
    from django.http.cookie import parse_cookie

    return {"cookies": [[k, v] for k, v in parse_cookie(need(req, "header")).items()]}


OPS = {
    "hello": op_hello,
    "dumps": op_dumps,
    "loads": op_loads,
    "sign": op_sign,
    "unsign": op_unsign,
    "encode": op_encode,
    "decode": op_decode,
    "json_roundtrip": op_json_roundtrip,
    "session_auth_hash": op_session_auth_hash,
    "salted_hmac": op_salted_hmac,
    "b62": op_b62,
    "parse_cookie": op_parse_cookie,
}


def _load_plugins():
    """Merge OPS from every scripts/peer_ops_*.py module (engine operations etc.)."""
    import glob
    import importlib

    here = os.path.dirname(os.path.abspath(__file__))
    for path in sorted(glob.glob(os.path.join(here, "peer_ops_*.py"))):
        mod = importlib.import_module(os.path.basename(path)[:-3])
        OPS.update(mod.OPS)


_load_plugins()


def handle(line):
    req_id = None
    try:
        req = json.loads(line)
        if not isinstance(req, dict):
            raise BadRequest("request must be a JSON object")
        req_id = req.get("id")
        op = req.get("op")
        if op not in OPS:
            raise BadRequest("unknown op %r" % (op,))
        resp = {"ok": True}
        resp.update(OPS[op](req))
    except Exception as e:
        resp = {"ok": False, "error": type(e).__name__,
                "error_module": type(e).__module__, "message": str(e)}
        if os.environ.get("DJSESSION_PEER_DEBUG"):
            traceback.print_exc(file=sys.stderr)
    if req_id is not None:
        resp["id"] = req_id
    return resp


def main():
    out = sys.stdout
    for raw in sys.stdin.buffer:
        line = raw.strip()
        if not line:
            continue
        resp = handle(line)
        try:
            text = json.dumps(resp, ensure_ascii=True)
        except Exception as e:  # e.g. a value that cannot be written
            text = json.dumps({"ok": False, "error": type(e).__name__,
                               "message": str(e)})
        out.write(text + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())

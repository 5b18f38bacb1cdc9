"""Peer ops for django.contrib.auth password hashing. Loaded by peer.py (OPS merged in).

Every op runs with PASSWORD_HASHERS = the Django default list plus BCryptPasswordHasher
and MD5PasswordHasher (and, on Django < 5.1, SHA1PasswordHasher and the unsalted MD5/SHA1
hashers), so all the hashers djsession implements are known.

Ops:
  auth_check_password  {"password", "encoded"}: {"ok": true, "result": check_password(...),
                       "must_update": the second value of verify_password (null before 4.2)}.
  auth_make_password   {"password", "algorithm" (default: the preferred hasher), "cheap":
                       bool (small work factors)}: {"encoded": a new hash, random salt}.
  auth_session_hash    {"password", "key"}: get_session_auth_hash of a user with that
                       stored password under SECRET_KEY = key.
  auth_hashers_info    {"hashers": PASSWORD_HASHERS}: {"algorithms": the algorithm of each of
                       get_hashers(), in order} or, when Django cannot load one,
                       {"error": the exception's class name}.
Needs argon2-cffi and bcrypt for those hashers (scripts/venv-extras-auth); they are
imported by Django only when used.
"""

import copy

import django


def _hashers_setting():
    from django.conf import global_settings

    p = "django.contrib.auth.hashers."
    hs = list(global_settings.PASSWORD_HASHERS) + [p + "BCryptPasswordHasher", p + "MD5PasswordHasher"]
    if django.VERSION < (5, 1):
        hs += [p + "SHA1PasswordHasher", p + "UnsaltedMD5PasswordHasher", p + "UnsaltedSHA1PasswordHasher"]
    return list(dict.fromkeys(hs))


def _with_hashers(fn):
    def op(req):
        from django.test.utils import override_settings

        with override_settings(PASSWORD_HASHERS=_hashers_setting()):
            return fn(req)

    return op


@_with_hashers
def check_password(req):
    from django.contrib.auth import hashers

    pw, enc = req["password"], req["encoded"]
    if hasattr(hashers, "verify_password"):
        ok, must_update = hashers.verify_password(pw, enc)
    else:
        ok, must_update = hashers.check_password(pw, enc), None
    return {"result": ok, "must_update": must_update}


@_with_hashers
def make_password(req):
    from django.contrib.auth import hashers

    alg = req.get("algorithm") or "default"
    h = copy.copy(hashers.get_hasher(alg))  # get_hasher caches instances
    if req.get("cheap"):
        if h.algorithm.startswith("pbkdf2"):
            return {"encoded": h.encode(req["password"], h.salt(), 1000)}
        if h.algorithm == "argon2":
            h.time_cost, h.memory_cost, h.parallelism = 1, 64, 2
        if h.algorithm.startswith("bcrypt"):
            h.rounds = 4
        if h.algorithm == "scrypt":
            return {"encoded": h.encode(req["password"], h.salt(), 1024, 8, 2)}
    return {"encoded": h.encode(req["password"], h.salt())}


def session_hash(req):
    from django.contrib.auth.models import User
    from django.test.utils import override_settings

    with override_settings(SECRET_KEY=req["key"]):
        return {"hash": User(password=req["password"]).get_session_auth_hash()}


OPS = {
    "auth_check_password": check_password,
    "auth_make_password": make_password,
    "auth_session_hash": session_hash,
}


def op_auth_hashers_info(req):
    from django.contrib.auth.hashers import get_hashers
    from django.test.utils import override_settings

    with override_settings(PASSWORD_HASHERS=req["hashers"]):
        try:
            return {"ok": True, "algorithms": [h.algorithm for h in get_hashers()]}
        except Exception as e:  # (ImportError, ImproperlyConfigured: what Django raises)
            return {"ok": True, "error": type(e).__name__}


OPS["auth_hashers_info"] = op_auth_hashers_info

"""Generate the auth fixtures (fixtures/auth/django-<series>.json) from the Django in this venv.

Usage: <venv python> scripts/gen_auth_fixtures.py OUTFILE
       (or scripts/gen_auth_fixtures.py --all: every venv of scripts/matrix)

Needs argon2-cffi and bcrypt in the venv (scripts/venv-extras-auth). Records what real
Django does, with fixed salts so the output depends only on the versions:
  "defaults"  the default PASSWORD_HASHERS and their work factors;
  "hashes"    hasher.encode(password, salt[, params]) for every hasher this Django has and
              ascii / unicode / empty / long passwords, with check_password for the right
              and a wrong password and must_update;
  "checks"    check_password on other stored values: Django's own make_password (random
              salts), unusable and malformed passwords, argon2i, $2a$ bcrypt;
  "get_user", "login", "logout", "update_session_auth_hash"
              scenarios on a real SessionStore (cache engine) over a migrated in-memory
              auth_user: the session before and after, the flush()/cycle_key() calls made,
              the user returned, and for login the CSRF secret length after rotate_token.
"""

import base64
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import djoracle  # noqa: E402

if len(sys.argv) == 2 and sys.argv[1] == "--all":
    djoracle.generate_all(__file__, "auth")
    sys.exit(0)

django = djoracle.configure()

from django.conf import settings  # noqa: E402
from django.contrib import auth  # noqa: E402
from django.contrib.auth import hashers  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.contrib.sessions.backends.cache import SessionStore as CacheStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

DJANGO, PYTHON = djoracle.versions()
SERIES = ".".join(DJANGO.split(".")[:2])
FALLBACKS = djoracle.has_fallback_keys()
LEGACY = djoracle.has_legacy_formats()

KEY = "djsession-auth-fixture-key-current-0123456789abcdefghijklmnop"
OLD_KEY = "djsession-auth-fixture-key-retired-ZYXWVUTSRQPONMLKJIHGFEDCB"
OTHER_KEY = "djsession-auth-fixture-key-unrelated"

MB = "django.contrib.auth.backends.ModelBackend"
ALLOW_ALL = "django.contrib.auth.backends.AllowAllUsersModelBackend"

PASSWORDS = {
    "ascii": "correct horse battery staple",
    "unicode": "p\u00e4ssw\u00f6rd \u2603 \u043a\u043b\u044e\u0447 \U0001f511",
    "empty": "",
    "long": "0123456789" * 10 + "x",
}
SALT = "djsessionSalt0123ABCDE"  # 22 characters, like Django's salts
SHORT_SALT = "saltsalt"
BCRYPT_SALT = "$2b$04$abcdefghijklmnopqrstuu"
BCRYPT_SALT_12 = "$2b$12$Zyxwvutsrqponmlkjihgfe"
BCRYPT_SALT_2A = "$2a$05$0123456789ABCDEFGHIJKe"


def hp(name):
    return "django.contrib.auth.hashers." + name


ALL_HASHERS = list(settings.PASSWORD_HASHERS) + [hp("BCryptPasswordHasher"), hp("MD5PasswordHasher")]
if SERIES in ("3.2", "4.2"):
    ALL_HASHERS += [hp("SHA1PasswordHasher"), hp("UnsaltedMD5PasswordHasher"), hp("UnsaltedSHA1PasswordHasher")]
ALL_HASHERS = list(dict.fromkeys(ALL_HASHERS))


def wrong(pw):
    return pw + "!" if pw else "x"


def main(out):
    doc = {"django": DJANGO, "python": PYTHON, "series": SERIES}
    with override_settings(PASSWORD_HASHERS=ALL_HASHERS, SECRET_KEY=KEY):
        doc["defaults"] = defaults()
        doc["hashes"] = hash_cases()
        doc["checks"] = check_cases()
        call_command("migrate", verbosity=0, interactive=False)
        users = make_users()
        doc["users"] = [
            {"id": str(u.pk), "username": u.username, "password": u.password, "is_active": u.is_active}
            for u in users
        ]
        doc["secret_key"] = KEY
        doc["old_secret_key"] = OLD_KEY
        doc["session_auth_hash"] = [
            {"password": u.password, "secret": KEY, "hash": u.get_session_auth_hash()} for u in users
        ]
        doc["get_user"] = get_user_cases(users)
        doc["login"] = login_cases(users)
        doc["logout"] = logout_cases(users)
        doc["update_session_auth_hash"] = update_hash_cases(users)
    with open(out, "w") as f:
        json.dump(doc, f, indent=1, ensure_ascii=True)
        f.write("\n")


def defaults():
    from django.conf import global_settings
    from django.utils.module_loading import import_string

    d = {}
    algs = [import_string(path).algorithm for path in global_settings.PASSWORD_HASHERS]
    d["password_hashers"] = algs
    d["pbkdf2_iterations"] = hashers.PBKDF2PasswordHasher.iterations
    a = hashers.Argon2PasswordHasher
    d["argon2"] = {"time_cost": a.time_cost, "memory_cost": a.memory_cost, "parallelism": a.parallelism}
    d["bcrypt_rounds"] = hashers.BCryptSHA256PasswordHasher.rounds
    s = getattr(hashers, "ScryptPasswordHasher", None)
    d["scrypt"] = None if s is None else {"n": s.work_factor, "r": s.block_size, "p": s.parallelism}
    d["salt_length"] = len(hashers.PBKDF2PasswordHasher().salt())
    return d


class CheapArgon2(hashers.Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 64
    parallelism = 2


def hash_cases():
    cases = []

    def add(name, hasher, pw_name, salt, encode, params=None):
        pw = PASSWORDS[pw_name]
        encoded = encode(pw)
        cases.append({
            "name": name,
            "algorithm": hasher.algorithm,
            "password": pw,
            "wrong": wrong(pw),
            "salt": salt,
            "params": params or {},
            "encoded": encoded,
            "identify": hashers.identify_hasher(encoded).algorithm,
            "check_right": hashers.check_password(pw, encoded),
            "check_wrong": hashers.check_password(wrong(pw), encoded),
            "must_update": hashers.get_hasher("default").algorithm != hasher.algorithm
            or hashers.get_hasher("default").must_update(encoded),
            "hasher_must_update": hasher.must_update(encoded),
        })

    pb = hashers.PBKDF2PasswordHasher()
    pb1 = hashers.PBKDF2SHA1PasswordHasher()
    ar = hashers.Argon2PasswordHasher()
    bc = hashers.BCryptSHA256PasswordHasher()
    bcp = hashers.BCryptPasswordHasher()
    md5 = hashers.MD5PasswordHasher()
    for n in PASSWORDS:
        add("pbkdf2_sha256.1000." + n, pb, n, SALT, lambda p: pb.encode(p, SALT, 1000), {"iterations": 1000})
        add("pbkdf2_sha1.1000." + n, pb1, n, SALT, lambda p: pb1.encode(p, SALT, 1000), {"iterations": 1000})
        add("argon2.cheap." + n, ar, n, SALT, lambda p: CheapArgon2().encode(p, SALT),
            {"time_cost": 1, "memory_cost": 64, "parallelism": 2})
        add("bcrypt_sha256.4." + n, bc, n, BCRYPT_SALT, lambda p: bc.encode(p, BCRYPT_SALT.encode()))
        if n != "long":  # bcrypt 4.1+ refuses passwords over 72 bytes
            add("bcrypt.4." + n, bcp, n, BCRYPT_SALT, lambda p: bcp.encode(p, BCRYPT_SALT.encode()))
        add("md5." + n, md5, n, SALT, lambda p: md5.encode(p, SALT))
        if hasattr(hashers, "ScryptPasswordHasher"):
            sc = hashers.ScryptPasswordHasher()
            add("scrypt.cheap." + n, sc, n, SALT, lambda p: sc.encode(p, SALT, 1024, 8, 1),
                {"n": 1024, "r": 8, "p": 1})
        if SERIES in ("3.2", "4.2"):
            s1 = hashers.SHA1PasswordHasher()
            add("sha1." + n, s1, n, SALT, lambda p: s1.encode(p, SALT))
            um = hashers.UnsaltedMD5PasswordHasher()
            add("unsalted_md5." + n, um, n, "", lambda p: um.encode(p, ""))
            us = hashers.UnsaltedSHA1PasswordHasher()
            add("unsalted_sha1." + n, us, n, "", lambda p: us.encode(p, ""))
    # Default work factors (slow ones once).
    add("pbkdf2_sha256.default.ascii", pb, "ascii", SALT, lambda p: pb.encode(p, SALT),
        {"iterations": pb.iterations})
    add("pbkdf2_sha256.default.short_salt", pb, "ascii", SHORT_SALT, lambda p: pb.encode(p, SHORT_SALT),
        {"iterations": pb.iterations})
    add("argon2.default.ascii", ar, "ascii", SALT, lambda p: ar.encode(p, SALT))
    add("bcrypt_sha256.12.ascii", bc, "ascii", BCRYPT_SALT_12, lambda p: bc.encode(p, BCRYPT_SALT_12.encode()))
    add("bcrypt_sha256.2a.ascii", bc, "ascii", BCRYPT_SALT_2A, lambda p: bc.encode(p, BCRYPT_SALT_2A.encode()))
    if hasattr(hashers, "ScryptPasswordHasher"):
        sc = hashers.ScryptPasswordHasher()
        add("scrypt.default.ascii", sc, "ascii", SALT, lambda p: sc.encode(p, SALT))
    add("md5.short_salt.ascii", md5, "ascii", SHORT_SALT, lambda p: md5.encode(p, SHORT_SALT))
    return cases


def check_cases():
    cases = []

    def add(name, pw, encoded):
        c = {"name": name, "password": pw, "encoded": encoded}
        try:
            c["ok"], c["must_update"] = hashers.verify_password(pw, encoded) if hasattr(
                hashers, "verify_password") else (hashers.check_password(pw, encoded), None)
        except Exception as e:  # Django raises on malformed hashes of a known algorithm
            c["ok"] = False
            c["raises"] = type(e).__name__
        c["usable"] = hashers.is_password_usable(encoded)
        cases.append(c)

    pw = PASSWORDS["unicode"]
    for path in settings.PASSWORD_HASHERS:
        alg = path.rsplit(".", 1)[1]
        if alg in ("UnsaltedMD5PasswordHasher", "UnsaltedSHA1PasswordHasher"):
            continue
        h = hashers.get_hasher(hashers.import_string(path).algorithm)
        if h.algorithm in ("pbkdf2_sha256", "pbkdf2_sha1"):
            enc = h.encode(pw, h.salt(), 1000)
        elif h.algorithm == "argon2":
            enc = CheapArgon2().encode(pw, h.salt())
        elif h.algorithm == "scrypt":
            enc = h.encode(pw, h.salt(), 1024, 8, 2)
        elif h.algorithm.startswith("bcrypt"):
            import bcrypt

            enc = h.encode(pw, bcrypt.gensalt(4))
        else:
            enc = h.encode(pw, h.salt())
        add("random_salt." + h.algorithm + ".right", pw, enc)
        add("random_salt." + h.algorithm + ".wrong", wrong(pw), enc)
    add("make_password.default", "hunter2", hashers.make_password("hunter2"))
    add("unusable.make_password_none", "", hashers.make_password(None))
    add("unusable.bang", "!", "!")
    add("empty_encoded", "", "")
    add("unknown_algorithm", "x", "foo$bar$baz")
    add("malformed.pbkdf2", "x", "pbkdf2_sha256$abc")
    add("malformed.md5", "x", "md5$nosalt")
    import argon2

    raw = argon2.low_level.hash_secret(b"hunter2", b"argon2isalt0123", time_cost=1, memory_cost=64,
                                       parallelism=2, hash_len=32, type=argon2.low_level.Type.I)
    add("argon2i.right", "hunter2", "argon2" + raw.decode())
    add("argon2i.wrong", "hunter3", "argon2" + raw.decode())
    raw = argon2.low_level.hash_secret(b"hunter2", b"argon2idsalt012", time_cost=1, memory_cost=64,
                                       parallelism=2, hash_len=16, type=argon2.low_level.Type.ID)
    add("argon2id.hashlen16", "hunter2", "argon2" + raw.decode())
    return cases


PW_ALICE = hashers.PBKDF2PasswordHasher().encode("alice-password", SALT, 1000)
PW_BOB = hashers.PBKDF2PasswordHasher().encode("bob-password", SALT, 1000)
PW_CAROL = hashers.MD5PasswordHasher().encode("carol-password", SALT)
PW_ALICE_NEW = hashers.PBKDF2PasswordHasher().encode("alice-new-password", SALT, 1000)


def make_users():
    out = []
    for pk, name, pw, active in [(1, "alice", PW_ALICE, True), (2, "bob", PW_BOB, True),
                                 (3, "carol", PW_CAROL, False)]:
        u = User(pk=pk, username=name, password=pw, is_active=active)
        u.save()
        out.append(u)
    return out


class RecordingStore(CacheStore):
    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.calls = []

    def flush(self):
        self.calls.append("flush")
        super().flush()

    def cycle_key(self):
        self.calls.append("cycle_key")
        super().cycle_key()


def auth_hash(password, secret):
    from django.utils.crypto import salted_hmac

    return salted_hmac("django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash", password,
                       secret=secret, algorithm="sha256").hexdigest()


def legacy_hash(password, secret):
    from django.utils.crypto import salted_hmac

    return salted_hmac("django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash", password,
                       secret=secret, algorithm="sha1").hexdigest()


def session_with(data):
    s = RecordingStore()
    for k, v in data.items():
        s[k] = v
    s.save()
    s.calls = []
    return s


def settings_of(backends, fallbacks):
    kw = {"AUTHENTICATION_BACKENDS": backends, "SECRET_KEY": KEY}
    if FALLBACKS:
        kw["SECRET_KEY_FALLBACKS"] = fallbacks
    return kw


def compact(d):
    # The session JSON as Django's JSONSerializer writes it (order kept).
    return json.dumps(d, separators=(",", ":"))


def scenario(name, data, backends=(MB,), fallbacks=(), **extra):
    return dict(name=name, session=compact(data), backends=list(backends), fallbacks=list(fallbacks), **extra)


def get_user_cases(users):
    def ses(uid, backend=MB, h="alice", secret=KEY, **more):
        d = {"_auth_user_id": uid, "_auth_user_backend": backend}
        pw = {"alice": PW_ALICE, "bob": PW_BOB, "carol": PW_CAROL}.get(h)
        if pw is not None:
            d["_auth_user_hash"] = auth_hash(pw, secret)
        elif h is not False:
            d["_auth_user_hash"] = h
        d.update(more)
        return d

    sc = [
        scenario("valid", ses("1", cart=[1, 2])),
        scenario("wrong_hash", ses("1", h="0" * 64, cart=[1])),
        scenario("hash_of_other_user", ses("1", h="bob")),
        scenario("missing_hash", ses("1", h=False)),
        scenario("empty_hash", ses("1", h="")),
        scenario("backend_not_listed", ses("1", backend="myapp.backends.Other")),
        scenario("missing_backend", {"_auth_user_id": "1", "_auth_user_hash": auth_hash(PW_ALICE, KEY)}),
        scenario("no_user_id", {"cart": [1]}),
        scenario("inactive_model_backend", ses("3", h="carol")),
        scenario("inactive_allow_all", ses("3", backend=ALLOW_ALL, h="carol"), backends=[ALLOW_ALL]),
        scenario("two_backends_second", ses("2", backend=ALLOW_ALL, h="bob"), backends=[MB, ALLOW_ALL]),
        scenario("missing_user", ses("99", h="0" * 64)),
        scenario("int_user_id", ses(1)),
        scenario("user_id_leading_zero", ses("01")),
        scenario("user_id_spaces", ses(" 1 ")),
        scenario("user_id_invalid", ses("abc")),
        scenario("hash_with_other_key", ses("1", secret=OTHER_KEY), fallbacks=[OLD_KEY]),
    ]
    if FALLBACKS:
        sc.append(scenario("fallback_key", ses("1", secret=OLD_KEY, cart=[1]), fallbacks=[OTHER_KEY, OLD_KEY]))
        sc.append(scenario("fallback_key_not_configured", ses("1", secret=OLD_KEY)))
    else:
        for s in sc:
            s["fallbacks"] = []
    if LEGACY:
        sc.append(scenario("legacy_sha1_hash", ses("1", h=legacy_hash(PW_ALICE, KEY))))
        sc.append(scenario("legacy_sha1_hash_wrong", ses("1", h=legacy_hash(PW_BOB, KEY))))
    out = []
    for s in sc:
        with override_settings(**settings_of(s["backends"], s["fallbacks"])):
            store = session_with(json.loads(s["session"]))
            req = RequestFactory().get("/")
            req.session = store
            try:
                u = auth.get_user(req)
                s["user"] = str(u.pk) if u.is_authenticated else None
            except Exception as e:
                s["raises"] = type(e).__name__
            s["calls"] = store.calls
            s["after"] = compact(dict(store.items()))
        out.append(s)
    return out


def login_cases(users):
    alice = users[0]
    ah = auth_hash(PW_ALICE, KEY)
    sc = [
        scenario("anonymous_with_data", {"cart": [1, 2]}),
        scenario("empty_session", {}),
        scenario("same_user", {"_auth_user_id": "1", "_auth_user_backend": MB, "_auth_user_hash": ah, "cart": [3]}),
        scenario("same_user_int_id", {"_auth_user_id": 1, "_auth_user_backend": MB, "_auth_user_hash": ah}),
        scenario("same_user_other_backend", {"_auth_user_id": "1", "_auth_user_backend": ALLOW_ALL,
                                             "_auth_user_hash": ah, "cart": [4]}),
        scenario("same_user_stale_hash", {"_auth_user_id": "1", "_auth_user_backend": MB,
                                          "_auth_user_hash": auth_hash(PW_ALICE_NEW, KEY), "cart": [5]}),
        scenario("same_user_no_hash", {"_auth_user_id": "1", "_auth_user_backend": MB, "cart": [6]}),
        scenario("other_user", {"_auth_user_id": "2", "_auth_user_backend": MB,
                                "_auth_user_hash": auth_hash(PW_BOB, KEY), "cart": [7]}),
        scenario("two_backends_explicit", {"cart": [8]}, backends=[MB, ALLOW_ALL], backend=ALLOW_ALL),
    ]
    out = []
    for s in sc:
        with override_settings(**settings_of(s["backends"], s["fallbacks"])):
            store = session_with(json.loads(s["session"]))
            req = RequestFactory().get("/")
            req.session = store
            auth.login(req, alice, backend=s.get("backend"))
            s["user"] = "1"
            s["calls"] = store.calls
            s["after"] = compact(dict(store.items()))
            cookie = req.META.get("CSRF_COOKIE", "")
            s["csrf_length"] = len(cookie)
            s["csrf_alnum"] = cookie.isalnum() and cookie.isascii()
        out.append(s)
    return out


def logout_cases(users):
    s = scenario("logged_in", {"_auth_user_id": "1", "_auth_user_backend": MB,
                               "_auth_user_hash": auth_hash(PW_ALICE, KEY), "cart": [1]})
    with override_settings(**settings_of(s["backends"], s["fallbacks"])):
        store = session_with(json.loads(s["session"]))
        req = RequestFactory().get("/")
        req.session = store
        req.user = users[0]
        auth.logout(req)
        s["calls"] = store.calls
        s["after"] = compact(dict(store.items()))
    return [s]


def update_hash_cases(users):
    alice = users[0]
    s = scenario("password_changed", {"_auth_user_id": "1", "_auth_user_backend": MB,
                                      "_auth_user_hash": auth_hash(PW_ALICE, KEY), "cart": [1]},
                 new_password=PW_ALICE_NEW)
    with override_settings(**settings_of(s["backends"], s["fallbacks"])):
        store = session_with(json.loads(s["session"]))
        req = RequestFactory().get("/")
        req.session = store
        alice.password = PW_ALICE_NEW
        req.user = alice
        auth.update_session_auth_hash(req, alice)
        alice.password = PW_ALICE
        s["calls"] = store.calls
        s["after"] = compact(dict(store.items()))
    return [s]


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])

"""Real Django on both sides of a session migration (compat_test/migrate_live_test.go).

Usage, with a Django venv's Python and the settings of one site in the environment
variable DJSESSION_PEER_SETTINGS (a JSON object: SECRET_KEY, SESSION_ENGINE,
SESSION_SERIALIZER, DATABASES, SESSION_FILE_PATH, CACHES, ...):

    python scripts/migrate_oracle.py make SEED      # the old site: makes users and sessions
    python scripts/migrate_oracle.py check < KEYS   # the new site: reads them back

"make" migrates the database (contenttypes, auth, sessions), creates users, and saves
sessions through the configured engine, as the site's requests would a day earlier: anonymous ones
with random data, logins through django.contrib.auth.login, every form of set_expiry
(none, int seconds, 0, a timedelta, a datetime: a datetime object before Django 4.1,
isoformat text from 4.1 on), one with a value only pickle holds (a set), one that has
expired, one whose stored data is then damaged, one of a user whose password changes
after the login, and one of a user that is then deleted. It prints, per session, what
this Django says of it: its data (as JSONSerializer would write it once an
_session_expiry datetime is its isoformat text; sets, which JSON cannot hold, as
{"$set": sorted items}, with "json_ok" false), the
user get_user would find (by comparing the stored hash with
get_session_auth_hash, so nothing is flushed), when it expires, and whether it still loads.

"check" reads a JSON list of session keys on stdin and prints, per key, what this Django
finds in its engine: whether the session exists, its data (the same text), when it
expires (db and cached_db: the row's expire_date; file: get_expiry_date from the file's
modification time; cache: the Redis TTL in seconds) and the user get_user gives.
"""

import datetime
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import djoracle  # noqa: E402

djoracle.configure()

from importlib import import_module  # noqa: E402

from django.conf import settings  # noqa: E402
from django.contrib import auth  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.contrib.sessions.serializers import JSONSerializer  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.crypto import constant_time_compare  # noqa: E402

ENGINE = import_module(settings.SESSION_ENGINE)
STORE = ENGINE.SessionStore
BACKEND = "django.contrib.auth.backends.ModelBackend"
AGO = 86400  # how long ago "make" saves the sessions, in seconds


def iso(dt):
    return dt.isoformat() if dt is not None else None


def random_value(rng, depth=0):
    kind = rng.randrange(9 if depth < 3 else 6)
    if kind == 0:
        return rng.randrange(-10**6, 10**6)
    if kind == 1:
        return rng.choice([0.5, -2.25, 1e16, 3.0, 1e-07])
    if kind == 2:
        return rng.choice(["", "panier", "caf\u00e9", "\u65e5\u672c", "emoji \U0001f600", "a\"b\\c"])
    if kind == 3:
        return rng.choice([True, False, None])
    if kind == 4:
        return 2**70 + rng.randrange(1000)
    if kind == 5:
        return "s%d" % rng.randrange(1000)
    if kind == 6:
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {"k%d" % i: random_value(rng, depth + 1) for i in range(rng.randrange(4))}


def request_with(session):
    request = RequestFactory().get("/")
    request.session = session
    return request


def login(user, data, expiry):
    session = STORE()
    for k, v in data.items():
        session[k] = v
    request = request_with(session)
    auth.login(request, user, backend=BACKEND)
    if expiry is not None:
        session.set_expiry(expiry)
    session.save()
    return session.session_key


def anonymous(data, expiry):
    session = STORE()
    for k, v in data.items():
        session[k] = v
    if expiry is not None:
        session.set_expiry(expiry)
    session.save()
    return session.session_key


def stored_expiry(key, session):
    """When the engine stops giving the session out, as this Django reads it."""
    engine = settings.SESSION_ENGINE.rsplit(".", 1)[1]
    if engine in ("db", "cached_db"):
        from django.contrib.sessions.models import Session

        row = Session.objects.filter(session_key=key).first()
        return {"expires": iso(row.expire_date) if row else None}
    if engine == "file":
        return {"expires": iso(session.get_expiry_date(modification=session._last_modification()))}
    if engine == "cache":
        from django.core.cache import caches

        cache = caches[settings.SESSION_CACHE_ALIAS]
        full = cache.make_key(session.cache_key)
        client = cache._cache.get_client(full, write=False)
        return {"ttl": client.ttl(full)}
    raise SystemExit("unsupported engine " + settings.SESSION_ENGINE)


def user_of(data):
    """The user get_user would find, without flushing anything."""
    uid = data.get(auth.SESSION_KEY)
    if uid is None or data.get(auth.BACKEND_SESSION_KEY) != BACKEND:
        return None
    user = User.objects.filter(pk=uid).first()
    if user is None:
        return None
    if not constant_time_compare(data.get(auth.HASH_SESSION_KEY, ""), user.get_session_auth_hash()):
        return None
    return user.username


def as_json(data):
    """JSONSerializer's text of data and True, or, when JSON cannot hold it, a JSON text
    with each set as {"$set": sorted items} and False."""
    data = dict(data)
    if isinstance(data.get("_session_expiry"), datetime.datetime):
        data["_session_expiry"] = data["_session_expiry"].isoformat()
    try:
        return JSONSerializer().dumps(data).decode("latin-1"), True
    except TypeError:
        return json.dumps(data, separators=(",", ":"), default=lambda o: {"$set": sorted(o)}), False


def make(seed):
    rng = random.Random(seed)
    if settings.SESSION_ENGINE.endswith(".file"):
        os.makedirs(settings.SESSION_FILE_PATH, exist_ok=True)
    call_command("migrate", verbosity=0, interactive=False)
    users = {}
    for name in ("alice", "bob", "carol", "dave"):
        users[name] = User.objects.create_user(name, password=name + "-pw-%d" % seed)
    # The sessions are saved a day ago (the clock sessions read is set back, and so are the
    # session files' modification times below): a copy that took its expiry from the time
    # of the copy instead would be a day off.
    real_now = timezone.now
    timezone.now = lambda: real_now() - datetime.timedelta(seconds=AGO)
    now = timezone.now()
    cases = []

    def add(case, key):
        cases.append((case, key))

    add("anonymous", anonymous({"cart": [random_value(rng) for _ in range(5)]}, None))
    add("login datetime expiry", login(users["alice"], {"theme": "dark"}, now + datetime.timedelta(days=3)))
    add("login int expiry", login(users["bob"], {}, 3 * 86400))
    add("login timedelta expiry", login(users["alice"], {"n": 1}, datetime.timedelta(days=2, seconds=7)))
    add("browser close", login(users["bob"], {"x": "y"}, 0))
    add("password changed", login(users["carol"], {}, None))
    add("user deleted", login(users["dave"], {}, None))
    add("pickle only", anonymous({"tags": {"a", "b"}}, None))
    add("expired", anonymous({"old": True}, now - datetime.timedelta(hours=1)))
    add("damaged", login(users["bob"], {}, None))
    for i in range(20):
        data = {"r%d" % j: random_value(rng) for j in range(rng.randrange(1, 6))}
        expiry = rng.choice([None, 2 * 86400 + rng.randrange(1000),
                             now + datetime.timedelta(seconds=rng.randrange(2 * 86400, 10**6))])
        if i % 2:
            add("random login", login(users[rng.choice(["alice", "bob"])], data, expiry))
        else:
            add("random", anonymous(data, expiry))

    if settings.SESSION_ENGINE.endswith(".file"):
        for name in os.listdir(settings.SESSION_FILE_PATH):
            path = os.path.join(settings.SESSION_FILE_PATH, name)
            st = os.stat(path)
            os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - AGO * 10**9))
    out = []
    for case, key in cases:
        if case == "expired":  # (loading it would delete it, and the file engine make another)
            out.append({"case": case, "key": key, "data": None, "json_ok": True, "user": None, "expires": None})
            continue
        session = STORE(key)
        data = session.load()
        text, json_ok = as_json(data)
        entry = {"case": case, "key": key, "data": text, "json_ok": json_ok, "user": user_of(data)}
        entry.update(stored_expiry(key, session))
        out.append(entry)

    # What happens after the sessions were saved.
    carol = users["carol"]
    carol.set_password("carol-new-pw")
    carol.save()
    users["dave"].delete()
    damaged = [e for e in out if e["case"] == "damaged"][0]
    damage(damaged["key"])
    for e in out:
        if e["case"] in ("password changed", "user deleted", "damaged"):
            e["user"] = None
    print(json.dumps({"django": djoracle.versions()[0], "sessions": out}))


def damage(key):
    """Change one character of the stored data, so that its signature fails."""
    engine = settings.SESSION_ENGINE.rsplit(".", 1)[1]
    if engine == "db":
        from django.contrib.sessions.models import Session

        row = Session.objects.get(session_key=key)
        row.session_data = flip(row.session_data)
        row.save()
    elif engine == "file":
        path = STORE(key)._key_to_file()
        st = os.stat(path)
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(flip(text))
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    else:
        raise SystemExit("cannot damage sessions of " + settings.SESSION_ENGINE)


def flip(text):
    i = len(text) // 2
    return text[:i] + ("A" if text[i] != "A" else "B") + text[i + 1:]


def check(keys):
    out = []
    for key in keys:
        session = STORE(key)
        exists = session.exists(key)
        entry = {"key": key, "exists": exists}
        if exists:
            data = session.load()
            entry["data"] = as_json(data)[0]
            entry.update(stored_expiry(key, session))
            user = auth.get_user(request_with(session))
            entry["user"] = user.username if user.is_authenticated else None
            entry["key_after"] = session.session_key
        out.append(entry)
    print(json.dumps({"django": djoracle.versions()[0], "sessions": out}))


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "make":
        make(int(sys.argv[2]))
    elif len(sys.argv) == 2 and sys.argv[1] == "check":
        check(json.load(sys.stdin))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()

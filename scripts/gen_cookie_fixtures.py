"""Record what Django's SessionMiddleware does at response time, for djsession's middleware.

Usage: <venv python> scripts/gen_cookie_fixtures.py OUT.json

For a grid of settings x session scenarios x expiry forms x statuses (and existing Vary
headers), runs the installed Django's SessionMiddleware.process_request, a scenario on
request.session, and process_response, with a fixed clock, and records the exact
Set-Cookie value (Morsel.OutputString(), what Django sends after "Set-Cookie: "), the
Vary header, the error raised (SessionInterrupted), the session key afterwards and the
store afterwards. Normally run through scripts/gen-cookie-fixtures for every venv.

The store is an in-memory SessionStore (SessionBase subclass) with db-engine semantics:
load() of a missing key drops the key, save() of a missing key raises UpdateError,
new keys are "newkey" + a 26-digit counter so output is deterministic. Stored data is
kept as Django's session JSON text (json.dumps with compact separators).
"""

import datetime
import json
import os
import sys
import time
import types

T = 1700000000.75  # the fixed clock: time.time() and timezone.now()
TZ = "America/Chicago"
SECRET = "djsession-cookie-fixtures-secret"
KEY = "existingsessionkey00000000000001"  # stored before the request
MISSING = "missingsessionkey000000000000001"  # never stored

os.environ["TZ"] = TZ
time.tzset()

import django  # noqa: E402
from django.conf import settings  # noqa: E402

engine = types.ModuleType("djsession_fixture_engine")
sys.modules["djsession_fixture_engine"] = engine

settings.configure(
    SECRET_KEY=SECRET,
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sessions"],
    USE_TZ=True,
    TIME_ZONE=TZ,
    SESSION_ENGINE="djsession_fixture_engine",
    DATABASES={},
    LOGGING_CONFIG=None,
    ALLOWED_HOSTS=["*"],
)
django.setup()

from django.contrib.sessions import middleware as session_middleware  # noqa: E402
from django.contrib.sessions.backends import base  # noqa: E402
from django.contrib.sessions.backends.base import CreateError, SessionBase, UpdateError  # noqa: E402
from django.contrib.sessions.middleware import SessionMiddleware  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

try:
    from django.contrib.sessions.exceptions import SessionInterrupted  # 3.2+
except ImportError:  # pragma: no cover
    SessionInterrupted = None

VERSION = tuple(int(x) for x in django.get_version().split(".")[:2])
ISO_EXPIRY = VERSION >= (4, 1)  # set_expiry stores isoformat() strings


class FixedTime:
    """Stands in for the time module in django.contrib.sessions.middleware."""

    @staticmethod
    def time():
        return T


def fixed_now():
    if settings.USE_TZ:
        return datetime.datetime.fromtimestamp(T, datetime.timezone.utc)
    return datetime.datetime.fromtimestamp(T)  # naive local time in TZ


session_middleware.time = FixedTime
base.timezone = types.SimpleNamespace(now=fixed_now)

STORE = {}
COUNTER = [0]


def dumps(data):
    return json.dumps(data, separators=(",", ":"))


class SessionStore(SessionBase):
    """In-memory store with the db engine's semantics and deterministic new keys."""

    def _get_new_session_key(self):
        while True:
            COUNTER[0] += 1
            key = "newkey%026d" % COUNTER[0]
            if key not in STORE:
                return key

    def exists(self, session_key):
        return session_key in STORE

    def create(self):
        while True:
            self._session_key = self._get_new_session_key()
            try:
                self.save(must_create=True)
            except CreateError:
                continue
            self.modified = True
            return

    def save(self, must_create=False):
        if self.session_key is None:
            return self.create()
        data = self._get_session(no_load=must_create)
        text = dumps(data)
        if must_create and self.session_key in STORE:
            raise CreateError
        if not must_create and self.session_key not in STORE:
            raise UpdateError
        STORE[self.session_key] = text

    def delete(self, session_key=None):
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        STORE.pop(session_key, None)

    def load(self):
        try:
            return json.loads(STORE[self.session_key])
        except KeyError:
            self._session_key = None
            return {}

    @classmethod
    def clear_expired(cls):
        pass


engine.SessionStore = SessionStore

# Settings variants. Each is a dict of Django settings overriding the defaults.
CFGS = {
    "default": {},
    "every_request": {"SESSION_SAVE_EVERY_REQUEST": True},
    "browser_close": {"SESSION_EXPIRE_AT_BROWSER_CLOSE": True, "SESSION_COOKIE_SAMESITE": "STRICT"},
    "naive": {"USE_TZ": False},
    "secure_host": {
        "SESSION_COOKIE_NAME": "__Host-sid",
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": False,
        "SESSION_COOKIE_SAMESITE": "Strict",
    },
    "domain_path_none": {
        "SESSION_COOKIE_DOMAIN": ".example.com",
        "SESSION_COOKIE_PATH": "/app",
        "SESSION_COOKIE_SAMESITE": "None",
    },
    "no_samesite": {
        "SESSION_COOKIE_NAME": "__Secure-s",
        "SESSION_COOKIE_SAMESITE": None,
        "SESSION_COOKIE_DOMAIN": "example.org",
        "SESSION_COOKIE_SECURE": True,
    },
    "samesite_false": {"SESSION_COOKIE_SAMESITE": False, "SESSION_COOKIE_HTTPONLY": False},
    "lower_lax_nopath": {
        "SESSION_COOKIE_SAMESITE": "lax",
        "SESSION_COOKIE_PATH": "",
        "SESSION_COOKIE_NAME": "my.sid",
    },
    "age_short": {"SESSION_COOKIE_AGE": 60},
    "age_negative": {"SESSION_COOKIE_AGE": -30},
    "every_request_close": {
        "SESSION_SAVE_EVERY_REQUEST": True,
        "SESSION_EXPIRE_AT_BROWSER_CLOSE": True,
        "SESSION_COOKIE_AGE": 3600,
    },
    "naive_every": {"USE_TZ": False, "SESSION_SAVE_EVERY_REQUEST": True, "SESSION_COOKIE_AGE": 7200},
}
FULL_CFGS = ["default", "every_request", "browser_close", "naive", "every_request_close"]


def set_x(s):
    s["x"] = "1"


def flush_set(s):
    s.flush()
    s["y"] = 1


def interrupted(s):
    s["b"] = 2
    STORE.pop(KEY, None)  # deleted by a concurrent request


def delete_a(s):
    del s["a"]


# Scenarios: name -> (cookie value to send or None, action on request.session).
SCENARIOS = {
    "untouched_nocookie": (None, lambda s: None),
    "read_nocookie": (None, lambda s: s.get("a")),
    "set_nocookie": (None, set_x),
    "testcookie_nocookie": (None, lambda s: s.set_test_cookie()),
    "flush_nocookie": (None, lambda s: s.flush()),
    "untouched": (KEY, lambda s: None),
    "read": (KEY, lambda s: s.get("a")),
    "set": (KEY, lambda s: s.__setitem__("b", 2)),
    "delete": (KEY, delete_a),
    "pop_missing": (KEY, lambda s: s.pop("zz", None)),
    "setdefault": (KEY, lambda s: s.setdefault("c", [1, 2])),
    "flush": (KEY, lambda s: s.flush()),
    "clear": (KEY, lambda s: s.clear()),
    "cycle": (KEY, lambda s: s.cycle_key()),
    "flush_set": (KEY, flush_set),
    "interrupted": (KEY, interrupted),
    "missing_read": (MISSING, lambda s: s.get("a")),
    "missing_untouched": (MISSING, lambda s: None),
    "missing_set": (MISSING, set_x),
    "short_cookie": ("abc", lambda s: None),
    "empty_cookie": ("", lambda s: None),
}
SMALL_SCENARIOS = ["set_nocookie", "read", "set", "flush", "cycle", "untouched", "short_cookie"]


def abs_expiry():
    x = T + 3 * 86400 + 0.5
    if settings.USE_TZ:
        return datetime.datetime.fromtimestamp(x, datetime.timezone.utc)
    return datetime.datetime.fromtimestamp(x)


def iso_at(offset):
    x = T + offset
    if settings.USE_TZ:
        return datetime.datetime.fromtimestamp(x, datetime.timezone.utc).isoformat()
    return datetime.datetime.fromtimestamp(x).isoformat()


# Expiry forms: name -> (value stored in the existing session or None, call or None).
# A call is (kind, argument) for set_expiry after the scenario.
EXPIRIES = {
    "none": (None, None),
    "call_300": (None, ("int", 300)),
    "call_0": (None, ("int", 0)),
    "call_neg": (None, ("int", -10)),
    "call_none": (None, ("none", None)),
    "stored_600": (600, None),
    "stored_0": (0, None),
    "stored_600_call_none": (600, ("none", None)),
}
if ISO_EXPIRY:
    EXPIRIES.update({
        "call_delta": (None, ("delta", 3600.25)),
        "call_abs": (None, ("abs", None)),
        "stored_iso": ("iso:172800", None),
        "stored_iso_past": ("iso:-100", None),
    })
SMALL_EXPIRIES = ["none", "call_300", "call_0", "call_abs" if ISO_EXPIRY else "call_neg"]


def cookie_header(name, value, variant):
    if value is None:
        return None
    if variant == "quoted":
        return 'other=1; %s="%s"' % (name, value)
    if variant == "duplicate":
        return "%s=zzzzzzzzzzzzzzzz; %s=%s" % (name, name, value)
    if variant == "spaces":
        return " a=b ;  %s = %s " % (name, value)
    return "%s=%s" % (name, value)


def run(cfg_name, scenario, expiry, status=200, pre_vary=None, cookie_variant="plain"):
    overrides = CFGS[cfg_name]
    with override_settings(**overrides):
        STORE.clear()
        COUNTER[0] = 0
        cookie_value, action = SCENARIOS[scenario]
        stored, call = EXPIRIES[expiry]
        if stored is not None and cookie_value != KEY:
            return None
        data = {"a": 1}
        if stored is not None:
            if isinstance(stored, str) and stored.startswith("iso:"):
                stored = iso_at(float(stored[4:]))
            data["_session_expiry"] = stored
        STORE[KEY] = dumps(data)
        name = settings.SESSION_COOKIE_NAME
        header = cookie_header(name, cookie_value, cookie_variant)
        factory = RequestFactory()
        request = factory.get("/", HTTP_COOKIE=header) if header is not None else factory.get("/")
        mw = SessionMiddleware(lambda r: HttpResponse())
        mw.process_request(request)
        session = request.session
        error = None
        action(session)
        if call is not None:
            kind, arg = call
            if kind == "int":
                session.set_expiry(arg)
            elif kind == "none":
                session.set_expiry(None)
            elif kind == "delta":
                session.set_expiry(datetime.timedelta(seconds=arg))
            elif kind == "abs":
                session.set_expiry(abs_expiry())
        response = HttpResponse(status=status)
        if pre_vary is not None:
            response["Vary"] = pre_vary
        try:
            mw.process_response(request, response)
        except Exception as e:  # SessionInterrupted
            error = type(e).__name__
        morsel = response.cookies.get(name)
        return {
            "cfg": cfg_name,
            "scenario": scenario,
            "expiry": expiry,
            "status": status,
            "pre_vary": pre_vary,
            "cookie": header,
            "set_cookie": morsel.OutputString() if morsel is not None else None,
            "vary": response.get("Vary") if error is None else None,
            "error": error,
            "key_after": session.session_key,
            "store": dict(sorted(STORE.items())),
        }


def main(out):
    cases = []

    def add(name, case):
        if case is not None:
            case["name"] = name
            cases.append(case)

    for cfg in CFGS:
        scenarios = SCENARIOS if cfg in FULL_CFGS else SMALL_SCENARIOS
        expiries = EXPIRIES if cfg in FULL_CFGS else SMALL_EXPIRIES
        for sc in scenarios:
            for ex in expiries:
                add("%s/%s/%s" % (cfg, sc, ex), run(cfg, sc, ex))
    for cfg in ["default", "every_request"]:
        for sc in ["set", "set_nocookie", "flush", "read", "untouched"]:
            for status in [201, 302, 404, 499, 500, 501, 503]:
                add("%s/%s/none/status%d" % (cfg, sc, status), run(cfg, sc, "none", status=status))
    varies = ["Accept-Encoding", "accept-encoding, COOKIE", "*", " Accept , ,Origin ", "", "Origin,Accept"]
    for cfg in ["default", "every_request"]:
        for sc in ["read", "set", "flush", "untouched", "set_nocookie"]:
            for i, v in enumerate(varies):
                add("%s/%s/none/vary%d" % (cfg, sc, i), run(cfg, sc, "none", pre_vary=v))
    for cfg in ["default", "secure_host"]:
        for sc in ["read", "set", "missing_read", "untouched"]:
            for variant in ["quoted", "duplicate", "spaces"]:
                add("%s/%s/none/%s" % (cfg, sc, variant), run(cfg, sc, "none", cookie_variant=variant))

    # Python's cookie value quoting, straight from http.cookies.
    from http.cookies import SimpleCookie

    quotes = []
    for v in ["", "abc", "a b", 'q"uote', "back\\slash", "semi;colon", "comma,x", "\x00\x1f\x7f",
              "caf\u00e9", "\u00ff\u0100", "snow\u2603man", "emoji\U0001f600", "tab\there",
              "a=b", "(x)/<y>?@[z]{w}", "!#$%&'*+-.^_`|~:", "key:with.dots-and_underscores"]:
        c = SimpleCookie()
        c["n"] = v
        quotes.append({"value": v, "output": c["n"].OutputString()})

    doc = {
        "django": django.get_version(),
        "python": "%d.%d.%d" % sys.version_info[:3],
        "time": T,
        "time_zone": TZ,
        "secret_key": SECRET,
        "existing_key": KEY,
        "cfgs": CFGS,
        "quote": quotes,
        "cases": cases,
    }
    with open(out, "w") as f:
        f.write("{\n")
        for k in ["django", "python", "time", "time_zone", "secret_key", "existing_key", "cfgs", "quote"]:
            f.write(" %s: %s,\n" % (json.dumps(k), json.dumps(doc[k], ensure_ascii=True, sort_keys=True)))
        f.write(' "cases": [\n')
        for i, c in enumerate(cases):
            f.write("  " + json.dumps(c, ensure_ascii=True, sort_keys=True) + ("," if i < len(cases) - 1 else "") + "\n")
        f.write(" ]\n}\n")
    print("%s: Django %s, %d cases" % (out, django.get_version(), len(cases)))


if __name__ == "__main__":
    main(sys.argv[1])

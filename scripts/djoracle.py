"""Shared helpers for the Python side of the Django oracle.

Imported by gen_fixtures.py, peer.py, bench_django.py and the oracles (all live in
this directory, so running any of them as a script puts this module on sys.path).
Nothing here is Django code: it only configures a real Django, controls the
clock that django.core.signing reads, and converts Python values to the typed
JSON form described in fixtures/README.md.
"""

import logging
import platform
import sys
import time as _time
import json
import os
import types
import warnings

# Base SECRET_KEY given to settings.configure(). Fixture cases always pass
# explicit keys (or override SECRET_KEY) so this value only matters for the
# few cases that record "settings_secret_key".
SETTINGS_SECRET_KEY = "djsession-oracle-settings-secret-key-not-used-by-cases"


def configure(secret_key=SETTINGS_SECRET_KEY, overrides=None):
    """Configure and set up Django once, the same way in every script (overrides: settings
    applied last, which need not be JSON)."""
    import django
    from django.conf import settings

    if not settings.configured:
        options = dict(
            SECRET_KEY=secret_key,
            INSTALLED_APPS=[
                "django.contrib.contenttypes",
                "django.contrib.auth",
                "django.contrib.sessions",
            ],
            DATABASES={
                "default": {
                    "ENGINE": "django.db.backends.sqlite3",
                    "NAME": ":memory:",
                }
            },
            CACHES={
                "default": {
                    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                }
            },
            USE_TZ=True,
            # Keep Django's default logging config out of the way: the
            # scripts attach their own handler where they need records.
            LOGGING_CONFIG=None,
        )
        if django.VERSION >= (4, 1):
            options["SECRET_KEY_FALLBACKS"] = []
        if django.VERSION < (4, 0):
            options["DEFAULT_AUTO_FIELD"] = "django.db.models.AutoField"
        # Live engine tests start peers with extra settings (DATABASES, USE_TZ,
        # TIME_ZONE, SESSION_ENGINE, SESSION_FILE_PATH, CACHES, ...) as a JSON
        # object in DJSESSION_PEER_SETTINGS; it overrides the defaults above.
        extra = os.environ.get("DJSESSION_PEER_SETTINGS")
        if extra:
            options.update(json.loads(extra))
        options.update(overrides or {})
        settings.configure(**options)
        django.setup()
    # Deprecation noise (e.g. 3.2 DEFAULT_HASHING_ALGORITHM, 6.1 default
    # algorithm) must not reach stdout/stderr of the peer.
    warnings.simplefilter("ignore")
    install_clock()
    return django


# What the view oracles (login_view_oracle.py and the others) share: the SECRET_KEY of
# their sites, and the four password validators of Django's project template.
VIEW_SITE_SECRET_KEY = "djsession-auth-db-secret-key"
PROJECT_PASSWORD_VALIDATORS = [{"NAME": "django.contrib.auth.password_validation." + n} for n in (
    "UserAttributeSimilarityValidator", "MinimumLengthValidator", "CommonPasswordValidator",
    "NumericPasswordValidator")]


def configure_view_site(database_json, urlconf, templates, python_settings=None, **settings):
    """Configure Django as a view oracle's site: DATABASES["default"] from database_json,
    db sessions behind SessionMiddleware and AuthenticationMiddleware, the host testserver,
    the templates (name -> source) from memory, ROOT_URLCONF the module named urlconf
    (which set_urlpatterns makes), USE_TZ; then the given settings on top, and the
    python_settings (which need not be JSON: the others reach peers as JSON)."""
    extra = {
        "DATABASES": {"default": json.loads(database_json)},
        "MIDDLEWARE": ["django.contrib.sessions.middleware.SessionMiddleware",
                       "django.contrib.auth.middleware.AuthenticationMiddleware"],
        "SESSION_ENGINE": "django.contrib.sessions.backends.db",
        "ROOT_URLCONF": urlconf,
        "ALLOWED_HOSTS": ["testserver"],
        "TEMPLATES": [{
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {"loaders": [("django.template.loaders.locmem.Loader", templates)]},
        }],
        "USE_TZ": True,
        "SECRET_KEY": VIEW_SITE_SECRET_KEY,
    }
    extra.update(settings)
    os.environ["DJSESSION_PEER_SETTINGS"] = json.dumps(extra)
    return configure(extra["SECRET_KEY"], python_settings)


def create_users(users, password):
    """Migrate the (empty) database, then create the users, each (pk, username, is_active,
    is_staff), with password; return them by pk."""
    from django.contrib.auth.models import User
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    made = {}
    for pk, name, active, staff in users:
        u = User(pk=pk, username=name, is_active=active, is_staff=staff)
        u.set_password(password)
        u.save()
        made[pk] = u
    return made


def set_urlpatterns(urlconf, urlpatterns):
    """Make the module urlconf, holding urlpatterns, for ROOT_URLCONF."""
    module = types.ModuleType(urlconf)
    module.urlpatterns = urlpatterns
    sys.modules[urlconf] = module


def send_form(client, step, path=None, data=None):
    """Send a view oracle's step through Django's test Client: its method as it is (lower
    case too: Django upper-cases it), to path (default the step's), with data (default
    the step's "data", if any) as an urlencoded form, over HTTPS when the step is
    "secure"."""
    from urllib.parse import urlencode

    if data is None:
        data = step.get("data")
    body = urlencode(data) if data is not None else ""
    return client.generic(step["method"], path or step["path"], body,
                          content_type="application/x-www-form-urlencoded", secure=step.get("secure", False))


def generate_all(script, subdir):
    """The --all mode of a fixture generator: run script (its path) under the venv of each
    line of scripts/matrix, writing fixtures/<subdir>/django-<series>.json."""
    import subprocess

    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    with open(os.path.join(here, "matrix")) as f:
        series = [line.split()[0] for line in f if line.strip() and not line.startswith("#")]
    os.makedirs(os.path.join(root, "fixtures", subdir), exist_ok=True)
    for s in series:
        py = subprocess.check_output([os.path.join(here, "venv-python"), s], text=True).strip()
        out = os.path.join(root, "fixtures", subdir, "django-%s.json" % s)
        subprocess.check_call([py, os.path.abspath(script), out], env=dict(os.environ, PYTHONHASHSEED="0"))
        print("wrote", out)


def versions():
    import django

    return django.get_version(), platform.python_version()


def has_fallback_keys():
    import django

    return django.VERSION >= (4, 1)


def has_legacy_formats():
    """3.1/3.2: DEFAULT_HASHING_ALGORITHM, SHA-1 fallback, legacy sessions."""
    import django

    return django.VERSION < (4, 0)


# ---------------------------------------------------------------------------
# Clock: django.core.signing calls time.time() through its module-global
# name "time"; we replace that global with an object whose time() returns a
# fixed value when one is set, and the real clock otherwise.


class Clock:
    def __init__(self):
        self.now = None

    def time(self):
        if self.now is None:
            return _time.time()
        return self.now


CLOCK = Clock()


def install_clock():
    from django.core import signing

    if signing.time is not CLOCK:
        signing.time = CLOCK


class at_time:
    """Context manager: django.core.signing sees time.time() == t (None = real)."""

    def __init__(self, t):
        self.t = t

    def __enter__(self):
        self.saved = CLOCK.now
        CLOCK.now = self.t
        return self

    def __exit__(self, *exc):
        CLOCK.now = self.saved
        return False


# ---------------------------------------------------------------------------
# Typed values.


def _int_str(n):
    # Python >= 3.10.7 refuses int<->str conversions above 4300 digits by
    # default; the typed form must still be able to write such numbers.
    getter = getattr(sys, "get_int_max_str_digits", None)
    if getter is None:
        return str(n)
    old = getter()
    sys.set_int_max_str_digits(0)
    try:
        return str(n)
    finally:
        sys.set_int_max_str_digits(old)


def typed(v):
    if v is None:
        return {"t": "none"}
    if v is True or v is False:
        return {"t": "bool", "v": v}
    if isinstance(v, int):
        return {"t": "int", "v": _int_str(v)}
    if isinstance(v, float):
        return {"t": "float", "v": repr(v)}
    if isinstance(v, str):
        return {"t": "str", "v": v, "u8": v.encode("utf-8", "surrogatepass").hex()}
    if isinstance(v, tuple):
        return {"t": "tuple", "v": [typed(x) for x in v]}
    if isinstance(v, list):
        return {"t": "list", "v": [typed(x) for x in v]}
    if isinstance(v, dict):
        return {"t": "dict", "v": [[typed(k), typed(x)] for k, x in v.items()]}
    raise TypeError("no typed form for %r" % type(v).__name__)


def untyped(t):
    kind = t["t"]
    if kind == "none":
        return None
    if kind == "bool":
        return bool(t["v"])
    if kind == "int":
        return int(t["v"])
    if kind == "float":
        return float(t["v"])
    if kind == "str":
        return bytes.fromhex(t["u8"]).decode("utf-8", "surrogatepass")
    if kind == "list":
        return [untyped(x) for x in t["v"]]
    if kind == "tuple":
        return tuple(untyped(x) for x in t["v"])
    if kind == "dict":
        return {untyped(k): untyped(x) for k, x in t["v"]}
    raise ValueError("unknown typed kind %r" % kind)


# ---------------------------------------------------------------------------
# Misc.


def error_fields(exc, prefix="error"):
    """{"error_class": name, "error_module": module} for an exception."""
    cls = type(exc)
    return {prefix + "_class": cls.__name__, prefix + "_module": cls.__module__}


def json_text(value):
    """Django's JSONSerializer().dumps(value), decoded latin-1."""
    from django.core.signing import JSONSerializer

    return JSONSerializer().dumps(value).decode("latin-1")


def json_value(text):
    """Django's JSONSerializer().loads(text.encode('latin-1'))."""
    from django.core.signing import JSONSerializer

    return JSONSerializer().loads(text.encode("latin-1"))


class LogCapture(logging.Handler):
    """Collects records of one logger (by default the SuspiciousSession one)."""

    def __init__(self, name="django.security.SuspiciousSession"):
        super().__init__(level=logging.DEBUG)
        self.records = []
        self.logger = logging.getLogger(name)

    def emit(self, record):
        self.records.append(record)

    def __enter__(self):
        self.records = []
        self.logger.addHandler(self)
        return self

    def __exit__(self, *exc):
        self.logger.removeHandler(self)
        return False


def store_class(name="SessionStore", base=None):
    """A session store class whose __qualname__ is `name`.

    "SessionStore" gives the db engine's own class; any other name gives a
    subclass of it with that __qualname__ (and __name__ = last component),
    which is what Django's key_salt and legacy hash look at.
    """
    if base is None:
        from django.contrib.sessions.backends.db import SessionStore as base
    if name in (None, "", "SessionStore") and base.__qualname__ == "SessionStore":
        return base
    short = name.rsplit(".", 1)[-1]
    cls = type(short, (base,), {"__module__": "djsession_oracle.stores"})
    cls.__qualname__ = name
    return cls

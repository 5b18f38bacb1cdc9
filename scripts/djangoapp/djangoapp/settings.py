"""Settings of the djsession demo site, read from environment variables.

    SECRET_KEY              required in production; a fixed insecure default for local runs
    SECRET_KEY_FALLBACKS    JSON list or comma-separated keys (Django 4.1+)
    DJANGOAPP_DATABASE      sqlite:///absolute/path.sqlite3 or postgres://user:pw@host:port/db
                            (default: DJSESSION_PG_DSN when set, else db.sqlite3 beside manage.py)
    SESSION_ENGINE          db, file, signed_cookies, cache, cached_db, or a dotted path
    SESSION_FILE_PATH       directory of the file engine
    USE_TZ                  1/0 (default 1)
    TIME_ZONE               default UTC
    DJANGOAPP_FAST_HASHER   1: PBKDF2 with 1000 iterations (tests only)
    DJANGOAPP_CACHES        JSON object for CACHES (cache engines)
    DJANGOAPP_PASSWORD_VALIDATORS  JSON list for AUTH_PASSWORD_VALIDATORS (default: none)
    DJANGOAPP_ALLOWED_HOSTS comma-separated extra hosts
    DEBUG                   1/0 (default 0)
"""

import json
import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import django

BASE_DIR = Path(__file__).resolve().parent.parent


def _env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _env_list(name):
    value = os.environ.get(name, "").strip()
    if not value:
        return []
    if value.startswith("["):
        return [str(v) for v in json.loads(value)]
    return [v for v in value.split(",") if v]


def _database(url):
    parts = urlsplit(url)
    if parts.scheme in ("sqlite", "sqlite3"):
        # sqlite:///abs/path -> /abs/path
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": unquote(parts.path)}
    if parts.scheme in ("postgres", "postgresql"):
        db = {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
        }
        query = parse_qs(parts.query)
        if "sslmode" in query:
            db["OPTIONS"] = {"sslmode": query["sslmode"][0]}
        return db
    raise ValueError("DJANGOAPP_DATABASE: unsupported URL scheme %r" % parts.scheme)


SECRET_KEY = os.environ.get("SECRET_KEY") or "django-insecure-djsession-demo-key-change-me"
SECRET_KEY_FALLBACKS = _env_list("SECRET_KEY_FALLBACKS")
DEBUG = _env_bool("DEBUG", False)
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"] + _env_list("DJANGOAPP_ALLOWED_HOSTS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "djangoapp",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "djangoapp.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]
WSGI_APPLICATION = "djangoapp.wsgi.application"

_db_url = os.environ.get("DJANGOAPP_DATABASE") or os.environ.get("DJSESSION_PG_DSN")
DATABASES = {
    "default": _database(_db_url)
    if _db_url
    else {"ENGINE": "django.db.backends.sqlite3", "NAME": str(BASE_DIR / "db.sqlite3")}
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

_engine = os.environ.get("SESSION_ENGINE", "db")
SESSION_ENGINE = _engine if "." in _engine else "django.contrib.sessions.backends." + _engine
SESSION_FILE_PATH = os.environ.get("SESSION_FILE_PATH") or None
if os.environ.get("DJANGOAPP_EMAIL_DIR"):
    # Password reset e-mails are written to files there (one per message).
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["DJANGOAPP_EMAIL_DIR"]
if os.environ.get("MESSAGE_STORAGE"):
    MESSAGE_STORAGE = os.environ["MESSAGE_STORAGE"]
if os.environ.get("DJANGOAPP_CACHES"):
    CACHES = json.loads(os.environ["DJANGOAPP_CACHES"])
if os.environ.get("DJANGOAPP_PASSWORD_VALIDATORS"):
    AUTH_PASSWORD_VALIDATORS = json.loads(os.environ["DJANGOAPP_PASSWORD_VALIDATORS"])

USE_TZ = _env_bool("USE_TZ", True)
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = False

if _env_bool("DJANGOAPP_FAST_HASHER", False):
    PASSWORD_HASHERS = [
        "djangoapp.hashers.FastPBKDF2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/me/"
LOGOUT_REDIRECT_URL = "/whoami/"
STATIC_URL = "/static/"

LOGGING_CONFIG = None
if django.VERSION < (4, 0):
    # Django 3.2 only: the default algorithm of the session auth hash.
    DEFAULT_HASHING_ALGORITHM = "sha256"

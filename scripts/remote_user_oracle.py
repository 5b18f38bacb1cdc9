"""Django's RemoteUserMiddleware and remote-user backends logging users in, for the Go twin.

Usage: <venv python> scripts/remote_user_oracle.py DATABASE_JSON COMMAND [VARIANT]

DATABASE_JSON is Django's DATABASES["default"] as JSON.

setup    migrates the (empty) database and creates alice (active, password "alice-pw")
         and carol (inactive).
run      (after setup) sends the STEPS below through Django's test Client, one client
         whose cookies carry over, to a stack of SessionMiddleware (db engine),
         AuthenticationMiddleware and the VARIANT's remote-user middleware reading the
         Remote-User header (header = "HTTP_REMOTE_USER"), and prints, after each step,
         {"user": request.user's username ("" for anonymous), "backend": the session's
         _auth_user_backend (or null), "key_changed": whether the session cookie changed}.
users    prints the users as Django's ORM reads them (ordered by username): username,
         password (as it is, but "usable" for a usable hash: its salt is random), is_active, is_staff, is_superuser, names, email, whether date_joined
         is within ten minutes of now, whether last_login is set, and the primary key's type
         ("int", or "uuid4" for a version 4 UUID).

VARIANT (JSON): {"backends": dotted paths (after ModelBackend), "persistent": bool, "custom_user": bool (the
user model djsession_accounts.CustomUser, with a UUID primary key, instead of auth.User)}. The backend
"djsession_remote_backends.StrictLowercase" is RemoteUserBackend with
create_unknown_user = False and a clean_username that lowercases (ASCII).
"""

import json
import os
import sys
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

cmd = sys.argv[2]
variant = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {"backends": [], "persistent": False}
middleware = ("PersistentHeaderRemoteUser" if variant["persistent"] else "HeaderRemoteUser")
extra = {
    "DATABASES": {"default": json.loads(sys.argv[1])},
    "MIDDLEWARE": [
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "djsession_remote_backends." + middleware,
    ],
    "AUTHENTICATION_BACKENDS": ["django.contrib.auth.backends.ModelBackend"] + variant["backends"],
    "SESSION_ENGINE": "django.contrib.sessions.backends.db",
    "ROOT_URLCONF": "djsession_remote_urls",
    "ALLOWED_HOSTS": ["testserver"],
    "USE_TZ": True,
    "SECRET_KEY": "djsession-auth-db-secret-key",
}
if variant.get("custom_user"):
    extra["INSTALLED_APPS"] = ["django.contrib.contenttypes", "django.contrib.auth",
                               "django.contrib.sessions", "djsession_accounts"]
    extra["AUTH_USER_MODEL"] = "djsession_accounts.CustomUser"
os.environ["DJSESSION_PEER_SETTINGS"] = json.dumps(extra)

import djoracle  # noqa: E402

djoracle.configure(extra["SECRET_KEY"])

from django.contrib.auth import BACKEND_SESSION_KEY, login  # noqa: E402
from django.contrib.auth.backends import RemoteUserBackend  # noqa: E402
from django.contrib.auth.middleware import (  # noqa: E402
    PersistentRemoteUserMiddleware, RemoteUserMiddleware)
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import path  # noqa: E402
from django.utils import timezone  # noqa: E402

User = get_user_model()
mod = types.ModuleType("djsession_remote_backends")


class StrictLowercase(RemoteUserBackend):
    create_unknown_user = False

    def clean_username(self, username):
        return username.lower()


class HeaderRemoteUser(RemoteUserMiddleware):
    header = "HTTP_REMOTE_USER"


class PersistentHeaderRemoteUser(PersistentRemoteUserMiddleware):
    header = "HTTP_REMOTE_USER"


for c in (StrictLowercase, HeaderRemoteUser, PersistentHeaderRemoteUser):
    c.__module__ = mod.__name__
    setattr(mod, c.__name__, c)
sys.modules[mod.__name__] = mod


def whoami(request):
    return HttpResponse(json.dumps({"user": request.user.get_username() if request.user.is_authenticated else "",
                                    "backend": request.session.get(BACKEND_SESSION_KEY)}))


def password_login(request, name):
    # A login through ModelBackend, as LoginView makes it.
    login(request, User.objects.get(username=name), backend="django.contrib.auth.backends.ModelBackend")
    return whoami(request)


urls = types.ModuleType(extra["ROOT_URLCONF"])
urls.urlpatterns = [path("whoami/", whoami), path("login/<name>/", password_login)]
sys.modules[urls.__name__] = urls

# Each step: a request to /whoami/ with the Remote-User header (null: none), or a
# password login of a user ("login").
STEPS = [
    {"header": None}, {"header": "alice"}, {"header": "alice"}, {"header": None},
    {"header": "newbie"}, {"header": "newbie"}, {"header": "alice"}, {"header": "carol"},
    {"header": "ALICE"}, {"header": ""}, {"header": "alice"}, {"login": "alice"}, {"header": None},
    {"header": "bob2"}, {"login": "alice"}, {"header": "alice"}, {"header": "Alice"},
    {"header": "ghost"}, {"header": None}, {"login": "alice"}, {"header": "carol"},
    {"header": "Jos\u00e9"}, {"header": "Jos\u00e9"}, {"header": "alice"},
]

if cmd == "setup":
    call_command("migrate", verbosity=0, interactive=False)
    alice = User(username="alice", email="alice@example.com")
    alice.set_password("alice-pw")
    alice.save()
    User.objects.create(username="carol", is_active=False)
    print(json.dumps({"steps": STEPS}))
elif cmd == "run":
    client = Client()
    out = []
    for step in STEPS:
        before = client.cookies.get("sessionid")
        before = before.value if before else None
        if "login" in step:
            resp = client.get("/login/%s/" % step["login"])
        elif step["header"] is None:
            resp = client.get("/whoami/")
        else:
            # (the header's UTF-8 bytes as a WSGI server hands them over: read as latin-1)
            resp = client.get("/whoami/", HTTP_REMOTE_USER=step["header"].encode().decode("latin-1"))
        assert resp.status_code == 200, resp
        after = client.cookies.get("sessionid")
        after = after.value if after else None
        row = json.loads(resp.content)
        row["key_changed"] = before != after and after != ""
        out.append(row)
    print(json.dumps({"steps": out}))
elif cmd == "users":
    now = timezone.now()
    print(json.dumps({"users": [{
        "username": u.username, "password": "usable" if u.has_usable_password() and u.password else u.password,
        "is_active": u.is_active,
        "is_staff": u.is_staff, "is_superuser": u.is_superuser, "first_name": u.first_name,
        "last_name": u.last_name, "email": u.email,
        "date_joined_recent": abs((now - u.date_joined).total_seconds()) < 600,
        "last_login_set": u.last_login is not None,
        "pk": "uuid%s" % u.pk.version if hasattr(u.pk, "version") else type(u.pk).__name__,
    } for u in User.objects.order_by("username")]}))
else:
    sys.exit(__doc__)

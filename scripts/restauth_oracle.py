"""dj-rest-auth's login, logout, user and token refresh views, for the Go twins (package
restframework/restauth and simplejwt's CookieTokenRefresh).

Usage: <venv python> scripts/restauth_oracle.py DATABASE_JSON CONFIG_JSON COMMAND < ARG

DATABASE_JSON is Django's DATABASES["default"] as JSON. CONFIG_JSON is {"rest_auth": the
REST_AUTH setting, "simple_jwt": SIMPLE_JWT (durations in seconds), "blacklist": whether
simplejwt's token_blacklist app is installed, "auth": DEFAULT_AUTHENTICATION_CLASSES as
names ("session", "basic", "token", "jwt", "jwtcookie"), "throttles":
DEFAULT_THROTTLE_CLASSES as names ("scoped", "anon", "user"), "rates":
DEFAULT_THROTTLE_RATES, "django": other settings (ACCOUNT_LOGOUT_ON_GET, TIME_ZONE,
CACHES, ...)}. The site: db sessions
behind SessionMiddleware, CsrfViewMiddleware and AuthenticationMiddleware;
rest_framework, rest_framework.authtoken, rest_framework_simplejwt and dj_rest_auth
installed; MD5PasswordHasher (fast); DRF's JSONRenderer alone; and

  auth/login/          LoginView
  auth/logout/         LogoutView
  auth/user/           UserDetailsView
  auth/token/refresh/  get_refresh_view()
  auth/password/change/         PasswordChangeView
  auth/password/reset/confirm/  PasswordResetConfirmView
  auth/password/reset/          PasswordResetView (its emails in the locmem backend)
  reset/<uidb64>/<token>/       the password_reset_confirm URL its emails link to
  api/whoami/          an APIView (the default authentication, AllowAny, GET) answering
                       {"user": request.user.pk, "auth": the class of request.auth}

setup  migrates the (empty) database; creates alice (pk 1), bob (pk 2, inactive), carol
       (pk 3, staff, with a DRF token), jos\u00e9 (pk 4), dave (pk 5) and \u00e9mile (pk 6), all with PASSWORD,
       their emails (jos\u00e9's and dave's the same but for case, \u00e9mile's not ASCII); and
       prints {"steps": STEPS, "drf", "simplejwt", "rest_auth": the versions, "python": "3.12",
       "common_passwords": the path of this Django's list}. AUTH_PASSWORD_VALIDATORS are
       Django's four.
run    (ARG: {"steps": STEPS}) sends the steps through Django's test Client, each as the
       client it names (its own cookies, set and deleted as a browser would; "" for none),
       with "{access:C}", "{refresh:C}" and "{key:C}" in its body and headers replaced by
       the last such value an answer to client C held, and "{csrf:C}" by C's CSRF cookie;
       prints, after each, {"status", "content_type", "www_authenticate", "allow",
       "body", "set_cookie"}, then the emails each step sent ("mails": [[{"to", "link"}]]),
       and the state (as state prints it).
lookup (ARG: {"emails": [...]}) prints {"emails": [the pks of User.objects.filter(email__iexact=e)
       for each, sorted], "users": [[pk, username, first_name, last_name, email] of each user]}.
state  prints {"sessions": [[user pk, backend] of each session, sorted], "tokens": the pks
       of the users with a DRF token, "outstanding": the user pk of each outstanding token
       (sorted, nulls first), "blacklisted": how many are blacklisted, "last_login": the
       pks of users with a last_login}.
"""

import datetime
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import djoracle  # noqa: E402

CONFIG = json.loads(sys.argv[2])
cmd = sys.argv[3]
URLCONF = "djsession_restauth_urls"
REST_AUTH = CONFIG.get("rest_auth") or {}
AUTH_CLASSES = {
    "session": "rest_framework.authentication.SessionAuthentication",
    "basic": "rest_framework.authentication.BasicAuthentication",
    "token": "rest_framework.authentication.TokenAuthentication",
    "jwt": "rest_framework_simplejwt.authentication.JWTAuthentication",
    "jwtcookie": "dj_rest_auth.jwt_auth.JWTCookieAuthentication",
}


def simple_jwt(conf):
    return {k: datetime.timedelta(seconds=v) if k.endswith("_LIFETIME") else v for k, v in conf.items()}


apps = ["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sessions", "rest_framework",
        "rest_framework.authtoken", "rest_framework_simplejwt", "dj_rest_auth"]
if CONFIG.get("blacklist"):
    apps.append("rest_framework_simplejwt.token_blacklist")
djoracle.configure_view_site(
    sys.argv[1], URLCONF, {  # (the password reset emails: Django 3.2 ships its templates in the admin app)
        "registration/password_reset_subject.txt": "Password reset on {{ site_name }}",
        "registration/password_reset_email.html":
            "{{ email }}: {{ protocol }}://{{ domain }}{% url 'password_reset_confirm' uidb64=uid token=token %}",
    },
    python_settings={"SIMPLE_JWT": simple_jwt(CONFIG.get("simple_jwt") or {})},
    INSTALLED_APPS=apps,
    MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware",
                "django.middleware.csrf.CsrfViewMiddleware",
                "django.contrib.auth.middleware.AuthenticationMiddleware"],
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    AUTH_PASSWORD_VALIDATORS=djoracle.PROJECT_PASSWORD_VALIDATORS,
    REST_FRAMEWORK={"DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
                    "DEFAULT_AUTHENTICATION_CLASSES": [AUTH_CLASSES[a] for a in CONFIG.get("auth") or ["session", "basic"]],
                    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.%sRateThrottle" % t.capitalize()
                                                 for t in CONFIG.get("throttles") or []],
                    "DEFAULT_THROTTLE_RATES": CONFIG.get("rates") or {}},
    REST_AUTH=REST_AUTH,
    **(CONFIG.get("django") or {}),
)

import time  # noqa: E402
from http.cookies import SimpleCookie  # noqa: E402

from django.conf import settings as django_settings  # noqa: E402

# (the process's time zone, as Django's Settings sets it from a settings module, which
# settings.configure() leaves alone: naive times are then local)
os.environ["TZ"] = django_settings.TIME_ZONE
time.tzset()

from django.contrib.auth.models import User  # noqa: E402
from django.contrib.sessions.models import Session  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import path  # noqa: E402
import rest_framework  # noqa: E402
from rest_framework import permissions as p  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402
from dj_rest_auth import views as rv  # noqa: E402
from dj_rest_auth.jwt_auth import get_refresh_view  # noqa: E402

try:
    from importlib.metadata import version as dist_version
except ImportError:  # pragma: no cover
    dist_version = None


class WhoAmI(APIView):
    permission_classes = [p.AllowAny]

    def get(self, request):
        return Response({"user": request.user.pk, "auth": None if request.auth is None else type(request.auth).__name__})


djoracle.set_urlpatterns(URLCONF, [
    path("auth/login/", rv.LoginView.as_view()),
    path("auth/logout/", rv.LogoutView.as_view()),
    path("auth/user/", rv.UserDetailsView.as_view()),
    path("auth/token/refresh/", get_refresh_view().as_view()),
    path("auth/password/change/", rv.PasswordChangeView.as_view()),
    path("auth/password/reset/confirm/", rv.PasswordResetConfirmView.as_view()),
    path("auth/password/reset/", rv.PasswordResetView.as_view()),
    path("reset/<uidb64>/<token>/", WhoAmI.as_view(), name="password_reset_confirm"),
    path("api/whoami/", WhoAmI.as_view()),
])

PASSWORD = "pa:ss w\u00f6rd"
USERS = [(1, "alice", True, False, "alice@example.com"), (2, "bob", False, False, "bob@example.com"),
         (3, "carol", True, True, "Carol@Example.com"), (4, "jos\u00e9", True, False, "dup@example.com"),
         (5, "dave", True, False, "DUP@example.com"), (6, "\u00e9mile", True, False, "\u00c9mile@Ex\u00e4mple.com")]


def steps(links, nojti):
    """The requests, with links: the uid and token of a password reset link for each user
    (by pk), as Django's PasswordResetForm mails them; nojti: a refresh token of carol's
    without a jti claim."""
    J, F = "application/json", "application/x-www-form-urlencoded"
    out = []

    def add(client, path, method="POST", body="", headers=None, content_type=J):
        out.append({"client": client, "method": method, "path": path, "headers": headers or {},
                    "content_type": content_type, "body": body if isinstance(body, str) else js(body)})

    def js(v):
        return json.dumps(v).encode().decode("latin-1")

    login, logout, user, refresh = "/auth/login/", "/auth/logout/", "/auth/user/", "/auth/token/refresh/"
    use_jwt = REST_AUTH.get("USE_JWT", False)
    scheme = "Bearer" if use_jwt else "Token"
    cred = "{access:%s}" if use_jwt else "{key:%s}"
    # Logins that fail, or succeed without a client to keep their cookies.
    for body in ({"username": "alice"}, {}, [], "[1]", "{bad", "", {"username": "alice", "password": "x"},
                 {"email": True, "password": "x"}, {"email": [], "username": {}, "password": "x"},
                 {"username": "bob", "password": PASSWORD}, {"username": 5, "password": PASSWORD},
                 {"username": None, "password": PASSWORD}, {"username": ["a"], "password": PASSWORD},
                 {"username": "", "email": "", "password": PASSWORD}, {"password": PASSWORD},
                 {"email": "not-an-email", "password": PASSWORD}, {"email": 5, "password": PASSWORD},
                 {"email": "a\x00@example.com", "password": PASSWORD}, {"email": None, "password": PASSWORD},
                 {"email": "nobody@example.com", "password": PASSWORD},
                 {"email": "nobody@example.com", "username": "carol", "password": PASSWORD},
                 {"email": "carol@EXAMPLE.com", "username": "nobody", "password": PASSWORD},
                 {"email": "bob@example.com", "password": PASSWORD}, {"email": "dup@example.com", "password": PASSWORD},
                 {"email": "\u00e9mile@ex\u00e4mple.com", "password": PASSWORD},
                 {"email": "\u00c9mile@Ex\u00e4mple.com", "password": PASSWORD}, {"email": "_lice@example.com", "password": PASSWORD},
                 {"username": " jos\u00e9 ", "password": " " + PASSWORD + "\n"},
                 {"username": "alice", "password": PASSWORD, "other": [1]}, {"username": "alice", "password": ""}):
        add("", login, body=body)
    add("", login, body="username=carol&password=pa%3Ass+w%C3%B6rd", content_type=F)
    add("", login, body="username=carol&email=&password=pa%3Ass+w%C3%B6rd", content_type=F)
    add("", login, body="x", content_type="text/plain")
    for method in ("GET", "PUT", "OPTIONS"):
        add("", login, method=method)
    for method in ("GET", "POST", "OPTIONS", "DELETE"):
        add("", logout, method=method)
    for method in ("GET", "PUT", "PATCH", "OPTIONS", "DELETE"):
        add("", user, method=method)
    for method in ("GET", "OPTIONS"):
        add("", refresh, method=method)
    add("", refresh, body={})
    add("", "/api/whoami/", method="GET")
    # Clients a (alice), c (carol), j (jos\u00e9), each logged in, looking around, logging out.
    for c, body in (("a", {"username": "alice", "password": PASSWORD}), ("c", {"email": "carol@example.COM", "password": PASSWORD}),
                    ("j", "username=jos%C3%A9&password=pa%3Ass+w%C3%B6rd")):
        ct = F if isinstance(body, str) else J
        add(c, "/api/whoami/", method="GET")
        add(c, login, body=body, content_type=ct)
        add(c, "/api/whoami/", method="GET")
        add(c, user, method="GET")
        add(c, "/api/whoami/", method="GET", headers={"Authorization": scheme + " " + cred % c})
        add(c, user, method="GET", headers={"Authorization": scheme + " " + cred % c})
        add(c, user, method="OPTIONS", headers={"Authorization": scheme + " " + cred % c})
        add(c, login, body=body, content_type=ct)  # (again, logged in: the session's CSRF check)
        add(c, login, body=body, content_type=ct, headers={"X-CSRFToken": "{csrf:%s}" % c})
    # Refreshing: by the cookie, by the body, both, neither, bad values.
    for c in ("a", "c"):
        add(c, refresh, body={})
        add(c, refresh, body={"refresh": "{refresh:%s}" % c})
        add(c, refresh, body={"refresh": "{refresh:%s}" % c}, headers={"X-CSRFToken": "{csrf:%s}" % c})
        add(c, "/api/whoami/", method="GET", headers={"Authorization": scheme + " " + cred % c})
        add(c, refresh, body="refresh=", content_type=F)
        add(c, refresh, body={"refresh": 5})
        add(c, refresh, body={"refresh": None})
        add(c, refresh, body={"refresh": {"a": 1}})
        add(c, refresh, body={"refresh": "garbage"})
        add(c, refresh, body=[])
    add("", refresh, body={"refresh": 5})
    add("", refresh, body={"refresh": True})
    add("", refresh, body={"refresh": ""})
    # Changing josé's details (the writable fields of UserDetailsSerializer).
    csrf = {"X-CSRFToken": "{csrf:j}", "Authorization": scheme + " " + cred % "j"}
    for method, body in (("PATCH", {"first_name": "José", "email": "new@example.com"}), ("PATCH", {"username": "carol"}),
                         ("PATCH", {"username": "bad name!"}), ("PATCH", {"username": "x" * 151}),
                         ("PATCH", {"username": "a\x00b"}), ("PATCH", {"username": None}), ("PATCH", {"first_name": "y" * 151}),
                         ("PATCH", {"last_name": ""}), ("PATCH", "last_name=&first_name="), ("PATCH", "username="),
                         ("PUT", "username=jos%C3%A9&first_name="), ("PATCH", []), ("PUT", {}),
                         ("PUT", {"first_name": "J"}), ("PUT", {"username": " josé.é_@+-1 ", "last_name": " López "}),
                         ("PATCH", {"username": "josé"}), ("PATCH", {})):
        add("j", user, method=method, body=body, headers=csrf, content_type=F if isinstance(body, str) else J)
        add("j", user, method="GET")
    # Logging out: anonymous clients, bad bodies, then each client.
    add("a", logout, body={"refresh": "{access:a}"}, headers={"X-CSRFToken": "{csrf:a}"})
    for body in ({}, {"refresh": None}, {"refresh": 5}, {"refresh": "garbage"}, {"refresh": ["x"]}, [], "null", '"s"',
                 "refresh=x", "{bad"):
        add("", logout, body=body, content_type=F if body == "refresh=x" else J)
    add("", logout, method="GET")
    for c in ("a", "c", "j"):
        add(c, logout, body={"refresh": "{refresh:%s}" % c}, headers={"X-CSRFToken": "{csrf:%s}" % c})
        add(c, "/api/whoami/", method="GET")
        add(c, "/api/whoami/", method="GET", headers={"Authorization": scheme + " " + cred % c})
        add(c, user, method="GET")
        add(c, refresh, body={"refresh": "{refresh:%s}" % c})
        add(c, logout, body={"refresh": "{refresh:%s}" % c})
    add("a", logout, method="GET")
    add("a", logout, method="HEAD")
    # A refresh token without a jti: the blacklist's KeyError.
    add("", refresh, body={"refresh": nojti})
    add("", logout, body={"refresh": nojti})
    add("", logout, body={}, headers={"Cookie": "%s=%s" % (REST_AUTH.get("JWT_AUTH_REFRESH_COOKIE") or "r", nojti)})
    # Passwords: carol (logged in again) changes hers; reset links of dave (good), alice
    # (who logged in since: no longer good), bob (inactive), and broken ones.
    change, confirm = "/auth/password/change/", "/auth/password/reset/confirm/"
    pw = "n3w p\u00e4ssword!"
    add("c", login, body={"username": "carol", "password": PASSWORD})
    hc = {"X-CSRFToken": "{csrf:c}", "Authorization": scheme + " " + cred % "c"}
    for body in ({}, {"new_password1": pw}, {"new_password1": pw, "new_password2": pw + "x"},
                 {"new_password1": "carol123", "new_password2": "carol123"}, {"new_password1": "1", "new_password2": "1"},
                 {"new_password1": "x" * 129, "new_password2": "x" * 129},
                 {"old_password": "wrong", "new_password1": pw, "new_password2": pw},
                 {"old_password": "wrong", "new_password1": pw, "new_password2": ""}, [],
                 {"old_password": PASSWORD, "new_password1": " " + pw + " ", "new_password2": pw}):
        add("c", change, body=body, headers=hc)
    add("c", "/api/whoami/", method="GET")
    add("c", change, method="OPTIONS", headers=hc)
    add("", change, body={"new_password1": pw, "new_password2": pw})
    add("c", logout, body={}, headers=hc)
    add("c", login, body={"username": "carol", "password": pw})
    add("c", login, body={"username": "carol", "password": PASSWORD})
    good = {"new_password1": pw, "new_password2": pw}
    for pk, body in ((5, {"new_password1": pw}), (5, {"new_password1": pw, "new_password2": "other"}), (1, good), (2, good),
                     (5, dict(good, uid="MTA")), (5, dict(good, uid="@@")), (5, dict(good, uid="wqk")), (5, dict(good, uid="")),
                     (5, dict(good, uid="HDU")), (5, dict(good, uid="NR8")), (5, dict(good, uid="wqA1")),
                     (5, dict(good, token="abc-def")), (5, dict(good, new_password1="dave1234", new_password2="dave1234")),
                     (5, good), (5, good)):
        b = dict(links[pk])
        b.update(body)
        add("", confirm, body=b)
    add("", confirm, method="OPTIONS")
    add("", confirm, body="[]")
    add("", login, body={"username": "dave", "password": pw})
    add("", login, body={"username": "bob", "password": pw})
    reset = "/auth/password/reset/"
    for body in ({"email": "alice@example.com"}, {"email": " ALICE@EXAMPLE.COM "}, {"email": "dup@example.com"},
                 {"email": "bob@example.com"}, {"email": "nobody@example.com"}, {"email": "bob"}, {"email": ""}, {},
                 {"email": "a" * 250 + "@example.com"}, {"email": "a" * 320 + "@example.com"}, {"email": 5}, [],
                 {"email": False}, {"email": {"a": 1}},
                 {"email": "\u00c9mile@Ex\u00e4mple.com"}, {"email": "\u00e9mile@ex\u00e4mple.com"}):
        add("", reset, body=body)
    add("", reset, body="email=carol%40example.com", content_type=F)
    add("", reset, body={"email": "carol@example.com"}, headers={"Host": "elsewhere.example"})
    add("", reset, method="OPTIONS")
    return out


def setup():
    import django.contrib.auth
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    made = djoracle.create_users([u[:4] for u in USERS], PASSWORD)
    links = {}
    for pk, _, _, _, email in USERS:
        made[pk].email = email
        made[pk].save()
        links[pk] = {"uid": urlsafe_base64_encode(force_bytes(pk)), "token": default_token_generator.make_token(made[pk])}
    Token.objects.create(user=made[3])  # (carol's DRF token, which her logouts delete)
    from rest_framework_simplejwt.settings import api_settings as jwt_settings
    from rest_framework_simplejwt.state import token_backend
    from rest_framework_simplejwt.tokens import RefreshToken

    payload = dict(RefreshToken.for_user(made[3]).payload)
    del payload[jwt_settings.JTI_CLAIM]
    nojti = token_backend.encode(payload)
    print(json.dumps({
        "steps": steps(links, nojti), "drf": rest_framework.VERSION, "python": "%d.%d" % sys.version_info[:2],
        "simplejwt": dist_version("djangorestframework-simplejwt"), "rest_auth": dist_version("dj-rest-auth"),
        "common_passwords": os.path.join(os.path.dirname(django.contrib.auth.__file__), "common-passwords.txt.gz"),
    }))


PLACEHOLDER = re.compile(r"\{(access|refresh|key|csrf):(\w)\}")


def run(step_list):
    from django.core import mail

    jars = {}  # client -> {cookie name: value}
    held = {}  # (kind, client) -> the last value an answer to client held
    out, mails = [], []
    mail.outbox = []
    for step in step_list:
        c = step["client"]
        jar = jars.setdefault(c, {})

        def fill(s):
            return PLACEHOLDER.sub(lambda m: jar.get("csrftoken", "") if m.group(1) == "csrf" else held.get(m.groups(), ""), s)

        client = Client(raise_request_exception=False, enforce_csrf_checks=True)
        client.cookies = SimpleCookie()
        for k, v in jar.items():
            client.cookies[k] = v
        meta = {"HTTP_" + k.upper().replace("-", "_"): fill(v) for k, v in step["headers"].items()}
        resp = client.generic(step["method"], step["path"], fill(step["body"]).encode("latin-1"),
                              content_type=step["content_type"], **meta)
        for name, m in resp.cookies.items():
            if c == "":
                continue
            if str(m["max-age"]) == "0":
                jar.pop(name, None)
            else:
                jar[name] = m.value
        body = resp.content.decode("latin-1")
        if c and resp.status_code == 200 and resp.get("Content-Type") == "application/json" and resp.content:
            data = json.loads(resp.content)
            if isinstance(data, dict):
                for kind in ("access", "refresh", "key"):
                    if isinstance(data.get(kind), str) and data[kind]:
                        held[(kind, c)] = data[kind]
        out.append({
            "status": resp.status_code, "content_type": resp.get("Content-Type"),
            "www_authenticate": resp.get("WWW-Authenticate"), "allow": resp.get("Allow"),
            "body": body, "set_cookie": sorted(m.OutputString() for m in resp.cookies.values()),
        })
        mails.append([{"to": m.to, "link": re.search(r"https?://\S+", m.body).group(0)} for m in mail.outbox])
        mail.outbox = []
    print(json.dumps({"steps": out, "mails": mails, "state": state()}))


def state():
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    sessions = []
    for s in Session.objects.filter(expire_date__gt=timezone.now()):
        d = SessionStore().decode(s.session_data)
        uid = d.get("_auth_user_id")
        sessions.append([None if uid is None else int(uid), d.get("_auth_user_backend")])
    result = {"sessions": sorted(sessions, key=lambda s: (s[0] is not None, s[0] or 0, s[1] or "")),
              "tokens": sorted(t.user_id for t in Token.objects.all()), "outstanding": [], "blacklisted": 0,
              "last_login": [u.pk for u in User.objects.order_by("pk") if u.last_login is not None]}
    if CONFIG.get("blacklist"):
        from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
        result["outstanding"] = sorted((t.user_id for t in OutstandingToken.objects.all()), key=lambda u: (u is not None, u))
        result["blacklisted"] = BlacklistedToken.objects.count()
    return result


def lookup(emails):
    print(json.dumps({
        "emails": [sorted(u.pk for u in User.objects.filter(email__iexact=e)) for e in emails],
        "users": [[u.pk, u.username, u.first_name, u.last_name, u.email] for u in User.objects.order_by("pk")],
    }))


if cmd == "setup":
    setup()
elif cmd == "run":
    run(json.load(sys.stdin)["steps"])
elif cmd == "lookup":
    lookup(json.load(sys.stdin)["emails"])
elif cmd == "state":
    print(json.dumps(state()))
else:
    sys.exit("unknown command " + cmd)

"""django-rest-knox (hashed, expiring DRF tokens), for the Go twins (package
restframework/knox).

Usage: <venv python> scripts/knox_oracle.py DATABASE_JSON CONFIG_JSON COMMAND < ARG

DATABASE_JSON is Django's DATABASES["default"] as JSON. CONFIG_JSON is {"rest_knox": the
REST_KNOX setting (TOKEN_TTL, AUTO_REFRESH_MAX_TTL in seconds; "USER_SERIALIZER": true for
knox's UserSerializer), "auth": DEFAULT_AUTHENTICATION_CLASSES as names ("basic",
"session", "knox"), "django": other settings}. The site: db sessions, rest_framework and
knox installed, MD5PasswordHasher (fast), DRF's JSONRenderer alone, and

  api/login/      knox's LoginView (the default authentication)
  api/logout/     LogoutView
  api/logoutall/  LogoutAllView
  api/whoami/     an APIView with knox's TokenAuthentication and IsAuthenticated answering
                  {"user": request.user.pk, "token_key": request.auth.token_key}

setup  migrates the (empty) database; creates alice (pk 1), bob (pk 2, inactive), carol
       (pk 3) and jos\u00e9 (pk 4), all with PASSWORD, and tokens with AuthToken.objects.create
       (TOKENS: alice's good, expired and never-expiring ones, bob's, carol's good and
       expired ones, jos\u00e9's good, expired, 10-minute and expiring-in-a-second ones, and
       one whose user's row is gone on SQLite);
       prints {"tokens": {name: token}, "steps": STEPS, "knox", "drf": the versions,
       "python": "3.12"}.
run    (ARG: {"steps": STEPS, "tokens": TOKENS}) sends the steps through Django's test
       Client, "{t:NAME}" in their headers replaced by the token TOKENS names and
       "{login:N}" by the token the N-th login answer held; prints, after each, {"status",
       "content_type", "www_authenticate", "allow", "body", "set_cookie"}, then "state"
       (as state prints it).
state  (ARG: {"tokens": TOKENS}) prints {"rows": [[user pk, token_key length, whether it
       expires, minutes to its expiry rounded, whether it is one of TOKENS (its name)]] of
       each knox token, sorted; "last_login": the pks of users with a last_login}.
"""

import datetime
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import djoracle  # noqa: E402

CONFIG = json.loads(sys.argv[2])
cmd = sys.argv[3]
URLCONF = "djsession_knox_urls"
AUTH_CLASSES = {
    "basic": "rest_framework.authentication.BasicAuthentication",
    "session": "rest_framework.authentication.SessionAuthentication",
    "knox": "knox.auth.TokenAuthentication",
}


def rest_knox(conf):
    out = {}
    for k, v in conf.items():
        if k in ("TOKEN_TTL", "AUTO_REFRESH_MAX_TTL") and v is not None:
            v = datetime.timedelta(seconds=v)
        if k == "USER_SERIALIZER":
            v = "knox.serializers.UserSerializer" if v else None
        out[k] = v
    return out


djoracle.configure_view_site(
    sys.argv[1], URLCONF, {},
    python_settings={"REST_KNOX": rest_knox(CONFIG.get("rest_knox") or {})},
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sessions",
                    "rest_framework", "knox"],
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    REST_FRAMEWORK={"DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
                    "DEFAULT_AUTHENTICATION_CLASSES": [AUTH_CLASSES[a] for a in CONFIG.get("auth") or ["basic"]]},
    **(CONFIG.get("django") or {}),
)

from django.conf import settings as django_settings  # noqa: E402

# (the process's time zone, as Django's Settings sets it from a settings module)
os.environ["TZ"] = django_settings.TIME_ZONE
time.tzset()

from django.contrib.auth.models import User  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import path  # noqa: E402
from django.utils import timezone  # noqa: E402
import rest_framework  # noqa: E402
from rest_framework.permissions import IsAuthenticated  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402
from knox import views as kv  # noqa: E402
from knox.auth import TokenAuthentication  # noqa: E402
from knox.models import AuthToken  # noqa: E402

try:
    from importlib.metadata import version as dist_version
except ImportError:  # pragma: no cover
    dist_version = None


class WhoAmI(APIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response({"user": request.user.pk, "token_key": request.auth.token_key})


djoracle.set_urlpatterns(URLCONF, [
    path("api/login/", kv.LoginView.as_view()),
    path("api/logout/", kv.LogoutView.as_view()),
    path("api/logoutall/", kv.LogoutAllView.as_view()),
    path("api/whoami/", WhoAmI.as_view()),
])

PASSWORD = "pa:ss w\u00f6rd"
USERS = [(1, "alice", True, False), (2, "bob", False, False), (3, "carol", True, False), (4, "jos\u00e9", True, False)]


def basic(name, password=PASSWORD):
    import base64
    return "Basic " + base64.b64encode(("%s:%s" % (name, password)).encode()).decode()


def steps(tokens):
    out = []
    prefix = (CONFIG.get("rest_knox") or {}).get("AUTH_HEADER_PREFIX", "Token")

    def add(p, method="GET", headers=None, body=""):
        out.append({"method": method, "path": p, "headers": headers or {}, "content_type": "application/json",
                    "body": body})

    who, login, logout, logoutall = "/api/whoami/", "/api/login/", "/api/logout/", "/api/logoutall/"
    # (the expired tokens first: each is deleted as it is met, not as another token of
    # its user's is)
    for name in sorted(tokens, key=lambda n: (n not in ("soon", "expired"), n != "soon", n)):
        if name != "carol-stale":  # (expired, never shown: carol's other tokens delete it)
            add(who, headers={"Authorization": "%s {t:%s}" % (prefix, name)})
    good = "{t:alice}"
    for h in (None, "", prefix, prefix + " ", prefix.lower() + " " + good, prefix.upper() + " " + good,
              "  %s\t%s " % (prefix, good), prefix + " a b", prefix + " " + good + "x", prefix + " " + good[:-1],
              prefix + " 0123456789abcdef", prefix + " zz", prefix + " abc", prefix + " \u00e9\u00e9",
              "Bearer " + good, "Token " + good, "Basic " + good):
        add(who, headers={} if h is None else {"Authorization": h})
    add(who, method="POST", headers={"Authorization": prefix + " " + good})
    add(who, method="OPTIONS", headers={"Authorization": prefix + " " + good})
    # Logins: the default authentication's credentials.
    for h in (None, basic("alice"), basic("alice", "x"), basic("bob"), basic("carol"), basic("jos\u00e9"),
              prefix + " " + good, prefix + " {t:carol}", basic("alice")):
        add(login, method="POST", headers={} if h is None else {"Authorization": h})
    add(login, method="GET", headers={"Authorization": basic("alice")})
    add(login, method="OPTIONS", headers={"Authorization": basic("alice")})
    for n in range(6):
        add(who, headers={"Authorization": "%s {login:%d}" % (prefix, n)})
    for n in range(6):
        add(login, method="POST", headers={"Authorization": basic("carol")})
    # Logouts.
    add(logout, method="POST")
    add(logout, method="POST", headers={"Authorization": basic("alice")})
    add(logout, method="POST", headers={"Authorization": "%s {login:1}" % prefix})
    add(who, headers={"Authorization": "%s {login:1}" % prefix})
    add(logout, method="GET", headers={"Authorization": "%s {login:2}" % prefix})
    add(who, headers={"Authorization": "%s {t:carol}" % prefix})
    add(logoutall, method="POST", headers={"Authorization": "%s {t:carol}" % prefix})
    add(who, headers={"Authorization": "%s {t:carol}" % prefix})
    add(who, headers={"Authorization": "%s {login:4}" % prefix})
    add(logoutall, method="POST", headers={"Authorization": "%s {t:bob}" % prefix})
    add(logoutall, method="OPTIONS", headers={"Authorization": "%s {t:forever}" % prefix})
    return out


def setup():
    made = djoracle.create_users(USERS + [(5, "ghost", True, False)], PASSWORD)
    tokens = {}
    for name, pk, ttl in (("alice", 1, None), ("expired", 1, -60), ("forever", 1, "none"), ("bob", 2, None),
                          ("carol", 3, None), ("soon", 4, 1), ("jose-expired", 4, -5), ("jose", 4, None),
                          ("carol-stale", 3, -5), ("short", 4, 600), ("ghost", 5, None)):
        if ttl is None:
            _, tok = AuthToken.objects.create(made[pk])
        else:
            _, tok = AuthToken.objects.create(made[pk], None if ttl == "none" else datetime.timedelta(seconds=ttl))
        tokens[name] = tok
    from django.db import connection

    if connection.vendor == "sqlite":  # (a token left without its user, which the servers' keys forbid)
        with connection.constraint_checks_disabled(), connection.cursor() as c:
            c.execute("DELETE FROM auth_user WHERE id = 5")
    print(json.dumps({
        "tokens": tokens, "steps": steps(tokens), "knox": dist_version("django-rest-knox"),
        "drf": rest_framework.VERSION, "python": "%d.%d" % sys.version_info[:2],
    }))


PLACEHOLDER = re.compile(r"\{(t|login):(\w+)\}")


def run(step_list, tokens):
    time.sleep(1.5)  # ("soon" has expired)
    logins, out = [], []
    for step in step_list:
        def fill(s):
            def one(m):
                if m.group(1) == "t":
                    return tokens[m.group(2)]
                n = int(m.group(2))
                return logins[n] if n < len(logins) else "none"
            return PLACEHOLDER.sub(one, s)

        client = Client(raise_request_exception=False)
        meta = {"HTTP_" + k.upper().replace("-", "_"): fill(v) for k, v in step["headers"].items()}
        resp = client.generic(step["method"], step["path"], step["body"].encode("latin-1"),
                              content_type=step["content_type"], **meta)
        if step["path"] == "/api/login/" and step["method"] == "POST":
            token = None
            if resp.status_code == 200:
                token = json.loads(resp.content)["token"]
            logins.append(token or "none")
        out.append({
            "status": resp.status_code, "content_type": resp.get("Content-Type"),
            "www_authenticate": resp.get("WWW-Authenticate"), "allow": resp.get("Allow"),
            "body": resp.content.decode("latin-1"),
            "set_cookie": sorted(m.OutputString() for m in resp.cookies.values()),
        })
    print(json.dumps({"steps": out, "state": state(tokens)}))


def state(tokens):
    from knox.crypto import hash_token

    names = {hash_token(t): n for n, t in tokens.items()}
    now = timezone.now()
    rows = []
    for t in AuthToken.objects.all():
        rows.append([t.user_id, len(t.token_key), t.expiry is not None,
                     None if t.expiry is None else round((t.expiry - now).total_seconds() / 60),
                     names.get(t.digest)])
    return {"rows": sorted(rows, key=json.dumps),
            "last_login": [u.pk for u in User.objects.order_by("pk") if u.last_login is not None]}


if cmd == "setup":
    setup()
elif cmd == "run":
    arg = json.load(sys.stdin)
    run(arg["steps"], arg["tokens"])
elif cmd == "state":
    print(json.dumps(state(json.load(sys.stdin)["tokens"])))
else:
    sys.exit("unknown command " + cmd)

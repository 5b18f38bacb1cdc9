"""django-oauth-toolkit's DRF authentication and permissions (OAuth 2 access tokens), for
the Go twins (package restframework/oauth2provider).

Usage: <venv python> scripts/oauth2_oracle.py DATABASE_JSON CONFIG_JSON COMMAND < ARG

DATABASE_JSON is Django's DATABASES["default"] as JSON. CONFIG_JSON is {"oauth2": the
OAUTH2_PROVIDER setting (RESOURCE_SERVER_TOKEN_RESOURCE_VALIDATOR null for None), "realm":
the authentication's www_authenticate_realm (null: the toolkit's), "django": other
settings}. The site: db sessions, rest_framework, its authtoken and oauth2_provider
installed, MD5PasswordHasher (fast), DRF's JSONRenderer alone, and these APIViews, each
with OAuth2Authentication (but where said) and answering {"user": request.user.pk or
null, "token": request.auth's id (an access token's) or null, "scope": its scope}:

  api/whoami/      IsAuthenticated
  api/any/         AllowAny
  api/scoped/      TokenHasScope, required_scopes ["read", "extra"]
  api/rw/          TokenHasReadWriteScope (GET, POST)
  api/rw-extra/    TokenHasReadWriteScope, required_scopes ["extra"] (GET, POST)
  api/resource/    TokenHasResourceScope, required_scopes ["music"] (GET, POST)
  api/either/      BasicAuthentication then OAuth2Authentication,
                   IsAuthenticatedOrTokenHasScope, required_scopes ["read"]
  api/oas/         TokenMatchesOASRequirements {"GET": [["read"], ["alt"]],
                   "POST": [["write", "extra"]]} (GET, POST, PUT)
  api/noscopes/    TokenHasScope without required_scopes
  api/mixed/       DRF's TokenAuthentication then OAuth2Authentication, TokenHasScope
                   ["read"]

and plain Django views answering JsonResponse({"owner": request.resource_owner.pk or
null, "method": request.method}):

  prot/any/        @protected_resource()
  prot/scoped/     @protected_resource(scopes=["read", "extra"])
  prot/rw/         @rw_protected_resource()
  prot/view/       a ProtectedResourceView (get, post)
  prot/scoped-view/  a ScopedProtectedResourceView, required_scopes ["read"] (get, post)
  prot/rw-view/    a ReadWriteScopedResourceView (get, post)
  mw/whoami/       JsonResponse({"user": request.user.pk, "active": ..., "authenticated": ...})
  mw/login-required/  the same behind @login_required

(CONFIG_JSON's "django" may add the toolkit's OAuth2TokenMiddleware to MIDDLEWARE, with
its backend in AUTHENTICATION_BACKENDS.)

setup  migrates the (empty) database; creates alice (pk 1), bob (pk 2, inactive), carol
       (pk 3), jos\u00e9 (pk 4) and ghost (pk 5, whose row is then deleted on SQLite), an
       application, alice's DRF token, and access tokens (TOKENS: see TOKENS below; those
       restricted to resources with 3.x alone); prints {"tokens": {name: token},
       "drf_token": alice's DRF token, "steps": STEPS, "oauth2": the toolkit's version,
       "drf", "python"}.
run    (ARG: {"steps": STEPS, "tokens": TOKENS, "drf_token": ...}) sends the steps
       through Django's test Client, "{t:NAME}" in their path, headers and body replaced
       by the token TOKENS names (%-escaped as a query's value in the path and the body)
       and "{drf}" by the DRF token; prints, after each, {"status", "content_type",
       "www_authenticate", "allow", "body", "set_cookie"}.
serve-as  the authorization server of the introspection tests, on its own database:
       migrates it, creates dave, alice, erin (inactive) and n\u00e9o, an application
       (client id "rs-client", secret "rs-secret") and tokens (AS_TOKENS), then serves
       the toolkit's IntrospectTokenView at /o/introspect/ on a free loopback port (and,
       for the tokens named "w-...", canned answers of every odd kind, WEIRD), prints
       {"port", "tokens": {name: token}} and serves until its standard input closes.
revoke (ARG: {"user": pk}) revokes every token of the user as calling the toolkit's
       revoke() on each of its refresh tokens, then each of its access tokens, does.
tokens (ARG: {"tokens": TOKENS}) prints the tokens as Django reads them: {"access": [[name,
       user pk]], "refresh": [[name, user pk, whether revoked, minutes since revoked,
       its access token's name]]}, sorted (setup gives alice's, carol's and the expired
       token refresh tokens NAME + "-r", and alice one already revoked, "old-r").
state  (ARG: {"as_tokens": AS_TOKENS}) prints the resource server's view of the
       introspected tokens: {"tokens": [[name, username or null, scope, minutes to
       expiry (its time, to the minute, beyond ten days), resource or null, application
       id]], "users": [[username, is_active]]}.

With CONFIG_JSON's "as" true the site is a resource server of such an authorization
server (OAUTH2_PROVIDER names it), and setup's steps are the introspection ones, with
"{a:NAME}" for the authorization server's tokens (run's ARG then has "as_tokens").

resource (3.x; ARG: [[request URI, [audience, ...]], ...]) prints, for each, what the
       toolkit's validate_resource_as_url_prefix answers: true, false, or "error" (a
       ValueError).
"""

import datetime
import json
import os
import re
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import djoracle  # noqa: E402

CONFIG = json.loads(sys.argv[2])
cmd = sys.argv[3]
URLCONF = "djsession_oauth2_urls"

djoracle.configure_view_site(
    sys.argv[1], URLCONF, {},
    python_settings={"OAUTH2_PROVIDER": CONFIG.get("oauth2") or {}},
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sessions",
                    "rest_framework", "rest_framework.authtoken", "oauth2_provider"],
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    REST_FRAMEWORK={"DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]},
    **(CONFIG.get("django") or {}),
)

from django.conf import settings as django_settings  # noqa: E402
import logging  # noqa: E402

logging.disable(logging.CRITICAL)  # (the 4xx and 5xx answers' log lines, the toolkit's warnings)

# (the process's time zone, as Django's Settings sets it from a settings module)
os.environ["TZ"] = django_settings.TIME_ZONE
time.tzset()

from django.contrib.auth.decorators import login_required  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import path  # noqa: E402
from django.utils import timezone  # noqa: E402
import oauth2_provider  # noqa: E402
import rest_framework  # noqa: E402
from oauth2_provider.contrib.rest_framework import (  # noqa: E402
    IsAuthenticatedOrTokenHasScope, OAuth2Authentication, TokenHasReadWriteScope, TokenHasResourceScope,
    TokenHasScope, TokenMatchesOASRequirements)
from oauth2_provider.decorators import protected_resource, rw_protected_resource  # noqa: E402
from oauth2_provider.models import AccessToken, Application, RefreshToken  # noqa: E402
from oauth2_provider.views import IntrospectTokenView, RevokeTokenView, TokenView  # noqa: E402
from oauth2_provider.views.generic import (  # noqa: E402
    ProtectedResourceView, ReadWriteScopedResourceView, ScopedProtectedResourceView)
from rest_framework.authentication import BasicAuthentication, TokenAuthentication  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402
from rest_framework.permissions import AllowAny, IsAuthenticated  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402

HAS_RESOURCE = any(f.name == "resource" for f in AccessToken._meta.get_fields())


class Auth(OAuth2Authentication):
    www_authenticate_realm = CONFIG.get("realm") or OAuth2Authentication.www_authenticate_realm


def view(perm, auths=(Auth,), methods=("get",), **attrs):
    def answer(self, request):
        tok = request.auth if isinstance(request.auth, AccessToken) else None
        return Response({"user": request.user.pk if request.user else None,
                         "token": tok.id if tok else None, "scope": tok.scope if tok else None})

    body = {"authentication_classes": list(auths), "permission_classes": [perm]}
    body.update(attrs)
    for m in methods:
        body[m] = answer
    return type("View", (APIView,), body).as_view()


def owner(request, *args, **kwargs):
    o = getattr(request, "resource_owner", None)
    return JsonResponse({"owner": o.pk if o else None, "method": request.method})


def mw_whoami(request):
    u, t = request.user, getattr(request, "access_token", None)  # (OAuth2ExtraTokenMiddleware's)
    return JsonResponse({"user": u.pk, "active": u.is_active, "authenticated": u.is_authenticated,
                         "access_token": t.pk if t else None})


def plain(base, **attrs):
    def method(self, request, *args, **kwargs):
        return owner(request)

    return type("Plain", (base,), dict(attrs, get=method, post=method)).as_view()


djoracle.set_urlpatterns(URLCONF, [
    path("prot/any/", protected_resource()(owner)),
    path("prot/scoped/", protected_resource(scopes=["read", "extra"])(owner)),
    path("prot/rw/", rw_protected_resource()(owner)),
    path("prot/view/", plain(ProtectedResourceView)),
    path("prot/scoped-view/", plain(ScopedProtectedResourceView, required_scopes=["read"])),
    path("prot/rw-view/", plain(ReadWriteScopedResourceView)),
    path("mw/whoami/", mw_whoami),
    path("mw/login-required/", login_required(mw_whoami)),
    path("api/whoami/", view(IsAuthenticated)),
    path("api/any/", view(AllowAny)),
    path("api/scoped/", view(TokenHasScope, required_scopes=["read", "extra"])),
    path("api/rw/", view(TokenHasReadWriteScope, methods=("get", "post"))),
    path("api/rw-extra/", view(TokenHasReadWriteScope, methods=("get", "post"), required_scopes=["extra"])),
    path("api/resource/", view(TokenHasResourceScope, methods=("get", "post"), required_scopes=["music"])),
    path("api/either/", view(IsAuthenticatedOrTokenHasScope, auths=(BasicAuthentication, Auth),
                             required_scopes=["read"])),
    path("api/oas/", view(TokenMatchesOASRequirements, methods=("get", "post", "put"),
                          required_alternate_scopes={"GET": [["read"], ["alt"]], "POST": [["write", "extra"]]})),
    path("api/noscopes/", view(TokenHasScope)),
    path("api/mixed/", view(TokenHasScope, auths=(TokenAuthentication, Auth), required_scopes=["read"])),
    path("o/introspect/", IntrospectTokenView.as_view()),
    path("o/revoke_token/", RevokeTokenView.as_view()),
    path("o/token/", TokenView.as_view()),
])

PASSWORD = "pa:ss w\u00f6rd"
USERS = [(1, "alice", True, False), (2, "bob", False, False), (3, "carol", True, False),
         (4, "jos\u00e9", True, False), (5, "ghost", True, False)]

# name: (user pk or None, seconds to expiry, scope, resource (3.x) or None, value or None
# for a random one, with the application)
TOKENS = {
    "alice": (1, 3600, "read write", None, None, True),
    "expired": (1, -60, "read write", None, None, True),
    "soon": (1, 1, "read", None, None, True),
    "bob": (2, 3600, "read", None, None, True),
    "carol": (3, 3600, "read write music:read extra alt", None, None, True),
    "jose": (4, 3600, "music:write write extra", None, None, True),
    "client": (None, 3600, "read write", None, None, True),
    "empty-scope": (1, 3600, "", None, None, True),
    "spaced-scope": (3, 3600, " read\textra\u00a0alt ", None, None, True),
    "ghost": (5, 3600, "read", None, None, True),
    "latin": (1, 3600, "read", None, "t\u00f6k\u00e9n-\u00ff-latin", True),
    "euro": (3, 3600, "read", None, "tok\u20acn-euro", True),
    "spaced": (3, 3600, "read", None, "two words", True),
    "upper": (1, 3600, "read", None, "UPPER-case-Token", True),
    "noapp": (4, 3600, "read write", None, None, False),
    "res-here": (1, 3600, "read", ["http://testserver/api/"], None, True),
    "res-exact": (1, 3600, "read", ["http://TestServer:80/api/whoami"], None, True),
    "res-other": (1, 3600, "read", ["https://testserver/api/", "http://other.example/api/", "http://testserver/apiary/"], None, True),
    "res-odd": (1, 3600, "read", ["http://u@testserver/api/", "http://testserver/api/#x", "testserver/api/",
                                   "http://testserver:99999/", "http://testserver:8x/", "http://testserver/a/../api/./"],
                None, True),
    "res-bad": (1, 3600, "read", ["http://[::1/api/"], None, True),
    "res-empty": (3, 3600, "read", [], None, True),
    "intro": (3, 3600, "introspection read", None, None, True),
}
# The applications (clients): name: (client id, secret, type, whether the secret is
# stored hashed, grant type); "app" holds the tokens above.
CC, PW = Application.GRANT_CLIENT_CREDENTIALS, Application.GRANT_PASSWORD
APPS = {
    "app": ("app-id", "s3cr:et+%/\u00e9", Application.CLIENT_CONFIDENTIAL, True, CC),
    "plain": ("plain-id", "plain-secret", Application.CLIENT_CONFIDENTIAL, False, CC),
    "pub": ("pub-id", "", Application.CLIENT_PUBLIC, False, CC),
    "pub-hashed": ("pub2-id", "pub-secret", Application.CLIENT_PUBLIC, True, CC),
    "accent": ("cl\u00e9 id", "s\u00e9cret", Application.CLIENT_CONFIDENTIAL, True, CC),
    "pw": ("pw-id", "pw-secret", Application.CLIENT_CONFIDENTIAL, True, PW),
    "pw-pub": ("pw-pub-id", "x", Application.CLIENT_PUBLIC, True, PW),
    "web": ("web-id", "web-secret", Application.CLIENT_CONFIDENTIAL, True, Application.GRANT_AUTHORIZATION_CODE),
    "web2": ("web2-id", "", Application.CLIENT_PUBLIC, False, Application.GRANT_AUTHORIZATION_CODE),
    "web3": ("web3-id", "web3-secret", Application.CLIENT_CONFIDENTIAL, False, Application.GRANT_AUTHORIZATION_CODE),
    "md5bad": ("md5bad-id", "md5$x", Application.CLIENT_CONFIDENTIAL, False, CC),
}
REDIRECT_URIS = {"web": "https://client.example/cb", "web2": "https://a.example/cb https://b.example/cb", "web3": ""}
VERIFIER = "v3rifier-0123456789-abcdefghijklmnopqrstuvwxyz"
S256 = __import__("base64").urlsafe_b64encode(__import__("hashlib").sha256(VERIFIER.encode()).digest()).decode().rstrip("=")
# The authorization codes (Grant rows, as the authorization view makes them): name: (application,
# user pk, scope, redirect URI, code challenge, its method, seconds to expiry, resource (3.x)).
CB = "https://client.example/cb"
GRANTS = {
    "code-s256": ("web", 3, "read", CB, S256, "S256", 60, None),
    "code-plain": ("web", 1, "read write", CB, VERIFIER, "plain", 60, None),
    "code-nopkce": ("web", 1, "read", CB, "", "", 60, None),
    "code-expired": ("web", 1, "read", CB, S256, "S256", -1, None),
    "code-nomethod": ("web", 1, "read", CB, S256, "", 60, None),
    "code-badmethod": ("web", 1, "read", CB, S256, "S512", 60, None),
    "code-pub": ("web2", 4, "read", "https://a.example/cb", S256, "S256", 60, None),
    "code-pub2": ("web2", 4, "read", "https://a.example/cb", S256, "S256", 60, None),
    "code-web3": ("web3", 1, "read", CB, S256, "S256", 60, None),
    "code-spaces": ("web", 1, "read  write", CB, S256, "S256", 60, None),
    "code-openid": ("web", 1, "read", CB, S256, "S256", 60, None),
    "code-res": ("web", 1, "read", CB, S256, "S256", 60, ["http://testserver/api/", "http://other.example/"]),
    "code-res2": ("web", 1, "read", CB, S256, "S256", 60, ["http://testserver/api/"]),
    "code-res3": ("web", 1, "read", CB, S256, "S256", 60, ["http://testserver/api/"]),
    "code-ghost": ("web", 5, "read", CB, S256, "S256", 60, None),
}
# Tokens of the other applications: name: (user pk, application, with a refresh token
# NAME + "-r").
APP_TOKENS = {"plain-tok": (3, "plain", True), "plain-bare": (1, "plain", False), "pub-tok": (4, "pub", True),
              "ref-a": (1, "app", True), "ref-b": (3, "pw", True), "ref-pub": (4, "pw-pub", True), "ref-c": (1, "app", True)}
# Resources the toolkit never writes, stored by hand (3.x): JSON that is not a list.
RAW_RESOURCES = {
    "raw-dict": '{"http://testserver/api/": 1}', "raw-dict-other": '{"http://other.example/": 1}',
    "raw-str": '"http://testserver/api/"', "raw-empty-str": '""', "raw-empty-dict": "{}", "raw-zero": "0",
    "raw-true": "true", "raw-null": "null", "raw-float": "0.0",
}


def introspection_steps():
    out = []
    for name in list(AS_TOKENS) + list(WEIRD) + ["unknown"]:
        for p in ("/api/whoami/", "/api/any/", "/api/any/", "/api/scoped/", "/prot/any/"):
            out.append({"method": "GET", "path": p, "headers": {"Authorization": "Bearer {a:%s}" % name},
                        "content_type": "application/json", "body": ""})
    out.append({"method": "GET", "path": "/api/any/?access_token={a:as-neo}", "headers": {},
                "content_type": "application/json", "body": ""})
    return out


def steps(tokens):
    if CONFIG.get("as"):
        return introspection_steps()
    out = []

    def add(p, method="GET", headers=None, body="", content_type="application/json", query=None):
        out.append({"method": method, "path": p, "headers": headers or {}, "content_type": content_type,
                    "body": body, "query": query})

    def bearer(name):
        return {"Authorization": "Bearer {t:%s}" % name}

    who = "/api/whoami/"
    for name in sorted(tokens, key=lambda n: (n != "soon", n)):
        if name in ("euro", "spaced"):
            continue  # (no header carries them)
        add(who, headers=bearer(name))
        add("/api/any/", headers=bearer(name))
    good = "{t:alice}"
    for h in (None, "", "Bearer", "Bearer ", "bearer " + good, "BEARER " + good, "  Bearer\t%s " % good,
              "Bearer %s x" % good, "Bearer\u00a0" + good, "Bearer\u0085" + good, "Bearer\x1f" + good,
              "Bearer \u00a0%s\u00a0" % good, "Token " + good, "Basic " + good, "Bearer wrong", "Bearer " + good + "x",
              "Bearer upper-case-token", "Bearer \u00e9\u00e9", "Bearer,Bearer " + good):
        add(who, headers={} if h is None else {"Authorization": h})
    # Tokens in the query string (before an Authorization header, which wins) and in
    # form bodies (before the query string).
    for q in ("access_token={t:alice}", "access_token=", "access_token", "access_token={t:alice}&access_token=x",
              "access_token=x&access_token={t:alice}", "x=%zz&access_token={t:alice}", "x=%&access_token={t:alice}",
              "access_token={t:alice}&x=%a", "x=%ag", "x=%4", "access_token={t:euro}", "access_token={t:spaced}",
              "access_token={t:latin}", "access_token=two+words", "access_token=two%20words",
              "access_token=t%F6k%E9n-%FF-latin", "access_token=t\u00f6k\u00e9n-\u00ff-latin", "a=[b]&access_token={t:carol}",
              "a=\"<>\"&access_token={t:carol}", "access_token={t:client}", "access_token={t:expired}",
              "ACCESS_TOKEN={t:alice}", "access%5Ftoken={t:alice}"):
        add(who + "?" + q)
    add(who + "?access_token={t:alice}", headers={"Authorization": "Token x"})
    add(who + "?access_token={t:alice}", headers={"Authorization": ""})
    add(who + "?access_token=x", headers=bearer("carol"))
    rw = "/api/rw/"
    form = "application/x-www-form-urlencoded"
    add(rw, method="POST", body="access_token={t:carol}", content_type=form)
    add(rw, method="POST", body="access_token={t:bob}", content_type=form)
    add(rw + "?access_token={t:bob}", method="POST", body="access_token={t:carol}", content_type=form)
    add(rw + "?access_token={t:carol}", method="POST", body="access_token=", content_type=form)
    add(rw + "?access_token={t:carol}", method="POST", body="other=1", content_type=form)
    add(rw, method="POST", body="access_token={t:carol}", content_type=form, headers={"Authorization": "Bearer x"})
    add(rw, method="POST", body="access_token={t:euro}&access_token={t:carol}", content_type=form)
    add(rw, method="POST", body='{"access_token": "{t:carol}"}')
    add(rw, method="POST", body='{"access_token": ', headers=bearer("carol"))
    add(rw, method="POST", body="access_token={t:carol}", content_type="text/plain")
    add(rw, method="POST", body="--b\r\nContent-Disposition: form-data; name=\"access_token\"\r\n\r\n{t:carol}\r\n--b--\r\n",
        content_type="multipart/form-data; boundary=b")
    add(rw + "?access_token={t:carol}", method="GET", body="access_token={t:bob}", content_type=form)
    # Hosts (3.x builds the request's absolute URI on every request).
    add(who, headers=dict(bearer("alice"), Host="evil.example"))
    add(who, headers={"Host": "evil.example"})
    # Permissions.
    for name in ("alice", "carol", "jose", "bob", "client", "expired", "empty-scope", "spaced-scope", "noapp"):
        for p, methods in (("/api/scoped/", ("GET",)), (rw, ("GET", "POST", "OPTIONS")),
                           ("/api/rw-extra/", ("GET", "POST")), ("/api/resource/", ("GET", "POST", "HEAD")),
                           ("/api/either/", ("GET",)), ("/api/oas/", ("GET", "POST", "PUT", "DELETE")),
                           ("/api/noscopes/", ("GET",)), ("/api/mixed/", ("GET",))):
            for m in methods:
                add(p, method=m, headers=bearer(name))
    for p in ("/api/scoped/", rw, "/api/either/", "/api/oas/", "/api/noscopes/", "/api/mixed/", "/api/any/"):
        add(p)
        add(p, headers={"Authorization": "Bearer nope"})
    add("/api/either/", headers={"Authorization": basic("alice")})
    add("/api/either/", headers={"Authorization": basic("bob")})
    add("/api/either/", headers={"Authorization": basic("alice", "x")})
    add("/api/mixed/", headers={"Authorization": "Token {drf}"})
    add("/api/mixed/", headers={"Authorization": "Token x"})
    add("/api/resource/", headers=bearer("res-here"))
    add("/api/any/?access_token={t:res-here}")
    add("/api/whoami/", method="OPTIONS", headers=bearer("alice"))
    # Raw query strings (a "#", which Django's test client would cut) and the resources
    # stored by hand.
    for q in ("x=#&access_token={t:alice}", "access_token={t:alice}#x", "#%zz", "access_token={t:alice}#%zz",
              "access_token=%zz#", "x=%zz#access_token={t:alice}"):
        add("/api/whoami/", query=q)
        add("/prot/view/", query=q)
    for name in RAW_RESOURCES:
        if name in tokens:
            add(who, headers=bearer(name))
    # Plain views behind the token middleware, where the configuration has it.
    for p in ("/mw/whoami/", "/mw/login-required/"):
        for name in ("alice", "bob", "client", "expired", "ghost", "noapp", "res-here", "res-other", "latin"):
            if name in tokens:
                add(p, headers=bearer(name))
        for h in ("bearer {t:alice}", "BEARER {t:carol}", "Bearer {t:alice} x", "BearerX {t:alice}", "Bearer",
                  "Bearer\u00a0{t:alice}", "Bearer nope", "Token {t:alice}", "  Bearer {t:alice}"):
            add(p, headers={"Authorization": h})
        add(p)
        add(p + "?access_token={t:alice}")
        add(p + "?x=%zz", headers=bearer("alice"))
        add(p + "?x=%zz")
        add(p, headers=dict(bearer("alice"), Host="evil.example"))
        add(p, method="POST", body="access_token={t:alice}", content_type=form, headers={"Authorization": "Bearer"})
        add(p, headers={"Cookie": "sessionid={t:session-bob}"})
        add(p, headers={"Cookie": "sessionid={t:session-bob}", "Authorization": "Bearer {t:alice}"})
        add(p, method="POST", body="a=1&" * 1000 + "x=1", content_type=form, headers=bearer("alice"))
        add(p, method="POST", body="x=1", content_type="multipart/form-data", headers=bearer("alice"))
    # Request.POST's bounds and multipart forms on plain views.
    for p in ("/prot/any/", "/prot/view/"):
        add(p, method="POST", body="a=1&" * 1000 + "access_token={t:carol}", content_type=form)
        add(p, method="POST", body="a=1&" * 998 + "access_token={t:carol}", content_type=form)
        add(p, method="POST", body="access_token={t:carol}&x=" + "y" * 2700000, content_type=form)
        add(p + "?access_token={t:carol}", method="POST", body="x", content_type="multipart/form-data")
        add(p + "?access_token={t:carol}", method="POST", body="x", content_type='multipart/form-data; boundary="\u00e9"')
        add(p, method="POST", body="--b\r\nContent-Disposition: attachment; name=\"access_token\"\r\n\r\n{t:carol}\r\n--b--\r\n",
            content_type="multipart/form-data; boundary=b")
        add(p, method="POST", body="".join("--b\r\nContent-Disposition: form-data; name=\"f%d\"\r\n\r\nv\r\n" % i
                                           for i in range(1001)) + "--b--\r\n",
            content_type="multipart/form-data; boundary=b", headers=bearer("carol"))
    # Plain views.
    prot = ("/prot/any/", "/prot/scoped/", "/prot/rw/", "/prot/view/", "/prot/scoped-view/", "/prot/rw-view/")
    for name in ("alice", "bob", "carol", "jose", "client", "expired", "empty-scope", "noapp", "ghost", "res-here",
                 "res-other"):
        if name not in tokens:
            continue
        for p in prot:
            for m in ("GET", "POST", "OPTIONS", "PUT"):
                add(p, method=m, headers=bearer(name))
    for p in prot:
        add(p)
        add(p, method="OPTIONS")
        add(p + "?access_token={t:carol}")
        add(p + "?x=%zz", headers=bearer("carol"))
        add(p, headers=dict(bearer("carol"), Host="evil.example"))
        add(p, method="POST", body="access_token={t:carol}", content_type=form)
        add(p, method="PUT", body="access_token={t:carol}", content_type=form)
        add(p + "?access_token={t:carol}", method="POST", body="access_token=", content_type=form)
        add(p, method="POST", body='{"access_token": "{t:carol}"}')
    # Multipart bodies as Django's MultiPartParser reads them.
    part = "--b\r\nContent-Disposition: form-data; name=\"access_token\"\r\n%s\r\n%s\r\n--b--\r\n"
    multipart = "multipart/form-data; boundary=b"
    for p in ("/prot/any/", "/prot/view/", "/api/any/"):
        add(p + "?x=1;y=2", method="POST", body=part % ("", "{t:carol}"), content_type=multipart)
        add(p, method="POST", body=part % ("Content-Transfer-Encoding: base64\r\n", "{b64:carol}"), content_type=multipart)
        add(p, method="POST", body=part % ("Content-Transfer-Encoding: quoted-printable\r\n", "{qp:carol}"),
            content_type=multipart)
    add("/api/whoami/", method="POST", headers=bearer("alice"))
    endpoint_steps(add, tokens)
    return out


def client_basic(name, secret=None, quote=True):
    cid, right = APPS[name][:2] if name in APPS else (name, "x")
    secret = right if secret is None else secret
    q = urllib.parse.quote_plus if quote else (lambda v: v)
    import base64
    return "Basic " + base64.b64encode(("%s:%s" % (q(cid), q(secret))).encode()).decode()


def client_form(name, secret=None):
    cid, right = APPS[name][:2]
    return urllib.parse.urlencode({"client_id": cid, "client_secret": right if secret is None else secret})


def endpoint_steps(add, tokens):
    """The toolkit's introspection and revocation endpoints (the revocations last)."""
    form = "application/x-www-form-urlencoded"
    intro, revoke = "/o/introspect/", "/o/revoke_token/"
    app = {"Authorization": client_basic("app")}
    # Who may introspect.
    for h in (client_basic("app"), client_basic("app", quote=False), client_basic("app", "wrong"),
              client_basic("nobody"), client_basic("plain"), client_basic("plain", "PLAIN-SECRET"), client_basic("pub"),
              client_basic("pub-hashed"), client_basic("pub-hashed", ""), client_basic("accent"),
              client_basic("accent", quote=False), client_basic("app").replace("Basic", "basic"),
              client_basic("app").replace(" ", "  "), "Basic", "Basic ", "Basic !!!!", "Basic YWJj",
              "Basic " + __import__("base64").b64encode(b"plain-id:\xff").decode(), "Basic cGxhaW4taWQ6cGxhaW4tc2VjcmV0",
              "Basic cGxhaW4taWQ6cGxhaW4tc2VjcmV0=", "Basic cGxhaW4taWQ6cGxhaW4tc2VjcmV0\u00e9", "Bearer {t:intro}",
              "Bearer {t:alice}", "Bearer {t:expired}", "Bearer nope", "Token x"):
        add(intro + "?token={t:alice}", headers={"Authorization": h})
    add(intro + "?token={t:alice}")
    add(intro + "?token={t:alice}&" + client_form("plain"))
    add(intro + "?token={t:alice}&" + client_form("plain", "x"))
    add(intro + "?token={t:alice}&client_id=pub-id")
    add(intro + "?token={t:alice}&client_id=pub-id&client_secret=")
    add(intro, method="POST", body="token={t:alice}&" + client_form("plain"), content_type=form)
    add(intro, method="POST", body="token={t:alice}&" + client_form("accent"), content_type=form)
    add(intro + "?" + client_form("plain"), method="POST", body="token={t:alice}&client_secret=x", content_type=form)
    add(intro + "?" + client_form("plain", "x"), method="POST", body="token={t:alice}&client_secret=plain-secret",
        content_type=form)
    add(intro, method="POST", body="token={t:alice}&client_id=plain-id&client_secret=plain-secret",
        content_type="application/json")
    add(intro, method="POST", body="token={t:alice}&client_secret=" + urllib.parse.quote_plus(APPS["app"][1]),
        content_type=form, headers={"Authorization": client_basic("app", "wrong")})
    add(intro, method="POST", body="token={t:alice}&client=x", content_type=form, headers=app)
    add(intro, method="POST", body="token={t:alice}&client_id=nul%00id&client_secret=x", content_type=form)
    add(intro + "?x=%zz&token={t:alice}", headers=app)
    add(intro + "?x=%zz&token={t:alice}", headers={"Authorization": "Bearer {t:intro}"})
    add(intro + "?token={t:alice}", headers=dict(app, Host="evil.example"))
    add(intro + "?token={t:alice}", headers={"Authorization": "Bearer {t:intro}", "Host": "evil.example"})
    add(intro + "?token={t:alice}&access_token={t:intro}")
    # Secrets that only look like hashes, 3.x's device-code exception for public clients,
    # form charsets (Django 5.2 refuses all but UTF-8).
    add(intro + "?token={t:alice}", headers={"Authorization": client_basic("md5bad")})
    add(intro + "?token={t:alice}&" + client_form("md5bad"))
    device = "&grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code"
    add(intro + "?token={t:alice}" + device, headers={"Authorization": client_basic("pub-hashed", "wrong")})
    add(intro + "?token={t:alice}&client_id=pub2-id&client_secret=wrong" + device)
    add(intro + "?token={t:alice}&client_id=plain-id&client_secret=wrong" + device)
    for charset in ("latin-1", "UTF-8", "utf8", "bogus"):  # (3.2 reads others, utf-16 say, in their charset)
        add(intro, method="POST", body="token={t:alice}&" + client_form("plain"), content_type=form + "; charset=" + charset)
        add("/prot/view/", method="POST", body="access_token={t:carol}", content_type=form + "; charset=" + charset)
    add(intro, method="POST", body="token={t:alice}&access_token={t:intro}", content_type=form)
    # What they are told.
    for name in ("alice", "carol", "jose", "bob", "client", "expired", "empty-scope", "spaced-scope", "ghost", "latin",
                 "euro", "spaced", "upper", "noapp", "res-here", "res-other", "res-odd", "res-empty", "intro", "plain-tok",
                 "alice-r", "nope"):
        if name in tokens or name == "nope":
            add(intro + "?token={t:%s}" % name, headers=app)
            add(intro, method="POST", body="token={t:%s}" % name, content_type=form, headers=app)
    for q in ("", "?token=", "?token", "?TOKEN={t:alice}", "?token={t:alice}&token=x", "?token=x&token={t:alice}",
              "?token=UPPER-CASE-TOKEN"):
        add(intro + q, headers=app)
    add(intro, method="POST", body="", content_type=form, headers=app)
    add(intro + "?token={t:alice}", method="POST", body="x=1", content_type=form, headers=app)
    add(intro, method="POST", body='{"token": "{t:alice}"}', headers=app)
    for m in ("OPTIONS", "PUT", "DELETE", "PATCH"):
        add(intro + "?token={t:alice}", method=m, headers=app)
        add(intro + "?token={t:alice}", method=m)
    # Tokens issued (random: the answers' tokens are compared as placeholders, the tokens
    # then read by Django, command issued).
    tok = "/o/token/"
    cc = "grant_type=client_credentials"
    for body, h in ((cc, app), (cc + "&scope=read", app), (cc + "&scope=write+read", app), (cc + "&scope=", app),
                    (cc + "&scope=read++write", app), (cc + "&scope=bogus", app), (cc + "&scope=%20read%0A", app),
                    (cc + "&scope=read&state=st%C3%A9", app), (cc, {"Authorization": client_basic("app", "x")}),
                    (cc + "&state=s", {"Authorization": client_basic("nobody")}), (cc + "&" + client_form("plain"), {}),
                    (cc + "&client_id=pub-id", {}), (cc + "&client_id=pub2-id", {}), (cc + "&client_id=plain-id", app),
                    (cc + "&client_id=app-id", app), (cc, {"Authorization": client_basic("pw")}), ("", app),
                    ("grant_type=bogus&state=x", app), ("grant_type=", app), ("grant_type=CLIENT_CREDENTIALS", app),
                    (cc + "&resource=http%3A%2F%2Ftestserver%2Fapi%2F", app),
                    (cc + "&resource=http%3A%2F%2Ftestserver%2Fapi%2F&resource=https%3A%2F%2Fother.example%2F", app),
                    (cc + "&resource=+", app), (cc + "&resource=", app), (cc + "&resource=bogus&state=z", app),
                    (cc + "&resource=http%3A%2F%2Fu%40testserver%2F", app), (cc + "&resource=http%3A%2F%2F%5B%3A%3A1%2F", app),
                    (cc + "&resource=http%3A%2F%2Ftestserver%2F&resource=", app), (cc + "&client=x", app),
                    (cc + "&client_id=nul%00id", {})):
        add(tok, method="POST", body=body, content_type=form, headers=h)
    add(tok + "?x=1", method="POST", body=cc + "&state=q", content_type=form, headers=app)
    add(tok + "?x=%zz", method="POST", body=cc, content_type=form, headers=app)
    add(tok, method="POST", body='{"grant_type": "client_credentials"}', headers=app)
    for m in ("GET", "OPTIONS", "PUT"):
        add(tok, method=m, headers=app)
    pw = {"Authorization": client_basic("pw")}
    user = "grant_type=password&username=alice&password=" + urllib.parse.quote_plus(PASSWORD)
    for body, h in ((user, pw), (user + "&scope=read", pw), (user.replace("alice", "bob"), pw),
                    (user.replace("alice", "jos%C3%A9"), pw), (user.replace("alice", "ALICE"), pw),
                    (user + "x", pw), ("grant_type=password&username=alice", pw), ("grant_type=password&password=x", pw),
                    (user.replace("username=alice", "username="), pw), (user + "&scope=bogus", pw),
                    (user, {"Authorization": client_basic("pw", "x")}), (user + "&client_id=pw-pub-id", {}),
                    (user + "&client_id=pw-id", {}), (user + "&" + client_form("pw"), {}), (user, app),
                    (user + "x", app), (user + "&resource=http%3A%2F%2Ftestserver%2Fapi%2F", pw),
                    (user + "&state=s", {"Authorization": client_basic("pw", "x")}), (user.replace("alice", "nobody"), pw),
                    (user + "&client_id=app-id", pw)):
        add(tok, method="POST", body=body, content_type=form, headers=h)
    # Authorization codes exchanged (refusals first; then again: deleted).
    web = {"Authorization": client_basic("web")}
    class CodeQuery(str):  # ("%" of the redirect URI's escapes kept)
        def __mod__(self, name):
            return self.replace("{t:NAME}", "{t:%s}" % name)

    codeq = CodeQuery("grant_type=authorization_code&code={t:NAME}&redirect_uri=" + urllib.parse.quote(CB, safe=""))
    ver = "&code_verifier=" + VERIFIER
    for body, h in ((codeq % "code-s256", web), (codeq % "code-s256" + "&code_verifier=x", web),
                    (codeq % "code-s256" + ver, app), (codeq % "code-s256" + ver, {"Authorization": client_basic("web", "x")}),
                    ("grant_type=authorization_code" + ver, web), (codeq % "code-pub" + ver, web),
                    (codeq % "code-s256" + ver + "x", web), (CodeQuery(codeq.replace("cb", "cb2")) % "code-s256" + ver, web),
                    (codeq % "code-nopkce", web), (codeq % "code-nopkce" + ver, web), (codeq % "code-expired" + ver, web),
                    (codeq % "code-nomethod" + ver, web), (codeq % "code-badmethod" + ver + "&state=b", web),
                    (codeq % "code-openid" + ver, web), (CodeQuery(codeq.replace("authorization_code", "openid")) % "code-openid" + ver, web),
                    ("grant_type=authorization_code&code={t:code-s256}" + ver, web), (codeq % "code-s256" + ver, web),
                    (codeq % "code-s256" + ver, web), (codeq % "code-plain" + "&code_verifier=" + S256, web),
                    (codeq % "code-plain" + ver, web), (codeq % "code-spaces" + ver, web),
                    ("grant_type=authorization_code&code={t:code-pub}&client_id=web2-id&state=s" + ver, {}),
                    ("grant_type=authorization_code&code={t:code-pub}&client_id=web2-id&redirect_uri=https%3A%2F%2Fa.example%2Fcb" + ver, {}),
                    ("grant_type=authorization_code&code={t:code-pub2}&client_id=web2-id&redirect_uri=https%3A%2F%2Fb.example%2Fcb" + ver, {}),
                    ("grant_type=authorization_code&code={t:code-web3}&state=w" + ver, {"Authorization": client_basic("web3")}),
                    (codeq % "code-res" + ver + "&resource=http%3A%2F%2Fnot.example%2F", web),
                    (codeq % "code-res" + ver + "&resource=http%3A%2F%2Ftestserver%2Fapi%2F", web), (codeq % "code-res2" + ver, web),
                    (codeq % "code-res3" + ver + "&resource=bogus", web), (codeq % "code-ghost" + ver, web)):
        add(tok, method="POST", body=body, content_type=form, headers=h)
    # Refresh tokens refreshed (refusals first), twice (rotated, or in the grace period).
    ref = "grant_type=refresh_token&refresh_token={t:%s}"
    pwpub = "&client_id=pw-pub-id"
    for body, h in ((ref % "ref-b-r", app), (ref % "ref-a-r", pw), ("grant_type=refresh_token", app),
                    ("grant_type=refresh_token&refresh_token=", app), ("grant_type=refresh_token&refresh_token=nope", app),
                    (ref % "old-r", app), (ref % "ref-a-r", {"Authorization": client_basic("app", "x")}),
                    (ref % "ref-pub-r", {}), (ref % "ref-a-r" + "&scope=write", app),
                    (ref % "ref-a-r" + "&scope=read+write", app), (ref % "ref-b-r" + "&resource=bogus", pw),
                    (ref % "ref-a-r" + "&scope=read", app), (ref % "ref-a-r", app), (ref % "ref-a-r" + "&state=r", app),
                    (ref % "ref-b-r" + "&scope=", pw), (ref % "ref-b-r", pw),
                    (ref % "ref-pub-r" + pwpub + "&resource=http%3A%2F%2Ftestserver%2Fapi%2F", {}), (ref % "ref-pub-r" + pwpub, {}),
                    (ref % "expired-r", app), (ref % "ref-c-r", app), (ref % "ref-c-r", app), (ref % "upper", app),
                    (ref % "plain-tok-r", {"Authorization": client_basic("plain")})):
        add(tok, method="POST", body=body, content_type=form, headers=h)
    # Revocations, last (they change the tables): refusals first.
    for m in ("GET", "OPTIONS", "PUT"):
        add(revoke, method=m, headers=app)
    for body, h in (("token={t:alice}", {}), ("token={t:alice}&state=xyz", {}), ("", app), ("state=s%C3%A9", app),
                    ("token=", app), ("token={t:alice}&client_id=nobody", {}), ("token={t:alice}&client_id=app-id", {}),
                    ("token={t:alice}&" + client_form("app", "x"), {}), ("token={t:alice}", {"Authorization": "Basic x"}),
                    ("token={t:alice}&state=st", {"Authorization": client_basic("app", "wrong")}),
                    ("token={t:alice}&client=x", app), ("token={t:alice}&client_id=nul%00id", {})):
        add(revoke, method="POST", body=body, content_type=form, headers=h)
    add(revoke + "?token={t:alice}", method="POST", body="token={t:alice}", content_type=form, headers=app)
    add(revoke + "?x=%zz", method="POST", body="token={t:alice}", content_type=form, headers=app)
    add(revoke, method="POST", body='{"token": "{t:alice}"}', headers=app)
    # Revocations that revoke, or not: another client's tokens, hints right and wrong.
    for body, h in (("token={t:plain-tok}", app), ("token={t:alice}&client_id=pub-id", {}),
                    ("token={t:pub-tok-r}&token_type_hint=refresh_token&client_id=pub-id", {}),
                    ("token={t:plain-tok}&token_type_hint=access_token", {"Authorization": client_basic("plain")}),
                    ("token={t:plain-bare}&" + client_form("plain"), {}),
                    ("token={t:carol-r}&token_type_hint=refresh_token", app),
                    ("token={t:alice}&token_type_hint=refresh_token", app),
                    ("token={t:expired-r}&token_type_hint=bogus", app), ("token={t:old-r}", app),
                    ("token={t:upper}&token_type_hint=access_token", app), ("token=UPPER-CASE-TOKEN", app),
                    ("token=nope&token_type_hint=refresh_token", app)):
        add(revoke, method="POST", body=body, content_type=form, headers=h)
    add(intro + "?token={t:alice}", headers=app)
    add(intro + "?token={t:carol}", headers=app)


def basic(name, password=PASSWORD):
    import base64
    return "Basic " + base64.b64encode(("%s:%s" % (name, password)).encode()).decode()


def setup():
    made = djoracle.create_users(USERS, PASSWORD)
    apps = {name: Application.objects.create(name=name, client_id=cid, client_secret=secret, client_type=kind,
                                             hash_client_secret=hashed, authorization_grant_type=grant)
            for name, (cid, secret, kind, hashed, grant) in APPS.items()}
    for name, uris in REDIRECT_URIS.items():
        apps[name].redirect_uris = uris
        apps[name].save()
    app = apps["app"]
    from django.db import connection
    from oauthlib.common import generate_token

    tokens = {}
    now = timezone.now()
    for name, raw in RAW_RESOURCES.items():
        TOKENS[name] = (1, 3600, "read", raw, None, True)
    for name, (pk, ttl, scope, resource, value, with_app) in TOKENS.items():
        if resource is not None and not HAS_RESOURCE:
            continue
        if name in RAW_RESOURCES:
            value = generate_token()
            AccessToken.objects.create(user=made[pk], token=value, scope=scope, application=app,
                                       expires=now + datetime.timedelta(seconds=ttl))
            with connection.cursor() as c:
                c.execute("UPDATE oauth2_provider_accesstoken SET resource = %s WHERE token = %s", [resource, value])
            tokens[name] = value
            continue
        value = value or generate_token()
        kw = {"resource": resource} if resource is not None else {}
        AccessToken.objects.create(user=made[pk] if pk else None, token=value, scope=scope,
                                   expires=now + datetime.timedelta(seconds=ttl),
                                   application=app if with_app else None, **kw)
        tokens[name] = value
    for name in ("alice", "carol", "expired"):
        at = AccessToken.objects.get(token=tokens[name])
        tokens[name + "-r"] = generate_token()
        RefreshToken.objects.create(user=at.user, token=tokens[name + "-r"], application=app, access_token=at)
    for name, (pk, app_name, with_refresh) in APP_TOKENS.items():
        tokens[name] = generate_token()
        at = AccessToken.objects.create(user=made[pk], token=tokens[name], scope="read", application=apps[app_name],
                                        expires=now + datetime.timedelta(seconds=3600))
        if with_refresh:
            tokens[name + "-r"] = generate_token()
            RefreshToken.objects.create(user=made[pk], token=tokens[name + "-r"], application=apps[app_name],
                                        access_token=at)
    from oauth2_provider.models import Grant
    for name, (app_name, pk, scope, uri, challenge, method, ttl, resource) in GRANTS.items():
        tokens[name] = generate_token()
        kw = {"resource": resource} if resource is not None and HAS_RESOURCE else {}
        Grant.objects.create(application=apps[app_name], user=made[pk], code=tokens[name], scope=scope, redirect_uri=uri,
                             code_challenge=challenge, code_challenge_method=method,
                             expires=now + datetime.timedelta(seconds=ttl), **kw)
    tokens["old-r"] = generate_token()
    RefreshToken.objects.create(user=made[1], token=tokens["old-r"], application=app,
                                revoked=now - datetime.timedelta(hours=1))
    drf_token = Token.objects.create(user=made[1]).key
    # A session bob (inactive) logged in to through the toolkit's backend.
    from django.contrib.sessions.backends.db import SessionStore

    sess = SessionStore()
    sess["_auth_user_id"], sess["_auth_user_backend"] = "2", "oauth2_provider.backends.OAuth2Backend"
    sess["_auth_user_hash"] = made[2].get_session_auth_hash()
    sess.save()
    tokens["session-bob"] = sess.session_key

    if connection.vendor == "sqlite":  # (a token left without its user, which the servers' keys forbid)
        with connection.constraint_checks_disabled(), connection.cursor() as c:
            c.execute("DELETE FROM auth_user WHERE id = 5")
    print(json.dumps({
        "tokens": tokens, "drf_token": drf_token, "steps": steps(tokens), "oauth2": oauth2_provider.__version__,
        "drf": rest_framework.VERSION, "python": "%d.%d" % sys.version_info[:2],
    }))


PLACEHOLDER = re.compile(r"\{(t|a|b64|qp):([\w-]+)\}|\{drf\}")


def fill(s, tokens, drf_token, quoted, as_tokens=None):
    """The placeholders of s filled: {t:NAME} a token (%-escaped if quoted), {a:NAME} an
    authorization server's, {b64:NAME} a token in base64, {qp:NAME} one with a
    quoted-printable soft line break after its fifth character, {drf} the DRF token."""
    def one(m):
        if m.group(1) is None:
            return drf_token
        v = (as_tokens or {} if m.group(1) == "a" else tokens).get(m.group(2), m.group(2))
        if m.group(1) == "b64":
            return __import__("base64").b64encode(v.encode()).decode()
        if m.group(1) == "qp":
            return v[:5] + "=\r\n" + v[5:]
        return urllib.parse.quote(v, safe="") if quoted else v
    return PLACEHOLDER.sub(one, s)


def run(step_list, tokens, drf_token, as_tokens=None):
    time.sleep(1.5)  # ("soon" has expired)
    out = []
    for step in step_list:
        client = Client(raise_request_exception=False)
        meta = {"HTTP_" + k.upper().replace("-", "_"): fill(v, tokens, drf_token, False, as_tokens)
                for k, v in step["headers"].items()}
        if step.get("query") is not None:  # (the raw QUERY_STRING, as a WSGI server gives it)
            meta["QUERY_STRING"] = fill(step["query"], tokens, drf_token, True, as_tokens)
        quoted = not step["content_type"].startswith("application/json")
        body = fill(step["body"], tokens, drf_token, quoted and "multipart" not in step["content_type"], as_tokens)
        resp = client.generic(step["method"], fill(step["path"], tokens, drf_token, True, as_tokens), body.encode("utf-8"),
                              content_type=step["content_type"], **meta)
        out.append({
            "status": resp.status_code, "content_type": resp.get("Content-Type"),
            "www_authenticate": resp.get("WWW-Authenticate"), "allow": resp.get("Allow"),
            "body": resp.content.decode("latin-1"),
            "set_cookie": sorted(m.OutputString() for m in resp.cookies.values()),
        })
    print(json.dumps({"steps": out}))


# The authorization server's users (pk, username, is_active, is_staff) and tokens: name:
# (user pk or None, seconds to expiry, scope, resource (3.x) or None).
AS_USERS = [(1, "dave", True, False), (2, "alice", True, False), (3, "erin", False, False),
            (4, "n\u00e9o", True, False)]
AS_TOKENS = {
    "as-good": (1, 3600, "read write", None),
    "as-alice": (2, 3600, "read extra", None),
    "as-client": (None, 3600, "read", None),
    "as-long": (1, 100 * 86400, "read", None),
    "as-expired": (1, -60, "read", None),
    "as-introspect": (1, 3600, "introspection", None),
    "as-erin": (3, 3600, "read", None),
    "as-neo": (4, 3600, "read write extra", None),
    "as-aud-here": (1, 3600, "read", ["http://testserver/api/"]),
    "as-aud-other": (2, 3600, "read", ["http://other.example/"]),
}
# Canned answers of the authorization server for the tokens named so: (status, body[,
# Content-Type, None for none; the body then in bytes]).
WEIRD = {
    "w-list": (200, '["active"]'), "w-list-other": (200, '["x"]'), "w-str": (200, '"inactive"'),
    "w-str-other": (200, '"nothing"'), "w-number": (200, "5"), "w-null": (200, "null"),
    "w-not-json": (200, "{"), "w-500": (500, '{"active": true}'), "w-active-1": (200, '{"active": 1}'),
    "w-exp-str": (200, '{"active": true, "exp": "soon"}'), "w-exp-float": (200, '{"active": true, "exp": EXP.5, "scope": "read"}'),
    "w-exp-past": (200, '{"active": true, "exp": 1000000000, "username": "dave"}'),
    "w-exp-huge": (200, '{"active": true, "exp": 1e300}'), "w-no-exp": (200, '{"active": true, "scope": "read extra"}'),
    "w-user-int": (200, '{"active": true, "username": 42, "scope": "read"}'),
    "w-user-new": (200, '{"active": true, "username": "wendy", "scope": "read", "exp": EXP}'),
    "w-scope-null": (200, '{"active": true, "scope": null}'),
    "w-aud-str": (200, '{"active": true, "aud": "http://testserver/api/", "scope": "read", "exp": EXP}'),
    "w-aud-int": (200, '{"active": true, "aud": [1]}'), "w-aud-null": (200, '{"active": true, "aud": null}'),
    "w-aud-dict": (200, '{"active": true, "aud": {}}'),
    "w-nan": (200, '{"active": true, "exp": NaN}'),
    "w-text-plain": (200, '{"active": true, "username": "n\u00e9o", "scope": "read"}'.encode(), "text/plain"),
    "w-latin1": (200, '{"active": true, "username": "n\u00e9o", "scope": "read"}'.encode(),
                 "application/json; charset=latin-1"),
    "w-bom": (200, b"\xef\xbb\xbf" + b'{"active": true, "username": "bom", "scope": "read"}', None),
    "w-bom-json": (200, b"\xef\xbb\xbf" + b'{"active": true, "username": "bom2", "scope": "read"}', "application/json"),
    "w-utf16": (200, '{"active": true, "username": "sixt\u00e9en", "scope": "read"}'.encode("utf-16-le"), None),
    "w-utf16-bom": (200, '{"active": true, "username": "bom16", "scope": "read"}'.encode("utf-16"), None),
    "w-aud-scope": (200, '{"active": true, "scope": null, "aud": 5}'),
    "w-surrogate": (200, '{"active": true, "username": "x\\ud800"}'),
    "w-redirect": (307, ""),
}


def serve_as():
    import threading
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from django.core.handlers.wsgi import WSGIHandler
    from django.http import HttpResponse
    from django.views.decorators.csrf import csrf_exempt
    from oauth2_provider.views import IntrospectTokenView

    made = djoracle.create_users(AS_USERS, PASSWORD)
    app = Application.objects.create(name="rs", client_id="rs-client", client_secret="rs-secret",
                                     client_type=Application.CLIENT_CONFIDENTIAL,
                                     authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS)
    from oauthlib.common import generate_token

    now = timezone.now()
    tokens = {}
    for name, (pk, ttl, scope, resource) in AS_TOKENS.items():
        if resource is not None and not HAS_RESOURCE:
            continue
        kw = {"resource": resource} if resource is not None else {}
        tokens[name] = generate_token()
        AccessToken.objects.create(user=made[pk] if pk else None, token=tokens[name], scope=scope, application=app,
                                   expires=now + datetime.timedelta(seconds=ttl), **kw)
    exp = str(int(time.time()) + 3000)
    introspect = IntrospectTokenView.as_view()

    @csrf_exempt
    def view(request):
        token = request.POST.get("token", "")
        canned = WEIRD.get(token)
        if token == "w-redirect":  # (twelve redirects, each keeping the POST, then an answer)
            hop = int(request.GET.get("hop", "0"))
            if hop < 12:
                resp = HttpResponse(status=307)
                resp["Location"] = "/o/introspect/?hop=%d" % (hop + 1)
                return resp
            return HttpResponse('{"active": true, "username": "dave", "scope": "read"}', content_type="application/json")
        if canned and len(canned) == 3:
            resp = HttpResponse(canned[1], status=canned[0])
            if canned[2] is None:
                del resp["Content-Type"]
            else:
                resp["Content-Type"] = canned[2]
            return resp
        if canned:
            return HttpResponse(canned[1].replace("EXP", exp), status=canned[0], content_type="application/json")
        return introspect(request)

    djoracle.set_urlpatterns(URLCONF, [path("o/introspect/", view)])

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = make_server("127.0.0.1", 0, WSGIHandler(), handler_class=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(json.dumps({"port": server.server_port, "tokens": dict(tokens, **{w: w for w in WEIRD})}), flush=True)
    sys.stdin.read()
    server.shutdown()


def state(as_tokens):
    from django.contrib.auth.models import User

    names = {v: k for k, v in as_tokens.items()}
    now = timezone.now()
    rows = []
    for t in AccessToken.objects.select_related("user").order_by("id"):
        if t.token not in names:
            continue
        minutes = (t.expires - now).total_seconds() / 60
        rows.append([names[t.token], t.user.get_username() if t.user else None, t.scope,
                     # (an expiry of its own, exp's, as a time; one made from now, as minutes
                     # from now, which the two sides read at other moments)
                     round(minutes) if abs(minutes) < 14400 else t.expires.isoformat(timespec="minutes"),
                     getattr(t, "resource", None), t.application_id])
    return {"tokens": sorted(rows, key=json.dumps),
            "users": sorted([u.username, u.is_active] for u in User.objects.all())}


if cmd == "setup":
    setup()
elif cmd == "run":
    arg = json.load(sys.stdin)
    run(arg["steps"], arg["tokens"], arg["drf_token"], arg.get("as_tokens"))
elif cmd == "revoke":
    pk = json.load(sys.stdin)["user"]
    for rt in RefreshToken.objects.filter(user_id=pk, revoked__isnull=True):
        rt.revoke()
    for at in AccessToken.objects.filter(user_id=pk):
        at.revoke()
    print("{}")
elif cmd == "tokens":
    names = {v: k for k, v in json.load(sys.stdin)["tokens"].items()}
    now = timezone.now()
    print(json.dumps({
        "access": sorted(([names.get(t.token), t.user_id] for t in AccessToken.objects.all()), key=json.dumps),
        "refresh": sorted(([names.get(t.token), t.user_id, t.revoked is not None,
                            None if t.revoked is None else round((now - t.revoked).total_seconds() / 60),
                            names.get(t.access_token.token) if t.access_token else None]
                           for t in RefreshToken.objects.select_related("access_token")), key=json.dumps),
    }))
elif cmd == "issued":  # the tokens of no name (issued by the steps), as Django reads them
    names = set(json.load(sys.stdin)["tokens"].values())
    now = timezone.now()
    import hashlib

    def row(t):
        r = t.refreshtoken if hasattr(t, "refreshtoken") else None
        return [t.user_id, t.scope, t.application.client_id if t.application else None,
                round((t.expires - now).total_seconds() / 60), getattr(t, "resource", None), t.is_valid(),
                len(t.token), getattr(t, "token_checksum", hashlib.sha256(t.token.encode()).hexdigest())
                == hashlib.sha256(t.token.encode()).hexdigest(),
                None if r is None else [r.user_id, r.application.client_id, r.revoked is not None, len(r.token),
                                        getattr(r, "token_checksum", None) in (None, hashlib.sha256(r.token.encode()).hexdigest()),
                                        getattr(r, "token_family", 1) is not None]]
    print(json.dumps({"issued": sorted((row(t) for t in AccessToken.objects.all() if t.token not in names),
                                       key=json.dumps)}))
elif cmd == "serve-as":
    serve_as()
elif cmd == "state":
    print(json.dumps(state(json.load(sys.stdin)["as_tokens"])))
elif cmd == "resource":
    from oauth2_provider.oauth2_validators import validate_resource_as_url_prefix

    answers = []
    for uri, audiences in json.load(sys.stdin):
        try:
            answers.append(bool(validate_resource_as_url_prefix(uri, audiences)))
        except ValueError:
            answers.append("error")
    print(json.dumps(answers))
else:
    sys.exit("unknown command " + cmd)

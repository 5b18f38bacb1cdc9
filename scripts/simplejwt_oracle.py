"""djangorestframework-simplejwt (JSON web tokens for Django REST framework), for the Go twins
(package restframework/simplejwt).

Usage: <venv python> scripts/simplejwt_oracle.py DATABASE_JSON CONFIG_JSON COMMAND < ARG

DATABASE_JSON is Django's DATABASES["default"] as JSON. CONFIG_JSON is {"simple_jwt": the
SIMPLE_JWT setting (durations in seconds), "blacklist": whether the token_blacklist app is
installed, "django": other settings, such as USE_TZ and TIME_ZONE (optional)}. The site: rest_framework and rest_framework_simplejwt installed, MD5PasswordHasher
(fast), DRF's JSONRenderer alone, and these views:

  api/jwt/            JWTAuthentication                    IsAuthenticated  GET, POST
  api/jwt-basic/      JWTAuthentication, Basic             IsAuthenticated  GET
  api/basic-jwt/      Basic, JWTAuthentication             AllowAny         GET
  api/stateless/      JWTStatelessUserAuthentication       IsAuthenticated  GET
  api/token/          TokenObtainPairView
  api/token/refresh/  TokenRefreshView
  api/token/verify/   TokenVerifyView
  api/token/blacklist/ TokenBlacklistView
  api/sliding/        TokenObtainSlidingView
  api/sliding/refresh/ TokenRefreshSlidingView

The api/ views answer {"user": request.user.pk, "jti": the token's jti or null, "type": its
token_type or null}.

setup   migrates the (empty) database; creates alice (pk 1), bob (pk 2, inactive), carol
        (pk 3, staff) and jos\u00e9 (pk 4), all with PASSWORD; mints tokens (TOKENS: for_user's
        refresh, access and sliding tokens of each user, and tokens made from payloads that
        are wrong in every way simplejwt notices) and prints {"tokens": {name: token},
        "steps": STEPS, "simplejwt": its version, "drf": DRF's, "python": "3.12"}. STEPS are
        requests {"method", "path", "headers", "content_type", "body"} using the tokens.
run     (ARG: {"steps": STEPS, "tokens": TOKENS}) sends the steps through Django's test Client and prints, after
        each, {"status", "content_type", "www_authenticate", "allow", "body"}; then
        "outstanding": [the user pk of each OutstandingToken, sorted, nulls first], "blacklisted":
        the names of TOKENS blacklisted, "last_login": the pks of users with a last_login.
check   (ARG: a JSON list of tokens) prints, for each token and each type (access,
        refresh, sliding, untyped), {"payload": the typed payload or null, "message": the
        TokenError's message or null, "error": the class of another exception or null}.
encode  prints {"cases": [{"payload": typed, "token": token_backend.encode(payload)}]} for
        random payloads (nested values of every JSON kind, non-ASCII and astral text,
        floats, big ints).
flush   (with the token_blacklist app) prints {"outstanding_jtis", "blacklisted_jtis"}: the
        jtis of the outstanding and blacklisted tokens, sorted; with a fifth argument --run,
        after manage.py flushexpiredtokens.
fixtures prints, for fixtures/simplejwt/ (scripts/gen-simplejwt-fixtures), the first 60 of
        encode's cases and check's results for the crafted tokens of setup made at a fixed
        time (2023, expiring in 2033: the results hold until then), without for_user's.
"""

import datetime
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import djoracle  # noqa: E402

CONFIG = json.loads(sys.argv[2])
cmd = sys.argv[3]
URLCONF = "djsession_simplejwt_urls"


def simple_jwt(conf):
    out = {}
    for k, v in conf.items():
        if k.endswith("_LIFETIME"):
            v = datetime.timedelta(seconds=v)
        if k in ("AUTH_HEADER_TYPES", "AUTH_TOKEN_CLASSES"):
            v = tuple(v)
        out[k] = v
    return out


apps = ["django.contrib.contenttypes", "django.contrib.auth", "rest_framework", "rest_framework_simplejwt"]
REST_AUTH = CONFIG.get("rest_auth")  # dj-rest-auth's REST_AUTH (its JWT cookies), or None
if CONFIG.get("blacklist"):
    apps.append("rest_framework_simplejwt.token_blacklist")
djoracle.configure_view_site(
    sys.argv[1], URLCONF, {},
    python_settings={"SIMPLE_JWT": simple_jwt(CONFIG.get("simple_jwt", {}))},
    INSTALLED_APPS=apps,
    MIDDLEWARE=[],
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    REST_FRAMEWORK={"DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]},
    REST_AUTH=REST_AUTH or {},
    **(CONFIG.get("django") or {}),
)

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import path  # noqa: E402
import rest_framework  # noqa: E402
from rest_framework import authentication as a, permissions as p  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402
from rest_framework_simplejwt import authentication as ja, views as jv  # noqa: E402
from rest_framework_simplejwt.exceptions import TokenError  # noqa: E402
from rest_framework_simplejwt.settings import api_settings  # noqa: E402
from rest_framework_simplejwt.state import token_backend  # noqa: E402
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken, SlidingToken, UntypedToken  # noqa: E402

try:
    from importlib.metadata import version as dist_version
except ImportError:  # pragma: no cover
    dist_version = None


def view(auths, perms, methods):
    def answer(self, request, *args, **kwargs):
        tok = request.auth
        return Response({
            "user": request.user.pk,
            "jti": None if tok is None else tok.get(api_settings.JTI_CLAIM),
            "type": None if tok is None else tok.get(api_settings.TOKEN_TYPE_CLAIM),
        })
    body = {m: answer for m in methods}
    body.update(authentication_classes=auths, permission_classes=perms)
    return type("V", (APIView,), body).as_view()


def cookie_urls():
    """dj-rest-auth's JWT cookies: JWTCookieAuthentication behind api/cookie/ (IsAuthenticated)
    and api/cookie-open/ (AllowAny), and views setting the cookies of the tokens posted
    (set_jwt_cookies) and deleting them (unset_jwt_cookies)."""
    from dj_rest_auth.jwt_auth import JWTCookieAuthentication, set_jwt_cookies, unset_jwt_cookies

    class SetCookies(APIView):
        authentication_classes, permission_classes = [], [p.AllowAny]

        def post(self, request):
            r = Response({})
            set_jwt_cookies(r, request.data.get("access", ""), request.data.get("refresh", ""))
            return r

    class UnsetCookies(APIView):
        authentication_classes, permission_classes = [], [p.AllowAny]

        def post(self, request):
            r = Response({})
            unset_jwt_cookies(r)
            return r

    return [
        path("api/cookie/", view([JWTCookieAuthentication], [p.IsAuthenticated], ["get", "post"])),
        path("api/cookie-open/", view([JWTCookieAuthentication], [p.AllowAny], ["get", "post"])),
        path("api/set-cookies/", SetCookies.as_view()),
        path("api/unset-cookies/", UnsetCookies.as_view()),
    ]


djoracle.set_urlpatterns(URLCONF, [
    path("api/jwt/", view([ja.JWTAuthentication], [p.IsAuthenticated], ["get", "post"])),
    path("api/jwt-basic/", view([ja.JWTAuthentication, a.BasicAuthentication], [p.IsAuthenticated], ["get"])),
    path("api/basic-jwt/", view([a.BasicAuthentication, ja.JWTAuthentication], [p.AllowAny], ["get"])),
    path("api/stateless/", view([ja.JWTStatelessUserAuthentication], [p.IsAuthenticated], ["get"])),
    path("api/token/", jv.TokenObtainPairView.as_view()),
    path("api/token/refresh/", jv.TokenRefreshView.as_view()),
    path("api/token/verify/", jv.TokenVerifyView.as_view()),
    path("api/token/blacklist/", jv.TokenBlacklistView.as_view()),
    path("api/sliding/", jv.TokenObtainSlidingView.as_view()),
    path("api/sliding/refresh/", jv.TokenRefreshSlidingView.as_view()),
] + (cookie_urls() if REST_AUTH else []))

PASSWORD = "pa:ss w\u00f6rd"
USERS = [(1, "alice", True, False), (2, "bob", False, False), (3, "carol", True, True), (4, "jos\u00e9", True, False)]
UID = api_settings.USER_ID_CLAIM
TYPE = api_settings.TOKEN_TYPE_CLAIM
JTI = api_settings.JTI_CLAIM


def payload(typ, uid, now=None, **changes):
    """A payload as simplejwt makes one (type, exp, iat, jti, user id) at now (the present
    if None; else an int, and the token expires in 2033), then changes (None removes a
    claim)."""
    exp = int(time.time()) + 300 if now is None else 2000000000
    now = int(time.time()) if now is None else now
    d = {TYPE: typ, "exp": exp, "iat": now, JTI: "%032x" % random.getrandbits(128), UID: uid}
    if typ == "sliding":
        d["refresh_exp"] = exp + 3300
    for k, v in changes.items():
        k = {"TYPE": TYPE, "JTI": JTI, "UID": UID}.get(k, k)
        if v is None:
            d.pop(k, None)
        else:
            d[k] = v
    return d


def mint(fixed_now=None):
    """The tokens of the steps: for_user's of each user (unless fixed_now is given), and
    tokens crafted from payloads made at fixed_now (an int; the present if None)."""
    import base64
    import hashlib
    import hmac

    out = {}
    if fixed_now is None:
        for pk, name, _, _ in USERS:
            u = User.objects.get(pk=pk)
            r = RefreshToken.for_user(u)
            out["refresh%d" % pk] = str(r)
            out["access%d" % pk] = str(r.access_token)
            out["sliding%d" % pk] = str(SlidingToken.for_user(u))
        out["refresh1b"] = str(RefreshToken.for_user(User.objects.get(pk=1)))
        out["refresh1c"] = str(RefreshToken.for_user(User.objects.get(pk=1)))
    now = int(time.time()) if fixed_now is None else fixed_now
    enc = token_backend.encode

    def payload(typ, uid, **changes):
        return globals()["payload"](typ, uid, now, **changes)

    for typ in ("access", "refresh", "sliding"):
        out[typ + "-expired"] = enc(payload(typ, "1", exp=now - 10, iat=now - 400))
        out[typ + "-nojti"] = enc(payload(typ, "1", JTI=None))
        out[typ + "-noexp"] = enc(payload(typ, "1", exp=None))
    out["sliding-refresh-expired"] = enc(payload("sliding", "1", refresh_exp=now - 1))
    out["sliding-norefresh"] = enc(payload("sliding", "1", refresh_exp=None))
    out["notype"] = enc(payload("access", "1", TYPE=None))
    out["wrongtype"] = enc(payload("bearer", "1"))
    out["inttype"] = enc(payload(5, "1"))
    out["nouser"] = enc(payload("access", None, UID=None))
    out["refresh-nouser"] = enc(payload("refresh", None, UID=None))
    out["user999"] = enc(payload("access", "999"))
    out["refresh-user999"] = enc(payload("refresh", "999"))
    out["userint"] = enc(payload("access", 3))
    out["userfloat"] = enc(payload("access", 1.7))
    out["userspace"] = enc(payload("access", " 3 "))
    out["usernull"] = enc(payload("access", 1, UID=None) | {UID: None})
    out["userabc"] = enc(payload("access", "abc"))
    out["userlist"] = enc(payload("access", [1]))
    out["userbig"] = enc(payload("access", "99999999999999999999"))
    out["refresh-userbig"] = enc(payload("refresh", 10 ** 20))
    for typ in ("access", "refresh"):
        out[typ + "-nulljti"] = enc(payload(typ, "1") | {JTI: None})
        out[typ + "-surrogatejti"] = enc(payload(typ, "1") | {JTI: "ab\udc00"})
    out["future-iat"] = enc(payload("access", "1", iat=now + 3600))
    out["future-nbf"] = enc(payload("access", "1", nbf=now + 3600))
    out["past-nbf"] = enc(payload("access", "1", nbf=now - 3600))
    out["str-exp"] = enc(payload("access", "1", exp=str(now + 300)))
    out["float-exp"] = enc(payload("access", "1", exp=now + 300.5))
    out["bad-exp"] = enc(payload("access", "1", exp="soon"))
    out["huge-exp"] = enc(payload("access", "1", exp=10 ** 12))
    out["bad-iat"] = enc(payload("access", "1", iat="x"))
    out["int-jti"] = enc(payload("access", "1", JTI=7) | ({"jti": 7} if JTI != "jti" else {}))
    out["int-sub"] = enc(payload("access", "1", sub=7))
    out["aud-x"] = enc(payload("access", "1", aud="x"))
    out["aud-list"] = enc(payload("access", "1", aud=["x", "api"]))
    out["iss-x"] = enc(payload("access", "1", iss="x"))
    out["unicode"] = enc(payload("access", "1", name="jos\u00e9 \U0001F600 \u2028", f=1.5e300, n=10 ** 30))
    out["revoked"] = enc(payload("access", "1", hash_password="0" * 32))
    import jwt

    alg = api_settings.ALGORITHM
    site = jwt.get_algorithm_by_name(alg)
    hname = {"HS256": "sha256", "HS384": "sha384", "HS512": "sha512"}.get(alg)

    def site_sign(msg, key=None):
        return site.sign(msg, site.prepare_key(api_settings.SIGNING_KEY) if key is None else key)

    def hmac_sign(name, key):
        return lambda msg: hmac.new(key, msg, getattr(hashlib, name)).digest()

    def raw(header, body, sign=site_sign):
        h = base64.urlsafe_b64encode(header.encode("latin-1")).rstrip(b"=")
        b = base64.urlsafe_b64encode(body.encode("latin-1")).rstrip(b"=")
        s = base64.urlsafe_b64encode(sign(h + b"." + b)).rstrip(b"=")
        return (h + b"." + b + b"." + s).decode()

    good = json.dumps(payload("access", "1"), separators=(",", ":"))
    out["raw-good"] = raw('{"alg":"%s","typ":"JWT"}' % alg, good)
    out["raw-spaces"] = raw(' { "typ" : "JWT", "alg" : "%s" } ' % alg, " " + good.replace(",", ", ") + "\n")
    out["raw-bom"] = raw("\xef\xbb\xbf" + '{"alg":"%s"}' % alg, good)
    out["raw-noalg"] = raw('{"typ":"JWT"}', good)
    out["raw-none"] = raw('{"alg":"none"}', good)
    if hname:
        other = "HS512" if alg != "HS512" else "HS256"
        out["raw-otheralg"] = raw('{"alg":"%s"}' % other, good, hmac_sign(other.replace("HS", "sha"), api_settings.SIGNING_KEY.encode()))
    else:  # (an HMAC keyed with the public key: the algorithm confusion attack)
        out["raw-otheralg"] = raw('{"alg":"HS256"}', good, hmac_sign("sha256", api_settings.VERIFYING_KEY.encode()))
    out["raw-listalg"] = raw('{"alg":["%s"]}' % alg, good)
    out["raw-kid"] = raw('{"alg":"%s","kid":5}' % alg, good)
    out["raw-kidstr"] = raw('{"alg":"%s","kid":"k1"}' % alg, good)
    out["raw-crit"] = raw('{"alg":"%s","crit":["exp"]}' % alg, good)
    out["raw-b64"] = raw('{"alg":"%s","b64":false,"crit":["b64"]}' % alg, good)
    out["raw-header-list"] = raw('["%s"]' % alg, good)
    out["raw-payload-list"] = raw('{"alg":"%s"}' % alg, "[1]")
    out["raw-payload-bad"] = raw('{"alg":"%s"}' % alg, "{bad")
    out["raw-nan"] = raw('{"alg":"%s"}' % alg, good[:-1] + ',"x":NaN,"y":-Infinity,"z":1e999}')
    out["raw-dupe"] = raw('{"alg":"%s","alg":"%s"}' % ("none", alg), good[:-1] + ',"%s":"0"}' % UID)
    out["raw-latin1"] = raw('{"alg":"%s"}' % alg, good[:-1] + ',"n":"\xe9"}')
    out["raw-utf8"] = raw('{"alg":"%s"}' % alg, good[:-1] + ',"n":"\xc3\xa9\xed\xa0\x80"}')
    if hname:
        out["raw-wrongkey"] = raw('{"alg":"%s"}' % alg, good, hmac_sign(hname, b"other key"))
    else:
        out["raw-wrongkey"] = raw('{"alg":"%s"}' % alg, good, lambda msg: site_sign(msg, other_key(alg)))
    g = out["raw-good"]
    h, b, s = g.split(".")
    out["mangled-sig"] = h + "." + b + "." + ("A" if s[0] != "A" else "B") + s[1:]
    out["mangled-pad"] = g + "="
    out["mangled-pad2"] = h + "==." + b + "." + s
    out["mangled-bits"] = h + "." + b + "." + s[:-1] + chr(ord(s[-1]) + 1)
    out["mangled-dots"] = h + "." + b + ".x." + s
    out["mangled-two"] = h + "." + b
    out["mangled-plus"] = g.replace("-", "+").replace("_", "/")
    out["mangled-empty"] = ".."
    out["mangled-none"] = "abc"
    return out


def other_key(alg):
    """A new private key for alg (not the site's)."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    if alg.startswith(("RS", "PS")):
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if alg == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    return ec.generate_private_key({"ES256": ec.SECP256R1(), "ES384": ec.SECP384R1()}.get(alg, ec.SECP521R1()))


def steps(tokens):
    J = "application/json"
    out = []

    def add(path, method="GET", headers=None, body="", content_type=J):
        out.append({"method": method, "path": path, "headers": headers or {}, "content_type": content_type,
                    "body": body})

    scheme = api_settings.AUTH_HEADER_TYPES[0] if isinstance(api_settings.AUTH_HEADER_TYPES, (list, tuple)) \
        else api_settings.AUTH_HEADER_TYPES
    if REST_AUTH:  # (a site for dj-rest-auth's cookies: the other steps are the default site's)
        return cookie_steps(tokens, scheme)
    names = sorted(tokens)
    for name in names:
        add("/api/jwt/", headers={"Authorization": scheme + " " + tokens[name]})
    for name in names:
        if name.startswith("sliding") or name.startswith("refresh") or name in (
                "access1", "access2", "nouser", "userint", "userabc", "userlist", "usernull", "revoked"):
            add("/api/stateless/", headers={"Authorization": scheme + " " + tokens[name]})
    t = tokens["access1"]
    for h in (None, "", scheme, scheme + " ", scheme + " a b", scheme.lower() + " " + t, "JWT " + t, "Bearer " + t,
              "Token " + t, "  %s\t%s  " % (scheme, t), scheme + "\x0b" + t, scheme + "\x1c" + t,
              "%s %s, %s x" % (scheme, t, scheme), scheme + " \xff\xfe", scheme + " " + t + "\x00"):
        add("/api/jwt/", headers={} if h is None else {"Authorization": h})
    for path in ("/api/jwt-basic/", "/api/basic-jwt/", "/api/stateless/"):
        for h in (None, scheme + " " + t, scheme + " x", "Basic YWxpY2U6cGE6c3Mgd8O2cmQ=", "Basic !!", scheme):
            add(path, headers={} if h is None else {"Authorization": h})
    add("/api/jwt/", method="POST", headers={"Authorization": scheme + " " + t}, body="{bad")
    add("/api/jwt/", method="PUT", headers={"Authorization": scheme + " " + t})
    add("/api/jwt/", method="OPTIONS", headers={"Authorization": scheme + " " + t})
    add("/api/jwt/", headers={"Authorization": scheme + " " + tokens["access-expired"], "Accept": "application/json; indent=2"})

    def js(v):
        return json.dumps(v).encode().decode("latin-1")

    F = "application/x-www-form-urlencoded"
    for path in ("/api/token/", "/api/sliding/"):
        for body in ({"username": "alice", "password": PASSWORD}, {"username": " alice ", "password": " " + PASSWORD + " "},
                     {"username": "alice", "password": "x"}, {"username": "bob", "password": PASSWORD},
                     {"username": "jos\u00e9", "password": PASSWORD}, {"username": "alice"}, {}, [], {"username": None, "password": 5},
                     {"username": "", "password": ""}):
            add(path, method="POST", body=js(body))
        add(path, method="POST", body="username=carol&password=" + "pa%3Ass+w%C3%B6rd", content_type=F)
        add(path, method="POST", body="{bad")
        add(path, method="GET")
        add(path, method="OPTIONS")
        add(path, method="POST", body=js({"username": "alice", "password": PASSWORD}),
            headers={"Authorization": scheme + " garbage"})
    for name in names:
        add("/api/token/refresh/", method="POST", body=js({"refresh": tokens[name]}))
        add("/api/token/verify/", method="POST", body=js({"token": tokens[name]}))
        add("/api/sliding/refresh/", method="POST", body=js({"token": tokens[name]}))
    for body in ({}, {"refresh": ""}, {"refresh": None}, {"refresh": 5}, {"refresh": "  " + tokens["refresh1"] + " "}, []):
        add("/api/token/refresh/", method="POST", body=js(body))
        add("/api/token/verify/", method="POST", body=js({"token": body.get("refresh") if isinstance(body, dict) else body}))
        add("/api/token/blacklist/", method="POST", body=js(body))
    for path in ("/api/token/refresh/", "/api/token/verify/", "/api/token/blacklist/", "/api/sliding/refresh/"):
        add(path, method="OPTIONS")
        add(path, method="GET")
    # Blacklisting: refresh1b, then its use; refresh1c rotated twice.
    add("/api/token/blacklist/", method="POST", body=js({"refresh": tokens["refresh1b"]}))
    add("/api/token/blacklist/", method="POST", body=js({"refresh": tokens["refresh1b"]}))
    add("/api/token/refresh/", method="POST", body=js({"refresh": tokens["refresh1b"]}))
    add("/api/token/verify/", method="POST", body=js({"token": tokens["refresh1b"]}))
    add("/api/jwt/", headers={"Authorization": scheme + " " + tokens["refresh1b"]})
    add("/api/token/blacklist/", method="POST", body=js({"refresh": tokens["access1"]}))
    add("/api/token/blacklist/", method="POST", body=js({"refresh": tokens["refresh-user999"]}))
    add("/api/token/refresh/", method="POST", body=js({"refresh": tokens["refresh1c"]}))
    add("/api/token/refresh/", method="POST", body=js({"refresh": tokens["refresh1c"]}))
    add("/api/token/blacklist/", method="POST", body=js({"refresh": tokens["sliding3"]}))
    add("/api/sliding/refresh/", method="POST", body=js({"token": tokens["sliding3"]}))
    return out


CSRF_SECRET = "abcdefghijklmnopqrstuvwxyzABCDEF"  # a CSRF cookie's secret (32 characters)


def cookie_steps(tokens, scheme):
    """Requests to dj-rest-auth's JWTCookieAuthentication: the header or the cookie (good,
    bad, empty, absent), with and without the CSRF cookie and header, GET and POST; and the
    cookies set and unset."""
    name = REST_AUTH.get("JWT_AUTH_COOKIE")
    out = []
    cookies = [None, "%s=%s" % (name, tokens["access1"]), "%s=%s" % (name, tokens["access2"]),
               "%s=%s" % (name, tokens["refresh1"]), "%s=garbage" % name, "%s=" % name, '%s="%s"' % (name, tokens["access3"]),
               "other=%s" % tokens["access1"]]
    csrfs = [None, (CSRF_SECRET, CSRF_SECRET), (CSRF_SECRET, "x" * 32)]
    for path in ("/api/cookie/", "/api/cookie-open/"):
        for method in ("GET", "POST"):
            for auth in (None, scheme + " " + tokens["access4"], scheme + " garbage", ""):
                for cookie in cookies:
                    for csrf in csrfs:
                        headers = {}
                        if auth is not None:
                            headers["Authorization"] = auth
                        jar = [c for c in (cookie, csrf and "csrftoken=" + csrf[0]) if c]
                        if jar:
                            headers["Cookie"] = "; ".join(jar)
                        if csrf:
                            headers["X-CSRFToken"] = csrf[1]
                        out.append({"method": method, "path": path, "headers": headers,
                                    "content_type": "application/json", "body": ""})
    for body in ({"access": tokens["access1"], "refresh": tokens["refresh1"]}, {"access": tokens["access1"]},
                 {"access": "a b;c", "refresh": ""}):
        out.append({"method": "POST", "path": "/api/set-cookies/", "headers": {}, "content_type": "application/json",
                    "body": json.dumps(body)})
    out.append({"method": "POST", "path": "/api/unset-cookies/", "headers": {}, "content_type": "application/json",
                "body": ""})
    return out


def setup():
    djoracle.create_users(USERS, PASSWORD)
    random.seed(20261127)
    tokens = mint()
    print(json.dumps({
        "tokens": tokens, "steps": steps(tokens),
        "simplejwt": dist_version("djangorestframework-simplejwt") if dist_version else None,
        "drf": rest_framework.VERSION, "python": "%d.%d" % sys.version_info[:2],
    }))


def run(step_list, tokens):
    client = Client(raise_request_exception=False, enforce_csrf_checks=True)
    out = []
    for step in step_list:
        meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in step["headers"].items()}
        resp = client.generic(step["method"], step["path"], step["body"].encode("latin-1"),
                              content_type=step["content_type"], **meta)
        out.append({
            "status": resp.status_code, "content_type": resp.get("Content-Type"),
            "www_authenticate": resp.get("WWW-Authenticate"), "allow": resp.get("Allow"),
            "body": resp.content.decode("latin-1"),
            "set_cookie": sorted(m.OutputString() for m in resp.cookies.values()),
        })
    result = {"steps": out, "outstanding": [], "blacklisted": [], "last_login": [
        u.pk for u in User.objects.order_by("pk") if u.last_login is not None]}
    if CONFIG.get("blacklist"):
        from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
        result["outstanding"] = sorted((t.user_id for t in OutstandingToken.objects.all()), key=lambda u: (u is not None, u))
        black = {b.token.jti for b in BlacklistedToken.objects.all()}
        for name, tok in sorted(tokens.items()):
            try:
                jti = UntypedToken(tok, verify=False).payload.get(JTI)
            except Exception:
                continue
            if jti in black:
                result["blacklisted"].append(name)
    print(json.dumps(result))


def flush():
    from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

    if sys.argv[4:] == ["--run"]:
        call_command("flushexpiredtokens")
    print(json.dumps({"outstanding_jtis": sorted(t.jti for t in OutstandingToken.objects.all()),
                      "blacklisted_jtis": sorted(b.token.jti for b in BlacklistedToken.objects.all())}))


def check_one(tok):
    row = {}
    for cls in (AccessToken, RefreshToken, SlidingToken, UntypedToken):
        r = {"payload": None, "message": None, "error": None}
        try:
            r["payload"] = djoracle.typed(cls(tok).payload)
        except TokenError as e:
            r["message"] = str(e.args[0])
        except Exception as e:  # noqa: BLE001 (a server error in simplejwt)
            r["error"] = type(e).__name__
        row[cls.token_type] = r
    return row


def check(token_list):
    print(json.dumps({"results": [check_one(tok) for tok in token_list]}))


def random_value(rnd, depth=0):
    k = rnd.randrange(9 if depth < 3 else 6)
    if k == 0:
        return None
    if k == 1:
        return rnd.choice([True, False])
    if k == 2:
        return rnd.choice([0, -1, 7, 2 ** 53 + 1, -(10 ** 25), rnd.randrange(-10 ** 6, 10 ** 6)])
    if k == 3:
        return rnd.choice([0.0, -0.0, 1.5, 1e16, 1e-7, 123.456, float("nan"), float("inf"), -float("inf"), rnd.random()])
    if k in (4, 5):
        return "".join(rnd.choice(["a", "\u00e9", "\u20ac", "\U0001F600", "\x00", "\x7f", "<", "&", "/", "\\", '"',
                                   "\n", "\u2028", "\ud800"]) for _ in range(rnd.randrange(6)))
    if k == 6:
        return [random_value(rnd, depth + 1) for _ in range(rnd.randrange(4))]
    return {random_value(rnd, 3) if rnd.random() < 0.8 else str(rnd.randrange(9)): random_value(rnd, depth + 1)
            for _ in range(rnd.randrange(4))} if False else {
        "".join(rnd.choice("ab\u00e9\U0001F600") for _ in range(rnd.randrange(1, 4))): random_value(rnd, depth + 1)
        for _ in range(rnd.randrange(4))}


def fixtures():
    """Deterministic cases for the offline tests: encode's, and check's of the crafted
    tokens made at a fixed time (valid until 2033)."""
    random.seed(20261127)
    tokens = mint(fixed_now=1700000000)
    rows = []
    for name, tok in sorted(tokens.items()):
        rows.append({"name": name, "token": tok, "results": check_one(tok)})
    cases = encode_cases()[:40]
    print(json.dumps({"simple_jwt": CONFIG.get("simple_jwt", {}), "simplejwt": dist_version("djangorestframework-simplejwt"),
                      "encode": cases, "check": rows}, sort_keys=True))


def encode_cases():
    rnd = random.Random(20261127)
    cases = []
    for _ in range(300):
        pl = {TYPE: "access", "exp": 2000000000, "iat": 1700000000, JTI: "%032x" % rnd.getrandbits(128), UID: "1"}
        for _ in range(rnd.randrange(5)):
            pl["".join(rnd.choice("xyz\u00e9") for _ in range(3))] = random_value(rnd)
        cases.append({"payload": djoracle.typed(pl), "token": token_backend.encode(pl)})
    return cases


def encode():
    print(json.dumps({"cases": encode_cases()}))


if cmd == "setup":
    setup()
elif cmd == "run":
    arg = json.load(sys.stdin)
    run(arg["steps"], arg["tokens"])
elif cmd == "check":
    check(json.load(sys.stdin))
elif cmd == "encode":
    encode()
elif cmd == "fixtures":
    fixtures()
elif cmd == "flush":
    flush()
else:
    sys.exit("unknown command " + cmd)

"""Django REST framework's authentication, permissions and refusals, for the Go twins
(package restframework).

Usage: <venv python> scripts/drf_oracle.py DATABASE_JSON COMMAND

DATABASE_JSON is Django's DATABASES["default"] as JSON. The site: rest_framework and
rest_framework.authtoken installed, db sessions, SessionMiddleware, CsrfViewMiddleware and
AuthenticationMiddleware, MD5PasswordHasher first (fast), DRF's JSONRenderer alone, and
these APIViews (each answering {"user": its pk or null, "auth": the token's key or null,
"by": the authenticator's class name or null}):

  api/session-basic/  Session, Basic          IsAuthenticated            GET, POST
  api/token/          Token, Session          IsAuthenticated            GET, POST
  api/readonly/       Token, Basic            IsAuthenticatedOrReadOnly  GET, POST, PUT
  api/admin/          Basic, Session          IsAdminUser                GET
  api/none/           (none)                  IsAuthenticated            GET
  api/bearer/         Token ("Bearer")        AllowAny                   GET, DELETE
  api/open/           Session, Basic, Token   AllowAny                   GET (name "Open",
                                                                         an indented description)
  api/boom/           (none)                  one that raises            GET
  api/upload/         Session                 AllowAny                   POST ({"size" of the
                                                                         file "f", "note"})

setup  migrates the (empty) database; creates alice (pk 1), bob (pk 2, inactive), carol
       (pk 3, staff) and jos\u00e9 (pk 4), all with PASSWORD; a token for alice, bob and
       carol; a logged-in session for alice, bob and carol under fixed keys; and prints
       {"steps": STEPS, "obtain_steps": OBTAIN_STEPS (see obtain), "drf": DRF's version,
       "python": the Python version, "3.12"}. STEPS are random requests (seeded):
       {"method", "path", "headers": {name: value as latin-1 text}, "secure"}, with
       Authorization headers of every scheme, good and broken, session and CSRF cookies,
       CSRF headers, Origin and Referer, Accept headers and ?format=; then a logged-in
       browser's POSTs and PUTs with bodies ("content_type", "body") of every kind
       (malformed JSON too; "{PAD}" in a body stands for PAD, 2.7 MB), query strings of 1000 and 1001
       fields, a server error, OPTIONS; then Basic credentials in base64 mangled in ways
       Python's lenient decoder may forgive.
render prints {"cases": [{"pickle": a random value pickled (hex), "accept": a media type
       with or without an indent, "out": DRF's JSONRenderer's rendering of the value in it
       (latin-1 text), or null and "error": the exception's class}]}: nested lists,
       tuples, sets and dicts (keys of every kind) of None, bools, ints, floats (NaN and
       infinities too), strs (controls, U+2028, lone surrogates), datetimes, dates, times,
       timedeltas, Decimals, UUIDs and bytes.
obtain (after setup) sends OBTAIN_STEPS (requests to obtain_auth_token, at api-token-auth/:
       forms, JSON and multipart bodies, good and bad credentials and fields, other
       content types, methods, Accept headers, sessions and Basic headers) and prints,
       after each, what run prints, then "tokens": {user pk: key} of authtoken_token.
throttle (after setup; fourth argument {"cache": a FileBasedCache directory, "from", "to"})
       sends THROTTLE_STEPS[from:to] (300 requests to api/throttled/, Anon- and UserRateThrottle
       at 3/min and 5/min, and api/scoped/, ScopedRateThrottle "uploads" at 2/hour, by
       anonymous clients with and without X-Forwarded-For and by token users, on a clock
       set for DRF's timer) and prints, after each, {"status", "retry_after", "body"},
       then "state": the throttle histories in the cache and "ttl": the seconds each has
       left there. throttle-state prints the latter two alone; cache-has (fourth argument
       {"cache", "keys"}) whether the cache has each key.
idents prints {"cases": [{"xff", "remote", "proxies", "ident"}]}: BaseThrottle.get_ident
       for X-Forwarded-For headers (or none), REMOTE_ADDR values and NUM_PROXIES settings.
drf_create_token (after setup; the command's arguments follow) runs DRF's manage.py
       drf_create_token and prints {"out": what it printed, "error": its CommandError}.
tokens (after setup; a JSON list of keys as fourth argument) prints {"tokens": [{"user": the
       pk of the token's user or null, "error": the class of the database's exception or
       null}], "jose": {"key", "created": isoformat} of jos\u00e9's token, or null}.
run    (after setup) sends STEPS through Django's test Client, CSRF checks enforced, and
       prints, after each, {"status", "content_type", "www_authenticate", "allow", "vary",
       "body" (latin-1 text)}.
"""

import base64
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

cmd = sys.argv[2]

import djoracle  # noqa: E402

URLCONF = "djsession_drf_urls"
THROTTLE = json.loads(sys.argv[3]) if cmd in ("throttle", "throttle-state", "cache-has") else {"cache": "/nonexistent"}
djoracle.configure_view_site(
    sys.argv[1], URLCONF, {},
    CACHES={"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                        "LOCATION": THROTTLE["cache"]}},
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sessions",
                    "rest_framework", "rest_framework.authtoken"],
    MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware",
                "django.middleware.csrf.CsrfViewMiddleware",
                "django.contrib.auth.middleware.AuthenticationMiddleware"],
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    REST_FRAMEWORK={"DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
                    "DEFAULT_THROTTLE_RATES": {"anon": "3/min", "user": "5/min", "uploads": "2/hour"}},
)

from django.contrib.auth.models import User  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import path  # noqa: E402
import rest_framework  # noqa: E402
from rest_framework import authentication as a, permissions as p, throttling  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402
from rest_framework.authtoken.views import obtain_auth_token  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402


class Bearer(a.TokenAuthentication):
    keyword = "Bearer"


class Upload(APIView):
    authentication_classes = [a.SessionAuthentication]
    permission_classes = [p.AllowAny]

    def post(self, request):
        f = request.data.get("f")
        return Response({"size": getattr(f, "size", None), "note": request.data.get("note")})


upload = Upload.as_view()


class Boom(p.BasePermission):
    def has_permission(self, request, view):
        raise ValueError("boom")  # (a server error)


def view(auths, perms, methods, **attrs):
    def answer(self, request, *args, **kwargs):
        by = request.successful_authenticator
        return Response({
            "user": request.user.pk, "auth": getattr(request.auth, "key", None),
            "by": None if by is None else type(by).__name__,
        })
    body = {m: answer for m in methods}
    body.update(authentication_classes=auths, permission_classes=perms, **attrs)
    return type("V", (APIView,), body).as_view()


djoracle.set_urlpatterns(URLCONF, [
    path("api/session-basic/", view([a.SessionAuthentication, a.BasicAuthentication], [p.IsAuthenticated], ["get", "post"])),
    path("api/token/", view([a.TokenAuthentication, a.SessionAuthentication], [p.IsAuthenticated], ["get", "post"])),
    path("api/readonly/", view([a.TokenAuthentication, a.BasicAuthentication], [p.IsAuthenticatedOrReadOnly],
                               ["get", "post", "put"])),
    path("api/admin/", view([a.BasicAuthentication, a.SessionAuthentication], [p.IsAdminUser], ["get"])),
    path("api/none/", view([], [p.IsAuthenticated], ["get"])),
    path("api/bearer/", view([Bearer], [p.AllowAny], ["get", "delete"])),
    path("api-token-auth/", obtain_auth_token),
    path("api/open/", view([a.SessionAuthentication, a.BasicAuthentication, a.TokenAuthentication], [p.AllowAny],
                           ["get"], name="Open", description="\n    Anybody.\n\n      Non-ASCII: \u00e9\u2028.\n    ")),
    path("api/boom/", view([], [Boom], ["get"])),
    path("api/throttled/", view([a.TokenAuthentication], [p.AllowAny], ["get", "post"],
                                throttle_classes=[throttling.AnonRateThrottle, throttling.UserRateThrottle])),
    path("api/scoped/", view([a.TokenAuthentication], [p.AllowAny], ["get"],
                             throttle_classes=[throttling.ScopedRateThrottle], throttle_scope="uploads")),
    path("api/both/", view([a.TokenAuthentication], [p.AllowAny], ["get"], throttle_scope="uploads",
                           throttle_classes=[throttling.UserRateThrottle, throttling.ScopedRateThrottle])),
    path("api/upload/", upload),
])

PASSWORD = "pa:ss w\u00f6rd"
USERS = [(1, "alice", True, False), (2, "bob", False, False), (3, "carol", True, True), (4, "jos\u00e9", True, False)]
KEYS = {1: "a" * 8 + "0123456789abcdef0123456789abcdef", 2: "b" * 40, 3: "c" * 8 + "fedcba9876543210fedcba9876543210"}
SESSIONS = {1: "alicesessionalicesessionalice001", 2: "bobsessionbobsessionbobsession02",
            3: "carolsessioncarolsessioncarol003"}
SECRET = "abcdefghijklmnopqrstuvwxyzABCDEF"  # a CSRF secret (32 characters)


def b64(text, encoding="utf-8"):
    return base64.b64encode(text.encode(encoding)).decode()


# Malformed JSON bodies (latin-1 text of their bytes): Python's json and UTF-8 errors.
JSON_ERRORS = [
    "{bad", "[1,]", '{"a":1,}', '{"a" 1}', "[1 2]", '"abc', '"a\x01"', '"\\x"', '"\\u12"', "1 2",
    "\n\n  [\xc3\xa9, 1]", "\xef\xbb\xbf[]", "[1,\n]", '{"a":1 ,  }', "[,]", "{,}", '{"a":}', "nul", "-",
    "1.", "[1e]", '{"\xc3\xa9":"\\ud800", "x": 01}', "[" + "9" * 4301 + "]", "\xe9t", "ab\xf0\x9f\x98",
    "ab\xf0\x9f\x98A", "\xed\xa0\x80", "\xc0\x80", "\xe0\x80\x80", "x\xff",
    '{"a": NaN "x"}', '[1, -Infinity, }', '"\\u00e9', '{"u": "jos\\u00e9', '"\\ud800\\u00e9', '"\\u00e',
]

# The padding a step's "{PAD}" stands for: 2.7 MB, beyond DATA_UPLOAD_MAX_MEMORY_SIZE.
PAD = "x" * 2700000

# A multipart upload (boundary "up"): a note and a file "f" of the given content.
UPLOAD = ('--up\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n'
          '--up\r\nContent-Disposition: form-data; name="f"; filename="a.bin"\r\n'
          "Content-Type: application/octet-stream\r\n\r\n%s\r\n--up--\r\n")


def steps():
    rnd = random.Random(20261127)
    ka, kb, kc = KEYS[1], KEYS[2], KEYS[3]
    good = b64("alice:" + PASSWORD)
    auths = [None, None, None, "Token " + ka, "token " + ka, "TOKEN\t" + ka, "Token " + kb, "Token " + kc,
             "Token " + "0" * 40, "Token", "Token a b", "Token \xff\xfe", "Token " + ka.upper(),
             "Token\x0b" + ka, "Token\x1c" + ka, "  Token  " + ka + "  ", "Token " + ka + "\x00",
             "Bearer " + ka, "bearer " + kc, "Bearer " + kb, "Basic " + good, "basic " + good, "BASIC " + good,
             "Basic " + b64("alice:wrong"), "Basic " + b64("bob:" + PASSWORD), "Basic " + b64("carol:" + PASSWORD),
             "Basic " + b64("nobody:" + PASSWORD), "Basic", "Basic a b", "Basic !!!", "Basic " + b64("alice"),
             "Basic " + good.rstrip("="), "Basic " + good[:5] + "*" + good[5:], "Basic " + good[:4] + "=" + good[4:],
             "Basic " + good + "=junk", "Basic " + b64("jos\u00e9:" + PASSWORD, "latin-1"),
             "Basic " + b64("jos\u00e9:" + PASSWORD), "Basic " + good[:-2], "Digest abc", "Token " + ka + ",x"]
    cookies = [None, "sessionid=" + SESSIONS[1], "sessionid=" + SESSIONS[2], "sessionid=" + SESSIONS[3],
               "sessionid=nonexistentkey12345678", "sessionid=%s; csrftoken=%s" % (SESSIONS[1], SECRET),
               "sessionid=%s; csrftoken=%s" % (SESSIONS[3], SECRET), "sessionid=%s; csrftoken=short" % SESSIONS[1],
               "csrftoken=" + SECRET]
    csrf = [None, SECRET, "x" * 32, "bad!"]
    origins = [None, None, "http://testserver", "https://testserver", "http://evil.example",
               "http://\xe9vil.example", "null"]
    referers = [None, "https://testserver/page", "https://evil.example/", "http://testserver/", "not a url"]
    accepts = [None, None, "*/*", "application/json", "application/json; indent=4", "application/json;indent=2",
               "text/html", "", "*/*;q=0.8", "application/*", "text/html, application/json;indent=2",
               "application/json;indent=20", "application/json; indent=-1", "application/json;indent=x",
               "Application/JSON", "application/json; charset=utf-8", "text/*", "application/xml,*/*;q=0.1",
               'application/json; indent="3"', "application/*;indent=1", "*/*; Q=0.5; level=1"]
    queries = [""] * 12 + ["?format=json", "?format=api", "?format=xml", "?a=1&format=json&format=xml"]
    methods = ["GET", "GET", "GET", "POST", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "post", "FOO"]
    paths = ["/api/session-basic/", "/api/token/", "/api/readonly/", "/api/admin/", "/api/none/",
             "/api/bearer/", "/api/open/"]
    out = []
    for _ in range(500):
        headers = {}
        for name, pool in (("Authorization", auths), ("Cookie", cookies), ("X-CSRFToken", csrf),
                           ("Origin", origins), ("Referer", referers), ("Accept", accepts)):
            v = rnd.choice(pool)
            if v is not None:
                headers[name] = v
        secure = rnd.random() < 0.3
        if rnd.random() < 0.25:  # a logged-in browser's own request, which passes the CSRF checks
            headers["Cookie"] = "sessionid=%s; csrftoken=%s" % (SESSIONS[rnd.choice([1, 3])], SECRET)
            headers["X-CSRFToken"] = SECRET
            headers.pop("Referer", None)
            headers["Origin"] = ("https://" if secure else "http://") + "testserver"
            if rnd.random() < 0.5:
                del headers["Origin"]
                if secure:
                    headers["Referer"] = "https://testserver/page"
        out.append({"method": rnd.choice(methods), "path": rnd.choice(paths) + rnd.choice(queries),
                    "headers": headers, "secure": secure})
    # A logged-in browser's POSTs with bodies: Django's CSRF check reads request.POST,
    # which is DRF's (its parsers read the body; a JSON body has no form fields).
    browser = {"Cookie": "sessionid=%s; csrftoken=%s" % (SESSIONS[1], SECRET), "Origin": "http://testserver"}
    with_header = dict(browser, **{"X-CSRFToken": SECRET})
    bodies = [
        (with_header, "application/json", '{"a": 1}', False),
        (with_header, "application/json", "{bad", False),
        (with_header, "application/json", "\xff\xfe", False),
        (with_header, "application/json; charset=bogus", '{"a": 1}', False),
        (with_header, "text/plain", "hello", False),
        (with_header, "", "hello", False),
        (with_header, "multipart/form-data", "hello", False),
        (with_header, "application/*", "a=1", False),
        (browser, "application/x-www-form-urlencoded", "a=1&csrfmiddlewaretoken=" + SECRET, False),
        (with_header, "application/x-www-form-urlencoded", "csrfmiddlewaretoken=" + "x" * 32, False),
        (browser, "application/json", json.dumps({"csrfmiddlewaretoken": SECRET}), False),
        (browser, "*/*", "csrfmiddlewaretoken=" + SECRET, False),
        (browser, "multipart/form-data; boundary=b",
         '--b\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n%s\r\n--b--\r\n' % SECRET, False),
        (with_header, "application/x-www-form-urlencoded", "&".join(["f=1"] * 1001), False),
        (with_header, "application/x-www-form-urlencoded", "&".join(["f=1"] * 1000), False),
        (browser, "application/x-www-form-urlencoded; charset=ISO-8859-1", "x=%E9&csrfmiddlewaretoken=" + SECRET, False),
        (with_header, "multipart/form-data; boundary=----=_Part_0_1",
         '------=_Part_0_1\r\nContent-Disposition: form-data; name="f"; filename="big.bin"\r\n\r\n{PAD}\r\n'
         "------=_Part_0_1--\r\n", False),
        (with_header, "text/plain", "{PAD}", False),
        (with_header, "application/json", '{"doc": "{PAD}"}', False),
        (with_header, "Multipart/form-data; boundary=b", "--b--\r\n", False),
        (with_header, "multipart/form-data; boundary=up", UPLOAD % "tiny", False),
        (with_header, "multipart/form-data; boundary=up", UPLOAD % "{PAD}", False),
        (with_header, "multipart/form-data; boundary=up", UPLOAD % "{PAD}{PAD}", False),
        (with_header, "multipart/form-data; boundary=", "--b--\r\n", False),
    ]
    bodies += [(with_header, "application/json", body, False) for body in JSON_ERRORS]
    for headers, content_type, body, _ in bodies:
        for method in ("POST", "PUT"):
            out.append({"method": method, "path": "/api/session-basic/", "headers": headers, "secure": False,
                        "content_type": content_type, "body": body})
        if content_type.endswith("boundary=up"):
            out.append({"method": "POST", "path": "/api/upload/", "headers": headers, "secure": False,
                        "content_type": content_type, "body": body})
    out.append({"method": "GET", "path": "/api/open/?" + "&".join(["a=1"] * 1001), "headers": {}, "secure": False})
    out.append({"method": "GET", "path": "/api/open/?" + "&".join(["a=1"] * 1000), "headers": {}, "secure": False})
    out.append({"method": "GET", "path": "/api/boom/", "headers": {}, "secure": False})
    out.append({"method": "OPTIONS", "path": "/api/open/", "headers": {}, "secure": False})
    # Basic credentials base64 that Python's lenient decoder may or may not take back to
    # alice's: characters outside the alphabet, pads in the middle or after the end,
    # missing padding, a character less.
    for _ in range(150):
        text = good
        for _ in range(rnd.randint(1, 3)):
            i = rnd.randint(0, len(text))
            op = rnd.choice(["insert", "insert", "delete", "strip", "append"])
            if op == "insert":
                text = text[:i] + rnd.choice("*!=-_.~#=\xe9") + text[i:]
            elif op == "delete" and text:
                text = text[:i] + text[i + 1:]
            elif op == "strip":
                text = text.rstrip("=")
            else:
                text += rnd.choice(["=", "==", "=x", "A", "AA="])
        out.append({"method": "GET", "path": "/api/session-basic/", "headers": {"Authorization": "Basic " + text},
                    "secure": False})
    return out


def obtain_steps():
    """Requests to obtain_auth_token: {"method", "content_type", "body" (latin-1 text),
    "headers"}."""
    from urllib.parse import quote

    def form(**fields):
        return "&".join("%s=%s" % (k, quote(v.encode("utf-8") if isinstance(v, str) else v)) for k, v in fields.items())

    def js(value):
        return json.dumps(value).encode().decode("latin-1")

    F, J = "application/x-www-form-urlencoded", "application/json"
    pw = PASSWORD
    out = []

    def add(body, content_type=F, method="POST", headers=None):
        out.append({"method": method, "content_type": content_type, "body": body, "headers": headers or {}})

    add(form(username="alice", password=pw))
    add(form(username="alice", password="wrong"))
    add(form(username="alice"))
    add(form(username="", password=""))
    add(form(username="  alice \t", password=pw))
    add(form(username="alice\x00", password=pw + "\x00"))
    add(form(username="alice", password="   "))
    add("username=x&username=alice&password=" + quote(pw))
    add(form(username="bob", password=pw))
    add(form(username="carol", password=pw))
    add(form(username="jos\u00e9", password=pw))
    add(form(username="jos\u00e9", password=pw))
    add("username=jos%FF&password=" + quote(pw))
    add("username=jos\xe9&password=" + quote(pw))
    add(form(username="alice", password=pw), content_type=F + "; charset=utf-8")
    add("username=jos%E9&password=" + quote(pw.encode("latin-1")), content_type=F + "; charset=ISO-8859-1")
    add("username=jos\xe9&password=" + quote(pw.encode("latin-1")), content_type=F + "; charset=latin1")
    add("username=jos%E9&password=" + quote(pw.encode("latin-1")), content_type=F + "; charset=us-ascii")
    add('{"username": "jos\xe9", "password": ' + json.dumps(pw) + "}", content_type=J + "; charset=ISO_8859_1")
    add('{"username": "jos\xe9", "password": ' + json.dumps(pw) + "}", content_type=J + "; charset=latin")
    add(form(username="alice", password=pw), content_type="*/*")
    add(js({"username": "alice", "password": pw}), content_type="application/*")
    add(js({"username": "alice", "password": pw}), content_type=J)
    add(js({"username": "alice", "password": pw}), content_type="Application/JSON; charset=UTF-8")
    add(js({"username": "carol", "password": pw}) + " \n", content_type=J)
    for v in ([], "x", 5, 1.5, True, None, {}):
        add(js(v), content_type=J)
    for u in (5, 1.5, -0.0, 10 ** 30, None, True, ["alice"], {"a": 1}, "", " ", "\u3000alice\u2003", "a\x00\ud800b",
              "\udc80", "al\u00e9"):
        add(json.dumps({"username": u, "password": pw}), content_type=J)
    add(js({"password": None, "username": "alice"}), content_type=J)
    add(js({"password": 12345, "username": "alice"}), content_type=J)
    add(js({"username": "jos\u00e9", "password": pw}).encode("utf-8").decode("latin-1"), content_type=J)
    add('{"username": "jos\xe9", "password": ' + json.dumps(pw) + "}", content_type=J + "; charset=latin-1")
    add('{"username": NaN, "password": "x"}', content_type=J)
    add('{"username": "a", "password": [-Infinity, Infinity]}', content_type=J)
    add('{"username": "NaN Infinity", "password": 1e400}', content_type=J)
    add('{"username": "alice", "password": ', content_type=J)
    add('{"username": "jos\xff"}', content_type=J)
    add("\xef\xbb\xbf" + js({"username": "alice", "password": pw}), content_type=J)
    for body in JSON_ERRORS:
        add(body, content_type=J)
    boundary = "----djsessionboundary"

    def multipart(parts):
        body = ""
        for name, value, filename in parts:
            body += "--%s\r\nContent-Disposition: form-data; name=\"%s\"%s\r\n\r\n%s\r\n" % (
                boundary, name, '; filename="%s"' % filename if filename else "", value)
        return body + "--%s--\r\n" % boundary

    M = "multipart/form-data; boundary=" + boundary
    add(multipart([("username", "alice", None), ("password", pw, None)]), content_type=M)
    add(multipart([("username", "alice", "u.txt"), ("password", pw, None)]), content_type=M)
    add(multipart([("username", "jos\xc3\xa9", None), ("password", pw, None)]), content_type=M)
    add(multipart([("username", "jos\xe9", None), ("password", pw, None)]), content_type=M + "; charset=iso-8859-1")
    add(multipart([(" username ", "alice", None), ("password", pw, None)]), content_type=M)
    add(multipart([("username", "alice", None), ("password", pw, None)]), content_type="Multipart/form-data; boundary=" + boundary)
    add(multipart([("username", "alice", None), ("password", pw, None)]), content_type="multipart/form-data; boundary=")
    add(multipart([("username", "alice", None), ("password", pw, None)]), content_type="multipart/form-data")
    add(form(username="alice", password=pw), content_type="text/plain")
    add(form(username="alice", password=pw), content_type="")
    add("", content_type="")
    add("", content_type=J)
    add(form(username="alice", password=pw), method="GET")
    add(form(username="alice", password=pw), method="PUT")
    add("", method="OPTIONS")
    add("", method="HEAD")
    add(form(username="alice", password=pw), headers={"Accept": "application/json; indent=2"})
    add(form(username="alice", password=pw), headers={"Accept": "text/html"})
    add(form(username="alice", password=pw), headers={"Cookie": "sessionid=%s; csrftoken=%s" % (SESSIONS[1], SECRET)})
    add(form(username="alice", password=pw), headers={
        "Cookie": "sessionid=%s; csrftoken=%s" % (SESSIONS[1], SECRET), "X-CSRFToken": SECRET})
    add(form(username="alice", password=pw), headers={"Authorization": "Basic !!!"})
    add(form(username="alice", password=pw), headers={"Authorization": "Basic " + b64("carol:" + PASSWORD)})
    return out


def obtain():
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    out = []
    for step in obtain_steps():
        meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in step["headers"].items()}
        meta.setdefault("HTTP_COOKIE", "")
        resp = client.generic(step["method"], "/api-token-auth/", step["body"].replace("{PAD}", PAD).encode("latin-1"),
                              content_type=step["content_type"], **meta)
        out.append({
            "status": resp.status_code, "content_type": resp.get("Content-Type"),
            "www_authenticate": resp.get("WWW-Authenticate"), "allow": resp.get("Allow"),
            "vary": resp.get("Vary"), "body": resp.content.decode("latin-1"),
        })
    print(json.dumps({"steps": out, "tokens": {str(t.user_id): t.key for t in Token.objects.all()}}))


def setup():
    for pk, u in djoracle.create_users(USERS, PASSWORD).items():
        if pk in KEYS:
            Token.objects.create(key=KEYS[pk], user=u)
        if pk in SESSIONS:
            s = SessionStore()
            s["_auth_user_id"] = str(pk)
            s["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
            s["_auth_user_hash"] = u.get_session_auth_hash()
            s._session_key = SESSIONS[pk]  # (after the data: a load would drop an unknown key)
            s.save(must_create=True)
            assert SessionStore(SESSIONS[pk]).get("_auth_user_id") == str(pk)
    print(json.dumps({"steps": steps(), "obtain_steps": obtain_steps(), "throttle_steps": throttle_steps(),
                      "drf": rest_framework.VERSION,
                      "python": "%d.%d" % sys.version_info[:2]}))


def run():
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    out = []
    for step in steps():
        meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in step["headers"].items()}
        meta.setdefault("HTTP_COOKIE", "")
        resp = client.generic(step["method"], step["path"], step.get("body", "").replace("{PAD}", PAD).encode("latin-1"),
                              content_type=step.get("content_type", "application/octet-stream"),
                              secure=step["secure"], **meta)
        out.append({
            "status": resp.status_code, "content_type": resp.get("Content-Type"),
            "www_authenticate": resp.get("WWW-Authenticate"), "allow": resp.get("Allow"),
            "vary": resp.get("Vary"), "body": resp.content.decode("latin-1"),
        })
    print(json.dumps({"steps": out}))


def random_value(rnd, depth=0):
    import datetime
    import decimal
    import uuid
    utc, plus2 = datetime.timezone.utc, datetime.timezone(datetime.timedelta(hours=2))
    leaves = [
        lambda: None, lambda: rnd.random() < 0.5, lambda: rnd.randint(-10 ** 6, 10 ** 6),
        lambda: rnd.choice([2 ** 70, -3 ** 50, 0]),
        lambda: rnd.choice([0.1, -0.0, 1e16, 1.5e-7, 123.456, float("nan"), float("inf"), 1e300 * 10]),
        lambda: "".join(rnd.choice("ab \"\\/<>&\n\t\x00\x1f\x7f\xe9\u2028\u2029\U0001f600") for _ in range(rnd.randint(0, 6))),
        lambda: rnd.choice(["\ud800", "x\udfff"]) if rnd.random() < 0.1 else "plain",
        lambda: datetime.datetime(2026, 11, 27, 5, 6, 7, rnd.choice([0, 123456]), tzinfo=rnd.choice([None, utc, plus2])),
        lambda: datetime.date(2026, 1, 2),
        lambda: datetime.time(1, 2, 3, rnd.choice([0, 5]), tzinfo=rnd.choice([None, None, None, utc])),
        lambda: datetime.timedelta(days=rnd.randint(-3, 3), seconds=rnd.randint(0, 86399), microseconds=rnd.randint(0, 999999)),
        lambda: decimal.Decimal(rnd.choice(["1.5", "-0", "1E+3", "0.1", "NaN", "Infinity", "1E+400", "3.14159265358979323846"])),
        lambda: uuid.UUID(int=rnd.getrandbits(128)),
        lambda: rnd.choice([b"bytes", "\xe9t\xe9".encode(), b"\xff", bytearray(), bytearray(b"x")]),
        lambda: rnd.choice([10 ** 4299, -10 ** 4299, 10 ** 4300]),
    ]
    if depth >= 3 or rnd.random() < 0.5:
        return rnd.choice(leaves)()
    n = rnd.randint(0, 4)
    kind = rnd.choice(["list", "tuple", "dict", "dict", "set"])
    if kind == "set":
        return set(rnd.choice(["a", "b", "c", 1, 2.5, None]) for _ in range(n))
    if kind == "dict":
        keys = ["k", "\xe9", "x" * 3, 1, 2.5, True, None, float("nan"), (1, 2)]
        d = {}
        for _ in range(n):
            k = rnd.choice(keys)
            if isinstance(k, (float, tuple)) and rnd.random() < 0.7:
                k = "key"
            d[k] = random_value(rnd, depth + 1)
        return d
    items = [random_value(rnd, depth + 1) for _ in range(n)]
    return items if kind == "list" else tuple(items)


def render():
    """Random values rendered by DRF's JSONRenderer, each with an indent or none."""
    import pickle
    from rest_framework.renderers import JSONRenderer

    rnd = random.Random(1127)
    cases = []
    for _ in range(400):
        value = random_value(rnd)
        indent = rnd.choice([None, None, 2, 4])
        media = "application/json" if indent is None else "application/json; indent=%d" % indent
        try:
            out, error = JSONRenderer().render(value, media, {}).decode("latin-1"), None
        except Exception as exc:  # (what DRF's view turns into a 500)
            out, error = None, type(exc).__name__
        cases.append({"pickle": pickle.dumps(value, protocol=2).hex(), "accept": media, "out": out,
                      "error": error})
    print(json.dumps({"cases": cases}))


def tokens(keys):
    """Token.objects.select_related("user").get(key=k) for each key, as TokenAuthentication
    looks it up, and the token of jos\u00e9 (pk 4)."""
    out = []
    for k in keys:
        try:
            out.append({"user": Token.objects.select_related("user").get(key=k).user.pk, "error": None})
        except Token.DoesNotExist:
            out.append({"user": None, "error": None})
        except Exception as exc:  # (a database's refusal: a server error in DRF)
            out.append({"user": None, "error": type(exc).__name__})
    jose = Token.objects.filter(user_id=4).first()
    print(json.dumps({"tokens": out, "jose": jose and {"key": jose.key, "created": jose.created.isoformat()}}))


def throttle_steps():
    """Requests to the throttled views on a clock: {"t" (seconds), "token" (a user's key
    or null), "path", "xff" (X-Forwarded-For or null)}."""
    rnd = random.Random(1127)
    t0 = 1800000000.0
    # First a client at the edges: a history entry exactly a minute old (dropped), then a
    # wait of half a second (rounded up to "1 second").
    out = [{"t": t0 + dt, "token": None, "path": "/api/throttled/", "xff": "10.9.9.9"}
           for dt in (0.0, 1.0, 2.0, 60.0, 61.0, 61.5)]
    t = t0 + 62
    for _ in range(300):
        # (steps that make histories exactly a minute old, and waits of exactly one second)
        t += rnd.choice([0.5, 1.0, 1.0, 2.0, 3.0, 5.0, 10.0, 19.5, 20.0, 29.0, 30.0, 59.0, 60.0, 61.0])
        out.append({"t": t, "token": rnd.choice([None, None, None, KEYS[1], KEYS[3]]),
                    "path": rnd.choice(["/api/throttled/", "/api/throttled/", "/api/scoped/", "/api/both/"]),
                    "xff": rnd.choice([None, None, "10.0.0.1", " 10.0.0.2 , 10.0.0.3"])})
    return out


THROTTLE_KEYS = ["throttle_%s_%s" % (scope, ident) for scope in ("anon", "user", "uploads")
                 for ident in ("10.9.9.9", "127.0.0.1", "10.0.0.1", "10.0.0.2,10.0.0.3", "1", "3")]


def throttle_state():
    """The histories under THROTTLE_KEYS, and the seconds each has left in the cache."""
    import pickle
    import time
    from django.core.cache import cache

    state, ttl = {}, {}
    for k in THROTTLE_KEYS:
        state[k] = cache.get(k)
        if state[k] is not None:
            with open(cache._key_to_file(k), "rb") as f:
                ttl[k] = pickle.load(f) - time.time()
    return state, ttl


def throttle():
    """Sends throttle_steps()[from:to] through the test Client, DRF's timer on each step's
    clock, and prints what run prints of each (plus Retry-After), and the histories."""
    clock = [0.0]
    throttling.SimpleRateThrottle.timer = lambda self: clock[0]
    client = Client(raise_request_exception=False)
    out = []
    for step in throttle_steps()[THROTTLE["from"]:THROTTLE["to"]]:
        clock[0] = step["t"]
        meta = {}
        if step["token"]:
            meta["HTTP_AUTHORIZATION"] = "Token " + step["token"]
        if step["xff"]:
            meta["HTTP_X_FORWARDED_FOR"] = step["xff"]
        resp = client.get(step["path"], **meta)
        out.append({"status": resp.status_code, "retry_after": resp.get("Retry-After"),
                    "body": resp.content.decode("latin-1")})
    state, ttl = throttle_state()
    print(json.dumps({"steps": out, "state": state, "ttl": ttl}))


IDENT_CASES = [(xff, remote, proxies) for xff in (None, "", "10.0.0.1", " 10.0.0.1 ,\t10.0.0.2 , 10.0.0.3 ", "a,b",
                                                  "x y\u00a0z", ",", "10.0.0.1,", "\u00a010.0.0.4\x1c,\x1f10.0.0.5\u00a0",
                                                  "caf\u00c3\u00a9", "10.0.0.6\x85")
               for remote in ("127.0.0.1", "::1") for proxies in (None, 0, 1, 2, 5, -1)]


def idents():
    """BaseThrottle.get_ident for IDENT_CASES: (X-Forwarded-For or None, REMOTE_ADDR,
    NUM_PROXIES)."""
    from rest_framework.settings import api_settings
    from django.test import RequestFactory

    out = []
    for xff, remote, proxies in IDENT_CASES:
        api_settings.NUM_PROXIES = proxies  # (read by get_ident each time)
        meta = {"REMOTE_ADDR": remote}
        if xff is not None:
            meta["HTTP_X_FORWARDED_FOR"] = xff
        try:
            ident = throttling.BaseThrottle().get_ident(RequestFactory().get("/", **meta))
        except IndexError:  # (a negative NUM_PROXIES past the addresses: a server error)
            ident = None
        out.append({"xff": xff, "remote": remote, "proxies": proxies, "ident": ident})
    print(json.dumps({"cases": out}))


if cmd == "setup":
    setup()
elif cmd == "run":
    run()
elif cmd == "render":
    render()
elif cmd == "obtain":
    obtain()
elif cmd == "throttle":
    throttle()
elif cmd == "idents":
    idents()
elif cmd == "throttle-state":
    state, ttl = throttle_state()
    print(json.dumps({"state": state, "ttl": ttl}))
elif cmd == "cache-has":
    from django.core.cache import cache
    print(json.dumps({"has": [cache.has_key(k) for k in THROTTLE["keys"]]}))
elif cmd == "drf_create_token":
    import io
    from django.core.management import CommandError
    out = io.StringIO()
    try:
        call_command("drf_create_token", *sys.argv[3:], stdout=out)
        print(json.dumps({"out": out.getvalue(), "error": None}))
    except CommandError as exc:
        print(json.dumps({"out": out.getvalue(), "error": str(exc)}))
elif cmd == "tokens":
    tokens(json.loads(sys.argv[3]))
else:
    sys.exit(__doc__)

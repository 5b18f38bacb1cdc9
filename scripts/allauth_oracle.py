"""django-allauth's headless tokens (allauth.headless) for the app clients, for the Go twins
(package allauth/headless).

Usage: <venv python> scripts/allauth_oracle.py DATABASE_JSON CONFIG_JSON COMMAND < ARG

DATABASE_JSON is Django's DATABASES["default"] as JSON. CONFIG_JSON is {"headless": the
HEADLESS_* settings (without the prefix), "django": other settings}. The site: db sessions,
django.contrib.sites (SITE_ID 1, accounts.example.org), rest_framework, allauth,
allauth.account and allauth.headless (HEADLESS_ONLY) installed
behind allauth's AccountMiddleware, ModelBackend and allauth's AuthenticationBackend,
MD5PasswordHasher (fast), login by username or email, rate limits "login" 12/m/ip and
"login_failed" 6/m/ip,3/5m/key and "reauthenticate" 8/m/user counted in a DatabaseCache (table allauth_cache, MAX_ENTRIES 5000: the
database's copy carries them), allauth.mfa with MFA_TOTP_TOLERANCE 20, ALLAUTH_TRUSTED_PROXY_COUNT 1 (X-Forwarded-For names the
client), DRF's JSONRenderer alone, the
headless URLs under _allauth/, and these APIViews, each answering {"user": request.user.pk
or null, "auth": what request.auth is ("session" and its key's first 4 characters, or
"jwt" and its token_use and sub), "active": request.user.is_active or null}:

  api/session/         XSessionTokenAuthentication, IsAuthenticated
  api/session-strict/  the same with allow_anonymous_users and
                       allow_invalid_session_tokens False, AllowAny
  api/jwt/             JWTTokenAuthentication, IsAuthenticated
  api/any/             XSessionTokenAuthentication then JWTTokenAuthentication, AllowAny

setup  migrates the (empty) database; creates alice (pk 1), bob (pk 2, inactive), carol
       (pk 3), dave (pk 4) and erin (pk 5); logs alice (twice), carol, dave and erin in
       through the app
       client's login endpoint (their session, access and refresh tokens as the answers
       give them: s-NAME, a-NAME, r-NAME, with alice's second login "alice2"); logs bob
       in with Django's login() and makes his tokens with allauth's functions, and frank
       (pk 6, no usable password) too; makes the
       tokens of every odd kind (TOKENS below); then changes carol's password and deletes
       dave; adds GINA (pk 7, logged in: s-gina), hal and ivy (pks 8, 9, one unverified
       address; s-ivy), jay and kim (pks 10, 17, one address, one password; s-kim) for
       the login and reauthentication endpoints (login_steps, reauth_steps), and the
       second factor's users, logins waiting for it and codes (mfa_setup, for
       mfa_steps), the password reset's and the verification's users, keys and
       logins (reset_setup, verify_setup); empties the cache; prints {"tokens": {name: token},
       "steps": STEPS, "allauth", "drf", "python"}.
run    (ARG: {"steps": STEPS, "tokens": TOKENS}) sends the steps through Django's test
       Client, "{t:NAME}" in their headers and body replaced by the token NAME; prints,
       after each, {"status", "content_type", "www_authenticate", "allow", "body",
       "set_cookie"}.
state  (ARG: {"tokens": TOKENS}) prints the sessions of the session tokens as Django
       reads them: {"sessions": [[name, whether it loads, its _auth_user_id or null, the
       number of refresh tokens it records, the sorted keys of its data, its
       _auth_user_backend, its stashed login (initiated_at: whether recent), its
       authentication records (without "at")]], "every": the same of every session in
       the table (whatever its key; sorted), "rates": [[a cache key of the table, the
       length of its value (the hits of a rate limit's history)]], "authenticators":
       [[id, type, data as stored, whether last_used_at is set]]}.
complete (ARG: {"token": a session token, "code": a code}) posts the code to the app
       client's 2fa/authenticate (the cache emptied first) and prints {"status", "user":
       the user's id or null, "methods": the methods of the authentication records,
       "errors"}.
mfadb  migrates the (empty) database and adds the second factor's rows (lee, pk 11: a
       TOTP authenticator and recovery codes; max, pk 12: migrated recovery codes);
       prints {"ids": [their ids], "codes": lee's recovery codes}.
mfadb-state prints each row of mfa_authenticator as Django reads it: {"id", "type",
       "data", "dumps": json.dumps(data), "raw": the column's text, "last_used_at"}.
verifydb (after mfadb) adds users and addresses for verify_email_indirectly, twice,
       and verifies the first set with allauth's function (verifydb's docstring);
       prints {"users": {name: pk}}.
verifydb-state prints the two sets' addresses and users' emails.
addressdb (after mfadb) adds users and addresses for get_address_for_login, twice, and
       finds (or adds) the first set's with allauth's function (addressdb's docstring).
addressdb-state prints them as verifydb-state prints its own.
values (ARG: {"model": "app_label.Model", "user": a user's pk}) prints the model's rows
       of the user as Django reads them.
resetkeys (ARG: {"keys": [key, ...]}) prints the user each password reset key is good
       for (null for none), as allauth's ResetPasswordKeyInput checks it.
check  (ARG: {"access": [token, ...], "refresh": [token, ...]}) prints what allauth's
       validate_access_token says of each access token ([user pk, token_use] or null) and
       validate_refresh_token of each refresh token (the user pk or null).
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
URLCONF = "djsession_allauth_urls"
PASSWORD = "secret-pw-1"
# The login endpoint's rates, counted in a DatabaseCache (the database's copy goes with it).
# (a configuration's own ACCOUNT_RATE_LIMITS are merged in)
RATE_LIMITS = {"login": "12/m/ip", "login_failed": "6/m/ip,3/5m/key", "reauthenticate": "8/m/user",
               "change_password": "9/m/user", "reset_password": "20/m/ip,3/m/key", "reset_password_from_key": "6/m/ip",
               **(CONFIG.get("django") or {}).pop("ACCOUNT_RATE_LIMITS", {})}
CACHE_TABLE = "allauth_cache"
CODE_REQUIRED = (CONFIG.get("django") or {}).get("ACCOUNT_LOGIN_BY_CODE_REQUIRED")
RESET_BY_CODE = (CONFIG.get("django") or {}).get("ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED")
MANDATORY = (CONFIG.get("django") or {}).get("ACCOUNT_EMAIL_VERIFICATION") == "mandatory"
BY_CODE = (CONFIG.get("django") or {}).get("ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED")
HMAC = (CONFIG.get("django") or {}).get("ACCOUNT_EMAIL_CONFIRMATION_HMAC", True)
# (a configuration's "USERSESSIONS": allauth.usersessions installed)
USERSESSIONS = (CONFIG.get("django") or {}).pop("USERSESSIONS", False)
# Codes of the periods around the setup's stay valid for ten minutes: Go replays the
# steps a little later than Django runs them.
MFA_TOTP_TOLERANCE = 20
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

djoracle.configure_view_site(
    sys.argv[1], URLCONF, {},
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sessions",
                    "django.contrib.sites", "rest_framework", "allauth", "allauth.account", "allauth.headless",
                    "allauth.mfa"] + (["allauth.usersessions"] if USERSESSIONS else []),
    MFA_TOTP_TOLERANCE=MFA_TOTP_TOLERANCE,
    SITE_ID=1,
    MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware",
                "django.middleware.csrf.CsrfViewMiddleware",
                "django.contrib.auth.middleware.AuthenticationMiddleware",
                "allauth.account.middleware.AccountMiddleware"]
    + (["allauth.usersessions.middleware.UserSessionsMiddleware"]
       if (CONFIG.get("django") or {}).get("USERSESSIONS_TRACK_ACTIVITY") else []),
    AUTHENTICATION_BACKENDS=["django.contrib.auth.backends.ModelBackend",
                             "allauth.account.auth_backends.AuthenticationBackend"],
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    REST_FRAMEWORK={"DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]},
    HEADLESS_ONLY=True,
    ACCOUNT_LOGIN_METHODS=["username", "email"],
    ACCOUNT_RATE_LIMITS=RATE_LIMITS,
    ACCOUNT_LOGIN_BY_CODE_ENABLED=True,
    ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND=True,
    HEADLESS_FRONTEND_URLS={"account_signup": "https://app.example.org/signup",
                            "account_reset_password_from_key": "/password/reset?k={key}",
                            "account_confirm_email": "/account/verify/{key}"},
    ALLAUTH_TRUSTED_PROXY_COUNT=1,
    AUTH_PASSWORD_VALIDATORS=djoracle.PROJECT_PASSWORD_VALIDATORS,
    # (room for every rate of the steps: culling drops the expired entries first, which
    # depends on how long a run takes)
    CACHES={"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": CACHE_TABLE,
                        "OPTIONS": {"MAX_ENTRIES": 5000}}},
    CSRF_FAILURE_VIEW=URLCONF + ".csrf_failure",
    **{"HEADLESS_" + k: v for k, v in (CONFIG.get("headless") or {}).items()},
    **{"ACCOUNT_EMAIL_VERIFICATION": "none", **(CONFIG.get("django") or {})},
)

import logging  # noqa: E402

logging.disable(logging.CRITICAL)  # (the 4xx and 5xx answers' log lines)

from django.contrib.auth import login  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.http import HttpRequest  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import include, path  # noqa: E402
from rest_framework import permissions  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402
from allauth.headless.contrib.rest_framework.authentication import (  # noqa: E402
    JWTTokenAuthentication, XSessionTokenAuthentication)
from allauth.headless.tokens.strategies.jwt import internal  # noqa: E402
import cryptography.hazmat.primitives.serialization  # noqa: E402,F401 (which allauth's jwkkit uses unimported)
import jwt.algorithms  # noqa: E402,F401


# The mails allauth's adapter sends (send_mail's template prefix, recipient and context),
# recorded rather than rendered.
from allauth.account.adapter import DefaultAccountAdapter  # noqa: E402

MAILS = []


def _record_mail(self, template_prefix, email, context):
    if not isinstance(email, (str, list, tuple)):  # (render_mail's EmailMessage refuses it)
        raise TypeError('"to" argument must be a list or tuple')
    MAILS.append([template_prefix, email, {k: str(v.pk) if hasattr(v, "pk") else  # (a user: its key)
                                           v.isoformat() if hasattr(v, "isoformat") else v  # (a time)
                                           for k, v in context.items() if k != "request"}])


DefaultAccountAdapter.send_mail = _record_mail


class StrictXSessionTokenAuthentication(XSessionTokenAuthentication):
    allow_anonymous_users = False
    allow_invalid_session_tokens = False


def view(auths, perm):
    class View(APIView):
        authentication_classes = auths
        permission_classes = [perm]

        def get(self, request):
            a = request.auth
            if a is None:
                what = None
            elif isinstance(a, dict):
                what = ["jwt", a.get("token_use"), a.get("sub")]
            else:
                what = ["session", (a.session_key or "")[:4]]
            user = request.user
            return Response({"user": user.pk, "auth": what,
                             "active": user.is_active if user.is_authenticated else None})
    return View.as_view()


djoracle.set_urlpatterns(URLCONF, [
    path("_allauth/", include("allauth.headless.urls")),
    path("api/session/", view([XSessionTokenAuthentication], permissions.IsAuthenticated)),
    path("api/session-strict/", view([StrictXSessionTokenAuthentication], permissions.AllowAny)),
    path("api/jwt/", view([JWTTokenAuthentication], permissions.IsAuthenticated)),
    path("api/any/", view([XSessionTokenAuthentication, JWTTokenAuthentication], permissions.AllowAny)),
])



def csrf_failure(request, reason=""):
    from django.http import HttpResponseForbidden
    return HttpResponseForbidden("csrf")


sys.modules[URLCONF].csrf_failure = csrf_failure

PLACEHOLDER = re.compile(r"\{t:([\w-]+)\}")
REFRESH = "/_allauth/app/v1/tokens/refresh"
SESSION = "/_allauth/app/v1/auth/session"
BROWSER = "/_allauth/browser/v1/auth/session"
LOGIN = "/_allauth/app/v1/auth/login"
BROWSER_LOGIN = "/_allauth/browser/v1/auth/login"
REAUTH = "/_allauth/app/v1/auth/reauthenticate"
CHANGE = "/_allauth/app/v1/account/password/change"
CONFIG_URL = "/_allauth/app/v1/config"
BROWSER_CHANGE = "/_allauth/browser/v1/account/password/change"
BROWSER_REAUTH = "/_allauth/browser/v1/auth/reauthenticate"
AUTH_2FA = "/_allauth/app/v1/auth/2fa/authenticate"
REAUTH_2FA = "/_allauth/app/v1/auth/2fa/reauthenticate"
BROWSER_AUTH_2FA = "/_allauth/browser/v1/auth/2fa/authenticate"
BROWSER_REAUTH_2FA = "/_allauth/browser/v1/auth/2fa/reauthenticate"
AUTHENTICATORS = "/_allauth/app/v1/account/authenticators"
RECOVERY_CODES = "/_allauth/app/v1/account/authenticators/recovery-codes"
BROWSER_RECOVERY_CODES = "/_allauth/browser/v1/account/authenticators/recovery-codes"
TOTP = "/_allauth/app/v1/account/authenticators/totp"
CODE_REQUEST = "/_allauth/app/v1/auth/code/request"
CODE_CONFIRM = "/_allauth/app/v1/auth/code/confirm"
CODE_RESEND = "/_allauth/app/v1/auth/code/resend"
BROWSER_CODE_REQUEST = "/_allauth/browser/v1/auth/code/request"
BROWSER_CODE_CONFIRM = "/_allauth/browser/v1/auth/code/confirm"
BROWSER_CODE_RESEND = "/_allauth/browser/v1/auth/code/resend"
REAUTH_CODE_REQUEST = "/_allauth/app/v1/auth/reauthenticate/code/request"
REAUTH_CODE_CONFIRM = "/_allauth/app/v1/auth/reauthenticate/code/confirm"
REAUTH_CODE_RESEND = "/_allauth/app/v1/auth/reauthenticate/code/resend"
VERIFY = "/_allauth/app/v1/auth/email/verify"
BROWSER_VERIFY = "/_allauth/browser/v1/auth/email/verify"
RESEND_VERIFY = "/_allauth/app/v1/auth/email/verify/resend"
SIGNUP = "/_allauth/app/v1/auth/signup"
BROWSER_SIGNUP = "/_allauth/browser/v1/auth/signup"
BROWSER_RESEND_VERIFY = "/_allauth/browser/v1/auth/email/verify/resend"
MANAGE = "/_allauth/app/v1/account/email"
SESSIONS = "/_allauth/app/v1/auth/sessions"
BROWSER_SESSIONS = "/_allauth/browser/v1/auth/sessions"
BROWSER_MANAGE = "/_allauth/browser/v1/account/email"
RESET_REQUEST = "/_allauth/app/v1/auth/password/request"
RESET = "/_allauth/app/v1/auth/password/reset"
BROWSER_RESET_REQUEST = "/_allauth/browser/v1/auth/password/request"
BROWSER_RESET = "/_allauth/browser/v1/auth/password/reset"
NEW_PASSWORD = "Brand-new-pw-77"
CSRF_SECRET = "abcdefghijklmnopqrstuvwxyzABCDEF"


def fill(s, tokens):
    return PLACEHOLDER.sub(lambda m: tokens.get(m.group(1), m.group(1)), s)


def app_login(username):
    resp = Client().post("/_allauth/app/v1/auth/login", {"username": username, "password": PASSWORD},
                         content_type="application/json")
    body = resp.json()
    resp, body = login_code(resp, body)
    assert resp.status_code == 200, body
    return body["meta"]


def login_code(resp, body):
    """A login's answer, once the login code it waits for (ACCOUNT_LOGIN_BY_CODE_REQUIRED)
    is confirmed."""
    if resp.status_code != 401 or '"login_by_code", "is_pending"' not in resp.content.decode():
        return resp, body
    resp = Client().post(CODE_CONFIRM, {"code": MAILS[-1][2]["code"]}, content_type="application/json",
                         HTTP_X_SESSION_TOKEN=body["meta"]["session_token"])
    return resp, resp.json()


def new_session(user=None, data=None):
    s = SessionStore()
    if user is not None:
        request = HttpRequest()
        request.session = s
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    for k, v in (data or {}).items():
        s[k] = v
    s.save()
    return s


def raw_token(use, sub, sid, /, expires_in=300, claims=None, **changes):
    tok, payload = internal.create_token(use, sub=sub, sid=sid, claims=claims, expires_in=expires_in)
    if not changes:
        return tok, payload
    payload.update(changes)
    for k, v in list(payload.items()):
        if v is None:
            del payload[k]
    cfg = internal._get_jwt_config()
    return internal.jwt.encode(payload, cfg.signing_key, algorithm=cfg.algorithm,
                               headers=internal.get_jwt_headers(cfg)), payload


def setup():
    """The users, sessions and tokens of the steps (made with no email verification: a
    site with a mandatory one meets it in the steps alone), printed with the steps."""
    from django.test.utils import override_settings

    with override_settings(ACCOUNT_EMAIL_VERIFICATION="none"):
        made = setup_data()
    print(json.dumps(made))


def setup_data():
    from django.core.management import call_command
    import allauth
    import rest_framework

    users = djoracle.create_users([(1, "alice", True, False), (2, "bob", False, False),
                                   (3, "carol", True, False), (4, "dave", True, False), (5, "erin", True, False)],
                                  PASSWORD)
    call_command("createcachetable", verbosity=0)
    if CODE_REQUIRED:
        for u in users.values():  # (an address for the login codes of the logins below)
            User.objects.filter(pk=u.pk, email="").update(email=u.username + "@example.com")
    from django.contrib.sites.models import Site
    Site.objects.filter(pk=1).update(domain="accounts.example.org")  # (the failed logins' key)
    tokens = {}
    for name, username in (("alice", "alice"), ("alice2", "alice"), ("carol", "carol"), ("dave", "dave"), ("erin", "erin")):
        meta = app_login(username)
        tokens["s-" + name] = meta["session_token"]
        if "access_token" in meta:
            tokens["a-" + name], tokens["r-" + name] = meta["access_token"], meta["refresh_token"]
    alice = SessionStore(tokens["s-alice"])
    alice_sid = internal.session_key_to_sid(alice.session_key)
    for name in ("alice", "carol", "dave", "erin"):
        if "a-" + name not in tokens:  # (the session strategy gives none: made as the JWT one would)
            s = SessionStore(tokens["s-" + name])
            user = User.objects.get(username=name)
            tokens["a-" + name] = internal.create_access_token(user, s, {})
            tokens["r-" + name] = internal.create_refresh_token(user, s)
            s.save()
    bob = new_session(users[2])
    tokens["s-bob"] = bob.session_key
    tokens["a-bob"] = internal.create_access_token(users[2], bob, {})
    tokens["r-bob"] = internal.create_refresh_token(users[2], bob)
    bob.save()
    frank = User(pk=6, username="frank", email="frank@example.com")
    frank.set_unusable_password()
    frank.save()
    tokens["s-frank"] = new_session(frank).session_key
    zero = User(pk=0, username="zero", email="zero@example.com")
    zero.set_password(PASSWORD)
    zero.save()
    tokens["s-zero"] = new_session(zero).session_key
    tokens["s-pending3"] = new_session(data={"account_login": "", "x": 1}).session_key
    tokens["s-pending"] = new_session(data={"account_login": "verify_email"}).session_key
    tokens["s-pending2"] = new_session(data={"account_login": "login"}).session_key
    anon = new_session(data={"cart": 3})
    tokens["s-anon"] = anon.session_key
    anon_sid = internal.session_key_to_sid(anon.session_key)
    tokens["a-anon"] = raw_token("access", "1", anon_sid)[0]
    tokens["r-anon"] = raw_token("refresh", "1", anon_sid)[0]
    gone_sid = internal.session_key_to_sid("x" * 32)
    tokens["a-gone"] = raw_token("access", "1", gone_sid)[0]
    tokens["a-expired"] = raw_token("access", "1", alice_sid, expires_in=-10)[0]
    tokens["r-expired"] = raw_token("refresh", "1", alice_sid, expires_in=-10)[0]
    tokens["r-unknown"] = raw_token("refresh", "1", alice_sid)[0]
    tok, payload = raw_token("refresh", "1", alice_sid)
    tokens["r-stale"] = tok
    state = internal.get_refresh_token_state(alice)
    state[payload["jti"]] = int(time.time()) - 5
    alice.save()
    # erin's refresh token with a line break (JSON-escaped) in its signature, which PyJWT
    # refuses (and Go's base64 decoder would skip).
    tokens["r-e-nl"] = tokens["r-erin"][:-10] + "\\n" + tokens["r-erin"][-10:]
    tokens["a-tampered"] = tokens["a-alice"][:-3] + ("AAA" if not tokens["a-alice"].endswith("AAA") else "BBB")
    tokens["a-claims"] = raw_token("access", "1", alice_sid, claims={"name": "Al", "sub": "x", "roles": ["a"]})[0]
    tokens["a-nosid"] = raw_token("access", "1", alice_sid, sid=None)[0]
    tokens["a-badsid"] = raw_token("access", "1", alice_sid, sid="!!!")[0]
    tokens["a-shortsid"] = raw_token("access", "1", alice_sid, sid="AAAAAAAAAAAAAAAAAAAAAA==")[0]
    tokens["a-intsid"] = raw_token("access", "1", alice_sid, sid=5)[0]
    tokens["a-nojti"] = raw_token("access", "1", alice_sid, jti=None)[0]
    tokens["a-intsub"] = raw_token("access", "1", alice_sid, sub=1)[0]
    tokens["a-spacesub"] = raw_token("access", " 1 ", alice_sid)[0]
    tokens["a-bobsub"] = raw_token("access", "2", alice_sid)[0]
    tokens["a-nouse"] = raw_token("access", "1", alice_sid, token_use=None)[0]
    tokens["a-iat"] = raw_token("access", "1", alice_sid, iat=int(time.time()) + 3600)[0]
    tokens["a-noexp"] = raw_token("access", "1", alice_sid, exp=None)[0]
    tokens["a-aud"] = raw_token("access", "1", alice_sid, aud="someone", iss="someone")[0]
    tokens["a-badsub"] = raw_token("access", "abc", alice_sid)[0]
    tokens["a-nouser"] = raw_token("access", "99", alice_sid)[0]
    other = internal.jwt.encode({"sub": "1", "sid": alice_sid, "jti": "j", "token_use": "access",
                                 "exp": int(time.time()) + 300}, "another-secret", algorithm="HS256")
    tokens["a-othersecret"] = other
    # alice's primary address in allauth's table; carol's on her row alone.
    from allauth.account.models import EmailAddress
    EmailAddress.objects.create(user=users[1], email="alice@example.com", primary=True, verified=True)
    EmailAddress.objects.create(user=users[1], email="al@example.com", primary=False, verified=True)
    User.objects.filter(username="alice").update(email="other@example.com")
    User.objects.filter(username__in=["carol", "erin"]).update(email="Someone@EXAMPLE.com")
    # carol's password changes (her sessions' hash goes stale); dave is deleted.
    carol = User.objects.get(username="carol")
    carol.set_password("another-pw")
    carol.save()
    User.objects.filter(username="dave").delete()
    # For the login endpoint: gina (a username in capitals, her address unverified), and
    # two users of one unverified address with different passwords.
    gina = User.objects.create_user(pk=7, username="GINA", email="gina@example.com", password=PASSWORD)
    EmailAddress.objects.create(user=gina, email="gina@example.com", primary=True, verified=False)
    tokens["s-gina"] = new_session(gina).session_key
    for pk, name, pw in ((8, "hal", "hal-pw-1"), (9, "ivy", PASSWORD)):
        EmailAddress.objects.create(user=User.objects.create_user(pk=pk, username=name, password=pw),
                                    email="shared@example.com", verified=False)
    tokens["s-ivy"] = new_session(User.objects.get(pk=9)).session_key
    # ... and two of one address and one password, whom a set iterates as 17, 10.
    for pk, name in ((10, "jay"), (17, "kim")):
        EmailAddress.objects.create(user=User.objects.create_user(pk=pk, username=name, password=PASSWORD),
                                    email="twins@example.com", verified=False)
    tokens["s-kim"] = new_session(User.objects.get(pk=17)).session_key
    mfa_setup(tokens)
    code_setup(tokens)
    reauth_code_setup(tokens)
    code_review_setup(tokens)
    reset_setup(tokens)
    verify_setup(tokens)
    manage_setup(tokens)
    if MANDATORY:
        verify_login_setup(tokens)
    from django.core.cache import cache
    cache.clear()  # (the setup's logins counted: the steps start afresh)
    import django.contrib.auth
    return {"tokens": tokens, "steps": steps(tokens), "allauth": allauth.__version__,
            "drf": rest_framework.VERSION, "python": sys.version.split()[0],
            "common_passwords": os.path.join(os.path.dirname(django.contrib.auth.__file__), "common-passwords.txt.gz")}


def pending_login(username):
    """An app login that waits for the second factor: its session's token."""
    from django.core.cache import cache
    cache.clear()  # (the setup's many logins: no rate limit)
    if CODE_REQUIRED:  # (an address for the login code)
        User.objects.filter(username=username, email="").update(email=username + "@example.com")
    resp = Client().post(LOGIN, {"username": username, "password": PASSWORD}, content_type="application/json")
    token = resp.json()["meta"]["session_token"]
    resp, _ = login_code(resp, resp.json())
    assert resp.status_code == 401 and b'"mfa_authenticate", "is_pending"' in resp.content, resp.content
    return token


def mfa_setup(tokens):
    """The second factor's users: lee (pk 11) has a TOTP authenticator and recovery codes,
    max (pk 12) recovery codes alone (none of used_mask 5's), ned (pk 13) a WebAuthn
    authenticator, oli (pk 14) recovery codes migrated from elsewhere, pat (pk 15, deleted
    once his login waits) a TOTP one. Logins of lee waiting for the code (s-lee1 to
    s-lee6; s-lee-old for too long), of ned (s-ned1) and of pat (s-pat); lee, max and oli
    logged in (s-lee-in, s-max, s-oli); stashed logins made up (s-stash-phone, whose
    phone stage is pending, s-stash-bad, which allauth cannot read); two anonymous
    sessions (s-anon2, s-anon3). The codes: totp-N of the periods 0, -1 and +1 from the
    setup's (totp-1s with spaces and a dash), totp-far of 30 periods back, rc-USER-N the
    recovery codes (rc-lee-1d with a dash)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    users = {}
    for pk, name in ((11, "lee"), (12, "max"), (13, "ned"), (14, "oli"), (15, "pat")):
        users[name] = User.objects.create_user(pk=pk, username=name, email=name + "@example.com", password=PASSWORD)
    Authenticator.objects.create(user=users["lee"], type="totp", data={"secret": TOTP_SECRET})
    rc = {"lee": Authenticator.objects.create(user=users["lee"], type="recovery_codes",
                                              data={"seed": "5eed" * 20, "used_mask": 0}),
          "max": Authenticator.objects.create(user=users["max"], type="recovery_codes",
                                              data={"seed": "ab" * 40, "used_mask": 5})}
    Authenticator.objects.create(user=users["ned"], type="webauthn", data={"name": "key", "credential": {}})
    Authenticator.objects.create(user=users["oli"], type="recovery_codes",
                                 data={"migrated_codes": ["11112222", "33334444"], "seed": "x", "used_mask": 0})
    Authenticator.objects.create(user=users["pat"], type="totp", data={"secret": TOTP_SECRET})
    for name, a in rc.items():
        for i, c in enumerate(RecoveryCodes(a).generate_codes()):
            tokens["rc-%s-%d" % (name, i)] = c
    tokens["rc-lee-1d"] = tokens["rc-lee-1"][:4] + "-" + tokens["rc-lee-1"][4:]
    counter = int(time.time()) // 30
    for name, delta in (("totp-0", 0), ("totp-1", -1), ("totp-2", 1), ("totp-far", -30)):
        tokens[name] = format_hotp_value(hotp_value(TOTP_SECRET, counter + delta))
    tokens["totp-1s"] = " %s %s-" % (tokens["totp-1"][:3], tokens["totp-1"][3:])
    for i in range(1, 7):
        tokens["s-lee%d" % i] = pending_login("lee")
    tokens["s-lee-old"] = pending_login("lee")
    old = SessionStore(tokens["s-lee-old"])
    stash = old["account_login"]
    stash["initiated_at"] -= 1000
    old["account_login"] = stash
    old.save()
    tokens["s-ned1"] = pending_login("ned")
    tokens["s-pat"] = pending_login("pat")
    users["pat"].delete()
    for name in ("lee", "max", "oli"):
        tokens["s-%s-in" % name if name == "lee" else "s-" + name] = new_session(users[name]).session_key
    stash = {"user_pk": "b", "email_verification": "none", "signup": False, "redirect_url": None, "email": None,
             "phone": None, "signal_kwargs": None, "initiated_at": time.time(),
             "state": {"stages": {"login_by_code": {"data": {}, "handled": True}, "current": "verify_email"}}}
    tokens["s-stash-phone"] = new_session(data={"account_login": stash}).session_key
    tokens["s-stash-bad"] = new_session(data={"account_login": {"user_pk": None}}).session_key
    for name in ("s-anon2", "s-anon3"):
        tokens[name] = new_session(data={"cart": 1}).session_key
    mfa_odd_setup(tokens)
    mfa_mixed_setup(tokens)
    mfa_manage_setup(tokens)


def mfa_mixed_setup(tokens):
    """Stashed logins in sessions of every kind: zed to zola (pks 31 to 37) have a TOTP
    authenticator and recovery codes (rc-NAME-i); sessions logged in holding a login
    waiting for the second factor (of their own user: s-y-same, s-y-browser-in; of
    another: s-y-other), a stash waiting at verify_email (logged in: s-y-ve; anonymous:
    s-y-ve-anon), logins of zia, zara and zeb waiting (for logouts, logins again,
    reauthentications, rate limits); wyn (WebAuthn alone) and nob (no authenticator)
    logged in."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    made = {}
    for pk, name in ((31, "zed"), (32, "zoe"), (33, "zak"), (34, "zia"), (35, "zara"), (36, "zeb"), (37, "zola")):
        u = User.objects.create_user(pk=pk, username=name, email=name + "@example.com", password=PASSWORD)
        Authenticator.objects.create(user=u, type="totp", data={"secret": TOTP_SECRET})
        rc = Authenticator.objects.create(user=u, type="recovery_codes", data={"seed": ("%02x" % pk) * 40, "used_mask": 0})
        for i, c in enumerate(RecoveryCodes(rc).generate_codes()):
            tokens["rc-%s-%d" % (name, i)] = c
        made[name] = u
    # a user with a WebAuthn authenticator alone, logged in
    wu = User.objects.create_user(pk=38, username="wyn", password=PASSWORD)
    Authenticator.objects.create(user=wu, type="webauthn", data={"name": "key", "credential": {}})
    tokens["s-wyn"] = new_session(wu).session_key
    # a user without authenticators, logged in
    tokens["s-nob"] = new_session(User.objects.create_user(pk=39, username="nob", password=PASSWORD)).session_key

    def copy_into(src_tok, user, change=None):
        src = SessionStore(src_tok)
        data = {k: v for k, v in src.items() if k.startswith("account_")}
        if change:
            change(data)
        return new_session(user, data=data).session_key
    # logged in (as the same user, as another) with a stashed login at the second factor
    tokens["s-y-same"] = copy_into(pending_login("zed"), made["zed"])
    tokens["s-y-other"] = copy_into(pending_login("zoe"), User.objects.get(username="alice"))

    def ve(data):
        st = data["account_login"]["state"]["stages"]
        st["verify_email"].pop("handled", None)
        st["current"] = "verify_email"
    tokens["s-y-ve"] = copy_into(pending_login("zak"), made["zak"], ve)
    tokens["s-y-ve-anon"] = copy_into(pending_login("zak"), None, ve)
    # anonymous with a stash, for DELETE, re-login, reauthentication
    for n in ("s-y-del", "s-y-bdel", "s-y-relog", "s-y-relog2", "s-y-relog3", "s-y-reauth", "s-y-bget"):
        tokens[n] = pending_login("zia")
    tokens["s-y-rate"] = pending_login("zara")
    tokens["s-y-rate2"] = pending_login("zeb")
    tokens["s-y-browser-in"] = copy_into(pending_login("zola"), made["zola"])


def mfa_manage_setup(tokens):
    """For the authenticators' list and the recovery codes: nia (pk 60) with a passkey
    (a WebAuthn authenticator whose credential says rk), pia (pk 61) with a TOTP
    authenticator, recovery codes used once and two verified addresses, never
    reauthenticated; both logged in (s-nia, s-pia, s-pia2)."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from django.utils import timezone

    nia = User.objects.create_user(pk=60, username="nia", password=PASSWORD)
    Authenticator.objects.create(user=nia, type="webauthn", created_at=timezone.now() - timezone.timedelta(days=400), data={
        "name": "Yubi\u00e9", "credential": {"clientExtensionResults": {"credProps": {"rk": True}}}})
    pia = User.objects.create_user(pk=61, username="pia", email="pia@example.com", password=PASSWORD)
    then = timezone.now() - timezone.timedelta(days=10, microseconds=123457)
    Authenticator.objects.create(user=pia, type="totp", data={"secret": TOTP_SECRET}, created_at=then,
                                 last_used_at=then + timezone.timedelta(days=7, microseconds=7))
    Authenticator.objects.create(user=pia, type="recovery_codes", data={"seed": "c0de" * 20, "used_mask": 2},
                                 created_at=then + timezone.timedelta(seconds=1))
    for email, verified in (("pia@example.com", True), ("Pia@Example.org", True), ("pia@other.example", False)):
        EmailAddress.objects.create(user=pia, email=email, verified=verified, primary=email == "pia@example.com")
    tokens["s-nia"] = new_session(nia).session_key
    tokens["s-pia"] = new_session(pia).session_key
    tokens["s-pia2"] = new_session(pia).session_key
    # For the TOTP authenticator's activation: qin (pk 62, one verified address), ria
    # (pk 63, an unverified one); qin's session holding a secret to activate and a
    # recent reauthentication (s-qin-sec), and one holding neither (s-qin).
    qin = User.objects.create_user(pk=62, username="qin", email="q/in+x@example.com", password=PASSWORD)
    EmailAddress.objects.create(user=qin, email="qin@example.com", verified=True, primary=True)
    ria = User.objects.create_user(pk=63, username="ria", email="r/i a@example.com", password=PASSWORD)
    EmailAddress.objects.create(user=ria, email="r/i a@example.com", verified=False, primary=True)
    tokens["s-qin"] = new_session(qin).session_key
    tokens["s-ria"] = new_session(ria).session_key
    tokens["s-qin-sec"] = new_session(qin, data={
        "mfa.totp.secret": TOTP_SECRET, "account_authentication_methods_user": "62",
        "account_authentication_methods": [{"method": "password", "at": time.time(), "reauthenticated": True}]}).session_key
    # (a reauthentication too old, one by a method the site does not take, a recent one)
    for name, records in (("s-pia-old", [{"method": "password", "at": time.time() - 400, "reauthenticated": True}]),
                          ("s-pia-x", [{"method": "x", "at": time.time(), "reauthenticated": True}]),
                          ("s-pia-new", [{"method": "password", "at": time.time() - 9, "reauthenticated": 1},
                                         {"method": "password", "at": time.time() - 1}])):
        tokens[name] = new_session(pia, data={"account_authentication_methods": records,
                                              "account_authentication_methods_user": "61"}).session_key
    mfa_probe_setup(tokens)
    totp_probe_setup(tokens)


def mfa_probe_setup(tokens):
    """Users and sessions of odd shapes for the reauthentication's checks (rp, pk 70:
    s-p-*, authentication records of every shape, pending logins and codes), a user
    without a usable password and with verified addresses of every case (rq, pk 71) or
    with no way to reauthenticate (rr, pk 72), and users 80 and on with authenticator
    rows of odd data (s-w-*, s-r-*; "-x" sessions not reauthenticated)."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from django.db import connection

    now = time.time()
    rp = User.objects.create_user(pk=70, username="rp", password=PASSWORD)
    Authenticator.objects.create(user=rp, type="totp", data={"secret": TOTP_SECRET})
    Authenticator.objects.create(user=rp, type="recovery_codes", data={"seed": "ab" * 40, "used_mask": 0})

    def rec(**kw):
        d = {"method": "password", "at": now, "reauthenticated": True}
        for k, v in kw.items():
            if v is KeyError:
                d.pop(k)
            else:
                d[k] = v
        return d
    shapes = {
        "nondict": ["x", rec()],
        "nondict2": [rec(), 5],
        "listmethod": [rec(method=["password"])],
        "dictmethod": [rec(method={})],
        "intmethod": [rec(method=5)],
        "attrue": [rec(at=True)],
        "atfalse": [rec(at=False)],
        "atbig": [rec(at=10 ** 20)],
        "atnegbig": [rec(at=-(10 ** 20))],
        "atint": [rec(at=int(now))],
        "atstr": [rec(at="5")],
        "atnone": [rec(at=None)],
        "atmissing": [rec(at=KeyError)],
        "atnan": [rec(at=float("nan"))],
        "atfuture": [rec(at=now + 100000)],
        "refalsy": [rec(reauthenticated="")],
        "restr": [rec(reauthenticated="x")],
        "relist0": [rec(reauthenticated=[0])],
        "mfa": [rec(method="mfa")],
        "code": [rec(method="code")],
        "lastold": [rec(), rec(at=now - 1000)],
        "lastnotre": [rec(), rec(reauthenticated=False, at=now - 1000)],
        "notlist": {"0": rec()},
    }
    for name, records in shapes.items():
        tokens["s-p-" + name] = new_session(rp, data={"account_authentication_methods": records,
                                                       "account_authentication_methods_user": "70"}).session_key
    tokens["s-p-otheruser"] = new_session(rp, data={"account_authentication_methods": [rec()],
                                                     "account_authentication_methods_user": "60"}).session_key
    tokens["s-p-intuser"] = new_session(rp, data={"account_authentication_methods": [rec()],
                                                   "account_authentication_methods_user": 70}).session_key
    for name, lk in (("pend1", "mfa_reauthenticate"), ("pend2", "foo"), ("pend3", "reauthenticate"), ("pend4", ""),
                     ("pend5", {"x": 1}), ("pend6", 5)):
        tokens["s-p-" + name] = new_session(rp, data={"account_login": lk}).session_key
    tokens["s-p-rcode"] = new_session(rp, data={"account_email_reauthentication_code": {"x": 1}}).session_key
    tokens["s-p-rcode0"] = new_session(rp, data={"account_email_reauthentication_code": 0}).session_key
    # rq: no usable password, verified addresses, a WebAuthn key alone
    rq = User(pk=71, username="rq", email="rq@example.com")
    rq.set_unusable_password()
    rq.save()
    for email, verified in (("b@x.org", True), ("A@x.org", True), ("_@x.org", True), ("\u00e9@x.org", True),
                            ("0@x.org", False)):
        EmailAddress.objects.create(user=rq, email=email, verified=verified, primary=False)
    Authenticator.objects.create(user=rq, type="webauthn", data={"name": "k", "credential": {}})
    tokens["s-rq"] = new_session(rq).session_key
    tokens["s-rq-code"] = new_session(rq, data={"account_authentication_methods": [rec(method="code")],
                                                "account_authentication_methods_user": "71"}).session_key
    tokens["s-rq-pw"] = new_session(rq, data={"account_authentication_methods": [rec(method="password")],
                                              "account_authentication_methods_user": "71"}).session_key
    # rr: no usable password, nothing else (no way to reauthenticate)
    rr = User(pk=72, username="rr")
    rr.set_unusable_password()
    rr.save()
    tokens["s-rr"] = new_session(rr, data={"account_authentication_methods": [rec(method="code")],
                                           "account_authentication_methods_user": "72"}).session_key
    tokens["s-rr-rcode"] = new_session(rq, data={"account_email_reauthentication_code": {"x": 1}}).session_key
    valid = {"at": now, "failed_attempts": 0, "resend_count": 0, "change_count": 0, "email": "b@x.org", "code": "ABC123"}
    tokens["s-rr-rcode2"] = new_session(rq, data={"account_email_reauthentication_code": valid}).session_key
    tokens["s-p-rcode2"] = new_session(rp, data={"account_email_reauthentication_code": valid}).session_key
    # odd rows, one user each, each logged in with a recent reauthentication
    odd = {
        "w-rk0": [("webauthn", {"name": "k", "credential": {"clientExtensionResults": {"credProps": {"rk": 0}}}})],
        "w-rknull": [("webauthn", {"name": "k", "credential": {"clientExtensionResults": {"credProps": {"rk": None}}}})],
        "w-rkstr": [("webauthn", {"credential": {"clientExtensionResults": {"credProps": {"rk": "y"}}}, "name": None})],
        "w-cpnull": [("webauthn", {"name": "k", "credential": {"clientExtensionResults": {"credProps": None}}})],
        "w-cernull": [("webauthn", {"name": "k", "credential": {"clientExtensionResults": None}})],
        "w-crednull": [("webauthn", {"name": "k", "credential": None})],
        "w-credlist": [("webauthn", {"name": "k", "credential": []})],
        "w-nocred": [("webauthn", {"name": 5})],
        "w-noname": [("webauthn", {"credential": {}})],
        "w-cpstr": [("webauthn", {"name": "k", "credential": {"clientExtensionResults": {"credProps": "ab"}}})],
        "r-mig0": [("totp", {"secret": TOTP_SECRET}), ("recovery_codes", {"migrated_codes": []})],
        "r-mignull": [("totp", {"secret": TOTP_SECRET}), ("recovery_codes", {"migrated_codes": None, "seed": "ab" * 40, "used_mask": 3})],
        "r-migdict": [("totp", {"secret": TOTP_SECRET}), ("recovery_codes", {"migrated_codes": {"a": 1, "b": 2}})],
        "r-migtrue": [("totp", {"secret": TOTP_SECRET}), ("recovery_codes", {"migrated_codes": True})],
        "r-maskbig": [("totp", {"secret": TOTP_SECRET}), ("recovery_codes", {"seed": "ab" * 40, "used_mask": 2 ** 100 + 6})],
        "r-masknone": [("totp", {"secret": TOTP_SECRET}), ("recovery_codes", {"seed": "ab" * 40, "used_mask": None})],
        "r-nomask": [("totp", {"secret": TOTP_SECRET}), ("recovery_codes", {"seed": "ab" * 40})],
        "r-seedint": [("totp", {"secret": TOTP_SECRET}), ("recovery_codes", {"seed": 5, "used_mask": 0})],
        "r-v0": [("totp", {"secret": TOTP_SECRET}), ("recovery_codes", {"viewed_at": 0, "seed": "ab" * 40, "used_mask": 0, "z": 1.5})],
        "r-vempty": [("totp", {"secret": TOTP_SECRET}), ("recovery_codes", {"seed": "ab" * 40, "viewed_at": "", "used_mask": 0})],
        "r-vlist": [("totp", {"secret": TOTP_SECRET}), ("recovery_codes", {"seed": "ab" * 40, "viewed_at": [], "used_mask": 0})],
        "r-vfalse": [("totp", {"secret": TOTP_SECRET}), ("recovery_codes", {"seed": "ab" * 40, "viewed_at": False, "used_mask": 0})],
        "r-vstr": [("totp", {"secret": TOTP_SECRET}), ("recovery_codes", {"seed": "ab" * 40, "viewed_at": "0", "used_mask": 0})],
        "r-vnull": [("totp", {"secret": TOTP_SECRET}), ("recovery_codes", {"seed": "ab" * 40, "viewed_at": None, "used_mask": 0})],
        "r-vtrue": [("totp", {"secret": TOTP_SECRET}), ("recovery_codes", {"seed": "ab" * 40, "viewed_at": True, "used_mask": 0})],
        "r-odddata": [("totp", {"secret": TOTP_SECRET}), ("recovery_codes", {"seed": "ab" * 40, "used_mask": 0, "f": 1e16, "g": 2 ** 70, "s": "\u00e9\U0001f600", "n": [1.0, -0.0, 1e-7]})],
        "r-alone": [("recovery_codes", {"seed": "ab" * 40, "used_mask": 0})],
        "r-foo": [("foo", {"x": 1})],
        "r-two": [("totp", {"secret": TOTP_SECRET}), ("recovery_codes", {"seed": "cd" * 40, "used_mask": 1}),
                  ("recovery_codes", {"seed": "ab" * 40, "used_mask": 0})],
        "r-totponly": [("totp", {"secret": TOTP_SECRET})],
    }
    with connection.cursor() as c:
        c.execute("DROP INDEX IF EXISTS unique_authenticator_type")
    for i, (name, rows) in enumerate(odd.items()):
        u = User.objects.create_user(pk=80 + i, username="o%d" % i, password=PASSWORD)
        for typ, data in rows:
            Authenticator.objects.create(user=u, type=typ, data=data)
        tokens["s-" + name] = new_session(u, data={"account_authentication_methods": [rec()],
                                                   "account_authentication_methods_user": str(u.pk)}).session_key
        tokens["s-" + name + "-x"] = new_session(u).session_key


def mfa_manage_steps(add):
    """The list of the user's authenticators, the recovery codes shown and made anew
    (a recent reauthentication required), the methods. (The times of the steps' own
    making differ between runs: Go's test leaves out those of the last hour.)"""
    for name in ("s-lee-in", "s-max", "s-wyn", "s-nob", "s-oli", "s-nia", "s-pia", "s-uma", "s-anon", "nope"):
        add(AUTHENTICATORS, headers={"X-Session-Token": "{t:%s}" % name})
    for method, body in (("POST", ""), ("POST", "[]"), ("PUT", "{}"), ("OPTIONS", ""), ("HEAD", ""), ("DELETE", "x")):
        add(AUTHENTICATORS, method, headers={"X-Session-Token": "{t:s-pia}"}, body=body)
    add("/_allauth/browser/v1/account/authenticators", headers={"Cookie": "sessionid={t:s-nia}"})
    for name in ("s-max", "s-max", "s-oli", "s-lee-in", "s-nob", "s-pia", "s-anon", "s-uma"):
        add(RECOVERY_CODES, headers={"X-Session-Token": "{t:%s}" % name})
    for method, name, body in (("POST", "s-pia", ""), ("POST", "s-max", ""), ("POST", "s-nob", "{}"),
                               ("PUT", "s-pia", ""), ("PUT", "s-max", ""), ("OPTIONS", "s-pia", ""),
                               ("HEAD", "s-pia", ""), ("POST", "s-pia", "[]"), ("DELETE", "s-lee-in", ""),
                               ("POST", "s-lee-in", ""), ("GET", "s-lee-in", "")):
        add(RECOVERY_CODES, method, headers={"X-Session-Token": "{t:%s}" % name}, body=body)
    # pia reauthenticates by password: her codes shown (once marked viewed), made anew.
    add(REAUTH, "POST", headers={"X-Session-Token": "{t:s-pia}", "X-Forwarded-For": "10.12.0.1"},
        body=json.dumps({"password": PASSWORD}))
    for name in ("s-pia-old", "s-pia-x", "s-pia-new"):
        add(RECOVERY_CODES, headers={"X-Session-Token": "{t:%s}" % name})
    for method in ("GET", "GET"):
        add(RECOVERY_CODES, method, headers={"X-Session-Token": "{t:s-pia}"})
    add(RECOVERY_CODES, headers={"X-Session-Token": "{t:s-pia2}"})
    add(BROWSER_RECOVERY_CODES, headers={"Cookie": "sessionid={t:s-pia}"})
    mfa_totp_steps(add)
    # (last: codes made anew are random)
    add(RECOVERY_CODES, "POST", headers={"X-Session-Token": "{t:s-pia}"})
    add(BROWSER_RECOVERY_CODES, "POST", headers={"Cookie": "sessionid={t:s-pia}; csrftoken=" + CSRF_SECRET,
                                                 "X-CSRFToken": CSRF_SECRET})


def mfa_totp_steps(add):
    """The TOTP authenticator: shown, a secret to activate (random: Go's test leaves it
    out), activated with a code, deactivated (the recovery codes left alone going too),
    the user's addresses, the reauthentication, the failed codes' rate, the methods."""
    n = [0]

    def totp(name, method="GET", body="", headers=None):
        n[0] += 1
        h = {"X-Forwarded-For": "10.13.0.%d" % n[0]}
        if name:
            h["X-Session-Token"] = "{t:%s}" % name
        h.update(headers or {})
        add(TOTP, method, headers=h, body=body if isinstance(body, str) else json.dumps(body))

    for name in ("s-lee-in", "s-qin", "s-ria", "s-anon", None):
        totp(name)
    for body in ({}, {"code": "x"}, {"code": "000000"}, {"code": "{t:totp-0}"}, "[]"):
        totp("s-ria", "POST", body)
    for method in ("OPTIONS", "PUT", "PATCH", "HEAD"):
        totp("s-qin", method, "{}")
    totp("s-qin-sec", "POST", {"code": "  {t:totp-1s}"})
    totp("s-qin-sec")
    totp("s-qin-sec", "POST", {"code": "{t:totp-2}"})  # (the secret gone: a new one, random)
    for c in ("000000", "111111", "000001", "{t:totp-1}"):
        totp("s-qin", "POST", {"code": c})
    for name in ("s-pia2", "s-pia-new", "s-pia-new", "s-lee-in"):
        totp(name, "DELETE")
    totp("s-pia-new")
    add("/_allauth/browser/v1/account/authenticators/totp", headers={"Cookie": "sessionid={t:s-qin}"})
    add(AUTHENTICATORS, headers={"X-Session-Token": "{t:s-qin-sec}"})
    totp_probe_steps(add)


def totp_probe_setup(tokens):
    """For the TOTP authenticator, users 200 and on: session secrets of every type and
    form (s-ts-*, their codes tc-*), labels of every character (s-tl-*), two TOTP
    rows, authenticators of other types alongside."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    def reauth(pk):
        return {"account_authentication_methods_user": str(pk),
                "account_authentication_methods": [{"method": "password", "at": time.time(), "reauthenticated": True}]}
    counter = int(time.time()) // 30
    # odd session secrets
    for i, (name, secret) in enumerate((("none", None), ("empty", ""), ("int", 5), ("true", True), ("list", ["x"]),
                                        ("lower", TOTP_SECRET.lower()), ("pad", "MFRGG==="), ("bad", "JBSWY3DPEHPK3PX1"),
                                        ("short", "JBSWY3DPEHPK3PX"), ("uni", "JBSWY3DPEHPK3PX\u00c9"),
                                        ("space", " JBSWY3DPEHPK3PXP"), ("nl", "JBSWY3DP\nEHPK3PXP"), ("zero", 0),
                                        ("dict", {"a": 1}), ("mixed", "jbSWY3DPehPK3PXP"))):
        pk = 200 + i
        u = User.objects.create_user(pk=pk, username="ts-" + name, email="ts%d@example.com" % pk, password=PASSWORD)
        d = reauth(pk)
        d["mfa.totp.secret"] = secret
        tokens["s-ts-" + name] = new_session(u, data=d).session_key
        if isinstance(secret, str):
            try:
                tokens["tc-" + name] = format_hotp_value(hotp_value(secret, counter))
            except Exception:
                tokens["tc-" + name] = "123456"
    tokens["tc-int"] = "123456"
    # labels
    for i, (username, email) in enumerate((("l a/b?c#d%e", ""), ("ü", "Zoë Ünï@exämple.com"), ("x", "a b/c?d#e%f&g=h+i@ex.com"),
                                           ("", ""), ("y:z@w", None), ("tab\tnl", "  "), ("\U0001f600", "\U0001f600@x.org"))):
        pk = 220 + i
        u = User.objects.create_user(pk=pk, username=username or "tmp%d" % pk, password=PASSWORD)
        User.objects.filter(pk=pk).update(username=username)
        if email is not None:
            User.objects.filter(pk=pk).update(email=email)
            u.refresh_from_db()
        tokens["s-tl-%d" % i] = new_session(u).session_key
    # two TOTP rows, TOTP + webauthn + rc, TOTP alone + rc, TOTP exists + secret
    def mk(pk, name, types, data=None):
        u = User.objects.create_user(pk=pk, username=name, email=name + "@example.com", password=PASSWORD)
        for t in types:
            Authenticator.objects.create(user=u, type=t, data={"secret": TOTP_SECRET} if t == "totp" else
                                         ({"seed": "5eed" * 20, "used_mask": 0} if t == "recovery_codes" else {"name": "k", "credential": {}}))
        tokens["s-" + name] = new_session(u, data=dict(reauth(pk), **(data or {}))).session_key
        tokens["s-" + name + "-x"] = new_session(u).session_key
        return u
    mk(240, "tt-two", ["totp", "totp", "recovery_codes"])
    mk(241, "tt-web", ["webauthn", "totp", "recovery_codes"])
    mk(242, "tt-rc", ["recovery_codes", "totp"])
    mk(243, "tt-has", ["totp"], {"mfa.totp.secret": TOTP_SECRET})
    mk(244, "tt-none", [])
    mk(245, "tt-unv", [], {"mfa.totp.secret": TOTP_SECRET})
    EmailAddress.objects.create(user_id=245, email="tt-unv@example.com", verified=False, primary=True)
    mk(246, "tt-rl", [], {"mfa.totp.secret": TOTP_SECRET})
    mk(247, "tt-rl2", [], {"mfa.totp.secret": TOTP_SECRET})
    for i in range(6):
        mk(250 + i, "tt-ip%d" % i, [], {"mfa.totp.secret": TOTP_SECRET})
    mk(260, "tt-br", [], {"mfa.totp.secret": TOTP_SECRET})
    mk(261, "tt-only", ["totp", "recovery_codes"])
    mk(262, "tt-unvh", ["totp"])
    EmailAddress.objects.create(user_id=262, email="tt-unvh@example.com", verified=False, primary=True)
    mk(263, "tt-foo", ["totp", "recovery_codes"])
    Authenticator.objects.create(user_id=263, type="foo", data={})


def totp_probe_steps(add):
    """The users and sessions of totp_probe_setup through the TOTP endpoint: secrets of
    every form activated, labels, methods, bodies, rates, the browser client."""
    n = [0]

    def totp(name, method="GET", body="", headers=None, ip=None, path=TOTP):
        n[0] += 1
        h = {"X-Forwarded-For": ip or "10.14.%d.%d" % (n[0] // 200, n[0] % 200)}
        if name and path == TOTP:
            h["X-Session-Token"] = "{t:%s}" % name
        h.update(headers or {})
        add(path, method, headers=h, body=body if isinstance(body, str) else json.dumps(body))

    # odd session secrets
    for name in ("none", "empty", "int", "true", "list", "lower", "pad", "bad", "short", "uni", "space", "nl", "zero",
                 "dict", "mixed"):
        totp("s-ts-" + name, "POST", {"code": "{t:tc-%s}" % name})
        totp("s-ts-" + name, "GET")
    # labels
    for i in range(7):
        totp("s-tl-%d" % i)
    # codes of odd JSON types (unverified user: never consumes)
    for body in ({"code": ["x"]}, {"code": 123456}, {"code": []}, {"code": True}, {"code": None}, {"code": "\u0000"},
                 {"code": {}}, {"code": 1.5}, {"code": "  "}, {"codes": "x"}, {"code": "12345\u00e9"}):
        totp("s-tt-unv", "POST", body)
    for body in ({"code": ["x"]}, {"code": 123456}, {"code": True}, {"code": 1.5}):
        totp("s-tt-none", "POST", body)
    # methods
    for name in ("s-tt-only", "s-tt-none", "s-anon"):
        for method, body in (("get", ""), ("post", "{}"), ("head", ""), ("options", ""), ("delete", "[]"), ("Delete", "x"),
                             ("HEAD", "x"), ("GET", "x"), ("OPTIONS", "[]"), ("TRACE", ""), ("FOO", ""), ("PUT", "x"),
                             ("PATCH", "null"), ("POST", "null"), ("POST", "\"x\""), ("POST", "\xff"), ("CONNECT", "")):
            totp(name, method, body)
    # GET/HEAD of a user with TOTP but an unverified address, and without
    totp("s-tt-unvh")
    totp("s-tt-unvh", "HEAD")
    totp("s-tt-none", "HEAD")
    # two TOTP rows
    totp("s-tt-two")
    totp("s-tt-two", "DELETE")
    totp("s-tt-two")
    totp("s-tt-two", "DELETE")
    totp("s-tt-two")
    # DELETE with others / without reauth
    totp("s-tt-web-x", "DELETE")
    totp("s-tt-web", "DELETE")
    totp("s-tt-rc", "DELETE")
    totp("s-tt-foo", "DELETE")
    totp("s-tt-none", "DELETE")
    totp("s-tt-none-x", "DELETE")
    # POST while a TOTP exists
    totp("s-tt-has-x", "POST", {"code": "{t:totp-0}"})
    totp("s-tt-has", "POST", {"code": "{t:totp-0}"})
    totp("s-tt-has")
    # rate limit per key and its clearing (a valid code then a 401 for want of reauthentication)
    for c in ("000000", "000001", "{t:totp-0}", "000002", "000003", "000004", "000005", "{t:totp-0}"):
        totp("s-tt-rl-x", "POST", {"code": c})
    for c in ("000000", "000001", "000002", "{t:totp-0}", ""):
        totp("s-tt-rl2", "POST", {"code": c})
    # per IP
    for i in range(6):
        totp("s-tt-ip%d" % i, "POST", {"code": "000000"}, ip="10.99.0.1")
    totp("s-tt-ip0", "POST", {"code": "{t:totp-0}"}, ip="10.99.0.1")
    totp("s-tt-ip1", "POST", {"code": "{t:totp-0}"}, ip="10.99.0.2")
    totp("s-tt-unv", "POST", {"code": "000000"}, ip="10.99.0.1")
    totp("s-tt-unv", "POST", {}, ip="10.99.0.1")
    # browser
    B = "/_allauth/browser/v1/account/authenticators/totp"
    ck = "sessionid={t:s-tt-br}; csrftoken=" + CSRF_SECRET
    totp(None, "POST", {"code": "000000"}, headers={"Cookie": ck}, path=B)
    totp(None, "POST", {"code": "{t:totp-0}"}, headers={"Cookie": ck, "X-CSRFToken": CSRF_SECRET}, path=B)
    totp(None, "GET", headers={"Cookie": ck}, path=B)
    totp(None, "DELETE", headers={"Cookie": ck}, path=B)
    totp(None, "OPTIONS", headers={"Cookie": ck}, path=B)
    totp(None, "HEAD", headers={"Cookie": ck}, path=B)
    totp(None, "DELETE", headers={"Cookie": ck, "X-CSRFToken": CSRF_SECRET}, path=B)
    totp(None, "POST", "{}", headers={"Cookie": "csrftoken=" + CSRF_SECRET}, path=B)
    totp(None, "POST", "{}", headers={"Cookie": "csrftoken=" + CSRF_SECRET, "X-CSRFToken": CSRF_SECRET}, path=B)
    totp(None, "GET", headers={"Cookie": "sessionid={t:s-tl-1}"}, path=B)
    totp(None, "put", "{}", headers={"Cookie": ck, "X-CSRFToken": CSRF_SECRET}, path=B)


def mfa_probe_steps(add, tokens):
    """The sessions and users of mfa_probe_setup through the authenticators, recovery
    codes and password change endpoints: methods (lower case too), bodies, the browser
    client."""
    def h(name, extra=None):
        d = {"X-Session-Token": "{t:%s}" % name}
        d.update(extra or {})
        return d
    probe = sorted(n for n in tokens if n.startswith("s-p-"))
    for name in probe:
        add(RECOVERY_CODES, headers=h(name))
    for name in sorted(n for n in tokens if n.startswith("s-w-") or n.startswith("s-r-")):
        add(AUTHENTICATORS, headers=h(name))
        add(RECOVERY_CODES, headers=h(name))
    for name in ("s-r-v0", "s-r-vempty", "s-r-vstr", "s-r-two"):
        add(RECOVERY_CODES, headers=h(name))
    for name in ("s-rq", "s-rq-code", "s-rq-pw", "s-rr", "s-r-alone", "s-r-foo", "s-r-foo-x", "s-r-totponly-x",
                 "s-p-pend1", "s-p-rcode", "s-p-rcode0", "s-p-atbig", "s-p-attrue"):
        add(RECOVERY_CODES, "POST", headers=h(name), body="{}")
    add(AUTHENTICATORS, headers=h("s-r-two"))
    # methods and bodies
    for name in ("s-r-alone", "s-r-totponly", "s-r-totponly-x", "s-rq", "s-anon"):
        for method, body in (("GET", "not json"), ("PUT", "{}"), ("PATCH", "{}"), ("DELETE", ""), ("OPTIONS", "[]"), ("HEAD", ""),
                             ("TRACE", ""), ("POST", "null"), ("POST", '"x"'), ("POST", "{\"a\": 1}"),
                             ("FOO", "")):
            add(RECOVERY_CODES, method, headers=h(name), body=body)
    for name in ("s-rq", "s-anon", "s-nob"):
        for method, body in (("POST", "{}"), ("PATCH", "[]"), ("TRACE", ""), ("FOO", ""), ("GET", "[]"),
                             ("HEAD", "x"), ("OPTIONS", "")):
            add(AUTHENTICATORS, method, headers=h(name), body=body)
    # browser client
    cookie = "sessionid={t:s-rq}; csrftoken=" + CSRF_SECRET
    add(BROWSER_RECOVERY_CODES, "POST", headers={"Cookie": cookie}, body="{}")
    add(BROWSER_RECOVERY_CODES, "POST", headers={"Cookie": cookie, "X-CSRFToken": CSRF_SECRET}, body="{}")
    add(BROWSER_RECOVERY_CODES, "GET", headers={"Cookie": "sessionid={t:s-p-pend1}"})
    add(BROWSER_RECOVERY_CODES, "GET", headers={"Cookie": "sessionid={t:s-r-v0-x}"})
    add("/_allauth/browser/v1/account/authenticators", "POST", headers={"Cookie": cookie}, body="{}")
    add("/_allauth/browser/v1/account/authenticators", "GET", headers={"Cookie": "csrftoken=" + CSRF_SECRET})
    # lower-case methods
    for method in ("get", "options", "head", "put"):
        add(AUTHENTICATORS, method, headers=h("s-r-two"))
        add(RECOVERY_CODES, method, headers=h("s-r-v0"), body="{}")
    add(RECOVERY_CODES, "post", headers=h("s-r-mig0"), body="{}")
    add(RECOVERY_CODES, "Post", headers=h("s-r-alone"), body="{}")
    add(CHANGE, "post", headers=h("s-rq-pw"), body=json.dumps({"new_password": "rq-y-2026"}))
    # password change without a usable password
    for name in ("s-rq", "s-rq-code", "s-rr", "s-p-rcode", "s-rr-rcode", "s-rr-rcode2"):
        add(CHANGE, "GET", headers=h(name))
        add(CHANGE, "POST", headers=h(name), body="[]")
    add(CHANGE, "POST", headers=h("s-rq"), body=json.dumps({"new_password": "rq-new-pw-2026"}))
    add(CHANGE, "POST", headers=h("s-rr"), body=json.dumps({"new_password": "rr-new-pw-2026"}))
    add(CHANGE, "POST", headers=h("s-rq-code"), body=json.dumps({"new_password": "rq-new-pw-2026"}))
    add(BROWSER_CHANGE, "POST", headers={"Cookie": "sessionid={t:s-rq-pw}; csrftoken=" + CSRF_SECRET,
                                         "X-CSRFToken": CSRF_SECRET}, body=json.dumps({"new_password": "rq-x-2026"}))


def mfa_odd_setup(tokens):
    """Stashed logins made odd (s-x-*: each of a user of its own, c41 and on, with a TOTP
    authenticator: a user_pk allauth cannot read, in other digits, beyond 64 bits;
    signal_kwargs of other types; initiated_at True or a str; a stage's data of
    another type; stages not handled, one of them with a login code process started;
    handled values of other types; current a list), and authenticator rows of odd data
    (quinn, rita: a TOTP authenticator and a row that is no dict; sam, tia: migrated
    codes of other types; uma, vic, wes: used_mask True, a float, -1; xan, yve: floats,
    big ints and text that json.dumps writes back)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    cn = [40]

    def crafted(name, change, base=None):
        if base is None:
            cn[0] += 1
            u = User.objects.create_user(pk=cn[0], username="c%d" % cn[0], password=PASSWORD)
            Authenticator.objects.create(user=u, type="totp", data={"secret": TOTP_SECRET})
            base = u.username
        tok = pending_login(base)
        s = SessionStore(tok)
        st = s["account_login"]
        change(st)
        s["account_login"] = st
        s.save()
        tokens[name] = tok

    def setter(*path_value):
        *path, value = path_value

        def change(st):
            d = st
            for k in path[:-1]:
                d = d[k]
            if value is KeyError:
                d.pop(path[-1], None)
            else:
                d[path[-1]] = value
        return change

    crafted("s-x-pkbad", setter("user_pk", "!!"))
    crafted("s-x-pkuni", setter("user_pk", "\u0661"))
    crafted("s-x-pkbig", setter("user_pk", "zzzzzzzzzzzzz"))
    crafted("s-x-sk1", setter("signal_kwargs", 1))
    crafted("s-x-sk2", setter("signal_kwargs", {"sociallogin": {}}))
    crafted("s-x-sk3", setter("signal_kwargs", {"x": 1}))
    crafted("s-x-attrue", setter("initiated_at", True))
    crafted("s-x-atstr", setter("initiated_at", "5"))
    crafted("s-x-data5", setter("state", "stages", "mfa_authenticate", "data", 5))
    crafted("s-x-datanone", setter("state", "stages", "login_by_code", "data", None))

    def unhandle(lbc_data=None):
        def change(st):
            for k, v in st["state"]["stages"].items():
                if isinstance(v, dict):
                    v.pop("handled", None)
            if lbc_data is not None:
                st["state"]["stages"]["login_by_code"]["data"] = lbc_data
        return change
    crafted("s-x-unh", unhandle())
    crafted("s-x-lbc", unhandle({"x": 1}))
    crafted("s-x-h0", setter("state", "stages", "verify_email", "handled", 0))
    crafted("s-x-hlist", setter("state", "stages", "verify_email", "handled", [1]))
    crafted("s-x-cur", setter("state", "stages", "current", ["mfa_authenticate"]))
    # Odd authenticator rows.
    odd = {}
    for pk, name in ((21, "quinn"), (22, "rita"), (23, "sam"), (24, "tia"), (25, "uma"), (26, "vic"), (27, "wes"),
                     (28, "xan"), (29, "yve")):
        odd[name] = User.objects.create_user(pk=pk, username=name, password=PASSWORD)
    Authenticator.objects.create(user=odd["quinn"], type="totp", data={"secret": TOTP_SECRET})
    Authenticator.objects.create(user=odd["quinn"], type="recovery_codes", data=["x"])
    Authenticator.objects.create(user=odd["rita"], type="totp", data={"secret": TOTP_SECRET})
    Authenticator.objects.create(user=odd["rita"], type="webauthn", data=[1])
    Authenticator.objects.create(user=odd["sam"], type="recovery_codes",
                                 data={"migrated_codes": ["x", 12345678, "11112222"], "used_mask": 0})
    Authenticator.objects.create(user=odd["tia"], type="recovery_codes", data={"migrated_codes": "abc"})
    rc = Authenticator.objects.create(user=odd["uma"], type="recovery_codes",
                                      data={"seed": "ab" * 40, "used_mask": True, "name": "\u00e9\u2603",
                                            "f": 1e16, "g": 1.5, "viewed_at": 1701423602.7184925, "z": -0.0,
                                            "big": 2 ** 70, "e": 1e-7})
    for i, c in enumerate(RecoveryCodes(rc).generate_codes()):
        tokens["rc-uma-%d" % i] = c
    Authenticator.objects.create(user=odd["vic"], type="recovery_codes", data={"seed": "ab" * 40, "used_mask": 2.0})
    Authenticator.objects.create(user=odd["wes"], type="recovery_codes", data={"seed": "ab" * 40, "used_mask": -1})
    Authenticator.objects.create(user=odd["xan"], type="recovery_codes",
                                 data={"seed": "ab" * 40, "used_mask": 0, "n": 1e300, "m": 5e-324, "o": 0.1 + 0.2,
                                       "p": 1e22, "q": 123456789.0, "r": -1e-5, "s": "\u0000\ud7ff\U0001f600"})
    Authenticator.objects.create(user=odd["yve"], type="recovery_codes",
                                 data={"seed": "ab" * 40, "used_mask": 0, "d": 1, "d2": {"k": [1, None, True]}})
    tokens["s-quinn"] = pending_login("quinn")
    tokens["s-rita"] = pending_login("rita")
    for name in ("yve", "xan"):
        for i, c in enumerate(RecoveryCodes(Authenticator.objects.get(user=odd[name])).generate_codes()):
            tokens["rc-%s-%d" % (name, i)] = c
    for name in ("sam", "tia", "uma", "vic", "wes", "xan", "yve"):
        tokens["s-" + name] = new_session(odd[name]).session_key


def poster(add, net):
    """A step maker: post(path, session name or None, body, method, headers, ip), each
    step from a client address of its own in the /16 net (X-Forwarded-For), with the
    named session's token."""
    n = [0]

    def post(path, name, body, method="POST", headers=None, ip=None):
        n[0] += 1
        h = {"X-Forwarded-For": ip or "%s.%d.%d" % (net, n[0] // 200, n[0] % 200 + 1)}
        if name:
            h["X-Session-Token"] = "{t:%s}" % name
        h.update(headers or {})
        add(path, method, headers=h, body=body if isinstance(body, str) else json.dumps(body))
    return post


def mfa_steps(add):
    """The logins that wait for the second factor, the second factor's endpoints, and the
    reauthentication by a code."""
    post = poster(add, "10.9")

    def code(name):
        return "{t:%s}" % name

    csrf = {"X-CSRFToken": CSRF_SECRET}
    for body in ({"username": "lee", "password": PASSWORD}, {"email": "LEE@example.com", "password": PASSWORD},
                 {"username": "ned", "password": PASSWORD}, {"username": "max", "password": PASSWORD},
                 {"username": "lee", "password": "nope"}):
        post(LOGIN, None, body)
    post(LOGIN, "s-anon2", {"email": "lee@example.com", "password": PASSWORD})
    post(BROWSER_LOGIN, None, {"username": "lee", "password": PASSWORD},
         headers=dict(csrf, Cookie="sessionid={t:s-anon3}; csrftoken=" + CSRF_SECRET))
    for name in ("s-lee1", "s-ned1", "s-lee-old", "s-pat", "s-stash-phone", "s-stash-bad", "s-anon2"):
        add(SESSION, headers={"X-Session-Token": code(name)})
    add(BROWSER, headers={"Cookie": "sessionid={t:s-anon3}"})
    post(LOGIN, "s-anon2", {"username": "max", "password": PASSWORD})  # (no stage: the stashed login gone)
    # The second factor: a TOTP code once; a code of the period before, spaced; input
    # that is no code; the methods (PUT validates, and uses the code, then refuses);
    # recovery codes.
    post(AUTH_2FA, "s-lee1", {"code": code("totp-0")})
    post(AUTH_2FA, "s-lee2", {"code": code("totp-0")})
    post(AUTH_2FA, "s-lee2", {"code": code("totp-1s")})
    for body in ({}, {"code": None}, {"code": ""}, {"code": "  "}, {"code": "a\u0000"}, "[]", "nope", {"code": 123456},
                 {"code": code("totp-far")}, {"code": "\u00e9" + code("rc-lee-5")}, {"code": ["x"]}):
        post(AUTH_2FA, "s-lee3", body)
    for method in ("GET", "OPTIONS", "DELETE", "HEAD"):
        post(AUTH_2FA, "s-lee3", {"code": "x"}, method)
    post(AUTH_2FA, "s-lee3", {"code": code("rc-lee-0")}, "PUT")
    post(AUTH_2FA, "s-lee3", {"code": code("rc-lee-0")})
    post(AUTH_2FA, "s-lee3", {"code": code("rc-lee-1d")})
    post(AUTH_2FA, "s-lee3", {"code": code("rc-lee-2")})
    post(AUTH_2FA, "s-ned1", {"code": code("totp-0")})
    for name in ("s-anon", "s-gina", "s-pending", "s-lee-old", "s-stash-phone", "s-stash-bad", None, "nope"):
        post(AUTH_2FA, name, {"code": "123456"})
    post(AUTH_2FA, "s-pat", {})
    post(AUTH_2FA, "s-pat", {"code": "123456"})
    cookie = "sessionid={t:s-lee6}; csrftoken=" + CSRF_SECRET
    post(BROWSER_AUTH_2FA, None, {"code": code("rc-lee-3")}, headers={"Cookie": cookie})
    post(BROWSER_AUTH_2FA, None, {"code": code("rc-lee-4")}, headers=dict(csrf, Cookie=cookie))
    post(BROWSER_AUTH_2FA, None, {"code": code("rc-lee-5")}, headers=dict(csrf, Cookie=cookie))
    # Reauthentication by a code.
    post(REAUTH_2FA, "s-max", {"code": code("rc-max-1")})
    post(REAUTH_2FA, "s-max", {"code": code("rc-max-0")})
    post(REAUTH_2FA, "s-max", {"code": code("rc-max-1")})
    for c in ("22223333", "11112222", "11112222", " 33334444"):
        post(REAUTH_2FA, "s-oli", {"code": c})
    post(REAUTH_2FA, "s-lee-in", {"code": code("totp-2")})
    post(REAUTH_2FA, "s-gina", {"code": "123456"})
    for name in ("s-anon", None, "s-pending"):
        post(REAUTH_2FA, name, {"code": "123456"})
    for method in ("GET", "OPTIONS", "PUT"):
        post(REAUTH_2FA, "s-max", {"code": "1"}, method)
    post(BROWSER_REAUTH_2FA, None, {"code": code("rc-max-3")},
         headers=dict(csrf, Cookie="sessionid={t:s-max}; csrftoken=" + CSRF_SECRET))
    # The failed codes of one user (3 per 5 minutes), from several clients: the fourth
    # is refused, even the right code.
    for c in ("000000", "11111111", "x", code("rc-lee-6")):
        post(AUTH_2FA, "s-lee4", {"code": c})
    post(AUTH_2FA, "s-lee5", {"code": code("rc-lee-7")})
    post(REAUTH_2FA, "s-lee-in", {"code": code("rc-lee-7")})
    # The odd stashed logins and authenticators.
    for name in ("s-x-pkbad", "s-x-pkuni", "s-x-pkbig", "s-x-sk1", "s-x-sk2", "s-x-sk3", "s-x-attrue", "s-x-atstr",
                 "s-x-data5", "s-x-datanone", "s-x-unh", "s-x-lbc", "s-x-h0", "s-x-hlist", "s-x-cur", "s-quinn",
                 "s-rita"):
        add(SESSION, headers={"X-Session-Token": code(name)})
        post(AUTH_2FA, name, {})
        post(AUTH_2FA, name, {"code": code("totp-0")})
        add(SESSION, headers={"X-Session-Token": code(name)})
    for c in ("\t" + code("rc-yve-1") + "\n", "\uff11\uff12", "\u00a0" + code("rc-yve-2"), code("rc-yve-3"), True,
              12.0, code("rc-yve-4"), {"a": 1}, " %s " % code("rc-yve-5")):
        post(REAUTH_2FA, "s-yve", {"code": c})
    for c in ("11112222", "x"):
        post(REAUTH_2FA, "s-sam", {"code": c})
    for c in ("zz", "a"):
        post(REAUTH_2FA, "s-tia", {"code": c})
    for c in (code("rc-uma-0"), code("rc-uma-1")):
        post(REAUTH_2FA, "s-uma", {"code": c})
    post(REAUTH_2FA, "s-vic", {"code": "1"})
    post(REAUTH_2FA, "s-wes", {"code": "1"})
    post(REAUTH_2FA, "s-xan", {"code": code("rc-xan-3")})
    post(REAUTH_2FA, "s-yve", {"code": "1"})
    mfa_mixed_steps(post, add, code, csrf)


def mfa_mixed_steps(post, add, code, csrf):
    """The sessions of mfa_mixed_setup through the session, login, second-factor and
    reauthentication endpoints; the failed logins of one client by password and by
    code."""
    def sess(name, method="GET", headers=None):
        h = {"X-Session-Token": code(name)}
        h.update(headers or {})
        add(SESSION, method, headers=h)
    # A logged-in session with a stash at the second factor: of its own user, of another.
    sess("s-y-same")
    post(AUTH_2FA, "s-y-same", {"code": code("rc-zed-0")})
    sess("s-y-same")
    sess("s-y-other")
    post(AUTH_2FA, "s-y-other", {"code": code("rc-zoe-0")})
    # A logged-in session whose stash waits at verify_email; an anonymous one.
    for n in ("s-y-ve", "s-y-ve-anon"):
        sess(n)
        post(AUTH_2FA, n, {"code": "123456"})
        post(REAUTH_2FA, n, {"code": "123456"})
        add(BROWSER_AUTH_2FA, "POST", headers=dict(csrf, Cookie="sessionid={t:%s}; csrftoken=%s" % (n, CSRF_SECRET)),
            body=json.dumps({"code": "1"}))
    # Logout of a session with a stash (app, browser); the browser's GET.
    sess("s-y-del", "DELETE")
    sess("s-y-del")
    add(BROWSER, headers={"Cookie": "sessionid={t:s-y-bget}"})
    add(BROWSER, "DELETE", headers=dict(csrf, Cookie="sessionid={t:s-y-bdel}; csrftoken=" + CSRF_SECRET))
    add(BROWSER, headers={"Cookie": "sessionid={t:s-y-bdel}"})
    # LoginView with a stash present: the same user, another one needing the second
    # factor, another one not.
    post(LOGIN, "s-y-relog", {"username": "zia", "password": PASSWORD})
    sess("s-y-relog")
    post(LOGIN, "s-y-relog2", {"username": "zed", "password": PASSWORD})
    post(LOGIN, "s-y-relog3", {"username": "erin", "password": PASSWORD})
    post(LOGIN, "s-y-relog", {"username": "zia", "password": "nope"})
    # reauthentication of an anonymous session with a stash
    post(REAUTH_2FA, "s-y-reauth", {"code": "123456"})
    post(REAUTH, "s-y-reauth", {"password": PASSWORD})
    # methods
    for m in ("PATCH", "HEAD", "GET", "OPTIONS", "PUT", "DELETE"):
        post(AUTH_2FA, "s-y-reauth", {"code": "1"}, m)
        post(REAUTH_2FA, "s-y-reauth", {"code": "1"}, m)
        post(REAUTH_2FA, "s-nob", {"code": "1"}, m)
    # reauthentication: no authenticator, WebAuthn alone
    post(REAUTH_2FA, "s-nob", {"code": "123456"})
    post(REAUTH_2FA, "s-wyn", {"code": "123456"})
    post(REAUTH_2FA, "s-nob", {})
    # per-ip interplay: password failures then the 2fa's, one ip
    for i in range(4):
        post(LOGIN, None, {"username": "nobody-r2-%d" % i, "password": "x"}, ip="10.77.0.1")
    post(AUTH_2FA, "s-y-rate", {"code": "000000"}, ip="10.77.0.1")
    post(AUTH_2FA, "s-y-rate", {"code": "000001"}, ip="10.77.0.1")
    post(AUTH_2FA, "s-y-rate", {"code": code("rc-zara-0")}, ip="10.77.0.1")
    post(LOGIN, None, {"username": "erin", "password": PASSWORD}, ip="10.77.0.1")
    # a success clears the key's count and the ip's?
    post(AUTH_2FA, "s-y-rate2", {"code": "000000"}, ip="10.77.0.2")
    post(AUTH_2FA, "s-y-rate2", {"code": code("rc-zeb-0")}, ip="10.77.0.2")
    post(LOGIN, None, {"username": "nobody-r2-x", "password": "x"}, ip="10.77.0.2")
    # browser 2fa for a logged-in session with a stash
    post(BROWSER_AUTH_2FA, None, {"code": code("rc-zola-0")},
         headers=dict(csrf, Cookie="sessionid={t:s-y-browser-in}; csrftoken=" + CSRF_SECRET))


def steps(tokens):
    out = []

    def add(p, method="GET", headers=None, body="", content_type="application/json"):
        out.append({"method": method, "path": p, "headers": headers or {}, "content_type": content_type,
                    "body": body})

    sessions = sorted(n for n in tokens if n.startswith("s-"))
    for name in sessions + ["nope", "", "short", "{t:a-alice}", " {t:s-alice}"]:
        for p in ("/api/session/", "/api/session-strict/", "/api/any/"):
            add(p, headers={"X-Session-Token": "{t:%s}" % name if name in tokens else name})
    scheme = (CONFIG.get("headless") or {}).get("JWT_AUTHORIZATION_HEADER_SCHEME", "Bearer")
    jwts = sorted(n for n in tokens if n[:2] in ("a-", "r-"))
    for name in jwts:
        for p in ("/api/jwt/", "/api/any/"):
            add(p, headers={"Authorization": "%s {t:%s}" % (scheme, name)})
    good = "{t:a-alice}"
    for h in ("", scheme, scheme + " ", scheme.lower() + " " + good, scheme.upper() + " " + good,
              "  %s\t%s " % (scheme, good), "%s %s x" % (scheme, good), "Token " + good, scheme + " \u00e9",
              scheme + " nope", "Bearer " + good, "JWT " + good):
        add("/api/jwt/", headers={"Authorization": h})
        add("/api/any/", headers={"Authorization": h})
    add("/api/any/", headers={"X-Session-Token": "{t:s-carol}", "Authorization": "%s %s" % (scheme, good)})
    add("/api/any/", headers={"X-Session-Token": "nope", "Authorization": "%s %s" % (scheme, good)})
    add("/api/any/")
    # The refresh endpoint.
    for name in jwts:
        add(REFRESH, "POST", body=json.dumps({"refresh_token": "{t:%s}" % name}))
    for body in ("", "{}", "[]", "null", "not json", '{"refresh_token": null}', '{"refresh_token": ""}',
                 '{"refresh_token": "  "}', '{"refresh_token": 12}', '{"refresh_token": true}',
                 '{"refresh_token": []}', '{"refresh_token": {}}', '{"refresh_token": [1]}',
                 '{"refresh_token": "a\\u0000b"}', '{"refresh_token": "x"}', "\ufeff{}", '{"refresh_token": NaN}',
                 '{"refresh_token": "x", "refresh_token": "{t:r-bob}"}', '{"refresh_token": "\\ud800"}',
                 '{"refresh_token": "x", "n": 1%s}' % ("0" * 4300), '{"refresh_token": "x", "n": 1%s}' % ("0" * 4299)):
        add(REFRESH, "POST", body=body)
    for method in ("GET", "PUT", "OPTIONS", "HEAD", "DELETE", "PATCH"):
        add(REFRESH, method)
        add(REFRESH, method, body='{"refresh_token": "x"}')
    add(REFRESH, "POST", body='{"refresh_token": "x"}', content_type="text/plain")
    add(REFRESH, "POST", headers={"X-Session-Token": "nope"}, body='{"refresh_token": "x"}')
    add(REFRESH, "POST", headers={"X-Session-Token": "{t:s-alice}"}, body='{"refresh_token": "x"}')
    add(REFRESH, "POST", headers={"X-Session-Token": "{t:s-carol}"}, body='{"refresh_token": "x"}')
    add(REFRESH, "POST", headers={"Authorization": "%s {t:a-alice}" % scheme}, body='{"refresh_token": "x"}')
    add(REFRESH, "POST", headers={"Authorization": "%s {t:a-gone}" % scheme}, body='{"refresh_token": "x"}')
    # Rotation: the second refresh with the same token, then the others after it.
    for name in ("r-alice2", "r-alice2", "  {t:r-alice}\n", "r-bob", "r-carol", "r-alice"):
        tok = name if "{" in name else "{t:%s}" % name
        add(REFRESH, "POST", body=json.dumps({"refresh_token": tok}))
    # After the refreshes: the sessions again, and allauth's session endpoint.
    for name in sessions:
        add("/api/session/", headers={"X-Session-Token": "{t:%s}" % name})
    for name in sessions + ["nope"]:
        add(SESSION, headers={"X-Session-Token": "{t:%s}" % name})
    for name in ("a-alice", "a-anon", "a-gone", "a-expired", "a-bob"):
        add(SESSION, headers={"Authorization": "%s {t:%s}" % (scheme, name)})
    for h in ("%s\u00a0{t:a-alice}", "%s\x85{t:a-alice}", "%s\x1f{t:a-alice}", " %s  {t:a-alice}\t", "%s {t:a-alice} x",
              "%s", "%s {t:a-alice},%s {t:a-alice}"):
        add(SESSION, headers={"Authorization": h.replace("%s", scheme)})
    for method in ("HEAD", "OPTIONS", "PUT", "POST", "PATCH"):
        add(SESSION, method, headers={"X-Session-Token": "{t:s-alice}"})
    add(SESSION, "POST", headers={"X-Session-Token": "{t:s-alice}"}, body="[1]")
    add(SESSION, "DELETE", headers={"X-Session-Token": "{t:s-alice}"}, body="nope")
    add(SESSION)
    add(SESSION, "DELETE")
    # The browser client's session endpoint, with the session's cookie.
    for name in sessions + ["nope"]:
        add(BROWSER, headers={"Cookie": "sessionid={t:%s}" % name})
    add(BROWSER)
    add(BROWSER, headers={"Cookie": "sessionid={t:s-alice}; csrftoken=" + CSRF_SECRET})
    for method in ("HEAD", "OPTIONS", "PUT", "POST"):
        add(BROWSER, method, headers={"Cookie": "sessionid={t:s-alice}"})
        add(BROWSER, method, headers={"Cookie": "sessionid={t:s-alice}; csrftoken=" + CSRF_SECRET,
                                      "X-CSRFToken": CSRF_SECRET})
    add(BROWSER, "DELETE", headers={"Cookie": "sessionid={t:s-erin}"})
    add(BROWSER, "DELETE", headers={"Cookie": "sessionid={t:s-erin}; csrftoken=" + CSRF_SECRET, "X-CSRFToken": "x" * 32})
    add(BROWSER, "DELETE", headers={"Cookie": "sessionid={t:s-erin}; csrftoken=" + CSRF_SECRET,
                                    "X-CSRFToken": CSRF_SECRET})
    add(BROWSER, headers={"Cookie": "sessionid={t:s-erin}"})
    # Logouts.
    for name in ("s-alice2", "s-alice2", "s-anon", "s-bob"):
        add(SESSION, "DELETE", headers={"X-Session-Token": "{t:%s}" % name})
    add(SESSION, "DELETE", headers={"Authorization": "%s {t:a-alice}" % scheme})
    for name in ("s-alice", "s-alice2", "s-anon"):
        add(SESSION, headers={"X-Session-Token": "{t:%s}" % name})
    add(REFRESH, "POST", body=json.dumps({"refresh_token": "{t:r-alice2}"}))
    login_steps(add)
    reauth_steps(add)
    for h in ({}, {"X-Session-Token": "{t:s-kim}"}, {"X-Session-Token": "nope"}):
        add(CONFIG_URL, headers=h)
    for method, body in (("POST", "[]"), ("POST", "{}"), ("OPTIONS", ""), ("HEAD", ""), ("DELETE", "")):
        add(CONFIG_URL, method, body=body)
    add("/_allauth/browser/v1/config", headers={"Cookie": "sessionid={t:s-kim}"})
    password_steps(add)
    mfa_steps(add)
    mfa_manage_steps(add)
    mfa_probe_steps(add, tokens)
    code_steps(add)
    reauth_code_steps(add)
    code_review_steps(add)
    if RESET_BY_CODE:
        reset_code_steps(add)
    else:
        reset_steps(add)
    verify_steps(add)
    if BY_CODE:
        verify_code_steps(add)
    elif MANDATORY:
        verify_login_steps(add)
    signup_steps(add)
    manage_steps(add)
    if USERSESSIONS:
        sessions_steps(add)
    return out


def sessions_steps(add):
    """allauth.usersessions' endpoint: mem's sessions listed, ended (another one, then
    the current one: logged out), the input's errors."""
    post = poster(add, "10.79")

    def sessions(name, method, body):
        post(SESSIONS, name, body, method)

    sessions("s-mem", "GET", "")
    for body in ({}, {"sessions": []}, {"sessions": "1"}, {"sessions": 5}, {"sessions": 0}, {"sessions": [999]},
                 {"sessions": ["abc"]}, {"sessions": [1.5]}, {"sessions": [None]}, {"sessions": [[1]]},
                 {"sessions": ["a\u0000"]}, {"sessions": [True]}, {"sessions": [" 1"]}, "[]"):
        sessions("s-mem", "DELETE", body)
    sessions("s-mem", "DELETE", '{"sessions": [{t:us-mem2}]}')
    sessions("s-mem", "DELETE", '{"sessions": {"{t:us-mem2}": 1}}')  # (gone now)
    sessions("s-mem", "OPTIONS", "")
    sessions("s-mem", "PUT", "")
    sessions("s-mem2", "GET", "")
    sessions(None, "GET", "")
    post(BROWSER_SESSIONS, None, "", "GET", headers={"Cookie": "sessionid={t:s-mem3}"})
    post(BROWSER_SESSIONS, None, '{"sessions": [{t:us-mem3}]}', "DELETE", headers={"Cookie": "sessionid={t:s-mem3}"})
    sessions("s-mem", "DELETE", '{"sessions": ["{t:us-mem}", {t:us-mem3}]}')  # (the current one among them)
    sessions("s-mem", "GET", "")


def manage_setup(tokens):
    """ManageEmailView's users (pks 520 to 531), each logged in (s-NAME) but mef and
    mej, who never logged in: mea (a verified primary address, an unverified one), meb
    (two verified, the first primary), mec (one unverified primary, in capitals on the
    user's row), med (two unverified), mee (the rate's), meg (a verification by code
    pending for an address not stored), meh (the browser's), mei (no address), mek (a
    verification by code too old), mel (a verified primary address, to change); anonymous sessions at a signup's verification by
    code: s-mef (mef's unverified primary address), s-mef2 (its changes used up),
    s-mef3 (too old), s-mef4 (of a user who logged in), s-mef5 (mej's, account_already_exists)."""
    from allauth.account.models import EmailAddress

    u = {}
    for pk, name, email in ((520, "mea", "mea@example.com"), (521, "meb", "meb1@example.com"),
                            (522, "mec", "MEC@example.com"), (523, "med", ""), (524, "mee", ""), (525, "mef", "mef@example.com"),
                            (526, "meg", ""), (527, "meh", "meh@example.com"), (528, "mei", ""), (529, "mej", "mej@example.com"),
                            (530, "mek", ""), (531, "mel", "mel@example.com")):
        u[name] = User.objects.create_user(pk=pk, username=name, email=email, password=PASSWORD)
    for user, email, verified, primary in (("mea", "mea@example.com", True, True), ("mea", "mea2@example.com", False, False),
                                           ("meb", "meb1@example.com", True, True), ("meb", "meb2@example.com", True, False),
                                           ("mec", "mec@example.com", False, True), ("med", "med1@example.com", False, False),
                                           ("med", "med2@example.com", False, False), ("mef", "mef@example.com", False, True),
                                           ("meh", "meh@example.com", True, True), ("mej", "mej@example.com", False, True),
                                           ("mel", "mel@example.com", True, True)):
        EmailAddress.objects.create(user=u[user], email=email, verified=verified, primary=primary)

    def process(user, email, **change):
        state = {"at": time.time(), "failed_attempts": 0, "resend_count": 0, "change_count": 0, "email": email,
                 "user_id": str(user.pk), "code": "BCDF-GHJK"}
        state.update(change)
        return {"account_email_verification_code": state}

    for name in ("mea", "meb", "mec", "med", "mee", "meh", "mei", "mel"):
        tokens["s-" + name] = new_session(u[name]).session_key
    tokens["s-meg"] = new_session(u["meg"], data=process(u["meg"], "Meg-New@example.com")).session_key
    tokens["s-mek"] = new_session(u["mek"], data=process(u["mek"], "mek@example.com", at=time.time() - 3600)).session_key
    tokens["s-mef"] = new_session(data=process(u["mef"], "mef@example.com")).session_key
    tokens["s-mef2"] = new_session(data=process(u["mej"], "mej@example.com", change_count=2)).session_key
    tokens["s-mef3"] = new_session(data=process(u["mej"], "mej@example.com", at=time.time() - 3600)).session_key
    tokens["s-mef4"] = new_session(data=process(u["mea"], "mea2@example.com")).session_key
    tokens["s-mef5"] = new_session(data=process(u["mej"], "mej@example.com", account_already_exists=True)).session_key
    if USERSESSIONS:  # (mem, pk 532, logged in three times through the app: s-mem, s-mem2, s-mem3, their rows us-*)
        from allauth.usersessions.models import UserSession
        User.objects.create_user(pk=532, username="mem", password=PASSWORD)
        for name in ("s-mem", "s-mem2", "s-mem3"):
            tokens[name] = app_login("mem")["session_token"]
            tokens["us" + name[1:]] = str(UserSession.objects.get(session_key=tokens[name]).pk)


def manage_steps(add):
    """The email addresses' endpoint: listed, added (errors: invalid, duplicate, another
    account's, too many), verification mailed again (the rate), made primary, removed;
    the pending verification by code listed, sent again and dropped; an anonymous
    signup's change of address; reauthentication; the "manage_email" rate; the
    browser's."""
    post = poster(add, "10.78")

    def email(name, method, body):
        post(MANAGE, name, body, method)

    email("s-mea", "GET", "")
    for body in ({}, {"email": "not an email"}, {"email": "MEA2@example.com"}, {"email": "alice@example.com"},
                 {"email": " New.Mea@Example.com "}):
        email("s-mea", "POST", body)
    email("s-mea", "PUT", {"email": "mea2@example.com"})
    email("s-mea", "PUT", {"email": "mea2@example.com"})  # (the address's rate)
    email("s-mea", "PATCH", {"email": "mea2@example.com", "primary": True})
    email("s-mea", "GET", "")
    post(REAUTH, "s-meb", {"password": PASSWORD})  # (ACCOUNT_REAUTHENTICATION_REQUIRED: meb's changes taken)
    for body in ({"email": "mea@example.com"}, {"email": "mea@example.com", "primary": "false"}, {"primary": 1},
                 {"email": "nobody@example.com", "primary": True}, {"email": "bad", "primary": 0}):
        email("s-meb", "PATCH", body)
    email("s-meb", "PATCH", {"email": "MEB2@example.com", "primary": "yes"})
    email("s-meb", "DELETE", {"email": "meb2@example.com"})  # (now primary)
    email("s-meb", "DELETE", {"email": "meb1@example.com"})
    email("s-meb", "GET", "")
    email("s-mec", "DELETE", {"email": "mec@example.com"})  # (the last, not for logins by email alone)
    email("s-mec", "DELETE", {"email": "mec@example.com"})
    email("s-med", "PATCH", {"email": "med2@example.com", "primary": True})  # (none verified)
    email("s-med", "DELETE", {"email": "med1@example.com"})
    email("s-med", "PUT", {"email": "med2@example.com"})
    for method, body in (("OPTIONS", ""), ("HEAD", ""), ("GET", "not json"), ("PUT", "not json"), ("DELETE", "[]"),
                         ("TRACE", ""), ("PUT", {"email": "x@example.com"}), ("POST", {"email": "a\u0000@example.com"}),
                         ("DELETE", {"email": ["mea@example.com"]}), ("PUT", {"email": None}), ("DELETE", {"email": "x" * 400}),
                         ("PUT", {"email": "nobody@example.com"})):
        email("s-mee", method, body)  # (the eleventh: the rate used up)
    email("s-meg", "GET", "")
    email("s-meg", "PUT", {"email": "meg-new@example.com"})
    email("s-meg", "PATCH", {"email": "meg-new@example.com", "primary": True})
    email("s-meg", "GET", "")
    email("s-meg", "DELETE", {"email": "MEG-NEW@example.com"})
    email("s-meg", "GET", "")
    email("s-mek", "GET", "")
    # (ACCOUNT_CHANGE_EMAIL: the second address in place of the first; once verified, the
    # only one, the old one told)
    email("s-mel", "POST", {"email": "mel-new@example.com"})
    email("s-mel", "POST", {"email": "Mel-New2@example.com"})
    email("s-mel", "GET", "")
    post(VERIFY, "s-mel", {"key": "{t:code}" if BY_CODE else "{t:vkey}"})
    email("s-mel", "GET", "")
    email("s-mei", "POST", {"email": "mei@example.com"})
    email("s-mei", "GET", "")
    # (by code: the address added once its code is taken, the user's primary one)
    post(VERIFY, "s-mei", "", "GET", headers={"X-Email-Verification-Key": "{t:code}"})
    post(VERIFY, "s-mei", {"key": "{t:code}"})
    email("s-mei", "GET", "")
    email("s-zero", "GET", "")
    for name in (None, "s-anon", "nope"):
        email(name, "GET", "")
        email(name, "POST", {"email": "x@example.com"})
    for name in ("s-mef2", "s-mef3", "s-mef4", "s-mef5"):
        email(name, "POST", {"email": "mefx@example.com"})
    for name in ("s-mef3", "s-mef5"):
        add(SESSION, headers={"X-Session-Token": "{t:%s}" % name})
    email("s-mef", "GET", "")
    email("s-mef", "PUT", {"email": "mef@example.com"})
    for body in ({"email": "mef@example.com"}, {"email": "bad"}, {}, {"email": "MEF-new@example.com"},
                 {"email": "mef-new@example.com"}, {"email": "alice@example.com"}, {"email": "mef-3@example.com"}):
        email("s-mef", "POST", body)
    add(SESSION, headers={"X-Session-Token": "{t:s-mef}"})
    csrf = {"X-CSRFToken": CSRF_SECRET, "Cookie": "sessionid={t:s-meh}; csrftoken=" + CSRF_SECRET}
    post(BROWSER_MANAGE, None, {"email": "meh2@example.com"}, headers={"Cookie": "sessionid={t:s-meh}"})
    post(BROWSER_MANAGE, None, {"email": "meh2@example.com"}, headers=csrf)
    post(BROWSER_MANAGE, None, "", "GET", headers={"Cookie": "sessionid={t:s-meh}"})


def signup_steps(add):
    """Signups: a user made (with an address, without), logged in or waiting for the
    address's verification; the fields' errors (taken, blacklisted, invalid, too long,
    short passwords), the methods, a logged-in session, the browser's."""
    post = poster(add, "10.77")
    pw = "a-good-pass-123"

    def signup(name, headers=None, **body):
        post(SIGNUP, name, body, headers=headers)

    signup("s-su1", username="newbie", email="New.Bie@Example.com", password=pw)
    signup(None, username="NEWBIE", email="x1@example.com", password=pw)
    signup(None, username="n b", email="alice@example.com", password="short")
    signup(None, username="", password="")
    signup(None)
    signup(None, username="x" * 151, email="not-an-email", password=pw)
    signup(None, username="ok\u00e9_user.1", password=pw)
    signup(None, username="null\u0000", email="a\u0000@example.com", password=pw + "\u0000")
    signup(None, username="Bad!", email="bad@example.com", password="12345678")
    signup(None, username="admin-ish", email="NEW.BIE@example.com", password=pw)
    signup(None, username="mailless", password="another-good-pass-9")
    signup(None, username="twice", email="Twice@example.com", email2="twice@EXAMPLE.com", password=pw)
    signup(None, username="twice2", email="twice2@example.com", email2="other@example.com", password="short")
    signup(None, username="twice3", email="alice@example.com", email2="other@example.com", password=pw)
    signup(None, username="twice4", email="twice4@example.com", email2="bad", password=pw)
    signup(None, username=" spaced ", email=" spaced@example.com ", password=" " + pw + " ")
    signup(None, username=5, email=["x@example.com"], password={"a": 1})
    signup("s-kim", username="kimsnew", email="kimsnew@example.com", password=pw)
    # (without a username field: made up from the address, "kim" taken)
    signup(None, username="madeup1", email="O'Brien+X@example.com", password=pw)
    signup(None, username="madeup2", email="kim@elsewhere.example", password=pw)
    for method in ("GET", "PUT", "OPTIONS", "HEAD"):
        post(SIGNUP, None, {"username": "m" + method.lower(), "password": pw}, method)
    post(SIGNUP, None, "not json")
    post(SIGNUP, None, "not json", "PUT")  # (input of a POST alone)
    csrf = {"X-CSRFToken": CSRF_SECRET, "Cookie": "csrftoken=" + CSRF_SECRET}
    post(BROWSER_SIGNUP, None, {"username": "browsie", "email": "browsie@example.com", "password": pw}, headers=csrf)
    post(BROWSER_SIGNUP, None, {"username": "browsie2", "email": "browsie2@example.com", "password": pw},
         headers={"Cookie": "csrftoken=" + CSRF_SECRET})


def reauth_code_steps(add):
    """The reauthentication by a code mailed to a verified address (rv's: b@y.org,
    A@y.org, _@y.org, \u00e9@y.org): asked for, resent, confirmed; bad input and phones
    (rw, rx: the "reauthenticate" rate, 8 a minute per user, used up); the rate per
    address; processes made up."""
    post = poster(add, "10.7")
    post(REAUTH_CODE_REQUEST, "s-rv1", {"email": "a@Y.org"})
    post(REAUTH_CODE_CONFIRM, "s-rv1", {"code": "BBBB-BBBB"})
    post(REAUTH_CODE_CONFIRM, "s-rv1", {"code": "{t:code}"})
    post(REAUTH_CODE_CONFIRM, "s-rv1", {"code": "{t:code}"})
    bad = [{"email": "0@w.org"}, {}, {"email": ""}, {"email": "b@w.org", "phone": "+15555550123"},
           {"phone": "+15555550123"}, {"phone": "123"}, {"phone": "+\u0661\u0662\u0663\u0664\u0665\u0666"},
           {"email": "nope"}, "[]", {"phone": "+1555555\u0000"}]
    for body in bad[:7]:
        post(REAUTH_CODE_REQUEST, "s-rw", body)
    for body in bad[7:]:
        post(REAUTH_CODE_REQUEST, "s-rx", body)
    for method in ("GET", "OPTIONS", "PUT", "DELETE", "POST", "POST", "POST"):
        post(REAUTH_CODE_REQUEST, "s-rx", {"email": "b@v.org"}, method)
    for name in ("s-anon", None):
        post(REAUTH_CODE_REQUEST, name, {"email": "b@y.org"})
        post(REAUTH_CODE_CONFIRM, name, {"code": "x"})
        post(REAUTH_CODE_RESEND, name, "")
    # Resent twice, then refused; the last code taken.
    post(REAUTH_CODE_REQUEST, "s-rv2", {"email": "A@y.org"})
    for method in ("GET", "POST", "POST", "POST"):
        post(REAUTH_CODE_RESEND, "s-rv2", "", method)
    post(REAUTH_CODE_CONFIRM, "s-rv2", {"code": "{t:code}"})
    post(REAUTH_CODE_RESEND, "s-rv2", "")
    # The rate per address (3 a minute).
    for name in ("s-rv2", "s-rv1", "s-rv3", "s-rv3"):
        post(REAUTH_CODE_REQUEST, name, {"email": "B@y.org"})
    # The processes made up: a code written otherwise; another user's address; states
    # allauth fails on or drops.
    post(REAUTH_CODE_CONFIRM, "s-rv-made", {"code": " abc 123"})
    post(REAUTH_CODE_CONFIRM, "s-rv-other", {"code": "ABC123"})
    for name in ("s-rv-bad", "s-rv-zero", "s-rv-old", "s-rv-fa2"):
        post(REAUTH_CODE_CONFIRM, name, {"code": "x"})
        post(REAUTH_CODE_RESEND, name, "")
    post(REAUTH_CODE_CONFIRM, "s-rv-fa2", {"code": "ABC123"})
    add(SESSION, headers={"X-Session-Token": "{t:s-rv1}"})
    cookie = "sessionid={t:s-rv-br}; csrftoken=" + CSRF_SECRET
    csrf = {"X-CSRFToken": CSRF_SECRET, "Cookie": cookie}
    add("/_allauth/browser/v1/auth/reauthenticate/code/request", "POST", headers=csrf, body=json.dumps({"email": "_@y.org"}))
    add("/_allauth/browser/v1/auth/reauthenticate/code/resend", "POST", headers=csrf)
    add("/_allauth/browser/v1/auth/reauthenticate/code/confirm", "POST", headers=csrf, body=json.dumps({"code": "{t:code}"}))
    add(BROWSER, headers={"Cookie": cookie})


def reauth_code_setup(tokens):
    """rv (pk 300): verified addresses b@y.org, A@y.org, _@y.org, \u00e9@y.org, and
    0@y.org not verified; logged in (s-rv1 to s-rv3, s-rv-br), and with processes made
    up: s-rv-made (code ABC123, to b@y.org), s-rv-other (to another's address), s-rv-bad
    (no time), s-rv-zero (0), s-rv-old (too old), s-rv-fa2 (two wrong codes already).
    rw and rx (pks 301, 302; b@w.org and b@v.org verified, 0@w.org not) logged in: s-rw,
    s-rx."""
    from allauth.account.models import EmailAddress

    rv = User.objects.create_user(pk=300, username="rv", password=PASSWORD)
    for email, verified in (("b@y.org", True), ("A@y.org", True), ("_@y.org", True), ("\u00e9@y.org", True),
                            ("0@y.org", False)):
        EmailAddress.objects.create(user=rv, email=email, verified=verified, primary=False)
    for name in ("s-rv1", "s-rv2", "s-rv3", "s-rv-br"):
        tokens[name] = new_session(rv).session_key
    made = {"at": time.time(), "failed_attempts": 0, "resend_count": 0, "change_count": 0, "email": "b@y.org",
            "user_id": "300", "code": "ABC123"}
    for name, state in (("s-rv-made", made), ("s-rv-other", dict(made, email="z@z.org")), ("s-rv-bad", {"x": 1}),
                        ("s-rv-zero", 0), ("s-rv-old", dict(made, at=time.time() - 1000)),
                        ("s-rv-fa2", dict(made, failed_attempts=2))):
        tokens[name] = new_session(rv, data={"account_email_reauthentication_code": state}).session_key
    for pk, name, addresses in ((301, "rw", (("b@w.org", True), ("0@w.org", False))), (302, "rx", (("b@v.org", True),))):
        u = User.objects.create_user(pk=pk, username=name, password=PASSWORD)
        for email, verified in addresses:
            EmailAddress.objects.create(user=u, email=email, verified=verified, primary=False)
        tokens["s-" + name] = new_session(u).session_key


def code_stash(pk36, email, by_user=True, **data):
    """A login waiting at the login_by_code stage as allauth stashes it (asked for by
    the user, or met by a password login), its code BCDF-GHJK; data changes its state."""
    state = {"at": time.time(), "failed_attempts": 0, "resend_count": 0, "change_count": 0, "email": email,
             "user_id": str(int(pk36, 36)), "initiated_by_user": by_user, "code": "BCDF-GHJK"}
    for k, v in data.items():
        if v is None:
            state.pop(k, None)
        else:
            state[k] = v
    stages = {"current": "login_by_code", "login_by_code": {"data": state}}
    if not by_user:
        stages = {"login_by_code": {"data": dict(state, login_by_code_required=True)}, "verify_phone": {"data": {}},
                  "verify_email": {"data": {}}, "mfa_authenticate": {"data": {}}, "current": "login_by_code"}
    return {"account_login": {"user_pk": pk36, "email_verification": "none", "signup": False, "redirect_url": None,
                              "email": email if by_user else None, "phone": None, "signal_kwargs": None,
                              "state": {"stages": stages}, "initiated_at": time.time()}}


def code_setup(tokens):
    """Sessions for the login by code: anonymous ones (s-c1 to s-c11), and logins waiting
    for a code (made up): s-cok (alice), s-cfa2 (two wrong codes already), s-cold (a code
    too old), s-cnoat (no time), s-cexit and s-cexit-lee (met by a password login: alice,
    and lee, whose second factor follows), s-cgone (a user gone), s-cuniq (ivy, by the
    address hal shares), s-codd (odd counts)."""
    for i in range(1, 12):
        tokens["s-c%d" % i] = new_session(data={"cart": i}).session_key
    for name, stash in (("s-cok", code_stash("1", "alice@example.com")),
                        ("s-cfa2", code_stash("1", "alice@example.com", failed_attempts=2)),
                        ("s-cold", code_stash("1", "alice@example.com", at=time.time() - 1000)),
                        ("s-cnoat", code_stash("1", "alice@example.com", at=None)),
                        ("s-cexit", code_stash("1", "alice@example.com", by_user=False)),
                        ("s-cexit-lee", code_stash("b", "lee@example.com", by_user=False)),
                        ("s-cgone", code_stash("4", "dave@example.com")),
                        ("s-cuniq", code_stash("9", "shared@example.com")),
                        ("s-codd", code_stash("1", "al@example.com", failed_attempts=True, resend_count=1.5,
                                              initiated_by_user=1))):
        tokens[name] = new_session(data=stash).session_key
    # Crafted further: no user_pk (the state's user_id read instead), a user_id that is
    # no integer, a code of None or 0, an address that is an int (one that is a list,
    # which allauth would mail, Go does not), bob (inactive) asking or met by a password
    # login, alice's logged-in session.
    def crafted(pk36, email, by_user=True, login=None, **state):
        stash = code_stash(pk36, email, by_user=by_user)
        st = stash["account_login"]["state"]["stages"]["login_by_code"]["data"]
        st.update(state)
        stash["account_login"].update(login or {})
        return stash

    for name, stash in (("s-cnopk", crafted("1", "alice@example.com", login={"user_pk": None})),
                        ("s-cnopk2", crafted("1", "alice@example.com", login={"user_pk": None})),
                        ("s-cnopk3", crafted("1", "alice@example.com", by_user=False, login={"user_pk": None})),
                        ("s-cbaduid", crafted("1", "alice@example.com", user_id="abc", login={"user_pk": None})),
                        ("s-cnullcode", crafted("1", "alice@example.com", code=None)),
                        ("s-czerocode", crafted("1", "alice@example.com", code=0)),
                        ("s-cintmail", crafted("1", 5, login={"user_pk": None})),
                        ("s-cbob", crafted("2", "bob@example.com")),
                        ("s-cbob2", crafted("2", "bob@example.com", by_user=False)),
                        ("s-cnoinit", crafted("1", "alice@example.com")),
                        ("s-cintmail2", crafted("1", 5)),
                        ("s-cinput", crafted("1", "alice@example.com", failed_attempts=-10)),
                        ("s-cstale", crafted("1", "alice@example.com", login={"initiated_at": time.time() - 4000})),
                        ("s-cstale2", crafted("1", "alice@example.com", login={"initiated_at": 0}))):
        if name == "s-cnoinit":
            stash["account_login"]["state"]["stages"]["login_by_code"]["data"].pop("initiated_by_user")
        if name in ("s-cstale", "s-cstale2"):
            stash["account_authentication_methods"] = [{"method": "password", "at": time.time()}]
            stash["account_authentication_methods_user"] = "1"
        if name == "s-cintmail":
            stash["account_login"]["state"]["stages"]["login_by_code"]["data"].pop("user_id")
        tokens[name] = new_session(data=stash).session_key
    tokens["s-calice"] = new_session(User.objects.get(pk=1)).session_key


def code_review_setup(tokens):
    """A review's users (pks 200 to 206) and sessions: rqa has a TOTP authenticator and
    recovery codes (rc-rqa-N) and an unverified address of hers (not primary); rqb a
    verified primary address and an unverified one; rqc an unverified address and her
    own email in capitals; rqe an unverified address another user (rqf) has verified;
    rqg an unverified address alone. Anonymous sessions s-rq1 to s-rq8; logins crafted
    at the login_by_code stage: s-rqgone (asked for by a user gone, no address),
    s-rqnomail (alice's, no address), s-rqmand* (met by a password login, with
    email_verification "mandatory": the login's email an int; another address; rqe's
    address that cannot be verified; rqg's), s-rqdata (rqa's, her second factor's data
    no dict)."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    u = {}
    for pk, name, email in ((200, "rqa", "rqa@example.com"), (201, "rqb", "rqb@example.com"),
                            (202, "rqc", "RQC@Example.COM"), (204, "rqe", ""), (205, "rqf", ""), (206, "rqg", "")):
        u[name] = User.objects.create_user(pk=pk, username=name, email=email, password=PASSWORD)
    Authenticator.objects.create(user=u["rqa"], type="totp", data={"secret": TOTP_SECRET})
    rc = Authenticator.objects.create(user=u["rqa"], type="recovery_codes", data={"seed": "7a" * 40, "used_mask": 0})
    for i, c in enumerate(RecoveryCodes(rc).generate_codes()):
        tokens["rc-rqa-%d" % i] = c
    for user, email, verified, primary in ((u["rqa"], "rqa@example.com", False, False),
                                           (u["rqb"], "rqb@example.com", True, True),
                                           (u["rqb"], "rqb2@example.com", False, False),
                                           (u["rqc"], "rqc@example.com", False, False),
                                           (u["rqf"], "rqe@example.com", True, True),
                                           (u["rqe"], "rqe@example.com", False, False),
                                           (u["rqg"], "rqg@example.com", False, False)):
        EmailAddress.objects.create(user=user, email=email, verified=verified, primary=primary)
    for i in range(1, 9):
        tokens["s-rq%d" % i] = new_session(data={"cart": i}).session_key

    def crafted(pk36, email, by_user=True, login=None, drop=(), **state):
        stash = code_stash(pk36, email, by_user=by_user)
        st = stash["account_login"]["state"]["stages"]["login_by_code"]["data"]
        st.update(state)
        for k in drop:
            st.pop(k, None)
        stash["account_login"].update(login or {})
        return stash

    mand = {"email_verification": "mandatory"}
    for name, stash in (("s-rqgone", crafted("4", None, drop=("email",))),
                        ("s-rqnomail", crafted("1", None, drop=("email",))),
                        ("s-rqmand", crafted("1", "alice@example.com", by_user=False, login=dict(mand, email=5))),
                        ("s-rqmand2", crafted("1", "alice@example.com", by_user=False,
                                              login=dict(mand, email="al@example.com"))),
                        ("s-rqmand3", crafted("5o", "rqe@example.com", by_user=False, login=mand)),
                        ("s-rqmand4", crafted("5q", "rqg@example.com", by_user=False, login=mand)),
                        ("s-rqdata", crafted("5k", "rqa@example.com", by_user=False))):
        if name == "s-rqdata":
            stash["account_login"]["state"]["stages"]["mfa_authenticate"]["data"] = 5
        tokens[name] = new_session(data=stash).session_key


def reset_key(user):
    """A password reset link's key for user, as allauth makes it."""
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str
    return user_pk_to_url_str(user) + "-" + default_token_generator.make_token(user)


def reset_setup(tokens):
    """The password reset's users (pks 400 to 407): pra (a verified primary address;
    logged in: s-pra, s-pra2), prb (her own address, no row), prc
    (inactive), prd (a TOTP authenticator), pre and prf (one unverified address), prg
    (her key stale once she logs in; logged in: s-prg), prh (the browser's), pri
    (logged in: s-pri), prj (the browser's, logged in: s-prj). Keys
    made by allauth: k-pra, k-prc, k-prd, k-prg (stale), k-prh; anonymous sessions
    s-pr1 to s-pr9."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from django.utils import timezone

    u = {}
    for pk, name, email, active in ((400, "pra", "pra@example.com", True), (401, "prb", "prb@example.com", True),
                                    (402, "prc", "prc@example.com", False), (403, "prd", "prd@example.com", True),
                                    (404, "pre", "", True), (405, "prf", "", True), (406, "prg", "prg@example.com", True),
                                    (407, "prh", "prh@example.com", True), (408, "pri", "pri@example.com", True),
                                    (409, "prj", "prj@example.com", True)):
        u[name] = User.objects.create_user(pk=pk, username=name, email=email, password=PASSWORD, is_active=active)
    for user, email, verified, primary in ((u["pra"], "pra@example.com", True, True),
                                           (u["prc"], "prc@example.com", True, True),
                                           (u["prd"], "prd@example.com", True, True),
                                           (u["pre"], "prshared@example.com", False, False),
                                           (u["prf"], "prshared@example.com", False, False),
                                           (u["prg"], "prg@example.com", False, False),
                                           (u["pri"], "pri@example.com", True, True)):
        EmailAddress.objects.create(user=user, email=email, verified=verified, primary=primary)
    Authenticator.objects.create(user=u["prd"], type="totp", data={"secret": TOTP_SECRET})
    for name in ("pra", "prc", "prd", "prg", "prh"):
        tokens["k-" + name] = reset_key(u[name])
    User.objects.filter(pk=406).update(last_login=timezone.now())  # (prg's key goes stale)
    tokens["s-pra"] = new_session(u["pra"]).session_key
    tokens["s-pra2"] = new_session(u["pra"]).session_key
    tokens["s-prg"] = new_session(User.objects.get(pk=406)).session_key
    tokens["s-pri"] = new_session(u["pri"]).session_key
    tokens["s-prj"] = new_session(u["prj"]).session_key
    for i in range(1, 10):
        tokens["s-pr%d" % i] = new_session(data={"cart": i}).session_key
    # A review's users (pks 420 to 433): rra to rrf (their own address, no row: a
    # token's timestamp read in odd forms syncs it), rrg (an address in capitals whose
    # row allauth added lowercased), rrh (an address in capitals, no row), rri (no
    # usable password), rrj (a key's uid in odd forms), rrk (two addresses).
    for pk, name, email in ((420, "rra", "rra@example.com"), (421, "rrb", "rrb@example.com"),
                            (422, "rrc", "rrc@example.com"), (423, "rrd", "rrd@example.com"),
                            (424, "rre", "rre@example.com"), (425, "rrf", "rrf@example.com"),
                            (426, "rrg", "RrG@Example.com"), (427, "rrh", "RrH@Example.com"),
                            (428, "rri", "rri@example.com"), (432, "rrj", "rrj@example.com"),
                            (433, "rrk", "rrk@example.com")):
        u[name] = User.objects.create_user(pk=pk, username=name, email=email, password=PASSWORD)
    u["rri"].set_unusable_password()
    u["rri"].save()
    for user, email, verified, primary in ((u["rri"], "rri@example.com", True, True),
                                           (u["rrj"], "rrj@example.com", True, True),
                                           (u["rrk"], "rrk@example.com", True, True),
                                           (u["rrk"], "rrk2@example.com", False, False)):
        EmailAddress.objects.create(user=user, email=email, verified=verified, primary=primary)
    tokens["k-rrg"] = reset_key(u["rrg"])
    k = reset_key(u["rrj"])
    _, _, sub = k.partition("-")
    tokens["k-rrj"] = k
    for tag, uid in (("up", "C0"), ("zero", "000c0"), ("us", "c_0"), ("plus", "+c0"), ("ar", "c\u0660"),
                     ("sp", "c0 "), ("ws", "\u3000c0"), ("long", "00000000000c0"), ("long2", "000000000000c0")):
        tokens["k-rrj-" + tag] = uid + "-" + sub
    tokens["s-rr1"] = new_session(u["rrk"]).session_key
    for i in range(2, 6):
        tokens["s-rr%d" % i] = new_session(data={"cart": i}).session_key
    # Password resets by code, made up: too old, no time, no dict, confirmed already
    # (prd's, whose second factor follows), no address.
    def crafted(pk, email, drop=(), **change):
        state = {"at": time.time(), "failed_attempts": 0, "resend_count": 0, "change_count": 0, "email": email,
                 "user_id": str(pk), "code": "BCDF-GHJK"}
        state.update(change)
        for k in drop:
            state.pop(k)
        return {"account_password_reset_verification": state}

    for name, data in (("s-prx-old", crafted(400, "pra@example.com", at=time.time() - 1000)),
                       ("s-prx-noat", crafted(400, "pra@example.com", drop=("at",))),
                       ("s-prx-str", {"account_password_reset_verification": "x"}),
                       ("s-prx-done", crafted(403, "prd@example.com", code_confirmed=True)),
                       ("s-prx-nomail", crafted(405, None, drop=("email",))),
                       ("s-prx-gone", crafted(4, "dave@example.com"))):
        tokens[name] = new_session(data=data).session_key
    # A second review's (users 440 to 452): rca (an unverified address, no primary),
    # rcb and rcc (verified; rcb logged in: s-rcb, s-rcb2), rcd (unverified) and rce
    # (verified) sharing an address, rcf (inactive), rcg to rck (crafted processes),
    # rcl (asks twice), rcm (no usable password, logged in with a process).
    rc = {}
    for pk, name, active in ((440, "rca", True), (441, "rcb", True), (442, "rcc", True), (443, "rcd", True),
                             (444, "rce", True), (445, "rcf", False), (446, "rcg", True), (447, "rch", True),
                             (448, "rci", True), (449, "rcj", True), (450, "rck", True), (451, "rcl", True),
                             (452, "rcm", True)):
        rc[name] = User.objects.create_user(pk=pk, username=name, email=name + "@example.com", password=PASSWORD,
                                            is_active=active)
    for name, email, verified, primary in (("rca", "rca@example.com", False, False),
                                           ("rcb", "rcb@example.com", True, True),
                                           ("rcc", "rcc@example.com", True, True),
                                           ("rcd", "rcshared@example.com", False, False),
                                           ("rce", "rcshared@example.com", True, True),
                                           ("rcf", "rcf@example.com", False, False),
                                           ("rcg", "rcg@example.com", False, False),
                                           ("rch", "rch@example.com", False, False),
                                           ("rci", "rci@example.com", False, False),
                                           ("rcl", "rcl@example.com", True, True)):
        EmailAddress.objects.create(user=rc[name], email=email, verified=verified, primary=primary)
    rc["rcm"].set_unusable_password()
    rc["rcm"].save()
    tokens["s-rcb"] = new_session(rc["rcb"]).session_key
    tokens["s-rcb2"] = new_session(rc["rcb"]).session_key
    tokens["s-rcm"] = new_session(rc["rcm"], data=crafted(440, "rca@example.com")).session_key
    tokens["s-rcm-old"] = new_session(rc["rcm"], data=crafted(440, "rca@example.com", at=1.0)).session_key
    for i in range(1, 6):
        tokens["s-rc%d" % i] = new_session(data={"cart": i}).session_key
    for name, data in (("s-rc-uniq", crafted(443, "RCshared@example.com")),
                       ("s-rc-inactive", crafted(445, "rcf@example.com")),
                       ("s-rc-inactive2", crafted(445, "rcf@example.com")),
                       ("s-rc-nomail", crafted(446, None, drop=("email",))),
                       ("s-rc-nonemail", crafted(447, None)),
                       ("s-rc-nonemail-done", crafted(447, None, code_confirmed=True)),
                       ("s-rc-intmail-done", crafted(448, 5, code_confirmed=True)),
                       ("s-rc-emptymail-done", crafted(448, "", code_confirmed=True)),
                       ("s-rc-fa-str", crafted(449, "rcj@example.com", failed_attempts="0")),
                       ("s-rc-fa-float", crafted(449, "rcj@example.com", failed_attempts=3.5)),
                       ("s-rc-fa-bool", crafted(449, "rcj@example.com", failed_attempts=True)),
                       ("s-rc-fa-none", crafted(449, "rcj@example.com", failed_attempts=None)),
                       ("s-rc-fa-miss", crafted(449, "rcj@example.com", drop=("failed_attempts",))),
                       ("s-rc-fa-big", crafted(449, "rcj@example.com", failed_attempts=10 ** 30)),
                       ("s-rc-code-int", crafted(449, "rcj@example.com", code=5)),
                       ("s-rc-code-none", crafted(449, "rcj@example.com", code=None)),
                       ("s-rc-code-empty", crafted(449, "rcj@example.com", code="")),
                       ("s-rc-code-miss", crafted(449, "rcj@example.com", drop=("code",))),
                       ("s-rc-uid-int", crafted(449, "rcj@example.com", user_id=449)),
                       ("s-rc-uid-bool", crafted(449, "rcj@example.com", user_id=True)),
                       ("s-rc-uid-float", crafted(449, "rcj@example.com", user_id=449.0)),
                       ("s-rc-uid-sp", crafted(449, "rcj@example.com", user_id=" 449 ")),
                       ("s-rc-uid-bad", crafted(449, "rcj@example.com", user_id="abc")),
                       ("s-rc-uid-zero", crafted(449, "rcj@example.com", user_id="0")),
                       ("s-rc-uid-list", crafted(449, "rcj@example.com", user_id=[449])),
                       ("s-rc-at-str", crafted(449, "rcj@example.com", at="1")),
                       ("s-rc-at-bool", crafted(449, "rcj@example.com", at=True)),
                       ("s-rc-at-big", crafted(449, "rcj@example.com", at=10 ** 30)),
                       ("s-rc-at-huge", crafted(449, "rcj@example.com", at=10 ** 400)),
                       ("s-rc-at-none", crafted(449, "rcj@example.com", at=None)),
                       ("s-rc-old", crafted(449, "rcj@example.com", at=time.time() - 1000)),
                       ("s-rc-extra", crafted(450, "rck@example.com", extra={"a": [1, 2]}, phone="+1")),
                       ("s-rc-empty", {"account_password_reset_verification": {}}),
                       ("s-rc-list", {"account_password_reset_verification": [1]}),
                       ("s-rc-zero", {"account_password_reset_verification": 0})):
        tokens[name] = new_session(data=data).session_key


def verify_setup(tokens):
    """The verification by link's users (pks 460 to 467): vea (an unverified address,
    no primary), veb (a verified primary one and an unverified one), vec (an address
    ved verified: taken), vee (a TOTP authenticator, an unverified address), vef (no
    address left), veg (the browser's), veh and vei (an unverified address). Keys made
    by allauth: v-vea, v-veb2, v-vec, v-vee, v-veg, v-veh, v-vei, v-old (expired), v-verified (a verified address), v-gone (a row
    deleted), v-str (the id as a str), v-none; logins waiting at verify_email (met by a
    password login): s-vl-vea, s-vl-vee, s-vl-veb (another user's key taken), s-vl-in
    (a logged-in session's); anonymous sessions s-ve1 to s-ve5."""
    from unittest import mock
    from allauth.account.models import EmailAddress, EmailConfirmationHMAC
    from allauth.mfa.models import Authenticator
    from django.core import signing

    u = {}
    for pk, name in ((460, "vea"), (461, "veb"), (462, "vec"), (463, "ved"), (464, "vee"), (465, "vef"), (466, "veg"),
                     (467, "veh"), (468, "vei")):
        u[name] = User.objects.create_user(pk=pk, username=name, email="", password=PASSWORD)
    rows = {}
    for key, user, email, verified, primary in (("vea", "vea", "vea@example.com", False, False),
                                                ("veb", "veb", "veb@example.com", True, True),
                                                ("veb2", "veb", "veb2@example.com", False, False),
                                                ("vec", "vec", "shared-v@example.com", False, False),
                                                ("ved", "ved", "shared-v@example.com", True, True),
                                                ("vee", "vee", "vee@example.com", False, False),
                                                ("vef", "vef", "vef@example.com", False, False),
                                                ("veg", "veg", "veg@example.com", False, False),
                                                ("veh", "veh", "veh@example.com", False, False),
                                                ("vei", "vei", "vei@example.com", False, False)):
        rows[key] = EmailAddress.objects.create(user=u[user], email=email, verified=verified, primary=primary)
    Authenticator.objects.create(user=u["vee"], type="totp", data={"secret": TOTP_SECRET})

    def made(row, age=0.0):
        """A key of the row's: EmailConfirmationHMAC's, or with
        ACCOUNT_EMAIL_CONFIRMATION_HMAC off a row of EmailConfirmation's, sent age
        seconds ago (None: never)."""
        if HMAC:
            with mock.patch("time.time", return_value=time.time() - age):
                return EmailConfirmationHMAC(row).key
        from allauth.account.models import EmailConfirmation
        from django.utils import timezone
        c = EmailConfirmation.create(row)
        if age is not None:
            c.sent = timezone.now() - datetime.timedelta(seconds=age)
            c.save()
        return c.key

    for name in ("vea", "veb2", "vec", "vee", "veg", "veh", "vei"):
        tokens["v-" + name] = made(rows[name])
    tokens["v-verified"] = made(rows["veb"])
    tokens["v-gone"] = made(rows["vef"])
    rows["vef"].delete()
    tokens["v-old"] = made(rows["vea"], 4 * 86400)
    tokens["v-last"] = made(rows["vea"], 3 * 86400 - 600)  # (good for ten minutes more)
    if not HMAC:
        tokens["v-unsent"] = made(rows["vei"], None)
        tokens["v-vec-upper"] = tokens["v-vec"].upper()
    tokens["v-str"] = signing.dumps(str(rows["vea"].pk), salt="account")
    tokens["v-none"] = signing.dumps(None, salt="account")

    def waiting(user, email):
        stash = code_stash(int_to_b36(user.pk), email, by_user=False)
        st = stash["account_login"]["state"]["stages"]
        st["login_by_code"] = {"data": {}, "handled": True}
        st["verify_phone"] = {"data": {}, "handled": True}
        st["current"] = "verify_email"
        stash["account_login"]["email_verification"] = "mandatory"
        stash["account_authentication_methods"] = [{"method": "password", "at": time.time()}]
        stash["account_authentication_methods_user"] = str(user.pk)
        return stash

    tokens["s-vl-vea"] = new_session(data=waiting(u["vea"], "vea@example.com")).session_key
    tokens["s-vl-vee"] = new_session(data=waiting(u["vee"], "vee@example.com")).session_key
    tokens["s-vl-veb"] = new_session(data=waiting(u["veb"], "veb2@example.com")).session_key
    tokens["s-vl-in"] = new_session(u["veb"], data=waiting(u["veb"], "veb2@example.com")).session_key
    for i in range(1, 6):
        tokens["s-ve%d" % i] = new_session(data={"cart": i}).session_key
    vr_setup(tokens, waiting)


def vr_setup(tokens, waiting):
    """A review's: users 470 to 489 (vra...), odd keys v-vr-*, crafted logins s-vr*."""
    from allauth.account.models import EmailAddress, EmailConfirmationHMAC
    from allauth.mfa.models import Authenticator
    from django.core import signing

    names = ["vra", "vrb", "vrc", "vrd", "vre", "vrf", "vrg", "vrh", "vri", "vrj", "vrk", "vrl", "vrm", "vrn",
             "vro", "vrp", "vrq", "vrr", "vrs", "vrt"]
    u = {n: User.objects.create_user(pk=470 + i, username=n, email="", password=PASSWORD) for i, n in enumerate(names)}
    u["vrk"].is_active = False
    u["vrk"].save()
    rows = {}
    for key, user, email, verified, primary in (
            ("vra", "vra", "vra@example.com", False, False),
            ("vrb", "vrb", "VRB@Example.COM", False, False),
            ("vrc", "vrc", "vrc-shared@example.com", False, False),
            ("vrd", "vrd", "VRC-Shared@example.com", True, True),
            ("vre1", "vre", "vre1@example.com", True, False),
            ("vre2", "vre", "vre2@example.com", False, False),
            ("vrf1", "vrf", "vrf1@example.com", False, True),
            ("vrf2", "vrf", "vrf2@example.com", False, False),
            ("vrg", "vrg", "vrg@example.com", False, False)) + tuple(
            (n, n, n + "@example.com", False, False) for n in names[7:]):
        rows[key] = EmailAddress.objects.create(user=u[user], email=email, verified=verified, primary=primary)
    for n in ("vrl", "vrm", "vrn"):
        Authenticator.objects.create(user=u[n], type="totp", data={"secret": TOTP_SECRET})
    for k, r in rows.items():
        tokens["v-" + k] = EmailConfirmationHMAC(r).key
    pk = rows["vra"].pk
    s = str(pk)
    for name, obj in (("float", float(pk)), ("half", pk + 0.5), ("true", True), ("false", False), ("big", 2 ** 70),
                      ("big40", 2 ** 40), ("neg", -pk), ("sp", " %d\n" % pk), ("us", s[0] + "_" + s[1:]),
                      ("plus", "+" + s), ("uni", "".join(chr(0x660 + int(c)) for c in s)), ("dec", s + ".0"),
                      ("empty", ""), ("list", [pk]), ("bigstr", str(2 ** 70)), ("negbig", -2 ** 64),
                      ("nan", float("nan")), ("inf", float("inf")), ("dict", {"pk": pk}), ("exp", float(pk) * 1.0)):
        tokens["v-vr-" + name] = signing.dumps(obj, salt="account")
    tokens["v-vr-comp"] = signing.dumps(" " * 300 + s, salt="account", compress=True)
    tokens["v-vr-salt"] = signing.dumps(pk, salt="other")
    tokens["v-vr-key"] = signing.dumps(pk, key="another-secret", salt="account")
    tokens["v-vr-gpost"] = signing.dumps(float(rows["vrg"].pk) + 0.25, salt="account")
    tokens["v-vr-gstr"] = signing.dumps(" %d " % rows["vrg"].pk, salt="account")

    def w(user, email, **kw):
        stash = waiting(user, email)
        lg = stash["account_login"]
        for k, v in kw.items():
            if k == "stages":
                lg["state"]["stages"].update(v)
            elif k in ("account_authentication_methods", "account_authentication_methods_user"):
                stash[k] = v
            else:
                lg[k] = v
        return stash

    class Anon:
        pk = 0
    t = time.time()
    crafted = {
        "s-vr-nouser": w(u["vrh"], "vrh@example.com", user_pk=None),
        "s-vr-gone": w(u["vri"], "vri@example.com", user_pk="zzzz"),
        "s-vr-bad36": w(u["vri"], "vri@example.com", user_pk="!!"),
        "s-vr-lbc": w(u["vrj"], "vrj@example.com", stages={"login_by_code": {"data": {}}}),
        "s-vr-inactive": w(u["vrk"], "vrk@example.com"),
        "s-vr-pwl": w(u["vrl"], "vrl@example.com", account_authentication_methods=[
            {"method": "mfa", "type": "webauthn", "passwordless": True, "at": t}]),
        "s-vr-pwl2": w(u["vrm"], "vrm@example.com", account_authentication_methods=[
            {"method": "mfa", "type": "webauthn", "passwordless": True, "at": t}, {"method": "password", "at": t}]),
        "s-vr-mfadone": w(u["vrn"], "vrn@example.com", stages={"mfa_authenticate": {"data": {}, "handled": True}}),
        "s-vr-recdict": w(u["vro"], "vro@example.com", account_authentication_methods={"method": "password"}),
        "s-vr-vestage": w(u["vrp"], "vrp@example.com", stages={"verify_email": 5}),
        "s-vr-br": w(u["vrq"], "vrq@example.com"),
        "s-vr-phone": w(u["vrr"], "vrr@example.com", stages={"verify_phone": {"data": {}}}),
        "s-vr-old": w(u["vrs"], "vrs@example.com", initiated_at=t - 86400),
        "s-vr-recuser": w(u["vrt"], "vrt@example.com", account_authentication_methods_user="1"),
        "s-vr-init0": w(u["vrg"], "vrg@example.com", initiated_at=0),
        "s-vr-initstr": w(u["vrg"], "vrg@example.com", initiated_at="5"),
        "s-vr-statenone": w(u["vrg"], "vrg@example.com", state=None),
        "s-vr-vedata": w(u["vrg"], "vrg@example.com", stages={"verify_email": {"data": 5}}),
        "s-vr-novekey": w(u["vrg"], "vrg@example.com"),
    }
    del crafted["s-vr-novekey"]["account_login"]["state"]["stages"]["verify_email"]
    for name, data in crafted.items():
        tokens[name] = new_session(data=data).session_key
    tokens["s-vr-in"] = new_session(u["vrf"], data=w(u["vrf"], "vrf1@example.com")).session_key
    for i in range(1, 5):
        tokens["s-vr%d" % i] = new_session(data={"cart": 70 + i}).session_key


def int_to_b36(n):
    from django.utils.http import int_to_base36
    return int_to_base36(n)


def verify_steps(add):
    """The verification by link: keys read and taken (by a login waiting for them, with
    ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION, or none), bad, expired and taken ones, odd
    ids, the methods."""
    post = poster(add, "10.74")

    def sess(name):
        add(SESSION, headers={"X-Session-Token": "{t:%s}" % name})

    def key(name, value, method="GET", headers=None):
        post(VERIFY, name, "", method, headers=dict(headers or {}, **{"X-Email-Verification-Key": value}))

    key("s-vl-vea", "{t:v-vea}")
    key("s-ve1", "{t:v-vea}")
    post(VERIFY, "s-vl-vea", {"key": "{t:v-vea}"})
    sess("s-vl-vea")
    key("s-ve1", "{t:v-vea}")
    post(VERIFY, "s-vl-vee", {"key": "{t:v-vee}"})
    sess("s-vl-vee")
    post(VERIFY, "s-vl-veb", {"key": "{t:v-veh}"})
    sess("s-vl-veb")
    post(VERIFY, "s-vl-in", {"key": "{t:v-veb2}"})
    sess("s-vl-in")
    for value in ("", " ", "x", "{t:v-old}", "{t:v-last}", "{t:v-verified}", "{t:v-gone}", "{t:v-none}", "{t:v-vec}x",
                  " {t:v-vec} "):
        key("s-ve2", value)
    if not HMAC:  # (the table's keys: lowercased; one never sent, allauth's failed assertion)
        key("s-ve2", "{t:v-vec-upper}")
        key("s-ve2", "{t:v-unsent}")
    key("s-ve2", "{t:v-str}")
    for body in ({}, {"key": None}, {"key": 5}, {"key": ["{t:v-vec}"]}, "[]", "x", ""):
        post(VERIFY, "s-ve3", body)
    for method in ("OPTIONS", "PUT", "DELETE", "HEAD"):
        post(VERIFY, "s-ve3", {"key": "{t:v-vei}"}, method)
    key("s-ve3", "{t:v-vei}", "HEAD")
    post(VERIFY, "s-ve3", {"key": "{t:v-vec}"})
    post(VERIFY, "s-ve3", {"key": "{t:v-vei}"})
    key("s-ve3", "{t:v-vei}")
    sess("s-ve3")
    csrf = {"X-CSRFToken": CSRF_SECRET}
    cookie = dict(csrf, Cookie="sessionid={t:s-ve4}; csrftoken=" + CSRF_SECRET)
    post(BROWSER_VERIFY, None, "", "GET", headers=dict(cookie, **{"X-Email-Verification-Key": "{t:v-veg}"}))
    post(BROWSER_VERIFY, None, {"key": "{t:v-veg}"}, headers={"Cookie": cookie["Cookie"]})
    post(BROWSER_VERIFY, None, {"key": "{t:v-veg}"}, headers=cookie)
    # A review's: odd keys (read), addresses, crafted logins.
    for name in ("float", "half", "true", "false", "big", "big40", "neg", "sp", "us", "plus", "uni", "dec", "empty",
                 "list", "bigstr", "negbig", "nan", "inf", "dict", "exp", "comp", "salt", "key"):
        key("s-vr1", "{t:v-vr-%s}" % name)
    for name in ("vrb", "vrc", "vre2", "vrf2"):
        post(VERIFY, "s-vr2", {"key": "{t:v-%s}" % name})
    sess("s-vr2")
    for name, k in (("s-vr-nouser", "vrh"), ("s-vr-gone", "vri"), ("s-vr-bad36", "vri"), ("s-vr-lbc", "vrj"),
                    ("s-vr-inactive", "vrk"), ("s-vr-pwl", "vrl"), ("s-vr-pwl2", "vrm"), ("s-vr-mfadone", "vrn"),
                    ("s-vr-recdict", "vro"), ("s-vr-vestage", "vrp"), ("s-vr-phone", "vrr"), ("s-vr-old", "vrs"),
                    ("s-vr-recuser", "vrt"), ("s-vr-vedata", "vrg"), ("s-vr-initstr", "vrg"),
                    ("s-vr-statenone", "vrg"), ("s-vr-init0", "vrg"), ("s-vr-novekey", "vrg")):
        key(name, "{t:v-%s}" % k)
        post(VERIFY, name, {"key": "{t:v-%s}" % k})
        sess(name)
    post(VERIFY, "s-vr-in", {"key": "{t:v-vrf1}"})
    sess("s-vr-in")
    brc = dict(csrf, Cookie="sessionid={t:s-vr-br}; csrftoken=" + CSRF_SECRET)
    post(BROWSER_VERIFY, None, "", "GET", headers=dict(brc, **{"X-Email-Verification-Key": "{t:v-vrq}"}))
    post(BROWSER_VERIFY, None, {"key": "{t:v-vrq}"}, headers=brc)
    add(BROWSER, headers={"Cookie": "sessionid={t:s-vr-br}"})
    for method in ("HEAD", "OPTIONS", "PUT", "PATCH"):
        key("s-vr3", "{t:v-vr-float}", method)
    post(VERIFY, None, {"key": "{t:v-vr-float}"}, "OPTIONS")
    key("s-vr4", "{t:v-vr-gstr}")
    post(VERIFY, "s-vr4", {"key": "{t:v-vr-gpost}"})
    sess("s-vr4")
    post(VERIFY, "s-vr4", {"key": "{t:v-vr-float}"})


def verify_login_setup(tokens):
    """Mandatory verification's users (pks 490 to 499): vla (an unverified address), vlb
    (none, VLB@Example.com on the user's row), vlc (none, vlc@example.com on the row),
    vld (no address at all), vle (an unverified address and a TOTP authenticator), vlf
    (a verified address), vlg (the browser's, unverified), vlh (two unverified
    addresses, the primary one second), vli (an unverified address and a verified one);
    anonymous sessions s-vl1 to s-vl12."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    u = {}
    for pk, name, email in ((490, "vla", ""), (491, "vlb", "VLB@Example.com"), (492, "vlc", "vlc@example.com"),
                            (493, "vld", ""), (494, "vle", ""), (495, "vlf", ""), (496, "vlg", ""), (497, "vlh", ""),
                            (498, "vli", "")):
        u[name] = User.objects.create_user(pk=pk, username=name, email=email, password=PASSWORD)
    for user, email, verified, primary in (("vla", "vla@example.com", False, False),
                                           ("vle", "vle@example.com", False, False),
                                           ("vlf", "vlf@example.com", True, True),
                                           ("vlg", "vlg@example.com", False, False),
                                           ("vlh", "vlh1@example.com", False, False),
                                           ("vlh", "vlh2@example.com", False, True),
                                           ("vli", "vli1@example.com", False, False),
                                           ("vli", "vli2@example.com", True, False)):
        EmailAddress.objects.create(user=u[user], email=email, verified=verified, primary=primary)
    Authenticator.objects.create(user=u["vle"], type="totp", data={"secret": TOTP_SECRET})
    for i in range(1, 17 if BY_CODE else 13):
        tokens["s-vl%d" % i] = new_session(data={"cart": i}).session_key


def verify_login_steps(add):
    """Logins that wait for their address's verification (ACCOUNT_EMAIL_VERIFICATION
    "mandatory"): the link mailed to the login's address (found, added, none), once in
    the rate; the key read and taken (the login resumed, on to the second factor)."""
    post = poster(add, "10.75")

    def sess(name):
        add(SESSION, headers={"X-Session-Token": "{t:%s}" % name})

    def login(name, **body):
        post(LOGIN, name, dict(body, password=PASSWORD))

    login("s-vl1", username="vla")
    sess("s-vl1")
    post(VERIFY, "s-vl1", "", "GET", headers={"X-Email-Verification-Key": "{t:vkey}"})
    post(VERIFY, "s-vl1", {"key": "{t:vkey}"})
    sess("s-vl1")
    login("s-vl2", username="vlb")  # (the user's own address, added)
    login("s-vl3", username="vlb")  # (the rate: no mail)
    login("s-vl4", email="vlc@example.com")  # (the login's address, added)
    login("s-vl5", email="VLC@EXAMPLE.COM")
    login("s-vl6", username="vld")  # (no address: none mailed)
    sess("s-vl6")
    login("s-vl7", email="vle@example.com")
    post(VERIFY, "s-vl7", {"key": "{t:vkey}"})
    sess("s-vl7")
    post(AUTH_2FA, "s-vl7", {"code": "{t:totp-0}"})
    sess("s-vl7")
    login("s-vl8", username="vlf")
    login("s-vl9", username="vlh")  # (the primary address)
    login("s-vl10", username="vli")  # (a verified address: none mailed)
    login("s-vl11", email="vli1@example.com")  # (the login's own, unverified)
    post(VERIFY, "s-vl2", {"key": "{t:vkey}"})  # (another login's key: dropped)
    sess("s-vl2")
    csrf = {"X-CSRFToken": CSRF_SECRET, "Cookie": "sessionid={t:s-vl12}; csrftoken=" + CSRF_SECRET}
    post(BROWSER_LOGIN, None, {"username": "vlg", "password": PASSWORD}, headers=csrf)
    add(BROWSER, headers={"Cookie": "sessionid={t:s-vl12}"})
    post(BROWSER_VERIFY, None, {"key": "{t:vkey}"}, headers=csrf)
    add(BROWSER, headers={"Cookie": "sessionid={t:s-vl12}"})


def verify_code_steps(add):
    """Logins that wait for their address's verification by code
    (ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED): the code mailed to the login's
    address (found, added, none), read, refused, sent anew, taken (the login resumed, on
    to the second factor); the attempts, the resends and the address's rate used up."""
    post = poster(add, "10.76")

    def sess(name):
        add(SESSION, headers={"X-Session-Token": "{t:%s}" % name})

    def login(name, **body):
        post(LOGIN, name, dict(body, password=PASSWORD))

    def read(name, key):
        post(VERIFY, name, "", "GET", headers={"X-Email-Verification-Key": key})

    login("s-vl1", username="vla")  # (a user who never logged in: the signup mail)
    sess("s-vl1")
    read("s-vl1", "{t:code}")
    read("s-vl1", "bbbb-bbbb")  # (a wrong code, counted)
    post(VERIFY, "s-vl1", {"key": ""})  # (counted too)
    post(RESEND_VERIFY, "s-vl1", "")  # (a new code: the rate's second hit)
    post(RESEND_VERIFY, "s-vl1", "", "GET")
    post(RESEND_VERIFY, "s-vl1", "{}", "PUT")
    post(VERIFY, "s-vl1", {"key": "{t:code}"}, "PUT")
    post(VERIFY, "s-vl1", {"key": " {t:code} "})  # (taken: logged in)
    sess("s-vl1")
    post(RESEND_VERIFY, "s-vl1", "")  # (no process)
    post(VERIFY, "s-vl1", {"key": "{t:code}"})
    login("s-vl2", username="vlb")  # (the user's own address, added)
    for key in ("x", "{t:code}x", "BBBB-BBBB"):  # (the third wrong code drops the login)
        post(VERIFY, "s-vl2", {"key": key})
    sess("s-vl2")
    post(VERIFY, "s-vl2", {"key": "{t:code}"})
    post(RESEND_VERIFY, "s-vl2", "")
    login("s-vl3", username="vlb")  # (the rate's second hit)
    post(RESEND_VERIFY, "s-vl3", "")  # (the third)
    post(RESEND_VERIFY, "s-vl3", "")  # (the rate used up: 429)
    sess("s-vl3")
    login("s-vl4", email="VLB@example.com")  # (refused: too many attempts)
    login("s-vl5", username="vlb")  # (the rate used up within the stage)
    sess("s-vl5")
    post(VERIFY, "s-vl3", {"key": "{t:code}"})  # (the last code mailed is s-vl3's)
    sess("s-vl3")
    login("s-vl6", username="vld")  # (no address: none mailed, no process)
    post(VERIFY, "s-vl6", {"key": "{t:code}"})
    post(RESEND_VERIFY, "s-vl6", "")
    login("s-vl7", email="vle@example.com")
    read("s-vl7", "{t:code}")
    post(VERIFY, "s-vl7", {"key": "{t:code}"})  # (on to the second factor)
    sess("s-vl7")
    post(AUTH_2FA, "s-vl7", {"code": "{t:totp-0}"})
    sess("s-vl7")
    login("s-vl8", username="vlf")
    login("s-vl9", username="vlh")  # (the primary address)
    login("s-vl10", username="vli")  # (a verified address: none mailed)
    login("s-vl11", email="vli1@example.com")  # (the login's own, unverified)
    post(VERIFY, "s-vl9", {"key": "{t:code}"})  # (another process's code)
    post(VERIFY, "s-vl11", {"key": "{t:code}"})
    sess("s-vl11")
    # Twins: jay's address verified first, kim's then taken.
    login("s-vl13", username="jay")
    post(VERIFY, "s-vl13", {"key": "{t:code}"})
    login("s-vl14", username="kim")
    read("s-vl14", "{t:code}")
    post(VERIFY, "s-vl14", {"key": "{t:code}"})
    sess("s-vl14")
    # The browser's.
    csrf = {"X-CSRFToken": CSRF_SECRET, "Cookie": "sessionid={t:s-vl12}; csrftoken=" + CSRF_SECRET}
    post(BROWSER_LOGIN, None, {"username": "vlg", "password": PASSWORD}, headers=csrf)
    add(BROWSER, headers={"Cookie": "sessionid={t:s-vl12}"})
    post(BROWSER_RESEND_VERIFY, None, "", headers={"Cookie": "sessionid={t:s-vl12}"})  # (no CSRF token)
    post(BROWSER_RESEND_VERIFY, None, "", headers=csrf)
    post(BROWSER_VERIFY, None, "", "GET", headers=dict(csrf, **{"X-Email-Verification-Key": "{t:code}"}))
    post(BROWSER_VERIFY, None, {"key": "{t:code}"}, headers=csrf)
    add(BROWSER, headers={"Cookie": "sessionid={t:s-vl12}"})


def reset_code_steps(add):
    """The password reset by code (ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED): codes asked
    for (users, unknown and inactive ones), read and taken (wrong ones, the last
    attempt, an address verified by its code), processes made up; the flow listed."""
    post = poster(add, "10.73")

    def sess(name):
        add(SESSION, headers={"X-Session-Token": "{t:%s}" % name})

    def key(name, value, method="GET", headers=None):
        post(RESET, name, "", method, headers=dict(headers or {}, **{"X-Password-Reset-Key": value}))

    post(RESET_REQUEST, "s-pr1", {"email": " PRA@example.com "})
    sess("s-pr1")
    key("s-pr1", "BBBB-BBBB")
    key("s-pr1", " {t:code} ")
    post(RESET, "s-pr1", {"key": "{t:code}", "password": "123"})
    post(RESET, "s-pr1", {"key": "{t:code}", "password": NEW_PASSWORD})
    sess("s-pr1")
    post(RESET, "s-pr1", {"key": "{t:code}", "password": NEW_PASSWORD})
    # An unknown address: a process of no user, which takes no code.
    post(RESET_REQUEST, "s-pr2", {"email": "nobody@example.com"})
    sess("s-pr2")
    key("s-pr2", "")
    key("s-pr2", "BCDF-GHJK")
    for i in range(4):
        post(RESET, "s-pr2", {"key": "BCDF-GHJK", "password": NEW_PASSWORD})
    sess("s-pr2")
    # An unverified address, verified by its code (taken at once); an inactive user's.
    post(RESET_REQUEST, "s-pr3", {"email": "prg@example.com"})
    post(RESET, "s-pr3", {"key": "{t:code}", "password": NEW_PASSWORD + "3"})
    sess("s-pr3")
    post(RESET_REQUEST, "s-pr5", {"email": "prc@example.com"})
    sess("s-pr5")
    # The last attempt; bad input; the methods.
    post(RESET_REQUEST, "s-pr4", {"email": "prb@example.com"})
    for value in ("x", "", "y"):
        key("s-pr4", value)
    key("s-pr4", "{t:code}")
    sess("s-pr4")
    post(RESET_REQUEST, "s-pr6", {"email": "pre@example.com"})
    post(RESET_REQUEST, "s-pr6", {"email": "prshared@example.com"})
    for body in ({"key": 5}, {"password": NEW_PASSWORD}, {"key": "{t:code}"}, "[]"):
        post(RESET, "s-pr6", body)
    for method in ("OPTIONS", "PUT"):
        post(RESET, "s-pr6", {"key": "{t:code}", "password": NEW_PASSWORD}, method)
    post(RESET, "s-pr6", {"key": "{t:code}", "password": NEW_PASSWORD})
    post(RESET, "s-pr6", {"key": "{t:code}", "password": NEW_PASSWORD}, "HEAD")
    post(RESET, None, {"key": "x", "password": NEW_PASSWORD})
    # Processes made up.
    for name in ("s-prx-old", "s-prx-noat", "s-prx-str"):
        key(name, "BCDF-GHJK")
    sess("s-prx-old")
    post(RESET, "s-prx-done", {"key": "bcdf ghjk", "password": NEW_PASSWORD})
    sess("s-prx-done")
    post(RESET, "s-prx-nomail", {"key": "BCDF-GHJK", "password": NEW_PASSWORD})
    key("s-prx-gone", "BCDF-GHJK")
    post(RESET, "s-prx-gone", {"key": "BCDF-GHJK", "password": NEW_PASSWORD})
    # A logged-in session asks for one; the browser client's.
    post(RESET_REQUEST, "s-pri", {"email": "pri@example.com"})
    sess("s-pri")
    csrf = {"X-CSRFToken": CSRF_SECRET}
    cookie = dict(csrf, Cookie="sessionid={t:s-pr9}; csrftoken=" + CSRF_SECRET)
    post(BROWSER_RESET_REQUEST, None, {"email": "prh@example.com"}, headers=cookie)
    post(BROWSER_RESET, None, "", "GET", headers=dict(cookie, **{"X-Password-Reset-Key": "{t:code}"}))
    post(BROWSER_RESET, None, {"key": "{t:code}", "password": NEW_PASSWORD}, headers=cookie)
    add(BROWSER, headers={"Cookie": "sessionid={t:s-pr9}"})
    # A second review's.
    # An unverified address; a new password of a lone surrogate (set_password fails
    # before confirm_code verifies the address).
    post(RESET_REQUEST, "s-rc1", {"email": "rca@example.com"})
    post(RESET, "s-rc1", '{"key": "{t:code}", "password": "Abc-\\ud800-pw-99"}')
    sess("s-rc1")
    # Logged in: her own reset; another user's.
    post(RESET_REQUEST, "s-rcb", {"email": "rcb@example.com"})
    post(RESET, "s-rcb", {"key": "{t:code}", "password": NEW_PASSWORD + "b"})
    sess("s-rcb")
    post(RESET_REQUEST, "s-rcb2", {"email": "rcc@example.com"})
    key("s-rcb2", "{t:code}")
    post(RESET, "s-rcb2", {"key": "{t:code}", "password": NEW_PASSWORD + "c"})
    sess("s-rcb2")
    # Asked twice: the process replaced (its failures forgotten); then an unknown address.
    post(RESET_REQUEST, "s-rc2", {"email": "rcl@example.com"})
    for v in ("x1", "x2", "x3"):
        key("s-rc2", v)
    post(RESET_REQUEST, "s-rc2", {"email": "rcl@example.com"})
    for v in ("x1", "x2"):
        key("s-rc2", v)
    key("s-rc2", "{t:code}")
    post(RESET_REQUEST, "s-rc2", {"email": "nobody2@example.com"})
    sess("s-rc2")
    key("s-rc2", "{t:code}")
    # A shared address verified by another user; an inactive user's process.
    key("s-rc-uniq", "BCDF-GHJK")
    sess("s-rc-uniq")
    key("s-rc-inactive", "BCDF-GHJK")
    post(RESET, "s-rc-inactive", {"key": "BCDF-GHJK", "password": NEW_PASSWORD + "f"})
    sess("s-rc-inactive")
    post(RESET, "s-rc-inactive2", {"key": "BCDF-GHJK", "password": NEW_PASSWORD + "g"})
    # Odd addresses: none (a GET confirms before failing), None, confirmed already.
    key("s-rc-nomail", "BCDF-GHJK")
    sess("s-rc-nomail")
    post(RESET, "s-rc-nomail", {"key": "BCDF-GHJK", "password": NEW_PASSWORD + "g"})
    key("s-rc-nonemail", "BCDF-GHJK")
    post(RESET, "s-rc-nonemail", {"key": "BCDF-GHJK", "password": NEW_PASSWORD + "h"})
    post(RESET, "s-rc-nonemail-done", {"key": "BCDF-GHJK", "password": NEW_PASSWORD + "h"})
    sess("s-rc-nonemail-done")
    post(RESET, "s-rc-intmail-done", {"key": "BCDF-GHJK", "password": NEW_PASSWORD + "i"})
    sess("s-rc-intmail-done")
    post(RESET, "s-rc-emptymail-done", {"key": "BCDF-GHJK", "password": NEW_PASSWORD + "j"})
    sess("s-rc-emptymail-done")
    # Odd failed attempts, codes, user ids, times.
    for name in ("s-rc-fa-str", "s-rc-fa-float", "s-rc-fa-bool", "s-rc-fa-none", "s-rc-fa-miss", "s-rc-fa-big"):
        key(name, "nope")
        post(RESET, name, {"password": NEW_PASSWORD})
        sess(name)
    for name in ("s-rc-code-int", "s-rc-code-none", "s-rc-code-empty", "s-rc-code-miss"):
        post(RESET, name, {"password": NEW_PASSWORD})
        key(name, "BCDF-GHJK")
        sess(name)
    for name in ("s-rc-uid-int", "s-rc-uid-bool", "s-rc-uid-float", "s-rc-uid-sp", "s-rc-uid-bad", "s-rc-uid-zero",
                 "s-rc-uid-list"):
        key(name, "BCDF-GHJK")
        sess(name)
    for name in ("s-rc-at-str", "s-rc-at-bool", "s-rc-at-big", "s-rc-at-huge", "s-rc-at-none", "s-rc-old",
                 "s-rc-empty", "s-rc-list", "s-rc-zero"):
        sess(name)
        key(name, "BCDF-GHJK")
    key("s-rc-extra", "BCDF-GHJK")
    post(RESET, "s-rc-extra", {"key": "BCDF-GHJK", "password": "1"})
    sess("s-rc-extra")
    # A logged-in session asked to reauthenticate lists the flow (a process too old dropped).
    for name in ("s-rcm", "s-rcm-old"):
        post(CHANGE, name, {"new_password": NEW_PASSWORD})
        post(RESET, name, {"key": "BCDF-GHJK", "password": NEW_PASSWORD + "m"})
        sess(name)


def reset_steps(add):
    """The password reset: links asked for (users, an address of several, unknown and
    inactive ones, bad input, the rate per address), keys read and taken (new
    passwords refused and set; keys of allauth's making, stale, malformed), the rate
    per client, a login after the reset with ACCOUNT_LOGIN_ON_PASSWORD_RESET."""
    post = poster(add, "10.70")

    def sess(name):
        add(SESSION, headers={"X-Session-Token": "{t:%s}" % name})

    def key(name, value, method="GET", headers=None):
        post(RESET, name, "", method, headers=dict(headers or {}, **{"X-Password-Reset-Key": value}))

    # A link asked for, its key read, a password refused, then set (the failed logins
    # of her address forgotten); the key spent.
    post(LOGIN, None, {"email": "pra@example.com", "password": "wrong"})
    post(RESET_REQUEST, "s-pr1", {"email": " PRA@example.com "})
    key("s-pr1", "{t:key}")
    post(RESET, "s-pr1", {"key": "{t:key}", "password": "123"})
    post(RESET, "s-pr1", {"key": "{t:key}", "password": NEW_PASSWORD})
    key("s-pr1", "{t:key}")
    post(RESET, "s-pr1", {"key": "{t:key}", "password": NEW_PASSWORD})
    sess("s-pr1")
    sess("s-pra")
    # A user's own address with no row (allauth adds one); an address of two users; of
    # an inactive user and of none (the unknown account's mail).
    for email in ("prb@example.com", "prshared@example.com", "prc@example.com", "nobody@example.com"):
        post(RESET_REQUEST, "s-pr2", {"email": email})
    # The rate per address (3 a minute).
    for name in ("s-pr3", "s-pr3", "s-pr4", None):
        post(RESET_REQUEST, name, {"email": "prg@EXAMPLE.com"})
    # Bad input; the methods.
    for body in ({}, {"email": None}, {"email": "nope"}, {"email": 5}, "[]", "x", {"email": ["a@example.com"]},
                 {"email": "a\u0000@example.com"}):
        post(RESET_REQUEST, "s-pr5", body)
    for method in ("GET", "OPTIONS", "PUT", "DELETE"):
        post(RESET_REQUEST, "s-pr5", {"email": "pra@example.com"}, method)
    # Keys of allauth's making: an inactive user's (taken: no login), one gone stale,
    # odd forms; a second factor's user.
    key("s-pr6", "{t:k-prc}")
    post(RESET, "s-pr6", {"key": "{t:k-prc}", "password": NEW_PASSWORD})
    sess("s-pr6")
    key("s-pr6", "{t:k-prg}")
    for body in ({"key": 5, "password": "x"}, {"key": "{t:k-prd}"}, {"key": "{t:k-prd}", "password": None},
                 {"key": "{t:k-prd}", "password": "a\u0000b"}, {"password": NEW_PASSWORD}, "[]", ""):
        post(RESET, "s-pr7", body)
    for method in ("OPTIONS", "PUT", "DELETE", "HEAD"):
        post(RESET, "s-pr7", {"key": "{t:k-prd}", "password": NEW_PASSWORD}, method)
    post(RESET, "s-pr7", "", "OPTIONS")
    key("s-pr7", "{t:k-prd}", "HEAD")
    key("s-pr7", " {t:k-prd}\t")
    for value in ("", " ", "abc", "-", "b4-", "-x", "zzzzzzzzzzzzzz-1-2", "+b3-{t:k-prd}", "\u0661-x",
                  "{t:k-prd}x", "B3-x-y"):
        post(RESET, "s-pr7", {"key": value, "password": NEW_PASSWORD})
    post(RESET, "s-pr8", {"key": " {t:k-prd} ", "password": NEW_PASSWORD})
    sess("s-pr8")
    # The rate per client (6 a minute), any method.
    for method in ("GET", "POST", "OPTIONS", "GET", "POST", "GET", "POST"):
        post(RESET, "s-pr9", {"key": "x"}, method, ip="10.72.0.1")
    # A session logged in as the user herself, and as another.
    sess("s-pra2")
    post(RESET_REQUEST, "s-pri", {"email": "pri@example.com"})
    post(RESET, "s-pri", {"key": "{t:key}", "password": NEW_PASSWORD + "2"})
    sess("s-pri")
    post(RESET_REQUEST, None, {"email": "pra@example.com"})
    post(RESET, "s-prg", {"key": "{t:key}", "password": NEW_PASSWORD + "3"})
    sess("s-prg")
    # The browser client's.
    csrf = {"X-CSRFToken": CSRF_SECRET}
    cookie = "sessionid={t:s-pr9}; csrftoken=" + CSRF_SECRET
    post(BROWSER_RESET_REQUEST, None, {"email": "prh@example.com"}, headers={"Cookie": cookie})
    post(BROWSER_RESET_REQUEST, None, {"email": "prh@example.com"}, headers=dict(csrf, Cookie=cookie))
    post(BROWSER_RESET, None, "", "GET", headers={"Cookie": cookie, "X-Password-Reset-Key": "{t:k-prh}"})
    post(BROWSER_RESET, None, {"key": "{t:k-prh}", "password": NEW_PASSWORD}, headers=dict(csrf, Cookie=cookie))
    add(BROWSER, headers={"Cookie": "sessionid={t:s-pr9}"})
    cookie = "sessionid={t:s-prj}; csrftoken=" + CSRF_SECRET
    post(BROWSER_RESET_REQUEST, None, {"email": "prj@example.com"}, headers=dict(csrf, Cookie=cookie))
    post(BROWSER_RESET, None, {"key": "{t:key}", "password": NEW_PASSWORD}, headers=dict(csrf, Cookie=cookie))
    add(BROWSER, headers={"Cookie": "sessionid={t:s-prj}"})
    # A review's: a token's timestamp in odd forms (its user's own address synced
    # when int(s, 36) reads it).
    for uid, ts in (("bo", "1_0"), ("bp", "\u0661"), ("bq", "1 "), ("br", "+1"), ("bs", "1" * 14),
                    ("bt", "1\u00a0")):
        post(RESET, "s-rr2", {"key": "%s-%s-x" % (uid, ts)})
    # An address in capitals: its lowercased row already there (a key of allauth's);
    # none yet, then once synced.
    key("s-rr2", "{t:k-rrg}")
    post(RESET, "s-rr2", {"key": "{t:k-rrg}"})
    for _ in range(2):
        post(RESET, "s-rr2", {"key": "bv-1-x", "password": NEW_PASSWORD})
    post(RESET_REQUEST, "s-rr2", {"email": "rrh@example.com"})
    # A key's uid in odd forms (read, not taken).
    for tag in ("up", "zero", "us", "plus", "sp", "long", "long2"):
        key("s-rr3", "{t:k-rrj-%s}" % tag)
    for tag in ("ar", "ws", "up", "us", "long2"):
        post(RESET, "s-rr3", {"key": "{t:k-rrj-%s}" % tag})
    for value in ("zzzzzzzzzzzzz-1-2", "1y2p0ij32e8e7-1-2", "0-1-2", "c0-", " -c0", "c0--"):
        post(RESET, "s-rr3", {"key": value, "password": NEW_PASSWORD})
    # Odd JSON types; passwords refused (like her address, numeric, short).
    for body in ({"key": True, "password": NEW_PASSWORD}, {"key": 1.5, "password": NEW_PASSWORD},
                 {"key": ["{t:k-rrj}"], "password": NEW_PASSWORD}, {"key": {"a": 1}, "password": NEW_PASSWORD},
                 {"key": "{t:k-rrj}", "password": 98765432101234}, {"key": "{t:k-rrj}", "password": True},
                 {"key": "{t:k-rrj}", "password": "rrj@example.com"}, {"key": "{t:k-rrj}", "password": "example.com"},
                 {"key": "{t:k-rrj}", "password": "rrjrrjrrj"}, {"key": "{t:k-rrj}", "password": 1e300},
                 {"key": "{t:k-rrj}", "password": "\u00e9" * 3}, {"key": "{t:k-rrj}", "password": "Rrj-Example"}):
        post(RESET, "s-rr3", body)
    key("s-rr3", "\u00a0{t:k-rrj}")
    key("s-rr3", "{t:k-rrj}\u00e9")
    # Taken with a list for a password (its str()).
    post(RESET, "s-rr3", {"key": "{t:k-rrj-up}", "password": [NEW_PASSWORD]})
    post(LOGIN, None, {"username": "rrj", "password": "['%s']" % NEW_PASSWORD})
    # Addresses in odd cases for the rate per address.
    for email in ("rr\u212a@example.com", "\u0130rr@example.com", "RR\u1e9e@example.com", "rrk2@EXAMPLE.com"):
        post(RESET_REQUEST, "s-rr4", {"email": email})
    # No usable password; an unverified second address, its user logged in.
    post(RESET_REQUEST, "s-rr5", {"email": "rri@example.com"})
    post(RESET, "s-rr5", {"key": "{t:key}", "password": NEW_PASSWORD})
    sess("s-rr5")
    post(RESET_REQUEST, "s-rr1", {"email": "rrk2@example.com"})
    key("s-rr1", "{t:key}")
    post(RESET, "s-rr1", {"key": "{t:key}", "password": NEW_PASSWORD})
    sess("s-rr1")


def code_review_steps(add):
    """A review's steps: a password login that needs a login code and then the second
    factor, confirmed in Go's own stash; codes asked for by a user with a second factor;
    the addresses the codes verify; crafted logins."""
    post = poster(add, "10.66")

    def sess(name):
        add(SESSION, headers={"X-Session-Token": "{t:%s}" % name})

    # A password login (a code required), the code, then the second factor.
    post(LOGIN, "s-rq1", {"username": "rqa", "password": PASSWORD})
    sess("s-rq1")
    post(AUTH_2FA, "s-rq1", {"code": "{t:rc-rqa-0}"})
    post(CODE_CONFIRM, "s-rq1", {"code": "BBBB-BBBB"})
    post(CODE_RESEND, "s-rq1", "")
    post(CODE_CONFIRM, "s-rq1", {"code": "{t:code}"})
    sess("s-rq1")
    post(CODE_CONFIRM, "s-rq1", {"code": "{t:code}"})
    post(CODE_RESEND, "s-rq1", "")
    post(AUTH_2FA, "s-rq1", {"code": "000000"})
    post(AUTH_2FA, "s-rq1", {"code": "{t:rc-rqa-1}"})
    sess("s-rq1")
    # A code asked for by a user with a second factor, then the second factor.
    post(CODE_REQUEST, "s-rq2", {"email": "rqa@example.com"})
    post(CODE_CONFIRM, "s-rq2", {"code": "{t:code}"})
    sess("s-rq2")
    post(AUTH_2FA, "s-rq2", {"code": "{t:rc-rqa-2}"})
    sess("s-rq2")
    # A password login by an unverified address (another primary); by a username whose
    # own email is in capitals (no primary); by email of rqe (the address verified by rqf).
    post(LOGIN, "s-rq3", {"email": "rqb2@example.com", "password": PASSWORD})
    post(CODE_CONFIRM, "s-rq3", {"code": "{t:code}"})
    post(LOGIN, "s-rq4", {"username": "rqc", "password": PASSWORD})
    post(CODE_CONFIRM, "s-rq4", {"code": "{t:code}"})
    sess("s-rq4")
    post(LOGIN, "s-rq5", {"username": "rqe", "password": PASSWORD})
    post(LOGIN, "s-rq6", {"email": "rqe@example.com", "password": PASSWORD})
    post(CODE_CONFIRM, "s-rq6", {"code": "{t:code}"})
    sess("s-rq6")
    # The browser client's: a password login, its code, the second factor.
    csrf = {"X-CSRFToken": CSRF_SECRET}
    cookie = dict(csrf, Cookie="sessionid={t:s-rq7}; csrftoken=" + CSRF_SECRET)
    post(BROWSER_LOGIN, None, {"username": "rqa", "password": PASSWORD}, headers=cookie)
    post(BROWSER_CODE_CONFIRM, None, {"code": "{t:code}"}, headers=cookie)
    post(BROWSER_AUTH_2FA, None, {"code": "{t:rc-rqa-3}"}, headers=cookie)
    # The crafted logins.
    for name in ("s-rqgone", "s-rqnomail", "s-rqmand", "s-rqmand2", "s-rqmand3", "s-rqmand4", "s-rqdata"):
        post(CODE_CONFIRM, name, {"code": "BCDF-GHJK"})
        sess(name)


def code_steps(add):
    """The login by code: codes asked for (users, unknown and inactive ones, bad
    input, the rate per address), resent, confirmed (wrong ones, the last attempt, too
    old), logins that go on to the second factor or an address to verify."""
    post = poster(add, "10.8")

    def sess(name):
        add(SESSION, headers={"X-Session-Token": "{t:%s}" % name})

    post(CODE_REQUEST, "s-c1", {"email": " ALICE@example.com "})
    sess("s-c1")
    post(CODE_CONFIRM, "s-c1", {"code": "BBBB-BBBB"})
    post(CODE_CONFIRM, "s-c1", {"code": "{t:code}"})
    post(CODE_CONFIRM, "s-c1", {"code": "{t:code}"})
    sess("s-c1")
    # The second factor after the code; an unverified address (allauth verifies it).
    post(CODE_REQUEST, "s-c2", {"email": "lee@example.com"})
    post(CODE_CONFIRM, "s-c2", {"code": "{t:code}"})
    sess("s-c2")
    post(CODE_REQUEST, "s-c3", {"email": "gina@example.com"})
    post(CODE_CONFIRM, "s-c3", {"code": "{t:code}"})
    sess("s-c3")
    # Unknown and inactive accounts: the same answers, no code to find.
    for name, email in (("s-c4", "nobody@example.com"), ("s-c5", "bob@example.com")):
        post(CODE_REQUEST, name, {"email": email})
        sess(name)
    for c in ("BCDF-GHJK", "", "x", "BCDF-GHJK"):
        post(CODE_CONFIRM, "s-c4", {"code": c})
    sess("s-c4")
    # Bad input; the methods (PUT counts the rate, then is refused).
    for body in ({}, {"email": None}, {"email": "nope"}, {"email": "a\u0000@example.com"}, {"email": 5}, "[]", "x",
                 {"email": "x" * 310 + "@example.com"}, {"email": ["a@example.com"]}):
        post(CODE_REQUEST, "s-c6", body)
    for method in ("GET", "OPTIONS", "PUT", "DELETE"):
        post(CODE_REQUEST, "s-c6", {"email": "carol@example.com"}, method)
    # Addresses not verified yet, verified by their codes (made primary, the user's own,
    # when the user has none); then one verified for another user already.
    for name, email in (("s-c10", "twins@example.com"), ("s-c11", "shared@example.com")):
        post(CODE_REQUEST, name, {"email": email})
        post(CODE_CONFIRM, name, {"code": "{t:code}"})
    post(CODE_CONFIRM, "s-cuniq", {"code": "BCDF-GHJK"})
    post(CODE_REQUEST, None, {"email": "shared@example.com"})
    post(CODE_REQUEST, None, {"email": "Someone@EXAMPLE.com"})
    post(CODE_REQUEST, None, {"email": "other@example.com"})
    # The rate per address (3 a minute), from several clients and sessions.
    for name in ("s-c7", "s-c7", "s-c8"):
        post(CODE_REQUEST, name, {"email": "alice@example.com"})
    post(CODE_REQUEST, "s-c8", {"email": "alice@EXAMPLE.com"})
    # Resent codes (two), the last one taken.
    post(CODE_REQUEST, "s-c9", {"email": "al@example.com"})
    for method in ("GET", "PUT", "OPTIONS", "POST", "POST", "POST"):
        post(CODE_RESEND, "s-c9", "", method)
    sess("s-c9")
    post(CODE_CONFIRM, "s-c9", {"code": "{t:code}"})
    for name in ("s-anon", "s-c9", "s-cold", "s-cexit", None):
        post(CODE_RESEND, name, "")
    # The logins made up: a code written otherwise; the last attempt; too old; no time;
    # met by a password login; a user gone; odd counts.
    for method in ("GET", "OPTIONS", "DELETE"):
        post(CODE_CONFIRM, "s-cok", {"code": "x"}, method)
    post(CODE_CONFIRM, "s-cok", "[]")
    post(CODE_CONFIRM, "s-cok", {"code": " bcdf ghjk "})
    post(CODE_CONFIRM, "s-cfa2", {"code": "BCDF-GHJ"})
    post(CODE_CONFIRM, "s-cfa2", {"code": "BCDF-GHJK"})
    for name in ("s-cold", "s-cold", "s-cnoat", "s-cexit", "s-cexit-lee", "s-cgone", "s-anon", "s-alice", None):
        post(CODE_CONFIRM, name, {"code": "BCDF-GHJK"})
        if name:
            sess(name)
    post(CODE_CONFIRM, "s-cexit", {"code": "{t:code}"})  # (the code s-cexit's resend mailed)
    sess("s-cexit")
    post(CODE_RESEND, "s-codd", "")
    post(CODE_CONFIRM, "s-codd", {"code": "nope"})
    post(CODE_CONFIRM, "s-codd", {"code": "{t:code}"})
    sess("s-codd")
    # Crafted logins: no user_pk (the state's user_id); odd codes and addresses; bob.
    post(CODE_CONFIRM, "s-cnopk", {"code": "BCDF-GHJK"})
    sess("s-cnopk")
    post(CODE_RESEND, "s-cnopk2", "")
    sess("s-cnopk2")
    post(CODE_CONFIRM, "s-cnopk3", {"code": "BCDF-GHJK"})
    sess("s-cnopk3")
    post(CODE_CONFIRM, "s-cbaduid", {"code": "nope"})
    sess("s-cbaduid")
    for name in ("s-cnullcode", "s-czerocode"):
        post(CODE_CONFIRM, name, {"code": "BCDF-GHJK"})
        sess(name)
    post(CODE_RESEND, "s-cintmail", "")
    sess("s-cintmail")
    for name in ("s-cbob", "s-cbob2"):
        post(CODE_CONFIRM, name, {"code": "BCDF-GHJK"})
        sess(name)
    # No initiated_by_user (allauth records the authentication before its KeyError, and
    # saves the app session of a server error); an address that is an int.
    for name in ("s-cnoinit", "s-cintmail2"):
        post(CODE_CONFIRM, name, {"code": "BCDF-GHJK"})
        sess(name)
    # Codes of odd types and forms (the attempts counted from -10).
    for code in ([], {}, 5, True, None, 1.5, "BCDF-GHJK\u0000", "\uff22CDF-GHJK", " ", "B.C.D.F_G(H)J K"):
        post(CODE_CONFIRM, "s-cinput", {"code": code})
    sess("s-cinput")
    # A login older than ACCOUNT_LOGIN_TIMEOUT (its records cleared); one started at 0.
    post(CODE_RESEND, "s-cstale", "")
    post(CODE_CONFIRM, "s-cstale", {"code": "BCDF-GHJK"})
    post(CODE_CONFIRM, "s-cstale2", {"code": "BCDF-GHJK"})
    # A logged-in session asks for a code, has it resent, confirms it (409).
    post(CODE_REQUEST, "s-calice", {"email": "al@example.com"})
    sess("s-calice")
    post(CODE_RESEND, "s-calice", "")
    post(CODE_CONFIRM, "s-calice", {"code": "{t:code}"})
    sess("s-calice")
    # The browser client's.
    cookie = "sessionid={t:s-c5}; csrftoken=" + CSRF_SECRET
    csrf = {"X-CSRFToken": CSRF_SECRET}
    post(BROWSER_CODE_REQUEST, None, {"email": "erin@example.com"}, headers={"Cookie": cookie})
    post(BROWSER_CODE_REQUEST, None, {"email": "kim@example.com"}, headers=dict(csrf, Cookie=cookie))
    post(BROWSER_CODE_REQUEST, None, {"email": "al@example.com"}, headers=dict(csrf, Cookie=cookie))
    post(BROWSER_CODE_RESEND, None, "", headers=dict(csrf, Cookie=cookie))
    post(BROWSER_CODE_CONFIRM, None, {"code": "{t:code}"}, headers=dict(csrf, Cookie=cookie))
    add(BROWSER, headers={"Cookie": "sessionid={t:s-c5}"})


def password_steps(add):
    """The password change endpoints (9 per minute per user), last: a change logs the
    user's other sessions out."""
    def change(name, body, method="POST", path=CHANGE, headers=None):
        h = {"X-Session-Token": "{t:%s}" % name} if name else {}
        h.update(headers or {})
        add(path, method, headers=h, body=body if isinstance(body, str) else json.dumps(body))

    pw = PASSWORD
    for body in ({}, {"current_password": "nope", "new_password": "x"}, {"current_password": pw},
                 {"current_password": pw, "new_password": "short"}, {"current_password": pw, "new_password": "12345678901"},
                 {"current_password": " %s " % pw, "new_password": "password"},
                 {"current_password": pw, "new_password": "a\u0000b"}, "[]"):
        change("s-kim", body)
    change("s-kim", {"current_password": pw, "new_password": "kim-new-pw-2026"}, "PUT")
    change("s-kim", {"current_password": pw, "new_password": "kim-new-pw-2026"})  # (the tenth: 429)
    change("s-ivy", {"current_password": pw, "new_password": "ivy"}, "OPTIONS")
    change("s-ivy", {}, "GET")
    change("s-ivy", {"current_password": pw, "new_password": " ivy-new-pw-2026 "})
    change("s-ivy", {})
    change("s-frank", {"new_password": "frank-new-pw-2026"})  # (no usable password: he sets one)
    change(None, {"current_password": pw, "new_password": "x-new-pw-2026"})
    change("s-zero", {"current_password": pw, "new_password": "zero"})  # (like the username)
    change("s-zero", {"current_password": pw, "new_password": "zero-new-pw-2026"})
    for name in ("s-ivy", "s-zero", "s-frank"):
        add("/api/session/", headers={"X-Session-Token": "{t:%s}" % name})
    cookie = "sessionid={t:s-gina}; csrftoken=" + CSRF_SECRET
    change(None, {"current_password": pw, "new_password": "gina-new-pw-2026"}, path=BROWSER_CHANGE,
           headers={"Cookie": cookie})
    change(None, {"current_password": pw, "new_password": "gina-new-pw-2026"}, path=BROWSER_CHANGE,
           headers={"Cookie": cookie, "X-CSRFToken": CSRF_SECRET})
    add("/api/session/", headers={"X-Session-Token": "{t:s-gina}"})


def reauth_steps(add):
    """The reauthentication endpoints: each user's requests counted (8 per minute), the
    failed ones as failed logins of the user's login (3 per 5 minutes)."""
    pw = PASSWORD

    clients = {}

    def reauth(name, body, method="POST", path=REAUTH, headers=None):
        # (a client of its own for each session: the failed logins are also counted per client)
        h = {"X-Forwarded-For": "10.5.0.%d" % clients.setdefault(name, len(clients) + 1)}
        if name:
            h["X-Session-Token"] = "{t:%s}" % name
        h.update(headers or {})
        add(path, method, headers=h, body=body if isinstance(body, str) else json.dumps(body))

    for body in ({"password": pw}, {"password": " %s " % pw}, {}, {"password": None}, {"password": "a\u0000"}, "[]",
                 {"password": 1}):
        reauth("s-gina", body)
    reauth("s-gina", {"password": pw}, "OPTIONS")
    reauth("s-gina", {}, "GET")
    for pw2 in ("nope", "nope", "nope", "nope", pw):
        reauth("s-ivy", {"password": pw2})
    for i in range(9):
        reauth("s-zero", {"password": pw})
    reauth("s-kim", {"password": pw}, "PUT")
    reauth("s-kim", {"password": "nope"}, "PATCH")
    for name in (None, "s-bob", "s-carol", "s-pending"):
        reauth(name, {"password": pw})
    add(REAUTH, "POST", headers={"X-Session-Token": "nope"}, body=json.dumps({"password": pw}))
    cookie = "sessionid={t:s-kim}; csrftoken=" + CSRF_SECRET
    reauth(None, {"password": pw}, path=BROWSER_REAUTH, headers={"Cookie": cookie, "X-CSRFToken": CSRF_SECRET})
    reauth(None, {"password": pw}, path=BROWSER_REAUTH, headers={"Cookie": cookie})
    reauth(None, {"password": pw}, path=BROWSER_REAUTH, headers={"Cookie": "csrftoken=" + CSRF_SECRET,
                                                                  "X-CSRFToken": CSRF_SECRET})


def login_steps(add):
    """The login endpoints, each request from a client of its own (X-Forwarded-For) but
    where a rate limit is at stake."""
    n = [0]

    def login(body, method="POST", headers=None, ip=None, path=LOGIN, **kw):
        n[0] += 1
        h = {"X-Forwarded-For": ip if ip is not None else "10.0.%d.%d" % (n[0] // 200, n[0] % 200 + 1)}
        h.update(headers or {})
        add(path, method, headers=h, body=body if isinstance(body, str) else json.dumps(body), **kw)

    pw = PASSWORD
    for body in ({"username": "alice", "password": pw}, {"username": "ALICE", "password": pw},
                 {"username": "Gina", "password": pw}, {"username": "gina", "password": pw},
                 {"username": "alice@example.com", "password": pw}, {"email": "ALICE@example.COM", "password": pw},
                 {"email": "al@example.com", "password": pw}, {"email": "someone@example.com", "password": pw},
                 {"email": "someone@example.com", "password": "another-pw"}, {"email": "gina@example.com", "password": pw},
                 {"email": "shared@example.com", "password": "hal-pw-1"}, {"email": "shared@example.com", "password": pw},
                 {"email": "twins@example.com", "password": pw},
                 {"username": "alice", "password": "  %s\n" % pw}, {"username": " alice ", "password": pw},
                 {"username": "zero", "password": pw}, {"username": "bob", "password": pw},
                 {"username": "bob", "password": "nope"}, {"email": "bob@example.com", "password": pw},
                 {"username": "frank", "password": pw}, {"username": "carol", "password": pw},
                 {"username": "carol", "password": "another-pw"}, {"username": "dave", "password": pw},
                 {"username": "alice", "password": "nope"}, {"email": "alice@example.com", "password": "nope"},
                 {"username": "nobody", "password": pw}, {"username": "", "password": pw},
                 {"username": None, "password": pw}, {"email": "", "password": pw}, {"email": None, "password": pw},
                 {"email": "not an email", "password": pw}, {"email": "a\u0000@example.com", "password": pw},
                 {"email": "x" * 310 + "@example.com", "password": pw},
                 {"username": "a\u0000b", "password": pw}, {"username": "alice", "password": "a\u0000b"},
                 {"username": "alice", "email": "alice@example.com", "password": pw}, {"password": pw}, {},
                 {"username": "alice"}, {"username": "alice", "password": ""}, {"username": "alice", "password": "   "},
                 {"username": "alice", "password": None}, {"username": 12, "password": pw},
                 {"username": ["alice"], "password": pw}, {"username": {"a": "b'c"}, "password": pw},
                 {"username": True, "password": pw}, {"username": 1.5e300, "password": pw},
                 {"username": "alice", "password": ["x"]}, {"username": "alice", "password": 1},
                 {"username": "\u00e9l\u00e8ve", "password": pw}, {"username": "alice", "password": pw, "extra": 1}):
        login(body)
    for body in ("", "[]", "null", "not json", '{"username": "alice", "password": "%s"} x' % pw, "\ufeff{}",
                 '{"username": "alice", "password": "%s", "username": "bob"}' % pw):
        login(body)
    good = {"username": "alice", "password": pw}
    for method in ("GET", "PUT", "OPTIONS", "HEAD", "DELETE", "PATCH"):
        login({}, method)
        login(good, method)
    login(good, content_type="text/plain")
    # A session token: logged in already (409), anonymous (its data kept), none such (410);
    # an access token's session.
    scheme = (CONFIG.get("headless") or {}).get("JWT_AUTHORIZATION_HEADER_SCHEME", "Bearer")
    ivy = {"username": "ivy", "password": pw}  # (whose login has not failed)
    for name in ("{t:s-carol}", "{t:s-anon}", "{t:s-pending}", "{t:s-gina}", "nope"):
        login(ivy, headers={"X-Session-Token": name})
        login({"username": "ivy", "password": "nope"}, headers={"X-Session-Token": name})
    login(ivy, headers={"Authorization": "%s {t:a-erin}" % scheme})
    login(ivy, headers={"Authorization": "%s {t:a-alice}" % scheme})
    # The failed logins of one login (3 per 5 minutes), from several clients: the fourth
    # is refused, even with the right password; another login is not.
    for i, pw2 in enumerate(("nope", "nope", "nope", "nope", pw)):
        login({"username": "erin", "password": pw2}, ip="10.1.0.%d" % i)
    login({"username": "ERIN", "password": pw}, ip="10.1.0.9")
    login({"username": "erin@example.com", "password": pw}, ip="10.1.0.9")
    # The failed logins of one client (6 per minute); successes taken back; an IPv6
    # network of /64 is one client; a client's port is dropped.
    for i in range(8):
        login({"username": "nobody%d" % i, "password": "nope"}, ip="10.2.0.1" if i % 2 else "10.2.0.1:8000")
    login(good, ip="10.2.0.1")
    for i in range(7):
        login({"username": "v6-%d" % i, "password": "nope"}, ip="2001:db8::%x" % (i + 1))
    login({"username": "v6", "password": "nope"}, ip="[2001:db8:0:1::1]:443")
    # The logins of one client (12 per minute).
    for i in range(13):
        login(good if i % 3 else {"username": "x"}, ip="10.3.0.1")
    login({}, "GET", ip="10.3.0.1")
    # Clients allauth cannot tell: no address, several.
    for ip in ("not-an-ip", " 10.4.0.1 ", "10.4.0.2, 10.4.0.3", "", "010.4.0.1", "::ffff:10.4.0.4", "fe80::1%eth0"):
        login({"username": "alice", "password": "nope"}, ip=ip)
    # The browser client's login: its own session, the CSRF check.
    cookie = "sessionid={t:s-anon}; csrftoken=" + CSRF_SECRET
    for headers in ({"Cookie": cookie}, {"Cookie": cookie, "X-CSRFToken": CSRF_SECRET},
                    {"Cookie": "csrftoken=" + CSRF_SECRET, "X-CSRFToken": CSRF_SECRET},
                    {"Cookie": "sessionid={t:s-carol}; csrftoken=" + CSRF_SECRET, "X-CSRFToken": CSRF_SECRET}):
        login(good, headers=headers, path=BROWSER_LOGIN)
    login({"username": "bob", "password": pw}, headers={"Cookie": "csrftoken=" + CSRF_SECRET,
                                                         "X-CSRFToken": CSRF_SECRET}, path=BROWSER_LOGIN)
    login({"username": "alice", "password": "nope"}, headers={"Cookie": "csrftoken=" + CSRF_SECRET,
                                                             "X-CSRFToken": CSRF_SECRET}, path=BROWSER_LOGIN)
    login({}, "GET", path=BROWSER_LOGIN)


def run(step_list, tokens):
    out = []
    for step in step_list:
        client = Client(raise_request_exception=False, enforce_csrf_checks=True)
        meta = {"HTTP_" + k.upper().replace("-", "_"): fill(v, tokens) for k, v in step["headers"].items()}
        del MAILS[:]
        resp = client.generic(step["method"], step["path"], fill(step["body"], tokens).encode("utf-8"),
                              content_type=step["content_type"], **meta)
        for m in MAILS:  # (the last code mailed: {t:code}; the last reset key: {t:key})
            if "code" in m[2]:
                tokens["code"] = m[2]["code"]
            if "uid" in m[2] and "key" in m[2]:
                tokens["key"] = m[2]["uid"] + "-" + m[2]["key"]
            if "activate_url" in m[2]:  # (and the last verification key: {t:vkey})
                tokens["vkey"] = m[2]["key"]
        out.append({
            "status": resp.status_code, "content_type": resp.get("Content-Type"),
            "www_authenticate": resp.get("WWW-Authenticate"), "allow": resp.get("Allow"),
            "body": resp.content.decode("latin-1"),
            "set_cookie": sorted(m.OutputString() for m in resp.cookies.values()),
            "cache_control": resp.get("Cache-Control"), "mails": list(MAILS),
        })
    print(json.dumps({"steps": out}))


def key_order(v):
    """The keys of a stashed login's dicts in their order (the session's JSON keeps it)."""
    if isinstance(v, dict):
        return "{" + ",".join(str(k) + key_order(x) for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ",".join(key_order(x) for x in v) + "]"
    return ""


def state(tokens):
    def summary(data):
        stash = data.get("account_login")
        if isinstance(stash, dict) and isinstance(stash.get("initiated_at"), float):  # (the time: recent or not)
            stash = dict(stash, initiated_at=abs(time.time() - stash["initiated_at"]) < 3600)
        try:  # (a login code's time, recent or not, and the code, random)
            lbc = json.loads(json.dumps(stash))
            lbc_data = lbc["state"]["stages"]["login_by_code"]["data"]  # (not the session's data)
            if isinstance(lbc_data.get("at"), float):
                lbc_data["at"] = abs(time.time() - lbc_data["at"]) < 3600
            if isinstance(lbc_data.get("code"), str) and re.fullmatch(
                    "[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}", lbc_data["code"]):
                lbc_data["code"] = "C"
            stash = lbc
        except (TypeError, KeyError, AttributeError):
            pass
        records = data.get("account_authentication_methods")
        if isinstance(records, list):
            records = [{k: v for k, v in r.items() if k != "at"} if isinstance(r, dict) else r for r in records]
        return [data.get("_auth_user_id"), len(data.get("headless_refresh_tokens") or {}), sorted(data),
                data.get("_auth_user_backend"), stash, records, key_order(data.get("account_login"))]

    out = []
    for name in sorted(n for n in tokens if n.startswith("s-")):
        s = SessionStore(tokens[name])
        out.append([name, s.session_key is not None] + summary(dict(s.items())))
    # Every session, whatever its key (those of the logins are new ones).
    from django.contrib.sessions.models import Session
    every = sorted((summary(SessionStore().decode(row.session_data)) for row in Session.objects.all()),
                   key=lambda x: json.dumps(x, sort_keys=True))
    import base64
    import pickle
    from django.db import connection
    # (each rate's history as stored, expired or not: the two sides ran at other times)
    with connection.cursor() as c:
        c.execute("SELECT cache_key, value FROM %s" % CACHE_TABLE)
        stored = sorted((r[0], r[1]) for r in c.fetchall())
    rates = [[k, len(pickle.loads(base64.b64decode(v.encode("ascii") if isinstance(v, str) else v)) or [])]
             for k, v in stored]
    with connection.cursor() as c:
        c.execute("SELECT id, type, data, last_used_at IS NOT NULL FROM mfa_authenticator ORDER BY id")
        authenticators = [list(r) for r in c.fetchall()]
    known = {"5eed" * 20, "ab" * 40, "c0de" * 20} | {("%02x" % pk) * 40 for pk in range(31, 38)}
    for a in authenticators:  # (the seeds of codes made anew are random, as the times they were viewed)
        a[2] = re.sub(r'"seed": "([0-9a-f]{80})"', lambda m: m.group(0) if m.group(1) in known else '"seed": "S"', a[2])
        a[2] = re.sub(r'"viewed_at": [0-9.e+]+', '"viewed_at": T', a[2])
    with connection.cursor() as c:
        c.execute('SELECT user_id, email, verified, "primary" FROM account_emailaddress ORDER BY id')
        addresses = [[r[0], r[1], bool(r[2]), bool(r[3])] for r in c.fetchall()]
    emails = sorted([u.pk, u.email] for u in User.objects.all())
    usersessions = []
    if USERSESSIONS:  # (each row: its user, its session's token name or "other", address, agent)
        from allauth.usersessions.models import UserSession
        names = {v: k for k, v in tokens.items()}
        usersessions = sorted([us.user_id, names.get(us.session_key, "other"), us.ip, us.user_agent,
                               us.last_seen_at >= us.created_at] for us in UserSession.objects.all())
    candidates = [PASSWORD, "another-pw", NEW_PASSWORD, NEW_PASSWORD + "2", NEW_PASSWORD + "3"]
    passwords = sorted([u.pk, u.has_usable_password() and next((i for i, pw in enumerate(candidates)
                                                                  if u.check_password(pw)), None)]
                       for u in User.objects.all())
    print(json.dumps({"sessions": out, "every": every, "rates": rates, "authenticators": authenticators,
                      "addresses": addresses, "emails": emails, "passwords": passwords, "usersessions": usersessions}))


def resetkeys(arg):
    """Which user each password reset key is good for (null for none), as allauth's
    ResetPasswordKeyInput checks it."""
    from allauth.headless.account.inputs import ResetPasswordKeyInput
    out = []
    for k in arg["keys"]:
        inp = ResetPasswordKeyInput({"key": k})
        out.append(inp.user.pk if inp.is_valid() else None)
    print(json.dumps(out))


def check(arg):
    access = []
    for tok in arg.get("access") or []:
        r = internal.validate_access_token(tok)
        access.append(None if r is None else [r.user.pk, r.payload.get("token_use")])
    refresh = []
    for tok in arg.get("refresh") or []:
        r = internal.validate_refresh_token(tok)
        refresh.append(None if r is None else r[0].pk)
    print(json.dumps({"access": access, "refresh": refresh}))


def complete(arg):
    """The second factor of a login that waits for it, through allauth's endpoint (the
    rate limits' counts dropped first: the steps used up lee's failed logins)."""
    from django.core.cache import cache
    cache.clear()
    resp = Client().post(AUTH_2FA, {"code": arg["code"]}, content_type="application/json",
                         HTTP_X_SESSION_TOKEN=arg["token"], HTTP_X_FORWARDED_FOR="10.99.0.1")
    body = resp.json()
    user = body.get("data", {}).get("user") or {}
    methods = [m.get("method") for m in body.get("data", {}).get("methods") or []]
    print(json.dumps({"status": resp.status_code, "user": user.get("id"), "methods": methods,
                      "errors": body.get("errors")}))


def mfadb():
    """A database with the second factor's tables: lee (pk 11) with a TOTP authenticator
    and recovery codes, max (pk 12) with migrated recovery codes."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    users = djoracle.create_users([(11, "lee", True, False), (12, "max", True, False)], PASSWORD)
    totp = Authenticator.objects.create(user=users[11], type="totp", data={"secret": TOTP_SECRET})
    rc = Authenticator.objects.create(user=users[11], type="recovery_codes", data={"seed": "5eed" * 20, "used_mask": 0})
    mig = Authenticator.objects.create(user=users[12], type="recovery_codes",
                                       data={"migrated_codes": ["11112222", "caf\u00e9"], "seed": "x", "used_mask": 0})
    print(json.dumps({"ids": [totp.pk, rc.pk, mig.pk], "codes": RecoveryCodes(rc).generate_codes()}))


def mfadb_state():
    """The second factor's rows as Django reads them, and the text the database holds."""
    from allauth.mfa.models import Authenticator
    from django.db import connection

    out = []
    for a in Authenticator.objects.order_by("pk"):
        with connection.cursor() as c:
            c.execute("SELECT data FROM mfa_authenticator WHERE id = %s", [a.pk])
            raw = c.fetchone()[0]
        out.append({"id": a.pk, "type": a.type, "data": a.data, "dumps": json.dumps(a.data),
                    "raw": raw if isinstance(raw, str) else json.dumps(raw),
                    "last_used_at": a.last_used_at.isoformat() if a.last_used_at else None})
    print(json.dumps(out))


VERIFY_CASES = ("none", "other", "conflict", "done", "norow")


def verifydb():
    """Addresses for verify_email_indirectly, twice (users dj-CASE and go-CASE, pks from
    50): not verified and no primary one ("none"), not verified beside a primary one
    ("other"), not verified while zed's row of it is ("conflict"), verified ("done"), no
    row ("norow"); Django's verify_email_indirectly verifies the dj- users' (the go-
    users' are Go's to verify)."""
    from allauth.account.internal.flows.email_verification import verify_email_indirectly
    from allauth.account.models import EmailAddress

    zed = User.objects.create_user(pk=49, username="zed", password=PASSWORD)
    EmailAddress.objects.create(user=zed, email="conflict@x.org", verified=True, primary=True)
    users = {}
    pk = 50
    for side in ("dj", "go"):
        for case in VERIFY_CASES:
            u = User.objects.create_user(pk=pk, username="%s-%s" % (side, case), password=PASSWORD)
            users[side, case] = u
            pk += 1
            email = "conflict@x.org" if case == "conflict" else "%s-%s@x.org" % (side, case)
            if case == "other":
                EmailAddress.objects.create(user=u, email="%s-first@x.org" % side, verified=True, primary=True)
            if case != "norow":
                EmailAddress.objects.create(user=u, email=email, verified=case == "done", primary=False)
    for case in VERIFY_CASES:
        email = "conflict@x.org" if case == "conflict" else "dj-%s@x.org" % case
        verify_email_indirectly(HttpRequest(), users["dj", case], email.upper() if case == "none" else email)
    print(json.dumps({"users": {"%s-%s" % k: u.pk for k, u in users.items()}}))


# addressdb's cases: the login's email ("" for a login by username), the user's own
# email, and the user's rows (email, verified, primary).
ADDRESS_CASES = {
    "row": ("ROW@x.org", "", [("row@x.org", False, False)]),
    "add": ("add@x.org", "", []),
    "first": ("", "", [("first1@x.org", False, False), ("first2@x.org", False, True)]),
    "verified": ("", "", [("ver1@x.org", False, False), ("ver2@x.org", True, False)]),
    "own": ("", "Own@X.org", []),
    "none": ("", "", []),
}


def addressdb():
    """Users for get_address_for_login, twice (dj-addr-CASE and go-addr-CASE, pks from 80): the
    dj- users' addresses found (or added) by allauth's function; prints {"users": {name:
    pk}, "found": {case: [email, verified, primary] or null}}."""
    from allauth.account.internal.flows.email_verification import get_address_for_login
    from allauth.account.models import EmailAddress, Login

    users, found = {}, {}
    pk = 80
    for side in ("dj", "go"):
        for case, (_, own, rows) in ADDRESS_CASES.items():
            email = own.replace("@", "-%s@" % side) if own else ""
            u = User.objects.create_user(pk=pk, username="%s-addr-%s" % (side, case), email=email, password=PASSWORD)
            users["%s-%s" % (side, case)] = pk
            pk += 1
            for e, verified, primary in rows:
                EmailAddress.objects.create(user=u, email=e.replace("@", "-%s@" % side), verified=verified, primary=primary)
    for case, (login, _, _) in ADDRESS_CASES.items():
        u = User.objects.get(username="dj-addr-" + case)
        a = get_address_for_login(Login(user=u, email=login.replace("@", "-dj@") or None))
        found[case] = None if a is None else [a.email.replace("-dj@", "@"), a.verified, a.primary]
    print(json.dumps({"users": users, "found": found}))


def verifydb_state(lo=50, hi=80):
    """The addresses and emails of verifydb's users (or addressdb's: pks lo to hi),
    their side's prefix dropped: {"dj": [...], "go": [...]}."""
    from allauth.account.models import EmailAddress

    out = {"dj": [], "go": []}
    for u in User.objects.filter(pk__gte=lo, pk__lt=hi).order_by("pk"):
        side = u.username[:2]
        rows = [[a.email.replace(side + "-", "").replace("-" + side + "@", "@"), a.verified, a.primary]
                for a in EmailAddress.objects.filter(user=u).order_by("pk")]
        out[side].append([u.username[3:], u.email.replace(side + "-", "").replace("-" + side + "@", "@"), rows])
    print(json.dumps(out))


def values(arg):
    """The rows of a model ("app_label.Model") whose user_id is arg["user"], as Django
    reads them (values(), ordered by pk; datetimes isoformat())."""
    from django.apps import apps
    model = apps.get_model(arg["model"])
    rows = []
    for r in model.objects.filter(user_id=arg["user"]).order_by("pk").values():
        rows.append({k: v.isoformat() if isinstance(v, datetime.datetime) else v for k, v in r.items()})
    print(json.dumps(rows))


if cmd == "setup":
    setup()
elif cmd == "run":
    arg = json.load(sys.stdin)
    run(arg["steps"], arg["tokens"])
elif cmd == "state":
    state(json.load(sys.stdin)["tokens"])
elif cmd == "mfadb":
    mfadb()
elif cmd == "mfadb-state":
    mfadb_state()
elif cmd == "verifydb":
    verifydb()
elif cmd == "verifydb-state":
    verifydb_state()
elif cmd == "addressdb":
    addressdb()
elif cmd == "addressdb-state":
    verifydb_state(80, 200)
elif cmd == "values":
    values(json.load(sys.stdin))
elif cmd == "resetkeys":
    resetkeys(json.load(sys.stdin))
elif cmd == "complete":
    complete(json.load(sys.stdin))
elif cmd == "check":
    check(json.load(sys.stdin))
else:
    sys.exit("unknown command " + cmd)

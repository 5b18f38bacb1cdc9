"""Time django-allauth's headless tokens next to package allauth/headless, in one run.

Usage: scripts/bench_allauth.py [series] [rounds]   (default 5.2, 7 rounds)

The users of the SQLite database Django made for fixtures/example (a copy), bob logged in
to a db session, HEADLESS_TOKEN_STRATEGY JWTTokenStrategy with HS256 and no refresh token
rotation: "jwt" (a GET with bob's access token, built anew per run with RequestFactory, to
an APIView with allauth's JWTTokenAuthentication and IsAuthenticated answering his
username, rendered), "session" (the same with his X-Session-Token and
XSessionTokenAuthentication), "refresh" (allauth's RefreshTokenView of the app client with
his refresh token), "login" (allauth's LoginView of the app client: alice's username and
password, under an MD5 hash (MD5PasswordHasher alone) so that the hasher does not hide
the rest; the login_failed rate limit counted and taken back in a FileBasedCache,
"login" not limited; a new session logged in, her last_login updated, the JWTs made).
Go: BenchmarkHeadless of package allauth/headless. Prints the medians in microseconds
and the Django/Go ratios.
"""

import json
import os
import shutil
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import benchpair  # noqa: E402

if len(sys.argv) > 1 and sys.argv[1] == "--django":
    tmp, database = benchpair.example_database()
    os.environ["DJSESSION_PEER_SETTINGS"] = json.dumps({
        "DATABASES": {"default": database}, "ALLOWED_HOSTS": ["example.com"],
        "INSTALLED_APPS": ["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sessions",
                           "rest_framework", "allauth", "allauth.account", "allauth.headless"],
        "SESSION_ENGINE": "django.contrib.sessions.backends.db",
        "MIDDLEWARE": ["allauth.account.middleware.AccountMiddleware"],
        "HEADLESS_TOKEN_STRATEGY": "allauth.headless.tokens.strategies.jwt.JWTTokenStrategy",
        "HEADLESS_JWT_ALGORITHM": "HS256", "HEADLESS_JWT_ROTATE_REFRESH_TOKEN": False,
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        "ACCOUNT_RATE_LIMITS": {"login": None},
        "CACHES": {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                               "LOCATION": os.path.join(tmp, "cache")}},
        "REST_FRAMEWORK": {"DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]}})
    import djoracle

    djoracle.configure("benchmark-secret-key")
    from types import SimpleNamespace

    from django.contrib.auth import login
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore
    from django.http import HttpRequest
    from django.test import RequestFactory
    from rest_framework.permissions import IsAuthenticated
    from rest_framework.response import Response
    from rest_framework.views import APIView
    from allauth.core import context
    from allauth.headless.constants import Client
    from allauth.headless.contrib.rest_framework.authentication import (
        JWTTokenAuthentication, XSessionTokenAuthentication)
    from allauth.headless.tokens.strategies.jwt import internal
    from allauth.headless.tokens.views import RefreshTokenView
    from allauth.headless.account.views import LoginView
    from django.contrib.auth.hashers import make_password

    from django.core.management import call_command

    call_command("migrate", "account", verbosity=0)  # (allauth's tables, which the login reads)
    bob = User.objects.get(pk=2)
    session = SessionStore()
    req = HttpRequest()
    req.session = session
    login(req, bob, backend="django.contrib.auth.backends.ModelBackend")
    session.save()
    access = internal.create_access_token(bob, session, {})
    refresh = internal.create_refresh_token(bob, session)
    session.save()

    def me_view(auth):
        class Me(APIView):
            authentication_classes = [auth]
            permission_classes = [IsAuthenticated]

            def get(self, request):
                return Response(request.user.get_username())
        return Me.as_view()

    jwt_view, session_view = me_view(JWTTokenAuthentication), me_view(XSessionTokenAuthentication)
    refresh_view = RefreshTokenView.as_api_view(client=Client.APP)
    login_view = LoginView.as_api_view(client=Client.APP)
    User.objects.filter(pk=1).update(password=make_password("bench-pw", "benchsalt", hasher="md5"))
    login_body = json.dumps({"username": "alice", "password": "bench-pw"})
    rf = RequestFactory()
    body = json.dumps({"refresh_token": refresh})

    def call(view, **headers):
        resp = view(rf.get("/api/", HTTP_HOST="example.com", **headers))
        resp.render()
        assert resp.status_code == 200, resp.content

    def call_refresh(view=refresh_view, data=body):
        r = rf.post("/api/", data, content_type="application/json", HTTP_HOST="example.com")
        r.session = SessionStore()
        r.user = None
        r.allauth = SimpleNamespace()
        with context.request_context(r):  # (AccountMiddleware's)
            resp = view(r)
        assert resp.status_code == 200, resp.content

    try:
        benchpair.time_django((("jwt", lambda: call(jwt_view, HTTP_AUTHORIZATION="Bearer " + access)),
                               ("session", lambda: call(session_view, HTTP_X_SESSION_TOKEN=session.session_key)),
                               ("refresh", call_refresh),
                               ("login", lambda: call_refresh(login_view, login_body), 200)), int(sys.argv[2]))
    finally:
        shutil.rmtree(tmp)
    sys.exit(0)

benchpair.main(__file__, "BenchmarkHeadless", "./allauth/headless", ("jwt", "session", "refresh", "login"), "1s")

"""Time dj-rest-auth's views next to package restframework/restauth, in one run.

Usage: scripts/bench_restauth.py [series] [rounds]   (default 5.2, 7 rounds)

The users of the SQLite database Django made for fixtures/example (a copy); REST_AUTH with
USE_JWT and the cookies "auth" and "refresh", JWTCookieAuthentication as the default
authentication, simplejwt's defaults: "user" (a GET of UserDetailsView with bob's access
token in the Authorization header, built anew per run with RequestFactory, rendered) and
"refresh" (a POST of {} to dj-rest-auth's refresh view with bob's refresh token in its
cookie: a new access token, its cookie and expiration). Go: BenchmarkRESTAuth of package
restframework/restauth. Prints the medians in microseconds and the Django/Go ratios.
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
        "INSTALLED_APPS": ["django.contrib.contenttypes", "django.contrib.auth", "rest_framework",
                           "rest_framework.authtoken", "rest_framework_simplejwt", "dj_rest_auth"],
        "REST_FRAMEWORK": {"DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
                           "DEFAULT_AUTHENTICATION_CLASSES": ["dj_rest_auth.jwt_auth.JWTCookieAuthentication"]},
        "REST_AUTH": {"USE_JWT": True, "JWT_AUTH_COOKIE": "auth", "JWT_AUTH_REFRESH_COOKIE": "refresh"}})
    import djoracle

    djoracle.configure("benchmark-secret-key")
    from django.contrib.auth.models import User
    from django.test import RequestFactory
    from dj_rest_auth.jwt_auth import get_refresh_view
    from dj_rest_auth.views import UserDetailsView
    from rest_framework_simplejwt.tokens import RefreshToken

    user_view, refresh_view = UserDetailsView.as_view(), get_refresh_view().as_view()
    refresh = RefreshToken.for_user(User.objects.get(pk=2))
    access = str(refresh.access_token)
    rf = RequestFactory()

    def call(v, request):
        resp = v(request)
        resp.render()
        assert resp.status_code == 200, resp.content

    def refresh_request():
        r = rf.post("/auth/token/refresh/", "{}", content_type="application/json", HTTP_HOST="example.com")
        r.COOKIES["refresh"] = str(refresh)
        return r

    try:
        benchpair.time_django((
            ("user", lambda: call(user_view, rf.get("/auth/user/", HTTP_HOST="example.com",
                                                   HTTP_AUTHORIZATION="Bearer " + access))),
            ("refresh", lambda: call(refresh_view, refresh_request())),
        ), int(sys.argv[2]))
    finally:
        shutil.rmtree(tmp)
    sys.exit(0)

benchpair.main(__file__, "BenchmarkRESTAuth", "./restframework/restauth", ("user", "refresh"))

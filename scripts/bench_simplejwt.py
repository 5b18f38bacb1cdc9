"""Time djangorestframework-simplejwt next to package restframework/simplejwt, in one run.

Usage: scripts/bench_simplejwt.py [series] [rounds]   (default 5.2, 7 rounds)

The users of the SQLite database Django made for fixtures/example (a copy), simplejwt's
default settings: "parse" (AccessToken(raw) of bob's access token), "mint"
(RefreshToken.for_user(bob), its access_token, both written), "authenticate" (a GET with
bob's access token, built anew per run with RequestFactory, to an APIView with
JWTAuthentication and IsAuthenticated answering {"user": pk}, rendered) and "refresh" (a
POST of bob's refresh token to TokenRefreshView, rendered). Go: BenchmarkSimpleJWT of
package restframework/simplejwt. Prints the medians in microseconds and the Django/Go
ratios.
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
                           "rest_framework_simplejwt"],
        "REST_FRAMEWORK": {"DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]}})
    import djoracle

    djoracle.configure("benchmark-secret-key")
    from django.contrib.auth.models import User
    from django.test import RequestFactory
    from rest_framework.permissions import IsAuthenticated
    from rest_framework.response import Response
    from rest_framework.views import APIView
    from rest_framework_simplejwt.authentication import JWTAuthentication
    from rest_framework_simplejwt.tokens import AccessToken, RefreshToken
    from rest_framework_simplejwt.views import TokenRefreshView

    class Me(APIView):
        authentication_classes = [JWTAuthentication]
        permission_classes = [IsAuthenticated]

        def get(self, request):
            return Response({"user": str(request.user.pk)})

    view, refresh_view = Me.as_view(), TokenRefreshView.as_view()
    bob = User.objects.get(pk=2)
    refresh = RefreshToken.for_user(bob)
    raw, body = str(refresh.access_token), json.dumps({"refresh": str(refresh)})
    rf = RequestFactory()

    def mint():
        r = RefreshToken.for_user(bob)
        assert str(r) and str(r.access_token)

    def call(v, request):
        resp = v(request)
        resp.render()
        assert resp.status_code == 200, resp.content

    try:
        benchpair.time_django((
            ("parse", lambda: AccessToken(raw)),
            ("mint", mint),
            ("authenticate", lambda: call(view, rf.get("/api/me/", HTTP_HOST="example.com",
                                                      HTTP_AUTHORIZATION="Bearer " + raw))),
            ("refresh", lambda: call(refresh_view, rf.post("/api/token/refresh/", body, content_type="application/json",
                                                           HTTP_HOST="example.com"))),
        ), int(sys.argv[2]))
    finally:
        shutil.rmtree(tmp)
    sys.exit(0)

benchpair.main(__file__, "BenchmarkSimpleJWT", "./restframework/simplejwt", ("parse", "mint", "authenticate", "refresh"))

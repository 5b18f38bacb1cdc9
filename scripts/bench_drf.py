"""Time Django REST framework's APIView authentication next to package restframework's, in one run.

Usage: scripts/bench_drf.py [series] [rounds]   (default 5.2, 7 rounds)

Three requests, each built anew per run, with the users of the SQLite database Django
made for fixtures/example (a copy, with DRF's authtoken_token migrated in and a token for
bob), through SessionMiddleware (signed cookies), CsrfViewMiddleware and
AuthenticationMiddleware to an APIView (TokenAuthentication, then SessionAuthentication;
IsAuthenticated; JSONRenderer) answering {"user": pk}: "token" (bob's token), "session"
(bob's session) and "anonymous" (the 401). Go: BenchmarkAPIView of package restframework
(httptest request and recorder, the middlewares and the mux included). Django:
RequestFactory, each middleware's process_request (and the CSRF one's process_view), the
view and the rendering of its answer, timed with timeit. Prints the medians in
microseconds and the Django/Go ratios.
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
                           "rest_framework", "rest_framework.authtoken"],
        "SESSION_ENGINE": "django.contrib.sessions.backends.signed_cookies",
        "REST_FRAMEWORK": {"DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]}})
    import djoracle

    djoracle.configure("benchmark-secret-key")
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.middleware import AuthenticationMiddleware
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.signed_cookies import SessionStore
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.core.management import call_command
    from django.middleware.csrf import CsrfViewMiddleware
    from django.test import RequestFactory
    from rest_framework.authentication import SessionAuthentication, TokenAuthentication
    from rest_framework.authtoken.models import Token
    from rest_framework.permissions import IsAuthenticated
    from rest_framework.response import Response
    from rest_framework.views import APIView

    call_command("migrate", "authtoken", verbosity=0)

    class Me(APIView):
        authentication_classes = [TokenAuthentication, SessionAuthentication]
        permission_classes = [IsAuthenticated]

        def get(self, request):
            return Response({"user": str(request.user.pk)})

    view = Me.as_view()
    bob = User.objects.get(pk=2)
    token = Token.objects.create(user=bob)
    store = SessionStore()
    store[SESSION_KEY], store[BACKEND_SESSION_KEY] = "2", "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = bob.get_session_auth_hash()
    store.save()
    rf = RequestFactory()

    def run(extra, status):
        r = rf.get("/api/me/", HTTP_HOST="example.com", **extra)
        SessionMiddleware(view).process_request(r)
        CsrfViewMiddleware(view).process_request(r)
        CsrfViewMiddleware(view).process_view(r, view, (), {})
        AuthenticationMiddleware(view).process_request(r)
        resp = view(r)
        resp.render()
        assert resp.status_code == status, resp.content

    try:
        benchpair.time_django((
            ("token", lambda: run({"HTTP_AUTHORIZATION": "Token " + token.key}, 200)),
            ("session", lambda: run({"HTTP_COOKIE": "sessionid=" + store.session_key}, 200)),
            ("anonymous", lambda: run({}, 401)),
        ), int(sys.argv[2]))
    finally:
        shutil.rmtree(tmp)
    sys.exit(0)

benchpair.main(__file__, "BenchmarkAPIView", "./restframework", ("token", "session", "anonymous"))

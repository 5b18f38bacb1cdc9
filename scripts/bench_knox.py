"""Time django-rest-knox next to package restframework/knox, in one run.

Usage: scripts/bench_knox.py [series] [rounds]   (default 5.2, 7 rounds)

The users of the SQLite database Django made for fixtures/example (a copy, knox's table
migrated), knox's defaults: "authenticate" (a GET with bob's token, built anew per run
with RequestFactory, to an APIView with knox's TokenAuthentication and IsAuthenticated
answering his username, rendered). Go: BenchmarkKnox of package restframework/knox.
Prints the medians in microseconds and the Django/Go ratios.
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
        "INSTALLED_APPS": ["django.contrib.contenttypes", "django.contrib.auth", "rest_framework", "knox"],
        "REST_FRAMEWORK": {"DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]}})
    import djoracle

    djoracle.configure("benchmark-secret-key")
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.test import RequestFactory
    from knox.auth import TokenAuthentication
    from knox.models import AuthToken
    from rest_framework.permissions import IsAuthenticated
    from rest_framework.response import Response
    from rest_framework.views import APIView

    call_command("migrate", "knox", verbosity=0)

    class Me(APIView):
        authentication_classes = [TokenAuthentication]
        permission_classes = [IsAuthenticated]

        def get(self, request):
            return Response(request.user.get_username())

    view = Me.as_view()
    _, token = AuthToken.objects.create(User.objects.get(pk=2))
    rf = RequestFactory()

    def call():
        resp = view(rf.get("/api/me/", HTTP_HOST="example.com", HTTP_AUTHORIZATION="Token " + token))
        resp.render()
        assert resp.status_code == 200, resp.content

    try:
        benchpair.time_django((("authenticate", call),), int(sys.argv[2]))
    finally:
        shutil.rmtree(tmp)
    sys.exit(0)

benchpair.main(__file__, "BenchmarkKnox", "./restframework/knox", ("authenticate",))

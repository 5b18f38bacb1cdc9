"""Time django-oauth-toolkit next to package restframework/oauth2provider, in one run.

Usage: scripts/bench_oauth2.py [series] [rounds]   (default 5.2, 7 rounds)

The users of the SQLite database Django made for fixtures/example (a copy, the toolkit's
tables migrated), the toolkit's defaults: "authenticate" (a GET with a token of bob's,
built anew per run with RequestFactory, to an APIView with OAuth2Authentication and
TokenHasScope ["read"] answering his username, rendered), "protected" (the same request
to a plain view behind protected_resource(scopes=["read"]) answering JsonResponse of his
username), "introspect" (IntrospectTokenView asked about that token by a client with Basic
credentials, its secret stored unhashed), "token" (TokenView's client-credentials grant for
that client). Go: BenchmarkOAuth2 of package
restframework/oauth2provider. Prints the medians in microseconds and the Django/Go ratios.
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
        "INSTALLED_APPS": ["django.contrib.contenttypes", "django.contrib.auth", "rest_framework", "oauth2_provider"],
        "REST_FRAMEWORK": {"DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]}})
    import djoracle

    djoracle.configure("benchmark-secret-key")
    import datetime
    import logging

    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.test import RequestFactory
    from django.utils import timezone
    from django.http import JsonResponse
    from oauth2_provider.contrib.rest_framework import OAuth2Authentication, TokenHasScope
    from oauth2_provider.decorators import protected_resource
    from oauth2_provider.models import AccessToken, Application
    from oauth2_provider.views import IntrospectTokenView, TokenView
    from rest_framework.response import Response
    from rest_framework.views import APIView

    logging.disable(logging.CRITICAL)  # (the toolkit's warnings)
    call_command("migrate", "oauth2_provider", verbosity=0)

    class Me(APIView):
        authentication_classes = [OAuth2Authentication]
        permission_classes = [TokenHasScope]
        required_scopes = ["read"]

        def get(self, request):
            return Response(request.user.get_username())

    view = Me.as_view()

    @protected_resource(scopes=["read"])
    def protected(request):
        return JsonResponse({"username": request.resource_owner.get_username()})

    token = "bench-token-0123456789abcdefgh"
    AccessToken.objects.create(user=User.objects.get(pk=2), token=token, scope="read write",
                               expires=timezone.now() + datetime.timedelta(hours=1))
    rf = RequestFactory()
    Application.objects.create(client_id="bench-client", client_secret="bench-secret", hash_client_secret=False,
                               client_type=Application.CLIENT_CONFIDENTIAL,
                               authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS)
    basic = "Basic " + __import__("base64").b64encode(b"bench-client:bench-secret").decode()
    introspect, token_view = IntrospectTokenView.as_view(), TokenView.as_view()

    def call_introspect():
        resp = introspect(rf.get("/o/introspect/", {"token": token}, HTTP_HOST="example.com", HTTP_AUTHORIZATION=basic))
        assert resp.status_code == 200 and b'"active": true' in resp.content, resp.content

    def call_token():
        resp = token_view(rf.post("/o/token/", "grant_type=client_credentials", content_type="application/x-www-form-urlencoded",
                                  HTTP_HOST="example.com", HTTP_AUTHORIZATION=basic))
        assert resp.status_code == 200, resp.content

    def call():
        resp = view(rf.get("/api/me/", HTTP_HOST="example.com", HTTP_AUTHORIZATION="Bearer " + token))
        resp.render()
        assert resp.status_code == 200, resp.content

    def call_protected():
        resp = protected(rf.get("/api/me/", HTTP_HOST="example.com", HTTP_AUTHORIZATION="Bearer " + token))
        assert resp.status_code == 200, resp.content

    try:
        benchpair.time_django((("authenticate", call), ("protected", call_protected), ("introspect", call_introspect),
                               ("token", call_token)), int(sys.argv[2]))
    finally:
        shutil.rmtree(tmp)
    sys.exit(0)

benchpair.main(__file__, "BenchmarkOAuth2", "./restframework/oauth2provider", ("authenticate", "protected", "introspect", "token"))

"""Time Django's LoginRequiredMiddleware (Django 5.1+) next to package django/auth's, in one run.

Usage: scripts/bench_login_required.py [series] [rounds]   (default 5.2, 7 rounds; 5.1+)

Three requests, each built anew per run, with the users of the SQLite database Django
made for fixtures/example (a copy, for Django), through SessionMiddleware (signed
cookies), AuthenticationMiddleware and LoginRequiredMiddleware to a view that returns
"ok": a closed page without a session ("anonymous": the redirect to log in), a page
marked login_not_required ("open"), and the closed page with bob's session ("user": his
row read, his session hash checked). Go: BenchmarkLoginRequiredMiddleware of package
django/auth (httptest request and recorder, the session middleware and the mux
included). Django: RequestFactory + each middleware's process_request and process_view
and the view, timed with timeit. Prints the medians in microseconds and the Django/Go
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
        "DATABASES": {"default": database},
        "ALLOWED_HOSTS": ["example.com"], "LOGIN_URL": "/accounts/login/",
        "SESSION_ENGINE": "django.contrib.sessions.backends.signed_cookies",
        "ROOT_URLCONF": "djsession_bench_urls"})
    import types

    import djoracle

    urls = types.ModuleType("djsession_bench_urls")  # (resolve_url tries reverse first)
    urls.urlpatterns = []
    sys.modules[urls.__name__] = urls

    djoracle.configure("benchmark-secret-key")
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.decorators import login_not_required
    from django.contrib.auth.middleware import AuthenticationMiddleware, LoginRequiredMiddleware
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.signed_cookies import SessionStore
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.http import HttpResponse
    from django.test import RequestFactory

    def closed(request):
        return HttpResponse("ok")

    @login_not_required
    def open_view(request):
        return HttpResponse("ok")

    store = SessionStore()
    bob = User.objects.get(pk=2)
    store[SESSION_KEY], store[BACKEND_SESSION_KEY] = "2", "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = bob.get_session_auth_hash()
    store.save()
    cookie = "sessionid=" + store.session_key
    rf = RequestFactory()

    def run(path, view, cookie, status):
        extra = {"HTTP_COOKIE": cookie} if cookie else {}
        r = rf.get(path, HTTP_HOST="example.com", **extra)
        SessionMiddleware(view).process_request(r)
        AuthenticationMiddleware(view).process_request(r)
        resp = LoginRequiredMiddleware(view).process_view(r, view, (), {}) or view(r)
        assert resp.status_code == status, resp

    try:
        benchpair.time_django((
            ("anonymous", lambda: run("/reports/?year=2026", closed, "", 302)),
            ("open", lambda: run("/about/", open_view, "", 200)),
            ("user", lambda: run("/reports/?year=2026", closed, cookie, 200)),
        ), int(sys.argv[2]))
    finally:
        shutil.rmtree(tmp)
    sys.exit(0)

benchpair.main(__file__, "BenchmarkLoginRequiredMiddleware", "./django/auth", ("anonymous", "open", "user"))

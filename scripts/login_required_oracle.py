"""Django's LoginRequiredMiddleware (Django 5.1+) answering requests, for the Go twin.

Usage: <venv python> scripts/login_required_oracle.py DATABASE_JSON

DATABASE_JSON is Django's DATABASES["default"] as JSON (an empty database). The script
migrates it, creates users (alice: active; carol: inactive; sam: active staff; pam:
active with auth.view_user; stale: active), and serves, through Django's test Client and a full
middleware stack (SessionMiddleware on signed cookies, AuthenticationMiddleware,
LoginRequiredMiddleware; LOGIN_URL "/in/"), a URLconf of views
open or closed to anonymous users in each of the ways Django marks them: login_not_required,
login_required and user_passes_test with their login_url and redirect_field_name (nested
too), permission_required, staff_member_required, class-based views with
LoginRequiredMixin (with and without login_not_required on dispatch). It prints
{"users": [{"name", "cookie"}], "requests": [{"method", "path", "host"}],
"responses": {"<name or anonymous>": [{"status", "location", "content_type", "vary",
"session_cookie"}]}}, where
cookie is the sessionid cookie of a force_login of that user ("stale": active, whose
password then changes), each request sent with it as it was, and the response's Vary and
whether it sets or deletes the session cookie are reported too.
"""

import json
import os
import sys
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

extra = {
    "DATABASES": {"default": json.loads(sys.argv[1])},
    "INSTALLED_APPS": ["django.contrib.contenttypes", "django.contrib.auth",
                       "django.contrib.sessions", "django.contrib.admin"],
    "MIDDLEWARE": [
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.auth.middleware.LoginRequiredMiddleware",
    ],
    "SESSION_ENGINE": "django.contrib.sessions.backends.signed_cookies",
    "ROOT_URLCONF": "djsession_login_required_urls",
    "ALLOWED_HOSTS": ["testserver"],
    "LOGIN_URL": "/in/",
    "USE_TZ": True,
    "SECRET_KEY": "djsession-auth-db-secret-key",
}
os.environ["DJSESSION_PEER_SETTINGS"] = json.dumps(extra)

import djoracle  # noqa: E402

djoracle.configure(extra["SECRET_KEY"])

from django.contrib import admin  # noqa: E402
from django.contrib.admin.views.decorators import staff_member_required  # noqa: E402
from django.contrib.auth.decorators import (  # noqa: E402
    login_not_required, login_required, permission_required, user_passes_test)
from django.contrib.auth.mixins import LoginRequiredMixin  # noqa: E402
from django.contrib.auth.models import Permission, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import include, path  # noqa: E402
from django.utils.decorators import method_decorator  # noqa: E402
from django.views import View  # noqa: E402
from django.views.decorators.http import require_GET  # noqa: E402
from django.views.generic import RedirectView  # noqa: E402


def ok():
    # A new function per route: login_not_required marks the function it is given.
    def view(request, **kwargs):
        return HttpResponse("ok")
    return view


def authenticated(u):
    return u.is_authenticated


class Mixin(LoginRequiredMixin, View):
    login_url = "/mixin/login/"
    redirect_field_name = "back"

    def get(self, request):
        return HttpResponse("ok")

    post = get


@method_decorator(login_not_required, name="dispatch")
class OpenMixin(Mixin):
    pass


urls = types.ModuleType(extra["ROOT_URLCONF"])
urls.urlpatterns = [
    path("admin/", admin.site.urls),
    path("open/", login_not_required(ok())),
    path("plain/", ok()),
    path("page/<path:rest>", ok()),
    path("deco/", login_required(login_url="/deco/login/", redirect_field_name="back")(ok())),
    path("deco-none/", login_required(redirect_field_name=None)(ok())),
    path("sso/", login_required(login_url="https://sso.example.com/login/")(ok())),
    path("perm/", permission_required("auth.view_user")(ok())),
    path("perm-url/", permission_required("auth.view_user", login_url="/perm/login/")(ok())),
    path("perm-raise/", permission_required("auth.view_user", raise_exception=True)(ok())),
    path("staff/", staff_member_required(ok())),
    path("staff-back/", staff_member_required(ok(), redirect_field_name="back",
                                              login_url="/staff/login/")),
    path("mixin/", Mixin.as_view()),
    path("open-mixin/", OpenMixin.as_view()),
    path("nested/", login_required(login_not_required(ok()))),
    path("open-deco/", login_not_required(login_required(login_url="/x/")(ok()))),
    path("nested-url/", user_passes_test(authenticated, login_url="/outer/")(
        user_passes_test(authenticated, login_url="/inner/", redirect_field_name="in")(ok()))),
    path("get-only/", require_GET(ok())),
    path("old/", RedirectView.as_view(url="/new/")),
    path("sub/", include([path("open/", login_not_required(ok())), path("closed/", ok())])),
]
sys.modules[urls.__name__] = urls

call_command("migrate", verbosity=0, interactive=False)
users = {}
for pk, name, active, staff in [(1, "alice", True, False), (2, "carol", False, False),
                                (3, "sam", True, True), (4, "pam", True, False),
                                (5, "stale", True, False)]:
    u = User(pk=pk, username=name, is_active=active, is_staff=staff)
    u.set_unusable_password()
    u.save()
    users[name] = u
users["pam"].user_permissions.add(Permission.objects.get(content_type__app_label="auth", codename="view_user"))

paths = ["/open/", "/plain/", "/plain/?q=1&r=%20s", "/page/caf%C3%A9/a%20b?x=%C3%A9", "/deco/",
         "/deco-none/?q=1", "/sso/?q=1", "/perm/", "/perm-url/", "/perm-raise/", "/staff/",
         "/staff-back/", "/mixin/", "/open-mixin/", "/nested/", "/open-deco/", "/nested-url/",
         "/nope/", "/in/", "/get-only/", "/old/", "/sub/open/", "/sub/closed/", "/sub/none/"]
requests = [{"method": "GET", "path": p, "host": "testserver"} for p in paths]
requests += [{"method": "POST", "path": p, "host": "testserver"} for p in ("/plain/", "/open/", "/mixin/", "/get-only/")]
requests += [{"method": "GET", "path": p, "host": "evil.com"} for p in ("/plain/", "/open/")]

out = {"users": [], "requests": requests, "responses": {}}
for name in [None, "alice", "carol", "sam", "pam", "stale"]:
    client = Client(raise_request_exception=False)
    if name:
        user = users[name]
        client.force_login(user)
        out["users"].append({"name": name, "cookie": client.cookies["sessionid"].value})
        if name == "stale":  # (a password change since: the session's hash is stale)
            user.set_password("changed")
            user.save()
    answers = []
    for r in requests:
        cookie = client.cookies.get("sessionid")
        call = client.get if r["method"] == "GET" else client.post
        resp = call(r["path"], HTTP_HOST=r["host"])
        answers.append({"status": resp.status_code, "location": resp.get("Location"),
                        "content_type": resp.get("Content-Type"), "vary": resp.get("Vary"),
                        "session_cookie": "sessionid" in resp.cookies})
        if cookie is not None:  # (each request with the session as it was)
            client.cookies["sessionid"] = cookie.value
    out["responses"][name or "anonymous"] = answers
print(json.dumps(out))

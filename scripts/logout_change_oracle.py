"""Django's LogoutView and PasswordChangeView answering a browser's requests, for the Go twins.

Usage: <venv python> scripts/logout_change_oracle.py DATABASE_JSON COMMAND [VARIANT]

DATABASE_JSON is Django's DATABASES["default"] as JSON.

setup    migrates the (empty) database, creates alice (pk 1, password "old-Passw0rd!")
         and prints {"steps": STEPS, "common_passwords": the path of this Django's
         common-passwords list, "new_password"}.
run      (after setup) sends the STEPS below through Django's test Client (one client,
         its cookies kept; db sessions; the four validators of Django's project template;
         VARIANT: {"logout_redirect_url": LOGOUT_REDIRECT_URL}) to this URLconf:
           accounts/login/                  LoginView
           logout/                          LogoutView
           logout-then-login/               LogoutView(next_page=LOGIN_URL), as logout_then_login
           logout-\u00e9/                        LogoutView
           password_change/                 PasswordChangeView
           accounts/password_change/done/   PasswordChangeDoneView, its success URL (named password_change_done)
           reset/done/, reset/complete/     PasswordResetDoneView, PasswordResetCompleteView
         LogoutView's template prints "logged out", PasswordChangeView's the form's errors
         (as_json), the done pages "done", the complete page "log in at {{ login_url }}". It prints, after each step, {"status", "location", "cache_control",
         "allow", "page": the body, parsed when it is JSON (null unless 200), "user": the session's _auth_user_id}.
csrf     (after setup) sends CSRF_STEPS, with CsrfViewMiddleware in MIDDLEWARE, through a
         test Client that enforces CSRF checks, to the same views under x/ wrapped in csrf_exempt (which Django's
         csrf_protect on the views overrides) and x/token/ (get_token); a step with
         "token" posts the csrftoken cookie as csrfmiddlewaretoken. It prints, after each,
         {"status", "cache_control", "page", "user"}.
users    (with a password as fourth argument) prints whether it is alice's password now.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

cmd = sys.argv[2]
variant = json.loads(sys.argv[3]) if len(sys.argv) > 3 and cmd == "run" else {"logout_redirect_url": None}

import djoracle  # noqa: E402

URLCONF = "djsession_logout_urls"
djoracle.configure_view_site(sys.argv[1], URLCONF, {
    "login.html": "login form",
    "logged_out.html": "logged out",
    "change.html": "{{ form.errors.as_json|safe }}",
    "done.html": "done",
    "complete.html": "log in at {{ login_url }}",
}, AUTH_PASSWORD_VALIDATORS=djoracle.PROJECT_PASSWORD_VALIDATORS,
    LOGOUT_REDIRECT_URL=variant["logout_redirect_url"],
    # (CSRF checks for the csrf command only: the others' Client does not enforce them)
    MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware",
                "django.contrib.auth.middleware.AuthenticationMiddleware"] + (
        ["django.middleware.csrf.CsrfViewMiddleware"] if cmd == "csrf" else []))

import django  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import views  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.middleware.csrf import get_token  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402

djoracle.set_urlpatterns(URLCONF, [
    path("accounts/login/", views.LoginView.as_view(template_name="login.html")),
    path("logout/", views.LogoutView.as_view(template_name="logged_out.html")),
    path("logout-then-login/", views.LogoutView.as_view(template_name="logged_out.html", next_page=settings.LOGIN_URL)),
    path("logout-\u00e9/", views.LogoutView.as_view(template_name="logged_out.html")),
    path("password_change/", views.PasswordChangeView.as_view(template_name="change.html")),
    path("accounts/password_change/done/", views.PasswordChangeDoneView.as_view(template_name="done.html"),
         name="password_change_done"),
    path("reset/done/", views.PasswordResetDoneView.as_view(template_name="done.html")),
    path("reset/complete/", views.PasswordResetCompleteView.as_view(template_name="complete.html")),
    path("x/login/", csrf_exempt(views.LoginView.as_view(template_name="login.html"))),
    path("x/logout/", csrf_exempt(views.LogoutView.as_view(template_name="logged_out.html"))),
    path("x/password_change/", csrf_exempt(views.PasswordChangeView.as_view(template_name="change.html"))),
    path("x/token/", lambda r: HttpResponse(get_token(r) and "token")),
])

OLD, NEW = "old-Passw0rd!", "N3w-Secret-pw!"
L, C = "/logout/", "/password_change/"
LOGIN = {"method": "POST", "path": "/accounts/login/", "data": {"username": "alice", "password": NEW}}
STEPS = [
    {"method": "GET", "path": L},
    {"method": "POST", "path": L + "?next=/after/"},
    {"method": "GET", "path": C},
    {"method": "POST", "path": "/accounts/login/", "data": {"username": "alice", "password": OLD}},
    {"method": "GET", "path": C},
    {"method": "POST", "path": C, "data": {}},
    {"method": "POST", "path": C, "data": {"old_password": "wrong", "new_password1": "Abc123xyz!!", "new_password2": "Abc123xyz!?"}},
    {"method": "POST", "path": C, "data": {"old_password": "a\x00", "new_password1": "password", "new_password2": "password"}},
    {"method": "POST", "path": C, "data": {"old_password": OLD, "new_password1": "", "new_password2": "alice"}},
    {"method": "post", "path": C, "data": {"old_password": " " + OLD, "new_password1": "12345678901", "new_password2": "12345678901"}},
    {"method": "PUT", "path": C},
    {"method": "DELETE", "path": C},
    {"method": "OPTIONS", "path": C},
    {"method": "POST", "path": C + "?next=/x/", "data": {"old_password": OLD, "new_password1": NEW, "new_password2": NEW}},
    {"method": "GET", "path": C},
    {"method": "GET", "path": L},
    LOGIN,
    {"method": "HEAD", "path": L},
    LOGIN,
    {"method": "DELETE", "path": L},
    LOGIN,
    {"method": "OPTIONS", "path": L},
    LOGIN,
    {"method": "POST", "path": L + "?next=http://evil.com/"},
    LOGIN,
    {"method": "POST", "path": L + "?next=/y/", "data": {"next": "/x/"}},
    LOGIN,
    {"method": "POST", "path": L + "?next="},
    LOGIN,
    {"method": "POST", "path": L + "?next=//testserver/ok/%C3%A9"},
    LOGIN,
    {"method": "POST", "path": L},
    LOGIN,
    {"method": "POST", "path": L + "?a=1"},
    LOGIN,
    {"method": "POST", "path": "/logout-then-login/"},
    LOGIN,
    {"method": "POST", "path": "/logout-%C3%A9/"},
    LOGIN,
    {"method": "post", "path": L},
    {"method": "POST", "path": L},
    {"method": "GET", "path": "/accounts/password_change/done/"},
    {"method": "GET", "path": "/reset/done/"},
    {"method": "POST", "path": "/reset/done/"},
    {"method": "OPTIONS", "path": "/reset/complete/"},
    {"method": "GET", "path": "/reset/complete/"},
    LOGIN,
    {"method": "GET", "path": "/accounts/password_change/done/"},
    {"method": "HEAD", "path": "/accounts/password_change/done/"},
    {"method": "POST", "path": "/accounts/password_change/done/"},
    {"method": "OPTIONS", "path": "/accounts/password_change/done/"},
]



def page(resp):
    """The body of a 200, parsed when it is JSON; else None."""
    if resp.status_code != 200:
        return None
    text = resp.content.decode()
    try:
        return json.loads(text)
    except ValueError:
        return text


X = "/x/"
CSRF_STEPS = [
    {"method": "GET", "path": X + "token/"},
    {"method": "POST", "path": X + "logout/"},
    {"method": "POST", "path": X + "password_change/"},
    {"method": "POST", "path": X + "login/", "data": {"username": "alice", "password": OLD}},
    {"method": "POST", "path": X + "login/", "data": {"username": "alice", "password": OLD}, "token": True},
    {"method": "GET", "path": X + "token/"},
    {"method": "POST", "path": X + "password_change/", "data": {"old_password": "wrong"}},
    {"method": "POST", "path": X + "password_change/", "data": {"old_password": "wrong"}, "token": True},
    {"method": "DELETE", "path": X + "password_change/"},
    {"method": "DELETE", "path": X + "logout/"},
    {"method": "GET", "path": X + "token/"},
    {"method": "POST", "path": X + "logout/", "token": True},
]

if cmd == "setup":
    call_command("migrate", verbosity=0, interactive=False)
    alice = User(pk=1, username="alice", email="alice@example.com")
    alice.set_password(OLD)
    alice.save()
    print(json.dumps({
        "steps": STEPS, "csrf_steps": CSRF_STEPS, "new_password": NEW,
        "common_passwords": os.path.join(os.path.dirname(django.contrib.auth.__file__), "common-passwords.txt.gz"),
    }))
elif cmd == "run":
    client = Client()
    out = []
    for step in STEPS:
        resp = djoracle.send_form(client, step)
        session = client.session
        out.append({
            "status": resp.status_code, "location": resp.get("Location"),
            "cache_control": resp.get("Cache-Control"), "allow": resp.get("Allow"),
            "page": page(resp),
            "user": session.get("_auth_user_id"),
        })
    print(json.dumps({"steps": out}))
elif cmd == "csrf":
    client = Client(enforce_csrf_checks=True)
    out = []
    for step in CSRF_STEPS:
        data = dict(step.get("data", {}))
        if step.get("token"):
            data["csrfmiddlewaretoken"] = client.cookies["csrftoken"].value
        resp = djoracle.send_form(client, step, data=data)
        out.append({
            "status": resp.status_code, "cache_control": resp.get("Cache-Control"), "page": page(resp),
            "user": client.session.get("_auth_user_id"),
        })
    print(json.dumps({"steps": out}))
elif cmd == "users":
    print(json.dumps({"ok": User.objects.get(pk=1).check_password(sys.argv[3])}))
else:
    sys.exit(__doc__)

"""Django's LoginView (with AuthenticationForm) answering login attempts, for the Go twin.

Usage: <venv python> scripts/login_view_oracle.py DATABASE_JSON COMMAND [VARIANT]

DATABASE_JSON is Django's DATABASES["default"] as JSON.

setup    migrates the (empty) database and creates alice (active, password
         "alice-pw-123"), carol (inactive, "carol-pw-123") and ffion ("ffion-pw-123"),
         and prints {"steps": STEPS}.
run      (after setup) sends the STEPS below through Django's test Client (one client,
         its cookies kept) to LoginView at /login/ (db sessions; VARIANT: {"backends":
         AUTHENTICATION_BACKENDS, "redirect_authenticated_user": bool}), whose template
         prints {{ next }} and the form's errors (as_json). It prints, after each step,
         {"status", "location", "cache_control", "allow", "page": {"next", "errors"} (null
         unless 200), "user": the session's _auth_user_id, "backend": its
         _auth_user_backend}.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

cmd = sys.argv[2]
variant = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {
    "backends": ["django.contrib.auth.backends.ModelBackend"], "redirect_authenticated_user": False}

import djoracle  # noqa: E402

URLCONF = "djsession_login_urls"
djoracle.configure_view_site(sys.argv[1], URLCONF, {
    "login.html": "{{ next }}\n{{ form.errors.as_json|safe }}",
}, AUTHENTICATION_BACKENDS=variant["backends"])

from django.contrib.auth import views  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import path  # noqa: E402

djoracle.set_urlpatterns(URLCONF, [path("login/", views.LoginView.as_view(
    template_name="login.html", redirect_authenticated_user=variant["redirect_authenticated_user"]))])

STEPS = [
    {"method": "GET", "path": "/login/?next=/private/"},
    {"method": "GET", "path": "/login/?next=http://evil.com/"},
    {"method": "POST", "path": "/login/", "data": {}},
    {"method": "POST", "path": "/login/", "data": {"username": "  ", "password": "x"}},
    {"method": "POST", "path": "/login/", "data": {"username": "alice", "password": "wrong"}},
    {"method": "POST", "path": "/login/", "data": {"username": "nobody", "password": "x"}},
    {"method": "POST", "path": "/login/", "data": {"username": "carol", "password": "carol-pw-123"}},
    {"method": "POST", "path": "/login/", "data": {"username": "a" * 151, "password": "x"}},
    {"method": "POST", "path": "/login/", "data": {"username": "al\x00ice", "password": "p\x00"}},
    {"method": "POST", "path": "/login/", "data": {"username": "alice", "password": " alice-pw-123"}},
    {"method": "DELETE", "path": "/login/"},
    {"method": "POST", "path": "/login/?next=/q/", "data": {"username": " alice ", "password": "alice-pw-123", "next": "/private/"}},
    {"method": "GET", "path": "/login/"},
    {"method": "POST", "path": "/login/", "data": {"username": "\ufb00ion", "password": "ffion-pw-123", "next": "http://evil.com/"}},
    {"method": "DELETE", "path": "/login/"},
    {"method": "post", "path": "/login/", "data": {"username": "alice", "password": "alice-pw-123"}},
]

if cmd == "setup":
    call_command("migrate", verbosity=0, interactive=False)
    for name, active in (("alice", True), ("carol", False), ("ffion", True)):
        u = User(username=name, is_active=active)
        u.set_password(name + "-pw-123")
        u.save()
    print(json.dumps({"steps": STEPS}))
elif cmd == "run":
    client = Client()
    out = []
    for step in STEPS:
        resp = djoracle.send_form(client, step)
        page = None
        if resp.status_code == 200:
            nxt, _, errors = resp.content.decode().partition("\n")
            page = {"next": nxt, "errors": json.loads(errors) if errors else {}}
        session = client.session
        out.append({
            "status": resp.status_code, "location": resp.get("Location"),
            "cache_control": resp.get("Cache-Control"), "allow": resp.get("Allow"), "page": page,
            "user": session.get("_auth_user_id"), "backend": session.get("_auth_user_backend"),
        })
    print(json.dumps({"steps": out}))
else:
    sys.exit(__doc__)

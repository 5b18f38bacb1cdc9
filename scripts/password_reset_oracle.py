"""Django's PasswordResetView (with PasswordResetForm) taking "forgot password" forms, for
the Go twin.

Usage: <venv python> scripts/password_reset_oracle.py DATABASE_JSON COMMAND [ARG]

DATABASE_JSON is Django's DATABASES["default"] as JSON.

setup    migrates the (empty) database, creates the USERS below and prints {"steps": STEPS}.
run      (after setup) sends the STEPS below through Django's test Client to
         PasswordResetView at /password_reset/ (db sessions, the locmem email backend;
         "secure" steps over HTTPS), and prints, after each, {"status", "location",
         "allow", "page": the form's errors (as_json; null unless 200), "emails": the
         emails sent, each {"to", "email", "domain", "site_name", "uid", "protocol",
         "username", "token"}}.
check    (ARG: a JSON list of [uidb64, token]) prints {"valid": [...]}: whether Django's
         PasswordResetConfirmView would take each link (default_token_generator).
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

cmd = sys.argv[2]

import djoracle  # noqa: E402

URLCONF = "djsession_reset_form_urls"
djoracle.configure_view_site(sys.argv[1], URLCONF, {
    "form.html": "{{ form.errors.as_json|safe }}",
    "subject.txt": "reset",
    "email.html": "{{ email }}\n{{ domain }}\n{{ site_name }}\n{{ uid }}\n{{ protocol }}\n{{ user.username }}\n{{ token }}",
}, EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")

from django.contrib.auth import views  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.contrib.auth.tokens import default_token_generator  # noqa: E402
from django.core import mail  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import path  # noqa: E402
from django.utils.http import urlsafe_base64_decode  # noqa: E402

djoracle.set_urlpatterns(URLCONF, [path("password_reset/", views.PasswordResetView.as_view(
    template_name="form.html", subject_template_name="subject.txt", email_template_name="email.html",
    success_url="/accounts/password_reset/done/"))])

# username, email, active, usable password
USERS = [
    ("alice", "alice@example.com", True, True),
    ("alice2", "Alice@Example.COM", True, True),
    ("bob", "bob@example.com", False, True),
    ("carol", "carol@example.com", True, False),
    ("e_ve", "e_ve@example.com", True, True),
    ("exve", "exve@example.com", True, True),
    ("gross", "x@stra\u00dfe.de", True, True),
    ("fiona", "y@\ufb01.de", True, True),
    ("eve", "z@\u00c9COLE.fr", True, True),
    ("pct", "100%@example.com", True, True),
    ("dotless", "w@\u0131.com", True, True),
]
P = "/password_reset/"
STEPS = [
    {"method": "GET", "path": P},
    {"method": "POST", "path": P, "data": {}},
    {"method": "POST", "path": P, "data": {"email": "   "}},
    {"method": "POST", "path": P, "data": {"email": "not-an-email"}},
    {"method": "POST", "path": P, "data": {"email": "a" * 250 + "@example.com"}},
    {"method": "POST", "path": P, "data": {"email": "a\x00@example.com"}},
    {"method": "POST", "path": P, "data": {"email": "  alice@example.com  "}},
    {"method": "POST", "path": P, "data": {"email": "ALICE@example.com"}, "secure": True},
    {"method": "POST", "path": P, "data": {"email": "nobody@example.com"}},
    {"method": "POST", "path": P, "data": {"email": "bob@example.com"}},
    {"method": "POST", "path": P, "data": {"email": "carol@example.com"}},
    {"method": "POST", "path": P, "data": {"email": "exve@example.com"}},
    {"method": "POST", "path": P, "data": {"email": "e_ve@example.com"}},
    {"method": "POST", "path": P, "data": {"email": "e%e@example.com"}},
    {"method": "POST", "path": P, "data": {"email": "X@STRA\u00dfE.DE"}},
    {"method": "POST", "path": P, "data": {"email": "x@strasse.de"}},
    {"method": "POST", "path": P, "data": {"email": "y@\ufb01.DE"}},
    {"method": "POST", "path": P, "data": {"email": "y@fi.de"}},
    {"method": "POST", "path": P, "data": {"email": "z@\u00e9cole.fr"}},
    {"method": "POST", "path": P, "data": {"email": "Z@\u00c9COLE.FR"}},
    {"method": "POST", "path": P, "data": {"email": "\u00e9ve@example.com"}},
    {"method": "POST", "path": P, "data": {"email": "w@i.com"}},
    {"method": "POST", "path": P, "data": {"email": "W@\u0131.COM"}},
    {"method": "POST", "path": P, "data": {"email": "100%@example.com"}},
    {"method": "POST", "path": P, "data": {"email": "alice@b\u00fccher.de"}},
    {"method": "PUT", "path": P},
    {"method": "DELETE", "path": P},
    {"method": "OPTIONS", "path": P},
    {"method": "post", "path": P, "data": {"email": "alice@example.com"}},
]

if cmd == "setup":
    call_command("migrate", verbosity=0, interactive=False)
    for username, email, active, usable in USERS:
        u = User(username=username, email=email, is_active=active)
        if usable:
            u.set_password(username + "-pw-123")
        else:
            u.set_unusable_password()
        u.save()
    print(json.dumps({"steps": STEPS}))
elif cmd == "run":
    client = Client()
    out = []
    for step in STEPS:
        mail.outbox = []
        resp = djoracle.send_form(client, step)
        emails = []
        for m in mail.outbox:
            email, domain, site_name, uid, protocol, username, token = m.body.split("\n")
            emails.append({"to": m.to, "email": email, "domain": domain, "site_name": site_name, "uid": uid,
                           "protocol": protocol, "username": username, "token": token})
        text = resp.content.decode()
        out.append({
            "status": resp.status_code, "location": resp.get("Location"), "allow": resp.get("Allow"),
            "page": json.loads(text) if resp.status_code == 200 and text else None, "emails": emails,
        })
    print(json.dumps({"steps": out}))
elif cmd == "check":
    valid = []
    for uid, token in json.loads(sys.argv[3]):
        user = User.objects.get(pk=urlsafe_base64_decode(uid).decode())
        valid.append(default_token_generator.check_token(user, token))
    print(json.dumps({"valid": valid}))
else:
    sys.exit(__doc__)

"""Django's PasswordResetConfirmView taking a reset link through its two steps, for the Go twin.

Usage: <venv python> scripts/reset_confirm_oracle.py DATABASE_JSON COMMAND [VARIANT]

DATABASE_JSON is Django's DATABASES["default"] as JSON.

setup    migrates the (empty) database, creates alice (pk 1, alice@example.com) and
         prints {"uidb64", "token": a good reset token for her (default_token_generator),
         "common_passwords": the path of this Django's common-passwords list, "steps"}.
run      (after setup; TOKEN as fourth argument) sends the STEPS below through Django's
         test Client (one client, its cookies kept) to PasswordResetConfirmView at
         accounts/reset/<uidb64>/<token>/ (db sessions; the four validators of Django's
         project template; VARIANT {"post_reset_login": bool}), whose template prints
         validlink and the form's errors (as_json). It prints, after each step, {"status",
         "location", "cache_control", "expires": whether set, "page": {"validlink",
         "errors"} (null for a redirect), "session_token": whether the session holds
         _password_reset_token, "user": the session's _auth_user_id or null}.
step1    (TOKEN as fourth argument) takes the link alone and prints the status, Location
         and the key of the session it leaves.
step2    (a session key as fourth argument) in that session, GETs the form (its page is
         printed) and POSTs the new password (status and Location printed).
users    (with the new password as fourth argument) prints whether alice's password is
         now that one.

In the steps' paths, UID is alice's uidb64, TOKEN the good token, BADUID one of no user.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

cmd = sys.argv[2]
variant = json.loads(sys.argv[4]) if len(sys.argv) > 4 else {"post_reset_login": False}

import djoracle  # noqa: E402

URLCONF = "djsession_reset_urls"
djoracle.configure_view_site(sys.argv[1], URLCONF, {
    "confirm.html": "{{ validlink }}\n{% if form %}{{ form.errors.as_json|safe }}{% endif %}",
}, AUTH_PASSWORD_VALIDATORS=djoracle.PROJECT_PASSWORD_VALIDATORS)

import django  # noqa: E402
from django.contrib.auth import views  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.contrib.auth.tokens import default_token_generator  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import path  # noqa: E402
from django.utils.encoding import force_bytes  # noqa: E402
from django.utils.http import urlsafe_base64_encode  # noqa: E402

djoracle.set_urlpatterns(URLCONF, [path("accounts/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(
    template_name="confirm.html", post_reset_login=variant["post_reset_login"],
    success_url="/accounts/reset/done/"))])

NEW = "N3w-Secret-pw!"
R = "/accounts/reset/"
STEPS = [
    {"method": "GET", "path": R + "UID/bad-token/"},
    {"method": "GET", "path": R + "BADUID/TOKEN/"},
    {"method": "GET", "path": R + "UID/set-password/"},
    {"method": "GET", "path": R + "M%FFQ/TOKEN/"},
    {"method": "GET", "path": R + "UID/TOKEN/?next=%2Fhome%2F"},
    {"method": "GET", "path": R + "UID/set-password/"},
    {"method": "POST", "path": R + "UID/set-password/", "data": {"new_password1": "Abc123xyz!!", "new_password2": "Abc123xyz!?"}},
    {"method": "POST", "path": R + "UID/set-password/", "data": {"new_password1": "password1", "new_password2": "password"}},
    {"method": "post", "path": R + "UID/set-password/", "data": {"new_password1": "x", "new_password2": "y"}},
    {"method": "POST", "path": R + "UID/set-password/", "data": {}},
    {"method": "POST", "path": R + "UID/set-password/", "data": {"new_password1": "password", "new_password2": "password"}},
    {"method": "POST", "path": R + "UID/set-password/", "data": {"new_password1": "", "new_password2": "alice"}},
    {"method": "POST", "path": R + "UID/set-password/", "data": {"new_password1": "12345678901", "new_password2": "a\x00b"}},
    {"method": "DELETE", "path": R + "UID/set-password/"},
    {"method": "PUT", "path": R + "UID/set-password/"},
    {"method": "POST", "path": R + "UID/set-password/", "data": {"new_password1": NEW, "new_password2": NEW}},
    {"method": "GET", "path": R + "UID/set-password/"},
    {"method": "GET", "path": R + "UID/TOKEN/"},
]

if cmd == "setup":
    call_command("migrate", verbosity=0, interactive=False)
    alice = User(pk=1, username="alice", email="alice@example.com")
    alice.set_password("old-Passw0rd!")
    alice.save()
    print(json.dumps({
        "uidb64": urlsafe_base64_encode(force_bytes(alice.pk)),
        "token": default_token_generator.make_token(alice),
        "common_passwords": os.path.join(os.path.dirname(django.contrib.auth.__file__), "common-passwords.txt.gz"),
        "steps": STEPS, "new_password": NEW,
    }))
elif cmd == "run":
    token = sys.argv[3]
    uid = urlsafe_base64_encode(force_bytes(1))
    client = Client()
    out = []
    for step in STEPS:
        p = step["path"].replace("BADUID", "OTk").replace("UID", uid).replace("TOKEN", token)
        resp = djoracle.send_form(client, step, path=p)
        page = None
        if resp.status_code == 200:
            valid, _, errors = resp.content.decode().partition("\n")
            page = {"validlink": valid == "True", "errors": json.loads(errors) if errors else None}
        session = client.session
        out.append({
            "status": resp.status_code, "location": resp.get("Location"),
            "cache_control": resp.get("Cache-Control"), "expires": resp.has_header("Expires"),
            "allow": resp.get("Allow"), "page": page,
            "session_token": "_password_reset_token" in session, "user": session.get("_auth_user_id"),
        })
    print(json.dumps({"steps": out}))
elif cmd == "step1":
    # The link's step alone (TOKEN as fourth argument): prints the session key it leaves.
    client = Client()
    resp = client.get(R + "%s/%s/" % (urlsafe_base64_encode(force_bytes(1)), sys.argv[3]))
    print(json.dumps({"status": resp.status_code, "location": resp.get("Location"),
                      "session_key": client.cookies["sessionid"].value}))
elif cmd == "step2":
    # The form's step alone, in the session of the key given as fourth argument: GET it,
    # then POST the new password.
    client = Client()
    client.cookies["sessionid"] = sys.argv[3]
    form = R + "%s/set-password/" % urlsafe_base64_encode(force_bytes(1))
    got = client.get(form)
    posted = client.post(form, {"new_password1": NEW, "new_password2": NEW})
    print(json.dumps({"page": got.content.decode(), "status": posted.status_code,
                      "location": posted.get("Location")}))
elif cmd == "users":
    print(json.dumps({"new_password_set": User.objects.get(pk=1).check_password(sys.argv[3])}))
else:
    sys.exit(__doc__)

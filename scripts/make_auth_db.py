"""Create or inspect a real Django auth_user table, for the SQL user source tests.

Usage: <venv python> scripts/make_auth_db.py create|inspect DATABASE_JSON [CHECK_JSON]

DATABASE_JSON is Django's DATABASES["default"] as JSON (SQLite file, or PostgreSQL with
OPTIONS such as {"options": "-c search_path=<schema>"}).

create   runs `migrate` (contenttypes, auth, sessions) and creates users with Django's own
         make_password (this version's default hasher and iterations):
           1 alice  password "alice-pw"  active
           2 bob    password "bob-pw"    active
           3 carol  password "carol-pw"  inactive
         and prints {"users": [...]} (id, username, password, is_active, session_auth_hash).
inspect  prints the users as Django's ORM reads them: last_login (ISO, aware UTC), password,
         session_auth_hash, and for CHECK_JSON {"<username>": "<raw password>"} whether
         user.check_password accepts it (check_password may upgrade the hash: it is run on a
         copy whose save() is disabled).
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

cmd, db = sys.argv[1], json.loads(sys.argv[2])
extra = json.loads(os.environ.get("DJSESSION_PEER_SETTINGS") or "{}")
extra["DATABASES"] = {"default": db}
extra.setdefault("USE_TZ", True)
extra["SECRET_KEY"] = "djsession-auth-db-secret-key"
os.environ["DJSESSION_PEER_SETTINGS"] = json.dumps(extra)

import djoracle  # noqa: E402

djoracle.configure()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402


def row(u):
    return {
        "id": str(u.pk),
        "username": u.username,
        "password": u.password,
        "is_active": u.is_active,
        "last_login": u.last_login.isoformat() if u.last_login else None,
        "session_auth_hash": u.get_session_auth_hash(),
    }


if cmd == "create":
    call_command("migrate", verbosity=0, interactive=False)
    for pk, name, active in [(1, "alice", True), (2, "bob", True), (3, "carol", False)]:
        u = User(pk=pk, username=name, is_active=active)
        u.set_password(name + "-pw")
        u.save()
    print(json.dumps({"users": [row(u) for u in User.objects.order_by("pk")]}))
elif cmd == "inspect":
    checks = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
    out = []
    for u in User.objects.order_by("pk"):
        r = row(u)
        if u.username in checks:
            u.save = lambda *a, **k: None
            r["check_password"] = u.check_password(checks[u.username])
        out.append(r)
    print(json.dumps({"users": out}))
else:
    sys.exit(__doc__)

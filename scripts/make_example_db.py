"""Make fixtures/example/: a SQLite database written by real Django.

Run it with a Django venv's Python (scripts/make-example-db does that with 5.2):

    python scripts/make_example_db.py [OUTDIR]          # default fixtures/example
    python scripts/make_example_db.py --clearsessions DB [--now UNIX]

The first form deletes and rebuilds OUTDIR/db.sqlite3: Django's migrate (contenttypes,
auth, sessions), three users with make_password (alice staff with a permission of her
own, bob in a group "editors" with two), sessions made through Django's own
SessionMiddleware and django.contrib.auth.login on RequestFactory requests (plus one
logged in by setting the three auth keys, some anonymous ones and one that has expired),
then writes OUTDIR/sessions.json: what Django itself reads back from the database (keys,
users, expire dates, the decoded sessions as Django's JSON serializer writes them, and
the user Django's get_user finds for each session: none for dave's, whose password
changed after his login).

The second form runs Django's real "clearsessions" management command on the database
DB, with django.utils.timezone.now() fixed to UNIX when given; the Go tests compare what
it leaves with what "djsession clearsessions" leaves.

Determinism: every clock Django reads here is fixed (django.utils.timezone.now and the
signing timestamp), session keys come from random.Random(SEED) through a patched
get_random_string in django.contrib.sessions.backends.base, and passwords use fixed salts,
so the rows and sessions.json come out identical on every run. The SQLite file itself
may differ in its header (it records the SQLite library version).
"""

import datetime
import json
import os
import random
import sys

# A made-up key for this fixture only. Never use it anywhere else.
SECRET_KEY = "django-insecure-djsession-example-fixture-NOT-A-REAL-SECRET-0123456789"

# About 50 years, so that the unexpired sessions stay alive for decades.
COOKIE_AGE = 50 * 365 * 24 * 3600

# The instant the sessions are made: 2025-01-01 00:00:00 UTC, one minute apart.
START = 1735689600

# The expired session is saved at this instant with set_expiry(3600).
EXPIRED_AT = 1577836800  # 2020-01-01 00:00:00 UTC

SEED = 20250101

USERS = [
    # username, password, salt for make_password
    ("alice", "alice-example-password", "exampleSaltAlice01"),
    ("bob", "bob-example-password", "exampleSaltBob0001"),
    ("carol", "carol-example-password", "exampleSaltCarol01"),
    ("dave", "dave-example-password", "exampleSaltDave001"),
]

BACKEND = "django.contrib.auth.backends.ModelBackend"


def configure(db_path):
    import django
    from django.conf import settings

    settings.configure(
        SECRET_KEY=SECRET_KEY,
        INSTALLED_APPS=[
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "django.contrib.sessions",
        ],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": db_path}},
        USE_TZ=True,
        TIME_ZONE="UTC",
        SESSION_ENGINE="django.contrib.sessions.backends.db",
        SESSION_COOKIE_AGE=COOKIE_AGE,
        AUTHENTICATION_BACKENDS=[BACKEND],
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        LOGGING_CONFIG=None,
    )
    django.setup()


class FixedClock:
    """Fix django.utils.timezone.now() and django.core.signing's time.time()."""

    def __init__(self, unix):
        self.unix = unix

    def __enter__(self):
        from django.core import signing
        from django.utils import timezone

        self.saved = (timezone.now, signing.time)
        unix = self.unix

        class _time:
            @staticmethod
            def time():
                return float(unix)

        timezone.now = lambda: datetime.datetime.fromtimestamp(unix, datetime.timezone.utc)
        signing.time = _time
        return self

    def __exit__(self, *exc):
        from django.core import signing
        from django.utils import timezone

        timezone.now, signing.time = self.saved


def seeded_keys():
    """Make the session keys Django draws come from random.Random(SEED)."""
    from django.contrib.sessions.backends import base

    rng = random.Random(SEED)

    def get_random_string(length, allowed_chars):
        return "".join(rng.choice(allowed_chars) for _ in range(length))

    base.get_random_string = get_random_string


def through_middleware(view):
    """Run view(request) on a RequestFactory GET wrapped in SessionMiddleware, as a real
    request would be: the session is loaded before and saved after."""
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.http import HttpResponse
    from django.test import RequestFactory

    def get_response(request):
        view(request)
        return HttpResponse("ok")

    request = RequestFactory().get("/")
    SessionMiddleware(get_response)(request)
    return request.session.session_key


def generate(outdir):
    outdir = os.path.abspath(outdir)
    os.makedirs(outdir, exist_ok=True)
    db_path = os.path.join(outdir, "db.sqlite3")
    for suffix in ("", "-journal", "-wal", "-shm"):
        if os.path.exists(db_path + suffix):
            os.remove(db_path + suffix)
    configure(db_path)
    seeded_keys()

    from django.contrib.auth import login
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    joined = datetime.datetime.fromtimestamp(START - 86400, datetime.timezone.utc)
    with connection.cursor() as c:
        # The migration recorder's default clock is not the patched one.
        c.execute("UPDATE django_migrations SET applied = %s", [joined])

    users = {}
    for username, password, salt in USERS:
        users[username] = User.objects.create(
            username=username,
            email=username + "@example.com",
            password=make_password(password, salt=salt),
            date_joined=joined,
        )

    # Permissions: alice is staff with one of her own, bob is in a group with two, carol
    # has none.
    from django.contrib.auth.models import Group, Permission

    def perm(name):
        app_label, codename = name.split(".")
        return Permission.objects.get(content_type__app_label=app_label, codename=codename)

    users["alice"].is_staff = True
    users["alice"].save(update_fields=["is_staff"])
    users["alice"].user_permissions.add(perm("sessions.view_session"))
    editors = Group.objects.create(name="editors")
    editors.permissions.add(perm("auth.view_user"), perm("auth.change_user"))
    users["bob"].groups.add(editors)

    made = []  # (key, description)
    t = START

    def log_in(username, extra):
        def view(request):
            login(request, users[username], backend=BACKEND)
            for k, v in extra.items():
                request.session[k] = v

        return view

    # 1-2: logged in through django.contrib.auth.login, as a login view does.
    with FixedClock(t):
        made.append((through_middleware(log_in("alice", {"theme": "dark"})), "alice, logged in with login()"))
    t += 60
    with FixedClock(t):
        made.append((through_middleware(log_in("bob", {"cart": [{"sku": "A-1", "qty": 2}], "currency": "EUR"})),
                     "bob, logged in with login(), with a cart"))
    t += 60

    # 3: logged in by setting the three auth keys, as code that logs users in by hand does.
    def carol(request):
        user = users["carol"]
        request.session["_auth_user_id"] = str(user.pk)
        request.session["_auth_user_backend"] = BACKEND
        request.session["_auth_user_hash"] = user.get_session_auth_hash()
        request.session["last_page"] = "/orders/"

    with FixedClock(t):
        made.append((through_middleware(carol), "carol, auth keys set by hand"))
    t += 60

    # 4: anonymous, with data (non-ASCII text is escaped by Django's JSON serializer).
    def anonymous(request):
        request.session["cart"] = ["B-7", "C-3"]
        request.session["greeting"] = "h\u00e9llo \u2603"
        request.session["visits"] = 1

    with FixedClock(t):
        made.append((through_middleware(anonymous), "anonymous, with a cart and non-ASCII text"))
    t += 60

    # 5: anonymous, with an absolute custom expiry (set_expiry(datetime)).
    def custom_expiry(request):
        request.session["visits"] = 3
        request.session.set_expiry(datetime.datetime(2070, 6, 1, 12, 0, tzinfo=datetime.timezone.utc))

    with FixedClock(t):
        made.append((through_middleware(custom_expiry), "anonymous, set_expiry(2070-06-01 12:00 UTC)"))
    t += 60

    # 6: expired: bob on another device, saved in 2020 with set_expiry(3600).
    def expired(request):
        login(request, users["bob"], backend=BACKEND)
        request.session.set_expiry(3600)

    with FixedClock(EXPIRED_AT):
        made.append((through_middleware(expired), "bob, expired (saved 2020-01-01 with set_expiry(3600))"))
        # The login above moved last_login back; set it again as the later logins left it.
    User.objects.filter(username="bob").update(
        last_login=datetime.datetime.fromtimestamp(START + 60, datetime.timezone.utc)
    )

    # 7: dave, logged in, then his password changed (on another device, say): the
    # session's _auth_user_hash no longer matches, so Django logs it out on its next request.
    with FixedClock(t):
        made.append((through_middleware(log_in("dave", {})), "dave, logged in before a password change (stale hash)"))
    t += 60
    users["dave"].password = make_password("dave-new-password", salt="exampleSaltDave002")
    users["dave"].save(update_fields=["password"])

    with connection.cursor() as c:
        c.execute("VACUUM")
    connection.close()

    # What Django reads back: one entry per row, in key order.
    store = SessionStore()
    descriptions = dict(made)
    sessions = []
    from django.contrib.auth import get_user
    from django.test import RequestFactory

    def django_user(key):
        # Who Django's AuthenticationMiddleware sees for this session (nobody for an
        # expired one or a stale hash); flush and cycle_key are disabled so that the
        # check leaves the row alone.
        request = RequestFactory().get("/")
        request.session = SessionStore(session_key=key)
        request.session.flush = request.session.cycle_key = lambda: None
        user = get_user(request)
        return user.get_username() if user.is_authenticated else None

    for row in Session.objects.order_by("session_key"):
        data = store.decode(row.session_data)
        expired_row = row.expire_date <= datetime.datetime.fromtimestamp(START, datetime.timezone.utc)
        sessions.append({
            "key": row.session_key,
            "description": descriptions[row.session_key],
            "user_id": data.get("_auth_user_id"),
            "backend": data.get("_auth_user_backend"),
            "django_user": django_user(row.session_key),
            "expire_date": row.expire_date.isoformat(),
            "expired": expired_row,
            "size": len(row.session_data),
            "session_data": row.session_data,
            "json": json.dumps(data, separators=(",", ":")),
        })
    out = {
        "generator": "scripts/make_example_db.py",
        "django": __import__("django").get_version(),
        "python": sys.version.split()[0],
        "secret_key": SECRET_KEY,
        "session_cookie_age": COOKIE_AGE,
        "use_tz": True,
        "time_zone": "UTC",
        "users": [
            {"id": u.pk, "username": u.username, "password": u.password,
             "session_auth_hash": u.get_session_auth_hash(), "is_staff": u.is_staff,
             "is_superuser": u.is_superuser, "permissions": sorted(u.get_all_permissions()),
             "groups": sorted(u.groups.values_list("name", flat=True))}
            for u in User.objects.order_by("pk")
        ],
        "sessions": sessions,
    }
    with open(os.path.join(outdir, "sessions.json"), "w", encoding="ascii") as f:
        json.dump(out, f, indent=2)
        f.write("\n")
    with open(os.path.join(outdir, "secret-key.txt"), "w", encoding="ascii") as f:
        f.write(SECRET_KEY + "\n")
    print("wrote %s (%d users, %d sessions)" % (db_path, len(out["users"]), len(sessions)))


def clearsessions(db_path, now):
    if not os.path.exists(db_path):
        sys.exit("make_example_db: no such database: %s" % db_path)
    configure(os.path.abspath(db_path))
    from django.core.management import call_command

    if now is None:
        call_command("clearsessions")
    else:
        with FixedClock(now):
            call_command("clearsessions")


def main(argv):
    if argv[:1] == ["--clearsessions"]:
        if len(argv) not in (2, 4) or (len(argv) == 4 and argv[2] != "--now"):
            sys.exit("usage: make_example_db.py --clearsessions DB [--now UNIX]")
        clearsessions(argv[1], float(argv[3]) if len(argv) == 4 else None)
        return
    if len(argv) > 1 or (argv and argv[0].startswith("-")):
        sys.exit("usage: make_example_db.py [OUTDIR] | --clearsessions DB [--now UNIX]")
    here = os.path.dirname(os.path.abspath(__file__))
    generate(argv[0] if argv else os.path.join(here, "..", "fixtures", "example"))


if __name__ == "__main__":
    main(sys.argv[1:])

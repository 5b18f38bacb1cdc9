"""Create or inspect a real Django auth_user table, for the SQL user source tests.

Usage: <venv python> scripts/make_auth_db.py COMMAND DATABASE_JSON [ARGUMENT]

DATABASE_JSON is Django's DATABASES["default"] as JSON (SQLite file, PostgreSQL with
OPTIONS such as {"options": "-c search_path=<schema>"}, MySQL/MariaDB).

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
authenticate  (with LOGINS_JSON, [[username, password], ...]) prints {"ids": [...]}, for
         each login the key of the user Django's authenticate() returns, or null.
perms    (after create; SEED as third argument) adds a random world of permissions made
         with the ORM: content types and permissions beyond the migrated ones (an app label
         that has another as its prefix, codenames with dots and non-ASCII), groups with
         permissions, and users (from id 10) with random is_active, is_staff and
         is_superuser, direct permissions and groups. It prints, for every user and for
         the anonymous one ("id": null), what Django answers: get_user_permissions,
         get_group_permissions and get_all_permissions (sorted), the names of its groups
         (sorted), has_perm, has_perms and
         has_module_perms on "queries", and the responses (status, Location, Content-Type,
         body) of views decorated with permission_required and staff_member_required (the
         admin mounted at admin/), of class-based views with PermissionRequiredMixin and
         LoginRequiredMixin, and of one from a host outside ALLOWED_HOSTS, for a request as
         AuthenticationMiddleware makes it.
custom-perms  (SEED as third argument) runs migrate with AUTH_USER_MODEL set to
         djsession_accounts.CustomUser (a UUID primary key), then does as perms for users of
         that model (random UUIDs).
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

cmd, db = sys.argv[1], json.loads(sys.argv[2])
extra = json.loads(os.environ.get("DJSESSION_PEER_SETTINGS") or "{}")
extra["DATABASES"] = {"default": db}
extra.setdefault("USE_TZ", True)
extra.setdefault("ALLOWED_HOSTS", ["testserver"])
extra.setdefault("LOGIN_URL", "/in/")
extra["SECRET_KEY"] = "djsession-auth-db-secret-key"
if cmd in ("perms", "custom-perms"):
    # The admin, mounted at admin/, for staff_member_required's reverse("admin:login").
    extra["INSTALLED_APPS"] = ["django.contrib.contenttypes", "django.contrib.auth",
                               "django.contrib.sessions", "django.contrib.admin"]
    extra["ROOT_URLCONF"] = "djsession_admin_urls"
if cmd == "custom-perms":
    extra["INSTALLED_APPS"].append("djsession_accounts")
    extra["AUTH_USER_MODEL"] = "djsession_accounts.CustomUser"
os.environ["DJSESSION_PEER_SETTINGS"] = json.dumps(extra)

import djoracle  # noqa: E402

djoracle.configure()

from django.contrib.auth import authenticate  # noqa: E402
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


def perms_world(seed):
    import random
    import uuid

    from django.contrib.auth import get_user_model

    from django.contrib.admin.views.decorators import staff_member_required
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.auth.decorators import permission_required
    from django.contrib.auth.models import AnonymousUser, Group, Permission
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
    from django.core.exceptions import PermissionDenied, SuspiciousOperation
    from django.http import HttpResponse
    from django.test import RequestFactory
    from django.views import View
    from django.views.defaults import bad_request, permission_denied

    import types

    from django.contrib import admin
    from django.urls import path

    urls = types.ModuleType("djsession_admin_urls")
    urls.urlpatterns = [path("admin/", admin.site.urls)]
    sys.modules[urls.__name__] = urls

    rnd = random.Random(seed)
    for app, model, codes in [
        ("polls", "question", ["publish_question", "can.vote", "v\u00f6te"]),
        ("polls_extra", "choice", ["tally"]),
        ("reports", "report", ["view_report", "export"]),
    ]:
        ct = ContentType.objects.create(app_label=app, model=model)
        for code in codes:
            Permission.objects.create(content_type=ct, codename=code, name="Can " + code)
    perms = list(Permission.objects.select_related("content_type").order_by("pk"))
    names = sorted("%s.%s" % (p.content_type.app_label, p.codename) for p in perms)
    groups = []
    for i in range(5):
        g = Group.objects.create(name=["group-%d" % i, "Editors", "readers", "\u00e9diteurs", "a b"][i])
        g.permissions.set(rnd.sample(perms, rnd.randint(0, 6)))
        groups.append(g)
    UserModel = get_user_model()
    custom = UserModel is not User
    users = []
    # (the first three: an active superuser, an inactive staff superuser, active staff)
    fixed = [(True, False, True), (False, True, True), (True, True, False)]
    for i in range(14):
        active, staff, superuser = fixed[i] if i < len(fixed) else (
            rnd.random() < 0.8, rnd.random() < 0.4, rnd.random() < 0.2)
        pk = uuid.UUID(int=rnd.getrandbits(128), version=4) if custom else 10 + i
        u = UserModel(pk=pk, username="user%d" % i, is_active=active, is_staff=staff,
                      is_superuser=superuser, first_name=rnd.choice(["", "Zoë", "Σίσυφος"]),
                      last_name=rnd.choice(["", "O'Brien", "Ødegaard"]))
        u.set_unusable_password()
        u.save()
        u.user_permissions.set(rnd.sample(perms, rnd.randint(0, 5)))
        u.groups.set(rnd.sample(groups, rnd.randint(0, 3)))
        users.append(u)
    queries = names + ["polls.nonexistent", "polls", "", ".", "polls.", "nope.add_user", "POLLS.tally"]
    labels = ["auth", "polls", "polls_extra", "reports", "sessions", "poll", "", "nope"]
    lists = [[], [rnd.choice(queries)], rnd.sample(queries, 2), rnd.sample(names, 3)]
    views = [
        {"perms": lst, "raise": r, "login_url": lu}
        for lst in ([rnd.choice(names)], rnd.sample(names, 2), [])
        for r in (False, True)
        for lu in (None, "/other/login/")
    ]
    rf = RequestFactory()

    def respond(user, view, host="testserver"):
        # request.user as AuthenticationMiddleware gives it for a session logged in as
        # user (an inactive one comes out anonymous).
        request = rf.get("/page/a%20b/?q=1", HTTP_HOST=host)
        request.session = SessionStore()
        if user.pk is not None:
            request.session[SESSION_KEY] = str(user.pk)
            request.session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            request.session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        request.user = get_user(request)
        try:
            resp = view(request)
        except PermissionDenied as exc:
            resp = permission_denied(request, exc)
        except SuspiciousOperation as exc:  # (DisallowedHost, without DEBUG)
            resp = bad_request(request, exc)
        return {
            "status": resp.status_code,
            "location": resp.get("Location"),
            "content_type": resp.get("Content-Type"),
            "body": resp.content.decode(),
        }

    def ok(request):
        return HttpResponse("ok")

    def cbv(mixin, **attrs):
        class Page(mixin, View):
            def get(self, request):
                return HttpResponse("ok")

        for k, v in attrs.items():
            setattr(Page, k, v)
        return Page.as_view()

    mixins = [dict(v, mixin="permission") for v in views] + [
        {"mixin": "login", "raise": r, "login_url": lu, "field": f}
        for r in (False, True) for lu, f in ((None, "next"), ("/other/login/", "back"))
    ]
    for m in mixins:
        m.setdefault("field", "next")

    def mixin_view(m):
        attrs = {"raise_exception": m["raise"], "login_url": m["login_url"],
                 "redirect_field_name": m["field"]}
        if m["mixin"] == "login":
            return cbv(LoginRequiredMixin, **attrs)
        return cbv(PermissionRequiredMixin, permission_required=m["perms"], **attrs)

    out = []
    for u in [AnonymousUser()] + [UserModel.objects.get(pk=x.pk) for x in users]:
        fresh = lambda: u if u.pk is None else UserModel.objects.get(pk=u.pk)  # noqa: E731 (no perm caches)
        row = {
            "id": None if u.pk is None else str(u.pk),
            "is_active": u.is_active, "is_staff": u.is_staff, "is_superuser": u.is_superuser,
            "first_name": getattr(u, "first_name", ""), "last_name": getattr(u, "last_name", ""),
            "user_permissions": sorted(fresh().get_user_permissions()),
            "group_permissions": sorted(fresh().get_group_permissions()),
            "all_permissions": sorted(fresh().get_all_permissions()),
            "groups": [] if u.pk is None else sorted(fresh().groups.values_list("name", flat=True)),
            "has_perm": {q: fresh().has_perm(q) for q in queries},
            "has_perms": [fresh().has_perms(lst) for lst in lists],
            "has_module_perms": {lb: fresh().has_module_perms(lb) for lb in labels},
            "views": [
                respond(fresh(), permission_required(v["perms"], login_url=v["login_url"],
                                                     raise_exception=v["raise"])(ok))
                for v in views
            ],
            "staff": respond(fresh(), staff_member_required(ok)),
            "staff_back": respond(fresh(), staff_member_required(
                ok, redirect_field_name="back", login_url="/staff/login/")),
            "mixins": [respond(fresh(), mixin_view(m)) for m in mixins],
            # (a host outside ALLOWED_HOSTS: a 400 when the view redirects)
            "disallowed": respond(fresh(), permission_required(views[0]["perms"])(ok), "evil.com"),
        }
        out.append(row)
    print(json.dumps({"names": names, "queries": queries, "labels": labels, "lists": lists,
                      "views": views, "mixins": mixins, "users": out}))


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
elif cmd == "authenticate":
    ids = []
    for username, password in json.loads(sys.argv[3]):
        u = authenticate(username=username, password=password)
        ids.append(None if u is None else str(u.pk))
    print(json.dumps({"ids": ids}))
elif cmd == "perms":
    perms_world(int(sys.argv[3]))
elif cmd == "custom-perms":
    call_command("migrate", verbosity=0, interactive=False)
    perms_world(int(sys.argv[3]))
else:
    sys.exit(__doc__)

"""Time Django's permission checks next to package django/auth, in one run.

Usage: scripts/bench_perms.py [series] [rounds]   (default 5.2, 7 rounds; run from anywhere)

On the SQLite database Django made for fixtures/example (a copy, for Django), each run
loads user bob anew, as a request does, then reads his permissions (his group's two):
"load" is user.get_all_permissions(), "has_perm" is user.has_perm("auth.view_user").
Go: BenchmarkPermissions of package django/auth (SQLUserSource.User, then Permissions or
HasPerm). Prints the medians in microseconds and the Django/Go ratios.
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
    os.environ["DJSESSION_PEER_SETTINGS"] = json.dumps({"DATABASES": {"default": database}})
    import djoracle

    djoracle.configure()
    from django.contrib.auth.models import User

    def load():
        perms = User.objects.get(pk=2).get_all_permissions()
        assert len(perms) == 2, perms

    def has_perm():
        assert User.objects.get(pk=2).has_perm("auth.view_user")

    try:
        benchpair.time_django((("load", load), ("has_perm", has_perm)), int(sys.argv[2]))
    finally:
        shutil.rmtree(tmp)
    sys.exit(0)

benchpair.main(__file__, "BenchmarkPermissions", "./django/auth", ("load", "has_perm"))

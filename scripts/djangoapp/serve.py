#!/usr/bin/env python
"""Run the djsession demo site (scripts/djangoapp) on a loopback port.

    python serve.py [--port N] [--host 127.0.0.1] [--migrate] [--user NAME:PASSWORD[:staff[:GROUP:PERMS]]]...
                    [--no-serve] [--exit-with-stdin] [--quiet]

Settings come from the environment (see djangoapp/settings.py). --migrate applies the
migrations first; --user creates the user or resets its password (":staff" makes it a
superuser that can use the admin; GROUP puts the user in that group, which gets PERMS, a
comma-separated list of app_label.codename). The server is Python's wsgiref with one thread per
request. Once listening it prints one JSON line on stdout:

    {"url": "http://127.0.0.1:PORT", "django": "5.2.19", "python": "3.13.0"}

--port 0 (the default) picks a free port. --exit-with-stdin stops the server when stdin
reaches end of file, so a parent that dies takes the server with it.
"""

import argparse
import json
import os
import platform
import socketserver
import sys
import threading
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

HERE = os.path.dirname(os.path.abspath(__file__))


class ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--migrate", action="store_true")
    ap.add_argument("--user", action="append", default=[])
    ap.add_argument("--no-serve", action="store_true")
    ap.add_argument("--exit-with-stdin", action="store_true")
    ap.add_argument("--quiet", action="store_true", help="no access log")
    args = ap.parse_args(argv)

    sys.path.insert(0, HERE)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "djangoapp.settings")
    import django

    django.setup()
    import warnings

    warnings.simplefilter("ignore")

    if args.migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
    for spec in args.user:
        parts = spec.split(":")
        if len(parts) < 2 or len(parts) == 4 or len(parts) > 5:
            ap.error("--user wants NAME:PASSWORD[:staff[:GROUP:PERMS]]")
        user = make_user(parts[0], parts[1], len(parts) > 2 and parts[2] == "staff")
        if len(parts) == 5:
            add_group(user, parts[3], parts[4].split(","))
    if args.no_serve:
        return 0

    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()
    handler = WSGIRequestHandler if not args.quiet else QuietHandler
    httpd = make_server(args.host, args.port, app, server_class=ThreadingServer, handler_class=handler)
    host, port = httpd.server_address[:2]
    print(
        json.dumps(
            {"url": "http://%s:%d" % (host, port), "django": django.get_version(), "python": platform.python_version()}
        ),
        flush=True,
    )
    if args.exit_with_stdin:

        def watch():
            sys.stdin.read()
            os._exit(0)

        threading.Thread(target=watch, daemon=True).start()
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


def make_user(name, password, staff):
    from django.contrib.auth import get_user_model

    User = get_user_model()
    user = User.objects.filter(username=name).first()
    if user is None:
        user = User(username=name)
    user.set_password(password)
    user.email = name + "@example.com"
    user.is_staff = user.is_superuser = staff
    user.is_active = True
    user.save()
    return user


def add_group(user, name, perms):
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.get_or_create(name=name)
    for perm in perms:
        app_label, codename = perm.split(".")
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    user.groups.add(group)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Time Django's MessageMiddleware next to package django/messages, in one run.

Usage: scripts/bench_messages.py [series] [rounds]   (default 5.2, 7 rounds; run from anywhere)

Two requests through the messages middleware (FallbackStorage, the default) to a view,
each built anew per run: "show" carries a messages cookie with two messages, which the
view reads (the response deletes the cookie); "add" adds one message (the response sets
the cookie). Go: BenchmarkMessages of package django/messages. Django: RequestFactory, a
session, MessageMiddleware's process_request, the view and process_response, timed with
timeit. Prints the medians in microseconds and the Django/Go ratios.
"""

import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import benchpair  # noqa: E402

SECRET = "abcdefghijklmnopqrstuvwxyzABCDEF"

if len(sys.argv) > 1 and sys.argv[1] == "--django":
    import djoracle

    djoracle.configure(SECRET)
    from django.contrib import messages
    from django.contrib.messages.middleware import MessageMiddleware
    from django.contrib.messages.storage.base import Message
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.contrib.sessions.backends.signed_cookies import SessionStore
    from django.http import HttpResponse
    from django.test import RequestFactory

    rounds = int(sys.argv[2])
    rf = RequestFactory()
    probe = rf.get("/")
    cookie = CookieStorage(probe)._encode(
        [Message(messages.SUCCESS, "Profile saved.", ""),
         Message(messages.WARNING, "Your password expires in 3 days.", "password")])

    def show(request):
        out = []
        for m in messages.get_messages(request):
            out.append(m.tags)
            out.append(m.message)
        return HttpResponse("".join(out))

    def add(request):
        messages.success(request, "Profile saved.")
        return HttpResponse("ok")

    def run(view, header):
        r = rf.get("/", HTTP_COOKIE=header) if header else rf.get("/")
        r.session = SessionStore()
        mw = MessageMiddleware(view)
        mw.process_request(r)
        resp = mw.process_response(r, view(r))
        assert len(resp.cookies) == 1, resp.cookies
        return resp

    benchpair.time_django((("show", lambda: run(show, "sessionid=x; messages=" + cookie)), ("add", lambda: run(add, ""))), rounds)
    sys.exit(0)

benchpair.main(__file__, "BenchmarkMessages", "./django/messages", ("show", "add"))

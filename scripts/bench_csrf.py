"""Time Django's CsrfViewMiddleware next to django.CSRFMiddleware, in one run.

Usage: scripts/bench_csrf.py [series] [rounds]   (default 5.2, 7 rounds; run from anywhere)

Two requests, each built anew per run, through the middleware to a view that returns
"ok": a form POST with the csrftoken cookie and the csrfmiddlewaretoken field ("post"),
and a GET whose view calls get_token ("get_token", which sets the cookie). Go:
BenchmarkCSRF of package django (http.NewRequest + the middleware). Django: RequestFactory
+ process_request, process_view, the view and process_response, timed with timeit.
Prints the medians in microseconds and the Django/Go ratios.
"""

import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import benchpair  # noqa: E402

SECRET = "abcdefghijklmnopqrstuvwxyzABCDEF"

if len(sys.argv) > 1 and sys.argv[1] == "--django":
    import djoracle

    os.environ["DJSESSION_PEER_SETTINGS"] = json.dumps({"ALLOWED_HOSTS": ["example.com"]})
    djoracle.configure()
    from django.http import HttpResponse
    from django.middleware import csrf
    from django.test import RequestFactory

    rounds = int(sys.argv[2])
    rf = RequestFactory()
    token = csrf._mask_cipher_secret(SECRET)
    body = "title=Hello&body=World&csrfmiddlewaretoken=" + token
    cookie = "sessionid=0123456789abcdefghijklmnopqrstuv; csrftoken=" + SECRET

    def view(request):
        return HttpResponse("ok")

    def token_view(request):
        csrf.get_token(request)
        return HttpResponse("ok")

    def run(method, v, data):
        if method == "POST":
            r = rf.post("/form/", data=data, content_type="application/x-www-form-urlencoded",
                        HTTP_HOST="example.com", HTTP_COOKIE=cookie)
        else:
            r = rf.get("/form/", HTTP_HOST="example.com", HTTP_COOKIE=cookie)
        mw = csrf.CsrfViewMiddleware(v)
        mw.process_request(r)
        resp = mw.process_view(r, v, (), {})
        assert resp is None, resp.content
        return mw.process_response(r, v(r))

    benchpair.time_django((("post", lambda: run("POST", view, body)), ("get_token", lambda: run("GET", token_view, None))), rounds)
    sys.exit(0)

benchpair.main(__file__, "BenchmarkCSRF", "./django", ("post", "get_token"))

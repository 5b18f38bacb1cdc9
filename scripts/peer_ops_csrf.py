"""Peer ops for the CSRF middleware (auto-loaded by peer.py).

  csrf_check {"settings": {NAME: value, ...}, "method": str, "secure": bool,
              "host": str, "server_port": str, "meta": {"HTTP_...": str, ...},
              "cookie": str|null (the Cookie header), "body": str|null (the body's
              bytes as latin-1 text), "content_type": str|null (default
              application/x-www-form-urlencoded), "get_token": bool,
              "now": float|null (time.time() for the cookie's expires),
              "vary": str|null (a Vary header the view sets),
              "session_token": str|null (request.session["_csrftoken"], for
              CSRF_USE_SESSIONS: the request gets a session)}
      -> {"accepted": bool, "reason": str|null, "status": int,
          "set_cookie": str|null (the CSRF cookie's Set-Cookie value), "vary": str|null,
          "token": str|null (get_token's result in the view), "secret": str|null
          (request.META["CSRF_COOKIE"] at the end, unmasked), "session_token":
          str|null (the session's _csrftoken at the end, with CSRF_USE_SESSIONS)}

The request goes through Django's own CsrfViewMiddleware as the handler runs it:
process_request, process_view (a view that calls get_token when asked), and
process_response; a rejection comes from a failure view that returns the reason.
"""



def failure(request, reason=""):
    from django.http import HttpResponseForbidden

    return HttpResponseForbidden(reason)


class _FixedTime:
    def __init__(self, t):
        self.t = t

    def time(self):
        return self.t


def op_csrf_check(req):
    import unittest.mock

    import django.http.response

    if req.get("now") is None:
        return _check(req)
    with unittest.mock.patch.object(django.http.response, "time", _FixedTime(req["now"])):
        return _check(req)


def _check(req):
    import logging

    from django.http import HttpResponse
    from django.middleware import csrf
    from django.test import RequestFactory, override_settings

    overrides = dict(req.get("settings") or {})
    if overrides.get("SECURE_PROXY_SSL_HEADER") is not None:
        overrides["SECURE_PROXY_SSL_HEADER"] = tuple(overrides["SECURE_PROXY_SSL_HEADER"])
    overrides["CSRF_FAILURE_VIEW"] = "peer_ops_csrf.failure"
    logging.getLogger("django.security.csrf").disabled = True  # (the "Forbidden" lines)
    with override_settings(**overrides):
        meta = {k: v for k, v in (req.get("meta") or {}).items()}
        if req.get("cookie") is not None:
            meta["HTTP_COOKIE"] = req["cookie"]
        meta["HTTP_HOST"] = req["host"]
        body = req.get("body")
        request = RequestFactory().generic(
            req["method"], "/form/", data=(body or "").encode("latin-1"),
            content_type=req.get("content_type") or "application/x-www-form-urlencoded",
            secure=bool(req.get("secure")), **meta)
        request.META["SERVER_PORT"] = req.get("server_port") or "80"
        use_sessions = overrides.get("CSRF_USE_SESSIONS")
        if use_sessions:
            from django.contrib.sessions.backends.signed_cookies import SessionStore

            request.session = SessionStore()
            if req.get("session_token") is not None:
                request.session[csrf.CSRF_SESSION_KEY] = req["session_token"]
        token = []

        def view(r):
            if req.get("get_token"):
                token.append(csrf.get_token(r))
            resp = HttpResponse("ok")
            if req.get("vary") is not None:
                resp["Vary"] = req["vary"]
            return resp

        mw = csrf.CsrfViewMiddleware(view)
        mw.process_request(request)
        resp = mw.process_view(request, view, (), {})
        accepted = resp is None
        if accepted:
            resp = view(request)
        resp = mw.process_response(request, resp)
        name = overrides.get("CSRF_COOKIE_NAME", "csrftoken")
        morsel = resp.cookies.get(name)
        secret = request.META.get("CSRF_COOKIE")
        if secret is not None and len(secret) == csrf.CSRF_TOKEN_LENGTH:
            secret = csrf._unmask_cipher_token(secret)
        return {
            "accepted": accepted,
            "status": resp.status_code,
            "reason": None if accepted else resp.content.decode("utf-8"),
            "set_cookie": morsel.OutputString() if morsel is not None else None,
            "vary": resp.get("Vary"),
            "token": token[0] if token else None,
            "secret": secret,
            "session_token": request.session.get(csrf.CSRF_SESSION_KEY) if use_sessions else None,
        }


OPS = {"csrf_check": op_csrf_check}

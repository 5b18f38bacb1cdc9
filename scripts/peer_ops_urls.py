"""Peer ops for URL checks (auto-loaded by peer.py).

  url_has_allowed_host_and_scheme {"url": str, "allowed_hosts": [str], "require_https": bool}
      -> {"value": bool}  (django.utils.http.url_has_allowed_host_and_scheme)
"""


def op_url_has_allowed_host_and_scheme(req):
    from django.utils.http import url_has_allowed_host_and_scheme

    return {"value": url_has_allowed_host_and_scheme(
        req["url"], set(req.get("allowed_hosts") or ()), require_https=bool(req.get("require_https")))}


OPS = {"url_has_allowed_host_and_scheme": op_url_has_allowed_host_and_scheme}


def op_login_required(req):
    """{"settings": {...}, "path": str (with its query), "host": str, "secure": bool,
    "login_url": str|null, "field": str|null} -> {"status", "location"}: Django's
    login_required for an anonymous user (DisallowedHost as 400)."""
    from django.contrib.auth.decorators import login_required
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import DisallowedHost
    from django.http import HttpResponse
    from django.test import RequestFactory
    from django.test.utils import override_settings

    _empty_urlconf()
    with override_settings(ROOT_URLCONF="djsession_empty_urls", **(req.get("settings") or {})):
        request = RequestFactory().get(req["path"], HTTP_HOST=req["host"], secure=bool(req.get("secure")))
        request.user = AnonymousUser()
        view = login_required(lambda r: HttpResponse("ok"), login_url=req.get("login_url"),
                              redirect_field_name=req.get("field"))
        try:
            resp = view(request)
        except DisallowedHost:
            return {"status": 400, "location": None}
        return {"status": resp.status_code, "location": resp["Location"]}


OPS["login_required"] = op_login_required


def _empty_urlconf():
    """An empty ROOT_URLCONF, for resolve_url (which tries reverse() first)."""
    import sys
    import types

    if "djsession_empty_urls" not in sys.modules:
        mod = types.ModuleType("djsession_empty_urls")
        mod.urlpatterns = []
        sys.modules["djsession_empty_urls"] = mod


def op_login_success_url(req):
    """{"settings": {...}, "method": "GET"|"POST", "path": str, "host": str, "secure": bool,
    "form": {str: str}|null} -> {"value": LoginView().get_success_url(), "location": the
    Location of the redirect to it}."""
    from django.contrib.auth.views import LoginView
    from django.test import RequestFactory
    from django.test.utils import override_settings

    _empty_urlconf()
    with override_settings(ROOT_URLCONF="djsession_empty_urls", **(req.get("settings") or {})):
        rf = RequestFactory()
        kw = {"HTTP_HOST": req["host"], "secure": bool(req.get("secure"))}
        if req["method"] == "POST":
            request = rf.post(req["path"], data=req.get("form") or {}, **kw)
        else:
            request = rf.get(req["path"], **kw)
        from django.http import HttpResponseRedirect

        view = LoginView()
        view.setup(request)
        url = view.get_success_url()
        return {"value": url, "location": HttpResponseRedirect(url)["Location"]}


OPS["login_success_url"] = op_login_success_url

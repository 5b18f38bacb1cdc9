"""Peer ops for URL checks (auto-loaded by peer.py).

  url_has_allowed_host_and_scheme {"url": str, "allowed_hosts": [str], "require_https": bool}
      -> {"value": bool}  (django.utils.http.url_has_allowed_host_and_scheme)
"""


def op_url_has_allowed_host_and_scheme(req):
    from django.utils.http import url_has_allowed_host_and_scheme

    return {"value": url_has_allowed_host_and_scheme(
        req["url"], set(req.get("allowed_hosts") or ()), require_https=bool(req.get("require_https")))}


OPS = {"url_has_allowed_host_and_scheme": op_url_has_allowed_host_and_scheme}

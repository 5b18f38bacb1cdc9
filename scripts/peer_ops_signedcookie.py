"""Peer ops for signed cookies (auto-loaded by peer.py): Django's own
HttpResponse.set_signed_cookie and HttpRequest.get_signed_cookie.

  signed_cookie_set {"name", "value", "salt", "time": float|null, "settings": {...}}
      -> {"value": the cookie's value, "set_cookie": the Set-Cookie header value}
  signed_cookie_get {"name", "cookie": the Cookie header, "salt", "max_age": float|null,
                     "time": float|null, "settings": {...}}
      -> {"value": str} or {"failure": "KeyError" | "BadSignature" | "SignatureExpired"}

"settings" overrides Django settings for the request (SECRET_KEY, SECRET_KEY_FALLBACKS,
SIGNED_COOKIE_LEGACY_SALT_FALLBACK where the version has them); "time" is what
django.core.signing sees as time.time().
"""

from djoracle import at_time


def op_signed_cookie_set(req):
    from django.http import HttpResponse
    from django.test.utils import override_settings

    with override_settings(**(req.get("settings") or {})), at_time(req.get("time")):
        resp = HttpResponse()
        resp.set_signed_cookie(req["name"], req["value"], salt=req.get("salt") or "")
        morsel = resp.cookies[req["name"]]
        return {"value": morsel.value, "set_cookie": morsel.OutputString()}


def op_signed_cookie_get(req):
    from django.core import signing
    from django.test import RequestFactory
    from django.test.utils import override_settings

    with override_settings(**(req.get("settings") or {})), at_time(req.get("time")):
        request = RequestFactory().get("/", HTTP_COOKIE=req["cookie"])
        try:
            value = request.get_signed_cookie(req["name"], salt=req.get("salt") or "",
                                              max_age=req.get("max_age"))
        except KeyError:
            return {"failure": "KeyError"}
        except signing.SignatureExpired:
            return {"failure": "SignatureExpired"}
        except signing.BadSignature:
            return {"failure": "BadSignature"}
        return {"value": value}


OPS = {"signed_cookie_set": op_signed_cookie_set, "signed_cookie_get": op_signed_cookie_get}

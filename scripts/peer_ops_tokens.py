"""Peer ops for password reset links (auto-loaded by peer.py): Django's own
PasswordResetTokenGenerator (default_token_generator) and the uidb64 helpers.

  password_reset_token {"settings": {...}, "now": float (the instant, Unix seconds),
                        "user": {"pk", "password", "last_login": float|null, "email": str|null},
                        "check": str|null}
      -> {"token": make_token(user)} without "check", else {"valid": check_token(user, check)}
  uidb64 {"encode": str} -> {"value": urlsafe_base64_encode(force_bytes(str))}
  uidb64 {"decode": str} -> {"value": urlsafe_base64_decode(str).decode()} or {"error": name}

"settings" overrides Django settings (SECRET_KEY, SECRET_KEY_FALLBACKS,
PASSWORD_RESET_TIMEOUT, TIME_ZONE, USE_TZ, DEFAULT_HASHING_ALGORITHM on 3.x). The
generator's clock is datetime.now() at "now" in TIME_ZONE (Django sets the process's TZ
to it); last_login is what the ORM gives: an aware UTC datetime with USE_TZ, else the naive
wall clock of TIME_ZONE.
"""

import datetime
import os
import time


def _user(spec, use_tz):
    class User:
        EMAIL_FIELD = "email"

        @classmethod
        def get_email_field_name(cls):
            return cls.EMAIL_FIELD

    u = User()
    u.pk = spec["pk"]
    u.password = spec["password"]
    u.email = spec.get("email")
    ll = spec.get("last_login")
    if ll is None:
        u.last_login = None
    elif use_tz:
        u.last_login = datetime.datetime.fromtimestamp(ll, datetime.timezone.utc)
    else:
        u.last_login = datetime.datetime.fromtimestamp(ll)
    return u


def op_password_reset_token(req):
    from django.conf import settings
    from django.contrib.auth.tokens import PasswordResetTokenGenerator
    from django.test.utils import override_settings

    saved = os.environ.get("TZ")
    try:
        with override_settings(**(req.get("settings") or {})):
            # What Django does at startup (and its tests on a TIME_ZONE change).
            os.environ["TZ"] = settings.TIME_ZONE
            time.tzset()
            g = PasswordResetTokenGenerator()
            now = datetime.datetime.fromtimestamp(req["now"])
            g._now = lambda: now
            user = _user(req["user"], settings.USE_TZ)
            if req.get("check") is None:
                return {"token": g.make_token(user)}
            return {"valid": g.check_token(user, req["check"])}
    finally:
        if saved is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = saved
        time.tzset()


def op_uidb64(req):
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

    if "encode" in req:
        return {"value": urlsafe_base64_encode(force_bytes(req["encode"]))}
    try:
        return {"value": urlsafe_base64_decode(req["decode"]).decode()}
    except (TypeError, ValueError, OverflowError) as e:
        return {"error": type(e).__name__}


OPS = {"password_reset_token": op_password_reset_token, "uidb64": op_uidb64}

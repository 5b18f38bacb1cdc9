"""Peer ops for the file and signed_cookies session engines (auto-loaded by peer.py).

Every op accepts, besides its own fields:
  "settings": a JSON object of Django settings applied with override_settings for
              this request only (SESSION_FILE_PATH, SESSION_COOKIE_NAME,
              SESSION_COOKIE_AGE, USE_TZ, SECRET_KEY, SECRET_KEY_FALLBACKS, ...);
              they come on top of DJSESSION_PEER_SETTINGS.
  "time":     float Unix seconds seen by both django.utils.timezone.now() and
              django.core.signing's time.time(); absent or null = the real clock.

File ops:
  file_save          {"key"?, "json", "must_create"?, "set_expiry"?, "keep"?}
                     SessionStore(key) of backends.file; the session is replaced by
                     "json" (merged into the stored data if "keep" is true); set_expiry
                     = {"seconds": n} or {"at": unix float} (4.1+: stored as isoformat)
                     or {"none": true}; then save(must_create) (or save() / create()
                     when key is null). Returns key, file, content.
  file_load          {"key", "no_create"?} -> json (what load() returns), key_after
                     (the session key after load: same, null, or a new one if Django
                     replaced an expired session), exists_after, warning (whether
                     "Session data corrupted" was logged).
  file_exists        {"key"} -> exists
  file_delete        {"key"} -> {}
  file_clear_expired {} -> files (the directory listing afterwards, sorted)
  file_path          {} -> path (the storage path Django resolves)

Signed-cookie ops:
  signed_cookie_save {"json", "set_expiry"?} -> key (the cookie value)
  signed_cookie_load {"value"} -> json (load(): the data or {})
"""

import contextlib
import datetime
import os

from django.conf import settings
from django.test.utils import override_settings
from django.utils import timezone

from djoracle import LogCapture, at_time, json_text, json_value

_real_now = timezone.now


class _Clock:
    t = None


def _now():
    if _Clock.t is None:
        return _real_now()
    tz = datetime.timezone.utc if settings.USE_TZ else None
    return datetime.datetime.fromtimestamp(_Clock.t, tz=tz)


# base.py calls timezone.now() through the module attribute, so replacing it here is
# seen by get_expiry_age / set_expiry. With no time set it is the real clock.
timezone.now = _now


def _file_store():
    from django.contrib.sessions.backends.file import SessionStore

    return SessionStore


def _signed_store():
    from django.contrib.sessions.backends.signed_cookies import SessionStore

    return SessionStore


def _forget_storage_path():
    # The file engine caches the storage path on the class; per-request settings
    # may point it elsewhere.
    cls = _file_store()
    if "_storage_path" in cls.__dict__:
        del cls._storage_path


@contextlib.contextmanager
def env(req):
    overrides = req.get("settings") or {}
    if not isinstance(overrides, dict):
        raise ValueError("settings must be a JSON object")
    saved = _Clock.t
    _forget_storage_path()
    try:
        with override_settings(**overrides), at_time(req.get("time")):
            _Clock.t = req.get("time")
            yield
    finally:
        _Clock.t = saved
        _forget_storage_path()


def _apply_expiry(s, spec):
    if spec is None:
        return
    if spec.get("none"):
        s.set_expiry(None)
    elif "seconds" in spec:
        s.set_expiry(int(spec["seconds"]))
    elif "at" in spec:
        tz = datetime.timezone.utc if settings.USE_TZ else None
        s.set_expiry(datetime.datetime.fromtimestamp(float(spec["at"]), tz=tz))
    else:
        raise ValueError("set_expiry needs seconds, at or none")


def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("latin-1")
    except OSError:
        return None


def op_file_save(req):
    with env(req):
        cls = _file_store()
        s = cls(req.get("key"))
        if not req.get("keep"):
            s.clear()
        for k, v in json_value(req["json"]).items():
            s[k] = v
        _apply_expiry(s, req.get("set_expiry"))
        if req.get("must_create"):
            s.save(must_create=True)
        else:
            s.save()
        name = s._key_to_file()
        return {"key": s.session_key, "file": name, "content": _read(name)}


def op_file_load(req):
    with env(req):
        cls = _file_store()
        s = cls(req["key"])
        if req.get("no_create"):
            s.create = lambda: None
        with LogCapture() as cap:
            data = s.load()
        path = None
        try:
            path = os.path.join(cls._get_storage_path(), settings.SESSION_COOKIE_NAME + req["key"])
        except Exception:
            pass
        return {"json": json_text(data), "key_after": s.session_key,
                "exists_after": bool(path and os.path.exists(path)),
                "warning": bool(cap.records)}


def op_file_exists(req):
    with env(req):
        return {"exists": _file_store()().exists(req["key"])}


def op_file_delete(req):
    with env(req):
        _file_store()().delete(req["key"])
        return {}


def op_file_clear_expired(req):
    with env(req):
        cls = _file_store()
        with LogCapture():
            cls.clear_expired()
        return {"files": sorted(os.listdir(cls._get_storage_path()))}


def op_file_path(req):
    with env(req):
        return {"path": _file_store()._get_storage_path()}


def op_signed_cookie_save(req):
    with env(req):
        s = _signed_store()()
        for k, v in json_value(req["json"]).items():
            s[k] = v
        _apply_expiry(s, req.get("set_expiry"))
        s.save()
        return {"key": s.session_key}


def op_signed_cookie_load(req):
    with env(req):
        s = _signed_store()(req["value"])
        return {"json": json_text(s.load())}


OPS = {
    "file_save": op_file_save,
    "file_load": op_file_load,
    "file_exists": op_file_exists,
    "file_delete": op_file_delete,
    "file_clear_expired": op_file_clear_expired,
    "file_path": op_file_path,
    "signed_cookie_save": op_signed_cookie_save,
    "signed_cookie_load": op_signed_cookie_load,
}

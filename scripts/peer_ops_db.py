"""Peer ops for the db session engine (django.contrib.sessions.backends.db).

Loaded by peer.py (OPS is merged in). The peer's database comes from
DJSESSION_PEER_SETTINGS (DATABASES, USE_TZ, TIME_ZONE); every op works on the
"default" database through Django's real SessionStore.

Common request fields:
  "now":  float Unix seconds that django.utils.timezone.now() returns during the
          op (absent or null = the real clock). With USE_TZ=False the naive value
          is the wall-clock time in TIME_ZONE, as under a settings module (which
          sets the process TZ); settings.configure() does not, so it is computed.
  "time": float seconds for django.core.signing's clock (the signature
          timestamp), as in peer.py; defaults to "now".
  "table": optional db_table of a SessionStore subclass (default django_session).

Ops:
  db_migrate        migrate the sessions app (creates django_session); {"ok"}.
  db_sqlmigrate     {"sql": sqlmigrate sessions 0001 output, "vendor": ...}.
  db_flush          delete every row of the table.
  session_save      {"key": str|null, "json": dict, "expiry": <set_expiry value>,
                     "must_create": bool}: SessionStore(key), data set, set_expiry,
                     save() (create() when key is null). Returns "key" and the row
                     as Django stored it ("row").
  session_update    {"key", "json" (items to set), "expiry"}: load, set, save.
  session_load      {"key"}: {"found": bool, "key": session_key after load,
                     "json": data, "expiry_date": isoformat, "expiry_age": int}.
  session_exists    {"key"}: {"exists": bool}.
  session_delete    {"key"}: SessionStore(key).delete().
  clearsessions     manage.py clearsessions; {"remaining": row count}.
  db_row            {"key"}: the stored row as Django's model reads it, or null.
"expiry" forms: null (no set_expiry call), {"none": true} (set_expiry(None)),
{"seconds": n} (int), {"delta": s} (timedelta(seconds=s)), {"at": unix} (an
aware/naive datetime per USE_TZ at that instant).
"""

import datetime
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from djoracle import at_time, json_text, json_value  # noqa: E402


def _timezone():
    from django.utils import timezone

    return timezone


class at_now:
    """Patch django.utils.timezone.now (what sessions read) to a fixed instant."""

    def __init__(self, t):
        self.t = t

    def __enter__(self):
        tz = _timezone()
        self.saved = tz.now
        if self.t is not None:
            tz.now = lambda: _datetime_at(self.t)
        return self

    def __exit__(self, *exc):
        _timezone().now = self.saved
        return False


def _datetime_at(t):
    """timezone.now() at Unix time t: aware UTC, or naive wall clock in TIME_ZONE."""
    from django.conf import settings

    tz = _timezone()
    # Exact microseconds (the Go side sends whole microseconds as a float).
    us = int(round(t * 1e6))
    aware = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(
        microseconds=us)
    if settings.USE_TZ:
        return aware
    return tz.make_naive(aware, tz.get_default_timezone())


class clock:
    """Both clocks: timezone.now() = now, signing time = req["time"] or now."""

    def __init__(self, req):
        self.now = at_now(req.get("now"))
        t = req.get("time")
        self.sig = at_time(t if t is not None else req.get("now"))

    def __enter__(self):
        self.now.__enter__()
        self.sig.__enter__()
        return self

    def __exit__(self, *exc):
        self.sig.__exit__(*exc)
        self.now.__exit__(*exc)
        return False


_classes = {}


def store_class(req):
    from django.contrib.sessions.backends.db import SessionStore

    table = req.get("table")
    if not table or table == "django_session":
        return SessionStore
    cls = _classes.get(table)
    if cls is None:
        from django.contrib.sessions.base_session import AbstractBaseSession
        from django.db import models  # noqa: F401

        meta = type("Meta", (), {"db_table": table, "app_label": "djsession_peer"})
        model = type("PeerSession_" + str(len(_classes)), (AbstractBaseSession,),
                     {"Meta": meta, "__module__": "djsession_peer.models"})

        class Store(SessionStore):
            @classmethod
            def get_model_class(cls):
                return model

        # The salt depends on __qualname__: keep Django's own.
        Store.__qualname__ = "SessionStore"
        cls = _classes[table] = Store
    return cls


def _model(req):
    return store_class(req).get_model_class()


def _apply_expiry(s, expiry):
    if expiry is None:
        return
    if expiry.get("none"):
        s.set_expiry(None)
    elif "seconds" in expiry:
        s.set_expiry(int(expiry["seconds"]))
    elif "delta" in expiry:
        s.set_expiry(datetime.timedelta(seconds=expiry["delta"]))
    elif "at" in expiry:
        s.set_expiry(_datetime_at(expiry["at"]))
    else:
        raise ValueError("bad expiry %r" % (expiry,))


def _iso(dt):
    return None if dt is None else dt.isoformat()


def _row(req, key):
    m = _model(req)
    try:
        obj = m.objects.get(session_key=key)
    except m.DoesNotExist:
        return None
    return {"session_data": obj.session_data, "expire_date": _iso(obj.expire_date)}


def op_db_migrate(req):
    from django.core.management import call_command

    call_command("migrate", "sessions", verbosity=0, interactive=False)
    return {}


def op_db_sqlmigrate(req):
    import io

    from django.core.management import call_command
    from django.db import connection

    out = io.StringIO()
    call_command("sqlmigrate", "sessions", "0001", stdout=out, no_color=True)
    return {"sql": out.getvalue(), "vendor": connection.vendor}


def op_db_flush(req):
    _model(req).objects.all().delete()
    return {}


def op_session_save(req):
    cls = store_class(req)
    with clock(req):
        s = cls(req.get("key"))
        data = json_value(req.get("json") or "{}")
        for k, v in data.items():
            s[k] = v
        _apply_expiry(s, req.get("expiry"))
        if req.get("key") is None:
            s.save()
        else:
            s.save(must_create=bool(req.get("must_create", False)))
        key = s.session_key
    return {"key": key, "row": _row(req, key)}


def op_session_update(req):
    cls = store_class(req)
    with clock(req):
        s = cls(req["key"])
        data = json_value(req.get("json") or "{}")
        s._get_session()
        for k, v in data.items():
            s[k] = v
        for k in req.get("delete") or []:
            s.pop(k, None)
        _apply_expiry(s, req.get("expiry"))
        s.save()
        key = s.session_key
    return {"key": key, "row": _row(req, key)}


def op_session_load(req):
    cls = store_class(req)
    with clock(req):
        s = cls(req["key"])
        data = s._get_session()
        key = s.session_key
        resp = {"found": key is not None, "key": key, "json": json_text(dict(data))}
        if key is not None:
            resp["expiry_date"] = _iso(s.get_expiry_date())
            resp["expiry_age"] = s.get_expiry_age()
    return resp


def op_session_exists(req):
    with clock(req):
        return {"exists": bool(store_class(req)().exists(req["key"]))}


def op_session_delete(req):
    with clock(req):
        store_class(req)(req["key"]).delete()
    return {}


def op_clearsessions(req):
    cls = store_class(req)
    with clock(req):
        if cls.get_model_class()._meta.db_table == "django_session":
            from django.core.management import call_command

            call_command("clearsessions", verbosity=0)
        else:
            cls.clear_expired()
    return {"remaining": _model(req).objects.count()}


def op_db_row(req):
    return {"row": _row(req, req["key"])}


def _use_pymysql_if_needed():
    """Django's MySQL backend imports MySQLdb; fall back to PyMySQL when mysqlclient is
    not installed (scripts/venv-extras says which one it installed)."""
    try:
        import MySQLdb  # noqa: F401
    except ImportError:
        try:
            import pymysql

            pymysql.install_as_MySQLdb()
        except ImportError:
            pass


_use_pymysql_if_needed()

OPS = {
    "db_migrate": op_db_migrate,
    "db_sqlmigrate": op_db_sqlmigrate,
    "db_flush": op_db_flush,
    "session_save": op_session_save,
    "session_update": op_session_update,
    "session_load": op_session_load,
    "session_exists": op_session_exists,
    "session_delete": op_session_delete,
    "clearsessions": op_clearsessions,
    "db_row": op_db_row,
}

"""Peer ops for session expiry forms: what Django computes for a stored _session_expiry,
and what set_expiry stores. Start the peer with DJSESSION_PEER_SETTINGS to choose
SESSION_SERIALIZER and USE_TZ. Times: "time" fixes django.utils.timezone.now (float Unix
seconds)."""

import datetime
from unittest import mock

from django.contrib.sessions.backends.base import SessionBase
from django.utils import timezone

from djoracle import json_text, json_value


def _now(req):
    t = req.get("time")
    if t is None:
        return timezone.now()
    aware = datetime.datetime.fromtimestamp(t, tz=datetime.timezone.utc)
    from django.conf import settings

    if settings.USE_TZ:
        return aware
    return timezone.make_naive(aware, timezone.get_default_timezone())


class _Store(SessionBase):
    pass


_Store.__qualname__ = "SessionStore"


def op_expiry_of(req):
    now = _now(req)
    store = _Store()
    with mock.patch("django.utils.timezone.now", return_value=now):
        store._session_cache = store.decode(req["input"])
        return {
            "expiry_date": store.get_expiry_date().isoformat(),
            "expiry_age": store.get_expiry_age(),
            "kind": type(store._session_cache.get("_session_expiry")).__name__,
        }


def op_set_expiry_encode(req):
    now = _now(req)
    store = _Store()
    store._session_cache = json_value(req["json"])
    when = datetime.datetime.fromisoformat(req["expiry"])
    with mock.patch("django.utils.timezone.now", return_value=now):
        store.set_expiry(when)
        return {"output": store.encode(store._session_cache),
                "kind": type(store._session_cache.get("_session_expiry")).__name__}


OPS = {"expiry_of": op_expiry_of, "set_expiry_encode": op_set_expiry_encode}

"""Peer ops for the messages framework (auto-loaded by peer.py): one request through
Django's own message storage (django.contrib.messages), as MessageMiddleware runs it.

  messages_run {"settings": {...}, "time": float, "cookie": str|null (the Cookie header),
                "session": str|null (the session's data as Django's session JSON), "ops": [op, ...]}
      -> {"results": [...], "set_cookie": str|null, "session": str, "accessed": bool,
          "modified": bool, "unstored": [...]|null, "debug_error": str|null}

"settings" overrides Django settings (MESSAGE_STORAGE, MESSAGE_LEVEL, MESSAGE_TAGS with
its int keys as strings, SESSION_COOKIE_*, SECRET_KEY, SECRET_KEY_FALLBACKS, DEBUG);
"time" is what django.core.signing sees as time.time(). The request has a session (a
signed_cookies SessionStore holding "session", never loaded from anywhere), as with
SessionMiddleware in front. The ops run on the storage that process_request made:

  ["add", level, message, extra_tags|null, safe]   storage.add (mark_safe when safe)
  ["iter"]          -> [[level, message, extra_tags, safe, tags, level_tag], ...]
  ["len"]           -> len(storage)
  ["set_level", n]  storage.level = n
  ["reset_level"]   storage.level = None (after a set_level)
  ["get_level"]     -> storage.level

then storage.update(response) (what process_response does). "set_cookie" is the messages
cookie's Morsel.OutputString() (null if the response sets none), "session" the session's
data afterwards (Django's session JSON), "accessed"/"modified" its flags, "unstored" what
update returned, "debug_error" the error process_response raises with DEBUG.
"""

import json

from djoracle import at_time


def _message(m, full):
    from django.utils.safestring import SafeData

    out = [m.level, m.message, m.extra_tags, isinstance(m.message, SafeData)]
    if full:
        out += [m.tags, m.level_tag]
    return out


def op_messages_run(req):
    from django.contrib.messages import utils
    from django.contrib.messages.middleware import MessageMiddleware
    from django.contrib.messages.storage import base
    from django.contrib.sessions.backends.signed_cookies import SessionStore
    from django.core import signing
    from django.http import HttpResponse
    from django.test import RequestFactory
    from django.test.utils import override_settings
    from django.utils.safestring import mark_safe

    overrides = dict(req.get("settings") or {})
    if "MESSAGE_TAGS" in overrides:
        overrides["MESSAGE_TAGS"] = {int(k): v for k, v in overrides["MESSAGE_TAGS"].items()}
    saved_tags = base.LEVEL_TAGS
    with override_settings(**overrides), at_time(req.get("time")):
        base.LEVEL_TAGS = utils.get_level_tags()
        try:
            kwargs = {}
            if req.get("cookie") is not None:
                kwargs["HTTP_COOKIE"] = req["cookie"]
            request = RequestFactory().get("/", **kwargs)
            session = SessionStore()
            session._session_cache = json.loads(req["session"]) if req.get("session") else {}
            request.session = session
            response = HttpResponse()
            middleware = MessageMiddleware(lambda r: response)
            middleware.process_request(request)
            storage = request._messages
            results = []
            for op in req["ops"]:
                name = op[0]
                if name == "add":
                    text = mark_safe(op[2]) if op[4] else op[2]
                    storage.add(op[1], text, extra_tags=op[3])
                    results.append(None)
                elif name == "iter":
                    results.append([_message(m, True) for m in storage])
                elif name == "len":
                    results.append(len(storage))
                elif name == "set_level":
                    storage.level = op[1]
                    results.append(None)
                elif name == "reset_level":
                    storage.level = None
                    results.append(None)
                elif name == "get_level":
                    results.append(storage.level)
                else:
                    raise ValueError("unknown op %r" % (name,))
            unstored = storage.update(response)
            debug_error = None
            if unstored and overrides.get("DEBUG"):
                debug_error = "ValueError"
            morsel = response.cookies.get("messages")
            return {
                "results": results,
                "set_cookie": morsel.OutputString() if morsel is not None else None,
                "session": signing.JSONSerializer().dumps(session._session_cache).decode("latin-1"),
                "accessed": session.accessed,
                "modified": session.modified,
                "unstored": None if unstored is None else [_message(m, False) for m in unstored],
                "debug_error": debug_error,
            }
        finally:
            base.LEVEL_TAGS = saved_tags


OPS = {"messages_run": op_messages_run}

"""Record what Django's messages framework stores and shows, for package django/messages.

Usage: <venv python> scripts/gen_messages_fixtures.py OUT.json

Runs chains of requests through the installed Django's message storage (the peer op
messages_run of scripts/peer_ops_messages.py: MessageMiddleware's storage on a request
with a session, ops on it, then storage.update(response)) with a fixed clock and seeded
random choices, each request starting from the cookie and session the last one left
(sometimes replaced by a tampered, foreign-key, Django 3.1-format or pre-3.1-format
cookie), and writes each request and its result:

  {"django": ..., "python": ..., "cases": [{"name", "request": {settings, time, cookie,
   session, ops}, "result": {results, set_cookie, session, accessed, modified, unstored,
   debug_error}}]}

Normally run through scripts/gen-messages-fixtures for every venv.
"""

import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import djoracle  # noqa: E402

django = djoracle.configure()

from django.core import signing  # noqa: E402
from django.http import SimpleCookie  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.utils.crypto import salted_hmac  # noqa: E402

from peer_ops_messages import op_messages_run  # noqa: E402

KEY = "djsession-messages-fixtures-secret"
OLD_KEY = "djsession-messages-fixtures-old-secret"
FALLBACK = "django.contrib.messages.storage.fallback.FallbackStorage"
COOKIE = "django.contrib.messages.storage.cookie.CookieStorage"
SESSION = "django.contrib.messages.storage.session.SessionStorage"
OLD_TEXT = '[["__json_message",0,25,"From an old Django"],["__json_message",1,40,"<i>safe</i>","x"]]'


def long_text(rnd):
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 \u00e9\u00fc\u2713"
    return "".join(rnd.choice(alphabet) for _ in range(rnd.randint(50, 700)))


def text(rnd):
    if rnd.random() < 0.25:
        return long_text(rnd)
    return rnd.choice(["Saved.", "Welcome back, Zo\u00eb! \u2713", '<b>bold</b> & "quoted"', "", "x",
                       "emoji \U0001F600 and \u2028", "a\nb\tc\\d"])


def ops(rnd, heavy):
    out = []
    if heavy:
        for _ in range(rnd.randint(2, 6)):
            t = long_text(rnd) if rnd.random() < 0.67 else text(rnd)
            out.append(["add", rnd.choice([20, 25, 40]), t, rnd.choice(["", "tag"]), False])
        return out
    for _ in range(rnd.randrange(7)):
        k = rnd.randrange(10)
        if k < 5:
            tags = None if rnd.random() < 0.17 else rnd.choice(["", "", "important", "a b"])
            out.append(["add", rnd.choice([10, 20, 25, 30, 40, 15, 35]), text(rnd), tags, rnd.random() < 0.2])
        elif k < 7:
            out.append(["iter"])
        elif k == 7:
            out.append(["len"])
        elif k == 8:
            out.append(["set_level", rnd.choice([10, 25, 30])])
        else:
            out.append(["get_level"])
    return out


def settings_for(rnd):
    s = {
        "SECRET_KEY": KEY,
        "MESSAGE_STORAGE": rnd.choice([FALLBACK, FALLBACK, COOKIE, SESSION]),
        "MESSAGE_LEVEL": rnd.choice([20, 20, 10, 25, 5]),
        "DEBUG": rnd.random() < 0.33,
        "SESSION_COOKIE_SECURE": rnd.random() < 0.5,
        "SESSION_COOKIE_HTTPONLY": rnd.random() < 0.5,
        "SESSION_COOKIE_SAMESITE": rnd.choice(["Lax", "Strict", "None", None]),
    }
    if rnd.random() < 0.33:
        s["MESSAGE_TAGS"] = {"25": "ok", "35": "notice", "20": ""}
    if djoracle.has_fallback_keys() and rnd.random() < 0.5:
        s["SECRET_KEY_FALLBACKS"] = [OLD_KEY]
    if rnd.random() < 0.33:
        s["SESSION_COOKIE_DOMAIN"] = ".example.com"
    return s


def header(value):
    return "other=1; messages=" + SimpleCookie().value_encode(value)[1]


def other_cookie(rnd, settings, now, cookie):
    """A damaged or foreign cookie in place of cookie (a Cookie header or None)."""
    kind = rnd.randrange(6)
    with override_settings(SECRET_KEY=settings["SECRET_KEY"]), djoracle.at_time(now):
        if kind == 0 and cookie:
            return cookie[:-2] + chr(ord(cookie[-2]) ^ 1) + cookie[-1]
        if kind == 1 and "SECRET_KEY_FALLBACKS" in settings:
            with override_settings(SECRET_KEY=OLD_KEY):
                signer = signing.get_cookie_signer(salt="django.contrib.messages")
                return header(signer.sign_object([["__json_message", 0, 20, "signed with the old key"]],
                                                 compress=True))
        if kind == 2:
            return header(signing.get_cookie_signer(salt="django.contrib.messages").sign(OLD_TEXT))
        if kind == 3:
            mac = salted_hmac("django.contrib.messages", OLD_TEXT, secret=KEY, algorithm="sha1").hexdigest()
            return header(mac + "$" + OLD_TEXT)
        if kind == 4:
            return None
    return header(rnd.choice(["garbage", "a:b:c", "[]"]))


def main(out):
    rnd = random.Random(2024)
    cases = []
    for chain in range(40):
        settings = settings_for(rnd)
        cookie = session = None
        heavy = chain % 3 == 0
        for step in range(4):
            now = 1700000000 + rnd.randrange(1000000) + 0.5
            if step > 0 and rnd.random() < 0.25:
                cookie = other_cookie(rnd, settings, now, cookie)
            request = {"settings": settings, "time": now, "cookie": cookie, "session": session,
                       "ops": ops(rnd, heavy and step < 3)}
            result = op_messages_run(request)
            cases.append({"name": "chain%d-step%d" % (chain, step), "request": request, "result": result})
            set_cookie = result["set_cookie"]
            if set_cookie is not None:
                pair = set_cookie.split("; ", 1)[0]
                cookie = None if pair in ('messages=""', "messages=") else pair
            session = result["session"]
    version, python = djoracle.versions()
    with open(out, "w") as f:
        json.dump({"django": version, "python": python, "cases": cases}, f, indent=1, ensure_ascii=True)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])

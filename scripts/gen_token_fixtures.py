"""Record Django's password reset tokens and uidb64 values, for package django/auth.

Usage: <venv python> scripts/gen_token_fixtures.py OUT.json
       (or scripts/gen_token_fixtures.py --all: every venv of scripts/matrix, into
       fixtures/tokens/django-<series>.json)

With seeded random users, settings and instants, through the peer ops of
scripts/peer_ops_tokens.py (Django's own PasswordResetTokenGenerator, urlsafe_base64_*):

  {"django", "python", "cases": [
    {"name", "kind": "token", "settings": {...}, "now": float, "user": {...},
     "token": make_token(user), "checks": [{"at": float, "token": str, "user": {...}, "valid": bool}]},
    {"name", "kind": "uidb64", "pk": str, "encoded": str},
    {"name", "kind": "uidb64_decode", "text": str, "value": str | null, "error": str | null}]}
"""

import json
import os
import random
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)

import djoracle  # noqa: E402

if len(sys.argv) == 2 and sys.argv[1] == "--all":
    djoracle.generate_all(__file__, "tokens")
    sys.exit(0)


djoracle.configure()

from peer_ops_tokens import op_password_reset_token, op_uidb64  # noqa: E402

KEY = "djsession-token-fixture-key"
OLD_KEY = "djsession-token-fixture-old-key"


def main(out):
    rnd = random.Random(31)
    cases = []
    for i in range(60):
        settings = {
            "SECRET_KEY": KEY,
            "PASSWORD_RESET_TIMEOUT": rnd.choice([259200, 3600, 0]),
            "TIME_ZONE": rnd.choice(["UTC", "America/Chicago", "Asia/Kolkata", "Pacific/Chatham"]),
            "USE_TZ": rnd.random() < 0.5,
        }
        if djoracle.has_fallback_keys() and rnd.random() < 0.5:
            settings["SECRET_KEY_FALLBACKS"] = [OLD_KEY]
        now = 1600000000 + rnd.random() * 2e8
        user = {
            "pk": rnd.choice(["1", "42", "0b6f0c2e-1c7a-4c5b-9d6e-1234567890ab"]),
            "password": rnd.choice(["pbkdf2_sha256$870000$salt$hash=", "!unusable", ""]),
            "last_login": None if rnd.random() < 0.25 else now - rnd.random() * 1e6,
            "email": rnd.choice([None, "", "a@example.com", "Zo\u00eb@ex\u00e4mple.org"]),
        }
        base = {"settings": settings, "user": user}
        token = op_password_reset_token(dict(base, now=now))["token"]
        timeout = settings["PASSWORD_RESET_TIMEOUT"]
        checks = []
        for at, tok, who in [
            (now, token, user),
            (now + timeout, token, user),
            (now + timeout + 1, token, user),
            (now + 5, token[:-1] + ("0" if token[-1] != "0" else "1"), user),
            (now + 5, token, dict(user, password="pbkdf2_sha256$870000$salt$other=")),
            (now + 5, token, dict(user, last_login=now + 1)),
            (now + 5, "0" + token, user),
            (now + 5, "a-b-c", user),
        ]:
            valid = op_password_reset_token(dict(base, now=at, user=who, check=tok))["valid"]
            checks.append({"at": at, "token": tok, "user": who, "valid": valid})
        cases.append(dict(base, name="token%d" % i, kind="token", now=now, token=token, checks=checks))
    for i, pk in enumerate(["1", "42", "12345678901234567890", "0b6f0c2e-1c7a-4c5b-9d6e-1234567890ab", "\u00fc", ""]):
        cases.append({"name": "uid%d" % i, "kind": "uidb64", "pk": pk, "encoded": op_uidb64({"encode": pk})["value"]})
    for i, text in enumerate(["MQ", "NDI", "NDI=", "NDI==", "N-DI", "w7w", "w7w=", "M", "", "_-", "!!", "Zm9vYmFy", "/w"]):
        r = op_uidb64({"decode": text})
        cases.append({"name": "decode%d" % i, "kind": "uidb64_decode", "text": text, "value": r.get("value"),
                      "error": r.get("error")})
    version, python = djoracle.versions()
    with open(out, "w") as f:
        json.dump({"django": version, "python": python, "cases": cases}, f, indent=1, ensure_ascii=True)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])

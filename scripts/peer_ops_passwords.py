"""Peer ops for django.contrib.auth.password_validation. Loaded by peer.py (OPS merged in).

Ops:
  validate_password  {"passwords": [...], "user": {attribute: value} or null,
                     "validators": AUTH_PASSWORD_VALIDATORS (a list of {"NAME", "OPTIONS"})}:
                     {"results": [[[code, message], ...] per password (empty when valid)],
                      "help": password_validators_help_texts(), "common_path": the path of
                      the installed Django's common-passwords list}.
                     The user is an unsaved auth.User with those attributes (so the
                     verbose names are auth.User's); attributes that are not fields are set
                     on it as plain attributes.
"""


import os


def op_validate_password(req):
    from django.contrib.auth import password_validation as pv
    from django.contrib.auth.models import User
    from django.core.exceptions import ValidationError

    validators = pv.get_password_validators(req["validators"])
    user = None
    if req.get("user") is not None:
        user = User()
        for k, v in req["user"].items():
            setattr(user, k, v)
    results = []
    for password in req["passwords"]:
        try:
            pv.validate_password(password, user, validators)
            results.append([])
        except ValidationError as e:
            results.append([[err.code, err.messages[0]] for err in e.error_list])
    return {
        "ok": True,
        "results": results,
        "help": [str(t) for t in pv.password_validators_help_texts(validators)],
        "common_path": os.path.join(os.path.dirname(os.path.abspath(pv.__file__)), "common-passwords.txt.gz"),
    }


OPS = {"validate_password": op_validate_password}

"""Django's validate_email on many values, for django.Settings.IsValidEmail.

Usage: <venv python> scripts/email_oracle.py < VALUES_JSON

VALUES_JSON is a JSON list of strings; prints {"valid": [bool, ...]}, whether Django's
validate_email (EmailValidator()) accepts each.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import djoracle  # noqa: E402

djoracle.configure("djsession-email-oracle")

from django.core.exceptions import ValidationError  # noqa: E402
from django.core.validators import validate_email  # noqa: E402


def valid(v):
    try:
        validate_email(v)
    except ValidationError:
        return False
    return True


print(json.dumps({"valid": [valid(v) for v in json.load(sys.stdin)]}))

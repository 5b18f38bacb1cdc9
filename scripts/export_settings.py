#!/usr/bin/env python3
"""Print a Django project's session, cookie and key settings as JSON for djsession.

Run it from the Django project's directory (the one holding manage.py), with the
project's Python and settings module:

    cd mysite && DJANGO_SETTINGS_MODULE=mysite.settings python /path/to/export_settings.py > djsession.json

The Go side reads the output with django.SettingsFromJSON. Secrets (SECRET_KEY and
SECRET_KEY_FALLBACKS) are printed only with --secrets (or DJSESSION_EXPORT_SECRETS=1);
without it they are left out, and the Go service supplies them itself.

Output:
    {"django_version": "5.2.19", "settings": {"SESSION_COOKIE_NAME": "sessionid", ...}}
Settings the Django version does not have are left out; None is null; a SameSite of False
is false. Lazy strings are turned into str, timedeltas into seconds. SIMPLE_JWT (the
project's own entries of djangorestframework-simplejwt's settings, read by Go with
simplejwt.SettingsFromJSON) comes with "simplejwt_version" when the package is installed;
its SIGNING_KEY is a secret too. REST_AUTH and ACCOUNT_LOGOUT_ON_GET (dj-rest-auth's,
read with restauth.SettingsFromJSON) come with "rest_auth_version", REST_KNOX
(django-rest-knox's, read with knox.SettingsFromJSON) with "knox_version", OAUTH2_PROVIDER
and OAUTH2_PROVIDER_*_MODEL (django-oauth-toolkit's, read with
oauth2provider.SettingsFromJSON; its private keys and credentials are secrets) with
"oauth2_provider_version". INSTALLED_APPS, django-allauth's settings of its headless API
(HEADLESS_*; HEADLESS_JWT_PRIVATE_KEY is a secret) and those that shape its answers
(ACCOUNT_USER_MODEL_USERNAME_FIELD, the adapters, ...), read with
headless.SettingsFromJSON, come with "allauth_version"; "installed_apps" holds the names
of the installed apps (INSTALLED_APPS may name their AppConfig classes). The script
prints nothing else.
"""

import json
import os
import sys

NAMES = [
    "SECRET_KEY",
    "SECRET_KEY_FALLBACKS",
    "SESSION_ENGINE",
    "SESSION_COOKIE_NAME",
    "SESSION_COOKIE_AGE",
    "SESSION_COOKIE_DOMAIN",
    "SESSION_COOKIE_PATH",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "SESSION_SAVE_EVERY_REQUEST",
    "SESSION_EXPIRE_AT_BROWSER_CLOSE",
    "SESSION_SERIALIZER",
    "SESSION_FILE_PATH",
    "SESSION_CACHE_ALIAS",
    "USE_TZ",
    "TIME_ZONE",
    "AUTHENTICATION_BACKENDS",
    "AUTH_USER_MODEL",
    "CSRF_USE_SESSIONS",
    "CSRF_COOKIE_NAME",
    "CSRF_COOKIE_AGE",
    "CSRF_COOKIE_DOMAIN",
    "CSRF_COOKIE_PATH",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SAMESITE",
    "CSRF_COOKIE_MASKED",
    "CSRF_HEADER_NAME",
    "CSRF_TRUSTED_ORIGINS",
    "ALLOWED_HOSTS",
    "DEBUG",
    "USE_X_FORWARDED_HOST",
    "USE_X_FORWARDED_PORT",
    "SECURE_PROXY_SSL_HEADER",
    "SIGNED_COOKIE_LEGACY_SALT_FALLBACK",
    "PASSWORD_RESET_TIMEOUT",
    "DATA_UPLOAD_MAX_MEMORY_SIZE",
    "DATA_UPLOAD_MAX_NUMBER_FIELDS",
    "DATA_UPLOAD_MAX_NUMBER_FILES",
    "LOGIN_URL",
    "LOGIN_REDIRECT_URL",
    "LOGOUT_REDIRECT_URL",
    "MESSAGE_STORAGE",
    "MESSAGE_LEVEL",
    "MESSAGE_TAGS",
    "DEFAULT_HASHING_ALGORITHM",
    "PASSWORD_HASHERS",
    "AUTH_PASSWORD_VALIDATORS",
    "SIMPLE_JWT",
    "REST_AUTH",
    "ACCOUNT_LOGOUT_ON_GET",
    "REST_KNOX",
    "OAUTH2_PROVIDER",
    "OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL",
    "OAUTH2_PROVIDER_APPLICATION_MODEL",
    "OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL",
    "OAUTH2_PROVIDER_GRANT_MODEL",
    "INSTALLED_APPS",
    "HEADLESS_TOKEN_STRATEGY",
    "HEADLESS_JWT_ALGORITHM",
    "HEADLESS_JWT_PRIVATE_KEY",
    "HEADLESS_JWT_ACCESS_TOKEN_EXPIRES_IN",
    "HEADLESS_JWT_REFRESH_TOKEN_EXPIRES_IN",
    "HEADLESS_JWT_AUTHORIZATION_HEADER_SCHEME",
    "HEADLESS_JWT_STATEFUL_VALIDATION_ENABLED",
    "HEADLESS_JWT_ROTATE_REFRESH_TOKEN",
    "HEADLESS_ADAPTER",
    "ACCOUNT_ADAPTER",
    "ACCOUNT_USER_MODEL_USERNAME_FIELD",
    "ACCOUNT_USER_MODEL_EMAIL_FIELD",
    "ACCOUNT_USER_DISPLAY",
    "ACCOUNT_LOGIN_BY_CODE_ENABLED",
    "ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED",
    "SOCIALACCOUNT_ONLY",
    "MFA_PASSKEY_LOGIN_ENABLED",
    "MFA_SUPPORTED_TYPES",
    "ACCOUNT_SIGNUP_ENABLED",
    "ALLAUTH_SETTING_GETTER",
    "ACCOUNT_LOGIN_METHODS",
    "ACCOUNT_AUTHENTICATION_METHOD",
    "ACCOUNT_PRESERVE_USERNAME_CASING",
    "ACCOUNT_EMAIL_VERIFICATION",
    "ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED",
    "ACCOUNT_EMAIL_CONFIRMATION_COOLDOWN",
    "ACCOUNT_LOGIN_BY_CODE_REQUIRED",
    "ACCOUNT_RATE_LIMITS",
    "ACCOUNT_LOGIN_ATTEMPTS_LIMIT",
    "ACCOUNT_LOGIN_ATTEMPTS_TIMEOUT",
    "ACCOUNT_SIGNUP_FIELDS",
    "ACCOUNT_REAUTHENTICATION_METHODS",
    "SITE_ID",
    "USERSESSIONS_TRACK_ACTIVITY",
    "ACCOUNT_REAUTHENTICATION_REQUIRED",
    "ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE",
    "ACCOUNT_EMAIL_NOTIFICATIONS",
    "ACCOUNT_PASSWORD_MIN_LENGTH",
    "ALLAUTH_TRUSTED_PROXY_COUNT",
    "ALLAUTH_TRUSTED_CLIENT_IP_HEADER",
    "ALLAUTH_RATE_LIMIT_IPV6_PREFIX",
    "ACCOUNT_LOGIN_TIMEOUT",
    "ACCOUNT_LOGIN_BY_CODE_TRUST_ENABLED",
    "MFA_ADAPTER",
    "MFA_TOTP_PERIOD",
    "MFA_TOTP_DIGITS",
    "MFA_TOTP_TOLERANCE",
    "MFA_TOTP_INSECURE_BYPASS_CODE",
    "MFA_RECOVERY_CODE_COUNT",
    "MFA_RECOVERY_CODE_DIGITS",
    "MFA_TRUST_ENABLED",
    "MFA_PASSKEY_SIGNUP_ENABLED",
    "MFA_REAUTHENTICATION_REQUIRED",
    "MFA_RECOVERY_CODES_SHOW_ONCE",
    "ACCOUNT_REAUTHENTICATION_TIMEOUT",
    "MFA_TOTP_ISSUER",
    "MFA_ALLOW_UNVERIFIED_EMAIL",
    "ACCOUNT_LOGIN_BY_CODE_TIMEOUT",
    "ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS",
    "ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND",
    "ACCOUNT_LOGIN_BY_CODE_FORMAT",
    "ALLAUTH_USER_CODE_FORMAT",
    "ACCOUNT_PREVENT_ENUMERATION",
    "ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS",
    "HEADLESS_FRONTEND_URLS",
    "ACCOUNT_UNIQUE_EMAIL",
    "ACCOUNT_CHANGE_EMAIL",
    "ACCOUNT_LOGIN_ON_PASSWORD_RESET",
    "ACCOUNT_PASSWORD_RESET_TOKEN_GENERATOR",
    "ACCOUNT_PASSWORD_RESET_BY_CODE_MAX_ATTEMPTS",
    "ACCOUNT_PASSWORD_RESET_BY_CODE_TIMEOUT",
    "ACCOUNT_PASSWORD_RESET_BY_CODE_CODE_FORMAT",
    "ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION",
    "ACCOUNT_EMAIL_CONFIRMATION_HMAC",
    "ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS",
    "EMAIL_CONFIRMATION_DAYS",
    "ACCOUNT_SALT",
    "ACCOUNT_EMAIL_VERIFICATION_BY_CODE_MAX_ATTEMPTS",
    "ACCOUNT_EMAIL_VERIFICATION_BY_CODE_TIMEOUT",
    "ACCOUNT_EMAIL_VERIFICATION_BY_CODE_FORMAT",
    "ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_RESEND",
    "ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_CHANGE",
    "ACCOUNT_MAX_EMAIL_ADDRESSES",
    "ACCOUNT_SIGNUP_FIELDS",
    "ACCOUNT_USERNAME_REQUIRED",
    "ACCOUNT_EMAIL_REQUIRED",
    "ACCOUNT_SIGNUP_EMAIL_ENTER_TWICE",
    "ACCOUNT_SIGNUP_PASSWORD_ENTER_TWICE",
    "ACCOUNT_SIGNUP_PASSWORD_VERIFICATION",
    "ACCOUNT_USERNAME_MIN_LENGTH",
    "ACCOUNT_USERNAME_BLACKLIST",
    "ACCOUNT_SIGNUP_FORM_CLASS",
    "ACCOUNT_SIGNUP_FORM_HONEYPOT_FIELD",
    "ACCOUNT_USERNAME_VALIDATORS",
]
SECRETS = {"SECRET_KEY", "SECRET_KEY_FALLBACKS", "HEADLESS_JWT_PRIVATE_KEY"}
# Secrets inside a dict setting: SIMPLE_JWT's SIGNING_KEY (the HMAC secret or private key),
# OAUTH2_PROVIDER's private keys and credentials.
INNER_SECRETS = {"SIMPLE_JWT": {"SIGNING_KEY"},
                 "OAUTH2_PROVIDER": {"OIDC_RSA_PRIVATE_KEY", "OIDC_RSA_PRIVATE_KEYS_INACTIVE", "RESOURCE_SERVER_AUTH_TOKEN",
                                     "RESOURCE_SERVER_INTROSPECTION_CREDENTIALS"}}


def plain(value):
    """Turn a setting into JSON-able data (lazy strings, tuples, paths)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(plain(v) for v in value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if hasattr(value, "total_seconds"):  # (a timedelta)
        return value.total_seconds()
    return str(value)


def export(with_secrets):
    """Return the document for the configured settings."""
    import django
    from django.conf import settings

    django.setup()
    out = {}
    for name in NAMES:
        if name in SECRETS and not with_secrets:
            continue
        if not hasattr(settings, name):
            continue
        value = plain(getattr(settings, name))
        if isinstance(value, dict) and not with_secrets:
            value = {k: v for k, v in value.items() if k not in INNER_SECRETS.get(name, ())}
        out[name] = value
    doc = {"django_version": django.get_version(), "settings": out}
    from django.apps import apps

    doc["installed_apps"] = [a.name for a in apps.get_app_configs()]
    from importlib.metadata import PackageNotFoundError, version

    for key, dist in (("simplejwt_version", "djangorestframework-simplejwt"), ("rest_auth_version", "dj-rest-auth"),
                      ("knox_version", "django-rest-knox"),
                      ("oauth2_provider_version", "django-oauth-toolkit"), ("allauth_version", "django-allauth")):
        try:
            doc[key] = version(dist)
        except PackageNotFoundError:
            pass
    return doc


def main(argv):
    with_secrets = "--secrets" in argv or os.environ.get("DJSESSION_EXPORT_SECRETS") == "1"
    unknown = [a for a in argv if a != "--secrets"]
    if unknown:
        sys.stderr.write("usage: export_settings.py [--secrets]\n")
        return 2
    if "DJANGO_SETTINGS_MODULE" not in os.environ:
        sys.stderr.write("export_settings.py: set DJANGO_SETTINGS_MODULE, e.g. mysite.settings\n")
        return 2
    # The project's modules are found from the current directory, as manage.py finds them.
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    json.dump(export(with_secrets), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

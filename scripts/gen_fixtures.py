"""Generate the Django oracle fixtures for the Django installed in this venv.

Usage: <venv python> scripts/gen_fixtures.py OUTDIR

Writes OUTDIR/{signing,session,auth,json,random}.json. Output depends only
on the Django and Python versions: the clock that django.core.signing reads
is fixed per case and every random choice comes from a seeded
random.Random. See fixtures/README.md for the schema. Normally run through
scripts/gen-fixtures, which loops over scripts/matrix.
"""

import base64
import json
import os
import random
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import djoracle  # noqa: E402
from djoracle import at_time, error_fields, json_text, typed  # noqa: E402

django = djoracle.configure()

from django.contrib.sessions.backends import base as sessions_base  # noqa: E402
from django.core import signing  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.utils import crypto  # noqa: E402

DJANGO, PYTHON = djoracle.versions()
FALLBACKS = djoracle.has_fallback_keys()
LEGACY = djoracle.has_legacy_formats()

KEY = "djsession-fixture-key-one-0123456789abcdefghijklmnopqrstuvwxyz"
KEY2 = "djsession-fixture-key-two-ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210"
KEY3 = "djsession-fixture-key-three-retired"
KEY_U = "cl\u00e9-\u043a\u043b\u044e\u0447-\U0001f511-secret"

T0 = 1700000000.5  # default clock for cases with a timestamp

ALGORITHMS = [
    "md5", "sha1", "sha224", "sha256", "sha384", "sha512",
    "sha3_224", "sha3_256", "sha3_384", "sha3_512", "blake2b", "blake2s",
]


class Cases:
    def __init__(self):
        self.cases = []
        self.names = set()

    def add(self, name, kind, **fields):
        if name in self.names:
            raise AssertionError("duplicate case name %r" % name)
        self.names.add(name)
        case = {"name": name, "kind": kind}
        case.update(fields)
        self.cases.append(case)
        return case


def write(outdir, filename, cases):
    doc = {"django": DJANGO, "python": PYTHON, "cases": cases.cases}
    path = os.path.join(outdir, filename)
    with open(path, "w", encoding="ascii") as f:
        json.dump(doc, f, indent=1, ensure_ascii=True)
        f.write("\n")
    print("%s: %d cases" % (path, len(cases.cases)))


# ---------------------------------------------------------------------------
# Signers defined outside Django: the default salt comes from the subclass's
# module and __name__ (not __qualname__).


class _Outer:
    class AppSigner(signing.Signer):
        pass

    class AppTimestampSigner(signing.TimestampSigner):
        pass


for _cls in (_Outer.AppSigner, _Outer.AppTimestampSigner):
    _cls.__module__ = "myapp.crypto"
    _cls.__qualname__ = "Outer." + _cls.__name__

SIGNER_CLASSES = {
    "Signer": signing.Signer,
    "TimestampSigner": signing.TimestampSigner,
    "myapp.crypto.AppSigner": _Outer.AppSigner,
    "myapp.crypto.AppTimestampSigner": _Outer.AppTimestampSigner,
}


def make_signer(cls, key=None, fallback_keys=None, salt=None, sep=None,
                algorithm=None):
    kwargs = {}
    if key is not None:
        kwargs["key"] = key
    if fallback_keys is not None:
        kwargs["fallback_keys"] = list(fallback_keys)
    if salt is not None:
        kwargs["salt"] = salt
    if sep is not None:
        kwargs["sep"] = sep
    if algorithm is not None:
        kwargs["algorithm"] = algorithm
    return cls(**kwargs)


def b62_encode(n):
    if hasattr(signing, "b62_encode"):
        return signing.b62_encode(n)
    from django.utils import baseconv

    return baseconv.base62.encode(n)


def b62_decode(s):
    if hasattr(signing, "b62_decode"):
        return signing.b62_decode(s)
    from django.utils import baseconv

    return baseconv.base62.decode(s)


# ---------------------------------------------------------------------------
# signing.json


def gen_b62(c):
    nums = [0, 1, 9, 10, 35, 36, 61, 62, 63, 3843, 3844, 238327, 238328,
            1700000000, 1700000001, 2147483647, 4102444800,
            -1, -61, -62, -1700000000, 2**62, 2**63 - 1, -(2**63 - 1), -(2**63)]
    for n in nums:
        s = b62_encode(n)
        assert b62_decode(s) == n
        c.add("b62.%d" % n, "b62", n=n, s=s)


def gen_salted_hmac(c):
    inputs = [
        ("ascii", "my.key.salt", "hello world", "a-secret-key"),
        ("unicode", "s\u00e4lt-\u00fc-\U0001f600", "v\u00e4lue-\u20ac-\U0001f4a9",
         "s\u00e9cret-\u043a\u043b\u044e\u0447"),
        ("empty", "", "", ""),
        ("empty_secret", "salt", "value", ""),
        ("long", "x" * 300, "y" * 1000, "z" * 200),
    ]
    for label, key_salt, value, secret in inputs:
        for alg in ALGORITHMS:
            mac = crypto.salted_hmac(key_salt, value, secret, algorithm=alg)
            c.add("salted_hmac.%s.%s" % (alg, label), "salted_hmac",
                  key_salt=key_salt, value=value, secret=secret,
                  algorithm=alg, hex=mac.hexdigest())
    for alg in ["sha512_256", "nope", "SHA256", "", "shake_128", "sha-256"]:
        case = dict(key_salt="salt", value="value", secret="secret", algorithm=alg)
        try:
            case["hex"] = crypto.salted_hmac("salt", "value", "secret",
                                             algorithm=alg).hexdigest()
        except Exception as e:
            case["error"] = type(e).__name__
            case.update(error_fields(e))
        c.add("salted_hmac.invalid.%s" % (alg or "empty"), "salted_hmac", **case)


def sign_case(c, name, signer="Signer", cls_name=None, key=KEY, fallback_keys=None,
              salt=None, sep=None, algorithm=None, time=None, value="hello",
              **extra):
    cls = SIGNER_CLASSES[cls_name or signer]
    if time is None and signer == "TimestampSigner":
        time = T0
    case = dict(signer=signer, key=key, fallback_keys=fallback_keys, salt=salt,
                sep=sep, algorithm=algorithm, time=time, value=value)
    if cls_name:
        case["class"] = cls_name
    case.update(extra)
    try:
        s = make_signer(cls, key, fallback_keys, salt, sep, algorithm)
        with at_time(time):
            case["output"] = s.sign(value)
    except Exception as e:
        case["error"] = type(e).__name__
        case.update(error_fields(e))
    return c.add(name, "sign", **case)


def unsign_case(c, name, input, signer="Signer", cls_name=None, key=KEY,
                fallback_keys=None, salt=None, sep=None, algorithm=None,
                time=None, max_age=None, **extra):
    cls = SIGNER_CLASSES[cls_name or signer]
    if time is None and signer == "TimestampSigner":
        time = T0
    case = dict(signer=signer, key=key, fallback_keys=fallback_keys, salt=salt,
                sep=sep, algorithm=algorithm, time=time, max_age=max_age,
                input=input)
    if cls_name:
        case["class"] = cls_name
    case.update(extra)
    try:
        s = make_signer(cls, key, fallback_keys, salt, sep, algorithm)
        with at_time(time):
            if max_age is not None:
                v = s.unsign(input, max_age=max_age)
            else:
                v = s.unsign(input)
        case["result"] = "ok"
        case["value"] = v
    except signing.SignatureExpired as e:
        case["result"] = "SignatureExpired"
        case.update(error_fields(e))
    except signing.BadSignature as e:
        case["result"] = "BadSignature"
        case.update(error_fields(e))
    except Exception as e:
        case["result"] = "error"
        case.update(error_fields(e))
    return c.add(name, "unsign", **case)


def do_sign(signer="Signer", key=KEY, salt=None, sep=None, algorithm=None,
            time=T0, value="hello", cls_name=None):
    s = make_signer(SIGNER_CLASSES[cls_name or signer], key, None, salt, sep, algorithm)
    with at_time(time):
        return s.sign(value)


def gen_sign(c):
    for signer in ("Signer", "TimestampSigner"):
        p = "sign.%s." % signer
        sign_case(c, p + "default_salt", signer)
        sign_case(c, p + "explicit_salt", signer, salt="my.app.salt")
        sign_case(c, p + "empty_salt", signer, salt="")
        sign_case(c, p + "unicode_salt", signer, salt="s\u00e4lz-\u20ac-\U0001f600")
        sign_case(c, p + "empty_value", signer, value="")
        sign_case(c, p + "unicode_value", signer, value="h\u00e9llo w\u00f6rld \U0001f600")
        sign_case(c, p + "lone_surrogate_value", signer, value="a\ud800b")
        sign_case(c, p + "unicode_key", signer, key=KEY_U)
        sign_case(c, p + "key2", signer, key=KEY2)
        sign_case(c, p + "empty_key_uses_settings", signer, key="",
                  settings_secret_key=djoracle.SETTINGS_SECRET_KEY)
        sign_case(c, p + "empty_algorithm_is_default", signer, algorithm="")
        sign_case(c, p + "invalid_algorithm", signer, algorithm="nope")
        if FALLBACKS:
            sign_case(c, p + "fallback_keys_ignored", signer, fallback_keys=[KEY2, KEY3])
        for sep in ["::", "#sep#", "/", "!", ":", "\u00e9", " ", "a:", "~", "."]:
            sign_case(c, p + "sep.%s" % sep.encode("unicode_escape").decode("ascii"),
                      signer, sep=sep, value="hello")
        sign_case(c, p + "value_contains_sep", signer, value="a:b:c")
        sign_case(c, p + "value_contains_custom_sep", signer, sep="::", value="x::y::")
        sign_case(c, p + "value_contains_hash_sep", signer, sep="#sep#",
                  value="#sep#a#sep#")
        for sep in ["", "a", "_", "-", "=", "[", "\\", "^", "`", "0", "]", "Z",
                    "abc", "a-b", "==", "A_z"]:
            label = "empty" if sep == "" else "%04x" % ord(sep[0]) if len(sep) == 1 else sep
            sign_case(c, p + "bad_sep.%s" % label, signer, sep=sep)
        for alg in ALGORITHMS:
            sign_case(c, p + "algorithm.%s" % alg, signer, algorithm=alg)
            sign_case(c, p + "algorithm.%s.salted" % alg, signer, algorithm=alg,
                      salt="per-alg", value="value \u00e9")
    for t in [0.0, 0.999, 61.0, 62.0, 1700000000.0, 1700000000.999, -1.5, -62.0,
              4102444800.25, 1e10]:
        sign_case(c, "sign.TimestampSigner.time.%r" % t, "TimestampSigner", time=t)
    for cls_name, signer in [("myapp.crypto.AppSigner", "Signer"),
                             ("myapp.crypto.AppTimestampSigner", "TimestampSigner")]:
        sign_case(c, "sign.subclass.%s.default_salt" % signer, signer,
                  cls_name=cls_name, qualname="Outer." + cls_name.rsplit(".", 1)[1])
        sign_case(c, "sign.subclass.%s.explicit_salt" % signer, signer,
                  cls_name=cls_name, salt="explicit",
                  qualname="Outer." + cls_name.rsplit(".", 1)[1])


def _sig_with_urlsafe_chars(signer="Signer"):
    """A (value, signed) pair whose signature contains both '-' and '_'."""
    i = 0
    while True:
        value = "value-%d" % i
        signed = do_sign(signer, value=value)
        sig = signed.rsplit(":", 1)[1]
        if "-" in sig and "_" in sig:
            return value, signed
        i += 1


def gen_unsign(c):
    for signer in ("Signer", "TimestampSigner"):
        p = "unsign.%s." % signer
        good = do_sign(signer)
        unsign_case(c, p + "ok", good, signer)
        unsign_case(c, p + "ok_explicit_salt", do_sign(signer, salt="s1"), signer, salt="s1")
        unsign_case(c, p + "ok_empty_salt_is_default", good, signer, salt="")
        unsign_case(c, p + "wrong_salt", good, signer, salt="other")
        v, sig = good.rsplit(":", 1)
        unsign_case(c, p + "tampered_value", "j" + good[1:], signer)
        unsign_case(c, p + "tampered_signature",
                    v + ":" + sig[:-1] + ("A" if sig[-1] != "A" else "B"), signer)
        unsign_case(c, p + "truncated_signature", good[:-1], signer)
        unsign_case(c, p + "empty_signature", v + ":", signer)
        unsign_case(c, p + "no_separator", "hello", signer)
        unsign_case(c, p + "empty_input", "", signer)
        unsign_case(c, p + "wrong_key", good, signer, key=KEY2)
        unsign_case(c, p + "unicode_key", do_sign(signer, key=KEY_U), signer, key=KEY_U)
        unsign_case(c, p + "unicode_value",
                    do_sign(signer, value="\u00e9\U0001f600"), signer)
        unsign_case(c, p + "split_on_last_sep", do_sign(signer, value="a:b:c"), signer)
        unsign_case(c, p + "custom_sep", do_sign(signer, sep="::", value="x::y"),
                    signer, sep="::")
        unsign_case(c, p + "custom_sep_wrong_sep", do_sign(signer, sep="::", value="x"),
                    signer)
        unsign_case(c, p + "unicode_sep", do_sign(signer, sep="\u00e9", value="a\u00e9b"),
                    signer, sep="\u00e9")
        unsign_case(c, p + "bad_sep", good, signer, sep="_")
        # SHA-1 signature made by a Signer asked for sha1, checked by a
        # default (sha256) signer: accepted only by 3.1/3.2 (legacy_algorithm).
        sha1 = do_sign(signer, algorithm="sha1")
        unsign_case(c, p + "sha1_signature_default_signer", sha1, signer,
                    sha1_signed=True)
        unsign_case(c, p + "sha1_signature_sha512_signer", sha1, signer,
                    algorithm="sha512", sha1_signed=True)
        unsign_case(c, p + "sha1_signature_sha1_signer", sha1, signer, algorithm="sha1")
        unsign_case(c, p + "sha256_signature_sha1_signer", good, signer, algorithm="sha1")
        unsign_case(c, p + "md5_signature_default_signer",
                    do_sign(signer, algorithm="md5"), signer)
        for alg in ALGORITHMS:
            unsign_case(c, p + "algorithm.%s" % alg,
                        do_sign(signer, algorithm=alg, value="v:%s" % alg), signer,
                        algorithm=alg)
        if FALLBACKS:
            old = do_sign(signer, key=KEY2)
            unsign_case(c, p + "fallback_key_match", old, signer, fallback_keys=[KEY2])
            unsign_case(c, p + "fallback_key_second", old, signer,
                        fallback_keys=[KEY3, KEY2])
            unsign_case(c, p + "fallback_key_none_match", old, signer,
                        fallback_keys=[KEY3])
            unsign_case(c, p + "fallback_keys_empty_list", old, signer, fallback_keys=[])
            unsign_case(c, p + "primary_key_with_fallbacks", good, signer,
                        fallback_keys=[KEY2])
        # Signatures in the standard alphabet / padded: compared as text.
        value, signed = _sig_with_urlsafe_chars(signer)
        v, sig = signed.rsplit(":", 1)
        unsign_case(c, p + "control_urlsafe_signature", signed, signer)
        unsign_case(c, p + "standard_alphabet_signature",
                    v + ":" + sig.replace("-", "+").replace("_", "/"), signer)
        unsign_case(c, p + "padded_signature", signed + "=", signer)
        unsign_case(c, p + "signature_with_space", signed + " ", signer)
        unsign_case(c, p + "subclass_salt",
                    do_sign(signer, cls_name="myapp.crypto.App" + signer),
                    signer, cls_name="myapp.crypto.App" + signer)
        unsign_case(c, p + "subclass_salt_by_plain_class",
                    do_sign(signer, cls_name="myapp.crypto.App" + signer), signer)
        unsign_case(c, p + "plain_class_salt_by_subclass", good, signer,
                    cls_name="myapp.crypto.App" + signer)

    # TimestampSigner max_age behaviour.
    TS = "TimestampSigner"
    p = "unsign.TimestampSigner."
    base = 1700000000.0
    signed = do_sign(TS, time=base + 0.25)  # timestamp is int: 1700000000
    unsign_case(c, p + "max_age.none", signed, TS, time=base + 1e6)
    unsign_case(c, p + "max_age.age_equal", signed, TS, time=base + 10, max_age=10)
    unsign_case(c, p + "max_age.age_over_by_0.25", signed, TS, time=base + 10.25,
                max_age=10)
    unsign_case(c, p + "max_age.age_under", signed, TS, time=base + 9.75, max_age=10)
    unsign_case(c, p + "max_age.float_ok", signed, TS, time=base + 10.5, max_age=10.5)
    unsign_case(c, p + "max_age.float_expired", signed, TS, time=base + 10.75,
                max_age=10.5)
    unsign_case(c, p + "max_age.future_timestamp", signed, TS, time=base - 3600,
                max_age=10)
    unsign_case(c, p + "max_age.zero_same_instant", signed, TS, time=base, max_age=0)
    unsign_case(c, p + "max_age.zero_after_0.75", signed, TS, time=base + 0.75, max_age=0)
    unsign_case(c, p + "max_age.zero_future", signed, TS, time=base - 1, max_age=0)
    unsign_case(c, p + "max_age.negative", signed, TS, time=base, max_age=-1)
    unsign_case(c, p + "max_age.large_int", signed, TS, time=base + 86400 * 365,
                max_age=86400 * 400)
    v, sig = signed.rsplit(":", 1)
    unsign_case(c, p + "max_age.tampered_and_expired", "j" + signed[1:], TS,
                time=base + 100, max_age=10)
    unsign_case(c, p + "max_age.wrong_key_and_expired", signed, TS, key=KEY2,
                time=base + 100, max_age=10)
    if FALLBACKS:
        unsign_case(c, p + "max_age.fallback_expired", do_sign(TS, key=KEY2, time=base),
                    TS, fallback_keys=[KEY2], time=base + 100, max_age=10)
    # A valid signature (made with the TimestampSigner's salt by a plain
    # Signer) over text whose timestamp part is odd.
    for label, text in [("empty_ts", "hello:"), ("bad_char_ts", "hello:!"),
                        ("negative_ts", "hello:-1"), ("leading_zeros_ts", "hello:0001"),
                        ("minus_only_ts", "hello:-"), ("no_ts", "hello"),
                        ("huge_ts", "hello:zzzzzzzzzzzz"), ("ts_only", ":1r31eq")]:
        forged = do_sign("Signer", salt="django.core.signing.TimestampSigner",
                         value=text)
        for max_age in (None, 10):
            unsign_case(c, p + "odd_timestamp.%s.max_age_%s" % (label, max_age), forged,
                        TS, time=1700000000.0, max_age=max_age,
                        signed_text=text)


# dumps values: (label, value)
def tricky_values():
    big = {"k%03d" % i: ["item", i, i * 1.5, {"nested": "x" * (i % 7)}] for i in range(40)}
    return [
        ("empty_dict", {}),
        ("empty_list", []),
        ("empty_str", ""),
        ("none", None),
        ("true", True),
        ("false", False),
        ("zero", 0),
        ("str_ascii", "hello"),
        ("str_latin1", "caf\u00e9 \u00ff"),
        ("str_bmp", "\u20ac \u4e2d\u6587 \uffff"),
        ("str_astral", "\U0001f600\U0001f4a9\U00010000\U0010ffff"),
        ("str_lone_high_surrogate", "a\ud800b"),
        ("str_lone_low_surrogate", "\udc00"),
        ("str_control", "\x00\x01\x07\x08\t\n\x0b\x0c\r\x1b\x1f"),
        ("str_del", "a\x7fb"),
        ("str_c1", "\x80\x9f\xa0"),
        ("str_quotes_backslash", "\"'\\"),
        ("str_html", "<script>&amp;</script> a/b"),
        ("str_u2028", "\u2028\u2029"),
        ("str_bom", "\ufeff"),
        ("float_1.0", 1.0),
        ("float_neg_zero", -0.0),
        ("float_1e16", 1e16),
        ("float_1e21", 1e21),
        ("float_1e-07", 1e-07),
        ("float_0.1", 0.1),
        ("float_5e-324", 5e-324),
        ("float_123456789.123", 123456789.123),
        ("float_1e15", 1e15),
        ("float_1e-4", 1e-4),
        ("float_1e-5", 1e-5),
        ("float_max", 1.7976931348623157e308),
        ("float_9007199254740993", 9007199254740993.0),
        ("float_0.30000000000000004", 0.1 + 0.2),
        ("float_nan", float("nan")),
        ("float_inf", float("inf")),
        ("float_neg_inf", float("-inf")),
        ("int_2_53_plus_1", 2**53 + 1),
        ("int_2_63", 2**63),
        ("int_2_64", 2**64),
        ("int_10_40", 10**40),
        ("int_neg_2_70", -(2**70)),
        ("int_neg_2_63", -(2**63)),
        ("nested", {"a": [1, [2, [3, {"b": None}]]], "c": {"d": {"e": {}}}}),
        ("key_order", {"z": 1, "a": 2, "m": 3, "b": 4}),
        ("non_str_keys", {1: "int", 1.5: "float", None: "none"}),
        ("bool_keys", {True: "t", False: "f"}),
        ("float_keys", {-0.0: "negzero", 1e16: "big", 1e-07: "small"}),
        ("nan_key", {float("nan"): 1, float("inf"): 2}),
        ("big_int_key", {2**70: "x"}),
        ("tuple", (1, "two", (3.0, None))),
        ("list_of_tuples", [(1, 2), ()]),
        ("unicode_keys", {"\u00e9": 1, "\U0001f600": 2, "\ud800": 3}),
        ("session_like", {"_auth_user_id": "42",
                          "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
                          "_auth_user_hash": "0" * 64, "cart": [1, 2, 3]}),
        ("big_nested", big),
    ]


def dumps_case(c, name, value, key=KEY, salt=None, compress=False, time=T0, **extra):
    kwargs = {"key": key, "compress": compress}
    if salt is not None:
        kwargs["salt"] = salt
    case = dict(key=key, salt=salt, compress=compress, time=time, value=typed(value),
                json=json_text(value))
    case.update(extra)
    with at_time(time):
        case["token"] = signing.dumps(value, **kwargs)
    return c.add(name, "dumps", **case)


def _zlib_boundary(saving):
    """A str whose JSON zlib-compresses to exactly len(json) - saving bytes."""
    for n in range(1, 200):
        for s in ("a" * n, "ab" * n, "abc" * n):
            data = json_text(s).encode("latin-1")
            if len(zlib.compress(data)) == len(data) - saving:
                return s
    raise AssertionError("no boundary value for saving %d" % saving)


def gen_dumps(c):
    for label, value in tricky_values():
        dumps_case(c, "dumps.%s" % label, value)
        dumps_case(c, "dumps.%s.compress" % label, value, compress=True)
    for label, salt in [("default", None), ("empty", ""), ("explicit", "my.app"),
                        ("unicode", "s\u00e4lz-\U0001f600"),
                        ("sessions", "django.contrib.sessions.SessionStore")]:
        dumps_case(c, "dumps.salt.%s" % label, {"a": 1}, salt=salt)
    dumps_case(c, "dumps.key2", {"a": 1}, key=KEY2)
    dumps_case(c, "dumps.unicode_key", {"a": 1}, key=KEY_U)
    dumps_case(c, "dumps.empty_key_uses_settings", {"a": 1}, key="",
               settings_secret_key=djoracle.SETTINGS_SECRET_KEY)
    dumps_case(c, "dumps.compress.compressible", {"data": "abc" * 200}, compress=True)
    dumps_case(c, "dumps.compress.list_range", list(range(1, 20)), compress=True)
    dumps_case(c, "dumps.compress.tiny", {"a": 1}, compress=True)
    for saving in (0, 1, 2, 3):
        v = _zlib_boundary(saving)
        dumps_case(c, "dumps.compress.saves_%d_bytes" % saving, v, compress=True,
                   zlib_saving=saving)
    for t in [0.0, 1700000000.999, -1.5, 4102444800.0]:
        dumps_case(c, "dumps.time.%r" % t, {"t": t}, time=t)


def loads_case(c, name, token, key=KEY, fallback_keys=None, salt=None, max_age=None,
               time=T0, **extra):
    kwargs = {"key": key}
    if fallback_keys is not None:
        kwargs["fallback_keys"] = fallback_keys
    if salt is not None:
        kwargs["salt"] = salt
    if max_age is not None:
        kwargs["max_age"] = max_age
    case = dict(key=key, fallback_keys=fallback_keys, salt=salt, max_age=max_age,
                time=time, token=token)
    case.update(extra)
    try:
        with at_time(time):
            v = signing.loads(token, **kwargs)
        case["result"] = "ok"
        case["value"] = typed(v)
    except signing.SignatureExpired as e:
        case["result"] = "SignatureExpired"
        case.update(error_fields(e))
    except signing.BadSignature as e:
        case["result"] = "BadSignature"
        case.update(error_fields(e))
    except Exception as e:
        case["result"] = "error"
        case.update(error_fields(e))
    return c.add(name, "loads", **case)


def raw_token(payload, key=KEY, salt="django.core.signing", time=T0, algorithm=None):
    """Validly signed dumps-style token around arbitrary payload text."""
    s = make_signer(signing.TimestampSigner, key, None, salt, None, algorithm)
    with at_time(time):
        return s.sign(payload)


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def gen_loads(c):
    def tok(value, **kw):
        kw.setdefault("key", KEY)
        t = kw.pop("time", T0)
        with at_time(t):
            return signing.dumps(value, **kw)

    for label, value in tricky_values():
        loads_case(c, "loads.ok.%s" % label, tok(value))
    loads_case(c, "loads.ok.compressed", tok({"data": "abc" * 200}, compress=True))
    loads_case(c, "loads.ok.explicit_salt", tok({"a": 1}, salt="my.app"), salt="my.app")
    # dumps/loads default salt is "django.core.signing", but an empty salt
    # falls back to the signer's own default "django.core.signing.TimestampSigner".
    loads_case(c, "loads.empty_salt_vs_dumps_default", tok({"a": 1}), salt="")
    loads_case(c, "loads.ok.empty_salt_both", tok({"a": 1}, salt=""), salt="")
    loads_case(c, "loads.ok.empty_salt_is_timestampsigner_name", tok({"a": 1}, salt=""),
               salt="django.core.signing.TimestampSigner")
    loads_case(c, "loads.ok.unicode_salt", tok({"a": 1}, salt="s\u00e4lz-\U0001f600"),
               salt="s\u00e4lz-\U0001f600")
    loads_case(c, "loads.wrong_salt", tok({"a": 1}), salt="other")
    good = tok({"a": 1})
    loads_case(c, "loads.tampered_payload", "eyJhIjoyfQ" + good[good.index(":"):])
    loads_case(c, "loads.tampered_signature", good[:-2] + ("AA" if good[-2:] != "AA" else "BB"))
    loads_case(c, "loads.wrong_key", good, key=KEY2)
    loads_case(c, "loads.empty_token", "")
    loads_case(c, "loads.no_separator", "eyJhIjoxfQ")
    loads_case(c, "loads.one_separator", "eyJhIjoxfQ:abc")
    signed_at = 1700000000.0
    t = tok({"a": 1}, time=signed_at + 0.5)
    loads_case(c, "loads.max_age.ok", t, max_age=60, time=signed_at + 59)
    loads_case(c, "loads.max_age.equal", t, max_age=60, time=signed_at + 60)
    loads_case(c, "loads.max_age.expired", t, max_age=60, time=signed_at + 60.25)
    loads_case(c, "loads.max_age.float", t, max_age=0.5, time=signed_at + 0.5)
    loads_case(c, "loads.max_age.zero", t, max_age=0, time=signed_at + 0.75)
    loads_case(c, "loads.max_age.future", t, max_age=60, time=signed_at - 1000)
    loads_case(c, "loads.max_age.tampered_and_expired",
               "eyJhIjoyfQ" + t[t.index(":"):], max_age=1, time=signed_at + 1000)
    if FALLBACKS:
        old = tok({"a": 1}, key=KEY2)
        loads_case(c, "loads.fallback.match", old, fallback_keys=[KEY2])
        loads_case(c, "loads.fallback.second", old, fallback_keys=[KEY3, KEY2])
        loads_case(c, "loads.fallback.none_match", old, fallback_keys=[KEY3])
        loads_case(c, "loads.fallback.empty_list", old, fallback_keys=[])
        loads_case(c, "loads.fallback.not_passed", old)
        loads_case(c, "loads.fallback.expired", tok({"a": 1}, key=KEY2, time=signed_at),
                   fallback_keys=[KEY2], max_age=10, time=signed_at + 100)
    # SHA-1 signed token (what 3.0 and older, or 3.2 with
    # DEFAULT_HASHING_ALGORITHM='sha1', wrote).
    sha1_tok = raw_token(b64(b'{"a":1}'), algorithm="sha1")
    loads_case(c, "loads.sha1_signature", sha1_tok, sha1_signed=True)
    loads_case(c, "loads.sha1_signature_compressed",
               raw_token("." + b64(zlib.compress(json_text({"data": "abc" * 200}).encode())),
                         algorithm="sha1"), sha1_signed=True)
    # Valid signature, malformed payload.
    payloads = [
        ("bad_b64_char", "e30!"),
        ("bad_b64_only_junk", "!!!!"),
        ("bad_b64_len_1_mod_4", "e30ab"),
        ("bad_b64_single_char", "a"),
        ("b64_padded", "e30="),
        ("b64_padded_twice", "e30=="),
        ("b64_padding_inside", "e3=0"),
        ("b64_empty", ""),
        ("b64_whitespace", "e3 0"),
        ("b64_non_ascii", "e30\u00e9"),
        ("dot_only", "."),
        ("bad_zlib", "." + b64(b"not zlib data")),
        ("zlib_of_plain_b64", "." + "e30"),
        ("zlib_truncated", "." + b64(zlib.compress(b'{"a":"' + b"x" * 50 + b'"}')[:-4])),
        ("zlib_trailing_garbage", "." + b64(zlib.compress(b'{"a":1}') + b"garbage")),
        ("raw_deflate", "." + b64(zlib.compress(b'{"a":1}')[2:-4])),
        ("zlib_level9", "." + b64(zlib.compress(b'{"a":"' + b"y" * 100 + b'"}', 9))),
        ("zlib_level0", "." + b64(zlib.compress(b'{"a":1}', 0))),
        ("double_dot", ".." + b64(zlib.compress(b'{"a":1}'))),
        ("invalid_json", b64(b"not json")),
        ("invalid_json_trailing", b64(b'{"a":1} x')),
        ("empty_json", b64(b"")),
        ("raw_utf8_json", b64('{"a":"\u00e9\U0001f600"}'.encode("utf-8"))),
        ("raw_latin1_json", b64(b'{"a":"\xe9"}')),
        ("nan_json", b64(b"[NaN,Infinity,-Infinity]")),
        ("scalar_json", b64(b"42")),
    ]
    for label, payload in payloads:
        loads_case(c, "loads.payload.%s" % label, raw_token(payload), payload=payload)
    # Standard-alphabet base64 in the payload (the signature covers the text).
    i = 0
    while True:
        # Raw latin-1 bytes in the JSON text (valid for Django's latin-1 loads).
        data = b'{"k":"v%d","x":"\xff\xfe\xfb\xef>?"}' % i
        std = base64.b64encode(data).decode().rstrip("=")
        if "+" in std and "/" in std:
            break
        i += 1
    loads_case(c, "loads.payload.standard_alphabet", raw_token(std), payload=std)
    loads_case(c, "loads.payload.standard_alphabet_padded",
               raw_token(base64.b64encode(data).decode()),
               payload=base64.b64encode(data).decode())
    loads_case(c, "loads.payload.urlsafe_padded",
               raw_token(base64.urlsafe_b64encode(data).decode()),
               payload=base64.urlsafe_b64encode(data).decode())


# ---------------------------------------------------------------------------
# session.json


def _engine_classes():
    from django.contrib.sessions.backends import cache, cached_db, db, file, signed_cookies

    return [("db", db.SessionStore), ("cache", cache.SessionStore),
            ("cached_db", cached_db.SessionStore), ("file", file.SessionStore),
            ("signed_cookies", signed_cookies.SessionStore)]


class Outer:
    class Inner(djoracle.store_class()):
        pass


class MyStore(djoracle.store_class()):
    pass


def small_session():
    return {"_auth_user_id": "42",
            "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
            "_auth_user_hash": "a" * 64, "cart": ["x", 1, 2.5], "\u00e9": "\U0001f600"}


def large_session():
    return {"_session_expiry": 1209600, "items": [{"id": i, "name": "item %d" % i,
                                                    "price": i * 1.25} for i in range(60)]}


def session_settings(key, fallback_keys=None):
    kw = {"SECRET_KEY": key}
    if FALLBACKS:
        kw["SECRET_KEY_FALLBACKS"] = list(fallback_keys or [])
    return override_settings(**kw)


def encode_case(c, name, cls, value, key=KEY, time=T0, **extra):
    with session_settings(key), at_time(time):
        out = cls().encode(value)
    case = dict(store_class=cls.__qualname__, key=key, time=time, value=typed(value),
                json=json_text(value), output=out)
    case.update(extra)
    return c.add(name, "encode", **case)


def decode_case(c, name, cls, input, key=KEY, fallback_keys=None, **extra):
    case = dict(store_class=cls.__qualname__, key=key, fallback_keys=fallback_keys,
                input=input)
    case.update(extra)
    with session_settings(key, fallback_keys), djoracle.LogCapture() as cap:
        try:
            v = cls().decode(input)
            if isinstance(v, dict) and not v:
                case["result"] = "empty"
            else:
                case["result"] = "ok"
                case["value"] = typed(v)
        except Exception as e:
            case["result"] = "error"
            case.update(error_fields(e))
    case["warning"] = bool(cap.records)
    if cap.records:
        case["warning_messages"] = [r.getMessage() for r in cap.records]
    return c.add(name, "decode", **case)


def legacy_string(cls, value, key=KEY, tamper=False):
    """Pre-3.1 session format, from 3.2's own encoder when it exists."""
    store = cls()
    if LEGACY:
        with session_settings(key):
            s = store._legacy_encode(value)
    else:
        serialized = json_text(value).encode("latin-1")
        mac = crypto.salted_hmac("django.contrib.sessions" + cls.__name__, serialized,
                                 key, algorithm="sha1").hexdigest()
        s = base64.b64encode(mac.encode() + b":" + serialized).decode("ascii")
    if tamper:
        raw = base64.b64decode(s)
        h, ser = raw.split(b":", 1)
        h = (b"0" if h[:1] != b"0" else b"1") + h[1:]
        s = base64.b64encode(h + b":" + ser).decode("ascii")
    return s


def gen_session(c):
    for engine, cls in _engine_classes():
        encode_case(c, "encode.%s.small" % engine, cls, small_session(), engine=engine)
        encode_case(c, "encode.%s.large" % engine, cls, large_session(), engine=engine)
    for cls in (MyStore, Outer.Inner):
        encode_case(c, "encode.%s.small" % cls.__qualname__, cls, small_session())
        encode_case(c, "encode.%s.large" % cls.__qualname__, cls, large_session())
    from django.contrib.sessions.backends.db import SessionStore as DB

    encode_case(c, "encode.db.empty", DB, {})
    encode_case(c, "encode.db.unicode_key", DB, small_session(), key=KEY_U)
    encode_case(c, "encode.db.time_zero", DB, {"a": 1}, time=0.0)

    def enc(cls, value, key=KEY):
        with session_settings(key), at_time(T0):
            return cls().encode(value)

    for cls in (DB, MyStore, Outer.Inner):
        p = "decode.%s." % cls.__qualname__
        good = enc(cls, small_session())
        decode_case(c, p + "ok", cls, good)
        decode_case(c, p + "ok_compressed", cls, enc(cls, large_session()))
        decode_case(c, p + "empty_string", cls, "")
        decode_case(c, p + "garbage", cls, "garbage")
        decode_case(c, p + "garbage_b64_len4", cls, "abcd")
        decode_case(c, p + "non_ascii_garbage", cls, "\u00e9t\u00e9")
        decode_case(c, p + "tampered", cls, "e30" + good[good.index(":"):])
        decode_case(c, p + "wrong_key", cls, good, key=KEY2)
        if FALLBACKS:
            decode_case(c, p + "fallback_key", cls, enc(cls, small_session(), KEY2),
                        fallback_keys=[KEY2])
            decode_case(c, p + "fallback_key_none_match", cls,
                        enc(cls, small_session(), KEY2), fallback_keys=[KEY3])
        salt = "django.contrib.sessions." + cls.__qualname__
        for label, payload in [("valid_sig_bad_b64", "e30ab"),
                               ("valid_sig_bad_zlib", "." + b64(b"not zlib")),
                               ("valid_sig_bad_json", b64(b"not json")),
                               ("valid_sig_raw_utf8", b64('{"a":"\u00e9"}'.encode())),
                               ("valid_sig_json_list", b64(b"[1,2]")),
                               ("valid_sig_json_null", b64(b"null")),
                               ("valid_sig_json_string", b64(b'"x"'))]:
            decode_case(c, p + label, cls, raw_token(payload, salt=salt), payload=payload)
        decode_case(c, p + "other_store_salt", cls,
                    enc(MyStore if cls is DB else DB, small_session()))
        decode_case(c, p + "legacy", cls, legacy_string(cls, small_session()))
        decode_case(c, p + "legacy_empty_dict", cls, legacy_string(cls, {}))
        decode_case(c, p + "legacy_bad_hash", cls,
                    legacy_string(cls, small_session(), tamper=True))
        decode_case(c, p + "legacy_wrong_key", cls,
                    legacy_string(cls, small_session(), key=KEY2))
        decode_case(c, p + "legacy_no_colon", cls,
                    base64.b64encode(b"0" * 40).decode())
        decode_case(c, p + "legacy_bad_json", cls, _legacy_raw(cls, b"not json"))
        decode_case(c, p + "sha1_signed", cls,
                    raw_token(b64(json_text(small_session()).encode()), salt=salt,
                              algorithm="sha1"), sha1_signed=True)
        if FALLBACKS:
            decode_case(c, p + "legacy_fallback_key", cls,
                        legacy_string(cls, small_session(), key=KEY2),
                        fallback_keys=[KEY2])
    if LEGACY:
        for cls in (DB, MyStore, Outer.Inner):
            for label, value in [("small", small_session()), ("large", large_session()),
                                 ("empty", {})]:
                with session_settings(KEY), override_settings(
                        DEFAULT_HASHING_ALGORITHM="sha1"):
                    out = cls().encode(value)
                c.add("legacy_encode.%s.%s" % (cls.__qualname__, label), "legacy_encode",
                      store_class=cls.__qualname__, key=KEY, value=typed(value),
                      json=json_text(value), output=out)


def _legacy_raw(cls, serialized, key=KEY):
    mac = crypto.salted_hmac("django.contrib.sessions" + cls.__name__, serialized, key,
                             algorithm="sha1").hexdigest()
    return base64.b64encode(mac.encode() + b":" + serialized).decode("ascii")


# ---------------------------------------------------------------------------
# auth.json


def gen_auth(c):
    from django.contrib.auth.models import User

    passwords = [
        ("pbkdf2", "pbkdf2_sha256$260000$c2FsdHNhbHQ$" + "A" * 43 + "="),
        ("pbkdf2_real",
         "pbkdf2_sha256$600000$Wk0xnh2Bz0Z3VhWxpG7o3b$"
         "bUWb5dwKvL0D3tC8o9ZQwJQmpT4yeC8mG8Zv5y2tQ0g="),
        ("argon2", "argon2$argon2id$v=19$m=102400,t=2,p=8$c29tZXNhbHQ$"
                   "fNY5b7hE4rj9ZrI6Yqq2Mg"),
        ("unusable", "!unusable"),
        ("unusable_django", "!" + "x" * 40),
        ("empty", ""),
        ("unicode", "p\u00e4ssw\u00f6rd-\U0001f600"),
    ]
    secrets = [("key1", KEY), ("unicode_secret", KEY_U)]
    for plabel, password in passwords:
        for slabel, secret in secrets:
            user = User(username="u", password=password)
            with override_settings(SECRET_KEY=secret):
                h = user.get_session_auth_hash()
            c.add("session_auth_hash.%s.%s" % (plabel, slabel), "session_auth_hash",
                  password=password, secret=secret, hash=h)
            if LEGACY:
                with override_settings(SECRET_KEY=secret):
                    lh = user._legacy_get_session_auth_hash()
                c.add("legacy_session_auth_hash.%s.%s" % (plabel, slabel),
                      "legacy_session_auth_hash", password=password, secret=secret,
                      hash=lh)


# ---------------------------------------------------------------------------
# json.json


def gen_json(c):
    from django.core.signing import JSONSerializer

    rng = random.Random(4321)
    values = tricky_values() + [
        ("big_nested_list", [[[[[i, str(i), i / 7.0] for i in range(5)]] * 3] * 3]),
        ("big_nested_dict", {"level%d" % i: {"child%d" % j: [j, {"deep": "\u00e9" * j}]
                                             for j in range(6)} for i in range(8)}),
        ("big_random_floats", [rng.uniform(-1e6, 1e6) for _ in range(50)]),
        ("int_4300_digits", 10**4299),
        ("int_4301_digits", 10**4300),
    ]
    for label, value in values:
        case = {"value": typed(value)}
        try:
            text = json_text(value)
            case["json"] = text
            case["loaded"] = typed(JSONSerializer().loads(text.encode("latin-1")))
        except Exception as e:
            case["error"] = type(e).__name__
            case.update(error_fields(e))
        c.add("dumps.%s" % label, "dumps", **case)

    inputs = [
        ("raw_utf8", '{"a":"\u00e9\U0001f600"}'.encode("utf-8")),
        ("raw_latin1_e9", b'"\xe9"'),
        ("raw_bytes_80_ff", b'"' + bytes(range(0x80, 0x100)) + b'"'),
        ("duplicate_keys", b'{"a":1,"b":2,"a":3}'),
        ("duplicate_keys_nested", b'{"x":{"a":1},"x":{"b":2}}'),
        ("whitespace", b' \t\n\r{ \t\n\r"a" \t\n\r: \t\n\r[ 1 , 2 ] \t\n\r} \t\n\r'),
        ("nan_inf", b"[NaN,Infinity,-Infinity]"),
        ("nan_lowercase", b"[nan]"),
        ("exp_upper", b"1E5"),
        ("exp_plus", b"1e+5"),
        ("exp_int_looking", b"[1e5,1E-2,10e0]"),
        ("neg_zero_int", b"-0"),
        ("neg_zero_float", b"-0.0"),
        ("huge_exp", b"1e400"),
        ("tiny_exp", b"1e-400"),
        ("neg_huge_exp", b"-1e400"),
        ("big_int", b"123456789012345678901234567890"),
        ("big_neg_int", b"-18446744073709551616"),
        ("int_4300_digits", b"9" * 4300),
        ("int_4301_digits", b"9" * 4301),
        ("float_many_digits", b"0.1000000000000000055511151231257827"),
        ("surrogate_pair_escape", b'"\\ud83d\\ude00"'),
        ("lone_surrogate_escape", b'"\\ud800"'),
        ("lone_low_surrogate_escape", b'"\\udc00x"'),
        ("reversed_surrogates", b'"\\ude00\\ud83d"'),
        ("uppercase_hex_escape", b'"\\u00E9"'),
        ("all_escapes", b'"\\"\\\\\\/\\b\\f\\n\\r\\t"'),
        ("escaped_nul", b'"\\u0000"'),
        ("raw_del", b'"\x7f"'),
        ("empty_object", b"{}"),
        ("top_level_string", b'"x"'),
        ("top_level_null", b"null"),
        ("trailing_comma_list", b"[1,2,]"),
        ("trailing_comma_object", b'{"a":1,}'),
        ("single_quotes", b"{'a':1}"),
        ("raw_control_char", b'"a\x01b"'),
        ("raw_newline_in_string", b'"a\nb"'),
        ("raw_tab_in_string", b'"a\tb"'),
        ("leading_zeros", b"01"),
        ("leading_dot", b".5"),
        ("trailing_dot", b"1."),
        ("plus_sign", b"+1"),
        ("hex_number", b"0x10"),
        ("trailing_garbage", b'{"a":1}x'),
        ("two_values", b"1 2"),
        ("empty_input", b""),
        ("only_whitespace", b"  "),
        ("unterminated_string", b'"abc'),
        ("unterminated_object", b'{"a":1'),
        ("bad_escape_x", b'"\\x41"'),
        ("bad_escape_short_u", b'"\\u12"'),
        ("non_str_key", b"{1:2}"),
        ("bom_prefix", b"\xef\xbb\xbf{}"),
        ("latin1_bom_ff_fe", b"\xff\xfe{}"),
        ("true_false_null", b"[true,false,null]"),
        ("capital_true", b"True"),
        ("deep_nesting_100", b"[" * 100 + b"]" * 100),
        ("nbsp_whitespace", b"\xa0{}"),
        ("formfeed_whitespace", b"\x0c{}"),
    ]
    for label, raw in inputs:
        case = {"input_b64": base64.b64encode(raw).decode("ascii")}
        try:
            v = JSONSerializer().loads(raw)
            case["result"] = "ok"
            case["loaded"] = typed(v)
        except Exception as e:
            case["result"] = "error"
            case.update(error_fields(e))
        c.add("loads.%s" % label, "loads", **case)


# ---------------------------------------------------------------------------
# random.json


def _rand_str(rng):
    n = rng.choice([0, 1, 2, 5, 10, 30])
    kind = rng.choice(["ascii", "ascii", "latin1", "bmp", "astral", "mixed"])
    out = []
    for _ in range(n):
        k = kind if kind != "mixed" else rng.choice(["ascii", "latin1", "bmp", "astral"])
        if k == "ascii":
            cp = rng.randint(0, 0x7F)
        elif k == "latin1":
            cp = rng.randint(0x80, 0xFF)
        elif k == "bmp":
            cp = rng.randint(0x100, 0xFFFF)
            while 0xD800 <= cp <= 0xDFFF:
                cp = rng.randint(0x100, 0xFFFF)
        else:
            cp = rng.randint(0x10000, 0x10FFFF)
        out.append(chr(cp))
    return "".join(out)


def _rand_float(rng):
    k = rng.random()
    if k < 0.3:
        return rng.uniform(-1000, 1000)
    if k < 0.4:
        return float(rng.randint(-10**6, 10**6))
    while True:
        bits = rng.getrandbits(64)
        import struct

        f = struct.unpack("<d", struct.pack("<Q", bits))[0]
        if f == f and f not in (float("inf"), float("-inf")):
            return f


def _rand_int(rng):
    k = rng.random()
    if k < 0.5:
        return rng.randint(-1000, 1000)
    e = rng.randint(0, 200)
    n = 2**e + rng.randint(-3, 3)
    return -n if rng.random() < 0.5 else n


def _rand_value(rng, depth):
    choices = ["str", "int", "float", "bool", "none"]
    if depth < 5:
        choices += ["dict", "list", "dict", "list"]
    kind = rng.choice(choices)
    if kind == "str":
        return _rand_str(rng)
    if kind == "int":
        return _rand_int(rng)
    if kind == "float":
        return _rand_float(rng)
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "none":
        return None
    n = rng.randint(0, 5)
    if kind == "list":
        return [_rand_value(rng, depth + 1) for _ in range(n)]
    d = {}
    for _ in range(n):
        d[_rand_str(rng)] = _rand_value(rng, depth + 1)
    return d


def gen_random(c):
    rng = random.Random(1234)
    for i in range(300):
        value = _rand_value(rng, 1)
        key = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)")
                      for _ in range(50))
        salt = rng.choice([None, "", "django.contrib.sessions.SessionStore",
                           "random.salt.%d" % i, _rand_str(rng)])
        time = round(rng.uniform(1.5e9, 2.2e9), 3)
        kw = {"key": key}
        if salt is not None:
            kw["salt"] = salt
        with at_time(time):
            token = signing.dumps(value, **kw)
            token_z = signing.dumps(value, compress=True, **kw)
        c.add("roundtrip.%03d" % i, "roundtrip", value=typed(value), json=json_text(value),
              key=key, salt=salt, time=time, token=token, token_z=token_z)


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    outdir = argv[1]
    os.makedirs(outdir, exist_ok=True)

    c = Cases()
    gen_b62(c)
    gen_salted_hmac(c)
    gen_sign(c)
    gen_unsign(c)
    gen_dumps(c)
    gen_loads(c)
    write(outdir, "signing.json", c)

    c = Cases()
    gen_session(c)
    write(outdir, "session.json", c)

    c = Cases()
    gen_auth(c)
    write(outdir, "auth.json", c)

    c = Cases()
    gen_json(c)
    write(outdir, "json.json", c)

    c = Cases()
    gen_random(c)
    write(outdir, "random.json", c)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

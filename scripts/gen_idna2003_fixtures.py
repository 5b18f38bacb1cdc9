"""Writes fixtures/idna2003/cases.json: names and what Python's "idna" codec makes of
them (the ASCII text, or null where it raises UnicodeError), for internal/idna2003.

Usage: python3 scripts/gen_idna2003_fixtures.py > fixtures/idna2003/cases.json
(with Python 3.11 or later, whose stringprep table B.2 internal/idna2003 has)
"""

import json
import random

rnd = random.Random(2003)
# Letters, marks, digits, dots, case pairs, RandAL and L characters, characters the
# nameprep tables map, drop or prohibit, compatibility forms, astral ones.
ALPHABET = ("abcXYZ019-_." "\u00e9\u00c9\u00df\u00fc\u0130\u0131\u017f\u212a\u00ad\u200b\u034f"
            "\u3002\uff0e\uff61\u05d0\u05d1\u0627\u0628\u0660\u0041\u0301\u00a0\u2028\ufb01"
            "\u2163\u3000\ue000\ufffd\u0340\u200e\u202e\u4e2d\u6587\u0436\u0416\u03a3\u03c3"
            "\U0001d400\U00010400\U0001f600\u1e9e\u2126\uff21")
FIXED = ["", ".", "a.", "a..b", "xn--a.\u00e9", "\u00e9", "\u00e9.", "\u00e9..", "\u00e9xample.com",
         "\u00c9XAMPLE.COM", "b\u00fccher.de", "\u0627\u0628", "\u0627a\u0628", "a\u0627",
         "\u05d0\u0660\u05d1", "x" * 63 + ".\u00e9", "\u00e9" * 30, "\u00e9" * 64, "xn--\u00e9",
         "\u00ad\u200b", "a\u00adb.\u00e9", "\ufb01.com", "\u2163.\u00e9", "\U0001f600.com",
         "\ue000.\u00e9", "\u4e2d\u6587.\u4e2d\u56fd", "\u0130stanbul.tr", "\u212aelvin.\u00e9"]
# A sweep of code points after "a" and before an RandAL letter (Unicode 3.2's NFKC,
# unassigned code points, bidi), and long labels of some (Punycode's length limit).
SWEEP = [chr(cp) for cp in range(0xA0, 0x30000, 41) if not 0xD800 <= cp <= 0xDFFF]
KNOWN = ["\ufe10", "\U0001f110", "\U0001ee00", "\u2c7c", "\U0002f868", "\U0002f874", "\U0002f91f",
         "\U0002f95f", "\U0002f9bf", "\u13a0", "\uab70"]
FIXED += [f(c) for c in SWEEP + KNOWN for f in (lambda c: "a" + c + ".com", lambda c: c + "\u0627")]
FIXED += [c * n + ".com" for c in KNOWN + SWEEP[::20] for n in (15, 62)]
cases = FIXED + ["".join(rnd.choice(ALPHABET) for _ in range(rnd.randint(1, 20))) for _ in range(3000)]
out = []
for name in cases:
    try:
        got = name.encode("idna").decode("ascii")
    except UnicodeError:
        got = None
    out.append({"name": name, "ascii": got})
print(json.dumps(out, ensure_ascii=False, indent=0))

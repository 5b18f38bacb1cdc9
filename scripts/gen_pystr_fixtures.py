r"""Write internal/pystr/testdata/pystr.json: what Python's str.lower(), re.split(r"\W+", s),
str.isdigit(), str.strip(), repr(), float(), int(s, base) and difflib's quick_ratio give on cases where Go's standard
library differs (final sigma, dotted capital I, Unicode digits and white space), for the
unit tests of internal/pystr.

Usage: <python> scripts/gen_pystr_fixtures.py   (any Python of the matrix: 3.10-3.13)
"""

import json
import os
import re
import sys
import uuid
from difflib import SequenceMatcher

CASES = ["ΩΣ", "ΣΟΦΙΑΣ ΚΑΙ", "İstanbul", "ΑΣ'Σ", "a.Σ", "Σ", "", " x ", "\x1cpass\x1f",
         "\u00a0a\u2028", "jean-luc.o'neil@example.com", "__a__", "-a-", "e\u0301x", "²³", "٣٤٥",
         "１２", "1.5", "Ⅻ", "①②", "ΣΣ", "ßİΣ"]
REPRS = ["it's", 'say "hi"', "both ' and \"", "tab\tnl\nbs\\", "\x00\x7f\x85\xa0\xe9\xad",
         "\u200b\u2028\u3000 ok\ufeff", "\U0001d518\U000e0001\U0010ffff", "\ud800x\udfff", "\u0378\ue000"]
FLOATS = ["1", " 2.5 ", "1_0", "1__0", "_1", "1_", "1_0.5_5", "1._5", "1e1_0", "٣.٥", "1e400", "-inf", "Infinity", "nAn",
          "+.5", "5.", ".", "", "e5", "1e", "0x10", "1,5", "\u00a01\u2003", "\x1c1", "1.5e-3", "١e١", "inf_", "1 0", "--1"]

INTS36 = ["b", "B", " z_z ", "-1a", "+0", "\u0661", "\uff11z", "\u0661\u0662", "zzzzzzzzzzzzz", "1__0", "_1", "1_", "", "-",
          "0x1f", "0b1", "\u00e9", "\u00a01\u2003", "\x1c1", "1 0", "\u2167", "k\u0131"]


def _int(c, base):
    try:
        return str(int(c, base))
    except ValueError:
        return None


def _float(c):
    try:
        v = float(c)
    except ValueError:
        return None
    return repr(v)


SETS = [[3, 9], [1, 2, 3], [9, 3], [0, 8, 16], [7, 15, 23, 31, 39, 47], list(range(40, 0, -3)),
        [2**61 - 1, 2**61, -1, -2, 5], [2**64 + 3, 3 << 70, 12345678901234567890, 17], list(range(100, 0, -7)),
        [uuid.UUID("12345678-1234-5678-1234-567812345678").int, uuid.UUID("f" * 32).int, 1 << 127, 77]]
PAIRS = [("alice", "alice"), ("ecila", "alice"), ("ab", "abcd"), ("", ""), ("aab", "ab"),
         ("ως", "σω"), ("", "x")]

out = {
    "python": sys.version.split()[0],
    "strings": [{"s": c, "lower": c.lower(), "split": re.split(r"\W+", c), "isdigit": c.isdigit(),
                 "strip": c.strip()} for c in CASES],
    "quick_ratio": [{"a": a, "b": b, "ratio": SequenceMatcher(a=a, b=b).quick_ratio()} for a, b in PAIRS],
    # (the str as hex of its UTF-8 bytes, lone surrogates as surrogatepass writes them)
    "float": [{"s": c, "value": _float(c)} for c in FLOATS],
    # int(s, base): null for a ValueError
    "int": [{"s": c, "base": b, "value": _int(c, b)} for b in (10, 36) for c in INTS36],
    # list(set(ints)) of distinct ints, added in order (uuid.UUID's hash is its int's)
    "set": [{"ints": [str(i) for i in ints], "order": [str(i) for i in list(set(ints))]} for ints in SETS],
    "repr": [{"hex": c.encode("utf-8", "surrogatepass").hex(), "repr": repr(c)} for c in CASES + REPRS],
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "internal", "pystr", "testdata", "pystr.json")
with open(path, "w", encoding="ascii") as f:
    json.dump(out, f, indent=1, ensure_ascii=True)
    f.write("\n")

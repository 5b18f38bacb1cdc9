"""Time Django's password verification (check_password) with timeit, next to Go's.

Usage: scripts/bench_auth.py [series] [rounds]   (default 5.2, 5 rounds; run from anywhere)

Runs the Go benchmarks of django/auth/hashers (BenchmarkVerify*) and, in the Django venv of
the series, check_password on the same hashes (same password, salt and work factors: the
series' defaults, PBKDF2 at the series' iterations), and prints the median ms per verify
and the Django/Go ratio. Needs argon2-cffi and bcrypt in the venv (scripts/venv-extras-auth).
"""

import json
import os
import re
import statistics
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
PW = "correct horse battery staple"
SALT = "djsessionSalt0123ABCDE"

if len(sys.argv) > 1 and sys.argv[1] == "--django":
    # Inside the venv.
    sys.path.insert(0, here)
    import timeit

    import djoracle

    djoracle.configure()
    from django.contrib.auth import hashers

    rounds = int(sys.argv[2])
    encoded = {
        "PBKDF2SHA256": hashers.PBKDF2PasswordHasher().encode(PW, SALT),
        "Argon2": hashers.Argon2PasswordHasher().encode(PW, SALT),
        "BCryptSHA256": hashers.BCryptSHA256PasswordHasher().encode(PW, b"$2b$12$abcdefghijklmnopqrstuu"),
    }
    if hasattr(hashers, "ScryptPasswordHasher"):
        encoded["Scrypt"] = hashers.ScryptPasswordHasher().encode(PW, SALT)
    out = {}
    for name, enc in encoded.items():
        assert hashers.check_password(PW, enc)
        times = timeit.repeat(lambda: hashers.check_password(PW, enc), number=1, repeat=rounds)
        out[name] = statistics.median(times) * 1000
    print(json.dumps(out))
    sys.exit(0)

series = sys.argv[1] if len(sys.argv) > 1 else "5.2"
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
if series != "5.2":
    sys.exit("the Go benchmarks use Django 5.2's work factors: series 5.2 only")
py = subprocess.check_output([os.path.join(here, "venv-python"), series], text=True).strip()
go = subprocess.check_output(
    ["go", "test", "-run", "^$", "-bench", "Verify", "-benchtime", "%dx" % rounds, "-count", "1",
     "./django/auth/hashers"], cwd=root, text=True)
gores = {}
for line in go.splitlines():
    m = re.match(r"BenchmarkVerify(\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op", line)
    if m:
        gores[m.group(1)] = float(m.group(2)) / 1e6
dj = json.loads(subprocess.check_output([py, os.path.abspath(__file__), "--django", str(rounds)], text=True))
print("%-14s %12s %12s %8s" % ("verify", "Go ms", "Django ms", "Dj/Go"))
for name in ["PBKDF2SHA256", "Argon2", "BCryptSHA256", "Scrypt"]:
    if name in gores and name in dj:
        print("%-14s %12.1f %12.1f %8.2f" % (name, gores[name], dj[name], dj[name] / gores[name]))

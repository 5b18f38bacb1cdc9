"""The driver shared by scripts/bench_csrf.py and scripts/bench_messages.py: run a Go
benchmark with sub-benchmarks and the same requests in Django (the calling script with
--django), then print the medians and the Django/Go ratios."""

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import timeit

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)


def compare(script, benchmark, package, names, series, rounds, benchtime="20000x"):
    """script: the calling script's path (run as `script --django ROUNDS` under the Django
    venv, printing {name: microseconds}); benchmark: the Go benchmark's name in package;
    names: its sub-benchmarks, in the order printed; benchtime: go test's -benchtime."""
    py = subprocess.check_output([os.path.join(here, "venv-python"), series], text=True).strip()
    go = subprocess.check_output(
        ["go", "test", "-run", "^$", "-bench", "^%s$" % benchmark, "-benchtime", benchtime, "-count", str(rounds),
         package], cwd=root, text=True)
    gores = {}
    for line in go.splitlines():
        m = re.match(r"%s/(\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op" % benchmark, line)
        if m:
            gores.setdefault(m.group(1), []).append(float(m.group(2)) / 1000)
    dj = json.loads(subprocess.check_output([py, os.path.abspath(script), "--django", str(rounds)], text=True))
    print("Django %s; medians of %d rounds, microseconds per request" % (series, rounds))
    print("%-12s %10s %10s %10s" % ("request", "django", "go", "django/go"))
    for name in names:
        g = statistics.median(gores[name])
        print("%-12s %10.1f %10.2f %9.1fx" % (name, dj[name], g, dj[name] / g))


def example_database():
    """A copy of the SQLite database Django made for fixtures/example, for the --django side
    to use (and change): returns its directory, to remove when done, and Django's
    DATABASES["default"] for it."""
    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, "db.sqlite3")
    shutil.copy(os.path.join(root, "fixtures", "example", "db.sqlite3"), path)
    return tmp, {"ENGINE": "django.db.backends.sqlite3", "NAME": path}


def time_django(cases, rounds):
    """The --django side: time each (name, fn) of cases 2000 times per round (or
    (name, fn, times)) and print the medians, microseconds per call, as JSON."""
    out = {}
    for name, fn, *number in cases:
        n = number[0] if number else 2000
        times = timeit.repeat(fn, number=n, repeat=rounds)
        out[name] = statistics.median(times) / n * 1e6
    print(json.dumps(out))


def main(script, benchmark, package, names, benchtime="20000x"):
    """The command line of a bench script: [series] [rounds] (default 5.2, 7)."""
    series = sys.argv[1] if len(sys.argv) > 1 else "5.2"
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    compare(script, benchmark, package, names, series, rounds, benchtime)

#!/usr/bin/env python3
"""Python side of djsession's pickle tests.

As a module it holds the tagged-JSON conversion (docs/tagged-json.md) shared with
scripts/gen_pickle_fixtures.py. Run as a script it is the live peer of
serializer/pickle_live_test.go: one JSON request per line on standard input, one JSON
reply per line on standard output.

  {"op": "dumps", "value": TAGGED, "protocol": 5}  -> {"hex": "..."}
  {"op": "loads", "hex": "..."}                    -> {"value": TAGGED}
  {"op": "roundtrip", "hex": "...", "protocol": 5} -> {"value": TAGGED, "hex": "..."}
  {"op": "loads_restricted", "hex": "..."}         -> {"value": TAGGED} or {"load_error": "..."}
     (pickle.loads with only the globals djsession's unpickler knows, in 1 GiB of
     memory, from then on for the life of the process; for damaged pickles; with
     "stream": true, pickle.Unpickler(io.BytesIO(data)).load(), as pymemcache reads)
Errors give {"error": "..."}.
"""
import base64
import datetime
import decimal
import io
import json
import pickle
import sys
import uuid
import zoneinfo

_UTC = datetime.timezone.utc


def fresh_str(s):
    """A new str object equal to s (CPython shares "" and one-character latin-1 strings)."""
    if len(s) < 2:
        return s
    return s[:1] + s[1:]


def _offset_text(td):
    sign = "+"
    if td < datetime.timedelta(0):
        sign, td = "-", -td
    hh, rest = divmod(td.days * 86400 + td.seconds, 3600)
    mm, ss = divmod(rest, 60)
    out = "%s%02d:%02d" % (sign, hh, mm)
    if ss or td.microseconds:
        out += ":%02d" % ss
    if td.microseconds:
        out += ".%06d" % td.microseconds
    return out


def _parse_offset(s):
    sign = -1 if s[0] == "-" else 1
    parts = s[1:].split(":")
    hh, mm = int(parts[0]), int(parts[1])
    ss, us = 0, 0
    if len(parts) > 2:
        sec = parts[2]
        if "." in sec:
            sec, frac = sec.split(".")
            us = int(frac)
        ss = int(sec)
    return sign * datetime.timedelta(hours=hh, minutes=mm, seconds=ss, microseconds=us)


def _tz_tagged(tz):
    if tz is None:
        return None
    if tz is _UTC:
        return "utc"
    if type(tz) is datetime.timezone:
        args = tz.__getinitargs__()
        out = {"offset": _offset_text(args[0])}
        if len(args) > 1:
            out["name"] = args[1]
        return out
    if type(tz) is zoneinfo.ZoneInfo:
        from_cache = tz.__reduce__()[1][1]
        out = {"zoneinfo": tz.key}
        if not from_cache:
            out["nocache"] = True
        return out
    raise TypeError("unsupported tzinfo %r" % (tz,))


def _tz_from(t):
    if t is None:
        return None
    if t == "utc":
        return _UTC
    if "offset" in t:
        off = _parse_offset(t["offset"])
        if "name" in t:
            return datetime.timezone(off, t["name"])
        return datetime.timezone(off)
    if t.get("nocache"):
        return zoneinfo.ZoneInfo.no_cache(t["zoneinfo"])
    return zoneinfo.ZoneInfo(t["zoneinfo"])


def _simple_tz(tz):
    return tz is None or tz is _UTC or (type(tz) is datetime.timezone and len(tz.__getinitargs__()) == 1)


def to_tagged(o):
    """Returns the tagged-JSON form of o (a JSON-ready Python object)."""
    t = type(o)
    if o is None or t in (bool, int, float, str):
        return o
    if t is list:
        return [to_tagged(x) for x in o]
    if t is tuple:
        return {"$tuple": [to_tagged(x) for x in o]}
    if t is dict:
        if all(type(k) is str for k in o) and not (len(o) == 1 and next(iter(o)).startswith("$")):
            return {k: to_tagged(v) for k, v in o.items()}
        return {"$dict": [[to_tagged(k), to_tagged(v)] for k, v in o.items()]}
    if t is set:
        return {"$set": [to_tagged(x) for x in o]}
    if t is frozenset:
        return {"$frozenset": [to_tagged(x) for x in o]}
    if t is bytes:
        return {"$bytes": base64.b64encode(o).decode()}
    if t is bytearray:
        return {"$bytearray": base64.b64encode(bytes(o)).decode()}
    if t is decimal.Decimal:
        return {"$decimal": str(o)}
    if t is uuid.UUID:
        return {"$uuid": str(o)}
    if t is datetime.timedelta:
        return {"$timedelta": [o.days, o.seconds, o.microseconds]}
    if t is datetime.date:
        return {"$date": o.isoformat()}
    if t in (datetime.datetime, datetime.time):
        tag = "$datetime" if t is datetime.datetime else "$time"
        if o.fold == 0 and _simple_tz(o.tzinfo):
            return {tag: o.isoformat()}
        out = {"iso": o.replace(tzinfo=None, fold=0).isoformat()}
        if o.tzinfo is not None:
            out["tz"] = _tz_tagged(o.tzinfo)
        if o.fold:
            out["fold"] = 1
        return {tag: out}
    raise TypeError("no tagged form for %s" % t.__name__)


def from_tagged(j):
    """Builds the Python object a tagged-JSON value describes; every str is a new object."""
    if j is None or type(j) in (bool, int, float):
        return j
    if type(j) is str:
        return fresh_str(j)
    if type(j) is list:
        return [from_tagged(x) for x in j]
    if len(j) == 1:
        (tag, v), = j.items()
        if tag.startswith("$"):
            if tag == "$tuple":
                return tuple(from_tagged(x) for x in v)
            if tag == "$dict":
                return {from_tagged(k): from_tagged(x) for k, x in v}
            if tag == "$set":
                return {from_tagged(x) for x in v}
            if tag == "$frozenset":
                return frozenset(from_tagged(x) for x in v)
            if tag == "$bytes":
                return bytes(bytearray(base64.b64decode(v)))
            if tag == "$bytearray":
                return bytearray(base64.b64decode(v))
            if tag == "$decimal":
                return decimal.Decimal(v)
            if tag == "$uuid":
                return uuid.UUID(v)
            if tag == "$timedelta":
                return datetime.timedelta(days=v[0], seconds=v[1], microseconds=v[2])
            if tag == "$date":
                return datetime.date.fromisoformat(v)
            if tag in ("$datetime", "$time"):
                cls = datetime.datetime if tag == "$datetime" else datetime.time
                if type(v) is str:
                    start = 10 if cls is datetime.datetime else 0
                    cut = max(v.rfind("+", start), v.rfind("-", start))
                    if cut < 0:
                        return cls.fromisoformat(v)
                    off = _parse_offset(v[cut:])
                    tz = _UTC if off == datetime.timedelta(0) else datetime.timezone(off)
                    return cls.fromisoformat(v[:cut]).replace(tzinfo=tz)
                o = cls.fromisoformat(v["iso"])
                return o.replace(tzinfo=_tz_from(v.get("tz")), fold=v.get("fold", 0))
            raise ValueError("unknown tag %r" % tag)
    return {fresh_str(k): from_tagged(v) for k, v in j.items()}


# The globals djsession's unpickler knows (serializer/pickle_decode.go knownGlobals);
# once restricted, pickle.loads refuses any other, so that damaged pickles cannot call
# anything else.
_ALLOWED = {
    "datetime.datetime", "datetime.date", "datetime.time", "datetime.timedelta", "datetime.timezone",
    "decimal.Decimal", "uuid.UUID", "builtins.set", "builtins.frozenset", "builtins.bytes",
    "builtins.bytearray", "builtins.getattr", "builtins.object", "_codecs.encode",
    "copyreg._reconstructor", "zoneinfo.ZoneInfo", "zoneinfo.ZoneInfo._unpickle",
    "pytz._UTC", "pytz._p", "pytz.FixedOffset",
}


_restricted = []


def _restrict():
    """From the first call on, pickle.loads (as Django calls it: the C unpickler on bytes)
    refuses every global but _ALLOWED, through the audit event it raises for each, and
    the process cannot take more than 1 GiB (a damaged pickle may ask bytearray() for
    gigabytes)."""
    if _restricted:
        return
    _restricted.append(True)
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    def hook(event, args):
        if event == "pickle.find_class":
            module, name = args
            module = {"__builtin__": "builtins", "copy_reg": "copyreg"}.get(module, module)
            if module + "." + name not in _ALLOWED:
                raise pickle.UnpicklingError("refused global %s.%s" % (module, name))

    sys.addaudithook(hook)


def dumps_json(o):
    return json.dumps(o, ensure_ascii=True, separators=(",", ":"), allow_nan=True)


def serve():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
            op = req["op"]
            if op == "dumps":
                obj = from_tagged(req["value"])
                rep = {"hex": pickle.dumps(obj, req.get("protocol", 5)).hex()}
            elif op == "loads":
                rep = {"value": to_tagged(pickle.loads(bytes.fromhex(req["hex"])))}
            elif op == "loads_restricted":
                _restrict()
                try:
                    data = bytes.fromhex(req["hex"])
                    if req.get("stream"):
                        obj = pickle.Unpickler(io.BytesIO(data)).load()
                    else:
                        obj = pickle.loads(data)
                except Exception as e:
                    rep = {"load_error": "%s: %s" % (type(e).__name__, e)}
                else:
                    rep = {"value": to_tagged(obj)}
            elif op == "roundtrip":
                obj = pickle.loads(bytes.fromhex(req["hex"]))
                rep = {"value": to_tagged(obj), "hex": pickle.dumps(obj, req.get("protocol", 5)).hex()}
            else:
                rep = {"error": "unknown op %r" % op}
        except Exception as e:  # reported to the Go side
            rep = {"error": "%s: %s" % (type(e).__name__, e)}
        sys.stdout.write(dumps_json(rep) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    serve()

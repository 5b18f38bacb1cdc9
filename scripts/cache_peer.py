#!/usr/bin/env python3
"""Live peer of caches/live_test.go: one JSON request per line on standard input, one JSON
reply per line on standard output. Values are tagged JSON (docs/tagged-json.md).

  {"op": "encode", "format": F, "value": TAGGED}           -> {"hex": "...", "flags": n}
  {"op": "decode", "format": F, "hex": "...", "flags": n}  -> {"value": TAGGED}
  {"op": "lz4_block", "hex": "..."}                        -> {"hex": "..."}  (lz4.block.decompress)
Formats as in scripts/cache_formats.py; for "file" the decoded value is the stored value
(the expiry is returned as "expiry"). Errors give {"error": "..."}.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cache_formats as cf  # noqa: E402


def handle(req):
    fmt = req.get("format")
    if req["op"] == "encode":
        data, flags, _ = cf.encode(fmt, cf.from_tagged(req["value"]))
        return {"hex": data.hex(), "flags": flags}
    if req["op"] == "decode":
        v = cf.decode(fmt, bytes.fromhex(req["hex"]), req.get("flags"))
        if fmt == "file":
            return {"value": cf.to_tagged(v["value"]), "expiry": v["expiry"]}
        return {"value": cf.to_tagged(v)}
    if req["op"] == "lz4_block":  # LZ4_decompress_safe into 64 KiB, as LZ4F decodes a block
        import lz4.block
        return {"hex": lz4.block.decompress(bytes.fromhex(req["hex"]), uncompressed_size=65536).hex()}
    raise ValueError("unknown op")


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            out = handle(json.loads(line))
        except Exception as e:  # reported to the Go side
            out = {"error": "%s: %s" % (type(e).__name__, e)}
        sys.stdout.write(json.dumps(out, allow_nan=True) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()

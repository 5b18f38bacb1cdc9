package serializer

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// TestPickleLiveMutations holds the unpickler to CPython's on damaged pickles: pickles of
// random session values, in every protocol, with random edits (opcode bytes, small
// numbers, deletions, truncation). CPython's pickle.loads (the C unpickler, as Django
// calls it; or, for every other pickle, pickle.Unpickler(io.BytesIO(data)).load(), as
// pymemcache reads, against PickleOptions.Stream) reads each with only the globals the Go
// unpickler knows. Where CPython fails,
// Go must fail; where CPython reads a value, Go must read the same value, with four
// exceptions, each counted:
//   - Go refuses a value over one of its limits (ErrPickleLimit);
//   - Go refuses a datetime, date, time or UUID whose fields are out of range: CPython
//     takes the bytes of their state without checking every field, and makes objects
//     its own constructors refuse;
//   - Go keeps a zoneinfo key that CPython cannot find in its time zone database (Go
//     cannot know the database of the Python side);
//   - Go refuses to encode a str (in _codecs.encode, bytes() or bytearray()) with a codec
//     other than latin-1, UTF-8 and ASCII (the pickler only ever names latin1).
func TestPickleLiveMutations(t *testing.T) {
	peer := startPeer(t)
	r := rand.New(rand.NewPCG(5, 6))
	const n = 10000
	var both, refusedByBoth, unrepresentable, limits, outOfRange, unknownZone, codecs int
	for i := range n {
		proto := i % 6
		o := PickleOptions{Protocol: proto}
		if proto == 0 {
			o.Protocol = PickleProtocol0
		}
		p, err := PickleWith(randomValue(r, 1), o)
		if err != nil {
			t.Fatal(err)
		}
		data := mutatePickle(r, p)
		// Every other case is read as a stream (pickle.Unpickler(io.BytesIO(data)).load()).
		stream := i%2 == 1
		goV, goErr := UnpickleWith(data, PickleOptions{Stream: stream})
		rep := peer.reply(t, map[string]any{"op": "loads_restricted", "hex": hex.EncodeToString(data), "stream": stream})
		if _, ok := rep["error"]; ok { // CPython read it, but it has no tagged form
			unrepresentable++
			continue
		}
		pyErr, pyFailed := rep["load_error"]
		switch {
		case pyFailed && goErr != nil:
			refusedByBoth++
		case pyFailed && strings.HasPrefix(pyErr, "ZoneInfoNotFoundError"):
			unknownZone++
		case pyFailed:
			t.Errorf("case %d: CPython refuses %x (%s); Go reads %v", i, data, pyErr, goV)
		case errors.Is(goErr, ErrPickleLimit):
			limits++
		case goErr != nil && strings.Contains(goErr.Error(), "out of range"):
			// CPython's value, as it prints it, must be out of range too: its tagged form
			// refused, or a UUID printed from a negative or too large int.
			if _, err := DecodeTaggedJSON(rep["value"]); err == nil && !badUUIDText.MatchString(rep["value"]) {
				t.Errorf("case %d: Go refuses %x (%v); CPython reads %s", i, data, goErr, rep["value"])
			}
			outOfRange++
		case goErr != nil && strings.Contains(goErr.Error(), "unknown encoding"):
			codecs++
		case goErr != nil:
			t.Errorf("case %d: Go refuses %x (%v); CPython reads %s", i, data, goErr, rep["value"])
		default:
			pyV, err := DecodeTaggedJSON(rep["value"])
			if err != nil {
				t.Fatalf("case %d: %v", i, err)
			}
			if !Equal(goV, pyV) {
				t.Errorf("case %d: %x: Go reads %v, CPython %v", i, data, goV, pyV)
			}
			both++
		}
	}
	t.Logf("%d damaged pickles: %d read alike, %d refused by both; %d read by CPython as values with no tagged form; "+
		"refused by Go only: %d over a limit, %d with fields out of range, %d naming another codec; %d with an unknown zoneinfo key kept by Go",
		n, both, refusedByBoth, unrepresentable, limits, outOfRange, codecs, unknownZone)
}

// badUUIDText finds, in a tagged value, a UUID that str() printed from an int out of
// range: with a sign, or longer than 36 characters.
var badUUIDText = regexp.MustCompile(`"\$uuid":"(-[^"]*|[^"]{37,})"`)

// mutatePickle applies one to three random edits to p: opcodes or small numbers written
// over or between its bytes, deletions, truncation, or text put into a line; and for a
// third of the framed pickles, a frame length changed by up to four.
func mutatePickle(r *rand.Rand, p []byte) []byte {
	ops := []byte("(.0123NIFLSVXJKMGTUBC}]e)atulsdhgjpqrc\x80\x81\x82\x83\x84\x85\x86\x87\x88\x89\x8a\x8b\x8c\x8d\x8e\x8f\x90\x91\x92\x93\x94\x95\x96\x97\x98")
	q := append([]byte(nil), p...)
	// Pieces for the lines of protocol 0's text opcodes (INT, LONG, FLOAT, PUT, GET...).
	text := []string{" ", "\t", "\x0b", "\x00", "_", "0", "00", "0x", "0X1f", "0o7", "0b1", "+", "-", "L", "e", "E+9", ".", "inf", "nan", "1e309", "9999999999999999999"}
	if len(q) > 11 && q[2] == 0x95 && r.IntN(3) == 0 {
		// A frame made shorter or longer than its contents, so that it ends inside an
		// opcode (where stream and memory reads part).
		q[3] += byte(r.IntN(9) - 4)
	}
	for n := 1 + r.IntN(3); n > 0; n-- {
		i := r.IntN(len(q) + 1)
		if nl := bytes.IndexByte(q[i:], '\n'); nl >= 0 && r.IntN(3) == 0 {
			// Into a line: at its end, or at the start of the line just after its opcode.
			at := i + nl
			if r.IntN(2) == 0 {
				if start := bytes.LastIndexByte(q[:at], '\n'); start >= 0 && start+2 <= at {
					at = start + 2
				}
			}
			q = append(q[:at], append([]byte(text[r.IntN(len(text))]), q[at:]...)...)
			continue
		}
		switch r.IntN(5) {
		case 0: // insert an opcode
			q = append(q[:i], append([]byte{ops[r.IntN(len(ops))]}, q[i:]...)...)
		case 1: // replace a byte by an opcode
			if i < len(q) {
				q[i] = ops[r.IntN(len(ops))]
			}
		case 2: // replace a byte by a small number
			if i < len(q) {
				q[i] = byte(r.IntN(8))
			}
		case 3: // delete a few bytes
			q = append(q[:i], q[min(len(q), i+1+r.IntN(3)):]...)
		default: // truncate
			q = q[:i]
		}
	}
	return q
}

package zinflate

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// craftedCase is a hand-made zlib stream. want is the expected output, or nil if the
// stream is invalid; then wantErr, if set, is the expected error.
type craftedCase struct {
	name    string
	z       []byte
	want    []byte
	wantErr error
}

// fixedBlock returns a raw fixed-Huffman block written by f.
func fixedBlock(final bool, f func(w *bitWriter)) []byte {
	var w bitWriter
	w.bits(b2u(final), 1)
	w.bits(1, 2)
	f(&w)
	return w.bytes()
}

// lensFor returns n code lengths, zero except those in set.
func lensFor(n int, set map[int]uint8) []uint8 {
	l := make([]uint8, n)
	for s, v := range set {
		l[s] = v
	}
	return l
}

// dynBlock returns a raw final dynamic block with the given code lengths (encoded one
// symbol each with defaultPre), whose data is written by f.
func dynBlock(lit, dist []uint8, f func(w *bitWriter, lc, dc code)) []byte {
	var w bitWriter
	w.dynamic(true, len(lit), len(dist), defaultPre, plainSeq(lit, dist))
	f(&w, newCode(lit), newCode(dist))
	return w.bytes()
}

// zeros returns code length symbols for n zero lengths.
func zeros(n int) []clsym {
	var seq []clsym
	for n >= 11 {
		k := min(n, 138)
		seq = append(seq, clsym{18, k - 11})
		n -= k
	}
	for ; n > 0; n-- {
		seq = append(seq, clsym{0, 0})
	}
	return seq
}

func craftedCases() []craftedCase {
	var cases []craftedCase
	ok := func(name string, raw []byte, want string) {
		cases = append(cases, craftedCase{name, wrapZlib(raw, []byte(want)), []byte(want), nil})
	}
	bad := func(name string, raw []byte, err error) {
		cases = append(cases, craftedCase{name, wrapZlib(raw, nil), nil, err})
	}
	lits := func(w *bitWriter, c code, s string) {
		for _, b := range []byte(s) {
			w.sym(c, int(b))
		}
	}
	fl, fd := fixedLitlenCode, fixedDistCode

	// Fixed blocks.
	ok("fixed literal", fixedBlock(true, func(w *bitWriter) { lits(w, fl, "a"); w.sym(fl, 256) }), "a")
	ok("fixed empty", fixedBlock(true, func(w *bitWriter) { w.sym(fl, 256) }), "")
	ok("fixed overlap", fixedBlock(true, func(w *bitWriter) {
		lits(w, fl, "ab")
		w.match(fl, fd, 5, 2)
		w.sym(fl, 256)
	}), "abababa")
	ok("fixed distance equals length", fixedBlock(true, func(w *bitWriter) {
		lits(w, fl, "abc")
		w.match(fl, fd, 3, 3)
		w.sym(fl, 256)
	}), "abcabc")
	ok("fixed length 258", fixedBlock(true, func(w *bitWriter) {
		lits(w, fl, "z")
		w.match(fl, fd, 258, 1)
		w.sym(fl, 256)
	}), strings.Repeat("z", 259))
	ok("fixed length 258 as 284+31", fixedBlock(true, func(w *bitWriter) {
		lits(w, fl, "z")
		w.sym(fl, 284)
		w.bits(31, 5)
		w.sym(fd, 0)
		w.sym(fl, 256)
	}), strings.Repeat("z", 259))
	bad("fixed distance too far", fixedBlock(true, func(w *bitWriter) {
		lits(w, fl, "a")
		w.match(fl, fd, 3, 2)
		w.sym(fl, 256)
	}), errDistTooFar)
	bad("fixed distance into nothing", fixedBlock(true, func(w *bitWriter) {
		w.match(fl, fd, 3, 1)
		w.sym(fl, 256)
	}), errDistTooFar)
	for _, s := range []int{286, 287} {
		bad("fixed length code "+strconv.Itoa(s), fixedBlock(true, func(w *bitWriter) {
			lits(w, fl, "a")
			w.sym(fl, s)
			w.sym(fd, 0)
			w.sym(fl, 256)
		}), errLitlenCode)
	}
	for _, s := range []int{30, 31} {
		bad("fixed distance code "+strconv.Itoa(s), fixedBlock(true, func(w *bitWriter) {
			lits(w, fl, "abcd")
			w.sym(fl, 257)
			w.sym(fd, s)
			w.sym(fl, 256)
		}), errDistCode)
	}
	{
		// A back-reference 300 bytes back in a stream whose header declares a
		// 256-byte window: zlib (without INFLATE_STRICT) uses a 32K window anyway.
		data := make([]byte, 300)
		for i := range data {
			data[i] = byte(i * 7)
		}
		raw := fixedBlock(true, func(w *bitWriter) {
			lits(w, fl, string(data))
			w.match(fl, fd, 10, 300)
			w.sym(fl, 256)
		})
		want := append(data, data[:10]...)
		z := wrapZlib(raw, want)
		z[0], z[1] = 0x08, 0x1d // CINFO 0
		cases = append(cases, craftedCase{"window 256 distance 300", z, want, nil})
	}

	// Block types and stored blocks.
	{
		var w bitWriter
		w.bits(1, 1)
		w.bits(3, 2)
		bad("block type 3", w.bytes(), errBlockType)
	}
	storedTo := func(w *bitWriter, final bool, data string, nlen uint16) {
		w.bits(b2u(final), 1)
		w.bits(0, 2)
		w.align()
		w.bits(uint64(len(data)), 16)
		w.bits(uint64(nlen), 16)
		for _, b := range []byte(data) {
			w.bits(uint64(b), 8)
		}
	}
	stored := func(final bool, data string, nlen uint16) []byte {
		var w bitWriter
		storedTo(&w, final, data, nlen)
		return w.bytes()
	}
	ok("stored", stored(true, "xyz", ^uint16(3)), "xyz")
	ok("stored empty", stored(true, "", 0xffff), "")
	bad("stored bad NLEN", stored(true, "xyz", ^uint16(4)), errStoredLen)
	bad("stored truncated", stored(true, "xyz", ^uint16(3))[:6], errTruncated)
	ok("stored then fixed", append(stored(false, "xy", ^uint16(2)),
		fixedBlock(true, func(w *bitWriter) { w.match(fl, fd, 4, 2); w.sym(fl, 256) })...), "xyxyxy")
	{
		// Fixed block ending mid-byte, then a stored block after the padding.
		var w bitWriter
		w.bits(0, 1)
		w.bits(1, 2)
		lits(&w, fl, "hello")
		w.sym(fl, 256)
		storedTo(&w, true, " world", ^uint16(6))
		ok("fixed then stored", w.bytes(), "hello world")
	}

	// Dynamic blocks: distance codes.
	ok("single distance code of length 1", dynBlock(
		lensFor(258, map[int]uint8{'a': 1, 256: 2, 257: 2}), []uint8{1},
		func(w *bitWriter, lc, dc code) { lits(w, lc, "a"); w.match(lc, dc, 3, 1); w.sym(lc, 256) }),
		"aaaa")
	bad("single distance code of length 1, other bit used", dynBlock(
		lensFor(258, map[int]uint8{'a': 1, 256: 2, 257: 2}), []uint8{1},
		func(w *bitWriter, lc, dc code) { lits(w, lc, "a"); w.sym(lc, 257); w.bits(1, 1); w.sym(lc, 256) }),
		errDistCode)
	ok("single distance code 29 of length 1", dynBlock(
		lensFor(258, map[int]uint8{'a': 1, 256: 2, 257: 2}), lensFor(30, map[int]uint8{29: 1}),
		func(w *bitWriter, lc, dc code) { lits(w, lc, "a"); w.sym(lc, 256) }),
		"a")
	bad("single distance code of length 2", dynBlock(
		lensFor(258, map[int]uint8{'a': 1, 256: 2, 257: 2}), []uint8{2},
		func(w *bitWriter, lc, dc code) { lits(w, lc, "a"); w.sym(lc, 256) }),
		errDistSet)
	bad("incomplete distance code", dynBlock(
		lensFor(258, map[int]uint8{'a': 1, 256: 2, 257: 2}), []uint8{1, 2},
		func(w *bitWriter, lc, dc code) { lits(w, lc, "a"); w.sym(lc, 256) }),
		errDistSet)
	bad("over-subscribed distance code", dynBlock(
		lensFor(258, map[int]uint8{'a': 1, 256: 2, 257: 2}), []uint8{1, 1, 1},
		func(w *bitWriter, lc, dc code) { lits(w, lc, "a"); w.sym(lc, 256) }),
		errDistSet)
	ok("no distance codes", dynBlock(
		lensFor(257, map[int]uint8{'a': 1, 256: 1}), []uint8{0},
		func(w *bitWriter, lc, dc code) { lits(w, lc, "aa"); w.sym(lc, 256) }),
		"aa")
	bad("no distance codes, length used", dynBlock(
		lensFor(258, map[int]uint8{'a': 1, 256: 2, 257: 2}), []uint8{0},
		func(w *bitWriter, lc, dc code) { lits(w, lc, "a"); w.sym(lc, 257); w.bits(0, 8); w.sym(lc, 256) }),
		errDistCode)

	// Dynamic blocks: literal/length codes.
	ok("only end of block, length 1", dynBlock(
		lensFor(257, map[int]uint8{256: 1}), []uint8{0},
		func(w *bitWriter, lc, dc code) { w.sym(lc, 256) }),
		"")
	bad("only end of block, other bit used", dynBlock(
		lensFor(257, map[int]uint8{256: 1}), []uint8{0},
		func(w *bitWriter, lc, dc code) { w.bits(1, 1) }),
		errLitlenCode)
	bad("only end of block, length 2", dynBlock(
		lensFor(257, map[int]uint8{256: 2}), []uint8{0},
		func(w *bitWriter, lc, dc code) { w.sym(lc, 256) }),
		errLitlenSet)
	bad("single literal of length 1 and end of block", dynBlock(
		lensFor(257, map[int]uint8{'a': 1, 256: 2}), []uint8{0},
		func(w *bitWriter, lc, dc code) { w.sym(lc, 256) }),
		errLitlenSet)
	bad("over-subscribed literal/length code", dynBlock(
		lensFor(257, map[int]uint8{'a': 1, 'b': 1, 256: 1}), []uint8{0},
		func(w *bitWriter, lc, dc code) { w.bits(0, 1) }),
		errLitlenSet)
	bad("missing end of block", dynBlock(
		lensFor(257, map[int]uint8{'a': 1, 'b': 1}), []uint8{0},
		func(w *bitWriter, lc, dc code) { w.bits(0, 8) }),
		errMissingEOB)
	{
		// Lengths 1..14, 15, 15: a complete code with the longest codewords.
		lit := make([]uint8, 286)
		for i := range 14 {
			lit['a'+i] = uint8(i + 1)
		}
		lit['a'+14] = 15
		lit[256] = 15
		ok("15-bit literal codes", dynBlock(lit, []uint8{0},
			func(w *bitWriter, lc, dc code) { lits(w, lc, "onmlkjihgfedcba"); w.sym(lc, 256) }),
			"onmlkjihgfedcba")
	}

	// Dynamic block headers.
	hdr := func(name string, nlit, ndist int, pre [19]uint8, seq []clsym, want string, err error) {
		var w bitWriter
		w.dynamic(true, nlit, ndist, pre, seq)
		if err == nil {
			// The code is 'a' and end of block, of length 1 each.
			lc := newCode(lensFor(nlit, map[int]uint8{'a': 1, 256: 1}))
			for _, b := range []byte(want) {
				w.sym(lc, int(b))
			}
			w.sym(lc, 256)
			ok(name, w.bytes(), want)
		} else {
			w.bits(0, 16)
			bad(name, w.bytes(), err)
		}
	}
	aEOB := func(nlit int) []clsym {
		seq := append(zeros('a'), clsym{1, 0})
		seq = append(seq, zeros(256-'a'-1)...)
		seq = append(seq, clsym{1, 0})
		return append(seq, zeros(nlit-257)...)
	}
	hdr("repeat across the boundary", 259, 2, defaultPre,
		append(aEOB(257), clsym{17, 0}, clsym{1, 0}), "aaa", nil) // 17: 3 zeros
	hdr("zero repeat 138", 286, 30, defaultPre, append(aEOB(286), zeros(30)...), "a", nil)
	hdr("repeat previous", 257, 4, defaultPre,
		append(aEOB(257), clsym{2, 0}, clsym{16, 0}), "a", nil) // distance lengths 2 2 2 2
	hdr("repeat with no previous length", 257, 1, defaultPre,
		append([]clsym{{16, 0}}, aEOB(257)...), "", errRepeatNoPrev)
	hdr("repeat too long", 257, 1, defaultPre,
		append(aEOB(257), clsym{17, 0}), "", errRepeatTooLong)
	hdr("repeat previous too long", 257, 2, defaultPre,
		append(aEOB(257), clsym{1, 0}, clsym{16, 0}), "", errRepeatTooLong)
	hdr("zero repeat 138 too long", 257, 30, defaultPre,
		append(aEOB(257), clsym{18, 127}), "", errRepeatTooLong)
	hdr("287 literal/length codes", 287, 1, defaultPre, nil, "", errTooManySyms)
	hdr("288 literal/length codes", 288, 1, defaultPre, nil, "", errTooManySyms)
	hdr("31 distance codes", 257, 31, defaultPre, nil, "", errTooManySyms)
	hdr("32 distance codes", 257, 32, defaultPre, nil, "", errTooManySyms)
	{
		var pre [19]uint8
		pre[1] = 1
		seq := make([]clsym, 258)
		for i := range seq {
			seq[i] = clsym{1, 0}
		}
		hdr("code length code with a single code", 257, 1, pre, seq, "", errCodeLenSet)
		pre = [19]uint8{}
		hdr("empty code length code", 257, 1, pre, nil, "", errCodeLenSet)
		pre = [19]uint8{0: 1, 1: 1, 18: 1}
		hdr("over-subscribed code length code", 257, 1, pre, nil, "", errCodeLenSet)
		pre = [19]uint8{0: 1, 1: 2, 18: 3}
		hdr("incomplete code length code", 257, 1, pre, nil, "", errCodeLenSet)
		pre = [19]uint8{0: 1, 1: 2, 18: 2}
		hdr("minimal code length code", 257, 1, pre,
			append(append(zeros('a'), clsym{1, 0}), append(zeros(256-'a'-1), clsym{1, 0}, clsym{0, 0})...),
			"aa", nil)
	}

	// zlib wrapper.
	valid := cases[0].z
	mod := func(name string, f func(z []byte) []byte, want string, err error) {
		z := f(bytes.Clone(valid))
		c := craftedCase{name, z, nil, err}
		if err == nil {
			c.want = []byte(want)
		}
		cases = append(cases, c)
	}
	mod("empty input", func(z []byte) []byte { return nil }, "", errTruncated)
	mod("header only", func(z []byte) []byte { return z[:2] }, "", errTruncated)
	mod("one byte", func(z []byte) []byte { return z[:1] }, "", errTruncated)
	mod("header check", func(z []byte) []byte { z[1]++; return z }, "", errHeaderCheck)
	mod("method 7", func(z []byte) []byte { z[0], z[1] = 0x77, 0x01+31-(0x7701%31); return z }, "", errMethod)
	mod("method 15", func(z []byte) []byte { z[0], z[1] = 0x7f, 31-(0x7f00%31); return z }, "", errMethod)
	mod("window 64K", func(z []byte) []byte { z[0], z[1] = 0x88, 31-(0x8800%31); return z }, "", errWindow)
	mod("window 256", func(z []byte) []byte { z[0], z[1] = 0x08, 31-(0x0800%31); return z }, "a", nil)
	mod("preset dictionary", func(z []byte) []byte { z[1] = 0x20 + 31 - (0x7820 % 31); return z }, "", errDictionary)
	mod("compression level bits", func(z []byte) []byte { z[1] = 0xc0 + 31 - (0x78c0 % 31); return z }, "a", nil)
	mod("adler32 mismatch", func(z []byte) []byte { z[len(z)-1] ^= 1; return z }, "", errChecksum)
	mod("adler32 truncated", func(z []byte) []byte { return z[:len(z)-1] }, "", errTruncated)
	mod("adler32 missing", func(z []byte) []byte { return z[:len(z)-4] }, "", errTruncated)
	mod("trailing byte", func(z []byte) []byte { return append(z, 0) }, "a", nil)
	mod("trailing garbage", func(z []byte) []byte { return append(z, "garbage garbage garbage"...) }, "a", nil)
	mod("trailing second stream", func(z []byte) []byte { return append(z, z...) }, "a", nil)
	return cases
}

func TestCrafted(t *testing.T) {
	for _, c := range craftedCases() {
		t.Run(c.name, func(t *testing.T) {
			got, err := Decompress(nil, c.z, 1<<20)
			if c.want == nil {
				if !errors.Is(err, ErrCorrupt) || (c.wantErr != nil && err != c.wantErr) {
					t.Fatalf("err %v, want %v", err, c.wantErr)
				}
				return
			}
			if err != nil || !bytes.Equal(got, c.want) {
				t.Fatalf("got %q, %v; want %q", got, err, c.want)
			}
		})
	}
}

// TestCraftedCPython checks that CPython's zlib.decompress accepts and rejects the
// crafted streams as Decompress does (skipped without python3), and that the standard
// library's compress/zlib agrees too.
func TestCraftedCPython(t *testing.T) {
	cases := craftedCases()
	for _, c := range cases {
		_, err := stdInflate(c.z, false, 1<<20)
		if (err == nil) != (c.want != nil) {
			t.Errorf("%s: compress/zlib: err %v", c.name, err)
		}
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	var in strings.Builder
	for _, c := range cases {
		in.WriteString(hex.EncodeToString(c.z) + "\n")
	}
	cmd := exec.Command(py, "-c", `
import sys, zlib
for line in sys.stdin:
    try:
        print("ok", zlib.decompress(bytes.fromhex(line.strip())).hex())
    except zlib.error as e:
        print("error", e)
`)
	cmd.Stdin = strings.NewReader(in.String())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != len(cases) {
		t.Fatalf("python3: %d lines for %d cases", len(lines), len(cases))
	}
	for i, c := range cases {
		verdict, rest, _ := strings.Cut(lines[i], " ")
		if c.want == nil {
			if verdict != "error" {
				t.Errorf("%s: CPython accepts it", c.name)
			} else {
				t.Logf("%s: CPython: %s; zinflate: %v", c.name, rest, c.wantErr)
			}
			continue
		}
		if verdict != "ok" || rest != hex.EncodeToString(c.want) {
			t.Errorf("%s: CPython: %s", c.name, lines[i])
		}
	}
}

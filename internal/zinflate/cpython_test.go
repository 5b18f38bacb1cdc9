package zinflate

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// cpythonScript reads lines "hex maxSize raw" and prints, for each, how CPython's zlib
// module handles the stream: "ok <sha256 of the output>", "large" if it yields more
// than maxSize bytes before failing or ending, or "error". zlib.decompress is
// decompressobj().decompress plus a check that the stream ended.
const cpythonScript = `
import hashlib, sys, zlib

def count(src, wbits):
    """Returns n such that zlib yields n or n+1 bytes before failing on src."""
    d = zlib.decompressobj(wbits)
    n = 0
    for i in range(0, len(src), 64):
        try:
            n += len(d.copy().decompress(src[i:i + 64]))
            d.decompress(src[i:i + 64])
            continue
        except zlib.error:
            pass
        for j in range(i, min(i + 64, len(src))):
            try:
                n += len(d.copy().decompress(src[j:j + 1]))
                d.decompress(src[j:j + 1])
                continue
            except zlib.error:
                pass
            # The failing byte: zlib decodes symbols until it reaches the error,
            # unless the output is full first. (With the output exactly full, it
            # may still reach an error that needs no output space: hence n+1.)
            k = 0
            while True:
                try:
                    out = d.copy().decompress(src[j:j + 1], k + 1)
                except zlib.error:
                    return n + k
                if len(out) <= k:
                    return n + k
                k += 1
    return n

if sys.argv[1:] == ["count"]:
    for line in sys.stdin:
        h, raw = line.split()
        print(count(bytes.fromhex(h.strip("-")), -15 if raw == "1" else 15))
    sys.exit()

for line in sys.stdin:
    h, mx, raw = line.split()
    mx = int(mx)
    d = zlib.decompressobj(-15 if raw == "1" else 15)
    try:
        out = d.decompress(bytes.fromhex(h.strip("-")), mx + 1)
    except zlib.error:
        print("error")
        continue
    if len(out) > mx:
        print("large")
    elif d.eof:
        print("ok", hashlib.sha256(out).hexdigest())
    else:
        print("error")
`

// TestCPythonDifferential runs valid, damaged and random streams through Decompress,
// DecompressRaw and CPython's zlib (skipped without python3): they must agree on
// success, on the output, and on exceeding maxSize.
func TestCPythonDifferential(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	type tcase struct {
		src []byte
		max int
		raw bool
	}
	var cases []tcase
	rng := rand.New(rand.NewPCG(11, 12))
	for _, data := range testInputs(rng) {
		if len(data) > 3000 {
			data = data[:3000]
		}
		for level := -2; level <= 9; level++ {
			z := stdZlib(data, level)
			cases = append(cases, tcase{z, len(data), false})
			for _, c := range corruptVariants(rng, z, 25) {
				max := []int{len(data), len(data) / 2, 1 << 20}[rng.IntN(3)]
				cases = append(cases, tcase{c, max, false})
				if len(c) > 2 {
					cases = append(cases, tcase{c[2:], max, true})
				}
			}
		}
	}
	for range 4000 {
		src := make([]byte, 3+rng.IntN(48))
		for i := range src {
			src[i] = byte(rng.Uint32())
		}
		src[0] = src[0]&^7 | 5 // final dynamic block
		cases = append(cases, tcase{src, 1 << 16, true})
	}

	var in strings.Builder
	for _, c := range cases {
		raw := "0"
		if c.raw {
			raw = "1"
		}
		// "-" keeps an empty input a field.
		in.WriteString("-" + hex.EncodeToString(c.src) + " " + strconv.Itoa(c.max) + " " + raw + "\n")
	}
	cmd := exec.Command(py, "-c", cpythonScript)
	cmd.Stdin = strings.NewReader(in.String())
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v\n%s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != len(cases) {
		t.Fatalf("python3: %d lines for %d cases", len(lines), len(cases))
	}
	counts := map[string]int{}
	var recheck []int // zinflate "large", CPython "error"
	for i, c := range cases {
		verdict, err := zinflateVerdict(c.src, c.raw, c.max)
		counts[strings.Fields(verdict)[0]]++
		if verdict == "large" && lines[i] == "error" {
			recheck = append(recheck, i)
			continue
		}
		if verdict != lines[i] {
			t.Errorf("raw=%v maxSize=%d src=%x:\nzinflate: %s (%v)\nCPython:  %s", c.raw, c.max, c.src, verdict, err, lines[i])
		}
	}
	// CPython's decompress(data, max_length) stops at max_length bytes, so it may
	// miss that a stream that fails exceeds maxSize first; Decompress reports
	// whichever comes first in the stream. For these cases, check that zlib and
	// zinflate yield as many bytes before failing.
	in.Reset()
	for _, i := range recheck {
		raw := "0"
		if cases[i].raw {
			raw = "1"
		}
		in.WriteString("-" + hex.EncodeToString(cases[i].src) + " " + raw + "\n")
	}
	cmd = exec.Command(py, "-c", cpythonScript, "count")
	cmd.Stdin = strings.NewReader(in.String())
	cmd.Stderr = &stderr
	out, err = cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v\n%s", err, stderr.String())
	}
	lines = strings.Fields(string(out))
	for j, i := range recheck {
		c := cases[i]
		want, _ := strconv.Atoi(lines[j])
		n := outputBeforeError(c.src, c.raw)
		if n < 0 || n < want || n > want+1 {
			t.Errorf("raw=%v src=%x: zinflate fails after %d bytes, zlib after %d (or one more)", c.raw, c.src, n, want)
		}
	}
	t.Logf("%d cases: %v; %d with an output that exceeds maxSize before the error", len(cases), counts, len(recheck))
}

// zinflateVerdict is cpythonScript's verdict for Decompress or DecompressRaw.
func zinflateVerdict(src []byte, raw bool, max int) (string, error) {
	decompress := Decompress
	if raw {
		decompress = DecompressRaw
	}
	got, err := decompress(nil, src, max)
	switch {
	case err == nil:
		sum := sha256.Sum256(got)
		return "ok " + hex.EncodeToString(sum[:]), nil
	case errors.Is(err, ErrTooLarge):
		return "large", err
	}
	return "error", err
}

// outputBeforeError returns how many bytes zinflate yields from src before failing
// (the smallest maxSize with which it fails for another reason than ErrTooLarge), or
// -1 if it does not fail.
func outputBeforeError(src []byte, raw bool) int {
	if v, _ := zinflateVerdict(src, raw, 1<<30); v != "error" {
		return -1
	}
	lo, hi := 0, 1<<30 // fails with ErrTooLarge below hi
	for lo < hi {
		m := (lo + hi) / 2
		if v, _ := zinflateVerdict(src, raw, m); v == "large" {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

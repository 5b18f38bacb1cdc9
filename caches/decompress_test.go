package caches

import (
	"bytes"
	"strings"
	"testing"
)

// TestDecompressTails pins what Python's decompressors (as django-redis calls them) make
// of bytes after the compressed data, as CPython 3.13 with python-lz4 answered for the
// same tails: gzip skips NUL bytes after a member, then takes only another member; lz4
// ignores anything after the frame; lzma ignores what liblzma refuses at once after a
// stream, but fails on what could start a stream and ends too soon.
func TestDecompressTails(t *testing.T) {
	data := []byte(strings.Repeat("hello world ", 20))
	tests := []struct {
		c    Compressor
		tail string
		ok   bool
	}{
		{Gzip, "", true}, {Gzip, "\x00", true}, {Gzip, "\x00\x00\x00garbage", false}, {Gzip, "\x1f\x8b", false},
		{Gzip, "SELF", true}, {Gzip, "\x00SELF", true}, {Gzip, "CUT", false},
		{Lz4, "", true}, {Lz4, "\x00", true}, {Lz4, "garbage", true}, {Lz4, "SELF", true}, {Lz4, "CUT", true},
		{Lzma, "", true}, {Lzma, "\x00", false}, {Lzma, "\x00\x00\x00\x00", false}, {Lzma, strings.Repeat("\x00", 8), false},
		{Lzma, "garbage", true}, {Lzma, "CUT", false}, {Lzma, "SELF", true}, {Lzma, "\x00\x01garbage", true},
		{Lzma, "\xfd7zXZ\x00", false},
	}
	for _, tt := range tests {
		c, err := tt.c.Compress(data)
		if err != nil {
			t.Fatal(err)
		}
		tail := []byte(tt.tail)
		want := data
		switch tt.tail {
		case "SELF":
			tail = c
			if tt.c != Lz4 {
				want = append(append([]byte(nil), data...), data...)
			}
		case "\x00SELF":
			tail, want = append([]byte{0}, c...), append(append([]byte(nil), data...), data...)
		case "CUT":
			tail = c[:10]
		}
		got, err := tt.c.Decompress(append(append([]byte(nil), c...), tail...), Limits{})
		if (err == nil) != tt.ok || tt.ok && !bytes.Equal(got, want) {
			t.Errorf("%s with %q after it: %d bytes, %v; want ok=%v", tt.c, tt.tail, len(got), err, tt.ok)
		}
	}
	// A frame cut short is an error.
	c, _ := Lz4.Compress(data)
	for _, cut := range []int{1, 4, 8} {
		if _, err := Lz4.Decompress(c[:len(c)-cut], Limits{}); err == nil {
			t.Errorf("lz4 cut by %d: read", cut)
		}
	}
	// An .xz stream cut before its index, or damaged anywhere, is an error.
	x, _ := Lzma.Compress(data)
	for cut := 1; cut < len(x); cut++ {
		if _, err := Lzma.Decompress(x[:len(x)-cut], Limits{}); err == nil {
			t.Errorf("lzma cut by %d: read", cut)
		}
	}
}

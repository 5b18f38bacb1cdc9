package serializer

import (
	"errors"
	"testing"

	"github.com/djsession/djsession/internal/fixtureseed"
)

// FuzzDecodeJSON: any input either fails with ErrInvalidJSON or decodes to a value whose
// JSON form decodes back to an equal value and re-encodes to the same bytes.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range fixtureseed.Strings(".", "json") {
		f.Add([]byte(s))
	}
	for _, s := range []string{`{"a":[1,2.5,NaN,-Infinity,"\ud800\u00e9"]}`, `1e400`, "\"\xe9\"", `{"a":1,"a":2}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := DecodeJSON(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidJSON) {
				t.Fatalf("error does not match ErrInvalidJSON: %v", err)
			}
			return
		}
		out, err := EncodeJSON(v)
		if err != nil {
			t.Fatalf("decoded value does not encode: %v (%v)", err, v)
		}
		back, err := DecodeJSON(out)
		if err != nil || !Equal(back, v) {
			t.Fatalf("round trip: %q -> %s -> %v, %v", data, out, back, err)
		}
		again, _ := EncodeJSON(back)
		if string(again) != string(out) {
			t.Fatalf("encoding not stable: %s vs %s", out, again)
		}
	})
}

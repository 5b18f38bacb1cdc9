package serializer

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// FuzzPickleLoads: any input is an error matching ErrInvalidPickle or a value that
// pickles (protocol 5) and loads back to an equal value, never a panic. Seeded with every
// fixture pickle up to 4 KiB.
func FuzzPickleLoads(f *testing.F) {
	files, _ := filepath.Glob("../fixtures/pickle/python-*.json")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		var fx struct {
			Cases []struct {
				Pickles map[string]string `json:"pickles"`
			} `json:"cases"`
		}
		if json.Unmarshal(data, &fx) != nil {
			continue
		}
		for _, c := range fx.Cases {
			for _, h := range c.Pickles {
				if b, err := hex.DecodeString(h); err == nil && len(b) <= 4096 {
					f.Add(b)
				}
			}
		}
	}
	f.Add([]byte("\x80\x05\x95\xff\xff\xff\xff\xff\xff\xff\x7fN."))
	f.Add([]byte("L892102225001910940870\n.")) // a 9-byte LONG1 once decoded wrongly
	// Short pickles of the shapes the fast paths take (the first once panicked there).
	for _, s := range []string{"}(u.", "}\x94(\x8c\x01a\x94K\x01\x8c\x01b\x94G?\xf8\x00\x00\x00\x00\x00\x00u.", "](}(\x8c\x01ah\x01ue.", "\x8c\x02ab\x94\x94."} {
		f.Add([]byte(s))
	}
	// Dicts keyed by aware datetimes and Decimals (hashing the first once crashed).
	paris, _ := NewDatetime(DateTime{Year: 2024, Month: 1, Day: 1, Hour: 1, TZ: ZoneInfo("Europe/Paris")})
	utc, _ := NewDatetime(DateTime{Year: 2024, Month: 1, Day: 1, TZ: UTC})
	d15, _ := NewDecimal("1.5")
	dnan, _ := NewDecimal("NaN")
	for _, keys := range [][]Value{{paris}, {utc, Int(1)}, {d15, dnan, Tuple(d15, utc)}} {
		d := NewDict()
		for _, k := range keys {
			d.SetKey(k, None())
		}
		if p, err := PickleDumps(DictValue(d)); err == nil {
			f.Add(p)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// The fast paths of the opcode loop must not change any outcome, in stream mode
		// either (where they work within the buffered frame).
		so := PickleOptions{MaxContainers: 1 << 12, Stream: true}
		sv, serr := UnpickleWith(data, so)
		sslow, _, sslowErr := unpickleFirst(data, so, false)
		if fmt.Sprint(serr) != fmt.Sprint(sslowErr) || serr == nil && !Equal(sv, sslow) {
			t.Fatalf("stream: fast and general paths differ on %x: %v, %v / %v, %v", data, sv, serr, sslow, sslowErr)
		}
		o := PickleOptions{MaxContainers: 1 << 12}
		v, err := UnpickleWith(data, o)
		slow, _, slowErr := unpickleFirst(data, o, false)
		if fmt.Sprint(err) != fmt.Sprint(slowErr) || err == nil && !Equal(v, slow) {
			t.Fatalf("fast and general paths differ on %x: %v, %v / %v, %v", data, v, err, slow, slowErr)
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidPickle) {
				t.Fatalf("error does not match ErrInvalidPickle: %v", err)
			}
			return
		}
		out, err := PickleWith(v, PickleOptions{})
		if err != nil {
			t.Fatalf("decoded value does not pickle: %v (%.200v)", err, v)
		}
		back, err := UnpickleWith(out, PickleOptions{})
		if err != nil || !Equal(back, v) {
			t.Fatalf("round trip: %x -> %v -> %x -> %v, %v", data, v, out, back, err)
		}
	})
}

package signedcookies

import (
	"testing"

	"github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/serializer"
)

// FuzzDecode feeds arbitrary cookie values to Decode: it must never panic, and whatever
// it accepts must re-encode into a value it accepts with the same data.
func FuzzDecode(f *testing.F) {
	s, err := New(Config{SecretKey: "k", SecretKeyFallbacks: []string{"old"}}, engines.Options{Now: at(1700000000.5)})
	if err != nil {
		f.Fatal(err)
	}
	d := serializer.NewDict()
	d.Set("a", serializer.Int(1))
	v, _ := s.Encode(d)
	f.Add(v)
	f.Add("eyJhIjoxfQ:1r31eq:oO0NWqq93YS0fwPSk-pNHwHCos2sDyPFNHZsXkRTJDQ")
	f.Add(".eJyrVkpUslIqzs9NVSoGAA:1r31eq:xx")
	f.Add("")
	f.Add("::::::::")
	f.Fuzz(func(t *testing.T, value string) {
		got, ok := s.Decode(value)
		if !ok {
			return
		}
		again, err := s.Encode(got)
		if err != nil {
			t.Fatalf("accepted %q but cannot re-encode: %v", value, err)
		}
		back, ok := s.Decode(again)
		if !ok || !serializer.Equal(serializer.DictValue(back), serializer.DictValue(got)) {
			t.Fatalf("round trip of %q changed the data", value)
		}
	})
}

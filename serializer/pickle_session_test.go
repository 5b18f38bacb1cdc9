package serializer_test

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/session"
)

// TestPickleSessionsFromDjango decodes PickleSerializer sessions written by Django 3.2 and
// 4.2 (SessionStore().encode with a fixed clock) and encodes the same sessions in Go.
func TestPickleSessionsFromDjango(t *testing.T) {
	files, _ := filepath.Glob("../fixtures/pickle/python-*.json")
	n, same := 0, 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var fx struct {
			Sessions []struct {
				Django    string  `json:"django"`
				SecretKey string  `json:"secret_key"`
				Session   string  `json:"session"`
				Encoded   string  `json:"encoded"`
				Now       float64 `json:"now"`
			} `json:"sessions"`
		}
		if err := json.Unmarshal(data, &fx); err != nil {
			t.Fatal(err)
		}
		for _, s := range fx.Sessions {
			sec, frac := math.Modf(s.Now)
			now := time.Unix(int64(sec), int64(frac*1e9))
			c, err := session.NewCodec(session.Config{SecretKey: s.SecretKey, Serializer: serializer.Pickle{},
				Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			want, err := serializer.DecodeTaggedJSON(s.Session)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.DecodeErr(s.Encoded)
			if err != nil {
				t.Fatalf("Django %s: decode: %v", s.Django, err)
			}
			if !serializer.Equal(serializer.DictValue(got), want) {
				t.Errorf("Django %s: decoded %v, want %v", s.Django, got, want)
			}
			enc, err := c.Encode(want.Dict())
			if err != nil {
				t.Fatal(err)
			}
			back, err := c.DecodeErr(enc)
			if err != nil || !serializer.Equal(serializer.DictValue(back), want) {
				t.Errorf("Django %s: Go-encoded session does not decode back: %v", s.Django, err)
			}
			if enc == s.Encoded {
				same++
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("no session fixtures")
	}
	t.Logf("%d Django PickleSerializer sessions decoded; %d re-encoded byte-identically", n, same)
}

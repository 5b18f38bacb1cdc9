package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, stdin string, args ...string) (string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut, nil)
	if code != 0 {
		t.Logf("djsession %s: %s", strings.Join(args, " "), errOut.String())
	}
	return strings.TrimSpace(out.String()), code
}

// TestPickleCLIRoundTrip decodes Django's PickleSerializer sessions, pipes the tagged
// JSON into encode, and decodes the result again: the types survive.
func TestPickleCLIRoundTrip(t *testing.T) {
	files, _ := filepath.Glob("../../fixtures/pickle/python-*.json")
	n := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var fx struct {
			Sessions []struct {
				SecretKey string `json:"secret_key"`
				Session   string `json:"session"`
				Encoded   string `json:"encoded"`
			} `json:"sessions"`
		}
		if err := json.Unmarshal(data, &fx); err != nil {
			t.Fatal(err)
		}
		for _, s := range fx.Sessions {
			key := "--secret-key=" + s.SecretKey
			tagged, code := runCLI(t, "", "decode", "--serializer", "pickle", key, s.Encoded)
			if code != 0 || tagged != s.Session {
				t.Fatalf("decode = %s (%d), want %s", tagged, code, s.Session)
			}
			enc, code := runCLI(t, tagged, "encode", "--serializer", "pickle", key, "-")
			if code != 0 {
				t.Fatal("encode failed")
			}
			again, _ := runCLI(t, "", "decode", "--serializer", "pickle", key, enc)
			if again != tagged {
				t.Errorf("round trip: %s, want %s", again, tagged)
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("no session fixtures")
	}
	tok, code := runCLI(t, "", "dumps", "--serializer", "pickle", "--secret-key=k", `{"$tuple":[1,{"$decimal":"2.5"}]}`)
	if code != 0 {
		t.Fatal("dumps failed")
	}
	if v, _ := runCLI(t, "", "loads", "--serializer", "pickle", "--secret-key=k", tok); v != `{"$tuple":[1,{"$decimal":"2.5"}]}` {
		t.Errorf("loads = %s", v)
	}
	if _, code := runCLI(t, "", "loads", "--secret-key=k", tok); code == 0 {
		t.Error("a pickle token loaded with the JSON serializer")
	}
}

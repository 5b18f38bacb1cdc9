package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestJWTFixtures runs "djsession jwt" on the tokens of fixtures/simplejwt (simplejwt 5.5.1
// and 5.3.1, default settings) as each type, at a time they are valid: the claims
// simplejwt read (as Python's JSON) with status 0, exit 4 where it said "Token is
// expired", 3 for its other refusals, 1 for its server errors.
func TestJWTFixtures(t *testing.T) {
	for _, version := range []string{"5.5.1", "5.3.1"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "fixtures", "simplejwt", "simplejwt-"+version+"-default.json"))
		if err != nil {
			t.Fatal(err)
		}
		var f struct {
			Check []struct {
				Name, Token string
				Results     map[string]struct {
					Payload json.RawMessage
					Message *string
				}
			}
		}
		if err := json.Unmarshal(data, &f); err != nil {
			t.Fatal(err)
		}
		codes := map[int]int{}
		for _, c := range f.Check {
			for typ, want := range c.Results {
				args := []string{"jwt", "--secret-key", "djsession-auth-db-secret-key", "--now", "1800000000", "--type", typ}
				if version == "5.3.1" {
					args = append(args, "--simplejwt", "5.3")
				}
				got, code := runCLI(t, "", append(args, c.Token)...)
				wantCode := exitError
				switch {
				case string(want.Payload) != "null":
					wantCode = exitOK
				case want.Message != nil && *want.Message == "Token is expired":
					wantCode = exitExpired
				case want.Message != nil:
					wantCode = exitBadSig
				}
				codes[code]++
				if code != wantCode || code == exitOK && !strings.HasPrefix(got, "{") {
					t.Errorf("%s %s as %s: exit %d %q, want exit %d", version, c.Name, typ, code, got, wantCode)
				}
			}
		}
		if codes[exitOK] == 0 || codes[exitBadSig] == 0 || codes[exitError] == 0 || version == "5.5.1" && codes[exitExpired] == 0 {
			t.Errorf("%s: exit statuses %v", version, codes)
		}
	}
}

// TestJWTPairParity makes tokens with "djsession jwt-pair" (a pair, and a sliding token,
// with --blacklist) for users of a database Django made (scripts/simplejwt_oracle.py
// setup, the token_blacklist app installed) and has simplejwt 5.5.1 (Django 5.2) read
// them: the refresh, access and sliding tokens of the user, valid, and recorded as
// outstanding for the user; then "djsession jwt-flushexpiredtokens" a day later deletes
// them (and Django's other expired ones), as Django then sees.
func TestJWTPairParity(t *testing.T) {
	py := djangoPython(t)
	path := filepath.Join(t.TempDir(), "db.sqlite3")
	dbj := `{"ENGINE":"django.db.backends.sqlite3","NAME":"` + path + `"}`
	oracle := func(stdin any, out any, command string) {
		t.Helper()
		c := exec.Command(py, filepath.Join("..", "..", "scripts", "simplejwt_oracle.py"), dbj, `{"blacklist": true}`, command)
		if stdin != nil {
			b, _ := json.Marshal(stdin)
			c.Stdin = strings.NewReader(string(b))
		}
		text, err := c.Output()
		if err != nil {
			t.Fatalf("simplejwt_oracle.py %s: %v", command, err)
		}
		if err := json.Unmarshal(text, out); err != nil {
			t.Fatal(err)
		}
	}
	var setup struct{ Tokens map[string]string }
	oracle(nil, &setup, "setup")
	type state struct{ Outstanding []*int }
	var before, after state
	oracle(map[string]any{"steps": []any{}, "tokens": setup.Tokens}, &before, "run")
	key := []string{"--secret-key", "djsession-auth-db-secret-key", "--db", "sqlite:" + path, "--blacklist"}
	out, code := runCLI(t, "", append([]string{"jwt-pair"}, append(key, "carol")...)...)
	var pair map[string]string
	if code != 0 || json.Unmarshal([]byte(out), &pair) != nil {
		t.Fatalf("jwt-pair: exit %d %q", code, out)
	}
	out, code = runCLI(t, "", append([]string{"jwt-pair", "--sliding"}, append(key, "jos\u00e9")...)...)
	var sliding map[string]string
	if code != 0 || json.Unmarshal([]byte(out), &sliding) != nil {
		t.Fatalf("jwt-pair --sliding: exit %d %q", code, out)
	}
	var res struct {
		Results []map[string]struct {
			Payload *struct{ V [][2]struct{ V any } }
			Message *string
		}
	}
	tokens := []string{pair["refresh"], pair["access"], sliding["token"]}
	oracle(tokens, &res, "check")
	for i, typ := range []string{"refresh", "access", "sliding"} {
		r := res.Results[i][typ]
		if r.Payload == nil {
			t.Errorf("%s token %q: simplejwt refuses it: %v", typ, tokens[i], r.Message)
			continue
		}
		want := map[string]string{"refresh": "3", "access": "3", "sliding": "4"}[typ]
		found := false
		for _, kv := range r.Payload.V {
			found = found || kv[0].V == "user_id" && kv[1].V == want
		}
		if !found {
			t.Errorf("%s token: not user %s's: %+v", typ, want, r.Payload.V)
		}
	}
	oracle(map[string]any{"steps": []any{}, "tokens": setup.Tokens}, &after, "run")
	count := func(s state, pk int) (n int) {
		for _, u := range s.Outstanding {
			if u != nil && *u == pk {
				n++
			}
		}
		return n
	}
	for _, pk := range []int{3, 4} {
		if count(after, pk) != count(before, pk)+1 {
			t.Errorf("user %d: %d outstanding tokens, %d before: want one more", pk, count(after, pk), count(before, pk))
		}
	}
	// jwt-flushexpiredtokens a day and a minute later: the refresh tokens have expired.
	later := strconv.FormatInt(time.Now().Add(24*time.Hour+time.Minute).Unix(), 10)
	out, code = runCLI(t, "", "jwt-flushexpiredtokens", "--db", "sqlite:"+path, "--now", later)
	var flushed int
	if _, err := fmt.Sscanf(out, "%d expired tokens deleted", &flushed); code != 0 || err != nil || flushed < 8 {
		t.Errorf("jwt-flushexpiredtokens: exit %d %q", code, out)
	}
	var rest state
	oracle(map[string]any{"steps": []any{}, "tokens": setup.Tokens}, &rest, "run")
	if len(rest.Outstanding) != len(after.Outstanding)-flushed {
		t.Errorf("%d outstanding tokens after flushing %d of %d", len(rest.Outstanding), flushed, len(after.Outstanding))
	}
}

// TestJWTKeysInPEM makes a pair with an Ed25519 key read from a file (--signing-key @FILE)
// and reads its access token with the public key (--verifying-key @FILE): taken, and
// refused (exit 3) with another key.
func TestJWTKeysInPEM(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, typ string, der []byte, err error) string {
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return "@" + path
	}
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	other, _, _ := ed25519.GenerateKey(rand.Reader)
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	privFile := write("priv.pem", "PRIVATE KEY", der, err)
	der, err = x509.MarshalPKIXPublicKey(pub)
	pubFile := write("pub.pem", "PUBLIC KEY", der, err)
	der, err = x509.MarshalPKIXPublicKey(other)
	otherFile := write("other.pem", "PUBLIC KEY", der, err)
	db := filepath.Join(dir, "db.sqlite3")
	data, err := os.ReadFile(filepath.Join("..", "..", "fixtures", "example", "db.sqlite3"))
	if err == nil {
		err = os.WriteFile(db, data, 0o600)
	}
	if err != nil {
		t.Fatal(err)
	}
	out, code := runCLI(t, "", "jwt-pair", "--db", "sqlite:"+db, "--algorithm", "EdDSA", "--signing-key", privFile, "bob")
	var pair map[string]string
	if code != 0 || json.Unmarshal([]byte(out), &pair) != nil {
		t.Fatalf("jwt-pair: exit %d %q", code, out)
	}
	got, code := runCLI(t, "", "jwt", "--algorithm", "EdDSA", "--verifying-key", pubFile, pair["access"])
	if code != 0 || !strings.Contains(got, `"user_id":"2"`) {
		t.Errorf("jwt: exit %d %q", code, got)
	}
	if _, code := runCLI(t, "", "jwt", "--algorithm", "EdDSA", "--verifying-key", otherFile, pair["access"]); code != exitBadSig {
		t.Errorf("jwt with another key: exit %d, want %d", code, exitBadSig)
	}
	if out, code := runCLI(t, "", "jwt-pair", "--db", "sqlite:"+db, "--algorithm", "EdDSA", "--signing-key", pubFile, "bob"); code != exitError {
		t.Errorf("jwt-pair with a public key to sign: exit %d %q, want %d", code, out, exitError)
	}
}

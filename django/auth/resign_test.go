package auth

import (
	"context"
	"testing"

	"github.com/djsession/djsession/serializer"
)

// TestResignSessionHash: hashes under a fallback key (and, with AcceptLegacyHash, SHA-1
// hashes under any key) are replaced by the current one; current, stale and foreign
// hashes, sessions without a user or a hash, and deleted users are left alone.
func TestResignSessionHash(t *testing.T) {
	const pw = "pbkdf2_sha256$600000$salt$hash="
	users := &memUsers{byID: map[string]*User{"7": {ID: "7", PasswordHash: pw, IsActive: true}}}
	hash := func(key, alg string) string {
		h, err := SessionAuthHash(pw, key, alg)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	current := hash("new", "")
	cases := []struct {
		name   string
		id     string
		hash   string // "" = no _auth_user_hash
		legacy bool   // AcceptLegacyHash
		want   string // the hash afterwards
	}{
		{"current", "7", current, false, current},
		{"fallback", "7", hash("old", ""), false, current},
		{"second fallback", "7", hash("older", ""), false, current},
		{"stale", "7", hash("old", "") + "0", false, hash("old", "") + "0"},
		{"unknown key", "7", hash("other", ""), false, hash("other", "")},
		{"sha1 without AcceptLegacyHash", "7", hash("new", "sha1"), false, hash("new", "sha1")},
		{"sha1 current key", "7", hash("new", "sha1"), true, current},
		{"sha1 fallback key", "7", hash("old", "sha1"), true, current},
		{"deleted user", "8", hash("old", ""), false, hash("old", "")},
		{"no hash", "7", "", false, ""},
	}
	for _, c := range cases {
		data := serializer.NewDict()
		data.Set(SessionKey, serializer.Str(c.id))
		data.Set(BackendSessionKey, serializer.Str(ModelBackend))
		if c.hash != "" {
			data.Set(HashSessionKey, serializer.Str(c.hash))
		}
		data.Set("after", serializer.Int(1))
		cfg := &Config{SecretKey: "new", SecretKeyFallbacks: []string{"old", "older"}, Users: users, AcceptLegacyHash: c.legacy}
		changed, err := ResignSessionHash(context.Background(), data, cfg)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got := ""
		if v, ok := data.Get(HashSessionKey); ok {
			got, _ = v.AsStr()
		}
		if got != c.want || changed != (c.want != c.hash) {
			t.Errorf("%s: hash %q (changed %v), want %q", c.name, got, changed, c.want)
		}
		if keys := serializer.DictValue(data).String(); c.hash != "" && keys[:len(`{"_auth_user_id"`)] != `{"_auth_user_id"` {
			t.Errorf("%s: key order changed: %s", c.name, keys)
		}
	}
	anon := serializer.NewDict()
	if changed, err := ResignSessionHash(context.Background(), anon, &Config{SecretKey: "new"}); changed || err != nil || anon.Len() != 0 {
		t.Errorf("anonymous session: %v, %v, %v", changed, err, anon)
	}
}

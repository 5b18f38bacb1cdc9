package auth

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/django/auth/hashers"
	"github.com/djsession/djsession/serializer"
)

// memSession is an in-memory Session for tests.
type memSession struct {
	d      *serializer.Dict
	key    string
	cycles int
	fails  error
}

func newMem() *memSession { return &memSession{d: serializer.NewDict(), key: "k0"} }

func (m *memSession) Get(k string) (serializer.Value, bool) { return m.d.Get(k) }
func (m *memSession) Set(k string, v serializer.Value)      { m.d.Set(k, v) }
func (m *memSession) Flush(context.Context) error {
	if m.fails != nil {
		return m.fails
	}
	m.d, m.key = serializer.NewDict(), ""
	return nil
}
func (m *memSession) CycleKey(context.Context) error {
	if m.fails != nil {
		return m.fails
	}
	m.cycles++
	m.key = "k" + strings.Repeat("'", m.cycles)
	return nil
}

// memUsers is a UserSource with username lookup, last_login and password updates.
type memUsers struct {
	byID      map[string]*User
	err       error
	lastLogin map[string]time.Time
}

func (m *memUsers) User(_ context.Context, id string) (*User, error) {
	if m.err != nil {
		return nil, m.err
	}
	u, ok := m.byID[id]
	if !ok {
		return nil, ErrUserNotFound
	}
	c := *u
	return &c, nil
}

func (m *memUsers) UserByUsername(_ context.Context, name string) (*User, error) {
	for _, u := range m.byID {
		if u.Username == name {
			c := *u
			return &c, nil
		}
	}
	return nil, ErrUserNotFound
}

func (m *memUsers) UpdateLastLogin(_ context.Context, id string, t time.Time) error {
	if m.lastLogin == nil {
		m.lastLogin = map[string]time.Time{}
	}
	m.lastLogin[id] = t
	return nil
}

func (m *memUsers) SetPassword(_ context.Context, id, enc string) error {
	m.byID[id].PasswordHash = enc
	return nil
}

func testUsers(t *testing.T) *memUsers {
	pw, err := hashers.PBKDF2{Iterations: 1000}.Encode("alice-pw", "abcdefghijklmnopqrstuv")
	if err != nil {
		t.Fatal(err)
	}
	return &memUsers{byID: map[string]*User{
		"1": {ID: "1", Username: "alice", PasswordHash: pw, IsActive: true},
		"2": {ID: "2", Username: "bob", PasswordHash: "md5$x$y", IsActive: false},
	}}
}

func TestLoginGetUserRoundTrip(t *testing.T) {
	ctx := context.Background()
	users := testUsers(t)
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	cfg := &Config{SecretKey: "k", Users: users, Now: func() time.Time { return now }}
	s := newMem()
	s.Set("cart", serializer.Int(1))
	u, _ := users.User(ctx, "1")
	if err := Login(ctx, s, u, "", cfg); err != nil {
		t.Fatal(err)
	}
	if s.cycles != 1 || !s.d.Has("cart") {
		t.Errorf("login of an anonymous session: cycles %d, data %v", s.cycles, s.d.Keys())
	}
	if id, _ := UserID(s); id != "1" {
		t.Errorf("UserID = %q", id)
	}
	if b, _ := Backend(s); b != ModelBackend {
		t.Errorf("Backend = %q", b)
	}
	if !users.lastLogin["1"].Equal(now) || u.LastLogin == nil {
		t.Errorf("last_login not updated: %v", users.lastLogin)
	}
	got, err := GetUser(ctx, s, cfg)
	if err != nil || got == nil || got.ID != "1" {
		t.Fatalf("GetUser = %v, %v", got, err)
	}
	// Password change elsewhere: the session is flushed.
	users.byID["1"].PasswordHash = "md5$new$hash"
	got, err = GetUser(ctx, s, cfg)
	if err != nil || got != nil || s.d.Len() != 0 {
		t.Errorf("after password change: %v, %v, %d keys", got, err, s.d.Len())
	}
}

func TestGetUserErrors(t *testing.T) {
	ctx := context.Background()
	users := testUsers(t)
	cfg := &Config{SecretKey: "k", Users: users}
	s := newMem()
	s.Set(SessionKey, serializer.Str("abc"))
	s.Set(BackendSessionKey, serializer.Str(ModelBackend))
	if _, err := GetUser(ctx, s, cfg); !errors.Is(err, ErrInvalidUserID) {
		t.Errorf("invalid id: %v", err)
	}
	s.Set(SessionKey, serializer.Str("1"))
	users.err = errors.New("db down")
	if _, err := GetUser(ctx, s, cfg); err == nil || !strings.Contains(err.Error(), "db down") {
		t.Errorf("source error: %v", err)
	}
	users.err = nil
	s.fails = errors.New("store down")
	if _, err := GetUser(ctx, s, cfg); err == nil {
		t.Error("flush error not returned")
	}
	if _, err := GetUser(ctx, s, &Config{SecretKey: "k"}); !errors.Is(err, ErrNoUserSource) {
		t.Errorf("no source: %v", err)
	}
	// CanAuthenticate override lets the inactive user in.
	s = newMem()
	bob, _ := users.User(ctx, "2")
	cfg.CanAuthenticate = func(string, *User) bool { return true }
	if err := Login(ctx, s, bob, ModelBackend, cfg); err != nil {
		t.Fatal(err)
	}
	if u, err := GetUser(ctx, s, cfg); err != nil || u == nil {
		t.Errorf("CanAuthenticate override: %v, %v", u, err)
	}
	cfg.CanAuthenticate = nil
	if u, err := GetUser(ctx, s, cfg); err != nil || u != nil || s.d.Len() == 0 {
		t.Errorf("inactive: %v, %v (session must stay)", u, err)
	}
}

func TestLoginBackendRequired(t *testing.T) {
	cfg := &Config{SecretKey: "k", AuthenticationBackends: []string{ModelBackend, AllowAllUsersModelBackend}, Users: testUsers(t)}
	err := Login(context.Background(), newMem(), &User{ID: "1"}, "", cfg)
	if !errors.Is(err, ErrBackendRequired) {
		t.Errorf("Login = %v", err)
	}
}

func TestHashAlgorithmSHA1(t *testing.T) {
	ctx := context.Background()
	users := testUsers(t)
	cfg := &Config{SecretKey: "k", Users: users, HashAlgorithm: "sha1", SkipLastLogin: true}
	s := newMem()
	u, _ := users.User(ctx, "1")
	if err := Login(ctx, s, u, "", cfg); err != nil {
		t.Fatal(err)
	}
	v, _ := s.Get(HashSessionKey)
	if h, _ := v.AsStr(); len(h) != 40 {
		t.Errorf("sha1 hash %q", h)
	}
	if users.lastLogin != nil {
		t.Error("SkipLastLogin ignored")
	}
}

func TestAuthenticate(t *testing.T) {
	ctx := context.Background()
	users := testUsers(t)
	cfg := &Config{SecretKey: "k", Users: users, Hashers: hashers.ForDjango("5.2")}
	if u, err := Authenticate(ctx, "alice", "alice-pw", cfg); err != nil || u == nil || u.ID != "1" {
		t.Fatalf("Authenticate = %v, %v", u, err)
	}
	if u, _ := Authenticate(ctx, "alice", "nope", cfg); u != nil {
		t.Error("wrong password accepted")
	}
	if u, _ := Authenticate(ctx, "nobody", "x", cfg); u != nil {
		t.Error("unknown user accepted")
	}
	old := users.byID["1"].PasswordHash
	cfg.UpgradePasswordHashes = true
	cfg.Hashers = hashers.NewSet(hashers.PBKDF2{Iterations: 2000})
	if u, _ := Authenticate(ctx, "alice", "alice-pw", cfg); u == nil || !strings.HasPrefix(u.PasswordHash, "pbkdf2_sha256$2000$") {
		t.Fatalf("upgrade: %v", u)
	}
	if users.byID["1"].PasswordHash == old {
		t.Error("stored hash not upgraded")
	}
	if _, err := Authenticate(ctx, "a", "b", &Config{Users: mapOnly{}}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("no UsernameSource: %v", err)
	}
}

type mapOnly struct{}

func (mapOnly) User(context.Context, string) (*User, error) { return nil, ErrUserNotFound }

func TestPKNormalize(t *testing.T) {
	for _, c := range []struct {
		pk   PKType
		in   serializer.Value
		want string
	}{
		{PKInt, serializer.Str("42"), "42"},
		{PKInt, serializer.Str(" +0042\n"), "42"},
		{PKInt, serializer.Str("1_000"), "1000"},
		{PKInt, serializer.Str("-7"), "-7"},
		{PKInt, serializer.Int(5), "5"},
		{PKInt, serializer.Bool(true), "1"},
		{PKInt, serializer.Float(3.9), "3"},
		{PKUUID, serializer.Str("{0B6F0C2E-1C7A-4C5B-9D6E-1234567890AB}"), "0b6f0c2e-1c7a-4c5b-9d6e-1234567890ab"},
		{PKUUID, serializer.Str("urn:uuid:0b6f0c2e1c7a4c5b9d6e1234567890ab"), "0b6f0c2e-1c7a-4c5b-9d6e-1234567890ab"},
		{PKUUID, serializer.Int(1), "00000000-0000-0000-0000-000000000001"},
		{PKString, serializer.Str(" alice "), " alice "},
		{PKString, serializer.Int(3), "3"},
	} {
		got, err := c.pk.normalize(c.in)
		if err != nil || got != c.want {
			t.Errorf("%s normalize(%s) = %q, %v; want %q", c.pk, c.in, got, err, c.want)
		}
	}
	for _, c := range []struct {
		pk PKType
		in serializer.Value
	}{
		{PKInt, serializer.Str("abc")}, {PKInt, serializer.Str("1__0")}, {PKInt, serializer.Str("_1")},
		{PKInt, serializer.Str("")}, {PKInt, serializer.None()}, {PKInt, serializer.List()},
		{PKUUID, serializer.Str("123")}, {PKUUID, serializer.Int(-1)}, {PKString, serializer.None()},
	} {
		if got, err := c.pk.normalize(c.in); !errors.Is(err, ErrInvalidUserID) {
			t.Errorf("%s normalize(%s) = %q, %v; want ErrInvalidUserID", c.pk, c.in, got, err)
		}
	}
}

func TestCSRF(t *testing.T) {
	sec, err := NewCSRFSecret()
	if err != nil || len(sec) != CSRFSecretLength || strings.Trim(sec, CSRFAllowedChars) != "" {
		t.Fatalf("NewCSRFSecret = %q, %v", sec, err)
	}
	tok, err := MaskCSRFSecret(sec)
	if err != nil || len(tok) != CSRFTokenLength || strings.Trim(tok, CSRFAllowedChars) != "" {
		t.Fatalf("MaskCSRFSecret = %q, %v", tok, err)
	}
	if got := UnmaskCSRFToken(tok); got != sec {
		t.Errorf("UnmaskCSRFToken = %q, want %q", got, sec)
	}
	// A known value: mask "b" (index 1) shifts "a" to "b", "9" (61) wraps to "a".
	mask := strings.Repeat("b", 32)
	if got := UnmaskCSRFToken(mask + "b" + strings.Repeat("a", 30) + "a"); got != "a"+strings.Repeat("9", 30)+"9" {
		t.Errorf("unmask = %q", got)
	}
}

package compat_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/django/auth/hashers"
	"github.com/djsession/djsession/serializer"
)

// authFixture is fixtures/auth/django-<series>.json (scripts/gen_auth_fixtures.py).
type authFixture struct {
	Django   string `json:"django"`
	Series   string `json:"series"`
	Defaults struct {
		PasswordHashers  []string `json:"password_hashers"`
		PBKDF2Iterations int      `json:"pbkdf2_iterations"`
		Argon2           struct {
			TimeCost    uint32 `json:"time_cost"`
			MemoryCost  uint32 `json:"memory_cost"`
			Parallelism uint8  `json:"parallelism"`
		} `json:"argon2"`
		BCryptRounds int `json:"bcrypt_rounds"`
		Scrypt       *struct {
			N, R, P int
		} `json:"scrypt"`
		SaltLength int `json:"salt_length"`
	} `json:"defaults"`
	Hashes []struct {
		Name, Algorithm, Password, Wrong, Salt, Encoded, Identify string
		Params                                                    map[string]int
		CheckRight                                                bool `json:"check_right"`
		CheckWrong                                                bool `json:"check_wrong"`
		MustUpdate                                                bool `json:"must_update"`
		HasherMustUpdate                                          bool `json:"hasher_must_update"`
	} `json:"hashes"`
	Checks []struct {
		Name, Password, Encoded string
		OK                      bool   `json:"ok"`
		MustUpdate              *bool  `json:"must_update"`
		Raises                  string `json:"raises"`
		Usable                  bool   `json:"usable"`
	} `json:"checks"`
	Users []struct {
		ID       string `json:"id"`
		Username string `json:"username"`
		Password string `json:"password"`
		IsActive bool   `json:"is_active"`
	} `json:"users"`
	SecretKey       string `json:"secret_key"`
	SessionAuthHash []struct {
		Password, Secret, Hash string
	} `json:"session_auth_hash"`
	GetUser               []authScenario `json:"get_user"`
	Login                 []authScenario `json:"login"`
	Logout                []authScenario `json:"logout"`
	UpdateSessionAuthHash []authScenario `json:"update_session_auth_hash"`
}

type authScenario struct {
	Name        string   `json:"name"`
	Session     string   `json:"session"`
	Backends    []string `json:"backends"`
	Fallbacks   []string `json:"fallbacks"`
	Backend     string   `json:"backend"`
	User        *string  `json:"user"`
	Raises      string   `json:"raises"`
	Calls       []string `json:"calls"`
	After       string   `json:"after"`
	CSRFLength  int      `json:"csrf_length"`
	CSRFAlnum   bool     `json:"csrf_alnum"`
	NewPassword string   `json:"new_password"`
}

func loadAuthFixtures(t *testing.T) []authFixture {
	t.Helper()
	paths, _ := filepath.Glob("../fixtures/auth/django-*.json")
	sort.Strings(paths)
	if len(paths) == 0 {
		t.Fatal("no fixtures/auth/django-*.json: run scripts/gen_auth_fixtures.py --all")
	}
	var out []authFixture
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var f authFixture
		if err := json.Unmarshal(data, &f); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out = append(out, f)
	}
	return out
}

// fixtureHasher returns the Go hasher with the parameters a fixture case used.
func fixtureHasher(t *testing.T, f authFixture, alg string, p map[string]int) hashers.Hasher {
	switch alg {
	case "pbkdf2_sha256", "pbkdf2_sha1":
		it := p["iterations"]
		if it == 0 {
			it = f.Defaults.PBKDF2Iterations
		}
		return hashers.PBKDF2{SHA1: alg == "pbkdf2_sha1", Iterations: it}
	case "argon2":
		if p["time_cost"] != 0 {
			return hashers.Argon2{TimeCost: uint32(p["time_cost"]), MemoryCost: uint32(p["memory_cost"]), Parallelism: uint8(p["parallelism"])}
		}
		return hashers.Argon2{}
	case "bcrypt_sha256", "bcrypt":
		return hashers.BCrypt{NoPrehash: alg == "bcrypt"}
	case "scrypt":
		if p["n"] != 0 {
			return hashers.Scrypt{WorkFactor: p["n"], BlockSize: p["r"], Parallelism: p["p"]}
		}
		return hashers.Scrypt{Parallelism: hashers.ScryptParallelism(f.Series)}
	case "md5":
		return hashers.MD5{}
	case "sha1":
		return hashers.MD5{SHA1: true}
	case "unsalted_md5":
		return hashers.UnsaltedMD5{}
	case "unsalted_sha1":
		return hashers.UnsaltedSHA1{}
	}
	t.Fatalf("no Go hasher for %q", alg)
	return nil
}

// TestAuthHasherDefaults: the default PASSWORD_HASHERS and work factors per version.
func TestAuthHasherDefaults(t *testing.T) {
	for _, f := range loadAuthFixtures(t) {
		set := hashers.ForDjango(f.Series)
		var algs []string
		for _, h := range set.Hashers() {
			algs = append(algs, h.Algorithm())
		}
		if !slices.Equal(algs, f.Defaults.PasswordHashers) {
			t.Errorf("%s: ForDjango hashers %v, Django %v", f.Django, algs, f.Defaults.PasswordHashers)
		}
		if got := hashers.PBKDF2Iterations(f.Series); got != f.Defaults.PBKDF2Iterations {
			t.Errorf("%s: iterations %d, Django %d", f.Django, got, f.Defaults.PBKDF2Iterations)
		}
		a := f.Defaults.Argon2
		if a.TimeCost != hashers.Argon2TimeCost || a.MemoryCost != hashers.Argon2MemoryCost || a.Parallelism != hashers.Argon2Parallelism {
			t.Errorf("%s: argon2 defaults %+v", f.Django, a)
		}
		if f.Defaults.BCryptRounds != hashers.BCryptRounds {
			t.Errorf("%s: bcrypt rounds %d", f.Django, f.Defaults.BCryptRounds)
		}
		if s := f.Defaults.Scrypt; s != nil && (s.N != 1<<14 || s.R != 8 || s.P != hashers.ScryptParallelism(f.Series)) {
			t.Errorf("%s: scrypt defaults %+v", f.Django, *s)
		}
		if salt, _ := hashers.NewSalt(); len(salt) != f.Defaults.SaltLength {
			t.Errorf("%s: salt length %d, Django %d", f.Django, len(salt), f.Defaults.SaltLength)
		}
	}
}

// TestAuthHashers: Go's encode with Django's salt gives Django's string; Go verifies
// Django's hashes, rejects the wrong passwords, and agrees on must_update.
func TestAuthHashers(t *testing.T) {
	var total atomic.Int64
	t.Cleanup(func() { t.Logf("%d hasher cases", total.Load()) })
	for _, f := range loadAuthFixtures(t) {
		set := hashers.All(f.Series)
		for _, c := range f.Hashes {
			t.Run(f.Series+"/"+c.Name, func(t *testing.T) {
				t.Parallel() // the default work factors take a while
				total.Add(1)
				h := fixtureHasher(t, f, c.Algorithm, c.Params)
				got, err := h.Encode(c.Password, c.Salt)
				if err != nil || got != c.Encoded {
					t.Errorf("Encode = %q, %v\nDjango    %q", got, err, c.Encoded)
				}
				if a := hashers.AlgorithmOf(c.Encoded); a != c.Identify {
					t.Errorf("AlgorithmOf = %q, Django %q", a, c.Identify)
				}
				ok, mu := set.Check(c.Password, c.Encoded)
				if ok != c.CheckRight || mu != c.MustUpdate {
					t.Errorf("Check(right) = %v, %v; Django %v, %v", ok, mu, c.CheckRight, c.MustUpdate)
				}
				if ok, _ := set.Check(c.Wrong, c.Encoded); ok != c.CheckWrong {
					t.Errorf("Check(wrong) = %v; Django %v", ok, c.CheckWrong)
				}
				dh, err := set.Get(c.Algorithm)
				if err != nil {
					t.Fatal(err)
				}
				if mu := dh.MustUpdate(c.Encoded); mu != c.HasherMustUpdate {
					t.Errorf("hasher MustUpdate = %v; Django %v", mu, c.HasherMustUpdate)
				}
			})
		}
		for _, c := range f.Checks {
			t.Run(f.Series+"/check/"+c.Name, func(t *testing.T) {
				t.Parallel()
				total.Add(1)
				ok, mu := set.Check(c.Password, c.Encoded)
				if ok != c.OK {
					t.Errorf("Check(%q, %q) = %v; Django %v", c.Password, c.Encoded, ok, c.OK)
				}
				if c.Raises == "" && c.MustUpdate != nil && mu != *c.MustUpdate {
					t.Errorf("must_update = %v; Django %v", mu, *c.MustUpdate)
				}
				if u := hashers.IsPasswordUsable(c.Encoded); u != c.Usable {
					t.Errorf("IsPasswordUsable = %v; Django %v", u, c.Usable)
				}
			})
		}
		for _, c := range f.SessionAuthHash {
			if got, _ := auth.SessionAuthHash(c.Password, c.Secret, ""); got != c.Hash {
				t.Errorf("%s: SessionAuthHash = %s, Django %s", f.Django, got, c.Hash)
			}
		}
	}
}

// recSession is an in-memory auth.Session that records flush and cycle_key.
type recSession struct {
	d     *serializer.Dict
	key   string
	calls []string
	n     int
}

func newRecSession(t *testing.T, js string) *recSession {
	t.Helper()
	v, err := serializer.JSON{}.Loads([]byte(js))
	if err != nil || v.Dict() == nil {
		t.Fatalf("session %s: %v", js, err)
	}
	return &recSession{d: v.Dict(), key: "original"}
}

func (s *recSession) Get(k string) (serializer.Value, bool) { return s.d.Get(k) }
func (s *recSession) Set(k string, v serializer.Value)      { s.d.Set(k, v) }
func (s *recSession) Flush(context.Context) error {
	s.calls = append(s.calls, "flush")
	s.d, s.key = serializer.NewDict(), ""
	return nil
}
func (s *recSession) CycleKey(context.Context) error {
	s.calls = append(s.calls, "cycle_key")
	s.n++
	s.key = fmt.Sprintf("cycled-%d", s.n)
	return nil
}
func (s *recSession) json(t *testing.T) string {
	b, err := serializer.JSON{}.Dumps(serializer.DictValue(s.d))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// mapUsers is a UserSource over the fixture's users.
type mapUsers map[string]auth.User

func (m mapUsers) User(_ context.Context, id string) (*auth.User, error) {
	u, ok := m[id]
	if !ok {
		return nil, auth.ErrUserNotFound
	}
	return &u, nil
}

func (f authFixture) config(sc authScenario) (*auth.Config, mapUsers) {
	users := mapUsers{}
	for _, u := range f.Users {
		users[u.ID] = auth.User{ID: u.ID, Username: u.Username, PasswordHash: u.Password, IsActive: u.IsActive}
	}
	legacy := f.Series == "3.2"
	return &auth.Config{
		SecretKey:              f.SecretKey,
		SecretKeyFallbacks:     sc.Fallbacks,
		AuthenticationBackends: sc.Backends,
		Users:                  users,
		AcceptLegacyHash:       legacy,
		IgnoreFallbackHashes:   legacy,
	}, users
}

func sameCalls(a, b []string) bool { return len(a) == 0 && len(b) == 0 || slices.Equal(a, b) }

// TestAuthSessionSemantics replays Django's get_user, login, logout and
// update_session_auth_hash scenarios: same user returned, same flush/cycle_key calls,
// byte-identical session JSON afterwards.
func TestAuthSessionSemantics(t *testing.T) {
	ctx := context.Background()
	n := 0
	for _, f := range loadAuthFixtures(t) {
		for _, sc := range f.GetUser {
			t.Run(f.Series+"/get_user/"+sc.Name, func(t *testing.T) {
				n++
				cfg, _ := f.config(sc)
				s := newRecSession(t, sc.Session)
				u, err := auth.GetUser(ctx, s, cfg)
				if sc.Raises != "" {
					if err == nil {
						t.Fatalf("no error; Django raised %s", sc.Raises)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case sc.User == nil && u != nil:
					t.Errorf("user %s; Django anonymous", u.ID)
				case sc.User != nil && (u == nil || u.ID != *sc.User):
					t.Errorf("user %v; Django %s", u, *sc.User)
				}
				if !sameCalls(s.calls, sc.Calls) {
					t.Errorf("calls %v; Django %v", s.calls, sc.Calls)
				}
				if got := s.json(t); got != sc.After {
					t.Errorf("after:\n go     %s\n Django %s", got, sc.After)
				}
			})
		}
		for _, sc := range f.Login {
			t.Run(f.Series+"/login/"+sc.Name, func(t *testing.T) {
				n++
				cfg, users := f.config(sc)
				alice := users["1"]
				s := newRecSession(t, sc.Session)
				if err := auth.Login(ctx, s, &alice, sc.Backend, cfg); err != nil {
					t.Fatal(err)
				}
				if !sameCalls(s.calls, sc.Calls) {
					t.Errorf("calls %v; Django %v", s.calls, sc.Calls)
				}
				if got := s.json(t); got != sc.After {
					t.Errorf("after:\n go     %s\n Django %s", got, sc.After)
				}
				// With CSRF_USE_SESSIONS: the rotated token's form per version.
				cfg.CSRFUseSessions, cfg.CSRFMaskedToken = true, f.Series == "3.2"
				s = newRecSession(t, sc.Session)
				if err := auth.Login(ctx, s, &alice, sc.Backend, cfg); err != nil {
					t.Fatal(err)
				}
				v, _ := s.Get(auth.CSRFSessionKey)
				tok, _ := v.AsStr()
				if len(tok) != sc.CSRFLength || strings.Trim(tok, auth.CSRFAllowedChars) != "" || !sc.CSRFAlnum {
					t.Errorf("_csrftoken %q; Django's token has %d characters", tok, sc.CSRFLength)
				}
			})
		}
		for _, sc := range f.Logout {
			n++
			s := newRecSession(t, sc.Session)
			if err := auth.Logout(ctx, s); err != nil || !sameCalls(s.calls, sc.Calls) || s.json(t) != sc.After {
				t.Errorf("%s logout/%s: calls %v after %s; Django %v %s", f.Series, sc.Name, s.calls, s.json(t), sc.Calls, sc.After)
			}
		}
		for _, sc := range f.UpdateSessionAuthHash {
			n++
			cfg, users := f.config(sc)
			alice := users["1"]
			alice.PasswordHash = sc.NewPassword
			s := newRecSession(t, sc.Session)
			if err := auth.UpdateSessionAuthHash(ctx, s, &alice, cfg); err != nil || !sameCalls(s.calls, sc.Calls) || s.json(t) != sc.After {
				t.Errorf("%s update_session_auth_hash/%s: calls %v after %s; Django %v %s (%v)", f.Series, sc.Name, s.calls, s.json(t), sc.Calls, sc.After, err)
			}
		}
	}
	t.Logf("%d scenarios", n)
}

package simplejwt

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/django/auth/hashers"
	"github.com/djsession/djsession/restframework"
	"github.com/djsession/djsession/serializer"
)

// users is an in-memory user source.
type users map[string]*auth.User

func (u users) User(_ context.Context, id string) (*auth.User, error) {
	if x, ok := u[id]; ok {
		return x, nil
	}
	return nil, auth.ErrUserNotFound
}

func (u users) UserByUsername(_ context.Context, name string) (*auth.User, error) {
	for _, x := range u {
		if x.Username == name {
			return x, nil
		}
	}
	return nil, auth.ErrUserNotFound
}

// testSite is a site with alice (pk 1, password "secret") and bob (pk 2, inactive).
func testSite(t *testing.T, now time.Time) (*Settings, *auth.Config) {
	hs, err := hashers.FromSettings("6.1", []string{"django.contrib.auth.hashers.MD5PasswordHasher"})
	if err != nil {
		t.Fatal(err)
	}
	pw, err := hs.Make("secret")
	if err != nil {
		t.Fatal(err)
	}
	us := users{"1": {ID: "1", Username: "alice", PasswordHash: pw, IsActive: true},
		"2": {ID: "2", Username: "bob", PasswordHash: pw}}
	s := Defaults("test-secret-key")
	s.Now = func() time.Time { return now }
	return s, &auth.Config{SecretKey: "test-secret-key", Users: us, Hashers: hs}
}

func mustPayload(t *testing.T, s *Settings, tok string) *serializer.Dict {
	t.Helper()
	_, body, _ := strings.Cut(tok, ".")
	body, _, _ = strings.Cut(body, ".")
	b, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		t.Fatal(err)
	}
	v, err := serializer.DecodeJSONText(string(b))
	if err != nil {
		t.Fatal(err)
	}
	return v.Dict()
}

// TestForUser checks the claims of the tokens simplejwt makes, in its order: the type,
// exp (now plus the lifetime, floored), iat, a uuid4 hex jti and the user id (a str; an
// int under 5.3), and an access token made from a refresh token.
func TestForUser(t *testing.T) {
	now := time.Unix(1800000000, 750000000)
	s, cfg := testSite(t, now)
	u, _ := cfg.Users.User(context.Background(), "1")
	refresh, err := s.ForUser(Refresh, u)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range refresh.Payload.All() {
		ks, _ := k.AsStr()
		keys = append(keys, ks)
	}
	if diff := cmp.Diff([]string{"token_type", "exp", "iat", "jti", "user_id"}, keys); diff != "" {
		t.Errorf("claims (-want +got):\n%s", diff)
	}
	claims := mustPayload(t, s, refresh.String())
	for k, want := range map[string]string{"token_type": `"refresh"`, "exp": "1800086400", "iat": "1800000000", "user_id": `"1"`} {
		if v, _ := claims.Get(k); v.String() != want && v.String() != strings.Trim(want, `"`) {
			t.Errorf("%s = %s, want %s", k, v, want)
		}
	}
	if jti, _ := claims.Get("jti"); len(str(jti)) != 32 || str(jti)[12] != '4' {
		t.Errorf("jti %s", jti)
	}
	access, err := refresh.AccessToken()
	if err != nil {
		t.Fatal(err)
	}
	if typ, _ := access.Payload.Get("token_type"); str(typ) != "access" {
		t.Errorf("type %s", typ)
	}
	if exp, _ := access.Payload.Get("exp"); exp.String() != "1800000300" {
		t.Errorf("access exp %s", exp)
	}
	s.Version = "5.3"
	old, _ := s.ForUser(Access, u)
	if id, _ := old.Payload.Get("user_id"); id.Kind() != serializer.KindInt {
		t.Errorf("5.3 user_id %s is a %s", id, id.Kind())
	}
}

// TestParse checks the refusals of tokens, with simplejwt's messages of 5.4+ and 5.3.
func TestParse(t *testing.T) {
	now := time.Unix(1800000000, 0)
	s, _ := testSite(t, now)
	mk := func(edit func(d *serializer.Dict)) string {
		d := serializer.NewDict()
		d.Set("token_type", serializer.Str("access"))
		d.Set("exp", serializer.Int(1800000300))
		d.Set("iat", serializer.Int(1800000000))
		d.Set("jti", serializer.Str("0123456789abcdef0123456789abcdef"))
		d.Set("user_id", serializer.Str("1"))
		if edit != nil {
			edit(d)
		}
		tok, err := s.Encode(d)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	good := mk(nil)
	h, rest, _ := strings.Cut(good, ".")
	for _, c := range []struct {
		name, token, typ, want, want53 string
	}{
		{"good", good, Access, "", ""},
		{"untyped", good, Untyped, "", ""},
		{"wrong type", good, Refresh, "Token has wrong type", "Token has wrong type"},
		{"expired", mk(func(d *serializer.Dict) { d.Set("exp", serializer.Int(1800000000)) }), Access, "Token is expired", "Token is invalid or expired"},
		{"future iat", mk(func(d *serializer.Dict) { d.Set("iat", serializer.Int(1800000001)) }), Access, "Token is invalid", "Token is invalid or expired"},
		{"no exp", mk(func(d *serializer.Dict) { d.Delete("exp") }), Access, "Token has no 'exp' claim", "Token has no 'exp' claim"},
		{"no jti", mk(func(d *serializer.Dict) { d.Delete("jti") }), Access, "Token has no id", "Token has no id"},
		{"no type", mk(func(d *serializer.Dict) { d.Delete("token_type") }), Access, "Token has no type", "Token has no type"},
		{"str exp", mk(func(d *serializer.Dict) { d.Set("exp", serializer.Str(" 1800000300 ")) }), Access, "server error", "server error"},
		{"bad signature", good[:len(good)-2] + "AA", Access, "Token is invalid", "Token is invalid or expired"},
		{"other key", func() string {
			o := *s
			o.SigningKey = "another"
			tok, _ := o.Encode(mustPayload(t, s, good))
			return tok
		}(), Access, "Token is invalid", "Token is invalid or expired"},
		{"alg none", base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`)) + "." + rest, Access, "Token is invalid", "Token is invalid or expired"},
		{"padding", h + "=." + rest, Access, "Token is invalid", "Token is invalid or expired"},
		{"two segments", h + "." + strings.Split(rest, ".")[0], Access, "Token is invalid", "Token is invalid or expired"},
		{"empty", "", Access, "Token is invalid", "Token is invalid or expired"},
	} {
		for _, v53 := range []bool{false, true} {
			s.Version = map[bool]string{true: "5.3"}[v53]
			want := map[bool]string{false: c.want, true: c.want53}[v53]
			tok, err := s.Parse(c.typ, c.token)
			var te *TokenError
			got := ""
			switch {
			case errors.As(err, &te):
				got = te.Message
				if errors.Is(err, ErrTokenExpired) != (got == "Token is expired") || !errors.Is(err, ErrToken) {
					t.Errorf("%s: %v matches the wrong sentinels", c.name, err)
				}
			case err != nil:
				got = "server error"
			case tok.Payload.Len() != 5:
				t.Errorf("%s: payload %v", c.name, tok.Payload)
			}
			if got != want {
				t.Errorf("%s (5.3: %v): %q (%v), want %q", c.name, v53, got, err, want)
			}
		}
	}
}

// TestSettingsRefused checks that settings PyJWT or this package cannot use are errors.
func TestSettingsRefused(t *testing.T) {
	for _, edit := range []func(*Settings){
		func(s *Settings) { s.Algorithm = "ES256K" },
		func(s *Settings) { s.Algorithm, s.Version = "PS256", "5.3" },
		func(s *Settings) { s.SigningKey = "" },
		func(s *Settings) { s.Audience = serializer.Int(1) },
		func(s *Settings) { s.JTIClaim = "" },
	} {
		s := Defaults("k")
		edit(s)
		if _, err := s.New(Access); !errors.Is(err, ErrSettings) {
			t.Errorf("%+v: %v", s, err)
		}
	}
}

// TestJWTAuthentication checks the authenticator behind an APIView: the user of a good
// access token, and simplejwt's answers to the others.
func TestJWTAuthentication(t *testing.T) {
	now := time.Now()
	s, cfg := testSite(t, now)
	alice, _ := cfg.Users.User(context.Background(), "1")
	bob, _ := cfg.Users.User(context.Background(), "2")
	access := func(u *auth.User) string { tok, _ := s.ForUser(Access, u); return tok.String() }
	refresh, _ := s.ForUser(Refresh, alice)
	view := &restframework.APIView{
		Authentication: []restframework.Authenticator{&JWTAuthentication{Settings: s, Config: cfg}},
		Permissions:    []restframework.Permission{restframework.IsAuthenticated{}},
		Methods:        []string{http.MethodGet},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			a := restframework.FromContext(r.Context())
			restframework.Response(w, r, http.StatusOK, serializer.Str(a.User.ID))
		}),
	}
	for _, c := range []struct{ header, status, body string }{
		{"Bearer " + access(alice), "200", `"1"`},
		{"", "401", `{"detail":"Authentication credentials were not provided."}`},
		{"Token abc", "401", `{"detail":"Authentication credentials were not provided."}`},
		{"Bearer", "401", `{"detail":"Authorization header must contain two space-delimited values","code":"bad_authorization_header"}`},
		{"Bearer a b", "401", `{"detail":"Authorization header must contain two space-delimited values","code":"bad_authorization_header"}`},
		{"Bearer " + access(bob), "401", `{"detail":"User is inactive","code":"user_inactive"}`},
		{"Bearer " + access(&auth.User{ID: "9"}), "401", `{"detail":"User not found","code":"user_not_found"}`},
		{"Bearer " + refresh.String(), "401", `{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token has wrong type"}]}`},
	} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		if c.header != "" {
			req.Header.Set("Authorization", c.header)
		}
		rec := httptest.NewRecorder()
		view.ServeHTTP(rec, req)
		if got := rec.Body.String(); got != c.body || rec.Result().Status[:3] != c.status {
			t.Errorf("%q: %d %s; want %s %s", c.header, rec.Code, got, c.status, c.body)
		}
		if rec.Code == 401 && rec.Header().Get("WWW-Authenticate") != `Bearer realm="api"` {
			t.Errorf("%q: WWW-Authenticate %q", c.header, rec.Header().Get("WWW-Authenticate"))
		}
	}
}

// TestViews checks the token views without a database: a pair for good credentials,
// the refusals, and a refresh.
func TestViews(t *testing.T) {
	s, cfg := testSite(t, time.Now())
	v := &Views{Settings: s, Config: cfg}
	post := func(h http.Handler, body string) (int, string) {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	code, body := post(v.TokenObtainPair(), `{"username": " alice ", "password": "secret"}`)
	if code != 200 || !strings.HasPrefix(body, `{"refresh":"`) {
		t.Fatalf("obtain: %d %s", code, body)
	}
	pair, _ := serializer.DecodeJSONText(body)
	r, _ := pair.Dict().Get("refresh")
	refresh, _ := r.AsStr()
	if _, err := s.Parse(Refresh, refresh); err != nil {
		t.Errorf("the refresh token made: %v", err)
	}
	for _, c := range []struct {
		h          http.Handler
		body, want string
	}{
		{v.TokenObtainPair(), `{"username": "bob", "password": "secret"}`, `401 {"detail":"No active account found with the given credentials"}`},
		{v.TokenObtainPair(), `{"username": ""}`, `400 {"username":["This field may not be blank."],"password":["This field is required."]}`},
		{v.TokenRefresh(), `{"refresh": "x"}`, `401 {"detail":"Token is invalid","code":"token_not_valid"}`},
		{v.TokenVerify(), `{"token": "` + refresh + `"}`, `200 {}`},
		{v.TokenRefreshSliding(), `{"token": "` + refresh + `"}`, `401 {"detail":"Token has wrong type","code":"token_not_valid"}`},
	} {
		code, body := post(c.h, c.body)
		if got := strconv.Itoa(code) + " " + body; got != c.want {
			t.Errorf("%s: %s; want %s", c.body, got, c.want)
		}
	}
	code, body = post(v.TokenRefresh(), `{"refresh": "`+refresh+`"}`)
	if code != 200 || !strings.HasPrefix(body, `{"access":"`) || strings.Contains(body, `"refresh"`) {
		t.Errorf("refresh: %d %s", code, body)
	}
}

// str is the text of a str value.
func str(v serializer.Value) string {
	s, _ := v.AsStr()
	return s
}

// TestSigningKeysRefused checks the keys PyJWT refuses as HMAC secrets (PEM blocks, SSH
// public keys, JWKs) and some it takes (each checked with PyJWT 2.15's prepare_key).
func TestSigningKeysRefused(t *testing.T) {
	for key, refused := range map[string]bool{
		"-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----":                        true,
		"x ----BEGIN RSA PUBLIC KEY---- y ----END RSA PUBLIC KEY---- z":                       false,
		"x ---- BEGIN RSA PUBLIC KEY ---- y ---- END RSA PUBLIC KEY ---- z":                   true,
		"-----END PRIVATE KEY-----\n-----BEGIN PRIVATE KEY-----":                              false,
		"-----BEGIN PRIVATE KEY-----\n-----END PUBLIC KEY-----":                               false,
		"ssh-rsa AAAAB3NzaC1yc2E":                                                             true,
		"ecdsa-sha2-nistp256 AAAA":                                                            true,
		" ssh-rsa AAAA":                                                                       false,
		`{"kty": "oct", "k": "c2VjcmV0"}`:                                                     true,
		`[{"keys": [{"kty": "oct"}]}]`:                                                        true,
		`{"k": "c2VjcmV0"}`:                                                                   false,
		"django-insecure-)a(b*c&d^e%f$g#h@i!j~k":                                              false,
		"-----BEGIN CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----": true,
	} {
		s := Defaults(key)
		_, err := s.New(Access)
		if got := errors.Is(err, ErrSettings); got != refused {
			t.Errorf("%q: refused %v (%v), want %v", key, got, err, refused)
		}
	}
}

// TestSetJWTCookies checks the Set-Cookie headers of dj-rest-auth's set_jwt_cookies and
// unset_jwt_cookies (as TestLiveSimpleJWT saw Django write them), on a fixed clock.
func TestSetJWTCookies(t *testing.T) {
	s := Defaults("k")
	s.Now = func() time.Time { return time.Unix(1800000000, 500000000) }
	s.AccessTokenLifetime = 90*time.Second + 250*time.Millisecond
	c := CookieDefaults("app-auth", "app-refresh")
	rec := httptest.NewRecorder()
	if err := c.SetJWTCookies(rec, s, "a.b.c", ""); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"app-auth=a.b.c; expires=Fri, 15 Jan 2027 08:01:31 GMT; HttpOnly; Max-Age=91; Path=/; SameSite=Lax",
		`app-refresh=""; expires=Sat, 16 Jan 2027 08:00:00 GMT; HttpOnly; Max-Age=86400; Path=/; SameSite=Lax`,
	}
	if diff := cmp.Diff(want, rec.Header().Values("Set-Cookie")); diff != "" {
		t.Errorf("set (-want +got):\n%s", diff)
	}
	c.SameSite, c.RefreshCookiePath = "None", "/api/token/"
	rec = httptest.NewRecorder()
	c.UnsetJWTCookies(rec)
	want = []string{
		`app-auth=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=None; Secure`,
		`app-refresh=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/api/token/; SameSite=None; Secure`,
	}
	if diff := cmp.Diff(want, rec.Header().Values("Set-Cookie")); diff != "" {
		t.Errorf("unset (-want +got):\n%s", diff)
	}
}

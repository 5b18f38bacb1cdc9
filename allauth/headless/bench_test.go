package headless_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/djsession/djsession/allauth/headless"
	"github.com/djsession/djsession/caches/filecache"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/django/auth/hashers"
	"github.com/djsession/djsession/restframework"
	"github.com/djsession/djsession/serializer"
)

// BenchmarkHeadless times allauth's app-client paths on the SQLite database Django made
// for fixtures/example (bob logged in to a session of its django_session table), with
// HS256 tokens: "jwt" (a GET with bob's access token to an APIView with
// JWTTokenAuthentication and IsAuthenticated answering his username: the token read, his
// row read), "session" (the same with his X-Session-Token: the session row read and
// decoded, his row read, his session hash checked) and "refresh" (the refresh endpoint
// without rotation: the token read, the session loaded, its user checked, a new access
// token made, the session saved) and "login" (the login endpoint: loginBench).
// scripts/bench_allauth.py runs allauth on the same
// requests next to it.
func BenchmarkHeadless(b *testing.B) {
	s := jwtSettings()
	s.SecretKey = "benchmark-secret-key"
	s.JWTRotateRefreshToken = false
	st := newSite(b, s)
	sess := st.login(b, "2")
	u, _ := st.cfg.Users.User(b.Context(), "2")
	tokens, err := st.h.AccessTokenPayload(u, sess)
	if err != nil {
		b.Fatal(err)
	}
	if err := sess.Save(b.Context()); err != nil {
		b.Fatal(err)
	}
	at, _ := tokens.Get("access_token")
	rt, _ := tokens.Get("refresh_token")
	access, _ := at.AsStr()
	refresh, _ := rt.AsStr()
	view := func(a restframework.Authenticator) http.Handler {
		return &restframework.APIView{
			Authentication: []restframework.Authenticator{a},
			Permissions:    []restframework.Permission{restframework.IsAuthenticated{}},
			Methods:        []string{"GET"},
			Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				restframework.Response(w, r, 200, serializer.Str(restframework.FromContext(r.Context()).User.Username))
			}),
		}
	}
	for _, c := range []struct {
		name, method, header, value, body string
		h                                 http.Handler
	}{
		{"jwt", "GET", "Authorization", "Bearer " + access, "", view(&headless.JWTTokenAuthentication{Headless: st.h})},
		{"session", "GET", "X-Session-Token", sess.Key(), "", view(&headless.XSessionTokenAuthentication{Headless: st.h})},
		{"refresh", "POST", "Content-Type", "application/json", `{"refresh_token": "` + refresh + `"}`, st.h.RefreshTokenView()},
		{"login", "POST", "Content-Type", "application/json", `{"username": "alice", "password": "bench-pw"}`, nil},
	} {
		b.Run(c.name, func(b *testing.B) {
			if c.h == nil {
				c.h = loginBench(b, st)
			}
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest(c.method, "http://example.com/api/", strings.NewReader(c.body))
				r.Header.Set(c.header, c.value)
				w := httptest.NewRecorder()
				c.h.ServeHTTP(w, r)
				if w.Code != 200 {
					b.Fatalf("%d %s", w.Code, w.Body)
				}
			}
		})
	}
}

// loginBench is the app client's LoginView for BenchmarkHeadless: alice's password under an
// MD5 hash (so that the hasher does not hide the rest), the login_failed rate limit
// counted and taken back in a FileBasedCache, "login" not limited, last_login updated.
func loginBench(b *testing.B, st *site) http.Handler {
	md5, err := hashers.FromSettings("5.2", []string{"django.contrib.auth.hashers.MD5PasswordHasher"})
	if err != nil {
		b.Fatal(err)
	}
	h, _ := md5.Get("md5")
	enc, err := h.Encode("bench-pw", "benchsalt")
	if err != nil {
		b.Fatal(err)
	}
	ctx := b.Context()
	if err := st.cfg.Users.(*auth.SQLUserSource).SetPassword(ctx, "1", enc); err != nil {
		b.Fatal(err)
	}
	c, err := filecache.New(filecache.Options{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	users := st.cfg.Users.(*auth.SQLUserSource)
	if _, err := users.DB().ExecContext(ctx, `CREATE TABLE "account_emailaddress" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
		"verified" bool NOT NULL, "primary" bool NOT NULL, "user_id" integer NOT NULL, "email" varchar(254) NOT NULL)`); err != nil {
		b.Fatal(err) // (allauth's table, as Django's migration makes it: the login reads it)
	}
	st.h.Emails = headless.NewSQLEmailAddresses(users, "")
	st.h.Cache, st.cfg.Hashers, st.cfg.SkipLastLogin = c, md5, false
	st.h.Settings.RateLimits["login"] = ""
	st.cfg.AuthenticationBackends = []string{auth.ModelBackend, "allauth.account.auth_backends.AuthenticationBackend"}
	return st.h.LoginView(nil)
}

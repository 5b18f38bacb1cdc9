package headless_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/djsession/djsession/allauth/headless"
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
// token made, the session saved). scripts/bench_allauth.py runs allauth on the same
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
	} {
		b.Run(c.name, func(b *testing.B) {
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

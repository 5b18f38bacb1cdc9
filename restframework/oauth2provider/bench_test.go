package oauth2provider_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/djsession/djsession/restframework/oauth2provider"
)

// BenchmarkOAuth2 runs the toolkit's hot path with the users of a copy of the SQLite
// database Django made for fixtures/example: "authenticate" (a GET with a token of bob's
// through an APIView with OAuth2Authentication and TokenHasScope ["read"], answering his
// username: the token's row read by its SHA-256, his row read), and "protected" (the same
// request to a plain handler behind ProtectedResource, the protected_resource(scopes=
// ["read"]) decorator, answering his username as JSON). scripts/bench_oauth2.py runs
// django-oauth-toolkit on the same work next to it.
func BenchmarkOAuth2(b *testing.B) {
	s := newSite(b, "")
	s.addToken(b, "bench-token-0123456789abcdefgh", "2", time.Now().Add(time.Hour), "read write", "[]")
	h := s.view(&oauth2provider.TokenHasScope{Settings: s.settings, RequiredScopes: []string{"read"}})
	protected := &oauth2provider.ProtectedResource{Authentication: s.auth, Scopes: []string{"read"},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			u, _ := oauth2provider.ResourceOwner(r.Context())
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"username": %q}`, u.Username)
		})}
	for _, c := range []struct {
		name string
		h    http.Handler
	}{{"authenticate", h}, {"protected", protected}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest("GET", "http://example.com/api/me/", nil)
				r.Header.Set("Authorization", "Bearer bench-token-0123456789abcdefgh")
				w := httptest.NewRecorder()
				c.h.ServeHTTP(w, r)
				if w.Code != 200 {
					b.Fatal(w.Code, w.Body)
				}
			}
		})
	}
}

package oauth2provider_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/djsession/djsession/restframework/oauth2provider"
)

// BenchmarkOAuth2 runs the toolkit's hot path with the users of a copy of the SQLite
// database Django made for fixtures/example: "authenticate" (a GET with a token of bob's
// through an APIView with OAuth2Authentication and TokenHasScope ["read"], answering his
// username: the token's row read by its SHA-256, his row read). scripts/bench_oauth2.py
// runs django-oauth-toolkit on the same work next to it.
func BenchmarkOAuth2(b *testing.B) {
	s := newSite(b, "")
	s.addToken(b, "bench-token-0123456789abcdefgh", "2", time.Now().Add(time.Hour), "read write", "[]")
	h := s.view(&oauth2provider.TokenHasScope{Settings: s.settings, RequiredScopes: []string{"read"}})
	b.Run("authenticate", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r := httptest.NewRequest("GET", "http://example.com/api/me/", nil)
			r.Header.Set("Authorization", "Bearer bench-token-0123456789abcdefgh")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != 200 {
				b.Fatal(w.Code, w.Body)
			}
		}
	})
}

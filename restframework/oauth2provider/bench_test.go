package oauth2provider_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/restframework/oauth2provider"
)

// BenchmarkOAuth2 runs the toolkit's hot path with the users of a copy of the SQLite
// database Django made for fixtures/example: "authenticate" (a GET with a token of bob's
// through an APIView with OAuth2Authentication and TokenHasScope ["read"], answering his
// username: the token's row read by its SHA-256, his row read), and "protected" (the same
// request to a plain handler behind ProtectedResource, the protected_resource(scopes=
// ["read"]) decorator, answering his username as JSON), "introspect" (IntrospectTokenView
// asked about that token by a client with Basic credentials, its secret stored as it is)
// and "token" (TokenView's client-credentials grant for that client: a token made and
// stored). scripts/bench_oauth2.py runs django-oauth-toolkit on the same work next to it.
func BenchmarkOAuth2(b *testing.B) {
	es := newEndpointSite(b)
	s := es.testSite
	s.addToken(b, "bench-token-0123456789abcdefgh", "2", time.Now().Add(time.Hour), "read write", "[]")
	if _, err := s.db.Exec(`INSERT INTO "oauth2_provider_application" VALUES (3, 'bench-client', 'confidential',
		'client-credentials', 'bench-secret', 'b', '')`); err != nil {
		b.Fatal(err)
	}
	basic := basicAuth("bench-client", "bench-secret")
	h := s.view(&oauth2provider.TokenHasScope{Settings: s.settings, RequiredScopes: []string{"read"}})
	protected := &oauth2provider.ProtectedResource{Authentication: s.auth, Scopes: []string{"read"},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			u, _ := oauth2provider.ResourceOwner(r.Context())
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"username": %q}`, u.Username)
		})}
	for _, c := range []struct {
		name, method, target, auth, body string
		h                                http.Handler
	}{
		{"authenticate", "GET", "/api/me/", "Bearer bench-token-0123456789abcdefgh", "", h},
		{"protected", "GET", "/api/me/", "Bearer bench-token-0123456789abcdefgh", "", protected},
		{"introspect", "GET", "/o/introspect/?token=bench-token-0123456789abcdefgh", basic, "", es.introspect},
		{"token", "POST", "/o/token/", basic, "grant_type=client_credentials", es.token},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest(c.method, "http://example.com"+c.target, strings.NewReader(c.body))
				r.Header.Set("Authorization", c.auth)
				if c.body != "" {
					r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				}
				w := httptest.NewRecorder()
				c.h.ServeHTTP(w, r)
				if w.Code != 200 {
					b.Fatal(w.Code, w.Body)
				}
			}
		})
	}
}

package oauth2provider_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/djsession/djsession/restframework"
)

// TestIntrospectionRequests: the introspection request as Python's requests makes it
// (the Authorization header in latin-1, the URL's credentials over it, dropped on a
// redirect to another port, no Referer, at most 30 redirects), the caching time's range,
// and the answers kept.
func TestIntrospectionRequests(t *testing.T) {
	var mu sync.Mutex
	var seen []string // (the Authorization and Referer headers each server got)
	answer := func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization")+"|"+r.Header.Get("Referer"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"active": true, "scope": "read", "username": "bob"}`)
	}
	other := httptest.NewServer(http.HandlerFunc(answer))
	defer other.Close()
	as := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away/":
			http.Redirect(w, r, other.URL+"/", http.StatusTemporaryRedirect)
		case "/here/":
			http.Redirect(w, r, "/o/", http.StatusTemporaryRedirect)
		case "/loop/":
			http.Redirect(w, r, "/loop/", http.StatusTemporaryRedirect)
		default:
			answer(w, r)
		}
	}))
	defer as.Close()
	who := func(s *testSite) http.Handler { return s.view(restframework.IsAuthenticated{}) }
	for _, c := range []struct {
		url, token string
		caching    float64
		status     int
		seen       string
	}{
		{as.URL + "/o/", "secret", 600, 200, "Bearer secret|"},
		{as.URL + "/here/", "secret", 600, 200, "Bearer secret|"},
		{as.URL + "/away/", "secret", 600, 200, "|"},
		{strings.Replace(as.URL, "://", "://us%65r:pw@", 1) + "/o/", "secret", 600, 200, "Basic dXNlcjpwdw==|"},
		{as.URL + "/o/", "t\u00f8ken", 600, 200, "Bearer t\xf8ken|"},
		{as.URL + "/o/", "t\u20acken", 600, 500, ""},
		{as.URL + "/loop/", "secret", 600, 401, ""},
		{as.URL + "/o/", "secret", 1e10, 200, "Bearer secret|"},
		{as.URL + "/o/", "secret", -1e11, 500, "Bearer secret|"}, // (asked, then OverflowError)
	} {
		s := newSite(t, "")
		s.settings.IntrospectionURL, s.settings.IntrospectionToken, s.settings.TokenCachingSeconds = c.url, c.token, c.caching
		seen = nil
		w := s.send(who(s), request{target: "/", authorization: "Bearer remote"})
		mu.Lock()
		got := ""
		if len(seen) > 0 && c.url != as.URL+"/loop/" {
			got = seen[len(seen)-1]
		}
		mu.Unlock()
		if w.Code != c.status || got != c.seen {
			t.Errorf("%s %q %v: %d %s, the server saw %q", c.url, c.token, c.caching, w.Code, w.Body, got)
		}
	}
}

package oauth2provider_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/restframework"
)

// FuzzAuthenticate sends OAuth2Authentication requests with any Authorization header,
// query string and form body (seeded with a good token in each place and broken ones)
// over a table holding tokens, one restricted to resources: it never panics, and answers
// 200 only when the good token is in the request, 400 for a malformed query string (or
// body), else 401.
func FuzzAuthenticate(f *testing.F) {
	s := newSite(f, "")
	s.addToken(f, "good-token", "2", time.Now().Add(time.Hour), "read", `["http://example.com/api/"]`)
	who := s.view(restframework.IsAuthenticated{}, "GET", "POST")
	for _, seed := range [][3]string{
		{"Bearer good-token", "", ""}, {"", "access_token=good-token", ""}, {"", "", "access_token=good-token"},
		{"bearer\xa0good-token", "x=%zz", ""}, {"Bearer", "access_token=", "access_token"}, {"Bearer good-token x", "%", "%zz"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	f.Fuzz(func(t *testing.T, header, query, body string) {
		r := httptest.NewRequest("POST", "http://example.com/api/me/", strings.NewReader(body))
		r.URL.RawQuery = query
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header["Authorization"] = []string{header}
		w := httptest.NewRecorder()
		who.ServeHTTP(w, r)
		switch {
		case w.Code == 200 && strings.Contains(header+query+body, "good"), w.Code == 401, w.Code == 400:
		default:
			t.Fatalf("%q %q %q: %d %s", header, query, body, w.Code, w.Body)
		}
	})
}

package knox_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzAuthenticate sends knox's TokenAuthentication Authorization headers of any bytes
// (seeded with a good token and broken ones) over a table holding tokens: it never
// panics, and answers 200 for the good token alone, else a 401 (or, for a token that is
// not UTF-8, the server error knox's decode raises).
func FuzzAuthenticate(f *testing.F) {
	_, views, me := site(f)
	_, good, err := views.Settings.Create(f.Context(), views.Tokens, "2")
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{"Token " + good, "Token " + good[:15], "Token", "token  " + good + " x", "Token \xff", "Basic x", ""} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header["Authorization"] = []string{header}
		w := httptest.NewRecorder()
		me.ServeHTTP(w, r)
		switch {
		case w.Code == 200 && strings.Contains(header, good), w.Code == 401,
			w.Code == 500 && !utf8.ValidString(header):
		default:
			t.Fatalf("%q: %d %s", header, w.Code, w.Body)
		}
	})
}

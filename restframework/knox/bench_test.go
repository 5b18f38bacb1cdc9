package knox_test

import (
	"net/http/httptest"
	"testing"
)

// BenchmarkKnox runs knox's hot path with the users of a copy of the SQLite database
// Django made for fixtures/example: "authenticate" (a GET with bob's token through an
// APIView with knox's TokenAuthentication and IsAuthenticated, answering his username:
// the token's row, his other tokens and his row read, the token hashed).
// scripts/bench_knox.py runs knox on the same work next to it.
func BenchmarkKnox(b *testing.B) {
	_, views, me := site(b)
	_, token, err := views.Settings.Create(b.Context(), views.Tokens, "2")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("authenticate", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r := httptest.NewRequest("GET", "http://example.com/api/me/", nil)
			r.Header.Set("Authorization", "Token "+token)
			w := httptest.NewRecorder()
			me.ServeHTTP(w, r)
			if w.Code != 200 {
				b.Fatal(w.Code, w.Body)
			}
		}
	})
}

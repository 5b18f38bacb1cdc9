package messages

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/djsession/djsession/django"
)

// BenchmarkMessages times one request through the messages middleware (FallbackStorage)
// to a handler: "show" reads a cookie holding two messages and shows them (the cookie is
// then deleted), "add" adds one message (the cookie is set). scripts/bench_messages.py
// runs the same requests through Django's MessageMiddleware and prints the ratios.
func BenchmarkMessages(b *testing.B) {
	s := testSettings(b, FallbackStorage)
	s.SecretKey = "abcdefghijklmnopqrstuvwxyzABCDEF"
	mw, err := NewMiddleware(s)
	if err != nil {
		b.Fatal(err)
	}
	sessions, err := django.NewMiddleware(s)
	if err != nil {
		b.Fatal(err)
	}
	cookie, err := EncodeCookie(&s, []Message{{Level: SUCCESS, Message: "Profile saved."},
		{Level: WARNING, Message: "Your password expires in 3 days.", ExtraTags: "password"}})
	if err != nil {
		b.Fatal(err)
	}
	show := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, m := range GetMessages(r) {
			io.WriteString(w, m.Tags())
			io.WriteString(w, m.Message)
		}
	}))
	add := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Success(r, "Profile saved.")
		io.WriteString(w, "ok")
	}))
	for _, c := range []struct {
		name   string
		h      http.Handler
		cookie string
	}{{"show", show, "sessionid=x; messages=" + cookie}, {"add", add, ""}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req, _ := http.NewRequest("GET", "http://example.com/", nil)
				if c.cookie != "" {
					req.Header.Set("Cookie", c.cookie)
				}
				sess := sessions.NewSession(context.Background(), "")
				req = req.WithContext(django.NewContext(req.Context(), sess))
				rec := httptest.NewRecorder()
				c.h.ServeHTTP(rec, req)
				if len(rec.Header()["Set-Cookie"]) != 1 {
					b.Fatal(rec.Header())
				}
			}
		})
	}
}

package django

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/engines/db"
	"github.com/djsession/djsession/engines/db/sqlite"
	"github.com/djsession/djsession/serializer"
)

// benchWriter is a ResponseWriter that discards everything, so the benchmarks measure the
// middleware rather than a recorder.
type benchWriter struct{ h http.Header }

func (w *benchWriter) Header() http.Header         { return w.h }
func (w *benchWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *benchWriter) WriteHeader(int)             {}

// benchServe runs h b.N times on a request carrying cookie (if any).
func benchServe(b *testing.B, h http.Handler, cookie string) {
	req, _ := http.NewRequest("GET", "http://example.com/", nil)
	if cookie != "" {
		req.Header.Set("Cookie", "csrftoken=abcdefghijklmnop; sessionid="+cookie)
	}
	w := &benchWriter{h: http.Header{}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, req)
	}
}

var okBody = []byte("ok")

func handlerOf(fn func(s *Session)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fn != nil {
			fn(FromContext(r.Context()))
		}
		w.Write(okBody)
	})
}

func readSession(s *Session)  { s.Get("_auth_user_id") }
func writeSession(s *Session) { s.Set("counter", serializer.Int(1)) }

// benchStore returns a stored session key with typical auth data.
func benchStore(b *testing.B, st engines.Store) string {
	d := serializer.NewDict()
	d.Set("_auth_user_id", serializer.Str("42"))
	d.Set("_auth_user_backend", serializer.Str(DefaultAuthBackend))
	d.Set("_auth_user_hash", serializer.Str("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"))
	key, err := engines.Create(context.Background(), st, d)
	if err != nil {
		b.Fatal(err)
	}
	return key
}

// BenchmarkBareHandler is the handler without the middleware: the baseline.
func BenchmarkBareHandler(b *testing.B) {
	benchServe(b, handlerOf(nil), "")
}

// BenchmarkMiddlewareNoStore: the middleware around a handler that does not touch the
// session, with a session cookie in the request (no store access happens).
func BenchmarkMiddlewareNoStore(b *testing.B) {
	s, _ := fileSettings(b)
	mw, _ := NewMiddleware(s)
	h := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		FromContext(r.Context())
		w.Write(okBody)
	}))
	benchServe(b, h, "existingsessionkey00000000000001")
}

func BenchmarkFile(b *testing.B) {
	s, st := fileSettings(b)
	mw, _ := NewMiddleware(s)
	key := benchStore(b, st)
	ctx := context.Background()
	b.Run("bare-load", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			st.Load(ctx, key)
		}
	})
	b.Run("read", func(b *testing.B) { benchServe(b, mw.Handler(handlerOf(readSession)), key) })
	b.Run("bare-load-save", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			d, _, _ := st.Load(ctx, key)
			d.Set("counter", serializer.Int(1))
			st.Save(ctx, key, d, false)
		}
	})
	b.Run("write", func(b *testing.B) { benchServe(b, mw.Handler(handlerOf(writeSession)), key) })
}

func BenchmarkSQLite(b *testing.B) {
	ctx := context.Background()
	s := testSettings(b)
	conn, err := sqlite.Open(filepath.Join(b.TempDir(), "db.sqlite3"))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	opts, _ := s.EngineOptions()
	st, _ := sqlite.New(conn, db.Options{Options: opts})
	if err := st.CreateTable(ctx); err != nil {
		b.Fatal(err)
	}
	s.SessionEngine = st
	mw, _ := NewMiddleware(s)
	key := benchStore(b, st)
	b.Run("bare-load", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			st.Load(ctx, key)
		}
	})
	b.Run("read", func(b *testing.B) { benchServe(b, mw.Handler(handlerOf(readSession)), key) })
	b.Run("bare-load-save", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			d, _, _ := st.Load(ctx, key)
			d.Set("counter", serializer.Int(1))
			st.Save(ctx, key, d, false)
		}
	})
	b.Run("write", func(b *testing.B) { benchServe(b, mw.Handler(handlerOf(writeSession)), key) })
}

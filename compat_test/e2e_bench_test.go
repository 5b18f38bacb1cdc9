package compat_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/django/auth/hashers"
	"github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/engines/db"
	"github.com/djsession/djsession/engines/db/postgres"
	"github.com/djsession/djsession/engines/db/sqlite"
	"github.com/djsession/djsession/engines/file"
	"github.com/djsession/djsession/engines/signedcookies"
	"github.com/djsession/djsession/serializer"
)

// Middleware cost per request for each engine, in one run beside its baselines:
//
//	bare-handler     the handler alone (no middleware)
//	mw-nostore       the middleware, a session cookie, a handler that never touches it
//	<engine>/bare-load       the store's Load alone
//	<engine>/mw-read         middleware + a handler reading one key (one Load)
//	<engine>/mw-getuser      middleware + auth.GetUser (users in memory: no SQL)
//	<engine>/bare-load-save  the store's Load + Save alone
//	<engine>/mw-write        middleware + a handler setting one key (Load + Save + cookie)
//
// The middleware's overhead is mw-read - bare-load and mw-write - bare-load-save.
// Run: go test -run '^$' -bench BenchmarkE2EMiddleware ./compat_test/
// (PostgreSQL from DJSESSION_PG_DSN; skipped without it).

type benchEngine struct {
	name  string
	store func(b *testing.B, s *django.Settings) engines.Store
}

// Adding an engine is one line here.
var benchEngines = []benchEngine{
	{"db-sqlite", benchSQLite},
	{"db-postgres", benchPostgres},
	{"file", func(b *testing.B, s *django.Settings) engines.Store {
		st, err := file.New(file.Config{Path: b.TempDir()}, e2eEngineOptions(b, s))
		if err != nil {
			b.Fatal(err)
		}
		return st
	}},
	{"signed_cookies", func(b *testing.B, s *django.Settings) engines.Store {
		st, err := signedcookies.New(signedcookies.Config{SecretKey: s.SecretKey}, e2eEngineOptions(b, s))
		if err != nil {
			b.Fatal(err)
		}
		return st
	}},
}

func benchSQLite(b *testing.B, s *django.Settings) engines.Store {
	sdb, err := sqlite.Open(filepath.Join(b.TempDir(), "db.sqlite3"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { sdb.Close() })
	st, err := sqlite.New(sdb, db.Options{Options: e2eEngineOptions(b, s)})
	if err != nil {
		b.Fatal(err)
	}
	if err := st.CreateTable(context.Background()); err != nil {
		b.Fatal(err)
	}
	return st
}

func benchPostgres(b *testing.B, s *django.Settings) engines.Store {
	dsn := os.Getenv("DJSESSION_PG_DSN")
	if dsn == "" {
		skipOrFailTB(b, "DJSESSION_PG_DSN is not set: run eval \"$(scripts/services start postgres)\"")
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	table := "django_session_bench_" + hexID()
	st, err := postgres.New(pool, postgres.Options{Options: db.Options{Options: e2eEngineOptions(b, s), Table: table}})
	if err != nil {
		b.Fatal(err)
	}
	if err := st.CreateTable(ctx); err != nil {
		skipOrFailTB(b, "PostgreSQL at DJSESSION_PG_DSN unavailable: %v", err)
	}
	b.Cleanup(func() { pool.Exec(context.Background(), "DROP TABLE IF EXISTS "+db.QuoteDouble(table)) })
	return st
}

func hexID() string {
	const digits = "0123456789abcdef"
	k := engines.NewKey()
	out := make([]byte, 8)
	for i := range out {
		out[i] = digits[k[i]%16]
	}
	return string(out)
}

type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

func serveLoop(b *testing.B, h http.Handler, cookie string) {
	req, _ := http.NewRequest("GET", "http://127.0.0.1/", nil)
	if cookie != "" {
		req.Header.Set("Cookie", "csrftoken=abcdefghijklmnopqrstuvwxyz012345; sessionid="+cookie)
	}
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, req)
	}
}

type memUserSource map[string]*auth.User

func (m memUserSource) User(_ context.Context, id string) (*auth.User, error) {
	if u, ok := m[id]; ok {
		return u, nil
	}
	return nil, auth.ErrUserNotFound
}

func BenchmarkE2EMiddleware(b *testing.B) {
	ctx := context.Background()
	body := []byte("ok")
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) })
	pw, _ := hashers.PBKDF2{Iterations: 1000}.Encode("pw", "benchsaltbenchsalt")
	user := &auth.User{ID: "42", PasswordHash: pw, IsActive: true, Username: "alice"}
	newSettings := func() django.Settings {
		s := django.NewSettings()
		s.SecretKey = "djsession-bench-key-0123456789abcdefghijklmnopqrstuvwxyz"
		s.TimeZone = "UTC"
		return s
	}
	cfg := &auth.Config{SecretKey: newSettings().SecretKey, Users: memUserSource{"42": user}}
	hash, _ := cfg.SessionAuthHash(user)
	authData := func() *serializer.Dict {
		d := serializer.NewDict()
		d.Set(auth.SessionKey, serializer.Str("42"))
		d.Set(auth.BackendSessionKey, serializer.Str(auth.ModelBackend))
		d.Set(auth.HashSessionKey, serializer.Str(hash))
		return d
	}

	b.Run("bare-handler", func(b *testing.B) { serveLoop(b, bare, "") })
	b.Run("mw-nostore", func(b *testing.B) {
		s := newSettings()
		s.SessionEngine = benchEngines[len(benchEngines)-1].store(b, &s)
		mw, err := django.NewMiddleware(s)
		if err != nil {
			b.Fatal(err)
		}
		serveLoop(b, mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			django.FromContext(r.Context())
			w.Write(body)
		})), "existingsessionkey00000000000001")
	})
	for _, eng := range benchEngines {
		b.Run(eng.name, func(b *testing.B) {
			s := newSettings()
			st := eng.store(b, &s)
			s.SessionEngine = st
			mw, err := django.NewMiddleware(s)
			if err != nil {
				b.Fatal(err)
			}
			saveKey := func(key string, d *serializer.Dict) string {
				if ks, ok := st.(signedcookies.KeySaver); ok {
					k, err := ks.SaveKey(ctx, d)
					if err != nil {
						b.Fatal(err)
					}
					return k
				}
				if err := st.Save(ctx, key, d, false); err != nil {
					b.Fatal(err)
				}
				return key
			}
			var key string
			if ks, ok := st.(signedcookies.KeySaver); ok {
				key, err = ks.SaveKey(ctx, authData())
			} else {
				key, err = engines.Create(ctx, st, authData())
			}
			if err != nil {
				b.Fatal(err)
			}
			b.Run("bare-load", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, ok, err := st.Load(ctx, key); !ok || err != nil {
						b.Fatal("load", ok, err)
					}
				}
			})
			b.Run("mw-read", func(b *testing.B) {
				serveLoop(b, mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					django.FromContext(r.Context()).Get(auth.SessionKey)
					w.Write(body)
				})), key)
			})
			b.Run("mw-getuser", func(b *testing.B) {
				serveLoop(b, mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if u, err := auth.GetUser(r.Context(), django.FromContext(r.Context()), cfg); u == nil || err != nil {
						b.Fatal("GetUser", u, err)
					}
					w.Write(body)
				})), key)
			})
			b.Run("bare-load-save", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					d, _, err := st.Load(ctx, key)
					if err != nil {
						b.Fatal(err)
					}
					d.Set("counter", serializer.Int(1))
					saveKey(key, d)
				}
			})
			b.Run("mw-write", func(b *testing.B) {
				serveLoop(b, mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					django.FromContext(r.Context()).Set("counter", serializer.Int(1))
					w.Write(body)
				})), key)
			})
		})
	}
}

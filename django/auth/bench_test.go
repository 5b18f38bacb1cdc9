package auth_test

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/engines/signedcookies"
)

// BenchmarkPermissions reads a user of the example database Django made (bob, in a group
// with two permissions) and its permissions, as a request that checks them does:
// "load" (the user, then Permissions) and "has_perm" (the user, then HasPerm).
// scripts/bench_perms.py runs Django's user.get_all_permissions() and user.has_perm on
// the same database next to it.
func BenchmarkPermissions(b *testing.B) {
	ctx := context.Background()
	src, cfg := exampleUsers(b)
	b.Run("load", func(b *testing.B) {
		for b.Loop() {
			u, err := src.User(ctx, "2")
			if err != nil {
				b.Fatal(err)
			}
			p, err := auth.Permissions(ctx, u, cfg)
			if err != nil || len(p.All()) != 2 {
				b.Fatal(err, p)
			}
		}
	})
	b.Run("has_perm", func(b *testing.B) {
		for b.Loop() {
			u, err := src.User(ctx, "2")
			if err != nil {
				b.Fatal(err)
			}
			if ok, err := auth.HasPerm(ctx, u, "auth.view_user", cfg); !ok || err != nil {
				b.Fatal(ok, err)
			}
		}
	})
}

// BenchmarkLoginRequiredMiddleware sends requests, each built anew, through the session
// middleware (signed cookies) and LoginRequiredMiddleware to a ServeMux, with the users of
// the example database Django made: "anonymous" (a closed page: the redirect to log in),
// "open" (a page marked LoginNotRequired) and "user" (bob's session: his row read, his
// session hash checked, the page served). scripts/bench_login_required.py runs Django's
// SessionMiddleware, AuthenticationMiddleware and LoginRequiredMiddleware on the same
// requests next to it.
func BenchmarkLoginRequiredMiddleware(b *testing.B) {
	src, _ := exampleUsers(b)
	s := django.NewSettings()
	s.SecretKey, s.AllowedHosts = "benchmark-secret-key", []string{"example.com"}
	opts, _ := s.EngineOptions()
	store, err := signedcookies.New(signedcookies.Config{SecretKey: s.SecretKey}, opts)
	if err != nil {
		b.Fatal(err)
	}
	s.SessionEngine = store
	cfg := &auth.Config{SecretKey: s.SecretKey, Users: src, SkipLastLogin: true}
	mw, err := django.NewMiddleware(s)
	if err != nil {
		b.Fatal(err)
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	mux := http.NewServeMux()
	mux.Handle("/reports/", ok)
	mux.Handle("/about/", auth.LoginNotRequired(ok))
	mux.Handle("/as/{id}", auth.LoginNotRequired(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := src.User(r.Context(), r.PathValue("id"))
		if err == nil {
			err = auth.Login(r.Context(), django.FromContext(r.Context()), u, "", cfg)
		}
		if err != nil {
			b.Fatal(err)
		}
	})))
	h := mw.Handler(auth.LoginRequiredMiddleware(&s, cfg, mux))
	c := get(h, "/as/2", "").Result().Cookies()
	if len(c) != 1 {
		b.Fatal("no session cookie")
	}
	bob := c[0].Name + "=" + c[0].Value
	for _, bc := range []struct {
		name, target, cookie string
		code                 int
	}{
		{"anonymous", "/reports/?year=2026", "", http.StatusFound},
		{"open", "/about/", "", http.StatusOK},
		{"user", "/reports/?year=2026", bob, http.StatusOK},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if rec := get(h, bc.target, bc.cookie); rec.Code != bc.code {
					b.Fatal(rec.Code)
				}
			}
		})
	}
}

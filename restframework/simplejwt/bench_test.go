package simplejwt_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/internal/exampledb"
	"github.com/djsession/djsession/restframework"
	"github.com/djsession/djsession/restframework/simplejwt"
	"github.com/djsession/djsession/serializer"
)

// BenchmarkSimpleJWT runs simplejwt's hot paths with the users of a copy of the SQLite
// database Django made for fixtures/example: "parse" (an access token read and checked:
// AccessToken(raw)), "mint" (a refresh token for bob and its access token, written:
// RefreshToken.for_user and access_token), "authenticate" (a GET with bob's access token
// through an APIView with JWTAuthentication and IsAuthenticated, answering {"user": pk}:
// his row read) and "refresh" (a POST to TokenRefreshView). scripts/bench_simplejwt.py
// runs simplejwt on the same work next to it.
func BenchmarkSimpleJWT(b *testing.B) {
	_, users := exampledb.Open(b)
	cfg := &auth.Config{SecretKey: "benchmark-secret-key", Users: users}
	s := simplejwt.Defaults(cfg.SecretKey)
	bob, err := users.User(b.Context(), "2")
	if err != nil {
		b.Fatal(err)
	}
	refresh, err := s.ForUser(simplejwt.Refresh, bob)
	if err != nil {
		b.Fatal(err)
	}
	access, err := refresh.AccessToken()
	if err != nil {
		b.Fatal(err)
	}
	view := &restframework.APIView{
		Authentication: []restframework.Authenticator{&simplejwt.JWTAuthentication{Settings: s, Config: cfg}},
		Permissions:    []restframework.Permission{restframework.IsAuthenticated{}},
		Methods:        []string{"GET"},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			d := serializer.NewDict()
			d.Set("user", serializer.Str(restframework.FromContext(r.Context()).User.ID))
			restframework.Response(w, r, http.StatusOK, serializer.DictValue(d))
		}),
	}
	views := &simplejwt.Views{Settings: s, Config: cfg}
	refreshView := views.TokenRefresh()
	body := `{"refresh": "` + refresh.String() + `"}`
	raw := access.String()
	b.Run("parse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Parse(simplejwt.Access, raw); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("mint", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r, err := s.ForUser(simplejwt.Refresh, bob)
			if err != nil {
				b.Fatal(err)
			}
			a, err := r.AccessToken()
			if err != nil || r.String() == "" || a.String() == "" {
				b.Fatal(err)
			}
		}
	})
	b.Run("authenticate", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r := httptest.NewRequest("GET", "http://example.com/api/me/", nil)
			r.Header.Set("Authorization", "Bearer "+raw)
			rec := httptest.NewRecorder()
			view.ServeHTTP(rec, r)
			if rec.Code != http.StatusOK {
				b.Fatal(rec.Code, rec.Body)
			}
		}
	})
	b.Run("refresh", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r := httptest.NewRequest("POST", "http://example.com/api/token/refresh/", strings.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			refreshView.ServeHTTP(rec, r)
			if rec.Code != http.StatusOK {
				b.Fatal(rec.Code, rec.Body)
			}
		}
	})
}

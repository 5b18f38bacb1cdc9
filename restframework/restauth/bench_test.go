package restauth_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/internal/exampledb"
	"github.com/djsession/djsession/restframework"
	"github.com/djsession/djsession/restframework/restauth"
	"github.com/djsession/djsession/restframework/simplejwt"
)

// BenchmarkRESTAuth runs dj-rest-auth's views with the users of a copy of the SQLite
// database Django made for fixtures/example, USE_JWT with the cookies "auth" and
// "refresh" and JWTCookieAuthentication: "user" (a GET of UserDetails with bob's access
// token in the Authorization header: his row read) and "refresh" (a POST of {} to
// TokenRefresh with his refresh token in its cookie). scripts/bench_restauth.py runs
// dj-rest-auth on the same work next to it.
func BenchmarkRESTAuth(b *testing.B) {
	_, users := exampledb.Open(b)
	cfg := &auth.Config{SecretKey: "benchmark-secret-key", Users: users}
	s := simplejwt.Defaults(cfg.SecretKey)
	bob, err := users.User(b.Context(), "2")
	if err != nil {
		b.Fatal(err)
	}
	views := benchViews(s, cfg)
	refresh, access, err := views.JWT.ObtainPair(b.Context(), bob)
	if err != nil {
		b.Fatal(err)
	}
	user, refreshView := views.UserDetails(), views.TokenRefresh()
	b.Run("user", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r := httptest.NewRequest("GET", "http://example.com/auth/user/", nil)
			r.Header.Set("Authorization", "Bearer "+access)
			rec := httptest.NewRecorder()
			user.ServeHTTP(rec, r)
			if rec.Code != http.StatusOK {
				b.Fatal(rec.Code, rec.Body)
			}
		}
	})
	b.Run("refresh", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r := httptest.NewRequest("POST", "http://example.com/auth/token/refresh/", strings.NewReader("{}"))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Cookie", "refresh="+refresh)
			rec := httptest.NewRecorder()
			refreshView.ServeHTTP(rec, r)
			if rec.Code != http.StatusOK {
				b.Fatal(rec.Code, rec.Body)
			}
		}
	})
}

// benchViews are the views of a site with USE_JWT, the cookies "auth" and "refresh", and
// JWTCookieAuthentication.
func benchViews(s *simplejwt.Settings, cfg *auth.Config) *restauth.Views {
	settings := restauth.Defaults()
	settings.UseJWT, settings.SessionLogin, settings.NoTokenModel = true, true, true
	settings.Cookies.AuthCookie, settings.Cookies.RefreshCookie = "auth", "refresh"
	jwt := &simplejwt.JWTCookieAuthentication{JWTAuthentication: simplejwt.JWTAuthentication{Settings: s, Config: cfg},
		Cookie: "auth"}
	return &restauth.Views{Settings: settings, Config: cfg, Authentication: []restframework.Authenticator{jwt},
		JWT: &simplejwt.Views{Settings: s, Config: cfg}}
}

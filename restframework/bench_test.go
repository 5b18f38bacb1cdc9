package restframework_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/engines/signedcookies"
	"github.com/djsession/djsession/internal/exampledb"
	"github.com/djsession/djsession/restframework"
	"github.com/djsession/djsession/serializer"
)

// BenchmarkAPIView sends requests, each built anew, through the session middleware
// (signed cookies), AuthenticationMiddleware and an APIView (TokenAuthentication, then
// SessionAuthentication; IsAuthenticated) answering {"user": pk}, with a copy of the
// SQLite database Django made for fixtures/example and DRF's authtoken_token added:
// "token" (bob's token: the token and his row read), "session" (bob's session: his row
// read, his session hash checked) and "anonymous" (DRF's 401). scripts/bench_drf.py runs
// DRF's APIView on the same requests next to it.
func BenchmarkAPIView(b *testing.B) {
	db, users := exampledb.Open(b)
	// (Django's DDL for DRF's Token model on SQLite.)
	if _, err := db.Exec(`CREATE TABLE "authtoken_token" ("key" varchar(40) NOT NULL PRIMARY KEY, "created" datetime NOT NULL, "user_id" integer NOT NULL UNIQUE REFERENCES "auth_user" ("id") DEFERRABLE INITIALLY DEFERRED)`); err != nil {
		b.Fatal(err)
	}
	tokens := restframework.NewSQLTokens(users, "")
	tok, _, err := tokens.GetOrCreate(b.Context(), "2", time.Now())
	if err != nil {
		b.Fatal(err)
	}

	s := django.NewSettings()
	s.SecretKey, s.AllowedHosts = "benchmark-secret-key", []string{"example.com"}
	opts, _ := s.EngineOptions()
	if s.SessionEngine, err = signedcookies.New(signedcookies.Config{SecretKey: s.SecretKey}, opts); err != nil {
		b.Fatal(err)
	}
	cfg := &auth.Config{SecretKey: s.SecretKey, Users: users, SkipLastLogin: true}
	mw, err := django.NewMiddleware(s)
	if err != nil {
		b.Fatal(err)
	}
	csrf, err := django.NewCSRFMiddleware(s)
	if err != nil {
		b.Fatal(err)
	}
	csrf.Exempt = func(*http.Request) bool { return true }
	view := &restframework.APIView{
		Authentication: []restframework.Authenticator{
			&restframework.TokenAuthentication{Tokens: tokens, Config: cfg},
			&restframework.SessionAuthentication{Config: cfg},
		},
		Permissions: []restframework.Permission{restframework.IsAuthenticated{}},
		Methods:     []string{"GET"},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			d := serializer.NewDict()
			d.Set("user", serializer.Str(restframework.FromContext(r.Context()).User.ID))
			restframework.Response(w, r, http.StatusOK, serializer.DictValue(d))
		}),
	}
	mux := http.NewServeMux()
	mux.Handle("/api/me/", view)
	mux.Handle("/as/{id}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := users.User(r.Context(), r.PathValue("id"))
		if err == nil {
			err = auth.Login(r.Context(), django.FromContext(r.Context()), u, "", cfg)
		}
		if err != nil {
			b.Fatal(err)
		}
	}))
	h := mw.Handler(csrf.Handler(auth.AuthenticationMiddleware(cfg, mux)))
	get := func(target string, header map[string]string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "http://example.com"+target, nil)
		for k, v := range header {
			r.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec
	}
	var session string
	for _, c := range get("/as/2", nil).Result().Cookies() {
		if c.Name == s.SessionCookieName {
			session = c.Name + "=" + c.Value
		}
	}
	if session == "" {
		b.Fatal("no session cookie")
	}
	for _, bc := range []struct {
		name   string
		header map[string]string
		code   int
	}{
		{"token", map[string]string{"Authorization": "Token " + tok.Key}, http.StatusOK},
		{"session", map[string]string{"Cookie": session}, http.StatusOK},
		{"anonymous", nil, http.StatusUnauthorized},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if rec := get("/api/me/", bc.header); rec.Code != bc.code {
					b.Fatal(rec.Code, rec.Body)
				}
			}
		})
	}
}

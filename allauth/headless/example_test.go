package headless_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"

	"github.com/djsession/djsession/allauth/headless"
	"github.com/djsession/djsession/caches/filecache"
	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/engines/db"
	"github.com/djsession/djsession/engines/db/sqlite"
	"github.com/djsession/djsession/internal/exampledb"
	"github.com/djsession/djsession/restframework"
	"github.com/djsession/djsession/serializer"
)

var tokenRE = regexp.MustCompile(`"[\w-]+\.[\w-]+\.[\w-]+"`)

// An API endpoint for allauth's app clients: the X-Session-Token of allauth's default
// strategy, or with the JWT strategy an access token, is the user; the app refreshes its
// tokens at the refresh endpoint.
func ExampleHeadless() {
	conn, users, done, err := exampledb.Copy()
	if err != nil {
		panic(err)
	}
	defer done()
	ds := django.NewSettings()
	ds.SecretKey = "the site's SECRET_KEY"
	opts, _ := ds.EngineOptions()
	if ds.SessionEngine, err = sqlite.New(conn, db.Options{Options: opts}); err != nil {
		panic(err)
	}
	sessions, err := django.NewMiddleware(ds)
	if err != nil {
		panic(err)
	}
	cfg := &auth.Config{SecretKey: ds.SecretKey, Users: users}
	settings := headless.Defaults(ds.SecretKey) // HEADLESS_*
	settings.TokenStrategy = headless.JWTTokenStrategy
	settings.JWTAlgorithm = "HS256" // (RS256, allauth's default, takes JWTPrivateKey)
	h := &headless.Headless{Settings: settings, Sessions: sessions, Config: cfg}

	me := &restframework.APIView{
		Authentication: []restframework.Authenticator{
			&headless.XSessionTokenAuthentication{Headless: h},
			&headless.JWTTokenAuthentication{Headless: h},
		},
		Permissions: []restframework.Permission{restframework.IsAuthenticated{}},
		Methods:     []string{"GET"},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			restframework.Response(w, r, http.StatusOK, serializer.Str(restframework.FromContext(r.Context()).User.Username))
		}),
	}
	mux := http.NewServeMux()
	mux.Handle("/api/me/", me)
	mux.Handle("/_allauth/app/v1/tokens/refresh", h.RefreshTokenView())

	// bob logs in to the app (here in Go; allauth's login endpoint does the same).
	ctx := context.Background()
	bob, _ := users.User(ctx, "2")
	s := sessions.NewSession(ctx, "")
	auth.Login(ctx, s, bob, auth.ModelBackend, cfg)
	s.Save(ctx)
	tokens, _ := h.AccessTokenPayload(bob, s) // the meta of allauth's login answer
	s.Save(ctx)
	access, _ := tokens.Get("access_token")
	refresh, _ := tokens.Get("refresh_token")
	at, _ := access.AsStr()
	rt, _ := refresh.AsStr()

	for _, r := range []*http.Request{
		httptest.NewRequest("GET", "/api/me/", nil),
		httptest.NewRequest("POST", "/_allauth/app/v1/tokens/refresh", strings.NewReader(`{"refresh_token": "`+rt+`"}`)),
	} {
		r.Header.Set("Authorization", "Bearer "+at)
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		fmt.Println(w.Code, tokenRE.ReplaceAllString(w.Body.String(), `"..."`))
	}
	r := httptest.NewRequest("GET", "/api/me/", nil)
	r.Header.Set("X-Session-Token", s.Key())
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	fmt.Println(w.Code, w.Body)
	// Output:
	// 200 "bob"
	// 200 {"status": 200, "data": {"access_token": "...", "refresh_token": "..."}}
	// 200 "bob"
}

// An app logs in at allauth's login endpoint served by Go: the answer carries the
// session token to send from now on. The rates (here allauth's defaults) are counted in
// Django's cache, shared with the site (a FileBasedCache here); a login that needs a
// stage allauth runs (a second factor, say) would go to the fallback: the site's Django.
func ExampleHeadless_LoginView() {
	users, sessions, done := exampleSite()
	defer done()
	ds := sessions.Settings()
	dir, err := os.MkdirTemp("", "cache")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	cache, err := filecache.New(filecache.Options{Dir: dir}) // CACHES["default"]
	if err != nil {
		panic(err)
	}
	cfg := &auth.Config{SecretKey: ds.SecretKey, Users: users,
		AuthenticationBackends: []string{auth.ModelBackend, "allauth.account.auth_backends.AuthenticationBackend"}}
	h := &headless.Headless{Settings: headless.Defaults(ds.SecretKey), Sessions: sessions, Config: cfg, Cache: cache}
	toDjango := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { /* a proxy to the site */ })
	login := h.LoginView(toDjango)

	for _, body := range []string{
		`{"username": "bob", "password": "wrong"}`,
		`{"username": "bob", "password": "bob-example-password"}`,
	} {
		r := httptest.NewRequest("POST", "http://api.example.com/_allauth/app/v1/auth/login", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		login.ServeHTTP(w, r)
		fmt.Println(w.Code, newValues.ReplaceAllString(w.Body.String(), `"$1": ...`))
	}
	// Output:
	// 400 {"status": 400, "errors": [{"message": "The username and/or password you specified are not correct.", "code": "username_password_mismatch", "param": "password"}]}
	// 200 {"status": 200, "data": {"user": {"id": 2, "display": "bob", "email": "bob@example.com", "has_usable_password": true, "username": "bob"}, "methods": [{"method": "password", "at": ..., "username": "bob"}]}, "meta": {"is_authenticated": true, "session_token": ...}}
}

// newValues are the values of an answer that are new each time.
var newValues = regexp.MustCompile(`"(session_token|at)": ("\w+"|[\d.e+]+)`)

// A login by code at Go's endpoints: the code is mailed through the Mailer (which
// renders allauth's templates as the site does), the login waits in the session as
// allauth keeps it (Django's ConfirmLoginCodeView could take the code as well), and the
// code logs the session in.
func ExampleHeadless_RequestLoginCodeView() {
	users, sessions, done := exampleSite()
	defer done()
	ds := sessions.Settings()
	s := headless.Defaults(ds.SecretKey)
	s.LoginByCodeEnabled, s.LoginMethods, s.RateLimits = true, []string{"email"}, nil // (ACCOUNT_*)
	s.UnauthenticatedFlows = []string{"login", "login_by_code", "signup"}             // (as SettingsFromJSON derives them)
	var code string
	h := &headless.Headless{Settings: s, Sessions: sessions, Config: &auth.Config{SecretKey: ds.SecretKey, Users: users},
		Emails: headless.NewSQLEmailAddresses(users, ""),
		Mailer: headless.MailerFunc(func(ctx context.Context, m headless.Mail) error {
			code = m.Context["code"].(string) // (a real Mailer renders m.TemplatePrefix's templates and sends them)
			fmt.Println("mail", m.TemplatePrefix, "to", m.Email)
			return nil
		})}
	post := func(v http.Handler, path, body, token string) string {
		r := httptest.NewRequest("POST", "http://api.example.com/_allauth/app/v1/auth/code/"+path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		if token != "" {
			r.Header.Set("X-Session-Token", token)
		}
		w := httptest.NewRecorder()
		v.ServeHTTP(w, r)
		fmt.Println(w.Code, newValues.ReplaceAllString(w.Body.String(), `"$1": ...`))
		return w.Body.String()
	}
	answer := post(h.RequestLoginCodeView(nil), "request", `{"email": "bob@example.com"}`, "")
	token := regexp.MustCompile(`"session_token": "(\w+)"`).FindStringSubmatch(answer)[1]
	post(h.ConfirmLoginCodeView(nil), "confirm", `{"code": "`+code+`"}`, token)
	// Output:
	// mail account/email/login_code to bob@example.com
	// 401 {"status": 401, "data": {"flows": [{"id": "login"}, {"id": "login_by_code", "is_pending": true}, {"id": "signup"}]}, "meta": {"is_authenticated": false, "session_token": ...}}
	// 200 {"status": 200, "data": {"user": {"id": 2, "display": "bob", "email": "bob@example.com", "has_usable_password": true, "username": "bob"}, "methods": [{"method": "code", "at": ..., "email": "bob@example.com"}]}, "meta": {"is_authenticated": true, "session_token": ...}}
}

// exampleSite is a copy of the example database (its users, and allauth's
// account_emailaddress table, empty, as its migrations make it), and the site's
// sessions in its django_session table.
func exampleSite() (*auth.SQLUserSource, *django.Middleware, func()) {
	conn, users, done, err := exampledb.Copy()
	if err != nil {
		panic(err)
	}
	if _, err := conn.Exec(`CREATE TABLE "account_emailaddress" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
		"email" varchar(254) NOT NULL, "verified" bool NOT NULL, "primary" bool NOT NULL, "user_id" integer NOT NULL)`); err != nil {
		panic(err)
	}
	ds := django.NewSettings()
	ds.SecretKey, ds.AllowedHosts = "the site's SECRET_KEY", []string{"api.example.com"}
	opts, _ := ds.EngineOptions()
	if ds.SessionEngine, err = sqlite.New(conn, db.Options{Options: opts}); err != nil {
		panic(err)
	}
	sessions, err := django.NewMiddleware(ds)
	if err != nil {
		panic(err)
	}
	return users, sessions, done
}

// A password reset by link: the request mails the key (in the link of
// HEADLESS_FRONTEND_URLS["account_reset_password_from_key"]); the app reads it back from
// the link and sets the new password with it.
func ExampleHeadless_ResetPasswordView() {
	users, sessions, done := exampleSite()
	defer done()
	ds := sessions.Settings()
	s := headless.Defaults(ds.SecretKey)
	s.LoginMethods, s.RateLimits = []string{"email"}, nil // (ACCOUNT_*)
	s.FrontendURLs = map[string]string{"account_reset_password_from_key": "https://app.example.org/reset/{key}"}
	var key string
	h := &headless.Headless{Settings: s, Sessions: sessions, Config: &auth.Config{SecretKey: ds.SecretKey, Users: users},
		Emails: headless.NewSQLEmailAddresses(users, ""),
		Mailer: headless.MailerFunc(func(ctx context.Context, m headless.Mail) error {
			// (a real Mailer renders m.TemplatePrefix's templates and sends them)
			link := m.Context["password_reset_url"].(string)
			key = link[strings.LastIndexByte(link, '/')+1:]
			fmt.Println("mail", m.TemplatePrefix, "to", m.Email)
			return nil
		})}
	post := func(v http.Handler, path, body string) {
		r := httptest.NewRequest("POST", "http://api.example.com/_allauth/app/v1/auth/password/"+path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		v.ServeHTTP(w, r)
		fmt.Println(w.Code, w.Body.String())
	}
	post(h.RequestPasswordResetView(nil), "request", `{"email": "bob@example.com"}`)
	post(h.ResetPasswordView(nil), "reset", `{"key": "`+key+`", "password": "a new password, long enough"}`)
	// Output:
	// mail account/email/password_reset_key to bob@example.com
	// 200 {"status": 200}
	// 401 {"status": 401, "data": {"flows": [{"id": "login"}, {"id": "signup"}]}, "meta": {"is_authenticated": false}}
}

// The user's email addresses: bob, logged in, adds one (its verification link mailed)
// and lists them.
func ExampleHeadless_ManageEmailView() {
	users, sessions, done := exampleSite()
	defer done()
	ds := sessions.Settings()
	s := headless.Defaults(ds.SecretKey)
	s.RateLimits = nil // (ACCOUNT_RATE_LIMITS = False)
	s.FrontendURLs = map[string]string{"account_confirm_email": "https://app.example.org/verify/{key}"}
	h := &headless.Headless{Settings: s, Sessions: sessions, Config: &auth.Config{SecretKey: ds.SecretKey, Users: users},
		Emails: headless.NewSQLEmailAddresses(users, ""),
		Mailer: headless.MailerFunc(func(ctx context.Context, m headless.Mail) error {
			fmt.Println("mail", m.TemplatePrefix, "to", m.Email) // (a real Mailer renders and sends it)
			return nil
		})}
	serve := func(v http.Handler, method, path, body, token string) string {
		r := httptest.NewRequest(method, "http://api.example.com/_allauth/app/v1/"+path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		if token != "" {
			r.Header.Set("X-Session-Token", token)
		}
		w := httptest.NewRecorder()
		v.ServeHTTP(w, r)
		return w.Body.String()
	}
	login := serve(h.LoginView(nil), "POST", "auth/login", `{"username": "bob", "password": "bob-example-password"}`, "")
	token := regexp.MustCompile(`"session_token": "(\w+)"`).FindStringSubmatch(login)[1]
	fmt.Println(serve(h.ManageEmailView(nil), "POST", "account/email", `{"email": "Bob@Example.org"}`, token))
	fmt.Println(serve(h.ManageEmailView(nil), "PATCH", "account/email", `{"email": "bob@example.org", "primary": true}`, token))
	// Output:
	// mail account/email/email_confirmation to bob@example.org
	// {"status": 200, "data": [{"email": "bob@example.org", "verified": false, "primary": false}]}
	// {"status": 200, "data": [{"email": "bob@example.org", "verified": false, "primary": true}]}
}

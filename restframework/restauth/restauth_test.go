package restauth_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/internal/exampledb"
	"github.com/djsession/djsession/restframework"
	"github.com/djsession/djsession/restframework/restauth"
	"github.com/djsession/djsession/restframework/simplejwt"
)

// An API client logs in to a Go service as dj-rest-auth's LoginView would log it in
// (USE_JWT, the tokens in cookies), refreshes its access token from the cookie, and reads
// its details; the tokens are simplejwt's, which the Django site takes.
func Example() {
	_, users, done, err := exampledb.Copy() // (the users of a Django site's auth_user)
	if err != nil {
		panic(err)
	}
	defer done()
	cfg := &auth.Config{SecretKey: "the site's SECRET_KEY", Users: users, SkipLastLogin: true}
	settings := restauth.Defaults()                                                   // REST_AUTH
	settings.UseJWT, settings.SessionLogin, settings.NoTokenModel = true, false, true // (no rest_framework.authtoken)
	settings.Cookies.AuthCookie, settings.Cookies.RefreshCookie = "auth", "refresh"
	jwt := simplejwt.Defaults(cfg.SecretKey) // SIMPLE_JWT
	views := &restauth.Views{Settings: settings, Config: cfg, JWT: &simplejwt.Views{Settings: jwt, Config: cfg},
		Authentication: []restframework.Authenticator{&simplejwt.JWTCookieAuthentication{
			JWTAuthentication: simplejwt.JWTAuthentication{Settings: jwt, Config: cfg}, Cookie: "auth"}}}
	mux := http.NewServeMux()
	mux.Handle("/auth/login/", views.Login())
	mux.Handle("/auth/token/refresh/", views.TokenRefresh())
	mux.Handle("/auth/user/", views.UserDetails())

	post := func(path, body, cookie string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Cookie", cookie)
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		return w
	}
	w := post("/auth/login/", `{"username": "bob", "password": "bob-example-password"}`, "")
	var login struct{ Access, Refresh string }
	json.Unmarshal(w.Body.Bytes(), &login)
	cookies := map[string]string{}
	for _, c := range w.Result().Cookies() {
		cookies[c.Name] = c.Value
	}
	fmt.Println(w.Code, login.Refresh == "", cookies["auth"] == login.Access)

	w = post("/auth/token/refresh/", `{}`, "refresh="+cookies["refresh"])
	fmt.Println(w.Code, strings.Contains(w.Body.String(), `"access_expiration"`))

	r := httptest.NewRequest("GET", "/auth/user/", nil)
	r.Header.Set("Cookie", "auth="+cookies["auth"])
	w = httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	fmt.Println(w.Code, w.Body)
	// Output:
	// 200 true true
	// 200 true
	// 200 {"pk":2,"username":"bob","email":"bob@example.com","first_name":"","last_name":""}
}

// TestRefusals: what the views answer without credentials, with bad ones, and without
// what their settings need (never a panic).
func TestRefusals(t *testing.T) {
	_, users := exampledb.Open(t)
	cfg := &auth.Config{SecretKey: "k", Users: users}
	jwtViews := &simplejwt.Views{Settings: simplejwt.Defaults("k"), Config: cfg}
	jwtSettings := restauth.Defaults()
	jwtSettings.UseJWT, jwtSettings.NoTokenModel = true, true
	tokens := restframework.NewSQLTokens(users, "")
	for _, c := range []struct {
		name         string
		views        *restauth.Views
		view         func(*restauth.Views) http.Handler
		method, body string
		status       int
		want         string
	}{
		{"no password", &restauth.Views{Settings: restauth.Defaults(), Config: cfg, Tokens: tokens}, (*restauth.Views).Login,
			"POST", `{"username": "bob"}`, 400, `{"password":["This field is required."]}`},
		{"bad email", &restauth.Views{Settings: restauth.Defaults(), Config: cfg, Tokens: tokens}, (*restauth.Views).Login,
			"POST", `{"email": "bob", "password": "x"}`, 400, `{"email":["Enter a valid email address."]}`},
		{"wrong password", &restauth.Views{Settings: restauth.Defaults(), Config: cfg, Tokens: tokens}, (*restauth.Views).Login,
			"POST", `{"username": "bob", "password": "x"}`, 400, `{"non_field_errors":["Unable to log in with provided credentials."]}`},
		{"anonymous user", &restauth.Views{Settings: restauth.Defaults(), Config: cfg, Tokens: tokens,
			Authentication: []restframework.Authenticator{&restframework.BasicAuthentication{Config: cfg}}},
			(*restauth.Views).UserDetails, "GET", ``, 401, `{"detail":"Authentication credentials were not provided."}`},
		{"no authentication", &restauth.Views{Settings: restauth.Defaults(), Config: cfg, Tokens: tokens}, (*restauth.Views).UserDetails,
			"GET", ``, 403, `{"detail":"You do not have permission to perform this action."}`},
		{"no refresh token", &restauth.Views{Settings: jwtSettings, Config: cfg, JWT: jwtViews}, (*restauth.Views).TokenRefresh,
			"POST", `{}`, 401, `{"detail":"No valid refresh token found.","code":"token_not_valid"}`},
		{"a bad refresh token", &restauth.Views{Settings: jwtSettings, Config: cfg, JWT: jwtViews}, (*restauth.Views).TokenRefresh,
			"POST", `{"refresh": 5}`, 401, `{"detail":"Token is invalid","code":"token_not_valid"}`},
		{"logout on GET", &restauth.Views{Settings: jwtSettings, Config: cfg, JWT: jwtViews}, (*restauth.Views).Logout,
			"GET", ``, 405, `{"detail":"Method \"GET\" not allowed."}`},
		{"JWT without JWT", &restauth.Views{Settings: jwtSettings, Config: cfg}, (*restauth.Views).Login,
			"POST", `{"username": "bob", "password": "x"}`, 500, "Internal Server Error\n"},
		{"refresh without JWT", &restauth.Views{Settings: restauth.Defaults(), Config: cfg, Tokens: tokens}, (*restauth.Views).TokenRefresh,
			"POST", `{}`, 500, "Internal Server Error\n"},
		{"no settings", &restauth.Views{Config: cfg}, (*restauth.Views).Logout, "POST", ``, 500, "Internal Server Error\n"},
		{"the default TOKEN_MODEL without authtoken", &restauth.Views{Settings: restauth.Defaults(), Config: cfg},
			(*restauth.Views).Logout, "POST", ``, 500, "Internal Server Error\n"},
		{"no way to authenticate", &restauth.Views{Settings: &restauth.Settings{NoTokenModel: true}, Config: cfg, Tokens: tokens},
			(*restauth.Views).Login, "POST", `{}`, 500, "Internal Server Error\n"},
		{"an email that is not a string", &restauth.Views{Settings: restauth.Defaults(), Config: cfg, Tokens: tokens},
			(*restauth.Views).Login, "POST", `{"email": true, "password": "x"}`, 400, `{"email":["Enter a valid email address."]}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(c.method, "/", strings.NewReader(c.body))
			r.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			c.view(c.views).ServeHTTP(w, r)
			if w.Code != c.status {
				t.Errorf("status %d, want %d", w.Code, c.status)
			}
			if diff := cmp.Diff(c.want, w.Body.String()); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSettingsFromJSON: what SettingsFromJSON takes and what it refuses.
func TestSettingsFromJSON(t *testing.T) {
	for _, c := range []struct {
		restAuth string
		ok       bool
	}{
		{`{}`, true},
		{`{"TOKEN_MODEL": "rest_framework.authtoken.models.Token", "JWT_AUTH_SAMESITE": false}`, true},
		{`{"REGISTER_SERIALIZER": "mysite.Register", "MFA_TOTP_ISSUER": "x", "PASSWORD_RESET_USE_SITES_DOMAIN": true}`, true},
		{`{"TOKEN_MODEL": "mysite.models.Token"}`, false},
		{`{"TOKEN_CREATOR": "mysite.create"}`, false},
		{`{"JWT_AUTH_SAMESITE": true}`, false},
		{`{"JWT_AUTH_SAMESITE": 5}`, false},
		{`{"USE_JWT": "yes"}`, false},
		{`{"USE_JWTS": true}`, false},
	} {
		_, err := restauth.SettingsFromJSON([]byte(`{"settings": {"REST_AUTH": ` + c.restAuth + `}}`))
		if c.ok && err != nil || !c.ok && !errors.Is(err, restauth.ErrSettings) {
			t.Errorf("%s: %v", c.restAuth, err)
		}
	}
	if _, err := restauth.SettingsFromJSON([]byte(`{`)); err == nil || errors.Is(err, restauth.ErrSettings) {
		t.Errorf("malformed JSON: %v", err)
	}
}

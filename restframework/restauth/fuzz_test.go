package restauth_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/django/auth/hashers"
	"github.com/djsession/djsession/internal/exampledb"
	"github.com/djsession/djsession/restframework"
	"github.com/djsession/djsession/restframework/restauth"
	"github.com/djsession/djsession/restframework/simplejwt"
)

// FuzzViews sends the views bodies of any content type and bytes, a refresh cookie of
// any value, as anonymous clients of a site without users (USE_JWT, the blacklist off,
// fast hashing): no view panics, and each answers with one of the statuses dj-rest-auth's
// would (400, 401, 403, 405, 415 for refusals; 200 for a logout; never a server error).
func FuzzViews(f *testing.F) {
	for _, seed := range [][3]string{
		{"application/json", `{"username": "bob", "password": "x", "email": "bob@example.com"}`, ""},
		{"application/json", `{"refresh": 5, "uid": "MQ", "token": "a-b", "new_password1": "x", "new_password2": "x"}`, "x.y.z"},
		{"application/x-www-form-urlencoded", "username=&email=a%40b&password=%00", ""},
		{"multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"refresh\"\r\n\r\n\r\n--b--\r\n", "\xff"},
		{"application/json", `[1, {"a": NaN}]`, ""},
		{"text/plain", "x", ""},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	db, users := exampledb.Open(f)
	if _, err := db.Exec(`DELETE FROM "auth_user"`); err != nil {
		f.Fatal(err)
	}
	hs, err := hashers.FromSettings("5.2", []string{"django.contrib.auth.hashers.MD5PasswordHasher"})
	if err != nil {
		f.Fatal(err)
	}
	cfg := &auth.Config{SecretKey: "k", Users: users, Hashers: hs}
	ds := django.NewSettings()
	ds.AllowedHosts = []string{"example.com"}
	tokens, err := auth.NewPasswordResetTokenGenerator(&ds)
	if err != nil {
		f.Fatal(err)
	}
	settings := restauth.Defaults()
	settings.UseJWT, settings.SessionLogin, settings.NoTokenModel = true, false, true
	settings.Cookies.RefreshCookie = "refresh"
	jwt := simplejwt.Defaults("k")
	views := &restauth.Views{Settings: settings, Config: cfg, Django: &ds, ResetTokens: tokens,
		JWT:            &simplejwt.Views{Settings: jwt, Config: cfg},
		Authentication: []restframework.Authenticator{&simplejwt.JWTAuthentication{Settings: jwt, Config: cfg}}}
	handlers := []http.Handler{views.Login(), views.Logout(), views.TokenRefresh(), views.UserDetails(),
		views.PasswordResetConfirm(), views.PasswordChange()}
	refusals := map[int]bool{400: true, 401: true, 403: true, 405: true, 415: true}
	f.Fuzz(func(t *testing.T, contentType, body, cookie string) {
		for i, h := range handlers {
			r := httptest.NewRequest("POST", "/", strings.NewReader(body))
			r.Header.Set("Content-Type", contentType)
			r.AddCookie(&http.Cookie{Name: "refresh", Value: strings.Map(func(c rune) rune {
				if c < 0x21 || c > 0x7e || c == ';' || c == '"' || c == '\\' || c == ',' {
					return -1
				}
				return c
			}, cookie)})
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if !refusals[w.Code] && !(i == 1 && w.Code == 200) {
				t.Fatalf("view %d: %d %s", i, w.Code, w.Body)
			}
		}
	})
}

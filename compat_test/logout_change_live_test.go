package compat_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
)

// logoutChangeAfter is what scripts/logout_change_oracle.py reports after a step.
type logoutChangeAfter struct {
	Status       int
	Location     *string
	CacheControl *string `json:"cache_control"`
	Allow        *string
	Page         any // the body, parsed when it is JSON (nil unless 200)
	User         *string
}

// TestLiveLogoutAndPasswordChange holds LogoutView and PasswordChangeView to Django's,
// for every version with LOGOUT_REDIRECT_URL unset, and for the oldest and newest also set
// to the logout page itself:
// the same steps (logouts by every method, with a safe, unsafe, empty, form-over-query
// and protocol-relative next, with a query string, at a next_page view as
// logout_then_login, at a non-ASCII path; the password change form while anonymous and
// logged in, with empty fields, a wrong old password, null characters, mismatched and
// invalid new passwords, PUT, DELETE, OPTIONS, then a change that keeps the session
// logged in; the three "done" pages by several methods, anonymous and logged in) must give, after each, the same status, Location, never_cache's
// Cache-Control, Allow, page and session login. Django must then take the password Go
// set.
func TestLiveLogoutAndPasswordChange(t *testing.T) {
	t.Parallel() // (with the other heavy live tests, on databases of their own)
	peers := livePeers(t)
	for i, p := range peers {
		for _, redirectURL := range []*string{nil, ptr("/logout/")} {
			if redirectURL != nil && i != 0 && i != len(peers)-1 {
				continue // (LOGOUT_REDIRECT_URL set on the oldest and newest Django alone)
			}
			name := "LOGOUT_REDIRECT_URL=None"
			if redirectURL != nil {
				name = "LOGOUT_REDIRECT_URL=" + *redirectURL
			}
			t.Run(p.Series+"/"+name, func(t *testing.T) {
				t.Parallel() // (databases and oracle processes of its own)
				variant, _ := json.Marshal(map[string]any{"logout_redirect_url": redirectURL})
				oracle := func(adb *authDatabase, out any, args ...string) {
					dbj, _ := json.Marshal(adb.django)
					runScriptJSON(t, p.Series, "", "", out, append([]string{"logout_change_oracle.py", string(dbj)}, args...)...)
				}
				var setup struct {
					Steps           []resetConfirmStep
					CommonPasswords string `json:"common_passwords"`
					NewPassword     string `json:"new_password"`
				}
				var want struct{ Steps []logoutChangeAfter }
				djDB := newAuthDB(t, p.Series, "sqlite")
				oracle(djDB, &setup, "setup")
				oracle(djDB, &want, "run", string(variant))
				goDB := newAuthDB(t, p.Series, "sqlite")
				oracle(goDB, &struct{}{}, "setup")
				lru := ""
				if redirectURL != nil {
					lru = *redirectURL
				}
				got := runLogoutChangeSteps(t, p.Django, goDB, lru, setup.CommonPasswords, setup.Steps)
				if len(want.Steps) != len(setup.Steps) || len(setup.Steps) < 40 {
					t.Fatalf("Django ran %d of %d steps", len(want.Steps), len(setup.Steps))
				}
				for i, s := range setup.Steps {
					if d := cmp.Diff(want.Steps[i], got[i]); d != "" {
						t.Errorf("step %d (%s %s %q): (-django +go)\n%s", i, s.Method, s.Path, s.Data, d)
					}
				}
				var users struct{ OK bool }
				oracle(goDB, &users, "users", setup.NewPassword)
				if !users.OK {
					t.Error("Django does not take the password Go's PasswordChangeView set")
				}
			})
		}
	}
}

func ptr[T any](v T) *T { return &v }

// viewCSRFAfter is what logout_change_oracle.py's csrf command reports after a step.
type viewCSRFAfter struct {
	Status       int
	CacheControl *string `json:"cache_control"`
	Page         any
	User         *string
}

// TestLiveViewsCheckExemptedCSRF holds the CSRF checks of LoginView, LogoutView and
// PasswordChangeView to Django's csrf_protect, which they carry, for every version:
// routed past a CSRF middleware that exempts them (csrf_exempt), with CSRF enforced,
// the same posts without and with a token, anonymous and logged in, and DELETEs, must
// give the same status, never_cache's Cache-Control, page and session login.
func TestLiveViewsCheckExemptedCSRF(t *testing.T) {
	t.Parallel() // (with the other heavy live tests, on databases of their own)
	for _, p := range livePeers(t) {
		t.Run(p.Series, func(t *testing.T) {
			t.Parallel() // (databases and processes of its own)
			oracle := func(adb *authDatabase, out any, args ...string) {
				dbj, _ := json.Marshal(adb.django)
				runScriptJSON(t, p.Series, "", "", out, append([]string{"logout_change_oracle.py", string(dbj)}, args...)...)
			}
			var setup struct {
				Steps           []resetConfirmStep `json:"csrf_steps"`
				CommonPasswords string             `json:"common_passwords"`
			}
			var want struct{ Steps []viewCSRFAfter }
			djDB := newAuthDB(t, p.Series, "sqlite")
			oracle(djDB, &setup, "setup")
			oracle(djDB, &want, "csrf")
			goDB := newAuthDB(t, p.Series, "sqlite")
			oracle(goDB, &struct{}{}, "setup")
			site, mux := logoutChangeSite(t, p.Django, goDB, "", setup.CommonPasswords)
			csrf, err := django.NewCSRFMiddleware(site.settings)
			if err != nil {
				t.Fatal(err)
			}
			csrf.Exempt = func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/x/") && r.URL.Path != "/x/token/" }
			h := site.mw.Handler(csrf.Handler(mux))
			if len(want.Steps) != len(setup.Steps) || len(setup.Steps) < 10 {
				t.Fatalf("Django ran %d of %d steps", len(want.Steps), len(setup.Steps))
			}
			jar := map[string]string{}
			for i, step := range setup.Steps {
				form := url.Values{}
				for k, v := range step.Data {
					form.Set(k, v)
				}
				if step.Token {
					form.Set("csrfmiddlewaretoken", jar["csrftoken"])
				}
				req := httptest.NewRequest(step.Method, "http://testserver"+step.Path, strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				for k, v := range jar {
					req.AddCookie(&http.Cookie{Name: k, Value: v})
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				for _, c := range rec.Result().Cookies() {
					jar[c.Name] = c.Value
				}
				got := viewCSRFAfter{Status: rec.Code, User: sessionUser(t, site, jar["sessionid"])}
				optionalHeaders(rec, map[string]**string{"Cache-Control": &got.CacheControl})
				if rec.Code == http.StatusOK {
					got.Page = jsonOrText(rec.Body.String())
				}
				if d := cmp.Diff(want.Steps[i], got); d != "" {
					t.Errorf("step %d (%s %s %q, token %v): (-django +go)\n%s", i, step.Method, step.Path, step.Data, step.Token, d)
				}
			}
		})
	}
}

// runLogoutChangeSteps runs steps through the session middleware (db engine), a CSRF
// middleware that does not enforce (as Django's test Client), and the URLconf of
// logout_change_oracle.py on adb, with a cookie jar of one session cookie, and reports
// after each as the oracle does.
func runLogoutChangeSteps(t *testing.T, version string, adb *authDatabase, logoutRedirectURL, commonPasswords string, steps []resetConfirmStep) []logoutChangeAfter {
	site, mux := logoutChangeSite(t, version, adb, logoutRedirectURL, commonPasswords)
	h := clientMiddlewares(t, site, mux)
	cookie := ""
	var out []logoutChangeAfter
	for _, step := range steps {
		rec := formStep(h, step.Method, step.Path, step.Data, &cookie)
		a := logoutChangeAfter{Status: rec.Code, User: sessionUser(t, site, cookie)}
		optionalHeaders(rec, map[string]**string{"Location": &a.Location, "Cache-Control": &a.CacheControl, "Allow": &a.Allow})
		if rec.Code == http.StatusOK {
			body := rec.Body.String()
			if strings.EqualFold(step.Method, http.MethodHead) {
				body = "" // (what a server sends, and Django's test Client keeps)
			}
			a.Page = jsonOrText(body)
		}
		out = append(out, a)
	}
	return out
}

// jsonOrText is body parsed when it is JSON, else body.
func jsonOrText(body string) any {
	var v any
	if json.Unmarshal([]byte(body), &v) != nil {
		return body
	}
	return v
}

// sessionUser is the _auth_user_id of the session key in site's store, or nil.
func sessionUser(t *testing.T, site *dbSite, key string) *string {
	data, ok, err := site.store.Load(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	if v, found := data.Get("_auth_user_id"); ok && found {
		s, _ := v.AsStr()
		return &s
	}
	return nil
}

// logoutChangeSite is the site of logout_change_oracle.py on adb: its URLconf on the
// returned mux, whose views under /x/ are those the oracle wraps in csrf_exempt.
func logoutChangeSite(t *testing.T, version string, adb *authDatabase, logoutRedirectURL, commonPasswords string) (*dbSite, *http.ServeMux) {
	site := dbSessionSite(t, version, adb, auth.AuthUser, auth.PKInt, nil)
	s := &site.settings
	s.LogoutRedirectURL = logoutRedirectURL
	validators := projectValidators(t, commonPasswords)
	text := func(body string) func(http.ResponseWriter, *http.Request) {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, body)
		}
	}
	mux := http.NewServeMux()
	mux.Handle("/accounts/login/", auth.LoginView(auth.LoginViewOptions{
		Settings: s, Config: site.cfg,
		Render: func(w http.ResponseWriter, r *http.Request, _ *auth.LoginPage) { text("login form")(w, r) },
	}))
	logout := auth.LogoutView(auth.LogoutViewOptions{Settings: s, Render: text("logged out")})
	mux.Handle("/logout/", logout)
	mux.Handle("/logout-\u00e9/", logout)
	mux.Handle("/logout-then-login/", auth.LogoutView(auth.LogoutViewOptions{Settings: s, NextPage: s.LoginURL, Render: text("logged out")}))
	mux.Handle("/password_change/", auth.PasswordChangeView(auth.PasswordChangeOptions{
		Settings: s, Config: site.cfg, Validators: validators,
		Render: func(w http.ResponseWriter, r *http.Request, page *auth.PasswordChangePage) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			js, _ := json.Marshal(formErrorsJSON(page.Errors))
			fmt.Fprintf(w, "%s", js)
		},
	}))
	mux.Handle("/accounts/password_change/done/", auth.PasswordChangeDoneView(s, site.cfg, text("done")))
	mux.Handle("/reset/done/", auth.PasswordResetDoneView(text("done")))
	mux.Handle("/reset/complete/", auth.PasswordResetCompleteView(s, func(w http.ResponseWriter, r *http.Request, loginURL string) {
		text("log in at "+loginURL)(w, r)
	}))
	for _, p := range []string{"/accounts/login/", "/logout/", "/password_change/"} {
		h, _ := mux.Handler(httptest.NewRequest("GET", p, nil))
		mux.Handle("/x"+strings.TrimPrefix(p, "/accounts"), h)
	}
	mux.HandleFunc("/x/token/", func(w http.ResponseWriter, r *http.Request) {
		if _, err := django.CSRFToken(r); err != nil {
			t.Error(err)
		}
		text("token")(w, r)
	})
	return site, mux
}

// projectValidators are djoracle.PROJECT_PASSWORD_VALIDATORS (startproject's four) in
// Go, with the common passwords of the Django at commonPasswords.
func projectValidators(t *testing.T, commonPasswords string) []auth.PasswordValidator {
	t.Helper()
	validators, err := auth.PasswordValidators(&django.Settings{AuthPasswordValidators: []django.PasswordValidatorSetting{
		{Name: "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
		{Name: "django.contrib.auth.password_validation.MinimumLengthValidator"},
		{Name: "django.contrib.auth.password_validation.CommonPasswordValidator"},
		{Name: "django.contrib.auth.password_validation.NumericPasswordValidator"},
	}}, commonPasswords)
	if err != nil {
		t.Fatal(err)
	}
	return validators
}

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

// loginViewAfter is what scripts/login_view_oracle.py reports after a step.
type loginViewAfter struct {
	Status       int
	Location     *string
	CacheControl *string `json:"cache_control"`
	Allow        *string
	Page         *struct {
		Next   string                         `json:"next"`
		Errors map[string][]map[string]string `json:"errors"`
	}
	User    *string
	Backend *string
}

// TestLiveLoginView holds LoginView to Django's LoginView, for every version, with
// ModelBackend and with AllowAllUsersModelBackend and redirect_authenticated_user: the
// same steps (the form with a safe and an unsafe next, empty fields, a blank username, a
// wrong password, an unknown user, an inactive one, a 151-character username, null
// characters, a password with a leading space, DELETE, a login with a padded username
// and a next in the form and the query, the form again, another user's login by an NFKC
// form of the name, a lower-case post) must give, after each, the same status,
// Location, never_cache's Cache-Control, Allow, page (next and every error's code and
// message) and session login (user and backend).
func TestLiveLoginView(t *testing.T) {
	t.Parallel() // (with the other heavy live tests, on databases of their own)
	variants := []struct {
		backends []string
		redirect bool
	}{
		{[]string{auth.ModelBackend}, false},
		{[]string{auth.AllowAllUsersModelBackend}, true},
	}
	for _, p := range livePeers(t) {
		for _, v := range variants {
			t.Run(fmt.Sprintf("%s/%s/redirect=%v", p.Series, v.backends[0][strings.LastIndexByte(v.backends[0], '.')+1:], v.redirect), func(t *testing.T) {
				t.Parallel() // (databases and oracle processes of its own)
				variant, _ := json.Marshal(map[string]any{"backends": v.backends, "redirect_authenticated_user": v.redirect})
				oracle := func(adb *authDatabase, out any, cmd string) {
					dbj, _ := json.Marshal(adb.django)
					runScriptJSON(t, p.Series, "", "", out, "login_view_oracle.py", string(dbj), cmd, string(variant))
				}
				var setup struct{ Steps []resetConfirmStep }
				var want struct{ Steps []loginViewAfter }
				djDB := newAuthDB(t, p.Series, "sqlite")
				oracle(djDB, &setup, "setup")
				oracle(djDB, &want, "run")
				goDB := newAuthDB(t, p.Series, "sqlite")
				oracle(goDB, &struct{}{}, "setup")
				got := runLoginViewSteps(t, p.Django, goDB, v.backends, v.redirect, setup.Steps)
				if len(want.Steps) != len(setup.Steps) || len(setup.Steps) < 15 {
					t.Fatalf("Django ran %d of %d steps", len(want.Steps), len(setup.Steps))
				}
				for i, s := range setup.Steps {
					if d := cmp.Diff(want.Steps[i], got[i]); d != "" {
						t.Errorf("step %d (%s %s %q): (-django +go)\n%s", i, s.Method, s.Path, s.Data, d)
					}
				}
			})
		}
	}
}

// runLoginViewSteps runs steps through the session middleware (db engine) and LoginView
// on adb, with a cookie jar of one session cookie, and reports after each as
// login_view_oracle.py does.
func runLoginViewSteps(t *testing.T, version string, adb *authDatabase, backends []string, redirect bool, steps []resetConfirmStep) []loginViewAfter {
	site := dbSessionSite(t, version, adb, auth.AuthUser, auth.PKInt, backends)
	mux := http.NewServeMux()
	mux.Handle("/login/", auth.LoginView(auth.LoginViewOptions{
		Settings: &site.settings, Config: site.cfg, RedirectAuthenticatedUser: redirect,
		Render: func(w http.ResponseWriter, r *http.Request, page *auth.LoginPage) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, page.Next+"\n")
			json.NewEncoder(w).Encode(formErrorsJSON(page.Errors))
		},
	}))
	h := clientMiddlewares(t, site, mux)
	cookie := ""
	var out []loginViewAfter
	for _, step := range steps {
		rec := formStep(h, step.Method, step.Path, step.Data, &cookie)
		a := loginViewAfter{Status: rec.Code}
		optionalHeaders(rec, map[string]**string{"Location": &a.Location, "Cache-Control": &a.CacheControl, "Allow": &a.Allow})
		if rec.Code == http.StatusOK {
			next, errs, _ := strings.Cut(rec.Body.String(), "\n")
			a.Page = &struct {
				Next   string                         `json:"next"`
				Errors map[string][]map[string]string `json:"errors"`
			}{Next: next}
			if err := json.Unmarshal([]byte(errs), &a.Page.Errors); err != nil {
				t.Fatal(err)
			}
		}
		if data, ok, err := site.store.Load(context.Background(), cookie); err != nil {
			t.Fatal(err)
		} else if ok {
			for key, dst := range map[string]**string{"_auth_user_id": &a.User, "_auth_user_backend": &a.Backend} {
				if v, ok := data.Get(key); ok {
					s, _ := v.AsStr()
					*dst = &s
				}
			}
		}
		out = append(out, a)
	}
	return out
}

// clientMiddlewares is site's session middleware and a CSRF middleware around h, the
// CSRF checks not enforced, as Django's test Client leaves them.
func clientMiddlewares(t *testing.T, site *dbSite, h http.Handler) http.Handler {
	csrf, err := django.NewCSRFMiddleware(site.settings)
	if err != nil {
		t.Fatal(err)
	}
	csrf.DontEnforce = func(*http.Request) bool { return true }
	return site.mw.Handler(csrf.Handler(h))
}

// formStep sends a request to h, with data (if any) as an urlencoded form and the session
// cookie *cookie, which it then updates from the response ("" when it is deleted).
func formStep(h http.Handler, method, path string, data map[string]string, cookie *string) *httptest.ResponseRecorder {
	form := url.Values{}
	for k, v := range data {
		form.Set(k, v)
	}
	req := httptest.NewRequest(method, "http://testserver"+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if *cookie != "" {
		req.Header.Set("Cookie", "sessionid="+*cookie)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.Name == "sessionid" {
			*cookie = c.Value
		}
	}
	return rec
}

// optionalHeaders points each of dsts at the value of the response header it is keyed
// by, when the response has it.
func optionalHeaders(rec *httptest.ResponseRecorder, dsts map[string]**string) {
	for name, dst := range dsts {
		if v := rec.Header().Get(name); v != "" {
			*dst = &v
		}
	}
}

// formErrorsJSON is errs as Django's form.errors.get_json_data() gives them.
func formErrorsJSON(errs map[string][]auth.PasswordError) map[string][]map[string]string {
	out := map[string][]map[string]string{}
	for f, es := range errs {
		for _, e := range es {
			out[f] = append(out[f], map[string]string{"code": e.Code, "message": e.Message})
		}
	}
	return out
}

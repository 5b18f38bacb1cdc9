package compat_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
)

// loginRequiredWorld is what login_required_oracle.py prints: Django's
// LoginRequiredMiddleware answering requests to a URLconf of views marked in each of
// Django's ways, for an anonymous user and for users logged in with force_login.
type loginRequiredWorld struct {
	Users []struct {
		Name   string
		Cookie string
	}
	Requests []struct {
		Method string
		Path   string
		Host   string
	}
	Responses map[string][]loginRequiredResponse
}

type loginRequiredResponse struct {
	Status        int
	Location      *string
	ContentType   *string `json:"content_type"`
	Vary          *string
	SessionCookie bool `json:"session_cookie"`
}

// TestLiveLoginRequiredMiddleware holds LoginRequiredMiddleware, LoginNotRequired and the
// marks the decorators leave to Django 5.1+'s LoginRequiredMiddleware
// (scripts/login_required_oracle.py): on the same database and the same session cookies,
// for an anonymous user, an active one, an inactive one (anonymous to both), a staff
// member and one with a permission, each request to the Go twin of Django's URLconf
// must get Django's status, Location and (for Django's redirects and answers) the same
// Content-Type: login_not_required, login_required and user_passes_test with their
// login_url and redirect_field_name (nested, the inner one's winning), permission_required,
// staff_member_required, LoginRequiredMixin (whose login_url the middleware does not
// see), an SSO login URL on another host, URLs no view answers, and a host outside
// ALLOWED_HOSTS.
func TestLiveLoginRequiredMiddleware(t *testing.T) {
	n := 0
	for _, p := range livePeers(t) {
		if p.Series < "5.1" { // (LoginRequiredMiddleware is new in Django 5.1)
			continue
		}
		n++
		t.Run(p.Series, func(t *testing.T) {
			adb := newAuthDB(t, p.Series, "sqlite")
			var w loginRequiredWorld
			dbj, _ := json.Marshal(adb.django)
			runScriptJSON(t, p.Series, "", "", &w, "login_required_oracle.py", string(dbj))
			checkLoginRequired(t, p.Django, adb, &w)
		})
	}
	if n == 0 {
		t.Fatal("no Django 5.1+ in the matrix")
	}
}

func checkLoginRequired(t *testing.T, version string, adb *authDatabase, w *loginRequiredWorld) {
	_, s, cfg, mw := authSite(t, version, adb, auth.AuthUser, auth.PKInt)
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8") // (HttpResponse's)
		io.WriteString(w, "ok")
	})
	authenticated := func(r *http.Request, u *auth.User) (bool, error) { return u != nil, nil }
	mixin := auth.LoginRequiredMixin(&s, cfg, "/mixin/login/", "back", false, ok)
	sub := http.NewServeMux() // (Django: include())
	sub.Handle("/sub/open/{$}", auth.LoginNotRequired(ok))
	sub.Handle("/sub/closed/{$}", ok)
	mux := http.NewServeMux()
	for pattern, h := range map[string]http.Handler{
		"/open/{$}":         auth.LoginNotRequired(ok),
		"/plain/{$}":        ok,
		"/page/{rest...}":   ok,
		"/deco/{$}":         auth.UserPassesTest(&s, cfg, authenticated, "/deco/login/", "back", ok),
		"/deco-none/{$}":    auth.UserPassesTest(&s, cfg, authenticated, "", "", ok),
		"/sso/{$}":          auth.UserPassesTest(&s, cfg, authenticated, "https://sso.example.com/login/", django.RedirectFieldName, ok),
		"/perm/{$}":         auth.PermissionRequired(&s, cfg, []string{"auth.view_user"}, "", false, ok),
		"/perm-url/{$}":     auth.PermissionRequired(&s, cfg, []string{"auth.view_user"}, "/perm/login/", false, ok),
		"/perm-raise/{$}":   auth.PermissionRequired(&s, cfg, []string{"auth.view_user"}, "", true, ok),
		"/staff/{$}":        auth.StaffMemberRequired(&s, cfg, "", django.RedirectFieldName, ok),
		"/staff-back/{$}":   auth.StaffMemberRequired(&s, cfg, "/staff/login/", "back", ok),
		"/mixin/{$}":        mixin,
		"/open-mixin/{$}":   auth.LoginNotRequired(mixin),
		"/nested/{$}":       auth.LoginRequired(&s, cfg, auth.LoginNotRequired(ok)),
		"/open-deco/{$}":    auth.LoginNotRequired(auth.UserPassesTest(&s, cfg, authenticated, "/x/", django.RedirectFieldName, ok)),
		"/nested-url/{$}":   auth.UserPassesTest(&s, cfg, authenticated, "/outer/", django.RedirectFieldName, auth.UserPassesTest(&s, cfg, authenticated, "/inner/", "in", ok)),
		"GET /get-only/{$}": ok,
		"/old/{$}":          http.RedirectHandler("/new/", http.StatusFound),
		"/sub/":             sub,
	} {
		mux.Handle(pattern, h)
	}
	h := mw.Handler(auth.LoginRequiredMiddleware(&s, cfg, mux))

	cookies := map[string]string{"anonymous": ""}
	for _, u := range w.Users {
		cookies[u.Name] = "sessionid=" + u.Cookie
	}
	if len(cookies) != 6 || len(w.Responses) != 6 {
		t.Fatalf("Django logged in %d users and answered for %d", len(w.Users), len(w.Responses))
	}
	redirects := 0
	for who, want := range w.Responses {
		got := make([]loginRequiredResponse, len(w.Requests))
		for i, q := range w.Requests {
			req := httptest.NewRequest(q.Method, "http://"+q.Host+q.Path, nil)
			if c := cookies[who]; c != "" {
				req.Header.Set("Cookie", c)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			r := loginRequiredResponse{Status: rec.Code}
			if l := rec.Header().Get("Location"); l != "" {
				r.Location = &l
			}
			if c := rec.Header().Get("Content-Type"); c != "" && rec.Code != http.StatusNotFound && rec.Code != http.StatusMethodNotAllowed {
				r.ContentType = &c // (Go's mux writes its own 404 and 405 pages)
			}
			if v := rec.Header().Get("Vary"); v != "" {
				r.Vary = &v
			}
			for _, c := range rec.Result().Cookies() {
				r.SessionCookie = r.SessionCookie || c.Name == "sessionid"
			}
			if want[i].Status == http.StatusNotFound || want[i].Status == http.StatusMethodNotAllowed {
				want[i].ContentType = nil
			}
			if r.Status == http.StatusFound {
				redirects++
			}
			got[i] = r
		}
		if d := cmp.Diff(want, got); d != "" {
			for i, q := range w.Requests {
				if !cmp.Equal(want[i], got[i]) {
					t.Errorf("%s: %s %s%s: (-django +go)\n%s", who, q.Method, q.Host, q.Path, cmp.Diff(want[i], got[i]))
				}
			}
		}
	}
	if redirects < 40 {
		t.Errorf("only %d redirects to log in: the world does not test the middleware", redirects)
	}
}

package compat_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/djsession/djsession/django/auth"
)

// passwordResetStep is a step of scripts/password_reset_oracle.py.
type passwordResetStep struct {
	Method, Path string
	Data         map[string]string
	Secure       bool
}

// passwordResetAfter is what the oracle reports after a step.
type passwordResetAfter struct {
	Status   int
	Location *string
	Allow    *string
	Page     map[string][]map[string]string
	Emails   []passwordResetMail
}

type passwordResetMail struct {
	To       []string
	Email    string
	Domain   string
	SiteName string `json:"site_name"`
	UID      string
	Protocol string
	Username string
	Token    string
}

// TestLivePasswordResetView holds PasswordResetView to Django's, for every version: the
// same steps (the form; empty, blank, invalid, 262-character and null-character
// addresses; an address with spaces around it; addresses of two users differing in
// case, over HTTPS too; an unknown one, an inactive user's, a user's with an unusable
// password; LIKE's wildcards "_" and "%" in stored and typed addresses; "ß", a ligature
// and a non-ASCII capital, which the database and NFKC case folding match or not; an IDN
// domain; PUT, DELETE, OPTIONS, a lower-case post) must give the same status, Location,
// Allow, form errors and emails (to, address, domain, site name, uid, protocol, user;
// the tokens differ by the moment and the password hashes' salts, so Django checks Go's
// instead: every link Go sent must be one Django's PasswordResetConfirmView takes).
//
// On SQLite for every version, and on PostgreSQL and MariaDB for the newest, whose
// case-insensitive matches differ (a dotless "ı" matches "i" there, and only NFKC case
// folding tells them apart).
func TestLivePasswordResetView(t *testing.T) {
	t.Parallel() // (with the other heavy live tests, on databases of their own)
	newestOnServers(t, checkPasswordResetView)
}

func checkPasswordResetView(t *testing.T, p *peer, backend string) {
	oracle := func(adb *authDatabase, out any, args ...string) {
		dbj, _ := json.Marshal(adb.django)
		runScriptJSON(t, p.Series, "", "", out, append([]string{"password_reset_oracle.py", string(dbj)}, args...)...)
	}
	var setup struct{ Steps []passwordResetStep }
	var want struct{ Steps []passwordResetAfter }
	djDB := newAuthDB(t, p.Series, backend)
	oracle(djDB, &setup, "setup")
	oracle(djDB, &want, "run")
	goDB := newAuthDB(t, p.Series, backend)
	oracle(goDB, &struct{}{}, "setup")
	got := runPasswordResetSteps(t, p.Django, goDB, setup.Steps)
	if len(want.Steps) != len(setup.Steps) || len(setup.Steps) < 20 {
		t.Fatalf("Django ran %d of %d steps", len(want.Steps), len(setup.Steps))
	}
	var links [][2]string
	sent := 0
	for i, s := range setup.Steps {
		for j := range got[i].Emails {
			links = append(links, [2]string{got[i].Emails[j].UID, got[i].Emails[j].Token})
			got[i].Emails[j].Token = ""
		}
		for j := range want.Steps[i].Emails {
			want.Steps[i].Emails[j].Token = ""
			sent++
		}
		if d := cmp.Diff(want.Steps[i], got[i]); d != "" {
			t.Errorf("step %d (%s %s %q): (-django +go)\n%s", i, s.Method, s.Path, s.Data, d)
		}
	}
	if sent < 8 {
		t.Errorf("Django sent %d emails: the steps test too little", sent)
	}
	linksJSON, _ := json.Marshal(links)
	var check struct{ Valid []bool }
	oracle(goDB, &check, "check", string(linksJSON))
	for i, ok := range check.Valid {
		if !ok {
			t.Errorf("Django does not take the link Go sent for %q", links[i])
		}
	}
	if len(check.Valid) != len(links) {
		t.Errorf("Django checked %d of %d links", len(check.Valid), len(links))
	}
}

// runPasswordResetSteps runs steps through the session middleware (db engine), a CSRF
// middleware that does not enforce (as Django's test Client) and PasswordResetView on
// adb, and reports after each as password_reset_oracle.py does.
func runPasswordResetSteps(t *testing.T, version string, adb *authDatabase, steps []passwordResetStep) []passwordResetAfter {
	site := dbSessionSite(t, version, adb, auth.AuthUser, auth.PKInt, nil)
	tokens, err := auth.NewPasswordResetTokenGenerator(&site.settings)
	if err != nil {
		t.Fatal(err)
	}
	var outbox []passwordResetMail
	view := auth.PasswordResetView(auth.PasswordResetOptions{
		Settings: &site.settings, Config: site.cfg, Tokens: tokens,
		SendMail: func(ctx context.Context, m *auth.PasswordResetEmail) error {
			outbox = append(outbox, passwordResetMail{To: []string{m.To}, Email: m.Email, Domain: m.Domain,
				SiteName: m.SiteName, UID: m.UID, Protocol: m.Protocol, Username: m.User.Username, Token: m.Token})
			return nil
		},
		Render: func(w http.ResponseWriter, r *http.Request, page *auth.PasswordResetPage) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			json.NewEncoder(w).Encode(formErrorsJSON(page.Errors))
		},
	})
	mux := http.NewServeMux()
	mux.Handle("/password_reset/", view)
	h := clientMiddlewares(t, site, mux)
	var out []passwordResetAfter
	for _, step := range steps {
		form := url.Values{}
		for k, v := range step.Data {
			form.Set(k, v)
		}
		scheme := "http"
		if step.Secure {
			scheme = "https"
		}
		req := httptest.NewRequest(step.Method, scheme+"://testserver"+step.Path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		outbox = nil
		h.ServeHTTP(rec, req)
		a := passwordResetAfter{Status: rec.Code, Emails: outbox}
		if a.Emails == nil {
			a.Emails = []passwordResetMail{}
		}
		optionalHeaders(rec, map[string]**string{"Location": &a.Location, "Allow": &a.Allow})
		if rec.Code == http.StatusOK && rec.Body.Len() > 0 {
			if err := json.Unmarshal(rec.Body.Bytes(), &a.Page); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, a)
	}
	return out
}

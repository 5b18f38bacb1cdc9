package compat_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
)

// resetConfirmStep is a request of scripts/reset_confirm_oracle.py; resetConfirmAfter is
// what it reports after one.
type resetConfirmStep struct {
	Method string
	Path   string
	Data   map[string]string
	Token  bool // (logout_change_oracle.py's csrf steps) post the CSRF cookie as the token
}

type resetConfirmAfter struct {
	Status       int
	Location     *string
	CacheControl *string `json:"cache_control"`
	Expires      bool
	Allow        *string
	Page         *struct {
		ValidLink bool                           `json:"validlink"`
		Errors    map[string][]map[string]string `json:"errors"`
	}
	SessionToken bool    `json:"session_token"`
	User         *string `json:"user"`
}

// resetSetup is what reset_confirm_oracle.py setup prints.
type resetSetup struct {
	UIDB64          string
	Token           string
	CommonPasswords string `json:"common_passwords"`
	NewPassword     string `json:"new_password"`
	Steps           []resetConfirmStep
}

// resetOracle runs reset_confirm_oracle.py on adb under the Django of series, with args
// after the database, into out.
func resetOracle(t *testing.T, series string, adb *authDatabase, out any, args ...string) {
	t.Helper()
	dbj, _ := json.Marshal(adb.django)
	runScriptJSON(t, series, "", "", out, append([]string{"reset_confirm_oracle.py", string(dbj)}, args...)...)
}

// TestLivePasswordResetConfirm holds PasswordResetConfirmView to Django's
// PasswordResetConfirmView, for every version, with and without post_reset_login: the
// same steps of a reset link (a bad token, a user that does not exist, the form without
// the session's token, the good link and its redirect without the token, the form, six
// refused forms: different passwords (one of them too common: the difference alone is
// reported), none, a common one, a short one similar to the
// username with the first missing, null characters; a DELETE, a PUT, the good form, then
// the link again) must give, after each, the same status, Location, never_cache headers,
// Allow, page (validlink and the form's errors, code and message), the token kept in the
// session or not, and the user logged in or not; and Django must then take the new
// password Go set.
func TestLivePasswordResetConfirm(t *testing.T) {
	t.Parallel() // (with the other heavy live tests, on databases of their own)
	for _, p := range livePeers(t) {
		for _, login := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/post_reset_login=%v", p.Series, login), func(t *testing.T) {
				t.Parallel() // (databases and processes of its own)
				variant := fmt.Sprintf(`{"post_reset_login": %v}`, login)
				oracle := func(adb *authDatabase, out any, args ...string) { resetOracle(t, p.Series, adb, out, args...) }
				var dj, gs resetSetup
				var want, got struct{ Steps []resetConfirmAfter }
				djDB := newAuthDB(t, p.Series, "sqlite")
				oracle(djDB, &dj, "setup")
				oracle(djDB, &want, "run", dj.Token, variant)
				goDB := newAuthDB(t, p.Series, "sqlite")
				oracle(goDB, &gs, "setup")
				var key string
				got.Steps = runResetConfirmSteps(t, p.Django, goDB, gs.UIDB64, gs.Token, gs.CommonPasswords, login, gs.Steps, &key)
				if len(want.Steps) != len(dj.Steps) || len(dj.Steps) < 16 {
					t.Fatalf("Django ran %d of %d steps", len(want.Steps), len(dj.Steps))
				}
				for i, s := range dj.Steps {
					if d := cmp.Diff(want.Steps[i], got.Steps[i]); d != "" {
						t.Errorf("step %d (%s %s %v): (-django +go)\n%s", i, s.Method, s.Path, s.Data, d)
					}
				}
				var set struct {
					NewPasswordSet bool `json:"new_password_set"`
				}
				oracle(goDB, &set, "users", gs.NewPassword)
				if !set.NewPasswordSet {
					t.Error("Django does not take the password Go set")
				}
			})
		}
	}
}

// runResetConfirmSteps runs steps through the session middleware (db engine) and
// PasswordResetConfirmView on adb, with a cookie jar of one session cookie (which starts
// as and ends in *sessionKey), and reports after each as reset_confirm_oracle.py does.
func runResetConfirmSteps(t *testing.T, version string, adb *authDatabase, uid, token, commonPasswords string, login bool, steps []resetConfirmStep, sessionKey *string) []resetConfirmAfter {
	site := dbSessionSite(t, version, adb, auth.AuthUser, auth.PKInt, nil)
	s := &site.settings
	js, _ := json.Marshal(map[string]any{"settings": map[string]any{"AUTH_PASSWORD_VALIDATORS": []map[string]string{
		{"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
		{"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
		{"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
		{"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
	}}})
	vs, err := django.SettingsFromJSON(js)
	if err != nil {
		t.Fatal(err)
	}
	validators, err := auth.PasswordValidators(&vs, commonPasswords)
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := auth.NewPasswordResetTokenGenerator(s)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/accounts/reset/{uidb64}/{token}/", auth.PasswordResetConfirmView(auth.PasswordResetConfirmOptions{
		Settings: s, Config: site.cfg, Tokens: tokens, Validators: validators, PostResetLogin: login,
		Render: func(w http.ResponseWriter, r *http.Request, page *auth.PasswordResetConfirmPage) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, "%v\n", map[bool]string{true: "True", false: "False"}[page.ValidLink])
			if page.ValidLink {
				json.NewEncoder(w).Encode(formErrorsJSON(page.Errors))
			}
		},
	}))
	h := site.mw.Handler(mux)
	cookie := *sessionKey
	defer func() { *sessionKey = cookie }()
	var out []resetConfirmAfter
	for _, step := range steps {
		target := strings.NewReplacer("BADUID", "OTk", "UID", uid, "TOKEN", token).Replace(step.Path)
		rec := formStep(h, step.Method, target, step.Data, &cookie)
		a := resetConfirmAfter{Status: rec.Code, Expires: rec.Header().Get("Expires") != ""}
		optionalHeaders(rec, map[string]**string{"Location": &a.Location, "Cache-Control": &a.CacheControl, "Allow": &a.Allow})
		if rec.Code == http.StatusOK {
			valid, errs, _ := strings.Cut(rec.Body.String(), "\n")
			a.Page = &struct {
				ValidLink bool                           `json:"validlink"`
				Errors    map[string][]map[string]string `json:"errors"`
			}{ValidLink: valid == "True"}
			if errs != "" {
				if err := json.Unmarshal([]byte(errs), &a.Page.Errors); err != nil {
					t.Fatal(err)
				}
			}
		}
		if data, ok, err := site.store.Load(context.Background(), cookie); err != nil {
			t.Fatal(err)
		} else if ok {
			_, a.SessionToken = data.Get(auth.ResetSessionTokenKey)
			if id, ok := data.Get("_auth_user_id"); ok {
				idS, _ := id.AsStr()
				a.User = &idS
			}
		}
		out = append(out, a)
	}
	return out
}

// TestLivePasswordResetConfirmCross: the two steps of a reset link served one by Django
// and the other by Go, in both orders, on one database and its sessions (the newest
// Django): the session Go leaves after the link lets Django's form set the password, and
// the one Django leaves lets Go's; Django then takes the new password.
func TestLivePasswordResetConfirmCross(t *testing.T) {
	peers := livePeers(t)
	p := peers[len(peers)-1]
	for _, goFirst := range []bool{true, false} {
		t.Run(fmt.Sprintf("go-first=%v", goFirst), func(t *testing.T) {
			adb := newAuthDB(t, p.Series, "sqlite")
			oracle := func(out any, args ...string) { resetOracle(t, p.Series, adb, out, args...) }
			var setup resetSetup
			oracle(&setup, "setup")
			link := resetConfirmStep{Method: "GET", Path: "/accounts/reset/UID/TOKEN/"}
			form := resetConfirmStep{Method: "GET", Path: "/accounts/reset/UID/set-password/"}
			post := resetConfirmStep{Method: "POST", Path: "/accounts/reset/UID/set-password/",
				Data: map[string]string{"new_password1": setup.NewPassword, "new_password2": setup.NewPassword}}
			if goFirst {
				var key string
				after := runResetConfirmSteps(t, p.Django, adb, setup.UIDB64, setup.Token, setup.CommonPasswords, false, []resetConfirmStep{link}, &key)
				if after[0].Status != http.StatusFound || !after[0].SessionToken {
					t.Fatalf("Go's link step: %+v", after[0])
				}
				var dj struct {
					Page     string
					Status   int
					Location *string
				}
				oracle(&dj, "step2", key)
				if !strings.HasPrefix(dj.Page, "True\n") || dj.Status != http.StatusFound {
					t.Errorf("Django's form step in Go's session: page %q, POST %d %v", dj.Page, dj.Status, dj.Location)
				}
			} else {
				var dj struct {
					Status     int
					SessionKey string `json:"session_key"`
				}
				oracle(&dj, "step1", setup.Token)
				if dj.Status != http.StatusFound {
					t.Fatalf("Django's link step: %d", dj.Status)
				}
				key := dj.SessionKey
				after := runResetConfirmSteps(t, p.Django, adb, setup.UIDB64, setup.Token, setup.CommonPasswords, false, []resetConfirmStep{form, post}, &key)
				if after[0].Page == nil || !after[0].Page.ValidLink || after[1].Status != http.StatusFound {
					t.Errorf("Go's form step in Django's session: %+v, then %+v", after[0].Page, after[1])
				}
			}
			var set struct {
				NewPasswordSet bool `json:"new_password_set"`
			}
			oracle(&set, "users", setup.NewPassword)
			if !set.NewPasswordSet {
				t.Error("the password was not set")
			}
		})
	}
}

package compat_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/djsession/djsession/caches/filecache"
	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/django/auth/hashers"
	"github.com/djsession/djsession/engines/db/sqlite"
	"github.com/djsession/djsession/restframework"
	"github.com/djsession/djsession/restframework/restauth"
	"github.com/djsession/djsession/restframework/simplejwt"
	"github.com/djsession/djsession/serializer"
)

// restAuthConfig is a site configuration of scripts/restauth_oracle.py.
type restAuthConfig struct {
	name      string
	restAuth  map[string]any // REST_AUTH
	simpleJWT map[string]any // SIMPLE_JWT
	blacklist bool           // simplejwt's token_blacklist app installed
	auth      []string       // DEFAULT_AUTHENTICATION_CLASSES by name
	throttles []string       // DEFAULT_THROTTLE_CLASSES by name ("scoped", "anon", "user")
	rates     map[string]string
	django    map[string]any // other settings
}

var restAuthConfigs = []restAuthConfig{
	{name: "session", restAuth: map[string]any{"LOGOUT_ON_PASSWORD_CHANGE": true}, auth: []string{"session", "basic", "token"}},
	{name: "jwt-cookies", blacklist: true, auth: []string{"jwtcookie"},
		restAuth: map[string]any{"USE_JWT": true, "JWT_AUTH_COOKIE": "jwt-auth", "JWT_AUTH_REFRESH_COOKIE": "jwt-refresh",
			"SESSION_LOGIN": false},
		simpleJWT: map[string]any{"ROTATE_REFRESH_TOKENS": true, "BLACKLIST_AFTER_ROTATION": true}},
	{name: "jwt-body", auth: []string{"session", "jwt"},
		restAuth: map[string]any{"USE_JWT": true, "JWT_AUTH_HTTPONLY": false, "JWT_AUTH_RETURN_EXPIRATION": true,
			"OLD_PASSWORD_FIELD_ENABLED": true, "TOKEN_MODEL": nil},
		simpleJWT: map[string]any{"ROTATE_REFRESH_TOKENS": true},
		django:    map[string]any{"ACCOUNT_LOGOUT_ON_GET": true}},
	{name: "throttled", restAuth: map[string]any{}, auth: []string{"session", "token"},
		throttles: []string{"scoped", "anon"}, rates: map[string]string{"dj_rest_auth": "30/min", "anon": "70/min"}},
	{name: "jwt-blacklist-naive", blacklist: true, auth: []string{"jwt"},
		restAuth: map[string]any{"USE_JWT": true, "JWT_AUTH_HTTPONLY": false, "JWT_AUTH_RETURN_EXPIRATION": true,
			"JWT_AUTH_COOKIE": "a", "SESSION_LOGIN": false},
		django: map[string]any{"USE_TZ": false, "TIME_ZONE": "Europe/Paris"}},
}

// restAuthSetup is what restauth_oracle.py's setup prints.
type restAuthSetup struct {
	Steps     []restAuthStep
	DRF       string
	SimpleJWT string
	RestAuth  string `json:"rest_auth"`
	Python    string
	// CommonPasswords is the path of the Django's common passwords list.
	CommonPasswords string `json:"common_passwords"`
}

// restAuthStep is a request of restauth_oracle.py, as one of its clients.
type restAuthStep struct {
	jwtStep
	Client string `json:"client"`
}

// restAuthState is what restauth_oracle.py's state prints.
type restAuthState struct {
	Sessions    [][]any
	Tokens      []int
	Outstanding []*int
	Blacklisted int
	LastLogin   []int `json:"last_login"`
}

func restAuthOracle(t *testing.T, series, dbJSON string, c restAuthConfig, stdin any, out any, command string) {
	t.Helper()
	conf, _ := json.Marshal(map[string]any{"rest_auth": c.restAuth, "simple_jwt": c.simpleJWT, "blacklist": c.blacklist,
		"auth": c.auth, "throttles": c.throttles, "rates": c.rates, "django": c.django})
	in := ""
	if stdin != nil {
		b, _ := json.Marshal(stdin)
		in = string(b)
	}
	runScriptJSON(t, series, "", in, out, "restauth_oracle.py", dbJSON, string(conf), command)
}

// sqliteAuthDB opens the SQLite database at path as an authDatabase, closed at the
// test's end.
func sqliteAuthDB(t *testing.T, path string) *authDatabase {
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &authDatabase{django: map[string]any{"ENGINE": "django.db.backends.sqlite3", "NAME": path}, db: db, dialect: auth.SQLite}
}

// oracleSiteOn is the Go side of a DRF view oracle's site on adb (users; db sessions, in
// a SQLite database of their own on the servers): its USE_TZ and TIME_ZONE from
// djangoSettings, logs discarded, MD5PasswordHasher (as the oracles'); and its auth
// configuration.
func oracleSiteOn(t *testing.T, djangoVersion string, adb *authDatabase, djangoSettings map[string]any) (*dbSite, *auth.Config) {
	site := dbSessionSite(t, djangoVersion, adb, auth.AuthUser, auth.PKInt, nil, func(s *django.Settings) {
		if v, ok := djangoSettings["USE_TZ"].(bool); ok {
			s.UseTZ = v
		}
		if v, ok := djangoSettings["TIME_ZONE"].(string); ok {
			s.TimeZone = v
		}
	})
	site.settings.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	hs, err := hashers.FromSettings(djangoVersion, []string{"django.contrib.auth.hashers.MD5PasswordHasher"})
	if err != nil {
		t.Fatal(err)
	}
	site.cfg.Hashers = hs
	return site, site.cfg
}

// restAuthSite is restauth_oracle.py's site in Go on the SQLite database at path, and
// the SIMPLE_JWT it reads tokens with.
func restAuthSite(t *testing.T, djangoVersion string, setup restAuthSetup, c restAuthConfig, path string,
	mails *[]restAuthMail) (http.Handler, *simplejwt.Settings) {
	site, cfg := oracleSiteOn(t, djangoVersion, sqliteAuthDB(t, path), c.django)
	drf := drfVersion(setup.DRF)
	s := simplejwt.Defaults(site.settings.SecretKey)
	s.DjangoVersion = djangoVersion
	if strings.HasPrefix(setup.SimpleJWT, "5.3") {
		s.Version = "5.3"
	}
	s.RotateRefreshTokens, _ = c.simpleJWT["ROTATE_REFRESH_TOKENS"].(bool)
	s.BlacklistAfterRotation, _ = c.simpleJWT["BLACKLIST_AFTER_ROTATION"].(bool)
	var bl simplejwt.Blacklist
	if c.blacklist {
		bl = simplejwt.NewSQLBlacklist(site.users)
	}
	tokens := restframework.NewSQLTokens(site.users, "")
	jwt := &simplejwt.JWTAuthentication{Settings: s, Config: cfg, Blacklist: bl}
	settings := restauth.Defaults()
	ra := c.restAuth
	settings.UseJWT, _ = ra["USE_JWT"].(bool)
	if v, ok := ra["TOKEN_MODEL"]; ok && v == nil {
		settings.NoTokenModel = true
	}
	if v, ok := ra["SESSION_LOGIN"].(bool); ok {
		settings.SessionLogin = v
	}
	settings.Cookies.AuthCookie, _ = ra["JWT_AUTH_COOKIE"].(string)
	settings.Cookies.RefreshCookie, _ = ra["JWT_AUTH_REFRESH_COOKIE"].(string)
	if v, ok := ra["JWT_AUTH_HTTPONLY"].(bool); ok {
		settings.Cookies.HTTPOnly = v
	}
	settings.ReturnExpiration, _ = ra["JWT_AUTH_RETURN_EXPIRATION"].(bool)
	settings.LogoutOnGet, _ = c.django["ACCOUNT_LOGOUT_ON_GET"].(bool)
	settings.OldPasswordFieldEnabled, _ = ra["OLD_PASSWORD_FIELD_ENABLED"].(bool)
	settings.LogoutOnPasswordChange, _ = ra["LOGOUT_ON_PASSWORD_CHANGE"].(bool)
	validators := projectValidators(t, setup.CommonPasswords)
	resetTokens, err := auth.NewPasswordResetTokenGenerator(&site.settings)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(setup.RestAuth, "7.0") {
		settings.Version = "7.0"
	}
	var auths []restframework.Authenticator
	for _, name := range c.auth {
		switch name {
		case "session":
			auths = append(auths, &restframework.SessionAuthentication{Config: cfg})
		case "basic":
			auths = append(auths, &restframework.BasicAuthentication{Config: cfg})
		case "token":
			auths = append(auths, &restframework.TokenAuthentication{Tokens: tokens, Config: cfg})
		case "jwt":
			auths = append(auths, jwt)
		case "jwtcookie":
			auths = append(auths, &simplejwt.JWTCookieAuthentication{JWTAuthentication: *jwt, Cookie: settings.Cookies.AuthCookie})
		default:
			t.Fatalf("authentication %q", name)
		}
	}
	ds := &site.settings
	var throttles, scoped []restframework.Throttle
	if c.throttles != nil {
		cache, err := filecache.New(filecache.Options{Dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range c.throttles {
			switch name {
			case "scoped":
				scoped = append(scoped, &restframework.UserRateThrottle{RateThrottle: restframework.RateThrottle{
					Cache: cache, Rate: c.rates["dj_rest_auth"], Scope: "dj_rest_auth"}})
			case "anon":
				throttles = append(throttles, &restframework.AnonRateThrottle{RateThrottle: restframework.RateThrottle{
					Cache: cache, Rate: c.rates["anon"]}})
			default:
				t.Fatalf("throttle %q", name)
			}
		}
	}
	views := &restauth.Views{Throttles: throttles, ScopedThrottles: scoped, Settings: settings, Config: cfg, Tokens: tokens, Authentication: auths, Django: ds,
		RESTFramework: drf, Python: setup.Python, PasswordValidators: validators, ResetTokens: resetTokens,
		SendMail: func(_ context.Context, m *auth.PasswordResetEmail) error {
			*mails = append(*mails, restAuthMail{To: []string{m.To},
				Link: m.Protocol + "://" + m.Domain + "/reset/" + m.UID + "/" + m.Token + "/"})
			return nil
		},
		JWT: &simplejwt.Views{Settings: s, Config: cfg, Blacklist: bl, Django: ds, RESTFramework: drf, Python: setup.Python}}
	mux := http.NewServeMux()
	mux.Handle("/auth/login/", views.Login())
	mux.Handle("/auth/logout/", views.Logout())
	mux.Handle("/auth/user/", views.UserDetails())
	mux.Handle("/auth/token/refresh/", views.TokenRefresh())
	mux.Handle("/auth/password/change/", views.PasswordChange())
	mux.Handle("/auth/password/reset/confirm/", views.PasswordResetConfirm())
	mux.Handle("/auth/password/reset/", views.PasswordReset())
	mux.Handle("/api/whoami/", &restframework.APIView{Authentication: auths, Throttles: throttles, Methods: []string{"GET"}, Name: "Who Am I",
		Settings: ds, RESTFramework: drf, Python: setup.Python,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			a := restframework.FromContext(r.Context())
			d := serializer.NewDict()
			d.Set("user", serializer.None())
			d.Set("auth", serializer.None())
			if a.User != nil {
				n, _ := strconv.ParseInt(a.User.ID, 10, 64)
				d.Set("user", serializer.Int(n))
			}
			switch a.Auth.(type) {
			case *restframework.Token:
				d.Set("auth", serializer.Str("Token"))
			case *simplejwt.Token:
				d.Set("auth", serializer.Str("AccessToken"))
			}
			restframework.Response(w, r, http.StatusOK, serializer.DictValue(d))
		})})
	csrf, err := django.NewCSRFMiddleware(site.settings)
	if err != nil {
		t.Fatal(err)
	}
	csrf.Exempt = func(*http.Request) bool { return true } // (DRF's views are csrf_exempt)
	return site.mw.Handler(csrf.Handler(mux)), s
}

// restAuthMail is a password reset email: its recipients and link.
type restAuthMail struct {
	To   []string
	Link string
}

// restAuthTokenRE is the token of a password reset link.
var restAuthTokenRE = regexp.MustCompile(`/[0-9a-z]+-[0-9a-f]+/$`)

// restAuthPlaceholder is a value of an earlier answer in a step's body or headers.
var restAuthPlaceholder = regexp.MustCompile(`\{(access|refresh|key|csrf):(\w)\}`)

// restAuthClients are restauth_oracle.py's clients: each one's cookies, and the tokens
// and keys its answers held.
type restAuthClients struct {
	jars map[string]map[string]string
	held map[[2]string]string
}

// request is step as its client sends it.
func (cs *restAuthClients) request(step restAuthStep) *http.Request {
	jar := cs.jars[step.Client]
	fill := func(s string) string {
		return restAuthPlaceholder.ReplaceAllStringFunc(s, func(m string) string {
			sub := restAuthPlaceholder.FindStringSubmatch(m)
			if sub[1] == "csrf" {
				return jar["csrftoken"]
			}
			return cs.held[[2]string{sub[1], sub[2]}]
		})
	}
	req := stepRequest(step.jwtStep, step.Path, latin1Bytes(fill(step.Body)), fill)
	var cookies []string
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range jar {
			if !yield(k) {
				return
			}
		}
	}) {
		cookies = append(cookies, name+"="+jar[name])
	}
	if cookies != nil {
		req.Header.Set("Cookie", strings.Join(cookies, "; "))
	}
	return req
}

// answered keeps what the answer a to step's client sets: its cookies (a Max-Age of 0
// deletes one), and the tokens and key of a 200's JSON body.
func (cs *restAuthClients) answered(t *testing.T, step restAuthStep, a jwtAnswer) {
	if step.Client == "" {
		return
	}
	if cs.jars[step.Client] == nil {
		cs.jars[step.Client] = map[string]string{}
	}
	for _, line := range a.SetCookie {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			t.Fatalf("Set-Cookie %q: %v", line, err)
		}
		if c.MaxAge < 0 {
			delete(cs.jars[step.Client], c.Name)
		} else {
			cs.jars[step.Client][c.Name] = c.Value
		}
	}
	if a.Status != http.StatusOK || a.ContentType == nil || *a.ContentType != "application/json" {
		return
	}
	var body map[string]any
	if json.Unmarshal([]byte(a.Body), &body) != nil {
		return
	}
	for _, kind := range []string{"access", "refresh", "key"} {
		if s, ok := body[kind].(string); ok && s != "" {
			cs.held[[2]string{kind, step.Client}] = s
		}
	}
}

var (
	restAuthKeyRE      = regexp.MustCompile(`"key":"[0-9a-f]{40}"`)
	restAuthWaitRE     = regexp.MustCompile(`in \d+ seconds?`)
	restAuthDatetimeRE = regexp.MustCompile(`"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?`)
	restAuthCookieRE   = regexp.MustCompile(`^(sessionid|csrftoken)=[A-Za-z0-9]+;|^(jwt-auth|jwt-refresh|a)=eyJ[^;]*;`)
)

// restAuthNormal is a with what differs on each side (the tokens and keys made, the
// times, the session keys and CSRF tokens of the cookies) replaced.
func restAuthNormal(t *testing.T, s *simplejwt.Settings, a jwtAnswer) jwtAnswer {
	a = a.normal(t, s)
	a.Body = restAuthKeyRE.ReplaceAllString(a.Body, `"key":"<key>"`)
	// (a time as its distance from now, in UTC's wall clock, to five minutes: what the
	// two sides hold in common)
	a.Body = restAuthDatetimeRE.ReplaceAllStringFunc(a.Body, func(m string) string {
		wall, err := time.Parse("2006-01-02T15:04:05", m[1:20])
		if err != nil {
			t.Errorf("a datetime %s: %v", m, err)
			return m
		}
		d := wall.Sub(time.Now().UTC().Truncate(time.Second).Add(0))
		return fmt.Sprintf(`"<now%+dmin>`, (d+150*time.Second).Truncate(5*time.Minute)/time.Minute)
	})
	a.Body = restAuthWaitRE.ReplaceAllString(a.Body, "in <n> seconds") // (Django's clock and Go's)
	for i, c := range a.SetCookie {
		a.SetCookie[i] = restAuthCookieRE.ReplaceAllStringFunc(c, func(m string) string {
			name, _, _ := strings.Cut(m, "=")
			return name + "=<value>;"
		})
	}
	slices.Sort(a.SetCookie)
	return a
}

// TestLiveRESTAuth holds package restauth (and simplejwt's CookieTokenRefresh) to
// dj-rest-auth (7.0.0 on Django 3.2, 7.2.0 on the others) on the site configurations of
// restAuthConfigs (DRF tokens with session logins; JWT cookies with rotation and the
// blacklist; tokens in the body with expiration times, session logins and logout on GET;
// DRF's anonymous and "dj_rest_auth" scoped throttles; the blacklist without sessions and
// naive times in another zone): the same database copied after Django's setup, the same
// ~260 requests sent to Django's views and Go's by the same clients (their cookies kept
// as a browser keeps them, the tokens and CSRF tokens of earlier answers reused), and the
// same answers byte for byte, but for the tokens, keys, session keys and times each side
// makes anew (Go's tokens must be valid and hold the same claims). Logins that fail every
// way LoginSerializer refuses, logins by email (ignoring case, one email two users have:
// a 500), CSRF checks of logged-in sessions, user details read and changed, refreshes
// from the cookie and from the body with bad values, logouts with and without a refresh
// token, passwords changed and reset (the emails compared: recipients and links). Then
// Django reads the tables Go wrote: the same sessions logged in as the same users through
// the same backend, the same DRF tokens, the same outstanding and blacklisted tokens, the
// same users' last_login. The first configuration runs on every Django version, the
// others on the oldest and newest.
func TestLiveRESTAuth(t *testing.T) {
	t.Parallel() // (with the other heavy live tests, on databases of their own)
	peers := livePeers(t)
	for i, p := range peers {
		for j, c := range restAuthConfigs {
			if j > 0 && i != 0 && i != len(peers)-1 {
				continue // (the other configurations on the oldest and newest Django alone)
			}
			t.Run(p.Series+"/"+c.name, func(t *testing.T) {
				t.Parallel() // (databases and processes of its own)
				adb := newAuthDB(t, p.Series, "sqlite")
				dbj, _ := json.Marshal(adb.django)
				if c.throttles != nil { // (Django's throttle histories in a cache of its own)
					c.django = map[string]any{"CACHES": map[string]any{"default": map[string]any{
						"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": t.TempDir()}}}
				}
				var setup restAuthSetup
				restAuthOracle(t, p.Series, string(dbj), c, nil, &setup, "setup")
				goPath := filepath.Join(t.TempDir(), "go.sqlite3")
				copyFile(t, adb.django["NAME"].(string), goPath)
				var want struct {
					Steps []jwtAnswer
					Mails [][]restAuthMail
					State restAuthState
				}
				restAuthOracle(t, p.Series, string(dbj), c, map[string]any{"steps": setup.Steps}, &want, "run")
				if len(want.Steps) != len(setup.Steps) || len(setup.Steps) < 100 {
					t.Fatalf("%d answers for %d steps", len(want.Steps), len(setup.Steps))
				}
				var mails []restAuthMail
				h, s := restAuthSite(t, p.Django, setup, c, goPath, &mails)
				sent := 0
				clients := &restAuthClients{jars: map[string]map[string]string{}, held: map[[2]string]string{}}
				codes := map[int]int{}
				for i, step := range setup.Steps {
					req := clients.request(step)
					got := jwtServe(h, req)
					clients.answered(t, step, got)
					codes[want.Steps[i].Status]++
					w := restAuthNormal(t, s, want.Steps[i])
					if diff := cmp.Diff(w, restAuthNormal(t, s, got), jwtCmp); diff != "" {
						t.Errorf("step %d %s: %s %s %q %q (-django +go):\n%s", i, step.Client, step.Method, step.Path,
							step.Headers, step.Body, diff)
					}
					// (the emails: the same recipients and links, but for the tokens' time)
					for _, ms := range [][]restAuthMail{want.Mails[i], mails} {
						for j := range ms {
							ms[j].Link = restAuthTokenRE.ReplaceAllString(ms[j].Link, "/<token>/")
						}
					}
					if diff := cmp.Diff(want.Mails[i], mails, cmpopts.EquateEmpty()); diff != "" {
						t.Errorf("step %d: %s %q: the emails (-django +go):\n%s", i, step.Path, step.Body, diff)
					}
					sent += len(mails)
					mails = mails[:0]
				}
				wantCodes := []int{200, 400, 401, 405, 500}
				switch c.name {
				case "session":
					wantCodes = []int{200, 400, 403, 405, 500}
				case "throttled":
					wantCodes = []int{200, 400, 403, 429}
				}
				for _, code := range wantCodes {
					if codes[code] == 0 {
						t.Errorf("no step answered %d: %v", code, codes)
					}
				}
				if sent < 3 && c.throttles == nil { // (throttled: no reset reaches the view)
					t.Errorf("%d emails sent", sent)
				}
				var state restAuthState
				restAuthOracle(t, p.Series, fmt.Sprintf(`{"ENGINE":"django.db.backends.sqlite3","NAME":%q}`, goPath), c, nil, &state, "state")
				if diff := cmp.Diff(want.State, state); diff != "" {
					t.Errorf("the tables after the steps (-django's +go's, read by Django):\n%s", diff)
				}
				if len(want.State.LastLogin)+len(want.State.Outstanding) == 0 {
					t.Errorf("too little state to compare: %+v", want.State)
				}
			})
		}
	}
}

// TestLiveRESTAuthUsers holds the two queries restauth adds to auth.SQLUserSource to
// Django's on SQLite, PostgreSQL and MariaDB (the newest Django on the servers): the users
// UsersWithEmail finds for an email are those of User.objects.filter(email__iexact=...)
// (case, non-ASCII letters, which SQLite's LIKE compares as they are, LIKE's own
// characters, several users), and the names UpdateUser writes are what Django reads.
func TestLiveRESTAuthUsers(t *testing.T) {
	t.Parallel() // (with the other heavy live tests, on databases of their own)
	newestOnServers(t, func(t *testing.T, p *peer, backend string) {
		adb := newAuthDB(t, p.Series, backend)
		dbj, _ := json.Marshal(adb.django)
		c := restAuthConfigs[0]
		var setup restAuthSetup
		restAuthOracle(t, p.Series, string(dbj), c, nil, &setup, "setup")
		users, err := auth.NewSQLUserSource(adb.db, adb.dialect, auth.AuthUser, auth.SQLOptions{})
		if err != nil {
			t.Fatal(err)
		}
		emails := []string{"alice@example.com", "ALICE@example.COM", "dup@example.com", "carol@example.com",
			"\u00e9mile@ex\u00e4mple.com", "\u00c9mile@Ex\u00e4mple.com", "\u00c9MILE@EX\u00c4MPLE.COM", "%@example.com",
			"_lice@example.com", "alice@example.com ", "", "nobody@example.com", `alice\@example.com`}
		ctx := t.Context()
		u, err := users.User(ctx, "4")
		if err != nil {
			t.Fatal(err)
		}
		u.Username, u.FirstName, u.LastName = "jos\u00e9.2", "\u00dc", "L\u00f3pez \U0001F600"
		if err := users.UpdateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		var want struct {
			Emails [][]int
			Users  [][]any
		}
		restAuthOracle(t, p.Series, string(dbj), c, map[string]any{"emails": emails}, &want, "lookup")
		for i, e := range emails {
			found, err := users.UsersWithEmail(ctx, e)
			if err != nil {
				t.Fatal(err)
			}
			got := []int{}
			for _, u := range found {
				n, _ := strconv.Atoi(u.ID)
				got = append(got, n)
			}
			slices.Sort(got)
			if diff := cmp.Diff(want.Emails[i], got); diff != "" {
				t.Errorf("email %q (-django +go):\n%s", e, diff)
			}
		}
		if diff := cmp.Diff([]any{4.0, "jos\u00e9.2", "\u00dc", "L\u00f3pez \U0001F600", "dup@example.com"}, want.Users[3]); diff != "" {
			t.Errorf("the user Go changed, as Django reads it (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]any{5.0, "dave", "", "", "DUP@example.com"}, want.Users[4]); diff != "" {
			t.Errorf("another user (-want +got):\n%s", diff)
		}
	})
}

// TestDjangoExportRESTAuth runs scripts/export_settings.py in a project with a REST_AUTH
// of its own (cookies, no TOKEN_MODEL, the JWT options, a default serializer named, an
// MFA setting) and ACCOUNT_LOGOUT_ON_GET on each Django version, and reads it with
// restauth.SettingsFromJSON: the same settings, the version of dj-rest-auth installed
// there; then a serializer of the project's own is refused.
func TestDjangoExportRESTAuth(t *testing.T) {
	settingsPy := `
SECRET_KEY = "export-test-secret"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth"]
DATABASES = {}
ACCOUNT_LOGOUT_ON_GET = True
REST_AUTH = {
    "USE_JWT": True, "SESSION_LOGIN": False, "TOKEN_MODEL": None,
    "JWT_AUTH_COOKIE": "app", "JWT_AUTH_REFRESH_COOKIE": "app-refresh", "JWT_AUTH_REFRESH_COOKIE_PATH": "/auth/",
    "JWT_AUTH_SAMESITE": None, "JWT_AUTH_SECURE": True, "JWT_AUTH_HTTPONLY": False, "JWT_AUTH_COOKIE_DOMAIN": ".example.com",
    "JWT_AUTH_RETURN_EXPIRATION": True, "JWT_AUTH_COOKIE_USE_CSRF": True, "OLD_PASSWORD_FIELD_ENABLED": True,
    "LOGOUT_ON_PASSWORD_CHANGE": True, "LOGIN_SERIALIZER": "dj_rest_auth.serializers.LoginSerializer",
    "MFA_TOTP_DIGITS": 8,
}
`
	script, project := settingsProject(t, settingsPy)
	for _, p := range livePeers(t) {
		t.Run(p.Series, func(t *testing.T) {
			py := filepath.Join(venvDir(), "django-"+p.Series, "bin", "python")
			export := func() []byte {
				cmd := exec.Command(py, script)
				cmd.Dir = project
				cmd.Env = append(os.Environ(), "DJANGO_SETTINGS_MODULE=mysite.settings")
				out, err := cmd.Output()
				if err != nil {
					t.Fatalf("export_settings.py: %v", err)
				}
				return out
			}
			s, err := restauth.SettingsFromJSON(export())
			if err != nil {
				t.Fatal(err)
			}
			want := restauth.Defaults()
			want.UseJWT, want.SessionLogin, want.NoTokenModel, want.LogoutOnGet = true, false, true, true
			want.Cookies = simplejwt.CookieSettings{AuthCookie: "app", RefreshCookie: "app-refresh", RefreshCookiePath: "/auth/",
				Secure: true, Domain: ".example.com"}
			want.ReturnExpiration, want.CookieUseCSRF, want.OldPasswordFieldEnabled = true, true, true
			want.LogoutOnPasswordChange = true
			if p.Series == "3.2" {
				want.Version = "7.0"
			}
			if diff := cmp.Diff(want, s); diff != "" {
				t.Errorf("settings (-want +got):\n%s", diff)
			}
			if c := s.CookieAuthentication(simplejwt.JWTAuthentication{}); c.Cookie != "app" || !c.CookieUseCSRF {
				t.Errorf("CookieAuthentication: %+v", c)
			}
		})
	}
	script, project = settingsProject(t, strings.Replace(settingsPy, `"MFA_TOTP_DIGITS": 8,`,
		`"USER_DETAILS_SERIALIZER": "mysite.serializers.Details",`, 1))
	p := livePeers(t)[len(livePeers(t))-1]
	cmd := exec.Command(filepath.Join(venvDir(), "django-"+p.Series, "bin", "python"), script)
	cmd.Dir = project
	cmd.Env = append(os.Environ(), "DJANGO_SETTINGS_MODULE=mysite.settings")
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := restauth.SettingsFromJSON(out); !errors.Is(err, restauth.ErrSettings) {
		t.Errorf("a serializer of the project's own: %v", err)
	}
}

package compat_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/restframework"
	"github.com/djsession/djsession/restframework/knox"
	"github.com/djsession/djsession/restframework/simplejwt"
	"github.com/djsession/djsession/serializer"
)

// knoxConfig is a site configuration of scripts/knox_oracle.py.
type knoxConfig struct {
	name     string
	restKnox map[string]any // REST_KNOX (durations in seconds)
	auth     []string       // DEFAULT_AUTHENTICATION_CLASSES by name
	django   map[string]any
}

var knoxConfigs = []knoxConfig{
	{name: "default", restKnox: map[string]any{}, auth: []string{"basic", "knox"}},
	{name: "custom", auth: []string{"session", "basic"},
		restKnox: map[string]any{"TOKEN_TTL": nil, "AUTH_HEADER_PREFIX": "Bearer", "USER_SERIALIZER": true,
			"TOKEN_LIMIT_PER_USER": 3, "AUTH_TOKEN_CHARACTER_LENGTH": 32}},
	{name: "refresh", auth: []string{"basic"},
		restKnox: map[string]any{"AUTO_REFRESH": true, "MIN_REFRESH_INTERVAL": 0, "TOKEN_TTL": 3600,
			"AUTO_REFRESH_MAX_TTL": 1800, "TOKEN_PREFIX": "app_", "TOKEN_LIMIT_PER_USER": 2},
		django: map[string]any{"USE_TZ": false, "TIME_ZONE": "Asia/Kolkata"}},
	{name: "edges", auth: []string{"basic", "knox"},
		restKnox: map[string]any{"TOKEN_TTL": nil, "AUTO_REFRESH": true, "AUTO_REFRESH_MAX_TTL": 0}},
	// (a header's bytes are latin-1, the prefix's UTF-8: knox takes no token with a prefix
	// beyond ASCII)
	{name: "no-logins", auth: []string{"basic", "knox"},
		restKnox: map[string]any{"TOKEN_LIMIT_PER_USER": 0, "AUTH_HEADER_PREFIX": "J\u00e9ton"}},
}

// knoxSetup is what knox_oracle.py's setup prints.
type knoxSetup struct {
	Tokens map[string]string
	Steps  []jwtStep
	Knox   string
	DRF    string
	Python string
}

// knoxState is what knox_oracle.py's state prints.
type knoxState struct {
	Rows      [][]any
	LastLogin []int `json:"last_login"`
}

func knoxOracle(t *testing.T, series, dbJSON string, c knoxConfig, stdin any, out any, command string) {
	t.Helper()
	conf, _ := json.Marshal(map[string]any{"rest_knox": c.restKnox, "auth": c.auth, "django": c.django})
	in := ""
	if stdin != nil {
		b, _ := json.Marshal(stdin)
		in = string(b)
	}
	runScriptJSON(t, series, "", in, out, "knox_oracle.py", dbJSON, string(conf), command)
}

// knoxSettings is c's REST_KNOX for knox version.
func knoxSettings(c knoxConfig, version string) *knox.Settings {
	s := knox.Defaults()
	if strings.HasPrefix(version, "4.") {
		s.Version = "4.2"
	}
	secs := func(v any) time.Duration { return time.Duration(v.(float64)) * time.Second }
	for k, v := range c.restKnox {
		switch k {
		case "TOKEN_TTL":
			if v == nil {
				s.NoExpiry = true
			} else {
				s.TokenTTL = secs(float64(v.(int)))
			}
		case "AUTO_REFRESH_MAX_TTL":
			d := secs(float64(v.(int)))
			s.AutoRefreshMaxTTL = &d
		case "AUTH_HEADER_PREFIX":
			s.AuthHeaderPrefix = v.(string)
		case "TOKEN_PREFIX":
			s.TokenPrefix = v.(string)
		case "USER_SERIALIZER":
			s.UserSerializer = v.(bool)
		case "TOKEN_LIMIT_PER_USER":
			n := v.(int)
			s.TokenLimitPerUser = &n
		case "AUTH_TOKEN_CHARACTER_LENGTH":
			s.AuthTokenCharacterLength = v.(int)
		case "AUTO_REFRESH":
			s.AutoRefresh = v.(bool)
		case "MIN_REFRESH_INTERVAL":
			s.MinRefreshInterval = float64(v.(int))
		}
	}
	return s
}

// knoxSite is knox_oracle.py's site in Go on adb.
func knoxSite(t *testing.T, djangoVersion string, setup knoxSetup, c knoxConfig, adb *authDatabase) http.Handler {
	site, cfg := oracleSiteOn(t, djangoVersion, adb, c.django)
	s := knoxSettings(c, setup.Knox)
	tokens := knox.NewSQLTokens(site.users, "")
	ka := &knox.TokenAuthentication{Settings: s, Tokens: tokens, Config: cfg}
	var auths []restframework.Authenticator
	for _, name := range c.auth {
		switch name {
		case "basic":
			auths = append(auths, &restframework.BasicAuthentication{Config: cfg})
		case "session":
			auths = append(auths, &restframework.SessionAuthentication{Config: cfg})
		case "knox":
			auths = append(auths, ka)
		}
	}
	ds := &site.settings
	drf := drfVersion(setup.DRF)
	views := &knox.Views{Settings: s, Tokens: tokens, Config: cfg, Authentication: auths, Django: ds,
		RESTFramework: drf, Python: setup.Python}
	mux := http.NewServeMux()
	mux.Handle("/api/login/", views.Login())
	mux.Handle("/api/logout/", views.Logout())
	mux.Handle("/api/logoutall/", views.LogoutAll())
	mux.Handle("/api/whoami/", &restframework.APIView{Authentication: []restframework.Authenticator{ka},
		Permissions: []restframework.Permission{restframework.IsAuthenticated{}}, Methods: []string{"GET"},
		Name: "Who Am I", Settings: ds, RESTFramework: drf, Python: setup.Python,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			a := restframework.FromContext(r.Context())
			n, _ := strconv.ParseInt(a.User.ID, 10, 64)
			d := serializer.NewDict()
			d.Set("user", serializer.Int(n))
			d.Set("token_key", serializer.Str(a.Auth.(*knox.AuthToken).TokenKey))
			restframework.Response(w, r, http.StatusOK, serializer.DictValue(d))
		})})
	csrf, err := django.NewCSRFMiddleware(site.settings)
	if err != nil {
		t.Fatal(err)
	}
	csrf.Exempt = func(*http.Request) bool { return true }
	return site.mw.Handler(csrf.Handler(mux))
}

var (
	knoxPlaceholder = regexp.MustCompile(`\{(t|login):(\w+)\}`)
	knoxTokenRE     = regexp.MustCompile(`"token":"[^"]*"`)
	knoxKeyRE       = regexp.MustCompile(`"token_key":"([^"]*)"`)
)

// TestLiveKnox holds package knox to django-rest-knox (4.2.0 on Django 3.2, 5.1.0 on the
// others) on the site configurations of knoxConfigs (knox's defaults behind Basic and
// knox authentication; no expiry, another header scheme, knox's UserSerializer, a token
// limit and shorter tokens; AUTO_REFRESH with AUTO_REFRESH_MAX_TTL, a TOKEN_PREFIX and
// naive times in Asia/Kolkata; AUTO_REFRESH without a TOKEN_TTL, and a zero
// AUTO_REFRESH_MAX_TTL; a limit of 0 tokens and a header prefix beyond ASCII): the same
// database copied after Django's setup (users, tokens good, expired, never expiring, of
// an inactive user, of a user whose row is gone), the same requests (Authorization
// headers of every shape, logins, logouts, logging out everywhere) sent to Django's views
// and Go's, and the same answers byte for byte but for the tokens and keys each side makes
// anew (and the expiry, compared as its distance from now); then Django reads Go's
// knox_authtoken: the same tokens left for the same users, expiring alike, the same
// last_login. The default configuration runs on every Django version, the others on the
// oldest and newest.
func TestLiveKnox(t *testing.T) {
	t.Parallel() // (with the other heavy live tests, on databases of their own)
	peers := livePeers(t)
	for i, p := range peers {
		for j, c := range knoxConfigs {
			if j > 0 && i != 0 && i != len(peers)-1 {
				continue // (the other configurations on the oldest and newest Django alone)
			}
			t.Run(p.Series+"/"+c.name, func(t *testing.T) {
				t.Parallel() // (databases and processes of its own)
				knoxLive(t, p, c, "sqlite")
			})
		}
	}
}

// TestLiveKnoxServers is TestLiveKnox's default configuration on PostgreSQL and MariaDB
// with the newest Django: two databases that Django's setup fills alike (but for the
// tokens' random values), one for Django's views and one for Go's.
func TestLiveKnoxServers(t *testing.T) {
	t.Parallel() // (with the other heavy live tests, on databases of their own)
	newestOnServers(t, func(t *testing.T, p *peer, backend string) {
		if backend != "sqlite" {
			knoxLive(t, p, knoxConfigs[0], backend)
		}
	})
}

// knoxLive runs knox_oracle.py's steps on Django and on Go for configuration c on
// backend: on SQLite a copy of Django's database, else a second one set up alike.
func knoxLive(t *testing.T, p *peer, c knoxConfig, backend string) {
	adb := newAuthDB(t, p.Series, backend)
	dbj, _ := json.Marshal(adb.django)
	var setup knoxSetup
	knoxOracle(t, p.Series, string(dbj), c, nil, &setup, "setup")
	var goSetup knoxSetup // (a new one: unmarshalling into a copy of setup would fill its map)
	var goDB *authDatabase
	if backend == "sqlite" {
		goPath := filepath.Join(t.TempDir(), "go.sqlite3")
		copyFile(t, adb.django["NAME"].(string), goPath)
		goSetup, goDB = setup, sqliteAuthDB(t, goPath)
	} else {
		goDB = newAuthDB(t, p.Series, backend)
		goJSON, _ := json.Marshal(goDB.django)
		knoxOracle(t, p.Series, string(goJSON), c, nil, &goSetup, "setup")
	}
	var want struct {
		Steps []jwtAnswer
		State knoxState
	}
	knoxOracle(t, p.Series, string(dbj), c, map[string]any{"steps": setup.Steps, "tokens": setup.Tokens}, &want, "run")
	if len(want.Steps) != len(setup.Steps) || len(setup.Steps) < 50 {
		t.Fatalf("%d answers for %d steps", len(want.Steps), len(setup.Steps))
	}
	h := knoxSite(t, p.Django, goSetup, c, goDB)
	s := simplejwt.Defaults("")
	normal := func(a jwtAnswer) jwtAnswer {
		a = restAuthNormal(t, s, a)
		a.Body = knoxTokenRE.ReplaceAllString(a.Body, `"token":"<token>"`)
		a.Body = knoxKeyRE.ReplaceAllStringFunc(a.Body, func(m string) string {
			return fmt.Sprintf(`"token_key":"<%d characters>"`, len(knoxKeyRE.FindStringSubmatch(m)[1]))
		})
		return a
	}
	var logins []string
	codes := map[int]int{}
	for i, step := range setup.Steps {
		fill := func(v string) string {
			return knoxPlaceholder.ReplaceAllStringFunc(v, func(m string) string {
				sub := knoxPlaceholder.FindStringSubmatch(m)
				if sub[1] == "t" {
					return goSetup.Tokens[sub[2]]
				}
				if n, _ := strconv.Atoi(sub[2]); n < len(logins) {
					return logins[n]
				}
				return "none"
			})
		}
		got := jwtServe(h, stepRequest(step, step.Path, step.Body, fill))
		if step.Path == "/api/login/" && step.Method == "POST" {
			var body struct{ Token string }
			json.Unmarshal([]byte(got.Body), &body)
			if body.Token == "" {
				body.Token = "none"
			}
			logins = append(logins, body.Token)
		}
		codes[want.Steps[i].Status]++
		if diff := cmp.Diff(normal(want.Steps[i]), normal(got), jwtCmp); diff != "" {
			t.Errorf("step %d %s %s %q (-django +go):\n%s", i, step.Method, step.Path, step.Headers, diff)
		}
	}
	wantCodes := map[string][]int{"edges": {200, 204, 401, 500}, "no-logins": {401, 403}}[c.name]
	if wantCodes == nil {
		wantCodes = []int{200, 204, 401, 405}
	}
	for _, code := range wantCodes {
		if codes[code] == 0 {
			t.Errorf("no step answered %d: %v", code, codes)
		}
	}
	var state knoxState
	goJSON, _ := json.Marshal(goDB.django)
	knoxOracle(t, p.Series, string(goJSON), c, map[string]any{"tokens": goSetup.Tokens}, &state, "state")
	if diff := cmp.Diff(want.State, state); diff != "" {
		t.Errorf("the tokens after the steps (-django's +go's, read by Django):\n%s", diff)
	}
	if len(want.State.Rows) < 3 || len(want.State.LastLogin) == 0 && c.name != "no-logins" {
		t.Errorf("too little state to compare: %+v", want.State)
	}
}

// TestDjangoExportKnox runs scripts/export_settings.py in a project with a REST_KNOX of
// its own on the oldest and newest Django, and reads it with knox.SettingsFromJSON: the
// same settings, and knox's version there.
func TestDjangoExportKnox(t *testing.T) {
	script, project := settingsProject(t, `
from datetime import timedelta
SECRET_KEY = "export-test-secret"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth"]
DATABASES = {}
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=2, microseconds=5), "TOKEN_LIMIT_PER_USER": 5, "AUTO_REFRESH": True,
    "AUTO_REFRESH_MAX_TTL": None, "MIN_REFRESH_INTERVAL": 30, "USER_SERIALIZER": "knox.serializers.UserSerializer",
    "AUTH_HEADER_PREFIX": "Bearer", "TOKEN_PREFIX": "ab_", "AUTH_TOKEN_CHARACTER_LENGTH": 32,
    "SECURE_HASH_ALGORITHM": "hashlib.sha512",
}
`)
	peers := livePeers(t)
	for _, p := range []*peer{peers[0], peers[len(peers)-1]} {
		t.Run(p.Series, func(t *testing.T) {
			cmd := exec.Command(filepath.Join(venvDir(), "django-"+p.Series, "bin", "python"), script)
			cmd.Dir = project
			cmd.Env = append(os.Environ(), "DJANGO_SETTINGS_MODULE=mysite.settings")
			out, err := cmd.Output()
			if err != nil {
				t.Fatal(err)
			}
			s, err := knox.SettingsFromJSON(out)
			if err != nil {
				t.Fatal(err)
			}
			want := knox.Defaults()
			limit := 5
			want.TokenTTL, want.TokenLimitPerUser, want.AutoRefresh = 2*time.Hour+5*time.Microsecond, &limit, true
			want.MinRefreshInterval, want.UserSerializer, want.AuthHeaderPrefix = 30, true, "Bearer"
			want.TokenPrefix, want.AuthTokenCharacterLength = "ab_", 32
			if p.Series == "3.2" {
				want.Version = "4.2"
			}
			if diff := cmp.Diff(want, s, cmpopts.IgnoreFields(knox.Settings{}, "Now")); diff != "" {
				t.Errorf("settings (-want +got):\n%s", diff)
			}
		})
	}
}

package compat_test

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
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
	"github.com/djsession/djsession/restframework"
	"github.com/djsession/djsession/serializer"
)

// drfStep is a request of scripts/drf_oracle.py: its headers are latin-1 text.
type drfStep struct {
	Method      string
	Path        string
	Headers     map[string]string
	Secure      bool
	ContentType *string `json:"content_type"`
	Body        string
}

// drfAnswer is what drf_oracle.py reports of an answer (the body as latin-1 text).
type drfAnswer struct {
	Status          int
	ContentType     *string `json:"content_type"`
	WWWAuthenticate *string `json:"www_authenticate"`
	Allow           *string
	Vary            *string
	Body            string
}

// TestLiveRESTFramework holds package restframework to Django REST framework (the newest
// release for each Django version), on the database Django made (users, one inactive and
// one staff; authtoken_token; logged-in sessions), with ten APIViews (Session, Basic and
// Token authentication in several orders, a "Bearer" keyword, none; IsAuthenticated,
// IsAuthenticatedOrReadOnly, IsAdminUser, AllowAny, one that fails; a few methods each;
// an upload): 500 random requests with Authorization headers of every scheme, good and
// broken (bad base64, missing padding, latin-1 credentials, inactive users, unknown
// tokens, spaces, invalid UTF-8), session and CSRF cookies, CSRF headers, Origin and
// Referer, over HTTP and HTTPS, Accept headers (indent, q, wildcards, none acceptable) and
// ?format=, by every method; then a logged-in browser's POSTs and PUTs with bodies of
// every kind (malformed JSON, 2.7 MB bodies, charsets, multipart variants, uploads whose
// body the handler reads again, with no temporary file left behind), 1000 and 1001
// query fields, a server error, OPTIONS; then 150 Basic headers whose base64 is mangled
// in ways Python's lenient decoder may forgive. Each must give the same status,
// Content-Type, WWW-Authenticate, Allow and Vary headers, and body, byte for byte.
func TestLiveRESTFramework(t *testing.T) {
	for _, p := range livePeers(t) {
		t.Run(p.Series, func(t *testing.T) {
			var setup struct {
				Steps  []drfStep
				Python string
				DRF    string
			}
			adb, dbj := drfSetup(t, p.Series, &setup)
			var want struct{ Steps []drfAnswer }
			runScriptJSON(t, p.Series, "", "", &want, "drf_oracle.py", dbj, "run")
			if len(want.Steps) != len(setup.Steps) || len(setup.Steps) < 680 {
				t.Fatalf("Django ran %d of %d steps", len(want.Steps), len(setup.Steps))
			}
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp) // (where the bodies of large uploads are kept)
			h := drfSite(t, p.Django, adb, setup.Python, setup.DRF)
			statuses := map[int]int{}
			for i, step := range setup.Steps {
				got := drfRequest(h, step)
				statuses[got.Status]++
				if d := cmp.Diff(want.Steps[i], got); d != "" {
					t.Errorf("step %d (%s %s %q secure=%v): (-django +go)\n%s", i, step.Method, step.Path, step.Headers, step.Secure, d)
				}
			}
			if left, _ := filepath.Glob(filepath.Join(tmp, "*")); len(left) > 0 {
				t.Errorf("files left where the bodies are kept: %v", left)
			}
			for _, s := range []int{200, 401, 403, 404, 405, 406} { // (the steps reach every answer)
				if statuses[s] == 0 {
					t.Errorf("no step answered %d: %v", s, statuses)
				}
			}
		})
	}
}

// drfSetup makes an empty SQLite database, has drf_oracle.py set it up (users, tokens,
// sessions), reads what that prints into setup, and returns the database and its
// DATABASES["default"] as JSON.
func drfSetup(t *testing.T, series string, setup any) (*authDatabase, string) {
	adb := newAuthDB(t, series, "sqlite")
	dbj, _ := json.Marshal(adb.django)
	runScriptJSON(t, series, "", "", setup, "drf_oracle.py", string(dbj), "setup")
	return adb, string(dbj)
}

// drfSite is drf_oracle.py's site in Go, on adb: db sessions, CSRF checks (the API
// exempt from the middleware's, as DRF's views are csrf_exempt), and its views, for the
// Python version that runs Django ("3.12").
func drfSite(t *testing.T, version string, adb *authDatabase, python, drf string) http.Handler {
	return drfSiteThrottled(t, version, adb, python, drf, "", nil)
}

// drfSiteThrottled is drfSite with drf_oracle.py's throttled views, their histories in a
// FileBasedCache in dir, on clock.
func drfSiteThrottled(t *testing.T, version string, adb *authDatabase, python, drf, dir string, clock *time.Time) http.Handler {
	site := dbSessionSite(t, version, adb, auth.AuthUser, auth.PKInt, nil)
	hs, err := hashers.FromSettings(version, []string{"django.contrib.auth.hashers.MD5PasswordHasher"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := site.cfg
	cfg.Hashers = hs
	tokens := restframework.NewSQLTokens(site.users, "")
	session := &restframework.SessionAuthentication{Config: cfg}
	basic := &restframework.BasicAuthentication{Config: cfg}
	token := &restframework.TokenAuthentication{Tokens: tokens, Config: cfg}
	bearer := &restframework.TokenAuthentication{Tokens: tokens, Config: cfg, Keyword: "Bearer"}
	answer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := restframework.FromContext(r.Context())
		d := serializer.NewDict()
		d.Set("user", serializer.None())
		d.Set("auth", serializer.None())
		d.Set("by", serializer.None())
		if a.User != nil {
			pk, err := strconv.ParseInt(a.User.ID, 10, 64)
			if err != nil {
				t.Error(err)
			}
			d.Set("user", serializer.Int(pk))
		}
		if tok, ok := a.Auth.(*restframework.Token); ok {
			d.Set("auth", serializer.Str(tok.Key))
		}
		switch a.Authenticator {
		case session:
			d.Set("by", serializer.Str("SessionAuthentication"))
		case basic:
			d.Set("by", serializer.Str("BasicAuthentication"))
		case token:
			d.Set("by", serializer.Str("TokenAuthentication"))
		case bearer:
			d.Set("by", serializer.Str("Bearer"))
		}
		if err := restframework.Response(w, r, http.StatusOK, serializer.DictValue(d)); err != nil {
			t.Error(err)
		}
	})
	type A = []restframework.Authenticator
	type P = []restframework.Permission
	view := func(auths A, perms P, methods ...string) *restframework.APIView {
		return &restframework.APIView{Authentication: auths, Permissions: perms, Methods: methods, Handler: answer,
			Name: "V", Settings: &site.settings, Python: python, RESTFramework: drf}
	}
	mux := http.NewServeMux()
	mux.Handle("/api/session-basic/", view(A{session, basic}, P{restframework.IsAuthenticated{}}, "GET", "POST"))
	mux.Handle("/api/token/", view(A{token, session}, P{restframework.IsAuthenticated{}}, "GET", "POST"))
	mux.Handle("/api/readonly/", view(A{token, basic}, P{restframework.IsAuthenticatedOrReadOnly{}}, "GET", "POST", "PUT"))
	mux.Handle("/api/admin/", view(A{basic, session}, P{restframework.IsAdminUser{}}, "GET"))
	mux.Handle("/api/none/", view(nil, P{restframework.IsAuthenticated{}}, "GET"))
	mux.Handle("/api/bearer/", view(A{bearer}, P{restframework.AllowAny{}}, "GET", "DELETE"))
	open := view(A{session, basic, token}, nil, "GET")
	open.Name, open.Description = "Open", "\n    Anybody.\n\n      Non-ASCII: \u00e9\u2028.\n    "
	mux.Handle("/api/open/", open)
	mux.Handle("/api/boom/", view(nil, P{boom{}}, "GET"))
	upload := view(A{session}, P{restframework.AllowAny{}}, "POST")
	upload.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// (what DRF's request.data has: the file's size and the note, read from the body
		// the CSRF check put back)
		d := serializer.NewDict()
		d.Set("size", serializer.None())
		d.Set("note", serializer.None())
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			t.Errorf("upload: %v", err)
		} else {
			if fs := r.MultipartForm.File["f"]; len(fs) > 0 {
				d.Set("size", serializer.Int(fs[0].Size))
			}
			if vs := r.MultipartForm.Value["note"]; len(vs) > 0 {
				d.Set("note", serializer.Str(vs[0]))
			}
			r.MultipartForm.RemoveAll()
		}
		restframework.Response(w, r, http.StatusOK, serializer.DictValue(d))
	})
	mux.Handle("/api/upload/", upload)
	if dir != "" {
		cache, err := filecache.New(filecache.Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		rate := func(r, scope string) restframework.RateThrottle {
			return restframework.RateThrottle{Cache: cache, Rate: r, Scope: scope, Now: func() time.Time { return *clock }}
		}
		throttled := view(A{token}, P{restframework.AllowAny{}}, "GET", "POST")
		throttled.Throttles = []restframework.Throttle{
			&restframework.AnonRateThrottle{RateThrottle: rate("3/min", "")},
			&restframework.UserRateThrottle{RateThrottle: rate("5/min", "")},
		}
		mux.Handle("/api/throttled/", throttled)
		scoped := view(A{token}, P{restframework.AllowAny{}}, "GET")
		scoped.Throttles = []restframework.Throttle{&restframework.UserRateThrottle{RateThrottle: rate("2/hour", "uploads")}}
		mux.Handle("/api/scoped/", scoped)
		both := view(A{token}, P{restframework.AllowAny{}}, "GET")
		both.Throttles = []restframework.Throttle{&restframework.UserRateThrottle{RateThrottle: rate("5/min", "")},
			&restframework.UserRateThrottle{RateThrottle: rate("2/hour", "uploads")}}
		mux.Handle("/api/both/", both)
	}
	mux.Handle("/api-token-auth/", &restframework.ObtainAuthToken{Tokens: tokens, Config: cfg,
		Authentication: A{session, basic}, Settings: &site.settings, Python: python, RESTFramework: drf})
	csrf, err := django.NewCSRFMiddleware(site.settings)
	if err != nil {
		t.Fatal(err)
	}
	csrf.Exempt = func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api") }
	return site.mw.Handler(csrf.Handler(auth.AuthenticationMiddleware(cfg, mux)))
}

// boom is a permission that fails (a server error).
type boom struct{}

func (boom) HasPermission(*http.Request, *restframework.Authentication) (bool, error) {
	return false, errors.New("boom")
}

// drfRequest sends step to h and reports the answer as drf_oracle.py does.
func drfRequest(h http.Handler, step drfStep) drfAnswer {
	scheme := "http"
	if step.Secure {
		scheme = "https"
	}
	req := httptest.NewRequest(step.Method, scheme+"://testserver"+step.Path, strings.NewReader(drfBody(step.Body)))
	if step.ContentType != nil {
		req.Header.Set("Content-Type", *step.ContentType)
	}
	for k, v := range step.Headers {
		req.Header[http.CanonicalHeaderKey(k)] = []string{latin1Bytes(v)}
	}
	return drfServe(h, req)
}

// drfServe sends req to h and reports the answer as drf_oracle.py does.
func drfServe(h http.Handler, req *http.Request) drfAnswer {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return drfAnswerOf(rec, req)
}

// drfAnswerOf is what drf_oracle.py reports of rec, the answer to req.
func drfAnswerOf(rec *httptest.ResponseRecorder, req *http.Request) drfAnswer {
	a := drfAnswer{Status: rec.Code, Body: rec.Body.String()}
	if strings.EqualFold(req.Method, http.MethodHead) {
		a.Body = "" // (what a server sends, and Django's test Client keeps)
	}
	a.Body = latin1Text(a.Body)
	optionalHeaders(rec, map[string]**string{"Content-Type": &a.ContentType, "WWW-Authenticate": &a.WWWAuthenticate,
		"Allow": &a.Allow, "Vary": &a.Vary})
	for _, p := range []**string{&a.ContentType, &a.WWWAuthenticate, &a.Allow, &a.Vary} {
		if *p != nil {
			s := latin1Text(**p)
			*p = &s
		}
	}
	return a
}

// drfBody is a drf_oracle.py step's body: its latin-1 text's bytes, "{PAD}" standing for
// 2.7 MB of "x".
func drfBody(text string) string {
	return strings.ReplaceAll(latin1Bytes(text), "{PAD}", strings.Repeat("x", 2700000))
}

// latin1Bytes is the bytes of latin-1 text (each character below U+0100 a byte).
func latin1Bytes(s string) string {
	b := make([]byte, 0, len(s))
	for _, c := range s {
		b = append(b, byte(c))
	}
	return string(b)
}

// TestLiveRESTFrameworkResponse holds restframework.Response to DRF's JSONRenderer on 400
// random values per version (nested lists, tuples, sets and dicts with keys of every
// kind; None, bools, big ints, floats, strs with controls, U+2028 and lone surrogates,
// datetimes naive and aware, dates, times, timedeltas, Decimals, UUIDs, bytes), compact
// and indented by the Accept header: the same bytes, or an error where DRF fails.
func TestLiveRESTFrameworkResponse(t *testing.T) {
	for _, p := range livePeers(t) {
		t.Run(p.Series, func(t *testing.T) {
			var out struct {
				Cases []struct {
					Pickle, Accept string
					Out, Error     *string
				}
			}
			runScriptJSON(t, p.Series, "", "", &out, "drf_oracle.py", `{"ENGINE":"django.db.backends.sqlite3","NAME":":memory:"}`, "render")
			if len(out.Cases) < 400 {
				t.Fatalf("%d cases", len(out.Cases))
			}
			errs := 0
			for i, c := range out.Cases {
				data, _ := hex.DecodeString(c.Pickle)
				v, err := serializer.PickleLoads(data)
				if err != nil {
					t.Fatalf("case %d: %v", i, err)
				}
				var renderErr error
				view := &restframework.APIView{Methods: []string{"GET"}, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					renderErr = restframework.Response(w, r, http.StatusOK, v)
				})}
				req := httptest.NewRequest("GET", "/", nil)
				req.Header.Set("Accept", c.Accept)
				rec := httptest.NewRecorder()
				view.ServeHTTP(rec, req)
				switch {
				case c.Error != nil:
					errs++
					if renderErr == nil || !errors.Is(renderErr, restframework.ErrNotJSONRenderable) {
						t.Errorf("case %d (%v, %s): DRF fails (%s), Go: %v %q", i, v, c.Accept, *c.Error, renderErr, rec.Body)
					}
				case renderErr != nil:
					t.Errorf("case %d (%v, %s): %v; DRF renders %q", i, v, c.Accept, renderErr, *c.Out)
				default:
					if d := cmp.Diff(*c.Out, latin1Text(rec.Body.String())); d != "" {
						t.Errorf("case %d (%v, %s): (-drf +go)\n%s", i, v, c.Accept, d)
					}
				}
			}
			if errs == 0 || errs == len(out.Cases) {
				t.Errorf("%d of %d cases fail in DRF: the values do not reach both answers", errs, len(out.Cases))
			}
		})
	}
}

// TestLiveRESTFrameworkTokens holds restframework.SQLTokens to DRF's Token model on
// SQLite for every version, and on PostgreSQL and MariaDB for the newest: keys looked up
// as each database compares them (MariaDB's collation ignores case and trailing spaces),
// and a token Go creates (GetOrCreate, as obtain_auth_token) read back by Django with
// its key and creation time.
func TestLiveRESTFrameworkTokens(t *testing.T) {
	t.Parallel() // (with the other heavy live tests, on databases of their own)
	newestOnServers(t, func(t *testing.T, p *peer, backend string) {
		adb := newAuthDB(t, p.Series, backend)
		raw, _ := json.Marshal(adb.django)
		dbj := string(raw)
		runScriptJSON(t, p.Series, "", "", &struct{}{}, "drf_oracle.py", dbj, "setup")
		src, err := auth.NewSQLUserSource(adb.db, adb.dialect, auth.AuthUser, auth.SQLOptions{})
		if err != nil {
			t.Fatal(err)
		}
		tokens := restframework.NewSQLTokens(src, "")
		ctx := t.Context()
		alice := "aaaaaaaa0123456789abcdef0123456789abcdef"
		keys := []string{alice, strings.ToUpper(alice), alice + " ", alice + "  ", " " + alice, alice[:39],
			alice + "0", strings.Repeat("b", 40), "", "0123", "\u00e9" + alice[1:]}
		type found struct {
			User  *int
			Error *string
		}
		var got []found
		for _, k := range keys {
			tok, err := tokens.Token(ctx, k)
			switch {
			case errors.Is(err, restframework.ErrTokenNotFound):
				got = append(got, found{})
			case err != nil:
				t.Errorf("Token(%q): %v", k, err)
				got = append(got, found{})
			default:
				pk, _ := strconv.Atoi(tok.UserID)
				got = append(got, found{User: &pk})
				if tok.Key == "" || tok.Created.IsZero() {
					t.Errorf("Token(%q) = %+v", k, tok)
				}
			}
		}
		made, created, err := tokens.GetOrCreate(ctx, "4", time.Now())
		if err != nil || !created || len(made.Key) != 40 {
			t.Fatalf("GetOrCreate: %+v %v %v", made, created, err)
		}
		again, created, err := tokens.GetOrCreate(ctx, "4", time.Now())
		if err != nil || created || again.Key != made.Key || !again.Created.Equal(made.Created) {
			t.Fatalf("GetOrCreate again: %+v %v %v, first %+v", again, created, err, made)
		}
		kj, _ := json.Marshal(keys)
		var want struct {
			Tokens []found
			Jose   *struct{ Key, Created string }
		}
		runScriptJSON(t, p.Series, "", "", &want, "drf_oracle.py", dbj, "tokens", string(kj))
		if d := cmp.Diff(want.Tokens, got); d != "" {
			t.Errorf("lookups of %q: (-django +go)\n%s", keys, d)
		}
		switch {
		case want.Jose == nil:
			t.Error("Django finds no token of the user Go made one for")
		case want.Jose.Key != made.Key || want.Jose.Created != pyISOFormat(made.Created.UTC()):
			t.Errorf("Django reads %+v, Go made %s at %s", *want.Jose, made.Key, made.Created.UTC())
		}
	})
}

// pyISOFormat is datetime.isoformat() of an aware t: microseconds only when not zero.
func pyISOFormat(t time.Time) string {
	if t.Nanosecond()/1000 == 0 {
		return t.Format("2006-01-02T15:04:05-07:00")
	}
	return t.Format("2006-01-02T15:04:05.000000-07:00")
}

// drfBodyStep is a request of drf_oracle.py's obtain_steps.
type drfBodyStep struct {
	Method      string
	ContentType string `json:"content_type"`
	Body        string // latin-1 text
	Headers     map[string]string
}

// TestLiveRESTFrameworkObtainToken holds restframework.ObtainAuthToken to DRF's
// obtain_auth_token, for every version: Go answers first, on the database Django made,
// then Django the same requests (urlencoded, JSON and multipart bodies; good, wrong,
// missing, blank, stripped, null-character and surrogate credentials; JSON values of every
// type where the fields or the data are; NaN and Infinity; charsets; unsupported and
// empty Content-Types; other methods, OPTIONS, Accept headers; a session without and
// with its CSRF token; Basic headers): the same status, headers and body, and the token
// Go made for a user is the one Django then hands out.
func TestLiveRESTFrameworkObtainToken(t *testing.T) {
	for _, p := range livePeers(t) {
		t.Run(p.Series, func(t *testing.T) {
			var setup struct {
				Steps  []drfBodyStep `json:"obtain_steps"`
				Python string
				DRF    string
			}
			adb, dbj := drfSetup(t, p.Series, &setup)
			h := drfSite(t, p.Django, adb, setup.Python, setup.DRF)
			var got []drfAnswer
			for _, step := range setup.Steps {
				req := httptest.NewRequest(step.Method, "http://testserver/api-token-auth/", strings.NewReader(drfBody(step.Body)))
				req.Header.Set("Content-Type", step.ContentType)
				for k, v := range step.Headers {
					req.Header[http.CanonicalHeaderKey(k)] = []string{latin1Bytes(v)}
				}
				got = append(got, drfServe(h, req))
			}
			var want struct {
				Steps  []drfAnswer
				Tokens map[string]string
			}
			runScriptJSON(t, p.Series, "", "", &want, "drf_oracle.py", dbj, "obtain")
			if len(want.Steps) != len(setup.Steps) || len(setup.Steps) < 60 {
				t.Fatalf("Django ran %d of %d steps", len(want.Steps), len(setup.Steps))
			}
			for i, step := range setup.Steps {
				if d := cmp.Diff(want.Steps[i], got[i]); d != "" {
					t.Errorf("step %d (%s %q %q %q): (-django +go)\n%s", i, step.Method, step.ContentType, step.Body, step.Headers, d)
				}
			}
			if key := want.Tokens["4"]; len(key) != 40 || !strings.Contains(got[10].Body, key) {
				t.Errorf("Django hands out %q for the user Go made a token for (%s)", key, got[10].Body)
			}
		})
	}
}

// drfThrottleStep is a request of drf_oracle.py's throttle_steps.
type drfThrottleStep struct {
	T     float64
	Token *string
	Path  string
	XFF   *string
}

// drfThrottleAnswer is what drf_oracle.py's throttle command reports of an answer.
type drfThrottleAnswer struct {
	Status     int
	RetryAfter *string `json:"retry_after"`
	Body       string
}

// TestLiveRESTFrameworkThrottle holds AnonRateThrottle, UserRateThrottle and a scoped
// UserRateThrottle to DRF's, for every version, on 306 requests on a clock (a client at
// the edges first: an entry exactly a minute old, a wait of half a second; then anonymous
// clients behind and without proxies and token users, to views with one throttle and
// with two; rates of 3 and 5 a minute and 2 an hour) whose histories live in a
// FileBasedCache directory: Go answers as DRF does (status, Retry-After, "Expected
// available in N seconds."), leaves the histories DRF leaves, with the same timeouts
// (Django reads them), and takes over DRF's histories halfway, answering the second half
// as DRF did.
func TestLiveRESTFrameworkThrottle(t *testing.T) {
	for _, p := range livePeers(t) {
		t.Run(p.Series, func(t *testing.T) {
			var setup struct {
				Steps       []drfThrottleStep `json:"throttle_steps"`
				Python, DRF string
			}
			adb, dbj := drfSetup(t, p.Series, &setup)
			n := len(setup.Steps)
			type result struct {
				Steps []drfThrottleAnswer
				State map[string]any
				TTL   map[string]float64
			}
			django := func(dir string, from, to int, cmd string) result {
				arg, _ := json.Marshal(map[string]any{"cache": dir, "from": from, "to": to})
				var out result
				runScriptJSON(t, p.Series, "", "", &out, "drf_oracle.py", dbj, cmd, string(arg))
				return out
			}
			goRun := func(dir string, from, to int) []drfThrottleAnswer {
				var clock time.Time
				h := drfSiteThrottled(t, p.Django, adb, setup.Python, setup.DRF, dir, &clock)
				var out []drfThrottleAnswer
				for _, step := range setup.Steps[from:to] {
					sec, frac := math.Modf(step.T)
					clock = time.Unix(int64(sec), int64(frac*1e9))
					req := httptest.NewRequest("GET", "http://testserver"+step.Path, nil)
					req.RemoteAddr = "127.0.0.1:40000"
					if step.Token != nil {
						req.Header.Set("Authorization", "Token "+*step.Token)
					}
					if step.XFF != nil {
						req.Header.Set("X-Forwarded-For", *step.XFF)
					}
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					a := drfThrottleAnswer{Status: rec.Code, Body: rec.Body.String()}
					optionalHeaders(rec, map[string]**string{"Retry-After": &a.RetryAfter})
					out = append(out, a)
				}
				return out
			}
			want := django(t.TempDir(), 0, n, "throttle")
			if n < 300 || len(want.Steps) != n {
				t.Fatalf("Django ran %d of %d steps", len(want.Steps), n)
			}
			throttled, oneSecond := 0, 0
			for _, a := range want.Steps {
				if a.Status == http.StatusTooManyRequests {
					throttled++
				}
				if strings.Contains(a.Body, " 1 second.") {
					oneSecond++
				}
			}
			if throttled == 0 || throttled == n || oneSecond == 0 {
				t.Fatalf("%d of %d requests throttled, %d for one second", throttled, n, oneSecond)
			}
			goDir := t.TempDir()
			if d := cmp.Diff(want.Steps, goRun(goDir, 0, n)); d != "" {
				t.Errorf("Go alone: (-django +go)\n%s", d)
			}
			goState := django(goDir, 0, 0, "throttle-state")
			if d := cmp.Diff(want.State, goState.State); d != "" {
				t.Errorf("histories Go left, as Django reads them: (-django's own +go's)\n%s", d)
			}
			// (the histories' timeouts: the rate's duration, less the seconds since the
			// last request, which each side made moments before these were read)
			if d := cmp.Diff(want.TTL, goState.TTL, cmpopts.EquateApprox(0, 10)); d != "" {
				t.Errorf("seconds the histories have left in the cache: (-django's +go's)\n%s", d)
			}
			mixed := t.TempDir()
			django(mixed, 0, n/2, "throttle")
			if d := cmp.Diff(want.Steps[n/2:], goRun(mixed, n/2, n)); d != "" {
				t.Errorf("Go after Django: (-django +go)\n%s", d)
			}
			if d := cmp.Diff(want.State, django(mixed, 0, 0, "throttle-state").State); d != "" {
				t.Errorf("histories after the mixed run: (-django's own +mixed)\n%s", d)
			}
		})
	}
}

// TestLiveRESTFrameworkThrottleIdent holds the client address the throttles count by to
// DRF's get_ident, for every version: X-Forwarded-For headers (none, empty, several
// addresses with spaces, tabs, no-break spaces, separators and NEL, trailing commas,
// UTF-8 bytes) and IPv4 and IPv6 peers, under NUM_PROXIES None, 0, 1, 2, 5 and -1: Django
// finds the history Go wrote under the key its own get_ident makes, and where DRF fails
// (an IndexError) Go does.
func TestLiveRESTFrameworkThrottleIdent(t *testing.T) {
	for _, p := range livePeers(t) {
		t.Run(p.Series, func(t *testing.T) {
			var out struct {
				Cases []struct {
					XFF     *string
					Remote  string
					Proxies *int
					Ident   *string // nil: DRF fails (IndexError)
				}
			}
			runScriptJSON(t, p.Series, "", "", &out, "drf_oracle.py", `{"ENGINE":"django.db.backends.sqlite3","NAME":":memory:"}`, "idents")
			if len(out.Cases) < 80 {
				t.Fatalf("%d cases", len(out.Cases))
			}
			dir := t.TempDir()
			// (keys with spaces draw Django's CacheKeyWarning, here as there)
			cache, err := filecache.New(filecache.Options{Dir: dir, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for i, c := range out.Cases {
				scope := "c" + strconv.Itoa(i)
				th := &restframework.AnonRateThrottle{RateThrottle: restframework.RateThrottle{
					Cache: cache, Rate: "1/min", Scope: scope, NumProxies: c.Proxies}}
				req := httptest.NewRequest("GET", "/", nil)
				req.RemoteAddr = net.JoinHostPort(c.Remote, "40000")
				if c.XFF != nil {
					req.Header["X-Forwarded-For"] = []string{latin1Bytes(*c.XFF)}
				}
				ok, _, _, err := th.AllowRequest(req, &restframework.Authentication{})
				if c.Ident == nil {
					if err == nil {
						t.Errorf("case %d (X-Forwarded-For %q, NUM_PROXIES %v): no error where DRF fails", i, ptrStr(c.XFF), *c.Proxies)
					}
					continue
				}
				if !ok || err != nil {
					t.Fatalf("case %d: %v %v", i, ok, err)
				}
				keys = append(keys, "throttle_"+scope+"_"+*c.Ident)
			}
			// Django finds each client's history under the key its own get_ident makes.
			arg, _ := json.Marshal(map[string]any{"cache": dir, "keys": keys})
			var has struct{ Has []bool }
			runScriptJSON(t, p.Series, "", "", &has, "drf_oracle.py", `{"ENGINE":"django.db.backends.sqlite3","NAME":":memory:"}`, "cache-has", string(arg))
			for i, k := range keys {
				if i >= len(has.Has) || !has.Has[i] {
					t.Errorf("Django finds no history under %q", k)
				}
			}
		})
	}
}

// ptrStr is *s, or "<none>".
func ptrStr(s *string) string {
	if s == nil {
		return "<none>"
	}
	return *s
}

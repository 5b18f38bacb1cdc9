package django

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/engines/db"
	"github.com/djsession/djsession/engines/db/sqlite"
	"github.com/djsession/djsession/engines/file"
	"github.com/djsession/djsession/engines/signedcookies"
	"github.com/djsession/djsession/serializer"
)

var testNow = time.Date(2024, 3, 5, 17, 0, 0, 250000000, time.UTC)

func testSettings(t testing.TB) Settings {
	t.Helper()
	s := NewSettings()
	s.SecretKey = "django-insecure-test-key"
	s.Now = func() time.Time { return testNow }
	return s
}

func fileSettings(t testing.TB) (Settings, *file.Store) {
	t.Helper()
	s := testSettings(t)
	opts, err := s.EngineOptions()
	if err != nil {
		t.Fatal(err)
	}
	st, err := file.New(file.Config{Path: t.TempDir()}, opts)
	if err != nil {
		t.Fatal(err)
	}
	s.SessionEngine = st
	return s, st
}

func TestNewSettingsDefaults(t *testing.T) {
	s := NewSettings()
	if s.SessionCookieName != "sessionid" || s.SessionCookieAge != 1209600 || s.SessionCookiePath != "/" ||
		!s.SessionCookieHttpOnly || s.SessionCookieSameSite != "Lax" || !s.UseTZ || s.SessionCookieSecure ||
		s.SessionCacheAlias != "default" || s.TimeZone != "America/Chicago" || len(s.AuthenticationBackends) != 1 {
		t.Errorf("NewSettings() = %+v", s)
	}
	if s.VaryOnlyWhenAccessed || s.SkipSaveOnlyOn500 || s.LegacyVaryMerge || s.DatetimeExpiry {
		t.Error("defaults must be current Django's behaviour")
	}
}

func TestValidate(t *testing.T) {
	var zero Settings
	zero.SecretKey = "x"
	if err := zero.Validate(); !errors.Is(err, ErrNotInitialized) {
		t.Errorf("zero Settings: %v", err)
	}
	cases := map[string]func(*Settings){
		"empty key":      func(s *Settings) { s.SecretKey = "" },
		"samesite":       func(s *Settings) { s.SessionCookieSameSite = "Loose" },
		"cookie name":    func(s *Settings) { s.SessionCookieName = "a b" },
		"empty name":     func(s *Settings) { s.SessionCookieName = "" },
		"reserved name":  func(s *Settings) { s.SessionCookieName = "Expires" },
		"age 0":          func(s *Settings) { s.SessionCookieAge = 0 },
		"time zone":      func(s *Settings) { s.TimeZone = "Mars/Olympus" },
		"path injection": func(s *Settings) { s.SessionCookiePath = "/; Secure" },
		"serializer":     func(s *Settings) { s.SessionSerializer = nil },
	}
	for name, mutate := range cases {
		s := testSettings(t)
		mutate(&s)
		if err := s.Validate(); !errors.Is(err, ErrInvalidSettings) {
			t.Errorf("%s: Validate() = %v", name, err)
		}
	}
	s := testSettings(t)
	s.SessionCookieSameSite = "nOnE"
	if err := s.Validate(); err != nil {
		t.Error(err)
	}
	if _, err := NewMiddleware(s); !errors.Is(err, ErrInvalidSettings) {
		t.Errorf("NewMiddleware without SessionEngine: %v", err)
	}
}

func TestForDjango(t *testing.T) {
	type flags struct {
		varyOnlyAccessed, skip500, legacyVary, datetimeExpiry, legacy bool
		msgTags, msgFit, msgFormats                                   bool
	}
	for v, want := range map[string]flags{
		"3.2.25":  {true, true, true, true, true, true, true, true},
		"4.0":     {true, true, true, true, false, true, true, true},
		"4.1.13":  {true, true, true, false, false, false, true, false},
		"4.2.30":  {true, false, true, false, false, false, true, false},
		"5.0.14":  {true, false, true, false, false, false, false, false},
		"5.2.13":  {true, false, true, false, false, false, false, false},
		"5.2.14":  {false, false, true, false, false, false, false, false},
		"6.0.4":   {true, false, true, false, false, false, false, false},
		"6.0.5":   {false, false, true, false, false, false, false, false},
		"6.1":     {false, false, false, false, false, false, false, false},
		"6.1rc1":  {false, false, false, false, false, false, false, false},
		"6.1.3":   {false, false, false, false, false, false, false, false},
		"7.0.0a1": {false, false, false, false, false, false, false, false},
	} {
		s := NewSettings()
		if err := s.ForDjango(v); err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		got := flags{s.VaryOnlyWhenAccessed, s.SkipSaveOnlyOn500, s.LegacyVaryMerge, s.DatetimeExpiry, s.AcceptLegacySessions,
			s.MessagesLegacyExtraTags, s.MessagesLegacyCookieFit, s.MessagesLegacyCookieFormats}
		if got != want {
			t.Errorf("ForDjango(%s) = %+v, want %+v", v, got, want)
		}
	}
	for _, v := range []string{"", "6", "x.y", "6.x", "-1.2"} {
		s := NewSettings()
		if err := s.ForDjango(v); err == nil {
			t.Errorf("ForDjango(%q) accepted", v)
		}
	}
}

func TestSettingsFromJSONErrors(t *testing.T) {
	for _, doc := range []string{
		`{`,
		`{"settings": {"SESSION_COOKIE_AGE": "x"}}`,
		`{"settings": {"SESSION_SERIALIZER": "my.Serializer"}}`,
		`{"django_version": "six"}`,
	} {
		if _, err := SettingsFromJSON([]byte(doc)); err == nil {
			t.Errorf("%s: no error", doc)
		}
	}
	s, err := SettingsFromJSON([]byte(`{"settings": {"SESSION_COOKIE_DOMAIN": null, "SESSION_SERIALIZER": "django.contrib.sessions.serializers.PickleSerializer", "SOMETHING_NEW": 1}}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.SessionSerializer.(serializer.Pickle); !ok || s.SessionCookieDomain != "" {
		t.Errorf("%+v", s)
	}
}

func TestParseCookies(t *testing.T) {
	got := ParseCookies([]string{` a=1; b = "x\073y" ; novalue; c=; a=2`, "d=4"})
	want := map[string]string{"a": "2", "b": "x;y", "": "novalue", "c": "", "d": "4"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("ParseCookies = %v, want %v", got, want)
	}
	for name, w := range want {
		if name == "" {
			continue
		}
		v, ok := lookupCookie([]string{` a=1; b = "x\073y" ; novalue; c=; a=2`, "d=4"}, name)
		if !ok || v != w {
			t.Errorf("lookupCookie(%q) = %q, %v", name, v, ok)
		}
	}
	if _, ok := lookupCookie([]string{"sessionidx=1"}, "sessionid"); ok {
		t.Error("prefix matched")
	}
}

func TestPatchVary(t *testing.T) {
	for _, c := range []struct {
		in      string
		present bool
		legacy  string
		current string
	}{
		{"", false, "Cookie", "Cookie"},
		{"", true, ", Cookie", "Cookie"},
		{"Accept-Encoding", true, "Accept-Encoding, Cookie", "Accept-Encoding, Cookie"},
		{"accept, COOKIE", true, "accept, COOKIE", "accept, COOKIE"},
		{" Accept , ,Origin ", true, " Accept, , Origin , Cookie", "Accept, Origin, Cookie"},
		{"Origin, *", true, "*", "*"},
	} {
		if got := patchVary(c.in, c.present, true); got != c.legacy {
			t.Errorf("legacy patchVary(%q) = %q, want %q", c.in, got, c.legacy)
		}
		if got := patchVary(c.in, c.present, false); got != c.current {
			t.Errorf("patchVary(%q) = %q, want %q", c.in, got, c.current)
		}
	}
}

func TestHTTPDateRange(t *testing.T) {
	if d, err := HTTPDate(0); err != nil || d != deletedExpires {
		t.Errorf("HTTPDate(0) = %q, %v", d, err)
	}
	if _, err := HTTPDate(1 << 40); !errors.Is(err, ErrDateRange) {
		t.Errorf("far future: %v", err)
	}
}

func TestSessionSemantics(t *testing.T) {
	ctx := context.Background()
	s, st := fileSettings(t)
	data := serializer.NewDict()
	data.Set("a", serializer.Int(1))
	if err := st.Save(ctx, "existingsessionkey00000000000001", data, true); err != nil {
		t.Fatal(err)
	}
	sess, err := NewSession(ctx, s, "existingsessionkey00000000000001")
	if err != nil {
		t.Fatal(err)
	}
	if sess.Key() == "" || sess.Accessed() || sess.IsEmpty() {
		t.Fatal("Key/IsEmpty must not load")
	}
	if sess.Delete("missing") || sess.Modified() || !sess.Accessed() {
		t.Error("Delete of a missing key: modified, or not accessed")
	}
	if _, ok := sess.Pop("missing"); ok || sess.Modified() {
		t.Error("Pop of a missing key")
	}
	if v := sess.SetDefault("a", serializer.Int(9)); !serializer.Equal(v, serializer.Int(1)) || sess.Modified() {
		t.Error("SetDefault of a present key")
	}
	sess.SetDefault("b", serializer.Str("x"))
	if !sess.Modified() || sess.Len() != 2 || !sess.Has("b") || len(sess.Keys()) != 2 || len(sess.Items()) != 2 {
		t.Error("SetDefault of a new key")
	}
	sess.SetTestCookie()
	if !sess.TestCookieWorked() {
		t.Error("test cookie")
	}
	sess.DeleteTestCookie()
	if sess.TestCookieWorked() {
		t.Error("test cookie deleted")
	}

	// CycleKey keeps the data under a new key and deletes the old session.
	old := sess.Key()
	if err := sess.CycleKey(ctx); err != nil {
		t.Fatal(err)
	}
	if sess.Key() == old || len(sess.Key()) != 32 {
		t.Errorf("CycleKey key %q", sess.Key())
	}
	if ok, _ := st.Exists(ctx, old); ok {
		t.Error("old session kept")
	}
	if got, ok, _ := st.Load(ctx, sess.Key()); !ok || got.Len() != 2 {
		t.Error("cycled session not stored with its data")
	}

	// Clear keeps the key; Flush deletes and drops it; the next save makes a new one.
	sess.Clear()
	if sess.Key() == "" || sess.Len() != 0 || sess.IsEmpty() {
		t.Error("Clear")
	}
	cycled := sess.Key()
	if err := sess.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if sess.Key() != "" || !sess.IsEmpty() {
		t.Error("Flush")
	}
	if ok, _ := st.Exists(ctx, cycled); ok {
		t.Error("flushed session kept")
	}
	sess.Set("c", serializer.Bool(true))
	if err := sess.Save(ctx); err != nil || sess.Key() == "" || sess.Key() == cycled {
		t.Errorf("save after flush: %v, key %q", err, sess.Key())
	}

	// A missing session is a new, empty one.
	missing, _ := NewSession(ctx, s, "missingsessionkey000000000000001")
	if missing.Len() != 0 || missing.Key() != "" || !missing.IsEmpty() {
		t.Error("missing session")
	}
	short, _ := NewSession(ctx, s, "abc")
	if short.Key() != "" {
		t.Error("short key kept")
	}
}

func TestSessionSetExpiry(t *testing.T) {
	ctx := context.Background()
	s, _ := fileSettings(t)
	sess, _ := NewSession(ctx, s, "")
	get := func() string {
		v, _ := sess.Get("_session_expiry")
		return v.String()
	}
	for _, c := range []struct {
		value any
		want  string
		age   int64
		close bool
	}{
		{300, "300", 300, false},
		{int64(-5), "-5", -5, false},
		{0, "0", 1209600, true},
		{time.Hour + 250*time.Millisecond, `"2024-03-05T18:00:00.500000+00:00"`, 3600, false},
		{time.Date(2024, 3, 6, 17, 0, 0, 0, time.FixedZone("", 3600)), `"2024-03-06T17:00:00+01:00"`, 82799, false},
		{nil, "None", 1209600, false},
	} {
		if err := sess.SetExpiry(c.value); err != nil {
			t.Fatal(err)
		}
		if got := get(); got != c.want && !(c.value == nil && got == "None") {
			t.Errorf("SetExpiry(%v): stored %s, want %s", c.value, got, c.want)
		}
		age, err := sess.ExpiryAge()
		if err != nil || age != c.age || sess.ExpireAtBrowserClose() != c.close {
			t.Errorf("SetExpiry(%v): age %d (%v), close %v", c.value, age, err, sess.ExpireAtBrowserClose())
		}
	}
	if d, _ := sess.ExpiryDate(); !d.Equal(testNow.Truncate(time.Microsecond).Add(1209600 * time.Second)) {
		t.Errorf("ExpiryDate = %v", d)
	}
	if err := sess.SetExpiry("tomorrow"); err == nil {
		t.Error("SetExpiry(string) accepted")
	}
	s.DatetimeExpiry = true
	old, _ := NewSession(ctx, s, "")
	if err := old.SetExpiry(time.Hour); !errors.Is(err, ErrExpiryNotRepresentable) {
		t.Errorf("Django 4.0 absolute expiry: %v", err)
	}
	if err := old.SetExpiry(60); err != nil {
		t.Error(err)
	}
}

// TestSessionConcurrent uses one session from many goroutines of a request (run with -race).
func TestSessionConcurrent(t *testing.T) {
	s, st := fileSettings(t)
	mw, err := NewMiddleware(s)
	if err != nil {
		t.Fatal(err)
	}
	h := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess := FromContext(r.Context())
		var wg sync.WaitGroup
		for i := range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				key := fmt.Sprintf("k%d", i%8)
				sess.Set(key, serializer.Int(int64(i)))
				sess.Get(key)
				sess.Has("k0")
				sess.Items()
				sess.ExpiryAge()
				if i%5 == 0 {
					sess.Pop(key)
				}
				_ = sess.SetExpiry(600)
			}()
		}
		wg.Wait()
		io.WriteString(w, "ok")
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if c := rec.Header().Get("Set-Cookie"); !strings.Contains(c, "Max-Age=600") {
		t.Errorf("Set-Cookie %q", c)
	}
	entries, _ := os.ReadDir(st.Dir())
	if len(entries) != 1 {
		t.Errorf("%d session files", len(entries))
	}
}

// serve runs one request through h with the cookie header (if any).
func serve(h http.Handler, cookie string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", "/", nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func cookieKey(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	c := rec.Header().Get("Set-Cookie")
	k, _, _ := strings.Cut(strings.TrimPrefix(c, "sessionid="), ";")
	if len(k) != 32 {
		t.Fatalf("Set-Cookie %q", c)
	}
	return k
}

func TestMiddlewareWritesBeforeReturn(t *testing.T) {
	s, _ := fileSettings(t)
	mw, _ := NewMiddleware(s)
	for name, write := range map[string]func(w http.ResponseWriter){
		"Write":       func(w http.ResponseWriter) { io.WriteString(w, "body") },
		"WriteHeader": func(w http.ResponseWriter) { w.WriteHeader(http.StatusCreated) },
		"Flush":       func(w http.ResponseWriter) { http.NewResponseController(w).Flush() },
		"ReadFrom":    func(w http.ResponseWriter) { io.Copy(w, strings.NewReader("body")) },
		"Informational": func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusEarlyHints)
			io.WriteString(w, "x")
		},
	} {
		var afterWrite []string
		h := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			FromContext(r.Context()).Set("x", serializer.Int(1))
			write(w)
			afterWrite = w.Header()["Set-Cookie"] // already processed
			time.Sleep(time.Millisecond)
		}))
		rec := serve(h, "")
		if len(afterWrite) != 1 || rec.Header().Get("Vary") != "Cookie" {
			t.Errorf("%s: cookie %q after the write, Vary %q", name, afterWrite, rec.Header().Get("Vary"))
		}
	}
}

func TestMiddlewareRoundTripFile(t *testing.T) {
	s, st := fileSettings(t)
	mw, _ := NewMiddleware(s)
	h := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess := FromContext(r.Context())
		switch r.URL.Query().Get("do") {
		case "login":
			sess.Set("_auth_user_id", serializer.Str("42"))
		case "logout":
			sess.Flush(r.Context())
		case "status500":
			sess.Set("lost", serializer.Int(1))
			w.WriteHeader(500)
		}
		v, _ := sess.GetString("_auth_user_id")
		io.WriteString(w, v)
	}))
	do := func(q, cookie string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/?do="+q, nil)
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	key := cookieKey(t, do("login", ""))
	rec := do("", "sessionid="+key)
	if rec.Body.String() != "42" || rec.Header().Get("Set-Cookie") != "" || rec.Header().Get("Vary") != "Cookie" {
		t.Errorf("read: %q %q", rec.Body.String(), rec.Header())
	}
	rec = do("status500", "sessionid="+key)
	if rec.Code != 500 || rec.Header().Get("Set-Cookie") != "" {
		t.Errorf("500: %d %q", rec.Code, rec.Header())
	}
	if d, _, _ := st.Load(context.Background(), key); d.Has("lost") {
		t.Error("session saved on a 500")
	}
	rec = do("logout", "sessionid="+key)
	want := `sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax`
	if got := rec.Header().Get("Set-Cookie"); got != want {
		t.Errorf("logout: %q", got)
	}
	if ok, _ := st.Exists(context.Background(), key); ok {
		t.Error("logout kept the file")
	}
}

func TestMiddlewareSQLite(t *testing.T) {
	ctx := context.Background()
	s := testSettings(t)
	conn, err := sqlite.Open(filepath.Join(t.TempDir(), "db.sqlite3"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	opts, _ := s.EngineOptions()
	st, err := sqlite.New(conn, db.Options{Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateTable(ctx); err != nil {
		t.Fatal(err)
	}
	s.SessionEngine = st
	mw, _ := NewMiddleware(s)
	h := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess := FromContext(r.Context())
		n, _ := sess.Get("n")
		i, _ := n.AsInt()
		sess.Set("n", serializer.Int(i+1))
		if i == 1 {
			sess.CycleKey(r.Context())
		}
		fmt.Fprint(w, i+1)
	}))
	key := cookieKey(t, serve(h, ""))
	rec := serve(h, "sessionid="+key)
	key2 := cookieKey(t, rec)
	if rec.Body.String() != "2" || key2 == key {
		t.Errorf("second request: %q, key %s -> %s", rec.Body.String(), key, key2)
	}
	if ok, _ := st.Exists(ctx, key); ok {
		t.Error("old key kept after CycleKey")
	}
	var data, expire string
	conn.QueryRow(`SELECT session_data, CAST(expire_date AS TEXT) FROM django_session`).Scan(&data, &expire)
	if expire != "2024-03-19 17:00:00.250000" {
		t.Errorf("expire_date %q", expire)
	}
}

func TestMiddlewareInterrupted(t *testing.T) {
	s, st := fileSettings(t)
	mw, _ := NewMiddleware(s)
	key, _ := engines.Create(context.Background(), st, serializer.NewDict())
	h := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Handler", "1")
		FromContext(r.Context()).Set("x", serializer.Int(1))
		st.Delete(r.Context(), key) // a concurrent logout
		if _, err := io.WriteString(w, "body"); !errors.Is(err, ErrResponseReplaced) {
			t.Errorf("Write after the error response: %v", err)
		}
	}))
	rec := serve(h, "sessionid="+key)
	if rec.Code != 400 || rec.Header().Get("X-Handler") != "" || rec.Header().Get("Set-Cookie") != "" {
		t.Errorf("%d %q", rec.Code, rec.Header())
	}
}

// failingStore fails every load.
type failingStore struct{ engines.Store }

func (failingStore) Load(context.Context, string) (*serializer.Dict, bool, error) {
	return nil, false, errors.New("database down")
}

func TestMiddlewareLoadError(t *testing.T) {
	s, st := fileSettings(t)
	s.SessionEngine = failingStore{st}
	s.Logger = discardLogger()
	mw, _ := NewMiddleware(s)
	h := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess := FromContext(r.Context())
		sess.Set("x", serializer.Int(1)) // on an empty session: must not overwrite the stored one
		if sess.Err() == nil {
			t.Error("Err() nil after a failed load")
		}
	}))
	rec := serve(h, "sessionid=existingsessionkey00000000000001")
	if rec.Code != 500 || rec.Header().Get("Set-Cookie") != "" {
		t.Errorf("%d %q", rec.Code, rec.Header())
	}
}

func TestMiddlewareSignedCookies(t *testing.T) {
	s := testSettings(t)
	opts, _ := s.EngineOptions()
	st, err := signedcookies.New(signedcookies.Config{SecretKey: s.SecretKey}, opts)
	if err != nil {
		t.Fatal(err)
	}
	s.SessionEngine = st
	mw, _ := NewMiddleware(s)
	h := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess := FromContext(r.Context())
		if r.URL.Path == "/set" {
			sess.Set("user", serializer.Str("ada"))
		}
		v, _ := sess.GetString("user")
		io.WriteString(w, v)
	}))
	req := httptest.NewRequest("GET", "/set", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	c := rec.Header().Get("Set-Cookie")
	value, _, _ := strings.Cut(strings.TrimPrefix(c, "sessionid="), ";")
	if d, ok := st.Decode(value); !ok || d.Len() != 1 {
		t.Fatalf("cookie %q", c)
	}
	rec = serve(h, "sessionid="+value)
	if rec.Body.String() != "ada" || rec.Header().Get("Set-Cookie") != "" {
		t.Errorf("read back: %q %q", rec.Body.String(), rec.Header())
	}
	// A tampered cookie that is read is replaced by a new, empty session, as Django does.
	rec = serve(h, "sessionid="+value[:len(value)-2]+"xx")
	if c := rec.Header().Get("Set-Cookie"); !strings.HasPrefix(c, "sessionid=e30:") {
		t.Errorf("tampered: %q", c)
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestSettingsFromJSONCSRFCookieMasked: CSRF_COOKIE_MASKED counts on the versions that
// have it (4.1, 4.2; and a document without a version), and a project's leftover is
// ignored on the others, as Django ignores it.
func TestSettingsFromJSONCSRFCookieMasked(t *testing.T) {
	for _, c := range []struct {
		version string
		want    bool
	}{{"", true}, {"4.1.13", true}, {"4.2.30", true}, {"5.2.19", false}, {"6.1.3", false}, {"3.2.25", false}, {"4.0.10", true}} {
		doc := `{"settings": {"CSRF_COOKIE_MASKED": true}`
		if c.version != "" {
			doc += `, "django_version": "` + c.version + `"`
		}
		s, err := SettingsFromJSON([]byte(doc + `}`))
		if err != nil {
			t.Fatal(err)
		}
		if s.CSRFCookieMasked != c.want {
			t.Errorf("%q: CSRFCookieMasked %v", c.version, s.CSRFCookieMasked)
		}
	}
}

package django

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Python's answers (urllib.parse.urlsplit on CPython 3.13, and Django 6.1's
// split_domain_port), printed by hand; TestLiveCSRF holds the whole middleware to Django.
func TestPyURLSplit(t *testing.T) {
	for _, c := range []struct {
		in                            string
		scheme, netloc, path, q, frag string
		geturl, err                   string
	}{
		{"https://example.com/p?q=1#f", "https", "example.com", "/p", "q=1", "f", "https://example.com/p?q=1#f", ""},
		{"HTTPS://Example.com", "https", "Example.com", "", "", "", "https://Example.com", ""},
		{" \x01https://a.b:8443/x", "https", "a.b:8443", "/x", "", "", "https://a.b:8443/x", ""},
		{"https://ex\tample.com/", "https", "example.com", "/", "", "", "https://example.com/", ""},
		{"//host/path", "", "host", "/path", "", "", "", ""},
		{"https:///x", "https", "", "/x", "", "", "", ""},
		{"not a url", "", "", "not a url", "", "", "", ""},
		{"https://[::1]:8000/", "https", "[::1]:8000", "/", "", "", "https://[::1]:8000/", ""},
		{"https://[zz]/", "", "", "", "", "", "", "does not appear to be an IPv4 or IPv6 address"},
		{"https://[bad", "", "", "", "", "", "", "Invalid IPv6 URL"},
		{"https://a]b/", "", "", "", "", "", "", "Invalid IPv6 URL"},
		{"https://[v1.x]/", "https", "[v1.x]", "/", "", "", "https://[v1.x]/", ""},
		{"http://a[::1]/", "http", "a[::1]", "/", "", "", "http://a[::1]/", ""},
		{"http://u@[::1]x/", "http", "u@[::1]x", "/", "", "", "http://u@[::1]x/", ""},
		{"https://[127.0.0.1]/", "", "", "", "", "", "", "An IPv4 address cannot be in brackets"},
		{"mailto:x@y", "mailto", "", "x@y", "", "", "", ""},
		{"1http://x/", "", "", "1http://x/", "", "", "", ""},
		{"https://u:p@h:1/p", "https", "u:p@h:1", "/p", "", "", "https://u:p@h:1/p", ""},
		{"https://h?x#y/z", "https", "h", "", "x", "y/z", "https://h?x#y/z", ""},
	} {
		u, err := pyURLSplit(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: err %v, want %q", c.in, err, c.err)
			}
			continue
		}
		got := []string{u.scheme, u.netloc, u.path, u.query, u.fragment}
		if diff := cmp.Diff([]string{c.scheme, c.netloc, c.path, c.q, c.frag}, got); err != nil || diff != "" {
			t.Errorf("%q: %v (-Python +Go):\n%s", c.in, err, diff)
		}
		if c.geturl != "" && u.geturl() != c.geturl {
			t.Errorf("%q: geturl %q, Python %q", c.in, u.geturl(), c.geturl)
		}
	}
	if _, err := urlSplit("https://[zz]/", splitPy310); err != nil {
		t.Errorf("without the bracket check (Python 3.10): %v", err)
	}
	// Python 3.10 takes a scheme starting with a digit; 3.12 and 3.13 do not.
	if u, _ := urlSplit("1http://x/", splitPy310); u.scheme != "1http" || u.netloc != "x" {
		t.Errorf("Python 3.10's split of 1http://x/: %+v", u)
	}
}

// unquote_plus on CPython 3.13.
func TestPyUnquotePlus(t *testing.T) {
	for in, want := range map[string]string{
		"%E2%82A": "\uFFFDA", "%FF%FE": "\uFFFD\uFFFD", "a%zz+b": "a%zz b", "%F0%9F%98": "\uFFFD",
		"%ED%A0%80": "\uFFFD\uFFFD\uFFFD", "%C3": "\uFFFD", "%E0%80%80": "\uFFFD\uFFFD\uFFFD",
		"%F4%90%80%80": "\uFFFD\uFFFD\uFFFD\uFFFD", "%E2%82%AC": "€", "%": "%", "%4": "%4", "%41": "A",
	} {
		if got := pyUnquotePlus(in); got != want {
			t.Errorf("pyUnquotePlus(%q) = %q, Python %q", in, got, want)
		}
	}
	if got := pyFormValue([]byte("a=1&csrfmiddlewaretoken=x&&b&csrfmiddlewaretoken=y%zz"), CSRFFormField); got != "y%zz" {
		t.Errorf("pyFormValue = %q", got)
	}
}

func TestSplitDomainPort(t *testing.T) {
	for in, want := range map[string]string{
		"example.com": "example.com", "Example.COM:8000": "example.com", "example.com.": "example.com",
		"[::1]:8000": "[::1]", "[::1]": "[::1]", "exa mple.com": "", "example.com:": "", "example.com:80a": "",
		"[1:2]x": "", "-a.b": "-a.b", "a_b.com": "", "[g::1]": "", "[:1]": "[:1]", "[::]:1": "[::]", "": "",
	} {
		if got := splitDomainPort(in); got != want {
			t.Errorf("splitDomainPort(%q) = %q, Django %q", in, got, want)
		}
	}
}

func TestMaskCSRFSecret(t *testing.T) {
	secret, err := NewCSRFSecret()
	if err != nil || len(secret) != CSRFSecretLength || strings.Trim(secret, CSRFAllowedChars) != "" {
		t.Fatalf("NewCSRFSecret = %q, %v", secret, err)
	}
	// Every character of the alphabet, about equally often (the expected count is 1032 in
	// 64,000 draws, with a standard deviation of 32).
	counts := map[rune]int{}
	for range 2000 {
		x, _ := NewCSRFSecret()
		for _, c := range x {
			counts[c]++
		}
	}
	for _, c := range CSRFAllowedChars {
		if counts[c] < 700 || counts[c] > 1400 {
			t.Errorf("%q drawn %d times in 64,000", c, counts[c])
		}
	}
	if len(counts) != len(CSRFAllowedChars) {
		t.Errorf("%d distinct characters", len(counts))
	}
	a, _ := MaskCSRFSecret(secret)
	b, _ := MaskCSRFSecret(secret)
	if len(a) != CSRFTokenLength || a == b || UnmaskCSRFToken(a) != secret || UnmaskCSRFToken(b) != secret {
		t.Errorf("masks %q %q of %q", a, b, secret)
	}
	// As Python's zip: a short secret gives the whole mask and a short cipher.
	if m, err := MaskCSRFSecret("abc"); err != nil || len(m) != 35 {
		t.Errorf("MaskCSRFSecret(abc) = %q, %v", m, err)
	}
	if _, err := MaskCSRFSecret(secret[:31] + "!"); err == nil {
		t.Error("a secret with '!' was masked")
	}
	if got, err := pyUnmask(a[:40]); err != nil || got != secret[:8] {
		t.Errorf("pyUnmask of 40 characters = %q, %v; want %q", got, err, secret[:8])
	}
	if _, err := pyUnmask(a[:40] + "!"); err == nil {
		t.Error("pyUnmask of 41 characters ending in '!' succeeded")
	}
	if got, err := pyUnmask(a + "b"); err != nil || got != secret {
		t.Errorf("pyUnmask of 65 characters = %q, %v", got, err)
	}
	if _, err := pyUnmask(a + "!"); err == nil {
		t.Error("pyUnmask of 65 characters ending in '!' succeeded (zip reads it)")
	}
	if _, err := pyUnmask(strings.Repeat("a", 32) + "!" + strings.Repeat("a", 31)); err == nil {
		t.Error("pyUnmask of a token with '!' succeeded")
	}
}

// csrfTestSettings are Django's defaults with ALLOWED_HOSTS ["example.com"] on a fixed
// clock.
func csrfTestSettings(testing.TB) Settings {
	s := NewSettings()
	s.SecretKey = "k"
	s.AllowedHosts = []string{"example.com"}
	s.Now = func() time.Time { return time.Unix(1700000000, 0) }
	s.Logger = slog.New(slog.DiscardHandler)
	return s
}

type csrfReply struct {
	status          int
	body, setCookie string
	vary            string
	token           string
}

// serve runs one request through m in front of a handler that hands out a token when
// the path is /token.
func serveCSRF(t *testing.T, m *CSRFMiddleware, method, target string, form url.Values, header http.Header) csrfReply {
	t.Helper()
	var token string
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			tok, err := CSRFToken(r)
			if err != nil {
				t.Fatal(err)
			}
			token = tok
		}
		if r.URL.Path == "/rotate" {
			if ok, err := RotateCSRFToken(r.Context()); !ok || err != nil {
				t.Fatalf("RotateCSRFToken: %v %v", ok, err)
			}
		}
		w.Write([]byte("ok"))
	}))
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	r := httptest.NewRequest(method, target, body)
	r.Host = "example.com"
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		r.Header[k] = v
	}
	if strings.HasPrefix(target, "https:") {
		r.TLS = &tls.ConnectionState{}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return csrfReply{status: rec.Code, body: rec.Body.String(), setCookie: rec.Header().Get("Set-Cookie"),
		vary: rec.Header().Get("Vary"), token: token}
}

func TestCSRFMiddleware(t *testing.T) {
	m, err := NewCSRFMiddleware(csrfTestSettings(t))
	if err != nil {
		t.Fatal(err)
	}
	m.Failure = func(w http.ResponseWriter, r *http.Request, reason string) {
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(reason))
	}

	// A GET that asks for a token gets a new secret in the cookie, as Django writes it.
	got := serveCSRF(t, m, "GET", "/token", nil, nil)
	secret, attrs, _ := strings.Cut(strings.TrimPrefix(got.setCookie, "csrftoken="), ";")
	if len(secret) != CSRFSecretLength || attrs != " expires=Tue, 12 Nov 2024 22:13:20 GMT; Max-Age=31449600; Path=/; SameSite=Lax" ||
		got.vary != "Cookie" || UnmaskCSRFToken(got.token) != secret {
		t.Fatalf("GET /token: %+v", got)
	}
	// A GET that does not use the token sets nothing.
	if got := serveCSRF(t, m, "GET", "/", nil, nil); got.setCookie != "" || got.vary != "" || got.status != 200 {
		t.Errorf("GET /: %+v", got)
	}
	cookie := http.Header{"Cookie": {"csrftoken=" + secret}}
	withHeader := func(k, v string) http.Header {
		h := http.Header{"Cookie": cookie["Cookie"]}
		h.Set(k, v)
		return h
	}
	other, _ := NewCSRFSecret()
	otherTok, _ := MaskCSRFSecret(other)
	for _, c := range []struct {
		name, method, target string
		form                 url.Values
		header               http.Header
		reason               string
	}{
		{"form token", "POST", "/", url.Values{CSRFFormField: {got.token}}, cookie, ""},
		{"unmasked form token", "POST", "/", url.Values{CSRFFormField: {secret}}, cookie, ""},
		{"header token", "PUT", "/", nil, withHeader("X-CSRFToken", got.token), ""},
		{"no cookie", "POST", "/", url.Values{CSRFFormField: {got.token}}, nil, CSRFReasonNoCookie},
		{"no token", "POST", "/", url.Values{}, cookie, CSRFReasonTokenMissing},
		{"wrong token", "POST", "/", url.Values{CSRFFormField: {otherTok}}, cookie, "CSRF token from POST incorrect."},
		{"short header token", "DELETE", "/", nil, withHeader("X-CSRFToken", "abc"),
			"CSRF token from the 'X-Csrftoken' HTTP header has incorrect length."},
		{"bad cookie", "POST", "/", url.Values{CSRFFormField: {got.token}}, http.Header{"Cookie": {"csrftoken=" + secret[:31] + "!"}},
			"CSRF cookie has invalid characters."},
		{"foreign origin", "POST", "/", url.Values{CSRFFormField: {got.token}}, withHeader("Origin", "https://evil.com"),
			"Origin checking failed - https://evil.com does not match any trusted origins."},
		{"own origin", "POST", "/", url.Values{CSRFFormField: {got.token}}, withHeader("Origin", "http://example.com"), ""},
		{"https without Referer", "POST", "https://example.com/", url.Values{CSRFFormField: {got.token}}, cookie, CSRFReasonNoReferer},
		{"https with own Referer", "POST", "https://example.com/", url.Values{CSRFFormField: {got.token}},
			withHeader("Referer", "https://example.com/form"), ""},
		{"https with http Referer", "POST", "https://example.com/", url.Values{CSRFFormField: {got.token}},
			withHeader("Referer", "http://example.com/form"), CSRFReasonInsecureReferer},
		{"safe method", "OPTIONS", "/", nil, nil, ""},
	} {
		got := serveCSRF(t, m, c.method, c.target, c.form, c.header)
		if c.reason == "" && got.status != 200 || c.reason != "" && (got.status != 403 || got.body != c.reason) {
			t.Errorf("%s: %d %q, want reason %q", c.name, got.status, got.body, c.reason)
		}
	}

	// A malformed cookie is replaced when the token is used; rotation replaces a good one.
	got = serveCSRF(t, m, "GET", "/token", nil, http.Header{"Cookie": {"csrftoken=bad"}})
	if !strings.HasPrefix(got.setCookie, "csrftoken=") || strings.HasPrefix(got.setCookie, "csrftoken=bad") {
		t.Errorf("malformed cookie: %+v", got)
	}
	got = serveCSRF(t, m, "POST", "/rotate", url.Values{CSRFFormField: {secret}}, cookie)
	if got.status != 200 || !strings.HasPrefix(got.setCookie, "csrftoken=") || strings.HasPrefix(got.setCookie, "csrftoken="+secret) {
		t.Errorf("rotate: %+v", got)
	}

	// Exempt requests are not checked.
	m.Exempt = func(r *http.Request) bool { return r.URL.Path == "/hook" }
	if got := serveCSRF(t, m, "POST", "/hook", url.Values{}, nil); got.status != 200 {
		t.Errorf("exempt: %+v", got)
	}
	// A handler that flushes early (streaming) still gets the cookie, before the flush.
	var atFlush string
	flushing := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		CSRFToken(r)
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Fatal(err)
		}
		atFlush = w.Header().Get("Set-Cookie")
		w.Write([]byte("more"))
	}))
	rec := httptest.NewRecorder()
	flushing.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if !rec.Flushed || !strings.HasPrefix(atFlush, "csrftoken=") || rec.Header().Get("Set-Cookie") != atFlush {
		t.Errorf("flush: flushed %v, cookie at the flush %q, after %q", rec.Flushed, atFlush, rec.Header().Get("Set-Cookie"))
	}
	if _, err := CSRFToken(httptest.NewRequest("GET", "/", nil)); err != ErrCSRFNoMiddleware {
		t.Errorf("CSRFToken without the middleware: %v", err)
	}
	if ok, err := RotateCSRFToken(context.Background()); ok || err != nil {
		t.Errorf("RotateCSRFToken without the middleware: %v %v", ok, err)
	}
}

// TestCSRFSessions keeps the secret in the session (CSRF_USE_SESSIONS).
func TestCSRFSessions(t *testing.T) {
	s := csrfTestSettings(t)
	s.CSRFUseSessions = true
	m, err := NewCSRFMiddleware(s)
	if err != nil {
		t.Fatal(err)
	}
	fs, st := fileSettings(t)
	s.SessionEngine, s.SecretKey = st, fs.SecretKey
	sess, err := NewSession(context.Background(), s, "")
	if err != nil {
		t.Fatal(err)
	}
	var token string
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, err = CSRFToken(r)
		if err != nil {
			t.Fatal(err)
		}
	}))
	r := httptest.NewRequest("GET", "/", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r.WithContext(NewContext(r.Context(), sess)))
	v, ok := sess.Get(CSRFSessionKey)
	if str, _ := v.AsStr(); !ok || UnmaskCSRFToken(token) != str || rec.Header().Get("Set-Cookie") != "" {
		t.Fatalf("session %v %v, token %q, Set-Cookie %q", v, ok, token, rec.Header().Get("Set-Cookie"))
	}
	r = httptest.NewRequest("POST", "/", strings.NewReader(url.Values{CSRFFormField: {token}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, r.WithContext(NewContext(r.Context(), sess)))
	if rec.Code != 200 {
		t.Errorf("POST with the session's token: %d %s", rec.Code, rec.Body)
	}
	// Without a session, CSRF_USE_SESSIONS is a server error.
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/", nil))
	if rec.Code != 500 {
		t.Errorf("no session: %d", rec.Code)
	}
}

func TestCSRFSettings(t *testing.T) {
	for name, mod := range map[string]func(*Settings){
		"cookie name":      func(s *Settings) { s.CSRFCookieName = "a b" },
		"samesite":         func(s *Settings) { s.CSRFCookieSameSite = "Loose" },
		"header":           func(s *Settings) { s.CSRFHeaderName = "X-CSRFToken" },
		"origin no scheme": func(s *Settings) { s.CSRFTrustedOrigins = []string{"example.com"} },
		"proxy header":     func(s *Settings) { s.SecureProxySSLHeader = []string{"HTTP_X_FORWARDED_PROTO"} },
		"age":              func(s *Settings) { s.CSRFCookieAge = -2 },
	} {
		s := csrfTestSettings(t)
		mod(&s)
		if _, err := NewCSRFMiddleware(s); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	s := csrfTestSettings(t)
	if err := s.ForDjango("3.2.25"); err != nil || !s.CSRFLegacyChecks || !s.ProxySSLHeaderExact {
		t.Errorf("ForDjango 3.2: %v %+v", err, s)
	}
	s.CSRFTrustedOrigins = []string{"example.com"} // (a host, as Django 3.2 takes them)
	if _, err := NewCSRFMiddleware(s); err != nil {
		t.Errorf("3.2 trusted origin without a scheme: %v", err)
	}
}

// FuzzCSRF sends arbitrary requests through the middleware: no panic, and an unsafe
// request that passes carries a token of the cookie's secret.
func FuzzCSRF(f *testing.F) {
	secret := "abcdefghijklmnopqrstuvwxyzABCDEF"
	tok, _ := MaskCSRFSecret(secret)
	f.Add("POST", "csrftoken="+secret, CSRFFormField+"="+tok, "", "http://example.com", "", false)
	f.Add("PUT", "csrftoken="+tok, "", tok, "", "https://example.com/x", true)
	f.Add("POST", "csrftoken=\"x\"; csrftoken="+secret, "a=1&"+CSRFFormField+"=%zz", secret, "null", "https://[::1", true)
	for _, legacy := range []bool{false, true} {
		s := csrfTestSettings(nil)
		s.CSRFLegacyChecks = legacy
		s.CSRFTrustedOrigins = []string{"https://*.example.com"}
		if legacy {
			s.CSRFTrustedOrigins = []string{".example.com"}
		}
		m, err := NewCSRFMiddleware(s)
		if err != nil {
			f.Fatal(err)
		}
		fuzzCSRFMiddlewares = append(fuzzCSRFMiddlewares, m)
	}
	f.Fuzz(func(t *testing.T, method, cookie, form, header, origin, referer string, secure bool) {
		if method == "" || strings.ContainsAny(method, " \t\r\n()<>@,;:\\\"/[]?={}") {
			return
		}
		for _, m := range fuzzCSRFMiddlewares {
			passed := false
			h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				passed = true
				CSRFToken(r)
			}))
			r := httptest.NewRequest("GET", "/", strings.NewReader(form))
			r.Method = method
			r.Host = "example.com"
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.Header.Set("Cookie", cookie)
			if header != "" {
				r.Header.Set("X-CSRFToken", header)
			}
			if origin != "" {
				r.Header.Set("Origin", origin)
			}
			if referer != "" {
				r.Header.Set("Referer", referer)
			}
			if secure {
				r.TLS = &tls.ConnectionState{}
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			// (Django upper-cases REQUEST_METHOD: a "pOST" is a POST)
			upper := strings.ToUpper(method)
			safe := upper == "GET" || upper == "HEAD" || upper == "OPTIONS" || upper == "TRACE"
			if passed && !safe {
				c, ok := lookupCookie([]string{cookie}, "csrftoken")
				sent := ""
				if vs, _ := url.ParseQuery(form); upper == "POST" && len(vs[CSRFFormField]) > 0 {
					sent = vs[CSRFFormField][len(vs[CSRFFormField])-1]
				}
				if sent == "" {
					sent = header
				}
				if !ok || UnmaskCSRFToken(c) != UnmaskCSRFToken(sent) {
					t.Fatalf("%s passed with cookie %q and token %q", method, cookie, sent)
				}
			}
		}
	})
}

var fuzzCSRFMiddlewares []*CSRFMiddleware

// BenchmarkCSRF times a request through the CSRF middleware to a handler that writes
// "ok": a form POST with the csrftoken cookie and the csrfmiddlewaretoken field (the
// check, with the form read), and a GET whose handler asks for a token (get_token and the
// cookie written). The request is built in the loop, as each request is new;
// scripts/bench_csrf.py times the same in Django.
func BenchmarkCSRF(b *testing.B) {
	s := csrfTestSettings(b)
	m, err := NewCSRFMiddleware(s)
	if err != nil {
		b.Fatal(err)
	}
	secret := "abcdefghijklmnopqrstuvwxyzABCDEF"
	token, _ := MaskCSRFSecret(secret)
	form := "title=Hello&body=World&" + CSRFFormField + "=" + token
	cookie := "sessionid=0123456789abcdefghijklmnopqrstuv; csrftoken=" + secret
	w := &benchWriter{h: http.Header{}}
	b.Run("post", func(b *testing.B) {
		h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(okBody) }))
		b.ReportAllocs()
		for b.Loop() {
			req, _ := http.NewRequest("POST", "http://example.com/form/", strings.NewReader(form))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Cookie", cookie)
			clear(w.h)
			h.ServeHTTP(w, req)
			if len(w.h["Set-Cookie"]) != 0 || len(w.h["Content-Type"]) != 0 {
				b.Fatalf("refused: %v", w.h)
			}
		}
	})
	b.Run("get_token", func(b *testing.B) {
		h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			CSRFToken(r)
			w.Write(okBody)
		}))
		b.ReportAllocs()
		for b.Loop() {
			req, _ := http.NewRequest("GET", "http://example.com/form/", nil)
			req.Header.Set("Cookie", cookie)
			clear(w.h)
			h.ServeHTTP(w, req)
			if len(w.h["Set-Cookie"]) != 1 {
				b.Fatalf("no cookie: %v", w.h)
			}
		}
	})
}

// ValidUTF8 replaces as CPython's bytes.decode("utf-8", "replace"): one U+FFFD per
// maximal subpart of an ill-formed sequence.
func TestValidUTF8(t *testing.T) {
	for in, want := range map[string]string{
		"plain é ✓":         "plain é ✓",
		"No user \xff":      "No user \ufffd",
		"\xe2\x82x":         "\ufffdx",
		"\xff\xfe":          "\ufffd\ufffd",
		"\xf0\x9f\x98":      "\ufffd",
		"\xed\xa0\x80 lone": "\ufffd\ufffd\ufffd lone",
		"a\xc3":             "a\ufffd",
	} {
		if got := ValidUTF8(in); got != want {
			t.Errorf("ValidUTF8(%q) = %q, want %q", in, got, want)
		}
	}
}

// URLHasAllowedHostAndScheme on the answers Django 6.1.3 (Python 3.13.0), 4.2.30 and
// 3.2.25 give (Django 3.2 lets "h\ttp://evil.com" through: its urlsplit keeps the tab); TestLiveURLHasAllowedHostAndScheme holds it to every version on random URLs.
func TestURLHasAllowedHostAndScheme(t *testing.T) {
	hosts := []string{"example.com", "example.com:8000", "[::1%a%b]", "[::1%a]"}
	for _, c := range []struct {
		url           string
		https         bool
		v61, v42, v32 bool
	}{
		{"/next/", false, true, true, true},
		{"https://example.com/p", true, true, true, true},
		{"http://example.com/p", true, false, false, false},
		{"//evil.com/", false, false, false, false},
		{"/\\evil.com", false, false, false, false},
		{"\\\\evil.com", false, false, false, false},
		{"///evil.com", false, false, false, false},
		{"http:///evil.com", false, false, false, false},
		{"javascript:alert(1)", false, false, false, false},
		{"\x01//evil.com", false, false, false, false},
		{" /ok ", false, true, true, true},
		{"h\ttp://evil.com", false, false, false, true},
		{"1http://example.com/", false, true, false, false},
		{"http://example.com@evil.com/", false, false, false, false},
		{"http://[::1", false, false, false, false},
		{"", false, false, false, false},
		{"//[::1%a%b]/", false, false, false, true}, // ipaddress refuses a zone holding "%"
		{"//[::1%a]/", false, true, true, true},
		{"/" + strings.Repeat("a", 2048), false, false, true, true},
	} {
		for _, v := range []struct {
			version string
			want    bool
		}{{"6.1.3", c.v61}, {"4.2.30", c.v42}, {"3.2.25", c.v32}} {
			s := NewSettings()
			s.ForDjango(v.version)
			if got := s.URLHasAllowedHostAndScheme(c.url, hosts, c.https); got != v.want {
				t.Errorf("Django %s: %.40q (https %v) = %v, want %v", v.version, c.url, c.https, got, v.want)
			}
		}
	}
}

// TestCSRFProtect: behind a middleware that exempts a request (csrf_exempt), CSRFProtect
// checks it as Django's csrf_protect checks a decorated view; a request the middleware
// checked is not checked again; DontEnforce (the test Client's flag) passes both; and
// without a middleware there is nothing to check with.
func TestCSRFProtect(t *testing.T) {
	s := NewSettings()
	s.SecretKey, s.AllowedHosts = "csrf-protect-test-secret", []string{"example.com"}
	secret := strings.Repeat("a", 32)
	good := url.Values{CSRFFormField: {secret}}
	tests := []struct {
		name        string
		exempt      bool
		dontEnforce bool
		form        url.Values
		method      string
		want        int
	}{
		{name: "exempt, no token", exempt: true, method: "POST", want: 403},
		{name: "exempt, good token", exempt: true, method: "POST", form: good, want: 200},
		{name: "exempt, safe method", exempt: true, method: "GET", want: 200},
		{name: "checked, good token", method: "POST", form: good, want: 200},
		{name: "not enforced", exempt: true, dontEnforce: true, method: "POST", want: 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := NewCSRFMiddleware(s)
			if err != nil {
				t.Fatal(err)
			}
			m.Exempt = func(*http.Request) bool { return tc.exempt }
			m.DontEnforce = func(*http.Request) bool { return tc.dontEnforce }
			calls := 0
			h := m.Handler(CSRFProtect(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls++ })))
			r := httptest.NewRequest(tc.method, "http://example.com/", strings.NewReader(tc.form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.AddCookie(&http.Cookie{Name: "csrftoken", Value: secret})
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if rec.Code != tc.want || (calls == 1) != (tc.want == 200) {
				t.Errorf("%d, handler called %d times; want %d", rec.Code, calls, tc.want)
			}
		})
	}
	calls := 0
	rec := httptest.NewRecorder()
	CSRFProtect(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls++ })).ServeHTTP(rec, httptest.NewRequest("POST", "/", nil))
	if calls != 1 {
		t.Error("without a CSRFMiddleware, CSRFProtect stopped the request")
	}
}

package compat_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/engines/signedcookies"
	"github.com/djsession/djsession/serializer"
)

// TestLiveCSRF holds django.CSRFMiddleware to Django's CsrfViewMiddleware
// (scripts/peer_ops_csrf.py) on random requests under random settings, for every Django
// version in the matrix: the same verdict with the same reason, the same CSRF cookie
// (attributes byte for byte; the secret kept, or replaced by a new one, alike) and Vary
// header. Tokens cross over: the masked tokens Go makes for a secret are sent to Django,
// and the token Django's get_token returns is sent back to Go, which must accept it.
func TestLiveCSRF(t *testing.T) {
	n := 400
	if testing.Short() {
		n = 50
	}
	for _, p := range livePeers(t) {
		t.Run("django-"+p.Series, func(t *testing.T) {
			r := rand.New(rand.NewPCG(11, uint64(len(p.Series))*31+uint64(p.Series[0])))
			accepted := 0
			for i := range n {
				c := newCSRFCase(r, p.Series)
				dj := p.call(t, c.djangoRequest())
				got := c.runGo(t)
				if ok, _ := dj["ok"].(bool); !ok {
					// Django raised (a 500): Go must fail the request too.
					if !got.err {
						t.Errorf("case %d: Django raised %v: %v; Go answered %d %q\n%s", i, dj["error"], dj["message"], got.status, got.reason, c)
					}
					continue
				}
				c.compare(t, i, dj, got)
				if dj["accepted"] == true {
					accepted++
				}
				// Django's token, with the same cookie, must pass Go too.
				if tok, ok := dj["token"].(string); ok && dj["accepted"] == true && !c.s.CSRFUseSessions && c.cookie != nil {
					back := c.clone()
					back.method, back.form, back.meta = "POST", url.Values{django.CSRFFormField: {tok}}.Encode(), map[string]string{}
					back.secure, back.getToken, back.contentType = false, false, ""
					if dj["secret"] == c.cookieSecret {
						if res := back.runGo(t); !res.accepted {
							t.Errorf("case %d: Go refuses Django's token %s: %s\n%s", i, tok, res.reason, back)
						}
					}
				}
			}
			if accepted < n/10 || accepted > n*9/10 {
				t.Errorf("%d of %d requests accepted: the cases do not exercise both outcomes", accepted, n)
			}
		})
	}
}

// csrfCase is one request under one configuration.
type csrfCase struct {
	series      string
	s           django.Settings
	djSettings  map[string]any
	method      string
	secure      bool
	host, port  string
	meta        map[string]string // request.META names
	cookie      *string           // the Cookie header
	form        string            // the body (POST): urlencoded, unless contentType says otherwise
	contentType string            // "" for application/x-www-form-urlencoded
	getToken    bool
	vary        *string // a Vary header the view sets
	// session is the session's _csrftoken with CSRF_USE_SESSIONS (nil: none).
	session *string
	// cookieSecret is the secret the CSRF cookie carries (unmasked), "" when none is valid.
	cookieSecret string
}

func (c *csrfCase) clone() *csrfCase {
	d := *c
	d.meta = map[string]string{}
	for k, v := range c.meta {
		d.meta[k] = v
	}
	return &d
}

func (c *csrfCase) String() string {
	ck := "(none)"
	if c.cookie != nil {
		ck = *c.cookie
	}
	return fmt.Sprintf("settings %v\n%s secure=%v host=%q port=%s meta=%v cookie=%q form=%q get_token=%v",
		c.djSettings, c.method, c.secure, c.host, c.port, c.meta, ck, c.form, c.getToken)
}

const csrfNow = 1700000000

func pick[T any](r *rand.Rand, xs ...T) T { return xs[r.IntN(len(xs))] }

func newCSRFCase(r *rand.Rand, series string) *csrfCase {
	legacy := series[0] == '3'
	c := &csrfCase{series: series, meta: map[string]string{}, djSettings: map[string]any{}}
	s := django.NewSettings()
	s.SecretKey = liveKey
	if err := s.ForDjango(series); err != nil {
		panic(err)
	}
	s.Now = func() time.Time { return time.Unix(csrfNow, 0) }
	s.Logger = slog.New(slog.DiscardHandler)
	set := func(name string, v any) { c.djSettings[name] = v }
	setOrNone := func(name, v string) { // ("" is None)
		if v == "" {
			set(name, nil)
		} else {
			set(name, v)
		}
	}

	s.AllowedHosts = pick(r, []string{"example.com"}, []string{".example.com"}, []string{"*"}, []string{},
		[]string{"example.com", "testserver"}, []string{"[::1]", "localhost"})
	set("ALLOWED_HOSTS", s.AllowedHosts)
	s.Debug = r.IntN(4) == 0
	set("DEBUG", s.Debug)
	if legacy {
		s.CSRFTrustedOrigins = pick(r, []string{}, []string{"trusted.com"}, []string{".example.com"}, []string{"trusted.com:8443", ".trusted.com"})
	} else {
		s.CSRFTrustedOrigins = pick(r, []string{}, []string{"https://trusted.com"}, []string{"https://*.example.com"},
			[]string{"http://example.com:8000", "https://*.trusted.com"}, []string{"https://trusted.com:8443"})
	}
	set("CSRF_TRUSTED_ORIGINS", s.CSRFTrustedOrigins)
	s.CSRFCookieDomain = pick(r, "", "", ".example.com", "example.com")
	setOrNone("CSRF_COOKIE_DOMAIN", s.CSRFCookieDomain)
	if r.IntN(3) == 0 {
		s.SecureProxySSLHeader = []string{"HTTP_X_FORWARDED_PROTO", "https"}
		set("SECURE_PROXY_SSL_HEADER", s.SecureProxySSLHeader)
	} else {
		set("SECURE_PROXY_SSL_HEADER", nil)
	}
	s.UseXForwardedHost, s.UseXForwardedPort = r.IntN(3) == 0, r.IntN(3) == 0
	set("USE_X_FORWARDED_HOST", s.UseXForwardedHost)
	set("USE_X_FORWARDED_PORT", s.UseXForwardedPort)
	s.CSRFHeaderName = pick(r, "HTTP_X_CSRFTOKEN", "HTTP_X_CSRFTOKEN", "HTTP_X_XSRF_TOKEN")
	set("CSRF_HEADER_NAME", s.CSRFHeaderName)
	s.CSRFCookieName = pick(r, "csrftoken", "csrftoken", "__Secure-csrf")
	set("CSRF_COOKIE_NAME", s.CSRFCookieName)
	s.CSRFCookieSecure, s.CSRFCookieHttpOnly = r.IntN(2) == 0, r.IntN(3) == 0
	set("CSRF_COOKIE_SECURE", s.CSRFCookieSecure)
	set("CSRF_COOKIE_HTTPONLY", s.CSRFCookieHttpOnly)
	s.CSRFCookieSameSite = pick(r, "Lax", "Strict", "None", "")
	if s.CSRFCookieSameSite == "" {
		set("CSRF_COOKIE_SAMESITE", false)
	} else {
		set("CSRF_COOKIE_SAMESITE", s.CSRFCookieSameSite)
	}
	s.CSRFCookieAge = pick(r, django.DefaultCSRFCookieAge, -1, 3600)
	if s.CSRFCookieAge == -1 {
		set("CSRF_COOKIE_AGE", nil)
	} else {
		set("CSRF_COOKIE_AGE", s.CSRFCookieAge)
	}
	if series == "4.2" {
		s.CSRFCookieMasked = r.IntN(2) == 0
		set("CSRF_COOKIE_MASKED", s.CSRFCookieMasked)
	}
	s.CSRFUseSessions = r.IntN(4) == 0
	set("CSRF_USE_SESSIONS", s.CSRFUseSessions)
	s.SessionCookieDomain = pick(r, "", ".example.com")
	setOrNone("SESSION_COOKIE_DOMAIN", s.SessionCookieDomain)
	c.s = s

	c.method = pick(r, "GET", "HEAD", "POST", "POST", "POST", "POST", "PUT", "DELETE")
	c.secure = r.IntN(2) == 0
	c.host = pick(r, "example.com", "sub.example.com", "EXAMPLE.com", "example.com:8000", "evil.com", "testserver",
		"[::1]:8000", "localhost", "example.com.", "trusted.com")
	c.port = pick(r, "80", "443", "8000")
	origins := []string{"http://example.com", "https://example.com", "https://sub.example.com", "https://trusted.com",
		"null", "https://evil.com", "https://example.com:8000", "http://example.com:8000", "https://[::1]:8000",
		"https://[bad", "HTTPS://example.com", " https://example.com", "", "https://trusted.com:8443",
		"https://a.trusted.com", "http://" + c.host, "https://" + c.host}
	referers := []string{"", "https://example.com/page?x=1#f", "http://example.com/", "https://evil.com/",
		"https://sub.example.com/a", "https://trusted.com", "//example.com/x", "https:///x", "https://example.com:8000/",
		"not a url", "https://[::1]:8000/", "https://[zz]/", "https://example.com:8443/x?", "HTTPS://Example.com/",
		"https://a.trusted.com/", "https://" + c.host + "/p", "https://trusted.com:8443/"}
	if r.IntN(3) == 0 {
		c.meta["HTTP_ORIGIN"] = pick(r, origins...)
	}
	if r.IntN(2) == 0 {
		c.meta["HTTP_REFERER"] = pick(r, referers...)
	}
	if r.IntN(3) == 0 {
		c.meta["HTTP_X_FORWARDED_PROTO"] = pick(r, "https", "http", "https, http", " https")
	}
	if r.IntN(4) == 0 {
		c.meta["HTTP_X_FORWARDED_HOST"] = pick(r, "example.com", "evil.com", "sub.example.com:8443")
	}
	if r.IntN(4) == 0 {
		c.meta["HTTP_X_FORWARDED_PORT"] = pick(r, "8443", "443", "80")
	}

	secret, _ := django.NewCSRFSecret()
	other, _ := django.NewCSRFSecret()
	masked := func(x string) string { m, _ := django.MaskCSRFSecret(x); return m }
	var cookieVal string
	haveCookie := true
	switch r.IntN(8) {
	case 0:
		haveCookie = false
	case 1:
		cookieVal = masked(secret)
		c.cookieSecret = secret
	case 2:
		cookieVal = secret[:31] + "!"
	case 3:
		cookieVal = "abc"
	default:
		cookieVal = secret
		c.cookieSecret = secret
	}
	if s.CSRFUseSessions {
		// The secret is in the session (the CSRF cookie, if any, is not read).
		if haveCookie {
			c.session = &cookieVal
		}
		if c.session == nil || !legacy && len(cookieVal) != django.CSRFSecretLength && len(cookieVal) != django.CSRFTokenLength {
			c.cookieSecret = ""
		}
	}
	if haveCookie {
		h := s.CSRFCookieName + "=" + cookieVal
		switch r.IntN(6) {
		case 0:
			h = "sessionid=x; " + h + "; other=1"
		case 1:
			h = s.CSRFCookieName + "=" + other + "; " + h // the last one wins
		case 2:
			h = "other=" + cookieVal // not the CSRF cookie
			c.cookieSecret = ""
		case 3:
			h = s.CSRFCookieName + `="` + cookieVal + `"` // quoted, as http.cookies may write it
		}
		c.cookie = &h
	}
	token := func() string {
		switch r.IntN(7) {
		case 0:
			return secret
		case 1:
			return masked(other)
		case 2:
			return "short"
		case 3:
			return pick(r, masked(secret)[:63]+"*", strings.Repeat("\xe9", 32))
		default:
			return masked(secret)
		}
	}
	form := url.Values{}
	switch r.IntN(5) {
	case 0, 1:
		form.Set(django.CSRFFormField, token())
	case 3:
		// Two fields: the last one counts.
		form.Set(django.CSRFFormField, pick(r, masked(other), masked(secret)))
		form.Add(django.CSRFFormField, pick(r, masked(other), masked(secret)))
	case 2:
		form.Set("other", "x")
	}
	if c.method != "GET" && c.method != "HEAD" {
		c.form = form.Encode()
		if r.IntN(6) == 0 { // a body that is not what url.Values writes
			c.form = pick(r, django.CSRFFormField+"=%zz", django.CSRFFormField+"="+masked(secret)+"&x=%zz",
				"x=\xff&"+django.CSRFFormField+"="+secret, django.CSRFFormField, django.CSRFFormField+"=",
				"+"+django.CSRFFormField+"="+secret, django.CSRFFormField+"="+secret[:20]+"%C3%A9"+secret[22:],
				django.CSRFFormField+"="+secret[:30]+"%E2%82", "a=1;"+django.CSRFFormField+"="+secret)
		}
		if r.IntN(6) == 0 { // the same fields as multipart/form-data
			var buf strings.Builder
			mw := multipart.NewWriter(&buf)
			for k, vs := range form {
				for _, v := range vs {
					mw.WriteField(k, v)
				}
			}
			mw.Close()
			c.form, c.contentType = buf.String(), mw.FormDataContentType()
		}
	}
	if r.IntN(2) == 0 {
		c.meta[pick(r, s.CSRFHeaderName, "HTTP_X_CSRFTOKEN")] = token()
	}
	c.getToken = r.IntN(2) == 0
	if r.IntN(3) == 0 {
		v := pick(r, "Accept-Encoding", "cookie", "Accept-Language, Cookie", "*", " Accept ,, Origin")
		c.vary = &v
	}
	return c
}

func (c *csrfCase) djangoRequest() map[string]any {
	meta := map[string]any{}
	for k, v := range c.meta {
		meta[k] = latin1Text(v)
	}
	body := latin1Text(c.form) // (which the peer encodes back to the same bytes)
	req := map[string]any{"op": "csrf_check", "settings": c.djSettings, "method": c.method, "secure": c.secure,
		"host": c.host, "server_port": c.port, "meta": meta, "body": body, "get_token": c.getToken, "now": csrfNow,
		"content_type": c.contentType}
	if c.cookie != nil {
		req["cookie"] = *c.cookie
	}
	if c.session != nil {
		req["session_token"] = *c.session
	}
	if c.vary != nil {
		req["vary"] = *c.vary
	}
	return req
}

type csrfResult struct {
	accepted        bool
	reason          string
	status          int
	setCookie, vary string
	hasCookie       bool
	token           string
	err             bool
	session         *string // the session's _csrftoken at the end (CSRF_USE_SESSIONS)
}

func (c *csrfCase) runGo(t *testing.T) csrfResult {
	t.Helper()
	m, err := django.NewCSRFMiddleware(c.s)
	if err != nil {
		t.Fatalf("NewCSRFMiddleware: %v\n%s", err, c)
	}
	var res csrfResult
	m.Failure = func(w http.ResponseWriter, r *http.Request, reason string) {
		res.reason = reason
		w.WriteHeader(http.StatusForbidden)
	}
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res.accepted = true
		if c.getToken {
			tok, err := django.CSRFToken(r)
			if err != nil { // (Django's get_token raises: a 500)
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			res.token = tok
		}
		if c.vary != nil {
			w.Header().Set("Vary", *c.vary)
		}
		w.WriteHeader(http.StatusOK)
	}))
	var sess *django.Session
	if c.s.CSRFUseSessions {
		st, err := signedcookies.New(signedcookies.Config{SecretKey: c.s.SecretKey}, engines.Options{})
		if err != nil {
			t.Fatal(err)
		}
		s := c.s
		s.SessionEngine = st
		if sess, err = django.NewSession(context.Background(), s, ""); err != nil {
			t.Fatal(err)
		}
		if c.session != nil {
			sess.Set(django.CSRFSessionKey, serializer.Str(*c.session))
		}
	}
	req := httptest.NewRequest(c.method, "/form/", strings.NewReader(c.form))
	req.Host = c.host
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if c.contentType != "" {
		req.Header.Set("Content-Type", c.contentType)
	}
	if c.secure {
		req.TLS = &tls.ConnectionState{}
	} else {
		req.TLS = nil
	}
	p, _ := strconv.Atoi(c.port)
	ctx := context.WithValue(req.Context(), http.LocalAddrContextKey, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: p})
	if sess != nil {
		ctx = django.NewContext(ctx, sess)
	}
	req = req.WithContext(ctx)
	for k, v := range c.meta {
		req.Header[http.CanonicalHeaderKey(strings.ReplaceAll(strings.TrimPrefix(k, "HTTP_"), "_", "-"))] = []string{v}
	}
	if c.cookie != nil {
		req.Header.Set("Cookie", *c.cookie)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res.status = rec.Code
	if rec.Code == http.StatusInternalServerError {
		res.err = true
	}
	for _, l := range rec.Header()["Set-Cookie"] {
		if strings.HasPrefix(l, c.s.CSRFCookieName+"=") {
			res.setCookie, res.hasCookie = l, true
		}
	}
	res.vary = rec.Header().Get("Vary")
	if sess != nil {
		if v, ok := sess.Get(django.CSRFSessionKey); ok {
			str, _ := v.AsStr()
			res.session = &str
		}
	}
	return res
}

// compare checks Go's result against Django's reply.
func (c *csrfCase) compare(t *testing.T, i int, dj map[string]any, got csrfResult) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Errorf("case %d: "+format+"\n%s\nDjango: %v", append(append([]any{i}, args...), c, dj)...)
	}
	if got.accepted != (dj["accepted"] == true) {
		fail("accepted: Go %v (%q), Django %v", got.accepted, got.reason, dj["accepted"])
		return
	}
	if want, _ := dj["reason"].(string); got.reason != want {
		fail("reason: Go %q, Django %q", got.reason, want)
	}
	if st, _ := dj["status"].(float64); int(st) != got.status {
		fail("status: Go %d, Django %v", got.status, st)
	}
	djCookie, djHas := dj["set_cookie"].(string)
	if djHas != got.hasCookie {
		fail("Set-Cookie: Go %q, Django %q", got.setCookie, djCookie)
		return
	}
	if vary, _ := dj["vary"].(string); vary != got.vary {
		fail("Vary: Go %q, Django %q", got.vary, vary)
	}
	if djHas {
		gv, gattrs, _ := strings.Cut(got.setCookie, ";")
		dv, dattrs, _ := strings.Cut(djCookie, ";")
		if gattrs != dattrs {
			fail("cookie attributes: Go %q, Django %q", gattrs, dattrs)
		}
		// The value: the request's secret kept by both, or a new one by both.
		gs := django.UnmaskCSRFToken(strings.TrimPrefix(gv, c.s.CSRFCookieName+"="))
		ds := django.UnmaskCSRFToken(strings.TrimPrefix(dv, c.s.CSRFCookieName+"="))
		if (gs == c.cookieSecret) != (ds == c.cookieSecret) {
			fail("cookie secret: Go %q, Django %q, request %q", gs, ds, c.cookieSecret)
		}
		if len(gv) != len(dv) {
			fail("cookie value form: Go %q, Django %q", gv, dv)
		}
	}
	if tok, ok := dj["token"].(string); ok != (got.token != "") || ok && len(tok) != len(got.token) {
		fail("token: Go %q, Django %q", got.token, tok)
	}
	if c.s.CSRFUseSessions {
		// The session's secret: the request's kept by both, or a new one by both.
		ds, dok := dj["session_token"].(string)
		if dok != (got.session != nil) {
			fail("session _csrftoken: Go %v, Django %q", got.session, ds)
		} else if dok {
			same := func(x string) bool { return c.session != nil && x == *c.session }
			if same(ds) != same(*got.session) || len(ds) != len(*got.session) {
				fail("session _csrftoken: Go %q, Django %q, request %v", *got.session, ds, c.session)
			}
		}
	}
}

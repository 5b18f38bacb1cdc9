package django

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/djsession/djsession/internal/pystr"
	"github.com/djsession/djsession/internal/respwriter"
	"github.com/djsession/djsession/serializer"
)

// CSRF secret and token sizes, alphabet and names (django.middleware.csrf).
const (
	CSRFSecretLength = 32
	CSRFTokenLength  = 2 * CSRFSecretLength
	CSRFAllowedChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	// CSRFSessionKey is CSRF_SESSION_KEY, where CSRF_USE_SESSIONS keeps the secret.
	CSRFSessionKey = "_csrftoken"
	// CSRFFormField is the POST field of the {% csrf_token %} template tag.
	CSRFFormField = "csrfmiddlewaretoken"
)

// Django's defaults of the CSRF settings that NewSettings applies.
const (
	DefaultCSRFCookieName     = "csrftoken"
	DefaultCSRFCookieAge      = 60 * 60 * 24 * 7 * 52
	DefaultCSRFCookiePath     = "/"
	DefaultCSRFCookieSameSite = "Lax"
	DefaultCSRFHeaderName     = "HTTP_X_CSRFTOKEN"
)

// The reasons CsrfViewMiddleware gives for a rejection (the failure view's reason).
const (
	CSRFReasonBadOrigin        = "Origin checking failed - %s does not match any trusted origins."
	CSRFReasonNoReferer        = "Referer checking failed - no Referer."
	CSRFReasonBadReferer       = "Referer checking failed - %s does not match any trusted origins."
	CSRFReasonNoCookie         = "CSRF cookie not set."
	CSRFReasonTokenMissing     = "CSRF token missing."
	CSRFReasonMalformedReferer = "Referer checking failed - Referer is malformed."
	CSRFReasonInsecureReferer  = "Referer checking failed - Referer is insecure while host is secure."
	// CSRFReasonBadToken is Django 3.2's one reason for a missing or wrong token.
	CSRFReasonBadToken = "CSRF token missing or incorrect."
)

const (
	reasonIncorrectLength   = "has incorrect length"
	reasonInvalidCharacters = "has invalid characters"
)

// NewCSRFSecret returns a new CSRF secret: 32 characters of CSRFAllowedChars from the
// system's CSPRNG, each uniformly drawn, as Django's _get_new_csrf_string.
func NewCSRFSecret() (string, error) {
	var buf [48]byte
	out := make([]byte, 0, CSRFSecretLength)
	for len(out) < CSRFSecretLength {
		if _, err := rand.Read(buf[:]); err != nil {
			return "", err
		}
		for _, c := range buf {
			// 248 = 4 × 62: bytes below it fall on each character equally often.
			if c < 248 && len(out) < CSRFSecretLength {
				out = append(out, CSRFAllowedChars[c%62])
			}
		}
	}
	return string(out), nil
}

// MaskCSRFSecret returns the masked form of secret, as Django's _mask_cipher_secret: a
// new random 32-character mask, then each character of the secret shifted by the mask's
// (64 characters for a 32-character secret; Python's pairing stops at the shorter of the
// two). Every call gives another token for the same secret; Django accepts each. A
// character outside CSRFAllowedChars is an error, as Django's ValueError.
func MaskCSRFSecret(secret string) (string, error) {
	mask, err := NewCSRFSecret()
	if err != nil {
		return "", err
	}
	n := len(CSRFAllowedChars)
	k := min(len(mask), len(secret))
	b := make([]byte, 0, len(mask)+k)
	b = append(b, mask...)
	for i := range k {
		x := strings.IndexByte(CSRFAllowedChars, secret[i])
		if x < 0 {
			return "", errors.New("django: CSRF secret: substring not found (a character outside [a-zA-Z0-9])")
		}
		y := strings.IndexByte(CSRFAllowedChars, mask[i])
		b = append(b, CSRFAllowedChars[(x+y)%n])
	}
	return string(b), nil
}

// UnmaskCSRFToken returns the secret in a 64-character masked token (Django's
// _unmask_cipher_token); other lengths are returned unchanged. Characters outside
// CSRFAllowedChars count as the first one.
func UnmaskCSRFToken(token string) string {
	if len(token) != CSRFTokenLength {
		return token
	}
	mask, cipher := token[:CSRFSecretLength], token[CSRFSecretLength:]
	n := len(CSRFAllowedChars)
	b := make([]byte, CSRFSecretLength)
	for i := range b {
		x := max(strings.IndexByte(CSRFAllowedChars, cipher[i]), 0)
		y := max(strings.IndexByte(CSRFAllowedChars, mask[i]), 0)
		b[i] = CSRFAllowedChars[((x-y)%n+n)%n]
	}
	return string(b)
}

// pyUnmask is _unmask_cipher_token on any str, as Python runs it: the pairs stop at the
// shorter of the mask (the first 32 characters) and the rest, and a character outside
// CSRFAllowedChars among those it reads raises ValueError (an error here).
func pyUnmask(token string) (string, error) {
	mask := token[:min(len(token), CSRFSecretLength)]
	cipher := token[len(mask):]
	n := min(len(mask), len(cipher))
	idx := func(c byte) (int, error) {
		if i := strings.IndexByte(CSRFAllowedChars, c); i >= 0 {
			return i, nil
		}
		return 0, errors.New("django: CSRF token: substring not found (a character outside [a-zA-Z0-9])")
	}
	b := make([]byte, n)
	for i := range n {
		x, err := idx(cipher[i])
		if err != nil {
			return "", err
		}
		y, err := idx(mask[i])
		if err != nil {
			return "", err
		}
		b[i] = CSRFAllowedChars[((x-y)%len(CSRFAllowedChars)+len(CSRFAllowedChars))%len(CSRFAllowedChars)]
	}
	if len(cipher) > n { // (zip reads one more of the rest before it stops)
		if _, err := idx(cipher[n]); err != nil {
			return "", err
		}
	}
	return string(b), nil
}

// csrfTokenFormat is _check_token_format: "" when token has a length Django accepts (32
// or 64) and only CSRFAllowedChars, else the reason. Its length is counted in bytes, as
// Django's headers and cookies are latin-1 text (one character a byte); see
// csrfTextFormat for a form's field.
func csrfTokenFormat(token string) string { return csrfFormat(token, len(token)) }

// csrfTextFormat is _check_token_format of a form field, which Django decodes as UTF-8
// text: its length is in characters.
func csrfTextFormat(token string) string { return csrfFormat(token, utf8.RuneCountInString(token)) }

func csrfFormat(token string, n int) string {
	if n != CSRFTokenLength && n != CSRFSecretLength {
		return reasonIncorrectLength
	}
	if !csrfAllowed(token) {
		return reasonInvalidCharacters
	}
	return ""
}

func csrfAllowed(s string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(CSRFAllowedChars, s[i]) < 0 {
			return false
		}
	}
	return true
}

// ErrCSRFNoMiddleware is returned by CSRFToken for a request that did not go through a
// CSRFMiddleware.
var ErrCSRFNoMiddleware = errors.New("django: no CSRFMiddleware on this request (wrap the handler with CSRFMiddleware.Handler)")

// CSRFMiddleware is Django's CsrfViewMiddleware for net/http, for Go handlers that take
// form posts and AJAX calls from pages Django renders (and the other way round): the same
// checks in the same order with the same reasons (Origin, then Referer on HTTPS, then the
// token of the csrfmiddlewaretoken field or the CSRF_HEADER_NAME header against the
// secret of the CSRF cookie, or of the session with CSRF_USE_SESSIONS), and the same
// cookie, byte for byte, so that a token either side hands out is accepted by the other.
//
// Put it inside the session middleware, as Django's MIDDLEWARE lists SessionMiddleware
// first:
//
//	h := sessions.Handler(csrf.Handler(mux))
//
// Safe methods (GET, HEAD, OPTIONS, TRACE) pass; so do requests Exempt accepts
// (csrf_exempt). A rejected request gets Failure's response (default: 403 with the reason).
// CSRFToken gives a handler the masked token for its forms, as get_token; RotateCSRFToken
// changes the secret, as rotate_token does on login (auth.Login calls it).
type CSRFMiddleware struct {
	s Settings
	// trusted origins, split as CsrfViewMiddleware's cached properties
	originsExact   map[string]bool
	originsSubdom  map[string][]string
	trustedNetlocs []string
	legacy         bool

	// Exempt, when set, lets the requests it reports through unchecked (csrf_exempt). A
	// handler that Django protects with its own csrf_protect (CSRFProtect, and the
	// auth package's views) still checks them, as Django's decorated views do.
	Exempt func(r *http.Request) bool
	// DontEnforce, when set, accepts the requests it reports without a check, here and in
	// CSRFProtect: what Django's test Client asks for (_dont_enforce_csrf_checks). For
	// tests.
	DontEnforce func(r *http.Request) bool
	// Failure writes the response to a rejected request; default: 403 Forbidden with the
	// reason as text (Django's csrf_failure renders a page around it).
	Failure func(w http.ResponseWriter, r *http.Request, reason string)
}

// NewCSRFMiddleware returns the CSRF middleware for s (Validate must pass, except that no
// SessionEngine is needed).
func NewCSRFMiddleware(s Settings) (*CSRFMiddleware, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	m := &CSRFMiddleware{s: s, originsExact: map[string]bool{}, originsSubdom: map[string][]string{},
		legacy: s.CSRFLegacyChecks}
	for _, o := range s.CSRFTrustedOrigins {
		u, err := pyURLSplit(o)
		if err != nil {
			return nil, fmt.Errorf("%w: CSRF_TRUSTED_ORIGINS %q: %v", ErrInvalidSettings, o, err)
		}
		m.trustedNetlocs = append(m.trustedNetlocs, strings.TrimLeft(u.netloc, "*"))
		if strings.Contains(o, "*") {
			m.originsSubdom[u.scheme] = append(m.originsSubdom[u.scheme], strings.TrimLeft(u.netloc, "*"))
		} else {
			m.originsExact[o] = true
		}
	}
	return m, nil
}

// csrfState is the CSRF part of a request's META: the secret (CSRF_COOKIE, the value the
// cookie will be set to) and whether the response must set it.
type csrfState struct {
	mu          sync.Mutex
	m           *CSRFMiddleware
	r           *http.Request
	cookie      string // CSRF_COOKIE
	have        bool   // "CSRF_COOKIE" in META
	needsUpdate bool   // CSRF_COOKIE_NEEDS_UPDATE (3.2: CSRF_COOKIE_USED)
	needsReset  bool   // 3.2: csrf_cookie_needs_reset
	done        bool   // csrf_processing_done: the middleware accepted the request (not by Exempt)
	// post reads request.POST for CSRFCheckPOST's check (nil: PostValue).
	post func(name string) (string, error)
}

type csrfKey struct{}

func csrfFrom(ctx context.Context) *csrfState {
	st, _ := ctx.Value(csrfKey{}).(*csrfState)
	return st
}

// CSRFToken returns a masked CSRF token for r's forms (the csrfmiddlewaretoken field) or
// AJAX calls (the X-CSRFToken header), as Django's get_token: a new secret when the
// request has none, and the response will set (refresh) the CSRF cookie.
func CSRFToken(r *http.Request) (string, error) {
	st := csrfFrom(r.Context())
	if st == nil {
		return "", ErrCSRFNoMiddleware
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.have {
		if err := st.newSecret(); err != nil {
			return "", err
		}
	}
	st.needsUpdate = true
	secret := UnmaskCSRFToken(st.cookie)
	if st.m.legacy { // (3.2 unmasks whatever CSRF_COOKIE holds, a session's value too)
		var err error
		if secret, err = pyUnmask(st.cookie); err != nil {
			return "", err
		}
	}
	return MaskCSRFSecret(secret)
}

// CSRFProtected reports whether ctx is a request's that went through a CSRFMiddleware,
// without touching its token.
func CSRFProtected(ctx context.Context) bool { return csrfFrom(ctx) != nil }

// RotateCSRFToken gives the request a new CSRF secret, which the response sets, as
// Django's rotate_token (login does it). It reports whether ctx is a request's that went
// through a CSRFMiddleware (false: nothing was done).
func RotateCSRFToken(ctx context.Context) (bool, error) {
	st := csrfFrom(ctx)
	if st == nil {
		return false, nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if err := st.newSecret(); err != nil {
		return true, err
	}
	if st.m.legacy {
		st.needsReset = true
	}
	return true, nil
}

// CancelCSRFCookieUpdate sets CSRF_COOKIE_NEEDS_UPDATE to False, as allauth's headless
// app views do when they end (a login's new CSRF secret is not sent to app clients):
// the response sets no CSRF cookie unless something asks for one again.
func CancelCSRFCookieUpdate(ctx context.Context) {
	if st := csrfFrom(ctx); st != nil {
		st.mu.Lock()
		st.needsUpdate = false
		st.mu.Unlock()
	}
}

// newSecret is _add_new_csrf_cookie (3.2: a new masked token as CSRF_COOKIE).
func (st *csrfState) newSecret() error {
	secret, err := NewCSRFSecret()
	if err != nil {
		return err
	}
	if st.m.legacy || st.m.s.CSRFCookieMasked {
		if secret, err = MaskCSRFSecret(secret); err != nil {
			return err
		}
	}
	st.cookie, st.have, st.needsUpdate = secret, true, true
	return nil
}

// errCSRFFormat is InvalidTokenFormat.
type errCSRFFormat struct{ reason string }

func (e errCSRFFormat) Error() string { return e.reason }

// sessionSecret is request.session.get(CSRF_SESSION_KEY): ok false when the session has
// none; an error when the request has no session or the value is not a str.
func sessionSecret(r *http.Request) (string, bool, error) {
	sess := FromContext(r.Context())
	if sess == nil {
		return "", false, errors.New("django: CSRF_USE_SESSIONS is set, but the request has no session: put the session middleware around the CSRF middleware")
	}
	x, ok := sess.Get(CSRFSessionKey)
	if !ok || x.Kind() == serializer.KindNone {
		return "", false, nil
	}
	v, ok := x.AsStr()
	if !ok {
		return "", false, fmt.Errorf("django: the session's %s is a %s, not a str", CSRFSessionKey, x.Kind())
	}
	return v, true, nil
}

// secret is _get_secret: the request's secret (unmasked), ok false when it has none; an
// errCSRFFormat for a malformed cookie.
func (m *CSRFMiddleware) secret(r *http.Request) (string, bool, error) {
	if m.s.CSRFUseSessions {
		v, ok, err := sessionSecret(r)
		if !ok || utf8.RuneCountInString(v) != CSRFTokenLength {
			return v, ok, err
		}
		u, err := pyUnmask(v)
		return u, err == nil, err
	}
	c, ok := lookupCookie(r.Header["Cookie"], m.s.CSRFCookieName)
	if !ok {
		return "", false, nil
	}
	if reason := csrfTokenFormat(c); reason != "" {
		return "", false, errCSRFFormat{reason}
	}
	return UnmaskCSRFToken(c), true, nil
}

// legacyToken is Django 3.2's _get_token: the masked token of the request (a cookie that
// is not one is replaced by a new one, which the response sets).
func (m *CSRFMiddleware) legacyToken(r *http.Request, st *csrfState) (string, bool, error) {
	if m.s.CSRFUseSessions {
		return sessionSecret(r)
	}
	c, ok := lookupCookie(r.Header["Cookie"], m.s.CSRFCookieName)
	if !ok {
		return "", false, nil
	}
	tok, err := legacySanitize(c)
	if err != nil {
		return "", false, err
	}
	if tok != c {
		st.needsReset = true
	}
	return tok, true, nil
}

// legacySanitize is Django 3.2's _sanitize_token.
func legacySanitize(token string) (string, error) {
	switch {
	case !csrfAllowed(token):
	case len(token) == CSRFTokenLength:
		return token, nil
	case len(token) == CSRFSecretLength:
		return MaskCSRFSecret(token)
	}
	s, err := NewCSRFSecret()
	if err != nil {
		return "", err
	}
	return MaskCSRFSecret(s)
}

// Handler runs next behind the CSRF checks, and sets the CSRF cookie (or the session's
// secret) on the response when the request used or rotated it.
func (m *CSRFMiddleware) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := &csrfState{m: m}
		r = r.WithContext(context.WithValue(r.Context(), csrfKey{}, st))
		st.r = r
		cw := &respwriter.Writer{ResponseWriter: w, Committer: respwriter.CommitFunc(func(int) bool {
			if err := st.commit(w.Header()); err != nil {
				m.s.Log().Error("django: CSRF middleware", "error", err)
			}
			return true
		})}
		if err := m.processRequest(r, st); err != nil {
			m.s.Log().Error("django: CSRF middleware", "error", err)
			http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			return
		}
		reason, err := m.check(r, st)
		if err != nil {
			m.s.Log().Error("django: CSRF middleware", "error", err)
			http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			return
		}
		if reason != "" {
			m.reject(cw, r, reason)
		} else {
			next.ServeHTTP(cw, r)
		}
		cw.Finish()
	})
}

// reject answers a request that failed the CSRF checks (Failure's response, by default
// 403 with the reason) and logs it as Django's django.security.csrf logger does.
func (m *CSRFMiddleware) reject(w http.ResponseWriter, r *http.Request, reason string) {
	m.s.Log().Warn("Forbidden ("+reason+"): "+r.URL.Path, "status_code", http.StatusForbidden)
	if m.Failure != nil {
		m.Failure(w, r, reason)
	} else {
		http.Error(w, "Forbidden (CSRF verification failed): "+reason, http.StatusForbidden)
	}
}

// CSRFProtect is Django's csrf_protect for a handler behind CSRFMiddleware: a request
// the middleware let through because Exempt reported it (csrf_exempt) is checked here,
// as the decorated view checks it, and refused as the middleware refuses; the others
// pass (the middleware checked them). Without a CSRFMiddleware in front (CSRFProtected
// false) nothing is checked: put one there.
func CSRFProtect(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if CSRFProtectView(w, r) {
			h.ServeHTTP(w, r)
		}
	})
}

// CSRFProtectView is CSRFProtect inside a handler: it reports whether the handler may go
// on, having written the refusal when it may not.
func CSRFProtectView(w http.ResponseWriter, r *http.Request) bool {
	st := csrfFrom(r.Context())
	if st == nil || st.done {
		return true
	}
	reason, err := st.m.checkView(r, st)
	if err != nil {
		st.m.s.Log().Error("django: CSRF middleware", "error", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return false
	}
	if reason != "" {
		st.m.reject(w, r, reason)
		return false
	}
	return true
}

// CSRFCheck runs, for r, the checks CsrfViewMiddleware's process_view makes for a view
// that is not csrf_exempt, and returns the reason to refuse r ("" to go on) without
// answering it: what Django REST framework's SessionAuthentication does with its
// CSRFCheck (the middleware's _reject made to return the reason). As there, a request
// the middleware already accepted (csrf_processing_done) passes, and an accepted request
// is marked so. r must have gone through a CSRFMiddleware (else ErrCSRFNoMiddleware). The
// reason holds header bytes as they came (Django's text has them as latin-1 characters).
func CSRFCheck(r *http.Request) (reason string, err error) {
	return CSRFCheckPOST(r, nil)
}

// CSRFCheckPOST is CSRFCheck with request.POST read by post, where the checks read the
// csrfmiddlewaretoken field of a POST: DRF's Request.POST runs DRF's parsers on the body
// (and gives no fields for a body that is not a form), so a body they refuse stops the
// check there with their error, which CSRFCheckPOST returns. A nil post is CSRFCheck's
// PostValue.
func CSRFCheckPOST(r *http.Request, post func(name string) (string, error)) (reason string, err error) {
	st := csrfFrom(r.Context())
	if st == nil {
		return "", ErrCSRFNoMiddleware
	}
	if st.done {
		return "", nil
	}
	st.mu.Lock()
	st.post = post
	st.mu.Unlock()
	defer func() {
		st.mu.Lock()
		st.post = nil
		st.mu.Unlock()
	}()
	return st.m.checkView(r, st)
}

// processRequest is process_request.
func (m *CSRFMiddleware) processRequest(r *http.Request, st *csrfState) error {
	if m.legacy {
		tok, ok, err := m.legacyToken(r, st)
		if err != nil {
			return err
		}
		if ok {
			st.cookie, st.have = tok, true
		}
		return nil
	}
	secret, ok, err := m.secret(r)
	var bad errCSRFFormat
	switch {
	case errors.As(err, &bad):
		return st.newSecret()
	case err != nil:
		return err
	case ok:
		st.cookie, st.have = secret, true
	}
	return nil
}

// check is process_view: the reason to reject r, or "" to let it through.
func (m *CSRFMiddleware) check(r *http.Request, st *csrfState) (string, error) {
	if m.Exempt != nil && m.Exempt(r) {
		return "", nil
	}
	return m.checkView(r, st)
}

// checkView is process_view for a view that is not csrf_exempt. A request it accepts is
// marked done (csrf_processing_done), so that CSRFProtect does not check it again.
func (m *CSRFMiddleware) checkView(r *http.Request, st *csrfState) (string, error) {
	reason, err := m.verify(r, st)
	if reason == "" && err == nil {
		st.done = true
	}
	return reason, err
}

// verify is the checks of process_view: the reason to reject r, or "".
func (m *CSRFMiddleware) verify(r *http.Request, st *csrfState) (string, error) {
	if m.DontEnforce != nil && m.DontEnforce(r) {
		return "", nil
	}
	switch strings.ToUpper(r.Method) { // (Django upper-cases REQUEST_METHOD)
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return "", nil
	}
	if m.legacy {
		return m.legacyCheck(r, st)
	}
	if origin, ok := meta(r, "HTTP_ORIGIN"); ok {
		if !m.originVerified(r, origin) {
			return fmt.Sprintf(CSRFReasonBadOrigin, origin), nil
		}
	} else if m.s.isSecure(r) {
		if reason := m.checkReferer(r); reason != "" {
			return reason, nil
		}
	}
	return m.checkToken(r)
}

// meta returns a request header as Django's request.META holds it (several lines joined
// by ",", as WSGI servers join them), and whether it is there.
func meta(r *http.Request, key string) (string, bool) {
	name := strings.ReplaceAll(strings.TrimPrefix(key, "HTTP_"), "_", "-")
	vs, ok := r.Header[http.CanonicalHeaderKey(name)]
	if !ok {
		return "", false
	}
	return strings.Join(vs, ","), true
}

// ErrDisallowedHost is Django's DisallowedHost: the request's host is not in
// ALLOWED_HOSTS (Django answers 400).
var ErrDisallowedHost = errors.New("django: DisallowedHost: the request's host is not in ALLOWED_HOSTS")

// ErrSuspiciousOperation is Django's SuspiciousOperation raised by a view (a malformed
// request it refuses), which Django answers with its 400 page, as DisallowedHost.
var ErrSuspiciousOperation = errors.New("django: SuspiciousOperation")

// GetHost is request.get_host(): the Host header (X-Forwarded-Host with
// USE_X_FORWARDED_HOST) when its domain is in ALLOWED_HOSTS (with DEBUG and none set:
// localhost, 127.0.0.1, [::1]), else ErrDisallowedHost.
func (s *Settings) GetHost(r *http.Request) (string, error) {
	if h, ok := s.host(r); ok {
		return h, nil
	}
	return "", ErrDisallowedHost
}

// IsSecure is request.is_secure(): SECURE_PROXY_SSL_HEADER when set and present in the
// request, else whether the connection is TLS.
func (s *Settings) IsSecure(r *http.Request) bool { return s.isSecure(r) }

// isSecure is request.is_secure(): SECURE_PROXY_SSL_HEADER when set and present, else
// whether the connection is TLS.
func (s *Settings) isSecure(r *http.Request) bool {
	if h := s.SecureProxySSLHeader; len(h) == 2 {
		if v, ok := meta(r, h[0]); ok {
			if s.ProxySSLHeaderExact {
				return v == h[1]
			}
			v, _, _ = strings.Cut(v, ",")
			return pystr.StripLatin1(v) == h[1]
		}
	}
	return r.TLS != nil
}

// port is request.get_port(): X-Forwarded-Port with USE_X_FORWARDED_PORT, else the
// server's port (SERVER_PORT: that of the listener that took the request).
func (s *Settings) port(r *http.Request) string {
	if s.UseXForwardedPort {
		if v, ok := meta(r, "HTTP_X_FORWARDED_PORT"); ok {
			return v
		}
	}
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if _, p, err := net.SplitHostPort(a.String()); err == nil {
			return p
		}
	}
	if s.isSecure(r) {
		return "443"
	}
	return "80"
}

// host is request.get_host(): the Host (X-Forwarded-Host with USE_X_FORWARDED_HOST),
// when its domain is in ALLOWED_HOSTS; ok false where Django raises DisallowedHost.
func (s *Settings) host(r *http.Request) (string, bool) {
	host, ok := "", false
	if s.UseXForwardedHost {
		host, ok = meta(r, "HTTP_X_FORWARDED_HOST")
	}
	if !ok {
		host = r.Host
		if host == "" { // (SERVER_NAME and SERVER_PORT, as PEP 333)
			host = "localhost"
			if p := s.port(r); p != map[bool]string{true: "443", false: "80"}[s.isSecure(r)] {
				host += ":" + p
			}
		}
	}
	allowed := s.AllowedHosts
	if s.Debug && len(allowed) == 0 {
		allowed = []string{".localhost", "127.0.0.1", "[::1]"}
	}
	domain := splitDomainPort(host)
	if domain == "" {
		return "", false
	}
	for _, p := range allowed {
		if p == "*" || isSameDomain(domain, p) {
			return host, true
		}
	}
	return "", false
}

// splitDomainPort is split_domain_port's domain: the lowercased host without its port and
// a trailing dot, "" when the host is not a valid one.
func splitDomainPort(host string) string {
	domain, _ := SplitDomainPort(host)
	return domain
}

// SplitDomainPort is django.http.request.split_domain_port: the lowercased host's
// domain (without a trailing dot) and port; both "" when the host is not a valid one.
func SplitDomainPort(host string) (domain, port string) {
	h := strings.ToLower(host)
	// ^([a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(?::([0-9]+))?$
	var rest string
	if strings.HasPrefix(h, "[") {
		end := strings.IndexByte(h, ']')
		if end < 0 {
			return "", ""
		}
		inner := h[1:end]
		colon := strings.IndexByte(inner, ':')
		if colon < 0 || strings.Trim(inner[:colon], "abcdef0123456789") != "" ||
			colon == len(inner)-1 || strings.Trim(inner[colon+1:], "abcdef0123456789.:") != "" {
			return "", ""
		}
		domain, rest = h[:end+1], h[end+1:]
	} else {
		end := 0
		for end < len(h) && (h[end] >= 'a' && h[end] <= 'z' || h[end] >= '0' && h[end] <= '9' || h[end] == '.' || h[end] == '-') {
			end++
		}
		if end == 0 {
			return "", ""
		}
		domain, rest = h[:end], h[end:]
	}
	if rest != "" {
		if rest[0] != ':' || len(rest) == 1 || strings.Trim(rest[1:], "0123456789") != "" {
			return "", ""
		}
		port = rest[1:]
	}
	return strings.TrimSuffix(domain, "."), port
}

// isSameDomain is django.utils.http.is_same_domain.
func isSameDomain(host, pattern string) bool {
	if pattern == "" {
		return false
	}
	pattern = strings.ToLower(pattern)
	return pattern[0] == '.' && (strings.HasSuffix(host, pattern) || host == pattern[1:]) || pattern == host
}

// originVerified is _origin_verified.
func (m *CSRFMiddleware) originVerified(r *http.Request, origin string) bool {
	if host, ok := m.s.host(r); ok {
		scheme := "http"
		if m.s.isSecure(r) {
			scheme = "https"
		}
		if origin == scheme+"://"+host {
			return true
		}
	}
	if m.originsExact[origin] {
		return true
	}
	u, err := pyURLSplit(origin)
	if err != nil {
		return false
	}
	for _, h := range m.originsSubdom[u.scheme] {
		if isSameDomain(u.netloc, h) {
			return true
		}
	}
	return false
}

// checkReferer is _check_referer: the reason to reject an HTTPS request by its Referer,
// or "".
func (m *CSRFMiddleware) checkReferer(r *http.Request) string {
	raw, ok := meta(r, "HTTP_REFERER")
	if !ok {
		return CSRFReasonNoReferer
	}
	u, err := pyURLSplit(raw)
	if err != nil || u.scheme == "" || u.netloc == "" {
		return CSRFReasonMalformedReferer
	}
	if u.scheme != "https" {
		return CSRFReasonInsecureReferer
	}
	for _, h := range m.trustedNetlocs {
		if isSameDomain(u.netloc, h) {
			return ""
		}
	}
	good := m.s.CSRFCookieDomain
	if m.s.CSRFUseSessions {
		good = m.s.SessionCookieDomain
	}
	if good == "" {
		host, ok := m.s.host(r)
		if !ok {
			return fmt.Sprintf(CSRFReasonBadReferer, u.geturl())
		}
		good = host
	} else if p := m.s.port(r); p != "443" && p != "80" {
		good += ":" + p
	}
	if !isSameDomain(u.netloc, good) {
		return fmt.Sprintf(CSRFReasonBadReferer, u.geturl())
	}
	return ""
}

// requestToken is the token the request sends: the last csrfmiddlewaretoken of a POST
// form, else the CSRF_HEADER_NAME header (ok false when neither is there); src names the
// header for the messages ("" for the form).
func (m *CSRFMiddleware) requestToken(r *http.Request) (tok, src string, ok bool, err error) {
	v, err := postToken(r)
	if err != nil || v != "" {
		return v, "", true, err
	}
	v, ok = meta(r, m.s.CSRFHeaderName)
	return v, m.s.CSRFHeaderName, ok, nil
}

// postToken is request.POST.get("csrfmiddlewaretoken", "") for a POST (see PostValue,
// and CSRFCheckPOST's reader).
func postToken(r *http.Request) (string, error) {
	if st := csrfFrom(r.Context()); st != nil && st.post != nil {
		if !strings.EqualFold(r.Method, http.MethodPost) {
			return "", nil
		}
		return st.post(CSRFFormField)
	}
	v, _ := PostValue(r, CSRFFormField)
	return v, nil
}

// PostValue is request.POST.get(name) for a POST, as Settings.PostValue reads it with
// Django's default DATA_UPLOAD_MAX_* bounds: the last value of the field in an
// application/x-www-form-urlencoded or multipart/form-data body, and whether the field
// is there; false for other requests and bodies, or a body Django would refuse.
func PostValue(r *http.Request, name string) (string, bool) {
	v, ok, err := postDefaults.PostValue(r, name)
	if err != nil {
		return "", false
	}
	return v, ok
}

// postDefaults holds the bounds PostValue reads a body with: Django's defaults.
var postDefaults = &Settings{DataUploadMaxMemorySize: DefaultDataUploadMaxMemorySize,
	DataUploadMaxNumberFields: DefaultDataUploadMaxNumberFields, DataUploadMaxNumberFiles: DefaultDataUploadMaxNumberFiles}

// QueryValue is request.GET.get(name): the last value of name in r's query string, read
// as Django's QueryDict reads it, and whether it is there.
func QueryValue(r *http.Request, name string) (string, bool) {
	return pyFormLookup([]byte(r.URL.RawQuery), name)
}

// FormValue is QueryDict(body).get(name): the last value of name in an urlencoded body,
// read as Django's QueryDict reads it (see PostValue), and whether it is there, whatever
// the request (as Django REST framework's FormParser reads a body).
func FormValue(body []byte, name string) (string, bool) { return pyFormLookup(body, name) }

// FormValueCharset is FormValue for a body in charset (the Content-Type's, Django's
// request.encoding): the body's text and its %-escapes read in UTF-8, or, for a name
// Python gives latin-1 or ASCII ("ISO-8859-1", "latin1", "us-ascii", ...), in that
// codec, as QueryDict(body, encoding) reads them. Other charsets are read as UTF-8.
func FormValueCharset(body []byte, name, charset string) (string, bool) {
	enc := pystr.Codec(charset)
	if enc == pystr.UTF8 {
		return pyFormLookup(body, name)
	}
	text := string(body)
	if enc == pystr.Latin1Codec || !isASCII(text) { // (read as latin-1 too when ASCII fails)
		text = pystr.Latin1(text)
	}
	value, found := "", false
	for field := range strings.SplitSeq(text, "&") {
		if field == "" {
			continue
		}
		k, v, _ := strings.Cut(field, "=")
		if pyUnquotePlusCodec(k, enc) == name {
			value, found = pyUnquotePlusCodec(v, enc), true
		}
	}
	return value, found
}

// pyFormValues is every value of name in an urlencoded body, in order, read as
// pyFormLookup reads the last.
func pyFormValues(body []byte, name string) []string {
	return pyFormLists(body, map[string]bool{name: true})[name]
}

// pyFormLists is every value of the fields in want of an urlencoded body, in order.
func pyFormLists(body []byte, want map[string]bool) map[string][]string {
	text := string(body)
	if !utf8.Valid(body) {
		rs := make([]rune, len(body))
		for i, c := range body {
			rs[i] = rune(c)
		}
		text = string(rs)
	}
	values := map[string][]string{}
	for field := range strings.SplitSeq(text, "&") {
		if field == "" {
			continue
		}
		k, v, _ := strings.Cut(field, "=")
		if k = pyUnquotePlus(k); want[k] {
			values[k] = append(values[k], pyUnquotePlus(v))
		}
	}
	return values
}

// pyUnquotePlusCodec is urllib.parse.unquote_plus(s, encoding, errors="replace") for
// latin-1 or ASCII: each run of ASCII characters has its %-escapes read as bytes in the
// codec (an ASCII byte above 127 is one U+FFFD), other characters stay as they are.
func pyUnquotePlusCodec(s string, enc pystr.Encoding) string {
	s = strings.ReplaceAll(s, "+", " ")
	var out strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			c := unhex(s[i+1])<<4 | unhex(s[i+2])
			switch {
			case c < utf8.RuneSelf || enc == pystr.Latin1Codec:
				out.WriteRune(rune(c))
			default:
				out.WriteRune(utf8.RuneError)
			}
			i += 2
			continue
		}
		out.WriteByte(s[i])
	}
	return out.String()
}

// pyFormValue is the last value of name in an urlencoded body ("" when absent; see
// pyFormLookup).
func pyFormValue(body []byte, name string) string {
	v, _ := pyFormLookup(body, name)
	return v
}

// pyFormLookup is the last value of name in an urlencoded body as Django's QueryDict reads
// it, and whether name is there: the body as UTF-8 text (latin-1 when it is not), split on
// "&" with Python's parse_qsl (blank values kept, "+" a space, invalid %-escapes left as
// they are, decoded bytes that are not UTF-8 replaced by U+FFFD).
func pyFormLookup(body []byte, name string) (string, bool) {
	vs := pyFormValues(body, name)
	if len(vs) == 0 {
		return "", false
	}
	return vs[len(vs)-1], true
}

// UnquotePlus is Python's urllib.parse.unquote_plus(s) (UTF-8, errors="replace"): "+"
// a space, %-escapes decoded, malformed ones left as they are.
func UnquotePlus(s string) string { return pyUnquotePlus(s) }

// pyUnquotePlus is urllib.parse.unquote_plus with errors="replace".
func pyUnquotePlus(s string) string {
	s = strings.ReplaceAll(s, "+", " ")
	if !strings.Contains(s, "%") {
		return s
	}
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return pyDecodeReplace(b)
}

// ValidUTF8 returns s with its ill-formed UTF-8 replaced as Python's
// bytes.decode("utf-8", "replace") replaces it, which is how Django reads request data:
// each maximal subpart of an ill-formed sequence becomes one U+FFFD (Go's
// strings.ToValidUTF8 would merge runs of them). Text from a request that goes into
// stored data (a message, a session value) should pass through it, as Django's would be.
func ValidUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return pyDecodeReplace([]byte(s))
}

// pyDecodeReplace is bytes.decode("utf-8", "replace") (see ValidUTF8).
func pyDecodeReplace(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return string(replaceIllFormed(b, func(out, _ []byte) []byte { return utf8.AppendRune(out, utf8.RuneError) }))
}

// replaceIllFormed copies b, with each maximal subpart of an ill-formed UTF-8 sequence (as
// CPython's decoder reports them) replaced by what repl appends for it.
func replaceIllFormed(b []byte, repl func(out, part []byte) []byte) []byte {
	out := make([]byte, 0, len(b)+8)
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError || size > 1 {
			out = append(out, b[i:i+size]...)
			i += size
			continue
		}
		n := pystr.MaximalSubpart(b[i:])
		out = repl(out, b[i:i+n])
		i += n
	}
	return out
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// checkToken is _check_token.
func (m *CSRFMiddleware) checkToken(r *http.Request) (string, error) {
	secret, ok, err := m.secret(r)
	var bad errCSRFFormat
	if errors.As(err, &bad) {
		return "CSRF cookie " + bad.reason + ".", nil
	}
	if err != nil {
		return "", err
	}
	if !ok {
		return CSRFReasonNoCookie, nil
	}
	tok, src, ok, err := m.requestToken(r)
	if err != nil {
		return "", err
	}
	if !ok {
		return CSRFReasonTokenMissing, nil
	}
	what := "POST"
	if src != "" {
		// HttpHeaders.parse_header_name: HTTP_X_CSRFTOKEN -> 'X-Csrftoken'.
		what = "the " + pyRepr(headerTitle(strings.TrimPrefix(src, "HTTP_"))) + " HTTP header"
	}
	check := csrfTokenFormat
	if src == "" {
		check = csrfTextFormat
	}
	if reason := check(tok); reason != "" {
		return "CSRF token from " + what + " " + reason + ".", nil
	}
	if subtle.ConstantTimeCompare([]byte(UnmaskCSRFToken(tok)), []byte(secret)) != 1 {
		return "CSRF token from " + what + " incorrect.", nil
	}
	return "", nil
}

// headerTitle is HttpHeaders.parse_header_name's result for a META key without HTTP_:
// "_" to "-" and str.title().
func headerTitle(s string) string {
	b := []byte(strings.ReplaceAll(s, "_", "-"))
	prevLetter := false
	for i, c := range b {
		isLetter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		switch {
		case isLetter && !prevLetter && c >= 'a' && c <= 'z':
			b[i] = c - 32
		case isLetter && prevLetter && c >= 'A' && c <= 'Z':
			b[i] = c + 32
		}
		prevLetter = isLetter
	}
	return string(b)
}

// pyRepr is repr() of an ASCII str without quotes or backslashes in it.
func pyRepr(s string) string {
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		return `"` + s + `"`
	}
	return "'" + strings.ReplaceAll(s, "'", `\'`) + "'"
}

// legacyCheck is Django 3.2's process_view for an unsafe method.
func (m *CSRFMiddleware) legacyCheck(r *http.Request, st *csrfState) (string, error) {
	if m.s.isSecure(r) {
		raw, ok := meta(r, "HTTP_REFERER")
		if !ok {
			return CSRFReasonNoReferer, nil
		}
		u, err := urlSplit(raw, splitPy310)
		if err != nil {
			return "", fmt.Errorf("django: CSRF: Referer %q: %w", raw, err) // (Django: a 500)
		}
		if u.scheme == "" || u.netloc == "" {
			return CSRFReasonMalformedReferer, nil
		}
		if u.scheme != "https" {
			return CSRFReasonInsecureReferer, nil
		}
		good, have := m.s.CSRFCookieDomain, true
		if m.s.CSRFUseSessions {
			good = m.s.SessionCookieDomain
		}
		if good != "" {
			if p := m.s.port(r); p != "443" && p != "80" {
				good += ":" + p
			}
		} else {
			good, have = m.s.host(r)
		}
		hosts := append([]string(nil), m.s.CSRFTrustedOrigins...)
		if have {
			hosts = append(hosts, good)
		}
		match := false
		for _, h := range hosts {
			match = match || isSameDomain(u.netloc, h)
		}
		if !match {
			return fmt.Sprintf(CSRFReasonBadReferer, u.geturl()), nil
		}
	}
	tok, ok, err := m.legacyToken(r, st)
	if err != nil {
		return "", err
	}
	if !ok {
		return CSRFReasonNoCookie, nil
	}
	req, err := postToken(r)
	if err != nil {
		return "", err
	}
	if req == "" {
		req, _ = meta(r, m.s.CSRFHeaderName)
	}
	req, err = legacySanitize(req)
	if err != nil {
		return "", err
	}
	have, err := pyUnmask(tok) // (a session's value is not sanitized)
	if err != nil {
		return "", err
	}
	if subtle.ConstantTimeCompare([]byte(UnmaskCSRFToken(req)), []byte(have)) != 1 {
		return CSRFReasonBadToken, nil
	}
	return "", nil
}

// commit is process_response: it sets the CSRF cookie (or the session's secret) when the
// request used or changed it.
func (st *csrfState) commit(h http.Header) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	m := st.m
	// (Django 3.2 sets the cookie only when the request used it too, CSRF_COOKIE_USED,
	// even when process_request found it needs a reset.)
	if !st.needsUpdate {
		return nil
	}
	st.needsUpdate, st.needsReset = false, false
	if m.s.CSRFUseSessions {
		sess := FromContext(st.r.Context())
		if sess == nil {
			return errors.New("django: CSRF_USE_SESSIONS is set, but the request has no session")
		}
		if cur, ok := sess.Get(CSRFSessionKey); !ok || cur.Kind() != serializer.KindStr || func() bool { v, _ := cur.AsStr(); return v != st.cookie }() {
			sess.Set(CSRFSessionKey, serializer.Str(st.cookie))
		}
		return nil
	}
	cookie, err := m.s.csrfCookie(st.cookie)
	if err != nil {
		return err
	}
	setCookieHeader(h, m.s.CSRFCookieName, cookie)
	existing, present := h["Vary"]
	h["Vary"] = []string{patchVary(strings.Join(existing, ", "), present, m.s.LegacyVaryMerge)}
	return nil
}

// csrfCookie is the Set-Cookie value of the CSRF cookie holding value.
func (s *Settings) csrfCookie(value string) (string, error) {
	c := Cookie{
		Name:     s.CSRFCookieName,
		Value:    value,
		Domain:   s.CSRFCookieDomain,
		Path:     s.CSRFCookiePath,
		SameSite: s.CSRFCookieSameSite,
		Secure:   s.CSRFCookieSecure,
		HttpOnly: s.CSRFCookieHttpOnly,
	}
	if s.CSRFCookieAge >= 0 {
		exp, err := HTTPDate(s.clock().Unix() + int64(s.CSRFCookieAge))
		if err != nil {
			return "", err
		}
		c.Expires, c.MaxAge, c.HasMaxAge = exp, int64(s.CSRFCookieAge), true
	}
	return c.String(), nil
}

// ---------------------------------------------------------------- urlsplit

// pyURL is the part of Python's urllib.parse.urlsplit result the checks use.
type pyURL struct {
	scheme, netloc, path, query, fragment string
}

// geturl is SplitResult.geturl() (urlunsplit) for the URLs the checks reach: a scheme
// and a netloc.
func (u pyURL) geturl() string {
	s := u.scheme + "://" + u.netloc + u.path
	if u.query != "" {
		s += "?" + u.query
	}
	if u.fragment != "" {
		s += "#" + u.fragment
	}
	return s
}

var errInvalidIPv6URL = errors.New("Invalid IPv6 URL")

// splitRules are the differences between the urlsplit functions Django versions use:
// CPython's (3.10, 3.12, 3.13) and the copies Django 3.2 and 4.x carry in django.utils.http.
type splitRules struct {
	lstrip      bool // strip leading C0 controls and spaces
	dropUnsafe  bool // remove tabs, CRs and LFs everywhere
	alphaFirst  bool // a scheme must start with an ASCII letter
	checkInside bool // check what the first brackets of the netloc hold (an IP address)
}

var (
	// splitPy312 is CPython 3.12.1's and 3.13.0's urlsplit (Django 4.0+ use it for CSRF,
	// 5.0+ for url_has_allowed_host_and_scheme too).
	splitPy312 = splitRules{lstrip: true, dropUnsafe: true, alphaFirst: true, checkInside: true}
	// splitPy310 is CPython 3.10.13's (Django 3.2's CSRF checks).
	splitPy310 = splitRules{lstrip: true, dropUnsafe: true}
	// splitDjango4 is Django 4.0-4.2's backport of Python 3.9's urlsplit.
	splitDjango4 = splitRules{dropUnsafe: true, checkInside: true}
	// splitDjango32 is Django 3.2's older copy.
	splitDjango32 = splitRules{}
)

// pyURLSplit is urllib.parse.urlsplit of CPython 3.12 and 3.13 for the URLs of Origin and
// Referer headers: leading C0 controls and spaces stripped, tabs and line breaks removed,
// the scheme lowercased, and ValueError (an error) for unbalanced brackets in the netloc or
// first brackets that hold no IPv6 address (or "v..." IPvFuture).
func pyURLSplit(url string) (pyURL, error) { return urlSplit(url, splitPy312) }

// urlUnsafeBytes removes what urlsplit removes (_UNSAFE_URL_BYTES_TO_REMOVE). (Made once:
// building a Replacer costs more than the rest of a split.)
var urlUnsafeBytes = strings.NewReplacer("\t", "", "\r", "", "\n", "")

// urlSplit splits url by the given rules. It leaves out _checknetloc, CPython's refusal of
// a non-ASCII netloc whose NFKC form holds one of "/?#@:" (Django's own copies do not
// call it): no header character, which Django reads as latin-1, is such, and a redirect
// URL's netloc must be one of the allowed hosts anyway.
func urlSplit(url string, rules splitRules) (pyURL, error) {
	if rules.lstrip {
		url = strings.TrimLeft(url, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
	}
	if rules.dropUnsafe && strings.ContainsAny(url, "\t\r\n") {
		url = urlUnsafeBytes.Replace(url)
	}
	var u pyURL
	if i := strings.IndexByte(url, ':'); i > 0 && (!rules.alphaFirst || url[0] >= 'a' && url[0] <= 'z' || url[0] >= 'A' && url[0] <= 'Z') {
		ok := true
		for j := 0; j < i; j++ {
			c := url[j]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
				ok = false
				break
			}
		}
		if ok {
			u.scheme, url = strings.ToLower(url[:i]), url[i+1:]
		}
	}
	if strings.HasPrefix(url, "//") {
		end := len(url)
		for _, c := range "/?#" {
			if j := strings.IndexRune(url[2:], c); j >= 0 && j+2 < end {
				end = j + 2
			}
		}
		u.netloc, url = url[2:end], url[end:]
		open, closed := strings.Contains(u.netloc, "["), strings.Contains(u.netloc, "]")
		if open != closed {
			return pyURL{}, errInvalidIPv6URL
		}
		if open && rules.checkInside {
			_, inside, _ := strings.Cut(u.netloc, "[")
			inside, _, _ = strings.Cut(inside, "]")
			if err := checkBracketedHost(inside); err != nil {
				return pyURL{}, err
			}
		}
	}
	if i := strings.IndexByte(url, '#'); i >= 0 {
		url, u.fragment = url[:i], url[i+1:]
	}
	if i := strings.IndexByte(url, '?'); i >= 0 {
		url, u.query = url[:i], url[i+1:]
	}
	u.path = url
	return u, nil
}

// checkBracketedHost is urllib.parse._check_bracketed_host: "v<hex>.<more>" (IPvFuture),
// or an IPv6 address (an IPv4 one is refused).
func checkBracketedHost(host string) error {
	if strings.HasPrefix(host, "v") {
		// \Av[a-fA-F0-9]+\..+\Z
		rest := host[1:]
		n := 0
		for n < len(rest) && strings.IndexByte("0123456789abcdefABCDEF", rest[n]) >= 0 {
			n++
		}
		if n == 0 || n >= len(rest)-1 || rest[n] != '.' || strings.ContainsAny(rest[n+1:], "\n") {
			return errors.New("IPvFuture address is invalid")
		}
		return nil
	}
	if _, zone, ok := strings.Cut(host, "%"); ok && (zone == "" || strings.Contains(zone, "%")) {
		return fmt.Errorf("%q does not appear to be an IPv4 or IPv6 address", host) // (ipaddress's scope id rule)
	}
	ip := net.ParseIP(zoneless(host))
	if ip == nil || !strings.Contains(host, ":") {
		if ip != nil {
			return errors.New("An IPv4 address cannot be in brackets")
		}
		return fmt.Errorf("%q does not appear to be an IPv4 or IPv6 address", host)
	}
	return nil
}

// zoneless drops an IPv6 zone ("%eth0"), which Python's ipaddress accepts.
func zoneless(h string) string {
	if i := strings.IndexByte(h, '%'); i >= 0 && i < len(h)-1 {
		return h[:i]
	}
	return h
}

// validateCSRF checks the CSRF settings as Django's checks and set_cookie would.
func (s *Settings) validateCSRF() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalidSettings}, args...)...)
	}
	if err := validCookie("CSRF_COOKIE", s.CSRFCookieName, s.CSRFCookieSameSite, s.CSRFCookieDomain, s.CSRFCookiePath); err != nil {
		return err
	}
	if s.CSRFCookieAge < -1 {
		return bad("CSRF_COOKIE_AGE %d: want seconds, or -1 for None", s.CSRFCookieAge)
	}
	if !strings.HasPrefix(s.CSRFHeaderName, "HTTP_") || len(s.CSRFHeaderName) == len("HTTP_") {
		return bad("CSRF_HEADER_NAME %q must be a request.META key of a header (HTTP_...)", s.CSRFHeaderName)
	}
	if h := s.SecureProxySSLHeader; h != nil && len(h) != 2 {
		return bad("SECURE_PROXY_SSL_HEADER must hold two values (a META key and a value)")
	}
	for _, o := range s.CSRFTrustedOrigins {
		if !s.CSRFLegacyChecks && !strings.Contains(o, "://") {
			// (Django 4.0+'s check 4_0.E001.)
			return bad("CSRF_TRUSTED_ORIGINS entry %q must start with a scheme (https://...)", o)
		}
	}
	return nil
}

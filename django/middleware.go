package django

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/internal/respwriter"
)

// ErrSessionInterrupted is Django's SessionInterrupted: the session was deleted while
// the request ran (the user logged out in a concurrent request, say), so it could not be
// saved. The middleware answers 400, as Django does.
var ErrSessionInterrupted = errors.New("django: the request's session was deleted before the request completed; the user may have logged out in a concurrent request, for example")

// ErrResponseReplaced is returned by the ResponseWriter's Write after the middleware
// replaced the handler's response with an error response (see Middleware.ErrorHandler).
var ErrResponseReplaced = respwriter.ErrReplaced

// Middleware is Django's SessionMiddleware for net/http. Make it with NewMiddleware and
// wrap handlers with Handler; handlers reach the session with FromContext.
//
// At the first write of the response (WriteHeader, Write, ReadFrom or Flush), or when the
// handler returns without writing, it does what SessionMiddleware.process_response
// does: deletes the cookie when the request sent one and the session is now empty; saves
// the session and sets the cookie when it was modified (or SessionSaveEveryRequest) and is
// not empty, unless the status is ≥ 500; adds "Vary: Cookie" when the session was
// accessed, the cookie deleted, or (current Django) the cookie set. The Set-Cookie value is
// byte for byte Django's (Python's Morsel.OutputString()), and a Set-Cookie the handler set
// for the session cookie's name is replaced, as Django's response.cookies holds one cookie
// per name.
//
// Because the cookie must leave with the headers, changes a handler makes to the session
// after its first write are not saved; make them before writing, as a Django view makes
// them before returning its response.
//
// The request cookie is read as Django's parse_cookie reads it (the last of duplicate
// names wins; quoted values are unquoted).
type Middleware struct {
	cfg *config
	// ErrorHandler writes the response that replaces the handler's when the session cannot
	// be loaded or saved: err matches ErrSessionInterrupted (Django answers 400), or is a
	// store failure (500). Headers the handler set are removed before it is called.
	// Default: a plain-text 400 or 500.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
}

// NewMiddleware validates s (Settings.Validate; SessionEngine is required) and returns
// the middleware.
func NewMiddleware(s Settings) (*Middleware, error) {
	c, err := newConfig(s)
	if err != nil {
		return nil, err
	}
	return &Middleware{cfg: c}, nil
}

// Settings returns the middleware's settings.
func (m *Middleware) Settings() Settings { return m.cfg.s }

// NewSession returns a session for key under the middleware's settings, outside a
// request (see the package function NewSession).
func (m *Middleware) NewSession(ctx context.Context, key string) *Session {
	return m.cfg.newSession(ctx, key)
}

// SessionExists is SessionStore().exists(key) of the middleware's engine: whether a
// session is stored under key (expired or not, as each engine of Django tells).
func (m *Middleware) SessionExists(ctx context.Context, key string) (bool, error) {
	return m.cfg.store.Exists(ctx, key)
}

// DeleteSession is SessionStore().delete(key) of the middleware's engine: the session
// stored under key removed (none is no error).
func (m *Middleware) DeleteSession(ctx context.Context, key string) error {
	return m.cfg.store.Delete(ctx, key)
}

type ctxKey struct{}

// FromContext returns the request's session, or nil outside the middleware.
func FromContext(ctx context.Context) *Session {
	s, _ := ctx.Value(ctxKey{}).(*Session)
	return s
}

// NewContext returns ctx carrying s, for handlers tested without the middleware.
func NewContext(ctx context.Context, s *Session) context.Context {
	return context.WithValue(ctx, ctxKey{}, s)
}

// Handler returns next wrapped by the session middleware.
func (m *Middleware) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := m.cfg.s.SessionCookieName
		value, sent := lookupCookie(r.Header["Cookie"], name)
		// One allocation for the request's session and response writer.
		st := new(struct {
			sess Session
			c    sessionCommit
			rw   respwriter.Writer
		})
		sess, c, rw := &st.sess, &st.c, &st.rw
		m.cfg.initSession(sess, r.Context(), value)
		r = r.WithContext(NewContext(r.Context(), sess))
		c.w, c.m, c.r, c.sess, c.cookieSent = w, m, r, sess, sent
		rw.ResponseWriter, rw.Committer = w, c
		next.ServeHTTP(rw, r)
		rw.Finish()
	})
}

// process is process_response: it sets the session headers for a response with status,
// saving the session if needed. A non-nil error means the response must be replaced.
func (m *Middleware) process(ctx context.Context, sess *Session, h http.Header, status int, cookieSent bool) error {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	if sess.err != nil {
		return sess.err
	}
	s := &m.cfg.s
	accessed, modified, empty := sess.state()
	vary := false
	if cookieSent && empty {
		setCookieHeader(h, s.SessionCookieName, s.deleteCookie())
		vary = true
	} else {
		vary = accessed
		if (modified || s.SessionSaveEveryRequest) && !empty {
			var maxAge *int64
			now := m.cfg.now()
			// get_expire_at_browser_close() and get_expiry_age() read the session,
			// loading it if nothing did (SESSION_SAVE_EVERY_REQUEST); a key that
			// turns out missing is dropped, so the save creates a new session.
			data := sess.loadLocked()
			if sess.err != nil {
				return sess.err
			}
			if !m.cfg.expiry.AtBrowserClose(data) {
				age, err := m.cfg.expiry.Age(data, now)
				if err != nil {
					return err
				}
				maxAge = &age
			}
			skip := status >= 500
			if s.SkipSaveOnlyOn500 {
				skip = status == 500
			}
			if !skip {
				// The save goes on if the client goes away meanwhile.
				if err := sess.saveLocked(context.WithoutCancel(ctx)); err != nil {
					if errors.Is(err, engines.ErrUpdate) {
						return fmt.Errorf("%w (%w)", ErrSessionInterrupted, err)
					}
					return err
				}
				cookie, err := s.sessionCookie(sess.key, maxAge, s.clock())
				if err != nil {
					return err
				}
				setCookieHeader(h, s.SessionCookieName, cookie)
				if !s.VaryOnlyWhenAccessed {
					vary = true
				}
			}
		}
	}
	if vary {
		existing, present := h["Vary"]
		h["Vary"] = []string{patchVary(strings.Join(existing, ", "), present, s.LegacyVaryMerge)}
	}
	return nil
}

// setCookieHeader adds the Set-Cookie value for name, replacing one the handler set for
// the same name (Django's response.cookies holds one morsel per name). The header map is
// written directly, so net/http sends the value untouched.
func setCookieHeader(h http.Header, name, value string) {
	prefix := name + "="
	lines := h["Set-Cookie"]
	kept := lines[:0:0]
	for _, l := range lines {
		if !strings.HasPrefix(l, prefix) {
			kept = append(kept, l)
		}
	}
	h["Set-Cookie"] = append(kept, value)
}

func (m *Middleware) handleError(w http.ResponseWriter, r *http.Request, err error) {
	h := w.Header()
	for k := range h {
		delete(h, k)
	}
	if m.ErrorHandler != nil {
		m.ErrorHandler(w, r, err)
		return
	}
	status := http.StatusInternalServerError
	if errors.Is(err, ErrSessionInterrupted) {
		status = http.StatusBadRequest
	} else {
		m.cfg.s.Log().Error("django: session middleware", "error", err)
	}
	http.Error(w, http.StatusText(status), status)
}

// sessionCommit is the middleware's response step for one request, run by its
// respwriter.Writer before the header leaves: process, or the error response.
type sessionCommit struct {
	w          http.ResponseWriter
	m          *Middleware
	r          *http.Request
	sess       *Session
	cookieSent bool
}

// Commit processes the session for status; on failure it writes the error response.
func (c *sessionCommit) Commit(status int) bool {
	if err := c.m.process(c.r.Context(), c.sess, c.w.Header(), status, c.cookieSent); err != nil {
		c.m.handleError(c.w, c.r, err)
		return false
	}
	return true
}

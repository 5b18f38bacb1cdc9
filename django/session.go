package django

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/session"
)

// TestCookieName and TestCookieValue are the session entry of SetTestCookie.
const (
	TestCookieName  = "testcookie"
	TestCookieValue = "worked"
)

// ErrExpiryNotRepresentable is returned by SetExpiry for an absolute expiry (a time.Time
// or time.Duration) when Settings.DatetimeExpiry is set: Django ≤ 4.0 stores it as a
// datetime object, which its JSON serializer cannot save.
var ErrExpiryNotRepresentable = errors.New("django: Django ≤ 4.0 cannot store an absolute session expiry with the JSON serializer")

// keySaver is implemented by engines whose key is derived from the data
// (engines/signedcookies): saving returns the new key, the cookie value.
type keySaver interface {
	SaveKey(ctx context.Context, data *serializer.Dict) (string, error)
}

// Session is request.session: a session's data with Django's SessionBase semantics, loaded
// from the store on first access. The middleware makes one per request (FromContext);
// NewSession makes one elsewhere.
//
// Accessors do not take a context or return errors, as request.session in a view: the
// load uses the context the session was made with, and a failed load (a store error, not
// a missing or expired session, which is simply an empty session) leaves the session
// empty and marks it failed: Err reports the error, and the middleware then neither saves
// nor touches the cookie and answers 500 in place of the handler's response, as Django
// would after the exception. Call Load to handle such errors yourself.
//
// A Session is safe for use by several goroutines of one request.
type Session struct {
	mu       sync.Mutex
	ctx      context.Context
	cfg      *config
	key      string
	data     *serializer.Dict // nil until loaded (Django's missing _session_cache)
	accessed bool
	modified bool
	err      error
}

// config is what sessions share: settings and derived values, fixed by NewMiddleware.
type config struct {
	s      Settings
	store  engines.Store
	saver  keySaver // store as keySaver, or nil
	expiry session.Expiry
}

func newConfig(s Settings) (*config, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if s.SessionEngine == nil {
		return nil, fmt.Errorf("%w: SESSION_ENGINE (SessionEngine) must be a configured store (SESSION_ENGINE %q in Django)", ErrInvalidSettings, s.SessionEngineName)
	}
	exp, err := s.Expiry()
	if err != nil {
		return nil, err
	}
	c := &config{s: s, store: s.SessionEngine, expiry: exp}
	c.saver, _ = s.SessionEngine.(keySaver)
	return c, nil
}

func (c *config) now() time.Time {
	t := c.s.clock()
	if c.s.UseTZ {
		t = t.UTC() // timezone.now() is aware UTC
	}
	return t.Truncate(time.Microsecond) // Python datetimes hold microseconds
}

// newSession returns the session for key (a cookie value; invalid keys mean none).
func (c *config) newSession(ctx context.Context, key string) *Session {
	s := new(Session)
	c.initSession(s, ctx, key)
	return s
}

// initSession sets up a zero Session in place (the middleware allocates it together with
// its response writer).
func (c *config) initSession(s *Session, ctx context.Context, key string) {
	if !engines.ValidKey(key) {
		key = ""
	}
	s.ctx, s.cfg, s.key = ctx, c, key
}

// NewSession returns the session stored under key (the session cookie's value; "" for a
// new session) for use outside the middleware, e.g. in tests or background jobs. Loads
// use ctx. Save it with Save.
func NewSession(ctx context.Context, s Settings, key string) (*Session, error) {
	c, err := newConfig(s)
	if err != nil {
		return nil, err
	}
	return c.newSession(ctx, key), nil
}

// loadLocked is _get_session(): it marks the session accessed and loads it once.
func (s *Session) loadLocked() *serializer.Dict {
	s.accessed = true
	if s.data != nil {
		return s.data
	}
	s.data = serializer.NewDict()
	if s.key == "" {
		return s.data
	}
	data, ok, err := s.cfg.store.Load(s.ctx, s.key)
	switch {
	case err != nil:
		s.err = fmt.Errorf("django: loading session: %w", err)
		s.cfg.s.Log().Error("django: session load failed", "error", err)
	case ok && data != nil:
		s.data = data
	case s.cfg.saver != nil:
		// signed_cookies: an unreadable cookie makes a new session (create(): modified).
		s.modified = true
	default:
		s.key = "" // db/cache/file: no such session, a new one
	}
	return s.data
}

// Load loads the session now if it has not been loaded, and returns the error of a
// failed load (see Err). It marks the session accessed, as any access does.
func (s *Session) Load(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.data == nil {
		old := s.ctx
		s.ctx = ctx
		s.loadLocked()
		s.ctx = old
	}
	s.accessed = true
	return s.err
}

// Err returns the error of a failed load, or nil.
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Key returns session_key: the session's key, "" for a session not saved yet. It does
// not load the session.
func (s *Session) Key() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.key
}

// Accessed reports whether the session was accessed (Django's accessed flag).
func (s *Session) Accessed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accessed
}

// Modified reports whether the session was modified (Django's modified flag).
func (s *Session) Modified() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.modified
}

// MarkModified sets the modified flag (request.session.modified = True), e.g. after
// changing a list or dict held in the session in place.
func (s *Session) MarkModified() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.modified = true
}

// Get returns the value under key (session.get(key)).
func (s *Session) Get(key string) (serializer.Value, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.loadLocked().Get(key)
}

// GetString returns the value under key if it is a str.
func (s *Session) GetString(key string) (string, bool) {
	v, ok := s.Get(key)
	if !ok {
		return "", false
	}
	return v.AsStr()
}

// Set stores v under key (session[key] = v) and marks the session modified. Strings must
// be valid UTF-8 for the session to be saved: pass text taken from a request through
// ValidUTF8, which replaces what is ill-formed as Django's request decoding does.
func (s *Session) Set(key string, v serializer.Value) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loadLocked().Set(key, v)
	s.modified = true
}

// SetAny stores the Go value x under key, converted with serializer.ValueOf.
func (s *Session) SetAny(key string, x any) error {
	v, err := serializer.ValueOf(x)
	if err != nil {
		return err
	}
	s.Set(key, v)
	return nil
}

// Delete removes key (del session[key]) and reports whether it was there; the session
// is marked modified only then (Django raises KeyError otherwise).
func (s *Session) Delete(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.loadLocked().Delete(key) {
		s.modified = true
		return true
	}
	return false
}

// Pop removes key and returns its value (session.pop(key, default)); the session is
// marked modified when the key was there.
func (s *Session) Pop(key string) (serializer.Value, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.loadLocked().Pop(key)
	if ok {
		s.modified = true
	}
	return v, ok
}

// SetDefault returns the value under key, first storing def there (and marking the
// session modified) if the key is absent (session.setdefault(key, def)).
func (s *Session) SetDefault(key string, def serializer.Value) serializer.Value {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.loadLocked()
	if v, ok := d.Get(key); ok {
		return v
	}
	d.Set(key, def)
	s.modified = true
	return def
}

// Has reports whether key is in the session (key in session).
func (s *Session) Has(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.loadLocked().Has(key)
}

// Keys returns the keys in order (session.keys()).
func (s *Session) Keys() []serializer.Value {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.loadLocked().Keys()
}

// Items returns a copy of the items in order (session.items()).
func (s *Session) Items() []serializer.Item {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.loadLocked().Items()
}

// Len returns the number of items.
func (s *Session) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.loadLocked().Len()
}

// Data returns a copy of the session dict.
func (s *Session) Data() *serializer.Dict {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.loadLocked().Clone()
}

// IsEmpty reports is_empty(): no key and no loaded data. It does not load the session.
func (s *Session) IsEmpty() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.emptyLocked()
}

func (s *Session) emptyLocked() bool { return s.key == "" && s.data.Len() == 0 }

// Clear removes every item without loading the session (session.clear()); the key is
// kept and the session is marked accessed and modified.
func (s *Session) Clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clearLocked()
}

func (s *Session) clearLocked() {
	s.data = serializer.NewDict()
	s.accessed = true
	s.modified = true
}

// Flush is session.flush(): it clears the session, deletes it from the store and drops
// the key, so the next save creates a new session (logout).
func (s *Session) Flush(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clearLocked()
	if s.key != "" {
		if err := s.cfg.store.Delete(ctx, s.key); err != nil {
			return fmt.Errorf("django: flush: %w", err)
		}
	}
	s.key = ""
	return nil
}

// CycleKey is session.cycle_key(): the data is kept and saved under a new key, and the
// old key's session is deleted (login does this against session fixation). With a
// signed-cookies engine the new cookie value is made when the session is saved.
func (s *Session) CycleKey(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	data := s.loadLocked()
	if s.err != nil {
		return s.err
	}
	if s.cfg.saver != nil {
		s.modified = true
		return nil
	}
	old := s.key
	key, err := engines.Create(ctx, s.cfg.store, data)
	if err != nil {
		return fmt.Errorf("django: cycle key: %w", err)
	}
	s.key, s.modified = key, true
	if old != "" {
		if err := s.cfg.store.Delete(ctx, old); err != nil {
			return fmt.Errorf("django: cycle key: deleting the old session: %w", err)
		}
	}
	return nil
}

// Save stores the session as the middleware does at the end of a request (Django's
// save()): a session without a key is created under a new key; otherwise it is updated,
// and an error matching engines.ErrUpdate means it was deleted meanwhile. With a
// signed-cookies engine the key becomes the new cookie value.
func (s *Session) Save(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saveLocked(ctx)
}

func (s *Session) saveLocked(ctx context.Context) error {
	if s.err != nil {
		return s.err
	}
	data := s.data
	if data == nil && s.key != "" {
		// save() calls _get_session(no_load=must_create): a key that was never
		// loaded is loaded first, so an update keeps the stored data.
		data = s.loadLocked()
		if s.err != nil {
			return s.err
		}
		if s.key == "" && s.cfg.saver == nil {
			return fmt.Errorf("django: save: %w", engines.ErrUpdate)
		}
	}
	if data == nil {
		data = serializer.NewDict()
	}
	if s.cfg.saver != nil {
		key, err := s.cfg.saver.SaveKey(ctx, data)
		if err != nil {
			return err
		}
		s.key = key
		return nil
	}
	if s.key == "" {
		key, err := engines.Create(ctx, s.cfg.store, data)
		if err != nil {
			return err
		}
		s.key = key
		return nil
	}
	return s.cfg.store.Save(ctx, s.key, data, false)
}

// ExpiryAge returns get_expiry_age(): the seconds from now until the session expires.
func (s *Session) ExpiryAge() (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg.expiry.Age(s.loadLocked(), s.cfg.now())
}

// ExpiryDate returns get_expiry_date(): when the session expires, counted from now.
func (s *Session) ExpiryDate() (time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg.expiry.Date(s.loadLocked(), s.cfg.now())
}

// ExpireAtBrowserClose returns get_expire_at_browser_close(): whether the cookie is a
// browser-session cookie.
func (s *Session) ExpireAtBrowserClose() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg.expiry.AtBrowserClose(s.loadLocked())
}

// SetExpiry is set_expiry(value): nil removes a custom expiry (SESSION_COOKIE_AGE and
// SESSION_EXPIRE_AT_BROWSER_CLOSE apply again); an int or int64 is seconds of inactivity
// (0: expire when the browser closes); a time.Duration is now plus the duration and a
// time.Time an absolute expiry, both stored as Django 4.1+ stores them (ISO 8601 text;
// see Settings.DatetimeExpiry for older versions). The session is marked modified (for
// nil, only when a custom expiry was removed).
func (s *Session) SetExpiry(value any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.loadLocked()
	switch value.(type) {
	case nil:
		if d.Has(session.ExpiryKey) {
			s.modified = true
		}
	case time.Duration, time.Time:
		if _, isJSON := s.cfg.s.SessionSerializer.(serializer.JSON); s.cfg.s.DatetimeExpiry && isJSON {
			return ErrExpiryNotRepresentable // Django ≤ 4.0 fails on this too
		}
	}
	if err := s.cfg.expiry.SetExpiry(d, value, s.cfg.now()); err != nil {
		return err
	}
	if value != nil {
		s.modified = true
	}
	return nil
}

// SetTestCookie stores the test value (set_test_cookie).
func (s *Session) SetTestCookie() { s.Set(TestCookieName, serializer.Str(TestCookieValue)) }

// TestCookieWorked reports whether the test value is there (test_cookie_worked).
func (s *Session) TestCookieWorked() bool {
	v, ok := s.Get(TestCookieName)
	return ok && serializer.Equal(v, serializer.Str(TestCookieValue))
}

// DeleteTestCookie removes the test value (delete_test_cookie).
func (s *Session) DeleteTestCookie() { s.Delete(TestCookieName) }

// state returns what the middleware reads at response time.
func (s *Session) state() (accessed, modified, empty bool) {
	return s.accessed, s.modified, s.emptyLocked()
}

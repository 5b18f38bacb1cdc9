package messages

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/serializer"
)

// The MESSAGE_STORAGE values this package implements.
const (
	FallbackStorage = "django.contrib.messages.storage.fallback.FallbackStorage"
	CookieStorage   = "django.contrib.messages.storage.cookie.CookieStorage"
	SessionStorage  = "django.contrib.messages.storage.session.SessionStorage"
)

// ErrNoSession is returned when the storage keeps messages in the session
// (FallbackStorage, SessionStorage) but the request has none: the session middleware must
// wrap the messages middleware (Django's ImproperlyConfigured).
var ErrNoSession = errors.New("messages: the session-based message storage requires the session middleware (django.Middleware) to wrap the messages middleware")

type kind uint8

const (
	fallbackKind kind = iota
	cookieKind
	sessionKind
)

// Storage is a request's message storage, Django's request._messages: the messages
// stored for the request (read on first use) and those added while it runs. Get it with
// FromContext; it is not safe for concurrent use.
type Storage struct {
	m      *Middleware
	sess   *django.Session
	cookie string // the request's messages cookie ("" if none)

	queued   []Message
	loaded   []Message
	isLoaded bool
	used     bool
	addedNew bool
	level    int
	levelSet bool
	// FallbackStorage's _used_storages: the cookie and session held messages.
	cookieUsed, sessionUsed bool
}

// Add queues a message, as storage.add(level, message, extra_tags) does: an empty
// message, or one below the storage's level, is not recorded.
func (st *Storage) Add(level int, message, extraTags string) {
	st.AddMessage(Message{Level: level, Message: message, ExtraTags: extraTags})
}

// AddMessage queues m as Add does, keeping its Safe and NoExtraTags flags (a message
// added with mark_safe text, or with extra_tags=None). Ill-formed UTF-8 in the text and
// tags (request data echoed in a message, say) is replaced as Django's request decoding
// would have replaced it (django.ValidUTF8).
func (st *Storage) AddMessage(m Message) {
	if m.Message == "" || m.Level < st.Level() {
		return
	}
	m.Message, m.ExtraTags = django.ValidUTF8(m.Message), django.ValidUTF8(m.ExtraTags)
	st.addedNew = true
	m.LevelTag = st.m.c.tags[m.Level]
	st.queued = append(st.queued, m)
}

// Messages returns the messages, stored ones first, and marks them read (Django's
// iteration over the storage, as {% for message in messages %} does): at the end of the
// request only messages added after this call are stored.
func (st *Storage) Messages() []Message {
	st.used = true
	st.load()
	st.loaded = append(st.loaded, st.queued...)
	st.queued = nil
	return append([]Message(nil), st.loaded...)
}

// Len returns the number of messages, stored and added, without marking them read
// (len(storage)); it reads the stored ones.
func (st *Storage) Len() int {
	st.load()
	return len(st.loaded) + len(st.queued)
}

// Used reports whether the messages were read (Messages was called).
func (st *Storage) Used() bool { return st.used }

// Level returns the lowest level recorded: the one set with SetLevel, else MESSAGE_LEVEL.
func (st *Storage) Level() int {
	if st.levelSet {
		return st.level
	}
	return st.m.s.MessageLevel
}

// SetLevel sets the lowest level recorded for this request (storage.level = level).
func (st *Storage) SetLevel(level int) { st.level, st.levelSet = level, true }

// ResetLevel goes back to MESSAGE_LEVEL (storage.level = None).
func (st *Storage) ResetLevel() { st.levelSet = false }

// load reads the stored messages once, as the _loaded_messages property does.
func (st *Storage) load() {
	if st.isLoaded {
		return
	}
	st.isLoaded = true
	switch st.m.kind {
	case cookieKind:
		msgs, _, present := st.cookieGet()
		st.loaded = msgs
		if !present && st.cookie != "" {
			st.used = true // CookieStorage drops a bad cookie
		}
	case sessionKind:
		st.loaded, _ = st.sessionGet()
	default:
		msgs, all, present := st.cookieGet()
		if !present {
			return
		}
		st.cookieUsed = len(msgs) > 0
		st.loaded = msgs
		if all {
			return
		}
		more, present := st.sessionGet()
		if !present {
			return
		}
		st.sessionUsed = len(more) > 0
		st.loaded = append(st.loaded, more...)
	}
}

// cookieGet is CookieStorage._get: the cookie's messages, whether they are all, and
// whether it held messages at all (Django's None: no cookie, or a bad one).
func (st *Storage) cookieGet() ([]Message, bool, bool) {
	if st.cookie == "" {
		return nil, true, false
	}
	msgs, all, err := st.m.c.decodeCookie(st.cookie)
	if err != nil {
		st.m.s.Log().Warn("messages: ignoring the messages cookie", "error", err)
		return nil, true, false
	}
	return msgs, all, true
}

// sessionGet is SessionStorage._get: the session's messages, and whether the session has
// a value there (Django's None: no key, or None).
func (st *Storage) sessionGet() ([]Message, bool) {
	v, ok := st.sess.Get(SessionKey)
	if !ok || v.IsNone() {
		return nil, false
	}
	text, isStr := v.AsStr()
	if !isStr || text == "" {
		if v.Truthy() {
			st.m.s.Log().Warn("messages: ignoring the session's messages", "error",
				fmt.Errorf("%w: a %s, not a str", ErrBadData, v.Kind()))
		}
		return nil, true
	}
	msgs, err := st.m.c.decodeSession(text)
	if err != nil {
		st.m.s.Log().Warn("messages: ignoring the session's messages", "error", err)
	}
	return msgs, true
}

// Update stores the messages not read, as storage.update(response) does at the end of the
// request: the messages added after the last read if they were read, else the stored and
// added ones if any were added, else nothing. The cookie goes to w's header (set or
// deleted), the session's part to the session. It returns the messages that could not be
// stored (CookieStorage alone, past MaxCookieSize). The middleware calls it; call it
// yourself only for a Storage made with NewStorage.
func (st *Storage) Update(w http.ResponseWriter) ([]Message, error) {
	switch {
	case st.used:
		return st.store(w, st.queued)
	case st.addedNew:
		st.load()
		return st.store(w, append(append([]Message(nil), st.loaded...), st.queued...))
	}
	return nil, nil
}

// store is the storage's _store.
func (st *Storage) store(w http.ResponseWriter, msgs []Message) ([]Message, error) {
	switch st.m.kind {
	case cookieKind:
		return st.cookieStore(w, msgs, true)
	case sessionKind:
		return nil, st.sessionStore(msgs)
	}
	var err error
	if len(msgs) > 0 {
		if msgs, err = st.cookieStore(w, msgs, false); err != nil {
			return nil, err
		}
	} else if st.cookieUsed {
		st.cookieUsed = false
		if _, err = st.cookieStore(w, nil, false); err != nil {
			return nil, err
		}
	}
	if len(msgs) > 0 {
		return nil, st.sessionStore(msgs)
	} else if st.sessionUsed {
		st.sessionUsed = false
		return nil, st.sessionStore(nil)
	}
	return nil, nil
}

// cookieStore is CookieStorage._store: the cookie set to as many messages as fit, or
// deleted when there are none; it returns the messages left out.
func (st *Storage) cookieStore(w http.ResponseWriter, msgs []Message, removeOldest bool) ([]Message, error) {
	encoded, unstored, err := st.m.c.fitCookie(msgs, removeOldest)
	if err != nil {
		return nil, err
	}
	s := &st.m.s
	if encoded == "" {
		django.DeleteCookie(w, CookieName, "/", s.SessionCookieDomain, s.SessionCookieSameSite)
		return unstored, nil
	}
	django.SetCookie(w, django.Cookie{Name: CookieName, Value: encoded, Path: "/",
		Domain: s.SessionCookieDomain, SameSite: s.SessionCookieSameSite,
		Secure: s.SessionCookieSecure, HttpOnly: s.SessionCookieHttpOnly})
	return unstored, nil
}

// sessionStore is SessionStorage._store.
func (st *Storage) sessionStore(msgs []Message) error {
	if len(msgs) == 0 {
		st.sess.Pop(SessionKey)
		return nil
	}
	text, err := st.m.c.encodeSession(msgs)
	if err != nil {
		return err
	}
	st.sess.Set(SessionKey, serializer.Str(text))
	return nil
}

type ctxKey struct{}

// FromContext returns the request's message storage, or nil outside the middleware.
func FromContext(ctx context.Context) *Storage {
	st, _ := ctx.Value(ctxKey{}).(*Storage)
	return st
}

// NewContext returns ctx carrying st, for handlers run without the middleware.
func NewContext(ctx context.Context, st *Storage) context.Context {
	return context.WithValue(ctx, ctxKey{}, st)
}

package messages

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/internal/respwriter"
)

// ErrNoMiddleware is returned by AddMessage and the level helpers on a request that did
// not go through the messages middleware (Django's MessageFailure). Ignore it where
// Django's fail_silently=True would be passed.
var ErrNoMiddleware = errors.New("messages: you cannot add messages without the messages middleware (messages.Middleware)")

// ErrNotAllStored is the error the middleware logs, with DEBUG, before answering 500 when
// messages could not be stored (Django's ValueError "Not all temporary messages could be
// stored.").
var ErrNotAllStored = errors.New("messages: not all temporary messages could be stored")

// Middleware is Django's MessageMiddleware for net/http. Put it inside the session
// middleware (django.Middleware), as Django's MIDDLEWARE list orders them: it reads and
// writes the session, which the session middleware saves after it.
//
// Before the response's header leaves (its first write, or the handler's return), it
// stores the messages as storage.update(response) does: the messages cookie is set or
// deleted and the session's "_messages" updated. With DEBUG, messages that could not be
// stored (CookieStorage past its size limit) turn the response into a 500, as Django's
// ValueError does.
type Middleware struct {
	s    django.Settings
	c    *codec
	kind kind
}

// NewMiddleware validates s (django.Settings.Validate) and MESSAGE_STORAGE, which must be
// one of FallbackStorage, CookieStorage and SessionStorage, and returns the middleware.
func NewMiddleware(s django.Settings) (*Middleware, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	m := &Middleware{s: s}
	switch s.MessageStorage {
	case FallbackStorage:
		m.kind = fallbackKind
	case CookieStorage:
		m.kind = cookieKind
	case SessionStorage:
		m.kind = sessionKind
	default:
		return nil, fmt.Errorf("%w: MESSAGE_STORAGE %q is not one of Django's storages (%s, %s, %s)",
			django.ErrInvalidSettings, s.MessageStorage, FallbackStorage, CookieStorage, SessionStorage)
	}
	var err error
	if m.c, err = newCodec(&m.s); err != nil {
		return nil, err
	}
	return m, nil
}

// NewStorage returns the message storage of r, as the middleware makes it
// (default_storage(request)): the session storages take the session from r's context
// (ErrNoSession without one). Use it outside the middleware, then call Storage.Update
// before the response's header is written.
func (m *Middleware) NewStorage(r *http.Request) (*Storage, error) {
	sess := django.FromContext(r.Context())
	if sess == nil && m.kind != cookieKind {
		return nil, ErrNoSession
	}
	cookie, _ := django.CookieValue(r, CookieName)
	return &Storage{m: m, sess: sess, cookie: cookie}, nil
}

// Handler returns next wrapped by the messages middleware.
func (m *Middleware) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, err := m.NewStorage(r)
		if err != nil {
			m.s.Log().Error("messages: middleware", "error", err)
			http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			return
		}
		r = r.WithContext(NewContext(r.Context(), st))
		rw := &respwriter.Writer{ResponseWriter: w, Committer: respwriter.CommitFunc(func(int) bool {
			unstored, err := st.Update(w)
			if err == nil && len(unstored) > 0 && m.s.Debug {
				err = fmt.Errorf("%w (%d left out)", ErrNotAllStored, len(unstored))
			}
			if err == nil {
				return true
			}
			m.s.Log().Error("messages: middleware", "error", err)
			h := w.Header()
			for k := range h {
				delete(h, k)
			}
			http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			return false
		})}
		next.ServeHTTP(rw, r)
		rw.Finish()
	})
}

// AddMessage is messages.add_message(request, level, message, extra_tags): it queues a
// message on r's storage (see Storage.Add), or returns ErrNoMiddleware.
func AddMessage(r *http.Request, level int, message, extraTags string) error {
	st := FromContext(r.Context())
	if st == nil {
		return ErrNoMiddleware
	}
	st.Add(level, message, extraTags)
	return nil
}

// Debug adds a message at level DEBUG (messages.debug).
func Debug(r *http.Request, message string) error { return AddMessage(r, DEBUG, message, "") }

// Info adds a message at level INFO (messages.info).
func Info(r *http.Request, message string) error { return AddMessage(r, INFO, message, "") }

// Success adds a message at level SUCCESS (messages.success).
func Success(r *http.Request, message string) error { return AddMessage(r, SUCCESS, message, "") }

// Warning adds a message at level WARNING (messages.warning).
func Warning(r *http.Request, message string) error { return AddMessage(r, WARNING, message, "") }

// Error adds a message at level ERROR (messages.error).
func Error(r *http.Request, message string) error { return AddMessage(r, ERROR, message, "") }

// GetMessages is messages.get_messages(request): r's messages, marked read (see
// Storage.Messages); none outside the middleware.
func GetMessages(r *http.Request) []Message {
	if st := FromContext(r.Context()); st != nil {
		return st.Messages()
	}
	return nil
}

// GetLevel is messages.get_level(request): the lowest level recorded for r, or
// ErrNoMiddleware.
func GetLevel(r *http.Request) (int, error) {
	st := FromContext(r.Context())
	if st == nil {
		return 0, ErrNoMiddleware
	}
	return st.Level(), nil
}

// SetLevel is messages.set_level(request, level): it sets the lowest level recorded for
// r, and reports false outside the middleware.
func SetLevel(r *http.Request, level int) bool {
	st := FromContext(r.Context())
	if st == nil {
		return false
	}
	st.SetLevel(level)
	return true
}

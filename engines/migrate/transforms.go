package migrate

import (
	"context"
	"fmt"
	"sync"

	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/session"
)

// AuthHashes re-signs the _auth_user_hash of logged-in sessions with the new SECRET_KEY
// (auth.ResignSessionHash): Config.SecretKey is the new key, Config.SecretKeyFallbacks the
// keys the hashes may have been made under, Config.Users reads the users' passwords.
// Resigned counts the sessions whose hash it replaced (a write may then still fail, or, in
// a dry run, not happen: see the Report). It is safe for concurrent use (Options.Workers).
type AuthHashes struct {
	Config   *auth.Config
	Resigned int
	mu       sync.Mutex
}

// Transform is the Transform that re-signs the hash of a session.
func (a *AuthHashes) Transform(ctx context.Context, s *Session) error {
	changed, err := auth.ResignSessionHash(ctx, s.Data, a.Config)
	if err != nil {
		return fmt.Errorf("re-sign _auth_user_hash: %w", err)
	}
	if changed {
		a.mu.Lock()
		a.Resigned++
		a.mu.Unlock()
	}
	return nil
}

// ExpiryAsText replaces an _session_expiry that is a datetime (what set_expiry stores
// before Django 4.1, which only PickleSerializer can hold) by its isoformat() text, what
// set_expiry stores from Django 4.1 on and what JSONSerializer can hold. Django 4.1 and
// later read either form as the same instant. Sessions for Django 4.0 or earlier must keep
// the datetime (and PickleSerializer).
func ExpiryAsText(_ context.Context, s *Session) error {
	v, ok := s.Data.Get(session.ExpiryKey)
	if !ok {
		return nil
	}
	d, ok := v.AsDatetime()
	if !ok {
		return nil
	}
	text, err := d.ISOFormat()
	if err != nil {
		return fmt.Errorf("_session_expiry: %w", err)
	}
	s.Data.Set(session.ExpiryKey, serializer.Str(text))
	return nil
}

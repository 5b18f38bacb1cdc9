package auth

import (
	"context"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/signing"
)

// authHashKeySalt is the key salt of AbstractBaseUser.get_session_auth_hash.
const authHashKeySalt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"

// SessionAuthHash returns _auth_user_hash for a user whose stored password hash is
// passwordHash, under secret with algorithm ("" = "sha256"): Django's
// get_session_auth_hash, 64 hex characters for SHA-256.
func SessionAuthHash(passwordHash, secret, algorithm string) (string, error) {
	if algorithm == "" {
		algorithm = "sha256"
	}
	mac, err := signing.SaltedHMAC(authHashKeySalt, passwordHash, secret, algorithm)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(mac), nil
}

// SessionAuthHash returns the session hash of u under c.SecretKey.
func (c *Config) SessionAuthHash(u *User) (string, error) {
	return SessionAuthHash(u.PasswordHash, c.SecretKey, c.HashAlgorithm)
}

// UserID returns the session's _auth_user_id as a string (a number stored by other
// code is given in decimal), and whether the session has one.
func UserID(s Session) (string, bool) {
	v, ok := s.Get(SessionKey)
	if !ok {
		return "", false
	}
	if str, ok := v.AsStr(); ok {
		return str, true
	}
	if n, ok := v.AsBigInt(); ok && v.Kind() == serializer.KindInt {
		return n.String(), true
	}
	return v.String(), true
}

// Backend returns the session's _auth_user_backend and whether it has one (as a string).
func Backend(s Session) (string, bool) {
	v, ok := s.Get(BackendSessionKey)
	if !ok {
		return "", false
	}
	return v.AsStr()
}

func ctEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// GetUser returns the user logged in to the session, or nil for an anonymous session, as
// Django's django.contrib.auth.get_user (what AuthenticationMiddleware puts in
// request.user):
//
//   - no _auth_user_id or _auth_user_backend, a backend not in AuthenticationBackends, no
//     such user, or a user the backend refuses (inactive under ModelBackend): nil, and the
//     session is left alone;
//   - _auth_user_hash equal (in constant time) to the user's current hash: the user;
//   - else, a hash made under one of SecretKeyFallbacks: the user, after CycleKey and
//     storing the current hash (Django 4.1.8+; see IgnoreFallbackHashes); or with
//     AcceptLegacyHash the SHA-1 hash of Django 3.1/3.2: the user;
//   - otherwise (a changed password, a missing or forged hash): the session is flushed
//     and the result is nil.
//
// An _auth_user_id that is not a valid key gives ErrInvalidUserID (Django raises); a
// failure of the user source or of the session is returned as it is.
func GetUser(ctx context.Context, s Session, c *Config) (*User, error) {
	idv, ok := s.Get(SessionKey)
	if !ok {
		return nil, nil
	}
	id, err := c.PK.normalize(idv)
	if err != nil {
		return nil, err
	}
	bv, ok := s.Get(BackendSessionKey)
	if !ok {
		return nil, nil
	}
	backend, ok := bv.AsStr()
	if !ok || !slices.Contains(c.backends(), backend) {
		return nil, nil
	}
	if c.Users == nil {
		return nil, ErrNoUserSource
	}
	u, err := c.Users.User(ctx, id)
	if errors.Is(err, ErrUserNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("auth: load user %q: %w", id, err)
	}
	if u == nil || !c.canAuthenticate(backend, u) {
		return nil, nil
	}
	var sessionHash string
	if hv, ok := s.Get(HashSessionKey); ok && hv.Truthy() {
		sessionHash, ok = hv.AsStr()
		if !ok {
			sessionHash = hv.String() // never equal to a hex digest in practice
		}
	}
	if sessionHash != "" {
		current, err := c.SessionAuthHash(u)
		if err != nil {
			return nil, err
		}
		if ctEqual(sessionHash, current) {
			return u, nil
		}
		if c.AcceptLegacyHash {
			legacy, _ := SessionAuthHash(u.PasswordHash, c.SecretKey, "sha1")
			if ctEqual(sessionHash, legacy) {
				return u, nil
			}
		}
		if !c.IgnoreFallbackHashes {
			for _, key := range c.SecretKeyFallbacks {
				fb, err := SessionAuthHash(u.PasswordHash, key, c.HashAlgorithm)
				if err != nil {
					return nil, err
				}
				if ctEqual(sessionHash, fb) {
					if err := s.CycleKey(ctx); err != nil {
						return nil, err
					}
					s.Set(HashSessionKey, serializer.Str(current))
					return u, nil
				}
			}
		}
	}
	if err := s.Flush(ctx); err != nil {
		return nil, err
	}
	return nil, nil
}

// Login logs u in to the session through backend, as Django's login(request, user,
// backend):
//
//   - a session already logged in as another user, or as u with a hash that does not
//     match u's current one, is flushed (a new, empty session);
//   - a session logged in as u with the right hash is kept as it is (same key);
//   - any other session keeps its data under a new key (CycleKey);
//
// then _auth_user_id, _auth_user_backend and _auth_user_hash are set. backend "" means
// the only configured backend (ErrBackendRequired when there are several). The CSRF
// secret is rotated: through django.RotateCSRFToken when ctx is a request's behind a
// django.CSRFMiddleware (the response then sets the new CSRF cookie, or the session's
// secret, as Django's login does), else, with CSRFUseSessions, by storing a new secret
// under _csrftoken. Unless SkipLastLogin, the user's last_login is set to now when Users
// implements LastLoginUpdater (and u.LastLogin updated). Behind AuthenticationMiddleware,
// RequestUser then gives u.
func Login(ctx context.Context, s Session, u *User, backend string, c *Config) error {
	if backend == "" {
		bs := c.backends()
		if len(bs) != 1 {
			return ErrBackendRequired
		}
		backend = bs[0]
	}
	id, err := c.PK.Normalize(u.ID)
	if err != nil {
		return err
	}
	hash, err := c.SessionAuthHash(u)
	if err != nil {
		return err
	}
	if idv, ok := s.Get(SessionKey); ok {
		stored, err := c.PK.normalize(idv)
		if err != nil {
			return err
		}
		var sessionHash string
		if hv, ok := s.Get(HashSessionKey); ok {
			sessionHash, _ = hv.AsStr()
		}
		if stored != id || !ctEqual(sessionHash, hash) {
			err = s.Flush(ctx)
		}
		if err != nil {
			return err
		}
	} else if err := s.CycleKey(ctx); err != nil {
		return err
	}
	s.Set(SessionKey, serializer.Str(id))
	s.Set(BackendSessionKey, serializer.Str(backend))
	s.Set(HashSessionKey, serializer.Str(hash))
	// rotate_token: through the CSRF middleware when the request has one (it sets the new
	// CSRF cookie, or the session's secret, on the response), else into the session.
	rotated, err := django.RotateCSRFToken(ctx)
	if err != nil {
		return err
	}
	if !rotated && c.CSRFUseSessions {
		tok, err := NewCSRFSecret()
		if err == nil && c.CSRFMaskedToken {
			tok, err = MaskCSRFSecret(tok)
		}
		if err != nil {
			return err
		}
		s.Set(CSRFSessionKey, serializer.Str(tok))
	}
	if !c.SkipLastLogin {
		if up, ok := c.Users.(LastLoginUpdater); ok {
			now := c.now()
			if err := up.UpdateLastLogin(ctx, id, now); err != nil {
				return fmt.Errorf("auth: update last_login: %w", err)
			}
			u.LastLogin = &now
		}
	}
	setRequestUser(ctx, u)
	return nil
}

// Logout flushes the session, as Django's logout(); behind AuthenticationMiddleware,
// RequestUser then gives nil (the anonymous user).
func Logout(ctx context.Context, s Session) error {
	if err := s.Flush(ctx); err != nil {
		return err
	}
	setRequestUser(ctx, nil)
	return nil
}

// UpdateSessionAuthHash keeps the current session logged in after u's password changed
// (u.PasswordHash is the new hash), as Django's update_session_auth_hash: CycleKey and
// store u's new session hash. u must be the session's user.
func UpdateSessionAuthHash(ctx context.Context, s Session, u *User, c *Config) error {
	hash, err := c.SessionAuthHash(u)
	if err != nil {
		return err
	}
	if err := s.CycleKey(ctx); err != nil {
		return err
	}
	s.Set(HashSessionKey, serializer.Str(hash))
	return nil
}

// CheckPassword is Django's user.check_password(raw): whether raw is u's password, by
// the hashers of c.Hashers. With c.UpgradePasswordHashes, a hash that needs an update
// (another preferred hasher, other work factors) is replaced by a new one, as Django's
// setter does.
func CheckPassword(ctx context.Context, u *User, raw string, c *Config) (bool, error) {
	hs := c.hashers()
	ok, mustUpdate := hs.Check(raw, u.PasswordHash)
	if !ok {
		return false, nil
	}
	if mustUpdate && c.UpgradePasswordHashes {
		if setter, isSetter := c.Users.(PasswordSetter); isSetter {
			enc, err := hs.Make(raw)
			if err != nil {
				return false, err
			}
			if err := setter.SetPassword(ctx, u.ID, enc); err != nil {
				return false, fmt.Errorf("auth: upgrade password hash: %w", err)
			}
			u.PasswordHash = enc
		}
	}
	return true, nil
}

// SetPassword is Django's user.set_password(raw) followed by user.save(): a new hash of
// raw by the preferred hasher of c.Hashers, stored through c.Users (a PasswordSetter),
// and u.PasswordHash updated. The new hash changes the session hash, which logs out every
// session of the user (ChangePassword keeps the current one). Validation is the caller's,
// as in Django: ValidatePassword(raw, u.PasswordUser(), validators) first.
func SetPassword(ctx context.Context, u *User, raw string, c *Config) error {
	setter, ok := c.Users.(PasswordSetter)
	if !ok {
		return fmt.Errorf("%w: SetPassword", ErrUnsupported)
	}
	enc, err := c.hashers().Make(raw)
	if err != nil {
		return err
	}
	if err := setter.SetPassword(ctx, u.ID, enc); err != nil {
		return fmt.Errorf("auth: set password of user %q: %w", u.ID, err)
	}
	u.PasswordHash = enc
	return nil
}

// ChangePassword is what Django's PasswordChangeView does once its form is valid:
// SetPassword, then UpdateSessionAuthHash on s, so that the session that changed the
// password stays logged in (under a new key) while the user's other sessions, on either
// side, are logged out.
func ChangePassword(ctx context.Context, s Session, u *User, raw string, c *Config) error {
	if err := SetPassword(ctx, u, raw, c); err != nil {
		return err
	}
	return UpdateSessionAuthHash(ctx, s, u, c)
}

// Authenticate returns the user with username and password, or nil, as ModelBackend's
// authenticate: the user is looked up by username (Users must implement
// UsernameSource), the password checked with c.Hashers, and the user refused when
// inactive (under the rules of CanAuthenticate for backend ModelBackend). An unknown
// username costs one hash of the preferred hasher, as in Django.
func Authenticate(ctx context.Context, username, password string, c *Config) (*User, error) {
	return authenticate(ctx, username, password, ModelBackend, c)
}

// authenticate is backend's authenticate(username=..., password=...), for ModelBackend
// and AllowAllUsersModelBackend: the user, or nil when unknown, the password is wrong, or
// backend's user_can_authenticate refuses it.
func authenticate(ctx context.Context, username, password, backend string, c *Config) (*User, error) {
	src, ok := c.Users.(UsernameSource)
	if !ok {
		return nil, fmt.Errorf("%w: UserByUsername", ErrUnsupported)
	}
	hs := c.hashers()
	u, err := src.UserByUsername(ctx, username)
	if errors.Is(err, ErrUserNotFound) || (err == nil && u == nil) {
		hs.Make(password) // same work as for an existing user
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("auth: load user %q: %w", username, err)
	}
	if ok, err := CheckPassword(ctx, u, password, c); !ok || err != nil {
		return nil, err
	}
	if !c.canAuthenticate(backend, u) {
		return nil, nil
	}
	return u, nil
}

// ResignSessionHash brings the _auth_user_hash in a session's data up to date with
// SecretKey, for tools that rewrite stored sessions after a key rotation (so that the old
// key can leave SECRET_KEY_FALLBACKS without logging anybody out). When the hash was made
// under one of SecretKeyFallbacks (or, with AcceptLegacyHash, is the SHA-1 hash of Django
// 3.1/3.2, under SecretKey or a fallback), it is replaced by the user's hash under SecretKey, the hash GetUser stores
// when such a session is next used (here without a new session key), and changed is true.
// A session without a user or a hash, of a user that no longer exists, or whose hash
// matches no key (the password has changed since) is left alone: Django logs it out when
// it is next used.
func ResignSessionHash(ctx context.Context, data *serializer.Dict, c *Config) (changed bool, err error) {
	idv, ok := data.Get(SessionKey)
	if !ok {
		return false, nil
	}
	hv, ok := data.Get(HashSessionKey)
	if !ok {
		return false, nil
	}
	sessionHash, ok := hv.AsStr()
	if !ok || sessionHash == "" {
		return false, nil
	}
	id, err := c.PK.normalize(idv)
	if err != nil {
		return false, err
	}
	if c.Users == nil {
		return false, ErrNoUserSource
	}
	u, err := c.Users.User(ctx, id)
	if errors.Is(err, ErrUserNotFound) || err == nil && u == nil {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("auth: load user %q: %w", id, err)
	}
	current, err := c.SessionAuthHash(u)
	if err != nil {
		return false, err
	}
	if ctEqual(sessionHash, current) {
		return false, nil
	}
	matches := false
	for i, key := range append([]string{c.SecretKey}, c.SecretKeyFallbacks...) {
		for _, alg := range []string{c.HashAlgorithm, "sha1"} {
			if matches || i == 0 && alg == c.HashAlgorithm || alg == "sha1" && !c.AcceptLegacyHash {
				continue // (the current hash was compared above)
			}
			h, err := SessionAuthHash(u.PasswordHash, key, alg)
			if err != nil {
				return false, err
			}
			matches = ctEqual(sessionHash, h)
		}
	}
	if !matches {
		return false, nil
	}
	data.Set(HashSessionKey, serializer.Str(current))
	return true, nil
}

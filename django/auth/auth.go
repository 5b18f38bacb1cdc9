// Package auth reads and writes the authentication data Django keeps in a session, with
// the semantics of django.contrib.auth: who is logged in (GetUser, as the
// AuthenticationMiddleware's get_user), Login, Logout and UpdateSessionAuthHash, and
// Authenticate for checking Django credentials (see the hashers sub-package).
//
// A session is anything that implements Session (the django package's request session
// does); users come from a UserSource, such as SQLUserSource over Django's auth_user
// table or a custom user model's table.
//
// For net/http, behind the django package's session middleware: AuthenticationMiddleware
// and RequestUser (request.user); the view decorators and mixins (LoginRequired,
// PermissionRequired, StaffMemberRequired, UserPassesTest, LoginRequiredMixin,
// PermissionRequiredMixin); LoginRequiredMiddleware and LoginNotRequired (Django 5.1+);
// RemoteUserMiddleware for sites behind single sign-on; the views LoginView, LogoutView,
// PasswordChangeView, PasswordResetView and PasswordResetConfirmView, and their "done"
// pages.
//
// Three keys hold the login (spec §5):
//
//	_auth_user_id       the user's primary key as a string ("42", a UUID in canonical form)
//	_auth_user_backend  the dotted path of the backend, e.g. django.contrib.auth.backends.ModelBackend
//	_auth_user_hash     HMAC-SHA256 of the user's password hash under SECRET_KEY (64 hex)
//
// A password change (a new password hash) changes _auth_user_hash, which logs out every
// other session of the user, on the Go side as on Django's.
package auth

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/djsession/djsession/django/auth/hashers"
	"github.com/djsession/djsession/serializer"
)

// Session keys of django.contrib.auth and CsrfViewMiddleware.
const (
	SessionKey        = "_auth_user_id"      // SESSION_KEY
	BackendSessionKey = "_auth_user_backend" // BACKEND_SESSION_KEY
	HashSessionKey    = "_auth_user_hash"    // HASH_SESSION_KEY
	CSRFSessionKey    = "_csrftoken"         // CSRF_SESSION_KEY (CSRF_USE_SESSIONS=True)
)

// Backend paths of Django's model backends.
const (
	ModelBackend              = "django.contrib.auth.backends.ModelBackend"
	AllowAllUsersModelBackend = "django.contrib.auth.backends.AllowAllUsersModelBackend"
	RemoteUserBackend         = "django.contrib.auth.backends.RemoteUserBackend"
	AllowAllUsersRemoteUser   = "django.contrib.auth.backends.AllowAllUsersRemoteUserBackend"

	// oauth2Backend is django-oauth-toolkit's backend (see oauth2provider.OAuth2Backend),
	// whose get_user loads inactive users too.
	oauth2Backend = "oauth2_provider.backends.OAuth2Backend"
)

// Errors.
var (
	// ErrInvalidUserID: _auth_user_id cannot be converted to the primary key type (Django
	// raises ValidationError from pk.to_python, which becomes a server error).
	ErrInvalidUserID = errors.New("auth: invalid user id in session")
	// ErrUserIDOutOfRange is a user id beyond the range of the primary key's column (an
	// int beyond 64 bits); it matches ErrInvalidUserID too.
	ErrUserIDOutOfRange error = outOfRange{}
	// ErrUserNotFound is what a UserSource returns when no user has the id or username.
	ErrUserNotFound = errors.New("auth: user not found")
	// ErrBackendRequired: Login without a backend while several are configured (Django
	// raises ValueError).
	ErrBackendRequired = errors.New("auth: several authentication backends configured: Login needs a backend")
	// ErrNoUserSource: Config.Users is nil.
	ErrNoUserSource = errors.New("auth: Config.Users is nil")
	// ErrUnsupported: the UserSource lacks a method the call needs (e.g. lookup by
	// username), or a setting names something djsession has no Go counterpart for (a
	// custom password validator).
	ErrUnsupported = errors.New("auth: not supported")
)

// Session is what auth needs from a request's session: a subset of Django's
// request.session, which the django package's session implements.
//
//   - Get returns the value stored under key and whether it is present (session[key]).
//   - Set stores v under key and marks the session modified (session[key] = v).
//   - Flush deletes the stored session and leaves a new, empty one without a key; the
//     next save creates a new key (session.flush()).
//   - CycleKey keeps the data under a new session key and deletes the old record
//     (session.cycle_key()).
//
// Implementations load the session lazily on first use, as Django does.
type Session interface {
	Get(key string) (serializer.Value, bool)
	Set(key string, v serializer.Value)
	Flush(ctx context.Context) error
	CycleKey(ctx context.Context) error
}

// User is what auth needs of a user.
type User struct {
	// ID is the primary key as Django's pk.value_to_string gives it: "42", or a UUID in
	// canonical form "0b6f...-..." (any form the PKType accepts is normalised on Login).
	ID string
	// PasswordHash is the stored password (the user.password column): "pbkdf2_sha256$...",
	// "!..." for an unusable password, or "".
	PasswordHash string
	// IsActive is user.is_active. Sources of user models without the field set it true
	// (Django's getattr(user, "is_active", True)).
	IsActive bool
	// Username is the USERNAME_FIELD value, when the source knows it.
	Username string
	// LastLogin is user.last_login when the source reads it (nil = NULL or unknown).
	LastLogin *time.Time
	// Email is the EMAIL_FIELD value ("" for NULL or none), which password reset tokens
	// hash.
	Email string
	// IsSuperuser is user.is_superuser (PermissionsMixin): an active superuser has every
	// permission. False for models without the field.
	IsSuperuser bool
	// IsStaff is user.is_staff, what the admin (StaffMemberRequired) requires. False for
	// models without the field.
	IsStaff bool
	// FirstName and LastName are user.first_name and user.last_name ("" for models
	// without them), which UserAttributeSimilarityValidator compares.
	FirstName, LastName string
}

// PasswordUser returns what Django's default password validators see of u: its
// username, first_name, last_name and email.
func (u *User) PasswordUser() *PasswordUser {
	return &PasswordUser{Attributes: map[string]string{
		"username": u.Username, "first_name": u.FirstName, "last_name": u.LastName, "email": u.Email,
	}}
}

// UserSource loads users, like a backend's get_user.
type UserSource interface {
	// User returns the user whose primary key is id (already normalised by the PKType:
	// "42", a canonical UUID, or the string as stored), or an error matching
	// ErrUserNotFound.
	User(ctx context.Context, id string) (*User, error)
}

// UsernameSource is a UserSource that can also find a user by USERNAME_FIELD, for
// Authenticate.
type UsernameSource interface {
	UserSource
	// UserByUsername returns the user whose username is exactly username, or an error
	// matching ErrUserNotFound.
	UserByUsername(ctx context.Context, username string) (*User, error)
}

// EmailSource is a UserSource that can find the users a password reset is for.
type EmailSource interface {
	UserSource
	// UsersByEmail returns the active users whose EMAIL_FIELD equals email ignoring case
	// as the database compares (Django's filter(email__iexact=email, is_active=True)), in
	// the database's order.
	UsersByEmail(ctx context.Context, email string) ([]*User, error)
}

// EmailLookup is a UserSource that finds users by email, active or not.
type EmailLookup interface {
	UserSource
	// UsersWithEmail returns the users whose EMAIL_FIELD equals email ignoring case as
	// the database compares (Django's filter(email__iexact=email)), in the database's
	// order.
	UsersWithEmail(ctx context.Context, email string) ([]*User, error)
}

// UserUpdater is a UserSource that can save the fields of a user a user may change: what
// Django's user.save() writes of them after a change.
type UserUpdater interface {
	// UpdateUser writes u's Username, FirstName and LastName (those the source has) to
	// the user whose primary key is u.ID.
	UpdateUser(ctx context.Context, u *User) error
}

// UserCreator is a UsernameSource that can also create users, as the get_or_create of
// RemoteUserBackend (RemoteUserMiddleware) does.
type UserCreator interface {
	UsernameSource
	// GetOrCreateUser returns the user whose username is username, creating it (created
	// true) with the user model's defaults if there is none; now is the date it joined.
	GetOrCreateUser(ctx context.Context, username string, now time.Time) (u *User, created bool, err error)
}

// LastLoginUpdater is a UserSource that can record a login time, as Django's
// update_last_login (connected to user_logged_in when the model has last_login).
type LastLoginUpdater interface {
	UpdateLastLogin(ctx context.Context, id string, t time.Time) error
}

// PasswordSetter is a UserSource that can store a new password hash (used by
// Authenticate to upgrade old hashes when Config.UpgradePasswordHashes is set).
type PasswordSetter interface {
	SetPassword(ctx context.Context, id string, encoded string) error
}

// Config holds the settings auth follows, named after Django's. The zero value plus
// SecretKey and Users behaves as the current Django with default settings.
type Config struct {
	// SecretKey is SECRET_KEY. Required.
	SecretKey string
	// SecretKeyFallbacks is SECRET_KEY_FALLBACKS (Django 4.1+): a session hash made under
	// one of them is accepted by GetUser, which then cycles the key and stores the hash
	// under SecretKey (Django 4.1.8+).
	SecretKeyFallbacks []string
	// AuthenticationBackends is AUTHENTICATION_BACKENDS; nil means [ModelBackend]. Only
	// sessions whose _auth_user_backend is listed are logged in.
	AuthenticationBackends []string
	// Users loads users by primary key (and by username for Authenticate).
	Users UserSource
	// PK is the type of the user model's primary key; the zero value is an integer
	// (AutoField/BigAutoField).
	PK PKType
	// CanAuthenticate decides whether a loaded user may be logged in through backend, as
	// the backend's user_can_authenticate. Nil means Django's: ModelBackend and
	// RemoteUserBackend (and any other backend) require IsActive; AllowAllUsersModelBackend
	// and AllowAllUsersRemoteUserBackend do not, nor does django-oauth-toolkit's
	// oauth2_provider.backends.OAuth2Backend, whose get_user reads any user.
	CanAuthenticate func(backend string, u *User) bool

	// HashAlgorithm is the HMAC digest of _auth_user_hash: "" means "sha256". Django
	// 3.1/3.2 with DEFAULT_HASHING_ALGORITHM = "sha1" need "sha1".
	HashAlgorithm string
	// AcceptLegacyHash also accepts the SHA-1 session hash, as Django 3.1 and 3.2 do
	// (_legacy_get_session_auth_hash); the session is then kept unchanged.
	AcceptLegacyHash bool
	// IgnoreFallbackHashes makes GetUser flush sessions whose hash only matches a fallback
	// key, as Django 4.1.0-4.1.7 (and releases before 4.1, which have no fallbacks) do.
	IgnoreFallbackHashes bool

	// CSRFUseSessions is CSRF_USE_SESSIONS: Login then stores a new CSRF secret under
	// "_csrftoken", as rotate_token and CsrfViewMiddleware do.
	CSRFUseSessions bool
	// CSRFMaskedToken stores the 64-character masked token instead of the 32-character
	// secret, as Django 3.2 and 4.0 do.
	CSRFMaskedToken bool
	// SkipLastLogin disables the last_login update on Login (by default it is updated when
	// Users implements LastLoginUpdater, as Django does for models with last_login).
	SkipLastLogin bool

	// Hashers verifies passwords in Authenticate (PASSWORD_HASHERS: hashers.FromSettings
	// builds a site's from its exported settings); nil means
	// hashers.ForDjango("") (the newest Django's defaults).
	Hashers *hashers.Set
	// UpgradePasswordHashes lets Authenticate store a new hash (from the preferred hasher)
	// when the stored one needs an update, as Django's check_password setter does, when
	// Users implements PasswordSetter. Off by default: a new hash changes the session
	// hash and so logs out the user's other sessions, and the Go and Django sides must
	// then agree on the preferred hasher and its work factor.
	UpgradePasswordHashes bool

	// Now is the clock for last_login; nil means time.Now.
	Now func() time.Time

	// PermissionDenied answers the requests that PermissionRequired (with raiseException)
	// and UserPassesTest refuse with a 403, as Django's handler403; nil means
	// Settings.PermissionDenied, Django's page when the project has no 403.html template.
	PermissionDenied http.Handler
}

func (c *Config) backends() []string {
	if c.AuthenticationBackends == nil {
		return []string{ModelBackend}
	}
	return c.AuthenticationBackends
}

func (c *Config) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Config) hashers() *hashers.Set {
	if c.Hashers != nil {
		return c.Hashers
	}
	return defaultHashers
}

var defaultHashers = hashers.ForDjango("")

func (c *Config) canAuthenticate(backend string, u *User) bool {
	if c.CanAuthenticate != nil {
		return c.CanAuthenticate(backend, u)
	}
	switch backend {
	case AllowAllUsersModelBackend, AllowAllUsersRemoteUser, oauth2Backend:
		return true
	}
	return u.IsActive
}

// outOfRange is ErrUserIDOutOfRange.
type outOfRange struct{}

func (outOfRange) Error() string        { return "auth: user id out of the primary key's range" }
func (outOfRange) Is(target error) bool { return target == ErrInvalidUserID }

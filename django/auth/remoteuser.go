package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/djsession/djsession/django"
)

// DefaultRemoteUserHeader is the request header RemoteUserMiddleware reads by default:
// the one a Django project reads with header = "HTTP_REMOTE_USER".
const DefaultRemoteUserHeader = "Remote-User"

// RemoteUserOptions configure RemoteUserMiddleware: the middleware's class attributes and
// the remote-user backend's.
type RemoteUserOptions struct {
	// Header is the request header that carries the username the front server
	// authenticated ("" means DefaultRemoteUserHeader). In Django, a subclass of the
	// middleware names it in request.META: header = "HTTP_X_REMOTE_USER" for the header
	// X-Remote-User. The front server must remove any such header a client sends.
	Header string
	// Persistent is PersistentRemoteUserMiddleware (force_logout_if_no_header = False): a
	// request without the header keeps its login, rather than losing one made through
	// the remote-user backend.
	Persistent bool
	// Backend is the dotted path of the remote-user backend in the Config's
	// AuthenticationBackends that logs users in (a project's own subclass of
	// RemoteUserBackend, for instance); "" means the first of RemoteUserBackend and
	// AllowAllUsersRemoteUser listed there. With none listed, as in Django, nobody is
	// logged in by the header.
	Backend string
	// SkipCreateUnknownUser is the backend's create_unknown_user = False: a username
	// with no user logs nobody in. By default the user is created (Config.Users must then
	// implement UserCreator, as SQLUserSource does).
	SkipCreateUnknownUser bool
	// CleanUsername is the backend's clean_username (nil leaves the username as it is).
	CleanUsername func(username string) string
	// ConfigureUser is the backend's configure_user: it may change the user found or
	// created (created true) before it is logged in, and returns the user to log in (nil
	// for none). Nil returns u unchanged.
	ConfigureUser func(ctx context.Context, r *http.Request, u *User, created bool) (*User, error)
}

// ErrNoUserCreator: RemoteUserMiddleware must create a user but Config.Users cannot.
var ErrNoUserCreator = errors.New("auth: RemoteUserMiddleware creates unknown users, but the UserSource is no UserCreator (or set SkipCreateUnknownUser)")

// RemoteUserMiddleware is Django's RemoteUserMiddleware (or, with opts.Persistent,
// PersistentRemoteUserMiddleware), behind the session middleware (django.Middleware), in
// front of h: it logs in the user a front server authenticated and names in a request
// header, as Django does with the remote-user backend, so that Django and Go agree on who
// is logged in behind single sign-on.
//
// A request that carries the header, whose user (RequestUser) is not that user, is logged
// in as the user of that username (found or created, as RemoteUserBackend's
// authenticate; an inactive one only with AllowAllUsersRemoteUser), with opts' backend
// as its _auth_user_backend (Login: a new session key, last_login updated); one logged in
// through a remote-user backend as another user is logged out first. A request without
// the header that was logged in through a remote-user backend is logged out, unless
// opts.Persistent. Logins through other backends (a password login) stay. A failure to
// read or create the user is logged and answered with Django's 500 page.
func RemoteUserMiddleware(s *django.Settings, cfg *Config, opts RemoteUserOptions, h http.Handler) http.Handler {
	header := opts.Header
	if header == "" {
		header = DefaultRemoteUserHeader
	}
	header = http.CanonicalHeaderKey(header)
	backend := opts.Backend
	if backend == "" {
		for _, b := range cfg.backends() {
			if b == RemoteUserBackend || b == AllowAllUsersRemoteUser {
				backend = b
				break
			}
		}
	} else if !slices.Contains(cfg.backends(), backend) {
		backend = ""
	}
	isRemote := func(b string) bool {
		return b == RemoteUserBackend || b == AllowAllUsersRemoteUser || b != "" && b == opts.Backend
	}
	clean := func(b, username string) string {
		if isRemote(b) && opts.CleanUsername != nil {
			return opts.CleanUsername(username)
		}
		return username
	}
	return AuthenticationMiddleware(cfg, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := remoteUser(r, cfg, &opts, header, backend, isRemote, clean); err != nil {
			if errors.Is(err, ErrNoSessionMiddleware) {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			s.Log().ErrorContext(r.Context(), "auth: RemoteUserMiddleware", "path", r.URL.Path, "err", err)
			s.ServerError(w, r)
			return
		}
		h.ServeHTTP(w, r)
	}))
}

// remoteUser is RemoteUserMiddleware.process_request.
func remoteUser(r *http.Request, cfg *Config, opts *RemoteUserOptions, header, backend string,
	isRemote func(string) bool, clean func(backend, username string) string) error {
	ctx := r.Context()
	sess := django.FromContext(ctx)
	if sess == nil {
		return ErrNoSessionMiddleware
	}
	u, err := RequestUser(r, cfg)
	if err != nil {
		return err
	}
	stored, _ := Backend(sess)
	// removeInvalid is _remove_invalid_user: only a remote-user login is undone.
	removeInvalid := func() error {
		if isRemote(stored) {
			return Logout(ctx, sess)
		}
		return nil
	}
	values, ok := r.Header[header]
	if !ok {
		if !opts.Persistent && u != nil {
			return removeInvalid()
		}
		return nil
	}
	username := strings.Join(values, ",") // (as a WSGI server joins a repeated header)
	if u != nil {
		if u.Username == clean(stored, username) {
			return nil
		}
		if err := removeInvalid(); err != nil {
			return err
		}
	}
	// authenticate(request, remote_user=username): only the remote-user backend answers.
	if backend == "" || username == "" {
		return nil
	}
	username = clean(backend, username)
	created := false
	if opts.SkipCreateUnknownUser {
		users, ok := cfg.Users.(UsernameSource)
		if !ok {
			return fmt.Errorf("%w: UserByUsername", ErrUnsupported)
		}
		if u, err = users.UserByUsername(ctx, username); errors.Is(err, ErrUserNotFound) {
			u, err = nil, nil
		}
	} else {
		users, ok := cfg.Users.(UserCreator)
		if !ok {
			return ErrNoUserCreator
		}
		u, created, err = users.GetOrCreateUser(ctx, username, cfg.now())
	}
	if err == nil && opts.ConfigureUser != nil {
		u, err = opts.ConfigureUser(ctx, r, u, created)
	}
	if err != nil || u == nil || !cfg.canAuthenticate(backend, u) {
		return err
	}
	return Login(ctx, sess, u, backend, cfg)
}

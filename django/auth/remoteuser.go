package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/internal/pystr"
)

// DefaultRemoteUserHeader is the request header RemoteUserMiddleware reads by default:
// the one a Django project reads with header = "HTTP_REMOTE_USER".
const DefaultRemoteUserHeader = "Remote-User"

// RemoteUserOptions configure RemoteUserMiddleware: the middleware's class attributes and
// those of a project's own remote-user backend.
type RemoteUserOptions struct {
	// Header is the request header that carries the username the front server
	// authenticated ("" means DefaultRemoteUserHeader), as an HTTP header name
	// ("X-Remote-User") or as Django's subclass names it in request.META
	// ("HTTP_X_REMOTE_USER"). Its value is read as latin-1, as WSGI servers and Django's
	// ASGI handler read header bytes. The front server must remove any such header a
	// client sends.
	Header string
	// Persistent is PersistentRemoteUserMiddleware (force_logout_if_no_header = False): a
	// request without the header keeps its login (and is not looked at), rather than
	// losing one made through a remote-user backend.
	Persistent bool
	// Backend is the dotted path of a project's own subclass of RemoteUserBackend, listed
	// in the Config's AuthenticationBackends, which the other options below describe.
	// Django's RemoteUserBackend and AllowAllUsersRemoteUserBackend, where listed, work as
	// Django's (they create unknown users; AllowAll also logs inactive ones in). As
	// Django's authenticate, the listed remote-user backends are tried in their order, and
	// the first to give a user logs it in; with none listed nobody is.
	Backend string
	// SkipCreateUnknownUser is Backend's create_unknown_user = False: a username with no
	// user gives no user. Else unknown users are created: Config.Users must then implement
	// UserCreator, as SQLUserSource does.
	SkipCreateUnknownUser bool
	// CleanUsername is Backend's clean_username (nil leaves the username as it is).
	CleanUsername func(username string) string
	// ConfigureUser is Backend's configure_user: it gets the user found or created
	// (created true) and returns the user to log in (nil for none). Django 4.1+ call it
	// for every user, and for no user (u nil) when one is not created; Django 3.2 only for
	// users it created: return u unchanged when !created to do as 3.2 does. Nil returns
	// u unchanged.
	ConfigureUser func(ctx context.Context, r *http.Request, u *User, created bool) (*User, error)
}

// ErrNoUserCreator: RemoteUserMiddleware must create a user but Config.Users cannot.
var ErrNoUserCreator = errors.New("auth: RemoteUserMiddleware creates unknown users, but the UserSource is no UserCreator (or set SkipCreateUnknownUser)")

// RemoteUserMiddleware is Django's RemoteUserMiddleware (or, with opts.Persistent,
// PersistentRemoteUserMiddleware), behind the session middleware (django.Middleware), in
// front of h: it logs in the user a front server authenticated and names in a request
// header, as Django does with its remote-user backends, so that Django and Go agree on
// who is logged in behind single sign-on.
//
// A request that carries the header, whose user (RequestUser) is not that user, is logged
// in as the user of that username, found or created by the first remote-user backend of
// cfg.AuthenticationBackends that gives one (see RemoteUserOptions.Backend), with that
// backend as its _auth_user_backend (Login: a new session key, last_login updated); one
// logged in through a remote-user backend as another user is logged out first. A request
// without the header that was logged in through a remote-user backend is logged out,
// unless opts.Persistent. Logins through other backends (a password login) stay. A
// failure to read or create the user is logged and answered with Django's 500 page.
func RemoteUserMiddleware(s *django.Settings, cfg *Config, opts RemoteUserOptions, h http.Handler) http.Handler {
	header := opts.Header
	if header == "" {
		header = DefaultRemoteUserHeader
	}
	if rest, ok := strings.CutPrefix(strings.ToUpper(header), "HTTP_"); ok {
		header = strings.ReplaceAll(rest, "_", "-")
	}
	m := &remoteUserMiddleware{cfg: cfg, opts: opts, header: http.CanonicalHeaderKey(header)}
	for _, b := range cfg.backends() {
		if m.isRemote(b) {
			m.backends = append(m.backends, b)
		}
	}
	return AuthenticationMiddleware(cfg, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := m.processRequest(r); err != nil {
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

type remoteUserMiddleware struct {
	cfg      *Config
	opts     RemoteUserOptions
	header   string   // canonical
	backends []string // the remote-user backends of cfg, in its order
}

// isRemote reports whether backend is a remote-user backend (a RemoteUserBackend, for
// _remove_invalid_user's isinstance).
func (m *remoteUserMiddleware) isRemote(backend string) bool {
	return backend == RemoteUserBackend || backend == AllowAllUsersRemoteUser || backend != "" && backend == m.opts.Backend
}

// clean is backend's clean_username: the project's for its own backend, none for
// Django's (and for backends without one, such as ModelBackend).
func (m *remoteUserMiddleware) clean(backend, username string) string {
	if backend != "" && backend == m.opts.Backend && m.opts.CleanUsername != nil {
		return m.opts.CleanUsername(username)
	}
	return username
}

// processRequest is RemoteUserMiddleware.process_request.
func (m *remoteUserMiddleware) processRequest(r *http.Request) error {
	ctx := r.Context()
	sess := django.FromContext(ctx)
	if sess == nil {
		return ErrNoSessionMiddleware
	}
	values, ok := r.Header[m.header]
	if !ok && m.opts.Persistent {
		return nil
	}
	u, err := RequestUser(r, m.cfg)
	if err != nil {
		return err
	}
	stored, _ := Backend(sess)
	// removeInvalid is _remove_invalid_user: only a remote-user login is undone.
	removeInvalid := func() error {
		if m.isRemote(stored) {
			return Logout(ctx, sess)
		}
		return nil
	}
	if !ok {
		if u != nil {
			return removeInvalid()
		}
		return nil
	}
	// (as a WSGI server joins a repeated header, and reads its bytes as latin-1)
	username := pystr.Latin1(strings.Join(values, ","))
	if u != nil {
		if u.Username == m.clean(stored, username) {
			return nil
		}
		if err := removeInvalid(); err != nil {
			return err
		}
	}
	// authenticate(request, remote_user=username): the remote-user backends in turn.
	for _, backend := range m.backends {
		u, err := m.authenticate(ctx, r, backend, username)
		if err != nil {
			return err
		}
		if u != nil {
			return Login(ctx, sess, u, backend, m.cfg)
		}
	}
	return nil
}

// authenticate is backend's authenticate(request, remote_user=username).
func (m *remoteUserMiddleware) authenticate(ctx context.Context, r *http.Request, backend, username string) (*User, error) {
	if username == "" {
		return nil, nil
	}
	own := backend != "" && backend == m.opts.Backend
	username = m.clean(backend, username)
	var (
		u       *User
		created bool
		err     error
	)
	if own && m.opts.SkipCreateUnknownUser {
		users, ok := m.cfg.Users.(UsernameSource)
		if !ok {
			return nil, fmt.Errorf("%w: UserByUsername", ErrUnsupported)
		}
		if u, err = users.UserByUsername(ctx, username); errors.Is(err, ErrUserNotFound) {
			u, err = nil, nil
		}
	} else {
		users, ok := m.cfg.Users.(UserCreator)
		if !ok {
			return nil, ErrNoUserCreator
		}
		u, created, err = users.GetOrCreateUser(ctx, username, m.cfg.now())
	}
	if err == nil && own && m.opts.ConfigureUser != nil {
		u, err = m.opts.ConfigureUser(ctx, r, u, created)
	}
	if err != nil || u == nil || !m.cfg.canAuthenticate(backend, u) {
		return nil, err
	}
	return u, nil
}

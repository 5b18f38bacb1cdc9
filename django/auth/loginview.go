package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth/hashers"
	"github.com/djsession/djsession/internal/pystr"
)

// LoginViewOptions configure LoginView: what matters of the class attributes of Django's
// LoginView (next_page, success_url_allowed_hosts and extra_context are not offered) and
// of its AuthenticationForm.
type LoginViewOptions struct {
	// Settings and Config are the site's settings and auth configuration (Config.Users
	// must implement UsernameSource). Required.
	Settings *django.Settings
	Config   *Config
	// RedirectAuthenticatedUser is redirect_authenticated_user: a logged-in user who asks
	// for the page is sent on as after a login.
	RedirectAuthenticatedUser bool
	// UsernameMaxLength is the max_length of the user model's USERNAME_FIELD (0 means
	// 150, auth.User's username): a longer username is not NFKC-normalised.
	UsernameMaxLength int
	// UsernameVerboseName is its verbose_name, which the invalid_login message names (""
	// means "username").
	UsernameVerboseName string
	// CSRFExempt lets LoginView take logins that no django.CSRFMiddleware checked (a site
	// that protects its forms otherwise). By default such a POST is a 500 with
	// ErrLoginWithoutCSRF: Django's view checks CSRF itself (csrf_protect), and a login
	// form without it lets another site log a browser in to its own account.
	CSRFExempt bool
	// Render writes the page (the template registration/login.html) with status 200: the
	// form, with the errors of a POST that logged nobody in. Required. It finds
	// never_cache's headers set, and should leave them.
	Render func(w http.ResponseWriter, r *http.Request, page *LoginPage)
}

// LoginPage is what LoginView's template gets.
type LoginPage struct {
	// Username is the username field's value as posted ("" on a GET).
	Username string
	// Next is the page to go back to after the login: the "next" of the request when it
	// is safe (Settings.URLHasAllowedHostAndScheme), else "" (the template's {{ next }}).
	Next string
	// Errors are the AuthenticationForm's errors by field: "username", "password", and
	// "__all__" for the form's own (invalid_login, inactive); Django's form.errors holds
	// them in that order.
	Errors map[string][]PasswordError
}

// ErrLoginWithoutCSRF: a POST reached LoginView without a django.CSRFMiddleware in front
// of it (see LoginViewOptions.CSRFExempt).
// It matches ErrCSRFNotChecked.
var ErrLoginWithoutCSRF = fmt.Errorf("%w (LoginView)", ErrCSRFNotChecked)

// AuthenticationForm's errors, as Django's English locale words them.
var errInactive = PasswordError{Code: "inactive", Message: "This account is inactive."}

// LoginView is Django's LoginView for a Go handler, behind the session middleware
// (django.Middleware): GET renders the form; POST checks it as AuthenticationForm does
// (username stripped and NFKC-normalised, both fields required, no null characters; then
// the user authenticated by the
// password backend of Config.AuthenticationBackends, ModelBackend or
// AllowAllUsersModelBackend, as Django's authenticate does: else invalid_login; an
// inactive user that backend returns is refused as inactive), logs the user in (Login:
// through that backend, a new session key, a new CSRF token, last_login) and redirects
// (302) to SuccessURL's page; a form with errors is rendered again with them. The
// answers carry never_cache's headers, and the handler is marked LoginNotRequired, as
// Django's view is. CSRF is checked by the django.CSRFMiddleware that must stand in front
// of it (Django's view is csrf_protect; see CSRFExempt).
//
// Known differences: the form's body is read by django.PostValue (no DATA_UPLOAD_MAX_*
// limits, charsets other than UTF-8 not refused, multipart parts decoded by Go's
// mime/multipart); a Location over 16384 characters is not refused as Django 4.2+'s
// DisallowedRedirect; NFKC follows Go's Unicode tables (Python 3.10's, under Django 3.2,
// are older); LOGIN_REDIRECT_URL is used as given (not reversed as a URL name); and the
// stored password hash is upgraded on login only with Config.UpgradePasswordHashes.
func LoginView(opts LoginViewOptions) http.Handler {
	if opts.UsernameMaxLength == 0 {
		opts.UsernameMaxLength = 150
	}
	if opts.UsernameVerboseName == "" {
		opts.UsernameVerboseName = "username"
	}
	s := opts.Settings
	return LoginNotRequired(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = upperMethod(r)
		if !django.CSRFProtectView(w, r) { // (csrf_protect, around never_cache)
			return
		}
		neverCache(w, s)
		if err := loginView(w, r, &opts); err != nil {
			viewFailed(w, r, s, "login view", err)
		}
	}))
}

func loginView(w http.ResponseWriter, r *http.Request, opts *LoginViewOptions) error {
	ctx, s, cfg := r.Context(), opts.Settings, opts.Config
	sess := django.FromContext(ctx)
	if sess == nil {
		return ErrNoSessionMiddleware
	}
	if opts.RedirectAuthenticatedUser {
		u, err := RequestUser(r, cfg)
		if err != nil {
			return err
		}
		if u != nil {
			to, err := successURL(r, s)
			if err != nil {
				return err
			}
			if to == django.RequestPath(r) {
				return errors.New("auth: redirection loop for authenticated user detected: LOGIN_REDIRECT_URL points to the login page")
			}
			redirect(w, django.IRIToURI(to))
			return nil
		}
	}
	page := &LoginPage{}
	// render is render_to_response with get_context_data, whose {{ next }} is
	// get_redirect_url (which, as Django's, needs the request's host to be allowed).
	render := func() error {
		var err error
		if page.Next, err = safeNext(r, s); err != nil {
			return err
		}
		opts.Render(w, r, page)
		return nil
	}
	if post, err := formPost(w, r, render); !post {
		return err
	}
	if !opts.CSRFExempt && !django.CSRFProtected(ctx) {
		return ErrLoginWithoutCSRF
	}
	errs := map[string][]PasswordError{}
	page.Errors = errs
	rawUser, _ := django.PostValue(r, "username")
	page.Username = rawUser
	// (AuthenticationForm sets the field's max_length after the field made its
	// validators: a longer username is not refused, only left unnormalised)
	username := pystr.Strip(rawUser)
	if utf8.RuneCountInString(username) <= opts.UsernameMaxLength {
		username = norm.NFKC.String(username)
	}
	if !formField(errs, "username", username) {
		username = ""
	}
	password := postField(r, errs, "password")
	if username != "" && password != "" {
		u, backend, err := passwordLogin(ctx, username, password, cfg)
		switch {
		case err != nil:
			return err
		case u == nil:
			errs["__all__"] = []PasswordError{{Code: "invalid_login", Message: fmt.Sprintf(
				"Please enter a correct %s and password. Note that both fields may be case-sensitive.", opts.UsernameVerboseName)}}
		case !u.IsActive:
			errs["__all__"] = []PasswordError{errInactive}
		default:
			if err := Login(ctx, sess, u, backend, cfg); err != nil {
				return err
			}
			to, err := SuccessURL(r, s)
			if err != nil {
				return err
			}
			redirect(w, to)
			return nil
		}
	}
	return render()
}

// formField checks a CharField's value v (already cleaned) as Django's form does,
// recording its error under name: required, or null characters. It reports whether v is
// valid.
func formField(errs map[string][]PasswordError, name, v string) bool {
	switch {
	case v == "":
		errs[name] = []PasswordError{errFieldRequired}
	case strings.ContainsRune(v, 0):
		errs[name] = []PasswordError{errNullCharacters}
	default:
		return true
	}
	return false
}

// AuthenticateBackends is Django's authenticate(request, username=..., password=...)
// over c.AuthenticationBackends: each password backend there (ModelBackend,
// AllowAllUsersModelBackend; others take no password and are skipped) in its order, as
// Authenticate does for ModelBackend. It returns the user and the backend that took it,
// or nil when none did, and an error when no backend is configured at all.
func AuthenticateBackends(ctx context.Context, username, password string, c *Config) (*User, string, error) {
	return passwordLogin(ctx, username, password, c)
}

// passwordLogin is AuthenticateBackends.
func passwordLogin(ctx context.Context, username, password string, c *Config) (*User, string, error) {
	if len(c.backends()) == 0 {
		return nil, "", errors.New("auth: no authentication backends have been defined (AuthenticationBackends is empty)")
	}
	for _, b := range c.backends() {
		if b != ModelBackend && b != AllowAllUsersModelBackend {
			continue
		}
		u, err := authenticate(ctx, username, password, b, c)
		if err != nil || u != nil {
			return u, b, err
		}
	}
	return nil, "", nil
}

// redirect answers with HttpResponseRedirect to location (a URI).
func redirect(w http.ResponseWriter, location string) {
	w.Header().Set("Location", location)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusFound)
}

// upperMethod returns r with its method upper-cased, as Django reads REQUEST_METHOD.
func upperMethod(r *http.Request) *http.Request {
	if m := strings.ToUpper(r.Method); m != r.Method {
		r2 := *r
		r2.Method = m
		return &r2
	}
	return r
}

// formMethodNotAllowed answers a method a FormView has no handler for (405, with its
// Allow), or OPTIONS (200).
func formMethodNotAllowed(w http.ResponseWriter, method string) {
	methodNotAllowed(w, method, formViewAllow)
}

// formPost is a FormView's dispatch: GET and HEAD render the form (get), POST and PUT
// (whose form is empty: Django reads no PUT body) go on to check it (true), other
// methods are answered by formMethodNotAllowed.
func formPost(w http.ResponseWriter, r *http.Request, get func() error) (bool, error) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		return false, get()
	case http.MethodPost, http.MethodPut:
		return true, nil
	}
	formMethodNotAllowed(w, r.Method)
	return false, nil
}

// viewFailed answers a view's error: Django's 400 page for a host outside
// ALLOWED_HOSTS, else its 500 page, the error logged; without never_cache's headers,
// which Django adds only to what the view returns.
func viewFailed(w http.ResponseWriter, r *http.Request, s *django.Settings, view string, err error) {
	w.Header().Del("Cache-Control")
	w.Header().Del("Expires")
	if errors.Is(err, django.ErrDisallowedHost) {
		s.BadRequest(w, r)
		return
	}
	s.Log().ErrorContext(r.Context(), "auth: "+view, "path", r.URL.Path, "err", err)
	s.ServerError(w, r)
}

// formViewAllow is the Allow header of a FormView's 405 and OPTIONS answers.
const formViewAllow = "GET, POST, PUT, HEAD, OPTIONS"

// AuthenticateWith is backend's authenticate(request, username=..., password=...) for
// ModelBackend or AllowAllUsersModelBackend: the user, or nil when unknown, the password
// is wrong, or the backend's user_can_authenticate refuses it.
func AuthenticateWith(ctx context.Context, username, password, backend string, c *Config) (*User, error) {
	if backend != ModelBackend && backend != AllowAllUsersModelBackend {
		return nil, fmt.Errorf("%w: AuthenticateWith(%q)", ErrUnsupported, backend)
	}
	return authenticate(ctx, username, password, backend, c)
}

// Backends is AUTHENTICATION_BACKENDS as c configures it (ModelBackend when unset).
func (c *Config) Backends() []string { return c.backends() }

// UserCanAuthenticate is backend's user_can_authenticate(u) (CanAuthenticate when set;
// else whether u is active, for every backend but the AllowAllUsers ones).
func (c *Config) UserCanAuthenticate(backend string, u *User) bool {
	return c.canAuthenticate(backend, u)
}

// PasswordHashers is PASSWORD_HASHERS as c configures them (Django's defaults when
// unset).
func (c *Config) PasswordHashers() *hashers.Set { return c.hashers() }

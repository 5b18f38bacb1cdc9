// Package restauth is dj-rest-auth (dj_rest_auth) in Go: the login, logout, user details
// and token refresh views a single-page app or a mobile client of a DRF API talks to,
// answering as dj-rest-auth's do, so that a Go service can take over those endpoints
// from the Django site (or stand beside it) without its clients noticing.
//
// Settings is the site's REST_AUTH (Defaults gives dj-rest-auth's). Views holds the views
// for one site, each an http.Handler behind the session middleware (django.Middleware)
// and, for SESSION_LOGIN, a django.CSRFMiddleware whose Exempt lets DRF's views through
// (their SessionAuthentication checks CSRF itself):
//
//   - Login is LoginView: the credentials checked as LoginSerializer checks them (a
//     username, or an email found ignoring case, and a password; Django's authenticate
//     over the site's backends), then a DRF token (TOKEN_MODEL) or, with USE_JWT, a pair
//     of simplejwt tokens (and their cookies), and with SESSION_LOGIN Django's login;
//   - Logout is LogoutView: the user's DRF token deleted, Django's logout, the JWT
//     cookies deleted and the refresh token blacklisted;
//   - UserDetails is UserDetailsView: the user's pk, username, email, first and last
//     name (GET; PUT and PATCH change them);
//   - TokenRefresh is dj-rest-auth's refresh view (get_refresh_view), with the refresh
//     token posted or in its cookie;
//   - PasswordChange, PasswordReset and PasswordResetConfirm are its password views:
//     Django's SetPasswordForm and password validators, the reset emails (sent by your
//     SendMail) whose links Django's views take too.
//
// Known differences: LoginSerializer without allauth (dj-rest-auth's registration app
// and allauth are not installed), the user model's fields as auth.User has them
// (username, email, first_name and last_name; held live with an integer primary key,
// which the details show as a number, others as a string); no
// TOKEN_CREATOR, serializers or permission classes of your own; UserDetails saves the
// three names alone where Django's save() writes every column, and its username
// validator's \w follows Go's Unicode tables (15.0), where each Python has its own
// (13.0 for 3.10, 15.1 for 3.13: the letters assigned between differ); request bodies in
// charsets other than UTF-8, latin-1 and ASCII are refused (see restframework); and with
// USE_TZ False, an expiration time whose lifetime spans a change of the zone's offset
// (daylight saving time) is off by that change, as Django adds the lifetime to the wall
// clock and Go to the instant. Held to dj-rest-auth
// 7.0.0 (Django 3.2) and 7.2.0 with simplejwt 5.3.1 and 5.5.1 and DRF 3.15 to 3.18.
package restauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/restframework"
	"github.com/djsession/djsession/restframework/simplejwt"
	"github.com/djsession/djsession/serializer"
)

// Settings are dj-rest-auth's REST_AUTH settings that its views follow.
type Settings struct {
	// UseJWT is USE_JWT: Login answers simplejwt tokens (Views.JWT) instead of a DRF
	// token.
	UseJWT bool
	// SessionLogin is SESSION_LOGIN (true): Login logs the user in to the session too
	// (Django's login), and Logout logs it out (Django's logout).
	SessionLogin bool
	// Cookies are the JWT_AUTH_* settings of the JWT cookies (JWT_AUTH_COOKIE,
	// JWT_AUTH_REFRESH_COOKIE, ..., JWT_AUTH_HTTPONLY: with it, Login answers the refresh
	// token as "" and Logout reads it from its cookie).
	Cookies simplejwt.CookieSettings
	// ReturnExpiration is JWT_AUTH_RETURN_EXPIRATION: Login adds "access_expiration" and
	// "refresh_expiration".
	ReturnExpiration bool
	// CookieUseCSRF and CookieEnforceCSRFOnUnauthenticated are JWT_AUTH_COOKIE_USE_CSRF
	// and JWT_AUTH_COOKIE_ENFORCE_CSRF_ON_UNAUTHENTICATED, which JWTCookieAuthentication
	// follows (CookieAuthentication makes one).
	CookieUseCSRF, CookieEnforceCSRFOnUnauthenticated bool
	// NoTokenModel is TOKEN_MODEL None: Login makes no DRF token (Views.Tokens, if set,
	// is rest_framework.authtoken installed all the same, whose tokens Logout deletes).
	NoTokenModel bool
	// LogoutOnGet is the site's ACCOUNT_LOGOUT_ON_GET: Logout takes GET too (else a GET is
	// DRF's 405, though the view lists GET in its Allow header).
	LogoutOnGet bool
	// OldPasswordFieldEnabled is OLD_PASSWORD_FIELD_ENABLED: PasswordChange asks for the
	// user's password too.
	OldPasswordFieldEnabled bool
	// LogoutOnPasswordChange is LOGOUT_ON_PASSWORD_CHANGE: PasswordChange does not keep
	// the request's session logged in.
	LogoutOnPasswordChange bool
	// Version is the release of dj-rest-auth: "7.0", whose Logout answers a refresh token
	// simplejwt refuses other than as invalid or blacklisted with a 500 {"detail": "An
	// error has occurred."}; "" for 7.1 and later (a 401 with simplejwt's message).
	Version string
}

// Defaults returns dj-rest-auth's defaults: no JWT, SESSION_LOGIN, no cookies (with
// JWT_AUTH_HTTPONLY, JWT_AUTH_SAMESITE "Lax", ...).
func Defaults() *Settings {
	return &Settings{SessionLogin: true, Cookies: *simplejwt.CookieDefaults("", "")}
}

// Views are dj-rest-auth's views for one site. Each is a restframework.APIView (DRF's
// parsers, JSONRenderer, OPTIONS with DRF's metadata) with the site's authentication.
type Views struct {
	// Settings is REST_AUTH.
	Settings *Settings
	// Config authenticates the credentials (its backends, user source and hashers) and
	// logs users in and out of sessions. Login by email needs a Users that implements
	// auth.EmailLookup.
	Config *auth.Config
	// JWT, with Settings.UseJWT, is simplejwt for the tokens: its Settings (SIMPLE_JWT)
	// and Blacklist (simplejwt's token_blacklist app, which Logout blacklists refresh
	// tokens in).
	JWT *simplejwt.Views
	// Tokens is DRF's authtoken table (rest_framework.authtoken installed): Logout deletes
	// the user's token, and without USE_JWT and Settings.NoTokenModel (its Token the
	// TOKEN_MODEL) Login answers the user's token ({"key": ...}; else 204). Nil: the app
	// is not installed, which Django allows only with TOKEN_MODEL None.
	Tokens *restframework.SQLTokens
	// Authentication is the site's DEFAULT_AUTHENTICATION_CLASSES (DRF's default:
	// SessionAuthentication, then BasicAuthentication).
	Authentication []restframework.Authenticator
	// Throttles are the site's DEFAULT_THROTTLE_CLASSES (DRF's default: none), which
	// every view asks; ScopedThrottles are those that count the views whose
	// throttle_scope is "dj_rest_auth" (Login, Logout and the password views): DRF's
	// ScopedRateThrottle in DEFAULT_THROTTLE_CLASSES is a restframework.UserRateThrottle
	// with Scope "dj_rest_auth" and DEFAULT_THROTTLE_RATES["dj_rest_auth"] here.
	Throttles, ScopedThrottles []restframework.Throttle
	// Django is the site's settings: TIME_ZONE and USE_TZ for the expiration times, the
	// email validator of its version, and its 500 page for other errors (nil: Django's
	// defaults, a plain 500).
	Django *django.Settings
	// RESTFramework and Python are the versions of DRF and Python the site runs (see
	// restframework.APIView's).
	RESTFramework, Python string
	// PasswordValidators are AUTH_PASSWORD_VALIDATORS (auth.PasswordValidators builds
	// them), which PasswordChange and PasswordResetConfirm check new passwords with.
	PasswordValidators []auth.PasswordValidator
	// ResetTokens is Django's default_token_generator, which PasswordResetConfirm checks
	// the tokens of password reset links with.
	ResetTokens *auth.PasswordResetTokenGenerator
	// SendMail sends PasswordReset's emails (Django renders its templates
	// registration/password_reset_subject.txt and password_reset_email.html and sends
	// them from DEFAULT_FROM_EMAIL); Site, if set, is django.contrib.sites' current site
	// (nil: the request's host, as Django's RequestSite).
	SendMail func(ctx context.Context, m *auth.PasswordResetEmail) error
	Site     *auth.Site
	// Now, if set, is the clock of the DRF tokens' creation times (the JWT times follow
	// JWT.Settings.Now).
	Now func() time.Time
}

// apiView is one of the views: a DRF APIView with the site's authentication and
// throttles (scoped: its throttle_scope is "dj_rest_auth"), permission perm, the
// metadata actions, answering methods with handle.
func (v *Views) apiView(name, description string, methods []string, perm restframework.Permission, scoped bool,
	actions serializer.Value, handle func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	throttles := v.Throttles
	if scoped {
		throttles = append(slices.Clip(throttles), v.ScopedThrottles...)
	}
	av := &restframework.APIView{Authentication: v.Authentication, Permissions: []restframework.Permission{perm},
		Throttles: throttles, Methods: methods, Name: name, Description: description, Actions: actions, Settings: v.Django,
		RESTFramework: v.RESTFramework, Python: v.Python}
	av.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := v.check()
		if err == nil {
			err = handle(w, r)
		}
		if err != nil {
			restframework.Fail(w, r, err)
		}
	})
	return av
}

// ErrConfig: Views lacks what its settings need (a server error on every request), or
// has settings Django refuses to start with (ImproperlyConfigured: the default
// TOKEN_MODEL without rest_framework.authtoken, or no TOKEN_MODEL, USE_JWT nor
// SESSION_LOGIN).
var ErrConfig = errors.New("restauth: Views needs Settings and Config, with USE_JWT a JWT with its Settings, " +
	"Tokens unless NoTokenModel, and one of a TOKEN_MODEL, USE_JWT and SESSION_LOGIN")

func (v *Views) check() error {
	s := v.Settings
	if s == nil || v.Config == nil || s.UseJWT && (v.JWT == nil || v.JWT.Settings == nil) ||
		!s.NoTokenModel && v.Tokens == nil || s.NoTokenModel && !s.UseJWT && !s.SessionLogin {
		return ErrConfig
	}
	return nil
}

// metadata is SimpleMetadata's actions for method: each field's info, in order.
func metadata(method string, fields ...serializer.Value) serializer.Value {
	d := serializer.NewDict()
	for _, f := range fields {
		name, _ := f.Dict().Get("name")
		n, _ := name.AsStr()
		f.Dict().Delete("name")
		d.Set(n, f)
	}
	a := serializer.NewDict()
	a.Set(method, serializer.DictValue(d))
	return serializer.DictValue(a)
}

// fieldInfo is a field's metadata: kv are its attributes (type, required, read_only,
// label, help_text, max_length), in order.
func fieldInfo(name string, kv ...any) serializer.Value {
	d := serializer.NewDict()
	d.Set("name", serializer.Str(name))
	for i := 0; i+1 < len(kv); i += 2 {
		var v serializer.Value
		switch x := kv[i+1].(type) {
		case string:
			v = serializer.Str(x)
		case bool:
			v = serializer.Bool(x)
		case int:
			v = serializer.Int(int64(x))
		}
		d.Set(kv[i].(string), v)
	}
	return serializer.DictValue(d)
}

// object is a dict of str keys and values, in order.
func object(kv ...any) serializer.Value {
	d := serializer.NewDict()
	for i := 0; i+1 < len(kv); i += 2 {
		switch x := kv[i+1].(type) {
		case string:
			d.Set(kv[i].(string), serializer.Str(x))
		case serializer.Value:
			d.Set(kv[i].(string), x)
		}
	}
	return serializer.DictValue(d)
}

// detail is a {"detail": msg} answer.
func detail(w http.ResponseWriter, r *http.Request, status int, msg string) error {
	return restframework.Response(w, r, status, object("detail", msg))
}

const loginDescription = `Check the credentials and return the REST Token
if the credentials are valid and authenticated.
Calls Django Auth login method to register User ID
in Django session framework

Accept the following POST parameters: username, password
Return the REST Framework Token Object's key.`

// Login is LoginView: a POST of username (or email) and password. The fields are
// checked as LoginSerializer's (optional username and email, the email valid, a
// password); with an email, the user whose email it is (ignoring case; a server error
// when several are) gives the username; then Django's authenticate (over Config's
// backends) finds the user, active, or the answer is 400 {"non_field_errors": ["Unable
// to log in with provided credentials."]}. The user then gets, with USE_JWT, a refresh
// and an access token ({"access", "refresh" ("" with JWT_AUTH_HTTPONLY), "user"}, and
// their cookies), else its DRF token ({"key": ...}; 204 with NoTokenModel); with
// SESSION_LOGIN the session is logged in (auth.Login: a new session key, a new CSRF
// token, last_login).
func (v *Views) Login() http.Handler {
	fields := []restframework.CharField{
		{Name: "username", TrimWhitespace: true, Optional: true, AllowBlank: true},
		{Name: "email", TrimWhitespace: true, Optional: true, AllowBlank: true, Validate: v.validateEmail, Invalid: invalidEmail},
		{Name: "password", TrimWhitespace: true},
	}
	actions := metadata(http.MethodPost,
		fieldInfo("username", "type", "string", "required", false, "read_only", false, "label", "Username"),
		fieldInfo("email", "type", "email", "required", false, "read_only", false, "label", "Email"),
		fieldInfo("password", "type", "string", "required", true, "read_only", false, "label", "Password"))
	return v.apiView("Login", loginDescription, []string{http.MethodPost}, restframework.AllowAny{}, true, actions,
		func(w http.ResponseWriter, r *http.Request) error {
			values, errs, err := restframework.ValidateCharFields(r, fields...)
			if err != nil {
				return err
			}
			if !errs.IsNone() {
				return restframework.Response(w, r, http.StatusBadRequest, errs)
			}
			return v.login(w, r, values[0], values[1], values[2])
		})
}

// validateEmail is EmailField's EmailValidator.
func (v *Views) validateEmail(s string) string {
	ds := v.Django
	if ds == nil {
		d := django.NewSettings()
		ds = &d
	}
	if ds.IsValidEmail(s) {
		return ""
	}
	return invalidEmail
}

// invalidEmail is DRF's EmailField's "invalid" message.
const invalidEmail = "Enter a valid email address."

// ErrMultipleUsers: a login by an email several users have (Django's
// MultipleObjectsReturned, a server error).
var ErrMultipleUsers = errors.New("restauth: get() returned more than one user with the email (MultipleObjectsReturned)")

func (v *Views) login(w http.ResponseWriter, r *http.Request, username, email, password string) error {
	ctx := r.Context()
	if email != "" { // get_auth_user_using_orm
		el, ok := v.Config.Users.(auth.EmailLookup)
		if !ok {
			return fmt.Errorf("restauth: a login by email needs a user source that implements auth.EmailLookup")
		}
		users, err := el.UsersWithEmail(ctx, email)
		if err != nil {
			return err
		}
		switch len(users) {
		case 0:
		case 1:
			username = users[0].Username
		default:
			return ErrMultipleUsers
		}
	}
	var u *auth.User
	var backend string
	if username != "" {
		var err error
		if u, backend, err = auth.AuthenticateBackends(ctx, username, password, v.Config); err != nil {
			return err
		}
	}
	switch {
	case u == nil:
		return nonField(w, r, "Unable to log in with provided credentials.")
	case !u.IsActive:
		return nonField(w, r, "User account is disabled.")
	}
	var data serializer.Value
	var access, refresh string
	switch {
	case v.Settings.UseJWT:
		var err error
		if refresh, access, err = v.JWT.ObtainPair(ctx, u); err != nil {
			return err
		}
	case !v.Settings.NoTokenModel:
		tok, _, err := v.Tokens.GetOrCreate(ctx, u.ID, v.now())
		if err != nil {
			return err
		}
		data = object("key", tok.Key)
	}
	if v.Settings.SessionLogin {
		sess := django.FromContext(ctx)
		if sess == nil {
			return auth.ErrNoSessionMiddleware
		}
		if err := auth.Login(ctx, sess, u, backend, v.Config); err != nil {
			return err
		}
	}
	if !v.Settings.UseJWT {
		status := http.StatusOK
		if data.IsNone() {
			status = http.StatusNoContent
		}
		return restframework.Response(w, r, status, data)
	}
	now := v.JWT.Settings.Now
	at := time.Now()
	if now != nil {
		at = now()
	}
	shown := refresh
	if v.Settings.Cookies.HTTPOnly {
		shown = ""
	}
	user, err := v.userDetails(u)
	if err != nil {
		return err
	}
	data = object("access", access, "refresh", shown, "user", user)
	if v.Settings.ReturnExpiration {
		for _, e := range []struct {
			name     string
			lifetime time.Duration
		}{{"access_expiration", v.JWT.Settings.AccessTokenLifetime}, {"refresh_expiration", v.JWT.Settings.RefreshTokenLifetime}} {
			t, err := restframework.DateTimeField(at.Add(e.lifetime), v.Django)
			if err != nil {
				return err
			}
			data.Dict().Set(e.name, t)
		}
	}
	cookies, err := v.Settings.Cookies.ForSite(v.Django)
	if err == nil {
		err = cookies.SetJWTCookies(w, v.JWT.Settings, access, refresh)
	}
	if err != nil {
		return err
	}
	return restframework.Response(w, r, http.StatusOK, data)
}

func (v *Views) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

// nonField answers a serializer's ValidationError raised in validate: 400
// {"non_field_errors": [msg]}.
func nonField(w http.ResponseWriter, r *http.Request, msg string) error {
	return restframework.Response(w, r, http.StatusBadRequest,
		object("non_field_errors", serializer.List(serializer.Str(msg))))
}

// userDetails is UserDetailsSerializer(u).data: pk, username, email, first_name,
// last_name.
func (v *Views) userDetails(u *auth.User) (serializer.Value, error) {
	pk := serializer.Str(u.ID)
	if v.Config.PK == auth.PKInt {
		n, err := strconv.ParseInt(u.ID, 10, 64)
		if err != nil {
			return serializer.Value{}, fmt.Errorf("restauth: user id %q: %w", u.ID, err)
		}
		pk = serializer.Int(n)
	}
	return object("pk", pk, "username", u.Username, "email", u.Email, "first_name", u.FirstName,
		"last_name", u.LastName), nil
}

const logoutDescription = `Calls Django logout method and delete the Token object
assigned to the current User object.

Accepts/Returns nothing.`

// Logout is LogoutView: a POST (and a GET with LogoutOnGet) logs out: without USE_JWT or
// SESSION_LOGIN, a request that no token authenticated is refused (400); the
// authenticated user's DRF token is deleted; with SESSION_LOGIN, Django's logout (the
// session flushed); the answer is 200 {"detail": "Successfully logged out."}. With
// USE_JWT the JWT cookies are deleted and, with the blacklist (JWT.Blacklist), the
// refresh token (its cookie with JWT_AUTH_HTTPONLY, else the posted "refresh") is
// blacklisted: a token missing is a 401 (and simplejwt blacklists a new token made for
// nobody, as dj-rest-auth's call leads it to), a token simplejwt refuses a 401 with its
// message.
func (v *Views) Logout() http.Handler {
	return v.apiView("Logout", logoutDescription, []string{http.MethodGet, http.MethodPost}, restframework.AllowAny{},
		true, serializer.None(), func(w http.ResponseWriter, r *http.Request) error {
			if r.Method != http.MethodPost && !v.Settings.LogoutOnGet {
				e := *restframework.ErrMethodNotAllowed
				e.Detail = strings.Replace(e.Detail, "{method}", r.Method, 1)
				return &e
			}
			return v.logout(w, r)
		})
}

func (v *Views) logout(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := restframework.FromContext(ctx)
	if a.Auth == nil && !v.Settings.UseJWT && !v.Settings.SessionLogin {
		return detail(w, r, http.StatusBadRequest, "You should be logged in to logout. Check whether the token is passed.")
	}
	if a.User != nil && v.Tokens != nil {
		if err := v.Tokens.DeleteForUser(ctx, a.User.ID); err != nil {
			return err
		}
	}
	if v.Settings.SessionLogin {
		sess := django.FromContext(ctx)
		if sess == nil {
			return auth.ErrNoSessionMiddleware
		}
		if err := auth.Logout(ctx, sess); err != nil {
			return err
		}
	}
	status, msg := http.StatusOK, "Successfully logged out."
	if v.Settings.UseJWT {
		c := &v.Settings.Cookies
		switch {
		case v.JWT.Blacklist != nil:
			var err error
			if status, msg, err = v.blacklist(r); err != nil {
				return err // (an answer without the cookies' deletion, which Django drops)
			}
		case c.AuthCookie == "":
			msg = "Neither cookies or blacklist are enabled, so the token has not been deleted server side. Please make sure the token is deleted client side."
		}
		c.UnsetJWTCookies(w)
	}
	return detail(w, r, status, msg)
}

// blacklist is LogoutView's blacklisting of the refresh token: the answer's status and
// detail.
func (v *Views) blacklist(r *http.Request) (int, string, error) {
	status, msg := http.StatusOK, "Successfully logged out."
	raw := serializer.None() // (RefreshToken(None): a new token)
	c := &v.Settings.Cookies
	missing := "Refresh token was not included in request data." // (a KeyError)
	if c.HTTPOnly {
		missing = "Refresh token was not included in cookie data."
		if s, ok := django.CookieValue(r, c.RefreshCookie); ok && c.RefreshCookie != "" {
			raw = serializer.Str(s)
		} else {
			status, msg = http.StatusUnauthorized, missing
		}
	} else {
		item, found, err := restframework.DataItem(r, "refresh")
		switch {
		case errors.Is(err, restframework.ErrDataNotMapping): // (a TypeError)
			return http.StatusInternalServerError, "An error has occurred.", nil
		case err != nil:
			return 0, "", err
		case found:
			raw = item
		default:
			status, msg = http.StatusUnauthorized, missing
		}
	}
	err := v.JWT.BlacklistRefresh(r.Context(), raw)
	if errors.Is(err, simplejwt.ErrBlacklistNoJTI) {
		// (the KeyError of the blacklist's check is taken for the token's absence: the new
		// token made first is blacklisted)
		status, msg = http.StatusUnauthorized, missing
		err = v.JWT.BlacklistRefresh(r.Context(), serializer.None())
	}
	var te *simplejwt.TokenError
	switch {
	case errors.As(err, &te) && v.Settings.Version == "7.0" &&
		te.Message != "Token is blacklisted" && te.Message != "Token is invalid or expired":
		return http.StatusInternalServerError, "An error has occurred.", nil
	case errors.As(err, &te):
		return http.StatusUnauthorized, te.Message, nil
	case err != nil:
		return 0, "", err
	}
	return status, msg, nil
}

const userDescription = `Reads and updates UserModel fields
Accepts GET, PUT, PATCH methods.

Default accepted fields: username, first_name, last_name
Default display fields: pk, username, email, first_name, last_name
Read-only fields: pk, email

Returns UserModel fields.`

// UserDetails is UserDetailsView, for an authenticated user (IsAuthenticated): GET
// answers {"pk", "username", "email", "first_name", "last_name"}.
func (v *Views) UserDetails() http.Handler {
	pkType := "integer"
	if v.Config != nil && v.Config.PK != auth.PKInt {
		pkType = "field"
	}
	actions := metadata(http.MethodPut,
		fieldInfo("pk", "type", pkType, "required", false, "read_only", true, "label", "ID"),
		fieldInfo("username", "type", "string", "required", true, "read_only", false, "label", "Username",
			"help_text", "Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only.", "max_length", 150),
		fieldInfo("email", "type", "email", "required", false, "read_only", true, "label", "Email address"),
		fieldInfo("first_name", "type", "string", "required", false, "read_only", false, "label", "First name", "max_length", 150),
		fieldInfo("last_name", "type", "string", "required", false, "read_only", false, "label", "Last name", "max_length", 150))
	return v.apiView("User Details", userDescription, []string{http.MethodGet, http.MethodPut, http.MethodPatch},
		restframework.IsAuthenticated{}, false, actions, func(w http.ResponseWriter, r *http.Request) error {
			u := restframework.FromContext(r.Context()).User
			switch r.Method {
			case http.MethodPut, http.MethodPatch:
				return v.updateUser(w, r, u, r.Method == http.MethodPatch)
			}
			data, err := v.userDetails(u)
			if err != nil {
				return err
			}
			return restframework.Response(w, r, http.StatusOK, data)
		})
}

// TokenRefresh is dj-rest-auth's token refresh view (get_refresh_view, with USE_JWT): see
// simplejwt.Views.CookieTokenRefresh, with Settings.Cookies.
func (v *Views) TokenRefresh() http.Handler {
	if v.Settings == nil || v.JWT == nil || v.JWT.Settings == nil {
		return v.apiView("Refresh View With Cookie Support", "", []string{http.MethodPost}, restframework.AllowAny{},
			false, serializer.None(), func(http.ResponseWriter, *http.Request) error { return ErrConfig })
	}
	jv := *v.JWT
	jv.Throttles = v.Throttles
	return jv.CookieTokenRefresh(&v.Settings.Cookies)
}

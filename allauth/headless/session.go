package headless

import (
	"context"
	"fmt"
	"math/big"
	"net/http"
	"strings"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/django/auth/hashers"
	"github.com/djsession/djsession/internal/pystr"
	"github.com/djsession/djsession/serializer"
)

// The session keys of allauth's authentication records and stashed logins.
const (
	authMethodsKey     = "account_authentication_methods"
	authMethodsUserKey = "account_authentication_methods_user"
	loginKey           = "account_login"
)

// EmailSource finds a user's primary email address (allauth's EmailAddress).
type EmailSource interface {
	// PrimaryEmail is the user's primary address, or false when there is none.
	PrimaryEmail(ctx context.Context, userID string) (string, bool, error)
}

// SQLEmailAddresses is allauth's account_emailaddress table, on the user source's
// database.
type SQLEmailAddresses struct {
	users *auth.SQLUserSource
	query string
	table string
}

// NewSQLEmailAddresses returns the table (name "" for "account_emailaddress") on
// users's database.
func NewSQLEmailAddresses(users *auth.SQLUserSource, table string) *SQLEmailAddresses {
	if table == "" {
		table = "account_emailaddress"
	}
	return &SQLEmailAddresses{users: users, table: table, query: fmt.Sprintf(`SELECT %s FROM %s WHERE %s = %s AND %s`,
		users.Quote("email"), users.Quote(table), users.Quote("user_id"), users.Param(1), users.Quote("primary"))}
}

// PrimaryEmail implements EmailSource: the address with primary set (one per user).
func (e *SQLEmailAddresses) PrimaryEmail(ctx context.Context, userID string) (string, bool, error) {
	id, err := e.users.KeyArg(userID)
	if err != nil {
		return "", false, err
	}
	rows, err := e.users.DB().QueryContext(ctx, e.query, id)
	if err != nil {
		return "", false, fmt.Errorf("headless: primary email: %w", err)
	}
	defer rows.Close()
	var emails []string
	for rows.Next() {
		var email string
		if err := rows.Scan(&email); err != nil {
			return "", false, fmt.Errorf("headless: primary email: %w", err)
		}
		emails = append(emails, email)
	}
	switch {
	case rows.Err() != nil:
		return "", false, fmt.Errorf("headless: primary email: %w", rows.Err())
	case len(emails) > 1: // (get_primary's get(): MultipleObjectsReturned)
		return "", false, fmt.Errorf("headless: user %s has %d primary addresses", userID, len(emails))
	case len(emails) == 0:
		return "", false, nil
	}
	return emails[0], true, nil
}

// AddressesByEmail implements EmailAddressSource.
func (e *SQLEmailAddresses) AddressesByEmail(ctx context.Context, email string) ([]EmailAddress, error) {
	u := e.users
	q := fmt.Sprintf(`SELECT %s, %s, %s FROM %s WHERE %s = %s`, u.Quote("user_id"), u.Quote("email"),
		u.Quote("verified"), u.Quote(e.table), u.Quote("email"), u.Param(1))
	rows, err := u.DB().QueryContext(ctx, q, email)
	if err != nil {
		return nil, fmt.Errorf("headless: email addresses: %w", err)
	}
	defer rows.Close()
	var out []EmailAddress
	for rows.Next() {
		var a EmailAddress
		if err := rows.Scan(&a.UserID, &a.Email, &a.Verified); err != nil {
			return nil, fmt.Errorf("headless: email addresses: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// HasVerifiedEmail implements EmailAddressSource.
func (e *SQLEmailAddresses) HasVerifiedEmail(ctx context.Context, userID, email string) (bool, error) {
	u := e.users
	id, err := u.KeyArg(userID)
	if err != nil {
		return false, err
	}
	q := fmt.Sprintf(`SELECT %s FROM %s WHERE %s = %s`, u.Quote("verified"), u.Quote(e.table), u.Quote("user_id"), u.Param(1))
	args := []any{id}
	if email != "" { // (get_for_user: the address, lowercased)
		q += fmt.Sprintf(` AND %s = %s`, u.Quote("email"), u.Param(2))
		args = append(args, pystr.Lower(email))
	} else {
		q += fmt.Sprintf(` AND %s`, u.Quote("verified"))
	}
	rows, err := u.DB().QueryContext(ctx, q, args...)
	if err != nil {
		return false, fmt.Errorf("headless: email addresses: %w", err)
	}
	defer rows.Close()
	verified := false
	for rows.Next() {
		if err := rows.Scan(&verified); err != nil {
			return false, fmt.Errorf("headless: email addresses: %w", err)
		}
	}
	return verified, rows.Err()
}

// SiteDomain is the domain of the Site siteID (SITE_ID) in the django_site table of
// users's database, for Headless.SiteDomain on a site with django.contrib.sites (as
// get_current_site finds it).
func SiteDomain(ctx context.Context, users *auth.SQLUserSource, siteID int64) (string, error) {
	return siteColumn(ctx, users, siteID, "domain")
}

// SiteName is the name of the Site siteID, for Headless.SiteName.
func SiteName(ctx context.Context, users *auth.SQLUserSource, siteID int64) (string, error) {
	return siteColumn(ctx, users, siteID, "name")
}

func siteColumn(ctx context.Context, users *auth.SQLUserSource, siteID int64, column string) (string, error) {
	var v string
	q := fmt.Sprintf(`SELECT %s FROM %s WHERE %s = %s`, users.Quote(column), users.Quote("django_site"),
		users.Quote("id"), users.Param(1))
	if err := users.DB().QueryRowContext(ctx, q, siteID).Scan(&v); err != nil {
		return "", fmt.Errorf("headless: the Site %d: %w", siteID, err)
	}
	return v, nil
}

// SQLAuthenticators is allauth.mfa's mfa_authenticator table, on the user source's
// database.
type SQLAuthenticators struct {
	users *auth.SQLUserSource
	table string
}

// NewSQLAuthenticators returns the table (name "" for "mfa_authenticator") on users's
// database.
func NewSQLAuthenticators(users *auth.SQLUserSource, table string) *SQLAuthenticators {
	if table == "" {
		table = "mfa_authenticator"
	}
	return &SQLAuthenticators{users: users, table: table}
}

// HasAuthenticator implements AuthenticatorSource.
func (a *SQLAuthenticators) HasAuthenticator(ctx context.Context, userID string, types ...string) (bool, error) {
	u := a.users
	id, err := u.KeyArg(userID)
	if err != nil {
		return false, err
	}
	marks := make([]string, len(types))
	args := []any{id}
	for i, t := range types {
		marks[i] = u.Param(i + 2)
		args = append(args, t)
	}
	q := fmt.Sprintf(`SELECT 1 FROM %s WHERE %s = %s AND %s IN (%s)`, u.Quote(a.table), u.Quote("user_id"), u.Param(1),
		u.Quote("type"), strings.Join(marks, ", "))
	rows, err := u.DB().QueryContext(ctx, q, args...)
	if err != nil {
		return false, fmt.Errorf("headless: authenticators: %w", err)
	}
	defer rows.Close()
	found := rows.Next()
	return found, rows.Err()
}

// truthyPK reports whether Python takes the user key id as true (not 0, not "").
func (h *Headless) truthyPK(id string) bool {
	return id != "" && !(h.Config.PK == auth.PKInt && id == "0")
}

// SerializeUser is the headless adapter's serialize_user: {"id", "display", "email",
// "has_usable_password", "username"}, those that are "" left out: the id an int for an
// integer primary key, the display the username (user_display's default), the email
// the primary address (Emails) or else the user's own (UserModelEmailField), lowercased.
// A user whose pk Python takes as false (0, "") has neither id nor email, as in allauth.
func (h *Headless) SerializeUser(ctx context.Context, u *auth.User) (*serializer.Dict, error) {
	d := serializer.NewDict()
	pk := h.truthyPK(u.ID)
	id := serializer.Str(u.ID)
	if h.Config.PK == auth.PKInt {
		n, ok := new(big.Int).SetString(u.ID, 10)
		if !ok {
			return nil, fmt.Errorf("headless: user id %q is not an int", u.ID)
		}
		id = serializer.BigInt(n)
	}
	if pk {
		d.Set("id", id)
	}
	display := u.Username
	if display == "" {
		display = "user" // (force_str(user) is the username too; then the model's verbose name)
	}
	d.Set("display", serializer.Str(display))
	email := ""
	if pk {
		found := false
		if h.Emails != nil {
			e, ok, err := h.Emails.PrimaryEmail(ctx, u.ID)
			if err != nil {
				return nil, err
			}
			email, found = e, ok
		}
		if !found && h.Settings.UserModelEmailField != "" {
			email = pystr.Lower(u.Email) // (user_email)
		}
	}
	if email != "" {
		d.Set("email", serializer.Str(email))
	}
	d.Set("has_usable_password", serializer.Bool(hashers.IsPasswordUsable(u.PasswordHash)))
	if h.Settings.UserModelUsernameField != "" && u.Username != "" {
		d.Set("username", serializer.Str(u.Username))
	}
	return d, nil
}

// AuthenticationRecords is allauth's get_authentication_records: how the user logged
// in to the session (account_authentication_methods, when recorded for this user).
func AuthenticationRecords(s *django.Session, u *auth.User) serializer.Value {
	none := serializer.List()
	if u == nil || u.ID == "" {
		return none
	}
	if stored, _ := s.GetString(authMethodsUserKey); stored != u.ID {
		return none
	}
	v, ok := s.Get(authMethodsKey)
	if !ok || v.Kind() != serializer.KindList {
		return none
	}
	return v
}

// authenticationResponse is allauth's AuthenticationResponse for the request's user:
// its data and methods with a 200, or the flows of an anonymous session with a 401.
func (h *Headless) authenticationResponse(w http.ResponseWriter, r *http.Request, c *appContext, u *auth.User) error {
	status := http.StatusOK
	data := serializer.NewDict()
	if u == nil {
		flows, err := h.flows(r.Context(), c.session, true)
		if err != nil {
			return err
		}
		data.Set("flows", flows)
		status = http.StatusUnauthorized
	} else {
		user, err := h.SerializeUser(r.Context(), u)
		if err != nil {
			return err
		}
		data.Set("user", serializer.DictValue(user))
		data.Set("methods", AuthenticationRecords(c.session, u))
	}
	meta := serializer.NewDict()
	meta.Set("is_authenticated", serializer.Bool(u != nil))
	// (the session token after is_authenticated, as allauth adds it)
	if _, err := c.withSessionMeta(r, meta); err != nil {
		return err
	}
	if c.exposeTokens(u) { // (expose_access_token)
		p, err := h.AccessTokenPayload(u, c.session)
		if err != nil {
			return err
		}
		if p != nil {
			for k, v := range p.All() {
				meta.SetKey(k, v)
			}
		}
	}
	h.apiResponse(w, r, status, serializer.DictValue(data), serializer.DictValue(meta), serializer.None())
	return nil
}

// flows is _get_flows for a request without a user: UnauthenticatedFlows, and the
// pending flow: the stage a stashed login waits at when the session is anonymous (with
// the types of the user's authenticators for the second factor's), or the one
// account_login names when it is a str.
func (h *Headless) flows(ctx context.Context, s *django.Session, anonymous bool) (serializer.Value, error) {
	if err := h.Settings.flowsErr; err != nil {
		return serializer.None(), err
	}
	out := make([]serializer.Value, 0, len(h.Settings.UnauthenticatedFlows)+1)
	for _, f := range h.Settings.UnauthenticatedFlows {
		d := serializer.NewDict()
		d.Set("id", serializer.Str(f))
		out = append(out, serializer.DictValue(d))
	}
	var l *stashedLogin
	if anonymous { // (get_pending_stage: only for an anonymous request.user)
		var err error
		if l, err = h.unstashLogin(ctx, s); err != nil {
			return serializer.None(), err
		}
	}
	key := ""
	if l != nil {
		key = h.pendingStage(l)
	}
	if key == "" {
		if v, ok := s.Get(loginKey); ok {
			key, _ = v.AsStr()
		}
	}
	if key == "" {
		return h.withResetFlow(s, out)
	}
	pending := serializer.NewDict()
	pending.Set("id", serializer.Str(key))
	pending.Set("is_pending", serializer.Bool(true))
	if l != nil && key == stageMFAAuthenticate { // (_enrich_mfa_flow)
		types, err := h.mfaTypes(ctx, l.user)
		if err != nil {
			return serializer.None(), err
		}
		pending.Set("types", types)
	}
	return h.withResetFlow(s, upsertFlow(out, pending))
}

// withResetFlow is the end of _get_flows: with ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED
// (and not SOCIALACCOUNT_ONLY), the "password_reset_by_code" flow appended, pending
// while the session's process is (resume, which drops one too old).
func (h *Headless) withResetFlow(s *django.Session, flows []serializer.Value) (serializer.Value, error) {
	if !h.Settings.PasswordResetByCodeEnabled || h.Settings.SocialAccountOnly {
		return serializer.List(flows...), nil
	}
	state, err := h.pendingResetCode(s)
	if err != nil {
		return serializer.None(), err
	}
	d := serializer.NewDict()
	d.Set("id", serializer.Str("password_reset_by_code"))
	d.Set("is_pending", serializer.Bool(state != nil))
	return serializer.List(append(flows, serializer.DictValue(d))...), nil
}

const allowSession = "GET, DELETE, HEAD, OPTIONS"

// SessionView is the app client's session endpoint (allauth's SessionView, at
// _allauth/app/v1/auth/session): GET (and HEAD) answers the session's user
// ({"status": 200, "data": {"user": ..., "methods": [...]}, "meta": {"is_authenticated":
// true}}) or the flows of an anonymous session (a 401), among them the stage a login
// waits at ({"id": "mfa_authenticate", "is_pending": true, "types": [...]}, say);
// DELETE logs the session out (Django's logout: the session flushed, so its session
// token and refresh tokens are gone) and answers the 401; a session token of no session
// gets allauth's 410.
func (h *Headless) SessionView() http.Handler {
	return h.appView(h.serveSession, nil)
}

// BrowserSessionView is the browser client's session endpoint (allauth's SessionView at
// _allauth/browser/v1/auth/session), for a single-page app on the site: SessionView's
// answers for the request's own session (its cookie), no session tokens. Put it behind
// the session middleware (django.Middleware) and the CSRF middleware
// (django.CSRFMiddleware, not exempting it: a DELETE needs the CSRF token, as allauth's
// browser views do); like allauth's, it hands the CSRF cookie out (get_token).
func (h *Headless) BrowserSessionView() http.Handler {
	return h.browserView(h.serveSession, nil)
}

// browserView is a browser client's view around serve: the request's own session (the
// session middleware's), the CSRF cookie handed out (get_token), serve, and fallback
// for a request this package hands on (ErrLoginStage).
func (h *Headless) browserView(serve func(http.ResponseWriter, *http.Request, *appContext) error, fallback http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ds := h.Sessions.Settings()
		r = upperMethod(r)
		s := django.FromContext(r.Context())
		if err := h.check(); err != nil || s == nil {
			ds.Log().Error("headless: a browser view needs the session middleware", "error", err)
			ds.ServerError(w, r)
			return
		}
		if _, err := django.CSRFToken(r); err != nil {
			h.fail(w, r, err)
			return
		}
		evaluated, _ := r.Context().Value(userEvaluatedKey{}).(bool)
		err := serve(w, r, &appContext{session: s, browser: true, userEvaluated: evaluated})
		switch {
		case forFallback(err) && fallback != nil:
			fallback.ServeHTTP(w, r)
		case err != nil:
			h.fail(w, r, err)
		}
	})
}

// serveSession is RESTView.handle and SessionView's methods.
func (h *Headless) serveSession(w http.ResponseWriter, r *http.Request, c *appContext) error {
	if ok, err := h.restParse(w, r); err != nil || !ok {
		return err
	}
	ctx := r.Context()
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		u, err := h.SessionUser(ctx, c.session)
		if err != nil {
			return err
		}
		return h.authenticationResponse(w, r, c, u)
	case http.MethodDelete:
		if err := auth.Logout(ctx, c.session); err != nil {
			return err
		}
		return h.authenticationResponse(w, r, c, nil)
	case http.MethodOptions:
		emptyResponse(w, http.StatusOK, allowSession)
		return nil
	}
	emptyResponse(w, http.StatusMethodNotAllowed, allowSession)
	return nil
}

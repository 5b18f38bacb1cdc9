package headless

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/internal/pystr"
	"github.com/djsession/djsession/serializer"
)

// RequestPasswordResetView is the app client's request for a password reset
// (allauth's RequestPasswordResetView, at _allauth/app/v1/auth/password/request):
// POST {"email": ...} finds the active users of the address as allauth does
// (filter_users_by_email, verified addresses first), counts the "reset_password" rate
// (per client and per address: a 429), and mails each user a link
// ("account/email/password_reset_key", through Headless.Mailer) whose key is
// "<user_pk_to_url_str>-<token>": a token of allauth's
// EmailAwarePasswordResetTokenGenerator (Django's default_token_generator over the
// user's addresses too), at HEADLESS_FRONTEND_URLS["account_reset_password_from_key"]
// with the key in its "{key}". It answers {"status": 200}. An address of no user gets
// the same answer (ACCOUNT_PREVENT_ENUMERATION; its mail is
// "account/email/unknown_account" with ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS), or
// "unknown_email" without enumeration prevention. ResetPasswordView, Go's or Django's,
// takes the key. With ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED, the first user is
// mailed a code ("account/email/password_reset_code") and allauth's process kept in
// the session (PasswordResetVerificationProcess), answered as allauth's 401 with the
// pending "password_reset_by_code" flow. Without a Mailer the request goes to
// fallback (ErrLoginStage).
func (h *Headless) RequestPasswordResetView(fallback http.Handler) http.Handler {
	return h.appView(h.serveRequestPasswordReset, fallback)
}

// BrowserRequestPasswordResetView is the browser client's
// (_allauth/browser/v1/auth/password/request): RequestPasswordResetView's answers,
// behind the session and CSRF middleware.
func (h *Headless) BrowserRequestPasswordResetView(fallback http.Handler) http.Handler {
	return h.browserView(h.serveRequestPasswordReset, fallback)
}

// ResetPasswordView is the app client's password reset by key (allauth's
// ResetPasswordView, at _allauth/app/v1/auth/password/reset), which counts the
// "reset_password_from_key" rate (per client: a 429) for any method. GET reads the key
// of the X-Password-Reset-Key header and answers the key's user ({"user": ...}), or
// allauth's 400 ("invalid_password_reset"). POST {"key": ..., "password": ...} checks
// the key, validates the new password as ChangePasswordView does, sets it (the user's
// sessions, on both sides, logged out by its new hash), clears the failed logins'
// rate of each of the user's addresses, and answers as allauth's
// AuthenticationResponse; with ACCOUNT_LOGIN_ON_PASSWORD_RESET the session logs the
// user in (the authentication recorded as "password_reset"), or stashes the login at
// the second factor. With ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED, the key is the code
// of the session's process (a 409 without one, or with one older than
// ACCOUNT_PASSWORD_RESET_BY_CODE_TIMEOUT): GET confirms it (verifying its address),
// wrong ones are counted up to ACCOUNT_PASSWORD_RESET_BY_CODE_MAX_ATTEMPTS, which
// drops the process, and POST ends the process with the reset (the login's address
// the code's). A login that would meet another stage (a login code, a mandatory
// address to verify), ACCOUNT_EMAIL_NOTIFICATIONS without a Mailer (the notification
// "account/email/password_reset") and a code's address to verify with
// ACCOUNT_CHANGE_EMAIL send the request to fallback (ErrLoginStage), nothing written
// and the rate taken back.
func (h *Headless) ResetPasswordView(fallback http.Handler) http.Handler {
	return h.appView(h.serveResetPassword, fallback)
}

// BrowserResetPasswordView is the browser client's
// (_allauth/browser/v1/auth/password/reset): ResetPasswordView's answers for the
// request's own session, behind the session and CSRF middleware.
func (h *Headless) BrowserResetPasswordView(fallback http.Handler) http.Handler {
	return h.browserView(h.serveResetPassword, fallback)
}

// PasswordResetEmails is what allauth's EmailAwarePasswordResetTokenGenerator reads of
// a user's addresses to make and check a token (SQLEmailAddresses implements it).
type PasswordResetEmails interface {
	// SyncEmailAddress is sync_email_address(user, email): a row of the user's
	// address email (not verified, not primary) added when the user has none of it,
	// compared as the database compares.
	SyncEmailAddress(ctx context.Context, userID, email string) error
	// UserEmails are the addresses of the user's rows.
	UserEmails(ctx context.Context, userID string) ([]string, error)
}

// SyncEmailAddress implements PasswordResetEmails, in the statements Django's
// get_or_create makes (no transaction: allauth's autocommit).
func (e *SQLEmailAddresses) SyncEmailAddress(ctx context.Context, userID, email string) error {
	u := e.users
	id, err := u.KeyArg(userID)
	if err != nil {
		return err
	}
	t := u.Quote(e.table)
	var n int
	q := fmt.Sprintf(`SELECT COUNT(*) FROM %s WHERE %s = %s AND %s = %s`, t, u.Quote("user_id"), u.Param(1),
		u.Quote("email"), u.Param(2))
	if err := u.DB().QueryRowContext(ctx, q, id, email).Scan(&n); err != nil {
		return fmt.Errorf("headless: email addresses: %w", err)
	}
	if n > 0 {
		return nil
	}
	ins := fmt.Sprintf(`INSERT INTO %s (%s, %s, %s, %s) VALUES (%s, %s, %s, %s)`, t, u.Quote("email"),
		u.Quote("verified"), u.Quote("primary"), u.Quote("user_id"), u.Param(1), u.Param(2), u.Param(3), u.Param(4))
	if _, err := u.DB().ExecContext(ctx, ins, email, false, false, id); err != nil {
		return fmt.Errorf("headless: email addresses: %w", err)
	}
	return nil
}

// UserEmails implements PasswordResetEmails.
func (e *SQLEmailAddresses) UserEmails(ctx context.Context, userID string) ([]string, error) {
	return e.emails(ctx, userID, "")
}

// resetCheck refuses settings the password reset views cannot follow.
func (h *Headless) resetCheck() error {
	if err := h.Settings.resetErr; err != nil {
		return err
	}
	if _, ok := h.Emails.(PasswordResetEmails); !ok {
		return errors.New("headless: the password reset views need the Emails' addresses (a PasswordResetEmails)")
	}
	return h.loginCheck()
}

// resetTokens are allauth's EmailAwarePasswordResetTokenGenerator: Django's
// default_token_generator of the site's settings.
func (h *Headless) resetTokens() (*auth.PasswordResetTokenGenerator, error) {
	ds := h.Sessions.Settings()
	return auth.NewPasswordResetTokenGenerator(&ds)
}

// resetTokenExtra is what EmailAwarePasswordResetTokenGenerator adds to the token's hash
// value: the user's own address, lowercased (added to its rows first:
// sync_user_email_address)
// and those of its rows, each once, sorted, joined by "|".
func (h *Headless) resetTokenExtra(ctx context.Context, u *auth.User) (string, error) {
	src := h.Emails.(PasswordResetEmails)
	var emails []string
	if own := pystr.Lower(u.Email); h.Settings.UserModelEmailField != "" && own != "" { // (user_email: lowercased)
		if err := src.SyncEmailAddress(ctx, u.ID, own); err != nil {
			return "", err
		}
		emails = append(emails, own)
	}
	rows, err := src.UserEmails(ctx, u.ID)
	if err != nil {
		return "", err
	}
	emails = append(emails, rows...)
	slices.Sort(emails) // (code points: UTF-8's byte order)
	return strings.Join(slices.Compact(emails), "|"), nil
}

// serveRequestPasswordReset is RESTView.handle with RequestPasswordResetInput, and
// RequestPasswordResetView.post.
func (h *Headless) serveRequestPasswordReset(w http.ResponseWriter, r *http.Request, c *appContext) error {
	if err := h.resetCheck(); err != nil {
		return err
	}
	if h.Mailer == nil {
		return ErrLoginStage
	}
	data, ok, err := h.restInput(w, r)
	if err != nil || !ok {
		return err
	}
	ctx := r.Context()
	email, errs := h.emailField(data, "email")
	if len(errs) == 0 && email == "" {
		errs = append(errs, fieldError("This field is required.", "required", "email"))
	}
	var users []*auth.User
	if len(errs) == 0 { // (clean_email)
		if users, err = h.activeUsersByEmail(ctx, email); err != nil {
			return err
		}
		if len(users) == 0 && !h.Settings.PreventEnumeration {
			errs = append(errs, fieldError("The email address is not assigned to any user account.", "unknown_email", "email"))
		}
	}
	if len(errs) > 0 {
		return h.metaResponse(w, r, c, http.StatusBadRequest, serializer.List(errs...))
	}
	if !restPost(w, r) {
		return nil
	}
	if _, ok, err := h.consume(ctx, r, "reset_password", email, ""); err != nil {
		return err
	} else if !ok {
		return h.metaResponse(w, r, c, http.StatusTooManyRequests, serializer.None())
	}
	if h.Settings.PasswordResetByCodeEnabled {
		var u *auth.User
		if len(users) > 0 {
			u = users[0]
		}
		if err := h.initiateResetCode(r, c.session, u, email); err != nil {
			return err
		}
		su, err := h.SessionUser(ctx, c.session)
		if err != nil {
			return err
		}
		return h.authenticationResponse(w, r, c, su)
	}
	// request_password_reset
	if len(users) == 0 {
		if err := h.unknownAccountMail(ctx, r, email); err != nil {
			return err
		}
	}
	tokens, err := h.resetTokens()
	if err != nil {
		return err
	}
	for _, u := range users {
		extra, err := h.resetTokenExtra(ctx, u)
		if err != nil {
			return err
		}
		token, err := tokens.MakeTokenExtra(u, extra)
		if err != nil {
			return err
		}
		uid, err := h.userPKToURLStr(u.ID)
		if err != nil {
			return err
		}
		key := uid + "-" + token
		link, err := h.frontendURL(r, "account_reset_password_from_key", "key", key)
		if err != nil {
			return err
		}
		mc := map[string]any{"user": u, "password_reset_url": link, "uid": uid, "key": token}
		if slices.Contains(h.Settings.LoginMethods, "username") {
			mc["username"] = u.Username // (user_username)
		}
		if err := h.Mailer.SendMail(ctx, Mail{TemplatePrefix: "account/email/password_reset_key", Email: email, Context: mc}); err != nil {
			return err
		}
	}
	return h.metaResponse(w, r, c, http.StatusOK, serializer.None())
}

// activeUsersByEmail is filter_users_by_email(email, is_active=True,
// prefer_verified=True, for_login=True): the active users of the address, in a set's
// order.
func (h *Headless) activeUsersByEmail(ctx context.Context, email string) ([]*auth.User, error) {
	users, err := h.usersByEmail(ctx, email)
	if err != nil {
		return nil, err
	}
	var active []*auth.User
	for _, u := range users {
		if u.IsActive {
			active = append(active, u)
		}
	}
	return pySet(active), nil
}

// unknownAccountMail is send_unknown_account_mail: "account/email/unknown_account" to
// an address of no user, with ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS.
func (h *Headless) unknownAccountMail(ctx context.Context, r *http.Request, email string) error {
	if !h.Settings.EmailUnknownAccounts {
		return nil
	}
	signup, err := h.frontendURL(r, "account_signup")
	if err != nil {
		return err
	}
	return h.Mailer.SendMail(ctx, Mail{TemplatePrefix: "account/email/unknown_account", Email: email,
		Context: map[string]any{"signup_url": signup}})
}

// resetKeyUser is ResetPasswordKeyInput's clean_key for a link's key (UserTokenForm):
// the key's user when its token is good for the user, else nil.
func (h *Headless) resetKeyUser(ctx context.Context, key string) (*auth.User, error) {
	uidb36, token, _ := strings.Cut(key, "-")
	uidb36, token = pystr.Strip(uidb36), pystr.Strip(token) // (CharFields)
	switch {
	case token == "":
		return nil, nil
	case uidb36 == "": // (base36_to_int(None): a TypeError)
		return nil, errors.New("headless: a password reset key without its user")
	}
	id, ok, err := h.urlStrToUserPK(uidb36)
	if err != nil || !ok {
		return nil, err
	}
	u, err := h.userByPK(ctx, id)
	if err != nil || u == nil || !auth.IsWellFormedToken(token) {
		return nil, err
	}
	extra, err := h.resetTokenExtra(ctx, u)
	if err != nil {
		return nil, err
	}
	tokens, err := h.resetTokens()
	if err != nil {
		return nil, err
	}
	if !tokens.CheckTokenExtra(u, token, extra) {
		return nil, nil
	}
	return u, nil
}

// allowGetPost is the Allow header of the views of get and post (and View's head):
// ResetPasswordView, VerifyEmailView.
const allowGetPost = "GET, POST, HEAD, OPTIONS"

// serveResetPassword is the "reset_password_from_key" rate limit, RESTView.handle with
// ResetPasswordInput, and ResetPasswordView's get and post.
func (h *Headless) serveResetPassword(w http.ResponseWriter, r *http.Request, c *appContext) error {
	if err := h.resetCheck(); err != nil {
		return err
	}
	ctx := r.Context()
	usage, ok, err := h.consume(ctx, r, "reset_password_from_key", "", "")
	if err != nil {
		return err
	} else if !ok {
		return h.metaResponse(w, r, c, http.StatusTooManyRequests, serializer.None())
	}
	err = h.resetPassword(w, r, c)
	if errors.Is(err, ErrLoginStage) { // (handed on whole)
		if rerr := h.rollback(ctx, usage); rerr != nil {
			return rerr
		}
	}
	return err
}

// resetPassword is ResetPasswordView.handle once its rate is counted.
func (h *Headless) resetPassword(w http.ResponseWriter, r *http.Request, c *appContext) error {
	ctx := r.Context()
	var state *serializer.Dict // (the process of a reset by code)
	var pu *auth.User          // (its user)
	if h.Settings.PasswordResetByCodeEnabled {
		var err error
		if state, err = h.pendingResetCode(c.session); err != nil {
			return err
		} else if state == nil {
			return h.metaResponse(w, r, c, http.StatusConflict, serializer.None())
		}
		if pu, err = h.codeUser(ctx, nil, state); err != nil {
			return err
		}
	}
	if r.Method == http.MethodGet {
		return h.serveResetKey(w, r, c, state, pu)
	}
	data, ok, err := h.jsonBody(r)
	if err != nil {
		return err
	} else if !ok {
		emptyResponse(w, http.StatusBadRequest, "")
		return nil
	}
	var errs []serializer.Value
	u := pu
	var ferr serializer.Value
	if state != nil { // (ResetPasswordKeyInput's _clean_key_code)
		if ferr, err = h.codeInput(data, state, "key"); err != nil {
			return err
		}
	} else {
		var key string
		if key, ferr = charField(data, "key"); ferr.IsNone() {
			if u, err = h.resetKeyUser(ctx, key); err != nil {
				return err
			} else if u == nil {
				ferr = fieldError("The password reset token was invalid.", "invalid_password_reset", "key")
			}
		}
	}
	if !ferr.IsNone() {
		errs = append(errs, ferr)
	}
	password, perr := charField(data, "password")
	if !perr.IsNone() {
		errs = append(errs, perr)
	} else if u != nil {
		for _, e := range h.cleanPassword(password, u) {
			errs = append(errs, fieldError(e.Message, e.Code, "password"))
		}
	}
	if len(errs) > 0 {
		if state != nil && !ferr.IsNone() { // (handle_invalid_input: record_invalid_attempt)
			if err := h.resetCodeFailed(c.session, state); err != nil {
				return err
			}
		}
		return h.metaResponse(w, r, c, http.StatusBadRequest, serializer.List(errs...))
	}
	switch r.Method {
	case http.MethodPost:
	case http.MethodHead: // (View's head is its get)
		return h.serveResetKey(w, r, c, state, pu)
	case http.MethodOptions:
		emptyResponse(w, http.StatusOK, allowGetPost)
		return nil
	default:
		emptyResponse(w, http.StatusMethodNotAllowed, allowGetPost)
		return nil
	}
	if u == nil { // (reset_password of no user: an AttributeError)
		return fmt.Errorf("%w: a password reset code of no user", errStash)
	}
	// A reset by code: its address (the login's; any value, as finish passes it on),
	// and whether confirm_code is still to verify it.
	email := serializer.None()
	hasEmail, confirming := false, false
	if state != nil {
		email, hasEmail = state.Get("email")
		v, _ := state.Get("code_confirmed")
		confirming = !v.Truthy()
	}
	addr, _ := email.AsStr()
	// The requests handed on whole, decided before anything is written: the stages a
	// login after the reset meets, an address confirm_code would verify elsewhere.
	s := h.Settings
	var next *stashedLogin
	stop := ""
	handOn := h.notificationsHandOn() // (send_notification_mail without a Mailer)
	if s.LoginOnPasswordReset && u.IsActive && !handOn {
		if next, err = h.newLogin(u, addr, nil); err != nil {
			return err
		}
		if email.Truthy() { // (Login(email=...) keeps any value)
			next.d.Set("email", email)
		}
		if err := next.setUp(s.loginStages()); err != nil {
			return err
		}
		if stop, err = h.nextStage(ctx, c.session, next, "password_reset", ""); err != nil {
			return err
		}
		handOn = stop != "" && (stop != stageMFAAuthenticate || s.mfaErr != nil || s.mfaStageFollowed()) &&
			!(stop == stageVerifyEmail && h.verifyMailHandsOn() && (!email.Truthy() || email.Kind() == serializer.KindStr))
		if stop == stageVerifyEmail && !handOn {
			e, _ := email.AsStr()
			if handOn, err = h.verifyCodeHandsOn(r, u, e); err != nil {
				return err
			}
		}
	}
	if !handOn && confirming && email.Kind() == serializer.KindStr {
		if handOn, err = h.verifyHandsOn(ctx, u, addr); err != nil {
			return err
		}
	}
	if handOn {
		return ErrLoginStage
	}
	if hasSurrogate(password) { // (set_password cannot encode it: a 500)
		return errors.New("headless: a new password holding a lone surrogate")
	}
	// (an app's user, as allauth's authentication_context found it before the new
	// password, is the answer's unless the reset logs one in; a browser's is found
	// lazily, after it: a session of the user is then logged out; unless the
	// middleware of allauth.usersessions found it first)
	var su *auth.User
	if !c.browser || c.userEvaluated {
		if su, err = h.SessionUser(ctx, c.session); err != nil {
			return err
		}
	}
	if err := auth.SetPassword(ctx, u, password, h.Config); err != nil {
		return err
	}
	if state != nil {
		if confirming { // (confirm_code: the state kept confirmed, then the address verified)
			if err := h.confirmResetCode(r, c.session, u, state); err != nil {
				return err
			}
		}
		c.session.Pop(resetCodeKey) // (finish)
		if !hasEmail {
			return fmt.Errorf("%w: a password reset code's state without its address", errStash)
		}
	}
	// finalize_password_reset: the failed logins of each address forgotten.
	emails, err := h.Emails.(PasswordResetEmails).UserEmails(ctx, u.ID)
	if err != nil {
		return err
	}
	site, err := h.siteDomain(r)
	if err != nil {
		return err
	}
	for _, e := range emails {
		if err := h.clearRate(ctx, r, "login_failed", site+":"+pystr.Lower(e)); err != nil {
			return err
		}
	}
	if err := h.notify(ctx, r, "account/email/password_reset", u); err != nil {
		return err
	}
	if s.LoginOnPasswordReset { // (perform_password_reset_login)
		var extra *serializer.Dict
		if email.Truthy() {
			extra = serializer.NewDict()
			extra.Set("email", email)
		}
		h.record(c.session, u, "password_reset", extra)
		if err := h.resetLogin(r, c, u, next, stop); err != nil {
			return err
		}
		if c.loggedIn {
			su = u
		}
	}
	if c.browser && !c.userEvaluated && !c.loggedIn {
		if su, err = h.SessionUser(ctx, c.session); err != nil {
			return err
		}
	}
	return h.authenticationResponse(w, r, c, su)
}

// serveResetKey is ResetPasswordView.get: the key of the X-Password-Reset-Key header
// (as WSGI decodes a header, latin-1) checked, its user's data answered; with a
// process of a reset by code (state, its user pu), the key is its code.
func (h *Headless) serveResetKey(w http.ResponseWriter, r *http.Request, c *appContext, state *serializer.Dict, pu *auth.User) error {
	data := serializer.NewDict()
	data.Set("key", serializer.Str(pystr.Latin1(r.Header.Get("X-Password-Reset-Key"))))
	if state != nil {
		return h.serveResetCode(w, r, c, data, state, pu)
	}
	key, ferr := charField(data, "key")
	if !ferr.IsNone() {
		return h.metaResponse(w, r, c, http.StatusBadRequest, serializer.List(ferr))
	}
	u, err := h.resetKeyUser(r.Context(), key)
	if err != nil {
		return err
	}
	if u == nil {
		return h.metaResponse(w, r, c, http.StatusBadRequest,
			serializer.List(fieldError("The password reset token was invalid.", "invalid_password_reset", "key")))
	}
	return h.userDataResponse(w, r, c, u)
}

// resetLogin is perform_login of a new login of u (next, whose stages stop at stop):
// an inactive user's login dropped (pre_login), the login stashed at the second
// factor, or at its address's verification (the link mailed), or the session logged
// in.
func (h *Headless) resetLogin(r *http.Request, c *appContext, u *auth.User, next *stashedLogin, stop string) error {
	switch {
	case !u.IsActive:
		clearLogin(c.session)
		return nil
	case stop == stageMFAAuthenticate || stop == stageVerifyEmail:
		if err := next.advance(h.Settings.loginStages(), stop); err != nil {
			return err
		}
		if stop == stageVerifyEmail {
			ev, _ := next.d.Get("email")
			email, _ := ev.AsStr() // (a string, or none: resetPassword checked it)
			if err := h.mailLoginVerification(r, c.session, u, email, false); err != nil {
				return err
			}
		}
		return h.stashLogin(c.session, next)
	}
	return h.completeLogin(r, c, u)
}

// adapterLogin is resume_login's end, no stage left: the login popped (pop_login) and
// the session logged in as u by backend (adapter.login; for an app, no new CSRF
// cookie: authentication_context).
func (h *Headless) adapterLogin(r *http.Request, c *appContext, u *auth.User, backend string) error {
	ctx := r.Context()
	c.session.Pop(loginKey)
	if err := auth.Login(ctx, c.session, u, backend, h.Config); err != nil {
		return err
	}
	c.loggedIn = true
	if !c.browser {
		django.CancelCSRFCookieUpdate(ctx)
	}
	return h.recordLogin(r, c, u) // (post_login's user_logged_in)
}

// completeLogin is the end of resume_login, no stage left: the login popped, the
// session logged in as u (adapter.login), and adapter.post_login's
// AuthenticationResponse.
func (h *Headless) completeLogin(r *http.Request, c *appContext, u *auth.User) error {
	if err := h.adapterLogin(r, c, u, h.loginBackend()); err != nil {
		return err
	}
	if c.exposeTokens(u) {
		// (adapter.post_login's AuthenticationResponse, which the view drops for one of
		// its own: the session saved by its expose_session_token, its refresh token
		// recorded all the same)
		if _, err := c.meta(r); err != nil {
			return err
		}
		if _, err := h.AccessTokenPayload(u, c.session); err != nil {
			return err
		}
	}
	return nil
}

// userDataResponse is a 200 of {"user": the user serialized} (PasswordResetKeyResponse).
func (h *Headless) userDataResponse(w http.ResponseWriter, r *http.Request, c *appContext, u *auth.User) error {
	ud, err := h.SerializeUser(r.Context(), u)
	if err != nil {
		return err
	}
	data := serializer.NewDict()
	data.Set("user", serializer.DictValue(ud))
	return h.dataResponse(w, r, c, http.StatusOK, serializer.DictValue(data), serializer.None())
}

// siteDomain is the failed logins' site: Headless.SiteDomain, else the request's host
// (get_current_site without django.contrib.sites).
func (h *Headless) siteDomain(r *http.Request) (string, error) {
	if h.SiteDomain != "" {
		return h.SiteDomain, nil
	}
	ds := h.Sessions.Settings()
	return ds.GetHost(r)
}

// renderURL is render_url's substitution of "{name}" by value in a frontend URL: quoted
// as a query parameter's value after the "?", as a path's text before it.
func renderURL(u, name, value string) (string, bool) {
	ph := "{" + name + "}"
	ki := strings.Index(u, ph)
	if ki < 0 {
		return "", false
	}
	qi := strings.IndexByte(u, '?')
	var q string
	if qi >= 0 && ki > qi {
		q = url.QueryEscape(value)
	} else {
		q = pyQuote(value, "/")
	}
	return strings.ReplaceAll(u, ph, q), true
}

// resetCodeKey is the session key of a password reset by code.
const resetCodeKey = "account_password_reset_verification"

// pendingResetCode is PasswordResetVerificationProcess.resume: the state of the
// session's password reset by code; nil for none, or for one older than
// ACCOUNT_PASSWORD_RESET_BY_CODE_TIMEOUT (abort_if_invalid: then dropped).
func (h *Headless) pendingResetCode(s *django.Session) (*serializer.Dict, error) {
	state, valid, err := h.codeProcess(s, resetCodeKey, "the password reset code", h.Settings.PasswordResetByCodeTimeout)
	if err == nil && state != nil && !valid {
		s.Pop(resetCodeKey)
		return nil, nil
	}
	return state, err
}

// initiateResetCode is PasswordResetVerificationProcess.initiate: the process's state
// (initial_state), the code mailed to u ("account/email/password_reset_code"), or the
// unknown account's mail for no user, the state kept in the session.
func (h *Headless) initiateResetCode(r *http.Request, s *django.Session, u *auth.User, email string) error {
	ctx := r.Context()
	state := h.codeState(u, email)
	if u == nil {
		if err := h.unknownAccountMail(ctx, r, email); err != nil {
			return err
		}
	} else {
		code, err := h.Settings.PasswordResetByCodeFormat.generate()
		if err != nil {
			return err
		}
		state.Set("code", serializer.Str(code))
		if err := h.Mailer.SendMail(ctx, Mail{TemplatePrefix: "account/email/password_reset_code", Email: email,
			Context: map[string]any{"code": code}}); err != nil {
			return err
		}
	}
	s.Set(resetCodeKey, serializer.DictValue(state))
	return nil
}

// resetCodeFailed is record_invalid_attempt: one more failed attempt, the process
// dropped at ACCOUNT_PASSWORD_RESET_BY_CODE_MAX_ATTEMPTS.
func (h *Headless) resetCodeFailed(s *django.Session, state *serializer.Dict) error {
	drop, err := countFailure(state, h.Settings.PasswordResetByCodeMaxAttempts)
	if err != nil {
		return err
	}
	if drop {
		s.Pop(resetCodeKey)
	} else {
		s.Set(resetCodeKey, serializer.DictValue(state))
	}
	return nil
}

// resetCodeEmail is the process's state's "email" (a KeyError without one).
func resetCodeEmail(state *serializer.Dict) (string, error) {
	v, ok := state.Get("email")
	if !ok {
		return "", fmt.Errorf("%w: a password reset code's state without its address", errStash)
	}
	email, isStr := v.AsStr()
	if !isStr {
		return "", fmt.Errorf("%w: a password reset code's address of type %s", errStash, v.Kind())
	}
	return email, nil
}

// serveResetCode is ResetPasswordView.get for a reset by code: the code of the header
// (data's "key") taken for the process's user (confirm_code: the process confirmed,
// its time anew, the address verified), or a failed attempt counted; a process of no
// user takes no code.
func (h *Headless) serveResetCode(w http.ResponseWriter, r *http.Request, c *appContext, data, state *serializer.Dict, pu *auth.User) error {
	if pu == nil { // (ResetPasswordKeyInput without a code: normalize_user_code(None) fails)
		if _, ferr := charField(data, "key"); !ferr.IsNone() {
			return h.metaResponse(w, r, c, http.StatusBadRequest, serializer.List(ferr))
		}
		return fmt.Errorf("%w: a password reset code's process of no user", errStash)
	}
	ferr, err := h.codeInput(data, state, "key")
	if err != nil {
		return err
	}
	if !ferr.IsNone() {
		if err := h.resetCodeFailed(c.session, state); err != nil {
			return err
		}
		return h.metaResponse(w, r, c, http.StatusBadRequest, serializer.List(ferr))
	}
	if v, _ := state.Get("code_confirmed"); !v.Truthy() {
		if err := h.confirmResetCode(r, c.session, pu, state); err != nil {
			return err
		}
	}
	return h.userDataResponse(w, r, c, pu)
}

// confirmResetCode is confirm_code: the process confirmed anew (its time now) and kept
// in the session, then its address verified (verify_email_indirectly: an error for
// an address that is missing or no str, the state kept all the same).
func (h *Headless) confirmResetCode(r *http.Request, s *django.Session, u *auth.User, state *serializer.Dict) error {
	state.Set("code_confirmed", serializer.Bool(true))
	state.Set("at", serializer.Float(pyTime(h.now())))
	s.Set(resetCodeKey, serializer.DictValue(state))
	email, err := resetCodeEmail(state)
	if err != nil {
		return err
	}
	return h.verifyIndirectly(r, u, email)
}

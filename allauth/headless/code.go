package headless

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"strings"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/django/auth/hashers"
	"github.com/djsession/djsession/internal/pystr"
	"github.com/djsession/djsession/serializer"
)

// Mail is a mail allauth's account adapter sends: send_mail(template_prefix, email,
// context), which renders the site's templates TemplatePrefix + "_subject.txt",
// "_message.txt" and "_message.html" with the context and sends the result to Email.
type Mail struct {
	// TemplatePrefix names the templates: "account/email/login_code" for a login code,
	// "account/email/unknown_account" for an address of no user,
	// "account/email/password_reset_key" for a password reset link,
	// "account/email/password_reset_code" for its code,
	// "account/email/email_confirmation" (or "..._signup", by code for a user who never
	// logged in) for an address to verify, "account/email/account_already_exists" for a
	// verification by code of an address of no user; a notification's
	// (ACCOUNT_EMAIL_NOTIFICATIONS): "account/email/password_changed",
	// "account/email/password_set", "account/email/password_reset",
	// "mfa/email/totp_activated", "mfa/email/totp_deactivated",
	// "mfa/email/recovery_codes_generated".
	TemplatePrefix string
	// Email is the recipient.
	Email string
	// Context is the templates' context beyond what send_mail adds itself (the request,
	// "email" and "current_site"): "code" (a string) and "reauthentication" (a bool)
	// for a login code, "signup_url" (a string) for an unknown account; "user" (an
	// *auth.User), "password_reset_url", "uid", "key" and, with the username among
	// the login methods, "username" for a reset link; "code" for a reset code;
	// "timestamp" (a time.Time), "ip" and "user_agent" for a notification; "user" with
	// "key" and "activate_url" for a verification link, or "code" for its code;
	// "signup_url" and "password_reset_url" for an account that already exists.
	Context map[string]any
}

// Mailer sends the views' mails as the site's account adapter sends them (rendered
// from the site's templates, through its email backend). The views that would send
// one hand their requests to their fallback when Headless.Mailer is nil.
type Mailer interface {
	SendMail(ctx context.Context, m Mail) error
}

// MailerFunc is a function as a Mailer.
type MailerFunc func(ctx context.Context, m Mail) error

// SendMail calls f.
func (f MailerFunc) SendMail(ctx context.Context, m Mail) error { return f(ctx, m) }

// UserCodeFormat is allauth's UserCodeFormat (ALLAUTH_USER_CODE_FORMAT,
// ACCOUNT_LOGIN_BY_CODE_FORMAT): codes of Length characters (0 means 8 letters, or 9
// digits when Numeric) of "BCDFGHJKLMNPQRSTVWXZ" or the digits, cut by dashes into 2
// parts (3 beyond 8 characters) when Dashed.
type UserCodeFormat struct {
	Length          int
	Numeric, Dashed bool
}

// codeLetters are allauth's user codes' letters (RFC 8628, section 6.1).
const codeLetters = "BCDFGHJKLMNPQRSTVWXZ"

// generate is generate_user_code (get_random_string of the format's characters, cut by
// dashes).
func (f UserCodeFormat) generate() (string, error) {
	chars, n := codeLetters, f.Length
	if f.Numeric {
		chars = "0123456789"
	}
	if n <= 0 {
		n = 8
		if f.Numeric {
			n = 9
		}
	}
	code, err := hashers.RandomStringOf(n, chars)
	if err != nil || !f.Dashed {
		return code, err
	}
	parts := 2
	if n > 8 {
		parts = 3
	}
	chunk := (n + parts - 1) / parts
	var b strings.Builder
	for i := 0; i < n; i += chunk {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(code[i:min(i+chunk, n)])
	}
	return b.String(), nil
}

// RequestLoginCodeView is the app client's request for a login code (allauth's
// RequestLoginCodeView, at _allauth/app/v1/auth/code/request, with
// ACCOUNT_LOGIN_BY_CODE_ENABLED): POST {"email": ...} finds the active user of the
// address as allauth does (filter_users_by_email, verified addresses first), counts the
// "request_login_code" rate (per client and per address: "too_many_login_attempts"),
// mails the user a new code (Headless.Mailer: "account/email/login_code") and stashes
// the login in the session as allauth stashes it, waiting at the "login_by_code"
// stage: allauth's 401 with the pending flow. An address of no user gets the same
// answer (ACCOUNT_PREVENT_ENUMERATION; its mail is "account/email/unknown_account"
// with ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS), or "unknown_email" without enumeration
// prevention. ConfirmLoginCodeView, Go's or Django's, takes the code. Without a Mailer
// the request goes to fallback (ErrLoginStage).
func (h *Headless) RequestLoginCodeView(fallback http.Handler) http.Handler {
	return h.appView(h.serveRequestLoginCode, fallback)
}

// BrowserRequestLoginCodeView is the browser client's
// (_allauth/browser/v1/auth/code/request): RequestLoginCodeView's answers for the
// request's own session, behind the session and CSRF middleware.
func (h *Headless) BrowserRequestLoginCodeView(fallback http.Handler) http.Handler {
	return h.browserView(h.serveRequestLoginCode, fallback)
}

// ConfirmLoginCodeView is the app client's confirmation of a login code (allauth's
// ConfirmLoginCodeView, at _allauth/app/v1/auth/code/confirm): for an anonymous
// session whose stashed login waits at the "login_by_code" stage (requested by
// RequestLoginCodeView, Go's or Django's, or met by a password login with
// ACCOUNT_LOGIN_BY_CODE_REQUIRED), POST {"code": ...} takes the code mailed
// (compared as allauth compares user codes), records the authentication ({"method":
// "code", "at": ..., "email": ...}), verifies the code's address when it is one of the
// user's not verified yet (an EmailVerifier: SQLEmailAddresses.VerifyEmail, as
// verify_email_indirectly) and goes on with the login as allauth does: the session
// logged in (LoginView's 200, with the session token and, with JWTTokenStrategy, the
// tokens), or the login stashed at the next stage (the second factor's 401, or a
// mandatory address to verify, its link mailed as LoginView mails it). A wrong
// code is allauth's 400 ("incorrect_code"); the ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS-th
// drops the login. A session with no such login, or one older than
// ACCOUNT_LOGIN_BY_CODE_TIMEOUT (then dropped), gets allauth's 409. A login that would
// meet a stage this package does not run (an address to verify without a Mailer or
// by code, a trusted browser's cookie), or an address to verify without an
// EmailVerifier (or with ACCOUNT_CHANGE_EMAIL, which removes the user's other
// addresses and notifies the change, without an EmailManager or the notification's
// Mailer), goes to fallback (ErrLoginStage), the session untouched (an address Go
// verified first is found verified by allauth).
func (h *Headless) ConfirmLoginCodeView(fallback http.Handler) http.Handler {
	return h.appView(h.serveConfirmLoginCode, fallback)
}

// BrowserConfirmLoginCodeView is the browser client's
// (_allauth/browser/v1/auth/code/confirm): ConfirmLoginCodeView's answers for the
// request's own session, behind the session and CSRF middleware.
func (h *Headless) BrowserConfirmLoginCodeView(fallback http.Handler) http.Handler {
	return h.browserView(h.serveConfirmLoginCode, fallback)
}

// ResendLoginCodeView is the app client's new code for a login waiting at the
// "login_by_code" stage (allauth's ResendLoginCodeView, at
// _allauth/app/v1/auth/code/resend): POST mails a new code (the old one no longer
// taken) and answers {"status": 200}; allauth's 409 once
// ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND's count is used up (at once without it), or
// for a session with no such login. Without a Mailer the request goes to fallback.
func (h *Headless) ResendLoginCodeView(fallback http.Handler) http.Handler {
	return h.appView(h.serveResendLoginCode, fallback)
}

// BrowserResendLoginCodeView is the browser client's
// (_allauth/browser/v1/auth/code/resend): ResendLoginCodeView's answers for the
// request's own session, behind the session and CSRF middleware.
func (h *Headless) BrowserResendLoginCodeView(fallback http.Handler) http.Handler {
	return h.browserView(h.serveResendLoginCode, fallback)
}

// loginCodeCheck refuses settings the views that start a login by code cannot follow
// (allauth routes them with ACCOUNT_LOGIN_BY_CODE_ENABLED alone; the confirmation
// serves the logins ACCOUNT_LOGIN_BY_CODE_REQUIRED stops too).
func (h *Headless) loginCodeCheck() error {
	if !h.Settings.LoginByCodeEnabled {
		return fmt.Errorf("%w: the login code views need ACCOUNT_LOGIN_BY_CODE_ENABLED", ErrSettings)
	}
	return h.loginCheck()
}

// serveRequestLoginCode is RESTView.handle with RequestLoginCodeInput, and
// RequestLoginCodeView.post.
func (h *Headless) serveRequestLoginCode(w http.ResponseWriter, r *http.Request, c *appContext) error {
	if err := h.loginCodeCheck(); err != nil {
		return err
	}
	if h.Mailer == nil {
		return ErrLoginStage
	}
	data, ok, err := h.restInput(w, r)
	if err != nil || !ok {
		return err
	}
	email, errs := h.emailField(data, "email")
	if len(errs) == 0 && email == "" {
		errs = append(errs, fieldError("This field is required.", "required", "email"))
	}
	ctx := r.Context()
	var u *auth.User
	ferr := serializer.None()
	if len(errs) == 0 { // (clean_email)
		active, err := h.activeUsersByEmail(ctx, email)
		if err != nil {
			return err
		}
		if len(active) == 0 && !h.Settings.PreventEnumeration {
			ferr = fieldError("The email address is not assigned to any user account.", "unknown_email", "email")
		} else if _, ok, err := h.consume(ctx, r, "request_login_code", email, ""); err != nil {
			return err
		} else if !ok {
			ferr = fieldError("Too many failed login attempts. Try again later.", "too_many_login_attempts", "email")
		} else if len(active) > 0 {
			u = active[0]
		}
	}
	if !ferr.IsNone() {
		errs = append(errs, ferr)
	}
	if len(errs) > 0 {
		return h.metaResponse(w, r, c, http.StatusBadRequest, serializer.List(errs...))
	}
	if !restPost(w, r) {
		return nil
	}
	// LoginCodeVerificationProcess.initiate: a login of its own, at its stage alone.
	stages := serializer.NewDict()
	stages.Set("current", serializer.Str(stageLoginByCode))
	st := serializer.NewDict()
	stages.Set(stageLoginByCode, serializer.DictValue(st))
	l, err := h.newLogin(u, email, stages)
	if err != nil {
		return err
	}
	state := h.codeState(u, email)
	state.Set("initiated_by_user", serializer.Bool(true))
	st.Set("data", serializer.DictValue(state))
	if err := h.sendLoginCode(ctx, r, u, state, false, false); err != nil {
		return err
	}
	if err := h.stashLogin(c.session, l); err != nil {
		return err
	}
	su, err := h.SessionUser(ctx, c.session)
	if err != nil {
		return err
	}
	return h.authenticationResponse(w, r, c, su)
}

// stashCodeLogin is the login of u (by email, or "") when a login code is required
// (ACCOUNT_LOGIN_BY_CODE_REQUIRED): LoginByCodeStage.handle, which mails a code to the
// login's address (else the user's primary one) and stashes the login at its stage, or
// drops the login of a user with no address (clear_login).
func (h *Headless) stashCodeLogin(r *http.Request, s *django.Session, u *auth.User, email string) error {
	ctx := r.Context()
	l, err := h.loginAt(u, email, stageLoginByCode)
	if err != nil {
		return err
	}
	if email == "" { // (get_primary_email)
		if email, err = h.primaryEmail(ctx, u); err != nil {
			return err
		}
	}
	if email == "" {
		clearLogin(s)
		return nil
	}
	state := l.stageData(stageLoginByCode).Dict()
	for k, v := range h.codeState(u, email).All() {
		state.SetKey(k, v)
	}
	state.Set("initiated_by_user", serializer.Bool(false))
	if err := h.sendLoginCode(ctx, r, u, state, false, false); err != nil {
		return err
	}
	state.Set("login_by_code_required", serializer.Bool(true))
	return h.stashLogin(s, l)
}

// emailField is a forms.EmailField of allauth's (lowercased) reading a JSON value: the
// address ("" for none given), or the field's errors.
func (h *Headless) emailField(data *serializer.Dict, name string) (string, []serializer.Value) {
	text := formStr(data, name)
	if text == "" {
		return "", nil
	}
	if errs := h.emailErrors(text, name); len(errs) > 0 {
		return "", errs
	}
	return pystr.Lower(text), nil
}

// codeState is AbstractCodeVerificationProcess.initial_state for a code mailed to
// email: the time, the counts, the address and the user's id.
func (h *Headless) codeState(u *auth.User, email string) *serializer.Dict {
	d := serializer.NewDict()
	d.Set("at", serializer.Float(pyTime(h.now())))
	d.Set("failed_attempts", serializer.Int(0))
	d.Set("resend_count", serializer.Int(0))
	d.Set("change_count", serializer.Int(0))
	if email != "" {
		d.Set("email", serializer.Str(email))
	}
	if u != nil {
		d.Set("user_id", serializer.Str(u.ID))
	}
	return d
}

// sendLoginCode is send_by_email: a new code mailed to the user (kept in the process's
// state; for a reauthentication when reauth), or to an address of no user the unknown
// account's mail (unless skipUnknown, or ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS is off).
func (h *Headless) sendLoginCode(ctx context.Context, r *http.Request, u *auth.User, state *serializer.Dict, skipUnknown, reauth bool) error {
	email, err := loginCodeEmail(state)
	if err != nil {
		return err
	}
	if u == nil {
		if skipUnknown {
			return nil
		}
		return h.unknownAccountMail(ctx, r, email)
	}
	code, err := h.Settings.LoginByCodeFormat.generate()
	if err != nil {
		return err
	}
	state.Set("code", serializer.Str(code))
	return h.Mailer.SendMail(ctx, Mail{TemplatePrefix: "account/email/login_code", Email: email,
		Context: map[string]any{"code": code, "reauthentication": reauth}})
}

// frontendURL is get_frontend_url for a site with allauth's headless-only settings:
// HEADLESS_FRONTEND_URLS[name], made absolute for the request as
// request.build_absolute_uri makes it, its "{key}" (for kv's key and value pairs)
// replaced by the value (render_url); an error without one or without the key
// (allauth's ImproperlyConfigured).
func (h *Headless) frontendURL(r *http.Request, name string, kv ...string) (string, error) {
	u := h.Settings.FrontendURLs[name]
	if u == "" {
		return "", fmt.Errorf("%w: HEADLESS_FRONTEND_URLS[%q]", ErrSettings, name)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		var ok bool
		if u, ok = renderURL(u, kv[i], kv[i+1]); !ok {
			return "", fmt.Errorf("%w: HEADLESS_FRONTEND_URLS[%q] has no {%s}", ErrSettings, name, kv[i])
		}
	}
	p, err := url.Parse(u)
	if err != nil {
		return "", fmt.Errorf("%w: HEADLESS_FRONTEND_URLS[%q]: %v", ErrSettings, name, err)
	}
	if p.Host != "" {
		return u, nil
	}
	ds := h.Sessions.Settings()
	host, err := ds.GetHost(r)
	if err != nil {
		return "", err
	}
	scheme := "http"
	if ds.IsSecure(r) {
		scheme = "https"
	}
	base := scheme + "://" + host
	if strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") {
		return base + u, nil
	}
	b, err := url.Parse(base + r.URL.EscapedPath())
	if err != nil {
		return "", err
	}
	return b.ResolveReference(p).String(), nil
}

// serveConfirmLoginCode is ConfirmLoginCodeView's dispatch, RESTView.handle with
// ConfirmLoginCodeInput, and its post (the process's finish).
func (h *Headless) serveConfirmLoginCode(w http.ResponseWriter, r *http.Request, c *appContext) error {
	if err := h.loginCheck(); err != nil {
		return err
	}
	ctx := r.Context()
	l, state, err := h.pendingCodeLogin(ctx, c.session, true)
	if err != nil {
		return err
	}
	if state == nil {
		return h.metaResponse(w, r, c, http.StatusConflict, serializer.None())
	}
	data, ok, err := h.restInput(w, r)
	if err != nil || !ok {
		return err
	}
	if ferr, err := h.codeInput(data, state, "code"); err != nil {
		return err
	} else if !ferr.IsNone() { // (record_invalid_attempt)
		drop, err := countFailure(state, h.Settings.LoginByCodeMaxAttempts)
		if err != nil {
			return err
		}
		if drop {
			clearLogin(c.session)
		} else if err := h.stashLogin(c.session, l); err != nil {
			return err
		}
		// (the process's user, read for login_code_rejected: a user_id that is no key
		// fails, the session kept as it is now)
		if _, err := h.codeUser(ctx, l, state); err != nil {
			return err
		}
		return h.metaResponse(w, r, c, http.StatusBadRequest, serializer.List(ferr))
	}
	if !restPost(w, r) {
		return nil
	}
	// finish: the authentication recorded, the code's address verified
	// (verify_email_indirectly), then the login: perform_login for a login the user
	// asked the code for, resume_login (stage.exit) for one that met the stage. (A
	// failure on the way leaves the session as allauth leaves it: its app client's
	// session is saved all the same; a request handed on leaves it untouched.)
	u, err := h.codeUser(ctx, l, state)
	if err != nil {
		return err
	}
	if u == nil { // (record_authentication skips no user; verify_email_indirectly or the login's assert fails)
		return fmt.Errorf("%w: a login code of no user", errStash)
	}
	email, _ := state.Get("email")
	extra := serializer.NewDict()
	if !email.IsNone() {
		extra.Set("email", email)
	}
	if ph, _ := state.Get("phone"); !ph.IsNone() {
		extra.Set("phone", ph)
	}
	h.record(c.session, u, "code", extra)
	addr, isStr := email.AsStr()
	if email.Truthy() {
		if !isStr {
			return fmt.Errorf("%w: a login code's address of type %s", errStash, email.Kind())
		}
		if err := h.verifyIndirectly(r, u, addr); err != nil {
			return err
		}
	}
	byUser, ok := state.Get("initiated_by_user")
	if !ok {
		return fmt.Errorf("%w: no initiated_by_user", errStash)
	}
	if !byUser.Truthy() && l.user == nil {
		// (resume_login of the stashed login, which has no user: its stages pass, the
		// login is popped, and allauth's assert fails)
		c.session.Pop(loginKey)
		return fmt.Errorf("%w: a stashed login of no user", errStash)
	}
	next := l
	if byUser.Truthy() {
		if next, err = h.newLogin(u, addr, nil); err != nil {
			return err
		}
		if err := next.setUp(h.Settings.loginStages()); err != nil {
			return err
		}
	} else {
		st, _ := l.stages.Get(stageLoginByCode)
		st.Dict().Set("handled", serializer.Bool(true)) // (stage.exit)
	}
	stop := ""
	if u.IsActive || !byUser.Truthy() {
		if stop, err = h.nextStage(ctx, c.session, next, "code", ""); err != nil {
			if !byUser.Truthy() && stop != "" {
				// (the controller's walk to the stage that failed, in the session's own
				// stash, saved with the failure)
				_ = next.advance(h.Settings.loginStages(), stop)
			}
			return err
		}
		if stop != "" && (stop != stageMFAAuthenticate || h.Settings.mfaErr != nil || h.Settings.mfaStageFollowed()) &&
			!(stop == stageVerifyEmail && h.verifyMailHandsOn()) {
			return ErrLoginStage
		}
		if stop == stageVerifyEmail {
			ev, _ := next.d.Get("email")
			email, _ := ev.AsStr()
			if on, err := h.verifyCodeHandsOn(r, u, email); err != nil || on {
				return cmp.Or(err, ErrLoginStage)
			}
		}
	}
	if byUser.Truthy() && !u.IsActive { // (pre_login: an inactive user; clear_login)
		clearLogin(c.session)
		return h.authenticationResponse(w, r, c, nil)
	}
	if stop == stageMFAAuthenticate || stop == stageVerifyEmail {
		if err := next.advance(h.Settings.loginStages(), stop); err != nil {
			return err
		}
		if stop == stageVerifyEmail { // (the login's email: a string or none, as nextStage found)
			ev, _ := next.d.Get("email")
			email, _ := ev.AsStr()
			if err := h.mailLoginVerification(r, c.session, u, email, false); err != nil {
				return err
			}
		}
		if err := h.stashLogin(c.session, next); err != nil {
			return err
		}
		return h.authenticationResponse(w, r, c, nil)
	}
	if err := h.adapterLogin(r, c, u, h.loginBackend()); err != nil {
		return err
	}
	return h.authenticationResponse(w, r, c, u)
}

// codeUser is the code process's user: the stashed login's, else the one of the
// state's user_id (str_to_user_id: a value the primary key's to_python refuses is an
// error; none for a falsy one or a user gone).
func (h *Headless) codeUser(ctx context.Context, l *stashedLogin, state *serializer.Dict) (*auth.User, error) {
	if l != nil && l.user != nil {
		return l.user, nil
	}
	v, _ := state.Get("user_id")
	if !v.Truthy() {
		return nil, nil
	}
	id, err := h.Config.PK.NormalizeValue(v)
	if err != nil {
		return nil, err
	}
	return h.userByPK(ctx, id)
}

// pyIncrement is v += 1 as Python computes it (an int for an int or a bool, a float
// for a float; a TypeError for others), and the result as a float for comparing.
func pyIncrement(v serializer.Value, what string) (serializer.Value, float64, error) {
	if f, ok := v.AsFloat(); ok {
		return serializer.Float(f + 1), f + 1, nil
	}
	n, ok := v.AsBigInt()
	if !ok {
		b, isBool := v.AsBool()
		if !isBool {
			return serializer.None(), 0, fmt.Errorf("headless: %s is a %s", what, v.Kind())
		}
		n = big.NewInt(map[bool]int64{true: 1}[b])
	}
	n = new(big.Int).Add(n, big.NewInt(1))
	f, _ := new(big.Float).SetInt(n).Float64()
	if n.IsInt64() {
		return serializer.Int(n.Int64()), f, nil
	}
	return serializer.BigInt(n), f, nil
}

// EmailVerifier is allauth's EmailAddress model as the login by code verifies an
// address (SQLEmailAddresses implements it).
type EmailVerifier interface {
	// VerifyEmail is verify_email_indirectly(request, user, email): the user's address
	// email (lowercased) marked verified when it is not yet, unless unique
	// (ACCOUNT_UNIQUE_EMAIL) and another row of that address is verified; made the
	// user's primary one (and the user's own email) when the user has none.
	VerifyEmail(ctx context.Context, userID, email string, unique bool) error
}

// verifyIndirectly is verify_email_indirectly for the login by code: a site without an
// EmailVerifier hands an address to verify to the fallback, as does one with
// ACCOUNT_CHANGE_EMAIL (whose verification removes the user's other addresses) without
// an EmailManager, or whose notifications need a Mailer it lacks.
func (h *Headless) verifyIndirectly(r *http.Request, u *auth.User, email string) error {
	ctx := r.Context()
	if on, err := h.verifyHandsOn(ctx, u, email); err != nil || on {
		if on {
			return ErrLoginStage
		}
		return err
	}
	v, canVerify := h.Emails.(EmailVerifier)
	if !canVerify {
		return nil
	}
	if !h.Settings.ChangeEmail {
		return v.VerifyEmail(ctx, u.ID, email, h.Settings.UniqueEmail)
	}
	a, found, err := h.Emails.(EmailManager).UserAddressByEmail(ctx, u.ID, email)
	if err != nil || !found || a.Verified {
		return err
	}
	from, err := h.changeFrom(ctx, u.ID, a.ID)
	if err != nil {
		return err
	}
	if err := v.VerifyEmail(ctx, u.ID, email, h.Settings.UniqueEmail); err != nil {
		return err
	}
	if err := h.changeEmail(r, u.ID, a.ID, from); err != errNotVerified { // (verify_email's False: nothing more)
		return err
	}
	return nil
}

// verifyHandsOn tells, writing nothing, whether verifyIndirectly hands the request on:
// without the Emails' addresses, or, when this package would not verify it (no
// EmailVerifier; ACCOUNT_CHANGE_EMAIL without an EmailManager or the notification's
// Mailer), for an address of the user's not verified yet.
func (h *Headless) verifyHandsOn(ctx context.Context, u *auth.User, email string) (bool, error) {
	src, ok := h.Emails.(EmailAddressSource)
	if !ok {
		return true, nil
	}
	_, canChange := h.Emails.(EmailManager)
	if _, canVerify := h.Emails.(EmailVerifier); canVerify && (!h.Settings.ChangeEmail || canChange && !h.notificationsHandOn()) {
		return false, nil
	}
	rows, err := src.AddressesByEmail(ctx, pystr.Lower(email))
	if err != nil {
		return false, err
	}
	for _, a := range rows {
		if a.UserID == u.ID && !a.Verified {
			return true, nil
		}
	}
	return false, nil
}

// VerifyEmail implements EmailVerifier, in the statements Django's saves make (no
// transaction: allauth's autocommit).
func (e *SQLEmailAddresses) VerifyEmail(ctx context.Context, userID, email string, unique bool) error {
	rid, a, found, err := e.UserAddress(ctx, userID, email) // (get_for_user: none is DoesNotExist)
	if err != nil || !found || a.Verified {
		return err
	}
	id, err := e.users.KeyArg(userID)
	if err != nil {
		return err
	}
	return e.verifyRow(ctx, id, userID, addressRow{id: rid, email: a.Email}, unique)
}

// addressRow is a row of account_emailaddress.
type addressRow struct {
	id       int64
	email    string
	verified bool
}

// verifyRow is verify_email of the user's row a (not verified): a verified, unless
// unique and another row of its address is verified; made primary, with the user's
// own email, when the user has none (set_as_primary(conditional=True)).
func (e *SQLEmailAddresses) verifyRow(ctx context.Context, id any, userID string, a addressRow, unique bool) error {
	u := e.users
	t := u.Quote(e.table)
	if unique { // (can_set_verified: another row of the address verified)
		var n int
		q := fmt.Sprintf(`SELECT COUNT(*) FROM %s WHERE %s <> %s AND %s AND %s = %s`, t, u.Quote("id"), u.Param(1),
			u.Quote("verified"), u.Quote("email"), u.Param(2))
		if err := u.DB().QueryRowContext(ctx, q, a.id, a.email).Scan(&n); err != nil {
			return fmt.Errorf("headless: email addresses: %w", err)
		}
		if n > 0 {
			return nil
		}
	}
	// set_as_primary(conditional=True): only for a user without a primary address.
	var primaries int
	q := fmt.Sprintf(`SELECT COUNT(*) FROM %s WHERE %s = %s AND %s`, t, u.Quote("user_id"), u.Param(1), u.Quote("primary"))
	if err := u.DB().QueryRowContext(ctx, q, id).Scan(&primaries); err != nil {
		return fmt.Errorf("headless: email addresses: %w", err)
	}
	if primaries > 1 { // (get_primary's get(): MultipleObjectsReturned)
		return fmt.Errorf("headless: user %s has %d primary addresses", userID, primaries)
	}
	set := fmt.Sprintf(`UPDATE %s SET %s = %s`, t, u.Quote("verified"), u.Param(1))
	args := []any{true}
	if primaries == 0 {
		set += fmt.Sprintf(`, %s = %s`, u.Quote("primary"), u.Param(2))
		args = append(args, true)
	}
	set += fmt.Sprintf(` WHERE %s = %s`, u.Quote("id"), u.Param(len(args)+1))
	if _, err := u.DB().ExecContext(ctx, set, append(args, a.id)...); err != nil {
		return fmt.Errorf("headless: email addresses: %w", err)
	}
	if primaries == 0 { // (user_email(user, email, commit=True): lowercased)
		if err := u.SetEmail(ctx, userID, pystr.Lower(a.email)); err != nil && !errors.Is(err, auth.ErrUnsupported) {
			return err
		}
	}
	return nil
}

// pendingCodeLogin is the stashed login of the session and its "login_by_code"
// stage's state when that stage is pending (anonymous sessions only, when
// anonymousOnly: get_pending_stage; else the stage the login is at:
// LoginStageController.enter), and the process not older than
// ACCOUNT_LOGIN_BY_CODE_TIMEOUT (abort_if_invalid: an older login dropped); a nil state
// for none.
func (h *Headless) pendingCodeLogin(ctx context.Context, s *django.Session, anonymousOnly bool) (*stashedLogin, *serializer.Dict, error) {
	if anonymousOnly {
		if u, err := h.SessionUser(ctx, s); err != nil || u != nil {
			return nil, nil, err
		}
	}
	l, err := h.unstashLogin(ctx, s)
	if err != nil || l == nil {
		return nil, nil, err
	}
	if anonymousOnly && h.pendingStage(l) != stageLoginByCode || !anonymousOnly && l.current() != stageLoginByCode {
		return nil, nil, nil
	}
	dv := l.stageData(stageLoginByCode)
	if dv.Kind() != serializer.KindDict {
		return nil, nil, fmt.Errorf("%w: the login code's state is a %s", errStash, dv.Kind())
	}
	state := dv.Dict()
	at, ok := state.Get("at")
	if !ok {
		return nil, nil, fmt.Errorf("%w: a login code's state without its time", errStash)
	}
	t, err := pyArith(at, "the login code's time")
	if err != nil {
		return nil, nil, err
	}
	if pyTime(h.now())-t > h.Settings.LoginByCodeTimeout {
		clearLogin(s)
		return nil, nil, nil
	}
	return l, state, nil
}

// serveResendLoginCode is ResendLoginCodeView.post (which reads no JSON).
func (h *Headless) serveResendLoginCode(w http.ResponseWriter, r *http.Request, c *appContext) error {
	if err := h.loginCodeCheck(); err != nil {
		return err
	}
	if h.Mailer == nil {
		return ErrLoginStage
	}
	if !restPost(w, r) {
		return nil
	}
	ctx := r.Context()
	l, state, err := h.pendingCodeLogin(ctx, c.session, false)
	if err != nil {
		return err
	}
	if state == nil {
		return h.metaResponse(w, r, c, http.StatusConflict, serializer.None())
	}
	// (the process's user is read once a new code is made: a user_id that is no key
	// fails then)
	more, err := h.resendCode(r, nil, state, false, func() (*auth.User, error) { return h.codeUser(ctx, l, state) })
	if err != nil {
		return err
	}
	if !more {
		return h.metaResponse(w, r, c, http.StatusConflict, serializer.None())
	}
	if err := h.stashLogin(c.session, l); err != nil {
		return err
	}
	return h.metaResponse(w, r, c, http.StatusOK, serializer.None())
}

// codeInput is a BaseConfirmCodeForm's validation of the request's data against the
// process's state: the code field's error, or "incorrect_code" (clean_code:
// compare_user_code, normalize_user_code of the state's code, which must be a str when
// there is one); None when it took.
func (h *Headless) codeInput(data, state *serializer.Dict, field string) (serializer.Value, error) {
	code, ferr := charField(data, field)
	if !ferr.IsNone() {
		return ferr, nil
	}
	expected := ""
	if ev, has := state.Get("code"); has {
		var isStr bool
		if expected, isStr = ev.AsStr(); !isStr {
			return serializer.None(), fmt.Errorf("%w: a code of type %s", errStash, ev.Kind())
		}
	}
	if !compareUserCode(code, expected) {
		return fieldError("Incorrect code.", "incorrect_code", field), nil
	}
	return serializer.None(), nil
}

// countFailure is AbstractCodeVerificationProcess.record_invalid_attempt's count: the
// state's failed_attempts one more; drop tells that the process is to be aborted (max
// attempts reached).
func countFailure(state *serializer.Dict, max int) (drop bool, err error) {
	fa, ok := state.Get("failed_attempts")
	if !ok {
		return false, fmt.Errorf("%w: a code's state without failed_attempts", errStash)
	}
	v, n, err := pyIncrement(fa, "failed_attempts")
	if err != nil {
		return false, err
	}
	state.Set("failed_attempts", v)
	return n >= float64(max), nil
}

// resendCode is can_resend and resend for a process's state: false when
// ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND's count is used up; else a new code
// (generate_code, which a process of no user keeps unsent), mailed to the process's
// user (u, or the one user finds), the resend counted.
func (h *Headless) resendCode(r *http.Request, u *auth.User, state *serializer.Dict, reauth bool, user func() (*auth.User, error)) (bool, error) {
	rc, ok := state.Get("resend_count")
	if !ok {
		return false, fmt.Errorf("%w: a code's state without resend_count", errStash)
	}
	n, err := pyArith(rc, "resend_count")
	if err != nil {
		return false, err
	}
	if n >= float64(h.Settings.LoginByCodeMaxResendCount) {
		return false, nil
	}
	if ev, _ := state.Get("email"); !ev.Truthy() {
		if _, err := loginCodeEmail(state); err != nil {
			return false, err
		}
	}
	code, err := h.Settings.LoginByCodeFormat.generate()
	if err != nil {
		return false, err
	}
	state.Set("code", serializer.Str(code))
	if u == nil && user != nil {
		if u, err = user(); err != nil {
			return false, err
		}
	}
	if u != nil {
		if err := h.sendLoginCode(r.Context(), r, u, state, true, reauth); err != nil {
			return false, err
		}
	}
	v, _, err := pyIncrement(rc, "resend_count")
	if err != nil {
		return false, err
	}
	state.Set("resend_count", v)
	return true, nil
}

// loginCodeEmail is the address a login code goes to (the process's state's "email");
// an error without one (send's ValueError), or for one that is no str (which this
// package cannot mail: allauth's render_mail would take a list of addresses).
func loginCodeEmail(state *serializer.Dict) (string, error) {
	ev, _ := state.Get("email")
	if !ev.Truthy() {
		if ph, _ := state.Get("phone"); ph.Truthy() {
			return "", fmt.Errorf("%w: a login code sent by SMS", errStash)
		}
		return "", fmt.Errorf("%w: a login code with no address to send it to", errStash)
	}
	email, ok := ev.AsStr()
	if !ok {
		return "", fmt.Errorf("%w: a login code's address of type %s", errStash, ev.Kind())
	}
	return email, nil
}

package headless

import (
	"context"
	"fmt"
	"net/http"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/internal/pystr"
	"github.com/djsession/djsession/serializer"
)

// verificationCodeKey is the session key of the email verification by code's state
// (EMAIL_VERIFICATION_CODE_SESSION_KEY).
const verificationCodeKey = "account_email_verification_code"

// ResendEmailVerificationCodeView is the app client's new code for an email
// verification by code (allauth's ResendEmailVerificationCodeView, at
// _allauth/app/v1/auth/email/verify/resend, with
// ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED): POST mails a new code to the address
// waiting for its verification (the old one no longer taken), counted in the address's
// "confirm_email" rate (allauth's 429 once it is used up), and answers {"status":
// 200}; allauth's 409 once ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_RESEND's count is used
// up (at once without it), for a session with no verification pending (or one older
// than ACCOUNT_EMAIL_VERIFICATION_BY_CODE_TIMEOUT, then dropped), or without the
// verification by code. Without a Mailer the request goes to fallback.
func (h *Headless) ResendEmailVerificationCodeView(fallback http.Handler) http.Handler {
	return h.appView(h.serveResendVerificationCode, fallback)
}

// BrowserResendEmailVerificationCodeView is the browser client's
// (_allauth/browser/v1/auth/email/verify/resend): ResendEmailVerificationCodeView's
// answers for the request's own session, behind the session and CSRF middleware.
func (h *Headless) BrowserResendEmailVerificationCodeView(fallback http.Handler) http.Handler {
	return h.browserView(h.serveResendVerificationCode, fallback)
}

// UserAddress implements LoginAddressSource.
func (e *SQLEmailAddresses) UserAddress(ctx context.Context, userID, email string) (int64, EmailAddress, bool, error) {
	u := e.users
	key, err := u.KeyArg(userID)
	if err != nil {
		return 0, EmailAddress{}, false, err
	}
	rows, err := e.addressRows(ctx, fmt.Sprintf(`SELECT %s, %s, %s FROM %s WHERE %s = %s AND %s = %s`, u.Quote("id"),
		u.Quote("email"), u.Quote("verified"), u.Quote(e.table), u.Quote("user_id"), u.Param(1), u.Quote("email"),
		u.Param(2)), key, pystr.Lower(email))
	switch {
	case err != nil:
		return 0, EmailAddress{}, false, err
	case len(rows) > 1:
		return 0, EmailAddress{}, false, fmt.Errorf("headless: user %s has %d addresses %q", userID, len(rows), email)
	case len(rows) == 0:
		return 0, EmailAddress{}, false, nil
	}
	return rows[0].id, EmailAddress{UserID: userID, Email: rows[0].email, Verified: rows[0].verified}, true, nil
}

// verifyCodeHandsOn reports whether a login of u (by email, or "") meeting the
// "verify_email" stage goes to fallback on a site verifying addresses by code: a user
// whose pk Python takes as false (whose process has no user), or the login's address
// (get_address_for_login, added when missing, as allauth adds it) out of its
// "confirm_email" rate, which allauth answers with a 429 from within the stage.
func (h *Headless) verifyCodeHandsOn(r *http.Request, u *auth.User, email string) (bool, error) {
	if !h.Settings.EmailVerificationByCodeEnabled {
		return false, nil
	}
	if !h.truthyPK(u.ID) {
		return true, nil
	}
	_, a, found, err := h.loginAddress(r.Context(), u, email)
	if err != nil || !found || a.Verified {
		return false, err
	}
	_, ok, err := h.consumeWith(r.Context(), r, "confirm_email", pystr.Lower(a.Email), "", rateOptions{dryRun: true, limitGet: true})
	return !ok, err
}

// loginAddress is get_address_for_login for a login of u (by email, or "").
func (h *Headless) loginAddress(ctx context.Context, u *auth.User, email string) (int64, EmailAddress, bool, error) {
	own := ""
	if h.Settings.UserModelEmailField != "" { // (user_email: lowercased)
		own = pystr.Lower(u.Email)
	}
	return h.Emails.(LoginAddressSource).AddressForLogin(ctx, u.ID, email, own)
}

// loginRateLimited is is_login_rate_limited for a password login of u by email (""
// for a login by username): with mandatory verification by code, the login refused
// while the "confirm_email" rate of its address (the user's row of it, not verified)
// is used up.
func (h *Headless) loginRateLimited(r *http.Request, u *auth.User, email string) (bool, error) {
	s := h.Settings
	if email == "" || !s.EmailVerificationByCodeEnabled || s.EmailVerification != "mandatory" {
		return false, nil
	}
	src, ok := h.Emails.(LoginAddressSource)
	if !ok {
		return false, ErrLoginStage
	}
	_, a, found, err := src.UserAddress(r.Context(), u.ID, email)
	if err != nil || !found || a.Verified {
		return false, err
	}
	_, ok, err = h.consumeWith(r.Context(), r, "confirm_email", pystr.Lower(email), "", rateOptions{dryRun: true})
	return !ok, err
}

// initiateVerificationCode is EmailVerificationProcess.initiate for the user's address
// email: a new process's state with a new code, the code mailed
// ("account/email/email_confirmation", "..._signup" for a user who never logged in)
// while the address's "confirm_email" rate allows (verifyCodeHandsOn checked it), and
// the state kept in the session.
func (h *Headless) initiateVerificationCode(r *http.Request, s *django.Session, u *auth.User, email string) error {
	if !h.truthyPK(u.ID) { // (address.user_id false: a process of no user)
		u = nil
	}
	state := h.codeState(u, email)
	if err := h.mailVerificationCode(r, u, state, false); err != nil {
		return err
	}
	s.Set(verificationCodeKey, serializer.DictValue(state))
	return nil
}

// mailVerificationCode is generate_code and send for a process's state: a new code,
// mailed to the state's address once the address's "confirm_email" rate is counted
// (errRateLimited when it is used up); for a process of no user, the address is mailed
// allauth's "account/email/account_already_exists" instead, unless skipEnumeration.
func (h *Headless) mailVerificationCode(r *http.Request, u *auth.User, state *serializer.Dict, skipEnumeration bool) error {
	email, err := loginCodeEmail(state)
	if err != nil {
		return err
	}
	code, err := h.Settings.EmailVerificationByCodeFormat.generate()
	if err != nil {
		return err
	}
	ctx := r.Context()
	if _, ok, err := h.consumeWith(ctx, r, "confirm_email", pystr.Lower(email), "", rateOptions{limitGet: true}); err != nil {
		return err
	} else if !ok {
		return errRateLimited
	}
	state.Set("code", serializer.Str(code))
	if u == nil {
		if skipEnumeration {
			return nil
		}
		return h.accountExistsMail(r, email)
	}
	prefix := "account/email/email_confirmation"
	if u.LastLogin == nil { // (signup: not did_user_login)
		prefix += "_signup"
	}
	return h.Mailer.SendMail(ctx, Mail{TemplatePrefix: prefix, Email: email,
		Context: map[string]any{"user": u, "code": code}})
}

// accountExistsMail is send_account_already_exists_mail: "signup_url" and
// "password_reset_url", HEADLESS_FRONTEND_URLS' "account_signup" and
// "account_reset_password" (an error without them, as allauth's).
func (h *Headless) accountExistsMail(r *http.Request, email string) error {
	signup, err := h.frontendURL(r, "account_signup")
	if err != nil {
		return err
	}
	reset, err := h.frontendURL(r, "account_reset_password")
	if err != nil {
		return err
	}
	return h.Mailer.SendMail(r.Context(), Mail{TemplatePrefix: "account/email/account_already_exists", Email: email,
		Context: map[string]any{"signup_url": signup, "password_reset_url": reset}})
}

// errRateLimited is a code's mail refused by its address's "confirm_email" rate
// (allauth's 429).
var errRateLimited = fmt.Errorf("headless: the address's confirm_email rate is used up")

// pendingVerification is EmailVerificationProcess.resume: the session's verification
// state, nil for none, or for one older than ACCOUNT_EMAIL_VERIFICATION_BY_CODE_TIMEOUT
// (aborted: the state dropped, and the stashed login with it, for an anonymous
// session with its authentication records).
func (h *Headless) pendingVerification(s *django.Session, authenticated bool) (*serializer.Dict, error) {
	state, valid, err := h.codeProcess(s, verificationCodeKey, "the email verification", h.Settings.EmailVerificationByCodeTimeout)
	if err == nil && state != nil && !valid {
		abortVerification(s, authenticated)
		return nil, nil
	}
	return state, err
}

// codeProcess is AbstractCodeVerificationProcess's state in the session under key
// (nil for none: a falsy value) and is_valid: not older than timeout.
func (h *Headless) codeProcess(s *django.Session, key, what string, timeout float64) (*serializer.Dict, bool, error) {
	v, _ := s.Get(key)
	if !v.Truthy() {
		return nil, false, nil
	}
	if v.Kind() != serializer.KindDict {
		return nil, false, fmt.Errorf("%w: %s's state is a %s", errStash, what, v.Kind())
	}
	state := v.Dict()
	at, ok := state.Get("at")
	if !ok {
		return nil, false, fmt.Errorf("%w: %s's state without its time", errStash, what)
	}
	t, err := pyArith(at, what+"'s time")
	if err != nil {
		return nil, false, err
	}
	return state, pyTime(h.now())-t <= timeout, nil
}

// abortVerification is EmailVerificationProcess.abort: the state dropped, and the
// stashed login (pop_login for an authenticated session, else clear_login).
func abortVerification(s *django.Session, authenticated bool) {
	s.Pop(verificationCodeKey)
	if authenticated {
		s.Pop(loginKey)
	} else {
		clearLogin(s)
	}
}

// verificationAddress is the process's email_address as VerifyEmailInput takes it:
// the row of the state's user and address, and the user; handOn when allauth would
// fail on it (no user, an account_already_exists state, an address not stored).
func (h *Headless) verificationAddress(ctx context.Context, state *serializer.Dict) (int64, EmailAddress, *auth.User, bool, error) {
	u, err := h.codeUser(ctx, nil, state)
	if err != nil {
		return 0, EmailAddress{}, nil, false, err
	}
	if exists, _ := state.Get("account_already_exists"); u == nil || exists.Truthy() {
		return 0, EmailAddress{}, nil, true, nil
	}
	email, err := loginCodeEmail(state)
	if err != nil {
		return 0, EmailAddress{}, nil, false, err
	}
	id, a, found, err := h.Emails.(LoginAddressSource).UserAddress(ctx, u.ID, email)
	if _, canAdd := h.Emails.(EmailManager); err == nil && !found && canAdd { // (not stored: verify_email adds it)
		return 0, EmailAddress{UserID: u.ID, Email: email}, u, false, nil
	}
	if err != nil || !found {
		return 0, EmailAddress{}, nil, !found, err
	}
	return id, a, u, false, nil
}

// verifyCodeInput is VerifyEmailInput's clean_key of data's "key" for a process: the
// field's error (the invalid attempt counted, the process aborted at
// ACCOUNT_EMAIL_VERIFICATION_BY_CODE_MAX_ATTEMPTS), or the address's row and user.
func (h *Headless) verifyCodeInput(ctx context.Context, c *appContext, state *serializer.Dict, su *auth.User,
	data *serializer.Dict) (int64, EmailAddress, *auth.User, serializer.Value, error) {
	ferr, err := h.codeInput(data, state, "key")
	if err != nil {
		return 0, EmailAddress{}, nil, serializer.None(), err
	}
	var id int64
	var a EmailAddress
	var u *auth.User
	if ferr.IsNone() {
		var handOn bool
		if id, a, u, handOn, err = h.verificationAddress(ctx, state); err != nil {
			return 0, EmailAddress{}, nil, serializer.None(), err
		} else if handOn {
			return 0, EmailAddress{}, nil, serializer.None(), ErrLoginStage
		}
		if !a.Verified {
			ok, err := h.Emails.(EmailConfirmer).CanSetVerified(ctx, id, h.Settings.UniqueEmail)
			if id == 0 {
				ok, err = h.verifiedElsewhere(ctx, a.Email)
				ok = !ok
			}
			if err != nil {
				return 0, EmailAddress{}, nil, serializer.None(), err
			}
			if !ok {
				ferr = fieldError("A user is already registered with this email address.", "email_taken", "key")
			}
		}
	}
	if ferr.IsNone() {
		return id, a, u, ferr, nil
	}
	// (record_invalid_attempt, then the rejection's signal, which reads the user)
	drop, err := countFailure(state, h.Settings.EmailVerificationByCodeMaxAttempts)
	if err != nil {
		return 0, EmailAddress{}, nil, serializer.None(), err
	}
	if drop {
		abortVerification(c.session, su != nil)
	} else {
		c.session.Set(verificationCodeKey, serializer.DictValue(state))
	}
	if _, err := h.codeUser(ctx, nil, state); err != nil {
		return 0, EmailAddress{}, nil, serializer.None(), err
	}
	return 0, EmailAddress{}, nil, ferr, nil
}

// serveVerifyEmailCode is VerifyEmailView's handle, get and post for the verification
// by code (ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED).
func (h *Headless) serveVerifyEmailCode(w http.ResponseWriter, r *http.Request, c *appContext) error {
	ctx := r.Context()
	stage, err := h.verifyStage(ctx, c)
	if err != nil {
		return err
	}
	su, err := h.SessionUser(ctx, c.session)
	if err != nil {
		return err
	}
	var state *serializer.Dict
	if stage != nil || su != nil {
		if state, err = h.pendingVerification(c.session, su != nil); err != nil {
			return err
		}
	}
	if state == nil {
		return h.metaResponse(w, r, c, http.StatusConflict, serializer.None())
	}
	data, ok, err := h.verifyKeyData(w, r)
	if err != nil || !ok {
		return err
	}
	id, a, u, ferr, err := h.verifyCodeInput(ctx, c, state, su, data)
	if err != nil {
		return err
	}
	if !ferr.IsNone() {
		return h.metaResponse(w, r, c, http.StatusBadRequest, serializer.List(ferr))
	}
	if post, err := h.verifyDispatch(w, r, c, a, stage, func(data *serializer.Dict) (EmailAddress, serializer.Value, error) {
		_, a, _, ferr, err := h.verifyCodeInput(ctx, c, state, su, data)
		return a, ferr, err
	}); err != nil || !post {
		return err
	}
	if a.Verified { // (mark_email_address_as_verified finds nothing to do: allauth's 500)
		return ErrLoginStage
	}
	// finish: the state dropped, the address verified; then login_on_verification,
	// which resumes the login whatever ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION says.
	return h.confirmAndResume(w, r, c, stage, su, id, a.Email, u.ID, true)
}

// serveResendVerificationCode is ResendEmailVerificationCodeView.post (which reads no
// JSON).
func (h *Headless) serveResendVerificationCode(w http.ResponseWriter, r *http.Request, c *appContext) error {
	if err := h.loginCheck(); err != nil {
		return err
	}
	if h.Settings.EmailVerificationByCodeEnabled && h.Mailer == nil {
		return ErrLoginStage
	}
	if !restPost(w, r) {
		return nil
	}
	if !h.Settings.EmailVerificationByCodeEnabled {
		return h.metaResponse(w, r, c, http.StatusConflict, serializer.None())
	}
	ctx := r.Context()
	su, err := h.SessionUser(ctx, c.session)
	if err != nil {
		return err
	}
	state, err := h.pendingVerification(c.session, su != nil)
	if err != nil {
		return err
	}
	more := false
	if state != nil { // (can_resend)
		rc, ok := state.Get("resend_count")
		if !ok {
			return fmt.Errorf("%w: a code's state without resend_count", errStash)
		}
		n, err := pyArith(rc, "resend_count")
		if err != nil {
			return err
		}
		more = n < float64(h.Settings.EmailVerificationMaxResendCount)
	}
	if !more {
		return h.metaResponse(w, r, c, http.StatusConflict, serializer.None())
	}
	// resend: a new code (the process's email_address: its user's; no mail for a
	// process of no user or an account_already_exists one), the resend counted.
	u, err := h.codeUser(ctx, nil, state)
	if err != nil {
		return err
	}
	if exists, _ := state.Get("account_already_exists"); exists.Truthy() {
		u = nil
	}
	if err := h.mailVerificationCode(r, u, state, true); err == errRateLimited {
		return h.metaResponse(w, r, c, http.StatusTooManyRequests, serializer.None())
	} else if err != nil {
		return err
	}
	rc, _ := state.Get("resend_count")
	v, _, err := pyIncrement(rc, "resend_count")
	if err != nil {
		return err
	}
	state.Set("resend_count", v)
	c.session.Set(verificationCodeKey, serializer.DictValue(state))
	return h.metaResponse(w, r, c, http.StatusOK, serializer.None())
}

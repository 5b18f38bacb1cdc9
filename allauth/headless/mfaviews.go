package headless

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/serializer"
)

// MFAAuthenticateView is the app client's second-factor endpoint (allauth.headless's
// mfa AuthenticateView, at _allauth/app/v1/auth/2fa/authenticate), where a login that
// waits for the second factor (LoginView's 401 with the pending "mfa_authenticate"
// flow, or Django's) goes on: POST {"code": ...} takes a code of the user's TOTP
// authenticator (each code once, marked used in Headless.Cache as allauth marks it) or
// one of the user's recovery codes (marked used in mfa_authenticator's data), records
// the authentication ({"method": "mfa", "at": ..., "id": ..., "type": ...}), logs the
// session in and answers the user as LoginView does (a 200, with the session token and,
// with JWTTokenStrategy, the access and refresh tokens). A wrong code is allauth's 400
// ("incorrect_code"), counted as a failed login of the user (the "login_failed" rate,
// keyed "mfa-auth-user-<pk>": too many are "too_many_login_attempts"); a session whose
// login does not wait for the second factor (or waited longer than
// ACCOUNT_LOGIN_TIMEOUT) gets allauth's 401 with the flows. A login that would meet
// another stage once the code is taken (a login code, an address to verify: a login
// stashed by other means than a password login's), and the logins of sites with stages
// after the second factor (MFA_TRUST_ENABLED, ACCOUNT_LOGIN_BY_CODE_TRUST_ENABLED,
// MFA_PASSKEY_SIGNUP_ENABLED), are handed to fallback whole, before the code is used
// (ErrLoginStage).
func (h *Headless) MFAAuthenticateView(fallback http.Handler) http.Handler {
	return h.appView(h.serveMFAAuthenticate, fallback)
}

// BrowserMFAAuthenticateView is the browser client's second-factor endpoint
// (_allauth/browser/v1/auth/2fa/authenticate): MFAAuthenticateView's answers for the
// request's own session, behind the session and CSRF middleware.
func (h *Headless) BrowserMFAAuthenticateView(fallback http.Handler) http.Handler {
	return h.browserView(h.serveMFAAuthenticate, fallback)
}

// MFAReauthenticateView is the app client's reauthentication by a second factor
// (allauth.headless's mfa ReauthenticateView, at
// _allauth/app/v1/auth/2fa/reauthenticate): POST {"code": ...} takes a TOTP or recovery
// code of the session's user as MFAAuthenticateView does, records the
// reauthentication ({"method": "mfa", ..., "reauthenticated": true}) and answers the
// user (a 200); an anonymous session gets the 401 with the flows, a site without "mfa"
// among ACCOUNT_REAUTHENTICATION_METHODS the 403.
func (h *Headless) MFAReauthenticateView() http.Handler {
	return h.appView(h.serveMFAReauthenticate, nil)
}

// BrowserMFAReauthenticateView is the browser client's
// (_allauth/browser/v1/auth/2fa/reauthenticate): MFAReauthenticateView's answers for the
// request's own session, behind the session and CSRF middleware.
func (h *Headless) BrowserMFAReauthenticateView() http.Handler {
	return h.browserView(h.serveMFAReauthenticate, nil)
}

// mfaCheck refuses settings the second-factor views cannot follow.
func (h *Headless) mfaCheck() error {
	s := h.Settings
	if !s.MFAEnabled {
		return errors.New("headless: the second factor needs allauth.mfa (MFAEnabled)")
	}
	if s.mfaErr != nil {
		return s.mfaErr
	}
	if s.loginErr != nil { // (what LoginView cannot follow)
		return s.loginErr
	}
	if h.userSessionsHandOn() {
		return errUserSessions
	}
	_, err := h.mfaSource()
	return err
}

// mfaStageFollowed tells whether stages follow the second factor (which this package
// does not run).
func (s *Settings) mfaStageFollowed() bool {
	return s.MFATrustEnabled || s.LoginByCodeTrustEnabled || s.PasskeySignupEnabled
}

// serveMFAAuthenticate is AuthenticationStageAPIView.handle (the stage entered),
// RESTView.handle with AuthenticateInput, and AuthenticateView.post.
func (h *Headless) serveMFAAuthenticate(w http.ResponseWriter, r *http.Request, c *appContext) error {
	if err := h.mfaCheck(); err != nil {
		return err
	}
	if h.Settings.mfaStageFollowed() {
		return ErrLoginStage
	}
	ctx := r.Context()
	l, err := h.unstashLogin(ctx, c.session)
	if err != nil {
		return err
	}
	if l == nil || l.current() != stageMFAAuthenticate {
		return h.unauthorizedResponse(w, r, c)
	}
	if l.user != nil {
		// (the stages resume_login would run after this one, before the code is used)
		if pending, err := h.resumePending(ctx, c.session, l); err != nil {
			return err
		} else if pending {
			return ErrLoginStage
		}
	}
	au, err := h.mfaCodeRequest(w, r, c, l.user)
	if err != nil || au == nil {
		return err
	}
	u := l.user
	if err := h.postMFAAuthentication(ctx, c.session, u, au, false); err != nil {
		return err
	}
	// respond_next_stage: the stage handled, resume_login (no stage left: the login
	// popped, adapter.login), the answer.
	st, _ := l.stages.Get(stageMFAAuthenticate)
	st.Dict().Set("handled", serializer.Bool(true))
	// (adapter.post_login's AuthenticationResponse, which respond_next_stage drops for
	// one of its own)
	if err := h.completeLogin(r, c, u); err != nil {
		return err
	}
	return h.authenticationResponse(w, r, c, u)
}

// loginBackend is the backend adapter.login gives a user without one: allauth's when
// configured, else the first.
func (h *Headless) loginBackend() string {
	backends := h.Config.Backends()
	if slices.Contains(backends, allauthBackend) || len(backends) == 0 {
		return allauthBackend
	}
	return backends[0]
}

// serveMFAReauthenticate is ReauthenticationAPIView's dispatch, RESTView.handle with
// ReauthenticateInput, and ReauthenticateView.post.
func (h *Headless) serveMFAReauthenticate(w http.ResponseWriter, r *http.Request, c *appContext) error {
	if err := h.mfaCheck(); err != nil {
		return err
	}
	u, err := h.sessionUser(w, r, c)
	if err != nil || u == nil {
		return err
	}
	if !slices.Contains(h.Settings.ReauthenticationMethods, "mfa") {
		return h.metaResponse(w, r, c, http.StatusForbidden, serializer.None())
	}
	au, err := h.mfaCodeRequest(w, r, c, u)
	if err != nil || au == nil {
		return err
	}
	if err := h.postMFAAuthentication(r.Context(), c.session, u, au, true); err != nil {
		return err
	}
	return h.authenticationResponse(w, r, c, u)
}

// mfaCodeRequest is RESTView.handle with a form of BaseAuthenticateForm and the view's
// dispatch: the authenticator that took the request's code for a POST, or nil when the
// request was answered (the input's 400, a method's 405, OPTIONS).
func (h *Headless) mfaCodeRequest(w http.ResponseWriter, r *http.Request, c *appContext, u *auth.User) (*Authenticator, error) {
	data, ok, err := h.restInput(w, r)
	if err != nil || !ok {
		return nil, err
	}
	au, errs, err := h.mfaCodeInput(r, data, u)
	if err != nil {
		return nil, err
	}
	if len(errs) > 0 {
		return nil, h.metaResponse(w, r, c, http.StatusBadRequest, serializer.List(errs...))
	}
	if !restPost(w, r) {
		return nil, nil
	}
	return au, nil
}

// mfaCodeInput is BaseAuthenticateForm's validation: the code (a required CharField),
// then clean_code: the failed logins' rate of the user, and the user's authenticators
// but WebAuthn ones, in the database's order, until one takes the code (the rate's
// counts then cleared).
func (h *Headless) mfaCodeInput(r *http.Request, data *serializer.Dict, u *auth.User) (*Authenticator, []serializer.Value, error) {
	code, ferr := charField(data, "code")
	if !ferr.IsNone() {
		return nil, []serializer.Value{ferr}, nil
	}
	if u == nil {
		return nil, nil, fmt.Errorf("%w: the second factor of no user", errStash)
	}
	ctx := r.Context()
	key := "mfa-auth-user-" + u.ID
	if _, ok, err := h.consume(ctx, r, "login_failed", key, ""); err != nil {
		return nil, nil, err
	} else if !ok {
		return nil, []serializer.Value{fieldError("Too many failed login attempts. Try again later.", "too_many_login_attempts", "code")}, nil
	}
	src, err := h.mfaSource()
	if err != nil {
		return nil, nil, err
	}
	list, err := src.Authenticators(ctx, u.ID)
	if err != nil {
		return nil, nil, err
	}
	for _, au := range list {
		var ok bool
		switch au.Type {
		case "webauthn":
			continue
		case "totp":
			ok, err = h.validateTOTP(ctx, au, u.ID, code)
		case "recovery_codes":
			ok, err = h.validateRecoveryCode(ctx, src, au, code)
		default:
			err = fmt.Errorf("headless: authenticator %d of type %q", au.ID, au.Type)
		}
		if err != nil {
			return nil, nil, err
		}
		if ok {
			return au, nil, h.clearRate(ctx, r, "login_failed", key)
		}
	}
	return nil, []serializer.Value{fieldError("Incorrect code.", "incorrect_code", "code")}, nil
}

// postMFAAuthentication is post_authentication: the authenticator's last use
// recorded, then the authentication ({"method": "mfa", "id", "type"}, and
// "reauthenticated").
func (h *Headless) postMFAAuthentication(ctx context.Context, s *django.Session, u *auth.User, au *Authenticator, reauthenticated bool) error {
	src, err := h.mfaSource()
	if err != nil {
		return err
	}
	if err := src.RecordUsage(ctx, au.ID, h.now()); err != nil {
		return err
	}
	extra := serializer.NewDict()
	extra.Set("id", serializer.Int(au.ID))
	extra.Set("type", serializer.Str(au.Type))
	if reauthenticated {
		extra.Set("reauthenticated", serializer.Bool(true))
	}
	h.record(s, u, "mfa", extra)
	return nil
}

// unauthorizedResponse is UnauthorizedResponse for the request's session: its flows,
// "is_authenticated" null.
func (h *Headless) unauthorizedResponse(w http.ResponseWriter, r *http.Request, c *appContext) error {
	u, err := h.SessionUser(r.Context(), c.session)
	if err != nil {
		return err
	}
	flows, err := h.flows(r.Context(), c.session, u == nil)
	if err != nil {
		return err
	}
	data := serializer.NewDict()
	data.Set("flows", flows)
	meta := serializer.NewDict()
	meta.Set("is_authenticated", serializer.None())
	if _, err := c.withSessionMeta(r, meta); err != nil {
		return err
	}
	h.apiResponse(w, r, http.StatusUnauthorized, serializer.DictValue(data), serializer.DictValue(meta), serializer.None())
	return nil
}

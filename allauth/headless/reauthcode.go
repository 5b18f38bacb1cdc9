package headless

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/internal/pystr"
	"github.com/djsession/djsession/serializer"
)

// RequestReauthenticationCodeView is the app client's request for a reauthentication
// code (allauth's RequestReauthenticationCodeView, at
// _allauth/app/v1/auth/reauthenticate/code/request): POST {"email": ...} mails a code
// (Headless.Mailer: "account/email/login_code", reauthentication true) to one of the
// session user's verified addresses (the recipients of the "reauthenticate_by_code"
// flow) and keeps the process in the session as allauth keeps it; a 200. Its
// answers: the input's 400s ("unknown_email" for an address that is not a recipient,
// "too_many_login_attempts" once the "request_login_code" rate of the address is used
// up), the "reauthenticate" rate's 429 (per user), an anonymous session's 401, the
// 403 of a site without "code" among ACCOUNT_REAUTHENTICATION_METHODS. Without a
// Mailer, the request goes to fallback.
func (h *Headless) RequestReauthenticationCodeView(fallback http.Handler) http.Handler {
	return h.appView(h.serveRequestReauthCode, fallback)
}

// BrowserRequestReauthenticationCodeView is the browser client's
// (_allauth/browser/v1/auth/reauthenticate/code/request).
func (h *Headless) BrowserRequestReauthenticationCodeView(fallback http.Handler) http.Handler {
	return h.browserView(h.serveRequestReauthCode, fallback)
}

// ConfirmReauthenticationCodeView is the app client's confirmation of a
// reauthentication code (allauth's ConfirmReauthenticationCodeView, at
// _allauth/app/v1/auth/reauthenticate/code/confirm): POST {"code": ...} takes the code
// mailed (by Go or by Django), records the reauthentication ({"method": "code", "at":
// ..., "email": ..., "reauthenticated": true}), verifies the address as the login by
// code does, and answers the user (a 200); a wrong code is allauth's 400 (the
// ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS-th drops the process), a session with no process
// (or one older than ACCOUNT_LOGIN_BY_CODE_TIMEOUT) gets the 409. An address to verify
// on a site with ACCOUNT_CHANGE_EMAIL goes to fallback.
func (h *Headless) ConfirmReauthenticationCodeView(fallback http.Handler) http.Handler {
	return h.appView(h.serveConfirmReauthCode, fallback)
}

// BrowserConfirmReauthenticationCodeView is the browser client's
// (_allauth/browser/v1/auth/reauthenticate/code/confirm).
func (h *Headless) BrowserConfirmReauthenticationCodeView(fallback http.Handler) http.Handler {
	return h.browserView(h.serveConfirmReauthCode, fallback)
}

// ResendReauthenticationCodeView is the app client's new reauthentication code
// (allauth's ResendReauthenticationCodeView, at
// _allauth/app/v1/auth/reauthenticate/code/resend): POST mails a new code and answers
// {"status": 200}; the 409 once ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND's count is used
// up or without a process. Without a Mailer, the request goes to fallback.
func (h *Headless) ResendReauthenticationCodeView(fallback http.Handler) http.Handler {
	return h.appView(h.serveResendReauthCode, fallback)
}

// BrowserResendReauthenticationCodeView is the browser client's
// (_allauth/browser/v1/auth/reauthenticate/code/resend).
func (h *Headless) BrowserResendReauthenticationCodeView(fallback http.Handler) http.Handler {
	return h.browserView(h.serveResendReauthCode, fallback)
}

// reauthCodeUser is ReauthenticationAPIView's dispatch for the "code" method: the
// session's user, or nil when it answered (an anonymous session's 401, the 403 of a
// site without the method).
func (h *Headless) reauthCodeUser(w http.ResponseWriter, r *http.Request, c *appContext) (*auth.User, error) {
	if err := h.loginCheck(); err != nil {
		return nil, err
	}
	u, err := h.sessionUser(w, r, c)
	if err != nil || u == nil {
		return nil, err
	}
	if !slices.Contains(h.Settings.ReauthenticationMethods, "code") {
		return nil, h.metaResponse(w, r, c, http.StatusForbidden, serializer.None())
	}
	return u, nil
}

// e164 is PhoneField's validator (Python's \d: any decimal digit).
var e164 = regexp.MustCompile(`^\+[1-9]\p{Nd}{5,14}$`)

// serveRequestReauthCode is the dispatch, the "reauthenticate" rate limit,
// RESTView.handle with RequestReauthenticationCodeInput, and the view's post
// (ConfirmReauthenticationCodeProcess.initiate).
func (h *Headless) serveRequestReauthCode(w http.ResponseWriter, r *http.Request, c *appContext) error {
	u, err := h.reauthCodeUser(w, r, c)
	if err != nil || u == nil {
		return err
	}
	if h.Mailer == nil {
		return ErrLoginStage
	}
	ctx := r.Context()
	data, ok, err := h.reauthInput(w, r, c, u)
	if err != nil || !ok {
		return err
	}
	email, errs := h.emailField(data, "email")
	phone := formStr(data, "phone") // (a PhoneField: its validators, then no phone is ever a recipient)
	if phone != "" {
		if !e164.MatchString(phone) {
			errs = append(errs, fieldError("Enter a phone number including country code (e.g. +1 for the US).", "invalid_phone", "phone"))
		}
		if strings.IndexByte(phone, 0) >= 0 {
			errs = append(errs, fieldError("Null characters are not allowed.", "null_characters_not_allowed", "phone"))
		}
	}
	if len(errs) == 0 { // (clean)
		switch {
		case email == "" && phone == "":
			errs = append(errs, formError("This field is required.", "required"))
		case email != "" && phone != "":
			errs = append(errs, formError("Please select only one.", "select_only_one"))
		case phone != "":
			errs = append(errs, fieldError("The phone number is not assigned to any user account.", "unknown_phone", "phone"))
		default:
			recipient := ""
			if src, ok := h.Emails.(VerifiedEmailSource); ok {
				verified, err := src.VerifiedEmails(ctx, u.ID)
				if err != nil {
					return err
				}
				for _, e := range verified {
					if pystr.Lower(e) == pystr.Lower(email) {
						recipient = e
						break
					}
				}
			}
			if recipient == "" {
				errs = append(errs, fieldError("The email address is not assigned to any user account.", "unknown_email", "email"))
			} else if _, ok, err := h.consume(ctx, r, "request_login_code", pystr.Lower(recipient), ""); err != nil {
				return err
			} else if !ok {
				errs = append(errs, fieldError("Too many failed login attempts. Try again later.", "too_many_login_attempts", "email"))
			}
			email = recipient
		}
	}
	if len(errs) > 0 {
		return h.metaResponse(w, r, c, http.StatusBadRequest, serializer.List(errs...))
	}
	if !restPost(w, r) {
		return nil
	}
	state := h.codeState(u, email)
	if err := h.sendLoginCode(ctx, r, u, state, false, true); err != nil {
		return err
	}
	c.session.Set(reauthCodeKey, serializer.DictValue(state)) // (persist)
	return h.metaResponse(w, r, c, http.StatusOK, serializer.None())
}

// serveConfirmReauthCode is the dispatch, the view's handle (resume: the 409),
// RESTView.handle with ConfirmReauthenticationCodeInput, and the view's post (the
// process's finish).
func (h *Headless) serveConfirmReauthCode(w http.ResponseWriter, r *http.Request, c *appContext) error {
	u, err := h.reauthCodeUser(w, r, c)
	if err != nil || u == nil {
		return err
	}
	state, err := h.reauthCodeState(c.session)
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
			c.session.Pop(reauthCodeKey) // (abort)
		} else {
			c.session.Set(reauthCodeKey, serializer.DictValue(state)) // (persist)
		}
		return h.metaResponse(w, r, c, http.StatusBadRequest, serializer.List(ferr))
	}
	if !restPost(w, r) {
		return nil
	}
	// finish: the reauthentication recorded, the address verified, the process gone.
	email, _ := state.Get("email")
	extra := serializer.NewDict()
	if !email.IsNone() {
		extra.Set("email", email)
	}
	if ph, _ := state.Get("phone"); !ph.IsNone() {
		extra.Set("phone", ph)
	}
	extra.Set("reauthenticated", serializer.Bool(true))
	h.record(c.session, u, "code", extra)
	if email.Truthy() {
		addr, isStr := email.AsStr()
		if !isStr {
			return fmt.Errorf("headless: a reauthentication code's address of type %s", email.Kind())
		}
		if err := h.verifyIndirectly(r, u, addr); err != nil {
			return err
		}
	}
	c.session.Pop(reauthCodeKey)
	return h.authenticationResponse(w, r, c, u)
}

// serveResendReauthCode is the dispatch and the view's post (resume, resend).
func (h *Headless) serveResendReauthCode(w http.ResponseWriter, r *http.Request, c *appContext) error {
	u, err := h.reauthCodeUser(w, r, c)
	if err != nil || u == nil {
		return err
	}
	if h.Mailer == nil {
		return ErrLoginStage
	}
	if !restPost(w, r) {
		return nil
	}
	state, err := h.reauthCodeState(c.session)
	if err != nil {
		return err
	}
	if state == nil {
		return h.metaResponse(w, r, c, http.StatusConflict, serializer.None())
	}
	if more, err := h.resendCode(r, u, state, true, nil); err != nil {
		return err
	} else if !more {
		return h.metaResponse(w, r, c, http.StatusConflict, serializer.None())
	}
	c.session.Set(reauthCodeKey, serializer.DictValue(state)) // (persist)
	return h.metaResponse(w, r, c, http.StatusOK, serializer.None())
}

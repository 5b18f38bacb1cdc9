package headless

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/internal/pystr"
	"github.com/djsession/djsession/serializer"
)

// totpSecretKey is the session key of a TOTP secret on its way to activation.
const totpSecretKey = "mfa.totp.secret"

// UnverifiedEmailSource tells whether a user has an unverified address
// (SQLEmailAddresses implements it).
type UnverifiedEmailSource interface {
	HasUnverifiedEmail(ctx context.Context, userID string) (bool, error)
}

// HasUnverifiedEmail implements UnverifiedEmailSource.
func (e *SQLEmailAddresses) HasUnverifiedEmail(ctx context.Context, userID string) (bool, error) {
	u := e.users
	id, err := u.KeyArg(userID)
	if err != nil {
		return false, err
	}
	q := fmt.Sprintf(`SELECT 1 FROM %s WHERE %s = %s AND NOT %s`, u.Quote(e.table), u.Quote("user_id"), u.Param(1), u.Quote("verified"))
	rows, err := u.DB().QueryContext(ctx, q, id)
	if err != nil {
		return false, fmt.Errorf("headless: email addresses: %w", err)
	}
	defer rows.Close()
	found := rows.Next()
	return found, rows.Err()
}

// TOTPView is the app client's TOTP authenticator endpoint (allauth.headless's mfa
// ManageTOTPView, at _allauth/app/v1/account/authenticators/totp): GET answers the
// user's TOTP authenticator, or allauth's 404 with a new secret (kept in the session)
// and its otpauth:// URL for the user's app; POST {"code": ...} activates that secret
// with a code of it (the recovery codes made when there are none), DELETE deactivates
// the authenticator (and recovery codes left alone); both need a recent
// reauthentication (MFA_REAUTHENTICATION_REQUIRED: else allauth's 401 with the ways to
// reauthenticate). A user with an unverified address gets allauth's 409 (400 for a
// POST), an anonymous session the 401 with the flows. With ACCOUNT_EMAIL_NOTIFICATIONS,
// each is notified ("mfa/email/totp_activated", "mfa/email/totp_deactivated", through
// Headless.Mailer; without one, POSTs and DELETEs go to fallback: ErrLoginStage).
func (h *Headless) TOTPView(fallback http.Handler) http.Handler {
	return h.appView(h.serveTOTP, fallback)
}

// BrowserTOTPView is the browser client's
// (_allauth/browser/v1/account/authenticators/totp): TOTPView's answers for the
// request's own session, behind the session and CSRF middleware.
func (h *Headless) BrowserTOTPView(fallback http.Handler) http.Handler {
	return h.browserView(h.serveTOTP, fallback)
}

const allowTOTP = "GET, POST, DELETE, HEAD, OPTIONS"

// serveTOTP is AuthenticatedAPIView's dispatch, RESTView.handle with ActivateTOTPInput
// for POST, and ManageTOTPView's get, post and delete.
func (h *Headless) serveTOTP(w http.ResponseWriter, r *http.Request, c *appContext) error {
	u, list, err := h.userAuthenticators(w, r, c)
	if err != nil || u == nil {
		return err
	}
	ctx := r.Context()
	src, _ := h.mfaSource()
	totp, hasRC := firstOfType(list, "totp"), firstOfType(list, "recovery_codes") != nil
	if r.Method == http.MethodGet {
		return h.totpGet(w, r, c, u, totp)
	}
	data, ok, err := h.jsonBody(r)
	if err != nil || !ok {
		if err == nil {
			emptyResponse(w, http.StatusBadRequest, "")
		}
		return err
	}
	switch r.Method {
	case http.MethodHead:
		return h.totpGet(w, r, c, u, totp)
	case http.MethodPost:
		secret := h.totpSecret(c.session, false)
		errs, err := h.activateTOTPInput(r, data, u, secret)
		if err != nil {
			return err
		}
		if len(errs) > 0 {
			return h.metaResponse(w, r, c, http.StatusBadRequest, serializer.List(errs...))
		}
		text, _ := secret.AsStr() // (a str: activateTOTPInput took its code)
		return h.activateTOTP(w, r, c, u, text, hasRC)
	case http.MethodDelete:
		if totp != nil {
			if done, err := h.reauthenticated(w, r, c, u); err != nil || !done {
				return err
			}
			if h.notificationsHandOn() {
				return fmt.Errorf("%w: the mail of a TOTP authenticator gone (ACCOUNT_EMAIL_NOTIFICATIONS) needs a Mailer", ErrLoginStage)
			}
			if err := src.DeleteAuthenticator(ctx, totp.ID); err != nil {
				return err
			}
			others := slices.ContainsFunc(list, func(a *Authenticator) bool { return a.ID != totp.ID && a.Type != "recovery_codes" })
			if !others { // (delete_dangling_recovery_codes)
				if err := src.DeleteAuthenticators(ctx, u.ID, "recovery_codes"); err != nil {
					return err
				}
			}
			if err := h.notify(ctx, r, "mfa/email/totp_deactivated", u); err != nil {
				return err
			}
		}
		return h.metaResponse(w, r, c, http.StatusOK, serializer.None())
	case http.MethodOptions:
		emptyResponse(w, http.StatusOK, allowTOTP)
		return nil
	}
	emptyResponse(w, http.StatusMethodNotAllowed, allowTOTP)
	return nil
}

// totpGet is ManageTOTPView.get: the authenticator, or a new secret to activate.
func (h *Headless) totpGet(w http.ResponseWriter, r *http.Request, c *appContext, u *auth.User, totp *Authenticator) error {
	if totp != nil {
		d, err := h.authenticatorData(totp, false)
		if err != nil {
			return err
		}
		return h.dataResponse(w, r, c, http.StatusOK, serializer.DictValue(d), serializer.None())
	}
	if e, err := h.canAddAuthenticator(r.Context(), u); err != nil {
		return err
	} else if !e.IsNone() {
		return h.metaResponse(w, r, c, http.StatusConflict, serializer.List(e))
	}
	secret, _ := h.totpSecret(c.session, true).AsStr()
	url, err := h.totpURL(r, u, secret)
	if err != nil {
		return err
	}
	meta := serializer.NewDict()
	meta.Set("secret", serializer.Str(secret))
	meta.Set("totp_url", serializer.Str(url))
	if _, err := c.withSessionMeta(r, meta); err != nil {
		return err
	}
	h.apiResponse(w, r, http.StatusNotFound, serializer.None(), serializer.DictValue(meta), serializer.None())
	return nil
}

// canAddAuthenticator is validate_can_add_authenticator: its error (None when the user
// may add one): an unverified address, unless MFA_ALLOW_UNVERIFIED_EMAIL.
func (h *Headless) canAddAuthenticator(ctx context.Context, u *auth.User) (serializer.Value, error) {
	if h.Settings.MFAAllowUnverifiedEmail || h.Emails == nil {
		return serializer.None(), nil
	}
	src, ok := h.Emails.(UnverifiedEmailSource)
	if !ok {
		return serializer.None(), fmt.Errorf("headless: adding an authenticator needs the Emails' unverified addresses (an UnverifiedEmailSource)")
	}
	unverified, err := src.HasUnverifiedEmail(ctx, u.ID)
	if err != nil || !unverified {
		return serializer.None(), err
	}
	return formError("You cannot activate two-factor authentication until you have verified your email address.", "unverified_email"), nil
}

// totpSecret is get_totp_secret: the session's secret as it is (a new one when
// regenerate, or when there is none), kept in the session.
func (h *Headless) totpSecret(s *django.Session, regenerate bool) serializer.Value {
	if !regenerate {
		if v, _ := s.Get(totpSecretKey); v.Truthy() {
			return v
		}
	}
	b := make([]byte, 20)
	rand.Read(b)
	secret := serializer.Str(base32.StdEncoding.EncodeToString(b))
	s.Set(totpSecretKey, secret)
	return secret
}

// totpURL is the MFA adapter's build_totp_url: otpauth://totp/<label>?secret=...&issuer=...
// (digits and period when they are not the defaults), quoted as Python's quote.
func (h *Headless) totpURL(r *http.Request, u *auth.User, secret string) (string, error) {
	s := h.Settings
	label := ""
	if s.UserModelEmailField != "" {
		label = pystr.Lower(u.Email) // (user_email)
	}
	if label == "" && s.UserModelUsernameField != "" {
		label = u.Username
	}
	if label == "" {
		label = u.Username // (str(user): get_username())
	}
	issuer := s.TOTPIssuer
	if issuer == "" {
		issuer = h.SiteName
		if !s.SitesInstalled {
			ds := h.Sessions.Settings()
			host, err := ds.GetHost(r)
			if err != nil {
				return "", err
			}
			issuer = host
		}
	}
	q := "secret=" + pyQuote(secret, "") + "&issuer=" + pyQuote(issuer, "")
	if s.TOTPDigits != 6 {
		q += "&digits=" + strconv.Itoa(s.TOTPDigits)
	}
	if s.TOTPPeriod != 30 {
		q += "&period=" + strconv.Itoa(s.TOTPPeriod)
	}
	return "otpauth://totp/" + pyQuote(label, "/") + "?" + q, nil
}

// pyQuote is urllib.parse.quote(s, safe): the UTF-8 bytes of s but letters, digits,
// "_.-~" and safe's, %XX-escaped.
func pyQuote(s, safe string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x80 && (isAlnum(c) || strings.IndexByte("_.-~", c) >= 0 || strings.IndexByte(safe, c) >= 0) {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// activateTOTPInput is ActivateTOTPForm's validation: the code (a required CharField),
// then clean_code: the user may add an authenticator, the failed logins' rate of the
// user ("rate_limited"), the code one of the secret's (not marked used), the rate's
// counts cleared.
func (h *Headless) activateTOTPInput(r *http.Request, data *serializer.Dict, u *auth.User, secret serializer.Value) ([]serializer.Value, error) {
	code, ferr := charField(data, "code")
	if !ferr.IsNone() {
		return []serializer.Value{ferr}, nil
	}
	ctx := r.Context()
	if e, err := h.canAddAuthenticator(ctx, u); err != nil {
		return nil, err
	} else if !e.IsNone() {
		e.Dict().Set("param", serializer.Str("code"))
		return []serializer.Value{e}, nil
	}
	key := "mfa-auth-user-" + u.ID
	if _, ok, err := h.consume(ctx, r, "login_failed", key, ""); err != nil {
		return nil, err
	} else if !ok {
		return []serializer.Value{fieldError("Be patient, you are sending too many requests.", "rate_limited", "code")}, nil
	}
	text, ok := secret.AsStr()
	if !ok { // (hotp_value: secret.encode, an AttributeError)
		return nil, fmt.Errorf("headless: the session's TOTP secret is a %s", secret.Kind())
	}
	valid, err := h.totpCodeValid(text, code)
	if err != nil {
		return nil, err
	}
	if !valid {
		return []serializer.Value{fieldError("Incorrect code.", "incorrect_code", "code")}, nil
	}
	return nil, h.clearRate(ctx, r, "login_failed", key)
}

// reauthenticated is raise_if_reauthentication_required(app="allauth.mfa"): false when
// it answered allauth's 401.
func (h *Headless) reauthenticated(w http.ResponseWriter, r *http.Request, c *appContext, u *auth.User) (bool, error) {
	required, err := h.reauthenticationRequired(r.Context(), c.session, u)
	if err != nil || !required {
		return err == nil, err
	}
	return false, h.reauthenticationResponse(w, r, c, u)
}

// activateTOTP is activate_totp: the TOTP authenticator added (its secret encrypted),
// recovery codes made when the user has none, the session's secret dropped.
func (h *Headless) activateTOTP(w http.ResponseWriter, r *http.Request, c *appContext, u *auth.User, secret string, hasRC bool) error {
	ctx := r.Context()
	if done, err := h.reauthenticated(w, r, c, u); err != nil || !done {
		return err
	}
	if h.notificationsHandOn() {
		return fmt.Errorf("%w: the mail of a TOTP authenticator added (ACCOUNT_EMAIL_NOTIFICATIONS) needs a Mailer", ErrLoginStage)
	}
	enc, err := h.encrypt(secret)
	if err != nil {
		return err
	}
	src, _ := h.mfaSource()
	data := serializer.NewDict()
	data.Set("secret", serializer.Str(enc))
	totp := &Authenticator{Type: "totp", Data: serializer.DictValue(data)}
	if err := src.CreateAuthenticator(ctx, u.ID, totp, h.now()); err != nil {
		return err
	}
	if err := h.notify(ctx, r, "mfa/email/totp_activated", u); err != nil { // (on_commit, at once)
		return err
	}
	if !hasRC && slices.Contains(h.Settings.MFASupportedTypes, "recovery_codes") { // (auto_generate_recovery_codes)
		if _, err := h.activateRecoveryCodes(ctx, u, false); err != nil {
			return err
		}
	}
	c.session.Pop(totpSecretKey) // (clear_totp_secret)
	d, err := h.authenticatorData(totp, false)
	if err != nil {
		return err
	}
	return h.dataResponse(w, r, c, http.StatusOK, serializer.DictValue(d), serializer.None())
}

// encrypt is the MFA adapter's encrypt.
func (h *Headless) encrypt(text string) (string, error) {
	if h.MFAEncrypt != nil {
		return h.MFAEncrypt(text)
	}
	if a := h.Settings.MFAAdapter; a != "" && a != "allauth.mfa.adapter.DefaultMFAAdapter" {
		return "", fmt.Errorf("%w: MFA_ADAPTER %q needs Headless.MFAEncrypt", ErrSettings, a)
	}
	return text, nil
}

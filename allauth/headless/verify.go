package headless

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"math/big"
	"net/http"
	"time"

	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/internal/pystr"
	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/signing"
)

// VerifyEmailView is the app client's email verification by link (allauth's
// VerifyEmailView, at _allauth/app/v1/auth/email/verify): the key of allauth's
// verification mail (EmailConfirmationHMAC: signing.dumps of the address's id, salt
// ACCOUNT_SALT, good for ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS) is read by GET (the
// X-Email-Verification-Key header: {"email", "user"} and meta "is_authenticating",
// whether a login waits at the "verify_email" stage) and taken by POST {"key": ...}: the
// address verified as allauth verifies it (made primary, with the user's own email,
// when the user has none), then a login waiting for it resumed with
// ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION (the session logged in, or the login stashed at
// the second factor) or dropped without, answered as allauth's AuthenticationResponse.
// A bad or expired key is allauth's 400 ("invalid_or_expired_key"), an address
// another user verified meanwhile "email_taken" (ACCOUNT_UNIQUE_EMAIL). With
// ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED the key is the code mailed (LoginView's, or
// Django's: allauth's process in the session, compared as allauth compares user codes):
// a session with no process pending, or one older than
// ACCOUNT_EMAIL_VERIFICATION_BY_CODE_TIMEOUT (then dropped), gets allauth's 409; a wrong
// code is "incorrect_code", counted, and the
// ACCOUNT_EMAIL_VERIFICATION_BY_CODE_MAX_ATTEMPTS-th drops the process and the login; the
// code taken resumes the login whatever ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION says.
// With ACCOUNT_EMAIL_CONFIRMATION_HMAC off, the key is a row's of the EmailConfirmation
// table (Emails a ConfirmationTable; compared lowercased, good for
// ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS from its sending). ACCOUNT_CHANGE_EMAIL, a
// process allauth would fail on (of no user, or for an address no longer stored or
// verified meanwhile) and a resumed login that meets a stage other than the second
// factor go to fallback (ErrLoginStage).
func (h *Headless) VerifyEmailView(fallback http.Handler) http.Handler {
	return h.appView(h.serveVerifyEmail, fallback)
}

// BrowserVerifyEmailView is the browser client's (_allauth/browser/v1/auth/email/verify):
// VerifyEmailView's answers for the request's own session, behind the session and CSRF
// middleware.
func (h *Headless) BrowserVerifyEmailView(fallback http.Handler) http.Handler {
	return h.browserView(h.serveVerifyEmail, fallback)
}

// EmailConfirmer is what the verification by link reads and writes of allauth's
// addresses (SQLEmailAddresses implements it).
type EmailConfirmer interface {
	// UnverifiedAddress is EmailAddress.objects.get(pk=id, verified=False): the row's
	// user and address, false for none.
	UnverifiedAddress(ctx context.Context, id int64) (EmailAddress, bool, error)
	// CanSetVerified is can_set_verified for the unverified row id: with unique
	// (ACCOUNT_UNIQUE_EMAIL), no other row of its address verified.
	CanSetVerified(ctx context.Context, id int64, unique bool) (bool, error)
	// ConfirmAddress is verify_email for the unverified row id: verified, made primary
	// (with the user's own email) when the user has none.
	ConfirmAddress(ctx context.Context, id int64, unique bool) error
}

// UnverifiedAddress implements EmailConfirmer.
func (e *SQLEmailAddresses) UnverifiedAddress(ctx context.Context, id int64) (EmailAddress, bool, error) {
	a, userID, found, err := e.rowByID(ctx, id)
	if err != nil || !found || a.verified {
		return EmailAddress{}, false, err
	}
	return EmailAddress{UserID: userID, Email: a.email}, true, nil
}

// CanSetVerified implements EmailConfirmer.
func (e *SQLEmailAddresses) CanSetVerified(ctx context.Context, id int64, unique bool) (bool, error) {
	a, _, found, err := e.rowByID(ctx, id)
	if err != nil || !found || a.verified || !unique {
		return err == nil, err
	}
	u := e.users
	var n int
	q := fmt.Sprintf(`SELECT COUNT(*) FROM %s WHERE %s <> %s AND %s AND %s = %s`, u.Quote(e.table), u.Quote("id"), u.Param(1),
		u.Quote("verified"), u.Quote("email"), u.Param(2))
	if err := u.DB().QueryRowContext(ctx, q, a.id, a.email).Scan(&n); err != nil {
		return false, fmt.Errorf("headless: email addresses: %w", err)
	}
	return n == 0, nil
}

// ConfirmAddress implements EmailConfirmer.
func (e *SQLEmailAddresses) ConfirmAddress(ctx context.Context, id int64, unique bool) error {
	a, userID, found, err := e.rowByID(ctx, id)
	if err != nil || !found || a.verified {
		return err
	}
	key, err := e.users.KeyArg(userID)
	if err != nil {
		return err
	}
	return e.verifyRow(ctx, key, userID, a, unique)
}

// rowByID is the row id and its user's id.
func (e *SQLEmailAddresses) rowByID(ctx context.Context, id int64) (addressRow, string, bool, error) {
	u := e.users
	q := fmt.Sprintf(`SELECT %s, %s, %s, %s FROM %s WHERE %s = %s`, u.Quote("id"), u.Quote("email"), u.Quote("verified"),
		u.Quote("user_id"), u.Quote(e.table), u.Quote("id"), u.Param(1))
	var a addressRow
	var userID string
	err := u.DB().QueryRowContext(ctx, q, id).Scan(&a.id, &a.email, &a.verified, &userID)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return a, "", false, nil
		}
		return a, "", false, fmt.Errorf("headless: email addresses: %w", err)
	}
	return a, userID, true, nil
}

// verifyCheck refuses what VerifyEmailView hands on.
func (h *Headless) verifyCheck() error {
	s := h.Settings
	if _, table := h.Emails.(ConfirmationTable); !s.EmailVerificationByCodeEnabled && !s.EmailConfirmationHMAC && !table {
		return ErrLoginStage
	}
	if _, ok := h.Emails.(EmailConfirmer); !ok {
		return errors.New("headless: VerifyEmailView needs the Emails' addresses (an EmailConfirmer)")
	}
	if _, ok := h.Emails.(LoginAddressSource); !ok && s.EmailVerificationByCodeEnabled {
		return errors.New("headless: VerifyEmailView by code needs the Emails' addresses (a LoginAddressSource)")
	}
	return h.loginCheck()
}

// confirmationAddress is EmailConfirmationHMAC.from_key: the id of the unverified
// address the key names (signing.loads, ACCOUNT_SALT, max_age
// ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS), false for a bad or expired key or an address
// gone or verified.
func (h *Headless) confirmationAddress(ctx context.Context, key string) (int64, EmailAddress, bool, error) {
	if !h.Settings.EmailConfirmationHMAC {
		return h.tableConfirmationAddress(ctx, key)
	}
	ds := h.Sessions.Settings()
	v, err := signing.Loads(key, signing.LoadsOptions{Key: ds.SecretKey, FallbackKeys: ds.SecretKeyFallbacks,
		Salt: h.accountSalt(), MaxAge: time.Duration(h.Settings.EmailConfirmationExpireDays) * 24 * time.Hour,
		Now: ds.Now})
	if errors.Is(err, signing.ErrBadSignature) {
		return 0, EmailAddress{}, false, nil
	}
	if err != nil {
		return 0, EmailAddress{}, false, err // (a good signature of no JSON: allauth's 500)
	}
	// (the id field's get_prep_value: int() of the value)
	var n *big.Int
	switch v.Kind() {
	case serializer.KindNone:
		return 0, EmailAddress{}, false, nil // (pk=None: no row)
	case serializer.KindStr:
		s, _ := v.AsStr()
		var ok bool
		if n, ok = pystr.Int(s); !ok {
			return 0, EmailAddress{}, false, fmt.Errorf("headless: an email confirmation of id %q", s)
		}
	case serializer.KindFloat:
		f, _ := v.AsFloat()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, EmailAddress{}, false, fmt.Errorf("headless: an email confirmation of id %v", f)
		}
		n, _ = big.NewFloat(math.Trunc(f)).Int(nil)
	case serializer.KindBool:
		b, _ := v.AsBool()
		n = big.NewInt(map[bool]int64{true: 1}[b])
	default:
		var ok bool
		if n, ok = v.AsBigInt(); !ok {
			return 0, EmailAddress{}, false, fmt.Errorf("headless: an email confirmation of id %s", pyRepr(v))
		}
	}
	if !n.IsInt64() { // (beyond the column: no row from Django 5.0 on, an error before)
		if djangoBefore5(h.Sessions.Settings().DjangoVersion) {
			return 0, EmailAddress{}, false, fmt.Errorf("headless: an email confirmation of id %s", n)
		}
		return 0, EmailAddress{}, false, nil
	}
	id := n.Int64()
	a, found, err := h.Emails.(EmailConfirmer).UnverifiedAddress(ctx, id)
	return id, a, found, err
}

// verifyStage is LoginStageController.enter(request, "verify_email"): the stashed login
// when it waits at that stage.
func (h *Headless) verifyStage(ctx context.Context, c *appContext) (*stashedLogin, error) {
	l, err := h.unstashLogin(ctx, c.session)
	if err != nil || l == nil || l.current() != stageVerifyEmail {
		return nil, err
	}
	return l, nil
}

// verifyKeyInput is VerifyEmailInput's clean_key of data's "key": the address's id
// and row, or the field's error.
func (h *Headless) verifyKeyInput(ctx context.Context, data *serializer.Dict) (int64, EmailAddress, serializer.Value, error) {
	key, ferr := charField(data, "key")
	if !ferr.IsNone() {
		return 0, EmailAddress{}, ferr, nil
	}
	id, a, found, err := h.confirmationAddress(ctx, key)
	if err != nil {
		return 0, EmailAddress{}, serializer.None(), err
	}
	if !found {
		return 0, EmailAddress{}, fieldError("Invalid or expired key.", "invalid_or_expired_key", "key"), nil
	}
	ok, err := h.Emails.(EmailConfirmer).CanSetVerified(ctx, id, h.Settings.UniqueEmail)
	if err != nil {
		return 0, EmailAddress{}, serializer.None(), err
	}
	if !ok {
		return 0, EmailAddress{}, fieldError("A user is already registered with this email address.", "email_taken", "key"), nil
	}
	return id, a, serializer.None(), nil
}

// serveVerifyEmail is VerifyEmailView's handle, get and post (for keys of links).
func (h *Headless) serveVerifyEmail(w http.ResponseWriter, r *http.Request, c *appContext) error {
	if err := h.verifyCheck(); err != nil {
		return err
	}
	if h.Settings.EmailVerificationByCodeEnabled {
		return h.serveVerifyEmailCode(w, r, c)
	}
	ctx := r.Context()
	stage, err := h.verifyStage(ctx, c)
	if err != nil {
		return err
	}
	data, ok, err := h.verifyKeyData(w, r)
	if err != nil || !ok {
		return err
	}
	id, a, ferr, err := h.verifyKeyInput(ctx, data)
	if err != nil {
		return err
	}
	if !ferr.IsNone() {
		return h.metaResponse(w, r, c, http.StatusBadRequest, serializer.List(ferr))
	}
	if post, err := h.verifyDispatch(w, r, c, a, stage, func(data *serializer.Dict) (EmailAddress, serializer.Value, error) {
		_, a, ferr, err := h.verifyKeyInput(ctx, data)
		return a, ferr, err
	}); err != nil || !post {
		return err
	}
	su, err := h.SessionUser(ctx, c.session)
	if err != nil {
		return err
	}
	return h.confirmAndResume(w, r, c, stage, su, id, a.Email, a.UserID, false)
}

// confirmAndResume is the address id (of the user userID; 0 for its address email,
// not stored) verified as verify_email verifies it, then login_on_verification: a login waiting for it (stage) resumed
// (by code, or with ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION) when the session (of the user
// su) is anonymous and the login is the address's user's, else dropped; answered as
// allauth's AuthenticationResponse. By code, the process's state is dropped first
// (finish).
func (h *Headless) confirmAndResume(w http.ResponseWriter, r *http.Request, c *appContext, stage *stashedLogin, su *auth.User,
	id int64, email, userID string, byCode bool) error {
	ctx := r.Context()
	var from *ManagedAddress
	if h.Settings.ChangeEmail { // (verify_email removes the user's other addresses)
		if _, ok := h.Emails.(EmailManager); !ok || h.notificationsHandOn() {
			return ErrLoginStage
		}
		var err error
		if from, err = h.changeFrom(ctx, userID, id); err != nil {
			return err
		}
	}
	// login_on_verification, decided before anything is written.
	resume := stage != nil && (byCode || h.Settings.LoginOnEmailConfirmation) && su == nil && stage.user != nil &&
		stage.user.ID == userID
	stop := ""
	if resume {
		st, _ := stage.stages.Get(stageVerifyEmail)
		st.Dict().Set("handled", serializer.Bool(true)) // (stage.exit)
		var err error
		if stop, err = h.nextStage(ctx, c.session, stage, lastMethod(c, stage), ""); err != nil {
			return err
		}
		if stop != "" && (stop != stageMFAAuthenticate || h.Settings.mfaErr != nil || h.Settings.mfaStageFollowed()) {
			return ErrLoginStage
		}
	}
	if byCode {
		c.session.Pop(verificationCodeKey)
	}
	if id == 0 {
		var err error
		if id, err = h.addVerifiedAddress(ctx, userID, email); err != nil {
			return err
		}
	} else if err := h.Emails.(EmailConfirmer).ConfirmAddress(ctx, id, h.Settings.UniqueEmail); err != nil {
		return err
	}
	if h.Settings.ChangeEmail {
		if err := h.changeEmail(r, userID, id, from); err != nil {
			return err
		}
	}
	switch {
	case stage != nil && !resume: // (stage.abort)
		clearLogin(c.session)
	case resume && stop == stageMFAAuthenticate:
		if err := stage.advance(h.Settings.loginStages(), stop); err != nil {
			return err
		}
		if err := h.stashLogin(c.session, stage); err != nil {
			return err
		}
	case resume: // (resume_login: adapter.login, whether the user is active or not)
		if err := h.completeLogin(r, c, stage.user); err != nil {
			return err
		}
		su = stage.user
	}
	return h.authenticationResponse(w, r, c, su)
}

// verifyKeyData is VerifyEmailView's input: the X-Email-Verification-Key header's key
// for a GET, else the JSON body (allauth's bare 400 for none); false once answered.
func (h *Headless) verifyKeyData(w http.ResponseWriter, r *http.Request) (*serializer.Dict, bool, error) {
	if r.Method == http.MethodGet {
		data := serializer.NewDict()
		data.Set("key", serializer.Str(pystr.Latin1(r.Header.Get("X-Email-Verification-Key"))))
		return data, true, nil
	}
	data, ok, err := h.jsonBody(r)
	if err == nil && !ok {
		emptyResponse(w, http.StatusBadRequest, "")
	}
	return data, ok, err
}

// verifyDispatch is VerifyEmailView's dispatch once its input (the address a) is valid:
// get answers the address, head too once get's input (the header's key, read by input)
// is valid, OPTIONS and the other methods are answered; true for a POST.
func (h *Headless) verifyDispatch(w http.ResponseWriter, r *http.Request, c *appContext, a EmailAddress, stage *stashedLogin,
	input func(*serializer.Dict) (EmailAddress, serializer.Value, error)) (bool, error) {
	switch r.Method {
	case http.MethodGet:
		return false, h.verifyEmailResponse(w, r, c, a, stage)
	case http.MethodHead: // (View's head is its get, which reads the header's key)
		data := serializer.NewDict()
		data.Set("key", serializer.Str(pystr.Latin1(r.Header.Get("X-Email-Verification-Key"))))
		a, ferr, err := input(data)
		if err != nil {
			return false, err
		}
		if !ferr.IsNone() {
			return false, h.metaResponse(w, r, c, http.StatusBadRequest, serializer.List(ferr))
		}
		return false, h.verifyEmailResponse(w, r, c, a, stage)
	case http.MethodPost:
		return true, nil
	case http.MethodOptions:
		emptyResponse(w, http.StatusOK, allowGetPost)
	default:
		emptyResponse(w, http.StatusMethodNotAllowed, allowGetPost)
	}
	return false, nil
}

// verifyEmailResponse is VerifyEmailResponse: the address and its user, and whether a
// login waits for it.
func (h *Headless) verifyEmailResponse(w http.ResponseWriter, r *http.Request, c *appContext, a EmailAddress, stage *stashedLogin) error {
	ctx := r.Context()
	u, err := h.userByPK(ctx, a.UserID)
	if err != nil {
		return err
	}
	if u == nil {
		return fmt.Errorf("headless: the user %s of an address is gone", a.UserID)
	}
	ud, err := h.SerializeUser(ctx, u)
	if err != nil {
		return err
	}
	data := serializer.NewDict()
	data.Set("email", serializer.Str(a.Email))
	data.Set("user", serializer.DictValue(ud))
	meta := serializer.NewDict()
	meta.Set("is_authenticating", serializer.Bool(stage != nil))
	h.apiResponse(w, r, http.StatusOK, serializer.DictValue(data), serializer.DictValue(meta), serializer.None())
	return nil
}

// lastMethod is the method of the session's last authentication record ("" for none).
func lastMethod(c *appContext, l *stashedLogin) string {
	if l.user == nil {
		return ""
	}
	records := AuthenticationRecords(c.session, l.user).Items()
	if len(records) == 0 || records[len(records)-1].Kind() != serializer.KindDict {
		return ""
	}
	m, _ := records[len(records)-1].Dict().Get("method")
	s, _ := m.AsStr()
	return s
}

package headless

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/internal/pystr"
	"github.com/djsession/djsession/serializer"
)

// ErrLoginStage is a login that needs a stage this package does not run: an email
// verification (ACCOUNT_EMAIL_VERIFICATION "mandatory" and no verified address), a login
// code without a Mailer, a stage after the second factor; or a request that would send
// a mail without a Mailer. The views take back what they counted and hand such a
// request to their fallback.
var ErrLoginStage = errors.New("headless: a login that needs a stage (email verification, a login code, a second factor)")

// allauthBackend is allauth's authentication backend.
const allauthBackend = "allauth.account.auth_backends.AuthenticationBackend"

// EmailAddress is a row of allauth's account_emailaddress.
type EmailAddress struct {
	UserID, Email string
	Verified      bool
}

// EmailAddressSource is allauth's EmailAddress model as LoginView reads it
// (SQLEmailAddresses implements it).
type EmailAddressSource interface {
	EmailSource
	// AddressesByEmail are the rows whose email is email (an exact match, as the
	// database compares).
	AddressesByEmail(ctx context.Context, email string) ([]EmailAddress, error)
	// HasVerifiedEmail is has_verified_email: whether the user's address email (any of
	// the user's addresses for "") is verified.
	HasVerifiedEmail(ctx context.Context, userID, email string) (bool, error)
}

// AuthenticatorSource is allauth.mfa's Authenticator model as LoginView reads it.
type AuthenticatorSource interface {
	// HasAuthenticator is is_mfa_enabled(user, types).
	HasAuthenticator(ctx context.Context, userID string, types ...string) (bool, error)
}

// userFinder finds users by a field (auth.SQLUserSource).
type userFinder interface {
	UsersByField(ctx context.Context, column, value string, iexact bool) ([]*auth.User, error)
}

// LoginView is the app client's login endpoint (allauth's LoginView, at
// _allauth/app/v1/auth/login): POST {"username" or "email": ..., "password": ...} logs
// the session in as allauth does and answers the session's user (a 200 with
// {"user", "methods"}, and in the meta the session token to use from now on and, with
// JWTTokenStrategy, the access and refresh tokens); it answers with allauth's 400s
// (the input's errors, a wrong password, too many failed logins), its 401 for an
// inactive user, its 409 for a session already logged in and its 429 once the "login"
// rate is used up. The rates ("login" per client, "login_failed" per client and per
// login) are counted in Headless.Cache as allauth counts them, so Go and Django share
// one limit. A login that needs a stage (ErrLoginStage: an email to verify, a login
// code, a second factor) is handed to fallback (the site's Django, say; the rates Go
// counted are taken back first), or is a server error without one. With a Mailer, a
// login that waits for its address's verification (ACCOUNT_EMAIL_VERIFICATION
// "mandatory") is Go's: the link mailed ("account/email/email_confirmation",
// HEADLESS_FRONTEND_URLS["account_confirm_email"]) and the login stashed, as allauth
// stashes it, for VerifyEmailView (Emails must be a LoginAddressSource). With
// ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED, a code is mailed instead
// ("account/email/email_confirmation", or "..._signup" for a user who never logged in)
// and allauth's process kept in the session; a login by an address whose
// "confirm_email" rate is used up is refused ("too_many_login_attempts"), and one by
// username that meets the used-up rate at the stage gets allauth's 429.
func (h *Headless) LoginView(fallback http.Handler) http.Handler {
	return h.appView(h.serveLogin, fallback)
}

// BrowserLoginView is the browser client's login endpoint (allauth's LoginView at
// _allauth/browser/v1/auth/login): LoginView's answers for the request's own session
// (its cookie), no tokens. Put it behind the session middleware and the CSRF middleware,
// as BrowserSessionView.
func (h *Headless) BrowserLoginView(fallback http.Handler) http.Handler {
	return h.browserView(h.serveLogin, fallback)
}

// loginInput is LoginInput once valid: the login method and its value, the password,
// and the user allauth's authenticate found (with the backend that took it).
type loginInput struct {
	method, login, password string
	user                    *auth.User
	backend                 string // the backend that took the user (adapter.login's choice for a stashed one)
	mfa                     bool   // the login waits for the second factor
	code                    bool   // the login waits for a login code (mailed by Go)
	verify                  bool   // the login waits for its address's verification (the link mailed by Go)
}

// serveLogin is the "login" rate limit, RESTView.handle and LoginView.post.
func (h *Headless) serveLogin(w http.ResponseWriter, r *http.Request, c *appContext) error {
	if err := h.loginCheck(); err != nil {
		return err
	}
	ctx := r.Context()
	usage, data, ok, err := h.rateLimitedInput(w, r, c, "login", false)
	if err != nil || !ok {
		return err
	}
	in, errs, err := h.loginInput(r, data)
	if errors.Is(err, ErrLoginStage) {
		if rerr := h.rollback(ctx, usage); rerr != nil {
			return rerr
		}
		return err
	}
	if err != nil {
		return err
	}
	if ok, err := h.anonymousPost(w, r, c, errs); err != nil || !ok {
		return err
	}
	// perform_password_login: the authentication recorded, then perform_login.
	var extra []string
	if in.login != "" {
		extra = []string{in.method, in.login}
	}
	h.recordAuthentication(c.session, in.user, extra...)
	if !in.user.IsActive { // (pre_login: an inactive user; clear_login)
		clearLogin(c.session)
		return h.authenticationResponse(w, r, c, nil)
	}
	email := ""
	if in.method == "email" {
		email = in.login
	}
	if in.mfa { // (resume_login: the stages run, the login stashed at the second factor)
		if err := h.stashMFALogin(c.session, in.user, email); err != nil {
			return err
		}
		return h.authenticationResponse(w, r, c, nil)
	}
	if in.code {
		if err := h.stashCodeLogin(r, c.session, in.user, email); err != nil {
			return err
		}
		return h.authenticationResponse(w, r, c, nil)
	}
	if in.verify {
		if err := h.stashVerifyLogin(r, c.session, in.user, email); errors.Is(err, errRateLimited) {
			// (by code, the address's rate used up within the stage: allauth's 429, the
			// authentication recorded, the login not stashed)
			return h.metaResponse(w, r, c, http.StatusTooManyRequests, serializer.None())
		} else if err != nil {
			return err
		}
		return h.authenticationResponse(w, r, c, nil)
	}
	if err := h.adapterLogin(r, c, in.user, in.backend); err != nil {
		return err
	}
	return h.authenticationResponse(w, r, c, in.user)
}

// rateLimitedInput is a view's rate limit decorator (the action's rates per client;
// allauth's 429 once used up) and RESTView.handle's JSON input (validated for a POST
// alone with postOnly, an input_class {"POST": ...}: the other methods, their JSON
// read, answered as View.dispatch answers them); false once answered.
func (h *Headless) rateLimitedInput(w http.ResponseWriter, r *http.Request, c *appContext, action string, postOnly bool) ([]rateUsage, *serializer.Dict, bool, error) {
	usage, ok, err := h.consume(r.Context(), r, action, "", "")
	if err != nil {
		return nil, nil, false, err
	}
	if !ok {
		return nil, nil, false, h.metaResponse(w, r, c, http.StatusTooManyRequests, serializer.None())
	}
	data, ok, err := h.restInput(w, r)
	if ok && err == nil && postOnly && r.Method != http.MethodPost { // (the JSON read, no input)
		restPost(w, r)
		return nil, nil, false, nil
	}
	return usage, data, ok, err
}

// anonymousPost is a view's answer once its input is read: the input's errors (a 400),
// a method other than POST, a session already logged in (a 409); true for none.
func (h *Headless) anonymousPost(w http.ResponseWriter, r *http.Request, c *appContext, errs []serializer.Value) (bool, error) {
	if len(errs) > 0 {
		return false, h.metaResponse(w, r, c, http.StatusBadRequest, serializer.List(errs...))
	}
	if !restPost(w, r) {
		return false, nil
	}
	if u, err := h.SessionUser(r.Context(), c.session); err != nil || u != nil {
		if err == nil {
			err = h.metaResponse(w, r, c, http.StatusConflict, serializer.None())
		}
		return false, err
	}
	return true, nil
}

// loginCheck refuses settings LoginView cannot follow.
func (h *Headless) loginCheck() error {
	s := h.Settings
	if s.loginErr != nil {
		return s.loginErr
	}
	if h.userSessionsHandOn() {
		return errUserSessions
	}
	if len(s.LoginMethods) == 0 {
		return fmt.Errorf("%w: ACCOUNT_LOGIN_METHODS is empty", ErrSettings)
	}
	for _, m := range s.LoginMethods {
		if m != "username" && m != "email" {
			return fmt.Errorf("%w: ACCOUNT_LOGIN_METHODS %q (LoginView takes username and email)", ErrSettings, m)
		}
	}
	switch s.EmailVerification {
	case "none", "optional", "mandatory":
	default:
		return fmt.Errorf("%w: ACCOUNT_EMAIL_VERIFICATION %q", ErrSettings, s.EmailVerification)
	}
	if s.SitesInstalled && h.SiteDomain == "" {
		return errors.New("headless: with django.contrib.sites installed, the views need Headless.SiteDomain (SiteDomain reads it)")
	}
	if _, ok := h.Config.Users.(userFinder); !ok {
		return errors.New("headless: LoginView needs users found by field (an auth.SQLUserSource)")
	}
	if s.MFAEnabled && h.Authenticators == nil {
		return errors.New("headless: LoginView with MFAEnabled needs the Authenticators")
	}
	return nil
}

// metaResponse is an APIResponse of status with the session's meta and errors.
func (h *Headless) metaResponse(w http.ResponseWriter, r *http.Request, c *appContext, status int, errs serializer.Value) error {
	return h.dataResponse(w, r, c, status, serializer.None(), errs)
}

// dataResponse is an APIResponse of status with data, the session's meta and errors.
func (h *Headless) dataResponse(w http.ResponseWriter, r *http.Request, c *appContext, status int, data, errs serializer.Value) error {
	meta, err := c.meta(r)
	if err != nil {
		return err
	}
	mv := serializer.None()
	if meta != nil {
		mv = serializer.DictValue(meta)
	}
	h.apiResponse(w, r, status, data, mv, errs)
	return nil
}

// loginInput is LoginInput's validation: the fields (those of the login methods, then
// the password), then its clean: exactly one login method given, the failed logins'
// rate, and allauth's authenticate. Its errors are the answer's.
func (h *Headless) loginInput(r *http.Request, data *serializer.Dict) (*loginInput, []serializer.Value, error) {
	s := h.Settings
	var errs []serializer.Value
	values := map[string]string{}
	for _, field := range []string{"username", "email", "password"} {
		if field != "password" && !slices.Contains(s.LoginMethods, field) {
			continue
		}
		required := field == "password" || len(s.LoginMethods) == 1
		text := formStr(data, field)
		if text == "" {
			if required {
				errs = append(errs, fieldError("This field is required.", "required", field))
			}
			continue
		}
		if field == "email" {
			errs = append(errs, h.emailErrors(text, field)...)
		} else if strings.IndexByte(text, 0) >= 0 {
			errs = append(errs, fieldError("Null characters are not allowed.", "null_characters_not_allowed", field))
		}
		if field == "email" {
			text = pystr.Lower(text)
		}
		values[field] = text
	}
	if len(errs) > 0 {
		return nil, errs, nil
	}
	in := &loginInput{password: values["password"]}
	n := 0
	for _, m := range s.LoginMethods {
		if _, given := data.Get(m); given {
			in.method, in.login = m, values[m]
			n++
		}
	}
	if n != 1 {
		return nil, []serializer.Value{formError("Invalid login.", "invalid_login")}, nil
	}
	// adapter.authenticate
	c := credentials{email: in.login}
	if in.method == "username" {
		c = credentials{username: in.login, hasUsername: true}
	}
	u, backend, ok, err := h.adapterAuthenticate(r, c, in.password)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, []serializer.Value{formError("Too many failed login attempts. Try again later.", "too_many_login_attempts")}, nil
	}
	if u == nil {
		msg := "The username and/or password you specified are not correct."
		if in.method == "email" {
			msg = "The email address and/or password you specified are not correct."
		}
		return nil, []serializer.Value{fieldError(msg, in.method+"_password_mismatch", "password")}, nil
	}
	in.user, in.backend = u, backend
	email := ""
	if in.method == "email" {
		email = in.login
	}
	if limited, err := h.loginRateLimited(r, u, email); err != nil {
		return nil, nil, err
	} else if limited {
		return nil, []serializer.Value{formError("Too many failed login attempts. Try again later.", "too_many_login_attempts")}, nil
	}
	stage, err := h.needsStage(r.Context(), u, email)
	switch {
	case err != nil:
		return nil, nil, err
	case stage == stageMFAAuthenticate && h.Settings.mfaErr == nil && !h.Settings.mfaStageFollowed():
		in.mfa = true
	case stage == stageLoginByCode && h.Mailer != nil && !h.Settings.LoginByCodeTrustEnabled:
		in.code = true
	case stage == stageVerifyEmail && h.verifyMailHandsOn():
		in.verify = true
	case stage != "":
		return nil, nil, ErrLoginStage
	}
	return in, nil, nil
}

// emailErrors are a forms.EmailField's validators' errors for text (the field's value,
// stripped and not empty): an invalid address, more than 320 characters, a null
// character.
func (h *Headless) emailErrors(text, field string) []serializer.Value {
	var errs []serializer.Value
	ds := h.Sessions.Settings()
	if !ds.IsValidEmail(text) {
		errs = append(errs, fieldError("Enter a valid email address.", "invalid", field))
	}
	if n := utf8.RuneCountInString(text); n > 320 {
		errs = append(errs, fieldError(fmt.Sprintf("Ensure this value has at most 320 characters (it has %d).", n), "max_length", field))
	}
	if strings.IndexByte(text, 0) >= 0 {
		errs = append(errs, fieldError("Null characters are not allowed.", "null_characters_not_allowed", field))
	}
	return errs
}

// needsStage is the first stage a login of u (by email, or "") meets before logging in:
// a login code, an address to verify, a second factor; "" for none.
func (h *Headless) needsStage(ctx context.Context, u *auth.User, email string) (string, error) {
	s := h.Settings
	if !u.IsActive { // (pre_login refuses the user before any stage)
		return "", nil
	}
	if s.LoginByCodeRequired {
		return stageLoginByCode, nil
	}
	if s.EmailVerification == "mandatory" {
		src, ok := h.Emails.(EmailAddressSource)
		if !ok {
			return "", errors.New("headless: mandatory email verification needs the Emails' addresses (an EmailAddressSource)")
		}
		verified, err := src.HasVerifiedEmail(ctx, u.ID, email)
		if err != nil || !verified {
			return stageVerifyEmail, err
		}
	}
	if s.MFAEnabled {
		if ok, err := h.Authenticators.HasAuthenticator(ctx, u.ID, "totp", "webauthn"); err != nil || ok {
			return stageMFAAuthenticate, err
		}
	}
	return "", nil
}

// credentials are the keyword arguments of Django's authenticate(): a username (given
// even when "", which ModelBackend looks up) and an email address ("" for none).
type credentials struct {
	username, email string
	hasUsername     bool
}

// login is the credentials' value that keys the failed logins' rate limit:
// credentials.get("email", credentials.get("username", "")).
func (c credentials) login() string {
	if c.email != "" {
		return c.email
	}
	return c.username
}

// adapterAuthenticate is allauth's adapter.authenticate: the failed login counted
// (ok false when its rate is used up: too_many_login_attempts), Django's authenticate,
// and the count taken back when a user's password matched (the stashed user, who may
// not log in, included).
func (h *Headless) adapterAuthenticate(r *http.Request, c credentials, password string) (u *auth.User, backend string, ok bool, err error) {
	ctx := r.Context()
	site := h.SiteDomain
	if site == "" {
		ds := h.Sessions.Settings()
		if site, err = ds.GetHost(r); err != nil {
			return nil, "", false, err
		}
	}
	usage, ok, err := h.consume(ctx, r, "login_failed", site+":"+pystr.Lower(c.login()), "")
	if err != nil || !ok {
		return nil, "", false, err
	}
	if hasSurrogate(password) || hasSurrogate(c.username) || hasSurrogate(c.email) {
		// (Python cannot encode it for the database or the hasher: a 500)
		return nil, "", false, errors.New("headless: credentials holding a lone surrogate")
	}
	u, backend, stashed, err := h.authenticate(ctx, c, password)
	if err != nil {
		return nil, "", false, err
	}
	if u == nil && stashed != nil {
		// (a stashed user has no backend: adapter.login prefers allauth's, which stashed it)
		u, backend = stashed, allauthBackend
	}
	if u != nil {
		if err := h.rollback(ctx, usage); err != nil {
			return nil, "", false, err
		}
	}
	return u, backend, true, nil
}

// authenticate is Django's authenticate(request, **credentials) over the configured
// backends, as allauth's adapter calls it: ModelBackend (a username only) and allauth's
// AuthenticationBackend, the first that takes the user winning; stashed is the user
// allauth's backend matched the password of but may not log in (inactive).
func (h *Headless) authenticate(ctx context.Context, c credentials, password string) (u *auth.User, backend string, stashed *auth.User, err error) {
	for _, b := range h.Config.Backends() {
		switch b {
		case auth.ModelBackend, auth.AllowAllUsersModelBackend:
			if !c.hasUsername {
				continue // (no username: the backend returns None at once)
			}
			u, err = auth.AuthenticateWith(ctx, c.username, password, b, h.Config)
		case allauthBackend:
			var st *auth.User
			u, st, err = h.allauthAuthenticate(ctx, c, password)
			if st != nil {
				stashed = st
			}
		default:
			continue
		}
		if err != nil || u != nil {
			return u, b, stashed, err
		}
	}
	return nil, "", stashed, nil
}

// allauthAuthenticate is allauth's AuthenticationBackend.authenticate: a username is
// tried as an email address first (with "email" among the login methods), then as a
// username; then the email address, through filter_users_by_email. A matching password
// of a user that may not log in stashes the user.
func (h *Headless) allauthAuthenticate(ctx context.Context, c credentials, password string) (u, stashed *auth.User, err error) {
	checked := false
	check := func(cand *auth.User) (*auth.User, error) {
		checked = true
		ok, err := auth.CheckPassword(ctx, cand, password, h.Config)
		if err != nil || !ok {
			return nil, err
		}
		if !h.Config.UserCanAuthenticate(allauthBackend, cand) {
			stashed = cand
			return nil, nil
		}
		return cand, nil
	}
	byEmail := func(email string) (*auth.User, error) {
		if !slices.Contains(h.Settings.LoginMethods, "email") {
			return nil, nil
		}
		users, err := h.usersByEmail(ctx, email)
		if err != nil {
			return nil, err
		}
		for _, cand := range users {
			if u, err := check(cand); err != nil || u != nil {
				return u, err
			}
		}
		return nil, nil
	}
	if c.username != "" {
		if u, err = byEmail(c.username); err != nil || u != nil {
			return u, stashed, err
		}
		if slices.Contains(h.Settings.LoginMethods, "username") && h.Settings.UserModelUsernameField != "" {
			cand, err := h.userByUsername(ctx, c.username)
			if err != nil {
				return nil, nil, err
			}
			if cand != nil {
				if u, err = check(cand); err != nil || u != nil {
					return u, stashed, err
				}
			}
		}
	}
	if c.email != "" {
		if u, err = byEmail(c.email); err != nil || u != nil {
			return u, stashed, err
		}
	}
	if !checked { // (_mitigate_timing_attack)
		h.Config.PasswordHashers().Make(password)
	}
	return nil, stashed, nil
}

// userByUsername is get_user_by_username: the one user whose username is username but
// for case (found by username__iexact, or by the lowercased name when usernames are
// stored lowercased), nil unless exactly one.
func (h *Headless) userByUsername(ctx context.Context, username string) (*auth.User, error) {
	f := h.Config.Users.(userFinder)
	field := h.Settings.UserModelUsernameField
	var users []*auth.User
	var err error
	if h.Settings.PreserveUsernameCasing {
		users, err = f.UsersByField(ctx, field, username, true)
	} else {
		users, err = f.UsersByField(ctx, field, pystr.Lower(username), false)
	}
	if err != nil {
		return nil, err
	}
	var match []*auth.User
	for _, u := range users {
		if pystr.Lower(u.Username) == pystr.Lower(username) {
			match = append(match, u)
		}
	}
	if len(match) != 1 {
		return nil, nil
	}
	return match[0], nil
}

// usersByEmail is filter_users_by_email(email, prefer_verified=True, for_login=True):
// the users of the addresses that are email but for case (the verified ones when there
// are any), then, unless those were verified, the users whose own email is email; each
// once, in a set's order.
func (h *Headless) usersByEmail(ctx context.Context, email string) ([]*auth.User, error) {
	return h.usersOfEmail(ctx, email, true)
}

// usersOfEmail is filter_users_by_email(email, prefer_verified=preferVerified): as
// usersByEmail, or without preferVerified the users of every address of the email.
func (h *Headless) usersOfEmail(ctx context.Context, email string, preferVerified bool) ([]*auth.User, error) {
	email = pystr.Lower(email)
	src, ok := h.Emails.(EmailAddressSource)
	if !ok {
		return nil, errors.New("headless: logins by email need the Emails' addresses (an EmailAddressSource)")
	}
	rows, err := src.AddressesByEmail(ctx, email)
	if err != nil {
		return nil, err
	}
	var mails, verified []EmailAddress
	for _, e := range rows {
		if pystr.Lower(e.Email) == email {
			mails = append(mails, e)
			if e.Verified {
				verified = append(verified, e)
			}
		}
	}
	isVerified := preferVerified && len(verified) > 0
	if isVerified {
		mails = verified
	}
	var users []*auth.User
	for _, e := range mails {
		u, err := h.Config.Users.User(ctx, e.UserID)
		if errors.Is(err, auth.ErrUserNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	if field := h.Settings.UserModelEmailField; field != "" && !isVerified {
		own, err := h.Config.Users.(userFinder).UsersByField(ctx, field, email, false)
		if err != nil {
			return nil, err
		}
		for _, u := range own {
			if pystr.Lower(u.Email) == email {
				users = append(users, u)
			}
		}
	}
	return pySet(users), nil
}

// pySet is list(set(users)): each user once, in the order CPython's set iterates them
// (a model's hash is its primary key's: an int's, or a UUID's int's). Keys of other
// types, whose hashes Python randomizes, keep their first order.
func pySet(users []*auth.User) []*auth.User {
	var distinct []*auth.User
	seen := map[string]bool{}
	for _, u := range users {
		if !seen[u.ID] {
			seen[u.ID] = true
			distinct = append(distinct, u)
		}
	}
	hashes := make([]int64, len(distinct))
	for i, u := range distinct {
		n, ok := new(big.Int).SetString(u.ID, 10)
		if hex := strings.ReplaceAll(u.ID, "-", ""); !ok && len(hex) == 32 {
			n, ok = new(big.Int).SetString(hex, 16) // (a UUID's int)
		}
		if !ok {
			return distinct
		}
		hashes[i] = pystr.HashInt(n)
	}
	out := make([]*auth.User, 0, len(distinct))
	for _, i := range pystr.SetOrder(hashes) {
		out = append(out, distinct[i])
	}
	return out
}

// recordAuthentication is record_authentication(request, user, "password", **extra):
// extra's values are strs (name, value, ...), but for "reauthenticated", which is True.
func (h *Headless) recordAuthentication(s *django.Session, u *auth.User, extra ...string) {
	d := serializer.NewDict()
	for i := 0; i+1 < len(extra); i += 2 {
		v := serializer.Str(extra[i+1])
		if extra[i] == "reauthenticated" {
			v = serializer.Bool(true)
		}
		d.Set(extra[i], v)
	}
	h.record(s, u, "password", d)
}

// record is record_authentication(request, user, method, **extra): {"method": method,
// "at": time.time(), ...extra} appended to the user's records in the session.
func (h *Headless) record(s *django.Session, u *auth.User, method string, extra *serializer.Dict) {
	if u.ID == "" {
		return
	}
	d := serializer.NewDict()
	d.Set("method", serializer.Str(method))
	d.Set("at", serializer.Float(pyTime(h.now())))
	for k, v := range extra.All() {
		d.SetKey(k, v)
	}
	records := slices.Clone(AuthenticationRecords(s, u).Items())
	s.Set(authMethodsKey, serializer.List(append(records, serializer.DictValue(d))...))
	s.Set(authMethodsUserKey, serializer.Str(u.ID))
}

// formStr is a forms.CharField's to_python of a JSON value (stripped): "" for the empty
// values (None, "", [], {}), else str() of the value as Python writes it.
func formStr(data *serializer.Dict, name string) string {
	v, ok := data.Get(name)
	if !ok {
		return ""
	}
	return pystr.Strip(pyStr(v))
}

// pyStr is str(v) of a JSON value, "" for the empty values.
func pyStr(v serializer.Value) string {
	switch v.Kind() {
	case serializer.KindNone:
		return ""
	case serializer.KindStr:
		s, _ := v.AsStr()
		return s
	case serializer.KindList, serializer.KindDict:
		if v.Len() == 0 {
			return ""
		}
	}
	return pyRepr(v)
}

// pyRepr is repr(v) of a JSON value.
func pyRepr(v serializer.Value) string {
	switch v.Kind() {
	case serializer.KindStr:
		s, _ := v.AsStr()
		return pystr.Repr(s)
	case serializer.KindFloat:
		f, _ := v.AsFloat()
		return serializer.FormatFloat(f)
	case serializer.KindInt:
		if i, ok := v.AsInt(); ok {
			return strconv.FormatInt(i, 10)
		}
	case serializer.KindList:
		parts := make([]string, 0, v.Len())
		for _, e := range v.Items() {
			parts = append(parts, pyRepr(e))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case serializer.KindDict:
		var parts []string
		for k, e := range v.Dict().All() {
			parts = append(parts, pyRepr(k)+": "+pyRepr(e))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return v.String() // (None, True, False, a big int)
}

// formError is a form's non-field error as get_json_data gives it.
func formError(msg, code string) serializer.Value {
	d := serializer.NewDict()
	d.Set("message", serializer.Str(msg))
	d.Set("code", serializer.Str(code))
	return serializer.DictValue(d)
}

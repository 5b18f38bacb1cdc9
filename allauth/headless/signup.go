package headless

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/internal/pystr"
	"github.com/djsession/djsession/serializer"
)

// SignupField is a field of ACCOUNT_SIGNUP_FIELDS: its name ("email", "username",
// "password1", ...) and whether it is required (a trailing "*").
type SignupField struct {
	Name     string
	Required bool
}

// SignupView is the app client's signup (allauth's SignupView, at
// _allauth/app/v1/auth/signup): POST {"email", "username", "password"} (the fields of
// ACCOUNT_SIGNUP_FIELDS, in their order; "email2", the address again, when listed) validates them as allauth's SignupInput does
// (the username's length, characters, ACCOUNT_USERNAME_BLACKLIST and uniqueness; the
// address's form and, with ACCOUNT_UNIQUE_EMAIL, uniqueness; the password's
// ACCOUNT_PASSWORD_MIN_LENGTH or Headless.PasswordValidators), creates the user as
// allauth's adapter saves it (the username, or without one a username made up from
// the address as populate_username makes it: its local part, else "user", with a
// random suffix when taken; the lowercased address, the password hashed by the
// Config's hashers) with its address (primary, not verified), then logs
// it in as complete_signup does: with ACCOUNT_EMAIL_VERIFICATION "optional" the
// verification mailed ("account/email/email_confirmation_signup", link or code) and the
// session logged in; "mandatory" mails it and stashes the login at the
// "verify_email" stage (allauth's 401), for VerifyEmailView; "none" logs in. It answers
// allauth's 400s, its 409 for a session already logged in, its 403 with
// ACCOUNT_SIGNUP_ENABLED off and its 429 once the "signup" rate is used up. The address
// of another account, on a site with a mandatory verification and
// ACCOUNT_PREVENT_ENUMERATION, makes no user: it is mailed
// "account/email/account_already_exists" and the answer is a new account's (the fake
// login waiting at "verify_email").
//
// What allauth's form would do otherwise goes to fallback (ErrLoginStage), before
// anything is written: a signup form of the project's own (ACCOUNT_SIGNUP_FORM_CLASS),
// a honeypot field, ACCOUNT_USERNAME_VALIDATORS, a phone among the fields, a user
// model without a username, no password, a login code required, a mail to send
// without a Mailer.
func (h *Headless) SignupView(fallback http.Handler) http.Handler {
	return h.appView(h.serveSignup, fallback)
}

// BrowserSignupView is the browser client's (_allauth/browser/v1/auth/signup):
// SignupView's answers for the request's own session, behind the session and CSRF
// middleware.
func (h *Headless) BrowserSignupView(fallback http.Handler) http.Handler {
	return h.browserView(h.serveSignup, fallback)
}

// SignupAddresses is what a signup writes of allauth's addresses (SQLEmailAddresses
// implements it).
type SignupAddresses interface {
	// AddSignupAddress is setup_user_email for a new user: the address (lowercased)
	// stored primary and not verified.
	AddSignupAddress(ctx context.Context, userID, email string) error
}

// AddSignupAddress implements SignupAddresses.
func (e *SQLEmailAddresses) AddSignupAddress(ctx context.Context, userID, email string) error {
	u := e.users
	key, err := u.KeyArg(userID)
	if err != nil {
		return err
	}
	q := fmt.Sprintf(`INSERT INTO %s (%s, %s, %s, %s) VALUES (%s, %s, %s, %s)`, u.Quote(e.table), u.Quote("email"),
		u.Quote("verified"), u.Quote("primary"), u.Quote("user_id"), u.Param(1), u.Param(2), u.Param(3), u.Param(4))
	if _, err := u.DB().ExecContext(ctx, q, pystr.Lower(email), false, true, key); err != nil {
		return fmt.Errorf("headless: email addresses: %w", err)
	}
	return nil
}

// verifiedEmailKey is the session key of an address known verified
// (adapter.stash_verified_email).
const verifiedEmailKey = "account_verified_email"

// userCreator is a UserSource that creates users (auth.SQLUserSource).
type userCreator interface {
	GetOrCreateUser(ctx context.Context, username string, now time.Time) (*auth.User, bool, error)
	SetEmail(ctx context.Context, id, email string) error
}

// signupCheck refuses what SignupView hands on whatever the input.
func (h *Headless) signupCheck() error {
	if err := h.loginCheck(); err != nil {
		return err
	}
	s := h.Settings
	if s.signupErr != nil {
		return s.signupErr
	}
	names := map[string]bool{}
	for _, f := range s.SignupFields {
		if !slices.Contains([]string{"email", "email2", "username", "password1", "password2"}, f.Name) {
			return fmt.Errorf("%w: the signup field %q", ErrLoginStage, f.Name)
		}
		names[f.Name] = true
	}
	if !names["password1"] || s.UserModelUsernameField == "" {
		return fmt.Errorf("%w: a signup without a password, or of a user model without a username", ErrLoginStage)
	}
	if _, ok := h.Config.Users.(userCreator); !ok {
		return errors.New("headless: SignupView needs users it can create (an auth.SQLUserSource)")
	}
	if _, ok := h.Emails.(SignupAddresses); !ok {
		return errors.New("headless: SignupView needs the Emails' addresses (SignupAddresses)")
	}
	if s.loginByCodeRequired("") || slices.Contains(s.loginStages(), stageMFATrust) ||
		slices.Contains(s.loginStages(), stageMFASignup) {
		return fmt.Errorf("%w: a signup's stages", ErrLoginStage)
	}
	if s.EmailVerification != "none" && !h.verifyMailHandsOn() {
		return fmt.Errorf("%w: a signup's verification mail", ErrLoginStage)
	}
	return nil
}

// signupInput is SignupInput's cleaned data.
type signupInput struct {
	username, email, password string
	exists                    bool // (account_already_exists)
}

// signupInput is SignupInput's validation of data: each field of ACCOUNT_SIGNUP_FIELDS
// in its order (the password last), then its clean_<field>.
func (h *Headless) signupInput(ctx context.Context, data *serializer.Dict) (*signupInput, []serializer.Value, error) {
	s := h.Settings
	in := &signupInput{}
	var errs []serializer.Value
	email2 := "" // (cleaned_data's email2; in.email stays "" unless the address is clean)
	fields := slices.Clone(s.SignupFields)
	// (set_form_field_order: the listed fields first; the form's "password" after them)
	i := slices.IndexFunc(fields, func(f SignupField) bool { return f.Name == "password1" })
	pw := fields[i]
	fields = slices.DeleteFunc(fields, func(f SignupField) bool { return f.Name == "password1" || f.Name == "password2" })
	fields = append(fields, SignupField{Name: "password", Required: pw.Required})
	for _, f := range fields {
		text := formStr(data, f.Name)
		if text == "" {
			if f.Required {
				errs = append(errs, fieldError("This field is required.", "required", f.Name))
			}
			continue
		}
		var ferrs []serializer.Value
		var err error
		switch f.Name {
		case "username":
			in.username = text
			ferrs, err = h.usernameErrors(ctx, text)
		case "email":
			if ferrs = h.emailErrors(text, f.Name); len(ferrs) == 0 {
				in.email = pystr.Lower(text)
				if ferrs, err = h.uniqueEmailErrors(ctx, in); len(ferrs) > 0 {
					in.email = ""
				}
			}
		case "email2":
			if ferrs = h.emailErrors(text, f.Name); len(ferrs) == 0 {
				email2 = pystr.Lower(text)
			}
		case "password":
			in.password = text
			if strings.IndexByte(text, 0) >= 0 {
				ferrs = append(ferrs, fieldError("Null characters are not allowed.", "null_characters_not_allowed", f.Name))
				break
			}
			for _, e := range h.cleanPassword(text, nil) {
				ferrs = append(ferrs, fieldError(e.Message, e.Code, "password"))
			}
		}
		if err != nil {
			return nil, nil, err
		}
		errs = append(errs, ferrs...)
	}
	if in.email != "" && email2 != "" && in.email != email2 { // (clean: add_error, after the fields' errors)
		errs = append(errs, fieldError("You must type the same email each time.", "", "email2"))
	}
	return in, errs, nil
}

// usernameErrors are the username field's validators' errors (its length, a null
// character), then clean_username's: the model field's UnicodeUsernameValidator,
// ACCOUNT_USERNAME_BLACKLIST, a user of that username.
func (h *Headless) usernameErrors(ctx context.Context, text string) ([]serializer.Value, error) {
	s := h.Settings
	var errs []serializer.Value
	n := utf8.RuneCountInString(text)
	if n < s.UsernameMinLength {
		errs = append(errs, fieldError(fmt.Sprintf("Ensure this value has at least %d %s (it has %d).", s.UsernameMinLength,
			plural(s.UsernameMinLength, "character"), n), "min_length", "username"))
	}
	if strings.IndexByte(text, 0) >= 0 {
		errs = append(errs, fieldError("Null characters are not allowed.", "null_characters_not_allowed", "username"))
	}
	if s.UsernameMaxLength > 0 && n > s.UsernameMaxLength {
		errs = append(errs, fieldError(fmt.Sprintf("Ensure this value has at most %d %s (it has %d).", s.UsernameMaxLength,
			plural(s.UsernameMaxLength, "character"), n), "max_length", "username"))
	}
	if len(errs) > 0 {
		return errs, nil
	}
	if !unicodeUsername(text) {
		return []serializer.Value{fieldError("Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.",
			"invalid", "username")}, nil
	}
	for _, b := range s.UsernameBlacklist {
		if pystr.Lower(b) == pystr.Lower(text) {
			return []serializer.Value{fieldError("Username can not be used. Please use other username.", "username_blacklisted",
				"username")}, nil
		}
	}
	f := h.Config.Users.(userFinder)
	field := h.Settings.UserModelUsernameField
	var users []*auth.User
	var err error
	if s.PreserveUsernameCasing { // (filter_users_by_username)
		users, err = f.UsersByField(ctx, field, text, true)
	} else {
		users, err = f.UsersByField(ctx, field, pystr.Lower(text), false)
	}
	if err != nil {
		return nil, err
	}
	if len(users) > 0 {
		return []serializer.Value{fieldError("A user with that username already exists.", "username_taken", "username")}, nil
	}
	return nil, nil
}

// plural is word, with an "s" unless n is 1 (ngettext's English).
func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// unicodeUsername is UnicodeUsernameValidator's regex, ^[\w.@+-]+\Z, as Python matches
// it on a str (\w: letters, numbers and "_").
func unicodeUsername(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(unicode.IsLetter(r) || unicode.IsNumber(r) || strings.ContainsRune("_.@+-", r)) {
			return false
		}
	}
	return true
}

// uniqueEmailErrors is validate_unique_email (email_already_exists): with
// ACCOUNT_UNIQUE_EMAIL, an address of another user is "email_taken", unless
// enumeration prevention hides it ("strict": let through; with a mandatory
// verification: in.exists, the account_already_exists mail's case).
func (h *Headless) uniqueEmailErrors(ctx context.Context, in *signupInput) ([]serializer.Value, error) {
	s := h.Settings
	if !s.UniqueEmail {
		return nil, nil
	}
	users, err := h.usersByEmail(ctx, in.email)
	if err != nil || len(users) == 0 {
		return nil, err
	}
	switch {
	case s.PreventEnumeration && s.EmailVerification == "mandatory":
		in.exists = true
	case s.PreventEnumeration && s.PreventEnumerationStrict:
	default:
		return []serializer.Value{fieldError("A user is already registered with this email address.", "email_taken", "email")}, nil
	}
	return nil, nil
}

// serveSignup is the "signup" rate limit, RESTView.handle with SignupInput, and
// SignupView.post (try_save, complete_signup).
func (h *Headless) serveSignup(w http.ResponseWriter, r *http.Request, c *appContext) error {
	if err := h.signupCheck(); err != nil {
		return err
	}
	ctx := r.Context()
	usage, data, ok, err := h.rateLimitedInput(w, r, c, "signup", true)
	if err != nil || !ok {
		return err
	}
	in, errs, err := h.signupInput(ctx, data)
	if err != nil {
		return err
	}
	if ok, err := h.anonymousPost(w, r, c, errs); err != nil || !ok {
		return err
	}
	if !h.Settings.SignupEnabled { // (is_open_for_signup)
		return h.metaResponse(w, r, c, http.StatusForbidden, serializer.None())
	}
	if in.exists {
		return h.preventEnumeration(w, r, c, in.email)
	}
	// Handed on before anything is written: an unusable password, an address longer
	// than the user's email field keeps, an address the session holds verified
	// (unstash_verified_email: a social login's).
	stashed, _ := c.session.Get(verifiedEmailKey)
	if in.password == "" || utf8.RuneCountInString(in.email) > 254 || stashed.Truthy() {
		if err := h.rollback(ctx, usage); err != nil {
			return err
		}
		return ErrLoginStage
	}
	if in.username == "" { // (populate_username)
		if in.username, err = h.generateUsername(ctx, in.email); err != nil {
			return err
		}
	}
	// save: the user (new_user, save_user), then setup_user_email.
	users := h.Config.Users.(userCreator)
	u, created, err := users.GetOrCreateUser(ctx, in.username, h.now())
	if err != nil {
		return err
	}
	if !created {
		return fmt.Errorf("headless: the username %q was taken meanwhile", in.username)
	}
	if err := auth.SetPassword(ctx, u, in.password, h.Config); err != nil {
		return err
	}
	c.session.Set(verifiedEmailKey, serializer.None()) // (unstash_verified_email)
	if in.email != "" {
		if err := users.SetEmail(ctx, u.ID, in.email); err != nil {
			return err
		}
		u.Email = in.email
		if err := h.Emails.(SignupAddresses).AddSignupAddress(ctx, u.ID, in.email); err != nil {
			return err
		}
	}
	return h.signupLogin(w, r, c, u)
}

// preventEnumeration is prevent_enumeration, for a signup by the address of another
// account on a site with a mandatory verification: no user made, but the fake login of
// no user stashed at "verify_email" as allauth stashes it, the address mailed
// "account/email/account_already_exists" (by link, within the "confirm_email" rate; by
// code, a process of no user kept in the session, allauth's 429 once the rate is used
// up), and allauth's 401, as for a new account.
func (h *Headless) preventEnumeration(w http.ResponseWriter, r *http.Request, c *appContext, email string) error {
	l, err := h.loginAt(nil, email, stageVerifyEmail)
	if err != nil {
		return err
	}
	l.d.Set("signup", serializer.Bool(true))
	if h.Settings.EmailVerificationByCodeEnabled {
		state := h.codeState(nil, email)
		if err := h.mailVerificationCode(r, nil, state, false); errors.Is(err, errRateLimited) {
			return h.metaResponse(w, r, c, http.StatusTooManyRequests, serializer.None())
		} else if err != nil {
			return err
		}
		c.session.Set(verificationCodeKey, serializer.DictValue(state))
	} else if _, ok, err := h.consumeWith(r.Context(), r, "confirm_email", pystr.Lower(email), "", rateOptions{limitGet: true}); err != nil {
		return err
	} else if ok {
		if err := h.accountExistsMail(r, email); err != nil {
			return err
		}
	}
	if err := h.stashLogin(c.session, l); err != nil {
		return err
	}
	return h.authenticationResponse(w, r, c, nil)
}

// signupLogin is complete_signup's perform_login of the new user u (Login(signup=True)):
// an optional verification mailed on the way, a mandatory one stashing the login.
func (h *Headless) signupLogin(w http.ResponseWriter, r *http.Request, c *appContext, u *auth.User) error {
	ctx := r.Context()
	l, err := h.newLogin(u, "", nil)
	if err != nil {
		return err
	}
	l.d.Set("signup", serializer.Bool(true))
	l.d.Set("signal_kwargs", serializer.DictValue(serializer.NewDict())) // (complete_signup's {})
	keys := h.Settings.loginStages()
	if err := l.setUp(keys); err != nil {
		return err
	}
	stop, err := h.nextStage(ctx, c.session, l, "", "")
	if err != nil {
		return err
	}
	if stop == stageVerifyEmail && h.Settings.EmailVerification == "optional" {
		// (EmailVerificationStage.handle: the mail, and on)
		if err := h.mailLoginVerification(r, c.session, u, "", true); errors.Is(err, errRateLimited) {
			return h.metaResponse(w, r, c, http.StatusTooManyRequests, serializer.None())
		} else if err != nil {
			return err
		}
		st, _ := l.stages.Get(stageVerifyEmail)
		st.Dict().Set("handled", serializer.Bool(true))
		if stop, err = h.nextStage(ctx, c.session, l, "", ""); err != nil {
			return err
		}
	}
	switch stop {
	case "": // (resume_login's adapter.login; post_login's response is the view's own)
		if err := h.adapterLogin(r, c, u, h.loginBackend()); err != nil {
			return err
		}
		return h.authenticationResponse(w, r, c, u)
	case stageVerifyEmail:
		if err := l.advance(keys, stop); err != nil {
			return err
		}
		if err := h.mailLoginVerification(r, c.session, u, "", true); errors.Is(err, errRateLimited) {
			return h.metaResponse(w, r, c, http.StatusTooManyRequests, serializer.None())
		} else if err != nil {
			return err
		}
		if err := h.stashLogin(c.session, l); err != nil {
			return err
		}
		return h.authenticationResponse(w, r, c, nil)
	}
	return fmt.Errorf("headless: a new user's login stopped at %q", stop)
}

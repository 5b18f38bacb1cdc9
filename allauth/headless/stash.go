package headless

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/internal/pystr"
	"github.com/djsession/djsession/serializer"
)

// The keys of allauth's login stages.
const (
	stageLoginByCode     = "login_by_code"
	stageVerifyPhone     = "verify_phone"
	stageVerifyEmail     = "verify_email"
	stageMFAAuthenticate = "mfa_authenticate"
	stageMFATrust        = "mfa_trust"
	stageMFASignup       = "mfa_signup_webauthn"
)

// loginStages are the keys of the account adapter's get_login_stages, in order.
func (s *Settings) loginStages() []string {
	keys := []string{stageLoginByCode, stageVerifyPhone, stageVerifyEmail}
	if s.MFAEnabled {
		keys = append(keys, stageMFAAuthenticate)
		if s.MFATrustEnabled || s.LoginByCodeTrustEnabled {
			keys = append(keys, stageMFATrust)
		}
		if s.PasskeySignupEnabled {
			keys = append(keys, stageMFASignup)
		}
	}
	return keys
}

// stashedLogin is allauth's Login as stash_login keeps it in the session
// (account_login): the user (nil for none, or one deleted since) and the stages' state,
// the session's own dict (changed in place, as allauth changes it).
type stashedLogin struct {
	d      *serializer.Dict // the stash
	user   *auth.User
	state  *serializer.Dict
	stages *serializer.Dict
}

// errStash is a stashed login allauth fails on (a server error).
var errStash = errors.New("headless: a stashed login allauth cannot read")

// unstashLogin is unstash_login(request, peek=True): the login the session holds, or
// nil for none (no dict, or one Login.deserialize refuses); a login older than
// ACCOUNT_LOGIN_TIMEOUT is forgotten (clear_login). Its stages' state is set up as
// LoginStageController sets it up (a {"data": {}} for each stage).
func (h *Headless) unstashLogin(ctx context.Context, s *django.Session) (*stashedLogin, error) {
	v, ok := s.Get(loginKey)
	if !ok || v.Kind() != serializer.KindDict {
		return nil, nil
	}
	d := v.Dict()
	pkv, ok := d.Get("user_pk")
	if !ok {
		return nil, fmt.Errorf("%w: no user_pk", errStash)
	}
	l := &stashedLogin{d: d}
	if !pkv.IsNone() {
		text, isStr := pkv.AsStr()
		if !isStr {
			return nil, fmt.Errorf("%w: user_pk %s", errStash, pkv.Kind())
		}
		id, ok, err := h.urlStrToUserPK(text)
		if err != nil || !ok {
			return nil, err // (base36_to_int's ValueError: no login)
		}
		if l.user, err = h.userByPK(ctx, id); err != nil {
			return nil, err
		}
	}
	for _, k := range []string{"signal_kwargs", "email_verification", "redirect_url", "email", "phone", "signup", "state", "initiated_at"} {
		v, ok := d.Get(k)
		if !ok {
			return nil, nil // (deserialize's KeyError, a ValueError: no login)
		}
		if k == "signal_kwargs" && !v.IsNone() {
			// (signal_kwargs.get("sociallogin"): a dict, and no social login, which this
			// package does not read)
			if v.Kind() != serializer.KindDict {
				return nil, fmt.Errorf("%w: signal_kwargs is a %s", errStash, v.Kind())
			}
			if sl, _ := v.Dict().Get("sociallogin"); !sl.IsNone() {
				return nil, fmt.Errorf("%w: a social login (allauth.socialaccount)", errStash)
			}
		}
	}
	at, _ := d.Get("initiated_at")
	if at.Truthy() {
		started, ok := at.AsFloat()
		if !ok {
			i, isInt := at.AsInt()
			if b, isBool := at.AsBool(); isBool && b { // (True is 1)
				i, isInt = 1, true
			}
			if !isInt {
				return nil, fmt.Errorf("%w: initiated_at %s", errStash, at.Kind())
			}
			started = float64(i)
		}
		if pyTime(h.now())-started > h.Settings.LoginTimeout {
			clearLogin(s)
			return nil, nil
		}
	}
	state, _ := d.Get("state")
	switch state.Kind() {
	case serializer.KindNone:
		l.state = serializer.NewDict() // (a state of its own, not the session's)
	case serializer.KindDict:
		l.state = state.Dict()
	default:
		return nil, fmt.Errorf("%w: state %s", errStash, state.Kind())
	}
	stages, err := setDefaultDict(l.state, "stages")
	if err != nil {
		return nil, err
	}
	l.stages = stages
	if err := l.setUp(h.Settings.loginStages()); err != nil {
		return nil, err
	}
	return l, nil
}

// setUp is LoginStageController.get_stages's making of the stages: a {"data": {}} for
// each stage of keys that has none (a data of another type is kept as it is).
func (l *stashedLogin) setUp(keys []string) error {
	for _, key := range keys {
		st, err := setDefaultDict(l.stages, key)
		if err != nil {
			return err
		}
		if !st.Has("data") {
			st.Set("data", serializer.DictValue(serializer.NewDict()))
		}
	}
	return nil
}

// userByPK is get_user_model().objects.filter(pk=id).first(): nil for no such user (an
// int beyond the column's range finds none from Django 5.0 on).
func (h *Headless) userByPK(ctx context.Context, id string) (*auth.User, error) {
	u, err := h.Config.Users.User(ctx, id)
	switch {
	case errors.Is(err, auth.ErrUserNotFound):
	case errors.Is(err, auth.ErrUserIDOutOfRange) && !djangoBefore5(h.Sessions.Settings().DjangoVersion):
	case err != nil:
		return nil, err
	default:
		return u, nil
	}
	return nil, nil
}

// setDefaultDict is d.setdefault(key, {}), which must be a dict.
func setDefaultDict(d *serializer.Dict, key string) (*serializer.Dict, error) {
	v, ok := d.Get(key)
	if !ok {
		nd := serializer.NewDict()
		d.Set(key, serializer.DictValue(nd))
		return nd, nil
	}
	if v.Kind() != serializer.KindDict {
		return nil, fmt.Errorf("%w: %q is a %s", errStash, key, v.Kind())
	}
	return v.Dict(), nil
}

// clearLogin is clear_login: the stashed login and the authentication records gone.
func clearLogin(s *django.Session) {
	for _, k := range []string{loginKey, authMethodsKey, authMethodsUserKey} {
		s.Pop(k)
	}
}

// current is the stage the login waits at (the controller's "current").
func (l *stashedLogin) current() string {
	v, _ := l.stages.Get("current")
	c, _ := v.AsStr()
	return c
}

// handled is the controller's is_handled.
func (l *stashedLogin) handled(key string) bool {
	st, ok := l.stages.Get(key)
	if !ok || st.Kind() != serializer.KindDict {
		return false
	}
	v, _ := st.Dict().Get("handled")
	return v.Truthy()
}

// pendingStage is the controller's get_pending_stage: the first stage not handled.
func (h *Headless) pendingStage(l *stashedLogin) string {
	for _, key := range h.Settings.loginStages() {
		if !l.handled(key) {
			return key
		}
	}
	return ""
}

// stageData is a stage's state ("data").
func (l *stashedLogin) stageData(key string) serializer.Value {
	st, _ := l.stages.Get(key)
	d, _ := st.Dict().Get("data")
	return d
}

// resumePending tells whether resume_login, after the second factor, would meet a stage
// that is not handled yet (a login code to send or enter, an address to verify): the
// checks of LoginStageController.handle, made before the code is used, so that such a
// request goes to the fallback whole.
func (h *Headless) resumePending(ctx context.Context, s *django.Session, l *stashedLogin) (bool, error) {
	stop, err := h.nextStage(ctx, s, l, "mfa", stageMFAAuthenticate)
	return stop != "", err
}

// nextStage is the stage LoginStageController.handle stops l at (its stages not handled
// yet, but skip, in order), "" for none: a login code required (a process started, or
// is_login_by_code_required with method the last authentication's), an address to
// verify, a second factor (is_mfa_enabled for TOTP or WebAuthn), and any stage this
// package does not run (a trusted browser's, a passkey's signup). With an error, the
// stage is the one that failed.
func (h *Headless) nextStage(ctx context.Context, s *django.Session, l *stashedLogin, method, skip string) (string, error) {
	for _, key := range h.Settings.loginStages() {
		if key == skip || l.handled(key) {
			continue
		}
		switch key {
		case stageLoginByCode:
			if l.stageData(key).Truthy() || h.Settings.loginByCodeRequired(method) {
				return key, nil
			}
		case stageVerifyEmail:
			ev, _ := l.d.Get("email_verification")
			verification, _ := ev.AsStr()
			if !ev.Truthy() {
				verification = h.Settings.EmailVerification
			}
			signup, _ := l.d.Get("signup")
			if verification == "mandatory" || verification == "optional" {
				email := ""
				if v, _ := l.d.Get("email"); v.Truthy() {
					var isStr bool
					if email, isStr = v.AsStr(); !isStr { // (has_verified_email's email.lower())
						return key, fmt.Errorf("%w: the login's email is a %s", errStash, v.Kind())
					}
				}
				if verification == "optional" && !signup.Truthy() { // (has_verified_email first, then signup)
					continue
				}
				src, ok := h.Emails.(EmailAddressSource)
				if !ok || l.user == nil {
					return key, nil
				}
				verified, err := src.HasVerifiedEmail(ctx, l.user.ID, email)
				if err != nil || !verified {
					return key, err
				}
			}
		case stageVerifyPhone:
			// (no phone among ACCOUNT_SIGNUP_FIELDS: LoginView's settings)
		case stageMFAAuthenticate:
			if l.user == nil { // (_should_handle)
				continue
			}
			if h.Authenticators == nil {
				return key, nil
			}
			ok, err := h.Authenticators.HasAuthenticator(ctx, l.user.ID, "totp", "webauthn")
			if err != nil || !ok {
				if err != nil {
					return key, err
				}
				continue
			}
			if passwordless, err := usedPasswordless(s, l.user); err != nil || !passwordless {
				return key, err
			}
		default:
			return key, nil
		}
	}
	return "", nil
}

// advance is LoginStageController.handle's walk to the stage stop: each stage before it
// handled in turn, stop the current one (the second factor's marked
// authentication_required).
func (l *stashedLogin) advance(keys []string, stop string) error {
	for _, key := range keys {
		if l.handled(key) {
			continue
		}
		l.stages.Set("current", serializer.Str(key))
		st, _ := l.stages.Get(key)
		if key != stop {
			st.Dict().Set("handled", serializer.Bool(true))
			continue
		}
		if key == stageMFAAuthenticate {
			data, _ := st.Dict().Get("data")
			if data.Kind() != serializer.KindDict {
				return fmt.Errorf("%w: the second factor's state is a %s", errStash, data.Kind())
			}
			data.Dict().Set("authentication_required", serializer.Bool(true))
		}
		return nil
	}
	return nil
}

// stashMFALogin is the login of u (by email, or "") as LoginStageController.handle
// leaves it when the stages before the second factor had nothing to do: handled, and the
// login stashed at mfa_authenticate (stash_login).
func (h *Headless) stashMFALogin(s *django.Session, u *auth.User, email string) error {
	l, err := h.loginAt(u, email, stageMFAAuthenticate)
	if err != nil {
		return err
	}
	return h.stashLogin(s, l)
}

// loginAt is a new login of u (by email, or "") as LoginStageController.handle leaves
// it at the stage stop, those before it having had nothing to do.
func (h *Headless) loginAt(u *auth.User, email, stop string) (*stashedLogin, error) {
	l, err := h.newLogin(u, email, nil)
	if err != nil {
		return nil, err
	}
	keys := h.Settings.loginStages()
	if err := l.setUp(keys); err != nil {
		return nil, err
	}
	return l, l.advance(keys, stop)
}

// newLogin is Login(user=u, email=email) (none for ""), its stages' state stages (nil
// for none yet).
func (h *Headless) newLogin(u *auth.User, email string, stages *serializer.Dict) (*stashedLogin, error) {
	if stages == nil {
		stages = serializer.NewDict()
	}
	state := serializer.NewDict()
	state.Set("stages", serializer.DictValue(stages))
	d := serializer.NewDict()
	d.Set("email_verification", serializer.Str(h.Settings.EmailVerification))
	d.Set("signup", serializer.Bool(false))
	d.Set("redirect_url", serializer.None())
	d.Set("email", serializer.None())
	if email != "" {
		d.Set("email", serializer.Str(email))
	}
	d.Set("phone", serializer.None())
	d.Set("signal_kwargs", serializer.None())
	d.Set("state", serializer.DictValue(state))
	d.Set("initiated_at", serializer.Float(pyTime(h.now())))
	return &stashedLogin{d: d, user: u, state: state, stages: stages}, nil
}

// stashLogin is stash_login: l as Login.serialize writes it into the session (the
// user's key anew, none for a user gone; a falsy email_verification the setting's, a
// falsy initiated_at now).
func (h *Headless) stashLogin(s *django.Session, l *stashedLogin) error {
	d := serializer.NewDict()
	d.Set("user_pk", serializer.None())
	if l.user != nil {
		pk, err := h.userPKToURLStr(l.user.ID)
		if err != nil {
			return err
		}
		d.Set("user_pk", serializer.Str(pk))
	}
	for _, k := range []string{"email_verification", "signup", "redirect_url", "email", "phone", "signal_kwargs", "state", "initiated_at"} {
		v, _ := l.d.Get(k)
		switch {
		case k == "email_verification" && !v.Truthy():
			v = serializer.Str(h.Settings.EmailVerification)
		case k == "state":
			v = serializer.DictValue(l.state)
		case k == "initiated_at" && !v.Truthy():
			v = serializer.Float(pyTime(h.now()))
		}
		d.Set(k, v)
	}
	l.d = d
	s.Set(loginKey, serializer.DictValue(d))
	return nil
}

// userPKToURLStr is user_pk_to_url_str: an integer key in base 36, a UUID's hex, else
// the key.
func (h *Headless) userPKToURLStr(id string) (string, error) {
	switch h.Config.PK {
	case auth.PKInt:
		n, ok := new(big.Int).SetString(id, 10)
		if !ok || n.Sign() < 0 {
			return "", fmt.Errorf("headless: user id %q in base 36", id) // (int_to_base36 refuses negatives)
		}
		return n.Text(36), nil
	case auth.PKUUID:
		return strings.ReplaceAll(id, "-", ""), nil
	}
	return id, nil
}

// urlStrToUserPK is url_str_to_user_pk: base36_to_int (13 characters at most, read by
// Python's int(s, 36)) for an integer key, else the key as the user source takes it; ok
// is false for text base36_to_int refuses (a ValueError, which unstash_login takes for
// no login).
func (h *Headless) urlStrToUserPK(s string) (id string, ok bool, err error) {
	if h.Config.PK != auth.PKInt {
		id, err := h.Config.PK.Normalize(s)
		return id, err == nil, err
	}
	if utf8.RuneCountInString(s) > 13 {
		return "", false, nil
	}
	n, ok := pystr.IntBase(s, 36)
	if !ok {
		return "", false, nil
	}
	return n.String(), true, nil
}

// djangoBefore5 reports whether a Django version ("4.2.30"; "" for the newest) is older
// than 5.0.
func djangoBefore5(v string) bool {
	major, _, _ := strings.Cut(v, ".")
	n, err := strconv.Atoi(major)
	return err == nil && n < 5
}

// usedPasswordless is did_use_passwordless_login: whether any of the user's
// authentication records is a passkey's ({"method": "mfa", "type": "webauthn",
// "passwordless": True}, compared as Python compares); an error for a record that is
// no dict (record.get fails).
func usedPasswordless(s *django.Session, u *auth.User) (bool, error) {
	for _, rec := range AuthenticationRecords(s, u).Items() {
		if rec.Kind() != serializer.KindDict {
			return false, fmt.Errorf("%w: an authentication record that is a %s", errStash, rec.Kind())
		}
		d := rec.Dict()
		m, _ := d.Get("method")
		t, _ := d.Get("type")
		p, _ := d.Get("passwordless")
		if serializer.Equal(m, serializer.Str("mfa")) && serializer.Equal(t, serializer.Str("webauthn")) && pyEqualsTrue(p) {
			return true, nil
		}
	}
	return false, nil
}

// pyEqualsTrue is v == True in Python: True, 1 and 1.0.
func pyEqualsTrue(v serializer.Value) bool {
	if b, ok := v.AsBool(); ok {
		return b
	}
	if f, ok := v.AsFloat(); ok && v.Kind() == serializer.KindFloat {
		return f == 1
	}
	n, ok := v.AsBigInt()
	return ok && n.IsInt64() && n.Int64() == 1
}

package headless

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/big"
	"net/http"
	"slices"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/django/auth/hashers"
	"github.com/djsession/djsession/serializer"
)

// reauthCodeKey is the session key of a reauthentication by code.
const reauthCodeKey = "account_email_reauthentication_code"

// VerifiedEmailSource lists a user's verified addresses, as the reauthentication by
// code's recipients (SQLEmailAddresses implements it).
type VerifiedEmailSource interface {
	// VerifiedEmails are the user's verified addresses, ordered by address as the
	// database orders them.
	VerifiedEmails(ctx context.Context, userID string) ([]string, error)
}

// VerifiedEmails implements VerifiedEmailSource.
func (e *SQLEmailAddresses) VerifiedEmails(ctx context.Context, userID string) ([]string, error) {
	u := e.users
	return e.emails(ctx, userID, fmt.Sprintf(` AND %s ORDER BY %s`, u.Quote("verified"), u.Quote("email")))
}

// emails are the addresses of the user's rows, those of the query's end (after its
// WHERE on the user).
func (e *SQLEmailAddresses) emails(ctx context.Context, userID, end string) ([]string, error) {
	u := e.users
	id, err := u.KeyArg(userID)
	if err != nil {
		return nil, err
	}
	q := fmt.Sprintf(`SELECT %s FROM %s WHERE %s = %s`, u.Quote("email"), u.Quote(e.table), u.Quote("user_id"), u.Param(1)) + end
	rows, err := u.DB().QueryContext(ctx, q, id)
	if err != nil {
		return nil, fmt.Errorf("headless: email addresses: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var email string
		if err := rows.Scan(&email); err != nil {
			return nil, err
		}
		out = append(out, email)
	}
	return out, rows.Err()
}

// reauthenticationFlows is get_reauthentication_flows(user): by password (a usable
// one), by a code mailed to a verified address (none without Emails), by a second
// factor (its types).
func (h *Headless) reauthenticationFlows(ctx context.Context, u *auth.User) ([]serializer.Value, error) {
	s := h.Settings
	var out []serializer.Value
	flow := func(id string) *serializer.Dict {
		d := serializer.NewDict()
		d.Set("id", serializer.Str(id))
		out = append(out, serializer.DictValue(d))
		return d
	}
	if hashers.IsPasswordUsable(u.PasswordHash) && slices.Contains(s.ReauthenticationMethods, "password") {
		flow("reauthenticate")
	}
	if !s.SocialAccountOnly && slices.Contains(s.ReauthenticationMethods, "code") && h.Emails != nil {
		src, ok := h.Emails.(VerifiedEmailSource)
		if !ok {
			return nil, errors.New("headless: the reauthentication by code needs the Emails' verified addresses (a VerifiedEmailSource)")
		}
		emails, err := src.VerifiedEmails(ctx, u.ID)
		if err != nil {
			return nil, err
		}
		if len(emails) > 0 {
			recipients := make([]serializer.Value, len(emails))
			for i, e := range emails {
				d := serializer.NewDict()
				d.Set("email", serializer.Str(e))
				recipients[i] = serializer.DictValue(d)
			}
			flow("reauthenticate_by_code").Set("recipients", serializer.List(recipients...))
		}
	}
	if s.MFAEnabled && slices.Contains(s.ReauthenticationMethods, "mfa") {
		types, err := h.mfaTypes(ctx, u)
		if err != nil {
			return nil, err
		}
		if types.Len() > 0 {
			flow("mfa_reauthenticate").Set("types", types)
		}
	}
	return out, nil
}

// didRecentlyReauthenticate is did_recently_reauthenticate: the user's last
// reauthentication (by a method in use) in the session is younger than
// ACCOUNT_REAUTHENTICATION_TIMEOUT, and the user has a way to reauthenticate.
func (h *Headless) didRecentlyReauthenticate(ctx context.Context, s *django.Session, u *auth.User) (bool, error) {
	flows, err := h.reauthenticationFlows(ctx, u)
	if err != nil || len(flows) == 0 {
		return false, err
	}
	var at serializer.Value
	found := false
	for _, rec := range AuthenticationRecords(s, u).Items() {
		if rec.Kind() != serializer.KindDict { // (m.get: an AttributeError)
			return false, fmt.Errorf("headless: an authentication record that is a %s", rec.Kind())
		}
		d := rec.Dict()
		if re, _ := d.Get("reauthenticated"); !re.Truthy() {
			continue
		}
		method, _ := d.Get("method")
		if k := method.Kind(); k == serializer.KindList || k == serializer.KindDict { // (unhashable)
			return false, fmt.Errorf("headless: an authentication record's method is a %s", k)
		}
		if m, isStr := method.AsStr(); isStr && slices.Contains(h.Settings.ReauthenticationMethods, m) {
			at, _ = d.Get("at")
			found = true
		}
	}
	if !found {
		return false, nil
	}
	t, err := pyArith(at, "an authentication record's time")
	if err != nil {
		return false, err
	}
	return pyTime(h.now())-t < h.Settings.ReauthenticationTimeout, nil
}

// pyNumber is a JSON value as Python's arithmetic takes it: a float, an int (a
// float's range), a bool (0 or 1); else an error (Python's TypeError).
func pyArith(v serializer.Value, what string) (float64, error) {
	if f, ok := v.AsFloat(); ok {
		return f, nil
	}
	if b, ok := v.AsBool(); ok {
		return map[bool]float64{true: 1}[b], nil
	}
	if n, ok := v.AsBigInt(); ok {
		f, _ := new(big.Float).SetInt(n).Float64()
		if math.IsInf(f, 0) { // (OverflowError: int too large to convert to float)
			return 0, fmt.Errorf("headless: %s beyond a float's range", what)
		}
		return f, nil
	}
	return 0, fmt.Errorf("headless: %s is a %s", what, v.Kind())
}

// reauthCodePending is ConfirmReauthenticationCodeProcess.resume: a reauthentication by
// code started in the session and not older than ACCOUNT_LOGIN_BY_CODE_TIMEOUT (an
// older one dropped).
func (h *Headless) reauthCodePending(s *django.Session) (bool, error) {
	state, err := h.reauthCodeState(s)
	return state != nil, err
}

// reauthCodeState is the state of ConfirmReauthenticationCodeProcess.resume's process
// (nil for none).
func (h *Headless) reauthCodeState(s *django.Session) (*serializer.Dict, error) {
	if !slices.Contains(h.Settings.ReauthenticationMethods, "code") {
		return nil, nil
	}
	state, _ := s.Get(reauthCodeKey)
	if !state.Truthy() {
		return nil, nil
	}
	if state.Kind() != serializer.KindDict {
		return nil, fmt.Errorf("headless: a reauthentication by code whose state is a %s", state.Kind())
	}
	at, ok := state.Dict().Get("at")
	if !ok {
		return nil, errors.New("headless: a reauthentication by code without its time")
	}
	t, err := pyArith(at, "a reauthentication by code's time")
	if err != nil {
		return nil, err
	}
	if pyTime(h.now())-t <= h.Settings.LoginByCodeTimeout {
		return state.Dict(), nil
	}
	s.Pop(reauthCodeKey) // (abort)
	return nil, nil
}

// reauthenticationResponse is ReauthenticationResponse: a 401 with the session's user,
// its authentication records and the flows it may reauthenticate by (and the flow
// account_login names when it is a str).
func (h *Headless) reauthenticationResponse(w http.ResponseWriter, r *http.Request, c *appContext, u *auth.User) error {
	ctx := r.Context()
	flows, err := h.reauthenticationFlows(ctx, u)
	if err != nil {
		return err
	}
	if err := h.Settings.flowsErr; err != nil {
		return err
	}
	if v, ok := c.session.Get(loginKey); ok {
		if key, _ := v.AsStr(); key != "" {
			pending := serializer.NewDict()
			pending.Set("id", serializer.Str(key))
			pending.Set("is_pending", serializer.Bool(true))
			flows = upsertFlow(flows, pending)
		}
	}
	if pending, err := h.reauthCodePending(c.session); err != nil {
		return err
	} else if pending {
		d := serializer.NewDict()
		d.Set("id", serializer.Str("reauthenticate_by_code"))
		d.Set("is_pending", serializer.Bool(true))
		flows = upsertFlow(flows, d)
	}
	all, err := h.withResetFlow(c.session, flows)
	if err != nil {
		return err
	}
	user, err := h.SerializeUser(ctx, u)
	if err != nil {
		return err
	}
	data := serializer.NewDict()
	data.Set("user", serializer.DictValue(user))
	data.Set("methods", AuthenticationRecords(c.session, u))
	data.Set("flows", all)
	meta := serializer.NewDict()
	meta.Set("is_authenticated", serializer.Bool(true))
	if _, err := c.withSessionMeta(r, meta); err != nil {
		return err
	}
	h.apiResponse(w, r, http.StatusUnauthorized, serializer.DictValue(data), serializer.DictValue(meta), serializer.None())
	return nil
}

// upsertFlow is _upsert_pending_flow: pending merged into the flow of its id, or
// appended.
func upsertFlow(flows []serializer.Value, pending *serializer.Dict) []serializer.Value {
	id, _ := pending.Get("id")
	for _, f := range flows {
		if got, _ := f.Dict().Get("id"); serializer.Equal(got, id) {
			for k, v := range pending.All() {
				f.Dict().SetKey(k, v)
			}
			return flows
		}
	}
	return append(flows, serializer.DictValue(pending))
}

// AuthenticatorsView is the app client's list of the user's authenticators
// (allauth.headless's mfa AuthenticatorsView, at _allauth/app/v1/account/authenticators):
// GET answers each authenticator of the session's user as allauth describes it
// ({"type", "created_at", "last_used_at"}, with the recovery codes' counts, a WebAuthn
// key's id, name and whether it is a passkey); an anonymous session gets the 401 with
// the flows.
func (h *Headless) AuthenticatorsView() http.Handler { return h.appView(h.serveAuthenticators, nil) }

// BrowserAuthenticatorsView is the browser client's
// (_allauth/browser/v1/account/authenticators): AuthenticatorsView's answers for the
// request's own session, behind the session and CSRF middleware.
func (h *Headless) BrowserAuthenticatorsView() http.Handler {
	return h.browserView(h.serveAuthenticators, nil)
}

// userAuthenticators is AuthenticatedAPIView's dispatch for the views of the user's
// authenticators: the session's user and its authenticators (a nil user when it
// answered the anonymous session's 401).
func (h *Headless) userAuthenticators(w http.ResponseWriter, r *http.Request, c *appContext) (*auth.User, []*Authenticator, error) {
	if err := h.mfaCheck(); err != nil {
		return nil, nil, err
	}
	u, err := h.sessionUser(w, r, c)
	if err != nil || u == nil {
		return nil, nil, err
	}
	src, _ := h.mfaSource()
	list, err := src.Authenticators(r.Context(), u.ID)
	return u, list, err
}

// firstOfType is .filter(type=typ).first(): the authenticator of the type of the lowest
// primary key, or nil.
func firstOfType(list []*Authenticator, typ string) *Authenticator {
	var first *Authenticator
	for _, a := range list {
		if a.Type == typ && (first == nil || a.ID < first.ID) {
			first = a
		}
	}
	return first
}

// serveAuthenticators is AuthenticatedAPIView's dispatch, RESTView.handle and
// AuthenticatorsView.get.
func (h *Headless) serveAuthenticators(w http.ResponseWriter, r *http.Request, c *appContext) error {
	u, list, err := h.userAuthenticators(w, r, c)
	if err != nil || u == nil {
		return err
	}
	if ok, err := h.restGet(w, r); err != nil || !ok {
		return err
	}
	items := make([]serializer.Value, len(list))
	for i, a := range list {
		d, err := h.authenticatorData(a, false)
		if err != nil {
			return err
		}
		items[i] = serializer.DictValue(d)
	}
	return h.dataResponse(w, r, c, http.StatusOK, serializer.List(items...), serializer.None())
}

// timestamp is datetime.timestamp() of a DateTimeField's value: exact for an aware
// one (USE_TZ), seconds plus microseconds for a naive one, as CPython computes each.
func (h *Headless) timestamp(t time.Time) serializer.Value {
	if ds := h.Sessions.Settings(); !ds.UseTZ {
		return serializer.Float(float64(t.Unix()) + float64(t.Nanosecond()/1000)/1e6)
	}
	return serializer.Float(float64(t.UnixMicro()) / 1e6)
}

// authenticatorData is _authenticator_data: sensitive adds the unused recovery codes.
func (h *Headless) authenticatorData(a *Authenticator, sensitive bool) (*serializer.Dict, error) {
	d := serializer.NewDict()
	d.Set("type", serializer.Str(a.Type))
	d.Set("created_at", h.timestamp(a.CreatedAt))
	d.Set("last_used_at", serializer.None())
	if a.LastUsedAt != nil {
		d.Set("last_used_at", h.timestamp(*a.LastUsedAt))
	}
	switch a.Type {
	case "recovery_codes":
		data, err := a.dict()
		if err != nil {
			return nil, err
		}
		unused, err := h.unusedCodes(a, data)
		if err != nil {
			return nil, err
		}
		total := h.Settings.RecoveryCodeCount
		if codes, ok, err := h.migratedCodes(a, data); err != nil {
			return nil, err
		} else if ok {
			total = len(codes)
		}
		d.Set("total_code_count", serializer.Int(int64(total)))
		d.Set("unused_code_count", serializer.Int(int64(len(unused))))
		if sensitive {
			d.Set("unused_codes", serializer.List(unused...))
		}
	case "webauthn":
		data, err := a.dict()
		if err != nil {
			return nil, err
		}
		name, ok := data.Get("name")
		if !ok {
			return nil, fmt.Errorf("headless: WebAuthn authenticator %d has no name", a.ID)
		}
		d.Set("id", serializer.Int(a.ID))
		d.Set("name", name)
		rk := serializer.DictValue(data)
		for _, k := range []string{"credential", "clientExtensionResults", "credProps", "rk"} {
			if rk.Kind() != serializer.KindDict {
				return nil, fmt.Errorf("headless: WebAuthn authenticator %d: its data's %s is a %s", a.ID, k, rk.Kind())
			}
			next, found := rk.Dict().Get(k)
			if !found {
				next = serializer.DictValue(serializer.NewDict())
				if k == "rk" {
					next = serializer.None()
				}
			}
			rk = next
		}
		if !rk.IsNone() {
			d.Set("is_passwordless", rk)
		}
	}
	return d, nil
}

// unusedCodes is get_unused_codes, the values as the data holds them.
func (h *Headless) unusedCodes(a *Authenticator, data *serializer.Dict) ([]serializer.Value, error) {
	if codes, ok, err := h.migratedCodes(a, data); err != nil || ok {
		return codes, err
	}
	seed, mask, err := h.recoverySeed(a, data)
	if err != nil {
		return nil, err
	}
	var out []serializer.Value
	for i, c := range recoveryCodes(seed, h.Settings.RecoveryCodeCount, h.Settings.RecoveryCodeDigits) {
		if mask.Bit(i) == 0 {
			out = append(out, serializer.Str(c))
		}
	}
	return out, nil
}

// RecoveryCodesView is the app client's recovery codes endpoint (allauth.headless's mfa
// ManageRecoveryCodesView, at _allauth/app/v1/account/authenticators/recovery-codes):
// GET shows the user's unused recovery codes (marked viewed, and, with
// MFA_RECOVERY_CODES_SHOW_ONCE, shown the first time only), POST makes new ones for a
// user with another authenticator; both need a recent reauthentication
// (MFA_REAUTHENTICATION_REQUIRED: else allauth's 401 with the user's ways to
// reauthenticate). A user without recovery codes gets the 404, an anonymous session
// the 401 with the flows. With ACCOUNT_EMAIL_NOTIFICATIONS, new codes are notified
// ("mfa/email/recovery_codes_generated", through Headless.Mailer; without one, POSTs
// go to fallback: ErrLoginStage).
func (h *Headless) RecoveryCodesView(fallback http.Handler) http.Handler {
	return h.appView(h.serveRecoveryCodes, fallback)
}

// BrowserRecoveryCodesView is the browser client's
// (_allauth/browser/v1/account/authenticators/recovery-codes): RecoveryCodesView's
// answers for the request's own session, behind the session and CSRF middleware.
func (h *Headless) BrowserRecoveryCodesView(fallback http.Handler) http.Handler {
	return h.browserView(h.serveRecoveryCodes, fallback)
}

const allowRecoveryCodes = "GET, POST, HEAD, OPTIONS"

// serveRecoveryCodes is AuthenticatedAPIView's dispatch, RESTView.handle with
// GenerateRecoveryCodesInput, and ManageRecoveryCodesView's get and post.
func (h *Headless) serveRecoveryCodes(w http.ResponseWriter, r *http.Request, c *appContext) error {
	u, list, err := h.userAuthenticators(w, r, c)
	if err != nil || u == nil {
		return err
	}
	ctx := r.Context()
	src, _ := h.mfaSource()
	rc := firstOfType(list, "recovery_codes")
	others := slices.ContainsFunc(list, func(a *Authenticator) bool { return a.Type != "recovery_codes" })
	if r.Method != http.MethodGet {
		if _, ok, err := h.jsonBody(r); err != nil {
			return err
		} else if !ok {
			emptyResponse(w, http.StatusBadRequest, "")
			return nil
		}
		if !others { // (GenerateRecoveryCodesInput.clean)
			e := formError("You cannot generate recovery codes without having two-factor authentication enabled.", "cannot_generate_recovery_codes")
			return h.metaResponse(w, r, c, http.StatusBadRequest, serializer.List(e))
		}
		switch r.Method {
		case http.MethodPost:
			return h.generateRecoveryCodes(w, r, c, u)
		case http.MethodOptions:
			emptyResponse(w, http.StatusOK, allowRecoveryCodes)
			return nil
		case http.MethodHead:
		default:
			emptyResponse(w, http.StatusMethodNotAllowed, allowRecoveryCodes)
			return nil
		}
	}
	// view_recovery_codes
	if rc == nil {
		return h.metaResponse(w, r, c, http.StatusNotFound, serializer.None())
	}
	if required, err := h.reauthenticationRequired(ctx, c.session, u); err != nil || required {
		if err == nil {
			err = h.reauthenticationResponse(w, r, c, u)
		}
		return err
	}
	data, err := rc.dict()
	if err != nil {
		return err
	}
	viewed, _ := data.Get("viewed_at")
	if !viewed.Truthy() { // (mark_as_viewed)
		changed := copyDict(data)
		changed.Set("viewed_at", serializer.Float(pyTime(h.now())))
		if _, err := src.ReplaceData(ctx, rc, changed); err != nil {
			return err
		}
		rc.Data = serializer.DictValue(changed)
	}
	d, err := h.authenticatorData(rc, !h.Settings.RecoveryCodesShowOnce || !viewed.Truthy())
	if err != nil {
		return err
	}
	return h.dataResponse(w, r, c, http.StatusOK, serializer.DictValue(d), serializer.None())
}

// activateRecoveryCodes is RecoveryCodes.activate for a user without recovery codes:
// new ones of a random seed (encrypted), marked viewed (mark_as_viewed) when viewed.
func (h *Headless) activateRecoveryCodes(ctx context.Context, u *auth.User, viewed bool) (*Authenticator, error) {
	seed := make([]byte, 40)
	rand.Read(seed)
	enc, err := h.encrypt(hex.EncodeToString(seed))
	if err != nil {
		return nil, err
	}
	data := serializer.NewDict()
	data.Set("seed", serializer.Str(enc))
	data.Set("used_mask", serializer.Int(0))
	if viewed {
		data.Set("viewed_at", serializer.Float(pyTime(h.now())))
	}
	a := &Authenticator{Type: "recovery_codes", Data: serializer.DictValue(data)}
	src, _ := h.mfaSource()
	return a, src.CreateAuthenticator(ctx, u.ID, a, h.now())
}

// reauthenticationRequired is is_reauthentication_required(app="allauth.mfa") for the
// session's user.
func (h *Headless) reauthenticationRequired(ctx context.Context, s *django.Session, u *auth.User) (bool, error) {
	if !h.Settings.MFAReauthenticationRequired {
		return false, nil
	}
	recent, err := h.didRecentlyReauthenticate(ctx, s, u)
	return !recent, err
}

// generateRecoveryCodes is generate_recovery_codes and the codes marked viewed: the
// user's recovery codes replaced by new ones (a new random seed), shown.
func (h *Headless) generateRecoveryCodes(w http.ResponseWriter, r *http.Request, c *appContext, u *auth.User) error {
	ctx := r.Context()
	if required, err := h.reauthenticationRequired(ctx, c.session, u); err != nil || required {
		if err == nil {
			err = h.reauthenticationResponse(w, r, c, u)
		}
		return err
	}
	if h.notificationsHandOn() {
		return fmt.Errorf("%w: the mail of new recovery codes (ACCOUNT_EMAIL_NOTIFICATIONS) needs a Mailer", ErrLoginStage)
	}
	src, _ := h.mfaSource()
	if err := src.DeleteAuthenticators(ctx, u.ID, "recovery_codes"); err != nil {
		return err
	}
	a, err := h.activateRecoveryCodes(ctx, u, true)
	if err != nil {
		return err
	}
	if err := h.notify(ctx, r, "mfa/email/recovery_codes_generated", u); err != nil { // (on_commit, at once)
		return err
	}
	d, err := h.authenticatorData(a, true)
	if err != nil {
		return err
	}
	return h.dataResponse(w, r, c, http.StatusOK, serializer.DictValue(d), serializer.None())
}

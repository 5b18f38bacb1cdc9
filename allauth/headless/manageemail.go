package headless

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/internal/pystr"
	"github.com/djsession/djsession/serializer"
)

// ManageEmailView is the app client's email address management (allauth's
// ManageEmailView, at _allauth/app/v1/account/email), for the session's user:
//
//   - GET lists the user's addresses ({"email", "verified", "primary"}, in the
//     database's order), and with ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED the
//     address of the user's pending verification after them;
//   - POST {"email": ...} adds an address (allauth's AddEmailForm: "duplicate_email",
//     "email_taken" without enumeration prevention, "max_email_addresses"): stored and
//     its verification link mailed (within the address's "confirm_email" rate), or with
//     ACCOUNT_CHANGE_EMAIL stored in place of the user's newest unverified address, or
//     by code not stored but its code mailed and its process kept in the session (a
//     429 once the rate is used up);
//   - PUT {"email": ...} mails an address its verification again (a 403 when the rate
//     or the resend quota says no);
//   - DELETE {"email": ...} removes an address ("cannot_remove_primary_email" for a
//     primary one while there are others, or the last one when logins are by email
//     alone), or drops the pending verification of the address by code; the user's
//     own email follows, as allauth's EmailAddress.remove sets it;
//   - PATCH {"email": ..., "primary": true} makes a verified address (or any, while
//     none is) the primary one, and the user's own email.
//
// An anonymous session at the signup's verification by code may POST a new address
// (ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_CHANGE): the user's newest unverified address
// replaced, the code mailed to the new one, the change counted; allauth's 409
// otherwise, and its 401 for the other methods. Each request counts in the
// "manage_email" rate (per user; a 429). Adding, removing and making primary need a
// recent reauthentication with ACCOUNT_REAUTHENTICATION_REQUIRED (allauth's 401 with
// the ways to reauthenticate). With ACCOUNT_EMAIL_NOTIFICATIONS, a removal is notified
// ("account/email/email_deleted") and a change of primary address too, to the old one
// ("account/email/email_changed"). A request that may mail without a Mailer (any POST
// or PUT; a DELETE or PATCH with notifications) goes to fallback before the rate
// counts it; so does one of a user whose pk Python takes as false.
func (h *Headless) ManageEmailView(fallback http.Handler) http.Handler {
	return h.appView(h.serveManageEmail, fallback)
}

// BrowserManageEmailView is the browser client's (_allauth/browser/v1/account/email):
// ManageEmailView's answers for the request's own session, behind the session and
// CSRF middleware.
func (h *Headless) BrowserManageEmailView(fallback http.Handler) http.Handler {
	return h.browserView(h.serveManageEmail, fallback)
}

// ManagedAddress is a row of allauth's account_emailaddress as ManageEmailView reads
// it (ID 0 for the address a verification by code waits for, which is not stored).
type ManagedAddress struct {
	ID                int64
	Email             string
	Verified, Primary bool
}

// EmailManager is allauth's EmailAddress model as ManageEmailView changes it
// (SQLEmailAddresses implements it).
type EmailManager interface {
	// UserAddresses are the user's rows, in the order the database gives them
	// (EmailAddress.objects.filter(user_id=...)).
	UserAddresses(ctx context.Context, userID string) ([]ManagedAddress, error)
	// UserAddressByEmail is get_for_user: the user's row of the address (lowercased),
	// as the database compares; false for none.
	UserAddressByEmail(ctx context.Context, userID, email string) (ManagedAddress, bool, error)
	// AddAddress stores a new row of the user's (ManageEmailView's neither verified nor
	// primary), and returns its id.
	AddAddress(ctx context.Context, userID, email string, verified, primary bool) (int64, error)
	// RemoveAddress deletes the row id.
	RemoveAddress(ctx context.Context, id int64) error
	// FirstAddress is filter(user).order_by("-verified").first(): its address; false
	// for none.
	FirstAddress(ctx context.Context, userID string) (string, bool, error)
	// SetPrimary makes the row id primary, and the row old (0 for none) not.
	SetPrimary(ctx context.Context, old, id int64) error
}

// UserAddresses implements EmailManager.
func (e *SQLEmailAddresses) UserAddresses(ctx context.Context, userID string) ([]ManagedAddress, error) {
	return e.managedRows(ctx, userID, "", nil)
}

// UserAddressByEmail implements EmailManager.
func (e *SQLEmailAddresses) UserAddressByEmail(ctx context.Context, userID, email string) (ManagedAddress, bool, error) {
	u := e.users
	rows, err := e.managedRows(ctx, userID, fmt.Sprintf(` AND %s = %s`, u.Quote("email"), u.Param(2)), []any{pystr.Lower(email)})
	switch {
	case err != nil:
		return ManagedAddress{}, false, err
	case len(rows) > 1: // (get(): MultipleObjectsReturned)
		return ManagedAddress{}, false, fmt.Errorf("headless: user %s has %d addresses %q", userID, len(rows), email)
	case len(rows) == 0:
		return ManagedAddress{}, false, nil
	}
	return rows[0], true, nil
}

// managedRows are the user's rows (id, email, verified, primary), with more of the
// query after its WHERE (parameters from 2).
func (e *SQLEmailAddresses) managedRows(ctx context.Context, userID, more string, args []any) ([]ManagedAddress, error) {
	u := e.users
	key, err := u.KeyArg(userID)
	if err != nil {
		return nil, err
	}
	q := fmt.Sprintf(`SELECT %s, %s, %s, %s FROM %s WHERE %s = %s`, u.Quote("id"), u.Quote("email"), u.Quote("verified"),
		u.Quote("primary"), u.Quote(e.table), u.Quote("user_id"), u.Param(1)) + more
	rows, err := u.DB().QueryContext(ctx, q, append([]any{key}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("headless: email addresses: %w", err)
	}
	defer rows.Close()
	var out []ManagedAddress
	for rows.Next() {
		var a ManagedAddress
		if err := rows.Scan(&a.ID, &a.Email, &a.Verified, &a.Primary); err != nil {
			return nil, fmt.Errorf("headless: email addresses: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("headless: email addresses: %w", err)
	}
	return out, nil
}

// AddAddress implements EmailManager.
func (e *SQLEmailAddresses) AddAddress(ctx context.Context, userID, email string, verified, primary bool) (int64, error) {
	u := e.users
	key, err := u.KeyArg(userID)
	if err != nil {
		return 0, err
	}
	q := fmt.Sprintf(`INSERT INTO %s (%s, %s, %s, %s) VALUES (%s, %s, %s, %s)`, u.Quote(e.table), u.Quote("email"),
		u.Quote("verified"), u.Quote("primary"), u.Quote("user_id"), u.Param(1), u.Param(2), u.Param(3), u.Param(4))
	if _, err := u.DB().ExecContext(ctx, q, email, verified, primary, key); err != nil {
		return 0, fmt.Errorf("headless: email addresses: %w", err)
	}
	a, found, err := e.UserAddressByEmail(ctx, userID, email)
	if err == nil && !found {
		err = fmt.Errorf("headless: the address %q added for user %s is gone", email, userID)
	}
	return a.ID, err
}

// RemoveAddress implements EmailManager.
func (e *SQLEmailAddresses) RemoveAddress(ctx context.Context, id int64) error {
	u := e.users
	q := fmt.Sprintf(`DELETE FROM %s WHERE %s = %s`, u.Quote(e.table), u.Quote("id"), u.Param(1))
	if _, err := u.DB().ExecContext(ctx, q, id); err != nil {
		return fmt.Errorf("headless: email addresses: %w", err)
	}
	return nil
}

// FirstAddress implements EmailManager, in the query Django makes of it.
func (e *SQLEmailAddresses) FirstAddress(ctx context.Context, userID string) (string, bool, error) {
	u := e.users
	rows, err := e.managedRows(ctx, userID, fmt.Sprintf(` ORDER BY %s DESC LIMIT 1`, u.Quote("verified")), nil)
	if err != nil || len(rows) == 0 {
		return "", false, err
	}
	return rows[0].Email, true, nil
}

// SetPrimary implements EmailManager.
func (e *SQLEmailAddresses) SetPrimary(ctx context.Context, old, id int64) error {
	u := e.users
	q := fmt.Sprintf(`UPDATE %s SET %s = %s WHERE %s = %s`, u.Quote(e.table), u.Quote("primary"), u.Param(1),
		u.Quote("id"), u.Param(2))
	if old != 0 {
		if _, err := u.DB().ExecContext(ctx, q, false, old); err != nil {
			return fmt.Errorf("headless: email addresses: %w", err)
		}
	}
	if _, err := u.DB().ExecContext(ctx, q, true, id); err != nil {
		return fmt.Errorf("headless: email addresses: %w", err)
	}
	return nil
}

// allowManageEmail is ManageEmailView's Allow header.
const allowManageEmail = "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS"

// manageEmailCheck refuses what ManageEmailView cannot follow.
func (h *Headless) manageEmailCheck() error {
	if _, ok := h.Emails.(EmailManager); !ok {
		return errors.New("headless: ManageEmailView needs the Emails' addresses (an EmailManager)")
	}
	if _, ok := h.Emails.(LoginAddressSource); !ok {
		return errors.New("headless: ManageEmailView needs the Emails' addresses (a LoginAddressSource)")
	}
	if _, ok := h.Emails.(EmailAddressSource); !ok {
		return errors.New("headless: ManageEmailView needs the Emails' addresses (an EmailAddressSource)")
	}
	if _, ok := h.Config.Users.(userCreator); !ok && h.Settings.UserModelEmailField != "" {
		return errors.New("headless: ManageEmailView needs users whose email it can set (an auth.SQLUserSource)")
	}
	return h.loginCheck()
}

// manageRequest is a request of ManageEmailView: its user, and for an anonymous
// session's change of address, the verification's state.
type manageRequest struct {
	w     http.ResponseWriter
	r     *http.Request
	c     *appContext
	u     *auth.User
	su    *auth.User // (the session's user: nil for an anonymous session)
	state *serializer.Dict
	data  *serializer.Dict
}

// serveManageEmail is ManageEmailView's dispatch (the user, the "manage_email" rate),
// RESTView.handle with the method's input, and the method's handler.
func (h *Headless) serveManageEmail(w http.ResponseWriter, r *http.Request, c *appContext) error {
	if err := h.manageEmailCheck(); err != nil {
		return err
	}
	ctx := r.Context()
	m := &manageRequest{w: w, r: r, c: c}
	var err error
	if m.su, err = h.SessionUser(ctx, c.session); err != nil {
		return err
	}
	m.u = m.su
	if m.u == nil {
		if r.Method != http.MethodPost {
			return h.authenticationResponse(w, r, c, nil)
		}
		ok := false
		if m.state, err = h.resumeVerification(c.session, false); err != nil {
			return err
		}
		if m.state != nil {
			if m.u, ok, err = h.canChangeAddress(ctx, m.state); err != nil {
				return err
			}
		}
		if !ok {
			return h.metaResponse(w, r, c, http.StatusConflict, serializer.None())
		}
	}
	// Handed on before the rate counts: a user whose pk Python takes as false, a mail
	// to send without a Mailer (an address added or mailed again, a notification).
	mails := r.Method == http.MethodPost || r.Method == http.MethodPut
	notifies := r.Method == http.MethodDelete || r.Method == http.MethodPatch
	if !h.truthyPK(m.u.ID) || mails && h.Mailer == nil || notifies && h.notificationsHandOn() {
		return ErrLoginStage
	}
	_, ok, err := h.consume(ctx, r, "manage_email", "", m.u.ID)
	if err != nil {
		return err
	} else if !ok {
		return h.metaResponse(w, r, c, http.StatusTooManyRequests, serializer.None())
	}
	if m.data, ok, err = h.restBody(w, r); err != nil || !ok {
		return err
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		return h.addressList(m)
	case http.MethodPost:
		if m.state != nil {
			return h.changeAddress(m)
		}
		return h.addAddress(m)
	case http.MethodPut, http.MethodDelete, http.MethodPatch:
		return h.selectedAddress(m)
	case http.MethodOptions:
		emptyResponse(w, http.StatusOK, allowManageEmail)
	default:
		emptyResponse(w, http.StatusMethodNotAllowed, allowManageEmail)
	}
	return nil
}

// resumeVerification is EmailVerificationProcess.resume: the session's verification
// by code (none without ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED), aborted once too
// old.
func (h *Headless) resumeVerification(s *django.Session, authenticated bool) (*serializer.Dict, error) {
	if !h.Settings.EmailVerificationByCodeEnabled {
		return nil, nil
	}
	return h.pendingVerification(s, authenticated)
}

// canChangeAddress is the process's can_change: its changes below
// ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_CHANGE's count, and a user who never logged in;
// the user.
func (h *Headless) canChangeAddress(ctx context.Context, state *serializer.Dict) (*auth.User, bool, error) {
	v, ok := state.Get("change_count")
	if !ok {
		return nil, false, fmt.Errorf("%w: a code's state without change_count", errStash)
	}
	n, err := pyArith(v, "change_count")
	if err != nil || n >= float64(h.Settings.EmailVerificationMaxChangeCount) {
		return nil, false, err
	}
	u, err := h.codeUser(ctx, nil, state)
	if err != nil || u == nil || u.LastLogin != nil {
		return nil, false, err
	}
	return u, true, nil
}

// addressList is _respond_email_list: list_email_addresses, the user's rows, and for
// an authenticated session the address of its verification by code when it is the
// user's (its row again when it has one, as allauth appends it).
func (h *Headless) addressList(m *manageRequest) error {
	ctx := m.r.Context()
	em := h.Emails.(EmailManager)
	rows, err := em.UserAddresses(ctx, m.u.ID)
	if err != nil {
		return err
	}
	if m.su != nil {
		state, err := h.resumeVerification(m.c.session, true)
		if err != nil {
			return err
		}
		if state != nil {
			a, ok, err := h.processAddress(ctx, state)
			if err != nil {
				return err
			}
			if ok && a.user == m.u.ID {
				rows = append(rows, a.ManagedAddress)
			}
		}
	}
	list := make([]serializer.Value, 0, len(rows))
	for _, a := range rows {
		d := serializer.NewDict()
		d.Set("email", serializer.Str(a.Email))
		d.Set("verified", serializer.Bool(a.Verified))
		d.Set("primary", serializer.Bool(a.Primary))
		list = append(list, serializer.DictValue(d))
	}
	return h.dataResponse(m.w, m.r, m.c, http.StatusOK, serializer.List(list...), serializer.None())
}

// processAddress is a process's email_address: the row of its user's of its address
// (or that address unstored, ID 0), with its user's id; false for a process of no user
// (none, or account_already_exists).
func (h *Headless) processAddress(ctx context.Context, state *serializer.Dict) (struct {
	ManagedAddress
	user string
}, bool, error) {
	var out struct {
		ManagedAddress
		user string
	}
	email, err := loginCodeEmail(state)
	if err != nil {
		return out, false, err
	}
	u, err := h.codeUser(ctx, nil, state)
	if err != nil {
		return out, false, err
	}
	if exists, _ := state.Get("account_already_exists"); u == nil || exists.Truthy() {
		return out, false, nil
	}
	a, found, err := h.Emails.(EmailManager).UserAddressByEmail(ctx, u.ID, email)
	if err != nil {
		return out, false, err
	}
	if !found {
		a = ManagedAddress{Email: email}
	}
	out.ManagedAddress, out.user = a, u.ID
	return out, true, nil
}

// addressErrors answers the input's errors with a 400.
func (h *Headless) addressErrors(m *manageRequest, errs []serializer.Value) error {
	return h.metaResponse(m.w, m.r, m.c, http.StatusBadRequest, serializer.List(errs...))
}

// reauthenticationNeeded is raise_if_reauthentication_required for the session's user:
// true when it answered allauth's 401.
func (h *Headless) reauthenticationNeeded(m *manageRequest) (bool, error) {
	if !h.Settings.ReauthenticationRequired {
		return false, nil
	}
	recent, err := h.didRecentlyReauthenticate(m.r.Context(), m.c.session, m.u)
	if err != nil || recent {
		return false, err
	}
	return true, h.reauthenticationResponse(m.w, m.r, m.c, m.u)
}

// addAddress is AddEmailInput (AddEmailForm) and flows.manage_email.add_email.
func (h *Headless) addAddress(m *manageRequest) error {
	ctx := m.r.Context()
	s := h.Settings
	email, errs := h.requiredEmail(m.data, "email")
	if len(errs) == 0 { // (clean_email)
		users, err := h.usersOfEmail(ctx, email, false)
		if err != nil {
			return err
		}
		mine, others := false, false
		for _, u := range users {
			if u.ID == m.u.ID {
				mine = true
			} else {
				others = true
			}
		}
		rows, err := h.Emails.(EmailManager).UserAddresses(ctx, m.u.ID)
		if err != nil {
			return err
		}
		switch {
		case mine:
			errs = append(errs, fieldError("This email address is already associated with this account.", "duplicate_email", "email"))
		case others && s.UniqueEmail && !s.PreventEnumeration:
			errs = append(errs, fieldError("A user is already registered with this email address.", "email_taken", "email"))
		case !s.ChangeEmail && s.MaxEmailAddresses > 0 && len(rows) >= s.MaxEmailAddresses:
			errs = append(errs, fieldError(fmt.Sprintf("You cannot add more than %d email addresses.", s.MaxEmailAddresses),
				"max_email_addresses", "email"))
		}
	}
	if len(errs) > 0 {
		return h.addressErrors(m, errs)
	}
	if need, err := h.reauthenticationNeeded(m); err != nil || need {
		return err
	}
	em := h.Emails.(EmailManager)
	switch {
	case s.EmailVerificationByCodeEnabled: // (not stored: its process initiated)
		if err := h.initiateVerificationCode(m.r, m.c.session, m.u, email); err == errRateLimited {
			return h.metaResponse(m.w, m.r, m.c, http.StatusTooManyRequests, serializer.None())
		} else if err != nil {
			return err
		}
	case s.ChangeEmail: // (add_new_email)
		if err := h.replaceNewAddress(ctx, m.u, m.u.Email); err != nil {
			return err
		}
		id, err := em.AddAddress(ctx, m.u.ID, email, false, false)
		if err != nil {
			return err
		}
		if _, err := h.mailAddressVerification(m, id, email); err != nil {
			return err
		}
	default: // (add_email: get_or_create, confirm)
		_, found, err := em.UserAddressByEmail(ctx, m.u.ID, email)
		if err != nil || found {
			return err
		}
		id, err := em.AddAddress(ctx, m.u.ID, email, false, false)
		if err != nil {
			return err
		}
		if _, err := h.mailAddressVerification(m, id, email); err != nil {
			return err
		}
	}
	return h.addressList(m)
}

// requiredEmail is a required EmailField of allauth's: the address, lowercased, or
// the field's errors.
func (h *Headless) requiredEmail(data *serializer.Dict, name string) (string, []serializer.Value) {
	email, errs := h.emailField(data, name)
	if email == "" && len(errs) == 0 {
		errs = append(errs, fieldError("This field is required.", "required", name))
	}
	return email, errs
}

// replaceNewAddress is the start of add_new_email: the user's newest unverified row
// (get_new) removed, the user's own email (own, as the database has it) following it.
func (h *Headless) replaceNewAddress(ctx context.Context, u *auth.User, own string) error {
	rows, err := h.Emails.(EmailManager).UserAddresses(ctx, u.ID)
	if err != nil {
		return err
	}
	var last *ManagedAddress
	for i, a := range rows {
		if !a.Verified && (last == nil || a.ID > last.ID) {
			last = &rows[i]
		}
	}
	if last == nil {
		return nil
	}
	return h.removeAddress(ctx, u, own, *last)
}

// removeAddress is EmailAddress.remove: the row deleted, and when it was the user's own
// email (own), that email set to the user's first other address (verified first) or
// "".
func (h *Headless) removeAddress(ctx context.Context, u *auth.User, own string, a ManagedAddress) error {
	em := h.Emails.(EmailManager)
	if err := em.RemoveAddress(ctx, a.ID); err != nil {
		return err
	}
	if h.Settings.UserModelEmailField == "" || pystr.Lower(own) != a.Email {
		return nil
	}
	alt, _, err := em.FirstAddress(ctx, u.ID)
	if err != nil {
		return err
	}
	return h.setUserEmail(ctx, u, alt)
}

// setUserEmail is user_email(user, email, commit=True): the user's own email,
// lowercased, at most its field's 254 characters.
func (h *Headless) setUserEmail(ctx context.Context, u *auth.User, email string) error {
	if h.Settings.UserModelEmailField == "" {
		return nil
	}
	email = pystr.Head(pystr.Lower(email), 254)
	if err := h.Config.Users.(userCreator).SetEmail(ctx, u.ID, email); err != nil {
		return err
	}
	u.Email = email
	return nil
}

// addVerifiedAddress is verify_email for an address of the user's not stored (the one
// a verification by code of ManageEmailView's addition waits for): stored verified,
// and primary (the user's own email too) when the user has no primary address; an
// error when another row of the address was verified meanwhile (allauth's 500).
func (h *Headless) addVerifiedAddress(ctx context.Context, userID, email string) (int64, error) {
	if taken, err := h.verifiedElsewhere(ctx, email); err != nil || taken {
		if err == nil {
			err = fmt.Errorf("headless: the address %q was verified meanwhile", email)
		}
		return 0, err
	}
	em := h.Emails.(EmailManager)
	rows, err := em.UserAddresses(ctx, userID)
	if err != nil {
		return 0, err
	}
	primary := true
	for _, a := range rows {
		primary = primary && !a.Primary
	}
	id, err := em.AddAddress(ctx, userID, email, true, primary)
	if err != nil || !primary {
		return id, err
	}
	return id, h.setUserEmail(ctx, &auth.User{ID: userID}, email)
}

// primaryRow is get_primary over the user's rows: the primary one (nil for none), an
// error for several (get's MultipleObjectsReturned).
func primaryRow(rows []ManagedAddress, userID string) (*ManagedAddress, error) {
	var old *ManagedAddress
	for i, r := range rows {
		if r.Primary {
			if old != nil {
				return nil, fmt.Errorf("headless: user %s has several primary addresses", userID)
			}
			old = &rows[i]
		}
	}
	return old, nil
}

// changeFrom is verify_email's from_email_address with ACCOUNT_CHANGE_EMAIL, read
// before the address id (0: one not stored) is verified: the user's other row of the
// lowest id, nil for none.
func (h *Headless) changeFrom(ctx context.Context, userID string, id int64) (*ManagedAddress, error) {
	rows, err := h.Emails.(EmailManager).UserAddresses(ctx, userID)
	if err != nil {
		return nil, err
	}
	var from *ManagedAddress
	for i, a := range rows {
		if a.ID != id && (from == nil || a.ID < from.ID) {
			from = &rows[i]
		}
	}
	return from, nil
}

// errNotVerified is verify_email's False: the address to verify was not (another row
// of it verified meanwhile, with ACCOUNT_UNIQUE_EMAIL).
var errNotVerified = errors.New("headless: the address to verify was verified elsewhere meanwhile")

// changeEmail is the rest of verify_email with ACCOUNT_CHANGE_EMAIL once the row id is
// verified: made primary whatever the user had (set_as_primary(conditional=False),
// the user's own email with it), the user's other rows removed, and the change
// notified to the address from (emit_email_changed).
func (h *Headless) changeEmail(r *http.Request, userID string, id int64, from *ManagedAddress) error {
	ctx := r.Context()
	em := h.Emails.(EmailManager)
	rows, err := em.UserAddresses(ctx, userID)
	if err != nil {
		return err
	}
	old, err := primaryRow(rows, userID)
	if err != nil {
		return err
	}
	var this *ManagedAddress
	for i, a := range rows {
		if a.ID == id {
			this = &rows[i]
		}
	}
	if this == nil || !this.Verified { // (verify_email failed)
		return errNotVerified
	}
	if old == nil || old.ID != id {
		oldID := int64(0)
		if old != nil {
			oldID = old.ID
		}
		if err := em.SetPrimary(ctx, oldID, id); err != nil {
			return err
		}
	}
	u := &auth.User{ID: userID}
	if err := h.setUserEmail(ctx, u, this.Email); err != nil {
		return err
	}
	for _, a := range rows {
		if a.ID != id {
			if err := h.removeAddress(ctx, u, u.Email, a); err != nil {
				return err
			}
		}
	}
	if from == nil {
		return nil
	}
	return h.notifyWith(ctx, r, "account/email/email_changed", u, from.Email,
		map[string]any{"from_email": from.Email, "to_email": this.Email})
}

// verifiedElsewhere is can_set_verified's conflict for an address not stored: with
// ACCOUNT_UNIQUE_EMAIL, a row of the address (as the database compares) verified.
func (h *Headless) verifiedElsewhere(ctx context.Context, email string) (bool, error) {
	src, ok := h.Emails.(EmailAddressSource)
	if !h.Settings.UniqueEmail || !ok {
		return false, nil
	}
	rows, err := src.AddressesByEmail(ctx, email)
	if err != nil {
		return false, err
	}
	for _, a := range rows {
		if a.Verified {
			return true, nil
		}
	}
	return false, nil
}

// mailAddressVerification is send_verification_email_to_address for a stored address
// of the user's by link: mailed within the address's "confirm_email" rate; whether it
// was.
func (h *Headless) mailAddressVerification(m *manageRequest, id int64, email string) (bool, error) {
	if _, ok, err := h.consume(m.r.Context(), m.r, "confirm_email", pystr.Lower(email), ""); err != nil || !ok {
		return false, err
	}
	return true, h.mailConfirmation(m.r, m.u, id, email, false)
}

// selectedAddress is SelectEmailInput (with DeleteEmailInput's,
// MarkAsPrimaryEmailInput's and ResendEmailVerificationInput's checks) and the
// delete, patch and put handlers.
func (h *Headless) selectedAddress(m *manageRequest) error {
	ctx := m.r.Context()
	em := h.Emails.(EmailManager)
	var errs []serializer.Value
	var a ManagedAddress
	var process *serializer.Dict
	text, ferr := charField(m.data, "email")
	if !ferr.IsNone() {
		errs = append(errs, ferr)
	} else { // (clean_email)
		ds := h.Sessions.Settings()
		found := false
		var err error
		if !ds.IsValidEmail(text) {
			errs = append(errs, fieldError("Enter a valid email address.", "invalid", "email"))
		} else if a, found, err = em.UserAddressByEmail(ctx, m.u.ID, text); err != nil {
			return err
		} else if !found {
			if process, err = h.resumeVerification(m.c.session, true); err != nil {
				return err
			}
			if process != nil {
				pa, ok, err := h.processAddress(ctx, process)
				if err != nil {
					return err
				}
				if ok && pystr.Lower(pa.Email) == pystr.Lower(text) && pa.user == m.u.ID {
					a, found = pa.ManagedAddress, true
				}
				if !found {
					process = nil
				}
			}
			if !found {
				errs = append(errs, fieldError("Unknown email address.", "unknown_email", "email"))
			}
		}
		if found {
			switch m.r.Method {
			case http.MethodDelete:
				ok, err := h.canDeleteAddress(ctx, m.u, a)
				if err != nil {
					return err
				}
				if !ok {
					errs = append(errs, fieldError("You cannot remove your primary email address.", "cannot_remove_primary_email", "email"))
				}
			case http.MethodPatch:
				ok, err := h.canMarkAsPrimary(ctx, m.u, a)
				if err != nil {
					return err
				}
				if !ok {
					errs = append(errs, fieldError("Your primary email address must be verified.", "unverified_primary_email", "email"))
				}
			}
		}
	}
	if m.r.Method == http.MethodPatch { // (primary: a required BooleanField)
		v, _ := m.data.Get("primary")
		if !formBool(v) {
			errs = append(errs, fieldError("This field is required.", "required", "primary"))
		}
	}
	if len(errs) > 0 {
		return h.addressErrors(m, errs)
	}
	switch m.r.Method {
	case http.MethodDelete:
		if a.ID == 0 { // (the pending verification's: aborted)
			abortVerification(m.c.session, true)
			return h.addressList(m)
		}
		return h.deleteAddress(m, a)
	case http.MethodPatch:
		return h.markAsPrimary(m, a)
	}
	return h.resendVerification(m, a, process)
}

// formBool is a Django forms.BooleanField's to_python of a JSON value: false for
// "false" and "0" (in any case), else the value's truth.
func formBool(v serializer.Value) bool {
	if s, ok := v.AsStr(); ok && (strings.EqualFold(s, "false") || s == "0") {
		return false
	}
	return v.Truthy()
}

// canDeleteAddress is the adapter's can_delete_email.
func (h *Headless) canDeleteAddress(ctx context.Context, u *auth.User, a ManagedAddress) (bool, error) {
	if a.ID == 0 {
		return true, nil
	}
	rows, err := h.Emails.(EmailManager).UserAddresses(ctx, u.ID)
	if err != nil {
		return false, err
	}
	other := false
	for _, r := range rows {
		other = other || r.ID != a.ID
	}
	byEmail := len(h.Settings.LoginMethods) == 1 && h.Settings.LoginMethods[0] == "email"
	if a.Primary {
		return !other && !byEmail, nil
	}
	return other || !byEmail, nil
}

// canMarkAsPrimary is flows.manage_email.can_mark_as_primary: a stored address,
// verified, or of a user with no verified one.
func (h *Headless) canMarkAsPrimary(ctx context.Context, u *auth.User, a ManagedAddress) (bool, error) {
	if a.ID == 0 {
		return false, nil
	}
	if a.Verified {
		return true, nil
	}
	verified, err := h.Emails.(EmailAddressSource).HasVerifiedEmail(ctx, u.ID, "")
	return !verified, err
}

// deleteAddress is flows.manage_email.delete_email.
func (h *Headless) deleteAddress(m *manageRequest, a ManagedAddress) error {
	ctx := m.r.Context()
	if need, err := h.reauthenticationNeeded(m); err != nil || need {
		return err
	}
	if ok, err := h.canDeleteAddress(ctx, m.u, a); err != nil {
		return err
	} else if ok {
		if err := h.removeAddress(ctx, m.u, m.u.Email, a); err != nil {
			return err
		}
		if err := h.notifyWith(ctx, m.r, "account/email/email_deleted", m.u, "",
			map[string]any{"deleted_email": a.Email}); err != nil {
			return err
		}
	}
	return h.addressList(m)
}

// markAsPrimary is flows.manage_email.mark_as_primary: set_as_primary (the old primary
// row not, this one, the user's own email), and the change notified to the old
// primary address.
func (h *Headless) markAsPrimary(m *manageRequest, a ManagedAddress) error {
	ctx := m.r.Context()
	if need, err := h.reauthenticationNeeded(m); err != nil || need {
		return err
	}
	em := h.Emails.(EmailManager)
	rows, err := em.UserAddresses(ctx, m.u.ID)
	if err != nil {
		return err
	}
	old, err := primaryRow(rows, m.u.ID)
	if err != nil {
		return err
	}
	oldID := int64(0)
	if old != nil {
		oldID = old.ID
	}
	if err := em.SetPrimary(ctx, oldID, a.ID); err != nil {
		return err
	}
	if err := h.setUserEmail(ctx, m.u, a.Email); err != nil {
		return err
	}
	if old != nil {
		if err := h.notifyWith(ctx, m.r, "account/email/email_changed", m.u, old.Email,
			map[string]any{"from_email": old.Email, "to_email": a.Email}); err != nil {
			return err
		}
	}
	return h.addressList(m)
}

// resendVerification is ManageEmailView.put: the pending verification's new code
// (while its resend quota allows), or send_verification_email_to_address for a stored
// address (by code, a new process); a 403 when nothing was sent.
func (h *Headless) resendVerification(m *manageRequest, a ManagedAddress, process *serializer.Dict) error {
	sent := false
	switch {
	case process != nil:
		n, err := stateCount(process, "resend_count")
		if err != nil {
			return err
		}
		if n < float64(h.Settings.EmailVerificationMaxResendCount) {
			if err := h.mailVerificationCode(m.r, m.u, process, true); err == errRateLimited {
				return h.metaResponse(m.w, m.r, m.c, http.StatusTooManyRequests, serializer.None())
			} else if err != nil {
				return err
			}
			rc, _ := process.Get("resend_count")
			v, _, err := pyIncrement(rc, "resend_count")
			if err != nil {
				return err
			}
			process.Set("resend_count", v)
			m.c.session.Set(verificationCodeKey, serializer.DictValue(process))
			sent = true
		}
	case h.Settings.EmailVerificationByCodeEnabled:
		if err := h.initiateVerificationCode(m.r, m.c.session, m.u, a.Email); err == errRateLimited {
			return h.metaResponse(m.w, m.r, m.c, http.StatusTooManyRequests, serializer.None())
		} else if err != nil {
			return err
		}
		sent = true
	default:
		var err error
		if sent, err = h.mailAddressVerification(m, a.ID, a.Email); err != nil {
			return err
		}
	}
	status := http.StatusOK
	if !sent {
		status = http.StatusForbidden
	}
	return h.metaResponse(m.w, m.r, m.c, status, serializer.None())
}

// stateCount is a process state's count name, as a float for comparing.
func stateCount(state *serializer.Dict, name string) (float64, error) {
	v, ok := state.Get(name)
	if !ok {
		return 0, fmt.Errorf("%w: a code's state without %s", errStash, name)
	}
	return pyArith(v, name)
}

// changeAddress is ChangeEmailInput and the process's change_to, for an anonymous
// session at the signup's verification by code: the new address (not the current
// one; "email_taken" as email_already_exists says), stored in place of the user's
// newest unverified one (and made the user's own) unless it is another account's,
// the change counted and a new code mailed ("account/email/email_confirmation_signup",
// or to another account's address "account/email/account_already_exists").
func (h *Headless) changeAddress(m *manageRequest) error {
	ctx := m.r.Context()
	email, errs := h.requiredEmail(m.data, "email")
	exists := false
	if len(errs) == 0 {
		current, err := loginCodeEmail(m.state)
		if err != nil {
			return err
		}
		if email == current {
			errs = append(errs, fieldError("The new value must be different from the current one.", "same_as_current", "email"))
		} else {
			taken, hidden, err := h.assessUniqueEmail(ctx, email)
			if err != nil {
				return err
			}
			if taken {
				errs = append(errs, fieldError("A user is already registered with this email address.", "email_taken", "email"))
			}
			exists = hidden
		}
	}
	if len(errs) > 0 {
		return h.addressErrors(m, errs)
	}
	m.state.Set("account_already_exists", serializer.Bool(exists))
	if !exists {
		if err := h.replaceNewAddress(ctx, m.u, m.u.Email); err != nil {
			return err
		}
		if _, err := h.Emails.(EmailManager).AddAddress(ctx, m.u.ID, email, false, false); err != nil {
			return err
		}
		if err := h.setUserEmail(ctx, m.u, email); err != nil {
			return err
		}
	}
	cc, _ := m.state.Get("change_count")
	v, _, err := pyIncrement(cc, "change_count")
	if err != nil {
		return err
	}
	m.state.Set("change_count", v)
	m.state.Set("email", serializer.Str(email))
	u := m.u
	if exists {
		u = nil
	}
	if err := h.mailVerificationCode(m.r, u, m.state, false); err == errRateLimited {
		return h.metaResponse(m.w, m.r, m.c, http.StatusTooManyRequests, serializer.None())
	} else if err != nil {
		return err
	}
	m.c.session.Set(verificationCodeKey, serializer.DictValue(m.state))
	return h.addressList(m)
}

// assessUniqueEmail is assess_unique_email for an address of any user: taken (allauth's
// "email_taken"), or hidden (None: in use, which the verification's mail will tell).
func (h *Headless) assessUniqueEmail(ctx context.Context, email string) (taken, hidden bool, err error) {
	s := h.Settings
	if !s.UniqueEmail {
		return false, false, nil
	}
	users, err := h.usersOfEmail(ctx, email, false)
	if err != nil || len(users) == 0 {
		return false, false, err
	}
	switch {
	case !s.PreventEnumeration:
		return true, false, nil
	case s.EmailVerification == "mandatory":
		return false, true, nil
	case s.PreventEnumerationStrict:
		return false, false, nil
	}
	return true, false, nil
}

package headless

import (
	"context"
	"fmt"
	"net/http"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/internal/pystr"
	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/signing"
)

// LoginAddressSource is what a login that waits for its address's verification
// (ACCOUNT_EMAIL_VERIFICATION "mandatory") reads and writes of allauth's addresses, to
// mail the verification link (SQLEmailAddresses implements it).
type LoginAddressSource interface {
	// AddressForLogin is get_address_for_login. For a login by email: the user's row of
	// that address (lowercased), else one added for it (not verified, not primary) when
	// the user has no row of the address as given (sync_email_address). For a login
	// without one (email ""): the user's first row by primary, then verified
	// (get_address_for_user), else one added for own, the user's own address ("" for
	// none: sync_user_email_address). The row's id and address, false for none.
	AddressForLogin(ctx context.Context, userID, email, own string) (id int64, a EmailAddress, found bool, err error)
	// UserAddress is EmailAddress.objects.get_for_user: the user's row of the address
	// email (lowercased), false for none.
	UserAddress(ctx context.Context, userID, email string) (id int64, a EmailAddress, found bool, err error)
}

// AddressForLogin implements LoginAddressSource, in the statements Django's queries
// make (no transaction: allauth's autocommit).
func (e *SQLEmailAddresses) AddressForLogin(ctx context.Context, userID, email, own string) (int64, EmailAddress, bool, error) {
	u := e.users
	key, err := u.KeyArg(userID)
	if err != nil {
		return 0, EmailAddress{}, false, err
	}
	t := u.Quote(e.table)
	cols := fmt.Sprintf(`SELECT %s, %s, %s FROM %s WHERE %s = %s`, u.Quote("id"), u.Quote("email"), u.Quote("verified"), t,
		u.Quote("user_id"), u.Param(1))
	add := email
	if email != "" { // (get_for_user: a get(), of one row)
		if id, a, found, err := e.UserAddress(ctx, userID, email); err != nil || found {
			return id, a, found, err
		}
	} else {
		q := cols + fmt.Sprintf(` ORDER BY %s DESC, %s DESC LIMIT 1`, u.Quote("primary"), u.Quote("verified"))
		rows, err := e.addressRows(ctx, q, key)
		if err != nil {
			return 0, EmailAddress{}, false, err
		}
		if len(rows) == 1 {
			return rows[0].id, EmailAddress{UserID: userID, Email: rows[0].email, Verified: rows[0].verified}, true, nil
		}
		add = own
	}
	if add == "" {
		return 0, EmailAddress{}, false, nil
	}
	// sync_email_address: none of the address as given (as the database compares), then
	// get_or_create's insert.
	var n int
	q := fmt.Sprintf(`SELECT COUNT(*) FROM %s WHERE %s = %s AND %s = %s`, t, u.Quote("user_id"), u.Param(1),
		u.Quote("email"), u.Param(2))
	if err := u.DB().QueryRowContext(ctx, q, key, add).Scan(&n); err != nil {
		return 0, EmailAddress{}, false, fmt.Errorf("headless: email addresses: %w", err)
	}
	if n > 0 {
		return 0, EmailAddress{}, false, nil
	}
	ins := fmt.Sprintf(`INSERT INTO %s (%s, %s, %s, %s) VALUES (%s, %s, %s, %s)`, t, u.Quote("email"),
		u.Quote("verified"), u.Quote("primary"), u.Quote("user_id"), u.Param(1), u.Param(2), u.Param(3), u.Param(4))
	if _, err := u.DB().ExecContext(ctx, ins, add, false, false, key); err != nil {
		return 0, EmailAddress{}, false, fmt.Errorf("headless: email addresses: %w", err)
	}
	rows, err := e.addressRows(ctx, cols+fmt.Sprintf(` AND %s = %s ORDER BY %s DESC LIMIT 1`, u.Quote("email"), u.Param(2),
		u.Quote("id")), key, add)
	if err != nil {
		return 0, EmailAddress{}, false, err
	}
	if len(rows) == 0 {
		return 0, EmailAddress{}, false, fmt.Errorf("headless: the address %q added for user %s is gone", add, userID)
	}
	return rows[0].id, EmailAddress{UserID: userID, Email: rows[0].email}, true, nil
}

// addressRows are the rows (id, email, verified) of the query q.
func (e *SQLEmailAddresses) addressRows(ctx context.Context, q string, args ...any) ([]addressRow, error) {
	rows, err := e.users.DB().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("headless: email addresses: %w", err)
	}
	defer rows.Close()
	var out []addressRow
	for rows.Next() {
		var a addressRow
		if err := rows.Scan(&a.id, &a.email, &a.verified); err != nil {
			return nil, fmt.Errorf("headless: email addresses: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("headless: email addresses: %w", err)
	}
	return out, nil
}

// accountSalt is the salt of the verification keys: ACCOUNT_SALT, which signing.dumps
// hands to TimestampSigner (its `salt or` default for "").
func (h *Headless) accountSalt() string {
	if h.Settings.AccountSalt == "" {
		return signing.TimestampSignerClass
	}
	return h.Settings.AccountSalt
}

// verifyMailHandsOn reports whether a login meeting the "verify_email" stage is Go's
// to stash (the verification link or code mailed), rather than handed on: a Mailer,
// the addresses a LoginAddressSource, and for keys of the EmailConfirmation table
// (ACCOUNT_EMAIL_CONFIRMATION_HMAC off, links) a ConfirmationTable.
func (h *Headless) verifyMailHandsOn() bool {
	s := h.Settings
	_, ok := h.Emails.(LoginAddressSource)
	_, table := h.Emails.(ConfirmationTable)
	return ok && h.Mailer != nil && (s.EmailVerificationByCodeEnabled || s.EmailConfirmationHMAC || table)
}

// stashVerifyLogin is the login of u (by email, or "") at the "verify_email" stage of
// a site with mandatory verification (EmailVerificationStage.handle): the
// verification link mailed to the login's address (send_verification_email_at_login),
// and the login stashed at the stage.
func (h *Headless) stashVerifyLogin(r *http.Request, s *django.Session, u *auth.User, email string) error {
	l, err := h.loginAt(u, email, stageVerifyEmail)
	if err != nil {
		return err
	}
	if err := h.mailLoginVerification(r, s, u, email, false); err != nil {
		return err
	}
	return h.stashLogin(s, l)
}

// mailLoginVerification is send_verification_email_at_real_login: the login's address
// (get_address_for_login), unless verified, mailed its link
// (send_verification_email_to_address) while the "confirm_email" rate of the address
// allows.
func (h *Headless) mailLoginVerification(r *http.Request, s *django.Session, u *auth.User, email string, signup bool) error {
	ctx := r.Context()
	id, a, found, err := h.loginAddress(ctx, u, email)
	if err != nil || !found || a.Verified {
		return err
	}
	if h.Settings.EmailVerificationByCodeEnabled { // (the process initiated: its code mailed)
		return h.initiateVerificationCode(r, s, u, a.Email)
	}
	if _, ok, err := h.consume(ctx, r, "confirm_email", pystr.Lower(a.Email), ""); err != nil || !ok {
		return err // (a link already mailed stays good: none sent)
	}
	if !h.truthyPK(u.ID) { // (an address of a user_id Python takes as false: of no user)
		return h.unknownAccountMail(ctx, r, a.Email)
	}
	return h.mailConfirmation(r, u, id, a.Email, signup)
}

// mailConfirmation is address.send_confirmation at a login: the mail
// "account/email/email_confirmation" of the address id's key and its link
// (HEADLESS_FRONTEND_URLS' "account_confirm_email"). The key is EmailConfirmationHMAC's
// (signing.dumps of the id, ACCOUNT_SALT), or with ACCOUNT_EMAIL_CONFIRMATION_HMAC off
// a new row of the EmailConfirmation table's.
func (h *Headless) mailConfirmation(r *http.Request, u *auth.User, id int64, address string, signup bool) error {
	if !h.Settings.EmailConfirmationHMAC {
		return h.tableConfirmationMail(r, u, id, address, signup)
	}
	ds := h.Sessions.Settings()
	key, err := signing.Dumps(serializer.Int(id), signing.DumpsOptions{Key: ds.SecretKey, Salt: h.accountSalt(), Now: ds.Now})
	if err != nil {
		return err
	}
	return h.sendConfirmation(r, u, key, address, signup)
}

// sendConfirmation is send_confirmation_mail of a link's key (at a signup:
// "account/email/email_confirmation_signup").
func (h *Headless) sendConfirmation(r *http.Request, u *auth.User, key, address string, signup bool) error {
	link, err := h.frontendURL(r, "account_confirm_email", "key", key)
	if err != nil {
		return err
	}
	prefix := "account/email/email_confirmation"
	if signup {
		prefix += "_signup"
	}
	return h.Mailer.SendMail(r.Context(), Mail{TemplatePrefix: prefix, Email: address,
		Context: map[string]any{"user": u, "key": key, "activate_url": link}})
}

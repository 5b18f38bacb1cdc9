package headless

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/django/auth/hashers"
	"github.com/djsession/djsession/internal/pystr"
)

// ConfirmationTable is allauth's EmailConfirmation model: the verification keys of a
// site with ACCOUNT_EMAIL_CONFIRMATION_HMAC off, random and kept in the
// account_emailconfirmation table (SQLEmailAddresses implements it).
type ConfirmationTable interface {
	// CreateConfirmation is EmailConfirmation.create of the address id: a row of key,
	// created at t, not sent yet; its id.
	CreateConfirmation(ctx context.Context, addressID int64, key string, t time.Time) (int64, error)
	// ConfirmationSent is the save() of EmailConfirmation.send: the row id sent at t.
	ConfirmationSent(ctx context.Context, id int64, t time.Time) error
	// ConfirmationByKey is EmailConfirmation.from_key's row (its key exactly key, of
	// an address not verified): the address's id and row, the time it was sent (nil
	// for none), false for none.
	ConfirmationByKey(ctx context.Context, key string) (addressID int64, a EmailAddress, sent *time.Time, found bool, err error)
}

// confirmationTable is the table of the EmailConfirmation model.
const confirmationTable = "account_emailconfirmation"

// CreateConfirmation implements ConfirmationTable.
func (e *SQLEmailAddresses) CreateConfirmation(ctx context.Context, addressID int64, key string, t time.Time) (int64, error) {
	u := e.users
	tb := u.Quote(confirmationTable)
	q := fmt.Sprintf(`INSERT INTO %s (%s, %s, %s, %s) VALUES (%s, %s, %s, %s)`, tb, u.Quote("created"), u.Quote("sent"),
		u.Quote("key"), u.Quote("email_address_id"), u.Param(1), u.Param(2), u.Param(3), u.Param(4))
	if _, err := u.DB().ExecContext(ctx, q, u.TimeArg(t), nil, key, addressID); err != nil {
		return 0, fmt.Errorf("headless: email confirmations: %w", err)
	}
	var id int64
	q = fmt.Sprintf(`SELECT %s FROM %s WHERE %s = %s`, u.Quote("id"), tb, u.Quote("key"), u.Param(1))
	if err := u.DB().QueryRowContext(ctx, q, key).Scan(&id); err != nil {
		return 0, fmt.Errorf("headless: email confirmations: %w", err)
	}
	return id, nil
}

// ConfirmationSent implements ConfirmationTable.
func (e *SQLEmailAddresses) ConfirmationSent(ctx context.Context, id int64, t time.Time) error {
	u := e.users
	q := fmt.Sprintf(`UPDATE %s SET %s = %s WHERE %s = %s`, u.Quote(confirmationTable), u.Quote("sent"), u.Param(1),
		u.Quote("id"), u.Param(2))
	if _, err := u.DB().ExecContext(ctx, q, u.TimeArg(t), id); err != nil {
		return fmt.Errorf("headless: email confirmations: %w", err)
	}
	return nil
}

// ConfirmationByKey implements ConfirmationTable.
func (e *SQLEmailAddresses) ConfirmationByKey(ctx context.Context, key string) (int64, EmailAddress, *time.Time, bool, error) {
	u := e.users
	q := fmt.Sprintf(`SELECT a.%s, a.%s, a.%s, c.%s FROM %s c INNER JOIN %s a ON a.%s = c.%s WHERE c.%s = %s AND NOT a.%s ORDER BY c.%s LIMIT 1`,
		u.Quote("id"), u.Quote("email"), u.Quote("user_id"), u.Quote("sent"), u.Quote(confirmationTable), u.Quote(e.table),
		u.Quote("id"), u.Quote("email_address_id"), u.Quote("key"), u.Param(1), u.Quote("verified"), u.Quote("id"))
	var id int64
	var a EmailAddress
	var sent any
	err := u.DB().QueryRowContext(ctx, q, key).Scan(&id, &a.Email, &a.UserID, &sent)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, EmailAddress{}, nil, false, nil
	}
	if err != nil {
		return 0, EmailAddress{}, nil, false, fmt.Errorf("headless: email confirmations: %w", err)
	}
	if sent == nil {
		return id, a, nil, true, nil
	}
	t, err := u.ScanTime(sent)
	if err != nil {
		return 0, EmailAddress{}, nil, false, fmt.Errorf("headless: email confirmations: %w", err)
	}
	return id, a, &t, true, nil
}

// tableConfirmationAddress is EmailConfirmation.from_key and key_expired: the id of
// the unverified address whose row the key (lowercased) names, sent within
// ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS; false for none. A row never sent is allauth's
// failed assertion (an error).
func (h *Headless) tableConfirmationAddress(ctx context.Context, key string) (int64, EmailAddress, bool, error) {
	id, a, sent, found, err := h.Emails.(ConfirmationTable).ConfirmationByKey(ctx, pystr.Lower(key))
	if err != nil || !found {
		return 0, EmailAddress{}, false, err
	}
	if sent == nil {
		return 0, EmailAddress{}, false, fmt.Errorf("headless: the email confirmation of address %d was never sent", id)
	}
	// (all_valid: not sent before the threshold; key_expired: sent + days <= now)
	if !sent.Add(time.Duration(h.Settings.EmailConfirmationExpireDays) * 24 * time.Hour).After(h.now()) {
		return 0, EmailAddress{}, false, nil
	}
	return id, a, true, nil
}

// tableConfirmationMail is EmailConfirmation.create and send for the address id: a
// new random key (get_random_string(64), lowercased) stored, mailed with its link, and
// the row marked sent.
func (h *Headless) tableConfirmationMail(r *http.Request, u *auth.User, id int64, address string, signup bool) error {
	key, err := hashers.RandomStringOf(64, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
	if err != nil {
		return err
	}
	key = pystr.Lower(key)
	ctx := r.Context()
	table := h.Emails.(ConfirmationTable)
	cid, err := table.CreateConfirmation(ctx, id, key, h.now())
	if err != nil {
		return err
	}
	if err := h.sendConfirmation(r, u, key, address, signup); err != nil {
		return err
	}
	return table.ConfirmationSent(ctx, cid, h.now())
}

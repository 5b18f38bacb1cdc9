package headless

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"database/sql"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/djsession/djsession/caches"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/internal/pystr"
	"github.com/djsession/djsession/serializer"
)

// The types of allauth.mfa's authenticators, in the order of Authenticator.Type.
var mfaTypeOrder = []string{"recovery_codes", "totp", "webauthn"}

// Authenticator is a row of allauth.mfa's mfa_authenticator: its id, its type
// ("recovery_codes", "totp" or "webauthn") and its data (a JSONField: a TOTP's
// "secret", the recovery codes' "seed" and "used_mask", ...).
type Authenticator struct {
	ID   int64
	Type string
	// Data is the data as JSON reads it (a dict, unless someone wrote otherwise).
	Data serializer.Value
	// Text is the data as the database gave it, which ReplaceData compares.
	Text string
	// CreatedAt and LastUsedAt are created_at and last_used_at (nil for NULL).
	CreatedAt  time.Time
	LastUsedAt *time.Time
}

// MFASource is allauth.mfa's Authenticator model as the second-factor views use it
// (SQLAuthenticators implements it).
type MFASource interface {
	AuthenticatorSource
	// Authenticators are the user's authenticators, in the database's order.
	Authenticators(ctx context.Context, userID string) ([]*Authenticator, error)
	// Authenticator is the authenticator id (ErrNoAuthenticator when gone).
	Authenticator(ctx context.Context, id int64) (*Authenticator, error)
	// RecordUsage is record_usage: last_used_at set to at.
	RecordUsage(ctx context.Context, id int64, at time.Time) error
	// CreateAuthenticator adds an authenticator of the user (created_at at) and sets
	// its ID.
	CreateAuthenticator(ctx context.Context, userID string, a *Authenticator, at time.Time) error
	// DeleteAuthenticators deletes the user's authenticators of type typ.
	DeleteAuthenticators(ctx context.Context, userID, typ string) error
	// DeleteAuthenticator deletes the authenticator id.
	DeleteAuthenticator(ctx context.Context, id int64) error
	// ReplaceData stores data as a's data if the row still holds a.Text; false when it
	// changed meanwhile (so that two requests cannot both use one recovery code).
	ReplaceData(ctx context.Context, a *Authenticator, data *serializer.Dict) (bool, error)
}

// ErrNoAuthenticator is an authenticator that is not in mfa_authenticator.
var ErrNoAuthenticator = errors.New("headless: no such authenticator")

// Authenticators implements MFASource.
func (a *SQLAuthenticators) Authenticators(ctx context.Context, userID string) ([]*Authenticator, error) {
	u := a.users
	id, err := u.KeyArg(userID)
	if err != nil {
		return nil, err
	}
	return a.query(ctx, u.Quote("user_id")+" = "+u.Param(1), id)
}

// Authenticator implements MFASource.
func (a *SQLAuthenticators) Authenticator(ctx context.Context, id int64) (*Authenticator, error) {
	u := a.users
	found, err := a.query(ctx, u.Quote("id")+" = "+u.Param(1), id)
	if err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("%w: %d", ErrNoAuthenticator, id)
	}
	return found[0], nil
}

func (a *SQLAuthenticators) query(ctx context.Context, where string, args ...any) ([]*Authenticator, error) {
	u := a.users
	q := fmt.Sprintf(`SELECT %s, %s, %s, %s, %s FROM %s WHERE %s`, u.Quote("id"), u.Quote("type"), u.Quote("data"),
		u.Quote("created_at"), u.Quote("last_used_at"), u.Quote(a.table), where)
	rows, err := u.DB().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("headless: authenticators: %w", err)
	}
	defer rows.Close()
	var out []*Authenticator
	for rows.Next() {
		var au Authenticator
		var text []byte
		var created, used any
		if err := rows.Scan(&au.ID, &au.Type, &text, &created, &used); err != nil {
			return nil, fmt.Errorf("headless: authenticators: %w", err)
		}
		au.Text = string(text)
		if au.CreatedAt, err = u.ScanTime(created); err != nil {
			return nil, err
		}
		if used != nil {
			t, err := u.ScanTime(used)
			if err != nil {
				return nil, err
			}
			au.LastUsedAt = &t
		}
		if au.Data, err = serializer.DecodeJSONText(au.Text); err != nil {
			return nil, fmt.Errorf("headless: authenticator %d: data %.40q is no JSON: %w", au.ID, au.Text, err)
		}
		out = append(out, &au)
	}
	return out, rows.Err()
}

// RecordUsage implements MFASource.
func (a *SQLAuthenticators) RecordUsage(ctx context.Context, id int64, at time.Time) error {
	u := a.users
	q := fmt.Sprintf(`UPDATE %s SET %s = %s WHERE %s = %s`, u.Quote(a.table), u.Quote("last_used_at"), u.Param(1), u.Quote("id"), u.Param(2))
	if _, err := u.DB().ExecContext(ctx, q, u.TimeArg(at), id); err != nil {
		return fmt.Errorf("headless: authenticator %d: %w", id, err)
	}
	return nil
}

// CreateAuthenticator implements MFASource: the data written as Django's JSONField
// writes it, no last use.
func (a *SQLAuthenticators) CreateAuthenticator(ctx context.Context, userID string, au *Authenticator, at time.Time) error {
	u := a.users
	id, err := u.KeyArg(userID)
	if err != nil {
		return err
	}
	text, err := serializer.EncodeJSONSpaced(au.Data)
	if err != nil {
		return err
	}
	cols := fmt.Sprintf(`%s (%s, %s, %s, %s, %s) VALUES (%s, %s, %s, %s, NULL)`, u.Quote(a.table), u.Quote("type"),
		u.Quote("data"), u.Quote("user_id"), u.Quote("created_at"), u.Quote("last_used_at"),
		u.Param(1), u.Param(2), u.Param(3), u.Param(4))
	args := []any{au.Type, string(text), id, u.TimeArg(at)}
	if u.Dialect() == auth.PostgreSQL {
		err = u.DB().QueryRowContext(ctx, "INSERT INTO "+cols+" RETURNING "+u.Quote("id"), args...).Scan(&au.ID)
	} else {
		var res sql.Result
		if res, err = u.DB().ExecContext(ctx, "INSERT INTO "+cols, args...); err == nil {
			au.ID, err = res.LastInsertId()
		}
	}
	if err != nil {
		return fmt.Errorf("headless: a new authenticator: %w", err)
	}
	au.Text, au.CreatedAt, au.LastUsedAt = string(text), at.Truncate(time.Microsecond), nil
	return nil
}

// DeleteAuthenticators implements MFASource.
func (a *SQLAuthenticators) DeleteAuthenticators(ctx context.Context, userID, typ string) error {
	u := a.users
	id, err := u.KeyArg(userID)
	if err != nil {
		return err
	}
	q := fmt.Sprintf(`DELETE FROM %s WHERE %s = %s AND %s = %s`, u.Quote(a.table), u.Quote("user_id"), u.Param(1),
		u.Quote("type"), u.Param(2))
	if _, err := u.DB().ExecContext(ctx, q, id, typ); err != nil {
		return fmt.Errorf("headless: deleting authenticators: %w", err)
	}
	return nil
}

// DeleteAuthenticator implements MFASource.
func (a *SQLAuthenticators) DeleteAuthenticator(ctx context.Context, id int64) error {
	u := a.users
	q := fmt.Sprintf(`DELETE FROM %s WHERE %s = %s`, u.Quote(a.table), u.Quote("id"), u.Param(1))
	if _, err := u.DB().ExecContext(ctx, q, id); err != nil {
		return fmt.Errorf("headless: deleting authenticator %d: %w", id, err)
	}
	return nil
}

// ReplaceData implements MFASource: the data written as Django's JSONField writes it
// (json.dumps), the row compared as each database compares its JSON column.
func (a *SQLAuthenticators) ReplaceData(ctx context.Context, au *Authenticator, data *serializer.Dict) (bool, error) {
	u := a.users
	text, err := serializer.EncodeJSONSpaced(serializer.DictValue(data))
	if err != nil {
		return false, err
	}
	same := u.Quote("data") + " = " + u.Param(3)
	switch u.Dialect() {
	case auth.PostgreSQL:
		same = u.Quote("data") + " = " + u.Param(3) + "::jsonb"
	case auth.MySQL: // (MariaDB's JSON is a longtext; MySQL's own compares as text this way)
		same = "CAST(" + u.Quote("data") + " AS BINARY) = CAST(" + u.Param(3) + " AS BINARY)"
	}
	q := fmt.Sprintf(`UPDATE %s SET %s = %s WHERE %s = %s AND %s`, u.Quote(a.table), u.Quote("data"), u.Param(1),
		u.Quote("id"), u.Param(2), same)
	res, err := u.DB().ExecContext(ctx, q, string(text), au.ID, au.Text)
	if err != nil {
		return false, fmt.Errorf("headless: authenticator %d: %w", au.ID, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// mfaSource is Authenticators as an MFASource.
func (h *Headless) mfaSource() (MFASource, error) {
	src, ok := h.Authenticators.(MFASource)
	if !ok {
		return nil, errors.New("headless: the second factor needs the Authenticators' rows (an MFASource: NewSQLAuthenticators)")
	}
	return src, nil
}

// mfaTypes are the types of u's authenticators, in allauth's order (_enrich_mfa_flow).
func (h *Headless) mfaTypes(ctx context.Context, u *auth.User) (serializer.Value, error) {
	if u == nil {
		return serializer.None(), fmt.Errorf("%w: the second factor of no user", errStash)
	}
	if h.Authenticators == nil {
		return serializer.None(), errors.New("headless: MFAEnabled needs the Authenticators")
	}
	var out []serializer.Value
	for _, t := range mfaTypeOrder {
		ok, err := h.Authenticators.HasAuthenticator(ctx, u.ID, t)
		if err != nil {
			return serializer.None(), err
		}
		if ok {
			out = append(out, serializer.Str(t))
		}
	}
	return serializer.List(out...), nil
}

// decrypt is the MFA adapter's decrypt: allauth's gives the value as it is; an adapter
// of the project's own is Headless.MFADecrypt, of a str.
func (h *Headless) decrypt(v serializer.Value, what string) (serializer.Value, error) {
	if h.MFADecrypt == nil {
		if a := h.Settings.MFAAdapter; a != "" && a != "allauth.mfa.adapter.DefaultMFAAdapter" {
			return serializer.None(), fmt.Errorf("%w: MFA_ADAPTER %q needs Headless.MFADecrypt", ErrSettings, a)
		}
		return v, nil
	}
	text, ok := v.AsStr()
	if !ok {
		return serializer.None(), fmt.Errorf("headless: the authenticator's %s is a %s", what, v.Kind())
	}
	plain, err := h.MFADecrypt(text)
	return serializer.Str(plain), err
}

// decryptStr is decrypt of a value that must be a str once decrypted.
func (h *Headless) decryptStr(v serializer.Value, what string) (string, error) {
	d, err := h.decrypt(v, what)
	if err != nil {
		return "", err
	}
	text, ok := d.AsStr()
	if !ok {
		return "", fmt.Errorf("headless: the authenticator's %s is a %s", what, d.Kind())
	}
	return text, nil
}

// normalizeUserCode is cryptokit.normalize_user_code: ASCII punctuation and whitespace
// dropped, the rest lowercased.
func normalizeUserCode(code string) string {
	code = strings.Map(func(r rune) rune {
		if r < 0x80 && (strings.ContainsRune(" \t\n\r\v\f", r) || (r > ' ' && r < 0x7f && !isAlnum(byte(r)))) {
			return -1
		}
		return r
	}, code)
	return pystr.Lower(code)
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// compareUserCode is cryptokit.compare_user_code: the normalized codes equal (in
// constant time; never for non-ASCII text, which secrets.compare_digest refuses).
func compareUserCode(actual, expected string) bool {
	actual, expected = normalizeUserCode(actual), normalizeUserCode(expected)
	if expected == "" || !isASCII(actual) || !isASCII(expected) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(actual), []byte(expected)) == 1
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// hotpValue is allauth's hotp_value: RFC 4226's value of the base32 secret (read as
// Python's b32decode(casefold=True) reads it) at counter, modulo 10^digits.
func hotpValue(secret string, counter int64, digits int) (uint64, error) {
	if digits < 0 || digits > 18 {
		return 0, fmt.Errorf("%w: MFA_TOTP_DIGITS %d", ErrSettings, digits)
	}
	if !isASCII(secret) || strings.ContainsAny(secret, "\r\n") {
		return 0, errors.New("headless: a TOTP secret that is not base32")
	}
	key, err := base32.StdEncoding.DecodeString(strings.ToUpper(secret))
	if err != nil {
		return 0, fmt.Errorf("headless: a TOTP secret that is not base32: %w", err)
	}
	m := hmac.New(sha1.New, key)
	var c [8]byte
	binary.BigEndian.PutUint64(c[:], uint64(counter))
	m.Write(c[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := uint64(binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff)
	mod := uint64(1)
	for range digits {
		mod *= 10
	}
	return v % mod, nil
}

// validateTOTP is TOTP.validate_code: the code is one of the periods' in the tolerance,
// and not used before (a mark added to the cache for the whole window, keyed by the
// user and the code).
func (h *Headless) validateTOTP(ctx context.Context, au *Authenticator, userID, code string) (bool, error) {
	data, err := au.dict()
	if err != nil {
		return false, err
	}
	sv, ok := data.Get("secret")
	if !ok {
		return false, fmt.Errorf("headless: TOTP authenticator %d has no secret", au.ID)
	}
	secret, err := h.decryptStr(sv, "secret")
	if err != nil {
		return false, err
	}
	if valid, err := h.totpCodeValid(secret, code); err != nil || !valid {
		return false, err
	}
	s := h.Settings
	if h.Cache == nil {
		return false, errors.New("headless: TOTP codes need the Cache (allauth's, the default cache)")
	}
	key := "allauth.mfa.totp.used?user=" + userID + "&code=" + normalizeUserCode(code)
	timeout := s.TOTPPeriod * (2*s.TOTPTolerance + 1)
	return h.Cache.Add(ctx, key, serializer.Str("y"), caches.Seconds(float64(timeout)))
}

// totpCodeValid is validate_totp_code: the code is one of the secret's for the periods
// in the tolerance.
func (h *Headless) totpCodeValid(secret, code string) (bool, error) {
	s := h.Settings
	if s.TOTPPeriod <= 0 { // (Python's ZeroDivisionError, or a negative counter struct.pack refuses)
		return false, fmt.Errorf("%w: MFA_TOTP_PERIOD %d", ErrSettings, s.TOTPPeriod)
	}
	counter := h.now().Unix() / int64(s.TOTPPeriod)
	for i := -s.TOTPTolerance; i <= s.TOTPTolerance; i++ {
		v, err := hotpValue(secret, counter+int64(i), s.TOTPDigits)
		if err != nil {
			return false, err
		}
		if compareUserCode(code, fmt.Sprintf("%0*d", s.TOTPDigits, v)) {
			return true, nil
		}
	}
	return false, nil
}

// recoveryCodes is RecoveryCodes.generate_codes from the seed: each code the first
// bytes of a running HMAC-SHA1 over "  0,", "  1,", ..., as a zero-padded number.
func recoveryCodes(seed string, count, digits int) []string {
	m := hmac.New(sha1.New, []byte(seed))
	n := min(digits/2, m.Size())
	mod := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(digits)), nil)
	out := make([]string, count)
	for i := range count {
		fmt.Fprintf(m, "%3d,", i)
		v := new(big.Int).SetBytes(m.Sum(nil)[:n])
		text := v.Mod(v, mod).String()
		if len(text) < digits {
			text = strings.Repeat("0", digits-len(text)) + text
		}
		out[i] = text
	}
	return out
}

// dict is the authenticator's data as a dict (Python's data["..."] and data.get fail
// on others).
func (a *Authenticator) dict() (*serializer.Dict, error) {
	if a.Data.Kind() != serializer.KindDict {
		return nil, fmt.Errorf("headless: authenticator %d: its data is a %s", a.ID, a.Data.Kind())
	}
	return a.Data.Dict(), nil
}

// migratedCodes are the recovery codes migrated from elsewhere (data["migrated_codes"],
// decrypted), as Python iterates the value (a str's characters, a dict's keys); ok is
// false when there are none (no such key, or None).
func (h *Headless) migratedCodes(a *Authenticator, data *serializer.Dict) (codes []serializer.Value, ok bool, err error) {
	mv, found := data.Get("migrated_codes")
	if !found || mv.IsNone() {
		return nil, false, nil
	}
	var items []serializer.Value
	switch mv.Kind() {
	case serializer.KindList:
		items = mv.Items()
	case serializer.KindStr:
		text, _ := mv.AsStr()
		for _, r := range text {
			items = append(items, serializer.Str(string(r)))
		}
	case serializer.KindDict:
		for k := range mv.Dict().All() {
			items = append(items, k)
		}
	default:
		return nil, false, fmt.Errorf("headless: recovery codes %d: migrated_codes is a %s", a.ID, mv.Kind())
	}
	codes = make([]serializer.Value, len(items))
	for i, c := range items {
		if codes[i], err = h.decrypt(c, "migrated code"); err != nil {
			return nil, false, err
		}
	}
	return codes, true, nil
}

// UnusedRecoveryCodes is RecoveryCodes.get_unused_codes: the codes of a recovery codes
// authenticator not used yet (its migrated codes, when it has some), as allauth shows
// them to their user.
func (h *Headless) UnusedRecoveryCodes(a *Authenticator) ([]string, error) {
	data, err := a.dict()
	if err != nil {
		return nil, err
	}
	codes, err := h.unusedCodes(a, data)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = pyStr(c)
	}
	return out, nil
}

// recoverySeed is a recovery codes authenticator's seed (decrypted) and used_mask.
func (h *Headless) recoverySeed(a *Authenticator, data *serializer.Dict) (string, *big.Int, error) {
	sv, ok := data.Get("seed")
	if !ok {
		return "", nil, fmt.Errorf("headless: recovery codes %d have no seed", a.ID)
	}
	seed, err := h.decryptStr(sv, "seed")
	if err != nil {
		return "", nil, err
	}
	if !isASCII(seed) {
		return "", nil, fmt.Errorf("headless: recovery codes %d: a seed that is not ASCII", a.ID)
	}
	mv, _ := data.Get("used_mask")
	mask, ok := mv.AsBigInt()
	if !ok {
		b, isBool := mv.AsBool()
		if !isBool {
			return "", nil, fmt.Errorf("headless: recovery codes %d: used_mask is a %s", a.ID, mv.Kind())
		}
		mask = big.NewInt(map[bool]int64{true: 1}[b])
	}
	return seed, mask, nil
}

// validateRecoveryCode is RecoveryCodes.validate_code: the code is one of the migrated
// codes (taken off their list) or an unused one of the seed's (marked used in
// used_mask), the data written back as the row was read (retried when another request
// changed it meanwhile).
func (h *Headless) validateRecoveryCode(ctx context.Context, src MFASource, au *Authenticator, code string) (bool, error) {
	for range 5 {
		fresh, err := src.Authenticator(ctx, au.ID)
		if err != nil {
			return false, err
		}
		data, err := fresh.dict()
		if err != nil {
			return false, err
		}
		var changed *serializer.Dict
		if codes, ok, err := h.migratedCodes(fresh, data); err != nil {
			return false, err
		} else if ok {
			idx := slices.IndexFunc(codes, func(c serializer.Value) bool { return serializer.Equal(c, serializer.Str(code)) })
			if idx < 0 {
				return false, nil
			}
			mv, _ := data.Get("migrated_codes")
			if mv.Kind() != serializer.KindList { // (allauth asserts a list)
				return false, fmt.Errorf("headless: recovery codes %d: migrated_codes is a %s", au.ID, mv.Kind())
			}
			changed = copyDict(data)
			changed.Set("migrated_codes", serializer.List(slices.Delete(slices.Clone(mv.Items()), idx, idx+1)...))
		} else {
			seed, mask, err := h.recoverySeed(fresh, data)
			if err != nil {
				return false, err
			}
			for i, c := range recoveryCodes(seed, h.Settings.RecoveryCodeCount, h.Settings.RecoveryCodeDigits) {
				if mask.Bit(i) == 1 || !compareUserCode(code, c) {
					continue
				}
				changed = copyDict(data)
				changed.Set("used_mask", serializer.BigInt(new(big.Int).SetBit(mask, i, 1)))
				break
			}
			if changed == nil {
				return false, nil
			}
		}
		ok, err := src.ReplaceData(ctx, fresh, changed)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, fmt.Errorf("headless: recovery codes %d: changed by other requests five times over", au.ID)
}

// copyDict is a shallow copy of d, in d's order.
func copyDict(d *serializer.Dict) *serializer.Dict {
	out := serializer.NewDict()
	for k, v := range d.All() {
		out.SetKey(k, v)
	}
	return out
}

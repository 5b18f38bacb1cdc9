package auth

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/internal/pystr"
	"github.com/djsession/djsession/signing"
)

// PasswordResetKeySalt is the key salt of Django's PasswordResetTokenGenerator.
const PasswordResetKeySalt = "django.contrib.auth.tokens.PasswordResetTokenGenerator"

// ErrTokenTime is returned by MakeToken for a clock before 2001-01-01, where Django's
// int_to_base36 fails.
var ErrTokenTime = errors.New("auth: password reset tokens count seconds from 2001-01-01")

// PasswordResetTokenGenerator is Django's PasswordResetTokenGenerator
// (default_token_generator): the tokens of password reset links, which a Go endpoint can
// make for Django's PasswordResetConfirmView to accept, or check when Django's
// PasswordResetView sent the link. A token is "<base36 seconds since 2001-01-01 in
// TIME_ZONE>-<every other hex digit of an HMAC>" over the user's primary key, password
// hash, last login, the token's time and email, so it stops working once the password
// changes or the user logs in. Make one with NewPasswordResetTokenGenerator.
type PasswordResetTokenGenerator struct {
	// Secret is SECRET_KEY; SecretFallbacks are SECRET_KEY_FALLBACKS (tried by
	// CheckToken, Django 4.1+).
	Secret          string
	SecretFallbacks []string
	// KeySalt is the key_salt; "" means PasswordResetKeySalt.
	KeySalt string
	// Algorithm is the HMAC digest; "" means "sha256" (Django 3.1/3.2 with
	// DEFAULT_HASHING_ALGORITHM = "sha1" use "sha1").
	Algorithm string
	// Timeout is PASSWORD_RESET_TIMEOUT in seconds.
	Timeout int64
	// Location is TIME_ZONE: Django counts the token's seconds on the wall clock of
	// datetime.now(), which is TIME_ZONE's local time.
	Location *time.Location
	// UseTZ is USE_TZ: last_login enters the hash as its UTC wall clock (Django's aware
	// datetime with the zone dropped); without it, as the wall clock in Location.
	UseTZ bool
	// Legacy also accepts SHA-1 tokens and the day-counting tokens of Django before 3.1,
	// as Django 3.2 does.
	Legacy bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// NewPasswordResetTokenGenerator returns Django's default_token_generator for settings s:
// SECRET_KEY and its fallbacks, PASSWORD_RESET_TIMEOUT, TIME_ZONE, USE_TZ, and Django
// 3.2's legacy tokens with AcceptLegacySessions. On a Django 3.x site with
// DEFAULT_HASHING_ALGORITHM = "sha1", set Algorithm to "sha1" as well.
func NewPasswordResetTokenGenerator(s *django.Settings) (*PasswordResetTokenGenerator, error) {
	loc := time.UTC
	if s.TimeZone != "" && s.TimeZone != "UTC" {
		var err error
		if loc, err = time.LoadLocation(s.TimeZone); err != nil {
			return nil, fmt.Errorf("auth: TIME_ZONE: %w", err)
		}
	}
	return &PasswordResetTokenGenerator{
		Secret:          s.SecretKey,
		SecretFallbacks: s.SecretKeyFallbacks,
		Timeout:         int64(s.PasswordResetTimeout),
		Location:        loc,
		UseTZ:           s.UseTZ,
		Legacy:          s.AcceptLegacySessions,
		Now:             s.Now,
	}, nil
}

var epoch2001 = time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)

// wallClock returns now as Django's naive datetime.now(): the wall clock in Location, as
// a time in UTC.
func (g *PasswordResetTokenGenerator) wallClock() time.Time {
	now := time.Now()
	if g.Now != nil {
		now = g.Now()
	}
	loc := g.Location
	if loc == nil {
		loc = time.UTC
	}
	y, mo, d := now.In(loc).Date()
	h, mi, sec := now.In(loc).Clock()
	return time.Date(y, mo, d, h, mi, sec, now.Nanosecond()/1000*1000, time.UTC)
}

// numSeconds is _num_seconds: whole seconds from 2001-01-01, truncated toward zero.
func numSeconds(wall time.Time) int64 {
	us := wall.Sub(epoch2001).Microseconds()
	return us / 1e6
}

// MakeToken returns a token for u (make_token).
func (g *PasswordResetTokenGenerator) MakeToken(u *User) (string, error) {
	return g.MakeTokenExtra(u, "")
}

// MakeTokenExtra is MakeToken for a subclass whose _make_hash_value appends extra to
// Django's hash value, as django-allauth's EmailAwarePasswordResetTokenGenerator
// appends the user's addresses.
func (g *PasswordResetTokenGenerator) MakeTokenExtra(u *User, extra string) (string, error) {
	ts := numSeconds(g.wallClock())
	if ts < 0 {
		return "", ErrTokenTime
	}
	return g.token(u, big.NewInt(ts), g.Secret, g.algorithm(), extra)
}

func (g *PasswordResetTokenGenerator) algorithm() string {
	if g.Algorithm == "" {
		return "sha256"
	}
	return g.Algorithm
}

// token is _make_token_with_timestamp.
func (g *PasswordResetTokenGenerator) token(u *User, ts *big.Int, secret, algorithm, extra string) (string, error) {
	salt := g.KeySalt
	if salt == "" {
		salt = PasswordResetKeySalt
	}
	mac, err := signing.SaltedHMAC(salt, g.hashValue(u, ts)+extra, secret, algorithm)
	if err != nil {
		return "", err
	}
	h := hex.EncodeToString(mac)
	half := make([]byte, 0, (len(h)+1)/2)
	for i := 0; i < len(h); i += 2 {
		half = append(half, h[i])
	}
	return ts.Text(36) + "-" + string(half), nil
}

// hashValue is _make_hash_value: pk, password, last_login without microseconds and zone,
// the timestamp and the email.
func (g *PasswordResetTokenGenerator) hashValue(u *User, ts *big.Int) string {
	login := ""
	if u.LastLogin != nil {
		t := *u.LastLogin
		if g.UseTZ {
			t = t.UTC()
		} else if g.Location != nil {
			t = t.In(g.Location)
		}
		login = t.Format("2006-01-02 15:04:05")
	}
	return u.ID + u.PasswordHash + login + ts.String() + u.Email
}

// CheckToken reports whether token is a good token for u that has not expired
// (check_token), trying the secret, then each fallback.
func (g *PasswordResetTokenGenerator) CheckToken(u *User, token string) bool {
	return g.CheckTokenExtra(u, token, "")
}

// CheckTokenExtra is CheckToken for a subclass whose hash value appends extra
// (MakeTokenExtra).
func (g *PasswordResetTokenGenerator) CheckTokenExtra(u *User, token, extra string) bool {
	if u == nil || token == "" {
		return false
	}
	tsText, _, ok := strings.Cut(token, "-")
	if !ok || strings.Count(token, "-") != 1 {
		return false
	}
	ts, ok := base36ToInt(tsText)
	if !ok {
		return false
	}
	good := false
	for _, secret := range append([]string{g.Secret}, g.SecretFallbacks...) {
		if want, err := g.token(u, ts, secret, g.algorithm(), extra); err == nil &&
			subtle.ConstantTimeCompare([]byte(want), []byte(token)) == 1 {
			good = true
			break
		}
	}
	if !good && g.Legacy {
		if want, err := g.token(u, ts, g.Secret, "sha1", extra); err == nil &&
			subtle.ConstantTimeCompare([]byte(want), []byte(token)) == 1 {
			good = true
		}
	}
	if !good {
		return false
	}
	now := g.wallClock()
	if g.Legacy && len(tsText) < 4 {
		// A token of Django before 3.1 counts days; Django 3.2 takes it as that day at
		// the current time of day.
		ts = new(big.Int).Mul(ts, big.NewInt(86400))
		midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
		ts.Add(ts, big.NewInt(int64(now.Sub(midnight)/time.Second)))
	}
	age := new(big.Int).Sub(big.NewInt(numSeconds(now)), ts)
	return age.Cmp(big.NewInt(g.Timeout)) <= 0
}

// IsWellFormedToken reports whether check_token reads token far enough to hash it for
// the comparison (one "-", a timestamp base36_to_int reads: 13 characters at most of
// Python's int(s, 36)), as a subclass's _make_hash_value with side effects needs to
// know (django-allauth's adds the user's own address to its table).
func IsWellFormedToken(token string) bool {
	ts, _, ok := strings.Cut(token, "-")
	if !ok || strings.Count(token, "-") != 1 || utf8.RuneCountInString(ts) > 13 {
		return false
	}
	_, ok = pystr.IntBase(ts, 36)
	return ok
}

// base36ToInt reads the timestamp of a token as Django's base36_to_int does, for the
// forms that can match: Django compares the whole token with one it makes, whose
// timestamp is in int_to_base36's form (lowercase, no sign, no leading zero), so any
// other text Python's int(s, 36) would read fails the comparison all the same.
func base36ToInt(s string) (*big.Int, bool) {
	if s == "" || len(s) > 13 || (s[0] == '0' && len(s) > 1) {
		return nil, false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z') {
			return nil, false
		}
	}
	n, ok := new(big.Int).SetString(s, 36)
	return n, ok
}

// EncodeUID is Django's urlsafe_base64_encode(force_bytes(user.pk)): the uidb64 of a
// password reset link.
func EncodeUID(pk string) string { return base64.RawURLEncoding.EncodeToString([]byte(pk)) }

// DecodeUID is urlsafe_base64_decode(uidb64).decode(), as PasswordResetConfirmView reads
// the uidb64 of a link: the primary key text, or an error (Django then shows the link as
// invalid).
func DecodeUID(uidb64 string) (string, error) {
	// Django pads with len(s) % 4 "=" signs (not to a multiple of 4), then decodes as
	// base64.urlsafe_b64decode, which skips characters outside the alphabet.
	padded := uidb64 + strings.Repeat("=", len(uidb64)%4)
	b, err := signing.B64DecodeURLSafe(padded)
	if err != nil {
		return "", fmt.Errorf("auth: uidb64 %q: %w", uidb64, err)
	}
	if !utf8.Valid(b) {
		return "", fmt.Errorf("auth: uidb64 %q is not UTF-8", uidb64)
	}
	return string(b), nil
}

package simplejwt

import (
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/serializer"
)

// The token types: the token_type of simplejwt's AccessToken, RefreshToken,
// SlidingToken and UntypedToken.
const (
	Access  = "access"
	Refresh = "refresh"
	Sliding = "sliding"
	Untyped = "untyped"
)

// ErrToken matches every refusal of a token (simplejwt's TokenError): a *TokenError
// saying why in simplejwt's words. ErrTokenExpired matches those of an expired token
// (its ExpiredTokenError; simplejwt 5.4 and later).
var (
	ErrToken        = errors.New("simplejwt: token refused")
	ErrTokenExpired = errors.New("simplejwt: token expired")
)

// TokenError is simplejwt's TokenError: Message is its user-facing message ("Token is
// invalid", "Token has wrong type", ...); Reason, when PyJWT refused the token, is
// PyJWT's ("Signature verification failed").
type TokenError struct {
	Message string
	Reason  string
	expired bool
}

func (e *TokenError) Error() string {
	if e.Reason != "" {
		return "simplejwt: " + e.Message + " (" + e.Reason + ")"
	}
	return "simplejwt: " + e.Message
}

// Is makes a TokenError match ErrToken, and ErrTokenExpired when it is an expired
// token's.
func (e *TokenError) Is(target error) bool {
	return target == ErrToken || e.expired && target == ErrTokenExpired
}

func tokenError(msg string) error { return &TokenError{Message: msg} }

// Token is one of simplejwt's tokens: its type and its claims (Payload, in their order).
// Make one with Settings.New or Settings.ForUser, read one with Settings.Parse; String
// writes it.
type Token struct {
	// Type is the token's type (Access, Refresh, Sliding or Untyped).
	Type string
	// Payload holds the claims.
	Payload *serializer.Dict
	// CurrentTime is when the token was made or read (simplejwt's current_time), from
	// which SetExp and SetIAT count by default.
	CurrentTime time.Time

	s     *Settings
	token string // the token read ("" for a new one)
}

// New is simplejwt's token class of type typ called with no token (AccessToken(), ...):
// a token with its type, exp (now plus its lifetime), iat and a new jti, in that order.
func (s *Settings) New(typ string) (*Token, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	lifetime, ok := s.lifetime(typ)
	if !ok {
		return nil, fmt.Errorf("simplejwt: no token type %q", typ)
	}
	t := &Token{Type: typ, Payload: serializer.NewDict(), CurrentTime: pyNow(s.now()), s: s}
	t.Payload.Set(s.TokenTypeClaim, serializer.Str(typ))
	t.SetExp("exp", t.CurrentTime, lifetime)
	t.SetIAT("iat", t.CurrentTime)
	t.SetJTI()
	if typ == Sliding {
		t.SetExp(s.SlidingTokenRefreshExpClaim, t.CurrentTime, s.SlidingTokenRefreshLifetime)
	}
	return t, nil
}

// pyNow is t as Python's datetime holds it: to the microsecond.
func pyNow(t time.Time) time.Time { return t.Truncate(time.Microsecond) }

// ForUser is Token.for_user: a new token of type typ for u, with its user id (a str; an
// int for an integer primary key under simplejwt 5.3) and, with CheckRevokeToken, the
// hash of its password.
func (s *Settings) ForUser(typ string, u *auth.User) (*Token, error) {
	t, err := s.New(typ)
	if err != nil {
		return nil, err
	}
	id := serializer.Str(u.ID)
	if s.v53() && s.PK == auth.PKInt {
		if n, ok := pyIntOf(id); ok {
			id = serializer.BigInt(n)
		}
	}
	t.Payload.Set(s.UserIDClaim, id)
	if s.CheckRevokeToken {
		t.Payload.Set(s.RevokeTokenClaim, serializer.Str(passwordHash(u.PasswordHash)))
	}
	return t, nil
}

// passwordHash is get_md5_hash_password: the MD5 of the stored password, upper-case hex.
func passwordHash(encoded string) string {
	sum := md5.Sum([]byte(encoded))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// Parse is simplejwt's token class of type typ called with a token (AccessToken(raw),
// ...): the token decoded and checked (its signature and registered claims as PyJWT
// checks them; then exp required, a jti, and the type, unless typ is Untyped). The
// refusals are *TokenError with simplejwt's messages. A token whose exp PyJWT takes and
// Python's datetime cannot hold (a string, a year beyond 9999) is simplejwt's server
// error: an error that is not a TokenError.
func (s *Settings) Parse(typ, raw string) (*Token, error) { return s.parse(typ, raw, nil) }

// parse is Parse with first (the blacklist's check), if set, run before the claims are
// verified.
func (s *Settings) parse(typ, raw string, first func(*Token) error) (*Token, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if _, ok := s.lifetime(typ); !ok {
		return nil, fmt.Errorf("simplejwt: no token type %q", typ)
	}
	t := &Token{Type: typ, CurrentTime: pyNow(s.now()), s: s, token: raw}
	p, err := s.decode(raw, true, t.CurrentTime)
	var be *backendError
	switch {
	case errors.As(err, &be) && s.v53():
		return nil, &TokenError{Message: "Token is invalid or expired", Reason: be.reason}
	case errors.As(err, &be) && be.expired:
		return nil, &TokenError{Message: "Token is expired", Reason: be.reason, expired: true}
	case errors.As(err, &be):
		return nil, &TokenError{Message: "Token is invalid", Reason: be.reason}
	case err != nil:
		return nil, err
	}
	t.Payload = p
	if first != nil {
		if err := first(t); err != nil {
			return nil, err
		}
	}
	if err := t.verify(); err != nil {
		return nil, err
	}
	return t, nil
}

// verify is Token.verify (after the blacklist's check, which the caller makes).
func (t *Token) verify() error {
	if err := t.CheckExp("exp"); err != nil {
		return err
	}
	if !t.Payload.Has(t.s.JTIClaim) {
		return tokenError("Token has no id")
	}
	if t.Type == Untyped {
		return nil
	}
	typ, ok := t.Payload.Get(t.s.TokenTypeClaim)
	if !ok {
		return tokenError("Token has no type")
	}
	if v, isStr := typ.AsStr(); !isStr || v != t.Type {
		return tokenError("Token has wrong type")
	}
	return nil
}

// CheckExp is Token.check_exp: the time in claim must not have passed (with the
// settings' leeway) at the token's CurrentTime. A missing claim is "Token has no '...'
// claim", a passed one "Token '...' claim has expired".
func (t *Token) CheckExp(claim string) error {
	v, ok := t.Payload.Get(claim)
	if !ok {
		return tokenError("Token has no '" + claim + "' claim")
	}
	at, err := fromEpoch(v)
	if err != nil {
		return err
	}
	if !at.After(t.CurrentTime.Add(-t.s.Leeway.Truncate(time.Microsecond))) {
		return tokenError("Token '" + claim + "' claim has expired")
	}
	return nil
}

// maxEpoch is the last second of year 9999, the end of Python's datetime.
const maxEpoch = 253402300799

// fromEpoch is datetime_from_epoch: datetime.fromtimestamp(v) of an int or a float (to
// the microsecond, rounded half to even), an error where Python raises.
func fromEpoch(v serializer.Value) (time.Time, error) {
	var f float64
	switch v.Kind() {
	case serializer.KindBool, serializer.KindInt:
		n, _ := pyIntOf(v)
		if !n.IsInt64() || n.Int64() > maxEpoch || n.Int64() < -62135596800 {
			return time.Time{}, fmt.Errorf("simplejwt: timestamp %s out of Python's datetime range", n)
		}
		return time.Unix(n.Int64(), 0), nil
	case serializer.KindFloat:
		f, _ = v.AsFloat()
	default:
		return time.Time{}, fmt.Errorf("simplejwt: a timestamp of type %s (Python's TypeError)", v.Kind())
	}
	if math.IsNaN(f) || f > maxEpoch+1 || f < -62135596800 {
		return time.Time{}, fmt.Errorf("simplejwt: timestamp %v out of Python's datetime range", f)
	}
	sec := math.Floor(f)
	us := math.RoundToEven((f - sec) * 1e6)
	t := time.Unix(int64(sec), int64(us)*1000)
	if t.Unix() > maxEpoch {
		return time.Time{}, fmt.Errorf("simplejwt: timestamp %v out of Python's datetime range", f)
	}
	return t, nil
}

// SetJTI is Token.set_jti: a new random jti (uuid4().hex).
func (t *Token) SetJTI() {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	t.Payload.Set(t.s.JTIClaim, serializer.Str(hex.EncodeToString(b[:])))
}

// SetExp is Token.set_exp: claim set to the second (floored) of from plus lifetime.
func (t *Token) SetExp(claim string, from time.Time, lifetime time.Duration) {
	t.Payload.Set(claim, serializer.Int(epoch(pyNow(from).Add(lifetime.Truncate(time.Microsecond)))))
}

// SetIAT is Token.set_iat: claim set to the second (floored) of at.
func (t *Token) SetIAT(claim string, at time.Time) {
	t.Payload.Set(claim, serializer.Int(epoch(at)))
}

// epoch is datetime_to_epoch (calendar.timegm of the UTC time tuple): whole seconds,
// floored.
func epoch(t time.Time) int64 { return t.Unix() }

// String is str(token): the token written and signed (TokenBackend.encode), or "" when
// the payload cannot be written as JSON (Encode says why).
func (t *Token) String() string {
	s, _ := t.Encode()
	return s
}

// Encode is str(token), with the error of a payload Python's json.dumps cannot write.
func (t *Token) Encode() (string, error) { return t.s.encode(t.Payload) }

// Raw is the token Parse read ("" for a token made here).
func (t *Token) Raw() string { return t.token }

// AccessToken is RefreshToken.access_token: a new access token expiring an access
// lifetime after the refresh token's CurrentTime, with the refresh token's claims but
// its type, exp, jti and iat (simplejwt 5.3 copies iat too).
func (t *Token) AccessToken() (*Token, error) {
	a, err := t.s.New(Access)
	if err != nil {
		return nil, err
	}
	a.SetExp("exp", t.CurrentTime, t.s.AccessTokenLifetime)
	noCopy := map[string]bool{t.s.TokenTypeClaim: true, "exp": true, t.s.JTIClaim: true, "jti": true, "iat": !t.s.v53()}
	for k, v := range t.Payload.All() {
		if ks, ok := k.AsStr(); ok && noCopy[ks] {
			continue
		}
		a.Payload.SetKey(k, v)
	}
	return a, nil
}

// Encode is TokenBackend.encode: payload signed as a token (with the settings' audience
// and issuer added), as PyJWT writes it.
func (s *Settings) Encode(payload *serializer.Dict) (string, error) { return s.encode(payload) }

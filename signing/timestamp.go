package signing

import (
	"fmt"
	"strings"
	"time"
)

// TimestampSigner is django.core.signing.TimestampSigner: it signs value + sep + the
// current Unix time in base62, and can reject signatures older than a max age. It is safe
// for concurrent use.
type TimestampSigner struct{ c *core }

// NewTimestampSigner returns a TimestampSigner; the default salt is
// "django.core.signing.TimestampSigner".
func NewTimestampSigner(o Options) (*TimestampSigner, error) {
	c, err := newCore(o, TimestampSignerClass)
	if err != nil {
		return nil, err
	}
	return &TimestampSigner{c}, nil
}

// Salt returns the salt in use (the default salt when none was given).
func (s *TimestampSigner) Salt() string { return s.c.salt }

// Sign returns value:timestamp:signature, the timestamp being int(time.time()).
func (s *TimestampSigner) Sign(value string) string {
	b := make([]byte, 0, len(value)+len(s.c.sep)+12)
	b = append(b, value...)
	b = append(b, s.c.sep...)
	b = appendB62(b, unixTrunc(s.c.now()))
	return s.c.sign(b)
}

// Unsign verifies signed and returns the value, without an age limit.
func (s *TimestampSigner) Unsign(signed string) (string, error) {
	return s.unsign(signed, false, 0)
}

// UnsignMaxAge verifies signed and returns the value if its age (now as a float minus the
// integer timestamp) is not greater than maxAge. The signature is checked first: a
// tampered and old value is a bad signature, not an expired one. Timestamps in the future
// are accepted, as in Django.
func (s *TimestampSigner) UnsignMaxAge(signed string, maxAge time.Duration) (string, error) {
	return s.unsign(signed, true, maxAge)
}

func (s *TimestampSigner) unsign(signed string, checkAge bool, maxAge time.Duration) (string, error) {
	result, err := s.c.unsign(signed)
	if err != nil {
		return "", err
	}
	i := strings.LastIndex(result, s.c.sep)
	if i < 0 {
		return "", fmt.Errorf("%w: no timestamp", ErrMalformed)
	}
	value, ts := result[:i], result[i+len(s.c.sep):]
	t, err := b62Float(ts)
	if err != nil {
		return "", fmt.Errorf("%w: timestamp: %w", ErrMalformed, err)
	}
	if checkAge {
		age := unixFloat(s.c.now()) - t
		if age > maxAge.Seconds() {
			return "", fmt.Errorf("%w: signature age %.3f s > %v seconds", ErrSignatureExpired, age, maxAge.Seconds())
		}
	}
	return value, nil
}

// SignObject is Signer.SignObject with the timestamp added before the signature
// (TimestampSigner.sign_object).
func (s *TimestampSigner) SignObject(v Value, compress bool) (string, error) {
	return s.c.signObject(v, compress, true)
}

// UnsignObject verifies signed and returns the object, without an age limit.
func (s *TimestampSigner) UnsignObject(signed string) (Value, error) {
	return s.unsignObject(signed, false, 0)
}

// UnsignObjectMaxAge is UnsignObject with UnsignMaxAge's age check.
func (s *TimestampSigner) UnsignObjectMaxAge(signed string, maxAge time.Duration) (Value, error) {
	return s.unsignObject(signed, true, maxAge)
}

func (s *TimestampSigner) unsignObject(signed string, checkAge bool, maxAge time.Duration) (Value, error) {
	payload, err := s.unsign(signed, checkAge, maxAge)
	if err != nil {
		return Value{}, err
	}
	return s.c.loadPayload(payload)
}

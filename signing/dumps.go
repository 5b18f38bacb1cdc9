package signing

import "time"

// DefaultSalt is the salt of signing.dumps and signing.loads.
const DefaultSalt = "django.core.signing"

// DumpsOptions are the arguments of signing.dumps beyond the object.
type DumpsOptions struct {
	Key        string     // SECRET_KEY; required
	Salt       string     // default DefaultSalt; "" passed explicitly to Django also means the default, see Dumps
	Compress   bool       // zlib-compress when it saves at least two bytes
	Serializer Serializer // default serializer.JSON
	Now        func() time.Time
}

// LoadsOptions are the arguments of signing.loads beyond the token.
type LoadsOptions struct {
	Key          string   // SECRET_KEY; required
	FallbackKeys []string // SECRET_KEY_FALLBACKS, tried in order after Key
	Salt         string   // default DefaultSalt
	// MaxAge rejects tokens older than this. Zero means no limit (Django's max_age=None);
	// for Django's max_age=0 use TimestampSigner.UnsignObjectMaxAge with 0.
	MaxAge     time.Duration
	AcceptSHA1 bool // accept SHA-1 signatures as Django 3.1/3.2 do
	Serializer Serializer
	Now        func() time.Time
}

// Dumps returns the signed, URL-safe token of v, as signing.dumps: a TimestampSigner with
// the given salt signs the serialized (and possibly compressed) object. The salt
// defaults to "django.core.signing". Note that Django treats an explicit empty salt as
// "django.core.signing.TimestampSigner" (`salt or default`); pass that string to mirror
// dumps(obj, salt="").
func Dumps(v Value, o DumpsOptions) (string, error) {
	s, err := NewTimestampSigner(Options{Key: o.Key, Salt: saltOr(o.Salt), Serializer: o.Serializer, Now: o.Now})
	if err != nil {
		return "", err
	}
	return s.SignObject(v, o.Compress)
}

// Loads verifies a token made by signing.dumps (or Dumps) and returns its object.
func Loads(token string, o LoadsOptions) (Value, error) {
	s, err := NewTimestampSigner(Options{Key: o.Key, FallbackKeys: o.FallbackKeys, Salt: saltOr(o.Salt),
		AcceptSHA1: o.AcceptSHA1, Serializer: o.Serializer, Now: o.Now})
	if err != nil {
		return Value{}, err
	}
	if o.MaxAge != 0 {
		return s.UnsignObjectMaxAge(token, o.MaxAge)
	}
	return s.UnsignObject(token)
}

func saltOr(s string) string {
	if s == "" {
		return DefaultSalt
	}
	return s
}

// Package hashers verifies and creates password hashes in the formats of Django's
// django.contrib.auth.hashers, so a Go service can check a user's Django credentials and
// store new passwords that Django accepts.
//
// The stored form is Django's "encoded" password, the user.password column:
//
//	pbkdf2_sha256$1000000$<salt>$<base64 hash>     PBKDF2 (the default)
//	pbkdf2_sha1$1000000$<salt>$<base64 hash>
//	argon2$argon2id$v=19$m=102400,t=2,p=8$<b64 salt>$<b64 hash>
//	bcrypt_sha256$$2b$12$<22-char salt><31-char hash>
//	bcrypt$$2b$12$...                              (bcrypt without the SHA-256 pre-hash)
//	scrypt$16384$<salt>$8$5$<base64 hash>
//	md5$<salt>$<hex>, sha1$<salt>$<hex>            (legacy, salted)
//	<32 hex>, md5$$<hex>, sha1$$<hex>              (legacy, unsalted)
//	!<40 random characters>                        (an unusable password)
//
// A Set plays the part of the PASSWORD_HASHERS setting: its first hasher makes new
// hashes, and every hasher in it verifies hashes of its algorithm. ForDjango returns the
// default set of a Django release with that release's work factors.
//
// Every comparison of a computed hash with a stored one is in constant time.
package hashers

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"
)

// UnusablePasswordPrefix starts every password made by Django's set_unusable_password
// (make_password(None)); such a password never verifies.
const UnusablePasswordPrefix = "!"

// UnusablePasswordSuffixLength is the number of random characters after the prefix.
const UnusablePasswordSuffixLength = 40

// RandomStringChars is the alphabet of Django's get_random_string, used for salts.
const RandomStringChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// SaltEntropy is the entropy in bits that Django's salts have (BasePasswordHasher.salt_entropy).
const SaltEntropy = 128

// Errors.
var (
	// ErrUnknownAlgorithm: the encoded password names no hasher of the Set (Django's
	// identify_hasher raises ValueError).
	ErrUnknownAlgorithm = errors.New("hashers: unknown password hashing algorithm")
	// ErrMalformed: the encoded password does not have its algorithm's form.
	ErrMalformed = errors.New("hashers: malformed encoded password")
	// ErrUnsupported: a valid form this package cannot compute (e.g. argon2d).
	ErrUnsupported = errors.New("hashers: unsupported hash parameters")
	// ErrBadSalt: a salt that is empty or contains "$" (Django raises ValueError).
	ErrBadSalt = errors.New("hashers: salt must be provided and cannot contain $")
)

// Hasher is one of Django's password hashers.
type Hasher interface {
	// Algorithm is the name that starts the encoded form ("pbkdf2_sha256", ...).
	Algorithm() string
	// Salt returns a new random salt of the form Encode expects.
	Salt() (string, error)
	// Encode returns the encoded password for password and salt, exactly as Django's
	// hasher.encode(password, salt).
	Encode(password, salt string) (string, error)
	// Verify reports whether password matches encoded (of this hasher's algorithm).
	Verify(password, encoded string) (bool, error)
	// MustUpdate reports whether encoded was made with other parameters than this
	// hasher's (fewer iterations, a short salt, ...), as Django's must_update.
	MustUpdate(encoded string) bool
}

// Set is an ordered list of hashers, as the PASSWORD_HASHERS setting: the first is the
// preferred one, used by Make.
type Set struct {
	hashers []Hasher
}

// NewSet returns a Set whose preferred hasher is preferred.
func NewSet(preferred Hasher, others ...Hasher) *Set {
	return &Set{hashers: append([]Hasher{preferred}, others...)}
}

// Preferred returns the first hasher.
func (s *Set) Preferred() Hasher { return s.hashers[0] }

// Hashers returns the hashers in order.
func (s *Set) Hashers() []Hasher { return append([]Hasher(nil), s.hashers...) }

// Get returns the hasher of the named algorithm (Django's get_hasher).
func (s *Set) Get(algorithm string) (Hasher, error) {
	for _, h := range s.hashers {
		if h.Algorithm() == algorithm {
			return h, nil
		}
	}
	return nil, fmt.Errorf("%w: %q", ErrUnknownAlgorithm, algorithm)
}

// Identify returns the hasher for encoded from its prefix, as Django's identify_hasher:
// 32 characters without "$" or "md5$$" + 32 is unsalted_md5, "sha1$$" + 40 is
// unsalted_sha1, anything else is named by the text before the first "$".
func (s *Set) Identify(encoded string) (Hasher, error) {
	return s.Get(AlgorithmOf(encoded))
}

// AlgorithmOf returns the algorithm name of encoded as identify_hasher determines it.
func AlgorithmOf(encoded string) string {
	switch {
	case (len(encoded) == 32 && !strings.Contains(encoded, "$")) ||
		(len(encoded) == 37 && strings.HasPrefix(encoded, "md5$$")):
		return "unsalted_md5"
	case len(encoded) == 46 && strings.HasPrefix(encoded, "sha1$$"):
		return "unsalted_sha1"
	}
	alg, _, _ := strings.Cut(encoded, "$")
	return alg
}

// IsPasswordUsable reports whether encoded was not made by set_unusable_password.
func IsPasswordUsable(encoded string) bool {
	return !strings.HasPrefix(encoded, UnusablePasswordPrefix)
}

// Check reports whether password matches encoded, as Django's check_password, and
// whether the stored hash should be replaced by one from the preferred hasher
// (mustUpdate: another algorithm, or the preferred hasher's MustUpdate). An unusable or
// unidentifiable encoded password never matches; as Django, the preferred hasher is then
// run once on a random password so that the time taken reveals little.
func (s *Set) Check(password, encoded string) (ok, mustUpdate bool) {
	h, err := s.Identify(encoded)
	if err != nil || !IsPasswordUsable(encoded) {
		if r, err := RandomString(UnusablePasswordSuffixLength); err == nil {
			s.Make(r)
		}
		return false, false
	}
	pref := s.Preferred()
	changed := h.Algorithm() != pref.Algorithm()
	mustUpdate = changed || pref.MustUpdate(encoded)
	ok, _ = h.Verify(password, encoded)
	// As Django: a wrong password against a weaker hash of the preferred algorithm costs
	// the time of the preferred work factor.
	if !ok && !changed && mustUpdate {
		if hr, isHR := h.(interface {
			hardenRuntime(password, encoded string)
		}); isHR {
			hr.hardenRuntime(password, encoded)
		}
	}
	return ok, mustUpdate
}

// Make returns a new encoded password for password with the preferred hasher and a
// random salt (Django's make_password).
func (s *Set) Make(password string) (string, error) {
	return MakeWith(s.Preferred(), password)
}

// MakeWith returns a new encoded password for password with h and a random salt.
func MakeWith(h Hasher, password string) (string, error) {
	salt, err := h.Salt()
	if err != nil {
		return "", err
	}
	return h.Encode(password, salt)
}

// MakeUnusable returns a password that never verifies, as make_password(None): "!"
// followed by 40 random characters.
func MakeUnusable() (string, error) {
	r, err := RandomString(UnusablePasswordSuffixLength)
	if err != nil {
		return "", err
	}
	return UnusablePasswordPrefix + r, nil
}

// RandomString returns n characters drawn uniformly from RandomStringChars with
// crypto/rand, as Django's get_random_string.
func RandomString(n int) (string, error) { return RandomStringOf(n, RandomStringChars) }

// RandomStringOf returns n characters drawn uniformly from chars (ASCII) with
// crypto/rand, as Django's get_random_string(n, allowed_chars) with secrets.choice.
func RandomStringOf(n int, chars string) (string, error) {
	b := make([]byte, n)
	max := big.NewInt(int64(len(chars)))
	for i := range b {
		x, err := rand.Int(rand.Reader, max)
		if err != nil {
			return "", err
		}
		b[i] = chars[x.Int64()]
	}
	return string(b), nil
}

// NewSalt returns a salt as Django's BasePasswordHasher.salt: 22 characters of
// RandomStringChars (at least 128 bits).
func NewSalt() (string, error) {
	return RandomString(saltLength())
}

func saltLength() int {
	return int(math.Ceil(SaltEntropy / math.Log2(float64(len(RandomStringChars)))))
}

// mustUpdateSalt is Django's must_update_salt: the salt carries fewer than SaltEntropy bits.
func mustUpdateSalt(salt string) bool {
	return float64(len(salt))*math.Log2(float64(len(RandomStringChars))) < SaltEntropy
}

func checkSalt(salt string) error {
	if salt == "" || strings.Contains(salt, "$") {
		return ErrBadSalt
	}
	return nil
}

// equal compares two strings in constant time (Django's constant_time_compare).
func equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// reencodeVerify is the verify of hashers that re-encode with the stored parameters and
// compare the whole encoded string.
func reencodeVerify(encoded string, again func() (string, error)) (bool, error) {
	e2, err := again()
	if err != nil {
		return false, err
	}
	return equal(encoded, e2), nil
}

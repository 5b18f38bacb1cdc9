package hashers

import (
	"crypto/md5"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"strings"
)

// MD5 is Django's MD5PasswordHasher ("md5$<salt>$<hex md5(salt+password)>"), or with
// SHA1 set, SHA1PasswordHasher ("sha1$...", removed from Django in 5.1). Neither is
// secure; they exist to verify and upgrade old hashes (and MD5 to speed up test suites).
type MD5 struct {
	SHA1 bool
}

// Algorithm implements Hasher.
func (m MD5) Algorithm() string {
	if m.SHA1 {
		return "sha1"
	}
	return "md5"
}

// Salt implements Hasher.
func (MD5) Salt() (string, error) { return NewSalt() }

func (m MD5) sum(s string) string {
	if m.SHA1 {
		h := sha1.Sum([]byte(s))
		return hex.EncodeToString(h[:])
	}
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// Encode implements Hasher.
func (m MD5) Encode(password, salt string) (string, error) {
	if err := checkSalt(salt); err != nil {
		return "", err
	}
	return m.Algorithm() + "$" + salt + "$" + m.sum(salt+password), nil
}

func (m MD5) decode(encoded string) (salt string, err error) {
	parts := strings.SplitN(encoded, "$", 3)
	if len(parts) != 3 || parts[0] != m.Algorithm() {
		return "", fmt.Errorf("%w: not %s", ErrMalformed, m.Algorithm())
	}
	return parts[1], nil
}

// Verify implements Hasher.
func (m MD5) Verify(password, encoded string) (bool, error) {
	salt, err := m.decode(encoded)
	if err != nil {
		return false, err
	}
	return reencodeVerify(encoded, func() (string, error) { return m.Encode(password, salt) })
}

// MustUpdate implements Hasher: a salt shorter than Django's.
func (m MD5) MustUpdate(encoded string) bool {
	salt, err := m.decode(encoded)
	return err == nil && mustUpdateSalt(salt)
}

// UnsaltedMD5 is Django's UnsaltedMD5PasswordHasher (removed in 5.1): a bare 32-character
// hex MD5, also accepted as "md5$$<hex>".
type UnsaltedMD5 struct{}

// Algorithm implements Hasher.
func (UnsaltedMD5) Algorithm() string { return "unsalted_md5" }

// Salt implements Hasher: always "".
func (UnsaltedMD5) Salt() (string, error) { return "", nil }

// Encode implements Hasher; salt must be "".
func (UnsaltedMD5) Encode(password, salt string) (string, error) {
	if salt != "" {
		return "", fmt.Errorf("%w: salt must be empty", ErrBadSalt)
	}
	h := md5.Sum([]byte(password))
	return hex.EncodeToString(h[:]), nil
}

// Verify implements Hasher.
func (u UnsaltedMD5) Verify(password, encoded string) (bool, error) {
	if len(encoded) == 37 && strings.HasPrefix(encoded, "md5$$") {
		encoded = encoded[5:]
	}
	return reencodeVerify(encoded, func() (string, error) { return u.Encode(password, "") })
}

// MustUpdate implements Hasher.
func (UnsaltedMD5) MustUpdate(string) bool { return false }

// UnsaltedSHA1 is Django's UnsaltedSHA1PasswordHasher (removed in 5.1): "sha1$$<hex>".
type UnsaltedSHA1 struct{}

// Algorithm implements Hasher.
func (UnsaltedSHA1) Algorithm() string { return "unsalted_sha1" }

// Salt implements Hasher: always "".
func (UnsaltedSHA1) Salt() (string, error) { return "", nil }

// Encode implements Hasher; salt must be "".
func (UnsaltedSHA1) Encode(password, salt string) (string, error) {
	if salt != "" {
		return "", fmt.Errorf("%w: salt must be empty", ErrBadSalt)
	}
	h := sha1.Sum([]byte(password))
	return "sha1$$" + hex.EncodeToString(h[:]), nil
}

// Verify implements Hasher.
func (u UnsaltedSHA1) Verify(password, encoded string) (bool, error) {
	return reencodeVerify(encoded, func() (string, error) { return u.Encode(password, "") })
}

// MustUpdate implements Hasher.
func (UnsaltedSHA1) MustUpdate(string) bool { return false }

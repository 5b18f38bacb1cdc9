package auth

import (
	"strings"

	"github.com/djsession/djsession/django/auth/hashers"
)

// CSRF secret and token sizes and alphabet (django.middleware.csrf).
const (
	CSRFSecretLength = 32
	CSRFTokenLength  = 2 * CSRFSecretLength
	CSRFAllowedChars = hashers.RandomStringChars
)

// NewCSRFSecret returns a new CSRF secret, 32 characters of [a-zA-Z0-9], as Django 4.1+
// stores under _csrftoken after rotate_token.
func NewCSRFSecret() (string, error) {
	return hashers.RandomString(CSRFSecretLength)
}

// MaskCSRFSecret returns the 64-character masked form of secret: a random 32-character
// mask followed by the secret's characters shifted by the mask's in CSRFAllowedChars
// (Django's _mask_cipher_secret; Django 3.2 and 4.0 store this form in the session).
func MaskCSRFSecret(secret string) (string, error) {
	mask, err := hashers.RandomString(len(secret))
	if err != nil {
		return "", err
	}
	n := len(CSRFAllowedChars)
	var b strings.Builder
	b.WriteString(mask)
	for i := 0; i < len(secret); i++ {
		x := strings.IndexByte(CSRFAllowedChars, secret[i])
		y := strings.IndexByte(CSRFAllowedChars, mask[i])
		if x < 0 {
			x = 0
		}
		b.WriteByte(CSRFAllowedChars[(x+y)%n])
	}
	return b.String(), nil
}

// UnmaskCSRFToken returns the secret in a 64-character masked token (Django's
// _unmask_cipher_token); other lengths are returned unchanged.
func UnmaskCSRFToken(token string) string {
	if len(token) != CSRFTokenLength {
		return token
	}
	mask, cipher := token[:CSRFSecretLength], token[CSRFSecretLength:]
	n := len(CSRFAllowedChars)
	b := make([]byte, CSRFSecretLength)
	for i := range b {
		x := strings.IndexByte(CSRFAllowedChars, cipher[i])
		y := strings.IndexByte(CSRFAllowedChars, mask[i])
		b[i] = CSRFAllowedChars[((x-y)%n+n)%n]
	}
	return string(b)
}

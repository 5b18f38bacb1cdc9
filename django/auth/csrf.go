package auth

import "github.com/djsession/djsession/django"

// CSRF secret and token sizes and alphabet (django.middleware.csrf), as in package django.
const (
	CSRFSecretLength = django.CSRFSecretLength
	CSRFTokenLength  = django.CSRFTokenLength
	CSRFAllowedChars = django.CSRFAllowedChars
)

// NewCSRFSecret returns a new CSRF secret, 32 characters of [a-zA-Z0-9], as Django 4.1+
// stores under _csrftoken after rotate_token. It is django.NewCSRFSecret.
func NewCSRFSecret() (string, error) { return django.NewCSRFSecret() }

// MaskCSRFSecret returns the 64-character masked form of secret (Django's
// _mask_cipher_secret; Django 3.2 and 4.0 store this form). It is django.MaskCSRFSecret.
func MaskCSRFSecret(secret string) (string, error) { return django.MaskCSRFSecret(secret) }

// UnmaskCSRFToken returns the secret in a 64-character masked token (Django's
// _unmask_cipher_token); other lengths are returned unchanged. It is
// django.UnmaskCSRFToken.
func UnmaskCSRFToken(token string) string { return django.UnmaskCSRFToken(token) }

package headless

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"unicode/utf8"

	"github.com/djsession/djsession/signing"
)

// errSIDNotASCII is the ValueError of base64.b64decode for a str beyond ASCII, which
// allauth does not catch (a server error; only the holder of the signing key can make
// such a token).
var errSIDNotASCII = errors.New("headless: a sid beyond ASCII (b64decode's ValueError)")

// sidStream is the AES-256-CTR keystream of allauth's get_session_key_cipher: the key is
// the SHA-256 of SECRET_KEY, the counter block the 16-byte IV.
func sidStream(secretKey string, iv []byte) cipher.Stream {
	key := sha256.Sum256([]byte(secretKey))
	block, _ := aes.NewCipher(key[:]) // (a 32-byte key: no error)
	return cipher.NewCTR(block, iv)
}

// SessionKeyToSID is allauth's session_key_to_sid: the session key encrypted for the
// "sid" claim of a JWT, so that a leaked access token does not give its session away: a
// random 16-byte IV, then the key encrypted with AES-256-CTR under the SHA-256 of
// secretKey (SECRET_KEY), in standard base64.
func SessionKeyToSID(secretKey, sessionKey string) (string, error) {
	b := make([]byte, 16+len(sessionKey))
	if _, err := rand.Read(b[:16]); err != nil {
		return "", err
	}
	sidStream(secretKey, b[:16]).XORKeyStream(b[16:], []byte(sessionKey))
	return base64.StdEncoding.EncodeToString(b), nil
}

// SessionKeyFromSID is allauth's session_key_from_sid: the session key of a sid, or
// false when there is none (not base64 as Python's b64decode reads it, nothing after the
// IV, or not UTF-8 once decrypted). A sid beyond ASCII is an error, as Python's
// b64decode raises an error allauth does not catch.
func SessionKeyFromSID(secretKey, sid string) (string, bool, error) {
	for i := 0; i < len(sid); i++ {
		if sid[i] >= 0x80 {
			return "", false, errSIDNotASCII
		}
	}
	data, err := signing.B64DecodeStd(sid)
	if err != nil || len(data) <= 16 {
		return "", false, nil
	}
	msg := make([]byte, len(data)-16)
	sidStream(secretKey, data[:16]).XORKeyStream(msg, data[16:])
	if !utf8.Valid(msg) {
		return "", false, nil
	}
	return string(msg), true, nil
}

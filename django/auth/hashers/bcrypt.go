package hashers

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/blowfish"
)

// BCrypt is Django's BCryptSHA256PasswordHasher ("bcrypt_sha256": bcrypt of the hex
// SHA-256 of the password, so long passwords are not truncated) or, with NoPrehash,
// BCryptPasswordHasher ("bcrypt": bcrypt of the password itself, which bcrypt truncates
// at 72 bytes). The encoded form is the algorithm, "$", and the modular-crypt string of
// the bcrypt library: "bcrypt_sha256$$2b$12$<22-char salt><31-char hash>".
//
// Its salt is the bcrypt setting "$2b$<rounds>$<22 characters>" (what bcrypt.gensalt
// returns), so Encode with a fixed salt gives the bcrypt library's exact output.
type BCrypt struct {
	// NoPrehash selects the plain "bcrypt" hasher.
	NoPrehash bool
	// Rounds (the log2 work factor) for new salts; 0 means Django's 12.
	Rounds int
}

// BCryptRounds is Django's default bcrypt work factor.
const BCryptRounds = 12

// Algorithm implements Hasher.
func (b BCrypt) Algorithm() string {
	if b.NoPrehash {
		return "bcrypt"
	}
	return "bcrypt_sha256"
}

func (b BCrypt) rounds() int {
	if b.Rounds > 0 {
		return b.Rounds
	}
	return BCryptRounds
}

// bcrypt's own base64 alphabet, without padding.
var bcryptB64 = base64.NewEncoding("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789").WithPadding(base64.NoPadding)

// Salt implements Hasher: "$2b$<rounds>$" and 16 random bytes in bcrypt's base64.
func (b BCrypt) Salt() (string, error) {
	raw := make([]byte, 16)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	return fmt.Sprintf("$2b$%02d$%s", b.rounds(), bcryptB64.EncodeToString(raw)[:22]), nil
}

func (b BCrypt) secret(password string) []byte {
	if b.NoPrehash {
		return []byte(password)
	}
	sum := sha256.Sum256([]byte(password))
	return []byte(hex.EncodeToString(sum[:]))
}

// Encode implements Hasher. salt is a bcrypt setting "$2<x>$<rounds>$<22 chars>", and
// may be followed by a hash (only the setting is used), as bcrypt.hashpw.
func (b BCrypt) Encode(password, salt string) (string, error) {
	mc, err := bcryptHash(b.secret(password), salt)
	if err != nil {
		return "", err
	}
	return b.Algorithm() + "$" + mc, nil
}

// Verify implements Hasher: re-hash with the stored setting and compare.
func (b BCrypt) Verify(password, encoded string) (bool, error) {
	alg, data, ok := strings.Cut(encoded, "$")
	if !ok || alg != b.Algorithm() {
		return false, fmt.Errorf("%w: not %s", ErrMalformed, b.Algorithm())
	}
	return reencodeVerify(encoded, func() (string, error) { return b.Encode(password, data) })
}

// MustUpdate implements Hasher: another work factor than the hasher's.
func (b BCrypt) MustUpdate(encoded string) bool {
	_, data, _ := strings.Cut(encoded, "$")
	_, cost, _, err := parseBcryptSetting(data)
	return err == nil && cost != b.rounds()
}

func (b BCrypt) hardenRuntime(password, encoded string) {
	_, data, _ := strings.Cut(encoded, "$")
	_, cost, _, err := parseBcryptSetting(data)
	if err != nil || cost >= b.rounds() || b.rounds()-cost > 20 {
		return
	}
	for i := (1 << (b.rounds() - cost)) - 1; i > 0; i-- {
		b.Encode(password, data)
	}
}

// parseBcryptSetting reads "$2<minor>$<cost>$<22 salt chars>" at the start of s.
func parseBcryptSetting(s string) (prefix string, cost int, salt string, err error) {
	if len(s) < 29 || s[0] != '$' || s[1] != '2' || s[3] != '$' || s[6] != '$' {
		return "", 0, "", fmt.Errorf("%w: bcrypt setting", ErrMalformed)
	}
	switch s[2] {
	case 'a', 'b', 'y':
	default:
		return "", 0, "", fmt.Errorf("%w: bcrypt version $2%c$", ErrUnsupported, s[2])
	}
	cost, err = strconv.Atoi(s[4:6])
	if err != nil || cost < 4 || cost > 31 {
		return "", 0, "", fmt.Errorf("%w: bcrypt cost %q", ErrMalformed, s[4:6])
	}
	return s[:7], cost, s[7:29], nil
}

var bcryptMagic = []byte("OrpheanBeholderScryDoubt")

// bcryptHash computes bcrypt (the eksblowfish construction) of secret under setting and
// returns the modular-crypt string "<setting prefix><salt><hash>".
func bcryptHash(secret []byte, setting string) (string, error) {
	prefix, cost, salt, err := parseBcryptSetting(setting)
	if err != nil {
		return "", err
	}
	// Go's non-strict decoding ignores the unused low bits of the last character, as
	// bcrypt does.
	rawSalt, err := bcryptB64.DecodeString(salt)
	if err != nil || len(rawSalt) != 16 {
		return "", fmt.Errorf("%w: bcrypt salt", ErrMalformed)
	}
	// The key is the secret with its NUL terminator, at most 72 bytes ($2b$/$2y$;
	// identical to $2a$ for secrets shorter than 255 bytes).
	key := append(append([]byte(nil), secret...), 0)
	if len(key) > 72 {
		key = key[:72]
	}
	c, err := blowfish.NewSaltedCipher(key, rawSalt)
	if err != nil {
		return "", err
	}
	for i := uint64(0); i < 1<<uint(cost); i++ {
		blowfish.ExpandKey(key, c)
		blowfish.ExpandKey(rawSalt, c)
	}
	out := append([]byte(nil), bcryptMagic...)
	for i := 0; i < 24; i += 8 {
		for j := 0; j < 64; j++ {
			c.Encrypt(out[i:i+8], out[i:i+8])
		}
	}
	// The canonical salt string is re-encoded from the 16 bytes, as bcrypt does.
	return prefix + bcryptB64.EncodeToString(rawSalt)[:22] + bcryptB64.EncodeToString(out[:23]), nil
}

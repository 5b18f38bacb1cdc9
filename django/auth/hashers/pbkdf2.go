package hashers

import (
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash"
	"strconv"
	"strings"
)

// PBKDF2 is Django's PBKDF2PasswordHasher (SHA-256, "pbkdf2_sha256") or
// PBKDF2SHA1PasswordHasher (SHA-1, "pbkdf2_sha1"):
// "<algorithm>$<iterations>$<salt>$<base64 of the derived key>", the key as long as the
// digest.
type PBKDF2 struct {
	// SHA1 selects pbkdf2_sha1; false is pbkdf2_sha256.
	SHA1 bool
	// Iterations for new hashes; 0 means the current Django's (PBKDF2Iterations("")).
	Iterations int
}

// PBKDF2Iterations returns the iteration count of Django's PBKDF2 hashers in a release
// series ("3.2", "4.2", "5.2", "6.0", "6.1"); "" or an unknown series gives the newest.
func PBKDF2Iterations(series string) int {
	switch series {
	case "3.2":
		return 260_000
	case "4.0":
		return 320_000
	case "4.1":
		return 390_000
	case "4.2":
		return 600_000
	case "5.0":
		return 720_000
	case "5.1":
		return 870_000
	case "5.2":
		return 1_000_000
	case "6.0":
		return 1_200_000
	}
	return 1_500_000
}

// Algorithm implements Hasher.
func (p PBKDF2) Algorithm() string {
	if p.SHA1 {
		return "pbkdf2_sha1"
	}
	return "pbkdf2_sha256"
}

func (p PBKDF2) iterations() int {
	if p.Iterations > 0 {
		return p.Iterations
	}
	return PBKDF2Iterations("")
}

func (p PBKDF2) digest() func() hash.Hash {
	if p.SHA1 {
		return sha1.New
	}
	return sha256.New
}

// Salt implements Hasher.
func (p PBKDF2) Salt() (string, error) { return NewSalt() }

// Encode implements Hasher with the hasher's iterations.
func (p PBKDF2) Encode(password, salt string) (string, error) {
	return p.EncodeIterations(password, salt, p.iterations())
}

// EncodeIterations is Encode with an explicit iteration count, as Django's
// encode(password, salt, iterations).
func (p PBKDF2) EncodeIterations(password, salt string, iterations int) (string, error) {
	if err := checkSalt(salt); err != nil {
		return "", err
	}
	if iterations <= 0 {
		return "", fmt.Errorf("%w: iterations %d", ErrUnsupported, iterations)
	}
	h := p.digest()
	key, err := pbkdf2.Key(h, password, []byte(salt), iterations, h().Size())
	if err != nil {
		return "", err
	}
	return p.Algorithm() + "$" + strconv.Itoa(iterations) + "$" + salt + "$" +
		base64.StdEncoding.EncodeToString(key), nil
}

// DecodedPBKDF2 is the parts of a PBKDF2 encoded password.
type DecodedPBKDF2 struct {
	Algorithm  string
	Iterations int
	Salt       string
	Hash       string
}

// Decode splits a PBKDF2 encoded password.
func (p PBKDF2) Decode(encoded string) (DecodedPBKDF2, error) {
	parts := strings.SplitN(encoded, "$", 4)
	if len(parts) != 4 || parts[0] != p.Algorithm() {
		return DecodedPBKDF2{}, fmt.Errorf("%w: not %s", ErrMalformed, p.Algorithm())
	}
	it, err := strconv.Atoi(parts[1])
	if err != nil || it <= 0 {
		return DecodedPBKDF2{}, fmt.Errorf("%w: iterations %q", ErrMalformed, parts[1])
	}
	return DecodedPBKDF2{Algorithm: parts[0], Iterations: it, Salt: parts[2], Hash: parts[3]}, nil
}

// Verify implements Hasher.
func (p PBKDF2) Verify(password, encoded string) (bool, error) {
	d, err := p.Decode(encoded)
	if err != nil {
		return false, err
	}
	return reencodeVerify(encoded, func() (string, error) {
		return p.EncodeIterations(password, d.Salt, d.Iterations)
	})
}

// MustUpdate implements Hasher: other iterations than the hasher's, or a short salt.
func (p PBKDF2) MustUpdate(encoded string) bool {
	d, err := p.Decode(encoded)
	if err != nil {
		return false
	}
	return d.Iterations != p.iterations() || mustUpdateSalt(d.Salt)
}

// hardenRuntime runs the iterations that encoded lacks, as Django's harden_runtime.
func (p PBKDF2) hardenRuntime(password, encoded string) {
	d, err := p.Decode(encoded)
	if err != nil {
		return
	}
	if extra := p.iterations() - d.Iterations; extra > 0 {
		p.EncodeIterations(password, d.Salt, extra)
	}
}

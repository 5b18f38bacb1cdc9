package hashers

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/scrypt"
)

// Scrypt is Django's ScryptPasswordHasher (Django 4.0+):
// "scrypt$<N>$<salt>$<r>$<p>$<base64 of a 64-byte key>".
type Scrypt struct {
	// WorkFactor (N), BlockSize (r) and Parallelism (p) for new hashes; zero values are
	// the current Django's (2**14, 8, 5). Django 4.x used parallelism 1: see
	// ScryptParallelism.
	WorkFactor  int
	BlockSize   int
	Parallelism int
}

// ScryptParallelism returns Django's scrypt parallelism in a release series: 1 before
// 5.0, 5 from 5.0.
func ScryptParallelism(series string) int {
	switch series {
	case "4.0", "4.1", "4.2":
		return 1
	}
	return 5
}

// Algorithm implements Hasher.
func (Scrypt) Algorithm() string { return "scrypt" }

func (s Scrypt) params() (n, r, p int) {
	n, r, p = s.WorkFactor, s.BlockSize, s.Parallelism
	if n == 0 {
		n = 1 << 14
	}
	if r == 0 {
		r = 8
	}
	if p == 0 {
		p = ScryptParallelism("")
	}
	return
}

// Salt implements Hasher.
func (Scrypt) Salt() (string, error) { return NewSalt() }

// Encode implements Hasher.
func (s Scrypt) Encode(password, salt string) (string, error) {
	n, r, p := s.params()
	return s.encode(password, salt, n, r, p)
}

func (s Scrypt) encode(password, salt string, n, r, p int) (string, error) {
	if err := checkSalt(salt); err != nil {
		return "", err
	}
	// Python's hashlib.scrypt with maxmem=0 leaves OpenSSL's 32 MiB limit in force.
	if n <= 1 || n&(n-1) != 0 || r <= 0 || p <= 0 || uint64(128)*uint64(r)*uint64(n) >= 32<<20 || r*p >= 1<<30 {
		return "", fmt.Errorf("%w: scrypt n=%d r=%d p=%d", ErrUnsupported, n, r, p)
	}
	key, err := scrypt.Key([]byte(password), []byte(salt), n, r, p, 64)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrUnsupported, err)
	}
	return fmt.Sprintf("scrypt$%d$%s$%d$%d$%s", n, salt, r, p, base64.StdEncoding.EncodeToString(key)), nil
}

// DecodedScrypt is the parts of a scrypt encoded password.
type DecodedScrypt struct {
	WorkFactor, BlockSize, Parallelism int
	Salt, Hash                         string
}

// Decode splits a scrypt encoded password.
func (Scrypt) Decode(encoded string) (DecodedScrypt, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "scrypt" {
		return DecodedScrypt{}, fmt.Errorf("%w: not scrypt", ErrMalformed)
	}
	var d DecodedScrypt
	var err1, err2, err3 error
	d.WorkFactor, err1 = strconv.Atoi(parts[1])
	d.BlockSize, err2 = strconv.Atoi(parts[3])
	d.Parallelism, err3 = strconv.Atoi(parts[4])
	if err1 != nil || err2 != nil || err3 != nil {
		return DecodedScrypt{}, fmt.Errorf("%w: scrypt parameters", ErrMalformed)
	}
	d.Salt, d.Hash = parts[2], parts[5]
	return d, nil
}

// Verify implements Hasher.
func (s Scrypt) Verify(password, encoded string) (bool, error) {
	d, err := s.Decode(encoded)
	if err != nil {
		return false, err
	}
	return reencodeVerify(encoded, func() (string, error) {
		return s.encode(password, d.Salt, d.WorkFactor, d.BlockSize, d.Parallelism)
	})
}

// MustUpdate implements Hasher: other N, r or p than the hasher's.
func (s Scrypt) MustUpdate(encoded string) bool {
	d, err := s.Decode(encoded)
	if err != nil {
		return false
	}
	n, r, p := s.params()
	return d.WorkFactor != n || d.BlockSize != r || d.Parallelism != p
}

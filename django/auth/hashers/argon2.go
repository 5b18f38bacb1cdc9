package hashers

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2 is Django's Argon2PasswordHasher: argon2id through argon2-cffi's encoded form
// with Django's "argon2" prefix,
// "argon2$argon2id$v=19$m=<memory KiB>,t=<time>,p=<parallelism>$<b64 salt>$<b64 hash>"
// (base64 without padding, a 32-byte hash). Verify also accepts argon2i hashes of
// version 19, as older Django releases made them; argon2d and version 16 hashes
// give ErrUnsupported.
type Argon2 struct {
	// TimeCost, MemoryCost (KiB) and Parallelism for new hashes; zero values are Django's
	// defaults (2, 102400, 8), the same in every release since 3.2.
	TimeCost    uint32
	MemoryCost  uint32
	Parallelism uint8
}

// Argon2 defaults (Argon2PasswordHasher.time_cost, memory_cost, parallelism) and
// argon2-cffi's hash length.
const (
	Argon2TimeCost    = 2
	Argon2MemoryCost  = 102400
	Argon2Parallelism = 8
	Argon2HashLength  = 32
)

// Algorithm implements Hasher.
func (Argon2) Algorithm() string { return "argon2" }

func (a Argon2) params() (t, m uint32, p uint8) {
	t, m, p = a.TimeCost, a.MemoryCost, a.Parallelism
	if t == 0 {
		t = Argon2TimeCost
	}
	if m == 0 {
		m = Argon2MemoryCost
	}
	if p == 0 {
		p = Argon2Parallelism
	}
	return
}

// Salt implements Hasher.
func (Argon2) Salt() (string, error) { return NewSalt() }

var b64raw = base64.RawStdEncoding

// Encode implements Hasher: the salt's UTF-8 bytes are argon2's salt, as in Django.
func (a Argon2) Encode(password, salt string) (string, error) {
	if err := checkSalt(salt); err != nil {
		return "", err
	}
	t, m, p := a.params()
	if len(salt) < 8 {
		return "", fmt.Errorf("%w: argon2 salt shorter than 8 bytes", ErrUnsupported)
	}
	key := argon2.IDKey([]byte(password), []byte(salt), t, m, p, Argon2HashLength)
	return fmt.Sprintf("argon2$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, m, t, p,
		b64raw.EncodeToString([]byte(salt)), b64raw.EncodeToString(key)), nil
}

// DecodedArgon2 is the parts of an argon2 encoded password.
type DecodedArgon2 struct {
	Variety     string // "argon2id", "argon2i" or "argon2d"
	Version     int
	MemoryCost  uint32
	TimeCost    uint32
	Parallelism uint8
	Salt        []byte
	Hash        []byte
}

// Decode parses an argon2 encoded password (Django's prefix and argon2's PHC string).
func (Argon2) Decode(encoded string) (DecodedArgon2, error) {
	var d DecodedArgon2
	rest, ok := strings.CutPrefix(encoded, "argon2$")
	if !ok {
		return d, fmt.Errorf("%w: not argon2", ErrMalformed)
	}
	parts := strings.Split(rest, "$")
	// variety, [v=..], params, salt, hash
	if len(parts) == 4 {
		parts = []string{parts[0], "v=16", parts[1], parts[2], parts[3]}
	}
	if len(parts) != 5 {
		return d, fmt.Errorf("%w: argon2 has %d fields", ErrMalformed, len(parts))
	}
	d.Variety = parts[0]
	v, ok := strings.CutPrefix(parts[1], "v=")
	if !ok {
		return d, fmt.Errorf("%w: argon2 version %q", ErrMalformed, parts[1])
	}
	var err error
	if d.Version, err = strconv.Atoi(v); err != nil {
		return d, fmt.Errorf("%w: argon2 version %q", ErrMalformed, parts[1])
	}
	var seen int
	for _, kv := range strings.Split(parts[2], ",") {
		k, val, _ := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(val, 10, 32)
		if err != nil {
			return d, fmt.Errorf("%w: argon2 parameter %q", ErrMalformed, kv)
		}
		switch k {
		case "m":
			d.MemoryCost = uint32(n)
		case "t":
			d.TimeCost = uint32(n)
		case "p":
			if n > 255 {
				return d, fmt.Errorf("%w: argon2 parallelism %d", ErrUnsupported, n)
			}
			d.Parallelism = uint8(n)
		default:
			return d, fmt.Errorf("%w: argon2 parameter %q", ErrMalformed, kv)
		}
		seen++
	}
	if seen != 3 || d.MemoryCost == 0 || d.TimeCost == 0 || d.Parallelism == 0 {
		return d, fmt.Errorf("%w: argon2 parameters %q", ErrMalformed, parts[2])
	}
	if d.Salt, err = b64raw.DecodeString(parts[3]); err != nil {
		return d, fmt.Errorf("%w: argon2 salt", ErrMalformed)
	}
	if d.Hash, err = b64raw.DecodeString(parts[4]); err != nil || len(d.Hash) == 0 {
		return d, fmt.Errorf("%w: argon2 hash", ErrMalformed)
	}
	return d, nil
}

// Verify implements Hasher.
func (a Argon2) Verify(password, encoded string) (bool, error) {
	d, err := a.Decode(encoded)
	if err != nil {
		return false, err
	}
	if d.Version != argon2.Version {
		return false, fmt.Errorf("%w: argon2 version %d", ErrUnsupported, d.Version)
	}
	// Bound the memory an attacker-controlled hash can make us allocate (4 GiB).
	if d.MemoryCost > 4<<20 {
		return false, fmt.Errorf("%w: argon2 memory %d KiB", ErrUnsupported, d.MemoryCost)
	}
	var key []byte
	switch d.Variety {
	case "argon2id":
		key = argon2.IDKey([]byte(password), d.Salt, d.TimeCost, d.MemoryCost, d.Parallelism, uint32(len(d.Hash)))
	case "argon2i":
		key = argon2.Key([]byte(password), d.Salt, d.TimeCost, d.MemoryCost, d.Parallelism, uint32(len(d.Hash)))
	default:
		return false, fmt.Errorf("%w: %s", ErrUnsupported, d.Variety)
	}
	return equal(string(key), string(d.Hash)), nil
}

// MustUpdate implements Hasher: another variety, version, cost or hash length than this
// hasher's, or a short salt.
func (a Argon2) MustUpdate(encoded string) bool {
	d, err := a.Decode(encoded)
	if err != nil {
		return false
	}
	t, m, p := a.params()
	return d.Variety != "argon2id" || d.Version != argon2.Version || d.TimeCost != t ||
		d.MemoryCost != m || d.Parallelism != p || len(d.Hash) != Argon2HashLength ||
		mustUpdateSalt(string(d.Salt))
}

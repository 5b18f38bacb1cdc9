package signing

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"
	"sort"

	"golang.org/x/crypto/blake2b"
	"golang.org/x/crypto/blake2s"
)

// ErrInvalidAlgorithm is returned for a hash name Django's salted_hmac does not accept
// (Django raises InvalidAlgorithm).
var ErrInvalidAlgorithm = errors.New("signing: invalid algorithm")

// algorithms maps hashlib attribute names to Go hash constructors, with Python's default
// digest sizes (blake2b: 64 bytes, blake2s: 32 bytes).
var algorithms = map[string]func() hash.Hash{
	"md5":      md5.New,
	"sha1":     sha1.New,
	"sha224":   sha256.New224,
	"sha256":   sha256.New,
	"sha384":   sha512.New384,
	"sha512":   sha512.New,
	"sha3_224": func() hash.Hash { return sha3.New224() },
	"sha3_256": func() hash.Hash { return sha3.New256() },
	"sha3_384": func() hash.Hash { return sha3.New384() },
	"sha3_512": func() hash.Hash { return sha3.New512() },
	"blake2b":  func() hash.Hash { h, _ := blake2b.New512(nil); return h },
	"blake2s":  func() hash.Hash { h, _ := blake2s.New256(nil); return h },
}

// Algorithms returns the names SaltedHMAC accepts, sorted.
func Algorithms() []string {
	names := make([]string, 0, len(algorithms))
	for n := range algorithms {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func lookupAlgorithm(name string) (func() hash.Hash, error) {
	h, ok := algorithms[name]
	if !ok {
		return nil, fmt.Errorf("%w: %q is not an algorithm accepted by hashlib", ErrInvalidAlgorithm, name)
	}
	return h, nil
}

// SaltedHMAC returns the MAC of value as django.utils.crypto.salted_hmac computes it:
// the HMAC key is the digest H(keySalt + secret) and the MAC is HMAC-H(key, value), where
// H is the named hash and the strings are taken as UTF-8 bytes. Use hex.EncodeToString
// for Django's hexdigest().
func SaltedHMAC(keySalt, value, secret, algorithm string) ([]byte, error) {
	h, err := lookupAlgorithm(algorithm)
	if err != nil {
		return nil, err
	}
	mac := hmac.New(h, deriveKey(h, keySalt, secret))
	mac.Write([]byte(value))
	return mac.Sum(nil), nil
}

func deriveKey(h func() hash.Hash, keySalt, secret string) []byte {
	d := h()
	d.Write([]byte(keySalt))
	d.Write([]byte(secret))
	return d.Sum(nil)
}

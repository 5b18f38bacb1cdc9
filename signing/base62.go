package signing

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
)

const base62Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// base62Digit is the value of each byte as a base62 digit, -1 for the others. (Every
// Loads reads a timestamp: a table costs a load a digit where a search of the alphabet
// cost about ten nanoseconds.)
var base62Digit = func() (t [256]int8) {
	for i := range t {
		t[i] = int8(strings.IndexByte(base62Alphabet, byte(i)))
	}
	return t
}()

// ErrBase62 is returned for text that is not a base62 number.
var ErrBase62 = errors.New("signing: invalid base62")

// B62Encode returns n in Django's base62 (digits, then upper case, then lower case; most
// significant digit first; a leading '-' for negative numbers), as signing.b62_encode.
func B62Encode(n int64) string { return string(appendB62(nil, n)) }

func appendB62(dst []byte, n int64) []byte {
	if n == 0 {
		return append(dst, '0')
	}
	u := uint64(n)
	if n < 0 {
		dst = append(dst, '-')
		u = uint64(-n)
	}
	var tmp [12]byte
	i := len(tmp)
	for u > 0 {
		i--
		tmp[i] = base62Alphabet[u%62]
		u /= 62
	}
	return append(dst, tmp[i:]...)
}

// B62Decode reads a base62 number as signing.b62_decode does ("-" alone reads as 0, as
// in Python). Numbers too large for an int64 are an error here (Python would return a big
// int).
func B62Decode(s string) (int64, error) {
	b, err := b62DecodeBig(s)
	if err != nil {
		return 0, err
	}
	if !b.IsInt64() {
		return 0, fmt.Errorf("%w: %q is out of range", ErrBase62, s)
	}
	return b.Int64(), nil
}

// b62Float decodes s and returns it as Python's float(int) would: correctly rounded.
func b62Float(s string) (float64, error) {
	if len(s) <= 9 { // 62^9 < 2^53: exact in float64
		var n int64
		digits := strings.TrimPrefix(s, "-")
		if s == "" {
			return 0, fmt.Errorf("%w: empty", ErrBase62)
		}
		for i := 0; i < len(digits); i++ {
			d := base62Digit[digits[i]]
			if d < 0 {
				return 0, fmt.Errorf("%w: bad digit in %q", ErrBase62, s)
			}
			n = n*62 + int64(d)
		}
		if len(digits) < len(s) {
			n = -n
		}
		return float64(n), nil
	}
	b, err := b62DecodeBig(s)
	if err != nil {
		return 0, err
	}
	f, _ := new(big.Float).SetInt(b).Float64()
	return f, nil
}

func b62DecodeBig(s string) (*big.Int, error) {
	if s == "" {
		return nil, fmt.Errorf("%w: empty", ErrBase62)
	}
	digits := strings.TrimPrefix(s, "-")
	n := new(big.Int)
	b62 := big.NewInt(62)
	for i := 0; i < len(digits); i++ {
		d := base62Digit[digits[i]]
		if d < 0 {
			return nil, fmt.Errorf("%w: bad digit in %q", ErrBase62, s)
		}
		n.Mul(n, b62).Add(n, big.NewInt(int64(d)))
	}
	if len(digits) < len(s) {
		n.Neg(n)
	}
	return n, nil
}
